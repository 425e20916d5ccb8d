//! Spark's `CAST` between the types spate supports (boolean, tinyint … bigint, float, double,
//! string, date, timestamp, void), with ANSI errors (`CAST_INVALID_INPUT`, `CAST_OVERFLOW`) or the
//! legacy NULL/wrap behaviour.

use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array,
    PrimitiveArray, PrimitiveBuilder, StringArray, StringBuilder, TimestampMicrosecondArray,
};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, TimeUnit, TimestampMicrosecondType,
};

use super::error::ExprError;
use super::format::{
    sql_double_literal, sql_float_literal, sql_string_literal, sql_timestamp_literal, sql_type_name,
};
use super::numparse::{parse_bool, parse_double, parse_float, parse_integer};
use super::timestamp::cast_strings;
use super::EvalContext;
use spate_runtime::text::number::{java_double, java_float};
use spate_runtime::text::timestamp::{format_timestamp, parse_date, push_date, MICROS_PER_SECOND};
use spate_runtime::text::zone::Zone;

/// Whether spate implements Spark semantics for this (normalized) type.
pub(crate) fn is_supported(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Null
            | DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
            | DataType::Utf8
            | DataType::Date32
            | DataType::Timestamp(TimeUnit::Microsecond, Some(_))
    )
}

pub(crate) fn is_integral(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64
    )
}

pub(crate) fn is_fractional(dt: &DataType) -> bool {
    matches!(dt, DataType::Float32 | DataType::Float64)
}

pub(crate) fn is_numeric(dt: &DataType) -> bool {
    is_integral(dt) || is_fractional(dt)
}

/// Spark's `timestamp` as spate computes with it: microseconds with a time zone (other units
/// are converted when a column is read; `timestamp_ntz` is not supported).
pub(crate) fn is_timestamp(dt: &DataType) -> bool {
    matches!(dt, DataType::Timestamp(TimeUnit::Microsecond, Some(_)))
}

/// Why a cast is rejected at analysis time: `(DATATYPE_MISMATCH sub-class, message)`.
pub(crate) fn check_cast(
    from: &DataType,
    to: &DataType,
    ansi: bool,
) -> Result<(), (String, String)> {
    if from == to || *from == DataType::Null {
        return Ok(());
    }
    let (f, t) = (sql_type_name(from), sql_type_name(to));
    let bool_ts = (*from == DataType::Boolean && is_timestamp(to))
        || (is_timestamp(from) && *to == DataType::Boolean);
    if ansi && bool_ts {
        return Err((
            "CAST_WITH_CONF_SUGGESTION".into(),
            format!(
                "cannot cast \"{f}\" to \"{t}\" with ANSI mode on.\nIf you have to cast \"{f}\" \
                 to \"{t}\", you can set \"spark.sql.ansi.enabled\" as 'false'"
            ),
        ));
    }
    // A date converts only to and from strings and timestamps.
    let numeric_date = (*from == DataType::Date32 && (is_numeric(to) || *to == DataType::Boolean))
        || (*to == DataType::Date32 && (is_numeric(from) || *from == DataType::Boolean));
    if *to == DataType::Null || numeric_date {
        return Err((
            "CAST_WITHOUT_SUGGESTION".into(),
            format!("cannot cast \"{f}\" to \"{t}\""),
        ));
    }
    Ok(())
}

/// Spark's `Cast.forceNullable`: casts that can produce NULL from a non-NULL input.
pub(crate) fn force_nullable(from: &DataType, to: &DataType) -> bool {
    if from == to || *from == DataType::Null {
        return false;
    }
    match (from, to) {
        (DataType::Utf8, _) => true,
        (_, DataType::Utf8) => false,
        (f, t) if is_fractional(f) && is_timestamp(t) => true,
        (f, DataType::Int8 | DataType::Int16 | DataType::Int32) if is_timestamp(f) => true,
        (f, t) if is_fractional(f) && is_integral(t) => true,
        _ => false,
    }
}

