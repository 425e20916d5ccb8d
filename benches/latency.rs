//! End-to-end latency of the continuous trigger: from a row's creation at the `rate` source
//! (its timestamp, the microsecond it came due) to its arrival at a `foreach` sink, at 10k,
//! 100k and 1M rows/s, through filter → map and filter → window aggregation (update; the
//! latency of an update is that of the newest row in it). The baseline, run in the same
//! invocation, is the same pipeline under a 100 ms processing-time trigger (whose `rate`
//! offsets are whole seconds, as Spark's are in micro-batch mode).
//!
//! `cargo bench --bench latency` (release build). `LATENCY_SECONDS` sets each run's length.

#[path = "common/mod.rs"]
mod common;

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::TimestampMicrosecondType;
use spate::functions::{col, count_star, lit, max, window};
use spate::{DataFrame, Session, Trigger};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Rows created in the first part of a run are left out (start-up).
const WARM_UP: Duration = Duration::from_millis(500);

#[derive(Clone, Copy)]
enum Pipeline {
    FilterMap,
    WindowAggregation,
}

impl Pipeline {
    fn name(self) -> &'static str {
        match self {
            Pipeline::FilterMap => "filter → map",
            Pipeline::WindowAggregation => "filter → window count (update)",
        }
    }

    /// The pipeline over `rate`; its column 0 is the time to measure from.
    fn build(self, rate: DataFrame) -> spate::Result<(DataFrame, &'static str)> {
        let kept = rate.filter((col("value") % lit(10)).not_eq(lit(0)))?;
        match self {
            Pipeline::FilterMap => Ok((
                kept.select([col("timestamp"), (col("value") * lit(2)).alias("twice")])?,
                "append",
            )),
            Pipeline::WindowAggregation => Ok((
                kept.with_watermark("timestamp", "1 second")?
                    .group_by([window(col("timestamp"), "1 second")])
                    .agg([
                        max(col("timestamp")).alias("newest"),
                        count_star().alias("rows"),
                    ])?
                    .select([col("newest"), col("rows")])?,
                "update",
            )),
        }
    }
}

/// Latencies of one run, µs, sorted; the input rows processed and the rows that reached
/// the sink, per second.
struct Run {
    latencies: Vec<i64>,
    input_per_second: f64,
    output_per_second: f64,
}

impl Run {
    fn quantile(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[index] as f64 / 1000.0
    }
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn run(
    spark: &Session,
    pipeline: Pipeline,
    rows_per_second: u64,
    trigger: Trigger,
    seconds: f64,
) -> Result<Run, Box<dyn std::error::Error>> {
    let work = common::work_dir()?;
    let rate = spark
        .read_stream()
        .format("rate")
        .option("rowsPerSecond", rows_per_second)
        .option("numPartitions", 1)
        .load_source()?;
    let (df, mode) = pipeline.build(rate)?;
    let started = now_micros();
    let measure_from = started + WARM_UP.as_micros() as i64;
    let seen: Arc<Mutex<(Vec<i64>, u64)>> = Arc::default();
    let sink = seen.clone();
    let query = df
        .write_stream()
        .output_mode(mode)
        .trigger(trigger)
        .option("checkpointLocation", work.path().join("cp").display())
        .foreach(move |batch: &RecordBatch, _epoch| {
            let arrived = now_micros();
            let created = batch.column(0).as_primitive::<TimestampMicrosecondType>();
            let mut seen = sink
                .lock()
                .map_err(|_| spate::Error::Execution("lock".into()))?;
            seen.1 += batch.num_rows() as u64;
            seen.0.extend(
                created
                    .values()
                    .iter()
                    .filter(|&&t| t >= measure_from)
                    .map(|t| arrived - t),
            );
            Ok(())
        })
        .start()?;
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    query.stop();
    if let Some(error) = query.exception() {
        return Err(error.to_string().into());
    }
    let elapsed = start.elapsed().as_secs_f64();
    let (mut latencies, rows) = std::mem::take(&mut *seen.lock().map_err(|_| "lock")?);
    latencies.sort_unstable();
    let input: u64 = query
        .recent_progress()
        .iter()
        .map(|p| p.num_input_rows)
        .sum();
    Ok(Run {
        latencies,
        input_per_second: input as f64 / elapsed,
        output_per_second: rows as f64 / elapsed,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: f64 = std::env::var("LATENCY_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let spark = Session::builder().master("local[2]").get_or_create()?;
    println!("latency from creation at the rate source to arrival at a foreach sink, ms ({seconds} s per run)");
    println!(
        "{:<32} {:>9} {:<26} {:>8} {:>8} {:>8} {:>11} {:>10}",
        "pipeline", "rows/s", "trigger", "p50", "p99", "p99.9", "processed/s", "output/s"
    );
    let triggers = [
        (
            "continuous, linger 1 ms",
            Trigger::continuous("1 second")?,
            "1 millisecond",
        ),
        (
            "continuous, linger 100 µs",
            Trigger::continuous("1 second")?,
            "100 microseconds",
        ),
        (
            "processing time 100 ms",
            Trigger::processing_time("100 milliseconds")?,
            "1 millisecond",
        ),
    ];
    for pipeline in [Pipeline::FilterMap, Pipeline::WindowAggregation] {
        for rate in [10_000, 100_000, 1_000_000] {
            for (label, trigger, linger) in &triggers {
                spark
                    .conf()
                    .set("spate.streaming.continuous.linger", linger);
                let result = run(&spark, pipeline, rate, *trigger, seconds)?;
                println!(
                    "{:<32} {:>9} {:<26} {:>8.3} {:>8.3} {:>8.3} {:>11.0} {:>10.0}",
                    pipeline.name(),
                    rate,
                    label,
                    result.quantile(0.5),
                    result.quantile(0.99),
                    result.quantile(0.999),
                    result.input_per_second,
                    result.output_per_second
                );
            }
        }
    }
    common::print_peak_rss();
    Ok(())
}
