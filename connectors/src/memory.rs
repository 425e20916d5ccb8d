//! The memory sink: the query name becomes an in-memory table (SEMANTICS.md §9.2).

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use spate_runtime::{Result, Sink, SinkCommit};
use std::sync::{Arc, RwLock};

/// The rows of a memory-sink table, shared between the sink and readers.
#[derive(Clone)]
pub struct MemoryTable {
    schema: SchemaRef,
    batches: Arc<RwLock<Vec<RecordBatch>>>,
}

impl MemoryTable {
    /// An empty table with `schema`.
    pub fn new(schema: SchemaRef) -> Self {
        MemoryTable {
            schema,
            batches: Arc::default(),
        }
    }

    /// The table's schema.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// A snapshot of the rows stored so far.
    pub fn batches(&self) -> Vec<RecordBatch> {
        self.batches.read().map(|b| b.clone()).unwrap_or_default()
    }
}

/// How the memory sink stores each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryMode {
    /// Append and Update: each batch's rows are appended.
    Append,
    /// Complete: the table is replaced by the latest batch.
    Complete,
}

/// Spark's memory sink.
pub struct MemorySink {
    table: MemoryTable,
    mode: MemoryMode,
    pending: Vec<RecordBatch>,
    last_committed: Option<u64>,
}

impl MemorySink {
    /// A sink storing into `table`.
    pub fn new(table: MemoryTable, mode: MemoryMode) -> Self {
        MemorySink {
            table,
            mode,
            pending: Vec::new(),
            last_committed: None,
        }
    }
}

impl Sink for MemorySink {
    fn description(&self) -> String {
        "MemorySink".into()
    }

    fn write(&mut self, epoch: u64, batch: RecordBatch) -> Result<()> {
        if self.last_committed.is_none_or(|last| epoch > last) {
            self.pending.push(batch);
        }
        Ok(())
    }

    fn commit(&mut self, epoch: u64) -> Result<SinkCommit> {
        let batch = std::mem::take(&mut self.pending);
        if self.last_committed.is_some_and(|last| epoch <= last) {
            return Ok(SinkCommit { num_output_rows: 0 });
        }
        let rows = batch.iter().map(|b| b.num_rows() as i64).sum();
        if let Ok(mut stored) = self.table.batches.write() {
            if self.mode == MemoryMode::Complete {
                stored.clear();
            }
            stored.extend(batch);
        }
        self.last_committed = Some(epoch);
        Ok(SinkCommit {
            num_output_rows: rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spate_runtime::testing::{value_schema, values, values_of};

    fn stored(table: &MemoryTable) -> Vec<i64> {
        table.batches().iter().flat_map(values_of).collect()
    }

    #[test]
    fn append_mode_appends_and_complete_mode_replaces() {
        let table = MemoryTable::new(value_schema());
        let mut sink = MemorySink::new(table.clone(), MemoryMode::Append);
        sink.write(0, values(&[1])).unwrap();
        assert_eq!(sink.commit(0).unwrap().num_output_rows, 1);
        sink.write(1, values(&[2, 3])).unwrap();
        sink.commit(1).unwrap();
        assert_eq!(stored(&table), [1, 2, 3]);
        // A replayed batch id is skipped.
        sink.write(1, values(&[9])).unwrap();
        assert_eq!(sink.commit(1).unwrap().num_output_rows, 0);
        assert_eq!(stored(&table), [1, 2, 3]);

        let table = MemoryTable::new(value_schema());
        let mut sink = MemorySink::new(table.clone(), MemoryMode::Complete);
        sink.write(0, values(&[1])).unwrap();
        sink.commit(0).unwrap();
        sink.write(1, values(&[4, 5])).unwrap();
        sink.commit(1).unwrap();
        assert_eq!(stored(&table), [4, 5]);
    }
}
