//! Lab Part 12, the complete example, as written: user actions per 5-minute window and
//! action, with a 10-minute watermark, in update mode, a 10-second processing-time trigger,
//! `awaitTermination(120)` then `stop()` — including `countDistinct("user_id")`, which Spark
//! refuses on streams and spate computes exactly.
//!
//! `cargo run --release --example part12_complete` runs it as the lab does (two minutes);
//! with `-- --available-now` it prints the same batches (one per file, then the batch that
//! closes windows) and stops as soon as the files are done.
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, count, count_distinct, lit, sum, window};
use spate::types::{DoubleType, IntegerType, StringType, TimestampType};
use spate::{Session, StructField, StructType, Trigger};
use std::time::Duration;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(!std::env::args().any(|a| a == "--available-now"))
}

/// Runs the example; `as_written` uses the lab's trigger and 120-second wait.
pub fn run(as_written: bool) -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part12")?;
    common::write_user_actions(&dir.join("events"), 5, 40)?;

    let spark = Session::builder()
        .app_name("Complete Streaming Example")
        .master("local[*]")
        .get_or_create()?;
    spark.set_log_level("WARN")?;

    let schema = StructType::new([
        StructField::new("user_id", IntegerType(), true),
        StructField::new("action", StringType(), true),
        StructField::new("value", DoubleType(), true),
        StructField::new("timestamp", TimestampType(), true),
    ]);
    let stream_df = spark
        .read_stream()
        .format("json")
        .schema(schema)
        .option("maxFilesPerTrigger", 1)
        .load(dir.join("events"))?;

    let transformed = stream_df
        .with_watermark("timestamp", "10 minutes")?
        .group_by([window(col("timestamp"), "5 minutes"), col("action")])
        .agg([
            count(lit("*")).alias("action_count"),
            sum(col("value")).alias("total_value"),
            count_distinct(col("user_id")).alias("unique_users"),
        ])?;

    let trigger = if as_written {
        Trigger::processing_time("10 seconds")?
    } else {
        Trigger::AvailableNow
    };
    let query = transformed
        .write_stream()
        .format("console")
        .output_mode("update")
        .trigger(trigger)
        .option(
            "checkpointLocation",
            dir.join("checkpoint/complete").display(),
        )
        .start()?;
    if as_written {
        query.await_termination_timeout(Duration::from_secs(120))?;
        query.stop();
    } else {
        query.await_termination()?;
    }
    if let Some(progress) = query.last_progress() {
        println!("last progress:\n{}", progress.pretty_json());
    }
    Ok(())
}
