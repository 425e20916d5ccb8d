//! The continuous trigger through the facade: rows flow as they arrive, every interval an
//! epoch commits, and a restart neither loses nor repeats a row.

use crate::support::{place_file, session, windowed_word_counts};
use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use spate::functions::col;
use spate::{Session, Trigger};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Strings a `foreach` sink collected.
type Strings = Arc<Mutex<Vec<String>>>;

/// A `foreach` function appending string column `column` of every batch to `into`.
fn collect_strings(
    column: usize,
    into: Strings,
) -> impl FnMut(&RecordBatch, u64) -> spate::Result<()> + Send + 'static {
    move |batch, _epoch| {
        let values = batch.column(column).as_string::<i32>();
        let mut into = into.lock().expect("lock");
        into.extend(values.iter().map(|v| v.unwrap_or_default().to_string()));
        Ok(())
    }
}

/// Waits (up to 10 s) until `strings` holds `rows` strings.
fn wait_for_rows(strings: &Strings, rows: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while strings.lock().expect("lock").len() < rows {
        assert!(Instant::now() < deadline, "the rows did not arrive");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Per committed epoch: its id and the `value` column's values.
type Epochs = Arc<Mutex<Vec<(u64, Vec<i64>)>>>;

/// Runs a continuous `rate` stream into `foreach_batch` until `epochs` epochs committed.
fn run_rate(spark: &Session, checkpoint: &Path, epochs: usize) -> Vec<(u64, Vec<i64>)> {
    let seen: Epochs = Arc::default();
    let sink = seen.clone();
    let query = spark
        .read_stream()
        .format("rate")
        .option("rowsPerSecond", 2000)
        .option("numPartitions", 2)
        .load_source()
        .expect("rate")
        .write_stream()
        .trigger(Trigger::continuous("100 milliseconds").expect("trigger"))
        .option("checkpointLocation", checkpoint.display())
        .foreach_batch(move |batches: &[RecordBatch], id| {
            let mut values: Vec<i64> = batches
                .iter()
                .flat_map(|b| b.column(1).as_primitive::<Int64Type>().values().to_vec())
                .collect();
            values.sort_unstable();
            sink.lock().expect("lock").push((id, values));
            Ok(())
        })
        .start()
        .expect("start");
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.lock().expect("lock").len() < epochs {
        assert!(Instant::now() < deadline, "too few epochs");
        std::thread::sleep(Duration::from_millis(5));
    }
    query.stop();
    assert!(query.exception().is_none());
    let seen = seen.lock().expect("lock").clone();
    seen
}

#[test]
fn a_continuous_rate_stream_delivers_every_value_once_across_epochs_and_restarts() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let checkpoint = dir.path().join("chk");
    let first = run_rate(&spark, &checkpoint, 3);
    let second = run_rate(&spark, &checkpoint, 2);
    let all: Vec<(u64, Vec<i64>)> = first.into_iter().chain(second).collect();
    let ids: Vec<u64> = all.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, (0..all.len() as u64).collect::<Vec<_>>());
    let values: Vec<i64> = all.iter().flat_map(|(_, v)| v.clone()).collect();
    assert!(!values.is_empty());
    assert_eq!(values, (0..values.len() as i64).collect::<Vec<_>>());
}

