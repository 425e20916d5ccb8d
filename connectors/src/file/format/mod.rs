//! Decoding input files (JSON lines, CSV, Parquet, text) into Arrow record batches with
//! Spark 4.3's parsing semantics (SEMANTICS.md §3.2–3.4, §4.1).
//!
//! * JSON and CSV are decoded by single-pass, line-oriented decoders written for Spark's
//!   rules (Jackson's strict syntax plus Spark's options, Univocity's quoting), straight
//!   into column builders. Arrow's own JSON/CSV readers are deliberately not used: they are
//!   lenient where Spark is strict (arrow-json 60.1, checked: skips stray commas, accepts
//!   missing commas, raw control characters and numbers such as `01`, reads `"5"` and `1.5`
//!   into an int column as 5 and 1, reads integer timestamps as microseconds instead of
//!   seconds, fails the whole batch on a number in a string column and rejects the zone
//!   name `UTC` without chrono-tz; arrow-csv rejects ragged rows, has no
//!   raw-record access for `_corrupt_record` and different quoting rules), and the
//!   validation needed to correct that costs more than decoding directly.
//!
//!   `cargo bench --bench decode` measures the JSON decoder against arrow-json's reader on
//!   the same files, on one thread.
//! * Parquet uses `parquet::arrow::arrow_reader`, matching columns by name.
//! * Text yields one `value` row per line.
//!
//! Lines are split like Hadoop's `LineRecordReader`: `\n`, `\r` and `\r\n` all end a line.

mod blocks;
mod columns;
mod csv;
mod datetime;
mod json;
mod parquet;
mod text;

use arrow::array::BooleanArray;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use blocks::{LineBlocks, BLOCK_BYTES, MAX_WANT};
use columns::{Column, Kind};
pub use json::{json_path_supported, json_path_values, parse_json_values, JsonValues};
use memchr::memchr2;
use rayon::prelude::*;
use spate_runtime::source::{BatchMap, ReadBatch};
use spate_runtime::text::zone::{resolve_zone_id, InvalidTimeZone, Zone};
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// Default number of rows per decoded record batch.
pub const DEFAULT_BATCH_SIZE: usize = 8192;

/// Default name of the corrupt-record column (`spark.sql.columnNameOfCorruptRecord`).
pub const DEFAULT_CORRUPT_COLUMN: &str = "_corrupt_record";

/// A file format of the file source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// JSON lines (`multiLine=false`).
    Json,
    /// Comma (or `sep`) separated values, one record per line.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Plain text: one row per line in column `value`.
    Text,
}

impl FromStr for FileFormat {
    type Err = DecodeError;

    /// Parses `json`, `csv`, `parquet` or `text`, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(FileFormat::Json),
            "csv" => Ok(FileFormat::Csv),
            "parquet" => Ok(FileFormat::Parquet),
            "text" => Ok(FileFormat::Text),
            _ => Err(DecodeError::UnknownFormat(s.to_string())),
        }
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileFormat::Json => "json",
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
            FileFormat::Text => "text",
        })
    }
}

/// How malformed records are handled (option `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParseMode {
    /// Keep the record: fields that failed are NULL, the raw text goes to the corrupt-record
    /// column if the schema has one.
    #[default]
    Permissive,
    /// Drop every corrupt record (even partially converted ones).
    DropMalformed,
    /// Fail the read with [`DecodeError::Malformed`] at the first corrupt record.
    FailFast,
}

impl ParseMode {
    /// Spark's `ParseMode.fromString`: case-insensitive; an unknown name falls back to
    /// PERMISSIVE (with a warning), it is not an error.
    pub fn from_spark(s: &str) -> ParseMode {
        match s.to_ascii_uppercase().as_str() {
            "PERMISSIVE" => ParseMode::Permissive,
            "DROPMALFORMED" => ParseMode::DropMalformed,
            "FAILFAST" => ParseMode::FailFast,
            _ => {
                tracing::warn!("{s} is not a valid parse mode. Using PERMISSIVE.");
                ParseMode::Permissive
            }
        }
    }
}

/// Parsing options of the file source (a subset of Spark's data source options).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeOptions {
    /// Option `mode` (default PERMISSIVE).
    pub mode: ParseMode,
    /// Option `columnNameOfCorruptRecord` (default `_corrupt_record`).
    pub corrupt_column: String,
    /// CSV option `header` (default false: the first line is data).
    pub csv_header: bool,
    /// CSV option `sep` / `delimiter` (default `,`).
    pub csv_sep: u8,
    /// Zone for timestamps without one: option `timeZone`, else the session time zone.
    pub time_zone: Zone,
    /// Maximum rows per output record batch.
    pub batch_size: usize,
    /// CSV read for a query that uses only some columns (Spark's column pruning): the
    /// token of each data column, in order. Tokens are then taken by position, and a line
    /// with fewer or more tokens is not malformed for it (Spark 4.3). `None`: the tokens
    /// are the data columns in order, and a count mismatch makes the record malformed.
    pub csv_tokens: Option<Vec<usize>>,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            mode: ParseMode::Permissive,
            corrupt_column: DEFAULT_CORRUPT_COLUMN.to_string(),
            csv_header: false,
            csv_sep: b',',
            time_zone: Zone::UTC,
            batch_size: DEFAULT_BATCH_SIZE,
            csv_tokens: None,
        }
    }
}

