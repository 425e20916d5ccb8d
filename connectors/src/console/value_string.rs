//! Spark's `ToPrettyString` for one Arrow cell: the text `Dataset.show()` prints for a value.
//!
//! Rules (Spark 4.3 `ToPrettyString` / `ToStringBase`, checked against real Spark 4.3 on Java 17):
//! * NULL → `NULL`, also inside arrays, structs and map values.
//! * integers in decimal; `double`/`float` exactly as Java 17's `Double.toString` /
//!   `Float.toString` (see [`java_double_to_string`]); decimals as `BigDecimal.toPlainString`.
//! * strings as they are; binary as upper-case hex bytes `[48 65 6C]`.
//! * `timestamp` (Arrow `Timestamp(_, Some(_))`) as `yyyy-MM-dd HH:mm:ss[.fraction]` in the
//!   session time zone, trailing fraction zeros dropped; `timestamp_ntz` (Arrow
//!   `Timestamp(_, None)`) the same without any zone shift; `date` as `yyyy-MM-dd`. Years outside
//!   0000–9999 print as Java's ISO formatter does: `+10000`, `-0001`.
//! * arrays `[a, b]`, structs `{a, b}`, maps `{k -> v}`.
//! * `time` (Arrow `Time32`/`Time64`) as `HH:mm:ss[.fraction]`; Arrow `Duration` as a Spark
//!   day-time interval `INTERVAL 'd hh:mm:ss.f' DAY TO SECOND`; Arrow `Interval(YearMonth)` as
//!   `INTERVAL 'y-m' YEAR TO MONTH`.

use std::cmp::Ordering;

use arrow::array::{Array, ArrayRef, ArrowPrimitiveType, AsArray, PrimitiveArray};
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type,
    DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType, DurationSecondType,
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, IntervalUnit,
    IntervalYearMonthType, Time32MillisecondType, Time32SecondType, Time64MicrosecondType,
    Time64NanosecondType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use chrono::FixedOffset;

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
    time_zone: &FixedOffset,
) -> Result<Option<String>, ShowError> {
    check_bounds(array, row)?;
    if is_null_at(array, row)? {
        return Ok(None);
    }
    let mut out = String::new();
    write_value(array, row, i64::from(time_zone.local_minus_utc()), &mut out)?;
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

/// Writes `array[row]` (NULL as `NULL`) to `out`; `tz_secs` is the session zone's UTC offset.
fn write_value(
    array: &dyn Array,
    row: usize,
    tz_secs: i64,
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
        DataType::Float16 => out.push_str(&java_float_to_string(
            prim::<Float16Type>(array)?.value(row).to_f32(),
        )),
        DataType::Float32 => out.push_str(&java_float_to_string(
            prim::<Float32Type>(array)?.value(row),
        )),
        DataType::Float64 => out.push_str(&java_double_to_string(
            prim::<Float64Type>(array)?.value(row),
        )),
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
            write_date(i64::from(days), out);
        }
        DataType::Date64 => {
            let millis = prim::<Date64Type>(array)?.value(row);
            write_date(millis.div_euclid(86_400_000), out);
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
            let offset = if tz.is_some() {
                i128::from(tz_secs) * NANOS_PER_SECOND
            } else {
                0
            };
            write_timestamp(i128::from(value) * nanos_per_unit + offset, out);
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
            write_list(a.value(row).as_ref(), tz_secs, out)?;
        }
        DataType::LargeList(_) => {
            let a = array.as_list_opt::<i64>().ok_or_else(|| mismatch(array))?;
            write_list(a.value(row).as_ref(), tz_secs, out)?;
        }
        DataType::FixedSizeList(_, _) => {
            let a = array
                .as_fixed_size_list_opt()
                .ok_or_else(|| mismatch(array))?;
            write_list(a.value(row).as_ref(), tz_secs, out)?;
        }
        DataType::Struct(_) => {
            let a = array.as_struct_opt().ok_or_else(|| mismatch(array))?;
            out.push('{');
            for (i, child) in a.columns().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(child.as_ref(), row, tz_secs, out)?;
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
                write_value(keys.as_ref(), i, tz_secs, out)?;
                out.push_str(" -> ");
                write_value(values.as_ref(), i, tz_secs, out)?;
            }
            out.push('}');
        }
        DataType::Dictionary(_, _) => {
            if let Some((values, key)) = dictionary_entry(array, row)? {
                write_value(values.as_ref(), key, tz_secs, out)?;
            } else {
                out.push_str(NULL_STRING);
            }
        }
        other => return Err(ShowError::UnsupportedType(other.clone())),
    }
    Ok(())
}

