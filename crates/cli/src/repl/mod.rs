//! `iamsnap repl`: an interactive SQL shell over a snapshot.
//!
//! On a terminal: line editing, history in the user's state directory, completion,
//! multi-line statements until `;`, backslash meta-commands, Ctrl-C cancelling the running
//! query. With stdin not a terminal: the statements of a script, results on stdout, errors
//! on stderr, exit code 2 if any failed.

mod command;
mod helper;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::record_batch::RecordBatch;
use iamsnap_engine::{Engine, EngineError, Limits};
use rustyline::Editor;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use crate::exit::{CliError, Exit};
use crate::output;
use crate::sql_output::{QueryFormat, write_batches};

pub use command::Command;
use helper::{ReplHelper, split_statements};

/// The prompt for a new statement.
pub const PROMPT: &str = "iamsnap> ";
/// The prompt while a statement goes on (no `;` yet).
pub const CONTINUATION: &str = "     ..> ";

/// What to open and how to print.
#[derive(Debug, Clone)]
pub struct Options {
    pub snapshot: PathBuf,
    pub old: Option<PathBuf>,
    pub format: QueryFormat,
    /// What one statement may use.
    pub limits: Limits,
}

/// Runs the REPL: interactive on a terminal, a script reader otherwise.
pub fn run(options: &Options) -> Result<Exit, CliError> {
    let rt = crate::commands::query::runtime()?;
    let engine = rt.block_on(open(
        &options.snapshot,
        options.old.as_deref(),
        options.limits,
    ))?;
    let mut session = Session {
        rt,
        engine: Arc::new(engine),
        limits: options.limits,
        format: options.format,
        timing: false,
        interrupts: None,
    };
    if std::io::stdin().is_terminal() {
        interactive(&mut session)
    } else {
        script(&mut session, std::io::stdin().lock())
    }
}

async fn open(snapshot: &Path, old: Option<&Path>, limits: Limits) -> Result<Engine, EngineError> {
    let mut engine = match old {
        Some(old) => Engine::open_pair(old, snapshot).await?,
        None => Engine::open(snapshot).await?,
    };
    engine.set_limits(limits)?;
    Ok(engine)
}

/// Ctrl-C (SIGINT) while a query runs: the terminal is in its ordinary mode then (while a
/// line is edited, rustyline reads Ctrl-C as a key).
///
/// The signal is watched by a thread of its own with its own small runtime, so that it is
/// seen even while the query keeps every worker of the query runtime busy.
struct Interrupts(tokio::sync::mpsc::UnboundedReceiver<()>);

impl Interrupts {
    /// Installs the handler and starts the watching thread.
    fn install() -> std::io::Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("iamsnap-ctrl-c".to_owned())
            .spawn(move || {
                rt.block_on(async move {
                    #[cfg(unix)]
                    let mut signal = match tokio::signal::unix::signal(
                        tokio::signal::unix::SignalKind::interrupt(),
                    ) {
                        Ok(s) => {
                            let _ = ready_tx.send(Ok(()));
                            s
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    #[cfg(not(unix))]
                    let _ = ready_tx.send(Ok(()));
                    loop {
                        #[cfg(unix)]
                        let got = signal.recv().await.is_some();
                        #[cfg(not(unix))]
                        let got = tokio::signal::ctrl_c().await.is_ok();
                        if !got || tx.send(()).is_err() {
                            return;
                        }
                    }
                });
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self(rx)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(std::io::Error::other("the Ctrl-C thread stopped")),
        }
    }

    /// Forgets an interrupt that came while no query was running.
    fn drain(&mut self) {
        while self.0.try_recv().is_ok() {}
    }

    async fn recv(&mut self) {
        // A closed channel never resolves: no interrupt can come any more.
        if self.0.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    }
}

/// What a meta-command asks of the loop.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    /// Go on; `true` if it worked.
    Continue(bool),
    /// Another snapshot was opened: refresh completion.
    Reopened,
    /// End the session.
    Quit,
}

struct Session {
    rt: tokio::runtime::Runtime,
    engine: Arc<Engine>,
    /// What one statement may use (also for a snapshot opened with `\open`).
    limits: Limits,
    format: QueryFormat,
    timing: bool,
    /// Set on a terminal: Ctrl-C cancels the running query.
    interrupts: Option<Interrupts>,
}

/// Prints an error and its advice on stderr; the session goes on.
fn report(err: CliError) -> Result<(), CliError> {
    match err.rendered() {
        None => Err(CliError::BrokenPipe),
        Some(text) => {
            eprint!("{text}");
            Ok(())
        }
    }
}

fn format_name(format: QueryFormat) -> &'static str {
    match format {
        QueryFormat::Table => "table",
        QueryFormat::Csv => "csv",
        QueryFormat::Json => "json",
        QueryFormat::Ndjson => "ndjson",
    }
}

