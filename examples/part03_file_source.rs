//! Lab Part 3: write the sample files, read them as a stream, print the schema.
#[path = "common/mod.rs"]
mod common;

use spate::Session;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part03")?;
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

    println!("Is streaming: {}", streaming_df.is_streaming());
    streaming_df.print_schema();
    Ok(())
}
