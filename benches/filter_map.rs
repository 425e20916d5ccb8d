//! Throughput of the lab's Part 4.1 pipeline (with_column value*2, to_timestamp,
//! filter value > 100) into a Parquet file sink, against the raw arrow-json decode rate
//! of the same files measured in the same run; and the fixed cost of one epoch.
//!
//! `cargo bench --bench filter_map` (release build). Figures are ratios against the
//! baseline measured in the same invocation, because machines are shared and noisy.

use arrow::json::ReaderBuilder;
use spate::functions::{col, lit, to_timestamp};
use spate::{Session, Trigger};
use std::io::{BufReader, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

const ROWS: usize = 2_000_000;
const FILES: usize = 20;
const SCHEMA: &str = "id INT, name STRING, value DOUBLE, timestamp STRING";

/// Lab-shaped NDJSON rows, seeded and deterministic.
fn generate(dir: &Path, rows: usize, files: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let per_file = rows / files;
    let mut state: u64 = 0x5eed;
    let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_705_312_800);
    for f in 0..files {
        let path = dir.join(format!("events_{f:02}.json"));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for r in 0..per_file {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = f * per_file + r;
            let value = (state >> 33) % 400;
            let second = (state >> 20) % 3600;
            writeln!(
                out,
                "{{\"id\":{id},\"name\":\"Event_{id}\",\"value\":{value}.0,\"timestamp\":\"2024-01-15 10:{:02}:{:02}\"}}",
                second / 60,
                second % 60
            )?;
        }
        out.flush()?;
        drop(out);
        std::fs::File::options()
            .write(true)
            .open(&path)?
            .set_modified(base + Duration::from_secs(f as u64))?;
    }
    Ok(())
}

/// Rows per second of arrow-json decoding the files, one after the other.
fn raw_decode_rate(dir: &Path) -> Result<f64, Box<dyn std::error::Error>> {
    let schema = spate::types::parse_ddl(SCHEMA)?;
    let start = Instant::now();
    let mut rows = 0;
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    for path in paths {
        let reader =
            ReaderBuilder::new(schema.clone()).build(BufReader::new(std::fs::File::open(path)?))?;
        for batch in reader {
            rows += batch?.num_rows();
        }
    }
    Ok(rows as f64 / start.elapsed().as_secs_f64())
}

/// Rows per second of spate's own JSON decoder (Spark's PERMISSIVE rules) on the files.
fn spate_decode_rate(dir: &Path) -> Result<f64, Box<dyn std::error::Error>> {
    use spate::connectors::file::format::{DecodeOptions, FileDecoder, FileFormat};
    let schema = spate::types::parse_ddl(SCHEMA)?;
    let options = DecodeOptions::default();
    let start = Instant::now();
    let mut rows = 0;
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    for path in paths {
        let mut decoder = FileDecoder::new(FileFormat::Json, &path, &schema, &options);
        while let Some(batch) = decoder.next_batch()? {
            rows += batch.num_rows();
        }
    }
    Ok(rows as f64 / start.elapsed().as_secs_f64())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let work = tempfile::tempdir()?;
    let input = work.path().join("input");
    generate(&input, ROWS, FILES)?;
    let spark = Session::builder().master("local[*]").get_or_create()?;

    let decode_rate = raw_decode_rate(&input)?;
    let spate_rate = spate_decode_rate(&input)?;
    let df = spark
        .read_stream()
        .format("json")
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .load(&input)?
        .with_column("value_doubled", col("value") * lit(2))?
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .filter(col("value").gt(lit(100)))?;
    let start = Instant::now();
    let query = df
        .write_stream()
        .format("parquet")
        .option("path", work.path().join("out").display())
        .option("checkpointLocation", work.path().join("cp").display())
        .trigger(Trigger::AvailableNow)
        .start()?;
    query.await_termination()?;
    let pipeline_rate = ROWS as f64 / start.elapsed().as_secs_f64();

    // The same pipeline into a sink that does nothing: what the sink's Parquet encoding costs.
    let start = Instant::now();
    let query = df
        .write_stream()
        .option("checkpointLocation", work.path().join("cp-noop").display())
        .trigger(Trigger::AvailableNow)
        .foreach_batch(|_, _| Ok(()))
        .start()?;
    query.await_termination()?;
    let no_sink_rate = ROWS as f64 / start.elapsed().as_secs_f64();
    println!("filter_map: {ROWS} rows in {FILES} files, availableNow, maxFilesPerTrigger=1, parquet sink");
    println!("  raw arrow-json decode: {:>12.0} rows/s", decode_rate);
    println!(
        "  spate JSON decoder:    {:>12.0} rows/s ({:.2} of arrow-json)",
        spate_rate,
        spate_rate / decode_rate
    );
    println!("  pipeline end to end:   {:>12.0} rows/s", pipeline_rate);
    println!(
        "  pipeline / decode:     {:>12.2}",
        pipeline_rate / decode_rate
    );
    println!(
        "  same, no-op sink:      {:>12.0} rows/s ({:.2} of decode)",
        no_sink_rate,
        no_sink_rate / decode_rate
    );

    // Fixed cost of an epoch: many one-row files through a memory sink.
    let tiny = work.path().join("tiny");
    let epochs = 200;
    generate(&tiny, epochs, epochs)?;
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
        .option("checkpointLocation", work.path().join("cp-tiny").display())
        .trigger(Trigger::AvailableNow)
        .start()?;
    query.await_termination()?;
    let per_epoch = start.elapsed() / epochs as u32;
    println!("epoch overhead: {epochs} one-row epochs, {:.3} ms per epoch (offset + commit logs fsynced)", per_epoch.as_secs_f64() * 1e3);
    Ok(())
}
