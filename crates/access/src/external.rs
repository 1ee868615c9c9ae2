//! External access: what principals outside the zone of trust can do to the snapshot's
//! resources and roles — accounts outside the organization, anyone, AWS services acting
//! for any account, federated identities — as the resource-based policies and trust
//! policies grant it, after their denies, the RCPs and S3 Block Public Access.
//!
//! KMS grants count too: a grant gives its operations whatever the key policy says (the
//! RCPs over the key's account still apply).
//!
//! The zone of trust is the organization's accounts (without organization data, the
//! snapshot's accounts). An outsider's own policies are not in the snapshot: they are
//! taken to allow, so that the resource side alone decides, as AWS does for an account
//! that grants itself everything.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use iamsnap_catalog::{AccessLevel, ActionSet, Catalog};
use iamsnap_policy::{PrincipalType, Statement};

use crate::document::Document;
use crate::model::{Model, grant_side};
use crate::reach::{Scope, held_by, named_principals};
use crate::resource_policy::{KmsGrant, policy_holder};

/// The actions a trust policy grants that let a principal act as the role.
const ASSUME: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
];

/// What one principal outside the zone of trust can do to one resource or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalAccess {
    /// The resource's ARN (the role's for a trust policy).
    pub resource: String,
    /// `role` for a trust policy, else the service of the resource (`s3`, `kms`, ...).
    pub resource_type: String,
    /// The resource's account, when the snapshot knows it.
    pub resource_account: Option<String>,
    /// The principal as the policy names it: an account's root ARN, an ARN, `*`, a service
    /// or an identity provider.
    pub principal: String,
    /// `account`, `role`, `user`, `anyone`, `service`, `oidc`, `saml`, ... .
    pub principal_type: String,
    /// The principal's account, when it has one.
    pub principal_account: Option<String>,
    /// `external`, `public`, `service` or `federated`.
    pub scope: Scope,
    /// `allow`, or `conditional` when allowed only if the conditions hold.
    pub decision: &'static str,
    /// The access levels of the actions, most powerful first.
    pub access_levels: Vec<&'static str>,
    /// The actions, sorted.
    pub actions: Vec<String>,
    /// For a conditional row, the conditions of the statements that would allow it.
    pub conditions: Option<String>,
    /// The explanation of one of the decisions (of the most powerful action).
    pub reason: String,
}

impl ExternalAccess {
    /// Whether the row is access a security team would call external: anyone, an account
    /// outside the zone of trust, or an AWS service acting on a resource for any account
    /// (a service assuming a role is how the account's own workloads run, and a federated
    /// provider's users are the subject of the trust rules).
    pub fn is_exposure(&self) -> bool {
        match self.scope {
            Scope::Public | Scope::External => true,
            Scope::Service => self.resource_type != "role",
            _ => false,
        }
    }

    /// Whether the row grants more than reading: `Write`, `Permissions management` or
    /// `Tagging` actions, or acting as a role.
    pub fn writes(&self) -> bool {
        self.resource_type == "role"
            || self
                .access_levels
                .iter()
                .any(|l| matches!(*l, "Write" | "Permissions management" | "Tagging"))
    }
}

/// The access levels, most powerful first.
const LEVELS: &[AccessLevel] = &[
    AccessLevel::PermissionsManagement,
    AccessLevel::Write,
    AccessLevel::Tagging,
    AccessLevel::Read,
    AccessLevel::List,
];

/// One principal's decisions on one resource, action by action.
#[derive(Default)]
struct Gathered {
    kind: Option<(String, String, Option<String>, Scope)>,
    allowed: BTreeMap<String, String>,
    conditional: BTreeMap<String, (String, String)>,
}

