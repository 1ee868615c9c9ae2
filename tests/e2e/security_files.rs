//! Hostile content on the terminal and on disk: control characters in what a snapshot,
//! a file name or an error quotes are escaped; `--force` and `--into` replace a snapshot
//! only when its folder holds nothing else; an interrupted import leaves nothing behind;
//! errors do not echo huge inputs; a FIFO in a CloudTrail folder is never opened.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

/// A role name an attacker who edits a snapshot (or its input) could write: an OSC that
/// retitles the terminal, a screen clear, a carriage return overwriting the line with a
/// fake result, a C1 CSI and a right-to-left override.
const EVIL: &str = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\r0 findings\u{9b}31m\u{202e}gpj";

/// The raw characters none of the terminal outputs may contain.
const RAW: [char; 6] = ['\u{1b}', '\u{7}', '\r', '\u{9b}', '\u{202e}', '\u{0}'];

fn assert_no_raw(what: &str, text: &str) {
    for c in RAW {
        assert!(
            !text.contains(c),
            "{what} prints {c:?} raw:\n{}",
            text.escape_debug()
        );
    }
}

/// One page of `get-account-authorization-details` with a role named `name` that anyone
/// can assume (so the NHI pack reports it).
fn page_with_role(name: &str) -> Value {
    json!({
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
        "IsTruncated": false,
        "RoleDetailList": [{
            "Path": "/",
            "RoleName": name,
            "RoleId": "AROAEXAMPLEEVIL00001",
            "Arn": format!("arn:aws:iam::111122223333:role/{name}"),
            "CreateDate": "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
            },
            "InstanceProfileList": [],
            "RolePolicyList": [],
            "AttachedManagedPolicies": []
        }]
    })
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// A snapshot of the fixture pages at `out`.
fn import_fixture(out: &Path) {
    ok(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/page1.json")),
        "--auth-details",
        s(&fixture("auth-details/page2.json")),
        "--captured-at",
        "2026-11-22T00:00:00Z",
        "-o",
        s(out),
    ]);
}

fn log_folder() -> PathBuf {
    fixture("cloudtrail/AWSLogs")
}

#[test]
fn escape_sequences_in_role_names_are_escaped_in_query_and_check_tables() {
    let dir = tempfile::tempdir().unwrap();
    // The input's file name carries escapes too: `inspect` lists it.
    let page = dir.path().join("page\u{1b}]0;file\u{7}.json");
    write_json(&page, &page_with_role(EVIL));
    let snap = dir.path().join("evil");
    let imported = ok(&["import", "--auth-details", s(&page), "-o", s(&snap)]);
    assert_no_raw("import", &imported);

    // query: the table escapes cells and headers, JSON escapes and keeps the value.
    let table = ok(&[
        "query",
        s(&snap),
        "SELECT name, name AS \"h\u{1b}[2Jdr\" FROM roles",
    ]);
    assert_no_raw("query table", &table);
    assert!(
        table.contains("evil\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\r0 findings\\u{9b}31m\\u{202e}gpj"),
        "{table}"
    );
    assert!(table.contains("h\\u{1b}[2Jdr"), "{table}");
    let json_text = ok(&[
        "query",
        s(&snap),
        "SELECT name FROM roles",
        "--format",
        "json",
    ]);
    assert_no_raw("query json", &json_text);
    let rows: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(rows[0]["name"], EVIL, "JSON keeps the exact value");
    let ndjson = ok(&[
        "query",
        s(&snap),
        "SELECT name FROM roles",
        "--format",
        "ndjson",
    ]);
    assert_no_raw("query ndjson", &ndjson);
    let row: Value = serde_json::from_str(ndjson.trim()).unwrap();
    assert_eq!(row["name"], EVIL);
    // CSV into a pipe or a file keeps the exact bytes (it is data for a program).
    let csv = ok(&[
        "query",
        s(&snap),
        "SELECT name FROM roles",
        "--format",
        "csv",
    ]);
    assert!(csv.contains(EVIL), "{}", csv.escape_debug());

    // check: every format that reaches a terminal or a PR comment is escaped.
    for format in ["table", "markdown", "json", "sarif"] {
        let out = run(&[
            "check",
            s(&snap),
            "--format",
            format,
            "--rule",
            "NHI-TRUST-001",
        ]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: the finding fails the run"
        );
        let text = stdout(&out);
        assert_no_raw(&format!("check --format {format}"), &text);
        assert!(text.contains("NHI-TRUST-001"), "{format}: {text}");
        if format == "table" {
            assert!(text.contains("evil\\u{1b}]0;pwned"), "{text}");
            // The real summary is the last line, not one forged by the role's name.
            assert!(
                text.trim_end()
                    .ends_with("1 finding (1 critical, 0 high, 0 medium, 0 low, 0 info)"),
                "{text}"
            );
        }
        if format == "json" || format == "sarif" {
            let v: Value = serde_json::from_str(&text).unwrap();
            assert!(
                v.to_string().contains("0 findings\\u009b31m") || text.contains("\\u009b"),
                "{text}"
            );
        }
    }

    // inspect lists the input's name; diff lists the added role.
    let inspect = ok(&["inspect", s(&snap)]);
    assert_no_raw("inspect", &inspect);
    assert!(
        inspect.contains("page\\u{1b}]0;file\\u{7}.json"),
        "{inspect}"
    );
    let clean = dir.path().join("clean");
    import_fixture(&clean);
    let diff = run(&["diff", s(&clean), s(&snap)]);
    let diff_text = stdout(&diff);
    assert_no_raw("diff", &diff_text);
    assert!(diff_text.contains("evil\\u{1b}]0;pwned"), "{diff_text}");
    let diff_md = stdout(&run(&["diff", s(&clean), s(&snap), "--format", "markdown"]));
    assert_no_raw("diff markdown", &diff_md);

    // Errors echo role names, SQL and file names: escaped on stderr too.
    let err = fails(&["query", s(&snap), "SELECT \u{1b}]0;sql\u{7} FROM roles"]);
    assert_no_raw("query error", &err);
    let err = fails(&["rules", "show", "X\u{1b}[2J\r"]);
    assert_no_raw("rules show error", &err);
    assert!(err.contains("X\\u{1b}[2J\\r"), "{err}");
    let missing = dir.path().join("no\u{1b}]0;such\u{7}");
    let err = fails(&["inspect", s(&missing)]);
    assert_no_raw("inspect error", &err);
    assert!(err.contains("no\\u{1b}]0;such\\u{7}"), "{err}");
}

