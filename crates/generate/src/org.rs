//! A synthetic AWS Organization as a capture folder: what `scripts/capture-org` writes for
//! a real one (see `iamsnap_import::capture` for the layout), deterministic by seed.
//!
//! The tree: the management account under the root; OUs `Security`, `Infrastructure` and
//! `Workloads` (with `Prod`, `NonProd`) and `Sandbox` under the root; the other accounts
//! spread over the leaf OUs in turn. SCPs: AWS's `FullAWSAccess` on every root, OU and
//! account (as AWS attaches it), `deny-leave-organization` and `protect-cloudtrail` on the
//! root, `region-guardrail` on `Workloads`, `deny-iam-users` on `Prod`, one attached to a
//! single account and one attached nowhere. RCPs: AWS's `RCPFullAWSAccess` on every
//! target, and `s3-require-tls` on the root. Each account's IAM is a generated account
//! ([`crate::generate`]) with its own id and seed, whose cross-account roles trust the
//! organization's own accounts (`OrganizationAccountAccessRole` the management account,
//! `security-audit-readonly` the first account of `Security`, deploy roles the other
//! accounts); vendors' roles trust accounts outside it. What every account plants is
//! recorded in [`GeneratedOrg::planted`].

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::resources::{AccountInput, Plan, PlantedAccess, account_resources};
use crate::rng::{Gen, days_before};
use crate::{GenerateError, GenerateOptions, OrgPlacement, Planted, generate};

/// What organization to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgOptions {
    /// Accounts, the management account included (at least 1).
    pub accounts: usize,
    /// Roles of each account.
    pub roles_per_account: usize,
    /// The seed of every random choice.
    pub seed: u64,
    /// The organization's "now".
    pub at: DateTime<Utc>,
    /// The management account's id.
    pub management_account_id: String,
}

/// One file of the capture: its path inside the capture folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureFile {
    /// Relative path, `/`-separated.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// A generated organization.
#[derive(Debug, Clone)]
pub struct GeneratedOrg {
    /// Every file of the capture folder, in a fixed order.
    pub files: Vec<CaptureFile>,
    /// The organization id.
    pub organization_id: String,
    /// Every account id, the management account first.
    pub account_ids: Vec<String>,
    /// Roles over all accounts.
    pub roles: usize,
    /// The problems planted in every account, sorted (see [`crate::Generated::planted`]):
    /// what `iamsnap check --pack nhi` of the imported capture reports, with the pack's
    /// default parameters.
    pub planted: Vec<Planted>,
    /// Every principal the resource policies and KMS grants of every account let in, with
    /// what its access amounts to (public, external, confused deputy, blocked, ...), sorted
    /// by resource, principal and kind: the ground truth of access through resources.
    pub planted_resources: Vec<PlantedAccess>,
}

/// The exposures planted in each account (`parents`: each account's node; `security`: the
/// `Security` OU). The accounts outside `Security` take turns: the first carries the public
/// cases, the next the partner cases (and the public bucket its account's Block Public
/// Access neutralizes), and so on. With a single such account it carries the public cases
/// and the management account the partner cases; without any, the management account
/// carries both (but not the bucket neutralized by the account's Block Public Access, which
/// is off there). Accounts of `Security` are under the `resource-perimeter` RCP, each with a
/// grant outside the organization that it denies.
fn plans(parents: &[usize], security: usize) -> Vec<Plan> {
    let mut plans = vec![Plan::default(); parents.len()];
    let hosts: Vec<usize> = (1..parents.len())
        .filter(|i| parents.get(*i) != Some(&security))
        .collect();
    for (i, p) in parents.iter().enumerate().skip(1) {
        if *p == security
            && let Some(plan) = plans.get_mut(i)
        {
            plan.perimeter = true;
        }
    }
    let partner_plan = Plan {
        partner: true,
        account_blocked: true,
        ..Plan::default()
    };
    match hosts.as_slice() {
        [] => {
            if let Some(plan) = plans.first_mut() {
                plan.exposed = true;
                plan.partner = true;
            }
        }
        [only] => {
            if let Some(plan) = plans.get_mut(*only) {
                plan.exposed = true;
            }
            if let Some(plan) = plans.first_mut() {
                *plan = partner_plan;
            }
        }
        many => {
            for (n, host) in many.iter().enumerate() {
                if let Some(plan) = plans.get_mut(*host) {
                    if n % 2 == 0 {
                        plan.exposed = true;
                    } else {
                        *plan = partner_plan.clone();
                    }
                }
            }
        }
    }
    plans
}

