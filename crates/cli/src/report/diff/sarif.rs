//! The SARIF format of a diff: the log `check` writes (one run of the `iamsnap` driver),
//! with fixed `DIFF-*` rules and one result per risk, per (principal, resource pattern)
//! with gained actions (through a change of the account, or through catalog growth), and
//! per identity with new behaviour.
//!
//! A result's physical location is the new snapshot's table the change was read from; the
//! principal is its logical location; its fingerprint joins what was gained, so a result
//! keeps its identity from one diff to the next.

use std::path::Path;

use iamsnap_diff::{CatalogChangeKind, DiffReport, RiskKind};
use iamsnap_rules::{Finding, Severity};
use serde_json::{Value, json};

use super::super::sarif::{self, ResultParts, RuleDescriptor, Run};
use super::{actions, levels};

/// A rule of the diff: id, name, severity, title, what it means.
type Rule = (
    &'static str,
    &'static str,
    Severity,
    &'static str,
    &'static str,
);

/// The SARIF rules of a diff, in the driver's order.
const RULES: [Rule; 8] = [
    (
        "DIFF-NEW-ADMIN",
        "new_admin",
        Severity::Critical,
        "A user or role became admin-equivalent",
        "The principal is allowed every action on `*`, or iam:PassRole with a way to rewrite its own policies, and was not before (or did not exist).",
    ),
    (
        "DIFF-NEW-ESCALATION",
        "new_escalation",
        Severity::High,
        "A user or role can use new privilege-escalation methods",
        "The principal's policies (with denies and its permissions boundary) now allow every action of a published privilege-escalation method that they did not allow before.",
    ),
    (
        "DIFF-NEW-TRUST",
        "new_trust",
        Severity::High,
        "A role trusts a new principal",
        "A role's trust policy now admits anyone, an OIDC provider or subject pattern, or an external account it did not admit before.",
    ),
    (
        "DIFF-NEW-KEY",
        "new_key",
        Severity::High,
        "New active access key on a non-human user",
        "A long-lived access key was created or reactivated on a user that looks like a machine identity.",
    ),
    (
        "DIFF-NEW-EXTERNAL-ACCESS",
        "new_external_access",
        Severity::High,
        "A resource or role gained access from outside the organization",
        "A resource policy or role trust policy now lets in anyone, an account outside the organization, or an AWS service acting for any account's resources, for actions it did not before — because the policy changed or a guardrail over it (an RCP, S3 Block Public Access) did.",
    ),
    (
        "DIFF-NEW-ACCESS",
        "new_access",
        Severity::Medium,
        "A user or role gained access",
        "The principal is allowed actions on a resource pattern that it was not allowed before (wildcards expanded with the action catalog; actions gained only because the catalog grew are DIFF-CATALOG-GROWTH).",
    ),
    (
        "DIFF-NEW-BEHAVIOUR",
        "new_behaviour",
        Severity::Low,
        "An identity behaves differently in CloudTrail",
        "The identity made API calls, or called from source addresses or regions, never seen in the old snapshot's CloudTrail activity, or its share of failed calls rose by 20 points or more.",
    ),
    (
        "DIFF-CATALOG-GROWTH",
        "catalog_growth",
        Severity::Low,
        "A user or role gained actions that AWS added to a wildcard it is granted",
        "The principal's policies grant a wildcard (such as `s3:*`) that now covers actions the old snapshot's action catalog did not have: the access is new on AWS, though no policy changed it. Reported when both snapshots carry the catalog they were written with.",
    ),
];

/// The rule a risk is reported under.
fn rule_id(kind: RiskKind) -> &'static str {
    match kind {
        RiskKind::NewAdmin => "DIFF-NEW-ADMIN",
        RiskKind::NewEscalation => "DIFF-NEW-ESCALATION",
        RiskKind::NewTrust => "DIFF-NEW-TRUST",
        RiskKind::NewKey => "DIFF-NEW-KEY",
        RiskKind::NewExternalAccess => "DIFF-NEW-EXTERNAL-ACCESS",
    }
}

/// The table of the new snapshot a risk is read from.
fn risk_file(kind: RiskKind) -> &'static str {
    match kind {
        RiskKind::NewTrust => "trust.parquet",
        RiskKind::NewKey => "access_keys.parquet",
        RiskKind::NewAdmin | RiskKind::NewEscalation => "attachments.parquet",
        RiskKind::NewExternalAccess => "resource_policies.parquet",
    }
}

/// One finding of the diff, before it becomes a SARIF result.
struct Found<'a> {
    /// The `DIFF-*` rule.
    rule: &'static str,
    /// The ARN of the principal (the logical location).
    subject: &'a str,
    /// What happened, in a sentence.
    message: String,
    /// What joins the rule and subject in the fingerprint.
    key: String,
    /// The table of the new snapshot it was read from.
    file: &'static str,
}