/// Cast `array` to `to` with Spark's semantics.
pub(crate) fn cast(
    array: &ArrayRef,
    to: &DataType,
    ctx: &EvalContext,
) -> Result<ArrayRef, ExprError> {
    let from = array.data_type().clone();
    if from == *to {
        return Ok(array.clone());
    }
    let ansi = ctx.ansi;
    match (&from, to) {
        (DataType::Null, _) => Ok(new_null_array(to, array.len())),
        (DataType::Utf8, _) => from_strings(array.as_string::<i32>(), to, ctx),
        (_, DataType::Utf8) => to_strings(array, &ctx.time_zone),
        (f, t) if is_integral(f) && is_integral(t) => integral_to_integral(array, t, ansi),
        (f, t) if is_fractional(f) && is_integral(t) => fractional_to_integral(array, t, ansi),
        (f, t) if is_numeric(f) && is_fractional(t) => arrow_cast(array, t),
        (f, DataType::Boolean) if is_numeric(f) => arrow_cast(array, to),
        (DataType::Boolean, t) if is_numeric(t) => arrow_cast(array, t),
        (f, t) if is_integral(f) && is_timestamp(t) => {
            let secs = arrow_cast(array, &DataType::Int64)?;
            let micros: TimestampMicrosecondArray = secs
                .as_primitive::<Int64Type>()
                .unary(|s| s.saturating_mul(MICROS_PER_SECOND));
            Ok(Arc::new(micros.with_timezone("UTC")))
        }
        (f, t) if is_fractional(f) && is_timestamp(t) => fractional_to_timestamp(array, ansi),
        (DataType::Boolean, t) if is_timestamp(t) => {
            let micros: TimestampMicrosecondArray =
                PrimitiveArray::from_unary(array.as_boolean(), i64::from);
            Ok(Arc::new(micros.with_timezone("UTC")))
        }
        (f, t) if is_timestamp(f) => {
            from_timestamp(array.as_primitive::<TimestampMicrosecondType>(), t, ctx)
        }
        // A date is its local midnight in the session time zone.
        (DataType::Date32, t) if is_timestamp(t) => {
            let zone = &ctx.time_zone;
            let micros: TimestampMicrosecondArray =
                array.as_primitive::<Date32Type>().unary(|days| {
                    let local = i64::from(days) * SECONDS_PER_DAY;
                    let utc = local - i64::from(zone.offset_for_local(local));
                    utc.saturating_mul(MICROS_PER_SECOND)
                });
            Ok(Arc::new(micros.with_timezone("UTC")))
        }
        _ => Err(ExprError::Unsupported(format!(
            "casting {} to {}",
            sql_type_name(&from),
            sql_type_name(to)
        ))),
    }
}

/// Seconds in a day.
const SECONDS_PER_DAY: i64 = 86_400;

fn arrow_cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, ExprError> {
    Ok(cast_with_options(array, to, &CastOptions::default())?)
}

fn invalid_input(value: &str, to: &DataType) -> ExprError {
    ExprError::CastInvalidInput {
        value: sql_string_literal(value),
        from: "STRING".into(),
        to: sql_type_name(to),
    }
}

/// Parse each string with `parse`; a failure is an error (ANSI) or NULL.
fn parse_strings<T: ArrowPrimitiveType>(
    strings: &StringArray,
    to: &DataType,
    ansi: bool,
    parse: impl Fn(&[u8]) -> Option<T::Native>,
) -> Result<ArrayRef, ExprError> {
    let mut builder = PrimitiveBuilder::<T>::with_capacity(strings.len());
    let offsets = strings.value_offsets();
    let data = strings.value_data();
    for row in 0..strings.len() {
        if strings.is_null(row) {
            builder.append_null();
            continue;
        }
        match parse(&data[offsets[row] as usize..offsets[row + 1] as usize]) {
            Some(v) => builder.append_value(v),
            None if ansi => return Err(invalid_input(strings.value(row), to)),
            None => builder.append_null(),
        }
    }
    Ok(Arc::new(builder.finish()))
}

