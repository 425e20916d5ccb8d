//! The global event-time watermark (SEMANTICS.md §1.5, §5.2; Spark's `WatermarkTracker`).

use crate::error::{Error, Result};
use crate::operator::WatermarkReport;
use std::collections::BTreeMap;

/// `spark.sql.streaming.multipleWatermarkPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WatermarkPolicy {
    /// The slowest input decides (Spark's default): an input that never saw a row pins 0.
    #[default]
    Min,
    /// The fastest input decides.
    Max,
}

impl std::str::FromStr for WatermarkPolicy {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.to_ascii_lowercase().as_str() {
            "min" => Ok(WatermarkPolicy::Min),
            "max" => Ok(WatermarkPolicy::Max),
            _ => Err(Error::IllegalArgument(format!(
                "The value of spark.sql.streaming.multipleWatermarkPolicy should be one of 'min' or 'max', but was '{text}'"
            ))),
        }
    }
}

/// Tracks each watermark operator's candidate (max event time − delay, only increasing)
/// and the global watermark chosen from them (only increasing).
#[derive(Debug, Clone)]
pub struct WatermarkTracker {
    policy: WatermarkPolicy,
    /// Per watermark operator: its candidate, `None` until it saw a row.
    candidates: BTreeMap<usize, Option<i64>>,
    global: i64,
}

impl WatermarkTracker {
    /// A tracker starting at `global` (the watermark recovered from the checkpoint).
    pub fn new(policy: WatermarkPolicy, global: i64) -> Self {
        WatermarkTracker {
            policy,
            candidates: BTreeMap::new(),
            global,
        }
    }

    /// The global watermark.
    pub fn global(&self) -> i64 {
        self.global
    }

    /// Takes one epoch's report of watermark operator `operator`.
    pub fn observe(&mut self, operator: usize, report: &WatermarkReport) {
        let candidate = self.candidates.entry(operator).or_insert(None);
        if let Some(stats) = report.stats.filter(|s| s.count > 0) {
            let new = stats.max - report.delay_ms;
            if candidate.is_none_or(|old| new > old) {
                *candidate = Some(new);
            }
        }
    }

    /// Chooses the global watermark after an epoch; returns it.
    pub fn advance(&mut self) -> i64 {
        if self.candidates.is_empty() {
            return self.global;
        }
        let chosen = match self.policy {
            WatermarkPolicy::Min => self.candidates.values().map(|c| c.unwrap_or(0)).min(),
            WatermarkPolicy::Max => self.candidates.values().flatten().copied().max(),
        };
        self.global = self.global.max(chosen.unwrap_or(0));
        self.global
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operator::EventTimeStats;

    fn saw(max: i64) -> WatermarkReport {
        WatermarkReport {
            plan_order: 0,
            delay_ms: 10,
            stats: Some(EventTimeStats {
                max,
                min: max,
                sum: max as i128,
                count: 1,
            }),
        }
    }

    const NOTHING: WatermarkReport = WatermarkReport {
        plan_order: 0,
        delay_ms: 10,
        stats: None,
    };

    #[test]
    fn min_policy_waits_for_every_input_and_never_goes_back() {
        let mut tracker = WatermarkTracker::new(WatermarkPolicy::Min, 0);
        tracker.observe(0, &saw(100));
        tracker.observe(1, &NOTHING);
        assert_eq!(
            tracker.advance(),
            0,
            "an input without rows pins the minimum at 0"
        );
        tracker.observe(0, &saw(50));
        tracker.observe(1, &saw(70));
        assert_eq!(tracker.advance(), 60);
        tracker.observe(0, &saw(40));
        tracker.observe(1, &saw(65));
        assert_eq!(
            tracker.advance(),
            60,
            "candidates and the global only increase"
        );
    }

    #[test]
    fn max_policy_follows_the_fastest_input() {
        let mut tracker = WatermarkTracker::new(WatermarkPolicy::Max, 0);
        tracker.observe(0, &saw(100));
        tracker.observe(1, &NOTHING);
        assert_eq!(tracker.advance(), 90);
        assert!("MAX".parse::<WatermarkPolicy>().is_ok());
        assert!("avg".parse::<WatermarkPolicy>().is_err());
    }

    #[test]
    fn a_query_without_watermark_operators_keeps_its_watermark() {
        let mut tracker = WatermarkTracker::new(WatermarkPolicy::Min, 42);
        assert_eq!(tracker.advance(), 42);
    }
}
