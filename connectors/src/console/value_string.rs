//! Spark's `ToPrettyString` for one Arrow cell: the text `Dataset.show()` prints for a value.
//!
//! Rules (Spark 4.3 `ToPrettyString` / `ToStringBase`, checked against real Spark 4.3 on Java 17):
//! * NULL → `NULL`, also inside arrays, structs and map values.
//! * integers in decimal; `double`/`float` as Java's `Double.toString` / `Float.toString`
//!   (see [`spate_runtime::text::number`]); decimals as `BigDecimal.toPlainString`.
//! * strings as they are; binary as upper-case hex bytes `[48 65 6C]`.
//! * `timestamp` (Arrow `Timestamp(_, Some(_))`) as `yyyy-MM-dd HH:mm:ss[.fraction]` in the
//!   session time zone, trailing fraction zeros dropped; `timestamp_ntz` (Arrow
//!   `Timestamp(_, None)`) the same without any zone shift; `date` as `yyyy-MM-dd`. Years outside
//!   0000–9999 print as Java's ISO formatter does: `+10000`, `-0001`.
//! * arrays `[a, b]`, structs `{a, b}`, maps `{k -> v}`.
//! * `time` (Arrow `Time32`/`Time64`) as `HH:mm:ss[.fraction]`; Arrow `Duration` as a Spark
//!   day-time interval `INTERVAL 'd hh:mm:ss.f' DAY TO SECOND`; Arrow `Interval(YearMonth)` as
//!   `INTERVAL 'y-m' YEAR TO MONTH`.

use arrow::array::{Array, ArrayRef, ArrowPrimitiveType, AsArray, PrimitiveArray};
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type,
    DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType, DurationSecondType,
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, IntervalUnit,
    IntervalYearMonthType, Time32MillisecondType, Time32SecondType, Time64MicrosecondType,
    Time64NanosecondType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use spate_runtime::text::number::{java_double, java_float};
use spate_runtime::text::timestamp::{push_date, push_fraction, push_local_timestamp, push_time};
use spate_runtime::text::zone::Zone;

use super::show::ShowError;

const NULL_STRING: &str = "NULL";
const NANOS_PER_SECOND: i128 = 1_000_000_000;
const NANOS_PER_DAY: i128 = 86_400 * NANOS_PER_SECOND;
const MICROS_PER_SECOND: i128 = 1_000_000;
const MICROS_PER_MINUTE: i128 = 60 * MICROS_PER_SECOND;
const MICROS_PER_HOUR: i128 = 60 * MICROS_PER_MINUTE;
const MICROS_PER_DAY: i128 = 24 * MICROS_PER_HOUR;

/// Spark's `ToPrettyString` of the cell at `row` of `array`: `None` when the cell is NULL
/// (Spark prints `NULL`), otherwise the text `show()` prints before escaping and truncation.
///
/// `time_zone` is the session time zone; it applies to Arrow timestamps that carry a time zone
/// (Spark `timestamp`), not to zone-less ones (Spark `timestamp_ntz`).
pub fn value_to_display_string(
    array: &dyn Array,
    row: usize,
    time_zone: &Zone,
) -> Result<Option<String>, ShowError> {
    check_bounds(array, row)?;
    if is_null_at(array, row)? {
        return Ok(None);
    }
    let mut out = String::new();
    write_value(array, row, time_zone, &mut out)?;
    Ok(Some(out))
}

fn check_bounds(array: &dyn Array, row: usize) -> Result<(), ShowError> {
    if row < array.len() {
        Ok(())
    } else {
        Err(ShowError::RowOutOfBounds {
            row,
            len: array.len(),
        })
    }
}

fn mismatch(array: &dyn Array) -> ShowError {
    ShowError::ArrayTypeMismatch(array.data_type().clone())
}

fn prim<T: ArrowPrimitiveType>(array: &dyn Array) -> Result<&PrimitiveArray<T>, ShowError> {
    array.as_primitive_opt::<T>().ok_or_else(|| mismatch(array))
}

