//! spate's JSON decoder on one thread (a one-thread pool: it otherwise decodes a file's
//! chunks on every core) against arrow-json on the same files, in the same run: all four columns of the lab's schema, and only the two the window queries read
//! (`timestamp`, `value`; the others are still checked for syntax, as Spark's parser does).
//! Every JSON workload runs at about the decoder's rate, so this is the figure to move.
//!
//! `cargo bench --bench decode` (release build). Each round measures the three decoders
//! one after the other; the bench prints the median of the rounds' own ratios
//! (`SPATE_BENCH_RUNS` rounds, default 3), because machines are shared and noisy.

#[path = "common/mod.rs"]
mod common;

use common::{files, generate, EventTimes, FILES, ROWS, SCHEMA};
use spate::connectors::file::format::{DecodeOptions, FileDecoder, FileFormat};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Rows per second of spate's decoder reading `paths` with `schema`.
fn spate_rate(paths: &[PathBuf], schema: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let schema = spate::types::parse_ddl(schema)?;
    let options = DecodeOptions::default();
    let start = Instant::now();
    let mut rows = 0;
    for path in paths {
        let mut decoder = FileDecoder::new(FileFormat::Json, path, &schema, &options);
        while let Some(batch) = decoder.next_batch()? {
            rows += batch.num_rows();
        }
    }
    Ok(rows as f64 / start.elapsed().as_secs_f64())
}

/// The median of `values`.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let work = common::work_dir()?;
    let input: &Path = &work.path().join("input");
    generate(input, ROWS, FILES, EventTimes::Shuffled)?;
    let paths = files(input)?;
    // Four files keep a round short; every file is alike.
    let paths = &paths[..4];
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let (mut all, mut pruned, mut baseline) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..common::runs() {
        let raw = common::raw_decode_rate_of(paths)?;
        // On the pool's thread: the error goes back as text, as it is not `Send`.
        let on_one_thread =
            |schema| one_thread.install(|| spate_rate(paths, schema).map_err(|e| e.to_string()));
        let whole = on_one_thread(SCHEMA)?;
        let two = on_one_thread("value DOUBLE, timestamp STRING")?;
        println!(
            "round: arrow-json {:.2}M rows/s, spate all columns {:.2}M, spate value+timestamp {:.2}M",
            raw / 1e6,
            whole / 1e6,
            two / 1e6
        );
        all.push(whole / raw);
        pruned.push(two / raw);
        baseline.push(raw);
    }
    println!(
        "decode on one thread, over arrow-json (median {:.2}M rows/s): all columns {:.2}×, value+timestamp {:.2}×",
        median(baseline) / 1e6,
        median(all),
        median(pruned)
    );
    Ok(())
}
