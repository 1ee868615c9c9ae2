use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use iamsnap_snapshot::Snapshot;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

pub fn iamsnap() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamsnap"));
    cmd.env("NO_COLOR", "1").env_remove("RUST_LOG");
    cmd
}

pub fn run(args: &[&str]) -> Output {
    iamsnap().args(args).output().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and asserts success, returning stdout.
pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "iamsnap {args:?} failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Runs and asserts exit code 2, returning stderr.
pub fn fails(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "iamsnap {args:?} should fail with 2:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    stderr(&out)
}

pub fn rows(snapshot: &Path, table: &str) -> u64 {
    Snapshot::open(snapshot).unwrap().entry(table).unwrap().rows
}

/// Every file and folder under `dir`, relative, sorted: to show nothing was left behind.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
