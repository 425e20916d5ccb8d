//! The file sink's metadata log, `<output>/_spark_metadata`, in Spark's
//! `FileStreamSinkLog` format (a `CompactibleFileStreamLog`).
//!
//! One file per batch, named by the batch id, holding `v1` and one JSON line per output
//! file (no trailing newline). Every `compactInterval`-th batch (those with
//! `(id + 1) % interval == 0`, i.e. 9, 19, … for the default 10) is written as
//! `<id>.compact` instead and holds the entries of the previous compaction file, the
//! batches since, and its own. Readers therefore need only the latest compaction file and
//! the batch files after it. Older log files are deleted only when they are more than
//! `minBatchesToRetain` (100) batches behind and older than the cleanup delay (10 minutes),
//! as Spark does.

use crate::file::compaction::{derive_compact_interval, is_compaction_batch};
use crate::file::uri::{path_to_url, url_to_path};
use serde::{Deserialize, Serialize};
use spate_runtime::checkpoint::{write_atomically, Durability};
use spate_runtime::{now_ms, Error, Result};
use std::fs::{self, Metadata};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Name of the metadata log directory inside the sink's output directory.
pub const METADATA_DIR: &str = "_spark_metadata";
/// Spark's `spark.sql.streaming.fileSink.log.compactInterval` default.
pub const DEFAULT_COMPACT_INTERVAL: u64 = 10;
/// Suffix of compaction files (`9.compact`).
pub use crate::file::compaction::COMPACT_SUFFIX;
/// `FileStreamSinkLog.VERSION`: the log files start with `v1`.
pub const LOG_VERSION: u32 = 1;
/// The `action` of a file added by a batch.
pub const ADD_ACTION: &str = "add";
/// `blockSize` Hadoop's local file system reports (32 MiB).
pub const LOCAL_BLOCK_SIZE: i64 = 33_554_432;

/// One output file as recorded in the log: Spark's `SinkFileStatus`, serialized with its
/// field names and order:
/// `{"path":"file:///…","size":…,"isDir":false,"modificationTime":…,"blockReplication":1,"blockSize":33554432,"action":"add"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SinkFileStatus {
    /// The file's qualified, URI-encoded path (`file:///out/part-00000-…-c000.json`).
    pub path: String,
    /// Length in bytes.
    pub size: i64,
    /// Whether it is a directory (never, for sink output).
    pub is_dir: bool,
    /// Last modification time, milliseconds since the epoch.
    pub modification_time: i64,
    /// HDFS block replication (1 on a local file system).
    pub block_replication: i32,
    /// HDFS block size (33554432 on a local file system).
    pub block_size: i64,
    /// `add` (Spark no longer writes `delete`).
    pub action: String,
}

impl SinkFileStatus {
    /// The entry for the local file `path` (absolute) with its current metadata.
    pub fn for_local_file(path: &Path, metadata: &Metadata) -> Self {
        let modification_time = match metadata.modified() {
            Ok(time) => match time.duration_since(UNIX_EPOCH) {
                Ok(after) => after.as_millis() as i64,
                Err(before) => -(before.duration().as_millis() as i64),
            },
            Err(_) => 0,
        };
        SinkFileStatus {
            path: path_to_url(&path.to_string_lossy()),
            size: metadata.len() as i64,
            is_dir: metadata.is_dir(),
            modification_time,
            block_replication: 1,
            block_size: LOCAL_BLOCK_SIZE,
            action: ADD_ACTION.to_string(),
        }
    }

    /// The local path of a `file:` entry (`file:///a%20b` → `/a b`); `None` for other
    /// schemes or malformed escapes.
    pub fn local_path(&self) -> Option<PathBuf> {
        url_to_path(&self.path).ok()
    }
}

/// Settings of a [`SinkLog`]; the defaults are Spark's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkLogConfig {
    /// `spark.sql.streaming.fileSink.log.compactInterval` (10). An existing log's
    /// compaction files take precedence, as in Spark.
    pub compact_interval: u64,
    /// The sink's `retention` option: entries whose modification time is older are
    /// dropped by compaction and by [`SinkLog::all_files`] (none by default).
    pub retention_ms: Option<u64>,
    /// `spark.sql.streaming.fileSink.log.deletion` (true).
    pub delete_expired: bool,
    /// `spark.sql.streaming.fileSink.log.cleanupDelay` (10 minutes).
    pub cleanup_delay_ms: u64,
    /// `spark.sql.streaming.minBatchesToRetain` (100).
    pub min_batches_to_retain: u64,
    /// How the log's files reach the disk (`spate.checkpoint.fsync`).
    pub durability: Durability,
}

