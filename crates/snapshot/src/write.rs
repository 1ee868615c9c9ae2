//! Atomic snapshot writing: tables go to a hidden temporary folder beside the destination,
//! which is renamed into place only when every table and the manifest are on disk. A writer
//! dropped before [`SnapshotWriter::finish`] removes everything it created, and so does
//! [`remove_unfinished`] (for a program ending on a signal, which runs no destructor).
//!
//! Deleting is kept to what a writer made: files with the names of snapshot files, removed
//! one by one (a symbolic link is removed, never followed), then their folder only if it is
//! empty. An existing folder is replaced only when it holds a snapshot and nothing else.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use sha2::{Digest, Sha256};

use crate::error::SnapshotError;
use crate::manifest::{
    FORMAT_NAME, FORMAT_VERSION, MANIFEST_FILE, Manifest, ManifestInfo, MissingPart,
    OLDEST_FORMAT_VERSION, TableEntry,
};
use crate::schema::{Layout, TABLES, Table};

/// Writes one snapshot folder.
#[derive(Debug)]
pub struct SnapshotWriter {
    dest: PathBuf,
    tmp: PathBuf,
    /// The outermost ancestor of `dest` this writer created, removed again on failure.
    created_parent: Option<PathBuf>,
    replace: bool,
    tables: Vec<TableEntry>,
    missing: Vec<MissingPart>,
    /// The format version written: [`FORMAT_VERSION`] unless an older snapshot is
    /// rewritten in its own format.
    version: u32,
    done: bool,
}

