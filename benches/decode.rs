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

use common::{files, generate, median, EventTimes, FILES, ROWS, SCHEMA};
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

/// Files decoded: each like one file of the lab-shaped data set, and enough for a round to
/// take a moment.
const DECODED_FILES: usize = 4;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let work = common::work_dir()?;
    let input: &Path = &work.path().join("input");
    generate(
        input,
        ROWS / FILES * DECODED_FILES,
        DECODED_FILES,
        EventTimes::Shuffled,
    )?;
    let paths = &files(input)?;
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    // On the pool's thread: the error goes back as text, as it is not `Send`.
    let spate_on_one_thread = |schema| -> Result<f64, Box<dyn std::error::Error>> {
        Ok(one_thread.install(|| spate_rate(paths, schema).map_err(|e| e.to_string()))?)
    };
    type Decoder<'a> = (
        &'a str,
        Box<dyn Fn() -> Result<f64, Box<dyn std::error::Error>> + 'a>,
    );
    let decoders: Vec<Decoder> = vec![
        ("arrow-json", Box::new(|| common::raw_decode_rate_of(paths))),
        (
            "spate all columns",
            Box::new(|| spate_on_one_thread(SCHEMA)),
        ),
        (
            "spate value+timestamp",
            Box::new(|| spate_on_one_thread("value DOUBLE, timestamp STRING")),
        ),
    ];
    // A name given picks decoders (`cargo bench --bench decode -- timestamp`, e.g. to
    // profile one).
    let decoders: Vec<Decoder> = decoders
        .into_iter()
        .filter(|(name, _)| common::selected(name))
        .collect();
    let mut rates = vec![Vec::new(); decoders.len()];
    for _ in 0..common::runs() {
        let mut round = Vec::new();
        for ((name, decode), rates) in decoders.iter().zip(&mut rates) {
            let rate = decode()?;
            round.push(format!("{name} {:.2}M rows/s", rate / 1e6));
            rates.push(rate);
        }
        println!("round: {}", round.join(", "));
    }
    println!("decode on one thread, median of the rounds:");
    for ((name, _), own) in decoders.iter().zip(&rates) {
        // Over arrow-json's rate of the same round.
        let ratio = (decoders[0].0 == "arrow-json" && *name != "arrow-json").then(|| {
            let ratios = own.iter().zip(&rates[0]).map(|(r, a)| r / a).collect();
            format!(", {:.2}× arrow-json", median(ratios).unwrap_or(f64::NAN))
        });
        println!(
            "  {name:<22} {:.2}M rows/s{}",
            median(own.clone()).unwrap_or(f64::NAN) / 1e6,
            ratio.unwrap_or_default()
        );
    }
    Ok(())
}
