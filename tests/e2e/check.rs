//! `iamsnap check`, `iamsnap rules`: running packs over a snapshot, exit codes, baselines,
//! and what a pack author sees when a pack is wrong.

use crate::common::{fails, iamsnap, ok, root, run, stderr, stdout};

fn demo() -> String {
    root()
        .join("snapshots/demo-2026-11-22")
        .display()
        .to_string()
}

fn json_findings(out: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(out).unwrap();
    v["findings"].as_array().unwrap().clone()
}

fn has(findings: &[serde_json::Value], rule: &str, resource_end: &str) -> bool {
    findings
        .iter()
        .any(|f| f["rule_id"] == rule && f["resource"].as_str().unwrap().ends_with(resource_end))
}

#[test]
fn the_nhi_pack_reports_the_demo_accounts_planted_problems() {
    let out = run(&[
        "check",
        &demo(),
        "--format",
        "json",
        "--param",
        "trusted_accounts=111122223333",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let findings = json_findings(&stdout(&out));
    // The drift planted in the second demo snapshot: an OIDC role without `sub`, a new
    // access key on a bot.
    assert!(has(
        &findings,
        "NHI-TRUST-002",
        ":role/gh-actions-deploy-new"
    ));
    // Every finding carries a stable fingerprint and a filled-in message.
    for f in &findings {
        assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);
        let message = f["message"].as_str().unwrap();
        assert!(!message.contains('{'), "{message}");
    }
}

#[test]
fn fail_on_sets_the_threshold_and_a_baseline_accepts_findings() {
    let snap = demo();
    // Below the threshold: exit 0 even with findings.
    let all = run(&["check", &snap, "--format", "json"]);
    assert_eq!(all.status.code(), Some(1));
    let findings = json_findings(&stdout(&all));
    let yaml = ok(&["check", &snap, "--write-baseline"]);
    assert!(yaml.contains("suppressions:"), "{yaml}");
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("accepted.yaml");
    std::fs::write(&baseline, &yaml).unwrap();
    let out = run(&[
        "check",
        &snap,
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(v["findings"].as_array().unwrap().is_empty());
    assert_eq!(v["suppressed"].as_array().unwrap().len(), findings.len());
    // A baseline made for the other demo snapshot leaves the new findings visible.
    let older = root().join("snapshots/demo-2026-11-01");
    let old_yaml = ok(&["check", older.to_str().unwrap(), "--write-baseline"]);
    std::fs::write(&baseline, &old_yaml).unwrap();
    let out = run(&[
        "check",
        &snap,
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let new = json_findings(&stdout(&out));
    assert!(!new.is_empty());
    assert!(has(&new, "NHI-TRUST-002", ":role/gh-actions-deploy-new"));
    // Only critical counts: the same run passes when the threshold is above its findings.
    let max = new
        .iter()
        .map(|f| f["severity"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(max.iter().any(|s| s == "critical"));
}

#[test]
fn one_rule_can_be_run_and_the_exit_code_follows_its_severity() {
    let snap = demo();
    let out = run(&[
        "check",
        &snap,
        "--rule",
        "NHI-USER-003",
        "--fail-on",
        "high",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let err = fails(&["check", &snap, "--rule", "NHI-NOPE-1"]);
    assert!(err.contains("no rule `NHI-NOPE-1`"), "{err}");
}

#[test]
fn a_pack_with_mistakes_reports_all_of_them_with_hints_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("bad.rules");
    std::fs::write(
        &pack,
        r#"rule BAD-1
  severity high
  title "unknown field"
  for role r
  where r.nmae = "x"

rule BAD-2
  severity hihg
  title "unknown severity and function"
  for role r
  where starts_wth(r.name, "x")

rule BAD-3
  severity low
  title "unknown entity"
  for rool r

rule BAD-4
  severity low
  title "trusts on a user"
  for user u
  where u trusts anyone and exists u.keys k
"#,
    )
    .unwrap();
    let err = fails(&["check", &demo(), "--pack", pack.to_str().unwrap()]);
    for expected in [
        "role `r` has no field `nmae`",
        "did you mean `r.name`?",
        "bad.rules:5:9",
        "unknown severity `hihg`",
        "did you mean `high`?",
        "unknown function or predicate `starts_wth`",
        "did you mean `starts_with`?",
        "unknown entity `rool`",
        "did you mean `role`?",
        "`trusts` applies to roles",
        "user has no relation `keys`",
        "relations of user: access_keys",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(err.contains("^^^^^^"), "{err}");
}

#[test]
fn parameters_and_packs_are_checked() {
    let snap = demo();
    let err = fails(&["check", &snap, "--param", "trusted_acounts=1"]);
    assert!(err.contains("trusted_acounts"), "{err}");
    let err = fails(&["check", &snap, "--pack", "no-such.rules"]);
    assert!(err.contains("no pack file `no-such.rules`"), "{err}");
    // The CIS pack is shipped too.
    let out = run(&["check", &snap, "--pack", "cis", "--format", "json"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
}

#[test]
fn an_sql_escape_hatch_and_named_predicates_work() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("custom.rules");
    std::fs::write(
        &pack,
        r#"pack custom "Custom"
param names = ["gh-actions-deploy-new"]
define is_new(r) = r.name in $names
rule C-1
  severity high
  title "new OIDC role"
  for role r
  where is_new(r) and r.arn in sql { select role_arn from trust where principal_kind = 'oidc' }
  message "{r.name} ({r.path})"
"#,
    )
    .unwrap();
    let out = iamsnap()
        .args([
            "check",
            &demo(),
            "--pack",
            pack.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let findings = json_findings(&stdout(&out));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["message"], "gh-actions-deploy-new (/)");
    // Parameters change the result.
    let out = iamsnap()
        .args([
            "check",
            &demo(),
            "--pack",
            pack.to_str().unwrap(),
            "--param",
            "names=nobody",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(json_findings(&stdout(&out)).is_empty());
}

#[test]
fn rules_list_and_show_explain_the_shipped_rules() {
    let list = ok(&["rules", "list", "--format", "json"]);
    let rules: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert!(rules.len() >= 25);
    for r in &rules {
        assert!(!r["title"].as_str().unwrap().is_empty());
        assert!(!r["remediation"].as_str().unwrap().is_empty(), "{r}");
    }
    let show = ok(&["rules", "show", "nhi-trust-002"]);
    assert!(show.contains("NHI-TRUST-002"));
    assert!(show.contains("without condition \"*:sub\""), "{show}");
    let err = fails(&["rules", "show", "NHI-TRUST-999"]);
    assert!(err.contains("no rule"), "{err}");
}
