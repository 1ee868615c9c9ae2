//! An organization captured with the AWS CLI alone (`scripts/capture-org`, against a real
//! local endpoint: moto_server with an organization made by `create_org.py`) and imported
//! with `iamsnap import --aws-cli`: every account's IAM in one snapshot, and the
//! organization's accounts, OUs, SCPs and targets as the test created them. Broken
//! captures are refused naming the file, with nothing written.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;
use crate::export::{manifest, query, skipped};
use crate::moto::Moto;

/// The organization `create_org.py` made in `moto`, and the capture of it (every account
/// but `play`) in `dir/capture`.
fn capture(moto: &Moto, dir: &Path) -> (Value, PathBuf) {
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap();
    let o = std::process::Command::new(&python)
        .arg(root().join("tests/e2e/create_org.py"))
        .arg(&moto.url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let created: Value = serde_json::from_slice(&o.stdout).unwrap();
    let out = dir.join("capture");
    let accounts = [
        created["management"].as_str().unwrap(),
        created["payments"].as_str().unwrap(),
        created["orders"].as_str().unwrap(),
    ]
    .join(",");
    // One region: the resources are the subject of org_resources.rs.
    capture_org(
        moto,
        &out,
        &["--accounts", &accounts, "--regions", "us-east-1"],
        &[],
    );
    (created, out)
}

/// Runs `scripts/capture-org` against `moto` into `out`, with the test virtualenv's AWS
/// CLI and test credentials only.
pub(crate) fn capture_org(moto: &Moto, out: &Path, args: &[&str], env: &[(&str, &str)]) {
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap();
    let bin = Path::new(&python).parent().unwrap();
    let o = std::process::Command::new(root().join("scripts/capture-org"))
        .args([
            "-o",
            s(out),
            "--member-role",
            "OrganizationAccountAccessRole",
        ])
        .args(args)
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(o.status.success(), "capture-org failed:\n{}", stderr(&o));
}

pub(crate) fn id<'a>(created: &'a Value, name: &str) -> &'a str {
    created[name].as_str().unwrap()
}

