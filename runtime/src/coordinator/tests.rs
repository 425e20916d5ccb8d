use crate::testing::{values, values_of, CollectSink, PassThrough, VecSource};
use crate::{start_query, ActorSystem, Error, QueryConfig, Topology, Trigger};
use std::time::Duration;

fn pipeline(
    source: &VecSource,
    fail_on: Option<i64>,
    sink_delay: Duration,
) -> (Topology, crate::testing::Collected) {
    let mut topology = Topology::new();
    let s = topology.add_source(Box::new(source.clone()));
    let op = topology.add_operator(Box::new(PassThrough { fail_on }), 1);
    let (sink, collected) = CollectSink::new(sink_delay);
    let k = topology.add_sink(Box::new(sink));
    topology.connect(s, op, 0).unwrap();
    topology.connect(op, k, 0).unwrap();
    (topology, collected)
}

#[test]
fn available_now_runs_one_epoch_per_limit_and_stops() {
    let system = std::sync::Arc::new(ActorSystem::start(2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = VecSource::new(Some(1));
    for i in 0..3 {
        source.push(values(&[i, i + 10]));
    }
    let (topology, collected) = pipeline(&source, None, Duration::ZERO);
    let mut config = QueryConfig::new(dir.path());
    config.trigger = Trigger::AvailableNow;
    let query = start_query(&system, topology, config).unwrap();
    assert!(query
        .await_termination_timeout(Duration::from_secs(10))
        .unwrap());
    let epochs = collected.lock().unwrap().clone();
    let seen: Vec<(u64, Vec<i64>)> = epochs
        .iter()
        .map(|(e, b)| (*e, b.iter().flat_map(values_of).collect()))
        .collect();
    assert_eq!(
        seen,
        vec![(0, vec![0, 10]), (1, vec![1, 11]), (2, vec![2, 12])]
    );
    let progress = query.recent_progress();
    assert_eq!(
        progress.iter().map(|p| p.batch_id).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_eq!(progress[2].num_input_rows, 2);
    assert_eq!(
        progress[2].sources[0].start_offset,
        Some(serde_json::json!({"index": 2}))
    );
    assert_eq!(progress[2].sink.num_output_rows, 2);
    assert_eq!(query.status().message, "Stopped");
    assert!(!query.is_active());
    for batch in 0..3 {
        assert!(dir.path().join(format!("offsets/{batch}")).exists());
        assert!(dir.path().join(format!("commits/{batch}")).exists());
    }
}

#[test]
fn restart_resumes_after_the_last_commit_and_replays_an_uncommitted_batch() {
    let system = std::sync::Arc::new(ActorSystem::start(2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = VecSource::new(Some(1));
    source.push(values(&[1]));
    source.push(values(&[2]));
    let run = |source: &VecSource| {
        let (topology, collected) = pipeline(source, None, Duration::ZERO);
        let mut config = QueryConfig::new(dir.path());
        config.trigger = Trigger::AvailableNow;
        let query = start_query(&system, topology, config).unwrap();
        query.await_termination().unwrap();
        let seen: Vec<(u64, Vec<i64>)> = collected
            .lock()
            .unwrap()
            .iter()
            .map(|(e, b)| (*e, b.iter().flat_map(values_of).collect()))
            .collect();
        (query.id().to_string(), seen)
    };
    let (first_id, first) = run(&source);
    assert_eq!(first, vec![(0, vec![1]), (1, vec![2])]);
    // Batch 1 logged but not committed: it runs again with the same offsets.
    std::fs::remove_file(dir.path().join("commits/1")).unwrap();
    source.push(values(&[3]));
    let (second_id, second) = run(&source);
    assert_eq!(first_id, second_id, "the query id survives restarts");
    assert_eq!(second, vec![(1, vec![2]), (2, vec![3])]);

    // Everything committed and no new input: nothing runs, and the only progress is an idle
    // one carrying the next batch id (SEMANTICS.md §1.4).
    let (topology, collected) = pipeline(&source, None, Duration::ZERO);
    let mut config = QueryConfig::new(dir.path());
    config.trigger = Trigger::AvailableNow;
    let query = start_query(&system, topology, config).unwrap();
    query.await_termination().unwrap();
    assert!(collected.lock().unwrap().is_empty());
    let progress = query.recent_progress();
    assert_eq!(progress.len(), 1);
    assert_eq!((progress[0].batch_id, progress[0].num_input_rows), (3, 0));
    assert_eq!(progress[0].sink.num_output_rows, -1);
    assert_eq!(
        progress[0].duration_ms.keys().collect::<Vec<_>>(),
        ["latestOffset", "triggerExecution"]
    );
}

#[test]
fn a_failing_operator_terminates_the_query_with_its_error() {
    let system = std::sync::Arc::new(ActorSystem::start(2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = VecSource::new(Some(1));
    source.push(values(&[1]));
    source.push(values(&[13]));
    let (topology, collected) = pipeline(&source, Some(13), Duration::ZERO);
    let query = start_query(&system, topology, QueryConfig::new(dir.path())).unwrap();
    let error = query.await_termination().unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("[STREAM_FAILED] Query [id = "),
        "{error}"
    );
    assert!(error.to_string().contains("bad value 13"), "{error}");
    assert!(matches!(*error.cause, Error::IllegalArgument(_)));
    assert_eq!(
        collected.lock().unwrap().len(),
        1,
        "batch 0 committed before the failure"
    );
    assert!(dir.path().join("offsets/1").exists() && !dir.path().join("commits/1").exists());
    assert!(query.exception().is_some());
}

#[test]
fn default_trigger_picks_up_new_data_and_stop_ends_the_query() {
    let system = std::sync::Arc::new(ActorSystem::start(2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = VecSource::new(None);
    let (topology, collected) = pipeline(&source, None, Duration::ZERO);
    let query = start_query(&system, topology, QueryConfig::new(dir.path())).unwrap();
    source.push(values(&[1, 2]));
    query.process_all_available().unwrap();
    source.push(values(&[3]));
    query.process_all_available().unwrap();
    assert!(query.is_active());
    query.stop();
    assert!(!query.is_active());
    let all: Vec<i64> = collected
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, b)| b.iter().flat_map(values_of))
        .collect();
    assert_eq!(all, vec![1, 2, 3]);
}

#[test]
fn processing_time_once_reads_everything_in_one_batch() {
    let system = std::sync::Arc::new(ActorSystem::start(1).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = VecSource::new(Some(1));
    for i in 0..3 {
        source.push(values(&[i]));
    }
    let (topology, collected) = pipeline(&source, None, Duration::ZERO);
    let mut config = QueryConfig::new(dir.path());
    config.trigger = Trigger::Once;
    let query = start_query(&system, topology, config).unwrap();
    query.await_termination().unwrap();
    let epochs = collected.lock().unwrap();
    assert_eq!(epochs.len(), 1);
    assert_eq!(
        epochs[0].1.iter().flat_map(values_of).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
}

#[test]
fn a_slow_sink_slows_the_source_down_with_bounded_rows_in_flight() {
    let system = std::sync::Arc::new(ActorSystem::start(2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = VecSource::new(None);
    for i in 0..60 {
        source.push(values(&(i * 100..i * 100 + 100).collect::<Vec<_>>()));
    }
    let mut topology = Topology::new();
    let s = topology.add_source(Box::new(source.clone()));
    let op = topology.add_operator(Box::new(PassThrough { fail_on: None }), 1);
    let (mut sink, collected) = CollectSink::new(Duration::from_millis(3));
    sink.upstream = Some(source.rows_read.clone());
    let max_ahead = sink.max_ahead.clone();
    let k = topology.add_sink(Box::new(sink));
    topology.connect(s, op, 0).unwrap();
    topology.connect(op, k, 0).unwrap();
    let mut config = QueryConfig::new(dir.path());
    config.trigger = Trigger::AvailableNow;
    config.edge_capacity_rows = 200;
    let query = start_query(&system, topology, config).unwrap();
    query.await_termination().unwrap();
    let rows: usize = collected
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, b)| b.iter().map(|b| b.num_rows()))
        .sum();
    assert_eq!(rows, 6000, "nothing lost");
    // Two edges of 200 rows, one batch in the operator's hands and one being read: the
    // source can never run further ahead, however slow the sink.
    let ahead = max_ahead.load(std::sync::atomic::Ordering::SeqCst);
    assert!(ahead <= 600, "source ran {ahead} rows ahead of the sink");
    assert!(
        ahead >= 100,
        "the measurement saw the source ahead ({ahead})"
    );
}

#[test]
fn barriers_align_across_two_inputs_when_one_source_is_slow() {
    let system = std::sync::Arc::new(ActorSystem::start(2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let fast = VecSource::new(Some(1));
    let mut slow = VecSource::new(Some(1));
    slow.read_delay = Duration::from_millis(20);
    for epoch in 0..3 {
        fast.push(values(&[epoch * 10]));
        slow.push(values(&[epoch * 10 + 1]));
    }
    let mut topology = Topology::new();
    let a = topology.add_source(Box::new(fast));
    let b = topology.add_source(Box::new(slow));
    let union = topology.add_operator(Box::new(PassThrough { fail_on: None }), 2);
    let (sink, collected) = CollectSink::new(Duration::ZERO);
    let k = topology.add_sink(Box::new(sink));
    topology.connect(a, union, 0).unwrap();
    topology.connect(b, union, 1).unwrap();
    topology.connect(union, k, 0).unwrap();
    let mut config = QueryConfig::new(dir.path());
    config.trigger = Trigger::AvailableNow;
    let query = start_query(&system, topology, config).unwrap();
    query.await_termination().unwrap();
    let epochs: Vec<(u64, Vec<i64>)> = collected
        .lock()
        .unwrap()
        .iter()
        .map(|(e, b)| {
            let mut v: Vec<i64> = b.iter().flat_map(values_of).collect();
            v.sort();
            (*e, v)
        })
        .collect();
    assert_eq!(
        epochs,
        vec![(0, vec![0, 1]), (1, vec![10, 11]), (2, vec![20, 21])]
    );
}

struct Panics;

impl crate::Operator for Panics {
    fn name(&self) -> &str {
        "Panics"
    }

    fn on_data(
        &mut self,
        _port: usize,
        _batch: arrow::record_batch::RecordBatch,
        _out: &mut crate::Output,
    ) -> crate::Result<()> {
        panic!("a bug in an operator")
    }
}

#[test]
fn a_panicking_operator_fails_the_query_instead_of_hanging_it() {
    let system = std::sync::Arc::new(ActorSystem::start(2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = VecSource::new(None);
    source.push(values(&[1]));
    let mut topology = Topology::new();
    let s = topology.add_source(Box::new(source));
    let op = topology.add_operator(Box::new(Panics), 1);
    let (sink, _) = CollectSink::new(Duration::ZERO);
    let k = topology.add_sink(Box::new(sink));
    topology.connect(s, op, 0).unwrap();
    topology.connect(op, k, 0).unwrap();
    let query = start_query(&system, topology, QueryConfig::new(dir.path())).unwrap();
    let error = query
        .await_termination_timeout(Duration::from_secs(10))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Panics panicked: a bug in an operator"),
        "{error}"
    );
}

#[test]
fn an_operator_without_inputs_is_refused() {
    let system = std::sync::Arc::new(ActorSystem::start(1).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (mut topology, _) = pipeline(&VecSource::new(None), None, Duration::ZERO);
    topology.add_operator(Box::new(PassThrough { fail_on: None }), 0);
    let error = start_query(&system, topology, QueryConfig::new(dir.path()))
        .err()
        .unwrap();
    assert!(error.to_string().contains("has no input"), "{error}");
}

/// Waits (up to 10 s) until `condition` holds.
fn wait_until(condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn continuous_epochs_pass_rows_on_at_once_and_commit_each_interval() {
    use std::sync::atomic::Ordering;
    let system = std::sync::Arc::new(ActorSystem::start(2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = VecSource::new(None);
    let run = || {
        let mut topology = Topology::new();
        let s = topology.add_source(Box::new(source.clone()));
        let (sink, collected) = CollectSink::new(Duration::ZERO);
        let received = sink.received.clone();
        let k = topology.add_sink(Box::new(sink));
        topology.connect(s, k, 0).unwrap();
        let mut config = QueryConfig::new(dir.path());
        config.trigger = Trigger::continuous("2 seconds").unwrap();
        let query = start_query(&system, topology, config).unwrap();
        (query, collected, received)
    };
    let committed_values = |collected: &crate::testing::Collected| -> Vec<(u64, Vec<i64>)> {
        let epochs = collected.lock().unwrap();
        epochs
            .iter()
            .map(|(e, b)| (*e, b.iter().flat_map(values_of).collect()))
            .collect()
    };

    let (query, collected, received) = run();
    source.push(values(&[1, 2]));
    // The rows reach the sink while their epoch is still open.
    wait_until(|| received.load(Ordering::SeqCst) == 2);
    assert!(collected.lock().unwrap().is_empty());
    source.push(values(&[3]));
    wait_until(|| received.load(Ordering::SeqCst) == 3);
    query.process_all_available().unwrap();
    let epochs = committed_values(&collected);
    assert_eq!(
        epochs
            .iter()
            .flat_map(|(_, v)| v.clone())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(epochs[0].0, 0);
    let last = epochs.len() as u64 - 1;
    let logged: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(dir.path().join(format!("offsets/{last}")))
            .unwrap()
            .lines()
            .nth(2)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(logged, serde_json::json!({"index": 2}));
    assert!(dir.path().join(format!("commits/{last}")).exists());
    let progress = query.last_progress().unwrap();
    assert_eq!(progress.batch_id, last);
    assert_eq!(progress.sources[0].end_offset, Some(logged));

    // Stopping closes the open epoch at once: its rows commit.
    source.push(values(&[4]));
    wait_until(|| received.load(Ordering::SeqCst) == 4);
    query.stop();
    let epochs = committed_values(&collected);
    assert_eq!(epochs.last(), Some(&(last + 1, vec![4])));

    // A restart reads nothing twice.
    let (query, collected, received) = run();
    source.push(values(&[5]));
    wait_until(|| received.load(Ordering::SeqCst) == 1);
    query.stop();
    assert_eq!(committed_values(&collected), [(last + 2, vec![5])]);
}

#[test]
fn a_continuous_epoch_opens_and_reads_while_the_one_before_commits() {
    use std::sync::atomic::Ordering;
    let system = std::sync::Arc::new(ActorSystem::start(2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = VecSource::new(None);
    let mut topology = Topology::new();
    let s = topology.add_source(Box::new(source.clone()));
    // Every batch takes the sink 300 ms: epoch 0 commits long after its 50 ms interval.
    let (sink, collected) = CollectSink::new(Duration::from_millis(300));
    let k = topology.add_sink(Box::new(sink));
    topology.connect(s, k, 0).unwrap();
    let mut config = QueryConfig::new(dir.path());
    config.trigger = Trigger::continuous("50 milliseconds").unwrap();
    let query = start_query(&system, topology, config).unwrap();
    source.push(values(&[1]));
    wait_until(|| source.rows_read.load(Ordering::SeqCst) == 1);
    std::thread::sleep(Duration::from_millis(100));
    source.push(values(&[2]));
    // The second row is read while epoch 0 still commits.
    wait_until(|| source.rows_read.load(Ordering::SeqCst) == 2);
    assert!(collected.lock().unwrap().is_empty());
    wait_until(|| collected.lock().unwrap().len() == 2);
    query.stop();
    let epochs: Vec<(u64, Vec<i64>)> = collected
        .lock()
        .unwrap()
        .iter()
        .map(|(e, b)| (*e, b.iter().flat_map(values_of).collect()))
        .collect();
    assert_eq!(epochs, [(0, vec![1]), (1, vec![2])]);
    for batch in 0..2 {
        assert!(dir.path().join(format!("offsets/{batch}")).exists());
        assert!(dir.path().join(format!("commits/{batch}")).exists());
    }
    assert!(!dir.path().join("offsets/2").exists());
}
