//! The IAM policy language.
//!
//! Parses IAM JSON policy documents (identity, resource, trust, boundary, SCP and RCP
//! documents) into a typed model. Documents may arrive decoded (as the AWS CLI prints them)
//! or URL-encoded (as the IAM API returns them); [`parse_document_text`] accepts both.
//!
//! This crate is pure: no I/O, no async. Errors name the place in the document (a JSON path
//! such as `Statement[1].Condition`) and, for JSON syntax errors, the line and column.

mod condition;
mod document;
mod error;
mod eval;
mod locate;
mod parse;
mod principal;
mod public;

pub use condition::{ConditionOperator, OperatorFamily, SetQualifier};
pub use document::{Condition, Effect, NameList, PolicyDocument, Statement};
pub use error::{DocumentError, PolicyError, Problem};
pub use eval::{
    CompiledPolicy, Context, ContextValue, Decision, Evaluation, ImplicitDenyReason, PolicyKind,
    PolicySet, Request, RequestRef, Requester, ResourceMatcher, StatementRef, evaluate,
    evaluate_ref,
};
pub use parse::{
    DocumentKind, decode_document_text, parse_document, parse_document_as, parse_document_text,
    parse_document_text_as,
};
pub use principal::{Principal, PrincipalInfo, PrincipalKind, PrincipalType, classify_principal};
pub use public::is_public_bucket_policy;
pub mod escalation;
mod print;
pub mod rewrite;
