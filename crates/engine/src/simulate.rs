//! `simulate(principal, actions [, resource [, context [, session_policy]]])`: the evaluator's decision for
//! every (principal, action) pair a query names, with the statements that made it — the
//! offline counterpart of IAM's policy simulator, for many principals at once.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionImpl, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::Expr;
use iamsnap_catalog::Catalog;
use iamsnap_catalog::glob::{Case, Glob};
use iamsnap_policy::{CompiledPolicy, ContextValue};

use crate::functions::FunctionDoc;
use crate::functions::{parse_context, session_policy};
use crate::model::{Principal, SharedModel, any_arns};
use crate::stream::{Computed, MakeBatches, batches};

pub(crate) fn doc() -> FunctionDoc {
    FunctionDoc {
        name: "simulate",
        signature: "simulate(principal text, actions text [, resource text [, context_json text [, session_policy_json text]]]) -> table(principal_arn, principal_name, principal_type, action, access_level, resource, decision, allowed, reason)",
        description: "A table function: one row per user or role matched by `principal` and action matched by `actions`, with the decision `can` makes (`decision`: `allow`, `explicit deny`, `implicit deny` or `unknown`; `allowed`: true, false or null when unknown) and the statements that made it (`reason`, as `explain` gives it). `principal` is an ARN or name, or a pattern with `*` and `?` (matched against ARNs when it starts with `arn:`, else against names); null or `*` means every user and role. `actions` is one or more action names or patterns (`s3:*`, `iam:Pass*`), separated by commas, expanded against the catalog; a name the catalog lacks is evaluated as written. `resource` is an ARN or `*`; without it (or null) each action is evaluated on a resource no policy names, as `can_any` does, and the `resource` column is null. The optional context is a JSON object, and the optional session policy a policy document, as for `can`. Rows are computed while the query reads them, so `limit` and filters stop the work early. Arguments are literals.",
        example: "select principal_name, action, reason from simulate('ci-*', 'iam:PassRole, sts:AssumeRole') where allowed",
    }
}

fn schema() -> SchemaRef {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("principal_arn", false),
        text("principal_name", false),
        text("principal_type", false),
        text("action", false),
        text("access_level", true),
        text("resource", true),
        text("decision", false),
        Field::new("allowed", DataType::Boolean, true),
        text("reason", false),
    ]))
}

/// What `simulate(...)` was asked.
#[derive(Debug)]
struct Question {
    /// `None`: every principal.
    principal: Option<String>,
    actions: Vec<String>,
    /// `None`: a resource no policy names.
    resource: Option<String>,
    context: Vec<(String, ContextValue)>,
    /// The session policy the caller gives, if any.
    session: Option<CompiledPolicy>,
}

impl Question {
    fn wants(&self, p: &Principal) -> bool {
        match &self.principal {
            None => true,
            Some(pattern) if pattern.starts_with("arn:") => glob(pattern, &p.arn),
            Some(pattern) => glob(pattern, &p.name),
        }
    }
}

/// `*` matches any run of characters, `?` one; everything else itself, case-sensitively.
fn glob(pattern: &str, text: &str) -> bool {
    Glob::new(pattern, Case::Sensitive).is_match(text)
}

/// Argument `index` of the table function `function` as text; `None` when absent or null.
pub(crate) fn text_arg_of(function: &str, args: &[Expr], index: usize) -> Result<Option<String>> {
    match args.get(index) {
        None => Ok(None),
        Some(Expr::Literal(value, _)) => match value {
            ScalarValue::Utf8(v) | ScalarValue::Utf8View(v) | ScalarValue::LargeUtf8(v) => {
                Ok(v.clone())
            }
            ScalarValue::Null => Ok(None),
            other => Err(DataFusionError::Plan(format!(
                "{function}: argument {} must be text, not {}",
                index + 1,
                other.data_type()
            ))),
        },
        Some(other) => Err(DataFusionError::Plan(format!(
            "{function}: argument {} must be a literal (a quoted string), not `{other}`",
            index + 1
        ))),
    }
}

fn text_arg(args: &[Expr], index: usize) -> Result<Option<String>> {
    text_arg_of("simulate", args, index)
}

fn actions_of(text: &str) -> Result<Vec<String>> {
    actions_named("simulate", text)
}