impl Session {
    /// Runs a query; on a terminal, Ctrl-C cancels it.
    fn query(&mut self, sql: &str) -> Result<Vec<RecordBatch>, EngineError> {
        let engine = Arc::clone(&self.engine);
        let canceller = Arc::clone(&self.engine);
        let sql = sql.to_owned();
        let interrupts = self.interrupts.as_mut();
        self.rt.block_on(async move {
            let mut task = tokio::spawn(async move { engine.query(&sql).await });
            let joined = match interrupts {
                Some(interrupts) => {
                    interrupts.drain();
                    tokio::select! {
                        joined = &mut task => joined,
                        () = interrupts.recv() => {
                            // The evaluating functions stop at their next batch, also
                            // where the query never yields to the scheduler.
                            canceller.cancel();
                            task.abort();
                            return Err(EngineError::Cancelled);
                        }
                    }
                }
                None => task.await,
            };
            joined.map_err(|e| EngineError::Internal(format!("the query stopped: {e}")))?
        })
    }

    /// Runs one statement and prints its result; `Ok(false)` if it failed (reported).
    fn statement(&mut self, sql: &str) -> Result<bool, CliError> {
        let started = Instant::now();
        match self.query(sql) {
            Ok(batches) => {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                write_batches(&batches, self.format, &mut out)?;
                out.flush()?;
                if self.timing {
                    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
                    let noun = if rows == 1 { "row" } else { "rows" };
                    eprintln!("{rows} {noun} in {:.3} s", started.elapsed().as_secs_f64());
                }
                Ok(true)
            }
            Err(e @ (EngineError::Cancelled | EngineError::Timeout(_))) => {
                // Some operators (cross joins) yield to the scheduler only rarely, so the
                // aborted query may keep the runtime's workers busy for a long time: leave
                // that runtime to finish in the background and go on with a fresh one.
                let fresh = crate::commands::query::runtime()?;
                std::mem::replace(&mut self.rt, fresh).shutdown_background();
                if matches!(e, EngineError::Cancelled) {
                    eprintln!("query cancelled");
                } else {
                    report(e.into())?;
                }
                Ok(false)
            }
            Err(e) => {
                report(e.into())?;
                Ok(false)
            }
        }
    }

