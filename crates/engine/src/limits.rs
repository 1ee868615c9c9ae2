//! What one query may use: memory, time, and how deeply its SQL may nest.
//!
//! SQL and rule packs may come from someone else. A query runs in a task of its own, so a
//! panic inside DataFusion becomes an error; its memory is DataFusion's memory pool, which
//! also counts the collected result; a watchdog thread, independent of the query runtime,
//! stops it when its time is up; and a statement that nests deeper than the planner can
//! recurse is refused before it is planned.

use std::future::Future;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::sql::sqlparser::ast::{Expr, Query, Select, TableFactor, Visit, Visitor};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use futures::StreamExt;

use crate::error::EngineError;

/// The memory a query may use unless told otherwise: 2 GiB.
pub const DEFAULT_MEMORY_LIMIT: usize = 2 << 30;

/// How deeply expressions and subqueries may nest in one statement.
pub const MAX_NESTING: usize = 256;

/// How many `SELECT`s and tables (each join adds one) one statement may have.
pub const MAX_RELATIONS: usize = 512;

/// Bounds on what one query may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes for the query's operators (hash tables, sorts, aggregates) and its collected
    /// result together. Nothing spills to disk: a query that needs more fails.
    pub memory: usize,
    /// Wall-clock time of one statement; `None`: no limit.
    pub timeout: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory: DEFAULT_MEMORY_LIMIT,
            timeout: None,
        }
    }
}

/// The runtime of a session under `limits`: a memory pool of that size and no spilling to
/// temporary files (a query writes nothing).
pub(crate) fn runtime_env(limits: &Limits) -> Result<Arc<RuntimeEnv>, EngineError> {
    RuntimeEnvBuilder::new()
        .with_memory_limit(limits.memory, 1.0)
        .with_disk_manager_builder(
            DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
        )
        .build_arc()
        .map_err(|e| EngineError::Internal(format!("cannot set up the query runtime: {e}")))
}

/// Reads `stream` to its end, counting every batch against the session's memory pool: a
/// result larger than the memory limit is an error, not an exhausted machine.
pub(crate) async fn collect(
    mut stream: SendableRecordBatchStream,
    env: &RuntimeEnv,
) -> Result<Vec<RecordBatch>, DataFusionError> {
    let reservation = MemoryConsumer::new("the query result").register(&env.memory_pool);
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        reservation.try_grow(batch.get_array_memory_size())?;
        batches.push(batch);
    }
    Ok(batches)
}

/// Counts nesting and relations while visiting a statement; stops at the first excess.
#[derive(Debug, Default)]
struct Nesting {
    depth: usize,
    relations: usize,
}

/// What is too large in a statement.
#[derive(Debug)]
enum Excess {
    Nesting,
    Relations,
}

impl Nesting {
    fn enter(&mut self) -> ControlFlow<Excess> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            ControlFlow::Break(Excess::Nesting)
        } else {
            ControlFlow::Continue(())
        }
    }

    fn leave(&mut self) -> ControlFlow<Excess> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn relation(&mut self) -> ControlFlow<Excess> {
        self.relations += 1;
        if self.relations > MAX_RELATIONS {
            ControlFlow::Break(Excess::Relations)
        } else {
            ControlFlow::Continue(())
        }
    }
}

impl Visitor for Nesting {
    type Break = Excess;

    fn pre_visit_expr(&mut self, _: &Expr) -> ControlFlow<Excess> {
        self.enter()
    }

    fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<Excess> {
        self.leave()
    }

    fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<Excess> {
        self.enter()
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<Excess> {
        self.leave()
    }

    fn pre_visit_select(&mut self, _: &Select) -> ControlFlow<Excess> {
        self.relation()
    }

    fn pre_visit_table_factor(&mut self, _: &TableFactor) -> ControlFlow<Excess> {
        self.relation()
    }
}

/// Refuses a statement that nests deeper, or joins and unions more, than the planner can
/// take: DataFusion plans by recursion, and a deep enough expression (`1+1+…+1` with
/// thousands of terms) would overflow the stack. Text that does not parse is left to
/// DataFusion, which reports the syntax error.
pub(crate) fn check_nesting(sql: &str) -> Result<(), EngineError> {
    let Ok(statements) = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
    else {
        return Ok(());
    };
    let mut nesting = Nesting::default();
    let excess = match statements.visit(&mut nesting) {
        ControlFlow::Continue(()) => return Ok(()),
        ControlFlow::Break(excess) => excess,
    };
    // Dropping a tree as deep as this one recurses as deeply as planning it would: it is
    // left to the end of the process (its size is that of the statement's text).
    std::mem::forget(statements);
    let message = match excess {
        Excess::Nesting => {
            format!("the statement nests expressions or subqueries more than {MAX_NESTING} deep")
        }
        Excess::Relations => format!(
            "the statement has more than {MAX_RELATIONS} `SELECT`s and tables (each join and union adds one)"
        ),
    };
    Err(EngineError::Query {
        message,
        help: Some(
            "split it into smaller statements; a long chain such as `a + b + c + …` or `x = 1 or x = 2 or …` is better written with a list (`x in (1, 2, …)`)".to_owned(),
        ),
    })
}

/// Aborts the task when dropped: a query whose caller is gone stops at its next yield.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `work` in a task of its own, within `timeout`.
///
/// A panic inside it (also one re-raised from a task DataFusion spawned) is an
/// [`EngineError::Internal`]. When the time is up, `cancelled` is set, which stops the
/// IAM-aware functions at their next batch even inside an operator that never yields, the
/// task is aborted (other operators stop at their next yield) and the result is
/// [`EngineError::Timeout`] at once, whether or not the task has stopped yet. The watch is
/// kept by a thread of its own, so it fires even while the query keeps every worker of the
/// runtime busy.
pub(crate) async fn guarded<F>(
    work: F,
    timeout: Option<Duration>,
    cancelled: &Arc<AtomicBool>,
) -> Result<Result<Vec<RecordBatch>, DataFusionError>, EngineError>
where
    F: Future<Output = Result<Vec<RecordBatch>, DataFusionError>> + Send + 'static,
{
    let mut task = AbortOnDrop(tokio::spawn(work));
    let (fired_tx, mut fired_rx) = tokio::sync::oneshot::channel::<()>();
    // Dropped when this function returns: the watchdog then ends without firing.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let fired = Arc::new(AtomicBool::new(false));
    if let Some(limit) = timeout {
        let cancelled = Arc::clone(cancelled);
        let fired = Arc::clone(&fired);
        std::thread::Builder::new()
            .name("iamsnap-timeout".to_owned())
            .spawn(move || {
                if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(limit)
                {
                    fired.store(true, Ordering::SeqCst);
                    cancelled.store(true, Ordering::SeqCst);
                    let _ = fired_tx.send(());
                }
            })
            .map_err(|e| EngineError::Internal(format!("cannot start the query's timer: {e}")))?;
    } else {
        drop(fired_tx);
    }
    let limit = timeout.unwrap_or_default();
    let joined = tokio::select! {
        joined = &mut task.0 => joined,
        Ok(()) = &mut fired_rx => return Err(EngineError::Timeout(limit)),
    };
    drop(done_tx);
    if fired.load(Ordering::SeqCst) {
        // The result (most likely "cancelled") came in just as the time was up.
        return Err(EngineError::Timeout(limit));
    }
    match joined {
        Ok(result) => Ok(result),
        Err(e) if e.is_panic() => Err(EngineError::Internal(panic_message(e.into_panic()))),
        Err(e) => Err(EngineError::Internal(format!("the query stopped: {e}"))),
    }
}

/// The text of a panic's payload.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// `bytes` for people: `256 MiB`, `2 GiB`, `1.5 GiB`.
pub fn format_bytes(bytes: usize) -> String {
    const UNITS: [(&str, usize); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            let whole = bytes / size;
            let tenths = (bytes % size) * 10 / size;
            return if tenths == 0 {
                format!("{whole} {unit}")
            } else {
                format!("{whole}.{tenths} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// `duration` for people: `500 ms`, `60 s`, `1.5 s`, `10 min`.
pub fn format_duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms >= 120_000 && ms.is_multiple_of(60_000) {
        format!("{} min", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}
