use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cloudtrail")
}

fn fixture_day() -> PathBuf {
    fixtures().join("AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn event(name: &str, identity: &str, time: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.08","userIdentity":{identity},"eventTime":"{time}","eventSource":"iam.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","userAgent":"aws-cli/2.13.0 Python/3.11.4","requestParameters":{{"a":[1,{{"b":"}}"}}]}},"responseElements":null,"recipientAccountId":"111122223333"}}"#
    )
}

const USER: &str =
    r#"{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333"}"#;
const SESSION: &str = r#"{"type":"AssumedRole","principalId":"AROAX:s1","arn":"arn:aws:sts::111122223333:assumed-role/deploy/s1","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/ci/deploy"},"attributes":{"mfaAuthenticated":"false"}}}"#;

fn log(records: &[String]) -> Vec<u8> {
    format!("{{\"Records\":[{}]}}", records.join(",")).into_bytes()
}

#[test]
fn sessions_of_one_role_fold_into_one_row() {
    let other_session = SESSION
        .replace("/s1", "/s2")
        .replace("AROAX:s1", "AROAX:s2");
    let bytes = log(&[
        event("GetRole", SESSION, "2023-07-10T12:00:00Z"),
        event("GetRole", &other_session, "2023-07-10T13:00:00Z"),
        event("GetRole", USER, "2023-07-10T14:00:00Z"),
        event("GetRole", SESSION, "2023-07-11T00:00:01Z"),
    ]);
    let mut s = Summarizer::new();
    let report = s.add_log_bytes("a.json", &bytes).unwrap();
    assert_eq!((report.records, report.malformed_records), (4, 0));
    let summary = s.finish();
    let rows = &summary.rows;
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let role = &rows[0];
    assert_eq!(role.principal, "arn:aws:iam::111122223333:role/ci/deploy");
    assert_eq!(role.principal_type, "AssumedRole");
    assert_eq!(
        role.session_issuer_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/ci/deploy")
    );
    assert_eq!(role.event_count, 2);
    assert_eq!(role.day.to_string(), "2023-07-10");
    assert_eq!(role.first_seen.to_rfc3339(), "2023-07-10T12:00:00+00:00");
    assert_eq!(role.last_seen.to_rfc3339(), "2023-07-10T13:00:00+00:00");
    assert_eq!(role.user_agent_family, Some(UserAgentFamily::AwsCli));
    assert_eq!(role.error_code, None);
    assert_eq!(rows[1].principal, "arn:aws:iam::111122223333:user/bob");
    assert_eq!(rows[2].day.to_string(), "2023-07-11");
    assert_eq!(summary.stats.records, 4);
    assert_eq!(summary.account_ids(), ["111122223333"]);
}

#[test]
fn malformed_records_are_counted_and_named_and_the_rest_kept() {
    let good = event("GetUser", USER, "2023-07-10T12:00:00Z");
    let bytes = log(&[
        good.clone(),
        r#"{"eventName":5}"#.to_owned(),
        event("GetUser", USER, "not a time"),
        r#"{"eventTime":"2023-07-10T12:00:00Z","eventSource":"iam.amazonaws.com"}"#.to_owned(),
        "[1,2]".to_owned(),
        r#"{"eventTime": tru}"#.to_owned(),
        good,
    ]);
    let mut s = Summarizer::new();
    let report = s.add_log_bytes("AWSLogs/x.json", &bytes).unwrap();
    assert_eq!((report.records, report.malformed_records), (2, 5));
    let summary = s.finish();
    assert_eq!(summary.rows.len(), 1);
    assert_eq!(summary.rows[0].event_count, 2);
    assert_eq!(summary.stats.malformed_records, 5);
    assert_eq!(summary.stats.malformed_files, 0);
    let problems: Vec<String> = summary
        .stats
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(problems.len(), 5, "{problems:#?}");
    assert!(
        problems[0].starts_with("`AWSLogs/x.json`, record 1: `eventName`: invalid type"),
        "{problems:#?}"
    );
    assert!(
        problems[1].contains("record 2: `eventTime` `not a time` is not a date"),
        "{problems:#?}"
    );
    assert!(
        problems[2].contains("record 3: no `eventName`"),
        "{problems:#?}"
    );
    assert!(
        problems[3].contains("record 4: not a JSON object"),
        "{problems:#?}"
    );
    assert!(
        problems[4].contains("record 5: `eventTime`: expected ident at line 1 column 18"),
        "{problems:#?}"
    );
    let notes = summary.notes();
    assert!(notes[0].contains("2 events from 1 log files"), "{notes:?}");
    assert!(notes[0].contains("5 malformed records"), "{notes:?}");
    assert_eq!(notes.len(), 6);
}

