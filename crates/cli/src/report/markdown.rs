//! Markdown for a pull-request comment: a heading with the counts, one table per
//! severity, and the suppressed findings and expired suppressions in a collapsed
//! `<details>`.

use std::fmt::Write as _;

use iamsnap_rules::{Report, Severity};

use super::text::{is_unsafe, push_escaped};
use super::{
    Counts, FIX_NOTE, by_severity, fix_unavailable, noun, plural, resource_and_detail, with_fix,
};

/// Text for a table cell: `|` escaped, line breaks as `<br>`, HTML special characters as
/// entities (so a message cannot open a tag or break the table), other control and
/// bidirectional characters as visible escapes (`\u{1b}`), as on a terminal.
pub fn cell(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => s.push_str("\\|"),
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    s.push_str("<br>");
                }
            }
            '\n' => s.push_str("<br>"),
            c if is_unsafe(c) => push_escaped(&mut s, c),
            c => s.push(c),
        }
    }
    s
}

/// An identifier (rule id, ARN) as inline code in a cell; plain escaped text when it
/// holds a backtick, which would end the code span.
pub fn code(text: &str) -> String {
    if text.contains('`') || text.chars().any(is_unsafe) {
        return cell(text);
    }
    // Inside a table a `|` ends the cell even in a code span, unless escaped.
    format!("`{}`", text.replace('|', "\\|"))
}

/// The header of a table and the line under it: `| a | b |` and `|---|---|`.
pub fn table_header(names: &[&str]) -> String {
    let mut s = table_row(names.iter().copied());
    s.push('|');
    s.push_str(&"---|".repeat(names.len()));
    s.push('\n');
    s
}

/// A row of a table, `| a | b |` and a line feed, from cells already escaped ([`cell`],
/// [`code`]).
pub fn table_row<I, S>(cells: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let cells: Vec<S> = cells.into_iter().collect();
    let cells: Vec<&str> = cells.iter().map(AsRef::as_ref).collect();
    format!("| {} |\n", cells.join(" | "))
}

