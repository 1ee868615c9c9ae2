//! The report renderers of `iamsnap check` and `iamsnap diff`: one function renders a
//! check's [`Report`] as text ([`render`]), one a [`iamsnap_diff::DiffReport`]
//! ([`diff::render`]).
//!
//! What both need is written once: terminal escaping and the escaped table ([`text`]),
//! Markdown escaping and tables ([`markdown`]), the SARIF log with its driver, rules,
//! results and invocation ([`sarif`]), and JSON text ([`to_json`]). The files named by a
//! format hold check's renderer of it; `diff/` holds diff's.
//!
//! Every format is deterministic: the same report always gives the same bytes (no clock,
//! no hash-map order), so outputs can be committed and diffed.
//!
//! This module depends only on `iamsnap-rules`, `iamsnap-diff` and other crates, not on
//! the rest of the binary, so the end-to-end tests can compile it as it is (`tests/e2e/sarif.rs`).

pub(crate) mod coverage;
pub(crate) mod diff;
#[cfg(test)]
mod golden;
mod json;
mod junit;
pub(crate) mod markdown;
pub(crate) mod sarif;
mod table;
pub(crate) mod text;

use iamsnap_rules::{Finding, Report, Severity};
use serde::Serialize;

/// How `check` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Findings grouped by severity, for a terminal.
    Table,
    /// The report as JSON, with a summary of counts.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML, for CI test reports: one test suite per rule.
    Junit,
    /// Markdown, for a pull-request comment.
    Markdown,
}

/// A report that cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// JSON encoding failed.
    #[error("cannot encode the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The report in `format`; `color` adds terminal colours to the table format (the
/// others never carry colour).
pub fn render(report: &Report, format: CheckFormat, color: bool) -> Result<String, RenderError> {
    Ok(match format {
        // Wrapped at `--width`, the terminal's width, or off a terminal at 120 columns.
        CheckFormat::Table => table::render(report, color, None),
        CheckFormat::Json => json::render(report)?,
        CheckFormat::Sarif => sarif::render(report)?,
        CheckFormat::Junit => junit::render(report),
        CheckFormat::Markdown => markdown::render(report),
    })
}

/// Pretty JSON text with a final newline. serde_json leaves DEL, C1 and bidirectional
/// controls raw; they are written as `\uXXXX` escapes, the same value (see [`text::json`]).
pub fn to_json(value: &impl Serialize) -> Result<String, RenderError> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(text::json(s))
}

/// How many findings of each severity a report holds, and what its baseline did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Unsuppressed findings, indexed like [`Severity::ALL`] (critical first).
    by_severity: [usize; 5],
    /// Findings the baseline suppressed.
    pub suppressed: usize,
    /// Suppressions whose expiry date has passed.
    pub expired: usize,
}

impl Counts {
    /// The counts of `report`.
    pub fn of(report: &Report) -> Self {
        let mut by_severity = [0; 5];
        for (slot, severity) in by_severity.iter_mut().zip(Severity::ALL) {
            *slot = report
                .findings
                .iter()
                .filter(|f| f.severity == severity)
                .count();
        }
        Self {
            by_severity,
            suppressed: report.suppressed.len(),
            expired: report.expired_suppressions.len(),
        }
    }

    /// Unsuppressed findings of `severity`.
    pub fn of_severity(&self, severity: Severity) -> usize {
        Severity::ALL
            .iter()
            .zip(self.by_severity)
            .find(|(s, _)| **s == severity)
            .map_or(0, |(_, n)| n)
    }

    /// Every unsuppressed finding.
    pub fn total(&self) -> usize {
        self.by_severity.iter().sum()
    }

