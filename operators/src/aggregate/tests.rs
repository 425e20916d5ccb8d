//! The aggregation operator driven epoch by epoch through SEMANTICS.md §6.4's worked example.

use super::*;
use crate::expr::{col, EvalContext, Expr};
use arrow::array::{AsArray, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Int64Type, Schema, TimestampMicrosecondType};
use spate_runtime::types::timestamp_type;
use spate_runtime::{Operator, Output, Watermarks};
use std::sync::Arc;

const MINUTE_MS: i64 = 60_000;
/// 2024-01-01T12:00:00Z in ms.
const NOON_MS: i64 = 1_704_110_400_000;

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("event_time", timestamp_type(), true),
        Field::new("word", DataType::Utf8, true),
    ]))
}

/// Rows `(minutes after noon, word)`.
fn delivery(rows: &[(i64, &str)]) -> RecordBatch {
    let times: Vec<i64> = rows
        .iter()
        .map(|(m, _)| (NOON_MS + m * MINUTE_MS) * 1000)
        .collect();
    let words: Vec<&str> = rows.iter().map(|(_, w)| *w).collect();
    RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC")),
            Arc::new(StringArray::from(words)),
        ],
    )
    .unwrap()
}

/// `(window start minute, word, count)` of emitted rows, sorted.
fn rows(out: &mut Output) -> Vec<(i64, String, i64)> {
    let mut rows = Vec::new();
    for batch in out.drain() {
        let window = batch.column(0).as_struct();
        let starts = window.column(0).as_primitive::<TimestampMicrosecondType>();
        let words = batch.column(1).as_string::<i32>();
        let counts = batch.column(2).as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            rows.push((
                (starts.value(i) / 1000 - NOON_MS) / MINUTE_MS,
                words.value(i).to_string(),
                counts.value(i),
            ));
        }
    }
    rows.sort();
    rows
}

/// One epoch: watermarks in minutes after noon (`None` = 1970), the delivery, what it emits
/// and its progress counters (total, updated, removed, dropped).
fn epoch(
    op: &mut StreamingAggregate,
    id: u64,
    (late, evict): (Option<i64>, Option<i64>),
    input: &[(i64, &str)],
) -> (Vec<(i64, String, i64)>, [u64; 4]) {
    let ms = |m: Option<i64>| m.map_or(0, |m| NOON_MS + m * MINUTE_MS);
    let mut out = Output::default();
    op.on_watermark(
        &Watermarks {
            epoch: id,
            late: ms(late),
            evict: ms(evict),
            batch_timestamp_ms: 0,
        },
        &mut out,
    )
    .unwrap();
    if !input.is_empty() {
        op.on_data(0, delivery(input), &mut out).unwrap();
    }
    let report = op.on_epoch_end(id, &mut out).unwrap();
    let state = report.state.unwrap();
    (
        rows(&mut out),
        [
            state.num_rows_total,
            state.num_rows_updated,
            state.num_rows_removed,
            state.num_rows_dropped_by_watermark,
        ],
    )
}

fn word_count(mode: EmitMode) -> StreamingAggregate {
    StreamingAggregate::new(
        &schema(),
        vec![window(col("event_time"), "10 minutes"), col("word")],
        vec![count_star().alias("count")],
        Some(0),
        mode,
        EvalContext::default(),
    )
    .unwrap()
}

fn row(start: i64, word: &str, count: i64) -> (i64, String, i64) {
    (start, word.to_string(), count)
}

const D1: &[(i64, &str)] = &[(2, "cat"), (7, "dog"), (8, "cat")];
const D2: &[(i64, &str)] = &[(14, "cat"), (9, "dog")];
const D3: &[(i64, &str)] = &[(21, "cat"), (3, "owl")];
const D4: &[(i64, &str)] = &[(5, "cat")];

