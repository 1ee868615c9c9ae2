//! Service-linked roles: only their AWS service can act as them, so no rule reports them —
//! whatever their policies allow — while SQL still sees them.

use serde_json::{Value, json};

use crate::common::*;

/// A role at `path` trusting `service`, with an inline policy that reads any object and
/// rewrites its own policies (a privilege-escalation method), never used.
fn role(name: &str, path: &str, service: &str) -> Value {
    json!({
        "Path": path,
        "RoleName": name,
        "RoleId": format!("AROA{:0>17}", name.len()),
        "Arn": format!("arn:aws:iam::111122223333:role{path}{name}"),
        "CreateDate": "2024-02-12T10:00:00Z",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]
        },
        "InstanceProfileList": [],
        "RolePolicyList": [{
            "PolicyName": "wide",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "iam:PutRolePolicy"],
                    "Resource": "*"
                }]
            }
        }],
        "AttachedManagedPolicies": [],
        "Tags": [],
        "RoleLastUsed": {}
    })
}

#[test]
fn rules_leave_out_service_linked_roles_and_sql_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let details = json!({
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [
            role("AWSServiceRoleForConfig", "/aws-service-role/config.amazonaws.com/", "config.amazonaws.com"),
            role("config-recorder", "/service-role/", "config.amazonaws.com"),
        ],
        "Policies": [],
        "IsTruncated": false
    });
    let file = dir.path().join("account.json");
    std::fs::write(&file, details.to_string()).unwrap();
    let snap = dir.path().join("snap");
    ok(&[
        "import",
        "--auth-details",
        s(&file),
        "--captured-at",
        "2026-11-01T00:00:00Z",
        "-o",
        s(&snap),
    ]);

    // Every rule that would report the customer's role reports it; none reports the
    // service-linked role with the same trust and policy.
    let out = run(&[
        "check",
        s(&snap),
        "--format",
        "json",
        "--rule",
        "NHI-ESC-001",
        "--rule",
        "NHI-PERM-004",
        "--rule",
        "NHI-ROLE-001",
        "--rule",
        "NHI-TRUST-008",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["resource"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    found.sort();
    let expected: Vec<(String, String)> = [
        "NHI-ESC-001",
        "NHI-PERM-004",
        "NHI-ROLE-001",
        "NHI-TRUST-008",
    ]
    .iter()
    .map(|r| ((*r).to_owned(), "config-recorder".to_owned()))
    .collect();
    assert_eq!(found, expected);

    // SQL sees both, tells them apart, and answers for both alike.
    let text = ok(&[
        "query",
        s(&snap),
        "select name, is_nhi, is_aws_managed(arn) as managed, can_any(arn, 's3:GetObject') as reads, cardinality(escalations(arn)) > 0 as escalates from principals order by name",
        "--format",
        "csv",
    ]);
    assert_eq!(
        text,
        "name,is_nhi,managed,reads,escalates\n\
         AWSServiceRoleForConfig,true,true,true,true\n\
         config-recorder,true,false,true,true\n"
    );
}

/// An account of the service-linked role and the customer's role, each with an inline
/// policy allowing `actions` on `*`.
fn account_allowing(actions: &[&str]) -> Value {
    let mut roles = vec![
        role(
            "AWSServiceRoleForConfig",
            "/aws-service-role/config.amazonaws.com/",
            "config.amazonaws.com",
        ),
        role("config-recorder", "/service-role/", "config.amazonaws.com"),
    ];
    for r in &mut roles {
        r["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] = json!(actions);
    }
    json!({
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": roles,
        "Policies": [],
        "IsTruncated": false
    })
}

#[test]
fn diff_raises_no_risk_for_a_service_linked_role_and_still_shows_its_changes() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = |name: &str, actions: &[&str]| {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, account_allowing(actions).to_string()).unwrap();
        let out = dir.path().join(name);
        ok(&[
            "import",
            "--auth-details",
            s(&file),
            "--captured-at",
            "2026-11-01T00:00:00Z",
            "-o",
            s(&out),
        ]);
        out
    };
    let old = snapshot("old", &["s3:GetObject"]);
    let new = snapshot("new", &["*"]);
    let customer = "arn:aws:iam::111122223333:role/service-role/config-recorder";

    let v: Value =
        serde_json::from_str(&ok(&["diff", s(&old), s(&new), "--format", "json"])).unwrap();
    // Both roles became admin-equivalent (and can escalate); only the customer's role is
    // a risk.
    let mut risks: Vec<(String, String)> = v["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    risks.sort();
    assert_eq!(
        risks,
        vec![
            ("new_admin".to_owned(), customer.to_owned()),
            ("new_escalation".to_owned(), customer.to_owned()),
        ]
    );
    // The service-linked role's policy change is still in the structure diff.
    let changed: Vec<&str> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.to_string().contains("AWSServiceRoleForConfig"))
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(!changed.is_empty(), "{v:#}");
    let table = ok(&["diff", s(&old), s(&new)]);
    assert!(table.contains("AWSServiceRoleForConfig"), "{table}");
    assert!(
        !table
            .lines()
            .any(|l| l.contains("admin-equivalent") && l.contains("AWSServiceRoleForConfig")),
        "{table}"
    );
}
