//! Reading a snapshot: the manifest is checked (format, version, tables) and every file is
//! verified before any table is read: a regular file (not a link) of the name the format
//! gives the table, of the sha256 the manifest records, and a Parquet file this version can
//! read whole — this format's columns, the manifest's row count, every value decodable.
//! A snapshot may come from anyone: the Parquet reader runs under
//! [`std::panic::catch_unwind`], so a file that makes it panic is reported as damaged.

use std::cell::Cell;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};

use arrow::compute::concat_batches;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use parquet::DecodeResult;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::push_decoder::ParquetPushDecoderBuilder;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData, ParquetMetaDataPushDecoder};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::statistics::Statistics;
use sha2::{Digest, Sha256};

use crate::error::SnapshotError;
use crate::manifest::{
    FORMAT_NAME, FORMAT_VERSION, MANIFEST_FILE, Manifest, OLDEST_FORMAT_VERSION, TableEntry,
};
use crate::schema::{ColumnType, TABLES, Table, table};

/// The earliest and latest instant of a table's timestamp columns.
pub type TimeRange = (DateTime<Utc>, DateTime<Utc>);

/// An opened, verified snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The folder, resolved once at open (no `..`, no symbolic link).
    path: PathBuf,
    manifest: Manifest,
    /// What each table file looked like when it was verified.
    stamps: Arc<Mutex<Vec<(String, Stamp)>>>,
}

/// What identifies a file's content without reading it: a change to the file (writing,
/// truncating, replacing, `touch`) changes at least one of these. The change time cannot be
/// set back by its owner, unlike the modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    changed: (i64, i64),
    #[cfg(unix)]
    inode: (u64, u64),
    is_file: bool,
}

impl Stamp {
    fn of(m: &fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Self {
            len: m.len(),
            modified: m.modified().ok(),
            #[cfg(unix)]
            changed: (m.ctime(), m.ctime_nsec()),
            #[cfg(unix)]
            inode: (m.dev(), m.ino()),
            is_file: m.file_type().is_file(),
        }
    }
}

thread_local! {
    /// Set while this thread runs the Parquet reader on a snapshot file.
    static DECODING: Cell<bool> = const { Cell::new(false) };
}

