//! Exactly-once across crashes: a worker process runs a windowed aggregation (append mode),
//! a deduplication and a left outer self-join (each into a Parquet sink) over generated
//! input; the test kills it
//! with SIGKILL at seeded random moments, restarts it on the same checkpoints each time,
//! and compares the committed output (read back through `_spark_metadata`) with an
//! uninterrupted run: no row lost, none duplicated.
//!
//! The worker is this test binary itself, re-run on the ignored `worker` test with the
//! work directory in `SPATE_CRASH_DIR`. Set `SPATE_CRASH_KEEP=<dir>` to keep both runs'
//! checkpoints and outputs there for inspection.

use crate::support::set_mtime;
use arrow::array::{Array, AsArray};
use arrow::datatypes::{Int64Type, TimestampMicrosecondType};
use spate::functions::{col, to_timestamp, window};
use spate::{Session, Trigger};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const FILES: usize = 30;
const ROWS_PER_FILE: usize = 40;
/// SIGKILLs before the job may finish.
const KILLS: usize = 20;

/// Seeded input: file `f` holds events of minutes `[2f, 2f + 4)`, with repeated ids (for the
/// dedup) and a few rows late enough to be dropped.
fn write_input(dir: &Path) {
    std::fs::create_dir_all(dir).expect("input dir");
    let mut seed: u64 = 0xc4a5;
    let mut next = |bound: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % bound
    };
    for f in 0..FILES {
        let mut text = String::new();
        for _ in 0..ROWS_PER_FILE {
            let mut second = f as u64 * 120 + next(240);
            if next(20) == 0 {
                second = second.saturating_sub(1800);
            }
            text.push_str(&format!(
                "{{\"id\": {}, \"name\": \"w{}\", \"value\": {}, \"timestamp\": \"2024-01-15 {:02}:{:02}:{:02}\"}}\n",
                next(400),
                next(5),
                next(100),
                10 + second / 3600,
                second / 60 % 60,
                second % 60
            ));
        }
        let path = dir.join(format!("events_{f:02}.json"));
        std::fs::write(&path, text).expect("write input");
        set_mtime(&path, 1_705_312_800_000 + f as u64 * 1000);
    }
}

/// A worker's directory (`SPATE_CRASH_DIR`; `None` when the test runs on its own) and the
/// stream of its input, one file per batch, in a session with `settings`.
fn worker_input(settings: &[(&str, &str)]) -> Option<(PathBuf, spate::DataFrame)> {
    let dir = PathBuf::from(std::env::var("SPATE_CRASH_DIR").ok()?);
    let mut builder = Session::builder().master("local[2]");
    for (key, value) in settings {
        builder = builder.config(key, value);
    }
    let events = builder
        .get_or_create()
        .expect("session")
        .read_stream()
        .format("json")
        .schema("id INT, name STRING, value DOUBLE, timestamp STRING")
        .option("maxFilesPerTrigger", 1)
        .load(dir.join("input"))
        .expect("events");
    Some((dir, events))
}

/// Starts `df` into Parquet under `dir` (`out-<name>`, checkpoint `chk-<name>`).
fn start_parquet(
    df: &spate::DataFrame,
    dir: &Path,
    name: &str,
    trigger: Trigger,
) -> spate::StreamingQuery {
    df.write_stream()
        .format("parquet")
        .option("path", dir.join(format!("out-{name}")).display())
        .option(
            "checkpointLocation",
            dir.join(format!("chk-{name}")).display(),
        )
        .trigger(trigger)
        .start()
        .expect("start")
}

