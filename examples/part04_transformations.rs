//! Lab Part 4.1: stateless transformations (`common::transformed_df`), printed per
//! micro-batch on the console.
#[path = "common/mod.rs"]
mod common;

use spate::Trigger;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part04")?;
    common::write_lab_events(&dir.join("streaming_data"))?;
    let spark = common::session(None)?;
    let streaming_df = common::streaming_df(&spark, &dir.join("streaming_data"))?;
    let transformed_df = common::transformed_df(&streaming_df)?;
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
