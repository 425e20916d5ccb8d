//! Parquet as Spark writes it, on the `parquet` crate's Arrow writer: snappy by default,
//! every column optional (Spark writes all columns nullable), root message
//! `spark_schema`, and the footer keys `org.apache.spark.version` and
//! `org.apache.spark.sql.parquet.row.metadata` (the Spark schema as JSON) so Spark reads
//! the exact column types back and treats dates and timestamps as proleptic Gregorian.
//! Timestamps are stored as `TIMESTAMP(MICROS)` (Spark's default is INT96; its readers
//! accept both). The columns of a batch are encoded side by side on the thread pool.

use super::options::Options;
use super::text::{spark_sql_type, sql_id};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnWriter, ArrowRowGroupWriterFactory, ArrowWriterOptions,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{WriterProperties, WriterPropertiesBuilder};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use spate_runtime::{Error, Result};
use std::collections::HashSet;
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
    /// The file and its settings until its first batch chooses the columns that keep a
    /// dictionary.
    waiting: Option<(File, WriterPropertiesBuilder)>,
    /// The open file, and the maker of its row groups' column writers.
    writer: Option<(
        SerializedFileWriter<BufWriter<File>>,
        ArrowRowGroupWriterFactory,
    )>,
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

/// Rows of a file's first batch that decide whether a column keeps its dictionary
/// (parquet-mr decides on a column's first page, at most 20,000 rows).
const DICTIONARY_SAMPLE_ROWS: usize = 20_000;

/// Whether dictionary encoding makes `column` smaller: parquet-mr's test
/// (`DictionaryValuesWriter.isCompressionSatisfying`), which Spark's writer applies to a
/// column's first page: the dictionary plus the bit-packed indices must take fewer bytes
/// than the plain values, or the column falls back to plain encoding. `None` for the types
/// it does not judge here (booleans and nested columns keep the default).
fn dictionary_pays(column: &dyn Array) -> Option<bool> {
    let column = column.slice(0, column.len().min(DICTIONARY_SAMPLE_ROWS));
    let (values, distinct, plain, dictionary) = match column.data_type() {
        DataType::Utf8 => byte_sizes(
            column
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(str::as_bytes),
        ),
        DataType::Binary => byte_sizes(column.as_binary::<i32>().iter().flatten()),
        data_type if data_type.is_primitive() => {
            let width = data_type.primitive_width()?;
            let data = column.to_data();
            let bytes = data.buffers().first()?.as_slice();
            let start = data.offset() * width;
            let mut seen = value_set();
            let mut values = 0;
            for row in (0..column.len()).filter(|&row| column.is_valid(row)) {
                seen.insert(bytes.get(start + row * width..start + (row + 1) * width)?);
                values += 1;
            }
            (values, seen.len(), values * width, seen.len() * width)
        }
        _ => return None,
    };
    let index_bits = usize::BITS - distinct.saturating_sub(1).leading_zeros();
    let indices = (values * index_bits.max(1) as usize).div_ceil(8);
    Some(dictionary + indices < plain)
}

/// An empty set of values, with a fast hash.
fn value_set<'a>() -> HashSet<&'a [u8], ahash::RandomState> {
    HashSet::with_hasher(ahash::RandomState::with_seeds(7, 11, 13, 17))
}

