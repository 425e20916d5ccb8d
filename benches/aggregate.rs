//! Throughput and state size of streaming aggregation on the lab-shaped data set, against
//! the raw arrow-json decode rate of the same files measured in the same run: tumbling
//! (5 minutes) and sliding (the lab's Part 8: 5 minutes every minute) windows with a
//! 10-minute watermark, in update and append mode, and a 1M-distinct-key count/sum/avg
//! (update mode, no watermark: state never shrinks); each with availableNow and
//! maxFilesPerTrigger=1, and again with no file limit.
//!
//! `cargo bench --bench aggregate [-- NAME..]` (release build; NAME picks workloads by a part
//! of their name, e.g. `sliding` or `rate`).

#[path = "common/mod.rs"]
mod common;

use common::{generate, mb, raw_decode_rate, Cost, EventTimes, FILES, ROWS};
use spate::functions::{avg, col, count, lit, sliding_window, sum, to_timestamp, window, Expr};
use spate::{DataFrame, Session, StreamingQueryProgress};
use std::path::Path;

/// Runs `df` in `mode` into a no-op sink; returns what it cost and its last progress.
fn run(
    df: &DataFrame,
    mode: &str,
    checkpoint: &Path,
) -> Result<(Cost, Option<StreamingQueryProgress>), Box<dyn std::error::Error>> {
    let (query, cost) = common::run_to_nothing(df, mode, checkpoint)?;
    let last = query
        .recent_progress()
        .into_iter()
        .rev()
        .find(|p| !p.state_operators.is_empty());
    Ok((cost, last))
}

/// State rows and bytes per state row of the last report.
fn state_size(progress: &Option<StreamingQueryProgress>) -> (u64, f64) {
    let state = progress.as_ref().and_then(|p| p.state_operators.first());
    state.map_or((0, 0.0), |s| {
        (
            s.num_rows_total,
            s.memory_used_bytes as f64 / s.num_rows_total.max(1) as f64,
        )
    })
}

/// The 1M-key aggregation's count, sum and average of `value`.
fn key_totals() -> [Expr; 3] {
    [
        count(lit("*")).alias("n"),
        sum(col("value")).alias("total"),
        avg(col("value")).alias("mean"),
    ]
}

