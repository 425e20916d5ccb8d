//! Key-partitioned parallelism inside one operator's actor (`spate.sql.shuffle.instances`):
//! P instances of a stateful operator, each owning the keys that hash to it. An input batch's
//! keys are hashed in parts side by side, each instance looks at the rows whose keys hash to
//! it ([`Operator::on_rows`]), and the instances run side by side on the operators' threads
//! ([`on_operator_threads`]); watermarks and epoch ends go to every instance; their reports
//! and checkpoints are merged into one. A restore routes every checkpointed row to the
//! instance that owns its key, so that a checkpoint restores under any P, or, for an
//! operator whose checkpoint rows cannot all name their key (a join's deltas name the rows
//! that left by number), gives each instance back its own part, under the same P.

use crate::expr::{cast_like_spark, EvalContext, Expr};
use crate::key_hash::hash_keys;
use arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use arrow::datatypes::{DataType, Schema};
use rayon::prelude::*;
use spate_runtime::operator::take_rows;
use spate_runtime::parallel::on_operator_threads;
use spate_runtime::progress::StateOperatorProgress;
use spate_runtime::{EpochReport, Error, Operator, Output, Result, StateCheckpoint, Watermarks};

/// Which values choose a row's instance.
#[derive(Debug, Clone)]
pub struct ShardKeys {
    /// Per input port, the keys of a row arriving there. Every port has as many keys; they
    /// are cast to the first port's key types before hashing, so equal keys of different
    /// inputs (a join's two sides) meet in one instance.
    pub inputs: Vec<Vec<Expr>>,
    /// How a checkpoint's rows find their instance again.
    pub restore: Restore,
}

/// How a sharded operator's checkpoint is restored.
#[derive(Debug, Clone)]
pub enum Restore {
    /// Every row to the instance of its key: the columns of a checkpoint batch that hold
    /// the keys, in the order of the input keys. Restores under any number of instances.
    ByKey(Vec<usize>),
    /// Each instance's checkpoint is this many batches (a batch given in pieces counting as
    /// one), given back to the same instance: restores only under the number of instances
    /// that wrote it.
    ByInstance(usize),
}

/// P instances of one stateful operator, partitioned by key.
pub struct Sharded {
    shards: Vec<Box<dyn Operator>>,
    keys: ShardKeys,
    router: Router,
}

/// What finds a row's instance by its keys.
struct Router {
    /// The first port's key types (other ports' keys and checkpointed keys are cast to
    /// them before hashing).
    key_types: Vec<DataType>,
    context: EvalContext,
    instances: usize,
}

impl Sharded {
    /// `shards` instances (at least one) of an operator whose first input is `input`,
    /// partitioned by `keys`.
    pub fn new(
        shards: Vec<Box<dyn Operator>>,
        keys: ShardKeys,
        input: &Schema,
        context: EvalContext,
    ) -> Result<Self> {
        let width = keys.inputs.first().map_or(0, Vec::len);
        let consistent = keys.inputs.iter().all(|port| port.len() == width)
            && match &keys.restore {
                Restore::ByKey(columns) => columns.len() == width,
                Restore::ByInstance(batches) => *batches > 0,
            };
        if shards.is_empty() || width == 0 || !consistent {
            return Err(Error::IllegalArgument(
                "a sharded operator needs instances, and as many keys on every input and in its checkpoint".into(),
            ));
        }
        let key_types = keys.inputs[0]
            .iter()
            .map(|key| {
                key.output_field_with(input, &context)
                    .map(|field| field.data_type().clone())
                    .map_err(|e| Error::Analysis(e.to_string()))
            })
            .collect::<Result<Vec<DataType>>>()?;
        let router = Router {
            key_types,
            context,
            instances: shards.len(),
        };
        Ok(Sharded {
            shards,
            keys,
            router,
        })
    }

