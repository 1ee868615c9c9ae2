//! `iamsnap diff`: what changed between two snapshots.

use std::collections::BTreeMap;
use std::path::PathBuf;

use iamsnap_diff::{
    AccessChange, CatalogChange, CatalogChangeKind, DiffError, DiffReport, FailOn as Category,
    RiskKind,
};
use iamsnap_rules::{Finding, Severity};
use iamsnap_snapshot::Snapshot;
use serde_json::{Map, Value, json};

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::output;
use crate::report::markdown::{cell as markdown_cell, code as markdown_code};

/// Compare two snapshots: structural changes, effective access gained and lost per
/// principal and resource, risk changes (new admins, new privilege-escalation methods, new
/// trust, new keys) and behaviour changes in the CloudTrail activity.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The older snapshot folder.
    old: PathBuf,

    /// The newer snapshot folder.
    new: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,

    /// Exit with 1 when the diff has something of this kind (0 otherwise).
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Aligned text.
    Table,
    /// JSON: the whole report, with every gained and lost action.
    Json,
    /// Markdown, for a pull request comment.
    Markdown,
    /// SARIF 2.1.0: one result per risk, per principal that gained access (also through
    /// catalog growth) and per identity that behaves differently.
    Sarif,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FailOn {
    /// Some user or role gained an action on some resource pattern.
    NewAccess,
    /// Some user or role became admin-equivalent.
    NewAdmin,
    /// A role trusts a new external account, OIDC provider or subject pattern, or anyone.
    NewTrust,
    /// A new or reactivated active access key on a non-human user.
    NewKey,
    /// Some user or role can use a privilege-escalation method it could not use before.
    NewEscalation,
    /// Some identity behaves differently in the CloudTrail activity (first-time calls, new
    /// source IPs or regions, more failed calls).
    NewBehaviour,
    /// Some user or role gained actions only because AWS added them to a wildcard it was
    /// granted (both snapshots must carry their action catalog).
    CatalogGrowth,
    /// Any difference at all.
    Any,
}

impl From<FailOn> for Category {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::NewAccess => Category::NewAccess,
            FailOn::NewAdmin => Category::NewAdmin,
            FailOn::NewTrust => Category::NewTrust,
            FailOn::NewKey => Category::NewKey,
            FailOn::NewEscalation => Category::NewEscalation,
            FailOn::NewBehaviour => Category::NewBehaviour,
            FailOn::CatalogGrowth => Category::CatalogGrowth,
            FailOn::Any => Category::Any,
        }
    }
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    let old = Snapshot::open(&args.old)?;
    let new = Snapshot::open(&args.new)?;
    let report = iamsnap_diff::diff(&old, &new).map_err(|e| match e {
        DiffError::Snapshot(inner) => inner.into(),
        other => CliError::new(format!("internal error: {other}")),
    })?;
    let text = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&report)
                .map_err(|e| CliError::new(format!("internal error: {e}")))?;
            s.push('\n');
            s
        }
        Format::Table => table(&report),
        Format::Markdown => markdown(&report),
        Format::Sarif => {
            let mut s = serde_json::to_string_pretty(&sarif(&report))
                .map_err(|e| CliError::new(format!("internal error: {e}")))?;
            s.push('\n');
            s
        }
    };
    print(&text)?;
    Ok(match args.fail_on {
        Some(f) if report.matches(f.into()) => Exit::Findings,
        _ => Exit::Clean,
    })
}

/// How many actions the table shows before "and N more".
const SHOWN: usize = 6;

fn actions(list: &[String]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut s = list
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > SHOWN {
        s.push_str(&format!(", … ({} in all)", list.len()));
    }
    s
}

