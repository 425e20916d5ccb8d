//! `Session`: Spark's `SparkSession` — configuration, the actor system, memory tables and
//! the active queries.

use crate::reader::{DataFrameReader, DataStreamReader};
use crate::streams::{StreamingQueryManager, Terminations};
use crate::table::Table;
use spate_connectors::memory::MemoryTable;
use spate_operators::expr::EvalContext;
use spate_runtime::checkpoint::Durability;
use spate_runtime::listener::ListenerBus;
use spate_runtime::text::zone::{resolve_zone_id, system_zone_id, Zone};
use spate_runtime::{ActorSystem, Error, Result, StreamingQuery};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

/// Spark's number of state partitions; a checkpoint fixes it for the queries that restart
/// from it.
pub(crate) const SHUFFLE_PARTITIONS: &str = "spark.sql.shuffle.partitions";
/// How many instances each keyed stateful operator runs as (spate's own setting); a
/// checkpoint fixes it too.
pub(crate) const SHUFFLE_INSTANCES: &str = "spate.sql.shuffle.instances";
/// Spark's default `spark.sql.shuffle.partitions`.
const DEFAULT_SHUFFLE_PARTITIONS: usize = 200;

/// The positive number setting `key` holds as `text`.
pub(crate) fn positive_setting(key: &str, text: &str) -> Result<usize> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            Error::IllegalArgument(format!("{key} should be a positive number, but was {text}"))
        })
}

/// Builds a [`Session`] (`SparkSession.builder`).
#[derive(Debug, Default)]
pub struct SessionBuilder {
    app_name: Option<String>,
    master: Option<String>,
    conf: BTreeMap<String, String>,
}

impl SessionBuilder {
    /// `appName`.
    pub fn app_name(mut self, name: &str) -> Self {
        self.app_name = Some(name.to_string());
        self
    }

    /// `master`: `local`, `local[N]` or `local[*]` (worker threads).
    pub fn master(mut self, master: &str) -> Self {
        self.master = Some(master.to_string());
        self
    }

    /// A session setting (`spark.sql.streaming.checkpointLocation`, `spark.sql.ansi.enabled`, …).
    pub fn config(mut self, key: &str, value: impl ToString) -> Self {
        self.conf.insert(key.to_string(), value.to_string());
        self
    }

    /// Starts the session.
    pub fn get_or_create(self) -> Result<Session> {
        let master = self.master.unwrap_or_else(|| "local[*]".into());
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let workers = match master.as_str() {
            "local" => 1,
            "local[*]" => cores,
            other => other
                .strip_prefix("local[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    Error::IllegalArgument(format!("Could not parse Master URL: '{other}'"))
                })?,
        };
        let system = Arc::new(ActorSystem::start(workers)?);
        let listeners = ListenerBus::new();
        let terminations = Arc::new(Terminations::default());
        listeners.add(terminations.clone());
        Ok(Session {
            inner: Arc::new(SessionInner {
                app_name: self.app_name.unwrap_or_else(|| "spate".into()),
                master,
                conf: RwLock::new(self.conf),
                system,
                tables: RwLock::default(),
                queries: Mutex::default(),
                listeners,
                terminations,
                parallelism: workers,
            }),
        })
    }
}

pub(crate) struct SessionInner {
    app_name: String,
    master: String,
    conf: RwLock<BTreeMap<String, String>>,
    pub(crate) system: Arc<ActorSystem>,
    tables: RwLock<HashMap<String, MemoryTable>>,
    queries: Mutex<Vec<StreamingQuery>>,
    /// The session's query listeners (`spark.streams.addListener`).
    pub(crate) listeners: ListenerBus,
    pub(crate) terminations: Arc<Terminations>,
    /// Worker threads (`local[N]`): the default partition count of generated sources.
    parallelism: usize,
}

/// Spark's `SparkSession`: the entry point (cheap to clone).
#[derive(Clone)]
pub struct Session {
    pub(crate) inner: Arc<SessionInner>,
}

/// `spark.conf`: the session's runtime settings.
pub struct RuntimeConfig<'a>(&'a Session);

