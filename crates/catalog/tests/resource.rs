//! Which actions can apply to a `Resource` pattern, on the embedded catalog.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use iamsnap_catalog::{ActionSet, Catalog};

fn catalog() -> &'static Catalog {
    Catalog::embedded().unwrap()
}

fn has(set: &ActionSet, action: &str) -> bool {
    let id = catalog().action(action).expect(action).id();
    set.contains(id)
}

#[track_caller]
fn check(pattern: &str, yes: &[&str], no: &[&str]) {
    let set = catalog().actions_for_resource(pattern);
    for a in yes {
        assert!(has(&set, a), "`{a}` should apply to `{pattern}`");
    }
    for a in no {
        assert!(!has(&set, a), "`{a}` should not apply to `{pattern}`");
    }
}

#[test]
fn objects_of_a_bucket_reach_object_actions_only() {
    check(
        "arn:aws:s3:::acme-app-data/*",
        &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        &[
            "s3:ListBucket",
            "s3:CreateBucket",
            "s3:CreateAccessGrantsInstance",
            "s3:GetAccessPoint",
            "s3:ListAllMyBuckets",
            "iam:PassRole",
        ],
    );
}

#[test]
fn a_bucket_reaches_bucket_actions_only() {
    check(
        "arn:aws:s3:::acme-app-data",
        &["s3:ListBucket", "s3:CreateBucket", "s3:GetBucketPolicy"],
        &["s3:GetObject", "s3:PutObject"],
    );
}

#[test]
fn every_bucket_pattern_reaches_buckets_and_objects() {
    check(
        "arn:aws:s3:::*",
        &["s3:ListBucket", "s3:GetObject"],
        &["s3:GetAccessPoint", "s3:ListAllMyBuckets"],
    );
}

#[test]
fn star_reaches_everything() {
    let set = catalog().actions_for_resource("*");
    assert_eq!(set.len(), catalog().action_count());
    check("**", &["s3:ListAllMyBuckets", "s3:GetObject"], &[]);
}

#[test]
fn actions_without_resource_types_need_a_pattern_matching_star() {
    check(
        "arn:*",
        &["s3:GetObject", "iam:PassRole"],
        &["s3:ListAllMyBuckets"],
    );
    check("*:*", &["s3:GetObject"], &["s3:ListAllMyBuckets"]);
    // `?` matches the one-character resource `*`, as the evaluator sees it.
    check("?", &["s3:ListAllMyBuckets"], &["s3:GetObject"]);
}

#[test]
fn roles_reach_role_actions_only() {
    check(
        "arn:aws:iam::*:role/*",
        &["iam:PassRole", "iam:GetRole", "iam:AttachRolePolicy"],
        &["iam:CreateUser", "iam:CreateAccessKey", "iam:ListRoles"],
    );
    check(
        "arn:aws:iam::111122223333:role/path/x",
        &["iam:PassRole", "iam:GetRole", "iam:DeleteRole"],
        &["iam:CreateUser", "iam:GetInstanceProfile"],
    );
}

#[test]
fn question_marks_match_one_character() {
    check("arn:aws:iam::111122223333:role/ap?", &["iam:PassRole"], &[]);
    // `?` stands for the bucket name's one character, so the object needs `/` next.
    check("arn:aws:s3:::?", &["s3:ListBucket"], &["s3:GetObject"]);
    check("arn:aws:s3:::?/?", &["s3:GetObject"], &["s3:ListBucket"]);
}

/// Bucket names may hold `:` as far as the catalog knows, so `function:*` could be one.
#[test]
fn wildcards_in_the_service_part_search_every_service() {
    check(
        "arn:aws:*:*:*:function:*",
        &["lambda:InvokeFunction"],
        &["iam:PassRole", "s3:ListAllMyBuckets"],
    );
}

#[test]
fn resource_types_answer_for_themselves() {
    let s3 = catalog().service("s3").unwrap();
    let object = s3.resource_type("object").unwrap();
    assert!(object.can_match("arn:aws:s3:::acme-app-data/*"));
    assert!(!object.can_match("arn:aws:s3:::acme-app-data"));
    let bucket = s3.resource_type("bucket").unwrap();
    assert!(!bucket.can_match("arn:aws:s3:::acme-app-data/*"));
    let vars: Vec<_> = object.arn().variables().collect();
    assert_eq!(
        vars,
        vec![
            ("Partition", false, false),
            ("BucketName", false, true),
            ("ObjectName", true, true)
        ]
    );
}
