//! Lab Part 8: a 10-minute watermark and 5-minute windows sliding every minute (update mode).
//! Events arrive in three deliveries; the last one holds an event from 10:02 that arrives
//! after the watermark passed 10:11, so the windows it falls in are closed and it is dropped
//! (SEMANTICS.md §5.3: the test is on the window's end, not the row's time).
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, count, lit, sliding_window, sum, to_timestamp};
use spate::Trigger;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part08")?;
    let input = dir.join("streaming_data");
    let deliver = common::deliver_events;
    deliver(
        &input,
        0,
        &[
            (1, "Event_1", 100.0, 0),
            (2, "Event_2", 200.0, 1),
            (3, "Event_3", 300.0, 2),
        ],
    )?;
    let spark = common::session(None)?;
    let streaming_df = common::streaming_df(&spark, &input)?;

    let streaming_with_watermark = streaming_df
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .with_watermark("event_time", "10 minutes")?;
    let agg_with_watermark = streaming_with_watermark
        .group_by([sliding_window(col("event_time"), "5 minutes", "1 minute")])
        .agg([
            count(lit("*")).alias("event_count"),
            sum(col("value")).alias("total_value"),
        ])?;

    // The lab triggers every 10 seconds; 1 second keeps the example short.
    let query = agg_with_watermark
        .write_stream()
        .format("console")
        .output_mode("update")
        .trigger(Trigger::processing_time("1 second")?)
        .start()?;
    query.process_all_available()?;
    deliver(
        &input,
        1,
        &[(4, "Event_4", 400.0, 21), (5, "Event_5", 500.0, 22)],
    )?;
    query.process_all_available()?;
    deliver(
        &input,
        2,
        &[(6, "Event_6", 600.0, 2), (7, "Event_7", 700.0, 23)],
    )?;
    query.process_all_available()?;
    query.stop();
    for progress in query.recent_progress() {
        let dropped: u64 = progress
            .state_operators
            .iter()
            .map(|s| s.num_rows_dropped_by_watermark)
            .sum();
        println!(
            "batch {}: {} input rows, watermark {}, {} late windows dropped",
            progress.batch_id,
            progress.num_input_rows,
            progress
                .event_time
                .get("watermark")
                .map_or("-", String::as_str),
            dropped
        );
    }
    Ok(())
}
