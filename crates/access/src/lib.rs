//! The access model of a snapshot: the one place that knows, for each user and role, every
//! document that applies to it (identity policies, direct and inherited from groups, and
//! its permissions boundary) with the state of each (present, missing, not captured,
//! unreadable), the request context AWS sets for it, whether it is a non-human identity
//! and why (and whether any customer can act as it at all), decisions with their
//! explanations, and which optional parts of the account state a snapshot holds
//! ([`coverage`]).
//!
//! One rule for documents a snapshot lacks, used by every caller ([`verdict::settle`]):
//! the answer is *unknown*, with what is missing, unless an explicit deny settles it.
//!
//! The query engine (`can`, `explain`, `permissions`, `principals`), the rules compiled
//! onto it, `diff` and `policy escalations` all answer from here. Further documents of a
//! request (SCPs of an account's OU chain, RCPs, resource policies, session policies) are
//! further [`Document`]s of a principal or of a request, settled by the same rule.

pub mod chains;
pub mod coverage;
mod document;
pub mod external;
mod model;
pub mod nhi;
pub mod organization;
mod principal;
pub mod reach;
pub mod resource_policy;
pub mod resources;
pub mod verdict;

pub use document::{Document, DocumentState};
pub use model::{Environment, Model};
pub use nhi::Nhi;
pub use principal::{AttachedPolicy, Escalations, Principal, PrincipalParts};
pub use resource_policy::{AWS_OWNER, is_aws_owned};
pub use verdict::Verdict;