fn severity_title(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// The report as GitHub-flavoured Markdown.
pub fn render(report: &Report) -> String {
    let counts = Counts::of(report);
    let mut s = if counts.total() == 0 {
        "## iamsnap check: no findings\n\n".to_owned()
    } else {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .filter(|sev| counts.of_severity(**sev) > 0)
            .map(|sev| format!("{} {sev}", counts.of_severity(*sev)))
            .collect();
        format!(
            "## iamsnap check: {} ({})\n\n",
            plural(counts.total(), "finding", "findings"),
            parts.join(", ")
        )
    };
    let _ = writeln!(
        s,
        "Snapshot {} of {} {}, captured {}; {} ran.",
        code(&report.snapshot),
        noun(report.accounts.len(), "account", "accounts"),
        report
            .accounts
            .iter()
            .map(|a| code(a))
            .collect::<Vec<_>>()
            .join(", "),
        cell(&report.captured_at),
        plural(report.rules.len(), "rule", "rules"),
    );
    s.push_str(&super::coverage::markdown_warning(report));
    for (severity, findings) in by_severity(report) {
        let _ = write!(
            s,
            "\n### {} ({})\n\n",
            severity_title(severity),
            findings.len()
        );
        s.push_str(&table_header(&["Rule", "Resource", "Message"]));
        for f in findings {
            s.push_str(&table_row([
                code(&f.rule_id),
                code(&resource_and_detail(&f.resource, &f.detail)),
                cell(&f.message),
            ]));
        }
    }
    fixes(&mut s, report);
    s.push_str(&super::coverage::markdown(report));
    if !report.suppressed.is_empty() || !report.expired_suppressions.is_empty() {
        let mut summary = Vec::new();
        if !report.suppressed.is_empty() {
            summary.push(plural(
                report.suppressed.len(),
                "suppressed finding",
                "suppressed findings",
            ));
        }
        if !report.expired_suppressions.is_empty() {
            summary.push(plural(
                report.expired_suppressions.len(),
                "expired suppression",
                "expired suppressions",
            ));
        }
        let _ = write!(
            s,
            "\n<details>\n<summary>{}</summary>\n",
            summary.join(", ")
        );
        if !report.suppressed.is_empty() {
            s.push_str("\n#### Suppressed by the baseline\n\n");
            s.push_str(&table_header(&["Rule", "Severity", "Resource", "Reason"]));
            for x in &report.suppressed {
                s.push_str(&table_row([
                    code(&x.finding.rule_id),
                    x.finding.severity.to_string(),
                    code(&resource_and_detail(&x.finding.resource, &x.finding.detail)),
                    cell(&x.reason),
                ]));
            }
        }
        if !report.expired_suppressions.is_empty() {
            s.push_str(
                "\n#### Expired suppressions\n\nThey no longer suppress anything: renew them \
                 (a new `expires`) or remove them from the baseline.\n\n",
            );
            s.push_str(&table_header(&["Rule", "Resource", "Expired", "Reason"]));
            for x in &report.expired_suppressions {
                s.push_str(&table_row([
                    code(&x.rule),
                    code(&x.resource),
                    x.expires.map(|d| d.to_string()).unwrap_or_default(),
                    cell(&x.reason),
                ]));
            }
        }
        s.push_str("\n</details>\n");
    }
    s
}

/// The fix commands of the findings that have one, each in a `sh` code block (fenced
/// with more backticks than it holds in a row), or why there is none.
fn fixes(s: &mut String, report: &Report) {
    let fixes = with_fix(report);
    if fixes.is_empty() {
        return;
    }
    let _ = write!(
        s,
        "\n### Fixes ({})\n\n{}{}.\n\n",
        fixes.len(),
        FIX_NOTE[..1].to_uppercase(),
        &FIX_NOTE[1..]
    );
    for (f, fix) in fixes {
        let _ = writeln!(
            s,
            "- {} {}",
            code(&f.rule_id),
            code(&resource_and_detail(&f.resource, &f.detail))
        );
        match &fix.command {
            Some(command) => {
                let mut longest = 0;
                let mut run = 0;
                for c in command.chars() {
                    run = if c == '`' { run + 1 } else { 0 };
                    longest = longest.max(run);
                }
                let fence = "`".repeat(longest.max(2) + 1);
                let _ = write!(
                    s,
                    "\n  {fence}sh\n  {}\n  {fence}\n\n",
                    escape_command(command)
                );
            }
            None => {
                let _ = writeln!(s, "  {}", cell(&fix_unavailable(fix)));
            }
        }
        if let Some(note) = &fix.note {
            let _ = writeln!(s, "  Note: {}\n", cell(note));
        }
    }
}

/// A command for a code block: already free of control and invisible characters (fix
/// commands refuse them); escaped all the same should one slip through.
fn escape_command(command: &str) -> String {
    let mut out = String::with_capacity(command.len());
    for c in command.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn fix_commands_are_code_blocks_marked_for_review() {
        let mut r = sample::report();
        r.findings[2].fix = Some(iamsnap_rules::Fix {
            command: Some("aws iam delete-login-profile --user-name 'a```b'".to_owned()),
            unavailable: None,
            note: Some("what else it changes".to_owned()),
        });
        r.findings[0].fix = Some(iamsnap_rules::Fix {
            command: None,
            unavailable: Some("the snapshot has no value for `k.access_key_id`".to_owned()),
            note: None,
        });
        let md = render(&r);
        let at = md.find("### Fixes (2)").unwrap();
        assert!(
            md[at..].contains("Commands that change the account: review each before running it"),
            "{md}"
        );
        // The fence is longer than any run of backticks in the command.
        assert!(
            md[at..].contains(
                "\n  ````sh\n  aws iam delete-login-profile --user-name 'a```b'\n  ````\n\n  Note: what else it changes\n"
            ),
            "{md}"
        );
        assert!(
            md[at..].contains("no command: the snapshot has no value for `k.access_key_id`"),
            "{md}"
        );
        assert!(!render(&sample::report()).contains("### Fixes"));
    }

    #[test]
    fn cells_stay_in_their_cell() {
        assert_eq!(cell("a | b"), "a \\| b");
        assert_eq!(
            cell("one\ntwo\r\nthree\rfour"),
            "one<br>two<br>three<br>four"
        );
        assert_eq!(cell("<b>&</b>"), "&lt;b&gt;&amp;&lt;/b&gt;");
        assert_eq!(
            cell("a\u{1b}]0;pwned\u{7}\u{202e}b\tc"),
            "a\\u{1b}]0;pwned\\u{7}\\u{202e}b\\tc"
        );
        assert_eq!(code("role/\u{1b}[2J"), "role/\\u{1b}[2J");
        assert_eq!(code("arn:aws:iam::1:role/a"), "`arn:aws:iam::1:role/a`");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "a`b");
    }

    #[test]
    fn heading_tables_per_severity_and_collapsed_baseline() {
        let text = render(&sample::report());
        assert!(
            text.starts_with("## iamsnap check: 3 findings (2 critical, 1 medium)\n"),
            "{text}"
        );
        let critical = text.find("\n### Critical (2)\n").unwrap();
        let medium = text.find("\n### Medium (1)\n").unwrap();
        assert!(critical < medium);
        assert!(!text.contains("### High"), "{text}");
        assert!(
            text.contains(
                "| `NHI-TRUST-002` | `arn:aws:iam::111122223333:role/gh-deploy` | gh-deploy can be \
             assumed by any repository's workflow \\| &lt;all&gt; &amp; \"more\" |\n"
            ),
            "{text}"
        );
        assert!(text.contains("workflow<br>second line |"), "{text}");
        assert!(text.contains(
            "| `NHI-KEY-001` | `arn:aws:iam::111122223333:user/ci-bot (AKIA1)` | ci-bot's key"
        ));
        // Every table row has as many cells as its header.
        for line in text.lines().filter(|l| l.starts_with('|')) {
            let cells = line.replace("\\|", "").matches('|').count();
            assert!(cells == 4 || cells == 5, "{line}");
        }
        let details = text
            .find("<details>\n<summary>1 suppressed finding, 1 expired suppression</summary>")
            .unwrap();
        assert!(medium < details);
        assert!(
            text[details..].contains(
                "| `NHI-TRUST-002` | critical | `arn:aws:iam::111122223333:role/legacy-ci` | \
             migrating to the new CI by March |"
            ),
            "{text}"
        );
        assert!(
            text[details..].contains(
                "| `NHI-KEY-001` | `arn:aws:iam::111122223333:user/legacy-*` | 2026-01-31 | vendor \
             rotates this key quarterly |"
            ),
            "{text}"
        );
        assert!(text.ends_with("</details>\n"));
    }

    #[test]
    fn a_clean_report() {
        let mut r = sample::report();
        r.findings.clear();
        r.suppressed.clear();
        r.expired_suppressions.clear();
        let text = render(&r);
        assert!(
            text.starts_with("## iamsnap check: no findings\n"),
            "{text}"
        );
        assert!(!text.contains("<details>"));
        assert!(!text.contains("| Rule |"));
    }
}
