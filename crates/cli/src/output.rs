//! Shared rendering of tables and JSON for the terminal, for every command.
//!
//! Cell text comes from snapshots, packs and SQL, which may be an attacker's: every cell
//! and header goes through [`escape`], so control characters show as escapes rather than
//! act on the terminal. The table and the escaping are the report renderers' own
//! ([`crate::report::text`]), so `check`, `diff` and the other commands print alike.

use serde::Serialize;

use crate::exit::CliError;
pub use crate::report::text::{cut_lines, escape, escape_lines, table};

/// Aligned text for people, or JSON for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text.
    Table,
    /// JSON.
    Json,
}

/// Pretty JSON text with a final newline; characters a terminal could act on that JSON
/// encoders leave raw (C1 and bidirectional controls) are `\uXXXX` escapes.
pub fn to_json(value: &impl Serialize) -> Result<String, CliError> {
    crate::report::to_json(value).map_err(|e| CliError::new(format!("internal error: {e}")))
}