impl SnapshotWriter {
    /// Starts a snapshot at `dest`. An existing `dest` is an error unless `force` is set; even
    /// then only an empty folder or an existing snapshot is replaced, never other data.
    pub fn create(dest: &Path, force: bool) -> Result<Self, SnapshotError> {
        let replace = match fs::symlink_metadata(dest) {
            Ok(_) if !force => {
                return Err(SnapshotError::Exists {
                    path: dest.to_path_buf(),
                });
            }
            Ok(_) => {
                Self::check_replaceable(dest)?;
                true
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(SnapshotError::io("cannot inspect", dest, e)),
        };
        let name = dest
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty() && *n != "." && *n != "..")
            .ok_or_else(|| SnapshotError::Io {
                action: "cannot use as a snapshot folder",
                path: dest.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the path must end in a folder name",
                ),
            })?;
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let created_parent = first_missing_ancestor(&parent);
        fs::create_dir_all(&parent).map_err(|e| SnapshotError::io("cannot create", &parent, e))?;
        remove_stale_partials(&parent, name);
        let tmp = parent.join(partial_name(name, std::process::id()));
        let writer = Self {
            dest: dest.to_path_buf(),
            tmp,
            created_parent,
            replace,
            tables: Vec::new(),
            missing: Vec::new(),
            version: FORMAT_VERSION,
            done: false,
        };
        let created = guarded(|active| {
            fs::create_dir(&writer.tmp)?;
            active.push(writer.unfinished());
            Ok(())
        });
        if let Err(e) = created {
            // Nothing of ours is in `tmp` (it existed, or was not made): only the parents.
            remove_created_parents(&parent, writer.created_parent.as_deref());
            let mut writer = writer;
            writer.done = true;
            return Err(SnapshotError::io("cannot create", &writer.tmp, e));
        }
        Ok(writer)
    }

    /// Whether `dest` may be replaced by a new snapshot: it must be a folder (not a
    /// symbolic link) that is empty, or holds an iamsnap `manifest.json` and nothing but
    /// the files its manifest lists. Otherwise the error names the first files that are
    /// not the snapshot's.
    pub fn check_replaceable(dest: &Path) -> Result<(), SnapshotError> {
        let refuse = |reason: String| SnapshotError::NotReplaceable {
            path: dest.to_path_buf(),
            reason,
        };
        let meta =
            fs::symlink_metadata(dest).map_err(|e| SnapshotError::io("cannot inspect", dest, e))?;
        if meta.file_type().is_symlink() {
            return Err(refuse(
                "it is a symbolic link, not a snapshot folder".to_owned(),
            ));
        }
        if !meta.is_dir() {
            return Err(refuse("it is a file, not a snapshot folder".to_owned()));
        }
        let entries = list(dest).map_err(|e| SnapshotError::io("cannot read", dest, e))?;
        if entries.is_empty() {
            return Ok(());
        }
        let Some(listed) = manifest_files(dest) else {
            return Err(refuse(format!(
                "it is not an iamsnap snapshot (it has no valid manifest.json) and not empty: it holds {}",
                some_names(&entries)
            )));
        };
        let foreign: Vec<(String, bool)> = entries
            .into_iter()
            .filter(|(name, regular)| !(*regular && listed.iter().any(|l| l == name)))
            .collect();
        if foreign.is_empty() {
            Ok(())
        } else {
            Err(refuse(format!(
                "besides its snapshot it holds {}",
                some_names(&foreign)
            )))
        }
    }

    /// What [`remove_unfinished`] removes for this writer.
    fn unfinished(&self) -> Unfinished {
        Unfinished {
            tmp: self.tmp.clone(),
            created_parent: self.created_parent.clone(),
        }
    }

    /// Writes a snapshot of the older format `version` rather than [`FORMAT_VERSION`]: the
    /// tables added since are neither written nor listed. This is for rewriting a snapshot
    /// in its own format (adding CloudTrail activity to it, say) without inventing what its
    /// format lacks. Call it before writing any table.
    pub fn set_format_version(&mut self, version: u32) -> Result<(), SnapshotError> {
        if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(SnapshotError::Internal(format!(
                "cannot write format version {version}"
            )));
        }
        if !self.tables.is_empty() {
            return Err(SnapshotError::Internal(
                "the format version is set after tables were written".to_owned(),
            ));
        }
        self.version = version;
        Ok(())
    }

    /// Writes one table from its record batches (all of the table's schema).
    pub fn write_table(
        &mut self,
        table: &'static Table,
        batches: &[RecordBatch],
    ) -> Result<(), SnapshotError> {
        if self.tables.iter().any(|t| t.name == table.name) {
            return Err(SnapshotError::Internal(format!(
                "table `{}` written twice",
                table.name
            )));
        }
        if !table.in_format(self.version) {
            return Err(SnapshotError::Internal(format!(
                "table `{}` is not part of format version {}",
                table.name, self.version
            )));
        }
        let path = self.tmp.join(table.file_name());
        let parquet_err = |e: &dyn std::fmt::Display| SnapshotError::Parquet {
            table: table.name.to_owned(),
            path: path.clone(),
            message: e.to_string(),
        };
        let file = guarded(|_| File::create_new(&path))
            .map_err(|e| SnapshotError::io("cannot create", &path, e))?;
        let sink = HashingWriter {
            inner: BufWriter::new(file),
            hasher: Sha256::new(),
        };
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            // A fixed creator keeps files byte-identical across builds for the same data.
            .set_created_by("iamsnap".to_owned());
        for c in table.columns {
            if c.layout == Layout::SortedText {
                // Distinct names share long prefixes, which a dictionary cannot use; zstd
                // compresses what the prefix coding leaves about a third better than snappy.
                let level = ZstdLevel::try_new(3).map_err(|e| parquet_err(&e))?;
                let path = ColumnPath::from(c.name);
                props = props
                    .set_column_dictionary_enabled(path.clone(), false)
                    .set_column_encoding(path.clone(), Encoding::DELTA_BYTE_ARRAY)
                    .set_column_compression(path, Compression::ZSTD(level));
            }
        }
        let props = props.build();
        let schema = table.schema();
        let mut writer =
            ArrowWriter::try_new(sink, schema.clone(), Some(props)).map_err(|e| parquet_err(&e))?;
        let mut rows = 0u64;
        for batch in batches {
            if batch.schema().fields() != schema.fields() {
                return Err(SnapshotError::Internal(format!(
                    "table `{}`: batch schema differs from the table's",
                    table.name
                )));
            }
            rows += batch.num_rows() as u64;
        }
        match by_account(&schema, batches).map_err(|e| parquet_err(&e))? {
            // Rows of several accounts: one row group (or more) per account, in account
            // order, so that any Parquet reader can skip the other accounts' row groups by
            // their statistics.
            Some(groups) => {
                for group in groups {
                    writer.write(&group).map_err(|e| parquet_err(&e))?;
                    writer.flush().map_err(|e| parquet_err(&e))?;
                }
            }
            None => {
                for batch in batches {
                    writer.write(batch).map_err(|e| parquet_err(&e))?;
                }
            }
        }
        let mut sink = writer.into_inner().map_err(|e| parquet_err(&e))?;
        sink.flush()
            .map_err(|e| SnapshotError::io("cannot write", &path, e))?;
        let file = sink
            .inner
            .into_inner()
            .map_err(|e| SnapshotError::io("cannot write", &path, e.into_error()))?;
        file.sync_all()
            .map_err(|e| SnapshotError::io("cannot write", &path, e))?;
        self.tables.push(TableEntry {
            name: table.name.to_owned(),
            file: table.file_name(),
            rows,
            sha256: hex::encode(sink.hasher.finalize()),
        });
        Ok(())
    }

    /// Records parts of the account the source could not capture; the manifest lists them
    /// under `missing`.
    pub fn record_missing(&mut self, parts: impl IntoIterator<Item = MissingPart>) {
        self.missing.extend(parts);
    }

    /// Writes the manifest and moves the snapshot into place. Every table of
    /// [`TABLES`] (of the format version written) must have been written.
    pub fn finish(mut self, info: ManifestInfo) -> Result<Manifest, SnapshotError> {
        let mut tables = Vec::with_capacity(TABLES.len());
        for table in TABLES.iter().filter(|t| t.in_format(self.version)) {
            let entry = self
                .tables
                .iter()
                .find(|t| t.name == table.name)
                .ok_or_else(|| {
                    SnapshotError::Internal(format!("table `{}` was not written", table.name))
                })?;
            tables.push(entry.clone());
        }
        let mut account_ids = info.account_ids;
        account_ids.sort();
        account_ids.dedup();
        let manifest = Manifest {
            format: FORMAT_NAME.to_owned(),
            format_version: self.version,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            captured_at: info.captured_at,
            source: info.source,
            account_ids,
            catalog_date: info.catalog_date,
            tables,
            notes: info.notes,
            missing: std::mem::take(&mut self.missing),
        };
        let path = self.tmp.join(MANIFEST_FILE);
        let mut text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| SnapshotError::Internal(format!("cannot encode manifest: {e}")))?;
        text.push('\n');
        guarded(|_| {
            let mut file = File::create_new(&path)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .map_err(|e| SnapshotError::io("cannot write", &path, e))?;

        if self.replace {
            let old = self.tmp.with_file_name(format!(
                ".{}.replaced-{}",
                self.dest
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
                std::process::id()
            ));
            // Checked again right before the swap: only the files of the old manifest go.
            Self::check_replaceable(&self.dest)?;
            let listed = manifest_files(&self.dest).unwrap_or_default();
            guarded(|active| {
                fs::rename(&self.dest, &old)
                    .map_err(|e| SnapshotError::io("cannot move aside", &self.dest, e))?;
                if let Err(e) = fs::rename(&self.tmp, &self.dest) {
                    // Put the previous snapshot back so a failure leaves things as they were.
                    let _ = fs::rename(&old, &self.dest);
                    return Err(SnapshotError::io("cannot rename into place", &self.dest, e));
                }
                active.retain(|u| u.tmp != self.tmp);
                self.done = true;
                Ok::<(), SnapshotError>(())
            })?;
            let listed = |name: &str| name == MANIFEST_FILE || listed.iter().any(|l| l == name);
            remove_folder_of(&old, listed).map_err(|e| {
                SnapshotError::io(
                    "the new snapshot is in place, but the previous one, moved aside, cannot be removed",
                    &old,
                    e,
                )
            })?;
        } else {
            guarded(|active| {
                fs::rename(&self.tmp, &self.dest)
                    .map_err(|e| SnapshotError::io("cannot rename into place", &self.dest, e))?;
                active.retain(|u| u.tmp != self.tmp);
                self.done = true;
                Ok::<(), SnapshotError>(())
            })?;
        }
        Ok(manifest)
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        if !self.done {
            let mut active = lock_active();
            active.retain(|u| u.tmp != self.tmp);
            self.unfinished().remove();
        }
    }
}

