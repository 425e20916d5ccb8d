//! Spark 4.3's implicit type coercion for the operators spate supports (`AnsiTypeCoercion` when
//! `spark.sql.ansi.enabled`, the legacy `TypeCoercion` otherwise). Types here are already
//! normalized (see `resolve`).

use arrow::datatypes::DataType;

use super::cast::{is_fractional, is_integral, is_numeric, is_timestamp};

/// Why operands do not fit an operator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mismatch {
    /// `BINARY_OP_DIFF_TYPES`: the two operand types are incompatible.
    DiffTypes(DataType, DataType),
    /// `BINARY_OP_WRONG_TYPE`: both operands have a type the operator does not take.
    WrongType(DataType),
}

/// Rank of a numeric type in Spark's widening order.
fn rank(dt: &DataType) -> u8 {
    match dt {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        DataType::Float32 => 5,
        _ => 6,
    }
}

/// The wider of two numeric types. With ANSI, `float` combined with an integral type widens to
/// `double` (Spark 4.3: `CAST(1 AS SMALLINT) + CAST(1 AS FLOAT)` is a double; without ANSI a
/// float).
pub(crate) fn wider_numeric(a: &DataType, b: &DataType, ansi: bool) -> DataType {
    let float_with_integral =
        (*a == DataType::Float32 && is_integral(b)) || (*b == DataType::Float32 && is_integral(a));
    if ansi && float_with_integral {
        return DataType::Float64;
    }
    if rank(a) >= rank(b) {
        a.clone()
    } else {
        b.clone()
    }
}

/// The type a string is implicitly cast to next to the numeric type `other` under ANSI:
/// `bigint` for integral types, `double` for fractional ones.
fn ansi_string_target(other: &DataType) -> DataType {
    if is_integral(other) {
        DataType::Int64
    } else {
        DataType::Float64
    }
}

/// The type both operands of `+ - * %` (and `/`, before its cast to double) are cast to.
pub(crate) fn arithmetic_type(
    l: &DataType,
    r: &DataType,
    ansi: bool,
) -> Result<DataType, Mismatch> {
    use DataType::{Null, Utf8};
    match (l, r) {
        (Null, Null) => Ok(DataType::Float64),
        (Null, t) | (t, Null) if is_numeric(t) => Ok(t.clone()),
        (Null, Utf8) | (Utf8, Null) => Ok(DataType::Float64),
        (a, b) if is_numeric(a) && is_numeric(b) => Ok(wider_numeric(a, b, ansi)),
        (Utf8, n) | (n, Utf8) if is_numeric(n) => Ok(if ansi {
            wider_numeric(&ansi_string_target(n), n, ansi)
        } else {
            DataType::Float64
        }),
        (Utf8, Utf8) if !ansi => Ok(DataType::Float64),
        (Null, t) | (t, Null) => Err(Mismatch::WrongType(t.clone())),
        (a, b) if a == b => Err(Mismatch::WrongType(a.clone())),
        (a, b) => Err(Mismatch::DiffTypes(a.clone(), b.clone())),
    }
}

/// The result type of `negative(e)`: numeric types keep theirs; strings and NULL become double.
pub(crate) fn negate_type(t: &DataType) -> Option<DataType> {
    match t {
        DataType::Null | DataType::Utf8 => Some(DataType::Float64),
        t if is_numeric(t) => Some(t.clone()),
        _ => None,
    }
}

/// The type both sides of a comparison are cast to.
pub(crate) fn comparison_type(
    l: &DataType,
    r: &DataType,
    ansi: bool,
) -> Result<DataType, Mismatch> {
    use DataType::{Boolean, Null, Utf8};
    match (l, r) {
        (a, b) if a == b => Ok(a.clone()),
        (Null, t) | (t, Null) => Ok(t.clone()),
        (a, b) if is_numeric(a) && is_numeric(b) => Ok(wider_numeric(a, b, ansi)),
        (Utf8, n) | (n, Utf8) if is_numeric(n) => Ok(if ansi {
            wider_numeric(&ansi_string_target(n), n, ansi)
        } else {
            n.clone()
        }),
        (Utf8, Boolean) | (Boolean, Utf8) => Ok(Boolean),
        (Utf8, t) | (t, Utf8) if is_timestamp(t) => Ok(t.clone()),
        // A date meets a string as a date, and a timestamp as a timestamp (its midnight).
        (Utf8, DataType::Date32) | (DataType::Date32, Utf8) => Ok(DataType::Date32),
        (DataType::Date32, t) | (t, DataType::Date32) if is_timestamp(t) => Ok(t.clone()),
        (a, b) => Err(Mismatch::DiffTypes(a.clone(), b.clone())),
    }
}

/// Whether an operand of `AND`/`OR`/`NOT` of type `t` is accepted (after an implicit cast to
/// boolean): booleans, NULL, and with ANSI strings.
pub(crate) fn boolean_operand(t: &DataType, ansi: bool) -> bool {
    matches!(t, DataType::Boolean | DataType::Null) || (ansi && *t == DataType::Utf8)
}

