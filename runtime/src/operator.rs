//! The Operator trait: a plain state machine that the actor host drives.

use crate::error::Result;
use crate::message::Watermarks;
use crate::progress::StateOperatorProgress;
use crate::sink::SinkCommit;
use arrow::array::{Array, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::record_batch::RecordBatch;

/// Where an operator puts the batches it produces; the host forwards them downstream.
#[derive(Debug, Default)]
pub struct Output {
    batches: Vec<RecordBatch>,
}

impl Output {
    /// Emits one batch downstream (empty batches are skipped).
    pub fn emit(&mut self, batch: RecordBatch) {
        if batch.num_rows() > 0 {
            self.batches.push(batch);
        }
    }

    /// Takes the emitted batches, leaving the output empty.
    pub fn drain(&mut self) -> std::vec::Drain<'_, RecordBatch> {
        self.batches.drain(..)
    }
}

/// Event-time statistics of the rows one watermark operator saw in one epoch
/// (Spark's `EventTimeStats`), in ms since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTimeStats {
    /// Latest event time.
    pub max: i64,
    /// Earliest event time.
    pub min: i64,
    /// Sum of the event times (for the average).
    pub sum: i128,
    /// Rows seen.
    pub count: u64,
}

impl EventTimeStats {
    /// Statistics that combine `self` and `other`.
    pub fn merge(self, other: EventTimeStats) -> EventTimeStats {
        EventTimeStats {
            max: self.max.max(other.max),
            min: self.min.min(other.min),
            sum: self.sum + other.sum,
            count: self.count + other.count,
        }
    }

    /// The average event time, truncated to ms as Spark prints it.
    pub fn avg(&self) -> i64 {
        if self.count == 0 {
            return 0;
        }
        (self.sum / self.count as i128) as i64
    }
}

/// A watermark operator's report: its delay and what it saw in the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatermarkReport {
    /// The `withWatermark` delay, ms.
    pub delay_ms: i64,
    /// The epoch's event-time statistics (`None` when no row passed).
    pub stats: Option<EventTimeStats>,
    /// The operator's place in Spark's plan order (the root first, then each input in
    /// turn): progress `eventTime` shows the statistics of the first one that saw rows.
    pub plan_order: usize,
}

/// What an operator reports to the coordinator when an epoch ends at it.
#[derive(Debug, Clone, Default)]
pub struct EpochReport {
    /// Set by sinks: the commit of this epoch's output.
    pub sink_commit: Option<SinkCommit>,
    /// Set by stateful operators: their progress `stateOperators` entry.
    pub state: Option<StateOperatorProgress>,
    /// Set by watermark operators.
    pub watermark: Option<WatermarkReport>,
}

/// One epoch's checkpoint of a stateful operator, as Arrow batches (at least one, possibly
/// empty, so that the file has a schema).
#[derive(Debug, Clone, PartialEq)]
pub enum StateCheckpoint {
    /// The whole state.
    Full(Vec<RecordBatch>),
    /// What changed since the previous checkpoint.
    Delta(Vec<RecordBatch>),
}

/// Schema metadata of a checkpoint batch that the next one continues (see
/// [`StateCheckpoint::in_pieces`]).
const CONTINUED: &str = "spate.state.continued";

impl StateCheckpoint {
    /// One batch of state given as `pieces` with the same columns, in order (at least one),
    /// so that it need not be copied into one: every piece but the last is marked as
    /// continued by the next, the state store writes them as one batch and reads them
    /// back as one, and [`StateCheckpoint::joined`] puts them together in memory.
    pub fn in_pieces(pieces: Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
        if pieces.is_empty() {
            return Err(crate::error::Error::IllegalArgument(
                "a batch of state given in pieces needs at least one".into(),
            ));
        }
        let last = pieces.len() - 1;
        pieces
            .into_iter()
            .enumerate()
            .map(|(index, piece)| {
                if index == last {
                    return Ok(piece);
                }
                let mut metadata = piece.schema().metadata().clone();
                metadata.insert(CONTINUED.to_string(), "true".to_string());
                let schema = piece.schema().as_ref().clone().with_metadata(metadata);
                Ok(piece.with_schema(std::sync::Arc::new(schema))?)
            })
            .collect()
    }

    /// Whether the checkpoint batch after `batch` continues it ([`StateCheckpoint::in_pieces`]).
    pub fn is_continued(batch: &RecordBatch) -> bool {
        batch.schema().metadata().contains_key(CONTINUED)
    }

    /// `batches` as the batches they make: the pieces of a batch given in pieces together
    /// (a batch not given in pieces alone), in order. An error when the last is marked as
    /// continued.
    pub fn grouped(batches: &[RecordBatch]) -> Result<Vec<&[RecordBatch]>> {
        let mut groups = Vec::new();
        let mut start = 0;
        for (index, batch) in batches.iter().enumerate() {
            if !Self::is_continued(batch) {
                groups.push(&batches[start..=index]);
                start = index + 1;
            }
        }
        if start < batches.len() {
            return Err(crate::error::Error::IllegalArgument(
                "a state checkpoint ends with a batch marked as continued".into(),
            ));
        }
        Ok(groups)
    }

