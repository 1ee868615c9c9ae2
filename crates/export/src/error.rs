//! Why a live export failed.

use iamsnap_snapshot::{MissingPart, SnapshotError};

use iamsnap_import::ImportError;

/// How an API call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The caller lacks the IAM permission (`AccessDenied`, HTTP 403).
    Denied,
    /// The entity does not exist (`NoSuchEntity`, HTTP 404).
    NotFound,
    /// Still throttled after every retry.
    Throttled,
    /// The request could not be sent or got no answer (connection refused, timeout).
    Unreachable,
    /// Any other error, e.g. a 5xx answer after every retry.
    Other,
}

/// A failed API call, naming the operation and the IAM action behind it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: {message}")]
pub struct ApiError {
    /// The operation, e.g. `GetCredentialReport`.
    pub operation: &'static str,
    /// The IAM action that allows it, e.g. `iam:GetCredentialReport`.
    pub action: &'static str,
    /// What kind of failure.
    pub kind: FailureKind,
    /// The AWS error code, when the service answered one.
    pub code: Option<String>,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// What AWS (or the transport) said.
    pub message: String,
}

impl ApiError {
    /// One line for the manifest: what failed and what to do.
    pub fn reason(&self) -> String {
        match self.kind {
            FailureKind::Denied => format!(
                "AccessDenied: grant {} ({} was refused: {})",
                self.action, self.operation, self.message
            ),
            FailureKind::Throttled => format!(
                "{} was still throttled after every retry: {}",
                self.operation, self.message
            ),
            _ => format!("{} failed: {}", self.operation, self.message),
        }
    }
}

/// Why a live export failed. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No credentials, no usable profile, or a bad flag value.
    #[error("{0}")]
    Config(String),
    /// A CloudTrail source cannot be read as given: a bucket that does not exist, an S3
    /// location without log objects, a `LookupEvents` range beyond 90 days.
    #[error("{message}")]
    Source {
        /// What is wrong, naming the source.
        message: String,
        /// What to do about it.
        help: String,
    },
    /// An API without which there is no snapshot failed (the caller identity or the
    /// authorization details).
    #[error("{0}")]
    Api(ApiError),
    /// `--strict`: some parts could not be read.
    #[error("the export is incomplete: {}", describe(.0))]
    Incomplete(Vec<MissingPart>),
    /// The data read does not make valid tables (e.g. a malformed policy document).
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Writing the snapshot failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// A worker task failed.
    #[error("internal error: {0}")]
    Internal(String),
}

fn describe(parts: &[MissingPart]) -> String {
    parts
        .iter()
        .map(|p| format!("{}: {}", p.subject(), p.reason))
        .collect::<Vec<_>>()
        .join("; ")
}
