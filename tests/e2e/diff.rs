use crate::common::*;

fn demo(name: &str) -> String {
    s(&root().join("snapshots").join(name)).to_owned()
}

pub(crate) fn pair() -> (String, String) {
    (demo("demo-2026-11-01"), demo("demo-2026-11-22"))
}

#[test]
fn diff_table_reports_the_planted_drift() {
    let (old, new) = pair();
    // Wide enough that no cell wraps (off a terminal tables wrap at 120 columns).
    let out = ok(&["diff", &old, &new, "--width", "400"]);
    for expected in [
        "Risk changes",
        "Structural changes",
        "Effective access",
        "partner-data-sync",
        "999988887777",
        "without an sts:ExternalId condition",
        "gh-actions-deploy-new",
        "no `sub` condition",
        "ci-deployer",
        "Action [s3:GetObject] → [s3:*]",
        "user svc-reporting",
        "Permissions management",
        "8 structural change(s)",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn diff_of_a_snapshot_with_itself_is_clean() {
    let (old, _) = pair();
    let out = ok(&["diff", &old, &old, "--fail-on", "any"]);
    assert!(out.contains("no changes"), "{out}");
}

#[test]
fn diff_json_is_the_report() {
    let (old, new) = pair();
    let out = ok(&["diff", &old, &new, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["changes"].as_array().unwrap().len(), 8);
    assert_eq!(v["risks"].as_array().unwrap().len(), 4);
    let kinds: Vec<&str> = v["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"new_trust") && kinds.contains(&"new_key"));
    // The partner's new role is access from outside the account too.
    assert!(kinds.contains(&"new_external_access"));
    let gained = v["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["principal_name"] == "svc-reporting")
        .unwrap();
    assert!(
        gained["gained"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "s3:PutObject")
    );
}

#[test]
fn diff_markdown_has_sections_and_tables() {
    let (old, new) = pair();
    let out = ok(&["diff", &old, &new, "--format", "markdown"]);
    assert!(out.starts_with("# iamsnap diff\n"), "{out}");
    for expected in [
        "## Risk changes",
        "## Structural changes",
        "## Effective access",
        "| risk | subject | detail |",
        "| new-key |",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn diff_fail_on_sets_the_exit_code() {
    let (old, new) = pair();
    let code = |args: &[&str]| run(args).status.code();
    // Nothing in the demo drift makes a principal admin-equivalent.
    assert_eq!(
        code(&["diff", &old, &new, "--fail-on", "new-admin"]),
        Some(0)
    );
    for category in ["new-access", "new-trust", "new-key", "any"] {
        assert_eq!(
            code(&["diff", &old, &new, "--fail-on", category]),
            Some(1),
            "{category}"
        );
    }
    // Backwards everything is a removal: no new access, trust or key.
    for category in ["new-access", "new-trust", "new-key", "new-admin"] {
        assert_eq!(
            code(&["diff", &new, &old, "--fail-on", category]),
            Some(0),
            "{category}"
        );
    }
    assert_eq!(code(&["diff", &new, &old, "--fail-on", "any"]), Some(1));
}

#[test]
fn diff_bad_input_exits_2() {
    let (old, _) = pair();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = fails(&["diff", &old, s(&missing)]);
    assert!(err.contains("nope"), "{err}");
    let err = fails(&["diff", s(dir.path()), &old]);
    assert!(err.contains("not an iamsnap snapshot"), "{err}");

    // A snapshot of another format version.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for e in std::fs::read_dir(&old).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
    }
    let manifest = copy.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    m["format_version"] = 99.into();
    std::fs::write(&manifest, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let err = fails(&["diff", &old, s(&copy)]);
    assert!(err.contains("format version 99"), "{err}");

    fails(&["diff", &old, &old, "--fail-on", "sometimes"]);
    fails(&["diff", &old, &old, "--format", "xml"]);
}

pub(crate) const ACCOUNT: &str = "111122223333";
pub(crate) const APP_ROLE: &str = "arn:aws:iam::111122223333:role/app";
pub(crate) const BOB: &str = "arn:aws:iam::111122223333:user/bob";

pub(crate) fn policy_document(statements: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

/// An account of one role `app` with one customer managed policy `p` (the given document)
/// and one user `bob` without policies, as `get-account-authorization-details` prints it.
pub(crate) fn account(document: &serde_json::Value) -> serde_json::Value {
    let date = "2026-01-01T00:00:00Z";
    serde_json::json!({
        "UserDetailList": [{
            "Path": "/", "UserName": "bob", "UserId": "AIDAAAAAAAAAAAAAAAAAB",
            "Arn": BOB, "CreateDate": date, "GroupList": [], "AttachedManagedPolicies": [],
            "UserPolicyList": [], "Tags": []
        }],
        "GroupDetailList": [],
        "RoleDetailList": [{
            "Path": "/", "RoleName": "app", "RoleId": "AROAAAAAAAAAAAAAAAAAA",
            "Arn": APP_ROLE, "CreateDate": date,
            "AssumeRolePolicyDocument": policy_document(serde_json::json!([{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }])),
            "RolePolicyList": [],
            "AttachedManagedPolicies": [{
                "PolicyName": "p", "PolicyArn": format!("arn:aws:iam::{ACCOUNT}:policy/p")
            }],
            "Tags": []
        }],
        "Policies": [{
            "PolicyName": "p", "PolicyId": "ANPAAAAAAAAAAAAAAAAAA",
            "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/p"), "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": true,
            "CreateDate": date, "UpdateDate": date,
            "PolicyVersionList": [{
                "Document": document, "VersionId": "v1", "IsDefaultVersion": true,
                "CreateDate": date
            }]
        }]
    })
}

/// Imports `auth` (and CloudTrail `logs`) into the snapshot `dir/name`.
pub(crate) fn import(
    dir: &std::path::Path,
    name: &str,
    auth: &serde_json::Value,
    logs: &[&std::path::Path],
) -> String {
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_string(auth).unwrap()).unwrap();
    let out = dir.join(name);
    let mut args = vec!["import", "--auth-details", s(&file), "-o", s(&out)];
    for l in logs {
        args.extend(["--cloudtrail-logs", s(l)]);
    }
    args.extend(["--captured-at", "2026-11-22T00:00:00Z"]);
    ok(&args);
    s(&out).to_owned()
}

pub(crate) fn allow_all_on_star(actions: &[&str]) -> serde_json::Value {
    policy_document(serde_json::json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}]))
}

pub(crate) fn json_report(old: &str, new: &str) -> serde_json::Value {
    serde_json::from_str(&ok(&["diff", old, new, "--format", "json"])).unwrap()
}

fn escalation_ids(report: &serde_json::Value) -> Vec<(String, String)> {
    report["risks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "new_escalation")
        .flat_map(|r| {
            r["methods"].as_array().unwrap().iter().map(|m| {
                (
                    r["subject"].as_str().unwrap().to_owned(),
                    m["id"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect()
}

#[test]
fn diff_reports_a_privilege_escalation_method_a_policy_change_enables() {
    let dir = tempfile::tempdir().unwrap();
    let old = import(
        dir.path(),
        "old",
        &account(&allow_all_on_star(&["s3:GetObject"])),
        &[],
    );
    let new = import(
        dir.path(),
        "new",
        &account(&allow_all_on_star(&[
            "s3:GetObject",
            "iam:CreatePolicyVersion",
        ])),
        &[],
    );
    let report = json_report(&old, &new);
    assert_eq!(
        escalation_ids(&report),
        vec![(APP_ROLE.to_owned(), "IAM-CREATE-POLICY-VERSION".to_owned())]
    );
    let risk = report["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "new_escalation")
        .unwrap();
    assert_eq!(risk["methods"][0]["severity"], "critical");
    assert!(!risk["methods"][0]["name"].as_str().unwrap().is_empty());
    let table = ok(&["diff", &old, &new]);
    assert!(table.contains("new-escalation"), "{table}");
    assert!(
        table.contains("role `app` can now use IAM-CREATE-POLICY-VERSION ("),
        "{table}"
    );
    let code = |args: &[&str]| run(args).status.code();
    assert_eq!(
        code(&["diff", &old, &new, "--fail-on", "new-escalation"]),
        Some(1)
    );
    // Losing the method is no risk.
    assert_eq!(
        code(&["diff", &new, &old, "--fail-on", "new-escalation"]),
        Some(0)
    );
    assert!(escalation_ids(&json_report(&new, &old)).is_empty());
}

#[test]
fn diff_reports_no_escalation_for_a_change_that_enables_none() {
    let dir = tempfile::tempdir().unwrap();
    let old = import(
        dir.path(),
        "old",
        &account(&allow_all_on_star(&["s3:GetObject"])),
        &[],
    );
    // Wider, but no method's every action: s3 and read-only IAM.
    let new = import(
        dir.path(),
        "new",
        &account(&allow_all_on_star(&["s3:*", "iam:Get*", "iam:List*"])),
        &[],
    );
    let report = json_report(&old, &new);
    assert!(escalation_ids(&report).is_empty(), "{report:#}");
    // The access change itself is reported.
    assert!(report["access"].as_array().unwrap().iter().any(|a| {
        a["principal_arn"] == APP_ROLE
            && a["gained"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == "iam:ListRoles")
    }));
    let code = |args: &[&str]| run(args).status.code();
    assert_eq!(
        code(&["diff", &old, &new, "--fail-on", "new-escalation"]),
        Some(0)
    );
    assert_eq!(
        code(&["diff", &old, &new, "--fail-on", "new-access"]),
        Some(1)
    );
}

/// One CloudTrail record: `who` (`role` for an `app` session, else user `bob`) calling
/// `source`/`name` from `ip` in `region`.
pub(crate) fn record(
    who: &str,
    source: &str,
    name: &str,
    ip: &str,
    region: &str,
    error: Option<&str>,
) -> serde_json::Value {
    let identity = if who == "role" {
        serde_json::json!({
            "type": "AssumedRole", "principalId": "AROAAAAAAAAAAAAAAAAAA:s",
            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/s"), "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "arn": APP_ROLE, "accountId": ACCOUNT, "userName": "app"
            }}
        })
    } else {
        serde_json::json!({
            "type": "IAMUser", "principalId": "AIDAAAAAAAAAAAAAAAAAB", "arn": BOB,
            "accountId": ACCOUNT, "userName": "bob"
        })
    };
    let mut r = serde_json::json!({
        "eventVersion": "1.08", "userIdentity": identity,
        "eventTime": "2026-11-20T10:00:00Z", "eventSource": source, "eventName": name,
        "awsRegion": region, "sourceIPAddress": ip, "userAgent": "aws-cli/2.13.0",
        "recipientAccountId": ACCOUNT
    });
    if let Some(e) = error {
        r["errorCode"] = e.into();
    }
    r
}

pub(crate) fn write_log(path: &std::path::Path, records: Vec<serde_json::Value>) {
    std::fs::write(
        path,
        serde_json::to_string(&serde_json::json!({ "Records": records })).unwrap(),
    )
    .unwrap();
}

#[test]
fn diff_reports_behaviour_changes_from_cloudtrail_activity() {
    let dir = tempfile::tempdir().unwrap();
    let base = |n: usize| -> Vec<serde_json::Value> {
        let mut v: Vec<serde_json::Value> = (0..n)
            .map(|_| {
                record(
                    "role",
                    "s3.amazonaws.com",
                    "GetObject",
                    "10.0.0.1",
                    "us-east-1",
                    None,
                )
            })
            .collect();
        v.push(record(
            "bob",
            "iam.amazonaws.com",
            "ListUsers",
            "10.0.0.2",
            "us-east-1",
            None,
        ));
        v
    };
    let old_log = dir.path().join("old-log.json");
    write_log(&old_log, base(25));
    let mut new_records = base(25);
    new_records.push(record(
        "role",
        "s3.amazonaws.com",
        "PutObject",
        "10.0.0.1",
        "us-east-1",
        None,
    ));
    new_records.push(record(
        "role",
        "s3.amazonaws.com",
        "GetObject",
        "203.0.113.9",
        "eu-west-1",
        None,
    ));
    for _ in 0..10 {
        new_records.push(record(
            "role",
            "s3.amazonaws.com",
            "GetObject",
            "10.0.0.1",
            "us-east-1",
            Some("AccessDenied"),
        ));
    }
    let new_log = dir.path().join("new-log.json");
    write_log(&new_log, new_records);
    let auth = account(&allow_all_on_star(&["s3:GetObject"]));
    let old = import(dir.path(), "old", &auth, &[&old_log]);
    let new = import(dir.path(), "new", &auth, &[&new_log]);

    let report = json_report(&old, &new);
    let b = &report["behaviour"];
    assert_eq!(b["compared"], true);
    assert!(b.get("note").is_none());
    // Bob did the same: only the role is reported.
    let changes = b["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{b:#}");
    let c = &changes[0];
    assert_eq!(c["principal"], APP_ROLE);
    assert_eq!(c["principal_type"], "AssumedRole");
    assert_eq!(c["new_identity"], false);
    assert_eq!(
        c["first_time_calls"],
        serde_json::json!(["s3.amazonaws.com:PutObject"])
    );
    assert_eq!(c["new_source_ips"], serde_json::json!(["203.0.113.9"]));
    assert_eq!(c["new_regions"], serde_json::json!(["eu-west-1"]));
    // 0 of 25 failed, then 10 of 37 (27 %).
    let e = &c["error_rate"];
    assert_eq!(
        (
            &e["old_errors"],
            &e["old_calls"],
            &e["new_errors"],
            &e["new_calls"]
        ),
        (
            &serde_json::json!(0),
            &serde_json::json!(25),
            &serde_json::json!(10),
            &serde_json::json!(37)
        )
    );
    assert_eq!(e["new_percent"], 27.0);

    let table = ok(&["diff", &old, &new, "--width", "400"]);
    assert!(table.contains("Behaviour (CloudTrail activity)"), "{table}");
    assert!(
        table.contains("first-time calls: s3.amazonaws.com:PutObject"),
        "{table}"
    );
    assert!(
        table.contains("failed calls 0% → 27% (0/25 → 10/37)"),
        "{table}"
    );
    let code = |args: &[&str]| run(args).status.code();
    assert_eq!(
        code(&["diff", &old, &new, "--fail-on", "new-behaviour"]),
        Some(1)
    );
    // Backwards: nothing is new (the address, region and call were all seen), and fewer
    // calls failed.
    let back = json_report(&new, &old);
    assert_eq!(back["behaviour"]["changes"], serde_json::json!([]));
    assert_eq!(
        code(&["diff", &new, &old, "--fail-on", "new-behaviour"]),
        Some(0)
    );
}

#[test]
fn diff_of_real_cloudtrail_logs_flags_only_what_was_added() {
    let dir = tempfile::tempdir().unwrap();
    let logs = fixture("cloudtrail/AWSLogs");
    let auth = account(&allow_all_on_star(&["s3:GetObject"]));
    let old = import(dir.path(), "old", &auth, &[&logs]);
    // The same logs: no behaviour change at all (no flood of "new").
    let same = import(dir.path(), "same", &auth, &[&logs]);
    let report = json_report(&old, &same);
    assert_eq!(report["behaviour"]["compared"], true);
    assert_eq!(report["behaviour"]["changes"], serde_json::json!([]));
    // Plus one day of bob (who is not in the fixture logs).
    let extra = dir.path().join("extra.json");
    write_log(
        &extra,
        vec![record(
            "bob",
            "kms.amazonaws.com",
            "ScheduleKeyDeletion",
            "198.51.100.7",
            "ap-southeast-2",
            None,
        )],
    );
    let new = import(dir.path(), "new", &auth, &[&logs, &extra]);
    let report = json_report(&old, &new);
    let changes = report["behaviour"]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{report:#}");
    assert_eq!(changes[0]["principal"], BOB);
    assert_eq!(changes[0]["new_identity"], true);
    assert_eq!(
        changes[0]["first_time_calls"],
        serde_json::json!(["kms.amazonaws.com:ScheduleKeyDeletion"])
    );
}

#[test]
fn diff_says_once_when_a_side_has_no_activity() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.json");
    write_log(
        &log,
        vec![record(
            "role",
            "s3.amazonaws.com",
            "GetObject",
            "10.0.0.1",
            "us-east-1",
            None,
        )],
    );
    let auth = account(&allow_all_on_star(&["s3:GetObject"]));
    let old = import(dir.path(), "old", &auth, &[]);
    let new = import(dir.path(), "new", &auth, &[&log]);
    let report = json_report(&old, &new);
    assert_eq!(report["behaviour"]["compared"], false);
    assert_eq!(report["behaviour"]["changes"], serde_json::json!([]));
    // A warning of the report, which says why the old side lacks it.
    assert_eq!(report["behaviour"]["note"], serde_json::Value::Null);
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["message"].as_str().unwrap().starts_with(
                "behaviour not compared: the old snapshot has no CloudTrail activity (the snapshot was imported without it)"
            )),
        "{report}"
    );
    let table = ok(&["diff", &old, &new, "--fail-on", "any"]);
    assert_eq!(table.matches("CloudTrail activity").count(), 1, "{table}");
    assert!(table.contains("no changes"), "{table}");
    let md = ok(&["diff", &new, &old, "--format", "markdown"]);
    assert_eq!(
        md.matches("the new snapshot has no CloudTrail activity")
            .count(),
        1,
        "{md}"
    );
}

#[test]
fn diff_names_different_catalog_dates_in_the_header() {
    let (old, _) = pair();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for e in std::fs::read_dir(&old).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
    }
    let manifest = copy.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let date = serde_json::from_str::<serde_json::Value>(&text).unwrap()["catalog_date"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(&manifest, text.replace(&date, "2025-01-15")).unwrap();
    let table = ok(&["diff", s(&copy), &old]);
    let second = table.lines().nth(1).unwrap();
    assert!(
        second.starts_with(
            "note: the snapshots were written with different action catalogs (2025-01-15 and "
        ) && second.contains(&date),
        "{table}"
    );
    let report = json_report(s(&copy), &old);
    assert!(
        report["catalog_note"]
            .as_str()
            .unwrap()
            .contains("2025-01-15")
    );
    // The same catalog: no note.
    assert!(json_report(&old, &old).get("catalog_note").is_none());
}

#[test]
fn diff_markdown_escapes_html_in_names() {
    let dir = tempfile::tempdir().unwrap();
    let doc = allow_all_on_star(&["s3:GetObject"]);
    let old = import(dir.path(), "old", &account(&doc), &[]);
    let mut auth = account(&doc);
    let evil = "<img src=x onerror=alert(1)>|`x`";
    let mut role = auth["RoleDetailList"][0].clone();
    role["RoleName"] = serde_json::json!(evil);
    role["RoleId"] = serde_json::json!("AROAAAAAAAAAAAAAAAAAB");
    role["Arn"] = serde_json::json!(format!("arn:aws:iam::{ACCOUNT}:role/{evil}"));
    auth["RoleDetailList"].as_array_mut().unwrap().push(role);
    let new = import(dir.path(), "new", &auth, &[]);
    let md = ok(&["diff", &old, &new, "--format", "markdown"]);
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;"), "{md}");
    assert!(
        !md.contains("<img"),
        "markup from a role name reached the Markdown:\n{md}"
    );
    for line in md.lines().filter(|l| l.contains("onerror")) {
        assert!(
            !line.contains(">|`"),
            "a name broke out of its table cell: {line}"
        );
    }
}

/// A copy of the `external` pack's capture (one account, its resource policies) with
/// `change` applied to it, imported.
fn external_snapshot(
    dir: &std::path::Path,
    name: &str,
    change: impl Fn(&std::path::Path),
) -> String {
    let capture = dir.join(format!("{name}-capture"));
    let from = root().join("queries/fixtures/external/capture");
    let copy = std::process::Command::new("cp")
        .args(["-r", s(&from), s(&capture)])
        .status()
        .unwrap();
    assert!(copy.success());
    change(&capture);
    let snap = dir.join(name);
    ok(&[
        "import",
        "--aws-cli",
        s(&capture),
        "-o",
        s(&snap),
        "--captured-at",
        "2026-11-01T00:00:00Z",
    ]);
    snap.display().to_string()
}

#[test]
fn diff_reports_new_external_access_and_what_let_it_in() {
    let dir = tempfile::tempdir().unwrap();
    let s3 = "accounts/111122223333/resources/global/s3api";
    let old = external_snapshot(dir.path(), "old", |c| {
        // Block Public Access on the account: the public bucket is closed.
        let control = c.join("accounts/111122223333/resources/global/s3control");
        std::fs::create_dir_all(&control).unwrap();
        std::fs::write(
            control.join("get-public-access-block.json"),
            r#"{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}"#,
        )
        .unwrap();
    });
    let new = external_snapshot(dir.path(), "new", |c| {
        // The internal bucket now lets a partner write.
        std::fs::write(
            c.join(format!("{s3}/get-bucket-policy/internal-data.json")),
            serde_json::json!({"Policy": serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*", "Resource": ["arn:aws:s3:::internal-data", "arn:aws:s3:::internal-data/*"]},
                    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::internal-data/*"}
                ]}).to_string()})
            .to_string(),
        )
        .unwrap();
    });
    let out = run(&[
        "diff",
        &old,
        &new,
        "--format",
        "json",
        "--fail-on",
        "new-external-access",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let risks: Vec<(String, String)> = report["risks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "new_external_access")
        .map(|r| {
            (
                r["subject"].as_str().unwrap().to_owned(),
                r["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let detail = |subject: &str| {
        risks
            .iter()
            .find(|(s, _)| s == subject)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| panic!("no risk on {subject}: {risks:#?}"))
    };
    // A policy that changed.
    let partner = detail("arn:aws:s3:::internal-data");
    assert!(
        partner.contains("arn:aws:iam::444455556666:root (external) can now s3:PutObject"),
        "{partner}"
    );
    assert!(partner.ends_with("its policy changed"), "{partner}");
    // A policy that did not, behind a guardrail that was lifted.
    let public = detail("arn:aws:s3:::public-assets");
    assert!(
        public.contains("* (public) can now s3:GetObject"),
        "{public}"
    );
    assert!(public.contains("a guardrail over it changed"), "{public}");
    // Nothing else gained outside access: Block Public Access keeps out only the
    // principals of a policy it deems public (the office bucket's source network makes it
    // not public), and never a service.
    assert_eq!(risks.len(), 2, "{risks:#?}");
    // The other way round nothing is new; and a snapshot against itself is clean.
    let back = run(&["diff", &new, &old, "--fail-on", "new-external-access"]);
    assert_eq!(back.status.code(), Some(0), "{}", stderr(&back));
    let same = run(&["diff", &new, &new, "--fail-on", "new-external-access"]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
}
