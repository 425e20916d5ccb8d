//! End-to-end tests: expressions resolved and evaluated over record batches, against what Spark
//! 4.3 (PySpark, `local[1]`, session time zone UTC) printed for the same expressions.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema};
use spate_runtime::text::zone::Zone;
use spate_runtime::types::timestamp_type;

use super::*;

const TS_2024_01_15_10H: i64 = 1_705_312_800_000_000;

fn ctx(ansi: bool) -> EvalContext {
    EvalContext {
        ansi,
        ..EvalContext::default()
    }
}

/// The schema of the Spark runs: `id int NOT NULL, value double, n bigint, s string,
/// b boolean, timestamp string, ts timestamp`.
fn schema() -> Schema {
    Schema::new(vec![
        Field::new("id", DataType::Int32, false),
        Field::new("value", DataType::Float64, true),
        Field::new("n", DataType::Int64, true),
        Field::new("s", DataType::Utf8, true),
        Field::new("b", DataType::Boolean, true),
        Field::new("timestamp", DataType::Utf8, true),
        Field::new("ts", timestamp_type(), true),
    ])
}

fn batch() -> RecordBatch {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(vec![1, 2, 3])),
        Arc::new(Float64Array::from(vec![Some(150.0), Some(100.0), None])),
        Arc::new(Int64Array::from(vec![Some(10), None, Some(30)])),
        Arc::new(StringArray::from(vec![Some("5"), Some("abc"), None])),
        Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
        Arc::new(StringArray::from(vec![
            Some("2024-01-15 10:00:00"),
            Some("not a time"),
            None,
        ])),
        Arc::new(
            TimestampMicrosecondArray::from(vec![Some(TS_2024_01_15_10H + 123_000), None, Some(0)])
                .with_timezone("UTC"),
        ),
    ];
    RecordBatch::try_new(Arc::new(schema()), columns).unwrap_or_else(|e| panic!("test batch: {e}"))
}

fn first_row_batch() -> RecordBatch {
    batch().slice(0, 1)
}

fn eval(e: &Expr, batch: &RecordBatch, ansi: bool) -> Result<ArrayRef, String> {
    e.evaluate(batch, &ctx(ansi)).map_err(|e| e.to_string())
}

fn field(e: &Expr, ansi: bool) -> (String, String, bool) {
    match e.output_field_with(&schema(), &ctx(ansi)) {
        Ok(f) => (
            f.name().clone(),
            spate_runtime::types::spark_type_name(f.data_type()),
            f.is_nullable(),
        ),
        Err(err) => (format!("ERR {err}"), String::new(), false),
    }
}

fn err(e: &Expr, batch: &RecordBatch, ansi: bool) -> String {
    eval(e, batch, ansi).err().unwrap_or_default()
}

fn arr<A: Array + 'static>(a: A) -> ArrayRef {
    Arc::new(a)
}

