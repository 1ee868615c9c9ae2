//! A DataFusion session over one snapshot, or two side by side.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use arrow::record_batch::RecordBatch;
use datafusion::catalog::MemorySchemaProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::{SQLOptions, SessionConfig, SessionContext};
use datafusion::logical_expr::LogicalPlan;
use datafusion::object_store::local::LocalFileSystem;
use iamsnap_snapshot::{Snapshot, SnapshotError, TABLES};
use url::Url;

use crate::error::EngineError;
use crate::limits::{self, Limits};
use crate::{functions, views};

/// A snapshot opened for SQL. With two snapshots, their tables are also in the schemas
/// `old` and `new`, and the unqualified names are the new snapshot's.
pub struct Engine {
    ctx: SessionContext,
    snapshot: Snapshot,
    old: Option<Snapshot>,
    /// Set by [`Engine::cancel`]; cleared when the next query starts.
    cancelled: Arc<AtomicBool>,
    /// What one query may use.
    limits: Limits,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("snapshot", &self.snapshot.path())
            .field("old", &self.old.as_ref().map(Snapshot::path))
            .finish()
    }
}

/// A table or view a query can use.
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// Name, qualified (`old.users`) for the schemas of a pair.
    pub name: String,
    /// What one row is.
    pub doc: String,
    /// Columns: name, SQL type, meaning.
    pub columns: Vec<(String, String, String)>,
}

const CATALOG: &str = "datafusion";

/// Registers every table of a verified snapshot, each from exactly the file that was
/// verified: the path is never parsed as a URL or a glob pattern (a folder or file name with
/// `[`, `*`, `?`, `%` or `#` is read as it is), and the file is read as verification decoded
/// it.
async fn register_snapshot(
    ctx: &SessionContext,
    snap: &Snapshot,
    schema: Option<&str>,
) -> Result<(), EngineError> {
    let mut parquet = ctx.copied_table_options().parquet;
    // Verification decodes text as views (as here) and reads neither page indexes nor bloom
    // filters: queries read no part of a file that verification did not.
    parquet.global.schema_force_view_types = true;
    parquet.global.enable_page_index = false;
    parquet.global.bloom_filter_on_read = false;
    let listing = ListingOptions::new(Arc::new(ParquetFormat::new().with_options(parquet)))
        .with_file_extension(".parquet");
    // A snapshot of an older format lacks the tables added since: they are not registered.
    for table in TABLES.iter().filter(|t| snap.has_table(t.name)) {
        let path = snap.table_path(table.name)?;
        let name = match schema {
            Some(s) => format!("{s}.{}", table.name),
            None => table.name.to_owned(),
        };
        let url = literal_url(&path)?;
        let internal = |e: DataFusionError| EngineError::Internal(format!("table `{name}`: {e}"));
        // DataFusion reads the footer again: what it cannot read is the file's fault.
        let file_schema = listing
            .infer_schema(&ctx.state(), &url)
            .await
            .map_err(|e| SnapshotError::Damaged {
                table: table.name.to_owned(),
                path: path.clone(),
                message: e.find_root().to_string(),
            })?;
        let config = ListingTableConfig::new(url)
            .with_listing_options(listing.clone())
            .with_schema(file_schema);
        let provider = ListingTable::try_new(config)
            .map_err(internal)?
            .with_cache(ctx.runtime_env().cache_manager.get_file_statistic_cache());
        ctx.register_table(name.as_str(), Arc::new(provider))
            .map_err(internal)?;
    }
    Ok(())
}

/// The URL of exactly the file at `path` (absolute, resolved), for DataFusion's local file
/// store: built from the path's components (each percent-encoded, `%` included), never
/// parsed as a URL or a pattern, and checked to lead the store back to the same path.
fn literal_url(path: &Path) -> Result<ListingTableUrl, EngineError> {
    let unreadable = || EngineError::Query {
        message: format!(
            "cannot read `{}`: DataFusion cannot address this file name literally",
            path.display()
        ),
        help: Some(
            "move or rename the snapshot folder to a path without unusual characters".to_owned(),
        ),
    };
    let text = path.to_str().ok_or_else(unreadable)?;
    let mut url = Url::parse("file:///").map_err(|_| unreadable())?;
    {
        let mut segments = url.path_segments_mut().map_err(|()| unreadable())?;
        segments.clear();
        for part in text.split('/').filter(|p| !p.is_empty()) {
            segments.push(part);
        }
    }
    let listing = ListingTableUrl::try_new(url, None).map_err(|_| unreadable())?;
    let store = LocalFileSystem::new();
    match store.path_to_filesystem(listing.prefix()) {
        Ok(p) if p == path => Ok(listing),
        _ => Err(unreadable()),
    }
}

