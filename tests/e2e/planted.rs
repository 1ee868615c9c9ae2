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

/// One recorded access: resource, principal, via, actions (sorted), exposure.
type Access = (String, String, String, Vec<String>, String);

/// A statement member that is a string or a list of strings, as a list.
fn list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_owned()).collect(),
        Value::Null => Vec::new(),
        other => panic!("not a string or a list: {other}"),
    }
}

/// The account of an IAM principal ARN (`arn:aws:iam::<account>:...`).
fn account_of(arn: &str) -> String {
    arn.split(':').nth(4).unwrap().to_owned()
}

/// The accesses the imported snapshot's resource policies and KMS grants give, classified
/// here from the rows alone (the organization's accounts, Block Public Access settings and
/// RCPs as the snapshot holds them): what the generator's record must say.
fn accesses_of(snap: &std::path::Path) -> BTreeSet<Access> {
    let org_id = crate::export::query(snap, "select organization_id from organization")[0]
        ["organization_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let members = query_accounts(snap);
    // Settings that say a bucket's or an account's public policies are restricted.
    let restricted: BTreeSet<String> = crate::export::query(
        snap,
        "select arn from resource_settings where setting = 'restrict_public_buckets' and value = 'true'",
    )
    .iter()
    .map(|r| r["arn"].as_str().unwrap().to_owned())
    .collect();
    // Per account, the services an RCP keeps inside the organization (a deny unless
    // `aws:PrincipalOrgID` is the organization's).
    let mut perimeter: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in crate::export::query(
        snap,
        "select distinct a.account_id, p.document from accounts a \
         join organization_policy_targets t on t.target_id = a.account_id \
           or strpos(a.org_path, t.target_id || '/') > 0 \
         join organization_policies p using (policy_id) \
         where p.policy_type = 'RESOURCE_CONTROL_POLICY'",
    ) {
        let doc: Value = serde_json::from_str(r["document"].as_str().unwrap()).unwrap();
        for st in doc["Statement"].as_array().unwrap() {
            let keeps_in = st["Effect"] == "Deny"
                && st["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalOrgID"] == org_id;
            if keeps_in {
                let services = list(&st["Action"])
                    .iter()
                    .map(|a| a.split(':').next().unwrap().to_owned())
                    .collect::<Vec<_>>();
                perimeter
                    .entry(r["account_id"].as_str().unwrap().to_owned())
                    .or_default()
                    .extend(services);
            }
        }
    }
    let mut out = BTreeSet::new();
    let rows = crate::export::query(
        snap,
        "select account_id, service, arn, policy, problem from resource_policies",
    );
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(row["problem"].is_null(), "{row}");
        let account = row["account_id"].as_str().unwrap();
        let service = row["service"].as_str().unwrap();
        let arn = row["arn"].as_str().unwrap();
        let kept_in = perimeter.get(account).is_some_and(|s| s.contains(service));
        let doc: Value = serde_json::from_str(row["policy"].as_str().unwrap()).unwrap();
        for st in doc["Statement"].as_array().unwrap() {
            if st["Effect"] != "Allow" {
                continue;
            }
            let mut actions = list(&st["Action"]);
            actions.sort();
            let condition = st["Condition"].to_string().to_lowercase();
            let limited_to_source = ["aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"]
                .iter()
                .any(|k| condition.contains(k));
            let principals: Vec<String> = match &st["Principal"] {
                Value::String(s) => vec![s.clone()],
                Value::Object(m) => m.values().flat_map(list).collect(),
                other => panic!("principal {other} in {arn}"),
            };
            for principal in principals {
                let exposure = if principal == "*" {
                    if st["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == org_id {
                        "internal"
                    } else if st["Condition"].is_null() {
                        let bucket_blocked = service == "s3"
                            && (restricted.contains(arn) || restricted.contains(account));
                        if bucket_blocked || kept_in {
                            "blocked"
                        } else {
                            "public"
                        }
                    } else {
                        panic!("a public statement with another condition in {arn}: {st}")
                    }
                } else if principal.ends_with(".amazonaws.com") {
                    if limited_to_source {
                        "service"
                    } else {
                        "confused-deputy"
                    }
                } else if account_of(&principal) == account {
                    "same-account"
                } else if members.contains(&account_of(&principal)) {
                    "internal"
                } else if kept_in {
                    "blocked"
                } else {
                    "external"
                };
                out.insert((
                    arn.to_owned(),
                    principal,
                    "policy".to_owned(),
                    actions.clone(),
                    exposure.to_owned(),
                ));
            }
        }
    }
    for g in crate::export::query(
        snap,
        "select account_id, key_arn, grantee_principal, operations from kms_grants",
    ) {
        let grantee = g["grantee_principal"].as_str().unwrap().to_owned();
        let other = account_of(&grantee);
        let exposure = if other == g["account_id"].as_str().unwrap() {
            "same-account"
        } else if members.contains(&other) {
            "internal"
        } else {
            "external"
        };
        let mut actions: Vec<String> = list(&g["operations"])
            .iter()
            .map(|o| format!("kms:{o}"))
            .collect();
        actions.sort();
        out.insert((
            g["key_arn"].as_str().unwrap().to_owned(),
            grantee,
            "grant".to_owned(),
            actions,
            exposure.to_owned(),
        ));
    }
    out
}

