//! Fix commands: every command template of the shipped packs checked against the AWS CLI's
//! own command model (PyPI `awscli`, tests/e2e/check_aws_commands.py, run with the Python
//! that `scripts/test` sets up), and the commands `check` fills in with names from a
//! snapshot staying one shell word per value, whatever the names hold.

use std::io::Write as _;
use std::process::{Command, Stdio};

use iamsnap_rules::{EMBEDDED, Pack};
use serde_json::{Value, json};

use crate::common::{ok, root, run, s, stdout};

/// The Python with `awscli` (scripts/test sets IAMSNAP_TEST_PYTHON; `python3` otherwise).
fn python() -> String {
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let out = Command::new(&python)
        .args(["-c", "import awscli.clidriver"])
        .output();
    match out {
        Ok(o) if o.status.success() => python,
        _ => panic!(
            "{python} cannot import awscli: install tests/requirements.txt (scripts/test sets \
             up a virtualenv and IAMSNAP_TEST_PYTHON)"
        ),
    }
}

/// Runs the checker over `commands` (`[{"id", "command"}]`): its exit status and output.
fn check_commands(commands: &Value) -> (bool, String) {
    let mut child = Command::new(python())
        .arg(root().join("tests/e2e/check_aws_commands.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(commands.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn every_shipped_fix_command_is_a_command_of_the_aws_cli() {
    let mut commands = Vec::new();
    for (name, _, _) in EMBEDDED {
        let pack = Pack::embedded(name).unwrap().unwrap();
        for r in &pack.rules {
            let info = r.info();
            if !info.fix.is_empty() {
                commands.push(json!({ "id": info.id, "command": info.fix }));
            }
        }
    }
    let ids: Vec<String> = commands
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    // The rules whose fix is one command; a change to this list is a change to review.
    assert_eq!(
        ids,
        [
            "NHI-KEY-002",
            "NHI-KEY-004",
            "NHI-USER-001",
            "CIS-1.11",
            "CIS-1.12-key",
            "CIS-1.12-password"
        ]
    );
    let (success, out) = check_commands(&Value::Array(commands));
    assert!(success, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        ids.len(),
        "{out}"
    );
}

#[test]
fn the_command_check_finds_what_the_aws_cli_would_refuse() {
    let bad = json!([
        {"id": "typo", "command": "aws iam delete-login-profil --user-name {u.name}"},
        {"id": "option", "command": "aws iam delete-login-profile --user {u.name}"},
        {"id": "required", "command": "aws iam update-access-key --user-name {k.user_name} --status Inactive"},
        {"id": "enum", "command": "aws iam update-access-key --access-key-id {k.access_key_id} --status Disabled"},
        {"id": "service", "command": "aws iamx list-users"},
        {"id": "twice", "command": "aws iam delete-login-profile --user-name a --user-name b"},
    ]);
    let (success, out) = check_commands(&bad);
    assert!(!success, "{out}");
    for expected in [
        "error typo: `aws iam` has no command `delete-login-profil`",
        "error option: `aws iam delete-login-profile` has no option `--user`",
        "error required: `aws iam update-access-key` requires --access-key-id",
        "error enum: `--status Disabled`: the values are Active, Inactive, Expired",
        "error service: `iamx` is not a service of the AWS CLI",
        "error twice: `--user-name` is given twice",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
}

/// The words `sh` passes to `aws` when it runs `command` (with `aws` a function that only
/// prints its arguments), run in `dir`.
fn sh_arguments(command: &str, dir: &std::path::Path) -> Vec<String> {
    let script = format!("aws() {{ printf '%s\\0' \"$@\"; }}\n{command}\n");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{command}: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_terminator('\0')
        .map(str::to_owned)
        .collect()
}

#[test]
fn names_from_a_snapshot_cannot_inject_shell_syntax_into_a_fix_command() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        "svc'; touch pwned-1; echo '",
        "svc$(touch pwned-2)",
        "svc`touch pwned-3`",
        "svc\"; touch pwned-4; \"",
        "svc && touch pwned-5 #",
        "svc\\' ; touch pwned-6",
        "svc *",
    ];
    let unsafe_name = "svc\u{1b}]0;title\u{7}";
    let users: Vec<Value> = hostile
        .iter()
        .chain([&unsafe_name])
        .map(|name| {
            json!({
                "UserName": name, "Path": "/service/", "UserId": "AIDAEXAMPLE",
                "Arn": format!("arn:aws:iam::123456789012:user/service/{name}"),
                "CreateDate": "2026-01-01T00:00:00Z", "GroupList": [],
                "UserPolicyList": [], "AttachedManagedPolicies": [],
            })
        })
        .collect();
    let details = json!({
        "UserDetailList": users, "GroupDetailList": [], "RoleDetailList": [], "Policies": [],
    });
    std::fs::write(dir.path().join("details.json"), details.to_string()).unwrap();
    // CSV: every field quoted, quotes doubled.
    let line = |fields: &[&str]| {
        let cells: Vec<String> = fields
            .iter()
            .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
            .collect();
        format!("{}\n", cells.join(","))
    };
    let mut report = line(&iamsnap_import::credential_report::COLUMNS);
    for name in hostile.iter().chain([&unsafe_name]) {
        let arn = format!("arn:aws:iam::123456789012:user/service/{name}");
        report.push_str(&line(&[
            name,
            &arn,
            "2026-01-01T00:00:00+00:00",
            "true",
            "no_information",
            "2026-01-01T00:00:00+00:00",
            "N/A",
            "false",
            "true",
            "2026-01-01T00:00:00+00:00",
            "N/A",
            "N/A",
            "N/A",
            "false",
            "N/A",
            "N/A",
            "N/A",
            "N/A",
            "false",
            "N/A",
            "false",
            "N/A",
        ]));
    }
    std::fs::write(dir.path().join("report.csv"), report).unwrap();
    let snap = dir.path().join("snap");
    ok(&[
        "import",
        "--auth-details",
        s(&dir.path().join("details.json")),
        "--credential-report",
        s(&dir.path().join("report.csv")),
        "-o",
        s(&snap),
        "--captured-at",
        "2026-11-01T00:00:00Z",
    ]);
    let out = run(&["check", s(&snap), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let findings: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "NHI-USER-001")
        .collect();
    assert_eq!(findings.len(), hostile.len() + 1, "{report:#}");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    for name in hostile {
        let arn = format!("arn:aws:iam::123456789012:user/service/{name}");
        let f = findings.iter().find(|f| f["resource"] == arn).unwrap();
        let command = f["fix"]["command"].as_str().unwrap();
        assert_eq!(
            sh_arguments(command, &work),
            ["iam", "delete-login-profile", "--user-name", name],
            "{command}"
        );
    }
    assert!(
        crate::common::listing(&work).is_empty(),
        "a command created files: {:?}",
        crate::common::listing(&work)
    );
    // A name a terminal would not show as it is gets no command, and says why.
    let arn = format!("arn:aws:iam::123456789012:user/service/{unsafe_name}");
    let f = findings.iter().find(|f| f["resource"] == arn).unwrap();
    assert!(f["fix"].get("command").is_none(), "{f:#}");
    assert!(
        f["fix"]["unavailable"]
            .as_str()
            .unwrap()
            .contains("`u.name`: it holds the character U+001B"),
        "{f:#}"
    );
    // The credential report has no key ids: the key fixes say so instead of a command.
    let first = format!("arn:aws:iam::123456789012:user/service/{}", hostile[0]);
    let key = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "NHI-KEY-004" && f["resource"] == first)
        .unwrap();
    assert_eq!(
        key["fix"],
        json!({"unavailable": "the snapshot has no value for `k.access_key_id`"})
    );
    // The table marks them as changes to review and prints them whole.
    let out = run(&["check", s(&snap)]);
    let text = stdout(&out);
    assert!(
        text.contains("commands that change the account: review each before running it"),
        "{text}"
    );
    assert!(
        text.contains("aws iam delete-login-profile --user-name 'svc$(touch pwned-2)'"),
        "{text}"
    );
}
