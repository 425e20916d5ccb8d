//! `GroupedData`: `df.groupBy(keys)` waiting for its aggregates.

use crate::dataframe::{analysis, DataFrame, EventTime, PlanStep};
use spate_operators::aggregate::{count_star, EmitMode, StreamingAggregate};
use spate_operators::expr::Expr;
use spate_runtime::Result;

/// Spark's `GroupedData`: the grouping keys of a streaming aggregation.
pub struct GroupedData {
    df: DataFrame,
    keys: Vec<Expr>,
}

impl GroupedData {
    pub(crate) fn new(df: DataFrame, keys: Vec<Expr>) -> Self {
        GroupedData { df, keys }
    }

    /// The watermark tag of a key: the watermarked column itself or a window over it.
    fn key_tag(&self, key: &Expr) -> Option<&EventTime> {
        let key = match key {
            Expr::Alias(inner, _) => inner.as_ref(),
            other => other,
        };
        match key {
            Expr::Window(time, _) => self.df.event_time_of(time),
            other => self.df.event_time_of(other),
        }
    }

    /// `agg(aggregates)`: one row per group with the keys, then the aggregates (each an
    /// aggregate function such as `sum(col("value"))`, optionally aliased).
    pub fn agg(&self, aggregates: impl IntoIterator<Item = Expr>) -> Result<DataFrame> {
        let aggregates: Vec<Expr> = aggregates.into_iter().collect();
        let event_time_key = self.keys.iter().position(|k| self.key_tag(k).is_some());
        let context = self.df.session.eval_context()?;
        let operator = StreamingAggregate::new(
            &self.df.schema(),
            self.keys.clone(),
            aggregates.clone(),
            event_time_key,
            EmitMode::Update,
            context,
        )
        .map_err(analysis)?;
        let schema = operator.output_schema();
        let event_time = event_time_key
            .and_then(|k| {
                self.key_tag(&self.keys[k]).map(|tag| EventTime {
                    column: schema.field(k).name().clone(),
                    delay_ms: tag.delay_ms,
                })
            })
            .into_iter()
            .collect();
        let step = PlanStep::Aggregate {
            keys: self.keys.clone(),
            aggregates,
            event_time_key,
        };
        self.df.then_step(step, schema, event_time)
    }

    /// `count()`: the number of rows per group, in a column named `count`.
    pub fn count(&self) -> Result<DataFrame> {
        self.agg([count_star().alias("count")])
    }
}
