use serde_json::Value;

use crate::common::*;

fn demo(date: &str) -> String {
    s(&root().join(format!("snapshots/demo-{date}"))).to_owned()
}

#[test]
fn every_saved_query_is_documented_and_runs_on_the_demo() {
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("queries")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("sql") {
            continue;
        }
        count += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("-- "),
            "{} needs a header comment",
            path.display()
        );
        let out = ok(&[
            "query",
            &demo("2026-11-22"),
            "-f",
            s(&path),
            "--format",
            "json",
        ]);
        let rows: Value = serde_json::from_str(&out).unwrap();
        assert!(rows.is_array(), "{}: {out}", path.display());
    }
    assert!(count >= 10, "only {count} saved queries");
}

#[test]
fn formats_print_the_same_rows() {
    let sql = "select name, is_service_linked, tags from roles where name like 'gh-actions-deploy%' order by name";
    let json: Value = serde_json::from_str(&ok(&[
        "query",
        &demo("2026-11-22"),
        sql,
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["name"], "gh-actions-deploy-new");
    let csv = ok(&["query", &demo("2026-11-22"), sql, "--format", "csv"]);
    assert!(
        csv.starts_with("name,is_service_linked,tags\ngh-actions-deploy-new,false,"),
        "{csv}"
    );
    let nd = ok(&["query", &demo("2026-11-22"), sql, "--format", "ndjson"]);
    assert_eq!(nd.lines().count(), 1);
    let table = ok(&["query", &demo("2026-11-22"), sql]);
    assert!(
        table.contains("gh-actions-deploy-new") && table.ends_with("(1 row)\n"),
        "{table}"
    );
}

#[test]
fn two_snapshots_side_by_side() {
    let out = ok(&[
        "query",
        &demo("2026-11-22"),
        "--old",
        &demo("2026-11-01"),
        "select n.name from new.roles n left join old.roles o on o.arn = n.arn where o.arn is null order by n.name",
        "--format",
        "csv",
    ]);
    assert_eq!(out, "name\ngh-actions-deploy-new\npartner-data-sync\n");
}

#[test]
fn queries_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("stolen.csv");
    for sql in [
        format!("copy (select * from users) to '{}'", target.display()),
        "delete from users".to_owned(),
        "insert into users select * from users".to_owned(),
        "create table x as select 1".to_owned(),
        format!(
            "create external table t stored as csv location '{}'",
            target.display()
        ),
        "set datafusion.execution.batch_size = 1".to_owned(),
    ] {
        let err = fails(&["query", &demo("2026-11-22"), &sql]);
        assert!(err.contains("snapshots are read-only"), "{sql}: {err}");
    }
    assert!(!target.exists());
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn an_unknown_column_says_which_tables_have_it() {
    let err = fails(&["query", &demo("2026-11-22"), "select arn from trust"]);
    assert!(
        err.contains("error: no column `arn` in the tables the statement reads"),
        "{err}"
    );
    assert!(
        err.contains("help: `arn` is a column of: users, roles"),
        "{err}"
    );
    let err = fails(&["query", &demo("2026-11-22"), "selec 1"]);
    assert!(err.contains("error:"), "{err}");
}

#[test]
fn permissions_filtered_by_principal_match_the_full_table() {
    // `principal_name = ...` is pushed down (only that principal's policies are expanded);
    // `lower(...)` is not: both must give the same rows.
    for (pushed, full) in [
        (
            "select count(*) from permissions where principal_name = 'svc-reporting'",
            "select count(*) from permissions where lower(principal_name) = 'svc-reporting'",
        ),
        (
            "select count(*) from permissions where principal_arn in ('arn:aws:iam::111122223333:user/service/ci-deployer', 'arn:aws:iam::111122223333:role/partner-data-sync') and action like 's3:%'",
            "select count(*) from permissions where lower(principal_arn) in ('arn:aws:iam::111122223333:user/service/ci-deployer', 'arn:aws:iam::111122223333:role/partner-data-sync') and action like 's3:%'",
        ),
    ] {
        let a = ok(&["query", &demo("2026-11-22"), pushed, "--format", "csv"]);
        let b = ok(&["query", &demo("2026-11-22"), full, "--format", "csv"]);
        assert_eq!(a, b);
        assert_ne!(a, "count(*)\n0\n", "{pushed}");
    }
}

/// A misspelt table is named as the statement wrote it, underlined there, with the closest
/// name and every table and view there is; nothing of the query engine's internals shows.
#[test]
fn an_unknown_table_is_underlined_with_the_closest_name() {
    let demo = root().join("snapshots/demo-2026-11-22");
    let out = run(&[
        "query",
        demo.to_str().unwrap(),
        "select name from rolse where 1 = 1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let expected_start = "error: no table or view `rolse`\n --> statement:1:18\n  |\n1 | select name from rolse where 1 = 1\n  |                  ^^^^^ here\nhelp: did you mean `roles`? the tables and views are: users, roles, groups,";
    assert!(err.starts_with(expected_start), "{err}");
    assert!(err.contains("entity_role"), "{err}");
    assert!(
        err.trim_end()
            .ends_with("(`iamsnap schema` describes them)"),
        "{err}"
    );
    assert!(!err.contains("datafusion"), "{err}");
    assert!(stdout(&out).is_empty());
}

/// Output to a pipe wraps long cells at 120 columns (`COLUMNS` or `--width` choose another
/// width), instead of lines of thousands of characters.
#[test]
fn tables_off_a_terminal_wrap_at_a_sensible_width() {
    let sql = "select name, assume_role_policy from roles";
    let widest = |out: &str| out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let out = iamsnap()
        .env_remove("COLUMNS")
        .args(["query", &demo("2026-11-22"), sql])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().count() > 20, "{text}");
    assert_eq!(widest(&text), 120, "{text}");
    let out = iamsnap()
        .env("COLUMNS", "80")
        .args(["query", &demo("2026-11-22"), sql])
        .output()
        .unwrap();
    assert_eq!(widest(&stdout(&out)), 80);
    let narrow = ok(&["query", &demo("2026-11-22"), sql, "--width", "60"]);
    assert_eq!(widest(&narrow), 60, "{narrow}");
    let err = run(&["schema", "--width", "3"]);
    assert_eq!(err.status.code(), Some(2));
}

#[test]
fn requests_are_decided_at_the_snapshots_capture_time() {
    use crate::diff::{account, import, policy_document};
    let dir = tempfile::tempdir().unwrap();
    // Captured 2026-11-22: a grant that ended in June is over, one that began then holds,
    // and a role's session is issued at the capture time.
    let document = policy_document(serde_json::json!([
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}}},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}}},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
         "Condition": {"NumericGreaterThan": {"aws:EpochTime": "1780000000"}}},
        {"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "*",
         "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-11-01T00:00:00Z"}}}
    ]));
    let snap = import(dir.path(), "timed", &account(&document), &[]);
    let row = |sql: &str| -> serde_json::Value {
        let out = ok(&["query", &snap, sql, "--format", "json"]);
        serde_json::from_str::<Vec<serde_json::Value>>(&out).unwrap()[0].clone()
    };
    let role = "arn:aws:iam::111122223333:role/app";
    let answers = row(&format!(
        "select can('{role}', 's3:GetObject', '*') as get, can('{role}', 's3:PutObject', '*') as put, \
         can('{role}', 's3:ListBucket', '*') as list"
    ));
    assert_eq!(answers["get"], serde_json::json!(false), "{answers}");
    assert_eq!(answers["put"], serde_json::json!(true), "{answers}");
    assert_eq!(answers["list"], serde_json::json!(true), "{answers}");
}