/// Non-null values, distinct values, plain bytes and dictionary bytes of byte strings (each
/// stored with its 4-byte length).
fn byte_sizes<'a>(strings: impl Iterator<Item = &'a [u8]>) -> (usize, usize, usize, usize) {
    let mut seen = value_set();
    let (mut values, mut plain, mut dictionary) = (0, 0, 0);
    for value in strings {
        values += 1;
        plain += value.len() + 4;
        if seen.insert(value) {
            dictionary += value.len() + 4;
        }
    }
    (values, seen.len(), plain, dictionary)
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
            .set_key_value_metadata(Some(metadata));
        Ok(ParquetPart {
            waiting: Some((file, properties)),
            writer: None,
            columns: Vec::new(),
            schema,
            row_group_bytes: ROW_GROUP_BYTES,
        })
    }

    /// The file, set up on its first batch's `columns` (none for a file without rows): a
    /// column whose first values do not shrink with a dictionary is written plain, as Spark
    /// writes it.
    fn open(
        &mut self,
        columns: &[ArrayRef],
    ) -> Result<&mut (
        SerializedFileWriter<BufWriter<File>>,
        ArrowRowGroupWriterFactory,
    )> {
        if let Some((file, mut properties)) = self.waiting.take() {
            let pays: Vec<Option<bool>> = columns
                .par_iter()
                .map(|column| dictionary_pays(column.as_ref()))
                .collect();
            for (field, pays) in self.schema.fields().iter().zip(pays) {
                if pays == Some(false) {
                    let path = ColumnPath::from(field.name().as_str());
                    properties = properties.set_column_dictionary_enabled(path, false);
                }
            }
            let options = ArrowWriterOptions::new()
                .with_properties(properties.build())
                .with_skip_arrow_metadata(true)
                .with_schema_root("spark_schema".to_string());
            // The high-level writer sets the file up (schema, footer keys); its parts then
            // encode each batch's columns side by side.
            let writer = ArrowWriter::try_new_with_options(
                BufWriter::new(file),
                self.schema.clone(),
                options,
            )
            .and_then(ArrowWriter::into_serialized_writer)
            .map_err(parquet_error)?;
            self.writer = Some(writer);
        }
        self.writer
            .as_mut()
            .ok_or_else(|| Error::component("parquet writer", "the part file is finished"))
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
        let columns = batch
            .columns()
            .iter()
            .zip(self.schema.fields())
            .map(|(column, field)| {
                if column.data_type() == field.data_type() {
                    Ok(column.clone())
                } else {
                    cast(column.as_ref(), field.data_type())
                }
            })
            .collect::<Result<Vec<ArrayRef>, _>>()?;
        let mut leaves = Vec::with_capacity(self.columns.len());
        for (column, field) in columns.iter().zip(self.schema.fields()) {
            leaves.extend(compute_leaves(field, column).map_err(parquet_error)?);
        }
        if self.columns.is_empty() {
            let (file, row_groups) = self.open(&columns)?;
            let index = file.flushed_row_groups().len();
            self.columns = row_groups
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
        let (file, _) = self.open(&[])?;
        let mut row_group = file.next_row_group().map_err(parquet_error)?;
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
        self.open(&[])?;
        let Some((file, _)) = self.writer else {
            return Err(Error::component(
                "parquet writer",
                "the part file is finished",
            ));
        };
        let buffered = file
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

    /// parquet-mr's rule, worked out by hand: 1000 distinct 9-byte strings take 13,000
    /// plain bytes against 13,000 of dictionary plus 1,250 of 10-bit indices; 1000 rows of
    /// ten 6-byte names take 10,000 plain bytes against 100 plus 500 (4-bit indices).
    #[test]
    fn a_column_keeps_its_dictionary_only_when_it_shrinks() {
        let unique = StringArray::from_iter_values((0..1000).map(|n| format!("event_{n:03}")));
        let repeated = StringArray::from_iter_values((0..1000).map(|n| format!("name_{}", n % 10)));
        assert_eq!(dictionary_pays(&unique), Some(false));
        assert_eq!(dictionary_pays(&repeated), Some(true));
        let ids = Int32Array::from_iter_values(0..1000);
        let small = Int32Array::from_iter_values((0..1000).map(|n| n % 7));
        assert_eq!(dictionary_pays(&ids), Some(false));
        assert_eq!(dictionary_pays(&small), Some(true));
        assert_eq!(
            dictionary_pays(&arrow::array::BooleanArray::from(vec![true])),
            None
        );

        // In a file: the unique column is written plain, the repeated one with a dictionary.
        let schema = Arc::new(Schema::new(vec![
            Field::new("unique", DataType::Utf8, true),
            Field::new("repeated", DataType::Utf8, true),
        ]));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(unique), Arc::new(repeated)])
                .expect("batch");
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("part.parquet");
        let mut part = ParquetPart::new(
            File::create(&path).expect("create"),
            &schema,
            ParquetCodec::Snappy,
        )
        .expect("part");
        part.write(&batch).expect("write");
        part.finish(&path).expect("finish");
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).expect("open"))
            .expect("reader");
        let row_group = reader.metadata().row_group(0);
        assert!(row_group.column(0).dictionary_page_offset().is_none());
        assert!(row_group.column(1).dictionary_page_offset().is_some());
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
