//! Column builders shared by the JSON and CSV decoders, and Spark's per-type value
//! conversions (`JacksonParser.makeConverter`, `UnivocityParser.makeConverter`).
//!
//! Builders support removing the last value and truncation, so a decoder can overwrite a
//! duplicate JSON key or roll back a row it decides to drop.

use super::datetime::{string_to_date, string_to_timestamp};
use arrow::array::BooleanBufferBuilder;
use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int16Array,
    Int32Array, Int64Array, Int8Array, ListArray, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow::buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, FieldRef};
use arrow::error::ArrowError;
use spate_runtime::text::number::{
    java_parse_double, java_parse_float, java_parse_long, parse_plain_decimal, plain_decimal,
};
use spate_runtime::text::timestamp::TimestampParser;
use std::sync::Arc;

/// The Spark type a column is decoded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Utf8,
    Boolean,
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Date32,
    /// Spark `TimestampType`: microseconds since the epoch.
    Timestamp,
    Decimal(u8, i8),
    /// A struct of the kinds of its fields (JSON only).
    Struct,
    /// An array of the kind of its element (JSON only).
    List,
}

impl Kind {
    /// The kind for an Arrow type, `None` when the text readers cannot produce it.
    pub(crate) fn of(data_type: &DataType) -> Option<Kind> {
        Some(match data_type {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::Utf8,
            DataType::Boolean => Kind::Boolean,
            DataType::Int8 => Kind::Int8,
            DataType::Int16 => Kind::Int16,
            DataType::Int32 => Kind::Int32,
            DataType::Int64 => Kind::Int64,
            DataType::Float32 => Kind::Float32,
            DataType::Float64 => Kind::Float64,
            DataType::Date32 => Kind::Date32,
            DataType::Timestamp(_, Some(_)) => Kind::Timestamp,
            DataType::Decimal128(p, s) if *s >= 0 && *p <= 38 => Kind::Decimal(*p, *s),
            DataType::Struct(fields)
                if fields.iter().all(|f| Kind::of(f.data_type()).is_some()) =>
            {
                Kind::Struct
            }
            DataType::List(element) => {
                Kind::of(element.data_type())?;
                Kind::List
            }
            _ => return None,
        })
    }

    /// Whether values of this kind are objects or arrays.
    pub(crate) fn is_nested(self) -> bool {
        matches!(self, Kind::Struct | Kind::List)
    }
}

enum Data {
    Bool(BooleanBufferBuilder),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    I128(Vec<i128>),
    Str {
        offsets: Vec<i32>,
        bytes: Vec<u8>,
    },
    Struct(Vec<Column>),
    List {
        offsets: Vec<i32>,
        element: Box<Column>,
    },
}

/// One output column under construction.
pub(crate) struct Column {
    kind: Kind,
    field: FieldRef,
    /// Number of values.
    len: usize,
    /// The rows holding NULL, ascending. Nulls are rare in decoded data, so a list of them
    /// costs less per value than a validity bitmap built as values arrive.
    null_rows: Vec<usize>,
    data: Data,
}

