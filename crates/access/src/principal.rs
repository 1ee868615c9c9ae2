//! A user or role with every document that applies to it, ready for evaluation.

use std::sync::{Arc, LazyLock, OnceLock};

use iamsnap_catalog::Catalog;
use iamsnap_policy::escalation::possible_escalations;
use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, PolicySet, RequestRef, Requester, evaluate_ref,
};

use crate::document::{Document, DocumentState};
use crate::nhi::Nhi;
use crate::organization::{Applied, Guardrails};
use crate::resources::{any_arns, arn_account};

/// The region of an ARN, when it has one.
fn arn_region(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")?
        .split(':')
        .nth(2)
        .filter(|r| !r.is_empty())
}
use crate::verdict::{Missing, Verdict, settle};

/// The guardrails of an account outside any organization the snapshot holds.
static OUTSIDE: LazyLock<Arc<Guardrails>> = LazyLock::new(|| Arc::new(Guardrails::outside(None)));

/// The resource side of a request, as the model finds it: the resource's account, its
/// policy (or why the snapshot cannot tell), the organization's guardrails over it, and
/// the context keys AWS sets from the resource.
#[derive(Debug)]
pub(crate) struct ResourceSide<'a> {
    /// The account that owns the resource; `None` when the snapshot cannot tell.
    pub(crate) account: Option<&'a str>,
    /// The resource's policy (a role's trust policy for `sts:AssumeRole*`).
    pub(crate) policy: Option<&'a CompiledPolicy>,
    /// The same policy as the snapshot has it.
    pub(crate) policy_document: Option<&'a Arc<Document>>,
    /// Why the resource's policy is unknown, when it is.
    pub(crate) policy_unknown: Option<String>,
    /// S3 Block Public Access keeps other accounts out: the bucket's policy is public and
    /// `RestrictPublicBuckets` is on.
    pub(crate) blocks_other_accounts: bool,
    /// The guardrails over the resource's account.
    pub(crate) guardrails: Option<&'a Arc<Guardrails>>,
    /// Keys AWS sets from the resource (`aws:ResourceAccount`, `aws:ResourceOrgID`).
    pub(crate) context: Vec<(String, ContextValue)>,
}

/// A policy in force for a principal: attached, inline, or inherited from a group.
#[derive(Debug)]
pub struct AttachedPolicy {
    /// The policy key (managed policy ARN, or the inline policy's key).
    pub key: String,
    /// The policy name.
    pub name: String,
    /// The group it is inherited from, if any.
    pub via_group: Option<String>,
    /// Its document and the document's state.
    pub document: Arc<Document>,
}

/// A user or role of a snapshot.
#[derive(Debug)]
pub struct Principal {
    /// Its account.
    pub account_id: String,
    /// User or role.
    pub principal_type: Requester,
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Its IAM path.
    pub path: String,
    /// Its tags, key to value, sorted.
    pub tags: Vec<(String, String)>,
    /// Its identity policies, direct and inherited, in the snapshot's order.
    pub policies: Vec<AttachedPolicy>,
    /// Its permissions boundary, if one is set.
    pub boundary: Option<Arc<Document>>,
    /// Whether it is a non-human identity, and why.
    pub nhi: Nhi,
    /// A service-linked role: only its AWS service can assume it.
    pub service_linked: bool,
    /// The organization's guardrails over its account.
    pub(crate) guardrails: Arc<Guardrails>,
    /// The time its requests are decided at: the snapshot's capture time.
    pub(crate) requested_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Its unique id (`AIDA...`, `AROA...`), when the snapshot has it.
    pub(crate) unique_id: Option<String>,
    /// Derived on first use: most principals of a large snapshot are never evaluated.
    context: OnceLock<Context>,
    compiled: OnceLock<Compiled>,
    /// Whether every catalog action is allowed on `*`, computed on first use.
    admin: OnceLock<Option<bool>>,
    /// The privilege-escalation methods it can use, computed on first use.
    escalations: OnceLock<Escalations>,
}

