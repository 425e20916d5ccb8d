//! The Source trait: offset discovery on the coordinator, reading in a source actor.

use crate::checkpoint::Durability;
use crate::error::Result;
use arrow::array::BooleanArray;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use std::path::PathBuf;

/// A source's position, as the JSON Spark writes into the offset log (`{"logOffset":2}`).
pub type Offset = serde_json::Value;

/// How much a source may admit into the next batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadLimit {
    /// The source's own per-trigger limit (e.g. `maxFilesPerTrigger`).
    Configured,
    /// Everything available (`Trigger.Once`).
    All,
}

/// Where a source keeps what it must remember across restarts (`<checkpoint>/sources/<i>`),
/// and how its files reach the disk.
#[derive(Debug, Clone)]
pub struct Bookkeeping {
    /// The directory.
    pub dir: PathBuf,
    /// How the files written there reach the disk.
    pub durability: Durability,
}

impl Bookkeeping {
    /// Bookkeeping in `dir`, its files written with the default durability.
    pub fn new(dir: PathBuf) -> Self {
        Bookkeeping {
            dir,
            durability: Durability::default(),
        }
    }
}

/// Reads the rows of one batch's offset range, batch by batch, in a source actor.
pub trait BatchReader: Send + 'static {
    /// The next record batch of the range, or `None` when the range is exhausted.
    fn next_batch(&mut self) -> Result<Option<RecordBatch>>;

    /// Takes over `map`, to run it on each batch as part of reading it (a reader that
    /// decodes on several threads runs it there too); every batch given after it is mapped
    /// and not empty. `false`: the reader cannot, and its caller maps.
    fn fuse_map(&mut self, _map: &BatchMap) -> bool {
        false
    }

    /// The rows the source counts as read (its progress `numInputRows`) since the last
    /// call, when that is not the rows of the batches given: a fused map's filters drop
    /// rows after the scan, and batches they empty are not given at all. `None`: count the
    /// batches' rows.
    fn take_read_rows(&mut self) -> Option<usize> {
        None
    }
}

/// A replayable streaming source. The coordinator calls every method but
/// [`BatchReader::next_batch`], which runs in the source's actor.
pub trait Source: Send + 'static {
    /// Progress `sources[].description` (Spark's text, e.g. `FileStreamSource[file:/in]`).
    fn description(&self) -> String;

    /// Schema of every batch the source produces.
    fn schema(&self) -> SchemaRef;

    /// Opens the source's bookkeeping (restores what it already logged there).
    fn open(&mut self, bookkeeping: Bookkeeping) -> Result<()>;

    /// From now on, offer only what is available at this moment (`Trigger.AvailableNow`).
    fn prepare_for_available_now(&mut self) -> Result<()>;

    /// The query runs with the continuous trigger: offsets may be as fine-grained as the
    /// source can make them, since the source is polled every few milliseconds.
    fn prepare_for_continuous(&mut self) -> Result<()> {
        Ok(())
    }

    /// The end offset of the next batch starting after `start`, within `limit`
    /// (`None` when the source has never had data).
    fn latest_offset(&mut self, start: Option<&Offset>, limit: ReadLimit)
        -> Result<Option<Offset>>;

    /// A reader for the rows in `(start, end]`.
    fn plan_batch(&mut self, start: Option<&Offset>, end: &Offset) -> Result<Box<dyn BatchReader>>;

    /// [`Source::plan_batch`] for rows of a batch whose timestamp (Spark's
    /// `batchTimestampMs`) is `batch_timestamp_ms`, for a source that evaluates expressions
    /// as it reads (`current_timestamp()` in a fused map).
    fn plan_batch_at(
        &mut self,
        start: Option<&Offset>,
        end: &Offset,
        batch_timestamp_ms: i64,
    ) -> Result<Box<dyn BatchReader>> {
        let _ = batch_timestamp_ms;
        self.plan_batch(start, end)
    }

    /// Everything up to `end` is committed downstream and will never be read again.
    fn commit(&mut self, end: &Offset) -> Result<()>;
}

/// Reads everything `source` offers now, in one go (a batch read of a streaming source):
/// its bookkeeping goes to `bookkeeping_dir`.
pub fn read_to_end(source: &mut dyn Source, bookkeeping_dir: PathBuf) -> Result<Vec<RecordBatch>> {
    source.open(Bookkeeping {
        dir: bookkeeping_dir,
        durability: Durability::Renamed,
    })?;
    source.prepare_for_available_now()?;
    let Some(end) = source.latest_offset(None, ReadLimit::All)? else {
        return Ok(Vec::new());
    };
    let mut reader = source.plan_batch(None, &end)?;
    let mut batches = Vec::new();
    while let Some(batch) = reader.next_batch()? {
        batches.push(batch);
    }
    Ok(batches)
}

