//! `iamsnap export` of resource-based policies and exposure settings against moto_server:
//! resources of every service made with boto3 (a bucket with a policy, Block Public Access,
//! ownership controls and tags; the account's Block Public Access; a KMS key with a policy,
//! a grant and a tag; an SQS queue, an SNS topic, a secret, a Lambda function and an ECR
//! repository with their policies), then the rows read back with `iamsnap query`; denied
//! calls recorded as missing parts (per region for regional services); `--no-resources`
//! recorded as not captured.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;
use crate::export::{ACCOUNT, MOTO_LACKS, export_ok, manifest, query, skipped};
use crate::moto::{FaultProxy, Faults, Moto};

/// A bucket policy open to everyone for reads, with a condition.
fn public_read() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "PublicRead", "Effect": "Allow",
        "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-public/*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})
}

/// The policies of the other services' resources, as JSON text by service.
fn service_policies() -> Value {
    let doc =
        |statement: Value| json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
    json!({
        "kms": doc(json!({"Sid": "Admin", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"})),
        "sqs": doc(json!({"Sid": "Partner", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sqs:SendMessage",
            "Resource": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:acme-jobs")})),
        "sns": doc(json!({"Sid": "Anyone", "Effect": "Allow", "Principal": "*",
            "Action": "sns:Publish", "Resource": format!("arn:aws:sns:us-east-1:{ACCOUNT}:acme-events")})),
        "secret": doc(json!({"Sid": "App", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/app")},
            "Action": "secretsmanager:GetSecretValue", "Resource": "*"})),
        // A repository policy names no resource.
        "ecr": doc(json!({"Sid": "Pull", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]})),
    })
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
# The account's Block Public Access through S3 Control's REST API: boto3 would put the
# account id in front of the endpoint's host name, which a loopback address cannot take.
import urllib.request
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
bpa = ('<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">'
       '<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>'
       '<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets>'
       '</PublicAccessBlockConfiguration>')
req = AWSRequest(method="PUT", url=sys.argv[1] + "/v20180820/configuration/publicAccessBlock",
                 data=bpa, headers={"x-amz-account-id": "123456789012",
                                    "Content-Type": "application/xml"})
SigV4Auth(Credentials("testing", "testing"), "s3", "us-east-1").add_auth(req)
urllib.request.urlopen(urllib.request.Request(req.url, data=bpa.encode(),
                       headers=dict(req.headers.items()), method="PUT")).read()

policies = json.loads(sys.argv[3])
kms = boto3.client("kms", **kw)
key = kms.create_key(Description="acme data key", Policy=policies["kms"],
                     Tags=[{"TagKey": "team", "TagValue": "data"}])["KeyMetadata"]
kms.create_grant(KeyId=key["KeyId"], Name="app-decrypt",
                 GranteePrincipal="arn:aws:iam::123456789012:role/app",
                 RetiringPrincipal="arn:aws:iam::123456789012:role/admin",
                 Operations=["Decrypt", "GenerateDataKey"],
                 Constraints={"EncryptionContextSubset": {"app": "billing"}})
sqs = boto3.client("sqs", **kw)
sqs.create_queue(QueueName="acme-jobs", Attributes={"Policy": policies["sqs"]})
sqs.create_queue(QueueName="acme-quiet")
sns = boto3.client("sns", **kw)
topic = sns.create_topic(Name="acme-events")["TopicArn"]
sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=policies["sns"])
sm = boto3.client("secretsmanager", **kw)
secret = sm.create_secret(Name="acme-db", SecretString="hunter2")["ARN"]
sm.put_resource_policy(SecretId=secret, ResourcePolicy=policies["secret"])
ecr = boto3.client("ecr", **kw)
ecr.create_repository(repositoryName="acme-app")
ecr.set_repository_policy(repositoryName="acme-app", policyText=policies["ecr"])
iam = boto3.client("iam", **kw)
role = iam.create_role(RoleName="acme-fn", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
import io, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("index.py", "def handler(event, context):\n    return 1\n")
lam = boto3.client("lambda", **kw)
lam.create_function(FunctionName="acme-fn", Runtime="python3.12", Role=role,
                    Handler="index.handler", Code={"ZipFile": buf.getvalue()})
lam.add_permission(FunctionName="acme-fn", StatementId="s3-invoke", Action="lambda:InvokeFunction",
                   Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::acme-public",
                   SourceAccount="123456789012")
"#;
    let o = std::process::Command::new(python)
        .args([
            "-c",
            script,
            endpoint,
            &public_read().to_string(),
            &service_policies().to_string(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The manifest's missing parts by name, without `service_last_accessed`, which moto does
/// not serve (it answers HTTP 500) once the account has a role.
fn missing_parts(snap: &Path) -> std::collections::BTreeMap<String, Value> {
    let mut parts = crate::export::missing_parts(snap);
    parts.remove("service_last_accessed");
    parts
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
    let out = export_ok(
        &moto.url,
        &snap,
        &["--max-attempts", "2", "--verbose", "--regions", "us-east-1"],
    );
    assert!(
        out.contains("7 resource policies, 20 resource settings, 1 KMS grants"),
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
         from resource_policies where service = 's3'",
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
    // The account's Block Public Access, which applies to every bucket.
    assert_eq!(
        query(
            &snap,
            "select setting, value, source from resource_settings \
             where resource_type = 'account' and region is null order by setting",
        ),
        vec![
            json!({"setting": "block_public_acls", "value": "true", "source": "s3control:GetPublicAccessBlock"}),
            json!({"setting": "block_public_policy", "value": "true", "source": "s3control:GetPublicAccessBlock"}),
            json!({"setting": "ignore_public_acls", "value": "false", "source": "s3control:GetPublicAccessBlock"}),
            json!({"setting": "restrict_public_buckets", "value": "false", "source": "s3control:GetPublicAccessBlock"}),
        ]
    );
    assert_eq!(
        query(
            &snap,
            "select distinct arn from resource_settings where resource_type = 'account'"
        ),
        vec![json!({"arn": ACCOUNT})]
    );
}

#[test]
fn export_captures_the_policies_of_every_service_and_kms_grants() {
    let Some(moto) = started() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    export_ok(
        &moto.url,
        &snap,
        &["--max-attempts", "2", "--regions", "us-east-1"],
    );
    assert!(
        missing_parts(&snap).is_empty(),
        "{:?}",
        missing_parts(&snap)
    );
    let rows = query(
        &snap,
        "select service, resource_type, name, arn, region, source, problem, policy \
         from resource_policies where service <> 's3' order by service, name",
    );
    let summary: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            assert_eq!(r["region"], "us-east-1", "{r}");
            assert!(r["problem"].is_null(), "{r}");
            (
                r["service"].as_str().unwrap().to_owned(),
                r["resource_type"].as_str().unwrap().to_owned(),
                r["name"].as_str().unwrap().to_owned(),
                r["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let key_id = rows
        .iter()
        .find(|r| r["service"] == "kms")
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .unwrap();
    let expected: Vec<(String, String, String, String)> = [
        ("ecr", "repository", "acme-app", "ecr:GetRepositoryPolicy"),
        ("kms", "key", key_id.as_str(), "kms:GetKeyPolicy"),
        ("lambda", "function", "acme-fn", "lambda:GetPolicy"),
        (
            "secretsmanager",
            "secret",
            "acme-db",
            "secretsmanager:GetResourcePolicy",
        ),
        ("sns", "topic", "acme-events", "sns:GetTopicAttributes"),
        ("sqs", "queue", "acme-jobs", "sqs:GetQueueAttributes"),
    ]
    .iter()
    .map(|(a, b, c, d)| {
        (
            (*a).to_owned(),
            (*b).to_owned(),
            (*c).to_owned(),
            (*d).to_owned(),
        )
    })
    .collect();
    assert_eq!(summary, expected);

    // The documents, as created (the ECR one without `Resource`, valid all the same).
    let policies = service_policies();
    let stored = |service: &str| -> Value {
        let r = rows.iter().find(|r| r["service"] == service).unwrap();
        serde_json::from_str(r["policy"].as_str().unwrap()).unwrap()
    };
    for (service, key) in [
        ("kms", "kms"),
        ("sqs", "sqs"),
        ("sns", "sns"),
        ("secretsmanager", "secret"),
        ("ecr", "ecr"),
    ] {
        let created: Value = serde_json::from_str(policies[key].as_str().unwrap()).unwrap();
        assert_eq!(stored(service), created, "{service}");
    }
    let lambda = stored("lambda");
    assert_eq!(lambda["Statement"][0]["Sid"], "s3-invoke", "{lambda}");
    assert_eq!(
        lambda["Statement"][0]["Principal"]["Service"], "s3.amazonaws.com",
        "{lambda}"
    );
    // ARNs as each service names its resources.
    let arn = |service: &str| {
        rows.iter().find(|r| r["service"] == service).unwrap()["arn"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        arn("sqs"),
        format!("arn:aws:sqs:us-east-1:{ACCOUNT}:acme-jobs")
    );
    assert_eq!(
        arn("sns"),
        format!("arn:aws:sns:us-east-1:{ACCOUNT}:acme-events")
    );
    assert_eq!(
        arn("ecr"),
        format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/acme-app")
    );
    assert_eq!(
        arn("lambda"),
        format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:acme-fn")
    );
    assert_eq!(
        arn("kms"),
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}")
    );

    let grants = query(
        &snap,
        "select key_arn, name, grantee_principal, retiring_principal, operations, constraints, \
         issuing_account, region from kms_grants",
    );
    assert_eq!(grants.len(), 1, "{grants:?}");
    let g = &grants[0];
    assert_eq!(g["key_arn"], json!(arn("kms")));
    assert_eq!(g["name"], "app-decrypt");
    assert_eq!(
        g["grantee_principal"],
        format!("arn:aws:iam::{ACCOUNT}:role/app")
    );
    assert_eq!(
        g["retiring_principal"],
        format!("arn:aws:iam::{ACCOUNT}:role/admin")
    );
    assert_eq!(g["operations"], json!(["Decrypt", "GenerateDataKey"]));
    let constraints: Value = serde_json::from_str(g["constraints"].as_str().unwrap()).unwrap();
    assert_eq!(
        constraints,
        json!({"EncryptionContextSubset": {"app": "billing"}})
    );
    assert_eq!(g["region"], "us-east-1");

    assert_eq!(
        query(
            &snap,
            "select setting, value, source from resource_settings where service = 'kms'",
        ),
        vec![json!({"setting": "tag:team", "value": "data", "source": "kms:ListResourceTags"})]
    );
}

#[test]
fn a_denied_call_of_a_regional_service_is_missing_in_that_region() {
    let Some(moto) = started() else {
        return skipped();
    };
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            deny: Some("GetKeyPolicy"),
            ..Faults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let out = export_ok(
        &proxy.url,
        &snap,
        &["--max-attempts", "2", "--regions", "us-east-1,eu-west-1"],
    );
    let missing: Vec<Value> = manifest(&snap)["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["part"] != "service_last_accessed")
        .filter(|p| !MOTO_LACKS.contains(&p["part"].as_str().unwrap_or("")))
        .cloned()
        .collect();
    assert_eq!(missing.len(), 1, "{missing:?}");
    let part = &missing[0];
    assert_eq!(part["part"], "kms_key_policies");
    assert_eq!(part["region"], "us-east-1");
    assert_eq!(part["action"], "kms:GetKeyPolicy");
    assert!(
        part["reason"]
            .as_str()
            .unwrap()
            .starts_with("AccessDenied: grant kms:GetKeyPolicy"),
        "{part}"
    );
    assert!(
        out.contains(
            "missing: kms_key_policies (region us-east-1): AccessDenied: grant kms:GetKeyPolicy"
        ),
        "{out}"
    );
    // The rest of the key is read: its grant and its tag; the other services too.
    assert_eq!(rows(&snap, "kms_grants"), 1);
    assert_eq!(
        query(
            &snap,
            "select count(*) as n from resource_policies where service = 'kms'"
        ),
        vec![json!({"n": 0})]
    );
    assert_eq!(
        query(
            &snap,
            "select count(*) as n from resource_policies where service = 'sqs'"
        ),
        vec![json!({"n": 1})]
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
    let out = export_ok(
        &proxy.url,
        &snap,
        &["--max-attempts", "2", "--regions", "us-east-1"],
    );
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
    assert_eq!(
        query(
            &snap,
            "select count(*) as n from resource_policies where service = 's3'"
        ),
        vec![json!({"n": 0})]
    );
    assert_eq!(
        query(
            &snap,
            "select count(*) as n from resource_settings where resource_type = 'bucket'"
        ),
        vec![json!({"n": 15})]
    );

    // --strict refuses to write an export without them.
    let strict = dir.path().join("strict");
    let o = crate::export::export(
        &proxy.url,
        &strict,
        &["--strict", "--max-attempts", "2", "--regions", "us-east-1"],
    );
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
    assert_eq!(rows(&snap, "kms_grants"), 0);
    let inspected = ok(&["inspect", s(&snap)]);
    assert!(inspected.contains("missing: resources"), "{inspected}");
}

/// The policies of the kinds of `create_more_resources`, as JSON text by kind.
fn more_policies() -> Value {
    let doc =
        |statement: Value| json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
    json!({
        "events": doc(json!({"Sid": "Partner", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "events:PutEvents",
            "Resource": format!("arn:aws:events:us-east-1:{ACCOUNT}:event-bus/acme-bus")})),
        "dynamodb": doc(json!({"Sid": "Reader", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "dynamodb:GetItem",
            "Resource": format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/acme-orders")})),
        "efs": doc(json!({"Sid": "Mount", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": "elasticfilesystem:ClientMount", "Resource": "*"})),
        "logs": doc(json!({"Sid": "Route53", "Effect": "Allow",
            "Principal": {"Service": "route53.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/route53/*")})),
        "accesspoint": doc(json!({"Sid": "Team", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/app")}, "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/acme-ap/object/*")})),
        "vpce": doc(json!({"Sid": "OneBucket", "Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-public/*"})),
    })
}

/// The other kinds with boto3: an event bus with a policy, a DynamoDB table with a
/// resource policy and one without, a backup vault, an EFS file system with a policy, a
/// CloudWatch Logs resource policy, a Lambda layer version shared with everyone, an S3
/// access point with a policy, a VPC gateway endpoint with a policy, and a RAM share of a
/// subnet with another account.
fn create_more_resources(endpoint: &str) -> String {
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap();
    let script = r#"
import io, json, sys, zipfile, urllib.request, boto3
from xml.sax.saxutils import escape
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
endpoint = sys.argv[1]
policies = json.loads(sys.argv[2])
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
events = boto3.client("events", **kw)
events.create_event_bus(Name="acme-bus")
events.put_permission(EventBusName="acme-bus", Policy=policies["events"])
ddb = boto3.client("dynamodb", **kw)
key = dict(AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
           KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
table = ddb.create_table(TableName="acme-orders", **key)["TableDescription"]["TableArn"]
ddb.put_resource_policy(ResourceArn=table, Policy=policies["dynamodb"])
ddb.create_table(TableName="acme-plain", **key)
boto3.client("backup", **kw).create_backup_vault(BackupVaultName="acme-vault")
efs = boto3.client("efs", **kw)
fs = efs.create_file_system(CreationToken="acme-fs")["FileSystemId"]
efs.put_file_system_policy(FileSystemId=fs, Policy=policies["efs"])
boto3.client("logs", **kw).put_resource_policy(policyName="acme-route53",
                                               policyDocument=policies["logs"])
lam = boto3.client("lambda", **kw)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("python/acme.py", "X = 1\n")
layer = lam.publish_layer_version(LayerName="acme-layer", Content={"ZipFile": buf.getvalue()})
lam.add_layer_version_permission(LayerName="acme-layer", VersionNumber=layer["Version"],
    StatementId="everyone", Action="lambda:GetLayerVersion", Principal="*")
# S3 Control through its REST API, as for the account's Block Public Access.
def s3control(path, body):
    req = AWSRequest(method="PUT", url=endpoint + path, data=body,
                     headers={"x-amz-account-id": "123456789012", "Content-Type": "application/xml"})
    SigV4Auth(Credentials("testing", "testing"), "s3", "us-east-1").add_auth(req)
    urllib.request.urlopen(urllib.request.Request(req.url, data=body.encode(),
                           headers=dict(req.headers.items()), method="PUT")).read()
ns = 'xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"'
s3control("/v20180820/accesspoint/acme-ap",
          f"<CreateAccessPointRequest {ns}><Bucket>acme-public</Bucket></CreateAccessPointRequest>")
s3control("/v20180820/accesspoint/acme-ap/policy",
          f"<PutAccessPointPolicyRequest {ns}><Policy>{escape(policies['accesspoint'])}</Policy>"
          "</PutAccessPointPolicyRequest>")
ec2 = boto3.client("ec2", **kw)
vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3",
    VpcEndpointType="Gateway", PolicyDocument=policies["vpce"])
boto3.client("ram", **kw).create_resource_share(name="acme-share", allowExternalPrincipals=True,
    resourceArns=["arn:aws:ec2:us-east-1:123456789012:subnet/" + subnet],
    principals=["999988887777"])
print(json.dumps({"vpc": vpc, "subnet": subnet, "fs": fs}))
"#;
    let o = std::process::Command::new(python)
        .args(["-c", script, endpoint, &more_policies().to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn export_captures_the_other_kinds_and_records_what_moto_lacks() {
    let Some(moto) = started() else {
        return skipped();
    };
    let created: Value = serde_json::from_str(&create_more_resources(&moto.url)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let out = export_ok(
        &moto.url,
        &snap,
        &["--max-attempts", "2", "--regions", "us-east-1"],
    );
    let (vpc, subnet, fs) = (
        created["vpc"].as_str().unwrap(),
        created["subnet"].as_str().unwrap(),
        created["fs"].as_str().unwrap(),
    );
    let rows = query(
        &snap,
        "select service, resource_type, name, arn, region, source, problem, policy \
         from resource_policies where service in \
         ('events', 'dynamodb', 'elasticfilesystem', 'logs', 'ec2', 'backup') \
         or resource_type in ('layerVersion', 'accesspoint') order by service, resource_type",
    );
    let summary: Vec<Value> = rows
        .iter()
        .map(|r| {
            assert_eq!(r["region"], "us-east-1", "{r}");
            json!([
                r["service"],
                r["resource_type"],
                r["name"],
                r["arn"],
                r["source"]
            ])
        })
        .collect();
    let vpce = rows
        .iter()
        .find(|r| r["service"] == "ec2")
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .unwrap();
    let a = ACCOUNT;
    assert_eq!(
        summary,
        vec![
            json!([
                "dynamodb",
                "table",
                "acme-orders",
                format!("arn:aws:dynamodb:us-east-1:{a}:table/acme-orders"),
                "dynamodb:GetResourcePolicy"
            ]),
            json!([
                "ec2",
                "vpc-endpoint",
                vpce,
                format!("arn:aws:ec2:us-east-1:{a}:vpc-endpoint/{vpce}"),
                "ec2:DescribeVpcEndpoints"
            ]),
            json!([
                "elasticfilesystem",
                "file-system",
                fs,
                format!("arn:aws:elasticfilesystem:us-east-1:{a}:file-system/{fs}"),
                "elasticfilesystem:DescribeFileSystemPolicy"
            ]),
            json!([
                "events",
                "event-bus",
                "acme-bus",
                format!("arn:aws:events:us-east-1:{a}:event-bus/acme-bus"),
                "events:ListEventBuses"
            ]),
            json!([
                "lambda",
                "layerVersion",
                "acme-layer:1",
                format!("arn:aws:lambda:us-east-1:{a}:layer:acme-layer:1"),
                "lambda:GetLayerVersionPolicy"
            ]),
            // An account-level policy: named by the account.
            json!([
                "logs",
                "resource-policy",
                "acme-route53",
                a,
                "logs:DescribeResourcePolicies"
            ]),
            json!([
                "s3",
                "accesspoint",
                "acme-ap",
                format!("arn:aws:s3:us-east-1:{a}:accesspoint/acme-ap"),
                "s3:GetAccessPointPolicy"
            ]),
        ]
    );
    // The documents as created, each a valid resource policy.
    let policies = more_policies();
    for (service, key) in [
        ("dynamodb", "dynamodb"),
        ("ec2", "vpce"),
        ("elasticfilesystem", "efs"),
        ("events", "events"),
        ("logs", "logs"),
        ("s3", "accesspoint"),
    ] {
        let r = rows.iter().find(|r| r["service"] == service).unwrap();
        assert!(r["problem"].is_null(), "{r}");
        let stored: Value = serde_json::from_str(r["policy"].as_str().unwrap()).unwrap();
        let created: Value = serde_json::from_str(policies[key].as_str().unwrap()).unwrap();
        assert_eq!(stored, created, "{service}");
    }
    let layer = rows.iter().find(|r| r["service"] == "lambda").unwrap();
    assert!(layer["problem"].is_null(), "{layer}");
    let layer: Value = serde_json::from_str(layer["policy"].as_str().unwrap()).unwrap();
    assert_eq!(layer["Statement"][0]["Principal"], "*", "{layer}");

    let settings = |arn: &str| -> Vec<Value> {
        query(
            &snap,
            &format!(
                "select service, resource_type, setting, value, source from resource_settings \
                 where arn = '{arn}' order by setting, value"
            ),
        )
    };
    let ap = format!("arn:aws:s3:us-east-1:{a}:accesspoint/acme-ap");
    let ap_rows: Vec<(String, String)> = settings(&ap)
        .iter()
        .map(|r| {
            assert_eq!(r["source"], "s3:GetAccessPoint", "{r}");
            (
                r["setting"].as_str().unwrap().to_owned(),
                r["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ap_rows,
        pairs(&[
            ("block_public_acls", "true"),
            ("block_public_policy", "true"),
            ("bucket", "acme-public"),
            ("ignore_public_acls", "true"),
            ("network_origin", "Internet"),
            ("restrict_public_buckets", "true"),
        ])
    );
    let endpoint = settings(&format!("arn:aws:ec2:us-east-1:{a}:vpc-endpoint/{vpce}"));
    assert_eq!(
        endpoint,
        vec![
            json!({"service": "ec2", "resource_type": "vpc-endpoint", "setting": "endpoint_type",
                "value": "Gateway", "source": "ec2:DescribeVpcEndpoints"}),
            json!({"service": "ec2", "resource_type": "vpc-endpoint", "setting": "service_name",
                "value": "com.amazonaws.us-east-1.s3", "source": "ec2:DescribeVpcEndpoints"}),
            json!({"service": "ec2", "resource_type": "vpc-endpoint", "setting": "vpc_id",
                "value": vpc, "source": "ec2:DescribeVpcEndpoints"}),
        ]
    );
    // The RAM share, on the shared subnet and on the share.
    let subnet_arn = format!("arn:aws:ec2:us-east-1:{a}:subnet/{subnet}");
    let shared = settings(&subnet_arn);
    let share_arn = shared
        .iter()
        .find(|r| r["setting"] == "ram_share")
        .map(|r| r["value"].as_str().unwrap().to_owned())
        .unwrap();
    let source = "ram:GetResourceShareAssociations";
    assert_eq!(
        shared,
        vec![
            json!({"service": "ram", "resource_type": "shared-resource",
                "setting": "ram_allow_external_principals", "value": "true", "source": source}),
            json!({"service": "ram", "resource_type": "shared-resource",
                "setting": "ram_principal", "value": "999988887777", "source": source}),
            json!({"service": "ram", "resource_type": "shared-resource",
                "setting": "ram_share", "value": share_arn, "source": source}),
        ]
    );
    assert!(share_arn.starts_with(&format!("arn:aws:ram:us-east-1:{a}:resource-share/")));
    assert_eq!(
        settings(&share_arn),
        vec![
            json!({"service": "ram", "resource_type": "resource-share",
                "setting": "allow_external_principals", "value": "true", "source": "ram:GetResourceShares"}),
            json!({"service": "ram", "resource_type": "resource-share",
                "setting": "principal", "value": "999988887777", "source": source}),
            json!({"service": "ram", "resource_type": "resource-share",
                "setting": "resource", "value": subnet_arn, "source": source}),
        ]
    );

    // What moto does not serve is missing, naming the action, and the rest is read:
    // vault access policies (moto answers 404 without an error code) and the buckets'
    // ABAC status (moto answers with the bucket's listing, which has no status).
    let missing: std::collections::BTreeMap<String, Value> = manifest(&snap)["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["part"].as_str().unwrap().to_owned(), p.clone()))
        .filter(|(p, _)| p != "service_last_accessed")
        .collect();
    assert_eq!(
        missing.keys().collect::<Vec<_>>(),
        ["backup_vault_policies", "s3_bucket_abac"],
        "{missing:?}"
    );
    let vault = &missing["backup_vault_policies"];
    assert_eq!(vault["region"], "us-east-1");
    let reason = vault["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("GetBackupVaultAccessPolicy failed")
            && reason.contains(&format!(
                "arn:aws:backup:us-east-1:{a}:backup-vault:acme-vault"
            )),
        "{vault}"
    );
    assert!(
        missing["s3_bucket_abac"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("GetBucketAbac failed"),
        "{missing:?}"
    );
    assert!(
        out.contains("missing: s3_bucket_abac: GetBucketAbac failed"),
        "{out}"
    );
    // Never a silent "disabled".
    assert_eq!(
        query(
            &snap,
            "select count(*) as n from resource_settings where setting = 'abac_status'"
        ),
        vec![json!({"n": 0})]
    );
    // A table without a policy has no row; nor does the vault.
    assert_eq!(
        query(
            &snap,
            "select count(*) as n from resource_policies where name in ('acme-plain', 'acme-vault')"
        ),
        vec![json!({"n": 0})]
    );
}

#[test]
fn a_denied_listing_of_a_new_kind_is_missing_naming_its_action() {
    let Some(moto) = started() else {
        return skipped();
    };
    create_more_resources(&moto.url);
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            deny: Some("ListEventBuses"),
            ..Faults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let out = export_ok(
        &proxy.url,
        &snap,
        &["--max-attempts", "2", "--regions", "us-east-1"],
    );
    let part = &missing_parts(&snap)["event_buses"];
    assert_eq!(part["region"], "us-east-1");
    assert_eq!(part["action"], "events:ListEventBuses");
    assert!(
        out.contains(
            "missing: event_buses (region us-east-1): AccessDenied: grant events:ListEventBuses"
        ),
        "{out}"
    );
    // The other kinds are read.
    assert_eq!(
        query(
            &snap,
            "select service from resource_policies where service in ('events', 'dynamodb', 'logs') \
             order by service"
        ),
        vec![json!({"service": "dynamodb"}), json!({"service": "logs"})]
    );
}