impl Model {
    /// Every principal outside the zone of trust that some resource policy or trust
    /// policy of the snapshot lets in, one row per (resource, principal, decision), sorted.
    /// `keep_going` is asked between resources; when it says no, the rows so far.
    pub fn external_access(&self, mut keep_going: impl FnMut() -> bool) -> Vec<ExternalAccess> {
        let Ok(catalog) = Catalog::embedded() else {
            return Vec::new();
        };
        let assume = catalog.expand_all(ASSUME);
        let mut out = Vec::new();
        for p in self.principals() {
            if !keep_going() {
                return out;
            }
            if let Some(doc) = self.trust_policy(&p.arn) {
                out.extend(self.external_of(catalog, &p.arn, "role", doc, Some(&assume), None));
            }
        }
        for (arn, _, doc) in self.resource_policies().iter() {
            if !keep_going() {
                break;
            }
            let service = arn.split(':').nth(2).unwrap_or_default().to_owned();
            out.extend(self.external_of(catalog, arn, &service, doc, None, None));
        }
        self.add_grants(catalog, &mut out);
        out.sort_by(|a, b| {
            (&a.resource, &a.principal, a.decision).cmp(&(&b.resource, &b.principal, b.decision))
        });
        out
    }

    /// Adds what KMS grants give principals outside the zone: each grant evaluated as the
    /// key's policy naming its grantee (the same reading as [`Model::evaluate`]: the RCPs
    /// over the key's account apply, an encryption context constraint makes the access
    /// `conditional`), merged into the key's row for the same principal and decision.
    fn add_grants(&self, catalog: &Catalog, out: &mut Vec<ExternalAccess>) {
        let mut index: HashMap<(String, String, &'static str), usize> = out
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.resource.clone(), r.principal.clone(), r.decision), i))
            .collect();
        for (grant, document) in self.resource_policies().all_grants() {
            let rows =
                self.external_of(catalog, &grant.key_arn, "kms", document, None, Some(grant));
            for row in rows {
                let key = (row.resource.clone(), row.principal.clone(), row.decision);
                match index.get(&key).and_then(|i| out.get_mut(*i)) {
                    Some(existing) => {
                        existing.actions.extend(row.actions);
                        existing.actions.sort();
                        existing.actions.dedup();
                        existing.access_levels = levels_of(catalog, &existing.actions);
                        existing.reason = format!("{}; {}", existing.reason, row.reason);
                        if let Some(c) = row.conditions {
                            existing.conditions = Some(match existing.conditions.take() {
                                Some(before) => format!("{before}; {c}"),
                                None => c,
                            });
                        }
                    }
                    None => {
                        index.insert(key, out.len());
                        out.push(row);
                    }
                }
            }
        }
    }

    /// The outsiders `document` lets act on `resource`; for a trust policy, `only` holds
    /// the actions that count (assuming the role).
    /// With `grant`, `document` is what the KMS grant amounts to, and decides alone.
    fn external_of(
        &self,
        catalog: &Catalog,
        resource: &str,
        resource_type: &str,
        document: &Arc<Document>,
        only: Option<&ActionSet>,
        grant: Option<&KmsGrant>,
    ) -> Vec<ExternalAccess> {
        let Some(parsed) = document.document() else {
            return Vec::new();
        };
        let outsiders: Vec<(PrincipalType, String)> = named_principals(parsed)
            .into_iter()
            .filter(|(ty, value)| !held_by(ty, value).is_some_and(|a| self.in_zone(&a)))
            .collect();
        if outsiders.is_empty() {
            return Vec::new();
        }
        let mut gathered: BTreeMap<(PrincipalType, String), Gathered> = BTreeMap::new();
        for statement in &parsed.statements {
            if statement.effect != iamsnap_policy::Effect::Allow {
                continue;
            }
            let named: Vec<&(PrincipalType, String)> = outsiders
                .iter()
                .filter(|o| {
                    statement
                        .principal
                        .as_ref()
                        .is_some_and(|p| p.entries.contains(o))
                })
                .collect();
            if named.is_empty() {
                continue;
            }
            let mut granted = match (&statement.action, &statement.not_action) {
                (Some(list), _) => catalog.expand_all(list),
                (None, Some(list)) => catalog.expand_not(list),
                (None, None) => continue,
            };
            if let Some(only) = only {
                granted.intersect_with(only);
            }
            for probe in probes(statement, resource) {
                let mut actions = catalog.actions_for_resource(&probe);
                actions.intersect_with(&granted);
                for action in catalog.actions_in(&actions) {
                    let name = action.full_name();
                    let mut side = self.resource_side(name, &probe);
                    if let Some(grant) = grant {
                        side = grant_side(&side, grant, document, side.account);
                    }
                    for (ty, value) in &named {
                        let Some(reach) = self.outsider(&side, ty, value, &probe, name, &[], true)
                        else {
                            continue;
                        };
                        let entry = gathered.entry((*ty, value.clone())).or_default();
                        entry.kind.get_or_insert_with(|| {
                            (
                                reach.principal.clone(),
                                reach.principal_type.clone(),
                                reach.account.clone(),
                                reach.scope,
                            )
                        });
                        let key = name.to_owned();
                        if reach.allowed == Some(true) {
                            entry.conditional.remove(&key);
                            entry.allowed.entry(key).or_insert(reach.reason);
                        } else if !entry.allowed.contains_key(&key) {
                            entry
                                .conditional
                                .entry(key)
                                .or_insert((reach.conditions.unwrap_or_default(), reach.reason));
                        }
                    }
                }
            }
        }
        let resource_account = self
            .resource_policies()
            .account_of(resource)
            .map(str::to_owned);
        let mut out = Vec::new();
        for g in gathered.into_values() {
            let Some((principal, principal_type, principal_account, scope)) = g.kind else {
                continue;
            };
            if matches!(scope, Scope::Account | Scope::Organization) {
                continue;
            }
            let row = |decision, actions: Vec<(&String, &String)>, conditions| {
                let (levels, reason) = summarize(catalog, &actions);
                ExternalAccess {
                    resource: resource.to_owned(),
                    resource_type: resource_type.to_owned(),
                    resource_account: resource_account.clone(),
                    principal: principal.clone(),
                    principal_type: principal_type.clone(),
                    principal_account: principal_account.clone(),
                    scope,
                    decision,
                    access_levels: levels,
                    actions: actions.iter().map(|(a, _)| (*a).clone()).collect(),
                    conditions,
                    reason,
                }
            };
            if !g.allowed.is_empty() {
                out.push(row("allow", g.allowed.iter().collect(), None));
            }
            if !g.conditional.is_empty() {
                let conditions: BTreeSet<&str> =
                    g.conditional.values().map(|(c, _)| c.as_str()).collect();
                let actions = g
                    .conditional
                    .iter()
                    .map(|(a, (_, reason))| (a, reason))
                    .collect();
                let conditions = conditions.into_iter().collect::<Vec<_>>().join("; ");
                out.push(row("conditional", actions, Some(conditions)));
            }
        }
        out
    }
}

