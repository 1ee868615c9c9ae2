//! Running compiled rules over a snapshot: findings.

use std::time::Duration;

use arrow::array::{Array, RecordBatch};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use iamsnap_engine::{Engine, EngineError, format_bytes, format_duration};

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
    /// What to do, when there is something to say.
    pub help: Option<String>,
}

impl RunError {
    fn new(rule: &CompiledRule, e: EngineError) -> Self {
        let (message, help) = match &e {
            EngineError::Timeout(limit) => (
                format!("ran longer than its time limit of {}", format_duration(*limit)),
                Some(
                    "a rule of a pack that is not yours may never end: check the pack, or allow more time with --rule-timeout (e.g. --rule-timeout 10m, or none)"
                        .to_owned(),
                ),
            ),
            EngineError::MemoryLimit { limit } => (
                format!("needs more memory than its limit of {}", format_bytes(*limit)),
                Some(
                    "a rule of a pack that is not yours may ask for any amount: check the pack, or allow more memory with --memory-limit (e.g. --memory-limit 8GiB)"
                        .to_owned(),
                ),
            ),
            other => (other.to_string(), other.help()),
        };
        Self {
            rule: rule.info.id.clone(),
            message,
            help,
        }
    }
}

/// Runs every rule, each within the engine's memory limit and `timeout`; the findings of
/// each in the order of `rules`, then sorted by severity (highest first), rule id, resource
/// and detail.
///
/// The first rule to run out of time stops the others and is the error; otherwise the
/// first rule (in the order of `rules`) that failed is.
pub async fn run_rules(
    engine: &Engine,
    rules: &[CompiledRule],
    timeout: Option<Duration>,
) -> Result<Vec<Finding>, RunError> {
    // Rules run side by side (each in a task of its own): most of the work is in the
    // policy evaluator behind `can`, `is_admin` and `escalations`, per row, and the model
    // they share is built once.
    let mut results = futures::future::join_all(
        rules
            .iter()
            .map(|rule| engine.run_plan(rule.plan.clone(), timeout)),
    )
    .await;
    if let Some(index) = results
        .iter()
        .position(|r| matches!(r, Err(EngineError::Timeout(_))))
        && let (Some(rule), Err(e)) = (rules.get(index), results.swap_remove(index))
    {
        return Err(RunError::new(rule, e));
    }
    let mut findings = Vec::new();
    for (rule, result) in rules.iter().zip(results) {
        let batches = result.map_err(|e| RunError::new(rule, e))?;
        for batch in &batches {
            findings.extend(to_findings(rule, batch).map_err(|e| RunError {
                rule: rule.info.id.clone(),
                message: e,
                help: None,
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
    let text = |col: usize, row: usize| -> Result<String, String> {
        match (batch.columns().get(col), formatters.get(col)) {
            (Some(array), Some(f)) if !array.is_null(row) => {
                f.value(row).try_to_string().map_err(|e| {
                    let name = batch.schema().field(col).name().clone();
                    format!("cannot print the value of `{name}` in a finding: {e}")
                })
            }
            _ => Ok(String::new()),
        }
    };
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let resource = text(0, row)?;
        let detail = text(1, row)?;
        let account_id = text(2, row)?;
        let mut message = String::new();
        for piece in &rule.message {
            match piece {
                Piece::Text(t) => message.push_str(t),
                Piece::Field(i) => {
                    let value = text(3 + i, row)?;
                    message.push_str(if value.is_empty() { "(none)" } else { &value });
                }
            }
        }
        let fix = match &rule.fix {
            Some(pieces) => Some(crate::fix::fill(pieces, |i| text(3 + i, row))?),
            None => None,
        };
        out.push(Finding {
            fix,
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
