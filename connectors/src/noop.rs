//! Spark's `noop` sink (`format("noop")`): runs the whole query and drops its rows, for
//! measuring a query without the cost of writing its output.

use arrow::record_batch::RecordBatch;
use spate_runtime::{Result, Sink, SinkCommit};

/// A sink that counts the rows it is given and keeps none of them.
#[derive(Debug, Default)]
pub struct NoopSink {
    rows: i64,
}

impl Sink for NoopSink {
    fn description(&self) -> String {
        "NoopTable".into()
    }

    fn write(&mut self, _epoch: u64, batch: RecordBatch) -> Result<()> {
        self.rows += batch.num_rows() as i64;
        Ok(())
    }

    fn commit(&mut self, _epoch: u64) -> Result<SinkCommit> {
        Ok(SinkCommit {
            num_output_rows: std::mem::take(&mut self.rows),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int64Array;
    use std::sync::Arc;

    #[test]
    fn counts_each_epochs_rows() {
        let batch = |n: i64| {
            RecordBatch::try_from_iter([("v", Arc::new(Int64Array::from_iter_values(0..n)) as _)])
                .expect("batch")
        };
        let mut sink = NoopSink::default();
        sink.write(0, batch(3)).expect("write");
        sink.write(0, batch(4)).expect("write");
        assert_eq!(sink.commit(0).expect("commit").num_output_rows, 7);
        assert_eq!(sink.commit(1).expect("commit").num_output_rows, 0);
    }
}