/// A generated organization's resource policies: the record `--planted-resources` writes is
/// exactly what the imported policies and grants give, each access classified as the
/// snapshot's own rows say (public, neutralized by Block Public Access or by an RCP, outside
/// the organization, a service without a source condition, inside it), and every planted
/// case is there.
#[test]
fn planted_resources_are_exactly_the_accesses_of_the_imported_policies() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture");
    let record = dir.path().join("resources.json");
    let snap = dir.path().join("snap");
    ok(&[
        "generate",
        "--org",
        "--accounts",
        "6",
        "--roles-per-account",
        "30",
        "--seed",
        "9",
        "--at",
        AT,
        "-o",
        s(&capture),
        "--planted-resources",
        s(&record),
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
    let m = crate::export::manifest(&snap);
    assert!(m["missing"].is_null(), "{}", m["missing"]);

    let text = fs::read_to_string(&record).unwrap();
    let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
    let recorded: Vec<Access> = entries
        .iter()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap().to_owned();
            let mut actions = list(&e["actions"]);
            actions.sort();
            (
                field("resource"),
                field("principal"),
                field("via"),
                actions,
                field("exposure"),
            )
        })
        .collect();
    let mut sorted = recorded.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(recorded.len(), sorted.len(), "the record repeats an entry");
    let recorded: BTreeSet<Access> = recorded.into_iter().collect();
    let found = accesses_of(&snap);
    let missed: Vec<&Access> = recorded.difference(&found).collect();
    let unrecorded: Vec<&Access> = found.difference(&recorded).collect();
    assert!(
        missed.is_empty() && unrecorded.is_empty(),
        "recorded but not in the snapshot (or classified otherwise):\n{missed:#?}\nin the snapshot but not recorded:\n{unrecorded:#?}"
    );

    // Every kind of case is planted, and the record names what the access model needs.
    let mut per_exposure: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in &entries {
        per_exposure
            .entry(e["exposure"].as_str().unwrap())
            .or_default()
            .insert(e["service"].as_str().unwrap());
        assert!(!e["reason"].as_str().unwrap().is_empty(), "{e}");
        assert!(e["account"].as_str().unwrap().len() == 12, "{e}");
    }
    let services = |x: &str| per_exposure.get(x).cloned().unwrap_or_default();
    assert_eq!(services("public"), ["s3", "sqs"].into());
    assert_eq!(services("blocked"), ["s3"].into());
    assert!(services("external").is_superset(&["s3", "kms", "secretsmanager", "ecr"].into()));
    assert!(services("confused-deputy").is_superset(&["s3", "sns"].into()));
    assert!(services("internal").is_superset(&["sqs", "ecr", "secretsmanager"].into()));
    // Blocked three ways: the bucket's Block Public Access, the account's, the RCP.
    let blocked: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e["exposure"] == "blocked")
        .map(|e| {
            let reason = e["reason"].as_str().unwrap();
            ["the bucket's", "the account's", "the RCP"]
                .into_iter()
                .find(|w| reason.contains(w))
                .unwrap_or(reason)
        })
        .collect();
    assert_eq!(
        blocked,
        ["the RCP", "the account's", "the bucket's"].into(),
        "{blocked:?}"
    );
    // A grant inside the organization names a role of another account that exists there.
    let roles: BTreeSet<String> = crate::export::query(&snap, "select arn from roles")
        .iter()
        .map(|r| r["arn"].as_str().unwrap().to_owned())
        .collect();
    let internal_roles: Vec<&str> = entries
        .iter()
        .filter(|e| {
            e["exposure"] == "internal" && e["principal"].as_str().unwrap().contains(":role/")
        })
        .map(|e| e["principal"].as_str().unwrap())
        .collect();
    assert!(!internal_roles.is_empty());
    for role in internal_roles {
        assert!(
            roles.contains(role),
            "{role} is not a role of the organization"
        );
    }

    // The same options write the same record.
    let again = dir.path().join("again.json");
    ok(&[
        "generate",
        "--org",
        "--accounts",
        "6",
        "--roles-per-account",
        "30",
        "--seed",
        "9",
        "--at",
        AT,
        "-o",
        s(&dir.path().join("capture-2")),
        "--planted-resources",
        s(&again),
    ]);
    assert_eq!(text, fs::read_to_string(&again).unwrap());
    // Only an organization has resources to record.
    let err = fails(&[
        "generate",
        "-o",
        s(&dir.path().join("one.json")),
        "--planted-resources",
        s(&dir.path().join("r.json")),
    ]);
    assert!(err.contains("--org"), "{err}");
}
