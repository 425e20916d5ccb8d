//! Parquet as Spark writes it, on the `parquet` crate's Arrow writer: snappy by default,
//! every column optional (Spark writes all columns nullable), root message
//! `spark_schema`, and the footer keys `org.apache.spark.version` and
//! `org.apache.spark.sql.parquet.row.metadata` (the Spark schema as JSON) so Spark reads
//! the exact column types back and treats dates and timestamps as proleptic Gregorian.
//! Timestamps are stored as `TIMESTAMP(MICROS)` (Spark's default is INT96; its readers
//! accept both). The columns of a batch are encoded side by side on the thread pool.

use super::options::Options;
use super::text::{spark_sql_type, sql_id};
use arrow::array::RecordBatch;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnWriter, ArrowRowGroupWriterFactory, ArrowWriterOptions,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;
use spate_runtime::{Error, Result};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

/// Spark's `parquet.block.size` (128 MiB): the size at which a row group is closed.
const ROW_GROUP_BYTES: usize = 128 * 1024 * 1024;
/// The Spark version recorded in the footer.
const SPARK_VERSION: &str = "4.3.0";

/// The `compression` (or `parquet.compression`) option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParquetCodec {
    Snappy,
    Uncompressed,
}

impl ParquetCodec {
    pub(crate) fn from_options(options: &Options) -> Result<Self> {
        let codec = options
            .get("compression")
            .or(options.get("parquet.compression"));
        match codec.map(str::to_ascii_lowercase).as_deref() {
            None | Some("snappy") => Ok(ParquetCodec::Snappy),
            Some("none") | Some("uncompressed") => Ok(ParquetCodec::Uncompressed),
            Some(other) => Err(Error::IllegalArgument(format!(
                "compression codec '{other}' is not supported by spate's parquet sink (use snappy or none)"
            ))),
        }
    }

    /// File name extension: `.snappy.parquet` / `.parquet`.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            ParquetCodec::Snappy => ".snappy.parquet",
            ParquetCodec::Uncompressed => ".parquet",
        }
    }
}

/// Spark's Parquet type check: `NULL` (void) columns cannot be written.
pub(crate) fn check_schema(schema: &Schema) -> Result<()> {
    fn has_null(data_type: &DataType) -> bool {
        match data_type {
            DataType::Null => true,
            DataType::Struct(fields) => fields.iter().any(|f| has_null(f.data_type())),
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                has_null(f.data_type())
            }
            DataType::Map(entries, _) => has_null(entries.data_type()),
            _ => false,
        }
    }
    for field in schema.fields() {
        if has_null(field.data_type()) {
            return Err(Error::Analysis(format!(
                "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The Parquet datasource doesn't support the column {} of the type \"{}\".",
                sql_id(field.name()),
                spark_sql_type(field.data_type())
            )));
        }
    }
    Ok(())
}

/// The type as written: everything nullable, timestamps in microseconds, half floats as
/// floats, dates as days.
fn written_type(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Timestamp(_, tz) => DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
        DataType::Float16 => DataType::Float32,
        DataType::Date64 => DataType::Date32,
        DataType::Dictionary(_, value) => written_type(value),
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| written_field(f))
                .collect::<Vec<_>>()
                .into(),
        ),
        DataType::List(f) | DataType::ListView(f) | DataType::FixedSizeList(f, _) => {
            DataType::List(Arc::new(written_field(f)))
        }
        DataType::LargeList(f) | DataType::LargeListView(f) => {
            DataType::LargeList(Arc::new(written_field(f)))
        }
        DataType::Map(entries, sorted) => {
            let entries = match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => {
                    let key = Field::new(kv[0].name(), written_type(kv[0].data_type()), false);
                    let value = written_field(&kv[1]);
                    Field::new(
                        entries.name(),
                        DataType::Struct(Fields::from(vec![key, value])),
                        false,
                    )
                }
                _ => entries.as_ref().clone(),
            };
            DataType::Map(Arc::new(entries), *sorted)
        }
        other => other.clone(),
    }
}

fn written_field(field: &Field) -> Field {
    Field::new(field.name(), written_type(field.data_type()), true)
}

