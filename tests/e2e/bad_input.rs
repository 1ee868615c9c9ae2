//! Bad input: a clear message saying where and what, exit code 2, nothing left on disk.

use std::fs;

use crate::common::*;

fn import_one(file: &std::path::Path, out: &std::path::Path) -> String {
    fails(&["import", "--auth-details", s(file), "-o", s(out)])
}

/// Runs iamsnap in `dir` (so relative paths in messages are as typed), asserts exit code 2
/// and nothing on stdout, and returns the whole of stderr with `dir` written `<dir>`.
fn message_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = iamsnap().current_dir(dir).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "iamsnap {args:?} should fail with 2:\n{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "", "iamsnap {args:?}");
    let canonical = dir.canonicalize().unwrap();
    stderr(&out)
        .replace(s(&canonical), "<dir>")
        .replace(s(dir), "<dir>")
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
    let err = message_in(
        dir.path(),
        &["import", "--auth-details", "bad.json", "-o", "snap"],
    );
    assert_eq!(
        err,
        "error: `bad.json`: invalid JSON: key must be a string at line 3, column 22\n\
         help: the file must hold one complete JSON document as the AWS CLI writes it (`--output json`): a capture cut short, or with other text before or after the JSON, does not read\n"
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
    let err = message_in(
        dir.path(),
        &["import", "--auth-details", "raw.json", "-o", "snap"],
    );
    assert_eq!(
        err,
        "error: `raw.json`: role `gh-deploy`, inline policy `deploy`: policy document is not valid JSON: EOF while parsing an object at line 1, column 149\n\
         help: policy documents must be valid IAM policy JSON, decoded or URL-encoded as the IAM API returns them\n"
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
    let err = message_in(
        dir.path(),
        &["import", "--auth-details", "p.json", "-o", "snap"],
    );
    assert_eq!(
        err,
        "error: `p.json`: role `gh-deploy`, trust policy: invalid policy document: at `Statement[0].Condition`: unknown condition operator `StringLikee`, did you mean `StringLike`?\n\
         help: policy documents must be valid IAM policy JSON, decoded or URL-encoded as the IAM API returns them\n"
    );
    assert_eq!(listing(dir.path()), vec!["p.json"]);
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

/// The message `import` gives for a credential report whose first line is `header`.
fn credential_report_message(header: impl Fn(&str) -> String) -> String {
    let dir = tempfile::tempdir().unwrap();
    let report = fs::read_to_string(fixture("credential-report/report.csv")).unwrap();
    let (first, rest) = report.split_once('\n').unwrap();
    fs::write(
        dir.path().join("report.csv"),
        format!("{}\n{rest}", header(first)),
    )
    .unwrap();
    let err = message_in(
        dir.path(),
        &[
            "import",
            "--auth-details",
            s(&fixture("auth-details/page2.json")),
            "--credential-report",
            "report.csv",
            "-o",
            "snap",
        ],
    );
    assert_eq!(listing(dir.path()), vec!["report.csv"]);
    err
}

#[test]
fn a_credential_report_with_a_wrong_header_says_which_columns_and_what_to_do() {
    const HELP: &str = "help: the first line must name the 22 columns AWS writes, `user`, `arn`, `user_creation_time` … `cert_2_last_rotated`: give the report as `aws iam get-credential-report --query Content --output text | base64 -d` writes it, unedited (columns iamsnap does not know may come from a newer report format: update iamsnap)\n";
    type Edit<'a> = &'a dyn Fn(&str) -> String;
    let cases: [(Edit, &str); 4] = [
        (
            &|h| h.replacen("cert_2_last_rotated", "cert_2_last_rotated,shoe_size", 1),
            "unknown column `shoe_size`",
        ),
        (
            &|h| h.replacen("password_enabled", "pasword_enabled", 1),
            "unknown column `pasword_enabled` (did you mean `password_enabled`?)",
        ),
        (
            &|h| h.replacen(",mfa_active", "", 1),
            "missing column `mfa_active`",
        ),
        (
            &|_| "name,email".to_owned(),
            "unknown columns `name`, `email`; none of its 22 columns",
        ),
    ];
    for (header, problems) in cases {
        assert_eq!(
            credential_report_message(header),
            format!(
                "error: `report.csv`, line 1: not the header of an IAM credential report: {problems}\n{HELP}"
            )
        );
    }
}

#[test]
fn a_missing_input_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = message_in(
        dir.path(),
        &["import", "--auth-details", "nope.json", "-o", "snap"],
    );
    assert_eq!(
        err,
        "error: cannot read `nope.json`: no such file or folder\n\
         help: check the path: a relative one is taken from the current folder\n"
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
    let err = message_in(dir.path(), &["inspect", "snap"]);
    assert_eq!(
        err,
        format!(
            "error: snapshot `<dir>/snap` has format version 1; this iamsnap reads format versions 2 to {}\n\
             help: re-create the snapshot with this iamsnap (import or export again), or use the iamsnap version that wrote it\n",
            iamsnap_snapshot::FORMAT_VERSION
        )
    );
}

#[test]
fn a_modified_or_truncated_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let snap = imported(dir.path());
    let file = snap.join("roles.parquet");
    let bytes = fs::read(&file).unwrap();
    fs::write(&file, &bytes[..bytes.len() - 100]).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(snap.join("manifest.json")).unwrap()).unwrap();
    let recorded = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "roles")
        .unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let expected = format!(
        "error: table `roles` was modified or truncated: `<dir>/snap/roles.parquet` does not have the sha256 the manifest recorded ({recorded})\n\
         help: snapshots are read-only: re-create the snapshot from its source rather than editing its files\n"
    );
    // Every command that opens a snapshot says the same.
    assert_eq!(message_in(dir.path(), &["inspect", "snap"]), expected);
    assert_eq!(
        message_in(dir.path(), &["query", "snap", "select 1"]),
        expected
    );

    // Truncated with the manifest made to agree: the file itself is found damaged.
    let text = fs::read_to_string(snap.join("manifest.json")).unwrap();
    let actual = iamsnap_snapshot::sha256_file(&file).unwrap();
    fs::write(snap.join("manifest.json"), text.replace(&recorded, &actual)).unwrap();
    assert_eq!(
        message_in(dir.path(), &["check", "snap"]),
        "error: table `roles` is damaged: `<dir>/snap/roles.parquet` is not a readable table file: invalid Parquet file. Corrupt footer\n\
         help: the snapshot is damaged or from another tool; re-create it\n"
    );
}

