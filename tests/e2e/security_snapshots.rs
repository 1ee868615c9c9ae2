//! Untrusted snapshots: whoever hands out a snapshot controls its manifest (and so its
//! sha256s) as well as its files. Every table file is verified before anything reads it,
//! SQL reads exactly the verified files, and a damaged file is an error naming it — never a
//! panic, never another file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use iamsnap_engine::{Engine, EngineError};
use iamsnap_snapshot::{Snapshot, SnapshotError, sha256_file};
use serde_json::Value;

use crate::common::{fails, ok, root, run, s, stderr, stdout};

/// A copy of the demo snapshot at `dest`.
fn demo_copy(dest: &Path) -> PathBuf {
    copy_snapshot("demo-2026-11-22", dest)
}

fn copy_snapshot(name: &str, dest: &Path) -> PathBuf {
    fs::create_dir_all(dest).unwrap();
    for entry in fs::read_dir(root().join("snapshots").join(name)).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), dest.join(entry.file_name())).unwrap();
    }
    dest.to_path_buf()
}

/// Changes the manifest entry of `table`.
fn edit_entry(snap: &Path, table: &str, edit: impl FnOnce(&mut Value)) {
    let path = snap.join("manifest.json");
    let mut manifest: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    let entry = manifest["tables"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["name"] == table)
        .unwrap();
    edit(entry);
    fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

/// Writes `bytes` as the file of `table` and records their sha256 in the manifest, as an
/// attacker would.
fn plant(snap: &Path, table: &str, bytes: &[u8]) -> PathBuf {
    let file = snap.join(format!("{table}.parquet"));
    fs::write(&file, bytes).unwrap();
    let hash = sha256_file(&file).unwrap();
    edit_entry(snap, table, |e| e["sha256"] = hash.into());
    file
}

fn no_panic(out: &Output) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "a panic was printed:\n{err}"
    );
    // 1 is `check`'s exit when it has findings.
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "exit {:?} (a signal or a panic):\n{err}",
        out.status
    );
}

/// The footer length of a Parquet file (the 4 bytes before the closing `PAR1`) set to
/// more than the whole file.
fn footer_length_beyond_file(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let at = out.len() - 8;
    let len = u32::try_from(out.len() + 1000).unwrap();
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    out
}

#[test]
fn crafted_parquet_footer_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_copy(&dir.path().join("snap"));
    let original = fs::read(snap.join("users.parquet")).unwrap();
    let file = plant(&snap, "users", &footer_length_beyond_file(&original));
    let file = fs::canonicalize(file).unwrap();
    for args in [
        vec!["query", s(&snap), "select count(*) from users"],
        vec!["query", s(&snap), "select 1"],
        vec!["check", s(&snap)],
        vec!["inspect", s(&snap)],
    ] {
        let out = run(&args);
        no_panic(&out);
        let err = fails(&args);
        assert!(
            err.contains(&format!(
                "table `users` is damaged: `{}` is not a readable table file",
                file.display()
            )),
            "{args:?}: {err}"
        );
        assert!(err.contains("help: the snapshot is damaged"), "{err}");
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    }
}

#[test]
fn glob_characters_in_manifest_file_names_never_read_another_file() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_copy(&dir.path().join("snap"));
    // The listed, verified file is `u[s]ers.parquet`; a reader that takes the name as a
    // pattern reads the unlisted `users.parquet` instead.
    fs::rename(snap.join("users.parquet"), snap.join("u[s]ers.parquet")).unwrap();
    fs::copy(snap.join("groups.parquet"), snap.join("users.parquet")).unwrap();
    for name in [
        "u[s]ers.parquet",
        "u*.parquet",
        "users.parquet?x",
        "users.parquet#x",
    ] {
        edit_entry(&snap, "users", |e| e["file"] = name.into());
        let err = fails(&["query", s(&snap), "select count(*) from users"]);
        assert!(
            err.contains(&format!(
                "table `users` has file name `{name}`; this format names it `users.parquet`"
            )),
            "{name}: {err}"
        );
    }
}

