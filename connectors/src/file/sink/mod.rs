//! Spark's streaming file sink (`FileStreamSink`) for parquet, json and csv in append mode.
//!
//! Epoch `N`'s rows go to one part file written straight into the output directory,
//! `part-00000-<uuid>-c000.snappy.parquet` / `.json` / `.csv`, as the batches arrive. At
//! commit the file is closed (and fsynced with `spate.checkpoint.fsync`), then
//! `_spark_metadata/<N>` records it (see [`SinkLog`]); readers of the directory see only the files in the log, so a failed
//! attempt's file stays invisible. An epoch id at or below the last one in the log is
//! skipped entirely (Spark: `batchId <= fileLog.getLatestBatchId()`), which makes replays
//! after a restart idempotent. An epoch without rows still writes one (empty) file and a
//! log entry, as Spark does: a schema-only parquet file, a 0-byte json file, a csv file
//! with just the header when `header` is true (else 0 bytes).
//!
//! Text encodings follow Spark's JSON and CSV writers (verified against Spark 4.3, see the
//! tests): Java's number texts, timestamps as `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in the
//! session time zone, NULL fields left out of JSON objects, CSV values trimmed, quoted
//! only when needed and escaped with `\`. Struct, array and map columns cannot be written
//! as CSV; the batch fails with Spark's `UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE` error.

mod cells;
mod csv;
mod json;
mod log;
mod options;
mod parquet;
mod text;

pub(crate) use text::jackson_string;

pub use json::to_json_values;
pub use log::{
    SinkFileStatus, SinkLog, SinkLogConfig, ADD_ACTION, COMPACT_SUFFIX, DEFAULT_COMPACT_INTERVAL,
    LOCAL_BLOCK_SIZE, LOG_VERSION, METADATA_DIR,
};

use self::csv::CsvWriter;
use self::json::JsonWriter;
use self::options::{parse_duration_ms, CsvOptions, JsonOptions, Options};
use self::parquet::{ParquetCodec, ParquetPart};
use arrow::datatypes::{Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use spate_runtime::checkpoint::Durability;
use spate_runtime::sink::{Sink, SinkCommit};
use spate_runtime::text::zone::Zone;
use spate_runtime::{Error, Result};
use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// The file formats the sink writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Apache Parquet, snappy-compressed by default.
    Parquet,
    /// JSON lines.
    Json,
    /// Comma-separated values.
    Csv,
}

impl OutputFormat {
    /// The format's name as `DataStreamWriter.format` takes it.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Json => "json",
            OutputFormat::Csv => "csv",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OutputFormat {
    type Err = Error;

    /// `parquet`, `json` or `csv`, in any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "parquet" => Ok(OutputFormat::Parquet),
            "json" => Ok(OutputFormat::Json),
            "csv" => Ok(OutputFormat::Csv),
            _ => Err(Error::IllegalArgument(format!(
                "unsupported file sink format '{s}': expected parquet, json or csv"
            ))),
        }
    }
}

/// How the rows of one part file are encoded.
#[derive(Debug)]
enum Encoding {
    Json(JsonWriter),
    Csv(CsvWriter),
    Parquet(ParquetCodec),
}

/// The bytes of an open part file.
enum PartBody {
    Text(BufWriter<File>),
    Parquet(Box<ParquetPart>),
}

/// The part file of the epoch being written.
struct OpenPart {
    epoch: u64,
    path: PathBuf,
    body: PartBody,
}

/// Spark's file sink: part files in the output directory, committed through the
/// `_spark_metadata` log. See the module documentation.
pub struct FileSink {
    format: OutputFormat,
    dir: PathBuf,
    description: String,
    log: SinkLog,
    last_committed: Option<u64>,
    encoding: Encoding,
    schema: Option<SchemaRef>,
    open: Option<OpenPart>,
    failed_epoch: Option<u64>,
    scratch: Vec<u8>,
    durability: Durability,
}

impl fmt::Debug for FileSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileSink")
            .field("format", &self.format)
            .field("dir", &self.dir)
            .field("last_committed", &self.last_committed)
            .field("open_epoch", &self.open.as_ref().map(|p| p.epoch))
            .finish()
    }
}