/// A JSON value as seen by a field converter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum JsonValue<'a> {
    Null,
    True,
    False,
    /// `VALUE_NUMBER_INT`: the number's text.
    Int(&'a [u8]),
    /// `VALUE_NUMBER_FLOAT`: the number's text (also `NaN`, `Infinity`, `-INF`, …).
    Float(&'a [u8]),
    /// `VALUE_STRING`: the unescaped content.
    Str(&'a [u8]),
    /// An object or array: its raw text.
    Nested(&'a [u8]),
}

impl JsonValue<'_> {
    /// The text Spark keeps when this value lands in a string field (exact raw text).
    fn raw(&self) -> Option<&[u8]> {
        match self {
            JsonValue::Null => None,
            JsonValue::True => Some(b"true"),
            JsonValue::False => Some(b"false"),
            JsonValue::Int(t) | JsonValue::Float(t) | JsonValue::Str(t) | JsonValue::Nested(t) => {
                Some(t)
            }
        }
    }
}

/// A number as JSON writes it most often: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, at most 15
/// digits in all, no exponent; read as its parts while its syntax is checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlainNumber {
    pub(crate) negative: bool,
    /// All its digits, the fraction's included, as one integer.
    pub(crate) digits: u64,
    /// How many of them the fraction holds.
    pub(crate) decimals: usize,
    /// Whether it has a fraction (a `VALUE_NUMBER_FLOAT`, even `1.0`).
    pub(crate) fraction: bool,
}

/// `put_x(v)`: appends `v` if the column holds that primitive type (and counts it as
/// non-null); returns false otherwise.
macro_rules! put_primitive {
    ($($name:ident($ty:ty) => $variant:ident,)*) => {$(
        #[inline]
        fn $name(&mut self, v: $ty) -> bool {
            if let Data::$variant(d) = &mut self.data {
                d.push(v);
                self.push_ok();
                true
            } else {
                false
            }
        }
    )*};
}

impl Column {
    /// A new, empty column for `field` (whose type must have a [`Kind`]).
    pub(crate) fn new(field: FieldRef, kind: Kind, capacity: usize) -> Column {
        let data = match kind {
            Kind::Utf8 => {
                let mut offsets = Vec::with_capacity(capacity + 1);
                offsets.push(0);
                Data::Str {
                    offsets,
                    bytes: Vec::with_capacity(capacity * 8),
                }
            }
            Kind::Boolean => Data::Bool(BooleanBufferBuilder::new(capacity)),
            Kind::Int8 => Data::I8(Vec::with_capacity(capacity)),
            Kind::Int16 => Data::I16(Vec::with_capacity(capacity)),
            Kind::Int32 | Kind::Date32 => Data::I32(Vec::with_capacity(capacity)),
            Kind::Int64 | Kind::Timestamp => Data::I64(Vec::with_capacity(capacity)),
            Kind::Float32 => Data::F32(Vec::with_capacity(capacity)),
            Kind::Float64 => Data::F64(Vec::with_capacity(capacity)),
            Kind::Decimal(..) => Data::I128(Vec::with_capacity(capacity)),
            Kind::Struct => Data::Struct(match field.data_type() {
                DataType::Struct(fields) => fields
                    .iter()
                    .filter_map(|f| {
                        Some(Column::new(f.clone(), Kind::of(f.data_type())?, capacity))
                    })
                    .collect(),
                _ => Vec::new(),
            }),
            Kind::List => {
                let element = match field.data_type() {
                    DataType::List(element) => element.clone(),
                    _ => Arc::new(arrow::datatypes::Field::new(
                        "element",
                        DataType::Utf8,
                        true,
                    )),
                };
                let kind = Kind::of(element.data_type()).unwrap_or(Kind::Utf8);
                let mut offsets = Vec::with_capacity(capacity + 1);
                offsets.push(0);
                Data::List {
                    offsets,
                    element: Box::new(Column::new(element, kind, capacity)),
                }
            }
        };
        Column {
            kind,
            field,
            len: 0,
            null_rows: Vec::new(),
            data,
        }
    }

    /// Number of values.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The field's name.
    pub(crate) fn name(&self) -> &str {
        self.field.name()
    }

    /// The kind of its values.
    #[inline]
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// Bytes of string data held, nested columns' included (0 for other kinds). Asked
    /// after every record, so the flat case stays a load.
    #[inline]
    pub(crate) fn string_bytes(&self) -> usize {
        match &self.data {
            Data::Str { bytes, .. } => bytes.len(),
            Data::Struct(_) | Data::List { .. } => self.nested_string_bytes(),
            _ => 0,
        }
    }

    /// [`Self::string_bytes`] of a struct's fields or an array's elements.
    fn nested_string_bytes(&self) -> usize {
        match &self.data {
            Data::Struct(fields) => fields.iter().map(Column::string_bytes).sum(),
            Data::List { element, .. } => element.string_bytes(),
            _ => 0,
        }
    }

    /// A struct's field columns (none for other kinds).
    pub(crate) fn fields(&self) -> &[Column] {
        match &self.data {
            Data::Struct(fields) => fields,
            _ => &[],
        }
    }

    /// A struct's field columns, to fill (none for other kinds).
    pub(crate) fn fields_mut(&mut self) -> &mut [Column] {
        match &mut self.data {
            Data::Struct(fields) => fields,
            _ => &mut [],
        }
    }

    /// Marks a struct's fields, filled up to this row, as one more non-NULL struct.
    pub(crate) fn end_struct(&mut self) {
        self.push_ok();
    }

    /// An array's element column (`None` for other kinds).
    pub(crate) fn element_mut(&mut self) -> Option<&mut Column> {
        match &mut self.data {
            Data::List { element, .. } => Some(element),
            _ => None,
        }
    }

    /// Ends an array whose elements were appended to [`Self::element_mut`] since the last.
    pub(crate) fn end_list(&mut self) {
        if let Data::List { offsets, element } = &mut self.data {
            offsets.push(element.len() as i32);
            self.push_ok();
        }
    }

    /// Appends a NULL.
    #[inline]
    pub(crate) fn push_null(&mut self) {
        self.null_rows.push(self.len);
        self.len += 1;
        match &mut self.data {
            Data::Bool(b) => b.append(false),
            Data::I8(v) => v.push(0),
            Data::I16(v) => v.push(0),
            Data::I32(v) => v.push(0),
            Data::I64(v) => v.push(0),
            Data::F32(v) => v.push(0.0),
            Data::F64(v) => v.push(0.0),
            Data::I128(v) => v.push(0),
            Data::Str { offsets, bytes } => offsets.push(bytes.len() as i32),
            Data::Struct(fields) => {
                for field in fields {
                    field.push_null();
                }
            }
            Data::List { offsets, element } => offsets.push(element.len() as i32),
        }
    }

    /// Appends a string value (Utf8 columns only; `s` must be valid UTF-8).
    #[inline]
    pub(crate) fn push_str(&mut self, s: &[u8]) {
        if let Data::Str { offsets, bytes } = &mut self.data {
            bytes.extend_from_slice(s);
            offsets.push(bytes.len() as i32);
            self.len += 1;
        } else {
            self.push_null();
        }
    }

    /// Keeps the first `len` values (and, of a struct or array, no part of a later row).
    pub(crate) fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            // A nested row abandoned midway holds values of its fields or elements only.
            self.truncate_nested();
            return;
        }
        let kept_nulls = self.null_rows.partition_point(|&row| row < len);
        self.null_rows.truncate(kept_nulls);
        self.len = len;
        match &mut self.data {
            Data::Bool(b) => b.truncate(len),
            Data::I8(v) => v.truncate(len),
            Data::I16(v) => v.truncate(len),
            Data::I32(v) => v.truncate(len),
            Data::I64(v) => v.truncate(len),
            Data::F32(v) => v.truncate(len),
            Data::F64(v) => v.truncate(len),
            Data::I128(v) => v.truncate(len),
            Data::Str { offsets, bytes } => {
                offsets.truncate(len + 1);
                let end = offsets.last().copied().unwrap_or(0);
                bytes.truncate(end as usize);
            }
            Data::Struct(_) => {}
            Data::List { offsets, .. } => offsets.truncate(len + 1),
        }
        self.truncate_nested();
    }

    /// Drops the values a struct's fields or an array's elements hold beyond its rows.
    fn truncate_nested(&mut self) {
        let len = self.len;
        match &mut self.data {
            Data::Struct(fields) => {
                for field in fields {
                    field.truncate(len);
                }
            }
            Data::List { offsets, element } => {
                element.truncate(offsets.last().copied().unwrap_or(0) as usize);
            }
            _ => {}
        }
    }

    #[inline]
    fn push_ok(&mut self) {
        self.len += 1;
    }

    /// Appends a converted JSON value. Returns `false` (after appending NULL) when Spark's
    /// converter fails for it, which makes the record corrupt.
    pub(crate) fn push_json(&mut self, value: JsonValue<'_>, timestamps: &TimestampParser) -> bool {
        if matches!(value, JsonValue::Null) {
            self.push_null();
            return true;
        }
        let ok = match self.kind {
            Kind::Utf8 => match value.raw() {
                Some(t) => {
                    self.push_str(t);
                    return true;
                }
                None => false,
            },
            Kind::Boolean => match value {
                JsonValue::True => self.put_bool(true),
                JsonValue::False => self.put_bool(false),
                _ => false,
            },
            Kind::Int8 => match value {
                // Jackson's getByteValue accepts -128..=255 and wraps.
                JsonValue::Int(t) => match parse_int(t) {
                    Some(v) if (-128..=255).contains(&v) => self.put_i8(v as u8 as i8),
                    _ => false,
                },
                _ => false,
            },
            Kind::Int16 => match value {
                JsonValue::Int(t) => match parse_int(t).and_then(|v| i16::try_from(v).ok()) {
                    Some(v) => self.put_i16(v),
                    None => false,
                },
                _ => false,
            },
            Kind::Int32 => match value {
                JsonValue::Int(t) => match parse_int(t).and_then(|v| i32::try_from(v).ok()) {
                    Some(v) => self.put_i32(v),
                    None => false,
                },
                _ => false,
            },
            Kind::Int64 => match value {
                JsonValue::Int(t) => match parse_int(t) {
                    Some(v) => self.put_i64(v),
                    None => false,
                },
                _ => false,
            },
            Kind::Float64 => match json_double(value) {
                Some(v) => self.put_f64(v),
                None => false,
            },
            Kind::Float32 => match json_float(value) {
                Some(v) => self.put_f32(v),
                None => false,
            },
            Kind::Timestamp => match value {
                JsonValue::Str(s) if !s.is_empty() => match string_to_timestamp(s, timestamps) {
                    Some(v) => self.put_i64(v),
                    None => false,
                },
                // Seconds since the epoch; Java's `getLongValue * 1000L * 1000L` wraps.
                JsonValue::Int(t) => match parse_int(t) {
                    Some(v) => self.put_i64(v.wrapping_mul(1_000_000)),
                    None => false,
                },
                _ => false,
            },
            Kind::Date32 => match value {
                JsonValue::Str(s) if !s.is_empty() => {
                    // stringToDate, then Spark 1.5's "days since epoch as a string".
                    match string_to_date(s).or_else(|| {
                        java_parse_long(s, i32::MIN as i64, i32::MAX as i64).map(|v| v as i32)
                    }) {
                        Some(v) => self.put_i32(v),
                        None => false,
                    }
                }
                _ => false,
            },
            Kind::Decimal(p, s) => match value {
                JsonValue::Int(t) | JsonValue::Float(t) => match parse_decimal(t, p, s) {
                    Some(v) => self.put_i128(v),
                    None => false,
                },
                JsonValue::Str(t) if !t.is_empty() => match parse_decimal_us(t, p, s) {
                    Some(v) => self.put_i128(v),
                    None => false,
                },
                _ => false,
            },
            // Objects and arrays are parsed into these by the JSON decoder; any other
            // value does not convert.
            Kind::Struct | Kind::List => false,
        };
        if !ok {
            self.push_null();
        }
        ok
    }

    /// Appends a [`PlainNumber`] into a DOUBLE, INT or BIGINT column, the common cases of
    /// [`Self::push_json`], converted as it converts them. `false`, with nothing appended,
    /// for another kind or a number it must judge (a fraction or an out-of-range value
    /// for an integer type).
    #[inline(always)]
    pub(crate) fn push_plain_number(&mut self, number: PlainNumber) -> bool {
        let integer = || {
            let value = number.digits as i64;
            if number.negative {
                -value
            } else {
                value
            }
        };
        match (self.kind, number.fraction) {
            (Kind::Float64, fraction) => {
                let value = plain_decimal(number.negative, number.digits, number.decimals);
                self.put_f64(if fraction {
                    value
                } else {
                    integer_valued(value)
                })
            }
            (Kind::Int64, false) => self.put_i64(integer()),
            (Kind::Int32, false) => match i32::try_from(integer()) {
                Ok(v) => self.put_i32(v),
                Err(_) => false,
            },
            _ => false,
        }
    }

    /// Appends a converted CSV token (never the null value: callers handle that). Returns
    /// `false` (after appending NULL) when Spark's converter fails.
    pub(crate) fn push_csv(&mut self, token: &[u8], timestamps: &TimestampParser) -> bool {
        let ok = match self.kind {
            Kind::Utf8 => {
                self.push_str(token);
                return true;
            }
            Kind::Boolean => {
                if token.eq_ignore_ascii_case(b"true") {
                    self.put_bool(true)
                } else if token.eq_ignore_ascii_case(b"false") {
                    self.put_bool(false)
                } else {
                    false
                }
            }
            Kind::Int8 => match java_parse_long(token, -128, 127) {
                Some(v) => self.put_i8(v as i8),
                None => false,
            },
            Kind::Int16 => match java_parse_long(token, i16::MIN.into(), i16::MAX.into()) {
                Some(v) => self.put_i16(v as i16),
                None => false,
            },
            Kind::Int32 => match java_parse_long(token, i32::MIN.into(), i32::MAX.into()) {
                Some(v) => self.put_i32(v as i32),
                None => false,
            },
            Kind::Int64 => match java_parse_long(token, i64::MIN, i64::MAX) {
                Some(v) => self.put_i64(v),
                None => false,
            },
            Kind::Float64 => match csv_special(token).or_else(|| java_parse_double(token)) {
                Some(v) => self.put_f64(v),
                None => false,
            },
            Kind::Float32 => match csv_special(token)
                .map(|v| v as f32)
                .or_else(|| java_parse_float(token))
            {
                Some(v) => self.put_f32(v),
                None => false,
            },
            Kind::Timestamp => match string_to_timestamp(token, timestamps) {
                Some(v) => self.put_i64(v),
                None => false,
            },
            Kind::Date32 => match string_to_date(token) {
                Some(v) => self.put_i32(v),
                None => false,
            },
            Kind::Decimal(p, s) => match parse_decimal_us(token, p, s) {
                Some(v) => self.put_i128(v),
                None => false,
            },
            // The CSV reader refuses nested types when it opens.
            Kind::Struct | Kind::List => false,
        };
        if !ok {
            self.push_null();
        }
        ok
    }

    #[inline]
    fn put_bool(&mut self, v: bool) -> bool {
        if let Data::Bool(b) = &mut self.data {
            b.append(v);
            self.push_ok();
            true
        } else {
            false
        }
    }
    put_primitive! {
        put_i8(i8) => I8,
        put_i16(i16) => I16,
        put_i32(i32) => I32,
        put_i64(i64) => I64,
        put_f32(f32) => F32,
        put_f64(f64) => F64,
        put_i128(i128) => I128,
    }

    /// Builds the Arrow array (of exactly the field's type) and empties the builder.
    pub(crate) fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let len = self.len();
        let nulls = (!self.null_rows.is_empty()).then(|| {
            if self.null_rows.len() == len {
                // All NULL, as a corrupt-record column of clean rows is.
                self.null_rows.clear();
                return NullBuffer::new_null(len);
            }
            let mut validity = BooleanBufferBuilder::new(len);
            validity.append_n(len, true);
            for row in self.null_rows.drain(..) {
                validity.set_bit(row, false);
            }
            NullBuffer::new(validity.finish())
        });
        self.len = 0;
        let array: ArrayRef = match &mut self.data {
            Data::Bool(b) => Arc::new(BooleanArray::new(b.finish(), nulls)),
            Data::I8(v) => Arc::new(Int8Array::new(ScalarBuffer::from(take_vec(v, len)), nulls)),
            Data::I16(v) => Arc::new(Int16Array::new(ScalarBuffer::from(take_vec(v, len)), nulls)),
            Data::I32(v) => {
                let values = ScalarBuffer::from(take_vec(v, len));
                if self.kind == Kind::Date32 {
                    Arc::new(Date32Array::new(values, nulls))
                } else {
                    Arc::new(Int32Array::new(values, nulls))
                }
            }
            Data::I64(v) => {
                let values = ScalarBuffer::from(take_vec(v, len));
                if self.kind == Kind::Timestamp {
                    let tz = match self.field.data_type() {
                        DataType::Timestamp(_, tz) => tz.clone(),
                        _ => None,
                    };
                    Arc::new(TimestampMicrosecondArray::new(values, nulls).with_timezone_opt(tz))
                } else {
                    Arc::new(Int64Array::new(values, nulls))
                }
            }
            Data::F32(v) => Arc::new(Float32Array::new(
                ScalarBuffer::from(take_vec(v, len)),
                nulls,
            )),
            Data::F64(v) => Arc::new(Float64Array::new(
                ScalarBuffer::from(take_vec(v, len)),
                nulls,
            )),
            Data::I128(v) => {
                let values = ScalarBuffer::from(take_vec(v, len));
                let (p, s) = match self.kind {
                    Kind::Decimal(p, s) => (p, s),
                    _ => (38, 0),
                };
                Arc::new(Decimal128Array::try_new(values, nulls)?.with_precision_and_scale(p, s)?)
            }
            Data::Str { offsets, bytes } => {
                // Offsets are 32-bit: more text than that (a huge line, or a root array
                // whose every row carries the whole line as its corrupt record) wrapped.
                if i32::try_from(bytes.len()).is_err() {
                    return Err(ArrowError::InvalidArgumentError(format!(
                        "column `{}` holds {} bytes of text in one batch, more than a string column can (2 GiB)",
                        self.field.name(),
                        bytes.len()
                    )));
                }
                let mut fresh = Vec::with_capacity(len + 1);
                fresh.push(0);
                let offs = std::mem::replace(offsets, fresh);
                let data = take_vec(bytes, bytes.len());
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offs));
                Arc::new(StringArray::try_new(
                    offsets,
                    Buffer::from_vec(data),
                    nulls,
                )?)
            }
            Data::Struct(fields) => {
                let DataType::Struct(types) = self.field.data_type() else {
                    return Err(ArrowError::SchemaError(format!(
                        "`{}` is not a struct",
                        self.field.name()
                    )));
                };
                let columns = fields
                    .iter_mut()
                    .map(Column::finish)
                    .collect::<Result<_, _>>()?;
                Arc::new(StructArray::try_new_with_length(
                    types.clone(),
                    columns,
                    nulls,
                    len,
                )?)
            }
            Data::List { offsets, element } => {
                let DataType::List(element_field) = self.field.data_type() else {
                    return Err(ArrowError::SchemaError(format!(
                        "`{}` is not an array",
                        self.field.name()
                    )));
                };
                let mut fresh = Vec::with_capacity(len + 1);
                fresh.push(0);
                let offsets =
                    OffsetBuffer::new(ScalarBuffer::from(std::mem::replace(offsets, fresh)));
                Arc::new(ListArray::try_new(
                    element_field.clone(),
                    offsets,
                    element.finish()?,
                    nulls,
                )?)
            }
        };
        if array.data_type() == self.field.data_type() {
            Ok(array)
        } else {
            arrow::compute::cast(&array, self.field.data_type())
        }
    }
}

