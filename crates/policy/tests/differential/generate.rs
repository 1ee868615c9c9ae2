//! Deterministic generation of differential cases.
//!
//! Requests use real (action, resource ARN) pairs: iam-simulate checks the action against
//! its catalog and the ARN against the action's resource types, and ignores context keys
//! that do not apply to the action (the oracle reports both as errors, which fail the
//! test). Every pair is also run once on its own (category `catalog-pairs`).
//!
//! Some inputs are deliberately never generated, each with a comment saying why; the
//! ones where iamsnap and iam-simulate legitimately disagree are described, with the AWS
//! documentation, in `docs/evaluation-divergences.md`.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::model::{Case, Ctx, Req};

pub const HOME: &str = "111122223333";
pub const OTHER: &str = "444455556666";

#[derive(Debug, Clone, Copy)]
pub struct Principal {
    /// The request's principal.
    pub arn: &'static str,
    /// `aws:PrincipalArn`: for a role session, the role's ARN.
    pub principal_arn: &'static str,
    pub account: &'static str,
    /// `aws:username`: present for IAM users only.
    pub username: Option<&'static str>,
}

const HOME_PRINCIPALS: &[Principal] = &[
    Principal {
        arn: "arn:aws:iam::111122223333:user/alice",
        principal_arn: "arn:aws:iam::111122223333:user/alice",
        account: HOME,
        username: Some("alice"),
    },
    Principal {
        arn: "arn:aws:iam::111122223333:user/engineering/bob",
        principal_arn: "arn:aws:iam::111122223333:user/engineering/bob",
        account: HOME,
        username: Some("bob"),
    },
    Principal {
        arn: "arn:aws:iam::111122223333:role/app-role",
        principal_arn: "arn:aws:iam::111122223333:role/app-role",
        account: HOME,
        username: None,
    },
    Principal {
        arn: "arn:aws:iam::111122223333:role/service/ci-deployer",
        principal_arn: "arn:aws:iam::111122223333:role/service/ci-deployer",
        account: HOME,
        username: None,
    },
    // Role sessions: the role name is unique in the account whatever its path.
    Principal {
        arn: "arn:aws:sts::111122223333:assumed-role/app-role/build-42",
        principal_arn: "arn:aws:iam::111122223333:role/app-role",
        account: HOME,
        username: None,
    },
    Principal {
        arn: "arn:aws:sts::111122223333:assumed-role/ci-deployer/deploy-7",
        principal_arn: "arn:aws:iam::111122223333:role/service/ci-deployer",
        account: HOME,
        username: None,
    },
];

