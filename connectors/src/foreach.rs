//! The foreach sink: a closure called with each record batch as it reaches the sink.

use arrow::record_batch::RecordBatch;
use spate_runtime::{Result, Sink, SinkCommit};

/// The user's function: one record batch and the epoch (batch id) it belongs to.
pub type RowsFunction = Box<dyn FnMut(&RecordBatch, u64) -> Result<()> + Send>;

/// Spark's `foreach` sink, batch-wise: `function` sees rows the moment they arrive, before
/// their epoch commits, so after a failure an epoch's rows can be seen again
/// (at-least-once, as in Spark).
pub struct ForeachSink {
    function: RowsFunction,
    rows: i64,
}

impl ForeachSink {
    /// A sink calling `function`.
    pub fn new(function: RowsFunction) -> Self {
        ForeachSink { function, rows: 0 }
    }
}

impl Sink for ForeachSink {
    fn description(&self) -> String {
        "ForeachSink".into()
    }

    fn write(&mut self, epoch: u64, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.rows += batch.num_rows() as i64;
        (self.function)(&batch, epoch)
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
    use std::sync::{Arc, Mutex};

    #[test]
    fn each_batch_is_passed_on_as_it_arrives_and_counted_at_commit() {
        let seen: Arc<Mutex<Vec<(u64, usize)>>> = Arc::default();
        let log = seen.clone();
        let mut sink = ForeachSink::new(Box::new(move |batch, epoch| {
            log.lock().expect("lock").push((epoch, batch.num_rows()));
            Ok(())
        }));
        let batch = |n: i64| {
            RecordBatch::try_from_iter([(
                "v",
                Arc::new(Int64Array::from_iter_values(0..n)) as arrow::array::ArrayRef,
            )])
            .expect("batch")
        };
        sink.write(3, batch(2)).expect("write");
        assert_eq!(*seen.lock().expect("lock"), [(3, 2)]);
        sink.write(3, batch(5)).expect("write");
        sink.write(3, batch(0)).expect("write");
        assert_eq!(seen.lock().expect("lock").len(), 2);
        assert_eq!(sink.commit(3).expect("commit").num_output_rows, 7);
        assert_eq!(sink.commit(4).expect("commit").num_output_rows, 0);
    }
}
