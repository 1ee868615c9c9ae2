//! `can(...)` agrees with `iamsnap_policy::evaluate` over policies gathered independently
//! from the snapshot's tables, for every user and role of the demo snapshot and a sample of
//! actions and resources.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashMap;
use std::path::Path;

use arrow::array::{Array, AsArray, MapArray, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use iamsnap_access::resource_policy::CAPTURED_SERVICES;
use iamsnap_engine::Engine;
use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, Decision, PolicySet, Request, evaluate,
    parse_document_text,
};
use iamsnap_snapshot::Snapshot;

fn text<'a>(batch: &'a RecordBatch, name: &str) -> &'a StringArray {
    batch.column_by_name(name).unwrap().as_string::<i32>()
}

fn get(a: &StringArray, i: usize) -> Option<String> {
    (!a.is_null(i)).then(|| a.value(i).to_owned())
}

struct Expected {
    arn: String,
    account: String,
    identity: Vec<CompiledPolicy>,
    boundary: Option<CompiledPolicy>,
    context: Context,
}

fn principals(snap: &Snapshot) -> Vec<Expected> {
    let policies = snap.read_table("policies").unwrap();
    let mut docs: HashMap<String, String> = HashMap::new();
    for i in 0..policies.num_rows() {
        let key = get(text(&policies, "policy_key"), i).unwrap();
        let doc = get(text(&policies, "document"), i).expect("the demo has every document");
        docs.insert(key, doc);
    }
    let compile = |key: &str| CompiledPolicy::new(key, &parse_document_text(&docs[key]).unwrap());
    let attachments = snap.read_table("attachments").unwrap();
    let mut out = Vec::new();
    for (table, is_user) in [("users", true), ("roles", false)] {
        let batch = snap.read_table(table).unwrap();
        let tags = batch
            .column_by_name("tags")
            .unwrap()
            .as_any()
            .downcast_ref::<MapArray>()
            .unwrap();
        for i in 0..batch.num_rows() {
            let arn = get(text(&batch, "arn"), i).unwrap();
            let account = get(text(&batch, "account_id"), i).unwrap();
            let name = get(text(&batch, "name"), i).unwrap();
            let identity = (0..attachments.num_rows())
                .filter(|&j| get(text(&attachments, "principal_arn"), j).as_deref() == Some(&arn))
                .map(|j| compile(&get(text(&attachments, "policy_key"), j).unwrap()))
                .collect();
            let boundary = get(text(&batch, "permissions_boundary_arn"), i).map(|b| compile(&b));
            let mut context = Context::default();
            context.insert("aws:PrincipalArn", ContextValue::Single(arn.clone()));
            context.insert(
                "aws:PrincipalAccount",
                ContextValue::Single(account.clone()),
            );
            if is_user {
                context.insert("aws:username", ContextValue::Single(name));
            }
            let entries = tags.value(i);
            let keys = entries.column(0).as_string::<i32>();
            let values = entries.column(1).as_string::<i32>();
            for t in 0..keys.len() {
                context.insert(
                    &format!("aws:PrincipalTag/{}", keys.value(t)),
                    ContextValue::Single(values.value(t).to_owned()),
                );
            }
            out.push(Expected {
                arn,
                account,
                identity,
                boundary,
                context,
            });
        }
    }
    out
}

