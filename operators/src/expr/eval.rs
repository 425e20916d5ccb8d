//! Running a [`Bound`] expression over a record batch. Every node is a whole-array Arrow kernel;
//! literals stay one-element scalars ([`One`]) until something needs a full array.
//!
//! Like Spark, `CASE WHEN` only evaluates a branch value on the rows that select it and `AND`/
//! `OR` only evaluate their right side where the left side does not decide the result, so an
//! ANSI error (division by zero, bad cast) is raised only for rows Spark would compute.

use std::sync::Arc;

use arrow::array::{
    make_array, new_null_array, Array, ArrayRef, AsArray, BooleanArray, DurationMicrosecondArray,
    Float64Array, Int32Array, Int64Array, PrimitiveArray, RecordBatch, RecordBatchOptions,
    StringArray, StringBuilder, StructArray, TimestampMicrosecondArray, UInt32Array,
};
use arrow::buffer::{BooleanBuffer, NullBuffer};
use arrow::compute::kernels::zip::zip;
use arrow::compute::{
    and_kleene, cast, is_not_null, is_null, not, or_kleene, prep_null_mask_filter, take,
    FilterBuilder,
};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Field, Schema, TimestampMicrosecondType};
use arrow::downcast_primitive_array;

use super::error::ExprError;
use super::resolve::{can_fail, mark_read_columns, normalize, Bound, Kind};
use super::{
    arith, cast as spark_cast, compare, datepart, dates, like, math, nested, pattern, regex, split,
    strings, BinaryOp, EvalContext, Literal,
};
use arrow::compute::kernels::numeric;

/// A one-element array standing for every row (an Arrow scalar `Datum`).
#[derive(Debug, Clone)]
pub(crate) struct One(ArrayRef);

impl arrow::array::Datum for One {
    fn get(&self) -> (&dyn Array, bool) {
        (self.0.as_ref(), true)
    }
}

/// A computed column: a full array, or one value standing for every row.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// One value per row.
    Array(ArrayRef),
    /// A single value broadcast to all rows.
    Scalar(One),
}

impl Value {
    /// The underlying array (one element for a scalar).
    pub(crate) fn array(&self) -> &ArrayRef {
        match self {
            Value::Array(a) => a,
            Value::Scalar(s) => &s.0,
        }
    }

    /// Whether this is a broadcast scalar.
    pub(crate) fn is_scalar(&self) -> bool {
        matches!(self, Value::Scalar(_))
    }

    /// As an Arrow `Datum` for the kernels.
    pub(crate) fn datum(&self) -> &dyn arrow::array::Datum {
        match self {
            Value::Array(a) => a,
            Value::Scalar(s) => s,
        }
    }

    /// Wrap a kernel result: a scalar if every input was one.
    pub(crate) fn from_result(array: ArrayRef, scalar: bool) -> Value {
        if scalar && array.len() == 1 {
            Value::Scalar(One(array))
        } else {
            Value::Array(array)
        }
    }

    /// Apply an array → array function, keeping scalar-ness.
    fn map(
        &self,
        f: impl FnOnce(&ArrayRef) -> Result<ArrayRef, ExprError>,
    ) -> Result<Value, ExprError> {
        Ok(Value::from_result(f(self.array())?, self.is_scalar()))
    }

    /// A full array of `rows` values.
    pub(crate) fn into_array(self, rows: usize) -> Result<ArrayRef, ExprError> {
        match self {
            Value::Array(a) => Ok(a),
            Value::Scalar(s) => repeat(&s.0, rows),
        }
    }
}

/// Repeat the single value of `one` `rows` times.
fn repeat(one: &ArrayRef, rows: usize) -> Result<ArrayRef, ExprError> {
    if one.is_null(0) {
        return Ok(new_null_array(one.data_type(), rows));
    }
    let indices = UInt32Array::from(vec![0u32; rows]);
    Ok(take(one.as_ref(), &indices, None)?)
}

