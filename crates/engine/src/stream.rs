//! Relations computed a batch at a time, while the query reads them.
//!
//! `permissions` and `simulate(...)` can be far larger than memory on a big account
//! (principals × actions): they are produced on demand, split over partitions so every core
//! works, and stop as soon as the query has what it needs (`limit`) or is cancelled (the
//! stream is dropped between two batches).

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};

/// Makes the batches of one partition: `make(partition, partitions, batch_rows)` returns an
/// iterator that computes each batch when it is asked for.
pub(crate) type MakeBatches = dyn Fn(usize, usize, usize) -> Box<dyn Iterator<Item = Result<RecordBatch>> + Send>
    + Send
    + Sync;

struct Partition {
    schema: SchemaRef,
    index: usize,
    count: usize,
    make: Arc<MakeBatches>,
}

impl std::fmt::Debug for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Partition")
            .field("index", &self.index)
            .field("count", &self.count)
            .finish()
    }
}

impl PartitionStream for Partition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let batch_rows = ctx.session_config().batch_size().max(1);
        let batches = (self.make)(self.index, self.count, batch_rows);
        Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            futures::stream::iter(batches),
        ))
    }
}

/// The batches `batch` makes, one per call, until it gives `None`; after an error, none.
pub(crate) fn batches<F>(mut batch: F) -> impl Iterator<Item = Result<RecordBatch>> + Send
where
    F: FnMut() -> Result<Option<RecordBatch>> + Send,
{
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let next = batch().transpose();
        done = !matches!(next, Some(Ok(_)));
        next
    })
}

/// A plan reading `partitions` partitions made by `make`, projected and limited as the
/// scan asks.
pub(crate) fn lazy_exec(
    schema: SchemaRef,
    partitions: usize,
    make: Arc<MakeBatches>,
    projection: Option<&Vec<usize>>,
    limit: Option<usize>,
) -> Result<Arc<dyn ExecutionPlan>> {
    let count = partitions.max(1);
    let parts: Vec<Arc<dyn PartitionStream>> = (0..count)
        .map(|index| {
            Arc::new(Partition {
                schema: Arc::clone(&schema),
                index,
                count,
                make: Arc::clone(&make),
            }) as Arc<dyn PartitionStream>
        })
        .collect();
    Ok(Arc::new(StreamingTableExec::try_new(
        schema,
        parts,
        projection,
        Vec::new(),
        false,
        limit,
    )?))
}

/// A table whose rows are computed while a query reads them (`simulate(...)`,
/// `who_can(...)`, `assume_paths(...)`, `external_access`): `make` makes each partition's
/// batches.
pub(crate) struct Computed {
    schema: SchemaRef,
    /// How many partitions; `None`: as many as the session's target.
    partitions: Option<usize>,
    table_type: TableType,
    make: Arc<MakeBatches>,
}

impl Computed {
    /// The result of a table function, over `partitions` partitions (`None`: the session's
    /// target).
    pub(crate) fn function(
        schema: SchemaRef,
        partitions: Option<usize>,
        make: Arc<MakeBatches>,
    ) -> Self {
        Self {
            schema,
            partitions,
            table_type: TableType::Temporary,
            make,
        }
    }

    /// A table of the engine, like a view.
    pub(crate) fn table(
        schema: SchemaRef,
        partitions: Option<usize>,
        make: Arc<MakeBatches>,
    ) -> Self {
        Self {
            table_type: TableType::View,
            ..Self::function(schema, partitions, make)
        }
    }
}

impl std::fmt::Debug for Computed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Computed")
            .field("schema", &self.schema)
            .field("partitions", &self.partitions)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TableProvider for Computed {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        self.table_type
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let partitions = self
            .partitions
            .unwrap_or_else(|| state.config().target_partitions());
        lazy_exec(
            Arc::clone(&self.schema),
            partitions,
            Arc::clone(&self.make),
            projection,
            limit,
        )
    }
}
