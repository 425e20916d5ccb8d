//! Actor-level behaviour of the stateful operators: what reaches a window-aggregate actor
//! from several upstream actors, in whatever order they deliver, gives the same epochs.

use arrow::array::AsArray;
use arrow::datatypes::{Int64Type, TimestampMicrosecondType};
use spate::functions::{col, count_star, sum, window};
use spate::operators::aggregate::{EmitMode, StreamingAggregate};
use spate::operators::expr::EvalContext;
use spate::operators::stage::{Stage, Transform};
use spate::operators::watermark::WithWatermark;
use spate::runtime::testing::{value_schema, values, CollectSink, VecSource};
use spate::runtime::types::timestamp_type;
use spate::runtime::{start_query, ActorSystem, QueryConfig, Topology, Trigger};
use std::sync::Arc;
use std::time::Duration;

/// An emitted row: window start (s), count, sum.
type WindowRow = (i64, i64, i64);

/// Two sources (`value` = event time in seconds) → a watermark each (no delay) → one
/// windowed count/sum in append mode. Returns each committed epoch's rows as
/// `(window start s, count, sum)`, sorted.
fn run(slow_input: usize) -> Vec<(u64, Vec<WindowRow>)> {
    let system = Arc::new(ActorSystem::start(2).expect("actor system"));
    let dir = tempfile::tempdir().expect("tempdir");
    let epochs: [[&[i64]; 2]; 3] = [[&[1, 2], &[5, 12]], [&[25], &[31, 13]], [&[40], &[41]]];
    let sources: Vec<VecSource> = (0..2)
        .map(|input| {
            let mut source = VecSource::new(Some(1));
            if input == slow_input {
                source.read_delay = Duration::from_millis(15);
            }
            for epoch in &epochs {
                source.push(values(epoch[input]));
            }
            source
        })
        .collect();
    let mut topology = Topology::new();
    // Each input gets its event time `t` (a timestamp) from `value`, then a watermark.
    let with_time = || {
        Stage::new(
            value_schema(),
            vec![Transform::Project(vec![
                col("value"),
                col("value").cast(timestamp_type()).alias("t"),
            ])],
            EvalContext::default(),
        )
        .expect("stage")
    };
    let timed_schema = with_time().output_schema();
    let aggregate = StreamingAggregate::new(
        &timed_schema,
        vec![window(col("t"), "10 seconds")],
        vec![count_star(), sum(col("value"))],
        Some(0),
        EmitMode::Append,
        EvalContext::default(),
    )
    .expect("aggregate");
    let mut inputs = Vec::new();
    for source in sources {
        let s = topology.add_source(Box::new(source));
        let stage = topology.add_operator(Box::new(with_time()), 1);
        let watermark = topology.add_operator(
            Box::new(WithWatermark::new(&timed_schema, "t", 0).expect("watermark")),
            1,
        );
        topology.connect(s, stage, 0).expect("edge");
        topology.connect(stage, watermark, 0).expect("edge");
        inputs.push(watermark);
    }
    let aggregate = topology.add_operator(Box::new(aggregate), 2);
    for (port, input) in inputs.into_iter().enumerate() {
        topology.connect(input, aggregate, port).expect("edge");
    }
    let (sink, collected) = CollectSink::new(Duration::ZERO);
    let sink = topology.add_sink(Box::new(sink));
    topology.connect(aggregate, sink, 0).expect("edge");
    let mut config = QueryConfig::new(dir.path());
    config.trigger = Trigger::AvailableNow;
    let query = start_query(&system, topology, config).expect("start");
    query.await_termination().expect("run");
    let committed = collected.lock().expect("lock").clone();
    committed
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
    let slow_first = run(0);
    assert_eq!(slow_first, run(1));
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
