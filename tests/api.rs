//! The facade's checks and errors: bad input gives a typed error naming the problem
//! (Spark's message where Spark has one), never a panic.

use crate::support::{session, set_mtime, timed_words, windowed_word_counts};
use arrow::datatypes::{DataType, Field};
use arrow::record_batch::RecordBatch;
use spate::functions::{col, lit, sum};
use spate::{DataFrame, Error, Session, Trigger};
use std::path::Path;

fn lab_input(dir: &Path) {
    std::fs::create_dir_all(dir).expect("dir");
    for i in 0..2u64 {
        let path = dir.join(format!("events_{i}.json"));
        std::fs::write(&path, format!("{{\"id\": {i}, \"name\": \"e{i}\", \"value\": {}.0, \"timestamp\": \"2024-01-15 10:00:00\"}}\n", 100 + i))
            .expect("write");
        set_mtime(&path, 1_705_312_800_000 + i * 1000);
    }
}

const LAB_DDL: &str = "id INT, name STRING, value DOUBLE, timestamp STRING";

/// The lab-shaped JSON stream under `path`.
fn lab_stream(spark: &Session, path: impl AsRef<Path>) -> spate::DataFrame {
    spark
        .read_stream()
        .format("json")
        .schema(LAB_DDL)
        .load(path.as_ref())
        .expect("load")
}

#[test]
fn streaming_json_without_schema_is_refused_with_sparks_message() {
    let spark = session();
    let Err(error) = spark.read_stream().format("json").load("/nonexistent") else {
        panic!("a streaming json source needs a schema");
    };
    assert!(
        error
            .to_string()
            .starts_with("Schema must be specified when creating a streaming source DataFrame."),
        "{error}"
    );
}

#[test]
fn unknown_source_format_and_bad_options_are_typed_errors() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(spark
        .read_stream()
        .format("avro-nope")
        .schema(LAB_DDL)
        .load(dir.path())
        .is_err());
    lab_input(dir.path());
    // Checked when the stream is defined (Spark checks at start; earlier is kinder).
    let error = spark
        .read_stream()
        .format("json")
        .schema(LAB_DDL)
        .option("maxFilesPerTrigger", "zero")
        .load(dir.path())
        .err()
        .expect("invalid maxFilesPerTrigger");
    assert!(error.to_string().contains("maxFilesPerTrigger"), "{error}");
}

#[test]
fn unresolved_columns_fail_at_analysis_naming_the_column() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let df = lab_stream(&spark, dir.path());
    let Err(error) = df.filter(col("valeu").gt(lit(100))) else {
        panic!("unknown column accepted");
    };
    assert!(matches!(error, Error::Analysis(_)), "{error:?}");
    assert!(
        error.to_string().contains("valeu") && error.to_string().contains("value"),
        "{error}"
    );
}

#[test]
fn start_rejects_what_spark_rejects() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let df = lab_stream(&spark, dir.path());
    let message = |result: spate::Result<spate::StreamingQuery>| {
        result.err().expect("must be rejected").to_string()
    };
    assert!(message(df.write_stream().format("console").output_mode("complete").start())
        .starts_with("[STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION] Invalid streaming output mode: complete. This output mode is not supported for no streaming aggregations on streaming DataFrames/DataSets."));
    assert!(message(
        df.write_stream()
            .format("parquet")
            .output_mode("update")
            .option("path", dir.path().join("out").display())
            .option("checkpointLocation", dir.path().join("cp").display())
            .start()
    )
    .starts_with("[STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE] Invalid streaming output mode: update. This output mode is not supported in Data Source parquet."));
    assert_eq!(
        message(df.write_stream().format("memory").start()),
        "queryName must be specified for memory sink"
    );
    assert!(message(
        df.write_stream()
            .format("parquet")
            .option("path", dir.path().join("o").display())
            .start()
    )
    .starts_with(
        "checkpointLocation must be specified either through option(\"checkpointLocation\", ...)"
    ));
    assert!(message(
        df.write_stream()
            .format("console")
            .output_mode("sideways")
            .start()
    )
    .starts_with("Unknown output mode sideways."));
    assert!(message(df.write_stream().format("kafkaa").start())
        .starts_with("[DATA_SOURCE_NOT_FOUND] Failed to find the data source: kafkaa."));
}

/// `spate.checkpoint.fsync=false`: checkpoint, source log and file sink files are renamed
/// into place without fsync; a query and its restart work as with the default, and a
/// value that is not a boolean is refused at start.
#[test]
fn checkpoints_without_fsync_still_restart_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    lab_input(&input);
    let spark = session();
    let start = |spark: &Session| {
        lab_stream(spark, &input)
            .write_stream()
            .format("json")
            .option("path", dir.path().join("out").display())
            .option("checkpointLocation", dir.path().join("cp").display())
            .trigger(Trigger::AvailableNow)
            .start()
    };
    spark.conf().set("spate.checkpoint.fsync", "maybe");
    let error = start(&spark).err().expect("not a boolean");
    assert_eq!(
        error.to_string(),
        "spate.checkpoint.fsync should be boolean, but was maybe"
    );
    spark.conf().set("spate.checkpoint.fsync", "FALSE");
    start(&spark)
        .expect("start")
        .await_termination()
        .expect("run");
    std::fs::write(
        input.join("events_2.json"),
        "{\"id\": 2, \"name\": \"e2\", \"value\": 102.0, \"timestamp\": \"2024-01-15 10:00:00\"}\n",
    )
    .expect("write");
    start(&spark)
        .expect("restart")
        .await_termination()
        .expect("rerun");
    let mut ids: Vec<i64> = spark
        .read()
        .format("json")
        .schema("id BIGINT")
        .load(dir.path().join("out"))
        .expect("read output")
        .collect()
        .expect("rows")
        .iter()
        .flat_map(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .expect("ids")
                .values()
                .to_vec()
        })
        .collect();
    ids.sort();
    assert_eq!(ids, [0, 1, 2], "each row once");
    assert!(dir.path().join("cp/commits/1").exists());
}

#[test]
fn two_active_queries_cannot_share_a_name() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let df = lab_stream(&spark, dir.path().join("in"));
    let first = df
        .write_stream()
        .format("memory")
        .query_name("mq")
        .start()
        .expect("first");
    let error = df
        .write_stream()
        .format("memory")
        .query_name("mq")
        .start()
        .err()
        .expect("second must fail");
    assert_eq!(
        error.to_string(),
        "Cannot start query with name mq as a query with that name is already active in this SparkSession"
    );
    first.stop();
}

#[test]
fn parquet_sink_writes_each_batch_once_and_memory_sink_serves_sql() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let df = spark
        .read_stream()
        .format("json")
        .schema(LAB_DDL)
        .option("maxFilesPerTrigger", 1)
        .load(dir.path().join("in"))
        .expect("load");
    let out = dir.path().join("out");
    let query = df
        .write_stream()
        .format("parquet")
        .option("path", out.display())
        .option("checkpointLocation", dir.path().join("cp").display())
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    query.await_termination().expect("run");
    let log =
        spate::connectors::file::sink::SinkLog::open(out.join("_spark_metadata")).expect("log");
    assert_eq!(log.latest_batch_id().expect("latest"), Some(1));
    let files = log.all_files().expect("files");
    assert_eq!(files.len(), 2);
    let progress = query.recent_progress();
    assert_eq!(progress.len(), 2);
    assert_eq!(progress[0].sink.num_output_rows, -1);
    assert!(
        progress[0].sink.description.starts_with("FileSink["),
        "{}",
        progress[0].sink.description
    );
    assert!(
        progress[0].sources[0]
            .description
            .starts_with("FileStreamSource[file:"),
        "{}",
        progress[0].sources[0].description
    );

    // Restarting with no new input runs nothing and writes nothing twice.
    let again = df
        .write_stream()
        .format("parquet")
        .option("path", out.display())
        .option("checkpointLocation", dir.path().join("cp").display())
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("restart");
    again.await_termination().expect("run");
    assert_eq!(log.all_files().expect("files").len(), 2);
}

#[test]
fn the_noop_sink_runs_every_output_mode_and_counts_its_rows_as_spark_does() {
    // Spark 4.3 (PySpark, availableNow): sink {"description": "NoopTable",
    // "numOutputRows": rows} in append, update and complete mode.
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let df = lab_stream(&spark, dir.path().join("in"));
    let counts = df
        .group_by([col("name")])
        .agg([sum(col("value")).alias("total")])
        .expect("agg");
    for (df, mode) in [(&df, "append"), (&counts, "update"), (&counts, "complete")] {
        let query = df
            .write_stream()
            .format("noop")
            .output_mode(mode)
            .option("checkpointLocation", dir.path().join(mode).display())
            .trigger(Trigger::AvailableNow)
            .start()
            .expect("start");
        query.await_termination().expect("run");
        let progress = query.recent_progress();
        let sink = &progress[0].sink;
        assert_eq!(
            (sink.description.as_str(), sink.num_output_rows),
            ("NoopTable", 2),
            "{mode}"
        );
    }
}

#[test]
fn a_missing_input_directory_fails_at_load_as_in_spark() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing");
    let error = spark
        .read_stream()
        .format("json")
        .schema(LAB_DDL)
        .load(&missing)
        .err()
        .expect("missing path");
    assert!(
        error
            .to_string()
            .starts_with("[PATH_NOT_FOUND] Path does not exist:"),
        "{error}"
    );
}

