//! What the generator planted: the problems of the account that the shipped rule pack
//! (`queries/nhi.rules`) should report, recorded where the generator decides them.
//!
//! Trust problems are recorded where a trust policy is written without `sub`, without
//! ExternalId, or for `*`; key and password problems from the dates and flags the generator
//! chose; administrator access and privilege escalation from the [`Caps`] of every policy
//! the generator writes, combined per principal by [`assess`].

use std::collections::BTreeSet;

use serde::Serialize;

/// One planted problem: the rule that should report it, the resource it should name and a
/// detail: the key (`key 1`, `key 2`) for the key rules that report keys, the escalation
/// methods the principal was given (sorted, comma-separated) for `NHI-ESC-001`, else empty.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Planted {
    pub rule: String,
    pub resource: String,
    pub detail: String,
}

pub(super) const TRUST_ANYONE: &str = "NHI-TRUST-001";
pub(super) const TRUST_OIDC_NO_SUB: &str = "NHI-TRUST-002";
pub(super) const TRUST_ANYONE_WITH_CONDITION: &str = "NHI-TRUST-003";
pub(super) const TRUST_NO_EXTERNAL_ID: &str = "NHI-TRUST-004";
pub(super) const TRUST_OTHER_ACCOUNT: &str = "NHI-TRUST-005";
pub(super) const ADMIN_COMPUTE: &str = "NHI-ADMIN-001";
pub(super) const ESCALATION: &str = "NHI-ESC-001";
pub(super) const KEY_OLD: &str = "NHI-KEY-001";
pub(super) const KEY_UNUSED: &str = "NHI-KEY-002";
pub(super) const KEY_TWO_ACTIVE: &str = "NHI-KEY-003";
pub(super) const PASSWORD_WITHOUT_MFA: &str = "NHI-USER-002";

/// Days after which a key is old or unused (the pack's `stale_days`): a key is stale when
/// more than this many whole days passed.
pub(super) const STALE_DAYS: i64 = 90;

/// What a policy the generator writes allows (or denies) that matters for administrator
/// access and privilege escalation, on any resource of the account. A set of flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Caps(u32);

impl Caps {
    pub(super) const NONE: Self = Self(0);
    /// `*` on `*`.
    pub(super) const ADMIN: Self = Self(1);
    /// Every action but those of IAM (and Organizations): `NotAction` as in
    /// `PowerUserAccess`, or what the permissions boundary leaves of `*`.
    pub(super) const ALL_BUT_IAM: Self = Self(1 << 1);
    /// `iam:*`.
    pub(super) const IAM: Self = Self(1 << 2);
    /// `iam:PassRole` of any role to any service.
    pub(super) const PASS_ROLE: Self = Self(1 << 3);
    /// `iam:PassRole` of any role, to CloudFormation only.
    pub(super) const PASS_ROLE_TO_CLOUDFORMATION: Self = Self(1 << 4);
    /// `sts:AssumeRole` on any role.
    pub(super) const ASSUME_ROLE: Self = Self(1 << 5);
    /// `glue:*`.
    pub(super) const GLUE: Self = Self(1 << 6);
    /// `lambda:*`.
    pub(super) const LAMBDA: Self = Self(1 << 7);
    /// `ec2:*`.
    pub(super) const EC2: Self = Self(1 << 8);
    /// `cloudformation:*`.
    pub(super) const CLOUDFORMATION: Self = Self(1 << 9);
    /// `lambda:CreateFunction` and `lambda:InvokeFunction`.
    pub(super) const LAMBDA_CREATE_INVOKE: Self = Self(1 << 10);
    /// `lambda:UpdateFunctionCode`.
    pub(super) const LAMBDA_UPDATE_CODE: Self = Self(1 << 11);
    /// `ec2:RunInstances`.
    pub(super) const EC2_RUN_INSTANCES: Self = Self(1 << 12);
    /// `iam:CreatePolicyVersion` and `iam:SetDefaultPolicyVersion`.
    pub(super) const POLICY_VERSIONS: Self = Self(1 << 13);
    /// `iam:AttachRolePolicy` and `iam:PutRolePolicy`.
    pub(super) const ROLE_POLICIES: Self = Self(1 << 14);
    /// `iam:CreateAccessKey`.
    pub(super) const ACCESS_KEYS: Self = Self(1 << 15);
    /// `iam:UpdateAssumeRolePolicy`.
    pub(super) const TRUST_POLICIES: Self = Self(1 << 16);
    /// A deny of everything but MFA self-service when the request has no MFA, as
    /// `require-mfa` writes it (`BoolIfExists`): nothing works with access keys alone.
    pub(super) const DENY_WITHOUT_MFA: Self = Self(1 << 17);
    /// A deny of a few actions no escalation method needs, on every resource: whoever has
    /// it is not allowed everything.
    pub(super) const PARTIAL_DENY: Self = Self(1 << 18);

