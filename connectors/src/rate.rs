//! The `rate` and `rate-micro-batch` sources (SEMANTICS.md §3.5): generated rows
//! `timestamp TIMESTAMP, value BIGINT`, for tests and benchmarks.
//!
//! `rate`: the offset is the number of whole seconds since the query first started (that
//! start time is kept in `sources/<i>/0` so a restart continues the sequence); second `s`
//! holds values `valueAtSecond(s-1) .. valueAtSecond(s)`, their timestamps evenly spread over
//! the second, split into `numPartitions` interleaved partitions as Spark splits them.
//! With the continuous trigger, `rate` offsets are microseconds (`{"micros":n}`): the values
//! of a second come due evenly over it, each is read once it came due and is stamped with
//! the microsecond it did (so its timestamp is its creation time).
//! `rate-micro-batch`: batch `k` holds values `k·n .. k·n+n-1`, all stamped
//! `startTimestamp + k·advanceMillisPerBatch`, whatever the wall clock says.

use crate::options::{Options, TimeUnit};
use arrow::array::{Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use spate_runtime::checkpoint::write_atomically;
use spate_runtime::source::{BatchReader, Bookkeeping, Offset, ReadLimit, Source};
use spate_runtime::types::timestamp_type;
use spate_runtime::{now_ms, Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// Which of the two rate sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `rate`: `rows_per_second`, ramping up over `ramp_up_seconds`.
    PerSecond {
        rows_per_second: i64,
        ramp_up_seconds: i64,
    },
    /// `rate-micro-batch`: `rows_per_batch` per batch, stamped from `start_ms` on.
    PerBatch {
        rows_per_batch: i64,
        start_ms: i64,
        advance_ms: i64,
    },
}

/// A rate source.
pub struct RateSource {
    mode: Mode,
    partitions: i64,
    /// `rate`: when the query first started, ms (from `sources/<i>/0`).
    creation_ms: Option<i64>,
    /// Offsets in milliseconds (the continuous trigger), not whole seconds.
    continuous: bool,
}

/// The generated rows' schema.
pub fn rate_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("timestamp", timestamp_type(), true),
        Field::new("value", DataType::Int64, true),
    ]))
}

/// A positive (or, with `allow_zero`, non-negative) integer option.
fn number(options: &Options, key: &str, default: i64, allow_zero: bool) -> Result<i64> {
    let Some(text) = options.get(key) else {
        return Ok(default);
    };
    let value: i64 = text.trim().parse().map_err(|_| {
        Error::IllegalArgument(format!(
            "Invalid value '{text}' for option '{key}', must be a number"
        ))
    })?;
    if value < 0 || (value == 0 && !allow_zero) {
        let bound = if allow_zero {
            "non-negative"
        } else {
            "positive"
        };
        return Err(Error::IllegalArgument(format!(
            "Invalid value '{text}' for option '{key}', must be {bound}"
        )));
    }
    Ok(value)
}

/// Spark's `RateStreamProvider.valueAtSecond`: how many values the first `seconds` seconds
/// produce, ramping up linearly over `ramp_up` seconds.
fn value_at_second(seconds: i64, rows_per_second: i64, ramp_up: i64) -> i64 {
    let speed_delta = rows_per_second / (ramp_up + 1);
    if seconds <= ramp_up {
        if seconds % 2 == 1 {
            (seconds + 1) / 2 * speed_delta * seconds
        } else {
            seconds / 2 * speed_delta * (seconds + 1)
        }
    } else {
        value_at_second(ramp_up, rows_per_second, ramp_up) + (seconds - ramp_up) * rows_per_second
    }
}

const MICROS_PER_SECOND: i64 = 1_000_000;

/// How many values came due before the first `micros` microseconds ended: each second's
/// values come due evenly over it, the first at the second's start.
fn value_at_micros(micros: i64, rows_per_second: i64, ramp_up: i64) -> i64 {
    let second = micros.div_euclid(MICROS_PER_SECOND);
    let from = value_at_second(second, rows_per_second, ramp_up);
    let into = micros.rem_euclid(MICROS_PER_SECOND);
    if into == 0 {
        return from;
    }
    let to = value_at_second(second + 1, rows_per_second, ramp_up);
    // In i128: a second's values times a microsecond count passes i64 at 9.2e12 rows/s.
    let due = (i128::from(to - from) * i128::from(into) + i128::from(MICROS_PER_SECOND - 1))
        / i128::from(MICROS_PER_SECOND);
    from + due as i64
}

