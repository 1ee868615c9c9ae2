//! The `permissions` table: what every user and role is granted or denied, one row per
//! (principal, action, resource pattern, effect, policy).
//!
//! Computed on the first scan from the shared model (not when the snapshot is opened, which
//! must stay fast) and kept for the engine's lifetime.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::expr::InList;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use iamsnap_catalog::{ActionSet, Catalog};
use iamsnap_policy::PolicyDocument;

use crate::engine::TableInfo;
use crate::error::EngineError;
use crate::model::{AttachedPolicy, Principal, SharedModel};
use crate::stream::{MakeBatches, batches, lazy_exec};
use crate::views::col;

fn schema() -> SchemaRef {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("account_id", false),
        text("principal_type", false),
        text("principal_arn", false),
        text("principal_name", false),
        text("action", false),
        text("resource", false),
        text("effect", false),
        text("policy_key", false),
        text("policy_name", false),
        text("via", false),
        text("via_group_name", true),
        Field::new("conditional", DataType::Boolean, false),
    ]))
}

/// The table's documentation, like the stored tables'.
pub(crate) fn doc() -> TableInfo {
    TableInfo {
        name: "permissions".to_owned(),
        doc: "One row per (user or role, action, resource pattern, effect, policy) that an identity policy in force states: direct, inline or inherited from a group. Actions are expanded from the catalog (`NotAction` to every catalog action it does not match; an action absent from the catalog is kept as written). Permissions boundaries are not applied here: use `can` for decisions. Filter on `principal_arn` or `principal_name` (`=` or `IN`) on large accounts: only those principals' policies are then expanded.".to_owned(),
        columns: vec![
            col("account_id", "text", "Account id of the principal."),
            col("principal_type", "text", "`user` or `role`."),
            col("principal_arn", "text", "ARN of the user or role."),
            col("principal_name", "text", "Its name."),
            col("action", "text", "One action, e.g. `iam:PassRole`, as the catalog spells it."),
            col("resource", "text", "A `Resource` pattern of the statement, or `NOT <patterns>` (comma-separated) for `NotResource`; `*` when the statement has neither."),
            col("effect", "text", "`Allow` or `Deny`."),
            col("policy_key", "text", "Key of the policy (see `policies.policy_key`)."),
            col("policy_name", "text", "Policy name."),
            col("via", "text", "`direct`, or `group` when inherited from a group."),
            col("via_group_name", "text", "The group it is inherited from, when `via` is `group`."),
            col("conditional", "boolean", "Whether every statement stating this row has a `Condition`."),
        ],
    }
}

