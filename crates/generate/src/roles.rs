//! Roles: application service roles, GitHub Actions OIDC roles, third-party and
//! cross-account roles, service-linked roles and IAM Identity Center roles.

use chrono::{DateTime, Utc};
use iamsnap_import::auth_details::{
    InlinePolicy, InstanceProfile, InstanceProfileRole, PermissionsBoundary, RoleDetail,
    RoleLastUsed, Tag,
};
use serde_json::Value;

use crate::doc::{Stmt, doc_of, url_encoded};
use crate::planted::{self, Access, Caps, Principal};
use crate::policies::{TEMPLATES, Template};
use crate::rng::{days_before, plus};
use crate::{Account, AppEnv, data};

/// Kinds of application-level roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RoleKind {
    Lambda,
    Ecs,
    Ec2,
    CodeBuild,
    Glue,
    StepFunctions,
    GithubScoped,
    GithubWildcard,
    GithubAudOnly,
    Vendor,
    CrossAccount,
    /// A role whose trust policy names `*`, guarded by the organization id or not at all.
    Public,
}

/// Role kinds by weight; the first roles take each kind once, in this order.
const ROLE_KINDS: &[(RoleKind, u32)] = &[
    (RoleKind::Lambda, 30),
    (RoleKind::GithubScoped, 8),
    (RoleKind::Ecs, 17),
    (RoleKind::CrossAccount, 4),
    (RoleKind::Ec2, 11),
    (RoleKind::GithubWildcard, 2),
    (RoleKind::CodeBuild, 6),
    (RoleKind::Vendor, 3),
    (RoleKind::Glue, 5),
    (RoleKind::GithubAudOnly, 1),
    (RoleKind::StepFunctions, 4),
    (RoleKind::Public, 1),
];

/// Everything a new role is made of.
pub(super) struct RoleSpec {
    pub(super) name: String,
    pub(super) path: String,
    pub(super) trust: Value,
    pub(super) created: DateTime<Utc>,
    pub(super) attached: Vec<usize>,
    pub(super) inline: Vec<(String, Value)>,
    /// What the inline policies allow that matters for admin access and escalation.
    pub(super) inline_caps: Caps,
    pub(super) boundary: bool,
    pub(super) tags: Vec<Tag>,
    pub(super) last_used: Option<RoleLastUsed>,
    pub(super) instance_profile: bool,
    /// Whether documents may be emitted URL-encoded.
    pub(super) encodable: bool,
    /// Whether people assume the role (IAM Identity Center): it is no non-human identity.
    pub(super) human: bool,
    /// Whether a compute service (Lambda, ECS, EC2, CodeBuild, Glue, Step Functions) runs
    /// code with the role.
    pub(super) compute: bool,
}

/// The GitHub OIDC provider's audience.
pub(super) const GITHUB_AUD: &str = "sts.amazonaws.com";

/// A GitHub Actions OIDC trust policy; `sub` is the `sub` condition, if any, with whether
/// it is matched with `StringLike`.
pub(super) fn github_trust(acct: &str, sub: Option<(&str, bool)>) -> Value {
    let provider = format!("arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com");
    let mut st = Stmt::allow()
        .principal("Federated", &[provider])
        .action(&["sts:AssumeRoleWithWebIdentity"])
        .condition(
            "StringEquals",
            "token.actions.githubusercontent.com:aud",
            &[GITHUB_AUD],
        );
    if let Some((sub, like)) = sub {
        let op = if like { "StringLike" } else { "StringEquals" };
        st = st.condition(op, "token.actions.githubusercontent.com:sub", &[sub]);
    }
    doc_of(vec![st])
}

/// A trust policy letting `principal` (an account root or role ARN) assume the role.
pub(super) fn account_trust(principal: &str, external_id: Option<&str>, mfa: bool) -> Value {
    let mut st = Stmt::allow()
        .principal("AWS", &[principal])
        .action(&["sts:AssumeRole"]);
    if let Some(id) = external_id {
        st = st.condition("StringEquals", "sts:ExternalId", &[id]);
    }
    if mfa {
        st = st.condition("Bool", "aws:MultiFactorAuthPresent", &["true"]);
    }
    doc_of(vec![st])
}

