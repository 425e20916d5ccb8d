//! Stream-stream joins (SEMANTICS.md §8): `condition` analyses the join condition (keys,
//! one-sided filters, time bounds), `side` holds one input's buffered rows, and `operator`
//! is the symmetric hash join that matches, evicts and null-pads; `using` shapes a USING
//! join's output.

mod condition;
mod operator;
mod side;
mod using;

pub use condition::{left_name, right_name, JoinCondition, RangeBound, Side};
pub use operator::{JoinType, StreamingJoin, CHECKPOINT_BATCHES};

#[cfg(test)]
mod tests;
