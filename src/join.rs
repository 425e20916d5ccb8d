//! `alias` and `join`: stream-stream joins with conditions over both inputs, their columns
//! named plainly (`id2`) or qualified by a DataFrame alias (`s1.event_time`).

use crate::dataframe::{DataFrame, EventTime, LogicalPlan, PlanInput};
use crate::sql::IntoCondition;
use spate_operators::expr::{col, Expr, ExprError};
use spate_operators::join::{left_name, right_name, JoinType, StreamingJoin};
use spate_runtime::{Error, Result};
use std::sync::Arc;

/// A join's inputs, for resolving the condition's column names.
struct Sides<'a> {
    left: &'a DataFrame,
    right: &'a DataFrame,
}

impl Sides<'_> {
    /// The condition's name for `name` (`col`, `` `col` `` or `alias.col`).
    fn resolve(&self, name: &str) -> std::result::Result<Expr, ExprError> {
        let unquote = |s: &str| s.trim_matches('`').to_string();
        let (qualifier, column) = match name.split_once('.') {
            Some((q, c)) if !name.starts_with('`') => (Some(unquote(q)), unquote(c)),
            _ => (None, unquote(name)),
        };
        let find = |df: &DataFrame, side_name: fn(usize) -> String| {
            let qualified = qualifier
                .as_ref()
                .is_none_or(|q| df.alias_name().is_some_and(|a| a.eq_ignore_ascii_case(q)));
            df.columns()
                .iter()
                .position(|c| qualified && c.eq_ignore_ascii_case(&column))
                .map(|i| col(&side_name(i)))
        };
        match (find(self.left, left_name), find(self.right, right_name)) {
            (Some(left), None) => Ok(left),
            (None, Some(right)) => Ok(right),
            (Some(_), Some(_)) => Err(ExprError::AmbiguousReference {
                name: name.to_string(),
                matches: 2,
            }),
            (None, None) => Err(ExprError::UnresolvedColumn {
                name: name.to_string(),
                candidates: self.candidates(),
            }),
        }
    }

    /// Every column of both inputs, qualified by its input's alias, as Spark suggests them.
    fn candidates(&self) -> Vec<String> {
        [self.left, self.right]
            .iter()
            .flat_map(|df| {
                let alias = df.alias_name().map(|a| format!("`{a}`."));
                df.columns()
                    .into_iter()
                    .map(move |c| format!("{}`{c}`", alias.clone().unwrap_or_default()))
            })
            .collect()
    }
}

/// The column of `df` named `name` (any case), for a USING join's `side` input; Spark's
/// error naming the input's columns when there is none.
fn using_column(df: &DataFrame, name: &str, side: &str) -> Result<usize> {
    let columns = df.columns();
    columns
        .iter()
        .position(|c| c.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let listed: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
            Error::Analysis(format!(
                "[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `{name}` cannot be resolved on the {side} side of the join. The {side}-side columns: [{}]. SQLSTATE: 42703",
                listed.join(", ")
            ))
        })
}

/// The index of an input's first event-time column.
fn event_time_index(df: &DataFrame) -> Option<usize> {
    let tag = df.event_time()?;
    df.columns()
        .iter()
        .position(|c| c.eq_ignore_ascii_case(&tag.column))
}

impl DataFrame {
    /// `alias(name)`: a name to qualify this DataFrame's columns with in a join condition
    /// (`col("s1.event_time")`).
    pub fn alias(&self, name: &str) -> DataFrame {
        let mut aliased = self.clone();
        aliased.alias = Some(name.to_string());
        aliased
    }

    /// `join(other, condition, how)`: a stream-stream join, or a stream-static one when
    /// `other` comes from `spark.read()` (inner, left outer, left semi; stateless). The
    /// condition is a column expression or Spark SQL text. `how` is `inner`, `left_outer`,
    /// `right_outer`, `full_outer` or `left_semi`. The condition's equalities become the join
    /// keys; range conditions on the inputs' watermarked columns bound how long rows wait
    /// in state (an outer join needs one to ever emit its unmatched rows, as in Spark).
    pub fn join(
        &self,
        other: &DataFrame,
        condition: impl IntoCondition,
        how: &str,
    ) -> Result<DataFrame> {
        let join_type: JoinType = how.parse()?;
        let condition = condition.into_condition()?;
        let sides = Sides {
            left: self,
            right: other,
        };
        let condition = condition
            .map_columns(&mut |name| sides.resolve(name))
            .map_err(|e| Error::Analysis(e.to_string()))?;
        self.join_resolved(other, condition, join_type, Vec::new())
    }

    /// `join(other, ["id"], how)`: a USING join, on equal values of the columns named in
    /// both inputs. Its rows hold each USING column once (the left one; the right one for
    /// `right_outer`; for `full_outer` whichever side has a value), then the other left
    /// columns, then the other right ones, as Spark's are.
    pub fn join_using(&self, other: &DataFrame, columns: &[&str], how: &str) -> Result<DataFrame> {
        let join_type: JoinType = how.parse()?;
        let keys = columns
            .iter()
            .map(|&name| {
                Ok((
                    using_column(self, name, "left")?,
                    using_column(other, name, "right")?,
                ))
            })
            .collect::<Result<Vec<(usize, usize)>>>()?;
        let condition = keys
            .iter()
            .map(|&(l, r)| col(&left_name(l)).eq(col(&right_name(r))))
            .reduce(|a, b| a.and(b))
            .ok_or_else(|| Error::Analysis("a USING join needs at least one column".into()))?;
        self.join_resolved(other, condition, join_type, keys)
    }

    /// The join of `self` and `other` on `condition` (over [`left_name`]/[`right_name`]
    /// columns), a USING join on `using` (left and right column pairs) unless empty.
    fn join_resolved(
        &self,
        other: &DataFrame,
        condition: Expr,
        join_type: JoinType,
        using: Vec<(usize, usize)>,
    ) -> Result<DataFrame> {
        let event_time = [event_time_index(self), event_time_index(other)];
        let context = self.session.eval_context()?;
        let join = match (self.is_streaming(), other.is_streaming()) {
            (true, true) => StreamingJoin::new(
                self.schema(),
                other.schema(),
                Some(condition.clone()),
                join_type,
                event_time,
                context,
            )?,
            (true, false) => StreamingJoin::stream_static(
                self.schema(),
                other.schema(),
                &[],
                Some(condition.clone()),
                join_type,
                event_time[0],
                context,
            )?,
            _ => {
                return Err(Error::Analysis(
                    "[UNSUPPORTED_FEATURE] spate joins a stream with a stream, or with a static DataFrame on its right".into(),
                ))
            }
        }
        .with_using(&using);
        let output = join.output_schema();
        // A tag stays while its column does (a USING join keeps one side's key column).
        let mut tags: Vec<EventTime> = self.event_time_tags().to_vec();
        if join_type != JoinType::LeftSemi {
            tags.extend(other.event_time_tags().iter().cloned());
        }
        tags.retain(|tag| {
            output
                .fields()
                .iter()
                .any(|f| f.name().eq_ignore_ascii_case(&tag.column))
        });
        let plan = LogicalPlan {
            input: PlanInput::Join {
                inputs: [self.plan.clone(), other.plan.clone()],
                condition,
                join_type,
                event_time,
                using,
            },
            steps: Vec::new(),
        };
        Ok(DataFrame::from_plan(
            self.session.clone(),
            Arc::new(plan),
            output,
            tags,
        ))
    }
}