#[test]
fn with_watermark_checks_its_column_and_delay_as_spark_does() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let df = lab_stream(&spark, dir.path());
    let message = |result: spate::Result<spate::DataFrame>| {
        result.err().expect("must be rejected").to_string()
    };
    assert_eq!(
        message(df.with_watermark("timestamp", "10 minutes")),
        "[EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE] The event time `timestamp` has the invalid type \"STRING\", but expected \"TIMESTAMP\". SQLSTATE: 42K09"
    );
    let timed = df
        .with_column(
            "event_time",
            spate::functions::to_timestamp(col("timestamp")),
        )
        .expect("column");
    assert_eq!(
        message(timed.with_watermark("event_time", "-1 minute")),
        "requirement failed: delay threshold (-1 minute) should not be negative."
    );
    assert!(timed.with_watermark("event_time", "10 minutes").is_ok());
}

#[test]
fn restarting_from_a_checkpoint_in_use_stops_the_active_run() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let df = lab_stream(&spark, dir.path().join("in"));
    let start = || {
        df.write_stream()
            .format("console")
            .console_output(spate::ConsoleOutput::Buffer(Default::default()))
            .option("checkpointLocation", dir.path().join("cp").display())
            .start()
            .expect("start")
    };
    let first = start();
    first.process_all_available().expect("first run");
    let second = start();
    assert!(!first.is_active(), "the first run was stopped");
    assert!(second.is_active());
    assert_eq!(first.id(), second.id());
    second.stop();
}

#[test]
fn a_file_that_is_not_json_gives_permissive_rows_not_a_failure() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    std::fs::write(
        input.join("garbage.json"),
        b"\x00\x01\xffPNG not json\nstill {not json\n",
    )
    .expect("write");
    let df = spark
        .read_stream()
        .format("json")
        .schema(format!("{LAB_DDL}, _corrupt_record STRING").as_str())
        .load(&input)
        .expect("load");
    let query = df
        .write_stream()
        .format("memory")
        .query_name("garbage")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    query
        .await_termination()
        .expect("permissive mode does not fail");
    let table = spark.table("garbage").expect("table");
    assert_eq!(table.count(), 2, "one all-NULL row per malformed line");
}

/// Runs `query` over one JSON file of `lines` with `ddl` into a memory table; its rows, or
/// the query's error.
fn run_json(
    spark: &Session,
    name: &str,
    schema: impl spate::types::IntoSchema,
    lines: &str,
    query: impl Fn(DataFrame) -> spate::Result<DataFrame>,
) -> Result<Vec<RecordBatch>, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    std::fs::write(input.join("rows.json"), lines).expect("write");
    let df = spark
        .read_stream()
        .format("json")
        .schema(schema)
        .load(&input)
        .expect("load");
    let query = query(df)
        .expect("query")
        .write_stream()
        .format("memory")
        .query_name(name)
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()
        .map_err(|e| e.to_string())?;
    query.await_termination().map_err(|e| e.to_string())?;
    Ok(spark.table(name).expect("table").collect())
}

/// The JSON scan reads only the columns a query uses, but a corrupt-record column that is
/// not a string fails the query even when unused, as Spark checks the whole schema.
#[test]
fn an_unused_corrupt_record_column_of_the_wrong_type_still_fails() {
    let spark = session();
    let error = run_json(
        &spark,
        "wrong_corrupt",
        "id INT, value DOUBLE, _corrupt_record INT",
        "{\"id\":1,\"value\":2.0}\n",
        |df| {
            df.group_by([col("id")])
                .agg([sum(col("value")).alias("total")])
        },
    )
    .expect_err("the corrupt-record column must be a string");
    assert!(error.contains("INVALID_CORRUPT_RECORD_TYPE"), "{error}");
}

/// A column whose name holds back-quotes is read when a query uses it (names are matched
/// as the resolver matches them, unquoted once).
#[test]
fn a_used_column_named_with_back_quotes_is_read() {
    let spark = session();
    let batches = run_json(
        &spark,
        "quoted_name",
        arrow::datatypes::Schema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("`tag`", DataType::Utf8, true),
            Field::new("value", DataType::Float64, true),
        ]),
        "{\"id\":1,\"`tag`\":\"a\",\"value\":2.0}\n",
        |df| {
            df.group_by([col("```tag```")])
                .agg([sum(col("value")).alias("total")])
        },
    )
    .expect("query runs");
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, 1);
    assert_eq!(batches[0].schema().field(0).name(), "`tag`");
}

#[test]
fn a_dangling_link_in_the_input_is_skipped_as_spark_does() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    lab_input(&input);
    // A dangling symbolic link cannot be read; Spark 4.3 skips it and reads the rest
    // (checked with PySpark 4.3: one JSON file plus a dangling link gave the file's row).
    std::os::unix::fs::symlink(dir.path().join("nowhere.json"), input.join("broken.json"))
        .expect("symlink");
    let df = lab_stream(&spark, &input);
    let query = df
        .write_stream()
        .format("memory")
        .query_name("broken")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    query
        .await_termination()
        .expect("the link does not fail the query");
    assert_eq!(spark.table("broken").expect("table").count(), 2);
}

/// Delivery `n` (0-3) of SEMANTICS.md §6.4's worked example into `input`, as `d{n}.json`.
fn deliver_worked_example(input: &Path, n: usize) {
    let deliveries: [&[(&str, &str)]; 4] = [
        &[("12:02", "cat"), ("12:07", "dog"), ("12:08", "cat")],
        &[("12:14", "cat"), ("12:09", "dog")],
        &[("12:21", "cat"), ("12:03", "owl")],
        &[("12:05", "cat")],
    ];
    let text: String = deliveries[n]
        .iter()
        .map(|(t, w)| format!("{{\"event_time\": \"2024-01-01 {t}:00\", \"word\": \"{w}\"}}\n"))
        .collect();
    let path = input.join(format!("d{n}.json"));
    std::fs::write(&path, text).expect("write");
    set_mtime(&path, 1_705_312_800_000 + n as u64 * 1000);
}

/// SEMANTICS.md §6.4 run as Spark ran it: one delivery at a time with
/// `processAllAvailable()` after each, so no-data batches close windows between deliveries;
/// the last delivery's row is late and reaches `late_rows_to` instead of vanishing.
#[test]
fn worked_example_runs_no_data_batches_and_routes_late_rows() {
    use spate::connectors::console::show::{show_string, ShowOptions};
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    let deliver = |n: usize| deliver_worked_example(&input, n);
    deliver(0);
    let spark = session();
    let counts = windowed_word_counts(&spark, &input, "10 minutes");
    let emitted: Arc<Mutex<Vec<(u64, usize)>>> = Arc::default();
    let late: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    let (emitted_sink, late_sink) = (emitted.clone(), late.clone());
    let query = counts
        .write_stream()
        .output_mode("append")
        .option("checkpointLocation", dir.path().join("chk").display())
        .foreach_batch(move |batches, id| {
            let rows = batches.iter().map(|b| b.num_rows()).sum();
            emitted_sink.lock().expect("lock").push((id, rows));
            Ok(())
        })
        .late_rows_to(move |batches, id| {
            let options = ShowOptions {
                num_rows: 20,
                truncate: 0,
                time_zone: spate::Zone::UTC,
            };
            let schema = batches[0].schema();
            assert_eq!(schema.fields().len(), 3, "event_time, word and the window");
            let text = show_string(&schema, batches, &options).expect("show");
            late_sink.lock().expect("lock").push((id, text));
            Ok(())
        })
        .start()
        .expect("start");
    query.process_all_available().expect("batch 0-1");
    for n in 1..4 {
        deliver(n);
        query.process_all_available().expect("delivery");
    }
    query.stop();
    // Batches 0-6 as in §6.4: the window [12:00, 12:10) closes in no-data batch 5.
    let emitted = emitted.lock().expect("lock").clone();
    assert_eq!(
        emitted,
        [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 3), (6, 0)]
    );
    let progress = query.recent_progress();
    let dropped: Vec<u64> = progress
        .iter()
        .filter(|p| p.duration_ms.contains_key("addBatch"))
        .map(|p| p.state_operators[0].num_rows_dropped_by_watermark)
        .collect();
    assert_eq!(dropped, [0, 0, 0, 0, 0, 0, 1]);
    let late = late.lock().expect("lock").clone();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].0, 6);
    assert!(
        late[0]
            .1
            .contains("|2024-01-01 12:05:00|cat |{2024-01-01 12:00:00, 2024-01-01 12:10:00}|"),
        "{}",
        late[0].1
    );
}

#[test]
fn late_rows_to_needs_an_aggregation() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let error = lab_stream(&spark, dir.path().join("in"))
        .write_stream()
        .format("console")
        .late_rows_to(|_, _| Ok(()))
        .start()
        .err()
        .expect("refused");
    assert!(error
        .to_string()
        .starts_with("late_rows_to(...) needs a stateful operator"));
}