#[test]
fn escape_sequences_in_rule_packs_are_escaped_in_rules_list_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("evil.rules");
    std::fs::write(
        &pack,
        "rule EVIL-001 evil\n  severity high\n  title \"T\u{1b}]0;pwned\u{7}itle\"\n  description \"D\u{1b}[2Jesc\"\n  for role r\n  where r trusts anyone without condition \"*\"\n  message \"{r.name} \u{9b}31m\"\n",
    )
    .unwrap();
    let list = ok(&["rules", "list", "--pack", s(&pack)]);
    assert_no_raw("rules list", &list);
    assert!(list.contains("T\\u{1b}]0;pwned\\u{7}itle"), "{list}");
    let show = ok(&["rules", "show", "EVIL-001", "--pack", s(&pack)]);
    assert_no_raw("rules show", &show);
    assert!(show.contains("D\\u{1b}[2Jesc"), "{show}");
}

/// Every file under `dir` with its content, to show nothing changed.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    listing(dir)
        .into_iter()
        .map(|rel| {
            let p = dir.join(&rel);
            let bytes = if p.is_file() {
                std::fs::read(&p).unwrap()
            } else {
                Vec::new()
            };
            (rel, bytes)
        })
        .collect()
}

#[test]
fn force_refuses_a_folder_with_foreign_files_and_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    import_fixture(&snap);
    std::fs::write(snap.join("notes.txt"), "keep me").unwrap();
    std::fs::create_dir(snap.join("drafts")).unwrap();
    std::fs::write(snap.join("drafts/plan.md"), "keep me too").unwrap();
    for i in 0..6 {
        std::fs::write(snap.join(format!("z{i}.csv")), "x").unwrap();
    }
    let before = contents(dir.path());
    let err = fails(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/page1.json")),
        "--auth-details",
        s(&fixture("auth-details/page2.json")),
        "-o",
        s(&snap),
        "--force",
    ]);
    assert!(err.contains("refusing to replace"), "{err}");
    assert!(err.contains("8 other files"), "{err}");
    assert!(
        err.contains("`drafts/`") && err.contains("`notes.txt`"),
        "{err}"
    );
    assert!(err.contains("and 3 more"), "{err}");
    assert!(err.contains("help: move the other files out"), "{err}");
    assert_eq!(contents(dir.path()), before, "nothing was deleted or added");

    // A folder holding its snapshot and nothing else is replaced, leaving nothing beside.
    for extra in [
        "notes.txt",
        "z0.csv",
        "z1.csv",
        "z2.csv",
        "z3.csv",
        "z4.csv",
        "z5.csv",
    ] {
        std::fs::remove_file(snap.join(extra)).unwrap();
    }
    std::fs::remove_dir_all(snap.join("drafts")).unwrap();
    let page = dir.path().join("page.json");
    write_json(&page, &page_with_role("r"));
    ok(&[
        "import",
        "--auth-details",
        s(&page),
        "-o",
        s(&snap),
        "--force",
    ]);
    assert_eq!(rows(&snap, "roles"), 1, "replaced by the one-role snapshot");
    assert_eq!(
        listing(dir.path())
            .iter()
            .filter(|p| !p.starts_with("snap"))
            .collect::<Vec<_>>(),
        vec!["page.json"],
        "nothing left beside the snapshot"
    );
}

