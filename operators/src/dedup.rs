//! Streaming deduplication: `dropDuplicates(cols)`, `distinct()` and
//! `dropDuplicatesWithinWatermark(cols)` (SEMANTICS.md §7). The first row of each key
//! passes, later ones are dropped; the state holds keys only.

use crate::groups::{removed_flags, retain_by, GroupTable};
use crate::watermark::times_or_never;
use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBufferBuilder, Int64Array, RecordBatch,
    UInt32Array,
};
use arrow::compute::{filter, filter_record_batch, take};
use arrow::datatypes::{Int64Type, Schema, TimestampMicrosecondType, UInt32Type};
use spate_runtime::operator::take_rows;
use spate_runtime::progress::StateOperatorProgress;
use spate_runtime::{EpochReport, Error, Operator, Output, Result, StateCheckpoint, Watermarks};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

/// When a key leaves the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupExpiry {
    /// Never (no watermarked column among the keys): the state grows forever.
    Never,
    /// When its event time (a key column) is ≤ the watermark (`dropDuplicates` with the
    /// watermarked column among the keys).
    KeyTime,
    /// When the watermark reaches the first row's event time + the delay
    /// (`dropDuplicatesWithinWatermark`).
    WithinWatermark {
        /// The watermark delay, µs.
        delay: i64,
    },
}

/// The event time of each row of a timestamp `column` (µs; NULL never expires nor is
/// late); `None` for a column of another type.
fn event_times(column: &ArrayRef) -> Option<Vec<i64>> {
    column
        .as_primitive_opt::<TimestampMicrosecondType>()
        .map(times_or_never)
}

/// The deduplication operator.
pub struct Deduplicate {
    keys: Vec<usize>,
    /// The watermarked column, when the input has one: rows with time ≤ `WL` are late.
    event_time: Option<usize>,
    /// Whether the keys and the watermarked column are every column of the input
    /// (`distinct()`): a share of a batch is then copied whole ([`Operator::on_rows`]).
    reads_every_column: bool,
    expiry: DedupExpiry,
    table: GroupTable,
    /// Per key: when it expires (µs; `i64::MAX` for never).
    expires: Vec<i64>,
    watermarks: Option<Watermarks>,
    epoch: EpochCounts,
    ids: Vec<u32>,
    created: Vec<u32>,
    /// The keys from this id on were added since the last checkpoint (a new key takes the
    /// next id, and eviction keeps the order); and the keys removed since then.
    added_from: usize,
    removed_keys: Vec<Vec<ArrayRef>>,
}

/// What one epoch did, for progress.
#[derive(Default)]
struct EpochCounts {
    added: u64,
    late: u64,
    duplicates: u64,
    updates_time: std::time::Duration,
}

