//! JUnit XML, for CI systems that show test reports: one `<testsuite>` per rule, one
//! failing `<testcase>` per finding, a passing one for a rule without findings, a skipped
//! one per suppressed finding; expired suppressions are written to the rule's
//! `<system-err>`.

use std::collections::HashMap;
use std::fmt::Write as _;

use iamsnap_rules::{Finding, Report, RuleInfo};

use super::resource_and_detail;
use super::text::{is_unsafe, push_escaped};

/// An XML attribute value: the five special characters become entities, line breaks and
/// tabs become character references (so they survive attribute-value normalization),
/// other control and bidirectional characters become visible escapes (`\u{1b}`), as on a
/// terminal (CI systems print these reports), and characters XML 1.0 cannot carry become
/// U+FFFD.
pub fn escape(text: &str) -> String {
    xml(text, true)
}

/// XML element content: `&`, `<` and `>` become entities, line feeds and tabs stay as
/// they are, other control and bidirectional characters become visible escapes, and
/// characters XML 1.0 cannot carry become U+FFFD.
pub fn escape_text(text: &str) -> String {
    xml(text, false)
}

/// `text` escaped for an attribute value (`attribute`) or for element content.
fn xml(text: &str, attribute: bool) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' if attribute => s.push_str("&quot;"),
            '\'' if attribute => s.push_str("&apos;"),
            '\n' if attribute => s.push_str("&#10;"),
            '\t' if attribute => s.push_str("&#9;"),
            '\n' | '\t' => s.push(c),
            // A lone carriage return would be read back as a line feed.
            '\r' => s.push_str("&#13;"),
            c if is_unsafe(c) => push_escaped(&mut s, c),
            c if allowed_in_xml(c) => s.push(c),
            _ => s.push('\u{fffd}'),
        }
    }
    s
}

/// Whether XML 1.0 allows `c` in a document (the `Char` production).
fn allowed_in_xml(c: char) -> bool {
    matches!(c,
        '\u{9}' | '\u{a}' | '\u{d}'
        | '\u{20}'..='\u{d7ff}'
        | '\u{e000}'..='\u{fffd}'
        | '\u{10000}'..='\u{10ffff}')
}

/// One rule's test suite: its findings, suppressed findings and expired suppressions.
struct Suite<'a> {
    id: &'a str,
    rule: Option<&'a RuleInfo>,
    failures: Vec<&'a Finding>,
    skipped: Vec<(&'a Finding, &'a str)>,
    warnings: Vec<String>,
    /// Why the rule had no data, when it read data the snapshot lacks.
    no_data: Option<String>,
}

impl Suite<'_> {
    fn tests(&self) -> usize {
        self.failures.len() + self.skipped.len() + usize::from(self.failures.is_empty())
    }

    /// Skipped test cases: suppressed findings, and a rule without data and without
    /// findings (its "no findings" case is skipped, not passed).
    fn skipped(&self) -> usize {
        self.skipped.len() + usize::from(self.failures.is_empty() && self.no_data.is_some())
    }
}

fn suites(report: &Report) -> Vec<Suite<'_>> {
    // Rules in pack order, then the rule ids the report has findings of but no rule for.
    let mut suites: Vec<Suite<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let ids = report
        .rules
        .iter()
        .map(|r| (r.id.as_str(), Some(r)))
        .chain(report.findings.iter().map(|f| (f.rule_id.as_str(), None)))
        .chain(
            report
                .suppressed
                .iter()
                .map(|s| (s.finding.rule_id.as_str(), None)),
        )
        .chain(
            report
                .expired_suppressions
                .iter()
                .map(|x| (x.rule.as_str(), None)),
        );
    for (id, rule) in ids {
        index.entry(id).or_insert_with(|| {
            suites.push(Suite {
                id,
                rule,
                failures: Vec::new(),
                skipped: Vec::new(),
                warnings: Vec::new(),
                no_data: None,
            });
            suites.len() - 1
        });
    }
    let get = |id: &str| index.get(id).copied();
    for f in &report.findings {
        if let Some(s) = get(&f.rule_id).and_then(|i| suites.get_mut(i)) {
            s.failures.push(f);
        }
    }
    for x in &report.suppressed {
        if let Some(s) = get(&x.finding.rule_id).and_then(|i| suites.get_mut(i)) {
            s.skipped.push((&x.finding, &x.reason));
        }
    }
    for r in &report.rules_without_data {
        if let Some(s) = get(&r.rule_id).and_then(|i| suites.get_mut(i)) {
            let message = super::coverage::junit_message(r);
            // A rule with findings still missed what it could not see.
            if !s.failures.is_empty() {
                s.warnings.push(format!("warning: {message}"));
            }
            s.no_data = Some(message);
        }
    }
    for x in &report.expired_suppressions {
        let expired = x.expires.map(|d| d.to_string()).unwrap_or_default();
        if let Some(s) = get(&x.rule).and_then(|i| suites.get_mut(i)) {
            s.warnings.push(format!(
                "warning: the suppression of {} on {} expired on {expired} and no longer \
                 suppresses anything (reason was: {})",
                x.rule, x.resource, x.reason
            ));
        }
    }
    suites
}