/// One (action, resource, effect) of a policy, and whether it holds only under conditions.
type Grant = (String, String, &'static str, bool);

/// What a document states, action by action.
fn grants(catalog: &Catalog, doc: &PolicyDocument) -> Vec<Grant> {
    let mut out: BTreeMap<(String, String, &'static str), bool> = BTreeMap::new();
    // The actions that can apply to each resource pattern, computed once per pattern.
    let mut applicable: HashMap<&str, ActionSet> = HashMap::new();
    for s in &doc.statements {
        // Literal names the catalog does not know (newer or misspelled) are kept as written.
        let mut literals: Vec<String> = Vec::new();
        let set = match (&s.action, &s.not_action) {
            (Some(list), _) => {
                literals.extend(
                    list.iter()
                        .filter(|a| !a.contains(['*', '?']) && catalog.action(a).is_none())
                        .cloned(),
                );
                catalog.expand_all(list)
            }
            (None, Some(list)) => catalog.expand_not(list),
            (None, None) => continue,
        };
        // Each pattern lists only the actions one of whose resource types it can match
        // (actions without resource types only on `*`); a NotResource row lists them all.
        let resources: Vec<(String, Option<&str>)> = match (&s.resource, &s.not_resource) {
            (Some(list), _) => list.iter().map(|r| (r.clone(), Some(r.as_str()))).collect(),
            (None, Some(list)) => vec![(format!("NOT {}", list.join(", ")), None)],
            (None, None) => vec![("*".to_owned(), Some("*"))],
        };
        let conditional = !s.conditions.is_empty();
        for (resource, pattern) in &resources {
            let actions = match pattern {
                Some(p) => {
                    let fits = applicable
                        .entry(p)
                        .or_insert_with(|| catalog.actions_for_resource(p));
                    set.intersection(fits)
                }
                None => set.clone(),
            };
            let names = catalog
                .actions_in(&actions)
                .map(|a| a.full_name().to_owned())
                .chain(literals.iter().cloned());
            for action in names {
                out.entry((action, resource.clone(), s.effect.as_str()))
                    .and_modify(|c| *c = *c && conditional)
                    .or_insert(conditional);
            }
        }
    }
    out.into_iter().map(|((a, r, e), c)| (a, r, e, c)).collect()
}

/// Column builders of one batch.
struct Rows {
    account_id: StringBuilder,
    principal_type: StringBuilder,
    principal_arn: StringBuilder,
    principal_name: StringBuilder,
    action: StringBuilder,
    resource: StringBuilder,
    effect: StringBuilder,
    policy_key: StringBuilder,
    policy_name: StringBuilder,
    via: StringBuilder,
    via_group_name: StringBuilder,
    conditional: BooleanBuilder,
    len: usize,
}

impl Rows {
    fn new() -> Self {
        Self {
            account_id: StringBuilder::new(),
            principal_type: StringBuilder::new(),
            principal_arn: StringBuilder::new(),
            principal_name: StringBuilder::new(),
            action: StringBuilder::new(),
            resource: StringBuilder::new(),
            effect: StringBuilder::new(),
            policy_key: StringBuilder::new(),
            policy_name: StringBuilder::new(),
            via: StringBuilder::new(),
            via_group_name: StringBuilder::new(),
            conditional: BooleanBuilder::new(),
            len: 0,
        }
    }

    fn push(&mut self, p: &Principal, policy: &AttachedPolicy, grant: &Grant) {
        let (a, r, e, c) = grant;
        self.account_id.append_value(&p.account_id);
        self.principal_type.append_value(p.principal_type.as_str());
        self.principal_arn.append_value(&p.arn);
        self.principal_name.append_value(&p.name);
        self.action.append_value(a);
        self.resource.append_value(r);
        self.effect.append_value(e);
        self.policy_key.append_value(&policy.key);
        self.policy_name.append_value(&policy.name);
        self.via.append_value(if policy.via_group.is_some() {
            "group"
        } else {
            "direct"
        });
        self.via_group_name
            .append_option(policy.via_group.as_deref());
        self.conditional.append_value(*c);
        self.len += 1;
    }

    fn finish(mut self) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.account_id.finish()),
            Arc::new(self.principal_type.finish()),
            Arc::new(self.principal_arn.finish()),
            Arc::new(self.principal_name.finish()),
            Arc::new(self.action.finish()),
            Arc::new(self.resource.finish()),
            Arc::new(self.effect.finish()),
            Arc::new(self.policy_key.finish()),
            Arc::new(self.policy_name.finish()),
            Arc::new(self.via.finish()),
            Arc::new(self.via_group_name.finish()),
            Arc::new(self.conditional.finish()),
        ];
        Ok(RecordBatch::try_new(schema(), columns)?)
    }
}

