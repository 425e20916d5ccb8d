//! Lab Part 6: the three output modes. Append on the stateless transformation; complete and
//! update on the Part 4.2 aggregation; and append on that aggregation, which Spark (and
//! spate) refuse because it has no watermark.
#[path = "common/mod.rs"]
mod common;

use spate::Trigger;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part06")?;
    common::write_lab_events(&dir.join("streaming_data"))?;
    let spark = common::session(None)?;
    let streaming_df = common::streaming_df(&spark, &dir.join("streaming_data"))?;
    let transformed_df = common::transformed_df(&streaming_df)?;
    let agg_df = common::agg_df(&streaming_df)?;

    for (title, df, mode) in [
        ("append: only new rows", &transformed_df, "append"),
        ("complete: the whole result table", &agg_df, "complete"),
        ("update: only the changed rows", &agg_df, "update"),
    ] {
        println!("== outputMode(\"{mode}\") — {title}");
        let query = df
            .write_stream()
            .format("console")
            .output_mode(mode)
            .trigger(Trigger::AvailableNow)
            .start()?;
        query.await_termination()?;
    }

    println!("== outputMode(\"append\") on the aggregation without a watermark");
    match agg_df
        .write_stream()
        .format("console")
        .output_mode("append")
        .start()
    {
        Err(error) => println!("AnalysisException: {error}"),
        Ok(_) => return Err("append on an aggregation without watermark was accepted".into()),
    }
    Ok(())
}