/// A writer's partial folder and the parent folders it created.
#[derive(Debug)]
struct Unfinished {
    tmp: PathBuf,
    created_parent: Option<PathBuf>,
}

impl Unfinished {
    fn remove(&self) {
        let _ = remove_folder_of(&self.tmp, is_snapshot_file_name);
        if let Some(parent) = self.tmp.parent() {
            remove_created_parents(parent, self.created_parent.as_deref());
        }
    }
}

/// The writers of this process that have not finished.
static ACTIVE: Mutex<Vec<Unfinished>> = Mutex::new(Vec::new());
/// Set by [`remove_unfinished`]: no writer of this process creates anything any more.
static STOPPED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn lock_active() -> std::sync::MutexGuard<'static, Vec<Unfinished>> {
    ACTIVE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `f` (which creates or renames) unless [`remove_unfinished`] ran: then every creation
/// fails, so nothing appears after the clean-up.
fn guarded<T, E: From<Stopped>>(
    f: impl FnOnce(&mut Vec<Unfinished>) -> Result<T, E>,
) -> Result<T, E> {
    let mut active = lock_active();
    if STOPPED.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(Stopped.into());
    }
    f(&mut active)
}

/// [`remove_unfinished`] ran.
struct Stopped;

impl From<Stopped> for std::io::Error {
    fn from(_: Stopped) -> Self {
        std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted")
    }
}

