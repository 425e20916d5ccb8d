//! Source and sink options as Spark reads them: names case-insensitive.

use spate_runtime::{Error, Result};
use std::collections::HashMap;

/// The options with lower-case keys (Spark treats option names case-insensitively).
pub(crate) struct Options(HashMap<String, String>);

impl Options {
    pub(crate) fn new(options: &HashMap<String, String>) -> Self {
        Options(
            options
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
        )
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// Spark's `getBool`: `true` / `false` in any case, else an error naming the option.
    pub(crate) fn bool(&self, name: &str, default: bool) -> Result<bool> {
        match self.get(name) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(Error::IllegalArgument(format!(
                "{name} flag can be true or false"
            ))),
        }
    }
}

/// The unit a Spark time string (`JavaUtils.timeStringAs`) is read in: its value when it
/// has no suffix, and the unit of the result.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TimeUnit {
    /// `Utils.timeStringAsMs` (e.g. `maxFileAge`).
    Milliseconds,
    /// `Utils.timeStringAsSeconds` (e.g. the rate source's `rampUpTime`).
    Seconds,
}

impl TimeUnit {
    fn micros(self) -> i64 {
        match self {
            TimeUnit::Milliseconds => 1_000,
            TimeUnit::Seconds => 1_000_000,
        }
    }

    /// Spark's `JavaUtils.timeStringAs`: `-?[0-9]+` plus an optional `us`, `ms`, `s`, `m`,
    /// `min`, `h` or `d`, converted to this unit as `TimeUnit.convert` does (truncating
    /// toward zero, saturating).
    pub(crate) fn parse(self, s: &str) -> Result<i64> {
        const HELP: &str = "Time must be specified as seconds (s), milliseconds (ms), \
                            microseconds (us), minutes (m or min), hour (h), or day (d). E.g. \
                            50s, 100ms, or 250us.";
        let lower = s.trim().to_lowercase();
        let fail = |detail: String| Error::IllegalArgument(format!("{HELP}\n{detail}"));
        let digits_end = lower
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
            .map_or(lower.len(), |(i, _)| i);
        let (number, suffix) = lower.split_at(digits_end);
        if number.is_empty() || number == "-" || !suffix.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(fail(format!("Failed to parse time string: {s}")));
        }
        let value: i64 = number
            .parse()
            .map_err(|_| fail(format!("For input string: \"{number}\"")))?;
        let from: i64 = match suffix {
            "" => self.micros(),
            "us" => 1,
            "ms" => 1_000,
            "s" => 1_000_000,
            "m" | "min" => 60_000_000,
            "h" => 3_600_000_000,
            "d" => 86_400_000_000,
            other => return Err(fail(format!("Invalid suffix: \"{other}\""))),
        };
        let to = self.micros();
        Ok(if from >= to {
            value
                .checked_mul(from / to)
                .unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
        } else {
            value / (to / from)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_strings_read_as_sparks_java_utils_reads_them() {
        assert_eq!(TimeUnit::Milliseconds.parse("7d").unwrap(), 604_800_000);
        assert_eq!(TimeUnit::Milliseconds.parse("1500us").unwrap(), 1);
        assert_eq!(TimeUnit::Milliseconds.parse("2min").unwrap(), 120_000);
        assert_eq!(TimeUnit::Milliseconds.parse("10").unwrap(), 10);
        assert_eq!(TimeUnit::Seconds.parse("5s").unwrap(), 5);
        assert_eq!(TimeUnit::Seconds.parse(" 1500MS ").unwrap(), 1);
        assert_eq!(TimeUnit::Seconds.parse("2").unwrap(), 2);
        assert_eq!(TimeUnit::Seconds.parse("1h").unwrap(), 3600);
        assert_eq!(TimeUnit::Seconds.parse("-2m").unwrap(), -120);
        assert_eq!(
            TimeUnit::Seconds.parse("999999999999999d").unwrap(),
            i64::MAX
        );
        for bad in ["2 seconds", "s", "1.5s", "3x"] {
            assert!(TimeUnit::Seconds.parse(bad).is_err(), "{bad}");
        }
    }
}
