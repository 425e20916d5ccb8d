//! `window(time, duration[, slide[, start]])`: Spark's time windows (SEMANTICS.md §4.2).
//! Windows are aligned to the Unix epoch in UTC (plus `start`), start inclusive, end exclusive.

use crate::expr::{Expr, ExprError};
use arrow::array::{Array, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Fields};
use spate_runtime::types::timestamp_type;

/// `window(...)` as the user wrote it; the durations are checked when the query is analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowSpec {
    /// The window length (`"5 minutes"`).
    pub duration: String,
    /// The slide (`None`: tumbling windows).
    pub slide: Option<String>,
    /// The offset of window starts from the epoch (`"-8 hours"`).
    pub start: Option<String>,
}

/// `window(time, duration)`: tumbling windows.
pub fn window(time: Expr, duration: &str) -> Expr {
    window_spec(time, duration, None, None)
}

/// `window(time, duration, slide)`: sliding windows (a row lands in ⌈duration / slide⌉ of them).
pub fn sliding_window(time: Expr, duration: &str, slide: &str) -> Expr {
    window_spec(time, duration, Some(slide), None)
}

/// `window(time, duration, slide, start)`: windows shifted by `start` from the epoch.
pub fn window_with_start(time: Expr, duration: &str, slide: &str, start: &str) -> Expr {
    window_spec(time, duration, Some(slide), Some(start))
}

fn window_spec(time: Expr, duration: &str, slide: Option<&str>, start: Option<&str>) -> Expr {
    Expr::Window(
        Box::new(time),
        WindowSpec {
            duration: duration.to_string(),
            slide: slide.map(str::to_string),
            start: start.map(str::to_string),
        },
    )
}

/// Checked window durations, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    /// Window length.
    pub size: i64,
    /// Distance between window starts.
    pub slide: i64,
    /// Offset of window starts from the epoch; `|start| < slide`.
    pub start: i64,
}

/// Spark's interval parsing for window durations: a month or year is refused.
fn micros(text: &str) -> Result<i64, ExprError> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("month") || lower.contains("year") {
        return Err(ExprError::InvalidWindow(format!(
            "Intervals greater than a month is not supported ({text})."
        )));
    }
    spate_runtime::parse_interval_micros(text).map_err(|_| {
        ExprError::InvalidWindow(format!(
            "The provided interval ({text}) did not correspond to a valid interval string."
        ))
    })
}

impl TimeWindow {
    /// Parses and checks `spec` as Spark's `TimeWindow` does.
    pub fn parse(spec: &WindowSpec) -> Result<TimeWindow, ExprError> {
        let size = micros(&spec.duration)?;
        let slide = spec
            .slide
            .as_deref()
            .map(micros)
            .transpose()?
            .unwrap_or(size);
        let start = spec.start.as_deref().map(micros).transpose()?.unwrap_or(0);
        let invalid = |message: String| Err(ExprError::InvalidWindow(message));
        if size <= 0 {
            return invalid(format!(
                "The window duration ({size}) must be greater than 0."
            ));
        }
        if slide <= 0 {
            return invalid(format!(
                "The slide duration ({slide}) must be greater than 0."
            ));
        }
        if slide > size {
            return invalid(format!(
                "The slide duration ({slide}) must be less than or equal to the windowDuration ({size})."
            ));
        }
        if start.unsigned_abs() >= slide.unsigned_abs() {
            return invalid(format!(
                "The absolute value of start time ({start}) must be less than the slideDuration ({slide})."
            ));
        }
        Ok(TimeWindow { size, slide, start })
    }

    /// The `window` column's type: `struct<start: timestamp, end: timestamp>`.
    pub fn data_type() -> DataType {
        DataType::Struct(Fields::from(vec![
            Field::new("start", timestamp_type(), true),
            Field::new("end", timestamp_type(), true),
        ]))
    }