/// A session with the default [`Limits`] (memory; [`Engine::set_limits`] changes them).
fn new_context() -> SessionContext {
    let mut config = SessionConfig::new()
        .with_information_schema(true)
        .with_default_catalog_and_schema(CATALOG, "public");
    // PostgreSQL's dialect: `explain(...)` after a comma is a function call, not the start
    // of an EXPLAIN statement as in the generic dialect (which allows trailing commas).
    config.options_mut().sql_parser.dialect = datafusion::config::Dialect::PostgreSQL;
    let ctx = match limits::runtime_env(&Limits::default()) {
        Ok(runtime) => SessionContext::new_with_config_rt(config, runtime),
        // Building a runtime without spilling does not fail; should it, the default one is
        // still bounded by the checks of the result's size in `collect`.
        Err(_) => SessionContext::new_with_config(config),
    };
    crate::regex_limit::register(&ctx);
    ctx
}

impl Engine {
    /// Opens one snapshot (its files are verified first).
    pub async fn open(path: &Path) -> Result<Self, EngineError> {
        let snapshot = Snapshot::open(path)?;
        Self::assemble(new_context(), snapshot, None).await
    }

    /// Registers the snapshot's tables under their plain names, the derived views and the
    /// functions, which all refer to `snapshot`.
    async fn assemble(
        ctx: SessionContext,
        snapshot: Snapshot,
        old: Option<Snapshot>,
    ) -> Result<Self, EngineError> {
        register_snapshot(&ctx, &snapshot, None).await?;
        let cancelled = Arc::new(AtomicBool::new(false));
        let model = crate::model::shared(&ctx, &snapshot, &cancelled);
        functions::register(&ctx, &snapshot, Arc::clone(&model));
        // Before the views: the `external_access` entity reads it.
        crate::external_access::register(&ctx, Arc::clone(&model), "external_access")?;
        // After the functions: the `principals` view calls `is_nhi` and `nhi_reason`.
        views::register(&ctx).await?;
        crate::permissions::register(&ctx, Arc::clone(&model), "permissions")?;
        if let Some(old_snapshot) = &old {
            // Each snapshot of a pair answers for itself under its schema's name: `old.can`
            // evaluates the old snapshot's policies, `new.permissions` lists the new one's.
            let old_model = Arc::new(crate::model::SharedModel::new(
                old_snapshot.clone(),
                Arc::clone(&cancelled),
            ));
            for (schema, snap, model) in
                [("old", old_snapshot, old_model), ("new", &snapshot, model)]
            {
                functions::register_for_schema(&ctx, schema, snap, Arc::clone(&model));
                crate::external_access::register(
                    &ctx,
                    Arc::clone(&model),
                    &format!("{schema}.external_access"),
                )?;
                views::register_principals(&ctx, schema).await?;
                crate::permissions::register(&ctx, model, &format!("{schema}.permissions"))?;
            }
        }
        Ok(Self {
            ctx,
            snapshot,
            old,
            cancelled,
            limits: Limits::default(),
        })
    }

    /// Opens two snapshots side by side: `old.<table>` and `new.<table>`; unqualified names
    /// and the functions refer to the new one.
    pub async fn open_pair(old: &Path, new: &Path) -> Result<Self, EngineError> {
        let old_snap = Snapshot::open(old)?;
        let snapshot = Snapshot::open(new)?;
        let ctx = new_context();
        let catalog = ctx
            .catalog(CATALOG)
            .ok_or_else(|| EngineError::Internal("no default catalog".to_owned()))?;
        for name in ["old", "new"] {
            catalog
                .register_schema(name, Arc::new(MemorySchemaProvider::new()))
                .map_err(|e| EngineError::Internal(e.to_string()))?;
        }
        register_snapshot(&ctx, &old_snap, Some("old")).await?;
        register_snapshot(&ctx, &snapshot, Some("new")).await?;
        Self::assemble(ctx, snapshot, Some(old_snap)).await
    }

    /// The snapshot that unqualified names refer to.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The older snapshot of a pair.
    pub fn old_snapshot(&self) -> Option<&Snapshot> {
        self.old.as_ref()
    }

