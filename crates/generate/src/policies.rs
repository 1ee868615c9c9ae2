//! Managed policies: the AWS managed ones an account uses, the customer managed ones every
//! generated account has (admin-like, privilege-escalation-prone, guardrails, the boundary),
//! and per-application least-privilege ones.

use chrono::{DateTime, NaiveDate, Utc};
use iamsnap_export::auth_details::{ManagedPolicyDetail, PolicyVersion};
use serde_json::Value;

use crate::doc::{Stmt, doc_of, older_version, url_encoded};
use crate::planted::Caps;
use crate::rng::days_before;
use crate::{Account, AppEnv, data};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

fn ymd(y: i32, m: u32, d: u32, secs: u32) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|day| day.and_hms_opt(secs / 3600 % 24, secs / 60 % 60, secs % 60))
        .map(|t| t.and_utc())
}

/// An AWS managed policy as AWS publishes it.
struct AwsDef {
    name: &'static str,
    path: &'static str,
    id: &'static str,
    version: &'static str,
    created: (i32, u32, u32, u32),
    updated: (i32, u32, u32, u32),
    description: &'static str,
    doc: Value,
}

fn read_actions(services: &[&str], verbs: &[&str]) -> Vec<String> {
    services
        .iter()
        .flat_map(|s| verbs.iter().map(move |v| format!("{s}:{v}")))
        .collect()
}

