//! The output formats of `iamsnap diff`: one function renders a [`DiffReport`] as text.
//!
//! The sections and their columns are the same in every format: they are written once
//! here ([`summary`] and [`sections`]), and [`table`], [`markdown`] and [`sarif`] lay them
//! out with the helpers `check` uses too (the escaped terminal
//! table of [`super::text`], the Markdown cells of [`super::markdown`], the SARIF log of
//! [`super::sarif`]).

mod markdown;
mod sarif;
pub(super) mod table;

use std::collections::BTreeMap;

use iamsnap_diff::{AccessChange, CatalogChange, CatalogChangeKind, DiffReport};

use super::RenderError;

/// How `diff` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
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

/// The report in `format`.
pub fn render(report: &DiffReport, format: DiffFormat) -> Result<String, RenderError> {
    Ok(match format {
        DiffFormat::Table => table::render(report, None),
        DiffFormat::Json => super::to_json(report)?,
        DiffFormat::Markdown => markdown::render(report),
        DiffFormat::Sarif => super::to_json(&sarif::log(report))?,
    })
}

/// How many actions a cell shows before "… (N in all)".
const SHOWN: usize = 6;

/// The first [`SHOWN`] actions of `list`, with the count of all when there are more.
fn actions(list: &[String]) -> String {
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

/// Actions counted per access level: `List 2, Write 1`.
fn levels(levels: &BTreeMap<String, usize>) -> String {
    levels
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `yes` for access granted under a condition, empty otherwise.
fn conditional(yes: bool) -> String {
    if yes { "yes" } else { "" }.to_owned()
}

/// A section of the report: a title, the names of its columns and one row of cells per
/// entry. Cells hold the report's text as it is; each format escapes it its own way.
struct Section {
    /// The heading.
    title: &'static str,
    /// The column names.
    header: &'static [&'static str],
    /// The rows, each as long as `header`.
    rows: Vec<Vec<String>>,
}

/// The sections of `r` that have entries, in the order every format shows them: risks,
/// structural changes, effective access, access changed by the action catalog, behaviour,
/// answers left unknown.
fn sections(r: &DiffReport) -> Vec<Section> {
    let all = [
        Section {
            title: "Risk changes",
            header: &["risk", "subject", "detail"],
            rows: r
                .risks
                .iter()
                .map(|x| {
                    vec![
                        x.kind.as_str().to_owned(),
                        x.subject.clone(),
                        x.detail.clone(),
                    ]
                })
                .collect(),
        },
        Section {
            title: "Structural changes",
            header: &["change", "object", "subject", "detail"],
            rows: r
                .changes
                .iter()
                .map(|c| {
                    vec![
                        c.kind.as_str().to_owned(),
                        c.object.as_str().to_owned(),
                        c.subject.clone(),
                        c.detail.clone(),
                    ]
                })
                .collect(),
        },
        Section {
            title: "Effective access",
            header: &[
                "principal",
                "resource",
                "gained",
                "gained by level",
                "lost",
                "conditional",
            ],
            rows: r.access.iter().map(access_cells).collect(),
        },
        Section {
            title: "Access changed by the action catalog",
            header: &[
                "change",
                "principal",
                "resource",
                "actions",
                "by level",
                "conditional",
            ],
            rows: r.catalog.changes.iter().map(catalog_cells).collect(),
        },
        Section {
            title: "Behaviour (CloudTrail activity)",
            header: &["identity", "type", "what is new"],
            rows: r
                .behaviour
                .changes
                .iter()
                .map(|b| vec![b.principal.clone(), b.principal_type.clone(), b.describe()])
                .collect(),
        },
        Section {
            title: "Unknown: a document that decides is missing",
            header: &["subject", "snapshot", "not compared", "missing"],
            rows: r
                .unknown
                .iter()
                .map(|u| {
                    vec![
                        u.subject.clone(),
                        u.side.clone(),
                        u.what.clone(),
                        u.missing.clone(),
                    ]
                })
                .collect(),
        },
    ];
    all.into_iter().filter(|s| !s.rows.is_empty()).collect()
}

/// A row of effective access: who, on what, gained and lost actions.
fn access_cells(a: &AccessChange) -> Vec<String> {
    vec![
        format!("{} {}", a.principal_type, a.principal_name),
        a.resource.clone(),
        actions(&a.gained),
        levels(&a.gained_levels),
        actions(&a.lost),
        conditional(a.conditional),
    ]
}

/// A row of access changed by the action catalog alone.
fn catalog_cells(c: &CatalogChange) -> Vec<String> {
    vec![
        c.kind.as_str().to_owned(),
        format!("{} {}", c.principal_type, c.principal_name),
        c.resource.clone(),
        actions(&c.actions),
        levels(&c.levels),
        conditional(c.conditional),
    ]
}

/// One line of counts: structural changes, pairs with access gained and lost, risks,
/// catalog growth and retirement, identities with new behaviour; `no changes` for none.
fn summary(r: &DiffReport) -> String {
    let mut s = counts(r);
    if !r.warnings.is_empty() {
        s.push_str(&format!(
            "; {} (the snapshots are unlike: see above)",
            super::plural(r.warnings.len(), "warning", "warnings")
        ));
    }
    s
}

/// The counts of [`summary`].
fn counts(r: &DiffReport) -> String {
    if r.is_empty() {
        return match r.unknown.len() {
            0 => "no changes".to_owned(),
            n => format!("no changes; {n} answer(s) unknown (a document is missing)"),
        };
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
    if !r.unknown.is_empty() {
        s.push_str(&format!(
            "; {} answer(s) unknown (a document is missing)",
            r.unknown.len()
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
