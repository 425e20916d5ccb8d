//! The join operator driven epoch by epoch through SEMANTICS.md §8.4's worked example:
//! impressions (left) and clicks (right) on the ad, `clickTime >= impTime AND clickTime <=
//! impTime + 5 minutes`, both inputs with a 10-minute watermark.

use super::*;
use crate::expr::{col, interval, EvalContext};
use arrow::array::{Array, AsArray, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimestampMicrosecondType};
use spate_runtime::operator::StateCheckpoint;
use spate_runtime::types::timestamp_type;
use spate_runtime::{Operator, Output, Watermarks};
use std::sync::Arc;

const MINUTE_MS: i64 = 60_000;
/// 2024-01-01T12:00:00Z in ms.
const NOON_MS: i64 = 1_704_110_400_000;

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("ad", DataType::Utf8, true),
        Field::new("t", timestamp_type(), true),
    ]))
}

fn rows(rows: &[(&str, i64)]) -> RecordBatch {
    RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            )),
            Arc::new(
                TimestampMicrosecondArray::from(
                    rows.iter()
                        .map(|r| (NOON_MS + r.1 * MINUTE_MS) * 1000)
                        .collect::<Vec<_>>(),
                )
                .with_timezone("UTC"),
            ),
        ],
    )
    .unwrap()
}

fn join(join_type: JoinType) -> StreamingJoin {
    // l.ad = r.ad AND r.t >= l.t AND r.t <= l.t + 5 minutes
    let condition = col(&left_name(0))
        .eq(col(&right_name(0)))
        .and(col(&right_name(1)).gt_eq(col(&left_name(1))))
        .and(col(&right_name(1)).lt_eq(col(&left_name(1)) + interval("5 minutes").unwrap()));
    StreamingJoin::new(
        schema(),
        schema(),
        Some(condition),
        join_type,
        [Some(1), Some(1)],
        EvalContext::default(),
    )
    .unwrap()
}

/// Output rows as `"ad@minute|ad@minute"` (`-` for NULL), sorted.
fn text(out: &mut Output) -> Vec<String> {
    let mut rows = Vec::new();
    for batch in out.drain() {
        for i in 0..batch.num_rows() {
            let mut parts = Vec::new();
            for pair in batch.columns().chunks(2) {
                let ad = pair[0].as_string::<i32>();
                let t = pair[1].as_primitive::<TimestampMicrosecondType>();
                parts.push(if ad.is_null(i) {
                    "-".to_string()
                } else {
                    format!(
                        "{}@{}",
                        ad.value(i),
                        (t.value(i) / 1000 - NOON_MS) / MINUTE_MS
                    )
                });
            }
            rows.push(parts.join("|"));
        }
    }
    rows.sort();
    rows
}

/// One epoch: watermarks (late, evict) in ms, new impressions, new clicks.
type Delivery = (i64, i64, Vec<(&'static str, i64)>, Vec<(&'static str, i64)>);

