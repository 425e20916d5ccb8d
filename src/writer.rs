//! `DataStreamWriter`: `df.writeStream.format(..).outputMode(..).trigger(..).start()`,
//! with Spark's checks at `start()`.

use crate::dataframe::{DataFrame, PlanStep};
use crate::plan::{plan_query, QuerySettings};
use crate::session::{positive_setting, SHUFFLE_INSTANCES, SHUFFLE_PARTITIONS};
use spate_connectors::console::ConsoleOutput;
use spate_connectors::foreach::RowsFunction;
use spate_connectors::foreach_batch::BatchFunction;
use spate_operators::join::JoinType;
use spate_runtime::{start_query, Error, QueryConfig, Result, StreamingQuery, Trigger};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Spark's output modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// Only new rows (the default).
    Append,
    /// Rows changed by the batch.
    Update,
    /// The whole result table every batch.
    Complete,
}

impl std::str::FromStr for OutputMode {
    type Err = Error;

    fn from_str(mode: &str) -> Result<Self> {
        match mode.to_ascii_lowercase().as_str() {
            "append" => Ok(OutputMode::Append),
            "update" => Ok(OutputMode::Update),
            "complete" => Ok(OutputMode::Complete),
            _ => Err(Error::IllegalArgument(format!(
                "Unknown output mode {mode}. Accepted output modes are 'append', 'complete', 'update'"
            ))),
        }
    }
}

/// Where a query's rows go.
pub(crate) enum SinkSpec {
    Console(ConsoleOutput),
    Memory,
    Noop,
    File(String),
    ForeachBatch(BatchFunction),
    Foreach(RowsFunction),
}

/// Spark's `DataStreamWriter`.
pub struct DataStreamWriter {
    df: DataFrame,
    format: Option<String>,
    output_mode: Result<OutputMode>,
    trigger: Trigger,
    options: HashMap<String, String>,
    query_name: Option<String>,
    /// A `foreach` or `foreachBatch` sink (the last one set wins, as in Spark).
    function_sink: Option<SinkSpec>,
    late_rows: Option<BatchFunction>,
    console_output: ConsoleOutput,
}

impl DataStreamWriter {
    pub(crate) fn new(df: DataFrame) -> Self {
        DataStreamWriter {
            df,
            format: None,
            output_mode: Ok(OutputMode::Append),
            trigger: Trigger::default(),
            options: HashMap::new(),
            query_name: None,
            function_sink: None,
            late_rows: None,
            console_output: ConsoleOutput::Stdout,
        }
    }

    /// The sink: `console`, `memory`, `parquet`, `json` or `csv`.
    pub fn format(mut self, format: &str) -> Self {
        self.format = Some(format.to_string());
        self
    }

    /// `append` (default), `update` or `complete`.
    pub fn output_mode(mut self, mode: &str) -> Self {
        self.output_mode = mode.parse();
        self
    }

    /// The trigger.
    pub fn trigger(mut self, trigger: Trigger) -> Self {
        self.trigger = trigger;
        self
    }

    /// A sink option (`path`, `checkpointLocation`, `numRows`, `truncate`, …).
    pub fn option(mut self, key: &str, value: impl ToString) -> Self {
        self.options.insert(key.to_string(), value.to_string());
        self
    }

    /// `queryName`: names the query (and the memory sink's table).
    pub fn query_name(mut self, name: &str) -> Self {
        self.query_name = Some(name.to_string());
        self
    }

    /// `foreachBatch(f)`: calls `f(batches, batch_id)` for every executed batch.
    pub fn foreach_batch(
        mut self,
        function: impl FnMut(&[arrow::record_batch::RecordBatch], u64) -> Result<()> + Send + 'static,
    ) -> Self {
        self.function_sink = Some(SinkSpec::ForeachBatch(Box::new(function)));
        self
    }

    /// `foreach(f)`, batch-wise: calls `f(batch, batch_id)` with each record batch the moment
    /// it reaches the sink, before its batch commits (at-least-once, as Spark's `foreach`).
    /// With the continuous trigger this sees rows milliseconds after they arrive.
    pub fn foreach(
        mut self,
        function: impl FnMut(&arrow::record_batch::RecordBatch, u64) -> Result<()> + Send + 'static,
    ) -> Self {
        self.function_sink = Some(SinkSpec::Foreach(Box::new(function)));
        self
    }

