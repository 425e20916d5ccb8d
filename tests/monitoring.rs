//! Query monitoring and management (SEMANTICS.md §10): listeners and their order, awaiting
//! termination, exceptions, `spark.streams`.

use crate::support::{session, set_mtime, windowed_word_counts};
use spate::functions::{col, to_timestamp};
use spate::{
    QueryIdleEvent, QueryProgressEvent, QueryStartedEvent, QueryTerminatedEvent, Session,
    StreamingQueryListener, Trigger,
};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Records every event as a line.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn lines(&self) -> Vec<String> {
        self.0.lock().expect("lock").clone()
    }

    /// Waits (events arrive on the listener thread) until a line starts with `prefix`.
    fn wait_for(&self, prefix: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !self.lines().iter().any(|l| l.starts_with(prefix)) {
            assert!(std::time::Instant::now() < deadline, "no {prefix} event");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn push(&self, line: String) {
        self.0.lock().expect("lock").push(line);
    }
}

impl StreamingQueryListener for Recorder {
    fn on_query_started(&self, e: &QueryStartedEvent) {
        self.push(format!("started {}", e.name.as_deref().unwrap_or("-")));
    }
    fn on_query_progress(&self, e: &QueryProgressEvent) {
        self.push(format!(
            "progress {} rows {}",
            e.progress.batch_id, e.progress.num_input_rows
        ));
    }
    fn on_query_idle(&self, _: &QueryIdleEvent) {
        self.push("idle".into());
    }
    fn on_query_terminated(&self, e: &QueryTerminatedEvent) {
        let class = e.error_class_on_exception.as_deref().unwrap_or("-");
        self.push(format!("terminated {class}"));
    }
}

/// Two lab files; the second one's second row has a timestamp ANSI refuses.
fn input(dir: &Path, bad: bool) {
    std::fs::create_dir_all(dir).expect("dir");
    for i in 0..2u64 {
        let t = if bad && i == 1 {
            "not a time"
        } else {
            "2024-01-15 10:00:00"
        };
        let path = dir.join(format!("e{i}.json"));
        std::fs::write(
            &path,
            format!("{{\"id\": {i}, \"name\": \"n\", \"value\": 1.0, \"timestamp\": \"{t}\"}}\n"),
        )
        .expect("write");
        set_mtime(&path, 1_705_312_800_000 + i * 1000);
    }
}

fn stream(spark: &Session, dir: &Path) -> spate::DataFrame {
    spark
        .read_stream()
        .format("json")
        .schema("id INT, name STRING, value DOUBLE, timestamp STRING")
        .option("maxFilesPerTrigger", 1)
        .load(dir)
        .and_then(|df| df.with_column("event_time", to_timestamp(col("timestamp"))))
        .expect("stream")
}

#[test]
fn listeners_see_start_progress_and_termination_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    input(&dir.path().join("in"), false);
    let spark = session();
    let recorder = Arc::new(Recorder::default());
    spark.streams().add_listener(recorder.clone());
    let query = stream(&spark, &dir.path().join("in"))
        .write_stream()
        .query_name("watched")
        .trigger(Trigger::AvailableNow)
        .option("checkpointLocation", dir.path().join("chk").display())
        .foreach_batch(|_, _| Ok(()))
        .start()
        .expect("start");
    // onQueryStarted runs before start() returns.
    assert_eq!(
        recorder.lines().first().map(String::as_str),
        Some("started watched")
    );
    query.await_termination().expect("run");
    assert!(spark
        .streams()
        .await_any_termination_timeout(Duration::from_secs(10))
        .expect("terminated"));
    recorder.wait_for("terminated");
    assert_eq!(
        recorder.lines(),
        [
            "started watched",
            "progress 0 rows 1",
            "progress 1 rows 1",
            "terminated -"
        ]
    );
}

