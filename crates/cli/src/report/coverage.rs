//! Rules without data, as every format of `check` shows them: a rule that read data the
//! snapshot lacks reports nothing about it, so each report lists such rules with what was
//! missing, why and what to do, and a terminal gets a summary line.

use std::fmt::Write as _;

use iamsnap_rules::{Report, RuleWithoutData};
use serde_json::{Value, json};

use super::markdown::{cell, code, table_header, table_row};
use super::{noun, plural};

/// `NHI-KEY-001, CIS-1.4`.
fn ids(report: &Report) -> String {
    report
        .rules_without_data
        .iter()
        .map(|r| r.rule_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the rules without data lack, each once: `the credential report, the access keys`.
fn lacking(report: &Report) -> String {
    let mut whats: Vec<&str> = Vec::new();
    for m in report.rules_without_data.iter().flat_map(|r| &r.missing) {
        if !whats.contains(&m.what.as_str()) {
            whats.push(&m.what);
        }
    }
    whats.join(", ")
}

/// The summary line for a terminal, or `None` when every rule had its data:
/// `3 rules had no data (NHI-KEY-001, ...): the snapshot lacks the credential report`.
pub fn summary_line(report: &Report) -> Option<String> {
    let n = report.rules_without_data.len();
    (n > 0).then(|| {
        format!(
            "{} no data and found nothing where it was missing ({}): the snapshot lacks {}",
            plural(n, "rule had", "rules had"),
            ids(report),
            lacking(report)
        )
    })
}

/// The table section: heading text and `(rule, why)` rows, or `None`.
pub fn table_rows(report: &Report) -> Option<(String, Vec<[String; 2]>)> {
    let n = report.rules_without_data.len();
    (n > 0).then(|| {
        (
            format!(
                "Without data ({n}): {} nothing where the snapshot lacks what {} {}",
                noun(n, "this rule found", "these rules found"),
                noun(n, "it", "they"),
                noun(n, "reads", "read")
            ),
            report
                .rules_without_data
                .iter()
                .map(|r| [r.rule_id.clone(), r.reason()])
                .collect(),
        )
    })
}

/// The Markdown section, or nothing.
pub fn markdown(report: &Report) -> String {
    let n = report.rules_without_data.len();
    if n == 0 {
        return String::new();
    }
    let mut s = format!("\n### Rules without data ({n})\n\n");
    let _ = writeln!(
        s,
        "{} data the snapshot lacks and found nothing where it was missing: no finding does \
         not mean nothing to find.\n",
        noun(n, "This rule read", "These rules read")
    );
    s.push_str(&table_header(&["Rule", "Missing", "Why", "What to do"]));
    for r in &report.rules_without_data {
        for m in &r.missing {
            s.push_str(&table_row([
                code(&r.rule_id),
                cell(&m.what),
                cell(&m.why),
                cell(&m.how),
            ]));
        }
    }
    s
}

/// The one-line warning under a Markdown report's first line, or nothing.
pub fn markdown_warning(report: &Report) -> String {
    match summary_line(report) {
        Some(line) => format!("\n> **Warning:** {}.\n", cell(&line)),
        None => String::new(),
    }
}

/// The JUnit `<skipped>` message of a rule without data.
pub fn junit_message(r: &RuleWithoutData) -> String {
    format!("no data: {}", r.reason())
}

/// The SARIF `toolExecutionNotifications` of the rules without data, each associated
/// with its rule (`rule_reference`).
pub fn sarif_notifications(report: &Report, rule_reference: impl Fn(&str) -> Value) -> Vec<Value> {
    report
        .rules_without_data
        .iter()
        .map(|r| {
            json!({
                "level": "warning",
                "descriptor": { "id": "rule-without-data" },
                "message": {
                    "text": format!(
                        "{} had no data and found nothing where it was missing: {}.",
                        r.rule_id,
                        r.reason()
                    )
                },
                "associatedRule": rule_reference(&r.rule_id),
                "properties": {
                    "missing": r.missing.iter().map(|m| json!({
                        "what": m.what,
                        "table": m.table,
                        "why": m.why,
                        "how": m.how,
                    })).collect::<Vec<_>>(),
                },
            })
        })
        .collect()
}
