//! The resource-based policies of a generated organization's accounts, as the capture files
//! `scripts/capture-org` writes under `accounts/<id>/resources/` (see
//! `iamsnap_import::capture_resources` for the layout), and the record of who each policy
//! lets in.
//!
//! Every account has a few resources per application (its first two applications, named
//! from its roles): an S3 bucket, a KMS key with a grant, an SQS queue, an SNS topic, a
//! Secrets Manager secret, a Lambda function and an ECR repository, plus an access-log
//! bucket. Their policies are ordinary: the account itself or one of its roles, the whole
//! organization through `aws:PrincipalOrgID`, AWS services limited by `aws:SourceAccount` /
//! `aws:SourceArn`. Some accounts also carry planted exposures (see [`Plan`]): public
//! policies, public policies neutralized by Block Public Access, grants to accounts outside
//! the organization, service principals without a source condition (a confused deputy), a
//! grant to a role of another account of the organization, and a grant outside the
//! organization that the `resource-perimeter` RCP denies.
//!
//! Each allowed principal of every policy and grant is recorded as a [`PlantedAccess`],
//! where the policy is written, with its [`Exposure`]: the ground truth of who can reach
//! each resource through its resource policy.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::org::{CaptureFile, cli_json, date};
use crate::rng::{Gen, days_before};

/// The region most resources live in (the region guardrail allows it).
pub(crate) const MAIN_REGION: &str = "eu-west-1";
/// The other region captured: the access-log buckets live there, nothing regional does.
pub(crate) const OTHER_REGION: &str = "eu-central-1";

/// What a recorded principal's access amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exposure {
    /// The resource's own account (its root, or one of its roles).
    SameAccount,
    /// Another account of the organization, or anyone in the organization
    /// (`"Principal": "*"` limited by `aws:PrincipalOrgID`).
    Internal,
    /// An AWS service principal limited by `aws:SourceAccount`, `aws:SourceArn` or
    /// `aws:SourceOrgID`.
    Service,
    /// Anyone: `"Principal": "*"` without a limiting condition.
    Public,
    /// An account outside the organization.
    External,
    /// An AWS service principal without `aws:SourceAccount`, `aws:SourceArn` or
    /// `aws:SourceOrgID`: any account's resource can make the service act on this one.
    ConfusedDeputy,
    /// Would be public or external, but is not: S3 Block Public Access
    /// (`restrict_public_buckets`) of the bucket or the account, or the `resource-perimeter`
    /// RCP (the reason says which).
    Blocked,
}

/// One principal a resource policy (or a KMS grant) lets in: the ground truth the access
/// model's `who_can` and the external-access checks are measured against.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PlantedAccess {
    /// The resource's ARN (as in `resource_policies.arn` / `kms_grants.key_arn`).
    pub resource: String,
    /// Who: `*`, an account (`arn:aws:iam::<id>:root`), a role ARN, or a service principal
    /// (`sns.amazonaws.com`).
    pub principal: String,
    /// `policy` (a statement of the resource policy) or `grant` (a KMS grant).
    pub via: &'static str,
    /// The actions allowed, as written in the statement (or the grant's operations as
    /// actions, `kms:Decrypt`).
    pub actions: Vec<String>,
    /// What the access amounts to.
    pub exposure: Exposure,
    /// The resource's account.
    pub account: String,
    /// The resource's region.
    pub region: String,
    /// The resource's service (`s3`, `kms`, `sqs`, `sns`, `secretsmanager`, `lambda`,
    /// `ecr`).
    pub service: &'static str,
    /// The resource's type (`bucket`, `key`, `queue`, `topic`, `secret`, `function`,
    /// `repository`).
    pub resource_type: &'static str,
    /// Why the access is classified so, in words.
    pub reason: String,
}

/// The exposures one account carries besides its ordinary resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Public cases: a public bucket and queue (the account's Block Public Access is off),
    /// a public bucket policy neutralized by the bucket's Block Public Access, a queue open
    /// to the organization only, a KMS key shared with the partner account, an SNS topic
    /// that lets S3 publish without a source condition.
    pub exposed: bool,
    /// Partner cases: a bucket, a secret and an ECR repository shared outside the
    /// organization, a KMS grant to the partner, a CloudTrail bucket without a source
    /// condition, and a role of another account let into a secret.
    pub partner: bool,
    /// A public bucket policy neutralized by the account's Block Public Access (which is
    /// then on).
    pub account_blocked: bool,
    /// The account is under the `resource-perimeter` RCP: a bucket shared with the vendor
    /// account, which the RCP denies.
    pub perimeter: bool,
}

