//! The command that fixes a finding: a rule's `fix` template filled in with the finding's
//! own values, each quoted for a POSIX shell, for a reviewer to read and paste.
//!
//! The values come from a snapshot, which anyone may have written: a value is always one
//! shell word (quoted by `shlex`), and a value that a terminal or a reader could show as
//! something else — a control character, an invisible or a bidirectional formatting
//! character — is not written into a command at all.

use serde::{Deserialize, Serialize};

/// The fix of one finding: the command, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// The command with the finding's values in it, each quoted for a POSIX shell. Absent
    /// when a value it needs is unknown or cannot be written safely.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Why there is no command: what the snapshot lacks (absent when there is a command).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// What else the command changes, to weigh before running it (e.g. removing a policy
    /// from a group removes it from every member of the group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One row of the `attachments` table: a policy in force for a principal, directly or
/// through a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attachment {
    /// `user`, `group` or `role`.
    pub principal_type: String,
    /// The principal's name.
    pub principal_name: String,
    /// `aws_managed`, `customer_managed` or `inline`.
    pub policy_type: String,
    /// The policy's ARN (managed policies).
    pub policy_arn: String,
    /// The policy's name.
    pub policy_name: String,
    /// The group it comes through, when it does.
    pub via_group_name: String,
}

/// The commands that take a policy away where `attachments` say it is: each holder (the
/// group when it comes through one, else the principal) once, a managed policy detached
/// (`aws iam detach-{role,user,group}-policy`), an inline one deleted
/// (`aws iam delete-{role,user,group}-policy`). Each command as its words, unquoted; the
/// groups among the holders, in the order of `attachments`; an error naming what is
/// missing.
pub fn remove_policy(
    attachments: &[Attachment],
) -> Result<(Vec<Vec<String>>, Vec<String>), String> {
    let mut commands: Vec<Vec<String>> = Vec::new();
    let mut groups = Vec::new();
    for a in attachments {
        let (kind, name) = if a.via_group_name.is_empty() {
            (a.principal_type.as_str(), a.principal_name.as_str())
        } else {
            ("group", a.via_group_name.as_str())
        };
        if !matches!(kind, "user" | "group" | "role") {
            return Err(format!("a policy cannot be removed from a `{kind}`"));
        }
        if name.is_empty() {
            return Err(format!("the snapshot has no name for the {kind}"));
        }
        let inline = a.policy_type == "inline";
        let (verb, option, value) = if inline {
            ("delete", "--policy-name", a.policy_name.as_str())
        } else {
            ("detach", "--policy-arn", a.policy_arn.as_str())
        };
        if value.is_empty() {
            return Err(format!(
                "the snapshot has no {} for a policy of `{name}`",
                if inline { "name" } else { "ARN" }
            ));
        }
        let words: Vec<String> = [
            "aws",
            "iam",
            &format!("{verb}-{kind}-policy"),
            &format!("--{kind}-name"),
            name,
            option,
            value,
        ]
        .iter()
        .map(|w| (*w).to_owned())
        .collect();
        if commands.contains(&words) {
            continue;
        }
        if kind == "group" && !groups.iter().any(|g| g == name) {
            groups.push(name.to_owned());
        }
        commands.push(words);
    }
    if commands.is_empty() {
        return Err("the snapshot has no attachment of the policy".to_owned());
    }
    Ok((commands, groups))
}

/// The note of a fix that removes a policy from `groups`.
fn groups_note(groups: &[String]) -> Option<String> {
    let names: Vec<String> = groups.iter().map(|g| format!("`{g}`")).collect();
    match names.as_slice() {
        [] => None,
        [one] => Some(format!(
            "the policy comes through group {one}: removing it from the group removes it from every other member of the group too"
        )),
        _ => Some(format!(
            "the policy comes through groups {}: removing it from them removes it from every other member of those groups too",
            names.join(", ")
        )),
    }
}

/// A part of a compiled `fix` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FixPiece {
    /// Text as written (parameters already in, quoted).
    Text(String),
    /// A field of the rule's alias: the index of its projected column and its name as
    /// written (`k.access_key_id`).
    Field {
        /// Index among the rule's template columns.
        index: usize,
        /// `alias.field`.
        name: String,
    },
    /// `remove_policy(...)`: the commands that take a policy away where the finding's
    /// attachments (the projected column `index`) say it is.
    RemovePolicy {
        /// Index among the rule's template columns.
        index: usize,
        /// The call as written.
        name: String,
    },
}

