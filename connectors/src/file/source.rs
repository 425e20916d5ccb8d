//! The streaming file source: Spark's `FileStreamSource` (SEMANTICS.md §3.1).
//!
//! Each trigger lists the input (a directory, a file or a Hadoop glob), keeps the files not
//! taken yet, takes up to the read limit of them in modification-time order, appends them
//! to the source log `sources/<i>/<k>` and offers `{"logOffset":k}`. A batch `(start, end]`
//! reads the files of log batches `start+1 ..= end`, one file at a time, in log order.
//!
//! Spark 4.3 behaviour reproduced here (verified with PySpark 4.3.0 where marked RUN):
//! * Listing (RUN): the files directly inside the input directory (or each directory or file
//!   a glob matches); sub-directories are not descended into. Names starting with `.`, with
//!   `_` (unless they contain `=`), or ending with `._COPYING_` are skipped, except names
//!   starting with `_metadata` or `_common_metadata`, which are listed and logged but never
//!   read. A glob's `*` also matches hidden directories, whose files are then listed.
//! * A non-glob input path that does not exist fails when the source is created
//!   (`[PATH_NOT_FOUND] Path does not exist: <path as given>. SQLSTATE: 42K03`); a glob, or
//!   a directory that disappears later, simply lists nothing (RUN).
//! * A directory written by a streaming file sink (it has `_spark_metadata/`) is listed
//!   through that log: only committed files are seen (RUN).
//! * Log lines are `{"path":"file:///abs/path","timestamp":<mtime ms>,"batchId":<k>}` with
//!   the path quoted like `java.net.URI` (RUN); `9.compact`, `19.compact`, … hold every entry
//!   so far (RUN).
//! * The description is `FileStreamSource[file:<absolute, normalized path>]`, unquoted
//!   (RUN: relative paths, `..`, trailing `/` and `file://` prefixes are resolved).
//! * Option values are validated with Spark's messages (RUN); unknown options are ignored.
//!
//! Files with equal modification times are ordered by path (Spark leaves their order to the
//! file system's listing).

use super::batch_reader::FileBatchReader;
use super::format::{read_schema, DecodeOptions, FileFormat};
use super::seen_log::{
    CompactibleLog, FileEntry, SeenFiles, SinkFileStatus, DEFAULT_COMPACT_INTERVAL,
};
use super::uri::{path_to_url, url_to_path};
use crate::options::TimeUnit;
use arrow::datatypes::SchemaRef;
use spate_runtime::source::{BatchReader, Bookkeeping, Offset, ReadLimit, Source};
use spate_runtime::text::number::java_parse_float;
use spate_runtime::text::zone::Zone;
use spate_runtime::{Error, Result};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

/// The directory of a file sink's log inside its output directory.
const SINK_METADATA_DIR: &str = "_spark_metadata";

/// What `cleanSource` does with the files of a finished batch.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CleanSource {
    Off,
    Delete,
    /// Move each file to this (absolute) directory + the file's absolute path.
    Archive(PathBuf),
}

/// The file source's own options (Spark's `FileStreamOptions`).
#[derive(Debug, Clone)]
struct SourceOptions {
    max_files_per_trigger: Option<usize>,
    max_bytes_per_trigger: Option<u64>,
    /// Effective: `i64::MAX` when `latestFirst` and a per-trigger limit are both set.
    max_file_age_ms: i64,
    latest_first: bool,
    file_name_only: bool,
    clean_source: CleanSource,
    max_cached_files: usize,
    discard_cached_input_ratio: f32,
}

/// A listed input file.
#[derive(Debug, Clone)]
struct ListedFile {
    url: String,
    size: u64,
    mtime_ms: i64,
}

/// A streaming file source over a directory or glob (Spark's `FileStreamSource`).
///
/// Create it with [`FileSource::new`], then drive it through [`Source`]: `open` restores
/// the files already taken from the source log, `latest_offset` takes new files,
/// `plan_batch` reads a range of them and `commit` applies `cleanSource`.
pub struct FileSource {
    format: FileFormat,
    /// The absolute, normalized input path or glob pattern.
    pattern: String,
    is_glob: bool,
    schema: SchemaRef,
    decode_options: Arc<DecodeOptions>,
    options: SourceOptions,
    description: String,
    log: Option<CompactibleLog<FileEntry>>,
    /// The batches this run logged last, newest at the back (Spark's `fileEntryCache`):
    /// planning a batch does not read back the log file just written.
    logged: VecDeque<(i64, Vec<FileEntry>)>,
    seen: SeenFiles,
    /// The newest batch id of the source log (-1: none).
    current_log_offset: i64,
    /// The last batch logged before this run: batches up to it replay one at a time.
    recovered_log_offset: i64,
    /// The listing frozen by `prepare_for_available_now`.
    available_now: Option<Vec<ListedFile>>,
    /// New files listed earlier but left for later batches.
    unread: Option<Vec<ListedFile>>,
    /// Whether the input is a file sink's output directory (`None`: not known yet).
    sink_metadata: Option<bool>,
    /// The newest log batch whose files `cleanSource` handled in this run.
    last_cleaned: Option<i64>,
}

impl std::fmt::Debug for FileSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSource")
            .field("format", &self.format)
            .field("description", &self.description)
            .field("current_log_offset", &self.current_log_offset)
            .finish_non_exhaustive()
    }
}

impl FileSource {
    /// A file source reading `format` files from `path` (a directory, a file, or a glob
    /// such as `dir/*.json`; relative paths and `file:` URLs are accepted) with `schema`
    /// (made nullable, or `value string` for text, as Spark does) and Spark's reader
    /// options (`maxFilesPerTrigger`, `maxBytesPerTrigger`, `latestFirst`, `maxFileAge`,
    /// `fileNameOnly`, `cleanSource`, `sourceArchiveDir`, `maxCachedFiles`,
    /// `discardCachedInputRatio` and the format's parsing options; keys case-insensitive).
    /// Timestamps without a zone are read in the `timeZone` option, else in `time_zone`, the
    /// session time zone.
    ///
    /// Errors: [`Error::Analysis`] when a non-glob `path` does not exist,
    /// [`Error::IllegalArgument`] for an invalid option value (Spark's message).
    pub fn new(
        format: FileFormat,
        path: &Path,
        schema: SchemaRef,
        options: &HashMap<String, String>,
        time_zone: &Zone,
    ) -> Result<Self> {
        let given = path.to_string_lossy().into_owned();
        let pattern = qualify(&given)?;
        let is_glob = given.contains(['{', '}', '[', ']', '*', '?', '\\']);
        if !is_glob && std::fs::metadata(&pattern).is_err() {
            return Err(Error::Analysis(format!(
                "[PATH_NOT_FOUND] Path does not exist: {given}. SQLSTATE: 42K03"
            )));
        }
        let lower: HashMap<String, &String> = options
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        let mut source_options = parse_options(&lower)?;
        if let CleanSource::Archive(dir) = &source_options.clean_source {
            let archive = qualify(&dir.to_string_lossy())?;
            check_archive_dir(&pattern, &archive)?;
            source_options.clean_source = CleanSource::Archive(PathBuf::from(archive));
        }
        // Spark: `latestFirst` with a per-trigger limit ignores `maxFileAge` (SPARK-19813).
        let max_file_age_ms = if source_options.latest_first
            && (source_options.max_files_per_trigger.is_some()
                || source_options.max_bytes_per_trigger.is_some())
        {
            i64::MAX
        } else {
            source_options.max_file_age_ms
        };
        if max_file_age_ms < 0 {
            // Spark's `SeenFilesMap` constructor: `require(maxAgeMs >= 0)`.
            return Err(Error::IllegalArgument("requirement failed".into()));
        }
        source_options.max_file_age_ms = max_file_age_ms;
        let schema =
            read_schema(format, Some(schema)).map_err(|e| Error::IllegalArgument(e.to_string()))?;
        let decode_options = DecodeOptions::from_options(options, time_zone)
            .map_err(|e| Error::IllegalArgument(e.to_string()))?;
        if source_options.latest_first {
            tracing::warn!(
                "'latestFirst' is true. New files will be processed first, which may affect the watermark value. \
                 In addition, 'maxFileAge' will be ignored."
            );
        }
        if source_options.file_name_only {
            tracing::warn!(
                "'fileNameOnly' is enabled. Make sure your file names are unique (e.g. using UUID), otherwise, \
                 files with the same name but under different paths will be considered the same and causes data lost."
            );
        }
        let mut seen = SeenFiles::new(max_file_age_ms, source_options.file_name_only);
        seen.purge();
        Ok(FileSource {
            format,
            description: format!("FileStreamSource[file:{pattern}]"),
            sink_metadata: if is_glob { Some(false) } else { None },
            pattern,
            is_glob,
            schema,
            decode_options: Arc::new(decode_options),
            options: source_options,
            log: None,
            logged: VecDeque::new(),
            seen,
            current_log_offset: -1,
            recovered_log_offset: -1,
            available_now: None,
            unread: None,
            last_cleaned: None,
        })
    }

