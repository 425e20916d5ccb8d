//! Small in-memory sources, operators and sinks for tests of the runtime and of code built
//! on it.

use crate::error::{Error, Result};
use crate::operator::{Operator, Output};
use crate::sink::{Sink, SinkCommit};
use crate::source::{BatchReader, Bookkeeping, Offset, ReadLimit, Source};
use crate::text::tzfile::database_dir;
use crate::text::zone::{resolve_zone_id, Zone};
use arrow::array::Int64Array;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The region `id` (such as `America/Los_Angeles`) from the system time zone database, for
/// tests of daylight-saving rules. Panics, naming the database directory, if the region is
/// missing: such a test must fail rather than pass without checking anything.
pub fn region_zone(id: &str) -> Zone {
    match resolve_zone_id(id) {
        Ok(zone @ Zone::Region(_)) => zone,
        _ => panic!(
            "no region {id} in the time zone database {}: install tzdata or set TZDIR",
            database_dir().display()
        ),
    }
}

/// Schema of [`VecSource`]'s rows: one `value bigint` column.
pub fn value_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new(
        "value",
        DataType::Int64,
        true,
    )]))
}

/// A batch of `value` rows.
pub fn values(values: &[i64]) -> RecordBatch {
    RecordBatch::try_new(
        value_schema(),
        vec![Arc::new(Int64Array::from(values.to_vec()))],
    )
    .unwrap_or_else(|_| RecordBatch::new_empty(value_schema()))
}

/// The `value` column of a batch.
pub fn values_of(batch: &RecordBatch) -> Vec<i64> {
    batch
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .map(|a| a.iter().flatten().collect())
        .unwrap_or_default()
}

/// A source whose data is a shared list of batches that a test appends to; the offset is
/// the number of batches (`{"index": n}`), `max_per_trigger` limits batches per epoch.
#[derive(Clone)]
pub struct VecSource {
    /// The batches available so far.
    pub batches: Arc<Mutex<Vec<RecordBatch>>>,
    /// At most this many batches per epoch.
    pub max_per_trigger: Option<usize>,
    /// Time the reader spends on each batch (a deliberately slow source).
    pub read_delay: Duration,
    /// Rows handed out by readers so far.
    pub rows_read: Arc<AtomicUsize>,
    frozen_at: Option<usize>,
}

impl VecSource {
    /// A source with no data yet.
    pub fn new(max_per_trigger: Option<usize>) -> Self {
        VecSource {
            batches: Arc::default(),
            max_per_trigger,
            read_delay: Duration::ZERO,
            rows_read: Arc::default(),
            frozen_at: None,
        }
    }

    /// Makes `batch` available.
    pub fn push(&self, batch: RecordBatch) {
        if let Ok(mut batches) = self.batches.lock() {
            batches.push(batch);
        }
    }

    fn index(offset: Option<&Offset>) -> usize {
        offset.and_then(|o| o["index"].as_u64()).unwrap_or(0) as usize
    }
}

impl Source for VecSource {
    fn description(&self) -> String {
        "VecSource".into()
    }

    fn schema(&self) -> SchemaRef {
        value_schema()
    }

    fn open(&mut self, _bookkeeping: Bookkeeping) -> Result<()> {
        Ok(())
    }

    fn prepare_for_available_now(&mut self) -> Result<()> {
        self.frozen_at = Some(self.batches.lock().map(|b| b.len()).unwrap_or(0));
        Ok(())
    }

    fn latest_offset(
        &mut self,
        start: Option<&Offset>,
        limit: ReadLimit,
    ) -> Result<Option<Offset>> {
        let available = self.batches.lock().map(|b| b.len()).unwrap_or(0);
        let available = self.frozen_at.map_or(available, |f| f.min(available));
        if available == 0 {
            return Ok(None);
        }
        let start = Self::index(start);
        let end = match (limit, self.max_per_trigger) {
            (ReadLimit::Configured, Some(max)) => available.min(start + max),
            _ => available,
        };
        Ok(Some(serde_json::json!({ "index": end })))
    }

