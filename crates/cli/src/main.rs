//! `iamsnap`: offline, reproducible and diffable AWS IAM audits.

mod commands;
mod exit;
mod files;
mod generate;
mod output;
mod progress;
mod repl;
mod report;
mod sql_output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit::{CliError, Exit};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Offline, reproducible and diffable AWS IAM audits.
///
/// iamsnap captures an account's IAM state into a snapshot (a folder of Parquet files with a
/// manifest) and answers questions about it offline.
#[derive(Debug, Parser)]
#[command(
    name = "iamsnap",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Import(commands::import::Args),
    Export(commands::export::Args),
    Catalog(commands::catalog::Args),
    Inspect(commands::inspect::Args),
    Schema(commands::schema::Args),
    Query(commands::query::Args),
    Repl(commands::repl::Args),
    Check(commands::check::Args),
    Rules(commands::rules::Args),
    Test(commands::test::Args),
    Diff(commands::diff::Args),
    Generate(commands::generate::Args),
    Policy(commands::policy::Args),
}

fn run(cli: Cli) -> Result<Exit, CliError> {
    match cli.command {
        Command::Import(args) => commands::import::run(&args),
        Command::Export(args) => commands::export::run(&args),
        Command::Catalog(args) => commands::catalog::run(&args),
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Schema(args) => commands::schema::run(&args),
        Command::Query(args) => commands::query::run(&args),
        Command::Repl(args) => commands::repl::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Rules(args) => commands::rules::run(&args),
        Command::Test(args) => commands::test::run(&args),
        Command::Diff(args) => commands::diff::run(&args),
        Command::Generate(args) => commands::generate::run(&args),
        Command::Policy(args) => commands::policy::run(&args),
    }
}

fn main() -> ExitCode {
    // A damaged snapshot file is reported as an error naming it, not as a panic message.
    iamsnap_snapshot::silence_caught_reader_panics();
    let cli = Cli::parse();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => err.report(),
    }
}
