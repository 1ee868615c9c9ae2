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

/// Every command `remove_policy` can give: a managed policy detached from, and an inline
/// one deleted from, a user, a group and a role (`{remove_policy(...)}` in a template).
fn remove_policy_commands() -> Vec<String> {
    let mut out = Vec::new();
    for kind in ["user", "group", "role"] {
        for (policy_type, arn) in [
            ("aws_managed", "arn:aws:iam::aws:policy/AdministratorAccess"),
            ("inline", ""),
        ] {
            let (commands, _) = iamsnap_rules::remove_policy(&[iamsnap_rules::Attachment {
                principal_type: kind.to_owned(),
                principal_name: "{name}".to_owned(),
                policy_type: policy_type.to_owned(),
                policy_arn: arn.to_owned(),
                policy_name: "{policy}".to_owned(),
                via_group_name: String::new(),
            }])
            .unwrap();
            out.extend(commands.into_iter().map(|c| c.join(" ")));
        }
    }
    out
}

#[test]
fn every_shipped_fix_command_is_a_command_of_the_aws_cli() {
    let mut commands = Vec::new();
    let mut ids = Vec::new();
    for (name, _, _) in EMBEDDED {
        let pack = Pack::embedded(name).unwrap().unwrap();
        for r in &pack.rules {
            let info = r.info();
            if info.fix.is_empty() {
                continue;
            }
            ids.push(info.id.clone());
            if info.fix.starts_with("{remove_policy(") {
                // Each command it can give.
                for c in remove_policy_commands() {
                    commands.push(json!({ "id": info.id, "command": c }));
                }
            } else {
                commands.push(json!({ "id": info.id, "command": info.fix }));
            }
        }
    }
    // The rules with a fix; a change to this list is a change to review.
    assert_eq!(
        ids,
        [
            "NHI-KEY-002",
            "NHI-KEY-004",
            "NHI-USER-001",
            "NHI-TRUST-008",
            "NHI-ADMIN-002",
            "CIS-1.11",
            "CIS-1.12-key",
            "CIS-1.12-password",
            "CIS-1.16"
        ]
    );
    let shapes: Vec<String> = remove_policy_commands()
        .iter()
        .map(|c| c.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        shapes,
        [
            "aws iam detach-user-policy",
            "aws iam delete-user-policy",
            "aws iam detach-group-policy",
            "aws iam delete-group-policy",
            "aws iam detach-role-policy",
            "aws iam delete-role-policy"
        ]
    );
    let (success, out) = check_commands(&Value::Array(commands.clone()));
    assert!(success, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        commands.len(),
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
        {"id": "file", "command": "printf '%s\\n' {d} > /tmp/{r.name}.json && aws iam update-assume-role-policy --role-name {r.name} --policy-document file:///tmp/{r.name}.json"},
        {"id": "read", "command": "printf '%s\\n' {d} > t-{r.name}.json && aws iam update-assume-role-policy --role-name {r.name} --policy-document file://other.json"},
        {"id": "shape", "command": "printf '%s' {d} >> t.json && aws iam update-assume-role-policy --role-name {r.name} --policy-document file://t.json"},
        {"id": "joined", "command": "aws iam delete-login-profile --user-name a && rm -rf x"},
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
        "error file: `/tmp/VALUE.json` is not a JSON file of the current folder",
        "error read: the command does not read `file://t-VALUE.json`",
        "error shape: the file part must be `printf '%s\\n' VALUE > FILE`",
        "error joined: commands are joined with `&&` only after `printf '%s\\n' VALUE > FILE`",
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

/// An auth-details page: role `app` (AdministratorAccess and the customer policy
/// `full-admin`), user `bot` in group `admins` (AdministratorAccess directly and through
/// the group, and an inline "*" on "*"), all named with `suffix`.
fn policies_account(suffix: &str) -> Value {
    let account = "123456789012";
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    let full = format!("arn:aws:iam::{account}:policy/full-admin");
    let everything = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let (role, user, group) = (
        format!("app{suffix}"),
        format!("bot{suffix}"),
        format!("admins{suffix}"),
    );
    let date = "2026-01-01T00:00:00Z";
    json!({
        "UserDetailList": [{
            "Path": "/", "UserName": user, "UserId": "AIDAAAAAAAAAAAAAAAAAB",
            "Arn": format!("arn:aws:iam::{account}:user/{user}"), "CreateDate": date,
            "GroupList": [group],
            "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": admin}],
            "UserPolicyList": [{"PolicyName": "everything", "PolicyDocument": everything}],
            "Tags": []
        }],
        "GroupDetailList": [{
            "Path": "/", "GroupName": group, "GroupId": "AGPAAAAAAAAAAAAAAAAAA",
            "Arn": format!("arn:aws:iam::{account}:group/{group}"), "CreateDate": date,
            "GroupPolicyList": [],
            "AttachedManagedPolicies": [
                {"PolicyName": "AdministratorAccess", "PolicyArn": admin},
                {"PolicyName": "full-admin", "PolicyArn": full}
            ]
        }],
        "RoleDetailList": [{
            "Path": "/", "RoleName": role, "RoleId": "AROAAAAAAAAAAAAAAAAAA",
            "Arn": format!("arn:aws:iam::{account}:role/{role}"), "CreateDate": date,
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }]},
            "RolePolicyList": [],
            "AttachedManagedPolicies": [
                {"PolicyName": "AdministratorAccess", "PolicyArn": admin},
                {"PolicyName": "full-admin", "PolicyArn": full}
            ],
            "Tags": []
        }],
        "Policies": [{
            "PolicyName": "full-admin", "PolicyId": "ANPAAAAAAAAAAAAAAAAAA", "Arn": full,
            "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 2, "IsAttachable": true,
            "CreateDate": date, "UpdateDate": date,
            "PolicyVersionList": [{"Document": everything, "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": date}]
        }, {
            "PolicyName": "AdministratorAccess", "PolicyId": "ANPAAAAAAAAAAAAAAAAAB", "Arn": admin,
            "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 3, "IsAttachable": true,
            "CreateDate": date, "UpdateDate": date,
            "PolicyVersionList": [{"Document": everything, "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": date}]
        }]
    })
}

