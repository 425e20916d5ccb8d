//! The column names Spark generates for unaliased expressions (`toPrettySQL`), e.g.
//! `(value * 2)`, `to_timestamp(timestamp)`, `CASE WHEN (value > 100) THEN 1 ELSE 0 END`.

use super::format::{sql_timestamp_literal, sql_type_name};
use super::{BinaryOp, DateFunction, ElementAt, Expr, Literal, RegexFunction, StringTest};
use spate_runtime::text::number::java_double;
use spate_runtime::text::zone::Zone;

/// A column reference's name as written, without enclosing back-quotes (`` `a b` `` → `a b`).
pub fn unquote(name: &str) -> String {
    match name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) {
        Some(inner) if !inner.is_empty() => inner.replace("``", "`"),
        _ => name.to_string(),
    }
}

/// Whether column `name` is the one `reference` names: `reference` unquoted, the same
/// exactly or ignoring case, as Spark resolves column names.
pub fn names_match(name: &str, reference: &str) -> bool {
    names_equal(name, &unquote(reference))
}

/// Whether column `name` is the one an already unquoted reference names (as
/// [`Expr::columns`] gives them): the same exactly or ignoring case.
pub fn names_equal(name: &str, unquoted: &str) -> bool {
    name == unquoted || name.to_lowercase() == unquoted.to_lowercase()
}

/// The output column name: the alias if any; a top-level cast of a column or alias keeps that
/// name (`col("value").cast(...)` is still `value`); anything else is its pretty SQL.
pub(crate) fn output_name(expr: &Expr, tz: &Zone) -> String {
    match expr {
        Expr::Alias(_, name) => name.clone(),
        Expr::Explode(..) => "col".into(),
        // `window.start` (a struct's field) or `s1.id` (a qualified column) is named after
        // its last part, as written.
        Expr::Column(name) if !name.contains('`') && name.contains('.') => {
            name.rsplit('.').next().unwrap_or(name).to_string()
        }
        Expr::Cast(child, _) if matches!(**child, Expr::Column(_) | Expr::Alias(..)) => {
            output_name(child, tz)
        }
        // `try_cast` of a column keeps its name, as a cast does.
        Expr::Try(inner) if matches!(&**inner, Expr::Cast(c, _) if matches!(**c, Expr::Column(_) | Expr::Alias(..))) => {
            output_name(inner, tz)
        }
        other => pretty_sql(other, tz),
    }
}

/// How a literal appears in generated names (Spark's `Literal.toString`).
pub(crate) fn literal_sql(lit: &Literal, tz: &Zone) -> String {
    match lit {
        Literal::Null => "NULL".into(),
        Literal::Boolean(b) => b.to_string(),
        Literal::Int32(v) => v.to_string(),
        Literal::Int64(v) => v.to_string(),
        Literal::Float64(v) => java_double(*v),
        Literal::Utf8(s) => s.clone(),
        Literal::Timestamp(micros) => sql_timestamp_literal(*micros, tz),
        Literal::Interval(micros) => interval_sql(*micros),
    }
}

/// Spark's text of a single-unit day-time interval literal (`INTERVAL '05' MINUTE`); other
/// intervals are shown in seconds.
fn interval_sql(micros: i64) -> String {
    const UNITS: [(i64, &str); 4] = [
        (86_400_000_000, "DAY"),
        (3_600_000_000, "HOUR"),
        (60_000_000, "MINUTE"),
        (1_000_000, "SECOND"),
    ];
    for (size, unit) in UNITS {
        if micros % size == 0 {
            return format!("INTERVAL '{:02}' {unit}", micros / size);
        }
    }
    format!("INTERVAL '{}' SECOND", micros as f64 / 1e6)
}

fn op_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
        BinaryOp::Eq | BinaryOp::NotEq => "=",
        BinaryOp::Lt => "<",
        BinaryOp::LtEq => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::GtEq => ">=",
        BinaryOp::And => "AND",
        BinaryOp::Or => "OR",
    }
}

/// `name(arg, …)` with each argument's pretty SQL.
fn call_sql(name: &str, args: &[Expr], tz: &Zone) -> String {
    let args: Vec<String> = args.iter().map(|a| pretty_sql(a, tz)).collect();
    format!("{name}({})", args.join(", "))
}

/// The pretty SQL of a date-time function call.
fn date_function_sql(function: &DateFunction, args: &[Expr], tz: &Zone) -> String {
    let first = || args.first().map(|a| pretty_sql(a, tz)).unwrap_or_default();
    let name = function.name();
    match function {
        DateFunction::DateTrunc(unit) => format!("{name}({unit}, {})", first()),
        DateFunction::Trunc(unit) => format!("{name}({}, {unit})", first()),
        DateFunction::UnixTimestamp { pattern, .. } | DateFunction::FromUnixtime(pattern) => {
            format!("{name}({}, {pattern})", first())
        }
        _ => call_sql(name, args, tz),
    }
}