/// The principal's documents compiled for evaluation.
#[derive(Debug)]
struct Compiled {
    identity: Vec<CompiledPolicy>,
    /// The first identity policy without a readable document.
    unknown_identity: Option<String>,
    boundary: Option<CompiledPolicy>,
    /// A boundary set whose document is not readable.
    unknown_boundary: Option<String>,
}

/// The privilege-escalation methods a principal can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escalations {
    /// The method ids, sorted.
    Known(Vec<String>),
    /// A document the snapshot lacks could change the answer.
    Unknown {
        /// What is missing.
        reason: String,
        /// The methods the documents the snapshot has allow (sorted): a missing document
        /// could still deny them.
        possible: Vec<String>,
    },
}

impl Escalations {
    /// The method ids when known.
    pub fn known(&self) -> Option<&[String]> {
        match self {
            Self::Known(ids) => Some(ids),
            Self::Unknown { .. } => None,
        }
    }
}

/// What a principal is made of, as [`Principal::new`] takes it.
#[derive(Debug)]
pub struct PrincipalParts {
    /// Its account.
    pub account_id: String,
    /// User or role.
    pub principal_type: Requester,
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Its IAM path.
    pub path: String,
    /// Its tags.
    pub tags: Vec<(String, String)>,
    /// Its identity policies.
    pub policies: Vec<AttachedPolicy>,
    /// Its permissions boundary.
    pub boundary: Option<Arc<Document>>,
    /// Its classification.
    pub nhi: Nhi,
    /// Whether it is a service-linked role.
    pub service_linked: bool,
}

/// The session name a role's requests are taken to carry in `aws:userid`: the caller of
/// `AssumeRole` chooses it, so no real one is known.
pub const SESSION_NAME: &str = "iamsnap";

/// Actions of unrelated services: a principal denied one of them on `*` is no admin.
const ADMIN_SENTINELS: [&str; 5] = [
    "iam:CreateUser",
    "ec2:RunInstances",
    "s3:DeleteBucket",
    "kms:ScheduleKeyDeletion",
    "organizations:LeaveOrganization",
];

impl Principal {
    /// A principal from its parts; its request context is derived from them on first use.
    pub fn new(parts: PrincipalParts) -> Self {
        let mut tags = parts.tags;
        tags.sort();
        Self {
            account_id: parts.account_id,
            principal_type: parts.principal_type,
            arn: parts.arn,
            name: parts.name,
            path: parts.path,
            tags,
            policies: parts.policies,
            boundary: parts.boundary,
            nhi: parts.nhi,
            service_linked: parts.service_linked,
            guardrails: Arc::clone(&OUTSIDE),
            requested_at: None,
            unique_id: None,
            context: OnceLock::new(),
            compiled: OnceLock::new(),
            admin: OnceLock::new(),
            escalations: OnceLock::new(),
        }
    }

