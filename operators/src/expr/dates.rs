//! Date and time arithmetic as Spark computes it, in the session time zone: `date_add`,
//! `date_sub`, `datediff`, `date_trunc`, `trunc`, `unix_timestamp`, `from_unixtime`,
//! `timestamp_seconds`.

use super::error::ExprError;
use arrow::array::{Array, ArrayRef, AsArray, Int64Array, PrimitiveArray};
use arrow::compute::kernels::arity::binary;
use arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
};
use spate_runtime::text::timestamp::{civil_from_days, days_from_civil};
use spate_runtime::text::zone::Zone;
use std::sync::Arc;

/// A date-time function of the DataFrame API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateFunction {
    /// `date_add(date, days)`.
    DateAdd,
    /// `date_sub(date, days)`.
    DateSub,
    /// `datediff(end, start)`: the days from `start` to `end`.
    DateDiff,
    /// `date_trunc(unit, timestamp)`, the unit as written.
    DateTrunc(String),
    /// `trunc(date, unit)`, the unit as written.
    Trunc(String),
    /// `unix_timestamp(e, pattern)` (or SQL's `to_unix_timestamp`, `name`): seconds since
    /// the epoch of a timestamp, a date or a string read by the pattern.
    UnixTimestamp {
        /// The function's name.
        name: &'static str,
        /// The pattern strings are read by.
        pattern: String,
    },
    /// `from_unixtime(seconds, pattern)`: seconds since the epoch as text.
    FromUnixtime(String),
    /// `timestamp_seconds(seconds)`.
    TimestampSeconds,
}

/// Spark's default pattern of `unix_timestamp` and `from_unixtime`.
pub const DEFAULT_TIME_PATTERN: &str = "yyyy-MM-dd HH:mm:ss";

/// What a truncation keeps (Spark's `parseTruncLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TruncUnit {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl DateFunction {
    /// Spark's name of the function.
    pub fn name(&self) -> &'static str {
        match self {
            DateFunction::DateAdd => "date_add",
            DateFunction::DateSub => "date_sub",
            DateFunction::DateDiff => "datediff",
            DateFunction::DateTrunc(_) => "date_trunc",
            DateFunction::Trunc(_) => "trunc",
            DateFunction::UnixTimestamp { name, .. } => name,
            DateFunction::FromUnixtime(_) => "from_unixtime",
            DateFunction::TimestampSeconds => "timestamp_seconds",
        }
    }
}

impl TruncUnit {
    /// The unit a (case-insensitive) name stands for; `None` for an unknown one (the
    /// truncation is then NULL, as in Spark).
    pub(crate) fn parse(name: &str) -> Option<TruncUnit> {
        Some(match name.to_ascii_uppercase().as_str() {
            "MICROSECOND" => TruncUnit::Microsecond,
            "MILLISECOND" => TruncUnit::Millisecond,
            "SECOND" => TruncUnit::Second,
            "MINUTE" => TruncUnit::Minute,
            "HOUR" => TruncUnit::Hour,
            "DAY" | "DD" => TruncUnit::Day,
            "WEEK" => TruncUnit::Week,
            "MON" | "MONTH" | "MM" => TruncUnit::Month,
            "QUARTER" => TruncUnit::Quarter,
            "YEAR" | "YYYY" | "YY" => TruncUnit::Year,
            _ => return None,
        })
    }

    /// Whether `trunc` of a DATE takes this unit (a week or longer).
    fn is_date_level(self) -> bool {
        matches!(
            self,
            TruncUnit::Week | TruncUnit::Month | TruncUnit::Quarter | TruncUnit::Year
        )
    }

    /// The first day of the period holding `days` (a week starts on Monday).
    fn first_day(self, days: i64) -> i64 {
        let (year, month, _) = civil_from_days(days);
        match self {
            TruncUnit::Week => days - (days + 3).rem_euclid(7),
            TruncUnit::Month => days_from_civil(year, month, 1),
            TruncUnit::Quarter => days_from_civil(year, (month - 1) / 3 * 3 + 1, 1),
            TruncUnit::Year => days_from_civil(year, 1, 1),
            _ => days,
        }
    }
}

