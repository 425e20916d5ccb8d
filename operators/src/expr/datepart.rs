//! Fields of a timestamp in the session time zone: `year`, `month`, `dayofmonth`, `hour`,
//! `minute`, `second` (whole seconds), as Spark reads them off the local date-time. The
//! first three read a date: of a string, the date it starts with (Spark's cast to DATE,
//! which ignores any time and zone after it).

use super::error::ExprError;
use arrow::array::{Array, ArrayRef, AsArray, Int32Array};
use arrow::datatypes::{Date32Type, TimestampMicrosecondType};
use spate_runtime::text::timestamp::{civil_from_days, parse_date};
use spate_runtime::text::zone::Zone;

/// A field of a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// `year(t)`.
    Year,
    /// `month(t)`: 1 to 12.
    Month,
    /// `dayofmonth(t)`: 1 to 31.
    DayOfMonth,
    /// `hour(t)`: 0 to 23.
    Hour,
    /// `minute(t)`: 0 to 59.
    Minute,
    /// `second(t)`: 0 to 59, without the fraction.
    Second,
}

impl DatePart {
    /// Spark's name of the function.
    pub fn name(self) -> &'static str {
        match self {
            DatePart::Year => "year",
            DatePart::Month => "month",
            DatePart::DayOfMonth => "dayofmonth",
            DatePart::Hour => "hour",
            DatePart::Minute => "minute",
            DatePart::Second => "second",
        }
    }

    /// Whether the field is of the date (year, month, day), read off a DATE.
    pub(crate) fn of_date(self) -> bool {
        matches!(
            self,
            DatePart::Year | DatePart::Month | DatePart::DayOfMonth
        )
    }

    /// This field of `micros` (µs since the epoch) in `zone`.
    fn of(self, micros: i64, zone: &Zone) -> i32 {
        let local = zone.local_seconds(micros.div_euclid(1_000_000));
        let (days, second_of_day) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let field = match self {
            DatePart::Hour => second_of_day / 3600,
            DatePart::Minute => second_of_day / 60 % 60,
            DatePart::Second => second_of_day % 60,
            _ => return self.of_days(days),
        };
        i32::try_from(field).unwrap_or(i32::MAX)
    }

    /// This field (of the date) of the date `days` since the epoch.
    fn of_days(self, days: i64) -> i32 {
        let (year, month, day) = civil_from_days(days);
        let field = match self {
            DatePart::Year => year,
            DatePart::Month => i64::from(month),
            _ => i64::from(day),
        };
        i32::try_from(field).unwrap_or(i32::MAX)
    }
}

/// `part` of each value of `values` (timestamps in `zone`, dates, or strings read as
/// dates); NULL for NULL and for a string that is not a date.
pub(crate) fn evaluate(
    part: DatePart,
    values: &ArrayRef,
    zone: &Zone,
) -> Result<Int32Array, ExprError> {
    if let Some(times) = values.as_primitive_opt::<TimestampMicrosecondType>() {
        let fields = times.values().iter().map(|&micros| part.of(micros, zone));
        return Ok(Int32Array::new(fields.collect(), times.nulls().cloned()));
    }
    if let Some(dates) = values.as_primitive_opt::<Date32Type>() {
        let fields = dates
            .values()
            .iter()
            .map(|&days| part.of_days(i64::from(days)));
        return Ok(Int32Array::new(fields.collect(), dates.nulls().cloned()));
    }
    let strings = values.as_string_opt::<i32>().ok_or_else(|| {
        ExprError::Unsupported(format!("{} of {}", part.name(), values.data_type()))
    })?;
    Ok(strings
        .iter()
        .map(|s| {
            let days = parse_date(s?.as_bytes())?;
            Some(part.of_days(i64::from(days)))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_the_session_time_zone() {
        // Spark 4.3, session time zone America/New_York: 1969-12-31 23:59:59 local.
        let zone = spate_runtime::testing::region_zone("America/New_York");
        let micros = (5 * 3600 - 1) * 1_000_000 + 500_000;
        let times: ArrayRef =
            std::sync::Arc::new(arrow::array::TimestampMicrosecondArray::from(vec![
                Some(micros),
                None,
            ]));
        let parts = [
            (DatePart::Year, 1969),
            (DatePart::Month, 12),
            (DatePart::DayOfMonth, 31),
            (DatePart::Hour, 23),
            (DatePart::Minute, 59),
            (DatePart::Second, 59),
        ];
        for (part, expected) in parts {
            let got = evaluate(part, &times, &zone).expect("fields");
            assert_eq!((got.value(0), got.is_null(1)), (expected, true), "{part:?}");
        }
        // A string's date as written, whatever follows it (Spark 4.3's cast to DATE).
        let strings: ArrayRef = std::sync::Arc::new(arrow::array::StringArray::from(vec![
            "2024-01-01T02:00:00Z",
            "2024-01-15 junk",
            "junk",
        ]));
        let days = evaluate(DatePart::DayOfMonth, &strings, &zone).expect("days");
        assert_eq!(days.iter().collect::<Vec<_>>(), [Some(1), Some(15), None]);
    }
}