#[test]
fn output_fields_match_spark_print_schema() {
    // (expression, name, type, nullable) from `df.select(e).schema` in Spark 4.3, ANSI on.
    let cases: Vec<(Expr, &str, &str, bool)> = vec![
        (col("value") * 2, "(value * 2)", "double", true),
        (col("value").gt(100), "(value > 100)", "boolean", true),
        (
            to_timestamp(col("timestamp")),
            "to_timestamp(timestamp)",
            "timestamp",
            true,
        ),
        (
            to_timestamp_with_format(col("timestamp"), "yyyy-MM-dd HH:mm:ss"),
            "to_timestamp(timestamp, yyyy-MM-dd HH:mm:ss)",
            "timestamp",
            true,
        ),
        (lit(1), "1", "int", false),
        (lit(2.5), "2.5", "double", false),
        (lit("a"), "a", "string", false),
        (lit(true), "true", "boolean", false),
        (Expr::Literal(Literal::Null), "NULL", "void", true),
        (lit(1_099_511_627_776i64), "1099511627776", "bigint", false),
        (col("value").is_null(), "(value IS NULL)", "boolean", false),
        (
            col("value").is_not_null(),
            "(value IS NOT NULL)",
            "boolean",
            false,
        ),
        (col("value").cast(DataType::Int32), "value", "int", true),
        (col("id").cast(DataType::Utf8), "id", "string", false),
        (
            col("timestamp").cast(timestamp_type()),
            "timestamp",
            "timestamp",
            true,
        ),
        (col("id").cast(DataType::Int64), "id", "bigint", false),
        (col("id").cast(DataType::Float64), "id", "double", false),
        (col("id").cast(DataType::Boolean), "id", "boolean", false),
        (col("id").cast(timestamp_type()), "id", "timestamp", false),
        (
            when(col("value").gt(100), 1).otherwise(0),
            "CASE WHEN (value > 100) THEN 1 ELSE 0 END",
            "int",
            false,
        ),
        (
            when(col("value").gt(100), "hi").when(col("value").gt(50), "mid"),
            "CASE WHEN (value > 100) THEN hi WHEN (value > 50) THEN mid END",
            "string",
            true,
        ),
        (!col("b"), "(NOT b)", "boolean", true),
        (-col("value"), "negative(value)", "double", true),
        (-col("id"), "negative(id)", "int", false),
        (
            col("value").gt(1).and(col("b")),
            "((value > 1) AND b)",
            "boolean",
            true,
        ),
        (
            col("value").gt(1).or(col("b")),
            "((value > 1) OR b)",
            "boolean",
            true,
        ),
        (col("id") % 2, "(id % 2)", "int", true),
        (col("id") / 2, "(id / 2)", "double", true),
        (col("id") + col("n"), "(id + n)", "bigint", true),
        (col("id") - 1, "(id - 1)", "int", false),
        (col("id").eq(1), "(id = 1)", "boolean", false),
        (col("id").not_eq(1), "(NOT (id = 1))", "boolean", false),
        ((col("id") + 1) * 2, "((id + 1) * 2)", "int", false),
        (col("id").alias("x") + 1, "(id AS x + 1)", "int", false),
        ((col("id") + 1).alias("y"), "y", "int", false),
        (col("s").eq(1), "(s = 1)", "boolean", true),
        (col("s") + 1, "(s + 1)", "bigint", true),
        (col("s") * col("value"), "(s * value)", "double", true),
        (
            col("ts").gt("2024-01-01"),
            "(ts > 2024-01-01)",
            "boolean",
            true,
        ),
        (
            Expr::Literal(Literal::Timestamp(TS_2024_01_15_10H)),
            "TIMESTAMP '2024-01-15 10:00:00'",
            "timestamp",
            false,
        ),
        (col("ts").cast(DataType::Utf8), "ts", "string", true),
        (
            col("id").cast(DataType::Utf8).cast(DataType::Int32),
            "CAST(CAST(id AS STRING) AS INT)",
            "int",
            true,
        ),
        (
            when(col("b"), col("value")),
            "CASE WHEN b THEN value END",
            "double",
            true,
        ),
        (
            to_timestamp(col("ts")),
            "to_timestamp(ts)",
            "timestamp",
            true,
        ),
        (col("value") * 2.0, "(value * 2.0)", "double", true),
        (lit(1) + lit(2), "(1 + 2)", "int", false),
        (
            (col("id") + 1).cast(DataType::Utf8),
            "CAST((id + 1) AS STRING)",
            "string",
            false,
        ),
        (
            lit("5").cast(DataType::Int32),
            "CAST(5 AS INT)",
            "int",
            true,
        ),
        (
            when(col("b"), 1).otherwise("x"),
            "CASE WHEN b THEN 1 ELSE x END",
            "bigint",
            true,
        ),
        (
            when(col("b"), 1).otherwise(2.5),
            "CASE WHEN b THEN 1 ELSE 2.5 END",
            "double",
            false,
        ),
        (
            when(col("b"), 1).otherwise(col("n")),
            "CASE WHEN b THEN 1 ELSE n END",
            "bigint",
            true,
        ),
        (
            when(col("b"), 1).otherwise(Expr::Literal(Literal::Null)),
            "CASE WHEN b THEN 1 ELSE NULL END",
            "int",
            true,
        ),
        (
            col("id").eq(Expr::Literal(Literal::Null)),
            "(id = NULL)",
            "boolean",
            true,
        ),
        (
            -Expr::Literal(Literal::Null),
            "negative(NULL)",
            "double",
            true,
        ),
        (!Expr::Literal(Literal::Null), "(NOT NULL)", "boolean", true),
        (
            Expr::Literal(Literal::Null).is_null(),
            "(NULL IS NULL)",
            "boolean",
            false,
        ),
        (
            to_timestamp(lit("2024-01-15")),
            "to_timestamp(2024-01-15)",
            "timestamp",
            true,
        ),
        (
            to_timestamp_with_format(lit("2024-01-15"), "yyyy-MM-dd"),
            "to_timestamp(2024-01-15, yyyy-MM-dd)",
            "timestamp",
            false,
        ),
        (to_timestamp(lit(1)), "to_timestamp(1)", "timestamp", false),
        (
            to_timestamp(lit(1.5)),
            "to_timestamp(1.5)",
            "timestamp",
            true,
        ),
        (col("S"), "S", "string", true),
    ];
    for (e, name, ty, nullable) in cases {
        let want = (name.to_string(), ty.to_string(), nullable);
        assert_eq!(field(&e, true), want, "{e:?}");
    }
}

#[test]
fn output_fields_without_ansi() {
    // Spark 4.3 with spark.sql.ansi.enabled=false.
    assert_eq!(
        field(&(col("s") + 1), false),
        ("(s + 1)".into(), "double".into(), true)
    );
    assert_eq!(
        field(&when(col("b"), 1).otherwise("x"), false),
        (
            "CASE WHEN b THEN 1 ELSE x END".into(),
            "string".into(),
            false
        )
    );
    assert_eq!(
        field(&(col("s") + col("s")), false),
        ("(s + s)".into(), "double".into(), true)
    );
    assert_eq!(
        field(
            &to_timestamp_with_format(lit("2024-01-15"), "yyyy-MM-dd"),
            false
        ),
        (
            "to_timestamp(2024-01-15, yyyy-MM-dd)".into(),
            "timestamp".into(),
            true
        )
    );
    assert_eq!(
        field(&lit(true).cast(timestamp_type()), false),
        ("CAST(true AS TIMESTAMP)".into(), "timestamp".into(), false)
    );
}

