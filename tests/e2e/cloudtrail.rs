//! CloudTrail logs into the `activity` table: the summaries are checked against counts
//! computed here, straight from the log files' JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Int64Type, TimestampMicrosecondType};
use iamsnap_snapshot::Snapshot;
use serde_json::Value;

use crate::common::*;

fn logs() -> PathBuf {
    fixture("cloudtrail/AWSLogs")
}

fn auth_details() -> [PathBuf; 2] {
    [
        fixture("auth-details/page1.json"),
        fixture("auth-details/page2.json"),
    ]
}

/// Every log file under `dir`, read with serde_json (gzip through the system's `gzip`).
fn log_files(dir: &Path) -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            if p.is_dir() {
                stack.push(p);
            } else if name.ends_with(".json.gz") {
                let out_gz = Command::new("gzip").arg("-dc").arg(&p).output().unwrap();
                assert!(out_gz.status.success());
                out.push((p, serde_json::from_slice(&out_gz.stdout).unwrap()));
            } else if name.ends_with(".json") {
                out.push((
                    p.clone(),
                    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap(),
                ));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The values of (account, principal, principal type, principal account, session issuer,
/// invoked by, event source, event name, region, source IP, user agent family, error code,
/// day), in that order.
type Key = Vec<Option<String>>;

/// (count, first seen, last seen) with times as CloudTrail writes them.
type Agg = (i64, String, String);

fn opt(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// The user agent families of the strings that occur in the fixture and in these tests, by
/// the rules of docs/cloudtrail.md.
fn family(ua: &str) -> &'static str {
    if ua.contains("Terraform") {
        "terraform"
    } else if ua.contains("S3Console") || ua.starts_with("Mozilla/") {
        "console"
    } else if ua == "AWS Internal" || ua.ends_with(".amazonaws.com") {
        "aws-internal"
    } else if ua.contains("Boto3") {
        "boto3"
    } else if ua.starts_with("aws-cli/") {
        "aws-cli"
    } else if ua.starts_with("aws-sdk-go") {
        "aws-sdk-go"
    } else {
        "other"
    }
}

/// The expected `activity` rows, computed from the records.
fn expected(records: &[Value]) -> BTreeMap<Key, Agg> {
    let mut out: BTreeMap<Key, Agg> = BTreeMap::new();
    for r in records {
        let id = &r["userIdentity"];
        let invoked_by = opt(&id["invokedBy"]);
        let (principal, kind) = match id["type"].as_str() {
            Some("AssumedRole") => (
                opt(&id["sessionContext"]["sessionIssuer"]["arn"]).unwrap(),
                "AssumedRole",
            ),
            Some("AWSService") | None => (invoked_by.clone().unwrap(), "AWSService"),
            Some(other) => (opt(&id["arn"]).unwrap(), other),
        };
        let time = r["eventTime"].as_str().unwrap().to_owned();
        let key: Key = vec![
            opt(&r["recipientAccountId"]),
            Some(principal),
            Some(kind.to_owned()),
            opt(&id["accountId"]),
            opt(&id["sessionContext"]["sessionIssuer"]["arn"]),
            invoked_by,
            opt(&r["eventSource"]),
            opt(&r["eventName"]),
            opt(&r["awsRegion"]),
            opt(&r["sourceIPAddress"]),
            r["userAgent"].as_str().map(|ua| family(ua).to_owned()),
            opt(&r["errorCode"]),
            Some(time[..10].to_owned()),
        ];
        let e = out.entry(key).or_insert((0, time.clone(), time.clone()));
        e.0 += 1;
        if time < e.1 {
            e.1 = time.clone();
        }
        if time > e.2 {
            e.2 = time;
        }
    }
    out
}

fn fixture_records() -> Vec<Value> {
    log_files(&logs())
        .into_iter()
        .flat_map(|(_, v)| v["Records"].as_array().unwrap().clone())
        .collect()
}

/// The `activity` table of a snapshot, as the same keys.
fn activity(snapshot: &Path) -> BTreeMap<Key, Agg> {
    let batch = Snapshot::open(snapshot)
        .unwrap()
        .read_table("activity")
        .unwrap();
    let text = |name: &str, i: usize| -> Option<String> {
        let col = batch.column_by_name(name).unwrap().as_string::<i32>();
        (!col.is_null(i)).then(|| col.value(i).to_owned())
    };
    let time = |name: &str, i: usize| -> String {
        let col = batch
            .column_by_name(name)
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>();
        chrono::DateTime::from_timestamp_micros(col.value(i))
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let counts = batch
        .column_by_name("event_count")
        .unwrap()
        .as_primitive::<Int64Type>();
    let mut out = BTreeMap::new();
    for i in 0..batch.num_rows() {
        let key: Key = [
            "account_id",
            "principal",
            "principal_type",
            "principal_account",
            "session_issuer_arn",
            "invoked_by",
            "event_source",
            "event_name",
            "region",
            "source_ip",
            "user_agent_family",
            "error_code",
            "day",
        ]
        .iter()
        .map(|c| text(c, i))
        .collect();
        let agg = (counts.value(i), time("first_seen", i), time("last_seen", i));
        assert!(out.insert(key, agg).is_none(), "duplicate row {i}");
    }
    out
}

/// Asserts two summaries are equal, showing only the rows that differ.
fn assert_same(got: &BTreeMap<Key, Agg>, want: &BTreeMap<Key, Agg>) {
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, v)| want.get(*k) != Some(*v))
        .collect();
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(*v))
        .collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "rows not expected: {extra:#?}\nrows expected but absent: {missing:#?}"
    );
}

