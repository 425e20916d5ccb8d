//! Streaming aggregation: `groupBy(keys).agg(functions)` with time windows, late-row
//! dropping and eviction by the watermark, and Spark's three output modes.
//!
//! `function` defines the aggregate functions and their Spark names and types, `window` the
//! time windows, `accumulator` the per-group state of each function (`hll` is Spark's HyperLogLog++ for
//! `approx_count_distinct`, `moments` the buffers of the standard deviations and variances) (groups come from the
//! crate's `groups` table), `changed` the groups a delta checkpoint holds, and `operator` the operator that ties them to epochs and watermarks.

mod accumulator;
mod changed;
mod function;
pub mod hll;
mod moments;
mod operator;
mod window;

pub use function::{
    approx_count_distinct, avg, count, count_distinct, count_star, first, last, max, mean, min,
    stddev, stddev_pop, stddev_samp, sum, var_pop, var_samp, variance, AggregateFunction,
};
pub use moments::Moment;
pub use operator::{EmitMode, StreamingAggregate};
pub use window::{sliding_window, window, window_with_start, TimeWindow, WindowSpec};

#[cfg(test)]
mod tests;