    fn plan_batch(&mut self, start: Option<&Offset>, end: &Offset) -> Result<Box<dyn BatchReader>> {
        let batches = self
            .batches
            .lock()
            .map_err(|_| Error::IllegalArgument("poisoned".into()))?;
        let range = Self::index(start)..Self::index(Some(end));
        Ok(Box::new(VecReader {
            batches: batches[range].iter().cloned().collect(),
            delay: self.read_delay,
            rows_read: self.rows_read.clone(),
        }))
    }

    fn commit(&mut self, _end: &Offset) -> Result<()> {
        Ok(())
    }
}

struct VecReader {
    batches: std::collections::VecDeque<RecordBatch>,
    delay: Duration,
    rows_read: Arc<AtomicUsize>,
}

impl BatchReader for VecReader {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        std::thread::sleep(self.delay);
        let batch = self.batches.pop_front();
        if let Some(batch) = &batch {
            self.rows_read.fetch_add(batch.num_rows(), Ordering::SeqCst);
        }
        Ok(batch)
    }
}

/// What a [`CollectSink`] saw: per committed epoch, its rows.
pub type Collected = Arc<Mutex<Vec<(u64, Vec<RecordBatch>)>>>;

/// A sink that keeps every committed epoch's batches, optionally sleeping per batch.
pub struct CollectSink {
    /// Committed epochs.
    pub committed: Collected,
    pending: Vec<RecordBatch>,
    delay_per_batch: Duration,
    /// When set: rows read by a source, to measure how far it runs ahead of this sink.
    pub upstream: Option<Arc<AtomicUsize>>,
    /// The most rows the upstream source was ahead of this sink, seen at any write.
    pub max_ahead: Arc<AtomicUsize>,
    /// Rows written so far, committed or not.
    pub received: Arc<AtomicUsize>,
}

impl CollectSink {
    /// A sink; `delay_per_batch` makes it deliberately slow.
    pub fn new(delay_per_batch: Duration) -> (Self, Collected) {
        let committed = Collected::default();
        let sink = CollectSink {
            committed: committed.clone(),
            pending: Vec::new(),
            delay_per_batch,
            upstream: None,
            max_ahead: Arc::default(),
            received: Arc::default(),
        };
        (sink, committed)
    }
}

impl Sink for CollectSink {
    fn description(&self) -> String {
        "CollectSink".into()
    }

    fn write(&mut self, _epoch: u64, batch: RecordBatch) -> Result<()> {
        std::thread::sleep(self.delay_per_batch);
        let received =
            self.received.fetch_add(batch.num_rows(), Ordering::SeqCst) + batch.num_rows();
        if let Some(upstream) = &self.upstream {
            let ahead = upstream.load(Ordering::SeqCst).saturating_sub(received);
            self.max_ahead.fetch_max(ahead, Ordering::SeqCst);
        }
        self.pending.push(batch);
        Ok(())
    }

    fn commit(&mut self, epoch: u64) -> Result<SinkCommit> {
        let rows = self.pending.iter().map(|b| b.num_rows() as i64).sum();
        if let Ok(mut committed) = self.committed.lock() {
            committed.push((epoch, std::mem::take(&mut self.pending)));
        }
        Ok(SinkCommit {
            num_output_rows: rows,
        })
    }
}

/// An operator that passes batches through, failing on a batch containing `fail_on`.
pub struct PassThrough {
    /// A value that makes the operator fail.
    pub fail_on: Option<i64>,
}

impl Operator for PassThrough {
    fn name(&self) -> &str {
        "PassThrough"
    }

    fn on_data(&mut self, _port: usize, batch: RecordBatch, out: &mut Output) -> Result<()> {
        if let Some(bad) = self.fail_on {
            if values_of(&batch).contains(&bad) {
                return Err(Error::IllegalArgument(format!("bad value {bad}")));
            }
        }
        out.emit(batch);
        Ok(())
    }
}