#[test]
fn malformed_files_keep_none_of_their_records() {
    let mut s = Summarizer::new();
    let mut bytes = log(&[event("GetUser", USER, "2023-07-10T12:00:00Z")]);
    bytes.truncate(bytes.len() - 2);
    let err = s.add_log_bytes("cut.json", &bytes).unwrap_err();
    assert_eq!(err.file, "cut.json");
    assert!(err.message.contains("ends inside `Records`"), "{err}");
    let err = s.add_log_bytes("text.json", b"hello").unwrap_err();
    assert!(err.message.contains("not a JSON object"), "{err}");
    // A gzip stream cut short.
    let gz = gzip(&log(&[event("GetUser", USER, "2023-07-10T12:00:00Z")]));
    let err = s
        .add_log_bytes("cut.json.gz", &gz[..gz.len() - 10])
        .unwrap_err();
    assert!(err.message.contains("gzip"), "{err}");
    let summary = s.finish();
    assert!(summary.rows.is_empty());
    assert_eq!(summary.stats.malformed_files, 3);
    assert_eq!(summary.stats.records, 0);
    assert_eq!(summary.stats.files, 0);
}

#[test]
fn gzip_and_plain_give_the_same_summary() {
    let path = fixture_day()
        .join("218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json");
    let plain = std::fs::read(&path).unwrap();
    let mut a = Summarizer::new();
    a.add_log_bytes("a.json", &plain).unwrap();
    let mut b = Summarizer::new();
    // Detected by content, not by name.
    b.add_log_bytes("b.json", &gzip(&plain)).unwrap();
    let (a, b) = (a.finish(), b.finish());
    assert_eq!(a.rows, b.rows);
    assert_eq!(a.stats.records, 29);
    assert_eq!(a.stats.bytes, plain.len() as u64);
    assert_eq!(b.stats.bytes, plain.len() as u64);
}

#[test]
fn digest_files_are_skipped_and_counted() {
    let mut s = Summarizer::new();
    let report = s
        .add_log_bytes(
            "AWSLogs/1/CloudTrail-Digest/us-east-1/2023/07/10/1_CloudTrail-Digest_us-east-1_x.json.gz",
            b"{\"digestStartTime\":\"2023-07-10T11:00:00Z\"}",
        )
        .unwrap();
    assert!(report.digest);
    assert_eq!(s.stats().digest_files, 1);
    assert_eq!(s.stats().malformed_files, 0);

    let dir = tempfile::tempdir().unwrap();
    let logs = dir
        .path()
        .join("AWSLogs/111122223333/CloudTrail/us-east-1/2023/07/10");
    let digests = dir
        .path()
        .join("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2023/07/10");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::create_dir_all(&digests).unwrap();
    std::fs::write(
        logs.join("111122223333_CloudTrail_us-east-1_20230710T1200Z_a.json.gz"),
        gzip(&log(&[event("GetUser", USER, "2023-07-10T12:00:00Z")])),
    )
    .unwrap();
    std::fs::write(
        digests.join("111122223333_CloudTrail-Digest_us-east-1_x_20230710T1300Z.json.gz"),
        gzip(b"{\"digestStartTime\":\"x\",\"logFiles\":[]}"),
    )
    .unwrap();
    std::fs::write(dir.path().join("AWSLogs/README.txt"), "not a log").unwrap();
    let summary = summarize_paths(&[&dir.path().join("AWSLogs")], 2, &NoProgress).unwrap();
    assert_eq!(summary.stats.files, 1);
    assert_eq!(summary.stats.digest_files, 1);
    assert_eq!(summary.stats.other_files, 1);
    assert_eq!(summary.stats.malformed_files, 0);
    assert_eq!(summary.rows.len(), 1);
    assert_eq!(summary.inputs.len(), 1);
    assert_eq!(summary.inputs[0].kind, SOURCE_KIND);
    assert_eq!(summary.inputs[0].name, "AWSLogs");
}