    /// The source reading each CSV data column from the token at its position in
    /// `tokens`, for a query that uses only some of the declared columns (see
    /// [`DecodeOptions::csv_tokens`]).
    pub fn reading_csv_tokens(mut self, tokens: Vec<usize>) -> Self {
        let mut options = (*self.decode_options).clone();
        options.csv_tokens = Some(tokens);
        self.decode_options = Arc::new(options);
        self
    }

    fn log(&self) -> Result<&CompactibleLog<FileEntry>> {
        self.log.as_ref().ok_or_else(|| {
            Error::IllegalArgument(format!("{} was used before open()", self.description))
        })
    }

    /// The files of source log batch `id`, if logged.
    fn logged_files(&self, id: i64) -> Result<Option<Vec<FileEntry>>> {
        match self.logged.iter().find(|(batch, _)| *batch == id) {
            Some((_, entries)) => Ok(Some(entries.clone())),
            None => self.log()?.get(id as u64),
        }
    }

    /// Every input file, sorted by modification time (newest first with `latestFirst`),
    /// ties by URL.
    fn fetch_all_files(&mut self) -> Result<Vec<ListedFile>> {
        let mut files = match self.sink_metadata {
            Some(true) => self.list_sink_output()?,
            Some(false) => self.list_files()?,
            None => {
                if self.has_sink_metadata() {
                    self.set_sink_metadata()?;
                    self.list_sink_output()?
                } else {
                    let files = self.list_files()?;
                    if files.is_empty() {
                        files // still undecided
                    } else if self.has_sink_metadata() {
                        self.set_sink_metadata()?;
                        self.list_sink_output()?
                    } else {
                        self.sink_metadata = Some(false);
                        files
                    }
                }
            }
        };
        let latest_first = self.options.latest_first;
        files.sort_by(|a, b| {
            let by_time = if latest_first {
                b.mtime_ms.cmp(&a.mtime_ms)
            } else {
                a.mtime_ms.cmp(&b.mtime_ms)
            };
            by_time.then_with(|| a.url.cmp(&b.url))
        });
        Ok(files)
    }

    fn has_sink_metadata(&self) -> bool {
        Path::new(&self.pattern).is_dir()
            && Path::new(&self.pattern).join(SINK_METADATA_DIR).exists()
    }

    fn set_sink_metadata(&mut self) -> Result<()> {
        if self.options.clean_source != CleanSource::Off {
            return Err(Error::IllegalArgument(
                "Clean up source files is not supported when reading from the output directory of FileStreamSink."
                    .into(),
            ));
        }
        self.sink_metadata = Some(true);
        Ok(())
    }

    /// The committed files of a file sink's output directory, from its `_spark_metadata` log.
    fn list_sink_output(&self) -> Result<Vec<ListedFile>> {
        let dir = Path::new(&self.pattern).join(SINK_METADATA_DIR);
        let log = CompactibleLog::<SinkFileStatus>::open(dir, DEFAULT_COMPACT_INTERVAL)?;
        let entries = log.all_entries()?;
        let deleted: HashSet<&str> = entries
            .iter()
            .filter(|e| e.action == "delete")
            .map(|e| e.path.as_str())
            .collect();
        let mut seen_urls = HashSet::new();
        Ok(entries
            .iter()
            .filter(|e| e.action != "delete" && !e.is_dir && !deleted.contains(e.path.as_str()))
            .filter(|e| seen_urls.insert(e.path.clone()))
            .map(|e| ListedFile {
                url: e.path.clone(),
                size: e.size,
                mtime_ms: e.modification_time,
            })
            .collect())
    }

    /// The files of the input directory, file, or every directory/file the glob matches.
    fn list_files(&self) -> Result<Vec<ListedFile>> {
        let roots = if self.is_glob {
            glob::expand(&self.pattern)?
        } else {
            vec![PathBuf::from(&self.pattern)]
        };
        let mut files = Vec::new();
        let mut urls = HashSet::new();
        let mut push = |path: &Path, metadata: &std::fs::Metadata, files: &mut Vec<ListedFile>| {
            let Some(text) = path.to_str() else {
                tracing::warn!(path = %path.display(), "skipping a file whose name is not UTF-8");
                return;
            };
            let url = path_to_url(text);
            if urls.insert(url.clone()) {
                files.push(ListedFile {
                    url,
                    size: metadata.len(),
                    mtime_ms: mtime_ms(metadata),
                });
            }
        };
        for root in roots {
            let metadata = match std::fs::metadata(&root) {
                Ok(metadata) => metadata,
                // Spark ignores a missing root path while listing.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io("reading the metadata of", &root, e)),
            };
            if metadata.is_file() {
                if root
                    .file_name()
                    .is_some_and(|n| !is_hidden_name(&n.to_string_lossy()))
                {
                    push(&root, &metadata, &mut files);
                }
                continue;
            }
            let entries = match std::fs::read_dir(&root) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io("listing", &root, e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| Error::io("listing", &root, e))?;
                if is_hidden_name(&entry.file_name().to_string_lossy()) {
                    continue;
                }
                let path = entry.path();
                match std::fs::metadata(&path) {
                    Ok(metadata) if metadata.is_file() => push(&path, &metadata, &mut files),
                    Ok(_) => {} // sub-directories are not read
                    // Deleted since the directory was read.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io("reading the metadata of", &path, e)),
                }
            }
        }
        Ok(files)
    }

    /// Spark's `fetchMaxOffset`: picks the next files, logs them, returns the log offset.
    fn fetch_max_offset(&mut self, limit: ReadLimit) -> Result<i64> {
        self.log()?;
        let new_files = match self.unread.take().filter(|unread| !unread.is_empty()) {
            Some(unread) => unread,
            None => {
                let all = match &self.available_now {
                    Some(frozen) => frozen.clone(),
                    None => self.fetch_all_files()?,
                };
                all.into_iter()
                    .filter(|f| self.seen.is_new(&f.url, f.mtime_ms))
                    .collect()
            }
        };
        let should_cache = !self.options.latest_first && self.available_now.is_none();
        let ratio = self.options.discard_cached_input_ratio;
        let (batch, unselected) = match (
            limit,
            self.options.max_files_per_trigger,
            self.options.max_bytes_per_trigger,
        ) {
            (ReadLimit::All, _, _) | (ReadLimit::Configured, None, None) => (new_files, None),
            (ReadLimit::Configured, Some(max), _) => {
                let mut batch = new_files;
                let rest = batch.split_off(max.min(batch.len()));
                // Spark compares an Int with an Int * Float in single precision.
                if should_cache && rest.len() as f32 >= max as f32 * ratio {
                    (batch, Some(rest))
                } else {
                    (batch, None)
                }
            }
            (ReadLimit::Configured, None, Some(max_bytes)) => {
                let (batch, rest, rest_size) = take_files_until_max(new_files, max_bytes);
                // Spark: `rSize.toDouble < maxBytes * ratio` with a Long * Float product.
                if should_cache && rest_size as f64 >= f64::from(max_bytes as f32 * ratio) {
                    (batch, Some(rest))
                } else {
                    (batch, None)
                }
            }
        };
        self.unread = unselected
            .filter(|rest| !rest.is_empty() && self.options.max_cached_files > 0)
            .map(|mut rest| {
                rest.truncate(self.options.max_cached_files);
                rest
            });
        for file in &batch {
            self.seen.add(&file.url, file.mtime_ms);
        }
        self.seen.purge();
        if !batch.is_empty() {
            let next = self.current_log_offset + 1;
            let entries: Vec<FileEntry> = batch
                .iter()
                .map(|f| FileEntry {
                    path: f.url.clone(),
                    timestamp: f.mtime_ms,
                    batch_id: next,
                })
                .collect();
            self.log()?.add(next as u64, &entries)?;
            tracing::info!(
                log_offset = next,
                files = entries.len(),
                "file source took new files"
            );
            if self.logged.len() == DEFAULT_COMPACT_INTERVAL as usize {
                self.logged.pop_front();
            }
            self.logged.push_back((next, entries));
            self.current_log_offset = next;
        }
        Ok(self.current_log_offset)
    }

    /// Moves or deletes one finished file; failures are only logged (Spark is best effort).
    fn clean(&self, entry: &FileEntry) {
        let path = match url_to_path(&entry.path) {
            Ok(path) => path,
            Err(reason) => {
                tracing::warn!(path = %entry.path, %reason, "cannot clean up a source file");
                return;
            }
        };
        match &self.options.clean_source {
            CleanSource::Off => {}
            CleanSource::Delete => {
                if let Err(error) = std::fs::remove_file(&path) {
                    tracing::warn!(path = %path.display(), %error, "Failed to remove {} / skip removing file.", path.display());
                }
            }
            CleanSource::Archive(base) => {
                let relative = path.strip_prefix("/").unwrap_or(&path);
                let target = base.join(relative);
                if let Err(error) = move_file(&path, &target) {
                    tracing::warn!(
                        %error,
                        "Fail to move {} to {} / skip moving file.",
                        path.display(),
                        target.display()
                    );
                }
            }
        }
    }
}

