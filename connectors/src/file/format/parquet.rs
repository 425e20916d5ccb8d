//! Parquet decoding through `parquet::arrow::arrow_reader` (SEMANTICS.md §3.4).
//!
//! Columns are matched by name (exactly, else case-insensitively when unambiguous, as with
//! Spark's default `spark.sql.caseSensitive=false`); columns missing from the file are NULL.
//! A column is converted only where Spark 4.3's Parquet reader allows it (same type, or
//! the widenings it supports: integer widening, int/float → double, integer → decimal with
//! enough integer digits, decimal widening, any timestamp → `TimestampType`); anything else
//! fails like Spark's `FAILED_READ_FILE.PARQUET_COLUMN_DATA_TYPE_MISMATCH`.

use super::{DecodeError, DecodeOptions};
use arrow::array::{new_null_array, Array, ArrayRef};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use std::path::Path;

/// Decodes a whole Parquet file.
pub(crate) fn decode(
    path: &Path,
    schema: &SchemaRef,
    options: &DecodeOptions,
) -> Result<Vec<RecordBatch>, DecodeError> {
    let perr = |message: String| DecodeError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(super::io_error(path))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| perr(e.to_string()))?;
    let file_schema = builder.schema().clone();
    let total_rows = usize::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);

    // Output field → root column index in the file.
    let mut sources: Vec<Option<usize>> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let exact = file_schema
            .fields()
            .iter()
            .position(|f| f.name() == field.name());
        let found = match exact {
            Some(i) => Some(i),
            None => {
                let matches: Vec<usize> = file_schema
                    .fields()
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.name().eq_ignore_ascii_case(field.name()))
                    .map(|(i, _)| i)
                    .collect();
                match matches.as_slice() {
                    [] => None,
                    [i] => Some(*i),
                    _ => {
                        return Err(perr(format!(
                            "[_LEGACY_ERROR_TEMP_2094] Found duplicate field(s) \"{}\" in \
                             case-insensitive mode",
                            field.name()
                        )))
                    }
                }
            }
        };
        if let Some(i) = found {
            let actual = file_schema.field(i).data_type();
            if !readable_as(actual, field.data_type()) {
                let physical = builder
                    .parquet_schema()
                    .columns()
                    .iter()
                    .find(|c| {
                        let parts = c.path().parts();
                        parts.len() == 1 && parts[0] == *file_schema.field(i).name()
                    })
                    .map(|c| c.physical_type().to_string())
                    .unwrap_or_else(|| actual.to_string());
                return Err(perr(format!(
                    "[FAILED_READ_FILE.PARQUET_COLUMN_DATA_TYPE_MISMATCH] Data type mismatches \
                     when reading Parquet column [{}]. Expected Spark type {}, actual Parquet \
                     type {}.",
                    field.name(),
                    spate_runtime::types::spark_type_name(field.data_type()),
                    physical
                )));
            }
        }
        sources.push(found);
    }

    let batch_size = options.batch_size.max(1);
    let mut projected: Vec<usize> = sources.iter().flatten().copied().collect();
    projected.sort_unstable();
    projected.dedup();
    let mut out = Vec::new();
    if projected.is_empty() {
        // No column of the schema is in the file: all-NULL rows.
        let mut left = total_rows;
        while left > 0 {
            let n = left.min(batch_size);
            let arrays = schema
                .fields()
                .iter()
                .map(|f| new_null_array(f.data_type(), n))
                .collect();
            out.push(RecordBatch::try_new_with_options(
                schema.clone(),
                arrays,
                &RecordBatchOptions::new().with_row_count(Some(n)),
            )?);
            left -= n;
        }
        return Ok(out);
    }
    let mask = ProjectionMask::roots(builder.parquet_schema(), projected.iter().copied());
    let reader = builder
        .with_projection(mask)
        .with_batch_size(batch_size)
        .build()
        .map_err(|e| perr(e.to_string()))?;
    for batch in reader {
        let batch = batch.map_err(|e| perr(e.to_string()))?;
        let rows = batch.num_rows();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for (field, source) in schema.fields().iter().zip(&sources) {
            let array = match source {
                None => new_null_array(field.data_type(), rows),
                Some(i) => {
                    let name = file_schema.field(*i).name();
                    let column = batch
                        .column_by_name(name)
                        .ok_or_else(|| perr(format!("column `{name}` missing from a batch")))?;
                    convert(column, field.data_type())?
                }
            };
            arrays.push(array);
        }
        out.push(RecordBatch::try_new_with_options(
            schema.clone(),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )?);
    }
    Ok(out)
}

