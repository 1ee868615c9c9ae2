//! Tables of a snapshot as rows of JSON values: the diff compares values, so one generic
//! reader serves every table and keeps the comparisons independent of Arrow types.

use std::collections::BTreeMap;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMicrosecondType};
use iamsnap_snapshot::Snapshot;
use serde_json::Value;

use crate::DiffError;

/// One row: column name to value (`null` for a null cell).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row(BTreeMap<String, Value>);

impl Row {
    /// A row from a JSON object (for tests of the comparisons).
    #[cfg(test)]
    pub(crate) fn from_json(v: Value) -> Self {
        match v {
            Value::Object(m) => Self(m.into_iter().collect()),
            _ => Self(BTreeMap::new()),
        }
    }

    pub(crate) fn get(&self, column: &str) -> &Value {
        self.0.get(column).unwrap_or(&Value::Null)
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

/// Every row of a table.
pub(crate) fn read(snapshot: &Snapshot, table: &str) -> Result<Vec<Row>, DiffError> {
    let batch = snapshot.read_table(table)?;
    let schema = batch.schema();
    let names: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
    let mut rows = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let mut row = BTreeMap::new();
        for (name, col) in names.iter().zip(batch.columns()) {
            row.insert((*name).clone(), cell(col, i));
        }
        rows.push(Row(row));
    }
    Ok(rows)
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
