//! Aggregate functions: the `count`/`sum`/`avg`/… builders, their Spark names and result
//! types (SEMANTICS.md §4.3).

use super::moments::Moment;
use crate::expr::{lit, Expr, ExprError, Literal};
use arrow::datatypes::DataType;

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateFunction {
    /// `count(e)`: rows where `e` is not NULL (`count(1)` counts every row).
    Count,
    /// `sum(e)`: NULL when the group has no non-NULL value.
    Sum,
    /// `avg(e)` / `mean(e)`.
    Avg,
    /// `min(e)`.
    Min,
    /// `max(e)`.
    Max,
    /// `first(e)`: the first value the group saw (NULL included).
    First,
    /// `last(e)`: the last value the group saw (NULL included).
    Last,
    /// `approx_count_distinct(e)`: Spark's HyperLogLog++ estimate (relative error 0.05).
    ApproxCountDistinct,
    /// `count(DISTINCT e)`: exact. Spark refuses it on streams; spate keeps each group's
    /// distinct values in state while the group lives.
    CountDistinct,
    /// A standard deviation or variance (a `double`; NULL without values, and for a sample
    /// statistic of one value).
    Moment(Moment),
}

impl AggregateFunction {
    /// Spark's generated column name for this function applied to `arg_sql`.
    pub fn sql(self, arg_sql: &str) -> String {
        let name = match self {
            AggregateFunction::Count => "count",
            AggregateFunction::Sum => "sum",
            AggregateFunction::Avg => "avg",
            AggregateFunction::Min => "min",
            AggregateFunction::Max => "max",
            AggregateFunction::First => "first",
            AggregateFunction::Last => "last",
            AggregateFunction::ApproxCountDistinct => "approx_count_distinct",
            AggregateFunction::CountDistinct => return format!("count(DISTINCT {arg_sql})"),
            AggregateFunction::Moment(moment) => moment.name(),
        };
        format!("{name}({arg_sql})")
    }

    /// The result type for an argument of type `input`, or Spark's type-mismatch error.
    pub fn result_type(self, input: &DataType, sql: &str) -> Result<DataType, ExprError> {
        let numeric = input.is_numeric();
        match self {
            AggregateFunction::Count
            | AggregateFunction::CountDistinct
            | AggregateFunction::ApproxCountDistinct => Ok(DataType::Int64),
            AggregateFunction::Sum if input.is_integer() => Ok(DataType::Int64),
            AggregateFunction::Sum | AggregateFunction::Avg | AggregateFunction::Moment(_)
                if numeric =>
            {
                Ok(DataType::Float64)
            }
            AggregateFunction::Moment(_) => Err(ExprError::datatype_mismatch(
                "UNEXPECTED_INPUT_TYPE",
                sql,
                &format!(
                    "The first parameter requires the \"DOUBLE\" type, however \"{}\" has the type \"{}\"",
                    sql_arg(sql),
                    spate_runtime::types::spark_type_name(input).to_uppercase()
                ),
            )),
            AggregateFunction::Sum | AggregateFunction::Avg => Err(ExprError::datatype_mismatch(
                "UNEXPECTED_INPUT_TYPE",
                sql,
                &format!(
                    "The first parameter requires the (\"NUMERIC\" or \"ANSI INTERVAL\") type, however \"{}\" has the type \"{}\"",
                    sql_arg(sql),
                    spate_runtime::types::spark_type_name(input).to_uppercase()
                ),
            )),
            AggregateFunction::Min
            | AggregateFunction::Max
            | AggregateFunction::First
            | AggregateFunction::Last => Ok(input.clone()),
        }
    }
}

/// The argument part of `f(arg)`.
fn sql_arg(sql: &str) -> &str {
    sql.split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(sql)
}

fn call(function: AggregateFunction, arg: Expr) -> Expr {
    Expr::Aggregate(function, Box::new(arg))
}

/// `count(e)`; `count(lit("*"))` and `count(col("*"))` are Spark's `count(*)`, named `count(1)`.
pub fn count(e: Expr) -> Expr {
    let star = match &e {
        Expr::Literal(Literal::Utf8(s)) => s == "*",
        Expr::Column(name) => name == "*",
        _ => false,
    };
    call(AggregateFunction::Count, if star { lit(1) } else { e })
}

