//! Lab Part 2: the session, with a checkpoint root and quiet logging.
#[path = "common/mod.rs"]
mod common;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part02")?;
    let spark = common::session(Some(&dir.join("checkpoint")))?;
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
