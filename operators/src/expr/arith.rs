//! Spark arithmetic on Arrow arrays: checked (ANSI) or wrapping integer `+ - *`, `/` and `%`
//! with Spark's division-by-zero rules, and `negative`.

use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, AsArray, BooleanArray, Int32Array};
use arrow::compute::kernels::numeric::{
    add, add_wrapping, div, mul, mul_wrapping, neg, neg_wrapping, rem, sub, sub_wrapping,
};
use arrow::compute::{and, cast, is_not_null, nullif};
use arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
};
use arrow::error::ArrowError;

use super::cast::{is_fractional, is_integral};
use super::error::ExprError;
use super::eval::Value;
use super::{BinaryOp, EvalContext};

fn try_function(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "try_add",
        BinaryOp::Sub => "try_subtract",
        _ => "try_multiply",
    }
}

fn symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        _ => "*",
    }
}

/// `l op r` for operands of type `ty` (`Div` operands are doubles). `rows` is the batch length.
pub(crate) fn binary(
    op: BinaryOp,
    l: &Value,
    r: &Value,
    ty: &DataType,
    rows: usize,
    ctx: &EvalContext,
) -> Result<Value, ExprError> {
    let scalar = l.is_scalar() && r.is_scalar();
    match op {
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul => {
            let out = if is_integral(ty) && ctx.ansi {
                let kernel = match op {
                    BinaryOp::Add => add,
                    BinaryOp::Sub => sub,
                    _ => mul,
                };
                kernel(l.datum(), r.datum()).map_err(|e| overflow_error(e, op, l, r, ty))?
            } else {
                let kernel = match op {
                    BinaryOp::Add => add_wrapping,
                    BinaryOp::Sub => sub_wrapping,
                    _ => mul_wrapping,
                };
                kernel(l.datum(), r.datum())?
            };
            Ok(Value::from_result(out, scalar))
        }
        BinaryOp::Div | BinaryOp::Mod => divide(op, l, r, ty, rows, ctx.ansi),
        other => Err(ExprError::Arrow(ArrowError::InvalidArgumentError(format!(
            "{other:?} is not an arithmetic operator"
        )))),
    }
}

fn overflow_error(e: ArrowError, op: BinaryOp, l: &Value, r: &Value, ty: &DataType) -> ExprError {
    if !matches!(e, ArrowError::ArithmeticOverflow(_)) {
        return ExprError::Arrow(e);
    }
    if matches!(ty, DataType::Int8 | DataType::Int16) {
        if let Some((a, b)) = first_overflow(op, l, r, ty) {
            let suffix = if *ty == DataType::Int8 { "Y" } else { "S" };
            return ExprError::BinaryArithmeticOverflow {
                left: format!("{a}{suffix}"),
                op: symbol(op).into(),
                right: format!("{b}{suffix}"),
                function: try_function(op).into(),
            };
        }
    }
    ExprError::ArithmeticOverflow {
        function: Some(try_function(op).into()),
    }
}

/// The first pair of `tinyint`/`smallint` operands whose result overflows (error path only).
fn first_overflow(op: BinaryOp, l: &Value, r: &Value, ty: &DataType) -> Option<(i64, i64)> {
    let wide = |v: &Value| -> Option<Vec<Option<i64>>> {
        let a = v.array();
        Some(match ty {
            DataType::Int8 => a
                .as_primitive_opt::<Int8Type>()?
                .iter()
                .map(|x| x.map(i64::from))
                .collect(),
            _ => a
                .as_primitive_opt::<Int16Type>()?
                .iter()
                .map(|x| x.map(i64::from))
                .collect(),
        })
    };
    let (lv, rv) = (wide(l)?, wide(r)?);
    let (min, max) = if *ty == DataType::Int8 {
        (i8::MIN as i64, i8::MAX as i64)
    } else {
        (i16::MIN as i64, i16::MAX as i64)
    };
    let n = lv.len().max(rv.len());
    (0..n).find_map(|i| {
        let a = lv[if lv.len() == 1 { 0 } else { i }]?;
        let b = rv[if rv.len() == 1 { 0 } else { i }]?;
        let v = match op {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            _ => a * b,
        };
        (v < min || v > max).then_some((a, b))
    })
}

