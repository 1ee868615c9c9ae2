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
    /// A bug in iamsnap rather than a problem with the query.
    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    /// Advice to show with the error, if any.
    pub fn help(&self) -> Option<&str> {
        match self {
            Self::Query { help, .. } => help.as_deref(),
            Self::ReadOnly(_) => Some(
                "iamsnap queries only read: select from the snapshot's tables; to change data, re-create the snapshot",
            ),
            _ => None,
        }
    }
}
