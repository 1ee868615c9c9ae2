//! Backslash meta-commands of the REPL (`\dt`, `\d users`, `\format csv`, ...).

use std::path::PathBuf;
use std::str::FromStr;

use iamsnap_catalog::glob::Case;
use iamsnap_catalog::suggest::closest;

use crate::sql_output::QueryFormat;

/// A meta-command: a line starting with `\`, on its own line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `\dt`: list tables and views with their row counts and what a row is.
    ListTables,
    /// `\d TABLE`: describe a table's columns, types and meaning.
    Describe(String),
    /// `\df`: list the IAM-aware functions with their documentation.
    ListFunctions,
    /// `\format [table|csv|json|ndjson]`: show or set the output format.
    Format(Option<QueryFormat>),
    /// `\timing [on|off]`: toggle (or set) printing the elapsed time and row count.
    Timing(Option<bool>),
    /// `\open PATH [OLD]`: open another snapshot (with OLD: a pair, `old.` / `new.`).
    Open {
        snapshot: PathBuf,
        old: Option<PathBuf>,
    },
    /// `\q`: quit.
    Quit,
    /// `\?` or `\help`: list the meta-commands.
    Help,
}

/// Every meta-command with its one-line description, for `\?`.
pub const HELP: &[(&str, &str)] = &[
    ("\\dt", "list tables and views, with row counts"),
    ("\\d TABLE", "describe a table: columns, types, meaning"),
    (
        "\\df",
        "list the IAM-aware functions with their documentation",
    ),
    (
        "\\format [table|csv|json|ndjson]",
        "show or set the output format",
    ),
    (
        "\\timing [on|off]",
        "toggle printing the elapsed time and row count",
    ),
    (
        "\\open PATH [OLD]",
        "open another snapshot (with OLD: tables also as old.<t> / new.<t>)",
    ),
    ("\\q", "quit (or Ctrl-D)"),
    ("\\? or \\help", "this list"),
];

/// The names of the meta-commands, for completion.
pub const NAMES: &[&str] = &[
    "\\dt", "\\d", "\\df", "\\format", "\\timing", "\\open", "\\q", "\\?", "\\help",
];

/// Why a meta-command line could not be understood: a message and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    pub message: String,
    pub help: String,
}

impl CommandError {
    fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            help: help.into(),
        }
    }
}

impl FromStr for Command {
    type Err = CommandError;

    fn from_str(line: &str) -> Result<Self, CommandError> {
        let line = line.trim().trim_end_matches(';').trim_end();
        let mut words = line.split_whitespace();
        let name = words.next().unwrap_or_default();
        let args: Vec<&str> = words.collect();
        let no_args = |cmd: Command| {
            if args.is_empty() {
                Ok(cmd)
            } else {
                Err(CommandError::new(
                    format!("`{name}` takes no argument"),
                    format!("type `{name}` alone"),
                ))
            }
        };
        match name {
            "\\dt" => no_args(Command::ListTables),
            "\\df" => no_args(Command::ListFunctions),
            "\\q" | "\\quit" => no_args(Command::Quit),
            "\\?" | "\\help" | "\\h" => no_args(Command::Help),
            "\\d" => match args.as_slice() {
                [table] => Ok(Command::Describe((*table).to_owned())),
                [] => Ok(Command::ListTables),
                _ => Err(CommandError::new(
                    "`\\d` takes one table name",
                    "for example `\\d roles`",
                )),
            },
            "\\format" => match args.as_slice() {
                [] => Ok(Command::Format(None)),
                [format] => format
                    .parse::<QueryFormat>()
                    .map(|f| Command::Format(Some(f)))
                    .map_err(|e| CommandError::new(e, "for example `\\format csv`")),
                _ => Err(CommandError::new(
                    "`\\format` takes one format",
                    "use table, csv, json or ndjson",
                )),
            },
            "\\timing" => match args.as_slice() {
                [] => Ok(Command::Timing(None)),
                [word] => match word.to_ascii_lowercase().as_str() {
                    "on" => Ok(Command::Timing(Some(true))),
                    "off" => Ok(Command::Timing(Some(false))),
                    other => Err(CommandError::new(
                        format!("`\\timing` takes on or off, not `{other}`"),
                        "type `\\timing` alone to toggle it",
                    )),
                },
                _ => Err(CommandError::new(
                    "`\\timing` takes at most one word",
                    "type `\\timing` alone to toggle it",
                )),
            },
            "\\open" => match args.as_slice() {
                [snapshot] => Ok(Command::Open {
                    snapshot: PathBuf::from(snapshot),
                    old: None,
                }),
                [snapshot, old] => Ok(Command::Open {
                    snapshot: PathBuf::from(snapshot),
                    old: Some(PathBuf::from(old)),
                }),
                _ => Err(CommandError::new(
                    "`\\open` takes a snapshot folder, and optionally an older one",
                    "for example `\\open snapshots/demo-2026-11-22 snapshots/demo-2026-11-01`",
                )),
            },
            other => Err(CommandError::new(
                format!("unknown meta-command `{other}`"),
                match suggest(other) {
                    Some(s) => format!("did you mean `{s}`? `\\?` lists the meta-commands"),
                    None => "`\\?` lists the meta-commands".to_owned(),
                },
            )),
        }
    }
}

/// The meta-command closest to a mistyped one, if any is close (two edits at most).
fn suggest(typed: &str) -> Option<&'static str> {
    closest(typed, NAMES.iter().copied(), 2, Case::Sensitive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Command, CommandError> {
        s.parse()
    }

    #[test]
    fn parses_every_command() {
        assert_eq!(parse("\\dt"), Ok(Command::ListTables));
        assert_eq!(
            parse("  \\d roles  "),
            Ok(Command::Describe("roles".into()))
        );
        assert_eq!(parse("\\df"), Ok(Command::ListFunctions));
        assert_eq!(
            parse("\\format CSV"),
            Ok(Command::Format(Some(QueryFormat::Csv)))
        );
        assert_eq!(parse("\\format"), Ok(Command::Format(None)));
        assert_eq!(parse("\\timing"), Ok(Command::Timing(None)));
        assert_eq!(parse("\\timing off"), Ok(Command::Timing(Some(false))));
        assert_eq!(
            parse("\\open a b"),
            Ok(Command::Open {
                snapshot: "a".into(),
                old: Some("b".into())
            })
        );
        assert_eq!(parse("\\q"), Ok(Command::Quit));
        assert_eq!(parse("\\q;"), Ok(Command::Quit));
        assert_eq!(parse("\\?"), Ok(Command::Help));
        assert_eq!(parse("\\help"), Ok(Command::Help));
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = parse("\\dtt").unwrap_err();
        assert!(e.message.contains("unknown meta-command `\\dtt`"));
        assert!(e.help.contains("did you mean `\\dt`"));
        let e = parse("\\format xml").unwrap_err();
        assert!(e.message.contains("unknown format"));
        assert!(parse("\\timing maybe").is_err());
        assert!(parse("\\open").is_err());
        assert!(parse("\\q now").is_err());
        let e = parse("\\zzzzzz").unwrap_err();
        assert_eq!(e.help, "`\\?` lists the meta-commands");
    }
}
