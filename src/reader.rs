//! `DataStreamReader`: `spark.readStream.format(..).schema(..).option(..).load(..)`, and the
//! same reader in batch (`spark.read`), which reads the files once into a static DataFrame.

use crate::dataframe::{DataFrame, SourceSpec};
use crate::session::Session;
use crate::types::IntoSchema;
use arrow::datatypes::SchemaRef;
use spate_connectors::file::format::{read_schema, FileFormat};
use spate_connectors::socket::SocketSource;
use spate_runtime::source::read_to_end;
use spate_runtime::Source;
use spate_runtime::{Error, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;

/// Spark's `DataStreamReader` (`spark.readStream`), also serving as its `DataFrameReader`
/// (`spark.read`).
pub struct DataStreamReader {
    session: Session,
    format: Option<String>,
    schema: Option<Result<SchemaRef>>,
    options: HashMap<String, String>,
    /// `spark.read`: `load` reads the files now into a static DataFrame.
    batch: bool,
}

/// Spark's `DataFrameReader`: the reader of `spark.read()`.
pub type DataFrameReader = DataStreamReader;

impl DataStreamReader {
    pub(crate) fn new(session: Session, batch: bool) -> Self {
        DataStreamReader {
            session,
            format: None,
            schema: None,
            options: HashMap::new(),
            batch,
        }
    }

    /// The source format: `json`, `csv`, `parquet` or `text`.
    pub fn format(mut self, format: &str) -> Self {
        self.format = Some(format.to_string());
        self
    }

    /// The schema: a [`crate::StructType`], an Arrow schema or a DDL string.
    pub fn schema(mut self, schema: impl IntoSchema) -> Self {
        self.schema = Some(schema.into_schema());
        self
    }

    /// A source option (`maxFilesPerTrigger`, `latestFirst`, `mode`, `header`, …).
    pub fn option(mut self, key: &str, value: impl ToString) -> Self {
        self.options.insert(key.to_string(), value.to_string());
        self
    }

    /// The streaming DataFrame of the files under `path` (from `spark.read()`: a static
    /// DataFrame of the files there now).
    pub fn load(self, path: impl Into<PathBuf>) -> Result<DataFrame> {
        let format_name = self.format.clone().unwrap_or_else(|| "parquet".into());
        let format =
            FileFormat::from_str(&format_name).map_err(|e| Error::component("readStream", e))?;
        let user_schema = self.schema.transpose()?;
        let schema =
            read_schema(format, user_schema).map_err(|e| Error::IllegalArgument(e.to_string()))?;
        let spec = SourceSpec::File {
            format,
            path: path.into(),
            schema,
            options: self.options,
            csv_tokens: None,
        };
        Self::define(self.session, self.batch, spec)
    }

    /// `load()` without a path: the `rate`, `rate-micro-batch` and `socket` sources.
    pub fn load_source(self) -> Result<DataFrame> {
        let format = self.format.clone().unwrap_or_default().to_ascii_lowercase();
        if self.schema.is_some() {
            return Err(Error::Analysis(format!(
                "[DATA_SOURCE_DOES_NOT_SUPPORT_USER_SPECIFIED_SCHEMA] {format} source does not support user-specified schema."
            )));
        }
        let spec = match format.as_str() {
            "rate" | "rate-micro-batch" => SourceSpec::Rate {
                micro_batch: format == "rate-micro-batch",
                options: self.options,
                partitions: self.session.parallelism(),
            },
            "socket" => SourceSpec::Socket {
                schema: SocketSource::new(&self.options)?.schema(),
                options: self.options,
            },
            _ => {
                return Err(Error::IllegalArgument(format!(
                    "'path' is not specified: the {format:?} source reads files"
                )))
            }
        };
        Self::define(self.session, self.batch, spec)
    }

    /// The DataFrame of `spec`: the source opens now (Spark checks the path and the options
    /// when the stream is defined); a batch read reads it to the end at once.
    fn define(session: Session, batch: bool, spec: SourceSpec) -> Result<DataFrame> {
        let mut source = spec.open(&session.time_zone()?)?;
        if batch {
            let scratch = std::env::temp_dir().join(format!("spate-read-{}", uuid::Uuid::new_v4()));
            let batches = read_to_end(source.as_mut(), scratch.clone());
            let _ = std::fs::remove_dir_all(&scratch);
            return Ok(DataFrame::from_static(session, spec.schema(), batches?));
        }
        Ok(DataFrame::from_source(session, spec))
    }

    /// `format("json").load(path)`.
    pub fn json(self, path: impl Into<PathBuf>) -> Result<DataFrame> {
        self.format("json").load(path)
    }

    /// `format("csv").load(path)`.
    pub fn csv(self, path: impl Into<PathBuf>) -> Result<DataFrame> {
        self.format("csv").load(path)
    }

    /// `format("parquet").load(path)`.
    pub fn parquet(self, path: impl Into<PathBuf>) -> Result<DataFrame> {
        self.format("parquet").load(path)
    }

    /// `format("text").load(path)`.
    pub fn text(self, path: impl Into<PathBuf>) -> Result<DataFrame> {
        self.format("text").load(path)
    }
}