/// The value of a fix template's column in one finding.
pub(crate) enum FixValue {
    /// A field's value as text (empty when the snapshot has none).
    Text(String),
    /// The attachments of a `remove_policy(...)`.
    Attachments(Vec<Attachment>),
}

/// Characters that are never written into a command: they would not read as what they are
/// (control characters, zero-width and bidirectional formatting characters).
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Whether `text` can be written into a command as it is: an error saying why not.
pub(crate) fn check_text(text: &str) -> Result<(), String> {
    match text.chars().find(|c| unsafe_char(*c)) {
        Some(c) => Err(format!(
            "it holds the character U+{:04X}, which a command would not show as it is",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

/// `value` as one word of a POSIX shell command (`ci-bot` stays as it is, `a b` becomes
/// `'a b'`, `$(x)` becomes `'$(x)'`); an error saying why for a value that cannot be
/// written safely.
pub fn quote(value: &str) -> Result<String, String> {
    check_text(value)?;
    shlex::try_quote(value)
        .map(|w| w.into_owned())
        .map_err(|e| e.to_string())
}

/// The fix of one finding: `pieces` with each field's value (`value(index, false)`, empty
/// when the snapshot has none; `value(index, true)` the attachments of a `remove_policy`)
/// quoted in; no command, and what is missing, when a value is
/// empty or cannot be written safely.
pub(crate) fn fill(
    pieces: &[FixPiece],
    mut value: impl FnMut(usize, bool) -> Result<FixValue, String>,
) -> Result<Fix, String> {
    let mut command = String::new();
    let mut missing: Vec<&str> = Vec::new();
    let mut unsafe_values: Vec<String> = Vec::new();
    let mut other: Vec<String> = Vec::new();
    let mut note = None;
    for (at, piece) in pieces.iter().enumerate() {
        // A value written inside a word — a file name such as `trust-{r.name}.json` — must
        // not be able to name another folder.
        let glued = |p: Option<&FixPiece>, edge: fn(&str) -> Option<char>| matches!(p, Some(FixPiece::Text(t)) if edge(t).is_some_and(|c| !c.is_whitespace()));
        let in_word = glued(at.checked_sub(1).and_then(|i| pieces.get(i)), |t| {
            t.chars().next_back()
        }) || glued(pieces.get(at + 1), |t| t.chars().next());
        match piece {
            FixPiece::Text(t) => command.push_str(t),
            FixPiece::Field { index, name } | FixPiece::RemovePolicy { index, name } => {
                let rows = matches!(piece, FixPiece::RemovePolicy { .. });
                match value(*index, rows)? {
                    FixValue::Text(v) => {
                        if v.is_empty() {
                            if !missing.contains(&name.as_str()) {
                                missing.push(name);
                            }
                            continue;
                        }
                        if in_word && v.contains('/') {
                            let why = format!(
                                "`{name}`: it holds `/`, which the file name it is part of cannot"
                            );
                            if !unsafe_values.contains(&why) {
                                unsafe_values.push(why);
                            }
                            continue;
                        }
                        match quote(&v) {
                            Ok(word) => command.push_str(&word),
                            Err(why) => unsafe_values.push(format!("`{name}`: {why}")),
                        }
                    }
                    FixValue::Attachments(attachments) => match remove_policy(&attachments) {
                        Ok((commands, groups)) => {
                            let mut lines = Vec::new();
                            for words in &commands {
                                let quoted: Result<Vec<String>, String> =
                                    words.iter().map(|w| quote(w)).collect();
                                match quoted {
                                    Ok(q) => lines.push(q.join(" ")),
                                    Err(why) => {
                                        unsafe_values.push(format!("`{name}`: {why}"));
                                    }
                                }
                            }
                            command.push_str(&lines.join(" && "));
                            note = groups_note(&groups);
                        }
                        Err(why) => other.push(format!("`{name}`: {why}")),
                    },
                }
            }
        }
    }
    let mut reasons = Vec::new();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|n| format!("`{n}`")).collect();
        reasons.push(format!(
            "the snapshot has no value for {}",
            names.join(", ")
        ));
    }
    reasons.extend(other);
    if !unsafe_values.is_empty() {
        reasons.push(format!(
            "a value is not written into a command ({})",
            unsafe_values.join("; ")
        ));
    }
    Ok(if reasons.is_empty() {
        Fix {
            command: Some(command),
            unavailable: None,
            note,
        }
    } else {
        Fix {
            command: None,
            unavailable: Some(reasons.join("; ")),
            note: None,
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// What `sh` reads `word` as: the words it splits `printf '%s\n' WORD` into.
    fn sh_words(command: &str) -> Vec<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "for w in {command}; do printf '%s\\0' \"$w\"; done"
            ))
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
    fn hostile_values_stay_one_word_for_the_shell() {
        for value in [
            "ci-deployer",
            "a b",
            "x; touch /tmp/iamsnap-pwned",
            "$(touch /tmp/iamsnap-pwned)",
            "`id`",
            "it's",
            "\"quoted\"",
            "back\\slash",
            "*",
            "~root",
            "{a,b}",
            "a|b&c>d<e",
            "!history^",
            "#comment",
            "héllo wörld",
            "--status=Active",
        ] {
            let word = quote(value).unwrap();
            assert_eq!(sh_words(&word), vec![value.to_owned()], "{value} → {word}");
        }
        assert_eq!(quote("ci-deployer").unwrap(), "ci-deployer");
        assert!(!std::path::Path::new("/tmp/iamsnap-pwned").exists());
    }

    #[test]
    fn invisible_and_control_characters_are_refused() {
        for value in [
            "a\nb",
            "a\u{1b}[31mb",
            "role\u{202e}txt",
            "a\u{200b}b",
            "nul\0",
        ] {
            let err = quote(value).unwrap_err();
            assert!(err.contains("U+"), "{value:?}: {err}");
        }
    }

    #[test]
    fn a_missing_or_unsafe_value_gives_no_command_and_says_why() {
        let pieces = vec![
            FixPiece::Text("aws iam update-access-key --user-name ".into()),
            FixPiece::Field {
                index: 0,
                name: "k.user_name".into(),
            },
            FixPiece::Text(" --access-key-id ".into()),
            FixPiece::Field {
                index: 1,
                name: "k.access_key_id".into(),
            },
            FixPiece::Text(" --status Inactive".into()),
        ];
        let values = |v: [&'static str; 2]| move |i: usize, _| Ok(FixValue::Text(v[i].to_owned()));
        let fix = fill(&pieces, values(["ci deployer", "AKIA1"])).unwrap();
        assert_eq!(
            fix.command.as_deref(),
            Some(
                "aws iam update-access-key --user-name 'ci deployer' --access-key-id AKIA1 --status Inactive"
            )
        );
        assert_eq!(fix.unavailable, None);
        let fix = fill(&pieces, values(["ci-deployer", ""])).unwrap();
        assert_eq!(fix.command, None);
        assert_eq!(
            fix.unavailable.as_deref(),
            Some("the snapshot has no value for `k.access_key_id`")
        );
        let fix = fill(&pieces, values(["ci\u{1b}[2J", "AKIA1"])).unwrap();
        assert_eq!(fix.command, None);
        assert!(
            fix.unavailable
                .unwrap()
                .contains("`k.user_name`: it holds the character U+001B"),
        );
    }

    fn attached(kind: &str, name: &str, policy: &str, group: &str) -> Attachment {
        let inline = !policy.starts_with("arn:");
        Attachment {
            principal_type: kind.to_owned(),
            principal_name: name.to_owned(),
            policy_type: if inline { "inline" } else { "aws_managed" }.to_owned(),
            policy_arn: if inline {
                String::new()
            } else {
                policy.to_owned()
            },
            policy_name: policy.rsplit('/').next().unwrap().to_owned(),
            via_group_name: group.to_owned(),
        }
    }

    const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

    #[test]
    fn a_policy_is_detached_or_deleted_where_it_is_held() {
        let (commands, groups) = remove_policy(&[
            attached("role", "app", ADMIN, ""),
            attached("user", "bot", "inline-admin", ""),
            attached("group", "ops", "ops-inline", ""),
        ])
        .unwrap();
        let text: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
        assert_eq!(
            text,
            [
                format!("aws iam detach-role-policy --role-name app --policy-arn {ADMIN}"),
                "aws iam delete-user-policy --user-name bot --policy-name inline-admin".to_owned(),
                "aws iam delete-group-policy --group-name ops --policy-name ops-inline".to_owned(),
            ]
        );
        assert_eq!(groups, vec!["ops".to_owned()]);
    }

    #[test]
    fn a_policy_held_through_a_group_is_removed_from_the_group_once() {
        let (commands, groups) = remove_policy(&[
            attached("user", "bot", ADMIN, "admins"),
            attached("group", "admins", ADMIN, ""),
            attached("user", "other", ADMIN, "admins"),
            attached("user", "bot", ADMIN, ""),
        ])
        .unwrap();
        let text: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
        assert_eq!(
            text,
            [
                format!("aws iam detach-group-policy --group-name admins --policy-arn {ADMIN}"),
                format!("aws iam detach-user-policy --user-name bot --policy-arn {ADMIN}"),
            ]
        );
        assert_eq!(groups, vec!["admins".to_owned()]);
        assert!(groups_note(&groups).unwrap().contains("group `admins`"));
        assert_eq!(groups_note(&[]), None);
    }

    #[test]
    fn removing_a_policy_without_what_it_needs_says_so() {
        assert_eq!(
            remove_policy(&[]).unwrap_err(),
            "the snapshot has no attachment of the policy"
        );
        let mut a = attached("role", "app", ADMIN, "");
        a.policy_arn.clear();
        assert!(remove_policy(&[a]).unwrap_err().contains("no ARN"));
    }

    #[test]
    fn a_fix_of_several_commands_quotes_each_word_and_carries_the_note() {
        let pieces = vec![FixPiece::RemovePolicy {
            index: 0,
            name: "remove_policy(p)".into(),
        }];
        let fix = fill(&pieces, |_, rows| {
            assert!(rows);
            Ok(FixValue::Attachments(vec![
                attached("user", "bot $(x)", ADMIN, "admins; rm"),
                attached("role", "r", ADMIN, ""),
            ]))
        })
        .unwrap();
        assert_eq!(
            fix.command.as_deref(),
            Some(
                "aws iam detach-group-policy --group-name 'admins; rm' --policy-arn arn:aws:iam::aws:policy/AdministratorAccess && aws iam detach-role-policy --role-name r --policy-arn arn:aws:iam::aws:policy/AdministratorAccess"
            )
        );
        assert!(fix.note.unwrap().contains("group `admins; rm`"));
        let fix = fill(&pieces, |_, _| Ok(FixValue::Attachments(Vec::new()))).unwrap();
        assert_eq!(fix.command, None);
        assert_eq!(
            fix.unavailable.as_deref(),
            Some("`remove_policy(p)`: the snapshot has no attachment of the policy")
        );
    }

    #[test]
    fn a_value_inside_a_word_cannot_hold_a_slash() {
        let pieces = vec![
            FixPiece::Text("printf x > trust-".into()),
            FixPiece::Field {
                index: 0,
                name: "r.name".into(),
            },
            FixPiece::Text(".json --role-name ".into()),
            FixPiece::Field {
                index: 0,
                name: "r.name".into(),
            },
        ];
        let fix = fill(&pieces, |_, _| Ok(FixValue::Text("a b".into()))).unwrap();
        assert_eq!(
            fix.command.as_deref(),
            Some("printf x > trust-'a b'.json --role-name 'a b'")
        );
        let fix = fill(&pieces, |_, _| Ok(FixValue::Text("../x".into()))).unwrap();
        assert_eq!(fix.command, None);
        assert_eq!(
            fix.unavailable.as_deref(),
            Some(
                "a value is not written into a command (`r.name`: it holds `/`, which the file name it is part of cannot)"
            )
        );
        // Standing alone, a value may hold `/` (an ARN).
        let alone = [FixPiece::Text("--arn ".into()), pieces[1].clone()];
        let fix = fill(&alone, |_, _| {
            Ok(FixValue::Text("arn:aws:iam::1:role/a".into()))
        })
        .unwrap();
        assert_eq!(fix.command.as_deref(), Some("--arn arn:aws:iam::1:role/a"));
    }
}