fn is_string(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
    )
}

fn int_rank(t: &DataType) -> Option<u8> {
    match t {
        DataType::Int8 => Some(1),
        DataType::Int16 => Some(2),
        DataType::Int32 => Some(3),
        DataType::Int64 => Some(4),
        _ => None,
    }
}

/// Whether Spark 4.3's Parquet reader reads a column stored as `actual` into `wanted`.
fn readable_as(actual: &DataType, wanted: &DataType) -> bool {
    use DataType::*;
    if actual == wanted {
        return true;
    }
    match (actual, wanted) {
        (a, Utf8 | LargeUtf8 | Utf8View) => is_string(a),
        (a, b) if int_rank(a).is_some() && int_rank(b).is_some() => int_rank(a) <= int_rank(b),
        (Int8 | Int16 | Int32 | Float32, Float64) => true,
        (Int8 | Int16 | Int32, Decimal128(p, s)) => i16::from(*p) - i16::from(*s) >= 10,
        (Int64, Decimal128(p, s)) => i16::from(*p) - i16::from(*s) >= 20,
        (Decimal128(p1, s1), Decimal128(p2, s2)) => {
            s2 >= s1 && i16::from(*p2) - i16::from(*s2) >= i16::from(*p1) - i16::from(*s1)
        }
        (Timestamp(_, _), Timestamp(_, Some(_))) => true,
        (Date32, Date32) => true,
        (a, b) => a == b,
    }
}

/// Converts a file column to the schema's type (after [`readable_as`] allowed it).
fn convert(column: &ArrayRef, wanted: &DataType) -> Result<ArrayRef, DecodeError> {
    if column.data_type() == wanted {
        return Ok(column.clone());
    }
    if let (DataType::Timestamp(_, from_tz), DataType::Timestamp(unit, Some(tz))) =
        (column.data_type(), wanted)
    {
        // Stored instants (INT96, or TIMESTAMP with or without isAdjustedToUTC) are UTC
        // based: change the unit only, then label with the wanted zone.
        let same_zone = DataType::Timestamp(*unit, from_tz.clone());
        let cast = arrow::compute::cast(column, &same_zone)?;
        // Relabeling the zone changes only the type, never the stored values.
        let data = cast
            .to_data()
            .into_builder()
            .data_type(DataType::Timestamp(*unit, Some(tz.clone())));
        let relabeled = arrow::array::make_array(data.build()?);
        return Ok(relabeled);
    }
    Ok(arrow::compute::cast(column, wanted)?)
}

#[cfg(test)]
mod tests {
    use super::super::{decode_file, DecodeOptions, FileFormat};
    use super::*;
    use arrow::array::AsArray;
    use arrow::array::{
        Float32Array, Int32Array, Int64Array, StringArray, TimestampNanosecondArray,
    };
    use arrow::datatypes::TimeUnit;
    use arrow::datatypes::{Field, Float64Type, Int64Type, Schema, TimestampMicrosecondType};
    use std::sync::Arc;

