//! Rule packs from someone else: a pack reads only regular files inside its own folder (or
//! a folder the user allowed), never gets the text of a file that is not a pack printed,
//! and however it nests, it is refused with a clear error or compiled quickly; never a
//! crash. The binary runs as a subprocess, so a stack overflow fails the test rather than
//! the test runner.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::common::*;

/// A fake secret, as an attacker would like to find it in CI logs.
const SECRET: &str = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYFAKESECRET";
const SECRET_VALUE: &str = "wJalrXUtnFEMIK7MDENGbPxRfiCYFAKESECRET";

fn demo() -> PathBuf {
    root().join("snapshots/demo-2026-11-22")
}

/// `iamsnap args`, with the secret also in its environment (what `/proc/self/environ`
/// would show), killed after a minute should it hang.
fn run_env(args: &[&str]) -> Output {
    iamsnap()
        .env("AWS_SECRET_ACCESS_KEY", SECRET_VALUE)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

/// Runs, asserts exit 2 and that the secret is in neither output; stderr.
fn refused(args: &[&str]) -> String {
    let out = run_env(args);
    let (o, e) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{args:?}:\n{o}\n{e}");
    assert!(
        !o.contains(SECRET_VALUE) && !e.contains(SECRET_VALUE),
        "secret printed:\n{o}\n{e}"
    );
    e
}

const RULE: &str =
    "rule T-1\n  severity low\n  title \"t\"\n  for role r\n  where r.name = \"nobody\"\n";

/// A pack folder `packs/` holding `main.rules` (`text`), and beside it `outside/` holding
/// the secret as `secret.rules` and `secret.env`.
fn layout(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let packs = dir.path().join("packs");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&packs).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.rules"), format!("{SECRET}\n")).unwrap();
    std::fs::write(outside.join("secret.env"), format!("{SECRET}\n")).unwrap();
    let main = packs.join("main.rules");
    std::fs::write(&main, text).unwrap();
    (dir, main)
}

fn list(pack: &Path) -> String {
    refused(&["rules", "list", "--pack", s(pack)])
}

#[test]
fn an_import_climbing_out_with_dotdot_is_refused_and_nothing_is_shown() {
    let (_dir, main) = layout(&format!("import \"../outside/secret.rules\"\n{RULE}"));
    let err = list(&main);
    assert!(
        err.contains("`../outside/secret.rules` is outside the pack's folder"),
        "{err}"
    );
    assert!(err.contains("main.rules:1:8"), "{err}");
    assert!(err.contains("--allow-dir DIR"), "{err}");
    // Also for a file that does not exist: its existence is not told either.
    let (_dir, main) = layout(&format!("import \"../outside/nothing.rules\"\n{RULE}"));
    let err = list(&main);
    assert!(err.contains("is outside the pack's folder"), "{err}");
}

#[test]
fn an_absolute_import_outside_the_pack_folder_is_refused() {
    let (dir, main) = layout("");
    let secret = dir.path().join("outside/secret.rules");
    std::fs::write(&main, format!("import \"{}\"\n{RULE}", secret.display())).unwrap();
    let err = list(&main);
    assert!(err.contains("is outside the pack's folder"), "{err}");
    // The process's own environment, where the secret is.
    std::fs::write(&main, format!("import \"/proc/self/environ\"\n{RULE}")).unwrap();
    let err = list(&main);
    assert!(
        err.contains("`/proc/self/environ` is outside the pack's folder"),
        "{err}"
    );
}

#[test]
fn a_symlink_pointing_outside_the_pack_folder_is_refused() {
    let (dir, main) = layout(&format!("import \"inner/link.rules\"\n{RULE}"));
    let inner = main.parent().unwrap().join("inner");
    std::fs::create_dir_all(&inner).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("outside/secret.rules"),
        inner.join("link.rules"),
    )
    .unwrap();
    let err = list(&main);
    assert!(
        err.contains("`inner/link.rules` is outside the pack's folder"),
        "{err}"
    );
    // A linked folder leading out is no way around either.
    std::os::unix::fs::symlink(dir.path().join("outside"), inner.join("out")).unwrap();
    std::fs::write(&main, format!("import \"inner/out/secret.rules\"\n{RULE}")).unwrap();
    let err = list(&main);
    assert!(err.contains("is outside the pack's folder"), "{err}");
}