/// `count(*)`, named `count(1)`.
pub fn count_star() -> Expr {
    count(lit(1))
}

/// `sum(e)`: `bigint` for integral input, `double` otherwise.
pub fn sum(e: Expr) -> Expr {
    call(AggregateFunction::Sum, e)
}

/// `avg(e)`: a `double`.
pub fn avg(e: Expr) -> Expr {
    call(AggregateFunction::Avg, e)
}

/// `mean(e)`, the same as [`avg`].
pub fn mean(e: Expr) -> Expr {
    avg(e)
}

/// `min(e)`.
pub fn min(e: Expr) -> Expr {
    call(AggregateFunction::Min, e)
}

/// `max(e)`.
pub fn max(e: Expr) -> Expr {
    call(AggregateFunction::Max, e)
}

/// `first(e)`: the first value in arrival order (NULL included).
pub fn first(e: Expr) -> Expr {
    call(AggregateFunction::First, e)
}

/// `last(e)`: the last value in arrival order (NULL included).
pub fn last(e: Expr) -> Expr {
    call(AggregateFunction::Last, e)
}

/// `approx_count_distinct(e)`: Spark's HyperLogLog++ estimate with relative error 0.05.
pub fn approx_count_distinct(e: Expr) -> Expr {
    call(AggregateFunction::ApproxCountDistinct, e)
}

/// `count(DISTINCT e)`, exact (Spark refuses it on streams; spate supports it).
pub fn count_distinct(e: Expr) -> Expr {
    call(AggregateFunction::CountDistinct, e)
}

/// `stddev_samp(e)`: the sample standard deviation.
pub fn stddev_samp(e: Expr) -> Expr {
    call(AggregateFunction::Moment(Moment::StddevSamp), e)
}

/// `stddev(e)`: the sample standard deviation, under this name.
pub fn stddev(e: Expr) -> Expr {
    call(AggregateFunction::Moment(Moment::Stddev), e)
}

/// `stddev_pop(e)`: the population standard deviation.
pub fn stddev_pop(e: Expr) -> Expr {
    call(AggregateFunction::Moment(Moment::StddevPop), e)
}

/// `var_samp(e)`: the sample variance.
pub fn var_samp(e: Expr) -> Expr {
    call(AggregateFunction::Moment(Moment::VarSamp), e)
}

/// `variance(e)`: the sample variance, under this name.
pub fn variance(e: Expr) -> Expr {
    call(AggregateFunction::Moment(Moment::Variance), e)
}

/// `var_pop(e)`: the population variance.
pub fn var_pop(e: Expr) -> Expr {
    call(AggregateFunction::Moment(Moment::VarPop), e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::col;

    #[test]
    fn names_are_sparks() {
        // `df.groupBy().agg(...).columns` in PySpark 4.3 (SEMANTICS.md §4.3).
        assert_eq!(count(lit("*")).output_name(), "count(1)");
        assert_eq!(count_star().output_name(), "count(1)");
        assert_eq!(count(col("value")).output_name(), "count(value)");
        assert_eq!(sum(col("value")).output_name(), "sum(value)");
        assert_eq!(mean(col("id")).output_name(), "avg(id)");
        assert_eq!(
            approx_count_distinct(col("id")).output_name(),
            "approx_count_distinct(id)"
        );
        assert_eq!(
            count_distinct(col("user_id")).output_name(),
            "count(DISTINCT user_id)"
        );
        assert_eq!(sum(col("v")).alias("total").output_name(), "total");
    }

    #[test]
    fn result_types_follow_the_input() {
        let f = AggregateFunction::Sum;
        assert_eq!(
            f.result_type(&DataType::Int32, "sum(id)").unwrap(),
            DataType::Int64
        );
        assert_eq!(
            f.result_type(&DataType::Float64, "sum(v)").unwrap(),
            DataType::Float64
        );
        let error = f.result_type(&DataType::Utf8, "sum(name)").unwrap_err();
        assert!(error
            .to_string()
            .starts_with("[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"sum(name)\""));
        assert_eq!(
            AggregateFunction::Avg
                .result_type(&DataType::Int32, "avg(id)")
                .unwrap(),
            DataType::Float64
        );
        assert_eq!(
            AggregateFunction::Max
                .result_type(&DataType::Utf8, "max(s)")
                .unwrap(),
            DataType::Utf8
        );
    }
}
