//! Shared rendering of tables for the terminal.
//!
//! Cell text comes from snapshots, packs and SQL, which may be an attacker's: every cell
//! and header goes through [`escape`], so control characters show as escapes rather than
//! act on the terminal.

use std::fmt;

use comfy_table::ContentArrangement;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use serde::Serialize;

use crate::exit::CliError;
pub use crate::report::text::{cut_lines, escape, escape_lines};

/// A table whose cells are escaped as they are added.
#[derive(Debug)]
pub struct Table(comfy_table::Table);

impl Table {
    /// Adds a row; each cell is escaped.
    pub fn add_row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.0
            .add_row(cells.into_iter().map(|c| escape(c.as_ref()).into_owned()));
        self
    }

    /// Fixes the width (the terminal's otherwise).
    pub fn set_width(&mut self, width: u16) -> &mut Self {
        self.0.set_width(width);
        self
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A table with a header, wrapped to the terminal's width when there is one.
pub fn table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut t = comfy_table::Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.into_iter().map(|c| escape(c.as_ref()).into_owned()));
    Table(t)
}

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
    let mut s = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::new(format!("internal error: {e}")))?;
    s.push('\n');
    Ok(crate::report::text::json(s))
}
