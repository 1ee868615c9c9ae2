//! `iamsnap rules`: what the rules of a pack check, and why.

use std::io::Write;

use super::check::PackArgs;
use crate::exit::{CliError, Exit};
use crate::output::{self, escape, escape_lines};

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
                    write!(out, "{}", output::to_json(&infos)?)?;
                }
                ListFormat::Table => {
                    let mut table = output::table(["id", "severity", "for", "title"]);
                    table.set_width(120);
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
            writeln!(out, "{} {}", escape(&i.id), escape(&i.name))?;
            writeln!(out, "  {}", escape(&i.title))?;
            writeln!(
                out,
                "  severity: {}   for: {}   tags: {}",
                i.severity,
                escape(&i.entity),
                escape(&i.tags.join(", "))
            )?;
            writeln!(
                out,
                "  defined at {}:{}",
                escape(&i.location.file),
                i.location.line
            )?;
            if !i.description.is_empty() {
                writeln!(out, "\nWhy: {}", escape_lines(&i.description))?;
            }
            if !i.remediation.is_empty() {
                writeln!(out, "\nWhat to do: {}", escape_lines(&i.remediation))?;
            }
            for link in &i.references {
                writeln!(out, "  {}", escape(link))?;
            }
            writeln!(out, "\n{}", escape_lines(rule.text()))?;
        }
    }
    Ok(Exit::Clean)
}
