//! Spark SQL expression text (`expr("id = id2 AND t >= t2 - interval 5 minutes")`, string
//! conditions in `filter`/`join`, `select_expr`), parsed with sqlparser (its generic dialect
//! reads Spark's back-quoted names and every Spark interval form) into spate expressions.

use crate::types::ddl_type;
use spate_operators::aggregate::{self, window_with_start};
use spate_operators::expr::{
    col, date_format, interval, regexp_extract, regexp_replace, split_with_limit,
    to_timestamp_with_format, DateFunction, DatePart, Expr, Literal, MathFunction, StringFunction,
    StringTest, DEFAULT_TIME_PATTERN,
};
use spate_runtime::{Error, Result};
use sqlparser::ast::{
    self, BinaryOperator, DuplicateTreatment, FunctionArg, FunctionArgExpr, FunctionArguments,
    UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

/// The functions SQL text can call.
const FUNCTIONS: &[&str] = &[
    "abs",
    "approx_count_distinct",
    "avg",
    "ceil",
    "coalesce",
    "concat",
    "concat_ws",
    "contains",
    "count",
    "current_date",
    "current_timestamp",
    "date_add",
    "date_format",
    "date_sub",
    "date_trunc",
    "datediff",
    "dayofmonth",
    "element_at",
    "endswith",
    "explode",
    "explode_outer",
    "first",
    "floor",
    "from_json",
    "from_unixtime",
    "get_json_object",
    "hour",
    "last",
    "length",
    "like",
    "lower",
    "ltrim",
    "max",
    "mean",
    "min",
    "minute",
    "month",
    "pow",
    "power",
    "regexp_extract",
    "regexp_replace",
    "rlike",
    "round",
    "rtrim",
    "second",
    "size",
    "split",
    "sqrt",
    "startswith",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "struct",
    "sum",
    "timestamp_seconds",
    "to_date",
    "to_json",
    "to_timestamp",
    "to_unix_timestamp",
    "trim",
    "trunc",
    "try_element_at",
    "try_to_timestamp",
    "unix_timestamp",
    "upper",
    "var_pop",
    "var_samp",
    "variance",
    "window",
    "year",
];

/// A parser of `text` that reads `struct(…)` as Spark does, a function call (sqlparser
/// reads it as BigQuery's struct literal, which takes no `*`).
pub(crate) fn spark_parser<'a>(
    dialect: &'a GenericDialect,
    text: &str,
) -> std::result::Result<Parser<'a>, ParserError> {
    let mut tokens = Tokenizer::new(dialect, text).tokenize_with_location()?;
    for at in 0..tokens.len() {
        let call = tokens[at + 1..]
            .iter()
            .find(|t| !matches!(t.token, Token::Whitespace(_)))
            .is_some_and(|t| t.token == Token::LParen);
        if let Token::Word(word) = &mut tokens[at].token {
            if call && word.keyword == Keyword::STRUCT && word.quote_style.is_none() {
                word.keyword = Keyword::NoKeyword;
            }
        }
    }
    Ok(Parser::new(dialect).with_tokens_with_locations(tokens))
}

/// Whether `text` is `s.*` for a plain column name `s` (every field of a struct).
fn is_struct_star(text: &str) -> bool {
    text.strip_suffix(".*").is_some_and(|name| {
        !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
    })
}

/// `expr(text)`: a column expression written in Spark SQL, optionally aliased
/// (`"sum(value) AS total"`), as PySpark's `expr` and `selectExpr` take it.
pub fn expr(text: &str) -> Result<Expr> {
    let trimmed = text.trim();
    if trimmed == "*" || is_struct_star(trimmed) {
        return Ok(col(trimmed));
    }
    let syntax = |e: ParserError| syntax_error(text, e);
    let mut parser = spark_parser(&GenericDialect {}, text).map_err(syntax)?;
    let parsed = parser.parse_expr().map_err(syntax)?;
    // `expr AS name`, or `expr name` as Spark also takes it.
    let alias = if parser.parse_keyword(Keyword::AS)
        || matches!(parser.peek_token().token, Token::Word(_))
    {
        Some(parser.parse_identifier().map_err(syntax)?.value)
    } else {
        None
    };
    if parser.peek_token().token != Token::EOF {
        return Err(syntax(ParserError::ParserError(format!(
            "unexpected {} after the expression",
            parser.peek_token().token
        ))));
    }
    let converted = convert(&parsed)?;
    Ok(match alias {
        Some(name) => converted.alias(&name),
        None => converted,
    })
}