impl DecodeOptions {
    /// Reads Spark option names (keys case-insensitive): `mode`,
    /// `columnNameOfCorruptRecord`, `header`, `sep` (or `delimiter`), `timeZone` (default
    /// `session_time_zone`).
    ///
    /// Options that would change parsing in ways this decoder does not implement
    /// (`multiLine=true`, `timestampFormat`, `dateFormat`, `lineSep`, a non-UTF-8
    /// `encoding`, …) are rejected with [`DecodeError::InvalidOption`] rather than ignored; an
    /// unknown `timeZone` is [`DecodeError::InvalidTimeZone`]. Other options (e.g. the file source's `maxFilesPerTrigger`) are ignored here.
    pub fn from_options(
        options: &HashMap<String, String>,
        session_time_zone: &Zone,
    ) -> Result<Self, DecodeError> {
        let mut out = DecodeOptions {
            time_zone: session_time_zone.clone(),
            ..DecodeOptions::default()
        };
        let lower: HashMap<String, (&String, &String)> = options
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), (k, v)))
            .collect();
        let get = |name: &str| lower.get(&name.to_ascii_lowercase()).copied();
        let invalid = |name: &str, value: &str, reason: &str| DecodeError::InvalidOption {
            name: name.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        };
        if let Some((_, v)) = get("mode") {
            out.mode = ParseMode::from_spark(v);
        }
        if let Some((_, v)) = get("columnNameOfCorruptRecord") {
            out.corrupt_column = v.clone();
        }
        if let Some((k, v)) = get("header") {
            out.csv_header = parse_bool_option(k, v)?;
        }
        let sep = get("sep").or_else(|| get("delimiter"));
        if let Some((k, v)) = sep {
            out.csv_sep = parse_delimiter(v).map_err(|reason| invalid(k, v, &reason))?;
        }
        if let Some((_, v)) = get("timeZone") {
            out.time_zone = resolve_zone_id(v)?;
        }
        for (name, allowed) in [
            ("multiLine", "false"),
            ("wholetext", "false"),
            ("lineSep", ""),
            ("timestampFormat", ""),
            ("timestampNTZFormat", ""),
            ("dateFormat", ""),
            ("samplingRatio", ""),
            ("primitivesAsString", "false"),
            ("prefersDecimal", "false"),
            ("allowComments", "false"),
            ("allowUnquotedFieldNames", "false"),
            ("allowSingleQuotes", "true"),
            ("allowNumericLeadingZeros", "false"),
            ("allowBackslashEscapingAnyCharacter", "false"),
            ("allowUnquotedControlChars", "false"),
            ("allowNonNumericNumbers", "true"),
            ("quote", "\""),
            ("escape", "\\"),
            ("comment", ""),
            ("nullValue", ""),
            ("emptyValue", ""),
            ("nanValue", "NaN"),
            ("positiveInf", "Inf"),
            ("negativeInf", "-Inf"),
            ("ignoreLeadingWhiteSpace", "false"),
            ("ignoreTrailingWhiteSpace", "false"),
            ("unescapedQuoteHandling", "STOP_AT_DELIMITER"),
        ] {
            if let Some((k, v)) = get(name) {
                if !v.eq_ignore_ascii_case(allowed) {
                    return Err(invalid(
                        k,
                        v,
                        "this option is not supported by spate's decoder",
                    ));
                }
            }
        }
        for name in ["encoding", "charset"] {
            if let Some((k, v)) = get(name) {
                let norm = v.to_ascii_lowercase().replace(['-', '_'], "");
                if norm != "utf8" {
                    return Err(invalid(k, v, "only UTF-8 input is supported"));
                }
            }
        }
        Ok(out)
    }
}

/// CSVOptions.getBool: `true` / `false`, case-insensitive.
fn parse_bool_option(name: &str, value: &str) -> Result<bool, DecodeError> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(DecodeError::InvalidOption {
            name: name.to_string(),
            value: value.to_string(),
            reason: format!("{name} flag can be true or false"),
        })
    }
}

/// Spark's `CSVExprUtils.toChar`, restricted to single-byte delimiters.
fn parse_delimiter(s: &str) -> Result<u8, String> {
    let chars: Vec<char> = s.chars().collect();
    let c = match chars.as_slice() {
        [] => return Err("Delimiter cannot be empty string".into()),
        ['\\'] => {
            return Err(
                "Single backslash is prohibited. It has special meaning as beginning \
                 of an escape sequence. To get the backslash character, pass a string with \
                 two backslashes as the delimiter."
                    .into(),
            )
        }
        [c] => *c,
        ['\\', 't'] => '\t',
        ['\\', 'r'] => '\r',
        ['\\', 'b'] => '\u{8}',
        ['\\', 'f'] => '\u{c}',
        ['\\', '"'] => '"',
        ['\\', '\''] => '\'',
        ['\\', '\\'] => '\\',
        ['\\', c, ..] => {
            return Err(format!(
                "Unsupported special character for delimiter: \\{c}"
            ))
        }
        _ => {
            return Err(
                "multi-character delimiters are accepted by Spark but not supported by spate"
                    .into(),
            )
        }
    };
    u8::try_from(u32::from(c))
        .ok()
        .filter(|b| b.is_ascii())
        .ok_or_else(|| "non-ASCII delimiters are not supported by spate".to_string())
}

/// Errors of schema resolution and decoding.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A corrupt record in FAILFAST mode.
    #[error(
        "[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in \
         record parsing: {} line {line}: {reason}. Parse Mode: FAILFAST. To process malformed \
         records as null result, try setting the option 'mode' as 'PERMISSIVE'.",
        path.display()
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number of the record.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// A streaming source other than text was created without a schema.
    #[error(
        "Schema must be specified when creating a streaming source DataFrame. If some files \
         already exist in the directory, then depending on the file format you may be able \
         to create a static DataFrame on that directory with 'spark.read.load(directory)' \
         and infer schema from it."
    )]
    SchemaRequired,
    /// `format(...)` named no supported format.
    #[error("unknown file format `{0}`: expected json, csv, parquet or text")]
    UnknownFormat(String),
    /// The `timeZone` option names no zone.
    #[error(transparent)]
    InvalidTimeZone(#[from] InvalidTimeZone),
    /// An option had an unusable value.
    #[error("invalid value `{value}` for option `{name}`: {reason}")]
    InvalidOption {
        /// Option name as given.
        name: String,
        /// Its value.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The schema has a column type the text decoders cannot produce.
    #[error("column `{column}` has type {data_type}, which the {format} reader does not support")]
    UnsupportedType {
        /// Column name.
        column: String,
        /// Its Arrow type.
        data_type: DataType,
        /// The format.
        format: FileFormat,
    },
    /// The corrupt-record column is not a string.
    #[error(
        "[INVALID_CORRUPT_RECORD_TYPE] The column `{column}` for corrupt records must have the \
         nullable STRING type, but got \"{found}\"."
    )]
    CorruptRecordType {
        /// Column name.
        column: String,
        /// Spark name of its type.
        found: String,
    },
    /// Parquet reading failed, or a column's type cannot be read as the schema's type.
    #[error("error reading parquet file {}: {message}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Building Arrow arrays failed.
    #[error("arrow error: {0}")]
    Arrow(#[from] ArrowError),
    /// The stateless map fused into the decoder failed on a decoded batch.
    #[error(transparent)]
    Map(spate_runtime::Error),
}

