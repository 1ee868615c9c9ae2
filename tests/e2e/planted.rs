//! `iamsnap generate --planted`: the problems the generator planted are exactly what the
//! shipped pack reports, for the rules the generator records.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use serde_json::Value;

use crate::common::*;

const AT: &str = "2026-11-22T00:00:00Z";
const ACCOUNT: &str = "444455556666";

/// The non-critical rules the generator records as well (the critical ones are all
/// recorded).
const RECORDED_NON_CRITICAL: &[&str] = &[
    "NHI-TRUST-003",
    "NHI-TRUST-004",
    "NHI-TRUST-005",
    "NHI-KEY-001",
    "NHI-KEY-002",
    "NHI-KEY-003",
    "NHI-USER-002",
];

type Problem = (String, String, String);

/// The methods of an NHI-ESC-001 message, `... can escalate through: [A, B]`, as the
/// generator writes them: `A, B`.
fn escalation_methods(message: &str) -> String {
    let (_, list) = message
        .rsplit_once("can escalate through: [")
        .unwrap_or_else(|| panic!("no method list in {message:?}"));
    list.strip_suffix(']')
        .unwrap_or_else(|| panic!("unterminated method list in {message:?}"))
        .to_owned()
}

/// Generates, imports and checks one account; returns the critical rules of the pack, the
/// planted problems and the findings of the recorded rules.
fn run_seed(seed: &str, drift: bool) -> (BTreeSet<String>, Vec<Problem>, BTreeSet<Problem>) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("account.json");
    let csv = dir.path().join("credential-report.csv");
    let planted = dir.path().join("planted.json");
    let snap = dir.path().join("snap");
    let mut args = vec![
        "generate",
        "--roles",
        "300",
        "--seed",
        seed,
        "--at",
        AT,
        "--account-id",
        ACCOUNT,
        "-o",
        s(&json),
        "--credential-report",
        s(&csv),
        "--planted",
        s(&planted),
    ];
    if drift {
        args.push("--drift");
    }
    ok(&args);
    ok(&[
        "import",
        "--auth-details",
        s(&json),
        "--credential-report",
        s(&csv),
        "--captured-at",
        AT,
        "-o",
        s(&snap),
    ]);
    reported(
        &snap,
        &planted,
        &["--param", &format!("trusted_accounts={ACCOUNT}")],
    )
}

/// Checks `snap` with the shipped pack (and `params`); returns the critical rules of the
/// pack, the problems planted (read from `planted`) and the findings of the recorded rules.
fn reported(
    snap: &std::path::Path,
    planted: &std::path::Path,
    params: &[&str],
) -> (BTreeSet<String>, Vec<Problem>, BTreeSet<Problem>) {
    let mut args = vec!["check", s(snap), "--format", "json"];
    args.extend(params);
    let out = run(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "check failed: {}",
        stderr(&out)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let critical: BTreeSet<String> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["severity"] == "critical")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let recorded: BTreeSet<&str> = critical
        .iter()
        .map(String::as_str)
        .chain(RECORDED_NON_CRITICAL.iter().copied())
        .collect();
    let found: BTreeSet<Problem> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| recorded.contains(f["rule_id"].as_str().unwrap()))
        .map(|f| {
            let rule = f["rule_id"].as_str().unwrap().to_owned();
            let detail = if rule == "NHI-ESC-001" {
                escalation_methods(f["message"].as_str().unwrap())
            } else {
                f["detail"].as_str().unwrap().to_owned()
            };
            (rule, f["resource"].as_str().unwrap().to_owned(), detail)
        })
        .collect();
    let planted: Vec<Problem> =
        serde_json::from_str::<Vec<Value>>(&fs::read_to_string(planted).unwrap())
            .unwrap()
            .iter()
            .map(|p| {
                let field = |k: &str| p[k].as_str().unwrap().to_owned();
                (field("rule"), field("resource"), field("detail"))
            })
            .collect();
    (critical, planted, found)
}

