//! Conformance: the queries of `conformance/cases/*` run in spate and compared, batch by
//! batch, with the answers real Spark 4.3 gave (`conformance/golden/*`, produced by
//! `conformance/generate.py`).

use crate::support::{rows_as_json, set_mtime, sort_rows};
use arrow::record_batch::RecordBatch;
use serde_json::Value;
use spate::functions::{col, lit, to_timestamp, when};
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
        for file in spec["files"].as_array().expect("files") {
            let relative = file["path"].as_str().expect("path");
            let target = dir.path().join(relative);
            std::fs::copy(case_dir(name).join(relative), &target).expect("copy input");
            set_mtime(&target, file["mtime_ms"].as_u64().expect("mtime"));
        }
        let mut builder = Session::builder()
            .master("local[2]")
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
        reader.load(self.dir.path().join("input")).expect("load")
    }

    /// Runs `query` with availableNow into foreachBatch; returns the batches, the error and
    /// the progress reports.
    fn run(
        &self,
        query: &DataFrame,
    ) -> (Epochs, Option<String>, Vec<spate::StreamingQueryProgress>) {
        let collected: Arc<Mutex<Epochs>> = Arc::default();
        let sink = collected.clone();
        let handle = query
            .write_stream()
            .trigger(Trigger::AvailableNow)
            .option(
                "checkpointLocation",
                self.dir.path().join("checkpoint-rows").display(),
            )
            .foreach_batch(move |batches, id| {
                sink.lock().expect("lock").push((id, batches.to_vec()));
                Ok(())
            })
            .start()
            .expect("start");
        let error = handle
            .await_termination()
            .err()
            .map(|e| e.cause.to_string());
        let batches = collected.lock().expect("lock").clone();
        (batches, error, handle.recent_progress())
    }

    /// Compares `query`'s schema, batches and error with the golden file; returns the
    /// run's progress reports.
    fn check_rows(&self, query: &DataFrame) -> Vec<spate::StreamingQueryProgress> {
        let golden = read_json(&golden_path(&self.name, ".json"));
        let schema: Vec<Value> = query
            .schema()
            .fields()
            .iter()
            .map(|f| {
                serde_json::json!({"name": f.name(), "type": spate::runtime::types::spark_type_name(f.data_type()), "nullable": f.is_nullable()})
            })
            .collect();
        assert_eq!(
            Value::Array(schema),
            golden["schema"],
            "{}: schema",
            self.name
        );
        let (batches, error, progress) = self.run(query);
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
        assert_eq!(
            actual.len(),
            expected.len(),
            "{}: number of batches",
            self.name
        );
        for ((id, rows), (expected_id, expected_rows)) in actual.iter().zip(&expected) {
            assert_eq!(id, expected_id, "{}: batch ids", self.name);
            let missing: Vec<&Value> = expected_rows.iter().filter(|r| !rows.contains(r)).collect();
            let unexpected: Vec<&Value> =
                rows.iter().filter(|r| !expected_rows.contains(r)).collect();
            assert!(
                missing.is_empty() && unexpected.is_empty() && rows.len() == expected_rows.len(),
                "{}: batch {id}: spate lacks {missing:?}\nspate has extra {unexpected:?}",
                self.name
            );
        }
        assert_eq!(
            error.as_deref(),
            golden["error"].as_str(),
            "{}: error",
            self.name
        );
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

#[test]
fn watermark_stateless() {
    let case = Case::load("watermark_stateless");
    let df = case
        .input()
        .with_column("event_time", to_timestamp(col("timestamp")))
        .and_then(|df| df.with_watermark("event_time", "10 minutes"))
        .and_then(|df| df.filter(col("value").gt(lit(200))))
        .expect("query");
    // Progress eventTime and the commit log's watermark, batch by batch, as Spark's.
    let progress = case.check_rows(&df);
    let golden = read_json(&golden_path("watermark_stateless", ".json"));
    let expected = golden["progress"].as_array().expect("progress");
    assert_eq!(progress.len(), expected.len());
    for (report, expected) in progress.iter().zip(expected) {
        assert_eq!(report.batch_id, expected["batchId"].as_u64().expect("id"));
        let event_time = serde_json::to_value(&report.event_time).expect("json");
        assert_eq!(
            event_time, expected["eventTime"],
            "batch {}",
            report.batch_id
        );
        let commit = std::fs::read_to_string(
            case.dir
                .path()
                .join(format!("checkpoint-rows/commits/{}", report.batch_id)),
        )
        .expect("commit file");
        let commit: Value =
            serde_json::from_str(commit.lines().nth(1).expect("commit line")).expect("json");
        assert_eq!(
            commit["nextBatchWatermarkMs"], expected["nextBatchWatermarkMs"],
            "batch {}",
            report.batch_id
        );
    }
}