    /// The underlying DataFusion session (for completion and cancellation).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Stops the running query: the IAM-aware functions and tables (`can`, `simulate`,
    /// `permissions`, ...) fail at their next batch, so even a query that never yields to
    /// the scheduler (a cross join feeding `can`) ends within a batch. The next
    /// [`Engine::query`] clears it.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Verifies again every table file that changed since it was opened (one `lstat` per
    /// unchanged file): a file that no longer matches its manifest is an error, never read.
    /// [`Engine::query`] calls it first; callers that run plans on [`Engine::context`]
    /// should too.
    pub fn reverify(&self) -> Result<(), EngineError> {
        self.snapshot.reverify()?;
        if let Some(old) = &self.old {
            old.reverify()?;
        }
        Ok(())
    }

    /// What one query may use.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Sets what one query may use: the memory of its operators and result together, and
    /// its time.
    pub fn set_limits(&mut self, limits: Limits) -> Result<(), EngineError> {
        if limits.memory != self.limits.memory {
            // The memory pool belongs to the session's runtime: the same session (tables,
            // views, functions, the shared model) on a new runtime.
            let state = SessionStateBuilder::new_from_existing(self.ctx.state())
                .with_runtime_env(limits::runtime_env(&limits)?)
                .build();
            self.ctx = SessionContext::new_with_state(state);
        }
        self.limits = limits;
        Ok(())
    }

    /// Runs one read-only SQL statement and collects its result, within the engine's
    /// [`Limits`]. Any failure is an error: a statement nested too deeply to plan, a panic
    /// inside the query engine, a result or operator over the memory limit, the time limit.
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>, EngineError> {
        self.reverify()?;
        self.cancelled.store(false, Ordering::Relaxed);
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let ctx = self.ctx.clone();
        let statement = sql.to_owned();
        let work = async move {
            limits::check_nesting(&statement)
                .map_err(|e| DataFusionError::External(Box::new(e)))?;
            let df = ctx.sql_with_options(&statement, options).await?;
            let stream = df.execute_stream().await?;
            limits::collect(stream, &ctx.runtime_env()).await
        };
        self.finish(limits::guarded(work, self.limits.timeout, &self.cancelled).await)
            .map_err(|e| e.in_statement(sql))
    }

    /// Runs a logical plan made on [`Engine::context`] (a rule's) and collects its result,
    /// within the engine's memory limit and `timeout`, as [`Engine::query`] does. Unlike
    /// `query`, it does not clear a cancellation: plans may run side by side, and the
    /// first to run out of time stops the others.
    pub async fn run_plan(
        &self,
        plan: LogicalPlan,
        timeout: Option<Duration>,
    ) -> Result<Vec<RecordBatch>, EngineError> {
        let ctx = self.ctx.clone();
        let work = async move {
            let stream = ctx
                .execute_logical_plan(plan)
                .await?
                .execute_stream()
                .await?;
            limits::collect(stream, &ctx.runtime_env()).await
        };
        self.finish(limits::guarded(work, timeout, &self.cancelled).await)
    }

    fn finish(
        &self,
        outcome: Result<Result<Vec<RecordBatch>, DataFusionError>, EngineError>,
    ) -> Result<Vec<RecordBatch>, EngineError> {
        outcome?.map_err(|e| self.explain(e))
    }

    /// Every table and view, with its columns and their meaning.
    pub fn tables(&self) -> Vec<TableInfo> {
        let mut out = Vec::new();
        let schemas: &[Option<&str>] = if self.old.is_some() {
            &[None, Some("old"), Some("new")]
        } else {
            &[None]
        };
        for schema in schemas {
            let snap = match schema {
                Some("old") => self.old.as_ref().unwrap_or(&self.snapshot),
                _ => &self.snapshot,
            };
            for t in TABLES.iter().filter(|t| snap.has_table(t.name)) {
                out.push(TableInfo {
                    name: match schema {
                        Some(s) => format!("{s}.{}", t.name),
                        None => t.name.to_owned(),
                    },
                    doc: t.doc.to_owned(),
                    columns: t
                        .columns
                        .iter()
                        .map(|c| {
                            (
                                c.name.to_owned(),
                                c.ty.display_name().to_owned(),
                                c.doc.to_owned(),
                            )
                        })
                        .collect(),
                });
            }
        }
        out.extend(views::docs());
        if self.old.is_some() {
            for schema in ["old", "new"] {
                out.extend(
                    views::docs()
                        .into_iter()
                        .filter(|t| t.name != "actions")
                        .map(|t| TableInfo {
                            name: format!("{schema}.{}", t.name),
                            ..t
                        }),
                );
            }
        }
        out
    }

