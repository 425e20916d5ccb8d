//! Conformance: the queries of `conformance/cases/*` run in spate and compared, batch by
//! batch, with the answers real Spark 4.3 gave (`conformance/golden/*`, produced by
//! `conformance/generate.py`).

use crate::support::{rows_as_json, set_mtime, sort_rows};
use arrow::record_batch::RecordBatch;
use serde_json::Value;
use spate::functions::{
    avg, col, count, count_distinct, lit, max, sliding_window, sum, to_timestamp, when, window,
    window_with_start,
};
use spate::types::IntegerType;
use spate::{ConsoleOutput, DataFrame, Result, Session, Trigger};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Each committed batch id with its record batches.
type Epochs = Vec<(u64, Vec<RecordBatch>)>;

fn case_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("conformance/cases")
        .join(name)
}

fn golden_path(name: &str, suffix: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("conformance/golden")
        .join(format!("{name}{suffix}"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A case's session and streaming input, with the input files copied (and their mtimes set)
/// into a fresh directory.
struct Case {
    name: String,
    spec: Value,
    dir: tempfile::TempDir,
    spark: Session,
}

impl Case {
    fn load(name: &str) -> Case {
        let spec = read_json(&case_dir(name).join("case.json"));
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("input")).expect("input dir");
        // The second input folder exists even when empty (git keeps no empty folders).
        std::fs::create_dir_all(dir.path().join("input2")).expect("input2 dir");
        let second = spec.get("files2").and_then(Value::as_array).cloned();
        for file in spec["files"]
            .as_array()
            .expect("files")
            .iter()
            .chain(second.iter().flatten())
        {
            let relative = file["path"].as_str().expect("path");
            let target = dir.path().join(relative);
            std::fs::copy(case_dir(name).join(relative), &target).expect("copy input");
            set_mtime(&target, file["mtime_ms"].as_u64().expect("mtime"));
        }
        // Four cores, so that the cases can run with up to four instances per operator.
        let mut builder = Session::builder()
            .master("local[4]")
            .config("spark.sql.session.timeZone", "UTC");
        for (key, value) in spec["conf"].as_object().expect("conf") {
            builder = builder.config(key, value.as_str().expect("conf value"));
        }
        let spark = builder.get_or_create().expect("session");
        Case {
            name: name.to_string(),
            spec,
            dir,
            spark,
        }
    }

    fn input(&self) -> DataFrame {
        self.read("input")
    }

    /// The case's second input (`df2` in its PySpark code).
    fn input2(&self) -> DataFrame {
        self.read("input2")
    }

    fn read(&self, folder: &str) -> DataFrame {
        let mut reader = self
            .spark
            .read_stream()
            .format(self.spec["format"].as_str().expect("format"));
        if let Some(ddl) = self.spec["schema_ddl"].as_str() {
            reader = reader.schema(ddl);
        }
        for (key, value) in self.spec["options"].as_object().expect("options") {
            reader = reader.option(key, value.as_str().expect("option value"));
        }
        reader.load(self.dir.path().join(folder)).expect("load")
    }

    /// The case's output mode (`append` when the case predates output modes).
    fn output_mode(&self) -> &str {
        self.spec["output_mode"].as_str().unwrap_or("append")
    }

    /// Runs `query` with availableNow into foreachBatch, checkpointing in `checkpoint`;
    /// returns the batches, the error and the progress reports.
    fn run(
        &self,
        query: &DataFrame,
        checkpoint: &str,
    ) -> (Epochs, Option<String>, Vec<spate::StreamingQueryProgress>) {
        let collected: Arc<Mutex<Epochs>> = Arc::default();
        let sink = collected.clone();
        let started = query
            .write_stream()
            .trigger(Trigger::AvailableNow)
            .output_mode(self.output_mode())
            .option(
                "checkpointLocation",
                self.dir.path().join(checkpoint).display(),
            )
            .foreach_batch(move |batches, id| {
                sink.lock().expect("lock").push((id, batches.to_vec()));
                Ok(())
            })
            .start();
        let handle = match started {
            Ok(handle) => handle,
            Err(error) => return (Vec::new(), Some(error.to_string()), Vec::new()),
        };
        let error = handle
            .await_termination()
            .err()
            .map(|e| e.cause.to_string());
        let batches = collected.lock().expect("lock").clone();
        (batches, error, handle.recent_progress())
    }

    /// Compares `query`'s schema, batches and error with the golden file, with 1, 4 and 2
    /// instances of each keyed stateful operator (`spate.sql.shuffle.instances`) over the
    /// goldens' 2 state partitions (`spark.sql.shuffle.partitions`); returns the progress
    /// reports of the last run, whose checkpoint is `checkpoint-rows`.
    fn check_rows(&self, query: &DataFrame) -> Vec<spate::StreamingQueryProgress> {
        self.spark.conf().set("spark.sql.shuffle.partitions", 2);
        let mut progress = Vec::new();
        for (instances, checkpoint) in [
            (1, "checkpoint-p1"),
            (4, "checkpoint-p4"),
            (2, "checkpoint-rows"),
        ] {
            self.spark
                .conf()
                .set("spate.sql.shuffle.instances", instances);
            progress = self.check_rows_in(query, instances, checkpoint);
        }
        progress
    }

    /// [`Case::check_rows`] for one number of instances.
    fn check_rows_in(
        &self,
        query: &DataFrame,
        instances: usize,
        checkpoint: &str,
    ) -> Vec<spate::StreamingQueryProgress> {
        let name = format!("{} ({instances} instances)", self.name);
        let golden = read_json(&golden_path(&self.name, ".json"));
        let schema: Vec<Value> = query
            .schema()
            .fields()
            .iter()
            .map(|f| {
                serde_json::json!({"name": f.name(), "type": spate::runtime::types::spark_type_name(f.data_type()), "nullable": f.is_nullable()})
            })
            .collect();
        assert_eq!(Value::Array(schema), golden["schema"], "{name}: schema");
        let (batches, error, progress) = self.run(query, checkpoint);
        let expected: Vec<(u64, Vec<Value>)> = golden["batches"]
            .as_array()
            .expect("batches")
            .iter()
            .map(|b| {
                (
                    b["batchId"].as_u64().expect("id"),
                    sort_rows(b["rows"].as_array().expect("rows").clone()),
                )
            })
            .collect();
        let actual: Vec<(u64, Vec<Value>)> = batches
            .iter()
            .map(|(id, b)| (*id, rows_as_json(b)))
            .collect();
        assert_eq!(actual.len(), expected.len(), "{name}: number of batches");
        for ((id, rows), (expected_id, expected_rows)) in actual.iter().zip(&expected) {
            assert_eq!(id, expected_id, "{name}: batch ids");
            let missing: Vec<&Value> = expected_rows.iter().filter(|r| !rows.contains(r)).collect();
            let unexpected: Vec<&Value> =
                rows.iter().filter(|r| !expected_rows.contains(r)).collect();
            assert!(
                missing.is_empty() && unexpected.is_empty() && rows.len() == expected_rows.len(),
                "{name}: batch {id}: spate lacks {missing:?}\nspate has extra {unexpected:?}"
            );
        }
        assert_eq!(error.as_deref(), golden["error"].as_str(), "{name}: error");
        progress
    }

    /// Compares the console sink's text with Spark's.
    fn check_console(&self, query: &DataFrame) {
        let expected = std::fs::read_to_string(golden_path(&self.name, ".console.txt"))
            .expect("console golden");
        let buffer: Arc<Mutex<Vec<u8>>> = Arc::default();
        let handle = query
            .write_stream()
            .format("console")
            .output_mode(self.output_mode())
            .trigger(Trigger::AvailableNow)
            .option(
                "checkpointLocation",
                self.dir.path().join("checkpoint-console").display(),
            )
            .console_output(ConsoleOutput::Buffer(buffer.clone()))
            .start()
            .expect("start");
        let _ = handle.await_termination();
        let printed = String::from_utf8(buffer.lock().expect("lock").clone()).expect("utf8");
        assert_eq!(printed, expected, "{}: console text", self.name);
    }
}

fn check(name: &str, query: impl Fn(DataFrame) -> Result<DataFrame>) {
    let case = Case::load(name);
    let df = query(case.input()).expect("query");
    case.check_rows(&df);
    if case.spec["console"].as_bool() == Some(true) {
        case.check_console(&df);
    }
}

#[test]
fn lab_transform() {
    check("lab_transform", |df| {
        df.with_column("value_doubled", col("value") * lit(2))?
            .with_column("event_time", to_timestamp(col("timestamp")))?
            .filter(col("value").gt(lit(100)))
    });
}

#[test]
fn ansi_cast_failure() {
    check("ansi_cast_failure", |df| {
        df.with_column("event_time", to_timestamp(col("timestamp")))
    });
}

#[test]
fn column_names() {
    check("column_names", |df| {
        df.select([
            col("value") * lit(2),
            col("value").gt(lit(100)),
            to_timestamp(col("timestamp")),
            col("id") + lit(1),
            col("value") / lit(2),
            col("name").is_null(),
            lit(1),
            col("value").cast(IntegerType()),
            !col("value").gt(lit(1)),
            when(col("value").gt(lit(150)), lit("hi")).otherwise(lit("lo")),
        ])
    });
}

#[test]
fn multi_file_expressions() {
    check("multi_file_expressions", |df| {
        df.select([
            col("id"),
            col("name"),
            (col("value") * lit(1.5)).alias("scaled"),
            when(col("value").gt(lit(250)), lit("high"))
                .when(col("value").gt(lit(150)), lit("mid"))
                .otherwise(lit("low"))
                .alias("band"),
            col("name").is_null().alias("no_name"),
            col("value").cast(IntegerType()).alias("value_int"),
            (col("id") % lit(7)).alias("id_mod"),
            to_timestamp(col("timestamp")).alias("event_time"),
        ])?
        .filter(
            col("scaled")
                .gt(lit(180))
                .and(!col("no_name"))
                .or(col("id_mod").eq(lit(0))),
        )
    });
}

#[test]
fn in_lists() {
    check_with_progress("in_lists", |df| {
        let names = ["Event_1", "Event_2", "Event_5", "Event_9"];
        df.filter(col("name").isin(names.map(lit)))?.select([
            col("id"),
            col("name"),
            col("value").isin([lit(100), lit(200), lit(spate::functions::Literal::Null)]),
            col("id").isin([1, 2, 3].map(lit)).alias("small"),
            spate::functions::expr("id NOT IN (5, 6)")?,
        ])
    });
}

#[test]
fn filter_missing_fields() {
    check_with_progress("filter_missing_fields", |df| {
        df.filter(col("name").eq(lit("alpha")))?
            .select([col("id"), col("name")])
    });
}

#[test]
fn filter_missing_fields_conjuncts() {
    check_with_progress("filter_missing_fields_conjuncts", |df| {
        df.filter(col("id").gt(lit(100)).and(col("name").eq(lit("alpha"))))?
            .select([col("id"), col("name")])
    });
}

#[test]
fn round_values() {
    use spate::functions::round;
    check("round_values", |df| {
        df.select([
            col("id"),
            round(col("value"), 1),
            round(col("value"), 0),
            round(col("id"), -1),
            spate::functions::expr("round(value / 3, 2)")?,
        ])
    });
}

#[test]
fn coalesce_values() {
    use spate::functions::coalesce;
    check("coalesce_values", |df| {
        df.select([
            col("id"),
            coalesce([col("name"), lit("none")]),
            coalesce([col("value"), col("id"), lit(0)]).alias("v"),
            spate::functions::expr("coalesce(name, 'x')")?,
        ])
    });
}

#[test]
fn ansi_off_types() {
    check("ansi_off_types", |df| {
        df.select([
            col("id"),
            (col("id") + lit("1")).alias("plus_text"),
            (col("id") * lit("2.5")).alias("times_text"),
            col("name").cast(IntegerType()).alias("name_int"),
        ])
    });
}

macro_rules! passthrough_cases {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            check(stringify!($name), Ok);
        }
    )*};
}