/// Rows (of `divisor`) equal to zero; `-0.0` counts as zero. Nulls stay null.
fn zero_mask(divisor: &ArrayRef) -> Result<BooleanArray, ExprError> {
    Ok(match divisor.data_type() {
        DataType::Float64 => {
            BooleanArray::from_unary(divisor.as_primitive::<Float64Type>(), |x| x == 0.0)
        }
        DataType::Float32 => {
            BooleanArray::from_unary(divisor.as_primitive::<Float32Type>(), |x| x == 0.0)
        }
        ty => {
            let zero = cast(&(Arc::new(Int32Array::from(vec![0])) as ArrayRef), ty)?;
            arrow::compute::kernels::cmp::eq(divisor, &arrow::array::Scalar::new(zero))?
        }
    })
}

/// `/` and `%`: a zero divisor gives NULL, or with ANSI an error when the dividend is not NULL
/// (Spark's `DivModLike`).
fn divide(
    op: BinaryOp,
    l: &Value,
    r: &Value,
    ty: &DataType,
    rows: usize,
    ansi: bool,
) -> Result<Value, ExprError> {
    let scalar = l.is_scalar() && r.is_scalar();
    let zeros = zero_mask(r.array())?;
    let zero_error = || {
        if op == BinaryOp::Div {
            ExprError::DivideByZero
        } else {
            ExprError::RemainderByZero
        }
    };
    let kernel = if op == BinaryOp::Div { div } else { rem };
    if zeros.true_count() == 0 {
        return Ok(Value::from_result(kernel(l.datum(), r.datum())?, scalar));
    }
    if ansi {
        let left_valid = is_not_null(l.array())?;
        let hit = if r.is_scalar() {
            left_valid.true_count() > 0
        } else if l.is_scalar() {
            left_valid.value(0)
        } else {
            and(&zeros, &left_valid)?.true_count() > 0
        };
        if hit {
            return Err(zero_error());
        }
    }
    if r.is_scalar() {
        let len = if scalar { 1 } else { rows };
        return Ok(Value::from_result(new_null_array(ty, len), scalar));
    }
    let divisor = nullif(r.array(), &zeros)?;
    let out = kernel(l.datum(), &divisor)?;
    Ok(Value::Array(out))
}

/// `negative(a)`: checked for integers with ANSI (`ARITHMETIC_OVERFLOW`), wrapping otherwise.
pub(crate) fn negate(a: &ArrayRef, ansi: bool) -> Result<ArrayRef, ExprError> {
    if is_integral(a.data_type()) && ansi {
        neg(a).map_err(|e| match e {
            ArrowError::ArithmeticOverflow(_) => ExprError::ArithmeticOverflow { function: None },
            other => ExprError::Arrow(other),
        })
    } else if is_fractional(a.data_type()) {
        Ok(neg(a)?)
    } else {
        Ok(neg_wrapping(a)?)
    }
}

/// Spark's `round(a, scale)`: half away from zero (`HALF_UP`) on the value's shortest
/// decimal text, as Spark rounds `BigDecimal(double)`; integers round to tens, hundreds, …
/// at a negative scale and are kept otherwise.
pub(crate) fn round(a: &ArrayRef, scale: i32) -> Result<ArrayRef, ExprError> {
    Ok(match a.data_type() {
        DataType::Float64 => Arc::new(
            a.as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(|v| round_double(v, scale)),
        ),
        DataType::Int64 => Arc::new(
            a.as_primitive::<Int64Type>()
                .unary::<_, Int64Type>(|v| round_integer(i128::from(v), scale) as i64),
        ),
        DataType::Int32 => Arc::new(
            a.as_primitive::<Int32Type>()
                .unary::<_, Int32Type>(|v| round_integer(i128::from(v), scale) as i32),
        ),
        other => {
            return Err(ExprError::Unsupported(format!("round of {other}")));
        }
    })
}