    /// Beyond Spark: calls `function(late_rows, batch_id)` with the rows the aggregation drops
    /// as late in each batch that drops any (the input columns plus the dropped `window`),
    /// instead of losing them silently. Progress `numRowsDroppedByWatermark` still counts
    /// them as Spark does.
    pub fn late_rows_to(
        mut self,
        function: impl FnMut(&[arrow::record_batch::RecordBatch], u64) -> Result<()> + Send + 'static,
    ) -> Self {
        self.late_rows = Some(Box::new(function));
        self
    }

    /// Sends console output to `output` instead of stdout (for tests and embedding).
    pub fn console_output(mut self, output: ConsoleOutput) -> Self {
        self.console_output = output;
        self
    }

    fn option_value(&self, key: &str) -> Option<String> {
        self.options
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    }

    /// Validates the query as Spark's `start()` does and starts it.
    pub fn start(mut self) -> Result<StreamingQuery> {
        let mode = std::mem::replace(&mut self.output_mode, Ok(OutputMode::Append))?;
        let session = self.df.session.clone();
        let sink = match (self.function_sink.take(), self.format.as_deref()) {
            (Some(sink), _) => sink,
            (None, Some(f)) if f.eq_ignore_ascii_case("console") => SinkSpec::Console(self.console_output.clone()),
            (None, Some(f)) if f.eq_ignore_ascii_case("memory") => SinkSpec::Memory,
            (None, Some(f)) if f.eq_ignore_ascii_case("noop") => SinkSpec::Noop,
            (None, Some(f)) if ["parquet", "json", "csv"].contains(&f.to_ascii_lowercase().as_str()) => {
                SinkSpec::File(f.to_ascii_lowercase())
            }
            (None, None) => SinkSpec::File("parquet".into()),
            (None, Some(other)) => {
                return Err(Error::Analysis(format!(
                    "[DATA_SOURCE_NOT_FOUND] Failed to find the data source: {other}. Make sure the provider name is correct and the package is properly registered and compatible with your Spark version. SQLSTATE: 42K02"
                )))
            }
        };
        check_output_mode(&self.df, mode)?;
        if let SinkSpec::File(format) = &sink {
            if mode != OutputMode::Append {
                let mode = format!("{mode:?}").to_ascii_lowercase();
                return Err(Error::Analysis(format!(
                    "[STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE] Invalid streaming output mode: {mode}. This output mode is not supported in Data Source {format}. SQLSTATE: 42KDE"
                )));
            }
        }
        if matches!(sink, SinkSpec::Memory) && self.query_name.is_none() {
            return Err(Error::Analysis(
                "queryName must be specified for memory sink".into(),
            ));
        }
        if let Some(name) = &self.query_name {
            session.check_name_free(name)?;
        }

        // Checkpoint location (SEMANTICS.md §9).
        let (checkpoint, temporary) = match (self.option_value("checkpointLocation"), session.conf().get("spark.sql.streaming.checkpointLocation")) {
            (Some(location), _) => (PathBuf::from(location), false),
            (None, Some(root)) => {
                let leaf = self.query_name.clone().unwrap_or_else(uuid_like);
                (PathBuf::from(root).join(leaf), false)
            }
            (None, None) if !matches!(sink, SinkSpec::File(_)) => {
                (std::env::temp_dir().join(format!("temporary-{}", uuid_like())), true)
            }
            (None, None) => {
                return Err(Error::Analysis(
                    "checkpointLocation must be specified either through option(\"checkpointLocation\", ...) or SparkSession.conf.set(\"spark.sql.streaming.checkpointLocation\", ...).".into(),
                ))
            }
        };
        if matches!(sink, SinkSpec::Memory)
            && mode != OutputMode::Complete
            && checkpoint.join("offsets").exists()
        {
            return Err(Error::Analysis(format!(
                "This query does not support recovering from checkpoint location. Delete {}/offsets to start over.",
                checkpoint.display()
            )));
        }

        session.stop_active_run(&checkpoint);
        // A restarted query keeps the state partitions and instances its checkpoint
        // recorded. Checkpoints of earlier builds recorded no instances: those builds ran
        // one per recorded partition, at most one per core, and so does the restart.
        let pinned = spate_runtime::checkpoint::pinned_conf(&checkpoint)?;
        let pinned_number = |key: &str| -> Result<Option<usize>> {
            pinned
                .get(key)
                .map(|text| {
                    positive_setting(key, text).map_err(|e| Error::Checkpoint {
                        path: checkpoint.join("offsets"),
                        reason: e.to_string(),
                    })
                })
                .transpose()
        };
        let partitions = match pinned_number(SHUFFLE_PARTITIONS)? {
            Some(partitions) => partitions,
            None => session.shuffle_partitions()?,
        };
        let instances = match pinned_number(SHUFFLE_INSTANCES)? {
            Some(instances) => instances,
            None if pinned.contains_key(SHUFFLE_PARTITIONS) => {
                partitions.min(session.parallelism().max(1))
            }
            None => session.shuffle_instances(partitions)?,
        };
        let durability = session.durability()?;
        let settings = QuerySettings {
            mode,
            options: &self.options,
            query_name: self.query_name.as_deref(),
            late_rows: self.late_rows.take(),
            trigger: self.trigger,
            instances,
            durability,
        };
        let topology = plan_query(&self.df, sink, settings)?;
        let mut config = QueryConfig::new(checkpoint);
        config.name = self.query_name.clone();
        config.delete_checkpoint_on_stop = temporary;
        config.trigger = self.trigger;
        let parse = |key: &str, default: &str| -> Result<u64> {
            let value = session.conf_or(key, default);
            value.parse().map_err(|_| {
                Error::IllegalArgument(format!("{key} should be a number, but was {value}"))
            })
        };
        config.min_batches_to_retain = parse("spark.sql.streaming.minBatchesToRetain", "100")?;
        if config.min_batches_to_retain == 0 {
            return Err(Error::IllegalArgument(
                "requirement failed: minBatchesToRetain has to be positive".into(),
            ));
        }
        config.num_recent_progress_updates =
            parse("spark.sql.streaming.numRecentProgressUpdates", "100")? as usize;
        config.no_data_batches =
            session.bool_conf_or("spark.sql.streaming.noDataMicroBatches.enabled", true)?;
        config.idle_progress_interval = std::time::Duration::from_millis(parse(
            "spark.sql.streaming.noDataProgressEventInterval",
            "10000",
        )?);
        if let Trigger::Continuous(_) = self.trigger {
            let linger = session.conf_or("spate.streaming.continuous.linger", "1 millisecond");
            config.continuous_linger = spate_runtime::parse_interval(&linger)?;
            if config.continuous_linger.is_zero() {
                return Err(Error::IllegalArgument(format!(
                    "spate.streaming.continuous.linger must be positive, not {linger}"
                )));
            }
        }
        config.durability = durability;
        config.shuffle_partitions = partitions as u64;
        config.watermark_policy = session
            .conf_or("spark.sql.streaming.multipleWatermarkPolicy", "min")
            .parse()?;
        config.pinned_conf = BTreeMap::from([
            (SHUFFLE_PARTITIONS.to_string(), partitions.to_string()),
            (SHUFFLE_INSTANCES.to_string(), instances.to_string()),
            (
                "spark.sql.streaming.multipleWatermarkPolicy".to_string(),
                session.conf_or("spark.sql.streaming.multipleWatermarkPolicy", "min"),
            ),
        ]);
        config.listeners = Some(session.inner.listeners.clone());
        let query = start_query(&session.inner.system, topology, config)?;
        session.add_query(&query)?;
        Ok(query)
    }
}