impl DecodeError {
    /// The error of a part of a file that starts after `lines` lines: a malformed record's
    /// line number counted from the file's start.
    fn after_lines(self, lines: usize) -> DecodeError {
        match self {
            DecodeError::Malformed { path, line, reason } => DecodeError::Malformed {
                path,
                line: line + lines,
                reason,
            },
            other => other,
        }
    }
}

/// The schema a streaming file source reads with: `value string` for text (the user schema
/// is not allowed to differ in Spark; it is ignored here), otherwise the user's schema with
/// every field made nullable (`spark.sql.streaming.fileSource.schema.forceNullable`).
pub fn read_schema(
    format: FileFormat,
    user_schema: Option<SchemaRef>,
) -> Result<SchemaRef, DecodeError> {
    match (format, user_schema) {
        (FileFormat::Text, _) => Ok(Arc::new(Schema::new(vec![Field::new(
            "value",
            DataType::Utf8,
            true,
        )]))),
        (_, None) => Err(DecodeError::SchemaRequired),
        (_, Some(schema)) => {
            let fields: Vec<Field> = schema
                .fields()
                .iter()
                .map(|f| spate_runtime::types::as_nullable(f))
                .collect();
            Ok(Arc::new(Schema::new_with_metadata(
                fields,
                schema.metadata().clone(),
            )))
        }
    }
}

/// Decodes one whole file into record batches whose schema is exactly `schema`
/// (at most `options.batch_size` rows each; an empty file gives no batches).
pub fn decode_file(
    format: FileFormat,
    path: &Path,
    schema: &SchemaRef,
    options: &DecodeOptions,
) -> Result<Vec<RecordBatch>, DecodeError> {
    let read = read_file(format, path, schema, options)?;
    Ok(read.into_iter().map(|read| read.batch).collect())
}

/// [`decode_file`], each batch with its malformed rows.
fn read_file(
    format: FileFormat,
    path: &Path,
    schema: &SchemaRef,
    options: &DecodeOptions,
) -> Result<Vec<ReadBatch>, DecodeError> {
    let io = io_error(path);
    let whole = |batches: Vec<RecordBatch>| batches.into_iter().map(ReadBatch::from).collect();
    match format {
        FileFormat::Parquet => parquet::decode(path, schema, options).map(whole),
        FileFormat::Json => {
            let data = std::fs::read(path).map_err(io)?;
            json::decode(&data, path, schema, options).map(|(batches, _)| batches)
        }
        FileFormat::Csv => {
            let data = std::fs::read(path).map_err(io)?;
            csv::decode(&data, path, schema, options)
        }
        FileFormat::Text => {
            let data = std::fs::read(path).map_err(io)?;
            text::decode(&data, schema, options).map(whole)
        }
    }
}

/// Decodes one file batch by batch. A JSON file is read a block at a time and decoded in
/// chunks of a little under `batch_size` lines (sized in bytes from its first lines), a few
/// per decoding thread at a time, so that the first batches flow downstream while the rest
/// of the file is still being decoded; the other formats are decoded whole on the first call. A
/// stateless map given with [`FileDecoder::with_map`] runs on each batch as part of its
/// decoding, on the decoding threads.
pub struct FileDecoder {
    format: FileFormat,
    path: std::path::PathBuf,
    schema: SchemaRef,
    options: DecodeOptions,
    map: Option<BatchMap>,
    /// The JSON file being decoded.
    json: Option<JsonFile>,
    ready: std::collections::VecDeque<RecordBatch>,
    started: bool,
    /// Rows read (as the map counts them) since the last [`FileDecoder::take_read_rows`].
    read_rows: usize,
}

impl FileDecoder {
    /// A decoder of the file at `path` (nothing is read yet).
    pub fn new(
        format: FileFormat,
        path: &Path,
        schema: &SchemaRef,
        options: &DecodeOptions,
    ) -> Self {
        FileDecoder {
            format,
            path: path.to_path_buf(),
            schema: schema.clone(),
            options: options.clone(),
            map: None,
            json: None,
            ready: std::collections::VecDeque::new(),
            started: false,
            read_rows: 0,
        }
    }

    /// The rows read since the last call: every decoded row, or with a map, those its
    /// scan filters keep (counted as batches are decoded, ahead of the batches given).
    pub fn take_read_rows(&mut self) -> usize {
        std::mem::take(&mut self.read_rows)
    }

    /// The decoder with `map` applied to every batch it decodes.
    pub fn with_map(mut self, map: BatchMap) -> Self {
        self.map = Some(map);
        self
    }