/// The worker: the three queries, to the end of the input (availableNow, one file per batch).
#[test]
#[ignore = "run by crash::sigkill_at_random_moments_loses_and_duplicates_nothing"]
fn worker() {
    // Two instances of each keyed stateful operator: the join's and the deduplication's
    // rows are split by key, and each instance's state must survive the kills. Files are
    // fsynced (the continuous worker runs with the default, without).
    let Some((dir, events)) = worker_input(&[
        ("spate.sql.shuffle.instances", "2"),
        ("spate.checkpoint.fsync", "true"),
    ]) else {
        return;
    };
    let events = events
        .with_column("event_time", to_timestamp(col("timestamp")))
        .and_then(|df| df.with_watermark("event_time", "10 minutes"))
        .expect("events");
    let counts = events
        .group_by([window(col("event_time"), "5 minutes"), col("name")])
        .count()
        .expect("counts");
    let unique = events.drop_duplicates(["id", "name"]).expect("dedup");
    let right = events
        .select([col("id").alias("id2"), col("event_time").alias("t2")])
        .expect("right side");
    let pairs = events
        .join(
            &right,
            "id = id2 AND event_time >= t2 - interval 2 minutes AND event_time <= t2 + interval 2 minutes",
            "left_outer",
        )
        .and_then(|df| df.select([col("id"), col("name"), col("event_time"), col("t2")]))
        .expect("join");
    let start = |df, name| start_parquet(df, &dir, name, Trigger::AvailableNow);
    let queries = [
        start(&counts, "counts"),
        start(&unique, "unique"),
        start(&pairs, "pairs"),
    ];
    for query in queries {
        query.await_termination().expect("query");
    }
}

/// The continuous worker: the events as they are and deduplicated on (id, name) without a
/// watermark (the first row of each key, however the epochs fall), each into a Parquet
/// sink under the continuous trigger, until everything available is committed; its
/// checkpoint files are not fsynced (the default).
#[test]
#[ignore = "run by crash::continuous_epochs_survive_sigkill"]
fn continuous_worker() {
    // Checkpoint files renamed into place without fsync (the default, as Spark's): a
    // killed process loses nothing the kernel already has.
    let Some((dir, events)) =
        worker_input(&[("spate.streaming.continuous.linger", "10 milliseconds")])
    else {
        return;
    };
    let unique = events.drop_duplicates(["id", "name"]).expect("dedup");
    let trigger = Trigger::continuous("30 milliseconds").expect("trigger");
    let start = |df, name| start_parquet(df, &dir, name, trigger);
    for query in [start(&events, "events"), start(&unique, "unique")] {
        query.process_all_available().expect("query");
        query.stop();
        assert!(query.exception().is_none(), "{:?}", query.exception());
    }
}

/// Starts `worker` (a test of this module) on `dir`.
fn spawn_worker(dir: &Path, worker: &str) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([worker, "--exact", "--ignored", "--test-threads=1"])
        .env("SPATE_CRASH_DIR", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn worker")
}

/// The committed rows of a Parquet sink's output, as sorted text lines.
fn committed_rows(
    spark: &Session,
    path: &Path,
    schema: arrow::datatypes::SchemaRef,
) -> Vec<String> {
    let batches = spark
        .read()
        .format("parquet")
        .schema(schema)
        .load(path)
        .and_then(|df| df.collect())
        .expect("read output");
    let mut rows = Vec::new();
    for batch in batches {
        for i in 0..batch.num_rows() {
            let cells: Vec<String> = batch
                .columns()
                .iter()
                .map(|c| match c.data_type() {
                    arrow::datatypes::DataType::Struct(_) => {
                        let start = c.as_struct().column(0).clone();
                        let start = start.as_primitive::<TimestampMicrosecondType>();
                        format!("w{}", start.value(i))
                    }
                    arrow::datatypes::DataType::Int64 => {
                        format!("{}", c.as_primitive::<Int64Type>().value(i))
                    }
                    _ => arrow::util::display::array_value_to_string(c, i).unwrap_or_default(),
                })
                .collect();
            rows.push(cells.join("|"));
        }
    }
    rows.sort();
    rows
}

/// The aggregation's output schema.
fn counts_schema() -> arrow::datatypes::SchemaRef {
    use arrow::datatypes::{DataType, Field, Schema};
    std::sync::Arc::new(Schema::new(vec![
        Field::new(
            "window",
            spate::operators::aggregate::TimeWindow::data_type(),
            true,
        ),
        Field::new("name", DataType::Utf8, true),
        Field::new("count", DataType::Int64, true),
    ]))
}