fn import_with_logs(out: &Path, logs: &[&Path], extra: &[&str]) -> String {
    let [p1, p2] = auth_details();
    let mut args = vec![
        "import",
        "--auth-details",
        s(&p1),
        "--auth-details",
        s(&p2),
        "-o",
        s(out),
    ];
    for l in logs {
        args.extend(["--cloudtrail-logs", s(l)]);
    }
    args.extend(extra);
    ok(&args)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn manifest(snapshot: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(snapshot.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn fixture_logs_are_summarized_as_counted_from_the_json() {
    let records = fixture_records();
    assert_eq!(records.len(), 394);
    let want = expected(&records);
    // The fixture exercises what the summaries distinguish.
    let kinds: std::collections::BTreeSet<&str> =
        want.keys().map(|k| k[2].as_deref().unwrap()).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["AWSService", "AssumedRole", "IAMUser"]
    );
    assert!(want.keys().any(|k| k[11].is_some()), "no failed call");
    assert!(
        want.keys()
            .any(|k| k[5].is_some() && k[2].as_deref() == Some("IAMUser"))
    );
    assert!(want.values().any(|a| a.0 > 1));

    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let out = import_with_logs(&snap, &[&logs()], &[]);
    assert!(
        out.contains("summarized 394 CloudTrail events from 6 log files into"),
        "{out}"
    );
    let got = activity(&snap);
    assert_eq!(got.len(), want.len());
    assert_same(&got, &want);

    let m = manifest(&snap);
    let inputs = m["source"]["inputs"].as_array().unwrap();
    let ct: Vec<&Value> = inputs
        .iter()
        .filter(|i| i["kind"] == "cloudtrail_logs")
        .collect();
    assert_eq!(ct.len(), 1);
    assert_eq!(ct[0]["name"], "AWSLogs");
    assert_eq!(ct[0]["sha256"].as_str().unwrap().len(), 64);
    assert!(
        m["account_ids"]
            .as_array()
            .unwrap()
            .contains(&Value::from("123837392027"))
    );
    let notes: Vec<&str> = m["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("CloudTrail: 394 events from 6 log files")
                && n.contains("0 malformed files, 0 malformed records")),
        "{notes:?}"
    );
}

#[test]
fn activity_is_queried_with_sql() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    import_with_logs(&snap, &[&logs()], &[]);
    let mut want: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
    for r in fixture_records() {
        if r["userIdentity"]["type"] == "AssumedRole" {
            let role = r["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"]
                .as_str()
                .unwrap()
                .to_owned();
            let e = want.entry(role).or_default();
            e.0 += 1;
            let name = r["eventName"].as_str().unwrap().to_owned();
            if !e.1.contains(&name) {
                e.1.push(name);
            }
        }
    }
    assert!(want.len() >= 2, "{want:?}");
    let out = ok(&[
        "query",
        s(&snap),
        "select principal, sum(event_count) as events, count(distinct event_name) as actions \
         from activity where principal_type = 'AssumedRole' group by principal order by principal",
        "--format",
        "json",
    ]);
    let rows: Value = serde_json::from_str(&out).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), want.len(), "{out}");
    for (row, (role, (events, actions))) in rows.iter().zip(&want) {
        assert_eq!(row["principal"], role.as_str());
        assert_eq!(row["events"], *events);
        assert_eq!(row["actions"], actions.len());
    }
}

