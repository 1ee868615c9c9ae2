use iamsnap_cloudtrail::excerpt;
use iamsnap_policy::PolicyError;
use iamsnap_snapshot::SnapshotError;

/// Why an import failed. Every variant names the input file and the place in it.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not valid JSON, or not shaped like `get-account-authorization-details`
    /// output (a field is missing or has the wrong type).
    #[error("`{}`: {}{}", excerpt(file), excerpt(message), location(*.line, *.column))]
    AuthDetails {
        /// The input file.
        file: String,
        /// What is wrong, with the JSON path when known.
        message: String,
        /// 1-based line, when known.
        line: usize,
        /// 1-based column, when known.
        column: usize,
    },
    /// A policy document inside the file is not a valid policy (also after URL decoding).
    #[error("`{}`: {}, {}: {}", excerpt(file), excerpt(owner), excerpt(policy), excerpt(&source.to_string()))]
    Document {
        /// The input file.
        file: String,
        /// The identity or policy holding the document, e.g. "role `deploy`".
        owner: String,
        /// Which document, e.g. "inline policy `s3-read`" or "trust policy".
        policy: String,
        /// What is wrong with it.
        source: PolicyError,
    },
    /// The same identity or policy appears in two inputs with different content.
    #[error(
        "{} appears in `{}` and in `{}` with different content",
        excerpt(what),
        excerpt(first),
        excerpt(second)
    )]
    Conflict {
        /// The entity, e.g. "role `arn:...`".
        what: String,
        /// The first input naming it.
        first: String,
        /// The later input naming it differently.
        second: String,
    },
    /// Every page says more pages follow.
    #[error(
        "the input is incomplete: every page has `IsTruncated: true`, so the last page is missing (the last marker is `{}`)",
        excerpt(marker)
    )]
    Truncated {
        /// The marker of the last page given.
        marker: String,
    },
    /// The account a page belongs to cannot be told.
    #[error(
        "`{}`: cannot tell which account it belongs to: {}",
        excerpt(file),
        excerpt(message)
    )]
    Account {
        /// The input file.
        file: String,
        /// Why.
        message: String,
    },
    /// The credential report CSV is malformed.
    #[error("`{}`{}: {}", excerpt(file), line.map(|l| format!(", line {l}")).unwrap_or_default(), excerpt(message))]
    CredentialReport {
        /// The input file.
        file: String,
        /// 1-based line, when known.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// Reading an input failed.
    #[error("cannot read `{}`: {source}", excerpt(file))]
    Io {
        /// The input file.
        file: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Writing the snapshot failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

fn location(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" at line {line}, column {column}")
    }
}