#[test]
fn lab_projection_values() {
    // The seed lab's projection: value * 2, value > 100, to_timestamp(timestamp).
    let b = first_row_batch();
    assert_eq!(
        eval(&(col("value") * 2), &b, true),
        Ok(arr(Float64Array::from(vec![300.0])))
    );
    assert_eq!(
        eval(&col("value").gt(100), &b, true),
        Ok(arr(BooleanArray::from(vec![true])))
    );
    assert_eq!(
        eval(&to_timestamp(col("timestamp")), &b, true),
        Ok(arr(TimestampMicrosecondArray::from(vec![
            TS_2024_01_15_10H
        ])
        .with_timezone("UTC")))
    );
    // Spark 4.3: Event_1 has value 100.0 and `value > 100` is false for it.
    assert_eq!(
        eval(&col("value").gt(100), &batch(), true),
        Ok(arr(BooleanArray::from(vec![Some(true), Some(false), None])))
    );
}

#[test]
fn literals_broadcast_to_the_batch() {
    let b = batch();
    assert_eq!(
        eval(&lit(1), &b, true),
        Ok(arr(Int32Array::from(vec![1, 1, 1])))
    );
    assert_eq!(
        eval(&(lit(1) + lit(2)), &b, true),
        Ok(arr(Int32Array::from(vec![3, 3, 3])))
    );
    assert_eq!(
        eval(&Expr::Literal(Literal::Null), &b, true).map(|a| (a.len(), a.logical_null_count())),
        Ok((3, 3))
    );
    let empty = b.slice(0, 0);
    assert_eq!(eval(&lit("x"), &empty, true).map(|a| a.len()), Ok(0));
}

#[test]
fn to_timestamp_ansi_error_or_null() {
    // Spark 4.3 error text for `to_timestamp(col("timestamp"))` on 'not a time' (ANSI on);
    // NULL with ANSI off; NULL stays NULL.
    let e = to_timestamp(col("timestamp"));
    assert_eq!(
        err(&e, &batch(), true),
        "[CAST_INVALID_INPUT] The value 'not a time' of the type \"STRING\" cannot be cast to \
         \"TIMESTAMP\" because it is malformed. Correct the value as per the syntax, or change its \
         target type. Use `try_cast` to tolerate malformed input and return NULL instead. \
         SQLSTATE: 22018"
    );
    assert_eq!(
        eval(&e, &batch(), false),
        Ok(arr(TimestampMicrosecondArray::from(vec![
            Some(TS_2024_01_15_10H),
            None,
            None
        ])
        .with_timezone("UTC")))
    );
    let with_format = to_timestamp_with_format(col("timestamp"), "yyyy-MM-dd HH:mm:ss");
    assert_eq!(
        err(&with_format, &batch(), true),
        "[CANNOT_PARSE_TIMESTAMP] Text 'not a time' could not be parsed at index 0. Use \
         `try_to_timestamp` to tolerate invalid input string and return NULL instead. SQLSTATE: 22007"
    );
    assert_eq!(
        eval(&with_format, &batch(), false),
        Ok(arr(TimestampMicrosecondArray::from(vec![
            Some(TS_2024_01_15_10H),
            None,
            None
        ])
        .with_timezone("UTC")))
    );
    // A timestamp passes through, numbers are seconds (Spark 4.3: to_timestamp(1) = 00:00:01).
    assert_eq!(
        eval(&to_timestamp(col("ts")), &batch(), true),
        Ok(batch().column(6).clone())
    );
    assert_eq!(
        eval(&to_timestamp(lit(1)), &first_row_batch(), true),
        Ok(arr(
            TimestampMicrosecondArray::from(vec![1_000_000]).with_timezone("UTC")
        ))
    );
    // Spark 4.3: to_timestamp(true) fails on the value 'true' (ANSI), NULL otherwise.
    assert!(err(&to_timestamp(lit(true)), &first_row_batch(), true)
        .contains("The value 'true' of the type \"STRING\""));
}

#[test]
fn session_time_zone_is_used() {
    let plus_one = EvalContext {
        time_zone: Zone::Fixed(3600),
        ..EvalContext::default()
    };
    let b = first_row_batch();
    let parsed = to_timestamp(col("timestamp")).evaluate(&b, &plus_one).ok();
    assert_eq!(
        parsed,
        Some(arr(TimestampMicrosecondArray::from(vec![
            TS_2024_01_15_10H - 3_600_000_000
        ])
        .with_timezone("UTC")))
    );
    let text = col("ts").cast(DataType::Utf8).evaluate(&b, &plus_one).ok();
    assert_eq!(
        text,
        Some(arr(StringArray::from(vec!["2024-01-15 11:00:00.123"])))
    );
}

