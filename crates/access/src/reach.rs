//! Who can reach a resource: every principal of the snapshot the evaluator allows (or
//! cannot decide for), and every principal the resource's policy names outside the
//! snapshot — other accounts, anyone, AWS services, identity providers — with the
//! resource side's decision and the conditions it depends on.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use iamsnap_catalog::glob::{Case, Glob};
use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, Decision, Effect, PolicyDocument, PolicySet,
    PrincipalKind, PrincipalType, RequestRef, ResourceMatcher, classify_principal, evaluate_ref,
    parse_document_text,
};

use crate::model::{Model, grant_side};
use crate::principal::{Principal, ResourceSide};
use crate::verdict::{Verdict, describe};

/// Where a principal stands relative to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The resource's own account.
    Account,
    /// Another account of the organization.
    Organization,
    /// An account outside the organization (or any account, without organization data).
    External,
    /// Anyone: `"Principal": "*"`.
    Public,
    /// An AWS service principal.
    Service,
    /// A federated identity (OIDC, SAML) or an S3 canonical user.
    Federated,
}

impl Scope {
    /// `account`, `organization`, `external`, `public`, `service`, `federated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Organization => "organization",
            Self::External => "external",
            Self::Public => "public",
            Self::Service => "service",
            Self::Federated => "federated",
        }
    }
}

/// One principal that can (or may) perform an action on a resource.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The principal: an ARN of the snapshot, an account's root ARN, `*`, a service or
    /// provider name.
    pub principal: String,
    /// `user`, `role`, `account`, `anyone`, `service`, `oidc`, `saml`, ... .
    pub principal_type: String,
    /// Its account, when it has one.
    pub account: Option<String>,
    /// Where it stands relative to the resource.
    pub scope: Scope,
    /// Whether the snapshot holds the principal (its identity policies were evaluated).
    pub in_snapshot: bool,
    /// The action.
    pub action: String,
    /// `allow`, `unknown` or `conditional` (allowed if the conditions hold).
    pub decision: &'static str,
    /// True for allow, null for unknown and conditional.
    pub allowed: Option<bool>,
    /// For a conditional answer, the conditions of the statements that would allow it.
    pub conditions: Option<String>,
    /// The statements that decided, or what is missing.
    pub reason: String,
}

