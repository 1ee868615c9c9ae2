//! Effective access per principal, approximated from the `attachments` and `statements`
//! tables (see `docs/diff.md` for what is and is not counted).

use std::collections::BTreeMap;

use iamsnap_catalog::{AccessLevel, ActionSet, Catalog};

use crate::Tables;
use crate::model::AccessChange;
use crate::rows::Row;

/// What one principal may do on one resource pattern.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) actions: ActionSet,
    /// Some of it comes from a statement with a condition.
    pub(crate) conditional: bool,
}

/// A principal's effective access.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalAccess {
    pub(crate) principal_type: String,
    pub(crate) name: String,
    /// Resource pattern to grant.
    pub(crate) resources: BTreeMap<String, Grant>,
}

/// One statement reduced to what the computation needs.
struct Stmt {
    allow: bool,
    actions: ActionSet,
    /// Resource patterns; a `NotResource` is one pattern `NOT(a, b)`.
    resources: Vec<String>,
    conditional: bool,
}

impl Stmt {
    fn on_any_resource(&self) -> bool {
        self.resources.iter().any(|r| r == "*")
    }
}

fn statement(catalog: &Catalog, r: &Row) -> Stmt {
    let actions = match (r.list("actions"), r.list("not_actions")) {
        (Some(a), _) => catalog.expand_all(&a),
        (None, Some(n)) => catalog.expand_not(&n),
        (None, None) => catalog.empty_set(),
    };
    let resources = match (r.list("resources"), r.list("not_resources")) {
        (Some(res), _) => res,
        (None, Some(not)) => vec![format!("NOT({})", not.join(", "))],
        (None, None) => Vec::new(),
    };
    Stmt {
        allow: r.str("effect") == "Allow",
        actions,
        resources,
        conditional: !r.get("condition").is_null(),
    }
}

