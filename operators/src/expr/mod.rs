//! Column expressions with Spark 4.3 semantics, evaluated over whole Arrow record batches.
//!
//! An [`Expr`] is built with the DataFrame-style helpers ([`col`], [`lit`], [`to_timestamp`],
//! [`when`], operators such as `col("value") * 2`). It is resolved against a schema with Spark's
//! type coercion (ANSI mode by default), named the way Spark names unaliased columns, and
//! evaluated one batch at a time with Arrow kernels.
//!
//! Submodules, one job each: `resolve` binds an expression to a schema (`coerce` holds the
//! coercion rules), `naming` builds Spark's column names, `eval` runs a bound expression,
//! `arith` and `compare` are the numeric kernels, `cast` is Spark's `CAST`, `numparse` parses
//! numbers from strings, `timestamp` casts strings to timestamps (with the parser and zones of
//! [`spate_runtime::text`]), `pattern` parses datetime patterns, `format` prints values the way
//! Spark does and `error` holds [`ExprError`].

mod arith;
mod cast;
mod coerce;
mod compare;
mod datepart;
mod dates;
mod error;
mod eval;
mod format;
mod generate;
mod json;
mod like;
mod math;
mod naming;
mod nested;
pub use naming::{names_equal, names_match, unquote};

/// The type both sides of `left = right` are compared in, after Spark's implicit casts
/// (`int = double` compares doubles).
pub(crate) fn equality_type(left: &DataType, right: &DataType, ansi: bool) -> DataType {
    let (left, right) = (resolve::normalize(left), resolve::normalize(right));
    coerce::comparison_type(&left, &right, ansi).unwrap_or(left)
}
mod numparse;
mod pattern;
mod regex;
mod resolve;
mod split;
mod strings;
mod timestamp;

#[cfg(test)]
mod tests;

use crate::aggregate::{AggregateFunction, WindowSpec};
use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use spate_runtime::text::zone::Zone;
use std::sync::Arc;

pub(crate) use cast::cast as cast_like_spark;
pub use datepart::DatePart;
pub use dates::{DateFunction, DEFAULT_TIME_PATTERN};
pub use error::{quote_identifier, ExprError};
pub(crate) use generate::{element_field, misplaced_generator, project_exploding};
pub use json::{FromJson, JsonParse, JsonPath, JsonPathFind};
pub use like::StringTest;
pub(crate) use like::{simplify as simplify_like, SimpleLike};
pub use math::MathFunction;
pub use nested::{ElementAt, JsonWrite, ToJson};
pub use regex::RegexFunction;
pub use strings::StringFunction;