impl FileSink {
    /// Opens a sink writing `format` files into `path` (created if missing, with its
    /// `_spark_metadata` directory). `options` are the writer options, Spark's names in
    /// any case (`header`, `sep`, `quote`, `escape`, `nullValue`, `emptyValue`,
    /// `timestampFormat`, `dateFormat`, `ignoreNullFields`, `compression`, `retention`, …);
    /// `time_zone` is the session time zone timestamps are printed in. The log tells the
    /// last committed epoch, whose successors alone are written.
    pub fn new(
        format: OutputFormat,
        path: &Path,
        options: &HashMap<String, String>,
        time_zone: &Zone,
    ) -> Result<Self> {
        let options = Options::new(options);
        let encoding = match format {
            OutputFormat::Json => {
                Encoding::Json(JsonWriter::new(JsonOptions::new(&options, time_zone)?))
            }
            OutputFormat::Csv => {
                Encoding::Csv(CsvWriter::new(CsvOptions::new(&options, time_zone)?))
            }
            OutputFormat::Parquet => Encoding::Parquet(ParquetCodec::from_options(&options)?),
        };
        let retention_ms = options
            .get("retention")
            .map(parse_duration_ms)
            .transpose()?;
        let dir = absolute_normalized(path)?;
        let metadata_dir = dir.join(METADATA_DIR);
        fs::create_dir_all(&metadata_dir).map_err(|e| Error::io("creating", &metadata_dir, e))?;
        let log = SinkLog::open_with(
            &metadata_dir,
            SinkLogConfig {
                retention_ms,
                ..SinkLogConfig::default()
            },
        )?;
        let last_committed = log.latest_batch_id()?;
        let description = format!("FileSink[file:{}]", dir.display());
        Ok(FileSink {
            format,
            dir,
            description,
            log,
            last_committed,
            encoding,
            schema: None,
            open: None,
            failed_epoch: None,
            scratch: Vec::new(),
            durability: Durability::default(),
        })
    }

    /// The sink with its part files and its log written as `durability` says
    /// (`spate.checkpoint.fsync`).
    pub fn with_durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self.log.set_durability(durability);
        self
    }

    /// Declares the schema of the rows, so that an epoch without any batch still writes
    /// a parquet file with the columns (and a csv header). Without it, the schema of the
    /// last batch seen is used.
    pub fn with_schema(mut self, schema: SchemaRef) -> Self {
        self.schema = Some(schema);
        self
    }

    /// The output directory (absolute).
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The output format.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// The metadata log of the output directory.
    pub fn log(&self) -> &SinkLog {
        &self.log
    }

    /// The highest epoch in the log (as of opening, plus this sink's commits).
    pub fn last_committed_epoch(&self) -> Option<u64> {
        self.last_committed
    }

    fn is_committed(&self, epoch: u64) -> bool {
        self.last_committed.is_some_and(|last| epoch <= last)
    }

    fn component_error(&self, message: String) -> Error {
        Error::component(self.description.clone(), message)
    }

    /// Creates the part file of `epoch` for rows of `schema`.
    fn open_part(&mut self, epoch: u64, schema: &Schema) -> Result<()> {
        if let Encoding::Csv(_) = self.encoding {
            csv::check_schema(schema)?;
        }
        if let Encoding::Parquet(_) = self.encoding {
            parquet::check_schema(schema)?;
        }
        let extension = match &self.encoding {
            Encoding::Json(_) => ".json",
            Encoding::Csv(_) => ".csv",
            Encoding::Parquet(codec) => codec.extension(),
        };
        let name = format!("part-00000-{}-c000{extension}", uuid::Uuid::new_v4());
        let path = self.dir.join(name);
        let file = File::create_new(&path).map_err(|e| Error::io("creating", &path, e))?;
        let body = match &self.encoding {
            Encoding::Parquet(codec) => match ParquetPart::new(file, schema, *codec) {
                Ok(part) => PartBody::Parquet(Box::new(part)),
                Err(e) => {
                    let _ = fs::remove_file(&path);
                    return Err(e);
                }
            },
            Encoding::Json(_) => PartBody::Text(BufWriter::new(file)),
            Encoding::Csv(writer) => {
                let mut out = BufWriter::new(file);
                if writer.header_enabled() {
                    let mut header = String::new();
                    writer.write_header(schema, &mut header);
                    if let Err(e) = out.write_all(header.as_bytes()) {
                        let _ = fs::remove_file(&path);
                        return Err(Error::io("writing", &path, e));
                    }
                }
                PartBody::Text(out)
            }
        };
        self.open = Some(OpenPart { epoch, path, body });
        Ok(())
    }

    /// Drops the open part file of an epoch that will not be committed (Spark's job abort
    /// deletes the files of the failed attempt).
    fn abandon_open_part(&mut self) {
        if let Some(part) = self.open.take() {
            let path = part.path.clone();
            drop(part);
            let _ = fs::remove_file(&path);
        }
    }

    fn append(&mut self, batch: &RecordBatch) -> Result<()> {
        let Some(part) = self.open.as_mut() else {
            return Ok(());
        };
        match (&mut part.body, &self.encoding) {
            (PartBody::Parquet(writer), _) => writer.write(batch),
            (PartBody::Text(out), Encoding::Json(writer)) => {
                self.scratch.clear();
                writer.write(batch, &mut self.scratch)?;
                out.write_all(&self.scratch)
                    .map_err(|e| Error::io("writing", &part.path, e))
            }
            (PartBody::Text(out), Encoding::Csv(writer)) => {
                let mut text = String::new();
                writer.write(batch, &mut text)?;
                out.write_all(text.as_bytes())
                    .map_err(|e| Error::io("writing", &part.path, e))
            }
            (PartBody::Text(_), Encoding::Parquet(_)) => Err(Error::component(
                self.description.clone(),
                "a text part file in a parquet sink",
            )),
        }
    }

    /// Closes (and, when synced, fsyncs) the open part file; returns its path and its log
    /// entry.
    fn close_part(&mut self) -> (PathBuf, Result<SinkFileStatus>) {
        let Some(part) = self.open.take() else {
            let error = self.component_error("no part file to commit".into());
            return (PathBuf::new(), Err(error));
        };
        let path = part.path;
        let result = (|| {
            let file = match part.body {
                PartBody::Text(out) => out
                    .into_inner()
                    .map_err(|e| Error::io("writing", &path, e.into_error()))?,
                PartBody::Parquet(writer) => writer.finish(&path)?,
            };
            self.durability.sync_file(&file, &path)?;
            drop(file);
            self.durability.sync_dir(&self.dir)?;
            let metadata = fs::metadata(&path).map_err(|e| Error::io("reading", &path, e))?;
            Ok(SinkFileStatus::for_local_file(&path, &metadata))
        })();
        (path, result)
    }

    /// Refuses an epoch whose earlier write or commit failed: some of its rows are lost.
    fn check_not_failed(&self, epoch: u64) -> Result<()> {
        if self.failed_epoch == Some(epoch) {
            return Err(self.component_error(format!(
                "epoch {epoch} failed earlier; its output is incomplete and cannot be committed"
            )));
        }
        Ok(())
    }

    /// Drops the epoch's part file and remembers that the epoch failed.
    fn fail(&mut self, epoch: u64, error: Error) -> Error {
        self.abandon_open_part();
        self.failed_epoch = Some(epoch);
        error
    }
}