/// Spark's `findWiderCommonType` for the values of a `CASE`: `None` if they have no common type.
pub(crate) fn common_type(types: &[DataType], ansi: bool) -> Option<DataType> {
    let mut acc = DataType::Null;
    for t in types {
        acc = common_of_two(&acc, t, ansi)?;
    }
    Some(acc)
}

fn common_of_two(a: &DataType, b: &DataType, ansi: bool) -> Option<DataType> {
    use DataType::{Boolean, Null, Utf8};
    match (a, b) {
        (a, b) if a == b => Some(a.clone()),
        (Null, t) | (t, Null) => Some(t.clone()),
        (a, b) if is_numeric(a) && is_numeric(b) => Some(wider_numeric(a, b, ansi)),
        // A date widens to a timestamp (its local midnight).
        (DataType::Date32, t) | (t, DataType::Date32) if is_timestamp(t) => Some(t.clone()),
        (Utf8, t) | (t, Utf8) if ansi => {
            if is_integral(t) {
                Some(DataType::Int64)
            } else if is_fractional(t) {
                Some(DataType::Float64)
            } else if *t == Boolean || *t == DataType::Date32 || is_timestamp(t) {
                Some(t.clone())
            } else {
                None
            }
        }
        (Utf8, t) | (t, Utf8)
            if is_numeric(t) || *t == Boolean || *t == DataType::Date32 || is_timestamp(t) =>
        {
            Some(Utf8)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spate_runtime::types::timestamp_type;
    use DataType::*;

    #[test]
    fn arithmetic_types_from_spark() {
        // Result types observed with Spark 4.3 (ANSI on / off).
        assert_eq!(arithmetic_type(&Int32, &Int32, true), Ok(Int32));
        assert_eq!(arithmetic_type(&Int32, &Int64, true), Ok(Int64));
        assert_eq!(arithmetic_type(&Int32, &Float64, true), Ok(Float64));
        assert_eq!(arithmetic_type(&Int16, &Int8, true), Ok(Int16));
        assert_eq!(arithmetic_type(&Float32, &Int32, true), Ok(Float64));
        assert_eq!(arithmetic_type(&Float32, &Int32, false), Ok(Float32));
        assert_eq!(arithmetic_type(&Int64, &Float32, false), Ok(Float32));
        assert_eq!(arithmetic_type(&Utf8, &Int32, true), Ok(Int64));
        assert_eq!(arithmetic_type(&Utf8, &Float64, true), Ok(Float64));
        assert_eq!(arithmetic_type(&Utf8, &Int16, false), Ok(Float64));
        assert_eq!(arithmetic_type(&Utf8, &Utf8, false), Ok(Float64));
        assert_eq!(
            arithmetic_type(&Utf8, &Utf8, true),
            Err(Mismatch::WrongType(Utf8))
        );
        assert_eq!(arithmetic_type(&Null, &Null, true), Ok(Float64));
        assert_eq!(arithmetic_type(&Null, &Int32, true), Ok(Int32));
        assert_eq!(
            arithmetic_type(&Boolean, &Int32, true),
            Err(Mismatch::DiffTypes(Boolean, Int32))
        );
        assert_eq!(
            arithmetic_type(&Boolean, &Boolean, true),
            Err(Mismatch::WrongType(Boolean))
        );
    }

    #[test]
    fn comparison_types_from_spark() {
        // Spark 4.3: ANSI `s = 1` casts s to BIGINT, `s = 1.5` to DOUBLE; legacy `'1.5' > 1` is
        // false (string cast to INT); timestamps and booleans pull strings to their type.
        assert_eq!(comparison_type(&Utf8, &Int32, true), Ok(Int64));
        assert_eq!(comparison_type(&Utf8, &Float64, true), Ok(Float64));
        assert_eq!(comparison_type(&Utf8, &Int32, false), Ok(Int32));
        assert_eq!(
            comparison_type(&timestamp_type(), &Utf8, true),
            Ok(timestamp_type())
        );
        assert_eq!(comparison_type(&Utf8, &Boolean, true), Ok(Boolean));
        assert_eq!(comparison_type(&Int32, &Int64, true), Ok(Int64));
        assert!(comparison_type(&Boolean, &Int32, true).is_err());
        assert!(comparison_type(&timestamp_type(), &Int32, true).is_err());
    }

    #[test]
    fn case_types_from_spark() {
        // Spark 4.3: CASE … THEN 1 ELSE 'x' is BIGINT with ANSI, STRING without;
        // THEN 1 ELSE 2.5 is DOUBLE; THEN 1 ELSE n (bigint) is BIGINT; INT/BOOLEAN has none.
        assert_eq!(common_type(&[Int32, Utf8], true), Some(Int64));
        assert_eq!(common_type(&[Int32, Utf8], false), Some(Utf8));
        assert_eq!(common_type(&[Int32, Float64], true), Some(Float64));
        assert_eq!(common_type(&[Int32, Int64], true), Some(Int64));
        assert_eq!(common_type(&[Null, Int32], true), Some(Int32));
        assert_eq!(
            common_type(&[timestamp_type(), Utf8], true),
            Some(timestamp_type())
        );
        assert_eq!(common_type(&[timestamp_type(), Utf8], false), Some(Utf8));
        assert_eq!(common_type(&[Int32, Boolean], true), None);
    }
}