/// An identity policy that allows everything: what stands for the identity side of a
/// principal the snapshot does not hold, so that the resource side alone decides.
pub(crate) static ALLOW_ALL: LazyLock<Option<CompiledPolicy>> =
    LazyLock::new(|| {
        parse_document_text(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .ok()
    .map(|d| CompiledPolicy::new("of its own account (not in the snapshot: taken to allow)", &d))
    });

impl Model {
    /// Where `account` stands relative to a resource of `resource_account`.
    pub fn scope(&self, account: &str, resource_account: Option<&str>) -> Scope {
        if resource_account == Some(account) {
            Scope::Account
        } else if self.organization().contains(account)
            && resource_account.is_some_and(|r| self.organization().contains(r))
        {
            Scope::Organization
        } else {
            Scope::External
        }
    }

    /// Every principal that can perform `action` on `resource`, or whose answer is
    /// unknown: the snapshot's users and roles (denied ones left out), then the
    /// principals the resource's policy names that the snapshot does not hold.
    pub fn who_can(
        &self,
        resource: &str,
        action: &str,
        extra: &[(String, ContextValue)],
        mut keep_going: impl FnMut() -> bool,
    ) -> Vec<Reach> {
        let side = self.resource_side(action, resource);
        // A principal none of whose own statements names the action is denied, unless it
        // is in the resource's account and the resource's policy (or what the snapshot does
        // not know of it) could let it in alone: across accounts its own policies must
        // allow too. Most principals are settled so without an evaluation.
        let has_policy = side.policy_document.is_some() || side.policy_unknown.is_some();
        // KMS grants of the key allow their grantees whatever their own policies say.
        let grantees: HashSet<&str> = self
            .resource_policies()
            .grants_of(resource)
            .map(|(g, _)| g.grantee.as_str())
            .collect();
        let candidate = |p: &Principal| {
            p.may_allow(action)
                || (has_policy && side.account == Some(p.account_id.as_str()))
                || grantees.contains(p.arn.as_str())
        };
        let reach = |p: &Arc<Principal>| -> Option<Reach> {
            if !candidate(p) {
                return None;
            }
            let verdict = self.evaluate(p, action, resource, extra);
            if verdict.allowed() == Some(false) {
                return None;
            }
            Some(Reach {
                principal: p.arn.clone(),
                principal_type: p.principal_type.as_str().to_owned(),
                account: Some(p.account_id.clone()),
                scope: self.scope(&p.account_id, side.account),
                in_snapshot: true,
                action: action.to_owned(),
                decision: verdict.decision(),
                allowed: verdict.allowed(),
                conditions: None,
                reason: verdict.explain(),
            })
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut out = Vec::new();
        // Rounds of principals, each on every core; the caller may stop between rounds.
        for round in self.principals().chunks(8192) {
            if !keep_going() {
                return out;
            }
            let chunk = round.len().div_ceil(threads).max(1);
            if threads <= 1 || round.len() < 256 {
                out.extend(round.iter().filter_map(reach));
                continue;
            }
            let reach = &reach;
            std::thread::scope(|scope| {
                let parts: Vec<_> = round
                    .chunks(chunk)
                    .map(|part| {
                        scope.spawn(move || part.iter().filter_map(reach).collect::<Vec<_>>())
                    })
                    .collect();
                for part in parts {
                    // Evaluation does not panic; should it, the caller hears of it.
                    match part.join() {
                        Ok(rows) => out.extend(rows),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
            });
        }
        out.extend(self.outside_principals(&side, resource, action, extra));
        out
    }

    /// The principals the resource's policy names that the snapshot does not hold, each
    /// with the resource side's decision.
    fn outside_principals(
        &self,
        side: &ResourceSide<'_>,
        resource: &str,
        action: &str,
        extra: &[(String, ContextValue)],
    ) -> Vec<Reach> {
        // The snapshot's own principals were evaluated with their documents.
        let outside = |ty: &PrincipalType, value: &str| {
            !held_by(ty, value).is_some_and(|a| self.has_account(&a))
        };
        let mut out: Vec<Reach> = match side.policy_document.and_then(|d| d.document()) {
            Some(document) => named_principals(document)
                .into_iter()
                .filter(|(ty, value)| outside(ty, value))
                .filter_map(|(ty, value)| {
                    self.outsider(side, &ty, &value, resource, action, extra, false)
                })
                .collect(),
            None => Vec::new(),
        };
        // The grantees of the key's KMS grants: a grant's answer stands beside the key
        // policy's for the same principal, replacing it when it allows where that did not.
        for (grant, document) in self.resource_policies().grants_of(resource) {
            let ty = if grant.to_service() {
                PrincipalType::Service
            } else {
                PrincipalType::Aws
            };
            if !outside(&ty, &grant.grantee) {
                continue;
            }
            let granted = grant_side(side, grant, document, side.account);
            let Some(row) = self.outsider(
                &granted,
                &ty,
                &grant.grantee,
                resource,
                action,
                extra,
                false,
            ) else {
                continue;
            };
            match out.iter_mut().find(|r| r.principal == row.principal) {
                Some(existing) if existing.allowed == Some(true) => {}
                Some(existing) => {
                    if row.allowed == Some(true) {
                        *existing = row;
                    }
                }
                None => out.push(row),
            }
        }
        out
    }

    /// The resource side's decision for one principal a resource policy names, whose own
    /// policies the snapshot does not hold (they are taken to allow): `None` when denied.
    /// With `outside_only`, the principal stands for whoever is outside the zone of trust
    /// (`*`: anyone outside it), so statements whose conditions only members of the
    /// organization meet do not let it in.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn outsider(
        &self,
        side: &ResourceSide<'_>,
        ty: &PrincipalType,
        value: &str,
        resource: &str,
        action: &str,
        extra: &[(String, ContextValue)],
        outside_only: bool,
    ) -> Option<Reach> {
        let document = side.policy_document.and_then(|d| d.document())?;
        let policy = side.policy?;
        let info = classify_principal(*ty, value);
        let account = info.account.clone();
        let scope = match info.kind {
            PrincipalKind::Anyone => Scope::Public,
            PrincipalKind::Service => Scope::Service,
            PrincipalKind::Oidc
            | PrincipalKind::Saml
            | PrincipalKind::WebIdentity
            | PrincipalKind::CanonicalUser => Scope::Federated,
            _ => match &account {
                Some(a) => self.scope(a, side.account),
                None => Scope::External,
            },
        };
        let requester = match (info.kind, &account) {
            (PrincipalKind::Account, Some(a)) => format!("arn:aws:iam::{a}:root"),
            (PrincipalKind::Anyone, _) => "*".to_owned(),
            _ => value.to_owned(),
        };
        let service = info.kind == PrincipalKind::Service;
        // S3 Block Public Access keeps every other account out of a bucket whose policy is
        // public; AWS services still reach it.
        if side.blocks_other_accounts && !service {
            return None;
        }
        let mut context = Context::default();
        context.insert(
            "aws:SecureTransport",
            ContextValue::Single("true".to_owned()),
        );
        for (k, v) in side.context.iter().chain(extra) {
            context.insert(k, v.clone());
        }
        // A member account the snapshot does not hold still belongs to the organization.
        let member = account
            .as_deref()
            .filter(|a| self.organization().contains(a))
            .map(|a| self.organization().account(a));
        if let Some(a) = &account {
            context.insert("aws:PrincipalAccount", ContextValue::Single(a.clone()));
        }
        if let Some(g) = member {
            if let Some(id) = &g.organization_id {
                context.insert("aws:PrincipalOrgID", ContextValue::Single(id.clone()));
            }
            if let Some(path) = &g.org_path {
                context.insert(
                    "aws:PrincipalOrgPaths",
                    ContextValue::Multi(vec![path.clone()]),
                );
            }
        }
        if matches!(
            info.kind,
            PrincipalKind::Role | PrincipalKind::User | PrincipalKind::AssumedRole
        ) {
            context.insert("aws:PrincipalArn", ContextValue::Single(value.to_owned()));
        }
        context.insert(
            "aws:PrincipalIsAWSService",
            ContextValue::Single(service.to_string()),
        );
        if service {
            context.insert(
                "aws:PrincipalServiceName",
                ContextValue::Single(value.to_owned()),
            );
        }
        let service_name = action.split(':').next().unwrap_or_default();
        let rcps = side
            .guardrails
            .map(|g| g.rcps(service_name, false))
            .map_or(&[][..], |a| a.levels);
        let identity: &[CompiledPolicy] = ALLOW_ALL.as_slice();
        let request = RequestRef {
            principal: &requester,
            principal_account: account.as_deref().unwrap_or("outside"),
            action,
            resource,
            resource_account: side.account.unwrap_or("unknown"),
            context: &context,
        };
        let evaluation = evaluate_ref(
            &request,
            &PolicySet {
                identity,
                rcps,
                resource: Some(policy),
                ..PolicySet::default()
            },
        );
        let base = Reach {
            principal: requester,
            principal_type: info.kind.as_str().to_owned(),
            account: account.clone(),
            scope,
            in_snapshot: false,
            action: action.to_owned(),
            decision: "allow",
            allowed: Some(true),
            conditions: None,
            reason: String::new(),
        };
        match evaluation.decision {
            Decision::Allow => {
                let verdict = Verdict::known(evaluation);
                let who = match (&account, scope) {
                    (Some(a), Scope::External | Scope::Organization) => format!(
                        "; account {a} is not in the snapshot: its own policies decide which of its principals"
                    ),
                    _ => String::new(),
                };
                Some(Reach {
                    reason: format!("{}{who}", verdict.explain()),
                    ..base
                })
            }
            Decision::ExplicitDeny => None,
            Decision::ImplicitDeny => {
                // Conditions only members of the organization meet do not let in a
                // principal outside it.
                let in_zone = |a: &str| self.in_zone(a);
                let outside = (outside_only && member.is_none()).then_some(Zone {
                    organization_id: self.organization().id.as_deref(),
                    contains: &in_zone,
                });
                let conditions =
                    conditions_for(document, ty, value, action, resource, outside.as_ref());
                if conditions.is_empty() {
                    return None;
                }
                Some(Reach {
                    decision: "conditional",
                    allowed: None,
                    reason: format!(
                        "allowed if the conditions hold: {}",
                        describe(&evaluation).replacen("implicit deny: ", "without them: ", 1)
                    ),
                    conditions: Some(conditions.join("; ")),
                    ..base
                })
            }
        }
    }

    /// Whether `account` is inside the zone of trust: an account of the organization, or,
    /// without organization data, an account of the snapshot.
    pub fn in_zone(&self, account: &str) -> bool {
        if self.organization().accounts().next().is_some() {
            self.organization().contains(account)
        } else {
            self.has_account(account)
        }
    }
}

/// The principals the `Allow` statements of `document` name, each once.
pub(crate) fn named_principals(document: &PolicyDocument) -> Vec<(PrincipalType, String)> {
    let mut named: Vec<(PrincipalType, String)> = Vec::new();
    for s in &document.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        for entry in s.principal.iter().flat_map(|p| p.entries.iter()) {
            if !named.contains(entry) {
                named.push(entry.clone());
            }
        }
    }
    named
}

/// The account of a principal the snapshot could hold (an account, user or role), if the
/// value names one; services, providers and anyone are never held.
pub(crate) fn held_by(ty: &PrincipalType, value: &str) -> Option<String> {
    let info = classify_principal(*ty, value);
    match info.kind {
        PrincipalKind::Account
        | PrincipalKind::Role
        | PrincipalKind::User
        | PrincipalKind::AssumedRole
        | PrincipalKind::FederatedUser => info.account,
        _ => None,
    }
}

/// The zone of trust, for conditions that only its members meet.
pub(crate) struct Zone<'a> {
    /// The organization's id.
    pub(crate) organization_id: Option<&'a str>,
    /// Whether an account is inside.
    pub(crate) contains: &'a dyn Fn(&str) -> bool,
}

impl Zone<'_> {
    /// Whether the statement has a condition only requests from inside the zone meet:
    /// `aws:PrincipalOrgID` or `aws:SourceOrgID` equal to the organization's id, an
    /// `...OrgPaths` under it, `aws:PrincipalAccount`, `aws:SourceAccount` or
    /// `kms:CallerAccount` among its accounts, `aws:PrincipalArn` or `aws:SourceArn` of its
    /// accounts. Negated and `...IfExists` operators are met by requests without the key,
    /// so they confine nothing.
    fn confines(&self, statement: &iamsnap_policy::Statement) -> bool {
        statement.conditions.iter().any(|c| {
            if c.operator.negated || c.operator.if_exists || c.values.is_empty() {
                return false;
            }
            let key = c.key.to_ascii_lowercase();
            let all = |f: &dyn Fn(&str) -> bool| c.values.iter().all(|v| f(v));
            match key.as_str() {
                "aws:principalorgid" | "aws:sourceorgid" => all(&|v| {
                    self.organization_id
                        .is_some_and(|id| v.eq_ignore_ascii_case(id))
                }),
                "aws:principalorgpaths" | "aws:sourceorgpaths" => all(&|v| {
                    self.organization_id.is_some_and(|id| {
                        v.len() > id.len()
                            && v.get(..id.len())
                                .is_some_and(|p| p.eq_ignore_ascii_case(id))
                            && v.as_bytes().get(id.len()) == Some(&b'/')
                    })
                }),
                "aws:principalaccount" | "aws:sourceaccount" | "kms:calleraccount" => {
                    all(&|v| (self.contains)(v))
                }
                "aws:principalarn" | "aws:sourcearn" => all(&|v| {
                    iamsnap_catalog::arn::account_of(v).is_some_and(|a| (self.contains)(a))
                }),
                _ => false,
            }
        })
    }
}