/// The dictionary's values and the key at `row` (`None` when the key is NULL).
fn dictionary_entry(
    array: &dyn Array,
    row: usize,
) -> Result<Option<(&ArrayRef, usize)>, ShowError> {
    macro_rules! entry {
        ($key:ty) => {{
            let dict = array
                .as_dictionary_opt::<$key>()
                .ok_or_else(|| mismatch(array))?;
            Ok(dict.key(row).map(|k| (dict.values(), k)))
        }};
    }
    match array.data_type() {
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::Int8 => entry!(Int8Type),
            DataType::Int16 => entry!(Int16Type),
            DataType::Int32 => entry!(Int32Type),
            DataType::Int64 => entry!(Int64Type),
            DataType::UInt8 => entry!(UInt8Type),
            DataType::UInt16 => entry!(UInt16Type),
            DataType::UInt32 => entry!(UInt32Type),
            DataType::UInt64 => entry!(UInt64Type),
            _ => Err(ShowError::UnsupportedType(array.data_type().clone())),
        },
        _ => Err(mismatch(array)),
    }
}

fn is_null_at(array: &dyn Array, row: usize) -> Result<bool, ShowError> {
    match array.data_type() {
        DataType::Null => Ok(true),
        DataType::Dictionary(_, _) => match dictionary_entry(array, row)? {
            None => Ok(true),
            Some((values, key)) => {
                check_bounds(values.as_ref(), key)?;
                is_null_at(values.as_ref(), key)
            }
        },
        _ => Ok(array.is_null(row)),
    }
}

