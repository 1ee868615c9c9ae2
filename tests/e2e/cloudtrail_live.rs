//! CloudTrail activity read from AWS: log objects in S3 (a real local moto_server holding
//! the fixture logs under CloudTrail's key layout) and CloudTrail's event history
//! (`LookupEvents`, which moto lacks, answered by the test proxy from the same records).
//! Each is checked against `iamsnap import --cloudtrail-logs` of the same records: the same
//! `activity` table from every source.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chrono::{NaiveDate, TimeDelta, Utc};
use serde_json::Value;

use crate::common::*;
use crate::export::{
    export, export_ok, manifest, missing_parts, query, skipped, with_test_credentials,
};
use crate::moto::{FaultProxy, Faults, LookupEvents, Moto};

const BUCKET: &str = "acme-trail";
const TRAIL_ACCOUNT: &str = "218007301253";

fn fixture_day() -> PathBuf {
    fixture("cloudtrail/AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10")
}

/// The six fixture log files, by name.
fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_day())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 6);
    files
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    out.stdout
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return bytes.to_vec();
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.gz");
    std::fs::write(&f, bytes).unwrap();
    let out = Command::new("gzip").arg("-dc").arg(&f).output().unwrap();
    assert!(out.status.success());
    out.stdout
}

fn records_of(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&gunzip(&std::fs::read(path).unwrap())).unwrap();
    v["Records"].as_array().unwrap().clone()
}

