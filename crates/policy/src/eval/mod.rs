//! AWS's policy evaluation logic for one request.
//!
//! The order follows AWS's documentation of policy evaluation: an explicit deny in any
//! applicable policy wins; then service control policies and resource control policies
//! must allow at every level of the organization; then, within one account, either the
//! identity policies (limited by the permissions boundary and the session policy) or a
//! resource-based policy naming the principal allow; across accounts, both sides must
//! allow. Everything else is an implicit deny. The result names the statements that
//! decided it.

mod condition;
mod context;
mod template;

use std::sync::Arc;

use iamsnap_catalog::glob::{Case, Glob};

pub use context::{Context, ContextValue, Requester};

use crate::document::{Effect, PolicyDocument, Statement};
use crate::principal::{PrincipalType, classify_principal};
use condition::{CompiledCondition, arn_matches, arn_segments};
use template::Template;

/// Where a policy sits in the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An identity-based policy of the principal (managed or inline).
    Identity,
    /// The principal's permissions boundary.
    PermissionsBoundary,
    /// The session policy passed when the role session was created.
    Session,
    /// A service control policy.
    ServiceControl,
    /// A resource control policy.
    ResourceControl,
    /// The resource-based policy of the resource.
    Resource,
}

impl PolicyKind {
    /// A short lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::PermissionsBoundary => "permissions boundary",
            Self::Session => "session",
            Self::ServiceControl => "scp",
            Self::ResourceControl => "rcp",
            Self::Resource => "resource",
        }
    }
}

#[derive(Debug, Clone)]
enum Actions {
    In(Vec<Glob>),
    NotIn(Vec<Glob>),
    /// No `Action` element: matches nothing (the parser reports such statements).
    Missing,
}

#[derive(Debug, Clone)]
enum Resource {
    Any,
    Arn(Vec<Template>),
    /// A pattern that is not an ARN, compared as a whole.
    Other(Template),
    /// A short ARN pattern without wildcard in a resource policy: matches nothing.
    Never,
}

#[derive(Debug, Clone)]
enum Resources {
    In(Vec<Resource>),
    NotIn(Vec<Resource>),
    /// No `Resource` element (trust and resource policies may omit it).
    Missing,
}

/// A statement compiled for evaluation.
#[derive(Debug, Clone)]
struct CompiledStatement {
    index: usize,
    sid: Option<String>,
    effect: Effect,
    actions: Actions,
    resources: Resources,
    principal: Option<Vec<(PrincipalType, String)>>,
    not_principal: Option<Vec<(PrincipalType, String)>>,
    conditions: Vec<CompiledCondition>,
}

/// A policy document compiled once for many evaluations. Cloning is cheap (shared), so one
/// compiled managed policy can serve every principal it is attached to.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    name: Arc<str>,
    statements: Arc<[CompiledStatement]>,
    /// Every `Action` and `NotAction` pattern of the document, as written.
    action_patterns: Arc<[String]>,
}

impl CompiledPolicy {
    /// Compiles `doc`, naming it `name` in explanations.
    pub fn new(name: impl Into<String>, doc: &PolicyDocument) -> Self {
        Self::compile(name.into(), doc, false)
    }

    /// Compiles a resource-based policy: a short ARN pattern without a wildcard (e.g.
    /// `arn:aws:s3:::bucket`) names exactly that, not everything below it.
    pub fn new_resource_policy(name: impl Into<String>, doc: &PolicyDocument) -> Self {
        Self::compile(name.into(), doc, true)
    }

    fn compile(name: String, doc: &PolicyDocument, resource_policy: bool) -> Self {
        let variables = doc.substitutes_variables();
        let statements = doc
            .statements
            .iter()
            .map(|s| compile_statement(s, variables, resource_policy))
            .collect();
        let action_patterns = doc
            .statements
            .iter()
            .flat_map(|s| {
                s.action
                    .iter()
                    .chain(s.not_action.iter())
                    .flatten()
                    .cloned()
            })
            .collect();
        Self {
            name: name.into(),
            statements,
            action_patterns,
        }
    }