#[test]
fn symlinked_table_file_is_refused_without_printing_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_copy(&dir.path().join("snap"));
    let secret = dir.path().join("secret.txt");
    fs::write(&secret, "the user's private notes").unwrap();
    let secret_hash = sha256_file(&secret).unwrap();
    // A link to a file outside the snapshot: the manifest's hash does not match it, and the
    // error must not tell what the file's hash is.
    fs::remove_file(snap.join("users.parquet")).unwrap();
    std::os::unix::fs::symlink(&secret, snap.join("users.parquet")).unwrap();
    let err = fails(&["query", s(&snap), "select 1"]);
    assert!(
        err.contains(
            "users.parquet` is a symbolic link; a snapshot's table files must be regular files"
        ),
        "{err}"
    );
    assert!(!err.contains(&secret_hash), "{err}");
    // Nor when the manifest records the link target's hash.
    edit_entry(&snap, "users", |e| e["sha256"] = secret_hash.clone().into());
    let err = fails(&["check", s(&snap)]);
    assert!(err.contains("is a symbolic link"), "{err}");
    assert!(!err.contains("private notes"), "{err}");
    // A plain mismatch names the recorded hash, never the file's.
    fs::remove_file(snap.join("users.parquet")).unwrap();
    fs::copy(&secret, snap.join("users.parquet")).unwrap();
    edit_entry(&snap, "users", |e| e["sha256"] = "00".repeat(32).into());
    let err = fails(&["query", s(&snap), "select 1"]);
    assert!(
        err.contains("does not have the sha256 the manifest recorded"),
        "{err}"
    );
    assert!(!err.contains(&secret_hash), "{err}");
}

#[test]
fn snapshot_path_through_symlink_dotdot_reads_the_verified_folder() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    // `base/link/../snap` is `base/a/snap` to the file system (link -> a/b), but `base/snap`
    // to anything that removes `..` by text.
    fs::create_dir_all(base.join("a/b")).unwrap();
    std::os::unix::fs::symlink(base.join("a/b"), base.join("link")).unwrap();
    demo_copy(&base.join("a/snap"));
    let decoy = copy_snapshot("demo-2026-11-01", &base.join("snap"));
    // The decoy differs from the verified snapshot in its roles.
    let expected = ok(&[
        "query",
        s(&base.join("a/snap")),
        "select count(*) as n from roles",
    ]);
    let decoy_count = ok(&["query", s(&decoy), "select count(*) as n from roles"]);
    assert_ne!(expected, decoy_count);
    let through = base.join("link/../snap");
    let out = ok(&["query", s(&through), "select count(*) as n from roles"]);
    assert_eq!(out, expected);
    assert!(out.contains("122"), "{out}");
}

#[test]
fn folder_names_with_glob_characters_can_be_queried() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["snap [x]*?%#", "100%41 {a,b}", "a%2Fb", "caf\u{e9} ~ $HOME"] {
        let snap = demo_copy(&dir.path().join(name));
        // A folder the text of the name would also match, or decode to, with other data.
        let out = ok(&["query", s(&snap), "select count(*) as n from roles"]);
        assert!(out.contains("122"), "{name}: {out}");
        let out = ok(&[
            "query",
            s(&snap),
            "select count(*) as n from principals where principal_type = 'user'",
        ]);
        assert!(out.contains("12"), "{name}: {out}");
    }
    // `100%41` decodes to `100A`: a snapshot there must not be what is read.
    copy_snapshot("demo-2026-11-01", &dir.path().join("100A {a,b}"));
    let out = ok(&[
        "query",
        s(&dir.path().join("100%41 {a,b}")),
        "select count(*) as n from roles",
    ]);
    assert!(out.contains("122"), "{out}");
}

#[test]
fn wrong_schema_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_copy(&dir.path().join("snap"));
    // The groups file in place of the users file, its hash and row count recorded.
    let groups = fs::read(snap.join("groups.parquet")).unwrap();
    let file = fs::canonicalize(plant(&snap, "users", &groups)).unwrap();
    edit_entry(&snap, "users", |e| e["rows"] = 4.into());
    let err = fails(&["query", s(&snap), "select count(*) from principals"]);
    assert!(
        err.contains(&format!(
            "table `users` (`{}`) does not have this format's columns: column 4 is `group_id`",
            file.display()
        )),
        "{err}"
    );
    assert!(err.contains("this format has `user_id`"), "{err}");
    assert!(!err.contains("internal error"), "{err}");
}

