//! spate's operators: expressions over Arrow record batches and the operators built on them.
pub mod aggregate;
pub mod expr;
pub mod stage;
pub mod union;
pub mod watermark;
