//! Spark's text forms of values: how the JVM and Spark print and parse numbers, timestamps,
//! time zones and datetime patterns. Shared by the operators (casts, error messages) and the
//! connectors (file formats, console output) so both produce the same text.

pub mod datetime_format;
pub mod number;
pub mod pattern;
pub mod timestamp;
pub mod tzfile;
pub mod zone;
