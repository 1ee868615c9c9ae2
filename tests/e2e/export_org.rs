//! `iamsnap export --org` against a real local endpoint (moto_server, whose AssumeRole into
//! another account's role routes later calls to that account): the organization made by
//! `create_org.py` and every account's IAM in one snapshot, equal to what the AWS CLI
//! capture (`scripts/capture-org` + `import --aws-cli`) gives; accounts that cannot be
//! entered are recorded with the action to grant, or fail the export with `--strict`.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::*;
use crate::export::{manifest, query, skipped, with_test_credentials};
use crate::moto::{FaultProxy, Faults, Moto};
use crate::org::{capture_org, id};

const MEMBER_ROLE: &str = "OrganizationAccountAccessRole";

/// The organization `create_org.py` makes in `moto`: the ids it created.
fn create(moto: &Moto) -> Value {
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap();
    let o = std::process::Command::new(&python)
        .arg(root().join("tests/e2e/create_org.py"))
        .arg(&moto.url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn export_org(endpoint: &str, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = iamsnap();
    cmd.args(["export", "--endpoint-url", endpoint, "-o", s(out), "--org"])
        .args(extra);
    if !extra.contains(&"--no-resources") {
        cmd.args(["--regions", "us-east-1"]);
    }
    with_test_credentials(&mut cmd);
    cmd.output().unwrap()
}

/// A table's rows without the columns `drop`, each as sorted-key JSON text, sorted: equal
/// sets of rows compare equal.
fn rows(snapshot: &Path, sql: &str, drop: &[&str]) -> Vec<String> {
    let mut rows: Vec<String> = query(snapshot, sql)
        .into_iter()
        .map(|mut r| {
            for column in drop {
                r.as_object_mut().unwrap().remove(*column);
            }
            serde_json::to_string(&r).unwrap()
        })
        .collect();
    rows.sort();
    rows
}

fn missing(snapshot: &Path) -> Vec<Value> {
    manifest(snapshot)["missing"].as_array().unwrap().clone()
}

#[test]
fn export_org_reads_the_organization_and_every_account_as_the_aws_cli_capture_does() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let created = create(&moto);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("exported");
    let o = export_org(&moto.url, &snap, &["--member-role", MEMBER_ROLE, "-v"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("exported an organization, 4 accounts"),
        "{out}"
    );
    // One role entered per member account; the caller's own account is read directly.
    assert!(out.contains("  AssumeRole: 3\n"), "{out}");
    let names = ["management", "payments", "orders", "play"];
    let mut ids: Vec<&str> = names.iter().map(|n| id(&created, n)).collect();
    ids.sort();
    assert_eq!(manifest(&snap)["account_ids"], serde_json::json!(ids));
    let m = missing(&snap);
    assert!(m.iter().all(|p| p["part"] != "iam"), "{m:?}");

    // Each member's role is in its own account; the guardrails where they were attached.
    let roles = query(&snap, "select account_id, name from roles order by 2");
    for (account, role) in [
        ("payments", "payments-lambda"),
        ("orders", "orders-lambda"),
        ("play", "play-lambda"),
    ] {
        assert!(
            roles
                .iter()
                .any(|r| r["account_id"] == id(&created, account) && r["name"] == role),
            "{role}: {roles:?}"
        );
    }
    let targets = query(
        &snap,
        "select p.name, t.target_id from organization_policy_targets t join organization_policies p using (policy_id) order by 1, 2",
    );
    for (policy, target) in [
        ("deny-leave", "root"),
        ("deny-bucket-delete", "prod"),
        ("deny-other-regions", "payments"),
    ] {
        assert!(
            targets
                .iter()
                .any(|t| t["name"] == policy && t["target_id"] == id(&created, target)),
            "{policy}: {targets:?}"
        );
    }

    // The same organization captured with the AWS CLI alone and imported: table by table
    // the same rows (the roles' last use is when each was assumed, so it differs).
    let capture = dir.path().join("capture");
    // One region: the resources are compared in org_resources.rs.
    capture_org(&moto, &capture, &["--regions", "us-east-1"], &[]);
    let imported = dir.path().join("imported");
    let o = run(&["import", "--aws-cli", s(&capture), "-o", s(&imported)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for table in [
        "organization",
        "accounts",
        "organizational_units",
        "organization_policies",
        "organization_policy_targets",
        "users",
        "groups",
        "group_members",
        "policies",
        "attachments",
        "statements",
        "trust",
        "instance_profiles",
        "access_keys",
    ] {
        let sql = format!("select * from {table}");
        assert_eq!(
            rows(&snap, &sql, &[]),
            rows(&imported, &sql, &[]),
            "table {table}"
        );
    }
    let last_use = ["last_used_date", "last_used_region"];
    assert_eq!(
        rows(&snap, "select * from roles", &last_use),
        rows(&imported, "select * from roles", &last_use)
    );
}

#[test]
fn accounts_that_cannot_be_entered_are_missing_with_the_action_and_strict_fails() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let created = create(&moto);
    let payments = id(&created, "payments").to_owned();
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            deny: Some("AssumeRole"),
            deny_only_with: Some(payments.clone()),
            ..Faults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let o = export_org(
        &proxy.url,
        &snap,
        &[
            "--member-role",
            MEMBER_ROLE,
            "--exclude-accounts",
            id(&created, "play"),
            "--no-resources",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("exported an organization, 2 accounts, 2 not read"),
        "{out}"
    );
    let m = missing(&snap);
    let entered: Vec<&Value> = m
        .iter()
        .filter(|p| p["part"] == "iam" && p["account"] == payments.as_str())
        .collect();
    assert_eq!(entered.len(), 1, "{m:?}");
    assert_eq!(entered[0]["action"], "sts:AssumeRole");
    let reason = entered[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("arn:aws:iam::{payments}:role/{MEMBER_ROLE}"))
            && reason.contains("AccessDenied"),
        "{reason}"
    );
    // The other accounts are there; the excluded one is not read, and says so.
    let accounts: Vec<String> = query(&snap, "select distinct account_id from roles")
        .iter()
        .map(|r| r["account_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(accounts, [id(&created, "orders")]);
    let play: Vec<&Value> = m
        .iter()
        .filter(|p| p["account"] == id(&created, "play"))
        .collect();
    assert_eq!(play.len(), 1, "{m:?}");
    assert_eq!(play[0]["part"], "iam");
    assert!(
        play[0]["reason"]
            .as_str()
            .unwrap()
            .contains("left out by --accounts or --exclude-accounts"),
        "{m:?}"
    );
    // The organization lists every account, read or not.
    assert_eq!(query(&snap, "select * from accounts").len(), 4);

    let strict = dir.path().join("strict");
    let o = export_org(
        &proxy.url,
        &strict,
        &["--member-role", MEMBER_ROLE, "--no-resources", "--strict"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("sts:AssumeRole"), "{err}");
    assert!(!strict.exists());
}

#[test]
fn without_a_member_role_only_the_callers_account_is_read_and_the_others_say_why() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let created = create(&moto);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let o = export_org(&moto.url, &snap, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = missing(&snap);
    // Neither their IAM nor their resources, each said.
    for member in ["payments", "orders", "play"] {
        for what in ["iam", "resources"] {
            let part = m
                .iter()
                .find(|p| p["part"] == what && p["account"] == id(&created, member))
                .unwrap_or_else(|| panic!("{member} {what}: {m:?}"));
            assert!(
                part["reason"].as_str().unwrap().contains("--member-role"),
                "{part}"
            );
        }
    }
    assert_eq!(
        manifest(&snap)["account_ids"],
        serde_json::json!([id(&created, "management")])
    );
}

#[test]
fn export_org_flags_are_checked_before_anything_is_called() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    // Nothing listens on port 1: a flag error must come before any call.
    for (args, expected) in [
        (vec!["--accounts", "12345"], "`12345` is not an account id"),
        (
            vec!["--member-role", "a role"],
            "`a role` is not a role name",
        ),
        (
            vec!["--cloudtrail-days", "3"],
            "--cloudtrail-s3 s3://BUCKET/AWSLogs/",
        ),
    ] {
        let o = export_org("http://127.0.0.1:1", &snap, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!snap.exists());
    }
    // Organization flags without --org.
    let mut cmd = iamsnap();
    cmd.args(["export", "-o", s(&snap), "--member-role", "audit"]);
    with_test_credentials(&mut cmd);
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--org"), "{}", stderr(&o));
}

/// The benchmark of docs/performance.md: an organization of 20 accounts in moto (40 roles,
/// a user with a key and a bucket with a policy in each), exported once with the default
/// retries and once with `--max-attempts 2`.
/// `cargo test -p iamsnap --test e2e export_org::benchmark -- --ignored --nocapture`
/// (`IAMSNAP_BENCH_ACCOUNTS`, `IAMSNAP_BENCH_ROLES` change the size).
#[test]
#[ignore]
fn benchmark_export_org_20_accounts() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let size = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
            .to_string()
    };
    let (accounts, roles) = (
        size("IAMSNAP_BENCH_ACCOUNTS", 20),
        size("IAMSNAP_BENCH_ROLES", 40),
    );
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap();
    let started = std::time::Instant::now();
    let o = std::process::Command::new(&python)
        .arg(root().join("tests/e2e/create_big_org.py"))
        .args([&moto.url, &accounts, &roles])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    eprintln!(
        "created {accounts} accounts x {roles} roles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("default", vec![]),
        ("--max-attempts 2", vec!["--max-attempts", "2"]),
    ] {
        let snap = dir.path().join(name.replace(' ', ""));
        let mut args = vec!["--member-role", MEMBER_ROLE, "-v"];
        args.extend(extra);
        let started = std::time::Instant::now();
        let o = export_org(&moto.url, &snap, &args);
        let wall = started.elapsed().as_secs_f64();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(
            out.contains(&format!("exported an organization, {accounts} accounts")),
            "{out}"
        );
        eprintln!("--- {name}: {wall:.2} s wall\n{out}");
    }
}
