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
}
