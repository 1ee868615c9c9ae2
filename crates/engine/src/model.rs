//! The access model of the engine's snapshot ([`iamsnap_access::Model`]), built once per
//! engine on first use (by `can`, `explain`, the `principals` view or a scan of
//! `permissions`) and shared by every function and table: every document is parsed and
//! compiled once, never per row.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use datafusion::error::DataFusionError;
use datafusion::execution::context::SessionContext;
use iamsnap_access::Model;
use iamsnap_snapshot::Snapshot;

pub(crate) use iamsnap_access::resources::any_arns;
pub(crate) use iamsnap_access::{AttachedPolicy, Principal, Verdict};

/// The model of one snapshot, built on first use.
#[derive(Debug)]
pub(crate) struct SharedModel {
    snapshot: Snapshot,
    cell: OnceLock<Result<Arc<Model>, String>>,
    /// Set once every document is parsed (before the first evaluation).
    prepared: OnceLock<()>,
    /// Set when the running query is cancelled: every function and table that evaluates
    /// asks for the model before each batch, and then stops the query.
    cancelled: Arc<AtomicBool>,
}

impl SharedModel {
    /// The model of `snapshot`, built on the first [`SharedModel::get`].
    pub(crate) fn new(snapshot: Snapshot, cancelled: Arc<AtomicBool>) -> Self {
        Self {
            snapshot,
            cell: OnceLock::new(),
            prepared: OnceLock::new(),
            cancelled,
        }
    }

    /// An error once the running query is cancelled: long loops over rows ask it as they go.
    pub(crate) fn check_cancelled(&self) -> Result<(), DataFusionError> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(DataFusionError::Execution(
                "the query was cancelled".to_owned(),
            ));
        }
        Ok(())
    }

    /// The model, building it on the first call, with every document parsed (on every
    /// core) before the first evaluation; an error once the query is cancelled.
    pub(crate) fn get(&self) -> Result<Arc<Model>, DataFusionError> {
        let model = self.principals()?;
        self.prepared.get_or_init(|| model.prepare());
        Ok(model)
    }

    /// The model, building it on the first call, its documents parsed only as evaluations
    /// need them: for questions about the principals themselves (`is_nhi`).
    pub(crate) fn principals(&self) -> Result<Arc<Model>, DataFusionError> {
        self.check_cancelled()?;
        self.cell
            .get_or_init(|| Model::from_snapshot(&self.snapshot).map(Arc::new))
            .clone()
            .map_err(DataFusionError::Execution)
    }
}

/// The model shared by every function and table of `ctx`: created on the first call (it
/// lives in the session's configuration), built on the first evaluation.
pub(crate) fn shared(
    ctx: &SessionContext,
    snapshot: &Snapshot,
    cancelled: &Arc<AtomicBool>,
) -> Arc<SharedModel> {
    let state = ctx.state_ref();
    let mut state = state.write();
    if let Some(model) = state.config().get_extension::<SharedModel>() {
        return model;
    }
    let model = Arc::new(SharedModel::new(snapshot.clone(), Arc::clone(cancelled)));
    state.config_mut().set_extension(Arc::clone(&model));
    model
}
