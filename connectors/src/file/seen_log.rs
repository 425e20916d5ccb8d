//! The file source's bookkeeping (SEMANTICS.md §3.1): Spark's `SeenFilesMap` (which files
//! were already taken, and how old a file may be to still count as new) and Spark's
//! compactible metadata logs: the source's own `sources/<i>` log (`FileStreamSourceLog`) and,
//! read-only, a file sink's `_spark_metadata` log (`FileStreamSinkLog`).
//!
//! Log layout (src: `CompactibleFileStreamLog`, `HDFSMetadataLog`; RUN on Spark 4.3): one file
//! per batch id, `v1` then one JSON line per entry; batch `k` with `(k + 1) % interval == 0`
//! (interval 10) is written as `<k>.compact` and holds every entry from batch 0 through `k`.
//! Files before the compaction that keeps `minBatchesToRetain` (100) batches are deleted once
//! older than 10 minutes.

use super::compaction::{derive_compact_interval, is_compaction_batch, COMPACT_SUFFIX};
use super::uri::url_file_name;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use spate_runtime::checkpoint::{write_atomically, Durability};
use spate_runtime::{Error, Result};
use std::cell::Cell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Suffix of a compaction batch file.
/// `spark.sql.streaming.fileSource.log.compactInterval` and
/// `spark.sql.streaming.fileSink.log.compactInterval` defaults.
pub(crate) const DEFAULT_COMPACT_INTERVAL: u64 = 10;
/// `spark.sql.streaming.minBatchesToRetain` default.
const MIN_BATCHES_TO_RETAIN: u64 = 100;
/// `spark.sql.streaming.fileSource.log.cleanupDelay` default.
const CLEANUP_DELAY: Duration = Duration::from_secs(10 * 60);
/// The version line of every log file.
const VERSION_LINE: &str = "v1";

/// One line of a `sources/<i>` log file (Spark's `FileStreamSource.FileEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileEntry {
    /// The file as a URL (`file:///abs/path`, percent-encoded like `java.net.URI`).
    pub path: String,
    /// Its modification time, ms since the epoch.
    pub timestamp: i64,
    /// The source log batch that took it.
    #[serde(rename = "batchId")]
    pub batch_id: i64,
}

/// One line of a file sink's `_spark_metadata` log (Spark's `SinkFileStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SinkFileStatus {
    /// The file as a URL.
    pub path: String,
    /// Its size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Whether it is a directory.
    #[serde(default)]
    pub is_dir: bool,
    /// Its modification time, ms since the epoch.
    #[serde(default)]
    pub modification_time: i64,
    /// `add` (or, in old logs, `delete`).
    #[serde(default)]
    pub action: String,
}

/// Spark's `SeenFilesMap`: files already taken, keyed by URL (or by base name with
/// `fileNameOnly`), forgetting those older than the newest one minus `maxFileAge`.
#[derive(Debug, Clone)]
pub(crate) struct SeenFiles {
    map: HashMap<String, i64>,
    latest_timestamp: i64,
    last_purge_timestamp: i64,
    max_age_ms: i64,
    file_name_only: bool,
}

impl SeenFiles {
    /// An empty map (`max_age_ms` is at least 0; `i64::MAX` disables aging).
    pub fn new(max_age_ms: i64, file_name_only: bool) -> Self {
        SeenFiles {
            map: HashMap::new(),
            latest_timestamp: 0,
            last_purge_timestamp: 0,
            max_age_ms,
            file_name_only,
        }
    }

    fn key(&self, url: &str) -> String {
        if self.file_name_only {
            url_file_name(url)
        } else {
            url.to_string()
        }
    }

    /// Records a taken file.
    pub fn add(&mut self, url: &str, timestamp: i64) {
        self.map.insert(self.key(url), timestamp);
        self.latest_timestamp = self.latest_timestamp.max(timestamp);
    }

    /// Whether a listed file counts as new: not seen, and not older than the threshold of
    /// the last purge (so the very first listing accepts everything).
    pub fn is_new(&self, url: &str, timestamp: i64) -> bool {
        timestamp >= self.last_purge_timestamp && !self.map.contains_key(&self.key(url))
    }

    /// Moves the age threshold to (newest seen − max age) and forgets older files.
    pub fn purge(&mut self) -> usize {
        self.last_purge_timestamp = self.latest_timestamp.saturating_sub(self.max_age_ms);
        let threshold = self.last_purge_timestamp;
        let before = self.map.len();
        self.map.retain(|_, timestamp| *timestamp >= threshold);
        before - self.map.len()
    }