/// Takes the contents of `v`, leaving an empty vector with room for `capacity` items so
/// the next batch does not regrow it from zero.
fn take_vec<T>(v: &mut Vec<T>, capacity: usize) -> Vec<T> {
    std::mem::replace(v, Vec::with_capacity(capacity))
}

/// Parses a JSON integer token (grammar already validated: `-?digits`). `None` when it
/// does not fit an `i64` (Jackson's coercion failure).
#[inline]
pub(crate) fn parse_int(t: &[u8]) -> Option<i64> {
    let (neg, digits) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    if digits.len() <= 18 {
        // At most 18 digits fit an i64 whatever they are: no overflow checks.
        let mut v: i64 = 0;
        for &b in digits {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(b - b'0');
        }
        return Some(if neg { -v } else { v });
    }
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?;
        v = if neg {
            v.checked_sub(i64::from(b - b'0'))?
        } else {
            v.checked_add(i64::from(b - b'0'))?
        };
    }
    Some(v)
}

/// The non-numeric number tokens Jackson accepts (`allowNonNumericNumbers`) and the
/// quoted forms Spark's double/float converters accept.
fn non_numeric(t: &[u8]) -> Option<f64> {
    match t {
        b"NaN" => Some(f64::NAN),
        b"Infinity" | b"+Infinity" | b"+INF" => Some(f64::INFINITY),
        b"-Infinity" | b"-INF" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn str_of(t: &[u8]) -> Option<&str> {
    std::str::from_utf8(t).ok()
}

/// An integer token becomes a floating-point value through Jackson's integer, which has no
/// negative zero: `-0` gives +0.0 (PySpark 4.3), where `-0.0` keeps its sign. Adding +0.0
/// does exactly that and leaves every other value as it is.
fn integer_valued<F: std::ops::Add<Output = F> + From<i8>>(value: F) -> F {
    value + F::from(0)
}

fn json_double(value: JsonValue<'_>) -> Option<f64> {
    let parse = |t: &[u8]| {
        parse_plain_decimal(t)
            .or_else(|| non_numeric(t))
            .or_else(|| str_of(t).and_then(|s| s.parse::<f64>().ok()))
    };
    match value {
        JsonValue::Int(t) => parse(t).map(integer_valued),
        JsonValue::Float(t) => parse(t),
        JsonValue::Str(t) => non_numeric(t),
        _ => None,
    }
}

fn json_float(value: JsonValue<'_>) -> Option<f32> {
    let parse = |t: &[u8]| {
        non_numeric(t)
            .map(|v| v as f32)
            .or_else(|| str_of(t).and_then(|s| s.parse::<f32>().ok()))
    };
    match value {
        JsonValue::Int(t) => parse(t).map(integer_valued),
        JsonValue::Float(t) => parse(t),
        JsonValue::Str(t) => non_numeric(t).map(|v| v as f32),
        _ => None,
    }
}

/// CSV's `nanValue` / `positiveInf` / `negativeInf` defaults.
fn csv_special(t: &[u8]) -> Option<f64> {
    match t {
        b"NaN" => Some(f64::NAN),
        b"Inf" => Some(f64::INFINITY),
        b"-Inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Spark's default (US locale) decimal parser for strings: commas removed, then
/// `new java.math.BigDecimal(s)`, then `Decimal(bd, p, s)`.
fn parse_decimal_us(t: &[u8], precision: u8, scale: i8) -> Option<i128> {
    if t.contains(&b',') {
        let cleaned: Vec<u8> = t.iter().copied().filter(|&b| b != b',').collect();
        parse_decimal(&cleaned, precision, scale)
    } else {
        parse_decimal(t, precision, scale)
    }
}

/// `new java.math.BigDecimal(text).setScale(scale, HALF_UP)` as an unscaled `i128`,
/// `None` if the text is not a BigDecimal or the result needs more than `precision` digits.
pub(crate) fn parse_decimal(t: &[u8], precision: u8, scale: i8) -> Option<i128> {
    let (negative, body) = match t.first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let mut digits: Vec<u8> = Vec::with_capacity(body.len());
    let mut frac_len: i64 = 0;
    let mut seen_dot = false;
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b.is_ascii_digit() {
            digits.push(b - b'0');
            if seen_dot {
                frac_len += 1;
            }
        } else if b == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            break;
        }
        i += 1;
    }
    if digits.is_empty() {
        return None;
    }
    let mut exponent: i64 = 0;
    if i < body.len() {
        if body[i] != b'e' && body[i] != b'E' {
            return None;
        }
        exponent = java_parse_long(&body[i + 1..], -1_000_000_000, 1_000_000_000)?;
    }
    // value = digits × 10^(exponent − frac_len); target unscaled = value × 10^scale.
    let shift = exponent - frac_len + i64::from(scale);
    let first_nonzero = digits.iter().position(|&d| d != 0);
    let Some(first) = first_nonzero else {
        return Some(0);
    };
    let significant = &digits[first..];
    let mut unscaled: i128 = 0;
    if shift >= 0 {
        if significant.len() as i64 + shift > 38 {
            return None;
        }
        for &d in significant {
            unscaled = unscaled * 10 + i128::from(d);
        }
        for _ in 0..shift {
            unscaled *= 10;
        }
    } else {
        let drop = (-shift) as usize;
        if drop > significant.len() {
            // Everything is dropped; rounds to 0 (the first dropped digit is a leading 0).
            return Some(0);
        }
        let keep = &significant[..significant.len() - drop];
        if keep.len() > 38 {
            return None;
        }
        for &d in keep {
            unscaled = unscaled * 10 + i128::from(d);
        }
        if significant[significant.len() - drop] >= 5 {
            unscaled += 1;
        }
    }
    if unscaled >= 10i128.pow(u32::from(precision)) {
        return None;
    }
    Some(if negative { -unscaled } else { unscaled })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_up_to_the_i64_limits() {
        let cases: [(&str, Option<i64>); 9] = [
            ("0", Some(0)),
            ("-0", Some(0)),
            ("123", Some(123)),
            ("999999999999999999", Some(999_999_999_999_999_999)),
            ("-999999999999999999", Some(-999_999_999_999_999_999)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("12a", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_int(text.as_bytes()), expected, "{text}");
        }
        assert_eq!(parse_int(b""), None);
        assert_eq!(parse_int(b"-"), None);
    }

    #[test]
    fn decimals_half_up() {
        // Spark 4.3: DECIMAL(10,2) from CSV "1.005" → 1.01, "-0.004" → 0.00, "1e2" → 100.00,
        // "12345678901" → overflow; JSON 12.345 → 12.35.
        assert_eq!(parse_decimal(b"1.005", 10, 2), Some(101));
        assert_eq!(parse_decimal(b"-0.004", 10, 2), Some(0));
        assert_eq!(parse_decimal(b"1e2", 10, 2), Some(10000));
        assert_eq!(parse_decimal(b"12345678901", 10, 2), None);
        assert_eq!(parse_decimal(b"12.345", 10, 2), Some(1235));
        assert_eq!(parse_decimal(b"-12.345", 10, 2), Some(-1235));
        assert_eq!(parse_decimal(b" 1.5", 10, 2), None);
        assert_eq!(parse_decimal(b"abc", 10, 2), None);
        assert_eq!(parse_decimal(b"0.000", 10, 2), Some(0));
        assert_eq!(parse_decimal_us(b"1,000.5", 10, 2), Some(100050));
    }
}
