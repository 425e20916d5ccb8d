//! A USING join's output (`df.join(other, ["id"])`, Spark's natural-join processing): each
//! USING column once, then the left input's other columns, then the right input's. The
//! column is the left one, the right one for a right outer join, and for a full outer join
//! the left value where there is one, else the right, in their common type.

use super::operator::JoinType;
use crate::expr::{cast_like_spark, equality_type, EvalContext, ExprError};
use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::compute::is_not_null;
use arrow::compute::kernels::zip::zip;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// Where one output column of a USING join comes from.
#[derive(Debug, Clone)]
enum Source {
    /// Column `i` of the joined row (the left input's columns, then the right's).
    Joined(usize),
    /// The left key column where it is not NULL, else the right one, both cast to the type.
    Coalesce(usize, usize, DataType),
}

/// The output columns of a USING join, taken from the joined row.
#[derive(Debug, Clone)]
pub(crate) struct UsingLayout {
    sources: Vec<Source>,
    schema: SchemaRef,
    /// How the full outer join's keys are cast to their common type (Spark's casts).
    context: EvalContext,
}

impl UsingLayout {
    /// The layout for `keys` (left and right column of each USING column, in its order)
    /// over `joined`, the join's rows (`left_width` left columns first; only those for a
    /// semi join).
    pub(crate) fn new(
        joined: &Schema,
        left_width: usize,
        keys: &[(usize, usize)],
        join_type: JoinType,
        context: EvalContext,
    ) -> UsingLayout {
        let mut sources: Vec<Source> = Vec::new();
        let mut fields: Vec<Field> = Vec::new();
        for &(left, right) in keys {
            let right = left_width + right;
            let (source, field) = match join_type {
                JoinType::RightOuter => (Source::Joined(right), joined.field(right).clone()),
                JoinType::FullOuter => {
                    let (l, r) = (joined.field(left), joined.field(right));
                    let to = equality_type(l.data_type(), r.data_type(), context.ansi);
                    let field = l
                        .clone()
                        .with_data_type(to.clone())
                        .with_nullable(l.is_nullable() && r.is_nullable());
                    (Source::Coalesce(left, right, to), field)
                }
                _ => (Source::Joined(left), joined.field(left).clone()),
            };
            sources.push(source);
            fields.push(field);
        }
        let left_keys: Vec<usize> = keys.iter().map(|&(l, _)| l).collect();
        let right_keys: Vec<usize> = keys.iter().map(|&(_, r)| left_width + r).collect();
        for (i, field) in joined.fields().iter().enumerate() {
            if !left_keys.contains(&i) && !right_keys.contains(&i) {
                sources.push(Source::Joined(i));
                fields.push(field.as_ref().clone());
            }
        }
        UsingLayout {
            sources,
            schema: Arc::new(Schema::new(fields)),
            context,
        }
    }

    /// The output rows' schema.
    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The output rows of `joined` (the join's columns of `rows` rows).
    pub(crate) fn apply(&self, joined: &[ArrayRef], rows: usize) -> Result<RecordBatch, ExprError> {
        let cast = |column: &ArrayRef, to: &DataType| cast_like_spark(column, to, &self.context);
        let columns = self
            .sources
            .iter()
            .map(|source| match source {
                Source::Joined(i) => Ok(joined[*i].clone()),
                Source::Coalesce(left, right, to) => {
                    let (left, right) = (cast(&joined[*left], to)?, cast(&joined[*right], to)?);
                    Ok(zip(&is_not_null(&left)?, &left, &right)?)
                }
            })
            .collect::<Result<Vec<ArrayRef>, ExprError>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        Ok(RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns,
            &options,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray, Int32Array, Int64Array, StringArray};
    use arrow::datatypes::Int64Type;

    /// Joined rows `id INT, a STRING | ID BIGINT, b STRING`: a match, a left-only row and
    /// a right-only row.
    fn joined() -> (Schema, Vec<ArrayRef>) {
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("a", DataType::Utf8, true),
            Field::new("ID", DataType::Int64, true),
            Field::new("b", DataType::Utf8, true),
        ]);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(vec![Some(1), Some(2), None])),
            Arc::new(StringArray::from(vec![Some("a1"), Some("a2"), None])),
            Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(StringArray::from(vec![Some("b1"), None, Some("b3")])),
        ];
        (schema, columns)
    }

    #[test]
    fn full_outer_takes_either_sides_key_in_their_common_type() {
        let (schema, columns) = joined();
        let layout = UsingLayout::new(
            &schema,
            2,
            &[(0, 0)],
            JoinType::FullOuter,
            EvalContext::default(),
        );
        let rows = layout.apply(&columns, 3).expect("apply");
        let schema = rows.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["id", "a", "b"]);
        let ids = rows.column(0).as_primitive::<Int64Type>();
        assert_eq!(ids.iter().collect::<Vec<_>>(), [Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn right_outer_keeps_the_right_key_and_others_keep_the_left() {
        let (schema, columns) = joined();
        let right = UsingLayout::new(
            &schema,
            2,
            &[(0, 0)],
            JoinType::RightOuter,
            EvalContext::default(),
        );
        let rows = right.apply(&columns, 3).expect("apply");
        assert_eq!(rows.schema().field(0).name(), "ID");
        assert_eq!(rows.column(0).data_type(), &DataType::Int64);
        let inner = UsingLayout::new(
            &schema,
            2,
            &[(0, 0)],
            JoinType::Inner,
            EvalContext::default(),
        );
        let rows = inner.apply(&columns, 3).expect("apply");
        assert_eq!(rows.schema().field(0).name(), "id");
        assert_eq!(rows.column(0).null_count(), 1);
        assert_eq!(rows.num_columns(), 3);
    }
}
