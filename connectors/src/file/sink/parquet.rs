//! Parquet as Spark writes it, on the `parquet` crate's file writer: snappy by default,
//! every column optional (Spark writes all columns nullable), root message
//! `spark_schema`, and the footer keys `org.apache.spark.version` and
//! `org.apache.spark.sql.parquet.row.metadata` (the Spark schema as JSON) so Spark reads
//! the exact column types back and treats dates and timestamps as proleptic Gregorian.
//! Timestamps are stored as `TIMESTAMP(MICROS)` (Spark's default is INT96; its readers
//! accept both). Flat columns of the common types are encoded by [`flat`], the others by
//! the crate's Arrow column writers; a batch's columns side by side on the operators'
//! threads.

mod flat;

use super::options::Options;
use super::text::{spark_sql_type, sql_id};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use flat::{bit_width, FlatColumn};
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowLeafColumn,
    ArrowRowGroupWriterFactory, ArrowWriterOptions,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{WriterProperties, WriterPropertiesBuilder};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use spate_runtime::parallel::side_by_side;
use spate_runtime::{Error, Result};
use std::collections::HashSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

/// Spark's `parquet.block.size` (128 MiB): the size at which a row group is closed.
const ROW_GROUP_BYTES: usize = 128 * 1024 * 1024;
/// Bytes gathered before each write into the file: column chunks are copied into the
/// writer 8 KiB at a time, so a buffer of 8 KiB (`BufWriter`'s default) made one system
/// call per 8 KiB.
const WRITE_BUFFER_BYTES: usize = 256 * 1024;
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

    /// The Parquet codec.
    pub(crate) fn compression(self) -> Compression {
        match self {
            ParquetCodec::Snappy => Compression::SNAPPY,
            ParquetCodec::Uncompressed => Compression::UNCOMPRESSED,
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
    /// The row group being encoded: one encoder per leaf column (none before its first
    /// batch).
    columns: Vec<ColumnEncoder>,
    schema: SchemaRef,
    codec: ParquetCodec,
    /// Encoded bytes at which a row group is closed ([`ROW_GROUP_BYTES`]).
    row_group_bytes: usize,
}

/// The encoder of one leaf column of a row group.
enum ColumnEncoder {
    /// The `parquet` crate's, for nested columns and the types [`FlatColumn`] leaves out.
    Arrow(Box<ArrowColumnWriter>),
    /// spate's, for flat columns of the types it encodes.
    Flat(Box<FlatColumn>),
}

/// One batch's values of a leaf column, for its encoder.
enum Leaf {
    /// A leaf of a column, for the crate's writer.
    Arrow(ArrowLeafColumn),
    /// A flat column as it is.
    Flat(ArrayRef),
}

/// An encoded column chunk, to append to its row group.
enum ColumnChunk {
    /// Written by the crate.
    Arrow(ArrowColumnChunk),
    /// Written by spate: the chunk's bytes and where its pages lie in them.
    Flat(bytes::Bytes, ColumnCloseResult),
}

impl ColumnEncoder {
    /// The bytes encoded so far, for the row group's size.
    fn estimated_bytes(&self) -> usize {
        match self {
            ColumnEncoder::Arrow(writer) => writer.get_estimated_total_bytes(),
            ColumnEncoder::Flat(writer) => writer.estimated_bytes(),
        }
    }

    /// Ends the column's chunk of the row group.
    fn close(self) -> parquet::errors::Result<ColumnChunk> {
        Ok(match self {
            ColumnEncoder::Arrow(writer) => ColumnChunk::Arrow(writer.close()?),
            ColumnEncoder::Flat(writer) => {
                let (bytes, close) = writer.close()?;
                ColumnChunk::Flat(bytes, close)
            }
        })
    }
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
    let indices = (values * bit_width(distinct) as usize).div_ceil(8);
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
            .set_compression(codec.compression())
            .set_coerce_types(true)
            .set_key_value_metadata(Some(metadata));
        Ok(ParquetPart {
            waiting: Some((file, properties)),
            writer: None,
            columns: Vec::new(),
            schema,
            codec,
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
            let pays = side_by_side(columns.iter().collect(), |column| {
                dictionary_pays(column.as_ref())
            });
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
            // The high-level writer sets the file up (schema, footer keys); its row group
            // factory makes the column writers of the columns `flat` leaves out.
            let writer = ArrowWriter::try_new_with_options(
                BufWriter::with_capacity(WRITE_BUFFER_BYTES, file),
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

    /// Encodes `batch`, its columns side by side (`side_by_side`: on the sink's thread and
    /// the operators'); a row group goes to the file once it reaches its size.
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
        if self.columns.is_empty() {
            self.columns = self.column_encoders(&columns)?;
        }
        // A flat column is its one leaf; the others are split into theirs.
        let mut leaves = Vec::with_capacity(self.columns.len());
        for (column, field) in columns.iter().zip(self.schema.fields()) {
            match self.columns.get(leaves.len()) {
                Some(ColumnEncoder::Flat(_)) => leaves.push(Leaf::Flat(column.clone())),
                _ => leaves.extend(
                    compute_leaves(field, column)
                        .map_err(parquet_error)?
                        .into_iter()
                        .map(Leaf::Arrow),
                ),
            }
        }
        let encoders = &mut self.columns;
        side_by_side(
            encoders.iter_mut().zip(leaves).collect(),
            |(encoder, leaf)| match (encoder, leaf) {
                (ColumnEncoder::Arrow(writer), Leaf::Arrow(leaf)) => writer.write(&leaf),
                (ColumnEncoder::Flat(writer), Leaf::Flat(column)) => writer.write(&column),
                _ => Err(parquet::errors::ParquetError::General(
                    "a leaf column does not fit its encoder".into(),
                )),
            },
        )
        .into_iter()
        .collect::<parquet::errors::Result<()>>()
        .map_err(parquet_error)?;
        let encoded: usize = self
            .columns
            .iter()
            .map(ColumnEncoder::estimated_bytes)
            .sum();
        if encoded >= self.row_group_bytes {
            self.close_row_group()?;
        }
        Ok(())
    }

    /// The encoders of a new row group, one per leaf column: spate's own for flat columns
    /// of the types it encodes, the crate's Arrow writer for the others.
    fn column_encoders(&mut self, columns: &[ArrayRef]) -> Result<Vec<ColumnEncoder>> {
        let (codec, fields) = (self.codec, self.schema.clone());
        // The file's first batch decides which columns keep a dictionary.
        let (file, row_groups) = self.open(columns)?;
        let index = file.flushed_row_groups().len();
        let writers = row_groups
            .create_column_writers(index)
            .map_err(parquet_error)?;
        let leaves = file.schema_descr();
        Ok(writers
            .into_iter()
            .enumerate()
            .map(|(leaf, writer)| {
                let root = leaves.get_column_root_idx(leaf);
                let descriptor = leaves.column(leaf);
                // The file's first batch turned off the dictionaries that do not pay.
                let dictionary = file.properties().dictionary_enabled(descriptor.path());
                let flat = fields.fields().get(root).and_then(|field| {
                    FlatColumn::new(field.data_type(), descriptor, codec, dictionary)
                });
                match flat {
                    Some(flat) => ColumnEncoder::Flat(Box::new(flat)),
                    None => ColumnEncoder::Arrow(Box::new(writer)),
                }
            })
            .collect())
    }

    /// Closes the row group being encoded (its columns side by side) and appends it to
    /// the file.
    fn close_row_group(&mut self) -> Result<()> {
        let encoders = std::mem::take(&mut self.columns);
        let chunks = side_by_side(encoders, ColumnEncoder::close)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(parquet_error)?;
        let (file, _) = self.open(&[])?;
        let mut row_group = file.next_row_group().map_err(parquet_error)?;
        for chunk in chunks {
            match chunk {
                ColumnChunk::Arrow(chunk) => chunk.append_to_row_group(&mut row_group),
                ColumnChunk::Flat(bytes, close) => row_group.append_column(&bytes, close),
            }
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
    use parquet::basic::Encoding;

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
        let path = write_part(dir.path(), &schema, &[batch]);
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
        let (path, mut part) = new_part(dir.path(), "part.parquet", &schema);
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
        // The file names a list's items `element`, as Spark does: read back as the schema's.
        let written = arrow::compute::concat_batches(&schema, &batches).expect("concat written");
        assert_eq!(read_back(&path, &schema), written);
    }

    /// A new snappy part file `name` in `dir`, and its path.
    fn new_part(dir: &Path, name: &str, schema: &SchemaRef) -> (std::path::PathBuf, ParquetPart) {
        let path = dir.join(name);
        let file = File::create(&path).expect("create");
        let part = ParquetPart::new(file, schema, ParquetCodec::Snappy).expect("part");
        (path, part)
    }

    /// Writes `batches` through a snappy part file in `dir`; returns the file's path.
    fn write_part(dir: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> std::path::PathBuf {
        write_part_in(dir, schema, batches, ParquetCodec::Snappy)
    }

    /// Writes `batches` through a part file in `dir` in `codec`; returns the file's path.
    fn write_part_in(
        dir: &Path,
        schema: &SchemaRef,
        batches: &[RecordBatch],
        codec: ParquetCodec,
    ) -> std::path::PathBuf {
        let path = dir.join("part.parquet");
        let file = File::create(&path).expect("create");
        let mut part = ParquetPart::new(file, schema, codec).expect("part");
        for batch in batches {
            part.write(batch).expect("write");
        }
        part.finish(&path).expect("finish");
        path
    }

    /// The rows of the file at `path`, in the types of `schema` (cast back from the
    /// file's).
    fn read_back(path: &Path, schema: &SchemaRef) -> RecordBatch {
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).expect("open"))
            .expect("reader")
            .build()
            .expect("build");
        let read: Vec<RecordBatch> = reader.collect::<std::result::Result<_, _>>().expect("read");
        let read = arrow::compute::concat_batches(&read[0].schema(), &read).expect("concat read");
        let columns = read
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(column, field)| cast(column, field.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .expect("cast back");
        RecordBatch::try_new(schema.clone(), columns).expect("read batch")
    }

    /// The encoding of each data page of `column` in the file's first row group.
    fn data_pages(path: &Path, column: usize) -> Vec<Encoding> {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let reader = SerializedFileReader::new(File::open(path).expect("open")).expect("reader");
        let pages = reader
            .get_row_group(0)
            .and_then(|group| group.get_column_page_reader(column))
            .expect("pages");
        pages
            .map(|page| page.expect("page"))
            .filter_map(|page| match page {
                parquet::column::page::Page::DataPage { encoding, .. } => Some(encoding),
                _ => None,
            })
            .collect()
    }

    /// One column of each type spate encodes itself.
    fn flat_schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("i", DataType::Int32, true),
            Field::new("d", DataType::Date32, true),
            Field::new("l", DataType::Int64, true),
            Field::new(
                "t",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                true,
            ),
            Field::new("f", DataType::Float64, true),
            Field::new("s", DataType::Utf8, true),
        ]))
    }

    /// `rows` rows of values drawn from `distinct` each (with NaN, signed zeros and
    /// infinities among the doubles, empty and non-ASCII strings among the strings), one
    /// in `null_every` NULL (none when 0).
    fn flat_batch(
        schema: &SchemaRef,
        seed: u64,
        rows: usize,
        distinct: u64,
        null_every: u64,
    ) -> RecordBatch {
        let mut state = seed;
        let mut draws: Vec<(u64, bool)> = Vec::with_capacity(rows);
        for _ in 0..rows {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pick = (state >> 33) % distinct;
            let null = null_every > 0 && (state >> 20).is_multiple_of(null_every);
            draws.push((pick, null));
        }
        let value = |f: &dyn Fn(u64) -> i64| -> Vec<Option<i64>> {
            draws
                .iter()
                .map(|&(k, null)| (!null).then(|| f(k)))
                .collect()
        };
        let specials = [f64::NAN, -0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY];
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from_iter(
                value(&|k| k as i64 * 7 - 1000)
                    .into_iter()
                    .map(|v| v.map(|v| v as i32)),
            )),
            Arc::new(arrow::array::Date32Array::from_iter(
                value(&|k| k as i64 - 500)
                    .into_iter()
                    .map(|v| v.map(|v| v as i32)),
            )),
            Arc::new(Int64Array::from(value(&|k| (k as i64 - 3) * 1_000_000_007))),
            Arc::new(
                arrow::array::TimestampMicrosecondArray::from(value(&|k| {
                    1_705_312_800_000_000 + k as i64 * 1_000_000
                }))
                .with_timezone("UTC"),
            ),
            Arc::new(arrow::array::Float64Array::from_iter(draws.iter().map(
                |&(k, null)| {
                    (!null).then(|| {
                        specials
                            .get(k as usize)
                            .copied()
                            .unwrap_or(k as f64 / 4.0 - 10.0)
                    })
                },
            ))),
            Arc::new(StringArray::from_iter(draws.iter().map(|&(k, null)| {
                (!null).then(|| match k {
                    0 => String::new(),
                    1 => "é ü".to_string(),
                    k => format!("value {k:07}"),
                })
            }))),
        ];
        RecordBatch::try_new(schema.clone(), columns).expect("flat batch")
    }

    #[test]
    fn flat_columns_read_back_with_the_statistics_the_crate_writes() {
        let schema = flat_schema();
        // Dictionaries of 1 to ~77,000 values (index widths of 1 to 17 bits), with NULLs or
        // without, over more rows than a page holds.
        // The first batch decides whether a column keeps a dictionary: the last case's is
        // small, and its later batches hold some 70,000 more values.
        for (first, distinct, null_every) in [
            (1, 1, 0),
            (2, 2, 3),
            (5, 5, 0),
            (300, 300, 10),
            (4096, 4096, 0),
            (1_000_000, 1_000_000, 7),
            (5, 1_000_000, 0),
        ] {
            let batches: Vec<RecordBatch> = (0..4)
                .map(|b| {
                    let values = if b == 0 { first } else { distinct };
                    flat_batch(&schema, distinct * 10 + b, 25_000, values, null_every)
                })
                .collect();
            let dir = tempfile::tempdir().expect("temporary directory");
            let path = write_part(dir.path(), &schema, &batches);
            let written = arrow::compute::concat_batches(&schema, &batches).expect("concat");
            assert_eq!(read_back(&path, &schema), written, "{distinct} values");
            // The same rows through the crate's own writer: the same chunk statistics.
            let theirs = dir.path().join("theirs.parquet");
            let mut writer =
                ArrowWriter::try_new(File::create(&theirs).expect("create"), schema.clone(), None)
                    .expect("writer");
            for batch in &batches {
                writer.write(batch).expect("write");
            }
            writer.close().expect("close");
            let metadata = |path: &Path| {
                ParquetRecordBatchReaderBuilder::try_new(File::open(path).expect("open"))
                    .expect("reader")
                    .metadata()
                    .clone()
            };
            let (ours, theirs) = (metadata(&path), metadata(&theirs));
            let ours = ours.row_group(0);
            for (column, expected) in ours.columns().iter().zip(theirs.row_group(0).columns()) {
                let (got, want) = (
                    column.statistics().expect("ours"),
                    expected.statistics().expect("theirs"),
                );
                let name = column.column_path().string();
                if name == "f" {
                    // Doubles: the crate writes NaN bounds for a column of NaN alone, and a
                    // zero maximum as it found it; the format wants no NaN bound, a zero
                    // minimum as -0.0 and a zero maximum as +0.0, and so spate writes them.
                    let double = |b: Option<&[u8]>| {
                        b.map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
                    };
                    let bound = |b: Option<&[u8]>| double(b).filter(|v| !v.is_nan());
                    let (min, max) = (double(got.min_bytes_opt()), double(got.max_bytes_opt()));
                    assert_eq!(min, bound(want.min_bytes_opt()), "{distinct} values");
                    assert_eq!(max, bound(want.max_bytes_opt()), "{distinct} values");
                    assert!(min.is_none_or(|m| m != 0.0 || m.is_sign_negative()));
                    assert!(max.is_none_or(|m| m != 0.0 || m.is_sign_positive()));
                } else {
                    assert_eq!(
                        got.min_bytes_opt(),
                        want.min_bytes_opt(),
                        "{name}: {distinct} values"
                    );
                    assert_eq!(
                        got.max_bytes_opt(),
                        want.max_bytes_opt(),
                        "{name}: {distinct} values"
                    );
                }
                assert_eq!(
                    got.null_count_opt(),
                    want.null_count_opt(),
                    "{name}: {distinct} values"
                );
                assert_eq!(column.num_values(), 100_000, "{name}");
            }
            // Pages of at most 20,000 rows: four or more a chunk.
            for column in 0..schema.fields().len() {
                let pages = data_pages(&path, column).len();
                assert!(pages >= 4, "column {column}: {pages} pages");
            }
        }
    }

    #[test]
    fn flat_columns_are_encoded_by_spate_and_others_by_the_crate() {
        let schema = flat_schema();
        let batch = flat_batch(&schema, 1, 100, 10, 0);
        let dir = tempfile::tempdir().expect("temporary directory");
        let (_, mut part) = new_part(dir.path(), "flat.parquet", &schema);
        part.write(&batch).expect("write");
        assert!(part
            .columns
            .iter()
            .all(|c| matches!(c, ColumnEncoder::Flat(_))));
        let nested = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int32, true),
            Field::new_list("list", Field::new_list_field(DataType::Int32, true), true),
            Field::new("b", DataType::Boolean, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(vec![1, 2])),
            Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
                Some(vec![Some(1)]),
                None,
            ])),
            Arc::new(arrow::array::BooleanArray::from(vec![true, false])),
        ];
        let batch = RecordBatch::try_new(nested.clone(), columns).expect("batch");
        let (path, mut part) = new_part(dir.path(), "nested.parquet", &nested);
        part.write(&batch).expect("write");
        assert!(matches!(part.columns[0], ColumnEncoder::Flat(_)));
        assert!(matches!(part.columns[1], ColumnEncoder::Arrow(_)));
        assert!(matches!(part.columns[2], ColumnEncoder::Arrow(_)));
        part.finish(&path).expect("finish");
        assert_eq!(read_back(&path, &nested), batch);
        // Every column has an offset index, so readers that require one open the file.
        let options = parquet::arrow::arrow_reader::ArrowReaderOptions::new()
            .with_page_index_policy(parquet::file::metadata::PageIndexPolicy::Required);
        let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(
            File::open(&path).expect("open"),
            options,
        )
        .expect("a reader that requires the page index");
        let row_group = reader.metadata().row_group(0);
        assert!(row_group
            .columns()
            .iter()
            .all(|c| c.offset_index_range().is_some()));
    }

    #[test]
    fn a_dictionary_past_one_mebibyte_falls_back_to_plain_pages() {
        let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, true)]));
        // The first batch repeats its values (the dictionary pays), the next ones never
        // do: 150,000 distinct strings, 2.5 MB of dictionary.
        let repeated =
            StringArray::from_iter_values((0..10_000).map(|n| format!("a string {:08}", n % 100)));
        let mut batches =
            vec![RecordBatch::try_new(schema.clone(), vec![Arc::new(repeated)]).expect("batch")];
        for b in 0..3 {
            let fresh = StringArray::from_iter_values(
                (0..50_000).map(|n| format!("a string {:08}", b * 50_000 + n)),
            );
            batches
                .push(RecordBatch::try_new(schema.clone(), vec![Arc::new(fresh)]).expect("batch"));
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = write_part(dir.path(), &schema, &batches);
        let written = arrow::compute::concat_batches(&schema, &batches).expect("concat");
        assert_eq!(read_back(&path, &schema), written);
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).expect("open"))
            .expect("reader");
        let column = reader.metadata().row_group(0).column(0);
        assert!(column.dictionary_page_offset().is_some());
        let mut encodings = data_pages(&path, 0);
        encodings.dedup();
        assert_eq!(encodings, [Encoding::RLE_DICTIONARY, Encoding::PLAIN]);
        let statistics = column.statistics().expect("statistics");
        assert_eq!(statistics.min_bytes_opt(), Some(&b"a string 00000000"[..]));
        assert_eq!(statistics.max_bytes_opt(), Some(&b"a string 00149999"[..]));
    }

    #[test]
    fn an_uncompressed_part_reads_back_its_rows() {
        let schema = flat_schema();
        // Enough rows for several pages a column, with and without dictionaries.
        let batches = [
            flat_batch(&schema, 1, 30_000, 50, 7),
            flat_batch(&schema, 2, 30_000, 1_000_000, 0),
        ];
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = write_part_in(dir.path(), &schema, &batches, ParquetCodec::Uncompressed);
        let written = arrow::compute::concat_batches(&schema, &batches).expect("concat");
        assert_eq!(read_back(&path, &schema), written);
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).expect("open"))
            .expect("reader");
        for column in reader.metadata().row_group(0).columns() {
            assert_eq!(column.compression(), Compression::UNCOMPRESSED);
            assert_eq!(column.compressed_size(), column.uncompressed_size());
        }
    }

    #[test]
    fn a_page_bigger_than_the_kept_compression_buffer_reads_back() {
        // One value of 6 MiB makes a page whose compression needs more room than a thread
        // keeps; the pages around it use the kept buffer.
        let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, true)]));
        let huge = "abcdefgh".repeat(6 << 17);
        let column = StringArray::from(vec![Some("small"), Some(huge.as_str()), None, Some("z")]);
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(column)]).expect("batch");
        let batches = [batch.clone(), batch.clone(), batch];
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = write_part(dir.path(), &schema, &batches);
        let written = arrow::compute::concat_batches(&schema, &batches).expect("concat");
        assert_eq!(read_back(&path, &schema), written);
    }

    #[test]
    fn a_chunk_of_nulls_alone_reads_back_with_no_bounds() {
        let schema = flat_schema();
        // A first batch with values (so the columns keep their dictionaries), then a row
        // group of NULLs alone.
        let nulls = RecordBatch::try_new(
            schema.clone(),
            schema
                .fields()
                .iter()
                .map(|f| arrow::array::new_null_array(f.data_type(), 30_000))
                .collect(),
        )
        .expect("batch of NULLs");
        let batches = [flat_batch(&schema, 3, 100, 3, 0), nulls];
        let dir = tempfile::tempdir().expect("temporary directory");
        let (path, mut part) = new_part(dir.path(), "part.parquet", &schema);
        part.write(&batches[0]).expect("write");
        part.close_row_group().expect("first row group");
        part.write(&batches[1]).expect("write");
        part.finish(&path).expect("finish");
        let written = arrow::compute::concat_batches(&schema, &batches).expect("concat");
        assert_eq!(read_back(&path, &schema), written);
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).expect("open"))
            .expect("reader");
        for column in reader.metadata().row_group(1).columns() {
            let statistics = column.statistics().expect("statistics");
            assert_eq!(statistics.min_bytes_opt(), None);
            assert_eq!(statistics.null_count_opt(), Some(30_000));
            assert!(column.dictionary_page_offset().is_some());
        }
    }

    #[test]
    fn strings_longer_than_64_bytes_leave_the_bounds_out() {
        let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, true)]));
        let long = "x".repeat(65);
        let column = StringArray::from(vec![Some("a"), None, Some(long.as_str())]);
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(column)]).expect("batch");
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = write_part(dir.path(), &schema, std::slice::from_ref(&batch));
        assert_eq!(read_back(&path, &schema), batch);
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).expect("open"))
            .expect("reader");
        let statistics = reader
            .metadata()
            .row_group(0)
            .column(0)
            .statistics()
            .cloned()
            .expect("statistics");
        assert_eq!(statistics.max_bytes_opt(), None);
        assert_eq!(statistics.null_count_opt(), Some(1));
    }
}