    /// [`Operator::on_data`]: routes the batch's rows and runs each instance on its own.
    fn route_and_run(&mut self, port: usize, batch: RecordBatch, out: &mut Output) -> Result<()> {
        let keys = self
            .keys
            .inputs
            .get(port)
            .ok_or_else(|| Error::IllegalArgument(format!("no shard keys for input {port}")))?;
        let context = &self.router.context;
        let instances = self.router.route(&batch, |slice| {
            keys.iter()
                .map(|key| {
                    key.evaluate(slice, context)
                        .map_err(|e| Error::Execution(e.to_string().into()))
                })
                .collect()
        })?;
        // Each instance looks at its own rows of the batch, side by side.
        self.each(instances, out, |shard, rows, output| {
            if rows.is_empty() {
                return Ok(());
            }
            shard.on_rows(port, &batch, &UInt32Array::from(rows), output)
        })?;
        Ok(())
    }

    /// Runs `step` on every instance with its input (one per instance), side by side;
    /// emits their output in instance order and returns their results.
    fn each<I: Send, T: Send>(
        &mut self,
        inputs: Vec<I>,
        out: &mut Output,
        step: impl Fn(&mut dyn Operator, I, &mut Output) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let results: Vec<Result<(T, Output)>> = self
            .shards
            .par_iter_mut()
            .zip(inputs)
            .map(|(shard, input)| {
                let mut output = Output::default();
                let value = step(shard.as_mut(), input, &mut output)?;
                Ok((value, output))
            })
            .collect();
        let mut values = Vec::with_capacity(results.len());
        for result in results {
            let (value, mut output) = result?;
            for batch in output.drain() {
                out.emit(batch);
            }
            values.push(value);
        }
        Ok(values)
    }
}

impl Router {
    /// The rows of `batches`, split per instance by their keys in `columns`.
    fn split_by_key(
        &self,
        columns: &[usize],
        batches: &[RecordBatch],
    ) -> Result<Vec<Vec<RecordBatch>>> {
        let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); self.instances];
        for batch in batches {
            let instances = self.route(batch, |slice| {
                columns
                    .iter()
                    .map(|&column| {
                        slice.columns().get(column).cloned().ok_or_else(|| {
                            Error::IllegalArgument(format!(
                                "a checkpoint batch has no key column {column}"
                            ))
                        })
                    })
                    .collect()
            })?;
            let split: Vec<Result<RecordBatch>> = instances
                .into_par_iter()
                .map(|rows| take_rows(batch, &UInt32Array::from(rows)))
                .collect();
            for (instance_parts, part) in parts.iter_mut().zip(split) {
                instance_parts.push(part?);
            }
        }
        Ok(parts)
    }

    /// The hash of every row whose keys are `columns`.
    fn hashes(&self, columns: &[ArrayRef], rows: usize) -> Result<Vec<u64>> {
        let columns = columns
            .iter()
            .zip(&self.key_types)
            .map(|(column, to)| cast_like_spark(column, to, &self.context))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(crate::stage::execution_error)?;
        Ok(hash_keys(&columns, rows)?)
    }

    /// The instance of a row whose keys hash to `hash`: the hash modulo the number of
    /// instances (taken by a mask when that is a power of two).
    fn instance_of(&self, hash: u64) -> usize {
        let count = self.instances as u64;
        let instance = if count.is_power_of_two() {
            hash & (count - 1)
        } else {
            hash % count
        };
        instance as usize
    }

    /// Each instance's row numbers in `batch`, in row order, by the keys `keys_of` a part of
    /// the batch: the parts are hashed side by side.
    fn route(
        &self,
        batch: &RecordBatch,
        keys_of: impl Fn(&RecordBatch) -> Result<Vec<ArrayRef>> + Sync,
    ) -> Result<Vec<Vec<u32>>> {
        let parts = batch
            .num_rows()
            .div_ceil(ROUTE_PART_ROWS)
            .clamp(1, rayon::current_num_threads());
        self.route_in_parts(batch, parts, keys_of)
    }

    /// [`Router::route`], the batch hashed in `parts` parts (at least one).
    fn route_in_parts(
        &self,
        batch: &RecordBatch,
        parts: usize,
        keys_of: impl Fn(&RecordBatch) -> Result<Vec<ArrayRef>> + Sync,
    ) -> Result<Vec<Vec<u32>>> {
        let rows = batch.num_rows();
        if u32::try_from(rows).is_err() {
            return Err(Error::IllegalArgument(format!(
                "a batch of {rows} rows has more rows than a sharded operator numbers (2^32)"
            )));
        }
        let part_rows = rows.div_ceil(parts.max(1)).max(1);
        let routed: Vec<Result<Vec<Vec<u32>>>> = (0..parts)
            .into_par_iter()
            .map(|part| {
                let start = (part * part_rows).min(rows);
                let slice = batch.slice(start, part_rows.min(rows - start));
                let hashes = self.hashes(&keys_of(&slice)?, slice.num_rows())?;
                // Room for an even share and an eighth more, so that few lists grow.
                let share = hashes.len() / self.instances;
                let share = share + share / 8 + 16;
                let mut instances: Vec<Vec<u32>> = (0..self.instances)
                    .map(|_| Vec::with_capacity(share))
                    .collect();
                for (row, hash) in (start as u32..).zip(hashes) {
                    instances[self.instance_of(hash)].push(row);
                }
                Ok(instances)
            })
            .collect();
        let mut instances = vec![Vec::new(); self.instances];
        for part in routed {
            for (rows, more) in instances.iter_mut().zip(part?) {
                if rows.is_empty() {
                    *rows = more;
                } else {
                    rows.extend(more);
                }
            }
        }
        Ok(instances)
    }
}

