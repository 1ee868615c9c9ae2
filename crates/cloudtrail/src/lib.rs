//! CloudTrail activity summaries: the `activity` table of iamsnap snapshots.
//!
//! CloudTrail log files (`{"Records": [...]}`, plain or gzip-compressed, as CloudTrail
//! writes them to S3 under `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`) are read
//! record by record — never a whole file in memory — and counted per account, caller,
//! caller type, event source, event name, region, source IP, user agent family, error code
//! and UTC day, with the first and last event time.
//!
//! - [`summarize_paths`] reads files and folders on every core;
//! - [`S3Location`] names logs in S3 and [`key_date`] reads the date CloudTrail writes into
//!   their keys (the reading itself, and `LookupEvents`, are in `iamsnap-export`, with the
//!   AWS SDK);
//! - [`Summarizer`] takes one file's bytes or one event at a time (for other sources, such
//!   as objects read from S3 or `LookupEvents`), and merges with other summarizers;
//! - [`activity_table`] turns the rows into the table's record batch.
//!
//! Malformed input is never skipped silently: [`Stats`] counts malformed files and records
//! and names the first ones, and [`Summary::notes`] words them for the manifest.
//!
//! This crate reads nothing from the network and needs no AWS SDK. It also holds what
//! every capture crate shares: [`Progress`] (reading progress) and [`excerpt()`] (input
//! quoted in error messages).

mod classify;
mod excerpt;
mod files;
mod location;
mod progress;
mod record;
mod split;
mod summarize;

use arrow::record_batch::RecordBatch;
use iamsnap_snapshot::{Cell, SnapshotError, Table, TableBuilder};

pub use classify::{SdkLanguage, UserAgentFamily};
pub use excerpt::{MAX_QUOTED, excerpt, excerpt_to};
pub use files::{SOURCE_KIND, is_log_name, read_paths, summarize_paths};
pub use location::{
    Depth, LOOKUP_MAX_DAYS, LOOKUP_SOURCE_KIND, S3_SOURCE_KIND, S3Location, S3LocationError, depth,
    is_source_kind, key_date,
};
pub use progress::{NoProgress, Progress};
pub use summarize::{
    ActivityRow, DIGEST_MARKER, FileReport, LogError, MAX_PROBLEMS, MalformedEvent, MalformedFile,
    NOTE_PREFIX, Problem, Stats, Summarizer, Summary,
};

/// The name of the table the summaries go to.
pub const TABLE: &str = "activity";

/// Why CloudTrail logs could not be summarized.
#[derive(Debug, thiserror::Error)]
pub enum CloudTrailError {
    /// A file or folder cannot be read.
    #[error("cannot read `{}`: {source}", excerpt(file))]
    Io {
        /// The file or folder.
        file: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file given by itself is not a CloudTrail log file.
    #[error(
        "`{}` is not a CloudTrail log file: {}",
        excerpt(file),
        excerpt(message)
    )]
    Malformed {
        /// The file.
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// A folder holds no log file.
    #[error(
        "no CloudTrail log files (`.json` or `.json.gz`) under `{}`",
        excerpt(path)
    )]
    NoLogFiles {
        /// The folder.
        path: String,
    },
    /// A bug.
    #[error("internal error: {message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

/// The `activity` table definition.
pub fn activity_definition() -> Result<&'static Table, SnapshotError> {
    iamsnap_snapshot::table(TABLE)
        .ok_or_else(|| SnapshotError::Internal(format!("no table `{TABLE}`")))
}

/// The `activity` table of these rows (empty when there are none).
pub fn activity_table(
    rows: &[ActivityRow],
) -> Result<(&'static Table, RecordBatch), SnapshotError> {
    let table = activity_definition()?;
    let mut b = TableBuilder::new(table);
    for r in rows {
        let day = r.day.format("%Y-%m-%d").to_string();
        b.push(&[
            Cell::from(&r.account_id),
            Cell::from(&r.principal),
            Cell::from(&r.principal_type),
            r.principal_account.as_deref().into(),
            r.session_issuer_arn.as_deref().into(),
            r.invoked_by.as_deref().into(),
            Cell::from(&r.event_source),
            Cell::from(&r.event_name),
            r.region.as_deref().into(),
            r.source_ip.as_deref().into(),
            r.user_agent_family.map(UserAgentFamily::as_str).into(),
            r.error_code.as_deref().into(),
            Cell::from(day.as_str()),
            Cell::Int(Some(i64::try_from(r.event_count).unwrap_or(i64::MAX))),
            r.first_seen.into(),
            r.last_seen.into(),
        ])?;
    }
    Ok((table, b.finish()?))
}

#[cfg(test)]
mod tests;
