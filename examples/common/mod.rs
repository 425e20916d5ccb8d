//! The lab's sample data, written by each example into `target/lab-data/<example>/`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A fresh working folder for an example.
pub fn workdir(example: &str) -> std::io::Result<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/lab-data")
        .join(example);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The lab's Part 3.1 data: `events_{0,1,2}.json`, three events each. Files get
/// modification times one second apart so that their order is deterministic.
pub fn write_lab_events(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_705_312_800);
    for i in 0..3 {
        let mut text = String::new();
        for (k, minute) in [(1, 0), (2, 1), (3, 2)] {
            let id = i * 3 + k;
            let value = 100 * k + i * 10;
            text.push_str(&format!(
                "{{\"id\": {id}, \"name\": \"Event_{id}\", \"value\": {value}, \"timestamp\": \"2024-01-15 10:0{minute}:00\"}}\n"
            ));
        }
        let path = dir.join(format!("events_{i}.json"));
        std::fs::write(&path, text)?;
        std::fs::File::options()
            .write(true)
            .open(&path)?
            .set_modified(base + Duration::from_secs(i as u64))?;
    }
    Ok(())
}

/// The lab's event schema (Part 3.2).
pub fn event_schema() -> spate::StructType {
    use spate::types::{DoubleType, IntegerType, StringType};
    use spate::StructField;
    spate::StructType::new([
        StructField::new("id", IntegerType(), false),
        StructField::new("name", StringType(), true),
        StructField::new("value", DoubleType(), true),
        StructField::new("timestamp", StringType(), true),
    ])
}

/// Lab Part 2's session (with quiet logging), `checkpoint_root` as the session-wide
/// checkpoint location when given.
pub fn session(checkpoint_root: Option<&Path>) -> spate::Result<spate::Session> {
    let mut builder = spate::Session::builder()
        .app_name("Spark Streaming")
        .master("local[*]");
    if let Some(root) = checkpoint_root {
        builder = builder.config("spark.sql.streaming.checkpointLocation", root.display());
    }
    let spark = builder.get_or_create()?;
    spark.set_log_level("WARN")?;
    Ok(spark)
}

/// Lab Part 3.3: the streaming DataFrame over the sample files in `dir`.
pub fn streaming_df(spark: &spate::Session, dir: &Path) -> spate::Result<spate::DataFrame> {
    spark
        .read_stream()
        .format("json")
        .schema(event_schema())
        .option("maxFilesPerTrigger", 1)
        .load(dir)
}

/// Lab Part 4.1: the stateless transformations.
pub fn transformed_df(streaming_df: &spate::DataFrame) -> spate::Result<spate::DataFrame> {
    use spate::functions::{col, lit, to_timestamp};
    streaming_df
        .with_column("value_doubled", col("value") * lit(2))?
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .filter(col("value").gt(lit(100)))
}