/// SEMANTICS.md §5.2: a union of two watermarked streams where only one has data. With the
/// default `min` policy the silent input pins the watermark at 1970 and append mode emits
/// nothing; with `max` the watermark moves and the closed window is emitted.
#[test]
fn union_watermark_policies() {
    use spate::functions::window;
    for (policy, expected_rows) in [("min", 0), ("max", 1)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (busy, silent) = (dir.path().join("busy"), dir.path().join("silent"));
        std::fs::create_dir_all(&busy).expect("dir");
        std::fs::create_dir_all(&silent).expect("dir");
        let text: String = [0, 3, 7, 19]
            .iter()
            .map(|m| format!("{{\"event_time\": \"2024-01-15 10:{m:02}:00\", \"word\": \"w\"}}\n"))
            .collect();
        std::fs::write(busy.join("a.json"), text).expect("write");
        let spark = Session::builder()
            .master("local[2]")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.streaming.multipleWatermarkPolicy", policy)
            .get_or_create()
            .expect("session");
        let counts = timed_words(&spark, &busy)
            .union(&timed_words(&spark, &silent))
            .expect("union")
            .group_by([window(col("event_time"), "5 minutes")])
            .count()
            .expect("count");
        let rows = std::sync::Arc::new(std::sync::Mutex::new(0usize));
        let sink = rows.clone();
        let query = counts
            .write_stream()
            .trigger(Trigger::AvailableNow)
            .option("checkpointLocation", dir.path().join("chk").display())
            .foreach_batch(move |batches, _| {
                *sink.lock().expect("lock") += batches.iter().map(|b| b.num_rows()).sum::<usize>();
                Ok(())
            })
            .start()
            .expect("start");
        query.await_termination().expect("run");
        let watermark = query
            .last_progress()
            .and_then(|p| p.event_time.get("watermark").cloned());
        assert_eq!(
            *rows.lock().expect("lock"),
            expected_rows,
            "policy {policy}"
        );
        let expected_watermark = match policy {
            "min" => "1970-01-01T00:00:00.000Z",
            _ => "2024-01-15T10:09:00.000Z",
        };
        assert_eq!(
            watermark.as_deref(),
            Some(expected_watermark),
            "policy {policy}"
        );
    }
}

/// The watermark policy a checkpoint logged wins over the session's, and goes on into
/// the offset log of every later run, so a third run still uses it (SEMANTICS.md §1.3).
#[test]
fn a_checkpoints_watermark_policy_is_logged_again_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    let run = |policy: &str| {
        let spark = Session::builder()
            .master("local[2]")
            .config("spark.sql.streaming.multipleWatermarkPolicy", policy)
            .get_or_create()
            .expect("session");
        lab_stream(&spark, &input)
            .write_stream()
            .option("maxFilesPerTrigger", 1)
            .option("checkpointLocation", dir.path().join("chk").display())
            .trigger(Trigger::AvailableNow)
            .foreach_batch(|_, _| Ok(()))
            .start()
            .expect("start")
            .await_termination()
            .expect("run");
    };
    lab_input(&input);
    run("max");
    std::fs::write(
        input.join("later.json"),
        "{\"id\": 9, \"name\": \"e9\", \"value\": 1.0, \"timestamp\": \"2024-01-15 10:00:00\"}\n",
    )
    .expect("write");
    run("min");
    let logged = std::fs::read_to_string(dir.path().join("chk/offsets/1")).expect("offsets");
    assert!(
        logged.contains("\"spark.sql.streaming.multipleWatermarkPolicy\":\"max\""),
        "{logged}"
    );
}

/// Column names match ignoring case, as Spark's resolver matches them: `with_column`
/// replaces (in place, taking the new spelling), `drop` and `with_column_renamed` find the
/// column, and `with_watermark` resolves it; a reference is named as written. Each
/// expected list is what PySpark 4.3 printed for the same calls.
#[test]
fn column_names_match_ignoring_case_as_in_spark() {
    use spate::functions::{sum, to_timestamp};
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let events = lab_stream(&spark, dir.path().join("in"));
    let selected = events
        .select([col("VALUE"), (col("Value") * lit(2)).alias("doubled")])
        .expect("select");
    assert_eq!(selected.columns(), ["VALUE", "doubled"]);
    let replaced = events
        .with_column("Value", col("value") * lit(2))
        .expect("with_column");
    assert_eq!(replaced.columns(), ["id", "name", "Value", "timestamp"]);
    let dropped = events.drop(["Timestamp", "NAME"]).expect("drop");
    assert_eq!(dropped.columns(), ["id", "value"]);
    let renamed = events
        .with_column_renamed("ID", "key")
        .expect("with_column_renamed");
    assert_eq!(renamed.columns(), ["key", "name", "value", "timestamp"]);
    let totals = events
        .with_column("event_time", to_timestamp(col("timestamp")))
        .and_then(|df| df.with_watermark("Event_Time", "10 minutes"))
        .and_then(|df| df.group_by([col("Name")]).agg([sum(col("Value"))]))
        .expect("aggregate");
    assert_eq!(totals.columns(), ["Name", "sum(Value)"]);
}

/// `*` in a select stands for every column, as Spark's star does.
#[test]
fn a_star_selects_every_column() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let events = lab_stream(&spark, dir.path().join("in"));
    let all = ["id", "name", "value", "timestamp", "doubled"];
    let selected = events
        .select([col("*"), (col("value") * lit(2)).alias("doubled")])
        .expect("select");
    assert_eq!(selected.columns(), all);
    let selected = events
        .select_expr(["*", "value * 2 AS doubled"])
        .expect("select_expr");
    assert_eq!(selected.columns(), all);
    let rows = run_json(
        &spark,
        "star",
        LAB_DDL,
        "{\"id\": 7, \"name\": \"e\", \"value\": 1.5, \"timestamp\": \"t\"}\n",
        |df| {
            df.select_expr(["*", "value * 2 AS doubled"])?
                .group_by([col("doubled")])
                .count()
        },
    )
    .expect("run");
    assert_eq!(rows.iter().map(RecordBatch::num_rows).sum::<usize>(), 1);
}

