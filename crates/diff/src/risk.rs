//! Risk changes: new admin-equivalent principals, new trust edges, new keys on non-human
//! users.
//!
//! A risk is something a customer can act on, so principals no customer can act as (the
//! access model's [`iamsnap_access::nhi::Nhi::aws_managed`]: service-linked roles) raise
//! none, whatever they gain; their changes are still in the structure and access parts.

use std::collections::{BTreeMap, BTreeSet};

use iamsnap_access::Model;
use iamsnap_catalog::Catalog;

use crate::Tables;
use crate::access::{PrincipalAccess, admin_reason};
use crate::catalogs::Universes;
use crate::escalation;
use crate::model::{Risk, RiskKind, Unknown};
use crate::rows::Row;
use crate::structure::{key_key, key_text};

/// The risk changes. `old_access` and `new_access` are each side's access within its own
/// catalog, `universes` those catalogs when both snapshots carry theirs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn risks(
    catalog: &Catalog,
    models: (&Model, &Model),
    old: &Tables,
    new: &Tables,
    old_access: &BTreeMap<String, PrincipalAccess>,
    new_access: &BTreeMap<String, PrincipalAccess>,
    universes: Option<&Universes>,
    unknown: &mut Vec<Unknown>,
) -> Vec<Risk> {
    let mut out = Vec::new();
    for (arn, p) in new_access {
        if aws_managed(models.1, arn) {
            continue;
        }
        let Some(reason) = admin_reason(catalog, p, universes.map(|u| &u.new)) else {
            continue;
        };
        let before = old_access
            .get(arn)
            .and_then(|o| admin_reason(catalog, o, universes.map(|u| &u.old)));
        if before.is_none() {
            out.push(Risk {
                kind: RiskKind::NewAdmin,
                subject: arn.clone(),
                detail: format!(
                    "{} `{}` is now admin-equivalent: {reason}",
                    p.principal_type, p.name
                ),
                methods: Vec::new(),
            });
        }
    }
    out.extend(escalation::risks(models.0, models.1, unknown));
    out.extend(crate::external::risks(models.0, models.1));
    trust(old, new, &mut out);
    keys(old, new, models.1, &mut out);
    out.retain(|r| !aws_managed(models.1, &r.subject));
    out
}

/// Whether only an AWS service can act as the principal `arn` of `model` (the access
/// model's decision, the one `check` and `is_aws_managed` use).
pub(crate) fn aws_managed(model: &Model, arn: &str) -> bool {
    model.principal(arn).is_some_and(|p| p.nhi.aws_managed)
}

/// The `sub` patterns an OIDC trust row's condition allows, sorted; empty when the
/// condition does not test `<provider>:sub`.
fn subjects(r: &Row) -> Vec<String> {
    let provider = r.str("provider").to_ascii_lowercase();
    let sub = format!("{provider}:sub");
    let Some(cond) = r
        .opt_str("condition")
        .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
    else {
        return Vec::new();
    };
    let mut out = BTreeSet::new();
    for tests in cond.as_object().into_iter().flat_map(|o| o.values()) {
        for (key, value) in tests.as_object().into_iter().flatten() {
            if key.to_ascii_lowercase() != sub {
                continue;
            }
            match value {
                serde_json::Value::Array(items) => {
                    out.extend(items.iter().filter_map(|v| v.as_str().map(str::to_owned)))
                }
                serde_json::Value::String(s) => {
                    out.insert(s.clone());
                }
                _ => {}
            }
        }
    }
    out.into_iter().collect()
}

fn is_oidc(r: &Row) -> bool {
    matches!(r.str("principal_kind"), "oidc" | "web_identity")
}

fn trusting(r: &Row) -> bool {
    r.str("effect") == "Allow" && r.bool("is_not_principal") != Some(true)
}

/// A trust edge is new when its role did not trust the same account, the same OIDC
/// provider with the same `sub` patterns, or anyone, in the old snapshot.
fn trust(old: &Tables, new: &Tables, out: &mut Vec<Risk>) {
    let edge = |r: &Row| -> Option<String> {
        if r.str("principal_kind") == "anyone" {
            Some("anyone".to_owned())
        } else if is_oidc(r) {
            Some(format!("oidc {} {:?}", r.str("provider"), subjects(r)))
        } else if r.bool("is_cross_account") == Some(true) {
            r.opt_str("principal_account")
                .map(|a| format!("account {a}"))
        } else {
            None
        }
    };
    let old_edges: BTreeSet<(&str, String)> = old
        .trust
        .iter()
        .filter(|r| trusting(r))
        .filter_map(|r| edge(r).map(|e| (r.str("role_arn"), e)))
        .collect();
    let old_accounts: BTreeSet<&str> = old
        .trust
        .iter()
        .filter(|r| trusting(r) && r.bool("is_cross_account") == Some(true))
        .filter_map(|r| r.opt_str("principal_account"))
        .collect();
    let mut seen = BTreeSet::new();
    for r in new.trust.iter().filter(|r| trusting(r)) {
        let Some(e) = edge(r) else { continue };
        let role_arn = r.str("role_arn");
        if old_edges.contains(&(role_arn, e.clone())) || !seen.insert((role_arn, e)) {
            continue;
        }
        let role = r.str("role_name");
        let keys = r.list("condition_keys").unwrap_or_default();
        let detail = if r.str("principal_kind") == "anyone" {
            format!(
                "role `{role}` now trusts anyone (`*`){}",
                if keys.is_empty() {
                    " without condition"
                } else {
                    ""
                }
            )
        } else if is_oidc(r) {
            let subs = subjects(r);
            let provider = r.str("provider");
            if subs.is_empty() {
                format!(
                    "role `{role}` now trusts OIDC provider {provider} for any subject (no `sub` condition)"
                )
            } else {
                format!(
                    "role `{role}` now trusts OIDC provider {provider} for subject {}",
                    subs.join(", ")
                )
            }
        } else {
            let account = r.opt_str("principal_account").unwrap_or_default();
            let external_id = keys
                .iter()
                .any(|k| k.eq_ignore_ascii_case("sts:ExternalId"));
            format!(
                "role `{role}` now trusts external account {account}{} (`{}`){}",
                if old_accounts.contains(account) {
                    ""
                } else {
                    ", trusted by no role before"
                },
                r.str("principal"),
                if external_id {
                    ""
                } else {
                    " without an sts:ExternalId condition"
                }
            )
        };
        out.push(Risk {
            kind: RiskKind::NewTrust,
            subject: role_arn.to_owned(),
            detail,
            methods: Vec::new(),
        });
    }
}

/// New or reactivated active keys of users the access model classifies as non-human (the
/// classification `check` and the `principals` view use).
fn keys(old: &Tables, new: &Tables, model: &Model, out: &mut Vec<Risk>) {
    let before: BTreeMap<String, &Row> = old.access_keys.iter().map(|r| (key_key(r), r)).collect();
    for r in new
        .access_keys
        .iter()
        .filter(|r| r.str("status") == "Active")
    {
        let what = match before.get(&key_key(r)) {
            None => "new active",
            Some(o) if o.str("status") != "Active" => "reactivated",
            Some(_) => continue,
        };
        let Some(why) = model
            .principal(r.str("user_arn"))
            .filter(|p| p.nhi.is_nhi)
            .map(|p| p.nhi.reason)
        else {
            continue;
        };
        out.push(Risk {
            kind: RiskKind::NewKey,
            subject: r.str("user_arn").to_owned(),
            detail: format!(
                "{what} access key on non-human user ({why}): {}",
                key_text(r)
            ),
            methods: Vec::new(),
        });
    }
}