#[test]
fn append_emits_each_window_once_when_the_watermark_passes_it() {
    let mut op = word_count(EmitMode::Append);
    assert_eq!(op.output_schema().field(0).name(), "window");
    let w = |m| Some(m);
    assert_eq!(epoch(&mut op, 0, (None, None), D1), (vec![], [2, 2, 0, 0]));
    assert_eq!(
        epoch(&mut op, 1, (None, w(-2)), &[]),
        (vec![], [2, 0, 0, 0])
    );
    assert_eq!(
        epoch(&mut op, 2, (w(-2), w(-2)), D2),
        (vec![], [3, 2, 0, 0])
    );
    assert_eq!(
        epoch(&mut op, 3, (w(-2), w(4)), &[]),
        (vec![], [3, 0, 0, 0])
    );
    assert_eq!(epoch(&mut op, 4, (w(4), w(4)), D3), (vec![], [5, 2, 0, 0]));
    let closed = vec![row(0, "cat", 2), row(0, "dog", 2), row(0, "owl", 1)];
    assert_eq!(
        epoch(&mut op, 5, (w(4), w(11)), &[]),
        (closed, [2, 0, 3, 0])
    );
    assert_eq!(
        epoch(&mut op, 6, (w(11), w(11)), D4),
        (vec![], [2, 0, 0, 1])
    );
}

#[test]
fn update_emits_changed_groups_and_evicts_silently() {
    let mut op = word_count(EmitMode::Update);
    let w = |m| Some(m);
    let (rows0, _) = epoch(&mut op, 0, (None, None), D1);
    assert_eq!(rows0, [row(0, "cat", 2), row(0, "dog", 1)]);
    epoch(&mut op, 1, (None, w(-2)), &[]);
    let (rows2, _) = epoch(&mut op, 2, (w(-2), w(-2)), D2);
    assert_eq!(rows2, [row(0, "dog", 2), row(10, "cat", 1)]);
    epoch(&mut op, 3, (w(-2), w(4)), &[]);
    let (rows4, _) = epoch(&mut op, 4, (w(4), w(4)), D3);
    assert_eq!(rows4, [row(0, "owl", 1), row(20, "cat", 1)]);
    assert_eq!(
        epoch(&mut op, 5, (w(4), w(11)), &[]),
        (vec![], [2, 0, 3, 0])
    );
    assert_eq!(
        epoch(&mut op, 6, (w(11), w(11)), D4),
        (vec![], [2, 0, 0, 1])
    );
    assert_eq!(op.state_rows(), 2);
}

#[test]
fn update_on_arrival_emits_each_batchs_groups_at_once() {
    let mut op = word_count(EmitMode::UpdateOnArrival);
    let mut out = Output::default();
    op.on_watermark(
        &Watermarks {
            epoch: 0,
            late: 0,
            evict: 0,
            batch_timestamp_ms: 0,
        },
        &mut out,
    )
    .unwrap();
    op.on_data(0, delivery(D1), &mut out).unwrap();
    assert_eq!(rows(&mut out), [row(0, "cat", 2), row(0, "dog", 1)]);
    // A group changed again in the same epoch is emitted again, with its new value.
    op.on_data(0, delivery(D2), &mut out).unwrap();
    assert_eq!(rows(&mut out), [row(0, "dog", 2), row(10, "cat", 1)]);
    // The epoch's end emits nothing more, and counts every group it changed.
    let report = op.on_epoch_end(0, &mut out).unwrap();
    assert_eq!(rows(&mut out), []);
    assert_eq!(report.state.unwrap().num_rows_updated, 3);
}

#[test]
fn complete_keeps_everything_and_counts_late_rows() {
    let mut op = word_count(EmitMode::Complete);
    let w = |m| Some(m);
    epoch(&mut op, 0, (None, None), D1);
    epoch(&mut op, 1, (None, w(-2)), D2);
    epoch(&mut op, 2, (w(-2), w(4)), D3);
    let (rows3, counts) = epoch(&mut op, 3, (w(4), w(11)), D4);
    assert_eq!(rows3.len(), 5);
    assert!(rows3.contains(&row(0, "cat", 3)));
    assert_eq!(counts, [5, 1, 0, 0]);
    assert!(!op.needs_no_data_epochs());
}

#[test]
fn string_time_columns_are_cast_and_bad_durations_fail_analysis() {
    let strings = Schema::new(vec![Field::new("ts", DataType::Utf8, true)]);
    let op = StreamingAggregate::new(
        &strings,
        vec![window(col("ts"), "1 minute")],
        vec![count_star()],
        None,
        EmitMode::Update,
        EvalContext::default(),
    )
    .unwrap();
    assert_eq!(op.output_schema().field(1).name(), "count(1)");
    assert!(op.output_schema().field(1).is_nullable());
    let error = StreamingAggregate::new(
        &strings,
        vec![window(col("ts"), "1 month")],
        vec![count_star()],
        None,
        EmitMode::Update,
        EvalContext::default(),
    )
    .err()
    .unwrap();
    assert!(error.to_string().contains("greater than a month"));
    let not_aggregate = StreamingAggregate::new(
        &strings,
        vec![col("ts")],
        vec![col("ts")],
        None,
        EmitMode::Update,
        EvalContext::default(),
    );
    assert!(not_aggregate.is_err());
}