fn day_folder(root: &Path, date: NaiveDate) -> PathBuf {
    root.join(format!(
        "AWSLogs/{TRAIL_ACCOUNT}/CloudTrail/us-east-1/{}",
        date.format("%Y/%m/%d")
    ))
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn days_ago(n: i64) -> NaiveDate {
    Utc::now().date_naive() - TimeDelta::days(n)
}

/// Copies every file under `from` to `to`, keeping relative paths.
fn copy_tree(from: &Path, to: &Path) {
    for rel in listing(from) {
        let src = from.join(&rel);
        if src.is_file() {
            write(&to.join(&rel), &std::fs::read(&src).unwrap());
        }
    }
}

/// A trail's bucket as CloudTrail lays it out, on disk under `root` (to upload, and to
/// import as files): the fixture logs spread over two recent days and one 40 days ago
/// (one plain file gzipped on the way), a cut gzip object, a digest file and a file that
/// is not a log. Returns the old day's folder.
fn lay_out_trail(root: &Path) -> PathBuf {
    let files = fixture_files();
    let (recent1, recent2, old) = (
        day_folder(root, days_ago(1)),
        day_folder(root, days_ago(3)),
        day_folder(root, days_ago(40)),
    );
    let name = |i: usize| files[i].file_name().unwrap().to_str().unwrap().to_owned();
    let bytes = |i: usize| std::fs::read(&files[i]).unwrap();
    // 1145Z (plain in the fixture): gzipped, as CloudTrail delivers.
    write(&recent1.join(format!("{}.gz", name(0))), &gzip(&bytes(0)));
    write(&recent2.join(name(2)), &bytes(2));
    write(&recent2.join(name(3)), &bytes(3));
    write(&recent2.join(name(5)), &bytes(5));
    // The old day holds the only calls of the role `stratus-red-team-get-usr-data-role`
    // and the only `CreateTrail`.
    write(&old.join(name(1)), &bytes(1));
    write(&old.join(name(4)), &bytes(4));
    // Malformed: a gzip object cut in half.
    let gz = bytes(2);
    write(
        &recent1.join(format!(
            "{TRAIL_ACCOUNT}_CloudTrail_us-east-1_{}T1300Z_cut.json.gz",
            days_ago(1).format("%Y%m%d")
        )),
        &gz[..gz.len() / 2],
    );
    write(&recent1.join("notes.txt"), b"not a log");
    let digest = root.join(format!(
        "AWSLogs/{TRAIL_ACCOUNT}/CloudTrail-Digest/us-east-1/{}/{TRAIL_ACCOUNT}_CloudTrail-Digest_us-east-1_trail_us-east-1_{}T120000Z.json.gz",
        days_ago(1).format("%Y/%m/%d"),
        days_ago(1).format("%Y%m%d")
    ));
    write(
        &digest,
        &gzip(br#"{"awsAccountId":"218007301253","logFiles":[]}"#),
    );
    old
}

/// Creates the bucket in moto and uploads every file under `root` with its relative path
/// as key, with boto3 from the test virtualenv.
fn upload(moto: &Moto, root: &Path) {
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap();
    let script = r#"
import os, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
s3.create_bucket(Bucket=sys.argv[2])
for folder, _, files in os.walk(sys.argv[3]):
    for f in files:
        path = os.path.join(folder, f)
        key = os.path.relpath(path, sys.argv[3]).replace(os.sep, "/")
        with open(path, "rb") as body:
            s3.put_object(Bucket=sys.argv[2], Key=key, Body=body.read())
"#;
    let o = Command::new(python)
        .args(["-c", script, &moto.url, BUCKET, s(root)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `iamsnap import` of the fixture account's IAM state with these CloudTrail logs.
fn import_logs(out: &Path, logs: &Path) -> String {
    ok(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/page1.json")),
        "--auth-details",
        s(&fixture("auth-details/page2.json")),
        "--cloudtrail-logs",
        s(logs),
        "-o",
        s(out),
    ])
}

fn table_sha(snapshot: &Path, table: &str) -> String {
    manifest(snapshot)["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == table)
        .unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Asserts both snapshots have the same `activity` table: row by row (for a readable
/// failure), then byte for byte.
fn assert_same_activity(got: &Path, want: &Path) {
    let sql = "select * from activity";
    let (a, b) = (query(got, sql), query(want, sql));
    assert!(!b.is_empty());
    assert_eq!(a.len(), b.len(), "row counts differ");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    assert_eq!(table_sha(got, "activity"), table_sha(want, "activity"));
}

fn notes(snapshot: &Path) -> Vec<String> {
    manifest(snapshot)["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect()
}

/// The first CloudTrail note: the counts of events, files and what was skipped.
fn counts_note(snapshot: &Path) -> String {
    notes(snapshot)
        .into_iter()
        .find(|n| n.starts_with("CloudTrail: ") && n.contains(" events from "))
        .unwrap()
}

fn input<'m>(m: &'m Value, kind: &str) -> Vec<&'m Value> {
    m["source"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == kind)
        .collect()
}

fn count(snapshot: &Path, filter: &str) -> i64 {
    let rows = query(
        snapshot,
        &format!("select count(*) as n from activity where {filter}"),
    );
    rows[0]["n"].as_i64().unwrap()
}

const OLD_ROLE: &str =
    "principal = 'arn:aws:iam::123837392027:role/stratus-red-team-get-usr-data-role'";

#[test]
fn logs_in_s3_give_the_activity_of_the_same_files_imported() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("bucket");
    let old_day = lay_out_trail(&trail);
    upload(&moto, &trail);
    // Through the proxy, to see which objects are asked for.
    let proxy = FaultProxy::start(moto.port, Faults::default());

    let exported = dir.path().join("exported");
    let out = export_ok(
        &proxy.url,
        &exported,
        &[
            "--cloudtrail-s3",
            &format!("s3://{BUCKET}/AWSLogs/"),
            "--concurrency",
            "3",
            "--max-attempts",
            "2",
            "--verbose",
        ],
    );
    let imported = dir.path().join("imported");
    let import_out = import_logs(&imported, &trail.join("AWSLogs"));
    assert_same_activity(&exported, &imported);
    assert!(
        import_out.contains("summarized 394 CloudTrail events from 6 log files"),
        "{import_out}"
    );
    assert!(
        out.contains(&format!(
            "summarized 394 CloudTrail events from 6 log files into {} activity rows (skipped 1 malformed files, 1 digest files)",
            rows(&imported, "activity")
        )),
        "{out}"
    );
    // The same counts, word for word, in both manifests.
    assert_eq!(counts_note(&exported), counts_note(&imported));
    assert!(
        counts_note(&exported).contains(
            "skipped: 1 malformed files, 0 malformed records, 1 digest files, 1 other files"
        ),
        "{}",
        counts_note(&exported)
    );
    // The malformed object is named.
    let cut = format!(
        "skipped malformed file `s3://{BUCKET}/AWSLogs/{TRAIL_ACCOUNT}/CloudTrail/us-east-1/{}/{TRAIL_ACCOUNT}_CloudTrail_us-east-1_{}T1300Z_cut.json.gz`: not valid gzip",
        days_ago(1).format("%Y/%m/%d"),
        days_ago(1).format("%Y%m%d")
    );
    assert!(out.contains(&cut), "{out}");
    assert!(notes(&exported).iter().any(|n| n.contains(&cut)));
    // Every log object was read once; the digest and the text file never.
    let counts = proxy.counts();
    let gets: Vec<&str> = counts
        .seen
        .iter()
        .filter(|r| r.operation == "GetObject")
        .map(|r| r.target.as_str())
        .collect();
    assert_eq!(gets.len(), 7, "{gets:#?}");
    assert!(
        gets.iter()
            .all(|t| !t.contains("CloudTrail-Digest") && !t.contains("notes.txt")),
        "{gets:#?}"
    );
    assert!(out.contains("GetObject: 7\n"), "{out}");
    // The manifest names the location; its hash is the folder's (same names, same bytes).
    let m = manifest(&exported);
    let s3 = input(&m, "cloudtrail_s3");
    assert_eq!(s3.len(), 1);
    assert_eq!(s3[0]["name"], format!("s3://{BUCKET}/AWSLogs/"));
    let mi = manifest(&imported);
    assert_eq!(s3[0]["sha256"], input(&mi, "cloudtrail_logs")[0]["sha256"]);
    assert!(
        m["account_ids"]
            .as_array()
            .unwrap()
            .contains(&Value::from("123837392027"))
    );
    // Nothing is missing (the account in moto has no users or roles to ask service last
    // accessed data for).
    assert!(
        missing_parts(&exported).is_empty(),
        "{:?}",
        missing_parts(&exported)
    );
    assert!(count(&exported, OLD_ROLE) > 0);
    assert!(count(&exported, "event_name = 'CreateTrail'") > 0);

    // The last 7 days: the old day's objects are neither read nor listed, and their calls
    // are absent; the rest equals the import of the recent days' files.
    let recent = dir.path().join("recent");
    copy_tree(&trail, &recent);
    std::fs::remove_dir_all(recent.join(old_day.strip_prefix(&trail).unwrap())).unwrap();
    let proxy = FaultProxy::start(moto.port, Faults::default());
    let week = dir.path().join("week");
    let out = export_ok(
        &proxy.url,
        &week,
        &[
            "--cloudtrail-s3",
            &format!("s3://{BUCKET}/AWSLogs"),
            "--cloudtrail-days",
            "7",
            "--max-attempts",
            "2",
        ],
    );
    let imported_recent = dir.path().join("imported-recent");
    import_logs(&imported_recent, &recent.join("AWSLogs"));
    assert_same_activity(&week, &imported_recent);
    assert_eq!(count(&week, OLD_ROLE), 0);
    assert_eq!(count(&week, "event_name = 'CreateTrail'"), 0);
    let old_path = days_ago(40).format("%Y/%m/%d").to_string();
    let counts = proxy.counts();
    assert!(
        counts
            .seen
            .iter()
            .filter(|r| r.operation == "GetObject")
            .all(|r| !r.target.contains(&old_path)),
        "{:#?}",
        counts.seen
    );
    assert_eq!(counts.requests["GetObject"], 5);
    // The region's folder is listed from the first day asked on.
    let since = days_ago(7).format("%Y/%m/%d").to_string();
    assert!(
        counts.seen.iter().any(|r| r.operation == "ListObjectsV2"
            && r.target.contains("start-after=")
            && r.target.contains(&since.replace('/', "%2F"))),
        "{:#?}",
        counts.seen
    );
    assert!(
        out.contains(&format!(
            "`s3://{BUCKET}/AWSLogs/`: 5 log objects read, those dated {} or later",
            days_ago(7)
        )),
        "{out}"
    );

    // `import --into` reads the same location into an existing snapshot.
    let into = dir.path().join("into");
    ok(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/page1.json")),
        "--auth-details",
        s(&fixture("auth-details/page2.json")),
        "-o",
        s(&into),
    ]);
    let mut cmd = iamsnap();
    cmd.args([
        "import",
        "--cloudtrail-s3",
        &format!("s3://{BUCKET}/AWSLogs/"),
        "--endpoint-url",
        &moto.url,
        "--into",
        s(&into),
    ]);
    with_test_credentials(&mut cmd);
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("summarized 394 CloudTrail events from 6 log files"),
        "{}",
        stdout(&o)
    );
    assert_same_activity(&into, &imported);
    assert_eq!(input(&manifest(&into), "cloudtrail_s3").len(), 1);
}

#[test]
fn s3_access_denied_names_the_action_and_strict_writes_nothing() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("bucket");
    lay_out_trail(&trail);
    upload(&moto, &trail);
    let location = format!("s3://{BUCKET}/AWSLogs/");

    for (operation, action) in [
        ("GetObject", "s3:GetObject"),
        ("ListObjectsV2", "s3:ListBucket"),
    ] {
        let proxy = FaultProxy::start(
            moto.port,
            Faults {
                deny: Some(operation),
                ..Faults::default()
            },
        );
        let snap = dir.path().join(format!("denied-{operation}"));
        let out = export_ok(
            &proxy.url,
            &snap,
            &[
                "--cloudtrail-s3",
                &location,
                "--concurrency",
                "2",
                "--max-attempts",
                "2",
            ],
        );
        let missing = missing_parts(&snap);
        let part = &missing["cloudtrail_s3"];
        assert_eq!(part["action"], action, "{part}");
        let reason = part["reason"].as_str().unwrap();
        assert!(
            reason.starts_with(&format!(
                "AccessDenied: grant {action} ({operation} was refused"
            )),
            "{reason}"
        );
        assert!(
            out.contains(&format!(
                "missing: cloudtrail_s3: AccessDenied: grant {action}"
            )),
            "{out}"
        );
        // Denied once: the other objects are not asked for (at most one request per
        // download in flight).
        assert!(
            proxy.counts().requests[operation] <= 2,
            "{:?}",
            proxy.counts().requests
        );
        // The snapshot is written, without activity.
        assert_eq!(rows(&snap, "activity"), 0);
        if operation == "GetObject" {
            assert!(reason.contains("log objects not read"), "{reason}");
        }

        // --strict: exit 2 naming the action, nothing on disk.
        let strict_dir = tempfile::tempdir().unwrap();
        let o = export(
            &proxy.url,
            &strict_dir.path().join("snap"),
            &[
                "--cloudtrail-s3",
                &location,
                "--strict",
                "--max-attempts",
                "2",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{}\n{}", stdout(&o), stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(action) && err.contains("nothing was written"),
            "{err}"
        );
        assert!(listing(strict_dir.path()).is_empty());

        // An import has no missing parts: denied is an error.
        let snap_dir = tempfile::tempdir().unwrap();
        let mut cmd = iamsnap();
        cmd.args([
            "import",
            "--auth-details",
            s(&fixture("auth-details/page1.json")),
            "--cloudtrail-s3",
            &location,
            "--endpoint-url",
            &proxy.url,
            "--max-attempts",
            "2",
            "-o",
            s(&snap_dir.path().join("snap")),
        ]);
        with_test_credentials(&mut cmd);
        let o = cmd.output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(action), "{}", stderr(&o));
        assert!(listing(snap_dir.path()).is_empty());
    }

    // A bucket that does not exist, a prefix with nothing under it: exit 2, nothing written.
    for (location, says) in [
        (
            "s3://no-such-bucket/AWSLogs/",
            "the bucket `no-such-bucket` does not exist",
        ),
        (
            "s3://acme-trail/elsewhere/",
            "no CloudTrail log objects (`.json` or `.json.gz`) under `s3://acme-trail/elsewhere/`",
        ),
    ] {
        let out_dir = tempfile::tempdir().unwrap();
        let o = export(
            &moto.url,
            &out_dir.path().join("snap"),
            &["--cloudtrail-s3", location, "--max-attempts", "2"],
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
        assert!(listing(out_dir.path()).is_empty());
    }
}

#[test]
fn bad_cloudtrail_flags_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let cases: [(&[&str], &str); 6] = [
        (
            &["--cloudtrail-s3", "notaurl"],
            "`notaurl` is not an S3 location: it does not start with `s3://`",
        ),
        (
            &["--cloudtrail-s3", "s3://"],
            "`s3://` is not an S3 location: it names no bucket",
        ),
        (&["--cloudtrail-s3", "s3:///AWSLogs/"], "it names no bucket"),
        (&["--cloudtrail-days", "0"], "0 days is nothing to read"),
        (&["--cloudtrail-days", "91"], "which keeps 90 days"),
        (&["--cloudtrail-regions", "eu-west-1"], "--cloudtrail-days"),
    ];
    for (flags, says) in cases {
        // Nothing listens on port 9: these fail before any call.
        let o = export("http://127.0.0.1:9", &snap, flags);
        assert_eq!(o.status.code(), Some(2), "{flags:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{flags:?}: {}", stderr(&o));
        assert!(listing(dir.path()).is_empty());
    }
    // Import: the same checks of the S3 location, and days only with S3.
    let err = fails(&["import", "--cloudtrail-s3", "s3://", "--into", s(&snap)]);
    assert!(err.contains("it names no bucket"), "{err}");
    let err = fails(&[
        "import",
        "--cloudtrail-logs",
        s(&fixture("cloudtrail/AWSLogs")),
        "--cloudtrail-days",
        "7",
        "--into",
        s(&snap),
    ]);
    assert!(err.contains("--cloudtrail-s3"), "{err}");
    assert!(listing(dir.path()).is_empty());
}

/// The fixture records moved to recent days (each file by its own number of days, times of
/// day kept), the third file's events recorded in eu-west-1, and one record made malformed.
/// Returns the records within the last 7 days and the older ones.
fn recent_records() -> (Vec<Value>, Vec<Value>) {
    let shift = [1, 20, 2, 3, 3, 1];
    let (mut recent, mut old) = (Vec::new(), Vec::new());
    for (i, file) in fixture_files().iter().enumerate() {
        for mut r in records_of(file) {
            let time = r["eventTime"].as_str().unwrap();
            let t = chrono::DateTime::parse_from_rfc3339(time).unwrap();
            let day = days_ago(shift[i]);
            let moved = day
                .and_time(t.time())
                .and_utc()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            r["eventTime"] = Value::from(moved);
            if i == 2 {
                r["awsRegion"] = Value::from("eu-west-1");
            }
            if shift[i] > 7 {
                old.push(r)
            } else {
                recent.push(r)
            }
        }
    }
    // No `eventSource`: counted and named, from the files as from LookupEvents.
    recent[0].as_object_mut().unwrap().remove("eventSource");
    (recent, old)
}

#[test]
fn lookup_events_give_the_activity_of_the_same_records_in_files() {
    let Some(moto) = Moto::start() else {
        return skipped();
    };
    let (recent, old) = recent_records();
    assert!(old.len() == 55 && recent.len() == 394 - 55);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recent.json");
    write(
        &file,
        serde_json::json!({ "Records": recent })
            .to_string()
            .as_bytes(),
    );
    let imported = dir.path().join("imported");
    import_logs(&imported, &file);

    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            lookup: Some(std::sync::Arc::new(LookupEvents {
                records: recent.iter().chain(&old).cloned().collect(),
                page_size: 25,
                // The second request is throttled, and retried.
                throttle: vec![1],
            })),
            ..Faults::default()
        },
    );
    let exported = dir.path().join("exported");
    let out = export_ok(
        &proxy.url,
        &exported,
        &[
            "--cloudtrail-days",
            "7",
            "--cloudtrail-regions",
            "us-east-1,eu-west-1",
            "--max-attempts",
            "4",
            "--verbose",
        ],
    );
    assert_same_activity(&exported, &imported);
    assert_eq!(count(&exported, OLD_ROLE), 0);
    assert!(
        out.contains(&format!(
            "summarized {} CloudTrail events into",
            recent.len() - 1
        )) && out.contains("(skipped 1 malformed records)"),
        "{out}"
    );
    assert!(
        out.contains("skipped malformed record `LookupEvents us-east-1`, record ")
            && out.contains(": no `eventSource`"),
        "{out}"
    );

    // Paged: every page of both regions asked for, one request more for the throttled one.
    let counts = proxy.counts();
    let lookups: Vec<_> = counts
        .seen
        .iter()
        .filter(|r| r.operation == "LookupEvents")
        .collect();
    let per_region = |region: &str| lookups.iter().filter(|r| r.region == region).count();
    let pages = |n: usize| n.div_ceil(25);
    let east = recent
        .iter()
        .filter(|r| r["awsRegion"] == "us-east-1")
        .count();
    let west = recent.len() - east;
    assert!(pages(east) > 1 && pages(west) > 1);
    assert_eq!(counts.transient_injected, 1);
    assert_eq!(
        per_region("us-east-1") + per_region("eu-west-1"),
        pages(east) + pages(west) + 1
    );
    assert!(
        out.contains(&format!("LookupEvents: {}\n", pages(east) + pages(west))),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "LookupEvents in us-east-1 from {}",
            days_ago(7).format("%Y-%m-%d")
        )) && out.contains(&format!(
            "{east} management events in {} pages",
            pages(east)
        )),
        "{out}"
    );
    // Paced: a region's requests are at least half a second apart, except the retry of a
    // throttled one (the SDK's backoff).
    for region in ["us-east-1", "eu-west-1"] {
        let times: Vec<_> = lookups.iter().filter(|r| r.region == region).collect();
        for pair in times.windows(2) {
            if !pair[0].injected {
                let gap = pair[1].at.duration_since(pair[0].at);
                assert!(gap >= Duration::from_millis(450), "{region}: {gap:?}");
            }
        }
    }
    let m = manifest(&exported);
    let inputs = input(&m, "cloudtrail_lookup_events");
    assert_eq!(inputs.len(), 2);
    assert!(
        inputs[0]["name"]
            .as_str()
            .unwrap()
            .starts_with("LookupEvents eu-west-1 "),
        "{inputs:?}"
    );
    assert!(
        missing_parts(&exported).is_empty(),
        "{:?}",
        missing_parts(&exported)
    );

    // Denied: recorded with the action to grant; --strict writes nothing.
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            deny: Some("LookupEvents"),
            ..Faults::default()
        },
    );
    let denied = dir.path().join("denied");
    let out = export_ok(
        &proxy.url,
        &denied,
        &["--cloudtrail-days", "3", "--max-attempts", "2"],
    );
    let part = &missing_parts(&denied)["cloudtrail_lookup_events"];
    assert_eq!(part["action"], "cloudtrail:LookupEvents");
    assert!(
        out.contains(
            "missing: cloudtrail_lookup_events: AccessDenied: grant cloudtrail:LookupEvents"
        ),
        "{out}"
    );
    assert_eq!(rows(&denied, "activity"), 0);
    let strict_dir = tempfile::tempdir().unwrap();
    let o = export(
        &proxy.url,
        &strict_dir.path().join("snap"),
        &["--cloudtrail-days", "3", "--strict", "--max-attempts", "2"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cloudtrail:LookupEvents"),
        "{}",
        stderr(&o)
    );
    assert!(listing(strict_dir.path()).is_empty());
}

#[test]
fn output_is_refused_before_reading_cloudtrail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.txt"), "x").unwrap();
    let o = export(
        "http://127.0.0.1:9",
        dir.path(),
        &["--cloudtrail-s3", "s3://acme-trail/AWSLogs/"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(listing(dir.path()), ["mine.txt"]);
}