    fn write_file(dir: &Path) -> std::path::PathBuf {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("name", DataType::Utf8, true),
            Field::new("l", DataType::Int64, true),
            Field::new("f", DataType::Float32, true),
            Field::new("ts", DataType::Timestamp(TimeUnit::Nanosecond, None), true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int32Array::from(vec![Some(1), None, Some(3)])),
                Arc::new(StringArray::from(vec![Some("n1"), Some("n2"), None])),
                Arc::new(Int64Array::from(vec![7, 8, 9])),
                Arc::new(Float32Array::from(vec![2.5, 3.5, 4.5])),
                Arc::new(TimestampNanosecondArray::from(vec![
                    1705312800000000000,
                    0,
                    -1000,
                ])),
            ],
        )
        .unwrap();
        let path = dir.join("p.parquet");
        let file = std::fs::File::create(&path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        path
    }

    fn want(fields: Vec<Field>) -> SchemaRef {
        Arc::new(Schema::new(fields))
    }

    #[test]
    fn columns_by_name_missing_null_and_widened() {
        // Spark 4.3: reading (id BIGINT, name STRING, missing INT, ts TIMESTAMP) works,
        // `missing` is NULL; upper-case names match; float → double and int → double widen.
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path());
        let schema = want(vec![
            Field::new("ID", DataType::Int64, true),
            Field::new("name", DataType::Utf8, true),
            Field::new("missing", DataType::Int32, true),
            Field::new("ts", spate_runtime::types::timestamp_type(), true),
            Field::new("f", DataType::Float64, true),
        ]);
        let options = DecodeOptions {
            batch_size: 2,
            ..DecodeOptions::default()
        };
        let batches = decode_file(FileFormat::Parquet, &path, &schema, &options).unwrap();
        assert_eq!(
            batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(),
            vec![2, 1]
        );
        let b = arrow::compute::concat_batches(&schema, &batches).unwrap();
        assert_eq!(b.schema(), schema);
        let id = b.column(0).as_primitive::<Int64Type>();
        assert_eq!(id.value(0), 1);
        assert!(id.is_null(1));
        assert_eq!(b.column(1).as_string::<i32>().value(1), "n2");
        assert_eq!(b.column(2).null_count(), 3);
        let ts = b.column(3).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(ts.value(0), 1705312800000000);
        assert_eq!(ts.value(2), -1);
        assert_eq!(b.column(4).as_primitive::<Float64Type>().value(0), 2.5);
    }

    #[test]
    fn incompatible_types_fail_like_spark() {
        // Spark 4.3: name STRING→INT, l BIGINT→INT, id INT→STRING, id INT→DECIMAL(10,2)
        // all fail with PARQUET_COLUMN_DATA_TYPE_MISMATCH.
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path());
        for (name, ty) in [
            ("name", DataType::Int32),
            ("l", DataType::Int32),
            ("id", DataType::Utf8),
            ("id", DataType::Decimal128(10, 2)),
        ] {
            let schema = want(vec![Field::new(name, ty, true)]);
            let err = decode_file(
                FileFormat::Parquet,
                &path,
                &schema,
                &DecodeOptions::default(),
            )
            .unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("PARQUET_COLUMN_DATA_TYPE_MISMATCH"), "{msg}");
            assert!(msg.contains(&format!("[{name}]")), "{msg}");
        }
        assert!(readable_as(&DataType::Int32, &DataType::Decimal128(12, 2)));
    }

    #[test]
    fn no_matching_column_gives_null_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path());
        let schema = want(vec![Field::new("zzz", DataType::Utf8, true)]);
        let batches = decode_file(
            FileFormat::Parquet,
            &path,
            &schema,
            &DecodeOptions::default(),
        )
        .unwrap();
        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
        assert_eq!(batches[0].column(0).null_count(), 3);
    }

    #[test]
    fn not_parquet_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.parquet");
        std::fs::write(&path, b"not parquet").unwrap();
        let schema = want(vec![Field::new("a", DataType::Int32, true)]);
        let err = decode_file(
            FileFormat::Parquet,
            &path,
            &schema,
            &DecodeOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, DecodeError::Parquet { .. }));
        assert!(err.to_string().contains("x.parquet"));
    }
}