    /// The next non-empty batch of the file, or `None` at its end.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>, DecodeError> {
        loop {
            if let Some(batch) = self.ready.pop_front() {
                return Ok(Some(batch));
            }
            if !self.started {
                self.started = true;
                if self.format == FileFormat::Json {
                    let mut blocks = LineBlocks::open(&self.path).map_err(io_error(&self.path))?;
                    // Chunks of a little under `batch_size` lines (a block's worth per
                    // round at most), so that a chunk whose lines run a little shorter than
                    // the sampled ones does not leave a batch of a few rows behind.
                    let sample = blocks
                        .lines(LINE_SAMPLE_BYTES)
                        .map_err(io_error(&self.path))?;
                    let batch_size = self.options.batch_size;
                    let chunk_lines = batch_size - batch_size / CHUNK_LINES_SHORT_OF_BATCH;
                    let chunk_bytes = bytes_of_lines(sample, chunk_lines).clamp(
                        1,
                        BLOCK_BYTES / (rayon::current_num_threads().max(1) * CHUNKS_PER_THREAD),
                    );
                    self.json = Some(JsonFile {
                        blocks,
                        lines_before: 0,
                        chunk_bytes,
                    });
                } else {
                    let batches = read_file(self.format, &self.path, &self.schema, &self.options)?;
                    let (batches, read_rows) = mapped(&self.map, batches)?;
                    self.read_rows += read_rows;
                    self.ready.extend(batches);
                    continue;
                }
            }
            let Some(file) = self.json.as_mut() else {
                return Ok(None);
            };
            // Several chunks per decoding thread, decoded side by side and queued in file
            // order: a thread that finishes early (or whose neighbour lost its core to
            // another actor for a while) takes the next chunk instead of waiting for the
            // round to end. Each chunk numbers its lines from 1; its lines are counted as it
            // is decoded.
            let chunks_per_round = rayon::current_num_threads() * CHUNKS_PER_THREAD;
            let data = file
                .blocks
                .lines(
                    file.chunk_bytes
                        .saturating_mul(chunks_per_round)
                        .min(MAX_WANT),
                )
                .map_err(io_error(&self.path))?;
            if data.is_empty() {
                self.json = None;
                return Ok(None);
            }
            let chunks = split_at_lines(data, file.chunk_bytes, chunks_per_round);
            let decode = |chunk: &Range<usize>| {
                let (batches, lines) = json::decode(
                    &data[chunk.clone()],
                    &self.path,
                    &self.schema,
                    &self.options,
                )?;
                Ok((mapped(&self.map, batches)?, lines))
            };
            // A single chunk is decoded here: handing it to the pool would only add two
            // thread hops to a small file's latency.
            let decoded: Vec<Result<_, DecodeError>> = if chunks.len() > 1 {
                chunks.par_iter().map(decode).collect()
            } else {
                chunks.iter().map(decode).collect()
            };
            file.blocks
                .consume(chunks.last().map_or(0, |last| last.end));
            for result in decoded {
                let ((batches, read_rows), lines) =
                    result.map_err(|e| e.after_lines(file.lines_before))?;
                file.lines_before += lines;
                self.read_rows += read_rows;
                self.ready.extend(batches);
            }
        }
    }
}

/// The error of failing to read the file at `path`.
pub(crate) fn io_error(path: &Path) -> impl Fn(std::io::Error) -> DecodeError + '_ {
    move |source| DecodeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A JSON file being decoded by a [`FileDecoder`].
struct JsonFile {
    /// The file's lines not decoded yet.
    blocks: LineBlocks,
    /// The lines decoded.
    lines_before: usize,
    /// How long a chunk is, about.
    chunk_bytes: usize,
}

/// `batches` through `map` (when there is one), without the empty ones, and the rows read
/// for them (all of their rows, or those the map's scan filters keep).
fn mapped(
    map: &Option<BatchMap>,
    batches: Vec<ReadBatch>,
) -> Result<(Vec<RecordBatch>, usize), DecodeError> {
    let mut read_rows = 0;
    let mut kept = Vec::with_capacity(batches.len());
    for read in batches {
        let batch = match map {
            Some(map) => {
                let mapped = map(read).map_err(DecodeError::Map)?;
                read_rows += mapped.read_rows;
                mapped.batch
            }
            None => {
                read_rows += read.batch.num_rows();
                read.batch
            }
        };
        if batch.num_rows() > 0 {
            kept.push(batch);
        }
    }
    Ok((kept, read_rows))
}

/// Splits the start of `data` into up to `max_chunks` chunks of whole lines, each ending at
/// the first line end at or after `chunk_bytes` bytes (so that no chunk splits a `\r\n`
/// pair); returns their byte ranges.
fn split_at_lines(data: &[u8], chunk_bytes: usize, max_chunks: usize) -> Vec<Range<usize>> {
    let mut chunks = Vec::with_capacity(max_chunks);
    let mut start = 0;
    while start < data.len() && chunks.len() < max_chunks.max(1) {
        let target = start.saturating_add(chunk_bytes.max(1) - 1);
        let end = match data
            .get(target..)
            .and_then(|rest| memchr2(b'\n', b'\r', rest))
        {
            Some(i) => {
                let end = target + i;
                if data[end] == b'\r' && data.get(end + 1) == Some(&b'\n') {
                    end + 2
                } else {
                    end + 1
                }
            }
            None => data.len(),
        };
        chunks.push(start..end);
        start = end;
    }
    chunks
}

/// The bytes `lines` lines of `data` take, estimated from its start.
fn bytes_of_lines(data: &[u8], lines: usize) -> usize {
    let sample = &data[..data.len().min(LINE_SAMPLE_BYTES)];
    let ends = memchr::memchr2_iter(b'\n', b'\r', sample).count();
    let pairs = memchr::memmem::find_iter(sample, b"\r\n").count();
    let per_line = sample.len() as f64 / (ends - pairs).max(1) as f64;
    (per_line * lines as f64) as usize
}

/// A JSON chunk aims at `batch_size - batch_size / CHUNK_LINES_SHORT_OF_BATCH` lines.
const CHUNK_LINES_SHORT_OF_BATCH: usize = 16;

/// Chunks of a JSON file decoded per thread in one round.
const CHUNKS_PER_THREAD: usize = 4;

/// How much of a JSON file [`bytes_of_lines`] looks at.
const LINE_SAMPLE_BYTES: usize = 64 << 10;

/// Lines split like Hadoop's `LineRecordReader`: `\n`, `\r` or `\r\n` end a line; a final
/// line without terminator counts, a trailing terminator does not start another line.
pub(crate) struct Lines<'a> {
    data: &'a [u8],
    pos: usize,
    number: usize,
}

