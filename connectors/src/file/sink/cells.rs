//! Text of one non-null value as Spark's `UnivocityGenerator` (CSV) renders it: Java's
//! `toString` for numbers and booleans, the date/timestamp patterns, `[01 02 FF]` for
//! binary.

use super::options::TextOptions;
use super::text::{java_big_decimal, spark_binary_text};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type,
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use spate_runtime::text::number::{java_double, java_float};
use spate_runtime::text::zone::Zone;
use std::fmt::Write as _;

/// Whether [`write_cell`] can render values of `data_type`.
pub(crate) fn is_scalar(data_type: &DataType) -> bool {
    match data_type {
        DataType::Dictionary(_, value) => is_scalar(value),
        _ => matches!(
            data_type,
            DataType::Null
                | DataType::Boolean
                | DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64
                | DataType::Float16
                | DataType::Float32
                | DataType::Float64
                | DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View
                | DataType::Binary
                | DataType::LargeBinary
                | DataType::BinaryView
                | DataType::FixedSizeBinary(_)
                | DataType::Decimal32(_, _)
                | DataType::Decimal64(_, _)
                | DataType::Decimal128(_, _)
                | DataType::Decimal256(_, _)
                | DataType::Date32
                | DataType::Date64
                | DataType::Timestamp(_, _)
        ),
    }
}

/// A timestamp value of any unit as microseconds (floored), `None` on overflow.
pub(crate) fn timestamp_micros(unit: &TimeUnit, value: i64) -> Option<i64> {
    match unit {
        TimeUnit::Second => value.checked_mul(1_000_000),
        TimeUnit::Millisecond => value.checked_mul(1_000),
        TimeUnit::Microsecond => Some(value),
        TimeUnit::Nanosecond => Some(value.div_euclid(1_000)),
    }
}

/// Formats a timestamp: with the session offset for `TIMESTAMP`, without for
/// `TIMESTAMP_NTZ` (`zoned` false).
pub(crate) fn format_timestamp(
    text: &TextOptions,
    unit: &TimeUnit,
    value: i64,
    zoned: bool,
    out: &mut String,
) {
    match timestamp_micros(unit, value) {
        Some(micros) if zoned => text.timestamp.format_micros(micros, &text.time_zone, out),
        Some(micros) => text.timestamp_ntz.format_micros(micros, &Zone::UTC, out),
        None => {
            let _ = write!(out, "{value}");
        }
    }
}

/// Appends the text of the (non-null) value at `row`. Returns `false` for types
/// [`is_scalar`] rejects and for dictionary arrays (cast them to their value type first).
pub(crate) fn write_cell(
    array: &dyn Array,
    row: usize,
    text: &TextOptions,
    out: &mut String,
) -> bool {
    macro_rules! display {
        ($t:ty) => {{
            let _ = write!(out, "{}", array.as_primitive::<$t>().value(row));
        }};
    }
    match array.data_type() {
        DataType::Null => {}
        DataType::Boolean => out.push_str(if array.as_boolean().value(row) {
            "true"
        } else {
            "false"
        }),
        DataType::Int8 => display!(Int8Type),
        DataType::Int16 => display!(Int16Type),
        DataType::Int32 => display!(Int32Type),
        DataType::Int64 => display!(Int64Type),
        DataType::UInt8 => display!(UInt8Type),
        DataType::UInt16 => display!(UInt16Type),
        DataType::UInt32 => display!(UInt32Type),
        DataType::UInt64 => display!(UInt64Type),
        DataType::Float16 => out.push_str(&java_float(
            array.as_primitive::<Float16Type>().value(row).to_f32(),
        )),
        DataType::Float32 => {
            out.push_str(&java_float(array.as_primitive::<Float32Type>().value(row)))
        }
        DataType::Float64 => {
            out.push_str(&java_double(array.as_primitive::<Float64Type>().value(row)))
        }
        DataType::Utf8 => out.push_str(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => out.push_str(array.as_string::<i64>().value(row)),
        DataType::Utf8View => out.push_str(array.as_string_view().value(row)),
        DataType::Binary => out.push_str(&spark_binary_text(array.as_binary::<i32>().value(row))),
        DataType::LargeBinary => {
            out.push_str(&spark_binary_text(array.as_binary::<i64>().value(row)))
        }
        DataType::BinaryView => out.push_str(&spark_binary_text(array.as_binary_view().value(row))),
        DataType::FixedSizeBinary(_) => {
            out.push_str(&spark_binary_text(array.as_fixed_size_binary().value(row)))
        }
        DataType::Decimal32(_, scale) => out.push_str(&java_big_decimal(
            &array.as_primitive::<Decimal32Type>().value(row).to_string(),
            *scale as i32,
        )),
        DataType::Decimal64(_, scale) => out.push_str(&java_big_decimal(
            &array.as_primitive::<Decimal64Type>().value(row).to_string(),
            *scale as i32,
        )),
        DataType::Decimal128(_, scale) => out.push_str(&java_big_decimal(
            &array
                .as_primitive::<Decimal128Type>()
                .value(row)
                .to_string(),
            *scale as i32,
        )),
        DataType::Decimal256(_, scale) => out.push_str(&java_big_decimal(
            &array
                .as_primitive::<Decimal256Type>()
                .value(row)
                .to_string(),
            *scale as i32,
        )),
        DataType::Date32 => text
            .date
            .format_days(array.as_primitive::<Date32Type>().value(row) as i64, out),
        DataType::Date64 => text.date.format_days(
            array
                .as_primitive::<Date64Type>()
                .value(row)
                .div_euclid(86_400_000),
            out,
        ),
        DataType::Timestamp(unit, tz) => {
            let value = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().value(row),
                TimeUnit::Millisecond => {
                    array.as_primitive::<TimestampMillisecondType>().value(row)
                }
                TimeUnit::Microsecond => {
                    array.as_primitive::<TimestampMicrosecondType>().value(row)
                }
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().value(row),
            };
            format_timestamp(text, unit, value, tz.is_some(), out);
        }
        _ => return false,
    }
    true
}