/// Writes `array[row]` (NULL as `NULL`) to `out`; `zone` is the session time zone.
fn write_value(
    array: &dyn Array,
    row: usize,
    zone: &Zone,
    out: &mut String,
) -> Result<(), ShowError> {
    check_bounds(array, row)?;
    if is_null_at(array, row)? {
        out.push_str(NULL_STRING);
        return Ok(());
    }
    match array.data_type() {
        DataType::Null => out.push_str(NULL_STRING),
        DataType::Boolean => {
            let a = array.as_boolean_opt().ok_or_else(|| mismatch(array))?;
            out.push_str(if a.value(row) { "true" } else { "false" });
        }
        DataType::Int8 => out.push_str(&prim::<Int8Type>(array)?.value(row).to_string()),
        DataType::Int16 => out.push_str(&prim::<Int16Type>(array)?.value(row).to_string()),
        DataType::Int32 => out.push_str(&prim::<Int32Type>(array)?.value(row).to_string()),
        DataType::Int64 => out.push_str(&prim::<Int64Type>(array)?.value(row).to_string()),
        DataType::UInt8 => out.push_str(&prim::<UInt8Type>(array)?.value(row).to_string()),
        DataType::UInt16 => out.push_str(&prim::<UInt16Type>(array)?.value(row).to_string()),
        DataType::UInt32 => out.push_str(&prim::<UInt32Type>(array)?.value(row).to_string()),
        DataType::UInt64 => out.push_str(&prim::<UInt64Type>(array)?.value(row).to_string()),
        DataType::Float16 => {
            out.push_str(&java_float(prim::<Float16Type>(array)?.value(row).to_f32()))
        }
        DataType::Float32 => out.push_str(&java_float(prim::<Float32Type>(array)?.value(row))),
        DataType::Float64 => out.push_str(&java_double(prim::<Float64Type>(array)?.value(row))),
        DataType::Decimal32(_, scale) => {
            let v = prim::<Decimal32Type>(array)?.value(row);
            out.push_str(&plain_decimal(&v.to_string(), *scale));
        }
        DataType::Decimal64(_, scale) => {
            let v = prim::<Decimal64Type>(array)?.value(row);
            out.push_str(&plain_decimal(&v.to_string(), *scale));
        }
        DataType::Decimal128(_, scale) => {
            let v = prim::<Decimal128Type>(array)?.value(row);
            out.push_str(&plain_decimal(&v.to_string(), *scale));
        }
        DataType::Decimal256(_, scale) => {
            let v = prim::<Decimal256Type>(array)?.value(row);
            out.push_str(&plain_decimal(&v.to_string(), *scale));
        }
        DataType::Utf8 => out.push_str(
            array
                .as_string_opt::<i32>()
                .ok_or_else(|| mismatch(array))?
                .value(row),
        ),
        DataType::LargeUtf8 => out.push_str(
            array
                .as_string_opt::<i64>()
                .ok_or_else(|| mismatch(array))?
                .value(row),
        ),
        DataType::Utf8View => out.push_str(
            array
                .as_string_view_opt()
                .ok_or_else(|| mismatch(array))?
                .value(row),
        ),
        DataType::Binary => write_hex(
            array
                .as_binary_opt::<i32>()
                .ok_or_else(|| mismatch(array))?
                .value(row),
            out,
        ),
        DataType::LargeBinary => write_hex(
            array
                .as_binary_opt::<i64>()
                .ok_or_else(|| mismatch(array))?
                .value(row),
            out,
        ),
        DataType::BinaryView => write_hex(
            array
                .as_binary_view_opt()
                .ok_or_else(|| mismatch(array))?
                .value(row),
            out,
        ),
        DataType::FixedSizeBinary(_) => write_hex(
            array
                .as_fixed_size_binary_opt()
                .ok_or_else(|| mismatch(array))?
                .value(row),
            out,
        ),
        DataType::Date32 => {
            let days = prim::<Date32Type>(array)?.value(row);
            push_date(i64::from(days), out);
        }
        DataType::Date64 => {
            let millis = prim::<Date64Type>(array)?.value(row);
            push_date(millis.div_euclid(86_400_000), out);
        }
        DataType::Timestamp(unit, tz) => {
            let (value, nanos_per_unit) = match unit {
                TimeUnit::Second => (
                    prim::<TimestampSecondType>(array)?.value(row),
                    1_000_000_000,
                ),
                TimeUnit::Millisecond => (
                    prim::<TimestampMillisecondType>(array)?.value(row),
                    1_000_000,
                ),
                TimeUnit::Microsecond => {
                    (prim::<TimestampMicrosecondType>(array)?.value(row), 1_000)
                }
                TimeUnit::Nanosecond => (prim::<TimestampNanosecondType>(array)?.value(row), 1),
            };
            let nanos = i128::from(value) * nanos_per_unit;
            let offset = if tz.is_some() {
                // Within i64: the seconds of an i64 count of seconds or smaller units.
                let utc_secs = nanos.div_euclid(NANOS_PER_SECOND) as i64;
                i128::from(zone.offset_at_utc(utc_secs)) * NANOS_PER_SECOND
            } else {
                0
            };
            push_local_timestamp(nanos + offset, out);
        }
        DataType::Time32(unit) => {
            let nanos = match unit {
                TimeUnit::Second => {
                    i128::from(prim::<Time32SecondType>(array)?.value(row)) * NANOS_PER_SECOND
                }
                TimeUnit::Millisecond => {
                    i128::from(prim::<Time32MillisecondType>(array)?.value(row)) * 1_000_000
                }
                _ => return Err(ShowError::UnsupportedType(array.data_type().clone())),
            };
            write_time_of_day(nanos, out)?;
        }
        DataType::Time64(unit) => {
            let nanos = match unit {
                TimeUnit::Microsecond => {
                    i128::from(prim::<Time64MicrosecondType>(array)?.value(row)) * 1_000
                }
                TimeUnit::Nanosecond => i128::from(prim::<Time64NanosecondType>(array)?.value(row)),
                _ => return Err(ShowError::UnsupportedType(array.data_type().clone())),
            };
            write_time_of_day(nanos, out)?;
        }
        DataType::Duration(unit) => {
            let micros = match unit {
                TimeUnit::Second => {
                    i128::from(prim::<DurationSecondType>(array)?.value(row)) * MICROS_PER_SECOND
                }
                TimeUnit::Millisecond => {
                    i128::from(prim::<DurationMillisecondType>(array)?.value(row)) * 1_000
                }
                TimeUnit::Microsecond => {
                    i128::from(prim::<DurationMicrosecondType>(array)?.value(row))
                }
                TimeUnit::Nanosecond => {
                    i128::from(prim::<DurationNanosecondType>(array)?.value(row)) / 1_000
                }
            };
            write_day_time_interval(micros, out);
        }
        DataType::Interval(IntervalUnit::YearMonth) => {
            let months = prim::<IntervalYearMonthType>(array)?.value(row);
            write_year_month_interval(months, out);
        }
        DataType::List(_) => {
            let a = array.as_list_opt::<i32>().ok_or_else(|| mismatch(array))?;
            write_list(a.value(row).as_ref(), zone, out)?;
        }
        DataType::LargeList(_) => {
            let a = array.as_list_opt::<i64>().ok_or_else(|| mismatch(array))?;
            write_list(a.value(row).as_ref(), zone, out)?;
        }
        DataType::FixedSizeList(_, _) => {
            let a = array
                .as_fixed_size_list_opt()
                .ok_or_else(|| mismatch(array))?;
            write_list(a.value(row).as_ref(), zone, out)?;
        }
        DataType::Struct(_) => {
            let a = array.as_struct_opt().ok_or_else(|| mismatch(array))?;
            out.push('{');
            for (i, child) in a.columns().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(child.as_ref(), row, zone, out)?;
            }
            out.push('}');
        }
        DataType::Map(_, _) => {
            let a = array.as_map_opt().ok_or_else(|| mismatch(array))?;
            let entries = a.value(row);
            let (keys, values) = match entries.columns() {
                [keys, values, ..] => (keys, values),
                _ => return Err(mismatch(array)),
            };
            out.push('{');
            for i in 0..entries.len() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(keys.as_ref(), i, zone, out)?;
                out.push_str(" -> ");
                write_value(values.as_ref(), i, zone, out)?;
            }
            out.push('}');
        }
        DataType::Dictionary(_, _) => {
            if let Some((values, key)) = dictionary_entry(array, row)? {
                write_value(values.as_ref(), key, zone, out)?;
            } else {
                out.push_str(NULL_STRING);
            }
        }
        other => return Err(ShowError::UnsupportedType(other.clone())),
    }
    Ok(())
}

