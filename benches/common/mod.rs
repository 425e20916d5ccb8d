//! What the benchmarks share: the lab-shaped input they generate and the raw arrow-json
//! decode rate they compare against.
#![allow(dead_code)]

use arrow::json::ReaderBuilder;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Rows of the lab-shaped data set.
pub const ROWS: usize = 2_000_000;
/// Files it is split into.
pub const FILES: usize = 20;
/// The lab's event schema.
pub const SCHEMA: &str = "id INT, name STRING, value DOUBLE, timestamp STRING";

/// The lab-shaped JSON stream under `path`, reading `limit` files per batch (all that are
/// there when `None`).
pub fn lab_stream(
    spark: &spate::Session,
    path: &Path,
    limit: Option<usize>,
) -> spate::Result<spate::DataFrame> {
    let mut reader = spark.read_stream().format("json").schema(SCHEMA);
    if let Some(files) = limit {
        reader = reader.option("maxFilesPerTrigger", files);
    }
    reader.load(path)
}

/// How event times spread over the files.
#[derive(Clone, Copy)]
pub enum EventTimes {
    /// Uniformly over one hour, in every file (the stateless benchmarks).
    Shuffled,
    /// File `f` covers minutes `[3f, 3f + 5)`: time moves forward as files arrive, with a
    /// little overlap, like a live stream (the stateful benchmarks).
    Progressing,
}

/// Lab-shaped NDJSON rows, seeded and deterministic.
pub fn generate(dir: &Path, rows: usize, files: usize, times: EventTimes) -> std::io::Result<()> {
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
            let second = match times {
                EventTimes::Shuffled => (state >> 20) % 3600,
                EventTimes::Progressing => (f as u64 * 180 + (state >> 20) % 300) % (24 * 3600),
            };
            writeln!(
                out,
                "{{\"id\":{id},\"name\":\"Event_{id}\",\"value\":{value}.0,\"timestamp\":\"2024-01-15 {:02}:{:02}:{:02}\"}}",
                10 + second / 3600,
                second / 60 % 60,
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

/// The files of `dir`, sorted.
pub fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Rows per second of arrow-json decoding the files, one after the other (median run).
pub fn raw_decode_rate(dir: &Path) -> Result<f64, Box<dyn std::error::Error>> {
    let paths = files(dir)?;
    median_rate(|| raw_decode(&paths))
}

/// Rows per second of arrow-json decoding `paths`, one after the other (a single run).
pub fn raw_decode_rate_of(paths: &[PathBuf]) -> Result<f64, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let rows = raw_decode(paths)?;
    Ok(rows as f64 / start.elapsed().as_secs_f64())
}

/// arrow-json decodes `paths` with the lab's schema; returns the rows read.
fn raw_decode(paths: &[PathBuf]) -> Result<usize, Box<dyn std::error::Error>> {
    let schema = spate::types::parse_ddl(SCHEMA)?;
    let mut rows = 0;
    for path in paths {
        let file = BufReader::new(std::fs::File::open(path)?);
        for batch in ReaderBuilder::new(schema.clone()).build(file)? {
            rows += batch?.num_rows();
        }
    }
    Ok(rows)
}

/// The median of `values` (the mean of the middle two of an even count); `None` when there
/// are none.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 0 => Some((values[middle - 1] + values[middle]) / 2.0),
        _ => Some(values[middle]),
    }
}

/// Rows per second of `read` (which returns the rows it read), over its median run.
pub fn median_rate(
    mut read: impl FnMut() -> Result<usize, Box<dyn std::error::Error>>,
) -> Result<f64, Box<dyn std::error::Error>> {
    let (rows, cost) = median_run(|_| read());
    Ok(rows? as f64 / cost.wall.as_secs_f64())
}

/// The process's peak resident memory so far, MB (Linux `VmHWM`), for the bench summary.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time (user and system) the process used so far, seconds (Linux `/proc/self/stat`,
/// in the kernel's 100 ticks per second).
pub fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // The fields after the command name, which is in parentheses.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            let ticks: u64 =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some(ticks as f64 / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// What one measured piece of work cost.
pub struct Cost {
    /// Wall time.
    pub wall: Duration,
    /// Cores kept busy on average.
    pub cores: f64,
    /// Peak resident memory while it ran, MB (`None` where the system does not tell).
    pub peak_rss_mb: Option<f64>,
}

