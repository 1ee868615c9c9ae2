//! Running compiled rules over a snapshot: findings.

use arrow::array::{Array, RecordBatch};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::error::DataFusionError;
use datafusion::execution::context::SessionContext;

use crate::compile::{CompiledRule, Piece};
use crate::finding::Finding;

/// Why a rule could not run.
#[derive(Debug, thiserror::Error)]
#[error("rule {rule}: {message}")]
pub struct RunError {
    /// The rule's id.
    pub rule: String,
    /// What went wrong.
    pub message: String,
}

/// Runs every rule; the findings of each in the order of `rules`, then sorted by
/// severity (highest first), rule id, resource and detail.
pub async fn run_rules(
    ctx: &SessionContext,
    rules: &[CompiledRule],
) -> Result<Vec<Finding>, RunError> {
    // Rules run side by side: most of the work is in the policy evaluator behind `can`,
    // `is_admin` and `escalations`, per row, and the model they share is built once.
    let mut tasks = tokio::task::JoinSet::new();
    for (index, rule) in rules.iter().enumerate() {
        let ctx = ctx.clone();
        let plan = rule.plan.clone();
        tasks.spawn(async move {
            let result = async { ctx.execute_logical_plan(plan).await?.collect().await }.await;
            (index, result)
        });
    }
    let mut results: Vec<Option<Result<Vec<RecordBatch>, DataFusionError>>> =
        (0..rules.len()).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (index, result) = joined.map_err(|e| RunError {
            rule: String::new(),
            message: format!("a rule's task failed: {e}"),
        })?;
        if let Some(slot) = results.get_mut(index) {
            *slot = Some(result);
        }
    }
    let mut findings = Vec::new();
    for (rule, result) in rules.iter().zip(results) {
        let batches = result
            .unwrap_or_else(|| Ok(Vec::new()))
            .map_err(|e| RunError {
                rule: rule.info.id.clone(),
                message: e.strip_backtrace(),
            })?;
        for batch in &batches {
            findings.extend(to_findings(rule, batch).map_err(|e| RunError {
                rule: rule.info.id.clone(),
                message: e,
            })?);
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.resource.cmp(&b.resource))
            .then_with(|| a.detail.cmp(&b.detail))
    });
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    Ok(findings)
}

fn to_findings(rule: &CompiledRule, batch: &RecordBatch) -> Result<Vec<Finding>, String> {
    let options = FormatOptions::default().with_null("");
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let text = |col: usize, row: usize| -> String {
        match (batch.columns().get(col), formatters.get(col)) {
            (Some(array), Some(f)) if !array.is_null(row) => f.value(row).to_string(),
            _ => String::new(),
        }
    };
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let resource = text(0, row);
        let detail = text(1, row);
        let account_id = text(2, row);
        let mut message = String::new();
        for piece in &rule.message {
            match piece {
                Piece::Text(t) => message.push_str(t),
                Piece::Field(i) => {
                    let value = text(3 + i, row);
                    message.push_str(if value.is_empty() { "(none)" } else { &value });
                }
            }
        }
        out.push(Finding {
            fingerprint: Finding::fingerprint_of(&rule.info.id, &resource, &detail),
            rule_id: rule.info.id.clone(),
            severity: rule.info.severity,
            resource,
            detail,
            account_id,
            message,
        });
    }
    Ok(out)
}
