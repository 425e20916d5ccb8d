//! JSON lines as Spark's `JacksonGenerator` writes them, on arrow-json's encoders.
//!
//! arrow-json already matches Spark for objects, field order, omitted NULL fields,
//! arrays (with `null` elements), booleans and integers. An [`EncoderFactory`] replaces
//! the encoders whose text differs: doubles and floats (Java's `toString`, non-finite
//! values as the strings `"NaN"`, `"Infinity"`), strings (Jackson's escapes), binary
//! (base64), decimals (`BigDecimal.toString`), dates and timestamps (Spark's patterns in
//! the session time zone) and maps (NULL values kept, as Spark writes them).

use super::cells::{format_timestamp, write_cell};
use super::options::Options;
use super::options::{JsonOptions, TextOptions};
use super::text::{base64, jackson_string, java_big_decimal};
use arrow::array::{
    Array, ArrayRef, AsArray, MapArray, RecordBatch, StringArray, StringBuilder, StructArray,
};
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type,
    Field, FieldRef, Float16Type, Float32Type, Float64Type, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow::error::ArrowError;
use arrow::json::writer::{make_encoder, Encoder, EncoderFactory, EncoderOptions, NullableEncoder};
use spate_runtime::text::number::{java_double, java_float};
use spate_runtime::text::zone::Zone;
use spate_runtime::Result;
use std::collections::HashMap;
use std::sync::Arc;

/// Writes record batches as Spark's JSON lines.
#[derive(Debug)]
pub(crate) struct JsonWriter {
    encoder_options: EncoderOptions,
    line_sep: Vec<u8>,
}

impl JsonWriter {
    pub(crate) fn new(options: JsonOptions) -> Self {
        let line_sep = options.text.line_sep.clone().into_bytes();
        let factory = SparkEncoders {
            text: Arc::new(options.text),
        };
        let encoder_options = EncoderOptions::default()
            .with_explicit_nulls(!options.ignore_null_fields)
            .with_encoder_factory(Arc::new(factory));
        JsonWriter {
            encoder_options,
            line_sep,
        }
    }

    /// Appends one line per row of `batch` to `out`.
    pub(crate) fn write(&self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let array = StructArray::from(batch.clone());
        let field: FieldRef = Arc::new(Field::new_struct(
            "",
            batch.schema().fields().clone(),
            false,
        ));
        let mut encoder = make_encoder(&field, &array, &self.encoder_options)?;
        for row in 0..batch.num_rows() {
            encoder.encode(row, out);
            out.extend_from_slice(&self.line_sep);
        }
        Ok(())
    }
}

/// Every value of a struct or array column as Spark's `to_json` writes it: the JSON
/// sink's text (NULL fields left out), one value per row, NULL for NULL; timestamps in
/// `zone`.
pub fn to_json_values(values: &ArrayRef, zone: &Zone) -> Result<StringArray> {
    let writer = JsonWriter::new(JsonOptions::new(&Options::new(&HashMap::new()), zone)?);
    let field: FieldRef = Arc::new(Field::new("", values.data_type().clone(), true));
    let mut encoder = make_encoder(&field, values.as_ref(), &writer.encoder_options)?;
    let mut text = StringBuilder::with_capacity(values.len(), values.len() * 32);
    let mut out = Vec::new();
    for row in 0..values.len() {
        if values.is_null(row) {
            text.append_null();
            continue;
        }
        out.clear();
        encoder.encode(row, &mut out);
        text.append_value(String::from_utf8_lossy(&out));
    }
    Ok(text.finish())
}

/// Replaces arrow-json's encoders where Spark's text differs.
#[derive(Debug)]
struct SparkEncoders {
    text: Arc<TextOptions>,
}

impl EncoderFactory for SparkEncoders {
    fn make_default_encoder<'a>(
        &self,
        _field: &'a FieldRef,
        array: &'a dyn Array,
        options: &'a EncoderOptions,
    ) -> Result<Option<NullableEncoder<'a>>, ArrowError> {
        let encoder: Box<dyn Encoder + 'a> = match array.data_type() {
            DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                Box::new(FloatEncoder(array))
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                Box::new(StringEncoder(array))
            }
            DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_) => Box::new(BinaryEncoder(array)),
            DataType::Decimal32(_, _)
            | DataType::Decimal64(_, _)
            | DataType::Decimal128(_, _)
            | DataType::Decimal256(_, _) => Box::new(DecimalEncoder(array)),
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => {
                Box::new(TemporalEncoder {
                    array,
                    text: self.text.clone(),
                    scratch: String::new(),
                })
            }
            DataType::Map(_, _) => {
                let map = array.as_map();
                Box::new(MapEncoder::try_new(map, options, self.text.clone())?)
            }
            _ => return Ok(None),
        };
        Ok(Some(NullableEncoder::new(encoder, array.nulls().cloned())))
    }
}

struct FloatEncoder<'a>(&'a dyn Array);

impl Encoder for FloatEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let text = match self.0.data_type() {
            DataType::Float16 => {
                java_float(self.0.as_primitive::<Float16Type>().value(idx).to_f32())
            }
            DataType::Float32 => java_float(self.0.as_primitive::<Float32Type>().value(idx)),
            _ => java_double(self.0.as_primitive::<Float64Type>().value(idx)),
        };
        // Jackson writes non-finite numbers as strings.
        let quoted = matches!(text.as_str(), "NaN" | "Infinity" | "-Infinity");
        if quoted {
            out.push(b'"');
        }
        out.extend_from_slice(text.as_bytes());
        if quoted {
            out.push(b'"');
        }
    }
}