    /// `2 critical, 1 high, 0 medium, 0 low, 0 info`.
    pub fn per_severity(&self) -> String {
        Severity::ALL
            .iter()
            .zip(self.by_severity)
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// One line saying everything: `3 findings (1 critical, ...); 1 suppressed; ...`.
    pub fn summary_line(&self) -> String {
        let total = self.total();
        let mut s = if total == 0 {
            "no findings".to_owned()
        } else {
            format!(
                "{} ({})",
                plural(total, "finding", "findings"),
                self.per_severity()
            )
        };
        if self.suppressed > 0 {
            s.push_str(&format!("; {} suppressed by the baseline", self.suppressed));
        }
        if self.expired > 0 {
            s.push_str(&format!(
                "; {} (no longer suppressing anything)",
                plural(self.expired, "expired suppression", "expired suppressions")
            ));
        }
        s
    }
}

/// `1 finding`, `2 findings`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", noun(n, one, many))
}

/// `one` for 1, `many` otherwise.
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The unsuppressed findings grouped by severity, critical first; severities without
/// findings are left out.
pub fn by_severity(report: &Report) -> Vec<(Severity, Vec<&Finding>)> {
    Severity::ALL
        .into_iter()
        .map(|severity| {
            let findings: Vec<&Finding> = report
                .findings
                .iter()
                .filter(|f| f.severity == severity)
                .collect();
            (severity, findings)
        })
        .filter(|(_, findings)| !findings.is_empty())
        .collect()
}

/// How every format introduces fix commands: they change the account, iamsnap runs none.
pub const FIX_NOTE: &str =
    "commands that change the account: review each before running it; iamsnap runs nothing";

/// The unsuppressed findings that carry a fix (a command, or why there is none), in
/// report order.
pub fn with_fix(report: &Report) -> Vec<(&Finding, &iamsnap_rules::Fix)> {
    report
        .findings
        .iter()
        .filter_map(|f| f.fix.as_ref().map(|x| (f, x)))
        .collect()
}

/// Why a fix has no command, as one line: `no command: the snapshot has no value for ...`.
pub fn fix_unavailable(fix: &iamsnap_rules::Fix) -> String {
    format!(
        "no command: {}",
        fix.unavailable
            .as_deref()
            .unwrap_or("the rule's command could not be filled in")
    )
}

/// A finding's resource with its detail when it has one: `arn:... (AKIA...)`.
pub fn resource_and_detail(resource: &str, detail: &str) -> String {
    if detail.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource} ({detail})")
    }
}