#[test]
fn sliding_windows_drop_only_their_late_windows() {
    // 5-minute windows every minute; WL = 12:03 makes windows ending ≤ 12:03 late.
    let mut op = StreamingAggregate::new(
        &schema(),
        vec![sliding_window(col("event_time"), "5 minutes", "1 minute")],
        vec![count_star()],
        Some(0),
        EmitMode::Update,
        EvalContext::default(),
    )
    .unwrap();
    let mut out = Output::default();
    let at = |m: i64| NOON_MS + m * MINUTE_MS;
    op.on_watermark(
        &Watermarks {
            epoch: 0,
            late: at(3),
            evict: at(3),
            batch_timestamp_ms: 0,
        },
        &mut out,
    )
    .unwrap();
    // 12:00 lands in windows starting 11:56 … 12:00 (ends 12:01 … 12:05): three are late.
    op.on_data(0, delivery(&[(0, "x")]), &mut out).unwrap();
    let report = op.on_epoch_end(0, &mut out).unwrap().state.unwrap();
    let emitted: usize = out.drain().map(|b| b.num_rows()).sum();
    assert_eq!(emitted, 2);
    assert_eq!(report.num_rows_dropped_by_watermark, 3);
}

#[test]
fn count_distinct_equals_a_recomputation_over_all_rows() {
    use arrow::array::Int32Array;
    use std::collections::{BTreeMap, BTreeSet};
    let schema = Arc::new(Schema::new(vec![
        Field::new("group", DataType::Utf8, true),
        Field::new("user", DataType::Int32, true),
    ]));
    let mut op = StreamingAggregate::new(
        &schema,
        vec![col("group")],
        vec![count_distinct(col("user"))],
        None,
        EmitMode::Complete,
        EvalContext::default(),
    )
    .unwrap();
    let mut seed = 7u64;
    let mut next = |bound: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % bound
    };
    let mut expected: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
    let mut out = Output::default();
    for epoch in 0..5 {
        op.on_watermark(
            &Watermarks {
                epoch,
                late: 0,
                evict: 0,
                batch_timestamp_ms: 0,
            },
            &mut out,
        )
        .unwrap();
        for _ in 0..3 {
            let groups: Vec<String> = (0..500).map(|_| format!("g{}", next(40))).collect();
            let users: Vec<Option<i32>> = (0..500)
                .map(|_| (next(10) > 0).then(|| next(300) as i32))
                .collect();
            for (g, u) in groups.iter().zip(&users) {
                let set = expected.entry(g.clone()).or_default();
                if let Some(u) = u {
                    set.insert(*u);
                }
            }
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(groups)),
                    Arc::new(Int32Array::from(users)),
                ],
            )
            .unwrap();
            op.on_data(0, batch, &mut out).unwrap();
        }
        out.drain().for_each(drop);
        op.on_epoch_end(epoch, &mut out).unwrap();
        let mut actual = BTreeMap::new();
        for batch in out.drain() {
            let groups = batch.column(0).as_string::<i32>();
            let counts = batch.column(1).as_primitive::<Int64Type>();
            for i in 0..batch.num_rows() {
                actual.insert(groups.value(i).to_string(), counts.value(i));
            }
        }
        let recomputed: BTreeMap<String, i64> = expected
            .iter()
            .map(|(g, s)| (g.clone(), s.len() as i64))
            .collect();
        assert_eq!(actual, recomputed, "epoch {epoch}");
    }
}

/// One epoch: watermarks in minutes after noon, then the delivery.
type Step = ((Option<i64>, Option<i64>), &'static [(i64, &'static str)]);