/// A condition given as a column expression or as Spark SQL text.
pub trait IntoCondition {
    /// The condition as an expression (parsing SQL text).
    fn into_condition(self) -> Result<Expr>;
}

impl IntoCondition for Expr {
    fn into_condition(self) -> Result<Expr> {
        Ok(self)
    }
}

impl IntoCondition for &str {
    fn into_condition(self) -> Result<Expr> {
        expr(self)
    }
}

impl IntoCondition for String {
    fn into_condition(self) -> Result<Expr> {
        expr(&self)
    }
}

/// Spark's `PARSE_SYNTAX_ERROR` for `text`.
pub(crate) fn syntax_error(text: &str, e: ParserError) -> Error {
    Error::Analysis(format!(
        "[PARSE_SYNTAX_ERROR] Syntax error in {text:?}: {e}. SQLSTATE: 42601"
    ))
}

pub(crate) fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::Analysis(format!(
        "[UNSUPPORTED_FEATURE] spate does not support {what} in SQL expressions yet"
    ))
}

pub(crate) fn convert(e: &ast::Expr) -> Result<Expr> {
    use ast::Expr as E;
    Ok(match e {
        // Spark reads "text" as a string (`spark.sql.ansi.doubleQuotedIdentifiers` is off).
        E::Identifier(ident) if ident.quote_style == Some('"') => {
            Expr::Literal(Literal::Utf8(unescape_string(&ident.value)))
        }
        E::Identifier(ident) => col(&ident.value),
        E::CompoundIdentifier(parts) => col(&parts
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>()
            .join(".")),
        E::Value(value) => Expr::Literal(literal(&value.value)?),
        E::Nested(inner) => convert(inner)?,
        E::CompoundFieldAccess { root, access_chain } => {
            let mut value = convert(root)?;
            for access in access_chain {
                value = match access {
                    ast::AccessExpr::Subscript(ast::Subscript::Index { index }) => {
                        match convert(index)? {
                            Expr::Literal(Literal::Int32(i)) => value.get_item(i),
                            _ => return Err(unsupported(format!("the subscript {access}"))),
                        }
                    }
                    other => return Err(unsupported(format!("`{other}`"))),
                };
            }
            value
        }
        E::InList {
            expr,
            list,
            negated,
        } => {
            let values = list.iter().map(convert).collect::<Result<Vec<_>>>()?;
            let within = convert(expr)?.isin(values);
            if *negated {
                within.not()
            } else {
                within
            }
        }
        E::Like {
            negated,
            any: false,
            expr,
            pattern,
            escape_char,
        } => {
            let escape = match escape_char {
                None => '\\',
                Some(Value::SingleQuotedString(c)) if unescape_string(c).chars().count() == 1 => {
                    unescape_string(c).chars().next().unwrap_or('\\')
                }
                Some(other) => {
                    return Err(Error::Analysis(format!(
                        "[INVALID_ESCAPE_CHAR] The escape character must be one character, not {other}. SQLSTATE: 42604"
                    )))
                }
            };
            let like = convert(expr)?.string_test(StringTest::Like { escape }, convert(pattern)?);
            if *negated {
                like.not()
            } else {
                like
            }
        }
        E::RLike {
            negated,
            expr,
            pattern,
            ..
        } => {
            let Expr::Literal(Literal::Utf8(pattern)) = convert(pattern)? else {
                return Err(unsupported(
                    "RLIKE with a pattern that is not a string literal",
                ));
            };
            let matched = convert(expr)?.rlike(&pattern);
            if *negated {
                matched.not()
            } else {
                matched
            }
        }
        E::ILike { .. } | E::SimilarTo { .. } => return Err(unsupported(e.to_string())),
        // `trim(s)`; the parser reads `trim(LEADING FROM s)` only with characters to trim.
        E::Trim {
            expr,
            trim_where: None,
            trim_what: None,
            trim_characters: None,
        } => Expr::StringFunction(StringFunction::Trim, vec![convert(expr)?]),
        // `ceil(x)` / `floor(x)`; the parser reads them apart from other functions.
        E::Ceil {
            expr,
            field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime),
        } => Expr::Math(MathFunction::Ceil, vec![convert(expr)?]),
        E::Floor {
            expr,
            field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime),
        } => Expr::Math(MathFunction::Floor, vec![convert(expr)?]),
        // `substring(s, pos[, len])`, `substr(...)`, `substring(s FROM pos [FOR len])`.
        E::Substring {
            expr,
            substring_from: Some(from),
            substring_for,
            shorthand,
            ..
        } => {
            let int = |e: &ast::Expr| match convert(e)? {
                Expr::Literal(Literal::Int32(v)) => Ok(v),
                _ => Err(unsupported(
                    "substring with a position or length that is not an integer",
                )),
            };
            let len = substring_for
                .as_deref()
                .map(int)
                .transpose()?
                .unwrap_or(i32::MAX);
            let name = if *shorthand { "substr" } else { "substring" };
            Expr::Substring(Box::new(convert(expr)?), name, int(from)?, len)
        }
        E::IsNull(inner) => convert(inner)?.is_null(),
        E::IsNotNull(inner) => convert(inner)?.is_not_null(),
        E::UnaryOp { op, expr } => match op {
            UnaryOperator::Not => convert(expr)?.not(),
            // A negative number is one literal (Spark names `-5` so), anything else negated.
            UnaryOperator::Minus => match expr.as_ref() {
                E::Value(v) => match &v.value {
                    Value::Number(text, long) => {
                        Expr::Literal(literal(&Value::Number(format!("-{text}"), *long))?)
                    }
                    _ => Expr::Minus(Box::new(convert(expr)?)),
                },
                _ => Expr::Minus(Box::new(convert(expr)?)),
            },
            UnaryOperator::Plus => convert(expr)?,
            other => return Err(unsupported(format!("the operator {other}"))),
        },
        E::BinaryOp { left, op, right } => {
            let (l, r) = (convert(left)?, convert(right)?);
            match op {
                BinaryOperator::Plus => l + r,
                BinaryOperator::Minus => l - r,
                BinaryOperator::Multiply => l * r,
                BinaryOperator::Divide => l / r,
                BinaryOperator::Modulo => l % r,
                BinaryOperator::Eq => l.eq(r),
                BinaryOperator::NotEq => l.not_eq(r),
                BinaryOperator::Lt => l.lt(r),
                BinaryOperator::LtEq => l.lt_eq(r),
                BinaryOperator::Gt => l.gt(r),
                BinaryOperator::GtEq => l.gt_eq(r),
                BinaryOperator::And => l.and(r),
                BinaryOperator::Or => l.or(r),
                other => return Err(unsupported(format!("the operator {other}"))),
            }
        }
        E::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let value = convert(expr)?;
            let between = value
                .clone()
                .gt_eq(convert(low)?)
                .and(value.lt_eq(convert(high)?));
            if *negated {
                between.not()
            } else {
                between
            }
        }
        E::Cast {
            expr,
            data_type,
            kind,
            ..
        } => {
            let cast = convert(expr)?.cast(ddl_type(&data_type.to_string())?);
            match kind {
                ast::CastKind::TryCast => Expr::Try(Box::new(cast)),
                _ => cast,
            }
        }
        E::Interval(value) => interval_literal(value)?,
        E::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut branches = Vec::with_capacity(conditions.len());
            for case in conditions {
                let condition = convert(&case.condition)?;
                let condition = match operand {
                    Some(operand) => convert(operand)?.eq(condition),
                    None => condition,
                };
                branches.push((condition, convert(&case.result)?));
            }
            let otherwise = match else_result {
                Some(e) => Some(Box::new(convert(e)?)),
                None => None,
            };
            Expr::CaseWhen {
                branches,
                otherwise,
            }
        }
        E::Function(function) => call(function)?,
        other => return Err(unsupported(format!("`{other}`"))),
    })
}