/// A hand-built report shared by the unit tests of every format: three rules (one with
/// no finding), findings of three severities, one suppressed, one expired suppression.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod sample {
    use chrono::NaiveDate;
    use iamsnap_rules::baseline::Suppression;
    use iamsnap_rules::{
        Finding, MissingData, Report, RuleInfo, RuleLocation, RuleWithoutData, Severity,
        SuppressedFinding,
    };

    fn rule(id: &str, name: &str, severity: Severity, line: usize) -> RuleInfo {
        RuleInfo {
            id: id.to_owned(),
            name: name.to_owned(),
            severity,
            title: format!("{id} title"),
            description: format!("Why {id} matters."),
            tags: vec!["nhi".to_owned()],
            remediation: format!("Fix {id}."),
            fix: String::new(),
            references: vec![format!("https://docs.aws.amazon.com/{id}")],
            entity: "role".to_owned(),
            location: RuleLocation {
                file: "queries/nhi.rules".to_owned(),
                line,
                column: 1,
            },
        }
    }

    pub fn finding(rule_id: &str, severity: Severity, resource: &str, message: &str) -> Finding {
        Finding {
            rule_id: rule_id.to_owned(),
            severity,
            resource: resource.to_owned(),
            detail: String::new(),
            account_id: "111122223333".to_owned(),
            message: message.to_owned(),
            fingerprint: Finding::fingerprint_of(rule_id, resource, ""),
            fix: None,
        }
    }

    pub fn report() -> Report {
        let mut key_rule = rule("NHI-KEY-001", "old_access_key", Severity::Medium, 20);
        key_rule.tags.push("cis-aws-3.0-1.14".to_owned());
        let mut key = finding(
            "NHI-KEY-001",
            Severity::Medium,
            "arn:aws:iam::111122223333:user/ci-bot",
            "ci-bot's key AKIA1 is 400 days old",
        );
        key.detail = "AKIA1".to_owned();
        key.fingerprint = Finding::fingerprint_of(&key.rule_id, &key.resource, "AKIA1");
        Report {
            snapshot: "snapshots/demo-2026-11-22".to_owned(),
            accounts: vec!["111122223333".to_owned()],
            captured_at: "2026-11-22T09:00:00Z".to_owned(),
            rules: vec![
                rule(
                    "NHI-TRUST-002",
                    "oidc_role_without_subject",
                    Severity::Critical,
                    3,
                ),
                key_rule,
                rule("NHI-UNUSED-003", "", Severity::Low, 40),
            ],
            findings: vec![
                finding(
                    "NHI-TRUST-002",
                    Severity::Critical,
                    "arn:aws:iam::111122223333:role/gh-deploy",
                    "gh-deploy can be assumed by any repository's workflow | <all> & \"more\"",
                ),
                finding(
                    "NHI-TRUST-002",
                    Severity::Critical,
                    "arn:aws:iam::111122223333:role/gh-release",
                    "gh-release can be assumed by any repository's workflow\nsecond line",
                ),
                key,
            ],
            suppressed: vec![SuppressedFinding {
                finding: finding(
                    "NHI-TRUST-002",
                    Severity::Critical,
                    "arn:aws:iam::111122223333:role/legacy-ci",
                    "legacy-ci can be assumed by any repository's workflow",
                ),
                reason: "migrating to the new CI by March".to_owned(),
            }],
            expired_suppressions: vec![Suppression {
                rule: "NHI-KEY-001".to_owned(),
                resource: "arn:aws:iam::111122223333:user/legacy-*".to_owned(),
                reason: "vendor rotates this key quarterly".to_owned(),
                fingerprint: None,
                expires: Some(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()),
            }],
            rules_without_data: Vec::new(),
        }
    }

    /// The sample report with a rule that had no data (the snapshot lacks the credential
    /// report).
    pub fn report_without_data() -> Report {
        let mut r = report();
        r.rules_without_data = vec![RuleWithoutData {
            rule_id: "NHI-KEY-001".to_owned(),
            missing: vec![MissingData {
                what: "the credential report".to_owned(),
                table: "credential_report".to_owned(),
                why: "the snapshot was imported without it".to_owned(),
                how: "add `--credential-report` to `iamsnap import`".to_owned(),
            }],
        }];
        r
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_severity_and_baseline() {
        let r = sample::report();
        let c = Counts::of(&r);
        assert_eq!(c.of_severity(Severity::Critical), 2);
        assert_eq!(c.of_severity(Severity::Medium), 1);
        assert_eq!(c.of_severity(Severity::Info), 0);
        assert_eq!(c.total(), 3);
        assert_eq!(c.suppressed, 1);
        assert_eq!(c.expired, 1);
        assert_eq!(
            c.per_severity(),
            "2 critical, 0 high, 1 medium, 0 low, 0 info"
        );
        assert_eq!(
            c.summary_line(),
            "3 findings (2 critical, 0 high, 1 medium, 0 low, 0 info); 1 suppressed by the \
             baseline; 1 expired suppression (no longer suppressing anything)"
        );
        let empty = Report {
            findings: vec![],
            suppressed: vec![],
            expired_suppressions: vec![],
            ..r
        };
        assert_eq!(Counts::of(&empty).summary_line(), "no findings");
    }

    #[test]
    fn every_format_renders_deterministically() {
        let r = sample::report();
        for format in [
            CheckFormat::Table,
            CheckFormat::Json,
            CheckFormat::Sarif,
            CheckFormat::Junit,
            CheckFormat::Markdown,
        ] {
            let a = render(&r, format, false).unwrap();
            assert_eq!(a, render(&r, format, false).unwrap(), "{format:?}");
            assert!(a.ends_with('\n'), "{format:?} ends with a newline");
            assert!(!a.contains('\u{1b}'), "{format:?} has no colour codes");
        }
    }
}
