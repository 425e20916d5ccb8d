//! The checkpoint directory: `metadata`, the `offsets/` write-ahead log and the `commits/`
//! log, in Spark's layout and JSON formats (SEMANTICS.md §1.3, §11), and the operators'
//! state snapshots under `state/`.

mod atomic;
mod log;
mod state;

pub use atomic::{write_atomically, write_atomically_with, Durability};
pub use log::{BatchLog, CommitMetadata, OffsetSeq, OffsetSeqMetadata};
pub use state::StateStore;

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The settings the checkpoint at `root` pinned: those of its latest offset log entry,
/// none for a new checkpoint. A restarted query runs with them (SEMANTICS.md §1.3).
pub fn pinned_conf(root: &Path) -> Result<BTreeMap<String, String>> {
    let offsets: BatchLog<OffsetSeq> = BatchLog::new(root.join("offsets"));
    Ok(offsets
        .latest()?
        .map(|(_, entry)| entry.metadata.conf)
        .unwrap_or_default())
}

/// The `metadata` file: the query id that survives restarts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StreamMetadata {
    /// The query id (a UUID).
    pub id: String,
}

/// A query's checkpoint directory.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    root: PathBuf,
    /// `offsets/N`: written before epoch N moves any data.
    pub offsets: BatchLog<OffsetSeq>,
    /// `commits/N`: written once epoch N is fully committed.
    pub commits: BatchLog<CommitMetadata>,
}

impl Checkpoint {
    /// Opens `root`, creating it and its `metadata` (with a fresh query id) when new; its
    /// files are written as `durability` says.
    pub fn open(root: &Path, durability: Durability) -> Result<(Self, StreamMetadata)> {
        std::fs::create_dir_all(root).map_err(|e| Error::io("creating", root, e))?;
        let metadata_path = root.join("metadata");
        let offsets = BatchLog::new(root.join("offsets")).with_durability(durability);
        let commits = BatchLog::new(root.join("commits")).with_durability(durability);
        if !metadata_path.exists()
            && (!offsets.batch_ids()?.is_empty() || !commits.batch_ids()?.is_empty())
        {
            // Spark 4.2+ refuses to start anew on logs of a query whose id is lost.
            let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
            return Err(Error::Execution(
                format!(
                    "[STREAMING_CHECKPOINT_MISSING_METADATA_FILE] Checkpoint location file:{} is in an inconsistent state: the metadata file is missing but offset and/or commit logs contain data. Please restore the metadata file or create a new checkpoint directory. SQLSTATE: 42K03",
                    root.display()
                )
                .into(),
            ));
        }
        let metadata = if metadata_path.exists() {
            let text = std::fs::read_to_string(&metadata_path)
                .map_err(|e| Error::io("reading", &metadata_path, e))?;
            let first_line = text.lines().next().unwrap_or_default();
            serde_json::from_str(first_line).map_err(|e| Error::Checkpoint {
                path: metadata_path.clone(),
                reason: format!("not a valid metadata file: {e}"),
            })?
        } else {
            let metadata = StreamMetadata {
                id: uuid::Uuid::new_v4().to_string(),
            };
            let json = serde_json::to_string(&metadata).map_err(|e| Error::Checkpoint {
                path: metadata_path.clone(),
                reason: e.to_string(),
            })?;
            write_atomically(&metadata_path, json.as_bytes(), false, durability)?;
            metadata
        };
        let checkpoint = Checkpoint {
            root: root.to_path_buf(),
            offsets,
            commits,
        };
        Ok((checkpoint, metadata))
    }

    /// The checkpoint's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `sources/<index>`: a source's own bookkeeping.
    pub fn source_dir(&self, index: usize) -> PathBuf {
        self.root.join("sources").join(index.to_string())
    }

    /// Deletes log entries older than the newest `retain` batches
    /// (`spark.sql.streaming.minBatchesToRetain`).
    pub fn purge(&self, latest_batch: u64, retain: u64) -> Result<()> {
        if let Some(threshold) = (latest_batch + 1).checked_sub(retain.max(1)) {
            self.offsets.purge_before(threshold)?;
            self.commits.purge_before(threshold)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_id_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let (_, first) = Checkpoint::open(dir.path(), Durability::Synced).unwrap();
        let (_, second) = Checkpoint::open(dir.path(), Durability::Synced).unwrap();
        assert_eq!(first, second);
        let text = std::fs::read_to_string(dir.path().join("metadata")).unwrap();
        assert_eq!(text, format!("{{\"id\":\"{}\"}}", first.id));
    }

    #[test]
    fn a_missing_metadata_file_beside_logs_is_refused_as_in_spark() {
        let dir = tempfile::tempdir().unwrap();
        let (checkpoint, _) = Checkpoint::open(dir.path(), Durability::Renamed).unwrap();
        let commit = CommitMetadata {
            next_batch_watermark_ms: 0,
        };
        checkpoint.commits.add(0, &commit).unwrap();
        std::fs::remove_file(dir.path().join("metadata")).unwrap();
        let error = Checkpoint::open(dir.path(), Durability::Renamed)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "[STREAMING_CHECKPOINT_MISSING_METADATA_FILE] Checkpoint location file:/"
            ) && error.contains(
                "the metadata file is missing but offset and/or commit logs contain data"
            ),
            "{error}"
        );
    }

    #[test]
    fn corrupt_metadata_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("metadata"), "{\"id\":").unwrap();
        let err = Checkpoint::open(dir.path(), Durability::Synced).unwrap_err();
        assert!(
            matches!(err, Error::Checkpoint { ref path, .. } if path.ends_with("metadata")),
            "{err}"
        );
    }
}