#[test]
fn allow_dir_lets_a_pack_import_from_that_folder_only() {
    let (dir, main) = layout(&format!("import \"../shared/common.rules\"\n{RULE}"));
    let shared = dir.path().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("common.rules"), RULE.replace("T-1", "SHARED-1")).unwrap();
    let err = list(&main);
    assert!(
        err.contains("`../shared/common.rules` is outside the pack's folder"),
        "{err}"
    );
    let out = ok(&[
        "rules",
        "list",
        "--pack",
        s(&main),
        "--allow-dir",
        s(&shared),
    ]);
    assert!(out.contains("SHARED-1") && out.contains("T-1"), "{out}");
    // The allowed folder opens nothing else.
    std::fs::write(&main, format!("import \"../outside/secret.rules\"\n{RULE}")).unwrap();
    let err = refused(&[
        "rules",
        "list",
        "--pack",
        s(&main),
        "--allow-dir",
        s(&shared),
    ]);
    assert!(err.contains("is outside the pack's folder"), "{err}");
    // A folder that is not one is an error of its own.
    let err = refused(&[
        "rules",
        "list",
        "--pack",
        s(&main),
        "--allow-dir",
        "/no/such/dir",
    ]);
    assert!(
        err.contains("`--allow-dir /no/such/dir`: no such folder"),
        "{err}"
    );
}

#[test]
fn an_imported_file_that_is_not_a_pack_is_reported_without_its_content() {
    let (_dir, main) = layout(&format!("import \"notes.rules\"\n{RULE}"));
    let folder = main.parent().unwrap();
    std::fs::write(folder.join("notes.rules"), format!("# keys\n{SECRET}\n")).unwrap();
    let err = list(&main);
    assert!(
        err.contains(
            "`notes.rules` is not a valid rule pack: 1 syntax error, the first at line 2, column 1"
        ),
        "{err}"
    );
    assert!(!err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
    // A file that is not named as a pack is not read at all.
    std::fs::write(folder.join(".env"), format!("{SECRET}\n")).unwrap();
    std::fs::write(&main, format!("import \".env\"\n{RULE}")).unwrap();
    let err = list(&main);
    assert!(err.contains("`.env` is not a `.rules` file"), "{err}");
}

#[test]
fn a_fifo_or_a_device_is_refused_without_being_opened() {
    let (_dir, main) = layout(&format!("import \"pipe.rules\"\n{RULE}"));
    let fifo = main.parent().unwrap().join("pipe.rules");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Opening a pipe with no writer would block forever: `run_env` kills it after a minute.
    let err = list(&main);
    assert!(
        err.contains("`pipe.rules` is not a regular file (a device, pipe or socket)"),
        "{err}"
    );
    std::fs::write(&main, format!("import \"/dev/zero\"\n{RULE}")).unwrap();
    let err = refused(&["rules", "list", "--pack", s(&main), "--allow-dir", "/dev"]);
    assert!(err.contains("`/dev/zero` is not a regular file"), "{err}");
    // The pack named on the command line too.
    let err = refused(&["rules", "list", "--pack", s(&fifo)]);
    assert!(err.contains("is not a regular file"), "{err}");
}

#[test]
fn an_oversized_import_is_refused() {
    let (_dir, main) = layout(&format!("import \"big.rules\"\n{RULE}"));
    let big = main.parent().unwrap().join("big.rules");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(4 * 1024 * 1024 + 1).unwrap();
    let err = list(&main);
    assert!(
        err.contains("`big.rules` is larger than 4 MiB, the limit"),
        "{err}"
    );
}

#[test]
fn a_fixture_path_outside_the_pack_folder_is_refused() {
    let (dir, main) = layout("");
    let fixtures = root().join("queries/fixtures/nhi");
    let local = main.parent().unwrap();
    std::fs::copy(fixtures.join("keys.json"), local.join("keys.json")).unwrap();
    for report in [
        "/etc/passwd".to_owned(),
        "/proc/self/environ".to_owned(),
        "../outside/secret.env".to_owned(),
        dir.path().join("outside/secret.env").display().to_string(),
    ] {
        std::fs::write(
            &main,
            format!(
                "{RULE}\ntest \"t\" {{\n  fixture \"keys.json\" credential_report \"{report}\"\n  expect T-1 none\n}}\n"
            ),
        )
        .unwrap();
        let err = refused(&["test", s(&main)]);
        assert!(
            err.contains(&format!("`{report}` is outside the pack's folder")),
            "{err}"
        );
        assert!(!err.contains("root:"), "{err}");
    }
    // The auth-details file likewise.
    std::fs::write(
        &main,
        format!(
            "{RULE}\ntest \"t\" {{\n  fixture \"../outside/secret.env\"\n  expect T-1 none\n}}\n"
        ),
    )
    .unwrap();
    let err = refused(&["test", s(&main)]);
    assert!(err.contains("is outside the pack's folder"), "{err}");
    // Allowed, the same fixture folder elsewhere works.
    std::fs::write(
        &main,
        format!(
            "{RULE}\ntest \"t\" {{\n  fixture \"{}\"\n  expect T-1 none\n}}\n",
            fixtures.join("keys.json").display()
        ),
    )
    .unwrap();
    let err = refused(&["test", s(&main)]);
    assert!(err.contains("is outside the pack's folder"), "{err}");
    let out = ok(&["test", s(&main), "--allow-dir", s(&fixtures)]);
    assert!(out.contains("1 passed, 0 failed"), "{out}");
}

#[test]
fn a_fixture_that_does_not_import_is_reported_without_its_content() {
    let (_dir, main) = layout("");
    let local = main.parent().unwrap();
    std::fs::write(
        local.join("auth.json"),
        format!("{{\"RoleDetailList\": \"{SECRET}\"}}\n"),
    )
    .unwrap();
    std::fs::write(
        &main,
        format!("{RULE}\ntest \"t\" {{\n  fixture \"auth.json\"\n  expect T-1 none\n}}\n"),
    )
    .unwrap();
    let err = refused(&["test", s(&main)]);
    assert!(err.contains("cannot import the fixture: `"), "{err}");
    assert!(
        err.contains("auth.json` is not JSON of the expected shape"),
        "{err}"
    );
    assert!(!err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
    let fixtures = root().join("queries/fixtures/nhi");
    std::fs::copy(fixtures.join("keys.json"), local.join("keys.json")).unwrap();
    std::fs::write(local.join("report.csv"), format!("{SECRET}\n{SECRET}\n")).unwrap();
    std::fs::write(
        &main,
        format!("{RULE}\ntest \"t\" {{\n  fixture \"keys.json\" credential_report \"report.csv\"\n  expect T-1 none\n}}\n"),
    )
    .unwrap();
    let err = refused(&["test", s(&main)]);
    assert!(
        err.contains("report.csv` is not a valid credential report"),
        "{err}"
    );
    assert!(!err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
}

/// A pack of one rule whose condition is `cond`.
fn rule_pack(dir: &Path, name: &str, defines: &str, cond: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "{defines}\nrule DEEP-1\n  severity low\n  title \"t\"\n  for role r\n  where {cond}\n"
        ),
    )
    .unwrap();
    path
}

/// `check` of the pack over the demo snapshot: how many findings (exit 0 or 1 as they say).
fn findings(pack: &Path) -> usize {
    let out = run(&["check", s(&demo()), "--pack", s(pack), "--format", "json"]);
    let text = stdout(&out);
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}\n{}", stderr(&out)));
    let n = v["findings"].as_array().unwrap().len();
    assert_eq!(
        out.status.code(),
        Some(i32::from(n > 0)),
        "{}",
        stderr(&out)
    );
    n
}