impl Source for FileSource {
    fn description(&self) -> String {
        self.description.clone()
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn open(&mut self, bookkeeping: Bookkeeping) -> Result<()> {
        let Bookkeeping { dir, durability } = bookkeeping;
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let log = CompactibleLog::<FileEntry>::open(dir, DEFAULT_COMPACT_INTERVAL)?
            .with_durability(durability);
        let mut seen = SeenFiles::new(self.options.max_file_age_ms, self.options.file_name_only);
        for entry in log.all_entries()? {
            seen.add(&entry.path, entry.timestamp);
        }
        seen.purge();
        self.current_log_offset = log.latest_batch_id()?.map_or(-1, |id| id as i64);
        self.recovered_log_offset = self.current_log_offset;
        self.seen = seen;
        self.log = Some(log);
        self.logged.clear();
        self.unread = None;
        self.last_cleaned = None;
        Ok(())
    }

    fn prepare_for_available_now(&mut self) -> Result<()> {
        self.available_now = Some(self.fetch_all_files()?);
        Ok(())
    }

    fn latest_offset(
        &mut self,
        start: Option<&Offset>,
        limit: ReadLimit,
    ) -> Result<Option<Offset>> {
        // A batch this source logged before a crash, but the query never ran, comes next on
        // its own: batch boundaries stay what they were (Spark would fold it into the next
        // batch, which changes what a watermark drops or a dedup keeps).
        let rate_limited = self.options.max_files_per_trigger.is_some()
            || self.options.max_bytes_per_trigger.is_some();
        if limit == ReadLimit::Configured && rate_limited {
            let log = self.log()?;
            let start = match start {
                Some(start) => parse_offset(start, log.dir())?,
                None => -1,
            };
            if start < self.recovered_log_offset {
                return Ok(Some(serde_json::json!({ "logOffset": start + 1 })));
            }
        }
        let offset = self.fetch_max_offset(limit)?;
        Ok((offset >= 0).then(|| serde_json::json!({ "logOffset": offset })))
    }

    fn plan_batch(&mut self, start: Option<&Offset>, end: &Offset) -> Result<Box<dyn BatchReader>> {
        let log = self.log()?;
        let start = match start {
            Some(start) => parse_offset(start, log.dir())?,
            None => -1,
        };
        let end = parse_offset(end, log.dir())?;
        if start > end {
            return Err(Error::Checkpoint {
                path: log.dir().to_path_buf(),
                reason: format!("start offset {start} is after end offset {end}"),
            });
        }
        // Spark packs a batch's files into partitions largest first, so their rows reach the
        // sink in that order; reading them in the same order reproduces its output order. A
        // range of several log entries (a continuous epoch replayed after a crash) keeps the
        // entries in order, so that its rows come in the order they first did.
        let mut files = Vec::new();
        for id in (start + 1).max(0)..=end {
            let entries = self.logged_files(id)?.ok_or_else(|| Error::Checkpoint {
                path: log.dir().to_path_buf(),
                reason: format!(
                    "batches ({id}) don't exist (startId: {}, endId: {end})",
                    start + 1
                ),
            })?;
            let mut entry_files = Vec::with_capacity(entries.len());
            for entry in entries {
                let path = url_to_path(&entry.path).map_err(|reason| Error::Checkpoint {
                    path: log.path(id as u64),
                    reason,
                })?;
                // Spark logs `_metadata*` / `_common_metadata*` files but never reads them.
                if path
                    .file_name()
                    .is_some_and(|n| !is_data_file_name(&n.to_string_lossy()))
                {
                    continue;
                }
                let size = std::fs::metadata(&path).map_or(0, |m| m.len());
                entry_files.push((path, size));
            }
            entry_files.sort_by_key(|&(_, size)| std::cmp::Reverse(size));
            files.extend(entry_files);
        }
        Ok(Box::new(FileBatchReader::new(
            self.format,
            self.schema.clone(),
            self.decode_options.clone(),
            files,
            self.description.clone(),
        )))
    }

    fn commit(&mut self, end: &Offset) -> Result<()> {
        if self.options.clean_source == CleanSource::Off {
            return Ok(());
        }
        let log = self.log()?;
        let end = parse_offset(end, log.dir())?;
        // Spark cleans the files of batch `end`; batches skipped since the previous commit
        // of this run (a source log ahead of the offset log after a crash) are cleaned too.
        let first = self.last_cleaned.map_or(end, |last| last + 1).max(0);
        let mut finished = Vec::new();
        for id in first..=end {
            match self.logged_files(id) {
                Ok(Some(entries)) => finished.extend(entries),
                Ok(None) => tracing::warn!(batch = id, "no source log entry to clean up"),
                Err(error) => {
                    tracing::warn!(batch = id, %error, "cannot read the source log to clean up")
                }
            }
        }
        for entry in &finished {
            self.clean(entry);
        }
        self.last_cleaned = Some(self.last_cleaned.map_or(end, |last| last.max(end)));
        Ok(())
    }
}

/// Spark's `InMemoryFileIndex.shouldFilterOutPathName`.
fn is_hidden_name(name: &str) -> bool {
    let exclude = (name.starts_with('_') && !name.contains('='))
        || name.starts_with('.')
        || name.ends_with("._COPYING_");
    let include = name.starts_with("_common_metadata") || name.starts_with("_metadata");
    exclude && !include
}

/// Spark's `PartitioningAwareFileIndex.isDataPath`: which listed files a batch reads.
fn is_data_file_name(name: &str) -> bool {
    !((name.starts_with('_') && !name.contains('=')) || name.starts_with('.'))
}

/// Modification time in ms since the epoch, floored like `java.io.File.lastModified`.
fn mtime_ms(metadata: &std::fs::Metadata) -> i64 {
    let Ok(modified) = metadata.modified() else {
        return 0;
    };
    match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            let ms = i64::try_from(before.as_millis()).unwrap_or(i64::MAX);
            if before.subsec_nanos() % 1_000_000 != 0 {
                -ms - 1
            } else {
                -ms
            }
        }
    }
}