#[test]
fn a_continuous_aggregation_emits_updates_as_rows_arrive() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    let write = |file: &str, names: &[&str]| {
        let lines: String = names
            .iter()
            .map(|n| format!("{{\"name\": \"{n}\", \"value\": 1.0}}\n"))
            .collect();
        place_file(&input.join(file), lines);
    };
    write("a.json", &["cat", "dog", "cat"]);
    let query = spark
        .read_stream()
        .format("json")
        .schema("name STRING, value DOUBLE")
        .load(&input)
        .expect("load")
        .group_by([col("name")])
        .count()
        .expect("count")
        .write_stream()
        .format("memory")
        .query_name("continuous_counts")
        .output_mode("update")
        .trigger(Trigger::continuous("200 milliseconds").expect("trigger"))
        .start()
        .expect("start");
    query.process_all_available().expect("first file");
    write("b.json", &["cat", "owl"]);
    query.process_all_available().expect("second file");
    query.stop();
    // Each update row carries the group's count at the time: the last one per name is the
    // total.
    let mut latest = std::collections::BTreeMap::new();
    for batch in spark.table("continuous_counts").expect("table").collect() {
        let names = batch.column(0).as_string::<i32>();
        let counts = batch.column(1).as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            latest.insert(names.value(row).to_string(), counts.value(row));
        }
    }
    let expected = [("cat", 3), ("dog", 1), ("owl", 1)].map(|(n, c)| (n.to_string(), c));
    assert_eq!(latest, expected.into_iter().collect());
    assert!(query.recent_progress().iter().any(|p| p.num_input_rows > 0));
}

#[test]
fn socket_lines_reach_the_sink_before_their_epoch_ends() {
    use std::io::Write;
    let server = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = server.local_addr().expect("address").port();
    let spark = session();
    let lines: Strings = Arc::default();
    let query = spark
        .read_stream()
        .format("socket")
        .option("host", "127.0.0.1")
        .option("port", port)
        .load_source()
        .expect("socket")
        .write_stream()
        .trigger(Trigger::continuous("1 minute").expect("trigger"))
        .foreach(collect_strings(0, lines.clone()))
        .start()
        .expect("start");
    let (mut client, _) = server.accept().expect("accept");
    client.write_all(b"to be or\nnot to be\n").expect("write");
    wait_for_rows(&lines, 2);
    // The epoch is still open.
    assert!(nothing_committed(&query));
    query.stop();
    assert_eq!(*lines.lock().expect("lock"), ["to be or", "not to be"]);
    let progress = query.last_progress().expect("progress");
    assert_eq!(progress.num_input_rows, 2);
    assert_eq!(
        progress.sources[0].description,
        format!("TextSocketV2[host: 127.0.0.1, port: {port}]")
    );
}

/// The JSON stream of `write_ids` files under `path`.
fn id_stream(spark: &Session, path: &Path) -> spate::DataFrame {
    spark
        .read_stream()
        .format("json")
        .schema("id BIGINT, name STRING")
        .load(path)
        .expect("load")
}

/// Whether `query` has committed no rows yet (its epoch is still open).
fn nothing_committed(query: &spate::StreamingQuery) -> bool {
    query
        .recent_progress()
        .iter()
        .all(|p| p.num_input_rows == 0)
}

/// Writes `ids` as one JSON file of lab-shaped rows.
fn write_ids(dir: &Path, file: &str, ids: std::ops::Range<i64>) {
    std::fs::create_dir_all(dir).expect("dir");
    let lines: String = ids
        .map(|id| format!("{{\"id\": {id}, \"name\": \"e{}\"}}\n", id % 3))
        .collect();
    place_file(&dir.join(file), lines);
}

#[test]
fn a_continuous_parquet_sink_writes_each_row_once_across_restarts() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, out) = (dir.path().join("in"), dir.path().join("out"));
    let run = || {
        let query = id_stream(&spark, &input)
            .write_stream()
            .format("parquet")
            .option("path", out.display())
            .option("checkpointLocation", dir.path().join("cp").display())
            .trigger(Trigger::continuous("100 milliseconds").expect("trigger"))
            .start()
            .expect("start");
        query.process_all_available().expect("run");
        query.stop();
    };
    write_ids(&input, "a.json", 0..100);
    write_ids(&input, "b.json", 100..150);
    run();
    write_ids(&input, "c.json", 150..160);
    run();
    let mut ids: Vec<i64> = spark
        .read()
        .format("parquet")
        .schema("id BIGINT, name STRING")
        .load(&out)
        .expect("read")
        .collect()
        .expect("collect")
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..160).collect::<Vec<_>>());
}