#[test]
fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    // Kill moments: a seeded share of a 25th of the whole job, so that the kills land in
    // start-up, restore and epochs alike, and the job outlives KILLS runs.
    crash_and_compare("crash::worker", 20_241_125, 25, true);
}

/// Runs `worker` once uninterrupted (`clean`), then (`crashed`) SIGKILLs it at seeded
/// moments within the first `1/window` of the uninterrupted run's time, restarting it on
/// the same directories, up to KILLS times; a run that finishes first is a failure when
/// `kill_every_run`, else it ends the kills (at least 3 needed). Then one run to the end,
/// and both outputs must hold the same rows.
fn crash_and_compare(worker: &str, seed: u64, window: u32, kill_every_run: bool) {
    let scratch = tempfile::tempdir().expect("tempdir");
    let root = std::env::var("SPATE_CRASH_KEEP")
        .map(|keep| PathBuf::from(keep).join(worker))
        .unwrap_or_else(|_| scratch.path().to_path_buf());
    let (clean, crashed) = (root.join("clean"), root.join("crashed"));
    for dir in [&clean, &crashed] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).expect("previous run");
        }
    }
    write_input(&clean.join("input"));
    write_input(&crashed.join("input"));

    // The uninterrupted run, timed to spread the kills over the job.
    let started = Instant::now();
    let status = spawn_worker(&clean, worker)
        .wait()
        .expect("uninterrupted run");
    assert!(status.success(), "the uninterrupted run failed");
    let clean_run = started.elapsed();

    let mut seed = seed;
    let mut kills = 0;
    while kills < KILLS {
        let mut worker = spawn_worker(&crashed, worker);
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let share = (seed >> 33) % 1000;
        std::thread::sleep(clean_run / window * share as u32 / 1000);
        if worker.try_wait().expect("worker status").is_some() {
            assert!(
                !kill_every_run,
                "the job finished after only {kills} kills; kill sooner"
            );
            break;
        }
        worker.kill().expect("SIGKILL");
        worker.wait().expect("reap");
        kills += 1;
    }
    assert!(kills >= 3, "only {kills} kills before a run finished");
    let status = spawn_worker(&crashed, worker).wait().expect("last run");
    assert!(status.success(), "the run after {kills} kills failed");
    compare_outputs(&clean, &crashed, kills);
}

/// Whether every output under `crashed` holds exactly the rows of the one under `clean`.
fn compare_outputs(clean: &Path, crashed: &Path, kills: usize) {
    let spark = Session::builder()
        .master("local[2]")
        .get_or_create()
        .expect("session");
    let unique_schema = spate::types::parse_ddl(
        "id INT, name STRING, value DOUBLE, timestamp STRING, event_time TIMESTAMP",
    )
    .expect("schema");
    let pairs_schema =
        spate::types::parse_ddl("id INT, name STRING, event_time TIMESTAMP, t2 TIMESTAMP")
            .expect("schema");
    let events_schema =
        spate::types::parse_ddl("id INT, name STRING, value DOUBLE, timestamp STRING")
            .expect("schema");
    for (name, schema) in [
        ("counts", counts_schema()),
        ("unique", unique_schema),
        ("pairs", pairs_schema),
        ("events", events_schema),
    ] {
        if !clean.join(format!("out-{name}")).exists() {
            continue;
        }
        let expected = committed_rows(&spark, &clean.join(format!("out-{name}")), schema.clone());
        let actual = committed_rows(&spark, &crashed.join(format!("out-{name}")), schema);
        assert!(!expected.is_empty(), "{name}: the clean run wrote nothing");
        let missing: Vec<&String> = expected.iter().filter(|r| !actual.contains(r)).collect();
        let extra: Vec<&String> = actual.iter().filter(|r| !expected.contains(r)).collect();
        assert!(
            actual == expected,
            "{name} after {kills} kills: {} rows, {} expected; missing {missing:?}, extra {extra:?}",
            actual.len(),
            expected.len()
        );
    }
}

#[test]
fn continuous_epochs_survive_sigkill() {
    // Kills in the first quarter of a whole job's time (start-up included), until a run
    // gets to finish.
    crash_and_compare("crash::continuous_worker", 20_261_126, 4, false);
}