/// A rule pack of one rule whose `where` clause is `condition`, preceded by `clause`.
fn pack(for_clause: &str, where_clause: &str) -> String {
    format!(
        "pack t \"typos\"\n\n\
         rule T-1 wide_role\n  severity high\n  title \"A role\"\n  {for_clause}\n  {where_clause}\n  message \"{{r.name}}\"\n"
    )
}

#[test]
fn typos_in_a_rule_pack_are_underlined_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    imported(dir.path());
    let check = |text: String| {
        fs::write(dir.path().join("t.rules"), text).unwrap();
        message_in(dir.path(), &["check", "snap", "--pack", "t.rules"])
    };
    assert_eq!(
        check(pack("for role r", "wher r.name = \"x\"")),
        "error: 1 error in the rule pack\n\n\
         error: expected the end of the item, `severity`, `title`, `description`, `tags`, `message`, `remediation`, `fix`, `references`, `for <entity> <alias>` or `where`; found `wher`\n \
         --> t.rules:7:3\n  \
         |\n\
         7 |   wher r.name = \"x\"\n  \
         |   ^^^^ unexpected here\n\
         help: did you mean `where`?\n"
    );
    assert_eq!(
        check(pack("for role r", "where r.nmae = \"x\"")),
        "error: 1 error in the rule pack\n\n\
         error: role `r` has no field `nmae`\n \
         --> t.rules:7:9\n  \
         |\n\
         7 |   where r.nmae = \"x\"\n  \
         |         ^^^^^^ not known\n\
         help: did you mean `r.name`? fields of role: account_id, arn, name, role_id, path, create_date, assume_role_policy, permissions_boundary_arn, is_service_linked, last_used_date, last_used_region, tags, is_nhi, nhi_reason, escalations, is_admin, admin_via\n"
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
