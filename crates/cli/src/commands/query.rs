//! `iamsnap query`: one read-only SQL statement over a snapshot.

use std::io::Write;
use std::path::PathBuf;

use iamsnap_engine::{Engine, EngineError};

use crate::exit::{CliError, Exit};
use crate::limits::StatementLimits;
use crate::sql_output::{QueryFormat, write_batches};

/// Run one SQL statement over a snapshot (read-only).
///
/// The snapshot's tables (see `iamsnap schema`), the derived views `principals` and
/// `actions`, and IAM-aware functions (`iamsnap query --functions`) are available. With
/// --old, a second snapshot's tables are in the schema `old` and the first one's in `new`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot folder.
    snapshot: PathBuf,

    /// The SQL statement (or use -f).
    #[arg(conflicts_with = "file", required_unless_present_any = ["file", "functions"])]
    sql: Option<String>,

    /// Read the statement from a file (e.g. one of queries/*.sql).
    #[arg(short, long, value_name = "FILE")]
    file: Option<PathBuf>,

    /// An older snapshot to compare with: its tables are `old.<table>`.
    #[arg(long, value_name = "DIR")]
    old: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    format: QueryFormat,

    /// List the IAM-aware functions with their documentation, and exit.
    #[arg(long)]
    functions: bool,

    #[command(flatten)]
    limits: StatementLimits,
}

/// A tokio runtime for the engine; the CLI is otherwise synchronous. Its threads have the
/// stack that planning deeply nested statements needs.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(crate::limits::STACK_SIZE)
        .build()
        .map_err(|e| CliError::new(format!("cannot start the query runtime: {e}")))
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Snapshot(inner) => inner.into(),
            EngineError::Internal(message) => CliError::with_help(
                format!("internal error: {message}{}", crate::panic_location()),
                "this is a bug in iamsnap or in the query engine it uses: please report it with the statement that caused it",
            ),
            // Its code, help, and where the statement uses the name it is about.
            other => CliError::diagnostic(other),
        }
    }
}

/// The statement in a file, without a final `;`.
pub fn read_sql_file(path: &std::path::Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", path.display())))?;
    Ok(text.trim().trim_end_matches(';').to_owned())
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    if args.functions {
        let mut out = String::new();
        for f in iamsnap_engine::function_docs() {
            out.push_str(&format!(
                "{}\n    {}\n    example: {}\n\n",
                f.signature, f.description, f.example
            ));
        }
        crate::files::print(&out)?;
        return Ok(Exit::Clean);
    }
    let sql = match (&args.sql, &args.file) {
        (Some(sql), _) => sql.clone(),
        (None, Some(file)) => read_sql_file(file)?,
        (None, None) => return Err(CliError::new("give a SQL statement or -f FILE")),
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let mut engine = match &args.old {
            Some(old) => Engine::open_pair(old, &args.snapshot).await?,
            None => Engine::open(&args.snapshot).await?,
        };
        engine.set_limits(args.limits.limits())?;
        engine.query(&sql).await
    });
    // A statement stopped at its time limit may still occupy the runtime's threads until
    // its next yield: do not wait for them.
    rt.shutdown_background();
    let batches = result?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    write_batches(&batches, args.format, &mut out)?;
    out.flush()?;
    Ok(Exit::Clean)
}
