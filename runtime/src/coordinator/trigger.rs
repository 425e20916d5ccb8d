//! Triggers: when the coordinator starts the next epoch.

use crate::error::{Error, Result};
use std::time::Duration;

/// When micro-batches run (Spark's `Trigger`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Batches back to back (interval 0, the default) or at multiples of the interval since
    /// the Unix epoch.
    ProcessingTime(Duration),
    /// One batch with everything available, then stop.
    Once,
    /// Everything available at start, in as many batches as the read limits require, then stop.
    AvailableNow,
    /// Rows flow as they arrive; an epoch (a checkpoint of offsets, state and sink output)
    /// ends every interval.
    Continuous(Duration),
}

impl Default for Trigger {
    fn default() -> Self {
        Trigger::ProcessingTime(Duration::ZERO)
    }
}

impl Trigger {
    /// `Trigger.ProcessingTime("5 seconds")`.
    pub fn processing_time(interval: &str) -> Result<Self> {
        Ok(Trigger::ProcessingTime(parse_interval(interval)?))
    }

    /// `Trigger.Continuous("1 second")`: the interval between epoch checkpoints (at least
    /// 1 ms).
    pub fn continuous(interval: &str) -> Result<Self> {
        let interval = parse_interval(interval)?;
        if interval < Duration::from_millis(1) {
            return Err(Error::IllegalArgument(format!(
                "the continuous trigger interval must be at least 1 millisecond, not {interval:?}"
            )));
        }
        Ok(Trigger::Continuous(interval))
    }

    /// Delay from `now_ms` (ms since the epoch) to the next trigger, after a trigger that
    /// started at `started_ms`: aligned to multiples of the interval, and at once when the
    /// trigger overran its interval (missed boundaries are skipped).
    pub fn next_delay(&self, started_ms: i64, now_ms: i64) -> Duration {
        match self {
            // Spark counts trigger intervals in whole milliseconds: below 1 ms is the 0 trigger.
            Trigger::ProcessingTime(interval) if interval.as_millis() > 0 => {
                let interval_ms = interval.as_millis() as i64;
                let next = started_ms.div_euclid(interval_ms) * interval_ms + interval_ms;
                if next <= now_ms {
                    tracing::warn!(
                        "Current batch is falling behind. The trigger interval is {interval_ms} milliseconds, but spent {} milliseconds",
                        now_ms - started_ms
                    );
                }
                Duration::from_millis(next.saturating_sub(now_ms).max(0) as u64)
            }
            _ => Duration::ZERO,
        }
    }
}

/// Parses Spark interval text (`"10 seconds"`, `"1 minute"`, `"500 milliseconds"`,
/// `"1 hour 30 minutes"`, `"2 days"`) into a duration. Months, years and negative intervals
/// are refused.
pub fn parse_interval(text: &str) -> Result<Duration> {
    let micros = parse_interval_micros(text)?;
    let micros = u64::try_from(micros)
        .map_err(|_| Error::IllegalArgument(format!("Invalid interval {text:?}: negative")))?;
    Ok(Duration::from_micros(micros))
}

/// Parses Spark interval text into signed microseconds (`"-8 hours"` is allowed; a day is
/// exactly 86 400 s). Months and years are refused.
pub fn parse_interval_micros(text: &str) -> Result<i64> {
    let invalid =
        |reason: &str| Error::IllegalArgument(format!("Invalid interval {text:?}: {reason}"));
    let mut words = text.split_whitespace().peekable();
    if words
        .peek()
        .is_some_and(|w| w.eq_ignore_ascii_case("interval"))
    {
        words.next();
    }
    let mut total_micros: i128 = 0;
    let mut parts = 0;
    while let Some(number) = words.next() {
        let value: f64 = number
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| invalid("expected a number"))?;
        let unit = words
            .next()
            .ok_or_else(|| invalid("missing a unit"))?
            .to_ascii_lowercase();
        let unit = unit.strip_suffix('s').unwrap_or(&unit);
        let micros_per_unit: f64 = match unit {
            "microsecond" | "us" => 1.0,
            "millisecond" | "ms" => 1e3,
            "second" | "sec" => 1e6,
            "minute" | "min" => 60e6,
            "hour" => 3600e6,
            "day" => 86_400e6,
            "week" => 7.0 * 86_400e6,
            "month" | "year" => return Err(invalid("months and years are not allowed")),
            other => return Err(invalid(&format!("unknown unit {other:?}"))),
        };
        total_micros = total_micros
            .checked_add((value * micros_per_unit).round() as i128)
            .ok_or_else(|| invalid("too large"))?;
        parts += 1;
    }
    if parts == 0 {
        return Err(invalid("empty"));
    }
    i64::try_from(total_micros).map_err(|_| invalid("too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spark_interval_strings() {
        assert_eq!(
            parse_interval("10 seconds").unwrap(),
            Duration::from_secs(10)
        );
        assert_eq!(parse_interval("1 minute").unwrap(), Duration::from_secs(60));
        assert_eq!(
            parse_interval("interval 5 minutes").unwrap(),
            Duration::from_secs(300)
        );
        assert_eq!(
            parse_interval("1 hour 30 minutes").unwrap(),
            Duration::from_secs(5400)
        );
        assert_eq!(
            parse_interval("500 milliseconds").unwrap(),
            Duration::from_millis(500)
        );
        assert!(parse_interval("1 month").is_err());
        assert!(parse_interval("five seconds").is_err());
        assert!(parse_interval("").is_err());
        assert!(parse_interval("inf seconds").is_err());
        assert!(parse_interval("1e30 days").is_err());
    }

    #[test]
    fn processing_time_aligns_to_interval_multiples() {
        let trigger = Trigger::processing_time("3 seconds").unwrap();
        // Started at 12.5 s, now 13.0 s: next boundary is 15 s.
        assert_eq!(
            trigger.next_delay(12_500, 13_000),
            Duration::from_millis(2_000)
        );
        // Overran past the boundary: run at once.
        assert_eq!(trigger.next_delay(12_500, 16_000), Duration::ZERO);
        assert_eq!(Trigger::default().next_delay(0, 5), Duration::ZERO);
        let sub_millisecond = Trigger::processing_time("500 microseconds").unwrap();
        assert_eq!(sub_millisecond.next_delay(12_500, 13_000), Duration::ZERO);
    }

    #[test]
    fn continuous_intervals_are_at_least_a_millisecond() {
        assert_eq!(
            Trigger::continuous("1 second").unwrap(),
            Trigger::Continuous(Duration::from_secs(1))
        );
        assert!(Trigger::continuous("500 microseconds").is_err());
        assert!(Trigger::continuous("soon").is_err());
        // The next epoch opens as soon as the previous one committed.
        let trigger = Trigger::continuous("1 second").unwrap();
        assert_eq!(trigger.next_delay(12_500, 13_000), Duration::ZERO);
    }
}
