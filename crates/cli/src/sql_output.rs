//! Query results as text: an aligned table for people, CSV, JSON or NDJSON for programs.
//! Everything writes to any `Write`, so output is testable.

use std::io::Write;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};

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

/// Writes `batches` in `format` to standard output's writer `out`.
///
/// Text from the snapshot may hold control characters: the table escapes them always;
/// CSV escapes them when standard output is a terminal and keeps the exact bytes when it
/// goes to a file or a pipe (a program reading the CSV gets the data as it is); JSON and
/// NDJSON escape them always (`\u001b`, `\u009b`: the same value).
pub fn write_batches(
    batches: &[RecordBatch],
    format: QueryFormat,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    write_batches_to(batches, format, out, terminal)
}

/// [`write_batches`], told whether `out` is a terminal.
pub fn write_batches_to(
    batches: &[RecordBatch],
    format: QueryFormat,
    out: &mut dyn Write,
    terminal: bool,
) -> Result<(), CliError> {
    match format {
        QueryFormat::Table => write_table(batches, out),
        QueryFormat::Csv if terminal => {
            let mut buf = Vec::new();
            write_csv(batches, &mut buf)?;
            let text = String::from_utf8_lossy(&buf);
            out.write_all(output::escape_lines(&text).as_bytes())?;
            Ok(())
        }
        QueryFormat::Csv => write_csv(batches, out),
        QueryFormat::Json => {
            if batches.iter().all(|b| b.num_rows() == 0) {
                out.write_all(b"[]\n")?;
                return Ok(());
            }
            let mut buf = Vec::new();
            let mut w = arrow::json::ArrayWriter::new(&mut buf);
            for b in batches {
                w.write(b).map_err(err)?;
            }
            w.finish().map_err(err)?;
            buf.push(b'\n');
            write_json(buf, out)
        }
        QueryFormat::Ndjson => {
            let mut buf = Vec::new();
            let mut w = arrow::json::LineDelimitedWriter::new(&mut buf);
            for b in batches {
                w.write(b).map_err(err)?;
            }
            w.finish().map_err(err)?;
            write_json(buf, out)
        }
    }
}

fn write_csv(batches: &[RecordBatch], out: &mut dyn Write) -> Result<(), CliError> {
    let mut w = arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(&mut *out);
    for b in batches {
        w.write(&nested_as_text(b)?).map_err(err)?;
    }
    Ok(())
}

/// JSON text from the encoder, with the control characters it leaves raw escaped.
fn write_json(buf: Vec<u8>, out: &mut dyn Write) -> Result<(), CliError> {
    let text = String::from_utf8(buf).map_err(err)?;
    out.write_all(crate::report::text::json(text).as_bytes())?;
    Ok(())
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
                        .then(|| value_text(&f, field.name(), i, i))
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

/// The text of the value at `row` of a batch; a value that has none (a timestamp out of
/// range) is an error naming its column and its row in the whole result (`result_row`,
/// counted from 1), not a cell reading `ERROR`.
fn value_text(
    f: &ArrayFormatter<'_>,
    column: &str,
    row: usize,
    result_row: usize,
) -> Result<String, CliError> {
    f.value(row).try_to_string().map_err(|e| {
        CliError::with_help(
            format!(
                "cannot print the value of column `{column}` in row {}: {e}",
                result_row + 1
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
    let mut table = output::table(schema.fields().iter().map(|f| f.name().as_str()));
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
                    let text = value_text(f, field.name(), row, rows + row)?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod escaping_tests {
    use super::*;

    fn batch() -> RecordBatch {
        let names: ArrayRef = Arc::new(StringArray::from(vec!["a\u{1b}]0;t\u{7}\r\u{9b}b"]));
        RecordBatch::try_from_iter([("n\u{1b}[2J", names)]).unwrap()
    }

    fn text(format: QueryFormat, terminal: bool) -> String {
        let mut out = Vec::new();
        write_batches_to(&[batch()], format, &mut out, terminal).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn controls_are_escaped_except_in_csv_for_programs() {
        let raw = |t: &str| {
            t.chars()
                .any(|c| c != '\n' && crate::report::text::is_unsafe(c))
        };
        for terminal in [true, false] {
            let table = text(QueryFormat::Table, terminal);
            assert!(!raw(&table), "{table:?}");
            assert!(table.contains("a\\u{1b}]0;t\\u{7}\\r\\u{9b}b"), "{table}");
            assert!(table.contains("n\\u{1b}[2J"), "{table}");
            for format in [QueryFormat::Json, QueryFormat::Ndjson] {
                let json = text(format, terminal);
                assert!(!raw(&json), "{json:?}");
                // One row: NDJSON is one object, JSON an array of one.
                let value: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
                let row = value.as_array().and_then(|a| a.first()).unwrap_or(&value);
                assert_eq!(row["n\u{1b}[2J"], "a\u{1b}]0;t\u{7}\r\u{9b}b");
            }
        }
        let csv_terminal = text(QueryFormat::Csv, true);
        assert!(!raw(&csv_terminal), "{csv_terminal:?}");
        // Into a file or a pipe, CSV is data for a program: the exact bytes.
        assert!(text(QueryFormat::Csv, false).contains("a\u{1b}]0;t\u{7}\r\u{9b}b"));
    }

    #[test]
    fn a_result_of_several_batches_is_printed_whole() {
        // A table of one row group per account is read as one batch per row group.
        let one = |name: &str| {
            let names: ArrayRef = Arc::new(StringArray::from(vec![name]));
            RecordBatch::try_from_iter([("name", names)]).unwrap()
        };
        let batches = [one("management"), one("prod-003"), one("security-001")];
        let mut out = Vec::new();
        write_batches_to(&batches, QueryFormat::Table, &mut out, false).unwrap();
        let table = String::from_utf8(out).unwrap();
        for name in ["management", "prod-003", "security-001", "(3 rows)"] {
            assert!(table.contains(name), "{table}");
        }
    }
}