/// Runs §8.4's four batches; returns each batch's output and the state rows after it.
fn worked_example(join_type: JoinType) -> Vec<(Vec<String>, u64)> {
    let mut op = join(join_type);
    let w = |m: i64| NOON_MS + m * MINUTE_MS;
    let batches: [Delivery; 4] = [
        (0, 0, vec![("a", 0), ("b", 1)], vec![("a", 3), ("x", 2)]),
        (0, w(-9), vec![], vec![]),
        (w(-9), w(-9), vec![("c", 18)], vec![("c", 20)]),
        (w(-9), w(8), vec![], vec![]),
    ];
    let mut results = Vec::new();
    for (epoch, (late, evict, left, right)) in batches.into_iter().enumerate() {
        let mut out = Output::default();
        let epoch = epoch as u64;
        op.on_watermark(
            &Watermarks {
                epoch,
                late,
                evict,
                batch_timestamp_ms: 0,
            },
            &mut out,
        )
        .unwrap();
        if !left.is_empty() {
            op.on_data(0, rows(&left), &mut out).unwrap();
        }
        if !right.is_empty() {
            op.on_data(1, rows(&right), &mut out).unwrap();
        }
        let report = op.on_epoch_end(epoch, &mut out).unwrap();
        results.push((text(&mut out), report.state.unwrap().num_rows_total));
    }
    results
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn left_outer_pads_the_unmatched_impression_when_evicted() {
    let batches = worked_example(JoinType::LeftOuter);
    assert_eq!(batches[0].0, strings(&["a@0|a@3"]));
    assert!(batches[1].0.is_empty());
    assert_eq!(batches[2].0, strings(&["c@18|c@20"]));
    assert_eq!(batches[3].0, strings(&["b@1|-"]));
    // Impressions ≤ 12:02:59.999 and clicks ≤ 12:07:59.999 left the state.
    assert_eq!(batches[3].1, 2);
}

#[test]
fn full_outer_also_pads_the_unmatched_click() {
    let batches = worked_example(JoinType::FullOuter);
    assert_eq!(batches[3].0, strings(&["-|x@2", "b@1|-"]));
}

#[test]
fn inner_and_semi_emit_matches_only() {
    let inner = worked_example(JoinType::Inner);
    let emitted: Vec<String> = inner.iter().flat_map(|(rows, _)| rows.clone()).collect();
    assert_eq!(emitted, strings(&["a@0|a@3", "c@18|c@20"]));
    let semi = worked_example(JoinType::LeftSemi);
    assert_eq!(semi[0].0, strings(&["a@0"]));
    assert_eq!(semi[2].0, strings(&["c@18"]));
    assert!(semi[3].0.is_empty());
}

#[test]
fn the_order_of_the_inputs_within_an_epoch_does_not_change_the_pairs() {
    let mut op = join(JoinType::Inner);
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
    op.on_data(1, rows(&[("a", 3)]), &mut out).unwrap();
    op.on_data(0, rows(&[("a", 0), ("a", 1)]), &mut out)
        .unwrap();
    op.on_data(1, rows(&[("a", 4), ("a", 9)]), &mut out)
        .unwrap();
    assert_eq!(
        text(&mut out),
        strings(&["a@0|a@3", "a@0|a@4", "a@1|a@3", "a@1|a@4"])
    );
}

#[test]
fn an_outer_join_without_bounds_is_refused_with_sparks_message() {
    let error = StreamingJoin::new(
        schema(),
        schema(),
        Some(col(&left_name(0)).eq(col(&right_name(0)))),
        JoinType::LeftOuter,
        [Some(1), Some(1)],
        EvalContext::default(),
    )
    .err()
    .unwrap();
    assert!(error.to_string().starts_with(
        "Stream-stream LeftOuter join between two streaming DataFrame/Datasets is not supported"
    ));
}

#[test]
fn state_stays_bounded_while_the_watermark_moves() {
    let mut op = join(JoinType::LeftOuter);
    let mut peak = 0;
    for epoch in 0..100u64 {
        let minute = epoch as i64;
        let mut out = Output::default();
        // The watermark trails the data by ten minutes.
        let w = |m: i64| NOON_MS + (m - 10).max(-720) * MINUTE_MS;
        let watermarks = Watermarks {
            epoch,
            late: w(minute - 1),
            evict: w(minute),
            batch_timestamp_ms: 0,
        };
        op.on_watermark(&watermarks, &mut out).unwrap();
        let ads: Vec<String> = (0..20).map(|i| format!("ad{i}")).collect();
        let imps: Vec<(&str, i64)> = ads.iter().map(|a| (a.as_str(), minute)).collect();
        op.on_data(0, rows(&imps), &mut out).unwrap();
        op.on_data(1, rows(&imps[..10]), &mut out).unwrap();
        op.on_epoch_end(epoch, &mut out).unwrap();
        peak = peak.max(op.state_rows());
    }
    // 30 rows arrive per epoch; rows older than the watermark (minus the 5-minute bound)
    // leave, so the state holds about 16 epochs of rows, never all 100.
    assert!(
        op.state_rows() < 30 * 20,
        "{} rows in state",
        op.state_rows()
    );
    assert!(peak < 30 * 20, "peak {peak}");
}

#[test]
fn a_restored_join_emits_what_it_would_have() {
    // Run §8.4's left outer join, stopping after batch 1 and restoring into a fresh operator.
    let straight = worked_example(JoinType::LeftOuter);
    let mut before = join(JoinType::LeftOuter);
    let w = |m: i64| NOON_MS + m * MINUTE_MS;
    let mut out = Output::default();
    before
        .on_watermark(
            &Watermarks {
                epoch: 0,
                late: 0,
                evict: 0,
                batch_timestamp_ms: 0,
            },
            &mut out,
        )
        .unwrap();
    before
        .on_data(0, rows(&[("a", 0), ("b", 1)]), &mut out)
        .unwrap();
    before
        .on_data(1, rows(&[("a", 3), ("x", 2)]), &mut out)
        .unwrap();
    before.on_epoch_end(0, &mut out).unwrap();
    let mut after = join(JoinType::LeftOuter);
    after.restore(before.checkpoint(true).unwrap()).unwrap();
    assert_eq!(after.state_rows(), 4);
    let mut out = Output::default();
    after
        .on_watermark(
            &Watermarks {
                epoch: 2,
                late: w(-9),
                evict: w(-9),
                batch_timestamp_ms: 0,
            },
            &mut out,
        )
        .unwrap();
    after.on_data(0, rows(&[("c", 18)]), &mut out).unwrap();
    after.on_data(1, rows(&[("c", 20)]), &mut out).unwrap();
    after.on_epoch_end(2, &mut out).unwrap();
    assert_eq!(text(&mut out), straight[2].0);
    after
        .on_watermark(
            &Watermarks {
                epoch: 3,
                late: w(-9),
                evict: w(8),
                batch_timestamp_ms: 0,
            },
            &mut out,
        )
        .unwrap();
    after.on_epoch_end(3, &mut out).unwrap();
    // b (unmatched) is padded; a matched before the restart and is not.
    assert_eq!(text(&mut out), straight[3].0);
}

#[test]
fn right_outer_pads_the_unmatched_click() {
    let batches = worked_example(JoinType::RightOuter);
    assert_eq!(batches[0].0, strings(&["a@0|a@3"]));
    assert_eq!(batches[2].0, strings(&["c@18|c@20"]));
    // The click on x never matched: padded when the watermark evicts it; b is dropped.
    assert_eq!(batches[3].0, strings(&["-|x@2"]));
}

/// §8.4's batches for a full outer join across restarts: rows added, evicted and matched
/// in every epoch.
fn restart_batches() -> [Delivery; 5] {
    let w = |m: i64| NOON_MS + m * MINUTE_MS;
    [
        (0, 0, vec![("a", 0), ("b", 1)], vec![("x", 2)]),
        (0, w(-9), vec![], vec![("a", 3)]),
        (w(-9), w(-9), vec![("c", 18)], vec![("c", 20)]),
        (w(-9), w(8), vec![], vec![]),
        (w(8), w(15), vec![("d", 30)], vec![]),
    ]
}

/// Runs epoch `epoch` of `batches` through `op`; returns its output.
fn run_epoch(op: &mut dyn Operator, batches: &[Delivery], epoch: usize) -> Vec<String> {
    let (late, evict, left, right) = &batches[epoch];
    let mut out = Output::default();
    let epoch = epoch as u64;
    op.on_watermark(
        &Watermarks {
            epoch,
            late: *late,
            evict: *evict,
            batch_timestamp_ms: 0,
        },
        &mut out,
    )
    .unwrap();
    if !left.is_empty() {
        op.on_data(0, rows(left), &mut out).unwrap();
    }
    if !right.is_empty() {
        op.on_data(1, rows(right), &mut out).unwrap();
    }
    op.on_epoch_end(epoch, &mut out).unwrap();
    text(&mut out)
}

#[test]
fn a_join_restored_from_a_snapshot_and_deltas_continues_exactly() {
    // Checkpointed after each epoch (a snapshot, then deltas: added rows, rows evicted,
    // rows that matched); restored at every point.
    let batches = restart_batches();
    let mut straight = join(JoinType::FullOuter);
    let expected: Vec<Vec<String>> = (0..batches.len())
        .map(|e| run_epoch(&mut straight, &batches, e))
        .collect();
    for stop in 0..batches.len() - 1 {
        let mut before = join(JoinType::FullOuter);
        let mut chain = Vec::new();
        for epoch in 0..=stop {
            run_epoch(&mut before, &batches, epoch);
            chain.push(before.checkpoint(epoch == 0).unwrap());
        }
        let mut after = join(JoinType::FullOuter);
        for checkpoint in chain {
            after.restore(checkpoint).unwrap();
        }
        assert_eq!(after.state_rows(), before.state_rows(), "stop {stop}");
        for (epoch, expected) in expected.iter().enumerate().skip(stop + 1) {
            assert_eq!(
                &run_epoch(&mut after, &batches, epoch),
                expected,
                "stop {stop}, epoch {epoch}"
            );
        }
    }
}

#[test]
fn rows_checkpointed_from_several_batches_come_in_pieces_and_restore() {
    // Impressions in two batches of 1,100, six of the second matched by a click: a
    // checkpoint gives them as a slice of each batch, marked as one batch of rows (not
    // copied into one); restored in memory and through a state store, the join holds them
    // with their matched flags, matches as it would have and pads the same rows when
    // they leave.
    let mut before = join(JoinType::FullOuter);
    let mut out = Output::default();
    let none = Watermarks {
        epoch: 0,
        late: 0,
        evict: 0,
        batch_timestamp_ms: 0,
    };
    before.on_watermark(&none, &mut out).unwrap();
    let first: Vec<(&str, i64)> = (0..1100).map(|m| ("a", m)).collect();
    let second: Vec<(&str, i64)> = (1100..2200).map(|m| ("b", m)).collect();
    before.on_data(0, rows(&first), &mut out).unwrap();
    before.on_data(0, rows(&second), &mut out).unwrap();
    before.on_data(1, rows(&[("b", 1500)]), &mut out).unwrap();
    before.on_epoch_end(0, &mut out).unwrap();
    let StateCheckpoint::Full(batches) = before.checkpoint(true).unwrap() else {
        panic!("a full checkpoint");
    };
    let continued: Vec<bool> = batches.iter().map(StateCheckpoint::is_continued).collect();
    assert_eq!(continued, [true, false, false, false, false]);
    assert_eq!((batches[0].num_rows(), batches[1].num_rows()), (1100, 1100));

    let dir = tempfile::tempdir().unwrap();
    let store = spate_runtime::checkpoint::StateStore::new(dir.path(), 0);
    store
        .write(0, &StateCheckpoint::Full(batches.clone()))
        .unwrap();
    let loaded = store.load(0).unwrap().unwrap();
    let mut in_memory = join(JoinType::FullOuter);
    in_memory.restore(StateCheckpoint::Full(batches)).unwrap();
    let mut stored = join(JoinType::FullOuter);
    for checkpoint in loaded {
        stored.restore(checkpoint).unwrap();
    }
    let clicks = rows(&[("a", 3), ("b", 2199)]);
    let mut expected = Output::default();
    before.on_data(1, clicks.clone(), &mut expected).unwrap();
    let expected = text(&mut expected);
    // a@3 meets a@0..=3, b@2199 meets b@2194..=2199.
    assert_eq!(expected.len(), 4 + 6);
    for restored in [&mut in_memory, &mut stored] {
        assert_eq!(restored.state_rows(), 2201);
        let mut out = Output::default();
        restored.on_watermark(&none, &mut out).unwrap();
        restored.on_data(1, clicks.clone(), &mut out).unwrap();
        assert_eq!(text(&mut out), expected);
    }
    // Everything leaves: the impressions never matched are padded, 2,200 less the 4 + 6
    // matched after the restore and the 6 (b@1495..=1500) matched before it.
    let all_leave = Watermarks {
        epoch: 1,
        late: 0,
        evict: NOON_MS + 100_000 * MINUTE_MS,
        batch_timestamp_ms: 0,
    };
    let mut padded = Vec::new();
    for op in [&mut before, &mut in_memory, &mut stored] {
        let mut out = Output::default();
        op.on_watermark(&all_leave, &mut out).unwrap();
        op.on_epoch_end(1, &mut out).unwrap();
        padded.push(text(&mut out));
    }
    assert_eq!(padded[0].len(), 2200 - 10 - 6);
    assert_eq!(padded[1], padded[0]);
    assert_eq!(padded[2], padded[0]);
    // Two instances, every row on one of them (one ad): that instance's pieces count as
    // its one batch of rows.
    let later: Vec<(&str, i64)> = (1100..2200).map(|m| ("a", m)).collect();
    let mut sharded = sharded_join(2);
    sharded.on_watermark(&none, &mut out).unwrap();
    sharded.on_data(0, rows(&first), &mut out).unwrap();
    sharded.on_data(0, rows(&later), &mut out).unwrap();
    sharded.on_epoch_end(0, &mut out).unwrap();
    let StateCheckpoint::Full(batches) = sharded.checkpoint(true).unwrap() else {
        panic!("a full checkpoint");
    };
    assert_eq!(batches.len(), 2 * 4 + 1, "one batch of rows in two pieces");
    let mut restored = sharded_join(2);
    restored.restore(StateCheckpoint::Full(batches)).unwrap();
    let mut out = Output::default();
    restored.on_watermark(&none, &mut out).unwrap();
    restored
        .on_data(1, rows(&[("a", 3), ("a", 2199)]), &mut out)
        .unwrap();
    assert_eq!(text(&mut out).len(), 4 + 6);
}

/// `p` instances of the full outer join, partitioned by the ad on both sides.
fn sharded_join(p: usize) -> Box<dyn Operator> {
    use crate::shard::{Restore, ShardKeys, Sharded};
    let instances = (0..p)
        .map(|_| Box::new(join(JoinType::FullOuter)) as Box<dyn Operator>)
        .collect();
    let keys = ShardKeys {
        inputs: vec![vec![col("ad")], vec![col("ad")]],
        restore: Restore::ByInstance(super::CHECKPOINT_BATCHES),
    };
    Box::new(Sharded::new(instances, keys, &schema(), EvalContext::default()).unwrap())
}

#[test]
fn join_instances_emit_and_restore_what_one_join_does() {
    let batches = restart_batches();
    let mut straight = join(JoinType::FullOuter);
    let expected: Vec<Vec<String>> = (0..batches.len())
        .map(|e| run_epoch(&mut straight, &batches, e))
        .collect();
    for p in [2, 3] {
        let mut before = sharded_join(p);
        let mut chain = Vec::new();
        for (epoch, expected) in expected.iter().enumerate().take(3) {
            assert_eq!(
                &run_epoch(before.as_mut(), &batches, epoch),
                expected,
                "P = {p}"
            );
            chain.push(before.checkpoint(epoch == 0).unwrap());
        }
        let mut after = sharded_join(p);
        for checkpoint in &chain {
            after.restore(checkpoint.clone()).unwrap();
        }
        for (epoch, expected) in expected.iter().enumerate().skip(3) {
            assert_eq!(
                &run_epoch(after.as_mut(), &batches, epoch),
                expected,
                "P = {p}, epoch {epoch}"
            );
        }
        // Rows that left are named by number within their instance: another P cannot
        // take the checkpoint over.
        let error = sharded_join(p + 1).restore(chain[0].clone()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&format!("checkpointed by {p} instances")),
            "{error}"
        );
    }
}