/// The most rows of a batch hashed as one part, unless that would make more parts than
/// threads: a batch of at most this many rows is routed in one part, on one thread.
const ROUTE_PART_ROWS: usize = 16 * 1024;

/// One report for all instances: state counts and times summed (as Spark sums its
/// partitions').
fn merge_reports(reports: Vec<EpochReport>) -> EpochReport {
    let mut merged = EpochReport::default();
    let mut state: Option<StateOperatorProgress> = None;
    for report in reports {
        merged.sink_commit = merged.sink_commit.or(report.sink_commit);
        merged.watermark = merged.watermark.or(report.watermark);
        let Some(part) = report.state else { continue };
        state = Some(match state {
            None => part,
            Some(mut sum) => {
                sum.num_rows_total += part.num_rows_total;
                sum.num_rows_updated += part.num_rows_updated;
                sum.all_updates_time_ms += part.all_updates_time_ms;
                sum.num_rows_removed += part.num_rows_removed;
                sum.all_removals_time_ms += part.all_removals_time_ms;
                sum.commit_time_ms += part.commit_time_ms;
                sum.memory_used_bytes += part.memory_used_bytes;
                sum.num_rows_dropped_by_watermark += part.num_rows_dropped_by_watermark;
                for (name, value) in part.custom_metrics {
                    *sum.custom_metrics.entry(name).or_default() += value;
                }
                sum
            }
        });
    }
    merged.state = state;
    merged
}

impl Operator for Sharded {
    fn name(&self) -> &str {
        self.shards[0].name()
    }

    fn on_data(&mut self, port: usize, batch: RecordBatch, out: &mut Output) -> Result<()> {
        on_operator_threads(|| self.route_and_run(port, batch, out))
    }

    fn on_watermark(&mut self, watermarks: &Watermarks, out: &mut Output) -> Result<()> {
        self.router.context.batch_timestamp_ms = Some(watermarks.batch_timestamp_ms);
        for shard in &mut self.shards {
            shard.on_watermark(watermarks, out)?;
        }
        Ok(())
    }

    fn needs_no_data_epochs(&self) -> bool {
        self.shards[0].needs_no_data_epochs()
    }

    fn is_stateful(&self) -> bool {
        self.shards[0].is_stateful()
    }