#[test]
fn force_never_deletes_through_a_symbolic_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    import_fixture(&real);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    // A table file of the snapshot that is a link to a file elsewhere is not its own.
    let other = dir.path().join("other");
    import_fixture(&other);
    let outside = dir.path().join("outside.parquet");
    std::fs::write(&outside, "not the snapshot's").unwrap();
    std::fs::remove_file(other.join("users.parquet")).unwrap();
    std::os::unix::fs::symlink(&outside, other.join("users.parquet")).unwrap();
    let page = dir.path().join("page.json");
    write_json(&page, &page_with_role("r"));
    let before = contents(dir.path());
    let err = fails(&[
        "import",
        "--auth-details",
        s(&page),
        "-o",
        s(&link),
        "--force",
    ]);
    assert!(err.contains("symbolic link"), "{err}");
    let err = fails(&[
        "import",
        "--auth-details",
        s(&page),
        "-o",
        s(&other),
        "--force",
    ]);
    assert!(err.contains("`users.parquet`"), "{err}");
    assert_eq!(contents(dir.path()), before);
}

#[test]
fn into_refuses_a_folder_with_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    import_fixture(&snap);
    std::fs::write(snap.join("README.md"), "my notes about this snapshot").unwrap();
    let before = contents(dir.path());
    let err = fails(&[
        "import",
        "--into",
        s(&snap),
        "--cloudtrail-logs",
        s(&log_folder()),
    ]);
    assert!(err.contains("refusing to replace"), "{err}");
    assert!(err.contains("1 other file: `README.md`"), "{err}");
    assert_eq!(
        contents(dir.path()),
        before,
        "the snapshot and the note are untouched"
    );
}

/// Starts an import of a large generated account into `out` and returns once its partial
/// folder exists, with the child.
fn start_large_import(big: &Path, out: &Path) -> std::process::Child {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_iamsnap"))
        .args(["import", "--auth-details", s(big), "-o", s(out)])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let parent = out.parent().unwrap();
    let partial = format!(
        ".{}.partial-{}",
        out.file_name().unwrap().to_str().unwrap(),
        child.id()
    );
    let started = Instant::now();
    while !parent.join(&partial).exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before its partial folder was seen"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no partial folder"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // Let it read and write for a moment.
    std::thread::sleep(Duration::from_millis(200));
    child
}

fn generate_big(dir: &Path) -> PathBuf {
    let big = dir.join("big.json");
    ok(&["generate", "--roles", "20000", "--seed", "7", "-o", s(&big)]);
    big
}

#[test]
fn interrupted_import_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let big = generate_big(dir.path());
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let out = dir.path().join("made/by/import/snap");
        let child = start_large_import(&big, &out);
        assert!(
            child_alive(&child),
            "SIG{signal}: the import is still running"
        );
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(code),
            "SIG{signal}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(&format!(
                "interrupted (SIG{signal}): removed the unfinished snapshot"
            )),
            "{}",
            stderr(&output)
        );
        assert_eq!(
            listing(dir.path()),
            vec!["big.json".to_owned()],
            "SIG{signal}: no partial folder, no created parent"
        );
    }
}

fn child_alive(child: &std::process::Child) -> bool {
    Path::new("/proc").join(child.id().to_string()).exists()
}