impl From<Stopped> for SnapshotError {
    fn from(_: Stopped) -> Self {
        SnapshotError::Interrupted
    }
}

/// Removes the partial folder (and the parent folders it created) of every writer of this
/// process that has not finished, and makes every further creation of theirs fail. For a
/// program about to end on a signal, which runs no destructor. Returns how many partial
/// snapshots were removed.
pub fn remove_unfinished() -> usize {
    let mut active = lock_active();
    STOPPED.store(true, std::sync::atomic::Ordering::SeqCst);
    let n = active.len();
    for unfinished in active.drain(..) {
        unfinished.remove();
    }
    n
}

/// The hidden folder a writer of process `pid` fills for the snapshot `name`.
fn partial_name(name: &str, pid: u32) -> String {
    format!(".{name}.partial-{pid}")
}

/// Whether `name` is the name of a file a snapshot folder may hold (any format version).
fn is_snapshot_file_name(name: &str) -> bool {
    name == MANIFEST_FILE || TABLES.iter().any(|t| t.file_name() == name)
}

/// The entries of `dir` and whether each is a regular file (a symbolic link is not).
fn list(dir: &Path) -> std::io::Result<Vec<(String, bool)>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let regular = entry.file_type()?.is_file();
        let mut name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            name.push('/');
        }
        entries.push((name, regular));
    }
    entries.sort();
    Ok(entries)
}

