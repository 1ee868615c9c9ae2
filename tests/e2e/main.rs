//! End-to-end tests of the `iamsnap` binary: what a user types, what they get back.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod access_org;
mod bad_input;
mod catalog;
mod check;
mod classification;
mod cloudtrail;
mod cloudtrail_live;
mod common;
mod coverage;
mod demo;
mod diff;
mod diff_catalog;
mod diff_managed;
mod diff_sarif;
mod export;
mod export_org;
mod fix_commands;
mod generate;
mod import;
mod moto;
mod org;
mod org_resources;
mod other_readers;
mod packs;
mod planted;
mod policy;
mod query;
mod repl;
mod resources;
mod sarif;
mod schema;
mod security_files;
mod security_limits;
mod security_packs;
mod security_snapshots;
mod service_linked;
