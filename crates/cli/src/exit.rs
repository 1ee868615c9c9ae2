//! Exit codes and the reporting of errors at the edge of the program.

use std::process::ExitCode;

use crate::output::{cut_lines, escape_lines};

/// How a successful run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done, nothing to report.
    Clean,
    /// 1: done, and something at or above the asked threshold was found.
    Findings,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Clean => ExitCode::SUCCESS,
            Exit::Findings => ExitCode::from(1),
        }
    }
}

/// A run that failed: bad input, a usage error or an I/O failure. Exits with code 2.
#[derive(Debug)]
pub enum CliError {
    /// A message and what to do about it.
    User {
        message: String,
        help: Option<String>,
    },
    /// Standard output was closed by its reader (`iamsnap ... | head`): exit quietly.
    BrokenPipe,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        Self::User {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(message: impl Into<String>, help: impl Into<String>) -> Self {
        Self::User {
            message: message.into(),
            help: Some(help.into()),
        }
    }

    pub fn report(self) -> ExitCode {
        match self {
            Self::BrokenPipe => ExitCode::SUCCESS,
            Self::User { message, help } => {
                let (message, help) = (printable(&message), printable(&help.unwrap_or_default()));
                let report = miette::miette!(help = help, "{message}");
                let handler = miette::GraphicalReportHandler::new();
                let mut text = String::new();
                // Plain text when stderr is not a terminal, so logs stay readable.
                let rendered = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                    handler.render_report(&mut text, report.as_ref()).is_ok()
                } else {
                    false
                };
                if rendered {
                    eprint!("{text}");
                } else {
                    eprintln!("error: {}", report);
                    if let Some(help) = report.help() {
                        let help = help.to_string();
                        if !help.is_empty() {
                            eprintln!("help: {help}");
                        }
                    }
                }
                ExitCode::from(2)
            }
        }
    }
}

/// Longest line of an error message printed, in characters: a message quoting a huge
/// input keeps its start and end (see [`cut_lines`]).
pub const MAX_ERROR_LINE: usize = 1000;

/// An error message as printed: the input it quotes (role names, file names, SQL) may hold
/// control characters, shown as escapes, and may be huge, cut to [`MAX_ERROR_LINE`].
pub fn printable(message: &str) -> String {
    escape_lines(&cut_lines(message, MAX_ERROR_LINE)).into_owned()
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::new(format!("cannot write output: {e}"))
        }
    }
}

impl From<iamsnap_snapshot::SnapshotError> for CliError {
    fn from(e: iamsnap_snapshot::SnapshotError) -> Self {
        use iamsnap_snapshot::SnapshotError as E;
        let help = match &e {
            E::Exists { .. } => Some("pass --force to replace it, or choose another folder"),
            E::NotReplaceable { .. } => Some(
                "move the other files out of the folder, or choose another folder: a snapshot is only replaced when its folder holds nothing else",
            ),
            E::NotASnapshot { .. } => {
                Some("create a snapshot with `iamsnap import` and give its folder")
            }
            E::FormatVersion { .. } => Some(
                "re-create the snapshot with this iamsnap (import or export again), or use the iamsnap version that wrote it",
            ),
            E::HashMismatch { .. } | E::MissingFile { .. } => Some(
                "snapshots are read-only: re-create the snapshot from its source rather than editing its files",
            ),
            E::Manifest { .. }
            | E::Tables { .. }
            | E::Schema { .. }
            | E::FileSchema { .. }
            | E::RowCount { .. }
            | E::Damaged { .. } => {
                Some("the snapshot is damaged or from another tool; re-create it")
            }
            E::NotAFile { .. } => Some(
                "copy the snapshot so that its table files are regular files (e.g. `cp -rL`), and open the copy",
            ),
            E::Changed { .. } => Some(
                "a snapshot's files must not change while it is open: re-create the snapshot, then open it again",
            ),
            _ => None,
        };
        Self::User {
            message: e.to_string(),
            help: help.map(str::to_owned),
        }
    }
}

impl From<iamsnap_import::ImportError> for CliError {
    fn from(e: iamsnap_import::ImportError) -> Self {
        use iamsnap_import::ImportError as E;
        let help = match &e {
            E::Snapshot(_) => None,
            E::AuthDetails { .. } => Some(
                "give the output of `aws iam get-account-authorization-details` (one file per page)",
            ),
            E::Document { .. } => Some(
                "policy documents must be valid IAM policy JSON, decoded or URL-encoded as the IAM API returns them",
            ),
            E::Conflict { .. } => Some(
                "give each page of one capture once; pages of different captures of the same account cannot be merged",
            ),
            E::Truncated { .. } => Some(
                "fetch the remaining pages (`aws iam get-account-authorization-details --starting-token <marker>`) and give every page, or pass --allow-truncated to import what is there",
            ),
            E::Account { .. } | E::Io { .. } => None,
            E::CredentialReport { .. } => Some(
                "give the CSV of `aws iam get-credential-report --query Content --output text | base64 -d`",
            ),
        };
        match e {
            // The snapshot layer's advice applies as is.
            E::Snapshot(inner) => inner.into(),
            other => Self::User {
                message: other.to_string(),
                help: help.map(str::to_owned),
            },
        }
    }
}
