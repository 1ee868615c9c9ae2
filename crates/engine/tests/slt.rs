//! SQL behaviour in sqllogictest files: `tests/slt/*.slt` run against the demo snapshot,
//! `tests/slt/pair/*.slt` against the two demo snapshots side by side (`old.`/`new.`).
//!
//! `IAMSNAP_SLT_COMPLETE=1 cargo test -p iamsnap-engine --test slt` rewrites the expected
//! results from what the engine returns (review the diff).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use arrow::util::display::{ArrayFormatter, FormatOptions};
use async_trait::async_trait;
use iamsnap_engine::{Engine, EngineError};
use sqllogictest::{
    AsyncDB, DBOutput, DefaultColumnType, Runner, default_column_validator, default_normalizer,
    default_validator,
};

fn snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots")
}

/// The engine as a sqllogictest database: every value as text, null as `NULL`, the empty
/// string as `(empty)`.
struct Db {
    engine: Engine,
}

#[async_trait]
impl AsyncDB for Db {
    type Error = EngineError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, EngineError> {
        let batches = self.engine.query(sql).await?;
        let options = FormatOptions::default().with_null("NULL");
        let mut rows = Vec::new();
        let mut width = 0;
        for batch in &batches {
            width = batch.num_columns();
            let formatters: Vec<ArrayFormatter> = batch
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
                .collect();
            for row in 0..batch.num_rows() {
                rows.push(
                    formatters
                        .iter()
                        .map(|f| {
                            let text = f.value(row).to_string();
                            if text.is_empty() {
                                "(empty)".to_owned()
                            } else {
                                text
                            }
                        })
                        .collect(),
                );
            }
        }
        Ok(DBOutput::Rows {
            types: vec![DefaultColumnType::Any; width],
            rows,
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "iamsnap"
    }
}

async fn open(pair: bool) -> Result<Db, EngineError> {
    let dir = snapshots();
    let engine = if pair {
        Engine::open_pair(&dir.join("demo-2026-11-01"), &dir.join("demo-2026-11-22")).await?
    } else {
        Engine::open(&dir.join("demo-2026-11-22")).await?
    };
    Ok(Db { engine })
}

fn slt_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    files
}

async fn run_dir(dir: &Path, pair: bool) -> usize {
    let complete = std::env::var("IAMSNAP_SLT_COMPLETE").is_ok_and(|v| v == "1");
    let files = slt_files(dir);
    let mut failures = Vec::new();
    for file in &files {
        let mut runner = Runner::new(move || open(pair));
        if complete {
            runner
                .update_test_file(
                    file,
                    " ",
                    default_validator,
                    default_normalizer,
                    default_column_validator,
                )
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        } else if let Err(e) = runner.run_file_async(file).await {
            failures.push(format!("{}:\n{}", file.display(), e.display(false)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    files.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn slt_files_pass_against_the_demo_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    assert!(
        run_dir(&dir, false).await > 0,
        "no .slt file in {}",
        dir.display()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn slt_files_pass_against_two_snapshots_side_by_side() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt/pair");
    assert!(
        run_dir(&dir, true).await > 0,
        "no .slt file in {}",
        dir.display()
    );
}
