//! Managed policies: the AWS managed ones an account uses and the customer managed ones every
//! generated account has (admin-like, privilege-escalation-prone, guardrails, the boundary),
//! both rows of the policy tables (`data/policies.json`); and per-application
//! least-privilege ones, made from templates.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use iamsnap_import::auth_details::{ManagedPolicyDetail, PolicyVersion};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::doc::{Stmt, doc_of, older_version, url_encoded};
use crate::planted::Caps;
use crate::rng::days_before;
use crate::{Account, AppEnv, GenerateError};

/// Whether `arn` names an AWS managed policy.
pub(super) fn is_aws_managed(arn: &str) -> bool {
    arn.starts_with("arn:aws:iam::aws:policy/")
}

/// Indices of the AWS managed policies identities attach.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct AwsPolicies {
    pub(super) admin: usize,
    pub(super) read_only: usize,
    pub(super) s3_read_only: usize,
    pub(super) lambda_basic: usize,
    pub(super) power_user: usize,
    pub(super) ssm_core: usize,
    pub(super) glue_service: usize,
    pub(super) security_audit: usize,
    pub(super) change_password: usize,
}

/// Indices of the customer managed policies every generated account has.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FixedPolicies {
    /// `s3:GetObject` on `acme-app-data/*`; widened by the drift.
    pub(super) app_data_read: usize,
    /// s3 read of `acme-shared-exports`; attached to the drift's partner role.
    pub(super) shared_exports_read: usize,
    /// The permissions boundary.
    pub(super) boundary: usize,
    pub(super) break_glass: usize,
    pub(super) iam_full: usize,
    pub(super) lambda_deployer: usize,
    pub(super) policy_versions: usize,
    pub(super) role_policy_editor: usize,
    pub(super) key_rotator: usize,
    pub(super) trust_editor: usize,
    pub(super) assume_any: usize,
    pub(super) ci_deploy: usize,
    pub(super) ecs_deploy: usize,
    pub(super) require_mfa: usize,
    pub(super) allowed_regions: usize,
    pub(super) office_only: usize,
    pub(super) kms_decrypt: usize,
    pub(super) billing_read: usize,
}

impl FixedPolicies {
    /// The admin-like and privilege-escalation-prone ones.
    pub(super) fn risky(&self) -> [usize; 8] {
        [
            self.break_glass,
            self.iam_full,
            self.lambda_deployer,
            self.policy_versions,
            self.role_policy_editor,
            self.key_rotator,
            self.trust_editor,
            self.assume_any,
        ]
    }
}

/// How a customer managed policy's versions are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Versions {
    /// One version `v1`, a JSON object.
    Single,
    /// Usually one version, sometimes 2 or 3 (and rarely an older one in force); some
    /// URL-encoded.
    Random,
}

/// A least-privilege (or not) policy shape for one application environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Template {
    S3Read,
    S3Write,
    Dynamo,
    SqsConsume,
    SnsPublish,
    Logs,
    KmsDecrypt,
    Secrets,
    Parameters,
    S3Full,
    ServiceWildcard,
    PassRoleRunInstances,
    AdminLike,
    AllButIam,
}

/// Templates by weight: mostly least privilege.
pub(super) const TEMPLATES: &[(Template, u32)] = &[
    (Template::S3Read, 16),
    (Template::S3Write, 10),
    (Template::Dynamo, 14),
    (Template::SqsConsume, 9),
    (Template::SnsPublish, 6),
    (Template::Logs, 8),
    (Template::KmsDecrypt, 6),
    (Template::Secrets, 8),
    (Template::Parameters, 7),
    (Template::S3Full, 3),
    (Template::ServiceWildcard, 3),
    (Template::PassRoleRunInstances, 1),
    (Template::AdminLike, 1),
    (Template::AllButIam, 1),
];

/// The policy tables: rows are added in file order, each drawing its random values in turn,
/// so reordering them changes every account generated.
const POLICY_TABLES: &str = include_str!("../data/policies.json");

/// [`POLICY_TABLES`], parsed once.
static TABLES: LazyLock<Result<PolicyTables, GenerateError>> =
    LazyLock::new(|| parse_tables(POLICY_TABLES));