fn from_strings(
    strings: &StringArray,
    to: &DataType,
    ctx: &EvalContext,
) -> Result<ArrayRef, ExprError> {
    let ansi = ctx.ansi;
    let lenient = !ansi;
    match to {
        DataType::Int8 => parse_strings::<Int8Type>(strings, to, ansi, |s| {
            parse_integer(s, lenient, i8::MIN.into(), i8::MAX.into()).map(|v| v as i8)
        }),
        DataType::Int16 => parse_strings::<Int16Type>(strings, to, ansi, |s| {
            parse_integer(s, lenient, i16::MIN.into(), i16::MAX.into()).map(|v| v as i16)
        }),
        DataType::Int32 => parse_strings::<Int32Type>(strings, to, ansi, |s| {
            parse_integer(s, lenient, i32::MIN.into(), i32::MAX.into()).map(|v| v as i32)
        }),
        DataType::Int64 => parse_strings::<Int64Type>(strings, to, ansi, |s| {
            parse_integer(s, lenient, i64::MIN, i64::MAX)
        }),
        DataType::Float32 => parse_strings::<Float32Type>(strings, to, ansi, parse_float),
        DataType::Float64 => parse_strings::<Float64Type>(strings, to, ansi, parse_double),
        DataType::Boolean => {
            let mut out = Vec::with_capacity(strings.len());
            for (row, s) in strings.iter().enumerate() {
                match s.map(|s| parse_bool(s.as_bytes())) {
                    None => out.push(None),
                    Some(Some(v)) => out.push(Some(v)),
                    Some(None) if ansi => return Err(invalid_input(strings.value(row), to)),
                    Some(None) => out.push(None),
                }
            }
            Ok(Arc::new(BooleanArray::from(out)))
        }
        t if is_timestamp(t) => Ok(Arc::new(cast_strings(strings, &ctx.time_zone, ansi)?)),
        DataType::Date32 => parse_strings::<Date32Type>(strings, to, ansi, parse_date),
        _ => Err(ExprError::Unsupported(format!(
            "casting STRING to {}",
            sql_type_name(to)
        ))),
    }
}

/// Format every value with `write`, reusing one buffer.
fn format_each<A: Array>(array: &A, mut write: impl FnMut(usize, &mut String)) -> ArrayRef {
    let mut builder = StringBuilder::with_capacity(array.len(), array.len() * 8);
    let mut buf = String::with_capacity(32);
    for row in 0..array.len() {
        if array.is_null(row) {
            builder.append_null();
        } else {
            buf.clear();
            write(row, &mut buf);
            builder.append_value(&buf);
        }
    }
    Arc::new(builder.finish())
}

fn to_strings(array: &ArrayRef, zone: &Zone) -> Result<ArrayRef, ExprError> {
    match array.data_type() {
        DataType::Float64 => {
            let a = array.as_primitive::<Float64Type>();
            Ok(format_each(a, |row, buf| {
                buf.push_str(&java_double(a.value(row)))
            }))
        }
        DataType::Float32 => {
            let a = array.as_primitive::<Float32Type>();
            Ok(format_each(a, |row, buf| {
                buf.push_str(&java_float(a.value(row)))
            }))
        }
        t if is_timestamp(t) => {
            let a = array.as_primitive::<TimestampMicrosecondType>();
            Ok(format_each(a, |row, buf| {
                format_timestamp(a.value(row), zone, buf)
            }))
        }
        DataType::Date32 => {
            let a = array.as_primitive::<Date32Type>();
            Ok(format_each(a, |row, buf| {
                push_date(i64::from(a.value(row)), buf)
            }))
        }
        _ => arrow_cast(array, &DataType::Utf8),
    }
}

/// An integer as Spark prints it in messages (`1Y`, `1S`, `1`, `1L`).
fn sql_integer_literal(v: i64, data_type: &DataType) -> String {
    match data_type {
        DataType::Int8 => format!("{v}Y"),
        DataType::Int16 => format!("{v}S"),
        DataType::Int64 => format!("{v}L"),
        _ => v.to_string(),
    }
}