impl Deduplicate {
    /// Deduplicates rows of `input` on the columns `keys`. `event_time` is the input's
    /// watermarked column, if any; `expiry` says when keys leave the state.
    pub fn new(
        input: &Schema,
        keys: &[String],
        event_time: Option<&str>,
        expiry: DedupExpiry,
    ) -> Result<Self> {
        let index = |name: &str| {
            input
                .fields()
                .iter()
                .position(|f| f.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    let columns: Vec<String> =
                        input.fields().iter().map(|f| f.name().clone()).collect();
                    Error::Analysis(format!(
                        "[UNRESOLVED_COLUMN_AMONG_FIELD_NAMES] Cannot resolve column name \"{name}\" among ({}). SQLSTATE: 42703",
                        columns.join(", ")
                    ))
                })
        };
        let keys = keys.iter().map(|k| index(k)).collect::<Result<Vec<_>>>()?;
        let event_time = event_time.map(index).transpose()?;
        let types = keys
            .iter()
            .map(|&k| input.field(k).data_type().clone())
            .collect();
        let read: HashSet<usize> = keys.iter().copied().chain(event_time).collect();
        Ok(Deduplicate {
            reads_every_column: read.len() >= input.fields().len(),
            keys,
            event_time,
            expiry,
            table: GroupTable::new(types)?,
            expires: Vec::new(),
            watermarks: None,
            epoch: EpochCounts::default(),
            ids: Vec::new(),
            created: Vec::new(),
            added_from: 0,
            removed_keys: Vec::new(),
        })
    }

    /// Keys in the state.
    pub fn state_rows(&self) -> usize {
        self.table.len()
    }

    /// Which of `rows` rows, whose key columns are `keys` and event times `times`, pass:
    /// the first row of each key not seen before, unless it is late (`None`: every row).
    fn passing(
        &mut self,
        mut keys: Vec<ArrayRef>,
        mut times: Option<Vec<i64>>,
        rows: usize,
    ) -> Result<Option<BooleanArray>> {
        // Late rows (SEMANTICS.md §5.3): event time ≤ the previous epoch's watermark. The
        // rows on time, when some are late.
        let mut on_time: Option<UInt32Array> = None;
        if let (Some(t), Some(w)) = (&times, self.watermarks) {
            let late = w.late.saturating_mul(1000);
            if t.iter().any(|&t| t <= late) {
                let kept: Vec<u32> = (0..rows as u32)
                    .filter(|&row| t[row as usize] > late)
                    .collect();
                self.epoch.late += (rows - kept.len()) as u64;
                times = Some(kept.iter().map(|&row| t[row as usize]).collect());
                let kept = UInt32Array::from(kept);
                keys = keys
                    .iter()
                    .map(|key| take(key, &kept, None))
                    .collect::<std::result::Result<_, _>>()?;
                on_time = Some(kept);
            }
        }
        self.table
            .intern(&keys, &mut self.ids, &mut self.created)
            .map_err(Error::Arrow)?;
        for &row in &self.created {
            let t = times.as_ref().map_or(i64::MAX, |t| t[row as usize]);
            self.expires.push(match self.expiry {
                DedupExpiry::Never => i64::MAX,
                DedupExpiry::KeyTime => t,
                DedupExpiry::WithinWatermark { delay } => t.saturating_add(delay),
            });
        }
        let considered = on_time.as_ref().map_or(rows, UInt32Array::len);
        self.epoch.added += self.created.len() as u64;
        self.epoch.duplicates += (considered - self.created.len()) as u64;
        if self.created.len() == rows {
            return Ok(None);
        }
        let mut first = BooleanBufferBuilder::new(rows);
        first.append_n(rows, false);
        for &row in &self.created {
            let row = on_time
                .as_ref()
                .map_or(row, |kept| kept.value(row as usize));
            first.set_bit(row as usize, true);
        }
        Ok(Some(BooleanArray::new(first.finish(), None)))
    }

    /// `work`, its time counted as the epoch's update time (failed or not).
    fn timed(&mut self, work: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        let start = Instant::now();
        let result = work(self);
        self.epoch.updates_time += start.elapsed();
        result
    }

    /// Removes the keys that expired by the watermark `evict` (ms); returns how many.
    fn evict(&mut self, evict_ms: i64) -> Result<u64> {
        if self.expiry == DedupExpiry::Never {
            return Ok(0);
        }
        let evict = evict_ms.saturating_mul(1000);
        let keep: Vec<bool> = self.expires.iter().map(|&t| t > evict).collect();
        let removed: Vec<u32> = (0..keep.len() as u32)
            .filter(|&g| !keep[g as usize])
            .collect();
        if !removed.is_empty() {
            self.removed_keys.push(self.table.key_columns(&removed)?);
            self.remove(&keep);
        }
        Ok(removed.len() as u64)
    }

    /// Keeps the keys where `keep[id]` (all from `keep.len()` on).
    fn remove(&mut self, keep: &[bool]) {
        let kept = |id: usize| keep.get(id).copied().unwrap_or(true);
        self.added_from = (0..self.added_from).filter(|&id| kept(id)).count();
        self.table.retain(keep);
        retain_by(&mut self.expires, keep);
    }
}

/// One batch of the state's columns: `keys`, their expiry times, and whether they were
/// removed; with its number of rows.
fn state_batch(
    mut keys: Vec<ArrayRef>,
    expires: Vec<i64>,
    removed: bool,
) -> (Vec<ArrayRef>, usize) {
    let rows = expires.len();
    keys.push(Arc::new(Int64Array::from(expires)));
    keys.push(removed_flags(rows, removed));
    (keys, rows)
}

