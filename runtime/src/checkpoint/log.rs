//! Spark's batch logs: one file per batch id, a version line, then JSON lines.

use super::atomic::{write_atomically, Durability};
use crate::error::{Error, Result};
use crate::source::Offset;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

const VERSION_LINE: &str = "v1";

/// A log entry that knows how to write itself as Spark's text and read it back.
pub trait LogEntry: Sized {
    /// The lines after the version line.
    fn to_lines(&self) -> Result<Vec<String>>;
    /// Parses the lines after the version line.
    fn from_lines(lines: &[&str]) -> std::result::Result<Self, String>;
}

/// A directory of batch-numbered log files (`offsets/`, `commits/`).
#[derive(Debug, Clone)]
pub struct BatchLog<T> {
    dir: PathBuf,
    durability: Durability,
    /// Every entry below this id is deleted (known after the first purge).
    purged_below: Cell<Option<u64>>,
    entry: PhantomData<fn() -> T>,
}

impl<T: LogEntry> BatchLog<T> {
    /// A log in `dir` (created on first write), its files written with the default
    /// durability.
    pub fn new(dir: PathBuf) -> Self {
        BatchLog {
            dir,
            durability: Durability::default(),
            purged_below: Cell::new(None),
            entry: PhantomData,
        }
    }

    /// The log with its files written as `durability` says.
    pub fn with_durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The file of `batch_id`.
    pub fn path(&self, batch_id: u64) -> PathBuf {
        self.dir.join(batch_id.to_string())
    }

    /// Writes entry `batch_id`; fails if it exists (another writer).
    pub fn add(&self, batch_id: u64, entry: &T) -> Result<()> {
        let mut text = String::from(VERSION_LINE);
        for line in entry.to_lines()? {
            text.push('\n');
            text.push_str(&line);
        }
        write_atomically(
            &self.path(batch_id),
            text.as_bytes(),
            false,
            self.durability,
        )
    }

    /// Reads entry `batch_id`, if present.
    pub fn get(&self, batch_id: u64) -> Result<Option<T>> {
        let path = self.path(batch_id);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("reading", &path, e)),
        };
        let corrupt = |reason: String| Error::Checkpoint {
            path: path.clone(),
            reason,
        };
        let lines: Vec<&str> = text.lines().collect();
        match lines.first() {
            Some(&VERSION_LINE) => {}
            Some(other) => return Err(corrupt(format!("unsupported log version {other:?}"))),
            None => return Err(corrupt("empty log file".into())),
        }
        T::from_lines(&lines[1..]).map(Some).map_err(corrupt)
    }

    /// Batch ids present, ascending.
    pub fn batch_ids(&self) -> Result<Vec<u64>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("listing", &self.dir, e)),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("listing", &self.dir, e))?;
            // Spark's batch ids are non-negative longs named in decimal; any other name
            // ("08", "+8", or past i64::MAX) is not an entry.
            if let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u64>().ok().filter(|id| id.to_string() == n))
                .filter(|&id| i64::try_from(id).is_ok())
            {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    /// The newest entry and its batch id.
    pub fn latest(&self) -> Result<Option<(u64, T)>> {
        match self.batch_ids()?.last() {
            Some(&id) => Ok(self.get(id)?.map(|entry| (id, entry))),
            None => Ok(None),
        }
    }

    /// Deletes entries with a batch id below `threshold`. The first purge lists the
    /// directory; later ones delete only the ids between the previous threshold and this.
    pub fn purge_before(&self, threshold: u64) -> Result<()> {
        let ids = match self.purged_below.get() {
            Some(below) => (below..threshold).collect(),
            None => self.batch_ids()?,
        };
        for id in ids.into_iter().filter(|&id| id < threshold) {
            let path = self.path(id);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io("deleting", &path, e))
                }
                _ => {}
            }
        }
        let below = self.purged_below.get().unwrap_or(0).max(threshold);
        self.purged_below.set(Some(below));
        Ok(())
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Line 2 of an offsets file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OffsetSeqMetadata {
    /// The watermark `WE` of the batch, ms.
    pub batch_watermark_ms: i64,
    /// Wall clock at batch start, ms (what `current_timestamp()` returns in the batch).
    pub batch_timestamp_ms: i64,
    /// Session settings pinned by the checkpoint.
    #[serde(default)]
    pub conf: BTreeMap<String, String>,
}

/// An `offsets/N` file: the batch metadata and one offset per source (`None` = `-`).
#[derive(Debug, Clone, PartialEq)]
pub struct OffsetSeq {
    /// Watermark, timestamp and pinned settings.
    pub metadata: OffsetSeqMetadata,
    /// End offset of each source, in plan order.
    pub offsets: Vec<Option<Offset>>,
}

