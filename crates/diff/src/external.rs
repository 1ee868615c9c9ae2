//! New external access: public, outside-the-organization and confused-deputy access to a
//! resource or role that the new snapshot allows and the old did not, as the access model
//! answers in both ([`iamsnap_access::Model::external_access`], the rows of the
//! `external_access` table and of the `external` pack), with what changed to let it in:
//! the resource's policy, or — its policy unchanged — a guardrail over it.

use std::collections::{BTreeMap, BTreeSet};

use iamsnap_access::Model;
use iamsnap_access::external::ExternalAccess;

use crate::model::{Risk, RiskKind};

/// (resource, principal) → (actions allowed, actions allowed under conditions).
type Granted<'a> = BTreeMap<(&'a str, &'a str), (BTreeSet<&'a str>, BTreeSet<&'a str>)>;

fn granted(rows: &[ExternalAccess]) -> Granted<'_> {
    let mut out: Granted<'_> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.is_exposure()) {
        let entry = out
            .entry((r.resource.as_str(), r.principal.as_str()))
            .or_default();
        let set = if r.decision == "allow" {
            &mut entry.0
        } else {
            &mut entry.1
        };
        set.extend(r.actions.iter().map(String::as_str));
    }
    out
}

/// The policy text of `resource` in `model`: its trust policy for a role.
fn policy_text<'a>(model: &'a Model, resource: &str) -> Option<&'a str> {
    model
        .trust_policy(resource)
        .or_else(|| model.resource_policies().get(resource))
        .and_then(|d| d.text())
}

/// One risk per (resource, principal) that gained external access from `old` to `new`:
/// actions now allowed that were not, or allowed under conditions that were not allowed
/// at all.
pub(crate) fn risks(old: &Model, new: &Model) -> Vec<Risk> {
    let old_rows = old.external_access(|| true);
    let new_rows = new.external_access(|| true);
    let before = granted(&old_rows);
    let mut out = Vec::new();
    for row in new_rows.iter().filter(|r| r.is_exposure()) {
        let key = (row.resource.as_str(), row.principal.as_str());
        let (was_allowed, was_conditional) = before
            .get(&key)
            .map_or((None, None), |(a, c)| (Some(a), Some(c)));
        let gained: Vec<&str> = row
            .actions
            .iter()
            .map(String::as_str)
            .filter(|a| {
                let allowed_before = was_allowed.is_some_and(|s| s.contains(a));
                let conditional_before = was_conditional.is_some_and(|s| s.contains(a));
                if row.decision == "allow" {
                    !allowed_before
                } else {
                    !allowed_before && !conditional_before
                }
            })
            .collect();
        if gained.is_empty() {
            continue;
        }
        let cause = match (policy_text(old, &row.resource), policy_text(new, &row.resource)) {
            (None, _) if row.resource_type == "role" && old.principal(&row.resource).is_none() => {
                "a new role".to_owned()
            }
            (None, _) => "a new resource policy".to_owned(),
            (Some(a), Some(b)) if a != b => "its policy changed".to_owned(),
            _ => "its policy is the same: a guardrail over it changed (the RCPs over its account, S3 Block Public Access) or the organization's accounts did".to_owned(),
        };
        let how = match &row.conditions {
            Some(c) if row.decision != "allow" => format!(" if {c}"),
            _ => String::new(),
        };
        out.push(Risk {
            kind: RiskKind::NewExternalAccess,
            subject: row.resource.clone(),
            detail: format!(
                "{} ({}) can now {} on `{}` ({}){how}: {}",
                row.principal,
                row.scope.as_str(),
                gained.join(", "),
                row.resource,
                row.access_levels.join(", "),
                cause
            ),
            methods: Vec::new(),
        });
    }
    out
}
