//! Lab Part 5: console, Parquet file and memory sinks (+ SQL over the memory table).
#[path = "common/mod.rs"]
mod common;

use spate::Trigger;
use std::time::Duration;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part05")?;
    common::write_lab_events(&dir.join("streaming_data"))?;
    let spark = common::session(Some(&dir.join("checkpoint")))?;
    let streaming_df = common::streaming_df(&spark, &dir.join("streaming_data"))?;
    let transformed_df = common::transformed_df(&streaming_df)?;

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