impl Default for SinkLogConfig {
    fn default() -> Self {
        SinkLogConfig {
            compact_interval: DEFAULT_COMPACT_INTERVAL,
            retention_ms: None,
            delete_expired: true,
            cleanup_delay_ms: 600_000,
            min_batches_to_retain: 100,
            durability: Durability::default(),
        }
    }
}

/// Reader and writer of a `_spark_metadata` directory.
#[derive(Debug, Clone)]
pub struct SinkLog {
    dir: PathBuf,
    compact_interval: u64,
    config: SinkLogConfig,
}

impl SinkLog {
    /// Opens the log in `dir` (the `_spark_metadata` directory itself) with Spark's
    /// default settings. A missing directory is an empty log; [`SinkLog::add`] creates it.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(dir, SinkLogConfig::default())
    }

    /// From now on, writes the log's files as `durability` says.
    pub fn set_durability(&mut self, durability: Durability) {
        self.config.durability = durability;
    }

    /// Opens the log in `dir` with explicit settings.
    pub fn open_with(dir: impl AsRef<Path>, config: SinkLogConfig) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        if config.compact_interval == 0 {
            return Err(Error::IllegalArgument(format!(
                "Please set spark.sql.streaming.fileSink.log.compactInterval (was {}) to a positive value.",
                config.compact_interval
            )));
        }
        let mut log = SinkLog {
            dir,
            compact_interval: config.compact_interval,
            config,
        };
        log.compact_interval = log.derive_compact_interval()?;
        Ok(log)
    }

    /// The `_spark_metadata` directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The compaction interval in force (from the existing compaction files, else the
    /// configured one).
    pub fn compact_interval(&self) -> u64 {
        self.compact_interval
    }

    /// Whether `batch_id` is written as a compaction file.
    pub fn is_compaction_batch(&self, batch_id: u64) -> bool {
        is_compaction_batch(batch_id, self.compact_interval)
    }

    /// The file that holds `batch_id`: `<id>` or `<id>.compact`.
    pub fn batch_path(&self, batch_id: u64) -> PathBuf {
        if self.is_compaction_batch(batch_id) {
            self.dir.join(format!("{batch_id}{COMPACT_SUFFIX}"))
        } else {
            self.dir.join(batch_id.to_string())
        }
    }

    /// The highest batch id with a log file, `None` for an empty log.
    pub fn latest_batch_id(&self) -> Result<Option<u64>> {
        Ok(self.list()?.into_iter().map(|(id, _)| id).max())
    }

    /// The entries of `batch_id`'s own file (for a compaction batch: everything up to
    /// it), `None` if the file does not exist.
    pub fn get(&self, batch_id: u64) -> Result<Option<Vec<SinkFileStatus>>> {
        let path = self.batch_path(batch_id);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("reading", path, e)),
        };
        parse_log_file(&path, &text).map(Some)
    }

    /// Records the files of `batch_id`. Returns `false`, writing nothing, when the batch is
    /// already in the log. A compaction batch also carries the entries of the batches
    /// since the previous compaction. The file appears atomically (temporary file and
    /// rename, both fsynced when the log's durability says so).
    pub fn add(&self, batch_id: u64, files: &[SinkFileStatus]) -> Result<bool> {
        let target = self.batch_path(batch_id);
        if exists(&target)? {
            return Ok(false);
        }
        fs::create_dir_all(&self.dir).map_err(|e| Error::io("creating", &self.dir, e))?;
        let now = now_ms();
        let mut entries: Vec<SinkFileStatus> = Vec::new();
        if self.is_compaction_batch(batch_id) {
            let first = batch_id.saturating_sub(self.compact_interval);
            for id in first..batch_id {
                match self.get(id)? {
                    Some(batch) => entries.extend(batch),
                    None => {
                        return Err(Error::Checkpoint {
                            path: self.batch_path(id),
                            reason: format!(
                                "{} doesn't exist when compacting batch {batch_id} (compactInterval: {})",
                                self.batch_path(id).display(),
                                self.compact_interval
                            ),
                        })
                    }
                }
            }
            entries.extend(files.iter().cloned());
            entries.retain(|e| self.should_retain(e, now));
        } else {
            entries.extend(files.iter().cloned());
        }
        let mut text = format!("v{LOG_VERSION}");
        for entry in &entries {
            text.push('\n');
            let line =
                serde_json::to_string(entry).map_err(|e| Error::component("file sink log", e))?;
            text.push_str(&line);
        }
        match write_atomically(&target, text.as_bytes(), false, self.config.durability) {
            Ok(()) => {}
            // Another writer committed this batch id first.
            Err(Error::Checkpoint { .. }) if exists(&target)? => return Ok(false),
            Err(e) => return Err(e),
        }
        if self.config.delete_expired {
            self.delete_expired(batch_id)?;
        }
        Ok(true)
    }

    /// Every file committed so far (minus those past the retention), in log order: what a
    /// reader of the output directory sees.
    pub fn all_files(&self) -> Result<Vec<SinkFileStatus>> {
        let Some(latest) = self.latest_batch_id()? else {
            return Ok(Vec::new());
        };
        let interval = self.compact_interval;
        let start = ((latest + 1) / interval * interval).saturating_sub(1);
        let now = now_ms();
        let mut files = Vec::new();
        for id in start..=latest {
            match self.get(id)? {
                Some(batch) => {
                    files.extend(batch.into_iter().filter(|e| self.should_retain(e, now)))
                }
                None => {
                    return Err(Error::Checkpoint {
                        path: self.batch_path(id),
                        reason: format!(
                            "{} doesn't exist (latestId: {latest}, compactInterval: {interval})",
                            self.batch_path(id).display()
                        ),
                    })
                }
            }
        }
        Ok(files)
    }

    fn should_retain(&self, entry: &SinkFileStatus, now: i64) -> bool {
        match self.config.retention_ms {
            Some(retention) => now.saturating_sub(entry.modification_time) <= retention as i64,
            None => true,
        }
    }

    /// Batch ids and files present in the directory (names `<id>` and `<id>.compact`).
    fn list(&self) -> Result<Vec<(u64, PathBuf)>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("listing", &self.dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("listing", &self.dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let id_text = name.strip_suffix(COMPACT_SUFFIX).unwrap_or(name);
            if !id_text.is_empty() && id_text.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(id) = id_text.parse::<u64>() {
                    out.push((id, entry.path()));
                }
            }
        }
        Ok(out)
    }

    /// Spark's `CompactibleFileStreamLog.compactInterval`: two compaction files give the
    /// interval; one gives a divisor of its id + 1 close to the default.
    fn derive_compact_interval(&self) -> Result<u64> {
        let mut compactions: Vec<u64> = self
            .list()?
            .into_iter()
            .filter(|(_, p)| p.to_string_lossy().ends_with(COMPACT_SUFFIX))
            .map(|(id, _)| id)
            .collect();
        compactions.sort_unstable_by(|a, b| b.cmp(a));
        Ok(derive_compact_interval(
            self.config.compact_interval,
            &compactions,
        ))
    }

    /// Spark's `deleteExpiredLog`: drops log files before the compaction that keeps
    /// `minBatchesToRetain` batches, if they are older than the cleanup delay.
    fn delete_expired(&self, batch_id: u64) -> Result<()> {
        let interval = self.compact_interval;
        let retain = self.config.min_batches_to_retain;
        if batch_id + 1 < retain || interval > batch_id + 1 - retain {
            return Ok(());
        }
        let min_batch_id = batch_id + 1 - retain;
        let Some(min_compaction) = (min_batch_id - min_batch_id % interval).checked_sub(1) else {
            return Ok(());
        };
        let expired = now_ms().saturating_sub(self.config.cleanup_delay_ms as i64);
        for (id, path) in self.list()? {
            if id >= min_compaction {
                continue;
            }
            let modified = fs::metadata(&path)
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64);
            if modified.is_some_and(|m| m <= expired) {
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io("deleting", path, e)),
                }
            }
        }
        Ok(())
    }
}