/// Which principals a scan lists: those whose ARN or name is among the given values.
type Wanted = Vec<(&'static str, Vec<String>)>;

fn is_wanted(wanted: &Wanted, p: &Principal) -> bool {
    wanted.iter().all(|(column, values)| {
        let v = if *column == "principal_arn" {
            &p.arn
        } else {
            &p.name
        };
        values.iter().any(|x| x == v)
    })
}

/// The rows of one partition (every `count`-th principal from `index`), a batch at a time.
struct PermissionBatches {
    model: Arc<SharedModel>,
    wanted: Arc<Wanted>,
    /// The next principal to list, by position in the model.
    next: usize,
    count: usize,
    batch_rows: usize,
    /// Each policy's grants, expanded once per partition.
    by_policy: HashMap<String, Arc<Vec<Grant>>>,
}

impl PermissionBatches {
    fn batch(&mut self) -> Result<Option<RecordBatch>> {
        let model = self.model.get()?;
        let catalog = Catalog::embedded().map_err(|e| DataFusionError::Execution(e.to_string()))?;
        let mut rows = Rows::new();
        let principals = model.principals();
        while rows.len < self.batch_rows {
            let Some(p) = principals.get(self.next) else {
                break;
            };
            self.next += self.count;
            if !is_wanted(&self.wanted, p) {
                continue;
            }
            for policy in &p.policies {
                let Some(doc) = policy.document.document() else {
                    continue;
                };
                let list = self
                    .by_policy
                    .entry(policy.key.clone())
                    .or_insert_with(|| Arc::new(grants(catalog, doc)));
                for grant in list.iter() {
                    rows.push(p, policy, grant);
                }
            }
        }
        if rows.len == 0 {
            return Ok(None);
        }
        rows.finish().map(Some)
    }
}

/// The `permissions` table, computed while it is read.
#[derive(Debug)]
struct Permissions {
    model: Arc<SharedModel>,
}

#[async_trait]
impl TableProvider for Permissions {
    fn schema(&self) -> SchemaRef {
        schema()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if principal_filter(f).is_some() {
                    // Used to build only the named principals' rows; DataFusion still
                    // applies the filter.
                    TableProviderFilterPushDown::Inexact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // With `principal_arn = ...` or `principal_name IN (...)` only those principals'
        // policies are expanded; DataFusion still applies the filters.
        let wanted: Arc<Wanted> = Arc::new(filters.iter().filter_map(principal_filter).collect());
        let model = Arc::clone(&self.model);
        let make: Arc<MakeBatches> = Arc::new(move |index, count, batch_rows| {
            let mut rows = PermissionBatches {
                model: Arc::clone(&model),
                wanted: Arc::clone(&wanted),
                next: index,
                count,
                batch_rows,
                by_policy: HashMap::new(),
            };
            Box::new(batches(move || rows.batch()))
        });
        let partitions = state.config().target_partitions();
        lazy_exec(schema(), partitions, make, projection, limit)
    }
}

/// `principal_arn = 'x'`, `principal_name IN ('a', 'b')`, ...: the column and the values.
fn principal_filter(expr: &Expr) -> Option<(&'static str, Vec<String>)> {
    let column = |e: &Expr| match e {
        Expr::Column(c) if c.name == "principal_arn" => Some("principal_arn"),
        Expr::Column(c) if c.name == "principal_name" => Some("principal_name"),
        _ => None,
    };
    let text = |e: &Expr| match e {
        Expr::Literal(ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)), _) => {
            Some(s.clone())
        }
        _ => None,
    };
    match expr {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Eq,
            right,
        }) => match (column(left), text(right), column(right), text(left)) {
            (Some(c), Some(v), _, _) | (_, _, Some(c), Some(v)) => Some((c, vec![v])),
            _ => None,
        },
        Expr::InList(InList {
            expr,
            list,
            negated: false,
        }) => {
            let c = column(expr)?;
            let values: Option<Vec<String>> = list.iter().map(text).collect();
            Some((c, values?))
        }
        _ => None,
    }
}

/// Registers the permissions of `model`'s snapshot as `name` (`permissions`, or
/// `old.permissions` in a pair).
pub(crate) fn register(
    ctx: &SessionContext,
    model: Arc<SharedModel>,
    name: &str,
) -> std::result::Result<(), EngineError> {
    let table = Permissions { model };
    ctx.register_table(name, Arc::new(table))
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn grants_of(json: &str) -> Vec<Grant> {
        let doc = iamsnap_policy::parse_document_text(json).unwrap();
        grants(Catalog::embedded().unwrap(), &doc)
    }

    #[test]
    fn not_resource_is_one_row_naming_the_excluded_patterns() {
        let g = grants_of(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","NotResource":["arn:aws:s3:::a/*","arn:aws:s3:::b/*"]}]}"#,
        );
        assert_eq!(
            g,
            vec![(
                "s3:GetObject".to_owned(),
                "NOT arn:aws:s3:::a/*, arn:aws:s3:::b/*".to_owned(),
                "Deny",
                false
            )]
        );
    }

    #[test]
    fn not_action_is_the_rest_of_the_catalog() {
        let g = grants_of(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
        );
        let catalog = Catalog::embedded().unwrap();
        assert_eq!(
            g.len(),
            catalog.action_count() - catalog.expand("iam:*").len()
        );
        assert!(!g.iter().any(|(a, ..)| a.starts_with("iam:")));
    }

    #[test]
    fn conditional_only_when_every_statement_is() {
        let g = grants_of(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
              {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"},
              {"Effect":"Allow","Action":["iam:PassRole","newsvc:DoThing"],"Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}}]}"#,
        );
        assert_eq!(
            g,
            vec![
                ("iam:PassRole".to_owned(), "*".to_owned(), "Allow", true),
                ("newsvc:DoThing".to_owned(), "*".to_owned(), "Allow", true),
                ("sts:AssumeRole".to_owned(), "*".to_owned(), "Allow", false),
            ]
        );
    }
}
