//! Comparisons with Spark's ordering: for floating point, `-0.0 = 0.0`, `NaN = NaN` and `NaN`
//! is larger than every other value (Arrow's kernels use IEEE total order, so floats are
//! normalized first).

use std::sync::Arc;

use arrow::array::{new_null_array, ArrayRef, AsArray};
use arrow::compute::kernels::cmp::{eq, gt, gt_eq, lt, lt_eq, neq};
use arrow::datatypes::{DataType, Float32Type, Float64Type};

use super::error::ExprError;
use super::eval::Value;
use super::BinaryOp;

/// Map `-0.0` to `0.0` and every NaN to the canonical positive NaN.
fn normalize_floats(v: &Value) -> Value {
    let a = v.array();
    let out: ArrayRef = match a.data_type() {
        DataType::Float64 => Arc::new(
            a.as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(|x| if x.is_nan() { f64::NAN } else { x + 0.0 }),
        ),
        DataType::Float32 => Arc::new(
            a.as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(|x| if x.is_nan() { f32::NAN } else { x + 0.0 }),
        ),
        _ => return v.clone(),
    };
    Value::from_result(out, v.is_scalar())
}

/// `l op r` for operands of one type; NULL if either side is NULL.
pub(crate) fn compare(op: BinaryOp, l: &Value, r: &Value, rows: usize) -> Result<Value, ExprError> {
    let scalar = l.is_scalar() && r.is_scalar();
    if *l.array().data_type() == DataType::Null {
        return Ok(Value::from_result(
            new_null_array(&DataType::Boolean, if scalar { 1 } else { rows }),
            scalar,
        ));
    }
    let (l, r) = (normalize_floats(l), normalize_floats(r));
    let kernel = match op {
        BinaryOp::Eq => eq,
        BinaryOp::NotEq => neq,
        BinaryOp::Lt => lt,
        BinaryOp::LtEq => lt_eq,
        BinaryOp::Gt => gt,
        _ => gt_eq,
    };
    Ok(Value::from_result(
        Arc::new(kernel(l.datum(), r.datum())?),
        scalar,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BooleanArray, Float64Array};

    #[test]
    fn float_ordering_like_spark() {
        // Spark 4.3: -0.0 = 0.0 is true, NaN = NaN is true, NaN > 1e308 is true.
        let l = Value::Array(Arc::new(Float64Array::from(vec![
            -0.0,
            f64::NAN,
            f64::NAN,
            -f64::NAN,
        ])));
        let r = Value::Array(Arc::new(Float64Array::from(vec![
            0.0,
            f64::NAN,
            1e308,
            f64::INFINITY,
        ])));
        let eq_out = compare(BinaryOp::Eq, &l, &r, 4)
            .and_then(|v| v.into_array(4))
            .ok();
        let want: ArrayRef = Arc::new(BooleanArray::from(vec![true, true, false, false]));
        assert_eq!(eq_out, Some(want));
        let gt_out = compare(BinaryOp::Gt, &l, &r, 4)
            .and_then(|v| v.into_array(4))
            .ok();
        let want: ArrayRef = Arc::new(BooleanArray::from(vec![false, false, true, true]));
        assert_eq!(gt_out, Some(want));
    }
}