/// Parses one log file: the version line, then one entry per line.
fn parse_log_file(path: &Path, text: &str) -> Result<Vec<SinkFileStatus>> {
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let bad = |reason: String| Error::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    let version_line = match lines.next() {
        Some(line) if !line.is_empty() => line,
        _ => return Err(bad("Incomplete log file".into())),
    };
    match version_line
        .strip_prefix('v')
        .and_then(|v| v.parse::<u32>().ok())
    {
        Some(v) if v > 0 && v <= LOG_VERSION => {}
        Some(v) if v > LOG_VERSION => {
            return Err(bad(format!(
                "UnsupportedLogVersion: maximum supported log version is v{LOG_VERSION}, but encountered v{v}. The log file was produced by a newer version of Spark and cannot be read by this version. Please upgrade."
            )))
        }
        _ => {
            return Err(bad(
                "Log file was malformed: failed to detect the log file version line.".into(),
            ))
        }
    }
    let mut entries = Vec::new();
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        let entry: SinkFileStatus =
            serde_json::from_str(line).map_err(|e| bad(format!("malformed entry {line}: {e}")))?;
        entries.push(entry);
    }
    Ok(entries)
}

fn exists(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("checking", path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(name: &str, time: i64) -> SinkFileStatus {
        SinkFileStatus {
            path: format!("file:///out/{name}"),
            size: 24,
            is_dir: false,
            modification_time: time,
            block_replication: 1,
            block_size: LOCAL_BLOCK_SIZE,
            action: ADD_ACTION.into(),
        }
    }

    #[test]
    fn entry_json_matches_spark() {
        // Line copied from a `_spark_metadata/0` written by Spark 4.3.
        let spark = r#"{"path":"file:///tmp/fs1/w/out_json/part-00000-2a246895-dace-47b0-8215-2558d4124510-c000.json","size":540,"isDir":false,"modificationTime":1795639394410,"blockReplication":1,"blockSize":33554432,"action":"add"}"#;
        let entry: SinkFileStatus = serde_json::from_str(spark).unwrap();
        assert_eq!(entry.size, 540);
        assert_eq!(entry.modification_time, 1795639394410);
        assert_eq!(serde_json::to_string(&entry).unwrap(), spark);
        assert_eq!(
            entry.local_path().unwrap(),
            PathBuf::from(
                "/tmp/fs1/w/out_json/part-00000-2a246895-dace-47b0-8215-2558d4124510-c000.json"
            )
        );
        let odd = SinkFileStatus {
            path: "file:///tmp/o%20ut%25é/y/p.json".into(),
            ..entry
        };
        assert_eq!(
            odd.local_path().unwrap(),
            PathBuf::from("/tmp/o ut%é/y/p.json")
        );
    }

    #[test]
    fn add_writes_spark_layout_and_refuses_duplicates() {
        let tmp = tempfile::tempdir().unwrap();
        let log = SinkLog::open(tmp.path().join(METADATA_DIR)).unwrap();
        assert_eq!(log.latest_batch_id().unwrap(), None);
        assert!(log.all_files().unwrap().is_empty());
        assert!(log.add(0, &[status("a", 1)]).unwrap());
        assert!(!log.add(0, &[status("b", 2)]).unwrap());
        let text = fs::read_to_string(tmp.path().join(METADATA_DIR).join("0")).unwrap();
        // `v1`, a newline, one JSON line per file, no trailing newline (as Spark writes).
        assert_eq!(
            text,
            format!("v1\n{}", serde_json::to_string(&status("a", 1)).unwrap())
        );
        assert_eq!(log.latest_batch_id().unwrap(), Some(0));
        assert_eq!(log.all_files().unwrap(), vec![status("a", 1)]);
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(log.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["0".to_string()]);
    }

    #[test]
    fn compaction_every_ten_batches() {
        // Spark 4.3 (13 batches, default interval): `_spark_metadata` holds 0 … 8, then
        // `9.compact` with the ten entries of batches 0-9 in order, then 10, 11, 12.
        let tmp = tempfile::tempdir().unwrap();
        let log = SinkLog::open(tmp.path()).unwrap();
        for id in 0..13u64 {
            assert!(log
                .add(id, &[status(&format!("f{id}"), id as i64)])
                .unwrap());
        }
        let mut names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "0",
                "1",
                "10",
                "11",
                "12",
                "2",
                "3",
                "4",
                "5",
                "6",
                "7",
                "8",
                "9.compact"
            ]
        );
        let compact = log.get(9).unwrap().unwrap();
        assert_eq!(compact.len(), 10);
        assert_eq!(compact[0], status("f0", 0));
        assert_eq!(compact[9], status("f9", 9));
        assert_eq!(log.latest_batch_id().unwrap(), Some(12));
        let all = log.all_files().unwrap();
        assert_eq!(all.len(), 13);
        assert_eq!(all[12], status("f12", 12));
        // all_files reads only 9.compact and later: removing batch 3 changes nothing.
        fs::remove_file(tmp.path().join("3")).unwrap();
        assert_eq!(log.all_files().unwrap().len(), 13);
        // A re-opened log keeps the interval (derived from 9.compact) and skips duplicates.
        let reopened = SinkLog::open(tmp.path()).unwrap();
        assert_eq!(reopened.compact_interval(), 10);
        assert!(!reopened.add(12, &[]).unwrap());
        for id in 13..20u64 {
            assert!(reopened
                .add(id, &[status(&format!("f{id}"), id as i64)])
                .unwrap());
        }
        assert!(tmp.path().join("19.compact").exists());
        let second = reopened.get(19).unwrap().unwrap();
        assert_eq!(second.len(), 20);
        assert_eq!(reopened.all_files().unwrap(), second);
    }

    #[test]
    fn compaction_needs_the_previous_batches() {
        let tmp = tempfile::tempdir().unwrap();
        let log = SinkLog::open_with(
            tmp.path(),
            SinkLogConfig {
                compact_interval: 3,
                ..SinkLogConfig::default()
            },
        )
        .unwrap();
        log.add(0, &[status("a", 0)]).unwrap();
        let err = log.add(2, &[status("c", 0)]).unwrap_err();
        assert!(
            err.to_string()
                .contains("doesn't exist when compacting batch 2"),
            "{err}"
        );
    }

    #[test]
    fn interval_derived_from_existing_compactions() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("4.compact"), "v1").unwrap();
        assert_eq!(SinkLog::open(tmp.path()).unwrap().compact_interval(), 5);
        fs::write(tmp.path().join("9.compact"), "v1").unwrap();
        assert_eq!(SinkLog::open(tmp.path()).unwrap().compact_interval(), 5);
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("59.compact"), "v1").unwrap();
        // 60's first divisor >= 10 is 10.
        assert_eq!(SinkLog::open(tmp.path()).unwrap().compact_interval(), 10);
    }

    #[test]
    fn retention_drops_old_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let log = SinkLog::open_with(
            tmp.path(),
            SinkLogConfig {
                retention_ms: Some(60_000),
                ..SinkLogConfig::default()
            },
        )
        .unwrap();
        log.add(0, &[status("old", 0), status("new", now_ms())])
            .unwrap();
        let all = log.all_files().unwrap();
        assert_eq!(all.len(), 1);
        assert!(all[0].path.ends_with("new"));
    }

    #[test]
    fn expired_logs_are_deleted_like_spark() {
        let tmp = tempfile::tempdir().unwrap();
        let log = SinkLog::open_with(
            tmp.path(),
            SinkLogConfig {
                compact_interval: 2,
                min_batches_to_retain: 2,
                cleanup_delay_ms: 0,
                ..SinkLogConfig::default()
            },
        )
        .unwrap();
        for id in 0..6u64 {
            log.add(id, &[status(&format!("f{id}"), 0)]).unwrap();
        }
        // After batch 5: minBatchId 4, min compaction 3 → files before 3 are gone.
        let mut names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["3.compact", "4", "5.compact"]);
        assert_eq!(log.all_files().unwrap().len(), 6);
    }

    #[test]
    fn malformed_logs_are_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let log = SinkLog::open(tmp.path()).unwrap();
        fs::write(tmp.path().join("0"), "").unwrap();
        assert!(log
            .get(0)
            .unwrap_err()
            .to_string()
            .contains("Incomplete log file"));
        fs::write(tmp.path().join("0"), "v2\n").unwrap();
        assert!(log
            .get(0)
            .unwrap_err()
            .to_string()
            .contains("UnsupportedLogVersion"));
        fs::write(tmp.path().join("0"), "v1\n{bad").unwrap();
        assert!(log.get(0).is_err());
        fs::write(tmp.path().join("0"), "v1\n").unwrap();
        assert_eq!(log.get(0).unwrap(), Some(vec![]));
    }
}
