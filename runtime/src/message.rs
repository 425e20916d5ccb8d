//! The messages that flow along the edges of a query's dataflow graph.

use arrow::record_batch::RecordBatch;

/// Event time in milliseconds since the Unix epoch, as Spark keeps watermarks.
pub type EventTimeMs = i64;

/// What is in force during one epoch: its two watermarks (Spark ≥ 3.4, SEMANTICS.md §1.5)
/// and its timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watermarks {
    /// The epoch these watermarks belong to.
    pub epoch: u64,
    /// `WL`: the previous epoch's watermark; stateful operators drop rows late against it.
    pub late: EventTimeMs,
    /// `WE`: this epoch's watermark; stateful operators evict state and close windows with it.
    pub evict: EventTimeMs,
    /// The epoch's timestamp (Spark's `batchTimestampMs`, logged with its offsets): what
    /// `current_timestamp()` gives every row of the epoch, on a re-run too (SEMANTICS.md §1.7).
    pub batch_timestamp_ms: i64,
}

/// The end of epoch `epoch` on one edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Barrier {
    /// The epoch that ends.
    pub epoch: u64,
}

/// One message on an edge.
#[derive(Debug, Clone)]
pub enum Message {
    /// Rows; the schema is fixed per edge.
    Data(RecordBatch),
    /// The watermarks for the epoch whose data follows.
    Watermark(Watermarks),
    /// End of an epoch: everything of that epoch on this edge was sent before it.
    Barrier(Barrier),
    /// The input is exhausted; nothing follows on this edge.
    End,
}

impl Message {
    /// How many rows this message holds (what it costs against an edge's capacity).
    pub fn rows(&self) -> usize {
        match self {
            Message::Data(batch) => batch.num_rows(),
            _ => 0,
        }
    }
}
