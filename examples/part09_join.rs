//! Lab Part 9.2: a stream-stream inner join of two event streams on `id = id2`, within five
//! minutes of each other, with the lab's condition text as written. In Spark 4.3 the lab's
//! text does not resolve (`stream1_wm.event_time`: Python variable names are not SQL
//! aliases, SEMANTICS.md §8.5); with `alias("stream1_wm")` / `alias("stream2_wm")` it runs,
//! in Spark and in spate.
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, expr, to_timestamp};
use spate::Trigger;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part09_join")?;
    let deliver = common::deliver_events;
    deliver(
        &dir.join("streaming_data1"),
        0,
        &[
            (1, "Event_1", 100.0, 0),
            (2, "Event_2", 200.0, 1),
            (3, "Event_3", 300.0, 2),
        ],
    )?;
    deliver(
        &dir.join("streaming_data2"),
        0,
        &[
            (1, "Event_1", 110.0, 3),
            (2, "Event_2", 210.0, 20),
            (3, "Event_3", 310.0, 1),
            (4, "Event_4", 410.0, 2),
        ],
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