/// Makes the panic hook silent for panics of the Parquet reader on a damaged snapshot
/// file, which [`Snapshot::open`] catches and reports as an error naming the file; every
/// other panic is reported by the hook in place before. For programs (the library never
/// installs a hook itself); calling it more than once has no further effect.
pub fn silence_caught_reader_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !DECODING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs the Parquet reader: a panic becomes `Err(())`.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, ()> {
    let was = DECODING.with(|d| d.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    DECODING.with(|d| d.set(was));
    result.map_err(|_| ())
}

/// What the Parquet reader says when it fails on a file by panicking.
const READER_FAILED: &str = "the Parquet reader failed on its data (the file is malformed)";

/// The schema DataFusion reads a table with: text as `Utf8View` (its default,
/// `schema_force_view_types`), so that verification decodes what queries decode.
fn view_schema(schema: &Schema) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => {
                f.as_ref().clone().with_data_type(DataType::Utf8View)
            }
            DataType::Binary | DataType::LargeBinary => {
                f.as_ref().clone().with_data_type(DataType::BinaryView)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// Verifies one table file of the snapshot in `dir` (already resolved) against its manifest
/// entry, and returns what it looked like. The file must be a regular file (a symbolic link
/// is refused: it could point anywhere), have the recorded sha256, and be a Parquet file of
/// this format's columns for the table, holding the recorded number of rows, every value of
/// which decodes. Errors name the table and file and never show the file's actual hash.
fn verify_file(dir: &Path, entry: &TableEntry, def: &Table) -> Result<Stamp, SnapshotError> {
    let path = dir.join(&entry.file);
    let table_name = entry.name.clone();
    let link = match fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SnapshotError::MissingFile {
                table: table_name,
                path,
            });
        }
        Err(e) => return Err(SnapshotError::io("cannot inspect", &path, e)),
    };
    if !link.file_type().is_file() {
        return Err(SnapshotError::NotAFile {
            table: table_name,
            path,
            what: if link.file_type().is_symlink() {
                "a symbolic link"
            } else if link.is_dir() {
                "a folder"
            } else {
                "not a regular file"
            },
        });
    }
    let before = Stamp::of(&link);
    let mut file = File::open(&path).map_err(|e| SnapshotError::io("cannot open", &path, e))?;
    let opened = file
        .metadata()
        .map_err(|e| SnapshotError::io("cannot inspect", &path, e))?;
    let changed = || SnapshotError::Damaged {
        table: entry.name.clone(),
        path: path.clone(),
        message: "the file changed while it was being verified".to_owned(),
    };
    if Stamp::of(&opened) != before {
        return Err(changed());
    }
    let actual = sha256_reader(&mut file, &path)?;
    if actual != entry.sha256 {
        return Err(SnapshotError::HashMismatch {
            table: table_name,
            path,
            expected: entry.sha256.clone(),
        });
    }
    let checked = guarded(|| check_parquet(&file, before.len, def, entry.rows));
    let problem = match checked {
        Ok(Ok(())) => None,
        Ok(Err(problem)) => Some(problem),
        Err(()) => Some(Problem::Damaged(READER_FAILED.to_owned())),
    };
    match problem {
        None => {}
        Some(Problem::Damaged(message)) => {
            return Err(SnapshotError::Damaged {
                table: table_name,
                path,
                message,
            });
        }
        Some(Problem::Columns(message)) => {
            return Err(SnapshotError::FileSchema {
                table: table_name,
                path,
                message,
            });
        }
        Some(Problem::Rows(found)) => {
            return Err(SnapshotError::RowCount {
                table: table_name,
                path,
                expected: entry.rows,
                found,
            });
        }
    }
    let after = fs::symlink_metadata(&path).map(|m| Stamp::of(&m)).ok();
    if after != Some(before) {
        return Err(changed());
    }
    Ok(before)
}

/// What is wrong with a table file.
enum Problem {
    /// Not readable Parquet, or data that does not decode.
    Damaged(String),
    /// Other columns than the format's.
    Columns(String),
    /// Another number of rows than the manifest's.
    Rows(u64),
}

/// `name type`, `name type not null`, for messages.
fn describe(f: &Field) -> String {
    if f.is_nullable() {
        format!("`{}` {}", f.name(), f.data_type())
    } else {
        format!("`{}` {} not null", f.name(), f.data_type())
    }
}

/// How the columns of a file differ from the table's, or `None`.
fn column_difference(found: &Schema, expected: &Schema) -> Option<String> {
    for (i, want) in expected.fields().iter().enumerate() {
        let Some(have) = found.fields().get(i) else {
            return Some(format!(
                "column {} should be {}, the file has only {} columns",
                i + 1,
                describe(want),
                found.fields().len()
            ));
        };
        let same = have.name() == want.name()
            && have.data_type().equals_datatype(want.data_type())
            && have.is_nullable() == want.is_nullable();
        if !same {
            return Some(format!(
                "column {} is {}, this format has {}",
                i + 1,
                describe(have),
                describe(want)
            ));
        }
    }
    if found.fields().len() > expected.fields().len() {
        let extra: Vec<String> = found
            .fields()
            .iter()
            .skip(expected.fields().len())
            .map(|f| format!("`{}`", f.name()))
            .collect();
        return Some(format!(
            "the file has columns this format does not: {}",
            extra.join(", ")
        ));
    }
    None
}