#[test]
fn region_session_time_zone_across_daylight_saving_changes() {
    // Spark 4.3 with spark.sql.session.timeZone=America/Los_Angeles: `to_timestamp(s)`,
    // `to_timestamp(s, 'yyyy-MM-dd HH:mm:ss')` (unix_micros of both) and the timestamp cast
    // back to a string. 02:30 on 2024-03-10 falls in the spring-forward gap and becomes 03:30
    // PDT (10:30Z); 01:30 on 2024-11-03 happens twice and takes the earlier offset, PDT
    // (08:30Z).
    let la = EvalContext {
        time_zone: spate_runtime::testing::region_zone("America/Los_Angeles"),
        ..EvalContext::default()
    };
    let rows = [
        (
            "2024-03-10 01:30:00",
            1_710_063_000_000_000,
            "2024-03-10 01:30:00",
        ),
        (
            "2024-03-10 02:30:00",
            1_710_066_600_000_000,
            "2024-03-10 03:30:00",
        ),
        (
            "2024-11-03 00:30:00",
            1_730_619_000_000_000,
            "2024-11-03 00:30:00",
        ),
        (
            "2024-11-03 01:30:00",
            1_730_622_600_000_000,
            "2024-11-03 01:30:00",
        ),
        (
            "2024-11-03 02:30:00",
            1_730_629_800_000_000,
            "2024-11-03 02:30:00",
        ),
    ];
    let b = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("t", DataType::Utf8, true)])),
        vec![arr(StringArray::from_iter_values(rows.iter().map(|r| r.0)))],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let micros = arr(
        TimestampMicrosecondArray::from_iter_values(rows.iter().map(|r| r.1)).with_timezone("UTC"),
    );
    let parsed = to_timestamp(col("t")).evaluate(&b, &la).ok();
    assert_eq!(parsed, Some(micros.clone()));
    let with_format = to_timestamp_with_format(col("t"), "yyyy-MM-dd HH:mm:ss")
        .evaluate(&b, &la)
        .ok();
    assert_eq!(with_format, Some(micros));
    let text = to_timestamp(col("t"))
        .cast(DataType::Utf8)
        .evaluate(&b, &la)
        .ok();
    assert_eq!(
        text,
        Some(arr(StringArray::from_iter_values(rows.iter().map(|r| r.2))))
    );
    // The second 01:30 of 2024-11-03 (09:30Z, PST) prints as 01:30 too.
    let literal = Expr::Literal(Literal::Timestamp(1_730_626_200_000_000));
    assert_eq!(
        literal
            .output_field_with(&Schema::empty(), &la)
            .map(|f| f.name().clone())
            .ok(),
        Some("TIMESTAMP '2024-11-03 01:30:00'".to_string())
    );
}

#[test]
fn arithmetic_errors_and_legacy_results() {
    let b = first_row_batch();
    // Spark 4.3: `id / 0` → DIVIDE_BY_ZERO (ANSI) / NULL; `id % 0` → REMAINDER_BY_ZERO / NULL.
    assert!(err(&(col("id") / 0), &b, true).starts_with("[DIVIDE_BY_ZERO]"));
    assert_eq!(
        eval(&(col("id") / 0), &b, false),
        Ok(arr(Float64Array::from(vec![None])))
    );
    assert!(err(&(col("id") % 0), &b, true).starts_with("[REMAINDER_BY_ZERO]"));
    assert_eq!(
        eval(&(col("id") % 0), &b, false),
        Ok(arr(Int32Array::from(vec![None])))
    );
    // `id / 2` is a double division: 0.5.
    assert_eq!(
        eval(&(col("id") / 2), &b, true),
        Ok(arr(Float64Array::from(vec![0.5])))
    );
    // Overflow: (2147483647 + 1) → ARITHMETIC_OVERFLOW / -2147483648.
    let big = lit(i32::MAX) + col("id");
    assert_eq!(
        err(&big, &b, true),
        "[ARITHMETIC_OVERFLOW] overflow. Use 'try_add' to tolerate overflow and return NULL \
         instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. \
         SQLSTATE: 22003"
    );
    assert_eq!(
        eval(&big, &b, false),
        Ok(arr(Int32Array::from(vec![i32::MIN])))
    );
    // String arithmetic: '5' + 1 = 6 (bigint, ANSI), 6.0 (double, legacy).
    assert_eq!(
        eval(&(col("s") + 1), &b, true),
        Ok(arr(Int64Array::from(vec![6])))
    );
    assert_eq!(
        eval(&(col("s") + 1), &b, false),
        Ok(arr(Float64Array::from(vec![6.0])))
    );
    assert_eq!(
        eval(&(col("id") + col("n")), &b, true),
        Ok(arr(Int64Array::from(vec![11])))
    );
}

#[test]
fn short_circuit_like_spark() {
    // Spark 4.3 with id = 0, ANSI on: no DIVIDE_BY_ZERO in any of these.
    let zero = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("id", DataType::Int32, true)])),
        vec![arr(Int32Array::from(vec![0, 5]))],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let guarded_and = col("id").not_eq(0).and((lit(10) / col("id")).gt(1));
    assert_eq!(
        eval(&guarded_and, &zero, true),
        Ok(arr(BooleanArray::from(vec![false, true])))
    );
    let guarded_or = col("id").eq(0).or((lit(10) / col("id")).gt(1));
    assert_eq!(
        eval(&guarded_or, &zero, true),
        Ok(arr(BooleanArray::from(vec![true, true])))
    );
    let guarded_case = when(col("id").not_eq(0), lit(10) / col("id")).otherwise(0);
    assert_eq!(
        field(&guarded_case, true).0,
        "CASE WHEN (NOT (id = 0)) THEN (10 / id) ELSE 0 END"
    );
    assert_eq!(
        eval(&guarded_case, &zero, true),
        Ok(arr(Float64Array::from(vec![0.0, 2.0])))
    );
    // Unguarded, the error is raised.
    assert!(err(&(lit(10) / col("id")), &zero, true).starts_with("[DIVIDE_BY_ZERO]"));
}

