//! The Operator trait: a plain state machine that the actor host drives.

use crate::error::Result;
use crate::message::Watermarks;
use crate::progress::StateOperatorProgress;
use crate::sink::SinkCommit;
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

/// What an operator reports to the coordinator when an epoch ends at it.
#[derive(Debug, Clone, Default)]
pub struct EpochReport {
    /// Set by sinks: the commit of this epoch's output.
    pub sink_commit: Option<SinkCommit>,
    /// Set by stateful operators: their progress `stateOperators` entry.
    pub state: Option<StateOperatorProgress>,
}

/// A dataflow operator. It sees, per epoch, the watermarks, then data from its input ports,
/// then the end of the epoch (after barriers arrived on every input).
pub trait Operator: Send + 'static {
    /// Name used in tracing spans and error messages.
    fn name(&self) -> &str;

    /// Processes one batch that arrived on input `port`.
    fn on_data(&mut self, port: usize, batch: RecordBatch, out: &mut Output) -> Result<()>;

    /// Learns the watermarks of the epoch that starts.
    fn on_watermark(&mut self, _watermarks: &Watermarks, _out: &mut Output) -> Result<()> {
        Ok(())
    }

    /// The epoch ended on every input: emit what the epoch owes and report.
    fn on_epoch_end(&mut self, _epoch: u64, _out: &mut Output) -> Result<EpochReport> {
        Ok(EpochReport::default())
    }
}