    /// Number of files tracked.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

/// A directory of batch files in Spark's compactible log format, holding entries `T`.
#[derive(Debug, Clone)]
pub(crate) struct CompactibleLog<T> {
    dir: PathBuf,
    interval: u64,
    durability: Durability,
    /// What the last [`Self::delete_expired`] pass left: the compaction it deleted up to,
    /// and when the oldest file it found too young to delete expires (`None`: it deleted
    /// them all). The log is not listed again until there can be something to delete.
    expiry_checked: Cell<Option<(u64, Option<SystemTime>)>>,
    entry: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> CompactibleLog<T> {
    /// The log in `dir` (which may not exist yet); the compact interval is derived from the
    /// compaction files already there, as Spark does.
    pub fn open(dir: PathBuf, default_interval: u64) -> Result<Self> {
        let mut log = CompactibleLog {
            dir,
            interval: default_interval.max(1),
            durability: Durability::default(),
            expiry_checked: Cell::new(None),
            entry: PhantomData,
        };
        let mut compacts: Vec<u64> = log
            .batch_files()?
            .into_iter()
            .filter(|(_, c)| *c)
            .map(|(id, _)| id)
            .collect();
        compacts.sort_unstable_by(|a, b| b.cmp(a));
        log.interval = derive_compact_interval(log.interval, &compacts);
        Ok(log)
    }

    /// The log with its files written as `durability` says.
    pub fn with_durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Batch ids present (and whether each is a compaction file), in no order.
    fn batch_files(&self) -> Result<Vec<(u64, bool)>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("listing", &self.dir, e)),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("listing", &self.dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let (stem, compact) = match name.strip_suffix(COMPACT_SUFFIX) {
                Some(stem) => (stem, true),
                None => (name, false),
            };
            if let Ok(id) = stem.parse::<u64>() {
                ids.push((id, compact));
            }
        }
        Ok(ids)
    }

    /// The newest batch id, if any.
    pub fn latest_batch_id(&self) -> Result<Option<u64>> {
        Ok(self.batch_files()?.into_iter().map(|(id, _)| id).max())
    }

    /// Where batch `batch_id` is written.
    pub fn path(&self, batch_id: u64) -> PathBuf {
        if is_compaction_batch(batch_id, self.interval) {
            self.dir.join(format!("{batch_id}{COMPACT_SUFFIX}"))
        } else {
            self.dir.join(batch_id.to_string())
        }
    }

    /// Every entry of the file of `batch_id` (a compaction file holds earlier batches' too),
    /// or `None` when there is no such file.
    fn read_batch_file(&self, batch_id: u64) -> Result<Option<Vec<T>>> {
        let preferred = self.path(batch_id);
        let candidates = [
            preferred.clone(),
            self.dir.join(batch_id.to_string()),
            self.dir.join(format!("{batch_id}{COMPACT_SUFFIX}")),
        ];
        for path in candidates.iter() {
            match std::fs::read_to_string(path) {
                Ok(text) => return parse_log_text(path, &text).map(Some),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io("reading", path, e)),
            }
        }
        Ok(None)
    }

    /// Every entry of the log: the newest compaction file and the batches after it.
    pub fn all_entries(&self) -> Result<Vec<T>> {
        let Some(latest) = self.latest_batch_id()? else {
            return Ok(Vec::new());
        };
        let start = ((latest + 1) / self.interval * self.interval).saturating_sub(1);
        let mut out = Vec::new();
        for id in start..=latest {
            let entries = self.read_batch_file(id)?.ok_or_else(|| Error::Checkpoint {
                path: self.path(id),
                reason: format!(
                    "batch {id} of the log is missing (latest batch {latest}, compact interval {})",
                    self.interval
                ),
            })?;
            out.extend(entries);
        }
        Ok(out)
    }

    /// Spark's `deleteExpiredLog`: removes files before the compaction that keeps
    /// `minBatchesToRetain` batches, once they are older than the cleanup delay.
    fn delete_expired(&self, current: u64) {
        let Some(min_batch) = (current + 1).checked_sub(MIN_BATCHES_TO_RETAIN) else {
            return;
        };
        if self.interval > min_batch {
            return;
        }
        let min_compaction = (min_batch - min_batch % self.interval).saturating_sub(1);
        let now = SystemTime::now();
        let nothing_to_delete = match self.expiry_checked.get() {
            Some((_, Some(expiry))) => now < expiry,
            Some((checked, None)) => checked == min_compaction,
            None => false,
        };
        if nothing_to_delete {
            return;
        }
        let expired_before = now.checked_sub(CLEANUP_DELAY);
        let files = match self.batch_files() {
            Ok(files) => files,
            Err(error) => {
                tracing::warn!(%error, "cannot list the log to delete expired files");
                return;
            }
        };
        let mut candidates: Vec<(u64, bool)> = files
            .into_iter()
            .filter(|(id, _)| *id < min_compaction)
            .collect();
        candidates.sort_unstable();
        // Batches are written in id order, so the first file that is not yet expired ends
        // the scan: one stat per call instead of one per retained file.
        self.expiry_checked.set(Some((min_compaction, None)));
        for (id, compact) in candidates {
            let path = if compact {
                self.dir.join(format!("{id}{COMPACT_SUFFIX}"))
            } else {
                self.dir.join(id.to_string())
            };
            let modified = std::fs::metadata(&path).and_then(|m| m.modified());
            let expired = match (&modified, expired_before) {
                (Ok(modified), Some(before)) => *modified <= before,
                _ => false,
            };
            if !expired {
                let expiry = modified.ok().map(|modified| modified + CLEANUP_DELAY);
                self.expiry_checked
                    .set(Some((min_compaction, expiry.or(Some(now)))));
                break;
            }
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), %error, "cannot delete an expired log file");
            }
        }
    }
}

