//! Fields of a timestamp in the session time zone: `year`, `month`, `dayofmonth`, `hour`,
//! `minute`, `second` (whole seconds), as Spark reads them off the local date-time.

use arrow::array::{Array, Int32Array, TimestampMicrosecondArray};
use spate_runtime::text::timestamp::civil_from_days;
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

    /// This field of `micros` (µs since the epoch) in `zone`.
    fn of(self, micros: i64, zone: &Zone) -> i32 {
        let utc = micros.div_euclid(1_000_000);
        let local = utc.saturating_add(i64::from(zone.offset_at_utc(utc)));
        let (days, second_of_day) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let field = match self {
            DatePart::Year | DatePart::Month | DatePart::DayOfMonth => {
                let (year, month, day) = civil_from_days(days);
                match self {
                    DatePart::Year => year,
                    DatePart::Month => i64::from(month),
                    _ => i64::from(day),
                }
            }
            DatePart::Hour => second_of_day / 3600,
            DatePart::Minute => second_of_day / 60 % 60,
            DatePart::Second => second_of_day % 60,
        };
        i32::try_from(field).unwrap_or(i32::MAX)
    }
}

/// `part` of each timestamp of `times` in `zone` (NULL for NULL).
pub(crate) fn evaluate(
    part: DatePart,
    times: &TimestampMicrosecondArray,
    zone: &Zone,
) -> Int32Array {
    let values = times.values().iter().map(|&micros| part.of(micros, zone));
    Int32Array::new(values.collect(), times.nulls().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_the_session_time_zone() {
        // Spark 4.3, session time zone America/New_York: 1969-12-31 23:59:59 local.
        let zone = spate_runtime::testing::region_zone("America/New_York");
        let micros = (5 * 3600 - 1) * 1_000_000 + 500_000;
        let times = TimestampMicrosecondArray::from(vec![Some(micros), None]);
        let parts = [
            (DatePart::Year, 1969),
            (DatePart::Month, 12),
            (DatePart::DayOfMonth, 31),
            (DatePart::Hour, 23),
            (DatePart::Minute, 59),
            (DatePart::Second, 59),
        ];
        for (part, expected) in parts {
            let got = evaluate(part, &times, &zone);
            assert_eq!((got.value(0), got.is_null(1)), (expected, true), "{part:?}");
        }
    }
}