impl Sink for FileSink {
    fn description(&self) -> String {
        self.description.clone()
    }

    fn write(&mut self, epoch: u64, batch: RecordBatch) -> Result<()> {
        if self.is_committed(epoch) {
            return Ok(());
        }
        self.check_not_failed(epoch)?;
        if self.open.as_ref().is_some_and(|p| p.epoch != epoch) {
            self.abandon_open_part();
        }
        self.schema = Some(batch.schema());
        if self.open.is_none() {
            if let Err(e) = self.open_part(epoch, batch.schema().as_ref()) {
                return Err(self.fail(epoch, e));
            }
        }
        if batch.num_rows() == 0 {
            return Ok(());
        }
        match self.append(&batch) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(epoch, e)),
        }
    }

    fn commit(&mut self, epoch: u64) -> Result<SinkCommit> {
        // The file sink does not count rows: progress shows `numOutputRows` -1.
        let done = SinkCommit {
            num_output_rows: -1,
        };
        if self.is_committed(epoch) {
            if self.open.as_ref().is_some_and(|p| p.epoch == epoch) {
                self.abandon_open_part();
            }
            return Ok(done);
        }
        self.check_not_failed(epoch)?;
        if self.open.as_ref().is_some_and(|p| p.epoch != epoch) {
            self.abandon_open_part();
        }
        if self.open.is_none() {
            let schema = self
                .schema
                .clone()
                .unwrap_or_else(|| Arc::new(Schema::empty()));
            if let Err(e) = self.open_part(epoch, &schema) {
                return Err(self.fail(epoch, e));
            }
        }
        let (path, closed) = self.close_part();
        let added = closed.and_then(|status| self.log.add(epoch, std::slice::from_ref(&status)));
        match added {
            Ok(true) => {
                self.last_committed = Some(epoch);
                Ok(done)
            }
            Ok(false) => {
                let _ = fs::remove_file(&path);
                let error = self.component_error(format!("Race while writing batch {epoch}"));
                Err(self.fail(epoch, error))
            }
            Err(e) => {
                let _ = fs::remove_file(&path);
                Err(self.fail(epoch, e))
            }
        }
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        self.abandon_open_part();
    }
}

/// The absolute form of `path` with `.` and `..` resolved lexically and no trailing
/// separator, as Hadoop qualifies a path.
fn absolute_normalized(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path).map_err(|e| Error::io("resolving", path, e))?;
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
