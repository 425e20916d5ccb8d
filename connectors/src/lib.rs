//! spate's connectors: file sources (json, csv, parquet, text), the rate sources, and the console, memory,
//! file, foreach, foreachBatch and noop sinks.

pub mod console;
pub mod file;
pub mod foreach;
pub mod foreach_batch;
pub mod memory;
pub mod noop;
mod options;
pub mod rate;
pub mod socket;
