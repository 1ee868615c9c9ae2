//! What `check` could not check and what makes `diff` compare unlike snapshots: a snapshot
//! without a credential report lists the rules that had no data, in every format; with the
//! report the list is empty; a diff across the asymmetry warns.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// The demo account (as `scripts/demo-snapshots` generates it, for `account`), imported
/// into `dir/name` with or without its credential report.
fn demo_account(dir: &Path, name: &str, account: &str, with_report: bool) -> PathBuf {
    let json = dir.join(format!("{name}.json"));
    let csv = dir.join(format!("{name}.csv"));
    ok(&[
        "generate",
        "--roles",
        "120",
        "--seed",
        "7",
        "--account-id",
        account,
        "--at",
        "2026-11-01T06:00:00Z",
        "-o",
        s(&json),
        "--credential-report",
        s(&csv),
    ]);
    let out = dir.join(name);
    let mut args = vec![
        "import",
        "--auth-details",
        s(&json),
        "--captured-at",
        "2026-11-22T06:00:00Z",
        "-o",
        s(&out),
    ];
    if with_report {
        args.extend(["--credential-report", s(&csv)]);
    }
    ok(&args);
    out
}

/// `check` in `format` (exit 1: the demo account has findings): stdout and stderr.
fn check(snapshot: &Path, pack: &str, format: &str) -> (String, String) {
    let out = run(&["check", s(snapshot), "--pack", pack, "--format", format]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    (stdout(&out), stderr(&out))
}

/// The rule ids of JSON's `rules_without_data`, and the report.
fn without_data(snapshot: &Path, pack: &str) -> (Vec<String>, Value) {
    let (text, _) = check(snapshot, pack, "json");
    let v: Value = serde_json::from_str(&text).unwrap();
    let ids = v["rules_without_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule_id"].as_str().unwrap().to_owned())
        .collect();
    (ids, v)
}

/// The rules of the NHI pack that read the credential report or the access keys it fills.
const NHI_NEEDING_THE_REPORT: [&str; 6] = [
    "NHI-KEY-001",
    "NHI-KEY-002",
    "NHI-KEY-003",
    "NHI-KEY-004",
    "NHI-USER-001",
    "NHI-USER-002",
];

/// The CIS rules that read the credential report or the access keys.
const CIS_NEEDING_THE_REPORT: [&str; 10] = [
    "CIS-1.4",
    "CIS-1.5",
    "CIS-1.7",
    "CIS-1.10",
    "CIS-1.11",
    "CIS-1.12-key",
    "CIS-1.12-password",
    "CIS-1.13",
    "CIS-1.14",
    "CIS-1.17",
];

#[test]
fn without_a_credential_report_every_format_lists_the_rules_that_had_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_account(dir.path(), "no-report", "111122223333", false);

    // JSON: the rules reading the report (and the keys it fills), with what to do; the
    // service last accessed data is missing too (an import without it). Rules that do not
    // read the report are not listed: NHI-USER-003 ranges over users but reads only their
    // attachments, the permission rules classify users without the report (presumed
    // non-human, with that reason).
    let (ids, v) = without_data(&snap, "nhi");
    let mut expected: Vec<&str> = NHI_NEEDING_THE_REPORT.to_vec();
    expected.push("NHI-ROLE-002");
    let mut sorted = ids.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(v["summary"]["rules_without_data"], ids.len());
    let key = v["rules_without_data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "NHI-USER-002")
        .unwrap();
    assert_eq!(key["missing"][0]["what"], "the credential report");
    assert_eq!(
        key["missing"][0]["why"],
        "the snapshot was imported without it"
    );
    assert!(
        key["missing"][0]["how"]
            .as_str()
            .unwrap()
            .contains("add `--credential-report` to `iamsnap import`"),
        "{key}"
    );
    let (ids, _) = without_data(&snap, "cis");
    let mut sorted = ids.clone();
    sorted.sort();
    let mut expected = CIS_NEEDING_THE_REPORT.to_vec();
    expected.sort();
    assert_eq!(sorted, expected, "CIS-1.15 and CIS-1.16 read no report");

    // Table: a section and the last line.
    let (table, _) = check(&snap, "nhi", "table");
    assert!(table.contains("Without data (7)"), "{table}");
    assert!(
        table.contains("needs the credential report (the snapshot was imported without it)"),
        "{table}"
    );
    let last = table.trim_end().lines().last().unwrap();
    assert!(
        last.contains("7 rules had no data") && last.contains("NHI-KEY-001"),
        "{last}"
    );

    // SARIF: valid, with one execution notification per rule without data.
    let (sarif, err) = check(&snap, "nhi", "sarif");
    assert!(
        err.contains("warning: 7 rules had no data"),
        "the terminal hears it: {err}"
    );
    if let Some(python) = crate::sarif::python() {
        let path = dir.path().join("check.sarif");
        std::fs::write(&path, &sarif).unwrap();
        crate::sarif::validate(&python, &path).unwrap();
    }
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 7);
    for n in notes {
        assert_eq!(n["level"], "warning");
        assert_eq!(n["descriptor"]["id"], "rule-without-data");
        let id = n["associatedRule"]["id"].as_str().unwrap();
        assert!(
            n["message"]["text"].as_str().unwrap().starts_with(id),
            "{n}"
        );
    }

    // JUnit: the rules without data and without findings are skipped, not passed.
    let (junit, _) = check(&snap, "nhi", "junit");
    for id in NHI_NEEDING_THE_REPORT {
        let suite = junit
            .split("<testsuite ")
            .find(|s| s.starts_with(&format!("name=\"{id}\"")))
            .unwrap();
        assert!(
            suite.contains("<skipped message=\"no data: needs the credential report")
                || suite.contains("<skipped message=\"no data: needs the access keys"),
            "{suite}"
        );
    }

    // Markdown: a warning under the heading and a section.
    let (md, _) = check(&snap, "nhi", "markdown");
    assert!(md.contains("> **Warning:** 7 rules had no data"), "{md}");
    assert!(md.contains("### Rules without data (7)"), "{md}");
    assert!(
        md.contains(
            "| `NHI-USER-002` | the credential report | the snapshot was imported without it |"
        ),
        "{md}"
    );
}

