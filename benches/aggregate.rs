//! Throughput and state size of streaming aggregation on the lab-shaped data set, against
//! the raw arrow-json decode rate of the same files measured in the same run:
//! the lab's Part 8 sliding window (5 minutes every minute, 10-minute watermark, update
//! mode) and a 1M-distinct-key count/sum/avg (update mode, no watermark: state never
//! shrinks).
//!
//! `cargo bench --bench aggregate` (release build).

#[path = "common/mod.rs"]
mod common;

use common::{generate, raw_decode_rate, EventTimes, FILES, ROWS, SCHEMA};
use spate::functions::{avg, col, count, lit, sliding_window, sum, to_timestamp};
use spate::{DataFrame, Session, StreamingQueryProgress, Trigger};
use std::path::Path;
use std::time::Instant;

/// Runs `df` in update mode into a no-op sink; returns rows/s and the last progress.
fn run(
    df: &DataFrame,
    checkpoint: &Path,
) -> Result<(f64, Option<StreamingQueryProgress>), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let query = df
        .write_stream()
        .output_mode("update")
        .option("checkpointLocation", checkpoint.display())
        .trigger(Trigger::AvailableNow)
        .foreach_batch(|_, _| Ok(()))
        .start()?;
    query.await_termination()?;
    let rate = ROWS as f64 / start.elapsed().as_secs_f64();
    let last = query
        .recent_progress()
        .into_iter()
        .rev()
        .find(|p| !p.state_operators.is_empty());
    Ok((rate, last))
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let work = common::work_dir()?;
    let input = work.path().join("input");
    generate(&input, ROWS, FILES, EventTimes::Progressing)?;
    let spark = Session::builder().master("local[*]").get_or_create()?;
    let decode_rate = raw_decode_rate(&input)?;
    let events = spark
        .read_stream()
        .format("json")
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .load(&input)?;

    let sliding = events
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .with_watermark("event_time", "10 minutes")?
        .group_by([sliding_window(col("event_time"), "5 minutes", "1 minute")])
        .agg([
            count(lit("*")).alias("event_count"),
            sum(col("value")).alias("total_value"),
        ])?;
    let (sliding_rate, sliding_last) = run(&sliding, &work.path().join("cp-sliding"))?;

    let keys = events
        .group_by([(col("id") % lit(1_000_000)).alias("key")])
        .agg([
            count(lit("*")).alias("n"),
            sum(col("value")).alias("total"),
            avg(col("value")).alias("mean"),
        ])?;
    let (keys_rate, keys_last) = run(&keys, &work.path().join("cp-keys"))?;

    println!("aggregate: {ROWS} rows in {FILES} files, availableNow, maxFilesPerTrigger=1, update mode, no-op sink");
    println!("  raw arrow-json decode:       {decode_rate:>12.0} rows/s");
    let (rows, bytes) = state_size(&sliding_last);
    println!(
        "  sliding 5 min / 1 min + wm:  {sliding_rate:>12.0} rows/s ({:.2} of decode); state {rows} windows, {bytes:.0} B each",
        sliding_rate / decode_rate
    );
    let (rows, bytes) = state_size(&keys_last);
    println!(
        "  1M keys count/sum/avg:       {keys_rate:>12.0} rows/s ({:.2} of decode); state {rows} keys, {bytes:.0} B per key",
        keys_rate / decode_rate
    );
    common::print_peak_rss();
    Ok(())
}
