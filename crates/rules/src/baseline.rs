//! Suppressions: findings a team has accepted, with a reason and an optional expiry.
//!
//! A baseline is a YAML file:
//!
//! ```yaml
//! # Accepted findings of iamsnap check
//! suppressions:
//!   - rule: NHI-KEY-001
//!     resource: "arn:aws:iam::111122223333:user/legacy-*"   # an ARN or a glob (* and ?)
//!     reason: "vendor rotates this key quarterly"
//!     expires: 2027-01-31                                   # optional
//!   - rule: NHI-TRUST-002
//!     fingerprint: 3f1c0b7e9a2d4c6f8e1a3b5c7d9e0f12        # optional: exactly one finding
//!     resource: "arn:aws:iam::111122223333:role/ci"
//!     reason: "break-glass role, reviewed monthly"
//! ```
//!
//! A suppression matches a finding when the rule ids are equal, the resource glob matches
//! the finding's resource (case-sensitive; `*` is any run of characters, `/` and `:`
//! included; `?` is one character) and, when given, the fingerprints are equal. A
//! suppression whose expiry date has passed suppresses nothing and is reported instead.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use iamsnap_catalog::glob::{Case, Glob};
use serde::{Deserialize, Deserializer, Serialize};

use crate::finding::{Finding, SuppressedFinding};

/// One accepted finding or family of findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// The rule id it applies to.
    #[serde(deserialize_with = "rule_id")]
    pub rule: String,
    /// The resources it applies to: an ARN or a glob (`arn:aws:iam::*:user/legacy-*`).
    #[serde(deserialize_with = "resource_glob")]
    pub resource: String,
    /// Why it is accepted.
    #[serde(deserialize_with = "reason_text")]
    pub reason: String,
    /// When given, the suppression applies to the one finding with this fingerprint.
    #[serde(
        default,
        deserialize_with = "fingerprint",
        skip_serializing_if = "Option::is_none"
    )]
    pub fingerprint: Option<String>,
    /// The last day the suppression applies; from the next day on it suppresses nothing.
    #[serde(
        default,
        deserialize_with = "expiry_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires: Option<NaiveDate>,
}

impl Suppression {
    /// Whether the expiry date has passed on `today` (a suppression expiring today still
    /// applies).
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|d| d < today)
    }

    /// Whether this suppression covers `finding`, expiry aside.
    pub fn matches(&self, finding: &Finding) -> bool {
        self.rule == finding.rule_id
            && self
                .fingerprint
                .as_ref()
                .is_none_or(|f| *f == finding.fingerprint)
            && glob_matches(&self.resource, &finding.resource)
    }
}

/// A baseline file: the suppressions a team has accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The suppressions, in file order.
    #[serde(default)]
    pub suppressions: Vec<Suppression>,
}

/// Findings split by a baseline.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Findings no suppression covers, in their original order.
    pub kept: Vec<Finding>,
    /// Findings a suppression covers, with its reason, in their original order.
    pub suppressed: Vec<SuppressedFinding>,
    /// Suppressions whose expiry date has passed, in file order.
    pub expired: Vec<Suppression>,
}

/// A baseline that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file cannot be read.
    #[error("cannot read baseline {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid baseline.
    #[error("{}{}: {message}", path.display(), place(*line, *column))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// 1-based column of the problem, when known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

