//! SQL over iamsnap snapshots.
//!
//! An [`Engine`] is a DataFusion session with every table of a snapshot registered from its
//! Parquet file, derived views (`principals`, `actions`, ...) and IAM-aware functions backed
//! by the policy evaluator and the action catalog. Queries are read-only: DDL, DML, `COPY`
//! and `SET` are refused, so nothing a query says can write a file.

mod assume_paths;
mod engine;
mod error;
mod external_access;
mod functions;
mod limits;
mod model;
mod permissions;
mod regex_limit;
mod simulate;
mod stream;
mod views;
mod who_can;

pub use engine::{Engine, TableInfo};
pub use error::EngineError;
pub use functions::{FunctionDoc, expr, function_docs, per_snapshot_functions};
pub use limits::{
    DEFAULT_MEMORY_LIMIT, Limits, MAX_NESTING, MAX_RELATIONS, format_bytes, format_duration,
    panic_message,
};
pub use views::{ENTITY_VIEWS, EntityView, derived_tables, entity_view};

/// The snapshot tables a table the engine computes from the access model is made of
/// (`permissions`, `external_access`): what a query of it reads. `None` for other tables.
pub fn computed_from(table: &str) -> Option<Vec<&'static str>> {
    let model = iamsnap_access::Model::TABLES.iter().copied();
    match table {
        "permissions" => Some(model.collect()),
        "external_access" => Some(model.chain(["resource_policies"]).collect()),
        _ => None,
    }
}