    /// Every `Action` and `NotAction` pattern of the document. Two actions that match the
    /// same of these patterns are decided alike by [`evaluate`] (everything else about a
    /// request being equal).
    pub fn action_patterns(&self) -> &[String] {
        &self.action_patterns
    }

    /// Whether some `Allow` statement names `action` (by `Action` or `NotAction`), whatever
    /// its resources and conditions: when none does, the policy allows the action on no
    /// resource in no context.
    pub fn may_allow(&self, action: &str) -> bool {
        let action_lc = action.to_ascii_lowercase();
        self.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && match &s.actions {
                    Actions::In(globs) => globs.iter().any(|g| g.matches_prepared(&action_lc)),
                    Actions::NotIn(globs) => !globs.iter().any(|g| g.matches_prepared(&action_lc)),
                    Actions::Missing => false,
                }
        })
    }

    /// The same compiled document under another name (cheap: the statements are shared),
    /// e.g. a control policy named with the level it is attached to.
    pub fn renamed(&self, name: impl Into<String>) -> Self {
        Self {
            name: name.into().into(),
            statements: Arc::clone(&self.statements),
            action_patterns: Arc::clone(&self.action_patterns),
        }
    }

    /// The name given at compilation.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn compile_statement(s: &Statement, variables: bool, resource_policy: bool) -> CompiledStatement {
    let globs = |list: &[String]| {
        list.iter()
            .map(|a| Glob::new(a, Case::Insensitive))
            .collect::<Vec<_>>()
    };
    let actions = match (&s.action, &s.not_action) {
        (Some(a), _) => Actions::In(globs(a)),
        (None, Some(n)) => Actions::NotIn(globs(n)),
        (None, None) => Actions::Missing,
    };
    let resource = |pattern: &String| compile_resource(pattern, variables, resource_policy);
    let resources = match (&s.resource, &s.not_resource) {
        (Some(r), _) => Resources::In(r.iter().map(resource).collect()),
        (None, Some(n)) => Resources::NotIn(n.iter().map(resource).collect()),
        (None, None) => Resources::Missing,
    };
    CompiledStatement {
        index: s.index,
        sid: s.sid.clone(),
        effect: s.effect,
        actions,
        resources,
        principal: s.principal.as_ref().map(|p| p.entries.clone()),
        not_principal: s.not_principal.as_ref().map(|p| p.entries.clone()),
        conditions: s
            .conditions
            .iter()
            .map(|c| CompiledCondition::new(c, variables))
            .collect(),
    }
}

fn compile_resource(pattern: &str, variables: bool, resource_policy: bool) -> Resource {
    if pattern == "*" {
        return Resource::Any;
    }
    if !pattern.starts_with("arn:") {
        return Resource::Other(Template::new(pattern, Case::Sensitive, variables, true));
    }
    let parts = pattern.split(':').count();
    if parts < 6 && resource_policy && !pattern.contains('*') {
        return Resource::Never;
    }
    Resource::Arn(arn_segments(pattern, variables, Case::Insensitive))
}

/// One request: who does what to which resource, in which context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// ARN of the principal (user, role, role session), or a service principal name.
    pub principal: String,
    /// The principal's account id.
    pub principal_account: String,
    /// The action, e.g. `s3:GetObject` (any case).
    pub action: String,
    /// The resource ARN, or `*` for actions without resource types.
    pub resource: String,
    /// The account that owns the resource.
    pub resource_account: String,
    /// Condition keys and values.
    pub context: Context,
}