    /// The request context AWS sets for the principal's requests: the keys
    /// [`Context::for_principal`] derives, `aws:SecureTransport` (`true`: SDKs and the
    /// console use TLS), for an account of the organization `aws:PrincipalOrgID` and
    /// `aws:PrincipalOrgPaths`, and, in a snapshot, the time of the request as its capture
    /// time: `aws:CurrentTime`, `aws:EpochTime` and, for a role (a session issued for the
    /// request), `aws:TokenIssueTime`. With its unique id, `aws:userid`: a user's id, or for
    /// a role `<role id>:<session name>`, the session name being the caller's choice (taken
    /// as `iamsnap`, so that `AROA...:*` patterns match and a named session does not). A
    /// role's session carries `aws:MultiFactorAuthPresent` `false` (a session of a workload
    /// is issued without MFA); a user's long-term access keys carry no MFA key, as in AWS.
    pub fn context(&self) -> &Context {
        self.context.get_or_init(|| {
            let mut context = Context::for_principal(
                self.principal_type,
                &self.arn,
                &self.account_id,
                &self.name,
                &self.tags,
            );
            // Every request through an AWS SDK or the console uses TLS.
            context.insert(
                "aws:SecureTransport",
                ContextValue::Single("true".to_owned()),
            );
            if let Some(id) = &self.guardrails.organization_id {
                context.insert("aws:PrincipalOrgID", ContextValue::Single(id.clone()));
            }
            if let Some(path) = &self.guardrails.org_path {
                context.insert(
                    "aws:PrincipalOrgPaths",
                    ContextValue::Multi(vec![path.clone()]),
                );
            }
            if let Some(id) = &self.unique_id {
                let userid = match self.principal_type {
                    Requester::User => id.clone(),
                    Requester::Role => format!("{id}:{SESSION_NAME}"),
                };
                context.insert("aws:userid", ContextValue::Single(userid));
            }
            if self.principal_type == Requester::Role {
                context.insert(
                    "aws:MultiFactorAuthPresent",
                    ContextValue::Single("false".to_owned()),
                );
            }
            if let Some(at) = self.requested_at {
                let text = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                context.insert("aws:CurrentTime", ContextValue::Single(text.clone()));
                context.insert(
                    "aws:EpochTime",
                    ContextValue::Single(at.timestamp().to_string()),
                );
                if self.principal_type == Requester::Role {
                    context.insert("aws:TokenIssueTime", ContextValue::Single(text));
                }
            }
            context
        })
    }

