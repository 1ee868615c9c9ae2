//! One classification of non-human identities: `check`, `diff` and the `principals` view
//! give the same answer for every principal, on the demo and on generated accounts.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// `is_nhi` and `nhi_reason` of every user and role, by ARN, from the `principals` view.
fn view(snapshot: &Path) -> BTreeMap<String, (bool, String)> {
    let out = ok(&[
        "query",
        s(snapshot),
        "select arn, is_nhi, nhi_reason from principals where principal_type <> 'group'",
        "--format",
        "json",
    ]);
    let rows: Vec<Value> = out
        .lines()
        .filter(|l| !l.trim().is_empty())
        .flat_map(|l| match serde_json::from_str::<Value>(l).unwrap() {
            Value::Array(items) => items,
            other => vec![other],
        })
        .collect();
    rows.iter()
        .map(|r| {
            (
                r["arn"].as_str().unwrap().to_owned(),
                (
                    r["is_nhi"].as_bool().unwrap(),
                    r["nhi_reason"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

/// Every principal a rule of the non-human-identity pack reports as non-human (the rules
/// that range over `principal`, `role` or `user` with `is_nhi`) is non-human in the view.
fn check_agrees(snapshot: &Path, classes: &BTreeMap<String, (bool, String)>) {
    // `check` exits 1 when it reports findings.
    let out = stdout(&run(&[
        "check",
        s(snapshot),
        "--pack",
        s(&root().join("queries/nhi.rules")),
        "--format",
        "json",
    ]));
    let report: Value = serde_json::from_str(&out).unwrap();
    // Rules whose condition starts from `p.is_nhi` / `r.is_nhi` (queries/nhi.rules).
    let nhi_rules = ["NHI-PERM-", "NHI-ESC-", "NHI-ADMIN-"];
    let mut checked = 0;
    for f in report["findings"].as_array().unwrap() {
        let rule = f["rule_id"]
            .as_str()
            .or(f["rule"].as_str())
            .unwrap_or_default();
        if !nhi_rules.iter().any(|p| rule.starts_with(p)) {
            continue;
        }
        let Some(arn) = f["resource"].as_str() else {
            continue;
        };
        if let Some((is_nhi, reason)) = classes.get(arn) {
            assert!(
                is_nhi,
                "{rule} reports {arn} ({reason}) that the view calls human"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 0,
        "no finding of a non-human-identity rule to compare"
    );
}

/// Every new key `diff` reports on a non-human user gives the reason the view gives; and no
/// key of a user the view calls human is reported as one.
fn diff_agrees(old: &Path, new: &Path, classes: &BTreeMap<String, (bool, String)>) -> usize {
    let out = ok(&["diff", s(old), s(new), "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let mut checked = 0;
    for r in report["risks"].as_array().unwrap() {
        if r["kind"] != "new_key" {
            continue;
        }
        let arn = r["subject"].as_str().unwrap();
        let (is_nhi, reason) = &classes[arn];
        assert!(
            is_nhi,
            "diff reports a key of {arn} as non-human; the view: {reason}"
        );
        let detail = r["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("non-human user ({reason})")),
            "{detail} does not give the view's reason {reason:?}"
        );
        checked += 1;
    }
    checked
}

#[test]
fn check_diff_and_the_principals_view_classify_alike_on_the_demo() {
    let old = root().join("snapshots/demo-2026-11-01");
    let new = root().join("snapshots/demo-2026-11-22");
    let classes = view(&new);
    assert!(classes.values().any(|(nhi, _)| *nhi) && classes.values().any(|(nhi, _)| !*nhi));
    check_agrees(&new, &classes);
    assert!(diff_agrees(&old, &new, &classes) > 0);
}

#[test]
fn check_diff_and_the_principals_view_classify_alike_on_generated_accounts() {
    let dir = tempfile::tempdir().unwrap();
    for (roles, seed) in [("150", "3"), ("400", "11")] {
        let mut snaps = Vec::new();
        for drift in [false, true] {
            let name = format!("{roles}-{seed}-{drift}");
            let json = dir.path().join(format!("{name}.json"));
            let csv = dir.path().join(format!("{name}.csv"));
            let mut args = vec!["generate", "--roles", roles, "--seed", seed];
            if drift {
                args.push("--drift");
            }
            args.extend(["-o", s(&json), "--credential-report", s(&csv)]);
            ok(&args);
            let snap = dir.path().join(&name);
            ok(&[
                "import",
                "--auth-details",
                s(&json),
                "--credential-report",
                s(&csv),
                "-o",
                s(&snap),
            ]);
            snaps.push(snap);
        }
        let classes = view(&snaps[1]);
        check_agrees(&snaps[1], &classes);
        assert!(diff_agrees(&snaps[0], &snaps[1], &classes) > 0);
    }
}