impl Account {
    /// Adds a role and records what its policies make it: an admin compute role, or a
    /// non-human identity that can escalate. Returns its ARN.
    pub(super) fn add_role(&mut self, spec: RoleSpec) -> String {
        let role_id = self.g.id("AROA");
        let arn = format!("arn:aws:iam::{}:role{}{}", self.acct, spec.path, spec.name);
        let caps = self.caps_of(&spec.attached).with(spec.inline_caps);
        match planted::assess(caps, Principal::Role, spec.boundary) {
            Access::Admin if spec.compute => {
                self.plant(planted::ADMIN_COMPUTE, &arn, String::new());
            }
            Access::Limited(methods) if !spec.human && !methods.is_empty() => {
                let detail = methods.into_iter().collect::<Vec<_>>().join(", ");
                self.plant(planted::ESCALATION, &arn, detail);
            }
            Access::Admin | Access::Limited(_) => {}
        }
        let trust = if spec.encodable && self.g.chance(0.03) {
            url_encoded(&spec.trust)
        } else {
            spec.trust
        };
        let mut inline = Vec::with_capacity(spec.inline.len());
        for (policy_name, doc) in spec.inline {
            let policy_document = if spec.encodable && self.g.chance(1.0 / 7.0) {
                url_encoded(&doc)
            } else {
                doc
            };
            inline.push(InlinePolicy {
                policy_name,
                policy_document,
            });
        }
        let instance_profile_list = if spec.instance_profile {
            let profile_created = plus(spec.created, self.g.range_i64(5, 600)).min(self.at);
            vec![InstanceProfile {
                path: spec.path.clone(),
                instance_profile_name: spec.name.clone(),
                instance_profile_id: self.g.id("AIPA"),
                arn: format!(
                    "arn:aws:iam::{}:instance-profile{}{}",
                    self.acct, spec.path, spec.name
                ),
                create_date: profile_created,
                roles: vec![InstanceProfileRole {
                    path: spec.path.clone(),
                    role_name: spec.name.clone(),
                    role_id: role_id.clone(),
                    arn: arn.clone(),
                    create_date: spec.created,
                }],
            }]
        } else {
            Vec::new()
        };
        let permissions_boundary = spec.boundary.then(|| PermissionsBoundary {
            permissions_boundary_type: Some("Policy".to_owned()),
            permissions_boundary_arn: self
                .policies
                .get(self.fixed.boundary)
                .map(|p| p.arn.clone())
                .unwrap_or_default(),
        });
        let attached_managed_policies = self.attachments(&spec.attached);
        self.roles.push(RoleDetail {
            path: spec.path,
            role_name: spec.name,
            role_id,
            arn: arn.clone(),
            create_date: spec.created,
            assume_role_policy_document: trust,
            instance_profile_list,
            role_policy_list: inline,
            attached_managed_policies,
            permissions_boundary,
            tags: spec.tags,
            role_last_used: spec.last_used,
        });
        arn
    }

    /// All the roles of the base account: exactly `wanted_roles`.
    pub(super) fn add_roles(&mut self) {
        let n = self.wanted_roles;
        let linked = if n >= 20 {
            data::SERVICE_LINKED.len().min(2 + n / 100)
        } else {
            n / 10
        };
        let sso = if n >= 20 {
            data::PERMISSION_SETS.len().min(2 + n / 200)
        } else {
            n / 10
        };
        let mut services: Vec<usize> = (0..data::SERVICE_LINKED.len()).collect();
        self.g.shuffle(&mut services);
        for &i in services.iter().take(linked) {
            self.service_linked_role(i);
        }
        for set in data::PERMISSION_SETS.iter().take(sso) {
            self.sso_role(set);
        }
        let rest = n.saturating_sub(linked + sso);
        for i in 0..rest {
            let kind = match ROLE_KINDS.get(i) {
                Some(&(kind, _)) => kind,
                None => self.g.weighted(ROLE_KINDS).unwrap_or(RoleKind::Lambda),
            };
            self.app_role(kind, i == 0);
        }
    }