fn place(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl Baseline {
    /// Reads and checks a baseline file.
    pub fn load(path: impl AsRef<Path>) -> Result<Baseline, BaselineError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and checks the text of a baseline; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Baseline, BaselineError> {
        // An empty file (or one with only comments) is an empty baseline.
        let parsed: Option<Baseline> = yaml_serde::from_str(text).map_err(|e| {
            let location = e.location();
            let mut message = e.to_string();
            if let Some(l) = &location {
                let suffix = format!(" at line {} column {}", l.line(), l.column());
                if let Some(stripped) = message.strip_suffix(&suffix) {
                    message = stripped.to_owned();
                }
            }
            BaselineError::Invalid {
                path: path.to_owned(),
                line: location.as_ref().map(|l| l.line()),
                column: location.as_ref().map(|l| l.column()),
                message,
            }
        })?;
        Ok(parsed.unwrap_or_default())
    }

    /// Splits `findings` into those kept and those suppressed, on `today`.
    ///
    /// A finding is suppressed by the first unexpired suppression that matches it.
    /// Expired suppressions suppress nothing and are listed in [`Applied::expired`].
    pub fn apply(&self, findings: Vec<Finding>, today: NaiveDate) -> Applied {
        let (expired, active): (Vec<&Suppression>, Vec<&Suppression>) =
            self.suppressions.iter().partition(|s| s.is_expired(today));
        let mut applied = Applied {
            expired: expired.into_iter().cloned().collect(),
            ..Applied::default()
        };
        for finding in findings {
            match active.iter().find(|s| s.matches(&finding)) {
                Some(s) => applied.suppressed.push(SuppressedFinding {
                    finding,
                    reason: s.reason.clone(),
                }),
                None => applied.kept.push(finding),
            }
        }
        applied
    }

    /// A baseline accepting exactly these findings (one entry per fingerprint), as
    /// `check --write-baseline` writes it: sorted by rule, resource and fingerprint.
    pub fn from_findings(findings: &[Finding], reason: Option<&str>, today: NaiveDate) -> Baseline {
        let reason = match reason.map(str::trim) {
            Some(r) if !r.is_empty() => r.to_owned(),
            _ => format!("accepted on {today}"),
        };
        let mut suppressions: Vec<Suppression> = findings
            .iter()
            .map(|f| Suppression {
                rule: f.rule_id.clone(),
                resource: f.resource.clone(),
                reason: reason.clone(),
                fingerprint: Some(f.fingerprint.clone()),
                expires: None,
            })
            .collect();
        suppressions.sort_by(|a, b| {
            (&a.rule, &a.resource, &a.fingerprint).cmp(&(&b.rule, &b.resource, &b.fingerprint))
        });
        suppressions.dedup_by(|a, b| a.rule == b.rule && a.fingerprint == b.fingerprint);
        Baseline { suppressions }
    }

    /// The baseline as YAML text, with a header comment; the same baseline always gives
    /// the same text, and [`Baseline::parse`] reads it back unchanged.
    pub fn to_yaml(&self) -> String {
        let mut s = String::from(
            "# Accepted findings of iamsnap check (a baseline: `iamsnap check --baseline FILE`).\n\
             # Each entry suppresses the findings of `rule` on the resources matching\n\
             # `resource` (an ARN, or a glob with * and ?), only the one with `fingerprint`\n\
             # when it is given. Say why in `reason`; `expires: YYYY-MM-DD` makes the\n\
             # acceptance lapse after that day.\n",
        );
        if self.suppressions.is_empty() {
            s.push_str("suppressions: []\n");
            return s;
        }
        s.push_str("suppressions:\n");
        for x in &self.suppressions {
            // `write!` to a String cannot fail.
            let _ = writeln!(s, "  - rule: {}", quoted(&x.rule));
            let _ = writeln!(s, "    resource: {}", quoted(&x.resource));
            if let Some(f) = &x.fingerprint {
                let _ = writeln!(s, "    fingerprint: {}", quoted(f));
            }
            let _ = writeln!(s, "    reason: {}", quoted(&x.reason));
            if let Some(d) = &x.expires {
                let _ = writeln!(s, "    expires: {d}");
            }
        }
        s
    }
}

/// A YAML double-quoted scalar: every character stays itself except `"`, `\` and
/// non-printable ones, which are escaped.
fn quoted(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(s, "\\u{:04x}", u32::from(c));
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Whether `glob` matches all of `text`: `*` is any run of characters (`/` and `:`
/// included), `?` is one character, everything else matches itself, case-sensitively.
pub fn glob_matches(glob: &str, text: &str) -> bool {
    Glob::new(glob, Case::Sensitive).is_match(text)
}

/// Deserializes a string scalar and checks it inside the visitor, so that an error points
/// at the value itself (line and column) rather than at the enclosing entry.
struct Checked<T> {
    expecting: &'static str,
    check: fn(&str) -> Result<T, String>,
}

impl<T> serde::de::Visitor<'_> for Checked<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        (self.check)(v).map_err(E::custom)
    }
}

fn non_empty(s: &str, what: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    Ok(s.to_owned())
}

fn rule_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_str(Checked {
        expecting: "a rule id",
        check: |s| {
            let s = non_empty(s, "the rule id")?;
            if s.chars().any(char::is_whitespace) {
                return Err(format!("the rule id `{s}` contains white space"));
            }
            Ok(s)
        },
    })
}