    /// Runs a meta-command line.
    fn meta(&mut self, line: &str) -> Result<Flow, CliError> {
        let cmd = match line.parse::<Command>() {
            Ok(cmd) => cmd,
            Err(e) => {
                report(CliError::with_help(e.message, e.help))?;
                return Ok(Flow::Continue(false));
            }
        };
        let mut text = String::new();
        let flow = match cmd {
            Command::Quit => return Ok(Flow::Quit),
            Command::Help => {
                let mut table = output::table(["command", "what it does"]);
                for (name, what) in command::HELP {
                    table.add_row([*name, *what]);
                }
                text = format!(
                    "{table}\nStatements end with `;` and may span lines. Tab completes; \
                     Ctrl-C cancels a running query; Ctrl-D quits.\n"
                );
                Flow::Continue(true)
            }
            Command::ListTables => {
                text = self.list_tables();
                Flow::Continue(true)
            }
            Command::Describe(name) => match self.describe(&name) {
                Ok(t) => {
                    text = t;
                    Flow::Continue(true)
                }
                Err(e) => {
                    report(e)?;
                    Flow::Continue(false)
                }
            },
            Command::ListFunctions => {
                for f in iamsnap_engine::function_docs() {
                    text.push_str(&format!(
                        "{}\n    {}\n    example: {}\n\n",
                        f.signature, f.description, f.example
                    ));
                }
                Flow::Continue(true)
            }
            Command::Format(None) => {
                text = format!("output format: {}\n", format_name(self.format));
                Flow::Continue(true)
            }
            Command::Format(Some(format)) => {
                self.format = format;
                text = format!("output format: {}\n", format_name(format));
                Flow::Continue(true)
            }
            Command::Timing(on) => {
                self.timing = on.unwrap_or(!self.timing);
                text = format!("timing is {}\n", if self.timing { "on" } else { "off" });
                Flow::Continue(true)
            }
            Command::Open { snapshot, old } => {
                match self
                    .rt
                    .block_on(open(&snapshot, old.as_deref(), self.limits))
                {
                    Ok(engine) => {
                        self.engine = Arc::new(engine);
                        text = format!("opened {}\n", self.describe_snapshot());
                        Flow::Reopened
                    }
                    Err(e) => {
                        report(e.into())?;
                        Flow::Continue(false)
                    }
                }
            }
        };
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(flow)
    }

    fn describe_snapshot(&self) -> String {
        let snap = self.engine.snapshot();
        match self.engine.old_snapshot() {
            Some(old) => format!(
                "{} (as new) and {} (as old)",
                snap.path().display(),
                old.path().display()
            ),
            None => snap.path().display().to_string(),
        }
    }

    fn list_tables(&self) -> String {
        let mut table = output::table(["table", "rows", "one row is"]);
        for t in self.engine.tables() {
            let (snap, bare) = match t.name.split_once('.') {
                Some(("old", bare)) => (self.engine.old_snapshot(), bare),
                Some((_, bare)) => (Some(self.engine.snapshot()), bare),
                None => (Some(self.engine.snapshot()), t.name.as_str()),
            };
            let rows = snap
                .and_then(|s| s.entry(bare).ok())
                .map_or_else(|| "view".to_owned(), |e| e.rows.to_string());
            table.add_row([t.name.as_str(), rows.as_str(), t.doc.as_str()]);
        }
        format!("{table}\n")
    }

    fn describe(&self, name: &str) -> Result<String, CliError> {
        let tables = self.engine.tables();
        let Some(t) = tables.iter().find(|t| t.name.eq_ignore_ascii_case(name)) else {
            let close: Vec<&str> = tables
                .iter()
                .map(|t| t.name.as_str())
                .filter(|n| n.contains(name) || name.contains(*n))
                .collect();
            let help = if close.is_empty() {
                "`\\dt` lists the tables".to_owned()
            } else {
                format!("did you mean {}? `\\dt` lists the tables", close.join(", "))
            };
            return Err(CliError::with_help(format!("no table `{name}`"), help));
        };
        let mut table = output::table(["column", "type", "meaning"]);
        for (col, ty, doc) in &t.columns {
            table.add_row([col, ty, doc]);
        }
        Ok(format!("{}: {}\n{table}\n", t.name, t.doc))
    }
}

/// Where history is kept: `$XDG_STATE_HOME/iamsnap/history`, or
/// `~/.local/state/iamsnap/history`.
fn history_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".local").join("state"))
        })?;
    Some(base.join("iamsnap").join("history"))
}

/// History on disk; failures are warnings, once.
struct History {
    path: Option<PathBuf>,
    warned: bool,
}

impl History {
    fn open(rl: &mut Editor<ReplHelper, FileHistory>) -> Self {
        let mut history = Self {
            path: history_path(),
            warned: false,
        };
        let Some(path) = history.path.clone() else {
            history.warn("no home or state directory");
            return history;
        };
        if let Some(dir) = path.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            history.warn(&format!("cannot create `{}`: {e}", dir.display()));
            return history;
        }
        if path.exists()
            && let Err(e) = rl.load_history(&path)
        {
            history.warn(&format!("cannot read `{}`: {e}", path.display()));
        }
        history
    }

    fn warn(&mut self, what: &str) {
        if !self.warned {
            eprintln!("warning: history is not saved: {what}");
            self.warned = true;
        }
    }

    fn add(&mut self, rl: &mut Editor<ReplHelper, FileHistory>, entry: &str) {
        if let Err(e) = rl.add_history_entry(entry) {
            self.warn(&e.to_string());
            return;
        }
        if let Some(path) = self.path.clone()
            && let Err(e) = rl.append_history(&path)
        {
            self.warn(&format!("cannot write `{}`: {e}", path.display()));
        }
    }
}

