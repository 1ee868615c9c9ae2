//! Decisions with their explanations, and the one rule for documents a snapshot lacks.

use iamsnap_policy::{Decision, Evaluation, ImplicitDenyReason, StatementRef};

/// The outcome of asking whether a principal may make a request.
#[derive(Debug)]
pub enum Verdict {
    /// What AWS decides.
    Known(Evaluation),
    /// The snapshot lacks a document that could change the decision; `partial` is the
    /// decision without it.
    Unknown {
        /// What is missing, in words.
        reason: String,
        /// The decision made with the documents the snapshot has.
        partial: Evaluation,
    },
}

impl Verdict {
    /// `Some(true)` for allow, `Some(false)` for deny, `None` when unknown.
    pub fn allowed(&self) -> Option<bool> {
        match self {
            Self::Known(e) => Some(e.decision == Decision::Allow),
            Self::Unknown { .. } => None,
        }
    }

    /// `allow`, `explicit deny`, `implicit deny` or `unknown`.
    pub fn decision(&self) -> &'static str {
        match self {
            Self::Known(e) => match e.decision {
                Decision::Allow => "allow",
                Decision::ExplicitDeny => "explicit deny",
                Decision::ImplicitDeny => "implicit deny",
            },
            Self::Unknown { .. } => "unknown",
        }
    }

    /// The decision and the statements that made it, in one line.
    pub fn explain(&self) -> String {
        match self {
            Self::Known(e) => describe(e),
            Self::Unknown { reason, partial } => {
                format!("unknown: {reason}; without it: {}", describe(partial))
            }
        }
    }
}

/// A statement as explanations name it: `identity policy <name> statement 2 (Sid)`.
pub fn statement_text(s: &StatementRef) -> String {
    let mut out = format!(
        "{} policy {} statement {}",
        s.kind.as_str(),
        s.policy,
        s.index
    );
    if let Some(sid) = &s.sid {
        out.push_str(&format!(" ({sid})"));
    }
    out
}

/// An evaluation in one line: the decision and the statements that made it, or why
/// nothing allowed the request.
pub fn describe(e: &Evaluation) -> String {
    let statements = || {
        e.statements
            .iter()
            .map(statement_text)
            .collect::<Vec<_>>()
            .join("; ")
    };
    match e.decision {
        Decision::Allow => format!("allow: {}", statements()),
        Decision::ExplicitDeny => format!("explicit deny: {}", statements()),
        Decision::ImplicitDeny => format!(
            "implicit deny: {}",
            implicit_deny_reason(e.implicit_deny, &|_| None)
        ),
    }
}

/// A level of the organization's control policies, for [`implicit_deny_reason`] to name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlLevel {
    /// The service control policies at this level (0: the root).
    Service(usize),
    /// The resource control policies at this level.
    Resource(usize),
}

/// Why nothing allowed a request that no statement denied, in words; `name` names the
/// control policies of a level when the caller knows them.
pub fn implicit_deny_reason(
    reason: Option<ImplicitDenyReason>,
    name: &dyn Fn(ControlLevel) -> Option<String>,
) -> String {
    let control = |kind: &str, level: ControlLevel, n: usize| match name(level) {
        Some(name) => format!("the {kind} control policy `{name}` does not allow it"),
        None => format!("no {kind} control policy at level {n} allows it"),
    };
    match reason {
        Some(ImplicitDenyReason::PermissionsBoundary) => {
            "the permissions boundary does not allow it".to_owned()
        }
        Some(ImplicitDenyReason::SessionPolicy) => {
            "the session policy does not allow it".to_owned()
        }
        Some(ImplicitDenyReason::ServiceControl(level)) => {
            control("service", ControlLevel::Service(level), level)
        }
        Some(ImplicitDenyReason::ResourceControl(level)) => {
            control("resource", ControlLevel::Resource(level), level)
        }
        Some(ImplicitDenyReason::CrossAccountResourcePolicy) => {
            "across accounts, the resource's policy must allow the principal".to_owned()
        }
        Some(ImplicitDenyReason::ResourcePolicyTrust) => {
            "the key policy or trust policy does not trust the principal's account".to_owned()
        }
        Some(ImplicitDenyReason::CrossAccountIdentity) => {
            "across accounts, the principal's identity policies must allow it".to_owned()
        }
        Some(ImplicitDenyReason::NoAllow) | None => "no policy allows it".to_owned(),
    }
}

/// Documents that apply to a request but that the snapshot lacks, for [`settle`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Missing<'a> {
    /// A policy that could allow or deny: what it is (`identity policy`) and its key.
    pub may_allow_or_deny: Option<(&'static str, &'a str)>,
    /// A policy that can only take an allow away: what it is (`permissions boundary`) and
    /// its key.
    pub may_only_restrict: Option<(&'static str, &'a str)>,
}

/// The one rule for documents a snapshot lacks: an explicit deny stands whatever they say;
/// otherwise a missing document that could allow or deny makes the answer unknown, and a
/// missing document that can only restrict makes an allow unknown.
pub fn settle(evaluation: Evaluation, missing: Missing<'_>) -> Verdict {
    if evaluation.decision == Decision::ExplicitDeny {
        return Verdict::Known(evaluation);
    }
    if let Some((what, key)) = missing.may_allow_or_deny {
        return Verdict::Unknown {
            reason: format!("{what} {key} has no readable document in the snapshot"),
            partial: evaluation,
        };
    }
    if let (Decision::Allow, Some((what, key))) = (evaluation.decision, missing.may_only_restrict) {
        return Verdict::Unknown {
            reason: format!("{what} {key} is not in the snapshot"),
            partial: evaluation,
        };
    }
    Verdict::Known(evaluation)
}