    /// Whether its own identity policies may allow `action` on some resource in some
    /// context: some `Allow` statement names it, or a policy is not readable. When not,
    /// only a resource policy naming the principal itself can let it in.
    pub fn may_allow(&self, action: &str) -> bool {
        let compiled = self.compiled();
        compiled.unknown_identity.is_some() || compiled.identity.iter().any(|p| p.may_allow(action))
    }

    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            let mut identity = Vec::with_capacity(self.policies.len());
            let mut unknown_identity = None;
            for p in &self.policies {
                match p.document.compiled() {
                    Some(c) => identity.push(c.clone()),
                    None => {
                        unknown_identity.get_or_insert_with(|| p.key.clone());
                    }
                }
            }
            let boundary = self.boundary.as_ref().and_then(|b| b.compiled().cloned());
            let unknown_boundary = match (&self.boundary, &boundary) {
                (Some(b), None) => Some(b.key().to_owned()),
                _ => None,
            };
            Compiled {
                identity,
                unknown_identity,
                boundary,
                unknown_boundary,
            }
        })
    }

    /// The service control policies over the principal.
    fn scps(&self) -> Applied<'_> {
        self.guardrails.scps(self.service_linked)
    }

    /// The documents the snapshot has, as the evaluator takes them: identity policies,
    /// boundary and the SCPs over the principal.
    fn policy_set(&self) -> PolicySet<'_> {
        let c = self.compiled();
        PolicySet {
            identity: &c.identity,
            permissions_boundary: c.boundary.as_ref(),
            scps: self.scps().levels,
            ..PolicySet::default()
        }
    }

    /// The documents that apply and that the snapshot lacks.
    fn missing(&self, resource: Option<&ResourceSide<'_>>, rcps: Applied<'_>) -> Missing {
        let c = self.compiled();
        let may_allow_or_deny = match (&c.unknown_identity, resource) {
            (Some(k), _) => Some(format!(
                "identity policy {k} has no readable document in the snapshot"
            )),
            (None, Some(side)) => side.policy_unknown.clone(),
            (None, None) => None,
        };
        let may_only_restrict = c
            .unknown_boundary
            .as_ref()
            .map(|k| format!("permissions boundary {k} is not in the snapshot"))
            .or_else(|| self.scps().unknown.map(str::to_owned))
            .or_else(|| rcps.unknown.map(str::to_owned));
        Missing {
            may_allow_or_deny,
            may_only_restrict,
        }
    }

    /// Every document that applies and is not present, with its state.
    pub fn missing_documents(&self) -> Vec<(&str, DocumentState)> {
        self.policies
            .iter()
            .map(|p| &p.document)
            .chain(self.boundary.as_ref())
            .filter_map(|d| {
                let state = d.state();
                (state != DocumentState::Present).then_some((d.key(), state))
            })
            .collect()
    }

    /// Evaluates `action` on `resource` with the principal's documents and the SCPs over
    /// it (and the RCPs of its own account for a resource there); `extra` adds to or
    /// overrides the principal's own context keys. Unknown when a document the snapshot
    /// lacks could change the decision ([`settle`]). The resource's own policy is not
    /// looked up: [`crate::Model::evaluate`] does, for a resource a question names.
    pub fn evaluate(
        &self,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
    ) -> Verdict {
        self.evaluate_with(action, resource, extra, None, None)
    }

    /// [`Principal::evaluate`] of a session whose caller passed `session` as its session
    /// policy (`AssumeRole`'s `Policy`, `GetFederationToken`'s): it must allow too.
    pub fn evaluate_in_session(
        &self,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
        session: Option<&CompiledPolicy>,
    ) -> Verdict {
        self.evaluate_with(action, resource, extra, None, session)
    }

    /// [`Principal::evaluate`] with the resource side the model found. A request that
    /// names no region (`aws:RequestedRegion` neither given nor in the resource's ARN) may
    /// be made in any region: when it is denied and the SCPs over the account lock
    /// regions, it is evaluated again in each region they name, and the first that allows
    /// (or cannot decide) is the answer, saying so; denied in all, the first region's
    /// answer.
    pub(crate) fn evaluate_with(
        &self,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
        side: Option<&ResourceSide<'_>>,
        session: Option<&CompiledPolicy>,
    ) -> Verdict {
        let verdict = self.evaluate_once(action, resource, extra, side, session);
        if verdict.allowed() != Some(false) || self.guardrails.regions().is_empty() {
            return verdict;
        }
        let named = |keys: &[(String, ContextValue)]| {
            keys.iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("aws:RequestedRegion"))
        };
        if named(extra) || side.is_some_and(|s| named(&s.context)) || arn_region(resource).is_some()
        {
            return verdict;
        }
        // Denied everywhere: the answer of the first region the lock allows says why
        // better than the lock itself.
        let mut first: Option<Verdict> = None;
        for region in self.guardrails.regions() {
            let mut keys = extra.to_vec();
            keys.push((
                "aws:RequestedRegion".to_owned(),
                ContextValue::Single(region.clone()),
            ));
            let in_region = self.evaluate_once(action, resource, &keys, side, session).with_note(format!(
                "in region {region}: the request names no region, and the organization's region lock allows this one"
            ));
            if in_region.allowed() != Some(false) {
                return in_region;
            }
            first.get_or_insert(in_region);
        }
        first.unwrap_or(verdict)
    }

    fn evaluate_once(
        &self,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
        side: Option<&ResourceSide<'_>>,
        session: Option<&CompiledPolicy>,
    ) -> Verdict {
        let side_keys = side.map_or(&[][..], |s| s.context.as_slice());
        // The principal's own keys are borrowed; a copy only when the caller adds some.
        let extended;
        let context = if extra.is_empty() && side_keys.is_empty() {
            self.context()
        } else {
            let mut c = self.context().clone();
            for (key, value) in side_keys.iter().chain(extra) {
                c.insert(key, value.clone());
            }
            extended = c;
            &extended
        };
        let resource_account = match side {
            // An account the snapshot cannot tell: the answer is unknown (the resource's
            // policy is), and the decision without it is the principal's own side's.
            Some(s) => s.account.unwrap_or(&self.account_id),
            None => arn_account(resource).unwrap_or(&self.account_id),
        };
        let service = action.split(':').next().unwrap_or_default();
        let rcp_guardrails = match side {
            Some(s) => s.guardrails,
            None => (resource_account == self.account_id).then_some(&self.guardrails),
        };
        let rcps = rcp_guardrails
            .map(|g| g.rcps(service, self.service_linked))
            .unwrap_or(Applied {
                levels: &[],
                unknown: None,
            });
        let request = RequestRef {
            principal: &self.arn,
            principal_account: &self.account_id,
            action,
            resource,
            resource_account,
            context,
        };
        let policies = PolicySet {
            rcps: rcps.levels,
            resource: side.and_then(|s| s.policy),
            session,
            ..self.policy_set()
        };
        let scp_names = (!policies.scps.is_empty()).then(|| self.guardrails.names());
        let rcp_names = (!rcps.levels.is_empty())
            .then(|| rcp_guardrails.map(|g| g.names()))
            .flatten();
        let mut evaluation = evaluate_ref(&request, &policies);
        if side.is_some_and(|s| s.blocks_other_accounts)
            && resource_account != self.account_id
            && evaluation.decision == iamsnap_policy::Decision::Allow
        {
            evaluation = iamsnap_policy::Evaluation {
                decision: iamsnap_policy::Decision::ImplicitDeny,
                statements: Vec::new(),
                implicit_deny: Some(iamsnap_policy::ImplicitDenyReason::BlockPublicAccess),
            };
        }
        settle(evaluation, self.missing(side, rcps)).with_controls(scp_names, rcp_names)
    }

    /// Whether the principal is admin-equivalent: its own documents (identity policies and
    /// boundary) allow every action of the catalog on `*`. The organization's SCPs are
    /// left out: nearly every organization denies leaving it or stopping its trail, and a
    /// role granted everything is still its account's administrator (`evaluate` says what
    /// the SCPs deny). `None` when that depends on a document the snapshot lacks.
    pub fn is_admin(&self) -> Result<Option<bool>, String> {
        if let Some(known) = self.admin.get() {
            return Ok(*known);
        }
        // Most principals are not admins: a few actions every admin has settle that fast.
        for action in ADMIN_SENTINELS {
            if self.evaluate_own(action).allowed() == Some(false) {
                return Ok(*self.admin.get_or_init(|| Some(false)));
            }
        }
        let catalog = Catalog::embedded().map_err(|e| e.to_string())?;
        // The evaluator sees an action only through the patterns of the policies, so the
        // actions that match the same patterns form a class decided alike: evaluating one
        // action per class decides every action of the catalog.
        let mut classes = vec![catalog.full_set()];
        let c = self.compiled();
        for policy in c.identity.iter().chain(c.boundary.as_ref()) {
            for pattern in policy.action_patterns() {
                let matched = catalog.expand(pattern);
                let mut next = Vec::with_capacity(classes.len() * 2);
                for class in classes {
                    let inside = class.intersection(&matched);
                    let outside = class.difference(&matched);
                    if !inside.is_empty() {
                        next.push(inside);
                    }
                    if !outside.is_empty() {
                        next.push(outside);
                    }
                }
                classes = next;
            }
        }
        let mut answer = Some(true);
        for class in &classes {
            let Some(action) = class.iter().next().and_then(|id| catalog.action_by_id(id)) else {
                continue;
            };
            match self.evaluate_own(action.full_name()).allowed() {
                Some(true) => {}
                Some(false) => {
                    answer = Some(false);
                    break;
                }
                None => answer = None,
            }
        }
        Ok(*self.admin.get_or_init(|| answer))
    }

    /// Evaluates `action` on `*` with the principal's own documents alone (identity
    /// policies and boundary): what it was granted, before the organization's guardrails.
    fn evaluate_own(&self, action: &str) -> Verdict {
        let c = self.compiled();
        let request = RequestRef {
            principal: &self.arn,
            principal_account: &self.account_id,
            action,
            resource: "*",
            resource_account: &self.account_id,
            context: self.context(),
        };
        let policies = PolicySet {
            identity: &c.identity,
            permissions_boundary: c.boundary.as_ref(),
            ..PolicySet::default()
        };
        let mut missing = self.missing(
            None,
            Applied {
                levels: &[],
                unknown: None,
            },
        );
        if c.unknown_boundary.is_none() {
            missing.may_only_restrict = None;
        }
        settle(evaluate_ref(&request, &policies), missing)
    }

    /// Evaluates `action` on resources that no policy names specifically: for each of the
    /// action's resource types, an ARN in the principal's account (catalog ARN format, with
    /// names no real resource has), or `*` when the action takes no resource. The first
    /// allow wins (the action is granted on every resource of that type the wildcards
    /// cover: `*`, `arn:aws:iam::*:role/*` or `arn:aws:iam::<account>:role/*` alike);
    /// otherwise an unknown verdict, otherwise the last deny.
    pub fn evaluate_any(&self, action: &str, extra: &[(String, ContextValue)]) -> Verdict {
        self.evaluate_on(action, &any_arns(action, &self.account_id), extra)
    }

    /// [`Principal::evaluate_any`] on the ARNs [`any_arns`] gave for the action and the
    /// principal's account (callers asking for many principals compute them once).
    pub fn evaluate_on(
        &self,
        action: &str,
        arns: &[String],
        extra: &[(String, ContextValue)],
    ) -> Verdict {
        self.evaluate_on_in_session(action, arns, extra, None)
    }

    /// [`Principal::evaluate_on`] in a session with a session policy.
    pub fn evaluate_on_in_session(
        &self,
        action: &str,
        arns: &[String],
        extra: &[(String, ContextValue)],
        session: Option<&CompiledPolicy>,
    ) -> Verdict {
        let mut fallback = None;
        for arn in arns {
            let verdict = self.evaluate_in_session(action, arn, extra, session);
            match verdict.allowed() {
                Some(true) => return verdict,
                None => fallback = Some(verdict),
                Some(false) => {
                    if fallback.as_ref().is_none_or(|f| f.allowed().is_some()) {
                        fallback = Some(verdict);
                    }
                }
            }
        }
        fallback.unwrap_or_else(|| self.evaluate_in_session(action, "*", extra, session))
    }

    /// The privilege-escalation methods the principal can use on resources of its own
    /// account (condition- and deny-aware). Unknown when a document the snapshot lacks
    /// could change the answer: a missing identity policy could allow or deny any method,
    /// a missing boundary could stop any method the other documents allow.
    pub fn escalations(&self) -> &Escalations {
        self.escalations.get_or_init(|| {
            // A method is possible when it is possible in some region the requester may
            // choose: with no region named, then in each region the SCPs lock to.
            let policies = self.policy_set();
            // SCPs only take away: a method the principal's own documents do not allow is
            // possible in no region, and most principals have none.
            let own = PolicySet {
                scps: &[],
                ..policies
            };
            let regions = self.guardrails.regions();
            let none_possible = !policies.scps.is_empty()
                && !regions.is_empty()
                && possible_escalations(&self.arn, &self.account_id, &own, self.context())
                    .is_empty();
            let mut contexts = Vec::new();
            if !none_possible {
                contexts.push(self.context().clone());
            }
            for region in regions.iter().filter(|_| !none_possible) {
                let mut c = self.context().clone();
                c.insert("aws:RequestedRegion", ContextValue::Single(region.clone()));
                contexts.push(c);
            }
            let mut possible: Vec<String> = contexts
                .iter()
                .flat_map(|context| {
                    possible_escalations(&self.arn, &self.account_id, &policies, context)
                })
                .map(|f| f.method.id.clone())
                .collect();
            possible.sort();
            possible.dedup();
            let c = self.compiled();
            if let Some(key) = &c.unknown_identity {
                Escalations::Unknown {
                    reason: format!(
                        "identity policy {key} has no readable document in the snapshot"
                    ),
                    possible,
                }
            } else if let (Some(key), false) = (&c.unknown_boundary, possible.is_empty()) {
                Escalations::Unknown {
                    reason: format!("permissions boundary {key} is not in the snapshot"),
                    possible,
                }
            } else {
                Escalations::Known(possible)
            }
        })
    }

    /// Whether the organization's control policies over `other` are the same as over
    /// this principal ([`Guardrails::same_as`]).
    pub fn same_guardrails(&self, other: &Principal) -> bool {
        Arc::ptr_eq(&self.guardrails, &other.guardrails)
            || self.guardrails.same_as(&other.guardrails)
    }

    /// Whether `other` has the same inputs to every decision: ARN, type, account, name,
    /// tags, and the same documents (keys and texts) for its policies and boundary.
    pub fn same_inputs(&self, other: &Principal) -> bool {
        fn docs(p: &Principal) -> Vec<&Arc<Document>> {
            let mut v: Vec<&Arc<Document>> = p.policies.iter().map(|a| &a.document).collect();
            v.sort_by(|a, b| a.key().cmp(b.key()));
            v.dedup_by(|a, b| a.key() == b.key());
            v
        }
        self.arn == other.arn
            && self.principal_type == other.principal_type
            && self.account_id == other.account_id
            && self.name == other.name
            && self.tags == other.tags
            && match (&self.boundary, &other.boundary) {
                (None, None) => true,
                (Some(a), Some(b)) => a.same_as(b),
                _ => false,
            }
            && {
                let (a, b) = (docs(self), docs(other));
                a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.same_as(y))
            }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use crate::nhi::{RoleTrust, classify_role};

    /// A role with one identity policy, a boundary (`Some(None)`: set but not captured)
    /// and identity policies not captured.
    fn principal(policy: &str, boundary: Option<Option<&str>>, unknown: &[&str]) -> Principal {
        let doc = |key: &str, text: &str| Arc::new(Document::new(key, Some(Arc::from(text))));
        let mut policies = vec![AttachedPolicy {
            key: "p".to_owned(),
            name: "p".to_owned(),
            via_group: None,
            document: doc("p", policy),
        }];
        for key in unknown {
            policies.push(AttachedPolicy {
                key: (*key).to_owned(),
                name: (*key).to_owned(),
                via_group: None,
                document: Arc::new(Document::not_captured(*key)),
            });
        }
        let boundary = boundary.map(|b| match b {
            Some(text) => doc("b", text),
            None => Arc::new(Document::not_captured("arn:aws:iam::111122223333:policy/b")),
        });
        Principal::new(PrincipalParts {
            account_id: "111122223333".to_owned(),
            principal_type: Requester::Role,
            arn: "arn:aws:iam::111122223333:role/r".to_owned(),
            name: "r".to_owned(),
            path: "/".to_owned(),
            tags: Vec::new(),
            policies,
            boundary,
            nhi: classify_role("r", false, RoleTrust::default()),
            service_linked: false,
        })
    }

    const ALLOW_ALL_DENY_IAM: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"*","Resource":"*"},
        {"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;

    fn doc(statements: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
    }

    #[test]
    fn a_missing_boundary_makes_an_allow_unknown_but_not_a_deny() {
        let p = principal(ALLOW_ALL_DENY_IAM, Some(None), &[]);
        let allow = p.evaluate("s3:GetObject", "*", &[]);
        assert_eq!(allow.allowed(), None);
        assert!(allow.explain().starts_with(
            "unknown: permissions boundary arn:aws:iam::111122223333:policy/b is not in the snapshot; without it: allow"
        ));
        assert_eq!(p.evaluate("iam:PassRole", "*", &[]).allowed(), Some(false));
        assert_eq!(
            p.missing_documents(),
            vec![(
                "arn:aws:iam::111122223333:policy/b",
                DocumentState::NotCaptured
            )]
        );
    }

    #[test]
    fn a_missing_identity_document_leaves_only_explicit_denies_known() {
        let p = principal(ALLOW_ALL_DENY_IAM, None, &["k"]);
        assert_eq!(p.evaluate("s3:GetObject", "*", &[]).allowed(), None);
        assert_eq!(p.evaluate("iam:PassRole", "*", &[]).allowed(), Some(false));
    }

    #[test]
    fn escalations_are_unknown_when_a_document_is_missing() {
        let can = doc(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*"}"#);
        let known = principal(&can, None, &[]);
        assert_eq!(
            known.escalations().known(),
            Some(&["IAM-CREATE-POLICY-VERSION".to_owned()][..])
        );
        // A missing identity policy could deny it.
        let p = principal(&can, None, &["k"]);
        match p.escalations() {
            Escalations::Unknown { reason, possible } => {
                assert!(reason.contains("identity policy k"), "{reason}");
                assert_eq!(possible, &["IAM-CREATE-POLICY-VERSION".to_owned()]);
            }
            other => panic!("expected unknown, got {other:?}"),
        }
        // A missing boundary could stop it.
        assert!(
            principal(&can, Some(None), &[])
                .escalations()
                .known()
                .is_none()
        );
        // Nothing to stop: a missing boundary cannot add a method.
        let none = doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#);
        assert_eq!(
            principal(&none, Some(None), &[]).escalations().known(),
            Some(&[][..])
        );
    }

    #[test]
    fn roles_act_as_assumed_role_sessions() {
        let p = principal(
            &doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalType":"AssumedRole"}}}"#,
            ),
            None,
            &[],
        );
        assert_eq!(p.evaluate("s3:GetObject", "*", &[]).allowed(), Some(true));
    }

    /// Every catalog action on `*`, one by one: the definition `is_admin` computes faster.
    fn brute_force_admin(p: &Principal) -> Option<bool> {
        let catalog = Catalog::embedded().unwrap();
        let mut answer = Some(true);
        for action in catalog.actions() {
            match p.evaluate(action.full_name(), "*", &[]).allowed() {
                Some(true) => {}
                Some(false) => return Some(false),
                None => answer = None,
            }
        }
        answer
    }

    #[test]
    fn is_admin_agrees_with_evaluating_every_action() {
        let cases = [
            (
                doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
                true,
            ),
            (ALLOW_ALL_DENY_IAM.to_owned(), false),
            (
                doc(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#),
                false,
            ),
            (
                doc(
                    r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"},{"Effect":"Allow","Action":"IAM:*","Resource":"*"}"#,
                ),
                true,
            ),
            (
                doc(
                    r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}"#,
                ),
                false,
            ),
            (
                doc(
                    r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::x"}"#,
                ),
                true,
            ),
            (
                doc(r#"{"Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}"#),
                false,
            ),
            (
                doc(
                    r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
                ),
                false,
            ),
        ];
        for (policy, expected) in cases {
            let p = principal(&policy, None, &[]);
            assert_eq!(p.is_admin().unwrap(), Some(expected), "{policy}");
            assert_eq!(brute_force_admin(&p), Some(expected), "{policy}");
        }
        // A boundary that stops short of everything makes no admin.
        let boundary = doc(r#"{"Effect":"Allow","NotAction":"organizations:*","Resource":"*"}"#);
        let p = principal(
            &doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
            Some(Some(&boundary)),
            &[],
        );
        assert_eq!(p.is_admin().unwrap(), Some(false));
        assert_eq!(brute_force_admin(&p), Some(false));
        // Unknown documents leave the answer unknown unless a deny settles it.
        let p = principal(
            &doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
            None,
            &["k"],
        );
        assert_eq!(p.is_admin().unwrap(), None);
    }

    #[test]
    fn any_resource_is_any_resource_of_the_actions_types() {
        let d = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/*"},
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#;
        let p = principal(d, None, &[]);
        assert_eq!(p.evaluate_any("iam:PassRole", &[]).allowed(), Some(true));
        assert_eq!(p.evaluate("iam:PassRole", "*", &[]).allowed(), Some(false));
        assert_eq!(p.evaluate_any("s3:GetObject", &[]).allowed(), Some(false));
        // Any of the action's resource types: s3:GetObject on objects of every bucket.
        let d = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*"}]}"#;
        let p = principal(d, None, &[]);
        assert_eq!(p.evaluate_any("s3:GetObject", &[]).allowed(), Some(true));
        // An action without resource types is evaluated on `*`.
        assert_eq!(
            p.evaluate_any("sts:GetCallerIdentity", &[]).allowed(),
            Some(false)
        );
    }
}