/// A [`Request`] whose parts are borrowed: what the evaluator reads. Callers that make
/// many requests for one principal build these without copying its ARN and context.
#[derive(Debug, Clone, Copy)]
pub struct RequestRef<'a> {
    /// ARN of the principal (user, role, role session), or a service principal name.
    pub principal: &'a str,
    /// The principal's account id.
    pub principal_account: &'a str,
    /// The action, e.g. `s3:GetObject` (any case).
    pub action: &'a str,
    /// The resource ARN, or `*` for actions without resource types.
    pub resource: &'a str,
    /// The account that owns the resource.
    pub resource_account: &'a str,
    /// Condition keys and values.
    pub context: &'a Context,
}

impl Request {
    /// The request, borrowed.
    pub fn view(&self) -> RequestRef<'_> {
        RequestRef {
            principal: &self.principal,
            principal_account: &self.principal_account,
            action: &self.action,
            resource: &self.resource,
            resource_account: &self.resource_account,
            context: &self.context,
        }
    }
}

/// The policies that apply to a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicySet<'a> {
    /// The principal's identity-based policies.
    pub identity: &'a [CompiledPolicy],
    /// The principal's permissions boundary, if it has one.
    pub permissions_boundary: Option<&'a CompiledPolicy>,
    /// The session policy, if the role session has one.
    pub session: Option<&'a CompiledPolicy>,
    /// Service control policies, one list per level of the organization (root, OUs,
    /// account); every level must allow. Empty when the account is not governed by SCPs.
    pub scps: &'a [Vec<CompiledPolicy>],
    /// Resource control policies, one list per level, like `scps`.
    pub rcps: &'a [Vec<CompiledPolicy>],
    /// The resource's resource-based policy, if any.
    pub resource: Option<&'a CompiledPolicy>,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Denied by a matching `Deny` statement.
    ExplicitDeny,
    /// Denied because nothing allowed it.
    ImplicitDeny,
}

/// Why nothing allowed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImplicitDenyReason {
    /// No identity-based or resource-based policy allows it.
    NoAllow,
    /// The identity policies allow it, but the permissions boundary does not.
    PermissionsBoundary,
    /// The identity policies allow it, but the session policy does not.
    SessionPolicy,
    /// A level of service control policies (by index) does not allow it.
    ServiceControl(usize),
    /// A level of resource control policies (by index) does not allow it.
    ResourceControl(usize),
    /// Across accounts, the resource's policy does not allow the principal.
    CrossAccountResourcePolicy,
    /// A KMS key policy or role trust policy does not trust the principal's account, so
    /// identity policies cannot grant access to it.
    ResourcePolicyTrust,
    /// Across accounts, the principal's identity policies do not allow it.
    CrossAccountIdentity,
    /// S3 Block Public Access (`RestrictPublicBuckets`) of the bucket or its account: the
    /// bucket's policy is public, so only its own account's principals and AWS services
    /// reach it.
    BlockPublicAccess,
}

/// A statement that decided an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    /// Which kind of policy holds it.
    pub kind: PolicyKind,
    /// The policy's name.
    pub policy: String,
    /// 0-based position in the policy.
    pub index: usize,
    /// Its `Sid`, if any.
    pub sid: Option<String>,
}

/// The decision and what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Allow, explicit deny or implicit deny.
    pub decision: Decision,
    /// For an explicit deny, the matching `Deny` statements; for an allow, the `Allow`
    /// statements that granted it.
    pub statements: Vec<StatementRef>,
    /// For an implicit deny, the first gate that did not allow.
    pub implicit_deny: Option<ImplicitDenyReason>,
}

/// How a resource policy's `Principal` names the requester.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PrincipalMatch {
    No,
    /// The principal's account (its identity policies then decide).
    Account,
    /// The role of a role session.
    SessionRole,
    /// Everyone (`*`, or a `NotPrincipal` that does not list the principal): no specific
    /// reference to a session, so a session policy still limits it.
    Anyone,
    /// The principal exactly.
    Exact,
}