fn levels(levels: &BTreeMap<String, usize>) -> String {
    levels
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn access_cells(a: &AccessChange) -> [String; 6] {
    [
        format!("{} {}", a.principal_type, a.principal_name),
        a.resource.clone(),
        actions(&a.gained),
        levels(&a.gained_levels),
        actions(&a.lost),
        if a.conditional {
            "yes".to_owned()
        } else {
            String::new()
        },
    ]
}

const CATALOG_HEADER: [&str; 6] = [
    "change",
    "principal",
    "resource",
    "actions",
    "by level",
    "conditional",
];

fn catalog_cells(c: &CatalogChange) -> [String; 6] {
    [
        c.kind.as_str().to_owned(),
        format!("{} {}", c.principal_type, c.principal_name),
        c.resource.clone(),
        actions(&c.actions),
        levels(&c.levels),
        if c.conditional {
            "yes".to_owned()
        } else {
            String::new()
        },
    ]
}

/// The title of the section of catalog growth and retirement.
const CATALOG_SECTION: &str = "Access changed by the action catalog";

const BEHAVIOUR_HEADER: [&str; 3] = ["identity", "type", "what is new"];

fn behaviour_cells(b: &iamsnap_diff::BehaviourChange) -> [String; 3] {
    [b.principal.clone(), b.principal_type.clone(), b.describe()]
}

const ACCESS_HEADER: [&str; 6] = [
    "principal",
    "resource",
    "gained",
    "gained by level",
    "lost",
    "conditional",
];

fn summary(r: &DiffReport) -> String {
    if r.is_empty() {
        return "no changes".to_owned();
    }
    let gained = r.access.iter().filter(|a| !a.gained.is_empty()).count();
    let lost = r.access.iter().filter(|a| !a.lost.is_empty()).count();
    let mut s = format!(
        "{} structural change(s); access gained on {gained} and lost on {lost} (principal, resource) pair(s); {} risk change(s)",
        r.changes.len(),
        r.risks.len()
    );
    if !r.catalog.changes.is_empty() {
        let count = |kind| r.catalog.changes.iter().filter(|c| c.kind == kind).count();
        s.push_str(&format!(
            "; through the action catalog, access gained on {} and lost on {} (principal, resource) pair(s)",
            count(CatalogChangeKind::CatalogGrowth),
            count(CatalogChangeKind::CatalogRetirement)
        ));
    }
    if r.behaviour.compared {
        s.push_str(&format!(
            "; {} identit{} with new behaviour",
            r.behaviour.changes.len(),
            if r.behaviour.changes.len() == 1 {
                "y"
            } else {
                "ies"
            }
        ));
    }
    s
}

fn table(r: &DiffReport) -> String {
    let mut s = format!(
        "diff {} ({}) → {} ({})\n",
        output::escape(&r.old.path),
        output::escape(&r.old.captured_at),
        output::escape(&r.new.path),
        output::escape(&r.new.captured_at)
    );
    if let Some(note) = &r.catalog_note {
        s.push_str(&format!("note: {}\n", output::escape(note)));
    }
    if !r.risks.is_empty() {
        let mut t = output::table(["risk", "subject", "detail"]);
        for x in &r.risks {
            t.add_row([x.kind.as_str(), &x.subject, &x.detail]);
        }
        s.push_str(&format!("\nRisk changes\n{t}\n"));
    }
    if !r.changes.is_empty() {
        let mut t = output::table(["change", "object", "subject", "detail"]);
        for c in &r.changes {
            t.add_row([c.kind.as_str(), c.object.as_str(), &c.subject, &c.detail]);
        }
        s.push_str(&format!("\nStructural changes\n{t}\n"));
    }
    if !r.access.is_empty() {
        let mut t = output::table(ACCESS_HEADER);
        for a in &r.access {
            t.add_row(access_cells(a));
        }
        s.push_str(&format!("\nEffective access\n{t}\n"));
    }
    if !r.catalog.changes.is_empty() {
        let mut t = output::table(CATALOG_HEADER);
        for c in &r.catalog.changes {
            t.add_row(catalog_cells(c));
        }
        s.push_str(&format!("\n{CATALOG_SECTION}\n{t}\n"));
    }
    if !r.behaviour.changes.is_empty() {
        let mut t = output::table(BEHAVIOUR_HEADER);
        for b in &r.behaviour.changes {
            t.add_row(behaviour_cells(b));
        }
        s.push_str(&format!("\nBehaviour (CloudTrail activity)\n{t}\n"));
    }
    if let Some(note) = &r.behaviour.note {
        s.push_str(&format!("note: {}\n", output::escape(note)));
    }
    s.push_str(&summary(r));
    s.push('\n');
    s
}

fn md_table<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>) -> String {
    let mut s = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(N));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| markdown_cell(c)).collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    s
}