/// The fixes of NHI-ADMIN-002 and CIS-1.16 over `policies_account(suffix)`, by resource.
fn policy_fixes(dir: &std::path::Path, suffix: &str) -> Vec<(String, String, Value)> {
    let file = dir.join("details.json");
    std::fs::write(&file, policies_account(suffix).to_string()).unwrap();
    let snap = dir.join("snap");
    ok(&[
        "import",
        "--auth-details",
        s(&file),
        "-o",
        s(&snap),
        "--force",
        "--captured-at",
        "2026-11-01T00:00:00Z",
    ]);
    let out = run(&[
        "check",
        s(&snap),
        "--format",
        "json",
        "--pack",
        "nhi",
        "--pack",
        "cis",
        "--rule",
        "NHI-ADMIN-002",
        "--rule",
        "CIS-1.16",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut fixes: Vec<(String, String, Value)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["resource"]
                    .as_str()
                    .unwrap()
                    .rsplit(['/', ':'])
                    .next()
                    .unwrap()
                    .to_owned(),
                f["fix"].clone(),
            )
        })
        .collect();
    fixes.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    fixes
}

#[test]
fn a_policy_is_removed_where_it_is_attached_and_a_group_is_called_out() {
    let dir = tempfile::tempdir().unwrap();
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    let full = "arn:aws:iam::123456789012:policy/full-admin";
    let group_note = "the policy comes through group `admins`: removing it from the group removes it from every other member of the group too";
    assert_eq!(
        policy_fixes(dir.path(), ""),
        vec![
            (
                "CIS-1.16".to_owned(),
                "everything".to_owned(),
                json!({"command": "aws iam delete-user-policy --user-name bot --policy-name everything"}),
            ),
            (
                "CIS-1.16".to_owned(),
                "full-admin".to_owned(),
                json!({
                    "command": format!("aws iam detach-group-policy --group-name admins --policy-arn {full} && aws iam detach-role-policy --role-name app --policy-arn {full}"),
                    "note": group_note,
                }),
            ),
            (
                "NHI-ADMIN-002".to_owned(),
                "app".to_owned(),
                json!({"command": format!("aws iam detach-role-policy --role-name app --policy-arn {admin}")}),
            ),
            (
                "NHI-ADMIN-002".to_owned(),
                "bot".to_owned(),
                json!({
                    "command": format!("aws iam detach-user-policy --user-name bot --policy-arn {admin} && aws iam detach-group-policy --group-name admins --policy-arn {admin}"),
                    "note": group_note,
                }),
            ),
        ]
    );
    // Every report format shows the note.
    let snap = dir.path().join("snap");
    for format in ["table", "markdown", "junit", "sarif"] {
        let out = run(&[
            "check",
            s(&snap),
            "--format",
            format,
            "--rule",
            "NHI-ADMIN-002",
        ]);
        let text = stdout(&out);
        assert!(
            text.contains(
                "removing it from the group removes it from every other member of the group too"
            ),
            "{format}: {text}"
        );
    }
}

#[test]
fn names_from_a_snapshot_cannot_inject_shell_syntax_into_a_remove_policy_fix() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "'; touch pwned; echo '$(touch pwned-2)";
    let fixes = policy_fixes(dir.path(), hostile);
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    let (_, _, bot) = fixes
        .iter()
        .find(|(rule, name, _)| rule == "NHI-ADMIN-002" && name.starts_with("bot"))
        .unwrap();
    let command = bot["command"].as_str().unwrap();
    // `&&` joins the commands; `aws` prints the words it gets, one list per command.
    let words = sh_arguments(command, &work);
    let group = format!("admins{hostile}");
    let user = format!("bot{hostile}");
    assert_eq!(
        words,
        [
            "iam",
            "detach-user-policy",
            "--user-name",
            &user,
            "--policy-arn",
            admin,
            "iam",
            "detach-group-policy",
            "--group-name",
            &group,
            "--policy-arn",
            admin,
        ],
        "{command}"
    );
    assert!(
        crate::common::listing(&work).is_empty(),
        "a command created files: {:?}",
        crate::common::listing(&work)
    );
}

