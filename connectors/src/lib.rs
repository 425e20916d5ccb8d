//! spate's connectors: file sources (json, csv, parquet, text), the rate sources, and the console, memory,
//! file and foreachBatch sinks.

pub mod console;
pub mod file;
pub mod foreach;
pub mod foreach_batch;
pub mod memory;
mod options;
pub mod rate;
pub mod socket;
