//! `iamsnap inspect`: what a snapshot holds.

use std::collections::BTreeMap;
use std::path::PathBuf;

use iamsnap_snapshot::Snapshot;

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::output::{self, Format, to_json};

/// Show a snapshot's manifest, tables, row counts and data dates (and verify its files).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot folder.
    snapshot: PathBuf,

    /// Output format (JSON: the manifest plus each table's data dates).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

const DATE: &str = "%Y-%m-%d";

/// Per table (those with `account_id`), the number of rows of each account.
pub(crate) type RowsByAccount = BTreeMap<String, BTreeMap<String, u64>>;

/// The rows of each account in each table of `snap`.
pub(crate) fn rows_by_account(snap: &Snapshot) -> Result<RowsByAccount, CliError> {
    let mut out = RowsByAccount::new();
    for t in &snap.manifest().tables {
        if let Some(counts) = snap.rows_by_account(&t.name)? {
            out.insert(t.name.clone(), counts);
        }
    }
    Ok(out)
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    let snap = Snapshot::open(&args.snapshot)?;
    let m = snap.manifest();
    let mut ranges = Vec::with_capacity(m.tables.len());
    for t in &m.tables {
        let size = std::fs::metadata(snap.path().join(&t.file))
            .map(|md| md.len())
            .unwrap_or(0);
        ranges.push((t, size, snap.time_range(&t.name)?));
    }
    let per_account = rows_by_account(&snap)?;
    let text = match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(m)
                .map_err(|e| CliError::new(format!("internal error: {e}")))?;
            let dates: serde_json::Map<String, serde_json::Value> = ranges
                .iter()
                .map(|(t, size, r)| {
                    (
                        t.name.clone(),
                        serde_json::json!({
                            "bytes": size,
                            "earliest": r.map(|(a, _)| a.to_rfc3339()),
                            "latest": r.map(|(_, b)| b.to_rfc3339()),
                            "rows_by_account": per_account.get(&t.name),
                        }),
                    )
                })
                .collect();
            if let Some(obj) = value.as_object_mut() {
                obj.insert("table_data".to_owned(), dates.into());
            }
            to_json(&value)?
        }
        Format::Table => {
            let mut about = output::table(["snapshot", &snap.path().display().to_string()]);
            about.add_row(["accounts".to_owned(), m.account_ids.join(", ")]);
            about.add_row(["captured at".to_owned(), m.captured_at.to_rfc3339()]);
            about.add_row(["source".to_owned(), m.source.kind.clone()]);
            for input in &m.source.inputs {
                about.add_row([
                    format!("  {}", input.kind),
                    format!(
                        "{} (sha256 {})",
                        input.name,
                        input.sha256.get(..12).unwrap_or("")
                    ),
                ]);
            }
            about.add_row([
                "format".to_owned(),
                format!("{} v{}", m.format, m.format_version),
            ]);
            about.add_row([
                "written by".to_owned(),
                format!("iamsnap {}", m.tool_version),
            ]);
            let mut tables =
                output::table(["table", "rows", "bytes", "earliest date", "latest date"]);
            for (t, size, r) in &ranges {
                tables.add_row([
                    t.name.clone(),
                    t.rows.to_string(),
                    size.to_string(),
                    r.map(|(a, _)| a.format(DATE).to_string())
                        .unwrap_or_default(),
                    r.map(|(_, b)| b.format(DATE).to_string())
                        .unwrap_or_default(),
                ]);
            }
            let mut s = format!("{about}\n{tables}\n");
            // Several accounts: each one's rows, one column per account.
            if m.account_ids.len() > 1 {
                let mut header = vec!["rows per account".to_owned()];
                header.extend(m.account_ids.iter().cloned());
                let mut by_account = output::table(header);
                for (t, _, _) in &ranges {
                    let Some(counts) = per_account.get(&t.name) else {
                        continue;
                    };
                    let mut row = vec![t.name.clone()];
                    row.extend(
                        m.account_ids
                            .iter()
                            .map(|a| counts.get(a).copied().unwrap_or(0).to_string()),
                    );
                    by_account.add_row(row);
                }
                s.push_str(&format!("{by_account}\n"));
            }
            for note in &m.notes {
                s.push_str(&format!("note: {}\n", output::escape(note)));
            }
            for part in &m.missing {
                s.push_str(&format!(
                    "missing: {}: {}\n",
                    output::escape(&part.subject()),
                    output::escape(&part.reason)
                ));
            }
            s.push_str("all files match the manifest's sha256\n");
            s
        }
    };
    print(&text)?;
    Ok(Exit::Clean)
}