#[test]
fn without_logs_activity_is_empty_and_into_adds_it() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let [p1, p2] = auth_details();
    ok(&[
        "import",
        "--auth-details",
        s(&p1),
        "--auth-details",
        s(&p2),
        "-o",
        s(&snap),
        "--captured-at",
        "2026-11-22",
    ]);
    assert_eq!(rows(&snap, "activity"), 0);
    let before = manifest(&snap);

    let out = ok(&[
        "import",
        "--cloudtrail-logs",
        s(&logs()),
        "--into",
        s(&snap),
    ]);
    assert!(out.contains("summarized 394 CloudTrail events"), "{out}");
    assert_same(&activity(&snap), &expected(&fixture_records()));
    let after = manifest(&snap);
    assert_eq!(after["captured_at"], before["captured_at"]);
    // Every other table is carried over unchanged.
    for (a, b) in before["tables"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["tables"].as_array().unwrap())
    {
        assert_eq!(a["name"], b["name"]);
        if a["name"] != "activity" {
            assert_eq!(a, b);
        }
    }
    let kinds: Vec<&str> = after["source"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["auth_details", "auth_details", "cloudtrail_logs"]);

    // Adding again replaces the activity and its source entry rather than adding to them.
    let one = logs().join(
        "218007301253/CloudTrail/us-east-1/2023/07/10/218007301253_CloudTrail_us-east-1_20230710T1230Z_soULWstxp7lqsODg.json",
    );
    ok(&["import", "--cloudtrail-logs", s(&one), "--into", s(&snap)]);
    let m = manifest(&snap);
    let ct: Vec<&Value> = m["source"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "cloudtrail_logs")
        .collect();
    assert_eq!(ct.len(), 1);
    assert_eq!(ct[0]["name"], one.file_name().unwrap().to_str().unwrap());
    let total: i64 = activity(&snap).values().map(|a| a.0).sum();
    assert_eq!(total, 3);
    assert_eq!(
        m["notes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n.as_str().unwrap().starts_with("CloudTrail: "))
            .count(),
        1
    );

    // A bad log leaves the snapshot as it was, and nothing beside it.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"Records\": [ {\"eventName\": \"x\"} ").unwrap();
    let files_before = listing(dir.path());
    let manifest_text = std::fs::read(snap.join("manifest.json")).unwrap();
    let err = fails(&["import", "--cloudtrail-logs", s(&bad), "--into", s(&snap)]);
    assert!(err.contains("bad.json"), "{err}");
    assert!(err.contains("is not a CloudTrail log file"), "{err}");
    assert_eq!(
        std::fs::read(snap.join("manifest.json")).unwrap(),
        manifest_text
    );
    assert_eq!(listing(dir.path()), files_before);
}

