//! Untrusted snapshots. The demo snapshot with ONE of its Parquet files replaced or mutated
//! by the input, and its manifest's sha256 rewritten to match (as anyone who hands out a
//! snapshot can): `Snapshot::open` returns a snapshot or an error and never panics; an
//! opened snapshot answers `select * from <table>` and a query of the `principals` view
//! with rows or an error, never a panic.
//!
//! Input: a table byte (which file, modulo the number of tables), a mode byte, then
//! - mode 0: the whole new file;
//! - mode 1: 5-byte edits, each a little-endian offset (modulo the file's length) and a
//!   byte to write there;
//! - mode 2: a little-endian 4-byte offset (modulo the length + 1) where the file is cut,
//!   then bytes appended after the cut;
//! - mode 3: like 2, but the bytes overwrite the file from the offset on and the file
//!   keeps its length (the footer and its length field stay in place).

#![no_main]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use iamsnap_engine::Engine;
use iamsnap_snapshot::{MANIFEST_FILE, Manifest, Snapshot, sha256_file};
use libfuzzer_sys::fuzz_target;

struct Base {
    /// A copy of the demo snapshot this process mutates, one file at a time.
    dir: PathBuf,
    manifest: Manifest,
    /// Original bytes of each table file, in manifest order.
    files: Vec<(String, String, Vec<u8>)>,
    runtime: tokio::runtime::Runtime,
}

fn base() -> &'static Mutex<Base> {
    static BASE: OnceLock<Mutex<Base>> = OnceLock::new();
    BASE.get_or_init(|| {
        // After libFuzzer's hook (which aborts on any panic): the Parquet reader's panics
        // that `Snapshot::open` catches are not crashes; every other panic still is.
        iamsnap_snapshot::silence_caught_reader_panics();
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../snapshots/demo-2026-11-22");
        let dir =
            std::env::temp_dir().join(format!("iamsnap-fuzz-snapshot-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(&demo).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
        let manifest: Manifest =
            serde_json::from_slice(&fs::read(dir.join(MANIFEST_FILE)).unwrap()).unwrap();
        let files = manifest
            .tables
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    t.file.clone(),
                    fs::read(dir.join(&t.file)).unwrap(),
                )
            })
            .collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Mutex::new(Base {
            dir,
            manifest,
            files,
            runtime,
        })
    })
}

fn u32_at(data: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    for (w, b) in word.iter_mut().zip(data) {
        *w = *b;
    }
    u32::from_le_bytes(word)
}

fn mutate(original: &[u8], mode: u8, rest: &[u8]) -> Vec<u8> {
    match mode % 4 {
        0 => rest.to_vec(),
        1 => {
            let mut out = original.to_vec();
            if !out.is_empty() {
                for edit in rest.chunks_exact(5) {
                    let at = u32_at(edit) as usize % out.len();
                    out[at] = edit[4];
                }
            }
            out
        }
        2 => {
            let at = u32_at(rest) as usize % (original.len() + 1);
            let mut out = original[..at].to_vec();
            out.extend_from_slice(rest.get(4..).unwrap_or_default());
            out
        }
        _ => {
            let mut out = original.to_vec();
            let at = u32_at(rest) as usize % (original.len() + 1);
            for (o, b) in out
                .iter_mut()
                .skip(at)
                .zip(rest.get(4..).unwrap_or_default())
            {
                *o = *b;
            }
            out
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [which, mode, rest @ ..] = data else {
        return;
    };
    let base = base().lock().unwrap_or_else(|e| e.into_inner());
    let index = *which as usize % base.files.len();
    let (table, file, original) = &base.files[index];
    let mutated = mutate(original, *mode, rest);
    let path = base.dir.join(file);
    fs::write(&path, &mutated).unwrap();
    let mut manifest = base.manifest.clone();
    manifest.tables[index].sha256 = sha256_file(&path).unwrap();
    fs::write(
        base.dir.join(MANIFEST_FILE),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();

    if Snapshot::open(&base.dir).is_ok() {
        base.runtime.block_on(async {
            if let Ok(engine) = Engine::open(&base.dir).await {
                let _ = engine.query(&format!("select * from {table}")).await;
                let _ = engine
                    .query("select kind, count(*) from principals group by kind")
                    .await;
            }
        });
    }
    // Back to the demo for the next input.
    fs::write(&path, original).unwrap();
});
