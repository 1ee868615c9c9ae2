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

/// The fix of one finding: `pieces` with each field's value (`value(index)`, empty when
/// the snapshot has none) quoted in; no command, and what is missing, when a value is
/// empty or cannot be written safely.
pub(crate) fn fill(
    pieces: &[FixPiece],
    mut value: impl FnMut(usize) -> Result<String, String>,
) -> Result<Fix, String> {
    let mut command = String::new();
    let mut missing: Vec<&str> = Vec::new();
    let mut unsafe_values: Vec<String> = Vec::new();
    for piece in pieces {
        match piece {
            FixPiece::Text(t) => command.push_str(t),
            FixPiece::Field { index, name } => {
                let v = value(*index)?;
                if v.is_empty() {
                    if !missing.contains(&name.as_str()) {
                        missing.push(name);
                    }
                    continue;
                }
                match quote(&v) {
                    Ok(word) => command.push_str(&word),
                    Err(why) => unsafe_values.push(format!("`{name}`: {why}")),
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
        }
    } else {
        Fix {
            command: None,
            unavailable: Some(reasons.join("; ")),
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
        let values = |v: [&'static str; 2]| move |i: usize| Ok(v[i].to_owned());
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
}