    fn service_linked_role(&mut self, i: usize) {
        let Some(&(service, name, policy, actions)) = data::SERVICE_LINKED.get(i) else {
            return;
        };
        let mut statements = vec![Stmt::allow().action(actions).resource(&["*"])];
        for &(scoped_service, scoped, resource) in data::SERVICE_LINKED_SCOPED {
            if scoped_service == service {
                statements.push(Stmt::allow().action(scoped).resource(&[resource]));
            }
        }
        let id = self.g.id("ANPA");
        let year = 2017 + i32::try_from(i % 4).unwrap_or(0);
        let created =
            chrono::NaiveDate::from_ymd_opt(year, 3 + u32::try_from(i % 9).unwrap_or(0), 12)
                .and_then(|d| d.and_hms_opt(17, 2, 41))
                .map(|t| t.and_utc());
        let policy_index = self.push_aws_policy(
            policy,
            "/aws-service-role/",
            id,
            "v4",
            (created, created),
            None,
            doc_of(statements),
        );
        let role_created = self.g.between(self.born, days_before(self.at, 2));
        let last_used = Some(RoleLastUsed {
            last_used_date: Some(self.g.days_ago(self.at, 0, 3, role_created)),
            region: Some(
                self.g
                    .weighted(data::REGIONS)
                    .unwrap_or("us-east-1")
                    .to_owned(),
            ),
        });
        let name = self.role_names.take(name);
        self.add_role(RoleSpec {
            name,
            path: format!("/aws-service-role/{service}/"),
            trust: doc_of(vec![
                Stmt::allow()
                    .principal("Service", &[service])
                    .action(&["sts:AssumeRole"]),
            ]),
            created: role_created,
            attached: vec![policy_index],
            inline: Vec::new(),
            // Service-linked policies write IAM only where the service's own roles live.
            inline_caps: Caps::NONE,
            boundary: false,
            tags: Vec::new(),
            last_used,
            instance_profile: false,
            encodable: false,
            human: false,
            compute: false,
        });
    }

    fn sso_role(&mut self, set: &str) {
        let name = format!("AWSReservedSSO_{set}_{}", self.g.hex(16));
        let name = self.role_names.take(&name);
        let path = if self.g.chance(0.5) {
            "/aws-reserved/sso.amazonaws.com/".to_owned()
        } else {
            let region = self.g.weighted(data::REGIONS).unwrap_or("us-east-1");
            format!("/aws-reserved/sso.amazonaws.com/{region}/")
        };
        let trust = doc_of(vec![
            Stmt::allow()
                .principal("Federated", &[self.saml_provider.as_str()])
                .action(&["sts:AssumeRoleWithSAML", "sts:TagSession"])
                .condition(
                    "StringEquals",
                    "SAML:aud",
                    &["https://signin.aws.amazon.com/saml"],
                ),
        ]);
        let aws = self.aws;
        let acct = self.acct.clone();
        let (attached, inline) = match set {
            "AdministratorAccess" => (vec![aws.admin], Vec::new()),
            "ReadOnlyAccess" => (vec![aws.read_only], Vec::new()),
            "PowerUserAccess" => (vec![aws.power_user], Vec::new()),
            "SecurityAudit" => (vec![aws.security_audit, aws.read_only], Vec::new()),
            "DeveloperAccess" => (
                vec![aws.power_user],
                vec![(
                    "AwsSSOInlinePolicy".to_owned(),
                    doc_of(vec![
                        Stmt::allow()
                            .action(&["iam:PassRole", "iam:GetRole", "iam:ListRoles"])
                            .resource(&[format!("arn:aws:iam::{acct}:role/app/*")]),
                    ]),
                )],
            ),
            _ => (
                Vec::new(),
                vec![(
                    "AwsSSOInlinePolicy".to_owned(),
                    doc_of(vec![
                        Stmt::allow()
                            .action(&["aws-portal:*", "ce:*", "budgets:*", "cur:*"])
                            .resource(&["*"]),
                    ]),
                )],
            ),
        };
        let created = self.g.days_ago(self.at, 30, 3 * 365, self.born);
        let last_used = self.role_last_used(created, "us-east-1");
        self.add_role(RoleSpec {
            name,
            path,
            trust,
            created,
            attached,
            inline,
            inline_caps: Caps::NONE,
            boundary: false,
            tags: Vec::new(),
            last_used,
            instance_profile: false,
            encodable: true,
            human: true,
            compute: false,
        });
    }