/// A one-element array holding `lit` with type `data_type`.
fn literal_array(lit: &Literal, data_type: &DataType) -> ArrayRef {
    match lit {
        Literal::Null => new_null_array(data_type, 1),
        Literal::Boolean(v) => Arc::new(BooleanArray::from(vec![*v])),
        Literal::Int32(v) => Arc::new(Int32Array::from(vec![*v])),
        Literal::Int64(v) => Arc::new(Int64Array::from(vec![*v])),
        Literal::Float64(v) => Arc::new(Float64Array::from(vec![*v])),
        Literal::Utf8(v) => Arc::new(StringArray::from(vec![v.as_str()])),
        Literal::Timestamp(v) => {
            Arc::new(TimestampMicrosecondArray::from(vec![*v]).with_timezone("UTC"))
        }
        Literal::Interval(v) => Arc::new(DurationMicrosecondArray::from(vec![*v])),
    }
}

/// Evaluate `node` over `batch` into one value per row.
pub(crate) fn evaluate(
    node: &Bound,
    batch: &RecordBatch,
    ctx: &EvalContext,
) -> Result<ArrayRef, ExprError> {
    eval(node, batch, ctx)?.into_array(batch.num_rows())
}

fn eval(node: &Bound, batch: &RecordBatch, ctx: &EvalContext) -> Result<Value, ExprError> {
    let rows = batch.num_rows();
    match &node.kind {
        Kind::Column(index) => {
            let column = batch.column(*index);
            if normalize(column.data_type()) == *column.data_type() {
                Ok(Value::Array(column.clone()))
            } else {
                Ok(Value::Array(cast(column, &node.data_type)?))
            }
        }
        Kind::Field(child, index) => {
            let parent = eval(child, batch, ctx)?.into_array(rows)?;
            let parent = parent.as_struct_opt().ok_or_else(|| {
                ExprError::Unsupported(format!("a field of a {} value", parent.data_type()))
            })?;
            let field = parent.column(*index);
            // A NULL struct has NULL fields, whatever its child array holds there.
            let nulls = NullBuffer::union(parent.nulls(), field.nulls());
            let field = make_array(field.to_data().into_builder().nulls(nulls).build()?);
            Ok(Value::Array(if field.data_type() == &node.data_type {
                field
            } else {
                cast(&field, &node.data_type)?
            }))
        }
        Kind::Literal(lit) => Ok(Value::Scalar(One(literal_array(lit, &node.data_type)))),
        Kind::Cast(child) => {
            eval(child, batch, ctx)?.map(|a| spark_cast::cast(a, &node.data_type, ctx))
        }
        Kind::Arith(op, l, r) => {
            let l = eval(l, batch, ctx)?;
            let r = eval(r, batch, ctx)?;
            arith::binary(*op, &l, &r, &node.data_type, rows, ctx)
        }
        Kind::ShiftTime(op, time, interval) => {
            // On the raw µs values: the shift does not depend on the zone, and Arrow's
            // temporal kernels would need the zone database to read "UTC".
            let time = eval(time, batch, ctx)?.map(|a| Ok(cast(a, &DataType::Int64)?))?;
            let interval = eval(interval, batch, ctx)?.map(|a| Ok(cast(a, &DataType::Int64)?))?;
            let scalar = time.is_scalar() && interval.is_scalar();
            let shifted = match op {
                BinaryOp::Sub => numeric::sub(time.datum(), interval.datum()),
                _ => numeric::add(time.datum(), interval.datum()),
            }
            .map_err(|_| ExprError::ArithmeticOverflow { function: None })?;
            let micros = shifted.as_primitive::<arrow::datatypes::Int64Type>();
            let shifted =
                TimestampMicrosecondArray::new(micros.values().clone(), micros.nulls().cloned())
                    .with_timezone("UTC");
            Ok(Value::from_result(Arc::new(shifted), scalar))
        }
        Kind::Compare(op, l, r) => {
            let l = eval(l, batch, ctx)?;
            let r = eval(r, batch, ctx)?;
            compare::compare(*op, &l, &r, rows)
        }
        Kind::And(l, r) => logic(true, l, r, batch, ctx),
        Kind::Or(l, r) => logic(false, l, r, batch, ctx),
        Kind::Not(child) => eval(child, batch, ctx)?.map(|a| Ok(Arc::new(not(a.as_boolean())?))),
        Kind::IsNull(child) => eval(child, batch, ctx)?.map(|a| Ok(Arc::new(is_null(a)?))),
        Kind::IsNotNull(child) => eval(child, batch, ctx)?.map(|a| Ok(Arc::new(is_not_null(a)?))),
        Kind::Round(child, scale) => {
            let v = eval(child, batch, ctx)?;
            v.map(|a| arith::round(a, *scale))
        }
        Kind::Negate(child) => {
            let v = eval(child, batch, ctx)?;
            v.map(|a| arith::negate(a, ctx.ansi))
        }
        Kind::ParseTimestamp(child, fmt) => {
            let compiled = pattern::Pattern::compile(fmt)?;
            let v = eval(child, batch, ctx)?;
            v.map(|a| Ok(Arc::new(compiled.parse_column(a.as_string::<i32>(), ctx)?)))
        }
        Kind::CaseWhen(branches, otherwise) => {
            case_when(node, branches, otherwise.as_deref(), batch, ctx)
        }
        Kind::BatchTimestamp => {
            let ms = ctx.batch_timestamp_ms.ok_or_else(|| {
                ExprError::Unsupported("current_timestamp() outside a batch of a query".into())
            })?;
            let micros = ms.saturating_mul(1000);
            let one = TimestampMicrosecondArray::from(vec![micros]).with_timezone("UTC");
            Ok(Value::Scalar(One(Arc::new(one))))
        }
        Kind::StringFunction(function, args) => {
            if args.is_empty() {
                // `concat()`: the empty string.
                return Ok(Value::Scalar(One(Arc::new(StringArray::from(vec![""])))));
            }
            let (arrays, scalar) = eval_arguments(args, batch, ctx)?;
            Ok(Value::from_result(
                strings::evaluate(*function, &arrays)?,
                scalar,
            ))
        }
        Kind::Math(function, args) => {
            let (arrays, scalar) = eval_arguments(args, batch, ctx)?;
            Ok(Value::from_result(
                math::evaluate(*function, &arrays, ctx.ansi)?,
                scalar,
            ))
        }
        Kind::Dates(kernel, args) => {
            let (arrays, scalar) = eval_arguments(args, batch, ctx)?;
            Ok(Value::from_result(
                dates::evaluate(kernel, &arrays, &ctx.time_zone)?,
                scalar,
            ))
        }
        Kind::DatePart(part, child) => {
            let values = eval(child, batch, ctx)?;
            values.map(|a| Ok(Arc::new(datepart::evaluate(*part, a, &ctx.time_zone)?)))
        }
        Kind::DateFormat(child, format) => {
            let times = eval(child, batch, ctx)?;
            times.map(|a| {
                let times = a
                    .as_primitive_opt::<TimestampMicrosecondType>()
                    .ok_or_else(|| {
                        ExprError::Unsupported(format!("date_format of {}", a.data_type()))
                    })?;
                let mut text = String::new();
                let mut formatted = StringBuilder::with_capacity(times.len(), times.len() * 20);
                for time in times.iter() {
                    match time {
                        None => formatted.append_null(),
                        Some(micros) => {
                            text.clear();
                            format.format_micros(micros, &ctx.time_zone, &mut text);
                            formatted.append_value(&text);
                        }
                    }
                }
                Ok(Arc::new(formatted.finish()))
            })
        }
        Kind::Regex(function, child, pattern) => {
            let strings = eval(child, batch, ctx)?;
            strings.map(|a| regex::evaluate(function, a.as_string::<i32>(), pattern))
        }
        Kind::Substring(child, pos, len) => {
            let strings = eval(child, batch, ctx)?;
            strings.map(|a| Ok(strings::substring(a.as_string::<i32>(), *pos, *len)))
        }
        Kind::Split(child, regex, limit) => {
            let strings = eval(child, batch, ctx)?;
            strings.map(|a| split::split(a.as_string::<i32>(), regex, *limit))
        }
        Kind::FromJson(child, spec) => {
            let strings = eval(child, batch, ctx)?;
            strings.map(|a| {
                (spec.parse)(a.as_string::<i32>(), spec, &ctx.time_zone)
                    .map(|parsed| Arc::new(parsed) as ArrayRef)
            })
        }
        Kind::ToJson(child, write) => {
            let values = eval(child, batch, ctx)?;
            values.map(|a| {
                (write.0)(a, &ctx.time_zone)
                    .map(|text| Arc::new(text) as ArrayRef)
                    .map_err(|e| ExprError::Arrow(arrow::error::ArrowError::ComputeError(e)))
            })
        }
        Kind::GetJsonObject(child, path) => {
            let texts = eval(child, batch, ctx)?;
            texts.map(|a| Ok(Arc::new((path.find)(a.as_string::<i32>(), &path.path)) as ArrayRef))
        }
        Kind::Struct(children) => {
            let DataType::Struct(fields) = &node.data_type else {
                return Err(ExprError::Unsupported("a struct of no struct type".into()));
            };
            let columns = children
                .iter()
                .map(|child| eval(child, batch, ctx)?.into_array(batch.num_rows()))
                .collect::<Result<Vec<_>, _>>()?;
            let array =
                StructArray::try_new_with_length(fields.clone(), columns, None, batch.num_rows())?;
            Ok(Value::Array(Arc::new(array)))
        }
        Kind::Ansi(child, ansi) if *ansi == ctx.ansi => eval(child, batch, ctx),
        Kind::Ansi(child, ansi) => {
            let mode = EvalContext {
                ansi: *ansi,
                ..ctx.clone()
            };
            eval(child, batch, &mode)
        }
        Kind::Size(child) => {
            let lists = eval(child, batch, ctx)?;
            lists.map(|a| Ok(nested::size(a.as_list::<i32>(), ctx.ansi)))
        }
        Kind::Element(child, at) => {
            let lists = eval(child, batch, ctx)?;
            lists.map(|a| {
                let elements = nested::element(a.as_list::<i32>(), *at, ctx.ansi)?;
                // An element of a type spate computes in another (a LargeUtf8, say).
                match elements.data_type() == &node.data_type {
                    true => Ok(elements),
                    false => Ok(cast(&elements, &node.data_type)?),
                }
            })
        }
        Kind::StringTest(test, l, r) => {
            let (l, r) = (eval(l, batch, ctx)?, eval(r, batch, ctx)?);
            like::evaluate(*test, &l, &r)
        }
    }
}