passthrough_cases!(
    json_permissive_corrupt,
    json_permissive_plain,
    json_dropmalformed,
    json_timestamp_field,
    csv_header,
    csv_no_header,
    latest_first,
    text_source,
    parquet_source
);

/// Spark's JSON scan reads only the columns a query uses: a record whose unused fields do
/// not convert is not malformed (DROPMALFORMED keeps it).
#[test]
fn json_dropmalformed_pruned() {
    check("json_dropmalformed_pruned", |df| {
        df.group_by([col("name")])
            .agg([sum(col("value")).alias("total")])
    });
}

/// The same without an aggregation: a selection reads only what it selects.
#[test]
fn json_dropmalformed_select() {
    check("json_dropmalformed_select", |df| {
        df.select([col("name"), col("value")])
    });
}

/// A count reads no column: only a record's syntax counts.
#[test]
fn json_count_dropmalformed() {
    check("json_count_dropmalformed", |df| {
        df.agg([count(lit(1)).alias("n")])
    });
}

/// Spark's CSV scan reads only the columns a query uses too: neither an unused column's
/// value nor the line's token count makes a record corrupt.
#[test]
fn csv_corrupt_pruned() {
    check("csv_corrupt_pruned", |df| {
        df.select([col("value"), col("city"), col("_corrupt_record")])
    });
}