/// The seconds of values a `rate` source counts in `long` at `rows_per_second` before
/// they overflow (Spark's `maxSeconds`).
fn max_seconds(rows_per_second: i64) -> i64 {
    i64::MAX / rows_per_second.max(1)
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

impl RateSource {
    /// A `rate` (`micro_batch` false) or `rate-micro-batch` source from Spark's options;
    /// `default_partitions` is the session's parallelism.
    pub fn new(
        micro_batch: bool,
        options: &HashMap<String, String>,
        default_partitions: usize,
    ) -> Result<Self> {
        let options = &Options::new(options);
        let mode = if micro_batch {
            Mode::PerBatch {
                rows_per_batch: number(options, "rowsPerBatch", 0, false).and_then(|n| {
                    if n == 0 {
                        Err(Error::IllegalArgument(
                            "rowsPerBatch must be specified for rate-micro-batch".into(),
                        ))
                    } else {
                        Ok(n)
                    }
                })?,
                start_ms: number(options, "startTimestamp", 0, true)?,
                advance_ms: number(options, "advanceMillisPerBatch", 1000, false)?,
            }
        } else {
            // `Utils.timeStringAsSeconds`, as Spark reads it ("5s", "1m", a bare number of
            // seconds), and not negative.
            let ramp_up = TimeUnit::Seconds.parse(options.get("rampUpTime").unwrap_or("0s"))?;
            if ramp_up < 0 {
                return Err(Error::IllegalArgument(format!(
                    "Invalid value '{ramp_up}' for option 'rampUpTime', must not be negative"
                )));
            }
            let rows_per_second = number(options, "rowsPerSecond", 1, false)?;
            let max = max_seconds(rows_per_second);
            if ramp_up > max {
                return Err(Error::IllegalArgument(format!(
                    "[INCORRECT_RAMP_UP_RATE] Max offset with {rows_per_second} rowsPerSecond is {max}, but 'rampUpTimeSeconds' is {ramp_up}. SQLSTATE: 22003"
                )));
            }
            Mode::PerSecond {
                rows_per_second,
                ramp_up_seconds: ramp_up,
            }
        };
        Ok(RateSource {
            mode,
            partitions: number(
                options,
                "numPartitions",
                default_partitions.max(1) as i64,
                false,
            )?,
            creation_ms: None,
            continuous: false,
        })
    }

    /// The rows of values `from..to`, partition by partition, with their timestamps (µs).
    fn rows(&self, from: i64, to: i64, timestamp: impl Fn(i64) -> i64) -> Result<RecordBatch> {
        let count = usize::try_from(to.saturating_sub(from).max(0)).unwrap_or(usize::MAX);
        let mut values = Vec::new();
        values.try_reserve_exact(count).map_err(|_| {
            Error::Execution(
                format!("the rate source cannot hold the {count} rows of one batch in memory")
                    .into(),
            )
        })?;
        for partition in 0..self.partitions {
            values.extend((from + partition..to).step_by(self.partitions as usize));
        }
        let times: Vec<i64> = values.iter().map(|&v| timestamp(v)).collect();
        Ok(RecordBatch::try_new(
            rate_schema(),
            vec![
                Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC")),
                Arc::new(Int64Array::from(values)),
            ],
        )?)
    }
}

fn offset_number(offset: &Offset) -> Result<i64> {
    offset
        .as_i64()
        .ok_or_else(|| Error::IllegalArgument(format!("not a rate source offset: {offset}")))
}

/// A `rate` offset in microseconds since the first start: whole seconds (Spark's
/// micro-batch offsets) or `{"micros":n}` (continuous).
fn offset_micros(offset: &Offset) -> Result<i64> {
    match offset.get("micros") {
        Some(micros) => offset_number(micros),
        None => Ok(offset_number(offset)? * MICROS_PER_SECOND),
    }
}

/// One batch's rows, handed out once.
struct Rows(Option<RecordBatch>);

impl BatchReader for Rows {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        Ok(self.0.take())
    }
}

impl Source for RateSource {
    fn description(&self) -> String {
        match self.mode {
            Mode::PerSecond {
                rows_per_second,
                ramp_up_seconds,
            } => format!(
                "RateStreamV2[rowsPerSecond={rows_per_second}, rampUpTimeSeconds={ramp_up_seconds}, numPartitions={}",
                self.partitions
            ),
            Mode::PerBatch { rows_per_batch, .. } => format!(
                "RatePerMicroBatchStream[rowsPerBatch={rows_per_batch}, numPartitions={}",
                self.partitions
            ),
        }
    }