/// Spark's `DataType.json` of a written type; `None` for types Spark has no name for
/// (then the footer key is left out and Spark infers the types from Parquet's).
fn spark_type_json(data_type: &DataType) -> Option<String> {
    let simple = |name: &str| Some(format!("\"{name}\""));
    match data_type {
        DataType::Boolean => simple("boolean"),
        DataType::Int8 => simple("byte"),
        DataType::Int16 => simple("short"),
        DataType::Int32 => simple("integer"),
        DataType::Int64 => simple("long"),
        DataType::Float32 => simple("float"),
        DataType::Float64 => simple("double"),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => simple("string"),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => simple("binary"),
        DataType::Date32 => simple("date"),
        DataType::Timestamp(_, Some(_)) => simple("timestamp"),
        DataType::Timestamp(_, None) => simple("timestamp_ntz"),
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => {
            Some(format!("\"decimal({p},{s})\""))
        }
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => {
            Some(format!("\"decimal({p},{s})\""))
        }
        DataType::Struct(fields) => spark_struct_json(fields),
        DataType::List(f) | DataType::LargeList(f) => Some(format!(
            "{{\"type\":\"array\",\"elementType\":{},\"containsNull\":true}}",
            spark_type_json(f.data_type())?
        )),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => Some(format!(
                "{{\"type\":\"map\",\"keyType\":{},\"valueType\":{},\"valueContainsNull\":true}}",
                spark_type_json(kv[0].data_type())?,
                spark_type_json(kv[1].data_type())?
            )),
            _ => None,
        },
        _ => None,
    }
}

fn spark_struct_json(fields: &Fields) -> Option<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for f in fields.iter() {
        let name = serde_json::to_string(f.name()).ok()?;
        parts.push(format!(
            "{{\"name\":{name},\"type\":{},\"nullable\":true,\"metadata\":{{}}}}",
            spark_type_json(f.data_type())?
        ));
    }
    Some(format!(
        "{{\"type\":\"struct\",\"fields\":[{}]}}",
        parts.join(",")
    ))
}

/// One Parquet part file being written.
pub(crate) struct ParquetPart {
    file: SerializedFileWriter<BufWriter<File>>,
    row_groups: ArrowRowGroupWriterFactory,
    /// The row group being encoded: one writer per leaf column (none before its first
    /// batch).
    columns: Vec<ArrowColumnWriter>,
    schema: SchemaRef,
    /// Encoded bytes at which a row group is closed ([`ROW_GROUP_BYTES`]).
    row_group_bytes: usize,
}

/// A Parquet writer error, named.
fn parquet_error(error: parquet::errors::ParquetError) -> Error {
    Error::component("parquet writer", error)
}

impl ParquetPart {
    /// Starts a part file for batches of `schema` in the (new, empty) `file`.
    pub(crate) fn new(file: File, schema: &Schema, codec: ParquetCodec) -> Result<Self> {
        check_schema(schema)?;
        let written: Schema = Schema::new(
            schema
                .fields()
                .iter()
                .map(|f| written_field(f))
                .collect::<Vec<_>>(),
        );
        let schema = Arc::new(written);
        let mut metadata = vec![KeyValue::new(
            "org.apache.spark.version".to_string(),
            SPARK_VERSION.to_string(),
        )];
        if let Some(json) = spark_struct_json(schema.fields()) {
            metadata.push(KeyValue::new(
                "org.apache.spark.sql.parquet.row.metadata".to_string(),
                json,
            ));
        }
        let properties = WriterProperties::builder()
            .set_compression(match codec {
                ParquetCodec::Snappy => Compression::SNAPPY,
                ParquetCodec::Uncompressed => Compression::UNCOMPRESSED,
            })
            .set_coerce_types(true)
            .set_key_value_metadata(Some(metadata))
            .build();
        let options = ArrowWriterOptions::new()
            .with_properties(properties)
            .with_skip_arrow_metadata(true)
            .with_schema_root("spark_schema".to_string());
        // The high-level writer sets the file up (schema, footer keys); its parts then
        // encode each batch's columns side by side.
        let (file, row_groups) =
            ArrowWriter::try_new_with_options(BufWriter::new(file), schema.clone(), options)
                .and_then(ArrowWriter::into_serialized_writer)
                .map_err(parquet_error)?;
        Ok(ParquetPart {
            file,
            row_groups,
            columns: Vec::new(),
            schema,
            row_group_bytes: ROW_GROUP_BYTES,
        })
    }