#[test]
fn a_single_file_that_is_not_a_log_is_an_error_in_a_folder_it_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "<html>").unwrap();
    match summarize_paths(&[&bad], 1, &NoProgress) {
        Err(CloudTrailError::Malformed { file, message }) => {
            assert!(file.ends_with("bad.json"), "{file}");
            assert!(message.contains("not a JSON object"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(
        dir.path().join("good.json"),
        log(&[event("GetUser", USER, "2023-07-10T12:00:00Z")]),
    )
    .unwrap();
    let summary = summarize_paths(&[dir.path()], 2, &NoProgress).unwrap();
    assert_eq!(summary.stats.malformed_files, 1);
    assert_eq!(summary.stats.files, 1);
    let folder = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(summary.stats.problems[0].file, format!("{folder}/bad.json"));
    assert!(
        summary
            .notes()
            .iter()
            .any(|n| n.contains("skipped malformed file"))
    );

    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        summarize_paths(&[empty.path()], 1, &NoProgress),
        Err(CloudTrailError::NoLogFiles { .. })
    ));
    assert!(matches!(
        summarize_paths(&[&dir.path().join("missing")], 1, &NoProgress),
        Err(CloudTrailError::Io { .. })
    ));
}

#[test]
fn threads_and_merge_do_not_change_the_result() {
    let one = summarize_paths(&[&fixtures()], 1, &NoProgress).unwrap();
    let two = summarize_paths(&[&fixtures()], 2, &NoProgress).unwrap();
    assert_eq!(one, two);
    assert_eq!(one.stats.files, 6);
    assert_eq!(one.stats.other_files, 2); // README.md and the license
    // Counted with `jq '.Records | length'` over the six files.
    assert_eq!(one.stats.records, 394);

    // Every file in its own summarizer, merged, equals one summarizer reading them all.
    let mut merged = Summarizer::new();
    let mut single = Summarizer::new();
    let mut files: Vec<_> = std::fs::read_dir(fixture_day())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let mut part = Summarizer::new();
        part.add_log_bytes(&name, &bytes).unwrap();
        merged.merge(part);
        single.add_log_bytes(&name, &bytes).unwrap();
    }
    let (merged, single) = (merged.finish(), single.finish());
    // In the documented order, strictly: each row is a distinct group.
    for pair in merged.rows.windows(2) {
        assert!(
            summarize::row_order(&pair[0]) < summarize::row_order(&pair[1]),
            "{pair:#?}"
        );
    }
    assert_eq!(merged.rows, single.rows);
    assert_eq!(merged.rows, one.rows);
    assert_eq!(merged.stats.records, one.stats.records);
}

