//! `iamsnap export` against a real local endpoint (moto_server): every table checked
//! against what the test created through the SDK, the same tables as `iamsnap import` of
//! the same account, AccessDenied recorded or fatal (--strict), throttling and server
//! errors retried.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

use aws_sdk_iam::Client;
use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_iam::types::{StatusType, Tag};
use serde_json::{Value, json};

use crate::common::*;
use crate::moto::{FaultProxy, Faults, Moto};

pub(crate) const ACCOUNT: &str = "123456789012";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn client(endpoint: &str) -> Client {
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .endpoint_url(endpoint)
        .build();
    Client::from_conf(config)
}

/// Runs `iamsnap export` against `endpoint` with test credentials and nothing from the
/// machine's AWS configuration.
pub(crate) fn export(endpoint: &str, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = iamsnap();
    cmd.args(["export", "--endpoint-url", endpoint, "-o", s(out)])
        .args(extra);
    with_test_credentials(&mut cmd);
    cmd.output().unwrap()
}

/// Test credentials and region, and nothing from the machine's AWS configuration.
pub(crate) fn with_test_credentials(cmd: &mut assert_cmd::Command) {
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL");
}

pub(crate) fn export_ok(endpoint: &str, out: &Path, extra: &[&str]) -> String {
    let o = export(endpoint, out, extra);
    assert!(
        o.status.success(),
        "export failed:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

pub(crate) fn query(snapshot: &Path, sql: &str) -> Vec<Value> {
    let out = ok(&["query", s(snapshot), sql, "--format", "json"]);
    match serde_json::from_str(&out).unwrap() {
        Value::Array(rows) => rows,
        other => panic!("not an array: {other}"),
    }
}

fn strings(rows: &[Value], column: &str) -> Vec<String> {
    rows.iter()
        .map(|r| {
            r[column]
                .as_str()
                .unwrap_or_else(|| panic!("{column} in {r}"))
                .to_owned()
        })
        .collect()
}

pub(crate) fn manifest(snapshot: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(snapshot.join("manifest.json")).unwrap()).unwrap()
}

fn doc(v: Value) -> String {
    v.to_string()
}

fn lambda_trust() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
}

fn github_trust() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "GitHubDeploy", "Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}}]})
}

fn partner_trust() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::999988887777:root", format!("arn:aws:iam::{ACCOUNT}:role/lambda-exec")]},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "acme-42"}}}]})
}

fn s3_read() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"]}]})
}

fn s3_all() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
        "Resource": "arn:aws:s3:::acme-data/*"}, {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}]})
}

fn deploy_inline() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["iam:PassRole", "lambda:UpdateFunctionCode"], "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]})
}

const SAML_METADATA: &str = r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.acme.example/saml"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.acme.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#;

/// What the test account holds, as created.
struct Created {
    key_ids: BTreeMap<String, (String, &'static str)>,
}

/// Creates users, groups, roles (service, OIDC and cross-account trust), managed and inline
/// policies, access keys, an instance profile, OIDC and SAML providers, a password policy
/// and an alias.
async fn create_account(iam: &Client) -> Created {
    let managed = |name: &'static str, d: Value| {
        iam.create_policy()
            .policy_name(name)
            .description(format!("{name} for tests"))
            .policy_document(doc(d))
            .send()
    };
    let data_read = managed("app-data-read", s3_read()).await.unwrap();
    let data_read_arn = data_read.policy().unwrap().arn().unwrap().to_owned();
    // A second version, made the default: both versions are exported.
    iam.create_policy_version()
        .policy_arn(&data_read_arn)
        .policy_document(doc(s3_all()))
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    let boundary = managed("dev-boundary", s3_read()).await.unwrap();
    let boundary_arn = boundary.policy().unwrap().arn().unwrap().to_owned();

    iam.create_group()
        .group_name("deployers")
        .path("/ci/")
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("deployers")
        .policy_arn(&data_read_arn)
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("deployers")
        .policy_name("deploy")
        .policy_document(doc(deploy_inline()))
        .send()
        .await
        .unwrap();