#[test]
fn a_restored_aggregation_continues_as_if_never_stopped() {
    use super::{approx_count_distinct, avg, count_distinct, first, max, min, sum};
    let schema = schema();
    let make = || {
        StreamingAggregate::new(
            &schema,
            vec![window(col("event_time"), "10 minutes"), col("word")],
            vec![
                count_star(),
                sum(col("word").is_null().cast(DataType::Int32)),
                avg(col("event_time").cast(DataType::Int64)),
                min(col("word")),
                max(col("event_time")),
                first(col("word")),
                count_distinct(col("word")),
                approx_count_distinct(col("word")),
            ],
            Some(0),
            EmitMode::Update,
            EvalContext::default(),
        )
        .unwrap()
    };
    let w = |m: i64| Some(m);
    // Epoch 3 evicts [12:00, 12:10), so later restores replay a delta with removals.
    let steps: [Step; 5] = [
        ((None, None), D1),
        ((None, w(-2)), D2),
        ((w(-2), w(4)), D3),
        ((w(4), w(11)), D4),
        ((w(11), w(11)), &[(25, "cat"), (14, "dog")]),
    ];
    let mut straight = make();
    let mut outputs = Vec::new();
    for (i, (marks, rows)) in steps.iter().enumerate() {
        outputs.push(epoch(&mut straight, i as u64, *marks, rows));
    }
    // Checkpoint after every epoch (a snapshot, then deltas); restore a fresh operator from
    // the chain at each point and check it carries on exactly like the uninterrupted one.
    for stop in 0..steps.len() - 1 {
        let mut before = make();
        let mut chain = Vec::new();
        for (i, (marks, rows)) in steps[..=stop].iter().enumerate() {
            epoch(&mut before, i as u64, *marks, rows);
            chain.push(before.checkpoint(i == 0).unwrap());
        }
        let mut after = make();
        for checkpoint in chain {
            after.restore(checkpoint).unwrap();
        }
        for (i, (marks, rows)) in steps.iter().enumerate().skip(stop + 1) {
            assert_eq!(
                epoch(&mut after, i as u64, *marks, rows),
                outputs[i],
                "epoch {i}"
            );
        }
        assert_eq!(
            after.checkpoint(true).unwrap(),
            straight.checkpoint(true).unwrap()
        );
    }
    // A state of another shape is refused.
    let other = word_count(EmitMode::Update).checkpoint(true).unwrap();
    assert!(make().restore(other).is_err());
}

#[test]
fn a_global_aggregation_has_one_group() {
    let mut op = StreamingAggregate::new(
        &schema(),
        vec![],
        vec![count_star()],
        None,
        EmitMode::Complete,
        EvalContext::default(),
    )
    .unwrap();
    let mut out = Output::default();
    op.on_data(0, delivery(D1), &mut out).unwrap();
    op.on_data(0, delivery(D2), &mut out).unwrap();
    op.on_epoch_end(0, &mut out).unwrap();
    let batches: Vec<RecordBatch> = out.drain().collect();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].num_rows(), 1);
    assert_eq!(batches[0].column(0).as_primitive::<Int64Type>().value(0), 5);
    let state = op.checkpoint(true).unwrap();
    let mut restored = StreamingAggregate::new(
        &schema(),
        vec![],
        vec![count_star()],
        None,
        EmitMode::Complete,
        EvalContext::default(),
    )
    .unwrap();
    restored.restore(state.clone()).unwrap();
    assert_eq!(restored.checkpoint(true).unwrap(), state);
}

/// The same window twice is one window in two key columns; two different windows fail
/// analysis as Spark's do.
#[test]
fn only_the_same_window_can_be_grouped_by_twice() {
    let by = |keys: Vec<Expr>| {
        StreamingAggregate::new(
            &schema(),
            keys,
            vec![count_star().alias("count")],
            None,
            EmitMode::Update,
            EvalContext::default(),
        )
    };
    let five = || window(col("event_time"), "5 minutes");
    let mut op = by(vec![five().alias("a"), five().alias("b")]).unwrap();
    let mut out = Output::default();
    op.on_data(0, delivery(&[(1, "x"), (7, "y"), (8, "z")]), &mut out)
        .unwrap();
    op.on_epoch_end(0, &mut out).unwrap();
    let mut groups = Vec::new();
    for batch in out.drain() {
        let start = |c: usize| {
            let window = batch.column(c).as_struct();
            window
                .column(0)
                .as_primitive::<TimestampMicrosecondType>()
                .clone()
        };
        let counts = batch.column(2).as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            let minute = |c: usize| (start(c).value(i) / 1000 - NOON_MS) / MINUTE_MS;
            groups.push((minute(0), minute(1), counts.value(i)));
        }
    }
    groups.sort();
    assert_eq!(groups, [(0, 0, 1), (5, 5, 2)]);

    let error = by(vec![five(), window(col("event_time"), "10 minutes")])
        .err()
        .map(|e| e.to_string());
    assert_eq!(error.as_deref(), Some(operator::MULTIPLE_WINDOWS));
}
