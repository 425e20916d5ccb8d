//! Memory over a long run with a moving watermark: a `rate` stream (200,000 rows/s) feeds a
//! sliding-window aggregation (update mode) and a watermarked deduplication at the same
//! time, each into a `foreach` sink that keeps nothing. Every 10 s the bench prints the
//! process's resident memory, the state rows both queries hold and the rows processed; at
//! the end, the median resident memory of the last minute against the median of the second
//! minute (flat ≈ 1.0): medians, because a sample taken while an eviction's buffers are
//! alive reads tens of MB above its neighbours.
//!
//! `cargo bench --bench soak` (release build); `SOAK_SECONDS` sets the length (600).

#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, count_star, lit, sliding_window, sum};
use spate::{Session, StreamingQuery, Trigger};
use std::time::{Duration, Instant};

const ROWS_PER_SECOND: u64 = 200_000;

/// The process's resident memory now, MB (Linux `VmRSS`).
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The median resident memory of the samples taken in `window` (seconds since the start).
fn median_rss(samples: &[(u64, f64)], window: std::ops::Range<u64>) -> Option<f64> {
    common::median(
        samples
            .iter()
            .filter(|(at, _)| window.contains(at))
            .map(|(_, rss)| *rss)
            .collect(),
    )
}

/// State rows the query's last batch left, over all its stateful operators.
fn state_rows(query: &StreamingQuery) -> u64 {
    query.last_progress().map_or(0, |p| {
        p.state_operators.iter().map(|s| s.num_rows_total).sum()
    })
}

/// Input rows of every batch so far that is still in the recent progress.
fn processed(query: &StreamingQuery) -> u64 {
    query
        .recent_progress()
        .iter()
        .map(|p| p.num_input_rows)
        .sum()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let work = common::work_dir()?;
    let spark = Session::builder()
        .master("local[2]")
        .config("spark.sql.streaming.numRecentProgressUpdates", 10_000)
        .get_or_create()?;
    let rate = || -> spate::Result<spate::DataFrame> {
        spark
            .read_stream()
            .format("rate")
            .option("rowsPerSecond", ROWS_PER_SECOND)
            .load_source()?
            .with_watermark("timestamp", "10 seconds")
    };
    let windows = rate()?
        .group_by([
            sliding_window(col("timestamp"), "30 seconds", "10 seconds"),
            (col("value") % lit(1000)).alias("key"),
        ])
        .agg([count_star().alias("rows"), sum(col("value")).alias("total")])?;
    let unique = rate()?.drop_duplicates(["value", "timestamp"])?;
    let start = |df: spate::DataFrame, name: &str, mode: &str| {
        df.write_stream()
            .output_mode(mode)
            .trigger(Trigger::processing_time("1 second")?)
            .option("checkpointLocation", work.path().join(name).display())
            .foreach(|_, _| Ok(()))
            .start()
    };
    let queries = [
        start(windows, "windows", "update")?,
        start(unique, "unique", "append")?,
    ];
    println!(
        "soak: rate {ROWS_PER_SECOND} rows/s into a sliding-window aggregation and a dedup, {seconds} s"
    );
    println!(
        "{:>8} {:>9} {:>13} {:>13} {:>14}",
        "seconds", "RSS MB", "window state", "dedup state", "rows processed"
    );
    let began = Instant::now();
    // (seconds since the start, resident MB) of every sample.
    let mut samples: Vec<(u64, f64)> = Vec::new();
    while began.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_secs(10));
        if let Some(query) = queries.iter().find(|q| !q.is_active()) {
            return Err(format!("a query stopped: {:?}", query.exception()).into());
        }
        let rss = rss_mb();
        let elapsed = began.elapsed().as_secs();
        samples.push((elapsed, rss));
        println!(
            "{:>8} {:>9.0} {:>13} {:>13} {:>14}",
            elapsed,
            rss,
            state_rows(&queries[0]),
            state_rows(&queries[1]),
            processed(&queries[0]) + processed(&queries[1])
        );
    }
    for query in &queries {
        query.stop();
    }
    let end = samples.last().map_or(0, |(at, _)| *at);
    let second_minute = median_rss(&samples, 60..120);
    let last_minute = median_rss(&samples, end.saturating_sub(59)..end + 1);
    // Only when the two minutes do not overlap (a run of three minutes or more).
    if let (Some(second), Some(last), true) = (second_minute, last_minute, end >= 180) {
        println!(
            "median resident memory: second minute {second:.0} MB, last minute {last:.0} MB; last / second {:.2}",
            last / second
        );
    }
    common::print_peak_rss();
    Ok(())
}
