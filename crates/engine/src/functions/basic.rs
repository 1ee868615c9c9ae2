//! Functions that need no policy evaluation: ages and ARN parts.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringArray};
use arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use datafusion::error::DataFusionError;
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
use iamsnap_catalog::arn::account_of;
use iamsnap_snapshot::Snapshot;

use super::FunctionDoc;

pub(super) fn docs() -> Vec<FunctionDoc> {
    vec![
        FunctionDoc {
            name: "age_days",
            signature: "age_days(timestamp) -> bigint",
            description: "Whole days from the timestamp to the snapshot's capture time (not to today, so results are reproducible); null for null.",
            example: "select user_name, age_days(create_date) from access_keys where status = 'Active'",
        },
        FunctionDoc {
            name: "trust_with_source_account",
            signature: "trust_with_source_account(trust_policy text, account_id text, services list<text>) -> text",
            description: "The trust policy with `\"StringEquals\": {\"aws:SourceAccount\": account_id}` added to each Allow statement that trusts one of the services and tests none of aws:SourceAccount, aws:SourceArn, aws:SourceOrgID (existing conditions extended, everything else as written): the cross-service confused-deputy guard NHI-TRUST-008's fix applies. The document unchanged when no statement needs it; null for null arguments; an error for a document that is not JSON.",
            example: "select name, trust_with_source_account(assume_role_policy, account_id, ['events.amazonaws.com', 'sns.amazonaws.com']) from roles",
        },
        FunctionDoc {
            name: "account_of",
            signature: "account_of(text) -> text",
            description: "The 12-digit account id in an ARN (or the value itself if it is an account id); null otherwise.",
            example: "select role_name, account_of(principal) from trust where is_cross_account",
        },
    ]
}

/// Registers `age_days` (relative to `snapshot`'s capture) and, without a prefix,
/// `account_of`; names are preceded by `prefix`.
pub(super) fn register(ctx: &SessionContext, snapshot: &Snapshot, prefix: &str) {
    let captured = snapshot.manifest().captured_at.timestamp_micros();
    let age = create_udf(
        &format!("{prefix}age_days"),
        vec![DataType::Timestamp(
            TimeUnit::Microsecond,
            Some("UTC".into()),
        )],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let input = arrays
                .first()
                .ok_or_else(|| DataFusionError::Plan("age_days takes one timestamp".to_owned()))?;
            let ts = input
                .as_primitive_opt::<TimestampMicrosecondType>()
                .ok_or_else(|| DataFusionError::Plan("age_days takes a timestamp".to_owned()))?;
            let out: Int64Array = ts
                .iter()
                .map(|t| t.map(|t| (captured - t).div_euclid(86_400_000_000)))
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
        }),
    );
    ctx.register_udf(age);
    if !prefix.is_empty() {
        return;
    }
    let account = create_udf(
        "account_of",
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let input = arrays
                .first()
                .ok_or_else(|| DataFusionError::Plan("account_of takes one text".to_owned()))?;
            let text = input
                .as_string_opt::<i32>()
                .ok_or_else(|| DataFusionError::Plan("account_of takes text".to_owned()))?;
            let out: StringArray = (0..text.len())
                .map(|i| {
                    if text.is_null(i) {
                        None
                    } else {
                        account_of(text.value(i))
                    }
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
        }),
    );
    ctx.register_udf(account);
    ctx.register_udf(trust_with_source_account());
}

/// `trust_with_source_account(trust_policy, account_id, services)`: see [`docs`].
fn trust_with_source_account() -> datafusion::logical_expr::ScalarUDF {
    const NAME: &str = "trust_with_source_account";
    create_udf(
        NAME,
        vec![
            DataType::Utf8,
            DataType::Utf8,
            DataType::List(Arc::new(arrow::datatypes::Field::new_list_field(
                DataType::Utf8,
                true,
            ))),
        ],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let usage = || {
                DataFusionError::Plan(format!(
                    "{NAME} takes a trust policy, an account id and a list of services"
                ))
            };
            let (Some(doc), Some(account), Some(services)) = (
                arrays.first().and_then(|a| a.as_string_opt::<i32>()),
                arrays.get(1).and_then(|a| a.as_string_opt::<i32>()),
                arrays.get(2).and_then(|a| a.as_list_opt::<i32>()),
            ) else {
                return Err(usage());
            };
            let mut out = Vec::with_capacity(doc.len());
            for i in 0..doc.len() {
                if doc.is_null(i) || account.is_null(i) || services.is_null(i) {
                    out.push(None);
                    continue;
                }
                let list = services.value(i);
                let names = list.as_string_opt::<i32>().ok_or_else(usage)?;
                let names: Vec<&str> = names.iter().flatten().collect();
                let text = doc.value(i);
                let rewritten =
                    iamsnap_policy::rewrite::require_source_account(text, account.value(i), &names)
                        .map_err(|e| DataFusionError::Execution(format!("{NAME}: {e}")))?;
                out.push(Some(rewritten.unwrap_or_else(|| text.to_owned())));
            }
            Ok(ColumnarValue::Array(
                Arc::new(StringArray::from(out)) as ArrayRef
            ))
        }),
    )
}