/// The same under DROPMALFORMED.
#[test]
fn csv_dropmalformed_pruned() {
    check("csv_dropmalformed_pruned", |df| {
        df.select([col("name"), col("value")])
    });
}

/// Reading every data column (not the corrupt-record one), the token count still counts.
#[test]
fn csv_dropmalformed_all_data() {
    check("csv_dropmalformed_all_data", |df| {
        df.select([col("id"), col("name"), col("value"), col("city")])
    });
}

/// A CSV count reads no column: every line counts, malformed or not.
#[test]
fn csv_count_dropmalformed() {
    check("csv_count_dropmalformed", |df| {
        df.agg([count(lit(1)).alias("n")])
    });
}

/// Pruning goes through a union: each input reads only what the union's reader uses.
#[test]
fn json_union_dropmalformed_pruned() {
    check_two_inputs("json_union_dropmalformed_pruned", |df, df2| {
        df.union(&df2)?
            .group_by([col("name")])
            .agg([sum(col("value")).alias("total")])
    });
}

/// The same with a corrupt-record column: it names the records whose syntax or used
/// fields are bad.
#[test]
fn json_corrupt_pruned() {
    check("json_corrupt_pruned", |df| {
        df.group_by([col("name"), col("_corrupt_record")])
            .agg([count(lit("*")).alias("n"), sum(col("value")).alias("total")])
    });
}

#[test]
fn lab_raw_memory() {
    let case = Case::load("lab_raw_memory");
    let df = case.input();
    case.check_rows(&df);
    let query = df
        .write_stream()
        .format("memory")
        .query_name("events_memory")
        .trigger(Trigger::AvailableNow)
        .option(
            "checkpointLocation",
            case.dir.path().join("checkpoint-memory").display(),
        )
        .start()
        .expect("start");
    query.await_termination().expect("query");
    let table = case.spark.sql("SELECT * FROM events_memory").expect("sql");
    let expected =
        std::fs::read_to_string(golden_path("lab_raw_memory", ".show.txt")).expect("show golden");
    // PySpark's `show()` prints showString and a newline.
    assert_eq!(
        format!("{}\n", table.show_string(20, true).expect("show")),
        expected
    );
}

/// Compares each batch's progress (input rows, `eventTime`, `stateOperators` counters and
/// partitions) and commit-log watermark with Spark's.
fn check_progress(case: &Case, progress: &[spate::StreamingQueryProgress]) {
    let golden = read_json(&golden_path(&case.name, ".json"));
    let expected = golden["progress"].as_array().expect("progress");
    // Executed batches only (idle reports have no `addBatch`), as the golden keeps them.
    let executed: Vec<_> = progress
        .iter()
        .filter(|p| p.duration_ms.contains_key("addBatch"))
        .collect();
    assert_eq!(
        executed.len(),
        expected.len(),
        "{}: progress reports",
        case.name
    );
    for (report, expected) in executed.iter().zip(expected) {
        let batch = report.batch_id;
        assert_eq!(
            batch,
            expected["batchId"].as_u64().expect("id"),
            "{}",
            case.name
        );
        assert_eq!(
            report.num_input_rows,
            expected["numInputRows"].as_u64().expect("rows"),
            "{}: batch {batch} numInputRows",
            case.name
        );
        let event_time = serde_json::to_value(&report.event_time).expect("json");
        assert_eq!(
            event_time, expected["eventTime"],
            "{}: batch {batch}",
            case.name
        );
        let state: Vec<Value> = report
            .state_operators
            .iter()
            .map(|s| {
                let mut entry = serde_json::json!({
                    "operatorName": s.operator_name,
                    "numRowsTotal": s.num_rows_total,
                    "numRowsUpdated": s.num_rows_updated,
                    "numRowsRemoved": s.num_rows_removed,
                    "numRowsDroppedByWatermark": s.num_rows_dropped_by_watermark,
                    "numShufflePartitions": s.num_shuffle_partitions,
                    "numStateStoreInstances": s.num_state_store_instances,
                });
                if let Some(duplicates) = s.custom_metrics.get("numDroppedDuplicateRows") {
                    entry["numDroppedDuplicateRows"] = serde_json::json!(duplicates);
                }
                entry
            })
            .collect();
        assert_eq!(
            Value::Array(state),
            expected["stateOperators"],
            "{}: batch {batch} stateOperators",
            case.name
        );
        let commit = std::fs::read_to_string(
            case.dir
                .path()
                .join(format!("checkpoint-rows/commits/{batch}")),
        )
        .expect("commit file");
        let commit: Value =
            serde_json::from_str(commit.lines().nth(1).expect("commit line")).expect("json");
        assert_eq!(
            commit["nextBatchWatermarkMs"], expected["nextBatchWatermarkMs"],
            "{}: batch {batch}",
            case.name
        );
    }
}

/// Checks rows, error and (when the golden has them) progress of a case.
fn check_with_progress(name: &str, query: impl Fn(DataFrame) -> Result<DataFrame>) {
    check_two_inputs(name, |df, _| query(df));
}

/// [`check_with_progress`] for a query over both of the case's inputs.
fn check_two_inputs(name: &str, query: impl Fn(DataFrame, DataFrame) -> Result<DataFrame>) {
    let case = Case::load(name);
    let df = query(case.input(), case.input2()).expect("query");
    let progress = case.check_rows(&df);
    if read_json(&golden_path(name, ".json"))
        .get("progress")
        .is_some()
    {
        check_progress(&case, &progress);
    }
}

#[test]
fn watermark_stateless() {
    check_with_progress("watermark_stateless", |df| {
        df.with_column("event_time", to_timestamp(col("timestamp")))?
            .with_watermark("event_time", "10 minutes")?
            .filter(col("value").gt(lit(200)))
    });
}

/// The §6.4 worked example: `withWatermark(event_time, 10 minutes)`, word counts per
/// 10-minute window.
fn worked_example(df: DataFrame) -> Result<DataFrame> {
    df.with_watermark("event_time", "10 minutes")?
        .group_by([window(col("event_time"), "10 minutes"), col("word")])
        .count()
}

#[test]
fn agg_worked_append() {
    check_with_progress("agg_worked_append", worked_example);
}

