//! Privilege escalation: the published ways in which an IAM principal can give itself more
//! permissions than it has, and which of them a principal's policies allow.
//!
//! The methods are data, `data/escalation-methods.json`, embedded in the crate and checked
//! against the action catalog when first used ([`methods`]). Each method lists
//! alternatives; each alternative lists the actions (on representative resources, with the
//! condition keys the attacker's request carries) that must all be allowed.
//! [`possible_escalations`] asks the evaluator ([`crate::evaluate`]) about every one of them,
//! so explicit denies, permissions boundaries, session policies, SCPs, RCPs and conditions
//! count exactly as they do for a simulated request.
//!
//! ```
//! use iamsnap_policy::escalation::possible_escalations;
//! use iamsnap_policy::{CompiledPolicy, Context, PolicySet, parse_document_text};
//!
//! let doc = parse_document_text(
//!     r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
//!         "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
//!         "Resource": "*"}]}"#,
//! )?;
//! let identity = [CompiledPolicy::new("deployer", &doc)];
//! let policies = PolicySet { identity: &identity, ..Default::default() };
//! let found = possible_escalations(
//!     "arn:aws:iam::111122223333:role/deployer",
//!     "111122223333",
//!     &policies,
//!     &Context::default(),
//! );
//! assert!(found.iter().any(|f| f.method.id == "PASSROLE-LAMBDA-CREATE-INVOKE"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The reference of the methods, `docs/escalation.md`, is [`markdown`].

mod assess;
mod docs;
mod error;
mod load;
mod model;
mod template;

use std::sync::OnceLock;

use iamsnap_catalog::Catalog;

use crate::eval::{Context, PolicySet};

pub use assess::{
    AlternativeOutcome, Assessment, DEFAULT_REGION, Finding, Skipped, Step, StepOutcome,
    TARGET_NAME, assess, escalations_in,
};
pub use docs::render_markdown;
pub use error::EscalationError;
pub use model::{IdentityKind, Method, Requirement, ResourcePolicy, Severity};

/// The methods' data, written by hand and checked by [`methods`].
pub(crate) const DATA: &str = include_str!("../../data/escalation-methods.json");

static METHODS: OnceLock<Result<Vec<Method>, EscalationError>> = OnceLock::new();

/// The shipped methods, parsed and checked against the embedded action catalog on first
/// use and shared afterwards.
///
/// An error means the shipped data (or the catalog) is damaged: a build defect, which the
/// crate's tests rule out.
pub fn methods() -> Result<&'static [Method], EscalationError> {
    METHODS
        .get_or_init(|| load::parse(DATA, Catalog::embedded()?))
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// The shipped method with this id.
pub fn method(id: &str) -> Result<Option<&'static Method>, EscalationError> {
    Ok(methods()?.iter().find(|m| m.id == id))
}

/// The shipped methods that the principal `principal_arn` can use on resources of
/// `account`, given its policies and the request context: for each method, its first
/// alternative whose every action the evaluator allows, with the statements that allow
/// them.
///
/// `policies.resource` is not used (see [`assess`]). The keys AWS sets for every request
/// of an IAM principal (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
/// `aws:username`) are added to `context` when it does not set them.
///
/// Returns nothing if the shipped methods cannot be loaded; [`methods`] says why.
pub fn possible_escalations(
    principal_arn: &str,
    account: &str,
    policies: &PolicySet<'_>,
    context: &Context,
) -> Vec<Finding<'static>> {
    match methods() {
        Ok(all) => escalations_in(all, principal_arn, account, policies, context),
        Err(_) => Vec::new(),
    }
}

/// The Markdown reference of the shipped methods: the text of `docs/escalation.md`.
pub fn markdown() -> Result<String, EscalationError> {
    Ok(render_markdown(methods()?))
}