    /// Turns a DataFusion error into a user-facing one, with a hint where possible.
    fn explain(&self, e: DataFusionError) -> EngineError {
        let root = e.find_root();
        match root {
            DataFusionError::ResourcesExhausted(_) => {
                return EngineError::MemoryLimit {
                    limit: self.limits.memory,
                };
            }
            DataFusionError::External(inner) => {
                if let Some(EngineError::Query { message, help }) = inner.downcast_ref() {
                    return EngineError::Query {
                        message: message.clone(),
                        help: help.clone(),
                    };
                }
            }
            _ => {}
        }
        let text = root.to_string();
        if text.contains("DDL not supported")
            || text.contains("DML not supported")
            || text.contains("Statement not supported")
        {
            return EngineError::ReadOnly(
                "this statement would change data or settings; snapshots are read-only".to_owned(),
            );
        }
        let message = strip_prefixes(&text);
        if let Some(name) = unknown_table(&message) {
            return self.no_table(&name);
        }
        match unknown_column(&message) {
            Some(col) => self.no_column(&col, &message),
            None => EngineError::Query {
                message,
                help: None,
            },
        }
    }
}

impl Engine {
    /// No column of that name in what the statement reads: the name, the closest one there
    /// (as DataFusion suggests it), and the tables and views that have such a column.
    fn no_column(&self, col: &str, message: &str) -> EngineError {
        let suggestion = message
            .split("Did you mean '")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .map(|q| q.rsplit('.').next().unwrap_or(q).to_owned());
        let holders: Vec<String> = self
            .tables()
            .into_iter()
            .filter(|t| t.columns.iter().any(|(c, _, _)| c == col))
            .map(|t| t.name)
            .collect();
        let where_ = if holders.is_empty() {
            "no table has a column of that name: `\\d <table>` in the REPL or `iamsnap schema` lists them".to_owned()
        } else {
            format!("`{col}` is a column of: {}", holders.join(", "))
        };
        EngineError::Query {
            message: format!("no column `{col}` in the tables the statement reads"),
            help: Some(match suggestion {
                Some(s) => format!("did you mean `{s}`? {where_}"),
                None => where_,
            }),
        }
    }

    /// No table or view of that name: the name as the statement wrote it, the closest
    /// name, and the names there are.
    fn no_table(&self, name: &str) -> EngineError {
        let tables = self.tables();
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        let closest = iamsnap_catalog::suggest::closest(
            name,
            names.iter().copied(),
            iamsnap_catalog::suggest::typo_limit(name),
            iamsnap_catalog::glob::Case::Insensitive,
        );
        let list = format!(
            "the tables and views are: {} (`iamsnap schema` describes them)",
            names.join(", ")
        );
        EngineError::Query {
            message: format!("no table or view `{name}`"),
            help: Some(match closest {
                Some(c) => format!("did you mean `{c}`? {list}"),
                None => list,
            }),
        }
    }
}

/// The table in DataFusion's "table 'datafusion.public.x' not found", as the statement
/// names it: `x`, or `old.x` in a schema of a pair.
fn unknown_table(message: &str) -> Option<String> {
    let rest = message.strip_prefix("table '")?;
    let name = rest.strip_suffix("' not found")?;
    let name = name.strip_prefix(&format!("{CATALOG}.")).unwrap_or(name);
    let name = name.strip_prefix("public.").unwrap_or(name);
    Some(name.to_owned())
}

/// DataFusion's messages start with their error kind; users need only what follows.
fn strip_prefixes(text: &str) -> String {
    let mut t = text.trim();
    for prefix in [
        "Error during planning: ",
        "Schema error: ",
        "SQL error: ",
        "Execution error: ",
        "This feature is not implemented: ",
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest;
        }
    }
    t.to_owned()
}

/// The column name in "No field named x" messages.
fn unknown_column(message: &str) -> Option<String> {
    let rest = message.split("No field named ").nth(1)?;
    let word = rest.split_whitespace().next()?.trim_end_matches('.');
    let name = word
        .rsplit('.')
        .next()?
        .trim_matches(|c| c == '"' || c == '`' || c == '\'');
    (!name.is_empty()).then(|| name.to_owned())
}