fn literal(value: &Value) -> Result<Literal> {
    Ok(match value {
        Value::Number(text, long) => {
            if let (false, Ok(v)) = (*long, text.parse::<i32>()) {
                Literal::Int32(v)
            } else if let Ok(v) = text.parse::<i64>() {
                Literal::Int64(v)
            } else {
                // Spark reads `1.5` as a decimal; spate has no decimals yet and uses double.
                Literal::Float64(
                    text.parse()
                        .map_err(|_| unsupported(format!("the number {text}")))?,
                )
            }
        }
        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
            Literal::Utf8(unescape_string(s))
        }
        Value::Boolean(b) => Literal::Boolean(*b),
        Value::Null => Literal::Null,
        other => return Err(unsupported(format!("the literal {other}"))),
    })
}

/// The text of a SQL string literal as Spark's parser reads it (`unescapeSQLString`): `\\`
/// is a backslash, `\n` `\t` `\r` `\b` `\0` `\Z` control characters, `\uXXXX` and octal
/// `\ooo` characters, `\%` and `\_` stay as written (for `LIKE`), and any other escaped
/// character is itself (`\s` is `s`).
fn unescape_string(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let Some(&next) = chars.get(i + 1).filter(|_| c == '\\') else {
            out.push(c);
            i += 1;
            continue;
        };
        let unicode = (next == 'u')
            .then(|| chars.get(i + 2..i + 6))
            .flatten()
            .and_then(|hex| u32::from_str_radix(&hex.iter().collect::<String>(), 16).ok())
            .and_then(char::from_u32);
        let octal = chars.get(i + 1..i + 4).and_then(|digits| {
            let valid = matches!(digits[0], '0'..='1')
                && digits[1..].iter().all(|d| matches!(d, '0'..='7'));
            valid
                .then(|| {
                    digits
                        .iter()
                        .fold(0, |v, d| v * 8 + (*d as u32 - '0' as u32))
                })
                .and_then(char::from_u32)
        });
        if let Some(u) = unicode {
            out.push(u);
            i += 6;
        } else if let Some(o) = octal {
            out.push(o);
            i += 4;
        } else {
            match next {
                '0' => out.push('\0'),
                'b' => out.push('\u{8}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'Z' => out.push('\u{1a}'),
                '%' | '_' => {
                    out.push('\\');
                    out.push(next);
                }
                other => out.push(other),
            }
            i += 2;
        }
    }
    out
}

