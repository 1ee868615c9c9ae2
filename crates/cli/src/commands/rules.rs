//! `iamsnap rules`: what the rules of a pack check, and why.

use std::io::Write;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::check::PackArgs;
use crate::exit::{CliError, Exit};

/// List the rules of packs, or show one rule.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RulesCommand {
    /// Every rule: id, severity, title, what it ranges over.
    List {
        #[command(flatten)]
        packs: PackArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// One rule: its metadata, why it matters, what to do, and its source.
    Show {
        /// The rule id, e.g. NHI-TRUST-002 (any case).
        id: String,
        #[command(flatten)]
        packs: PackArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    let mut out = std::io::stdout().lock();
    match &args.command {
        RulesCommand::List { packs, format } => {
            let packs = packs.load()?;
            let infos: Vec<_> = packs
                .iter()
                .flat_map(|p| p.rules.iter().map(|r| r.info()))
                .collect();
            match format {
                ListFormat::Json => {
                    let text = serde_json::to_string_pretty(&infos)
                        .map_err(|e| CliError::new(e.to_string()))?;
                    writeln!(out, "{text}")?;
                }
                ListFormat::Table => {
                    let mut table = Table::new();
                    table
                        .load_preset(UTF8_FULL_CONDENSED)
                        .set_content_arrangement(ContentArrangement::Dynamic)
                        .set_width(120)
                        .set_header(["id", "severity", "for", "title"]);
                    for i in &infos {
                        table.add_row([
                            i.id.as_str(),
                            i.severity.as_str(),
                            i.entity.as_str(),
                            i.title.as_str(),
                        ]);
                    }
                    writeln!(out, "{table}")?;
                    writeln!(
                        out,
                        "{} rules; `iamsnap rules show <ID>` explains one",
                        infos.len()
                    )?;
                }
            }
        }
        RulesCommand::Show { id, packs } => {
            let packs = packs.load()?;
            let found = packs
                .iter()
                .flat_map(|p| p.rules.iter())
                .find(|r| r.rule.id.node.eq_ignore_ascii_case(id));
            let Some(rule) = found else {
                let ids: Vec<String> = packs
                    .iter()
                    .flat_map(|p| p.rules.iter().map(|r| r.rule.id.node.clone()))
                    .collect();
                let near = ids
                    .iter()
                    .find(|i| i.to_lowercase().starts_with(&id.to_lowercase()))
                    .map(|i| format!("did you mean {i}? "))
                    .unwrap_or_default();
                return Err(CliError::with_help(
                    format!("no rule `{id}`"),
                    format!("{near}`iamsnap rules list` lists the rules"),
                ));
            };
            let i = rule.info();
            writeln!(out, "{} {}", i.id, i.name)?;
            writeln!(out, "  {}", i.title)?;
            writeln!(
                out,
                "  severity: {}   for: {}   tags: {}",
                i.severity,
                i.entity,
                i.tags.join(", ")
            )?;
            writeln!(out, "  defined at {}:{}", i.location.file, i.location.line)?;
            if !i.description.is_empty() {
                writeln!(out, "\nWhy: {}", i.description)?;
            }
            if !i.remediation.is_empty() {
                writeln!(out, "\nWhat to do: {}", i.remediation)?;
            }
            for link in &i.references {
                writeln!(out, "  {link}")?;
            }
            writeln!(out, "\n{}", rule.text())?;
        }
    }
    Ok(Exit::Clean)
}
