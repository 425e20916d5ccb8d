//! `state/<operator>/0/<N>.snapshot`: a stateful operator's state after epoch `N`, as an
//! Arrow IPC file written atomically.

use super::atomic::write_atomically;
use crate::error::{Error, Result};
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;
use arrow::record_batch::RecordBatch;
use std::path::{Path, PathBuf};

/// One operator's state snapshots.
#[derive(Debug, Clone)]
pub struct StateStore {
    dir: PathBuf,
}

impl StateStore {
    /// The store of operator `operator` (its index in the topology) under `checkpoint`.
    pub fn new(checkpoint: &Path, operator: usize) -> Self {
        StateStore {
            dir: checkpoint
                .join("state")
                .join(operator.to_string())
                .join("0"),
        }
    }

    /// The file of epoch `epoch`'s snapshot.
    pub fn path(&self, epoch: u64) -> PathBuf {
        self.dir.join(format!("{epoch}.snapshot"))
    }

    /// Writes the state after `epoch` (replacing a snapshot of a re-run epoch); returns the
    /// bytes written.
    pub fn write(&self, epoch: u64, state: &[RecordBatch]) -> Result<usize> {
        let path = self.path(epoch);
        let schema = state
            .first()
            .map(|b| b.schema())
            .ok_or_else(|| Error::Checkpoint {
                path: path.clone(),
                reason: "a state snapshot needs at least one (possibly empty) batch".into(),
            })?;
        let mut bytes = Vec::new();
        let mut writer = FileWriter::try_new(&mut bytes, &schema)?;
        for batch in state {
            writer.write(batch)?;
        }
        writer.finish()?;
        drop(writer);
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io("creating", &self.dir, e))?;
        write_atomically(&path, &bytes, true)?;
        Ok(bytes.len())
    }

    /// The state after `epoch`, `None` when no snapshot of that epoch exists.
    pub fn read(&self, epoch: u64) -> Result<Option<Vec<RecordBatch>>> {
        let path = self.path(epoch);
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("reading", &path, e)),
        };
        let corrupt = |e: arrow::error::ArrowError| Error::Checkpoint {
            path: path.clone(),
            reason: format!("not a readable state snapshot: {e}"),
        };
        let reader = FileReader::try_new(std::io::BufReader::new(file), None).map_err(corrupt)?;
        let batches = reader
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(corrupt)?;
        Ok(Some(batches))
    }

    /// Deletes snapshots of epochs before `threshold`.
    pub fn purge_before(&self, threshold: u64) -> Result<()> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io("listing", &self.dir, e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let epoch = name
                .to_str()
                .and_then(|n| n.strip_suffix(".snapshot"))
                .and_then(|n| n.parse::<u64>().ok());
            if epoch.is_some_and(|e| e < threshold) {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| Error::io("deleting", &path, e))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;

    #[test]
    fn snapshots_round_trip_and_purge() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path(), 3);
        assert_eq!(store.read(0).unwrap(), None);
        store.write(0, &[values(&[1, 2])]).unwrap();
        store.write(1, &[values(&[3]), values(&[])]).unwrap();
        assert!(store.path(1).ends_with("state/3/0/1.snapshot"));
        let state = store.read(1).unwrap().unwrap();
        assert_eq!(state.len(), 2);
        assert_eq!(crate::testing::values_of(&state[0]), [3]);
        store.purge_before(1).unwrap();
        assert_eq!(store.read(0).unwrap(), None);
        std::fs::write(store.path(1), b"garbage").unwrap();
        let error = store.read(1).unwrap_err();
        assert!(matches!(error, Error::Checkpoint { .. }), "{error}");
    }
}
