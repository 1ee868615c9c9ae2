//! The model of an escalation method, as the data file describes it.

/// How serious a method is: what it gives the attacker and what it depends on.
///
/// Ordered from the least to the most serious, so that `max()` and sorting work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Little gained, or only under unusual circumstances.
    Low,
    /// The permissions of roles that already exist (the role of an existing function,
    /// instance or stack; a role whose trust policy admits the principal): it depends on
    /// how privileged they are.
    Medium,
    /// Another principal of the attacker's choosing: any role it can pass, another user's
    /// credentials, any role whose trust policy it rewrites; or permissions it already has
    /// but a boundary held back.
    High,
    /// Any permission at all, by writing its own policies.
    Critical,
}

impl Severity {
    /// Every severity, from the most serious.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The lowercase name used in the data and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    /// The severity with this lowercase name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A kind of IAM identity a method can be used by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// An IAM user.
    User,
    /// An IAM role (a role session acts as its role).
    Role,
}

impl IdentityKind {
    /// The lowercase name used in the data.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
        }
    }

    /// The kind with this lowercase name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "user" => Some(Self::User),
            "role" => Some(Self::Role),
            _ => None,
        }
    }
}

/// The resource-based policy a requirement is evaluated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ResourcePolicy {
    /// None: the principal's own policies (and the organization's) decide.
    #[default]
    None,
    /// A policy the attacker wrote in an earlier step that allows the action to the principal
    /// by its ARN: a trust policy it rewrote, a statement it added to a function's policy.
    /// Within one account such a policy allows on its own, so only explicit denies, SCPs,
    /// RCPs and (for role sessions) the boundary and session policy can stop the step.
    NamesPrincipal,
}

impl ResourcePolicy {
    /// The name used in the data (`names-principal`); `None` for [`ResourcePolicy::None`].
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::NamesPrincipal => Some("names-principal"),
        }
    }
}

/// One action a method needs, on one resource.
///
/// `resource` and the context values are templates: `${Partition}`, `${Account}`,
/// `${Region}`, `${Principal}`, `${SelfUser}` and `${SelfRole}` are filled from the
/// principal and the request context, and every `*` becomes the representative resource
/// name [`TARGET_NAME`](super::TARGET_NAME). A resource of just `*` stays `*` (actions
/// without resource types).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Requirement {
    /// The action, as the catalog spells it: `iam:PassRole`.
    pub action: String,
    /// The resource template: `arn:${Partition}:iam::${Account}:role/*`.
    pub resource: String,
    /// Condition keys the attacker's request carries, with value templates:
    /// `iam:PassedToService` = `lambda.amazonaws.com`.
    pub context: Vec<(String, String)>,
    /// The resource-based policy the step is evaluated with.
    pub resource_policy: ResourcePolicy,
}

/// A published privilege-escalation method.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Method {
    /// Stable id: `PASSROLE-LAMBDA-CREATE-INVOKE`.
    pub id: String,
    /// A short title.
    pub name: String,
    /// What the attacker does and what it gets.
    pub description: String,
    /// The kinds of principal that can use it; empty for any.
    pub principals: Vec<IdentityKind>,
    /// Whether it only matters when the principal has a permissions boundary.
    pub needs_boundary: bool,
    /// Alternatives, each a list of requirements that must all be allowed.
    pub required: Vec<Vec<Requirement>>,
    /// What the attacker gains: `administrator`, `any role it can pass to Lambda`.
    pub gains: String,
    /// How serious it is.
    pub severity: Severity,
    /// Where it is documented (URLs).
    pub references: Vec<String>,
    /// Its names in other tools: `cloudsplaining: CreateNewPolicyVersion`.
    pub known_as: Vec<String>,
}
