//! Asking the evaluator whether a principal's policies allow a method.

use serde_json::json;

use super::model::{IdentityKind, Method, Requirement, ResourcePolicy};
use super::template;
use crate::eval::{
    CompiledPolicy, Context, ContextValue, Decision, Evaluation, PolicySet, Request, Requester,
    StatementRef, evaluate,
};
use crate::parse::parse_document;

/// The name every `*` of a resource template becomes: the representative resource the
/// attacker would create or target. Policies that limit an action to named resources
/// (`role/app-*`, `user/${aws:username}`) do not match it, so the attacker is taken to need
/// the action on resources it does not own already.
pub const TARGET_NAME: &str = "iamsnap-escalation-target";

/// The region of the requests when the context does not set `aws:RequestedRegion`.
pub const DEFAULT_REGION: &str = "us-east-1";

/// One allowed requirement: the request made and the statements that allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The action.
    pub action: String,
    /// The resource the request was made on (the template, filled).
    pub resource: String,
    /// The `Allow` statements that granted it.
    pub statements: Vec<StatementRef>,
}

/// A method the principal's policies allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<'m> {
    /// The method.
    pub method: &'m Method,
    /// The first of its alternatives that every policy allows (index in
    /// [`Method::required`]).
    pub alternative: usize,
    /// Each required action of that alternative, with what allowed it.
    pub steps: Vec<Step>,
}

/// How one requirement was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOutcome {
    /// The action.
    pub action: String,
    /// The resource the request was made on.
    pub resource: String,
    /// The evaluator's decision and the statements that made it.
    pub evaluation: Evaluation,
}

/// How one alternative of a method was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlternativeOutcome {
    /// It acts on the principal's own user (or role) and the principal is not one.
    NotApplicable,
    /// Every requirement, in order.
    Evaluated(Vec<StepOutcome>),
}

impl AlternativeOutcome {
    /// Whether every requirement is allowed.
    pub fn allowed(&self) -> bool {
        match self {
            Self::NotApplicable => false,
            Self::Evaluated(steps) => steps
                .iter()
                .all(|s| s.evaluation.decision == Decision::Allow),
        }
    }
}

/// Why a method does not concern a principal at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Skipped {
    /// The method is for another kind of identity (group methods need a user).
    PrincipalKind,
    /// The method removes or replaces a permissions boundary and the principal has none.
    NoBoundary,
}

/// Everything the evaluator said about one method for one principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment<'m> {
    /// The method.
    pub method: &'m Method,
    /// Set when the method does not concern the principal; `alternatives` is then empty.
    pub skipped: Option<Skipped>,
    /// One outcome per alternative of the method, in order.
    pub alternatives: Vec<AlternativeOutcome>,
}

impl<'m> Assessment<'m> {
    /// The finding, when an alternative is allowed: the first one.
    pub fn finding(&self) -> Option<Finding<'m>> {
        self.alternatives
            .iter()
            .enumerate()
            .find_map(|(i, alt)| match alt {
                AlternativeOutcome::Evaluated(steps) if alt.allowed() => Some(Finding {
                    method: self.method,
                    alternative: i,
                    steps: steps
                        .iter()
                        .map(|s| Step {
                            action: s.action.clone(),
                            resource: s.resource.clone(),
                            statements: s.evaluation.statements.clone(),
                        })
                        .collect(),
                }),
                _ => None,
            })
    }
}

/// What the requests are made as and on.
struct Subject<'a> {
    principal: &'a str,
    principal_account: String,
    account: &'a str,
    partition: String,
    region: String,
    kind: Option<IdentityKind>,
    /// The principal's user ARN, when it is a user.
    self_user: Option<String>,
    /// The principal's role ARN, when it is a role or a role session.
    self_role: Option<String>,
    /// The request context shared by every step: the caller's, with the keys AWS always
    /// sets for the principal added when the caller did not set them.
    context: Context,
}

