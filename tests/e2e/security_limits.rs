//! SQL and rule packs from someone else: every failure is exit 2 with a message, and every
//! statement and rule is bounded in memory and time.

use std::path::Path;

use crate::common::{fails, iamsnap, listing, root, stderr, stdout};

fn demo() -> String {
    root()
        .join("snapshots/demo-2026-11-22")
        .display()
        .to_string()
}

/// Runs `iamsnap query` on the demo snapshot and asserts exit 2 with nothing on stdout;
/// returns stderr.
fn query_fails(sql: &str, extra: &[&str]) -> String {
    let snap = demo();
    let mut args = vec!["query", snap.as_str(), sql];
    args.extend_from_slice(extra);
    let out = iamsnap().args(&args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{sql}: {}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "partial output: {}", stdout(&out));
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    // No Rust panic report, no backtrace.
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("stack backtrace"), "{err}");
    err
}

/// Writes a pack with one rule whose `where` is `condition` (an SQL escape hatch).
fn pack_with(dir: &Path, id: &str, condition: &str) -> String {
    let pack = dir.join("hostile.rules");
    std::fs::write(
        &pack,
        format!(
            r#"pack hostile "A pack from someone else"
rule {id}
  severity high
  title "expensive"
  for role r
  where {condition}
  message "{{r.name}}"
"#
        ),
    )
    .unwrap();
    pack.display().to_string()
}

fn check_fails(pack: &str, extra: &[&str]) -> String {
    let snap = demo();
    let mut args = vec!["check", snap.as_str(), "--pack", pack];
    args.extend_from_slice(extra);
    let out = iamsnap().args(&args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "partial report: {}", stdout(&out));
    stderr(&out)
}

