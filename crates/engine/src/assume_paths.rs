//! `assume_paths(principal [, max_depth])`: the roles a user or role can reach by assuming
//! roles, hop after hop, as the access model answers
//! ([`iamsnap_access::Model::assume_paths`]).

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Int64Builder, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionImpl, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::Expr;

use crate::functions::FunctionDoc;
use crate::model::SharedModel;
use crate::simulate::text_arg_of;
use crate::stream::{Computed, MakeBatches, batches};

const NAME: &str = "assume_paths";

/// Hops followed when the query does not say.
const DEFAULT_DEPTH: usize = 5;
/// The most hops a query may ask for.
const MAX_DEPTH: usize = 20;

pub(crate) fn doc() -> FunctionDoc {
    FunctionDoc {
        name: NAME,
        signature: "assume_paths(principal_arn text [, max_depth integer]) -> table(depth, role_arn, role_name, account_id, scope, role_is_admin, path, decision, reason)",
        description: "A table function: every role the user or role can reach by assuming roles (`sts:AssumeRole`), hop after hop, breadth first up to `max_depth` hops (default 5, at most 20), each role once by its shortest chain; cycles end where they close. At each hop the evaluator decides with everything AWS uses, as `can` does: the caller's identity policies, boundary and SCPs, the role's trust policy, the RCPs over the role's account, across accounts both sides. `path` is the chain, `A -> B -> C`; `scope` says where the role stands relative to the principal's account (`account`, `organization`, `external`); `role_is_admin` whether the role reached is admin-equivalent (`is_admin`), so a chain to an admin role is an admin path. `decision` is `allow`, or `unknown` when a hop depends on a document the snapshot lacks (`reason`, the last hop's explanation, says which). Only roles the snapshot holds are reached. Arguments are literals.",
        example: "select depth, path, role_is_admin from assume_paths('arn:aws:iam::111122223333:role/gh-actions-billing-prod') order by depth",
    }
}

fn schema() -> SchemaRef {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        Field::new("depth", DataType::Int64, false),
        text("role_arn", false),
        text("role_name", false),
        text("account_id", false),
        text("scope", false),
        Field::new("role_is_admin", DataType::Boolean, true),
        text("path", false),
        text("decision", false),
        text("reason", false),
    ]))
}

#[derive(Debug)]
struct AssumePathsFunction {
    model: Arc<SharedModel>,
}

fn depth_arg(args: &[Expr]) -> Result<usize> {
    let Some(e) = args.get(1) else {
        return Ok(DEFAULT_DEPTH);
    };
    let value = match e {
        Expr::Literal(ScalarValue::Int64(Some(v)), _) => *v,
        Expr::Literal(ScalarValue::Int32(Some(v)), _) => i64::from(*v),
        Expr::Literal(ScalarValue::Null, _) => return Ok(DEFAULT_DEPTH),
        other => {
            return Err(DataFusionError::Plan(format!(
                "{NAME}: max_depth must be an integer literal, not `{other}`"
            )));
        }
    };
    usize::try_from(value)
        .ok()
        .filter(|d| (1..=MAX_DEPTH).contains(d))
        .ok_or_else(|| {
            DataFusionError::Plan(format!(
                "{NAME}: max_depth must be between 1 and {MAX_DEPTH}, not {value}"
            ))
        })
}

impl TableFunctionImpl for AssumePathsFunction {
    fn call(&self, args: &[Expr]) -> Result<Arc<dyn TableProvider>> {
        if !(1..=2).contains(&args.len()) {
            return Err(DataFusionError::Plan(format!(
                "{NAME} takes 1 or 2 arguments (principal_arn [, max_depth]), not {}",
                args.len()
            )));
        }
        let principal = text_arg_of(NAME, args, 0)?.ok_or_else(|| {
            DataFusionError::Plan(format!("{NAME}: the principal argument is null"))
        })?;
        let model = Arc::clone(&self.model);
        let principal: Arc<str> = Arc::from(principal);
        let depth = depth_arg(args)?;
        let make: Arc<MakeBatches> = Arc::new(move |_index, _count, _batch_rows| {
            let model = Arc::clone(&model);
            let principal = Arc::clone(&principal);
            let mut done = false;
            Box::new(batches(move || {
                if done {
                    return Ok(None);
                }
                done = true;
                answer(&model, &principal, depth).map(Some)
            }))
        });
        Ok(Arc::new(Computed::function(schema(), Some(1), make)))
    }
}

fn answer(shared: &SharedModel, principal: &str, depth: usize) -> Result<RecordBatch> {
    let model = shared.get()?;
    let start = model.principal(principal).ok_or_else(|| {
        DataFusionError::Execution(format!(
            "{NAME}: `{principal}` is not a user or role of the snapshot (select arn from principals lists them)"
        ))
    })?;
    let hops = model.assume_paths(start, depth, || shared.check_cancelled().is_ok());
    shared.check_cancelled()?;
    let mut depth_col = Int64Builder::new();
    let mut arn = StringBuilder::new();
    let mut name = StringBuilder::new();
    let mut account = StringBuilder::new();
    let mut scope = StringBuilder::new();
    let mut admin = BooleanBuilder::new();
    let mut path = StringBuilder::new();
    let mut decision = StringBuilder::new();
    let mut reason = StringBuilder::new();
    for hop in &hops {
        depth_col.append_value(i64::try_from(hop.depth).unwrap_or(i64::MAX));
        arn.append_value(&hop.role.arn);
        name.append_value(&hop.role.name);
        account.append_value(&hop.role.account_id);
        scope.append_value(
            model
                .scope(&hop.role.account_id, Some(&start.account_id))
                .as_str(),
        );
        admin.append_option(hop.role.is_admin().map_err(DataFusionError::Execution)?);
        path.append_value(hop.path.join(" -> "));
        decision.append_value(hop.decision);
        reason.append_value(&hop.reason);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(depth_col.finish()),
        Arc::new(arn.finish()),
        Arc::new(name.finish()),
        Arc::new(account.finish()),
        Arc::new(scope.finish()),
        Arc::new(admin.finish()),
        Arc::new(path.finish()),
        Arc::new(decision.finish()),
        Arc::new(reason.finish()),
    ];
    Ok(RecordBatch::try_new(schema(), columns)?)
}

/// Registers `assume_paths` over `model`.
pub(crate) fn register(ctx: &SessionContext, model: Arc<SharedModel>) {
    ctx.register_udtf(NAME, Arc::new(AssumePathsFunction { model }));
}
