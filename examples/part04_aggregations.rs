//! Lab Part 4.2: the windowed aggregation `agg_df` (events, total and average value per
//! one-minute window). Aggregations need an output mode: without a watermark that is update
//! or complete (Part 6 shows all three); here, update.
#[path = "common/mod.rs"]
mod common;

use spate::Trigger;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part04_aggregations")?;
    common::write_lab_events(&dir.join("streaming_data"))?;
    let spark = common::session(None)?;
    let streaming_df = common::streaming_df(&spark, &dir.join("streaming_data"))?;
    let agg_df = common::agg_df(&streaming_df)?;
    agg_df.print_schema();

    let query = agg_df
        .write_stream()
        .format("console")
        .output_mode("update")
        .trigger(Trigger::AvailableNow)
        .start()?;
    query.await_termination()?;
    Ok(())
}
