//! `iamsnap schema`: every snapshot table and derived view, and each column's meaning.

use std::fmt::Write as _;

use iamsnap_catalog::glob::Case;
use iamsnap_catalog::suggest;
use iamsnap_engine::{TableInfo, derived_tables};
use iamsnap_snapshot::{TABLES, Table, schema_markdown, table_markdown};

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::output;

/// Show the snapshot tables and the views derived from them, with their columns' meaning.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show only this table or view.
    table: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Aligned text.
    Table,
    /// Markdown (the whole reference is docs/schema.md).
    Markdown,
    /// JSON.
    Json,
}

/// A stored table (a Parquet file of the snapshot) or a view computed at query time.
enum Relation {
    Stored(&'static Table),
    View(TableInfo),
}

impl Relation {
    fn name(&self) -> &str {
        match self {
            Relation::Stored(t) => t.name,
            Relation::View(v) => &v.name,
        }
    }

    fn doc(&self) -> &str {
        match self {
            Relation::Stored(t) => t.doc,
            Relation::View(v) => &v.doc,
        }
    }

    /// Name, type, nullable (unknown for views), meaning.
    fn columns(&self) -> Vec<(&str, &str, Option<bool>, &str)> {
        match self {
            Relation::Stored(t) => t
                .columns
                .iter()
                .map(|c| (c.name, c.ty.display_name(), Some(c.nullable), c.doc))
                .collect(),
            Relation::View(v) => v
                .columns
                .iter()
                .map(|(n, t, d)| (n.as_str(), t.as_str(), None, d.as_str()))
                .collect(),
        }
    }
}

fn relations() -> Vec<Relation> {
    TABLES
        .iter()
        .map(Relation::Stored)
        .chain(derived_tables().into_iter().map(Relation::View))
        .collect()
}

fn view_markdown(v: &TableInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n\n{}\n", v.name, v.doc);
    let _ = writeln!(out, "| column | type | meaning |");
    let _ = writeln!(out, "|---|---|---|");
    for (name, ty, doc) in &v.columns {
        let _ = writeln!(out, "| `{name}` | {ty} | {} |", doc.replace('|', "\\|"));
    }
    out
}

/// The whole reference: the stored tables, then the views.
fn reference_markdown(views: &[TableInfo]) -> String {
    let mut out = schema_markdown();
    out.push_str(
        "\n# Views\n\nComputed at query time from the tables above (`iamsnap query`, the REPL, \
         and the rules, which range over the `entity_*` views: whatever rows a rule sees, a \
         query can select). With two snapshots attached they exist per snapshot too \
         (`old.principals`, `new.entity_role`).\n\n",
    );
    for v in views {
        let first = v.doc.split(". ").next().unwrap_or(&v.doc);
        let _ = writeln!(
            out,
            "- [`{}`](#{}): {}",
            v.name,
            v.name,
            first.trim_end_matches('.')
        );
    }
    for v in views {
        out.push('\n');
        out.push_str(&view_markdown(v));
    }
    out
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    let all = relations();
    let selected: Vec<&Relation> = match &args.table {
        Some(name) => match all.iter().find(|r| r.name() == name) {
            Some(r) => vec![r],
            None => {
                let names: Vec<&str> = all.iter().map(Relation::name).collect();
                let list = format!("the tables and views are: {}", names.join(", "));
                let closest = suggest::closest(
                    name,
                    names.iter().copied(),
                    suggest::typo_limit(name),
                    Case::Insensitive,
                );
                return Err(CliError::with_help(
                    format!("unknown table `{name}`"),
                    match closest {
                        Some(c) => format!("did you mean `{c}`? {list}"),
                        None => list,
                    },
                ));
            }
        },
        None => all.iter().collect(),
    };
    let text = match args.format {
        Format::Markdown if args.table.is_none() => reference_markdown(&derived_tables()),
        Format::Markdown => selected
            .iter()
            .map(|r| match r {
                Relation::Stored(t) => table_markdown(t),
                Relation::View(v) => view_markdown(v),
            })
            .collect(),
        Format::Json => {
            let value: Vec<serde_json::Value> = selected
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "table": r.name(),
                        "kind": match r { Relation::Stored(_) => "table", Relation::View(_) => "view" },
                        "doc": r.doc(),
                        "columns": r.columns().into_iter().map(|(name, ty, nullable, doc)| serde_json::json!({
                            "name": name,
                            "type": ty,
                            "nullable": nullable,
                            "doc": doc,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            output::to_json(&value)?
        }
        Format::Table => {
            let mut out = String::new();
            for r in &selected {
                let mut tbl = output::table(["column", "type", "null", "meaning"]);
                for (name, ty, nullable, doc) in r.columns() {
                    let null = match nullable {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "",
                    };
                    tbl.add_row([name, ty, null, doc]);
                }
                let kind = match r {
                    Relation::Stored(_) => "",
                    Relation::View(_) => " (view)",
                };
                out.push_str(&format!("{}{kind} — {}\n{tbl}\n\n", r.name(), r.doc()));
            }
            out
        }
    };
    print(&text)?;
    Ok(Exit::Clean)
}
