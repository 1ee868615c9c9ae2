//! The terminal format: findings grouped by severity (critical first), the suppressed
//! findings, warnings for expired suppressions, and a summary line.

use iamsnap_rules::{Report, Severity};

use super::text::{Table, escape};
use super::{
    Counts, FIX_NOTE, by_severity, fix_unavailable, noun, plural, resource_and_detail, with_fix,
};

const RESET: &str = "\u{1b}[0m";

/// The ANSI style of a severity's heading.
fn style(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "\u{1b}[1;31m",
        Severity::High => "\u{1b}[31m",
        Severity::Medium => "\u{1b}[33m",
        Severity::Low => "\u{1b}[36m",
        Severity::Info => "\u{1b}[2m",
    }
}

fn paint(text: &str, style: &str, color: bool) -> String {
    if color {
        format!("{style}{text}{RESET}")
    } else {
        text.to_owned()
    }
}

/// A table wrapped to `width`, or to the terminal's width when there is one.
fn table<const N: usize>(header: [&str; N], width: Option<u16>) -> Table {
    let mut t = super::text::table(header);
    if let Some(w) = width {
        t.set_width(w);
    }
    t
}

/// The report for a terminal; `width` fixes the table width (the terminal's otherwise).
pub fn render(report: &Report, color: bool, width: Option<u16>) -> String {
    let counts = Counts::of(report);
    let mut s = format!(
        "iamsnap check of {} ({} {}, captured {}): {} ran\n",
        escape(&report.snapshot),
        noun(report.accounts.len(), "account", "accounts"),
        escape(&report.accounts.join(", ")),
        escape(&report.captured_at),
        plural(report.rules.len(), "rule", "rules"),
    );
    for (severity, findings) in by_severity(report) {
        let heading = format!("{} ({})", severity.as_str().to_uppercase(), findings.len());
        s.push_str(&format!("\n{}\n", paint(&heading, style(severity), color)));
        let mut t = table(["rule", "resource", "message"], width);
        for f in findings {
            t.add_row([
                f.rule_id.as_str(),
                resource_and_detail(&f.resource, &f.detail).as_str(),
                f.message.as_str(),
            ]);
        }
        s.push_str(&format!("{t}\n"));
    }
    fixes(&mut s, report, color);
    if !report.suppressed.is_empty() {
        let heading = format!("Suppressed by the baseline ({})", report.suppressed.len());
        s.push_str(&format!("\n{}\n", paint(&heading, "\u{1b}[2m", color)));
        let mut t = table(["rule", "resource", "reason"], width);
        for x in &report.suppressed {
            t.add_row([
                x.finding.rule_id.as_str(),
                resource_and_detail(&x.finding.resource, &x.finding.detail).as_str(),
                x.reason.as_str(),
            ]);
        }
        s.push_str(&format!("{t}\n"));
    }
    if !report.expired_suppressions.is_empty() {
        s.push('\n');
    }
    for x in &report.expired_suppressions {
        let expired = x.expires.map(|d| d.to_string()).unwrap_or_default();
        s.push_str(&format!(
            "{} the suppression of {} on {} expired on {expired} and no longer suppresses \
             anything (reason was: {})\n",
            paint("warning:", "\u{1b}[1;33m", color),
            escape(&x.rule),
            escape(&x.resource),
            escape(&x.reason),
        ));
    }
    if let Some((heading, rows)) = super::coverage::table_rows(report) {
        s.push_str(&format!("\n{}\n", paint(&heading, "\u{1b}[1;33m", color)));
        let mut t = table(["rule", "missing data"], width);
        for [rule, why] in &rows {
            t.add_row([rule.as_str(), why.as_str()]);
        }
        s.push_str(&format!("{t}\n"));
    }
    let mut line = counts.summary_line();
    if let Some(without) = super::coverage::summary_line(report) {
        line.push_str(&format!("; {}", escape(&without)));
    }
    let line = if counts.total() > 0 {
        paint(&line, "\u{1b}[1m", color)
    } else {
        paint(&line, "\u{1b}[32m", color)
    };
    s.push_str(&format!("\n{line}\n"));
    s
}

