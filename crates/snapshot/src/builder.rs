//! Row-by-row construction of a table's Arrow record batch, checked against the table's
//! column definitions.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Int64Builder, ListBuilder, MapBuilder, MapFieldNames, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field};
use arrow::record_batch::RecordBatch;
use chrono::{DateTime, Utc};

use crate::error::SnapshotError;
use crate::schema::{ColumnType, Table};

enum ColumnBuilder {
    Text(StringBuilder),
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Timestamp(TimestampMicrosecondBuilder),
    TextList(ListBuilder<StringBuilder>),
    TextMap(MapBuilder<StringBuilder, StringBuilder>),
}

impl ColumnBuilder {
    fn new(ty: ColumnType) -> Self {
        match ty {
            ColumnType::Text => Self::Text(StringBuilder::new()),
            ColumnType::Bool => Self::Bool(BooleanBuilder::new()),
            ColumnType::Int => Self::Int(Int64Builder::new()),
            ColumnType::Timestamp => {
                Self::Timestamp(TimestampMicrosecondBuilder::new().with_timezone("UTC"))
            }
            ColumnType::TextList => Self::TextList(
                ListBuilder::new(StringBuilder::new())
                    .with_field(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            ),
            ColumnType::TextMap => Self::TextMap(
                MapBuilder::new(
                    Some(MapFieldNames {
                        entry: "entries".to_owned(),
                        key: "keys".to_owned(),
                        value: "values".to_owned(),
                    }),
                    StringBuilder::new(),
                    StringBuilder::new(),
                )
                .with_keys_field(Arc::new(Field::new(
                    "keys",
                    DataType::Utf8,
                    false,
                ))),
            ),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Self::Text(b) => Arc::new(b.finish()),
            Self::Bool(b) => Arc::new(b.finish()),
            Self::Int(b) => Arc::new(b.finish()),
            Self::Timestamp(b) => Arc::new(b.finish()),
            Self::TextList(b) => Arc::new(b.finish()),
            Self::TextMap(b) => Arc::new(b.finish()),
        }
    }
}

/// A value for one cell, appended in column order with [`TableBuilder::push`].
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// A text value or null.
    Text(Option<&'a str>),
    /// A boolean or null.
    Bool(Option<bool>),
    /// An integer or null.
    Int(Option<i64>),
    /// An instant or null.
    Timestamp(Option<DateTime<Utc>>),
    /// A list of texts or null.
    TextList(Option<&'a [String]>),
    /// Key/value pairs or null.
    TextMap(Option<&'a [(String, String)]>),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Self {
        Cell::Text(Some(v))
    }
}
impl<'a> From<&'a String> for Cell<'a> {
    fn from(v: &'a String) -> Self {
        Cell::Text(Some(v))
    }
}
impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Cell::Text(v)
    }
}
impl From<bool> for Cell<'_> {
    fn from(v: bool) -> Self {
        Cell::Bool(Some(v))
    }
}
impl From<Option<bool>> for Cell<'_> {
    fn from(v: Option<bool>) -> Self {
        Cell::Bool(v)
    }
}
impl From<i64> for Cell<'_> {
    fn from(v: i64) -> Self {
        Cell::Int(Some(v))
    }
}
impl From<Option<i64>> for Cell<'_> {
    fn from(v: Option<i64>) -> Self {
        Cell::Int(v)
    }
}
impl From<DateTime<Utc>> for Cell<'_> {
    fn from(v: DateTime<Utc>) -> Self {
        Cell::Timestamp(Some(v))
    }
}
impl From<Option<DateTime<Utc>>> for Cell<'_> {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Cell::Timestamp(v)
    }
}
impl<'a> From<&'a [String]> for Cell<'a> {
    fn from(v: &'a [String]) -> Self {
        Cell::TextList(Some(v))
    }
}
impl<'a> From<&'a Vec<String>> for Cell<'a> {
    fn from(v: &'a Vec<String>) -> Self {
        Cell::TextList(Some(v))
    }
}
impl<'a> From<Option<&'a [String]>> for Cell<'a> {
    fn from(v: Option<&'a [String]>) -> Self {
        Cell::TextList(v)
    }
}
impl<'a> From<&'a [(String, String)]> for Cell<'a> {
    fn from(v: &'a [(String, String)]) -> Self {
        Cell::TextMap(Some(v))
    }
}

/// Builds one table's record batch row by row. Each row is a full slice of cells in column
/// order; a cell of the wrong type or a null in a non-nullable column is an error naming the
/// table and column, and leaves the builder unchanged.
pub struct TableBuilder {
    table: &'static Table,
    columns: Vec<ColumnBuilder>,
    rows: usize,
}

impl std::fmt::Debug for TableBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableBuilder")
            .field("table", &self.table.name)
            .field("rows", &self.rows)
            .finish()
    }
}