    /// `RoleLastUsed`: recent for most, months ago for some, never for others (as an
    /// empty object, as the CLI prints it, or absent).
    fn role_last_used(&mut self, created: DateTime<Utc>, region: &str) -> Option<RoleLastUsed> {
        let roll = self.g.below(100);
        let at = self.at;
        let used = |t| {
            Some(RoleLastUsed {
                last_used_date: Some(t),
                region: Some(region.to_owned()),
            })
        };
        if roll < 58 || (roll < 80 && created > days_before(at, 120)) {
            used(self.g.days_ago(at, 0, 7, created))
        } else if roll < 80 {
            used(self.g.days_ago(at, 91, 500, created))
        } else if roll < 92 {
            Some(RoleLastUsed {
                last_used_date: None,
                region: None,
            })
        } else {
            None
        }
    }

    /// Attached application policies for a role of `env` (index `e`): up to `max`.
    fn app_attachments(&mut self, e: usize, max: usize) -> Vec<usize> {
        let count = self.g.range(0, max);
        let own = self.env_policies.get(e).cloned().unwrap_or_default();
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let from_own = !own.is_empty() && self.g.chance(0.85);
            let pick = if from_own {
                self.g.pick(&own)
            } else if self.g.chance(0.3) {
                let i = self.g.below(self.app_policies.len());
                self.app_policies.get(i).copied()
            } else {
                None
            };
            out.extend(pick);
        }
        out
    }

    /// 0 to 2 inline policies for a role of `env`, names unique within the role, with what
    /// each allows that matters for admin access and escalation.
    fn inline_policies(&mut self, env: &AppEnv) -> Vec<(String, Value, Caps)> {
        let count = self
            .g
            .weighted(&[(0usize, 45), (1, 40), (2, 15)])
            .unwrap_or(0);
        let mut out: Vec<(String, Value, Caps)> = Vec::with_capacity(count);
        for _ in 0..count {
            let template = if self.g.chance(0.94) {
                self.g
                    .weighted(TEMPLATES.get(..9).unwrap_or(TEMPLATES))
                    .unwrap_or(Template::S3Read)
            } else {
                self.g.weighted(TEMPLATES).unwrap_or(Template::S3Full)
            };
            let (suffix, doc, caps) = self.template_doc(env, template, false);
            let base = match self.g.below(3) {
                0 => suffix.to_owned(),
                1 => format!("{}-{suffix}", env.app),
                _ => format!("{}-policy", env.stem()),
            };
            let mut name = base.clone();
            let mut n = 2;
            while out.iter().any(|(existing, _, _)| *existing == name) {
                name = format!("{base}-{n}");
                n += 1;
            }
            out.push((name, doc, caps));
        }
        out
    }

    /// A service trust policy, with confused-deputy conditions some of the time.
    fn service_trust(&mut self, service: &str, source_arn: Option<String>, p: f64) -> Value {
        let mut st = Stmt::allow()
            .principal("Service", &[service])
            .action(&["sts:AssumeRole"]);
        if self.g.chance(p) {
            st = st.condition("StringEquals", "aws:SourceAccount", &[self.acct.as_str()]);
            if let Some(arn) = source_arn
                && self.g.chance(0.6)
            {
                st = st.condition("ArnLike", "aws:SourceArn", &[arn]);
            }
        }
        doc_of(vec![st])
    }

    /// One application-level role of `kind`.
    fn app_role(&mut self, kind: RoleKind, first: bool) {
        let (e, env) = self.pick_env();
        let acct = self.acct.clone();
        let region = env.region;
        let stem = env.stem();
        let app = env.app.clone();
        let created = self.g.between(env.created, days_before(self.at, 1));
        let aws = self.aws;
        let fixed = self.fixed;
        let mut attached = Vec::new();
        let mut inline = self.inline_policies(&env);
        let mut path = "/".to_owned();
        let mut instance_profile = false;
        let mut boundary_candidate = false;
        // The rules the trust policy written below should trip.
        let mut trust_problems: Vec<&'static str> = Vec::new();
        let name;
        let trust;
        match kind {
            RoleKind::Lambda => {
                let function = self.g.word(data::FUNCTIONS);
                if self.g.chance(0.4) {
                    path = "/service-role/".to_owned();
                    let suffix = self.g.lower_alnum(8);
                    name = self
                        .role_names
                        .take(&format!("{app}-{function}-role-{suffix}"));
                } else {
                    name = self.role_names.take(&format!("{stem}-{function}-lambda"));
                }
                let source = format!("arn:aws:lambda:{region}:{acct}:function:{stem}-*");
                trust = self.service_trust("lambda.amazonaws.com", Some(source), 0.25);
                if self.g.chance(0.8) {
                    attached.push(aws.lambda_basic);
                }
                attached.extend(self.app_attachments(e, 2));
                boundary_candidate = true;
            }
            RoleKind::Ecs => {
                let service = self.g.word(data::ECS_SERVICES);
                if self.g.chance(0.2) {
                    path = "/app/".to_owned();
                }
                name = if self.g.chance(0.6) {
                    self.role_names.take(&format!("{stem}-{service}-task-role"))
                } else {
                    self.role_names.take(&format!("{stem}-{service}-ecs-task"))
                };
                let source = format!("arn:aws:ecs:{region}:{acct}:*");
                trust = self.service_trust("ecs-tasks.amazonaws.com", Some(source), 0.35);
                attached.extend(self.app_attachments(e, 3));
                boundary_candidate = true;
            }
            RoleKind::Ec2 => {
                if self.g.chance(0.15) {
                    path = "/app/".to_owned();
                }
                name = if self.g.chance(0.5) {
                    self.role_names.take(&format!("{stem}-ec2-role"))
                } else {
                    self.role_names.take(&format!("{stem}-instance"))
                };
                trust = self.service_trust("ec2.amazonaws.com", None, 0.0);
                if self.g.chance(0.7) {
                    attached.push(aws.ssm_core);
                }
                attached.extend(self.app_attachments(e, 2));
                instance_profile = true;
                boundary_candidate = true;
            }
            RoleKind::CodeBuild => {
                path = "/service-role/".to_owned();
                name = self
                    .role_names
                    .take(&format!("codebuild-{stem}-service-role"));
                let source = format!("arn:aws:codebuild:{region}:{acct}:project/{app}-*");
                trust = self.service_trust("codebuild.amazonaws.com", Some(source), 0.4);
                if self.g.chance(0.6) {
                    let doc = doc_of(vec![
                        Stmt::allow()
                            .action(&[
                                "logs:CreateLogGroup",
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                            ])
                            .resource(&[
                                format!(
                                    "arn:aws:logs:{region}:{acct}:log-group:/aws/codebuild/{stem}"
                                ),
                                format!(
                                    "arn:aws:logs:{region}:{acct}:log-group:/aws/codebuild/{stem}:*"
                                ),
                            ]),
                        Stmt::allow()
                            .action(&[
                                "s3:PutObject",
                                "s3:GetObject",
                                "s3:GetObjectVersion",
                                "s3:GetBucketAcl",
                                "s3:GetBucketLocation",
                            ])
                            .resource(&[format!("arn:aws:s3:::codepipeline-{region}-*")]),
                        Stmt::allow()
                            .action(&[
                                "codebuild:CreateReportGroup",
                                "codebuild:CreateReport",
                                "codebuild:UpdateReport",
                                "codebuild:BatchPutTestCases",
                            ])
                            .resource(&[format!(
                                "arn:aws:codebuild:{region}:{acct}:report-group/{stem}-*"
                            )]),
                    ]);
                    let policy_name = format!("CodeBuildBasePolicy-{stem}-{region}");
                    if !inline.iter().any(|(n, _, _)| *n == policy_name) {
                        inline.truncate(1);
                        inline.push((policy_name, doc, Caps::NONE));
                    }
                }
                match self.g.below(100) {
                    0..10 => attached.push(aws.power_user),
                    10..16 => attached.push(aws.admin),
                    16..24 => attached.push(fixed.lambda_deployer),
                    24..30 => attached.push(fixed.ci_deploy),
                    _ => {}
                }
                attached.extend(self.app_attachments(e, 2));
            }
            RoleKind::Glue => {
                if self.g.chance(0.5) {
                    path = "/service-role/".to_owned();
                    let env_part = env.env;
                    let compact = app.replace('-', "");
                    name = self
                        .role_names
                        .take(&format!("AWSGlueServiceRole-{compact}{env_part}"));
                } else {
                    name = self.role_names.take(&format!("{stem}-glue-job"));
                }
                let source = format!("arn:aws:glue:{region}:{acct}:*");
                trust = self.service_trust("glue.amazonaws.com", Some(source), 0.25);
                if self.g.chance(0.85) {
                    attached.push(aws.glue_service);
                }
                attached.extend(self.app_attachments(e, 2));
            }
            RoleKind::StepFunctions => {
                if self.g.chance(0.5) {
                    path = "/service-role/".to_owned();
                    let suffix = self.g.lower_alnum(8);
                    name = self
                        .role_names
                        .take(&format!("StepFunctions-{stem}-role-{suffix}"));
                } else {
                    name = self.role_names.take(&format!("{stem}-sfn"));
                }
                let source = format!("arn:aws:states:{region}:{acct}:stateMachine:{stem}-*");
                trust = self.service_trust("states.amazonaws.com", Some(source), 0.4);
                inline.truncate(1);
                inline.push((
                    format!("{stem}-invoke-functions"),
                    doc_of(vec![
                        Stmt::allow().action(&["lambda:InvokeFunction"]).resource(&[
                            format!("arn:aws:lambda:{region}:{acct}:function:{stem}-*"),
                            format!("arn:aws:lambda:{region}:{acct}:function:{stem}-*:*"),
                        ]),
                        Stmt::allow()
                            .action(&[
                                "xray:PutTraceSegments",
                                "xray:PutTelemetryRecords",
                                "xray:GetSamplingRules",
                            ])
                            .resource(&["*"]),
                    ]),
                    Caps::NONE,
                ));
                attached.extend(self.app_attachments(e, 1));
            }
            RoleKind::GithubScoped | RoleKind::GithubWildcard | RoleKind::GithubAudOnly => {
                let repo = match self.g.below(3) {
                    0 => app.clone(),
                    1 => format!("{app}-service"),
                    _ => format!("infra-{app}"),
                };
                name = match self.g.below(3) {
                    0 => self.role_names.take(&format!("gh-actions-{stem}")),
                    1 => self.role_names.take(&format!("github-{stem}-deploy")),
                    _ => self.role_names.take(&format!("GitHubActions-{stem}")),
                };
                let env_name = env.env;
                trust = match kind {
                    RoleKind::GithubScoped => match self.g.below(100) {
                        0..60 => github_trust(
                            &acct,
                            Some((&format!("repo:acme/{repo}:ref:refs/heads/main"), false)),
                        ),
                        60..85 => github_trust(
                            &acct,
                            Some((&format!("repo:acme/{repo}:ref:refs/heads/main"), true)),
                        ),
                        _ => github_trust(
                            &acct,
                            Some((&format!("repo:acme/{repo}:environment:{env_name}"), false)),
                        ),
                    },
                    RoleKind::GithubWildcard => github_trust(&acct, Some(("repo:acme/*", true))),
                    _ => {
                        // Any workflow of any repository can assume it.
                        trust_problems.push(planted::TRUST_OIDC_NO_SUB);
                        github_trust(&acct, None)
                    }
                };
                inline.truncate(1);
                match (kind, self.g.below(100)) {
                    (RoleKind::GithubScoped, 0..40) => attached.push(fixed.ecs_deploy),
                    (RoleKind::GithubScoped, 40..50) => attached.push(aws.admin),
                    (RoleKind::GithubScoped, 50..60) => attached.push(fixed.ci_deploy),
                    (RoleKind::GithubWildcard, 0..40) => attached.push(aws.power_user),
                    (RoleKind::GithubWildcard, 40..80) => attached.push(fixed.ecs_deploy),
                    (RoleKind::GithubAudOnly, 0..40) => attached.push(aws.admin),
                    (RoleKind::GithubAudOnly, 40..70) => attached.push(fixed.ci_deploy),
                    _ => {}
                }
                attached.extend(self.app_attachments(e, 2));
            }
            RoleKind::Vendor => {
                let v = self.g.below(data::VENDORS.len());
                let (vendor, role_name) = data::VENDORS
                    .get(v)
                    .copied()
                    .unwrap_or(("vendor", "vendor-access"));
                let vendor_account = self.vendor_accounts.get(v).cloned().unwrap_or_default();
                name = self.role_names.take(role_name);
                let principal = if self.g.chance(0.7) {
                    format!("arn:aws:iam::{vendor_account}:root")
                } else {
                    format!("arn:aws:iam::{vendor_account}:role/{vendor}-integration")
                };
                let external_id = if self.g.chance(0.5) {
                    self.g.uuid()
                } else {
                    self.g.hex(32)
                };
                trust = account_trust(&principal, Some(&external_id), false);
                trust_problems.push(planted::TRUST_OTHER_ACCOUNT);
                inline.clear();
                match self.g.below(100) {
                    0..50 => attached.push(aws.security_audit),
                    50..85 => attached.push(aws.read_only),
                    _ => {
                        attached.push(aws.read_only);
                        inline.push((
                            format!("{vendor}-extra"),
                            doc_of(vec![
                                Stmt::allow()
                                    .action(&[
                                        "cloudwatch:GetMetricData",
                                        "cloudwatch:ListMetrics",
                                        "tag:GetResources",
                                        "support:DescribeTrustedAdvisorChecks",
                                    ])
                                    .resource(&["*"]),
                            ]),
                            Caps::NONE,
                        ));
                    }
                }
            }
            RoleKind::CrossAccount => {
                let mut mfa = false;
                let principal;
                let trusted;
                if !self.role_names.contains("OrganizationAccountAccessRole") {
                    name = self.role_names.take("OrganizationAccountAccessRole");
                    trusted = self.management_account.clone();
                    principal = format!("arn:aws:iam::{}:root", self.management_account);
                    attached.push(aws.admin);
                    inline.clear();
                } else if self.g.chance(0.25) {
                    name = self.role_names.take("security-audit-readonly");
                    trusted = self.security_account.clone();
                    principal = format!("arn:aws:iam::{}:root", self.security_account);
                    attached.push(aws.security_audit);
                    inline.clear();
                } else {
                    let i = self.g.below(self.sibling_accounts.len());
                    let sibling = self.sibling_accounts.get(i).cloned().unwrap_or_default();
                    trusted = sibling.clone();
                    principal = if self.g.chance(0.7) {
                        format!("arn:aws:iam::{sibling}:root")
                    } else {
                        format!("arn:aws:iam::{sibling}:role/{app}-deployer")
                    };
                    mfa = self.g.chance(0.3);
                    name = self.role_names.take(&format!("{stem}-cross-account"));
                    match self.g.below(100) {
                        0..15 => attached.push(fixed.assume_any),
                        15..30 => attached.push(aws.read_only),
                        30..38 => attached.push(aws.admin),
                        _ => {}
                    }
                    attached.extend(self.app_attachments(e, 2));
                }
                // Accounts of the company, trusted without ExternalId: none is this one. In
                // an organization, its own accounts are not external.
                trust = account_trust(&principal, None, mfa);
                if !self.organization_accounts.contains(&trusted) {
                    trust_problems.push(planted::TRUST_NO_EXTERNAL_ID);
                    trust_problems.push(planted::TRUST_OTHER_ACCOUNT);
                }
            }
            RoleKind::Public => {
                name = if self.g.chance(0.5) {
                    self.role_names.take(&format!("{stem}-shared-read"))
                } else {
                    self.role_names.take(&format!("{stem}-external-access"))
                };
                let mut st = Stmt::allow()
                    .principal("AWS", &["*"])
                    .action(&["sts:AssumeRole"]);
                // The first one was opened "for a test" and never closed; later ones are
                // limited to the organization, some of the time.
                let opened = self.planted.iter().any(|p| p.rule == planted::TRUST_ANYONE);
                if opened && self.g.chance(0.5) {
                    let org = format!("o-{}", self.g.lower_alnum(10));
                    st = st.condition("StringEquals", "aws:PrincipalOrgID", &[org]);
                    trust_problems.push(planted::TRUST_ANYONE_WITH_CONDITION);
                } else {
                    trust_problems.push(planted::TRUST_ANYONE);
                }
                trust = doc_of(vec![st]);
                inline.clear();
                let (suffix, doc, caps) = self.template_doc(&env, Template::S3Read, false);
                inline.push((format!("{stem}-{suffix}"), doc, caps));
                attached.extend(self.app_attachments(e, 1));
            }
        }
        if self.g.chance(0.04) {
            let risky = fixed.risky();
            attached.extend(self.g.pick(&risky));
        }
        if matches!(kind, RoleKind::Lambda | RoleKind::Ecs) && self.g.chance(0.03) {
            attached.push(fixed.kms_decrypt);
        }
        if matches!(kind, RoleKind::Lambda | RoleKind::Ecs | RoleKind::Glue) {
            if self.g.chance(0.03) {
                attached.push(fixed.app_data_read);
            }
            if self.g.chance(0.02) {
                attached.push(fixed.shared_exports_read);
            }
        }
        let mut unique: Vec<usize> = Vec::with_capacity(3);
        for a in attached {
            if unique.len() < 3 && !unique.contains(&a) {
                unique.push(a);
            }
        }
        let boundary = first
            || (boundary_candidate && env.env != "prod" && self.g.chance(0.25))
            || (boundary_candidate && self.g.chance(0.03));
        let tags = self.maybe_tags(&env, 0.4);
        let last_used = self.role_last_used(created, region);
        let inline_caps = inline
            .iter()
            .fold(Caps::NONE, |acc, (_, _, caps)| acc.with(*caps));
        let compute = matches!(
            kind,
            RoleKind::Lambda
                | RoleKind::Ecs
                | RoleKind::Ec2
                | RoleKind::CodeBuild
                | RoleKind::Glue
                | RoleKind::StepFunctions
        );
        let arn = self.add_role(RoleSpec {
            name,
            path,
            trust,
            created,
            attached: unique,
            inline: inline.into_iter().map(|(n, doc, _)| (n, doc)).collect(),
            inline_caps,
            boundary,
            tags,
            last_used,
            instance_profile,
            encodable: true,
            human: false,
            compute,
        });
        for rule in trust_problems {
            self.plant(rule, &arn, String::new());
        }
    }
}