/// A branch evaluated only on its rows sees the columns it reads (a struct's field, a
/// string and two numbers; the other columns are left out): the values it has on every
/// row, and no error from the rows it does not take.
#[test]
fn a_guarded_branch_reads_its_columns_on_its_rows() {
    use arrow::array::StructArray;
    let b = batch();
    let fields = vec![Field::new("start", DataType::Int64, true)];
    let window = StructArray::new(
        fields.clone().into(),
        vec![Arc::new(Int64Array::from(vec![100, 200, 300])) as ArrayRef],
        None,
    );
    let mut columns = b.columns().to_vec();
    columns.push(Arc::new(window));
    let mut all = schema().fields().to_vec();
    all.push(Arc::new(Field::new(
        "window",
        DataType::Struct(fields.into()),
        true,
    )));
    let b = RecordBatch::try_new(Arc::new(Schema::new(all)), columns).unwrap();
    // Row 0: 10 / 1 + 5 + 100; row 1 ('abc', n NULL) and row 2 (id 3) are not taken.
    let branch = col("n") / col("id") + col("s").cast(DataType::Int64) + col("window.start");
    let guarded = when(
        col("n").is_not_null().and(col("id").not_eq(3)),
        branch.clone(),
    );
    assert_eq!(
        eval(&guarded, &b, true),
        Ok(arr(Float64Array::from(vec![Some(115.0), None, None])))
    );
    // Unguarded, row 1's 'abc' fails the cast.
    assert!(err(&branch, &b, true).starts_with("[CAST_INVALID_INPUT]"));
}

#[test]
fn three_valued_logic() {
    // Spark 4.3: NULL AND false = false, NULL OR true = true, NULL OR false = NULL.
    let null = || Expr::Literal(Literal::Null);
    let b = first_row_batch();
    assert_eq!(
        eval(&null().and(false), &b, true),
        Ok(arr(BooleanArray::from(vec![false])))
    );
    assert_eq!(
        eval(&null().or(true), &b, true),
        Ok(arr(BooleanArray::from(vec![true])))
    );
    assert_eq!(
        eval(&null().or(false), &b, true),
        Ok(arr(BooleanArray::from(vec![None])))
    );
    let both = col("b").and(col("value").gt(120));
    assert_eq!(
        eval(&both, &batch(), true),
        Ok(arr(BooleanArray::from(vec![Some(true), Some(false), None])))
    );
    assert_eq!(
        eval(&col("b").not(), &batch(), true),
        Ok(arr(BooleanArray::from(vec![Some(false), Some(true), None])))
    );
    assert_eq!(
        eval(&col("value").is_null(), &batch(), true),
        Ok(arr(BooleanArray::from(vec![false, false, true])))
    );
}

#[test]
fn case_when_values() {
    let e = when(col("value").gt(120), "big")
        .when(col("value").gt(50), "mid")
        .otherwise("none");
    assert_eq!(
        eval(&e, &batch(), true),
        Ok(arr(StringArray::from(vec!["big", "mid", "none"])))
    );
    let no_else = when(col("b"), col("n"));
    assert_eq!(
        eval(&no_else, &batch(), true),
        Ok(arr(Int64Array::from(vec![Some(10), None, None])))
    );
    // ANSI: THEN 1 ELSE 'x' is a bigint; the 'x' is cast only where it is chosen.
    let mixed = when(col("id").lt(5), 1).otherwise("x");
    assert_eq!(
        eval(&mixed, &batch(), true),
        Ok(arr(Int64Array::from(vec![1, 1, 1])))
    );
    assert!(
        err(&when(col("id").gt(5), 1).otherwise("x"), &batch(), true)
            .starts_with("[CAST_INVALID_INPUT]")
    );
}

#[test]
fn comparisons_with_implicit_casts() {
    let b = batch();
    // ANSI: `s = 1` casts s to BIGINT — 'abc' fails (Spark 4.3 message); legacy gives NULL.
    assert_eq!(
        err(&col("s").eq(1), &b, true),
        "[CAST_INVALID_INPUT] The value 'abc' of the type \"STRING\" cannot be cast to \"BIGINT\" \
         because it is malformed. Correct the value as per the syntax, or change its target type. \
         Use `try_cast` to tolerate malformed input and return NULL instead. SQLSTATE: 22018"
    );
    assert_eq!(
        eval(&col("s").eq(5), &b, false),
        Ok(arr(BooleanArray::from(vec![Some(true), None, None])))
    );
    assert_eq!(
        eval(&col("ts").gt("2024-01-01"), &b, true),
        Ok(arr(BooleanArray::from(vec![Some(true), None, Some(false)])))
    );
    assert_eq!(
        eval(&col("id").gt_eq(col("n")), &b, true),
        Ok(arr(BooleanArray::from(vec![
            Some(false),
            None,
            Some(false)
        ])))
    );
    assert_eq!(
        eval(&col("timestamp").lt("2025"), &b, true),
        Ok(arr(BooleanArray::from(vec![Some(true), Some(false), None])))
    );
}

