//! Progress reports and status with Spark's field names (SEMANTICS.md §10.2–10.3).

use crate::source::Offset;
use serde::Serialize;
use std::collections::BTreeMap;

/// `StreamingQueryProgress`: one executed (or idle) trigger.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StreamingQueryProgress {
    /// Query id (stable across restarts).
    pub id: String,
    /// Id of this run.
    pub run_id: String,
    /// `queryName`, or null.
    pub name: Option<String>,
    /// Trigger start, UTC ISO-8601 with milliseconds.
    pub timestamp: String,
    /// The batch id (for idle progress: the next batch id).
    pub batch_id: u64,
    /// Duration of the trigger in ms.
    pub batch_duration: u64,
    /// Rows read by all sources in this batch.
    pub num_input_rows: u64,
    /// Rows per second since the previous trigger's start (omitted when not a number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_rows_per_second: Option<f64>,
    /// Rows per second of this trigger's duration (omitted when not a number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processed_rows_per_second: Option<f64>,
    /// Phase durations in ms (`addBatch`, `latestOffset`, `walCommit`, …), sorted by name.
    pub duration_ms: BTreeMap<String, u64>,
    /// `avg`/`max`/`min`/`watermark` when the query has a watermark (omitted otherwise).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub event_time: BTreeMap<String, String>,
    /// One entry per stateful operator.
    pub state_operators: Vec<StateOperatorProgress>,
    /// One entry per source.
    pub sources: Vec<SourceProgress>,
    /// The sink.
    pub sink: SinkProgress,
}

impl StreamingQueryProgress {
    /// Compact JSON, like Spark's `progress.json`.
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Indented JSON, like Spark's `progress.prettyJson`.
    pub fn pretty_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A stateful operator's entry in `stateOperators`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StateOperatorProgress {
    /// `stateStoreSave`, `dedupe`, `symmetricHashJoin`, …
    pub operator_name: String,
    /// State rows after the batch.
    pub num_rows_total: u64,
    /// State rows written in the batch.
    pub num_rows_updated: u64,
    /// Time spent updating state, ms.
    pub all_updates_time_ms: u64,
    /// State rows evicted in the batch.
    pub num_rows_removed: u64,
    /// Time spent evicting, ms.
    pub all_removals_time_ms: u64,
    /// Time spent committing state, ms.
    pub commit_time_ms: u64,
    /// Memory held by the state, bytes.
    pub memory_used_bytes: u64,
    /// Input rows dropped as late.
    pub num_rows_dropped_by_watermark: u64,
    /// State partitions.
    pub num_shuffle_partitions: u64,
    /// State store instances: the stores of one partition, times the partitions.
    pub num_state_store_instances: u64,
    /// Operator-specific metrics, sorted by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_metrics: BTreeMap<String, i64>,
    /// Whether the state sits in one partition whatever the partitions are, as a global
    /// aggregation's does in Spark (not part of the report's JSON).
    #[serde(skip)]
    pub single_partition: bool,
}

impl StateOperatorProgress {
    /// Turns the report of one partition's worth of stores into that of a query of
    /// `partitions` state partitions: those stores in every partition, or in one for state
    /// that sits in one partition.
    pub fn spread_over(&mut self, partitions: u64) {
        self.num_shuffle_partitions = partitions;
        if !self.single_partition {
            self.num_state_store_instances *= partitions;
        }
    }
}

/// A source's entry in `sources`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceProgress {
    /// The source's description.
    pub description: String,
    /// Offset the batch started after (null for the first batch).
    pub start_offset: Option<Offset>,
    /// Offset the batch ended at.
    pub end_offset: Option<Offset>,
    /// The latest offset the source reported (null for file sources, as in Spark).
    pub latest_offset: Option<Offset>,
    /// Rows read from this source.
    pub num_input_rows: u64,
    /// See [`StreamingQueryProgress::input_rows_per_second`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_rows_per_second: Option<f64>,
    /// See [`StreamingQueryProgress::processed_rows_per_second`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processed_rows_per_second: Option<f64>,
}

/// The sink's entry.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SinkProgress {
    /// The sink's description.
    pub description: String,
    /// Rows written (`-1` for sinks that do not count).
    pub num_output_rows: i64,
}

/// `query.status`: what the query is doing now.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct QueryStatus {
    /// `Waiting for data to arrive`, `Processing new data`, `Stopped`, …
    pub message: String,
    /// Whether the last offset check found new data.
    pub is_data_available: bool,
    /// Whether a trigger is executing.
    pub is_trigger_active: bool,
}

/// `rows / seconds` rounded to one decimal (HALF_UP), `None` when not a number.
pub fn rate(rows: u64, millis: u64) -> Option<f64> {
    if millis == 0 {
        return if rows == 0 { Some(0.0) } else { None };
    }
    let value = rows as f64 * 1000.0 / millis as f64;
    Some((value * 10.0 + 0.5).floor() / 10.0)
}
