//! CSV as Spark writes it (`UnivocityGenerator` on univocity's `CsvWriter` with Spark's
//! writer settings).
//!
//! arrow-csv cannot produce Spark's text: Spark trims leading and trailing whitespace,
//! writes empty strings as `""` but NULL as nothing, escapes quotes with `\` and
//! backslashes inside quoted values, and skips rows that render as an empty line. So
//! the rows are rendered here; the value texts come from [`super::cells`].

use super::cells::{is_scalar, write_cell};
use super::options::CsvOptions;
use super::text::{spark_sql_type, sql_id};
use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Schema};
use spate_runtime::{Error, Result};

/// Writes record batches as Spark's CSV.
#[derive(Debug)]
pub(crate) struct CsvWriter {
    options: CsvOptions,
}

/// Spark's `CSVFileFormat.supportDataType` check, raised when a batch is written: the
/// first column that is a struct, array or map fails the query.
pub(crate) fn check_schema(schema: &Schema) -> Result<()> {
    for field in schema.fields() {
        if !is_scalar(field.data_type()) {
            return Err(Error::Analysis(format!(
                "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column {} of the type \"{}\".",
                sql_id(field.name()),
                spark_sql_type(field.data_type())
            )));
        }
    }
    Ok(())
}

/// Univocity's whitespace test for trimming: characters up to `' '`, except `'\0'`.
fn is_trimmed(c: char) -> bool {
    c <= ' ' && c != '\0'
}

impl CsvWriter {
    pub(crate) fn new(options: CsvOptions) -> Self {
        CsvWriter { options }
    }

    /// Whether the file starts with the column names.
    pub(crate) fn header_enabled(&self) -> bool {
        self.options.header
    }

    /// Writes the header line.
    pub(crate) fn write_header(&self, schema: &Schema, out: &mut String) {
        for (i, field) in schema.fields().iter().enumerate() {
            if i > 0 {
                out.push_str(&self.options.delimiter);
            }
            self.push_value(field.name(), out);
        }
        out.push_str(&self.options.text.line_sep);
    }

    /// Appends one line per row of `batch` to `out` (rows rendering as an empty line are
    /// skipped, like univocity's `skipEmptyLines`).
    pub(crate) fn write(&self, batch: &RecordBatch, out: &mut String) -> Result<()> {
        check_schema(batch.schema().as_ref())?;
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|c| match c.data_type() {
                DataType::Dictionary(_, value) => cast(c.as_ref(), value),
                _ => Ok(c.clone()),
            })
            .collect::<Result<_, _>>()?;
        let mut line = String::new();
        let mut cell = String::new();
        for row in 0..batch.num_rows() {
            line.clear();
            for (i, column) in columns.iter().enumerate() {
                if i > 0 {
                    line.push_str(&self.options.delimiter);
                }
                if column.is_null(row) {
                    self.push_null(&mut line);
                } else {
                    cell.clear();
                    write_cell(column.as_ref(), row, &self.options.text, &mut cell);
                    self.push_value(&cell, &mut line);
                }
            }
            if line.is_empty() {
                continue;
            }
            out.push_str(&line);
            out.push_str(&self.options.text.line_sep);
        }
        Ok(())
    }

    fn push_null(&self, line: &mut String) {
        if self.options.quote_all {
            self.push_quoted(&self.options.null_value, line);
        } else {
            line.push_str(&self.options.null_value);
        }
    }

    /// One non-null value: trimmed, `emptyValue` if nothing is left, quoted when it holds
    /// the quote character (with `escapeQuotes`), the delimiter or a line break.
    fn push_value(&self, value: &str, line: &mut String) {
        let o = &self.options;
        let mut v = value;
        if o.trim_leading {
            v = v.trim_start_matches(is_trimmed);
        }
        if o.trim_trailing {
            v = v.trim_end_matches(is_trimmed);
        }
        if v.is_empty() {
            line.push_str(&o.empty_value);
            return;
        }
        let needs_quotes = o.quote_all
            || (o.escape_quotes && v.contains(o.quote))
            || v.contains(o.delimiter.as_str())
            || v.contains(['\n', '\r']);
        if needs_quotes {
            self.push_quoted(v, line);
        } else {
            line.push_str(v);
        }
    }

    fn push_quoted(&self, v: &str, line: &mut String) {
        let o = &self.options;
        line.push(o.quote);
        for c in v.chars() {
            if c == o.quote {
                line.push(o.escape);
                line.push(c);
            } else if c == o.escape && o.escape != o.quote {
                if let Some(escape_escape) = o.escape_escape {
                    line.push(escape_escape);
                }
                line.push(c);
            } else {
                line.push(c);
            }
        }
        line.push(o.quote);
    }
}
