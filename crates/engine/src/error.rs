use iamsnap_snapshot::SnapshotError;

/// Why a query or a snapshot could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The snapshot could not be opened or read.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The query is not valid SQL, or names something that does not exist.
    #[error("{message}")]
    Query {
        /// What is wrong.
        message: String,
        /// What to do, when there is something to say.
        help: Option<String>,
    },
    /// The query would change something; snapshots are read-only.
    #[error("{0}")]
    ReadOnly(String),
    /// The query was cancelled.
    #[error("query cancelled")]
    Cancelled,
    /// The statement ran longer than its time limit.
    #[error("the statement ran longer than its time limit of {}", crate::limits::format_duration(*.0))]
    Timeout(std::time::Duration),
    /// The query needed more memory than its limit (its operators and result together).
    #[error("the query needs more memory than its limit of {}", crate::limits::format_bytes(*.limit))]
    MemoryLimit {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A bug in iamsnap rather than a problem with the query.
    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    /// The stable code of this kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Snapshot(_) => "engine::snapshot",
            Self::Query { .. } => "engine::query",
            Self::ReadOnly(_) => "engine::read-only",
            Self::Cancelled => "engine::cancelled",
            Self::Timeout(_) => "engine::timeout",
            Self::MemoryLimit { .. } => "engine::memory-limit",
            Self::Internal(_) => "engine::internal",
        }
    }

    /// Advice to show with the error, if any.
    pub fn help(&self) -> Option<&str> {
        match self {
            Self::Query { help, .. } => help.as_deref(),
            Self::ReadOnly(_) => Some(
                "iamsnap queries only read: select from the snapshot's tables; to change data, re-create the snapshot",
            ),
            Self::Timeout(_) => Some(
                "narrow the statement (a WHERE clause, a LIMIT), or allow it more time with --timeout (e.g. --timeout 30m, or --timeout none)",
            ),
            Self::MemoryLimit { .. } => Some(
                "narrow the result (a WHERE clause, a LIMIT, fewer columns), or allow more memory with --memory-limit (e.g. --memory-limit 8GiB)",
            ),
            Self::Internal(_) => Some(
                "this is a bug in iamsnap or in the query engine it uses: please report it with the statement that caused it",
            ),
            _ => None,
        }
    }
}

/// DataFusion's errors carry no position in the statement, so these errors have no label:
/// the message names what is wrong.
impl miette::Diagnostic for EngineError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(EngineError::code(self)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        EngineError::help(self).map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}
