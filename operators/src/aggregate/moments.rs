//! `stddev_samp` / `stddev_pop` / `var_samp` / `var_pop` (and `stddev`, `variance`): Spark's
//! `CentralMomentAgg` buffer per group (count, mean, sum of squared deviations), updated
//! row by row with its formulas and merged as Spark's streaming plan merges a micro-batch's
//! partial buffer with the stored one, so the doubles come out as Spark's.

use super::accumulator::{for_each, grow, state_column, Accumulator};
use crate::expr::ExprError;
use crate::groups::{gather_primitive, retain_by};
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use std::collections::HashMap;
use std::sync::Arc;

/// Which central moment statistic, under which of Spark's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Moment {
    /// `stddev`: the sample standard deviation.
    Stddev,
    /// `stddev_samp`: the sample standard deviation.
    StddevSamp,
    /// `stddev_pop`: the population standard deviation.
    StddevPop,
    /// `variance`: the sample variance.
    Variance,
    /// `var_samp`: the sample variance.
    VarSamp,
    /// `var_pop`: the population variance.
    VarPop,
}

impl Moment {
    /// Spark's name of the function.
    pub fn name(self) -> &'static str {
        match self {
            Moment::Stddev => "stddev",
            Moment::StddevSamp => "stddev_samp",
            Moment::StddevPop => "stddev_pop",
            Moment::Variance => "variance",
            Moment::VarSamp => "var_samp",
            Moment::VarPop => "var_pop",
        }
    }

    /// Whether it is a sample statistic (divided by n - 1; NULL for one value).
    fn sample(self) -> bool {
        !matches!(self, Moment::StddevPop | Moment::VarPop)
    }

    /// Whether it is a standard deviation (the variance's square root).
    fn deviation(self) -> bool {
        matches!(
            self,
            Moment::Stddev | Moment::StddevSamp | Moment::StddevPop
        )
    }
}

/// One group's buffer: count, mean, sum of squared deviations from the mean.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Buffer {
    n: f64,
    avg: f64,
    m2: f64,
}

impl Buffer {
    /// Spark's update with one value.
    fn update(&mut self, value: f64) {
        let n = self.n + 1.0;
        let delta = value - self.avg;
        let delta_n = delta / n;
        self.avg += delta_n;
        self.m2 += delta * (delta - delta_n);
        self.n = n;
    }

    /// Spark's merge of two buffers (`self` the left one).
    fn merge(self, right: Buffer) -> Buffer {
        let n = self.n + right.n;
        let delta = right.avg - self.avg;
        let delta_n = if n == 0.0 { 0.0 } else { delta / n };
        Buffer {
            n,
            avg: self.avg + delta_n * right.n,
            m2: self.m2 + right.m2 + delta * delta_n * self.n * right.n,
        }
    }
}

/// The buffers of every group.
pub(super) struct Moments {
    moment: Moment,
    buffers: Vec<Buffer>,
    /// Reused per update: the update's own buffer per group it touches.
    partial: HashMap<u32, Buffer, ahash::RandomState>,
}

impl Moments {
    pub(super) fn new(moment: Moment) -> Moments {
        Moments {
            moment,
            buffers: Vec::new(),
            partial: HashMap::default(),
        }
    }
}

impl Accumulator for Moments {
    /// The rows' own buffer per group (a partial aggregate), then merged as Spark merges it
    /// after the exchange (into an empty buffer) and with the stored one (stored first).
    fn update(
        &mut self,
        groups: &[u32],
        values: &ArrayRef,
        rows: Option<&[u32]>,
        n: usize,
    ) -> Result<(), ExprError> {
        grow(&mut self.buffers, n, Buffer::default());
        let values = cast(values, &DataType::Float64)?;
        let values = values.as_primitive::<Float64Type>();
        let partial = &mut self.partial;
        partial.clear();
        for_each(groups, rows, |g, row| {
            if values.is_valid(row) {
                partial
                    .entry(g as u32)
                    .or_default()
                    .update(values.value(row));
            }
        });
        for (&g, &rows_buffer) in partial.iter() {
            let exchanged = Buffer::default().merge(rows_buffer);
            let stored = &mut self.buffers[g as usize];
            *stored = Buffer::default().merge(*stored).merge(exchanged);
        }
        Ok(())
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, ExprError> {
        let sample = self.moment.sample();
        let value = |g: usize| {
            let b = self.buffers[g];
            let variance = if sample {
                b.m2 / (b.n - 1.0)
            } else {
                b.m2 / b.n
            };
            match self.moment.deviation() {
                true => variance.sqrt(),
                false => variance,
            }
        };
        // NULL without values, and for a sample statistic of one value.
        let valid = |g: usize| self.buffers[g].n > if sample { 1.0 } else { 0.0 };
        Ok(Arc::new(gather_primitive::<Float64Type>(
            groups, value, valid,
        )))
    }

    fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.buffers, keep);
    }

    fn memory_bytes(&self) -> usize {
        self.buffers.capacity() * std::mem::size_of::<Buffer>()
    }

    fn state(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ExprError> {
        let column = |field: fn(&Buffer) -> f64| -> ArrayRef {
            Arc::new(gather_primitive::<Float64Type>(
                groups,
                |g| field(&self.buffers[g]),
                |_| true,
            ))
        };
        Ok(vec![column(|b| b.n), column(|b| b.avg), column(|b| b.m2)])
    }

    fn state_width(&self) -> usize {
        3
    }

    fn restore(&mut self, ids: &[u32], columns: &[ArrayRef], n: usize) -> Result<(), ExprError> {
        grow(&mut self.buffers, n, Buffer::default());
        let counts = state_column::<Float64Type>(columns, 0, "moments")?;
        let means = state_column::<Float64Type>(columns, 1, "moments")?;
        let m2s = state_column::<Float64Type>(columns, 2, "moments")?;
        for (row, &id) in ids.iter().enumerate() {
            self.buffers[id as usize] = Buffer {
                n: counts.value(row),
                avg: means.value(row),
                m2: m2s.value(row),
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Float64Array;

    #[test]
    fn statistics_and_their_nulls() {
        let values: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(1.0),
            Some(2.0),
            None,
            Some(4.0),
            Some(7.0),
        ]));
        // Groups 0: 1, 2, 4; group 1: 7 alone; group 2: no values.
        let groups = [0, 0, 0, 0, 1];
        let run = |moment: Moment| {
            let mut moments = Moments::new(moment);
            moments.update(&groups, &values, None, 3).expect("update");
            let out = moments.evaluate(&[0, 1, 2]).expect("evaluate");
            out.as_primitive::<Float64Type>().iter().collect::<Vec<_>>()
        };
        // The exact values within rounding (the goldens hold Spark's own doubles).
        let close = |got: Option<f64>, want: f64| got.is_some_and(|g| (g - want).abs() < 1e-12);
        let var_samp = run(Moment::VarSamp);
        assert!(close(var_samp[0], 7.0 / 3.0) && var_samp[1..] == [None, None]);
        let var_pop = run(Moment::VarPop);
        assert!(close(var_pop[0], 14.0 / 9.0) && var_pop[1..] == [Some(0.0), None]);
        assert!(close(run(Moment::StddevSamp)[0], (7.0f64 / 3.0).sqrt()));
    }
}
