//! Policy decisions per second on precompiled policies of realistic size: a role with
//! eight identity policies (wildcards, NotAction, conditions, variables), a permissions
//! boundary and two levels of SCPs, asked 64 different requests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, PolicySet, Request, evaluate, parse_document_text,
};

fn compile(name: &str, json: &str) -> CompiledPolicy {
    CompiledPolicy::new(name, &parse_document_text(json).unwrap())
}

fn policies() -> Vec<CompiledPolicy> {
    let docs = [
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:ListBucket"],"Resource":["arn:aws:s3:::acme-app-*","arn:aws:s3:::acme-app-*/*"]},
            {"Sid":"Write","Effect":"Allow","Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::acme-app-prod-data/uploads/${aws:username}/*"},
            {"Sid":"Tls","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query","dynamodb:PutItem","dynamodb:UpdateItem"],"Resource":"arn:aws:dynamodb:*:111122223333:table/orders*"},
            {"Effect":"Allow","Action":"dynamodb:Scan","Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/orders/index/*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["sqs:SendMessage","sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes"],"Resource":"arn:aws:sqs:*:111122223333:orders-*"},
            {"Effect":"Allow","Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:111122223333:alerts"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:*:log-group:/aws/lambda/*"},
            {"Effect":"Allow","Action":["xray:PutTraceSegments","xray:PutTelemetryRecords","cloudwatch:PutMetricData"],"Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/*","Condition":{"StringEquals":{"kms:ViaService":["s3.us-east-1.amazonaws.com","dynamodb.us-east-1.amazonaws.com"]}}},
            {"Effect":"Allow","Action":["secretsmanager:GetSecretValue"],"Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:app/*","Condition":{"StringEquals":{"aws:ResourceTag/env":"${aws:PrincipalTag/env}"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["iam:PassRole"],"Resource":"arn:aws:iam::111122223333:role/app-*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}},
            {"Effect":"Allow","Action":["lambda:CreateFunction","lambda:UpdateFunctionCode","lambda:InvokeFunction","lambda:Get*","lambda:List*"],"Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/break-glass-*"}}},
            {"Effect":"Allow","Action":["ec2:Describe*","ec2:Get*"],"Resource":"*"}]}"#,
    ];
    docs.iter()
        .enumerate()
        .map(|(i, d)| compile(&format!("p{i}"), d))
        .collect()
}

fn requests() -> Vec<Request> {
    let actions = [
        (
            "s3:GetObject",
            "arn:aws:s3:::acme-app-prod-data/reports/2026/11/25.csv",
        ),
        (
            "s3:PutObject",
            "arn:aws:s3:::acme-app-prod-data/uploads/svc-orders/x.json",
        ),
        ("s3:DeleteBucket", "arn:aws:s3:::acme-app-prod-data"),
        (
            "dynamodb:Query",
            "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
        ),
        (
            "dynamodb:DeleteTable",
            "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
        ),
        (
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:111122223333:orders-created",
        ),
        ("sns:Publish", "arn:aws:sns:us-east-1:111122223333:alerts"),
        (
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/orders:log-stream:x",
        ),
        (
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        (
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf",
        ),
        ("iam:PassRole", "arn:aws:iam::111122223333:role/app-orders"),
        ("iam:CreateUser", "arn:aws:iam::111122223333:user/new"),
        (
            "lambda:InvokeFunction",
            "arn:aws:lambda:us-east-1:111122223333:function:orders",
        ),
        ("ec2:DescribeInstances", "*"),
        (
            "ec2:TerminateInstances",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc",
        ),
        ("cloudwatch:PutMetricData", "*"),
    ];
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-east-1"];
    let mut out = Vec::new();
    for (i, (action, resource)) in actions.iter().cycle().take(64).enumerate() {
        let mut ctx = Context::default();
        ctx.insert("aws:username", ContextValue::Single("svc-orders".into()));
        ctx.insert(
            "aws:SecureTransport",
            ContextValue::Single((i % 7 != 0).to_string()),
        );
        ctx.insert(
            "aws:RequestedRegion",
            ContextValue::Single(regions[i % 4].into()),
        );
        ctx.insert(
            "aws:SourceIp",
            ContextValue::Single(
                if i % 3 == 0 {
                    "198.51.100.7"
                } else {
                    "203.0.113.20"
                }
                .into(),
            ),
        );
        ctx.insert(
            "aws:PrincipalArn",
            ContextValue::Single("arn:aws:iam::111122223333:role/app-orders".into()),
        );
        ctx.insert("aws:PrincipalTag/env", ContextValue::Single("prod".into()));
        ctx.insert(
            "aws:ResourceTag/env",
            ContextValue::Single(if i % 2 == 0 { "prod" } else { "dev" }.into()),
        );
        ctx.insert(
            "kms:ViaService",
            ContextValue::Single("s3.us-east-1.amazonaws.com".into()),
        );
        ctx.insert(
            "iam:PassedToService",
            ContextValue::Single("lambda.amazonaws.com".into()),
        );
        out.push(Request {
            principal: "arn:aws:sts::111122223333:assumed-role/app-orders/session".into(),
            principal_account: "111122223333".into(),
            action: (*action).into(),
            resource: (*resource).into(),
            resource_account: "111122223333".into(),
            context: ctx,
        });
    }
    out
}

fn bench(c: &mut Criterion) {
    let identity = policies();
    let boundary = compile(
        "boundary",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:CreateUser","iam:AttachRolePolicy"],"Resource":"*"}]}"#,
    );
    let scps = vec![
        vec![compile(
            "FullAWSAccess",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )],
        vec![
            compile(
                "FullAWSAccess",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            ),
            compile(
                "DenyLeaveOrg",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["organizations:LeaveOrganization","account:CloseAccount"],"Resource":"*"}]}"#,
            ),
        ],
    ];
    let set = PolicySet {
        identity: &identity,
        permissions_boundary: Some(&boundary),
        scps: &scps,
        ..Default::default()
    };
    let reqs = requests();
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(reqs.len() as u64));
    group.bench_function("role_8_policies_boundary_2_scp_levels", |b| {
        b.iter(|| {
            for r in &reqs {
                black_box(evaluate(black_box(r), &set));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