/// What the resources of one account are made from.
pub(crate) struct AccountInput<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    /// The account's role names, in the order of its authorization details.
    pub roles: &'a [String],
    /// A role of another account of the organization (its ARN), let into a secret by the
    /// partner cases.
    pub internal_role: Option<String>,
    /// Accounts outside the organization: a data partner and a software vendor.
    pub partner: &'a str,
    pub vendor: &'a str,
    pub plan: Plan,
    pub at: DateTime<Utc>,
    pub seed: u64,
}

/// Who a statement names.
enum Who {
    Anyone,
    Account(String),
    Role(String),
    Service(&'static str),
}

impl Who {
    fn principal(&self) -> Value {
        match self {
            Self::Anyone => json!("*"),
            Self::Account(a) => json!({"AWS": format!("arn:aws:iam::{a}:root")}),
            Self::Role(arn) => json!({"AWS": arn}),
            Self::Service(s) => json!({"Service": s}),
        }
    }

    fn recorded(&self) -> String {
        match self {
            Self::Anyone => "*".to_owned(),
            Self::Account(a) => format!("arn:aws:iam::{a}:root"),
            Self::Role(arn) => arn.clone(),
            Self::Service(s) => (*s).to_owned(),
        }
    }
}

/// A resource policy being written, with the accesses it grants.
struct Doc {
    statements: Vec<Value>,
    access: Vec<PlantedAccess>,
    about: PlantedAccess,
}

impl Doc {
    fn new(
        account: &str,
        region: &str,
        service: &'static str,
        resource_type: &'static str,
        arn: &str,
    ) -> Self {
        Self {
            statements: Vec::new(),
            access: Vec::new(),
            about: PlantedAccess {
                resource: arn.to_owned(),
                principal: String::new(),
                via: "policy",
                actions: Vec::new(),
                exposure: Exposure::SameAccount,
                account: account.to_owned(),
                region: region.to_owned(),
                service,
                resource_type,
                reason: String::new(),
            },
        }
    }

