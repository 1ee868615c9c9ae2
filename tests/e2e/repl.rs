//! `iamsnap repl`: through piped stdin (a script) and through a pseudo-terminal, as a
//! person types at it.

use std::path::Path;
use std::process::Command as StdCommand;

use rexpect::process::WaitStatus;
use rexpect::session::{Options, PtySession, spawn_with_options};

use crate::common::*;

fn demo() -> String {
    root()
        .join("snapshots/demo-2026-11-22")
        .display()
        .to_string()
}

// ---- piped stdin -------------------------------------------------------------------------

#[test]
fn a_piped_script_runs_every_statement_and_exits_2_if_one_failed() {
    let script = "\
select count(*) as n_users from users;
-- a comment, then a statement over three lines
select name
  from roles
  where name = 'ci-deployer';
select no_such_column from roles;
\\format csv
select 'after the error' as still, 1 + 1 as two;
";
    let out = iamsnap()
        .args(["repl", &demo()])
        .write_stdin(script)
        .output()
        .unwrap();
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    // No prompt when stdin is not a terminal.
    assert!(!stdout.contains("iamsnap>"), "{stdout}");
    assert!(stdout.contains("n_users"), "{stdout}");
    assert!(stdout.contains("(1 row)"), "{stdout}");
    // The error is reported, with its advice, and the rest still runs.
    assert!(stderr.contains("error: "), "{stderr}");
    assert!(stderr.contains("no_such_column"), "{stderr}");
    assert!(stderr.contains("help: "), "{stderr}");
    assert!(stderr.contains("1 of 5 statements failed"), "{stderr}");
    assert!(stdout.contains("output format: csv"), "{stdout}");
    assert!(
        stdout.ends_with("still,two\nafter the error,2\n"),
        "{stdout}"
    );
}