/// Rows as a source read them, before its fused map: the batch, and which of its rows are
/// malformed records (Spark's JSON and CSV parsers give those whatever filters the scan
/// takes, so they count as read).
#[derive(Debug)]
pub struct ReadBatch {
    /// The rows.
    pub batch: RecordBatch,
    /// Which rows are malformed records; `None`: none is.
    pub malformed: Option<BooleanArray>,
    /// Per column (by index) with any, which rows' records had no field for it (a JSON
    /// object without the key): a filter the scan evaluates on that field passes them.
    pub absent: Vec<(usize, BooleanArray)>,
}

impl From<RecordBatch> for ReadBatch {
    fn from(batch: RecordBatch) -> Self {
        ReadBatch {
            batch,
            malformed: None,
            absent: Vec::new(),
        }
    }
}

/// A batch through a source's fused map, and how many rows of the batch before it the
/// source counts as read: Spark counts the rows its scan gives, after the filters it
/// pushes into a file scan.
#[derive(Debug)]
pub struct MappedBatch {
    /// The mapped rows.
    pub batch: RecordBatch,
    /// The rows read.
    pub read_rows: usize,
}

/// A stateless per-batch function (a fused select/filter chain).
pub type BatchMap = std::sync::Arc<dyn Fn(ReadBatch) -> Result<MappedBatch> + Send + Sync>;

/// A fused map of the rows of a batch with the given timestamp (Spark's
/// `batchTimestampMs`, what `current_timestamp()` gives).
pub type TimedBatchMap =
    std::sync::Arc<dyn Fn(ReadBatch, i64) -> Result<MappedBatch> + Send + Sync>;

/// A source with a stateless map fused into its reader: the map runs in the source's actor
/// as each batch is read, so a map/filter chain costs no message hop.
pub struct MappedSource {
    inner: Box<dyn Source>,
    map: TimedBatchMap,
    schema: SchemaRef,
}

impl MappedSource {
    /// `inner`'s batches passed through `map`, which produces batches of `schema`.
    pub fn new(inner: Box<dyn Source>, map: TimedBatchMap, schema: SchemaRef) -> Self {
        MappedSource { inner, map, schema }
    }
}

struct MappedReader {
    inner: Box<dyn BatchReader>,
    map: BatchMap,
    /// Rows read since the last [`BatchReader::take_read_rows`].
    read_rows: usize,
}

impl BatchReader for MappedReader {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        while let Some(batch) = self.inner.next_batch()? {
            let mapped = (self.map)(batch.into())?;
            self.read_rows += mapped.read_rows;
            if mapped.batch.num_rows() > 0 {
                return Ok(Some(mapped.batch));
            }
        }
        Ok(None)
    }

    fn take_read_rows(&mut self) -> Option<usize> {
        Some(std::mem::take(&mut self.read_rows))
    }
}

impl Source for MappedSource {
    fn description(&self) -> String {
        self.inner.description()
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn open(&mut self, bookkeeping: Bookkeeping) -> Result<()> {
        self.inner.open(bookkeeping)
    }

    fn prepare_for_available_now(&mut self) -> Result<()> {
        self.inner.prepare_for_available_now()
    }

    fn prepare_for_continuous(&mut self) -> Result<()> {
        self.inner.prepare_for_continuous()
    }

    fn latest_offset(
        &mut self,
        start: Option<&Offset>,
        limit: ReadLimit,
    ) -> Result<Option<Offset>> {
        self.inner.latest_offset(start, limit)
    }

    /// A batch read outside a query's epochs (a batch read of the source) has the time of
    /// its reading.
    fn plan_batch(&mut self, start: Option<&Offset>, end: &Offset) -> Result<Box<dyn BatchReader>> {
        self.plan_batch_at(start, end, crate::now_ms())
    }

    fn plan_batch_at(
        &mut self,
        start: Option<&Offset>,
        end: &Offset,
        batch_timestamp_ms: i64,
    ) -> Result<Box<dyn BatchReader>> {
        let mut inner = self.inner.plan_batch(start, end)?;
        let timed = self.map.clone();
        let map: BatchMap = std::sync::Arc::new(move |read| timed(read, batch_timestamp_ms));
        if inner.fuse_map(&map) {
            return Ok(inner);
        }
        Ok(Box::new(MappedReader {
            inner,
            map,
            read_rows: 0,
        }))
    }

    fn commit(&mut self, end: &Offset) -> Result<()> {
        self.inner.commit(end)
    }
}
