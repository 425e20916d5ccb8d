//! Binding an [`Expr`] to an input schema: column lookup (case-insensitive, with Spark's
//! suggestions), type checking, implicit casts and nullability, giving a [`Bound`] tree that
//! `eval` runs.

use arrow::datatypes::{DataType, Field, Schema};
use spate_runtime::text::datetime_format::DateTimeFormat;
use spate_runtime::types::timestamp_type;
use std::sync::Arc;

use super::cast::{
    check_cast, force_nullable, is_integral, is_numeric, is_supported, is_timestamp,
};
use super::coerce::{self, Mismatch};
use super::dates::{DateKernel, TruncUnit};
use super::error::ExprError;
use super::format::sql_type_name;
use super::naming::{names_equal, names_match, pretty_sql, unquote};
use super::regex::CompiledRegex;
use super::split::Delimiter;
use super::{
    BinaryOp, DatePart, EvalContext, Expr, Literal, MathFunction, RegexFunction, StringFunction,
    StringTest,
};
use super::{DateFunction, ElementAt, FromJson, JsonPath, ToJson};

/// A type-checked expression node: what to compute, its result type and nullability.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    pub(crate) kind: Kind,
    pub(crate) data_type: DataType,
    pub(crate) nullable: bool,
}

/// The operation of a [`Bound`] node. Operands already have the types the operation needs.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// Input column `index`, converted to `data_type` if its Arrow type is a variant of it.
    Column(usize),
    /// Field `index` of a struct child (`window.start`); NULL where the struct is NULL.
    Field(Box<Bound>, usize),
    /// A constant of type `data_type`.
    Literal(Literal),
    /// Spark `CAST` of the child to `data_type` (explicit or implicit).
    Cast(Box<Bound>),
    /// Arithmetic (`+ - * / %`) on operands of one numeric type.
    Arith(BinaryOp, Box<Bound>, Box<Bound>),
    /// `timestamp ± interval` (`+` or `-`; the timestamp first).
    ShiftTime(BinaryOp, Box<Bound>, Box<Bound>),
    /// Comparison on operands of one type.
    Compare(BinaryOp, Box<Bound>, Box<Bound>),
    /// Three-valued `AND`.
    And(Box<Bound>, Box<Bound>),
    /// Three-valued `OR`.
    Or(Box<Bound>, Box<Bound>),
    /// Boolean `NOT`.
    Not(Box<Bound>),
    /// `IS NULL`.
    IsNull(Box<Bound>),
    /// `IS NOT NULL`.
    IsNotNull(Box<Bound>),
    /// Arithmetic negation.
    Negate(Box<Bound>),
    /// `round` at a scale, of a DOUBLE, INT or BIGINT child of this node's type.
    Round(Box<Bound>, i32),
    /// Parse a string child with a datetime pattern.
    ParseTimestamp(Box<Bound>, String),
    /// `CASE WHEN`; values already have the result type.
    CaseWhen(Vec<(Bound, Bound)>, Option<Box<Bound>>),
    /// A string tested against another (both STRING).
    StringTest(StringTest, Box<Bound>, Box<Bound>),
    /// The batch's timestamp.
    BatchTimestamp,
    /// A string function of STRING arguments.
    StringFunction(StringFunction, Vec<Bound>),
    /// A field of a child in the session time zone: a TIMESTAMP, or for the date's fields
    /// also a DATE or a STRING (read as a date).
    DatePart(DatePart, Box<Bound>),
    /// A math function of numeric arguments (already of the types it takes).
    Math(MathFunction, Vec<Bound>),
    /// A TIMESTAMP child as text by a compiled pattern, in the session time zone.
    DateFormat(Box<Bound>, Arc<DateTimeFormat>),
    /// A regular-expression function of a STRING child, its pattern compiled.
    Regex(RegexFunction, Box<Bound>, CompiledRegex),
    /// `len` characters of a STRING child from position `pos` (Spark's `substringSQL`).
    Substring(Box<Bound>, i32, i32),
    /// `split` of a STRING child by a delimiter, at most `limit` parts when positive.
    Split(Box<Bound>, Delimiter, i32),
    /// A STRING child parsed as JSON into this node's struct.
    FromJson(Box<Bound>, Arc<FromJson>),
    /// A struct or array child as JSON text.
    ToJson(Box<Bound>, ToJson),
    /// The value at a JSON path in a STRING child.
    GetJsonObject(Box<Bound>, JsonPath),
    /// A struct of the children, as this node's fields.
    Struct(Vec<Bound>),
    /// The number of elements of an array child.
    Size(Box<Bound>),
    /// An element of an array child.
    Element(Box<Bound>, ElementAt),
    /// A child evaluated with ANSI mode on or off (a `try_` function's own node is off,
    /// its arguments follow the session).
    Ansi(Box<Bound>, bool),
    /// A date-time computation over children of the types it takes.
    Dates(DateKernel, Vec<Bound>),
}

impl Bound {
    /// This node converted to `to` (no-op if it already has that type).
    fn cast_to(self, to: &DataType) -> Bound {
        if self.data_type == *to {
            return self;
        }
        let nullable = self.nullable || force_nullable(&self.data_type, to);
        Bound {
            kind: Kind::Cast(Box::new(self)),
            data_type: to.clone(),
            nullable,
        }
    }
}

/// The Spark type spate computes with for an input Arrow type: string and timestamp variants
/// are read as `Utf8` and `Timestamp(µs, "UTC")`.
pub(crate) fn normalize(data_type: &DataType) -> DataType {
    match data_type {
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        DataType::Timestamp(_, Some(_)) => timestamp_type(),
        other => other.clone(),
    }
}

/// Bind `expr` to `schema`.
pub(crate) fn bind(expr: &Expr, schema: &Schema, ctx: &EvalContext) -> Result<Bound, ExprError> {
    Binder { schema, ctx }.bind(expr)
}

struct Binder<'a> {
    schema: &'a Schema,
    ctx: &'a EvalContext,
}

/// Spark's `ordinalNumber`.
fn ordinal(i: usize) -> String {
    match i {
        0 => "first".into(),
        1 => "second".into(),
        2 => "third".into(),
        n => format!("{}th", n + 1),
    }
}