/// `v` rounded half away from zero at `scale` places of its shortest decimal text.
fn round_double(v: f64, scale: i32) -> f64 {
    if !v.is_finite() {
        return v;
    }
    let text = format!("{}", v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|d| d - b'0').collect();
    let keep = int.len() as i64 + i64::from(scale);
    if keep >= digits.len() as i64 {
        return v;
    }
    let mut kept: Vec<u8> = digits[..keep.max(0) as usize].to_vec();
    let mut int_len = int.len();
    if keep >= 0 && digits[keep as usize] >= 5 {
        // Add one at the last kept place, carrying.
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                int_len += 1;
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let mut out = String::with_capacity(int_len + kept.len() + 1);
    for (i, d) in kept.iter().enumerate() {
        if i == int_len {
            out.push('.');
        }
        out.push(char::from(b'0' + d));
    }
    // A negative scale keeps fewer digits than the integer part has: zeros stand for them.
    for _ in kept.len()..int_len {
        out.push('0');
    }
    let rounded: f64 = out.parse().unwrap_or(0.0);
    if v.is_sign_negative() {
        -rounded
    } else {
        rounded
    }
}

/// `v` rounded half away from zero to a multiple of `10^-scale` (unchanged when `scale`
/// is not negative).
fn round_integer(v: i128, scale: i32) -> i128 {
    if scale >= 0 {
        return v;
    }
    let Some(unit) = 10i128.checked_pow(scale.unsigned_abs()) else {
        return 0;
    };
    let half = unit / 2;
    let rounded = (v.abs() + half) / unit * unit;
    if v < 0 {
        -rounded
    } else {
        rounded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_half_up_on_the_shortest_decimal_text() {
        // PySpark 4.3: round(2.5) 3, round(-2.5) -3, round(0.125, 2) 0.13,
        // round(1.005, 2) 1.01 (plain binary arithmetic gives 1.0), round(1/3, 2) 0.33.
        assert_eq!(round_double(2.5, 0), 3.0);
        assert_eq!(round_double(-2.5, 0), -3.0);
        assert_eq!(round_double(0.125, 2), 0.13);
        assert_eq!(round_double(1.005, 2), 1.01);
        assert_eq!(round_double(1.0 / 3.0, 2), 0.33);
        // Carries, negative scales, values with nothing to round.
        assert_eq!(round_double(9.99, 1), 10.0);
        assert_eq!(round_double(1234.5, -2), 1200.0);
        assert_eq!(round_double(1250.0, -2), 1300.0);
        assert_eq!(round_double(0.04, 0), 0.0);
        assert_eq!(round_double(7.25, 3), 7.25);
        assert!(round_double(f64::NAN, 1).is_nan());
        assert_eq!(round_integer(15, -1), 20);
        assert_eq!(round_integer(-15, -1), -20);
        assert_eq!(round_integer(14, -1), 10);
        assert_eq!(round_integer(14, 2), 14);
    }
    use arrow::array::{Float64Array, Int16Array, Int32Array};

    fn arr(a: ArrayRef) -> Value {
        Value::Array(a)
    }

    fn ctx(ansi: bool) -> EvalContext {
        EvalContext {
            ansi,
            ..EvalContext::default()
        }
    }

    fn run(
        op: BinaryOp,
        l: ArrayRef,
        r: ArrayRef,
        ty: DataType,
        ansi: bool,
    ) -> Result<ArrayRef, String> {
        let rows = l.len();
        binary(op, &arr(l), &arr(r), &ty, rows, &ctx(ansi))
            .and_then(|v| v.into_array(rows))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integer_overflow() {
        // Spark 4.3: `big + 1` with big = 2147483647 → ARITHMETIC_OVERFLOW (ANSI), -2147483648.
        let l: ArrayRef = Arc::new(Int32Array::from(vec![i32::MAX]));
        let r: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        let e = run(BinaryOp::Add, l.clone(), r.clone(), DataType::Int32, true);
        assert!(e
            .as_ref()
            .is_err_and(|m| m.starts_with("[ARITHMETIC_OVERFLOW] overflow. Use 'try_add'")));
        let ok = run(BinaryOp::Add, l.clone(), r, DataType::Int32, false);
        assert_eq!(
            ok,
            Ok(Arc::new(Int32Array::from(vec![i32::MIN])) as ArrayRef)
        );
        let two: ArrayRef = Arc::new(Int32Array::from(vec![2]));
        let e = run(BinaryOp::Mul, l, two, DataType::Int32, true);
        assert!(e.as_ref().is_err_and(|m| m.contains("'try_multiply'")));
        // Spark 4.3: CAST(32767 AS SMALLINT) + CAST(1 AS SMALLINT) → BINARY_ARITHMETIC_OVERFLOW.
        let l: ArrayRef = Arc::new(Int16Array::from(vec![1, 32767]));
        let r: ArrayRef = Arc::new(Int16Array::from(vec![1, 1]));
        assert_eq!(
            run(BinaryOp::Add, l, r, DataType::Int16, true).err().as_deref(),
            Some(
                "[BINARY_ARITHMETIC_OVERFLOW] 32767S + 1S caused overflow. Use `try_add` to ignore \
                 overflow problem and return NULL. SQLSTATE: 22003"
            )
        );
    }

    #[test]
    fn division_and_remainder_by_zero() {
        // Spark 4.3: 1.0D/0 → DIVIDE_BY_ZERO (ANSI) or NULL; 7 % -3 = 1, -7 % 3 = -1,
        // 7.5 % 2 = 1.5, -7.5 % 2 = -1.5; NULL / 0 is NULL even with ANSI.
        let l: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), Some(6.0), None]));
        let r: ArrayRef = Arc::new(Float64Array::from(vec![0.0, 3.0, 0.0]));
        assert!(
            run(BinaryOp::Div, l.clone(), r.clone(), DataType::Float64, true)
                .is_err_and(|m| m.starts_with("[DIVIDE_BY_ZERO] Division by zero."))
        );
        let out = run(BinaryOp::Div, l, r, DataType::Float64, false);
        assert_eq!(
            out,
            Ok(Arc::new(Float64Array::from(vec![None, Some(2.0), None])) as ArrayRef)
        );
        let l: ArrayRef = Arc::new(Float64Array::from(vec![None, Some(1.0)]));
        let r: ArrayRef = Arc::new(Float64Array::from(vec![0.0, -0.0]));
        assert!(run(BinaryOp::Div, l, r, DataType::Float64, true).is_err());
        let l: ArrayRef = Arc::new(Float64Array::from(vec![None]));
        let r: ArrayRef = Arc::new(Float64Array::from(vec![0.0]));
        assert!(run(BinaryOp::Div, l, r, DataType::Float64, true).is_ok());
        let l: ArrayRef = Arc::new(Int32Array::from(vec![7, -7, i32::MIN, 5]));
        let r: ArrayRef = Arc::new(Int32Array::from(vec![-3, 3, -1, 0]));
        assert!(
            run(BinaryOp::Mod, l.clone(), r.clone(), DataType::Int32, true)
                .is_err_and(|m| m.starts_with("[REMAINDER_BY_ZERO] Remainder by zero."))
        );
        let out = run(BinaryOp::Mod, l, r, DataType::Int32, false);
        assert_eq!(
            out,
            Ok(Arc::new(Int32Array::from(vec![Some(1), Some(-1), Some(0), None])) as ArrayRef)
        );
        let l: ArrayRef = Arc::new(Float64Array::from(vec![7.5, -7.5]));
        let r: ArrayRef = Arc::new(Float64Array::from(vec![2.0, 2.0]));
        let out = run(BinaryOp::Mod, l, r, DataType::Float64, true);
        assert_eq!(
            out,
            Ok(Arc::new(Float64Array::from(vec![1.5, -1.5])) as ArrayRef)
        );
    }

    #[test]
    fn negation() {
        // Spark 4.3: -(-2147483648) → ARITHMETIC_OVERFLOW without a try_ hint (ANSI), wraps off.
        let a: ArrayRef = Arc::new(Int32Array::from(vec![i32::MIN]));
        assert_eq!(
            negate(&a, true).err().map(|e| e.to_string()).as_deref(),
            Some(
                "[ARITHMETIC_OVERFLOW] overflow. If necessary set \"spark.sql.ansi.enabled\" to \
                 \"false\" to bypass this error. SQLSTATE: 22003"
            )
        );
        assert_eq!(negate(&a, false).ok(), Some(a));
    }
}