#[test]
fn analysis_errors_read_like_spark() {
    let s = schema();
    let msg = |e: Expr| {
        e.output_field(&s)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        msg(col("b") + 1),
        "[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"(b + 1)\" due to data type \
         mismatch: the left and right operands of the binary operator have incompatible types \
         (\"BOOLEAN\" and \"INT\"). SQLSTATE: 42K09"
    );
    assert_eq!(
        msg(col("s") + col("s")),
        "[DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE] Cannot resolve \"(s + s)\" due to data type \
         mismatch: the binary operator requires the input type (\"NUMERIC\" or \"INTERVAL DAY TO \
         SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\"), not \"STRING\". SQLSTATE: 42K09"
    );
    assert_eq!(
        msg(col("b") % col("b")),
        "[DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE] Cannot resolve \"(b % b)\" due to data type \
         mismatch: the binary operator requires the input type \"NUMERIC\", not \"BOOLEAN\". \
         SQLSTATE: 42K09"
    );
    assert_eq!(
        msg(col("s") / col("s")),
        "[DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE] Cannot resolve \"(s / s)\" due to data type \
         mismatch: the binary operator requires the input type (\"DOUBLE\" or \"DECIMAL\"), not \
         \"STRING\". SQLSTATE: 42K09"
    );
    assert_eq!(
        msg(!col("id")),
        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"(NOT id)\" due to data type \
         mismatch: The first parameter requires the \"BOOLEAN\" type, however \"id\" has the type \
         \"INT\". SQLSTATE: 42K09"
    );
    assert_eq!(
        msg(-col("b")),
        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"negative(b)\" due to data type \
         mismatch: The first parameter requires the (\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \
         \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\") type, however \"b\" has the type \"BOOLEAN\". \
         SQLSTATE: 42K09"
    );
    assert_eq!(
        msg(when(col("b"), 1).when(col("id"), 2)),
        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"CASE WHEN b THEN 1 WHEN id \
         THEN 2 END\" due to data type mismatch: The second parameter requires the \"BOOLEAN\" \
         type, however \"id\" has the type \"INT\". SQLSTATE: 42K09"
    );
    assert_eq!(
        msg(when(col("b"), 1).otherwise(col("b"))),
        "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"CASE WHEN b THEN 1 ELSE b END\" due \
         to data type mismatch: Input to `casewhen` should all be the same type, but it's \
         [\"INT\", \"BOOLEAN\"]. SQLSTATE: 42K09"
    );
    assert_eq!(
        msg(col("id").and(col("b"))),
        "[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"(id AND b)\" due to data type \
         mismatch: the left and right operands of the binary operator have incompatible types \
         (\"INT\" and \"BOOLEAN\"). SQLSTATE: 42K09"
    );
    assert_eq!(
        msg(lit(true).cast(timestamp_type())),
        "[DATATYPE_MISMATCH.CAST_WITH_CONF_SUGGESTION] Cannot resolve \"CAST(true AS TIMESTAMP)\" \
         due to data type mismatch: cannot cast \"BOOLEAN\" to \"TIMESTAMP\" with ANSI mode on.\n\
         If you have to cast \"BOOLEAN\" to \"TIMESTAMP\", you can set \"spark.sql.ansi.enabled\" \
         as 'false'. SQLSTATE: 42K09"
    );
    assert!(msg(col("ts") + 1).contains("(\"TIMESTAMP\" and \"INT\")"));
}

#[test]
fn column_resolution() {
    // Spark 4.3 (columns id, value, n, s, b, timestamp, ts, big, ns).
    let s = Schema::new(
        ["id", "value", "n", "s", "b", "timestamp", "ts", "big", "ns"]
            .iter()
            .map(|n| Field::new(*n, DataType::Int32, true))
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        col("valu")
            .output_field(&s)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default(),
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name \
         `valu` cannot be resolved. Did you mean one of the following? [`value`, `b`, `id`, `n`, \
         `ns`]. SQLSTATE: 42703"
    );
    assert!(matches!(
        (col("xyz") + 1).output_field(&s),
        Err(ExprError::UnresolvedColumn { ref name, .. }) if name == "xyz"
    ));
    // Case-insensitive, keeping the name as written.
    assert_eq!(
        col("ID")
            .output_field(&s)
            .map(|f| f.name().clone())
            .ok()
            .as_deref(),
        Some("ID")
    );
    let dup = Schema::new(vec![
        Field::new("a", DataType::Int32, true),
        Field::new("A", DataType::Int32, true),
    ]);
    assert_eq!(
        col("a")
            .output_field(&dup)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default(),
        "[AMBIGUOUS_REFERENCE] Reference `a` is ambiguous, could be: [`a`, `a`]. SQLSTATE: 42704"
    );
    let b = batch();
    assert_eq!(eval(&col("VALUE"), &b, true), Ok(b.column(1).clone()));
}

#[test]
fn columns_lists_references() {
    let e = when(col("a").gt(col("b")), col("c") + col("a")).otherwise(to_timestamp(col("d")));
    assert_eq!(e.columns(), vec!["a", "b", "c", "d"]);
    assert!(lit(1).columns().is_empty());
}