/// `INTERVAL 5 MINUTES`, `INTERVAL '5' MINUTE`, `INTERVAL '5 minutes'`.
fn interval_literal(value: &ast::Interval) -> Result<Expr> {
    let amount = match value.value.as_ref() {
        ast::Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.clone(),
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
            other => return Err(unsupported(format!("the interval {other}"))),
        },
        other => return Err(unsupported(format!("the interval {other}"))),
    };
    let text = match &value.leading_field {
        Some(unit) => format!("{amount} {unit}"),
        None => amount,
    };
    interval(&text).map_err(|e| Error::Analysis(e.to_string()))
}

/// The expression arguments of a call.
fn arguments(function: &ast::Function) -> Result<(Vec<Option<Expr>>, bool)> {
    let FunctionArguments::List(list) = &function.args else {
        return Ok((Vec::new(), false));
    };
    let distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
    let mut args = Vec::with_capacity(list.args.len());
    for arg in &list.args {
        args.push(match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(convert(e)?),
            FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => None,
            other => return Err(unsupported(format!("the argument {other}"))),
        });
    }
    Ok((args, distinct))
}

/// A string literal argument.
fn text_argument(arg: &Option<Expr>, function: &str) -> Result<String> {
    match arg {
        Some(Expr::Literal(Literal::Utf8(s))) => Ok(s.clone()),
        _ => Err(Error::Analysis(format!(
            "{function}: expected a string literal argument"
        ))),
    }
}

