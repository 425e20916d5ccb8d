//! The continuous trigger through the facade: rows flow as they arrive, every interval an
//! epoch commits, and a restart neither loses nor repeats a row.

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use spate::functions::col;
use spate::{Session, Trigger};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn session() -> Session {
    Session::builder()
        .master("local[2]")
        .get_or_create()
        .expect("session")
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
        std::fs::write(input.join(file), lines).expect("write");
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