fn markdown(r: &DiffReport) -> String {
    let mut s = format!(
        "# iamsnap diff\n\n{} ({}) → {} ({})\n\n",
        markdown_code(&r.old.path),
        markdown_cell(&r.old.captured_at),
        markdown_code(&r.new.path),
        markdown_cell(&r.new.captured_at)
    );
    if let Some(note) = &r.catalog_note {
        s.push_str(&format!("> **Note:** {}\n\n", markdown_cell(note)));
    }
    s.push_str(&format!("{}\n", summary(r)));
    if !r.risks.is_empty() {
        s.push_str("\n## Risk changes\n\n");
        s.push_str(&md_table(
            ["risk", "subject", "detail"],
            r.risks.iter().map(|x| {
                [
                    x.kind.as_str().to_owned(),
                    x.subject.clone(),
                    x.detail.clone(),
                ]
            }),
        ));
    }
    if !r.changes.is_empty() {
        s.push_str("\n## Structural changes\n\n");
        s.push_str(&md_table(
            ["change", "object", "subject", "detail"],
            r.changes.iter().map(|c| {
                [
                    c.kind.as_str().to_owned(),
                    c.object.as_str().to_owned(),
                    c.subject.clone(),
                    c.detail.clone(),
                ]
            }),
        ));
    }
    if !r.access.is_empty() {
        s.push_str("\n## Effective access\n\n");
        s.push_str(&md_table(ACCESS_HEADER, r.access.iter().map(access_cells)));
    }
    if !r.catalog.changes.is_empty() {
        s.push_str(&format!("\n## {CATALOG_SECTION}\n\n"));
        s.push_str(&md_table(
            CATALOG_HEADER,
            r.catalog.changes.iter().map(catalog_cells),
        ));
    }
    if !r.behaviour.changes.is_empty() {
        s.push_str("\n## Behaviour (CloudTrail activity)\n\n");
        s.push_str(&md_table(
            BEHAVIOUR_HEADER,
            r.behaviour.changes.iter().map(behaviour_cells),
        ));
    }
    if let Some(note) = &r.behaviour.note {
        s.push_str(&format!("\n> **Note:** {}\n", markdown_cell(note)));
    }
    s
}

/// The SARIF rules of a diff: id, name, severity, title, what it means.
const SARIF_RULES: [(&str, &str, Severity, &str, &str); 7] = [
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

fn rule_id(kind: RiskKind) -> &'static str {
    match kind {
        RiskKind::NewAdmin => "DIFF-NEW-ADMIN",
        RiskKind::NewEscalation => "DIFF-NEW-ESCALATION",
        RiskKind::NewTrust => "DIFF-NEW-TRUST",
        RiskKind::NewKey => "DIFF-NEW-KEY",
    }
}

/// One SARIF result: `subject` (an ARN) is the logical location, the new snapshot's
/// `file` its physical one; `key` joins the fingerprint so a result keeps its identity
/// from one diff to the next.
fn sarif_result(
    rule: &str,
    subject: &str,
    message: &str,
    key: &str,
    file: &str,
    r: &DiffReport,
) -> Value {
    let index = SARIF_RULES.iter().position(|x| x.0 == rule);
    let severity = SARIF_RULES
        .iter()
        .find(|x| x.0 == rule)
        .map_or(Severity::Info, |x| x.2);
    let mut v = Map::new();
    v.insert("ruleId".into(), json!(rule));
    if let Some(i) = index {
        v.insert("ruleIndex".into(), json!(i));
    }
    v.insert("level".into(), json!(crate::report::sarif::level(severity)));
    v.insert("message".into(), json!({ "text": message }));
    let uri = crate::report::sarif::file_uri(
        &std::path::Path::new(&r.new.path)
            .join(file)
            .display()
            .to_string(),
    );
    v.insert(
        "locations".into(),
        json!([{
            "physicalLocation": { "artifactLocation": { "uri": uri } },
            "logicalLocations": [{ "fullyQualifiedName": subject, "kind": "resource" }],
        }]),
    );
    v.insert(
        "partialFingerprints".into(),
        json!({ "iamsnapFingerprint/v1": Finding::fingerprint_of(rule, subject, key) }),
    );
    v.insert(
        "properties".into(),
        json!({
            "severity": severity.as_str(),
            "security-severity": crate::report::sarif::security_severity(severity),
            "resource": subject,
        }),
    );
    Value::Object(v)
}