struct StringEncoder<'a>(&'a dyn Array);

impl Encoder for StringEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let value = match self.0.data_type() {
            DataType::Utf8 => self.0.as_string::<i32>().value(idx),
            DataType::LargeUtf8 => self.0.as_string::<i64>().value(idx),
            _ => self.0.as_string_view().value(idx),
        };
        jackson_string(value, out);
    }
}

struct BinaryEncoder<'a>(&'a dyn Array);

impl Encoder for BinaryEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let value = match self.0.data_type() {
            DataType::Binary => self.0.as_binary::<i32>().value(idx),
            DataType::LargeBinary => self.0.as_binary::<i64>().value(idx),
            DataType::BinaryView => self.0.as_binary_view().value(idx),
            _ => self.0.as_fixed_size_binary().value(idx),
        };
        out.push(b'"');
        base64(value, out);
        out.push(b'"');
    }
}

struct DecimalEncoder<'a>(&'a dyn Array);

impl Encoder for DecimalEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let (unscaled, scale) = match self.0.data_type() {
            DataType::Decimal32(_, s) => (
                self.0
                    .as_primitive::<Decimal32Type>()
                    .value(idx)
                    .to_string(),
                *s,
            ),
            DataType::Decimal64(_, s) => (
                self.0
                    .as_primitive::<Decimal64Type>()
                    .value(idx)
                    .to_string(),
                *s,
            ),
            DataType::Decimal128(_, s) => (
                self.0
                    .as_primitive::<Decimal128Type>()
                    .value(idx)
                    .to_string(),
                *s,
            ),
            DataType::Decimal256(_, s) => (
                self.0
                    .as_primitive::<Decimal256Type>()
                    .value(idx)
                    .to_string(),
                *s,
            ),
            _ => return out.extend_from_slice(b"null"),
        };
        out.extend_from_slice(java_big_decimal(&unscaled, scale as i32).as_bytes());
    }
}

struct TemporalEncoder<'a> {
    array: &'a dyn Array,
    text: Arc<TextOptions>,
    scratch: String,
}

impl Encoder for TemporalEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        self.scratch.clear();
        let text = &self.text;
        match self.array.data_type() {
            DataType::Date32 => text.date.format_days(
                self.array.as_primitive::<Date32Type>().value(idx) as i64,
                &mut self.scratch,
            ),
            DataType::Date64 => text.date.format_days(
                self.array
                    .as_primitive::<Date64Type>()
                    .value(idx)
                    .div_euclid(86_400_000),
                &mut self.scratch,
            ),
            DataType::Timestamp(unit, tz) => {
                let a = self.array;
                let value = match unit {
                    TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(idx),
                    TimeUnit::Millisecond => {
                        a.as_primitive::<TimestampMillisecondType>().value(idx)
                    }
                    TimeUnit::Microsecond => {
                        a.as_primitive::<TimestampMicrosecondType>().value(idx)
                    }
                    TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(idx),
                };
                format_timestamp(text, unit, value, tz.is_some(), &mut self.scratch);
            }
            _ => {}
        }
        jackson_string(&self.scratch, out);
    }
}

/// Spark writes every map entry, `null` values included; keys as their text.
struct MapEncoder<'a> {
    map: &'a MapArray,
    keys: &'a dyn Array,
    values: NullableEncoder<'a>,
    text: Arc<TextOptions>,
    scratch: String,
}

impl<'a> MapEncoder<'a> {
    fn try_new(
        map: &'a MapArray,
        options: &'a EncoderOptions,
        text: Arc<TextOptions>,
    ) -> Result<Self, ArrowError> {
        let DataType::Map(entries, _) = map.data_type() else {
            return Err(ArrowError::JsonError("expected a map".into()));
        };
        let DataType::Struct(fields) = entries.data_type() else {
            return Err(ArrowError::JsonError("map entries are not a struct".into()));
        };
        if fields.len() != 2 {
            return Err(ArrowError::JsonError(
                "map entries need a key and a value".into(),
            ));
        }
        let keys = map.keys().as_ref();
        if !super::cells::is_scalar(keys.data_type())
            || matches!(keys.data_type(), DataType::Dictionary(_, _))
        {
            return Err(ArrowError::JsonError(format!(
                "unsupported map key type {} for JSON output",
                keys.data_type()
            )));
        }
        let values = make_encoder(&fields[1], map.values().as_ref(), options)?;
        Ok(MapEncoder {
            map,
            keys,
            values,
            text,
            scratch: String::new(),
        })
    }
}

impl Encoder for MapEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let offsets = self.map.value_offsets();
        let (start, end) = (offsets[idx] as usize, offsets[idx + 1] as usize);
        out.push(b'{');
        for entry in start..end {
            if entry > start {
                out.push(b',');
            }
            self.scratch.clear();
            write_cell(self.keys, entry, &self.text, &mut self.scratch);
            jackson_string(&self.scratch, out);
            out.push(b':');
            if self.values.is_null(entry) {
                out.extend_from_slice(b"null");
            } else {
                self.values.encode(entry, out);
            }
        }
        out.push(b'}');
    }
}