#[test]
fn malformed_input_in_a_folder_is_counted_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let logs_copy = dir.path().join("AWSLogs");
    copy_dir(&logs(), &logs_copy);
    let day = logs_copy.join("218007301253/CloudTrail/us-east-1/2023/07/10");
    // Not JSON; JSON that is not a log; a gzip file cut short; a digest file; a log with
    // one good and two malformed records.
    std::fs::write(day.join("notes.json"), "these are not logs").unwrap();
    std::fs::write(day.join("other.json"), "{\"a\": 1}").unwrap();
    let gz = std::fs::read(
        day.join("218007301253_CloudTrail_us-east-1_20230710T1215Z_YMDRJwtmC82bUwAo.json.gz"),
    )
    .unwrap();
    std::fs::write(day.join("cut.json.gz"), &gz[..gz.len() / 2]).unwrap();
    let digest = dir
        .path()
        .join("AWSLogs/218007301253/CloudTrail-Digest/us-east-1/2023/07/10");
    std::fs::create_dir_all(&digest).unwrap();
    std::fs::write(
        digest.join("218007301253_CloudTrail-Digest_us-east-1_trail_us-east-1_20230710T1300Z.json"),
        "{\"awsAccountId\": \"218007301253\", \"logFiles\": []}",
    )
    .unwrap();
    let good = r#"{"eventTime":"2023-07-11T08:00:00Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","userAgent":"aws-cli/2.13.0","recipientAccountId":"123837392027","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027"}}"#;
    std::fs::write(
        day.join("mixed.json"),
        format!(
            "{{\"Records\":[{good},{{\"eventTime\":\"2023-07-11T08:00:00Z\"}},{{\"eventTime\":7}}]}}"
        ),
    )
    .unwrap();

    let snap = dir.path().join("snap");
    let out = import_with_logs(&snap, &[&logs_copy], &[]);
    assert!(
        out.contains("summarized 395 CloudTrail events from 7 log files")
            && out.contains("(skipped 3 malformed files, 2 malformed records, 1 digest files)"),
        "{out}"
    );
    for name in ["notes.json", "other.json", "cut.json.gz"] {
        assert!(
            out.contains(&format!("skipped malformed file `AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/{name}`")),
            "{name}: {out}"
        );
    }
    assert!(
        out.contains("mixed.json`, record 1: no `eventSource`"),
        "{out}"
    );
    assert!(
        out.contains("mixed.json`, record 2: `eventTime`: invalid type"),
        "{out}"
    );
    let notes = manifest(&snap)["notes"].to_string();
    assert!(
        notes.contains("3 malformed files, 2 malformed records, 1 digest files"),
        "{notes}"
    );

    let mut records = fixture_records();
    records.push(serde_json::from_str(good).unwrap());
    assert_same(&activity(&snap), &expected(&records));
}

#[test]
fn a_single_malformed_file_is_an_error_naming_it_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("trail.json.gz");
    std::fs::write(&bad, b"\x1f\x8b\x08\x00 not really gzip").unwrap();
    let before = listing(dir.path());
    let [p1, p2] = auth_details();
    let snap = dir.path().join("out/snap");
    let err = fails(&[
        "import",
        "--auth-details",
        s(&p1),
        "--auth-details",
        s(&p2),
        "--cloudtrail-logs",
        s(&bad),
        "-o",
        s(&snap),
    ]);
    assert!(
        err.contains(&format!("`{}` is not a CloudTrail log file", bad.display())),
        "{err}"
    );
    assert!(err.contains("gzip"), "{err}");
    assert_eq!(listing(dir.path()), before);

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = fails(&[
        "import",
        "--auth-details",
        s(&p1),
        "--cloudtrail-logs",
        s(&empty),
        "-o",
        s(&snap),
    ]);
    assert!(err.contains("no CloudTrail log files"), "{err}");
    assert!(!snap.exists());
    // --into needs logs, and a snapshot.
    let err = fails(&["import", "--into", s(&snap)]);
    assert!(err.contains("--cloudtrail-logs"), "{err}");
    let err = fails(&[
        "import",
        "--cloudtrail-logs",
        s(&logs()),
        "--into",
        s(&empty),
    ]);
    assert!(err.contains("is not an iamsnap snapshot"), "{err}");
}

#[test]
fn threads_do_not_change_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    import_with_logs(
        &a,
        &[&logs()],
        &["--threads", "1", "--captured-at", "2026-11-22"],
    );
    import_with_logs(
        &b,
        &[&logs()],
        &["--threads", "2", "--captured-at", "2026-11-22"],
    );
    assert_eq!(manifest(&a), manifest(&b));
}
