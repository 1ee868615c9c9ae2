//! IAM-aware SQL functions.

mod access;
pub(crate) use access::{parse_context, session_policy};
mod basic;
pub mod expr;
mod matching;
mod udf;

use datafusion::execution::context::SessionContext;
use std::sync::Arc;

use iamsnap_snapshot::Snapshot;

use crate::model::SharedModel;

/// A function's documentation, for `\df` in the REPL and the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDoc {
    /// Name.
    pub name: &'static str,
    /// Signature, e.g. `age_days(timestamp) -> bigint`.
    pub signature: &'static str,
    /// What it returns.
    pub description: &'static str,
    /// An example query.
    pub example: &'static str,
}

/// Every iamsnap function, documented.
pub fn function_docs() -> Vec<FunctionDoc> {
    let mut docs = basic::docs();
    docs.extend(matching::docs());
    docs.extend(access::docs());
    docs.push(crate::simulate::doc());
    docs.push(crate::who_can::doc());
    docs.push(crate::assume_paths::doc());
    docs
}

/// Registers every function; those that depend on the snapshot (ages relative to its
/// capture time, access evaluation) use `snapshot` and its `model`.
pub(crate) fn register(ctx: &SessionContext, snapshot: &Snapshot, model: Arc<SharedModel>) {
    basic::register(ctx, snapshot, "");
    matching::register(ctx);
    access::register(ctx, Arc::clone(&model), "");
    crate::simulate::register(ctx, Arc::clone(&model));
    crate::who_can::register(ctx, Arc::clone(&model));
    crate::assume_paths::register(ctx, model);
}

/// Registers the functions that depend on a snapshot once more under `<schema>.<name>`
/// (`old.can`, `new.age_days`), answering for that snapshot of a pair.
pub(crate) fn register_for_schema(
    ctx: &SessionContext,
    schema: &str,
    snapshot: &Snapshot,
    model: Arc<SharedModel>,
) {
    let prefix = format!("{schema}.");
    basic::register(ctx, snapshot, &prefix);
    access::register(ctx, model, &prefix);
}

/// The names of the functions [`register_for_schema`] qualifies.
pub fn per_snapshot_functions() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = basic::docs()
        .into_iter()
        .chain(access::docs())
        .map(|d| d.name)
        .filter(|n| {
            !matches!(
                *n,
                "account_of"
                    | "simulate"
                    | "who_can"
                    | "assume_paths"
                    | "trust_with_source_account"
            )
        })
        .collect();
    names.push("explain_access");
    names
}