    pub(super) const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub(super) const fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    pub(super) const fn has(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// What is left under the `developer-boundary` permissions boundary: everything but
    /// IAM (its IAM statement names `role/app/*` only, which no escalation method targets).
    const fn within_boundary(self) -> Self {
        let iam = Self::IAM.0
            | Self::PASS_ROLE.0
            | Self::PASS_ROLE_TO_CLOUDFORMATION.0
            | Self::POLICY_VERSIONS.0
            | Self::ROLE_POLICIES.0
            | Self::ACCESS_KEYS.0
            | Self::TRUST_POLICIES.0;
        let mut bits = self.0 & !iam;
        if self.0 & Self::ADMIN.0 != 0 {
            bits = (bits & !Self::ADMIN.0) | Self::ALL_BUT_IAM.0;
        }
        Self(bits)
    }
}

/// The kind of principal a method applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Principal {
    Role,
    User,
}

/// What a principal's policies amount to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Access {
    /// Allowed everything.
    Admin,
    /// Not admin; the escalation methods (docs/escalation.md) it can use, maybe none.
    Limited(BTreeSet<&'static str>),
}

/// Escalation methods that need no IAM action, available to whoever may do everything but
/// IAM.
const WITHOUT_IAM: &[&str] = &[
    "APPRUNNER-UPDATE-SERVICE",
    "BEDROCK-CODE-INTERPRETER-SESSION",
    "CLOUDFORMATION-CHANGE-SET",
    "CLOUDFORMATION-UPDATE-STACK",
    "CODEBUILD-START-BUILD",
    "EC2-INSTANCE-CONNECT-SSH",
    "EC2-LAUNCH-TEMPLATE-VERSION",
    "EC2-MODIFY-INSTANCE-USER-DATA",
    "ECS-EXECUTE-COMMAND",
    "GLUE-UPDATE-DEV-ENDPOINT",
    "LAMBDA-UPDATE-FUNCTION-CODE",
    "LAMBDA-UPDATE-FUNCTION-CONFIGURATION",
    "SAGEMAKER-NOTEBOOK-LIFECYCLE-CONFIG",
    "SAGEMAKER-PRESIGNED-NOTEBOOK-URL",
    "SSM-SEND-COMMAND",
    "SSM-START-SESSION",
    "STS-ASSUME-ROLE",
];

/// Methods that pass a role to a new resource of a service: all of them need `iam:PassRole`
/// and actions of the service.
const PASS_ROLE_METHODS: &[&str] = &[
    "PASSROLE-APPRUNNER-CREATE-SERVICE",
    "PASSROLE-AUTOSCALING-LAUNCH-CONFIGURATION",
    "PASSROLE-BEDROCK-CODE-INTERPRETER",
    "PASSROLE-CLOUDFORMATION-CREATE-STACK",
    "PASSROLE-CLOUDFORMATION-STACK-SET",
    "PASSROLE-CODEBUILD-CREATE-PROJECT",
    "PASSROLE-DATAPIPELINE",
    "PASSROLE-EC2-RUN-INSTANCES",
    "PASSROLE-EC2-SPOT-INSTANCES",
    "PASSROLE-ECS-TASK",
    "PASSROLE-GLUE-CREATE-JOB",
    "PASSROLE-GLUE-DEV-ENDPOINT",
    "PASSROLE-GLUE-UPDATE-JOB",
    "PASSROLE-LAMBDA-ADD-PERMISSION",
    "PASSROLE-LAMBDA-CREATE-INVOKE",
    "PASSROLE-LAMBDA-EVENT-SOURCE-MAPPING",
    "PASSROLE-SAGEMAKER-NOTEBOOK",
    "PASSROLE-SAGEMAKER-PROCESSING-JOB",
    "PASSROLE-SAGEMAKER-TRAINING-JOB",
];

/// Methods `iam:*` gives any principal without a permissions boundary.
const WITH_IAM: &[&str] = &[
    "IAM-ATTACH-ROLE-POLICY",
    "IAM-ATTACH-USER-POLICY",
    "IAM-CREATE-ACCESS-KEY",
    "IAM-CREATE-LOGIN-PROFILE",
    "IAM-CREATE-POLICY-VERSION",
    "IAM-PUT-ROLE-POLICY",
    "IAM-PUT-USER-POLICY",
    "IAM-SET-DEFAULT-POLICY-VERSION",
    "IAM-UPDATE-ASSUME-ROLE-POLICY",
    "IAM-UPDATE-LOGIN-PROFILE",
];

/// Methods `iam:*` gives users only (through the groups they can join or change).
const WITH_IAM_USERS: &[&str] = &[
    "IAM-ADD-USER-TO-GROUP",
    "IAM-ATTACH-GROUP-POLICY",
    "IAM-PUT-GROUP-POLICY",
];

