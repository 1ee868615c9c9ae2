//! `iamsnap repl`: an interactive SQL shell over a snapshot (see `docs/repl.md`).

use std::path::PathBuf;

use crate::exit::{CliError, Exit};
use crate::limits::StatementLimits;
use crate::sql_output::QueryFormat;

/// An interactive SQL shell over a snapshot.
///
/// Statements end with `;` and may span lines; Tab completes tables, columns, functions and
/// keywords; `\?` lists the meta-commands (`\dt`, `\d TABLE`, `\df`, `\format`, `\timing`,
/// `\open`, `\q`). Ctrl-C cancels a running query; Ctrl-D quits. History is kept in
/// `$XDG_STATE_HOME/iamsnap/history` (default `~/.local/state/iamsnap/history`).
///
/// With stdin not a terminal, statements are read from it as a script: results on stdout,
/// errors on stderr, and exit code 2 if any statement failed.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot folder.
    snapshot: PathBuf,

    /// An older snapshot to compare with: its tables are `old.<table>`, the snapshot's are
    /// also `new.<table>`.
    #[arg(long, value_name = "DIR")]
    old: Option<PathBuf>,

    /// Output format at the start (`\format` changes it).
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    format: QueryFormat,

    #[command(flatten)]
    limits: StatementLimits,
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    crate::repl::run(&crate::repl::Options {
        snapshot: args.snapshot.clone(),
        old: args.old.clone(),
        format: args.format,
        limits: args.limits.limits(),
    })
}