#[test]
fn agg_worked_update() {
    check_with_progress("agg_worked_update", worked_example);
}

#[test]
fn agg_worked_complete() {
    check_with_progress("agg_worked_complete", worked_example);
}

/// The lab's Step 4.2 aggregation (no watermark).
fn lab_aggregation(df: DataFrame) -> Result<DataFrame> {
    df.with_column("event_time", to_timestamp(col("timestamp")))?
        .group_by([window(col("event_time"), "1 minute")])
        .agg([
            count(lit("*")).alias("event_count"),
            sum(col("value")).alias("total_value"),
            avg(col("value")).alias("avg_value"),
        ])
}

#[test]
fn lab_agg_window_update() {
    check_with_progress("lab_agg_window_update", lab_aggregation);
}

#[test]
fn lab_agg_window_complete() {
    check_with_progress("lab_agg_window_complete", lab_aggregation);
}

#[test]
fn lab_agg_window_fields() {
    check_with_progress("lab_agg_window_fields", |df| {
        lab_aggregation(df)?.select([col("window.start"), col("window.END"), col("event_count")])
    });
}

#[test]
fn lab_agg_window_field_filter() {
    check_with_progress("lab_agg_window_field_filter", |df| {
        lab_aggregation(df)?
            .select([col("window"), col("event_count")])?
            .filter(col("window.start").is_not_null())?
            .select([col("window.start"), col("event_count")])
    });
}

#[test]
fn lab_agg_expressions() {
    check_with_progress("lab_agg_expressions", |df| {
        df.with_column("event_time", to_timestamp(col("timestamp")))?
            .group_by([window(col("event_time"), "1 minute")])
            .agg([
                count(lit("*")).alias("event_count"),
                (sum(col("value")) / count(col("value"))).alias("mean"),
                sum(col("value")) * lit(2),
            ])
    });
}

#[test]
fn agg_worked_append_expression() {
    check_with_progress("agg_worked_append_expression", |df| {
        df.with_watermark("event_time", "10 minutes")?
            .group_by([window(col("event_time"), "10 minutes"), col("word")])
            .agg([(count(lit("*")) * lit(10)).alias("tens")])
    });
}

#[test]
fn lab_agg_window_append_error() {
    check_with_progress("lab_agg_window_append_error", lab_aggregation);
}

#[test]
fn complete_without_aggregation_error() {
    check_with_progress("complete_without_aggregation_error", Ok);
}

/// The lab's Step 8.2: 5-minute windows sliding every minute, with a 10-minute watermark.
fn lab_sliding_windows(df: DataFrame) -> Result<DataFrame> {
    df.with_column("event_time", to_timestamp(col("timestamp")))?
        .with_watermark("event_time", "10 minutes")?
        .group_by([sliding_window(col("event_time"), "5 minutes", "1 minute")])
        .agg([
            count(lit("*")).alias("event_count"),
            sum(col("value")).alias("total_value"),
        ])
}

#[test]
fn sliding_window_watermark() {
    check_with_progress("sliding_window_watermark", lab_sliding_windows);
}

#[test]
fn sliding_window_append() {
    check_with_progress("sliding_window_append", lab_sliding_windows);
}

#[test]
fn window_start_time() {
    check_with_progress("window_start_time", |df| {
        df.with_column("event_time", to_timestamp(col("timestamp")))?
            .with_watermark("event_time", "10 minutes")?
            .group_by([window_with_start(
                col("event_time"),
                "10 minutes",
                "5 minutes",
                "2 minutes",
            )])
            .count()
    });
}

#[test]
fn raw_time_key_append() {
    check_with_progress("raw_time_key_append", |df| {
        df.with_column("event_time", to_timestamp(col("timestamp")))?
            .with_watermark("event_time", "10 minutes")?
            .group_by([col("event_time"), col("name")])
            .agg([
                count(lit("*")).alias("n"),
                max(col("value")).alias("max_value"),
            ])
    });
}

#[test]
fn group_count_update() {
    check_with_progress("group_count_update", |df| {
        df.group_by([col("name")]).count()
    });
}

/// A global aggregation: Spark keeps its state in one partition (one store of the two
/// partitions).
#[test]
fn global_count_update() {
    check_with_progress("global_count_update", |df| {
        df.agg([count(lit("*")).alias("n"), sum(col("value")).alias("total")])
    });
}

/// The lab's Part 12 query. Spark refuses `countDistinct` on streams, so its goldens compute
/// `size(collect_set(user_id))`; spate runs the lab's `count_distinct` as written.
fn lab_part12(df: DataFrame) -> Result<DataFrame> {
    df.with_watermark("timestamp", "10 minutes")?
        .group_by([window(col("timestamp"), "5 minutes"), col("action")])
        .agg([
            count(lit("*")).alias("action_count"),
            sum(col("value")).alias("total_value"),
            count_distinct(col("user_id")).alias("unique_users"),
        ])
}

#[test]
fn lab_complete_example() {
    check_with_progress("lab_complete_example", lab_part12);
}

/// Part 12 with `spark.sql.streaming.noDataMicroBatches.enabled=false`: no trailing batch.
#[test]
fn lab_complete_example_no_data_batches_off() {
    check_with_progress("lab_complete_example_no_data_batches_off", lab_part12);
}

/// SEMANTICS.md §5.2: two watermarked inputs, one of them silent; the policy decides.
fn union_of_watermarked(df: DataFrame, df2: DataFrame) -> Result<DataFrame> {
    df.with_watermark("event_time", "10 minutes")?
        .union(&df2.with_watermark("event_time", "10 minutes")?)?
        .group_by([window(col("event_time"), "5 minutes")])
        .count()
}

#[test]
fn union_watermark_min() {
    check_two_inputs("union_watermark_min", union_of_watermarked);
}

#[test]
fn union_watermark_max() {
    check_two_inputs("union_watermark_max", union_of_watermarked);
}

#[test]
fn union_two_inputs_update() {
    check_two_inputs("union_two_inputs_update", |df, df2| {
        df.with_watermark("event_time", "10 minutes")?
            .union(&df2.with_watermark("event_time", "5 minutes")?)?
            .group_by([window(col("event_time"), "10 minutes"), col("word")])
            .count()
    });
}

/// Lab Part 9.1's event time, watermarked.
fn events_with_watermark(df: DataFrame) -> Result<DataFrame> {
    df.with_column("event_time", to_timestamp(col("timestamp")))?
        .with_watermark("event_time", "10 minutes")
}

#[test]
fn dedup_event_time_keys() {
    check_with_progress("dedup_event_time_keys", |df| {
        events_with_watermark(df)?.drop_duplicates(["id", "event_time"])
    });
}

