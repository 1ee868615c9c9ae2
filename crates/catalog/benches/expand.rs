//! Wildcard expansion against the catalog: 10,000 realistic patterns (literals, `Prefix*`,
//! `service:*`, `*Suffix`, cross-service wildcards) expanded to one action set; and the
//! actions that can apply to 3,000 `Resource` patterns.

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

/// `Resource` patterns as accounts write them: ARNs of every resource type with names
/// filled in, some ending in `/*` or `*`, some with `*` for region and account.
fn resource_patterns(c: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    let types = c.services().iter().flat_map(|s| s.resource_types());
    for (i, rt) in types.enumerate().take(3_000) {
        let mut arn = String::new();
        let mut rest = rt.arn_format();
        while let Some(start) = rest.find("${") {
            arn.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .map_or(rest.len(), |e| start + e + 1);
            arn.push_str(match &rest[start..end] {
                "${Partition}" => "aws",
                "${Region}" if i % 3 == 0 => "*",
                "${Region}" => "us-east-1",
                "${Account}" if i % 3 == 0 => "*",
                "${Account}" => "111122223333",
                _ => "acme-app",
            });
            rest = &rest[end..];
        }
        arn.push_str(rest);
        match i % 4 {
            0 => arn.push_str("/*"),
            1 => arn.push('*'),
            _ => {}
        }
        out.push(arn);
    }
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
    let resources = resource_patterns(catalog);
    group.throughput(Throughput::Elements(resources.len() as u64));
    group.bench_function("actions_for_3k_resource_patterns", |b| {
        b.iter(|| {
            for p in &resources {
                black_box(catalog.actions_for_resource(black_box(p)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
