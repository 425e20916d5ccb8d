//! Lab Part 5: console, Parquet file and memory sinks (+ SQL over the memory table).
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, lit, to_timestamp};
use spate::{Session, Trigger};
use std::time::Duration;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part05")?;
    common::write_lab_events(&dir.join("streaming_data"))?;
    let spark = Session::builder()
        .app_name("Spark Streaming")
        .master("local[*]")
        .config(
            "spark.sql.streaming.checkpointLocation",
            dir.join("checkpoint").display(),
        )
        .get_or_create()?;
    spark.set_log_level("WARN")?;
    let streaming_df = spark
        .read_stream()
        .format("json")
        .schema(common::event_schema())
        .option("maxFilesPerTrigger", 1)
        .load(dir.join("streaming_data"))?;
    let transformed_df = streaming_df
        .with_column("value_doubled", col("value") * lit(2))?
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .filter(col("value").gt(lit(100)))?;

    // 5.1 Console sink with a processing-time trigger (the lab's 5 s and 10 s intervals are
    // shortened to 500 ms so that the example runs in seconds).
    let query = transformed_df
        .write_stream()
        .format("console")
        .output_mode("append")
        .trigger(Trigger::processing_time("500 milliseconds")?)
        .start()?;
    query.process_all_available()?;
    query.stop();

    // 5.2 Parquet file sink with its own checkpoint.
    let output = dir.join("output/streaming_parquet");
    let query = transformed_df
        .write_stream()
        .format("parquet")
        .output_mode("append")
        .option("path", output.display())
        .option(
            "checkpointLocation",
            dir.join("checkpoint/parquet").display(),
        )
        .trigger(Trigger::processing_time("500 milliseconds")?)
        .start()?;
    query.process_all_available()?;
    query.stop();
    let metadata = std::fs::read_dir(output.join("_spark_metadata"))?.count();
    println!(
        "Parquet sink: {metadata} batches in {}/_spark_metadata",
        output.display()
    );

    // 5.3 Memory sink, queried with SQL.
    let query = streaming_df
        .write_stream()
        .format("memory")
        .query_name("events_memory")
        .output_mode("append")
        .start()?;
    query.process_all_available()?;
    spark.sql("SELECT * FROM events_memory")?.show()?;
    query.stop();
    let _ = query.await_termination_timeout(Duration::from_secs(1))?;
    Ok(())
}