#[test]
fn continuous_deduplication_passes_first_rows_on_before_the_epoch_ends() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    write_ids(&input, "a.json", 0..30);
    let names: Strings = Arc::default();
    let query = id_stream(&spark, &input)
        .drop_duplicates(["name"])
        .expect("dedup")
        .write_stream()
        .trigger(Trigger::continuous("1 minute").expect("trigger"))
        .foreach(collect_strings(1, names.clone()))
        .start()
        .expect("start");
    wait_for_rows(&names, 3);
    assert!(nothing_committed(&query));
    write_ids(&input, "b.json", 30..40);
    query.process_all_available().expect("run");
    query.stop();
    let mut names = names.lock().expect("lock").clone();
    names.sort();
    assert_eq!(names, ["e0", "e1", "e2"]);
}

#[test]
fn a_continuous_join_passes_matches_on_before_the_epoch_ends() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let (left_dir, right_dir) = (dir.path().join("left"), dir.path().join("right"));
    write_ids(&left_dir, "a.json", 0..20);
    write_ids(&right_dir, "a.json", 10..30);
    let right = id_stream(&spark, &right_dir)
        .select([col("id").alias("id2"), col("name").alias("name2")])
        .expect("right");
    let names: Strings = Arc::default();
    let query = id_stream(&spark, &left_dir)
        .join(&right, "id = id2", "inner")
        .expect("join")
        .write_stream()
        .trigger(Trigger::continuous("1 minute").expect("trigger"))
        .foreach(collect_strings(3, names.clone()))
        .start()
        .expect("start");
    // Ids 10..20 meet on both sides, long before the minute is over.
    wait_for_rows(&names, 10);
    assert!(nothing_committed(&query));
    write_ids(&right_dir, "b.json", 0..2);
    wait_for_rows(&names, 12);
    query.stop();
    let progress = query.last_progress().expect("progress");
    assert_eq!(progress.num_input_rows, 42);
    assert_eq!(names.lock().expect("lock").len(), 12);
}

#[test]
fn a_continuous_append_aggregation_emits_a_window_once_the_watermark_passes_it() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    let write = |file: &str, rows: &[(&str, &str)]| {
        let lines: String = rows
            .iter()
            .map(|(time, word)| {
                format!("{{\"event_time\": \"2024-01-15 {time}\", \"word\": \"{word}\"}}\n")
            })
            .collect();
        place_file(&input.join(file), lines);
    };
    write(
        "a.json",
        &[
            ("10:01:00", "cat"),
            ("10:02:00", "cat"),
            ("10:03:00", "dog"),
        ],
    );
    let counts: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
    let sink = counts.clone();
    let query = windowed_word_counts(&spark, &input, "5 minutes")
        .write_stream()
        .output_mode("append")
        .trigger(Trigger::continuous("1 minute").expect("trigger"))
        .foreach(move |batch, _epoch| {
            let words = batch.column(1).as_string::<i32>();
            let numbers = batch.column(2).as_primitive::<Int64Type>();
            let mut counts = sink.lock().expect("lock");
            for row in 0..batch.num_rows() {
                counts.push((words.value(row).to_string(), numbers.value(row)));
            }
            Ok(())
        })
        .start()
        .expect("start");
    query.process_all_available().expect("first file");
    // Nothing is final while the watermark (latest event − 10 minutes) is before 10:05.
    assert!(counts.lock().expect("lock").is_empty());
    write("b.json", &[("10:30:00", "owl")]);
    query.process_all_available().expect("second file");
    let deadline = Instant::now() + Duration::from_secs(10);
    while counts.lock().expect("lock").len() < 2 {
        assert!(Instant::now() < deadline, "the window was not finalised");
        query.process_all_available().expect("no-data epochs");
        std::thread::sleep(Duration::from_millis(5));
    }
    query.stop();
    let mut counts = counts.lock().expect("lock").clone();
    counts.sort();
    assert_eq!(counts, [("cat".to_string(), 2), ("dog".to_string(), 1)]);
}