    fn schema(&self) -> SchemaRef {
        rate_schema()
    }

    /// The first start time is kept in `0` so that a restart continues the sequence.
    fn open(&mut self, bookkeeping: Bookkeeping) -> Result<()> {
        if matches!(self.mode, Mode::PerBatch { .. }) {
            return Ok(());
        }
        let path = bookkeeping.dir.join("0");
        self.creation_ms = Some(match std::fs::read_to_string(&path) {
            Ok(text) => text
                .lines()
                .nth(1)
                .and_then(|line| line.trim().parse().ok())
                .ok_or_else(|| Error::Checkpoint {
                    path: path.clone(),
                    reason: "not a rate source start time".into(),
                })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let now = now_ms();
                write_atomically(
                    &path,
                    format!("v1\n{now}").as_bytes(),
                    false,
                    bookkeeping.durability,
                )?;
                now
            }
            Err(e) => return Err(Error::io("reading", &path, e)),
        });
        Ok(())
    }

    fn prepare_for_available_now(&mut self) -> Result<()> {
        Err(Error::IllegalArgument(
            "The rate source does not support Trigger.AvailableNow".into(),
        ))
    }

    fn prepare_for_continuous(&mut self) -> Result<()> {
        if let Mode::PerBatch { .. } = self.mode {
            return Err(Error::Analysis(
                "Data source rate-micro-batch does not support continuous processing.".into(),
            ));
        }
        self.continuous = true;
        Ok(())
    }

    fn latest_offset(
        &mut self,
        start: Option<&Offset>,
        _limit: ReadLimit,
    ) -> Result<Option<Offset>> {
        Ok(Some(match self.mode {
            Mode::PerSecond {
                rows_per_second,
                ramp_up_seconds,
            } => {
                let creation = self.creation_ms.unwrap_or_else(now_ms);
                let start_micros = start.map(offset_micros).transpose()?.unwrap_or(0);
                // Never behind the range's start, even if the clock steps back.
                let elapsed = (now_micros() - creation * 1000).max(start_micros);
                if self.continuous {
                    // Only a range with a value due is new data.
                    let value_at =
                        |micros| value_at_micros(micros, rows_per_second, ramp_up_seconds);
                    if value_at(elapsed) == value_at(start_micros) {
                        return Ok(start.cloned());
                    }
                    serde_json::json!({ "micros": elapsed })
                } else {
                    let seconds = elapsed / MICROS_PER_SECOND;
                    match start {
                        Some(start) if seconds * MICROS_PER_SECOND <= start_micros => start.clone(),
                        _ => serde_json::json!(seconds),
                    }
                }
            }
            Mode::PerBatch { .. } => {
                serde_json::json!(start.map(offset_number).transpose()?.map_or(0, |s| s + 1))
            }
        }))
    }

    fn plan_batch(&mut self, start: Option<&Offset>, end: &Offset) -> Result<Box<dyn BatchReader>> {
        let rows = match self.mode {
            Mode::PerSecond {
                rows_per_second,
                ramp_up_seconds,
            } => {
                let start = start.map(offset_micros).transpose()?.unwrap_or(0);
                let end = offset_micros(end)?;
                // The last second whose values are counted: the end's, and for a continuous
                // epoch the one after it.
                let last = end.div_euclid(MICROS_PER_SECOND)
                    + i64::from(self.continuous || end.rem_euclid(MICROS_PER_SECOND) > 0);
                let max = max_seconds(rows_per_second);
                if last > max {
                    return Err(Error::Execution(
                        format!("[INCORRECT_END_OFFSET] Max offset with {rows_per_second} rowsPerSecond is {max}, but it's {last} now. SQLSTATE: 22003").into(),
                    ));
                }
                let value_at = |micros| value_at_micros(micros, rows_per_second, ramp_up_seconds);
                let (from, to) = (value_at(start), value_at(end));
                let creation_micros = self.creation_ms.unwrap_or(0) * 1000;
                if self.continuous {
                    // Each value stamped with the microsecond it came due.
                    let first = start.div_euclid(MICROS_PER_SECOND);
                    let seconds: Vec<i64> = (first..=end.div_euclid(MICROS_PER_SECOND) + 1)
                        .map(|s| value_at_second(s, rows_per_second, ramp_up_seconds))
                        .collect();
                    self.rows(from, to, |v| {
                        let i = seconds.partition_point(|&b| b <= v).saturating_sub(1);
                        let (begin, next) = (seconds[i], seconds[i + 1]);
                        let into = (i128::from(v - begin) * i128::from(MICROS_PER_SECOND)
                            / i128::from((next - begin).max(1)))
                            as i64;
                        creation_micros + (first + i as i64) * MICROS_PER_SECOND + into
                    })?
                } else {
                    // Spark spreads a batch's values evenly over its seconds, in whole ms.
                    let (start_ms, end_ms) = (start / 1000, end / 1000);
                    let ms_per_value = if to > from {
                        (end_ms - start_ms) as f64 / (to - from) as f64
                    } else {
                        0.0
                    };
                    self.rows(from, to, |v| {
                        let ms = ((v - from) as f64 * ms_per_value).round() as i64;
                        creation_micros + (start_ms + ms) * 1000
                    })?
                }
            }
            Mode::PerBatch {
                rows_per_batch,
                start_ms,
                advance_ms,
            } => {
                let end = offset_number(end)?;
                let overflow = || {
                    Error::Execution(
                        format!("batch {end} of the rate-micro-batch source passes the range of long values (rowsPerBatch {rows_per_batch}, startTimestamp {start_ms}, advanceMillisPerBatch {advance_ms})").into(),
                    )
                };
                let stamp = end
                    .checked_mul(advance_ms)
                    .and_then(|ms| ms.checked_add(start_ms))
                    .and_then(|ms| ms.checked_mul(1000))
                    .ok_or_else(overflow)?;
                let from = end.checked_mul(rows_per_batch).ok_or_else(overflow)?;
                let to = from.checked_add(rows_per_batch).ok_or_else(overflow)?;
                self.rows(from, to, |_| stamp)?
            }
        };
        Ok(Box::new(Rows(Some(rows))))
    }

    fn commit(&mut self, _end: &Offset) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use arrow::datatypes::{Int64Type, TimestampMicrosecondType};

    fn options(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn read(source: &mut RateSource, start: Option<i64>, end: i64) -> (Vec<i64>, Vec<i64>) {
        let start = start.map(|s| serde_json::json!(s));
        let mut reader = source
            .plan_batch(start.as_ref(), &serde_json::json!(end))
            .unwrap();
        let batch = reader.next_batch().unwrap().unwrap();
        (
            batch
                .column(1)
                .as_primitive::<Int64Type>()
                .values()
                .to_vec(),
            batch
                .column(0)
                .as_primitive::<TimestampMicrosecondType>()
                .values()
                .iter()
                .map(|t| t / 1000)
                .collect(),
        )
    }

    #[test]
    fn values_ramp_up_like_sparks_value_at_second() {
        // Spark's own example: rampUpTime 4 s, 10 rows/s → 0 2 6 12 20 30 40.
        let ends: Vec<i64> = (0..7).map(|s| value_at_second(s, 10, 4)).collect();
        assert_eq!(ends, [0, 2, 6, 12, 20, 30, 40]);
        assert_eq!(value_at_second(3, 5, 0), 15);
    }

    #[test]
    fn a_second_spreads_its_rows_evenly_across_partitions() {
        let dir = tempfile::tempdir().unwrap();
        let mut source = RateSource::new(
            false,
            &options(&[("rowsPerSecond", "5"), ("numPartitions", "2")]),
            4,
        )
        .unwrap();
        source
            .open(Bookkeeping::new(dir.path().to_path_buf()))
            .unwrap();
        let creation = source.creation_ms.unwrap();
        let (values, times) = read(&mut source, None, 1);
        // Partition 0 (0, 2, 4) then partition 1 (1, 3); 200 ms apart.
        assert_eq!(values, [0, 2, 4, 1, 3]);
        assert_eq!(
            times,
            [
                creation,
                creation + 400,
                creation + 800,
                creation + 200,
                creation + 600
            ]
        );
        assert!(source
            .description()
            .starts_with("RateStreamV2[rowsPerSecond=5, rampUpTimeSeconds=0, numPartitions=2"));
        // A restart keeps the first start time.
        let mut again = RateSource::new(false, &options(&[("rowsPerSecond", "5")]), 1).unwrap();
        again
            .open(Bookkeeping::new(dir.path().to_path_buf()))
            .unwrap();
        assert_eq!(again.creation_ms, Some(creation));
    }

    #[test]
    fn continuous_offsets_are_milliseconds_and_split_seconds_evenly() {
        let dir = tempfile::tempdir().unwrap();
        let mut source = RateSource::new(
            false,
            &options(&[("rowsPerSecond", "10"), ("numPartitions", "1")]),
            1,
        )
        .unwrap();
        source
            .open(Bookkeeping::new(dir.path().to_path_buf()))
            .unwrap();
        source.prepare_for_continuous().unwrap();
        let creation = source.creation_ms.unwrap();
        let latest = source
            .latest_offset(None, ReadLimit::Configured)
            .unwrap()
            .unwrap();
        assert!(latest
            .get("micros")
            .is_some_and(|us| us.as_i64() >= Some(0)));
        // Ranges ending at 250 ms, 600 ms and 2 s: contiguous values, each stamped with the
        // microsecond it came due (value v of 10 per second at v × 100 ms).
        let mut values: Vec<i64> = Vec::new();
        let mut start: Option<Offset> = None;
        for end_ms in [250, 600, 2000] {
            let end_offset = serde_json::json!({ "micros": end_ms * 1000 });
            let mut reader = source.plan_batch(start.as_ref(), &end_offset).unwrap();
            let batch = reader.next_batch().unwrap().unwrap();
            let times = batch.column(0).as_primitive::<TimestampMicrosecondType>();
            let range = batch.column(1).as_primitive::<Int64Type>().values();
            for (v, t) in range.iter().zip(times.values()) {
                assert_eq!(*t, (creation + v * 100) * 1000);
            }
            values.extend(range.iter());
            start = Some(end_offset);
        }
        assert_eq!(values, (0..20).collect::<Vec<i64>>());
        // Values 0, 1 and 2 came due (at 0, 100 and 200 ms) before 250 ms ended.
        assert_eq!(value_at_micros(250_000, 10, 0), 3);
        // A range ending ahead of the clock (a clock stepped back): the offset stays.
        let at = serde_json::json!({ "micros": 10_000_000 });
        let again = source
            .latest_offset(Some(&at), ReadLimit::Configured)
            .unwrap();
        assert_eq!(again, Some(at));
        assert_eq!(value_at_micros(3_000_000, 10, 4), value_at_second(3, 10, 4));
        let mut per_batch = RateSource::new(true, &options(&[("rowsPerBatch", "3")]), 1).unwrap();
        assert!(per_batch.prepare_for_continuous().is_err());
    }

    #[test]
    fn micro_batches_are_deterministic() {
        let mut source = RateSource::new(
            true,
            &options(&[
                ("rowsPerBatch", "3"),
                ("startTimestamp", "1000"),
                ("numPartitions", "1"),
            ]),
            2,
        )
        .unwrap();
        let first = source
            .latest_offset(None, ReadLimit::Configured)
            .unwrap()
            .unwrap();
        assert_eq!(first, serde_json::json!(0));
        assert_eq!(read(&mut source, None, 0), (vec![0, 1, 2], vec![1000; 3]));
        assert_eq!(
            read(&mut source, Some(0), 1),
            (vec![3, 4, 5], vec![2000; 3])
        );
        assert!(RateSource::new(true, &options(&[]), 2).is_err());
        assert!(RateSource::new(false, &options(&[("rowsPerSecond", "-1")]), 2).is_err());
    }

    #[test]
    fn values_past_the_range_of_long_are_errors_as_in_spark() {
        let max = i64::MAX.to_string();
        let error = |source: &mut RateSource, start: Option<i64>, end: i64| {
            let offset = |s: i64| serde_json::json!(s);
            source
                .plan_batch(start.map(offset).as_ref(), &offset(end))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        // Spark's own overflow test: i64::MAX rows per second counts one second at most.
        let mut fastest = RateSource::new(false, &options(&[("rowsPerSecond", &max)]), 1).unwrap();
        assert!(
            error(&mut fastest, Some(1), 2).contains(&format!(
                "[INCORRECT_END_OFFSET] Max offset with {max} rowsPerSecond is 1, but it's 2 now"
            )),
            "{}",
            error(&mut fastest, Some(1), 2)
        );
        // Its first second is more rows than memory holds: an error, not an abort.
        assert!(error(&mut fastest, None, 1).contains("cannot hold"));
        let ramp = RateSource::new(
            false,
            &options(&[("rowsPerSecond", &max), ("rampUpTime", "2s")]),
            1,
        );
        assert!(ramp
            .err()
            .is_some_and(|e| e.to_string().contains("[INCORRECT_RAMP_UP_RATE]")));
        // A start time given in nanoseconds by mistake.
        let mut nanos = RateSource::new(
            true,
            &options(&[
                ("rowsPerBatch", "1"),
                ("startTimestamp", "1705312800000000000"),
            ]),
            1,
        )
        .unwrap();
        assert!(error(&mut nanos, None, 0).contains("passes the range of long values"));
    }
}