fn deep_refused(pack: &Path) -> String {
    let err = fails(&["check", s(&demo()), "--pack", s(pack)]);
    assert!(!err.contains("overflow"), "{err}");
    err
}

#[test]
fn nested_not_compiles_to_a_plan_as_deep_as_the_text_and_too_deep_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let all = findings(&rule_pack(
        dir.path(),
        "all.rules",
        "",
        "r.name != \"nobody\"",
    ));
    assert!(all > 0);
    // 24 and 23 `not`: each doubled the plan.
    let even = rule_pack(
        dir.path(),
        "n24.rules",
        "",
        &format!("{}r.name = \"nobody\"", "not ".repeat(24)),
    );
    assert_eq!(findings(&even), 0);
    let odd = rule_pack(
        dir.path(),
        "n23.rules",
        "",
        &format!("{}r.name = \"nobody\"", "not ".repeat(23)),
    );
    assert_eq!(findings(&odd), all);
    // 16 `not (`: 32 levels, the limit.
    let paren = "not (".repeat(16) + "r.name = \"nobody\"" + &")".repeat(16);
    assert_eq!(findings(&rule_pack(dir.path(), "np.rules", "", &paren)), 0);
    for n in [100, 1000] {
        let pack = rule_pack(
            dir.path(),
            "deep.rules",
            "",
            &format!("{}r.name = \"x\"", "not ".repeat(n)),
        );
        let err = deep_refused(&pack);
        assert!(err.contains("this nests more than 32 levels deep"), "{err}");
        assert!(err.contains("deep.rules:6:"), "{err}");
        assert!(err.contains("^^^"), "{err}");
    }
}