#[test]
fn dedup_id_only() {
    check_with_progress("dedup_id_only", |df| {
        events_with_watermark(df)?.drop_duplicates(["id"])
    });
}

#[test]
fn dedup_within_watermark() {
    check_with_progress("dedup_within_watermark", |df| {
        events_with_watermark(df)?.drop_duplicates_within_watermark(["id"])
    });
}

#[test]
fn distinct_no_watermark() {
    check_with_progress("distinct_no_watermark", |df| {
        df.select([col("id"), col("name")])?.distinct()
    });
}

/// The lab's Part 9.2 with the aliases made real, as a `how` join.
fn lab_join(df: DataFrame, df2: DataFrame, how: &str) -> Result<DataFrame> {
    let s1 = events_with_watermark(df)?.alias("s1");
    let s2 = events_with_watermark(df2)?
        .select([
            col("id").alias("id2"),
            col("value").alias("value2"),
            col("event_time"),
        ])?
        .alias("s2");
    s1.join(
        &s2,
        "id = id2 AND s1.event_time >= s2.event_time - interval 5 minutes \
         AND s1.event_time <= s2.event_time + interval 5 minutes",
        how,
    )
}

#[test]
fn join_inner_interval() {
    check_two_inputs("join_inner_interval", |a, b| lab_join(a, b, "inner"));
}

#[test]
fn join_left_outer() {
    check_two_inputs("join_left_outer", |a, b| lab_join(a, b, "left_outer"));
}

#[test]
fn join_full_outer() {
    check_two_inputs("join_full_outer", |a, b| lab_join(a, b, "full_outer"));
}

#[test]
fn join_left_semi() {
    check_two_inputs("join_left_semi", |a, b| lab_join(a, b, "left_semi"));
}

#[test]
fn join_outer_update_error() {
    check_two_inputs("join_outer_update_error", |a, b| {
        lab_join(a, b, "left_outer")
    });
}

/// Both inputs with `event_time` and a 10-minute watermark, USING-joined on `on`.
fn using_join(df: DataFrame, df2: DataFrame, on: &[&str], how: &str) -> Result<DataFrame> {
    events_with_watermark(df)?.join_using(&events_with_watermark(df2)?, on, how)
}

#[test]
fn join_using_inner() {
    check_two_inputs("join_using_inner", |a, b| {
        using_join(a, b, &["id"], "inner")
    });
}

#[test]
fn join_using_full_outer() {
    check_two_inputs("join_using_full_outer", |a, b| {
        using_join(a, b, &["id", "event_time"], "full_outer")
    });
}

#[test]
fn join_using_right_outer() {
    check_two_inputs("join_using_right_outer", |a, b| {
        using_join(a, b, &["id", "event_time"], "right_outer")
    });
}

#[test]
fn join_using_stream_static() {
    let case = Case::load("join_using_stream_static");
    let labels = case
        .spark
        .read()
        .format("json")
        .schema("id BIGINT, label STRING")
        .load(case.dir.path().join("input2"))
        .expect("static read");
    let df = case
        .input()
        .join_using(&labels, &["id"], "left_outer")
        .expect("query");
    let progress = case.check_rows(&df);
    check_progress(&case, &progress);
}

#[test]
fn string_tests_select() {
    use spate::functions::expr;
    check_with_progress("string_tests_select", |df| {
        let name = || col("name");
        df.select([
            col("id"),
            name(),
            name().like("Ev%"),
            name().like(r"ev\%t"),
            name().like("a_b"),
            name().like(r"a\_c"),
            name().like("%"),
            name().like(""),
            name().startswith("Ev"),
            name().endswith("t"),
            name().contains("_"),
            col("id").like("1%"),
            col("value").startswith("1"),
            expr("name LIKE 'a!_c' ESCAPE '!'")?,
            expr("name NOT LIKE '%v%'")?,
            expr("startswith(name, 'E')")?,
            expr("like(name, 'E_')")?,
        ])
    });
}

#[test]
fn string_filter_pushed() {
    check_with_progress("string_filter_pushed", |df| {
        df.filter(
            col("name")
                .startswith("E")
                .and(col("name").like("%1"))
                .and(col("name").contains("x").not()),
        )
    });
}

#[test]
fn string_filter_like_kept() {
    check_with_progress("string_filter_like_kept", |df| {
        df.filter(col("name").like("E_%"))
    });
}

#[test]
fn string_filter_like_starts_and_ends() {
    check_with_progress("string_filter_like_starts_and_ends", |df| {
        df.filter(col("name").like("E%z").or(col("id").gt(lit(100))))?
            .filter(col("name").like("E%z"))
    });
}

#[test]
fn word_count_complete() {
    use spate::functions::{explode, split};
    check_with_progress("word_count_complete", |df| {
        df.select([explode(split(col("value"), " ")).alias("word")])?
            .group_by([col("word")])
            .count()
    });
}

#[test]
fn explode_select() {
    use spate::functions::{explode_outer, split, split_with_limit};
    check_with_progress("explode_select", |df| {
        df.filter(col("id").gt(lit(0)))?
            .select([
                col("id"),
                explode_outer(split(col("name"), ",")).alias("part"),
                split_with_limit(col("name"), ",", 2),
            ])?
            .filter(col("part").not_eq(lit("b")))
    });
}

#[test]
fn explode_filter_pushed() {
    use arrow::datatypes::DataType;
    use spate::functions::{explode, split};
    check_with_progress("explode_filter_pushed", |df| {
        df.select([
            col("id"),
            explode(split(col("name"), ",")).alias("part"),
            col("timestamp").cast(DataType::Int32).alias("t"),
        ])?
        .filter(col("id").gt(lit(1)))?
        .filter(col("part").not_eq(lit("x")))
    });
}

#[test]
fn batch_timestamp_select() {
    use spate::functions::{current_timestamp, to_timestamp};
    check_with_progress("batch_timestamp_select", |df| {
        df.select([
            col("id"),
            current_timestamp().gt(to_timestamp(lit("2020-01-01 00:00:00"))),
            current_timestamp().is_not_null(),
        ])
    });
}

#[test]
fn regex_functions_select() {
    use spate::functions::{expr, regexp_extract, regexp_replace};
    check_with_progress("regex_functions_select", |df| {
        let name = || col("name");
        df.filter(name().rlike("[a-z]").or(col("id").is_null()))?
            .select([
                col("id"),
                name().rlike(r"\d+"),
                regexp_replace(name(), r"(\d+)", "<$1>"),
                regexp_replace(name(), "", "-"),
                regexp_extract(name(), r"(\d+)", 1),
                regexp_extract(name(), r"([a-z])(\d)?", 2),
                expr("name RLIKE '^E'")?,
                expr("name NOT REGEXP 'x'")?,
                expr("regexp_extract(name, '([a-z]+)_')")?,
            ])
    });
}

