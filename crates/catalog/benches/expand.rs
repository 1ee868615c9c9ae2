//! Wildcard expansion against the catalog: 10,000 realistic patterns (literals, `Prefix*`,
//! `service:*`, `*Suffix`, cross-service wildcards) expanded to one action set.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamsnap_catalog::Catalog;

fn patterns(c: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    for (i, action) in c.actions().step_by(2).enumerate().take(10_000) {
        let name = action.name();
        out.push(match i % 10 {
            0..=5 => action.full_name().to_owned(),
            6 | 7 => format!("{}:{}*", action.service(), &name[..3.min(name.len())]),
            8 => format!("{}:*", action.service()),
            _ => format!(
                "{}:*{}",
                action.service(),
                &name[name.len().saturating_sub(4)..]
            ),
        });
    }
    out.extend(["*Object", "*:Get*", "ec2:Describe*"].map(String::from));
    out
}

fn bench(c: &mut Criterion) {
    let catalog = Catalog::embedded().unwrap();
    let patterns = patterns(catalog);
    let mut group = c.benchmark_group("catalog");
    group.throughput(Throughput::Elements(patterns.len() as u64));
    group.bench_function("expand_all_10k_patterns", |b| {
        b.iter(|| black_box(catalog.expand_all(black_box(&patterns))));
    });
    group.bench_function("expand_not_iam", |b| {
        b.iter(|| black_box(catalog.expand_not(black_box(["iam:*"]))));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
