//! Lab Part 9.1: `dropDuplicates(["id", "event_time"])` behind a 10-minute watermark. Three
//! deliveries: exact duplicates inside one file, a repeat of an earlier event in a later
//! file, and finally an event so old that its key has already left the state — Spark drops
//! it as late instead of letting it through twice.
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, to_timestamp};
use spate::Trigger;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part09_dedup")?;
    let input = dir.join("streaming_data");
    let deliver = common::deliver_events;
    deliver(
        &input,
        0,
        &[
            (1, "Event_1", 100.0, 0),
            (1, "Event_1 (resent)", 100.0, 0),
            (2, "Event_2", 200.0, 1),
        ],
    )?;
    let spark = common::session(None)?;
    let streaming_df = common::streaming_df(&spark, &input)?;

    let deduplicated_df = streaming_df
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .with_watermark("event_time", "10 minutes")?
        .drop_duplicates(["id", "event_time"])?;

    let query = deduplicated_df
        .write_stream()
        .format("console")
        .output_mode("append")
        .trigger(Trigger::processing_time("1 second")?)
        .start()?;
    query.process_all_available()?;
    deliver(
        &input,
        1,
        &[(2, "Event_2 (again)", 200.0, 1), (3, "Event_3", 300.0, 25)],
    )?;
    query.process_all_available()?;
    deliver(
        &input,
        2,
        &[
            (1, "Event_1 (very late)", 100.0, 0),
            (4, "Event_4", 400.0, 26),
        ],
    )?;
    query.process_all_available()?;
    query.stop();
    for progress in query.recent_progress() {
        if let Some(state) = progress.state_operators.first() {
            println!(
                "batch {}: {} keys in state, {} duplicates dropped, {} late rows dropped, {} keys evicted",
                progress.batch_id,
                state.num_rows_total,
                state.custom_metrics.get("numDroppedDuplicateRows").copied().unwrap_or(0),
                state.num_rows_dropped_by_watermark,
                state.num_rows_removed
            );
        }
    }
    Ok(())
}