#[test]
fn builder_operators() {
    assert_eq!(
        col("value") * 2,
        Expr::Binary {
            op: BinaryOp::Mul,
            left: Box::new(col("value")),
            right: Box::new(Expr::Literal(Literal::Int32(2)))
        }
    );
    assert_eq!(col("a") - lit(1i64), col("a") - 1i64);
    assert_eq!(-col("a"), Expr::Negate(Box::new(col("a"))));
    assert_eq!(!col("a"), col("a").not());
    assert_eq!(
        when(col("a"), 1).when(col("b"), 2).otherwise(3),
        Expr::CaseWhen {
            branches: vec![(col("a"), lit(1)), (col("b"), lit(2))],
            otherwise: Some(Box::new(lit(3)))
        }
    );
    assert_eq!(lit(Option::<i32>::None), Expr::Literal(Literal::Null));
}

#[test]
fn other_string_and_timestamp_column_types_are_read() {
    let s = Schema::new(vec![
        Field::new("l", DataType::LargeUtf8, true),
        Field::new(
            "t",
            DataType::Timestamp(arrow::datatypes::TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
    ]);
    let b = RecordBatch::try_new(
        Arc::new(s),
        vec![
            arr(arrow::array::LargeStringArray::from(vec![
                "2024-01-15 10:00:00",
            ])),
            arr(arrow::array::TimestampMillisecondArray::from(vec![1_000]).with_timezone("UTC")),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        eval(&to_timestamp(col("l")), &b, true),
        Ok(arr(TimestampMicrosecondArray::from(vec![
            TS_2024_01_15_10H
        ])
        .with_timezone("UTC")))
    );
    assert_eq!(
        eval(&col("t"), &b, true),
        Ok(arr(
            TimestampMicrosecondArray::from(vec![1_000_000]).with_timezone("UTC")
        ))
    );
}

/// Throughput check for the string → timestamp path (run with
/// `cargo test -p spate-operators --release --lib -- --ignored --nocapture`).
#[test]
#[ignore]
fn to_timestamp_throughput() {
    let n = 1_000_000;
    let strings: StringArray = (0..n)
        .map(|i| {
            Some(format!(
                "2024-01-{:02} {:02}:{:02}:{:02}",
                i % 28 + 1,
                i % 24,
                i % 60,
                (i / 60) % 60
            ))
        })
        .collect();
    let b = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("t", DataType::Utf8, true)])),
        vec![arr(strings)],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let e = to_timestamp(col("t"));
    let start = std::time::Instant::now();
    let out = e
        .evaluate(&b, &EvalContext::default())
        .map(|a| a.null_count());
    let elapsed = start.elapsed();
    println!("to_timestamp over {n} rows: {elapsed:?}");
    assert_eq!(out.ok(), Some(0));
    let start = std::time::Instant::now();
    let formatted = to_timestamp_with_format(col("t"), "yyyy-MM-dd HH:mm:ss")
        .evaluate(&b, &EvalContext::default());
    println!("to_timestamp(fmt) over {n} rows: {:?}", start.elapsed());
    assert_eq!(formatted.map(|a| a.null_count()).ok(), Some(0));
}

#[test]
fn null_literals_evaluate() {
    // Spark 4.3: (NULL IS NULL) = true, (id = NULL) = NULL, negative(NULL) = NULL (double),
    // CASE WHEN b THEN 1 ELSE NULL END.
    let b = batch();
    let null = || Expr::Literal(Literal::Null);
    assert_eq!(
        eval(&null().is_null(), &b, true),
        Ok(arr(BooleanArray::from(vec![true; 3])))
    );
    assert_eq!(
        eval(&null().is_not_null(), &b, true),
        Ok(arr(BooleanArray::from(vec![false; 3])))
    );
    assert_eq!(
        eval(&col("id").eq(null()), &b, true),
        Ok(arr(BooleanArray::from(vec![None, None, None])))
    );
    assert_eq!(
        eval(&-null(), &b, true),
        Ok(arr(Float64Array::from(vec![None, None, None])))
    );
    assert_eq!(
        eval(&when(col("b"), 1).otherwise(null()), &b, true),
        Ok(arr(Int32Array::from(vec![Some(1), None, None])))
    );
    assert_eq!(
        eval(&(null() + 1), &b, true),
        Ok(arr(Int32Array::from(vec![None, None, None])))
    );
    assert_eq!(
        eval(&null().eq(null()), &b, true),
        Ok(arr(BooleanArray::from(vec![None, None, None])))
    );
}