    /// Every (row, window start) pair of `times`: for each non-NULL time `t`, the windows
    /// with `start ≤ t < start + size`, latest first. Rows with a NULL time get no window.
    /// Times at the ends of the range wrap as Spark's `long` arithmetic does. Fails when
    /// the pairs would not fit in memory (a window many times longer than its slide).
    pub fn assign(
        &self,
        times: &TimestampMicrosecondArray,
        rows: &mut Vec<u32>,
        starts: &mut Vec<i64>,
    ) -> Result<(), ExprError> {
        let overlapping = (self.size - 1) / self.slide + 1;
        rows.clear();
        starts.clear();
        let pairs = times.len().saturating_mul(overlapping as usize);
        let too_many = |_| {
            ExprError::InvalidWindow(format!(
                "a window of {} µs sliding by {} µs puts each row in {overlapping} windows: {} rows make more windows than memory holds",
                self.size,
                self.slide,
                times.len()
            ))
        };
        rows.try_reserve(pairs).map_err(too_many)?;
        starts.try_reserve(pairs).map_err(too_many)?;
        let nulls = times.nulls();
        for (row, &t) in times.values().iter().enumerate() {
            if nulls.is_some_and(|n| n.is_null(row)) {
                continue;
            }
            let last_start = t.wrapping_sub(t.wrapping_sub(self.start).rem_euclid(self.slide));
            for i in 0..overlapping {
                let start = last_start.wrapping_sub(i.wrapping_mul(self.slide));
                if start <= t && t < start.wrapping_add(self.size) {
                    rows.push(row as u32);
                    starts.push(start);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000_000;

    fn spec(duration: &str, slide: Option<&str>, start: Option<&str>) -> TimeWindow {
        TimeWindow::parse(&WindowSpec {
            duration: duration.into(),
            slide: slide.map(Into::into),
            start: start.map(Into::into),
        })
        .unwrap()
    }

    /// Window starts of one time, as minutes since 12:00 (or since midnight for `day`).
    fn starts_of(window: &TimeWindow, minute_of_day: i64) -> Vec<i64> {
        let noon = 12 * 60;
        let times = TimestampMicrosecondArray::from(vec![(minute_of_day) * MINUTE]);
        let (mut rows, mut starts) = (Vec::new(), Vec::new());
        window.assign(&times, &mut rows, &mut starts).unwrap();
        let mut minutes: Vec<i64> = starts.iter().map(|s| s / MINUTE - noon).collect();
        minutes.sort();
        minutes
    }

    #[test]
    fn extreme_times_and_durations_are_errors_or_wrap_never_panics() {
        // Times at the ends of the range wrap as Java's `long` does (Spark's windows there
        // are as meaningless); the row still gets its windows.
        let w = spec("10 minutes", Some("5 minutes"), None);
        let times = TimestampMicrosecondArray::from(vec![i64::MAX, i64::MIN]);
        let (mut rows, mut starts) = (Vec::new(), Vec::new());
        w.assign(&times, &mut rows, &mut starts).unwrap();
        // A window far longer than its slide puts more pairs in memory than it holds.
        let huge = spec("1000000 days", Some("1 microsecond"), None);
        let times = TimestampMicrosecondArray::from(vec![0; 1000]);
        let error = huge.assign(&times, &mut rows, &mut starts).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("puts each row in 86400000000000000 windows"),
            "{error}"
        );
        // A start offset of i64::MIN is refused as Spark refuses it, not overflowed.
        let start = WindowSpec {
            duration: "10 minutes".into(),
            slide: None,
            start: Some("-9223372036854775807 microseconds".into()),
        };
        assert!(TimeWindow::parse(&start).is_err());
        // A window near the longest duration does not overflow its count of windows.
        let longest = spec("100000000 days", None, None);
        let times = TimestampMicrosecondArray::from(vec![0]);
        longest.assign(&times, &mut rows, &mut starts).unwrap();
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn assignment_matches_the_spark_runs_of_semantics_4_2() {
        let at = |hh: i64, mm: i64| hh * 60 + mm;
        let w = spec("10 minutes", Some("5 minutes"), None);
        assert_eq!(starts_of(&w, at(12, 5)), [0, 5]);
        assert_eq!(starts_of(&w, at(12, 7)), [0, 5]);
        assert_eq!(starts_of(&w, at(12, 10)), [5, 10]);
        // 1969-12-31 23:58: [23:50, 00:00) and [23:55, 00:05).
        assert_eq!(starts_of(&w, -2), [-10 - 720, -5 - 720]);
        let w = spec("10 minutes", Some("5 minutes"), Some("2 minutes"));
        assert_eq!(starts_of(&w, at(12, 5)), [-3, 2]);
        assert_eq!(starts_of(&w, at(12, 7)), [2, 7]);
        let w = spec("12 minutes", Some("5 minutes"), Some("2 minutes"));
        assert_eq!(starts_of(&w, at(12, 7)), [-3, 2, 7]);
        assert_eq!(starts_of(&w, -2).len(), 3);
        let w = spec("1 day", None, Some("-8 hours"));
        assert_eq!(starts_of(&w, at(12, 5)), [-720 - 8 * 60]);
        let lab = spec("5 minutes", Some("1 minute"), None);
        assert_eq!(starts_of(&lab, at(10, 0)), [-124, -123, -122, -121, -120]);
    }

    #[test]
    fn null_times_get_no_window() {
        let w = spec("5 minutes", None, None);
        let times = TimestampMicrosecondArray::from(vec![None, Some(MINUTE)]);
        let (mut rows, mut starts) = (Vec::new(), Vec::new());
        w.assign(&times, &mut rows, &mut starts).unwrap();
        assert_eq!(rows, [1]);
        assert_eq!(starts, [0]);
    }

    #[test]
    fn invalid_durations_are_refused_with_sparks_reason() {
        let parse = |d: &str, s: Option<&str>, st: Option<&str>| {
            TimeWindow::parse(&WindowSpec {
                duration: d.into(),
                slide: s.map(Into::into),
                start: st.map(Into::into),
            })
            .unwrap_err()
            .to_string()
        };
        assert!(parse("1 month", None, None).contains("Intervals greater than a month"));
        assert!(parse("0 seconds", None, None).contains("must be greater than 0"));
        assert!(parse("5 minutes", Some("10 minutes"), None).contains("less than or equal"));
        assert!(parse("5 minutes", Some("1 minute"), Some("2 minutes")).contains("start time"));
    }
}
