//! Golden outputs: every renderer of `check` and of `diff`, on a small report built here
//! whose names are hostile (`<script>`, `|`, backticks, line breaks, terminal escapes, a
//! bidirectional override), compared with the files in `snapshots/`.
//!
//! `cargo test` fails when an output differs from its file (and, outside CI, writes the
//! new output next to it as `*.snap.new`). After a change that is meant, rewrite the files
//! with `INSTA_UPDATE=always cargo test -p iamsnap golden` (or `cargo insta review`
//! where cargo-insta is installed) and review the change in the diff like code.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use iamsnap_diff::{
    AccessChange, Behaviour, BehaviourChange, CatalogChange, CatalogChangeKind, CatalogComparison,
    Change, ChangeKind, DiffReport, EscalationMethod, Object, Risk, RiskKind, SnapshotSummary,
    Unknown, Warning,
};
use iamsnap_rules::{Finding, MissingData, Report, RuleWithoutData, Severity, SuppressedFinding};

use super::diff::{DiffFormat, render as render_diff};
use super::{CheckFormat, render, sample, table};

/// A name with everything that must not reach a reader raw.
const HOSTILE: &str =
    "<script>alert(1)</script> a|b `tick` line\nbreak \u{1b}[31mred\u{1b}[0m \u{202e}rev";

/// A role ARN ending in [`HOSTILE`].
fn hostile_arn() -> String {
    format!("arn:aws:iam::111122223333:role/{HOSTILE}")
}

