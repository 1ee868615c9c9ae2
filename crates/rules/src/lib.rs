//! The iamsnap rule language.
//!
//! A pack (`*.rules`, grammar in `grammar/rules.pest`) holds rules, named predicates,
//! parameters and tests. Rules are parsed to an AST that keeps source spans, checked, and
//! compiled to DataFusion logical plans over a snapshot's tables; running them gives
//! [`Finding`]s, which a [`baseline`] can suppress.

// A [`Diagnostic`] carries its source, span, label and help so that it renders alone; it is
// returned only when a pack is wrong, never on a hot path, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod ast;
pub mod baseline;
#[cfg(feature = "engine")]
mod compile;
#[cfg(feature = "engine")]
mod coverage;
mod diag;
#[cfg(feature = "engine")]
pub mod entity;
mod finding;
mod fix;
pub mod limits;
mod lint;
mod pack;
mod parse;
mod print;
mod reference;
#[cfg(feature = "engine")]
mod run;
mod template;

#[cfg(feature = "engine")]
pub use compile::{CompiledRule, compile_pack};
#[cfg(feature = "engine")]
pub use coverage::without_data;
pub use diag::{Code, Diagnostic, Diagnostics, Level, Source};
pub use finding::{
    Finding, MissingData, Report, RuleInfo, RuleLocation, RuleWithoutData, Severity,
    SuppressedFinding,
};
pub use fix::{Attachment, Fix, quote as shell_quote, remove_policy};
pub use pack::{EMBEDDED, Origin, Pack, PackDefine, PackRule, PackTest};
pub use parse::parse_pack;
pub use print::{expr as print_expr, print_pack};
pub use reference::reference_markdown;
#[cfg(feature = "engine")]
pub use run::{RunError, run_rules};
pub use template::RuleTexts;