/// `spark.sql` over a memory table: expressions, `WHERE`, `ORDER BY` (ascending puts NULLs
/// first, descending last, as Spark) and `LIMIT`.
#[test]
fn spark_sql_selects_filters_orders_and_limits_a_memory_table() {
    use arrow::array::{Array, AsArray};
    let spark = session();
    let lines = [
        ("a", "150.0"),
        ("b", "null"),
        ("c", "120.0"),
        ("d", "300.0"),
    ]
    .iter()
    .map(|(name, value)| {
        format!("{{\"id\": 1, \"name\": \"{name}\", \"value\": {value}, \"timestamp\": \"t\"}}\n")
    })
    .collect::<String>();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    std::fs::write(input.join("rows.json"), lines).expect("write");
    lab_stream(&spark, &input)
        .write_stream()
        .format("memory")
        .query_name("sql_events")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start")
        .await_termination()
        .expect("run");
    let names = |sql: &str| -> Vec<Option<String>> {
        let table = spark.sql(sql).expect("sql");
        table
            .collect()
            .iter()
            .flat_map(|b| {
                let names = b.column(0).as_string::<i32>();
                (0..names.len())
                    .map(|i| names.is_valid(i).then(|| names.value(i).to_string()))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let some = |s: &str| Some(s.to_string());
    let doubled = spark
        .sql("SELECT name, value * 2 AS doubled FROM sql_events WHERE value > 130 ORDER BY value DESC")
        .expect("sql");
    assert_eq!(
        doubled
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>(),
        ["name", "doubled"]
    );
    assert_eq!(
        names("SELECT name FROM sql_events WHERE value > 130 ORDER BY value DESC"),
        [some("d"), some("a")]
    );
    let star = spark
        .sql("SELECT * FROM sql_events ORDER BY value LIMIT 3")
        .expect("sql");
    assert_eq!((star.schema().fields().len(), star.count()), (4, 3));
    assert_eq!(
        names("SELECT name FROM sql_events ORDER BY value LIMIT 2"),
        [some("b"), some("c")]
    );
    assert_eq!(
        names("SELECT name FROM sql_events ORDER BY value DESC"),
        [some("d"), some("a"), some("c"), some("b")]
    );
    // ORDER BY reads the select list first (an alias, a position), as PySpark 4.3 does.
    assert_eq!(
        names("SELECT name, -value AS value FROM sql_events ORDER BY value"),
        [some("b"), some("d"), some("a"), some("c")]
    );
    assert_eq!(
        names("SELECT name, -value AS v FROM sql_events ORDER BY 2 DESC"),
        [some("c"), some("a"), some("d"), some("b")]
    );
    assert!(spark
        .sql("SELECT name FROM sql_events GROUP BY name")
        .is_err());
    assert!(spark.sql("SELECT name FROM nowhere").is_err());
}

#[test]
fn union_needs_matching_columns() {
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let lab = lab_stream(&spark, dir.path().join("in"));
    let narrower = lab.select([col("id"), col("name")]).expect("select");
    let error = lab.union(&narrower).err().expect("refused");
    assert!(
        error.to_string().starts_with("[NUM_COLUMNS_MISMATCH]"),
        "{error}"
    );
    let swapped = lab
        .select([col("name"), col("id"), col("value"), col("timestamp")])
        .expect("select");
    let error = lab.union(&swapped).err().expect("refused");
    assert!(
        error.to_string().starts_with("[INCOMPATIBLE_COLUMN_TYPE]"),
        "{error}"
    );
}

/// Lab Part 9.1 end to end: `dropDuplicates(["id", "event_time"])` behind a watermark keeps
/// the first row of each key, and `distinct()` / `dropDuplicatesWithinWatermark` plan too.
#[test]
fn drop_duplicates_keeps_the_first_row_of_each_key() {
    use spate::functions::to_timestamp;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    let rows = [
        (1, "first", "10:00:00"),
        (1, "second", "10:00:00"),
        (2, "x", "10:00:00"),
        (1, "third", "10:00:00"),
        (1, "other time", "10:00:05"),
    ];
    let text: String = rows
        .iter()
        .map(|(id, name, t)| {
            format!("{{\"id\": {id}, \"name\": \"{name}\", \"value\": 1.0, \"timestamp\": \"2024-01-15 {t}\"}}\n")
        })
        .collect();
    std::fs::write(input.join("a.json"), text).expect("write");
    let spark = session();
    let events = lab_stream(&spark, &input)
        .with_column("event_time", to_timestamp(col("timestamp")))
        .expect("event_time")
        .with_watermark("event_time", "10 minutes")
        .expect("watermark");
    let deduplicated = events
        .drop_duplicates(["id", "event_time"])
        .expect("dropDuplicates");
    let names: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = names.clone();
    let query = deduplicated
        .write_stream()
        .trigger(Trigger::AvailableNow)
        .option("checkpointLocation", dir.path().join("chk").display())
        .foreach_batch(move |batches, _| {
            for batch in batches {
                let column = batch.column(1);
                let column = column
                    .as_any()
                    .downcast_ref::<arrow::array::StringArray>()
                    .expect("names");
                sink.lock()
                    .expect("lock")
                    .extend(column.iter().flatten().map(str::to_string));
            }
            Ok(())
        })
        .start()
        .expect("start");
    query.await_termination().expect("run");
    assert_eq!(*names.lock().expect("lock"), ["first", "x", "other time"]);
    let state = &query.last_progress().expect("progress").state_operators[0];
    assert_eq!(state.operator_name, "dedupe");
    assert!(events.distinct().is_ok());
    assert!(events.drop_duplicates_within_watermark(["id"]).is_ok());
    let error = lab_stream(&spark, &input)
        .drop_duplicates_within_watermark(["id"])
        .err()
        .expect("needs a watermark");
    assert!(error
        .to_string()
        .starts_with("dropDuplicatesWithinWatermark is not supported"));
    let error = events
        .drop_duplicates(["nope"])
        .err()
        .expect("unknown column");
    assert!(
        error
            .to_string()
            .contains("UNRESOLVED_COLUMN_AMONG_FIELD_NAMES"),
        "{error}"
    );
}

/// Lab Part 9.2 with the aliases made real: an inner join on `id = id2` within ±5 minutes.
/// A join condition's conjuncts are each the BOOLEAN `AND` makes of them: a STRING column
/// alone is cast as Spark casts it under ANSI ('TRUE' is true), not read as a boolean.
#[test]
fn a_string_conjunct_of_a_join_condition_is_cast_to_boolean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spark = session();
    let stream = |folder: &str, schema: &str, lines: &str| {
        let path = dir.path().join(folder);
        std::fs::create_dir_all(&path).expect("dir");
        std::fs::write(path.join("a.json"), lines).expect("write");
        spark
            .read_stream()
            .format("json")
            .schema(schema)
            .load(&path)
            .expect("load")
    };
    let left = stream(
        "l",
        "id INT, flag STRING",
        "{\"id\":1,\"flag\":\"true\"}\n{\"id\":2,\"flag\":\"false\"}\n{\"id\":3,\"flag\":\"TRUE\"}\n",
    );
    let right = stream("r", "id2 INT", "{\"id2\":1}\n{\"id2\":2}\n{\"id2\":3}\n");
    let joined = left
        .join(&right, "id = id2 AND flag AND id2 > 0", "inner")
        .expect("join");
    let query = joined
        .write_stream()
        .format("memory")
        .query_name("string_conjunct")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    query.await_termination().expect("run");
    let mut ids: Vec<i32> = spark
        .table("string_conjunct")
        .expect("table")
        .collect()
        .iter()
        .flat_map(|batch| {
            batch
                .column(0)
                .as_any()
                .downcast_ref::<arrow::array::Int32Array>()
                .map(|ids| ids.values().to_vec())
                .unwrap_or_default()
        })
        .collect();
    ids.sort();
    assert_eq!(ids, [1, 3]);
}

#[test]
fn lab_join_with_aliases_pairs_rows_within_the_time_range() {
    use spate::functions::to_timestamp;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    // Rows `(id, time)` written as file `file` of input folder `folder`.
    let write = |folder: &str, file: &str, rows: &[(i32, &str)]| {
        let path = dir.path().join(folder);
        std::fs::create_dir_all(&path).expect("dir");
        let text: String = rows
            .iter()
            .map(|(id, t)| {
                format!("{{\"id\": {id}, \"name\": \"n{id}\", \"value\": {id}.5, \"timestamp\": \"2024-01-15 {t}\"}}\n")
            })
            .collect();
        std::fs::write(path.join(file), text).expect("write");
        path
    };
    let one = write(
        "s1",
        "a.json",
        &[(1, "10:00:00"), (2, "10:01:00"), (3, "10:02:00")],
    );
    let two = write(
        "s2",
        "a.json",
        &[
            (1, "10:03:00"),
            (2, "10:20:00"),
            (3, "10:01:00"),
            (4, "10:02:00"),
        ],
    );
    let spark = session();
    let with_time = |path: &Path| {
        lab_stream(&spark, path)
            .with_column("event_time", to_timestamp(col("timestamp")))
            .and_then(|df| df.with_watermark("event_time", "10 minutes"))
            .expect("stream")
    };
    let stream1_wm = with_time(&one).alias("stream1_wm");
    let stream2_wm = with_time(&two)
        .select([
            col("id").alias("id2"),
            col("value").alias("value2"),
            col("event_time"),
        ])
        .expect("select")
        .alias("stream2_wm");
    // The lab's condition text, as written.
    let condition = "
        id = id2 AND
        stream1_wm.event_time >= stream2_wm.event_time - interval 5 minutes AND
        stream1_wm.event_time <= stream2_wm.event_time + interval 5 minutes
    ";
    let joined = stream1_wm
        .join(&stream2_wm, condition, "inner")
        .expect("join");
    assert_eq!(
        joined.columns(),
        [
            "id",
            "name",
            "value",
            "timestamp",
            "event_time",
            "id2",
            "value2",
            "event_time"
        ]
    );
    let pairs: Arc<Mutex<Vec<(i32, i32)>>> = Arc::default();
    let run = || {
        let sink = pairs.clone();
        let query = joined
            .write_stream()
            .trigger(Trigger::AvailableNow)
            .option("checkpointLocation", dir.path().join("chk").display())
            .foreach_batch(move |batches, _| {
                for batch in batches {
                    let ids = batch
                        .column(0)
                        .as_any()
                        .downcast_ref::<arrow::array::Int32Array>();
                    let ids2 = batch
                        .column(5)
                        .as_any()
                        .downcast_ref::<arrow::array::Int32Array>();
                    let (Some(ids), Some(ids2)) = (ids, ids2) else {
                        return Err(Error::Execution("unexpected column types".into()));
                    };
                    let mut pairs = sink.lock().expect("lock");
                    pairs.extend(
                        ids.values()
                            .iter()
                            .copied()
                            .zip(ids2.values().iter().copied()),
                    );
                }
                Ok(())
            })
            .start()
            .expect("start");
        query.await_termination().expect("run");
        let mut found = std::mem::take(&mut *pairs.lock().expect("lock"));
        found.sort();
        let state = query.last_progress().expect("progress").state_operators[0].clone();
        (found, state)
    };
    // Two state partitions in four instances (more than the session's two cores, as on a
    // larger machine), each joining the ids that hash to it. Spark reports four stores per
    // partition.
    spark.conf().set("spark.sql.shuffle.partitions", 2);
    spark.conf().set("spate.sql.shuffle.instances", 4);
    let (found, state) = run();
    assert_eq!(found, [(1, 1), (3, 3)]);
    assert_eq!(
        (
            state.operator_name.as_str(),
            state.num_shuffle_partitions,
            state.num_state_store_instances
        ),
        ("symmetricHashJoin", 2, 8)
    );
    // A restart keeps the partitions and the four instances, though the session now asks
    // for one of each, and each instance finds its own buffered rows: new rows meet the
    // ones stored by the first run.
    spark.conf().set("spark.sql.shuffle.partitions", 1);
    spark.conf().set("spate.sql.shuffle.instances", 1);
    write("s1", "b.json", &[(4, "10:04:00")]);
    write("s2", "b.json", &[(2, "10:04:00"), (1, "10:30:00")]);
    let (found, state) = run();
    assert_eq!(found, [(2, 2), (4, 4)]);
    assert_eq!(state.num_shuffle_partitions, 2);
    // As written in the lab (no aliases), the qualified names do not resolve.
    let unaliased = with_time(&one)
        .join(
            &with_time(&two),
            col("stream1_wm.event_time").gt_eq(col("event_time")),
            "inner",
        )
        .err()
        .expect("unresolved");
    assert!(
        unaliased.to_string().starts_with("[UNRESOLVED_COLUMN"),
        "{unaliased}"
    );
    let ambiguous = with_time(&one)
        .join(&with_time(&two), col("id").eq(col("id")), "inner")
        .err()
        .expect("ambiguous");
    assert!(
        ambiguous.to_string().starts_with("[AMBIGUOUS_REFERENCE]"),
        "{ambiguous}"
    );
}

/// A stream joined with a static DataFrame (`spark.read()`): stateless, every stream row is
/// settled in its own batch, unmatched ones NULL-padded at once for a left outer join.
#[test]
fn stream_static_joins_settle_each_row_in_its_batch() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    let users = dir.path().join("users");
    std::fs::create_dir_all(&users).expect("dir");
    std::fs::write(
        users.join("users.json"),
        "{\"uid\": 0, \"user\": \"zero\"}\n{\"uid\": 1, \"user\": \"one\"}\n{\"uid\": 1, \"user\": \"uno\"}\n",
    )
    .expect("write");
    let events = dir.path().join("events");
    lab_input(&events);
    let spark = session();
    let static_users = spark
        .read()
        .format("json")
        .schema("uid INT, user STRING")
        .load(&users)
        .expect("static read");
    assert!(!static_users.is_streaming());
    assert_eq!(static_users.count().expect("count"), 3);
    let stream = lab_stream(&spark, &events);
    let eager = stream.count().expect_err("a stream has no count()");
    assert!(eager
        .to_string()
        .starts_with("Queries with streaming sources must be executed with writeStream.start()"));
    for (how, expected) in [
        ("inner", vec!["0:zero", "1:one", "1:uno"]),
        ("left_outer", vec!["0:zero", "1:one", "1:uno"]),
        ("left_semi", vec!["0:-", "1:-"]),
    ] {
        let joined = stream
            .join(&static_users, "id = uid AND value > 0", how)
            .expect("join");
        let rows: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = rows.clone();
        let query = joined
            .write_stream()
            .trigger(Trigger::AvailableNow)
            .option(
                "checkpointLocation",
                dir.path().join(format!("chk-{how}")).display(),
            )
            .foreach_batch(move |batches, _| {
                for batch in batches {
                    let ids = batch
                        .column(0)
                        .as_any()
                        .downcast_ref::<arrow::array::Int32Array>();
                    let Some(ids) = ids else {
                        return Err(Error::Execution("id column".into()));
                    };
                    let users = (batch.num_columns() > 5).then(|| {
                        batch
                            .column(5)
                            .as_any()
                            .downcast_ref::<arrow::array::StringArray>()
                            .cloned()
                    });
                    for i in 0..batch.num_rows() {
                        let user = users
                            .as_ref()
                            .and_then(|u| u.as_ref())
                            .filter(|u| !arrow::array::Array::is_null(*u, i))
                            .map_or("-".to_string(), |u| u.value(i).to_string());
                        sink.lock()
                            .expect("lock")
                            .push(format!("{}:{user}", ids.value(i)));
                    }
                }
                Ok(())
            })
            .start()
            .expect("start");
        query.await_termination().expect("run");
        let mut rows = rows.lock().expect("lock").clone();
        rows.sort();
        assert_eq!(rows, expected, "{how}");
    }
    // Event 2 has no user: a left outer join pads it right away.
    let extra = dir.path().join("events2");
    std::fs::create_dir_all(&extra).expect("dir");
    std::fs::write(
        extra.join("e.json"),
        "{\"id\": 2, \"name\": \"e2\", \"value\": 1.0, \"timestamp\": \"2024-01-15 10:00:00\"}\n",
    )
    .expect("write");
    let padded = lab_stream(&spark, &extra)
        .join(&static_users, "id = uid", "left_outer")
        .expect("join");
    let count: Arc<Mutex<usize>> = Arc::default();
    let sink = count.clone();
    let query = padded
        .write_stream()
        .trigger(Trigger::AvailableNow)
        .option("checkpointLocation", dir.path().join("chk-pad").display())
        .foreach_batch(move |batches, _| {
            for batch in batches {
                assert!(batch.column(5).is_null(0));
                *sink.lock().expect("lock") += batch.num_rows();
            }
            Ok(())
        })
        .start()
        .expect("start");
    query.await_termination().expect("run");
    assert_eq!(*count.lock().expect("lock"), 1);
    let error = static_users
        .write_stream()
        .format("console")
        .start()
        .err()
        .expect("static");
    assert!(error
        .to_string()
        .contains("'writeStream' can be called only on streaming"));
    assert!(stream
        .join(&static_users, "id = uid", "right_outer")
        .is_err());
}

/// A DATE key meets a TIMESTAMP key as its local midnight (Spark's cast in the session time
/// zone), and a STRING key as a date.
#[test]
fn date_join_keys_compare_as_spark_casts_them() {
    use spate::functions::to_date;
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events");
    lab_input(&events);
    let days = dir.path().join("days");
    std::fs::create_dir_all(&days).expect("dir");
    std::fs::write(
        days.join("days.json"),
        "{\"ts\": \"2024-01-15 00:00:00\", \"day\": \"2024-01-15\", \"label\": \"monday\"}\n",
    )
    .expect("write");
    let spark = session();
    spark
        .conf()
        .set("spark.sql.session.timeZone", "America/Los_Angeles");
    let calendar = spark
        .read()
        .format("json")
        .schema("ts TIMESTAMP, day STRING, label STRING")
        .load(&days)
        .expect("static read");
    let dated = lab_stream(&spark, &events)
        .with_column("d", to_date(col("timestamp")))
        .expect("to_date");
    for condition in ["d = ts", "d = day"] {
        let joined = dated.join(&calendar, condition, "inner").expect("join");
        let rows = run_to_rows(&joined, &dir.path().join(condition.replace(' ', "")));
        assert_eq!(rows, 2, "{condition}");
    }
}

/// Runs `df` with availableNow into foreachBatch; the rows it emitted.
fn run_to_rows(df: &DataFrame, checkpoint: &Path) -> usize {
    use std::sync::{Arc, Mutex};
    let rows: Arc<Mutex<usize>> = Arc::default();
    let sink = rows.clone();
    let query = df
        .write_stream()
        .trigger(Trigger::AvailableNow)
        .option("checkpointLocation", checkpoint.display())
        .foreach_batch(move |batches, _| {
            *sink.lock().expect("lock") += batches.iter().map(|b| b.num_rows()).sum::<usize>();
            Ok(())
        })
        .start()
        .expect("start");
    query.await_termination().expect("run");
    let rows = *rows.lock().expect("lock");
    rows
}

/// A USING join names a column missing from either input as Spark does, and needs one.
#[test]
fn using_joins_resolve_their_columns_in_both_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spark = session();
    let left = lab_stream(&spark, dir.path());
    let right = lab_stream(&spark, dir.path())
        .with_column_renamed("id", "key")
        .expect("rename");
    let message = |on: &[&str]| {
        left.join_using(&right, on, "inner")
            .err()
            .map(|e| e.to_string())
    };
    // Spark 4.3, probed with PySpark (`a.join(b, "nope")`).
    assert_eq!(
        message(&["nope"]).as_deref(),
        Some(
            "[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `nope` cannot be resolved on the \
             left side of the join. The left-side columns: [`id`, `name`, `value`, \
             `timestamp`]. SQLSTATE: 42703"
        )
    );
    assert_eq!(
        message(&["ID"]).as_deref(),
        Some(
            "[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `ID` cannot be resolved on the \
             right side of the join. The right-side columns: [`key`, `name`, `value`, \
             `timestamp`]. SQLSTATE: 42703"
        )
    );
    assert!(message(&[]).is_some());
    // Names match in any case; the key keeps the left input's spelling.
    let joined = left.join_using(&right, &["NAME"], "inner").expect("join");
    assert_eq!(
        joined.columns(),
        [
            "name",
            "id",
            "value",
            "timestamp",
            "key",
            "value",
            "timestamp"
        ]
    );
}