impl<T: Serialize + DeserializeOwned> CompactibleLog<T> {
    /// Writes batch `batch_id` (as a compaction file when it is one), then deletes expired
    /// files as Spark does. Fails if the batch already exists.
    pub fn add(&self, batch_id: u64, entries: &[T]) -> Result<()> {
        let path = self.path(batch_id);
        let mut text = String::from(VERSION_LINE);
        let push = |text: &mut String, entry: &T| -> Result<()> {
            let line = serde_json::to_string(entry).map_err(|e| Error::Checkpoint {
                path: path.clone(),
                reason: format!("cannot serialize a log entry: {e}"),
            })?;
            text.push('\n');
            text.push_str(&line);
            Ok(())
        };
        if is_compaction_batch(batch_id, self.interval) {
            for id in batch_id.saturating_sub(self.interval)..batch_id {
                let previous = self.read_batch_file(id)?.ok_or_else(|| Error::Checkpoint {
                    path: self.path(id),
                    reason: format!("batch {id} is missing: cannot compact batch {batch_id}"),
                })?;
                for entry in &previous {
                    push(&mut text, entry)?;
                }
            }
        }
        for entry in entries {
            push(&mut text, entry)?;
        }
        write_atomically(&path, text.as_bytes(), false, self.durability)?;
        self.delete_expired(batch_id);
        Ok(())
    }
}

impl CompactibleLog<FileEntry> {
    /// The files taken by batch `batch_id` (`None` when the log has no such batch).
    pub fn get(&self, batch_id: u64) -> Result<Option<Vec<FileEntry>>> {
        let wanted = |entries: Vec<FileEntry>| -> Vec<FileEntry> {
            entries
                .into_iter()
                .filter(|e| e.batch_id == batch_id as i64)
                .collect()
        };
        if let Some(entries) = self.read_batch_file(batch_id)? {
            return Ok(Some(wanted(entries)));
        }
        // The batch file was deleted after a compaction: its entries live on in the newest
        // compaction file.
        let mut compacts: Vec<u64> = self
            .batch_files()?
            .into_iter()
            .filter(|(id, c)| *c && *id >= batch_id)
            .map(|(id, _)| id)
            .collect();
        compacts.sort_unstable();
        if let Some(compact) = compacts.last() {
            if let Some(entries) = self.read_batch_file(*compact)? {
                let entries = wanted(entries);
                if !entries.is_empty() {
                    return Ok(Some(entries));
                }
            }
        }
        Ok(None)
    }
}