#[test]
fn a_misused_remove_policy_is_an_error_of_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let demo = root().join("snapshots/demo-2026-11-22");
    let pack = |entity: &str, fix: &str| {
        let file = dir.path().join("p.rules");
        std::fs::write(
            &file,
            format!(
                "pack p \"p\"\nrule P-1\n  severity low\n  title \"t\"\n  for {entity} x\n  fix \"{fix}\"\n"
            ),
        )
        .unwrap();
        crate::common::fails(&["check", s(&demo), "--pack", s(&file)])
    };
    for (entity, fix, expected) in [
        (
            "role",
            "{remove_polcy(x)}",
            "unknown function `remove_polcy`\n",
        ),
        (
            "role",
            "{remove_policy(r)}",
            "`remove_policy` takes the rule's alias `x`",
        ),
        (
            "role",
            "{remove_policy(x, arn)}",
            "is not a call of `remove_policy`",
        ),
        (
            "access_key",
            "{remove_policy(x)}",
            "the rule's rows have no attachments",
        ),
        (
            "role",
            "{trust_with_source_acount(x.assume_role_policy, x.account_id, [])}",
            "did you mean `trust_with_source_account`?",
        ),
        (
            "role",
            "{account_of(x.arn}",
            "is not a function call such as",
        ),
        (
            "role",
            "{account_of(x.arn, $nope)}",
            "unknown parameter `$nope`",
        ),
    ] {
        let err = pack(entity, fix);
        assert!(err.contains(expected), "{fix}: {err}");
        assert!(err.contains("help: "), "{fix}: {err}");
    }
}

/// An account of one role `name` trusting EventBridge (no source condition) and Lambda.
fn service_role_account(name: &str) -> Value {
    json!({
        "UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [{
            "Path": "/", "RoleName": name, "RoleId": "AROAAAAAAAAAAAAAAAAAA",
            "Arn": format!("arn:aws:iam::123456789012:role/{name}"),
            "CreateDate": "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Lambda", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
                {"Sid": "Events", "Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com"]}, "Action": "sts:AssumeRole",
                 "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
            ]},
            "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": []
        }]
    })
}

#[test]
fn the_trust_fix_writes_the_guarded_policy_to_a_file_and_applies_it_whatever_the_name() {
    let hostile = "events-'; touch pwned; echo '$(touch pwned-2)";
    for name in ["events-invoke", hostile] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("details.json");
        std::fs::write(&file, service_role_account(name).to_string()).unwrap();
        let snap = dir.path().join("snap");
        ok(&[
            "import",
            "--auth-details",
            s(&file),
            "-o",
            s(&snap),
            "--captured-at",
            "2026-11-01T00:00:00Z",
        ]);
        let out = run(&[
            "check",
            s(&snap),
            "--format",
            "json",
            "--rule",
            "NHI-TRUST-008",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let command = report["findings"][0]["fix"]["command"]
            .as_str()
            .unwrap()
            .to_owned();
        let work = dir.path().join("work");
        std::fs::create_dir(&work).unwrap();
        // `aws` only prints its arguments: the file is written, then named to it.
        let words = sh_arguments(&command, &work);
        let target = format!("trust-{name}.json");
        assert_eq!(
            words,
            [
                "iam",
                "update-assume-role-policy",
                "--role-name",
                name,
                "--policy-document",
                &format!("file://{target}"),
            ],
            "{command}"
        );
        assert_eq!(crate::common::listing(&work), vec![target.clone()]);
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(work.join(&target)).unwrap()).unwrap();
        // EventBridge's statement gains the condition next to the one it had; Lambda's is
        // as it was.
        assert_eq!(
            written,
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "Lambda", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
                {"Sid": "Events", "Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com"]}, "Action": "sts:AssumeRole",
                 "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:SourceAccount": "123456789012"}}}
            ]})
        );
        // SQL gives the same document.
        let sql = ok(&[
            "query",
            s(&snap),
            "select trust_with_source_account(assume_role_policy, account_id, ['events.amazonaws.com', 'sns.amazonaws.com']) as t from roles",
            "--format",
            "json",
        ]);
        let rows: Value = serde_json::from_str(&sql).unwrap();
        let t: Value = serde_json::from_str(rows[0]["t"].as_str().unwrap()).unwrap();
        assert_eq!(t, written);
    }
}

#[test]
fn a_value_inside_a_file_name_cannot_name_another_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("details.json");
    let mut account = service_role_account("events-invoke");
    // Not a name IAM allows, but a snapshot may hold anything.
    account["RoleDetailList"][0]["RoleName"] = json!("../../escape");
    std::fs::write(&file, account.to_string()).unwrap();
    let snap = dir.path().join("snap");
    ok(&["import", "--auth-details", s(&file), "-o", s(&snap)]);
    let out = run(&[
        "check",
        s(&snap),
        "--format",
        "json",
        "--rule",
        "NHI-TRUST-008",
    ]);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        report["findings"][0]["fix"],
        json!({"unavailable": "a value is not written into a command (`r.name`: it holds `/`, which the file name it is part of cannot)"})
    );
}
