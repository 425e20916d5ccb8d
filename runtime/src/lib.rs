//! spate's dataflow runtime: the message protocol, the Operator / Source / Sink traits,
//! the actor host with barrier alignment and backpressure, the coordinator that runs
//! epochs (Spark's micro-batches), the checkpoint logs, and the `StreamingQuery` handle.

pub mod checkpoint;
pub mod coordinator;
pub mod error;
pub mod host;
pub mod listener;
pub mod message;
pub mod operator;
pub mod parallel;
pub mod progress;
pub mod query;
pub mod sink;
pub mod source;
pub mod system;
pub mod testing;
pub mod text;
pub mod topology;
pub mod types;

pub use coordinator::{
    now_ms, parse_interval, parse_interval_micros, start_query, QueryConfig, Trigger,
    EDGE_CAPACITY_ROWS,
};
pub use error::{Error, Result};
pub use message::{Barrier, EventTimeMs, Message, Watermarks};
pub use operator::{EpochReport, Operator, Output, StateCheckpoint};
pub use query::{StreamingQuery, StreamingQueryException};
pub use sink::{Sink, SinkCommit};
pub use source::{BatchReader, Bookkeeping, Offset, ReadLimit, Source};
pub use system::ActorSystem;
pub use topology::{NodeRef, Topology};
