//! Effective access per principal, approximated from the statements of the documents the
//! access model says apply to it (see `docs/diff.md` for what is and is not counted).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use iamsnap_access::{Document, Model};
use iamsnap_catalog::{AccessLevel, ActionSet, Catalog};
use iamsnap_policy::{Effect, Statement};

use crate::catalogs::Universes;
use crate::model::{AccessChange, CatalogChange, CatalogChangeKind};

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

fn statement(catalog: &Catalog, s: &Statement) -> Stmt {
    let actions = match (&s.action, &s.not_action) {
        (Some(a), _) => catalog.expand_all(a),
        (None, Some(n)) => catalog.expand_not(n),
        (None, None) => catalog.empty_set(),
    };
    let resources = match (&s.resource, &s.not_resource) {
        (Some(res), _) => res.clone(),
        (None, Some(not)) => vec![format!("NOT({})", not.join(", "))],
        (None, None) => Vec::new(),
    };
    Stmt {
        allow: s.effect == Effect::Allow,
        actions,
        resources,
        conditional: !s.conditions.is_empty(),
    }
}

/// The statements of each document, each reduced once, on first use.
struct Statements<'a> {
    catalog: &'a Catalog,
    by_key: HashMap<&'a str, Vec<Stmt>>,
}

impl<'a> Statements<'a> {
    fn new(catalog: &'a Catalog) -> Self {
        Self {
            catalog,
            by_key: HashMap::new(),
        }
    }

