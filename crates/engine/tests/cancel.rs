//! `Engine::cancel` stops a query whose operators never yield to the scheduler: a cross
//! join feeding `can`, where aborting the task alone would let it run to the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use iamsnap_engine::{Engine, EngineError};

// Millions of evaluations (the resource depends on all three sides, so `can` runs on every
// row of the cross join): far longer than the wait before cancelling.
const LONG: &str = "select count(*) from roles a, roles b, roles c \
                    where can(a.arn, 'iam:PassRole', b.arn || c.name)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_query_stops_at_its_next_batch() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots/demo-2026-11-22");
    let engine = Arc::new(Engine::open(&demo).await.unwrap());
    // The model is built before: cancelling interrupts evaluation, not the build.
    engine
        .query("select count(*) from roles where can(arn, 'iam:PassRole', '*')")
        .await
        .unwrap();
    let running = Arc::clone(&engine);
    let task = tokio::spawn(async move { running.query(LONG).await });
    // The test thread sleeps, not the runtime: while the query keeps every worker busy,
    // no worker drives tokio's timer, and a `tokio::time::sleep` would wake only when the
    // query ends (the REPL's Ctrl-C comes by a channel, which needs no timer).
    std::thread::sleep(Duration::from_millis(300));
    assert!(!task.is_finished(), "the query must still be running");
    // A query clears the flag when it starts, so a cancel that comes before (a loaded
    // machine may start the task late) is lost: cancel until the query has stopped.
    for _ in 0..600 {
        engine.cancel();
        if task.is_finished() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Run to its end, the query would count rows; cancelled, it fails.
    let result = task.await.unwrap();
    match result {
        Err(EngineError::Query { message, .. }) => {
            assert!(message.contains("cancelled"), "{message}")
        }
        other => panic!("expected a cancelled query, got {other:?}"),
    }
    // The engine answers the next query.
    let batches = engine.query("select count(*) from roles").await.unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
}