/// Spark's pretty SQL of an expression, as used in generated names and error messages.
pub(crate) fn pretty_sql(expr: &Expr, tz: &Zone) -> String {
    match expr {
        Expr::Column(name) => unquote(name),
        Expr::Literal(lit) => literal_sql(lit, tz),
        Expr::Binary { op, left, right } => {
            let inner = format!(
                "({} {} {})",
                pretty_sql(left, tz),
                op_symbol(*op),
                pretty_sql(right, tz)
            );
            if *op == BinaryOp::NotEq {
                format!("(NOT {inner})")
            } else {
                inner
            }
        }
        Expr::Not(e) => format!("(NOT {})", pretty_sql(e, tz)),
        Expr::IsNull(e) => format!("({} IS NULL)", pretty_sql(e, tz)),
        Expr::IsNotNull(e) => format!("({} IS NOT NULL)", pretty_sql(e, tz)),
        Expr::Alias(e, name) => format!("{} AS {}", pretty_sql(e, tz), name),
        Expr::Cast(e, dt) => format!("CAST({} AS {})", pretty_sql(e, tz), sql_type_name(dt)),
        Expr::ToTimestamp(e, None) => format!("to_timestamp({})", pretty_sql(e, tz)),
        Expr::ToTimestamp(e, Some(fmt)) => format!("to_timestamp({}, {})", pretty_sql(e, tz), fmt),
        Expr::CaseWhen {
            branches,
            otherwise,
        } => {
            let mut s = String::from("CASE");
            for (cond, value) in branches {
                s.push_str(&format!(
                    " WHEN {} THEN {}",
                    pretty_sql(cond, tz),
                    pretty_sql(value, tz)
                ));
            }
            if let Some(e) = otherwise {
                s.push_str(&format!(" ELSE {}", pretty_sql(e, tz)));
            }
            s.push_str(" END");
            s
        }
        Expr::Negate(e) => format!("negative({})", pretty_sql(e, tz)),
        Expr::Minus(e) => format!("(- {})", pretty_sql(e, tz)),
        Expr::Round(e, scale) => format!("round({}, {scale})", pretty_sql(e, tz)),
        Expr::Coalesce(values) => call_sql("coalesce", values, tz),
        Expr::In(e, values) => format!(
            "({} IN ({}))",
            pretty_sql(e, tz),
            values
                .iter()
                .map(|v| pretty_sql(v, tz))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Expr::StringTest(StringTest::Like { escape }, e, pattern) => {
            let mut text = format!("{} LIKE {}", pretty_sql(e, tz), pretty_sql(pattern, tz));
            if *escape != '\\' {
                text.push_str(&format!(" ESCAPE '{escape}'"));
            }
            text
        }
        Expr::StringTest(test, e, other) => format!(
            "{}({}, {})",
            test.function_name(),
            pretty_sql(e, tz),
            pretty_sql(other, tz)
        ),
        Expr::CurrentTimestamp => "current_timestamp()".into(),
        Expr::CurrentDate => "current_date()".into(),
        Expr::ToDate(e, None) => format!("to_date({})", pretty_sql(e, tz)),
        Expr::ToDate(e, Some(pattern)) => format!("to_date({}, {pattern})", pretty_sql(e, tz)),
        Expr::StringFunction(function, args) => call_sql(function.name(), args, tz),
        Expr::DatePart(part, e) => format!("{}({})", part.name(), pretty_sql(e, tz)),
        Expr::Math(function, args) => call_sql(function.name(), args, tz),
        Expr::DateFormat(e, pattern) => format!("date_format({}, {pattern})", pretty_sql(e, tz)),
        Expr::Regex(function, e, pattern) => {
            let e = pretty_sql(e, tz);
            match function {
                RegexFunction::Like => format!("RLIKE({e}, {pattern})"),
                RegexFunction::Replace(with) => {
                    format!("regexp_replace({e}, {pattern}, {with}, 1)")
                }
                RegexFunction::Extract(index) => format!("regexp_extract({e}, {pattern}, {index})"),
            }
        }
        Expr::Substring(e, name, pos, len) => {
            format!("{name}({}, {pos}, {len})", pretty_sql(e, tz))
        }
        Expr::Split(e, regex, limit) => format!("split({}, {regex}, {limit})", pretty_sql(e, tz)),
        Expr::Explode(e, outer) => format!(
            "{}({})",
            if *outer { "explode_outer" } else { "explode" },
            pretty_sql(e, tz)
        ),
        Expr::FromJson(e, _) => format!("from_json({})", pretty_sql(e, tz)),
        Expr::ToJson(e, _) => format!("to_json({})", pretty_sql(e, tz)),
        Expr::GetJsonObject(e, path) => {
            format!("get_json_object({}, {})", pretty_sql(e, tz), path.path)
        }
        Expr::Struct(values) => call_sql("struct", values, tz),
        Expr::Size(e) => format!("size({})", pretty_sql(e, tz)),
        Expr::DateFunction(function, args) => date_function_sql(function, args, tz),
        Expr::Try(inner) => match pretty_sql(inner, tz) {
            cast if matches!(**inner, Expr::Cast(..)) => format!("TRY_{cast}"),
            call => format!("try_{call}"),
        },
        Expr::Element(e, ElementAt::Index(i)) => format!("{}[{i}]", pretty_sql(e, tz)),
        Expr::Element(e, ElementAt::Position(n)) => {
            format!("element_at({}, {n})", pretty_sql(e, tz))
        }
        Expr::Aggregate(function, e) => function.sql(&pretty_sql(e, tz)),
        Expr::Window(..) => "window".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{col, lit, to_timestamp, to_timestamp_with_format, when};
    use super::*;
    use arrow::datatypes::DataType;

    fn name(e: Expr) -> String {
        e.output_name()
    }

    #[test]
    fn names_match_pyspark_columns() {
        // `df.select(expr).columns` in PySpark 4.3.
        assert_eq!(name(col("value") * 2), "(value * 2)");
        assert_eq!(name(col("value").gt(100)), "(value > 100)");
        assert_eq!(
            name(to_timestamp(col("timestamp"))),
            "to_timestamp(timestamp)"
        );
        assert_eq!(
            name(to_timestamp_with_format(
                col("timestamp"),
                "yyyy-MM-dd HH:mm:ss"
            )),
            "to_timestamp(timestamp, yyyy-MM-dd HH:mm:ss)"
        );
        assert_eq!(name(lit(1)), "1");
        assert_eq!(name(lit(2.5)), "2.5");
        assert_eq!(name(lit("a")), "a");
        assert_eq!(name(lit(true)), "true");
        assert_eq!(name(Expr::Literal(Literal::Null)), "NULL");
        assert_eq!(name(lit(1_099_511_627_776i64)), "1099511627776");
        assert_eq!(name(lit(1e20)), "1.0E20");
        assert_eq!(name(lit(1e-5)), "1.0E-5");
        assert_eq!(name(lit(-3)), "-3");
        assert_eq!(name(lit(3.0)), "3.0");
        assert_eq!(name(lit(f64::NAN)), "NaN");
        assert_eq!(name(lit(f64::INFINITY)), "Infinity");
        assert_eq!(name(col("value").is_null()), "(value IS NULL)");
        assert_eq!(name(col("value").is_not_null()), "(value IS NOT NULL)");
        assert_eq!(name(col("value").cast(DataType::Int32)), "value");
        assert_eq!(
            name((col("id") + 1).cast(DataType::Utf8)),
            "CAST((id + 1) AS STRING)"
        );
        assert_eq!(name(lit("5").cast(DataType::Int32)), "CAST(5 AS INT)");
        assert_eq!(name(col("id").alias("z").cast(DataType::Utf8)), "z");
        assert_eq!(
            name(col("id").cast(DataType::Int16) + col("id").cast(DataType::Int8)),
            "(CAST(id AS SMALLINT) + CAST(id AS TINYINT))"
        );
        assert_eq!(
            name(when(col("value").gt(100), 1).otherwise(0)),
            "CASE WHEN (value > 100) THEN 1 ELSE 0 END"
        );
        assert_eq!(
            name(when(col("value").gt(100), "hi").when(col("value").gt(50), "mid")),
            "CASE WHEN (value > 100) THEN hi WHEN (value > 50) THEN mid END"
        );
        assert_eq!(name(!col("b")), "(NOT b)");
        assert_eq!(name(col("b").not().not()), "(NOT (NOT b))");
        assert_eq!(name(-col("value")), "negative(value)");
        assert_eq!(name(-lit(5)), "negative(5)");
        assert_eq!(
            name(col("value").gt(1).and(col("b"))),
            "((value > 1) AND b)"
        );
        assert_eq!(name(col("value").gt(1).or(col("b"))), "((value > 1) OR b)");
        assert_eq!(name(col("id") % 2), "(id % 2)");
        assert_eq!(name(col("id") / 2), "(id / 2)");
        assert_eq!(name(col("id").not_eq(1)), "(NOT (id = 1))");
        assert_eq!(name(col("id").lt_eq(1)), "(id <= 1)");
        assert_eq!(name(col("id").gt_eq(1)), "(id >= 1)");
        assert_eq!(name((col("id") + 1) * 2), "((id + 1) * 2)");
        assert_eq!(name(col("id").alias("x") + 1), "(id AS x + 1)");
        assert_eq!(name((col("id") + 1).alias("y")), "y");
        assert_eq!(name(col("s").eq("it's")), "(s = it's)");
        assert_eq!(
            name(col("v").is_null().or(col("s").is_not_null())),
            "((v IS NULL) OR (s IS NOT NULL))"
        );
        assert_eq!(
            name(col("t").gt(Expr::Literal(Literal::Timestamp(1_704_067_200_000_000)))),
            "(t > TIMESTAMP '2024-01-01 00:00:00')"
        );
        assert_eq!(
            name(to_timestamp(Expr::Literal(Literal::Timestamp(
                1_704_067_200_000_000
            )))),
            "to_timestamp(TIMESTAMP '2024-01-01 00:00:00')"
        );
        assert_eq!(
            name(when(col("b"), when(col("id").gt(0), "p").otherwise("n"))),
            "CASE WHEN b THEN CASE WHEN (id > 0) THEN p ELSE n END END"
        );
        assert_eq!(name(col("S")), "S");
        assert_eq!(name(col("`a b`")), "a b");
    }
}