/// `explode` is a whole projection item: refused, with Spark's errors, anywhere else.
#[test]
fn generators_are_projection_items() {
    use spate::functions::{explode, expr, split};
    let dir = tempfile::tempdir().expect("tempdir");
    let spark = session();
    let events = lab_stream(&spark, dir.path());
    let words = || explode(split(col("name"), "_"));
    let message = |result: spate::Result<DataFrame>| result.err().map(|e| e.to_string());
    // Spark 4.3's messages (PySpark).
    assert_eq!(
        message(events.select([words().eq(lit("x"))])).as_deref(),
        Some(
            "[UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: \
             nested in expressions \"(explode(split(name, _, -1)) = x)\". SQLSTATE: 42K0E"
        )
    );
    assert!(message(events.filter(words().eq(lit("x"))))
        .is_some_and(|m| m.starts_with("[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT]")));
    assert_eq!(
        message(events.select([explode(col("name"))])).as_deref(),
        Some(
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"explode(name)\" due to \
             data type mismatch: The first parameter requires the (\"ARRAY\" or \"MAP\") type, \
             however \"name\" has the type \"STRING\". SQLSTATE: 42K09"
        )
    );
    assert!(message(events.select([words(), words()])).is_some());
    assert!(message(events.group_by([words()]).count())
        .is_some_and(|m| m.starts_with("[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT]")));
    // As `with_column` and in SQL text, named as Spark names them.
    let columns = events
        .with_column("w", words())
        .expect("with_column")
        .columns();
    assert_eq!(columns, ["id", "name", "value", "timestamp", "w"]);
    let selected = events
        .select([
            expr("explode(split(name, '_')) AS word").expect("expr"),
            col("id"),
        ])
        .expect("select");
    assert_eq!(selected.columns(), ["word", "id"]);
    assert_eq!(events.select([words()]).expect("select").columns(), ["col"]);
    // Exploded rows count even when nothing reads the exploded column.
    let counted = run_json(
        &spark,
        "exploded_counts",
        LAB_DDL,
        "{\"id\": 1, \"name\": \"a_b_c\"}\n{\"id\": 2, \"name\": \"d\"}\n{\"id\": 3}\n",
        |df| {
            df.select([col("id"), explode(split(col("name"), "_"))])?
                .group_by([col("id")])
                .count()
        },
    )
    .expect("run");
    let rows = crate::support::rows_as_json(&counted);
    assert_eq!(
        rows,
        [
            serde_json::json!({"id": 2, "count": 1}),
            serde_json::json!({"id": 1, "count": 3})
        ]
    );
}

