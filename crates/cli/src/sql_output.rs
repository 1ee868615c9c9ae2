//! Query results as text: an aligned table for people, CSV, JSON or NDJSON for programs.
//! Everything writes to any `Write`, so output is testable.

use std::io::Write;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use comfy_table::Cell;

use crate::exit::CliError;
use crate::output;

/// How query results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    /// An aligned table, wrapped to the terminal.
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl std::str::FromStr for QueryFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Self::Table),
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            "ndjson" => Ok(Self::Ndjson),
            other => Err(format!(
                "unknown format `{other}`: use table, csv, json or ndjson"
            )),
        }
    }
}

/// Long values are cut in the table format so one cell cannot flood the screen; the other
/// formats are complete.
const MAX_CELL: usize = 200;

fn err(e: impl std::fmt::Display) -> CliError {
    CliError::new(format!("cannot print the result: {e}"))
}

/// Writes `batches` in `format`.
pub fn write_batches(
    batches: &[RecordBatch],
    format: QueryFormat,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match format {
        QueryFormat::Table => write_table(batches, out),
        QueryFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut *out);
            for b in batches {
                w.write(&nested_as_text(b)?).map_err(err)?;
            }
            Ok(())
        }
        QueryFormat::Json => {
            if batches.iter().all(|b| b.num_rows() == 0) {
                out.write_all(b"[]\n")?;
                return Ok(());
            }
            let mut w = arrow::json::ArrayWriter::new(&mut *out);
            for b in batches {
                w.write(b).map_err(err)?;
            }
            w.finish().map_err(err)?;
            out.write_all(b"\n")?;
            Ok(())
        }
        QueryFormat::Ndjson => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut *out);
            for b in batches {
                w.write(b).map_err(err)?;
            }
            w.finish().map_err(err)?;
            Ok(())
        }
    }
}

/// CSV has no lists or maps: such columns become their text form (`[a, b]`, `{k: v}`).
fn nested_as_text(batch: &RecordBatch) -> Result<RecordBatch, CliError> {
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| f.data_type().is_nested())
    {
        return Ok(batch.clone());
    }
    let options = FormatOptions::default().with_null("");
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if field.data_type().is_nested() {
            let f = ArrayFormatter::try_new(column.as_ref(), &options).map_err(err)?;
            let text: StringArray = (0..column.len())
                .map(|i| {
                    (!column.is_null(i))
                        .then(|| value_text(&f, field.name(), i))
                        .transpose()
                })
                .collect::<Result<_, _>>()?;
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            columns.push(Arc::new(text));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(err)
}

/// The text of one value; a value that has none (a timestamp out of range) is an error
/// naming its column and row (counted from 1), not a cell reading `ERROR`.
fn value_text(f: &ArrayFormatter<'_>, column: &str, row: usize) -> Result<String, CliError> {
    f.value(row).try_to_string().map_err(|e| {
        CliError::with_help(
            format!(
                "cannot print the value of column `{column}` in row {}: {e}",
                row + 1
            ),
            "convert or filter the value in the query (e.g. cast it to text, or leave out the rows where it is out of range)",
        )
    })
}

fn write_table(batches: &[RecordBatch], out: &mut dyn Write) -> Result<(), CliError> {
    let Some(first) = batches.first() else {
        out.write_all(b"(0 rows)\n")?;
        return Ok(());
    };
    let schema = first.schema();
    let mut table = output::table(schema.fields().iter().map(|f| Cell::new(f.name())));
    let options = FormatOptions::default().with_null("");
    let mut rows = 0usize;
    for batch in batches {
        let schema = batch.schema();
        let formatters: Vec<ArrayFormatter<'_>> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<_, _>>()
            .map_err(err)?;
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = formatters
                .iter()
                .zip(schema.fields())
                .map(|(f, field)| {
                    let text = value_text(f, field.name(), rows + row)?;
                    Ok(if text.chars().count() > MAX_CELL {
                        let cut: String = text.chars().take(MAX_CELL).collect();
                        format!("{cut}…")
                    } else {
                        text
                    })
                })
                .collect::<Result<_, CliError>>()?;
            table.add_row(cells);
        }
        rows += batch.num_rows();
    }
    let noun = if rows == 1 { "row" } else { "rows" };
    writeln!(out, "{table}\n({rows} {noun})")?;
    Ok(())
}