/// Spark's output-mode rules for the query's shape (SEMANTICS.md §6.2).
fn check_output_mode(df: &DataFrame, mode: OutputMode) -> Result<()> {
    let unsupported = |mode: &str, reason: &str| {
        Err(Error::Analysis(format!(
            "[STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION] Invalid streaming output mode: {mode}. This output mode is not supported for {reason} on streaming DataFrames/DataSets. SQLSTATE: 42KDE"
        )))
    };
    let aggregations: Vec<Option<usize>> = df
        .plan
        .all_steps()
        .into_iter()
        .filter_map(|step| match step {
            PlanStep::Aggregate { event_time_key, .. } => Some(*event_time_key),
            _ => None,
        })
        .collect();
    if aggregations.len() > 1 {
        return Err(Error::Analysis(
            "[UNSUPPORTED_FEATURE] spate does not support chained streaming aggregations yet"
                .into(),
        ));
    }
    let outer_join = df.plan.join_types().into_iter().find(|t| {
        matches!(
            t,
            JoinType::LeftOuter | JoinType::RightOuter | JoinType::FullOuter
        )
    });
    if let (Some(join_type), OutputMode::Update) = (outer_join, mode) {
        return Err(Error::Analysis(format!(
            "{join_type:?} join between two streaming DataFrames/Datasets is not supported in Update output mode, only in Append output mode"
        )));
    }
    match (mode, aggregations.first()) {
        (OutputMode::Complete, None) => unsupported("complete", "no streaming aggregations"),
        (OutputMode::Append, Some(None)) => {
            unsupported("append", "streaming aggregations without watermark")
        }
        _ => Ok(()),
    }
}

/// A random UUID string.
fn uuid_like() -> String {
    uuid::Uuid::new_v4().to_string()
}