/// Spark's `takeFilesUntilMax`: the first file always, then files while the total stays
/// within `max_bytes`; everything after the first file that does not fit is left over.
fn take_files_until_max(
    files: Vec<ListedFile>,
    max_bytes: u64,
) -> (Vec<ListedFile>, Vec<ListedFile>, u128) {
    let mut taken = Vec::new();
    let mut rest = Vec::new();
    let mut taken_size: u128 = 0;
    let mut rest_size: u128 = 0;
    for (i, file) in files.into_iter().enumerate() {
        let new_size = taken_size + u128::from(file.size);
        if i == 0
            || (rest.is_empty()
                && new_size <= i64::MAX as u128
                && new_size <= u128::from(max_bytes))
        {
            taken_size = new_size;
            taken.push(file);
        } else {
            rest_size += u128::from(file.size);
            rest.push(file);
        }
    }
    (taken, rest, rest_size)
}

/// Moves a file, creating the target's directory; copies across file systems.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            std::fs::copy(from, to)?;
            std::fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

/// The log offset of a `{"logOffset":k}` offset (or a bare number, as Spark also accepts).
fn parse_offset(offset: &Offset, log_dir: &Path) -> Result<i64> {
    offset
        .get("logOffset")
        .unwrap_or(offset)
        .as_i64()
        .ok_or_else(|| Error::Checkpoint {
            path: log_dir.to_path_buf(),
            reason: format!("{offset} is not a file source offset"),
        })
}

/// Hadoop's `makeQualified` for a local path: `file:` prefix removed, made absolute against
/// the working directory, `//`, `.`, `..` and a trailing `/` normalized away.
fn qualify(given: &str) -> Result<String> {
    let bad = |reason: &str| Error::IllegalArgument(format!("invalid path `{given}`: {reason}"));
    let path = if let Some(rest) = given.strip_prefix("file://") {
        match rest.find('/') {
            Some(0) => rest,
            Some(slash) if &rest[..slash] == "localhost" => &rest[slash..],
            _ => return Err(bad("only local file: URLs are supported")),
        }
    } else if let Some(rest) = given.strip_prefix("file:") {
        rest
    } else {
        if let Some(colon) = given.find(':') {
            let scheme = &given[..colon];
            if !scheme.is_empty()
                && !scheme.contains('/')
                && scheme
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            {
                return Err(Error::IllegalArgument(format!(
                    "No FileSystem for scheme \"{scheme}\""
                )));
            }
        }
        given
    };
    if path.is_empty() {
        return Err(bad("empty path"));
    }
    let absolute = if path.starts_with('/') {
        PathBuf::from(path)
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io("resolving the working directory for", path, e))?
            .join(path)
    };
    let mut parts: Vec<String> = Vec::new();
    for component in absolute.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

/// Spark's `SourceFileArchiver` check: the archive directory must not match the source
/// pattern over their common depth (archived files could be read again).
fn check_archive_dir(source: &str, archive: &str) -> Result<()> {
    let source_parts: Vec<&str> = source.split('/').filter(|p| !p.is_empty()).collect();
    let archive_parts: Vec<&str> = archive.split('/').filter(|p| !p.is_empty()).collect();
    let depth = source_parts.len().min(archive_parts.len());
    let mut matched = true;
    for (pattern, name) in source_parts[..depth].iter().zip(&archive_parts[..depth]) {
        if !glob::component_matches(pattern, name)? {
            matched = false;
            break;
        }
    }
    if matched {
        return Err(Error::IllegalArgument(
            "requirement failed: Base archive path cannot be set to the path where archived path can possibly \
             match with source pattern. Ensure the base archive path doesn't match with source pattern in depth, \
             where the depth is minimum of depth on both paths."
                .into(),
        ));
    }
    Ok(())
}

/// Reads the file source's options (Spark's `FileStreamOptions`, checked in Spark's order).
fn parse_options(lower: &HashMap<String, &String>) -> Result<SourceOptions> {
    let get = |name: &str| lower.get(&name.to_ascii_lowercase()).map(|v| v.as_str());
    for disallowed in ["modifiedbefore", "modifiedafter"] {
        if get(disallowed).is_some() {
            return Err(Error::IllegalArgument(format!(
                "option '{disallowed}' is not allowed in file stream sources"
            )));
        }
    }
    let max_files_per_trigger = match get("maxFilesPerTrigger") {
        Some(v) => Some(
            v.parse::<i32>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| n as usize)
                .ok_or_else(|| {
                    Error::IllegalArgument(format!(
                "Invalid value '{v}' for option 'maxFilesPerTrigger', must be a positive integer"
            ))
                })?,
        ),
        None => None,
    };
    let max_bytes_per_trigger = match get("maxBytesPerTrigger") {
        Some(v) => match v.parse::<i64>().ok().filter(|n| *n > 0) {
            Some(_) if max_files_per_trigger.is_some() => {
                return Err(Error::IllegalArgument(
                    "Options 'maxFilesPerTrigger' and 'maxBytesPerTrigger' can't be both set at the same time".into(),
                ))
            }
            Some(n) => Some(n as u64),
            None => {
                return Err(Error::IllegalArgument(format!(
                    "Invalid value '{v}' for option 'maxBytesPerTrigger', must be a positive integer"
                )))
            }
        },
        None => None,
    };
    let max_file_age_ms = TimeUnit::Milliseconds.parse(get("maxFileAge").unwrap_or("7d"))?;
    let boolean = |name: &str| -> Result<bool> {
        match get(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(Error::IllegalArgument(format!(
                "Invalid value '{v}' for option '{name}', must be 'true' or 'false'"
            ))),
        }
    };
    let latest_first = boolean("latestFirst")?;
    let file_name_only = boolean("fileNameOnly")?;
    let archive_dir = get("sourceArchiveDir");
    let clean_source = match get("cleanSource").map(|v| (v, v.to_uppercase())) {
        None => CleanSource::Off,
        Some((_, mode)) if mode == "OFF" => CleanSource::Off,
        Some((_, mode)) if mode == "DELETE" => CleanSource::Delete,
        Some((_, mode)) if mode == "ARCHIVE" => match archive_dir {
            Some(dir) => CleanSource::Archive(PathBuf::from(dir)),
            None => {
                return Err(Error::IllegalArgument(
                    "Archive mode must be used with 'sourceArchiveDir' option.".into(),
                ))
            }
        },
        Some((v, _)) => {
            return Err(Error::IllegalArgument(format!(
                "Invalid mode for clean source option Some({v}). Must be one of ARCHIVE,DELETE,OFF"
            )))
        }
    };
    let max_cached_files = match get("maxCachedFiles") {
        Some(v) => v.parse::<i32>().ok().filter(|n| *n >= 0).map(|n| n as usize).ok_or_else(|| {
            Error::IllegalArgument(format!(
                "Invalid value '{v}' for option 'maxCachedFiles', must be an integer greater than or equal to 0"
            ))
        })?,
        None => 10000,
    };
    let discard_cached_input_ratio = match get("discardCachedInputRatio") {
        Some(v) => java_parse_float(v.as_bytes()).filter(|x| (0.0..=1.0).contains(x)).ok_or_else(|| {
            Error::IllegalArgument(format!(
                "Invalid value '{v}' for option 'discardCachedInputRatio', must be a positive float between 0 and 1"
            ))
        })?,
        None => 0.2,
    };
    Ok(SourceOptions {
        max_files_per_trigger,
        max_bytes_per_trigger,
        max_file_age_ms,
        latest_first,
        file_name_only,
        clean_source,
        max_cached_files,
        discard_cached_input_ratio,
    })
}

