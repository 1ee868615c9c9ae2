//! `iamsnap`: offline, reproducible and diffable AWS IAM audits.

mod commands;
mod exit;
mod files;
mod limits;
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

    /// Width of tables, in columns: long cells wrap there. Default: the terminal's width; when
    /// the output is not a terminal (a pipe, a file, a CI log), `COLUMNS` if set, else 120.
    #[arg(long, global = true, value_name = "COLUMNS", value_parser = clap::value_parser!(u16).range(40..))]
    width: Option<u16>,
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

/// Where the last panic happened.
static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// ` (at file:line)` of the last panic, for an internal error's message; empty if none.
pub fn panic_location() -> String {
    LAST_PANIC
        .lock()
        .ok()
        .and_then(|last| last.clone())
        .map(|at| format!(" (at {at})"))
        .unwrap_or_default()
}

/// A source path from the crate's folder on: `arrow-buffer-59.3.2/src/buffer/offset.rs`.
fn short_path(file: &str) -> &str {
    match file.rfind("/src/") {
        Some(src) => {
            let start = file
                .get(..src)
                .and_then(|before| before.rfind('/'))
                .map_or(0, |slash| slash + 1);
            file.get(start..).unwrap_or(file)
        }
        None => file,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    report::text::set_width(cli.width);
    // A panic is a bug, never the input's fault, and never a backtrace for the user: the
    // snapshot reader turns one in a damaged table file into an error naming the file, the
    // engine one inside a query into an error, and one anywhere else in the command ends it
    // below with a one-line `internal error`. Where it happened is kept for that line.
    std::panic::set_hook(Box::new(|info| {
        if let Some(location) = info.location()
            && let Ok(mut last) = LAST_PANIC.lock()
        {
            *last = Some(format!(
                "{}:{}",
                short_path(location.file()),
                location.line()
            ));
        }
    }));
    // The command runs on a thread with a large stack: planning recurses once per level of
    // nesting of a statement or a rule.
    let worker = std::thread::Builder::new()
        .name("iamsnap".to_owned())
        .stack_size(limits::STACK_SIZE)
        .spawn(move || run(cli));
    let outcome = match worker {
        Ok(handle) => handle.join().unwrap_or_else(|payload| {
            Err(CliError::with_help(
                format!(
                    "internal error: {}{}",
                    iamsnap_engine::panic_message(payload),
                    panic_location()
                ),
                "this is a bug in iamsnap: please report it with the command that caused it",
            ))
        }),
        Err(e) => Err(CliError::new(format!("cannot start: {e}"))),
    };
    match outcome {
        Ok(exit) => exit.into(),
        Err(err) => err.report(),
    }
}