/// The effective access of every user and role of a snapshot, keyed by ARN.
pub(crate) fn compute(catalog: &Catalog, t: &Tables) -> BTreeMap<String, PrincipalAccess> {
    let mut by_policy: BTreeMap<&str, Vec<Stmt>> = BTreeMap::new();
    for r in t
        .statements
        .iter()
        .filter(|r| r.str("policy_type") != "trust")
    {
        by_policy
            .entry(r.str("policy_key"))
            .or_default()
            .push(statement(catalog, r));
    }
    let mut attached: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &t.attachments {
        let keys = attached.entry(r.str("principal_arn")).or_default();
        let key = r.str("policy_key");
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let mut out = BTreeMap::new();
    let principals = t
        .users
        .iter()
        .map(|r| ("user", r))
        .chain(t.roles.iter().map(|r| ("role", r)));
    for (kind, p) in principals {
        let arn = p.str("arn");
        let mut allowed: BTreeMap<String, Grant> = BTreeMap::new();
        let mut denied = catalog.empty_set();
        let stmts = attached
            .get(arn)
            .into_iter()
            .flatten()
            .filter_map(|k| by_policy.get(k))
            .flatten();
        for s in stmts {
            if s.allow {
                for res in &s.resources {
                    let g = allowed.entry(res.clone()).or_insert_with(|| Grant {
                        actions: catalog.empty_set(),
                        conditional: false,
                    });
                    g.actions.union_with(&s.actions);
                    g.conditional |= s.conditional;
                }
            } else if !s.conditional && s.on_any_resource() {
                denied.union_with(&s.actions);
            }
        }
        let boundary = p
            .opt_str("permissions_boundary_arn")
            .and_then(|b| by_policy.get(b))
            .map(|stmts| boundary_set(catalog, stmts));
        let resources = allowed
            .into_iter()
            .filter_map(|(res, mut g)| {
                g.actions.difference_with(&denied);
                if let Some(b) = &boundary {
                    g.actions.intersect_with(b);
                }
                (!g.actions.is_empty()).then_some((res, g))
            })
            .collect();
        out.insert(
            arn.to_owned(),
            PrincipalAccess {
                principal_type: kind.to_owned(),
                name: p.str("name").to_owned(),
                resources,
            },
        );
    }
    out
}

/// The actions a permissions boundary lets through: the union of its Allow statements
/// (whatever their resource) minus its unconditional Deny statements on `*`.
fn boundary_set(catalog: &Catalog, stmts: &[Stmt]) -> ActionSet {
    let mut allow = catalog.empty_set();
    let mut deny = catalog.empty_set();
    for s in stmts {
        if s.allow {
            allow.union_with(&s.actions);
        } else if !s.conditional && s.on_any_resource() {
            deny.union_with(&s.actions);
        }
    }
    allow.difference(&deny)
}

/// Sorted action names of a set.
pub(crate) fn names(catalog: &Catalog, set: &ActionSet) -> Vec<String> {
    let mut v: Vec<String> = catalog
        .actions_in(set)
        .map(|a| a.full_name().to_owned())
        .collect();
    v.sort();
    v
}

/// Number of actions of a set per access level, levels with none left out.
pub(crate) fn levels(catalog: &Catalog, set: &ActionSet) -> BTreeMap<String, usize> {
    AccessLevel::ALL
        .iter()
        .filter_map(|&l| {
            let n = catalog.actions_with_level(set, l).len();
            (n > 0).then(|| (l.as_str().to_owned(), n))
        })
        .collect()
}

/// Actions gained and lost per (principal, resource pattern).
pub(crate) fn compare(
    catalog: &Catalog,
    old: &BTreeMap<String, PrincipalAccess>,
    new: &BTreeMap<String, PrincipalAccess>,
) -> Vec<AccessChange> {
    let mut out = Vec::new();
    let arns: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let empty = catalog.empty_set();
    for arn in arns {
        let (o, n) = (old.get(arn), new.get(arn));
        let Some(p) = n.or(o) else { continue };
        let resources: std::collections::BTreeSet<&String> = o
            .into_iter()
            .chain(n)
            .flat_map(|x| x.resources.keys())
            .collect();
        for res in resources {
            let before = o.and_then(|x| x.resources.get(res));
            let after = n.and_then(|x| x.resources.get(res));
            let b = before.map_or(&empty, |g| &g.actions);
            let a = after.map_or(&empty, |g| &g.actions);
            if a == b {
                continue;
            }
            let gained = a.difference(b);
            let lost = b.difference(a);
            let conditional = (!gained.is_empty() && after.is_some_and(|g| g.conditional))
                || (!lost.is_empty() && before.is_some_and(|g| g.conditional));
            out.push(AccessChange {
                principal_type: p.principal_type.clone(),
                principal_arn: arn.clone(),
                principal_name: p.name.clone(),
                resource: res.clone(),
                gained: names(catalog, &gained),
                lost: names(catalog, &lost),
                gained_levels: levels(catalog, &gained),
                lost_levels: levels(catalog, &lost),
                conditional,
            });
        }
    }
    out
}

/// Admin-equivalent: every catalog action on `*`, or `iam:PassRole` together with one of
/// `iam:CreatePolicyVersion`, `iam:AttachRolePolicy`, `iam:PutRolePolicy` on `*`.
pub(crate) fn admin_reason(catalog: &Catalog, p: &PrincipalAccess) -> Option<String> {
    let star = &p.resources.get("*")?.actions;
    if star.is_full() {
        return Some("allowed every action on `*`".to_owned());
    }
    let has = |name: &str| catalog.action(name).is_some_and(|a| star.contains(a.id()));
    if !has("iam:PassRole") {
        return None;
    }
    let with: Vec<&str> = [
        "iam:CreatePolicyVersion",
        "iam:AttachRolePolicy",
        "iam:PutRolePolicy",
    ]
    .into_iter()
    .filter(|a| has(a))
    .collect();
    (!with.is_empty()).then(|| format!("allowed iam:PassRole and {} on `*`", with.join(", ")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rows::Row;

    fn tables(statements: &[serde_json::Value]) -> Tables {
        let role = "arn:aws:iam::111122223333:role/app";
        let key = "arn:aws:iam::111122223333:policy/p";
        Tables {
            users: Vec::new(),
            roles: vec![Row::from_json(json!({"arn": role, "name": "app"}))],
            groups: Vec::new(),
            group_members: Vec::new(),
            policies: Vec::new(),
            attachments: vec![Row::from_json(json!({
                "principal_arn": role, "principal_type": "role", "policy_key": key
            }))],
            statements: statements
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut s = s.clone();
                    s["policy_key"] = key.into();
                    s["policy_type"] = "customer_managed".into();
                    s["statement_index"] = i.into();
                    Row::from_json(s)
                })
                .collect(),
            trust: Vec::new(),
            access_keys: Vec::new(),
            credential_report: Vec::new(),
        }
    }

    fn allow(actions: &[&str], resources: &[&str]) -> serde_json::Value {
        json!({"effect": "Allow", "actions": actions, "resources": resources})
    }

    fn changes(old: &[serde_json::Value], new: &[serde_json::Value]) -> Vec<AccessChange> {
        let catalog = Catalog::embedded().unwrap();
        compare(
            catalog,
            &compute(catalog, &tables(old)),
            &compute(catalog, &tables(new)),
        )
    }

    #[test]
    fn rewildcarding_an_equal_set_is_no_change() {
        let catalog = Catalog::embedded().unwrap();
        // Every s3 action by a three-letter prefix wildcard: `s3:Get*`, `s3:Put*`, ...
        let prefixes: std::collections::BTreeSet<String> = catalog
            .actions()
            .filter(|a| a.service() == "s3")
            .map(|a| format!("s3:{}*", a.name().get(..3).unwrap_or(a.name())))
            .collect();
        assert!(prefixes.contains("s3:Get*") && prefixes.contains("s3:Put*"));
        let rewritten: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        let old = [allow(&["s3:*"], &["*"])];
        let new = [allow(&rewritten, &["*"])];
        assert_eq!(changes(&old, &new), Vec::new());
        // Splitting a statement in two, or reordering, is no change either.
        let (gets, rest): (Vec<&str>, Vec<&str>) =
            rewritten.iter().partition(|p| p.starts_with("s3:Get"));
        let split = [allow(&rest, &["*"]), allow(&gets, &["*"])];
        assert_eq!(changes(&old, &split), Vec::new());
    }

    #[test]
    fn widening_lists_the_gained_actions_by_level() {
        let old = [allow(&["s3:GetObject"], &["arn:aws:s3:::b/*"])];
        let new = [allow(&["s3:*"], &["arn:aws:s3:::b/*"])];
        let c = changes(&old, &new);
        assert_eq!(c.len(), 1);
        assert!(c[0].lost.is_empty());
        assert!(c[0].gained.contains(&"s3:PutObject".to_owned()));
        assert!(!c[0].gained.contains(&"s3:GetObject".to_owned()));
        assert!(c[0].gained_levels["Write"] > 0);
        assert!(c[0].gained_levels["Permissions management"] > 0);
        assert!(!c[0].conditional);
    }

    #[test]
    fn unconditional_denies_on_any_resource_are_subtracted() {
        let old = [allow(&["s3:*"], &["*"])];
        let new = [
            allow(&["s3:*"], &["*"]),
            json!({"effect": "Deny", "actions": ["s3:Delete*"], "resources": ["*"]}),
            // Resource-specific and conditional denies are not subtracted.
            json!({"effect": "Deny", "actions": ["s3:Put*"], "resources": ["arn:aws:s3:::b"]}),
            json!({"effect": "Deny", "actions": ["s3:Get*"], "resources": ["*"],
                   "condition": "{\"Bool\":{\"aws:SecureTransport\":\"false\"}}"}),
        ];
        let c = changes(&old, &new);
        assert_eq!(c.len(), 1);
        assert!(c[0].gained.is_empty());
        assert!(c[0].lost.iter().all(|a| a.starts_with("s3:Delete")));
        assert!(!c[0].lost.is_empty());
    }

    #[test]
    fn not_resource_is_its_own_pattern_and_conditions_are_marked() {
        let new = [json!({"effect": "Allow", "actions": ["sqs:SendMessage"],
            "not_resources": ["arn:aws:sqs:*:*:secret"],
            "condition": "{\"Bool\":{\"aws:SecureTransport\":\"true\"}}"})];
        let c = changes(&[], &new);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].resource, "NOT(arn:aws:sqs:*:*:secret)");
        assert_eq!(c[0].gained, vec!["sqs:SendMessage".to_owned()]);
        assert!(c[0].conditional);
    }

    #[test]
    fn admin_equivalence() {
        let catalog = Catalog::embedded().unwrap();
        let access = |s: &[serde_json::Value]| compute(catalog, &tables(s));
        let is_admin = |s: &[serde_json::Value]| {
            access(s)
                .values()
                .next()
                .and_then(|p| admin_reason(catalog, p))
        };
        assert!(is_admin(&[allow(&["*"], &["*"])]).is_some());
        assert!(is_admin(&[allow(&["iam:PassRole", "iam:AttachRolePolicy"], &["*"])]).is_some());
        assert!(is_admin(&[allow(&["iam:PassRole"], &["*"])]).is_none());
        assert!(is_admin(&[allow(&["*"], &["arn:aws:s3:::b"])]).is_none());
    }
}
