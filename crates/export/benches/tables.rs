//! Import without the disk: reading an authorization-details page (JSON → typed model) and
//! building every snapshot table from it (policy documents decoded, parsed and validated,
//! statements flattened, trust principals classified, credential report joined).
//!
//! The input is the account `iamsnap generate --roles 2000 --seed 7` writes, made by the
//! generator crate and serialized as the command serializes it: the same bytes
//! `scripts/bench` imports, URL-encoded documents included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use iamsnap_generate::GenerateOptions;
use iamsnap_import::auth_details::AuthDetails;
use iamsnap_import::credential_report::CredentialReport;
use iamsnap_import::model::Extras;
use iamsnap_import::{Page, build_tables_with};
use serde::Serialize;

const ROLES: usize = 2000;

/// The generated account as `iamsnap generate` writes it, and its credential report.
fn input() -> (Vec<u8>, String) {
    let generated = iamsnap_generate::generate(&GenerateOptions {
        roles: ROLES,
        seed: 7,
        // The command's default "now".
        at: Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap(),
        account_id: "111122223333".to_owned(),
        drift: false,
        drift_at: None,
        organization: None,
    })
    .unwrap();
    let mut json = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut json,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    generated.details.serialize(&mut ser).unwrap();
    json.push(b'\n');
    (json, generated.credential_report_csv)
}

fn bench(c: &mut Criterion) {
    let (json, csv) = input();
    let details = AuthDetails::read(json.as_slice(), "account.json").unwrap();
    let report = CredentialReport::read(csv.as_bytes(), "report.csv").unwrap();
    let pages = vec![Page {
        file: "account.json".to_owned(),
        details,
        account: None,
    }];
    let extras = Extras::default();
    let imported = build_tables_with(&pages, &[("report.csv", &report)], false, &extras).unwrap();
    let rows = |name: &str| {
        imported
            .tables
            .iter()
            .find(|(t, _)| t.name == name)
            .map_or(0, |(_, b)| b.num_rows())
    };
    eprintln!(
        "{ROLES} roles: {} bytes of JSON; {} policies, {} statements, {} trust rows, {} attachments",
        json.len(),
        rows("policies"),
        rows("statements"),
        rows("trust"),
        rows("attachments"),
    );

    // Milliseconds per iteration: as many iterations in every sample.
    let mut group = c.benchmark_group("import");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("read_auth_details_2000_roles", |b| {
        b.iter(|| {
            black_box(AuthDetails::read(
                black_box(json.as_slice()),
                "account.json",
            ))
        });
    });
    group.throughput(Throughput::Elements(ROLES as u64));
    group.bench_function("build_tables_2000_roles", |b| {
        b.iter(|| {
            black_box(build_tables_with(
                black_box(&pages),
                &[("report.csv", &report)],
                false,
                &extras,
            ))
        });
    });
    // Reading and building together, as `import` does before writing Parquet; the pages are
    // dropped outside the timing, as the input is dropped after the tables are built.
    group.bench_function("read_and_build_2000_roles", |b| {
        b.iter_batched(
            || (),
            |()| {
                let details = AuthDetails::read(json.as_slice(), "account.json").unwrap();
                let pages = [Page {
                    file: "account.json".to_owned(),
                    details,
                    account: None,
                }];
                let tables = build_tables_with(&pages, &[("report.csv", &report)], false, &extras);
                (pages, tables)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