    /// The statements of a present document.
    fn of(&mut self, d: &'a Document) -> &[Stmt] {
        let catalog = self.catalog;
        self.by_key.entry(d.key()).or_insert_with(|| {
            d.document()
                .map(|doc| {
                    doc.statements
                        .iter()
                        .map(|s| statement(catalog, s))
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}

/// The users and roles whose effective access may differ between the snapshots: those in
/// one snapshot only, and those whose inputs (name, tags, policies and their documents,
/// boundary) differ. Every other principal has the same access on both sides, so its
/// access need not be computed (on large accounts, almost all of them).
pub(crate) fn changed_principals<'a>(a: &'a Model, b: &'a Model) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    for p in a.principals() {
        match b.principal(&p.arn) {
            Some(q) if p.same_inputs(q) => {}
            _ => {
                out.insert(p.arn.as_str());
            }
        }
    }
    for p in b.principals() {
        if a.principal(&p.arn).is_none() {
            out.insert(p.arn.as_str());
        }
    }
    out
}

/// The users and roles one of whose policies has an Allow statement granting some action of
/// `delta`: the only principals whose access can differ when their inputs are the same but
/// the catalogs are not (`delta` is the actions in one snapshot's catalog and not the
/// other's).
pub(crate) fn touching<'a>(
    catalog: &Catalog,
    model: &'a Model,
    delta: &ActionSet,
) -> BTreeSet<&'a str> {
    let mut statements = Statements::new(catalog);
    let mut touches: HashMap<&str, bool> = HashMap::new();
    let mut out = BTreeSet::new();
    for p in model.principals() {
        let hit = p.policies.iter().any(|a| {
            let key = a.document.key();
            if let Some(known) = touches.get(key) {
                return *known;
            }
            let hit = statements
                .of(&a.document)
                .iter()
                .any(|s| s.allow && !s.actions.intersection(delta).is_empty());
            touches.insert(key, hit);
            hit
        });
        if hit {
            out.insert(p.arn.as_str());
        }
    }
    out
}

/// The access of `all` within `universe`: what it is when the wildcards expand to the
/// actions of that catalog only.
pub(crate) fn restrict(
    all: &BTreeMap<String, PrincipalAccess>,
    universe: &ActionSet,
) -> BTreeMap<String, PrincipalAccess> {
    all.iter()
        .map(|(arn, p)| {
            let resources = p
                .resources
                .iter()
                .filter_map(|(res, g)| {
                    let actions = g.actions.intersection(universe);
                    (!actions.is_empty()).then(|| {
                        (
                            res.clone(),
                            Grant {
                                actions,
                                conditional: g.conditional,
                            },
                        )
                    })
                })
                .collect();
            (
                arn.clone(),
                PrincipalAccess {
                    principal_type: p.principal_type.clone(),
                    name: p.name.clone(),
                    resources,
                },
            )
        })
        .collect()
}

/// The effective access of the users and roles `arns` of a snapshot, keyed by ARN, and
/// the principals whose access is unknown because a document that applies to them is not
/// in the snapshot (with what is missing): the access model's rule, as for `can`.
pub(crate) fn compute(
    catalog: &Catalog,
    model: &Model,
    arns: &BTreeSet<&str>,
) -> (BTreeMap<String, PrincipalAccess>, BTreeMap<String, String>) {
    let mut statements = Statements::new(catalog);
    // The actions that can apply to each resource pattern, computed once per pattern.
    let mut applicable: HashMap<String, ActionSet> = HashMap::new();
    let mut out = BTreeMap::new();
    let mut unknown = BTreeMap::new();
    for arn in arns {
        let Some(p) = model.principal(arn) else {
            continue;
        };
        let missing = p.missing_documents();
        if let Some((key, state)) = missing.first() {
            unknown.insert(
                (*arn).to_owned(),
                format!("policy {key} is {}", state.as_str()),
            );
            continue;
        }
        let mut allowed: BTreeMap<String, Grant> = BTreeMap::new();
        let mut denied = catalog.empty_set();
        for attached in &p.policies {
            for s in statements.of(&attached.document) {
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
        }
        let boundary = p
            .boundary
            .as_ref()
            .map(|b| boundary_set(catalog, statements.of(b)));
        let resources = allowed
            .into_iter()
            .filter_map(|(res, mut g)| {
                g.actions.difference_with(&denied);
                if let Some(b) = &boundary {
                    g.actions.intersect_with(b);
                }
                // Only the actions one of whose resource types the pattern can match
                // (actions without resource types only on `*`); `NOT(...)` keeps them all.
                if !res.starts_with("NOT(") {
                    let fits = applicable
                        .entry(res.clone())
                        .or_insert_with(|| catalog.actions_for_resource(&res));
                    g.actions.intersect_with(fits);
                }
                (!g.actions.is_empty()).then_some((res, g))
            })
            .collect();
        out.insert(
            (*arn).to_owned(),
            PrincipalAccess {
                principal_type: p.principal_type.as_str().to_owned(),
                name: p.name.clone(),
                resources,
            },
        );
    }
    (out, unknown)
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

/// Actions gained and lost per (principal, resource pattern), from both sides' access
/// expanded with the embedded catalog.
///
/// With `universes` (both snapshots carry their catalog), each side is first restricted to
/// its own catalog, and what differs only through the catalogs is reported apart: a gained
/// action OLD's catalog lacked and OLD's access (expanded with the embedded catalog) had is
/// catalog growth; a lost action NEW's catalog lacks and NEW's access had is catalog
/// retirement. The rest is an [`AccessChange`].
pub(crate) fn compare(
    catalog: &Catalog,
    old: &BTreeMap<String, PrincipalAccess>,
    new: &BTreeMap<String, PrincipalAccess>,
    universes: Option<&Universes>,
) -> (Vec<AccessChange>, Vec<CatalogChange>) {
    let mut out = Vec::new();
    let mut through_catalog = Vec::new();
    let arns: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let empty = catalog.empty_set();
    for arn in arns {
        let (o, n) = (old.get(arn), new.get(arn));
        let Some(p) = n.or(o) else { continue };
        let resources: BTreeSet<&String> = o
            .into_iter()
            .chain(n)
            .flat_map(|x| x.resources.keys())
            .collect();
        for res in resources {
            let before = o.and_then(|x| x.resources.get(res));
            let after = n.and_then(|x| x.resources.get(res));
            let b_all = before.map_or(&empty, |g| &g.actions);
            let a_all = after.map_or(&empty, |g| &g.actions);
            let (b, a) = match universes {
                Some(u) => (
                    Cow::Owned(b_all.intersection(&u.old)),
                    Cow::Owned(a_all.intersection(&u.new)),
                ),
                None => (Cow::Borrowed(b_all), Cow::Borrowed(a_all)),
            };
            if a == b {
                continue;
            }
            let mut gained = a.difference(&b);
            let mut lost = b.difference(&a);
            let before_conditional = before.is_some_and(|g| g.conditional);
            let after_conditional = after.is_some_and(|g| g.conditional);
            if let Some(u) = universes {
                let growth = gained.intersection(b_all).difference(&u.old);
                let retired = lost.intersection(a_all).difference(&u.new);
                gained.difference_with(&growth);
                lost.difference_with(&retired);
                for (kind, set, conditional) in [
                    (CatalogChangeKind::CatalogGrowth, growth, after_conditional),
                    (
                        CatalogChangeKind::CatalogRetirement,
                        retired,
                        before_conditional,
                    ),
                ] {
                    if set.is_empty() {
                        continue;
                    }
                    through_catalog.push(CatalogChange {
                        kind,
                        principal_type: p.principal_type.clone(),
                        principal_arn: arn.clone(),
                        principal_name: p.name.clone(),
                        resource: res.clone(),
                        actions: names(catalog, &set),
                        levels: levels(catalog, &set),
                        conditional,
                    });
                }
                if gained.is_empty() && lost.is_empty() {
                    continue;
                }
            }
            let conditional = (!gained.is_empty() && after_conditional)
                || (!lost.is_empty() && before_conditional);
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
    (out, through_catalog)
}

/// Admin-equivalent: every catalog action on `*` (every action of `universe`, the side's
/// own catalog, when given), or `iam:PassRole` together with one of
/// `iam:CreatePolicyVersion`, `iam:AttachRolePolicy`, `iam:PutRolePolicy` on `*`.
pub(crate) fn admin_reason(
    catalog: &Catalog,
    p: &PrincipalAccess,
    universe: Option<&ActionSet>,
) -> Option<String> {
    let star = &p.resources.get("*")?.actions;
    let every = match universe {
        Some(u) => u.is_subset(star),
        None => star.is_full(),
    };
    if every {
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
    use crate::testing::{ROLE, model, role};

    /// The role `app` with one policy made of these statements (written as rows of the
    /// `statements` table: effect, actions, not_actions, resources, not_resources,
    /// condition).
    fn tables(statements: &[serde_json::Value]) -> Model {
        let statements: Vec<serde_json::Value> = statements
            .iter()
            .map(|r| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".to_owned(), r["effect"].clone());
                for (column, key) in [
                    ("actions", "Action"),
                    ("not_actions", "NotAction"),
                    ("resources", "Resource"),
                    ("not_resources", "NotResource"),
                ] {
                    if !r[column].is_null() {
                        s.insert(key.to_owned(), r[column].clone());
                    }
                }
                if let Some(c) = r["condition"].as_str() {
                    s.insert("Condition".to_owned(), serde_json::from_str(c).unwrap());
                }
                serde_json::Value::Object(s)
            })
            .collect();
        let doc = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        model(vec![role(Some(&doc), None)])
    }

    fn allow(actions: &[&str], resources: &[&str]) -> serde_json::Value {
        json!({"effect": "Allow", "actions": actions, "resources": resources})
    }

    /// The access of every principal of `m`.
    fn all(catalog: &Catalog, m: &Model) -> BTreeMap<String, PrincipalAccess> {
        let arns = m.principals().iter().map(|p| p.arn.as_str()).collect();
        let (access, unknown) = compute(catalog, m, &arns);
        assert!(unknown.is_empty());
        access
    }

    fn changed(old: &[serde_json::Value], new: &[serde_json::Value]) -> Vec<String> {
        let (a, b) = (tables(old), tables(new));
        changed_principals(&a, &b)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn only_principals_whose_inputs_changed_are_computed() {
        let s3 = [allow(&["s3:GetObject"], &["*"])];
        assert!(changed(&s3, &s3).is_empty());
        let wider = [allow(&["s3:*"], &["*"])];
        assert_eq!(
            changed(&s3, &wider),
            vec!["arn:aws:iam::111122223333:role/app"]
        );
        // A condition added is a change too.
        let conditional = [json!({"effect": "Allow", "actions": ["s3:GetObject"],
            "resources": ["*"], "condition": "{\"Bool\":{\"aws:SecureTransport\":\"true\"}}"})];
        assert_eq!(changed(&s3, &conditional).len(), 1);
        // A principal in one snapshot only.
        let (a, b) = (tables(&s3), model(Vec::new()));
        assert_eq!(changed_principals(&a, &b).len(), 1);
    }

    #[test]
    fn a_principal_with_a_missing_document_has_unknown_access() {
        let catalog = Catalog::embedded().unwrap();
        let arns: BTreeSet<&str> = [ROLE].into_iter().collect();
        let (access, unknown) = compute(catalog, &model(vec![role(None, None)]), &arns);
        assert!(access.is_empty());
        assert_eq!(
            unknown[ROLE],
            "policy arn:aws:iam::111122223333:policy/p is listed without a document"
        );
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let (_, unknown) = compute(catalog, &model(vec![role(Some(doc), Some(None))]), &arns);
        assert_eq!(
            unknown[ROLE],
            "policy arn:aws:iam::111122223333:policy/b is not in the snapshot"
        );
    }

    fn changes(old: &[serde_json::Value], new: &[serde_json::Value]) -> Vec<AccessChange> {
        let catalog = Catalog::embedded().unwrap();
        compare(
            catalog,
            &all(catalog, &tables(old)),
            &all(catalog, &tables(new)),
            None,
        )
        .0
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

    /// The embedded catalog without `removed` (full action names).
    fn without(catalog: &Catalog, removed: &[&str]) -> ActionSet {
        let mut set = catalog.full_set();
        for name in removed {
            assert!(set.remove(catalog.action(name).unwrap().id()), "{name}");
        }
        set
    }

    fn changes_within(
        old: &[serde_json::Value],
        new: &[serde_json::Value],
        universes: &Universes,
    ) -> (Vec<AccessChange>, Vec<CatalogChange>) {
        let catalog = Catalog::embedded().unwrap();
        compare(
            catalog,
            &all(catalog, &tables(old)),
            &all(catalog, &tables(new)),
            Some(universes),
        )
    }

    const GROWN: [&str; 3] = ["s3:GetObjectTagging", "s3:PutObjectAcl", "s3:ListBucket"];

    #[test]
    fn actions_a_granted_wildcard_gained_with_the_catalog_are_growth_not_access() {
        let catalog = Catalog::embedded().unwrap();
        let u = Universes {
            old: without(catalog, &GROWN),
            new: catalog.full_set(),
        };
        let same = [allow(&["s3:*"], &["*"])];
        let (access, through) = changes_within(&same, &same, &u);
        assert_eq!(access, Vec::new());
        assert_eq!(through.len(), 1);
        let g = &through[0];
        assert_eq!(g.kind, CatalogChangeKind::CatalogGrowth);
        assert_eq!(g.resource, "*");
        let mut expected: Vec<String> = GROWN.iter().map(|a| (*a).to_owned()).collect();
        expected.sort();
        assert_eq!(g.actions, expected);
        // Counted per level as the catalog classifies them (an action can have two).
        let per_level: usize = GROWN
            .iter()
            .map(|a| catalog.access_level(a).unwrap().len())
            .sum();
        assert_eq!(g.levels.values().sum::<usize>(), per_level);
        assert_eq!(g.levels["List"], 1);
        assert!(!g.conditional);

        // The same catalogs backwards: what the new catalog dropped is retirement.
        let back = Universes {
            old: u.new.clone(),
            new: u.old.clone(),
        };
        let (access, through) = changes_within(&same, &same, &back);
        assert_eq!(access, Vec::new());
        assert_eq!(through.len(), 1);
        assert_eq!(through[0].kind, CatalogChangeKind::CatalogRetirement);
        assert_eq!(through[0].actions, expected);
    }

    #[test]
    fn a_policy_change_beside_catalog_growth_is_still_new_access() {
        let catalog = Catalog::embedded().unwrap();
        let u = Universes {
            old: without(catalog, &GROWN),
            new: catalog.full_set(),
        };
        // `s3:Get*` would have granted the new Get action: growth. The old policy would not
        // have granted the new Put and List actions: the widening to `s3:*` did.
        let old = [allow(&["s3:Get*"], &["*"])];
        let new = [allow(&["s3:*"], &["*"])];
        let (access, through) = changes_within(&old, &new, &u);
        assert_eq!(through.len(), 1);
        assert_eq!(through[0].actions, vec!["s3:GetObjectTagging".to_owned()]);
        assert_eq!(access.len(), 1);
        let gained = &access[0].gained;
        assert!(gained.contains(&"s3:PutObjectAcl".to_owned()));
        assert!(gained.contains(&"s3:ListBucket".to_owned()));
        assert!(gained.contains(&"s3:PutObject".to_owned()));
        assert!(!gained.contains(&"s3:GetObjectTagging".to_owned()));
        assert!(!gained.iter().any(|a| a.starts_with("s3:Get")));
        assert!(access[0].lost.is_empty());
    }

    #[test]
    fn principals_with_the_same_inputs_are_computed_when_the_catalogs_differ_on_their_actions() {
        let catalog = Catalog::embedded().unwrap();
        let side = tables(&[allow(&["s3:*"], &["*"])]);
        assert!(changed_principals(&side, &side).is_empty());
        let delta = catalog.full_set().difference(&without(catalog, &GROWN));
        assert_eq!(
            touching(catalog, &side, &delta)
                .into_iter()
                .collect::<Vec<_>>(),
            vec!["arn:aws:iam::111122223333:role/app"]
        );
        // A policy granting nothing of the difference cannot change.
        let sqs = tables(&[allow(&["sqs:*"], &["*"])]);
        assert!(touching(catalog, &sqs, &delta).is_empty());
        // Nor can a deny of it.
        let deny = tables(&[json!({"effect": "Deny", "actions": ["s3:*"], "resources": ["*"]})]);
        assert!(touching(catalog, &deny, &delta).is_empty());
    }

    #[test]
    fn admin_within_a_recorded_catalog_means_every_action_of_it() {
        let catalog = Catalog::embedded().unwrap();
        let smaller = without(catalog, &GROWN);
        let star = restrict(&all(catalog, &tables(&[allow(&["*"], &["*"])])), &smaller);
        let p = star.values().next().unwrap();
        let every = Some("allowed every action on `*`".to_owned());
        assert_eq!(admin_reason(catalog, p, Some(&smaller)), every);
        // Against the whole embedded catalog it lacks actions (it is still admin-equivalent
        // through iam:PassRole).
        let reason = admin_reason(catalog, p, None).unwrap();
        assert!(reason.starts_with("allowed iam:PassRole and "), "{reason}");
    }

    #[test]
    fn admin_equivalence() {
        let catalog = Catalog::embedded().unwrap();
        let access = |s: &[serde_json::Value]| all(catalog, &tables(s));
        let is_admin = |s: &[serde_json::Value]| {
            access(s)
                .values()
                .next()
                .and_then(|p| admin_reason(catalog, p, None))
        };
        assert!(is_admin(&[allow(&["*"], &["*"])]).is_some());
        assert!(is_admin(&[allow(&["iam:PassRole", "iam:AttachRolePolicy"], &["*"])]).is_some());
        assert!(is_admin(&[allow(&["iam:PassRole"], &["*"])]).is_none());
        assert!(is_admin(&[allow(&["*"], &["arn:aws:s3:::b"])]).is_none());
    }
}
