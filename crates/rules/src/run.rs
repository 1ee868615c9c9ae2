//! Running compiled rules over a snapshot: findings.

use std::time::Duration;

use arrow::array::{Array, RecordBatch};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use iamsnap_engine::{Engine, EngineError, format_bytes, format_duration};

use crate::compile::{CompiledRule, Piece};
use crate::finding::Finding;
use crate::fix::{Attachment, FixValue};

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
                    "a large snapshot (an organization of many accounts) needs more time, e.g. --rule-timeout 10m (or none); a rule of a pack that is not yours may also never end, so check the pack"
                        .to_owned(),
                ),
            ),
            // The rules run side by side within one memory limit: the one named asked last,
            // not necessarily the one that took most.
            EngineError::MemoryLimit { limit } => (
                format!(
                    "asked for memory when the rules running together had used their limit of {}",
                    format_bytes(*limit)
                ),
                Some(
                    "the rules of a check share --memory-limit: a large snapshot (an organization of many accounts) needs more, e.g. --memory-limit 8GiB; a rule of a pack that is not yours may also ask for any amount, so check the pack"
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
            Some(pieces) => Some(crate::fix::fill(pieces, |i, rows| {
                if rows {
                    attachments(batch, 3 + i, row).map(FixValue::Attachments)
                } else {
                    text(3 + i, row).map(FixValue::Text)
                }
            })?),
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

/// The attachment rows of a `remove_policy(...)` column (a list of structs of text fields)
/// at `row`; none when the finding has none.
fn attachments(batch: &RecordBatch, col: usize, row: usize) -> Result<Vec<Attachment>, String> {
    use arrow::array::AsArray as _;
    let Some(array) = batch.columns().get(col) else {
        return Ok(Vec::new());
    };
    if array.is_null(row) {
        return Ok(Vec::new());
    }
    let Some(list) = array.as_list_opt::<i32>() else {
        return Err(format!(
            "the attachments of a fix are not a list (`{}`)",
            array.data_type()
        ));
    };
    let items = list.value(row);
    let Some(rows) = items.as_struct_opt() else {
        return Err("the attachments of a fix are not rows".to_owned());
    };
    let options = FormatOptions::default().with_null("");
    let field = |name: &str| -> Result<ArrayFormatter<'_>, String> {
        let column = rows
            .column_by_name(name)
            .ok_or_else(|| format!("the attachments of a fix have no `{name}`"))?;
        ArrayFormatter::try_new(column.as_ref(), &options).map_err(|e| e.to_string())
    };
    let names = [
        "principal_type",
        "principal_name",
        "policy_type",
        "policy_arn",
        "policy_name",
        "via_group_name",
    ];
    let formatters = names
        .iter()
        .map(|n| field(n))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for i in 0..rows.len() {
        let mut values = Vec::with_capacity(formatters.len());
        for f in &formatters {
            values.push(f.value(i).try_to_string().map_err(|e| e.to_string())?);
        }
        let mut values = values.into_iter();
        let mut next = || values.next().unwrap_or_default();
        out.push(Attachment {
            principal_type: next(),
            principal_name: next(),
            policy_type: next(),
            policy_arn: next(),
            policy_name: next(),
            via_group_name: next(),
        });
    }
    // One order whatever the aggregate's: the commands read the same on every run.
    out.sort_by(|a, b| {
        (
            &a.via_group_name,
            &a.principal_type,
            &a.principal_name,
            &a.policy_name,
        )
            .cmp(&(
                &b.via_group_name,
                &b.principal_type,
                &b.principal_name,
                &b.policy_name,
            ))
    });
    Ok(out)
}