/// The conditions of the `Allow` statements of `document` that name the principal and
/// match the action and resource: what would have to hold for them to allow it.
/// With `outside`, statements whose conditions only requests from inside the zone meet
/// are left out.
fn conditions_for(
    document: &Arc<PolicyDocument>,
    ty: &PrincipalType,
    value: &str,
    action: &str,
    resource: &str,
    outside: Option<&Zone<'_>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for s in &document.statements {
        if s.effect != Effect::Allow || s.conditions.is_empty() {
            continue;
        }
        if outside.is_some_and(|z| z.confines(s)) {
            continue;
        }
        let names = s
            .principal
            .as_ref()
            .is_some_and(|p| p.entries.iter().any(|(t, v)| t == ty && v == value));
        let action_matches = match (&s.action, &s.not_action) {
            (Some(list), _) => list
                .iter()
                .any(|a| Glob::new(a, Case::Insensitive).is_match(action)),
            (None, Some(list)) => !list
                .iter()
                .any(|a| Glob::new(a, Case::Insensitive).is_match(action)),
            (None, None) => false,
        };
        let resource_matches = match (&s.resource, &s.not_resource) {
            (Some(list), _) => list
                .iter()
                .any(|r| ResourceMatcher::new(r).matches(resource)),
            (None, Some(list)) => !list
                .iter()
                .any(|r| ResourceMatcher::new(r).matches(resource)),
            (None, None) => true,
        };
        if names && action_matches && resource_matches {
            let text = s
                .conditions
                .iter()
                .map(|c| format!("{} {} {}", c.operator, c.key, c.values.join(", ")))
                .collect::<Vec<_>>()
                .join(" and ");
            let where_ = match &s.sid {
                Some(sid) => format!("statement {} ({sid}): ", s.index),
                None => format!("statement {}: ", s.index),
            };
            out.push(format!("{where_}{text}"));
        }
    }
    out
}