/// `current_timestamp()` gives every row of a batch the timestamp logged with the
/// batch's offsets (Spark's `batchTimestampMs`, SEMANTICS.md §1.7), again when a restart
/// runs the batch a second time.
#[test]
fn current_timestamp_is_the_logged_batch_timestamp_on_a_rerun_too() {
    use spate::functions::current_timestamp;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    lab_input(&input);
    let checkpoint = dir.path().join("chk");
    let spark = session();
    let df = spark
        .read_stream()
        .format("json")
        .schema(LAB_DDL)
        .option("maxFilesPerTrigger", 1)
        .load(&input)
        .expect("load")
        .select([col("id"), current_timestamp()])
        .expect("select");
    assert_eq!(df.columns(), ["id", "current_timestamp()"]);
    // (batch, current_timestamp()) of each row of `df`'s run on `checkpoint`.
    let run = |df: &DataFrame, checkpoint: &Path, mode: &str| {
        let seen: Arc<Mutex<Vec<(u64, i64)>>> = Arc::default();
        let sink = seen.clone();
        let query = df
            .write_stream()
            .output_mode(mode)
            .trigger(Trigger::AvailableNow)
            .option("checkpointLocation", checkpoint.display())
            .foreach_batch(move |batches, batch_id| {
                for batch in batches {
                    let time = batch
                        .column_by_name("current_timestamp()")
                        .and_then(|c| {
                            c.as_any()
                                .downcast_ref::<arrow::array::TimestampMicrosecondArray>()
                                .map(|t| t.value(0))
                        })
                        .unwrap_or_default();
                    let row = (batch_id, time);
                    sink.lock()
                        .expect("lock")
                        .extend((0..batch.num_rows()).map(|_| row));
                }
                Ok(())
            })
            .start()
            .expect("start");
        query.await_termination().expect("run");
        let seen = seen.lock().expect("lock").clone();
        seen
    };
    let logged_in = |checkpoint: &Path, batch: u64| -> i64 {
        let entry = std::fs::read_to_string(checkpoint.join(format!("offsets/{batch}")))
            .expect("offset log");
        let (_, rest) = entry
            .split_once("\"batchTimestampMs\":")
            .expect("batch timestamp");
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<i64>().expect("a number") * 1000
    };
    let logged = |batch: u64| logged_in(&checkpoint, batch);
    let first = run(&df, &checkpoint, "append");
    assert_eq!(first.len(), 2);
    for &(batch, current) in &first {
        assert_eq!(current, logged(batch));
    }
    // Batch 1 did not commit: the restart runs it again, with its logged timestamp.
    std::fs::remove_file(checkpoint.join("commits/1")).expect("uncommit");
    std::thread::sleep(std::time::Duration::from_millis(5));
    let again = run(&df, &checkpoint, "append");
    assert_eq!(again, [(1, logged(1))]);
    // After an aggregation (a stage of its own, not fused into the source) too.
    let counted = df
        .group_by([col("id")])
        .count()
        .and_then(|counts| counts.select([col("id"), current_timestamp()]))
        .expect("aggregate");
    let aggregated = dir.path().join("chk-agg");
    let rows = run(&counted, &aggregated, "update");
    assert_eq!(rows.len(), 2);
    for (batch, current) in rows {
        assert_eq!(current, logged_in(&aggregated, batch));
    }
    // Inside an aggregation, at two instances.
    spark.conf().set("spate.sql.shuffle.instances", 2);
    let latest = df
        .group_by([col("id")])
        .agg([spate::functions::max(current_timestamp()).alias("current_timestamp()")])
        .expect("aggregate");
    let inside = dir.path().join("chk-inside");
    let rows = run(&latest, &inside, "update");
    assert_eq!(rows.len(), 2);
    for (batch, current) in rows {
        assert_eq!(current, logged_in(&inside, batch));
    }
}

/// A windowed aggregation stopped after two deliveries and restarted on its checkpoint
/// continues with its state: the same batches as SEMANTICS.md §6.4's uninterrupted run.
#[test]
fn a_restarted_aggregation_continues_from_its_checkpointed_state() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    let deliver = |n: usize| deliver_worked_example(&input, n);
    type Emitted = Arc<Mutex<Vec<(u64, Vec<String>)>>>;
    let emitted: Emitted = Arc::default();
    let start = |spark: &Session| {
        let sink = emitted.clone();
        windowed_word_counts(spark, &input, "10 minutes")
            .write_stream()
            .output_mode("append")
            .option("checkpointLocation", dir.path().join("chk").display())
            .foreach_batch(move |batches, id| {
                let mut words = Vec::new();
                for batch in batches {
                    let column = batch.column(1);
                    let names = column
                        .as_any()
                        .downcast_ref::<arrow::array::StringArray>()
                        .expect("words");
                    let counts = batch.column(2);
                    let counts = counts
                        .as_any()
                        .downcast_ref::<arrow::array::Int64Array>()
                        .expect("counts");
                    for i in 0..batch.num_rows() {
                        words.push(format!("{}={}", names.value(i), counts.value(i)));
                    }
                }
                words.sort();
                sink.lock().expect("lock").push((id, words));
                Ok(())
            })
            .start()
            .expect("start")
    };
    // The first run keeps its state in two instances; the restart too, though the session
    // now asks for one: the checkpoint fixes the number, as Spark's does.
    let spark = session();
    spark.conf().set("spark.sql.shuffle.partitions", 2);
    spark.conf().set("spate.sql.shuffle.instances", 2);
    deliver(0);
    let first = start(&spark);
    first.process_all_available().expect("d0");
    deliver(1);
    first.process_all_available().expect("d1");
    first.stop();
    let state = &first.last_progress().expect("progress").state_operators[0];
    assert_eq!(state.num_shuffle_partitions, 2);
    spark.conf().set("spark.sql.shuffle.partitions", 1);
    spark.conf().set("spate.sql.shuffle.instances", 1);
    let second = start(&spark);
    assert_eq!(second.id(), first.id());
    second.process_all_available().expect("restart");
    deliver(2);
    second.process_all_available().expect("d2");
    deliver(3);
    second.process_all_available().expect("d3");
    second.stop();
    let emitted = emitted.lock().expect("lock").clone();
    let ids: Vec<u64> = emitted.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(emitted[5].1, ["cat=2", "dog=2", "owl=1"]);
    assert!(emitted
        .iter()
        .filter(|(id, _)| *id != 5)
        .all(|(_, rows)| rows.is_empty()));
    let state = &second.last_progress().expect("progress").state_operators[0];
    assert_eq!(
        (
            state.num_rows_total,
            state.num_rows_dropped_by_watermark,
            state.num_shuffle_partitions
        ),
        (2, 1, 2)
    );
    let offsets = std::fs::read_to_string(dir.path().join("chk/offsets/6")).expect("offsets");
    assert!(
        offsets.contains("\"spark.sql.shuffle.partitions\":\"2\"")
            && offsets.contains("\"spate.sql.shuffle.instances\":\"2\""),
        "{offsets}"
    );
    // Every epoch writes a delta; the first of a restarted run also a snapshot beside it,
    // on a thread of its own (which may still be finishing when the query has stopped).
    // Batch 0's delta is the whole state already: no snapshot beside it.
    let state = dir.path().join("chk/state/1/0");
    for epoch in 0..=6 {
        assert!(state.join(format!("{epoch}.delta")).exists(), "{epoch}");
    }
    let written = |file: &str| {
        (0..500).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            state.join(file).exists()
        })
    };
    assert!(written("4.snapshot"));
    assert!(!state.join("0.snapshot").exists());
}