#[test]
fn date_parts_select() {
    use spate::functions::{date_format, dayofmonth, expr, hour, minute, month, second, year};
    check_with_progress("date_parts_select", |df| {
        let time = || to_timestamp(col("timestamp"));
        df.select([
            col("id"),
            year(time()),
            month(time()),
            dayofmonth(time()),
            hour(time()),
            minute(time()),
            second(time()),
            hour(col("timestamp")),
            expr("minute(timestamp)")?,
            date_format(time(), "yyyy-MM-dd HH:mm"),
            date_format(col("timestamp"), "EEE, d MMM yyyy h:mm:ss.SSS a XXX"),
            expr("date_format(timestamp, 'HH')")?,
            dayofmonth(col("timestamp")),
            year(lit("2024-01-15 junk")),
        ])
    });
}

#[test]
fn math_functions_select() {
    use spate::functions::{abs, ceil, expr, floor, pow, sqrt};
    check_with_progress("math_functions_select", |df| {
        df.select([
            col("id"),
            abs(col("value")),
            abs(col("id")),
            sqrt(col("value")),
            floor(col("value")),
            ceil(col("value")),
            floor(col("id")),
            pow(col("value"), 2),
            expr("power(id, 0.5)")?,
            expr("abs(value) + ceil(value)")?,
        ])
    });
}

#[test]
fn dates_select() {
    use arrow::datatypes::DataType;
    use spate::functions::{
        coalesce, concat, current_date, date_format, expr, to_date, to_date_with_format, year,
    };
    check_with_progress("dates_select", |df| {
        let date = || to_date(col("timestamp"));
        df.select([
            col("id"),
            date(),
            to_date_with_format(col("name"), "dd/MM/yyyy"),
            to_date(to_timestamp(col("timestamp"))),
            date().cast(DataType::Utf8),
            date().gt_eq(lit("2024-01-15")),
            date().cast(spate::runtime::types::timestamp_type()),
            year(date()),
            date_format(date(), "yyyy/MM/dd HH:mm"),
            current_date().gt(to_date(lit("2020-01-01"))),
            expr("CAST(timestamp AS DATE)")?,
            expr("to_date(name, 'dd/MM/yyyy')")?,
            concat([date(), lit("x")]),
            date().like("2024-01%"),
            to_timestamp(date()),
            coalesce([date(), to_timestamp(lit("2020-01-01 00:00:00"))]),
        ])
    });
}

#[test]
fn moments_update() {
    use spate::functions::{expr, stddev, stddev_pop, stddev_samp, var_pop, var_samp, variance};
    check_with_progress("moments_update", |df| {
        let value = || col("value");
        df.group_by([col("name")]).agg([
            stddev(value()),
            stddev_samp(value()),
            stddev_pop(value()),
            variance(value()),
            var_samp(value()),
            var_pop(value()),
            expr("stddev(id)")?,
        ])
    });
}

#[test]
fn substring_select() {
    use spate::functions::{expr, substring};
    check_with_progress("substring_select", |df| {
        let name = || col("name");
        df.select([
            col("id"),
            substring(name(), 1, 3),
            substring(name(), 0, 2),
            substring(name(), -3, 2),
            substring(name(), 5, 10),
            name().substr(2, 3),
            substring(name(), 2, -1),
            substring(col("id"), 1, 1),
            expr("substring(name, 2, 3)")?,
            expr("substr(name, 2)")?,
            expr("substring(name FROM 2 FOR 3)")?,
        ])
    });
}

#[test]
fn string_functions_select() {
    use spate::functions::{concat, expr, length, lower, ltrim, rtrim, trim, upper};
    check_with_progress("string_functions_select", |df| {
        let name = || col("name");
        df.filter(lower(name()).not_eq(lit("skip")))?.select([
            col("id"),
            lower(name()),
            upper(name()),
            length(name()),
            trim(name()),
            ltrim(name()),
            rtrim(name()),
            concat([name(), lit("-"), col("id")]),
            length(col("id")),
            expr("ltrim(name)")?,
            expr("concat(name, value)")?,
            expr("upper(name)")?,
        ])
    });
}

#[test]
fn agg_functions_complete() {
    use spate::functions::{approx_count_distinct, min};
    check_with_progress("agg_functions_complete", |df| {
        df.group_by([col("name")]).agg([
            count(lit("*")),
            count(col("value")),
            sum(col("value")),
            sum(col("id")),
            avg(col("value")),
            avg(col("id")),
            min(col("value")),
            max(col("value")),
            min(col("timestamp")),
            max(col("id")),
            approx_count_distinct(col("id")),
        ])
    });
}

