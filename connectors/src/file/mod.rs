//! File formats: decoding input files, the streaming file source and the file sink.

pub mod format;
mod seen_log;
pub mod sink;
pub mod source;
