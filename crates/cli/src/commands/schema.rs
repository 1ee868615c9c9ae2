//! `iamsnap schema`: every snapshot table and column, with its meaning.

use iamsnap_snapshot::{TABLES, Table, schema_markdown, table, table_markdown};

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::output;

/// Show the snapshot tables and columns, with their meaning.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show only this table.
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

fn find(name: &str) -> Result<&'static Table, CliError> {
    table(name).ok_or_else(|| {
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        CliError::with_help(
            format!("unknown table `{name}`"),
            format!("the tables are: {}", names.join(", ")),
        )
    })
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    let selected: Vec<&'static Table> = match &args.table {
        Some(name) => vec![find(name)?],
        None => TABLES.iter().collect(),
    };
    let text = match args.format {
        Format::Markdown if args.table.is_none() => schema_markdown(),
        Format::Markdown => selected.iter().map(|t| table_markdown(t)).collect(),
        Format::Json => {
            let value: Vec<serde_json::Value> = selected
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "table": t.name,
                        "doc": t.doc,
                        "columns": t.columns.iter().map(|c| serde_json::json!({
                            "name": c.name,
                            "type": c.ty.display_name(),
                            "nullable": c.nullable,
                            "doc": c.doc,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            output::to_json(&value)?
        }
        Format::Table => {
            let mut out = String::new();
            for t in &selected {
                let mut tbl = output::table(["column", "type", "null", "meaning"]);
                for c in t.columns {
                    tbl.add_row([
                        c.name,
                        c.ty.display_name(),
                        if c.nullable { "yes" } else { "no" },
                        c.doc,
                    ]);
                }
                out.push_str(&format!("{} — {}\n{tbl}\n\n", t.name, t.doc));
            }
            out
        }
    };
    print(&text)?;
    Ok(Exit::Clean)
}