/// JSON as the AWS CLI prints it (4-space indent), with a final newline.
pub(crate) fn cli_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    // Serializing a `Value` into memory cannot fail.
    if value.serialize(&mut ser).is_ok() {
        out.push(b'\n');
    }
    out
}

pub(crate) fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f000+00:00").to_string()
}

struct Node {
    id: String,
    name: String,
    kind: &'static str,
    parent: Option<usize>,
}

/// Generates the organization described by `opts`.
pub fn generate_org(opts: &OrgOptions) -> Result<GeneratedOrg, GenerateError> {
    let mut g = Gen::new(opts.seed ^ 0x6f72_6761_6e69_7a65);
    let mgmt = opts.management_account_id.clone();
    let org_id = format!("o-{}", g.lower_alnum(10));
    let root_suffix = g.lower_alnum(4);
    let root_id = format!("r-{root_suffix}");
    let arn_base = format!("arn:aws:organizations::{mgmt}");
    let ou = |g: &mut Gen| format!("ou-{root_suffix}-{}", g.lower_alnum(8));

    // The tree: nodes[0] is the root.
    let mut nodes = vec![Node {
        id: root_id.clone(),
        name: "Root".to_owned(),
        kind: "ROOT",
        parent: None,
    }];
    let add = |nodes: &mut Vec<Node>, name: &str, parent: usize, g: &mut Gen| {
        nodes.push(Node {
            id: ou(g),
            name: name.to_owned(),
            kind: "ORGANIZATIONAL_UNIT",
            parent: Some(parent),
        });
        nodes.len() - 1
    };
    let security = add(&mut nodes, "Security", 0, &mut g);
    let infrastructure = add(&mut nodes, "Infrastructure", 0, &mut g);
    let workloads = add(&mut nodes, "Workloads", 0, &mut g);
    let prod = add(&mut nodes, "Prod", workloads, &mut g);
    let nonprod = add(&mut nodes, "NonProd", workloads, &mut g);
    let sandbox = add(&mut nodes, "Sandbox", 0, &mut g);
    let leaves = [security, infrastructure, prod, nonprod, sandbox];

    // Accounts: the management account under the root, the others over the leaves.
    let mut account_ids = vec![mgmt.clone()];
    let mut names = vec!["management".to_owned()];
    let mut parents = vec![0usize];
    for i in 1..opts.accounts.max(1) {
        let id = loop {
            let id = g.account_id();
            if !account_ids.contains(&id) {
                break id;
            }
        };
        let leaf = leaves.get((i - 1) % leaves.len()).copied().unwrap_or(0);
        let leaf_name = nodes
            .get(leaf)
            .map(|n| n.name.to_lowercase())
            .unwrap_or_default();
        account_ids.push(id);
        names.push(format!("{leaf_name}-{i:03}"));
        parents.push(leaf);
    }
    let account_arn = |id: &str| format!("{arn_base}:account/{org_id}/{id}");

    let mut files = Vec::new();
    let mut file = |path: String, value: Value| {
        files.push(CaptureFile {
            path: format!("organization/{path}"),
            bytes: cli_json(&value),
        })
    };
    file(
        "describe-organization.json".to_owned(),
        json!({"Organization": {
            "Id": org_id,
            "Arn": format!("{arn_base}:organization/{org_id}"),
            "FeatureSet": "ALL",
            "MasterAccountArn": account_arn(&mgmt),
            "MasterAccountId": mgmt,
            "MasterAccountEmail": "aws-management@example.com",
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
        }}),
    );
    file(
        "list-roots.json".to_owned(),
        json!({"Roots": [{
            "Id": root_id,
            "Arn": format!("{arn_base}:root/{org_id}/{root_id}"),
            "Name": "Root",
            "PolicyTypes": [
                {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
                {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"},
            ],
        }]}),
    );
    let account_json = |i: usize, g: &mut Gen| -> Value {
        let id = account_ids.get(i).cloned().unwrap_or_default();
        let name = names.get(i).cloned().unwrap_or_default();
        let joined = days_before(opts.at, i64::try_from(g.range(30, 2000)).unwrap_or(30));
        json!({
            "Id": id,
            "Arn": account_arn(&id),
            "Email": format!("aws+{name}@example.com"),
            "Name": name,
            "Status": "ACTIVE",
            "JoinedMethod": if i == 0 { "INVITED" } else { "CREATED" },
            "JoinedTimestamp": date(joined),
        })
    };
    let accounts: Vec<Value> = (0..account_ids.len())
        .map(|i| account_json(i, &mut g))
        .collect();
    file(
        "list-accounts.json".to_owned(),
        json!({"Accounts": accounts}),
    );
    for (n, node) in nodes.iter().enumerate() {
        let children: Vec<Value> = nodes
            .iter()
            .filter(|c| c.parent == Some(n))
            .map(|c| {
                json!({
                    "Id": c.id,
                    "Arn": format!("{arn_base}:ou/{org_id}/{}", c.id),
                    "Name": c.name,
                })
            })
            .collect();
        file(
            format!("list-organizational-units-for-parent/{}.json", node.id),
            json!({"OrganizationalUnits": children}),
        );
        let here: Vec<Value> = parents
            .iter()
            .enumerate()
            .filter(|(_, p)| **p == n)
            .filter_map(|(i, _)| accounts.get(i).cloned())
            .collect();
        file(
            format!("list-accounts-for-parent/{}.json", node.id),
            json!({"Accounts": here}),
        );
    }

    // Policies and their targets.
    struct Policy {
        id: String,
        name: &'static str,
        kind: &'static str,
        aws_managed: bool,
        description: &'static str,
        document: Value,
        targets: Vec<(String, String, &'static str)>,
    }
    let target = |n: usize| -> (String, String, &'static str) {
        nodes
            .get(n)
            .map(|x| (x.id.clone(), x.name.clone(), x.kind))
            .unwrap_or_default()
    };
    let account_target = |i: usize| -> (String, String, &'static str) {
        (
            account_ids.get(i).cloned().unwrap_or_default(),
            names.get(i).cloned().unwrap_or_default(),
            "ACCOUNT",
        )
    };
    let everything: Vec<(String, String, &'static str)> = (0..nodes.len())
        .map(target)
        .chain((0..account_ids.len()).map(account_target))
        .collect();
    let deny = |action: Value, condition: Option<Value>| {
        let mut s = json!({"Effect": "Deny", "Action": action, "Resource": "*"});
        if let (Some(c), Some(obj)) = (condition, s.as_object_mut()) {
            obj.insert("Condition".to_owned(), c);
        }
        json!({"Version": "2012-10-17", "Statement": [s]})
    };
    let single = account_ids.len().min(3).saturating_sub(1);
    let mut policies = vec![
        Policy {
            id: "p-FullAWSAccess".to_owned(),
            name: "FullAWSAccess",
            kind: "SERVICE_CONTROL_POLICY",
            aws_managed: true,
            description: "Allows access to every operation",
            document: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            targets: everything.clone(),
        },
        Policy {
            id: "p-RCPFullAWSAccess".to_owned(),
            name: "RCPFullAWSAccess",
            kind: "RESOURCE_CONTROL_POLICY",
            aws_managed: true,
            description: "Allows access to every resource",
            document: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
            targets: everything,
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "deny-leave-organization",
            kind: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "No account leaves the organization",
            document: deny(json!("organizations:LeaveOrganization"), None),
            targets: vec![target(0)],
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "protect-cloudtrail",
            kind: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "The organization trail stays on",
            document: deny(
                json!([
                    "cloudtrail:StopLogging",
                    "cloudtrail:DeleteTrail",
                    "cloudtrail:UpdateTrail"
                ]),
                Some(
                    json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/OrganizationAccountAccessRole"}}),
                ),
            ),
            targets: vec![target(0)],
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "region-guardrail",
            kind: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "Workloads run in the EU regions",
            document: json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Deny",
                "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*"],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
            }]}),
            targets: vec![target(workloads)],
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "deny-iam-users",
            kind: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "Production uses roles, not IAM users",
            document: deny(json!(["iam:CreateUser", "iam:CreateAccessKey"]), None),
            targets: vec![target(prod)],
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "deny-expensive-instances",
            kind: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "No large instances in this account",
            document: deny(
                json!("ec2:RunInstances"),
                Some(
                    json!({"ForAnyValue:StringLike": {"ec2:InstanceType": ["*.8xlarge", "*.16xlarge", "*.metal"]}}),
                ),
            ),
            targets: vec![account_target(single)],
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "quarantine",
            kind: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "Attach to an account under investigation",
            document: deny(json!("*"), None),
            targets: Vec::new(),
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "s3-require-tls",
            kind: "RESOURCE_CONTROL_POLICY",
            aws_managed: false,
            description: "S3 only over TLS",
            document: json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
            }]}),
            targets: vec![target(0)],
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "protect-security-roles",
            kind: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "The security and administration roles stay as they are",
            document: json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Deny",
                "Action": [
                    "iam:AttachRolePolicy",
                    "iam:DeleteRole",
                    "iam:DeleteRolePermissionsBoundary",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:PutRolePermissionsBoundary",
                    "iam:PutRolePolicy",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:UpdateRole",
                ],
                "Resource": [
                    "arn:aws:iam::*:role/OrganizationAccountAccessRole",
                    "arn:aws:iam::*:role/security-audit-readonly",
                ],
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/OrganizationAccountAccessRole"}},
            }]}),
            targets: vec![target(0)],
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "deny-root-user",
            kind: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "No account's root user acts",
            document: deny(
                json!("*"),
                Some(json!({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}})),
            ),
            targets: vec![target(0)],
        },
        Policy {
            id: format!("p-{}", g.lower_alnum(8)),
            name: "resource-perimeter",
            kind: "RESOURCE_CONTROL_POLICY",
            aws_managed: false,
            description: "The security accounts' data stays in the organization",
            document: json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "EnforceOrgIdentities",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*"],
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            }]}),
            targets: vec![target(security)],
        },
    ];
    policies.sort_by(|a, b| a.id.cmp(&b.id));
    for p in &policies {
        let arn = if p.aws_managed {
            format!(
                "arn:aws:organizations::aws:policy/{}/{}",
                p.kind.to_lowercase(),
                p.id
            )
        } else {
            format!(
                "{arn_base}:policy/{org_id}/{}/{}",
                p.kind.to_lowercase(),
                p.id
            )
        };
        file(
            format!("describe-policy/{}.json", p.id),
            json!({"Policy": {
                "PolicySummary": {
                    "Id": p.id,
                    "Arn": arn,
                    "Name": p.name,
                    "Description": p.description,
                    "Type": p.kind,
                    "AwsManaged": p.aws_managed,
                },
                "Content": p.document.to_string(),
            }}),
        );
        let targets: Vec<Value> = p
            .targets
            .iter()
            .map(|(id, name, kind)| json!({"TargetId": id, "Name": name, "Type": kind}))
            .collect();
        file(
            format!("list-targets-for-policy/{}.json", p.id),
            json!({"Targets": targets}),
        );
    }
    for (i, id) in account_ids.iter().enumerate() {
        let env = match parents.get(i).copied() {
            Some(n) if n == prod => "prod",
            Some(n) if n == nonprod => "nonprod",
            Some(n) if n == sandbox => "sandbox",
            _ => "shared",
        };
        file(
            format!("list-tags-for-resource/{id}.json"),
            json!({"Tags": [
                {"Key": "env", "Value": env},
                {"Key": "owner", "Value": format!("team-{}", g.lower_alnum(4))},
            ]}),
        );
    }

    // Each account's IAM; its cross-account roles trust the organization's accounts: the
    // management account, the first account of `Security`, and the next accounts in turn.
    let security_account = parents
        .iter()
        .position(|p| *p == security)
        .and_then(|i| account_ids.get(i))
        .cloned();
    let members: Vec<&String> = account_ids.iter().skip(1).collect();
    let mut roles = 0;
    let mut planted = Vec::new();
    let mut role_names = Vec::with_capacity(account_ids.len());
    for (i, id) in account_ids.iter().enumerate() {
        let sibling_accounts = (1..=members.len())
            .filter_map(|k| members.get((i + k) % members.len().max(1)))
            .filter(|a| **a != id)
            .take(4)
            .map(|a| (*a).clone())
            .collect();
        let generated = generate(&GenerateOptions {
            roles: opts.roles_per_account,
            seed: opts.seed.wrapping_add(u64::try_from(i).unwrap_or(0)),
            at: opts.at,
            account_id: id.clone(),
            drift: false,
            drift_at: None,
            organization: Some(OrgPlacement {
                management_account: Some(mgmt.clone()),
                security_account: security_account.clone(),
                sibling_accounts,
            }),
        })?;
        roles += generated.details.role_detail_list.len();
        role_names.push(
            generated
                .details
                .role_detail_list
                .iter()
                .map(|r| r.role_name.clone())
                .collect::<Vec<_>>(),
        );
        planted.extend(generated.planted.iter().cloned());
        let details = serde_json::to_value(&generated.details)
            .map_err(|e| GenerateError::PolicyTables(e.to_string()))?;
        files.push(CaptureFile {
            path: format!("accounts/{id}/get-account-authorization-details.json"),
            bytes: cli_json(&details),
        });
        files.push(CaptureFile {
            path: format!("accounts/{id}/credential-report.csv"),
            bytes: generated.credential_report_csv.into_bytes(),
        });
    }
    planted.sort();

    // Each account's resource policies (see `resources.rs`), which may let in a role of the
    // next account.
    let mut outside = Gen::new(opts.seed ^ 0x6f75_7473_6964_6573);
    let mut external = || loop {
        let id = outside.account_id();
        if !account_ids.contains(&id) {
            break id;
        }
    };
    let partner = external();
    let vendor = loop {
        let id = external();
        if id != partner {
            break id;
        }
    };
    let plans = plans(&parents, security);
    let mut planted_resources = Vec::new();
    for (i, id) in account_ids.iter().enumerate() {
        let next = (i + 1) % account_ids.len();
        let internal_role = (next != i)
            .then(|| account_ids.get(next).zip(role_names.get(next)))
            .flatten()
            .map(|(other, names)| {
                let role = names
                    .iter()
                    .find(|n| n.ends_with("-lambda") || n.ends_with("-task-role"))
                    .map_or("OrganizationAccountAccessRole", String::as_str);
                format!("arn:aws:iam::{other}:role/{role}")
            });
        let (account_files, access) = account_resources(&AccountInput {
            id,
            org_id: &org_id,
            roles: role_names.get(i).map_or(&[], Vec::as_slice),
            internal_role,
            partner: &partner,
            vendor: &vendor,
            plan: plans.get(i).cloned().unwrap_or_default(),
            at: opts.at,
            seed: opts.seed.wrapping_add(u64::try_from(i).unwrap_or(0)),
        });
        files.extend(account_files);
        planted_resources.extend(access);
    }
    planted_resources.sort();
    Ok(GeneratedOrg {
        files,
        organization_id: org_id,
        account_ids,
        roles,
        planted,
        planted_resources,
    })
}
