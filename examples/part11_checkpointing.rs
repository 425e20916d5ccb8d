//! Lab Part 11: checkpointing. The lab's Parquet query runs on the first two files and
//! stops; a third file arrives; the same query restarts on the same checkpoint and writes
//! only the new file's rows — the output never repeats or loses a row. Then a stateful
//! query (counts per one-minute window) shows its state surviving the restart too. The
//! checkpoint's layout is listed at the end: offsets, commits, sources, state.
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, to_timestamp, window};
use spate::Trigger;
use std::path::Path;

/// Lists `dir` recursively, relative to `root`.
fn list(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            list(root, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            out.push(relative.display().to_string());
        }
    }
    Ok(())
}

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part11")?;
    let input = dir.join("streaming_data");
    common::write_lab_events(&input)?;
    let third = input.join("events_2.json");
    let held_back = dir.join("events_2.json");
    std::fs::rename(&third, &held_back)?;
    let spark = common::session(None)?;

    // The lab's query: the raw stream into Parquet, checkpointed.
    let output = dir.join("output/streaming_output");
    let checkpoint = dir.join("checkpoint/my_query");
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        let query = common::streaming_df(&spark, &input)?
            .write_stream()
            .format("parquet")
            .output_mode("append")
            .option("path", output.display())
            .option("checkpointLocation", checkpoint.display())
            .trigger(Trigger::AvailableNow)
            .start()?;
        query.await_termination()?;
        Ok(())
    };
    let counts_query = |name: &str| -> Result<(), Box<dyn std::error::Error>> {
        let query = common::streaming_df(&spark, &input)?
            .with_column("event_time", to_timestamp(col("timestamp")))?
            .group_by([window(col("event_time"), "1 minute")])
            .count()?
            .write_stream()
            .format("console")
            .output_mode("complete")
            .option(
                "checkpointLocation",
                dir.join("checkpoint/counts").display(),
            )
            .trigger(Trigger::AvailableNow)
            .start()?;
        println!("== {name}");
        query.await_termination()?;
        Ok(())
    };
    run()?;
    counts_query("window counts, first run (two files)")?;
    let rows_after_first: usize = spark
        .read()
        .format("parquet")
        .schema("id INT, name STRING, value DOUBLE, timestamp STRING")
        .load(&output)?
        .count()?;
    println!(
        "after the first run: {rows_after_first} rows in {}",
        output.display()
    );

    std::fs::rename(&held_back, &third)?;
    run()?;
    counts_query("window counts, restarted on the checkpoint (the third file only)")?;
    let rows_after_restart: usize = spark
        .read()
        .format("parquet")
        .schema("id INT, name STRING, value DOUBLE, timestamp STRING")
        .load(&output)?
        .count()?;
    println!("after the restart: {rows_after_restart} rows (each input row exactly once)");

    let mut files = Vec::new();
    list(&checkpoint, &checkpoint, &mut files)?;
    println!("checkpoint of the Parquet query:");
    for file in files {
        println!("  {file}");
    }
    Ok(())
}