fn write_list(values: &dyn Array, zone: &Zone, out: &mut String) -> Result<(), ShowError> {
    out.push('[');
    for i in 0..values.len() {
        if i > 0 {
            out.push_str(", ");
        }
        write_value(values, i, zone, out)?;
    }
    out.push(']');
    Ok(())
}

/// Spark's default binary display (`SparkStringUtils.getHexString`): `[0A FF]`.
fn write_hex(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('[');
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0F)]));
    }
    out.push(']');
}

/// `java.math.BigDecimal(unscaled, scale).toPlainString()`.
fn plain_decimal(unscaled: &str, scale: i8) -> String {
    let (negative, digits) = match unscaled.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, unscaled),
    };
    let sign = if negative { "-" } else { "" };
    let scale_len = usize::from(scale.unsigned_abs());
    if scale == 0 {
        return unscaled.to_string();
    }
    if scale < 0 {
        if digits.bytes().all(|b| b == b'0') {
            return "0".to_string();
        }
        return format!("{sign}{digits}{}", "0".repeat(scale_len));
    }
    if digits.len() > scale_len {
        let (int_part, frac_part) = digits.split_at(digits.len() - scale_len);
        format!("{sign}{int_part}.{frac_part}")
    } else {
        format!("{sign}0.{}{digits}", "0".repeat(scale_len - digits.len()))
    }
}

fn write_time_of_day(nanos: i128, out: &mut String) -> Result<(), ShowError> {
    if !(0..NANOS_PER_DAY).contains(&nanos) {
        return Err(ShowError::InvalidValue(format!(
            "time of day {nanos} ns is outside 00:00:00..24:00:00"
        )));
    }
    // In range, so it fits an i64.
    push_time(nanos as i64, out);
    Ok(())
}

/// `IntervalUtils.toDayTimeIntervalString(micros, ANSI_STYLE, DAY, SECOND)`.
fn write_day_time_interval(micros: i128, out: &mut String) {
    let sign = if micros < 0 { "-" } else { "" };
    let rest = micros.abs();
    let days = rest / MICROS_PER_DAY;
    let rest = rest % MICROS_PER_DAY;
    let hours = rest / MICROS_PER_HOUR;
    let rest = rest % MICROS_PER_HOUR;
    let minutes = rest / MICROS_PER_MINUTE;
    let rest = rest % MICROS_PER_MINUTE;
    let seconds = rest / MICROS_PER_SECOND;
    let fraction = rest % MICROS_PER_SECOND;
    out.push_str(&format!(
        "INTERVAL '{sign}{days} {hours:02}:{minutes:02}:{seconds:02}"
    ));
    push_fraction((fraction * 1_000) as i64, out);
    out.push_str("' DAY TO SECOND");
}

