//! Who can reach a resource: every principal of the snapshot the evaluator allows (or
//! cannot decide for), and every principal the resource's policy names outside the
//! snapshot — other accounts, anyone, AWS services, identity providers — with the
//! resource side's decision and the conditions it depends on.

use std::sync::{Arc, LazyLock};

use iamsnap_catalog::glob::{Case, Glob};
use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, Decision, Effect, PolicyDocument, PolicySet,
    PrincipalKind, PrincipalType, RequestRef, ResourceMatcher, classify_principal, evaluate_ref,
    parse_document_text,
};

use crate::model::Model;
use crate::principal::ResourceSide;
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
static ALLOW_ALL: LazyLock<Option<CompiledPolicy>> = LazyLock::new(|| {
    parse_document_text(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .ok()
    .map(|d| CompiledPolicy::new("identity policies of the principal's own account", &d))
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
        let mut out = Vec::new();
        for (i, p) in self.principals().iter().enumerate() {
            if i % 4096 == 4095 && !keep_going() {
                return out;
            }
            let verdict = self.evaluate(p, action, resource, extra);
            if verdict.allowed() == Some(false) {
                continue;
            }
            out.push(Reach {
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
        let Some(document) = side.policy_document.and_then(|d| d.document()) else {
            return Vec::new();
        };
        let Some(policy) = side.policy else {
            return Vec::new();
        };
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
        let mut out = Vec::new();
        for (ty, value) in named {
            let info = classify_principal(ty, &value);
            let account = info.account.clone();
            // The snapshot's own principals were evaluated with their documents.
            if account.as_deref().is_some_and(|a| self.has_account(a)) {
                continue;
            }
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
                _ => value.clone(),
            };
            let mut context = Context::default();
            context.insert(
                "aws:SecureTransport",
                ContextValue::Single("true".to_owned()),
            );
            for (k, v) in side.context.iter().chain(extra) {
                context.insert(k, v.clone());
            }
            if let Some(a) = &account {
                context.insert("aws:PrincipalAccount", ContextValue::Single(a.clone()));
            }
            if matches!(
                info.kind,
                PrincipalKind::Role | PrincipalKind::User | PrincipalKind::AssumedRole
            ) {
                context.insert("aws:PrincipalArn", ContextValue::Single(value.clone()));
            }
            let service = info.kind == PrincipalKind::Service;
            // S3 Block Public Access keeps every other account out of a bucket whose policy
            // is public; AWS services still reach it.
            if side.blocks_other_accounts && !service {
                continue;
            }
            context.insert(
                "aws:PrincipalIsAWSService",
                ContextValue::Single(service.to_string()),
            );
            if service {
                context.insert(
                    "aws:PrincipalServiceName",
                    ContextValue::Single(value.clone()),
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
            let kind = info.kind.as_str().to_owned();
            let base = Reach {
                principal: requester.clone(),
                principal_type: kind,
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
                    out.push(Reach {
                        reason: format!("{}{who}", verdict.explain()),
                        ..base
                    });
                }
                Decision::ExplicitDeny => {}
                Decision::ImplicitDeny => {
                    let conditions = conditions_for(document, &ty, &value, action, resource);
                    if !conditions.is_empty() {
                        out.push(Reach {
                            decision: "conditional",
                            allowed: None,
                            reason: format!(
                                "allowed if the conditions hold: {}",
                                describe(&evaluation).replacen(
                                    "implicit deny: ",
                                    "without them: ",
                                    1
                                )
                            ),
                            conditions: Some(conditions.join("; ")),
                            ..base
                        });
                    }
                }
            }
        }
        out
    }
}

/// The conditions of the `Allow` statements of `document` that name the principal and
/// match the action and resource: what would have to hold for them to allow it.
fn conditions_for(
    document: &Arc<PolicyDocument>,
    ty: &PrincipalType,
    value: &str,
    action: &str,
    resource: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for s in &document.statements {
        if s.effect != Effect::Allow || s.conditions.is_empty() {
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
