//! `iamsnap export` of resource-based policies and exposure settings against moto_server:
//! resources made with boto3, then the rows read back with `iamsnap query`; a denied call
//! recorded as a missing part; `--no-resources` recorded as not captured.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;
use crate::export::{ACCOUNT, export_ok, manifest, missing_parts, query, skipped};
use crate::moto::{FaultProxy, Faults, Moto};

/// A bucket policy open to everyone for reads, with a condition.
fn public_read() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "PublicRead", "Effect": "Allow",
        "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-public/*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})
}

/// Creates the resources of these tests with boto3 (the AWS CLI's library) from the test
/// virtualenv.
fn create_resources(endpoint: &str) {
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap();
    let script = r#"
import json, sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
s3 = boto3.client("s3", **kw)
s3.create_bucket(Bucket="acme-public")
s3.put_bucket_policy(Bucket="acme-public", Policy=sys.argv[2])
s3.put_bucket_tagging(Bucket="acme-public", Tagging={"TagSet": [
    {"Key": "team", "Value": "data"}, {"Key": "env", "Value": "prod"}]})
s3.create_bucket(Bucket="acme-locked", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
s3.put_public_access_block(Bucket="acme-locked", PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True,
    "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
s3.put_bucket_ownership_controls(Bucket="acme-locked", OwnershipControls={
    "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
s3.create_bucket(Bucket="acme-plain")
"#;
    let o = std::process::Command::new(python)
        .args(["-c", script, endpoint, &public_read().to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

fn started() -> Option<Moto> {
    let moto = Moto::start()?;
    create_resources(&moto.url);
    Some(moto)
}

fn settings(snap: &Path, bucket: &str) -> Vec<(String, String)> {
    query(
        snap,
        &format!(
            "select setting, value, source, region, account_id from resource_settings \
             where arn = 'arn:aws:s3:::{bucket}' order by setting"
        ),
    )
    .iter()
    .map(|r| {
        assert_eq!(r["account_id"], ACCOUNT, "{r}");
        (
            r["setting"].as_str().unwrap().to_owned(),
            r["value"].as_str().unwrap().to_owned(),
        )
    })
    .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn export_captures_bucket_policies_and_exposure_settings() {
    let Some(moto) = started() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let out = export_ok(&moto.url, &snap, &["--max-attempts", "2", "--verbose"]);
    assert!(
        out.contains("1 resource policies, 15 resource settings"),
        "{out}"
    );
    assert!(
        missing_parts(&snap).is_empty(),
        "{:?}",
        missing_parts(&snap)
    );

    let policies = query(
        &snap,
        "select account_id, region, service, resource_type, arn, name, policy, source, problem \
         from resource_policies",
    );
    assert_eq!(policies.len(), 1, "{policies:?}");
    let p = &policies[0];
    assert_eq!(p["account_id"], ACCOUNT);
    assert_eq!(p["region"], "us-east-1");
    assert_eq!(p["service"], "s3");
    assert_eq!(p["resource_type"], "bucket");
    assert_eq!(p["arn"], "arn:aws:s3:::acme-public");
    assert_eq!(p["name"], "acme-public");
    assert_eq!(p["source"], "s3:GetBucketPolicy");
    assert!(p["problem"].is_null(), "{p}");
    // The document as stored: compact JSON, the same document.
    let stored: Value = serde_json::from_str(p["policy"].as_str().unwrap()).unwrap();
    assert_eq!(stored, public_read());

    let off = [
        ("block_public_acls", "false"),
        ("block_public_policy", "false"),
        ("ignore_public_acls", "false"),
        ("restrict_public_buckets", "false"),
    ];
    let mut public = off.to_vec();
    public.extend([("tag:env", "prod"), ("tag:team", "data")]);
    public.sort();
    assert_eq!(settings(&snap, "acme-public"), pairs(&public));
    assert_eq!(
        settings(&snap, "acme-locked"),
        pairs(&[
            ("block_public_acls", "true"),
            ("block_public_policy", "true"),
            ("ignore_public_acls", "true"),
            ("object_ownership", "BucketOwnerEnforced"),
            ("restrict_public_buckets", "true"),
        ])
    );
    assert_eq!(settings(&snap, "acme-plain"), pairs(&off));
    // The bucket's own region, and the API each value was read with.
    let locked = query(
        &snap,
        "select distinct region, source from resource_settings \
         where arn = 'arn:aws:s3:::acme-locked' order by source",
    );
    assert_eq!(
        locked,
        vec![
            json!({"region": "eu-west-1", "source": "s3:GetBucketOwnershipControls"}),
            json!({"region": "eu-west-1", "source": "s3:GetPublicAccessBlock"}),
        ]
    );
    // A public bucket without Block Public Access, in one query.
    let exposed = query(
        &snap,
        "select p.name from resource_policies p join resource_settings s on s.arn = p.arn \
         where s.setting = 'block_public_policy' and s.value = 'false' \
         and p.policy like '%\"Principal\":\"*\"%'",
    );
    assert_eq!(exposed, vec![json!({"name": "acme-public"})]);
    assert_eq!(
        manifest(&snap)["format_version"],
        iamsnap_snapshot::FORMAT_VERSION
    );
}

#[test]
fn a_denied_resource_call_is_a_missing_part_naming_the_action() {
    let Some(moto) = started() else {
        return skipped();
    };
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            deny: Some("GetBucketPolicy"),
            ..Faults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let out = export_ok(&proxy.url, &snap, &["--max-attempts", "2"]);
    let missing = missing_parts(&snap);
    assert!(missing.keys().eq(["s3_bucket_policies"]), "{missing:?}");
    let part = &missing["s3_bucket_policies"];
    assert_eq!(part["action"], "s3:GetBucketPolicy");
    assert!(
        part["reason"]
            .as_str()
            .unwrap()
            .starts_with("AccessDenied: grant s3:GetBucketPolicy"),
        "{part}"
    );
    assert!(
        out.contains("missing: s3_bucket_policies: AccessDenied: grant s3:GetBucketPolicy"),
        "{out}"
    );
    // Denied once, not asked again for the other buckets; the settings are still read.
    assert_eq!(proxy.counts().requests["GetBucketPolicy"], 1);
    assert_eq!(rows(&snap, "resource_policies"), 0);
    assert_eq!(rows(&snap, "resource_settings"), 15);

    // --strict refuses to write an export without them.
    let strict = dir.path().join("strict");
    let o = crate::export::export(&proxy.url, &strict, &["--strict", "--max-attempts", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("s3:GetBucketPolicy"), "{}", stderr(&o));
    assert!(!strict.exists());
}

#[test]
fn no_resources_records_the_resource_tables_as_not_captured() {
    let Some(moto) = started() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    export_ok(&moto.url, &snap, &["--max-attempts", "2", "--no-resources"]);
    let missing = missing_parts(&snap);
    assert!(missing.keys().eq(["resources"]), "{missing:?}");
    assert!(
        missing["resources"]["reason"]
            .as_str()
            .unwrap()
            .contains("--no-resources")
    );
    assert_eq!(rows(&snap, "resource_policies"), 0);
    assert_eq!(rows(&snap, "resource_settings"), 0);
    let inspected = ok(&["inspect", s(&snap)]);
    assert!(inspected.contains("missing: resources"), "{inspected}");
}
