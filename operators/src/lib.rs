//! spate's operators: expressions over Arrow record batches and the operators built on them.
pub mod aggregate;
pub mod dedup;
pub mod expr;
mod groups;
pub mod join;
mod key_hash;
pub mod shard;
pub mod stage;
pub mod union;
pub mod watermark;