/// The failure's body: everything needed to find the resource and fix it.
fn failure_text(f: &Finding, rule: Option<&RuleInfo>) -> String {
    let mut s = format!(
        "{}\n\nrule: {}\nseverity: {}\nresource: {}\naccount: {}\n",
        f.message, f.rule_id, f.severity, f.resource, f.account_id
    );
    if !f.detail.is_empty() {
        let _ = writeln!(s, "detail: {}", f.detail);
    }
    let _ = writeln!(s, "fingerprint: {}", f.fingerprint);
    if let Some(r) = rule {
        if !r.remediation.is_empty() {
            let _ = write!(s, "\nremediation: {}\n", r.remediation);
        }
        fix_text(&mut s, f);
        for link in &r.references {
            let _ = writeln!(s, "see: {link}");
        }
    }
    s
}

/// The finding's fix command, marked as a change to review, or why there is none.
fn fix_text(s: &mut String, f: &Finding) {
    if let Some(fix) = &f.fix {
        match &fix.command {
            Some(command) => {
                let _ = write!(s, "fix ({}):\n  {command}\n", super::FIX_NOTE);
            }
            None => {
                let _ = writeln!(s, "fix: {}", super::fix_unavailable(fix));
            }
        }
        if let Some(note) = &fix.note {
            let _ = writeln!(s, "note: {note}");
        }
    }
}

