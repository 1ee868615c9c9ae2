//! `iamsnap diff`: what changed between two snapshots.

use std::collections::BTreeMap;
use std::path::PathBuf;

use iamsnap_diff::{AccessChange, DiffError, DiffReport, FailOn as Category};
use iamsnap_snapshot::Snapshot;

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::output;

/// Compare two snapshots: structural changes, effective access gained and lost per
/// principal and resource, and risk changes (new admins, new trust, new keys).
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
    format!(
        "{} structural change(s); access gained on {gained} and lost on {lost} (principal, resource) pair(s); {} risk change(s)",
        r.changes.len(),
        r.risks.len()
    )
}

fn table(r: &DiffReport) -> String {
    let mut s = format!(
        "diff {} ({}) → {} ({})\n",
        r.old.path, r.old.captured_at, r.new.path, r.new.captured_at
    );
    if let Some(note) = &r.catalog_note {
        s.push_str(&format!("note: {note}\n"));
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
    s.push_str(&summary(r));
    s.push('\n');
    s
}

/// A Markdown table cell: pipes escaped, one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn md_table<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>) -> String {
    let mut s = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(N));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    s
}

fn markdown(r: &DiffReport) -> String {
    let mut s = format!(
        "# iamsnap diff\n\n`{}` ({}) → `{}` ({})\n\n",
        r.old.path, r.old.captured_at, r.new.path, r.new.captured_at
    );
    if let Some(note) = &r.catalog_note {
        s.push_str(&format!("> **Note:** {note}\n\n"));
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
    s
}
