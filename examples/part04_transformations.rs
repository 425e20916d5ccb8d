//! Lab Part 4.1: stateless transformations, printed per micro-batch on the console.
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, lit, to_timestamp};
use spate::{Session, Trigger};

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part04")?;
    common::write_lab_events(&dir.join("streaming_data"))?;
    let spark = Session::builder()
        .app_name("Spark Streaming")
        .master("local[*]")
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
    transformed_df.print_schema();

    let query = transformed_df
        .write_stream()
        .format("console")
        .output_mode("append")
        .trigger(Trigger::AvailableNow)
        .start()?;
    query.await_termination()?;
    Ok(())
}
