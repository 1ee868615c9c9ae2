//! Bad input: a clear message saying where and what, exit code 2, nothing left on disk.

use std::fs;

use crate::common::*;

fn import_one(file: &std::path::Path, out: &std::path::Path) -> String {
    fails(&["import", "--auth-details", s(file), "-o", s(out)])
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    fs::write(
        &bad,
        "{\n  \"RoleDetailList\": [\n    {\"RoleName\": \"x\",,}\n  ]\n}\n",
    )
    .unwrap();
    let out = dir.path().join("snap");
    let err = import_one(&bad, &out);
    assert!(
        err.contains("bad.json`: invalid JSON: key must be a string at line 3, column 22"),
        "{err}"
    );
    assert!(
        err.contains("help: the file must hold one complete JSON document"),
        "{err}"
    );
    assert_eq!(listing(dir.path()), vec!["bad.json"]);
}

#[test]
fn a_document_invalid_after_url_decoding_names_the_principal_and_policy() {
    let dir = tempfile::tempdir().unwrap();
    let page = fs::read_to_string(fixture("auth-details/raw-api-page2.json")).unwrap();
    // Break the inline policy `deploy` of role `gh-deploy`: drop the closing brace.
    let broken = page.replacen("%22%2A%22%7D%5D%7D\"", "%22%2A%22%7D%5D\"", 1);
    assert_ne!(page, broken);
    let file = dir.path().join("raw.json");
    fs::write(&file, broken).unwrap();
    let err = import_one(&file, &dir.path().join("snap"));
    assert!(
        err.contains("raw.json`: role `gh-deploy`, inline policy `deploy`: policy document is not valid JSON: EOF while parsing an object at line 1, column"),
        "{err}"
    );
    assert_eq!(listing(dir.path()), vec!["raw.json"]);
}

#[test]
fn an_invalid_policy_and_an_unknown_condition_operator_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let page = fs::read_to_string(fixture("auth-details/page2.json")).unwrap();
    let broken = page.replacen("\"StringLike\"", "\"StringLikee\"", 1);
    let file = dir.path().join("p.json");
    fs::write(&file, broken).unwrap();
    let err = import_one(&file, &dir.path().join("snap"));
    assert!(
        err.contains("p.json`: role `gh-deploy`, trust policy: invalid policy document: at `Statement[0].Condition`: unknown condition operator `StringLikee`, did you mean `StringLike`?"),
        "{err}"
    );
}

#[test]
fn a_missing_required_field_is_named_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let page = fs::read_to_string(fixture("auth-details/page2.json")).unwrap();
    let broken = page.replacen("\"RoleId\": \"AROA1234567890EXAMPL3\",", "", 1);
    let file = dir.path().join("p.json");
    fs::write(&file, broken).unwrap();
    let err = import_one(&file, &dir.path().join("snap"));
    assert!(
        err.contains("p.json`: at `RoleDetailList[1]`: no `RoleId`, which iamsnap needs here"),
        "{err}"
    );
}

#[test]
fn a_credential_report_with_unknown_columns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let report = fs::read_to_string(fixture("credential-report/report.csv")).unwrap();
    let file = dir.path().join("report.csv");
    fs::write(
        &file,
        report.replacen("cert_2_last_rotated", "cert_2_last_rotated,shoe_size", 1),
    )
    .unwrap();
    let err = fails(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/page2.json")),
        "--credential-report",
        s(&file),
        "-o",
        s(&dir.path().join("snap")),
    ]);
    assert!(
        err.contains("report.csv`, line 1: unknown column `shoe_size`"),
        "{err}"
    );
    assert_eq!(listing(dir.path()), vec!["report.csv"]);
}

#[test]
fn a_missing_input_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = import_one(&dir.path().join("nope.json"), &dir.path().join("snap"));
    assert!(
        err.contains("cannot read `") && err.contains("nope.json`"),
        "{err}"
    );
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn force_never_replaces_a_folder_that_is_not_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("home");
    fs::create_dir(&precious).unwrap();
    fs::write(precious.join("thesis.txt"), "years of work").unwrap();
    let err = fails(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/page2.json")),
        "-o",
        s(&precious),
        "--force",
    ]);
    assert!(err.contains("refusing to replace"), "{err}");
    assert_eq!(
        fs::read_to_string(precious.join("thesis.txt")).unwrap(),
        "years of work"
    );
}

fn imported(dir: &std::path::Path) -> std::path::PathBuf {
    let snap = dir.join("snap");
    ok(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/page2.json")),
        "-o",
        s(&snap),
    ]);
    snap
}

#[test]
fn a_snapshot_of_another_format_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let snap = imported(dir.path());
    let manifest = snap.join("manifest.json");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replace(
            &format!("\"format_version\": {},", iamsnap_snapshot::FORMAT_VERSION),
            "\"format_version\": 1,",
        ),
    )
    .unwrap();
    let err = fails(&["inspect", s(&snap)]);
    assert!(
        err.contains(&format!(
            "has format version 1; this iamsnap reads format versions 2 to {}",
            iamsnap_snapshot::FORMAT_VERSION
        )),
        "{err}"
    );
    assert!(err.contains("help: re-create the snapshot"), "{err}");
}

#[test]
fn a_modified_or_truncated_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let snap = imported(dir.path());
    let file = snap.join("roles.parquet");
    let bytes = fs::read(&file).unwrap();
    fs::write(&file, &bytes[..bytes.len() - 100]).unwrap();
    let err = fails(&["inspect", s(&snap)]);
    assert!(
        err.contains("table `roles` was modified or truncated"),
        "{err}"
    );
}

#[test]
fn not_a_snapshot_and_unknown_table_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails(&["inspect", s(dir.path())]);
    assert!(
        err.contains("is not an iamsnap snapshot: it has no manifest.json"),
        "{err}"
    );
    let err = fails(&["schema", "rolez"]);
    assert!(err.contains("unknown table `rolez`"), "{err}");
    assert!(
        err.contains("help: did you mean `roles`? the tables and views are: users, roles"),
        "{err}"
    );
}