/// A checkpoint written by another query is refused with a typed error naming the state
/// file, and nothing in it is overwritten.
#[test]
fn a_checkpoint_of_another_query_is_refused() {
    use spate::functions::{to_timestamp, window};
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    lab_input(&input);
    let spark = session();
    let checkpoint = dir.path().join("chk");
    let events = lab_stream(&spark, &input)
        .with_column("event_time", to_timestamp(col("timestamp")))
        .and_then(|df| df.with_watermark("event_time", "10 minutes"))
        .expect("events");
    let run = |df: spate::DataFrame| {
        df.write_stream()
            .trigger(Trigger::AvailableNow)
            .output_mode("update")
            .option("checkpointLocation", checkpoint.display())
            .foreach_batch(|_, _| Ok(()))
            .start()
    };
    let counts = events
        .group_by([window(col("event_time"), "1 minute")])
        .count()
        .expect("counts");
    run(counts)
        .expect("first query")
        .await_termination()
        .expect("run");
    let before: Vec<_> = std::fs::read_dir(checkpoint.join("state/1/0"))
        .expect("state dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    let deduplicated = events.drop_duplicates(["id"]).expect("dedup");
    let Err(Error::Checkpoint { path, reason }) = run(deduplicated) else {
        panic!("a dedup query must not continue an aggregation's checkpoint");
    };
    assert!(
        path.starts_with(checkpoint.join("state/1/0")),
        "{}",
        path.display()
    );
    assert!(reason.contains("does not fit this query"), "{reason}");
    let after: Vec<_> = std::fs::read_dir(checkpoint.join("state/1/0"))
        .expect("state dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(before, after);
}

/// The rate sources: `rate-micro-batch` gives the same rows on every run; `rate` counts
/// whole seconds since the query started.
#[test]
fn rate_sources_generate_spark_shaped_rows() {
    use std::sync::{Arc, Mutex};
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    type Batches = Arc<Mutex<Vec<(u64, Vec<i64>)>>>;
    let rows: Batches = Arc::default();
    let sink = rows.clone();
    let query = spark
        .read_stream()
        .format("rate-micro-batch")
        .option("rowsPerBatch", 2)
        .option("numPartitions", 1)
        .load_source()
        .expect("rate-micro-batch")
        .write_stream()
        .option("checkpointLocation", dir.path().join("chk").display())
        .foreach_batch(move |batches, id| {
            let mut values = Vec::new();
            for batch in batches {
                let column = batch.column(1);
                let column = column
                    .as_any()
                    .downcast_ref::<arrow::array::Int64Array>()
                    .expect("value");
                values.extend(column.values().iter().copied());
            }
            sink.lock().expect("lock").push((id, values));
            Ok(())
        })
        .start()
        .expect("start");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while rows.lock().expect("lock").len() < 3 {
        assert!(std::time::Instant::now() < deadline, "no batches");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    query.stop();
    let rows = rows.lock().expect("lock").clone();
    assert_eq!(
        rows[..3],
        [(0, vec![0, 1]), (1, vec![2, 3]), (2, vec![4, 5])]
    );
    let rate = spark
        .read_stream()
        .format("rate")
        .option("rowsPerSecond", 5)
        .load_source()
        .expect("rate");
    assert_eq!(rate.columns(), ["timestamp", "value"]);
    let described = rate
        .write_stream()
        .format("console")
        .trigger(Trigger::processing_time("1 second").expect("trigger"))
        .option("checkpointLocation", dir.path().join("chk-rate").display())
        .console_output(spate::ConsoleOutput::Buffer(Arc::default()))
        .start()
        .expect("start");
    described.stop();
    assert!(spark
        .read_stream()
        .format("rate")
        .schema("x INT")
        .load_source()
        .is_err());
}

/// `df.agg(...)`: a global aggregation, one row updated every batch.
#[test]
fn a_global_aggregation_counts_the_whole_stream() {
    use spate::functions::{count_star, sum};
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let spark = session();
    let totals: Arc<Mutex<Vec<(i64, f64)>>> = Arc::default();
    let sink = totals.clone();
    let query = spark
        .read_stream()
        .format("json")
        .schema(LAB_DDL)
        .option("maxFilesPerTrigger", 1)
        .load(dir.path().join("in"))
        .and_then(|df| df.agg([count_star(), sum(col("value"))]))
        .expect("agg")
        .write_stream()
        .output_mode("update")
        .trigger(Trigger::AvailableNow)
        .option("checkpointLocation", dir.path().join("chk").display())
        .foreach_batch(move |batches, _| {
            for batch in batches {
                let count = batch
                    .column(0)
                    .as_any()
                    .downcast_ref::<arrow::array::Int64Array>();
                let total = batch
                    .column(1)
                    .as_any()
                    .downcast_ref::<arrow::array::Float64Array>();
                if let (Some(count), Some(total)) = (count, total) {
                    sink.lock()
                        .expect("lock")
                        .push((count.value(0), total.value(0)));
                }
            }
            Ok(())
        })
        .start()
        .expect("start");
    query.await_termination().expect("run");
    assert_eq!(*totals.lock().expect("lock"), [(1, 100.0), (2, 201.0)]);
}

/// `spark.sql.session.timeZone` set to a region: strings without a zone are read in the offset
/// of their own date and the console shows every instant in the offset in effect then.
#[test]
fn a_region_session_time_zone_reads_and_shows_local_times_as_spark_does() {
    use arrow::datatypes::DataType;
    use spate::functions::to_timestamp;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    let rows = [
        "2024-01-15 10:00:00",
        "2024-03-10 01:30:00",
        "2024-03-10 02:30:00",
        "2024-11-03 01:30:00",
        "2024-11-03T01:30:00-08:00",
        "2024-11-03 02:30:00",
    ];
    let lines: String = rows
        .iter()
        .map(|t| format!("{{\"t\": \"{t}\"}}\n"))
        .collect();
    std::fs::write(input.join("a.json"), lines).expect("write");
    let spark = Session::builder()
        .master("local[2]")
        .config("spark.sql.session.timeZone", "America/Los_Angeles")
        .get_or_create()
        .expect("session");
    let output: Arc<Mutex<Vec<u8>>> = Arc::default();
    let query = spark
        .read_stream()
        .format("json")
        .schema("t STRING")
        .load(&input)
        .and_then(|df| {
            df.select([
                col("t"),
                to_timestamp(col("t")).alias("ts"),
                to_timestamp(col("t")).cast(DataType::Int64).alias("epoch"),
            ])
        })
        .expect("select")
        .write_stream()
        .format("console")
        .option("truncate", "false")
        .option("checkpointLocation", dir.path().join("chk").display())
        .console_output(spate::ConsoleOutput::Buffer(output.clone()))
        .start()
        .expect("start");
    query.process_all_available().expect("batch");
    query.stop();
    // PySpark 4.3 printed this for `df.select("t", to_timestamp("t").alias("ts"),
    // to_timestamp("t").cast("long").alias("epoch"))` with the same session time zone: 02:30
    // on 2024-03-10 is skipped by the clocks and becomes 03:30 PDT; 01:30 on 2024-11-03
    // happens twice and takes the earlier offset (PDT), unless the string names one.
    let expected = "\
-------------------------------------------
Batch: 0
-------------------------------------------
+-------------------------+-------------------+----------+
|t                        |ts                 |epoch     |
+-------------------------+-------------------+----------+
|2024-01-15 10:00:00      |2024-01-15 10:00:00|1705341600|
|2024-03-10 01:30:00      |2024-03-10 01:30:00|1710063000|
|2024-03-10 02:30:00      |2024-03-10 03:30:00|1710066600|
|2024-11-03 01:30:00      |2024-11-03 01:30:00|1730622600|
|2024-11-03T01:30:00-08:00|2024-11-03 01:30:00|1730626200|
|2024-11-03 02:30:00      |2024-11-03 02:30:00|1730629800|
+-------------------------+-------------------+----------+

";
    let text = String::from_utf8(output.lock().expect("lock").clone()).expect("utf-8");
    assert_eq!(text, expected);
}

/// An unknown session time zone fails with Spark's message naming it.
#[test]
fn an_unknown_session_time_zone_is_refused_with_sparks_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    lab_input(&dir.path().join("in"));
    let spark = session();
    spark
        .conf()
        .set("spark.sql.session.timeZone", "Mars/Olympus");
    let err = spark
        .read_stream()
        .format("json")
        .schema(LAB_DDL)
        .load(dir.path().join("in"))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "[INVALID_CONF_VALUE.TIME_ZONE] The value 'Mars/Olympus' in the config \
             \"spark.sql.session.timeZone\" is invalid. Cannot resolve the given timezone. \
             SQLSTATE: 22022"
        )
    );
}

