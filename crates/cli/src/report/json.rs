//! The JSON format: the report as it is, in a fixed field order, with the tool's version
//! and a `summary` of counts.

use iamsnap_rules::baseline::Suppression;
use iamsnap_rules::{Finding, Report, RuleInfo, RuleWithoutData, Severity, SuppressedFinding};
use serde::Serialize;

use super::{Counts, RenderError};

/// Counts per severity of unsuppressed findings, and what the baseline did.
#[derive(Debug, Serialize)]
struct Summary {
    total: usize,
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
    suppressed: usize,
    expired_suppressions: usize,
    rules_without_data: usize,
}

/// The document; field order is output order.
#[derive(Debug, Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'static str,
    snapshot: &'a str,
    accounts: &'a [String],
    captured_at: &'a str,
    summary: Summary,
    rules: &'a [RuleInfo],
    findings: &'a [Finding],
    suppressed: &'a [SuppressedFinding],
    expired_suppressions: &'a [Suppression],
    /// Rules that read data the snapshot lacks, with what was missing, why, and what to do.
    rules_without_data: &'a [RuleWithoutData],
}

/// Pretty-printed JSON with a final newline.
pub fn render(report: &Report) -> Result<String, RenderError> {
    let c = Counts::of(report);
    let doc = Document {
        tool: "iamsnap",
        version: env!("CARGO_PKG_VERSION"),
        snapshot: &report.snapshot,
        accounts: &report.accounts,
        captured_at: &report.captured_at,
        summary: Summary {
            total: c.total(),
            critical: c.of_severity(Severity::Critical),
            high: c.of_severity(Severity::High),
            medium: c.of_severity(Severity::Medium),
            low: c.of_severity(Severity::Low),
            info: c.of_severity(Severity::Info),
            suppressed: c.suppressed,
            expired_suppressions: c.expired,
            rules_without_data: report.rules_without_data.len(),
        },
        rules: &report.rules,
        findings: &report.findings,
        suppressed: &report.suppressed,
        expired_suppressions: &report.expired_suppressions,
        rules_without_data: &report.rules_without_data,
    };
    super::to_json(&doc)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::super::sample;
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_report_with_a_summary_in_a_stable_order() {
        let r = sample::report();
        let text = render(&r).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "tool",
                "version",
                "snapshot",
                "accounts",
                "captured_at",
                "summary",
                "rules",
                "findings",
                "suppressed",
                "expired_suppressions",
                "rules_without_data"
            ]
        );
        assert_eq!(
            v["summary"],
            serde_json::json!({
                "total": 3, "critical": 2, "high": 0, "medium": 1, "low": 0, "info": 0,
                "suppressed": 1, "expired_suppressions": 1, "rules_without_data": 0
            })
        );
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["findings"].as_array().unwrap().len(), 3);
        assert_eq!(v["findings"][2]["detail"], "AKIA1");
        assert_eq!(v["findings"][0]["severity"], "critical");
        assert_eq!(
            v["suppressed"][0]["reason"],
            "migrating to the new CI by March"
        );
        assert_eq!(v["expired_suppressions"][0]["expires"], "2026-01-31");
        assert_eq!(v["rules"][1]["location"]["line"], 20);

        // Findings, rules and suppressions read back into the library's own types.
        let findings: Vec<Finding> = serde_json::from_value(v["findings"].clone()).unwrap();
        assert_eq!(findings, r.findings);
        let rules: Vec<RuleInfo> = serde_json::from_value(v["rules"].clone()).unwrap();
        assert_eq!(rules, r.rules);
        let expired: Vec<Suppression> =
            serde_json::from_value(v["expired_suppressions"].clone()).unwrap();
        assert_eq!(expired, r.expired_suppressions);
        assert_eq!(v["rules_without_data"], serde_json::json!([]));
    }

    #[test]
    fn rules_without_data_with_what_why_and_how() {
        let r = sample::report_without_data();
        let v: Value = serde_json::from_str(&render(&r).unwrap()).unwrap();
        assert_eq!(v["summary"]["rules_without_data"], 1);
        let listed: Vec<RuleWithoutData> =
            serde_json::from_value(v["rules_without_data"].clone()).unwrap();
        assert_eq!(listed, r.rules_without_data);
        assert_eq!(
            v["rules_without_data"][0]["missing"][0]["how"],
            "add `--credential-report` to `iamsnap import`"
        );
    }
}