fn resource_glob<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_str(Checked {
        expecting: "an ARN or a glob",
        check: |s| {
            non_empty(
                s,
                "the resource (an ARN or a glob such as arn:aws:iam::*:role/ci-*)",
            )
        },
    })
}

fn reason_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_str(Checked {
        expecting: "a reason",
        check: |s| non_empty(s, "the reason (say why the finding is accepted)"),
    })
}

fn fingerprint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_str(Checked {
        expecting: "a finding's fingerprint",
        check: |s| {
            let hex = s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if s.len() != 32 || !hex {
                return Err(format!(
                    "the fingerprint `{s}` is not 32 lower-case hex digits (copy it from the report)"
                ));
            }
            Ok(Some(s.to_owned()))
        },
    })
}

fn expiry_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    d.deserialize_str(Checked {
        expecting: "a date (YYYY-MM-DD)",
        check: |s| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(Some)
                .map_err(|e| format!("`{s}` is not a date in the form YYYY-MM-DD ({e})"))
        },
    })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn finding(rule: &str, resource: &str, detail: &str) -> Finding {
        Finding {
            fix: None,
            rule_id: rule.to_owned(),
            severity: Severity::High,
            resource: resource.to_owned(),
            detail: detail.to_owned(),
            account_id: "111122223333".to_owned(),
            message: format!("{resource} is bad"),
            fingerprint: Finding::fingerprint_of(rule, resource, detail),
        }
    }

    fn parse(text: &str) -> Result<Baseline, BaselineError> {
        Baseline::parse(text, Path::new("baseline.yaml"))
    }

    fn error(text: &str) -> (Option<usize>, Option<usize>, String, String) {
        match parse(text) {
            Err(e @ BaselineError::Invalid { .. }) => {
                let shown = e.to_string();
                let BaselineError::Invalid {
                    line,
                    column,
                    message,
                    ..
                } = e
                else {
                    unreachable!()
                };
                (line, column, message, shown)
            }
            other => panic!("expected an invalid baseline, got {other:?}"),
        }
    }

    const EXAMPLE: &str = r#"# Accepted findings of iamsnap check
suppressions:
  - rule: NHI-KEY-001
    resource: "arn:aws:iam::111122223333:user/legacy-*"   # a glob
    reason: "vendor rotates this key quarterly"
    expires: 2027-01-31
  - rule: NHI-TRUST-002
    fingerprint: 0123456789abcdef0123456789abcdef
    resource: "arn:aws:iam::111122223333:role/ci"
    reason: break-glass role
