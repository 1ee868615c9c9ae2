use std::path::PathBuf;

/// Why a snapshot could not be written or read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SnapshotError {
    /// A file system operation failed.
    #[error("{action} `{}`: {source}", path.display())]
    #[diagnostic(code(snapshot::io))]
    Io {
        /// What was being done, e.g. "cannot create".
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The output folder exists and replacing it was not asked for.
    #[error("output folder `{}` already exists", path.display())]
    #[diagnostic(
        code(snapshot::exists),
        help("pass --force to replace it, or choose another folder")
    )]
    Exists {
        /// The folder.
        path: PathBuf,
    },
    /// Replacing was asked for, but the existing folder holds more than a snapshot (or is
    /// not a folder); it is never replaced.
    #[error("refusing to replace `{}`: {reason}", path.display())]
    #[diagnostic(
        code(snapshot::not_replaceable),
        help(
            "move the other files out of the folder, or choose another folder: a snapshot is only replaced when its folder holds nothing else"
        )
    )]
    NotReplaceable {
        /// The folder.
        path: PathBuf,
        /// Why, naming the first few files that are not the snapshot's.
        reason: String,
    },
    /// The run was interrupted (a signal); what it had written was removed.
    #[error("interrupted")]
    #[diagnostic(code(snapshot::interrupted))]
    Interrupted,
    /// The folder has no `manifest.json`.
    #[error("`{}` is not an iamsnap snapshot: it has no manifest.json", path.display())]
    #[diagnostic(
        code(snapshot::not_a_snapshot),
        help("create a snapshot with `iamsnap import` or `iamsnap export` and give its folder")
    )]
    NotASnapshot {
        /// The folder.
        path: PathBuf,
    },
    /// `manifest.json` is not a valid manifest.
    #[error("invalid manifest `{}`: {message}", path.display())]
    #[diagnostic(
        code(snapshot::damaged),
        help("the snapshot is damaged or from another tool; re-create it")
    )]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The snapshot was written by an iamsnap with a format version this one does not read.
    #[error("snapshot `{}` has format version {found}; this iamsnap reads {}", path.display(), readable(*oldest, *expected))]
    #[diagnostic(
        code(snapshot::format_version),
        help(
            "re-create the snapshot with this iamsnap (import or export again), or use the iamsnap version that wrote it"
        )
    )]
    FormatVersion {
        /// The folder.
        path: PathBuf,
        /// The version in its manifest.
        found: u32,
        /// The oldest version this build reads.
        oldest: u32,
        /// The version this build writes, the newest it reads.
        expected: u32,
    },
    /// A table the snapshot does not have: its format version is older than the table.
    #[error("snapshot `{}` has no table `{table}`: it has format version {version}, and the table was added in format version {since}", path.display())]
    #[diagnostic(code(snapshot::absent))]
    Absent {
        /// The folder.
        path: PathBuf,
        /// The table.
        table: String,
        /// The snapshot's format version.
        version: u32,
        /// The version that added the table.
        since: u32,
    },
    /// A table file listed in the manifest is missing.
    #[error("table `{table}` is missing: `{}` does not exist", path.display())]
    #[diagnostic(
        code(snapshot::missing_file),
        help(
            "snapshots are read-only: re-create the snapshot from its source rather than editing its files"
        )
    )]
    MissingFile {
        /// The table.
        table: String,
        /// The file expected.
        path: PathBuf,
    },
    /// A table file's content differs from what the manifest recorded. The file's actual
    /// hash is not shown: it would tell anyone who can make a snapshot point at a file
    /// something about that file's content.
    #[error("table `{table}` was modified or truncated: `{}` does not have the sha256 the manifest recorded ({expected})", path.display())]
    #[diagnostic(
        code(snapshot::hash_mismatch),
        help(
            "snapshots are read-only: re-create the snapshot from its source rather than editing its files"
        )
    )]
    HashMismatch {
        /// The table.
        table: String,
        /// The file.
        path: PathBuf,
        /// The recorded hash.
        expected: String,
    },
    /// A table file is a symbolic link, a folder or another special file: only regular
    /// files are read (a link could point anywhere).
    #[error("table `{table}`: `{}` is {what}; a snapshot's table files must be regular files", path.display())]
    #[diagnostic(
        code(snapshot::not_a_file),
        help(
            "copy the snapshot so that its table files are regular files (e.g. `cp -rL`), and open the copy"
        )
    )]
    NotAFile {
        /// The table.
        table: String,
        /// The file.
        path: PathBuf,
        /// What it is instead, e.g. "a symbolic link".
        what: &'static str,
    },
    /// A table file's columns differ from the ones this format defines for the table.
    #[error("table `{table}` (`{}`) does not have this format's columns: {message}", path.display())]
    #[diagnostic(
        code(snapshot::damaged),
        help("the snapshot is damaged or from another tool; re-create it")
    )]
    FileSchema {
        /// The table.
        table: String,
        /// The file.
        path: PathBuf,
        /// What differs.
        message: String,
    },
    /// A table file holds another number of rows than the manifest recorded.
    #[error("table `{table}` (`{}`) holds {found} rows; the manifest recorded {expected}", path.display())]
    #[diagnostic(
        code(snapshot::damaged),
        help("the snapshot is damaged or from another tool; re-create it")
    )]
    RowCount {
        /// The table.
        table: String,
        /// The file.
        path: PathBuf,
        /// The manifest's row count.
        expected: u64,
        /// The file's row count.
        found: u64,
    },
    /// A table file changed after the snapshot was opened, and no longer verifies.
    #[error("table `{table}` changed since the snapshot was opened: {message}")]
    #[diagnostic(
        code(snapshot::changed),
        help(
            "a snapshot's files must not change while it is open: re-create the snapshot, then open it again"
        )
    )]
    Changed {
        /// The table.
        table: String,
        /// The file.
        path: PathBuf,
        /// Why it no longer verifies.
        message: String,
    },
    /// The manifest lacks a table this version requires, or names one it does not know.
    #[error("snapshot `{}`: {message}", path.display())]
    #[diagnostic(
        code(snapshot::damaged),
        help("the snapshot is damaged or from another tool; re-create it")
    )]
    Tables {
        /// The folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A Parquet file could not be read or written.
    #[error("table `{table}` (`{}`): {message}", path.display())]
    #[diagnostic(code(snapshot::parquet))]
    Parquet {
        /// The table.
        table: String,
        /// The file.
        path: PathBuf,
        /// The Parquet or Arrow error.
        message: String,
    },
    /// A table file of a snapshot being read is not Parquet this version reads whole: a
    /// malformed footer or page, data that does not decode, or it changed while verified.
    #[error("table `{table}` is damaged: `{}` is not a readable table file: {message}", path.display())]
    #[diagnostic(
        code(snapshot::damaged),
        help("the snapshot is damaged or from another tool; re-create it")
    )]
    Damaged {
        /// The table.
        table: String,
        /// The file.
        path: PathBuf,
        /// What the reader found.
        message: String,
    },
    /// A table has other columns than this version of iamsnap defines.
    #[error("table `{table}` does not have the expected columns: {message}")]
    #[diagnostic(
        code(snapshot::damaged),
        help("the snapshot is damaged or from another tool; re-create it")
    )]
    Schema {
        /// The table.
        table: String,
        /// What differs.
        message: String,
    },
    /// No table has this name.
    #[error("unknown table `{name}`")]
    #[diagnostic(code(snapshot::unknown_table))]
    UnknownTable {
        /// The name asked for.
        name: String,
    },
    /// A bug in iamsnap rather than a problem with the input.
    #[error("internal error: {0}")]
    #[diagnostic(code(snapshot::internal))]
    Internal(String),
}

/// `format version 3` or `format versions 2 and 3`.
fn readable(oldest: u32, newest: u32) -> String {
    match newest.saturating_sub(oldest) {
        0 => format!("format version {newest}"),
        1 => format!("format versions {oldest} and {newest}"),
        _ => format!("format versions {oldest} to {newest}"),
    }
}

impl SnapshotError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