impl<'a> Lines<'a> {
    /// Lines of `data`, numbered from 1.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Lines {
            data,
            pos: 0,
            number: 0,
        }
    }

    /// The data from the next line's start to the end.
    #[inline]
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    /// The next line, given that its first `known` bytes hold no line terminator (a
    /// decoder has parsed them already): the search for its end starts after them.
    #[inline]
    pub(crate) fn next_after(&mut self, known: usize) -> Option<(usize, &'a [u8])> {
        if self.pos >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.pos..];
        self.number += 1;
        let end = match rest.get(known) {
            Some(b'\n' | b'\r') => Some(known),
            Some(_) => memchr2(b'\n', b'\r', &rest[known..]).map(|i| known + i),
            None => None,
        };
        match end {
            Some(i) => {
                let line = &rest[..i];
                let mut advance = i + 1;
                if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
                    advance += 1;
                }
                self.pos += advance;
                Some((self.number, line))
            }
            None => {
                self.pos = self.data.len();
                Some((self.number, rest))
            }
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    /// (1-based line number, line without its terminator)
    type Item = (usize, &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.next_after(0)
    }
}

/// Row assembly shared by the JSON and CSV decoders: the output columns, the corrupt-record
/// column, the parse mode and the finished batches.
pub(crate) struct RowWriter<'a> {
    schema: &'a SchemaRef,
    path: &'a Path,
    options: &'a DecodeOptions,
    columns: Vec<Column>,
    /// Index of the corrupt-record column, if the schema declares it.
    corrupt: Option<usize>,
    /// Indices of the fields that are parsed from the input (all but the corrupt column).
    pub(crate) data_columns: Vec<usize>,
    /// Indices of the columns that hold text (strings, or structs and arrays that may),
    /// whose size [`Self::maybe_flush`] watches after every record (only the corrupt column
    /// when the input is too small for the others to reach the limit, see
    /// [`Self::reading`]).
    text_columns: Vec<usize>,
    rows: usize,
    /// The rows of the current batch that hold a malformed record (PERMISSIVE), ascending.
    malformed: Vec<usize>,
    /// JSON: per column, the rows of the current batch whose record had no key for it,
    /// ascending (Spark's scan counts a record whose filter never saw its fields).
    absent: Option<Vec<Vec<usize>>>,
    batches: Vec<ReadBatch>,
}

/// Whether values of `data_type` hold text: a string, or a struct or array with one inside.
fn holds_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Struct(fields) => fields.iter().any(|f| holds_text(f.data_type())),
        DataType::List(element) => holds_text(element.data_type()),
        other => Kind::of(other) == Some(Kind::Utf8),
    }
}

/// Flush a batch early when its string data passes this size (keeps i32 offsets safe).
const MAX_BATCH_STRING_BYTES: usize = 1 << 30;

impl<'a> RowWriter<'a> {
    /// Builders for `schema`; checks every type is decodable and the corrupt column is a string.
    pub(crate) fn new(
        format: FileFormat,
        schema: &'a SchemaRef,
        path: &'a Path,
        options: &'a DecodeOptions,
    ) -> Result<Self, DecodeError> {
        let capacity = options.batch_size.clamp(1, 1 << 16);
        let mut columns = Vec::with_capacity(schema.fields().len());
        let mut corrupt = None;
        let mut data_columns = Vec::new();
        for (i, field) in schema.fields().iter().enumerate() {
            let is_corrupt = field.name() == &options.corrupt_column;
            let kind = Kind::of(field.data_type());
            if is_corrupt {
                if kind != Some(Kind::Utf8) {
                    return Err(DecodeError::CorruptRecordType {
                        column: field.name().clone(),
                        found: spate_runtime::types::spark_type_name(field.data_type())
                            .to_ascii_uppercase(),
                    });
                }
                corrupt = Some(i);
            } else {
                data_columns.push(i);
            }
            let kind = kind
                .filter(|kind| format == FileFormat::Json || !kind.is_nested())
                .ok_or_else(|| DecodeError::UnsupportedType {
                    column: field.name().clone(),
                    data_type: field.data_type().clone(),
                    format,
                })?;
            columns.push(Column::new(field.clone(), kind, capacity));
        }
        let text_columns = (0..columns.len())
            .filter(|&i| holds_text(schema.field(i).data_type()))
            .collect();
        Ok(RowWriter {
            schema,
            path,
            options,
            columns,
            text_columns,
            corrupt,
            data_columns,
            rows: 0,
            malformed: Vec::new(),
            absent: (format == FileFormat::Json).then(|| vec![Vec::new(); schema.fields().len()]),
            batches: Vec::new(),
        })
    }

    /// The writer, for records read from `input_bytes` bytes of text. Their values take at
    /// most a few times that (a value is never longer than its text but for invalid UTF-8,
    /// three bytes of U+FFFD for one), so below an eighth of [`MAX_BATCH_STRING_BYTES`]
    /// only the corrupt column needs its size checked after each record: a JSON root array
    /// that fails gives each of its rows the whole line there.
    pub(crate) fn reading(mut self, input_bytes: usize) -> Self {
        if input_bytes.saturating_mul(8) <= MAX_BATCH_STRING_BYTES {
            let corrupt = self.corrupt;
            self.text_columns.retain(|&column| Some(column) == corrupt);
        }
        self
    }

    /// Rows in the batch under construction.
    #[inline]
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// The column at schema index `i`.
    #[inline]
    pub(crate) fn column(&mut self, i: usize) -> &mut Column {
        &mut self.columns[i]
    }