impl RuntimeConfig<'_> {
    /// Sets a setting.
    pub fn set(&self, key: &str, value: impl ToString) {
        if let Ok(mut conf) = self.0.inner.conf.write() {
            conf.insert(key.to_string(), value.to_string());
        }
    }

    /// Removes a setting, so that its default applies again (`spark.conf.unset`).
    pub fn unset(&self, key: &str) {
        if let Ok(mut conf) = self.0.inner.conf.write() {
            conf.remove(key);
        }
    }

    /// Reads a setting.
    pub fn get(&self, key: &str) -> Option<String> {
        self.0
            .inner
            .conf
            .read()
            .ok()
            .and_then(|c| c.get(key).cloned())
    }
}

impl Session {
    /// `SparkSession.builder`.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// The application name.
    pub fn app_name(&self) -> &str {
        &self.inner.app_name
    }

    /// The master URL.
    pub fn master(&self) -> &str {
        &self.inner.master
    }

    /// `spark.conf`.
    pub fn conf(&self) -> RuntimeConfig<'_> {
        RuntimeConfig(self)
    }

    /// A setting, or `default`.
    pub(crate) fn conf_or(&self, key: &str, default: &str) -> String {
        self.conf().get(key).unwrap_or_else(|| default.to_string())
    }

    /// `spark.readStream`.
    pub fn read_stream(&self) -> DataStreamReader {
        DataStreamReader::new(self.clone(), false)
    }

    /// `spark.read`: reads files once into a static DataFrame (for stream-static joins).
    pub fn read(&self) -> DataFrameReader {
        DataStreamReader::new(self.clone(), true)
    }

    /// `spark.sparkContext.setLogLevel("WARN")`: installs a log subscriber at that level
    /// (`ALL`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `OFF`) unless one is installed already.
    pub fn set_log_level(&self, level: &str) -> Result<()> {
        let filter = match level.to_ascii_uppercase().as_str() {
            "ALL" | "TRACE" => "trace",
            "DEBUG" => "debug",
            "INFO" => "info",
            "WARN" => "warn",
            "ERROR" | "FATAL" => "error",
            "OFF" => "off",
            other => {
                return Err(Error::IllegalArgument(format!(
                    "Supplied level {other} did not match one of: ALL,DEBUG,ERROR,FATAL,INFO,OFF,TRACE,WARN"
                )))
            }
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .try_init();
        Ok(())
    }

    /// How a query's checkpoint and output log files reach the disk: `spate.checkpoint.fsync`,
    /// `false` by default: files are renamed into place without fsync, as Spark's
    /// checkpoint manager does on a local disk (they survive a crash of the process, not of
    /// the machine); `true` fsyncs each file and its directory, so that it survives a power
    /// loss, at ten times the cost of a write.
    pub(crate) fn durability(&self) -> Result<Durability> {
        Ok(if self.bool_conf_or("spate.checkpoint.fsync", false)? {
            Durability::Synced
        } else {
            Durability::Renamed
        })
    }

    /// The boolean setting `key` (`true` / `false` in any case, as Spark reads them),
    /// `default` when not set.
    pub(crate) fn bool_conf_or(&self, key: &str, default: bool) -> Result<bool> {
        let Some(text) = self.conf().get(key) else {
            return Ok(default);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Error::IllegalArgument(format!(
                "{key} should be boolean, but was {text}"
            ))),
        }
    }

    /// Expression settings of this session (`spark.sql.ansi.enabled`, session time zone).
    pub(crate) fn eval_context(&self) -> Result<EvalContext> {
        let ansi = self.bool_conf_or("spark.sql.ansi.enabled", true)?;
        Ok(EvalContext {
            ansi,
            time_zone: self.time_zone()?,
            batch_timestamp_ms: None,
        })
    }

    /// `spark.sql.session.timeZone` (by default the machine's zone, as a JVM's default time
    /// zone is Spark's) as Spark resolves it: a region id
    /// (`America/Los_Angeles`), `UTC`, `Z`, a fixed offset (`+02:00`, `GMT+1`) or a short id
    /// (`PST`).
    pub(crate) fn time_zone(&self) -> Result<Zone> {
        let id = self.conf_or("spark.sql.session.timeZone", &system_zone_id());
        resolve_zone_id(&id).map_err(|_| {
            Error::IllegalArgument(format!(
                "[INVALID_CONF_VALUE.TIME_ZONE] The value '{id}' in the config \"spark.sql.session.timeZone\" is invalid. Cannot resolve the given timezone. SQLSTATE: 22022"
            ))
        })
    }

    /// `spark.table(name)`: a memory-sink table's rows.
    pub fn table(&self, name: &str) -> Result<Table> {
        let tables = self
            .inner
            .tables
            .read()
            .map_err(|_| Error::IllegalArgument("poisoned".into()))?;
        let table = tables.get(&name.to_ascii_lowercase()).ok_or_else(|| {
            Error::Analysis(format!(
                "[TABLE_OR_VIEW_NOT_FOUND] The table or view `{name}` cannot be found. Verify the spelling and correctness of the schema and catalog."
            ))
        })?;
        Ok(Table::new(
            table.schema(),
            table.batches(),
            self.time_zone()?,
        ))
    }

    /// `spark.sql(text)`: a `SELECT` over a memory-sink table (columns, expressions or
    /// `*`, `WHERE`, `ORDER BY`, `LIMIT`).
    pub fn sql(&self, text: &str) -> Result<Table> {
        crate::sql_select::select(self, text)
    }

    /// Registers (or replaces) a memory table under `name`.
    pub(crate) fn register_table(&self, name: &str, table: MemoryTable) {
        if let Ok(mut tables) = self.inner.tables.write() {
            tables.insert(name.to_ascii_lowercase(), table);
        }
    }

    /// `spark.streams`: the session's queries.
    pub fn streams(&self) -> StreamingQueryManager<'_> {
        StreamingQueryManager(self)
    }

    /// The session's parallelism (`local[N]`).
    pub(crate) fn parallelism(&self) -> usize {
        self.inner.parallelism
    }

    /// `spark.sql.shuffle.partitions`: the state partitions a new query reports in its
    /// progress and records in its checkpoint (Spark's default, 200, when not set).
    pub(crate) fn shuffle_partitions(&self) -> Result<usize> {
        self.positive_conf_or(SHUFFLE_PARTITIONS, DEFAULT_SHUFFLE_PARTITIONS)
    }

    /// The instances each keyed stateful operator of a new query with `partitions` state
    /// partitions runs as: `spate.sql.shuffle.instances`, else one per core of the session
    /// (`local[N]`'s N), at most one per partition.
    pub(crate) fn shuffle_instances(&self, partitions: usize) -> Result<usize> {
        self.positive_conf_or(SHUFFLE_INSTANCES, partitions.min(self.parallelism().max(1)))
    }

    /// The positive number setting `key`, `default` when not set.
    fn positive_conf_or(&self, key: &str, default: usize) -> Result<usize> {
        self.conf()
            .get(key)
            .map_or(Ok(default), |text| positive_setting(key, &text))
    }

    /// Every query started in this session that is still active.
    pub(crate) fn queries(&self) -> Vec<StreamingQuery> {
        self.inner
            .queries
            .lock()
            .map(|q| q.clone())
            .unwrap_or_default()
    }

    pub(crate) fn add_query(&self, query: &StreamingQuery) -> Result<()> {
        let mut queries = self
            .inner
            .queries
            .lock()
            .map_err(|_| Error::IllegalArgument("poisoned".into()))?;
        queries.retain(StreamingQuery::is_active);
        queries.push(query.clone());
        Ok(())
    }

    /// Fails if a query named `name` is active (Spark's rule).
    pub(crate) fn check_name_free(&self, name: &str) -> Result<()> {
        let busy = self
            .streams()
            .active()
            .iter()
            .any(|q| q.name() == Some(name));
        if busy {
            return Err(Error::IllegalArgument(format!(
                "Cannot start query with name {name} as a query with that name is already active in this SparkSession"
            )));
        }
        Ok(())
    }

    /// Stops the active run of the query whose checkpoint is `checkpoint`, if any, as Spark
    /// does when a query restarts from a checkpoint in use
    /// (`spark.sql.streaming.stopActiveRunOnRestart`).
    pub(crate) fn stop_active_run(&self, checkpoint: &std::path::Path) {
        let id = std::fs::read_to_string(checkpoint.join("metadata"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text.lines().next()?).ok())
            .and_then(|metadata| metadata["id"].as_str().map(str::to_string));
        if let Some(running) = id.and_then(|id| self.streams().get(&id)) {
            tracing::warn!(
                id = running.id(),
                "stopping the active run of a query restarted from its checkpoint"
            );
            running.stop();
        }
    }

    /// Stops every active query.
    pub fn stop(&self) {
        for query in self.streams().active() {
            query.stop();
        }
    }
}