#[test]
fn an_organization_captured_with_the_aws_cli_imports_as_one_snapshot() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let (created, out) = capture(&moto, dir.path());
    let snap = dir.path().join("snap");
    let o = run(&["import", "--aws-cli", s(&out), "-o", s(&snap)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (mgmt, payments, orders, play) = (
        id(&created, "management"),
        id(&created, "payments"),
        id(&created, "orders"),
        id(&created, "play"),
    );
    let org_id = id(&created, "organization_id");
    let root_id = id(&created, "root");

    // Each captured account's IAM, with its own rows.
    let roles = query(
        &snap,
        "select account_id, name from roles where name like '%-lambda' order by name",
    );
    let pairs: Vec<(String, String)> = roles
        .iter()
        .map(|r| {
            (
                r["account_id"].as_str().unwrap().to_owned(),
                r["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            (orders.to_owned(), "orders-lambda".to_owned()),
            (payments.to_owned(), "payments-lambda".to_owned()),
        ]
    );
    let users = query(&snap, "select account_id, name from users");
    assert_eq!(users.len(), 1, "{users:?}");
    assert_eq!(users[0]["account_id"], mgmt);
    let m = manifest(&snap);
    let ids: Vec<&str> = m["account_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut expected = vec![mgmt, payments, orders];
    expected.sort_unstable();
    assert_eq!(ids, expected);

    // The account the capture left out is missing, with its reason; not silently absent.
    let missing = m["missing"].as_array().unwrap();
    assert!(
        missing
            .iter()
            .any(|p| p["part"] == "iam" && p["account"] == play),
        "{missing:?}"
    );
    let inspect = ok(&["inspect", s(&snap)]);
    assert!(
        inspect.contains(&format!(
            "missing: iam (account {play}): the capture has no folder `accounts/{play}/`"
        )),
        "{inspect}"
    );

    // The organization as it was created.
    let org = query(&snap, "select * from organization");
    assert_eq!(org.len(), 1);
    assert_eq!(org[0]["organization_id"], org_id);
    assert_eq!(org[0]["account_id"], mgmt);
    assert_eq!(org[0]["root_id"], root_id);
    assert_eq!(org[0]["feature_set"], "ALL");
    assert!(
        org[0]["enabled_policy_types"]
            .as_array()
            .unwrap()
            .contains(&Value::from("SERVICE_CONTROL_POLICY"))
    );

    let accounts = query(
        &snap,
        "select account_id, name, parent_id, org_path, is_management_account, tags['team'] as team from accounts order by name",
    );
    let row = |name: &str| {
        accounts
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {accounts:?}"))
    };
    assert_eq!(accounts.len(), 4, "{accounts:?}");
    let (workloads, prod, sandbox) = (
        id(&created, "workloads"),
        id(&created, "prod"),
        id(&created, "sandbox"),
    );
    assert_eq!(row("payments")["account_id"], payments);
    assert_eq!(row("payments")["parent_id"], prod);
    assert_eq!(
        row("payments")["org_path"],
        format!("{org_id}/{root_id}/{workloads}/{prod}/")
    );
    assert_eq!(row("payments")["team"], "payments");
    assert_eq!(
        row("play")["org_path"],
        format!("{org_id}/{root_id}/{sandbox}/")
    );
    assert_eq!(row("play")["is_management_account"], false);
    let management: Vec<&Value> = accounts
        .iter()
        .filter(|a| a["is_management_account"] == true)
        .collect();
    assert_eq!(management.len(), 1);
    assert_eq!(management[0]["account_id"], mgmt);
    assert_eq!(management[0]["org_path"], format!("{org_id}/{root_id}/"));

    let ous = query(
        &snap,
        "select ou_id, name, parent_id, org_path from organizational_units order by org_path",
    );
    let names: Vec<&str> = ous.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 3);
    let prod_row = ous.iter().find(|o| o["name"] == "Prod").unwrap();
    assert_eq!(prod_row["ou_id"], prod);
    assert_eq!(prod_row["parent_id"], workloads);

    // Each SCP with its targets; the unattached one listed too; documents kept.
    let targets = query(
        &snap,
        "select p.name, t.target_type, t.target_id from organization_policies p \
         left join organization_policy_targets t using (policy_id) \
         where not p.aws_managed order by p.name",
    );
    let target_of = |name: &str| -> Vec<(Value, Value)> {
        targets
            .iter()
            .filter(|t| t["name"] == name)
            .map(|t| (t["target_type"].clone(), t["target_id"].clone()))
            .collect()
    };
    assert_eq!(
        target_of("deny-leave"),
        [(Value::from("ROOT"), Value::from(root_id))]
    );
    assert_eq!(
        target_of("deny-bucket-delete"),
        [(Value::from("ORGANIZATIONAL_UNIT"), Value::from(prod))]
    );
    assert_eq!(
        target_of("deny-other-regions"),
        [(Value::from("ACCOUNT"), Value::from(payments))]
    );
    assert_eq!(target_of("unattached"), [(Value::Null, Value::Null)]);
    let doc = query(
        &snap,
        "select document from organization_policies where name = 'deny-other-regions'",
    );
    let doc: Value = serde_json::from_str(doc[0]["document"].as_str().unwrap()).unwrap();
    assert_eq!(doc["Statement"][0]["NotAction"], "iam:*");

    // The SCPs that apply to an account: attached to it, to an OU above it, or to the root.
    let applying = query(
        &snap,
        &format!(
            "select distinct p.name from accounts a \
             join organization_policy_targets t on t.target_id = a.account_id \
               or strpos(a.org_path, t.target_id || '/') > 0 \
             join organization_policies p using (policy_id) \
             where a.account_id = '{payments}' and p.policy_type = 'SERVICE_CONTROL_POLICY' \
             order by 1"
        ),
    );
    let applying: Vec<&str> = applying
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        applying,
        [
            "FullAWSAccess",
            "deny-bucket-delete",
            "deny-leave",
            "deny-other-regions"
        ]
    );

    // Broken captures: refused, naming the file, nothing written.
    let broken = dir.path().join("broken");
    copy_dir(&out, &broken);
    fs::remove_file(
        broken
            .join("organization/list-organizational-units-for-parent")
            .join(format!("{workloads}.json")),
    )
    .unwrap();
    let dest = dir.path().join("not-written");
    let o = run(&["import", "--aws-cli", s(&broken), "-o", s(&dest)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "`organization/list-organizational-units-for-parent/{workloads}.json` is missing: it holds the output of `aws organizations list-organizational-units-for-parent` for `{workloads}`"
        )),
        "{err}"
    );
    assert!(err.contains("scripts/capture-org"), "{err}");
    assert!(!dest.exists());

    let broken = dir.path().join("broken-scp");
    copy_dir(&out, &broken);
    let file = broken
        .join("organization/describe-policy")
        .join(format!("{}.json", id(&created, "deny_leave")));
    let mut policy: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    policy["Policy"]["Content"] =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:x":"y"}}}]}"#.into();
    fs::write(&file, serde_json::to_vec(&policy).unwrap()).unwrap();
    let o = run(&["import", "--aws-cli", s(&broken), "-o", s(&dest)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("SCP `deny-leave`"), "{err}");
    assert!(err.contains("StringEqualz"), "{err}");
    assert!(!dest.exists());
}

#[test]
fn accounts_whose_iam_cannot_be_read_are_listed_with_the_reason_and_nothing_partial() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = capture(&moto, dir.path());
    // IAM unreachable (the organization is not): every account fails, the capture goes on.
    let out = dir.path().join("no-iam");
    capture_org(
        &moto,
        &out,
        &["--parallel", "2", "--no-resources"],
        &[
            ("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:1"),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
    );
    let ids = ["management", "payments", "orders", "play"].map(|n| id(&created, n).to_owned());
    for account in &ids {
        let folder = out.join("accounts").join(account);
        let files: Vec<String> = fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, ["error.txt"], "{account}: {files:?}");
    }
    let snap = dir.path().join("snap");
    let o = run(&["import", "--aws-cli", s(&out), "-o", s(&snap)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("imported no account's IAM (see `missing` in `iamsnap inspect`)"),
        "{}",
        stdout(&o)
    );
    let m = manifest(&snap);
    for account in &ids {
        let reasons: Vec<&str> = m["missing"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["account"] == account.as_str() && p["part"] == "iam")
            .map(|p| p["reason"].as_str().unwrap())
            .collect();
        assert_eq!(reasons.len(), 1, "{account}: {}", m["missing"]);
        assert!(
            reasons[0].contains("Could not connect to the endpoint URL"),
            "{}",
            reasons[0]
        );
    }
    // The organization itself was captured.
    assert_eq!(query(&snap, "select * from accounts").len(), 4);
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

#[test]
fn a_folder_that_is_not_a_capture_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    let o = run(&["import", "--aws-cli", s(dir.path()), "-o", s(&dest)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("it holds neither `organization/` nor `accounts/<account id>/`"),
        "{err}"
    );
    assert!(!dest.exists());
    fs::create_dir_all(dir.path().join("accounts/not-an-account")).unwrap();
    let err = fails(&["import", "--aws-cli", s(dir.path()), "-o", s(&dest)]);
    assert!(
        err.contains("`accounts/not-an-account` is not an account folder"),
        "{err}"
    );
}

/// Every AWS CLI call of `scripts/capture-org` (`aws ... SERVICE COMMAND`), as IAM actions.
fn script_actions() -> Vec<String> {
    // The AWS CLI's service names that are not the actions' prefix, and the commands
    // authorized by an action of another name.
    const SERVICES: [(&str, &str); 18] = [
        ("organizations", "organizations"),
        ("iam", "iam"),
        ("sts", "sts"),
        ("s3api", "s3"),
        ("s3control", "s3"),
        ("ec2", "ec2"),
        ("kms", "kms"),
        ("sqs", "sqs"),
        ("sns", "sns"),
        ("secretsmanager", "secretsmanager"),
        ("lambda", "lambda"),
        ("ecr", "ecr"),
        ("events", "events"),
        ("dynamodb", "dynamodb"),
        ("backup", "backup"),
        ("efs", "elasticfilesystem"),
        ("logs", "logs"),
        ("ram", "ram"),
    ];
    const RENAMED: [(&str, &str); 3] = [
        ("s3api list-buckets", "s3:ListAllMyBuckets"),
        (
            "s3api get-public-access-block",
            "s3:GetBucketPublicAccessBlock",
        ),
        (
            "s3control get-public-access-block",
            "s3:GetAccountPublicAccessBlock",
        ),
    ];
    let script = fs::read_to_string(root().join("scripts/capture-org")).unwrap();
    let mut actions = Vec::new();
    for line in script.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let words: Vec<&str> = line.split_whitespace().collect();
        for pair in words.windows(2) {
            let (service, command) = (pair[0], pair[1].trim_end_matches(';'));
            let prefix = SERVICES
                .iter()
                .find(|(cli, _)| *cli == service)
                .map(|(_, prefix)| *prefix);
            let Some(prefix) = prefix else {
                continue;
            };
            if !command.contains('-')
                || !command.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            {
                continue;
            }
            let name: String = command
                .split('-')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            let call = format!("{service} {command}");
            let action = RENAMED
                .iter()
                .find(|(c, _)| *c == call)
                .map_or_else(|| format!("{prefix}:{name}"), |(_, a)| (*a).to_owned());
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
    }
    actions
}

#[test]
fn the_published_capture_policy_allows_every_call_of_the_script_and_only_reads() {
    use iamsnap_catalog::{AccessLevel, Catalog};
    use iamsnap_policy::{
        CompiledPolicy, Context, Decision, DocumentKind, PolicySet, Request, evaluate,
        parse_document_text_as,
    };
    let catalog = Catalog::embedded().unwrap();
    let text = fs::read_to_string(root().join("docs/capture-org-policy.json")).unwrap();
    let doc = parse_document_text_as(&text, DocumentKind::Identity).unwrap();
    let policy = [CompiledPolicy::new("capture-org-policy", &doc)];
    let actions = script_actions();
    assert!(actions.len() >= 54, "{actions:?}");
    // The script makes every call of the registry of kinds the export reads.
    for step in iamsnap_import::registry::all_steps() {
        assert!(
            actions.iter().any(|a| a == step.action),
            "scripts/capture-org does not call {} ({})",
            step.action,
            step.command
        );
    }
    for action in &actions {
        let entry = catalog
            .action(action)
            .unwrap_or_else(|| panic!("{action} is not an AWS action"));
        // GetCallerIdentity needs no permission.
        if action == "sts:GetCallerIdentity" {
            continue;
        }
        let resource = if action == "sts:AssumeRole" {
            "arn:aws:iam::222233334444:role/iamsnap-audit"
        } else {
            "*"
        };
        let request = Request {
            principal: "arn:aws:iam::111122223333:role/auditor".to_owned(),
            principal_account: "111122223333".to_owned(),
            action: action.clone(),
            resource: resource.to_owned(),
            resource_account: "111122223333".to_owned(),
            context: Context::default(),
        };
        let ev = evaluate(
            &request,
            &PolicySet {
                identity: &policy,
                ..PolicySet::default()
            },
        );
        assert_eq!(
            ev.decision,
            Decision::Allow,
            "docs/capture-org-policy.json does not allow {action}"
        );
        let levels = entry.access_levels();
        let read = levels
            .iter()
            .all(|l| matches!(l, AccessLevel::Read | AccessLevel::List));
        assert!(
            read || ["iam:GenerateCredentialReport", "sts:AssumeRole"].contains(&action.as_str()),
            "{action} is not a read ({levels:?})"
        );
    }
    // And nothing the script does not call.
    for s in &doc.statements {
        for pattern in s.action.as_deref().unwrap_or_default() {
            assert!(
                actions.iter().any(|a| a == pattern),
                "the policy grants {pattern}, which the script never calls"
            );
        }
    }
}

/// Every file of a folder, by relative path.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                let rel = entry
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .display()
                    .to_string();
                out.push((rel, fs::read(entry.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_generated_organization_is_deterministic_and_imports_with_its_guardrails() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        ok(&[
            "generate",
            "--org",
            "--accounts",
            "7",
            "--roles-per-account",
            "20",
            "--seed",
            "3",
            "-o",
            s(out),
        ]);
    }
    assert_eq!(files_of(&a), files_of(&b), "same seed, same bytes");

    let snap = dir.path().join("snap");
    ok(&["import", "--aws-cli", s(&a), "-o", s(&snap)]);
    let m = manifest(&snap);
    assert_eq!(m["account_ids"].as_array().unwrap().len(), 7);
    // A generated capture holds every file a capture of the organization would: nothing is
    // missing, and every account has resource policies.
    assert!(m["missing"].is_null(), "{:?}", m["missing"]);
    let with_policies = query(
        &snap,
        "select count(distinct account_id) as n from resource_policies where problem is null",
    );
    assert_eq!(with_policies[0]["n"], 7, "{with_policies:?}");
    let per_account = query(
        &snap,
        "select account_id, count(*) as roles from roles group by 1 order by 1",
    );
    assert_eq!(per_account.len(), 7, "{per_account:?}");
    let accounts = query(
        &snap,
        "select account_id, name, org_path, is_management_account from accounts",
    );
    assert_eq!(accounts.len(), 7);
    assert_eq!(
        accounts
            .iter()
            .filter(|a| a["is_management_account"] == true)
            .map(|a| a["account_id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["111122223333"]
    );
    // A Prod account sits under Workloads/Prod and gets their SCPs and the root's.
    let prod = accounts
        .iter()
        .find(|a| a["name"].as_str().unwrap().starts_with("prod-"))
        .unwrap();
    let applying = query(
        &snap,
        &format!(
            "select distinct p.name from accounts a \
             join organization_policy_targets t on t.target_id = a.account_id \
               or strpos(a.org_path, t.target_id || '/') > 0 \
             join organization_policies p using (policy_id) \
             where a.account_id = '{}' and p.policy_type = 'SERVICE_CONTROL_POLICY' order by 1",
            prod["account_id"].as_str().unwrap()
        ),
    );
    let applying: Vec<&str> = applying
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        applying,
        [
            "FullAWSAccess",
            "deny-iam-users",
            "deny-leave-organization",
            "deny-root-user",
            "protect-cloudtrail",
            "protect-security-roles",
            "region-guardrail"
        ]
    );
    let rcps = query(
        &snap,
        "select name from organization_policies where policy_type = 'RESOURCE_CONTROL_POLICY' order by 1",
    );
    assert_eq!(rcps.len(), 3, "{rcps:?}");

    // `check` reads every account: findings in more than one of them.
    let out = run(&["check", s(&snap), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = report.to_string();
    let with_findings = m["account_ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|id| text.contains(&format!("arn:aws:iam::{}:", id.as_str().unwrap())))
        .count();
    assert!(with_findings >= 2, "findings in {with_findings} accounts");

    // An existing folder is not replaced without --force, and never one that is not a
    // capture.
    let err = fails(&["generate", "--org", "-o", s(&a)]);
    assert!(err.contains("already exists"), "{err}");
    ok(&[
        "generate",
        "--org",
        "--accounts",
        "2",
        "-o",
        s(&a),
        "--force",
    ]);
    fs::write(a.join("notes.txt"), "mine").unwrap();
    let err = fails(&["generate", "--org", "-o", s(&a), "--force"]);
    assert!(err.contains("is not a capture folder"), "{err}");
    assert_eq!(fs::read_to_string(a.join("notes.txt")).unwrap(), "mine");
}

#[test]
fn an_id_in_a_capture_cannot_point_outside_the_capture() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture");
    ok(&["generate", "--org", "--accounts", "2", "-o", s(&capture)]);
    let roots: Value =
        serde_json::from_slice(&fs::read(capture.join("organization/list-roots.json")).unwrap())
            .unwrap();
    let root_id = roots["Roots"][0]["Id"].as_str().unwrap().to_owned();
    let file = capture
        .join("organization/list-organizational-units-for-parent")
        .join(format!("{root_id}.json"));
    let mut ous: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    ous["OrganizationalUnits"][0]["Id"] = "../../../outside".into();
    fs::write(&file, serde_json::to_vec(&ous).unwrap()).unwrap();
    // What the hostile id points at, were it followed.
    let outside = dir.path().join("outside.json");
    fs::write(&outside, r#"{"OrganizationalUnits": "secret"}"#).unwrap();
    let dest = dir.path().join("snap");
    let o = run(&["import", "--aws-cli", s(&capture), "-o", s(&dest)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("`../../../outside` (an id in the capture, for `aws organizations list-organizational-units-for-parent`) is not an id of AWS Organizations"),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
    assert!(!dest.exists());
}