    /// `batches` with every batch given in pieces put together, as the state store reads
    /// them back; a batch not given in pieces is taken as it is, not copied.
    pub fn joined(batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
        if !batches.iter().any(Self::is_continued) {
            return Ok(batches);
        }
        Self::grouped(&batches)?
            .into_iter()
            .map(|group| {
                Ok(match group {
                    [whole] => whole.clone(),
                    // A group is never empty: it ends with its uncontinued batch.
                    _ => arrow::compute::concat_batches(&group[group.len() - 1].schema(), group)?,
                })
            })
            .collect()
    }

    /// Batches of state columns, each a set of columns with its number of rows (named `c0,
    /// c1, …`, all nullable), as a full snapshot or a delta.
    pub fn of_column_sets(
        full: bool,
        sets: Vec<(Vec<arrow::array::ArrayRef>, usize)>,
    ) -> Result<Self> {
        use arrow::datatypes::{Field, Schema};
        let batches = sets
            .into_iter()
            .map(|(columns, rows)| {
                let fields: Vec<Field> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true))
                    .collect();
                let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(rows));
                RecordBatch::try_new_with_options(
                    std::sync::Arc::new(Schema::new(fields)),
                    columns,
                    &options,
                )
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(if full {
            StateCheckpoint::Full(batches)
        } else {
            StateCheckpoint::Delta(batches)
        })
    }
}

/// The rows numbered `rows` of `batch`, in that order (the batch itself when they are all
/// of its rows, in order).
pub fn take_rows(batch: &RecordBatch, rows: &UInt32Array) -> Result<RecordBatch> {
    let all = rows.len() == batch.num_rows()
        && rows.null_count() == 0
        && rows
            .values()
            .iter()
            .enumerate()
            .all(|(i, &row)| row as usize == i);
    if all {
        return Ok(batch.clone());
    }
    Ok(take_record_batch(batch, rows)?)
}

/// A dataflow operator. It sees, per epoch, the watermarks, then data from its input ports,
/// then the end of the epoch (after barriers arrived on every input).
pub trait Operator: Send + 'static {
    /// Name used in tracing spans and error messages.
    fn name(&self) -> &str;

    /// Processes one batch that arrived on input `port`.
    fn on_data(&mut self, port: usize, batch: RecordBatch, out: &mut Output) -> Result<()>;

    /// [`Operator::on_data`] for the rows numbered `rows` of `batch` alone (in order, each
    /// a row of the batch, none NULL): how an instance of a key-partitioned operator is
    /// given its share of a batch. By default those rows are copied out of the batch; an
    /// operator that reads few of its columns can look at them in place, and copy out only
    /// the rows it emits.
    fn on_rows(
        &mut self,
        port: usize,
        batch: &RecordBatch,
        rows: &UInt32Array,
        out: &mut Output,
    ) -> Result<()> {
        self.on_data(port, take_rows(batch, rows)?, out)
    }

    /// Learns the watermarks of the epoch that starts.
    fn on_watermark(&mut self, _watermarks: &Watermarks, _out: &mut Output) -> Result<()> {
        Ok(())
    }

    /// Whether a watermark that moved gives this operator work even without new rows
    /// (closing windows, evicting state): the coordinator then runs a no-data epoch after an
    /// epoch that advanced the watermark (SEMANTICS.md §1.6).
    fn needs_no_data_epochs(&self) -> bool {
        false
    }

    /// Whether the operator keeps state across epochs (the host then checkpoints it).
    fn is_stateful(&self) -> bool {
        false
    }

    /// The state after this epoch, for the checkpoint: the whole state when `full`,
    /// otherwise what changed since the previous call (operators without deltas may always
    /// answer the whole state). The host calls it after [`Operator::on_epoch_end`] and
    /// writes it before the epoch can commit.
    fn checkpoint(&mut self, _full: bool) -> Result<StateCheckpoint> {
        Ok(StateCheckpoint::Full(Vec::new()))
    }

    /// Applies a checkpoint (at restart, before the first epoch): a full one, then each
    /// delta after it, in order.
    fn restore(&mut self, _state: StateCheckpoint) -> Result<()> {
        Ok(())
    }

    /// The epoch ended on every input: emit what the epoch owes and report.
    fn on_epoch_end(&mut self, _epoch: u64, _out: &mut Output) -> Result<EpochReport> {
        Ok(EpochReport::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, AsArray, Int32Array};
    use arrow::datatypes::Int32Type;
    use std::sync::Arc;

    #[test]
    fn take_rows_gives_the_batch_itself_only_for_all_its_rows_in_order() {
        let column: ArrayRef = Arc::new(Int32Array::from(vec![10, 20, 30]));
        let batch = RecordBatch::try_from_iter([("v", column.clone())]).expect("batch");
        let taken = |rows: Vec<u32>| take_rows(&batch, &UInt32Array::from(rows)).expect("take");
        let values = |b: &RecordBatch| b.column(0).as_primitive::<Int32Type>().values().to_vec();
        let all = taken(vec![0, 1, 2]);
        assert!(Arc::ptr_eq(all.column(0), &column));
        let reordered = taken(vec![2, 0, 1]);
        assert_eq!(values(&reordered), [30, 10, 20]);
        assert_eq!(values(&taken(vec![1])), [20]);
        assert_eq!(taken(vec![]).num_rows(), 0);
    }
}