fn integer_range(dt: &DataType) -> (i64, i64) {
    match dt {
        DataType::Int8 => (i8::MIN.into(), i8::MAX.into()),
        DataType::Int16 => (i16::MIN.into(), i16::MAX.into()),
        DataType::Int32 => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Narrow an `i64` array to `to`, wrapping like the JVM's `(int) long`.
fn narrow(values: &Int64Array, to: &DataType) -> ArrayRef {
    match to {
        DataType::Int8 => Arc::new(values.unary::<_, Int8Type>(|v| v as i8)),
        DataType::Int16 => Arc::new(values.unary::<_, Int16Type>(|v| v as i16)),
        DataType::Int32 => Arc::new(values.unary::<_, Int32Type>(|v| v as i32)),
        _ => Arc::new(values.clone()),
    }
}

fn integral_to_integral(
    array: &ArrayRef,
    to: &DataType,
    ansi: bool,
) -> Result<ArrayRef, ExprError> {
    let (min, max) = integer_range(to);
    let (from_min, from_max) = integer_range(array.data_type());
    if from_min >= min && from_max <= max {
        return arrow_cast(array, to);
    }
    let wide = arrow_cast(array, &DataType::Int64)?;
    let wide = wide.as_primitive::<Int64Type>();
    if ansi {
        if let Some(v) = wide.iter().flatten().find(|v| *v < min || *v > max) {
            return Err(ExprError::CastOverflow {
                value: sql_integer_literal(v, array.data_type()),
                from: sql_type_name(array.data_type()),
                to: sql_type_name(to),
            });
        }
    }
    Ok(narrow(wide, to))
}

fn fractional_to_integral(
    array: &ArrayRef,
    to: &DataType,
    ansi: bool,
) -> Result<ArrayRef, ExprError> {
    let from = array.data_type().clone();
    let doubles = arrow_cast(array, &DataType::Float64)?;
    let doubles = doubles.as_primitive::<Float64Type>();
    if ansi {
        let (min, max) = integer_range(to);
        let fits = |x: f64| x.floor() <= max as f64 && x.ceil() >= min as f64;
        if let Some(x) = doubles.iter().flatten().find(|x| !fits(*x)) {
            let value = if from == DataType::Float32 {
                sql_float_literal(x as f32)
            } else {
                sql_double_literal(x)
            };
            return Err(ExprError::CastOverflow {
                value,
                from: sql_type_name(&from),
                to: sql_type_name(to),
            });
        }
    }
    // JVM conversions: saturating to int/long (NaN → 0), then narrowing for smaller types.
    Ok(match to {
        DataType::Int64 => Arc::new(doubles.unary::<_, Int64Type>(|x| x as i64)),
        DataType::Int32 => Arc::new(doubles.unary::<_, Int32Type>(|x| x as i32)),
        DataType::Int16 => Arc::new(doubles.unary::<_, Int16Type>(|x| x as i32 as i16)),
        _ => Arc::new(doubles.unary::<_, Int8Type>(|x| x as i32 as i8)),
    })
}

fn fractional_to_timestamp(array: &ArrayRef, ansi: bool) -> Result<ArrayRef, ExprError> {
    let from = sql_type_name(array.data_type());
    let doubles = arrow_cast(array, &DataType::Float64)?;
    let doubles: &Float64Array = doubles.as_primitive::<Float64Type>();
    let micros: TimestampMicrosecondArray = if ansi {
        for x in doubles.iter().flatten() {
            if !x.is_finite() {
                let value = java_double(x);
                return Err(ExprError::CastInvalidInput {
                    value,
                    from,
                    to: "TIMESTAMP".into(),
                });
            }
            let us = x * MICROS_PER_SECOND as f64;
            if !(us.floor() <= i64::MAX as f64 && us.ceil() >= i64::MIN as f64) {
                return Err(ExprError::CastOverflow {
                    value: sql_double_literal(us),
                    from,
                    to: "BIGINT".into(),
                });
            }
        }
        doubles.unary(|x| (x * MICROS_PER_SECOND as f64) as i64)
    } else {
        doubles
            .iter()
            .map(|x| {
                x.filter(|x| x.is_finite())
                    .map(|x| (x * MICROS_PER_SECOND as f64) as i64)
            })
            .collect()
    };
    Ok(Arc::new(micros.with_timezone("UTC")))
}

fn from_timestamp(
    ts: &TimestampMicrosecondArray,
    to: &DataType,
    ctx: &EvalContext,
) -> Result<ArrayRef, ExprError> {
    match to {
        DataType::Boolean => Ok(Arc::new(BooleanArray::from_unary(ts, |v| v != 0))),
        DataType::Float64 => {
            Ok(Arc::new(ts.unary::<_, Float64Type>(|v| {
                v as f64 / MICROS_PER_SECOND as f64
            })))
        }
        DataType::Float32 => {
            Ok(Arc::new(ts.unary::<_, Float32Type>(|v| {
                (v as f64 / MICROS_PER_SECOND as f64) as f32
            })))
        }
        DataType::Int64 => {
            Ok(Arc::new(ts.unary::<_, Int64Type>(|v| {
                v.div_euclid(MICROS_PER_SECOND)
            })))
        }
        // The date of the local time in the session time zone.
        DataType::Date32 => {
            let zone = &ctx.time_zone;
            Ok(Arc::new(ts.unary::<_, Date32Type>(|micros| {
                let utc = micros.div_euclid(MICROS_PER_SECOND);
                zone.local_seconds(utc).div_euclid(SECONDS_PER_DAY) as i32
            })))
        }
        DataType::Int8 | DataType::Int16 | DataType::Int32 => {
            let (min, max) = integer_range(to);
            let secs: Int64Array = ts.unary(|v| v.div_euclid(MICROS_PER_SECOND));
            if ctx.ansi {
                if let Some(row) = (0..secs.len())
                    .find(|&r| secs.is_valid(r) && !(min..=max).contains(&secs.value(r)))
                {
                    return Err(ExprError::CastOverflow {
                        value: sql_timestamp_literal(ts.value(row), &ctx.time_zone),
                        from: "TIMESTAMP".into(),
                        to: sql_type_name(to),
                    });
                }
                Ok(narrow(&secs, to))
            } else {
                let in_range: Int64Array = secs
                    .iter()
                    .map(|s| s.filter(|s| (min..=max).contains(s)))
                    .collect();
                Ok(narrow(&in_range, to))
            }
        }
        _ => Err(ExprError::Unsupported(format!(
            "casting TIMESTAMP to {}",
            sql_type_name(to)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BooleanArray, Int16Array, Int32Array};
    use spate_runtime::types::timestamp_type;

    fn ctx(ansi: bool) -> EvalContext {
        EvalContext {
            ansi,
            ..EvalContext::default()
        }
    }

    fn strings(values: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(values.to_vec()))
    }

    fn err(r: Result<ArrayRef, ExprError>) -> String {
        r.err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn string_to_int_ansi_error_and_legacy_null() {
        let a = strings(&[Some(" 5 "), Some("5.7"), None]);
        // Spark 4.3: CAST('5.7' AS INT) fails with ANSI, is 5 without.
        assert_eq!(
            err(cast(&a, &DataType::Int32, &ctx(true))),
            "[CAST_INVALID_INPUT] The value '5.7' of the type \"STRING\" cannot be cast to \"INT\" \
             because it is malformed. Correct the value as per the syntax, or change its target \
             type. Use `try_cast` to tolerate malformed input and return NULL instead. SQLSTATE: 22018"
        );
        let out = cast(&a, &DataType::Int32, &ctx(false)).ok();
        let want: ArrayRef = Arc::new(Int32Array::from(vec![Some(5), Some(5), None]));
        assert_eq!(out.as_ref(), Some(&want));
    }

    #[test]
    fn narrowing_overflow() {
        // Spark 4.3: CAST(3000000000L AS INT) → CAST_OVERFLOW (ANSI), -1294967296 (legacy);
        // CAST(300 AS TINYINT) → 44 (legacy).
        let a: ArrayRef = Arc::new(Int64Array::from(vec![3_000_000_000i64]));
        assert_eq!(
            err(cast(&a, &DataType::Int32, &ctx(true))),
            "[CAST_OVERFLOW] The value 3000000000L of the type \"BIGINT\" cannot be cast to \"INT\" \
             due to an overflow. Use `try_cast` to tolerate overflow and return NULL instead. \
             SQLSTATE: 22003"
        );
        let out = cast(&a, &DataType::Int32, &ctx(false)).ok();
        let want: ArrayRef = Arc::new(Int32Array::from(vec![-1_294_967_296]));
        assert_eq!(out.as_ref(), Some(&want));
        let a: ArrayRef = Arc::new(Int32Array::from(vec![300]));
        let out = cast(&a, &DataType::Int8, &ctx(false)).ok();
        let want: ArrayRef = Arc::new(arrow::array::Int8Array::from(vec![44]));
        assert_eq!(out.as_ref(), Some(&want));
    }

    #[test]
    fn double_to_int() {
        // Spark 4.3: CAST(1e20D AS INT) → CAST_OVERFLOW "1.0E20D" (ANSI), 2147483647 (legacy);
        // CAST(-1.9D AS INT) → -1; CAST(NaN AS INT) → 0 (legacy).
        let a: ArrayRef = Arc::new(Float64Array::from(vec![1e20, -1.9, f64::NAN]));
        assert!(err(cast(&a, &DataType::Int32, &ctx(true))).starts_with(
            "[CAST_OVERFLOW] The value 1.0E20D of the type \"DOUBLE\" cannot be cast to \"INT\""
        ));
        let out = cast(&a, &DataType::Int32, &ctx(false)).ok();
        let want: ArrayRef = Arc::new(Int32Array::from(vec![i32::MAX, -1, 0]));
        assert_eq!(out.as_ref(), Some(&want));
    }

    #[test]
    fn to_and_from_timestamp() {
        // Spark 4.3: CAST(1.5D AS TIMESTAMP) = 1970-01-01 00:00:01.5;
        // CAST(TIMESTAMP '1969-12-31 23:59:59.5' AS BIGINT) = -1, AS DOUBLE = -0.5,
        // AS STRING = '1969-12-31 23:59:59.5'; AS SMALLINT of 2024-01-15 overflows.
        let d: ArrayRef = Arc::new(Float64Array::from(vec![1.5, -1.5]));
        let ts = cast(&d, &timestamp_type(), &ctx(true)).ok();
        let want: ArrayRef = Arc::new(
            TimestampMicrosecondArray::from(vec![1_500_000, -1_500_000]).with_timezone("UTC"),
        );
        assert_eq!(ts.as_ref(), Some(&want));
        let t: ArrayRef =
            Arc::new(TimestampMicrosecondArray::from(vec![-500_000]).with_timezone("UTC"));
        let longs = cast(&t, &DataType::Int64, &ctx(true)).ok();
        assert_eq!(
            longs.as_ref(),
            Some(&(Arc::new(Int64Array::from(vec![-1])) as ArrayRef))
        );
        let dbl = cast(&t, &DataType::Float64, &ctx(true)).ok();
        assert_eq!(
            dbl.as_ref(),
            Some(&(Arc::new(Float64Array::from(vec![-0.5])) as ArrayRef))
        );
        let s = cast(&t, &DataType::Utf8, &ctx(true)).ok();
        assert_eq!(s.as_ref(), Some(&strings(&[Some("1969-12-31 23:59:59.5")])));
        let big: ArrayRef = Arc::new(
            TimestampMicrosecondArray::from(vec![1_705_312_800_500_000]).with_timezone("UTC"),
        );
        assert_eq!(
            err(cast(&big, &DataType::Int16, &ctx(true))),
            "[CAST_OVERFLOW] The value TIMESTAMP '2024-01-15 10:00:00.5' of the type \"TIMESTAMP\" \
             cannot be cast to \"SMALLINT\" due to an overflow. Use `try_cast` to tolerate overflow \
             and return NULL instead. SQLSTATE: 22003"
        );
        let legacy = cast(&big, &DataType::Int16, &ctx(false)).ok();
        assert_eq!(
            legacy.as_ref(),
            Some(&(Arc::new(Int16Array::from(vec![None])) as ArrayRef))
        );
        let nan: ArrayRef = Arc::new(Float64Array::from(vec![f64::NAN]));
        assert!(err(cast(&nan, &timestamp_type(), &ctx(true)))
            .starts_with("[CAST_INVALID_INPUT] The value NaN of the type \"DOUBLE\" cannot be cast to \"TIMESTAMP\""));
        let huge: ArrayRef = Arc::new(Float64Array::from(vec![1e20]));
        assert!(err(cast(&huge, &timestamp_type(), &ctx(true))).starts_with(
            "[CAST_OVERFLOW] The value 1.0E26D of the type \"DOUBLE\" cannot be cast to \"BIGINT\""
        ));
    }

    #[test]
    fn booleans_and_strings() {
        // Spark 4.3: CAST(true AS INT) = 1, CAST(2 AS BOOLEAN) = true, CAST(1e20D AS STRING) = '1.0E20'.
        let b: ArrayRef = Arc::new(BooleanArray::from(vec![true, false]));
        let i = cast(&b, &DataType::Int32, &ctx(true)).ok();
        assert_eq!(
            i.as_ref(),
            Some(&(Arc::new(Int32Array::from(vec![1, 0])) as ArrayRef))
        );
        let s = cast(&b, &DataType::Utf8, &ctx(true)).ok();
        assert_eq!(s.as_ref(), Some(&strings(&[Some("true"), Some("false")])));
        let two: ArrayRef = Arc::new(Int32Array::from(vec![2, 0]));
        let bb = cast(&two, &DataType::Boolean, &ctx(true)).ok();
        assert_eq!(
            bb.as_ref(),
            Some(&(Arc::new(BooleanArray::from(vec![true, false])) as ArrayRef))
        );
        let d: ArrayRef = Arc::new(Float64Array::from(vec![1e20, 150.0]));
        let s = cast(&d, &DataType::Utf8, &ctx(true)).ok();
        assert_eq!(s.as_ref(), Some(&strings(&[Some("1.0E20"), Some("150.0")])));
        let s = strings(&[Some("x")]);
        assert!(
            err(cast(&s, &DataType::Boolean, &ctx(true))).contains("cannot be cast to \"BOOLEAN\"")
        );
    }

    #[test]
    fn nullability_and_legality() {
        // Spark 4.3 printSchema: CAST(string AS INT) nullable, CAST(int AS STRING) not,
        // CAST(double AS INT) nullable, CAST(bigint AS INT) not, CAST(ts AS INT) nullable.
        assert!(force_nullable(&DataType::Utf8, &DataType::Int32));
        assert!(!force_nullable(&DataType::Int32, &DataType::Utf8));
        assert!(force_nullable(&DataType::Float64, &DataType::Int32));
        assert!(!force_nullable(&DataType::Int64, &DataType::Int32));
        assert!(force_nullable(&timestamp_type(), &DataType::Int32));
        assert!(!force_nullable(&timestamp_type(), &DataType::Int64));
        assert!(force_nullable(&DataType::Float64, &timestamp_type()));
        assert!(!force_nullable(&DataType::Int32, &timestamp_type()));
        assert!(check_cast(&DataType::Boolean, &timestamp_type(), true).is_err());
        assert!(check_cast(&DataType::Boolean, &timestamp_type(), false).is_ok());
    }
}