fn call(function: &ast::Function) -> Result<Expr> {
    let name = function.name.to_string().to_ascii_lowercase();
    let (args, distinct) = arguments(function)?;
    let one = |args: &[Option<Expr>]| {
        match args {
        [Some(e)] => Ok(e.clone()),
        _ => Err(Error::Analysis(format!(
            "[WRONG_NUM_ARGS] The `{name}` requires 1 parameters but the actual number is {}. SQLSTATE: 42605",
            args.len()
        ))),
    }
    };
    if distinct && name != "count" {
        return Err(unsupported(format!("{name}(DISTINCT ...)")));
    }
    Ok(match name.as_str() {
        "count" if distinct => aggregate::count_distinct(one(&args)?),
        "count" => match args.as_slice() {
            [None] => aggregate::count_star(),
            _ => aggregate::count(one(&args)?),
        },
        "sum" => aggregate::sum(one(&args)?),
        "avg" | "mean" => aggregate::avg(one(&args)?),
        "min" => aggregate::min(one(&args)?),
        "max" => aggregate::max(one(&args)?),
        "first" => aggregate::first(one(&args)?),
        "last" => aggregate::last(one(&args)?),
        "approx_count_distinct" => aggregate::approx_count_distinct(one(&args)?),
        "stddev" => aggregate::stddev(one(&args)?),
        "stddev_samp" => aggregate::stddev_samp(one(&args)?),
        "stddev_pop" => aggregate::stddev_pop(one(&args)?),
        "variance" => aggregate::variance(one(&args)?),
        "var_samp" => aggregate::var_samp(one(&args)?),
        "var_pop" => aggregate::var_pop(one(&args)?),
        "to_timestamp" => match args.as_slice() {
            [Some(e)] => spate_operators::expr::to_timestamp(e.clone()),
            [Some(e), format] => {
                to_timestamp_with_format(e.clone(), &text_argument(format, &name)?)
            }
            _ => {
                return Err(Error::Analysis(
                    "to_timestamp takes 1 or 2 arguments".into(),
                ))
            }
        },
        "window" => match args.as_slice() {
            [Some(time), size] => aggregate::window(time.clone(), &text_argument(size, &name)?),
            [Some(time), size, slide] => aggregate::sliding_window(
                time.clone(),
                &text_argument(size, &name)?,
                &text_argument(slide, &name)?,
            ),
            [Some(time), size, slide, start] => window_with_start(
                time.clone(),
                &text_argument(size, &name)?,
                &text_argument(slide, &name)?,
                &text_argument(start, &name)?,
            ),
            _ => return Err(Error::Analysis("window takes 2 to 4 arguments".into())),
        },
        "lit" => one(&args)?,
        "like" if args.len() == 3 => match args.as_slice() {
            [Some(e), Some(pattern), Some(Expr::Literal(Literal::Utf8(escape)))]
                if escape.chars().count() == 1 =>
            {
                let escape = escape.chars().next().unwrap_or('\\');
                e.clone().string_test(StringTest::Like { escape }, pattern.clone())
            }
            _ => {
                return Err(Error::Analysis(
                    "like takes a string, a pattern and an optional one-character escape".into(),
                ))
            }
        },
        "like" | "startswith" | "endswith" | "contains" => match args.as_slice() {
            [Some(e), Some(other)] => {
                let test = match name.as_str() {
                    "like" => StringTest::Like { escape: '\\' },
                    "startswith" => StringTest::StartsWith,
                    "endswith" => StringTest::EndsWith,
                    _ => StringTest::Contains,
                };
                e.clone().string_test(test, other.clone())
            }
            _ => {
                return Err(Error::Analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires 2 parameters but the actual number is {}. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix. SQLSTATE: 42605",
                    args.len()
                )))
            }
        },
        "coalesce" => spate_operators::expr::coalesce(args.into_iter().flatten()),
        "lower" | "upper" | "length" | "ltrim" | "rtrim" => {
            let function = match name.as_str() {
                "lower" => StringFunction::Lower,
                "upper" => StringFunction::Upper,
                "length" => StringFunction::Length,
                "ltrim" => StringFunction::LTrim,
                _ => StringFunction::RTrim,
            };
            Expr::StringFunction(function, vec![one(&args)?])
        }
        "concat" => spate_operators::expr::concat(args.into_iter().flatten()),
        "concat_ws" => {
            let args = args.into_iter().collect::<Option<Vec<Expr>>>().ok_or_else(|| {
                Error::Analysis("concat_ws takes a separator and values, not `*`".into())
            })?;
            Expr::StringFunction(StringFunction::ConcatWs, args)
        }
        // Not `now()`: Spark's streaming batches give it the time their plan is optimized,
        // which no log keeps.
        "current_timestamp" if args.iter().all(Option::is_none) => {
            spate_operators::expr::current_timestamp()
        }
        "current_date" if args.iter().all(Option::is_none) => spate_operators::expr::current_date(),
        "to_date" => match args.as_slice() {
            [Some(e)] => spate_operators::expr::to_date(e.clone()),
            [Some(e), format] => spate_operators::expr::to_date_with_format(
                e.clone(),
                &text_argument(format, &name)?,
            ),
            _ => return Err(Error::Analysis("to_date takes 1 or 2 arguments".into())),
        },
        "year" | "month" | "dayofmonth" | "hour" | "minute" | "second" => {
            let part = match name.as_str() {
                "year" => DatePart::Year,
                "month" => DatePart::Month,
                "dayofmonth" => DatePart::DayOfMonth,
                "hour" => DatePart::Hour,
                "minute" => DatePart::Minute,
                _ => DatePart::Second,
            };
            Expr::DatePart(part, Box::new(one(&args)?))
        }
        "abs" | "sqrt" | "pow" | "power" => {
            let function = match name.as_str() {
                "abs" => MathFunction::Abs,
                "sqrt" => MathFunction::Sqrt,
                _ => MathFunction::Pow,
            };
            let args = args.into_iter().collect::<Option<Vec<Expr>>>().ok_or_else(|| {
                Error::Analysis(format!("{name} takes numbers, not `*`"))
            })?;
            Expr::Math(function, args)
        }
        "date_format" => match args.as_slice() {
            [Some(e), pattern] => date_format(e.clone(), &text_argument(pattern, &name)?),
            _ => return Err(Error::Analysis("date_format takes a timestamp and a pattern".into())),
        },
        "rlike" => match args.as_slice() {
            [Some(e), pattern] => e.clone().rlike(&text_argument(pattern, &name)?),
            _ => return Err(Error::Analysis("rlike takes a string and a pattern".into())),
        },
        "regexp_replace" => match args.as_slice() {
            [Some(e), pattern, replacement] => regexp_replace(
                e.clone(),
                &text_argument(pattern, &name)?,
                &text_argument(replacement, &name)?,
            ),
            _ => {
                return Err(Error::Analysis(
                    "regexp_replace takes a string, a pattern and a replacement".into(),
                ))
            }
        },
        "regexp_extract" => match args.as_slice() {
            [Some(e), pattern] => regexp_extract(e.clone(), &text_argument(pattern, &name)?, 1),
            [Some(e), pattern, Some(Expr::Literal(Literal::Int32(index)))] => {
                regexp_extract(e.clone(), &text_argument(pattern, &name)?, *index)
            }
            _ => {
                return Err(Error::Analysis(
                    "regexp_extract takes a string, a pattern and an optional group index".into(),
                ))
            }
        },
        "split" => match args.as_slice() {
            [Some(e), regex] => spate_operators::expr::split(e.clone(), &text_argument(regex, &name)?),
            [Some(e), regex, Some(Expr::Literal(Literal::Int32(limit)))] => {
                split_with_limit(e.clone(), &text_argument(regex, &name)?, *limit)
            }
            _ => {
                return Err(Error::Analysis(
                    "split takes a string, a regular expression and an optional integer limit"
                        .into(),
                ))
            }
        },
        "explode" => spate_operators::expr::explode(one(&args)?),
        "struct" => spate_operators::expr::struct_(
            args.into_iter().map(|arg| arg.unwrap_or_else(|| col("*"))),
        ),
        "to_json" => crate::json::to_json(one(&args)?),
        "get_json_object" => match args.as_slice() {
            [Some(e), path] => crate::json::get_json_object(e.clone(), &text_argument(path, &name)?)?,
            _ => {
                return Err(Error::Analysis(
                    "get_json_object takes a string and a path".into(),
                ))
            }
        },
        "date_add" | "date_sub" | "datediff" => match args.as_slice() {
            [Some(a), Some(b)] => {
                let function = match name.as_str() {
                    "date_add" => DateFunction::DateAdd,
                    "date_sub" => DateFunction::DateSub,
                    _ => DateFunction::DateDiff,
                };
                Expr::DateFunction(function, vec![a.clone(), b.clone()])
            }
            _ => return Err(Error::Analysis(format!("{name} takes two arguments"))),
        },
        "date_trunc" => match args.as_slice() {
            [unit, Some(t)] => spate_operators::expr::date_trunc(&text_argument(unit, &name)?, t.clone()),
            _ => return Err(Error::Analysis("date_trunc takes a unit and a timestamp".into())),
        },
        "trunc" => match args.as_slice() {
            [Some(d), unit] => spate_operators::expr::trunc(d.clone(), &text_argument(unit, &name)?),
            _ => return Err(Error::Analysis("trunc takes a date and a unit".into())),
        },
        "unix_timestamp" | "to_unix_timestamp" => {
            let (e, pattern) = match args.as_slice() {
                [] if name == "unix_timestamp" => (Expr::CurrentTimestamp, None),
                [Some(e)] => (e.clone(), None),
                [Some(e), pattern] => (e.clone(), Some(text_argument(pattern, &name)?)),
                _ => {
                    return Err(Error::Analysis(format!(
                        "{name} takes a time and an optional pattern"
                    )))
                }
            };
            let function = DateFunction::UnixTimestamp {
                name: if name == "unix_timestamp" { "unix_timestamp" } else { "to_unix_timestamp" },
                pattern: pattern.unwrap_or_else(|| DEFAULT_TIME_PATTERN.to_string()),
            };
            Expr::DateFunction(function, vec![e])
        }
        "from_unixtime" => match args.as_slice() {
            [Some(s)] => spate_operators::expr::from_unixtime(s.clone()),
            [Some(s), pattern] => spate_operators::expr::from_unixtime_with_format(
                s.clone(),
                &text_argument(pattern, &name)?,
            ),
            _ => {
                return Err(Error::Analysis(
                    "from_unixtime takes seconds and an optional pattern".into(),
                ))
            }
        },
        "timestamp_seconds" => spate_operators::expr::timestamp_seconds(one(&args)?),
        "try_to_timestamp" => match args.as_slice() {
            [Some(e)] => spate_operators::expr::try_to_timestamp(e.clone()),
            [Some(e), format] => spate_operators::expr::try_to_timestamp_with_format(
                e.clone(),
                &text_argument(format, &name)?,
            ),
            _ => {
                return Err(Error::Analysis(
                    "try_to_timestamp takes 1 or 2 arguments".into(),
                ))
            }
        },
        "size" => spate_operators::expr::size(one(&args)?),
        "element_at" | "try_element_at" => match args.as_slice() {
            [Some(e), Some(Expr::Literal(Literal::Int32(n)))] if name == "element_at" => {
                spate_operators::expr::element_at(e.clone(), *n)
            }
            [Some(e), Some(Expr::Literal(Literal::Int32(n)))] => {
                spate_operators::expr::try_element_at(e.clone(), *n)
            }
            _ => {
                return Err(Error::Analysis(format!(
                    "{name} takes an array and an integer literal"
                )))
            }
        },
        "from_json" => match args.as_slice() {
            [Some(e), schema] => crate::json::from_json(e.clone(), text_argument(schema, &name)?.as_str())?,
            _ => {
                return Err(Error::Analysis(
                    "from_json takes a string and a schema (DDL text)".into(),
                ))
            }
        },
        "explode_outer" => spate_operators::expr::explode_outer(one(&args)?),
        "round" => match args.as_slice() {
            [Some(e)] => spate_operators::expr::round(e.clone(), 0),
            [Some(e), Some(Expr::Literal(Literal::Int32(scale)))] => {
                spate_operators::expr::round(e.clone(), *scale)
            }
            _ => {
                return Err(Error::Analysis(
                    "round takes a value and an optional integer scale".into(),
                ))
            }
        },
        _ => {
            let close: Vec<&str> = FUNCTIONS
                .iter()
                .copied()
                .filter(|f| strsim(f, &name) <= 2 || f.contains(name.as_str()))
                .collect();
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!(" Did you mean {}?", close.join(", "))
            };
            return Err(Error::Analysis(format!(
                "[UNRESOLVED_ROUTINE] Cannot resolve routine `{name}` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`].{hint} SQLSTATE: 42883"
            )));
        }
    })
}