/// A Parquet or Arrow reader's error in words: without the name of the error type it
/// starts with (`Parquet error: `), lowercase like every message of iamsnap.
fn reader_text(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let rest = ["Parquet error: ", "Arrow error: ", "External: "]
        .iter()
        .fold(text.as_str(), |t, prefix| {
            t.strip_prefix(prefix).unwrap_or(t)
        });
    let mut chars = rest.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// The bytes of `ranges` of `file` (`len` bytes long), for the push decoders.
fn read_ranges(file: &File, len: u64, ranges: &[Range<u64>]) -> Result<Vec<Bytes>, Problem> {
    let mut out = Vec::with_capacity(ranges.len());
    for range in ranges {
        if range.start > range.end || range.end > len {
            return Err(Problem::Damaged(format!(
                "it refers to bytes {}..{} of a file of {len} bytes",
                range.start, range.end
            )));
        }
        let size = usize::try_from(range.end - range.start)
            .map_err(|_| Problem::Damaged("it refers to a range too large to read".to_owned()))?;
        let mut buf = vec![0u8; size];
        let mut reader = file;
        reader
            .seek(SeekFrom::Start(range.start))
            .and_then(|_| reader.read_exact(&mut buf))
            .map_err(|e| Problem::Damaged(e.to_string()))?;
        out.push(Bytes::from(buf));
    }
    Ok(out)
}

/// The footer of a Parquet file, decoded as DataFusion decodes it.
fn read_footer(
    file: &File,
    len: u64,
    page_index: PageIndexPolicy,
) -> Result<Arc<ParquetMetaData>, Problem> {
    let damaged = |e: &dyn std::fmt::Display| Problem::Damaged(reader_text(e));
    let mut footer = ParquetMetaDataPushDecoder::try_new(len)
        .map_err(|e| damaged(&e))?
        .with_page_index_policy(page_index);
    loop {
        match footer.try_decode().map_err(|e| damaged(&e))? {
            DecodeResult::Data(metadata) => return Ok(Arc::new(metadata)),
            DecodeResult::NeedsData(ranges) => {
                let data = read_ranges(file, len, &ranges)?;
                footer.push_ranges(ranges, data).map_err(|e| damaged(&e))?;
            }
            DecodeResult::Finished => {
                return Err(Problem::Damaged("it has no footer".to_owned()));
            }
        }
    }
}

/// Checks a table file: its footer, columns, row count, statistics, and every value. The
/// footer and the data are decoded the way DataFusion decodes them for queries (the push
/// decoders, each column chunk read on its own, text as views).
fn check_parquet(file: &File, len: u64, def: &Table, rows: u64) -> Result<(), Problem> {
    let damaged = |e: &dyn std::fmt::Display| Problem::Damaged(reader_text(e));
    let expected = def.schema();

    // Without the page index (as DataFusion reads the schema) and with it (as it reads data).
    read_footer(file, len, PageIndexPolicy::Skip)?;
    let metadata = read_footer(file, len, PageIndexPolicy::Optional)?;
    let plain = ArrowReaderMetadata::try_new(Arc::clone(&metadata), ArrowReaderOptions::new())
        .map_err(|e| damaged(&e))?;
    if let Some(difference) = column_difference(plain.schema(), &expected) {
        return Err(Problem::Columns(difference));
    }
    let declared = metadata.file_metadata().num_rows();
    if u64::try_from(declared).ok() != Some(rows) {
        return Err(Problem::Rows(u64::try_from(declared).unwrap_or(0)));
    }
    let mut in_groups: i64 = 0;
    for rg in metadata.row_groups() {
        in_groups = in_groups
            .checked_add(rg.num_rows())
            .filter(|n| rg.num_rows() >= 0 && *n >= 0)
            .ok_or_else(|| {
                Problem::Damaged("its row groups have an invalid row count".to_owned())
            })?;
    }
    if in_groups != declared {
        return Err(Problem::Damaged(format!(
            "its footer says {declared} rows, its row groups hold {in_groups}"
        )));
    }
    // Statistics are what query planning reads without decoding data.
    let parquet_schema = metadata.file_metadata().schema_descr();
    for field in expected.fields() {
        let converter = StatisticsConverter::try_new(field.name(), plain.schema(), parquet_schema)
            .map_err(|e| damaged(&e))?;
        converter
            .row_group_mins(metadata.row_groups())
            .map_err(|e| damaged(&e))?;
        converter
            .row_group_maxes(metadata.row_groups())
            .map_err(|e| damaged(&e))?;
        converter
            .row_group_null_counts(metadata.row_groups())
            .map_err(|e| damaged(&e))?;
    }

    // Every value, as queries decode it: DataFusion reads the page index along with the
    // footer (it caches metadata), and reads pages as the index locates them, one by one
    // for a row selection (as for `limit`), or the column chunk whole. (`read_table` reads
    // without the page index; it catches the reader's panics itself.)
    let all = usize::try_from(rows).map_err(|_| Problem::Rows(rows))?;
    for select in [true, false] {
        let options = ArrowReaderOptions::new().with_schema(view_schema(&expected));
        let mut builder =
            ParquetPushDecoderBuilder::try_new_decoder_with_options(Arc::clone(&metadata), options)
                .map_err(|e| damaged(&e))?;
        if select {
            builder =
                builder.with_row_selection(RowSelection::from(vec![RowSelector::select(all)]));
        }
        let mut decoder = builder.build().map_err(|e| damaged(&e))?;
        let mut decoded: u64 = 0;
        loop {
            match decoder.try_decode().map_err(|e| damaged(&e))? {
                DecodeResult::Data(batch) => {
                    decoded = decoded.saturating_add(batch.num_rows() as u64);
                }
                DecodeResult::NeedsData(ranges) => {
                    let data = read_ranges(file, len, &ranges)?;
                    decoder.push_ranges(ranges, data).map_err(|e| damaged(&e))?;
                }
                DecodeResult::Finished => break,
            }
        }
        if decoded != rows {
            return Err(Problem::Damaged(format!(
                "its footer says {rows} rows, {decoded} decode"
            )));
        }
    }

    Ok(())
}

pub(crate) fn read_manifest_file(dir: &Path) -> Result<Manifest, SnapshotError> {
    let path = dir.join(MANIFEST_FILE);
    // Like the table files, the manifest must be a file of the snapshot, not a link.
    if fs::symlink_metadata(&path).is_ok_and(|m| !m.file_type().is_file()) {
        return Err(SnapshotError::Manifest {
            path,
            message: "it is not a regular file (a symbolic link or a folder)".to_owned(),
        });
    }
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(if dir.is_dir() {
                SnapshotError::NotASnapshot {
                    path: dir.to_path_buf(),
                }
            } else {
                SnapshotError::io("cannot open snapshot", dir, e)
            });
        }
        Err(e) => return Err(SnapshotError::io("cannot read", &path, e)),
    };
    // Read the format and version first, so that a manifest of another version is reported
    // as such rather than as a field this version does not understand.
    let head: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| SnapshotError::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
    if head.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return Err(SnapshotError::Manifest {
            path,
            message: format!("`format` is not `{FORMAT_NAME}`"),
        });
    }
    let version = head.get("format_version").and_then(|v| v.as_u64());
    match version {
        Some(v) if (u64::from(OLDEST_FORMAT_VERSION)..=u64::from(FORMAT_VERSION)).contains(&v) => {}
        Some(v) => {
            return Err(SnapshotError::FormatVersion {
                path: dir.to_path_buf(),
                found: u32::try_from(v).unwrap_or(u32::MAX),
                oldest: OLDEST_FORMAT_VERSION,
                expected: FORMAT_VERSION,
            });
        }
        None => {
            return Err(SnapshotError::Manifest {
                path,
                message: "`format_version` is missing or not a number".to_owned(),
            });
        }
    }
    serde_json::from_value(head).map_err(|e| SnapshotError::Manifest {
        path,
        message: e.to_string(),
    })
}

