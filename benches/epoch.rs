//! The fixed cost of one epoch: many one-row files, one per trigger, through a memory
//! sink, with checkpoint files fsynced (the default) and renamed into place without fsync
//! (`spate.checkpoint.fsync=false`, as Spark's checkpoints on a local disk). The baseline,
//! measured in the same run, is one atomic file write of the same kind on the same disk:
//! what a checkpoint log entry costs at least.
//!
//! `cargo bench --bench epoch` (release build).

#[path = "common/mod.rs"]
mod common;

use common::{generate, EventTimes, SCHEMA};
use spate::runtime::checkpoint::{write_atomically, Durability};
use spate::{Session, Trigger};
use std::path::Path;
use std::time::{Duration, Instant};

/// One-row epochs to run.
const EPOCHS: usize = 500;

/// The mean time of one atomic write of a small file in `dir`, written as `durability` says.
fn atomic_write_time(
    dir: &Path,
    durability: Durability,
) -> Result<Duration, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let writes = 200;
    let start = Instant::now();
    for i in 0..writes {
        write_atomically(&dir.join(i.to_string()), b"v1\n{}\n", false, durability)?;
    }
    Ok(start.elapsed() / writes)
}

/// The mean time of one epoch of `EPOCHS` one-row epochs, the session's `spate.checkpoint.fsync`
/// set to `fsync`.
fn epoch_time(work: &Path, fsync: bool) -> Result<Duration, Box<dyn std::error::Error>> {
    let tiny = work.join(format!("tiny-{fsync}"));
    generate(&tiny, EPOCHS, EPOCHS, EventTimes::Shuffled)?;
    let spark = Session::builder()
        .master("local[*]")
        .config("spate.checkpoint.fsync", fsync)
        .get_or_create()?;
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
        .option(
            "checkpointLocation",
            work.join(format!("cp-{fsync}")).display(),
        )
        .trigger(Trigger::AvailableNow)
        .start()?;
    query.await_termination()?;
    Ok(start.elapsed() / EPOCHS as u32)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let work = common::work_dir()?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("epoch overhead: {EPOCHS} one-row epochs through a memory sink");
    for (fsync, durability) in [(true, Durability::Synced), (false, Durability::Renamed)] {
        let baseline =
            atomic_write_time(&work.path().join(format!("baseline-{fsync}")), durability)?;
        let per_epoch = epoch_time(work.path(), fsync)?;
        println!(
            "  spate.checkpoint.fsync={fsync:<5}  atomic write {:.3} ms, one epoch {:.3} ms ({:.1} writes)",
            ms(baseline),
            ms(per_epoch),
            per_epoch.as_secs_f64() / baseline.as_secs_f64()
        );
    }
    common::print_peak_rss();
    Ok(())
}