/// Edit distance between two short names.
fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> String {
        expr(text).unwrap().output_name()
    }

    #[test]
    fn a_negative_number_is_one_literal() {
        assert_eq!(name("-5"), "-5");
        // Anything else negated is named as Spark's SQL parser names it (PySpark 4.3).
        assert_eq!(name("-value"), "(- value)");
        assert_eq!(name("- id"), "(- id)");
        assert_eq!(expr("-5").unwrap(), Expr::Literal(Literal::Int32(-5)));
        assert_eq!(
            expr("-2147483648").unwrap(),
            Expr::Literal(Literal::Int32(i32::MIN))
        );
        assert_eq!(expr("-1.5").unwrap(), Expr::Literal(Literal::Float64(-1.5)));
    }

    #[test]
    fn string_functions_are_named_as_spark_names_them() {
        // PySpark 4.3 `selectExpr(...).columns`.
        assert_eq!(name("trim(name)"), "trim(name)");
        assert_eq!(name("rtrim(name)"), "rtrim(name)");
        assert_eq!(name("concat(name, 'x')"), "concat(name, x)");
        assert_eq!(name("name LIKE 'a%' ESCAPE '!'"), "name LIKE a% ESCAPE '!'");
        assert_eq!(name("explode(split(name, ' ')) AS w"), "w");
        assert!(expr("TRIM(BOTH 'a' FROM name)").is_err());
        assert!(expr("name LIKE 'a' ESCAPE '!!'").is_err());
        assert!(expr("stddev(DISTINCT value)").is_err());
        assert!(expr("count(DISTINCT value)").is_ok());
        assert_eq!(name("like(name, 'a%', '!')"), "name LIKE a% ESCAPE '!'");
    }

    #[test]
    fn string_literals_are_unescaped_as_sparks_parser_does() {
        let text = |sql: &str| match expr(sql) {
            Ok(Expr::Literal(Literal::Utf8(s))) => s,
            other => panic!("{other:?}"),
        };
        assert_eq!(text(r"'\\s+'"), r"\s+");
        assert_eq!(text(r"'a\%b\_c'"), r"a\%b\_c");
        assert_eq!(text(r"'\s\n\t\u0041\101\Z'"), "s\n\tAA\u{1a}");
        assert_eq!(text(r#""x\\y""#), r"x\y");
    }

    #[test]
    fn an_alias_needs_no_as() {
        assert_eq!(name("value * 2 doubled"), "doubled");
        assert_eq!(name("value * 2 AS doubled"), "doubled");
        assert_eq!(name("value * 2 `the double`"), "the double");
        assert!(expr("value * 2 doubled again").is_err());
    }

    #[test]
    fn double_quoted_text_is_a_string_as_in_spark() {
        assert_eq!(
            expr(r#"name = "Event_2""#).unwrap(),
            col("name").eq(Expr::Literal(Literal::Utf8("Event_2".into())))
        );
        assert_eq!(
            expr(r#"to_timestamp(timestamp, "yyyy-MM-dd HH:mm:ss")"#).unwrap(),
            expr("to_timestamp(timestamp, 'yyyy-MM-dd HH:mm:ss')").unwrap()
        );
        // Back-quotes still name a column.
        assert_eq!(expr("`name`").unwrap(), col("name"));
    }

    #[test]
    fn the_lab_join_condition_parses() {
        let condition = expr(
            "id = id2 AND
             stream1_wm.event_time >= stream2_wm.event_time - interval 5 minutes AND
             stream1_wm.event_time <= stream2_wm.event_time + interval 5 minutes",
        )
        .unwrap();
        assert_eq!(
            condition.columns(),
            [
                "id",
                "id2",
                "stream1_wm.event_time",
                "stream2_wm.event_time"
            ]
        );
        assert_eq!(
            condition,
            col("id")
                .eq(col("id2"))
                .and(
                    col("stream1_wm.event_time")
                        .gt_eq(col("stream2_wm.event_time") - interval("5 minutes").unwrap())
                )
                .and(
                    col("stream1_wm.event_time")
                        .lt_eq(col("stream2_wm.event_time") + interval("5 minutes").unwrap())
                )
        );
    }

    #[test]
    fn expressions_get_sparks_names() {
        assert_eq!(name("value * 2"), "(value * 2)");
        assert_eq!(name("value > 100 AND NOT b"), "((value > 100) AND (NOT b))");
        assert_eq!(name("CAST(value AS INT)"), "value");
        assert_eq!(name("count(*)"), "count(1)");
        assert_eq!(name("count(DISTINCT user_id)"), "count(DISTINCT user_id)");
        assert_eq!(name("sum(value) AS total"), "total");
        assert_eq!(
            name("`event time` + interval 1 hour"),
            "(event time + INTERVAL '01' HOUR)"
        );
        assert_eq!(name("interval '5' minute"), "INTERVAL '05' MINUTE");
        assert_eq!(name("interval '5 minutes'"), "INTERVAL '05' MINUTE");
        assert_eq!(
            name("CASE WHEN value > 1 THEN 'hi' ELSE 'lo' END"),
            "CASE WHEN (value > 1) THEN hi ELSE lo END"
        );
        assert_eq!(name("to_timestamp(timestamp)"), "to_timestamp(timestamp)");
        assert_eq!(name("x BETWEEN 1 AND 2"), "((x >= 1) AND (x <= 2))");
    }

    #[test]
    fn unknown_functions_and_bad_syntax_are_named() {
        let error = expr("summ(value)").unwrap_err().to_string();
        assert!(
            error.starts_with("[UNRESOLVED_ROUTINE] Cannot resolve routine `summ`"),
            "{error}"
        );
        assert!(error.contains("Did you mean sum?"), "{error}");
        for bad in ["value >", "value v w", "a AS"] {
            let error = expr(bad).unwrap_err().to_string();
            assert!(error.starts_with("[PARSE_SYNTAX_ERROR]"), "{error}");
        }
    }
}
