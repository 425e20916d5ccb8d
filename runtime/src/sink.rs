//! The Sink trait: where each epoch's output goes.

use crate::error::Result;
use arrow::record_batch::RecordBatch;

/// What a sink reports when it commits an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkCommit {
    /// Rows written, as progress `sink.numOutputRows` shows it (`-1` for sinks that do not count).
    pub num_output_rows: i64,
}

/// A streaming sink. It sees the rows of epoch `N` through [`Sink::write`], then
/// [`Sink::commit`] once, after every row of the epoch arrived. Commits must be idempotent
/// per epoch: a sink that already committed epoch `N` (before a restart) ignores it.
pub trait Sink: Send + 'static {
    /// Progress `sink.description` (Spark's text, e.g. `FileSink[file:/out]`).
    fn description(&self) -> String;
    /// Receives rows of `epoch`; may buffer them or write them out at once.
    fn write(&mut self, epoch: u64, batch: RecordBatch) -> Result<()>;
    /// Makes everything written for `epoch` visible, exactly once.
    fn commit(&mut self, epoch: u64) -> Result<SinkCommit>;
}

/// Runs a [`Sink`] as the last operator of a topology.
pub(crate) struct SinkOperator {
    name: String,
    sink: Box<dyn Sink>,
    epoch: u64,
}

impl SinkOperator {
    /// Wraps `sink`.
    pub(crate) fn new(sink: Box<dyn Sink>) -> Self {
        SinkOperator {
            name: sink.description(),
            sink,
            epoch: 0,
        }
    }
}

impl crate::operator::Operator for SinkOperator {
    fn name(&self) -> &str {
        &self.name
    }

    fn on_data(
        &mut self,
        _port: usize,
        batch: RecordBatch,
        _out: &mut crate::operator::Output,
    ) -> Result<()> {
        self.sink.write(self.epoch, batch)
    }

    fn on_watermark(
        &mut self,
        watermarks: &crate::message::Watermarks,
        _out: &mut crate::operator::Output,
    ) -> Result<()> {
        self.epoch = watermarks.epoch;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        epoch: u64,
        _out: &mut crate::operator::Output,
    ) -> Result<crate::operator::EpochReport> {
        Ok(crate::operator::EpochReport {
            sink_commit: Some(self.sink.commit(epoch)?),
            ..Default::default()
        })
    }
}