#[test]
fn with_the_credential_report_no_rule_lacks_it() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_account(dir.path(), "report", "111122223333", true);
    let (ids, _) = without_data(&snap, "cis");
    assert!(ids.is_empty(), "{ids:?}");
    // The NHI pack: only the rule reading service last accessed data, which an import
    // without `--service-last-accessed` lacks.
    let (ids, v) = without_data(&snap, "nhi");
    assert_eq!(ids, ["NHI-ROLE-002"]);
    assert_eq!(
        v["rules_without_data"][0]["missing"][0]["what"],
        "the service last accessed data"
    );
    let (table, err) = check(&snap, "cis", "table");
    assert!(!table.contains("no data"), "{table}");
    let (_, err_json) = check(&snap, "cis", "json");
    assert!(
        !err.contains("warning") && !err_json.contains("warning"),
        "{err_json}"
    );
}

#[test]
fn diff_warns_of_a_credential_report_on_one_side_and_of_different_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let with = root().join("snapshots/demo-2026-11-01");
    let without = demo_account(dir.path(), "no-report", "111122223333", false);
    let other = demo_account(dir.path(), "other", "444455556666", true);

    let out = run(&["diff", s(&with), s(&without), "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = v["warnings"].as_array().unwrap();
    let one_sided: Vec<&str> = warnings
        .iter()
        .filter(|w| w["kind"] == "one-sided")
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert!(
        one_sided
            .iter()
            .any(|m| m.starts_with("only the old snapshot has the credential report (the new one: the snapshot was imported without it)")),
        "{one_sided:?}"
    );
    assert!(
        one_sided
            .iter()
            .any(|m| m.starts_with("only the old snapshot has the access keys")),
        "{one_sided:?}"
    );
    // Every format says it.
    let out = run(&["diff", s(&with), s(&without)]);
    let table = stdout(&out);
    assert!(
        table.contains("warning: only the old snapshot has the credential report"),
        "{table}"
    );
    assert!(
        table.contains("warnings (the snapshots are unlike: see above)"),
        "{table}"
    );
    let out = run(&["diff", s(&with), s(&without), "--format", "markdown"]);
    assert!(
        stdout(&out).contains("> **Warning:** only the old snapshot has the credential report"),
        "{}",
        stdout(&out)
    );
    let out = run(&["diff", s(&with), s(&without), "--format", "sarif"]);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n["level"] == "warning" && n["descriptor"]["id"] == "diff-one-sided"),
        "{notes:?}"
    );
    if let Some(python) = crate::sarif::python() {
        let path = dir.path().join("diff.sarif");
        std::fs::write(&path, &out.stdout).unwrap();
        crate::sarif::validate(&python, &path).unwrap();
    }

    // Different accounts.
    let out = run(&["diff", s(&with), s(&other), "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["different-accounts"], "{v}");
    assert!(
        v["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("(old: 111122223333; new: 444455556666)")
    );

    // Alike snapshots: no warning.
    let out = run(&[
        "diff",
        s(&with),
        s(&root().join("snapshots/demo-2026-11-22")),
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["warnings"], serde_json::json!([]));
}