impl LogEntry for OffsetSeq {
    fn to_lines(&self) -> Result<Vec<String>> {
        let mut lines = vec![serde_json::to_string(&self.metadata)
            .map_err(|e| Error::IllegalArgument(e.to_string()))?];
        for offset in &self.offsets {
            lines.push(match offset {
                Some(offset) => offset.to_string(),
                None => "-".to_string(),
            });
        }
        Ok(lines)
    }

    fn from_lines(lines: &[&str]) -> std::result::Result<Self, String> {
        let (first, rest) = lines.split_first().ok_or("missing the metadata line")?;
        let metadata =
            serde_json::from_str(first).map_err(|e| format!("bad metadata line: {e}"))?;
        let offsets = rest
            .iter()
            .map(|line| match *line {
                "-" => Ok(None),
                json => serde_json::from_str(json)
                    .map(Some)
                    .map_err(|e| format!("bad offset line {json:?}: {e}")),
            })
            .collect::<std::result::Result<_, _>>()?;
        Ok(OffsetSeq { metadata, offsets })
    }
}

/// A `commits/N` file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CommitMetadata {
    /// The watermark the next batch will use, ms.
    pub next_batch_watermark_ms: i64,
}

impl LogEntry for CommitMetadata {
    fn to_lines(&self) -> Result<Vec<String>> {
        Ok(vec![
            serde_json::to_string(self).map_err(|e| Error::IllegalArgument(e.to_string()))?
        ])
    }

    fn from_lines(lines: &[&str]) -> std::result::Result<Self, String> {
        let line = lines.first().ok_or("missing the commit line")?;
        serde_json::from_str(line).map_err(|e| format!("bad commit line: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn offsets_file_has_sparks_layout() {
        let dir = tempfile::tempdir().unwrap();
        let log = BatchLog::<OffsetSeq>::new(dir.path().join("offsets"));
        let entry = OffsetSeq {
            metadata: OffsetSeqMetadata {
                batch_watermark_ms: 0,
                batch_timestamp_ms: 1795633228354,
                conf: BTreeMap::from([("spark.sql.shuffle.partitions".into(), "2".into())]),
            },
            offsets: vec![Some(json!({"logOffset": 0})), None],
        };
        log.add(0, &entry).unwrap();
        let text = std::fs::read_to_string(log.path(0)).unwrap();
        assert_eq!(
            text,
            "v1\n{\"batchWatermarkMs\":0,\"batchTimestampMs\":1795633228354,\"conf\":{\"spark.sql.shuffle.partitions\":\"2\"}}\n{\"logOffset\":0}\n-"
        );
        assert_eq!(log.get(0).unwrap(), Some(entry));
        assert_eq!(log.latest().unwrap().map(|(id, _)| id), Some(0));
    }

    #[test]
    fn only_canonical_long_batch_ids_are_entries() {
        let dir = tempfile::tempdir().unwrap();
        let log = BatchLog::<CommitMetadata>::new(dir.path().join("commits"));
        let entry = CommitMetadata {
            next_batch_watermark_ms: 0,
        };
        log.add(7, &entry).unwrap();
        for stray in [
            "08",
            "+8",
            "18446744073709551615",
            "9223372036854775808",
            "x",
        ] {
            std::fs::write(dir.path().join("commits").join(stray), "v1\n{}").unwrap();
        }
        assert_eq!(log.batch_ids().unwrap(), [7]);
        assert_eq!(log.latest().unwrap().map(|(id, _)| id), Some(7));
    }

    #[test]
    fn commit_file_round_trips_and_purges() {
        let dir = tempfile::tempdir().unwrap();
        let log = BatchLog::<CommitMetadata>::new(dir.path().join("commits"));
        for id in 0..5 {
            log.add(
                id,
                &CommitMetadata {
                    next_batch_watermark_ms: id as i64,
                },
            )
            .unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(log.path(4)).unwrap(),
            "v1\n{\"nextBatchWatermarkMs\":4}"
        );
        log.purge_before(3).unwrap();
        assert_eq!(log.batch_ids().unwrap(), vec![3, 4]);
        // Later purges delete what the threshold passed, without listing.
        log.add(
            5,
            &CommitMetadata {
                next_batch_watermark_ms: 5,
            },
        )
        .unwrap();
        log.purge_before(5).unwrap();
        assert_eq!(log.batch_ids().unwrap(), vec![5]);
        log.purge_before(2).unwrap();
        assert_eq!(log.batch_ids().unwrap(), vec![5]);
    }

    #[test]
    fn truncated_entry_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let log = BatchLog::<OffsetSeq>::new(dir.path().to_path_buf());
        std::fs::write(log.path(7), "v1\n{\"batchWatermarkMs\":0,").unwrap();
        let err = log.get(7).unwrap_err().to_string();
        assert!(
            err.contains("/7") && err.contains("bad metadata line"),
            "{err}"
        );
    }
}
