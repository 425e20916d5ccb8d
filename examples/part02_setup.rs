//! Lab Part 2: the session, with a checkpoint root and quiet logging.
#[path = "common/mod.rs"]
mod common;

use spate::Session;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part02")?;
    let spark = Session::builder()
        .app_name("Spark Streaming")
        .master("local[*]")
        .config(
            "spark.sql.streaming.checkpointLocation",
            dir.join("checkpoint").display(),
        )
        .get_or_create()?;
    spark.set_log_level("WARN")?;
    println!("Session {} on {}", spark.app_name(), spark.master());
    println!(
        "spark.sql.streaming.checkpointLocation = {}",
        spark
            .conf()
            .get("spark.sql.streaming.checkpointLocation")
            .unwrap_or_default()
    );
    Ok(())
}