/// What a principal with these policies (and the developer boundary, if `boundary`) may
/// do: admin, or the escalation methods its combination of policies opens.
pub(super) fn assess(caps: Caps, principal: Principal, boundary: bool) -> Access {
    if caps.has(Caps::DENY_WITHOUT_MFA) {
        return Access::Limited(BTreeSet::new());
    }
    let caps = if boundary {
        caps.within_boundary()
    } else {
        caps
    };
    if caps.has(Caps::ADMIN) {
        if !caps.has(Caps::PARTIAL_DENY) {
            return Access::Admin;
        }
        // Everything but a few DynamoDB actions.
        return assess(
            caps.without(Caps::ADMIN)
                .with(Caps::ALL_BUT_IAM)
                .with(Caps::IAM),
            principal,
            false,
        );
    }
    let mut out: BTreeSet<&'static str> = BTreeSet::new();
    let mut add = |methods: &[&'static str]| out.extend(methods.iter().copied());
    let all_but_iam = caps.has(Caps::ALL_BUT_IAM);
    let iam = caps.has(Caps::IAM);
    if all_but_iam {
        add(WITHOUT_IAM);
    }
    if caps.has(Caps::ASSUME_ROLE) {
        add(&["STS-ASSUME-ROLE"]);
    }
    if caps.has(Caps::LAMBDA) {
        add(&[
            "LAMBDA-UPDATE-FUNCTION-CODE",
            "LAMBDA-UPDATE-FUNCTION-CONFIGURATION",
        ]);
    }
    if caps.has(Caps::LAMBDA_UPDATE_CODE) {
        add(&["LAMBDA-UPDATE-FUNCTION-CODE"]);
    }
    if caps.has(Caps::EC2) {
        add(&[
            "EC2-LAUNCH-TEMPLATE-VERSION",
            "EC2-MODIFY-INSTANCE-USER-DATA",
        ]);
    }
    if caps.has(Caps::GLUE) {
        add(&["GLUE-UPDATE-DEV-ENDPOINT"]);
    }
    if caps.has(Caps::CLOUDFORMATION) {
        add(&["CLOUDFORMATION-CHANGE-SET", "CLOUDFORMATION-UPDATE-STACK"]);
    }
    // Passing a role needs somewhere to pass it to.
    let pass_any = iam || caps.has(Caps::PASS_ROLE);
    let pass_to_cloudformation = pass_any || caps.has(Caps::PASS_ROLE_TO_CLOUDFORMATION);
    if pass_any && all_but_iam {
        add(PASS_ROLE_METHODS);
    }
    if pass_any && caps.has(Caps::GLUE) {
        add(&[
            "PASSROLE-GLUE-CREATE-JOB",
            "PASSROLE-GLUE-DEV-ENDPOINT",
            "PASSROLE-GLUE-UPDATE-JOB",
        ]);
    }
    if pass_any && caps.has(Caps::LAMBDA) {
        add(&[
            "PASSROLE-LAMBDA-ADD-PERMISSION",
            "PASSROLE-LAMBDA-CREATE-INVOKE",
            "PASSROLE-LAMBDA-EVENT-SOURCE-MAPPING",
        ]);
    }
    if pass_any && caps.has(Caps::LAMBDA_CREATE_INVOKE) {
        add(&["PASSROLE-LAMBDA-CREATE-INVOKE"]);
    }
    if pass_any && caps.has(Caps::EC2) {
        add(&["PASSROLE-EC2-RUN-INSTANCES", "PASSROLE-EC2-SPOT-INSTANCES"]);
    }
    if pass_any && caps.has(Caps::EC2_RUN_INSTANCES) {
        add(&["PASSROLE-EC2-RUN-INSTANCES"]);
    }
    if pass_to_cloudformation && (all_but_iam || caps.has(Caps::CLOUDFORMATION)) {
        add(&[
            "PASSROLE-CLOUDFORMATION-CREATE-STACK",
            "PASSROLE-CLOUDFORMATION-STACK-SET",
        ]);
    }
    if iam {
        add(WITH_IAM);
        if principal == Principal::User {
            add(WITH_IAM_USERS);
        }
    }
    if caps.has(Caps::POLICY_VERSIONS) {
        add(&[
            "IAM-CREATE-POLICY-VERSION",
            "IAM-SET-DEFAULT-POLICY-VERSION",
        ]);
    }
    if caps.has(Caps::ACCESS_KEYS) {
        add(&["IAM-CREATE-ACCESS-KEY"]);
    }
    if caps.has(Caps::TRUST_POLICIES) {
        add(&["IAM-UPDATE-ASSUME-ROLE-POLICY"]);
    }
    // A role edits its own policies; a user must then get into the role it edited, by
    // assuming it or by rewriting its trust policy first.
    if caps.has(Caps::ROLE_POLICIES)
        && (principal == Principal::Role
            || all_but_iam
            || caps.has(Caps::ASSUME_ROLE)
            || caps.has(Caps::TRUST_POLICIES))
    {
        add(&["IAM-ATTACH-ROLE-POLICY", "IAM-PUT-ROLE-POLICY"]);
    }
    Access::Limited(out)
}