    /// Encodes `batch`, its columns side by side; a row group goes to the file once it
    /// reaches its size.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_columns() != self.schema.fields().len() {
            return Err(Error::component(
                "parquet writer",
                format!(
                    "a batch with {} columns does not fit the file's {} columns",
                    batch.num_columns(),
                    self.schema.fields().len()
                ),
            ));
        }
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let mut leaves = Vec::with_capacity(self.columns.len());
        for (column, field) in batch.columns().iter().zip(self.schema.fields()) {
            let column = if column.data_type() == field.data_type() {
                column.clone()
            } else {
                cast(column.as_ref(), field.data_type())?
            };
            leaves.extend(compute_leaves(field, &column).map_err(parquet_error)?);
        }
        if self.columns.is_empty() {
            let index = self.file.flushed_row_groups().len();
            self.columns = self
                .row_groups
                .create_column_writers(index)
                .map_err(parquet_error)?;
        }
        self.columns
            .par_iter_mut()
            .zip(leaves)
            .try_for_each(|(writer, leaf)| writer.write(&leaf))
            .map_err(parquet_error)?;
        let encoded: usize = self
            .columns
            .iter()
            .map(ArrowColumnWriter::get_estimated_total_bytes)
            .sum();
        if encoded >= self.row_group_bytes {
            self.close_row_group()?;
        }
        Ok(())
    }

    /// Closes the row group being encoded (its columns side by side) and appends it to
    /// the file.
    fn close_row_group(&mut self) -> Result<()> {
        let chunks = std::mem::take(&mut self.columns)
            .into_par_iter()
            .map(ArrowColumnWriter::close)
            .collect::<Result<Vec<_>, _>>()
            .map_err(parquet_error)?;
        let mut row_group = self.file.next_row_group().map_err(parquet_error)?;
        for chunk in chunks {
            chunk
                .append_to_row_group(&mut row_group)
                .map_err(parquet_error)?;
        }
        row_group.close().map_err(parquet_error)?;
        Ok(())
    }

    /// Writes the last row group and the footer; returns the file for syncing.
    pub(crate) fn finish(mut self, path: &Path) -> Result<File> {
        if !self.columns.is_empty() {
            self.close_row_group()?;
        }
        let buffered = self
            .file
            .into_inner()
            .map_err(|e| Error::component(format!("parquet writer {}", path.display()), e))?;
        buffered
            .into_inner()
            .map_err(|e| Error::io("writing", path, e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int32Array, Int64Array, ListArray, StringArray, StructArray};
    use arrow::datatypes::Int32Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    /// Rows `from..from + 100`: a number, a string, a struct of two (three leaf
    /// columns between them) and a list.
    fn batch(schema: &SchemaRef, from: i32) -> RecordBatch {
        let numbers: Vec<i32> = (from..from + 100).collect();
        let Some(DataType::Struct(pair)) = schema.fields().get(2).map(|f| f.data_type()) else {
            unreachable!("the test schema's third column is a struct")
        };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(numbers.clone())),
            Arc::new(StringArray::from_iter_values(
                numbers.iter().map(|n| format!("row {n}")),
            )),
            Arc::new(StructArray::new(
                pair.clone(),
                vec![
                    Arc::new(Int64Array::from_iter_values(
                        numbers.iter().map(|&n| i64::from(n) * 3),
                    )),
                    Arc::new(StringArray::from_iter(
                        numbers.iter().map(|n| (n % 2 == 0).then(|| n.to_string())),
                    )),
                ],
                None,
            )),
            Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(
                numbers
                    .iter()
                    .map(|&n| Some((0..n % 4).map(Some).collect::<Vec<_>>())),
            )),
        ];
        RecordBatch::try_new(schema.clone(), columns).expect("test batch")
    }

    #[test]
    fn columns_encoded_side_by_side_read_back_in_row_groups() {
        let pair = Fields::from(vec![
            Field::new("x", DataType::Int64, true),
            Field::new("y", DataType::Utf8, true),
        ]);
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int32, true),
            Field::new("s", DataType::Utf8, true),
            Field::new("pair", DataType::Struct(pair), true),
            Field::new_list("list", Field::new_list_field(DataType::Int32, true), true),
        ]));
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("part.parquet");
        let file = File::create(&path).expect("create");
        let mut part = ParquetPart::new(file, &schema, ParquetCodec::Snappy).expect("part");
        // Every batch fills a row group.
        part.row_group_bytes = 1;
        let batches: Vec<RecordBatch> = [0, 100, 200].map(|from| batch(&schema, from)).into();
        for batch in &batches {
            part.write(batch).expect("write");
        }
        part.finish(&path).expect("finish");
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).expect("open"))
            .expect("reader");
        assert_eq!(reader.metadata().num_row_groups(), 3);
        let read: Vec<RecordBatch> = reader
            .build()
            .expect("build")
            .collect::<std::result::Result<_, _>>()
            .expect("read");
        let read = arrow::compute::concat_batches(&read[0].schema(), &read).expect("concat read");
        // The file names a list's items `element`, as Spark does.
        let read = read
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(column, field)| cast(column, field.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .expect("cast back");
        let read = RecordBatch::try_new(schema.clone(), read).expect("read batch");
        let written = arrow::compute::concat_batches(&schema, &batches).expect("concat written");
        assert_eq!(read, written);
    }
}
