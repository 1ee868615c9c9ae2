//! The iamsnap snapshot format.
//!
//! A snapshot is a folder with one Parquet file per table and a `manifest.json` giving the
//! format version, the accounts covered, when and from what it was captured, and every
//! file's row count and sha256. [`schema::TABLES`] defines every table and column; it is the
//! single source of truth for the files and for the reference in `docs/schema.md`.

mod builder;
mod docs;
mod error;
mod manifest;
mod read;
pub mod schema;
mod write;

pub use builder::{Cell, TableBuilder};
pub use docs::{schema_markdown, table_markdown};
pub use error::SnapshotError;
pub use manifest::{
    FORMAT_NAME, FORMAT_VERSION, MANIFEST_FILE, Manifest, ManifestInfo, MissingPart,
    OLDEST_FORMAT_VERSION, Source, SourceInput, TableEntry,
};
pub use read::{Snapshot, TimeRange, sha256_file, silence_caught_reader_panics};
pub use schema::{Column, ColumnType, Layout, TABLES, Table, table};
pub use write::{SnapshotWriter, remove_unfinished};