/// Progress JSON field by field against Spark's full reports for the same query and data:
/// key order at every level, the values that do not depend on time, and the type and range
/// of those that do (ids, timestamps, durations, rates, memory). Spark's `customMetrics`
/// belong to its HDFS state store and are not compared.
fn check_progress_json(name: &str, query: impl Fn(DataFrame) -> Result<DataFrame>) {
    use crate::support::Ordered;
    let case = Case::load(name);
    let df = query(case.input()).expect("query");
    let progress = case.check_rows(&df);
    let text = std::fs::read_to_string(golden_path(name, ".progress.json")).expect("golden");
    let golden: Vec<Ordered> = serde_json::from_str(&text).expect("golden json");
    let ours: Vec<Ordered> = progress
        .iter()
        .filter(|p| p.duration_ms.contains_key("addBatch"))
        .map(|p| serde_json::from_str(&p.json()).expect("our json"))
        .collect();
    assert_eq!(ours.len(), golden.len(), "{name}: reports");
    let uuid = |v: &Value| {
        v.as_str()
            .is_some_and(|s| s.len() == 36 && s.matches('-').count() == 4)
    };
    let iso = |v: &Value| {
        v.as_str().is_some_and(|s| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.3fZ").is_ok()
        })
    };
    let count = |v: &Value| v.as_u64().is_some();
    let rate = |v: &Value| v.as_f64().is_some_and(|r| r >= 0.0);
    for (ours, spark) in ours.iter().zip(&golden) {
        let batch = spark.get("batchId").map(Ordered::value);
        let at = |what: &str| format!("{name}: batch {batch:?}: {what}");
        assert_eq!(ours.keys(), spark.keys(), "{}", at("top-level keys"));
        for key in ["name", "batchId", "numInputRows", "eventTime"] {
            assert_eq!(
                ours.get(key).map(Ordered::value),
                spark.get(key).map(Ordered::value),
                "{}",
                at(key)
            );
        }
        let top = |key: &str| ours.get(key).map(Ordered::value).unwrap_or(Value::Null);
        assert!(uuid(&top("id")) && uuid(&top("runId")), "{}", at("ids"));
        assert!(iso(&top("timestamp")), "{}", at("timestamp"));
        assert!(count(&top("batchDuration")), "{}", at("batchDuration"));
        assert!(rate(&top("inputRowsPerSecond")) && rate(&top("processedRowsPerSecond")));
        fn duration_keys(p: &Ordered) -> Vec<&str> {
            p.get("durationMs").map(Ordered::keys).unwrap_or_default()
        }
        assert_eq!(
            duration_keys(ours),
            duration_keys(spark),
            "{}",
            at("durationMs keys")
        );
        assert!(ours
            .get("durationMs")
            .map(Ordered::value)
            .and_then(|d| d.as_object().map(|d| d.values().all(count)))
            .unwrap_or(false));
        if let Some(spark_ops) = spark.get("stateOperators") {
            let ours_ops = ours.get("stateOperators").expect("stateOperators");
            for i in 0..spark_ops.value().as_array().map_or(0, Vec::len) {
                let (o, s) = (
                    ours_ops.at(i).expect("operator"),
                    spark_ops.at(i).expect("op"),
                );
                fn keys(op: &Ordered) -> Vec<&str> {
                    op.keys()
                        .into_iter()
                        .filter(|k| *k != "customMetrics")
                        .collect()
                }
                assert_eq!(keys(o), keys(s), "{}", at("stateOperators keys"));
                for key in [
                    "operatorName",
                    "numRowsTotal",
                    "numRowsUpdated",
                    "numRowsRemoved",
                    "numRowsDroppedByWatermark",
                    "numShufflePartitions",
                    "numStateStoreInstances",
                ] {
                    assert_eq!(
                        o.get(key).map(Ordered::value),
                        s.get(key).map(Ordered::value)
                    );
                }
                for key in ["allUpdatesTimeMs", "allRemovalsTimeMs", "commitTimeMs"] {
                    assert!(o.get(key).is_some_and(|v| count(&v.value())), "{}", at(key));
                }
                let memory = o.get("memoryUsedBytes").map(Ordered::value);
                assert!(memory.and_then(|m| m.as_u64()).is_some_and(|m| m > 0));
            }
        }
        let (o_src, s_src) = (
            ours.get("sources").and_then(|s| s.at(0)).expect("source"),
            spark.get("sources").and_then(|s| s.at(0)).expect("source"),
        );
        assert_eq!(o_src.keys(), s_src.keys(), "{}", at("sources keys"));
        for key in ["startOffset", "endOffset", "latestOffset", "numInputRows"] {
            assert_eq!(
                o_src.get(key).map(Ordered::value),
                s_src.get(key).map(Ordered::value)
            );
        }
        let description = o_src
            .get("description")
            .map(Ordered::value)
            .unwrap_or(Value::Null);
        let description = description.as_str().unwrap_or_default();
        assert!(
            description.starts_with("FileStreamSource[file:") && description.ends_with("/input]")
        );
        assert_eq!(
            ours.get("sink").map(Ordered::value),
            spark.get("sink").map(Ordered::value),
            "{}",
            at("sink")
        );
    }
}

#[test]
fn progress_stateless() {
    check_progress_json("progress_stateless", |df| {
        df.with_column("event_time", to_timestamp(col("timestamp")))?
            .filter(col("value").gt(lit(100)))
    });
}

#[test]
fn progress_aggregation() {
    check_progress_json("progress_aggregation", |df| {
        df.with_watermark("event_time", "10 minutes")?
            .group_by([window(col("event_time"), "10 minutes"), col("word")])
            .count()
    });
}

#[test]
fn filter_before_projection() {
    check_with_progress("filter_before_projection", |df| {
        df.with_column("event_time", to_timestamp(col("timestamp")))?
            .filter(col("value").gt(lit(150)))
    });
}

#[test]
fn filter_on_derived_column() {
    check_with_progress("filter_on_derived_column", |df| {
        df.with_column("value_doubled", col("value") * lit(2))?
            .with_column_renamed("value_doubled", "v2")?
            .filter(col("v2").gt(lit(450)).and((col("id") % lit(3)).eq(lit(0))))?
            .filter(col("name").is_not_null())
    });
}

#[test]
fn filter_inferred_not_null() {
    check_with_progress("filter_inferred_not_null", |df| {
        df.with_column("v2", col("value") * lit(2))?
            .filter(col("v2").gt(lit(250)))
    });
}

#[test]
fn filter_below_watermark() {
    check_with_progress("filter_below_watermark", |df| {
        df.with_column("event_time", to_timestamp(col("timestamp")))?
            .with_watermark("event_time", "10 minutes")?
            .with_column("v2", col("value") * lit(2))?
            .filter(col("v2").gt(lit(250)))?
            .group_by([window(col("event_time"), "5 minutes")])
            .count()
    });
}

#[test]
fn filter_with_malformed_records() {
    check_with_progress("filter_with_malformed_records", |df| {
        df.filter(col("value").gt(lit(120)))
    });
}

#[test]
fn from_json_select() {
    use spate::functions::{from_json, regexp_replace, when};
    let parsed = |df: DataFrame| {
        let text = when(
            col("value").not_eq(lit("NULL")),
            regexp_replace(col("value"), "<NL>", "\n"),
        );
        let schema = "a INT, b STRING, t TIMESTAMP, _corrupt_record STRING";
        df.select([col("value"), from_json(text, schema)?.alias("data")])?
            .select([col("value"), col("data"), col("data.*")])
    };
    check("from_json_select", parsed);
}

#[test]
fn from_json_sql() {
    use spate::functions::expr;
    check("from_json_sql", |df| {
        df.select([
            expr("from_json(value, 'a INT, b STRING') AS j")?,
            expr("from_json(value, 'a INT')")?,
        ])?
        .select([expr("*")?, expr("j.*")?, expr("j.a * 2 AS twice")?])
    });
}

#[test]
fn from_json_failfast_error() {
    use spate::functions::from_json_with_options;
    check("from_json_failfast_error", |df| {
        let j = from_json_with_options(col("value"), "a INT, b STRING", [("mode", "FAILFAST")])?;
        df.select([j.alias("j")])?.select([col("j.*")])
    });
}