/// Without `spark.sql.shuffle.partitions`, a query reports Spark's default 200 state
/// partitions and runs one instance per core. A checkpoint of an earlier build, which
/// recorded its partitions but no instances, restarts with the instances that build ran
/// (one per recorded partition, at most one per core) whatever the session asks, its state
/// routed by key.
#[test]
fn partitions_default_to_sparks_and_old_checkpoints_take_the_sessions_instances() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    lab_input(&input);
    let spark = session();
    let run = || {
        let query = lab_stream(&spark, &input)
            .drop_duplicates(["name"])
            .expect("dedup")
            .write_stream()
            .option("checkpointLocation", dir.path().join("cp").display())
            .trigger(Trigger::AvailableNow)
            .foreach_batch(|_, _| Ok(()))
            .start()
            .expect("start");
        query.await_termination().expect("run");
        query.last_progress().expect("progress").state_operators[0].clone()
    };
    let state = run();
    assert_eq!(
        (
            state.num_shuffle_partitions,
            state.num_state_store_instances
        ),
        (200, 200)
    );
    let offsets = dir.path().join("cp/offsets/0");
    let text = std::fs::read_to_string(&offsets).expect("offsets");
    let (partitions, instances) = (
        "\"spark.sql.shuffle.partitions\":\"200\"",
        ",\"spate.sql.shuffle.instances\":\"2\"",
    );
    assert!(
        text.contains(partitions) && text.contains(instances),
        "{text}"
    );
    let earlier = text
        .replace(partitions, "\"spark.sql.shuffle.partitions\":\"3\"")
        .replace(instances, "");
    std::fs::write(&offsets, earlier).expect("rewrite");
    spark.conf().set("spate.sql.shuffle.instances", 1);
    std::fs::write(
        input.join("events_2.json"),
        "{\"id\": 2, \"name\": \"e0\", \"value\": 1.0, \"timestamp\": \"2024-01-15 10:00:00\"}\n",
    )
    .expect("write");
    let state = run();
    // Two instances (the restart's offset log records them; progress shows partitions
    // only); the duplicate name found its key in its instance.
    assert_eq!((state.num_shuffle_partitions, state.num_rows_total), (3, 2));
    let text = std::fs::read_to_string(dir.path().join("cp/offsets/1")).expect("offsets");
    assert!(
        text.contains("\"spark.sql.shuffle.partitions\":\"3\"")
            && text.contains("\"spate.sql.shuffle.instances\":\"2\""),
        "{text}"
    );
}

/// A partitions or instances setting that is not a positive number is refused at start,
/// naming the setting; one recorded in a checkpoint names the offset log.
#[test]
fn partitions_and_instances_must_be_positive_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    lab_input(&input);
    let spark = session();
    let start = |checkpoint: &str| {
        lab_stream(&spark, &input)
            .drop_duplicates(["name"])
            .expect("dedup")
            .write_stream()
            .option("checkpointLocation", dir.path().join(checkpoint).display())
            .trigger(Trigger::AvailableNow)
            .foreach_batch(|_, _| Ok(()))
            .start()
    };
    for (key, value) in [
        ("spark.sql.shuffle.partitions", "0"),
        ("spate.sql.shuffle.instances", "two"),
    ] {
        spark.conf().set(key, value);
        let error = start("fresh").err().expect("refused");
        assert!(
            matches!(error, Error::IllegalArgument(_))
                && error.to_string().contains(&format!(
                    "{key} should be a positive number, but was {value}"
                )),
            "{error}"
        );
        spark.conf().unset(key);
    }
    start("cp")
        .expect("start")
        .await_termination()
        .expect("run");
    let offsets = dir.path().join("cp/offsets/0");
    let text = std::fs::read_to_string(&offsets).expect("offsets");
    let recorded = "\"spate.sql.shuffle.instances\":\"2\"";
    assert!(text.contains(recorded), "{text}");
    std::fs::write(
        &offsets,
        text.replace(recorded, "\"spate.sql.shuffle.instances\":\"-1\""),
    )
    .expect("rewrite");
    let error = start("cp").err().expect("refused");
    assert!(
        matches!(&error, Error::Checkpoint { path, .. } if path.ends_with("offsets")),
        "{error}"
    );
}

/// Deduplication in two instances, its key named in other case than the column.
#[test]
fn deduplication_in_two_instances_matches_its_keys_ignoring_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    let rows: String = [0, 1, 0, 2, 1]
        .iter()
        .map(|n| format!("{{\"id\": {n}, \"name\": \"e{n}\", \"value\": 1.0, \"timestamp\": \"2024-01-15 10:00:00\"}}\n"))
        .collect();
    std::fs::write(input.join("a.json"), rows).expect("write");
    let spark = session();
    spark.conf().set("spate.sql.shuffle.instances", 2);
    let query = lab_stream(&spark, &input)
        .drop_duplicates(["NAME"])
        .expect("dedup")
        .write_stream()
        .format("memory")
        .query_name("first_names")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    query.await_termination().expect("run");
    let mut names: Vec<String> = spark
        .table("first_names")
        .expect("table")
        .collect()
        .iter()
        .flat_map(|b| {
            let names = b.column(1);
            let names = names
                .as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .expect("names");
            names
                .iter()
                .flatten()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["e0", "e1", "e2"]);
    let state = &query.last_progress().expect("progress").state_operators[0];
    assert_eq!(state.num_rows_total, 3);
}

/// `from_json`'s checks: a STRING input, the modes it has, a STRING corrupt-record field,
/// JSON options spate reads; and `s.*` only of a struct.
#[test]
fn from_json_refuses_what_spark_refuses_and_what_spate_cannot_read() {
    use spate::functions::{from_json, from_json_with_options};
    let spark = session();
    let dir = tempfile::tempdir().expect("tempdir");
    let df = lab_stream(&spark, dir.path());
    let message = |e: Error| e.to_string();

    let not_text = df
        .select([from_json(col("id"), "a INT").expect("from_json")])
        .err()
        .map(message)
        .expect("an INT is not JSON text");
    assert!(
        not_text.contains("[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE]")
            && not_text
                .contains("requires the \"STRING\" type, however \"id\" has the type \"INT\""),
        "{not_text}"
    );
    let drop = from_json_with_options(col("name"), "a INT", [("mode", "DROPMALFORMED")])
        .map_err(message)
        .expect_err("from_json cannot drop rows");
    assert!(drop.starts_with("[PARSE_MODE_UNSUPPORTED]"), "{drop}");
    let corrupt = from_json(col("name"), "a INT, _corrupt_record INT")
        .map_err(message)
        .expect_err("the corrupt-record field must be a string");
    assert!(
        corrupt.contains("[INVALID_CORRUPT_RECORD_TYPE]"),
        "{corrupt}"
    );
    let multi_line = from_json_with_options(col("name"), "a INT", [("multiLine", "true")])
        .map_err(message)
        .expect_err("spate reads one record per string only");
    assert!(multi_line.contains("multiLine"), "{multi_line}");
    let star = df
        .select([col("name.*")])
        .err()
        .map(message)
        .expect("a string has no fields");
    assert!(star.starts_with("[CANNOT_RESOLVE_STAR_EXPAND]"), "{star}");
    let sql = spate::functions::expr("from_json(name)")
        .map_err(message)
        .expect_err("from_json needs a schema");
    assert!(sql.contains("from_json takes"), "{sql}");
}

/// `from_json`'s `timeZone` option reads local timestamps in that zone instead of the
/// session's; without it, the session's zone.
#[test]
fn from_json_reads_local_timestamps_in_its_time_zone_option() {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::TimestampMicrosecondType;
    use spate::functions::{from_json, from_json_with_options};
    let spark = session();
    let line = "{\"id\": 1, \"name\": \"{\\\"t\\\": \\\"2024-01-15 10:00:00\\\"}\"}\n";
    let batches = run_json(
        &spark,
        "from_json_zones",
        "id INT, name STRING",
        line,
        |df| {
            df.select([
                from_json(col("name"), "t TIMESTAMP")?.alias("session"),
                from_json_with_options(col("name"), "t TIMESTAMP", [("timeZone", "Asia/Tokyo")])?
                    .alias("tokyo"),
            ])?
            .group_by([col("session.t").alias("s"), col("tokyo.t").alias("k")])
            .count()
        },
    )
    .expect("run");
    let micros = |column: usize| {
        batches[0]
            .column(column)
            .as_primitive::<TimestampMicrosecondType>()
            .value(0)
    };
    assert_eq!(batches[0].column(0).len(), 1);
    // 10:00 UTC (the test session's zone) and 10:00 in Tokyo (01:00 UTC).
    assert_eq!(micros(0), 1_705_312_800_000_000);
    assert_eq!(micros(1), 1_705_312_800_000_000 - 9 * 3_600_000_000);
}

/// `from_json` makes every nested field nullable, as Spark's `asNullable` does: a missing
/// field of a `NOT NULL` struct field is NULL, not an error.
#[test]
fn from_json_makes_nested_fields_nullable() {
    use arrow::array::Array;
    use spate::functions::from_json;
    let spark = session();
    let line = "{\"id\": 1, \"name\": \"{\\\"s\\\": {}}\"}\n";
    let batches = run_json(
        &spark,
        "from_json_nullable",
        "id INT, name STRING",
        line,
        |df| {
            df.select([from_json(col("name"), "s STRUCT<x: INT NOT NULL>")?.alias("j")])?
                .group_by([col("j.s.x").alias("x")])
                .count()
        },
    )
    .expect("run");
    assert_eq!(batches[0].num_rows(), 1);
    assert!(batches[0].column(0).is_null(0));
}

/// A column whose name holds a dot is a column, not a struct's field, when `*` or
/// `with_column` passes it on.
#[test]
fn columns_named_with_dots_pass_through_star_and_with_column() {
    use spate::functions::{struct_, to_json};
    let spark = session();
    let line = "{\"id\": 1, \"a.b\": 2}\n";
    let batches = run_json(&spark, "dotted_names", "id INT, `a.b` INT", line, |df| {
        df.select([col("*"), to_json(struct_([col("*")])).alias("j")])?
            .with_column("id", col("id") + lit(1))?
            .group_by([col("`a.b`"), col("id"), col("j")])
            .count()
    })
    .expect("run");
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["a.b", "id", "j", "count"]);
    let j = batches[0].column(2);
    assert_eq!(
        arrow::array::AsArray::as_string::<i32>(j).value(0),
        "{\"id\":1,\"a.b\":2}"
    );
}