#[test]
fn nested_parentheses_parse_in_linear_time_and_too_deep_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cond =
        "(".repeat(20) + "r.name = \"nobody\" or r.create_date older than 1 days" + &")".repeat(20);
    let all = findings(&rule_pack(dir.path(), "p20.rules", "", &cond));
    assert!(all > 0);
    for n in [100, 1000] {
        let cond = "(".repeat(n) + "r.name = \"x\"" + &")".repeat(n);
        let err = deep_refused(&rule_pack(dir.path(), "deep.rules", "", &cond));
        assert!(err.contains("this nests more than 32 levels deep"), "{err}");
        // Underlined: the first parenthesis past the limit.
        assert!(err.contains("deep.rules:6:41"), "{err}");
    }
}

#[test]
fn a_define_chain_compiles_and_its_limits_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let chain = |n: usize, body: &dyn Fn(usize) -> String| {
        let mut d = vec!["define d0(r) = r.name = \"nobody\"".to_owned()];
        d.extend((1..=n).map(|i| format!("define d{i}(r) = {}", body(i))));
        d.join("\n")
    };
    // 18 deep, each using the one before: the same as 18 `not`.
    let defines = chain(18, &|i| format!("not d{}(r)", i - 1));
    assert_eq!(
        findings(&rule_pack(dir.path(), "d18.rules", &defines, "d18(r)")),
        0
    );
    // Each using the one before twice: 2^18 copies, past the limit, refused at once.
    let defines = chain(18, &|i| format!("d{0}(r) and not d{0}(r)", i - 1));
    let err = deep_refused(&rule_pack(dir.path(), "d18x2.rules", &defines, "d18(r)"));
    assert!(
        err.contains("more than 10000 conditions once its named predicates are expanded"),
        "{err}"
    );
    // 40 deep: past the chain limit.
    let defines = chain(40, &|i| format!("not d{}(r)", i - 1));
    let err = deep_refused(&rule_pack(dir.path(), "d40.rules", &defines, "d40(r)"));
    assert!(
        err.contains("named predicates use one another more than 32 deep"),
        "{err}"
    );
}

#[test]
fn a_thousand_term_or_works_and_a_long_and_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let or = (0..1000)
        .map(|i| format!("r.name = \"n{i}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    assert_eq!(findings(&rule_pack(dir.path(), "or.rules", "", &or)), 0);
    let or = format!("{or} or r.name != \"nobody\"");
    assert!(findings(&rule_pack(dir.path(), "or2.rules", "", &or)) > 0);
    let and = (0..1000)
        .map(|i| format!("r.name != \"n{i}\""))
        .collect::<Vec<_>>()
        .join(" and ");
    let err = deep_refused(&rule_pack(dir.path(), "and.rules", "", &and));
    assert!(
        err.contains("this condition joins 1000 parts with `and`; at most 32 can be planned"),
        "{err}"
    );
    let and = (0..32)
        .map(|i| format!("r.name != \"n{i}\""))
        .collect::<Vec<_>>()
        .join(" and ");
    assert!(findings(&rule_pack(dir.path(), "and32.rules", "", &and)) > 0);
    // Subqueries, each a join of the plan.
    let many = (0..17)
        .map(|i| format!("exists r.trust t where t.principal = \"x{i}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    let err = deep_refused(&rule_pack(dir.path(), "sub.rules", "", &many));
    assert!(
        err.contains("the rule has more than 16 subqueries"),
        "{err}"
    );
}

#[test]
fn a_fixture_folder_holding_a_link_is_refused_before_anything_is_read() {
    let test = |fixture: &str| {
        format!("{RULE}\ntest \"t\" {{\n  fixture \"{fixture}\"\n  expect T-1 none\n}}\n")
    };
    let (dir, main) = layout(&test("capture"));
    let packs = main.parent().unwrap();
    let account = packs.join("capture/accounts/111122223333");
    std::fs::create_dir_all(&account).unwrap();
    // The capture's authorization details are a link to the secret beside the pack.
    std::os::unix::fs::symlink(
        dir.path().join("outside/secret.env"),
        account.join("get-account-authorization-details.json"),
    )
    .unwrap();
    let err = refused(&["test", s(&main)]);
    assert!(
        err.contains("`capture` holds a symbolic link (`accounts/111122223333/get-account-authorization-details.json`)"),
        "{err}"
    );
    // A linked folder is refused the same way, without following it.
    std::fs::remove_file(account.join("get-account-authorization-details.json")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside"), account.join("resources")).unwrap();
    let err = refused(&["test", s(&main)]);
    assert!(err.contains("holds a symbolic link"), "{err}");
    // A folder that is itself outside the pack's folder is outside.
    let (_dir2, main) = layout(&test("../outside"));
    let err = refused(&["test", s(&main)]);
    assert!(
        err.contains("`../outside` is outside the pack's folder"),
        "{err}"
    );
}