#[test]
fn stale_partial_folder_of_dead_process_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    // A process that has ended: its pid is free.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    let dead = gone.id();
    let stale = dir.path().join(format!(".x.partial-{dead}"));
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("roles.parquet"), "half written").unwrap();
    std::fs::write(stale.join("manifest.json"), "{").unwrap();
    // Left alone: a folder of the same name holding something else, other names, and a
    // partial folder of a live process (this test's).
    let foreign = dir
        .path()
        .join(format!(".x.partial-{}", dead.wrapping_add(1_000_000)));
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("roles.parquet"), "x").unwrap();
    std::fs::write(foreign.join("diary.txt"), "mine").unwrap();
    let alive = dir
        .path()
        .join(format!(".x.partial-{}", std::process::id()));
    std::fs::create_dir(&alive).unwrap();
    std::fs::write(alive.join("roles.parquet"), "in use").unwrap();
    let other_name = dir.path().join(".x.partial-12ab");
    std::fs::create_dir(&other_name).unwrap();
    std::fs::write(other_name.join("roles.parquet"), "x").unwrap();
    let other_snapshot = dir.path().join(format!(".y.partial-{dead}"));
    std::fs::create_dir(&other_snapshot).unwrap();
    std::fs::write(other_snapshot.join("roles.parquet"), "x").unwrap();

    import_fixture(&dir.path().join("x"));
    assert!(
        !stale.exists(),
        "the dead process's partial snapshot is removed"
    );
    for kept in [&foreign, &alive, &other_name, &other_snapshot] {
        assert!(
            kept.join("roles.parquet").exists(),
            "{} is kept",
            kept.display()
        );
    }
    assert_eq!(
        std::fs::read_to_string(foreign.join("diary.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn huge_invalid_json_string_is_not_echoed_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "A".repeat(5 << 20);
    // A string where a list belongs: serde quotes the string in its message.
    let page = dir.path().join("page.json");
    std::fs::write(&page, format!("{{\"RoleDetailList\": \"{huge}\"}}")).unwrap();
    let out = dir.path().join("snap");
    let err = fails(&["import", "--auth-details", s(&page), "-o", s(&out)]);
    assert!(err.len() < 2_000, "{} bytes of error", err.len());
    assert!(err.contains("bytes left out"), "{err}");
    assert!(err.contains("RoleDetailList"), "{err}");
    assert!(!out.exists());
    // A policy document that does not parse, holding a huge string.
    let mut doc = page_with_role("r");
    doc["RoleDetailList"][0]["AssumeRolePolicyDocument"] =
        Value::String(format!("{{\"Statement\": \"{huge}"));
    write_json(&page, &doc);
    let err = fails(&["import", "--auth-details", s(&page), "-o", s(&out)]);
    assert!(
        err.len() < 2_000,
        "{} bytes of error: {}",
        err.len(),
        &err[..2_000]
    );
    // A CloudTrail log file given by itself whose record holds a huge value of a wrong type.
    let log = dir.path().join("log.json");
    std::fs::write(&log, format!("{{\"Records\": \"{huge}\"}}")).unwrap();
    write_json(&page, &page_with_role("r"));
    let err = fails(&[
        "import",
        "--auth-details",
        s(&page),
        "--cloudtrail-logs",
        s(&log),
        "-o",
        s(&out),
    ]);
    assert!(err.len() < 2_000, "{} bytes of error", err.len());
    assert!(!out.exists());
}

#[test]
fn fifo_in_cloudtrail_folder_is_skipped_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    for e in walk_files(&log_folder()) {
        std::fs::copy(&e, logs.join(e.file_name().unwrap())).unwrap();
    }
    let baseline = dir.path().join("baseline");
    ok(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/page2.json")),
        "--cloudtrail-logs",
        s(&logs),
        "-o",
        s(&baseline),
    ]);
    let made = std::process::Command::new("mkfifo")
        .arg(logs.join("evil.json"))
        .status()
        .unwrap();
    assert!(made.success());
    std::process::Command::new("mkfifo")
        .arg(logs.join("evil.json.gz"))
        .status()
        .unwrap();
    // A link to a log file outside the folder is not followed either.
    let outside = dir.path().join("outside.json");
    std::fs::write(&outside, r#"{"Records": []}"#).unwrap();
    std::os::unix::fs::symlink(&outside, logs.join("outside-link.json")).unwrap();
    let out = dir.path().join("snap");
    let mut child = iamsnap_std()
        .args([
            "import",
            "--auth-details",
            s(&fixture("auth-details/page2.json")),
            "--cloudtrail-logs",
            s(&logs),
            "-o",
            s(&out),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("the import hangs on the FIFO");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let note = |snap: &Path| -> String {
        let m: Value =
            serde_json::from_slice(&std::fs::read(snap.join("manifest.json")).unwrap()).unwrap();
        m["notes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .find(|n| n.contains(" other files"))
            .unwrap()
            .to_owned()
    };
    assert!(
        note(&baseline).ends_with(" 0 other files"),
        "{}",
        note(&baseline)
    );
    // The two FIFOs and the link are counted as skipped, never opened.
    assert!(note(&out).ends_with(" 3 other files"), "{}", note(&out));
    // The same activity as without them.
    let activity = |snap: &Path| {
        let csv = ok(&[
            "query",
            s(snap),
            "SELECT * FROM activity",
            "--format",
            "csv",
        ]);
        let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    assert_eq!(activity(&out), activity(&baseline));
}

fn iamsnap_std() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iamsnap"));
    cmd.env("NO_COLOR", "1");
    cmd
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}