/// Policy tables from their JSON text.
pub(super) fn parse_tables(text: &str) -> Result<PolicyTables, GenerateError> {
    serde_json::from_str(text).map_err(|e| GenerateError::PolicyTables(e.to_string()))
}

/// The parsed policy tables, or why they do not parse.
pub(super) fn policy_tables() -> Result<&'static PolicyTables, GenerateError> {
    TABLES.as_ref().map_err(Clone::clone)
}

/// The managed policies every generated account starts from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PolicyTables {
    /// The AWS managed policies identities attach.
    aws_managed: Vec<AwsRow>,
    /// The customer managed policies every generated account has.
    customer_managed: Vec<CustomerRow>,
}

/// An AWS managed policy as AWS publishes it, with its default version only.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AwsRow {
    name: String,
    /// `/` or `/service-role/`: the ARN is `arn:aws:iam::aws:policy<path><name>`.
    path: String,
    /// The policy id AWS gave it, the same in every account.
    id: String,
    /// The id of its default version.
    version: String,
    created: DateTime<Utc>,
    /// When its default version was published.
    updated: DateTime<Utc>,
    description: String,
    document: Value,
}

/// A customer managed policy. Its document may name the generated account as
/// [`ACCOUNT_ID`] and a KMS key of the account as [`KMS_KEY_ID`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerRow {
    name: String,
    #[serde(default)]
    description: Option<String>,
    versions: Versions,
    /// The current (latest) document; older versions are derived from it.
    document: Value,
}

/// Stands for the generated account's id in the documents of [`CustomerRow`]s.
const ACCOUNT_ID: &str = "{account_id}";
/// Stands for a KMS key id in the documents of [`CustomerRow`]s: a row naming it draws a
/// fresh one, after its creation date.
const KMS_KEY_ID: &str = "{kms_key_id}";

/// Whether a string value of `doc` contains `needle`.
fn mentions(doc: &Value, needle: &str) -> bool {
    match doc {
        Value::String(s) => s.contains(needle),
        Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        Value::Object(m) => m.values().any(|v| mentions(v, needle)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// `doc` with every `(placeholder, value)` replaced in its string values; keys and their
/// order are kept.
fn filled(doc: &Value, substitutions: &[(&str, &str)]) -> Value {
    match doc {
        Value::String(s) => Value::String(
            substitutions
                .iter()
                .fold(s.clone(), |s, (from, to)| s.replace(from, to)),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| filled(v, substitutions)).collect())
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), filled(v, substitutions)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Null | Value::Bool(_) | Value::Number(_) => doc.clone(),
    }
}

/// The index of the policy `name` among the rows just added.
fn added_index(added: &[(&str, usize)], name: &str) -> Result<usize, GenerateError> {
    added
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, i)| i)
        .ok_or_else(|| GenerateError::MissingPolicy(name.to_owned()))
}