/// The diff as a SARIF 2.1.0 document, shaped like `check`'s (one run of the `iamsnap`
/// driver with its rules): one result per risk, per (principal, resource pattern) with
/// gained actions (through a change of the account, or through catalog growth), and per
/// identity with new behaviour.
fn sarif(r: &DiffReport) -> Value {
    let rules: Vec<Value> = SARIF_RULES
        .iter()
        .map(|(id, name, severity, title, description)| {
            json!({
                "id": id,
                "name": name,
                "shortDescription": { "text": title },
                "fullDescription": { "text": description },
                "defaultConfiguration": { "level": crate::report::sarif::level(*severity) },
                "properties": {
                    "tags": ["diff", "security"],
                    "security-severity": crate::report::sarif::security_severity(*severity),
                    "severity": severity.as_str(),
                },
            })
        })
        .collect();
    let mut results = Vec::new();
    for x in &r.risks {
        let file = match x.kind {
            RiskKind::NewTrust => "trust.parquet",
            RiskKind::NewKey => "access_keys.parquet",
            RiskKind::NewAdmin | RiskKind::NewEscalation => "attachments.parquet",
        };
        let key = match x.kind {
            RiskKind::NewEscalation => x
                .methods
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>()
                .join(","),
            _ => x.detail.clone(),
        };
        results.push(sarif_result(
            rule_id(x.kind),
            &x.subject,
            &x.detail,
            &key,
            file,
            r,
        ));
    }
    for a in r.access.iter().filter(|a| !a.gained.is_empty()) {
        let message = format!(
            "{} `{}` gained {} action(s) on `{}` ({}): {}{}",
            a.principal_type,
            a.principal_name,
            a.gained.len(),
            a.resource,
            levels(&a.gained_levels),
            actions(&a.gained),
            if a.conditional {
                " (some under a condition)"
            } else {
                ""
            }
        );
        results.push(sarif_result(
            "DIFF-NEW-ACCESS",
            &a.principal_arn,
            &message,
            &format!("{}\n{}", a.resource, a.gained.join(",")),
            "statements.parquet",
            r,
        ));
    }
    for c in r
        .catalog
        .changes
        .iter()
        .filter(|c| c.kind == CatalogChangeKind::CatalogGrowth)
    {
        let message = format!(
            "{} `{}` gained {} action(s) on `{}` that AWS added to a wildcard it is granted ({}): {}{}",
            c.principal_type,
            c.principal_name,
            c.actions.len(),
            c.resource,
            levels(&c.levels),
            actions(&c.actions),
            if c.conditional {
                " (some under a condition)"
            } else {
                ""
            }
        );
        results.push(sarif_result(
            "DIFF-CATALOG-GROWTH",
            &c.principal_arn,
            &message,
            &format!("{}\n{}", c.resource, c.actions.join(",")),
            "statements.parquet",
            r,
        ));
    }
    for b in &r.behaviour.changes {
        results.push(sarif_result(
            "DIFF-NEW-BEHAVIOUR",
            &b.principal,
            &format!("{} {}: {}", b.principal_type, b.principal, b.describe()),
            &b.describe(),
            "activity.parquet",
            r,
        ));
    }
    let mut notes = Vec::new();
    for note in r.catalog_note.iter().chain(&r.behaviour.note) {
        notes.push(json!({ "level": "note", "message": { "text": note } }));
    }
    let mut invocation = Map::new();
    invocation.insert("executionSuccessful".into(), json!(true));
    if !notes.is_empty() {
        invocation.insert("toolExecutionNotifications".into(), Value::Array(notes));
    }
    json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "iamsnap",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/iamsnap/iamsnap",
                    "rules": rules,
                }
            },
            "invocations": [Value::Object(invocation)],
            "results": results,
            "properties": {
                "old": { "snapshot": r.old.path, "capturedAt": r.old.captured_at, "catalogDate": r.old.catalog_date },
                "new": { "snapshot": r.new.path, "capturedAt": r.new.captured_at, "catalogDate": r.new.catalog_date },
            },
        }],
    })
}