#[test]
fn sql_that_panics_inside_datafusion_exits_2_with_a_message() {
    // A constant of 1 MB repeated over 3,000 rows overflows the 32-bit offsets of a string
    // array: DataFusion panics in one of its tasks.
    let err = query_fails(
        "select length(max(repeat('a', 1000000))) from range(1, 3000) t(x)",
        &[],
    );
    assert!(err.contains("internal error: offset overflow"), "{err}");
    assert!(err.contains("help: this is a bug"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
}

#[test]
fn deeply_nested_sql_expression_is_an_error_not_a_stack_overflow() {
    let sum = vec!["1"; 4000].join("+");
    let err = query_fails(&format!("select {sum}"), &[]);
    assert!(
        err.contains("the statement nests expressions or subqueries more than 256 deep"),
        "{err}"
    );
    assert!(err.contains("help: split it"), "{err}");
    // A long chain of conditions, and a long chain of unions, too.
    let ors = (0..5000)
        .map(|i| format!("name = 'r{i}'"))
        .collect::<Vec<_>>()
        .join(" or ");
    let err = query_fails(&format!("select name from roles where {ors}"), &[]);
    assert!(err.contains("more than 256 deep"), "{err}");
    let unions = vec!["select 1"; 3000].join(" union all ");
    let err = query_fails(&unions, &[]);
    assert!(err.contains("more than 512 `SELECT`s and tables"), "{err}");
    // Just under the limit, a nested expression is planned and runs.
    let sum = vec!["1"; 200].join("+");
    let out = crate::common::ok(&[
        "query",
        &demo(),
        &format!("select {sum} as n"),
        "--format",
        "csv",
    ]);
    assert_eq!(out, "n\n200\n");
}

#[test]
fn huge_regex_is_refused() {
    // 10,000 capture groups: matching would need a table of about 10 GB.
    for sql in [
        "select regexp_match(repeat('a', 100000), repeat('(a*)*', 10000))",
        "select regexp_replace(repeat('a', 100000), repeat('(a*)*', 10000), '\\1')",
        "select repeat('a', 100000) ~ repeat('(a*)*', 30000)",
        // A pattern computed per row is checked as well.
        "select regexp_count(repeat('a', 100000), repeat('(a*)*', x)) from range(10000, 10001) t(x)",
    ] {
        let err = query_fails(sql, &[]);
        assert!(err.contains("the regular expression `(a*)*(a*)*"), "{err}");
        assert!(
            err.contains("capture groups); the limit is 256 MiB"),
            "{err}"
        );
        assert!(err.contains("help: use fewer capture groups"), "{err}");
    }
    // A string of a trillion characters is an error, not an allocation.
    let err = query_fails("select repeat('a', 1000000000000)", &[]);
    assert!(err.contains("string size overflow on repeat"), "{err}");
}

#[test]
fn huge_result_hits_the_memory_limit() {
    let err = query_fails(
        "select * from range(1, 1000000000)",
        &["--memory-limit", "64MiB", "--format", "csv"],
    );
    assert!(
        err.contains("error: the query needs more memory than its limit of 64 MiB"),
        "{err}"
    );
    assert!(err.contains("--memory-limit"), "{err}");
    // A bad size is a usage error.
    let err = fails(&["query", &demo(), "select 1", "--memory-limit", "lots"]);
    assert!(err.contains("`lots` is not a size"), "{err}");
}

#[test]
fn statement_timeout_stops_an_endless_query() {
    for sql in [
        "select count(*) from range(1, 100000) a, range(1, 100000) b",
        "select count(*) from generate_series(1, 10000000000)",
    ] {
        let err = query_fails(sql, &["--timeout", "2s"]);
        assert!(
            err.contains("error: the statement ran longer than its time limit of 2 s"),
            "{err}"
        );
        assert!(err.contains("--timeout"), "{err}");
    }
}

#[test]
fn unformattable_value_fails_the_query() {
    let err = query_fails(
        "select 1 as n, to_timestamp_seconds(9223372036854775807) as t",
        &[],
    );
    assert!(
        err.contains("cannot print the value of column `t` in row 1"),
        "{err}"
    );
    assert!(!err.contains("ERROR:"), "{err}");
}

#[test]
fn cross_join_in_a_pack_hits_the_memory_limit_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack_with(
        dir.path(),
        "HOSTILE-MEM",
        "r.arn in sql { select a.arn from roles a, roles b, roles c, roles d order by a.arn, b.arn, c.arn, d.arn }",
    );
    let before = listing(dir.path());
    let err = check_fails(&pack, &["--memory-limit", "64MiB", "--rule-timeout", "5m"]);
    assert!(
        err.contains("error: rule HOSTILE-MEM: asked for memory when the rules running together had used their limit of 64 MiB"),
        "{err}"
    );
    assert!(err.contains("--memory-limit"), "{err}");
    assert_eq!(listing(dir.path()), before, "check wrote a file");
}

#[test]
fn endless_rule_hits_the_rule_timeout_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    for (id, condition) in [
        (
            "HOSTILE-SERIES",
            "r.arn in sql { select cast(value as varchar) from generate_series(1, 10000000000) }",
        ),
        (
            "HOSTILE-CROSS",
            "r.arn in sql { select a.arn from roles a, roles b, roles c, roles d, roles e }",
        ),
    ] {
        let pack = pack_with(dir.path(), id, condition);
        let err = check_fails(&pack, &["--rule-timeout", "2s"]);
        assert!(
            err.contains(&format!(
                "error: rule {id}: ran longer than its time limit of 2 s"
            )),
            "{err}"
        );
        assert!(err.contains("--rule-timeout"), "{err}");
    }
    let err = fails(&["check", &demo(), "--rule-timeout", "soon"]);
    assert!(err.contains("`soon` is not a duration"), "{err}");
}

#[test]
fn repl_applies_the_same_limits_and_goes_on() {
    let out = iamsnap()
        .args([
            "repl",
            &demo(),
            "--timeout",
            "2s",
            "--memory-limit",
            "64MiB",
        ])
        .write_stdin(
            "select count(*) from range(1, 100000) a, range(1, 100000) b;\n\
             select * from range(1, 1000000000);\n\
             select 40 + 2 as answer;\n",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("error: the statement ran longer than its time limit of 2 s"),
        "{err}"
    );
    assert!(
        err.contains("error: the query needs more memory than its limit of 64 MiB"),
        "{err}"
    );
    assert!(err.contains("2 of 3 statements failed"), "{err}");
    // The session went on after both.
    assert!(stdout(&out).contains("42"), "{}", stdout(&out));
}
