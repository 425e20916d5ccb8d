//! Lab Part 12, the complete example: user actions per 5-minute window and action, with a
//! 10-minute watermark, in update mode — including `countDistinct("user_id")`, which Spark
//! refuses on streams and spate computes exactly.
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, count, count_distinct, lit, sum, window};
use spate::types::{DoubleType, IntegerType, StringType, TimestampType};
use spate::{Session, StructField, StructType, Trigger};

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
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

    // The lab triggers every 10 seconds and waits 120 s; on files that are all present,
    // availableNow prints the same batches (one per file) and stops when they are done.
    let query = transformed
        .write_stream()
        .format("console")
        .output_mode("update")
        .trigger(Trigger::AvailableNow)
        .option(
            "checkpointLocation",
            dir.join("checkpoint/complete").display(),
        )
        .start()?;
    query.await_termination()?;
    if let Some(progress) = query.last_progress() {
        println!("last progress:\n{}", progress.pretty_json());
    }
    Ok(())
}