fn readline_error(e: ReadlineError) -> CliError {
    CliError::new(format!("cannot read the terminal: {e}"))
}

fn is_quit_word(line: &str) -> bool {
    matches!(
        line.trim().trim_end_matches(';').trim_end(),
        "quit" | "exit"
    )
}

/// The interactive loop on a terminal.
fn interactive(session: &mut Session) -> Result<Exit, CliError> {
    match Interrupts::install() {
        Ok(i) => session.interrupts = Some(i),
        Err(e) => eprintln!("warning: Ctrl-C will not cancel queries: {e}"),
    }
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .build();
    let mut rl: Editor<ReplHelper, FileHistory> =
        Editor::with_config(config).map_err(readline_error)?;
    rl.set_helper(Some(ReplHelper::new(&session.engine.tables())));
    let mut history = History::open(&mut rl);
    println!(
        "iamsnap repl on {}\nStatements end with `;`. `\\?` for help, `\\q` or Ctrl-D to quit.",
        session.describe_snapshot()
    );

    let mut pending = String::new();
    loop {
        if let Some(h) = rl.helper_mut() {
            h.set_pending(&pending);
        }
        let prompt = if pending.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        let line = match rl.readline(prompt) {
            Ok(line) => line,
            // Ctrl-C at the prompt: drop what was typed.
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(readline_error(e)),
        };
        if pending.is_empty() && line.trim_start().starts_with('\\') {
            history.add(&mut rl, line.trim());
            match session.meta(&line)? {
                Flow::Quit => break,
                Flow::Reopened => {
                    if let Some(h) = rl.helper_mut() {
                        h.set_tables(&session.engine.tables());
                    }
                }
                Flow::Continue(_) => {}
            }
            continue;
        }
        if pending.is_empty() && is_quit_word(&line) {
            history.add(&mut rl, line.trim());
            break;
        }
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(&line);
        let split = split_statements(&pending);
        for stmt in &split.statements {
            history.add(&mut rl, &format!("{stmt};"));
            session.statement(stmt)?;
        }
        pending = if split.rest_is_blank() {
            String::new()
        } else {
            split.rest
        };
    }
    Ok(Exit::Clean)
}

/// Statements from a script: no prompt, no history; exit 2 if any failed.
fn script(session: &mut Session, input: impl BufRead) -> Result<Exit, CliError> {
    let mut pending = String::new();
    let mut total = 0usize;
    let mut failed = 0usize;
    let mut quit = false;
    for line in input.lines() {
        let line = line.map_err(|e| CliError::new(format!("cannot read stdin: {e}")))?;
        if pending.is_empty() && line.trim_start().starts_with('\\') {
            total += 1;
            match session.meta(&line)? {
                Flow::Quit => {
                    quit = true;
                    break;
                }
                Flow::Continue(false) => failed += 1,
                Flow::Continue(true) | Flow::Reopened => {}
            }
            continue;
        }
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(&line);
        let split = split_statements(&pending);
        for stmt in &split.statements {
            total += 1;
            if !session.statement(stmt)? {
                failed += 1;
            }
        }
        pending = if split.rest_is_blank() {
            String::new()
        } else {
            split.rest
        };
    }
    // A last statement without its `;`.
    if !quit && !pending.is_empty() {
        total += 1;
        if !session.statement(pending.trim())? {
            failed += 1;
        }
    }
    if failed > 0 {
        let noun = if total == 1 {
            "statement"
        } else {
            "statements"
        };
        return Err(CliError::with_help(
            format!("{failed} of {total} {noun} failed"),
            "each error is printed above, after the output of the statements before it",
        ));
    }
    Ok(Exit::Clean)
}