#[test]
fn json_nested_select() {
    check("json_nested_select", |df| {
        df.select([col("*"), col("s.x").alias("sx")])
    });
}

#[test]
fn from_json_nested() {
    use spate::functions::{explode_outer, from_json};
    check("from_json_nested", |df| {
        let schema = "id INT, s STRUCT<x: INT, y: STRING>, l ARRAY<INT>, \
                      ls ARRAY<STRUCT<k: STRING, v: DOUBLE>>, _corrupt_record STRING";
        df.select([from_json(col("value"), schema)?.alias("j")])?
            .select([col("j.*"), explode_outer(col("j.ls")).alias("e")])?
            .select([col("id"), col("l"), col("e"), col("e.k")])
    });
}

#[test]
fn nested_functions_select() {
    use spate::functions::{element_at, size, struct_, to_json};
    check("nested_functions_select", |df| {
        df.select([
            col("id"),
            struct_([col("id"), col("s.y"), col("id") * lit(2)]).alias("st"),
            to_json(struct_([col("*")])).alias("j"),
            to_json(col("l")).alias("lj"),
            to_json(col("s")),
            size(col("l")),
            col("l").get_item(0),
            col("l").get_item(2),
            element_at(col("l"), -1),
            element_at(col("ls"), 1),
        ])
    });
}

#[test]
fn nested_functions_sql() {
    use spate::functions::expr;
    check("nested_functions_sql", |df| {
        df.select([
            expr("struct(id, s.y) AS st")?,
            expr("to_json(struct(*)) AS j")?,
            expr("size(l)")?,
            expr("l[1]")?,
            expr("element_at(l, 2)")?,
        ])
    });
}

#[test]
fn array_index_error() {
    check("array_index_error", |df| {
        df.select([col("id"), col("l").get_item(1)])
    });
}

#[test]
fn try_functions_select() {
    use arrow::datatypes::DataType;
    use spate::functions::{try_element_at, try_to_timestamp, try_to_timestamp_with_format};
    check("try_functions_select", |df| {
        df.select([
            try_to_timestamp(col("t")),
            try_to_timestamp_with_format(col("t"), "yyyy-MM-dd HH:mm:ss"),
            col("n").try_cast(DataType::Int32),
            try_element_at(col("l"), 2),
        ])
    });
}

#[test]
fn try_functions_sql() {
    use spate::functions::expr;
    check("try_functions_sql", |df| {
        df.select([
            expr("try_to_timestamp(t)")?,
            expr("try_cast(n AS INT)")?,
            expr("TRY_CAST(n AS BIGINT) AS b")?,
            expr("try_element_at(l, 1)")?,
            expr("try_to_timestamp(t, 'yyyy-MM-dd')")?,
        ])
    });
}

#[test]
fn from_json_failfast_array_error() {
    use spate::functions::from_json_with_options;
    check("from_json_failfast_array_error", |df| {
        let j = from_json_with_options(col("value"), "a INT", [("mode", "FAILFAST")])?;
        df.select([j.alias("j")])?.select([col("j.*")])
    });
}

#[test]
fn date_math_select() {
    use spate::functions::{
        date_add, date_sub, date_trunc, datediff, from_unixtime, from_unixtime_with_format,
        timestamp_seconds, to_timestamp, trunc, unix_timestamp, unix_timestamp_with_format,
    };
    check("date_math_select", |df| {
        df.with_column("ts", to_timestamp(col("t")))?.select([
            unix_timestamp(col("t")),
            unix_timestamp(col("ts")),
            unix_timestamp_with_format(col("t"), "yyyy-MM-dd HH:mm:ss"),
            from_unixtime(col("s")),
            from_unixtime_with_format(col("s"), "yyyy/MM/dd HH:mm"),
            timestamp_seconds(col("s")),
            date_add(col("d"), lit(1)),
            date_sub(col("d"), lit(1)),
            datediff(col("d"), lit("2024-01-01")),
            date_trunc("hour", col("ts")),
            date_trunc("day", col("ts")),
            date_trunc("month", col("t")),
            date_trunc("week", col("ts")),
            date_trunc("quarter", col("ts")),
            date_trunc("minute", col("ts")),
            trunc(col("d"), "month"),
            trunc(col("d"), "year"),
            trunc(col("d"), "week"),
            trunc(col("d"), "day"),
        ])
    });
}

#[test]
fn date_math_sql() {
    use spate::functions::{expr, to_timestamp};
    check("date_math_sql", |df| {
        df.with_column("ts", to_timestamp(col("t")))?.select([
            expr("unix_timestamp(t)")?,
            expr("to_unix_timestamp(t)")?,
            expr("from_unixtime(s)")?,
            expr("date_add(d, 2)")?,
            expr("date_sub(d, 2)")?,
            expr("datediff(d, '2024-01-01')")?,
            expr("date_trunc('HOUR', ts)")?,
            expr("timestamp_seconds(s)")?,
            expr("trunc(d, 'MM')")?,
        ])
    });
}

#[test]
fn unix_timestamp_error() {
    use spate::functions::unix_timestamp;
    check("unix_timestamp_error", |df| {
        df.select([unix_timestamp(col("t"))])
    });
}

#[test]
fn concat_ws_select() {
    use spate::functions::{concat_ws, expr};
    check_with_progress("concat_ws_select", |df| {
        df.select([
            concat_ws("-", [col("name"), col("timestamp")]),
            concat_ws(",", [col("name"), lit("k"), col("value"), col("id")]),
            concat_ws("", [col("name")]),
            expr("concat_ws('|', name, id) AS c")?,
        ])
    });
}

#[test]
fn date_filter_pushed() {
    use spate::functions::{date_add, from_unixtime};
    check_with_progress("date_filter_pushed", |df| {
        df.filter(date_add(col("timestamp"), lit(1)).gt(lit("2024-01-01")))?
            .filter(from_unixtime(col("id")).gt(lit("1969")))
    });
}

#[test]
fn get_json_object_select() {
    use spate::functions::{expr, get_json_object};
    check("get_json_object_select", |df| {
        let at = |path: &str| get_json_object(col("value"), path);
        df.select([
            at("$.a")?,
            at("$.a.b")?,
            at("$.a.b[1]")?,
            at("$.a.b[2].c")?,
            at("$['a']['t']")?,
            at("$.e")?,
            at("$.k")?,
            at("$.missing")?,
            at("$[0].a")?,
            expr("get_json_object(value, '$.s') AS s")?,
        ])
    });
}