/// `IntervalUtils.toYearMonthIntervalString(months, ANSI_STYLE, YEAR, MONTH)`.
fn write_year_month_interval(months: i32, out: &mut String) {
    let sign = if months < 0 { "-" } else { "" };
    let abs = i64::from(months).abs();
    out.push_str(&format!(
        "INTERVAL '{sign}{}-{}' YEAR TO MONTH",
        abs / 12,
        abs % 12
    ));
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use arrow::array::{
        BinaryArray, BooleanArray, Date32Array, Decimal128Array, DictionaryArray,
        DurationMicrosecondArray, FixedSizeBinaryArray, Float32Array, Float64Array, Int32Array,
        Int64Array, IntervalYearMonthArray, LargeStringArray, ListArray, MapBuilder, NullArray,
        StringArray, StringBuilder, StructArray, Time64MicrosecondArray, TimestampMicrosecondArray,
        TimestampMillisecondArray, TimestampNanosecondArray,
    };
    use arrow::datatypes::{Field, Fields, Int32Type};

    fn show(array: &dyn Array, row: usize) -> Option<String> {
        match value_to_display_string(array, row, &Zone::UTC) {
            Ok(v) => v,
            Err(e) => panic!("display failed: {e}"),
        }
    }

    fn micros(text: &str) -> i64 {
        match chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
            Ok(t) => t.and_utc().timestamp_micros(),
            Err(e) => panic!("bad test timestamp {text}: {e}"),
        }
    }

    #[test]
    fn primitives_and_nulls() {
        let ints = Int32Array::from(vec![Some(-2_147_483_648), None]);
        assert_eq!(show(&ints, 0).as_deref(), Some("-2147483648"));
        assert_eq!(show(&ints, 1), None);
        let longs = Int64Array::from(vec![i64::MIN]);
        assert_eq!(show(&longs, 0).as_deref(), Some("-9223372036854775808"));
        let bools = BooleanArray::from(vec![Some(true), Some(false), None]);
        assert_eq!(show(&bools, 0).as_deref(), Some("true"));
        assert_eq!(show(&bools, 1).as_deref(), Some("false"));
        assert_eq!(show(&bools, 2), None);
        let strings = StringArray::from(vec![Some("a\tb"), None]);
        assert_eq!(show(&strings, 0).as_deref(), Some("a\tb"));
        assert_eq!(show(&strings, 1), None);
        let large = LargeStringArray::from(vec!["x"]);
        assert_eq!(show(&large, 0).as_deref(), Some("x"));
        let doubles = Float64Array::from(vec![Some(200.0), None]);
        assert_eq!(show(&doubles, 0).as_deref(), Some("200.0"));
        assert_eq!(show(&doubles, 1), None);
        let floats = Float32Array::from(vec![1.1_f32]);
        assert_eq!(show(&floats, 0).as_deref(), Some("1.1"));
        let nulls = NullArray::new(2);
        assert_eq!(show(&nulls, 1), None);
    }

    #[test]
    fn row_out_of_bounds_is_an_error() {
        let ints = Int32Array::from(vec![1]);
        assert!(matches!(
            value_to_display_string(&ints, 1, &Zone::UTC),
            Err(ShowError::RowOutOfBounds { row: 1, len: 1 })
        ));
    }

    /// Spark 4.3: `timestamp'2024-01-01 12:00:00.5'` → `2024-01-01 12:00:00.5`, etc.
    #[test]
    fn timestamps_in_session_zone() {
        let texts = [
            ("2024-01-01 12:00:00", "2024-01-01 12:00:00"),
            ("2024-01-01 12:00:00.5", "2024-01-01 12:00:00.5"),
            ("2024-01-01 12:00:00.123", "2024-01-01 12:00:00.123"),
            ("2024-01-01 12:00:00.123456", "2024-01-01 12:00:00.123456"),
            ("2024-01-01 12:00:00.000001", "2024-01-01 12:00:00.000001"),
            ("1969-12-31 23:59:59.999999", "1969-12-31 23:59:59.999999"),
            ("0001-01-01 00:00:00", "0001-01-01 00:00:00"),
            ("9999-12-31 23:59:59.999999", "9999-12-31 23:59:59.999999"),
            ("1900-01-01 00:00:00.1", "1900-01-01 00:00:00.1"),
            ("1582-10-10 00:00:00", "1582-10-10 00:00:00"),
        ];
        let values: Vec<i64> = texts.iter().map(|(t, _)| micros(t)).collect();
        let array = TimestampMicrosecondArray::from(values).with_timezone("UTC");
        for (i, (_, expected)) in texts.iter().enumerate() {
            assert_eq!(show(&array, i).as_deref(), Some(*expected));
        }
        // Spark 4.3 `timestamp_micros(...)` at the extremes.
        let extremes = TimestampMicrosecondArray::from(vec![
            253_402_300_800_000_000,
            -62_135_596_800_000_001,
            -62_167_219_200_000_000,
            -62_198_755_200_000_000,
            i64::MAX,
            i64::MIN,
        ])
        .with_timezone("UTC");
        let expected = [
            "+10000-01-01 00:00:00",
            "0000-12-31 23:59:59.999999",
            "0000-01-01 00:00:00",
            "-0001-01-01 00:00:00",
            "+294247-01-10 04:00:54.775807",
            "-290308-12-21 19:59:05.224192",
        ];
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(show(&extremes, i).as_deref(), Some(*e));
        }
    }

    /// Spark 4.3 with `spark.sql.session.timeZone` `+05:30` / `-08:00`: `timestamp` shifts,
    /// `timestamp_ntz` does not.
    #[test]
    fn session_time_zone_applies_to_timestamp_not_ntz() {
        let plus_0530 = Zone::Fixed(5 * 3600 + 1800);
        let ts = TimestampMicrosecondArray::from(vec![micros("2024-01-01 12:00:00.5")])
            .with_timezone("UTC");
        let shown = value_to_display_string(&ts, 0, &plus_0530);
        assert_eq!(
            shown.ok().flatten().as_deref(),
            Some("2024-01-01 17:30:00.5")
        );
        let ntz = TimestampMicrosecondArray::from(vec![micros("2024-01-01 12:00:00")]);
        let shown = value_to_display_string(&ntz, 0, &plus_0530);
        assert_eq!(shown.ok().flatten().as_deref(), Some("2024-01-01 12:00:00"));
        let minus_8 = Zone::Fixed(-8 * 3600);
        let epoch = TimestampMicrosecondArray::from(vec![0]).with_timezone("UTC");
        let shown = value_to_display_string(&epoch, 0, &minus_8);
        assert_eq!(shown.ok().flatten().as_deref(), Some("1969-12-31 16:00:00"));
        let nanos = TimestampNanosecondArray::from(vec![1_500_000_001]).with_timezone("UTC");
        assert_eq!(
            show(&nanos, 0).as_deref(),
            Some("1970-01-01 00:00:01.500000001")
        );
    }

    /// Spark 4.3 with `spark.sql.session.timeZone` `America/Los_Angeles`: each instant shows
    /// in the offset in effect then, so both 01:30s of 2024-11-03 (08:30Z in PDT, 09:30Z in
    /// PST) print as 01:30 and 2024-03-10 jumps from 01:59:59 to 03:00.
    #[test]
    fn region_session_time_zone_across_daylight_saving_changes() {
        let la = spate_runtime::testing::region_zone("America/Los_Angeles");
        let cases = [
            ("2024-03-10 09:59:59", "2024-03-10 01:59:59"),
            ("2024-03-10 10:00:00", "2024-03-10 03:00:00"),
            ("2024-11-03 08:30:00", "2024-11-03 01:30:00"),
            ("2024-11-03 08:59:59.999999", "2024-11-03 01:59:59.999999"),
            ("2024-11-03 09:00:00", "2024-11-03 01:00:00"),
            ("2024-11-03 09:30:00", "2024-11-03 01:30:00"),
            ("2024-01-15 18:00:00", "2024-01-15 10:00:00"),
        ];
        for (utc, local) in cases {
            let ts = TimestampMicrosecondArray::from(vec![micros(utc)]).with_timezone("UTC");
            let shown = value_to_display_string(&ts, 0, &la);
            assert_eq!(shown.ok().flatten().as_deref(), Some(local), "{utc}");
        }
        // Milliseconds and nanoseconds take the same offsets; `timestamp_ntz` none.
        let millis = TimestampMillisecondArray::from(vec![1_730_626_200_000]).with_timezone("UTC");
        let shown = value_to_display_string(&millis, 0, &la);
        assert_eq!(shown.ok().flatten().as_deref(), Some("2024-11-03 01:30:00"));
        let nanos =
            TimestampNanosecondArray::from(vec![1_710_064_799_999_999_999]).with_timezone("UTC");
        let shown = value_to_display_string(&nanos, 0, &la);
        assert_eq!(
            shown.ok().flatten().as_deref(),
            Some("2024-03-10 01:59:59.999999999")
        );
        let ntz = TimestampMicrosecondArray::from(vec![micros("2024-03-10 02:30:00")]);
        let shown = value_to_display_string(&ntz, 0, &la);
        assert_eq!(shown.ok().flatten().as_deref(), Some("2024-03-10 02:30:00"));
    }

    /// Spark 4.3 dates, including `date_add`/`date_from_unix_date` beyond 0000–9999.
    #[test]
    fn dates() {
        let days = Date32Array::from(vec![
            19_723,
            -719_162,
            2_932_896,
            -141_432,
            -1,
            2_932_897,
            -719_163,
            -719_528,
            i32::MAX,
            i32::MIN,
        ]);
        let expected = [
            "2024-01-01",
            "0001-01-01",
            "9999-12-31",
            "1582-10-10",
            "1969-12-31",
            "+10000-01-01",
            "0000-12-31",
            "0000-01-01",
            "+5881580-07-11",
            "-5877641-06-23",
        ];
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(show(&days, i).as_deref(), Some(*e));
        }
    }

    /// Spark 4.3: `{1, NULL}`, `{NULL, {1.5, z}}`, `NULL`, `{NULL}`.
    #[test]
    fn structs_with_nulls() {
        let s1 = StructArray::from(vec![
            (
                Arc::new(Field::new("a", DataType::Int32, true)),
                Arc::new(Int32Array::from(vec![Some(1)])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("b", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec![None::<&str>])) as ArrayRef,
            ),
        ]);
        assert_eq!(show(&s1, 0).as_deref(), Some("{1, NULL}"));
        let inner = StructArray::from(vec![
            (
                Arc::new(Field::new("p", DataType::Float64, true)),
                Arc::new(Float64Array::from(vec![1.5])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("q", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec!["z"])) as ArrayRef,
            ),
        ]);
        let inner_type = inner.data_type().clone();
        let s2 = StructArray::from(vec![
            (
                Arc::new(Field::new("x", DataType::Int32, true)),
                Arc::new(Int32Array::from(vec![None])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("y", inner_type, true)),
                Arc::new(inner) as ArrayRef,
            ),
        ]);
        assert_eq!(show(&s2, 0).as_deref(), Some("{NULL, {1.5, z}}"));
        let fields = Fields::from(vec![Field::new("a", DataType::Int32, true)]);
        let null_struct = StructArray::new_null(fields, 1);
        assert_eq!(show(&null_struct, 0), None);
    }

    /// Spark 4.3: `[1, 2]`, `[]`, `[NULL, 1, NULL]`, `NULL`.
    #[test]
    fn arrays() {
        let lists = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            Some(vec![]),
            Some(vec![None, Some(1), None]),
            None,
        ]);
        assert_eq!(show(&lists, 0).as_deref(), Some("[1, 2]"));
        assert_eq!(show(&lists, 1).as_deref(), Some("[]"));
        assert_eq!(show(&lists, 2).as_deref(), Some("[NULL, 1, NULL]"));
        assert_eq!(show(&lists, 3), None);
    }

    /// Spark 4.3: `map('a', 1, 'b', null)` → `{a -> 1, b -> NULL}`, `map()` → `{}`.
    #[test]
    fn maps() {
        let mut builder = MapBuilder::new(
            None,
            StringBuilder::new(),
            arrow::array::Int32Builder::new(),
        );
        builder.keys().append_value("a");
        builder.values().append_value(1);
        builder.keys().append_value("b");
        builder.values().append_null();
        let appended = builder.append(true).and_then(|_| builder.append(true));
        assert!(appended.is_ok());
        let map = builder.finish();
        assert_eq!(show(&map, 0).as_deref(), Some("{a -> 1, b -> NULL}"));
        assert_eq!(show(&map, 1).as_deref(), Some("{}"));
    }

    /// Spark 4.3: `X'48656C6C6F'` → `[48 65 6C 6C 6F]`, `X''` → `[]`.
    #[test]
    fn binary_as_hex() {
        let bin = BinaryArray::from(vec![&b"Hello"[..], &b""[..], &[0x00, 0xFF, 0x10][..]]);
        assert_eq!(show(&bin, 0).as_deref(), Some("[48 65 6C 6C 6F]"));
        assert_eq!(show(&bin, 1).as_deref(), Some("[]"));
        assert_eq!(show(&bin, 2).as_deref(), Some("[00 FF 10]"));
        let fixed = FixedSizeBinaryArray::try_from_iter(vec![vec![0xABu8]].into_iter());
        let fixed = fixed.ok();
        assert_eq!(
            fixed.as_ref().and_then(|f| show(f, 0)).as_deref(),
            Some("[AB]")
        );
    }

    /// Spark 4.3: `1.50`, `0.0000000000`, `12345678901234567890.123`, `-0.001`, `100`.
    #[test]
    fn decimals_plain() {
        let cases: &[(i128, u8, i8, &str)] = &[
            (150, 3, 2, "1.50"),
            (0, 20, 10, "0.0000000000"),
            (
                12_345_678_901_234_567_890_123,
                38,
                3,
                "12345678901234567890.123",
            ),
            (-1, 4, 3, "-0.001"),
            (10_000_000_000, 38, 20, "0.00000000010000000000"),
            (100, 10, 0, "100"),
        ];
        for (v, p, s, expected) in cases {
            let array = Decimal128Array::from(vec![*v]).with_precision_and_scale(*p, *s);
            let array = match array {
                Ok(a) => a,
                Err(e) => panic!("{e}"),
            };
            assert_eq!(show(&array, 0).as_deref(), Some(*expected));
        }
        assert_eq!(plain_decimal("12", -2), "1200");
        assert_eq!(plain_decimal("0", -2), "0");
    }

    /// Spark 4.3 `time` and ANSI interval displays.
    #[test]
    fn times_and_intervals() {
        let times = Time64MicrosecondArray::from(vec![45_296_500_000, 0, 86_399_999_999]);
        assert_eq!(show(&times, 0).as_deref(), Some("12:34:56.5"));
        assert_eq!(show(&times, 1).as_deref(), Some("00:00:00"));
        assert_eq!(show(&times, 2).as_deref(), Some("23:59:59.999999"));
        let durations =
            DurationMicrosecondArray::from(vec![93_784_500_000, -1_000_000, 1, i64::MAX, i64::MIN]);
        let expected = [
            "INTERVAL '1 02:03:04.5' DAY TO SECOND",
            "INTERVAL '-0 00:00:01' DAY TO SECOND",
            "INTERVAL '0 00:00:00.000001' DAY TO SECOND",
            "INTERVAL '106751991 04:00:54.775807' DAY TO SECOND",
            "INTERVAL '-106751991 04:00:54.775808' DAY TO SECOND",
        ];
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(show(&durations, i).as_deref(), Some(*e));
        }
        let months = IntervalYearMonthArray::from(vec![14, -5]);
        assert_eq!(
            show(&months, 0).as_deref(),
            Some("INTERVAL '1-2' YEAR TO MONTH")
        );
        assert_eq!(
            show(&months, 1).as_deref(),
            Some("INTERVAL '-0-5' YEAR TO MONTH")
        );
    }

    #[test]
    fn dictionary_values() {
        let dict: DictionaryArray<Int32Type> =
            vec![Some("x"), None, Some("y")].into_iter().collect();
        assert_eq!(show(&dict, 0).as_deref(), Some("x"));
        assert_eq!(show(&dict, 1), None);
        assert_eq!(show(&dict, 2).as_deref(), Some("y"));
    }

    #[test]
    fn unsupported_type_is_an_error() {
        let union_like = arrow::array::new_empty_array(&DataType::Interval(IntervalUnit::DayTime));
        let one = arrow::array::new_null_array(&DataType::Interval(IntervalUnit::DayTime), 1);
        assert_eq!(union_like.len(), 0);
        // A NULL of an unsupported type is still just NULL.
        assert_eq!(show(one.as_ref(), 0), None);
        let values =
            arrow::array::IntervalDayTimeArray::from(vec![arrow::datatypes::IntervalDayTime::new(
                1, 0,
            )]);
        assert!(matches!(
            value_to_display_string(&values, 0, &Zone::UTC),
            Err(ShowError::UnsupportedType(_))
        ));
    }
}