/// `3 other files: `a`, `b/`, `c`` with at most five names.
fn some_names(entries: &[(String, bool)]) -> String {
    const SHOWN: usize = 5;
    let names: Vec<String> = entries
        .iter()
        .take(SHOWN)
        .map(|(n, _)| format!("`{n}`"))
        .collect();
    let more = entries.len().saturating_sub(SHOWN);
    format!(
        "{} {}: {}{}",
        entries.len(),
        if entries.len() == 1 {
            "other file"
        } else {
            "other files"
        },
        names.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// The files the iamsnap manifest in `dir` lists, with `manifest.json`; `None` when there
/// is no manifest of an iamsnap snapshot (of any format version). Only plain file names
/// count: a listed path with a separator is no file of the folder.
fn manifest_files(dir: &Path) -> Option<Vec<String>> {
    let path = dir.join(MANIFEST_FILE);
    if !fs::symlink_metadata(&path).ok()?.is_file() {
        return None;
    }
    let text = fs::read_to_string(&path).ok()?;
    let m = serde_json::from_str::<serde_json::Value>(&text).ok()?;
    if m.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return None;
    }
    let mut files = vec![MANIFEST_FILE.to_owned()];
    for t in m.get("tables")?.as_array()? {
        if let Some(file) = t.get("file").and_then(|f| f.as_str())
            && !file.is_empty()
            && !file.contains(['/', '\\'])
            && file != "."
            && file != ".."
        {
            files.push(file.to_owned());
        }
    }
    Some(files)
}

/// Removes the regular files and symbolic links of `dir` whose names pass `ours`, then
/// `dir` itself, which fails when anything else is left in it (that stays).
fn remove_folder_of(dir: &Path, ours: impl Fn(&str) -> bool) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let name = entry.file_name();
        if !kind.is_dir() && name.to_str().is_some_and(&ours) {
            fs::remove_file(entry.path())?;
        }
    }
    fs::remove_dir(dir)
}

/// Removes the folders from `dir` up to `created` (the outermost one a writer created),
/// each only while it is empty.
fn remove_created_parents(dir: &Path, created: Option<&Path>) {
    let Some(created) = created.filter(|c| dir.starts_with(c)) else {
        return;
    };
    for ancestor in dir.ancestors() {
        if fs::remove_dir(ancestor).is_err() || ancestor == created {
            break;
        }
    }
}

/// Removes the partial folders `.<name>.partial-<pid>` beside a snapshot being written
/// whose process is gone (killed before it could clean up), when they hold nothing but
/// snapshot files. Anything else is left alone.
fn remove_stale_partials(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.partial-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let path = entry.path();
        if !entry.file_type().is_ok_and(|k| k.is_dir())
            || !process_is_gone(pid)
            || lock_active().iter().any(|u| u.tmp == path)
        {
            continue;
        }
        let only_ours = list(&path).is_ok_and(|files| {
            files
                .iter()
                .all(|(n, regular)| *regular && is_snapshot_file_name(n))
        });
        if only_ours {
            let _ = remove_folder_of(&path, is_snapshot_file_name);
        }
    }
}

/// Whether no process `pid` runs (this process's own folders are told apart by the list of
/// unfinished writers). Where this cannot be told, the process is taken to be running.
fn process_is_gone(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        Path::new("/proc/self").exists() && !Path::new("/proc").join(pid.to_string()).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

fn first_missing_ancestor(dir: &Path) -> Option<PathBuf> {
    let mut missing = None;
    for ancestor in dir.ancestors() {
        if ancestor.as_os_str().is_empty() || ancestor.exists() {
            break;
        }
        missing = Some(ancestor.to_path_buf());
    }
    missing
}

/// The rows of `batches` grouped by their `account_id`, one batch per account in account
/// order (rows keep their order within an account); `None` when the table has no
/// `account_id` column or holds at most one account (written as given).
fn by_account(
    schema: &arrow::datatypes::SchemaRef,
    batches: &[RecordBatch],
) -> Result<Option<Vec<RecordBatch>>, arrow::error::ArrowError> {
    use arrow::array::{AsArray, UInt32Array};
    if schema.index_of("account_id").is_err() {
        return Ok(None);
    }
    let all = arrow::compute::concat_batches(schema, batches)?;
    let Some(ids) = all
        .column_by_name("account_id")
        .and_then(|c| c.as_string_opt::<i32>())
    else {
        return Ok(None);
    };
    let mut groups: std::collections::BTreeMap<&str, Vec<u32>> = std::collections::BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let i = u32::try_from(i).map_err(|_| {
            arrow::error::ArrowError::InvalidArgumentError("too many rows".to_owned())
        })?;
        groups.entry(id.unwrap_or_default()).or_default().push(i);
    }
    if groups.len() <= 1 {
        return Ok(None);
    }
    groups
        .into_values()
        .map(|rows| arrow::compute::take_record_batch(&all, &UInt32Array::from(rows)))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

struct HashingWriter {
    inner: BufWriter<File>,
    hasher: Sha256,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