/// One run of the 1M-key aggregation over `rate-micro-batch` (rows made, not decoded, so
/// that the aggregation itself is the work) in `instances` instances: `FILES` batches of
/// `ROWS / FILES` rows into a no-op sink. Returns rows/s and what the run cost.
fn keys_without_decoding(
    spark: &Session,
    instances: usize,
    checkpoint: &Path,
) -> Result<(f64, Cost), Box<dyn std::error::Error>> {
    spark.conf().set("spate.sql.shuffle.instances", instances);
    let df = spark
        .read_stream()
        .format("rate-micro-batch")
        .option("rowsPerBatch", ROWS / FILES)
        .load_source()?
        .group_by([(col("value") % lit(1_000_000)).alias("key")])
        .agg(key_totals())?;
    let (rows, cost) = common::measured(|| -> Result<u64, Box<dyn std::error::Error>> {
        let query = df
            .write_stream()
            .output_mode("update")
            .option("checkpointLocation", checkpoint.display())
            .format("noop")
            .start()?;
        while query
            .last_progress()
            .is_none_or(|p| p.batch_id + 1 < FILES as u64)
        {
            query.await_termination_timeout(std::time::Duration::from_millis(1))?;
        }
        query.stop();
        Ok(query
            .recent_progress()
            .iter()
            .map(|p| p.num_input_rows)
            .sum())
    });
    Ok((rows? as f64 / cost.wall.as_secs_f64(), cost))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let work = common::work_dir()?;
    let input = work.path().join("input");
    generate(&input, ROWS, FILES, EventTimes::Progressing)?;
    let spark = Session::builder().master("local[*]").get_or_create()?;
    let decode_rate = raw_decode_rate(&input)?;
    println!("aggregate: {ROWS} rows in {FILES} files, availableNow, no-op sink");
    println!("  raw arrow-json decode: {decode_rate:>10.0} rows/s");
    println!(
        "  {:<32} {:<13} {:>2} {:>10} {:>7} {:>8} {:>6} {:>9} {:>8} {:>8}",
        "workload",
        "file limit",
        "P",
        "rows/s",
        "wall s",
        "/decode",
        "cores",
        "state",
        "B/row",
        "peak MB"
    );
    for limit in [Some(1), None] {
        let events = common::lab_stream(&spark, &input, limit)?;
        let timed = events
            .with_column("event_time", to_timestamp(col("timestamp")))?
            .with_watermark("event_time", "10 minutes")?;
        let totals = [
            count(lit("*")).alias("event_count"),
            sum(col("value")).alias("total_value"),
        ];
        let tumbling = timed
            .group_by([window(col("event_time"), "5 minutes")])
            .agg(totals.clone())?;
        let sliding = timed
            .group_by([sliding_window(col("event_time"), "5 minutes", "1 minute")])
            .agg(totals)?;
        let keys = events
            .group_by([(col("id") % lit(1_000_000)).alias("key")])
            .agg(key_totals())?;
        // P instances (`spate.sql.shuffle.instances`) split an aggregation by its keys other
        // than windows: the window-only ones run as one instance whatever P is.
        let workloads = [
            ("tumbling 5 min + wm", &tumbling, "update", 1),
            ("tumbling 5 min + wm", &tumbling, "append", 1),
            ("sliding 5 min / 1 min + wm", &sliding, "update", 1),
            ("sliding 5 min / 1 min + wm", &sliding, "append", 1),
            ("1M keys count/sum/avg", &keys, "update", 1),
            ("1M keys count/sum/avg", &keys, "update", 2),
        ];
        for (index, (name, df, mode, instances)) in workloads.into_iter().enumerate() {
            if !common::selected(name) {
                continue;
            }
            spark.conf().set("spate.sql.shuffle.instances", instances);
            let checkpoint = work.path().join(format!("cp-{index}-{limit:?}"));
            let (cost, last) = run(df, mode, &checkpoint)?;
            let rate = ROWS as f64 / cost.wall.as_secs_f64();
            let (rows, bytes) = state_size(&last);
            println!(
                "  {:<32} {:<13} {instances:>2} {rate:>10.0} {:>7.2} {:>8.2} {:>6.2} {rows:>9} {bytes:>8.0} {:>8}",
                format!("{name}, {mode}"),
                limit.map_or("none".to_string(), |n| format!("{n} file")),
                cost.wall.as_secs_f64(),
                rate / decode_rate,
                cost.cores,
                mb(cost.peak_rss_mb)
            );
        }
    }
    // The same keys over generated rows: how the instances scale when decoding does not
    // take the cores. One and two instances take turns, and each round's ratio is taken
    // between its own two runs, so that the machine's drift between rounds cancels out.
    if common::selected("rate") {
        let mut rounds: Vec<[(f64, Cost); 2]> = Vec::new();
        for run in 0..common::runs() {
            let round = |instances: usize| {
                let checkpoint = work.path().join(format!("cp-rate-{instances}-{run}"));
                keys_without_decoding(&spark, instances, &checkpoint)
            };
            rounds.push([round(1)?, round(2)?]);
        }
        let ratios = rounds.iter().map(|[one, two]| two.0 / one.0).collect();
        let ratio = common::median(ratios).unwrap_or(f64::NAN);
        for (index, instances) in [1, 2].into_iter().enumerate() {
            // The run of median rate, with its own cost, as the other workloads report.
            let mut runs: Vec<&(f64, Cost)> = rounds.iter().map(|round| &round[index]).collect();
            runs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (rate, cost) = runs[runs.len() / 2];
            println!(
                "  {:<32} {:<13} {instances:>2} {rate:>10.0} {:>7.2} {:>8} {:>6.2} {:>9} {:>8} {:>8}",
                "1M keys, rate-micro-batch, update",
                "20 batches",
                cost.wall.as_secs_f64(),
                "-",
                cost.cores,
                "-",
                "-",
                mb(cost.peak_rss_mb),
            );
        }
        println!("  2 instances over 1, median of the rounds' ratios: {ratio:.2}x");
    }
    Ok(())
}
