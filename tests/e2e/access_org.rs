//! Every document AWS uses, in every answer about an organization: a generated organization
//! (its SCPs and RCPs) with hand-written resource policies in one member account,
//! imported with `import --aws-cli`, then asked through `query` — `can`, `explain`,
//! `simulate` and `who_can` — as a user would.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::*;

fn query(snap: &Path, sql: &str) -> Vec<Value> {
    let out = ok(&["query", s(snap), sql, "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn one(snap: &Path, sql: &str) -> Value {
    let rows = query(snap, sql);
    assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
    rows[0].clone()
}

const OUTSIDE: &str = "999988887777";

/// The accounts of the generated organization by name (`management`, `security-001`,
/// `infrastructure-002`, `prod-003`), the organization id, and the snapshot.
struct Org {
    snap: PathBuf,
    id: String,
    accounts: std::collections::BTreeMap<String, String>,
}

impl Org {
    fn account(&self, name: &str) -> &str {
        self.accounts
            .get(name)
            .unwrap_or_else(|| panic!("no account {name}: {:?}", self.accounts))
    }

    /// An admin role of `account` (by name): its own policies allow everything.
    fn admin(&self, account: &str) -> String {
        let rows = query(
            &self.snap,
            &format!(
                "select arn from roles where account_id = '{}' and not is_service_linked and is_admin(arn) order by arn limit 1",
                self.account(account)
            ),
        );
        rows.first()
            .and_then(|r| r["arn"].as_str())
            .unwrap_or_else(|| panic!("no admin in {account}"))
            .to_owned()
    }

    /// A role of `account` (by name) allowed `action` on any resource.
    fn role_that_can(&self, account: &str, action: &str) -> String {
        let rows = query(
            &self.snap,
            &format!(
                "select arn from roles where account_id = '{}' and not is_service_linked \
                 and can_any(arn, '{action}', '{{\"aws:RequestedRegion\": \"eu-west-1\"}}') order by arn limit 1",
                self.account(account)
            ),
        );
        rows.first()
            .and_then(|r| r["arn"].as_str())
            .unwrap_or_else(|| panic!("no role of {account} can {action}"))
            .to_owned()
    }
}

fn bucket_policy(org: &str, prod: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ProdReads", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{prod}:root")},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-shared/*"},
            {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": OUTSIDE},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-shared/*"},
            {"Sid": "Organization", "Effect": "Allow", "Principal": "*",
             "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": ["arn:aws:s3:::acme-shared", "arn:aws:s3:::acme-shared/*"],
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": org}}},
            {"Sid": "Trail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme-shared/*"}
        ]
    })
    .to_string()
}

/// The generated organization with three buckets of its own in the Infrastructure account
/// (in place of the generated ones): `acme-shared` (policy above), `acme-private` (no
/// policy) and `acme-public` (public, but Block Public Access is on).
fn org(dir: &Path) -> Org {
    org_with(dir, |_, _| {})
}

/// The generated organization every test here starts from (4 accounts, seed 7), as a
/// capture folder.
fn generate_org(capture: &Path) {
    ok(&[
        "generate",
        "--org",
        "--accounts",
        "4",
        "--seed",
        "7",
        "-o",
        s(capture),
    ]);
}

/// [`org`], with `edit` changing the capture (given the accounts by name) before the
/// snapshot is imported.
fn org_with(
    dir: &Path,
    edit: impl FnOnce(&Path, &std::collections::BTreeMap<String, String>),
) -> Org {
    let capture = dir.join("capture");
    generate_org(&capture);
    let first = dir.join("first");
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&first)]);
    let mut accounts = std::collections::BTreeMap::new();
    for row in query(&first, "select account_id, name from accounts") {
        accounts.insert(
            row["name"].as_str().unwrap().to_owned(),
            row["account_id"].as_str().unwrap().to_owned(),
        );
    }
    let id = one(&first, "select organization_id from organization")["organization_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let owner = accounts["infrastructure-002"].clone();
    let prod = accounts["prod-003"].clone();
    let base = capture
        .join("accounts")
        .join(&owner)
        .join("resources/global/s3api");
    if base.exists() {
        fs::remove_dir_all(&base).unwrap();
    }
    let files = [
        (
            "list-buckets.json",
            r#"{"Buckets":[{"Name":"acme-shared"},{"Name":"acme-private"},{"Name":"acme-public"}]}"#.to_owned(),
        ),
        (
            "get-bucket-policy/acme-shared.json",
            json!({"Policy": bucket_policy(&id, &prod)}).to_string(),
        ),
        (
            "get-bucket-policy/acme-private.none",
            "NoSuchBucketPolicy\n".to_owned(),
        ),
    ];
    let mut files: Vec<(String, String)> = files
        .into_iter()
        .map(|(path, text)| (path.to_owned(), text))
        .collect();
    // Block Public Access: off for the shared bucket (its organization statement names
    // everyone, which S3 counts as public), on for the others as AWS sets it today.
    for (bucket, on) in [
        ("acme-shared", false),
        ("acme-private", true),
        ("acme-public", true),
    ] {
        files.push((
            format!("get-public-access-block/{bucket}.json"),
            format!(
                r#"{{"PublicAccessBlockConfiguration":{{"BlockPublicAcls":{on},"IgnorePublicAcls":{on},"BlockPublicPolicy":{on},"RestrictPublicBuckets":{on}}}}}"#
            ),
        ));
        files.push((
            format!("get-bucket-ownership-controls/{bucket}.json"),
            r#"{"OwnershipControls":{"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]}}"#
                .to_owned(),
        ));
        files.push((
            format!("get-bucket-tagging/{bucket}.none"),
            "NoSuchTagSet\n".to_owned(),
        ));
        files.push((
            format!("get-bucket-location/{bucket}.json"),
            r#"{"LocationConstraint":"eu-west-1"}"#.to_owned(),
        ));
    }
    // A public grant that Block Public Access neutralizes.
    files.push((
        "get-bucket-policy/acme-public.json".to_owned(),
        json!({"Policy": json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-public/*"}
        ]}).to_string()}).to_string(),
    ));
    for (path, text) in files {
        let file = base.join(path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, text).unwrap();
    }
    edit(&capture, &accounts);
    let snap = dir.join("snap");
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&snap)]);
    Org { snap, id, accounts }
}

/// Adds a KMS key of `account` to the capture, in the first region its resources were
/// read in, with `policy` and `grants` (`ListGrants` members); returns the key's ARN.
fn add_key(capture: &Path, account: &str, key_id: &str, policy: &Value, grants: Value) -> String {
    let resources = capture.join("accounts").join(account).join("resources");
    let mut regions: Vec<PathBuf> = fs::read_dir(&resources)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("kms/list-keys.json").is_file())
        .collect();
    regions.sort();
    let region_dir = regions.first().expect("a region with KMS keys").clone();
    let region = region_dir.file_name().unwrap().to_str().unwrap().to_owned();
    let arn = format!("arn:aws:kms:{region}:{account}:key/{key_id}");
    let kms = region_dir.join("kms");
    let listing = kms.join("list-keys.json");
    let mut keys: Value = serde_json::from_str(&fs::read_to_string(&listing).unwrap()).unwrap();
    keys["Keys"]
        .as_array_mut()
        .unwrap()
        .push(json!({"KeyId": key_id, "KeyArn": arn}));
    fs::write(&listing, keys.to_string()).unwrap();
    for (command, body) in [
        (
            "get-key-policy",
            json!({"Policy": policy.to_string(), "PolicyName": "default"}),
        ),
        ("list-grants", json!({"Grants": grants})),
        ("list-resource-tags", json!({"Tags": []})),
    ] {
        let file = kms.join(command).join(format!("{key_id}.json"));
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, body.to_string()).unwrap();
    }
    arn
}

/// A `ListGrants` member.
fn grant(
    key_arn_account: &str,
    id: &str,
    grantee: &str,
    operations: &[&str],
    constraints: Option<Value>,
) -> Value {
    let mut g = json!({
        "KeyId": format!("arn:aws:kms:eu-west-1:{key_arn_account}:key/x"),
        "GrantId": id,
        "Name": id,
        "GranteePrincipal": grantee,
        "Operations": operations,
        "IssuingAccount": format!("arn:aws:iam::{key_arn_account}:root"),
        "CreationDate": "2026-11-01T00:00:00Z",
    });
    if let Some(c) = constraints {
        g["Constraints"] = c;
    }
    g
}

/// KMS grants decide like a key policy naming their grantees (the RCPs over the key's
/// account still apply, an encryption context constraint is a condition), in `can`,
/// `explain`, `who_can` and `external_access` alike; a session policy given to `can` must
/// allow too.
#[test]
fn kms_grants_and_session_policies_decide_in_every_answer() {
    let dir = tempfile::tempdir().unwrap();
    let vendor = format!("arn:aws:iam::{OUTSIDE}:role/vendor");
    let keys = std::cell::RefCell::new((String::new(), String::new()));
    // Every member account has the role the organization enters it by; its own
    // policies allow everything, but the keys' policies let no role of an account in.
    let role = |account: &str| format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole");
    let roles = std::cell::RefCell::new((String::new(), String::new()));
    let org = org_with(dir.path(), |capture, accounts| {
        let infra = &accounts["infrastructure-002"];
        let security = &accounts["security-001"];
        let (infra_role, prod_role) = (role(infra), role(&accounts["prod-003"]));
        // Only a key administrator no one is may use the keys by policy.
        let policy = |account: &str| {
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "KeyAdmin", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{account}:role/key-admin")},
                 "Action": "kms:*", "Resource": "*"}
            ]})
        };
        let shared = add_key(
            capture,
            infra,
            "1111aaaa-0000-4000-8000-000000000001",
            &policy(infra),
            json!([
                grant(
                    infra,
                    "g-app",
                    &infra_role,
                    &["Decrypt", "DescribeKey"],
                    None
                ),
                grant(
                    infra,
                    "g-billing",
                    &prod_role,
                    &["Decrypt"],
                    Some(json!({"EncryptionContextSubset": {"app": "billing"}}))
                ),
                grant(
                    infra,
                    "g-vendor",
                    &vendor,
                    &["Decrypt", "GenerateDataKey"],
                    None
                ),
            ]),
        );
        // Under the Security OU's resource perimeter: no principal outside the
        // organization reaches its keys, grant or not.
        let guarded = add_key(
            capture,
            security,
            "2222bbbb-0000-4000-8000-000000000002",
            &policy(security),
            json!([grant(security, "g-vendor", &vendor, &["Decrypt"], None)]),
        );
        *keys.borrow_mut() = (shared, guarded);
        *roles.borrow_mut() = (infra_role, prod_role);
    });
    let (shared, guarded) = keys.into_inner();
    let (infra_role, prod_role) = roles.into_inner();
    let ask = |arn: &str, action: &str, rest: &str| {
        one(
            &org.snap,
            &format!(
                "select can('{arn}', '{action}', '{shared}'{rest}) as can, explain_access('{arn}', '{action}', '{shared}'{rest}) as e"
            ),
        )
    };
    // The grant allows what the key policy does not, and only its operations.
    let app = ask(&infra_role, "kms:Decrypt", "");
    assert_eq!(app["can"], json!(true), "{app}");
    assert!(
        app["e"]
            .as_str()
            .unwrap()
            .contains("KMS grant g-app (g-app)"),
        "{app}"
    );
    assert_eq!(ask(&infra_role, "kms:Encrypt", "")["can"], json!(false));
    // Across accounts too; its encryption context constraint is a condition.
    assert_eq!(ask(&prod_role, "kms:Decrypt", "")["can"], json!(false));
    let billing = ask(
        &prod_role,
        "kms:Decrypt",
        r#", '{"kms:EncryptionContext:app": "billing"}'"#,
    );
    assert_eq!(billing["can"], json!(true), "{billing}");
    // A session policy must allow too.
    let narrow = ask(
        &infra_role,
        "kms:Decrypt",
        r#", '{}', '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'"#,
    );
    assert_eq!(narrow["can"], json!(false), "{narrow}");
    assert!(
        narrow["e"]
            .as_str()
            .unwrap()
            .contains("the session policy does not allow it"),
        "{narrow}"
    );
    let wide = ask(
        &infra_role,
        "kms:Decrypt",
        r#", '{}', '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}'"#,
    );
    assert_eq!(wide["can"], json!(true), "{wide}");
    let simulated = one(
        &org.snap,
        &format!(
            r#"select decision from simulate('{infra_role}', 'kms:Decrypt', '{shared}', null, '{{"Version": "2012-10-17", "Statement": [{{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}}]}}')"#
        ),
    );
    assert_eq!(simulated["decision"], json!("explicit deny"));
    // A session policy AWS would refuse is an error that says so.
    let err = fails(&[
        "query",
        s(&org.snap),
        &format!(
            r#"select can('{infra_role}', 'kms:Decrypt', '{shared}', '{{}}', '{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}}]}}')"#
        ),
    ]);
    assert!(err.contains("the session policy is not valid"), "{err}");
    // who_can: the grantees inside, and the vendor outside the organization.
    let who = query(
        &org.snap,
        &format!(
            "select principal, in_snapshot, scope, decision, reason from who_can('{shared}', 'kms:Decrypt') order by principal"
        ),
    );
    let listed: Vec<(&str, &str)> = who
        .iter()
        .map(|r| {
            (
                r["principal"].as_str().unwrap(),
                r["decision"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(listed.contains(&(infra_role.as_str(), "allow")), "{who:#?}");
    assert!(listed.contains(&(vendor.as_str(), "allow")), "{who:#?}");
    assert!(!listed.iter().any(|(p, _)| *p == prod_role), "{who:#?}");
    let outside = who
        .iter()
        .find(|r| r["principal"] == json!(vendor))
        .unwrap();
    assert_eq!(outside["scope"], json!("external"));
    assert!(
        outside["reason"]
            .as_str()
            .unwrap()
            .contains("KMS grant g-vendor"),
        "{outside}"
    );
    let guarded_who = query(
        &org.snap,
        &format!("select principal from who_can('{guarded}', 'kms:Decrypt') where not in_snapshot"),
    );
    assert!(guarded_who.is_empty(), "{guarded_who:?}");
    // external_access: the vendor's grant on the shared key, not on the guarded one.
    let external = query(
        &org.snap,
        &format!(
            "select resource_arn, actions from external_access where principal = '{vendor}' order by resource_arn"
        ),
    );
    assert_eq!(
        external,
        vec![json!({"resource_arn": shared, "actions": ["kms:Decrypt", "kms:GenerateDataKey"]})],
        "{external:?}"
    );
}

#[test]
fn scps_apply_level_by_level_and_spare_the_management_account() {
    let dir = tempfile::tempdir().unwrap();
    let org = org(dir.path());
    let prod_admin = org.admin("prod-003");
    let explain = |arn: &str, action: &str, context: &str| {
        one(
            &org.snap,
            &format!("select explain_access('{arn}', '{action}', '*', '{context}') as e"),
        )["e"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // `deny-iam-users` is attached to the Prod OU.
    let denied = explain(&prod_admin, "iam:CreateUser", "{}");
    assert!(
        denied.starts_with("explicit deny: scp policy deny-iam-users (p-")
            && denied.contains(" at OU Prod (ou-"),
        "{denied}"
    );
    // The management account is not restricted by SCPs.
    let management_admin = org.admin("management");
    assert!(
        explain(&management_admin, "iam:CreateUser", "{}").starts_with("allow: identity policy")
    );
    // The region lock on Workloads: a region outside it is denied, one inside allowed.
    let outside = explain(
        &prod_admin,
        "ec2:RunInstances",
        r#"{"aws:RequestedRegion": "ap-south-1"}"#,
    );
    assert!(
        outside.starts_with("explicit deny: scp policy region-guardrail (p-")
            && outside.contains("at OU Workloads"),
        "{outside}"
    );
    assert!(
        explain(
            &prod_admin,
            "ec2:RunInstances",
            r#"{"aws:RequestedRegion": "eu-west-1"}"#
        )
        .starts_with("allow: ")
    );
    // A request that names no region may be made in an allowed one.
    let anywhere = explain(&prod_admin, "ec2:RunInstances", "{}");
    assert!(
        anywhere.starts_with("allow: ") && anywhere.contains("in region eu-"),
        "{anywhere}"
    );
    // The Security account is outside Workloads: no region lock.
    let security_admin = org.role_that_can("security-001", "ec2:RunInstances");
    assert!(
        explain(
            &security_admin,
            "ec2:RunInstances",
            r#"{"aws:RequestedRegion": "ap-south-1"}"#
        )
        .starts_with("allow: ")
    );
    // Service-linked roles are not restricted by SCPs; is_admin is about a principal's own
    // documents, so SCPs that deny leaving the organization leave admins admins.
    let admins = one(
        &org.snap,
        &format!(
            "select count(*) as n from roles where account_id = '{}' and is_admin(arn)",
            org.account("prod-003")
        ),
    );
    assert!(admins["n"].as_u64().unwrap() > 0, "{admins}");
    // The organization's keys are in every request of its principals.
    let org_condition = one(
        &org.snap,
        &format!(
            "select can('{prod_admin}', 's3:GetObject', 'arn:aws:s3:::acme-private/x') as same_org"
        ),
    );
    assert_eq!(
        org_condition["same_org"],
        json!(false),
        "no policy of another account's bucket names prod"
    );
}

#[test]
fn resource_policies_decide_across_accounts_and_unknown_resources_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let org = org(dir.path());
    let prod_reader = org.role_that_can("prod-003", "s3:GetObject");
    // The bucket owner's own account, and another account of the organization.
    let owner_reader = org.role_that_can("infrastructure-002", "s3:GetObject");
    let other_reader = org.role_that_can("security-001", "s3:GetObject");
    let ask = |arn: &str, resource: &str| {
        one(
            &org.snap,
            &format!(
                "select can('{arn}', 's3:GetObject', '{resource}') as can, explain_access('{arn}', 's3:GetObject', '{resource}') as e"
            ),
        )
    };
    // Granted to the prod account by statement 0, to the whole organization by statement 2.
    let prod = ask(&prod_reader, "arn:aws:s3:::acme-shared/report.csv");
    assert_eq!(prod["can"], json!(true), "{prod}");
    assert!(
        prod["e"]
            .as_str()
            .unwrap()
            .contains("resource policy arn:aws:s3:::acme-shared statement 0 (ProdReads)"),
        "{prod}"
    );
    let infra = ask(&other_reader, "arn:aws:s3:::acme-shared/report.csv");
    assert_eq!(infra["can"], json!(true), "{infra}");
    assert!(
        infra["e"]
            .as_str()
            .unwrap()
            .contains("statement 2 (Organization)"),
        "{infra}"
    );
    // A bucket without policy: its own account's principals by their identity policies,
    // another account's not at all.
    assert_eq!(
        ask(&owner_reader, "arn:aws:s3:::acme-private/x")["can"],
        json!(true)
    );
    let cross = ask(&prod_reader, "arn:aws:s3:::acme-private/x");
    assert_eq!(cross["can"], json!(false), "{cross}");
    assert!(
        cross["e"]
            .as_str()
            .unwrap()
            .contains("across accounts, the resource's policy must allow the principal"),
        "{cross}"
    );
    // A bucket no captured account holds: its account and policy are unknown.
    let unknown = ask(&prod_reader, "arn:aws:s3:::someone-elses-bucket/x");
    assert_eq!(unknown["can"], Value::Null, "{unknown}");
    assert!(
        unknown["e"].as_str().unwrap().starts_with(
            "unknown: arn:aws:s3:::someone-elses-bucket is not in any account of the snapshot"
        ),
        "{unknown}"
    );
    // Block Public Access keeps other accounts out of a bucket whose policy is public; its
    // own account still reads by identity policies.
    let blocked = ask(&prod_reader, "arn:aws:s3:::acme-public/x");
    assert_eq!(blocked["can"], json!(false), "{blocked}");
    assert!(
        blocked["e"]
            .as_str()
            .unwrap()
            .contains("S3 Block Public Access (RestrictPublicBuckets) blocks other accounts"),
        "{blocked}"
    );
    assert_eq!(
        ask(&owner_reader, "arn:aws:s3:::acme-public/x")["can"],
        json!(true)
    );
    let nobody_outside = query(
        &org.snap,
        "select principal from who_can('arn:aws:s3:::acme-public/x', 's3:GetObject') where not in_snapshot",
    );
    assert!(nobody_outside.is_empty(), "{nobody_outside:?}");
    // An AWS managed policy belongs to AWS: even an admin cannot change it.
    let admin = org.admin("prod-003");
    let managed = one(
        &org.snap,
        &format!(
            "select can('{admin}', 'iam:CreatePolicyVersion', 'arn:aws:iam::aws:policy/ReadOnlyAccess') as can, \
             explain_access('{admin}', 'iam:CreatePolicyVersion', 'arn:aws:iam::aws:policy/ReadOnlyAccess') as e"
        ),
    );
    assert_eq!(managed["can"], json!(false), "{managed}");
    assert!(
        managed["e"]
            .as_str()
            .unwrap()
            .contains("an AWS managed policy belongs to AWS"),
        "{managed}"
    );
    // simulate agrees with can.
    let simulated = one(
        &org.snap,
        &format!(
            "select decision from simulate('{prod_reader}', 's3:GetObject', 'arn:aws:s3:::acme-private/x')"
        ),
    );
    assert_eq!(simulated["decision"], json!("implicit deny"));
}

#[test]
fn who_can_lists_inside_outside_public_and_service_principals() {
    let dir = tempfile::tempdir().unwrap();
    let org = org(dir.path());
    let rows = query(
        &org.snap,
        "select * from who_can('arn:aws:s3:::acme-shared/report.csv', 's3:GetObject, s3:PutObject') order by in_snapshot desc, principal, action",
    );
    let outside: Vec<(String, String, String, String)> = rows
        .iter()
        .filter(|r| r["in_snapshot"] == json!(false))
        .map(|r| {
            (
                r["principal"].as_str().unwrap().to_owned(),
                r["action"].as_str().unwrap().to_owned(),
                r["scope"].as_str().unwrap().to_owned(),
                r["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        outside,
        vec![
            (
                "*".to_owned(),
                "s3:GetObject".to_owned(),
                "public".to_owned(),
                "conditional".to_owned()
            ),
            (
                format!("arn:aws:iam::{OUTSIDE}:root"),
                "s3:GetObject".to_owned(),
                "external".to_owned(),
                "allow".to_owned()
            ),
            (
                "cloudtrail.amazonaws.com".to_owned(),
                "s3:PutObject".to_owned(),
                "service".to_owned(),
                "allow".to_owned()
            ),
        ],
        "{rows:#?}"
    );
    let public = rows.iter().find(|r| r["principal"] == json!("*")).unwrap();
    assert_eq!(
        public["conditions"],
        json!(format!(
            "statement 2 (Organization): StringEquals aws:PrincipalOrgID {}",
            org.id
        ))
    );
    // Inside: every principal of the organization whose identity policies allow reading
    // (the organization statement), none denied, each with its scope.
    let inside: Vec<&Value> = rows
        .iter()
        .filter(|r| r["in_snapshot"] == json!(true))
        .collect();
    assert!(!inside.is_empty());
    for r in &inside {
        assert_eq!(r["decision"], json!("allow"), "{r}");
        let account = r["account_id"].as_str().unwrap();
        let expected = if account == org.account("infrastructure-002") {
            "account"
        } else {
            "organization"
        };
        assert_eq!(r["scope"], json!(expected), "{r}");
    }
    // Exactly the principals `can` allows.
    for action in ["s3:GetObject", "s3:PutObject"] {
        let can = query(
            &org.snap,
            &format!(
                "select arn from principals where principal_type <> 'group' and can(arn, '{action}', 'arn:aws:s3:::acme-shared/report.csv') order by arn"
            ),
        );
        let listed: Vec<&Value> = inside
            .iter()
            .filter(|r| r["action"] == json!(action))
            .map(|r| &r["principal"])
            .collect();
        let allowed: Vec<&Value> = can.iter().map(|r| &r["arn"]).collect();
        assert_eq!(listed, allowed, "{action}");
    }
    // Bad arguments are errors that say what to pass.
    let err = fails(&[
        "query",
        s(&org.snap),
        "select * from who_can('acme-shared', 's3:GetObject')",
    ]);
    assert!(
        err.contains("who_can: the resource must be an ARN"),
        "{err}"
    );
}

#[test]
fn trust_policies_decide_assume_role_across_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let org = org(dir.path());
    let target = format!(
        "arn:aws:iam::{}:role/OrganizationAccountAccessRole",
        org.account("prod-003")
    );
    let management = org.role_that_can("management", "sts:AssumeRole");
    let security = org.role_that_can("security-001", "sts:AssumeRole");
    let ask = |arn: &str| {
        one(
            &org.snap,
            &format!(
                "select can('{arn}', 'sts:AssumeRole', '{target}') as can, explain_access('{arn}', 'sts:AssumeRole', '{target}') as e"
            ),
        )
    };
    let from_management = ask(&management);
    assert_eq!(from_management["can"], json!(true), "{from_management}");
    assert!(
        from_management["e"]
            .as_str()
            .unwrap()
            .contains(&format!("resource policy {target} statement")),
        "{from_management}"
    );
    let from_security = ask(&security);
    assert_eq!(from_security["can"], json!(false), "{from_security}");
    // A role of an account the snapshot does not hold: unknown.
    let elsewhere = one(
        &org.snap,
        &format!(
            "select can('{management}', 'sts:AssumeRole', 'arn:aws:iam::{OUTSIDE}:role/x') as can"
        ),
    );
    assert_eq!(elsewhere["can"], Value::Null);
}

#[test]
fn assume_paths_follow_trust_hop_by_hop_and_agree_with_can() {
    let dir = tempfile::tempdir().unwrap();
    let org = org(dir.path());
    let start = org.admin("management");
    // Hop 1 is exactly the roles `can` lets the principal assume (the trust index finds
    // every candidate a brute force over all roles finds).
    let direct: Vec<Value> = query(
        &org.snap,
        &format!("select role_arn from assume_paths('{start}', 1) order by role_arn"),
    )
    .into_iter()
    .map(|r| r["role_arn"].clone())
    .collect();
    let brute: Vec<Value> = query(
        &org.snap,
        &format!(
            "select arn from roles where arn <> '{start}' and can('{start}', 'sts:AssumeRole', arn) order by arn"
        ),
    )
    .into_iter()
    .map(|r| r["arn"].clone())
    .collect();
    assert_eq!(direct, brute);
    // The management account's admin reaches every member's OrganizationAccountAccessRole,
    // an admin role of another account of the organization.
    let rows = query(
        &org.snap,
        &format!(
            "select * from assume_paths('{start}') where role_name = 'OrganizationAccountAccessRole' order by account_id"
        ),
    );
    let members: Vec<&str> = rows
        .iter()
        .map(|r| r["account_id"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = ["security-001", "infrastructure-002", "prod-003"]
        .iter()
        .map(|n| org.account(n))
        .collect();
    expected.sort();
    assert_eq!(members, expected);
    for r in &rows {
        assert_eq!(r["depth"], json!(1), "{r}");
        assert_eq!(r["scope"], json!("organization"), "{r}");
        assert_eq!(r["role_is_admin"], json!(true), "{r}");
        assert_eq!(r["decision"], json!("allow"), "{r}");
        assert!(
            r["path"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{start} -> ")),
            "{r}"
        );
    }
    // Deeper hops start from a role reached before; no role is listed twice.
    let all = query(
        &org.snap,
        &format!("select depth, path, role_arn from assume_paths('{start}', 3)"),
    );
    let mut seen = std::collections::HashSet::new();
    for r in &all {
        assert!(
            seen.insert(r["role_arn"].as_str().unwrap().to_owned()),
            "{r}"
        );
        let hops = r["path"].as_str().unwrap().split(" -> ").count() - 1;
        assert_eq!(r["depth"], json!(hops), "{r}");
        assert!(hops <= 3);
    }
    // Access through a chain: the management account's admin cannot read a bucket of the
    // Infrastructure account that has no policy, but a role it assumes there can.
    let object = "arn:aws:s3:::acme-private/report.csv";
    let row = one(
        &org.snap,
        &format!(
            "select can('{start}', 's3:GetObject', '{object}') as can, can_via('{start}', 's3:GetObject', '{object}') as via"
        ),
    );
    assert_eq!(row["can"], json!(false), "{row}");
    let via: Vec<&str> = row["via"].as_str().unwrap().split(" -> ").collect();
    assert_eq!(via.len(), 2, "{row}");
    assert_eq!(via[0], start);
    assert!(
        via[1].starts_with(&format!(
            "arn:aws:iam::{}:role/",
            org.account("infrastructure-002")
        )),
        "{row}"
    );
    assert_eq!(
        one(
            &org.snap,
            &format!(
                "select can('{}', 's3:GetObject', '{object}') as can",
                via[1]
            )
        )["can"],
        json!(true)
    );
    // No chain where the principal can itself.
    assert_eq!(
        one(
            &org.snap,
            &format!(
                "select can_via('{}', 's3:GetObject', '{object}') as via",
                via[1]
            )
        )["via"],
        Value::Null
    );
    // Bad arguments.
    let err = fails(&[
        "query",
        s(&org.snap),
        "select * from assume_paths('arn:aws:iam::1:role/none')",
    ]);
    assert!(
        err.contains("is not a user or role of the snapshot"),
        "{err}"
    );
    let err = fails(&[
        "query",
        s(&org.snap),
        &format!("select * from assume_paths('{start}', 0)"),
    ]);
    assert!(err.contains("max_depth must be between 1 and 20"), "{err}");
}

/// The resource a request names for `action` on a resource of the record: an object of a
/// bucket for object actions.
fn requested(resource: &str, action: &str) -> String {
    if resource.starts_with("arn:aws:s3:::") && action.contains("Object") {
        format!("{resource}/x")
    } else {
        resource.to_owned()
    }
}

/// A generated organization of 6 accounts with the resources it plants, imported, and the
/// generator's record of who each resource policy and grant lets in.
fn planted_org(dir: &Path) -> (PathBuf, Vec<Value>) {
    let capture = dir.join("capture");
    let record = dir.join("record.json");
    ok(&[
        "generate",
        "--org",
        "--accounts",
        "6",
        "--seed",
        "11",
        "-o",
        s(&capture),
        "--planted-resources",
        s(&record),
    ]);
    let snap = dir.join("snap");
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&snap)]);
    let record: Vec<Value> = serde_json::from_str(&fs::read_to_string(&record).unwrap()).unwrap();
    (snap, record)
}

#[test]
fn who_can_finds_exactly_the_outside_access_the_generator_planted() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, record) = planted_org(dir.path());
    // What the record says reaches each resource from outside the snapshot, and how.
    let mut expected: std::collections::BTreeSet<(String, String, String)> = Default::default();
    let mut asked: std::collections::BTreeSet<(String, String)> = Default::default();
    // Resource policies and KMS grants alike.
    for e in record
        .iter()
        .filter(|e| e["via"] == json!("policy") || e["via"] == json!("grant"))
    {
        let resource = e["resource"].as_str().unwrap();
        let principal = e["principal"].as_str().unwrap();
        for action in e["actions"].as_array().unwrap() {
            asked.insert((resource.to_owned(), action.as_str().unwrap().to_owned()));
        }
        let decision = match e["exposure"].as_str().unwrap() {
            "public" | "external" | "confused-deputy" => "allow",
            "service" => "conditional",
            "internal" if principal == "*" => "conditional",
            _ => continue,
        };
        expected.insert((
            resource.to_owned(),
            principal.to_owned(),
            decision.to_owned(),
        ));
    }
    assert!(expected.iter().any(|(_, _, d)| d == "allow"));
    // What who_can finds, over every action the record names for each resource: one
    // statement, one process.
    let sql = asked
        .iter()
        .map(|(resource, action)| {
            format!(
                "select '{resource}' as resource, principal, decision from who_can('{}', '{action}') where not in_snapshot",
                requested(resource, action)
            )
        })
        .collect::<Vec<_>>()
        .join(" union all ");
    let found: std::collections::BTreeSet<(String, String, String)> = query(&snap, &sql)
        .into_iter()
        .map(|r| {
            (
                r["resource"].as_str().unwrap().to_owned(),
                r["principal"].as_str().unwrap().to_owned(),
                r["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // A principal allowed one action and conditional on another counts as allowed.
    let allowed: std::collections::BTreeSet<(String, String)> = found
        .iter()
        .filter(|(_, _, d)| d == "allow")
        .map(|(r, p, _)| (r.clone(), p.clone()))
        .collect();
    let found: std::collections::BTreeSet<(String, String, String)> = found
        .into_iter()
        .filter(|(r, p, d)| d == "allow" || !allowed.contains(&(r.clone(), p.clone())))
        .collect();
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "planted but not found: {missing:#?}\nfound but not planted: {extra:#?}"
    );
}

#[test]
fn external_access_and_its_pack_find_exactly_the_outside_access_the_generator_planted() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, record) = planted_org(dir.path());
    // Outside the organization through a resource policy or a KMS grant: anyone, another
    // account, a service without a source condition. Access for the organization only,
    // services limited to its accounts and grants Block Public Access or the RCP stops are
    // not.
    let mut expected: std::collections::BTreeSet<(String, String, String)> = Default::default();
    assert!(
        record
            .iter()
            .any(|e| e["via"] == json!("grant") && e["exposure"] == json!("external"))
    );
    for e in &record {
        let scope = match e["exposure"].as_str().unwrap() {
            "public" => "public",
            "external" => "external",
            "confused-deputy" => "service",
            _ => continue,
        };
        expected.insert((
            e["resource"].as_str().unwrap().to_owned(),
            e["principal"].as_str().unwrap().to_owned(),
            scope.to_owned(),
        ));
    }
    assert!(expected.iter().any(|(_, _, s)| s == "public"));
    assert!(expected.iter().any(|(_, _, s)| s == "external"));
    assert!(expected.iter().any(|(_, _, s)| s == "service"));
    let rows = query(
        &snap,
        "select resource_arn, principal, scope, decision, access, actions from external_access where resource_type <> 'role'",
    );
    let found: std::collections::BTreeSet<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["resource_arn"].as_str().unwrap().to_owned(),
                r["principal"].as_str().unwrap().to_owned(),
                r["scope"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "planted but not found: {missing:#?}\nfound but not planted: {extra:#?}"
    );
    // Each row names the actions and their access levels. The planted statements have no
    // condition that limits who gets in: a service's may test something else (CloudTrail's
    // `s3:x-amz-acl`), which leaves it open to every account's trails.
    let rows = query(
        &snap,
        "select resource_arn, principal, scope, decision, access, actions, conditions from external_access where resource_type <> 'role'",
    );
    for r in &rows {
        if r["decision"] != json!("allow") {
            assert_eq!(r["scope"], json!("service"), "{r}");
            let conditions = r["conditions"].as_str().unwrap();
            assert!(!conditions.contains("aws:Source"), "{r}");
        }
        assert!(!r["actions"].as_array().unwrap().is_empty(), "{r}");
        assert!(!r["access"].as_str().unwrap().is_empty(), "{r}");
    }
    // Roles: every account outside the organization a trust policy names, as the `trust`
    // table (parsed at import, apart from the access model) lists them.
    let trusted: std::collections::BTreeSet<(String, String)> = query(
        &snap,
        "select distinct role_arn, principal_account from trust where effect = 'Allow' \
         and principal_account is not null and not in_organization(principal_account)",
    )
    .iter()
    .map(|r| {
        (
            r["role_arn"].as_str().unwrap().to_owned(),
            r["principal_account"].as_str().unwrap().to_owned(),
        )
    })
    .collect();
    let role_rows: std::collections::BTreeSet<(String, String)> = query(
        &snap,
        "select distinct resource_arn, principal_account from external_access \
         where resource_type = 'role' and scope = 'external'",
    )
    .iter()
    .map(|r| {
        (
            r["resource_arn"].as_str().unwrap().to_owned(),
            r["principal_account"].as_str().unwrap().to_owned(),
        )
    })
    .collect();
    assert_eq!(role_rows, trusted);
    // The pack reports each row under its rule, and nothing else.
    let all = query(
        &snap,
        "select resource_arn, resource_type, principal_account, scope, decision, writes, conditions from external_access",
    );
    let expected_findings = |trusted: &[&str]| -> std::collections::BTreeSet<(String, String)> {
        all.iter()
            .filter_map(|r| {
                let role = r["resource_type"] == json!("role");
                let allow = r["decision"] == json!("allow");
                let writes = r["writes"] == json!(true);
                let from_trusted = r["principal_account"]
                    .as_str()
                    .is_some_and(|a| trusted.contains(&a));
                let rule = match r["scope"].as_str().unwrap() {
                    "public" if role && allow => "EXT-ROLE-001",
                    "public" if role => "EXT-ROLE-003",
                    "public" if !allow => "EXT-PUBLIC-003",
                    "public" if writes => "EXT-PUBLIC-001",
                    "public" => "EXT-PUBLIC-002",
                    "external" if from_trusted => return None,
                    "external" if role && allow => "EXT-ROLE-002",
                    "external" if role => "EXT-ROLE-003",
                    "external" if !allow => "EXT-RES-003",
                    "external" if writes => "EXT-RES-001",
                    "external" => "EXT-RES-002",
                    "service" if !role => "EXT-SVC-001",
                    _ => return None,
                };
                Some((
                    r["resource_arn"].as_str().unwrap().to_owned(),
                    rule.to_owned(),
                ))
            })
            .collect()
    };
    let findings = |extra: &[&str]| -> std::collections::BTreeSet<(String, String)> {
        let mut args = vec!["check", s(&snap), "--pack", "external", "--format", "json"];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["resource"].as_str().unwrap().to_owned(),
                    f["rule_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let every = findings(&[]);
    assert_eq!(every, expected_findings(&[]));
    for rule in [
        "EXT-PUBLIC-001",
        "EXT-PUBLIC-002",
        "EXT-RES-001",
        "EXT-RES-002",
        "EXT-SVC-001",
        "EXT-ROLE-001",
    ] {
        assert!(
            every.iter().any(|(_, r)| r == rule),
            "no {rule}: {every:#?}"
        );
    }
    // An account named in trusted_accounts is no longer reported.
    let partner = all
        .iter()
        .find(|r| r["scope"] == json!("external") && r["resource_type"] != json!("role"))
        .and_then(|r| r["principal_account"].as_str())
        .unwrap()
        .to_owned();
    let param = format!("trusted_accounts={partner}");
    let trusting = findings(&["--param", &param]);
    assert_eq!(trusting, expected_findings(&[&partner]));
    assert!(trusting.len() < every.len());
}

#[test]
fn admin_paths_found_backwards_are_the_shortest_chains_assume_paths_finds_forwards() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture");
    ok(&[
        "generate",
        "--org",
        "--accounts",
        "8",
        "--roles-per-account",
        "200",
        "--seed",
        "7",
        "-o",
        s(&capture),
    ]);
    let snap = dir.path().join("snap");
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&snap)]);
    // admin_via searches once, backwards from the admin roles; assume_paths walks forwards
    // from one principal. Both must agree on who has a chain and on its length.
    let rows = query(
        &snap,
        "select arn, admin_via(arn) as via from principals \
         where principal_type in ('user', 'role') and not coalesce(is_admin(arn), false) order by arn",
    );
    let with: Vec<&Value> = rows.iter().filter(|r| !r["via"].is_null()).collect();
    let without: Vec<&Value> = rows
        .iter()
        .filter(|r| r["via"].is_null())
        .take(25)
        .collect();
    assert!(
        with.len() >= 3,
        "too few admin paths to compare: {}",
        with.len()
    );
    let sql = with
        .iter()
        .chain(without.iter())
        .map(|r| {
            let arn = r["arn"].as_str().unwrap();
            format!(
                "select '{arn}' as arn, min(depth) as hops from assume_paths('{arn}') \
                 where role_is_admin and decision = 'allow'"
            )
        })
        .collect::<Vec<_>>()
        .join(" union all ");
    let forwards: std::collections::BTreeMap<String, Option<i64>> = query(&snap, &sql)
        .into_iter()
        .map(|r| (r["arn"].as_str().unwrap().to_owned(), r["hops"].as_i64()))
        .collect();
    for r in with.iter().chain(without.iter()) {
        let arn = r["arn"].as_str().unwrap();
        let backwards = r["via"]
            .as_str()
            .map(|v| i64::try_from(v.split(" -> ").count() - 1).unwrap());
        assert_eq!(forwards[arn], backwards, "{arn}: {}", r["via"]);
        if let Some(v) = r["via"].as_str() {
            assert!(v.starts_with(arn), "{v}");
        }
    }
}

#[test]
fn who_can_lists_exactly_the_principals_can_does_not_deny() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, record) = planted_org(dir.path());
    // who_can settles most principals without an evaluation (no statement of their own
    // names the action, and nothing else could let them in); can evaluates every one.
    let mut asked: std::collections::BTreeSet<(String, String)> = Default::default();
    for e in record.iter().take(60) {
        let resource = e["resource"].as_str().unwrap();
        // One action, as who_can lists it (a pattern stands for each action it matches).
        let Some(action) = e["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a.as_str())
            .find(|a| !a.contains(['*', '?']))
        else {
            continue;
        };
        asked.insert((requested(resource, action), action.to_owned()));
    }
    assert!(asked.len() >= 10, "{asked:?}");
    asked.insert((
        "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole".to_owned(),
        "sts:AssumeRole".to_owned(),
    ));
    for (resource, action) in &asked {
        let listed: std::collections::BTreeSet<(String, String)> = query(
            &snap,
            &format!(
                "select principal, decision from who_can('{resource}', '{action}') where in_snapshot"
            ),
        )
        .iter()
        .map(|r| {
            (
                r["principal"].as_str().unwrap().to_owned(),
                r["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
        let evaluated: std::collections::BTreeSet<(String, String)> = query(
            &snap,
            &format!(
                "select arn, case when can(arn, '{action}', '{resource}') then 'allow' else 'unknown' end as decision \
                 from principals where principal_type in ('user', 'role') \
                 and coalesce(can(arn, '{action}', '{resource}'), true)"
            ),
        )
        .iter()
        .map(|r| {
            (
                r["arn"].as_str().unwrap().to_owned(),
                r["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
        assert_eq!(listed, evaluated, "{action} on {resource}");
    }
}

/// `diff` evaluates a principal again when only the SCPs over its account changed: a
/// detached SCP that denied creating access keys gives the Prod account's principals whose
/// own policies always allowed it a new escalation method, and the risk says why.
#[test]
fn diff_reports_escalation_an_scp_no_longer_stops() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture");
    generate_org(&capture);
    let old = dir.path().join("old");
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&old)]);
    let id = one(
        &old,
        "select policy_id from organization_policies where name = 'deny-iam-users'",
    )["policy_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let prod = one(
        &old,
        "select account_id from accounts where name = 'prod-003'",
    )["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let targets = capture
        .join("organization/list-targets-for-policy")
        .join(format!("{id}.json"));
    assert!(targets.is_file(), "{}", targets.display());
    fs::write(&targets, r#"{"Targets": []}"#).unwrap();
    let new = dir.path().join("new");
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&new)]);
    let report: Value =
        serde_json::from_str(&ok(&["diff", s(&old), s(&new), "--format", "json"])).unwrap();
    let risks: Vec<&Value> = report["risks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == json!("new_escalation"))
        .collect();
    assert!(!risks.is_empty(), "{report:#}");
    for r in &risks {
        let subject = r["subject"].as_str().unwrap();
        assert!(subject.contains(&format!(":{prod}:")), "{r}");
        assert!(
            r["detail"]
                .as_str()
                .unwrap()
                .contains("its own policies are the same, the organization's control policies over its account changed"),
            "{r}"
        );
        let methods: Vec<&str> = r["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert!(!methods.is_empty(), "{r}");
    }
    // Nothing backwards, nothing against itself.
    let back: Value =
        serde_json::from_str(&ok(&["diff", s(&new), s(&old), "--format", "json"])).unwrap();
    assert!(
        !back["risks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == json!("new_escalation")),
        "{back:#}"
    );
}

/// A request through a VPC endpoint (`aws:SourceVpce`) must be allowed by the endpoint's
/// policy too; an endpoint without a policy allows everything, and one the snapshot does
/// not hold leaves the answer unknown.
#[test]
fn a_request_through_a_vpc_endpoint_needs_its_policy_to_allow_it() {
    let dir = tempfile::tempdir().unwrap();
    let guarded = "vpce-0a1b2c3d4e5f60718";
    let open = "vpce-0f0e0d0c0b0a09080";
    let org = org_with(dir.path(), |capture, accounts| {
        let infra = &accounts["infrastructure-002"];
        let resources = capture.join("accounts").join(infra).join("resources");
        let listing = resources.join("eu-west-1/ec2/describe-vpc-endpoints.json");
        assert!(listing.is_file(), "{}", listing.display());
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "SharedOnly", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::acme-shared/*"},
            {"Sid": "NoWrites", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
             "Resource": "*"}
        ]});
        let endpoint = |id: &str, policy: Option<&Value>| {
            let mut e = json!({
                "VpcEndpointId": id, "OwnerId": infra, "VpcId": "vpc-0123456789abcdef0",
                "ServiceName": "com.amazonaws.eu-west-1.s3", "VpcEndpointType": "Gateway"
            });
            if let Some(p) = policy {
                e["PolicyDocument"] = json!(p.to_string());
            }
            e
        };
        let body =
            json!({"VpcEndpoints": [endpoint(guarded, Some(&policy)), endpoint(open, None)]});
        fs::write(&listing, body.to_string()).unwrap();
    });
    let reader = org.role_that_can("infrastructure-002", "s3:GetObject");
    let ask = |action: &str, resource: &str, endpoint: &str| {
        let context = format!(r#"{{"aws:SourceVpce": "{endpoint}"}}"#);
        one(
            &org.snap,
            &format!(
                "select can('{reader}', '{action}', '{resource}', '{context}') as can, \
                 explain_access('{reader}', '{action}', '{resource}', '{context}') as e"
            ),
        )
    };
    let shared = ask(
        "s3:GetObject",
        "arn:aws:s3:::acme-shared/report.csv",
        guarded,
    );
    assert_eq!(shared["can"], json!(true), "{shared}");
    assert!(
        shared["e"].as_str().unwrap().contains(&format!(
            "through VPC endpoint {guarded}, whose policy allows it"
        )),
        "{shared}"
    );
    // Another bucket of its own account: its identity policies allow it, the endpoint not.
    let private = ask("s3:GetObject", "arn:aws:s3:::acme-private/x", guarded);
    assert_eq!(private["can"], json!(false), "{private}");
    assert!(
        private["e"]
            .as_str()
            .unwrap()
            .contains("its policy does not allow the request"),
        "{private}"
    );
    assert_eq!(
        one(
            &org.snap,
            &format!(
                "select can('{reader}', 's3:GetObject', 'arn:aws:s3:::acme-private/x') as can"
            )
        )["can"],
        json!(true)
    );
    let write = ask(
        "s3:PutObject",
        "arn:aws:s3:::acme-shared/report.csv",
        guarded,
    );
    assert_eq!(write["can"], json!(false), "{write}");
    // An endpoint without a policy of its own lets everything through.
    let through_open = ask("s3:GetObject", "arn:aws:s3:::acme-private/x", open);
    assert_eq!(through_open["can"], json!(true), "{through_open}");
    assert!(
        through_open["e"]
            .as_str()
            .unwrap()
            .contains("has no policy of its own"),
        "{through_open}"
    );
    // One the snapshot does not hold: unknown, saying which.
    let unknown = ask(
        "s3:GetObject",
        "arn:aws:s3:::acme-private/x",
        "vpce-99999999999999999",
    );
    assert_eq!(unknown["can"], Value::Null, "{unknown}");
    assert!(
        unknown["e"]
            .as_str()
            .unwrap()
            .contains("VPC endpoint vpce-99999999999999999 is not in the snapshot"),
        "{unknown}"
    );
}