/// A bound date-time computation over arguments already of the types it takes.
#[derive(Debug, Clone)]
pub(crate) enum DateKernel {
    /// DATE ± INT days (`subtract` for `date_sub`).
    AddDays { subtract: bool },
    /// DATE − DATE in days.
    DiffDays,
    /// A TIMESTAMP truncated to a unit (NULL for an unknown unit).
    TruncTimestamp(Option<TruncUnit>),
    /// A DATE truncated to a week, month, quarter or year (NULL for any other unit).
    TruncDate(Option<TruncUnit>),
    /// A TIMESTAMP's whole seconds since the epoch.
    EpochSeconds,
    /// BIGINT or DOUBLE seconds since the epoch as a TIMESTAMP: `exact` fails on overflow
    /// (`timestamp_seconds`), otherwise the product wraps (`from_unixtime`).
    FromSeconds { exact: bool },
}

const MICROS_PER_SECOND: i64 = 1_000_000;

/// Runs `kernel` on its arguments.
pub(crate) fn evaluate(
    kernel: &DateKernel,
    args: &[ArrayRef],
    zone: &Zone,
) -> Result<ArrayRef, ExprError> {
    let timestamps = |values: PrimitiveArray<TimestampMicrosecondType>| {
        Arc::new(values.with_timezone("UTC")) as ArrayRef
    };
    Ok(match kernel {
        DateKernel::AddDays { subtract } => {
            let days = args[1].as_primitive::<Int32Type>();
            let dates = args[0].as_primitive::<Date32Type>();
            let sign = if *subtract { -1 } else { 1 };
            Arc::new(binary::<_, _, _, Date32Type>(dates, days, |d, n| {
                d.wrapping_add(n.wrapping_mul(sign))
            })?)
        }
        DateKernel::DiffDays => {
            let (end, start) = (
                args[0].as_primitive::<Date32Type>(),
                args[1].as_primitive::<Date32Type>(),
            );
            Arc::new(binary::<_, _, _, Int32Type>(end, start, i32::wrapping_sub)?)
        }
        DateKernel::TruncTimestamp(unit) => {
            let values = args[0].as_primitive::<TimestampMicrosecondType>();
            timestamps(values.unary_opt(|micros| truncate(micros, (*unit)?, zone)))
        }
        DateKernel::TruncDate(unit) => {
            let unit = unit.filter(|u| u.is_date_level());
            let values = args[0].as_primitive::<Date32Type>();
            Arc::new(values.unary_opt::<_, Date32Type>(|days| {
                i32::try_from(unit?.first_day(i64::from(days))).ok()
            }))
        }
        DateKernel::EpochSeconds => {
            let values = args[0].as_primitive::<TimestampMicrosecondType>();
            // Spark divides toward zero: 0.5 s before the epoch is second 0.
            Arc::new(values.unary::<_, Int64Type>(|micros| micros / MICROS_PER_SECOND))
        }
        DateKernel::FromSeconds { exact } => match args[0].data_type() {
            DataType::Float64 => {
                timestamps(args[0].as_primitive::<Float64Type>().unary_opt(|seconds| {
                    // Java's `(long) (seconds * 1e6)`: saturating, NULL for NaN or infinity.
                    seconds
                        .is_finite()
                        .then_some((seconds * MICROS_PER_SECOND as f64) as i64)
                }))
            }
            _ => {
                let seconds: &Int64Array = args[0].as_primitive::<Int64Type>();
                let micros = match exact {
                    true => seconds.try_unary(|s| {
                        s.checked_mul(MICROS_PER_SECOND)
                            .ok_or(ExprError::ArithmeticOverflow { function: None })
                    })?,
                    false => seconds.unary(|s| s.wrapping_mul(MICROS_PER_SECOND)),
                };
                timestamps(micros)
            }
        },
    })
}