/// Compares `text` with `snapshots/{name}.snap`, the tool's version left out (it changes
/// with every release, not with the renderer).
fn assert_golden(name: &str, text: &str) {
    let version = env!("CARGO_PKG_VERSION");
    let text = text
        .replace(
            &format!("\"version\": \"{version}\""),
            "\"version\": \"[version]\"",
        )
        .replace(
            &format!("\"semanticVersion\": \"{version}\""),
            "\"semanticVersion\": \"[version]\"",
        );
    let mut settings = insta::Settings::clone_current();
    // Named by the renderer alone, so the files do not depend on the module path.
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// The shared sample report with a hostile finding and a hostile suppression added.
fn check_report() -> Report {
    let mut r = sample::report();
    let mut evil = sample::finding(
        "NHI-KEY-001",
        Severity::Medium,
        &hostile_arn(),
        &format!("{HOSTILE} & \"quotes\" 'single'"),
    );
    evil.detail = "AKIA`|<b>".to_owned();
    evil.fingerprint = Finding::fingerprint_of(&evil.rule_id, &evil.resource, &evil.detail);
    r.findings.push(evil);
    r.suppressed.push(SuppressedFinding {
        finding: sample::finding(
            "NHI-UNUSED-003",
            Severity::Low,
            "arn:aws:iam::111122223333:user/`old`|bot",
            "unused",
        ),
        reason: format!("because {HOSTILE}"),
    });
    // A rule without data (listed in every format), and one whose reason is hostile.
    r.rules_without_data = sample::report_without_data().rules_without_data;
    r.rules_without_data.push(RuleWithoutData {
        rule_id: "NHI-UNUSED-003".to_owned(),
        missing: vec![MissingData {
            what: "the service last accessed data".to_owned(),
            table: "service_last_accessed".to_owned(),
            why: format!("the capture could not read it: {HOSTILE}"),
            how: "add `--service-last-accessed` to `iamsnap import`".to_owned(),
        }],
    });
    r
}

/// A diff with an entry in every section, hostile names and notes included.
fn diff_report() -> DiffReport {
    let arn = hostile_arn();
    let levels = |pairs: &[(&str, usize)]| -> BTreeMap<String, usize> {
        pairs.iter().map(|(l, n)| ((*l).to_owned(), *n)).collect()
    };
    let many: Vec<String> = (1..=8).map(|i| format!("s3:Action{i}")).collect();
    DiffReport {
        old: SnapshotSummary {
            path: "snapshots/old".to_owned(),
            captured_at: "2026-11-01T09:00:00Z".to_owned(),
            catalog_date: Some("2026-10-01".to_owned()),
        },
        new: SnapshotSummary {
            path: "snapshots/new `x`|\u{1b}[2J".to_owned(),
            captured_at: "2026-11-22T09:00:00Z".to_owned(),
            catalog_date: Some("2026-11-15".to_owned()),
        },
        catalog_note: Some(format!("catalogs differ: {HOSTILE}")),
        changes: vec![Change {
            kind: ChangeKind::Added,
            object: Object::Role,
            subject: arn.clone(),
            detail: format!("created with path /{HOSTILE}/"),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "name": HOSTILE }),
        }],
        access: vec![
            AccessChange {
                principal_type: "role".to_owned(),
                principal_arn: arn.clone(),
                principal_name: HOSTILE.to_owned(),
                resource: "arn:aws:s3:::bucket|<b>/*".to_owned(),
                gained: many.clone(),
                lost: vec!["s3:GetObject".to_owned()],
                gained_levels: levels(&[("Read", 3), ("Write", 5)]),
                lost_levels: levels(&[("Read", 1)]),
                conditional: true,
            },
            AccessChange {
                principal_type: "user".to_owned(),
                principal_arn: "arn:aws:iam::111122223333:user/ci".to_owned(),
                principal_name: "ci".to_owned(),
                resource: "*".to_owned(),
                gained: vec![],
                lost: vec!["iam:PassRole".to_owned()],
                gained_levels: BTreeMap::new(),
                lost_levels: levels(&[("Write", 1)]),
                conditional: false,
            },
        ],
        catalog: CatalogComparison {
            compared: true,
            added: vec!["s3:NewThing".to_owned()],
            retired: vec![],
            unknown: vec![],
            changes: vec![CatalogChange {
                kind: CatalogChangeKind::CatalogGrowth,
                principal_type: "role".to_owned(),
                principal_arn: arn.clone(),
                principal_name: HOSTILE.to_owned(),
                resource: "*".to_owned(),
                actions: vec!["s3:NewThing".to_owned()],
                levels: levels(&[("Write", 1)]),
                conditional: false,
            }],
        },
        risks: vec![
            Risk {
                kind: RiskKind::NewAdmin,
                subject: arn.clone(),
                detail: format!("{HOSTILE} is allowed * on *"),
                methods: vec![],
            },
            Risk {
                kind: RiskKind::NewEscalation,
                subject: arn.clone(),
                detail: "can use CreatePolicyVersion".to_owned(),
                methods: vec![EscalationMethod {
                    id: "iam-create-policy-version".to_owned(),
                    name: "CreatePolicyVersion".to_owned(),
                    severity: "high".to_owned(),
                }],
            },
        ],
        behaviour: Behaviour {
            compared: true,
            note: Some(format!("activity note {HOSTILE}")),
            changes: vec![BehaviourChange {
                principal: arn,
                principal_type: "AssumedRole".to_owned(),
                new_identity: false,
                first_time_calls: vec!["iam.amazonaws.com:CreateUser".to_owned()],
                new_source_ips: vec!["203.0.113.7".to_owned()],
                new_regions: vec![],
                error_rate: None,
            }],
        },
        unknown: vec![Unknown {
            subject: format!("arn:aws:iam::111122223333:role/{HOSTILE}"),
            side: "new".to_owned(),
            what: "access".to_owned(),
            missing: format!(
                "policy arn:aws:iam::111122223333:policy/{HOSTILE} is not in the snapshot"
            ),
        }],
        warnings: vec![
            Warning {
                kind: "one-sided".to_owned(),
                message: format!(
                    "only the new snapshot has the credential report (the old one: {HOSTILE})"
                ),
            },
            Warning {
                kind: "different-accounts".to_owned(),
                message:
                    "the snapshots are of different accounts (old: 111122223333; new: 444455556666)"
                        .to_owned(),
            },
        ],
    }
}

#[test]
fn check_table() {
    assert_golden(
        "check_table",
        &table::render(&check_report(), false, Some(120)),
    );
}

#[test]
fn check_json() {
    let text = render(&check_report(), CheckFormat::Json, false).unwrap();
    assert_golden("check_json", &text);
}

#[test]
fn check_sarif() {
    let text = render(&check_report(), CheckFormat::Sarif, false).unwrap();
    assert_golden("check_sarif", &text);
}

#[test]
fn check_junit() {
    let text = render(&check_report(), CheckFormat::Junit, false).unwrap();
    assert_golden("check_junit", &text);
}

#[test]
fn check_markdown() {
    let text = render(&check_report(), CheckFormat::Markdown, false).unwrap();
    assert_golden("check_markdown", &text);
}

#[test]
fn diff_table() {
    let text = super::diff::table::render(&diff_report(), Some(120));
    assert_golden("diff_table", &text);
}

#[test]
fn diff_json() {
    let text = render_diff(&diff_report(), DiffFormat::Json).unwrap();
    assert_golden("diff_json", &text);
}

#[test]
fn diff_sarif() {
    let text = render_diff(&diff_report(), DiffFormat::Sarif).unwrap();
    assert_golden("diff_sarif", &text);
}

#[test]
fn diff_markdown() {
    let text = render_diff(&diff_report(), DiffFormat::Markdown).unwrap();
    assert_golden("diff_markdown", &text);
}
