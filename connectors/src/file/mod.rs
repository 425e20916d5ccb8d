//! File formats: decoding input files, the streaming file source and the file sink.

mod batch_reader;
mod compaction;
pub mod format;
mod seen_log;
pub mod sink;
pub mod source;
mod uri;
