//! `GroupedData`: `df.groupBy(keys)` waiting for its aggregates.

use crate::dataframe::{analysis, DataFrame, EventTime, PlanStep};
use spate_operators::aggregate::{count_star, EmitMode, StreamingAggregate};
use spate_operators::expr::{col, quote_identifier, Expr};
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

    /// `agg(aggregates)`: one row per group with the keys, then the aggregates: aggregate
    /// functions such as `sum(col("value"))`, or expressions over them such as
    /// `sum(col("value")) / count(col("value"))`, optionally aliased.
    pub fn agg(&self, aggregates: impl IntoIterator<Item = Expr>) -> Result<DataFrame> {
        let aggregates: Vec<Expr> = aggregates.into_iter().collect();
        if aggregates.iter().all(is_aggregate_call) {
            return self.aggregate(aggregates);
        }
        // As Spark does: the aggregate functions inside expressions are computed under
        // names of their own, then the expressions over them.
        let mut computed: Vec<Expr> = Vec::new();
        let mut results = Vec::with_capacity(aggregates.len());
        for expr in &aggregates {
            if is_aggregate_call(expr) {
                let name = expr.output_name();
                computed.push(expr.clone());
                results.push(col(&quote_identifier(&name)));
                continue;
            }
            let Ok(over_computed) = expr.transform(&mut |e| {
                Ok::<_, std::convert::Infallible>(matches!(e, Expr::Aggregate(..)).then(|| {
                    // An aggregate computed already is read again, not computed twice.
                    let same = computed.iter().find_map(|c| match c {
                        Expr::Alias(inner, name) if **inner == *e => Some(quote_identifier(name)),
                        other if other == e => Some(quote_identifier(&other.output_name())),
                        _ => None,
                    });
                    let name = same.unwrap_or_else(|| {
                        let name = format!("__spate_aggregate_{}", computed.len());
                        computed.push(e.clone().alias(&name));
                        name
                    });
                    col(&name)
                }))
            });
            results.push(over_computed.alias(&expr.output_name()));
        }
        let grouped = self.aggregate(computed)?;
        let keys = grouped.columns().into_iter().take(self.keys.len());
        grouped.select(keys.map(|k| col(&quote_identifier(&k))).chain(results))
    }

    /// The aggregation of `aggregates`, each an aggregate function, optionally aliased.
    fn aggregate(&self, aggregates: Vec<Expr>) -> Result<DataFrame> {
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

/// Whether `expr` is an aggregate function call, optionally aliased.
fn is_aggregate_call(expr: &Expr) -> bool {
    match expr {
        Expr::Alias(inner, _) => matches!(inner.as_ref(), Expr::Aggregate(..)),
        other => matches!(other, Expr::Aggregate(..)),
    }
}
