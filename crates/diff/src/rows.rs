//! Tables of a snapshot as rows of JSON values: the diff compares values, so one generic
//! reader serves every table and keeps the comparisons independent of Arrow types.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMicrosecondType};
use serde_json::Value;

/// One row: the values of a table's columns (`null` for a null cell). The column names are
/// shared by every row of a table, so a large table costs one value per cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// A row from a JSON object (for tests of the comparisons).
    #[cfg(test)]
    pub(crate) fn from_json(v: Value) -> Self {
        let (columns, values): (Vec<String>, Vec<Value>) = match v {
            Value::Object(m) => m.into_iter().unzip(),
            _ => (Vec::new(), Vec::new()),
        };
        Self {
            columns: columns.into(),
            values,
        }
    }

    pub(crate) fn get(&self, column: &str) -> &Value {
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.values.get(i))
            .unwrap_or(&Value::Null)
    }

    /// A text cell; empty for null.
    pub(crate) fn str(&self, column: &str) -> &str {
        self.get(column).as_str().unwrap_or("")
    }

    pub(crate) fn opt_str(&self, column: &str) -> Option<&str> {
        self.get(column).as_str()
    }

    /// A text list cell; `None` for null.
    pub(crate) fn list(&self, column: &str) -> Option<Vec<String>> {
        self.get(column).as_array().map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
    }

    pub(crate) fn bool(&self, column: &str) -> Option<bool> {
        self.get(column).as_bool()
    }

    pub(crate) fn int(&self, column: &str) -> Option<i64> {
        self.get(column).as_i64()
    }
}

/// Every row of a table read as `batch`.
pub(crate) fn from_batch(batch: &RecordBatch) -> Vec<Row> {
    let schema = batch.schema();
    let columns: Arc<[String]> = schema.fields().iter().map(|f| f.name().clone()).collect();
    (0..batch.num_rows())
        .map(|i| Row {
            columns: Arc::clone(&columns),
            values: batch.columns().iter().map(|col| cell(col, i)).collect(),
        })
        .collect()
}

fn cell(col: &ArrayRef, i: usize) -> Value {
    if i >= col.len() || col.is_null(i) {
        return Value::Null;
    }
    let value = match col.data_type() {
        DataType::Utf8 => col.as_string_opt::<i32>().map(|a| Value::from(a.value(i))),
        DataType::Boolean => col.as_boolean_opt().map(|a| Value::from(a.value(i))),
        DataType::Int64 => col
            .as_primitive_opt::<Int64Type>()
            .map(|a| Value::from(a.value(i))),
        DataType::Timestamp(TimeUnit::Microsecond, _) => col
            .as_primitive_opt::<TimestampMicrosecondType>()
            .and_then(|a| chrono::DateTime::from_timestamp_micros(a.value(i)))
            .map(|t| Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))),
        DataType::List(_) => col.as_list_opt::<i32>().map(|a| {
            let items = a.value(i);
            Value::Array((0..items.len()).map(|j| cell(&items, j)).collect())
        }),
        DataType::Map(..) => col.as_map_opt().map(|m| {
            let entries = m.value(i);
            let cols = entries.columns();
            let mut obj = serde_json::Map::new();
            if let (Some(keys), Some(values)) = (cols.first(), cols.get(1)) {
                for j in 0..entries.len() {
                    if let Value::String(k) = cell(keys, j) {
                        obj.insert(k, cell(values, j));
                    }
                }
            }
            Value::Object(obj)
        }),
        _ => None,
    };
    value.unwrap_or(Value::Null)
}