/// Parses a log file's text: the `v1` line, then one JSON entry per line.
fn parse_log_text<T: DeserializeOwned>(path: &Path, text: &str) -> Result<Vec<T>> {
    let corrupt = |reason: String| Error::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    let mut lines = text.lines();
    match lines.next() {
        Some(VERSION_LINE) => {}
        Some(other) => return Err(corrupt(format!("unsupported log version {other:?}"))),
        None => return Err(corrupt("incomplete log file".into())),
    }
    lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            serde_json::from_str(line).map_err(|e| corrupt(format!("bad log line {line:?}: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, timestamp: i64, batch_id: i64) -> FileEntry {
        FileEntry {
            path: format!("file:///in/{name}"),
            timestamp,
            batch_id,
        }
    }

    #[test]
    fn seen_files_age_out_relative_to_the_newest_file() {
        let mut seen = SeenFiles::new(1000, false);
        assert!(
            !seen.is_new("file:///in/old", -5),
            "before the first purge the threshold is 0"
        );
        seen.purge(); // as the source does when it is created
        assert!(
            seen.is_new("file:///in/old", -5),
            "the first listing accepts old files"
        );
        seen.add("file:///in/a", 5000);
        seen.purge();
        assert!(!seen.is_new("file:///in/a", 5000));
        assert!(
            !seen.is_new("file:///in/b", 3999),
            "older than newest - maxFileAge"
        );
        assert!(seen.is_new("file:///in/b", 4000));
        seen.add("file:///in/c", 9000);
        assert_eq!(seen.purge(), 1, "a is forgotten");
        assert_eq!(seen.len(), 1);
    }

    #[test]
    fn seen_files_by_name_only() {
        let mut seen = SeenFiles::new(i64::MAX, true);
        seen.add("file:///x/a%20b.json", 1);
        assert!(!seen.is_new("file:///y/a%20b.json", 1));
        assert!(seen.is_new("file:///y/c.json", 1));
    }

    #[test]
    fn compaction_every_ten_batches_holds_everything() {
        let dir = tempfile::tempdir().unwrap();
        let log = CompactibleLog::<FileEntry>::open(
            dir.path().join("sources/0"),
            DEFAULT_COMPACT_INTERVAL,
        )
        .unwrap();
        for id in 0..12u64 {
            log.add(id, &[entry(&format!("f{id}"), id as i64, id as i64)])
                .unwrap();
        }
        assert!(dir.path().join("sources/0/9.compact").exists());
        assert!(!dir.path().join("sources/0/9").exists());
        let compact = std::fs::read_to_string(dir.path().join("sources/0/9.compact")).unwrap();
        assert_eq!(compact.lines().count(), 11);
        assert!(
            compact.starts_with("v1\n{\"path\":\"file:///in/f0\",\"timestamp\":0,\"batchId\":0}\n")
        );
        assert_eq!(log.get(9).unwrap().unwrap(), vec![entry("f9", 9, 9)]);
        assert_eq!(log.get(3).unwrap().unwrap(), vec![entry("f3", 3, 3)]);
        assert_eq!(log.latest_batch_id().unwrap(), Some(11));
        let all = log.all_entries().unwrap();
        assert_eq!(all.len(), 12);
        // A delta file deleted after compaction is found in the compaction file.
        std::fs::remove_file(dir.path().join("sources/0/3")).unwrap();
        assert_eq!(log.get(3).unwrap().unwrap(), vec![entry("f3", 3, 3)]);
        assert_eq!(log.get(12).unwrap(), None);
        // Reopening keeps the interval.
        let reopened = CompactibleLog::<FileEntry>::open(dir.path().join("sources/0"), 10).unwrap();
        assert_eq!(reopened.interval, 10);
        assert!(
            log.add(11, &[]).is_err(),
            "an existing batch is never overwritten"
        );
    }

    #[test]
    fn files_before_the_retained_batches_are_deleted_once_expired() {
        let dir = tempfile::tempdir().unwrap();
        let log = CompactibleLog::<FileEntry>::open(dir.path().to_path_buf(), 10).unwrap();
        let name = |id: u64| match is_compaction_batch(id, 10) {
            true => format!("{id}{COMPACT_SUFFIX}"),
            false => id.to_string(),
        };
        let age = |ids: std::ops::Range<u64>| {
            let old = SystemTime::now() - CLEANUP_DELAY - Duration::from_secs(60);
            for id in ids {
                let file = std::fs::File::options()
                    .write(true)
                    .open(dir.path().join(name(id)))
                    .unwrap();
                file.set_modified(old).unwrap();
            }
        };
        let add = |ids: std::ops::RangeInclusive<u64>| {
            for id in ids {
                log.add(id, &[entry(&format!("f{id}"), 0, id as i64)])
                    .unwrap();
            }
        };
        let present = |id: u64| dir.path().join(name(id)).exists();
        // Batch 109 is the first to look: it keeps batches 10.. and the compaction 9 before
        // them; batch 119 keeps 20.. and 19. Files before those go once older than the
        // cleanup delay.
        add(0..=108);
        age(0..19);
        add(109..=119);
        assert!((0..19).all(|id| !present(id)) && (19..120).all(present));
        // Young files stay, and stop the scan. (That they go once they age, without another
        // listing before then, would take a clock the test can move.)
        add(120..=129);
        assert!((19..130).all(present));
    }

    #[test]
    fn corrupt_log_files_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("0"), "v2\n").unwrap();
        let log = CompactibleLog::<FileEntry>::open(dir.path().to_path_buf(), 10).unwrap();
        assert!(matches!(log.get(0), Err(Error::Checkpoint { .. })));
        std::fs::write(dir.path().join("0"), "v1\n{\"path\":").unwrap();
        assert!(matches!(log.all_entries(), Err(Error::Checkpoint { .. })));
        std::fs::write(dir.path().join("2"), "v1\n").unwrap();
        assert!(
            matches!(log.all_entries(), Err(Error::Checkpoint { .. })),
            "batch 1 is missing"
        );
    }
}