/// Every argument of a function: one-element arrays when all are scalars (and the flag
/// says so), else full arrays of the batch's rows.
fn eval_arguments(
    args: &[Bound],
    batch: &RecordBatch,
    ctx: &EvalContext,
) -> Result<(Vec<ArrayRef>, bool), ExprError> {
    let values = args
        .iter()
        .map(|a| eval(a, batch, ctx))
        .collect::<Result<Vec<_>, _>>()?;
    let scalar = values.iter().all(Value::is_scalar);
    let arrays = values
        .into_iter()
        .map(|v| match scalar {
            true => Ok(v.array().clone()),
            false => v.into_array(batch.num_rows()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((arrays, scalar))
}

/// Evaluate `node` only on the rows where `mask` (no nulls) is true; other rows are NULL.
fn eval_masked(
    node: &Bound,
    batch: &RecordBatch,
    mask: &BooleanArray,
    ctx: &EvalContext,
) -> Result<Value, ExprError> {
    let rows = batch.num_rows();
    if !can_fail(node, ctx.ansi) {
        return eval(node, batch, ctx);
    }
    let selected = mask.true_count();
    if selected == rows {
        return eval(node, batch, ctx);
    }
    if selected == 0 {
        return Ok(Value::Scalar(One(new_null_array(&node.data_type, 1))));
    }
    let subset = rows_read_by(node, batch, mask)?;
    let values = eval(node, &subset, ctx)?.into_array(subset.num_rows())?;
    let indices = spread_indices(mask, selected);
    Ok(Value::Array(take(values.as_ref(), &indices, None)?))
}

/// Indices spreading values computed on the `selected` (at least one) rows of `mask` (no
/// nulls) back over all rows: each selected row's rank, NULL elsewhere (and still in
/// range there, so that `take` never meets an index past the values).
fn spread_indices(mask: &BooleanArray, selected: usize) -> UInt32Array {
    let last = selected.saturating_sub(1) as u32;
    let mut next = 0u32;
    let indices: Vec<u32> = mask
        .values()
        .iter()
        .map(|keep| {
            let index = next.min(last);
            next += u32::from(keep);
            index
        })
        .collect();
    UInt32Array::new(indices.into(), Some(NullBuffer::new(mask.values().clone())))
}

/// The rows of `batch` where `mask` (no nulls) is true, of the columns `node` reads; the
/// other columns, which it does not read, are left out as NULL columns rather than copied.
fn rows_read_by(
    node: &Bound,
    batch: &RecordBatch,
    mask: &BooleanArray,
) -> Result<RecordBatch, ExprError> {
    let mut read = vec![false; batch.num_columns()];
    mark_read_columns(node, &mut read);
    let filter = FilterBuilder::new(mask).optimize().build();
    let rows = filter.count();
    let mut fields = Vec::with_capacity(read.len());
    let mut columns = Vec::with_capacity(read.len());
    for ((field, column), read) in batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .zip(read)
    {
        if read {
            fields.push(field.clone());
            columns.push(filter.filter(column)?);
        } else {
            fields.push(Arc::new(Field::new(field.name(), DataType::Null, true)));
            columns.push(new_null_array(&DataType::Null, rows));
        }
    }
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    Ok(RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &options,
    )?)
}

/// Rows where a boolean value is exactly `want` (NULL counts as neither), as a mask without
/// nulls.
fn rows_equal_to(v: &BooleanArray, want: bool) -> Result<BooleanArray, ExprError> {
    let matching = if want { v.clone() } else { not(v)? };
    Ok(if matching.null_count() == 0 {
        matching
    } else {
        prep_null_mask_filter(&matching)
    })
}

/// Three-valued `AND` (`is_and`) or `OR`, evaluating the right side only where needed.
fn logic(
    is_and: bool,
    l: &Bound,
    r: &Bound,
    batch: &RecordBatch,
    ctx: &EvalContext,
) -> Result<Value, ExprError> {
    let rows = batch.num_rows();
    let lv = eval(l, batch, ctx)?;
    let rv = if can_fail(r, ctx.ansi) {
        let left = lv.clone().into_array(rows)?;
        // AND needs the right side where the left is not false; OR where it is not true.
        let decided = rows_equal_to(left.as_boolean(), !is_and)?;
        eval_masked(r, batch, &not(&decided)?, ctx)?
    } else {
        eval(r, batch, ctx)?
    };
    let scalar = lv.is_scalar() && rv.is_scalar();
    let n = if scalar { 1 } else { rows };
    let (la, ra) = (expand(lv, n)?, expand(rv, n)?);
    let (la, ra) = (la.as_boolean(), ra.as_boolean());
    let out = if is_and {
        and_kleene(la, ra)?
    } else {
        or_kleene(la, ra)?
    };
    Ok(Value::from_result(Arc::new(out), scalar))
}

/// As an array of length `n` (`n` is 1 when combining scalars).
fn expand(v: Value, n: usize) -> Result<ArrayRef, ExprError> {
    match v {
        Value::Scalar(s) if n == 1 => Ok(s.0),
        other => other.into_array(n),
    }
}

fn case_when(
    node: &Bound,
    branches: &[(Bound, Bound)],
    otherwise: Option<&Bound>,
    batch: &RecordBatch,
    ctx: &EvalContext,
) -> Result<Value, ExprError> {
    let rows = batch.num_rows();
    let mut remaining = BooleanArray::from(vec![true; rows]);
    let mut picked: Vec<(BooleanArray, Value)> = Vec::with_capacity(branches.len());
    for (cond, value) in branches {
        let c = eval_masked(cond, batch, &remaining, ctx)?.into_array(rows)?;
        let hit = and_kleene(&rows_equal_to(c.as_boolean(), true)?, &remaining)?;
        let v = eval_masked(value, batch, &hit, ctx)?;
        remaining = and_kleene(&remaining, &not(&hit)?)?;
        picked.push((hit, v));
    }
    let mut result = match otherwise {
        Some(e) => eval_masked(e, batch, &remaining, ctx)?,
        None => Value::Scalar(One(new_null_array(&node.data_type, 1))),
    };
    if node.data_type == DataType::Null {
        return Ok(result);
    }
    for (hit, v) in picked.into_iter().rev() {
        result = Value::Array(choose(&hit, &v, &result)?);
    }
    Ok(result)
}

/// `truthy` where `mask` (no nulls) is true, `falsy` elsewhere: two arrays of one
/// primitive type in one pass, anything else by arrow's `zip` (which copies run by run).
fn choose(mask: &BooleanArray, truthy: &Value, falsy: &Value) -> Result<ArrayRef, ExprError> {
    if let (Value::Array(t), Value::Array(f)) = (truthy, falsy) {
        if t.data_type() == f.data_type() && t.data_type().is_primitive() {
            let (t, f) = (t.as_ref(), f.as_ref());
            downcast_primitive_array!(
                (t, f) => return Ok(Arc::new(choose_primitive(mask, t, f))),
                _ => {}
            )
        }
    }
    Ok(zip(mask, truthy.datum(), falsy.datum())?)
}

/// [`choose`] of two primitive arrays of one type.
fn choose_primitive<T: ArrowPrimitiveType>(
    mask: &BooleanArray,
    truthy: &PrimitiveArray<T>,
    falsy: &PrimitiveArray<T>,
) -> PrimitiveArray<T> {
    let picks = mask.values();
    let values: Vec<T::Native> = picks
        .iter()
        .zip(truthy.values().iter().zip(falsy.values().iter()))
        .map(|(pick, (&t, &f))| if pick { t } else { f })
        .collect();
    // Valid where the chosen side is: (mask AND truthy valid) OR (NOT mask AND falsy valid).
    let valid = |array: &PrimitiveArray<T>| array.nulls().map(|n| n.inner().clone());
    let nulls = match (valid(truthy), valid(falsy)) {
        (None, None) => None,
        (t, f) => {
            let all = || BooleanBuffer::new_set(picks.len());
            let t = &t.unwrap_or_else(all) & picks;
            let f = &f.unwrap_or_else(all) & &!picks;
            Some(NullBuffer::new(&t | &f))
        }
    };
    PrimitiveArray::new(values.into(), nulls).with_data_type(truthy.data_type().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Choosing between two primitive arrays gives what arrow's `zip` gives, values,
    /// NULLs and type parameters (a time zone) alike.
    #[test]
    fn choosing_primitives_is_zip() {
        let mask = BooleanArray::from(vec![true, false, true, true, false, false, true]);
        let truthy = TimestampMicrosecondArray::from(vec![
            Some(1),
            Some(2),
            None,
            Some(4),
            None,
            Some(6),
            Some(7),
        ])
        .with_timezone("UTC");
        let falsy = TimestampMicrosecondArray::from(vec![
            None,
            Some(20),
            Some(30),
            None,
            Some(50),
            None,
            Some(70),
        ])
        .with_timezone("UTC");
        let (t, f): (ArrayRef, ArrayRef) = (Arc::new(truthy), Arc::new(falsy));
        let chosen = choose(&mask, &Value::Array(t.clone()), &Value::Array(f.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
        let zipped = zip(&mask, &t, &f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(chosen.as_ref(), zipped.as_ref());
        assert_eq!(chosen.data_type(), t.data_type());
        // Without NULLs on either side, none in the result.
        let (t, f): (ArrayRef, ArrayRef) = (
            Arc::new(Int32Array::from(vec![1, 2, 3, 4, 5, 6, 7])),
            Arc::new(Int32Array::from(vec![10, 20, 30, 40, 50, 60, 70])),
        );
        let chosen =
            choose(&mask, &Value::Array(t), &Value::Array(f)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            chosen.as_ref(),
            &Int32Array::from(vec![1, 20, 3, 4, 50, 60, 7]) as &dyn Array
        );
        assert_eq!(chosen.null_count(), 0);
    }

    #[test]
    fn spread_indices_place_each_selected_value_at_its_row() {
        let mask = BooleanArray::from(vec![false, true, false, true, true, false]);
        let indices = spread_indices(&mask, 3);
        let placed: Vec<Option<u32>> = indices.iter().collect();
        assert_eq!(placed, [None, Some(0), None, Some(1), Some(2), None]);
        // Every index, NULL or not, lies among the selected values.
        assert!(indices.values().iter().all(|&i| i < 3));
        // The same mask sliced out of a longer one.
        let sliced = BooleanArray::from(vec![true, false, true, false, true, true, false]);
        let sliced = sliced.slice(1, 6);
        assert_eq!(spread_indices(&sliced, 3), indices);
        let values = Int64Array::from(vec![10, 20, 30]);
        let spread = take(&values, &indices, None).unwrap_or_else(|e| panic!("{e}"));
        let expected = Int64Array::from(vec![None, Some(10), None, Some(20), Some(30), None]);
        assert_eq!(spread.as_ref(), &expected as &dyn Array);
    }
}
