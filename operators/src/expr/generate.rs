//! Generators: `explode` / `explode_outer` as an item of a projection, which makes one row
//! per element of an array (Spark's `Generate`). The projection's other items are computed
//! for each output row, over its input row repeated.

use super::error::ExprError;
use super::naming::pretty_sql;
use super::{EvalContext, Expr};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow::compute::{take, take_record_batch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use spate_runtime::text::zone::Zone;

/// The output field of the generator item `item`, which explodes `array`.
pub(crate) fn element_field(
    item: &Expr,
    array: &Expr,
    outer: bool,
    input: &Schema,
    ctx: &EvalContext,
) -> Result<Field, ExprError> {
    let field = array.output_field_with(input, ctx)?;
    let DataType::List(element) = field.data_type() else {
        return Err(ExprError::datatype_mismatch(
            "UNEXPECTED_INPUT_TYPE",
            &generator_sql(item),
            &format!(
                "The first parameter requires the (\"ARRAY\" or \"MAP\") type, however \"{}\" has the type \"{}\"",
                pretty_sql(array, &ctx.time_zone),
                spate_runtime::types::spark_type_name(field.data_type()).to_uppercase()
            ),
        ));
    };
    let name = match item {
        Expr::Alias(_, name) => name.clone(),
        _ => "col".into(),
    };
    Ok(Field::new(
        name,
        element.data_type().clone(),
        outer || element.is_nullable(),
    ))
}

/// The generator's SQL, `explode(...)`, without its alias.
fn generator_sql(item: &Expr) -> String {
    match item {
        Expr::Alias(inner, _) => generator_sql(inner),
        other => pretty_sql(other, &Zone::UTC),
    }
}

/// Spark's refusal of a generator anywhere but as a whole item of a projection.
pub(crate) fn misplaced_generator(expr: &Expr, in_projection: bool) -> ExprError {
    let sql = pretty_sql(expr, &Zone::UTC);
    match in_projection {
        true => ExprError::UnsupportedGenerator {
            kind: "NESTED_IN_EXPRESSIONS",
            detail: format!("nested in expressions \"{sql}\""),
        },
        false => ExprError::UnsupportedGenerator {
            kind: "OUTSIDE_SELECT",
            detail: format!("outside the SELECT clause, found: {sql}"),
        },
    }
}

/// The rows of the projection `items` over `batch` (its schema `schema`), where item
/// `generator` explodes an array: each input row once per element (once, with NULL, for an
/// empty or NULL array when outer; not at all otherwise).
pub(crate) fn project_exploding(
    items: &[Expr],
    generator: usize,
    batch: &RecordBatch,
    schema: SchemaRef,
    ctx: &EvalContext,
) -> Result<RecordBatch, ExprError> {
    let Some((array, outer)) = items[generator].generator() else {
        return Err(ExprError::Unsupported(
            "a projection without its generator".into(),
        ));
    };
    let lists = array.evaluate(batch, ctx)?;
    let lists = lists.as_list_opt::<i32>().ok_or_else(|| {
        ExprError::Unsupported(format!("exploding a {} column", lists.data_type()))
    })?;
    // For each output row: its input row, and its element (`None`: the outer NULL).
    let mut rows: Vec<u32> = Vec::new();
    let mut elements: Vec<Option<u32>> = Vec::new();
    let offsets = lists.value_offsets();
    for row in 0..lists.len() {
        let (start, end) = (offsets[row] as u32, offsets[row + 1] as u32);
        let count = if lists.is_valid(row) { end - start } else { 0 };
        if count == 0 && outer {
            rows.push(row as u32);
            elements.push(None);
        }
        for element in start..start + count {
            rows.push(row as u32);
            elements.push(Some(element));
        }
    }
    let rows = UInt32Array::from(rows);
    let elements = UInt32Array::from(elements);
    // The other items are computed per output row, as Spark computes them after its
    // `Generate`: an input row that makes no output row is never evaluated.
    let repeated = match items.len() {
        1 => None,
        _ => Some(take_record_batch(batch, &rows)?),
    };
    let columns = items
        .iter()
        .enumerate()
        .map(|(index, item)| -> Result<ArrayRef, ExprError> {
            match &repeated {
                Some(repeated) if index != generator => item.evaluate(repeated, ctx),
                _ => Ok(take(lists.values().as_ref(), &elements, None)?),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
    Ok(RecordBatch::try_new_with_options(
        schema, columns, &options,
    )?)
}