fn aws_defs() -> Vec<AwsDef> {
    vec![
        AwsDef {
            name: "AdministratorAccess",
            path: "/",
            id: "ANPAIWMBCKSKIEE64ZLYK",
            version: "v1",
            created: (2015, 2, 6, 67_186),
            updated: (2015, 2, 6, 67_186),
            description: "Provides full access to AWS services and resources.",
            doc: doc_of(vec![Stmt::allow().action(&["*"]).resource(&["*"])]),
        },
        AwsDef {
            name: "ReadOnlyAccess",
            path: "/",
            id: "ANPAILL3HVNFSB6DCOWYQ",
            version: "v118",
            created: (2015, 2, 6, 67_239),
            updated: (2024, 5, 22, 55_321),
            description: "Provides read-only access to AWS services and resources.",
            doc: doc_of(vec![
                Stmt::allow_sid("ReadOnlyActions")
                    .action(&read_actions(
                        data::READ_SERVICES,
                        &["Describe*", "Get*", "List*"],
                    ))
                    .resource(&["*"]),
            ]),
        },
        AwsDef {
            name: "AmazonS3ReadOnlyAccess",
            path: "/",
            id: "ANPAIZTJ4DXE7G6AGAE6M",
            version: "v3",
            created: (2015, 2, 6, 67_180),
            updated: (2023, 8, 10, 77_411),
            description: "Provides read only access to all buckets via the AWS Management Console.",
            doc: doc_of(vec![
                Stmt::allow()
                    .action(&[
                        "s3:Get*",
                        "s3:List*",
                        "s3:Describe*",
                        "s3-object-lambda:Get*",
                        "s3-object-lambda:List*",
                    ])
                    .resource(&["*"]),
            ]),
        },
        AwsDef {
            name: "AWSLambdaBasicExecutionRole",
            path: "/service-role/",
            id: "ANPAJNCQGXC42545SKXIK",
            version: "v1",
            created: (2015, 4, 9, 54_317),
            updated: (2015, 4, 9, 54_317),
            description: "Provides write permissions to CloudWatch Logs.",
            doc: doc_of(vec![
                Stmt::allow()
                    .action(&[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                    ])
                    .resource(&["*"]),
            ]),
        },
        AwsDef {
            name: "PowerUserAccess",
            path: "/",
            id: "ANPAJYRXTHIB4FOVS3ZXS",
            version: "v5",
            created: (2015, 2, 6, 67_199),
            updated: (2023, 7, 6, 81_002),
            description: "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
            doc: doc_of(vec![
                Stmt::allow()
                    .not_action(&["iam:*", "organizations:*", "account:*"])
                    .resource(&["*"]),
                Stmt::allow()
                    .action(&[
                        "account:GetAccountInformation",
                        "account:GetPrimaryEmail",
                        "account:ListRegions",
                        "iam:CreateServiceLinkedRole",
                        "iam:DeleteServiceLinkedRole",
                        "iam:ListRoles",
                        "organizations:DescribeOrganization",
                    ])
                    .resource(&["*"]),
            ]),
        },
        AwsDef {
            name: "AmazonSSMManagedInstanceCore",
            path: "/",
            id: "ANPAIXSHM2BNB2D3AXXRU",
            version: "v2",
            created: (2019, 3, 15, 62_241),
            updated: (2019, 5, 23, 58_342),
            description: "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality.",
            doc: doc_of(vec![
                Stmt::allow()
                    .action(&[
                        "ssm:DescribeAssociation",
                        "ssm:GetDeployablePatchSnapshotForInstance",
                        "ssm:GetDocument",
                        "ssm:DescribeDocument",
                        "ssm:GetManifest",
                        "ssm:GetParameter",
                        "ssm:GetParameters",
                        "ssm:ListAssociations",
                        "ssm:ListInstanceAssociations",
                        "ssm:PutInventory",
                        "ssm:PutComplianceItems",
                        "ssm:PutConfigurePackageResult",
                        "ssm:UpdateAssociationStatus",
                        "ssm:UpdateInstanceAssociationStatus",
                        "ssm:UpdateInstanceInformation",
                    ])
                    .resource(&["*"]),
                Stmt::allow()
                    .action(&[
                        "ssmmessages:CreateControlChannel",
                        "ssmmessages:CreateDataChannel",
                        "ssmmessages:OpenControlChannel",
                        "ssmmessages:OpenDataChannel",
                    ])
                    .resource(&["*"]),
                Stmt::allow()
                    .action(&[
                        "ec2messages:AcknowledgeMessage",
                        "ec2messages:DeleteMessage",
                        "ec2messages:FailMessage",
                        "ec2messages:GetEndpoint",
                        "ec2messages:GetMessages",
                        "ec2messages:SendReply",
                    ])
                    .resource(&["*"]),
            ]),
        },
        AwsDef {
            name: "AWSGlueServiceRole",
            path: "/service-role/",
            id: "ANPAIRRSBZ4Y6N3XOXTVS",
            version: "v6",
            created: (2017, 8, 14, 49_413),
            updated: (2020, 6, 12, 60_217),
            description: "Policy for AWS Glue service role which allows access to related services including EC2, S3, and Cloudwatch Logs",
            doc: doc_of(vec![
                Stmt::allow()
                    .action(&[
                        "glue:*",
                        "s3:GetBucketLocation",
                        "s3:ListBucket",
                        "s3:ListAllMyBuckets",
                        "s3:GetBucketAcl",
                        "ec2:DescribeVpcEndpoints",
                        "ec2:DescribeRouteTables",
                        "ec2:CreateNetworkInterface",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcAttribute",
                        "iam:ListRolePolicies",
                        "iam:GetRole",
                        "iam:GetRolePolicy",
                        "cloudwatch:PutMetricData",
                    ])
                    .resource(&["*"]),
                Stmt::allow()
                    .action(&["s3:CreateBucket"])
                    .resource(&["arn:aws:s3:::aws-glue-*"]),
                Stmt::allow()
                    .action(&["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                    .resource(&["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*"]),
                Stmt::allow()
                    .action(&[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                    ])
                    .resource(&["arn:aws:logs:*:*:*:/aws-glue/*"]),
                Stmt::allow()
                    .action(&["ec2:CreateTags", "ec2:DeleteTags"])
                    .condition(
                        "ForAllValues:StringEquals",
                        "aws:TagKeys",
                        &["aws-glue-service-resource"],
                    )
                    .resource(&[
                        "arn:aws:ec2:*:*:network-interface/*",
                        "arn:aws:ec2:*:*:security-group/*",
                        "arn:aws:ec2:*:*:instance/*",
                    ]),
            ]),
        },
        AwsDef {
            name: "SecurityAudit",
            path: "/",
            id: "ANPAIX2T3QCXHR2OGGCTO",
            version: "v44",
            created: (2015, 2, 6, 67_201),
            updated: (2024, 6, 5, 64_800),
            description: "The security audit template grants access to read security configuration metadata.",
            doc: doc_of(vec![
                Stmt::allow()
                    .action(&read_actions(data::READ_SERVICES, &["Describe*", "List*"]))
                    .resource(&["*"]),
                Stmt::allow()
                    .action(&[
                        "iam:GenerateCredentialReport",
                        "iam:GetAccountAuthorizationDetails",
                        "iam:GetCredentialReport",
                        "iam:GetPolicyVersion",
                        "s3:GetBucketAcl",
                        "s3:GetBucketPolicy",
                        "s3:GetBucketPublicAccessBlock",
                        "kms:GetKeyPolicy",
                    ])
                    .resource(&["*"]),
            ]),
        },
        AwsDef {
            name: "IAMUserChangePassword",
            path: "/",
            id: "ANPAJ4L4MM2A7QIEB56MS",
            version: "v2",
            created: (2016, 11, 15, 812),
            updated: (2016, 11, 15, 848),
            description: "Provides the ability for an IAM user to change their own password.",
            doc: doc_of(vec![
                Stmt::allow()
                    .action(&["iam:ChangePassword"])
                    .resource(&["arn:aws:iam::*:user/${aws:username}"]),
                Stmt::allow()
                    .action(&["iam:GetAccountPasswordPolicy"])
                    .resource(&["*"]),
            ]),
        },
    ]
}

impl Account {
    /// Adds an AWS managed policy with its default version only.
    fn add_aws_policy(&mut self, def: AwsDef) -> usize {
        self.g.reserve_id(def.id);
        self.push_aws_policy(
            def.name,
            def.path,
            def.id.to_owned(),
            def.version,
            (
                ymd(def.created.0, def.created.1, def.created.2, def.created.3),
                ymd(def.updated.0, def.updated.1, def.updated.2, def.updated.3),
            ),
            Some(def.description),
            def.doc,
        )
    }

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
            policy_id: id,
            arn: format!("arn:aws:iam::aws:policy{path}{name}"),
            path: path.to_owned(),
            default_version_id: version.to_owned(),
            attachment_count: 0,
            permissions_boundary_usage_count: 0,
            is_attachable: true,
            description: description.map(str::to_owned),
            create_date: created,
            update_date: updated,
            policy_version_list: vec![PolicyVersion {
                document: doc,
                version_id: version.to_owned(),
                is_default_version: true,
                create_date: Some(updated),
            }],
        });
        self.policies.len() - 1
    }

    pub(super) fn add_aws_policies(&mut self) {
        let mut ids = [0usize; 9];
        for (slot, def) in ids.iter_mut().zip(aws_defs()) {
            *slot = self.add_aws_policy(def);
        }
        let [
            admin,
            read_only,
            s3_read_only,
            lambda_basic,
            power_user,
            ssm_core,
            glue_service,
            security_audit,
            change_password,
        ] = ids;
        self.set_caps(admin, Caps::ADMIN);
        self.set_caps(power_user, Caps::ALL_BUT_IAM);
        // `glue:*` on `*`: the development endpoints of the account, and new Glue jobs.
        self.set_caps(glue_service, Caps::GLUE);
        self.aws = AwsPolicies {
            admin,
            read_only,
            s3_read_only,
            lambda_basic,
            power_user,
            ssm_core,
            glue_service,
            security_audit,
            change_password,
        };
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
                    is_default_version: true,
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
            policy_id,
            path: "/".to_owned(),
            default_version_id,
            attachment_count: 0,
            permissions_boundary_usage_count: 0,
            is_attachable: true,
            description,
            create_date: created,
            update_date,
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
                is_default_version: i == default_at,
                create_date: Some(when),
            });
        }
        (versions, default_id, when)
    }

    /// The customer managed policies every generated account has.
    pub(super) fn add_fixed_policies(&mut self) {
        let acct = self.acct.clone();
        let at = self.at;
        let born = self.born;
        let when = |g: &mut crate::rng::Gen| g.between(born, days_before(at, 20));
        let d = when(&mut self.g);
        let app_data_read = self.add_customer_policy(
            "app-data-read",
            Some("Read objects of the shared application data bucket".to_owned()),
            doc_of(vec![
                Stmt::allow()
                    .action(&["s3:GetObject"])
                    .resource(&["arn:aws:s3:::acme-app-data/*"]),
            ]),
            d,
            Versions::Single,
        );
        let d = when(&mut self.g);
        let shared_exports_read = self.add_customer_policy(
            "shared-exports-read",
            Some("Read the exports shared with partners".to_owned()),
            doc_of(vec![
                Stmt::allow_sid("ListExports")
                    .action(&["s3:ListBucket", "s3:GetBucketLocation"])
                    .resource(&["arn:aws:s3:::acme-shared-exports"]),
                Stmt::allow_sid("ReadExports")
                    .action(&["s3:GetObject", "s3:GetObjectVersion"])
                    .resource(&["arn:aws:s3:::acme-shared-exports/*"]),
            ]),
            d,
            Versions::Single,
        );
        let d = when(&mut self.g);
        let boundary = self.add_customer_policy(
            "developer-boundary",
            Some("Permissions boundary for roles and users created by developers".to_owned()),
            doc_of(vec![
                Stmt::allow_sid("AllowServicesButIdentityAdmin")
                    .not_action(&["iam:*", "organizations:*", "account:*"])
                    .resource(&["*"]),
                Stmt::allow_sid("AllowIamReadAndPassAppRoles")
                    .action(&["iam:Get*", "iam:List*", "iam:PassRole"])
                    .resource(&[format!("arn:aws:iam::{acct}:role/app/*")]),
                Stmt::deny_sid("DenyBoundaryRemoval")
                    .action(&[
                        "iam:DeleteRolePermissionsBoundary",
                        "iam:DeleteUserPermissionsBoundary",
                        "iam:PutRolePermissionsBoundary",
                        "iam:PutUserPermissionsBoundary",
                    ])
                    .resource(&["*"]),
                Stmt::deny_sid("DenyBoundaryEdits")
                    .action(&[
                        "iam:CreatePolicyVersion",
                        "iam:DeletePolicy",
                        "iam:DeletePolicyVersion",
                        "iam:SetDefaultPolicyVersion",
                    ])
                    .resource(&[format!("arn:aws:iam::{acct}:policy/developer-boundary")]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let break_glass = self.add_customer_policy(
            "break-glass-admin",
            Some("Emergency full access".to_owned()),
            doc_of(vec![Stmt::allow().action(&["*"]).resource(&["*"])]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let iam_full = self.add_customer_policy(
            "iam-full-access",
            None,
            doc_of(vec![Stmt::allow().action(&["iam:*"]).resource(&["*"])]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let lambda_deployer = self.add_customer_policy(
            "lambda-deployer",
            Some("Deploy and test Lambda functions".to_owned()),
            doc_of(vec![
                Stmt::allow()
                    .action(&[
                        "iam:PassRole",
                        "lambda:CreateFunction",
                        "lambda:InvokeFunction",
                        "lambda:UpdateFunctionCode",
                        "lambda:GetFunction",
                    ])
                    .resource(&["*"]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let policy_versions = self.add_customer_policy(
            "policy-version-manager",
            None,
            doc_of(vec![
                Stmt::allow()
                    .action(&[
                        "iam:CreatePolicyVersion",
                        "iam:SetDefaultPolicyVersion",
                        "iam:GetPolicy",
                        "iam:ListPolicyVersions",
                    ])
                    .resource(&["*"]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let role_policy_editor = self.add_customer_policy(
            "role-policy-editor",
            None,
            doc_of(vec![
                Stmt::allow()
                    .action(&["iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:ListRoles"])
                    .resource(&["*"]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let key_rotator = self.add_customer_policy(
            "access-key-rotator",
            Some("Rotate access keys of service users".to_owned()),
            doc_of(vec![
                Stmt::allow()
                    .action(&[
                        "iam:CreateAccessKey",
                        "iam:DeleteAccessKey",
                        "iam:ListAccessKeys",
                        "iam:UpdateAccessKey",
                    ])
                    .resource(&["*"]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let trust_editor = self.add_customer_policy(
            "trust-policy-editor",
            None,
            doc_of(vec![
                Stmt::allow()
                    .action(&["iam:UpdateAssumeRolePolicy", "iam:GetRole"])
                    .resource(&["*"]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let assume_any = self.add_customer_policy(
            "assume-any-role",
            None,
            doc_of(vec![
                Stmt::allow().action(&["sts:AssumeRole"]).resource(&["*"]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let ci_deploy = self.add_customer_policy(
            "ci-deploy",
            Some("CloudFormation deployments from CI".to_owned()),
            doc_of(vec![
                Stmt::allow_sid("CloudFormation")
                    .action(&["cloudformation:*"])
                    .resource(&["*"]),
                Stmt::allow_sid("Artifacts")
                    .action(&["s3:PutObject", "s3:GetObject", "s3:ListBucket"])
                    .resource(&[
                        "arn:aws:s3:::acme-ci-artifacts",
                        "arn:aws:s3:::acme-ci-artifacts/*",
                    ]),
                Stmt::allow_sid("PassRoleToCloudFormation")
                    .action(&["iam:PassRole"])
                    .resource(&[format!("arn:aws:iam::{acct}:role/*")])
                    .condition(
                        "StringEquals",
                        "iam:PassedToService",
                        &["cloudformation.amazonaws.com"],
                    ),
                Stmt::allow_sid("Images")
                    .action(&[
                        "ecr:GetAuthorizationToken",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload",
                        "ecr:PutImage",
                    ])
                    .resource(&["*"]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let ecs_deploy = self.add_customer_policy(
            "ecs-deploy",
            Some("Roll out new task definitions".to_owned()),
            doc_of(vec![
                Stmt::allow()
                    .action(&[
                        "ecs:UpdateService",
                        "ecs:DescribeServices",
                        "ecs:RegisterTaskDefinition",
                        "ecs:DescribeTaskDefinition",
                    ])
                    .resource(&["*"]),
                Stmt::allow()
                    .action(&["iam:PassRole"])
                    .resource(&[format!("arn:aws:iam::{acct}:role/*-task-role")])
                    .condition(
                        "StringLike",
                        "iam:PassedToService",
                        &["ecs-tasks.amazonaws.com"],
                    ),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let require_mfa = self.add_customer_policy(
            "require-mfa",
            Some("Deny everything but MFA setup without MFA".to_owned()),
            doc_of(vec![
                Stmt::allow_sid("AllowManageOwnMFA")
                    .action(&[
                        "iam:CreateVirtualMFADevice",
                        "iam:EnableMFADevice",
                        "iam:ListMFADevices",
                        "iam:ResyncMFADevice",
                    ])
                    .resource(&[
                        "arn:aws:iam::*:mfa/*",
                        "arn:aws:iam::*:user/${aws:username}",
                    ]),
                Stmt::deny_sid("DenyAllExceptListedIfNoMFA")
                    .not_action(&[
                        "iam:CreateVirtualMFADevice",
                        "iam:EnableMFADevice",
                        "iam:GetUser",
                        "iam:ChangePassword",
                        "iam:ListMFADevices",
                        "iam:ListVirtualMFADevices",
                        "iam:ResyncMFADevice",
                        "sts:GetSessionToken",
                    ])
                    .resource(&["*"])
                    .condition("BoolIfExists", "aws:MultiFactorAuthPresent", &["false"]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let allowed_regions = self.add_customer_policy(
            "allowed-regions",
            Some("Deny regions the company does not use".to_owned()),
            doc_of(vec![
                Stmt::deny_sid("DenyOtherRegions")
                    .not_action(&[
                        "iam:*",
                        "organizations:*",
                        "route53:*",
                        "cloudfront:*",
                        "support:*",
                        "sts:*",
                    ])
                    .resource(&["*"])
                    .condition(
                        "StringNotEquals",
                        "aws:RequestedRegion",
                        &["us-east-1", "eu-west-1", "us-west-2"],
                    ),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let office_only = self.add_customer_policy(
            "office-network-only",
            None,
            doc_of(vec![
                Stmt::deny()
                    .action(&["*"])
                    .resource(&["*"])
                    .condition(
                        "NotIpAddress",
                        "aws:SourceIp",
                        &["203.0.113.0/24", "198.51.100.0/24"],
                    )
                    .condition("Bool", "aws:ViaAWSService", &["false"]),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let key = self.g.uuid();
        let kms_decrypt = self.add_customer_policy(
            "kms-app-decrypt",
            Some("Decrypt with the application key through S3 and Secrets Manager".to_owned()),
            doc_of(vec![
                Stmt::allow()
                    .action(&["kms:Decrypt", "kms:DescribeKey"])
                    .resource(&[format!("arn:aws:kms:us-east-1:{acct}:key/{key}")])
                    .condition(
                        "StringEquals",
                        "kms:ViaService",
                        &[
                            "s3.us-east-1.amazonaws.com",
                            "secretsmanager.us-east-1.amazonaws.com",
                        ],
                    ),
            ]),
            d,
            Versions::Random,
        );
        let d = when(&mut self.g);
        let billing_read = self.add_customer_policy(
            "billing-read",
            None,
            doc_of(vec![
                Stmt::allow()
                    .action(&[
                        "aws-portal:ViewBilling",
                        "aws-portal:ViewUsage",
                        "ce:Get*",
                        "budgets:ViewBudget",
                        "cur:DescribeReportDefinitions",
                    ])
                    .resource(&["*"])
                    .condition("Bool", "aws:MultiFactorAuthPresent", &["true"]),
            ]),
            d,
            Versions::Random,
        );
        // The escalation-prone policies, on purpose (docs/escalation.md). An older default
        // version of `lambda-deployer` lacks `lambda:UpdateFunctionCode`, one of
        // `require-mfa` lacks its deny; the other older versions allow the same.
        self.set_caps(break_glass, Caps::ADMIN);
        self.set_caps(iam_full, Caps::IAM);
        let update_code = if self.default_is_latest(lambda_deployer) {
            Caps::LAMBDA_UPDATE_CODE
        } else {
            Caps::NONE
        };
        self.set_caps(
            lambda_deployer,
            Caps::PASS_ROLE
                .with(Caps::LAMBDA_CREATE_INVOKE)
                .with(update_code),
        );
        self.set_caps(policy_versions, Caps::POLICY_VERSIONS);
        self.set_caps(role_policy_editor, Caps::ROLE_POLICIES);
        self.set_caps(key_rotator, Caps::ACCESS_KEYS);
        self.set_caps(trust_editor, Caps::TRUST_POLICIES);
        self.set_caps(assume_any, Caps::ASSUME_ROLE);
        // CI deployments: stacks, and roles passed to them.
        self.set_caps(
            ci_deploy,
            Caps::CLOUDFORMATION.with(Caps::PASS_ROLE_TO_CLOUDFORMATION),
        );
        if self.default_is_latest(require_mfa) {
            self.set_caps(require_mfa, Caps::DENY_WITHOUT_MFA);
        }
        self.fixed = FixedPolicies {
            app_data_read,
            shared_exports_read,
            boundary,
            break_glass,
            iam_full,
            lambda_deployer,
            policy_versions,
            role_policy_editor,
            key_rotator,
            trust_editor,
            assume_any,
            ci_deploy,
            ecs_deploy,
            require_mfa,
            allowed_regions,
            office_only,
            kms_decrypt,
            billing_read,
        };
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