/// The report as a JUnit XML document.
pub fn render(report: &Report) -> String {
    let suites = suites(report);
    let tests: usize = suites.iter().map(Suite::tests).sum();
    let failures: usize = suites.iter().map(|s| s.failures.len()).sum();
    let skipped: usize = suites.iter().map(Suite::skipped).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        escape(&format!("iamsnap check {}", report.snapshot))
    );
    for suite in &suites {
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            escape(suite.id),
            suite.tests(),
            suite.failures.len(),
            suite.skipped()
        );
        if let Some(rule) = suite.rule {
            x.push_str("    <properties>\n");
            for (name, value) in [
                ("title", rule.title.as_str()),
                ("severity", rule.severity.as_str()),
                ("file", rule.location.file.as_str()),
                ("line", &rule.location.line.to_string()),
            ] {
                let _ = writeln!(
                    x,
                    "      <property name=\"{name}\" value=\"{}\"/>",
                    escape(value)
                );
            }
            x.push_str("    </properties>\n");
        }
        let classname = escape(suite.id);
        if suite.failures.is_empty() {
            let name = suite.rule.map_or("no findings".to_owned(), |r| {
                format!("no findings: {}", r.title)
            });
            match &suite.no_data {
                Some(message) => {
                    let _ = writeln!(
                        x,
                        "    <testcase name=\"{}\" classname=\"{classname}\">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(&name),
                        escape(message)
                    );
                }
                None => {
                    let _ = writeln!(
                        x,
                        "    <testcase name=\"{}\" classname=\"{classname}\"/>",
                        escape(&name)
                    );
                }
            }
        }
        for f in &suite.failures {
            let _ = writeln!(
                x,
                "    <testcase name=\"{}\" classname=\"{classname}\">",
                escape(&resource_and_detail(&f.resource, &f.detail))
            );
            let _ = writeln!(
                x,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                escape(&f.message),
                f.severity,
                escape_text(&failure_text(f, suite.rule))
            );
            x.push_str("    </testcase>\n");
        }
        for (f, reason) in &suite.skipped {
            let _ = writeln!(
                x,
                "    <testcase name=\"{}\" classname=\"{classname}\">",
                escape(&resource_and_detail(&f.resource, &f.detail))
            );
            let _ = writeln!(
                x,
                "      <skipped message=\"{}\"/>",
                escape(&format!("suppressed by the baseline: {reason}"))
            );
            x.push_str("    </testcase>\n");
        }
        if !suite.warnings.is_empty() {
            let _ = writeln!(
                x,
                "    <system-err>{}</system-err>",
                escape_text(&suite.warnings.join("\n"))
            );
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn a_failure_gives_the_fix_command_marked_for_review() {
        let mut r = sample::report();
        r.findings[2].fix = Some(iamsnap_rules::Fix {
            command: Some("aws iam delete-login-profile --user-name 'a<b'".to_owned()),
            unavailable: None,
            note: Some("what else it changes".to_owned()),
        });
        let x = render(&r);
        assert!(
            x.contains("fix (commands that change the account: review each before running it; iamsnap runs nothing):\n  aws iam delete-login-profile --user-name 'a&lt;b'\nnote: what else it changes\n"),
            "{x}"
        );
    }

    #[test]
    fn escapes_what_xml_needs() {
        assert_eq!(
            escape("a & b <c> \"d\" 'e'"),
            "a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;"
        );
        assert_eq!(escape("one\ntwo\tthree\r"), "one&#10;two&#9;three&#13;");
        assert_eq!(
            escape("bell\u{7} nul\u{0} csi\u{9b} \u{202e}rev ok ü 🙂"),
            "bell\\u{7} nul\\u{0} csi\\u{9b} \\u{202e}rev ok ü 🙂"
        );
        assert_eq!(escape("\u{fffe}"), "\u{fffd}");
        assert_eq!(
            escape_text("a & <b>\n\"c\"\t'd'\r\u{1b}"),
            "a &amp; &lt;b&gt;\n\"c\"\t'd'&#13;\\u{1b}"
        );
    }

    /// The attribute `name="..."` of the first element of this kind in `xml` after `from`.
    fn attr<'a>(xml: &'a str, from: usize, name: &str) -> &'a str {
        let rest = &xml[from..];
        let start = rest.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let end = rest[start..].find('"').unwrap();
        &rest[start..start + end]
    }

    #[test]
    fn one_suite_per_rule_one_case_per_finding() {
        let r = sample::report();
        let xml = render(&r);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
        // 2 + 1 suppressed in NHI-TRUST-002, 1 in NHI-KEY-001, 1 passing for NHI-UNUSED-003.
        assert_eq!(attr(&xml, 0, "tests"), "5");
        assert_eq!(attr(&xml, 0, "failures"), "3");
        assert_eq!(attr(&xml, 0, "skipped"), "1");
        assert_eq!(xml.matches("<testsuite ").count(), 3);
        assert_eq!(xml.matches("<testcase ").count(), 5);
        assert_eq!(xml.matches("<failure ").count(), 3);

        let trust = xml.find("<testsuite name=\"NHI-TRUST-002\"").unwrap();
        assert_eq!(attr(&xml, trust, "tests"), "3");
        assert_eq!(attr(&xml, trust, "failures"), "2");
        assert_eq!(attr(&xml, trust, "skipped"), "1");
        let key = xml.find("<testsuite name=\"NHI-KEY-001\"").unwrap();
        assert_eq!(attr(&xml, key, "tests"), "1");
        assert_eq!(attr(&xml, key, "failures"), "1");
        let unused = xml.find("<testsuite name=\"NHI-UNUSED-003\"").unwrap();
        assert!(trust < key && key < unused, "pack order");
        assert_eq!(attr(&xml, unused, "tests"), "1");
        assert_eq!(attr(&xml, unused, "failures"), "0");
        assert!(xml[unused..].contains(
            "<testcase name=\"no findings: NHI-UNUSED-003 title\" classname=\"NHI-UNUSED-003\"/>"
        ));

        // Failure message = the finding's message (escaped), type = severity.
        assert!(xml.contains(
            "<failure message=\"gh-deploy can be assumed by any repository&apos;s workflow | \
             &lt;all&gt; &amp; &quot;more&quot;\" type=\"critical\">"
        ));
        assert!(xml.contains("type=\"medium\""));
        assert!(xml.contains(
            "<testcase name=\"arn:aws:iam::111122223333:user/ci-bot (AKIA1)\" classname=\"NHI-KEY-001\">"
        ));
        assert!(xml.contains(
            "<skipped message=\"suppressed by the baseline: migrating to the new CI by March\"/>"
        ));
        assert!(xml[key..unused].contains("<system-err>warning: the suppression of NHI-KEY-001"));
        assert!(xml.contains("remediation: Fix NHI-TRUST-002."));
    }

    #[test]
    fn the_document_is_well_formed() {
        // Every element opened is closed, in order; no raw special characters in text.
        let xml = render(&sample::report());
        let mut stack: Vec<String> = Vec::new();
        let body = xml.split_once("?>\n").unwrap().1;
        let mut rest = body;
        while let Some(open) = rest.find('<') {
            let text = &rest[..open];
            assert!(!text.contains('>'), "raw text: {text:?}");
            let close = rest[open..].find('>').unwrap() + open;
            let tag = &rest[open + 1..close];
            assert!(!tag.contains('<'), "{tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name));
            } else if !tag.ends_with('/') {
                stack.push(tag.split(' ').next().unwrap().to_owned());
            }
            rest = &rest[close + 1..];
        }
        assert!(stack.is_empty(), "{stack:?}");
        assert_eq!(rest, "\n");
    }
}