impl Operator for Deduplicate {
    fn name(&self) -> &str {
        match self.expiry {
            DedupExpiry::WithinWatermark { .. } => "dedupeWithinWatermark",
            _ => "dedupe",
        }
    }

    fn on_data(&mut self, _port: usize, batch: RecordBatch, out: &mut Output) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.timed(|this| {
            let keys = this.keys.iter().map(|&k| batch.column(k).clone()).collect();
            let times = this.event_time.and_then(|c| event_times(batch.column(c)));
            out.emit(match this.passing(keys, times, batch.num_rows())? {
                None => batch,
                Some(first) => filter_record_batch(&batch, &first)?,
            });
            Ok(())
        })
    }

    /// Looks at the key and event-time columns of `rows` alone, and copies out only the
    /// rows that pass; when those columns are all of the batch's (`distinct()`), or the
    /// rows all of its rows, the rows are taken as they are.
    fn on_rows(
        &mut self,
        port: usize,
        batch: &RecordBatch,
        rows: &UInt32Array,
        out: &mut Output,
    ) -> Result<()> {
        if self.reads_every_column || rows.len() == batch.num_rows() {
            return self.on_data(port, take_rows(batch, rows)?, out);
        }
        self.timed(|this| {
            let of_rows = |column: usize| take(batch.column(column), rows, None);
            let keys: Vec<ArrayRef> = this
                .keys
                .iter()
                .map(|&k| of_rows(k))
                .collect::<std::result::Result<_, _>>()?;
            // The event time, when it is a key too (`dropDuplicates` with the watermarked
            // column), is copied once.
            let times = match this.event_time {
                Some(c) => match this.keys.iter().position(|&k| k == c) {
                    Some(key) => event_times(&keys[key]),
                    None => event_times(&of_rows(c)?),
                },
                None => None,
            };
            let passing = match this.passing(keys, times, rows.len())? {
                None => rows.clone(),
                Some(first) => filter(rows, &first)?.as_primitive::<UInt32Type>().clone(),
            };
            out.emit(take_rows(batch, &passing)?);
            Ok(())
        })
    }

    fn on_watermark(&mut self, watermarks: &Watermarks, _out: &mut Output) -> Result<()> {
        self.watermarks = Some(*watermarks);
        Ok(())
    }

    fn needs_no_data_epochs(&self) -> bool {
        self.event_time.is_some()
    }

    fn is_stateful(&self) -> bool {
        true
    }

    /// Batches of key columns, expiry time and a `removed` flag: every key (full), or the
    /// keys added since the last checkpoint, then the removed ones (delta).
    fn checkpoint(&mut self, full: bool) -> Result<StateCheckpoint> {
        let first = if full { 0 } else { self.added_from };
        let mut batches = vec![state_batch(
            self.table.key_columns_from(first)?,
            self.expires[first..].to_vec(),
            false,
        )];
        let removed = std::mem::take(&mut self.removed_keys);
        if !full {
            batches.extend(removed.into_iter().map(|keys| {
                let rows = keys.first().map_or(0, |k| k.len());
                state_batch(keys, vec![i64::MAX; rows], true)
            }));
        }
        self.added_from = self.table.len();
        StateCheckpoint::of_column_sets(full, batches)
    }

    fn restore(&mut self, state: StateCheckpoint) -> Result<()> {
        let mismatch = |reason: &str| {
            Error::IllegalArgument(format!(
                "the checkpointed state of the deduplication does not fit this query: {reason}"
            ))
        };
        let (StateCheckpoint::Full(batches) | StateCheckpoint::Delta(batches)) = state;
        for batch in batches {
            let columns = batch.columns();
            if columns.len() != self.keys.len() + 2 {
                return Err(mismatch("another number of key columns"));
            }
            let keys = &columns[..self.keys.len()];
            let expires = columns[self.keys.len()]
                .as_primitive_opt::<Int64Type>()
                .ok_or_else(|| mismatch("the expiry times are not bigint"))?;
            let removed = columns[self.keys.len() + 1]
                .as_boolean_opt()
                .ok_or_else(|| mismatch("the removed flags are not boolean"))?;
            self.table
                .intern(keys, &mut self.ids, &mut self.created)
                .map_err(|e| mismatch(&e.to_string()))?;
            self.expires.resize(self.table.len(), i64::MAX);
            let mut keep = vec![true; self.table.len()];
            for (row, &id) in self.ids.iter().enumerate() {
                self.expires[id as usize] = expires.value(row);
                keep[id as usize] = !removed.value(row);
            }
            if removed.true_count() > 0 {
                self.remove(&keep);
            }
        }
        self.added_from = self.table.len();
        Ok(())
    }

    fn on_epoch_end(&mut self, _epoch: u64, _out: &mut Output) -> Result<EpochReport> {
        let removal_start = Instant::now();
        let removed = match self.watermarks {
            Some(w) => self.evict(w.evict)?,
            None => 0,
        };
        let counts = std::mem::take(&mut self.epoch);
        let state = StateOperatorProgress {
            operator_name: self.name().to_string(),
            num_rows_total: self.table.len() as u64,
            num_rows_updated: counts.added,
            all_updates_time_ms: counts.updates_time.as_millis() as u64,
            num_rows_removed: removed,
            all_removals_time_ms: removal_start.elapsed().as_millis() as u64,
            commit_time_ms: 0,
            memory_used_bytes: (self.table.memory_bytes() + self.expires.capacity() * 8) as u64,
            num_rows_dropped_by_watermark: counts.late,
            // One partition's view; the query's partitions are applied to it.
            num_shuffle_partitions: 1,
            num_state_store_instances: 1,
            custom_metrics: [(
                "numDroppedDuplicateRows".to_string(),
                counts.duplicates as i64,
            )]
            .into(),
            single_partition: false,
        };
        Ok(EpochReport {
            state: Some(state),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{StringArray, TimestampMicrosecondArray};
    use arrow::datatypes::{DataType, Field};
    use spate_runtime::types::timestamp_type;

    const SECOND: i64 = 1_000_000;
    /// 2024-01-15T10:00:00Z in µs.
    const TEN: i64 = 1_705_312_800 * SECOND;

    fn schema() -> Arc<Schema> {
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, true),
            Field::new("event_time", timestamp_type(), true),
            Field::new("v", DataType::Utf8, true),
        ]))
    }

    /// Rows `(id, seconds after 10:00, v)`.
    fn batch(rows: &[(&str, i64, &str)]) -> RecordBatch {
        RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(StringArray::from(
                    rows.iter().map(|r| r.0).collect::<Vec<_>>(),
                )),
                Arc::new(
                    TimestampMicrosecondArray::from(
                        rows.iter().map(|r| TEN + r.1 * SECOND).collect::<Vec<_>>(),
                    )
                    .with_timezone("UTC"),
                ),
                Arc::new(StringArray::from(
                    rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                )),
            ],
        )
        .unwrap()
    }

    /// One epoch with watermarks in seconds after 10:00 (`None`: 1970): emitted `(id, v)`
    /// and the counters (total, dropped late, removed, duplicates).
    fn epoch(
        op: &mut Deduplicate,
        id: u64,
        (late, evict): (Option<i64>, Option<i64>),
        rows: &[(&str, i64, &str)],
    ) -> (Vec<(String, String)>, [i64; 4]) {
        let ms = |s: Option<i64>| s.map_or(0, |s| (TEN + s * SECOND) / 1000);
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
        if !rows.is_empty() {
            op.on_data(0, batch(rows), &mut out).unwrap();
        }
        let state = op.on_epoch_end(id, &mut out).unwrap().state.unwrap();
        let mut emitted = Vec::new();
        for b in out.drain() {
            let ids = b.column(0).as_string::<i32>();
            let vs = b.column(2).as_string::<i32>();
            for i in 0..b.num_rows() {
                emitted.push((ids.value(i).to_string(), vs.value(i).to_string()));
            }
        }
        let counts = [
            state.num_rows_total as i64,
            state.num_rows_dropped_by_watermark as i64,
            state.num_rows_removed as i64,
            state.custom_metrics["numDroppedDuplicateRows"],
        ];
        (emitted, counts)
    }

    fn pair(id: &str, v: &str) -> (String, String) {
        (id.to_string(), v.to_string())
    }

    /// An emitted row's `(id, v)`.
    type Pair = (String, String);
    /// An epoch's keys kept, late rows and duplicates.
    type Counts = (u64, u64, i64);

    /// Epochs of shares looked at in place by one deduplication on `keys` and copied out
    /// for another: what the first emitted, and its (keys kept, late rows, duplicates),
    /// which the second's must equal.
    fn in_place_and_copied(keys: &[&str], expiry: DedupExpiry) -> (Vec<Vec<Pair>>, Vec<Counts>) {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let new = || Deduplicate::new(&schema(), &keys, Some("event_time"), expiry).unwrap();
        let (mut copied, mut in_place) = (new(), new());
        type Rows<'r> = &'r [(&'r str, i64, &'r str)];
        // Each epoch's share skips the second row (the last epoch's is the whole batch).
        let epochs: [(Option<i64>, Rows); 4] = [
            (
                None,
                &[
                    ("a", 0, "1"),
                    ("b", 1, "2"),
                    ("a", 2, "3"),
                    ("c", 3, "4"),
                    ("b", 4, "5"),
                ],
            ),
            (
                Some(30),
                &[
                    ("d", 10, "late"),
                    ("e", 40, "6"),
                    ("e", 41, "7"),
                    ("f", 5, "late"),
                    ("e", 43, "8"),
                ],
            ),
            (
                Some(30),
                &[("g", 50, "9"), ("g", 51, "10"), ("c", 52, "11")],
            ),
            (Some(30), &[("h", 60, "12")]),
        ];
        let pairs = |out: &mut Output| {
            let mut pairs = Vec::new();
            for b in out.drain() {
                let (ids, vs) = (
                    b.column(0).as_string::<i32>(),
                    b.column(2).as_string::<i32>(),
                );
                pairs.extend((0..b.num_rows()).map(|i| pair(ids.value(i), vs.value(i))));
            }
            pairs
        };
        let (mut emitted, mut counts) = (Vec::new(), Vec::new());
        for (id, (late, rows)) in epochs.into_iter().enumerate() {
            let ms = late.map_or(0, |s| (TEN + s * SECOND) / 1000);
            let watermarks = Watermarks {
                epoch: id as u64,
                late: ms,
                evict: ms,
                batch_timestamp_ms: 0,
            };
            let batch = batch(rows);
            let share = UInt32Array::from(
                (0..batch.num_rows() as u32)
                    .filter(|&row| row != 1 || batch.num_rows() == 1)
                    .collect::<Vec<_>>(),
            );
            let (mut a, mut b) = (Output::default(), Output::default());
            copied.on_watermark(&watermarks, &mut a).unwrap();
            in_place.on_watermark(&watermarks, &mut b).unwrap();
            copied
                .on_data(0, take_rows(&batch, &share).unwrap(), &mut a)
                .unwrap();
            in_place.on_rows(0, &batch, &share, &mut b).unwrap();
            let progress = |op: &mut Deduplicate, out: &mut Output| {
                let state = op.on_epoch_end(id as u64, out).unwrap().state.unwrap();
                let duplicates = state.custom_metrics["numDroppedDuplicateRows"];
                (
                    state.num_rows_total,
                    state.num_rows_dropped_by_watermark,
                    duplicates,
                )
            };
            let count = progress(&mut in_place, &mut b);
            assert_eq!(count, progress(&mut copied, &mut a), "epoch {id}");
            counts.push(count);
            let passed = pairs(&mut b);
            assert_eq!(passed, pairs(&mut a), "epoch {id}");
            emitted.push(passed);
        }
        (emitted, counts)
    }

    #[test]
    fn rows_looked_at_in_place_pass_as_their_copies_do() {
        let expiry = DedupExpiry::WithinWatermark { delay: 10 * SECOND };
        let (emitted, counts) = in_place_and_copied(&["id"], expiry);
        // `a`, `b` and `c` expire by 10:00:30.
        assert_eq!(counts, [(3, 0, 1), (1, 2, 1), (3, 0, 0), (4, 0, 0)]);
        assert_eq!(
            emitted,
            [
                vec![pair("a", "1"), pair("c", "4"), pair("b", "5")],
                vec![pair("e", "7")],
                // `c` expired at 10:00:13, before the watermark of 10:00:30.
                vec![pair("g", "9"), pair("c", "11")],
                vec![pair("h", "12")],
            ]
        );
        // With the event time among the keys, a key is its id and time.
        let (emitted, counts) = in_place_and_copied(&["id", "event_time"], DedupExpiry::KeyTime);
        assert_eq!(counts, [(4, 0, 0), (2, 2, 0), (4, 0, 0), (5, 0, 0)]);
        assert_eq!(
            emitted,
            [
                vec![
                    pair("a", "1"),
                    pair("a", "3"),
                    pair("c", "4"),
                    pair("b", "5")
                ],
                vec![pair("e", "7"), pair("e", "8")],
                vec![pair("g", "9"), pair("c", "11")],
                vec![pair("h", "12")],
            ]
        );
    }

    #[test]
    fn with_the_event_time_among_the_keys_it_follows_the_semantics_7_run() {
        // Delay 10 s; batches 0-4 as SEMANTICS.md §7.
        let keys = ["id".to_string(), "event_time".to_string()];
        let mut op =
            Deduplicate::new(&schema(), &keys, Some("event_time"), DedupExpiry::KeyTime).unwrap();
        let (out, counts) = epoch(
            &mut op,
            0,
            (None, None),
            &[("a", 0, "v1"), ("a", 0, "v2"), ("b", 5, "")],
        );
        assert_eq!(out, [pair("a", "v1"), pair("b", "")]);
        assert_eq!(counts, [2, 0, 0, 1]);
        epoch(&mut op, 1, (None, Some(-5)), &[]);
        let (out, _) = epoch(
            &mut op,
            2,
            (Some(-5), Some(-5)),
            &[("a", 0, ""), ("a", 20, "")],
        );
        assert_eq!(out.len(), 1);
        let (_, counts) = epoch(&mut op, 3, (Some(-5), Some(10)), &[]);
        assert_eq!(counts[2], 2, "keys with t ≤ 10:00:10 evicted");
        let (out, counts) = epoch(
            &mut op,
            4,
            (Some(10), Some(10)),
            &[("a", 0, "late"), ("c", 11, "c")],
        );
        assert_eq!(out, [pair("c", "c")]);
        assert_eq!(counts[1], 1);
    }

    #[test]
    fn within_watermark_expires_at_first_time_plus_delay() {
        let keys = ["id".to_string()];
        let expiry = DedupExpiry::WithinWatermark { delay: 10 * SECOND };
        let mut op = Deduplicate::new(&schema(), &keys, Some("event_time"), expiry).unwrap();
        let (out, _) = epoch(
            &mut op,
            0,
            (None, None),
            &[("a", 0, "first"), ("a", 7, "dup")],
        );
        assert_eq!(out, [pair("a", "first")]);
        let (out, counts) = epoch(&mut op, 1, (None, Some(2)), &[("a", 12, "dup")]);
        assert!(out.is_empty());
        assert_eq!(counts[2], 0, "not yet: expiry is 10:00:10");
        let (_, counts) = epoch(&mut op, 2, (Some(2), Some(11)), &[]);
        assert_eq!(counts[2], 1);
        let (out, _) = epoch(&mut op, 3, (Some(11), Some(11)), &[("a", 30, "again")]);
        assert_eq!(out, [pair("a", "again")]);
    }

    #[test]
    fn without_a_watermark_keys_stay_forever() {
        let keys = ["id".to_string()];
        let mut op = Deduplicate::new(&schema(), &keys, None, DedupExpiry::Never).unwrap();
        epoch(
            &mut op,
            0,
            (None, Some(1000)),
            &[("a", 0, ""), ("b", 0, "")],
        );
        let (out, counts) = epoch(&mut op, 1, (None, Some(5000)), &[("a", 9999, "x")]);
        assert!(out.is_empty());
        assert_eq!(counts[0], 2);
        assert!(!op.needs_no_data_epochs());
        assert!(
            Deduplicate::new(&schema(), &["nope".to_string()], None, DedupExpiry::Never).is_err()
        );
    }

    #[test]
    fn state_stays_bounded_while_the_watermark_moves() {
        let keys = ["id".to_string(), "event_time".to_string()];
        let mut op =
            Deduplicate::new(&schema(), &keys, Some("event_time"), DedupExpiry::KeyTime).unwrap();
        let ids: Vec<String> = (0..50).map(|i| format!("id{i}")).collect();
        for n in 0..100i64 {
            let rows: Vec<(&str, i64, &str)> =
                ids.iter().map(|id| (id.as_str(), n * 60, "")).collect();
            // Watermark: ten minutes behind this epoch's events.
            let wm = |e: i64| Some(e * 60 - 600);
            epoch(&mut op, n as u64, (wm(n - 1), wm(n)), &rows);
        }
        // Keys newer than the watermark (ten minutes back) stay: 10 epochs of 50 keys.
        assert_eq!(op.state_rows(), 10 * 50);
    }

    #[test]
    fn its_deltas_replayed_in_order_give_the_state_a_snapshot_holds() {
        // String keys (the row format) and timestamp keys (integers); keys come and expire
        // every epoch, some within the epoch they came in (no row is late, so an expired key
        // can come back), and a snapshot is taken now and then between deltas, as the state
        // store does.
        for keys in [["id".to_string()], ["event_time".to_string()]] {
            let make = || {
                let expiry = DedupExpiry::WithinWatermark { delay: 10 * SECOND };
                Deduplicate::new(&schema(), &keys, Some("event_time"), expiry).unwrap()
            };
            let mut live = make();
            let mut deltas = Vec::new();
            let mut state: u64 = 3;
            let ids: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
            for n in 0..30i64 {
                let rows: Vec<(&str, i64, &str)> = (0..12)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                        let id = ids[(state >> 33) as usize % ids.len()].as_str();
                        (id, n * 4 + (state >> 20) as i64 % 6, "")
                    })
                    .collect();
                // Keys expire at their time + 10 s: those up to 4n + 3 s go at this epoch's end.
                epoch(&mut live, n as u64, (None, Some(n * 4 + 13)), &rows);
                deltas.push(live.checkpoint(false).unwrap());
                if n % 7 == 3 {
                    live.checkpoint(true).unwrap();
                }
            }
            let mut restored = make();
            for delta in deltas {
                restored.restore(delta).unwrap();
            }
            assert!(live.state_rows() > 0);
            assert_eq!(
                restored.checkpoint(true).unwrap(),
                live.checkpoint(true).unwrap(),
                "keys {keys:?}"
            );
        }
    }

    #[test]
    fn a_restored_deduplication_remembers_its_keys() {
        let keys = ["id".to_string()];
        let make = || {
            let expiry = DedupExpiry::WithinWatermark { delay: 10 * SECOND };
            Deduplicate::new(&schema(), &keys, Some("event_time"), expiry).unwrap()
        };
        let mut before = make();
        epoch(
            &mut before,
            0,
            (None, None),
            &[("a", 0, "first"), ("b", 1, "")],
        );
        let mut after = make();
        after.restore(before.checkpoint(true).unwrap()).unwrap();
        assert_eq!(
            after.checkpoint(true).unwrap(),
            before.checkpoint(true).unwrap()
        );
        let (out, _) = epoch(
            &mut after,
            1,
            (None, Some(5)),
            &[("a", 3, "dup"), ("c", 4, "new")],
        );
        assert_eq!(out, [pair("c", "new")]);
        // Key a expires at 10:00:10 as it would have without the restart.
        let (_, counts) = epoch(&mut after, 3, (Some(5), Some(10)), &[]);
        assert_eq!(counts[2], 1);
    }
}
