//! `withWatermark(column, delay)`: passes rows through unchanged and records, per epoch, the
//! event-time statistics the coordinator derives the global watermark from
//! (SEMANTICS.md §5.1). Stateless operators never drop late rows.

use arrow::array::{Array, AsArray, PrimitiveArray};
use arrow::datatypes::{DataType, Schema, TimeUnit, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;
use spate_runtime::operator::{EventTimeStats, WatermarkReport};
use spate_runtime::{EpochReport, Error, Operator, Output, Result};

/// Each value of an event-time column in µs, `i64::MAX` for NULL (a NULL time is never
/// late and never expires).
pub(crate) fn times_or_never(times: &PrimitiveArray<TimestampMicrosecondType>) -> Vec<i64> {
    times.iter().map(|t| t.unwrap_or(i64::MAX)).collect()
}

/// The watermark operator.
pub struct WithWatermark {
    column: usize,
    delay_ms: i64,
    stats: Option<EventTimeStats>,
    plan_order: usize,
}

impl WithWatermark {
    /// A watermark on `column` of `input` with `delay_ms`; the column must be a timestamp.
    pub fn new(input: &Schema, column: &str, delay_ms: i64) -> Result<Self> {
        let index = input.index_of(column).map_err(|_| {
            Error::Analysis(format!(
                "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `{column}` cannot be resolved. SQLSTATE: 42703"
            ))
        })?;
        let data_type = input.field(index).data_type();
        if !matches!(data_type, DataType::Timestamp(TimeUnit::Microsecond, _)) {
            return Err(Error::Analysis(format!(
                "[EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE] The event time `{column}` has the invalid type \"{}\", but expected \"TIMESTAMP\". SQLSTATE: 42K09",
                spate_runtime::types::spark_type_name(data_type).to_uppercase()
            )));
        }
        if delay_ms < 0 {
            return Err(Error::Analysis(format!(
                "Invalid watermark delay for `{column}`: it must not be negative"
            )));
        }
        Ok(WithWatermark {
            column: index,
            delay_ms,
            stats: None,
            plan_order: 0,
        })
    }

    /// Sets the operator's place in Spark's plan order (see [`WatermarkReport::plan_order`]).
    pub fn with_plan_order(mut self, plan_order: usize) -> Self {
        self.plan_order = plan_order;
        self
    }

    /// Statistics of a batch: NULL event times count as 0, as in Spark; µs become ms by
    /// truncating division.
    fn batch_stats(&self, batch: &RecordBatch) -> Option<EventTimeStats> {
        let times = batch
            .column(self.column)
            .as_primitive_opt::<TimestampMicrosecondType>()?;
        if times.is_empty() {
            return None;
        }
        let (mut max, mut min, mut sum) = (i64::MIN, i64::MAX, 0i128);
        let nulls = times.nulls();
        for (row, &micros) in times.values().iter().enumerate() {
            let ms = if nulls.is_some_and(|n| n.is_null(row)) {
                0
            } else {
                micros / 1000
            };
            max = max.max(ms);
            min = min.min(ms);
            sum += ms as i128;
        }
        Some(EventTimeStats {
            max,
            min,
            sum,
            count: times.len() as u64,
        })
    }
}

impl Operator for WithWatermark {
    fn name(&self) -> &str {
        "EventTimeWatermark"
    }

    fn on_data(&mut self, _port: usize, batch: RecordBatch, out: &mut Output) -> Result<()> {
        if let Some(stats) = self.batch_stats(&batch) {
            self.stats = Some(match self.stats {
                Some(seen) => seen.merge(stats),
                None => stats,
            });
        }
        out.emit(batch);
        Ok(())
    }

    fn on_epoch_end(&mut self, _epoch: u64, _out: &mut Output) -> Result<EpochReport> {
        Ok(EpochReport {
            watermark: Some(WatermarkReport {
                delay_ms: self.delay_ms,
                stats: self.stats.take(),
                plan_order: self.plan_order,
            }),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::TimestampMicrosecondArray;
    use arrow::datatypes::Field;
    use std::sync::Arc;

    fn batch(times: Vec<Option<i64>>) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new(
            "t",
            spate_runtime::types::timestamp_type(),
            true,
        )]));
        let array = TimestampMicrosecondArray::from(times).with_timezone("UTC");
        RecordBatch::try_new(schema, vec![Arc::new(array)]).unwrap()
    }

    #[test]
    fn records_max_min_avg_with_nulls_as_zero_and_passes_rows_through() {
        let input = batch(vec![]);
        let mut op = WithWatermark::new(&input.schema(), "t", 600_000).unwrap();
        let mut out = Output::default();
        op.on_data(0, batch(vec![Some(3_000_999), Some(1_000_000)]), &mut out)
            .unwrap();
        op.on_data(0, batch(vec![None]), &mut out).unwrap();
        assert_eq!(out.drain().map(|b| b.num_rows()).sum::<usize>(), 3);
        let report = op.on_epoch_end(0, &mut out).unwrap().watermark.unwrap();
        assert_eq!(report.delay_ms, 600_000);
        assert_eq!(
            report.stats,
            Some(EventTimeStats {
                max: 3000,
                min: 0,
                sum: 4000,
                count: 3
            })
        );
        // The next epoch starts afresh.
        let report = op.on_epoch_end(1, &mut out).unwrap().watermark.unwrap();
        assert_eq!(report.stats, None);
    }

    #[test]
    fn the_event_time_column_must_be_a_timestamp() {
        let schema = Schema::new(vec![Field::new("ts", DataType::Utf8, true)]);
        let error = WithWatermark::new(&schema, "ts", 0)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.starts_with("[EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE]"),
            "{error}"
        );
        assert!(WithWatermark::new(&schema, "nope", 0).is_err());
    }
}
