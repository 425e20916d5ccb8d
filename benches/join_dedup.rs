//! Throughput and state size of the other stateful operators on lab-shaped data, against the
//! raw arrow-json decode rate of the same files measured in the same run: a stream-stream
//! inner join of two 1M-row streams (±5 minutes, 10-minute watermarks) and
//! `dropDuplicatesWithinWatermark` over 2M rows with 10 % duplicates; each with
//! availableNow and maxFilesPerTrigger=1, and again with no file limit.
//!
//! `cargo bench --bench join_dedup [-- join|dedup]` (release build).

#[path = "common/mod.rs"]
mod common;

use common::{generate, mb, raw_decode_rate, Cost, EventTimes, FILES, ROWS};
use spate::functions::{col, lit, to_timestamp, when};
use spate::{DataFrame, Session};
use std::path::Path;

/// Runs `df` into a no-op sink; returns rows/s over `input_rows`, what it cost and the
/// peak state rows.
fn run(
    df: &DataFrame,
    checkpoint: &Path,
    input_rows: usize,
) -> Result<(f64, Cost, u64), Box<dyn std::error::Error>> {
    let (query, cost) = common::run_to_nothing(df, "append", checkpoint)?;
    let rate = input_rows as f64 / cost.wall.as_secs_f64();
    let peak = query
        .recent_progress()
        .iter()
        .flat_map(|p| p.state_operators.iter().map(|s| s.num_rows_total))
        .max()
        .unwrap_or(0);
    Ok((rate, cost, peak))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let work = common::work_dir()?;
    let spark = Session::builder().master("local[*]").get_or_create()?;
    let half = work.path().join("half");
    generate(&half, ROWS / 2, FILES / 2, EventTimes::Progressing)?;
    let half_decode = raw_decode_rate(&half)?;
    let full = work.path().join("full");
    generate(&full, ROWS, FILES, EventTimes::Progressing)?;
    let decode = raw_decode_rate(&full)?;
    println!("join_dedup: availableNow, no-op sink");
    for limit in [Some(1), None] {
        let events = |path: &Path| -> spate::Result<DataFrame> {
            common::lab_stream(&spark, path, limit)?
                .with_column("event_time", to_timestamp(col("timestamp")))?
                .with_watermark("event_time", "10 minutes")
        };
        let label = limit.map_or("no file limit".to_string(), |n| {
            format!("{n} file per batch")
        });

        // Join: the same 1M rows on both sides, each row meeting its copy.
        let left = events(&half)?.alias("l");
        let right = events(&half)?
            .select([col("id").alias("id2"), col("event_time")])?
            .alias("r");
        let joined = left.join(
            &right,
            "id = id2 AND l.event_time >= r.event_time - interval 5 minutes AND l.event_time <= r.event_time + interval 5 minutes",
            "inner",
        )?;
        let mut join = Vec::new();
        for instances in [1, 2].into_iter().filter(|_| common::selected("join")) {
            spark.conf().set("spate.sql.shuffle.instances", instances);
            let checkpoint = work.path().join(format!("cp-join-{limit:?}-{instances}"));
            join.push((instances, run(&joined, &checkpoint, ROWS)?));
        }

        // Dedup: every tenth row repeats the key of the row before it.
        let keyed = events(&full)?.with_column(
            "key",
            when((col("id") % lit(10)).eq(lit(0)), col("id") - lit(1)).otherwise(col("id")),
        )?;
        let deduplicated = keyed.drop_duplicates_within_watermark(["key"])?;
        let mut dedup = Vec::new();
        for instances in [1, 2].into_iter().filter(|_| common::selected("dedup")) {
            spark.conf().set("spate.sql.shuffle.instances", instances);
            let checkpoint = work.path().join(format!("cp-dedup-{limit:?}-{instances}"));
            dedup.push((instances, run(&deduplicated, &checkpoint, ROWS)?));
        }

        for (instances, (join_rate, join_cost, join_peak)) in join {
            println!(
                "  join 2 x {} rows, {label}, P = {instances}: {join_rate:>10.0} input rows/s ({:.2} of decode {half_decode:.0}), {:.2} cores busy, {:.1} s, peak RSS {} MB; peak state {join_peak} rows",
                ROWS / 2,
                join_rate / half_decode,
                join_cost.cores,
                join_cost.wall.as_secs_f64(),
                mb(join_cost.peak_rss_mb)
            );
        }
        for (instances, (dedup_rate, dedup_cost, dedup_peak)) in dedup {
            println!(
                "  dedup {ROWS} rows, {label}, P = {instances}: {dedup_rate:>10.0} rows/s ({:.2} of decode {decode:.0}), {:.2} cores busy, {:.1} s, peak RSS {} MB; peak state {dedup_peak} keys",
                dedup_rate / decode,
                dedup_cost.cores,
                dedup_cost.wall.as_secs_f64(),
                mb(dedup_cost.peak_rss_mb)
            );
        }
    }
    Ok(())
}