#[test]
fn manifest_row_count_mismatch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_copy(&dir.path().join("snap"));
    edit_entry(&snap, "users", |e| e["rows"] = 13.into());
    let err = fails(&["query", s(&snap), "select count(*) from users"]);
    let file = fs::canonicalize(snap.join("users.parquet")).unwrap();
    assert!(
        err.contains(&format!(
            "table `users` (`{}`) holds 12 rows; the manifest recorded 13",
            file.display()
        )),
        "{err}"
    );
}

#[test]
fn table_changed_after_open_is_reverified() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_copy(&dir.path().join("snap"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = Engine::open(&snap).await.unwrap();
        let count = |batches: Vec<arrow::record_batch::RecordBatch>| {
            arrow::util::pretty::pretty_format_batches(&batches)
                .unwrap()
                .to_string()
        };
        let before = count(engine.query("select count(*) from users").await.unwrap());
        assert!(before.contains("12"), "{before}");

        // Same content, new times: verified again, and the query goes on.
        let file = snap.join("users.parquet");
        let original = fs::read(&file).unwrap();
        fs::write(&file, &original).unwrap();
        let again = count(engine.query("select count(*) from users").await.unwrap());
        assert_eq!(again, before);

        // Other content (another valid users file): the open manifest no longer matches.
        let other = root().join("snapshots/demo-2026-11-01/roles.parquet");
        fs::copy(&other, snap.join("roles.parquet")).unwrap();
        let err = engine
            .query("select count(*) from roles")
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                EngineError::Snapshot(SnapshotError::Changed { ref table, .. }) if table == "roles"
            ),
            "{text}"
        );
        assert!(
            text.contains("table `roles` changed since the snapshot was opened")
                && text.contains("roles.parquet` does not have the sha256 the manifest recorded"),
            "{text}"
        );
        // Every query fails, not only those of that table, until it is put back.
        assert!(engine.query("select 1").await.is_err());
        fs::copy(
            root().join("snapshots/demo-2026-11-22/roles.parquet"),
            snap.join("roles.parquet"),
        )
        .unwrap();
        let back = count(engine.query("select count(*) from roles").await.unwrap());
        assert!(back.contains("122"), "{back}");

        // A table file replaced by a link, same content: refused.
        let outside = dir.path().join("users-copy.parquet");
        fs::write(&outside, &original).unwrap();
        fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink(&outside, &file).unwrap();
        let err = engine
            .query("select count(*) from users")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
    });
}