/// A column expression, as built by the DataFrame API.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A reference to an input column (resolved case-insensitively, like Spark's default).
    Column(String),
    /// A constant.
    Literal(Literal),
    /// A binary operator (`+ - * / % = <> < <= > >= AND OR`).
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// Boolean negation, `NOT e`.
    Not(Box<Expr>),
    /// `e IS NULL`.
    IsNull(Box<Expr>),
    /// `e IS NOT NULL`.
    IsNotNull(Box<Expr>),
    /// `e AS name`.
    Alias(Box<Expr>, String),
    /// `CAST(e AS type)`.
    Cast(Box<Expr>, DataType),
    /// `to_timestamp(e)` or `to_timestamp(e, pattern)`.
    ToTimestamp(Box<Expr>, Option<String>),
    /// `CASE WHEN c1 THEN v1 [WHEN …] [ELSE e] END`.
    CaseWhen {
        /// `(condition, value)` pairs, tried in order.
        branches: Vec<(Expr, Expr)>,
        /// The `ELSE` value (NULL when absent).
        otherwise: Option<Box<Expr>>,
    },
    /// Arithmetic negation, Spark's `negative(e)` (the Column API's `-col`).
    Negate(Box<Expr>),
    /// Arithmetic negation written `-e` in SQL text, which Spark names `(- e)`.
    Minus(Box<Expr>),
    /// `round(e, scale)`: rounded half away from zero at `scale` decimal places (a negative
    /// scale rounds to tens, hundreds, …).
    Round(Box<Expr>, i32),
    /// `e IN (v1, v2, …)`: true when `e` equals a value, NULL when it equals none and it or
    /// a value is NULL, else false.
    In(Box<Expr>, Vec<Expr>),
    /// `coalesce(e1, e2, …)`: the first value that is not NULL.
    Coalesce(Vec<Expr>),
    /// A string (or a value cast to one) tested against a second: `LIKE`, `startswith`,
    /// `endswith`, `contains`; NULL when either is.
    StringTest(StringTest, Box<Expr>, Box<Expr>),
    /// `current_timestamp()`: the timestamp of the batch being processed (Spark's
    /// `batchTimestampMs`), one value for all its rows and the same on a re-run.
    CurrentTimestamp,
    /// `current_date()`: the date of [`Expr::CurrentTimestamp`] in the session time zone.
    CurrentDate,
    /// `to_date(e)` (a cast to DATE) or `to_date(e, pattern)` (parsed by a datetime pattern).
    ToDate(Box<Expr>, Option<String>),
    /// A string function of its arguments (each cast to a string): `lower`, `upper`,
    /// `length`, `trim`, `ltrim`, `rtrim`, `concat`.
    StringFunction(StringFunction, Vec<Expr>),
    /// A field of a date-time in the session time zone: `year`, `month`, `dayofmonth` of a
    /// date (a string's date as written, a timestamp's local date), `hour`, `minute`,
    /// `second` of a timestamp (a string is cast to one).
    DatePart(DatePart, Box<Expr>),
    /// A math function of numbers: `abs`, `sqrt`, `floor`, `ceil`, `pow`.
    Math(MathFunction, Vec<Expr>),
    /// `date_format(t, pattern)`: a timestamp (a string is cast to one) as text in the
    /// session time zone, by a Java `DateTimeFormatter` pattern.
    DateFormat(Box<Expr>, String),
    /// A regular-expression function of a string (cast to one) and a pattern: `rlike`,
    /// `regexp_replace`, `regexp_extract`.
    Regex(RegexFunction, Box<Expr>, String),
    /// `substring(e, pos, len)` (named `substr` when `.2` says so): `len` characters from
    /// position `pos` (1-based; negative counts from the end; 0 is the first).
    Substring(Box<Expr>, &'static str, i32, i32),
    /// `split(e, regex, limit)`: the string's parts around each match of a Java regular
    /// expression, as an `array<string>` (at most `limit` parts when it is positive).
    Split(Box<Expr>, String, i32),
    /// `explode(e)` (`outer`: `explode_outer`): a generator, one row per element of the
    /// array; valid only as an item of a projection (`select`, `with_column`).
    Explode(Box<Expr>, bool),
    /// `from_json(e, schema)`: a STRING parsed as JSON into a struct.
    FromJson(Box<Expr>, Arc<FromJson>),
    /// `to_json(e)`: a struct or array as JSON text.
    ToJson(Box<Expr>, ToJson),
    /// `get_json_object(e, path)`: the value at a JSON path in a STRING, as text.
    GetJsonObject(Box<Expr>, JsonPath),
    /// `struct(e1, e2, …)`: a struct of the values, each field named as its column (`colN`
    /// for an unnamed expression).
    Struct(Vec<Expr>),
    /// `size(e)`: the number of elements of an array.
    Size(Box<Expr>),
    /// An element of an array: `e[i]` or `element_at(e, n)`.
    Element(Box<Expr>, ElementAt),
    /// A date-time function of its arguments (`date_add`, `date_trunc`, `unix_timestamp`,
    /// …).
    DateFunction(DateFunction, Vec<Expr>),
    /// `try_cast`, `try_to_timestamp`, `try_element_at`: the cast, parse or element with
    /// NULL where ANSI mode raises an error.
    Try(Box<Expr>),
    /// An aggregate function call (`count(1)`, `sum(value)`, …); valid only in `agg(...)`.
    Aggregate(AggregateFunction, Box<Expr>),
    /// `window(time, duration[, slide[, start]])`; valid only as a grouping key.
    Window(Box<Expr>, WindowSpec),
}