#[test]
fn a_failed_query_reports_its_exception_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    input(&dir.path().join("in"), true);
    let spark = session();
    let recorder = Arc::new(Recorder::default());
    let listener: Arc<dyn StreamingQueryListener> = recorder.clone();
    spark.streams().add_listener(listener.clone());
    let query = stream(&spark, &dir.path().join("in"))
        .write_stream()
        .trigger(Trigger::AvailableNow)
        .option("checkpointLocation", dir.path().join("chk").display())
        .foreach_batch(|_, _| Ok(()))
        .start()
        .expect("start");
    let error = query
        .await_termination()
        .expect_err("the bad timestamp fails the query");
    assert!(
        error
            .to_string()
            .starts_with("[STREAM_FAILED] Query [id = "),
        "{error}"
    );
    assert!(error.cause.to_string().starts_with("[CAST_INVALID_INPUT]"));
    assert_eq!(
        query.exception().map(|e| e.to_string()),
        Some(error.to_string())
    );
    assert!(!query.is_active());
    assert!(query
        .status()
        .message
        .starts_with("Terminated with exception: [CAST_INVALID_INPUT]"));
    let failure = spark.streams().await_any_termination().expect_err("failed");
    assert!(
        failure.to_string().contains("[CAST_INVALID_INPUT]"),
        "{failure}"
    );
    // The bus delivers asynchronously; the terminated event carries the error class.
    recorder.wait_for("terminated");
    assert_eq!(
        recorder.lines().last().map(String::as_str),
        Some("terminated CAST_INVALID_INPUT")
    );
    spark.streams().remove_listener(&listener);
    spark.streams().reset_terminated();
    assert!(!spark
        .streams()
        .await_any_termination_timeout(Duration::from_millis(50))
        .expect("nothing terminated since the reset"));
}

#[test]
fn await_termination_times_out_on_a_running_query_and_names_are_unique() {
    let dir = tempfile::tempdir().expect("tempdir");
    input(&dir.path().join("in"), false);
    let spark = session();
    let start = || {
        stream(&spark, &dir.path().join("in"))
            .write_stream()
            .query_name("only_one")
            .trigger(Trigger::processing_time("1 second").expect("trigger"))
            .foreach_batch(|_, _| Ok(()))
            .start()
    };
    let query = start().expect("start");
    assert!(!query
        .await_termination_timeout(Duration::from_millis(100))
        .expect("still running"));
    let Err(error) = start() else {
        panic!("two active queries named only_one");
    };
    assert_eq!(
        error.to_string(),
        "Cannot start query with name only_one as a query with that name is already active in this SparkSession"
    );
    assert_eq!(spark.streams().active().len(), 1);
    assert!(spark.streams().get(query.id()).is_some());
    query.stop();
    assert!(query
        .await_termination_timeout(Duration::from_secs(10))
        .expect("stopped cleanly"));
    // A timeout too long for the clock is no timeout, not a panic.
    assert!(query
        .await_termination_timeout(Duration::MAX)
        .expect("stopped cleanly"));
    assert!(query.exception().is_none());
    assert!(spark.streams().get(query.id()).is_none());
}

/// Idle triggers (`noDataProgressEventInterval` 0 here, 10 s by default) report the next
/// batch id, no rows, and the state as the last batch left it with the update counts reset;
/// a batch run only to clean up state shows Spark's status message.
#[test]
fn idle_reports_and_no_data_batches_look_like_sparks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    std::fs::write(
        input.join("a.json"),
        "{\"event_time\": \"2024-01-01 12:02:00\", \"word\": \"cat\"}\n{\"event_time\": \"2024-01-01 12:07:00\", \"word\": \"dog\"}\n",
    )
    .expect("write");
    let spark = Session::builder()
        .master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.streaming.noDataProgressEventInterval", 0)
        .get_or_create()
        .expect("session");
    let recorder = Arc::new(Recorder::default());
    spark.streams().add_listener(recorder.clone());
    let handle: Arc<Mutex<Option<spate::StreamingQuery>>> = Arc::default();
    let statuses: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    let (seen, status_sink) = (handle.clone(), statuses.clone());
    let query = windowed_word_counts(&spark, &input, "10 minutes")
        .write_stream()
        .output_mode("update")
        .option("checkpointLocation", dir.path().join("chk").display())
        .foreach_batch(move |_, id| {
            if let Some(query) = seen.lock().expect("lock").as_ref() {
                status_sink
                    .lock()
                    .expect("lock")
                    .push((id, query.status().message));
            }
            Ok(())
        })
        .start()
        .expect("start");
    *handle.lock().expect("lock") = Some(query.clone());
    query.process_all_available().expect("batches");
    recorder.wait_for("idle");
    query.stop();
    // Batch 1 ran with no new data, only because the watermark moved.
    let statuses = statuses.lock().expect("lock").clone();
    assert!(
        statuses.contains(&(1, "No new data but cleaning up state".to_string())),
        "{statuses:?}"
    );
    let idle = query
        .recent_progress()
        .into_iter()
        .rev()
        .find(|p| !p.duration_ms.contains_key("addBatch"))
        .expect("an idle report");
    assert_eq!((idle.batch_id, idle.num_input_rows), (2, 0));
    let state = &idle.state_operators[0];
    assert_eq!((state.num_rows_total, state.num_rows_updated), (2, 0));
}