#[test]
fn repl_refuses_a_table_changed_during_the_session() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_copy(&dir.path().join("snap"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_iamsnap"))
        .args(["repl", s(&snap)])
        .env("NO_COLOR", "1")
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    writeln!(stdin, "select 'first' as marker, count(*) as n from roles;").unwrap();
    stdin.flush().unwrap();
    // Wait for the first answer, then change a file behind the session's back.
    loop {
        let line = lines.next().unwrap().unwrap();
        if line.contains("first") {
            assert!(line.contains("122"), "{line}");
            break;
        }
    }
    fs::copy(
        root().join("snapshots/demo-2026-11-01/roles.parquet"),
        snap.join("roles.parquet"),
    )
    .unwrap();
    writeln!(
        stdin,
        "select 'second' as marker, count(*) as n from roles;"
    )
    .unwrap();
    drop(stdin);
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !rest.iter().any(|l| l.contains("second")),
        "the changed table was read: {rest:?}"
    );
    assert!(
        err.contains("table `roles` changed since the snapshot was opened"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(2), "{err}");
}

/// A small deterministic generator (xorshift64*), so the mutants are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Damaged variants of a Parquet file: cut at many places, bytes of the footer changed, the
/// footer length beyond the file, random bytes changed.
fn mutants(bytes: &[u8], rng: &mut Rng, random: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let len = bytes.len();
    for i in 0..24 {
        let at = len * i / 24 + (i % 3);
        out.push((format!("cut at {at}"), bytes[..at.min(len - 1)].to_vec()));
    }
    for back in 1..=8 {
        out.push((
            format!("cut {back} from the end"),
            bytes[..len - back].to_vec(),
        ));
    }
    out.push((
        "footer length beyond the file".into(),
        footer_length_beyond_file(bytes),
    ));
    let footer_len = u32::from_le_bytes(bytes[len - 8..len - 4].try_into().unwrap()) as usize;
    let footer_start = len - 8 - footer_len;
    for k in 0..24 {
        let at = footer_start + (footer_len * k) / 24;
        for value in [0x00, 0xff] {
            let mut m = bytes.to_vec();
            m[at] = value;
            out.push((format!("footer byte {at} = {value:#x}"), m));
        }
    }
    for _ in 0..random {
        let mut m = bytes.to_vec();
        let flips = 1 + rng.below(4);
        let mut what = Vec::new();
        for _ in 0..flips {
            let at = rng.below(len);
            m[at] ^= 1 << rng.below(8);
            what.push(at);
        }
        out.push((format!("bits flipped at {what:?}"), m));
    }
    out
}

#[test]
fn mutated_parquet_files_are_errors_naming_the_file_never_panics() {
    iamsnap_snapshot::silence_caught_reader_panics();
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_copy(&dir.path().join("snap"));
    let canonical = fs::canonicalize(&snap).unwrap();
    let manifest = fs::read(snap.join("manifest.json")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rng = Rng(0x1a2b_3c4d_5e6f_7788);
    let (mut refused, mut opened, mut subprocess) = (0, 0, 0);
    for (table, random) in [("users", 80), ("roles", 40), ("attachments", 30)] {
        let file = snap.join(format!("{table}.parquet"));
        let original = fs::read(&file).unwrap();
        for (i, (what, bytes)) in mutants(&original, &mut rng, random).into_iter().enumerate() {
            plant(&snap, table, &bytes);
            match Snapshot::open(&snap) {
                Err(e) => {
                    refused += 1;
                    let text = e.to_string();
                    assert!(
                        text.contains(&format!(
                            "`{}`",
                            canonical.join(format!("{table}.parquet")).display()
                        )) && text.contains(&format!("table `{table}`")),
                        "{table}, {what}: the error does not name the file: {text}"
                    );
                }
                Ok(_) => {
                    opened += 1;
                    // Verified: the queries read it, or fail naming it, without panicking.
                    rt.block_on(async {
                        match Engine::open(&snap).await {
                            Ok(engine) => {
                                let _ = engine.query(&format!("select * from {table}")).await;
                                let _ = engine.query("select * from principals").await;
                            }
                            Err(e) => assert!(
                                e.to_string()
                                    .contains(&format!("table `{table}` is damaged")),
                                "{table}, {what}: {e}"
                            ),
                        }
                    });
                }
            }
            // A few through the binary: exit 0 or 2, never a panic or a signal.
            if i % 12 == 0 {
                subprocess += 1;
                let args = ["query", s(&snap), &format!("select count(*) from {table}")];
                let out = run(&args);
                no_panic(&out);
                if i % 36 == 0 {
                    no_panic(&run(&["check", s(&snap)]));
                }
            }
        }
        fs::write(&file, &original).unwrap();
        fs::write(snap.join("manifest.json"), &manifest).unwrap();
    }
    eprintln!("{refused} mutants refused, {opened} opened, {subprocess} run by the binary");
    assert!(refused > 250, "refused {refused}, opened {opened}");
    assert!(subprocess >= 20, "{subprocess}");
}

#[test]
fn of_several_damaged_files_the_first_in_the_manifest_is_reported_every_time() {
    // Files are verified in parallel; the error must not depend on which finished first.
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_copy(&dir.path().join("snap"));
    let manifest: Value =
        serde_json::from_slice(&fs::read(snap.join("manifest.json")).unwrap()).unwrap();
    let names: Vec<String> = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    let (first, last) = (&names[1], &names[names.len() - 1]);
    for table in [first, last] {
        edit_entry(&snap, table, |e| e["sha256"] = "00".repeat(32).into());
    }
    for _ in 0..5 {
        let err = fails(&["inspect", s(&snap)]);
        assert!(
            err.contains(&format!("table `{first}`")),
            "expected `{first}` (first in the manifest) to be named:\n{err}"
        );
        assert!(!err.contains(&format!("table `{last}`")), "{err}");
    }
}