fn write_list(values: &dyn Array, tz_secs: i64, out: &mut String) -> Result<(), ShowError> {
    out.push('[');
    for i in 0..values.len() {
        if i > 0 {
            out.push_str(", ");
        }
        write_value(values, i, tz_secs, out)?;
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

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is in 1..=31 and month in 1..=12, so the conversions cannot fail.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Java's ISO year (`SignStyle.EXCEEDS_PAD`, 4 digits): `2024`, `0000`, `-0001`, `+10000`.
fn write_year(year: i64, out: &mut String) {
    if year > 9_999 {
        out.push('+');
        out.push_str(&year.to_string());
    } else if year < 0 {
        out.push('-');
        out.push_str(&format!("{:04}", year.unsigned_abs()));
    } else {
        out.push_str(&format!("{year:04}"));
    }
}

fn write_date(days: i64, out: &mut String) {
    let (year, month, day) = civil_from_days(days);
    write_year(year, out);
    out.push_str(&format!("-{month:02}-{day:02}"));
}

/// `.fraction` without trailing zeros (nothing when the fraction is zero).
fn write_fraction(nanos: i128, out: &mut String) {
    if nanos != 0 {
        let digits = format!("{nanos:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

fn write_hms(nanos_of_day: i128, out: &mut String) {
    let secs = nanos_of_day / NANOS_PER_SECOND;
    out.push_str(&format!(
        "{:02}:{:02}:{:02}",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    ));
    write_fraction(nanos_of_day % NANOS_PER_SECOND, out);
}

/// `yyyy-MM-dd HH:mm:ss[.fraction]` of local nanoseconds since the epoch.
fn write_timestamp(local_nanos: i128, out: &mut String) {
    let days = local_nanos.div_euclid(NANOS_PER_DAY);
    let nanos_of_day = local_nanos.rem_euclid(NANOS_PER_DAY);
    // |days| < 2^64 / 86400e9 fits easily in an i64.
    write_date(i64::try_from(days).unwrap_or(0), out);
    out.push(' ');
    write_hms(nanos_of_day, out);
}

fn write_time_of_day(nanos: i128, out: &mut String) -> Result<(), ShowError> {
    if !(0..NANOS_PER_DAY).contains(&nanos) {
        return Err(ShowError::InvalidValue(format!(
            "time of day {nanos} ns is outside 00:00:00..24:00:00"
        )));
    }
    write_hms(nanos, out);
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
    write_fraction(fraction * 1_000, out);
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

/// Java 17's `Double.toString(d)` (`jdk.internal.math.FloatingDecimal`), which Spark uses for
/// `double` cells: `100.0`, `1.0E7`, `1.0E-4`, `NaN`, `-Infinity`, `-0.0`.
///
/// This reproduces the JDK 17 digit generation, which is not always the shortest round-trip
/// form (Java 17 prints `1.0E23` as `9.999999999999999E22` and `2^60` as
/// `1.15292150460684698E18`); JDK 19+ changed this.
pub fn java_double_to_string(d: f64) -> String {
    let bits = d.to_bits();
    let negative = bits >> 63 != 0;
    let mut fract_bits = bits & SIGNIF_MASK;
    let raw_exp = i32::try_from((bits >> EXP_SHIFT) & 0x7FF).unwrap_or(0);
    if raw_exp == 0x7FF {
        return special_string(fract_bits == 0, negative);
    }
    let (bin_exp, n_significant_bits) = if raw_exp == 0 {
        if fract_bits == 0 {
            return zero_string(negative);
        }
        let leading_zeros = fract_bits.leading_zeros() as i32;
        let shift = leading_zeros - (63 - EXP_SHIFT);
        fract_bits <<= shift;
        (1 - shift, 64 - leading_zeros)
    } else {
        fract_bits |= FRACT_HOB;
        (raw_exp, EXP_SHIFT + 1)
    };
    let (digits, dec_exponent) = dtoa(bin_exp - 1023, fract_bits, n_significant_bits);
    java_chars(negative, &digits, dec_exponent)
}

/// Java 17's `Float.toString(f)`, which Spark uses for `float` cells (`1.1`, `1.0E10`).
pub fn java_float_to_string(f: f32) -> String {
    let bits = f.to_bits();
    let negative = bits >> 31 != 0;
    let mut fract_bits = bits & 0x007F_FFFF;
    let raw_exp = i32::try_from((bits >> 23) & 0xFF).unwrap_or(0);
    if raw_exp == 0xFF {
        return special_string(fract_bits == 0, negative);
    }
    let (bin_exp, n_significant_bits) = if raw_exp == 0 {
        if fract_bits == 0 {
            return zero_string(negative);
        }
        let leading_zeros = fract_bits.leading_zeros() as i32;
        let shift = leading_zeros - (31 - 23);
        fract_bits <<= shift;
        (1 - shift, 32 - leading_zeros)
    } else {
        fract_bits |= 1 << 23;
        (raw_exp, 24)
    };
    let (digits, dec_exponent) = dtoa(
        bin_exp - 127,
        u64::from(fract_bits) << (EXP_SHIFT - 23),
        n_significant_bits,
    );
    java_chars(negative, &digits, dec_exponent)
}

fn special_string(infinite: bool, negative: bool) -> String {
    match (infinite, negative) {
        (false, _) => "NaN",
        (true, false) => "Infinity",
        (true, true) => "-Infinity",
    }
    .to_string()
}

fn zero_string(negative: bool) -> String {
    if negative { "-0.0" } else { "0.0" }.to_string()
}

const EXP_SHIFT: i32 = 52;
const FRACT_HOB: u64 = 1 << 52;
const SIGNIF_MASK: u64 = FRACT_HOB - 1;
const EXP_ONE: u64 = 1023 << 52;
const MAX_SMALL_BIN_EXP: i32 = 62;
const MIN_SMALL_BIN_EXP: i32 = -(63 / 3);
/// Number of entries of Java's `LONG_5_POW` / `N_5_BITS` tables (5^0 ..= 5^26).
const POW5_TABLE_LEN: i32 = 27;
/// Java's `digits` buffer holds 20 characters; never generate more.
const MAX_DIGITS: usize = 20;

/// 5^i for 0 <= i < 27 (Java's `LONG_5_POW`), 0 outside.
fn long_5_pow(i: i32) -> i64 {
    match u32::try_from(i) {
        Ok(i) if i < 27 => 5_i64.pow(i),
        _ => 0,
    }
}

/// Java's `N_5_BITS[i]`: bits needed for 5^i, i < 27.
fn n_5_bits(i: i32) -> i32 {
    if i == 0 {
        0
    } else {
        64 - long_5_pow(i).leading_zeros() as i32
    }
}

/// Java's `insignificantDigitsForPow2(p2)` = number of decimal digits of 2^p2 minus one.
fn insignificant_digits_for_pow2(p2: i32) -> i32 {
    if p2 > 1 && p2 < 64 {
        let mut v = 1_u64 << p2;
        let mut i = 0;
        while v >= 10 {
            v /= 10;
            i += 1;
        }
        i
    } else {
        0
    }
}

/// Java's `estimateDecExp`: floor of an approximation of log10 of the value.
// Java's literal 0.301029995663981 is a different double from `LOG10_2`; keep it.
#[allow(clippy::approx_constant)]
fn estimate_dec_exp(fract_bits: u64, bin_exp: i32) -> i32 {
    let d2 = f64::from_bits(EXP_ONE | (fract_bits & SIGNIF_MASK));
    let d = (d2 - 1.5) * 0.289529654 + 0.176091259 + f64::from(bin_exp) * 0.301029995663981;
    // |d| < 400, the cast is exact.
    d.floor() as i32
}

/// Java's `developLongDigits`: digits of an integer value, low `insignificant` digits rounded off.
fn develop_long_digits(lvalue: i64, insignificant: i32) -> (Vec<u8>, i32) {
    let mut lvalue = lvalue;
    let mut dec_exponent = 0;
    if insignificant != 0 {
        let pow10 = long_5_pow(insignificant).wrapping_shl(insignificant.unsigned_abs());
        if pow10 > 0 {
            let residue = lvalue % pow10;
            lvalue /= pow10;
            dec_exponent += insignificant;
            if residue >= (pow10 >> 1) {
                lvalue += 1;
            }
        }
    }
    let text = lvalue.to_string();
    let digits = text.trim_end_matches('0').as_bytes().to_vec();
    let len = i32::try_from(text.len()).unwrap_or(0);
    (digits, dec_exponent + len)
}

/// Java's `BinaryToASCIIBuffer.dtoa` (compatible format): decimal digits and exponent such that
/// the value is `0.d1d2d3... × 10^exponent`.
fn dtoa(bin_exp: i32, fract_bits: u64, n_significant_bits: i32) -> (Vec<u8>, i32) {
    let tail_zeros = fract_bits.trailing_zeros() as i32;
    let n_fract_bits = EXP_SHIFT + 1 - tail_zeros;
    let n_tiny_bits = (n_fract_bits - bin_exp - 1).max(0);
    if (MIN_SMALL_BIN_EXP..=MAX_SMALL_BIN_EXP).contains(&bin_exp)
        && n_tiny_bits < POW5_TABLE_LEN
        && n_fract_bits + n_5_bits(n_tiny_bits) < 64
        && n_tiny_bits == 0
    {
        // An integer that fits in a long.
        let insignificant = if bin_exp > n_significant_bits {
            insignificant_digits_for_pow2(bin_exp - n_significant_bits - 1)
        } else {
            0
        };
        let lvalue = if bin_exp >= EXP_SHIFT {
            fract_bits << (bin_exp - EXP_SHIFT)
        } else {
            fract_bits >> (EXP_SHIFT - bin_exp)
        };
        return develop_long_digits(i64::try_from(lvalue).unwrap_or(i64::MAX), insignificant);
    }

    let mut dec_exp = estimate_dec_exp(fract_bits, bin_exp);
    let b5 = (-dec_exp).max(0);
    let mut b2 = b5 + n_tiny_bits + bin_exp;
    let s5 = dec_exp.max(0);
    let mut s2 = s5 + n_tiny_bits;
    let m5 = b5;
    let mut m2 = b2 - n_significant_bits;

    let fract = fract_bits >> tail_zeros;
    b2 -= n_fract_bits - 1;
    let common2 = b2.min(s2);
    b2 -= common2;
    s2 -= common2;
    m2 -= common2;
    // For exact powers of two the next smaller value is only half as far away.
    if n_fract_bits == 1 {
        m2 -= 1;
    }
    if m2 < 0 {
        b2 -= m2;
        s2 -= m2;
        m2 = 0;
    }

    let b_bits = n_fract_bits
        + b2
        + if b5 < POW5_TABLE_LEN {
            n_5_bits(b5)
        } else {
            b5 * 3
        };
    let ten_s_bits = s2
        + 1
        + if s5 + 1 < POW5_TABLE_LEN {
            n_5_bits(s5 + 1)
        } else {
            (s5 + 1) * 3
        };

    let mut digits: Vec<u8> = Vec::with_capacity(MAX_DIGITS);
    let (low, high, low_digit_difference) = if b_bits < 64 && ten_s_bits < 64 {
        if b_bits < 32 && ten_s_bits < 32 {
            // All values fit in Java ints (wrapping arithmetic as in Java).
            let mut b = (fract as i32)
                .wrapping_mul(long_5_pow(b5) as i32)
                .wrapping_shl(b2.unsigned_abs());
            let s = (long_5_pow(s5) as i32).wrapping_shl(s2.unsigned_abs());
            let mut m = (long_5_pow(m5) as i32).wrapping_shl(m2.unsigned_abs());
            let tens = s.wrapping_mul(10);
            let mut q = b.checked_div(s).unwrap_or(0);
            b = b.checked_rem(s).unwrap_or(0).wrapping_mul(10);
            m = m.wrapping_mul(10);
            let mut low = b < m;
            let mut high = b.wrapping_add(m) > tens;
            if q == 0 && !high {
                dec_exp -= 1;
            } else {
                digits.push(digit_char(i64::from(q)));
            }
            if !(-3..8).contains(&dec_exp) {
                high = false;
                low = false;
            }
            while !low && !high && digits.len() < MAX_DIGITS {
                q = b.checked_div(s).unwrap_or(0);
                b = b.checked_rem(s).unwrap_or(0).wrapping_mul(10);
                m = m.wrapping_mul(10);
                if m > 0 {
                    low = b < m;
                    high = b.wrapping_add(m) > tens;
                } else {
                    low = true;
                    high = true;
                }
                digits.push(digit_char(i64::from(q)));
            }
            let diff = b.wrapping_shl(1).wrapping_sub(tens);
            (low, high, diff.signum())
        } else {
            // All values fit in Java longs.
            let mut b = (fract as i64)
                .wrapping_mul(long_5_pow(b5))
                .wrapping_shl(b2.unsigned_abs());
            let s = long_5_pow(s5).wrapping_shl(s2.unsigned_abs());
            let mut m = long_5_pow(m5).wrapping_shl(m2.unsigned_abs());
            let tens = s.wrapping_mul(10);
            let mut q = b.checked_div(s).unwrap_or(0);
            b = b.checked_rem(s).unwrap_or(0).wrapping_mul(10);
            m = m.wrapping_mul(10);
            let mut low = b < m;
            let mut high = b.wrapping_add(m) > tens;
            if q == 0 && !high {
                dec_exp -= 1;
            } else {
                digits.push(digit_char(q));
            }
            if !(-3..8).contains(&dec_exp) {
                high = false;
                low = false;
            }
            while !low && !high && digits.len() < MAX_DIGITS {
                q = b.checked_div(s).unwrap_or(0);
                b = b.checked_rem(s).unwrap_or(0).wrapping_mul(10);
                m = m.wrapping_mul(10);
                if m > 0 {
                    low = b < m;
                    high = b.wrapping_add(m) > tens;
                } else {
                    low = true;
                    high = true;
                }
                digits.push(digit_char(q));
            }
            let diff = b.wrapping_shl(1).wrapping_sub(tens);
            (low, high, diff.signum() as i32)
        }
    } else {
        // Big-integer arithmetic (Java's FDBigInteger; its normalisation shift scales every
        // operand by the same power of two and does not change any comparison).
        let s_val = BigUint::pow52(s5, s2);
        let mut b_val = BigUint::from_u64(fract);
        b_val.mul_pow5(b5);
        b_val.shl(b2);
        let mut m_val = BigUint::pow52(m5 + 1, m2 + 1);
        let ten_s_val = BigUint::pow52(s5 + 1, s2 + 1);
        let q = b_val.quo_rem_iteration(&s_val);
        let mut low = b_val.cmp_big(&m_val) == Ordering::Less;
        let mut high = ten_s_val.cmp_big(&b_val.add(&m_val)) != Ordering::Greater;
        if q == 0 && !high {
            dec_exp -= 1;
        } else {
            digits.push(digit_char(i64::from(q)));
        }
        if !(-3..8).contains(&dec_exp) {
            high = false;
            low = false;
        }
        while !low && !high && digits.len() < MAX_DIGITS {
            let q = b_val.quo_rem_iteration(&s_val);
            m_val.mul_small(10);
            low = b_val.cmp_big(&m_val) == Ordering::Less;
            high = ten_s_val.cmp_big(&b_val.add(&m_val)) != Ordering::Greater;
            digits.push(digit_char(i64::from(q)));
        }
        let diff = if high && low {
            let mut twice = b_val.clone();
            twice.shl(1);
            match twice.cmp_big(&ten_s_val) {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }
        } else {
            0
        };
        (low, high, diff)
    };

    let mut dec_exponent = dec_exp + 1;
    if high {
        let last_odd = digits.last().is_some_and(|d| d & 1 != 0);
        if !low || low_digit_difference > 0 || (low_digit_difference == 0 && last_odd) {
            roundup(&mut digits, &mut dec_exponent);
        }
    }
    (digits, dec_exponent)
}

fn digit_char(q: i64) -> u8 {
    // Java writes (char)('0' + q); q is a single decimal digit.
    u8::try_from(q + 48).unwrap_or(b'?')
}

/// Java's `roundup`: adds one to the last digit, carrying.
fn roundup(digits: &mut [u8], dec_exponent: &mut i32) {
    let Some(mut i) = digits.len().checked_sub(1) else {
        return;
    };
    let mut q = digits[i];
    if q == b'9' {
        while q == b'9' && i > 0 {
            digits[i] = b'0';
            i -= 1;
            q = digits[i];
        }
        if q == b'9' {
            *dec_exponent += 1;
            digits[0] = b'1';
            return;
        }
    }
    digits[i] = q + 1;
}

/// Java's `BinaryToASCIIBuffer.getChars`: plain notation for 10^-3 <= |x| < 10^7, else
/// computerized scientific notation, always with a digit after the point.
fn java_chars(negative: bool, digits: &[u8], dec_exponent: i32) -> String {
    let mut out = String::with_capacity(26);
    if negative {
        out.push('-');
    }
    let n_digits = digits.len();
    let push_digits = |out: &mut String, ds: &[u8]| {
        for &d in ds {
            out.push(char::from(d));
        }
    };
    if dec_exponent > 0 && dec_exponent < 8 {
        let exp = usize::try_from(dec_exponent).unwrap_or(0);
        let char_length = n_digits.min(exp);
        push_digits(&mut out, &digits[..char_length]);
        if char_length < exp {
            out.push_str(&"0".repeat(exp - char_length));
            out.push_str(".0");
        } else {
            out.push('.');
            if char_length < n_digits {
                push_digits(&mut out, &digits[char_length..]);
            } else {
                out.push('0');
            }
        }
    } else if dec_exponent <= 0 && dec_exponent > -3 {
        out.push_str("0.");
        out.push_str(&"0".repeat(dec_exponent.unsigned_abs() as usize));
        push_digits(&mut out, digits);
    } else {
        if let Some((first, rest)) = digits.split_first() {
            out.push(char::from(*first));
            out.push('.');
            if rest.is_empty() {
                out.push('0');
            } else {
                push_digits(&mut out, rest);
            }
        }
        out.push('E');
        if dec_exponent <= 0 {
            out.push('-');
            out.push_str(&(i64::from(dec_exponent).abs() + 1).to_string());
        } else {
            out.push_str(&(dec_exponent - 1).to_string());
        }
    }
    out
}

/// Minimal unsigned big integer (little-endian 32-bit limbs, no high zero limbs) for the
/// digit generation of large and tiny doubles.
#[derive(Clone, Debug)]
struct BigUint(Vec<u32>);

impl BigUint {
    fn from_u64(v: u64) -> Self {
        let mut n = BigUint(vec![v as u32, (v >> 32) as u32]);
        n.trim();
        n
    }

    /// 5^p5 × 2^p2.
    fn pow52(p5: i32, p2: i32) -> Self {
        let mut n = BigUint::from_u64(1);
        n.mul_pow5(p5);
        n.shl(p2);
        n
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0_u64;
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    fn mul_pow5(&mut self, p5: i32) {
        let mut p5 = p5.max(0);
        while p5 >= 13 {
            self.mul_small(1_220_703_125); // 5^13
            p5 -= 13;
        }
        if p5 > 0 {
            self.mul_small(5_u32.pow(p5.unsigned_abs()));
        }
    }

    fn shl(&mut self, bits: i32) {
        let bits = bits.max(0).unsigned_abs();
        if self.0.is_empty() || bits == 0 {
            return;
        }
        let words = (bits / 32) as usize;
        let rem = bits % 32;
        if rem != 0 {
            let mut carry = 0_u32;
            for limb in &mut self.0 {
                let v = *limb;
                *limb = (v << rem) | carry;
                carry = v >> (32 - rem);
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        if words > 0 {
            let mut shifted = vec![0_u32; words];
            shifted.extend_from_slice(&self.0);
            self.0 = shifted;
        }
    }

    fn cmp_big(&self, other: &BigUint) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    fn add(&self, other: &BigUint) -> BigUint {
        let len = self.0.len().max(other.0.len());
        let mut result = Vec::with_capacity(len + 1);
        let mut carry = 0_u64;
        for i in 0..len {
            let a = u64::from(self.0.get(i).copied().unwrap_or(0));
            let b = u64::from(other.0.get(i).copied().unwrap_or(0));
            let v = a + b + carry;
            result.push(v as u32);
            carry = v >> 32;
        }
        if carry != 0 {
            result.push(carry as u32);
        }
        let mut n = BigUint(result);
        n.trim();
        n
    }

    /// `self -= other`; requires `self >= other`.
    fn sub_assign(&mut self, other: &BigUint) {
        let mut borrow = 0_i64;
        for i in 0..self.0.len() {
            let a = i64::from(self.0[i]);
            let b = i64::from(other.0.get(i).copied().unwrap_or(0));
            let mut v = a - b - borrow;
            if v < 0 {
                v += 1 << 32;
                borrow = 1;
            } else {
                borrow = 0;
            }
            self.0[i] = v as u32;
        }
        self.trim();
    }

    /// FDBigInteger's `quoRemIteration`: returns `q = self / s` and sets `self = 10 × (self % s)`.
    fn quo_rem_iteration(&mut self, s: &BigUint) -> u32 {
        let mut q = 0;
        while self.cmp_big(s) != Ordering::Less && q < 10 {
            self.sub_assign(s);
            q += 1;
        }
        self.mul_small(10);
        q
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        BinaryArray, BooleanArray, Date32Array, Decimal128Array, DictionaryArray,
        DurationMicrosecondArray, FixedSizeBinaryArray, Float32Array, Float64Array, Int32Array,
        Int64Array, IntervalYearMonthArray, LargeStringArray, ListArray, MapBuilder, NullArray,
        StringArray, StringBuilder, StructArray, Time64MicrosecondArray, TimestampMicrosecondArray,
        TimestampNanosecondArray,
    };
    use arrow::datatypes::{Field, Fields, Int32Type};
    use chrono::{Offset, Utc};

    use super::*;

    fn utc() -> FixedOffset {
        Utc.fix()
    }

    fn show(array: &dyn Array, row: usize) -> Option<String> {
        match value_to_display_string(array, row, &utc()) {
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

    /// `Double.toString` on the conformance machine's Java 17.0.15 (via py4j), value by value.
    #[test]
    fn doubles_match_java17() {
        let cases: &[(f64, &str)] = &[
            (100.0, "100.0"),
            (1.5, "1.5"),
            (1.0e7, "1.0E7"),
            (1.0e-4, "1.0E-4"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.001, "0.001"),
            (9_999_999.0, "9999999.0"),
            (1.0e-5, "1.0E-5"),
            (123_456_789.123, "1.23456789123E8"),
            (1.0e21, "1.0E21"),
            (f64::MAX, "1.7976931348623157E308"),
            (4.9e-324, "4.9E-324"),
            (1.0e-323, "1.0E-323"),
            (2.0e-323, "2.0E-323"),
            (-1.5, "-1.5"),
            (1.0e22, "1.0E22"),
            (1.0e23, "9.999999999999999E22"),
            (2.0e23, "1.9999999999999998E23"),
            (33.333333333333336, "33.333333333333336"),
            (1_234_567.0, "1234567.0"),
            (12_345_678.9, "1.23456789E7"),
            (0.00123, "0.00123"),
            (0.002, "0.002"),
            (1.2345678901234568e17, "1.2345678901234568E17"),
            (3.0617315596860196e25, "3.0617315596860195E25"),
            (-1.6130484589462314e17, "-1.61304845894623136E17"),
            (-3.888032916356391e16, "-3.8880329163563912E16"),
            (-5.573343356376765e18, "-5.5733433563767654E18"),
            (3.529380539406651e17, "3.5293805394066509E17"),
            (2.8606316905910003e17, "2.86063169059100032E17"),
            (-2.63683906063351e17, "-2.63683906063351008E17"),
        ];
        for (value, expected) in cases {
            assert_eq!(java_double_to_string(*value), *expected, "{value:e}");
        }
    }

    /// `Float.toString` on Java 17.0.15 (values from Spark `float(...)` casts and py4j).
    #[test]
    fn floats_match_java17() {
        let cases: &[(f32, &str)] = &[
            (1.1, "1.1"),
            (0.1, "0.1"),
            (1.0e10, "1.0E10"),
            (f32::MAX, "3.4028235E38"),
            (1.4e-45, "1.4E-45"),
            (100.0, "100.0"),
            (1.0e7, "1.0E7"),
            (1.0e-4, "1.0E-4"),
            (16_777_216.0, "1.6777216E7"),
            (0.3, "0.3"),
            (33.333332, "33.333332"),
            (1.0e-44, "9.8E-45"),
            (3.333_333_3e-5, "3.3333334E-5"),
            (f32::NAN, "NaN"),
            (-0.0, "-0.0"),
        ];
        for (value, expected) in cases {
            assert_eq!(java_float_to_string(*value), *expected, "{value:e}");
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
            value_to_display_string(&ints, 1, &utc()),
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
        let plus_0530 = FixedOffset::east_opt(5 * 3600 + 1800).unwrap_or(utc());
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
        let minus_8 = FixedOffset::west_opt(8 * 3600).unwrap_or(utc());
        let epoch = TimestampMicrosecondArray::from(vec![0]).with_timezone("UTC");
        let shown = value_to_display_string(&epoch, 0, &minus_8);
        assert_eq!(shown.ok().flatten().as_deref(), Some("1969-12-31 16:00:00"));
        let nanos = TimestampNanosecondArray::from(vec![1_500_000_001]).with_timezone("UTC");
        assert_eq!(
            show(&nanos, 0).as_deref(),
            Some("1970-01-01 00:00:01.500000001")
        );
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
            value_to_display_string(&values, 0, &utc()),
            Err(ShowError::UnsupportedType(_))
        ));
    }
}
