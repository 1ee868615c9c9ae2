//! Reading a snapshot: the manifest is checked (format, version, tables) and every file's
//! sha256 is verified before any table is read.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow::compute::concat_batches;
use arrow::record_batch::RecordBatch;
use chrono::{DateTime, Utc};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
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
    path: PathBuf,
    manifest: Manifest,
}

pub(crate) fn read_manifest_file(dir: &Path) -> Result<Manifest, SnapshotError> {
    let path = dir.join(MANIFEST_FILE);
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

/// sha256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, SnapshotError> {
    let mut file = File::open(path).map_err(|e| SnapshotError::io("cannot open", path, e))?;
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
    /// Opens the snapshot in `dir`, checking its manifest and the sha256 of every file.
    pub fn open(dir: &Path) -> Result<Self, SnapshotError> {
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
        for entry in &manifest.tables {
            match table(&entry.name) {
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
                Some(_) => {}
            }
            if entry.file.contains('/') || entry.file.contains('\\') || entry.file.starts_with('.')
            {
                return Err(SnapshotError::Manifest {
                    path: dir.join(MANIFEST_FILE),
                    message: format!("table file name `{}` is not a plain file name", entry.file),
                });
            }
            let path = dir.join(&entry.file);
            if !path.is_file() {
                return Err(SnapshotError::MissingFile {
                    table: entry.name.clone(),
                    path,
                });
            }
            let actual = sha256_file(&path)?;
            if actual != entry.sha256 {
                return Err(SnapshotError::HashMismatch {
                    table: entry.name.clone(),
                    path,
                    expected: entry.sha256.clone(),
                    actual,
                });
            }
        }
        Ok(Self {
            path: dir.to_path_buf(),
            manifest,
        })
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
        let file = File::open(&path).map_err(|e| SnapshotError::io("cannot open", &path, e))?;
        let reader = SerializedFileReader::new(file).map_err(|e| SnapshotError::Parquet {
            table: name.to_owned(),
            path: path.clone(),
            message: e.to_string(),
        })?;
        let dated: Vec<usize> = def
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.ty == ColumnType::Timestamp)
            .map(|(i, _)| i)
            .collect();
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
        Ok(range.and_then(|(lo, hi)| {
            Some((
                DateTime::from_timestamp_micros(lo)?,
                DateTime::from_timestamp_micros(hi)?,
            ))
        }))
    }

    /// Reads a whole table into one record batch, checking its columns against this
    /// version's schema.
    pub fn read_table(&self, name: &str) -> Result<RecordBatch, SnapshotError> {
        let def: &'static Table = table(name).ok_or_else(|| SnapshotError::UnknownTable {
            name: name.to_owned(),
        })?;
        let path = self.table_path(name)?;
        let parquet_err = |e: &dyn std::fmt::Display| SnapshotError::Parquet {
            table: name.to_owned(),
            path: path.clone(),
            message: e.to_string(),
        };
        let file = File::open(&path).map_err(|e| SnapshotError::io("cannot open", &path, e))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_err(&e))?;
        let expected = def.schema();
        let found = builder.schema().clone();
        if found.fields().len() != expected.fields().len()
            || found
                .fields()
                .iter()
                .zip(expected.fields())
                .any(|(a, b)| a.name() != b.name() || a.data_type() != b.data_type())
        {
            let names = |s: &arrow::datatypes::Schema| {
                s.fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(SnapshotError::Schema {
                table: name.to_owned(),
                message: format!("found ({}), expected ({})", names(&found), names(&expected)),
            });
        }
        let reader = builder.build().map_err(|e| parquet_err(&e))?;
        let mut batches = Vec::new();
        for batch in reader {
            batches.push(batch.map_err(|e| parquet_err(&e))?);
        }
        let batch = concat_batches(&expected, &batches).map_err(|e| parquet_err(&e))?;
        Ok(batch)
    }
}
