//! The foreachBatch sink: a closure called with each batch's rows and batch id.

use arrow::record_batch::RecordBatch;
use spate_runtime::{Result, Sink, SinkCommit};

/// The user's function: the epoch's record batches and its batch id.
pub type BatchFunction = Box<dyn FnMut(&[RecordBatch], u64) -> Result<()> + Send>;

/// Spark's `foreachBatch` sink: called once per executed batch, no-data batches included.
pub struct ForeachBatchSink {
    function: BatchFunction,
    pending: Vec<RecordBatch>,
}

impl ForeachBatchSink {
    /// A sink calling `function`.
    pub fn new(function: BatchFunction) -> Self {
        ForeachBatchSink {
            function,
            pending: Vec::new(),
        }
    }
}

impl Sink for ForeachBatchSink {
    fn description(&self) -> String {
        "ForeachBatchSink".into()
    }

    fn write(&mut self, _epoch: u64, batch: RecordBatch) -> Result<()> {
        self.pending.push(batch);
        Ok(())
    }

    fn commit(&mut self, epoch: u64) -> Result<SinkCommit> {
        let batches = std::mem::take(&mut self.pending);
        (self.function)(&batches, epoch)?;
        Ok(SinkCommit {
            num_output_rows: -1,
        })
    }
}