const NUMERIC_INPUTS: &str =
    "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\")";

impl Binder<'_> {
    fn sql(&self, expr: &Expr) -> String {
        pretty_sql(expr, &self.ctx.time_zone)
    }

    fn mismatch(&self, expr: &Expr, subclass: &str, message: String) -> ExprError {
        ExprError::datatype_mismatch(subclass, &self.sql(expr), &message)
    }

    fn binary_mismatch(&self, expr: &Expr, m: Mismatch, required: &str) -> ExprError {
        match m {
            Mismatch::DiffTypes(a, b) => self.mismatch(
                expr,
                "BINARY_OP_DIFF_TYPES",
                format!(
                    "the left and right operands of the binary operator have incompatible types \
                     (\"{}\" and \"{}\")",
                    sql_type_name(&a),
                    sql_type_name(&b)
                ),
            ),
            Mismatch::WrongType(t) => self.mismatch(
                expr,
                "BINARY_OP_WRONG_TYPE",
                format!(
                    "the binary operator requires the input type {required}, not \"{}\"",
                    sql_type_name(&t)
                ),
            ),
        }
    }

    fn unexpected_input(
        &self,
        expr: &Expr,
        index: usize,
        required: &str,
        child: &Expr,
        actual: &DataType,
    ) -> ExprError {
        self.mismatch(
            expr,
            "UNEXPECTED_INPUT_TYPE",
            format!(
                "The {} parameter requires the {required} type, however \"{}\" has the type \"{}\"",
                ordinal(index),
                self.sql(child),
                sql_type_name(actual)
            ),
        )
    }

    fn bind(&self, expr: &Expr) -> Result<Bound, ExprError> {
        match expr {
            Expr::Column(name) => self.column(name),
            Expr::Literal(lit) => Ok(literal(lit)),
            Expr::Alias(e, _) => self.bind(e),
            Expr::Binary { op, left, right } => {
                let l = self.bind(left)?;
                let r = self.bind(right)?;
                self.binary(expr, *op, l, r)
            }
            Expr::Not(e) => {
                let child = self.bind(e)?;
                if !coerce::boolean_operand(&child.data_type, self.ctx.ansi) {
                    return Err(self.unexpected_input(expr, 0, "\"BOOLEAN\"", e, &child.data_type));
                }
                let child = child.cast_to(&DataType::Boolean);
                let nullable = child.nullable;
                Ok(Bound {
                    kind: Kind::Not(Box::new(child)),
                    data_type: DataType::Boolean,
                    nullable,
                })
            }
            Expr::IsNull(e) | Expr::IsNotNull(e) => {
                let child = Box::new(self.bind(e)?);
                Ok(Bound {
                    kind: if matches!(expr, Expr::IsNull(_)) {
                        Kind::IsNull(child)
                    } else {
                        Kind::IsNotNull(child)
                    },
                    data_type: DataType::Boolean,
                    nullable: false,
                })
            }
            // As the OR of its equalities, which has IN's three-valued result; an empty
            // list is false (Spark 4).
            Expr::In(e, values) => match values
                .iter()
                .map(|v| e.as_ref().clone().eq(v.clone()))
                .reduce(Expr::or)
            {
                Some(any) => self.bind(&any),
                None => self.bind(&Expr::Literal(Literal::Boolean(false))),
            },
            // As the CASE WHEN that takes the first value that is not NULL (one common
            // type, Spark's rule for both); NULL only when every value can be.
            Expr::Coalesce(values) => {
                let Some((last, first)) = values.split_last() else {
                    return Err(ExprError::Unsupported(
                        "coalesce needs at least one argument".into(),
                    ));
                };
                let branches: Vec<(Expr, Expr)> = first
                    .iter()
                    .map(|v| (v.clone().is_not_null(), v.clone()))
                    .collect();
                let mut bound = self.case_when(expr, &branches, Some(last))?;
                if let Kind::CaseWhen(branches, otherwise) = &bound.kind {
                    bound.nullable = branches.iter().all(|(_, value)| value.nullable)
                        && otherwise.as_ref().is_none_or(|o| o.nullable);
                }
                Ok(bound)
            }
            Expr::Minus(e) => self.bind(&Expr::Negate(e.clone())),
            Expr::CurrentTimestamp => Ok(Bound {
                kind: Kind::BatchTimestamp,
                data_type: timestamp_type(),
                nullable: false,
            }),
            Expr::CurrentDate => Ok(self
                .bind(&Expr::CurrentTimestamp)?
                .cast_to(&DataType::Date32)),
            Expr::ToDate(e, Some(pattern)) => Ok(self
                .bind(&Expr::ToTimestamp(e.clone(), Some(pattern.clone())))?
                .cast_to(&DataType::Date32)),
            Expr::ToDate(e, None) => {
                let child = self.bind(e)?;
                let t = child.data_type.clone();
                if !(matches!(t, DataType::Utf8 | DataType::Null | DataType::Date32)
                    || is_timestamp(&t))
                {
                    return Err(self.unexpected_input(
                        expr,
                        0,
                        "(\"STRING\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\")",
                        e,
                        &t,
                    ));
                }
                let nullable = child.nullable || force_nullable(&t, &DataType::Date32);
                Ok(Bound {
                    nullable,
                    ..child.cast_to(&DataType::Date32)
                })
            }
            Expr::StringFunction(function, args) => {
                let arity = (!function.variadic()).then_some(1);
                if *function == StringFunction::ConcatWs && args.is_empty() {
                    return Err(ExprError::Unsupported(
                        "concat_ws without a separator".into(),
                    ));
                }
                let (args, mut nullable) =
                    self.call_arguments(function.name(), args, arity, |i, a| {
                        self.string_operand(expr, i, a).map(|b| *b)
                    })?;
                // concat_ws skips NULL values: only a NULL separator makes NULL.
                if *function == StringFunction::ConcatWs {
                    nullable = args.first().is_none_or(|sep| sep.nullable);
                }
                Ok(Bound {
                    data_type: function.result_type(),
                    kind: Kind::StringFunction(*function, args),
                    nullable,
                })
            }
            Expr::Math(function, args) => {
                let arity = Some(function.arity());
                let (args, nullable) =
                    self.call_arguments(function.name(), args, arity, |i, a| {
                        self.math_operand(expr, *function, i, a)
                    })?;
                Ok(Bound {
                    data_type: function.result_type(&args[0].data_type),
                    kind: Kind::Math(*function, args),
                    nullable,
                })
            }
            // Year, month and day read a DATE: a string's date as written (Spark casts it
            // to a date), which may not parse; hours, minutes and seconds read a TIMESTAMP.
            Expr::DatePart(part, e) => {
                let child = match part.of_date() {
                    true => self.date_operand(expr, e)?,
                    false => self.timestamp_operand(expr, e)?,
                };
                let nullable = child.nullable || child.data_type == DataType::Utf8;
                Ok(Bound {
                    kind: Kind::DatePart(*part, Box::new(child)),
                    data_type: DataType::Int32,
                    nullable,
                })
            }
            Expr::DateFormat(e, pattern) => {
                let child = self.timestamp_operand(expr, e)?;
                let format = DateTimeFormat::new(pattern).map_err(|reason| {
                    ExprError::Unsupported(format!("the date_format pattern '{pattern}': {reason}"))
                })?;
                let nullable = child.nullable;
                Ok(Bound {
                    kind: Kind::DateFormat(Box::new(child), Arc::new(format)),
                    data_type: DataType::Utf8,
                    nullable,
                })
            }
            Expr::Regex(function, e, pattern) => {
                let child = self.string_operand(expr, 0, e)?;
                let nullable = child.nullable;
                Ok(Bound {
                    data_type: match function {
                        RegexFunction::Like => DataType::Boolean,
                        _ => DataType::Utf8,
                    },
                    kind: Kind::Regex(function.clone(), child, CompiledRegex::new(pattern)),
                    nullable,
                })
            }
            Expr::Substring(e, _, pos, len) => {
                let child = self.string_operand(expr, 0, e)?;
                let nullable = child.nullable;
                Ok(Bound {
                    kind: Kind::Substring(child, *pos, *len),
                    data_type: DataType::Utf8,
                    nullable,
                })
            }
            Expr::Split(e, regex, limit) => {
                let child = self.string_operand(expr, 0, e)?;
                let nullable = child.nullable;
                Ok(Bound {
                    kind: Kind::Split(child, Delimiter::new(regex), *limit),
                    data_type: super::split::split_type(),
                    nullable,
                })
            }
            Expr::FromJson(e, spec) => {
                let child = self.bind(e)?;
                if !matches!(child.data_type, DataType::Utf8 | DataType::Null) {
                    return Err(self.unexpected_input(expr, 0, "\"STRING\"", e, &child.data_type));
                }
                Ok(Bound {
                    kind: Kind::FromJson(Box::new(child.cast_to(&DataType::Utf8)), spec.clone()),
                    data_type: DataType::Struct(spec.fields.clone()),
                    nullable: true,
                })
            }
            Expr::ToJson(e, write) => {
                let child = self.bind(e)?;
                if !matches!(child.data_type, DataType::Struct(_) | DataType::List(_)) {
                    return Err(self.unexpected_input(
                        expr,
                        0,
                        "(\"STRUCT\" or \"ARRAY\")",
                        e,
                        &child.data_type,
                    ));
                }
                Ok(Bound {
                    kind: Kind::ToJson(Box::new(child), *write),
                    data_type: DataType::Utf8,
                    nullable: true,
                })
            }
            Expr::GetJsonObject(e, path) => Ok(Bound {
                kind: Kind::GetJsonObject(self.string_operand(expr, 0, e)?, path.clone()),
                data_type: DataType::Utf8,
                nullable: true,
            }),
            Expr::Struct(values) => self.struct_of(values),
            Expr::DateFunction(function, args) => self.date_function(expr, function, args),
            Expr::Try(e) => Ok(self.lenient(self.bind(e)?)),
            Expr::Size(e) => {
                // Without ANSI, a NULL array's size is -1 (`spark.sql.legacy.sizeOfNull`).
                let child = self.array_operand(expr, e)?;
                Ok(Bound {
                    nullable: self.ctx.ansi && child.nullable,
                    kind: Kind::Size(Box::new(child)),
                    data_type: DataType::Int32,
                })
            }
            Expr::Element(e, at) => {
                let child = self.array_operand(expr, e)?;
                let DataType::List(element) = &child.data_type else {
                    return Err(self.unexpected_input(expr, 0, "\"ARRAY\"", e, &child.data_type));
                };
                Ok(Bound {
                    data_type: normalize(element.data_type()),
                    nullable: true,
                    kind: Kind::Element(Box::new(child), *at),
                })
            }
            // A generator is a whole projection item (`Expr::output_field_with`), never bound.
            Expr::Explode(..) => Err(super::generate::misplaced_generator(expr, false)),
            // Both sides as strings (Spark's implicit cast of numbers, booleans, times).
            Expr::StringTest(test, e, other) => {
                let string = |index: usize, side: &Expr| self.string_operand(expr, index, side);
                let (left, right) = (string(0, e)?, string(1, other)?);
                let nullable = left.nullable || right.nullable;
                Ok(Bound {
                    kind: Kind::StringTest(*test, left, right),
                    data_type: DataType::Boolean,
                    nullable,
                })
            }
            Expr::Round(e, scale) => {
                let child = self.bind(e)?;
                let data_type = match &child.data_type {
                    DataType::Int32 | DataType::Int64 | DataType::Float64 => {
                        child.data_type.clone()
                    }
                    DataType::Int8 | DataType::Int16 => DataType::Int32,
                    DataType::Float32 => DataType::Float64,
                    other => {
                        return Err(self.unexpected_input(expr, 0, NUMERIC_INPUTS, e, other));
                    }
                };
                let nullable = child.nullable;
                Ok(Bound {
                    kind: Kind::Round(Box::new(child.cast_to(&data_type)), *scale),
                    data_type,
                    nullable,
                })
            }
            Expr::Negate(e) => {
                let child = self.bind(e)?;
                let Some(t) = coerce::negate_type(&child.data_type) else {
                    return Err(self.unexpected_input(
                        expr,
                        0,
                        NUMERIC_INPUTS,
                        e,
                        &child.data_type,
                    ));
                };
                let child = child.cast_to(&t);
                let nullable = child.nullable;
                Ok(Bound {
                    kind: Kind::Negate(Box::new(child)),
                    data_type: t,
                    nullable,
                })
            }
            Expr::Cast(e, to) => {
                let child = self.bind(e)?;
                let to = normalize(to);
                if child.data_type != to && !(is_supported(&child.data_type) && is_supported(&to)) {
                    return Err(ExprError::Unsupported(format!(
                        "CAST from {} to {}",
                        sql_type_name(&child.data_type),
                        sql_type_name(&to)
                    )));
                }
                check_cast(&child.data_type, &to, self.ctx.ansi)
                    .map_err(|(subclass, message)| self.mismatch(expr, &subclass, message))?;
                Ok(child.cast_to(&to))
            }
            Expr::ToTimestamp(e, format) => self.to_timestamp(expr, e, format.as_deref()),
            Expr::CaseWhen {
                branches,
                otherwise,
            } => self.case_when(expr, branches, otherwise.as_deref()),
            Expr::Aggregate(..) => Err(ExprError::Unsupported(format!(
                "the aggregate function {} outside group_by(...).agg(...)",
                self.sql(expr)
            ))),
            Expr::Window(..) => Err(ExprError::Unsupported(format!(
                "{} outside group_by(...)",
                self.sql(expr)
            ))),
        }
    }

    fn column(&self, name: &str) -> Result<Bound, ExprError> {
        let wanted = unquote(name);
        let matches: Vec<usize> = self
            .schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| names_match(f.name(), name))
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [index] => {
                let field = self.schema.field(*index);
                Ok(Bound {
                    kind: Kind::Column(*index),
                    data_type: normalize(field.data_type()),
                    nullable: field.is_nullable(),
                })
            }
            [] => self
                .struct_field(name)
                .ok_or_else(|| ExprError::UnresolvedColumn {
                    candidates: suggestions(&wanted, self.schema),
                    name: wanted,
                }),
            many => Err(ExprError::AmbiguousReference {
                name: wanted,
                matches: many.len(),
            }),
        }
    }

    /// `a.b.c` as field `c` of field `b` of struct column `a` (names matched as Spark matches
    /// them), when `name` is dotted and not back-quoted and names no column itself.
    fn struct_field(&self, name: &str) -> Option<Bound> {
        if name.contains('`') || !name.contains('.') {
            return None;
        }
        let mut parts = name.split('.');
        let mut bound = self.column(parts.next()?).ok()?;
        let mut fields = 0;
        for part in parts {
            let DataType::Struct(children) = &bound.data_type else {
                return None;
            };
            let index = children.iter().position(|f| names_equal(f.name(), part))?;
            let field = &children[index];
            let (data_type, nullable) = (
                normalize(field.data_type()),
                bound.nullable || field.is_nullable(),
            );
            bound = Bound {
                kind: Kind::Field(Box::new(bound), index),
                data_type,
                nullable,
            };
            fields += 1;
        }
        (fields > 0).then_some(bound)
    }

    fn binary(&self, expr: &Expr, op: BinaryOp, l: Bound, r: Bound) -> Result<Bound, ExprError> {
        let ansi = self.ctx.ansi;
        let interval = |b: &Bound| matches!(b.data_type, DataType::Duration(_));
        match op {
            BinaryOp::Add | BinaryOp::Sub if is_timestamp(&l.data_type) && interval(&r) => {
                Ok(shift_time(op, l, r))
            }
            BinaryOp::Add if interval(&l) && is_timestamp(&r.data_type) => Ok(shift_time(op, r, l)),
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Mod | BinaryOp::Div => {
                let required = match op {
                    BinaryOp::Div => "(\"DOUBLE\" or \"DECIMAL\")",
                    BinaryOp::Mod => "\"NUMERIC\"",
                    _ => NUMERIC_INPUTS,
                };
                let t = coerce::arithmetic_type(&l.data_type, &r.data_type, ansi)
                    .map_err(|m| self.binary_mismatch(expr, m, required))?;
                let t = if op == BinaryOp::Div {
                    DataType::Float64
                } else {
                    t
                };
                let (l, r) = (l.cast_to(&t), r.cast_to(&t));
                let nullable =
                    matches!(op, BinaryOp::Div | BinaryOp::Mod) || l.nullable || r.nullable;
                Ok(Bound {
                    kind: Kind::Arith(op, Box::new(l), Box::new(r)),
                    data_type: t,
                    nullable,
                })
            }
            BinaryOp::Eq
            | BinaryOp::NotEq
            | BinaryOp::Lt
            | BinaryOp::LtEq
            | BinaryOp::Gt
            | BinaryOp::GtEq => {
                let t = coerce::comparison_type(&l.data_type, &r.data_type, ansi)
                    .map_err(|m| self.binary_mismatch(expr, m, ""))?;
                let (l, r) = (l.cast_to(&t), r.cast_to(&t));
                let nullable = l.nullable || r.nullable;
                Ok(Bound {
                    kind: Kind::Compare(op, Box::new(l), Box::new(r)),
                    data_type: DataType::Boolean,
                    nullable,
                })
            }
            BinaryOp::And | BinaryOp::Or => {
                let (lt, rt) = (&l.data_type, &r.data_type);
                if !(coerce::boolean_operand(lt, ansi) && coerce::boolean_operand(rt, ansi)) {
                    let m = if lt == rt {
                        Mismatch::WrongType(lt.clone())
                    } else {
                        Mismatch::DiffTypes(lt.clone(), rt.clone())
                    };
                    return Err(self.binary_mismatch(expr, m, "\"BOOLEAN\""));
                }
                let (l, r) = (l.cast_to(&DataType::Boolean), r.cast_to(&DataType::Boolean));
                let nullable = l.nullable || r.nullable;
                let (l, r) = (Box::new(l), Box::new(r));
                Ok(Bound {
                    kind: if op == BinaryOp::And {
                        Kind::And(l, r)
                    } else {
                        Kind::Or(l, r)
                    },
                    data_type: DataType::Boolean,
                    nullable,
                })
            }
        }
    }

    /// The arguments of a call to `name` (exactly `arity` of them when given), each bound by
    /// `operand` (its index and expression); and whether any can be NULL.
    fn call_arguments(
        &self,
        name: &str,
        args: &[Expr],
        arity: Option<usize>,
        operand: impl Fn(usize, &Expr) -> Result<Bound, ExprError>,
    ) -> Result<(Vec<Bound>, bool), ExprError> {
        if arity.is_some_and(|n| n != args.len()) {
            return Err(ExprError::Unsupported(format!(
                "{name} of {} arguments",
                args.len()
            )));
        }
        let bound = args
            .iter()
            .enumerate()
            .map(|(index, arg)| operand(index, arg))
            .collect::<Result<Vec<_>, _>>()?;
        let nullable = bound.iter().any(|b| b.nullable);
        Ok((bound, nullable))
    }

    /// Argument `index` of `function` (in `expr`) in the type the function computes in:
    /// `abs` keeps `int`, `bigint` and `double`; `floor`/`ceil` read integers as `bigint`;
    /// the rest read doubles (a string is cast, as Spark casts it implicitly).
    fn math_operand(
        &self,
        expr: &Expr,
        function: MathFunction,
        index: usize,
        arg: &Expr,
    ) -> Result<Bound, ExprError> {
        let bound = self.bind(arg)?;
        let t = bound.data_type.clone();
        let to = match (function, &t) {
            (MathFunction::Abs, DataType::Int32 | DataType::Int64 | DataType::Float64) => t.clone(),
            (MathFunction::Floor | MathFunction::Ceil, t) if is_integral(t) => DataType::Int64,
            (MathFunction::Abs, DataType::Null) => DataType::Float64,
            (MathFunction::Abs, _) if !is_numeric(&t) => {
                return Err(self.unexpected_input(expr, index, "\"NUMERIC\"", arg, &t));
            }
            (_, t) if is_numeric(t) || matches!(t, DataType::Utf8 | DataType::Null) => {
                DataType::Float64
            }
            _ => return Err(self.unexpected_input(expr, index, "\"NUMERIC\"", arg, &t)),
        };
        if function == MathFunction::Abs && to != t && t != DataType::Null {
            return Err(ExprError::Unsupported(format!("abs of {t}")));
        }
        Ok(bound.cast_to(&to))
    }

    /// `e` (the operand of `expr`) as something with a date: a DATE, a TIMESTAMP, or a
    /// STRING read as a date when evaluated; other types are refused.
    fn date_operand(&self, expr: &Expr, e: &Expr) -> Result<Bound, ExprError> {
        let child = self.bind(e)?;
        let t = child.data_type.clone();
        match t {
            DataType::Utf8 | DataType::Date32 => Ok(child),
            DataType::Null => Ok(child.cast_to(&DataType::Utf8)),
            t if is_timestamp(&t) => Ok(child),
            t => Err(self.unexpected_input(expr, 0, "\"DATE\"", e, &t)),
        }
    }

    /// `e` (the operand of `expr`) as a TIMESTAMP: a string is cast to one first (Spark's
    /// implicit cast); other types are refused.
    fn timestamp_operand(&self, expr: &Expr, e: &Expr) -> Result<Bound, ExprError> {
        let mut child = self.bind(e)?;
        if matches!(child.data_type, DataType::Utf8 | DataType::Null) {
            child = self.bind(&Expr::ToTimestamp(Box::new(e.clone()), None))?;
        } else if child.data_type == DataType::Date32 {
            child = child.cast_to(&timestamp_type());
        }
        if !is_timestamp(&child.data_type) {
            let t = child.data_type.clone();
            return Err(self.unexpected_input(expr, 0, "\"TIMESTAMP\"", e, &t));
        }
        Ok(child)
    }

    /// `node` (a cast, a parse or an element) giving NULL where ANSI mode would raise: its
    /// own step without ANSI, its arguments as the session has them (Spark's `try_`
    /// functions). Any other node stays as it is.
    fn lenient(&self, node: Bound) -> Bound {
        let session = |child: Box<Bound>| {
            let (data_type, nullable) = (child.data_type.clone(), child.nullable);
            Box::new(Bound {
                kind: Kind::Ansi(child, self.ctx.ansi),
                data_type,
                nullable,
            })
        };
        let kind = match node.kind {
            Kind::Cast(c) => Kind::Cast(session(c)),
            Kind::ParseTimestamp(c, pattern) => Kind::ParseTimestamp(session(c), pattern),
            Kind::Element(c, at) => Kind::Element(session(c), at),
            other => {
                return Bound {
                    kind: other,
                    ..node
                }
            }
        };
        let data_type = node.data_type.clone();
        Bound {
            kind: Kind::Ansi(
                Box::new(Bound {
                    kind,
                    data_type: data_type.clone(),
                    nullable: true,
                }),
                false,
            ),
            data_type,
            nullable: true,
        }
    }

    /// A date-time function over its arguments, each in the type it computes in.
    fn date_function(
        &self,
        expr: &Expr,
        function: &DateFunction,
        args: &[Expr],
    ) -> Result<Bound, ExprError> {
        let arity = match function {
            DateFunction::DateAdd | DateFunction::DateSub | DateFunction::DateDiff => 2,
            _ => 1,
        };
        if args.len() != arity {
            return Err(ExprError::Unsupported(format!(
                "{} of {} arguments",
                self.sql(expr),
                args.len()
            )));
        }
        let (kernel, args, data_type) = match function {
            DateFunction::DateAdd | DateFunction::DateSub => {
                let date = self.date_argument(expr, 0, &args[0])?;
                let days = self.integral_argument(expr, 1, &args[1], false)?;
                let subtract = *function == DateFunction::DateSub;
                let kernel = DateKernel::AddDays { subtract };
                (kernel, vec![date, days], DataType::Date32)
            }
            DateFunction::DateDiff => {
                let end = self.date_argument(expr, 0, &args[0])?;
                let start = self.date_argument(expr, 1, &args[1])?;
                (DateKernel::DiffDays, vec![end, start], DataType::Int32)
            }
            DateFunction::DateTrunc(unit) => {
                let kernel = DateKernel::TruncTimestamp(TruncUnit::parse(unit));
                (
                    kernel,
                    vec![self.timestamp_operand(expr, &args[0])?],
                    timestamp_type(),
                )
            }
            DateFunction::Trunc(unit) => {
                let kernel = DateKernel::TruncDate(TruncUnit::parse(unit));
                (
                    kernel,
                    vec![self.date_argument(expr, 0, &args[0])?],
                    DataType::Date32,
                )
            }
            DateFunction::UnixTimestamp { pattern, .. } => {
                let child = self.bind(&args[0])?;
                let time = match child.data_type.clone() {
                    DataType::Utf8 | DataType::Null => self.bind(&Expr::ToTimestamp(
                        Box::new(args[0].clone()),
                        Some(pattern.clone()),
                    ))?,
                    DataType::Date32 => child.cast_to(&timestamp_type()),
                    t if is_timestamp(&t) => child,
                    t => {
                        return Err(self.unexpected_input(
                            expr,
                            0,
                            "(\"STRING\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\")",
                            &args[0],
                            &t,
                        ))
                    }
                };
                (DateKernel::EpochSeconds, vec![time], DataType::Int64)
            }
            DateFunction::FromUnixtime(pattern) => {
                let seconds = self.integral_argument(expr, 0, &args[0], true)?;
                let format = DateTimeFormat::new(pattern).map_err(|reason| {
                    ExprError::Unsupported(format!(
                        "the from_unixtime pattern '{pattern}': {reason}"
                    ))
                })?;
                let nullable = seconds.nullable;
                let time = Bound {
                    kind: Kind::Dates(DateKernel::FromSeconds { exact: false }, vec![seconds]),
                    data_type: timestamp_type(),
                    nullable,
                };
                // Spark marks from_unixtime nullable whatever its input.
                return Ok(Bound {
                    kind: Kind::DateFormat(Box::new(time), Arc::new(format)),
                    data_type: DataType::Utf8,
                    nullable: true,
                });
            }
            DateFunction::TimestampSeconds => {
                let child = self.bind(&args[0])?;
                let seconds = match child.data_type {
                    DataType::Float32 | DataType::Float64 => child.cast_to(&DataType::Float64),
                    _ => self.as_integral(expr, 0, &args[0], child, true)?,
                };
                let kernel = DateKernel::FromSeconds { exact: true };
                (kernel, vec![seconds], timestamp_type())
            }
        };
        // A truncation to an unknown unit, and seconds that are NaN or infinite, give NULL.
        let nullable = args.iter().any(|a| a.nullable)
            || matches!(
                kernel,
                DateKernel::TruncTimestamp(_) | DateKernel::TruncDate(_)
            )
            || args.iter().any(|a| a.data_type == DataType::Float64);
        Ok(Bound {
            kind: Kind::Dates(kernel, args),
            data_type,
            nullable,
        })
    }

    /// Argument `index` of `expr` as a DATE: a string or a timestamp is cast to one.
    fn date_argument(&self, expr: &Expr, index: usize, e: &Expr) -> Result<Bound, ExprError> {
        let child = self.bind(e)?;
        match child.data_type.clone() {
            DataType::Date32 => Ok(child),
            DataType::Utf8 | DataType::Null => Ok(child.cast_to(&DataType::Date32)),
            t if is_timestamp(&t) => Ok(child.cast_to(&DataType::Date32)),
            t => Err(self.unexpected_input(expr, index, "\"DATE\"", e, &t)),
        }
    }

    /// Argument `index` of `expr` as an INT (a BIGINT when `long`), from any integer type
    /// that fits.
    fn integral_argument(
        &self,
        expr: &Expr,
        index: usize,
        e: &Expr,
        long: bool,
    ) -> Result<Bound, ExprError> {
        self.as_integral(expr, index, e, self.bind(e)?, long)
    }

    /// `child`, argument `index` (`e`) of `expr` already bound, as [`Self::integral_argument`]
    /// takes it.
    fn as_integral(
        &self,
        expr: &Expr,
        index: usize,
        e: &Expr,
        child: Bound,
        long: bool,
    ) -> Result<Bound, ExprError> {
        let fits = match child.data_type {
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Null => true,
            DataType::Int64 => long,
            _ => false,
        };
        let (to, required) = match long {
            true => (DataType::Int64, "\"BIGINT\""),
            false => (DataType::Int32, "(\"INT\" or \"SMALLINT\" or \"TINYINT\")"),
        };
        match fits {
            true => Ok(child.cast_to(&to)),
            false => Err(self.unexpected_input(expr, index, required, e, &child.data_type)),
        }
    }

    /// An array argument of `expr`.
    fn array_operand(&self, expr: &Expr, e: &Expr) -> Result<Bound, ExprError> {
        let child = self.bind(e)?;
        match child.data_type {
            DataType::List(_) => Ok(child),
            _ => Err(self.unexpected_input(expr, 0, "\"ARRAY\"", e, &child.data_type)),
        }
    }

    /// `struct(values)`: each field named as its column or alias, `colN` otherwise.
    fn struct_of(&self, values: &[Expr]) -> Result<Bound, ExprError> {
        let mut fields = Vec::new();
        let mut children = Vec::new();
        for value in values {
            let name = match value {
                Expr::Column(_) | Expr::Alias(..) => value.output_name(),
                _ => format!("col{}", fields.len() + 1),
            };
            let child = self.bind(value)?;
            fields.push(Field::new(name, child.data_type.clone(), child.nullable));
            children.push(child);
        }
        Ok(Bound {
            kind: Kind::Struct(children),
            data_type: DataType::Struct(fields.into()),
            nullable: false,
        })
    }

    /// `side` (operand `index` of `expr`) as a STRING: Spark's implicit cast of a number,
    /// boolean or time; other types are refused.
    fn string_operand(
        &self,
        expr: &Expr,
        index: usize,
        side: &Expr,
    ) -> Result<Box<Bound>, ExprError> {
        let bound = self.bind(side)?;
        let t = bound.data_type.clone();
        let castable = matches!(
            t,
            DataType::Utf8 | DataType::Null | DataType::Boolean | DataType::Date32
        ) || is_numeric(&t)
            || is_timestamp(&t);
        if !castable {
            return Err(self.unexpected_input(expr, index, "\"STRING\"", side, &t));
        }
        Ok(Box::new(bound.cast_to(&DataType::Utf8)))
    }

    fn to_timestamp(
        &self,
        expr: &Expr,
        e: &Expr,
        format: Option<&str>,
    ) -> Result<Bound, ExprError> {
        let child = self.bind(e)?;
        let ts = timestamp_type();
        let t = child.data_type.clone();
        // Spark 4.3 cannot resolve `to_timestamp(<number>, fmt)` (an internal error); spate
        // rejects it at analysis.
        let accepted = t == DataType::Utf8
            || t == DataType::Null
            || t == DataType::Boolean
            || is_timestamp(&t)
            || ((is_numeric(&t) || t == DataType::Date32) && format.is_none());
        if !accepted {
            return Err(self.unexpected_input(
                expr,
                0,
                "(\"STRING\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\")",
                e,
                &t,
            ));
        }
        // A date is its local midnight.
        if is_timestamp(&t) || t == DataType::Date32 {
            let nullable = child.nullable || (format.is_some() && !self.ctx.ansi);
            return Ok(Bound {
                nullable,
                ..child.cast_to(&ts)
            });
        }
        // Booleans are first implicitly cast to strings (Spark 4.3: `to_timestamp(true)` fails
        // with CAST_INVALID_INPUT on the value 'true').
        let child = if t == DataType::Boolean {
            child.cast_to(&DataType::Utf8)
        } else {
            child
        };
        match format {
            None => {
                let nullable = child.nullable || force_nullable(&child.data_type, &ts);
                Ok(Bound {
                    nullable,
                    ..child.cast_to(&ts)
                })
            }
            Some(_) if child.data_type == DataType::Null => Ok(Bound {
                nullable: true,
                ..child.cast_to(&ts)
            }),
            Some(pattern) => {
                let nullable = child.nullable || !self.ctx.ansi;
                Ok(Bound {
                    kind: Kind::ParseTimestamp(Box::new(child), pattern.to_string()),
                    data_type: ts,
                    nullable,
                })
            }
        }
    }

    fn case_when(
        &self,
        expr: &Expr,
        branches: &[(Expr, Expr)],
        otherwise: Option<&Expr>,
    ) -> Result<Bound, ExprError> {
        let mut bound = Vec::with_capacity(branches.len());
        for (k, (cond, value)) in branches.iter().enumerate() {
            let c = self.bind(cond)?;
            if c.data_type != DataType::Boolean {
                return Err(self.unexpected_input(expr, k, "\"BOOLEAN\"", cond, &c.data_type));
            }
            bound.push((c, self.bind(value)?));
        }
        let otherwise = otherwise.map(|e| self.bind(e)).transpose()?;
        let mut types: Vec<DataType> = bound.iter().map(|(_, v)| v.data_type.clone()).collect();
        types.extend(otherwise.iter().map(|o| o.data_type.clone()));
        let Some(t) = coerce::common_type(&types, self.ctx.ansi) else {
            let listed: Vec<String> = types
                .iter()
                .map(|t| format!("\"{}\"", sql_type_name(t)))
                .collect();
            return Err(self.mismatch(
                expr,
                "DATA_DIFF_TYPES",
                format!(
                    "Input to `casewhen` should all be the same type, but it's [{}]",
                    listed.join(", ")
                ),
            ));
        };
        let bound: Vec<(Bound, Bound)> =
            bound.into_iter().map(|(c, v)| (c, v.cast_to(&t))).collect();
        let otherwise = otherwise.map(|o| Box::new(o.cast_to(&t)));
        let nullable =
            bound.iter().any(|(_, v)| v.nullable) || otherwise.as_ref().is_none_or(|o| o.nullable);
        Ok(Bound {
            kind: Kind::CaseWhen(bound, otherwise),
            data_type: t,
            nullable,
        })
    }
}

