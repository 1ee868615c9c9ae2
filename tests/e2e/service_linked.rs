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