    /// An `Allow` statement (a `resource` of `None` for a policy that names none: ECR),
    /// recorded as `exposure` for `reason`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the parts of a statement and its record, named at each call"
    )]
    fn allow(
        &mut self,
        sid: &str,
        who: Who,
        actions: &[&str],
        resource: Option<Value>,
        condition: Option<Value>,
        exposure: Exposure,
        reason: &str,
    ) {
        let action = match actions {
            [one] => json!(one),
            many => json!(many),
        };
        let mut s =
            json!({"Sid": sid, "Effect": "Allow", "Principal": who.principal(), "Action": action});
        if let Some(obj) = s.as_object_mut() {
            if let Some(r) = resource {
                obj.insert("Resource".to_owned(), r);
            }
            if let Some(c) = condition {
                obj.insert("Condition".to_owned(), c);
            }
        }
        self.statements.push(s);
        self.access.push(PlantedAccess {
            principal: who.recorded(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            exposure,
            reason: reason.to_owned(),
            ..self.about.clone()
        });
    }

    /// The statement every bucket policy starts with: no request without TLS.
    fn deny_insecure_transport(&mut self, bucket_arn: &str) {
        self.statements.push(json!({
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, format!("{bucket_arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }));
    }

    /// The policy text (compact, as the services return it) and the accesses.
    fn finish(self) -> (String, Vec<PlantedAccess>) {
        let text = json!({"Version": "2012-10-17", "Statement": self.statements}).to_string();
        (text, self.access)
    }
}

/// The Block Public Access settings: all four on, or none configured.
fn bpa(on: bool) -> Option<Value> {
    on.then(|| {
        json!({"PublicAccessBlockConfiguration": {
            "BlockPublicAcls": true,
            "IgnorePublicAcls": true,
            "BlockPublicPolicy": true,
            "RestrictPublicBuckets": true,
        }})
    })
}

/// A bucket to write.
struct Bucket {
    name: String,
    region: &'static str,
    policy: Option<Doc>,
    /// Its Block Public Access is on (else it has none).
    blocked: bool,
    tags: Vec<(&'static str, String)>,
}

/// The files of one account's `resources/` folder, and what they let in.
struct Writer<'a> {
    input: &'a AccountInput<'a>,
    base: String,
    files: Vec<CaptureFile>,
    access: Vec<PlantedAccess>,
    g: Gen,
}

impl Writer<'_> {
    fn json(&mut self, path: &str, value: &Value) {
        self.files.push(CaptureFile {
            path: format!("{}/{path}", self.base),
            bytes: cli_json(value),
        });
    }

    /// A "no policy" answer: the error code in `<path>.none`.
    fn none(&mut self, path: &str, code: &str) {
        self.files.push(CaptureFile {
            path: format!("{}/{path}.none", self.base),
            bytes: format!("{code}\n").into_bytes(),
        });
    }

    fn empty(&mut self, path: &str) {
        self.files.push(CaptureFile {
            path: format!("{}/{path}.json", self.base),
            bytes: Vec::new(),
        });
    }

    fn date(&mut self, min_days: usize, max_days: usize) -> String {
        let days = self.g.range(min_days, max_days);
        date(days_before(
            self.input.at,
            i64::try_from(days).unwrap_or(30),
        ))
    }
}

/// An application of the account: its name (`chat-dev`) and the role that runs it.
struct App {
    name: String,
    role: Option<String>,
}

/// The account's first two applications, named from its workload roles
/// (`chat-dev-worker-lambda` runs `chat-dev`).
fn apps(input: &AccountInput<'_>) -> Vec<App> {
    let mut out: Vec<App> = Vec::new();
    for role in input.roles {
        if !(role.ends_with("-lambda")
            || role.ends_with("-task-role")
            || role.ends_with("-ecs-task"))
        {
            continue;
        }
        let mut parts = role.split('-');
        let (Some(app), Some(env)) = (parts.next(), parts.next()) else {
            continue;
        };
        let name = format!("{app}-{env}");
        let valid = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid || out.iter().any(|a| a.name == name) {
            continue;
        }
        out.push(App {
            name,
            role: Some(format!("arn:aws:iam::{}:role/{role}", input.id)),
        });
        if out.len() == 2 {
            break;
        }
    }
    if out.is_empty() {
        out.push(App {
            name: "core".to_owned(),
            role: None,
        });
    }
    out
}

/// The resources of one account: its capture files (paths inside the capture folder) and
/// every access they grant.
pub(crate) fn account_resources(
    input: &AccountInput<'_>,
) -> (Vec<CaptureFile>, Vec<PlantedAccess>) {
    let mut w = Writer {
        input,
        base: format!("accounts/{}/resources", input.id),
        files: Vec::new(),
        access: Vec::new(),
        g: Gen::new(input.seed ^ 0x7265_736f_7572_6365),
    };
    let id = input.id;
    let org = input.org_id;
    let region = MAIN_REGION;
    let apps = apps(input);
    let same = |app: &App| match &app.role {
        Some(arn) => Who::Role(arn.clone()),
        None => Who::Account(id.to_owned()),
    };
    let own_reason = "the account's own role";
    let org_condition = json!({"StringEquals": {"aws:PrincipalOrgID": org}});

    let mut buckets: Vec<Bucket> = Vec::new();
    let mut keys: Vec<(String, Doc, Vec<Value>)> = Vec::new();
    let mut queues: Vec<(String, Option<Doc>)> = Vec::new();
    let mut topics: Vec<(String, Doc)> = Vec::new();
    let mut secrets: Vec<(String, String, Option<Doc>)> = Vec::new();
    let mut functions: Vec<(String, Option<Doc>)> = Vec::new();
    let mut repositories: Vec<(String, Option<Doc>)> = Vec::new();

    let key_arn = |g: &mut Gen| format!("arn:aws:kms:{region}:{id}:key/{}", g.uuid());
    let key_doc = |arn: &str| {
        let mut doc = Doc::new(id, region, "kms", "key", arn);
        doc.allow(
            "EnableIAMUserPermissions",
            Who::Account(id.to_owned()),
            &["kms:*"],
            Some(json!("*")),
            None,
            Exposure::SameAccount,
            "the key's own account (its IAM policies decide)",
        );
        doc
    };
    let grant = |w: &mut Writer<'_>, arn: &str, grantee: &str, exposure, reason: &str| {
        let operations = ["Decrypt", "GenerateDataKey", "DescribeKey"];
        let issuing = format!("arn:aws:iam::{id}:root");
        let created = w.date(10, 600);
        w.access.push(PlantedAccess {
            resource: arn.to_owned(),
            principal: grantee.to_owned(),
            via: "grant",
            actions: operations.iter().map(|o| format!("kms:{o}")).collect(),
            exposure,
            account: id.to_owned(),
            region: region.to_owned(),
            service: "kms",
            resource_type: "key",
            reason: reason.to_owned(),
        });
        json!({
            "KeyId": arn,
            "GrantId": w.g.hex(64),
            "Name": "",
            "CreationDate": created,
            "GranteePrincipal": grantee,
            "IssuingAccount": issuing,
            "Operations": operations,
        })
    };

    for (n, app) in apps.iter().enumerate() {
        let name = &app.name;
        // The application's data bucket, for its role only.
        let bucket = format!("{name}-data-{id}");
        let bucket_arn = format!("arn:aws:s3:::{bucket}");
        let mut doc = Doc::new(id, region, "s3", "bucket", &bucket_arn);
        doc.deny_insecure_transport(&bucket_arn);
        doc.allow(
            "AppReadWrite",
            same(app),
            &["s3:GetObject", "s3:PutObject"],
            Some(json!(format!("{bucket_arn}/*"))),
            None,
            Exposure::SameAccount,
            own_reason,
        );
        buckets.push(Bucket {
            name: bucket,
            region,
            policy: Some(doc),
            blocked: true,
            tags: vec![("app", name.clone())],
        });
        // Its key: the account, the role, and a grant to the role.
        let arn = key_arn(&mut w.g);
        let mut doc = key_doc(&arn);
        doc.allow(
            "AllowUseOfTheKey",
            same(app),
            &["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            Some(json!("*")),
            None,
            Exposure::SameAccount,
            own_reason,
        );
        let grantee = same(app).recorded();
        let mut grants = vec![grant(
            &mut w,
            &arn,
            &grantee,
            Exposure::SameAccount,
            own_reason,
        )];
        if n == 0 && input.plan.partner {
            let partner_role = format!("arn:aws:iam::{}:role/data-exchange", input.partner);
            grants.push(grant(
                &mut w,
                &arn,
                &partner_role,
                Exposure::External,
                "a KMS grant to a role of an account outside the organization",
            ));
        }
        keys.push((arn, doc, grants));
        // A queue fed by its topic, and the topic other services publish to.
        let topic_arn = format!("arn:aws:sns:{region}:{id}:{name}-notifications");
        let queue = format!("{name}-events");
        let queue_arn = format!("arn:aws:sqs:{region}:{id}:{queue}");
        let mut doc = Doc::new(id, region, "sqs", "queue", &queue_arn);
        doc.allow(
            "TopicSubscription",
            Who::Service("sns.amazonaws.com"),
            &["sqs:SendMessage"],
            Some(json!(queue_arn)),
            Some(json!({"ArnEquals": {"aws:SourceArn": topic_arn}})),
            Exposure::Service,
            "SNS, for the account's own topic only (aws:SourceArn)",
        );
        queues.push((queue, Some(doc)));
        let mut doc = Doc::new(id, region, "sns", "topic", &topic_arn);
        doc.allow(
            "OwnerPublish",
            Who::Account(id.to_owned()),
            &["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"],
            Some(json!(topic_arn)),
            None,
            Exposure::SameAccount,
            "the topic's own account",
        );
        doc.allow(
            "EventBridgePublish",
            Who::Service("events.amazonaws.com"),
            &["sns:Publish"],
            Some(json!(topic_arn)),
            Some(json!({"StringEquals": {"aws:SourceAccount": id}})),
            Exposure::Service,
            "EventBridge, for the account's own rules only (aws:SourceAccount)",
        );
        topics.push((topic_arn, doc));
        // Its database secret: the first application's has a policy, the others none.
        let secret = format!("{name}/database");
        let secret_arn = format!(
            "arn:aws:secretsmanager:{region}:{id}:secret:{secret}-{}",
            w.g.lower_alnum(6)
        );
        let doc = (n == 0).then(|| {
            let mut doc = Doc::new(id, region, "secretsmanager", "secret", &secret_arn);
            doc.allow(
                "AppRead",
                same(app),
                &["secretsmanager:GetSecretValue"],
                Some(json!("*")),
                None,
                Exposure::SameAccount,
                own_reason,
            );
            doc
        });
        secrets.push((secret, secret_arn, doc));
        // Its function, invoked by S3 events of its bucket (the first one) or by nothing
        // outside the account.
        let function = format!("{name}-handler");
        let function_arn = format!("arn:aws:lambda:{region}:{id}:function:{function}");
        let doc = (n == 0).then(|| {
            let mut doc = Doc::new(id, region, "lambda", "function", &function_arn);
            doc.allow(
                "s3-invoke",
                Who::Service("s3.amazonaws.com"),
                &["lambda:InvokeFunction"],
                Some(json!(function_arn)),
                Some(json!({
                    "StringEquals": {"AWS:SourceAccount": id},
                    "ArnLike": {"AWS:SourceArn": format!("arn:aws:s3:::{name}-data-{id}")},
                })),
                Exposure::Service,
                "S3, for the account's own bucket only (aws:SourceAccount, aws:SourceArn)",
            );
            doc
        });
        functions.push((function, doc));
        // Its image repository, pulled by the whole organization.
        let repo_arn = format!("arn:aws:ecr:{region}:{id}:repository/{name}");
        let mut doc = Doc::new(id, region, "ecr", "repository", &repo_arn);
        doc.allow(
            "OrganizationPull",
            Who::Anyone,
            &[
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            None,
            Some(org_condition.clone()),
            Exposure::Internal,
            "anyone in the organization (aws:PrincipalOrgID)",
        );
        repositories.push((name.clone(), Some(doc)));
    }
    // The access-log bucket, written by the S3 logging service for this account only.
    let logs = format!("access-logs-{id}-{OTHER_REGION}");
    let logs_arn = format!("arn:aws:s3:::{logs}");
    let mut doc = Doc::new(id, OTHER_REGION, "s3", "bucket", &logs_arn);
    doc.deny_insecure_transport(&logs_arn);
    doc.allow(
        "S3ServerAccessLogs",
        Who::Service("logging.s3.amazonaws.com"),
        &["s3:PutObject"],
        Some(json!(format!("{logs_arn}/*"))),
        Some(json!({"StringEquals": {"aws:SourceAccount": id}})),
        Exposure::Service,
        "S3 server access logging, for the account's own buckets only (aws:SourceAccount)",
    );
    buckets.push(Bucket {
        name: logs,
        region: OTHER_REGION,
        policy: Some(doc),
        blocked: true,
        tags: vec![("purpose", "access-logs".to_owned())],
    });

    let public_bucket = |name: String, blocked: bool, exposure, reason: &str| {
        let arn = format!("arn:aws:s3:::{name}");
        let mut doc = Doc::new(id, region, "s3", "bucket", &arn);
        doc.allow(
            "PublicRead",
            Who::Anyone,
            &["s3:GetObject"],
            Some(json!(format!("{arn}/*"))),
            None,
            exposure,
            reason,
        );
        Bucket {
            name,
            region,
            policy: Some(doc),
            blocked,
            tags: vec![("purpose", "website".to_owned())],
        }
    };
    if input.plan.exposed {
        buckets.push(public_bucket(
            format!("public-assets-{id}"),
            false,
            Exposure::Public,
            "`\"Principal\": \"*\"` without a condition, and no Block Public Access",
        ));
        buckets.push(public_bucket(
            format!("website-preview-{id}"),
            true,
            Exposure::Blocked,
            "public policy, neutralized by the bucket's Block Public Access (restrict_public_buckets)",
        ));
        let queue = "public-intake".to_owned();
        let arn = format!("arn:aws:sqs:{region}:{id}:{queue}");
        let mut doc = Doc::new(id, region, "sqs", "queue", &arn);
        doc.allow(
            "AnyoneSends",
            Who::Anyone,
            &["sqs:SendMessage"],
            Some(json!(arn)),
            None,
            Exposure::Public,
            "`\"Principal\": \"*\"` without a condition",
        );
        queues.push((queue, Some(doc)));
        let queue = "organization-events".to_owned();
        let arn = format!("arn:aws:sqs:{region}:{id}:{queue}");
        let mut doc = Doc::new(id, region, "sqs", "queue", &arn);
        doc.allow(
            "OrganizationSends",
            Who::Anyone,
            &["sqs:SendMessage"],
            Some(json!(arn)),
            Some(org_condition.clone()),
            Exposure::Internal,
            "`\"Principal\": \"*\"` limited to the organization (aws:PrincipalOrgID)",
        );
        queues.push((queue, Some(doc)));
        let arn = key_arn(&mut w.g);
        let mut doc = key_doc(&arn);
        doc.allow(
            "PartnerDecrypt",
            Who::Account(input.partner.to_owned()),
            &["kms:Decrypt", "kms:DescribeKey"],
            Some(json!("*")),
            None,
            Exposure::External,
            "an account outside the organization",
        );
        keys.push((arn, doc, Vec::new()));
        let topic_arn = format!("arn:aws:sns:{region}:{id}:upload-events");
        let mut doc = Doc::new(id, region, "sns", "topic", &topic_arn);
        doc.allow(
            "S3Publish",
            Who::Service("s3.amazonaws.com"),
            &["sns:Publish"],
            Some(json!(topic_arn)),
            None,
            Exposure::ConfusedDeputy,
            "S3 may publish for any account's bucket: no aws:SourceAccount, aws:SourceArn or aws:SourceOrgID",
        );
        topics.push((topic_arn, doc));
    }
    if input.plan.partner {
        let bucket = format!("partner-exports-{id}");
        let arn = format!("arn:aws:s3:::{bucket}");
        let mut doc = Doc::new(id, region, "s3", "bucket", &arn);
        doc.deny_insecure_transport(&arn);
        doc.allow(
            "PartnerRead",
            Who::Account(input.partner.to_owned()),
            &["s3:GetObject", "s3:ListBucket"],
            Some(json!([arn, format!("{arn}/*")])),
            None,
            Exposure::External,
            "an account outside the organization",
        );
        buckets.push(Bucket {
            name: bucket,
            region,
            policy: Some(doc),
            blocked: true,
            tags: vec![("purpose", "partner-exchange".to_owned())],
        });
        let bucket = format!("cloudtrail-{id}");
        let arn = format!("arn:aws:s3:::{bucket}");
        let mut doc = Doc::new(id, region, "s3", "bucket", &arn);
        doc.allow(
            "AWSCloudTrailAclCheck",
            Who::Service("cloudtrail.amazonaws.com"),
            &["s3:GetBucketAcl"],
            Some(json!(arn)),
            None,
            Exposure::ConfusedDeputy,
            "CloudTrail, for any account's trail: no aws:SourceAccount, aws:SourceArn or aws:SourceOrgID",
        );
        doc.allow(
            "AWSCloudTrailWrite",
            Who::Service("cloudtrail.amazonaws.com"),
            &["s3:PutObject"],
            Some(json!(format!("{arn}/AWSLogs/*"))),
            Some(json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}})),
            Exposure::ConfusedDeputy,
            "CloudTrail, for any account's trail: no aws:SourceAccount, aws:SourceArn or aws:SourceOrgID",
        );
        buckets.push(Bucket {
            name: bucket,
            region,
            policy: Some(doc),
            blocked: true,
            tags: vec![("purpose", "audit".to_owned())],
        });
        let secret = "partner/api-token".to_owned();
        let secret_arn = format!(
            "arn:aws:secretsmanager:{region}:{id}:secret:{secret}-{}",
            w.g.lower_alnum(6)
        );
        let mut doc = Doc::new(id, region, "secretsmanager", "secret", &secret_arn);
        doc.allow(
            "VendorRead",
            Who::Account(input.vendor.to_owned()),
            &["secretsmanager:GetSecretValue"],
            Some(json!("*")),
            None,
            Exposure::External,
            "an account outside the organization",
        );
        secrets.push((secret, secret_arn, Some(doc)));
        let repo = "shared/base-images".to_owned();
        let repo_arn = format!("arn:aws:ecr:{region}:{id}:repository/{repo}");
        let mut doc = Doc::new(id, region, "ecr", "repository", &repo_arn);
        doc.allow(
            "VendorPull",
            Who::Account(input.vendor.to_owned()),
            &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            None,
            None,
            Exposure::External,
            "an account outside the organization",
        );
        repositories.push((repo, Some(doc)));
        if let Some(role) = &input.internal_role {
            let secret = "shared/reporting-credentials".to_owned();
            let secret_arn = format!(
                "arn:aws:secretsmanager:{region}:{id}:secret:{secret}-{}",
                w.g.lower_alnum(6)
            );
            let mut doc = Doc::new(id, region, "secretsmanager", "secret", &secret_arn);
            doc.allow(
                "ReportingRead",
                Who::Role(role.clone()),
                &[
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:DescribeSecret",
                ],
                Some(json!("*")),
                None,
                Exposure::Internal,
                "a role of another account of the organization",
            );
            secrets.push((secret, secret_arn, Some(doc)));
        }
    }
    if input.plan.account_blocked {
        buckets.push(public_bucket(
            format!("legacy-downloads-{id}"),
            false,
            Exposure::Blocked,
            "public policy, neutralized by the account's Block Public Access (restrict_public_buckets)",
        ));
    }
    if input.plan.perimeter {
        let bucket = format!("audit-exports-{id}");
        let arn = format!("arn:aws:s3:::{bucket}");
        let mut doc = Doc::new(id, region, "s3", "bucket", &arn);
        doc.deny_insecure_transport(&arn);
        doc.allow(
            "VendorRead",
            Who::Account(input.vendor.to_owned()),
            &["s3:GetObject"],
            Some(json!(format!("{arn}/*"))),
            None,
            Exposure::Blocked,
            "an account outside the organization, denied by the RCP resource-perimeter",
        );
        buckets.push(Bucket {
            name: bucket,
            region,
            policy: Some(doc),
            blocked: true,
            tags: vec![("purpose", "audit".to_owned())],
        });
    }

    // S3: the account's Block Public Access (off where public buckets are planted), then
    // every bucket.
    match bpa(!input.plan.exposed) {
        Some(v) => w.json("global/s3control/get-public-access-block.json", &v),
        None => w.none(
            "global/s3control/get-public-access-block",
            "NoSuchPublicAccessBlockConfiguration",
        ),
    }
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    let mut listed = Vec::new();
    for b in &buckets {
        let created = w.date(60, 1500);
        listed.push(json!({"Name": b.name, "CreationDate": created, "BucketRegion": b.region}));
    }
    let owner = w.g.hex(64);
    w.json(
        "global/s3api/list-buckets.json",
        &json!({
            "Buckets": listed,
            "Owner": {"ID": owner},
            "Prefix": null,
        }),
    );
    for b in buckets {
        let f = &b.name;
        w.json(
            &format!("global/s3api/get-bucket-location/{f}.json"),
            &json!({"LocationConstraint": b.region}),
        );
        match b.policy {
            Some(doc) => {
                let (text, access) = doc.finish();
                w.access.extend(access);
                w.json(
                    &format!("global/s3api/get-bucket-policy/{f}.json"),
                    &json!({"Policy": text}),
                );
            }
            None => w.none(
                &format!("global/s3api/get-bucket-policy/{f}"),
                "NoSuchBucketPolicy",
            ),
        }
        match bpa(b.blocked) {
            Some(v) => w.json(
                &format!("global/s3api/get-public-access-block/{f}.json"),
                &v,
            ),
            None => w.none(
                &format!("global/s3api/get-public-access-block/{f}"),
                "NoSuchPublicAccessBlockConfiguration",
            ),
        }
        // Attribute-based access control is off unless a bucket's owner turns it on.
        w.json(
            &format!("global/s3api/get-bucket-abac/{f}.json"),
            &json!({"AbacStatus": {"Status": "Disabled"}}),
        );
        w.json(
            &format!("global/s3api/get-bucket-ownership-controls/{f}.json"),
            &json!({"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}),
        );
        let tags: Vec<Value> = b
            .tags
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        w.json(
            &format!("global/s3api/get-bucket-tagging/{f}.json"),
            &json!({"TagSet": tags}),
        );
    }

    // The regional kinds of the main region.
    let r = region;
    let key_list: Vec<Value> = keys
        .iter()
        .map(|(arn, _, _)| {
            let key_id = arn.rsplit('/').next().unwrap_or(arn);
            json!({"KeyId": key_id, "KeyArn": arn})
        })
        .collect();
    w.json(
        &format!("{r}/kms/list-keys.json"),
        &json!({"Keys": key_list, "Truncated": false}),
    );
    for (arn, doc, grants) in keys {
        let key_id = arn.rsplit('/').next().unwrap_or(&arn).to_owned();
        let (text, access) = doc.finish();
        w.access.extend(access);
        w.json(
            &format!("{r}/kms/get-key-policy/{key_id}.json"),
            &json!({"Policy": text, "PolicyName": "default"}),
        );
        w.json(
            &format!("{r}/kms/list-grants/{key_id}.json"),
            &json!({"Grants": grants, "Truncated": false}),
        );
        w.json(
            &format!("{r}/kms/list-resource-tags/{key_id}.json"),
            &json!({"Tags": [{"TagKey": "managed-by", "TagValue": "terraform"}], "Truncated": false}),
        );
    }
    let urls: Vec<String> = queues
        .iter()
        .map(|(q, _)| format!("https://sqs.{r}.amazonaws.com/{id}/{q}"))
        .collect();
    w.json(
        &format!("{r}/sqs/list-queues.json"),
        &json!({"QueueUrls": urls}),
    );
    for (queue, doc) in queues {
        match doc {
            Some(doc) => {
                let (text, access) = doc.finish();
                w.access.extend(access);
                w.json(
                    &format!("{r}/sqs/get-queue-attributes/{queue}.json"),
                    &json!({"Attributes": {"Policy": text}}),
                );
            }
            // The AWS CLI prints nothing for a queue without a policy.
            None => w.empty(&format!("{r}/sqs/get-queue-attributes/{queue}")),
        }
    }
    let topic_list: Vec<Value> = topics
        .iter()
        .map(|(arn, _)| json!({"TopicArn": arn}))
        .collect();
    w.json(
        &format!("{r}/sns/list-topics.json"),
        &json!({"Topics": topic_list}),
    );
    for (arn, doc) in topics {
        let name = arn.rsplit(':').next().unwrap_or(&arn).to_owned();
        let (text, access) = doc.finish();
        w.access.extend(access);
        w.json(
            &format!("{r}/sns/get-topic-attributes/{name}.json"),
            &json!({"Attributes": {
                "Policy": text,
                "Owner": id,
                "TopicArn": arn,
                "DisplayName": "",
                "SubscriptionsConfirmed": "1",
                "SubscriptionsPending": "0",
                "SubscriptionsDeleted": "0",
                "EffectiveDeliveryPolicy": "{\"http\":{\"defaultHealthyRetryPolicy\":{\"minDelayTarget\":20,\"maxDelayTarget\":20,\"numRetries\":3}}}",
            }}),
        );
    }
    let mut secret_list = Vec::new();
    for (name, arn, _) in &secrets {
        let changed = w.date(1, 400);
        secret_list.push(json!({"ARN": arn, "Name": name, "LastChangedDate": changed}));
    }
    w.json(
        &format!("{r}/secretsmanager/list-secrets.json"),
        &json!({"SecretList": secret_list}),
    );
    for (name, arn, doc) in secrets {
        let key = arn
            .split_once(":secret:")
            .map_or_else(|| arn.clone(), |(_, k)| k.to_owned())
            .replace('/', "%2F");
        let mut answer = json!({"ARN": arn, "Name": name});
        if let Some(doc) = doc {
            let (text, access) = doc.finish();
            w.access.extend(access);
            if let Some(obj) = answer.as_object_mut() {
                obj.insert("ResourcePolicy".to_owned(), json!(text));
            }
        }
        w.json(
            &format!("{r}/secretsmanager/get-resource-policy/{key}.json"),
            &answer,
        );
    }
    let function_list: Vec<Value> = functions
        .iter()
        .map(|(name, _)| {
            json!({
                "FunctionName": name,
                "FunctionArn": format!("arn:aws:lambda:{r}:{id}:function:{name}"),
                "Runtime": "python3.12",
                "Handler": "app.handler",
            })
        })
        .collect();
    w.json(
        &format!("{r}/lambda/list-functions.json"),
        &json!({"Functions": function_list}),
    );
    for (name, doc) in functions {
        match doc {
            Some(doc) => {
                let (text, access) = doc.finish();
                w.access.extend(access);
                let revision = w.g.uuid();
                w.json(
                    &format!("{r}/lambda/get-policy/{name}.json"),
                    &json!({"Policy": text, "RevisionId": revision}),
                );
            }
            None => w.none(
                &format!("{r}/lambda/get-policy/{name}"),
                "ResourceNotFoundException",
            ),
        }
    }
    let repo_list: Vec<Value> = repositories
        .iter()
        .map(|(name, _)| {
            json!({
                "repositoryArn": format!("arn:aws:ecr:{r}:{id}:repository/{name}"),
                "registryId": id,
                "repositoryName": name,
                "repositoryUri": format!("{id}.dkr.ecr.{r}.amazonaws.com/{name}"),
            })
        })
        .collect();
    w.json(
        &format!("{r}/ecr/describe-repositories.json"),
        &json!({"repositories": repo_list}),
    );
    for (name, doc) in repositories {
        let file = name.replace('/', "%2F");
        match doc {
            Some(doc) => {
                let (text, access) = doc.finish();
                w.access.extend(access);
                w.json(
                    &format!("{r}/ecr/get-repository-policy/{file}.json"),
                    &json!({"registryId": id, "repositoryName": name, "policyText": text}),
                );
            }
            None => w.none(
                &format!("{r}/ecr/get-repository-policy/{file}"),
                "RepositoryPolicyNotFoundException",
            ),
        }
    }

    // The other region holds no regional resource.
    let o = OTHER_REGION;
    w.json(
        &format!("{o}/kms/list-keys.json"),
        &json!({"Keys": [], "Truncated": false}),
    );
    w.empty(&format!("{o}/sqs/list-queues"));
    w.json(&format!("{o}/sns/list-topics.json"), &json!({"Topics": []}));
    w.json(
        &format!("{o}/secretsmanager/list-secrets.json"),
        &json!({"SecretList": []}),
    );
    w.json(
        &format!("{o}/lambda/list-functions.json"),
        &json!({"Functions": []}),
    );
    w.json(
        &format!("{o}/ecr/describe-repositories.json"),
        &json!({"repositories": []}),
    );

    // Every other kind the capture reads: an empty listing in both regions, as an account
    // without such resources answers.
    for region in [MAIN_REGION, OTHER_REGION] {
        for kind in iamsnap_import::registry::KINDS {
            let stem = format!("{region}/{}", kind.list.stem(None));
            let taken = format!("{}/{stem}.", w.base);
            if !w.files.iter().any(|f| f.path.starts_with(&taken)) {
                w.empty(&stem);
            }
        }
    }

    let mut access = w.access;
    access.sort();
    (w.files, access)
}
