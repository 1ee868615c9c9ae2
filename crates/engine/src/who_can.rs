//! `who_can(resource, actions [, context])`: every principal that can perform the actions
//! on the resource — the snapshot's users and roles, and the principals the resource's
//! policy names outside the snapshot — as the access model answers
//! ([`iamsnap_access::Model::who_can`]).

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionImpl, TableProvider};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::Expr;
use iamsnap_policy::ContextValue;

use crate::functions::FunctionDoc;
use crate::functions::parse_context;
use crate::model::SharedModel;
use crate::simulate::{actions_named, text_arg_of};
use crate::stream::{Computed, MakeBatches, batches};

const NAME: &str = "who_can";

pub(crate) fn doc() -> FunctionDoc {
    FunctionDoc {
        name: NAME,
        signature: "who_can(resource text, actions text [, context_json text]) -> table(principal, principal_type, account_id, scope, in_snapshot, action, decision, allowed, conditions, reason)",
        description: "A table function: who can perform the actions on the resource, with every document AWS uses (identity policies and boundary, the SCPs over the principal's account, the resource's policy — a role's trust policy for `sts:AssumeRole*` —, a KMS key's grants, the RCPs over the resource's account, and across accounts both sides). One row per principal and action that is allowed or unknown (denied principals are left out): first every user and role of the snapshot (`in_snapshot` true), then every principal the resource's policy (or a KMS key's grant) names that the snapshot does not hold (`in_snapshot` false: another account's root, role or user, `*`, an AWS service, an identity provider), decided on the resource side alone — for another account, that account's own policies then decide which of its principals. `scope` is `account` (the resource's own), `organization` (another account of the organization), `external`, `public`, `service` or `federated`. `decision` is `allow`, `unknown` (the answer depends on a document the snapshot lacks: `reason` says which) or `conditional` (the resource's policy allows it only under conditions the snapshot cannot decide, listed in `conditions`, e.g. `StringEquals aws:SourceAccount 111122223333`); `allowed` is true, or null when not a plain allow. `actions` is one or more action names or patterns separated by commas. The optional context is a JSON object, as for `can`. Arguments are literals.",
        example: "select principal, scope, decision, reason from who_can('arn:aws:s3:::payroll-exports', 's3:GetObject')",
    }
}

fn schema() -> SchemaRef {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("principal", false),
        text("principal_type", false),
        text("account_id", true),
        text("scope", false),
        Field::new("in_snapshot", DataType::Boolean, false),
        text("action", false),
        text("decision", false),
        Field::new("allowed", DataType::Boolean, true),
        text("conditions", true),
        text("reason", false),
    ]))
}

#[derive(Debug)]
struct Question {
    resource: String,
    actions: Vec<String>,
    context: Vec<(String, ContextValue)>,
}

#[derive(Debug)]
struct WhoCanFunction {
    model: Arc<SharedModel>,
}

impl TableFunctionImpl for WhoCanFunction {
    fn call(&self, args: &[Expr]) -> Result<Arc<dyn TableProvider>> {
        if !(2..=3).contains(&args.len()) {
            return Err(DataFusionError::Plan(format!(
                "{NAME} takes 2 or 3 arguments (resource, actions [, context]), not {}",
                args.len()
            )));
        }
        let resource = text_arg_of(NAME, args, 0)?.ok_or_else(|| {
            DataFusionError::Plan(format!("{NAME}: the resource argument is null"))
        })?;
        if !resource.starts_with("arn:") {
            return Err(DataFusionError::Plan(format!(
                "{NAME}: the resource must be an ARN, e.g. 'arn:aws:s3:::bucket', not `{resource}`"
            )));
        }
        let actions = text_arg_of(NAME, args, 1)?.ok_or_else(|| {
            DataFusionError::Plan(format!("{NAME}: the actions argument is null"))
        })?;
        let context = match text_arg_of(NAME, args, 2)? {
            Some(text) => {
                parse_context(&text).map_err(|e| DataFusionError::Plan(format!("{NAME}: {e}")))?
            }
            None => Vec::new(),
        };
        let model = Arc::clone(&self.model);
        let question = Arc::new(Question {
            resource,
            actions: actions_named(NAME, &actions)?,
            context,
        });
        // One partition per action, spread over the partitions the session has.
        let make: Arc<MakeBatches> = Arc::new(move |index, count, _batch_rows| {
            let model = Arc::clone(&model);
            let question = Arc::clone(&question);
            let mut next = index;
            Box::new(batches(move || {
                let Some(action) = question.actions.get(next) else {
                    return Ok(None);
                };
                next += count;
                answer(&model, &question, action).map(Some)
            }))
        });
        Ok(Arc::new(Computed::function(schema(), None, make)))
    }
}

fn answer(shared: &SharedModel, q: &Question, action: &str) -> Result<RecordBatch> {
    let model = shared.get()?;
    let reaches = model.who_can(&q.resource, action, &q.context, || {
        shared.check_cancelled().is_ok()
    });
    shared.check_cancelled()?;
    let mut principal = StringBuilder::new();
    let mut kind = StringBuilder::new();
    let mut account = StringBuilder::new();
    let mut scope = StringBuilder::new();
    let mut in_snapshot = BooleanBuilder::new();
    let mut act = StringBuilder::new();
    let mut decision = StringBuilder::new();
    let mut allowed = BooleanBuilder::new();
    let mut conditions = StringBuilder::new();
    let mut reason = StringBuilder::new();
    for r in &reaches {
        principal.append_value(&r.principal);
        kind.append_value(&r.principal_type);
        account.append_option(r.account.as_deref());
        scope.append_value(r.scope.as_str());
        in_snapshot.append_value(r.in_snapshot);
        act.append_value(&r.action);
        decision.append_value(r.decision);
        allowed.append_option(r.allowed);
        conditions.append_option(r.conditions.as_deref());
        reason.append_value(&r.reason);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(principal.finish()),
        Arc::new(kind.finish()),
        Arc::new(account.finish()),
        Arc::new(scope.finish()),
        Arc::new(in_snapshot.finish()),
        Arc::new(act.finish()),
        Arc::new(decision.finish()),
        Arc::new(allowed.finish()),
        Arc::new(conditions.finish()),
        Arc::new(reason.finish()),
    ];
    Ok(RecordBatch::try_new(schema(), columns)?)
}

/// Registers `who_can` over `model`.
pub(crate) fn register(ctx: &SessionContext, model: Arc<SharedModel>) {
    ctx.register_udtf(NAME, Arc::new(WhoCanFunction { model }));
}
