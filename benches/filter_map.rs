//! Throughput of the lab's Part 4.1 pipeline (with_column value*2, to_timestamp,
//! filter value > 100) into a Parquet file sink, against the raw arrow-json decode rate
//! of the same files measured in the same run; then the same rows in 2000 small files, all
//! in one batch. The fixed cost of one epoch is `benches/epoch.rs`.
//!
//! `cargo bench --bench filter_map` (release build). Figures are ratios against the
//! baseline measured in the same invocation, because machines are shared and noisy; each
//! figure is the median of `SPATE_BENCH_RUNS` runs (3).

#[path = "common/mod.rs"]
mod common;

use common::{
    files, generate, mb, median_rate, median_run, raw_decode_rate, EventTimes, FILES, ROWS, SCHEMA,
};
use spate::functions::{col, lit, to_timestamp};
use spate::{Session, Trigger};
use std::path::Path;

/// Rows per second of spate's own JSON decoder (Spark's PERMISSIVE rules) on the files.
fn spate_decode_rate(dir: &Path) -> Result<f64, Box<dyn std::error::Error>> {
    use spate::connectors::file::format::{DecodeOptions, FileDecoder, FileFormat};
    let schema = spate::types::parse_ddl(SCHEMA)?;
    let options = DecodeOptions::default();
    median_rate(|| {
        let mut rows = 0;
        for path in files(dir)? {
            let mut decoder = FileDecoder::new(FileFormat::Json, &path, &schema, &options);
            while let Some(batch) = decoder.next_batch()? {
                rows += batch.num_rows();
            }
        }
        Ok(rows)
    })
}

/// Runs `df` into a Parquet file sink under `dir` (one output and checkpoint per run);
/// returns the cost of the median run.
fn run_to_parquet(
    df: &spate::DataFrame,
    dir: &Path,
) -> Result<common::Cost, Box<dyn std::error::Error>> {
    let (result, cost) = median_run(|run| -> Result<(), Box<dyn std::error::Error>> {
        df.write_stream()
            .format("parquet")
            .option("path", dir.join(format!("out-{run}")).display())
            .option(
                "checkpointLocation",
                dir.join(format!("cp-{run}")).display(),
            )
            .trigger(Trigger::AvailableNow)
            .start()?
            .await_termination()?;
        Ok(())
    });
    result.map(|()| cost)
}

/// Files of the small-files workload (1000 rows each).
const SMALL_FILES: usize = 2000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let work = common::work_dir()?;
    let input = work.path().join("input");
    generate(&input, ROWS, FILES, EventTimes::Shuffled)?;
    let spark = Session::builder().master("local[*]").get_or_create()?;

    let decode_rate = raw_decode_rate(&input)?;
    let spate_rate = spate_decode_rate(&input)?;
    // The lab's transformations, reading `limit` files per batch (all when `None`).
    let pipeline = |input: &Path, limit: Option<usize>| -> spate::Result<spate::DataFrame> {
        common::lab_stream(&spark, input, limit)?
            .with_column("value_doubled", col("value") * lit(2))?
            .with_column("event_time", to_timestamp(col("timestamp")))?
            .filter(col("value").gt(lit(100)))
    };
    let df = pipeline(&input, Some(1))?;
    let parquet_cost = run_to_parquet(&df, &work.path().join("parquet"))?;
    // The same pipeline into a sink that does nothing: what the sink's Parquet encoding costs.
    let (_, no_sink_cost) = common::run_to_nothing(&df, "append", &work.path().join("cp-noop"))?;
    // The Parquet pipeline again with no file limit: all 20 files in one batch.
    let unlimited_cost = run_to_parquet(&pipeline(&input, None)?, &work.path().join("unlimited"))?;
    // The same rows in many small files, all in one batch, into the no-op sink.
    let small = work.path().join("small");
    generate(&small, ROWS, SMALL_FILES, EventTimes::Shuffled)?;
    let (_, small_cost) = common::run_to_nothing(
        &pipeline(&small, None)?,
        "append",
        &work.path().join("cp-small"),
    )?;

    println!("filter_map: {ROWS} rows in {FILES} files, availableNow, parquet sink");
    println!("  raw arrow-json decode:  {decode_rate:>12.0} rows/s");
    println!(
        "  spate JSON decoder:     {spate_rate:>12.0} rows/s ({:.2} of arrow-json)",
        spate_rate / decode_rate
    );
    for (name, cost) in [
        ("1 file per batch", parquet_cost),
        ("same, no-op sink", no_sink_cost),
        ("no file limit", unlimited_cost),
        ("2000 small files, no-op", small_cost),
    ] {
        let rate = ROWS as f64 / cost.wall.as_secs_f64();
        println!(
            "  {name:<22} {rate:>12.0} rows/s ({:.2} of decode), {:.2} cores busy, peak RSS {} MB",
            rate / decode_rate,
            cost.cores,
            mb(cost.peak_rss_mb)
        );
    }
    Ok(())
}