#[test]
fn keys_of_different_types_are_compared_in_their_common_type() {
    use arrow::array::{Float64Array, Int32Array};
    // `l.k = r.k` with an int on the left and a double on the right compares doubles, as
    // Spark's implicit cast does: 1 does not meet 1.5, 2 meets 2.0.
    let side = |data_type: DataType| Arc::new(Schema::new(vec![Field::new("k", data_type, true)]));
    let mut op = StreamingJoin::new(
        side(DataType::Int32),
        side(DataType::Float64),
        Some(col(&left_name(0)).eq(col(&right_name(0)))),
        JoinType::Inner,
        [None, None],
        EvalContext::default(),
    )
    .unwrap();
    assert_eq!(op.equality_key_types(), [DataType::Float64]);
    let mut out = Output::default();
    let left = RecordBatch::try_new(
        side(DataType::Int32),
        vec![Arc::new(Int32Array::from(vec![1, 2]))],
    )
    .unwrap();
    let right = RecordBatch::try_new(
        side(DataType::Float64),
        vec![Arc::new(Float64Array::from(vec![1.5, 2.0]))],
    )
    .unwrap();
    op.on_data(0, left, &mut out).unwrap();
    op.on_data(1, right, &mut out).unwrap();
    let pairs: Vec<(i32, f64)> = out
        .drain()
        .flat_map(|b| {
            let l = b
                .column(0)
                .as_primitive::<arrow::datatypes::Int32Type>()
                .clone();
            let r = b
                .column(1)
                .as_primitive::<arrow::datatypes::Float64Type>()
                .clone();
            (0..b.num_rows())
                .map(move |i| (l.value(i), r.value(i)))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(pairs, [(2, 2.0)]);
}