#[test]
fn unsupported_types_fail_cleanly() {
    // timestamp_ntz (no zone) and date arithmetic are outside what spate implements: errors,
    // no panics.
    let s = Schema::new(vec![
        Field::new(
            "ntz",
            DataType::Timestamp(arrow::datatypes::TimeUnit::Millisecond, None),
            true,
        ),
        Field::new("d", DataType::Date32, true),
    ]);
    let b = RecordBatch::try_new(
        Arc::new(s),
        vec![
            arr(arrow::array::TimestampMillisecondArray::from(vec![1_000])),
            arr(arrow::array::Date32Array::from(vec![19_737])),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(eval(&col("ntz").cast(DataType::Utf8), &b, true).is_err());
    assert!(eval(&to_timestamp(col("ntz")), &b, true).is_err());
    assert_eq!(
        eval(&col("d").cast(DataType::Utf8), &b, true),
        Ok(arr(StringArray::from(vec!["2024-01-15"])))
    );
    assert!(eval(&col("d").cast(DataType::Int32), &b, true).is_err());
    assert!(eval(&(col("d") + 1), &b, true).is_err());
    // Reading, null tests and same-type comparisons still work.
    assert_eq!(
        eval(&col("d").is_null(), &b, true),
        Ok(arr(BooleanArray::from(vec![false])))
    );
    assert_eq!(
        eval(&col("d").eq(col("d")), &b, true),
        Ok(arr(BooleanArray::from(vec![true])))
    );
    assert_eq!(eval(&col("ntz"), &b, true).map(|a| a.len()), Ok(1));
}

#[test]
fn timestamps_shift_by_intervals() {
    use arrow::array::AsArray;
    let five = interval("5 minutes").unwrap();
    let earlier = col("ts") - five.clone();
    assert_eq!(
        field(&earlier, true),
        (
            "(ts - INTERVAL '05' MINUTE)".into(),
            "timestamp".into(),
            true
        )
    );
    let values = eval(&earlier, &batch(), true).unwrap();
    let values = values.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
    assert_eq!(values.value(0), TS_2024_01_15_10H + 123_000 - 300_000_000);
    assert!(values.is_null(1));
    assert_eq!(values.data_type(), &timestamp_type());
    let later = five + col("ts");
    let values = eval(&later, &batch(), true).unwrap();
    let values = values.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
    assert_eq!(values.value(2), 300_000_000);
    let compared = eval(
        &col("ts").gt_eq(col("ts") - interval("1 hour").unwrap()),
        &batch(),
        true,
    )
    .unwrap();
    assert!(compared.as_boolean().value(0));
    assert!(interval("5 parsecs").is_err());
}

#[test]
fn struct_fields_are_read_by_dotted_names_and_null_with_their_struct() {
    use arrow::array::StructArray;
    use arrow::buffer::NullBuffer;
    let fields = vec![
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
    ];
    let window = StructArray::new(
        fields.clone().into(),
        vec![
            Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
            Arc::new(Int64Array::from(vec![3, 4])),
        ],
        Some(NullBuffer::from(vec![true, false])),
    );
    let schema = Arc::new(Schema::new(vec![Field::new(
        "window",
        DataType::Struct(fields.into()),
        true,
    )]));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(window)]).unwrap();
    let end = col("window.END");
    let values = end.evaluate(&batch, &ctx(true)).unwrap();
    assert_eq!(
        values.as_ref(),
        &Int64Array::from(vec![Some(3), None]) as &dyn Array
    );
    let field = end.output_field_with(&schema, &ctx(true)).unwrap();
    assert_eq!(
        (field.name().as_str(), field.data_type()),
        ("END", &DataType::Int64)
    );
    // A back-quoted name is one column's name, and a field that is not there is unresolved.
    assert!(col("`window.start`").output_field(&schema).is_err());
    assert!(col("window.middle").output_field(&schema).is_err());
    assert!(col("nothing").output_field(&schema).is_err());
}

#[test]
fn string_tests_of_columns_and_patterns() {
    let b = batch();
    // A pattern from a column is checked row by row; a NULL one gives NULL.
    let patterns = Expr::StringTest(
        StringTest::Like { escape: '\\' },
        Box::new(col("s")),
        Box::new(col("s")),
    );
    assert_eq!(
        eval(&patterns, &b, true),
        Ok(arr(BooleanArray::from(vec![Some(true), Some(true), None])))
    );
    // Not even checked where the string is NULL (Spark never evaluates that row).
    let bad_where_null = Expr::StringTest(
        StringTest::Like { escape: '\\' },
        Box::new(col("s")),
        Box::new(coalesce([col("s"), lit(r"ab\")])),
    );
    assert_eq!(
        eval(&bad_where_null, &b, true),
        Ok(arr(BooleanArray::from(vec![Some(true), Some(true), None])))
    );
    // Numbers are tested as their strings; a misplaced escape fails the batch.
    assert_eq!(
        eval(&col("value").endswith(".0"), &b, true),
        Ok(arr(BooleanArray::from(vec![Some(true), Some(true), None])))
    );
    assert!(
        err(&col("s").like(r"m\aca"), &b, true).starts_with("[INVALID_FORMAT.ESC_IN_THE_MIDDLE]")
    );
    // Names as Spark's; NULL only where a side can be.
    assert_eq!(
        field(&col("s").like("a%"), true),
        ("s LIKE a%".into(), "boolean".into(), true)
    );
    assert_eq!(
        field(&col("id").contains(lit(1)), true),
        ("contains(id, 1)".into(), "boolean".into(), false)
    );
}

/// A `try_` function is lenient for its own step only: its arguments still raise ANSI
/// errors (Spark's `try_cast(id / 0 AS INT)` fails with DIVIDE_BY_ZERO), and a `try_cast`
/// of an expression is named `TRY_CAST(...)`.
#[test]
fn try_functions_are_lenient_for_their_own_step_only() {
    let b = batch();
    assert!(
        err(&(col("id") / 0).try_cast(DataType::Int32), &b, true).starts_with("[DIVIDE_BY_ZERO]")
    );
    let parsed = eval(&try_to_timestamp(col("timestamp")), &b, true).unwrap();
    assert_eq!(parsed.null_count(), 2);
    assert_eq!(
        field(&(col("id") + 1).try_cast(DataType::Utf8), true),
        ("TRY_CAST((id + 1) AS STRING)".into(), "string".into(), true)
    );
    assert_eq!(field(&col("s").try_cast(DataType::Int32), true).0, "s");
}
