//! Lab Part 9.2: a stream-stream inner join of two event streams on `id = id2`, within five
//! minutes of each other, with the lab's condition text as written. In Spark 4.3 the lab's
//! text does not resolve (`stream1_wm.event_time`: Python variable names are not SQL
//! aliases, SEMANTICS.md §8.5); with `alias("stream1_wm")` / `alias("stream2_wm")` it runs,
//! in Spark and in spate.
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, expr, to_timestamp};
use spate::Trigger;

/// `(id, value, minute past 10:00)` events into `dir/events.json`.
fn write(dir: &std::path::Path, rows: &[(i32, f64, u32)]) -> std::io::Result<()> {
    let lines: Vec<String> = rows
        .iter()
        .map(|(id, value, minute)| {
            format!(
                "{{\"id\": {id}, \"name\": \"Event_{id}\", \"value\": {value}, \"timestamp\": \"2024-01-15 10:{minute:02}:00\"}}"
            )
        })
        .collect();
    common::write_json_lines(&dir.join("events.json"), &lines, 1_705_312_800)
}

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part09_join")?;
    write(
        &dir.join("streaming_data1"),
        &[(1, 100.0, 0), (2, 200.0, 1), (3, 300.0, 2)],
    )?;
    write(
        &dir.join("streaming_data2"),
        &[(1, 110.0, 3), (2, 210.0, 20), (3, 310.0, 1), (4, 410.0, 2)],
    )?;
    let spark = common::session(None)?;
    let stream1 = common::streaming_df(&spark, &dir.join("streaming_data1"))?;
    let stream2 = common::streaming_df(&spark, &dir.join("streaming_data2"))?;

    let stream1_wm = stream1
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .with_watermark("event_time", "10 minutes")?
        .alias("stream1_wm");
    let stream2_wm = stream2
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .with_watermark("event_time", "10 minutes")?
        .select([
            col("id").alias("id2"),
            col("value").alias("value2"),
            col("event_time"),
        ])?
        .alias("stream2_wm");

    let joined = stream1_wm.join(
        &stream2_wm,
        expr(
            "id = id2 AND
             stream1_wm.event_time >= stream2_wm.event_time - interval 5 minutes AND
             stream1_wm.event_time <= stream2_wm.event_time + interval 5 minutes",
        )?,
        "inner",
    )?;

    let query = joined
        .write_stream()
        .format("console")
        .trigger(Trigger::AvailableNow)
        .start()?;
    query.await_termination()?;
    Ok(())
}