#[test]
fn a_piped_script_without_errors_exits_0() {
    let out = iamsnap()
        .args(["repl", &demo(), "--format", "ndjson"])
        .write_stdin("select 1 as a; select 2 as b;\n\\timing\nselect 3 as c\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Two statements on one line, and a last one without its `;`.
    assert_eq!(
        stdout(&out),
        "{\"a\":1}\n{\"b\":2}\ntiming is on\n{\"c\":3}\n"
    );
    assert!(stderr(&out).contains("1 row in "), "{}", stderr(&out));
}

#[test]
fn piped_meta_commands_describe_tables_and_functions() {
    let out = iamsnap()
        .args(["repl", &demo()])
        .write_stdin("\\dt\n\\d roles\n\\df\n\\?\n\\nope\n")
        .output()
        .unwrap();
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert!(stdout.contains("access_keys"), "{stdout}");
    assert!(stdout.contains("principals"), "{stdout}");
    assert!(stdout.contains("assume_role_policy"), "{stdout}");
    assert!(stdout.contains("age_days"), "{stdout}");
    assert!(stdout.contains("\\format"), "{stdout}");
    assert!(stderr.contains("unknown meta-command `\\nope`"), "{stderr}");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn open_switches_to_another_snapshot_and_a_pair() {
    let old = root()
        .join("snapshots/demo-2026-11-01")
        .display()
        .to_string();
    let script = format!(
        "\\open {old}\n\\format csv\nselect count(*) as n from roles;\n\\open {} {old}\nselect count(*) as n from old.roles;\n\\open /no/such/snapshot\n",
        demo()
    );
    let out = iamsnap()
        .args(["repl", &demo()])
        .write_stdin(script)
        .output()
        .unwrap();
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert!(stdout.contains("opened "), "{stdout}");
    let old_roles = rows(&root().join("snapshots/demo-2026-11-01"), "roles");
    assert_eq!(
        stdout.matches(&format!("n\n{old_roles}\n")).count(),
        2,
        "{stdout}"
    );
    assert!(stderr.contains("error: "), "{stderr}");
    assert_eq!(out.status.code(), Some(2));
}

// ---- a pseudo-terminal ------------------------------------------------------------------

/// Each wait polls for this long, and is retried (see `expect`); never a timing assertion.
const POLL_MS: u64 = 2_000;
/// How many polls a wait makes before the test gives up: generous, for slow machines.
const POLLS: usize = 90;

fn spawn_repl(state: &Path) -> PtySession {
    // A fresh pseudo-terminal has no size; give it one, as a terminal window has.
    let mut cmd = StdCommand::new("sh");
    cmd.args(["-c", "stty cols 160 rows 48 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_iamsnap"))
        .arg("repl")
        .arg(demo())
        .env("XDG_STATE_HOME", state)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env_remove("RUST_LOG");
    let options = Options::new()
        .timeout_ms(Some(POLL_MS))
        .strip_ansi_escape_codes(true);
    let mut p = spawn_with_options(cmd, options).unwrap();
    expect(&mut p, "iamsnap> ");
    p
}

/// Waits until `needle` appears in the output, consuming the output up to it.
fn expect(p: &mut PtySession, needle: &str) -> String {
    for _ in 0..POLLS {
        match p.exp_string(needle) {
            Ok(before) => return before,
            Err(rexpect::error::Error::Timeout { .. }) => continue,
            Err(e) => panic!("waiting for {needle:?}: {e}"),
        }
    }
    panic!("{needle:?} never appeared");
}

/// Types `text` and presses Enter.
fn enter(p: &mut PtySession, text: &str) {
    p.send(text).unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
}

fn quit(mut p: PtySession) {
    enter(&mut p, "\\q");
    p.exp_eof().unwrap();
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("the REPL did not exit normally: {other:?}"),
    }
}

#[test]
fn pty_a_query_and_enter_show_the_result_and_q_exits_0() {
    let state = tempfile::tempdir().unwrap();
    let mut p = spawn_repl(state.path());
    enter(&mut p, "select 40 + 2 as answer;");
    expect(&mut p, "answer");
    expect(&mut p, "42");
    expect(&mut p, "(1 row)");
    expect(&mut p, "iamsnap> ");
    // A statement over two lines: the continuation prompt, then the result.
    enter(&mut p, "select 'two' as lines");
    expect(&mut p, "..> ");
    enter(&mut p, "from users limit 1;");
    expect(&mut p, "two");
    expect(&mut p, "(1 row)");
    // An error does not end the session.
    enter(&mut p, "select nope from users;");
    expect(&mut p, "no column `");
    expect(&mut p, "iamsnap> ");
    enter(&mut p, "\\bogus");
    expect(&mut p, "unknown meta-command");
    expect(&mut p, "iamsnap> ");
    quit(p);
}

#[test]
fn pty_tab_completes_a_table_name() {
    let state = tempfile::tempdir().unwrap();
    let mut p = spawn_repl(state.path());
    p.send("select count(*) as n from princ").unwrap();
    p.send("\t").unwrap();
    p.flush().unwrap();
    expect(&mut p, "principals");
    // The completed name is in the line: the statement runs.
    enter(&mut p, ";");
    expect(&mut p, "(1 row)");
    expect(&mut p, "iamsnap> ");
    quit(p);
}

#[test]
fn pty_history_recalls_the_previous_statement_and_persists() {
    let state = tempfile::tempdir().unwrap();
    let mut p = spawn_repl(state.path());
    enter(&mut p, "select 'remembered' as word;");
    expect(&mut p, "(1 row)");
    expect(&mut p, "iamsnap> ");
    // Up arrow shows the previous statement; Enter runs it again.
    p.send("\x1b[A").unwrap();
    p.flush().unwrap();
    expect(&mut p, "select 'remembered' as word;");
    enter(&mut p, "");
    expect(&mut p, "remembered");
    expect(&mut p, "(1 row)");
    quit(p);

    let file = state.path().join("iamsnap/history");
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("select 'remembered' as word;"), "{saved}");

    // A new session recalls it too.
    let mut p = spawn_repl(state.path());
    p.send("\x1b[A").unwrap();
    p.flush().unwrap();
    expect(&mut p, "\\q");
    p.send("\x1b[A").unwrap();
    p.flush().unwrap();
    expect(&mut p, "select 'remembered' as word;");
    enter(&mut p, "");
    expect(&mut p, "remembered");
    expect(&mut p, "(1 row)");
    quit(p);
}

#[test]
fn pty_ctrl_c_cancels_a_running_query_and_the_repl_goes_on() {
    let state = tempfile::tempdir().unwrap();
    let mut p = spawn_repl(state.path());
    // Ctrl-C at the prompt clears the line.
    p.send("select garbage").unwrap();
    p.flush().unwrap();
    expect(&mut p, "garbage");
    p.send_control('c').unwrap();
    expect(&mut p, "iamsnap> ");

    // A query that would run for hours.
    enter(
        &mut p,
        "select sum(length(a.name) + length(b.name) + length(c.name)) as s from actions a, actions b, actions c;",
    );
    // Ctrl-C until the REPL says the query is cancelled: the first one may reach the
    // terminal before the line editor has handed it back.
    let mut cancelled = false;
    for _ in 0..POLLS {
        p.send_control('c').unwrap();
        match p.exp_string("query cancelled") {
            Ok(_) => {
                cancelled = true;
                break;
            }
            Err(rexpect::error::Error::Timeout { .. }) => continue,
            Err(e) => panic!("waiting for the cancellation: {e}"),
        }
    }
    assert!(cancelled, "the query was never cancelled");
    expect(&mut p, "iamsnap> ");
    // The REPL still answers.
    enter(&mut p, "select 'still here' as status;");
    expect(&mut p, "still here");
    expect(&mut p, "(1 row)");
    quit(p);
}
