//! The fixed cost of one epoch: many one-row files, one per trigger, through a memory
//! sink. The baseline, measured in the same run, is one durable atomic file write on the
//! same disk (temporary file, fsync, rename, directory fsync): what a checkpoint log entry
//! costs at least.
//!
//! `cargo bench --bench epoch` (release build).

#[path = "common/mod.rs"]
mod common;

use common::{generate, EventTimes, SCHEMA};
use spate::{Session, Trigger};
use std::path::Path;
use std::time::{Duration, Instant};

/// One-row epochs to run.
const EPOCHS: usize = 500;

/// The mean time of one durable atomic write of a small file in `dir`.
fn durable_write_time(dir: &Path) -> Result<Duration, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let writes = 200;
    let start = Instant::now();
    for i in 0..writes {
        spate::runtime::checkpoint::write_atomically(&dir.join(i.to_string()), b"v1\n{}\n", false)?;
    }
    Ok(start.elapsed() / writes)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let work = common::work_dir()?;
    let baseline = durable_write_time(&work.path().join("baseline"))?;
    let tiny = work.path().join("tiny");
    generate(&tiny, EPOCHS, EPOCHS, EventTimes::Shuffled)?;
    let spark = Session::builder().master("local[*]").get_or_create()?;
    let start = Instant::now();
    let query = spark
        .read_stream()
        .format("json")
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .load(&tiny)?
        .write_stream()
        .format("memory")
        .query_name("tiny")
        .option("checkpointLocation", work.path().join("cp").display())
        .trigger(Trigger::AvailableNow)
        .start()?;
    query.await_termination()?;
    let per_epoch = start.elapsed() / EPOCHS as u32;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("epoch overhead: {EPOCHS} one-row epochs through a memory sink");
    println!("  durable atomic write: {:.3} ms", ms(baseline));
    println!(
        "  one epoch:            {:.3} ms ({:.1} durable writes)",
        ms(per_epoch),
        per_epoch.as_secs_f64() / baseline.as_secs_f64()
    );
    common::print_peak_rss();
    Ok(())
}
