//! Integration tests, in one binary so that CI links arrow, parquet and actix once.

mod actors;
mod api;
mod conformance;
mod continuous;
mod crash;
mod monitoring;
mod support;