/// The access levels of `actions`, most powerful first.
fn levels_of(catalog: &Catalog, actions: &[String]) -> Vec<&'static str> {
    LEVELS
        .iter()
        .filter(|level| {
            actions
                .iter()
                .any(|a| catalog.access_level(a).is_some_and(|l| l.contains(**level)))
        })
        .map(|l| l.as_str())
        .collect()
}

/// The access levels of `actions`, most powerful first, and the reason given for the most
/// powerful of them.
fn summarize(catalog: &Catalog, actions: &[(&String, &String)]) -> (Vec<&'static str>, String) {
    let mut levels = Vec::new();
    let mut reason: Option<&String> = None;
    for level in LEVELS {
        for (action, why) in actions {
            if catalog
                .access_level(action)
                .is_some_and(|l| l.contains(*level))
            {
                if !levels.contains(&level.as_str()) {
                    levels.push(level.as_str());
                }
                reason.get_or_insert(why);
            }
        }
    }
    let reason = reason
        .or_else(|| actions.first().map(|(_, why)| *why))
        .cloned()
        .unwrap_or_default();
    (levels, reason)
}

/// The resources to ask about for one statement of `resource`'s policy: each `Resource`
/// pattern of the statement made concrete (a wildcard stands for any text), when it is
/// part of the resource (an object of a bucket); the resource itself otherwise.
fn probes(statement: &Statement, resource: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(patterns) = &statement.resource {
        for pattern in patterns {
            let concrete = pattern.replace(['*', '?'], "x");
            if concrete != resource
                && concrete.starts_with(resource)
                && policy_holder(&concrete) == resource
                && !out.contains(&concrete)
            {
                out.push(concrete);
            }
        }
    }
    out.insert(0, resource.to_owned());
    out
}