fn principal_match(entries: &[(PrincipalType, String)], req: &RequestRef<'_>) -> PrincipalMatch {
    let mut best = PrincipalMatch::No;
    for (ty, value) in entries {
        let m = match ty {
            PrincipalType::Wildcard => PrincipalMatch::Anyone,
            PrincipalType::Aws if value == "*" => PrincipalMatch::Anyone,
            PrincipalType::Aws => {
                let info = classify_principal(*ty, value);
                if value == req.principal {
                    // Naming a role (rather than one of its sessions) is limited by the
                    // role's permissions boundary and session policy, like a session of it.
                    if is_role_arn(value) {
                        PrincipalMatch::SessionRole
                    } else {
                        PrincipalMatch::Exact
                    }
                } else if info.kind == crate::principal::PrincipalKind::Account {
                    if info.account.as_deref() == Some(req.principal_account) {
                        PrincipalMatch::Account
                    } else {
                        PrincipalMatch::No
                    }
                } else if session_role(req.principal).is_some_and(|s| role_of(value) == Some(s)) {
                    PrincipalMatch::SessionRole
                } else {
                    PrincipalMatch::No
                }
            }
            PrincipalType::Service | PrincipalType::Federated | PrincipalType::CanonicalUser => {
                if value == req.principal {
                    PrincipalMatch::Exact
                } else {
                    PrincipalMatch::No
                }
            }
        };
        best = best.max(m);
    }
    best
}

/// The service, account and resource parts of an ARN.
fn arn_parts(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.strip_prefix("arn:")?.splitn(5, ':');
    let (_partition, service, _region) = (parts.next()?, parts.next()?, parts.next()?);
    Some((service, parts.next()?, parts.next()?))
}

/// `arn:aws:sts::1:assumed-role/R/session` → (`1`, `R`): the account and name of the
/// role a session belongs to.
fn session_role(principal: &str) -> Option<(&str, &str)> {
    match arn_parts(principal)? {
        ("sts", account, resource) => {
            let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
            Some((account, role))
        }
        _ => None,
    }
}

/// `arn:aws:iam::1:role/path/R` → (`1`, `R`). Role names are unique in an account
/// whatever their path, and session ARNs never carry the path.
fn role_of(arn: &str) -> Option<(&str, &str)> {
    match arn_parts(arn)? {
        ("iam", account, resource) => {
            let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
            Some((account, name))
        }
        _ => None,
    }
}

fn is_role_arn(arn: &str) -> bool {
    role_of(arn).is_some()
}

struct Scan {
    allows: Vec<StatementRef>,
    denies: Vec<StatementRef>,
    /// For resource policies: the strongest principal match among allowing statements.
    allow_match: PrincipalMatch,
}

fn statement_applies(s: &CompiledStatement, req: &RequestRef<'_>, action_lc: &str) -> bool {
    let action_ok = match &s.actions {
        Actions::In(globs) => globs.iter().any(|g| g.matches_prepared(action_lc)),
        Actions::NotIn(globs) => !globs.iter().any(|g| g.matches_prepared(action_lc)),
        Actions::Missing => false,
    };
    if !action_ok {
        return false;
    }
    let resource_ok = match &s.resources {
        Resources::In(list) => list
            .iter()
            .any(|r| resource_matches(r, req.resource, req.context) == Some(true)),
        Resources::NotIn(list) => !list
            .iter()
            .any(|r| resource_matches(r, req.resource, req.context) != Some(false)),
        Resources::Missing => true,
    };
    resource_ok && s.conditions.iter().all(|c| c.holds(req.context))
}

/// A `Resource` pattern of an identity-based policy, compiled exactly as the evaluator
/// compiles it, to test ARNs without building a policy: `*` alone matches everything; an
/// `arn:` pattern is matched part by part (split at the first five `:`, the first five
/// parts without regard to ASCII case, the resource part exactly); anything else is
/// matched as a whole, exactly. `*` and `?` are wildcards; policy variables (`${...}`) are
/// not substituted, as in a policy without `Version: 2012-10-17`.
///
/// ```
/// use iamsnap_policy::ResourceMatcher;
///
/// let m = ResourceMatcher::new("arn:aws:s3:::acme-*/*");
/// assert!(m.matches("arn:aws:s3:::acme-data/key"));
/// assert!(!m.matches("arn:aws:s3:::acme-data"));
/// ```
#[derive(Debug, Clone)]
pub struct ResourceMatcher(Resource);

