//! Resource-based policies captured with the AWS CLI alone (`scripts/capture-org` against
//! moto_server, resources made by `create_org_resources.py` in the management account and a
//! member account) and imported with `iamsnap import --aws-cli`: the three resource tables
//! hold, for each account, exactly the rows `iamsnap export` of that account writes. Hostile
//! or broken captures: a malformed document is kept with its problem (as export keeps it), a
//! denied call is a missing part naming the action, a name that would point outside the
//! capture is refused or cannot reach outside it.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;
use crate::export::{manifest, query, skipped, with_test_credentials};
use crate::moto::Moto;
use crate::org::capture_org;

const TABLES: [&str; 3] = ["resource_policies", "resource_settings", "kms_grants"];

/// The rows of `table` for `account`, in a stable order.
fn rows(snap: &Path, table: &str, account: &str) -> Vec<Value> {
    let mut rows = query(
        snap,
        &format!("select * from {table} where account_id = '{account}'"),
    );
    rows.sort_by_key(|r| r.to_string());
    rows
}

/// The resource parts missing for `account` (and the export's, which name no account), as
/// (part, region, action).
fn missing_of(manifest: &Value, account: &str) -> Vec<(String, String, String)> {
    let mut parts: Vec<(String, String, String)> = manifest["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["account"].is_null() || p["account"] == account)
        .filter(|p| p["part"] != "service_last_accessed")
        .map(|p| {
            (
                p["part"].as_str().unwrap().to_owned(),
                p["region"].as_str().unwrap_or("").to_owned(),
                p["action"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    parts.sort();
    parts
}

/// `iamsnap export` of the account whose credentials `creds` are (from
/// `create_org_resources.py`).
fn export_with(moto: &Moto, out: &Path, creds: &Value) {
    let mut cmd = iamsnap();
    cmd.args([
        "export",
        "--endpoint-url",
        &moto.url,
        "-o",
        s(out),
        "--regions",
        "us-east-1,eu-west-1",
    ]);
    with_test_credentials(&mut cmd);
    cmd.env("AWS_ACCESS_KEY_ID", creds["AccessKeyId"].as_str().unwrap())
        .env(
            "AWS_SECRET_ACCESS_KEY",
            creds["SecretAccessKey"].as_str().unwrap(),
        );
    if let Some(token) = creds["SessionToken"].as_str() {
        cmd.env("AWS_SESSION_TOKEN", token);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "export failed:\n{}", stderr(&o));
}

#[test]
fn resource_policies_captured_with_the_aws_cli_import_as_export_reads_them() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap();
    let o = std::process::Command::new(&python)
        .arg(root().join("tests/e2e/create_org.py"))
        .arg(&moto.url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let created: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mgmt = created["management"].as_str().unwrap();
    let payments = created["payments"].as_str().unwrap();
    let o = std::process::Command::new(&python)
        .arg(root().join("tests/e2e/create_org_resources.py"))
        .args([&moto.url, mgmt, payments])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let creds: Value = serde_json::from_slice(&o.stdout).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("capture");
    // The AWS CLI sends S3 Control calls to `<account id>.<endpoint host>`, which a loopback
    // address cannot take: moto_server, as an HTTP proxy, answers them whatever the host.
    capture_org(
        &moto,
        &out,
        &[
            "--accounts",
            &format!("{mgmt},{payments}"),
            "--regions",
            "us-east-1,eu-west-1",
        ],
        &[
            ("HTTP_PROXY", &moto.url),
            ("NO_PROXY", ""),
            ("no_proxy", ""),
        ],
    );
    let snap = dir.path().join("snap");
    let o = run(&["import", "--aws-cli", s(&out), "-o", s(&snap)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("resources: 28 resource policies, 70 resource settings, 2 KMS grants"),
        "{}",
        stdout(&o)
    );
    let m = manifest(&snap);
    assert!(
        m["source"]["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "resources"
                && i["name"]
                    == format!(
                        "accounts/{payments}/resources/us-east-1/ecr/get-repository-policy/team%2Fapp.json"
                    )),
        "{}",
        m["source"]
    );

    for (account, creds) in [(mgmt, &creds[mgmt]), (payments, &creds[payments])] {
        let exported = dir.path().join(format!("export-{account}"));
        export_with(&moto, &exported, creds);
        // What moto does not serve is missing on both sides, per part and region: vault
        // access policies (moto answers 404 without an error code) and the buckets' ABAC
        // status (moto answers with the bucket's listing, which has no status).
        assert_eq!(
            missing_of(&manifest(&snap), account),
            missing_of(&manifest(&exported), account),
            "the missing parts of {account}"
        );
        for table in TABLES {
            let imported = rows(&snap, table, account);
            assert!(!imported.is_empty(), "{table} of {account}");
            assert_eq!(
                imported,
                rows(&exported, table, account),
                "{table} of {account}: the import and the export differ"
            );
        }
    }
    // Names with a `/`, in their own rows.
    let named = query(
        &snap,
        &format!(
            "select service, name, region from resource_policies where account_id = '{payments}' \
             and service in ('secretsmanager', 'ecr') order by service"
        ),
    );
    assert_eq!(
        named,
        [
            json!({"service": "ecr", "name": "team/app", "region": "us-east-1"}),
            json!({"service": "secretsmanager", "name": "app/db", "region": "us-east-1"}),
        ]
    );

    // --no-resources: the account's resources are not captured, and the import says so.
    let bare = dir.path().join("bare");
    capture_org(&moto, &bare, &["--accounts", mgmt, "--no-resources"], &[]);
    assert!(!bare.join("accounts").join(mgmt).join("resources").exists());
    let bare_snap = dir.path().join("bare-snap");
    ok(&["import", "--aws-cli", s(&bare), "-o", s(&bare_snap)]);
    let parts: Vec<Value> = manifest(&bare_snap)["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["account"] == mgmt)
        .cloned()
        .collect();
    assert_eq!(parts.len(), 1, "{parts:?}");
    assert_eq!(parts[0]["part"], "resources");
    assert!(
        parts[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not captured"),
        "{}",
        parts[0]
    );
    assert!(query(&bare_snap, "select * from resource_policies").is_empty());
}

/// A generated organization capture without its generated resources (as captured by an
/// older `capture-org`), then with a hand-made `resources/` folder for its first account:
/// `files` by path under it.
fn capture_with(dir: &Path, files: &[(&str, &str)]) -> (std::path::PathBuf, String) {
    let capture = dir.join("capture");
    ok(&["generate", "--org", "--accounts", "2", "-o", s(&capture)]);
    let mut accounts: Vec<String> = fs::read_dir(capture.join("accounts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    accounts.sort();
    let account = accounts[0].clone();
    for a in &accounts {
        fs::remove_dir_all(capture.join("accounts").join(a).join("resources")).unwrap();
    }
    let base = capture.join("accounts").join(&account).join("resources");
    for (path, text) in files {
        let file = base.join(path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, text).unwrap();
    }
    (capture, account)
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acme-encoded/*"}]}"#;

#[test]
fn broken_and_denied_resource_files_are_kept_with_their_problem_or_missing() {
    let dir = tempfile::tempdir().unwrap();
    let encoded: String = POLICY
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let encoded_answer = json!({ "Policy": encoded }).to_string();
    let (capture, account) = capture_with(
        dir.path(),
        &[
            (
                "global/s3api/list-buckets.json",
                r#"{"Buckets":[{"Name":"acme-broken"},{"Name":"acme-encoded"}]}"#,
            ),
            (
                "global/s3api/get-bucket-location/acme-broken.json",
                r#"{"LocationConstraint":"eu-west-1"}"#,
            ),
            (
                "global/s3api/get-bucket-location/acme-encoded.json",
                r#"{"LocationConstraint":null}"#,
            ),
            (
                "global/s3api/get-bucket-policy/acme-broken.json",
                r#"{"Policy":"{\"Version\": \"2012-10-17\", \"Statement\": ["}"#,
            ),
            (
                "global/s3api/get-bucket-policy/acme-encoded.json",
                &encoded_answer,
            ),
            (
                "global/s3api/get-bucket-tagging/acme-broken.error.txt",
                "\nAn error occurred (AccessDenied) when calling the GetBucketTagging operation: Access Denied\n",
            ),
            (
                "global/s3api/get-bucket-tagging/acme-encoded.error.txt",
                "\nAn error occurred (AccessDenied) when calling the GetBucketTagging operation: Access Denied\n",
            ),
            (
                "global/s3api/get-public-access-block/acme-broken.none",
                "NoSuchPublicAccessBlockConfiguration\n",
            ),
            (
                "global/s3api/get-public-access-block/acme-encoded.none",
                "NoSuchPublicAccessBlockConfiguration\n",
            ),
            (
                "global/s3api/get-bucket-ownership-controls/acme-broken.none",
                "OwnershipControlsNotFoundError\n",
            ),
            (
                "global/s3api/get-bucket-ownership-controls/acme-encoded.none",
                "OwnershipControlsNotFoundError\n",
            ),
            (
                "global/s3control/get-public-access-block.none",
                "NoSuchPublicAccessBlockConfiguration\n",
            ),
        ],
    );
    let snap = dir.path().join("snap");
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&snap)]);
    // As export does: a document that is not JSON is kept as given, with its problem; a
    // URL-encoded one is decoded and stored compact.
    let policies = query(
        &snap,
        "select name, region, policy, problem from resource_policies order by name",
    );
    assert_eq!(policies.len(), 2, "{policies:?}");
    assert_eq!(policies[0]["name"], "acme-broken");
    assert_eq!(policies[0]["region"], "eu-west-1");
    assert_eq!(
        policies[0]["policy"],
        r#"{"Version": "2012-10-17", "Statement": ["#
    );
    assert!(
        policies[0]["problem"]
            .as_str()
            .unwrap()
            .starts_with("the document is not JSON"),
        "{}",
        policies[0]
    );
    assert_eq!(policies[1]["name"], "acme-encoded");
    assert_eq!(policies[1]["region"], "us-east-1");
    assert_eq!(policies[1]["policy"], POLICY);
    assert!(policies[1]["problem"].is_null(), "{}", policies[1]);
    // No configuration: every Block Public Access setting off, for buckets and account.
    let off = query(
        &snap,
        "select count(*) as n from resource_settings where value = 'false'",
    );
    assert_eq!(off[0]["n"], 12);

    // The denied call: one missing part naming the action, for both buckets.
    let m = manifest(&snap);
    let missing = m["missing"].as_array().unwrap();
    let tags: Vec<&Value> = missing
        .iter()
        .filter(|p| p["part"] == "s3_bucket_tags")
        .collect();
    assert_eq!(tags.len(), 1, "{missing:?}");
    assert_eq!(tags[0]["action"], "s3:GetBucketTagging");
    assert_eq!(tags[0]["account"], account.as_str());
    let reason = tags[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(
            "AccessDenied: grant s3:GetBucketTagging (`aws s3api get-bucket-tagging` was refused"
        ),
        "{reason}"
    );
    assert!(reason.ends_with("(2 calls failed)"), "{reason}");
    // The other account has no resources folder: not captured.
    assert!(
        missing.iter().any(|p| p["part"] == "resources"
            && p["account"] != account.as_str()
            && p["reason"].as_str().unwrap().starts_with("not captured")),
        "{missing:?}"
    );
    let inspect = ok(&["inspect", s(&snap)]);
    assert!(
        inspect.contains(&format!("missing: s3_bucket_tags (account {account})")),
        "{inspect}"
    );
}

#[test]
fn a_name_in_a_resource_listing_cannot_point_outside_the_capture() {
    let dir = tempfile::tempdir().unwrap();
    // A bucket name that is a path: refused, naming the file, nothing written.
    let (capture, account) = capture_with(
        dir.path(),
        &[(
            "global/s3api/list-buckets.json",
            r#"{"Buckets":[{"Name":"../../../../outside"}]}"#,
        )],
    );
    let outside = dir.path().join("outside.json");
    fs::write(&outside, r#"{"Policy": "secret"}"#).unwrap();
    let dest = dir.path().join("snap");
    let o = run(&["import", "--aws-cli", s(&capture), "-o", s(&dest)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "`../../../../outside` (a bucket name in `accounts/{account}/resources/global/s3api/list-buckets.json`) is not a bucket name"
        )),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
    assert!(!dest.exists());

    // A secret name may hold `/` and `.`: it names one file of the capture, never a path
    // out of it (what it would point at is not read; the policy is missing, not taken
    // from there).
    let dir = tempfile::tempdir().unwrap();
    let (capture, _) = capture_with(
        dir.path(),
        &[(
            "us-east-1/secretsmanager/list-secrets.json",
            r#"{"SecretList":[{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:../../../../../../outside","Name":"../../../../../../outside"}]}"#,
        )],
    );
    // Where the name would lead, were it a path.
    let outside = dir.path().join("outside.json");
    fs::write(&outside, r#"{"ResourcePolicy": "{\"secret\": 1}"}"#).unwrap();
    let snap = dir.path().join("snap");
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&snap)]);
    assert!(query(&snap, "select * from resource_policies").is_empty());
    let m = manifest(&snap);
    let part = m["missing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["part"] == "secret_policies")
        .unwrap_or_else(|| panic!("{}", m["missing"]))
        .clone();
    assert!(
        part["reason"]
            .as_str()
            .unwrap()
            .contains("get-resource-policy/%2E.%2F..%2F..%2F..%2F..%2F..%2Foutside.json"),
        "{part}"
    );

    // A folder under resources/ that is not a region: refused.
    let dir = tempfile::tempdir().unwrap();
    let (capture, account) = capture_with(dir.path(), &[("not a region/kms/list-keys.json", "{}")]);
    let err = fails(&[
        "import",
        "--aws-cli",
        s(&capture),
        "-o",
        s(&dir.path().join("snap")),
    ]);
    assert!(
        err.contains(&format!(
            "`accounts/{account}/resources/not a region` is not a region folder"
        )),
        "{err}"
    );
}

#[test]
fn the_newer_kinds_are_read_from_hand_made_files_with_their_problems_and_denials() {
    let dir = tempfile::tempdir().unwrap();
    let table_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"dynamodb:GetItem","Resource":"*"}]}"#;
    let encoded: String = table_policy
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let encoded_answer = json!({ "Policy": encoded }).to_string();
    let (capture, account) = capture_with(
        dir.path(),
        &[
            (
                "us-east-1/dynamodb/list-tables.json",
                "{\n    \"TableNames\": [\n        \"orders\",\n        \"plain\"\n    ]\n}\n",
            ),
            (
                "us-east-1/dynamodb/get-resource-policy/orders.json",
                &encoded_answer,
            ),
            (
                "us-east-1/dynamodb/get-resource-policy/plain.none",
                "PolicyNotFoundException\n",
            ),
            (
                "us-east-1/events/list-event-buses.json",
                r#"{"EventBuses":[{"Name":"default","Arn":"arn:aws:events:us-east-1:111122223333:event-bus/default","Policy":"{\"Version\": \"2012-10-17\", \"Statement\": ["}]}"#,
            ),
            (
                "us-east-1/efs/describe-file-systems.error.txt",
                "\nAn error occurred (AccessDeniedException) when calling the DescribeFileSystems operation: User: arn:aws:sts::111122223333:assumed-role/audit/x is not authorized to perform: elasticfilesystem:DescribeFileSystems\n",
            ),
        ],
    );
    let snap = dir.path().join("snap");
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&snap)]);
    let policies = query(
        &snap,
        "select service, resource_type, name, arn, policy, source, problem from resource_policies \
         where service in ('dynamodb', 'events') order by service",
    );
    assert_eq!(policies.len(), 2, "{policies:?}");
    // The URL-encoded document, decoded as the export keeps it.
    assert_eq!(
        policies[0],
        json!({"service": "dynamodb", "resource_type": "table", "name": "orders",
            "arn": format!("arn:aws:dynamodb:us-east-1:{account}:table/orders"),
            "policy": table_policy, "source": "dynamodb:GetResourcePolicy"})
    );
    // The malformed one, kept with its problem.
    assert_eq!(policies[1]["name"], "default");
    assert_eq!(policies[1]["source"], "events:ListEventBuses");
    assert!(
        policies[1]["problem"]
            .as_str()
            .unwrap()
            .starts_with("the document is not JSON"),
        "{}",
        policies[1]
    );
    let m = manifest(&snap);
    let missing = m["missing"].as_array().unwrap();
    // "No policy" is not missing; the denied listing is, naming its action and region.
    assert!(
        !missing
            .iter()
            .any(|p| p["part"] == "dynamodb_table_policies" || p["part"] == "event_buses"),
        "{missing:?}"
    );
    let efs = missing
        .iter()
        .find(|p| p["part"] == "efs_file_systems")
        .unwrap_or_else(|| panic!("{missing:?}"));
    assert_eq!(efs["action"], "elasticfilesystem:DescribeFileSystems");
    assert_eq!(efs["region"], "us-east-1");
    assert_eq!(efs["account"], account.as_str());
    assert!(
        efs["reason"].as_str().unwrap().starts_with(
            "AccessDenied: grant elasticfilesystem:DescribeFileSystems (`aws efs describe-file-systems` was refused"
        ),
        "{efs}"
    );

    // A table name that is a path: refused, naming the file, nothing written.
    let dir = tempfile::tempdir().unwrap();
    let (capture, account) = capture_with(
        dir.path(),
        &[(
            "us-east-1/dynamodb/list-tables.json",
            r#"{"TableNames":["../../../../outside"]}"#,
        )],
    );
    let dest = dir.path().join("snap");
    let o = run(&["import", "--aws-cli", s(&capture), "-o", s(&dest)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "`../../../../outside` (a table name in `accounts/{account}/resources/us-east-1/dynamodb/list-tables.json`) is not a table name"
        )),
        "{err}"
    );
    assert!(!dest.exists());
}