impl TableBuilder {
    /// An empty builder for `table`.
    pub fn new(table: &'static Table) -> Self {
        Self {
            table,
            columns: table
                .columns
                .iter()
                .map(|c| ColumnBuilder::new(c.ty))
                .collect(),
            rows: 0,
        }
    }

    /// The table being built.
    pub fn table(&self) -> &'static Table {
        self.table
    }

    /// Rows appended so far.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was appended.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one row.
    pub fn push(&mut self, cells: &[Cell<'_>]) -> Result<(), SnapshotError> {
        self.check(cells)?;
        for (builder, cell) in self.columns.iter_mut().zip(cells) {
            match (builder, *cell) {
                (ColumnBuilder::Text(b), Cell::Text(v)) => b.append_option(v),
                (ColumnBuilder::Bool(b), Cell::Bool(v)) => b.append_option(v),
                (ColumnBuilder::Int(b), Cell::Int(v)) => b.append_option(v),
                (ColumnBuilder::Timestamp(b), Cell::Timestamp(v)) => {
                    b.append_option(v.map(|t| t.timestamp_micros()));
                }
                (ColumnBuilder::TextList(b), Cell::TextList(v)) => match v {
                    Some(items) => {
                        for item in items {
                            b.values().append_value(item);
                        }
                        b.append(true);
                    }
                    None => b.append(false),
                },
                (ColumnBuilder::TextMap(b), Cell::TextMap(v)) => {
                    if let Some(pairs) = v {
                        for (k, val) in pairs {
                            b.keys().append_value(k);
                            b.values().append_value(val);
                        }
                    }
                    b.append(v.is_some()).map_err(|e| {
                        SnapshotError::Internal(format!("table `{}`: {e}", self.table.name))
                    })?;
                }
                // `check` has verified every cell's type against its column.
                _ => {
                    return Err(SnapshotError::Internal(format!(
                        "table `{}`: cell type changed during append",
                        self.table.name
                    )));
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    fn check(&self, cells: &[Cell<'_>]) -> Result<(), SnapshotError> {
        let name = self.table.name;
        if cells.len() != self.table.columns.len() {
            return Err(SnapshotError::Internal(format!(
                "table `{name}`: a row has {} cells, the table has {} columns",
                cells.len(),
                self.table.columns.len()
            )));
        }
        for (column, cell) in self.table.columns.iter().zip(cells) {
            let (matches, is_null) = match (column.ty, cell) {
                (ColumnType::Text, Cell::Text(v)) => (true, v.is_none()),
                (ColumnType::Bool, Cell::Bool(v)) => (true, v.is_none()),
                (ColumnType::Int, Cell::Int(v)) => (true, v.is_none()),
                (ColumnType::Timestamp, Cell::Timestamp(v)) => (true, v.is_none()),
                (ColumnType::TextList, Cell::TextList(v)) => (true, v.is_none()),
                (ColumnType::TextMap, Cell::TextMap(v)) => (true, v.is_none()),
                _ => (false, false),
            };
            if !matches {
                return Err(SnapshotError::Internal(format!(
                    "table `{name}`, column `{}`: expected a {} value, got {cell:?}",
                    column.name,
                    column.ty.display_name()
                )));
            }
            if is_null && !column.nullable {
                return Err(SnapshotError::Internal(format!(
                    "table `{name}`, column `{}` cannot be null",
                    column.name
                )));
            }
        }
        Ok(())
    }

    /// The record batch of every row appended; the builder is left empty.
    pub fn finish(&mut self) -> Result<RecordBatch, SnapshotError> {
        let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        self.rows = 0;
        RecordBatch::try_new(self.table.schema(), arrays)
            .map_err(|e| SnapshotError::Internal(format!("table `{}`: {e}", self.table.name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::table;

    #[test]
    fn builds_every_column_type_and_rejects_bad_rows() -> Result<(), SnapshotError> {
        let users = table("users").ok_or(SnapshotError::Internal("no users".into()))?;
        let mut b = TableBuilder::new(users);
        let groups = vec!["ops".to_owned()];
        let tags = vec![("team".to_owned(), "infra".to_owned())];
        let now = Utc::now();
        b.push(&[
            "111122223333".into(),
            "arn:aws:iam::111122223333:user/bot".into(),
            "bot".into(),
            "AIDAEXAMPLE".into(),
            "/".into(),
            now.into(),
            Cell::Text(None),
            (&groups).into(),
            tags.as_slice().into(),
        ])?;
        // A null in a non-nullable column is refused and the builder stays consistent.
        let err = b.push(&[
            "111122223333".into(),
            Cell::Text(None),
            "bot".into(),
            "AIDAEXAMPLE".into(),
            "/".into(),
            now.into(),
            Cell::Text(None),
            (&groups).into(),
            tags.as_slice().into(),
        ]);
        assert!(err.is_err());
        assert!(b.push(&["x".into()]).is_err());
        let batch = b.finish()?;
        assert_eq!(batch.num_rows(), 1);
        assert_eq!(batch.schema(), users.schema());
        Ok(())
    }
}