/// `micros` truncated to `unit` as Spark's `truncTimestamp` does: below a minute on the
/// instant, minutes, hours and days on the local date-time (keeping its offset when still
/// valid), weeks and longer from the local start of the period's first day.
fn truncate(micros: i64, unit: TruncUnit, zone: &Zone) -> Option<i64> {
    let on_instant = |period: i64| Some(micros - micros.rem_euclid(period));
    match unit {
        TruncUnit::Microsecond => Some(micros),
        TruncUnit::Millisecond => on_instant(1_000),
        TruncUnit::Second => on_instant(MICROS_PER_SECOND),
        TruncUnit::Minute | TruncUnit::Hour | TruncUnit::Day => {
            let seconds = micros.div_euclid(MICROS_PER_SECOND);
            let offset = i64::from(zone.offset_at_utc(seconds));
            let local = seconds.checked_add(offset)?;
            let period = match unit {
                TruncUnit::Minute => 60,
                TruncUnit::Hour => 3_600,
                _ => 86_400,
            };
            let truncated = local - local.rem_euclid(period);
            let offset = match i64::from(zone.offset_at_utc(truncated - offset)) == offset {
                true => offset,
                false => i64::from(zone.offset_for_local(truncated)),
            };
            (truncated - offset).checked_mul(MICROS_PER_SECOND)
        }
        _ => {
            let local = zone.local_seconds(micros.div_euclid(MICROS_PER_SECOND));
            let day = unit.first_day(local.div_euclid(86_400));
            let midnight = day.checked_mul(86_400)?;
            let offset = i64::from(zone.offset_for_local(midnight));
            (midnight - offset).checked_mul(MICROS_PER_SECOND)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spate_runtime::text::zone::resolve_zone_id;

    #[test]
    fn periods_start_on_monday_the_first_and_the_quarter() {
        let day = days_from_civil(2024, 11, 3); // a Sunday
        let civil = |unit: TruncUnit| civil_from_days(unit.first_day(day));
        assert_eq!(civil(TruncUnit::Week), (2024, 10, 28));
        assert_eq!(civil(TruncUnit::Month), (2024, 11, 1));
        assert_eq!(civil(TruncUnit::Quarter), (2024, 10, 1));
        assert_eq!(civil(TruncUnit::Year), (2024, 1, 1));
        assert_eq!(TruncUnit::parse("mon"), Some(TruncUnit::Month));
        assert_eq!(TruncUnit::parse("decade"), None);
    }

    #[test]
    fn hours_keep_their_offset_in_an_overlap() {
        let zone = resolve_zone_id("America/New_York").unwrap();
        let second_one_thirty = 1_730_615_400 * MICROS_PER_SECOND; // 01:30 EST, 2024-11-03
        assert_eq!(
            truncate(second_one_thirty, TruncUnit::Hour, &zone),
            Some(1_730_613_600 * MICROS_PER_SECOND) // 01:00 EST
        );
        // The day starts at 00:00 EDT.
        assert_eq!(
            truncate(second_one_thirty, TruncUnit::Day, &zone),
            Some(1_730_606_400 * MICROS_PER_SECOND)
        );
    }

    /// Minutes are local too: Monrovia was 44 min 30 s behind UTC until 1972.
    #[test]
    fn minutes_truncate_on_local_time() {
        let zone = resolve_zone_id("Africa/Monrovia").unwrap();
        // 1970-01-12 13:46:52 UTC is 13:02:22 there; its minute starts at 13:46:30 UTC.
        let instant = 1_000_012 * MICROS_PER_SECOND;
        assert_eq!(
            truncate(instant, TruncUnit::Minute, &zone),
            Some(999_990 * MICROS_PER_SECOND)
        );
    }
}