/// `time ± interval`, a timestamp.
fn shift_time(op: BinaryOp, time: Bound, interval: Bound) -> Bound {
    Bound {
        nullable: time.nullable || interval.nullable,
        data_type: time.data_type.clone(),
        kind: Kind::ShiftTime(op, Box::new(time), Box::new(interval)),
    }
}

fn literal(lit: &Literal) -> Bound {
    let data_type = match lit {
        Literal::Null => DataType::Null,
        Literal::Boolean(_) => DataType::Boolean,
        Literal::Int32(_) => DataType::Int32,
        Literal::Int64(_) => DataType::Int64,
        Literal::Float64(_) => DataType::Float64,
        Literal::Utf8(_) => DataType::Utf8,
        Literal::Timestamp(_) => timestamp_type(),
        Literal::Interval(_) => DataType::Duration(arrow::datatypes::TimeUnit::Microsecond),
    };
    Bound {
        kind: Kind::Literal(lit.clone()),
        nullable: data_type == DataType::Null,
        data_type,
    }
}

/// Spark's `quoteIfNeeded`.
fn quote_if_needed(name: &str) -> String {
    let plain = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.bytes().all(|b| b.is_ascii_digit());
    if plain {
        name.to_string()
    } else {
        super::error::quote_identifier(name)
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Spark's suggestion order: input columns sorted by name, then (stably) by edit distance
/// between the quoted column name and the requested name.
fn suggestions(name: &str, schema: &Schema) -> Vec<String> {
    let base = quote_if_needed(name);
    let mut quoted: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| super::error::quote_identifier(f.name()))
        .collect();
    quoted.sort();
    quoted.sort_by_cached_key(|q| levenshtein(q, &base));
    quoted
}

/// Whether evaluating `node` can raise an error for some rows (so it must only see the rows
/// it applies to, e.g. inside `CASE WHEN` or the right side of `AND`).
pub(crate) fn can_fail(node: &Bound, ansi: bool) -> bool {
    if let Kind::Ansi(child, ansi) = &node.kind {
        return can_fail(child, *ansi);
    }
    let own = match &node.kind {
        Kind::Column(_)
        | Kind::Field(..)
        | Kind::Round(..)
        | Kind::Literal(_)
        | Kind::IsNull(_)
        | Kind::IsNotNull(_)
        | Kind::Not(_) => false,
        Kind::Cast(child) => {
            ansi && child.data_type != DataType::Null
                && node.data_type != DataType::Utf8
                && !is_widening(&child.data_type, &node.data_type)
        }
        Kind::Arith(..) | Kind::ShiftTime(..) => ansi,
        Kind::Negate(_) => ansi && is_integral(&node.data_type),
        Kind::ParseTimestamp(..) => ansi,
        Kind::Compare(..) | Kind::And(..) | Kind::Or(..) | Kind::CaseWhen(..) => false,
        // A misplaced escape character in a pattern, an invalid regex.
        Kind::StringTest(test, ..) => matches!(test, StringTest::Like { .. }),
        Kind::Split(..) | Kind::Regex(..) => true,
        Kind::FromJson(_, spec) => spec.fail_fast,
        Kind::Element(_, at) => ansi || *at == ElementAt::Position(0),
        Kind::ToJson(..)
        | Kind::GetJsonObject(..)
        | Kind::Struct(_)
        | Kind::Size(_)
        | Kind::Ansi(..) => false,
        Kind::Dates(kernel, _) => matches!(kernel, DateKernel::FromSeconds { exact: true }),
        Kind::Math(function, _) => ansi && *function == MathFunction::Abs,
        Kind::StringFunction(..)
        | Kind::Substring(..)
        | Kind::BatchTimestamp
        | Kind::DatePart(..)
        | Kind::DateFormat(..) => false,
    };
    own || children(node).iter().any(|c| can_fail(c, ansi))
}

/// Marks in `read` (one flag per input column) the columns `node` reads.
pub(crate) fn mark_read_columns(node: &Bound, read: &mut [bool]) {
    if let Kind::Column(index) = node.kind {
        if let Some(flag) = read.get_mut(index) {
            *flag = true;
        }
    }
    for child in children(node) {
        mark_read_columns(child, read);
    }
}

fn is_widening(from: &DataType, to: &DataType) -> bool {
    let rank = |t: &DataType| match t {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        _ => 0,
    };
    (is_integral(from) && is_integral(to) && rank(from) <= rank(to))
        || (is_numeric(from) && *to == DataType::Float64)
        || (*from == DataType::Boolean && is_numeric(to))
        || (is_integral(from) && is_timestamp(to))
}

fn children(node: &Bound) -> Vec<&Bound> {
    match &node.kind {
        Kind::Column(_) | Kind::Literal(_) | Kind::BatchTimestamp => vec![],
        Kind::Cast(c)
        | Kind::Round(c, _)
        | Kind::Field(c, _)
        | Kind::Not(c)
        | Kind::IsNull(c)
        | Kind::IsNotNull(c)
        | Kind::Negate(c)
        | Kind::Split(c, ..)
        | Kind::FromJson(c, _)
        | Kind::ToJson(c, _)
        | Kind::GetJsonObject(c, _)
        | Kind::Size(c)
        | Kind::Element(c, _)
        | Kind::Ansi(c, _)
        | Kind::Substring(c, ..)
        | Kind::Regex(_, c, _)
        | Kind::DatePart(_, c)
        | Kind::DateFormat(c, _)
        | Kind::ParseTimestamp(c, _) => {
            vec![c]
        }
        Kind::Arith(_, l, r)
        | Kind::ShiftTime(_, l, r)
        | Kind::Compare(_, l, r)
        | Kind::StringTest(_, l, r)
        | Kind::And(l, r)
        | Kind::Or(l, r) => vec![l, r],
        Kind::StringFunction(_, args)
        | Kind::Math(_, args)
        | Kind::Struct(args)
        | Kind::Dates(_, args) => args.iter().collect(),
        Kind::CaseWhen(branches, otherwise) => {
            let mut out: Vec<&Bound> = branches.iter().flat_map(|(c, v)| [c, v]).collect();
            out.extend(otherwise.as_deref());
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::Field;

    fn schema(names: &[&str]) -> Schema {
        Schema::new(
            names
                .iter()
                .map(|n| Field::new(*n, DataType::Int32, true))
                .collect::<Vec<_>>(),
        )
    }

    fn top5(name: &str, names: &[&str]) -> Vec<String> {
        suggestions(name, &schema(names))
            .into_iter()
            .take(5)
            .collect()
    }

    #[test]
    fn suggestion_order_matches_spark() {
        // Orders printed by Spark 4.3 in UNRESOLVED_COLUMN.WITH_SUGGESTION.
        let cols = ["id", "value", "n", "s", "b", "timestamp", "ts", "big", "ns"];
        assert_eq!(
            top5("valu", &cols),
            ["`value`", "`b`", "`id`", "`n`", "`ns`"]
        );
        assert_eq!(top5("xyz", &cols), ["`b`", "`n`", "`s`", "`id`", "`ns`"]);
        let cols = [
            "zeta", "Alpha", "beta", "gamma", "delta", "epsilon", "Beta2",
        ];
        assert_eq!(
            top5("q", &cols),
            ["`beta`", "`zeta`", "`Alpha`", "`Beta2`", "`delta`"]
        );
        assert_eq!(
            top5("bet", &cols),
            ["`beta`", "`zeta`", "`Beta2`", "`delta`", "`Alpha`"]
        );
        assert_eq!(
            top5("alph", &cols),
            ["`Alpha`", "`beta`", "`delta`", "`gamma`", "`zeta`"]
        );
        assert_eq!(top5("a b", &["a", "b"]), ["`a`", "`b`"]);
        assert_eq!(top5("x", &["a b", "c.d"]), ["`a b`", "`c.d`"]);
    }

    #[test]
    fn levenshtein_distance() {
        assert_eq!(levenshtein("`value`", "valu"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
    }
}