#[test]
fn check_reports_exactly_what_the_generator_planted() {
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    for (seed, drift) in [("3", false), ("11", true), ("42", false)] {
        let (critical, planted, found) = run_seed(seed, drift);
        assert_eq!(
            critical,
            [
                "NHI-ADMIN-001",
                "NHI-ESC-001",
                "NHI-TRUST-001",
                "NHI-TRUST-002"
            ]
            .map(str::to_owned)
            .into(),
            "the pack's critical rules changed: review what the generator records"
        );
        let mut sorted = planted.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            planted, sorted,
            "seed {seed}: planted list not sorted/unique"
        );
        for (rule, resource, _) in &planted {
            assert!(
                critical.contains(rule) || RECORDED_NON_CRITICAL.contains(&rule.as_str()),
                "seed {seed}: {rule} on {resource} is planted but not one of the recorded rules"
            );
            assert!(
                resource.starts_with(&format!("arn:aws:iam::{ACCOUNT}:")),
                "seed {seed}: {resource}"
            );
            *per_rule.entry(rule.clone()).or_default() += 1;
        }
        let planted: BTreeSet<Problem> = planted.into_iter().collect();
        let missed: Vec<&Problem> = planted.difference(&found).collect();
        let unplanted: Vec<&Problem> = found.difference(&planted).collect();
        assert!(
            missed.is_empty() && unplanted.is_empty(),
            "seed {seed}: planted but not reported:\n{missed:#?}\nreported but not planted:\n{unplanted:#?}"
        );
    }
    // Every recorded rule had something planted, so the comparison tested it.
    for rule in [
        "NHI-ADMIN-001",
        "NHI-ESC-001",
        "NHI-TRUST-001",
        "NHI-TRUST-002",
    ]
    .iter()
    .chain(RECORDED_NON_CRITICAL)
    {
        assert!(
            per_rule.get(*rule).copied().unwrap_or(0) > 0,
            "nothing planted for {rule}: {per_rule:?}"
        );
    }
}

#[test]
fn planted_needs_a_new_file_and_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name);
    let generate = |planted: &str| {
        ok(&[
            "generate",
            "--roles",
            "60",
            "--seed",
            "5",
            "-o",
            s(&out(&format!("{planted}.json"))),
            "--planted",
            s(&out(planted)),
        ])
    };
    generate("a");
    generate("b");
    let a = fs::read(out("a")).unwrap();
    assert_eq!(a, fs::read(out("b")).unwrap(), "same seed, different list");
    let list: Vec<Value> = serde_json::from_slice(&a).unwrap();
    assert!(!list.is_empty());
    // The account's JSON is the same with or without --planted.
    ok(&[
        "generate",
        "--roles",
        "60",
        "--seed",
        "5",
        "-o",
        s(&out("c.json")),
    ]);
    assert_eq!(
        fs::read(out("a.json")).unwrap(),
        fs::read(out("c.json")).unwrap()
    );
    let err = fails(&[
        "generate",
        "--roles",
        "5",
        "-o",
        s(&out("d.json")),
        "--planted",
        s(&out("a")),
    ]);
    assert!(err.contains("already exists"), "{err}");
    assert!(!out("d.json").exists());
}

/// A generated organization: every account's planted problems, and only those, are reported
/// by the pack on the imported capture, with the default parameters (an account of the
/// organization other than a role's own is another account).
#[test]
fn check_of_an_organization_reports_exactly_what_every_account_planted() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture");
    let planted = dir.path().join("planted.json");
    let snap = dir.path().join("snap");
    ok(&[
        "generate",
        "--org",
        "--accounts",
        "6",
        "--roles-per-account",
        "80",
        "--seed",
        "5",
        "--at",
        AT,
        "-o",
        s(&capture),
        "--planted",
        s(&planted),
    ]);
    ok(&[
        "import",
        "--aws-cli",
        s(&capture),
        "--captured-at",
        AT,
        "-o",
        s(&snap),
    ]);
    let (_, planted, found) = reported(&snap, &planted, &[]);
    let accounts: BTreeSet<String> = planted
        .iter()
        .map(|(_, resource, _)| resource.split(':').nth(4).unwrap().to_owned())
        .collect();
    assert_eq!(accounts.len(), 6, "{accounts:?}");
    // Cross-account roles trust the organization's own accounts.
    let members: BTreeSet<String> = query_accounts(&snap);
    let trusted: BTreeSet<String> = crate::export::query(
        &snap,
        "select distinct principal_account from trust where principal_account is not null and principal_account <> account_id",
    )
    .iter()
    .map(|r| r["principal_account"].as_str().unwrap().to_owned())
    .collect();
    assert!(
        trusted.intersection(&members).count() >= 2,
        "trusted {trusted:?}, members {members:?}"
    );
    assert!(
        planted.iter().any(|(rule, _, _)| rule == "NHI-TRUST-005"),
        "nothing trusted across accounts"
    );
    let planted: BTreeSet<Problem> = planted.into_iter().collect();
    let missed: Vec<&Problem> = planted.difference(&found).collect();
    let unplanted: Vec<&Problem> = found.difference(&planted).collect();
    assert!(
        missed.is_empty() && unplanted.is_empty(),
        "planted but not reported:\n{missed:#?}\nreported but not planted:\n{unplanted:#?}"
    );
}

fn query_accounts(snap: &std::path::Path) -> BTreeSet<String> {
    crate::export::query(snap, "select account_id from accounts")
        .iter()
        .map(|r| r["account_id"].as_str().unwrap().to_owned())
        .collect()
}
