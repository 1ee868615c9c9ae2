//! One module per subcommand.

pub mod catalog;
pub mod check;
pub mod diff;
pub mod escalation;
pub mod export;
pub mod generate;
pub mod import;
pub mod inspect;
pub mod policy;
pub mod query;
pub mod repl;
pub mod rules;
pub mod schema;
pub mod test;
