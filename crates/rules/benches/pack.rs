//! The shipped non-human-identity pack over the committed demo snapshot
//! (`snapshots/demo-2026-11-22`, 122 roles; `IAMSNAP_BENCH_SNAPSHOT` names another one):
//!
//! - `rules/open_snapshot`: open the snapshot (every file's sha256 verified), register its
//!   tables, views and functions;
//! - `rules/plan_nhi_pack`: compile every rule of the pack to a logical plan, on an open
//!   snapshot (plans only, nothing runs);
//! - `rules/check_nhi_pack`: open, plan and run the whole pack, as `iamsnap check` does
//!   without the process start and the report;
//! - `rule/<ID>`: the same for one rule (`iamsnap check --rule ID`). A fresh session each
//!   time: answers per principal that rules share in a pack (`is_admin`, escalations, the
//!   policies compiled for `can`) are computed again for each rule, so these times add up
//!   to more than the pack's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use iamsnap_engine::Engine;
use iamsnap_rules::{Pack, compile_pack, run_rules};
use tokio::runtime::Runtime;

fn snapshot() -> PathBuf {
    match std::env::var_os("IAMSNAP_BENCH_SNAPSHOT") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots/demo-2026-11-22"),
    }
}

/// Opens the snapshot, plans `pack` and runs it: the number of findings.
async fn check(path: &Path, pack: &Pack) -> usize {
    let engine = Engine::open(path).await.unwrap();
    let rules = compile_pack(engine.context(), pack).await.unwrap();
    run_rules(&engine, &rules, None).await.unwrap().len()
}

fn bench(c: &mut Criterion) {
    // Multi-threaded, as the CLI runs rules.
    let rt = Runtime::new().unwrap();
    let path = snapshot();
    let pack = Pack::embedded("nhi").unwrap().unwrap();
    let findings = rt.block_on(check(&path, &pack));
    eprintln!(
        "{}: {} rules, {findings} findings",
        path.display(),
        pack.rules.len()
    );

    // Milliseconds per iteration: as many iterations in every sample.
    let mut group = c.benchmark_group("rules");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("open_snapshot", |b| {
        b.iter(|| rt.block_on(async { black_box(Engine::open(&path).await.unwrap()) }));
    });
    let engine = rt.block_on(Engine::open(&path)).unwrap();
    group.bench_function("plan_nhi_pack", |b| {
        b.iter(|| {
            rt.block_on(async { black_box(compile_pack(engine.context(), &pack).await.unwrap()) })
        });
    });
    group.bench_function("check_nhi_pack", |b| {
        b.iter(|| black_box(rt.block_on(check(&path, &pack))));
    });
    group.finish();

    let mut group = c.benchmark_group("rule");
    group.sampling_mode(SamplingMode::Flat);
    for rule in &pack.rules {
        let mut one = pack.clone();
        one.rules.retain(|r| r.rule.id.node == rule.rule.id.node);
        group.bench_function(rule.rule.id.node.as_str(), |b| {
            b.iter(|| black_box(rt.block_on(check(&path, &one))));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