"#;

    #[test]
    fn parses_the_documented_example() {
        let b = parse(EXAMPLE).unwrap();
        assert_eq!(b.suppressions.len(), 2);
        let a = &b.suppressions[0];
        assert_eq!(a.rule, "NHI-KEY-001");
        assert_eq!(a.resource, "arn:aws:iam::111122223333:user/legacy-*");
        assert_eq!(a.reason, "vendor rotates this key quarterly");
        assert_eq!(a.expires, Some(day("2027-01-31")));
        assert_eq!(a.fingerprint, None);
        let b2 = &b.suppressions[1];
        assert_eq!(
            b2.fingerprint.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(b2.reason, "break-glass role");
        assert_eq!(b2.expires, None);
    }

    #[test]
    fn empty_files_are_empty_baselines() {
        assert_eq!(parse("").unwrap(), Baseline::default());
        assert_eq!(
            parse("# nothing accepted yet\n").unwrap(),
            Baseline::default()
        );
        assert_eq!(parse("suppressions: []\n").unwrap(), Baseline::default());
    }

    #[test]
    fn a_missing_reason_is_an_error_with_its_place() {
        let (line, column, message, shown) =
            error("suppressions:\n  - rule: R-1\n    resource: arn:aws:iam::1:user/a\n");
        assert!(message.contains("missing field `reason`"), "{message}");
        assert!(message.contains("suppressions[0]"), "{message}");
        assert_eq!(line, Some(2), "{shown}");
        assert!(column.is_some());
        assert!(shown.starts_with("baseline.yaml:2:"), "{shown}");
    }

    #[test]
    fn an_empty_reason_or_rule_is_an_error() {
        let (line, _, message, _) = error(
            "suppressions:\n  - rule: R-1\n    resource: arn:aws:iam::1:user/a\n    reason: \"  \"\n",
        );
        assert!(message.contains("reason"), "{message}");
        assert!(message.contains("empty"), "{message}");
        assert_eq!(line, Some(4));
        let (line, _, message, _) =
            error("suppressions:\n  - rule: \"\"\n    resource: x\n    reason: y\n");
        assert!(message.contains("rule id is empty"), "{message}");
        assert_eq!(line, Some(2));
        let (_, _, message, _) =
            error("suppressions:\n  - rule: R 1\n    resource: x\n    reason: y\n");
        assert!(message.contains("white space"), "{message}");
        let (_, _, message, _) =
            error("suppressions:\n  - rule: R-1\n    resource: ''\n    reason: y\n");
        assert!(message.contains("resource"), "{message}");
    }

    #[test]
    fn unknown_fields_are_errors() {
        let (line, column, message, _) = error(
            "suppressions:\n  - rule: R-1\n    resource: x\n    reason: y\n    expiry: 2027-01-01\n",
        );
        assert!(message.contains("unknown field `expiry`"), "{message}");
        assert!(
            message.contains("expires"),
            "lists the known fields: {message}"
        );
        assert_eq!((line, column), (Some(5), Some(5)));
        let (line, _, message, _) = error("supressions: []\n");
        assert!(message.contains("unknown field `supressions`"), "{message}");
        assert_eq!(line, Some(1));
    }

    #[test]
    fn bad_dates_and_fingerprints_are_errors() {
        let (line, _, message, _) = error(
            "suppressions:\n  - rule: R-1\n    resource: x\n    reason: y\n    expires: 2027-02-30\n",
        );
        assert!(
            message.contains("expires: `2027-02-30` is not a date"),
            "{message}"
        );
        assert!(message.contains("YYYY-MM-DD"), "{message}");
        assert_eq!(line, Some(5));
        let (_, _, message, _) = error(
            "suppressions:\n  - rule: R-1\n    resource: x\n    reason: y\n    expires: next year\n",
        );
        assert!(message.contains("expires: `next year`"), "{message}");
        let (_, _, message, _) = error(
            "suppressions:\n  - rule: R-1\n    resource: x\n    reason: y\n    fingerprint: 3f1c\n",
        );
        assert!(message.contains("fingerprint `3f1c`"), "{message}");
    }

    #[test]
    fn malformed_yaml_is_an_error_with_its_place() {
        let (line, column, _, shown) = error("suppressions:\n  - rule: [R-1\n");
        assert!(line.is_some() && column.is_some(), "{shown}");
        let (_, _, message, _) = error("suppressions: 3\n");
        assert!(message.contains("suppressions"), "{message}");
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accepted.yaml");
        let missing = Baseline::load(&path).unwrap_err();
        assert!(matches!(missing, BaselineError::Read { .. }));
        assert!(missing.to_string().contains("accepted.yaml"), "{missing}");
        std::fs::write(&path, "suppressions:\n  - rule: R-1\n").unwrap();
        let bad = Baseline::load(&path).unwrap_err().to_string();
        assert!(bad.starts_with(&format!("{}:2:", path.display())), "{bad}");
        std::fs::write(&path, EXAMPLE).unwrap();
        assert_eq!(Baseline::load(&path).unwrap(), parse(EXAMPLE).unwrap());
    }

    #[test]
    fn globs_match_like_the_documentation_says() {
        let arn = "arn:aws:iam::111122223333:user/legacy-bot";
        assert!(glob_matches(arn, arn));
        assert!(glob_matches("arn:aws:iam::111122223333:user/legacy-*", arn));
        assert!(glob_matches("*", arn));
        assert!(glob_matches("arn:aws:iam::*:user/*", arn));
        // `*` crosses `/` and `:`.
        assert!(glob_matches("arn:*bot", arn));
        assert!(glob_matches(
            "arn:aws:iam::111122223333:user/legacy-bo?",
            arn
        ));
        assert!(glob_matches("*legacy*bot*", arn));
        assert!(!glob_matches(
            "arn:aws:iam::111122223333:user/legacy-bo",
            arn
        ));
        assert!(!glob_matches(
            "arn:aws:iam::111122223333:user/LEGACY-*",
            arn
        ));
        assert!(!glob_matches(
            "arn:aws:iam::111122223333:user/legacy-bot?",
            arn
        ));
        assert!(!glob_matches("arn:aws:iam::*:role/*", arn));
        assert!(glob_matches("a*b*c", "abxbc"));
        assert!(!glob_matches("a*b*c", "abxbd"));
        assert!(glob_matches("", ""));
        assert!(!glob_matches("", "a"));
        assert!(glob_matches("**", ""));
        assert!(glob_matches("é?", "éé"));
    }

    #[test]
    fn apply_suppresses_matches_and_reports_expired_suppressions() {
        let legacy = finding("NHI-KEY-001", "arn:aws:iam::111122223333:user/legacy-a", "");
        let other_rule = finding("NHI-KEY-002", "arn:aws:iam::111122223333:user/legacy-a", "");
        let ci1 = finding("NHI-TRUST-002", "arn:aws:iam::111122223333:role/ci", "s1");
        let ci2 = finding("NHI-TRUST-002", "arn:aws:iam::111122223333:role/ci", "s2");
        let old = finding("NHI-OLD-001", "arn:aws:iam::111122223333:role/old", "");
        let baseline = Baseline {
            suppressions: vec![
                Suppression {
                    rule: "NHI-KEY-001".into(),
                    resource: "arn:aws:iam::111122223333:user/legacy-*".into(),
                    reason: "vendor".into(),
                    fingerprint: None,
                    expires: Some(day("2027-01-31")),
                },
                Suppression {
                    rule: "NHI-TRUST-002".into(),
                    resource: "arn:aws:iam::111122223333:role/ci".into(),
                    reason: "one of them".into(),
                    fingerprint: Some(ci2.fingerprint.clone()),
                    expires: None,
                },
                Suppression {
                    rule: "NHI-OLD-001".into(),
                    resource: "*".into(),
                    reason: "was fine last year".into(),
                    fingerprint: None,
                    expires: Some(day("2026-01-01")),
                },
            ],
        };
        let all = vec![
            legacy.clone(),
            other_rule.clone(),
            ci1.clone(),
            ci2.clone(),
            old.clone(),
        ];
        let applied = baseline.apply(all.clone(), day("2027-01-31"));
        assert_eq!(
            applied.kept,
            vec![other_rule.clone(), ci1.clone(), old.clone()]
        );
        let suppressed: Vec<(&Finding, &str)> = applied
            .suppressed
            .iter()
            .map(|s| (&s.finding, s.reason.as_str()))
            .collect();
        assert_eq!(suppressed, vec![(&legacy, "vendor"), (&ci2, "one of them")]);
        assert_eq!(applied.expired, vec![baseline.suppressions[2].clone()]);

        // A day later the first suppression has expired too and hides nothing.
        let later = baseline.apply(all, day("2027-02-01"));
        assert_eq!(later.kept, vec![legacy, other_rule, ci1, old]);
        assert_eq!(later.suppressed.len(), 1);
        assert_eq!(
            later.expired,
            vec![
                baseline.suppressions[0].clone(),
                baseline.suppressions[2].clone()
            ]
        );
    }

    #[test]
    fn the_first_matching_suppression_gives_the_reason() {
        let f = finding("R-1", "arn:aws:iam::1:role/a", "");
        let s = |resource: &str, reason: &str| Suppression {
            rule: "R-1".into(),
            resource: resource.into(),
            reason: reason.into(),
            fingerprint: None,
            expires: None,
        };
        let b = Baseline {
            suppressions: vec![s("arn:aws:iam::1:role/b", "b"), s("*", "any"), s("*a", "a")],
        };
        let applied = b.apply(vec![f], day("2026-01-01"));
        assert_eq!(applied.suppressed[0].reason, "any");
        assert!(applied.kept.is_empty() && applied.expired.is_empty());
    }

    #[test]
    fn from_findings_is_sorted_deduplicated_and_round_trips() {
        let findings = vec![
            finding("R-2", "arn:aws:iam::1:role/b", ""),
            finding("R-1", "arn:aws:iam::1:user/z", "AKIA2"),
            finding("R-1", "arn:aws:iam::1:user/z", "AKIA1"),
            finding(
                "R-1",
                "arn:aws:iam::1:role/a \"quoted\" \\ # not a comment",
                "",
            ),
            finding("R-2", "arn:aws:iam::1:role/b", ""),
        ];
        let today = day("2026-11-22");
        let b = Baseline::from_findings(&findings, None, today);
        assert_eq!(
            b.suppressions.len(),
            4,
            "the duplicate finding appears once"
        );
        let keys: Vec<(&str, &str)> = b
            .suppressions
            .iter()
            .map(|s| (s.rule.as_str(), s.resource.as_str()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("R-1", "arn:aws:iam::1:role/a \"quoted\" \\ # not a comment"),
                ("R-1", "arn:aws:iam::1:user/z"),
                ("R-1", "arn:aws:iam::1:user/z"),
                ("R-2", "arn:aws:iam::1:role/b"),
            ]
        );
        assert!(
            b.suppressions
                .iter()
                .all(|s| s.reason == "accepted on 2026-11-22")
        );
        assert!(
            b.suppressions
                .iter()
                .all(|s| s.fingerprint.is_some() && s.expires.is_none())
        );

        // The order of the findings does not matter.
        let mut reversed = findings.clone();
        reversed.reverse();
        let yaml = b.to_yaml();
        assert_eq!(
            Baseline::from_findings(&reversed, None, today).to_yaml(),
            yaml
        );
        assert!(
            yaml.starts_with("# Accepted findings of iamsnap check"),
            "{yaml}"
        );

        // What is written reads back unchanged, and suppresses exactly those findings.
        let back = parse(&yaml).unwrap();
        assert_eq!(back, b);
        let mut more = findings.clone();
        more.push(finding("R-1", "arn:aws:iam::1:user/z", "AKIA3"));
        let applied = back.apply(more, today);
        assert_eq!(applied.suppressed.len(), 5);
        assert_eq!(
            applied.kept,
            vec![finding("R-1", "arn:aws:iam::1:user/z", "AKIA3")]
        );
    }

    #[test]
    fn to_yaml_round_trips_every_field_and_odd_text() {
        let b = Baseline {
            suppressions: vec![Suppression {
                rule: "NHI-KEY-001".into(),
                resource: "arn:aws:iam::*:user/legacy-?*".into(),
                reason: "line one\nline two: \"quoted\"\t\u{1} ü — 'single' #hash".into(),
                fingerprint: None,
                expires: Some(day("2027-01-31")),
            }],
        };
        let yaml = b.to_yaml();
        assert!(yaml.contains("    expires: 2027-01-31\n"), "{yaml}");
        assert_eq!(parse(&yaml).unwrap(), b);
        let empty = Baseline::default().to_yaml();
        assert!(empty.ends_with("suppressions: []\n"), "{empty}");
        assert_eq!(parse(&empty).unwrap(), Baseline::default());
    }

    #[test]
    fn an_explicit_reason_is_used() {
        let b = Baseline::from_findings(
            &[finding("R-1", "arn:aws:iam::1:role/a", "")],
            Some("  legacy, tracked in SEC-12 "),
            day("2026-11-22"),
        );
        assert_eq!(b.suppressions[0].reason, "legacy, tracked in SEC-12");
    }
}