impl<'a> Subject<'a> {
    fn new(principal: &'a str, account: &'a str, context: &Context) -> Self {
        let parts: Vec<&str> = principal.splitn(6, ':').collect();
        let (partition, service, arn_account, resource) = match parts.as_slice() {
            ["arn", partition, service, _region, account, resource] => {
                (*partition, *service, *account, *resource)
            }
            _ => ("aws", "", "", ""),
        };
        let principal_account =
            if arn_account.len() == 12 && arn_account.bytes().all(|b| b.is_ascii_digit()) {
                arn_account.to_owned()
            } else {
                account.to_owned()
            };
        let (kind, self_user, self_role, username) = match service {
            "iam" if resource.starts_with("user/") => (
                Some(IdentityKind::User),
                Some(principal.to_owned()),
                None,
                resource.rsplit('/').next(),
            ),
            "iam" if resource.starts_with("role/") => (
                Some(IdentityKind::Role),
                None,
                Some(principal.to_owned()),
                None,
            ),
            "sts" => match resource
                .strip_prefix("assumed-role/")
                .and_then(|r| r.split('/').next())
            {
                Some(role) => (
                    Some(IdentityKind::Role),
                    None,
                    Some(format!("arn:{partition}:iam::{arn_account}:role/{role}")),
                    None,
                ),
                None => (None, None, None, None),
            },
            _ => (None, None, None, None),
        };
        let region = match context.get("aws:RequestedRegion") {
            Some(ContextValue::Single(r)) => r.clone(),
            _ => DEFAULT_REGION.to_owned(),
        };
        // AWS sets these on every request of an IAM principal (a role session's
        // `aws:PrincipalArn` is its role's ARN); the caller's keys win.
        let requester = match kind {
            Some(IdentityKind::User) => Some(Requester::User),
            Some(IdentityKind::Role) => Some(Requester::Role),
            None => None,
        };
        let ctx = match requester {
            Some(requester) => {
                let arn = self_user
                    .as_deref()
                    .or(self_role.as_deref())
                    .unwrap_or(principal);
                let mut ctx = Context::for_principal(
                    requester,
                    arn,
                    &principal_account,
                    username.unwrap_or_default(),
                    &[],
                );
                ctx.extend(context);
                ctx
            }
            None => {
                let mut ctx = context.clone();
                if ctx.get("aws:PrincipalArn").is_none() {
                    ctx.insert(
                        "aws:PrincipalArn",
                        ContextValue::Single(principal.to_owned()),
                    );
                }
                if ctx.get("aws:PrincipalAccount").is_none() {
                    ctx.insert(
                        "aws:PrincipalAccount",
                        ContextValue::Single(principal_account.clone()),
                    );
                }
                ctx
            }
        };
        Self {
            principal,
            principal_account,
            account,
            partition: partition.to_owned(),
            region,
            kind,
            self_user,
            self_role,
            context: ctx,
        }
    }

    fn fill(&self, template: &str) -> Option<String> {
        template::fill(template, TARGET_NAME, |name| match name {
            "Partition" => Some(self.partition.as_str()),
            "Account" => Some(self.account),
            "Region" => Some(self.region.as_str()),
            "Principal" => Some(self.principal),
            "SelfUser" => self.self_user.as_deref(),
            "SelfRole" => self.self_role.as_deref(),
            _ => None,
        })
    }

    /// The request for one requirement; `None` when a template cannot be filled for this
    /// principal.
    fn request(&self, req: &Requirement) -> Option<Request> {
        let resource = self.fill(&req.resource)?;
        let mut context = self.context.clone();
        for (key, value) in &req.context {
            context.insert(key, ContextValue::Single(self.fill(value)?));
        }
        Some(Request {
            principal: self.principal.to_owned(),
            principal_account: self.principal_account.clone(),
            action: req.action.clone(),
            resource,
            resource_account: self.account.to_owned(),
            context,
        })
    }

    /// A resource policy allowing the request to the principal by its ARN.
    fn policy_naming_principal(&self, request: &Request) -> Option<CompiledPolicy> {
        let doc = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": self.principal},
                "Action": request.action,
                "Resource": request.resource,
            }]
        });
        let doc = parse_document(&doc).ok()?;
        Some(CompiledPolicy::new_resource_policy(
            "written by the attacker",
            &doc,
        ))
    }
}

