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
    /// Times at the ends of the range wrap as Spark's `long` arithmetic does. Returns the
    /// pairs' run length: `n` when the pairs come in runs of `n`, one run per row (each row
    /// in all of its `n` windows), 1 otherwise. Fails when the pairs would not fit in
    /// memory (a window many times longer than its slide).
    pub fn assign(
        &self,
        times: &TimestampMicrosecondArray,
        rows: &mut Vec<u32>,
        starts: &mut Vec<i64>,
    ) -> Result<usize, ExprError> {
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
        let fixed =
            times.null_count() == 0 && self.assign_every_window(times.values(), rows, starts);
        if fixed {
            return Ok((self.size / self.slide) as usize);
        }
        self.assign_each(times, overlapping, rows, starts);
        Ok(1)
    }

    /// [`Self::assign`] of times none of which is NULL, when a window's length is a whole
    /// number of slides (at most 8): then every row lies in all of its `size / slide`
    /// windows, written without a test per pair. `false`, with nothing written, for other
    /// windows, or when a time lies so near the ends of the range that its windows would
    /// wrap.
    fn assign_every_window(
        &self,
        times: &[i64],
        rows: &mut Vec<u32>,
        starts: &mut Vec<i64>,
    ) -> bool {
        if self.size % self.slide != 0 {
            return false;
        }
        // Within these bounds no start, end or offset below wraps (|start| < slide).
        let low = i64::MIN
            .saturating_add(self.size)
            .saturating_add(self.slide);
        let high = i64::MAX
            .saturating_sub(self.size)
            .saturating_sub(self.slide);
        if times.iter().any(|&t| t < low || t > high) {
            return false;
        }
        match self.size / self.slide {
            1 => self.assign_windows::<1>(times, rows, starts),
            2 => self.assign_windows::<2>(times, rows, starts),
            3 => self.assign_windows::<3>(times, rows, starts),
            4 => self.assign_windows::<4>(times, rows, starts),
            5 => self.assign_windows::<5>(times, rows, starts),
            6 => self.assign_windows::<6>(times, rows, starts),
            7 => self.assign_windows::<7>(times, rows, starts),
            8 => self.assign_windows::<8>(times, rows, starts),
            _ => return false,
        }
        true
    }

    /// The `WINDOWS` windows of every row, latest first (see [`Self::assign_every_window`]).
    fn assign_windows<const WINDOWS: usize>(
        &self,
        times: &[i64],
        rows: &mut Vec<u32>,
        starts: &mut Vec<i64>,
    ) {
        // Written in place, a row's windows at a time (an iterator of arrays is pushed
        // value by value).
        let first = rows.len();
        rows.resize(first + times.len() * WINDOWS, 0);
        let (row_runs, _) = rows[first..].as_chunks_mut::<WINDOWS>();
        for (row, run) in row_runs.iter_mut().enumerate() {
            *run = [row as u32; WINDOWS];
        }
        let first = starts.len();
        starts.resize(first + times.len() * WINDOWS, 0);
        let (start_runs, _) = starts[first..].as_chunks_mut::<WINDOWS>();
        for (run, &t) in start_runs.iter_mut().zip(times) {
            let last_start = t - (t - self.start).rem_euclid(self.slide);
            *run = std::array::from_fn(|i| last_start - i as i64 * self.slide);
        }
    }

    /// [`Self::assign`] pair by pair, testing each of the `overlapping` windows that may
    /// hold a time.
    fn assign_each(
        &self,
        times: &TimestampMicrosecondArray,
        overlapping: i64,
        rows: &mut Vec<u32>,
        starts: &mut Vec<i64>,
    ) {
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

    /// Windows a whole number of slides long are written at fixed places; they are the
    /// pairs the test of each window gives, for times on both sides of the epoch and, with
    /// times near the ends of the range, by that test itself.
    #[test]
    fn windows_of_whole_slides_are_the_pairs_each_window_test_gives() {
        let mut state: u64 = 7;
        let mut times: Vec<i64> = (0..500)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                (state >> 20) as i64 % (48 * 60 * MINUTE) - 24 * 60 * MINUTE
            })
            .collect();
        times.extend([0, -1, 1, MINUTE, -MINUTE]);
        let near_the_ends = vec![1, i64::MAX - 3, i64::MIN + 2, 5];
        for w in [
            spec("5 minutes", None, None),
            spec("5 minutes", Some("1 minute"), None),
            spec("10 minutes", Some("5 minutes"), Some("2 minutes")),
            spec("1 hour", Some("10 minutes"), Some("-3 minutes")),
            // Twelve windows a row: tested one by one.
            spec("1 hour", Some("5 minutes"), None),
        ] {
            for (times, every_row_in_all) in [(times.clone(), true), (near_the_ends.clone(), false)]
            {
                let times = TimestampMicrosecondArray::from(times);
                let (mut rows, mut starts) = (Vec::new(), Vec::new());
                let run = w.assign(&times, &mut rows, &mut starts).unwrap();
                let (mut each_rows, mut each_starts) = (Vec::new(), Vec::new());
                let overlapping = (w.size - 1) / w.slide + 1;
                w.assign_each(&times, overlapping, &mut each_rows, &mut each_starts);
                assert_eq!((&rows, &starts), (&each_rows, &each_starts), "{w:?}");
                let all = times.len() * (w.size / w.slide) as usize;
                assert_eq!(rows.len() == all, every_row_in_all, "{w:?}");
                // The fixed places are taken, or refused for times near the ends.
                let (mut fixed_rows, mut fixed_starts) = (Vec::new(), Vec::new());
                let fixed =
                    w.assign_every_window(times.values(), &mut fixed_rows, &mut fixed_starts);
                let at_fixed_places = every_row_in_all && w.size / w.slide <= 8;
                assert_eq!(fixed, at_fixed_places, "{w:?}");
                // Pairs in runs, one a row, are reported as such.
                let expected_run = if fixed {
                    (w.size / w.slide) as usize
                } else {
                    1
                };
                assert_eq!(run, expected_run, "{w:?}");
                if fixed {
                    assert_eq!((&fixed_rows, &fixed_starts), (&each_rows, &each_starts));
                } else {
                    assert!(fixed_rows.is_empty() && fixed_starts.is_empty());
                }
            }
        }
    }

    /// Times at the bounds of the fixed places take them; one past either bound does not,
    /// and those rows get what the test of each window gives.
    #[test]
    fn fixed_places_end_where_window_arithmetic_could_wrap() {
        let w = spec("5 minutes", Some("1 minute"), None);
        let low = i64::MIN + w.size + w.slide;
        let high = i64::MAX - w.size - w.slide;
        for (times, fixed) in [
            (vec![low, high, 0], true),
            (vec![0, low - 1], false),
            (vec![high + 1, 0], false),
        ] {
            let (mut rows, mut starts) = (Vec::new(), Vec::new());
            assert_eq!(w.assign_every_window(&times, &mut rows, &mut starts), fixed);
            let times = TimestampMicrosecondArray::from(times);
            let (mut each_rows, mut each_starts) = (Vec::new(), Vec::new());
            w.assign_each(&times, 5, &mut each_rows, &mut each_starts);
            if fixed {
                assert_eq!((rows, starts), (each_rows, each_starts));
            }
            let (mut rows, mut starts) = (Vec::new(), Vec::new());
            w.assign(&times, &mut rows, &mut starts).unwrap();
            let (mut each_rows, mut each_starts) = (Vec::new(), Vec::new());
            w.assign_each(&times, 5, &mut each_rows, &mut each_starts);
            assert_eq!((rows, starts), (each_rows, each_starts));
        }
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