/// Returns the heap's free memory to the system (glibc's `malloc_trim`), so that what
/// earlier work freed does not count in the next work's resident memory.
fn release_free_memory() {
    extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: glibc's `malloc_trim` takes a byte count and only releases free heap pages.
    unsafe {
        malloc_trim(0);
    }
}

/// Writes what every file still holds in memory to disk (`sync(2)`), so that what earlier
/// work wrote (the input, other runs' checkpoints) is not written back while the next work
/// runs, slowing down its own writes (on the development machine, by up to half).
fn write_back_files() {
    extern "C" {
        fn sync();
    }
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe {
        sync();
    }
}

/// Runs `work`; returns its result and what it cost. The work starts with nothing left to
/// write back to disk. The peak resident memory is the work's own: memory freed before is
/// returned to the system first, and Linux resets the process's peak (`VmHWM`) when `5` is
/// written to `/proc/self/clear_refs`.
pub fn measured<T>(work: impl FnOnce() -> T) -> (T, Cost) {
    write_back_files();
    release_free_memory();
    let peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (cpu, start) = (cpu_seconds(), Instant::now());
    let result = work();
    let wall = start.elapsed();
    let cost = Cost {
        wall,
        cores: (cpu_seconds() - cpu) / wall.as_secs_f64(),
        peak_rss_mb: peak_rss_mb().filter(|_| peak_reset),
    };
    (result, cost)
}

/// How many times each workload runs (`SPATE_BENCH_RUNS`, default 3). The benches report
/// the median run: one short run on a shared machine varies by ±20 %.
pub fn runs() -> usize {
    std::env::var("SPATE_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(3)
        .max(1)
}

/// Runs `work` (given the run's number) [`runs`] times, each [`measured`]; returns the
/// result and cost of the run with the median wall time.
pub fn median_run<T>(mut work: impl FnMut(usize) -> T) -> (T, Cost) {
    let mut results: Vec<(T, Cost)> = (0..runs()).map(|run| measured(|| work(run))).collect();
    results.sort_by_key(|(_, cost)| cost.wall);
    results.swap_remove(results.len() / 2)
}

/// Runs `df` in output mode `mode` with availableNow into the `noop` sink (which runs the
/// whole query and drops its rows, as Spark's does: the Spark side of the comparison uses
/// Spark's), keeping its checkpoints under `checkpoint` (one per run); returns the ended
/// query and the cost of the median run.
pub fn run_to_nothing(
    df: &spate::DataFrame,
    mode: &str,
    checkpoint: &Path,
) -> Result<(spate::StreamingQuery, Cost), Box<dyn std::error::Error>> {
    let (query, cost) = median_run(|run| -> Result<_, Box<dyn std::error::Error>> {
        let query = df
            .write_stream()
            .output_mode(mode)
            .option(
                "checkpointLocation",
                checkpoint.join(format!("run-{run}")).display(),
            )
            .trigger(spate::Trigger::AvailableNow)
            .format("noop")
            .start()?;
        query.await_termination()?;
        Ok(query)
    });
    Ok((query?, cost))
}

/// Whether workload `name` runs: the bench's arguments (`cargo bench --bench B -- NAME..`)
/// name the workloads to run, or none to run them all.
pub fn selected(name: &str) -> bool {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    wanted.is_empty() || wanted.iter().any(|w| name.contains(w.as_str()))
}

/// `peak` in MB for a table, or `-` where the system does not tell.
pub fn mb(peak: Option<f64>) -> String {
    peak.map_or("-".to_string(), |mb| format!("{mb:.0}"))
}

/// Prints the peak resident memory line every bench ends with.
pub fn print_peak_rss() {
    match peak_rss_mb() {
        Some(mb) => println!("peak RSS of the whole bench process: {mb:.0} MB"),
        None => println!("peak RSS: not available on this system"),
    }
}

/// A temporary working directory under the build's target directory. On this project's
/// machines `/tmp` creates files several times slower than the rest of the same disk,
/// which would skew every checkpoint figure. `SPATE_BENCH_DIR` puts it elsewhere, e.g. on
/// a tmpfs (`/dev/shm`) to measure without the disk.
pub fn work_dir() -> std::io::Result<tempfile::TempDir> {
    let parent = std::env::var_os("SPATE_BENCH_DIR")
        .map_or_else(|| env!("CARGO_TARGET_TMPDIR").into(), PathBuf::from);
    tempfile::Builder::new().prefix("bench-").tempdir_in(parent)
}
