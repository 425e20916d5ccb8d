//! Lab Part 3: write the sample files, read them as a stream, print the schema.
#[path = "common/mod.rs"]
mod common;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part03")?;
    common::write_lab_events(&dir.join("streaming_data"))?;
    let spark = common::session(None)?;
    let streaming_df = common::streaming_df(&spark, &dir.join("streaming_data"))?;
    println!("Is streaming: {}", streaming_df.is_streaming());
    streaming_df.print_schema();
    Ok(())
}
