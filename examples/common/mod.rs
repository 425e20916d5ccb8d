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
    for i in 0..3 {
        let lines: Vec<String> = [(1, 0), (2, 1), (3, 2)]
            .iter()
            .map(|(k, minute)| {
                let id = i * 3 + k;
                let value = 100 * k + i * 10;
                format!(
                    "{{\"id\": {id}, \"name\": \"Event_{id}\", \"value\": {value}, \"timestamp\": \"2024-01-15 10:0{minute}:00\"}}"
                )
            })
            .collect();
        let path = dir.join(format!("events_{i}.json"));
        write_json_lines(&path, &lines, 1_705_312_800 + i as u64)?;
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

/// Lab Part 4.2: events per one-minute window (no watermark: update or complete mode only).
pub fn agg_df(streaming_df: &spate::DataFrame) -> spate::Result<spate::DataFrame> {
    use spate::functions::{avg, col, count, lit, sum, to_timestamp, window};
    streaming_df
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .group_by([window(col("event_time"), "1 minute")])
        .agg([
            count(lit("*")).alias("event_count"),
            sum(col("value")).alias("total_value"),
            avg(col("value")).alias("avg_value"),
        ])
}

/// Writes one JSON-lines file with modification time `mtime_secs` (seconds since the epoch).
pub fn write_json_lines(path: &Path, lines: &[String], mtime_secs: u64) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, lines.join("\n") + "\n")?;
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime_secs))
}

/// One delivery of lab events, `events_{n}.json` (modification time `n` seconds after the
/// others'): `(id, name, value, minute past 10:00)` each.
pub fn deliver_events(dir: &Path, n: u64, rows: &[(i32, &str, f64, u32)]) -> std::io::Result<()> {
    let lines: Vec<String> = rows
        .iter()
        .map(|(id, name, value, minute)| {
            format!(
                "{{\"id\": {id}, \"name\": \"{name}\", \"value\": {value}, \"timestamp\": \"2024-01-15 10:{minute:02}:00\"}}"
            )
        })
        .collect();
    write_json_lines(
        &dir.join(format!("events_{n}.json")),
        &lines,
        1_705_312_800 + n,
    )
}

/// Part 12's sample data: `files` files of user actions (`user_id`, `action`, `value`,
/// `timestamp`) over about forty minutes from 2024-01-15 10:00, mostly in time order with a
/// few events 15–20 minutes late; generated from a fixed seed.
pub fn write_user_actions(dir: &Path, files: usize, rows_per_file: usize) -> std::io::Result<()> {
    const ACTIONS: [&str; 4] = ["click", "view", "purchase", "scroll"];
    let mut seed: u64 = 0x5eed_1ab0_2024;
    let mut next = move |bound: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % bound
    };
    for file in 0..files {
        let mut lines = Vec::with_capacity(rows_per_file);
        for _ in 0..rows_per_file {
            let newest = (file as u64 + 1) * 8 * 60;
            let mut second = newest - next(8 * 60);
            if next(10) == 0 {
                second = second.saturating_sub(15 * 60 + next(5 * 60));
            }
            lines.push(format!(
                "{{\"user_id\": {}, \"action\": \"{}\", \"value\": {}, \"timestamp\": \"2024-01-15 {:02}:{:02}:{:02}\"}}",
                1 + next(15),
                ACTIONS[next(4) as usize],
                next(2000) as f64 / 4.0,
                10 + second / 3600,
                second / 60 % 60,
                second % 60
            ));
        }
        let path = dir.join(format!("actions_{file}.json"));
        write_json_lines(&path, &lines, 1_705_312_800 + file as u64)?;
    }
    Ok(())
}
