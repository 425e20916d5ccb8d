//! The text format: one row per line (Hadoop line splitting), in the schema's first string
//! column (`value`); invalid UTF-8 is replaced with U+FFFD. Any other column is NULL.

use super::columns::{Column, Kind};
use super::{DecodeError, DecodeOptions, FileFormat, Lines};
use arrow::array::new_null_array;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

/// Decodes a whole text file held in memory.
pub(crate) fn decode(
    data: &[u8],
    schema: &SchemaRef,
    options: &DecodeOptions,
) -> Result<Vec<RecordBatch>, DecodeError> {
    let value_index = schema
        .fields()
        .iter()
        .position(|f| Kind::of(f.data_type()) == Some(Kind::Utf8))
        .ok_or_else(|| match schema.fields().first() {
            Some(f) => DecodeError::UnsupportedType {
                column: f.name().clone(),
                data_type: f.data_type().clone(),
                format: FileFormat::Text,
            },
            None => DecodeError::SchemaRequired,
        })?;
    let batch_size = options.batch_size.max(1);
    let field = schema.field(value_index).clone();
    let mut column = Column::new(field.into(), Kind::Utf8, batch_size.min(1 << 16));
    let mut batches = Vec::new();
    let mut flush = |column: &mut Column| -> Result<(), DecodeError> {
        let rows = column.len();
        let value = column.finish()?;
        let arrays = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if i == value_index {
                    value.clone()
                } else {
                    new_null_array(f.data_type(), rows)
                }
            })
            .collect();
        batches.push(RecordBatch::try_new(schema.clone(), arrays)?);
        Ok(())
    };
    for (_, line) in Lines::new(data) {
        match std::str::from_utf8(line) {
            Ok(s) => column.push_str(s.as_bytes()),
            Err(_) => column.push_str(String::from_utf8_lossy(line).as_bytes()),
        }
        if column.len() >= batch_size || column.string_bytes() > (1 << 30) {
            flush(&mut column)?;
        }
    }
    if column.len() > 0 {
        flush(&mut column)?;
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use super::super::{decode_file, read_schema, DecodeOptions, FileFormat};
    use arrow::array::{Array, AsArray};

    #[test]
    fn one_row_per_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, b"a\n\nb c\r\nd\re\xff\n").unwrap();
        let schema = read_schema(FileFormat::Text, None).unwrap();
        let options = DecodeOptions {
            batch_size: 4,
            ..DecodeOptions::default()
        };
        let batches = decode_file(FileFormat::Text, &path, &schema, &options).unwrap();
        assert_eq!(batches.len(), 2);
        let values: Vec<String> = batches
            .iter()
            .flat_map(|b| {
                let c = b.column(0).as_string::<i32>();
                (0..c.len())
                    .map(|i| c.value(i).to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(values, vec!["a", "", "b c", "d", "e\u{FFFD}"]);
        assert_eq!(batches[0].schema(), schema);
    }
}
