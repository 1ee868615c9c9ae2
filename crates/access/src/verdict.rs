//! Decisions with their explanations, and the one rule for documents a snapshot lacks.

use std::sync::Arc;

use iamsnap_policy::{Decision, Evaluation, ImplicitDenyReason, StatementRef};

/// The outcome of asking whether a principal may make a request.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The decision made with the documents the snapshot has.
    evaluation: Evaluation,
    /// Set when the snapshot lacks a document that could change the decision: what is
    /// missing, in words.
    unknown: Option<String>,
    /// The levels of service control policies (first) and resource control policies
    /// (second) the evaluation went through, to name them.
    controls: [Option<Arc<ControlNames>>; 2],
    /// Said after the explanation (the region a request was evaluated in).
    note: Option<String>,
}

/// What the levels of service and resource control policies of an evaluation were
/// (`root r-ab12`, `OU Prod (ou-ab12-34cd)`, `account 111122223333`), for explanations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlNames {
    /// The levels of service control policies, from the root down.
    pub service: Vec<String>,
    /// The levels of resource control policies, from the root down.
    pub resource: Vec<String>,
}

impl Verdict {
    /// A decision that depends on nothing the snapshot lacks.
    pub fn known(evaluation: Evaluation) -> Self {
        Self {
            evaluation,
            unknown: None,
            controls: [None, None],
            note: None,
        }
    }

    /// The same verdict, with `note` said after its explanation.
    pub fn with_note(mut self, note: String) -> Self {
        self.note = Some(note);
        self
    }

    /// The same verdict, naming the levels of service control policies (from the
    /// principal's account) and resource control policies (from the resource's) it went
    /// through.
    pub fn with_controls(
        mut self,
        service: Option<Arc<ControlNames>>,
        resource: Option<Arc<ControlNames>>,
    ) -> Self {
        self.controls = [service, resource];
        self
    }

    /// `Some(true)` for allow, `Some(false)` for deny, `None` when unknown.
    pub fn allowed(&self) -> Option<bool> {
        match self.unknown {
            None => Some(self.evaluation.decision == Decision::Allow),
            Some(_) => None,
        }
    }

    /// The decision made with the documents the snapshot has (the whole answer when the
    /// verdict is known).
    pub fn evaluation(&self) -> &Evaluation {
        &self.evaluation
    }

    /// What the snapshot lacks, when the verdict is unknown.
    pub fn unknown_reason(&self) -> Option<&str> {
        self.unknown.as_deref()
    }

    /// `allow`, `explicit deny`, `implicit deny` or `unknown`.
    pub fn decision(&self) -> &'static str {
        if self.unknown.is_some() {
            return "unknown";
        }
        match self.evaluation.decision {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit deny",
            Decision::ImplicitDeny => "implicit deny",
        }
    }

    /// The decision and the statements that made it, in one line.
    pub fn explain(&self) -> String {
        let names = |level: ControlLevel| match level {
            ControlLevel::Service(n) => self.controls[0].as_ref()?.service.get(n).cloned(),
            ControlLevel::Resource(n) => self.controls[1].as_ref()?.resource.get(n).cloned(),
        };
        let mut described = describe_with(&self.evaluation, &names);
        if let Some(note) = &self.note {
            described.push_str(&format!(" ({note})"));
        }
        match &self.unknown {
            None => described,
            Some(reason) => format!("unknown: {reason}; without it: {described}"),
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
    describe_with(e, &|_| None)
}

/// [`describe`], naming the levels of control policies with `name`.
pub fn describe_with(e: &Evaluation, name: &dyn Fn(ControlLevel) -> Option<String>) -> String {
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
            implicit_deny_reason(e.implicit_deny, name)
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
        Some(name) => format!("no {kind} control policy at {name} allows it"),
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
        Some(ImplicitDenyReason::BlockPublicAccess) => {
            "S3 Block Public Access (RestrictPublicBuckets) blocks other accounts: the bucket's policy is public".to_owned()
        }
        Some(ImplicitDenyReason::NoAllow) | None => "no policy allows it".to_owned(),
    }
}

/// Documents that apply to a request but that the snapshot lacks, for [`settle`]: each
/// as the reason an answer is unknown (`identity policy k has no readable document in the
/// snapshot`).
#[derive(Debug, Default, Clone)]
pub struct Missing {
    /// A document that could allow or deny.
    pub may_allow_or_deny: Option<String>,
    /// A document that can only take an allow away (a permissions boundary, a control
    /// policy).
    pub may_only_restrict: Option<String>,
}

/// The one rule for documents a snapshot lacks: an explicit deny stands whatever they say;
/// otherwise a missing document that could allow or deny makes the answer unknown, and a
/// missing document that can only restrict makes an allow unknown.
pub fn settle(evaluation: Evaluation, missing: Missing) -> Verdict {
    if evaluation.decision == Decision::ExplicitDeny {
        return Verdict::known(evaluation);
    }
    if let Some(reason) = missing.may_allow_or_deny {
        return Verdict {
            evaluation,
            unknown: Some(reason),
            controls: [None, None],
            note: None,
        };
    }
    if let (Decision::Allow, Some(reason)) = (evaluation.decision, missing.may_only_restrict) {
        return Verdict {
            evaluation,
            unknown: Some(reason),
            controls: [None, None],
            note: None,
        };
    }
    Verdict::known(evaluation)
}