fn samples(snap: &Snapshot) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [
        ("iam:PassRole", "*"),
        (
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/app-task-role",
        ),
        ("iam:CreateUser", "*"),
        ("iam:AttachRolePolicy", "arn:aws:iam::111122223333:role/x"),
        (
            "iam:CreateAccessKey",
            "arn:aws:iam::111122223333:user/terraform-bot",
        ),
        ("iam:GetRole", "*"),
        (
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole",
        ),
        ("sts:AssumeRole", "arn:aws:iam::111122223333:role/deploy"),
        ("sts:AssumeRole", "arn:aws:iam::444455556666:role/x"),
        ("ec2:RunInstances", "*"),
        ("ec2:DescribeInstances", "*"),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/1234"),
        (
            "lambda:UpdateFunctionCode",
            "arn:aws:lambda:us-east-1:111122223333:function:x",
        ),
        ("ecs:UpdateService", "*"),
        (
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:111122223333:table/fraud-prod-items",
        ),
        (
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:chat/prod/db",
        ),
        ("s3:ListAllMyBuckets", "*"),
        ("organizations:ListAccounts", "*"),
        ("cloudwatch:PutMetricData", "*"),
        ("sns:Publish", "arn:aws:sns:us-east-1:111122223333:topic"),
    ]
    .iter()
    .map(|(a, r)| ((*a).to_owned(), (*r).to_owned()))
    .collect();
    // The demo's buckets, from the statements that name them.
    let statements = snap.read_table("statements").unwrap();
    let resources = statements
        .column_by_name("resources")
        .unwrap()
        .as_list::<i32>();
    let mut buckets: Vec<String> = Vec::new();
    for i in 0..resources.len() {
        if resources.is_null(i) {
            continue;
        }
        let list = resources.value(i);
        let list = list.as_string::<i32>();
        for j in 0..list.len() {
            if let Some(b) = list.value(j).strip_prefix("arn:aws:s3:::")
                && !b.contains(['*', '/'])
                && !buckets.iter().any(|x| x == b)
            {
                buckets.push(b.to_owned());
            }
        }
    }
    buckets.sort();
    assert!(buckets.len() >= 8, "the demo names buckets: {buckets:?}");
    for b in buckets.iter().take(10) {
        out.push((
            "s3:GetObject".to_owned(),
            format!("arn:aws:s3:::{b}/data/file.csv"),
        ));
        out.push(("s3:ListBucket".to_owned(), format!("arn:aws:s3:::{b}")));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn can_agrees_with_the_evaluator_on_every_principal() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots/demo-2026-11-22");
    let snap = Snapshot::open(&dir).unwrap();
    let principals = principals(&snap);
    let samples = samples(&snap);
    assert!(samples.len() >= 38, "{} samples", samples.len());

    let values = samples
        .iter()
        .map(|(a, r)| format!("('{a}', '{r}')"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "select p.arn, s.action, s.resource, can(p.arn, s.action, s.resource) \
         from (select arn from users union all select arn from roles) p \
         cross join (values {values}) s(action, resource)"
    );
    let engine = Engine::open(&dir).await.unwrap();
    let mut got: HashMap<(String, String, String), Option<bool>> = HashMap::new();
    for batch in engine.query(&sql).await.unwrap() {
        let texts: Vec<StringArray> = (0..3)
            .map(|c| {
                let array = cast(batch.column(c), &DataType::Utf8).unwrap();
                array.as_string::<i32>().clone()
            })
            .collect();
        let (arn, action, resource) = (&texts[0], &texts[1], &texts[2]);
        let can = batch.column(3).as_boolean();
        for i in 0..batch.num_rows() {
            got.insert(
                (
                    arn.value(i).to_owned(),
                    action.value(i).to_owned(),
                    resource.value(i).to_owned(),
                ),
                (!can.is_null(i)).then(|| can.value(i)),
            );
        }
    }
    assert_eq!(got.len(), principals.len() * samples.len());

    // Each role's trust policy, compiled as a resource policy.
    let roles = snap.read_table("roles").unwrap();
    let trust: HashMap<String, CompiledPolicy> = (0..roles.num_rows())
        .map(|i| {
            let arn = get(text(&roles, "arn"), i).unwrap();
            let doc = get(text(&roles, "assume_role_policy"), i).unwrap();
            let compiled =
                CompiledPolicy::new_resource_policy(&arn, &parse_document_text(&doc).unwrap());
            (arn, compiled)
        })
        .collect();
    let mut allows = 0;
    let mut mismatches = Vec::new();
    for p in &principals {
        for (action, resource) in &samples {
            let resource_account = resource
                .split(':')
                .nth(4)
                .filter(|a| a.len() == 12)
                .unwrap_or(&p.account)
                .to_owned();
            let request = Request {
                principal: p.arn.clone(),
                principal_account: p.account.clone(),
                action: action.clone(),
                resource: resource.clone(),
                resource_account,
                context: p.context.clone(),
            };
            let set = PolicySet {
                identity: &p.identity,
                permissions_boundary: p.boundary.as_ref(),
                ..PolicySet::default()
            };
            // The snapshot holds no resource-based policies: a resource of a service that
            // has them is unknown unless an explicit deny settles it; a role's trust policy
            // is in the snapshot, and decides sts:AssumeRole with the identity side.
            let service = resource.split(':').nth(2).unwrap_or_default();
            let trust_policy = trust.get(resource).filter(|_| action == "sts:AssumeRole");
            let set = PolicySet {
                resource: trust_policy,
                ..set
            };
            let decision = evaluate(&request, &set).decision;
            let needs_resource_policy = match service {
                "sts" | "iam" if action == "sts:AssumeRole" => trust_policy.is_none(),
                s => CAPTURED_SERVICES.contains(&s),
            };
            let expected = if needs_resource_policy && decision != Decision::ExplicitDeny {
                None
            } else {
                Some(decision == Decision::Allow)
            };
            allows += usize::from(expected == Some(true));
            let actual = got[&(p.arn.clone(), action.clone(), resource.clone())];
            if actual != expected {
                mismatches.push(format!(
                    "{} {action} {resource}: can={actual:?}, evaluate={expected:?}",
                    p.arn
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The sample is worth something only if it has both answers.
    assert!(
        allows > 50 && allows < got.len() / 2,
        "{allows} allows of {}",
        got.len()
    );
}
