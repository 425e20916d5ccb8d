//! Bookkeeping of the epoch in flight, and its progress report.

use crate::checkpoint::{OffsetSeq, OffsetSeqMetadata};
use crate::host::Shutdown;
use crate::operator::{EpochReport, WatermarkReport};
use crate::progress::{rate, SinkProgress, SourceProgress, StreamingQueryProgress};
use crate::source::Offset;
use actix::Recipient;
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Wall clock, ms since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The wall-clock time (ms since the epoch) of an `Instant` in the past.
pub fn millis_since_epoch(instant: Instant) -> i64 {
    now_ms() - instant.elapsed().as_millis() as i64
}

/// `2024-01-01T12:05:00.000Z`: ms since the epoch as Spark prints times in progress reports.
pub fn iso_millis(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// One source's part of an epoch.
pub struct SourceRange {
    pub description: String,
    pub start: Option<Offset>,
    pub end: Option<Offset>,
    /// Rows read, once the source finished.
    pub rows: Option<u64>,
}

/// The epoch in flight.
pub struct RunningEpoch {
    pub batch_id: u64,
    pub trigger_start: Instant,
    pub data_start: Instant,
    pub offsets: OffsetSeq,
    pub sources: Vec<SourceRange>,
    /// A continuous epoch still taking new ranges.
    pub open: bool,
    /// A continuous epoch whose interval ended before it could close (the one before it
    /// was still committing).
    pub due: bool,
    reports: Vec<Option<EpochReport>>,
    durations: BTreeMap<String, u64>,
}

impl RunningEpoch {
    pub fn new(batch_id: u64, trigger_start: Instant, sources: usize, operators: usize) -> Self {
        RunningEpoch {
            batch_id,
            trigger_start,
            data_start: Instant::now(),
            offsets: OffsetSeq {
                metadata: OffsetSeqMetadata {
                    batch_watermark_ms: 0,
                    batch_timestamp_ms: 0,
                    conf: BTreeMap::new(),
                },
                offsets: Vec::new(),
            },
            sources: Vec::with_capacity(sources),
            open: false,
            due: false,
            reports: vec![None; operators],
            durations: BTreeMap::new(),
        }
    }

    /// Records a phase duration (`durationMs`).
    pub fn record(&mut self, phase: &str, duration: Duration) {
        self.durations
            .insert(phase.to_string(), duration.as_millis() as u64);
        self.data_start = Instant::now();
    }

    /// Records the time since `start` as `phase`.
    pub fn record_since(&mut self, phase: &str, start: Instant) {
        self.record(phase, start.elapsed());
    }

    pub fn source_read(&mut self, source: usize, rows: u64) {
        if let Some(range) = self.sources.get_mut(source) {
            range.rows = Some(rows);
        }
    }

    pub fn operator_done(&mut self, operator: usize, report: EpochReport) {
        if let Some(slot) = self.reports.get_mut(operator) {
            *slot = Some(report);
        }
    }

    /// The watermark operators' reports, by operator index.
    pub fn watermark_reports(&self) -> Vec<(usize, WatermarkReport)> {
        self.reports
            .iter()
            .enumerate()
            .filter_map(|(operator, report)| Some((operator, report.as_ref()?.watermark?)))
            .collect()
    }

    /// Progress `eventTime`: the statistics of the first watermark operator in Spark's plan
    /// order that saw rows, and the epoch's watermark `WE`, when the query has a watermark.
    fn event_time(&self) -> BTreeMap<String, String> {
        let reports = self.watermark_reports();
        let mut event_time = BTreeMap::new();
        if reports.is_empty() {
            return event_time;
        }
        let stats = reports
            .iter()
            .filter(|(_, r)| r.stats.is_some_and(|s| s.count > 0))
            .min_by_key(|(_, r)| r.plan_order)
            .and_then(|(_, r)| r.stats);
        if let Some(stats) = stats {
            event_time.insert("avg".into(), iso_millis(stats.avg()));
            event_time.insert("max".into(), iso_millis(stats.max));
            event_time.insert("min".into(), iso_millis(stats.min));
        }
        event_time.insert(
            "watermark".into(),
            iso_millis(self.offsets.metadata.batch_watermark_ms),
        );
        event_time
    }

    /// Every source read its range and every operator ended the epoch.
    pub fn is_complete(&self) -> bool {
        self.sources.iter().all(|s| s.rows.is_some()) && self.reports.iter().all(Option::is_some)
    }

    /// The progress report of the committed epoch.
    pub fn progress(
        &mut self,
        (id, run_id, name): (&str, &str, Option<&str>),
        operators: &[(Option<String>, Recipient<Shutdown>)],
        previous_trigger_start: Option<Instant>,
    ) -> StreamingQueryProgress {
        let trigger_ms = self.trigger_start.elapsed().as_millis() as u64;
        self.durations.insert("triggerExecution".into(), trigger_ms);
        self.durations.entry("queryPlanning".into()).or_insert(0);
        let since_previous =
            previous_trigger_start.map(|p| self.trigger_start.duration_since(p).as_millis() as u64);
        let input_rate = |rows| match since_previous {
            Some(ms) if ms > 0 => rate(rows, ms),
            _ => Some(0.0),
        };
        let processed_rate = |rows| rate(rows, trigger_ms.max(1));
        let sources: Vec<SourceProgress> = self
            .sources
            .iter()
            .map(|s| {
                let rows = s.rows.unwrap_or(0);
                SourceProgress {
                    description: s.description.clone(),
                    start_offset: s.start.clone(),
                    end_offset: s.end.clone(),
                    latest_offset: None,
                    num_input_rows: rows,
                    input_rows_per_second: input_rate(rows),
                    processed_rows_per_second: processed_rate(rows),
                }
            })
            .collect();
        let num_input_rows = sources.iter().map(|s| s.num_input_rows).sum();
        let mut sink = SinkProgress {
            description: String::new(),
            num_output_rows: -1,
        };
        let mut state_operators = Vec::new();
        for ((description, _), report) in operators.iter().zip(&self.reports) {
            let Some(report) = report else { continue };
            if let (Some(description), Some(commit)) = (description, report.sink_commit) {
                sink = SinkProgress {
                    description: description.clone(),
                    num_output_rows: commit.num_output_rows,
                };
            }
            state_operators.extend(report.state.clone());
        }
        let timestamp = iso_millis(millis_since_epoch(self.trigger_start));
        StreamingQueryProgress {
            id: id.to_string(),
            run_id: run_id.to_string(),
            name: name.map(str::to_string),
            timestamp,
            batch_id: self.batch_id,
            batch_duration: trigger_ms,
            num_input_rows,
            input_rows_per_second: input_rate(num_input_rows),
            processed_rows_per_second: processed_rate(num_input_rows),
            duration_ms: std::mem::take(&mut self.durations),
            event_time: self.event_time(),
            state_operators,
            sources,
            sink,
        }
    }
}