/// The catalog actions `text` names for the table function `function`: patterns and
/// names separated by commas.
pub(crate) fn actions_named(function: &str, text: &str) -> Result<Vec<String>> {
    let catalog = Catalog::embedded().map_err(|e| DataFusionError::Execution(e.to_string()))?;
    let mut out: Vec<String> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let set = catalog.expand(item);
        let before = out.len();
        out.extend(catalog.actions_in(&set).map(|a| a.full_name().to_owned()));
        if out.len() == before {
            if item.contains(['*', '?']) || !item.contains(':') {
                return Err(DataFusionError::Plan(format!(
                    "{function}: `{item}` matches no action of the catalog (`select action from actions where action like ...` lists them)"
                )));
            }
            // A name the catalog lacks (newer than it): evaluated as written.
            out.push(item.to_owned());
        }
    }
    if out.is_empty() {
        return Err(DataFusionError::Plan(format!(
            "{function}: name at least one action, e.g. 's3:GetObject' or 'iam:Pass*'"
        )));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[derive(Debug)]
struct SimulateFunction {
    model: Arc<SharedModel>,
}

impl TableFunctionImpl for SimulateFunction {
    fn call(&self, args: &[Expr]) -> Result<Arc<dyn TableProvider>> {
        if !(2..=5).contains(&args.len()) {
            return Err(DataFusionError::Plan(format!(
                "simulate takes 2 to 5 arguments (principal, actions [, resource [, context [, session_policy]]]), not {}",
                args.len()
            )));
        }
        let principal = text_arg(args, 0)?.filter(|p| p != "*");
        let actions = text_arg(args, 1)?.ok_or_else(|| {
            DataFusionError::Plan("simulate: the actions argument is null".to_owned())
        })?;
        let context = match text_arg(args, 3)? {
            Some(text) => {
                parse_context(&text).map_err(|e| DataFusionError::Plan(format!("simulate: {e}")))?
            }
            None => Vec::new(),
        };
        let session = match text_arg(args, 4)? {
            Some(text) => Some(
                session_policy(&text)
                    .map_err(|e| DataFusionError::Plan(format!("simulate: {e}")))?,
            ),
            None => None,
        };
        let question = Question {
            principal,
            actions: actions_of(&actions)?,
            resource: text_arg(args, 2)?,
            context,
            session,
        };
        let model = Arc::clone(&self.model);
        let question = Arc::new(question);
        let make: Arc<MakeBatches> = Arc::new(move |index, count, batch_rows| {
            let mut rows = Decisions {
                model: Arc::clone(&model),
                question: Arc::clone(&question),
                next: index,
                action: 0,
                count,
                // Every row is an evaluation: smaller batches keep cancelling prompt.
                batch_rows: batch_rows.div_ceil(4),
            };
            Box::new(batches(move || rows.batch()))
        });
        Ok(Arc::new(Computed::function(schema(), None, make)))
    }
}

/// The rows of one partition (every `count`-th principal from `next`), a batch at a time.
struct Decisions {
    model: Arc<SharedModel>,
    question: Arc<Question>,
    /// The principal being listed, by position in the model.
    next: usize,
    /// Its next action (a batch may end within a principal's actions).
    action: usize,
    count: usize,
    batch_rows: usize,
}

impl Decisions {
    fn batch(&mut self) -> Result<Option<RecordBatch>> {
        let model = self.model.get()?;
        let catalog = Catalog::embedded().map_err(|e| DataFusionError::Execution(e.to_string()))?;
        let q = &self.question;
        let mut arn = StringBuilder::new();
        let mut name = StringBuilder::new();
        let mut kind = StringBuilder::new();
        let mut action = StringBuilder::new();
        let mut level = StringBuilder::new();
        let mut resource = StringBuilder::new();
        let mut decision = StringBuilder::new();
        let mut allowed = BooleanBuilder::new();
        let mut reason = StringBuilder::new();
        let mut rows = 0;
        let principals = model.principals();
        while rows < self.batch_rows {
            let Some(p) = principals.get(self.next) else {
                break;
            };
            if !q.wants(p) || self.action >= q.actions.len() {
                self.next += self.count;
                self.action = 0;
                continue;
            }
            let end = q.actions.len().min(self.action + (self.batch_rows - rows));
            let todo = q.actions.get(self.action..end).unwrap_or_default();
            self.action = end;
            for a in todo {
                let session = q.session.as_ref();
                let verdict = match &q.resource {
                    Some(r) => model.evaluate_in_session(p, a, r, &q.context, session),
                    None => p.evaluate_on_in_session(
                        a,
                        &any_arns(a, &p.account_id),
                        &q.context,
                        session,
                    ),
                };
                arn.append_value(&p.arn);
                name.append_value(&p.name);
                kind.append_value(p.principal_type.as_str());
                action.append_value(a);
                level.append_option(catalog.access_level(a).map(|l| l.to_string()));
                resource.append_option(q.resource.as_deref());
                decision.append_value(verdict.decision());
                allowed.append_option(verdict.allowed());
                reason.append_value(verdict.explain());
                rows += 1;
            }
        }
        if rows == 0 {
            return Ok(None);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(arn.finish()),
            Arc::new(name.finish()),
            Arc::new(kind.finish()),
            Arc::new(action.finish()),
            Arc::new(level.finish()),
            Arc::new(resource.finish()),
            Arc::new(decision.finish()),
            Arc::new(allowed.finish()),
            Arc::new(reason.finish()),
        ];
        Ok(Some(RecordBatch::try_new(schema(), columns)?))
    }
}

/// Registers `simulate` over `model`.
pub(crate) fn register(ctx: &SessionContext, model: Arc<SharedModel>) {
    ctx.register_udtf("simulate", Arc::new(SimulateFunction { model }));
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn glob_matches_stars_and_question_marks() {
        assert!(glob("ci-*", "ci-deployer"));
        assert!(glob("*", ""));
        assert!(glob(
            "arn:aws:iam::*:role/*-prod",
            "arn:aws:iam::1:role/app-prod"
        ));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(!glob("ci-*", "svc-ci-x"));
        assert!(glob("*ci*", "svc-ci-x"));
        assert!(!glob("abc", "abcd"));
    }
}