impl Account {
    /// Adds an AWS managed policy with its default version only.
    #[expect(
        clippy::too_many_arguments,
        reason = "the fields of one managed policy"
    )]
    pub(super) fn push_aws_policy(
        &mut self,
        name: &str,
        path: &str,
        id: String,
        version: &str,
        (created, updated): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        description: Option<&str>,
        doc: Value,
    ) -> usize {
        let created = created.unwrap_or(self.born).min(self.at);
        let updated = updated.unwrap_or(created).max(created).min(self.at);
        self.policies.push(ManagedPolicyDetail {
            policy_name: name.to_owned(),
            policy_id: Some(id),
            arn: format!("arn:aws:iam::aws:policy{path}{name}"),
            path: Some(path.to_owned()),
            default_version_id: Some(version.to_owned()),
            attachment_count: Some(0),
            permissions_boundary_usage_count: Some(0),
            is_attachable: Some(true),
            description: description.map(str::to_owned),
            create_date: Some(created),
            update_date: Some(updated),
            policy_version_list: vec![PolicyVersion {
                document: doc,
                version_id: version.to_owned(),
                is_default_version: Some(true),
                create_date: Some(updated),
            }],
        });
        self.policies.len() - 1
    }
    /// Adds the AWS managed policies of the tables.
    pub(super) fn add_aws_policies(&mut self, tables: &PolicyTables) -> Result<(), GenerateError> {
        let rows = &tables.aws_managed;
        let mut added = Vec::with_capacity(rows.len());
        for row in rows {
            self.g.reserve_id(&row.id);
            let index = self.push_aws_policy(
                &row.name,
                &row.path,
                row.id.clone(),
                &row.version,
                (Some(row.created), Some(row.updated)),
                Some(&row.description),
                row.document.clone(),
            );
            added.push((row.name.as_str(), index));
        }
        let index = |name: &str| added_index(&added, name);
        let aws = AwsPolicies {
            admin: index("AdministratorAccess")?,
            read_only: index("ReadOnlyAccess")?,
            s3_read_only: index("AmazonS3ReadOnlyAccess")?,
            lambda_basic: index("AWSLambdaBasicExecutionRole")?,
            power_user: index("PowerUserAccess")?,
            ssm_core: index("AmazonSSMManagedInstanceCore")?,
            glue_service: index("AWSGlueServiceRole")?,
            security_audit: index("SecurityAudit")?,
            change_password: index("IAMUserChangePassword")?,
        };
        self.set_caps(aws.admin, Caps::ADMIN);
        self.set_caps(aws.power_user, Caps::ALL_BUT_IAM);
        // `glue:*` on `*`: the development endpoints of the account, and new Glue jobs.
        self.set_caps(aws.glue_service, Caps::GLUE);
        self.aws = aws;
        Ok(())
    }

    /// Adds a customer managed policy whose current document is `doc`.
    pub(super) fn add_customer_policy(
        &mut self,
        name: &str,
        description: Option<String>,
        doc: Value,
        created: DateTime<Utc>,
        versions: Versions,
    ) -> usize {
        let name = self.policy_names.take(name);
        let policy_id = self.g.id("ANPA");
        let created = created.min(self.at);
        let (policy_version_list, default_version_id, update_date) = match versions {
            Versions::Single => (
                vec![PolicyVersion {
                    document: doc,
                    version_id: "v1".to_owned(),
                    is_default_version: Some(true),
                    create_date: Some(created),
                }],
                "v1".to_owned(),
                created,
            ),
            Versions::Random => self.random_versions(doc, created),
        };
        self.policies.push(ManagedPolicyDetail {
            arn: format!("arn:aws:iam::{}:policy/{name}", self.acct),
            policy_name: name,
            policy_id: Some(policy_id),
            path: Some("/".to_owned()),
            default_version_id: Some(default_version_id),
            attachment_count: Some(0),
            permissions_boundary_usage_count: Some(0),
            is_attachable: Some(true),
            description,
            create_date: Some(created),
            update_date: Some(update_date),
            policy_version_list,
        });
        self.policies.len() - 1
    }

    /// 1 to 3 versions ending with `doc`; returns them, the default id and the update date.
    fn random_versions(
        &mut self,
        doc: Value,
        created: DateTime<Utc>,
    ) -> (Vec<PolicyVersion>, String, DateTime<Utc>) {
        let count = self
            .g
            .weighted(&[(1usize, 82), (2, 12), (3, 6)])
            .unwrap_or(1);
        // Deleted versions leave gaps: numbering may not start at 1.
        let first = if count > 1 && self.g.chance(0.2) {
            self.g.range(2, 5)
        } else {
            1
        };
        let mut docs = vec![doc];
        while docs.len() < count {
            let older = docs.last().map(older_version).unwrap_or_default();
            docs.push(older);
        }
        docs.reverse();
        let default_at = if count > 1 && self.g.chance(0.1) {
            count - 2
        } else {
            count - 1
        };
        let mut when = created;
        let mut versions = Vec::with_capacity(count);
        let mut default_id = String::new();
        for (i, document) in docs.into_iter().enumerate() {
            if i > 0 {
                when = self.g.between(when, self.at);
            }
            let document = if self.g.chance(0.08) {
                url_encoded(&document)
            } else {
                document
            };
            let version_id = format!("v{}", first + i);
            if i == default_at {
                default_id.clone_from(&version_id);
            }
            versions.push(PolicyVersion {
                document,
                version_id,
                is_default_version: Some(i == default_at),
                create_date: Some(when),
            });
        }
        (versions, default_id, when)
    }
    /// Adds the customer managed policies of the tables.
    pub(super) fn add_fixed_policies(
        &mut self,
        tables: &PolicyTables,
    ) -> Result<(), GenerateError> {
        let rows = &tables.customer_managed;
        let account_id = self.acct.clone();
        let mut added = Vec::with_capacity(rows.len());
        for row in rows {
            let created = self.g.between(self.born, days_before(self.at, 20));
            let kms_key_id = if mentions(&row.document, KMS_KEY_ID) {
                self.g.uuid()
            } else {
                String::new()
            };
            let document = filled(
                &row.document,
                &[(ACCOUNT_ID, &account_id), (KMS_KEY_ID, &kms_key_id)],
            );
            let index = self.add_customer_policy(
                &row.name,
                row.description.clone(),
                document,
                created,
                row.versions,
            );
            added.push((row.name.as_str(), index));
        }
        let index = |name: &str| added_index(&added, name);
        let fixed = FixedPolicies {
            app_data_read: index("app-data-read")?,
            shared_exports_read: index("shared-exports-read")?,
            boundary: index("developer-boundary")?,
            break_glass: index("break-glass-admin")?,
            iam_full: index("iam-full-access")?,
            lambda_deployer: index("lambda-deployer")?,
            policy_versions: index("policy-version-manager")?,
            role_policy_editor: index("role-policy-editor")?,
            key_rotator: index("access-key-rotator")?,
            trust_editor: index("trust-policy-editor")?,
            assume_any: index("assume-any-role")?,
            ci_deploy: index("ci-deploy")?,
            ecs_deploy: index("ecs-deploy")?,
            require_mfa: index("require-mfa")?,
            allowed_regions: index("allowed-regions")?,
            office_only: index("office-network-only")?,
            kms_decrypt: index("kms-app-decrypt")?,
            billing_read: index("billing-read")?,
        };
        // The escalation-prone policies, on purpose (docs/escalation.md). An older default
        // version of `lambda-deployer` lacks `lambda:UpdateFunctionCode`, one of
        // `require-mfa` lacks its deny; the other older versions allow the same.
        self.set_caps(fixed.break_glass, Caps::ADMIN);
        self.set_caps(fixed.iam_full, Caps::IAM);
        let update_code = if self.default_is_latest(fixed.lambda_deployer) {
            Caps::LAMBDA_UPDATE_CODE
        } else {
            Caps::NONE
        };
        self.set_caps(
            fixed.lambda_deployer,
            Caps::PASS_ROLE
                .with(Caps::LAMBDA_CREATE_INVOKE)
                .with(update_code),
        );
        self.set_caps(fixed.policy_versions, Caps::POLICY_VERSIONS);
        self.set_caps(fixed.role_policy_editor, Caps::ROLE_POLICIES);
        self.set_caps(fixed.key_rotator, Caps::ACCESS_KEYS);
        self.set_caps(fixed.trust_editor, Caps::TRUST_POLICIES);
        self.set_caps(fixed.assume_any, Caps::ASSUME_ROLE);
        // CI deployments: stacks, and roles passed to them.
        self.set_caps(
            fixed.ci_deploy,
            Caps::CLOUDFORMATION.with(Caps::PASS_ROLE_TO_CLOUDFORMATION),
        );
        if self.default_is_latest(fixed.require_mfa) {
            self.set_caps(fixed.require_mfa, Caps::DENY_WITHOUT_MFA);
        }
        self.fixed = fixed;
        Ok(())
    }

    /// Per-application customer managed policies, up to about a quarter of the roles.
    pub(super) fn add_app_policies(&mut self) {
        let fixed = self
            .policies
            .iter()
            .filter(|p| !is_aws_managed(&p.arn))
            .count();
        let wanted = (self.wanted_roles / 4).saturating_sub(fixed);
        let mut order: Vec<usize> = (0..self.envs.len()).collect();
        self.g.shuffle(&mut order);
        for i in 0..wanted {
            let Some(&e) = order.get(i % order.len().max(1)) else {
                break;
            };
            let Some(env) = self.envs.get(e).cloned() else {
                break;
            };
            let template = self.g.weighted(TEMPLATES).unwrap_or(Template::S3Read);
            let (suffix, doc, caps) = self.template_doc(&env, template, true);
            let description = self
                .g
                .chance(0.4)
                .then(|| format!("{} {}: {}", env.app, env.env, suffix.replace('-', " ")));
            let created = self.g.between(env.created, days_before(self.at, 1));
            let index = self.add_customer_policy(
                &format!("{}-{suffix}", env.stem()),
                description,
                doc,
                created,
                Versions::Random,
            );
            // An older version of a template allows the same: it differs in least-privilege
            // statements, or lacks the deny the guardrails added last.
            let caps = if self.default_is_latest(index) {
                caps
            } else {
                caps.without(Caps::PARTIAL_DENY)
            };
            self.set_caps(index, caps);
            if let Some(list) = self.env_policies.get_mut(e) {
                list.push(index);
            }
            self.app_policies.push(index);
        }
    }

    /// The document of `template` for `env`, with the name suffix it goes by and what it
    /// allows that matters for admin access and escalation. Managed policies get guardrails
    /// (conditions, denies) more often than inline ones.
    pub(super) fn template_doc(
        &mut self,
        env: &AppEnv,
        template: Template,
        managed: bool,
    ) -> (&'static str, Value, Caps) {
        let acct = &self.acct;
        let region = env.region;
        let stem = env.stem();
        let bucket = env.bucket();
        let (suffix, mut statements) = match template {
            Template::S3Read => (
                "s3-read",
                vec![
                    Stmt::allow()
                        .action(&["s3:GetObject", "s3:ListBucket"])
                        .resource(&[
                            format!("arn:aws:s3:::{bucket}"),
                            format!("arn:aws:s3:::{bucket}/*"),
                        ]),
                ],
            ),
            Template::S3Write => (
                "s3-write",
                vec![
                    Stmt::allow_sid("ReadWriteObjects")
                        .action(&["s3:PutObject", "s3:GetObject", "s3:DeleteObject"])
                        .resource(&[format!("arn:aws:s3:::{bucket}/*")]),
                    Stmt::allow_sid("ListBucket")
                        .action(&["s3:ListBucket"])
                        .resource(&[format!("arn:aws:s3:::{bucket}")]),
                ],
            ),
            Template::Dynamo => {
                let table = format!(
                    "arn:aws:dynamodb:{region}:{acct}:table/{stem}-{}",
                    env.entity
                );
                (
                    "dynamodb",
                    vec![
                        Stmt::allow()
                            .action(&[
                                "dynamodb:GetItem",
                                "dynamodb:PutItem",
                                "dynamodb:UpdateItem",
                                "dynamodb:DeleteItem",
                                "dynamodb:Query",
                                "dynamodb:BatchGetItem",
                            ])
                            .resource(&[table.clone(), format!("{table}/index/*")]),
                    ],
                )
            }
            Template::SqsConsume => (
                "sqs-consume",
                vec![
                    Stmt::allow()
                        .action(&[
                            "sqs:ReceiveMessage",
                            "sqs:DeleteMessage",
                            "sqs:GetQueueAttributes",
                            "sqs:ChangeMessageVisibility",
                        ])
                        .resource(&[format!("arn:aws:sqs:{region}:{acct}:{stem}-jobs")]),
                ],
            ),
            Template::SnsPublish => (
                "sns-publish",
                vec![
                    Stmt::allow()
                        .action(&["sns:Publish"])
                        .resource(&[format!("arn:aws:sns:{region}:{acct}:{stem}-events")]),
                ],
            ),
            Template::Logs => (
                "logs",
                vec![
                    Stmt::allow()
                        .action(&["logs:CreateLogGroup"])
                        .resource(&[format!("arn:aws:logs:{region}:{acct}:*")]),
                    Stmt::allow()
                        .action(&["logs:CreateLogStream", "logs:PutLogEvents"])
                        .resource(&[format!(
                            "arn:aws:logs:{region}:{acct}:log-group:/aws/lambda/{stem}-*:*"
                        )]),
                ],
            ),
            Template::KmsDecrypt => (
                "kms-decrypt",
                vec![
                    Stmt::allow()
                        .action(&["kms:Decrypt", "kms:GenerateDataKey"])
                        .resource(&[format!("arn:aws:kms:{region}:{acct}:key/{}", env.kms_key)])
                        .condition(
                            "StringEquals",
                            "kms:ViaService",
                            &[format!("s3.{region}.amazonaws.com")],
                        ),
                ],
            ),
            Template::Secrets => (
                "secrets-read",
                vec![
                    Stmt::allow()
                        .action(&[
                            "secretsmanager:GetSecretValue",
                            "secretsmanager:DescribeSecret",
                        ])
                        .resource(&[format!(
                            "arn:aws:secretsmanager:{region}:{acct}:secret:{}/{}/*",
                            env.app, env.env
                        )]),
                ],
            ),
            Template::Parameters => (
                "ssm-parameters",
                vec![
                    Stmt::allow()
                        .action(&[
                            "ssm:GetParameter",
                            "ssm:GetParameters",
                            "ssm:GetParametersByPath",
                        ])
                        .resource(&[format!(
                            "arn:aws:ssm:{region}:{acct}:parameter/{}/{}/*",
                            env.app, env.env
                        )]),
                ],
            ),
            Template::S3Full => (
                "s3-full-access",
                vec![Stmt::allow().action(&["s3:*"]).resource(&["*"])],
            ),
            Template::ServiceWildcard => {
                let service = self
                    .g
                    .word(&["dynamodb", "sqs", "lambda", "ec2", "secretsmanager"]);
                let suffix = match service {
                    "dynamodb" => "dynamodb-full",
                    "sqs" => "sqs-full",
                    "lambda" => "lambda-full",
                    "ec2" => "ec2-full",
                    _ => "secrets-full",
                };
                (
                    suffix,
                    vec![
                        Stmt::allow()
                            .action(&[format!("{service}:*")])
                            .resource(&["*"]),
                    ],
                )
            }
            Template::PassRoleRunInstances => (
                "ec2-launcher",
                vec![
                    Stmt::allow()
                        .action(&["iam:PassRole", "ec2:RunInstances", "ec2:Describe*"])
                        .resource(&["*"]),
                ],
            ),
            Template::AdminLike => ("admin", vec![Stmt::allow().action(&["*"]).resource(&["*"])]),
            Template::AllButIam => (
                "broad-access",
                vec![
                    Stmt::allow()
                        .not_action(&["iam:*", "organizations:*"])
                        .resource(&["*"]),
                ],
            ),
        };
        // What the broad templates open (docs/escalation.md); least privilege opens nothing.
        let mut caps = match suffix {
            "lambda-full" => Caps::LAMBDA,
            "ec2-full" => Caps::EC2,
            "ec2-launcher" => Caps::PASS_ROLE.with(Caps::EC2_RUN_INSTANCES),
            "admin" => Caps::ADMIN,
            "broad-access" => Caps::ALL_BUT_IAM,
            _ => Caps::NONE,
        };
        let least = !matches!(
            template,
            Template::S3Full
                | Template::ServiceWildcard
                | Template::PassRoleRunInstances
                | Template::AdminLike
                | Template::AllButIam
        );
        let guardrails = if managed { 1.0 } else { 0.5 };
        if least
            && self.g.chance(0.1 * guardrails)
            && let Some(last) = statements.pop()
        {
            statements.push(last.condition("StringEquals", "aws:RequestedRegion", &[region]));
        }
        if self.g.chance(0.07 * guardrails) {
            let deny = match template {
                Template::Dynamo => {
                    caps = caps.with(Caps::PARTIAL_DENY);
                    Stmt::deny()
                        .action(&["dynamodb:DeleteTable", "dynamodb:UpdateTable"])
                        .resource(&["*"])
                }
                Template::S3Read | Template::S3Write | Template::S3Full => Stmt::deny()
                    .action(&["s3:DeleteBucket", "s3:PutBucketPolicy"])
                    .resource(&[format!("arn:aws:s3:::{bucket}")]),
                _ => Stmt::deny_sid("DenyOutsideVpn")
                    .action(&["*"])
                    .resource(&["*"])
                    .condition("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"])
                    .condition("Bool", "aws:ViaAWSService", &["false"]),
            };
            statements.push(deny);
        }
        // The guardrails add conditions to least-privilege statements, and denies: of
        // DynamoDB table changes everywhere (so nobody with it is allowed everything), of
        // changes to one bucket, or of requests from outside the VPN (whose condition on
        // `aws:ViaAWSService` a request without the key does not meet).
        (suffix, doc_of(statements), caps)
    }
}