/// Asks the evaluator about every alternative of `method` for the principal `principal_arn`
/// acting on resources of `account`.
///
/// `policies.resource` is not used: each request is made on a representative resource (see
/// [`TARGET_NAME`]) whose resource policy is unknown; requirements marked
/// [`ResourcePolicy::NamesPrincipal`] are evaluated with the policy the attacker would write.
pub fn assess<'m>(
    method: &'m Method,
    principal_arn: &str,
    account: &str,
    policies: &PolicySet<'_>,
    context: &Context,
) -> Assessment<'m> {
    let subject = Subject::new(principal_arn, account, context);
    assess_for(method, &subject, policies)
}

fn assess_for<'m>(
    method: &'m Method,
    subject: &Subject<'_>,
    policies: &PolicySet<'_>,
) -> Assessment<'m> {
    let skipped = if !method.principals.is_empty()
        && !subject.kind.is_some_and(|k| method.principals.contains(&k))
    {
        Some(Skipped::PrincipalKind)
    } else if method.needs_boundary && policies.permissions_boundary.is_none() {
        Some(Skipped::NoBoundary)
    } else {
        None
    };
    if skipped.is_some() {
        return Assessment {
            method,
            skipped,
            alternatives: Vec::new(),
        };
    }
    let alternatives = method
        .required
        .iter()
        .map(|steps| {
            let requests: Option<Vec<(Request, ResourcePolicy)>> = steps
                .iter()
                .map(|r| subject.request(r).map(|q| (q, r.resource_policy)))
                .collect();
            match requests {
                None => AlternativeOutcome::NotApplicable,
                Some(requests) => AlternativeOutcome::Evaluated(
                    requests
                        .into_iter()
                        .map(|(request, rp)| step(subject, policies, request, rp))
                        .collect(),
                ),
            }
        })
        .collect();
    Assessment {
        method,
        skipped: None,
        alternatives,
    }
}

fn step(
    subject: &Subject<'_>,
    policies: &PolicySet<'_>,
    request: Request,
    resource_policy: ResourcePolicy,
) -> StepOutcome {
    let written = match resource_policy {
        ResourcePolicy::NamesPrincipal => subject.policy_naming_principal(&request),
        ResourcePolicy::None => None,
    };
    let set = PolicySet {
        resource: written.as_ref(),
        ..*policies
    };
    let evaluation = evaluate(&request, &set);
    StepOutcome {
        action: request.action,
        resource: request.resource,
        evaluation,
    }
}

/// The methods of `methods` that the principal's policies allow, each with its first
/// allowed alternative and the statements that allow each of its actions.
pub fn escalations_in<'m>(
    methods: &'m [Method],
    principal_arn: &str,
    account: &str,
    policies: &PolicySet<'_>,
    context: &Context,
) -> Vec<Finding<'m>> {
    let subject = Subject::new(principal_arn, account, context);
    methods
        .iter()
        .filter_map(|m| first_allowed(m, &subject, policies))
        .collect()
}

/// The finding [`Assessment::finding`] gives for `method`, without evaluating what cannot
/// change it: an alternative stops at its first step that is not allowed, and the method at
/// its first allowed alternative.
fn first_allowed<'m>(
    method: &'m Method,
    subject: &Subject<'_>,
    policies: &PolicySet<'_>,
) -> Option<Finding<'m>> {
    if (!method.principals.is_empty()
        && !subject.kind.is_some_and(|k| method.principals.contains(&k)))
        || (method.needs_boundary && policies.permissions_boundary.is_none())
    {
        return None;
    }
    'alternatives: for (i, steps) in method.required.iter().enumerate() {
        let mut allowed = Vec::with_capacity(steps.len());
        for r in steps {
            let Some(request) = subject.request(r) else {
                continue 'alternatives;
            };
            let outcome = step(subject, policies, request, r.resource_policy);
            if outcome.evaluation.decision != Decision::Allow {
                continue 'alternatives;
            }
            allowed.push(Step {
                action: outcome.action,
                resource: outcome.resource,
                statements: outcome.evaluation.statements,
            });
        }
        return Some(Finding {
            method,
            alternative: i,
            steps: allowed,
        });
    }
    None
}