#[test]
fn single_events_from_values_and_text() {
    let mut s = Summarizer::new();
    let text = event("CreateAccessKey", USER, "2023-07-10T12:00:00Z");
    s.add_event_json(text.as_bytes()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    s.add_event(&value).unwrap();
    let err = s
        .add_event(&serde_json::json!({"eventTime": "2023-07-10T12:00:00Z", "eventName": ["x"]}))
        .unwrap_err();
    assert!(err.0.contains("eventName"), "{err}");
    assert!(s.add_event_json(b"{").is_err());
    let summary = s.finish();
    assert_eq!(summary.rows.len(), 1);
    assert_eq!(summary.rows[0].event_count, 2);
    assert_eq!(summary.stats.records, 2);
    assert_eq!(summary.stats.malformed_records, 2);
}

#[test]
fn activity_table_has_the_schema_and_the_rows() {
    let summary = summarize_paths(&[&fixtures()], 2, &NoProgress).unwrap();
    let (table, batch) = activity_table(&summary.rows).unwrap();
    assert_eq!(table.name, TABLE);
    assert_eq!(batch.num_rows(), summary.rows.len());
    assert_eq!(batch.schema(), table.schema());
    let (_, empty) = activity_table(&[]).unwrap();
    assert_eq!(empty.num_rows(), 0);
}

#[test]
fn the_account_comes_from_the_record_else_the_file_name() {
    let no_recipient = r#"{"eventTime":"2023-07-10T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"}}"#;
    let mut s = Summarizer::new();
    s.add_log_bytes(
        "AWSLogs/444455556666/CloudTrail/eu-west-1/2023/07/10/444455556666_CloudTrail_eu-west-1_x.json",
        &log(&[no_recipient.to_owned()]),
    )
    .unwrap();
    // Without any account, the record is malformed.
    let err = s.add_event_json(no_recipient.as_bytes()).unwrap_err();
    assert!(err.0.contains("recipientAccountId"), "{err}");
    let summary = s.finish();
    assert_eq!(summary.rows.len(), 1);
    let row = &summary.rows[0];
    assert_eq!(row.account_id, "444455556666");
    assert_eq!(
        (row.principal.as_str(), row.principal_type.as_str()),
        ("anonymous", "Anonymous")
    );
    assert_eq!(row.user_agent_family, None);
    assert_eq!(row.region, None);
}

#[test]
fn events_of_named_sources_are_counted_and_named_and_sources_noted() {
    let mut s = Summarizer::new();
    s.add_event_json_at(
        "LookupEvents us-east-1",
        0,
        event("GetUser", USER, "2023-07-10T12:00:00Z").as_bytes(),
    )
    .unwrap();
    let err = s
        .add_event_json_at("LookupEvents us-east-1", 1, br#"{"eventName":"x"}"#)
        .unwrap_err();
    assert!(err.0.contains("eventTime"), "{err}");
    s.skip_event("LookupEvents eu-west-1", 4, "no `CloudTrailEvent`");
    s.add_note(format!("{NOTE_PREFIX} LookupEvents in us-east-1: 2 events"));
    let mut other = Summarizer::new();
    other.add_input(iamsnap_snapshot::SourceInput {
        kind: S3_SOURCE_KIND.to_owned(),
        name: "s3://trail/AWSLogs/".to_owned(),
        sha256: "0".repeat(64),
    });
    other.add_note(format!(
        "{NOTE_PREFIX} `s3://trail/AWSLogs/`: 0 log objects read"
    ));
    s.merge(other);
    let summary = s.finish();
    assert_eq!(summary.rows.len(), 1);
    assert_eq!(summary.stats.records, 1);
    assert_eq!(summary.stats.malformed_records, 2);
    assert_eq!(summary.inputs.len(), 1);
    let notes = summary.notes();
    // The counts, the sources, then the malformed input by name.
    assert!(notes[0].contains("1 events from 0 log files"), "{notes:#?}");
    assert!(notes[1].contains("LookupEvents in us-east-1"), "{notes:#?}");
    assert!(notes[2].contains("`s3://trail/AWSLogs/`"), "{notes:#?}");
    assert!(
        notes[3].contains(
            "skipped malformed record `LookupEvents eu-west-1`, record 4: no `CloudTrailEvent`"
        ),
        "{notes:#?}"
    );
    assert!(
        notes[4].starts_with("CloudTrail: skipped malformed record `LookupEvents us-east-1`, record 1: no `eventTime`"),
        "{notes:#?}"
    );
    assert_eq!(notes.len(), 5);
}
