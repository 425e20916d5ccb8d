//! The console sink and Spark's `show()` text.

pub mod show;
mod sink;
mod value_string;

pub use sink::{ConsoleOutput, ConsoleSink};
