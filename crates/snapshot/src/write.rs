//! Atomic snapshot writing: tables go to a hidden temporary folder beside the destination,
//! which is renamed into place only when every table and the manifest are on disk. A writer
//! dropped before [`SnapshotWriter::finish`] removes everything it created.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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
                if !is_replaceable(dest) {
                    return Err(SnapshotError::NotReplaceable {
                        path: dest.to_path_buf(),
                    });
                }
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
        let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| SnapshotError::io("cannot remove", &tmp, e))?;
        }
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
        fs::create_dir(&writer.tmp)
            .map_err(|e| SnapshotError::io("cannot create", &writer.tmp, e))?;
        Ok(writer)
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
        let file = File::create(&path).map_err(|e| SnapshotError::io("cannot create", &path, e))?;
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
            writer.write(batch).map_err(|e| parquet_err(&e))?;
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
        fs::write(&path, text).map_err(|e| SnapshotError::io("cannot write", &path, e))?;

        if self.replace {
            let old = self.tmp.with_file_name(format!(
                ".{}.replaced-{}",
                self.dest
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
                std::process::id()
            ));
            fs::rename(&self.dest, &old)
                .map_err(|e| SnapshotError::io("cannot move aside", &self.dest, e))?;
            if let Err(e) = fs::rename(&self.tmp, &self.dest) {
                // Put the previous snapshot back so a failure leaves things as they were.
                let _ = fs::rename(&old, &self.dest);
                return Err(SnapshotError::io("cannot rename into place", &self.dest, e));
            }
            fs::remove_dir_all(&old).map_err(|e| SnapshotError::io("cannot remove", &old, e))?;
        } else {
            fs::rename(&self.tmp, &self.dest)
                .map_err(|e| SnapshotError::io("cannot rename into place", &self.dest, e))?;
        }
        self.done = true;
        Ok(manifest)
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.tmp);
            if let Some(parent) = &self.created_parent {
                let _ = fs::remove_dir_all(parent);
            }
        }
    }
}

/// Only an empty folder or a folder holding an iamsnap manifest may be replaced.
fn is_replaceable(dest: &Path) -> bool {
    if !dest.is_dir() {
        return false;
    }
    let empty = fs::read_dir(dest)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    // A snapshot of any format version (an older iamsnap's) may be replaced.
    empty
        || fs::read_to_string(dest.join(MANIFEST_FILE))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .is_some_and(|m| m.get("format").and_then(|f| f.as_str()) == Some(FORMAT_NAME))
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