impl ResourceMatcher {
    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Self {
        Self(compile_resource(pattern, false, false))
    }

    /// Whether `resource` (an ARN, or `*` for actions without resource types) matches.
    pub fn matches(&self, resource: &str) -> bool {
        resource_matches(&self.0, resource, &Context::default()) == Some(true)
    }
}

fn resource_matches(r: &Resource, resource: &str, ctx: &Context) -> Option<bool> {
    match r {
        Resource::Any => Some(true),
        Resource::Never => Some(false),
        Resource::Other(t) => t.matches(resource, ctx),
        Resource::Arn(segments) => arn_matches(segments, resource, ctx),
    }
}

fn scan(
    policies: &[CompiledPolicy],
    kind: PolicyKind,
    req: &RequestRef<'_>,
    action_lc: &str,
    has_boundary: bool,
) -> Scan {
    let mut out = Scan {
        allows: Vec::new(),
        denies: Vec::new(),
        allow_match: PrincipalMatch::No,
    };
    for p in policies {
        for s in p.statements.iter() {
            let principal = if kind == PolicyKind::Resource {
                match (&s.principal, &s.not_principal) {
                    (Some(entries), _) => principal_match(entries, req),
                    // AWS: a `Deny` with `NotPrincipal` in a resource policy always denies
                    // a principal that has a permissions boundary, whatever it lists.
                    (None, Some(_)) if has_boundary && s.effect == Effect::Deny => {
                        PrincipalMatch::Exact
                    }
                    (None, Some(entries)) => {
                        if principal_match(entries, req) == PrincipalMatch::No {
                            PrincipalMatch::Anyone
                        } else {
                            PrincipalMatch::No
                        }
                    }
                    (None, None) => PrincipalMatch::No,
                }
            } else {
                PrincipalMatch::Exact
            };
            if principal == PrincipalMatch::No || !statement_applies(s, req, action_lc) {
                continue;
            }
            let r = StatementRef {
                kind,
                policy: p.name.to_string(),
                index: s.index,
                sid: s.sid.clone(),
            };
            match s.effect {
                Effect::Deny => out.denies.push(r),
                Effect::Allow => {
                    out.allow_match = out.allow_match.max(principal);
                    out.allows.push(r);
                }
            }
        }
    }
    out
}

fn implicit(reason: ImplicitDenyReason) -> Evaluation {
    Evaluation {
        decision: Decision::ImplicitDeny,
        statements: Vec::new(),
        implicit_deny: Some(reason),
    }
}

/// Evaluates `req` against `policies`.
pub fn evaluate(req: &Request, policies: &PolicySet<'_>) -> Evaluation {
    evaluate_ref(&req.view(), policies)
}

