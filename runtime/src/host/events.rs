//! What actors tell the coordinator.

use crate::error::Error;
use crate::operator::EpochReport;

/// An event from a source or operator actor to its query's coordinator.
pub enum NodeEvent {
    /// Source `source` sent all rows of `epoch` and its barrier.
    SourceRead {
        /// The source's index.
        source: usize,
        /// The epoch.
        epoch: u64,
        /// Rows read.
        rows: u64,
    },
    /// Operator `operator` finished `epoch` (aligned barrier processed and forwarded).
    EpochDone {
        /// The operator's index.
        operator: usize,
        /// The epoch.
        epoch: u64,
        /// Its report.
        report: EpochReport,
    },
    /// A node saw `End` on every input and forwarded it.
    Ended,
    /// A node failed; the query must stop with this error.
    Failed(Error),
}

impl actix::Message for NodeEvent {
    type Result = ();
}

/// Tells an actor to stop at once.
pub struct Shutdown;

impl actix::Message for Shutdown {
    type Result = ();
}