/// What a principal gained, in a sentence: `role `app` gained 2 action(s) on `*`
/// (Write 2): s3:PutObject, s3:DeleteObject`, then `how` and a word on conditions.
fn gained_message(
    principal: (&str, &str),
    resource: &str,
    gained: &[String],
    by_level: &std::collections::BTreeMap<String, usize>,
    how: &str,
    conditional: bool,
) -> String {
    format!(
        "{} `{}` gained {} action(s) on `{resource}`{how} ({}): {}{}",
        principal.0,
        principal.1,
        gained.len(),
        levels(by_level),
        actions(gained),
        if conditional {
            " (some under a condition)"
        } else {
            ""
        }
    )
}

/// Every finding of the diff, in the order of the results.
fn found(r: &DiffReport) -> Vec<Found<'_>> {
    let mut out = Vec::new();
    for x in &r.risks {
        let key = match x.kind {
            RiskKind::NewEscalation => x
                .methods
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>()
                .join(","),
            _ => x.detail.clone(),
        };
        out.push(Found {
            rule: rule_id(x.kind),
            subject: &x.subject,
            message: x.detail.clone(),
            key,
            file: risk_file(x.kind),
        });
    }
    for a in r.access.iter().filter(|a| !a.gained.is_empty()) {
        out.push(Found {
            rule: "DIFF-NEW-ACCESS",
            subject: &a.principal_arn,
            message: gained_message(
                (&a.principal_type, &a.principal_name),
                &a.resource,
                &a.gained,
                &a.gained_levels,
                "",
                a.conditional,
            ),
            key: format!("{}\n{}", a.resource, a.gained.join(",")),
            file: "statements.parquet",
        });
    }
    let growth = r
        .catalog
        .changes
        .iter()
        .filter(|c| c.kind == CatalogChangeKind::CatalogGrowth);
    for c in growth {
        out.push(Found {
            rule: "DIFF-CATALOG-GROWTH",
            subject: &c.principal_arn,
            message: gained_message(
                (&c.principal_type, &c.principal_name),
                &c.resource,
                &c.actions,
                &c.levels,
                " that AWS added to a wildcard it is granted",
                c.conditional,
            ),
            key: format!("{}\n{}", c.resource, c.actions.join(",")),
            file: "statements.parquet",
        });
    }
    for b in &r.behaviour.changes {
        out.push(Found {
            rule: "DIFF-NEW-BEHAVIOUR",
            subject: &b.principal,
            message: format!("{} {}: {}", b.principal_type, b.principal, b.describe()),
            key: b.describe(),
            file: "activity.parquet",
        });
    }
    out
}

/// The SARIF result of one finding.
fn result(f: &Found<'_>, r: &DiffReport) -> Value {
    let index = RULES.iter().position(|x| x.0 == f.rule);
    let severity = index
        .and_then(|i| RULES.get(i))
        .map_or(Severity::Info, |x| x.2);
    let file = Path::new(&r.new.path).join(f.file).display().to_string();
    ResultParts {
        rule_id: f.rule,
        rule_index: index,
        severity,
        message: &f.message,
        physical: sarif::artifact(&file),
        resource: f.subject,
        resource_name: "",
        fingerprint: &Finding::fingerprint_of(f.rule, f.subject, &f.key),
        suppression: None,
        properties: Vec::new(),
    }
    .into_value()
}

/// The diff as a SARIF 2.1.0 log.
pub fn log(r: &DiffReport) -> Value {
    let tags = ["diff".to_owned(), "security".to_owned()];
    let rules = RULES
        .iter()
        .map(|(id, name, severity, title, description)| {
            RuleDescriptor {
                id,
                name,
                title,
                description,
                severity: *severity,
                tags: &tags,
                remediation: "",
                references: &[],
                entity: None,
            }
            .to_value()
        })
        .collect();
    // Warnings, notes, then answers left unknown (warnings too: the diff could not say
    // whether access changed).
    let notes = r
        .warnings
        .iter()
        .map(|w| {
            json!({
                "level": "warning",
                "descriptor": { "id": format!("diff-{}", w.kind) },
                "message": { "text": w.message },
            })
        })
        .chain(
            r.catalog_note
                .iter()
                .chain(&r.behaviour.note)
                .map(|note| json!({ "level": "note", "message": { "text": note } })),
        )
        .chain(r.unknown.iter().map(|u| {
            json!({
                "level": "warning",
                "message": { "text": u.describe() },
                "properties": { "subject": u.subject, "snapshot": u.side, "notCompared": u.what, "missing": u.missing },
            })
        }))
        .collect();
    sarif::log(Run {
        rules,
        results: found(r).iter().map(|f| result(f, r)).collect(),
        invocation: sarif::invocation("toolExecutionNotifications", notes),
        properties: json!({
            "old": { "snapshot": r.old.path, "capturedAt": r.old.captured_at, "catalogDate": r.old.catalog_date },
            "new": { "snapshot": r.new.path, "capturedAt": r.new.captured_at, "catalogDate": r.new.catalog_date },
        }),
    })
}