/// The fix commands of the findings that have one, each under its finding, not wrapped
/// (so that it can be copied whole), or why there is none.
fn fixes(s: &mut String, report: &Report, color: bool) {
    let fixes = with_fix(report);
    if fixes.is_empty() {
        return;
    }
    let heading = format!("Fixes ({}): {FIX_NOTE}", fixes.len());
    s.push_str(&format!("\n{}\n", paint(&heading, "\u{1b}[1m", color)));
    for (f, fix) in fixes {
        s.push_str(&format!(
            "\n  {} {}\n",
            escape(&f.rule_id),
            escape(&resource_and_detail(&f.resource, &f.detail))
        ));
        match &fix.command {
            Some(command) => s.push_str(&format!("    {}\n", escape(command))),
            None => s.push_str(&format!("    ({})\n", escape(&fix_unavailable(fix)))),
        }
        if let Some(note) = &fix.note {
            s.push_str(&format!("    note: {}\n", escape(note)));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn groups_by_severity_critical_first_and_summarizes() {
        let r = sample::report();
        let text = render(&r, false, Some(250));
        let critical = text.find("CRITICAL (2)").unwrap();
        let medium = text.find("MEDIUM (1)").unwrap();
        assert!(critical < medium, "{text}");
        assert!(!text.contains("HIGH ("), "no empty sections: {text}");
        assert!(!text.contains("LOW ("), "{text}");
        // Each finding's rule, resource and message are in the section of its severity.
        let gh = text
            .find("arn:aws:iam::111122223333:role/gh-deploy")
            .unwrap();
        assert!(critical < gh && gh < medium, "{text}");
        assert!(
            text.contains("arn:aws:iam::111122223333:user/ci-bot (AKIA1)"),
            "{text}"
        );
        assert!(
            text.contains("ci-bot's key AKIA1 is 400 days old"),
            "{text}"
        );
        assert!(text[critical..medium].contains("NHI-TRUST-002"), "{text}");
        assert!(text[medium..].contains("NHI-KEY-001"), "{text}");
        // Suppressed findings are listed with their reason, not among the findings.
        let suppressed = text.find("Suppressed by the baseline (1)").unwrap();
        let legacy = text.find("role/legacy-ci").unwrap();
        assert!(legacy > suppressed, "{text}");
        assert!(text.contains("migrating to the new CI by March"), "{text}");
        assert!(text.contains(
            "warning: the suppression of NHI-KEY-001 on arn:aws:iam::111122223333:user/legacy-* \
             expired on 2026-01-31"
        ));
        assert!(text.trim_end().ends_with(
            "3 findings (2 critical, 0 high, 1 medium, 0 low, 0 info); 1 suppressed by the \
             baseline; 1 expired suppression (no longer suppressing anything)"
        ));
        assert!(text.starts_with(
            "iamsnap check of snapshots/demo-2026-11-22 (account 111122223333, captured \
             2026-11-22T09:00:00Z): 3 rules ran\n"
        ));
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn colour_only_when_asked() {
        let r = sample::report();
        let plain = render(&r, false, Some(250));
        let colored = render(&r, true, Some(250));
        assert!(
            colored.contains("\u{1b}[1;31mCRITICAL (2)\u{1b}[0m"),
            "{colored}"
        );
        assert!(
            colored.contains("\u{1b}[33mMEDIUM (1)\u{1b}[0m"),
            "{colored}"
        );
        assert!(
            colored.contains("\u{1b}[1;33mwarning:\u{1b}[0m"),
            "{colored}"
        );
        // Removing the escapes gives the plain text back.
        let mut stripped = colored.clone();
        for code in [
            "\u{1b}[0m",
            "\u{1b}[1;31m",
            "\u{1b}[33m",
            "\u{1b}[1;33m",
            "\u{1b}[2m",
            "\u{1b}[1m",
        ] {
            stripped = stripped.replace(code, "");
        }
        assert_eq!(stripped, plain);
    }

    #[test]
    fn rules_without_data_in_a_section_and_the_summary_line() {
        let r = sample::report_without_data();
        let text = render(&r, false, Some(250));
        let section = text
            .find(
                "Without data (1): this rule found nothing where the snapshot lacks what it reads",
            )
            .unwrap();
        let row = text.find("NHI-KEY-001 ┆ needs the credential report (the snapshot was imported without it): add `--credential-report` to `iamsnap import`").unwrap();
        assert!(section < row, "{text}");
        assert!(
            text.trim_end().ends_with(
                "; 1 rule had no data and found nothing where it was missing (NHI-KEY-001): \
                 the snapshot lacks the credential report"
            ),
            "{text}"
        );
        let plain = render(&sample::report(), false, Some(250));
        assert!(!plain.contains("Without data"), "{plain}");
        assert!(!plain.contains("no data"), "{plain}");
    }

    #[test]
    fn fix_commands_are_listed_whole_and_marked_for_review() {
        let mut r = sample::report();
        r.findings[2].fix = Some(iamsnap_rules::Fix {
            command: Some(
                "aws iam update-access-key --user-name 'ci bot' --access-key-id AKIA1 --status Inactive"
                    .to_owned(),
            ),
            unavailable: None,
            note: Some("what else it changes".to_owned()),
        });
        r.findings[0].fix = Some(iamsnap_rules::Fix {
            command: None,
            unavailable: Some("the snapshot has no value for `k.access_key_id`".to_owned()),
            note: None,
        });
        let text = render(&r, false, Some(60));
        let fixes = text
            .find("Fixes (2): commands that change the account")
            .unwrap();
        assert!(
            text[fixes..].contains(
                "\n  NHI-KEY-001 arn:aws:iam::111122223333:user/ci-bot (AKIA1)\n    aws iam \
             update-access-key --user-name 'ci bot' --access-key-id AKIA1 --status Inactive\n    \
             note: what else it changes\n"
            ),
            "{text}"
        );
        assert!(
            text[fixes..]
                .contains("    (no command: the snapshot has no value for `k.access_key_id`)\n"),
            "{text}"
        );
        // Without fixes, no section.
        assert!(!render(&sample::report(), false, Some(60)).contains("Fixes ("));
    }

    #[test]
    fn a_clean_report_says_so() {
        let mut r = sample::report();
        r.findings.clear();
        r.suppressed.clear();
        r.expired_suppressions.clear();
        let text = render(&r, false, Some(120));
        assert!(text.ends_with("\nno findings\n"), "{text}");
        assert!(!text.contains("warning"), "{text}");
        assert!(!text.contains('┌'), "no table: {text}");
    }
}