/// Verifies `files` ([`verify_file`]) on every core: hashing dominates opening a snapshot.
/// The stamps come back in the order given; of several bad files, the error is the first
/// one's in that order, as a sequential check would report it.
fn verify_files(
    dir: &Path,
    files: &[(&TableEntry, &Table)],
) -> Result<Vec<(String, Stamp)>, SnapshotError> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(files.len());
    let results: Vec<Result<Stamp, SnapshotError>> = if workers <= 1 {
        files
            .iter()
            .map(|(entry, def)| verify_file(dir, entry, def))
            .collect()
    } else {
        let next = AtomicUsize::new(0);
        let mut slots: Vec<Option<Result<Stamp, SnapshotError>>> = Vec::new();
        slots.resize_with(files.len(), || None);
        let slots = Mutex::new(slots);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((entry, def)) = files.get(i) else {
                            break;
                        };
                        let result = verify_file(dir, entry, def);
                        let mut slots = slots
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        if let Some(slot) = slots.get_mut(i) {
                            *slot = Some(result);
                        }
                    }
                });
            }
        });
        slots
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(SnapshotError::Tables {
                        path: dir.to_path_buf(),
                        message: "a table file was not verified".to_owned(),
                    })
                })
            })
            .collect()
    };
    files
        .iter()
        .zip(results)
        .map(|((entry, _), r)| r.map(|stamp| (entry.name.clone(), stamp)))
        .collect()
}