/// Evaluates a borrowed request against `policies`: [`evaluate`] without the copies.
pub fn evaluate_ref(req: &RequestRef<'_>, policies: &PolicySet<'_>) -> Evaluation {
    let action_lc = req.action.to_ascii_lowercase();
    let action = action_lc.as_str();
    let has_boundary = policies.permissions_boundary.is_some();
    let one =
        |p: &CompiledPolicy, kind| scan(std::slice::from_ref(p), kind, req, action, has_boundary);
    let identity = scan(
        policies.identity,
        PolicyKind::Identity,
        req,
        action,
        has_boundary,
    );
    let boundary = policies
        .permissions_boundary
        .map(|b| one(b, PolicyKind::PermissionsBoundary));
    let session = policies.session.map(|s| one(s, PolicyKind::Session));
    let resource = policies.resource.map(|r| one(r, PolicyKind::Resource));
    let levels = |list: &[Vec<CompiledPolicy>], kind| -> Vec<Scan> {
        list.iter()
            .map(|level| scan(level, kind, req, action, has_boundary))
            .collect()
    };
    let scps = levels(policies.scps, PolicyKind::ServiceControl);
    let rcps = levels(policies.rcps, PolicyKind::ResourceControl);

    // 1. An explicit deny anywhere wins.
    let denies: Vec<StatementRef> = scps
        .iter()
        .chain(&rcps)
        .chain(std::iter::once(&identity))
        .chain(boundary.iter())
        .chain(session.iter())
        .chain(resource.iter())
        .flat_map(|s| s.denies.iter().cloned())
        .collect();
    if !denies.is_empty() {
        return Evaluation {
            decision: Decision::ExplicitDeny,
            statements: denies,
            implicit_deny: None,
        };
    }
    // 2. Every level of SCPs and RCPs must allow.
    if let Some(level) = scps.iter().position(|s| s.allows.is_empty()) {
        return implicit(ImplicitDenyReason::ServiceControl(level));
    }
    if let Some(level) = rcps.iter().position(|s| s.allows.is_empty()) {
        return implicit(ImplicitDenyReason::ResourceControl(level));
    }

    let identity_allows = !identity.allows.is_empty();
    let boundary_allows = boundary.as_ref().is_none_or(|b| !b.allows.is_empty());
    let session_allows = session.as_ref().is_none_or(|s| !s.allows.is_empty());
    let resource_match = resource
        .as_ref()
        .map_or(PrincipalMatch::No, |r| r.allow_match);
    let mut granted: Vec<StatementRef> = Vec::new();

    if req.principal_account == req.resource_account {
        // 3. Same account: a resource policy naming the principal itself allows on its
        // own; one naming a role (for a role session) is still limited by the boundary
        // and the session policy, one naming everyone by the session policy (a session
        // policy limits all but what a policy grants the session specifically); one
        // naming the account defers to the identity side.
        let resource_direct = match resource_match {
            PrincipalMatch::Exact => true,
            PrincipalMatch::Anyone => session_allows,
            PrincipalMatch::SessionRole => boundary_allows && session_allows,
            _ => false,
        };
        // KMS key policies and role trust policies must trust the principal's account
        // (or the principal) before identity policies count, even within one account.
        let explicit_trust =
            policies.resource.is_some() && matches!(action.split(':').next(), Some("kms" | "sts"));
        let trusted = !explicit_trust || resource_match >= PrincipalMatch::Account;
        let identity_path = trusted && identity_allows && boundary_allows && session_allows;
        if resource_direct {
            granted.extend(resource.iter().flat_map(|r| r.allows.iter().cloned()));
        }
        if identity_path {
            granted.extend(identity.allows.iter().cloned());
        }
        if granted.is_empty() {
            let reason = if !identity_allows {
                ImplicitDenyReason::NoAllow
            } else if !trusted {
                ImplicitDenyReason::ResourcePolicyTrust
            } else if !boundary_allows {
                ImplicitDenyReason::PermissionsBoundary
            } else {
                ImplicitDenyReason::SessionPolicy
            };
            return implicit(reason);
        }
    } else {
        // 4. Across accounts both sides must allow.
        if resource_match == PrincipalMatch::No {
            return implicit(ImplicitDenyReason::CrossAccountResourcePolicy);
        }
        if !identity_allows {
            return implicit(ImplicitDenyReason::CrossAccountIdentity);
        }
        if !boundary_allows {
            return implicit(ImplicitDenyReason::PermissionsBoundary);
        }
        if !session_allows {
            return implicit(ImplicitDenyReason::SessionPolicy);
        }
        granted.extend(identity.allows.iter().cloned());
        granted.extend(resource.iter().flat_map(|r| r.allows.iter().cloned()));
    }
    Evaluation {
        decision: Decision::Allow,
        statements: granted,
        implicit_deny: None,
    }
}
