//! Actor-level behaviour of the stateful operators: what reaches a two-input actor (a window
//! aggregate, a join) from two upstream actors, in whatever order they deliver, gives the
//! same epochs.

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{Int64Type, SchemaRef, TimestampMicrosecondType};
use spate::functions::{col, count_star, sum, window};
use spate::operators::aggregate::{EmitMode, StreamingAggregate};
use spate::operators::expr::EvalContext;
use spate::operators::join::{left_name, right_name, JoinType, StreamingJoin};
use spate::operators::stage::{Stage, Transform};
use spate::operators::watermark::WithWatermark;
use spate::runtime::testing::{value_schema, values, CollectSink, VecSource};
use spate::runtime::types::timestamp_type;
use spate::runtime::{start_query, ActorSystem, Operator, QueryConfig, Topology, Trigger};
use std::sync::Arc;
use std::time::Duration;

/// Each epoch's `value`s (event times in seconds) for the two inputs.
const EPOCHS: [[&[i64]; 2]; 3] = [[&[1, 2], &[5, 12]], [&[25], &[31, 13]], [&[40], &[41]]];

/// Each input's rows get their event time `t` (a timestamp) from `value`.
fn with_time() -> Stage {
    Stage::new(
        value_schema(),
        vec![Transform::Project(vec![
            col("value"),
            col("value").cast(timestamp_type()).alias("t"),
        ])],
        EvalContext::default(),
    )
    .expect("stage")
}

/// The schema the two-input operator sees on each port.
fn timed_schema() -> SchemaRef {
    with_time().output_schema()
}

/// Two sources (the `slow_input` one deliberately slow) → `t` → a watermark each (no
/// delay) → `operator` → a collecting sink; returns each committed epoch's batches.
fn run(slow_input: usize, operator: Box<dyn Operator>) -> Vec<(u64, Vec<RecordBatch>)> {
    let system = Arc::new(ActorSystem::start(2).expect("actor system"));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut topology = Topology::new();
    let mut inputs = Vec::new();
    for input in 0..2 {
        let mut source = VecSource::new(Some(1));
        if input == slow_input {
            source.read_delay = Duration::from_millis(15);
        }
        for epoch in &EPOCHS {
            source.push(values(epoch[input]));
        }
        let s = topology.add_source(Box::new(source));
        let stage = topology.add_operator(Box::new(with_time()), 1);
        let watermark = topology.add_operator(
            Box::new(WithWatermark::new(&timed_schema(), "t", 0).expect("watermark")),
            1,
        );
        topology.connect(s, stage, 0).expect("edge");
        topology.connect(stage, watermark, 0).expect("edge");
        inputs.push(watermark);
    }
    let node = topology.add_operator(operator, 2);
    for (port, input) in inputs.into_iter().enumerate() {
        topology.connect(input, node, port).expect("edge");
    }
    let (sink, collected) = CollectSink::new(Duration::ZERO);
    let sink = topology.add_sink(Box::new(sink));
    topology.connect(node, sink, 0).expect("edge");
    let mut config = QueryConfig::new(dir.path());
    config.trigger = Trigger::AvailableNow;
    let query = start_query(&system, topology, config).expect("start");
    query.await_termination().expect("run");
    let committed = collected.lock().expect("lock").clone();
    committed
}

/// An emitted row: window start (s), count, sum.
type WindowRow = (i64, i64, i64);

/// A windowed count/sum in append mode over both inputs.
fn window_counts(slow_input: usize) -> Vec<(u64, Vec<WindowRow>)> {
    let aggregate = StreamingAggregate::new(
        &timed_schema(),
        vec![window(col("t"), "10 seconds")],
        vec![count_star(), sum(col("value"))],
        Some(0),
        EmitMode::Append,
        EvalContext::default(),
    )
    .expect("aggregate");
    run(slow_input, Box::new(aggregate))
        .iter()
        .map(|(epoch, batches)| {
            let mut rows = Vec::new();
            for batch in batches {
                let starts = batch.column(0).as_struct().column(0).clone();
                let starts = starts.as_primitive::<TimestampMicrosecondType>();
                let counts = batch.column(1).as_primitive::<Int64Type>();
                let sums = batch.column(2).as_primitive::<Int64Type>();
                for i in 0..batch.num_rows() {
                    rows.push((starts.value(i) / 1_000_000, counts.value(i), sums.value(i)));
                }
            }
            rows.sort();
            (*epoch, rows)
        })
        .collect()
}

#[test]
fn watermarks_and_barriers_from_two_inputs_in_any_order_give_the_same_epochs() {
    let slow_first = window_counts(0);
    assert_eq!(slow_first, window_counts(1));
    // W after epoch 0 = min(2 s, 12 s); after epoch 1 = min(25 s, 31 s); after epoch 2 =
    // min(40 s, 41 s). Epoch 2 (WE = 25 s) closes [0, 10) and [10, 20); the no-data epoch 3
    // (WE = 40 s) closes [20, 30) and [30, 40).
    assert_eq!(
        slow_first,
        vec![
            (0, vec![]),
            (1, vec![]),
            (2, vec![(0, 3, 8), (10, 2, 25)]),
            (3, vec![(20, 1, 25), (30, 1, 31)]),
        ]
    );
}

/// Pairs `(left value, right value)` of an inner join on `|l.t - r.t| <= 10 s`, per epoch.
fn join_pairs(slow_input: usize) -> Vec<(u64, Vec<(i64, i64)>)> {
    let ten = || spate::functions::interval("10 seconds").expect("interval");
    let condition = col(&left_name(1))
        .gt_eq(col(&right_name(1)) - ten())
        .and(col(&left_name(1)).lt_eq(col(&right_name(1)) + ten()));
    let join = StreamingJoin::new(
        timed_schema(),
        timed_schema(),
        Some(condition),
        JoinType::Inner,
        [Some(1), Some(1)],
        EvalContext::default(),
    )
    .expect("join");
    run(slow_input, Box::new(join))
        .iter()
        .map(|(epoch, batches)| {
            let mut pairs = Vec::new();
            for batch in batches {
                let left = batch.column(0).as_primitive::<Int64Type>();
                let right = batch.column(2).as_primitive::<Int64Type>();
                pairs.extend(
                    left.values()
                        .iter()
                        .copied()
                        .zip(right.values().iter().copied()),
                );
            }
            pairs.sort();
            (*epoch, pairs)
        })
        .collect()
}

#[test]
fn a_join_pairs_the_same_rows_whichever_input_is_slow() {
    let slow_first = join_pairs(0);
    assert_eq!(slow_first, join_pairs(1));
    // Each pair once, in the epoch of its later row; W = 2 s, 25 s, 40 s after epochs 0-2.
    assert_eq!(
        slow_first,
        vec![
            (0, vec![(1, 5), (2, 5), (2, 12)]),
            (1, vec![(25, 31)]),
            (2, vec![(40, 31), (40, 41)]),
            (3, vec![]),
        ]
    );
}
