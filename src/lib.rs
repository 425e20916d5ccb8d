//! spate: Spark Structured Streaming programs in Rust, on an actor-based Arrow dataflow
//! runtime.
//!
//! ```no_run
//! use spate::functions::{col, lit, to_timestamp};
//! use spate::{Session, Trigger};
//!
//! let spark = Session::builder().app_name("Spark Streaming").master("local[*]").get_or_create()?;
//! let events = spark.read_stream().format("json")
//!     .schema("id INT, name STRING, value DOUBLE, timestamp STRING")
//!     .option("maxFilesPerTrigger", 1).load("streaming_data/")?;
//! let transformed = events
//!     .with_column("value_doubled", col("value") * lit(2))?
//!     .with_column("event_time", to_timestamp(col("timestamp")))?
//!     .filter(col("value").gt(lit(100)))?;
//! let query = transformed.write_stream().format("console").trigger(Trigger::AvailableNow).start()?;
//! query.await_termination()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dataframe;
mod ddl;
mod grouped;
mod join;
mod json;
mod plan;
mod reader;
mod session;
mod sql;
mod sql_select;
mod streams;
mod table;
pub mod types;
mod writer;

/// Column functions (`col`, `lit`, `to_timestamp`, `when`, …), as `pyspark.sql.functions`.
pub mod functions {
    pub use crate::json::{from_json, from_json_with_options, get_json_object, to_json};
    pub use crate::sql::expr;
    pub use spate_operators::aggregate::{
        approx_count_distinct, avg, count, count_distinct, count_star, first, last, max, mean, min,
        sliding_window, stddev, stddev_pop, stddev_samp, sum, var_pop, var_samp, variance, window,
        window_with_start,
    };
    pub use spate_operators::expr::*;
}

pub use dataframe::DataFrame;
pub use grouped::GroupedData;
pub use reader::{DataFrameReader, DataStreamReader};
pub use session::{RuntimeConfig, Session, SessionBuilder};
/// Sources and sinks.
pub use spate_connectors as connectors;
pub use spate_connectors::console::ConsoleOutput;
/// Operators and expressions.
pub use spate_operators as operators;
/// The runtime: topology API, messages, Operator / Source / Sink traits.
pub use spate_runtime as runtime;
pub use spate_runtime::listener::{
    QueryIdleEvent, QueryProgressEvent, QueryStartedEvent, QueryTerminatedEvent,
    StreamingQueryListener,
};
pub use spate_runtime::progress::{QueryStatus, StreamingQueryProgress};
pub use spate_runtime::text::zone::Zone;
pub use spate_runtime::{Error, Result, StreamingQuery, StreamingQueryException, Trigger};
pub use sql::IntoCondition;
pub use streams::StreamingQueryManager;
pub use table::Table;
pub use types::{StructField, StructType};
pub use writer::{DataStreamWriter, OutputMode};