const OTHER_PRINCIPALS: &[Principal] = &[
    Principal {
        arn: "arn:aws:sts::444455556666:assumed-role/partner-sync/nightly",
        principal_arn: "arn:aws:iam::444455556666:role/partner-sync",
        account: OTHER,
        username: None,
    },
    Principal {
        arn: "arn:aws:iam::444455556666:user/carol",
        principal_arn: "arn:aws:iam::444455556666:user/carol",
        account: OTHER,
        username: Some("carol"),
    },
    Principal {
        arn: "arn:aws:iam::444455556666:role/partner-sync",
        principal_arn: "arn:aws:iam::444455556666:role/partner-sync",
        account: OTHER,
        username: None,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An ARN resource of a service without special authorization rules.
    Plain,
    /// An S3 bucket or object: iam-simulate only accepts `aws:ResourceTag/*` for S3 when
    /// bucket ABAC is on, so the context never carries it for S3.
    S3,
    /// An action without resource types: the request resource is `*`.
    WildcardOnly,
    /// A KMS key: only in the `kms-key-policy` category, which always has a key policy
    /// (every KMS key has exactly one).
    KmsKey,
    /// `sts:AssumeRole` on a role: only in the `sts-trust-policy` category, which always has
    /// a trust policy (every role has one).
    StsRole,
}

#[derive(Debug, Clone, Copy)]
pub struct Pair {
    pub action: &'static str,
    /// `{a}` stands for the resource account.
    pub resource: &'static str,
    pub kind: Kind,
    /// The service has resource-based policies (used by the resource-policy categories).
    pub resource_policy: bool,
    /// The service is one that resource control policies apply to.
    pub rcp: bool,
}

const fn pair(
    action: &'static str,
    resource: &'static str,
    kind: Kind,
    rp: bool,
    rcp: bool,
) -> Pair {
    Pair {
        action,
        resource,
        kind,
        resource_policy: rp,
        rcp,
    }
}

/// Valid (action, resource) pairs: each is accepted by iam-simulate's catalog. The flags:
/// the service has resource-based policies; resource control policies apply to it.
#[rustfmt::skip]
pub const PAIRS: &[Pair] = &[
    pair("s3:GetObject", "arn:aws:s3:::app-data/reports/2024/q1.csv", Kind::S3, true, true),
    pair("s3:GetObject", "arn:aws:s3:::app-data/home/alice/notes.txt", Kind::S3, true, true),
    pair("s3:PutObject", "arn:aws:s3:::app-data/home/bob/todo.txt", Kind::S3, true, true),
    pair("s3:ListBucket", "arn:aws:s3:::app-data", Kind::S3, true, true),
    pair("s3:DeleteObject", "arn:aws:s3:::logs-archive/2024/app.log", Kind::S3, true, true),
    pair("s3:GetBucketPolicy", "arn:aws:s3:::logs-archive", Kind::S3, true, true),
    pair("s3:ListAllMyBuckets", "*", Kind::WildcardOnly, false, false),
    pair("iam:PassRole", "arn:aws:iam::{a}:role/app-role", Kind::Plain, false, false),
    pair("iam:GetRole", "arn:aws:iam::{a}:role/service/ci-deployer", Kind::Plain, false, false),
    pair("iam:CreateUser", "arn:aws:iam::{a}:user/alice", Kind::Plain, false, false),
    pair("iam:GetUser", "arn:aws:iam::{a}:user/engineering/bob", Kind::Plain, false, false),
    pair("iam:DeletePolicy", "arn:aws:iam::{a}:policy/app-policy", Kind::Plain, false, false),
    pair("iam:ListRoles", "*", Kind::WildcardOnly, false, false),
    pair("ec2:StartInstances", "arn:aws:ec2:us-east-1:{a}:instance/i-0abcd1234ef567890", Kind::Plain, false, false),
    pair("ec2:TerminateInstances", "arn:aws:ec2:eu-west-1:{a}:instance/i-0fedcba987654321", Kind::Plain, false, false),
    pair("ec2:DeleteVolume", "arn:aws:ec2:us-east-1:{a}:volume/vol-0123456789abcdef0", Kind::Plain, false, false),
    pair("ec2:DescribeInstances", "*", Kind::WildcardOnly, false, false),
    pair("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:{a}:function:process-orders", Kind::Plain, true, false),
    pair("lambda:GetFunction", "arn:aws:lambda:eu-west-1:{a}:function:report", Kind::Plain, true, false),
    pair("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:{a}:table/Orders", Kind::Plain, true, true),
    pair("dynamodb:PutItem", "arn:aws:dynamodb:us-west-2:{a}:table/Users", Kind::Plain, true, true),
    pair("dynamodb:Query", "arn:aws:dynamodb:us-east-1:{a}:table/Orders/index/ByDate", Kind::Plain, true, true),
    pair("sqs:SendMessage", "arn:aws:sqs:us-east-1:{a}:orders-queue", Kind::Plain, true, true),
    pair("sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:{a}:jobs", Kind::Plain, true, true),
    pair("sns:Publish", "arn:aws:sns:us-east-1:{a}:alerts", Kind::Plain, true, false),
    pair("kms:Decrypt", "arn:aws:kms:us-east-1:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab", Kind::KmsKey, true, true),
    pair("kms:ListKeys", "*", Kind::WildcardOnly, false, false),
    pair("kms:CreateAlias", "arn:aws:kms:us-east-1:{a}:alias/app", Kind::Plain, false, true),
    pair("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:{a}:secret:db-password-AbCdEf", Kind::Plain, true, true),
    pair("logs:PutLogEvents", "arn:aws:logs:us-east-1:{a}:log-group:app:log-stream:web-1", Kind::Plain, false, true),
    pair("logs:CreateLogGroup", "arn:aws:logs:us-east-1:{a}:log-group:app", Kind::Plain, false, true),
    pair("ssm:GetParameter", "arn:aws:ssm:us-east-1:{a}:parameter/app/db/password", Kind::Plain, false, false),
    pair("ecr:BatchGetImage", "arn:aws:ecr:us-east-1:{a}:repository/web", Kind::Plain, true, true),
    pair("states:StartExecution", "arn:aws:states:us-east-1:{a}:stateMachine:flow", Kind::Plain, false, false),
    pair("kinesis:PutRecord", "arn:aws:kinesis:us-east-1:{a}:stream/clicks", Kind::Plain, true, false),
    pair("cloudformation:CreateStack", "arn:aws:cloudformation:us-east-1:{a}:stack/web/abc-123", Kind::Plain, false, false),
    pair("sts:AssumeRole", "arn:aws:iam::{a}:role/deploy", Kind::StsRole, true, true),
];

impl Pair {
    pub fn resource_in(&self, account: &str) -> String {
        self.resource.replace("{a}", account)
    }
}

// ---- Value pools -------------------------------------------------------------------

const SOURCE_IPS: &[&str] = &[
    "10.1.2.3",
    "192.168.1.20",
    "203.0.113.7",
    "198.51.100.1",
    "2001:db8::1",
    "2001:db8:1234:5678::9",
    "2600:1f18:abcd::1",
];
// Always CIDR notation: the IpAddress operators take "IPv4 or IPv6 CIDR format"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress).
// Bare addresses without a prefix length are not generated (iam-simulate compares them as
// text, and never matches across address families even for NotIpAddress). Neither are
// prefixes that make an IPv6 network contain IPv4 addresses (`::/0`, `::ffff:0:0/96`),
// whose meaning for an IPv4 request AWS does not document.
const CIDRS: &[&str] = &[
    "10.0.0.0/8",
    "192.168.1.0/24",
    "203.0.113.7/32",
    "203.0.113.0/24",
    "198.51.100.0/25",
    // Not "0.0.0.0/0": iam-simulate's IPv4 /0 matches 0.0.0.0 only; see
    // docs/evaluation-divergences.md ("IPv4 networks with prefix length 0").
    "0.0.0.0/1",
    "2001:db8::/32",
    "2001:db8:1234::/48",
    "2600:1f18::/32",
    "2001:db8::1/128",
];
const REGIONS: &[&str] = &["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"];
const TEAMS: &[&str] = &["platform", "data", "security", "PLATFORM"];
const ENVS: &[&str] = &["prod", "dev", "staging", "Prod"];
const TAG_KEYS: &[&str] = &["env", "team", "owner", "cost-center", "Env", "project"];
const CURRENT_TIMES: &[&str] = &[
    "2024-06-01T12:00:00Z",
    "2024-01-01T00:00:00Z",
    "2025-06-15T08:30:00Z",
    "2024-06-01T00:00:00Z",
];
const EPOCH_TIMES: &[&str] = &["1717243200", "1704067200", "1767225600", "1717200000"];
const MFA_AGES: &[&str] = &["300", "3600", "7200", "90000"];
const SOURCE_ARNS: &[&str] = &[
    "arn:aws:sns:us-east-1:111122223333:alerts",
    "arn:aws:s3:::app-data",
    "arn:aws:lambda:us-east-1:444455556666:function:ingest",
];

const USERNAME_VALUES: &[&str] = &[
    "alice", "bob", "Alice", "BOB", "al*", "a?ice", "*", "carol", "b*b",
];
const REGION_VALUES: &[&str] = &[
    "us-east-1",
    "eu-west-1",
    "us-west-2",
    "us-*",
    "*-west-?",
    "US-EAST-1",
];
const TEAM_VALUES: &[&str] = &["platform", "data", "Platform", "plat*", "d?ta", "security"];
const ACCOUNT_VALUES: &[&str] = &["111122223333", "444455556666", "1111*", "*"];
const ENV_VALUES: &[&str] = &["prod", "dev", "staging", "Prod", "pr?d", "*"];
const PRINCIPAL_ARN_STRINGS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:iam::*:user/*",
    "arn:aws:iam::111122223333:role/service/*",
    "arn:aws:iam::444455556666:*",
    "ARN:AWS:IAM::111122223333:USER/ALICE",
];
const TAG_KEY_VALUES: &[&str] = &[
    "env",
    "team",
    "owner",
    "Env",
    "cost-*",
    "t?am",
    "cost-center",
];
/// String condition values with policy variables (iamsnap and AWS substitute them only
/// under `"Version": "2012-10-17"`, which every generated document has).
const STRING_VARIABLE_VALUES: &[&str] = &[
    "${aws:username}",
    "${aws:PrincipalTag/team}",
    "${aws:PrincipalTag/team, 'platform'}",
    "${aws:RequestTag/env}",
    "${aws:ResourceTag/env, 'prod'}",
    "arn:aws:iam::111122223333:user/${aws:username}",
    "arn:aws:iam::*:user/*${aws:username}",
];
const MFA_AGE_VALUES: &[&str] = &["300", "3600", "86400", "3600.5", "0"];
const EPOCH_VALUES: &[&str] = &["1717243200", "1700000000", "1800000000", "1717200000"];
// Date values in ISO 8601 form, for keys whose request value is ISO 8601 (`aws:CurrentTime`).
// Date conditions never mix an epoch value with an ISO 8601 request value or the reverse:
// iam-simulate reads epoch values as seconds but ISO 8601 ones as milliseconds, so the two
// never compare correctly; see docs/evaluation-divergences.md ("Date conditions mixing
// epoch and ISO 8601").
const ISO_VALUES: &[&str] = &[
    "2024-06-01T12:00:00Z",
    "2024-06-01",
    "2025-01-01T00:00:00Z",
    "2024-06-01T14:00:00+02:00",
    "2023-12-31T23:59:59.999Z",
];
const ARN_VALUES: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:iam::*:user/*",
    "arn:aws:iam::111122223333:*",
    "arn:aws:iam::444455556666:role/partner-sync",
    "arn:aws:iam::11112222333?:role/app-role",
    "arn:aws:iam::111122223333:user/engineering/*",
    "arn:aws:iam::111122223333:role/service/ci-deployer",
    "arn:aws:sns:us-east-1:111122223333:*",
    "arn:aws:s3:::app-*",
    "arn:aws:iam::111122223333:user/${aws:username}",
    "arn:aws:iam::${aws:PrincipalAccount}:role/*",
    // ARN operators compare case-sensitively in every segment.
    "arn:aws:IAM::111122223333:user/alice",
];
/// Variable resources: in the resource part of the ARN only (after the fifth colon), the
/// only place AWS substitutes them, and only after a resource type (`user/`, `table/`,
/// `function:`) or in S3 object keys: see docs/evaluation-divergences.md ("Policy
/// variables in resources without a resource type").
const VARIABLE_RESOURCES: &[&str] = &[
    "arn:aws:s3:::app-data/home/${aws:username}/*",
    "arn:aws:s3:::app-data/home/${aws:username, 'alice'}/*",
    "arn:aws:s3:::app-data/home/${aws:PrincipalTag/team}/*",
    "arn:aws:iam::{a}:user/${aws:username}",
    "arn:aws:iam::{a}:user/*${aws:username}",
    "arn:aws:iam::{a}:role/${aws:PrincipalTag/team, 'app'}-role",
    "arn:aws:dynamodb:*:{a}:table/${aws:ResourceTag/env}*",
    "arn:aws:lambda:*:{a}:function:${aws:username}",
];

const STRING_OPS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
];
const NUMERIC_OPS: &[&str] = &[
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
];
const DATE_OPS: &[&str] = &[
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
];
const ARN_OPS: &[&str] = &["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"];
const BOOL_KEYS: &[&str] = &[
    "aws:MultiFactorAuthPresent",
    "aws:SecureTransport",
    "aws:ViaAWSService",
];
const ALL_KEYS: &[&str] = &[
    "aws:username",
    "aws:SourceIp",
    "aws:RequestedRegion",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:SecureTransport",
    "aws:PrincipalTag/team",
    "aws:TagKeys",
    "aws:RequestTag/env",
    "aws:ResourceTag/env",
    "aws:SourceArn",
    "aws:ViaAWSService",
    "aws:PrincipalArn",
];

/// How much a generated statement tends to apply to the request.
#[derive(Debug, Clone, Copy)]
struct Shape {
    /// Probability that an action or resource pattern is drawn from the matching ones.
    matching: f64,
    /// Probability of an `Allow` effect.
    allow: f64,
    /// Probability of a `Condition` block.
    condition: f64,
    /// Probability of `NotAction` / `NotResource` instead of `Action` / `Resource`.
    negated_elements: f64,
    /// Probability that a resource pattern has a policy variable.
    variables: f64,
}

const PLAIN: Shape = Shape {
    matching: 0.6,
    allow: 0.7,
    condition: 0.0,
    negated_elements: 0.2,
    variables: 0.0,
};

pub struct Generator {
    rng: ChaCha8Rng,
    next_id: usize,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            next_id: 0,
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items.choose(&mut self.rng).expect("non-empty pool").clone()
    }

    fn count(&mut self, lo: usize, hi: usize) -> usize {
        self.rng.random_range(lo..=hi)
    }

    fn some_of(&mut self, pool: &[&str], lo: usize, hi: usize) -> Vec<String> {
        let n = self.count(lo, hi);
        let mut out: Vec<String> = Vec::new();
        for _ in 0..n {
            let v = self.pick(pool).to_owned();
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }

    /// A string element value: a single string or an array.
    fn one_or_many(&mut self, list: Vec<String>) -> Value {
        if list.len() == 1 && self.chance(0.5) {
            json!(list[0])
        } else {
            json!(list)
        }
    }

    fn new_case(&mut self, category: &'static str, request: Req) -> Case {
        let id = self.next_id;
        self.next_id += 1;
        Case {
            id,
            category,
            identity: Vec::new(),
            boundary: None,
            scps: Vec::new(),
            rcps: Vec::new(),
            resource_policy: None,
            session: None,
            request,
        }
    }

    // ---- Requests ----------------------------------------------------------------

    fn request(&mut self, p: &Principal, pair: &Pair, resource_account: &str) -> Req {
        let mut req = Req {
            principal: p.arn.to_owned(),
            principal_account: p.account.to_owned(),
            action: pair.action.to_owned(),
            resource: pair.resource_in(resource_account),
            resource_account: resource_account.to_owned(),
            context: Vec::new(),
        };
        let one = |s: &str| Ctx::One(s.to_owned());
        // AWS always sets these for a signed request from an IAM principal.
        req.set("aws:PrincipalArn", one(p.principal_arn));
        req.set("aws:PrincipalAccount", one(p.account));
        if let Some(u) = p.username {
            req.set("aws:username", one(u));
        }
        if self.chance(0.85) {
            let v = self.pick(SOURCE_IPS);
            req.set("aws:SourceIp", one(v));
        }
        if self.chance(0.8) {
            let v = self.pick(REGIONS);
            req.set("aws:RequestedRegion", one(v));
        }
        if self.chance(0.6) {
            let mfa = self.pick(&["true", "false"]);
            req.set("aws:MultiFactorAuthPresent", one(mfa));
            if mfa == "true" && self.chance(0.6) {
                let v = self.pick(MFA_AGES);
                req.set("aws:MultiFactorAuthAge", one(v));
            }
        }
        if self.chance(0.85) {
            let v = self.pick(CURRENT_TIMES);
            req.set("aws:CurrentTime", one(v));
        }
        if self.chance(0.85) {
            let v = self.pick(EPOCH_TIMES);
            req.set("aws:EpochTime", one(v));
        }
        if self.chance(0.8) {
            let v = self.pick(&["true", "false"]);
            req.set("aws:SecureTransport", one(v));
        }
        if self.chance(0.6) {
            let v = self.pick(TEAMS);
            req.set("aws:PrincipalTag/team", one(v));
        }
        if self.chance(0.45) {
            // Multivalued; now and then present with no value at all.
            let values = if self.chance(0.1) {
                Vec::new()
            } else {
                self.some_of(TAG_KEYS, 1, 3)
            };
            req.set("aws:TagKeys", Ctx::Many(values));
        }
        if self.chance(0.3) {
            let v = self.pick(ENVS);
            req.set("aws:RequestTag/env", one(v));
        }
        if pair.kind != Kind::S3 && self.chance(0.5) {
            let v = self.pick(ENVS);
            req.set("aws:ResourceTag/env", one(v));
        }
        if self.chance(0.3) {
            let v = self.pick(&["true", "false"]);
            req.set("aws:ViaAWSService", one(v));
        }
        if self.chance(0.15) {
            let v = self.pick(SOURCE_ARNS);
            req.set("aws:SourceArn", one(v));
        }
        req
    }

    // ---- Conditions --------------------------------------------------------------

    fn key_spelling(&mut self, key: &str) -> String {
        // Condition key names compare without regard to case.
        if self.chance(0.08) {
            key.to_ascii_lowercase()
        } else {
            key.to_owned()
        }
    }

    fn if_exists(&mut self, op: &str, p: f64) -> String {
        if self.chance(p) {
            format!("{op}IfExists")
        } else {
            op.to_owned()
        }
    }

    /// Numeric-looking values are sometimes written as JSON numbers or booleans.
    fn typed_values(&mut self, values: Vec<String>, as_json: f64) -> Value {
        if !self.chance(as_json) {
            return self.one_or_many(values);
        }
        let typed: Vec<Value> = values
            .iter()
            .map(|v| {
                if let Ok(n) = v.parse::<i64>() {
                    json!(n)
                } else if v.contains('.') && v.parse::<f64>().is_ok() {
                    serde_json::from_str(v).unwrap_or_else(|_| json!(v))
                } else if v == "true" || v == "false" {
                    json!(v == "true")
                } else {
                    json!(v)
                }
            })
            .collect();
        if typed.len() == 1 && self.chance(0.5) {
            typed[0].clone()
        } else {
            Value::Array(typed)
        }
    }

    /// One (operator, key, values) entry.
    fn condition_entry(&mut self) -> (String, String, Value) {
        let family = self.rng.random_range(0..100);
        match family {
            0..35 => {
                let (key, pool): (&str, &[&str]) = self.pick(&[
                    ("aws:username", USERNAME_VALUES),
                    ("aws:RequestedRegion", REGION_VALUES),
                    ("aws:PrincipalTag/team", TEAM_VALUES),
                    ("aws:PrincipalAccount", ACCOUNT_VALUES),
                    ("aws:ResourceTag/env", ENV_VALUES),
                    ("aws:RequestTag/env", ENV_VALUES),
                    ("aws:PrincipalArn", PRINCIPAL_ARN_STRINGS),
                    // A multivalued key without a set operator.
                    ("aws:TagKeys", TAG_KEY_VALUES),
                ]);
                let op = self.pick(STRING_OPS);
                let op = self.if_exists(op, 0.25);
                let mut values = self.some_of(pool, 1, 3);
                if self.chance(0.15) {
                    values.push(self.pick(STRING_VARIABLE_VALUES).to_owned());
                }
                let key = self.key_spelling(key);
                let values = self.one_or_many(values);
                (op, key, values)
            }
            35..50 => {
                let (key, pool): (&str, &[&str]) = if self.chance(0.7) {
                    ("aws:TagKeys", TAG_KEY_VALUES)
                } else {
                    self.pick(&[
                        ("aws:username", USERNAME_VALUES),
                        ("aws:RequestedRegion", REGION_VALUES),
                        ("aws:PrincipalTag/team", TEAM_VALUES),
                    ])
                };
                let qualifier = self.pick(&["ForAllValues", "ForAnyValue"]);
                let base = self.pick(STRING_OPS);
                // `ForAnyValue:` with `IfExists` is never generated: see
                // docs/evaluation-divergences.md ("ForAnyValue with IfExists on a missing key").
                let op = if qualifier == "ForAllValues" {
                    self.if_exists(base, 0.2)
                } else {
                    base.to_owned()
                };
                let values = self.some_of(pool, 1, 3);
                let key = self.key_spelling(key);
                let values = self.one_or_many(values);
                (format!("{qualifier}:{op}"), key, values)
            }
            50..58 => {
                let (key, pool) = if self.chance(0.5) {
                    ("aws:MultiFactorAuthAge", MFA_AGE_VALUES)
                } else {
                    ("aws:EpochTime", EPOCH_VALUES)
                };
                let op = self.pick(NUMERIC_OPS);
                let op = self.if_exists(op, 0.25);
                let values = self.some_of(pool, 1, 2);
                let key = self.key_spelling(key);
                let values = self.typed_values(values, 0.2);
                (op, key, values)
            }
            58..68 => {
                // The policy value has the form of the request value (ISO 8601 for
                // aws:CurrentTime, epoch seconds for aws:EpochTime); see ISO_VALUES.
                let (key, pool) = if self.chance(0.6) {
                    ("aws:CurrentTime", ISO_VALUES)
                } else {
                    ("aws:EpochTime", EPOCH_VALUES)
                };
                let op = self.pick(DATE_OPS);
                let op = self.if_exists(op, 0.25);
                let values = self.some_of(pool, 1, 2);
                let key = self.key_spelling(key);
                let values = self.one_or_many(values);
                (op, key, values)
            }
            68..78 => {
                let key = self.pick(BOOL_KEYS);
                let op = self.if_exists("Bool", 0.3);
                let v = self.pick(&["true", "false"]).to_owned();
                let key = self.key_spelling(key);
                let values = self.typed_values(vec![v], 0.3);
                (op, key, values)
            }
            78..88 => {
                let op = self.pick(&["IpAddress", "NotIpAddress"]);
                let op = self.if_exists(op, 0.2);
                let values = self.some_of(CIDRS, 1, 2);
                let key = self.key_spelling("aws:SourceIp");
                let values = self.one_or_many(values);
                (op, key, values)
            }
            88..95 => {
                let key = if self.chance(0.8) {
                    "aws:PrincipalArn"
                } else {
                    "aws:SourceArn"
                };
                let op = self.pick(ARN_OPS);
                let op = self.if_exists(op, 0.2);
                let values = self.some_of(ARN_VALUES, 1, 2);
                let key = self.key_spelling(key);
                let values = self.one_or_many(values);
                (op, key, values)
            }
            _ => {
                let key = self.pick(ALL_KEYS);
                let v = self.pick(&["true", "false"]).to_owned();
                let key = self.key_spelling(key);
                let values = self.typed_values(vec![v], 0.3);
                ("Null".to_owned(), key, values)
            }
        }
    }

    fn condition_block(&mut self, lo: usize, hi: usize) -> Value {
        let mut block = Map::new();
        for _ in 0..self.count(lo, hi) {
            let (op, key, values) = self.condition_entry();
            // Operator names compare without regard to case.
            let op = if self.chance(0.04) {
                op.to_ascii_lowercase()
            } else {
                op
            };
            let entry = block.entry(op).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = entry {
                keys.insert(key, values);
            }
        }
        Value::Object(block)
    }

    // ---- Actions and resources ---------------------------------------------------

    fn action_pattern(&mut self, action: &str, matching: bool) -> String {
        let (service, name) = action.split_once(':').expect("service:action");
        if matching {
            match self.rng.random_range(0..9) {
                0 => action.to_owned(),
                1 => action.to_ascii_lowercase(),
                2 => format!("{}:{}", service.to_ascii_uppercase(), name),
                3 => format!("{service}:*"),
                4 => "*".to_owned(),
                5 => {
                    let k = self.rng.random_range(1..name.len());
                    format!("{service}:{}*", &name[..k])
                }
                6 => {
                    let k = self.rng.random_range(1..name.len());
                    format!("{service}:*{}", &name[k..])
                }
                7 => {
                    let k = self.rng.random_range(0..name.len());
                    format!("{service}:{}?{}", &name[..k], &name[k + 1..])
                }
                _ => {
                    let k = self.rng.random_range(1..name.len());
                    format!("{service}:{}*{}", &name[..k], &name[k..])
                }
            }
        } else {
            match self.rng.random_range(0..5) {
                0 | 1 => {
                    let other = self.pick(PAIRS);
                    if other.action.eq_ignore_ascii_case(action) {
                        format!("{action}Extra")
                    } else {
                        other.action.to_owned()
                    }
                }
                2 => format!("{action}s"),
                3 => format!("{service}:{}", &name[..name.len() - 1]),
                _ => {
                    let other = self.pick(&["iam", "ec2", "s3", "sqs", "kms", "lambda"]);
                    if other == service {
                        format!("{service}:Zz*")
                    } else {
                        format!("{other}:*")
                    }
                }
            }
        }
    }

    fn action_element(&mut self, action: &str, shape: Shape) -> (&'static str, Value) {
        let negated = self.chance(shape.negated_elements);
        let n = self.count(1, 3);
        let mut list = Vec::new();
        for _ in 0..n {
            let m = self.chance(shape.matching);
            // For NotAction the "matching" patterns are the ones that exclude the action.
            list.push(self.action_pattern(action, m != negated));
        }
        let value = self.one_or_many(list);
        (if negated { "NotAction" } else { "Action" }, value)
    }

    /// Resource patterns. Wildcards appear in the resource id only: never in the service,
    /// or in the resource type before the first `/` or `:` of the resource part (AWS:
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html, "Incorrect
    /// wildcard usage"), and never a short ARN with fewer than six parts.
    fn resource_pattern(
        &mut self,
        pair: &Pair,
        resource: &str,
        account: &str,
        matching: bool,
        variables: f64,
    ) -> String {
        if variables > 0.0 && self.chance(variables) {
            return self.pick(VARIABLE_RESOURCES).replace("{a}", account);
        }
        if resource == "*" {
            return if matching {
                "*".to_owned()
            } else {
                let other = self.pick(PAIRS);
                if other.resource == "*" {
                    "arn:aws:s3:::*".to_owned()
                } else {
                    other.resource_in(account)
                }
            };
        }
        let parts: Vec<&str> = resource.splitn(6, ':').collect();
        let prefix = parts[..5].join(":");
        let rest = parts[5];
        let product_len = if pair.kind == Kind::S3 {
            0
        } else {
            rest.find(['/', ':']).map_or(0, |i| i + 1)
        };
        let (product, id) = rest.split_at(product_len);
        if matching {
            match self.rng.random_range(0..9) {
                0 | 1 => resource.to_owned(),
                2 => "*".to_owned(),
                3 => format!("{prefix}:{product}*"),
                4 if !parts[3].is_empty() => {
                    format!(
                        "{}:{}:{}:*:{}:{rest}",
                        parts[0], parts[1], parts[2], parts[4]
                    )
                }
                5 if !parts[4].is_empty() => {
                    format!(
                        "{}:{}:{}:{}:*:{rest}",
                        parts[0], parts[1], parts[2], parts[3]
                    )
                }
                6 => {
                    let k = self.rng.random_range(0..id.len());
                    format!("{prefix}:{product}{}?{}", &id[..k], &id[k + 1..])
                }
                7 => {
                    let k = self.rng.random_range(1..id.len());
                    format!("{prefix}:{product}{}*", &id[..k])
                }
                _ => {
                    let k = self.rng.random_range(0..id.len());
                    format!("{prefix}:{product}*{}", &id[k..])
                }
            }
        } else {
            match self.rng.random_range(0..4) {
                0 | 1 => {
                    let other = self.pick(PAIRS);
                    let r = other.resource_in(account);
                    if r == resource || r == "*" {
                        format!("{resource}-old")
                    } else {
                        r
                    }
                }
                // Resource ids compare case-sensitively.
                2 => format!("{prefix}:{product}{}", id.to_ascii_uppercase()),
                _ => {
                    let acct = if parts[4] == HOME { OTHER } else { HOME };
                    if parts[4].is_empty() {
                        format!("{prefix}:{product}{id}/*")
                    } else {
                        format!(
                            "{}:{}:{}:{}:{acct}:{rest}",
                            parts[0], parts[1], parts[2], parts[3]
                        )
                    }
                }
            }
        }
    }

    fn resource_element(&mut self, pair: &Pair, req: &Req, shape: Shape) -> (&'static str, Value) {
        let negated = self.chance(shape.negated_elements);
        let n = self.count(1, 2);
        let mut list = Vec::new();
        for _ in 0..n {
            let m = self.chance(shape.matching);
            // Policy variables stay out of NotResource: a variable that cannot be
            // resolved makes iam-simulate treat the NotResource entry as not
            // matching, iamsnap too, but AWS documents only Resource here.
            let variables = if negated { 0.0 } else { shape.variables };
            list.push(self.resource_pattern(
                pair,
                &req.resource,
                &req.resource_account,
                m != negated,
                variables,
            ));
        }
        let value = self.one_or_many(list);
        (if negated { "NotResource" } else { "Resource" }, value)
    }

    fn statement(
        &mut self,
        pair: &Pair,
        req: &Req,
        shape: Shape,
        conditions: (usize, usize),
    ) -> Map<String, Value> {
        let mut s = Map::new();
        if self.chance(0.2) {
            s.insert("Sid".into(), json!(format!("S{}", self.count(0, 99))));
        }
        let effect = if self.chance(shape.allow) {
            "Allow"
        } else {
            "Deny"
        };
        s.insert("Effect".into(), json!(effect));
        let (k, v) = self.action_element(pair.action, shape);
        s.insert(k.into(), v);
        let (k, v) = self.resource_element(pair, req, shape);
        s.insert(k.into(), v);
        if shape.condition > 0.0 && self.chance(shape.condition) {
            s.insert(
                "Condition".into(),
                self.condition_block(conditions.0, conditions.1),
            );
        }
        s
    }

    fn document(
        &mut self,
        pair: &Pair,
        req: &Req,
        shape: Shape,
        statements: (usize, usize),
        conditions: (usize, usize),
    ) -> Value {
        let n = self.count(statements.0, statements.1);
        let list: Vec<Value> = (0..n)
            .map(|_| Value::Object(self.statement(pair, req, shape, conditions)))
            .collect();
        // Every document says 2012-10-17: see docs/evaluation-divergences.md ("Policy
        // variables under Version 2008-10-17").
        json!({"Version": "2012-10-17", "Statement": list})
    }

    // ---- Principals in resource policies -----------------------------------------

    fn principal_element(&mut self, req: &Req) -> Value {
        let other_arn = {
            let pool: Vec<&str> = HOME_PRINCIPALS
                .iter()
                .chain(OTHER_PRINCIPALS)
                .map(|p| p.arn)
                .filter(|a| *a != req.principal)
                .collect();
            self.pick(&pool).to_owned()
        };
        let other_account = if req.principal_account == HOME {
            OTHER
        } else {
            HOME
        };
        // For a role session, its role (aws:PrincipalArn); else the principal itself.
        let own_arn = match req.context.iter().find(|(k, _)| k == "aws:PrincipalArn") {
            Some((_, Ctx::One(arn))) => arn.clone(),
            _ => req.principal.clone(),
        };
        match self.rng.random_range(0..11) {
            0 => json!("*"),
            1 => json!({"AWS": "*"}),
            2 | 3 => json!({"AWS": req.principal}),
            10 => json!({"AWS": own_arn}),
            4 => json!({"AWS": req.principal_account}),
            5 => json!({"AWS": format!("arn:aws:iam::{}:root", req.principal_account)}),
            6 => json!({"AWS": other_arn}),
            7 => json!({"AWS": [other_account, req.principal]}),
            8 => json!({"AWS": format!("arn:aws:iam::{other_account}:root")}),
            _ => json!({"Service": "lambda.amazonaws.com"}),
        }
    }

    fn resource_policy(&mut self, pair: &Pair, req: &Req, shape: Shape) -> Value {
        let n = self.count(1, 3);
        let mut list = Vec::new();
        for _ in 0..n {
            let mut s = self.statement(pair, req, shape, (1, 2));
            let deny = s.get("Effect") == Some(&json!("Deny"));
            if deny && self.chance(0.15) {
                // NotPrincipal only with Deny (AWS recommends against it with Allow).
                let excluded = if self.chance(0.5) {
                    json!({"AWS": req.principal})
                } else {
                    json!({"AWS": [format!("arn:aws:iam::{}:root", req.principal_account), req.principal]})
                };
                let excluded = if self.chance(0.4) {
                    self.principal_element(req)
                } else {
                    excluded
                };
                if excluded != json!("*") && excluded != json!({"AWS": "*"}) {
                    s.insert("NotPrincipal".into(), excluded);
                } else {
                    s.insert("Principal".into(), excluded);
                }
            } else {
                s.insert("Principal".into(), self.principal_element(req));
            }
            list.push(Value::Object(s));
        }
        json!({"Version": "2012-10-17", "Statement": list})
    }

    // ---- Categories --------------------------------------------------------------

    fn identity_pair(&mut self) -> Pair {
        // KMS keys and roles always have a key or trust policy: those pairs are in
        // their own categories, with one.
        let pool: Vec<Pair> = PAIRS
            .iter()
            .filter(|p| !matches!(p.kind, Kind::KmsKey | Kind::StsRole))
            .copied()
            .collect();
        self.pick(&pool)
    }

    fn home_request(&mut self, pair: &Pair) -> Req {
        let p = self.pick(HOME_PRINCIPALS);
        self.request(&p, pair, HOME)
    }

    /// Each (action, resource) pair once, with an allow-everything identity policy.
    pub fn catalog_pairs(&mut self) -> Vec<Case> {
        let mut out = Vec::new();
        for pair in PAIRS {
            let req = self.home_request(pair);
            let mut case = self.new_case("catalog-pairs", req);
            case.identity.push(json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
            }));
            match pair.kind {
                Kind::KmsKey => case.resource_policy = Some(default_key_policy(HOME)),
                Kind::StsRole => {
                    case.resource_policy = Some(json!({
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{HOME}:root")}, "Action": "sts:AssumeRole"}]
                    }));
                }
                _ => {}
            }
            out.push(case);
        }
        out
    }

    pub fn actions_resources(&mut self) -> Case {
        let pair = self.identity_pair();
        let req = self.home_request(&pair);
        let mut case = self.new_case("actions-resources", req);
        for _ in 0..self.count(1, 2) {
            let doc = self.document(&pair, &case.request, PLAIN, (1, 3), (0, 0));
            case.identity.push(doc);
        }
        case
    }

    pub fn conditions(&mut self) -> Case {
        let pair = self.identity_pair();
        let req = self.home_request(&pair);
        let mut case = self.new_case("conditions", req);
        let shape = Shape {
            matching: 0.85,
            allow: 0.75,
            condition: 0.95,
            negated_elements: 0.1,
            variables: 0.0,
        };
        let doc = self.document(&pair, &case.request, shape, (1, 2), (1, 3));
        case.identity.push(doc);
        if self.chance(0.3) {
            let doc = self.document(&pair, &case.request, shape, (1, 1), (1, 2));
            case.identity.push(doc);
        }
        case
    }

    pub fn variables(&mut self) -> Case {
        let pair = self.identity_pair();
        let req = self.home_request(&pair);
        let mut case = self.new_case("policy-variables", req);
        let shape = Shape {
            matching: 0.7,
            allow: 0.75,
            condition: 0.4,
            negated_elements: 0.1,
            variables: 0.6,
        };
        let doc = self.document(&pair, &case.request, shape, (1, 3), (1, 2));
        case.identity.push(doc);
        case
    }

    pub fn boundaries(&mut self) -> Case {
        let pair = self.identity_pair();
        let req = self.home_request(&pair);
        let mut case = self.new_case("permissions-boundaries", req);
        let identity = Shape {
            matching: 0.75,
            allow: 0.8,
            condition: 0.3,
            negated_elements: 0.15,
            variables: 0.1,
        };
        for _ in 0..self.count(1, 2) {
            let doc = self.document(&pair, &case.request, identity, (1, 2), (1, 2));
            case.identity.push(doc);
        }
        let boundary = Shape {
            matching: 0.65,
            allow: 0.85,
            condition: 0.3,
            negated_elements: 0.2,
            variables: 0.1,
        };
        case.boundary = Some(self.document(&pair, &case.request, boundary, (1, 3), (1, 2)));
        case
    }

    fn scp_levels(&mut self, pair: &Pair, req: &Req) -> Vec<Vec<Value>> {
        let shape = Shape {
            matching: 0.7,
            allow: 0.6,
            condition: 0.35,
            negated_elements: 0.25,
            variables: 0.05,
        };
        let mut levels = Vec::new();
        for _ in 0..self.count(1, 3) {
            let mut docs = Vec::new();
            if self.chance(0.65) {
                docs.push(json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
                }));
            }
            for _ in 0..self.count(0, 2) {
                docs.push(self.document(pair, req, shape, (1, 2), (1, 2)));
            }
            if docs.is_empty() {
                docs.push(self.document(pair, req, shape, (1, 2), (1, 2)));
            }
            levels.push(docs);
        }
        levels
    }

    /// RCP levels: deny statements (the only kind besides `RCPFullAWSAccess` that RCPs
    /// hold) with `Principal: "*"`, for services that RCPs apply to.
    fn rcp_levels(&mut self, pair: &Pair, req: &Req) -> Vec<Vec<Value>> {
        let shape = Shape {
            matching: 0.6,
            allow: 0.0,
            condition: 0.7,
            negated_elements: 0.0,
            variables: 0.0,
        };
        let mut levels = Vec::new();
        for _ in 0..self.count(1, 2) {
            let mut docs = Vec::new();
            for _ in 0..self.count(0, 2) {
                let n = self.count(1, 2);
                let list: Vec<Value> = (0..n)
                    .map(|_| {
                        let mut s = self.statement(pair, req, shape, (1, 2));
                        s.insert("Principal".into(), json!("*"));
                        // Wildcard actions in RCP statements must name a service.
                        if s.get("Action") == Some(&json!("*")) {
                            s.insert(
                                "Action".into(),
                                json!(format!("{}:*", service(pair.action))),
                            );
                        }
                        if let Some(Value::Array(list)) = s.get_mut("Action") {
                            for a in list.iter_mut() {
                                if a == "*" {
                                    *a = json!(format!("{}:*", service(pair.action)));
                                }
                            }
                        }
                        Value::Object(s)
                    })
                    .collect();
                docs.push(json!({"Version": "2012-10-17", "Statement": list}));
            }
            levels.push(docs);
        }
        levels
    }

    pub fn organizations(&mut self) -> Case {
        let pair = self.identity_pair();
        let req = self.home_request(&pair);
        let mut case = self.new_case("scps-rcps", req);
        let identity = Shape {
            matching: 0.8,
            allow: 0.85,
            condition: 0.2,
            negated_elements: 0.1,
            variables: 0.05,
        };
        let doc = self.document(&pair, &case.request, identity, (1, 2), (1, 2));
        case.identity.push(doc);
        case.scps = self.scp_levels(&pair, &case.request);
        if pair.rcp && self.chance(0.6) {
            case.rcps = self.rcp_levels(&pair, &case.request);
        }
        case
    }

    fn resource_pair(&mut self) -> Pair {
        let pool: Vec<Pair> = PAIRS
            .iter()
            .filter(|p| p.resource_policy && p.kind != Kind::KmsKey && p.kind != Kind::StsRole)
            .copied()
            .collect();
        self.pick(&pool)
    }

    fn with_resource_side(&mut self, case: &mut Case, pair: &Pair, rp_present: f64) {
        let identity = Shape {
            matching: 0.75,
            allow: 0.8,
            condition: 0.2,
            negated_elements: 0.1,
            variables: 0.05,
        };
        for _ in 0..self.count(0, 2) {
            let doc = self.document(pair, &case.request, identity, (1, 2), (1, 2));
            case.identity.push(doc);
        }
        if self.chance(0.35) {
            let boundary = Shape {
                matching: 0.6,
                allow: 0.85,
                condition: 0.2,
                negated_elements: 0.15,
                variables: 0.0,
            };
            case.boundary = Some(self.document(pair, &case.request, boundary, (1, 2), (1, 2)));
        }
        if self.chance(rp_present) {
            let rp = Shape {
                matching: 0.75,
                allow: 0.75,
                condition: 0.2,
                negated_elements: 0.1,
                variables: 0.05,
            };
            case.resource_policy = Some(self.resource_policy(pair, &case.request, rp));
        }
        if self.chance(0.15) {
            case.scps = self.scp_levels(pair, &case.request);
        }
        if pair.rcp && self.chance(0.15) {
            case.rcps = self.rcp_levels(pair, &case.request);
        }
    }

    pub fn resource_same_account(&mut self) -> Case {
        let pair = self.resource_pair();
        let req = self.home_request(&pair);
        let mut case = self.new_case("resource-policy-same-account", req);
        self.with_resource_side(&mut case, &pair, 0.9);
        case
    }

    pub fn resource_cross_account(&mut self) -> Case {
        let pair = self.resource_pair();
        let (p, resource_account) = if self.chance(0.5) {
            (self.pick(OTHER_PRINCIPALS), HOME)
        } else {
            (self.pick(HOME_PRINCIPALS), OTHER)
        };
        let req = self.request(&p, &pair, resource_account);
        let mut case = self.new_case("resource-policy-cross-account", req);
        self.with_resource_side(&mut case, &pair, 0.85);
        case
    }

    /// KMS keys: the key policy is always there; its usual first statement (the default
    /// key policy) lets the account's IAM policies grant access.
    pub fn kms_key(&mut self) -> Case {
        let pair = *PAIRS
            .iter()
            .find(|p| p.kind == Kind::KmsKey)
            .expect("kms pair");
        let (p, resource_account) = if self.chance(0.7) {
            (self.pick(HOME_PRINCIPALS), HOME)
        } else {
            (self.pick(OTHER_PRINCIPALS), HOME)
        };
        let req = self.request(&p, &pair, resource_account);
        let mut case = self.new_case("kms-key-policy", req);
        self.with_resource_side(&mut case, &pair, 0.0);
        let rp = Shape {
            matching: 0.75,
            allow: 0.8,
            condition: 0.15,
            negated_elements: 0.05,
            variables: 0.0,
        };
        let mut key_policy = self.resource_policy(&pair, &case.request, rp);
        if self.chance(0.6)
            && let Some(Value::Array(list)) = key_policy.get_mut("Statement")
        {
            list.insert(0, default_key_statement(resource_account));
        }
        case.resource_policy = Some(key_policy);
        case
    }

    /// Role sessions created with a session policy (`AssumeRole`'s `Policy`): it must
    /// allow too, also what a resource policy naming the session's role allows. A
    /// resource policy naming the session itself is not generated (see "A resource policy
    /// naming the session, with a session policy" in docs/evaluation-divergences.md).
    pub fn sessions(&mut self) -> Case {
        let sessions: Vec<Principal> = HOME_PRINCIPALS
            .iter()
            .filter(|p| p.arn.contains(":assumed-role/"))
            .copied()
            .collect();
        let p = self.pick(&sessions);
        let with_resource = self.chance(0.4);
        let pair = if with_resource {
            self.resource_pair()
        } else {
            self.identity_pair()
        };
        let req = self.request(&p, &pair, HOME);
        let mut case = self.new_case("session-policies", req);
        self.with_resource_side(&mut case, &pair, if with_resource { 0.9 } else { 0.0 });
        let shape = Shape {
            matching: 0.7,
            allow: 0.75,
            condition: 0.25,
            negated_elements: 0.15,
            variables: 0.1,
        };
        case.session = Some(self.document(&pair, &case.request, shape, (1, 3), (1, 2)));
        if case
            .resource_policy
            .as_ref()
            .is_some_and(|rp| names_principal(rp, &case.request.principal))
        {
            case.resource_policy = None;
        }
        case
    }

    /// Roles: the trust policy is always there (no `Resource` element).
    pub fn sts_trust(&mut self) -> Case {
        let pair = *PAIRS
            .iter()
            .find(|p| p.kind == Kind::StsRole)
            .expect("sts pair");
        let (p, resource_account) = if self.chance(0.6) {
            (self.pick(HOME_PRINCIPALS), HOME)
        } else {
            (self.pick(OTHER_PRINCIPALS), HOME)
        };
        let req = self.request(&p, &pair, resource_account);
        let mut case = self.new_case("sts-trust-policy", req);
        self.with_resource_side(&mut case, &pair, 0.0);
        let mut list = Vec::new();
        for _ in 0..self.count(1, 2) {
            let mut s = Map::new();
            let effect = if self.chance(0.8) { "Allow" } else { "Deny" };
            s.insert("Effect".into(), json!(effect));
            s.insert("Principal".into(), self.principal_element(&case.request));
            let action = if self.chance(0.8) {
                self.action_pattern(pair.action, true)
            } else {
                self.action_pattern(pair.action, false)
            };
            s.insert("Action".into(), json!(action));
            if self.chance(0.25) {
                s.insert("Condition".into(), self.condition_block(1, 2));
            }
            list.push(Value::Object(s));
        }
        case.resource_policy = Some(json!({"Version": "2012-10-17", "Statement": list}));
        case
    }
}

/// Whether a `Principal` element of `policy` names `arn` exactly.
fn names_principal(policy: &Value, arn: &str) -> bool {
    fn has(v: &Value, arn: &str) -> bool {
        match v {
            Value::String(s) => s == arn,
            Value::Array(items) => items.iter().any(|i| has(i, arn)),
            Value::Object(map) => map.values().any(|i| has(i, arn)),
            _ => false,
        }
    }
    policy
        .get("Statement")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .filter_map(|s| s.get("Principal"))
                .any(|p| has(p, arn))
        })
}

fn service(action: &str) -> &str {
    action.split_once(':').map_or(action, |(s, _)| s)
}

fn default_key_statement(account: &str) -> Value {
    json!({
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
        "Action": "kms:*",
        "Resource": "*"
    })
}

/// The default key policy of a KMS key
/// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
fn default_key_policy(account: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [default_key_statement(account)]})
}