/// Hadoop glob patterns: `*`, `?`, `[abc]`, `[a-z]`, `[^a]` / `[!a]`, `{a,b}` (nestable,
/// may span `/`) and `\` escapes, matched one path component at a time.
mod glob {
    use spate_runtime::{Error, Result};
    use std::path::PathBuf;

    #[derive(Debug, Clone)]
    enum Token {
        Literal(char),
        AnyChar,
        AnySequence,
        Class {
            negated: bool,
            ranges: Vec<(char, char)>,
        },
    }

    fn illegal(pattern: &str, reason: &str) -> Error {
        Error::IllegalArgument(format!("Illegal file pattern: {reason} for glob {pattern}"))
    }

    /// Expands `{a,b}` alternatives (outermost first, recursively).
    pub(super) fn expand_braces(pattern: &str) -> Result<Vec<String>> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut open = None;
        let mut depth = 0usize;
        let mut commas = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' => i += 1,
                '{' => {
                    if depth == 0 {
                        open = Some(i);
                        commas.clear();
                    }
                    depth += 1;
                }
                ',' if depth == 1 => commas.push(i),
                '}' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        let Some(start) = open else {
                            return Err(illegal(pattern, "Unmatched '}'"));
                        };
                        let prefix: String = chars[..start].iter().collect();
                        let suffix: String = chars[i + 1..].iter().collect();
                        let mut bounds = vec![start];
                        bounds.extend(&commas);
                        bounds.push(i);
                        let mut out = Vec::new();
                        for pair in bounds.windows(2) {
                            let alternative: String = chars[pair[0] + 1..pair[1]].iter().collect();
                            for expanded in
                                expand_braces(&format!("{prefix}{alternative}{suffix}"))?
                            {
                                out.push(expanded);
                            }
                        }
                        return Ok(out);
                    }
                }
                '}' => return Err(illegal(pattern, "Unmatched '}'")),
                _ => {}
            }
            i += 1;
        }
        if depth > 0 {
            return Err(illegal(pattern, "Unclosed group"));
        }
        Ok(vec![pattern.to_string()])
    }

    fn tokenize(pattern: &str) -> Result<Vec<Token>> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' => {
                    let c = *chars
                        .get(i + 1)
                        .ok_or_else(|| illegal(pattern, "Missing escaped character"))?;
                    tokens.push(Token::Literal(c));
                    i += 2;
                    continue;
                }
                '*' => tokens.push(Token::AnySequence),
                '?' => tokens.push(Token::AnyChar),
                '[' => {
                    let mut j = i + 1;
                    let negated = matches!(chars.get(j), Some('^') | Some('!'));
                    if negated {
                        j += 1;
                    }
                    let mut ranges = Vec::new();
                    loop {
                        let c = *chars
                            .get(j)
                            .ok_or_else(|| illegal(pattern, "Unclosed character class"))?;
                        if c == ']' && !ranges.is_empty() {
                            break;
                        }
                        if c == ']' {
                            return Err(illegal(pattern, "Empty character class"));
                        }
                        let c = if c == '\\' {
                            j += 1;
                            *chars
                                .get(j)
                                .ok_or_else(|| illegal(pattern, "Unclosed character class"))?
                        } else {
                            c
                        };
                        if chars.get(j + 1) == Some(&'-')
                            && chars.get(j + 2).is_some_and(|e| *e != ']')
                        {
                            let end = chars[j + 2];
                            ranges.push((c, end));
                            j += 3;
                        } else {
                            ranges.push((c, c));
                            j += 1;
                        }
                    }
                    tokens.push(Token::Class { negated, ranges });
                    i = j + 1;
                    continue;
                }
                c => tokens.push(Token::Literal(c)),
            }
            i += 1;
        }
        Ok(tokens)
    }

    fn token_matches(token: &Token, c: char) -> bool {
        match token {
            Token::Literal(l) => *l == c,
            Token::AnyChar => true,
            Token::AnySequence => true,
            Token::Class { negated, ranges } => {
                ranges.iter().any(|(a, b)| (*a..=*b).contains(&c)) != *negated
            }
        }
    }

    fn tokens_match(tokens: &[Token], name: &[char]) -> bool {
        // matched[j]: the tokens so far match name[..j].
        let mut matched = vec![false; name.len() + 1];
        matched[0] = true;
        for token in tokens {
            let mut next = vec![false; name.len() + 1];
            match token {
                Token::AnySequence => {
                    let mut reachable = false;
                    for j in 0..=name.len() {
                        reachable |= matched[j];
                        next[j] = reachable;
                    }
                }
                _ => {
                    for j in 0..name.len() {
                        if matched[j] && token_matches(token, name[j]) {
                            next[j + 1] = true;
                        }
                    }
                }
            }
            matched = next;
        }
        matched[name.len()]
    }

    fn has_wildcard(component: &str) -> bool {
        let mut escaped = false;
        for c in component.chars() {
            if escaped {
                escaped = false;
                continue;
            }
            match c {
                '\\' => escaped = true,
                '*' | '?' | '[' | '{' => return true,
                _ => {}
            }
        }
        false
    }

    fn unescape(component: &str) -> String {
        let mut out = String::new();
        let mut escaped = false;
        for c in component.chars() {
            if c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            escaped = false;
            out.push(c);
        }
        out
    }

    /// Whether one path component (a Hadoop `GlobFilter`) matches `name`.
    pub(super) fn component_matches(pattern: &str, name: &str) -> Result<bool> {
        let name: Vec<char> = name.chars().collect();
        for alternative in expand_braces(pattern)? {
            if tokens_match(&tokenize(&alternative)?, &name) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The existing paths an absolute glob matches, sorted, without duplicates.
    pub(super) fn expand(pattern: &str) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for alternative in expand_braces(pattern)? {
            let mut candidates = vec![PathBuf::from("/")];
            for component in alternative.split('/').filter(|c| !c.is_empty()) {
                let mut next = Vec::new();
                if has_wildcard(component) {
                    let tokens = tokenize(component)?;
                    for dir in &candidates {
                        let Ok(entries) = std::fs::read_dir(dir) else {
                            continue;
                        };
                        for entry in entries.flatten() {
                            let name = entry.file_name();
                            let name: Vec<char> = name.to_string_lossy().chars().collect();
                            if tokens_match(&tokens, &name) {
                                next.push(entry.path());
                            }
                        }
                    }
                } else {
                    let literal = unescape(component);
                    for dir in &candidates {
                        let path = dir.join(&literal);
                        if std::fs::symlink_metadata(&path).is_ok() {
                            next.push(path);
                        }
                    }
                }
                candidates = next;
                if candidates.is_empty() {
                    break;
                }
            }
            out.extend(candidates.into_iter().filter(|p| p.as_os_str() != "/"));
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, StringArray};
    use std::fs::File;
    use std::time::Duration;

    const BASE_MS: i64 = 1_705_312_800_000;

    fn write(dir: &Path, name: &str, mtime_ms: i64) -> PathBuf {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, format!("{name}\n")).unwrap();
        let file = File::options().write(true).open(&path).unwrap();
        file.set_modified(UNIX_EPOCH + Duration::from_millis(mtime_ms as u64))
            .unwrap();
        path
    }

    fn opts(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn text_source(input: &Path, pairs: &[(&str, &str)]) -> Result<FileSource> {
        let schema = read_schema(FileFormat::Text, None).unwrap();
        FileSource::new(FileFormat::Text, input, schema, &opts(pairs), &Zone::UTC)
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        input: PathBuf,
        checkpoint: PathBuf,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        let checkpoint = dir.path().join("ck/sources/0");
        std::fs::create_dir_all(&input).unwrap();
        Fixture {
            input,
            checkpoint,
            _dir: dir,
        }
    }

    fn opened(f: &Fixture, pairs: &[(&str, &str)]) -> FileSource {
        let mut source = text_source(&f.input, pairs).unwrap();
        source.open(Bookkeeping::new(f.checkpoint.clone())).unwrap();
        source
    }

    fn offset(k: i64) -> Offset {
        serde_json::json!({ "logOffset": k })
    }

    /// The rows (file contents) of `(start, end]`.
    fn read(source: &mut FileSource, start: Option<i64>, end: i64) -> Vec<String> {
        let start = start.map(offset);
        let mut reader = source.plan_batch(start.as_ref(), &offset(end)).unwrap();
        let mut rows = Vec::new();
        while let Some(batch) = reader.next_batch().unwrap() {
            let values = batch
                .column(0)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap();
            for i in 0..values.len() {
                rows.push(values.value(i).to_string());
            }
        }
        rows
    }

    /// Takes the next batch and returns its offset and rows.
    fn next(source: &mut FileSource, limit: ReadLimit) -> Option<(i64, Vec<String>)> {
        let previous = source.current_log_offset;
        let committed = (previous >= 0).then(|| offset(previous));
        let end = source.latest_offset(committed.as_ref(), limit).unwrap()?;
        let k = end["logOffset"].as_i64().unwrap();
        if k == previous {
            return Some((k, Vec::new()));
        }
        let start = (previous >= 0).then_some(previous);
        Some((k, read(source, start, k)))
    }

    #[test]
    fn files_are_taken_in_mtime_order_with_ties_by_path() {
        let f = fixture();
        write(&f.input, "c.txt", BASE_MS);
        write(&f.input, "a.txt", BASE_MS + 2000);
        write(&f.input, "b.txt", BASE_MS);
        let mut source = opened(&f, &[("maxFilesPerTrigger", "1")]);
        let mut order = Vec::new();
        while let Some((_, rows)) = next(&mut source, ReadLimit::Configured) {
            if rows.is_empty() {
                break;
            }
            order.extend(rows);
        }
        assert_eq!(order, ["b.txt", "c.txt", "a.txt"]);
    }

    #[test]
    fn latest_first_takes_the_newest_files_first() {
        let f = fixture();
        for (i, name) in ["a.txt", "b.txt", "c.txt"].iter().enumerate() {
            write(&f.input, name, BASE_MS + i as i64 * 1000);
        }
        let mut source = opened(&f, &[("latestFirst", "TRUE"), ("maxFilesPerTrigger", "2")]);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["c.txt".into(), "b.txt".into()]))
        );
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((1, vec!["a.txt".into()]))
        );
    }

    #[test]
    fn max_files_per_trigger_limits_configured_batches_but_not_all() {
        let f = fixture();
        for i in 0..5 {
            write(&f.input, &format!("f{i}.txt"), BASE_MS + i * 1000);
        }
        let mut source = opened(&f, &[("MAXFILESPERTRIGGER", "2")]);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["f0.txt".into(), "f1.txt".into()]))
        );
        assert_eq!(
            next(&mut source, ReadLimit::All),
            Some((1, vec!["f2.txt".into(), "f3.txt".into(), "f4.txt".into()]))
        );
        // Nothing new: the same offset again.
        assert_eq!(
            source
                .latest_offset(Some(&offset(1)), ReadLimit::Configured)
                .unwrap(),
            Some(offset(1))
        );
    }

    #[test]
    fn no_file_ever_seen_gives_no_offset() {
        let f = fixture();
        write(&f.input, "_hidden.txt", BASE_MS);
        write(&f.input, ".dot.txt", BASE_MS);
        write(&f.input, "x.txt._COPYING_", BASE_MS);
        write(&f.input, "sub/nested.txt", BASE_MS);
        let mut source = opened(&f, &[]);
        assert_eq!(
            source.latest_offset(None, ReadLimit::Configured).unwrap(),
            None
        );
        assert!(!f.checkpoint.join("0").exists());
    }

    #[test]
    fn metadata_files_are_logged_but_not_read_and_partition_like_names_are_kept() {
        let f = fixture();
        write(&f.input, "a.txt", BASE_MS);
        write(&f.input, "_metadata", BASE_MS + 1);
        write(&f.input, "_common_metadata.txt", BASE_MS + 2);
        write(&f.input, "_k=v.txt", BASE_MS + 3);
        let mut source = opened(&f, &[]);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            // Within a batch files are read largest first, as Spark packs them.
            Some((0, vec!["_k=v.txt".into(), "a.txt".into()]))
        );
        let log = std::fs::read_to_string(f.checkpoint.join("0")).unwrap();
        assert_eq!(log.lines().count(), 5);
    }

    #[test]
    fn the_log_file_has_sparks_exact_text() {
        let f = fixture();
        write(&f.input, "a.txt", BASE_MS);
        write(&f.input, "sp ace%é.txt", BASE_MS + 1000);
        let mut source = opened(&f, &[]);
        assert_eq!(
            source.latest_offset(None, ReadLimit::Configured).unwrap(),
            Some(offset(0))
        );
        let input = f.input.to_str().unwrap().replace(' ', "%20");
        let expected = format!(
            "v1\n{{\"path\":\"file://{input}/a.txt\",\"timestamp\":{BASE_MS},\"batchId\":0}}\n\
             {{\"path\":\"file://{input}/sp%20ace%25é.txt\",\"timestamp\":{},\"batchId\":0}}",
            BASE_MS + 1000
        );
        assert_eq!(
            std::fs::read_to_string(f.checkpoint.join("0")).unwrap(),
            expected
        );
        assert_eq!(
            source.description(),
            format!("FileStreamSource[file:{}]", f.input.display())
        );
    }

    #[test]
    fn the_reader_yields_exactly_the_files_of_the_range() {
        let f = fixture();
        let mut source = opened(&f, &[("maxFilesPerTrigger", "2")]);
        for i in 0..6 {
            write(&f.input, &format!("f{i}.txt"), BASE_MS + i * 1000);
        }
        for k in 0..3 {
            assert_eq!(
                source.latest_offset(None, ReadLimit::Configured).unwrap(),
                Some(offset(k))
            );
        }
        assert_eq!(
            read(&mut source, Some(0), 2),
            ["f2.txt", "f3.txt", "f4.txt", "f5.txt"]
        );
        assert_eq!(read(&mut source, None, 0), ["f0.txt", "f1.txt"]);
        assert_eq!(read(&mut source, Some(1), 1), Vec::<String>::new());
        assert!(
            source.plan_batch(None, &offset(7)).is_err(),
            "batches that were never logged"
        );
        // A bare number is a valid offset too.
        assert!(source.plan_batch(None, &serde_json::json!(1)).is_ok());
    }

    #[test]
    fn file_name_only_identifies_files_by_name() {
        let f = fixture();
        let pattern = f.input.join("*");
        write(&f.input, "x/a.txt", BASE_MS);
        write(&f.input, "y/a.txt", BASE_MS + 1000);
        write(&f.input, "y/b.txt", BASE_MS + 2000);
        let schema = read_schema(FileFormat::Text, None).unwrap();
        let mut by_name = FileSource::new(
            FileFormat::Text,
            &pattern,
            schema.clone(),
            &opts(&[("fileNameOnly", "true")]),
            &Zone::UTC,
        )
        .unwrap();
        by_name
            .open(Bookkeeping::new(f.checkpoint.clone()))
            .unwrap();
        by_name.latest_offset(None, ReadLimit::Configured).unwrap();
        // Both a.txt were new in the same listing; later listings treat y/a.txt as seen.
        write(&f.input, "z/a.txt", BASE_MS + 3000);
        write(&f.input, "z/c.txt", BASE_MS + 3000);
        assert_eq!(
            next(&mut by_name, ReadLimit::Configured),
            Some((1, vec!["z/c.txt".into()]))
        );

        let mut by_path =
            FileSource::new(FileFormat::Text, &pattern, schema, &opts(&[]), &Zone::UTC).unwrap();
        by_path
            .open(Bookkeeping::new(f.checkpoint.parent().unwrap().join("1")))
            .unwrap();
        by_path.latest_offset(None, ReadLimit::Configured).unwrap();
        write(&f.input, "w/a.txt", BASE_MS + 4000);
        assert_eq!(
            next(&mut by_path, ReadLimit::Configured),
            Some((1, vec!["w/a.txt".into()]))
        );
    }

    #[test]
    fn max_file_age_drops_files_older_than_the_newest_minus_the_age() {
        let f = fixture();
        write(&f.input, "old.txt", BASE_MS - 3_600_000);
        write(&f.input, "new.txt", BASE_MS);
        let mut source = opened(&f, &[("maxFileAge", "10m")]);
        // The first listing accepts everything.
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["old.txt".into(), "new.txt".into()]))
        );
        write(&f.input, "late.txt", BASE_MS - 600_001);
        write(&f.input, "edge.txt", BASE_MS - 600_000);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((1, vec!["edge.txt".into()]))
        );

        // latestFirst with a limit ignores maxFileAge.
        let g = fixture();
        write(&g.input, "new.txt", BASE_MS);
        let mut source = opened(
            &g,
            &[
                ("maxFileAge", "1s"),
                ("latestFirst", "true"),
                ("maxFilesPerTrigger", "5"),
            ],
        );
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["new.txt".into()]))
        );
        write(&g.input, "ancient.txt", BASE_MS - 86_400_000);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((1, vec!["ancient.txt".into()]))
        );
    }

    #[test]
    fn restart_restores_seen_files_and_the_offset_from_the_log() {
        let f = fixture();
        write(&f.input, "a.txt", BASE_MS);
        write(&f.input, "b.txt", BASE_MS + 1000);
        let mut source = opened(&f, &[("maxFilesPerTrigger", "1")]);
        assert_eq!(
            source.latest_offset(None, ReadLimit::Configured).unwrap(),
            Some(offset(0))
        );
        assert_eq!(
            source.latest_offset(None, ReadLimit::Configured).unwrap(),
            Some(offset(1))
        );
        drop(source);

        let mut restarted = opened(&f, &[("maxFilesPerTrigger", "1")]);
        // Nothing new: the log's offset again; a replayed batch reads from the log.
        assert_eq!(
            restarted
                .latest_offset(Some(&offset(1)), ReadLimit::Configured)
                .unwrap(),
            Some(offset(1))
        );
        assert_eq!(read(&mut restarted, Some(0), 1), ["b.txt"]);
        write(&f.input, "c.txt", BASE_MS + 2000);
        assert_eq!(
            next(&mut restarted, ReadLimit::Configured),
            Some((2, vec!["c.txt".into()]))
        );
    }

    #[test]
    fn restart_across_a_compaction() {
        let f = fixture();
        let mut source = opened(&f, &[("maxFilesPerTrigger", "1")]);
        for i in 0..12 {
            write(&f.input, &format!("f{i:02}.txt"), BASE_MS + i * 1000);
        }
        for k in 0..12 {
            assert_eq!(
                source.latest_offset(None, ReadLimit::Configured).unwrap(),
                Some(offset(k))
            );
        }
        assert!(f.checkpoint.join("9.compact").exists());
        let mut restarted = opened(&f, &[("maxFilesPerTrigger", "1")]);
        assert_eq!(
            restarted
                .latest_offset(Some(&offset(11)), ReadLimit::Configured)
                .unwrap(),
            Some(offset(11))
        );
        assert_eq!(read(&mut restarted, Some(8), 10), ["f09.txt", "f10.txt"]);
        // Batches logged before the restart that the query never ran come one at a time,
        // as they were logged: batch boundaries survive a crash.
        assert_eq!(
            restarted
                .latest_offset(Some(&offset(8)), ReadLimit::Configured)
                .unwrap(),
            Some(offset(9))
        );
    }

    #[test]
    fn available_now_freezes_the_listing() {
        let f = fixture();
        write(&f.input, "a.txt", BASE_MS);
        write(&f.input, "b.txt", BASE_MS + 1000);
        let mut source = opened(&f, &[("maxFilesPerTrigger", "1")]);
        source.prepare_for_available_now().unwrap();
        write(&f.input, "late.txt", BASE_MS + 500);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["a.txt".into()]))
        );
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((1, vec!["b.txt".into()]))
        );
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((1, vec![])),
            "late.txt is not offered"
        );
    }

    #[test]
    fn cached_leftovers_are_used_before_listing_again() {
        let f = fixture();
        for i in 0..3 {
            write(&f.input, &format!("f{i}.txt"), BASE_MS + i * 1000);
        }
        let mut source = opened(&f, &[("maxFilesPerTrigger", "1")]);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["f0.txt".into()]))
        );
        // Older than the cached f1/f2, but they were listed earlier and are used first.
        write(&f.input, "early.txt", BASE_MS + 10);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((1, vec!["f1.txt".into()]))
        );
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((2, vec!["f2.txt".into()]))
        );
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((3, vec!["early.txt".into()]))
        );
    }

    #[test]
    fn max_bytes_per_trigger_takes_files_until_the_size_is_reached() {
        let f = fixture();
        write(&f.input, "aaaa.txt", BASE_MS); // 9 bytes each
        write(&f.input, "bbbb.txt", BASE_MS + 1);
        write(&f.input, "cccc.txt", BASE_MS + 2);
        let mut source = opened(&f, &[("maxBytesPerTrigger", "20")]);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["aaaa.txt".into(), "bbbb.txt".into()]))
        );
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((1, vec!["cccc.txt".into()]))
        );
    }

    #[test]
    fn clean_source_archive_moves_committed_files() {
        let f = fixture();
        let archive = f.input.parent().unwrap().join("archive");
        let a = write(&f.input, "a.txt", BASE_MS);
        let b = write(&f.input, "b.txt", BASE_MS + 1000);
        let archive_text = archive.to_string_lossy().into_owned();
        let mut source = opened(
            &f,
            &[
                ("cleanSource", "Archive"),
                ("sourceArchiveDir", &archive_text),
                ("maxFilesPerTrigger", "1"),
            ],
        );
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["a.txt".into()]))
        );
        assert!(a.exists(), "nothing moves before the batch is committed");
        source.commit(&offset(0)).unwrap();
        let archived_a = archive.join(a.strip_prefix("/").unwrap());
        assert!(!a.exists() && archived_a.exists());
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((1, vec!["b.txt".into()]))
        );
        source.commit(&offset(0)).unwrap(); // a no-data batch repeats the offset: harmless
        source.commit(&offset(1)).unwrap();
        assert!(!b.exists() && archive.join(b.strip_prefix("/").unwrap()).exists());
        // A file already gone only logs a warning.
        let mut again = opened(
            &f,
            &[
                ("cleanSource", "archive"),
                ("sourceArchiveDir", &archive_text),
            ],
        );
        again.commit(&offset(1)).unwrap();
    }

    #[test]
    fn clean_source_delete_removes_committed_files() {
        let f = fixture();
        let a = write(&f.input, "a.txt", BASE_MS);
        let mut source = opened(&f, &[("cleanSource", "delete")]);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["a.txt".into()]))
        );
        source.commit(&offset(0)).unwrap();
        assert!(!a.exists());
        source.commit(&offset(0)).unwrap();
    }

    #[test]
    fn archive_dir_matching_the_source_pattern_is_rejected() {
        let f = fixture();
        let glob = f.input.join("*.txt");
        let input = f.input.to_string_lossy().into_owned();
        let err = text_source(
            &glob,
            &[("cleanSource", "archive"), ("sourceArchiveDir", &input)],
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("requirement failed: Base archive path"),
            "{err}"
        );
        let inside = f.input.join("archive").to_string_lossy().into_owned();
        let err = text_source(
            &f.input,
            &[("cleanSource", "archive"), ("sourceArchiveDir", &inside)],
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("requirement failed: Base archive path"),
            "{err}"
        );
        let sibling = f
            .input
            .parent()
            .unwrap()
            .join("in2")
            .to_string_lossy()
            .into_owned();
        assert!(text_source(
            &f.input,
            &[("cleanSource", "archive"), ("sourceArchiveDir", &sibling)]
        )
        .is_ok());
        let err = text_source(&f.input, &[("cleanSource", "archive")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Archive mode must be used with 'sourceArchiveDir' option."
        );
    }

    #[test]
    fn invalid_option_values_are_typed_errors_with_sparks_messages() {
        let f = fixture();
        let cases: &[(&str, &str, &str)] = &[
            ("maxFilesPerTrigger", "0", "Invalid value '0' for option 'maxFilesPerTrigger', must be a positive integer"),
            ("maxfilespertrigger", "abc", "Invalid value 'abc' for option 'maxFilesPerTrigger', must be a positive integer"),
            ("latestFirst", "yes", "Invalid value 'yes' for option 'latestFirst', must be 'true' or 'false'"),
            ("fileNameOnly", "1", "Invalid value '1' for option 'fileNameOnly', must be 'true' or 'false'"),
            ("cleanSource", "bogus", "Invalid mode for clean source option Some(bogus). Must be one of ARCHIVE,DELETE,OFF"),
            ("maxFileAge", "-5s", "requirement failed"),
            ("modifiedBefore", "2020-01-01", "option 'modifiedbefore' is not allowed in file stream sources"),
            ("maxCachedFiles", "-1", "Invalid value '-1' for option 'maxCachedFiles', must be an integer greater than or equal to 0"),
            ("maxBytesPerTrigger", "0", "Invalid value '0' for option 'maxBytesPerTrigger', must be a positive integer"),
        ];
        for (key, value, message) in cases {
            let err = text_source(&f.input, &[(key, value)]).unwrap_err();
            assert!(matches!(err, Error::IllegalArgument(_)), "{key}: {err:?}");
            assert_eq!(err.to_string(), *message);
        }
        let err = text_source(&f.input, &[("maxFileAge", "bogus")]).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("Failed to parse time string: bogus"),
            "{err}"
        );
        let err = text_source(
            &f.input,
            &[("maxFilesPerTrigger", "1"), ("maxBytesPerTrigger", "5")],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Options 'maxFilesPerTrigger' and 'maxBytesPerTrigger' can't be both set at the same time"
        );
        // Unknown options are ignored; a bare number of maxFileAge is milliseconds.
        assert!(text_source(&f.input, &[("someOption", "x"), ("maxFileAge", "10")]).is_ok());
        assert_eq!(TimeUnit::Milliseconds.parse("7d").unwrap(), 604_800_000);
    }

    #[test]
    fn a_missing_directory_fails_but_a_missing_glob_lists_nothing() {
        let f = fixture();
        let missing = f.input.join("nope");
        let err = text_source(&missing, &[]).unwrap_err();
        assert!(matches!(err, Error::Analysis(_)));
        assert_eq!(
            err.to_string(),
            format!(
                "[PATH_NOT_FOUND] Path does not exist: {}. SQLSTATE: 42K03",
                missing.display()
            )
        );
        let mut source = text_source(&missing.join("*.txt"), &[]).unwrap();
        source.open(Bookkeeping::new(f.checkpoint.clone())).unwrap();
        assert_eq!(
            source.latest_offset(None, ReadLimit::Configured).unwrap(),
            None
        );
        // A directory removed after the start lists nothing.
        let mut source = opened(&f, &[]);
        std::fs::remove_dir(&f.input).unwrap();
        assert_eq!(
            source.latest_offset(None, ReadLimit::Configured).unwrap(),
            None
        );
    }

    #[test]
    fn globs_match_files_and_directories() {
        let f = fixture();
        write(&f.input, "a.json", BASE_MS);
        write(&f.input, "b.txt", BASE_MS + 1);
        write(&f.input, "_x.json", BASE_MS + 2);
        write(&f.input, "_hid/c.json", BASE_MS + 3);
        write(&f.input, "d1/e.json", BASE_MS + 4);
        let schema = read_schema(FileFormat::Text, None).unwrap();
        let mut source = FileSource::new(
            FileFormat::Text,
            &f.input.join("{*.json,d[0-9]}"),
            schema,
            &opts(&[]),
            &Zone::UTC,
        )
        .unwrap();
        source.open(Bookkeeping::new(f.checkpoint.clone())).unwrap();
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["d1/e.json".into(), "a.json".into()]))
        );
        assert!(source.description().ends_with("/in/{*.json,d[0-9]}]"));
        assert!(glob::component_matches("[!a]?c*", "xbcdef").unwrap());
        assert!(!glob::component_matches("[^x]", "x").unwrap());
        assert!(glob::component_matches("a\\*b", "a*b").unwrap());
        assert!(glob::expand_braces("{a,{b,c}}x").unwrap() == ["ax", "bx", "cx"]);
        assert!(glob::expand_braces("{a").is_err());
    }

    #[test]
    fn paths_are_qualified_like_hadoop() {
        assert_eq!(qualify("/a//b/./c/../d/").unwrap(), "/a/b/d");
        assert_eq!(qualify("file:///a/b").unwrap(), "/a/b");
        assert_eq!(qualify("file:/a/b").unwrap(), "/a/b");
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            qualify("rel/x").unwrap(),
            format!("{}/rel/x", cwd.display())
        );
        assert!(matches!(
            qualify("s3://bucket/x"),
            Err(Error::IllegalArgument(_))
        ));
        assert_eq!(qualify("/").unwrap(), "/");
    }

    #[test]
    fn a_file_sink_output_directory_is_read_through_its_log() {
        let f = fixture();
        let part = write(&f.input, "part-0.txt", BASE_MS);
        write(&f.input, "stray.txt", BASE_MS);
        let url = path_to_url(part.to_str().unwrap());
        std::fs::create_dir_all(f.input.join("_spark_metadata")).unwrap();
        std::fs::write(
            f.input.join("_spark_metadata/0"),
            format!(
                "v1\n{{\"path\":\"{url}\",\"size\":11,\"isDir\":false,\"modificationTime\":{},\"blockReplication\":1,\"blockSize\":33554432,\"action\":\"add\"}}",
                spate_runtime::now_ms()
            ),
        )
        .unwrap();
        let mut source = opened(&f, &[]);
        assert_eq!(
            next(&mut source, ReadLimit::Configured),
            Some((0, vec!["part-0.txt".into()]))
        );
        let mut cleaning = opened(&f, &[("cleanSource", "delete")]);
        let err = cleaning
            .latest_offset(None, ReadLimit::Configured)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Clean up source files is not supported when reading from the output directory of FileStreamSink."
        );
    }

    #[test]
    fn a_source_used_before_open_is_an_error_not_a_panic() {
        let f = fixture();
        let mut source = text_source(&f.input, &[]).unwrap();
        assert!(source.latest_offset(None, ReadLimit::Configured).is_err());
        assert!(source.plan_batch(None, &offset(0)).is_err());
    }

    #[test]
    fn json_files_are_decoded_with_the_schema() {
        use arrow::datatypes::{DataType, Field, Schema};
        let f = fixture();
        std::fs::write(f.input.join("a.json"), "{\"id\":1}\n{\"id\":2}\n").unwrap();
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let mut source =
            FileSource::new(FileFormat::Json, &f.input, schema, &opts(&[]), &Zone::UTC).unwrap();
        assert!(
            source.schema().field(0).is_nullable(),
            "streaming file sources force nullable"
        );
        source.open(Bookkeeping::new(f.checkpoint.clone())).unwrap();
        let end = source
            .latest_offset(None, ReadLimit::Configured)
            .unwrap()
            .unwrap();
        let mut reader = source.plan_batch(None, &end).unwrap();
        let batch = reader.next_batch().unwrap().unwrap();
        assert_eq!(batch.num_rows(), 2);
        assert!(reader.next_batch().unwrap().is_none());
    }
}