/// A constant value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// The untyped NULL (Spark's `void` type).
    Null,
    /// A `boolean`.
    Boolean(bool),
    /// An `int`.
    Int32(i32),
    /// A `bigint`.
    Int64(i64),
    /// A `double`.
    Float64(f64),
    /// A `string`.
    Utf8(String),
    /// A `timestamp`, in microseconds since the epoch (UTC).
    Timestamp(i64),
    /// A day-time interval (`INTERVAL 5 MINUTES`), in microseconds.
    Interval(i64),
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (always a `double` division, like Spark).
    Div,
    /// `%`
    Mod,
    /// `=`
    Eq,
    /// `<>` (Spark shows it as `NOT (a = b)`).
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND` (three-valued).
    And,
    /// `OR` (three-valued).
    Or,
}

/// Session settings that change how expressions evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalContext {
    /// `spark.sql.ansi.enabled` (default `true` since Spark 4.0): invalid casts, overflow and
    /// division by zero raise errors instead of producing NULL or wrapping.
    pub ansi: bool,
    /// `spark.sql.session.timeZone` (default UTC here): zone for strings without an offset and
    /// for timestamp→string.
    pub time_zone: Zone,
    /// The timestamp of the batch being processed (Spark's `batchTimestampMs`): what
    /// `current_timestamp()` gives; `None` outside one.
    pub batch_timestamp_ms: Option<i64>,
}

impl Default for EvalContext {
    fn default() -> Self {
        Self {
            ansi: true,
            time_zone: Zone::UTC,
            batch_timestamp_ms: None,
        }
    }
}

/// A reference to the column `name`.
pub fn col(name: &str) -> Expr {
    Expr::Column(name.to_string())
}

/// A constant (`i32` → int, `i64` → bigint, `f64` → double, `bool`, `&str`/`String` → string).
pub fn lit(value: impl Into<Literal>) -> Expr {
    Expr::Literal(value.into())
}

/// `round(e, scale)`: Spark's `round`, half away from zero (HALF_UP) at `scale` places.
pub fn round(e: Expr, scale: i32) -> Expr {
    Expr::Round(Box::new(e), scale)
}

/// `current_timestamp()`: the timestamp of the batch being processed, the same for all its
/// rows and on a re-run of the batch (Spark's `batchTimestampMs`).
pub fn current_timestamp() -> Expr {
    Expr::CurrentTimestamp
}

/// `current_date()`: the date of the batch's timestamp in the session time zone.
pub fn current_date() -> Expr {
    Expr::CurrentDate
}

/// `to_date(e)`: a string's date as written (Spark's cast to DATE), or a timestamp's date in
/// the session time zone.
pub fn to_date(e: Expr) -> Expr {
    Expr::ToDate(Box::new(e), None)
}

/// `to_date(e, pattern)`: the date of a string parsed by a datetime pattern.
pub fn to_date_with_format(e: Expr, pattern: &str) -> Expr {
    Expr::ToDate(Box::new(e), Some(pattern.to_string()))
}

/// `lower(e)`.
pub fn lower(e: Expr) -> Expr {
    Expr::StringFunction(StringFunction::Lower, vec![e])
}

/// `upper(e)`.
pub fn upper(e: Expr) -> Expr {
    Expr::StringFunction(StringFunction::Upper, vec![e])
}

/// `length(e)`: the number of characters.
pub fn length(e: Expr) -> Expr {
    Expr::StringFunction(StringFunction::Length, vec![e])
}

/// `trim(e)`: without leading and trailing spaces.
pub fn trim(e: Expr) -> Expr {
    Expr::StringFunction(StringFunction::Trim, vec![e])
}

/// `ltrim(e)`: without leading spaces.
pub fn ltrim(e: Expr) -> Expr {
    Expr::StringFunction(StringFunction::LTrim, vec![e])
}

/// `rtrim(e)`: without trailing spaces.
pub fn rtrim(e: Expr) -> Expr {
    Expr::StringFunction(StringFunction::RTrim, vec![e])
}

/// `concat(values…)`: the strings one after the other; NULL when any is.
pub fn concat(values: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::StringFunction(StringFunction::Concat, values.into_iter().collect())
}

/// `concat_ws(sep, s, …)`: the values that are not NULL (cast to strings), `sep` between
/// them.
pub fn concat_ws(sep: &str, values: impl IntoIterator<Item = Expr>) -> Expr {
    let args = std::iter::once(lit(sep)).chain(values).collect();
    Expr::StringFunction(StringFunction::ConcatWs, args)
}

/// `year(t)`.
pub fn year(t: Expr) -> Expr {
    Expr::DatePart(DatePart::Year, Box::new(t))
}

/// `month(t)`.
pub fn month(t: Expr) -> Expr {
    Expr::DatePart(DatePart::Month, Box::new(t))
}

/// `dayofmonth(t)`.
pub fn dayofmonth(t: Expr) -> Expr {
    Expr::DatePart(DatePart::DayOfMonth, Box::new(t))
}

/// `hour(t)`.
pub fn hour(t: Expr) -> Expr {
    Expr::DatePart(DatePart::Hour, Box::new(t))
}

/// `minute(t)`.
pub fn minute(t: Expr) -> Expr {
    Expr::DatePart(DatePart::Minute, Box::new(t))
}

/// `second(t)`: whole seconds.
pub fn second(t: Expr) -> Expr {
    Expr::DatePart(DatePart::Second, Box::new(t))
}

/// `abs(x)`.
pub fn abs(x: Expr) -> Expr {
    Expr::Math(MathFunction::Abs, vec![x])
}

/// `sqrt(x)`: a double (NaN below zero).
pub fn sqrt(x: Expr) -> Expr {
    Expr::Math(MathFunction::Sqrt, vec![x])
}

/// `floor(x)`: a `bigint`.
pub fn floor(x: Expr) -> Expr {
    Expr::Math(MathFunction::Floor, vec![x])
}

/// `ceil(x)`: a `bigint`.
pub fn ceil(x: Expr) -> Expr {
    Expr::Math(MathFunction::Ceil, vec![x])
}

/// `pow(x, y)`: `x` to the power `y`, a double.
pub fn pow(x: Expr, y: impl Into<Expr>) -> Expr {
    Expr::Math(MathFunction::Pow, vec![x, y.into()])
}

/// `date_format(t, pattern)`: the timestamp as text in the session time zone
/// (`yyyy-MM-dd HH:mm`).
pub fn date_format(t: Expr, pattern: &str) -> Expr {
    Expr::DateFormat(Box::new(t), pattern.to_string())
}

/// `regexp_replace(e, pattern, replacement)`: every match of `pattern` replaced
/// (`$1`, `${name}`: groups).
pub fn regexp_replace(e: Expr, pattern: &str, replacement: &str) -> Expr {
    Expr::Regex(
        RegexFunction::Replace(replacement.to_string()),
        Box::new(e),
        pattern.to_string(),
    )
}

/// `regexp_extract(e, pattern, idx)`: group `idx` of the first match (0: all of it), `""`
/// when nothing matches.
pub fn regexp_extract(e: Expr, pattern: &str, idx: i32) -> Expr {
    Expr::Regex(
        RegexFunction::Extract(idx),
        Box::new(e),
        pattern.to_string(),
    )
}

/// `substring(e, pos, len)`: `len` characters from position `pos` (1-based; negative
/// counts from the end).
pub fn substring(e: Expr, pos: i32, len: i32) -> Expr {
    Expr::Substring(Box::new(e), "substring", pos, len)
}

/// `split(e, regex)`: the string's parts around each match of `regex` (Java's syntax).
pub fn split(e: Expr, regex: &str) -> Expr {
    Expr::Split(Box::new(e), regex.to_string(), -1)
}

/// `split(e, regex, limit)`: at most `limit` parts when positive, the last holding the rest.
pub fn split_with_limit(e: Expr, regex: &str, limit: i32) -> Expr {
    Expr::Split(Box::new(e), regex.to_string(), limit)
}

/// `struct(e1, e2, …)`: a struct of the values (in a `select`, `col("*")` stands for every
/// column).
pub fn struct_(values: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::Struct(values.into_iter().collect())
}

/// `size(e)`: the number of elements of the array `e` (NULL for NULL).
pub fn size(e: Expr) -> Expr {
    Expr::Size(Box::new(e))
}

/// `element_at(e, n)`: the `n`th element of the array `e`, from 1 (from the end when
/// negative).
pub fn element_at(e: Expr, n: i32) -> Expr {
    Expr::Element(Box::new(e), ElementAt::Position(n))
}

/// `explode(e)`: one row per element of the array `e` (none for an empty or NULL array),
/// named `col` unless aliased.
pub fn explode(e: Expr) -> Expr {
    Expr::Explode(Box::new(e), false)
}

/// `explode_outer(e)`: as [`explode`], but an empty or NULL array gives one row, NULL.
pub fn explode_outer(e: Expr) -> Expr {
    Expr::Explode(Box::new(e), true)
}

/// `coalesce(values…)`: the first of `values` that is not NULL (NULL when all are).
pub fn coalesce(values: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::Coalesce(values.into_iter().collect())
}

/// `to_timestamp(e)`: Spark's cast of a string (or number) to a timestamp.
pub fn to_timestamp(e: Expr) -> Expr {
    Expr::ToTimestamp(Box::new(e), None)
}

/// `to_timestamp(e, fmt)`: parse strings with a Spark datetime pattern such as
/// `yyyy-MM-dd HH:mm:ss`.
pub fn to_timestamp_with_format(e: Expr, fmt: &str) -> Expr {
    Expr::ToTimestamp(Box::new(e), Some(fmt.to_string()))
}

/// `date_add(date, days)`: the date `days` later (a string is cast to a DATE).
pub fn date_add(date: Expr, days: impl Into<Expr>) -> Expr {
    Expr::DateFunction(DateFunction::DateAdd, vec![date, days.into()])
}

/// `date_sub(date, days)`: the date `days` earlier.
pub fn date_sub(date: Expr, days: impl Into<Expr>) -> Expr {
    Expr::DateFunction(DateFunction::DateSub, vec![date, days.into()])
}

/// `datediff(end, start)`: the days from `start` to `end`.
pub fn datediff(end: Expr, start: impl Into<Expr>) -> Expr {
    Expr::DateFunction(DateFunction::DateDiff, vec![end, start.into()])
}

/// `date_trunc(unit, timestamp)`: the timestamp truncated to `unit` (`year`, `quarter`,
/// `month`, `week`, `day`, `hour`, `minute`, `second`, …) in the session time zone; NULL
/// for an unknown unit.
pub fn date_trunc(unit: &str, timestamp: Expr) -> Expr {
    Expr::DateFunction(DateFunction::DateTrunc(unit.to_string()), vec![timestamp])
}

/// `trunc(date, unit)`: the first day of the date's `year`, `quarter`, `month` or `week`;
/// NULL for another unit.
pub fn trunc(date: Expr, unit: &str) -> Expr {
    Expr::DateFunction(DateFunction::Trunc(unit.to_string()), vec![date])
}

/// `unix_timestamp(e)`: seconds since the epoch of a timestamp, a date, or a string in
/// `yyyy-MM-dd HH:mm:ss`.
pub fn unix_timestamp(e: Expr) -> Expr {
    unix_timestamp_with_format(e, dates::DEFAULT_TIME_PATTERN)
}

/// `unix_timestamp(e, pattern)`: as [`unix_timestamp`], strings read by `pattern`.
pub fn unix_timestamp_with_format(e: Expr, pattern: &str) -> Expr {
    let function = DateFunction::UnixTimestamp {
        name: "unix_timestamp",
        pattern: pattern.to_string(),
    };
    Expr::DateFunction(function, vec![e])
}

/// `from_unixtime(seconds)`: seconds since the epoch as `yyyy-MM-dd HH:mm:ss` in the session
/// time zone.
pub fn from_unixtime(seconds: Expr) -> Expr {
    from_unixtime_with_format(seconds, dates::DEFAULT_TIME_PATTERN)
}

/// `from_unixtime(seconds, pattern)`: as [`from_unixtime`], written by `pattern`.
pub fn from_unixtime_with_format(seconds: Expr, pattern: &str) -> Expr {
    Expr::DateFunction(
        DateFunction::FromUnixtime(pattern.to_string()),
        vec![seconds],
    )
}

/// `timestamp_seconds(seconds)`: the timestamp `seconds` after the epoch.
pub fn timestamp_seconds(seconds: Expr) -> Expr {
    Expr::DateFunction(DateFunction::TimestampSeconds, vec![seconds])
}

/// `try_to_timestamp(e)`: [`to_timestamp`], NULL where the string does not parse.
pub fn try_to_timestamp(e: Expr) -> Expr {
    Expr::Try(Box::new(to_timestamp(e)))
}

/// `try_to_timestamp(e, fmt)`: [`to_timestamp_with_format`], NULL where the string does not
/// parse.
pub fn try_to_timestamp_with_format(e: Expr, fmt: &str) -> Expr {
    Expr::Try(Box::new(to_timestamp_with_format(e, fmt)))
}

/// `try_element_at(e, n)`: [`element_at`], NULL where the array has no such element.
pub fn try_element_at(e: Expr, n: i32) -> Expr {
    Expr::Try(Box::new(element_at(e, n)))
}

/// `INTERVAL '<text>'`: a day-time interval such as `"5 minutes"` or `"1 hour 30 minutes"`,
/// to add to or subtract from timestamps.
pub fn interval(text: &str) -> Result<Expr, ExprError> {
    spate_runtime::parse_interval_micros(text)
        .map(|micros| Expr::Literal(Literal::Interval(micros)))
        .map_err(|_| ExprError::InvalidInterval(text.to_string()))
}

/// `CASE WHEN cond THEN value END`; chain [`Expr::when`] and [`Expr::otherwise`].
pub fn when(cond: Expr, value: impl Into<Expr>) -> Expr {
    Expr::CaseWhen {
        branches: vec![(cond, value.into())],
        otherwise: None,
    }
}

macro_rules! literal_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Literal {
            fn from(v: $t) -> Self {
                Literal::$variant(v.into())
            }
        }
        impl From<$t> for Expr {
            fn from(v: $t) -> Self {
                Expr::Literal(Literal::$variant(v.into()))
            }
        }
    )*};
}

literal_from!(i32 => Int32, i64 => Int64, f64 => Float64, bool => Boolean, String => Utf8, &str => Utf8);

impl From<Literal> for Expr {
    fn from(v: Literal) -> Self {
        Expr::Literal(v)
    }
}

impl<T: Into<Literal>> From<Option<T>> for Literal {
    fn from(v: Option<T>) -> Self {
        v.map_or(Literal::Null, Into::into)
    }
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    Expr::Binary {
        op,
        left: Box::new(left),
        right: Box::new(right),
    }
}

// The DataFrame method names (`eq`, `not`, …) are part of the API; they build expressions and
// do not compare or negate `Expr` values themselves.
#[allow(clippy::should_implement_trait)]
impl Expr {
    /// Name the expression (`e AS name`).
    pub fn alias(self, name: &str) -> Expr {
        Expr::Alias(Box::new(self), name.to_string())
    }

    /// `CAST(self AS data_type)`.
    pub fn cast(self, data_type: DataType) -> Expr {
        Expr::Cast(Box::new(self), data_type)
    }

    /// `self.try_cast(type)`: [`Expr::cast`], NULL where the value does not convert.
    pub fn try_cast(self, data_type: DataType) -> Expr {
        Expr::Try(Box::new(self.cast(data_type)))
    }

    /// `self IN (values…)` (Spark's `isin`).
    pub fn isin(self, values: impl IntoIterator<Item = impl Into<Expr>>) -> Expr {
        Expr::In(Box::new(self), values.into_iter().map(Into::into).collect())
    }

    /// `self LIKE pattern`: `%` any characters, `_` one, `\` before either to take it
    /// literally.
    pub fn like(self, pattern: &str) -> Expr {
        self.string_test(StringTest::Like { escape: '\\' }, lit(pattern))
    }

    /// `self[index]` (`getItem`): the element of an array at `index`, from 0.
    pub fn get_item(self, index: i32) -> Expr {
        Expr::Element(Box::new(self), ElementAt::Index(index))
    }

    /// `self.substr(pos, len)`: [`substring`], as the Column API names it.
    pub fn substr(self, pos: i32, len: i32) -> Expr {
        Expr::Substring(Box::new(self), "substr", pos, len)
    }

    /// `self RLIKE pattern`: whether the regular expression matches anywhere in the string.
    pub fn rlike(self, pattern: &str) -> Expr {
        Expr::Regex(RegexFunction::Like, Box::new(self), pattern.to_string())
    }

    /// `startswith(self, prefix)`.
    pub fn startswith(self, prefix: impl Into<Expr>) -> Expr {
        self.string_test(StringTest::StartsWith, prefix)
    }

    /// `endswith(self, suffix)`.
    pub fn endswith(self, suffix: impl Into<Expr>) -> Expr {
        self.string_test(StringTest::EndsWith, suffix)
    }

    /// `contains(self, part)`.
    pub fn contains(self, part: impl Into<Expr>) -> Expr {
        self.string_test(StringTest::Contains, part)
    }

    /// This value (as a string) tested against `other` by `test`.
    pub fn string_test(self, test: StringTest, other: impl Into<Expr>) -> Expr {
        Expr::StringTest(test, Box::new(self), Box::new(other.into()))
    }

    /// `self IS NULL`.
    pub fn is_null(self) -> Expr {
        Expr::IsNull(Box::new(self))
    }

    /// `self IS NOT NULL`.
    pub fn is_not_null(self) -> Expr {
        Expr::IsNotNull(Box::new(self))
    }

    /// `self = other`.
    pub fn eq(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::Eq, self, other.into())
    }

    /// `self <> other` (named `(NOT (self = other))`, as PySpark's `!=`).
    pub fn not_eq(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::NotEq, self, other.into())
    }

    /// `self < other`.
    pub fn lt(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::Lt, self, other.into())
    }

    /// `self <= other`.
    pub fn lt_eq(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::LtEq, self, other.into())
    }

    /// `self > other`.
    pub fn gt(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::Gt, self, other.into())
    }

    /// `self >= other`.
    pub fn gt_eq(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::GtEq, self, other.into())
    }

    /// `self AND other` (three-valued logic).
    pub fn and(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::And, self, other.into())
    }

    /// `self OR other` (three-valued logic).
    pub fn or(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::Or, self, other.into())
    }

    /// `NOT self`.
    pub fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }

    /// Add a `WHEN cond THEN value` branch to a `CASE` built by [`when`]. It is only meaningful
    /// on such a `CASE` (PySpark raises otherwise); on any other expression, or after
    /// [`Expr::otherwise`], it returns a new `CASE WHEN cond THEN value END` and drops `self`.
    pub fn when(self, cond: Expr, value: impl Into<Expr>) -> Expr {
        match self {
            Expr::CaseWhen {
                mut branches,
                otherwise: None,
            } => {
                branches.push((cond, value.into()));
                Expr::CaseWhen {
                    branches,
                    otherwise: None,
                }
            }
            _ => when(cond, value),
        }
    }

    /// Set the `ELSE` value of a `CASE` built by [`when`]. On any other expression it returns
    /// `self` unchanged.
    pub fn otherwise(self, value: impl Into<Expr>) -> Expr {
        match self {
            Expr::CaseWhen {
                branches,
                otherwise: None,
            } => Expr::CaseWhen {
                branches,
                otherwise: Some(Box::new(value.into())),
            },
            other => other,
        }
    }

    /// Evaluate over a whole batch. The result has one value per row of `batch`.
    pub fn evaluate(&self, batch: &RecordBatch, ctx: &EvalContext) -> Result<ArrayRef, ExprError> {
        let bound = resolve::bind(self, batch.schema_ref(), ctx)?;
        eval::evaluate(&bound, batch, ctx)
    }

    /// The output column as Spark shows it (name, type, nullability), for the default session
    /// settings (ANSI on, UTC).
    pub fn output_field(&self, input: &Schema) -> Result<Field, ExprError> {
        self.output_field_with(input, &EvalContext::default())
    }

    /// The output column for the given session settings: ANSI mode changes some result types
    /// and nullability, the time zone changes how timestamp literals are named.
    pub fn output_field_with(&self, input: &Schema, ctx: &EvalContext) -> Result<Field, ExprError> {
        let bound = resolve::bind(self, input, ctx)?;
        let name = naming::output_name(self, &ctx.time_zone);
        Ok(Field::new(name, bound.data_type.clone(), bound.nullable))
    }

    /// The array this projection item explodes and whether outer (`explode(e)`, maybe
    /// aliased); `None` for any other expression.
    pub fn generator(&self) -> Option<(&Expr, bool)> {
        match self {
            Expr::Alias(inner, _) => inner.generator(),
            Expr::Explode(array, outer) => Some((array, *outer)),
            _ => None,
        }
    }

    /// Whether a generator (`explode`) appears anywhere in the expression.
    pub fn has_generator(&self) -> bool {
        let mut found = false;
        let _ = self.transform(&mut |e| {
            found |= matches!(e, Expr::Explode(..));
            Ok::<_, std::convert::Infallible>(None)
        });
        found
    }

    /// The output column name Spark generates (the alias if there is one).
    pub fn output_name(&self) -> String {
        naming::output_name(self, &Zone::UTC)
    }

    /// The names of the columns the expression reads, in first-use order, without duplicates,
    /// as written (without enclosing back-quotes); Spark matches them case-insensitively.
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_columns(&mut out);
        out
    }

    /// The conjuncts of the expression (`a AND b AND c` → `[a, b, c]`), in order.
    pub fn conjuncts(&self) -> Vec<Expr> {
        match self {
            Expr::Binary {
                op: BinaryOp::And,
                left,
                right,
            } => {
                let mut all = left.conjuncts();
                all.extend(right.conjuncts());
                all
            }
            other => vec![other.clone()],
        }
    }

    /// The expression with every column reference replaced by `f(name)`.
    pub fn map_columns<E>(&self, f: &mut impl FnMut(&str) -> Result<Expr, E>) -> Result<Expr, E> {
        self.transform(&mut |e| match e {
            Expr::Column(name) => f(name).map(Some),
            _ => Ok(None),
        })
    }

    /// The expression rewritten top-down: each node `f` gives a replacement for is
    /// replaced (and not entered), every other node is kept with its children rewritten.
    pub fn transform<E>(
        &self,
        f: &mut impl FnMut(&Expr) -> Result<Option<Expr>, E>,
    ) -> Result<Expr, E> {
        if let Some(replaced) = f(self)? {
            return Ok(replaced);
        }
        let mut map = |e: &Expr| e.transform(f).map(Box::new);
        Ok(match self {
            Expr::Column(_) | Expr::Literal(_) | Expr::CurrentTimestamp | Expr::CurrentDate => {
                self.clone()
            }
            Expr::ToDate(e, format) => Expr::ToDate(map(e)?, format.clone()),
            Expr::Binary { op, left, right } => Expr::Binary {
                op: *op,
                left: map(left)?,
                right: map(right)?,
            },
            Expr::Not(e) => Expr::Not(map(e)?),
            Expr::IsNull(e) => Expr::IsNull(map(e)?),
            Expr::IsNotNull(e) => Expr::IsNotNull(map(e)?),
            Expr::Alias(e, name) => Expr::Alias(map(e)?, name.clone()),
            Expr::Cast(e, t) => Expr::Cast(map(e)?, t.clone()),
            Expr::ToTimestamp(e, format) => Expr::ToTimestamp(map(e)?, format.clone()),
            Expr::Negate(e) => Expr::Negate(map(e)?),
            Expr::Minus(e) => Expr::Minus(map(e)?),
            Expr::Round(e, scale) => Expr::Round(map(e)?, *scale),
            Expr::StringTest(test, e, other) => Expr::StringTest(*test, map(e)?, map(other)?),
            Expr::Split(e, regex, limit) => Expr::Split(map(e)?, regex.clone(), *limit),
            Expr::Substring(e, name, pos, len) => Expr::Substring(map(e)?, name, *pos, *len),
            Expr::Regex(function, e, pattern) => {
                Expr::Regex(function.clone(), map(e)?, pattern.clone())
            }
            Expr::DatePart(part, e) => Expr::DatePart(*part, map(e)?),
            Expr::DateFormat(e, pattern) => Expr::DateFormat(map(e)?, pattern.clone()),
            Expr::Explode(e, outer) => Expr::Explode(map(e)?, *outer),
            Expr::FromJson(e, spec) => Expr::FromJson(map(e)?, spec.clone()),
            Expr::ToJson(e, write) => Expr::ToJson(map(e)?, *write),
            Expr::GetJsonObject(e, path) => Expr::GetJsonObject(map(e)?, path.clone()),
            Expr::Size(e) => Expr::Size(map(e)?),
            Expr::Try(e) => Expr::Try(map(e)?),
            Expr::DateFunction(function, args) => Expr::DateFunction(
                function.clone(),
                args.iter()
                    .map(|v| v.transform(f))
                    .collect::<Result<_, E>>()?,
            ),
            Expr::Element(e, at) => Expr::Element(map(e)?, *at),
            Expr::Struct(values) => Expr::Struct(
                values
                    .iter()
                    .map(|v| v.transform(f))
                    .collect::<Result<_, E>>()?,
            ),
            Expr::In(e, values) => Expr::In(
                map(e)?,
                values
                    .iter()
                    .map(|v| v.transform(f))
                    .collect::<Result<_, E>>()?,
            ),
            Expr::Coalesce(values) => Expr::Coalesce(
                values
                    .iter()
                    .map(|v| v.transform(f))
                    .collect::<Result<_, E>>()?,
            ),
            Expr::StringFunction(function, args) => Expr::StringFunction(
                *function,
                args.iter()
                    .map(|v| v.transform(f))
                    .collect::<Result<_, E>>()?,
            ),
            Expr::Math(function, args) => Expr::Math(
                *function,
                args.iter()
                    .map(|v| v.transform(f))
                    .collect::<Result<_, E>>()?,
            ),
            Expr::Aggregate(function, e) => Expr::Aggregate(*function, map(e)?),
            Expr::Window(e, spec) => Expr::Window(map(e)?, spec.clone()),
            Expr::CaseWhen {
                branches,
                otherwise,
            } => Expr::CaseWhen {
                branches: branches
                    .iter()
                    .map(|(c, v)| Ok((c.transform(f)?, v.transform(f)?)))
                    .collect::<Result<_, E>>()?,
                otherwise: match otherwise {
                    Some(e) => Some(Box::new(e.transform(f)?)),
                    None => None,
                },
            },
        })
    }

    fn collect_columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Column(name) => {
                let name = naming::unquote(name);
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            Expr::Literal(_) | Expr::CurrentTimestamp | Expr::CurrentDate => {}
            Expr::Binary { left, right, .. } | Expr::StringTest(_, left, right) => {
                left.collect_columns(out);
                right.collect_columns(out);
            }
            Expr::Not(e)
            | Expr::IsNull(e)
            | Expr::IsNotNull(e)
            | Expr::Alias(e, _)
            | Expr::Cast(e, _)
            | Expr::ToTimestamp(e, _)
            | Expr::Negate(e)
            | Expr::Minus(e)
            | Expr::Round(e, _)
            | Expr::Split(e, ..)
            | Expr::Substring(e, ..)
            | Expr::Regex(_, e, _)
            | Expr::DatePart(_, e)
            | Expr::DateFormat(e, _)
            | Expr::ToDate(e, _)
            | Expr::Explode(e, _)
            | Expr::FromJson(e, _)
            | Expr::ToJson(e, _)
            | Expr::GetJsonObject(e, _)
            | Expr::Size(e)
            | Expr::Element(e, _)
            | Expr::Try(e)
            | Expr::Aggregate(_, e)
            | Expr::Window(e, _) => e.collect_columns(out),
            Expr::In(e, values) => {
                e.collect_columns(out);
                for v in values {
                    v.collect_columns(out);
                }
            }
            Expr::Coalesce(values)
            | Expr::StringFunction(_, values)
            | Expr::Math(_, values)
            | Expr::DateFunction(_, values)
            | Expr::Struct(values) => {
                for v in values {
                    v.collect_columns(out);
                }
            }
            Expr::CaseWhen {
                branches,
                otherwise,
            } => {
                for (c, v) in branches {
                    c.collect_columns(out);
                    v.collect_columns(out);
                }
                if let Some(e) = otherwise {
                    e.collect_columns(out);
                }
            }
        }
    }
}

macro_rules! binary_operator {
    ($($trait:ident :: $method:ident => $op:ident),* $(,)?) => {$(
        impl<T: Into<Expr>> std::ops::$trait<T> for Expr {
            type Output = Expr;
            fn $method(self, rhs: T) -> Expr {
                binary(BinaryOp::$op, self, rhs.into())
            }
        }
    )*};
}

binary_operator!(Add::add => Add, Sub::sub => Sub, Mul::mul => Mul, Div::div => Div, Rem::rem => Mod);

impl std::ops::Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        Expr::Negate(Box::new(self))
    }
}

impl std::ops::Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}