    iam.create_user()
        .user_name("ci-deployer")
        .path("/bots/")
        .tags(
            Tag::builder()
                .key("team")
                .value("platform")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("alice").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("deployers")
        .user_name("ci-deployer")
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("read-own")
        .policy_document(doc(s3_read()))
        .send()
        .await
        .unwrap();
    let mut key_ids = BTreeMap::new();
    for status in [StatusType::Active, StatusType::Inactive] {
        let key = iam
            .create_access_key()
            .user_name("ci-deployer")
            .send()
            .await
            .unwrap();
        let id = key.access_key().unwrap().access_key_id().to_owned();
        if status == StatusType::Inactive {
            iam.update_access_key()
                .user_name("ci-deployer")
                .access_key_id(&id)
                .status(StatusType::Inactive)
                .send()
                .await
                .unwrap();
        }
        key_ids.insert(
            id,
            (
                "ci-deployer".to_owned(),
                if status == StatusType::Active {
                    "Active"
                } else {
                    "Inactive"
                },
            ),
        );
    }

    for (name, trust, path) in [
        ("lambda-exec", lambda_trust(), "/service/"),
        ("gh-deploy", github_trust(), "/"),
        ("partner-sync", partner_trust(), "/"),
    ] {
        iam.create_role()
            .role_name(name)
            .path(path)
            .assume_role_policy_document(doc(trust))
            .tags(Tag::builder().key("owner").value(name).build().unwrap())
            .set_permissions_boundary((name == "partner-sync").then(|| boundary_arn.clone()))
            .send()
            .await
            .unwrap();
    }
    iam.attach_role_policy()
        .role_name("lambda-exec")
        .policy_arn(&data_read_arn)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("gh-deploy")
        .policy_name("deploy")
        .policy_document(doc(deploy_inline()))
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("lambda-exec-profile")
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("lambda-exec-profile")
        .role_name("lambda-exec")
        .send()
        .await
        .unwrap();

    iam.create_open_id_connect_provider()
        .url("https://token.actions.githubusercontent.com")
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("6938fd4d98bab03faadb97b34396831e3780aea1")
        .tags(Tag::builder().key("ci").value("github").build().unwrap())
        .send()
        .await
        .unwrap();
    iam.create_saml_provider()
        .name("acme-idp")
        .saml_metadata_document(SAML_METADATA)
        .send()
        .await
        .unwrap();
    iam.update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .require_numbers(true)
        .max_password_age(90)
        .password_reuse_prevention(5)
        .send()
        .await
        .unwrap();
    iam.create_account_alias()
        .account_alias("acme-prod")
        .send()
        .await
        .unwrap();
    Created { key_ids }
}

fn started() -> Option<(Moto, tokio::runtime::Runtime, Created)> {
    let moto = Moto::start()?;
    let rt = runtime();
    let created = rt.block_on(create_account(&client(&moto.url)));
    Some((moto, rt, created))
}

pub(crate) fn skipped() {
    eprintln!("IAMSNAP_SKIP_MOTO=1: export test skipped");
}

pub(crate) fn missing_parts(snapshot: &Path) -> BTreeMap<String, Value> {
    manifest(snapshot)["missing"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| (p["part"].as_str().unwrap().to_owned(), p.clone()))
                .filter(|(part, _)| !MOTO_LACKS.contains(&part.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// Parts moto cannot serve wherever there is a bucket: it answers `GetBucketAbac` with
/// the bucket's listing. tests/e2e/resources.rs checks that the export records them.
pub(crate) const MOTO_LACKS: &[&str] = &["s3_bucket_abac"];

#[test]
fn export_captures_every_table_of_the_account() {
    let Some((moto, _rt, created)) = started() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let out = export_ok(&moto.url, &snap, &["--max-attempts", "4", "--verbose"]);
    assert!(
        out.contains(&format!("exported account {ACCOUNT}")),
        "{out}"
    );
    assert!(out.contains("GetAccountAuthorizationDetails: "), "{out}");

    let m = manifest(&snap);
    assert_eq!(m["source"]["kind"], "export");
    assert_eq!(m["account_ids"], json!([ACCOUNT]));
    // Every table of the format is there.
    let tables: BTreeSet<&str> = m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for t in iamsnap_snapshot::TABLES {
        assert!(tables.contains(t.name), "{} missing", t.name);
    }

    let users = query(
        &snap,
        "select name, path, group_names, tags from users order by name",
    );
    assert_eq!(strings(&users, "name"), ["alice", "ci-deployer"]);
    assert_eq!(users[1]["path"], "/bots/");
    assert_eq!(users[1]["group_names"], json!(["deployers"]));
    assert_eq!(users[1]["tags"], json!({"team": "platform"}));

    let roles = query(
        &snap,
        "select name, path, assume_role_policy, permissions_boundary_arn, tags from roles order by name",
    );
    assert_eq!(
        strings(&roles, "name"),
        ["gh-deploy", "lambda-exec", "partner-sync"]
    );
    let trust_of = |i: usize| -> Value {
        serde_json::from_str(roles[i]["assume_role_policy"].as_str().unwrap()).unwrap()
    };
    assert_eq!(trust_of(0), github_trust());
    assert_eq!(trust_of(1), lambda_trust());
    assert_eq!(trust_of(2), partner_trust());
    assert_eq!(roles[1]["path"], "/service/");
    assert_eq!(roles[2]["tags"], json!({"owner": "partner-sync"}));
    assert_eq!(
        roles[2]["permissions_boundary_arn"],
        format!("arn:aws:iam::{ACCOUNT}:policy/dev-boundary")
    );
    assert!(roles[0]["permissions_boundary_arn"].is_null());

    let groups = query(&snap, "select name, path from groups");
    assert_eq!(groups, vec![json!({"name": "deployers", "path": "/ci/"})]);
    let members = query(&snap, "select group_name, user_name from group_members");
    assert_eq!(
        members,
        vec![json!({"group_name": "deployers", "user_name": "ci-deployer"})]
    );

    let policies = query(
        &snap,
        "select name, policy_type, default_version_id, document from policies order by policy_type, name",
    );
    let names: Vec<(String, String)> = policies
        .iter()
        .map(|p| {
            (
                p["policy_type"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("customer_managed", "app-data-read"),
            ("customer_managed", "dev-boundary"),
            ("inline", "deploy"),
            ("inline", "deploy"),
            ("inline", "read-own"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(policies[0]["default_version_id"], "v2");
    let default_doc: Value =
        serde_json::from_str(policies[0]["document"].as_str().unwrap()).unwrap();
    assert_eq!(default_doc, s3_all());
    let versions = query(
        &snap,
        "select version_id, is_default, document from policy_versions where policy_arn like '%app-data-read' order by version_id",
    );
    assert_eq!(strings(&versions, "version_id"), ["v1", "v2"]);
    assert_eq!(versions[1]["is_default"], true);
    let v1: Value = serde_json::from_str(versions[0]["document"].as_str().unwrap()).unwrap();
    assert_eq!(v1, s3_read());

    let attachments = query(
        &snap,
        "select principal_name, policy_name, via from attachments order by principal_name, policy_name, via",
    );
    let got: Vec<String> = attachments
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a["principal_name"].as_str().unwrap(),
                a["policy_name"].as_str().unwrap(),
                a["via"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "alice read-own direct",
            "ci-deployer app-data-read group",
            "ci-deployer deploy group",
            "deployers app-data-read direct",
            "deployers deploy direct",
            "gh-deploy deploy direct",
            "lambda-exec app-data-read direct",
        ]
    );

    // One statement row per statement in force: managed defaults, inline, trust.
    let expected_statements = [
        s3_all(),
        s3_read(),
        deploy_inline(),
        deploy_inline(),
        s3_read(),
        github_trust(),
        lambda_trust(),
        partner_trust(),
    ]
    .iter()
    .map(|d| d["Statement"].as_array().unwrap().len())
    .sum::<usize>();
    assert_eq!(rows(&snap, "statements") as usize, expected_statements);

    let trust = query(
        &snap,
        "select role_name, principal_type, principal, principal_kind, is_cross_account, condition_keys from trust order by role_name, principal",
    );
    let kinds: Vec<String> = trust
        .iter()
        .map(|t| {
            format!(
                "{} {} {}",
                t["role_name"].as_str().unwrap(),
                t["principal_kind"].as_str().unwrap(),
                t["is_cross_account"]
            )
        })
        .collect();
    assert_eq!(kinds.len(), 4, "{trust:?}");
    assert!(kinds[0].starts_with("gh-deploy oidc"), "{kinds:?}");
    assert!(kinds[1].starts_with("lambda-exec service"), "{kinds:?}");
    assert_eq!(kinds[2].split(' ').nth(2), Some("false"), "{kinds:?}");
    assert_eq!(kinds[3].split(' ').nth(2), Some("true"), "{kinds:?}");
    assert_eq!(trust[3]["principal"], "arn:aws:iam::999988887777:root");
    assert_eq!(trust[3]["condition_keys"], json!(["sts:ExternalId"]));

    let profiles = query(&snap, "select name, role_name from instance_profiles");
    assert_eq!(
        profiles,
        vec![json!({"name": "lambda-exec-profile", "role_name": "lambda-exec"})]
    );

    let keys = query(
        &snap,
        "select user_name, access_key_id, status, source, create_date from access_keys order by access_key_id",
    );
    let got: BTreeMap<String, (String, String)> = keys
        .iter()
        .map(|k| {
            assert_eq!(k["source"], "api");
            assert!(k["create_date"].is_string(), "{k}");
            (
                k["access_key_id"].as_str().unwrap().to_owned(),
                (
                    k["user_name"].as_str().unwrap().to_owned(),
                    k["status"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    let expected: BTreeMap<String, (String, String)> = created
        .key_ids
        .iter()
        .map(|(id, (user, status))| (id.clone(), (user.clone(), (*status).to_owned())))
        .collect();
    assert_eq!(got, expected);

    let report = query(
        &snap,
        "select user, access_key_1_active, access_key_2_active from credential_report where user <> '<root_account>' order by user",
    );
    assert_eq!(strings(&report, "user"), ["alice", "ci-deployer"]);
    assert_eq!(report[1]["access_key_1_active"], true);

    let oidc = query(
        &snap,
        "select arn, url, client_ids, thumbprints, tags from oidc_providers",
    );
    assert_eq!(
        oidc,
        vec![json!({
            "arn": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"),
            "url": "token.actions.githubusercontent.com",
            "client_ids": ["sts.amazonaws.com"],
            "thumbprints": ["6938fd4d98bab03faadb97b34396831e3780aea1"],
            "tags": {"ci": "github"},
        })]
    );
    // The OIDC role's trust names exactly that provider.
    assert_eq!(trust[0]["principal"], oidc[0]["arn"]);

    let saml = query(
        &snap,
        "select arn, name, metadata_document from saml_providers",
    );
    assert_eq!(saml.len(), 1);
    assert_eq!(saml[0]["name"], "acme-idp");
    assert_eq!(
        saml[0]["arn"],
        format!("arn:aws:iam::{ACCOUNT}:saml-provider/acme-idp")
    );
    assert!(
        saml[0]["metadata_document"]
            .as_str()
            .unwrap()
            .contains("https://idp.acme.example/saml")
    );

    let settings = query(
        &snap,
        "select account_id, aliases, password_policy_exists, minimum_password_length, require_symbols, require_uppercase_characters, max_password_age, password_reuse_prevention from account_settings",
    );
    assert_eq!(
        settings,
        vec![json!({
            "account_id": ACCOUNT, "aliases": ["acme-prod"], "password_policy_exists": true,
            "minimum_password_length": 14, "require_symbols": true,
            "require_uppercase_characters": false, "max_password_age": 90,
            "password_reuse_prevention": 5,
        })]
    );

    // moto answers GenerateServiceLastAccessedDetails with HTTP 500: recorded, not fatal,
    // and the principals after the first are not asked.
    assert_eq!(rows(&snap, "service_last_accessed"), 0);
    let missing = missing_parts(&snap);
    assert_eq!(
        missing.keys().collect::<Vec<_>>(),
        ["service_last_accessed"],
        "{missing:?}"
    );
    let reason = missing["service_last_accessed"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("GenerateServiceLastAccessedDetails failed"),
        "{reason}"
    );
    assert!(missing["service_last_accessed"].get("action").is_none());
    assert!(
        out.contains("GenerateServiceLastAccessedDetails: 1\n"),
        "{out}"
    );

    // inspect shows the missing part.
    let inspected = ok(&["inspect", s(&snap)]);
    assert!(
        inspected
            .contains("missing: service_last_accessed: GenerateServiceLastAccessedDetails failed"),
        "{inspected}"
    );
    for t in [
        "oidc_providers",
        "saml_providers",
        "service_last_accessed",
        "account_settings",
    ] {
        assert!(inspected.contains(t), "{inspected}");
    }
}

/// The export and `iamsnap import` of the same account (as `aws iam
/// get-account-authorization-details` prints it) give identical tables: one path.
#[test]
fn export_and_import_of_the_same_account_give_identical_tables() {
    let Some((moto, _rt, _)) = started() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let exported = dir.path().join("exported");
    export_ok(&moto.url, &exported, &["--max-attempts", "2"]);

    // The AWS CLI's output of the same account, made with boto3 (which the AWS CLI is built
    // on) from the test virtualenv.
    let details = dir.path().join("account.json");
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap();
    let script = r#"
import json, sys, boto3
c = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing")
out = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
for page in c.get_paginator("get_account_authorization_details").paginate():
    for k in out:
        out[k].extend(page.get(k, []))
# moto leaves out managed policies' names and ids (AWS does not): the exporter asks
# GetPolicy for them, and so does this script.
for p in out["Policies"]:
    if "PolicyName" not in p or "PolicyId" not in p:
        got = c.get_policy(PolicyArn=p["Arn"])["Policy"]
        p["PolicyName"], p["PolicyId"] = got["PolicyName"], got["PolicyId"]
json.dump(out, open(sys.argv[2], "w"), default=lambda d: d.isoformat())
"#;
    let o = std::process::Command::new(python)
        .args(["-c", script, &moto.url, s(&details)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let imported = dir.path().join("imported");
    ok(&["import", "--auth-details", s(&details), "-o", s(&imported)]);

    let hashes = |snap: &Path| -> BTreeMap<String, String> {
        manifest(snap)["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_owned(),
                    t["sha256"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (a, b) = (hashes(&exported), hashes(&imported));
    for table in [
        "users",
        "roles",
        "groups",
        "group_members",
        "policies",
        "policy_versions",
        "attachments",
        "statements",
        "trust",
        "instance_profiles",
    ] {
        assert_eq!(
            a[table], b[table],
            "table {table} differs between export and import"
        );
    }
    // The parts only the API gives are empty in the import.
    for table in [
        "oidc_providers",
        "saml_providers",
        "service_last_accessed",
        "account_settings",
    ] {
        assert_eq!(rows(&imported, table), 0);
    }
}

#[test]
fn access_denied_is_recorded_with_the_action_to_grant_and_strict_writes_nothing() {
    let Some((moto, _rt, _)) = started() else {
        return skipped();
    };
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            deny: Some("ListAccessKeys"),
            ..Faults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let out = export_ok(&proxy.url, &snap, &["--max-attempts", "2"]);
    let missing = missing_parts(&snap);
    let keys = &missing["access_keys"];
    assert_eq!(keys["action"], "iam:ListAccessKeys");
    assert!(
        keys["reason"]
            .as_str()
            .unwrap()
            .starts_with("AccessDenied: grant iam:ListAccessKeys"),
        "{keys}"
    );
    assert!(
        out.contains("missing: access_keys: AccessDenied: grant iam:ListAccessKeys"),
        "{out}"
    );
    // Denied once, not asked again for the other user.
    assert_eq!(proxy.counts().requests["ListAccessKeys"], 1);
    assert_eq!(proxy.counts().denied, 1);
    // The rest is there, and the keys come from the credential report instead.
    assert_eq!(rows(&snap, "users"), 2);
    assert_eq!(rows(&snap, "roles"), 3);
    let keys = query(
        &snap,
        "select user_name, access_key_id, source from access_keys order by key_slot",
    );
    assert_eq!(keys.len(), 2, "{keys:?}");
    for k in &keys {
        assert_eq!(k["source"], "credential_report");
        assert_eq!(k["user_name"], "ci-deployer");
        assert!(k["access_key_id"].is_null());
    }
    let inspected = ok(&["inspect", s(&snap)]);
    assert!(
        inspected.contains("missing: access_keys: AccessDenied: grant iam:ListAccessKeys"),
        "{inspected}"
    );
    let json_inspect: Value =
        serde_json::from_str(&ok(&["inspect", s(&snap), "--format", "json"])).unwrap();
    assert!(
        json_inspect["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["part"] == "access_keys")
    );

    // --strict: exit 2, the action named, nothing on disk.
    let strict_dir = tempfile::tempdir().unwrap();
    let strict = strict_dir.path().join("out/snap");
    let o = export(&proxy.url, &strict, &["--strict", "--max-attempts", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}\n{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("iam:ListAccessKeys"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(
        listing(strict_dir.path()).is_empty(),
        "{:?}",
        listing(strict_dir.path())
    );
}

#[test]
fn throttling_and_server_errors_are_retried_and_change_nothing() {
    let Some((moto, _rt, _)) = started() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let direct = dir.path().join("direct");
    export_ok(&moto.url, &direct, &["--max-attempts", "2"]);

    const INJECTED: usize = 8;
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            transient: INJECTED,
            ..Faults::default()
        },
    );
    let through = dir.path().join("through-proxy");
    let out = export_ok(
        &proxy.url,
        &through,
        &["--max-attempts", "6", "--concurrency", "4", "--verbose"],
    );
    let counts = proxy.counts();
    assert_eq!(counts.transient_injected as usize, INJECTED);
    // The exporter counted every attempt the proxy received, and the retries among them.
    let line = out
        .lines()
        .find(|l| l.contains("HTTP attempts"))
        .unwrap_or_else(|| panic!("{out}"));
    let number = |after: &str| -> u64 {
        let words: Vec<&str> = line
            .split([' ', '(', ';', ','])
            .filter(|w| !w.is_empty())
            .collect();
        let at = words.iter().position(|w| *w == after).unwrap();
        words[at - 1].parse().unwrap()
    };
    assert_eq!(number("HTTP"), counts.total(), "{line}");
    // Injected failures plus moto's own 500s on GenerateServiceLastAccessedDetails.
    let moto_500s = counts.requests["GenerateServiceLastAccessedDetails"];
    assert_eq!(number("retries"), INJECTED as u64 + moto_500s - 1, "{line}");
    assert!(number("throttled") >= (INJECTED / 2) as u64, "{line}");
    assert!(
        missing_parts(&through).keys().eq(["service_last_accessed"]),
        "{:?}",
        missing_parts(&through)
    );

    // Same tables as the export without faults.
    let hashes = |snap: &Path| -> Vec<(String, String)> {
        manifest(snap)["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_owned(),
                    t["sha256"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(hashes(&direct), hashes(&through));
}

#[test]
fn an_existing_output_is_refused_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    // Nothing listens on port 9: the refusal comes first.
    let o = export("http://127.0.0.1:9", dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(listing(dir.path()), ["notes.txt"]);
}

#[test]
fn missing_credentials_say_how_to_configure_them() {
    let dir = tempfile::tempdir().unwrap();
    let o = iamsnap()
        .args([
            "export",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "-o",
            s(&dir.path().join("snap")),
        ])
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("no AWS credentials"), "{err}");
    assert!(err.contains("aws configure"), "{err}");
    assert!(listing(dir.path()).is_empty());
}

/// The benchmark of docs/performance.md: a 2,000-role account in moto, exported once.
/// `cargo test -p iamsnap --test e2e export::benchmark -- --ignored --nocapture`
#[test]
#[ignore]
fn benchmark_export_2000_roles() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let roles: usize = std::env::var("IAMSNAP_BENCH_ROLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let rt = runtime();
    let iam = client(&moto.url);
    let created = std::time::Instant::now();
    rt.block_on(async {
        let policy = iam
            .create_policy()
            .policy_name("app-data-read")
            .policy_document(doc(s3_read()))
            .send()
            .await
            .unwrap();
        let arn = policy.policy().unwrap().arn().unwrap().to_owned();
        let mut set = tokio::task::JoinSet::new();
        for i in 0..roles {
            let iam = iam.clone();
            let arn = arn.clone();
            set.spawn(async move {
                let name = format!("svc-{i:05}");
                iam.create_role()
                    .role_name(&name)
                    .assume_role_policy_document(doc(lambda_trust()))
                    .send()
                    .await
                    .unwrap();
                iam.attach_role_policy()
                    .role_name(&name)
                    .policy_arn(&arn)
                    .send()
                    .await
                    .unwrap();
                iam.put_role_policy()
                    .role_name(&name)
                    .policy_name("inline")
                    .policy_document(doc(deploy_inline()))
                    .send()
                    .await
                    .unwrap();
            });
            if set.len() >= 8 {
                set.join_next().await.unwrap().unwrap();
            }
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
        for i in 0..50 {
            let name = format!("bot-{i:03}");
            iam.create_user().user_name(&name).send().await.unwrap();
            iam.create_access_key()
                .user_name(&name)
                .send()
                .await
                .unwrap();
        }
    });
    eprintln!(
        "created {roles} roles and 50 users in {:.1} s",
        created.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap();
    // With the default retries (moto's HTTP 500 on GenerateServiceLastAccessedDetails is
    // retried with backoff), then with a single retry.
    for (i, extra) in [&[][..], &["--max-attempts", "2"][..]]
        .into_iter()
        .enumerate()
    {
        let snap = dir.path().join(format!("snap-{i}"));
        let args: Vec<&str> = ["--verbose"].iter().chain(extra).copied().collect();
        let start = std::time::Instant::now();
        let out = export_ok(&moto.url, &snap, &args);
        let wall = start.elapsed().as_secs_f64();
        eprintln!("export {args:?}: wall time {wall:.2} s\n{out}");
        assert_eq!(rows(&snap, "roles") as usize, roles);
    }
}