    /// Every instance's checkpoint batches (taken side by side), one after the other, of
    /// the one kind.
    fn checkpoint(&mut self, full: bool) -> Result<StateCheckpoint> {
        let shards = &mut self.shards;
        let parts: Vec<Result<StateCheckpoint>> = on_operator_threads(|| {
            shards
                .par_iter_mut()
                .map(|shard| shard.checkpoint(full))
                .collect()
        });
        let mut batches = Vec::new();
        for part in parts {
            match part? {
                StateCheckpoint::Full(parts) | StateCheckpoint::Delta(parts) => {
                    batches.extend(parts)
                }
            }
        }
        Ok(if full {
            StateCheckpoint::Full(batches)
        } else {
            StateCheckpoint::Delta(batches)
        })
    }

    /// Routes every checkpointed row to the instance that owns its key, or gives each
    /// instance its own batches back (see [`Restore`]).
    fn restore(&mut self, state: StateCheckpoint) -> Result<()> {
        let (full, batches) = match state {
            StateCheckpoint::Full(batches) => (true, batches),
            StateCheckpoint::Delta(batches) => (false, batches),
        };
        // Batches given in pieces count as one each, as the state store reads them back.
        let batches = StateCheckpoint::joined(batches)?;
        let parts = match &self.keys.restore {
            Restore::ByKey(columns) => {
                let router = &self.router;
                on_operator_threads(|| router.split_by_key(columns, &batches))?
            }
            Restore::ByInstance(per_instance) => {
                let per_instance = *per_instance;
                if batches.len() != per_instance * self.shards.len() {
                    return Err(Error::IllegalArgument(format!(
                        "the state of {} was checkpointed by {} instances, and this run has {}: a checkpoint fixes spate.sql.shuffle.instances",
                        self.name(),
                        batches.len() / per_instance,
                        self.shards.len()
                    )));
                }
                batches
                    .chunks(per_instance)
                    .map(<[RecordBatch]>::to_vec)
                    .collect()
            }
        };
        for (shard, parts) in self.shards.iter_mut().zip(parts) {
            shard.restore(if full {
                StateCheckpoint::Full(parts)
            } else {
                StateCheckpoint::Delta(parts)
            })?;
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, epoch: u64, out: &mut Output) -> Result<EpochReport> {
        let inputs = vec![(); self.shards.len()];
        let reports = on_operator_threads(|| {
            self.each(inputs, out, |shard, (), output| {
                shard.on_epoch_end(epoch, output)
            })
        })?;
        Ok(merge_reports(reports))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{count_star, window, EmitMode, StreamingAggregate};
    use crate::dedup::{DedupExpiry, Deduplicate};
    use crate::expr::col;
    use arrow::array::{AsArray, StringArray, TimestampMicrosecondArray};
    use arrow::datatypes::{Field, TimestampMicrosecondType};
    use arrow::util::display::array_value_to_string;
    use spate_runtime::types::timestamp_type;
    use std::sync::Arc;

    const MINUTE_MICROS: i64 = 60_000_000;

    fn schema() -> Arc<Schema> {
        Arc::new(Schema::new(vec![
            Field::new("event_time", timestamp_type(), true),
            Field::new("word", DataType::Utf8, true),
        ]))
    }

    /// Seeded rows `(minute, word)`: batch `b` covers minutes `[10b, 10b + 15)`.
    fn batch(b: i64) -> RecordBatch {
        let mut seed = 0x5eed_u64 + b as u64;
        let mut next = |bound: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % bound
        };
        let rows: Vec<(i64, String)> = (0..200)
            .map(|_| (10 * b + next(15) as i64, format!("w{}", next(40))))
            .collect();
        let times: Vec<i64> = rows.iter().map(|(m, _)| m * MINUTE_MICROS).collect();
        let words: Vec<&str> = rows.iter().map(|(_, w)| w.as_str()).collect();
        RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC")),
                Arc::new(StringArray::from(words)),
            ],
        )
        .expect("batch")
    }

    fn word_count() -> Box<dyn Operator> {
        Box::new(
            StreamingAggregate::new(
                &schema(),
                vec![window(col("event_time"), "10 minutes"), col("word")],
                vec![count_star().alias("count")],
                Some(0),
                EmitMode::Update,
                EvalContext::default(),
            )
            .expect("aggregate"),
        )
    }

    fn first_words() -> Box<dyn Operator> {
        let keys = ["word".to_string()];
        Box::new(Deduplicate::new(&schema(), &keys, None, DedupExpiry::Never).expect("dedup"))
    }

    /// `new`'s operator as `p` instances (plain when `p` is 0).
    fn instances(new: fn() -> Box<dyn Operator>, keys: ShardKeys, p: usize) -> Box<dyn Operator> {
        if p == 0 {
            return new();
        }
        let shards = (0..p).map(|_| new()).collect();
        Box::new(Sharded::new(shards, keys, &schema(), EvalContext::default()).expect("sharded"))
    }

    /// Runs epochs `epochs` (watermark: 20 minutes behind the epoch's start); returns every
    /// emitted row as text, sorted per epoch, and the state counts of each epoch.
    fn run(op: &mut dyn Operator, epochs: std::ops::Range<i64>) -> Vec<(Vec<String>, [u64; 4])> {
        epochs
            .map(|e| {
                let mut out = Output::default();
                let watermark = ((10 * e - 20) * 60_000).max(0);
                op.on_watermark(
                    &Watermarks {
                        epoch: e as u64,
                        late: watermark,
                        evict: watermark,
                        batch_timestamp_ms: 0,
                    },
                    &mut out,
                )
                .expect("watermark");
                op.on_data(0, batch(e), &mut out).expect("data");
                let report = op.on_epoch_end(e as u64, &mut out).expect("end");
                let mut rows: Vec<String> = out
                    .drain()
                    .flat_map(|b| {
                        (0..b.num_rows())
                            .map(|r| {
                                let cells: Vec<String> =
                                    b.columns().iter().map(|c| cell(c, r)).collect();
                                cells.join("|")
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect();
                rows.sort();
                let s = report.state.expect("state");
                (
                    rows,
                    [
                        s.num_rows_total,
                        s.num_rows_updated,
                        s.num_rows_removed,
                        s.num_rows_dropped_by_watermark,
                    ],
                )
            })
            .collect()
    }

    /// Row `r` of `column` as text (a window by its start, in µs).
    fn cell(column: &ArrayRef, r: usize) -> String {
        match column.data_type() {
            DataType::Struct(_) => {
                let start = column.as_struct().column(0).clone();
                format!(
                    "{}",
                    start.as_primitive::<TimestampMicrosecondType>().value(r)
                )
            }
            DataType::Timestamp(..) => {
                format!(
                    "{}",
                    column.as_primitive::<TimestampMicrosecondType>().value(r)
                )
            }
            _ => array_value_to_string(column, r).expect("cell"),
        }
    }

    fn aggregate_keys() -> ShardKeys {
        ShardKeys {
            inputs: vec![vec![col("word")]],
            restore: Restore::ByKey(vec![1]),
        }
    }

    fn dedup_keys() -> ShardKeys {
        ShardKeys {
            inputs: vec![vec![col("word")]],
            restore: Restore::ByKey(vec![0]),
        }
    }

    #[test]
    fn instances_emit_and_count_what_one_operator_does() {
        for (new, keys) in [
            (word_count as fn() -> Box<dyn Operator>, aggregate_keys()),
            (first_words, dedup_keys()),
        ] {
            let expected = run(instances(new, keys.clone(), 0).as_mut(), 0..6);
            for p in [1, 2, 3] {
                let mut sharded = instances(new, keys.clone(), p);
                assert_eq!(run(sharded.as_mut(), 0..6), expected, "P = {p}");
            }
        }
    }

    #[test]
    fn a_checkpoint_restores_under_another_number_of_instances() {
        let mut whole = instances(word_count, aggregate_keys(), 0);
        let expected = run(whole.as_mut(), 0..6);
        let mut three = instances(word_count, aggregate_keys(), 3);
        run(three.as_mut(), 0..3);
        let snapshot = three.checkpoint(true).expect("snapshot");
        run(three.as_mut(), 3..4);
        let delta = three.checkpoint(false).expect("delta");
        for p in [0, 2] {
            let mut restored = instances(word_count, aggregate_keys(), p);
            restored.restore(snapshot.clone()).expect("snapshot");
            restored.restore(delta.clone()).expect("delta");
            assert_eq!(run(restored.as_mut(), 4..6), expected[4..], "P = {p}");
        }
    }

    /// Notes the thread each of its batches ran on.
    struct ThreadProbe(Arc<std::sync::Mutex<Vec<String>>>);

    impl Operator for ThreadProbe {
        fn name(&self) -> &str {
            "thread probe"
        }

        fn on_data(&mut self, _port: usize, _batch: RecordBatch, _out: &mut Output) -> Result<()> {
            let thread = std::thread::current().name().unwrap_or_default().to_owned();
            self.0.lock().expect("lock").push(thread);
            Ok(())
        }
    }

    /// Batches `0..n` as one.
    fn big_batch(n: i64) -> RecordBatch {
        let parts: Vec<RecordBatch> = (0..n).map(batch).collect();
        arrow::compute::concat_batches(&schema(), &parts).expect("concat")
    }

    #[test]
    fn instances_run_on_the_operators_threads() {
        let threads = Arc::new(std::sync::Mutex::new(Vec::new()));
        let shards = (0..3)
            .map(|_| Box::new(ThreadProbe(threads.clone())) as Box<dyn Operator>)
            .collect();
        let mut sharded =
            Sharded::new(shards, dedup_keys(), &schema(), EvalContext::default()).expect("sharded");
        for batch in [batch(0), big_batch(200)] {
            sharded
                .on_data(0, batch, &mut Output::default())
                .expect("data");
            let seen = std::mem::take(&mut *threads.lock().expect("lock"));
            assert_eq!(seen.len(), 3);
            assert!(
                seen.iter().all(|t| t.starts_with("spate-operator-")),
                "{seen:?}"
            );
        }
    }

    #[test]
    fn a_batch_routed_in_parts_emits_what_one_operator_does() {
        let rows = |op: &mut dyn Operator| {
            let mut out = Output::default();
            op.on_data(0, big_batch(200), &mut out).expect("data");
            let mut rows: Vec<String> = out
                .drain()
                .flat_map(|b| {
                    let times = b
                        .column(0)
                        .as_primitive::<TimestampMicrosecondType>()
                        .clone();
                    let words = b.column(1).clone();
                    (0..b.num_rows())
                        .map(move |r| {
                            let word = array_value_to_string(&words, r).expect("word");
                            format!("{} {word}", times.value(r))
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            rows.sort();
            rows
        };
        let expected = rows(instances(first_words, dedup_keys(), 0).as_mut());
        assert_eq!(expected.len(), 40);
        assert_eq!(
            rows(instances(first_words, dedup_keys(), 2).as_mut()),
            expected
        );
    }

    #[test]
    fn a_batch_routed_in_parts_goes_where_its_hashes_modulo_p_send_it() {
        let big = big_batch(20);
        // A slice, so that the batch's rows do not start at its buffers' start.
        let big = big.slice(7, big.num_rows() - 7);
        let words = |slice: &RecordBatch| Ok(vec![slice.column(1).clone()]);
        for p in [1, 2, 3, 4, 8] {
            let shards = (0..p).map(|_| first_words()).collect();
            let sharded = Sharded::new(shards, dedup_keys(), &schema(), EvalContext::default())
                .expect("sharded");
            let whole = sharded
                .router
                .hashes(&words(&big).expect("words"), big.num_rows())
                .expect("whole");
            let expected: Vec<Vec<u32>> = (0..p as u64)
                .map(|instance| {
                    (0..big.num_rows() as u32)
                        .filter(|&row| whole[row as usize] % p as u64 == instance)
                        .collect()
                })
                .collect();
            for parts in [1, 3, 7] {
                let routed = sharded
                    .router
                    .route_in_parts(&big, parts, words)
                    .expect("route");
                assert_eq!(routed, expected, "P = {p}, {parts} parts");
            }
        }
    }
}
