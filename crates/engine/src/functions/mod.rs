//! IAM-aware SQL functions.

mod access;
mod basic;
mod matching;
mod udf;

use datafusion::execution::context::SessionContext;
use iamsnap_snapshot::Snapshot;

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
    docs
}

/// Registers every function; those that depend on the snapshot (ages relative to its
/// capture time, access evaluation) use `snapshot`.
pub(crate) fn register(ctx: &SessionContext, snapshot: &Snapshot) {
    basic::register(ctx, snapshot);
    matching::register(ctx);
    access::register(ctx, crate::model::shared(ctx, snapshot));
}
