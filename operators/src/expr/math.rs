//! Spark's math functions over numeric arrays: `abs` (the input's type; under ANSI an
//! integer's minimum overflows), `sqrt` and `pow` (doubles), `floor` and `ceil` (`bigint`,
//! a double saturating as Scala's `toLong` does, NaN to 0).

use super::error::ExprError;
use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, PrimitiveArray};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Float64Type, Int32Type, Int64Type};
use std::sync::Arc;

/// A math function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathFunction {
    /// `abs(x)`.
    Abs,
    /// `sqrt(x)`.
    Sqrt,
    /// `floor(x)`.
    Floor,
    /// `ceil(x)`.
    Ceil,
    /// `pow(x, y)`.
    Pow,
}

impl MathFunction {
    /// Spark's name of the call (its generated column names spell some in capitals).
    pub(crate) fn name(self) -> &'static str {
        match self {
            MathFunction::Abs => "abs",
            MathFunction::Sqrt => "SQRT",
            MathFunction::Floor => "FLOOR",
            MathFunction::Ceil => "CEIL",
            MathFunction::Pow => "POWER",
        }
    }

    /// How many arguments it takes.
    pub(crate) fn arity(self) -> usize {
        match self {
            MathFunction::Pow => 2,
            _ => 1,
        }
    }

    /// The result type for an argument of type `input` (already one of `int`, `bigint`,
    /// `double` for `abs`; `double` for the others but `floor`/`ceil` of an integer).
    pub(crate) fn result_type(self, input: &DataType) -> DataType {
        match self {
            MathFunction::Abs => input.clone(),
            MathFunction::Floor | MathFunction::Ceil => DataType::Int64,
            MathFunction::Sqrt | MathFunction::Pow => DataType::Float64,
        }
    }
}

/// `function` of `args` (one array per argument, of the types `result_type` was asked
/// about), under ANSI rules when `ansi`.
pub(crate) fn evaluate(
    function: MathFunction,
    args: &[ArrayRef],
    ansi: bool,
) -> Result<ArrayRef, ExprError> {
    let first = args
        .first()
        .ok_or_else(|| ExprError::Unsupported(format!("{} without arguments", function.name())))?;
    let doubles = |a: &ArrayRef| {
        a.as_primitive_opt::<Float64Type>().cloned().ok_or_else(|| {
            ExprError::Unsupported(format!("{} of {}", function.name(), a.data_type()))
        })
    };
    Ok(match (function, first.data_type()) {
        (MathFunction::Abs, DataType::Int32) => Arc::new(abs_integer::<Int32Type>(
            first,
            ansi,
            i32::checked_abs,
            i32::wrapping_abs,
        )?),
        (MathFunction::Abs, DataType::Int64) => Arc::new(abs_integer::<Int64Type>(
            first,
            ansi,
            i64::checked_abs,
            i64::wrapping_abs,
        )?),
        (MathFunction::Abs, _) => Arc::new(doubles(first)?.unary::<_, Float64Type>(f64::abs)),
        (MathFunction::Sqrt, _) => Arc::new(doubles(first)?.unary::<_, Float64Type>(f64::sqrt)),
        (MathFunction::Floor | MathFunction::Ceil, DataType::Int64) => first.clone(),
        (MathFunction::Floor, _) => Arc::new(to_long(&doubles(first)?, f64::floor)),
        (MathFunction::Ceil, _) => Arc::new(to_long(&doubles(first)?, f64::ceil)),
        (MathFunction::Pow, _) => {
            let exponent = args
                .get(1)
                .ok_or_else(|| ExprError::Unsupported("pow without an exponent".into()))?;
            let exponent = doubles(exponent)?;
            let base = doubles(first)?;
            let result: Float64Array = arrow::compute::binary(&base, &exponent, java_pow)?;
            Arc::new(result)
        }
    })
}

/// Java's `Math.pow`: as `powf`, but NaN for a NaN exponent and for a base of ±1 with an
/// infinite exponent (where IEEE 754 gives 1).
fn java_pow(base: f64, exponent: f64) -> f64 {
    if exponent.is_nan() || (base.abs() == 1.0 && exponent.is_infinite()) {
        return f64::NAN;
    }
    base.powf(exponent)
}

/// `abs` of integers: an overflow (the minimum) fails under ANSI and wraps otherwise.
fn abs_integer<T: ArrowPrimitiveType>(
    a: &ArrayRef,
    ansi: bool,
    checked: fn(T::Native) -> Option<T::Native>,
    wrapping: fn(T::Native) -> T::Native,
) -> Result<PrimitiveArray<T>, ExprError> {
    let values = a.as_primitive::<T>();
    match ansi {
        true => {
            values.try_unary(|v| checked(v).ok_or(ExprError::ArithmeticOverflow { function: None }))
        }
        false => Ok(values.unary(wrapping)),
    }
}

/// Doubles rounded by `round` to `bigint`, as Scala's `toLong` converts them.
fn to_long(values: &Float64Array, round: fn(f64) -> f64) -> Int64Array {
    values.unary(|v| round(v) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int32Array;

    #[test]
    fn math_as_spark() {
        let doubles: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(-2.5),
            None,
            Some(1e30),
            Some(f64::NAN),
        ]));
        let floor =
            evaluate(MathFunction::Floor, std::slice::from_ref(&doubles), true).expect("floor");
        assert_eq!(
            floor.as_primitive::<Int64Type>().iter().collect::<Vec<_>>(),
            [Some(-3), None, Some(i64::MAX), Some(0)]
        );
        let ceil =
            evaluate(MathFunction::Ceil, std::slice::from_ref(&doubles), true).expect("ceil");
        assert_eq!(ceil.as_primitive::<Int64Type>().value(0), -2);
        let abs = evaluate(MathFunction::Abs, &[doubles], true).expect("abs");
        assert_eq!(abs.as_primitive::<Float64Type>().value(0), 2.5);
        assert!(java_pow(1.0, f64::NAN).is_nan() && java_pow(-1.0, f64::INFINITY).is_nan());
        assert_eq!(
            (java_pow(f64::NAN, 0.0), java_pow(2.0, 10.0)),
            (1.0, 1024.0)
        );
        let minimum: ArrayRef = Arc::new(Int32Array::from(vec![-3, i32::MIN]));
        assert!(evaluate(MathFunction::Abs, std::slice::from_ref(&minimum), true).is_err());
        let wrapped = evaluate(MathFunction::Abs, &[minimum], false).expect("abs");
        assert_eq!(wrapped.as_primitive::<Int32Type>().values(), &[3, i32::MIN]);
    }
}