/// sha256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, SnapshotError> {
    let mut file = File::open(path).map_err(|e| SnapshotError::io("cannot open", path, e))?;
    sha256_reader(&mut file, path)
}

/// sha256 of what `file` (at `path`) reads, lowercase hex.
fn sha256_reader(file: &mut File, path: &Path) -> Result<String, SnapshotError> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| SnapshotError::io("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex::encode(hasher.finalize()))
}

impl Snapshot {
    /// Opens the snapshot in `dir`: checks its manifest, and verifies every table file
    /// before anything reads it (see [`verify_file`]). The folder is resolved once
    /// ([`fs::canonicalize`]); every later read uses that path.
    pub fn open(dir: &Path) -> Result<Self, SnapshotError> {
        let dir = fs::canonicalize(dir).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SnapshotError::io("cannot open snapshot", dir, e)
            } else {
                SnapshotError::io("cannot resolve snapshot folder", dir, e)
            }
        })?;
        let dir = dir.as_path();
        let manifest = read_manifest_file(dir)?;
        let version = manifest.format_version;
        // A snapshot of an older format version lacks the tables added since; every other
        // table must be there.
        for t in TABLES.iter().filter(|t| t.in_format(version)) {
            if !manifest.tables.iter().any(|e| e.name == t.name) {
                return Err(SnapshotError::Tables {
                    path: dir.to_path_buf(),
                    message: format!("the manifest does not list table `{}`", t.name),
                });
            }
        }
        let mut checked = Vec::with_capacity(manifest.tables.len());
        for (i, entry) in manifest.tables.iter().enumerate() {
            let def = match table(&entry.name) {
                None => {
                    return Err(SnapshotError::Tables {
                        path: dir.to_path_buf(),
                        message: format!("the manifest lists unknown table `{}`", entry.name),
                    });
                }
                Some(t) if !t.in_format(version) => {
                    return Err(SnapshotError::Tables {
                        path: dir.to_path_buf(),
                        message: format!(
                            "the manifest lists table `{}`, which format version {version} does not have (it was added in format version {})",
                            entry.name, t.since
                        ),
                    });
                }
                Some(t) => t,
            };
            if manifest.tables.iter().take(i).any(|e| e.name == entry.name) {
                return Err(SnapshotError::Tables {
                    path: dir.to_path_buf(),
                    message: format!("the manifest lists table `{}` twice", entry.name),
                });
            }
            // Only the name this format gives the table: no folder, no pattern, nothing a
            // reader could interpret as anything but this one file.
            let expected = def.file_name();
            if entry.file != expected {
                return Err(SnapshotError::Manifest {
                    path: dir.join(MANIFEST_FILE),
                    message: format!(
                        "table `{}` has file name `{}`; this format names it `{expected}`",
                        entry.name, entry.file
                    ),
                });
            }
            checked.push((entry, def));
        }
        let stamps = verify_files(dir, &checked)?;
        Ok(Self {
            path: dir.to_path_buf(),
            manifest,
            stamps: Arc::new(Mutex::new(stamps)),
        })
    }

    /// Verifies again every table file that changed (size, modification or change time,
    /// inode) since it was verified, so that a long session never reads a file that no
    /// longer matches the manifest. Unchanged files cost one `lstat` each.
    pub fn reverify(&self) -> Result<(), SnapshotError> {
        for entry in &self.manifest.tables {
            self.reverify_table(&entry.name)?;
        }
        Ok(())
    }

    /// [`Snapshot::reverify`] for one table.
    fn reverify_table(&self, name: &str) -> Result<(), SnapshotError> {
        let Some(entry) = self.manifest.tables.iter().find(|e| e.name == name) else {
            return Ok(());
        };
        let Some(def) = table(name) else {
            return Ok(());
        };
        let path = self.path.join(&entry.file);
        let recorded = self
            .stamps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(t, _)| t == name)
            .map(|(_, s)| *s);
        let now = fs::symlink_metadata(&path).ok().map(|m| Stamp::of(&m));
        if now.is_some() && now == recorded {
            return Ok(());
        }
        let stamp = verify_file(&self.path, entry, def).map_err(|e| SnapshotError::Changed {
            table: name.to_owned(),
            path: path.clone(),
            message: e.to_string(),
        })?;
        let mut stamps = self
            .stamps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(slot) = stamps.iter_mut().find(|(t, _)| t == name) {
            slot.1 = stamp;
        }
        Ok(())
    }

    /// The snapshot's folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The snapshot's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The snapshot's format version.
    pub fn format_version(&self) -> u32 {
        self.manifest.format_version
    }

    /// Whether the snapshot has this table: every table of its format version is there,
    /// a table added by a later version is not (see [`Table::since`]).
    pub fn has_table(&self, name: &str) -> bool {
        self.manifest.tables.iter().any(|e| e.name == name)
    }

    /// The manifest entry of a table. A table this iamsnap knows but the snapshot's older
    /// format lacks is [`SnapshotError::Absent`].
    pub fn entry(&self, name: &str) -> Result<&TableEntry, SnapshotError> {
        if let Some(entry) = self.manifest.tables.iter().find(|e| e.name == name) {
            return Ok(entry);
        }
        Err(match table(name) {
            Some(t) => SnapshotError::Absent {
                path: self.path.clone(),
                table: name.to_owned(),
                version: self.manifest.format_version,
                since: t.since,
            },
            None => SnapshotError::UnknownTable {
                name: name.to_owned(),
            },
        })
    }

    /// Path of a table's Parquet file.
    pub fn table_path(&self, name: &str) -> Result<PathBuf, SnapshotError> {
        Ok(self.path.join(&self.entry(name)?.file))
    }

    /// The earliest and latest value of every timestamp column of a table, from the Parquet
    /// statistics (no data is read). `None` when the table has no dated rows.
    pub fn time_range(&self, name: &str) -> Result<Option<TimeRange>, SnapshotError> {
        let def: &'static Table = table(name).ok_or_else(|| SnapshotError::UnknownTable {
            name: name.to_owned(),
        })?;
        let path = self.table_path(name)?;
        self.reverify_table(name)?;
        let parquet_err = |message: String| SnapshotError::Damaged {
            table: name.to_owned(),
            path: path.clone(),
            message,
        };
        let file = File::open(&path).map_err(|e| SnapshotError::io("cannot open", &path, e))?;
        let dated: Vec<usize> = def
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.ty == ColumnType::Timestamp)
            .map(|(i, _)| i)
            .collect();
        let range = guarded(|| -> Result<Option<(i64, i64)>, String> {
            let reader = SerializedFileReader::new(file).map_err(|e| e.to_string())?;
            let mut range: Option<(i64, i64)> = None;
            for rg in reader.metadata().row_groups() {
                for &i in &dated {
                    let Some(Statistics::Int64(stats)) =
                        rg.columns().get(i).and_then(|c| c.statistics())
                    else {
                        continue;
                    };
                    if let (Some(&lo), Some(&hi)) = (stats.min_opt(), stats.max_opt()) {
                        range = Some(match range {
                            Some((a, b)) => (a.min(lo), b.max(hi)),
                            None => (lo, hi),
                        });
                    }
                }
            }
            Ok(range)
        })
        .map_err(|()| parquet_err(READER_FAILED.to_owned()))?
        .map_err(parquet_err)?;
        Ok(range.and_then(|(lo, hi)| {
            Some((
                DateTime::from_timestamp_micros(lo)?,
                DateTime::from_timestamp_micros(hi)?,
            ))
        }))
    }

    /// The number of rows of each account in a table (read from its `account_id` column
    /// only); `None` for a table without that column (`catalog_actions`).
    pub fn rows_by_account(
        &self,
        name: &str,
    ) -> Result<Option<std::collections::BTreeMap<String, u64>>, SnapshotError> {
        let def: &'static Table = table(name).ok_or_else(|| SnapshotError::UnknownTable {
            name: name.to_owned(),
        })?;
        let Some(at) = def.columns.iter().position(|c| c.name == "account_id") else {
            return Ok(None);
        };
        let path = self.table_path(name)?;
        self.reverify_table(name)?;
        let parquet_err = |message: String| SnapshotError::Damaged {
            table: name.to_owned(),
            path: path.clone(),
            message,
        };
        let file = File::open(&path).map_err(|e| SnapshotError::io("cannot open", &path, e))?;
        let counts = guarded(
            || -> Result<std::collections::BTreeMap<String, u64>, String> {
                use arrow::array::{Array, AsArray};
                let builder =
                    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string())?;
                let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), [at]);
                let reader = builder
                    .with_projection(mask)
                    .build()
                    .map_err(|e| e.to_string())?;
                let mut counts = std::collections::BTreeMap::<String, u64>::new();
                for batch in reader {
                    let batch = batch.map_err(|e| e.to_string())?;
                    let column = batch.column(0);
                    let ids = column
                        .as_string_opt::<i32>()
                        .ok_or_else(|| "`account_id` is not text".to_owned())?;
                    for row in 0..ids.len() {
                        if ids.is_valid(row) {
                            let id = ids.value(row);
                            match counts.get_mut(id) {
                                Some(n) => *n += 1,
                                None => {
                                    counts.insert(id.to_owned(), 1);
                                }
                            }
                        }
                    }
                }
                Ok(counts)
            },
        )
        .map_err(|()| parquet_err(READER_FAILED.to_owned()))?
        .map_err(parquet_err)?;
        Ok(Some(counts))
    }

    /// Reads a whole table into one record batch, checking its columns against this
    /// version's schema. A file that changed since it was verified is verified again first.
    pub fn read_table(&self, name: &str) -> Result<RecordBatch, SnapshotError> {
        let def: &'static Table = table(name).ok_or_else(|| SnapshotError::UnknownTable {
            name: name.to_owned(),
        })?;
        let path = self.table_path(name)?;
        self.reverify_table(name)?;
        let parquet_err = |message: String| SnapshotError::Damaged {
            table: name.to_owned(),
            path: path.clone(),
            message,
        };
        let file = File::open(&path).map_err(|e| SnapshotError::io("cannot open", &path, e))?;
        let expected = def.schema();
        let read = guarded(|| -> Result<Result<RecordBatch, String>, String> {
            let builder =
                ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string())?;
            if let Some(difference) = column_difference(builder.schema(), &expected) {
                return Ok(Err(difference));
            }
            let reader = builder.build().map_err(|e| e.to_string())?;
            let mut batches = Vec::new();
            for batch in reader {
                batches.push(batch.map_err(|e| e.to_string())?);
            }
            concat_batches(&expected, &batches)
                .map(Ok)
                .map_err(|e| e.to_string())
        })
        .map_err(|()| parquet_err(READER_FAILED.to_owned()))?
        .map_err(parquet_err)?;
        read.map_err(|message| SnapshotError::FileSchema {
            table: name.to_owned(),
            path: path.clone(),
            message,
        })
    }
}