    /// The output schema.
    #[inline]
    pub(crate) fn schema_ref(&self) -> &'a SchemaRef {
        self.schema
    }

    /// Removes every value written after `rows` rows (an abandoned record).
    pub(crate) fn rollback(&mut self, rows: usize) {
        for c in &mut self.columns {
            c.truncate(rows);
        }
        let kept = self.malformed.partition_point(|&row| row < rows);
        self.malformed.truncate(kept);
        for column in self.absent.iter_mut().flatten() {
            let kept = column.partition_point(|&row| row < rows);
            column.truncate(kept);
        }
        self.rows = rows;
    }

    /// Completes the current row: data columns without a value get NULL, then the record is
    /// kept, dropped or reported according to the mode. `raw` is the record's text.
    #[inline]
    pub(crate) fn end_row(
        &mut self,
        corrupt: bool,
        raw: &[u8],
        line: usize,
        reason: &dyn Fn() -> String,
    ) -> Result<(), DecodeError> {
        let start = self.rows;
        self.fill_row();
        self.commit_rows(start, corrupt, raw, line, reason)
    }

    /// [`Self::end_row`] of a record whose every data column got its value, converted.
    #[inline]
    pub(crate) fn end_filled_row(&mut self, raw: &[u8], line: usize) -> Result<(), DecodeError> {
        let start = self.rows;
        self.rows += 1;
        self.commit_rows(start, false, raw, line, &String::new)
    }

    /// Fills the data columns of the current row that got no value with NULL and moves to
    /// the next row; the row is only final after [`Self::commit_rows`].
    #[inline]
    pub(crate) fn fill_row(&mut self) {
        let row = self.rows;
        for &i in &self.data_columns {
            let c = &mut self.columns[i];
            if c.len() == row {
                c.push_null();
                if let Some(absent) = self.absent.as_mut() {
                    absent[i].push(row);
                }
            }
        }
        self.rows += 1;
    }

    /// Decides the rows `start..` (filled, all from one input record): kept with a NULL
    /// corrupt column, or — when `corrupt` — kept with the raw text, dropped, or reported.
    /// A clean record without a corrupt column, the common case, costs one test.
    #[inline]
    pub(crate) fn commit_rows(
        &mut self,
        start: usize,
        corrupt: bool,
        raw: &[u8],
        line: usize,
        reason: &dyn Fn() -> String,
    ) -> Result<(), DecodeError> {
        if !corrupt && self.corrupt.is_none() {
            return Ok(());
        }
        self.commit_marked_rows(start, corrupt, raw, line, reason)
    }

    /// [`Self::commit_rows`] of a corrupt record, or where a corrupt column is kept.
    fn commit_marked_rows(
        &mut self,
        start: usize,
        corrupt: bool,
        raw: &[u8],
        line: usize,
        reason: &dyn Fn() -> String,
    ) -> Result<(), DecodeError> {
        let count = self.rows - start;
        if corrupt {
            match self.options.mode {
                ParseMode::Permissive => {
                    self.malformed.extend(start..self.rows);
                    if let Some(i) = self.corrupt {
                        let text = String::from_utf8_lossy(raw);
                        for _ in 0..count {
                            self.columns[i].push_str(text.as_bytes());
                        }
                    }
                }
                ParseMode::DropMalformed => self.rollback(start),
                ParseMode::FailFast => {
                    return Err(DecodeError::Malformed {
                        path: self.path.to_path_buf(),
                        line,
                        reason: reason(),
                    });
                }
            }
        } else if let Some(i) = self.corrupt {
            for _ in 0..count {
                self.columns[i].push_null();
            }
        }
        Ok(())
    }

    /// A record that failed as a whole (syntax error): all fields NULL, raw text kept.
    pub(crate) fn failed_row(
        &mut self,
        start_rows: usize,
        raw: &[u8],
        line: usize,
        reason: &dyn Fn() -> String,
    ) -> Result<(), DecodeError> {
        self.rollback(start_rows);
        self.end_row(true, raw, line, reason)
    }

    /// Call between records: finishes a batch when it is full.
    #[inline]
    pub(crate) fn maybe_flush(&mut self) -> Result<(), DecodeError> {
        if self.rows >= self.options.batch_size.max(1)
            || self
                .text_columns
                .iter()
                .any(|&i| self.columns[i].string_bytes() > MAX_BATCH_STRING_BYTES)
        {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DecodeError> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays = self
            .columns
            .iter_mut()
            .map(|c| c.finish())
            .collect::<Result<Vec<_>, _>>()?;
        let malformed = (!self.malformed.is_empty()).then(|| {
            let mut mask = vec![false; self.rows];
            for row in self.malformed.drain(..) {
                mask[row] = true;
            }
            BooleanArray::from(mask)
        });
        let rows = self.rows;
        let absent = self
            .absent
            .iter_mut()
            .flatten()
            .enumerate()
            .filter(|(_, column)| !column.is_empty())
            .map(|(i, column)| {
                let mut mask = vec![false; rows];
                for row in column.drain(..) {
                    mask[row] = true;
                }
                (i, BooleanArray::from(mask))
            })
            .collect();
        self.batches.push(ReadBatch {
            // A query that reads no column still sees how many rows there were.
            batch: RecordBatch::try_new_with_options(
                self.schema.clone(),
                arrays,
                &RecordBatchOptions::new().with_row_count(Some(self.rows)),
            )?,
            malformed,
            absent,
        });
        self.rows = 0;
        Ok(())
    }

    /// All batches, including the last partial one, with their malformed rows.
    pub(crate) fn finish(mut self) -> Result<Vec<ReadBatch>, DecodeError> {
        self.flush()?;
        Ok(self.batches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;

    fn drain(decoder: &mut FileDecoder) -> Result<Vec<RecordBatch>, DecodeError> {
        let mut batches = Vec::new();
        while let Some(batch) = decoder.next_batch()? {
            batches.push(batch);
        }
        Ok(batches)
    }

    #[test]
    fn chunked_json_decoding_equals_whole_file_decoding() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.json");
        let text = "{\"id\":1}\r\n{\"id\":2}\n\n{\"id\":\"x\"}\r{\"id\":4}\n{\"id\":5}";
        std::fs::write(&path, text).unwrap();
        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("_corrupt_record", DataType::Utf8, true),
        ]));
        let mut options = DecodeOptions::default();
        let whole = decode_file(FileFormat::Json, &path, &schema, &options).unwrap();
        options.batch_size = 2;
        let chunked = drain(&mut FileDecoder::new(
            FileFormat::Json,
            &path,
            &schema,
            &options,
        ))
        .unwrap();
        assert!(chunked.len() > 1, "decoded in several chunks");
        let concat = |b: &[RecordBatch]| arrow::compute::concat_batches(&schema, b).unwrap();
        assert_eq!(concat(&chunked), concat(&whole));

        // FAILFAST names the file's own line number, whichever chunk it is in.
        options.mode = ParseMode::FailFast;
        let error = drain(&mut FileDecoder::new(
            FileFormat::Json,
            &path,
            &schema,
            &options,
        ))
        .unwrap_err();
        assert!(
            matches!(error, DecodeError::Malformed { line: 4, .. }),
            "{error:?}"
        );
    }

    /// Lines of uneven length, as real files have, still fill each batch with one chunk:
    /// no batch of a few rows is left over from a chunk a line or two longer than
    /// `batch_size` lines.
    #[test]
    fn json_chunks_fill_batches_without_small_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.json");
        let mut text = String::new();
        let mut state: u32 = 1;
        for id in 10_000..15_000 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let pad = "x".repeat((state >> 16) as usize % 9);
            text.push_str(&format!("{{\"id\":{id},\"s\":\"{pad}\"}}\n"));
        }
        std::fs::write(&path, text).unwrap();
        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        let options = DecodeOptions {
            batch_size: 100,
            ..DecodeOptions::default()
        };
        let batches = drain(&mut FileDecoder::new(
            FileFormat::Json,
            &path,
            &schema,
            &options,
        ))
        .unwrap();
        let rows: Vec<usize> = batches.iter().map(RecordBatch::num_rows).collect();
        assert_eq!(rows.iter().sum::<usize>(), 5000);
        let (last, full) = rows.split_last().unwrap();
        assert!(*last > 0 && *last <= 100, "{rows:?}");
        assert!(full.iter().all(|&n| (80..=100).contains(&n)), "{rows:?}");
    }

    /// A map fused into decoding runs on every chunk of a JSON file and on a whole CSV
    /// file: batches it empties are not given out but their rows read count, and its error
    /// is the decoder's.
    #[test]
    fn a_fused_map_runs_on_every_decoded_batch() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("e.json");
        std::fs::write(
            &json,
            "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n{\"id\":4}\n{\"id\":5}\n",
        )
        .unwrap();
        let csv = dir.path().join("e.csv");
        std::fs::write(&csv, "1\n2\n3\n4\n5\n").unwrap();
        let schema: SchemaRef =
            Arc::new(Schema::new(vec![Field::new("id", DataType::Int32, true)]));
        let options = DecodeOptions {
            batch_size: 2,
            ..DecodeOptions::default()
        };
        // Keeps the even ids; fails on id 5 when `fail`.
        let map = |fail: bool| -> BatchMap {
            Arc::new(move |read: ReadBatch| {
                let batch = read.batch;
                let ids = batch
                    .column(0)
                    .as_primitive::<arrow::datatypes::Int32Type>();
                if fail && ids.iter().any(|id| id == Some(5)) {
                    return Err(spate_runtime::Error::IllegalArgument("id 5".into()));
                }
                let even = arrow::compute::kernels::cmp::eq(
                    &arrow::compute::kernels::numeric::rem(
                        ids,
                        &arrow::array::Int32Array::new_scalar(2),
                    )
                    .unwrap(),
                    &arrow::array::Int32Array::new_scalar(0),
                )?;
                // As a scan filter on ids above 1: the rows read are those above 1.
                let read_rows = ids.iter().filter(|id| id.is_some_and(|id| id > 1)).count();
                Ok(spate_runtime::source::MappedBatch {
                    batch: arrow::compute::filter_record_batch(&batch, &even)?,
                    read_rows,
                })
            })
        };
        for (format, path) in [(FileFormat::Json, &json), (FileFormat::Csv, &csv)] {
            let decoder = || FileDecoder::new(format, path, &schema, &options);
            let mut mapping = decoder().with_map(map(false));
            let batches = drain(&mut mapping).unwrap();
            assert_eq!(mapping.take_read_rows(), 4, "{format}: rows read");
            assert!(
                batches.iter().all(|b| b.num_rows() > 0),
                "{format}: no empty batch"
            );
            let ids: Vec<Option<i32>> = batches
                .iter()
                .flat_map(|b| {
                    b.column(0)
                        .as_primitive::<arrow::datatypes::Int32Type>()
                        .iter()
                        .collect::<Vec<_>>()
                })
                .collect();
            assert_eq!(ids, vec![Some(2), Some(4)], "{format}");
            let error = drain(&mut decoder().with_map(map(true))).unwrap_err();
            assert!(
                matches!(&error, DecodeError::Map(spate_runtime::Error::IllegalArgument(m)) if m == "id 5"),
                "{format}: {error:?}"
            );
        }
    }

    #[test]
    fn string_sizes_are_watched_only_for_inputs_that_could_pass_the_limit() {
        // The corrupt column always: a failed JSON root array puts its line in every row.
        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("s", DataType::Utf8, true),
            Field::new("_corrupt_record", DataType::Utf8, true),
        ]));
        let options = DecodeOptions::default();
        let path = Path::new("x.json");
        let writer = |bytes| {
            RowWriter::new(FileFormat::Json, &schema, path, &options)
                .map(|w| w.reading(bytes).text_columns)
                .ok()
        };
        assert_eq!(writer(MAX_BATCH_STRING_BYTES / 8), Some(vec![2]));
        assert_eq!(writer(MAX_BATCH_STRING_BYTES / 8 + 1), Some(vec![1, 2]));
    }

    #[test]
    fn chunks_end_at_line_ends_as_hadoop_splits_lines() {
        // `a\r\n` is one line, `b\r` another, `c\n` a third; no chunk splits `\r\n`.
        let data = b"a\r\nb\rc\n\nd";
        assert_eq!(split_at_lines(data, 2, 8), vec![0..3, 3..5, 5..7, 7..9]);
        assert_eq!(split_at_lines(data, 3, 8), vec![0..3, 3..7, 7..9]);
        assert_eq!(split_at_lines(data, 100, 8), vec![0..9]);
        assert_eq!(split_at_lines(data, 1, 2).len(), 2, "at most max_chunks");
        assert!(split_at_lines(b"", 4, 4).is_empty());
        assert_eq!(bytes_of_lines(b"ab\ncd\n", 10), 30);
        assert_eq!(bytes_of_lines(b"ab\r\ncd\r\n", 10), 40);
        assert_eq!(bytes_of_lines(b"no line end", 1), 11);
        assert_eq!(bytes_of_lines(b"a\nbc\n", 7), 17);
    }

    #[test]
    fn format_from_str() {
        assert_eq!("JSON".parse::<FileFormat>().ok(), Some(FileFormat::Json));
        assert_eq!("csv".parse::<FileFormat>().ok(), Some(FileFormat::Csv));
        assert_eq!(
            "Parquet".parse::<FileFormat>().ok(),
            Some(FileFormat::Parquet)
        );
        assert_eq!("text".parse::<FileFormat>().ok(), Some(FileFormat::Text));
        let err = "orc".parse::<FileFormat>().err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("`orc`")));
    }

    fn opts(pairs: &[(&str, &str)]) -> Result<DecodeOptions, DecodeError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DecodeOptions::from_options(&map, &Zone::UTC)
    }

    #[test]
    fn options_defaults_and_names() {
        let o = opts(&[]).unwrap();
        assert_eq!(o, DecodeOptions::default());
        assert_eq!(o.corrupt_column, "_corrupt_record");
        let o = opts(&[
            ("MODE", "dropMalformed"),
            ("columnnameofcorruptrecord", "bad"),
            ("Header", "TRUE"),
            ("sep", "\\t"),
            ("timeZone", "+02:00"),
            ("maxFilesPerTrigger", "1"),
        ])
        .unwrap();
        assert_eq!(o.mode, ParseMode::DropMalformed);
        assert_eq!(o.corrupt_column, "bad");
        assert!(o.csv_header);
        assert_eq!(o.csv_sep, b'\t');
        assert_eq!(o.time_zone, Zone::Fixed(7200));
        assert_eq!(opts(&[("delimiter", "|")]).unwrap().csv_sep, b'|');
        assert_eq!(
            opts(&[("sep", ";"), ("delimiter", "|")]).unwrap().csv_sep,
            b';'
        );
    }

    #[test]
    fn invalid_options_name_the_option() {
        // Spark 4.3: header=yes fails; sep="" fails; sep="\u0001" fails (UNSUPPORTED_SPECIAL_CHARACTER).
        for (k, v) in [
            ("header", "yes"),
            ("sep", ""),
            ("sep", "\\u0001"),
            ("sep", "::"),
            ("multiLine", "true"),
            ("timestampFormat", "yyyy"),
            ("encoding", "UTF-16"),
        ] {
            match opts(&[(k, v)]) {
                Err(DecodeError::InvalidOption { name, .. }) => assert_eq!(name, k),
                other => panic!("{k}={v}: {other:?}"),
            }
        }
        assert!(opts(&[("multiLine", "false"), ("encoding", "utf-8")]).is_ok());
        // Spark 4.3: an unknown zone fails with [INVALID_TIMEZONE] when the stream is loaded.
        let err = opts(&[("timeZone", "Mars/Base")])
            .err()
            .map(|e| e.to_string());
        assert_eq!(err, Some(InvalidTimeZone("Mars/Base".into()).to_string()));
    }

    #[test]
    fn time_zone_option_overrides_the_session_time_zone() {
        let session = spate_runtime::testing::region_zone("America/Los_Angeles");
        let map = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let o = DecodeOptions::from_options(&map(&[]), &session);
        assert_eq!(o.map(|o| o.time_zone).ok(), Some(session.clone()));
        let paris = spate_runtime::testing::region_zone("Europe/Paris");
        let o = DecodeOptions::from_options(&map(&[("TIMEZONE", "Europe/Paris")]), &session);
        assert_eq!(o.map(|o| o.time_zone).ok(), Some(paris));
    }

    #[test]
    fn unknown_mode_is_permissive() {
        // Spark 4.3: mode=whatever reads like PERMISSIVE.
        assert_eq!(
            opts(&[("mode", "whatever")]).unwrap().mode,
            ParseMode::Permissive
        );
        assert_eq!(
            opts(&[("mode", "failfast")]).unwrap().mode,
            ParseMode::FailFast
        );
    }

    #[test]
    fn read_schema_rules() {
        let text = read_schema(FileFormat::Text, None).unwrap();
        assert_eq!(text.fields().len(), 1);
        assert_eq!(text.field(0).name(), "value");
        assert_eq!(text.field(0).data_type(), &DataType::Utf8);
        let err = read_schema(FileFormat::Json, None).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("Schema must be specified when creating a streaming source DataFrame."));
        let user = Arc::new(Schema::new(vec![Field::new("id", DataType::Int32, false)]));
        let s = read_schema(FileFormat::Csv, Some(user)).unwrap();
        assert!(s.field(0).is_nullable());
    }

    #[test]
    fn hadoop_line_splitting() {
        let lines: Vec<(usize, &[u8])> = Lines::new(b"a\r\nb\rc\n\nd").collect();
        assert_eq!(
            lines,
            vec![
                (1, &b"a"[..]),
                (2, &b"b"[..]),
                (3, &b"c"[..]),
                (4, &b""[..]),
                (5, &b"d"[..])
            ]
        );
        assert_eq!(Lines::new(b"a\n").count(), 1);
        assert_eq!(Lines::new(b"").count(), 0);
    }
}
