//! `state/<operator>/0/`: a stateful operator's checkpoints, `<N>.delta` (what epoch `N`
//! changed) and, now and then, `<N>.snapshot` (the whole state after epoch `N`), each
//! written atomically. A file is a sequence of Arrow IPC files, one per batch (batches may
//! have different schemas, e.g. a join's two inputs), each preceded by its length as a
//! little-endian `u64`. The state after epoch `N` is the latest snapshot at or before `N`
//! plus the deltas after it (every delta from batch 0, before the first snapshot), so a
//! checkpoint costs what changed (Spark's `.snapshot`/`.delta`).

use super::atomic::{write_atomically_with, Durability};
use crate::error::{Error, Result};
use crate::operator::StateCheckpoint;
use arrow::compute::concat_batches;
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

/// One operator's checkpoints.
#[derive(Debug, Clone)]
pub struct StateStore {
    dir: PathBuf,
    durability: Durability,
}

/// The two kinds of checkpoint files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Snapshot,
    Delta,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Snapshot => "snapshot",
            Kind::Delta => "delta",
        }
    }
}

impl StateStore {
    /// The store of operator `operator` (its index in the topology) under `checkpoint`.
    pub fn new(checkpoint: &Path, operator: usize) -> Self {
        StateStore {
            dir: checkpoint
                .join("state")
                .join(operator.to_string())
                .join("0"),
            durability: Durability::default(),
        }
    }

    /// The store with its files written as `durability` says.
    pub fn with_durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    fn file(&self, epoch: u64, kind: Kind) -> PathBuf {
        self.dir.join(format!("{epoch}.{}", kind.extension()))
    }

    /// The snapshot file of epoch `epoch`.
    pub fn path(&self, epoch: u64) -> PathBuf {
        self.file(epoch, Kind::Snapshot)
    }

    /// Writes epoch `epoch`'s checkpoint (replacing one of a re-run epoch, and the file of
    /// the other kind that attempt left); returns the bytes written.
    pub fn write(&self, epoch: u64, checkpoint: &StateCheckpoint) -> Result<usize> {
        let (kind, batches) = match checkpoint {
            StateCheckpoint::Full(b) => (Kind::Snapshot, b),
            StateCheckpoint::Delta(b) => (Kind::Delta, b),
        };
        // A checkpoint of the other kind left by an earlier attempt of this epoch must not
        // be read back instead of this one.
        let other = match kind {
            Kind::Snapshot => Kind::Delta,
            Kind::Delta => Kind::Snapshot,
        };
        remove_if_present(&self.file(epoch, other))?;
        self.write_file(epoch, kind, batches, true)
    }

    /// [`StateStore::add_snapshot`] on a thread of its own, after this store's snapshot
    /// before it (at most one per store is in flight). A snapshot that fails to be written
    /// is only logged: the deltas keep the state restorable.
    pub fn add_snapshot_in_background(&self, epoch: u64, batches: Vec<RecordBatch>) {
        self.wait_for_snapshot();
        let store = self.clone();
        let write = move || {
            if let Err(error) = store.add_snapshot(epoch, &batches) {
                tracing::warn!(epoch, %error, "a state snapshot was not written");
            }
        };
        let spawned = std::thread::Builder::new()
            .name("spate-snapshot".into())
            .spawn(write.clone());
        match spawned {
            Ok(writer) => {
                snapshot_writers().insert(self.dir.clone(), writer);
            }
            Err(_) => write(),
        }
    }

    /// Waits for this store's snapshot being written in the background, if any (by any run
    /// of this process: a restore must not see an earlier run's snapshot land after it).
    pub fn wait_for_snapshot(&self) {
        let writer = snapshot_writers().remove(&self.dir);
        if writer.is_some_and(|writer| writer.join().is_err()) {
            tracing::warn!(dir = %self.dir.display(), "the thread writing a state snapshot panicked");
        }
    }

    /// Waits for every snapshot being written in the background under `checkpoint` (before
    /// a temporary checkpoint is deleted).
    pub fn wait_for_snapshots_under(checkpoint: &Path) {
        let writers: Vec<JoinHandle<()>> = {
            let mut all = snapshot_writers();
            let dirs: Vec<PathBuf> = all
                .keys()
                .filter(|dir| dir.starts_with(checkpoint))
                .cloned()
                .collect();
            dirs.iter().filter_map(|dir| all.remove(dir)).collect()
        };
        for writer in writers {
            if writer.join().is_err() {
                tracing::warn!("the thread writing a state snapshot panicked");
            }
        }
    }

    /// Writes a snapshot of the state after epoch `epoch` next to that epoch's delta, so
    /// that a restart starts from it; returns the bytes written, none when the delta is gone
    /// (the checkpoint was deleted since).
    pub fn add_snapshot(&self, epoch: u64, batches: &[RecordBatch]) -> Result<usize> {
        if !self.file(epoch, Kind::Delta).exists() {
            return Ok(0);
        }
        // Never brings back a directory deleted meanwhile (a temporary checkpoint, at stop).
        self.write_file(epoch, Kind::Snapshot, batches, false)
    }

    /// Writes the file of `epoch` and `kind`, creating the directory if `create_dir`.
    fn write_file(
        &self,
        epoch: u64,
        kind: Kind,
        batches: &[RecordBatch],
        create_dir: bool,
    ) -> Result<usize> {
        let path = self.file(epoch, kind);
        if batches.is_empty() {
            return Err(Error::Checkpoint {
                path,
                reason: "a state checkpoint needs at least one (possibly empty) batch".into(),
            });
        }
        let mut written = 0;
        write_atomically_with(&path, true, self.durability, create_dir, |file| {
            // A batch given in pieces goes in as one.
            for pieces in StateCheckpoint::grouped(batches).map_err(std::io::Error::other)? {
                write_framed(file, pieces)?;
            }
            written = file.stream_position()?;
            Ok(())
        })?;
        Ok(written as usize)
    }

    /// The epochs that have a checkpoint file of each kind.
    fn epochs(&self) -> Result<Vec<(u64, Kind)>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("listing", &self.dir, e)),
        };
        let mut epochs = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some((epoch, extension)) = name.to_str().and_then(|n| n.split_once('.')) else {
                continue;
            };
            let kind = match extension {
                "snapshot" => Kind::Snapshot,
                "delta" => Kind::Delta,
                _ => continue,
            };
            if let Ok(epoch) = epoch.parse() {
                epochs.push((epoch, kind));
            }
        }
        epochs.sort_by_key(|(epoch, _)| *epoch);
        Ok(epochs)
    }

    /// The checkpoints that rebuild the state after `epoch`: the latest snapshot at or before
    /// it, then every delta after that; before the first snapshot, every delta from batch 0.
    /// `None` when the operator has no checkpoint at all.
    pub fn load(&self, epoch: u64) -> Result<Option<Vec<StateCheckpoint>>> {
        self.wait_for_snapshot();
        self.remove_unfinished_writes();
        let files = self.epochs()?;
        if files.is_empty() {
            return Ok(None);
        }
        let base = files
            .iter()
            .filter(|(e, k)| *e <= epoch && *k == Kind::Snapshot)
            .map(|(e, _)| *e)
            .max();
        let (mut chain, deltas) = match base {
            Some(base) => (
                vec![StateCheckpoint::Full(self.read(base, Kind::Snapshot)?)],
                base + 1..=epoch,
            ),
            // Before the first snapshot, the deltas of every batch from the query's first.
            None => (Vec::new(), 0..=epoch),
        };
        for e in deltas {
            if !files.contains(&(e, Kind::Delta)) {
                return Err(Error::Checkpoint {
                    path: self.file(e, Kind::Delta),
                    reason: format!("the state delta of batch {e} is missing"),
                });
            }
            chain.push(StateCheckpoint::Delta(self.read(e, Kind::Delta)?));
        }
        Ok(Some(chain))
    }

    /// Deletes the temporary files of writes a killed process never finished (a snapshot
    /// as large as the state, most often). Nothing else writes here while a run restores:
    /// this process's snapshot of the store has finished, and a checkpoint has one query.
    fn remove_unfinished_writes(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".tmp") {
                if let Err(error) = std::fs::remove_file(entry.path()) {
                    tracing::warn!(file = %entry.path().display(), %error, "an unfinished state write was not removed");
                }
            }
        }
    }

    fn read(&self, epoch: u64, kind: Kind) -> Result<Vec<RecordBatch>> {
        let path = self.file(epoch, kind);
        let bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
        let corrupt = |reason: String| Error::Checkpoint {
            path: path.clone(),
            reason: format!("not a readable state checkpoint: {reason}"),
        };
        let mut batches = Vec::new();
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let (length, tail) = rest
                .split_first_chunk::<8>()
                .ok_or_else(|| corrupt("truncated batch length".into()))?;
            let length = usize::try_from(u64::from_le_bytes(*length))
                .ok()
                .filter(|&l| l <= tail.len())
                .ok_or_else(|| corrupt("truncated batch".into()))?;
            let (one, tail) = tail.split_at(length);
            let reader = FileReader::try_new(std::io::Cursor::new(one), None)
                .map_err(|e| corrupt(e.to_string()))?;
            let schema = reader.schema();
            let slices = reader
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| corrupt(e.to_string()))?;
            batches.push(match slices.as_slice() {
                [one] => one.clone(),
                _ => concat_batches(&schema, &slices).map_err(|e| corrupt(e.to_string()))?,
            });
            rest = tail;
        }
        if batches.is_empty() {
            return Err(corrupt("no batches".into()));
        }
        Ok(batches)
    }

    /// Deletes what is no longer needed to rebuild the state of any batch from `threshold`
    /// on: everything before the latest snapshot at or before `threshold`.
    pub fn purge_before(&self, threshold: u64) -> Result<()> {
        let files = self.epochs()?;
        let Some(base) = files
            .iter()
            .filter(|(e, k)| *e <= threshold && *k == Kind::Snapshot)
            .map(|(e, _)| *e)
            .max()
        else {
            return Ok(());
        };
        for (epoch, kind) in files.into_iter().filter(|(e, _)| *e < base) {
            remove_if_present(&self.file(epoch, kind))?;
        }
        Ok(())
    }
}

/// Rows of a state batch encoded at a time: the IPC writer encodes a whole record batch
/// in memory before writing it, so a large state is written in slices of this many rows.
const SLICE_ROWS: usize = 64 * 1024;

/// Appends one batch, given as `pieces` (its last piece's schema is the batch's), to
/// `file` as one Arrow IPC file preceded by its length (little-endian `u64`), streamed:
/// the length is patched in once the IPC file is written. The batch goes in as record
/// batches of at most [`SLICE_ROWS`] rows, so writing it takes memory for a slice, not
/// for the whole state; [`StateStore::read`] puts them back together.
fn write_framed(file: &mut File, pieces: &[RecordBatch]) -> std::io::Result<()> {
    let Some(last) = pieces.last() else {
        return Ok(());
    };
    let schema = last.schema();
    let start = file.stream_position()?;
    file.write_all(&0u64.to_le_bytes())?;
    let mut out = BufWriter::new(&mut *file);
    let mut writer = FileWriter::try_new(&mut out, &schema).map_err(std::io::Error::other)?;
    // An empty batch is written too: one record batch of no rows.
    let empty = pieces.iter().all(|piece| piece.num_rows() == 0);
    for piece in pieces.iter().filter(|piece| empty || piece.num_rows() > 0) {
        // The piece's columns under the batch's schema (a continued piece's is marked).
        let options = RecordBatchOptions::new().with_row_count(Some(piece.num_rows()));
        let piece =
            RecordBatch::try_new_with_options(schema.clone(), piece.columns().to_vec(), &options)
                .map_err(std::io::Error::other)?;
        for offset in (0..piece.num_rows().max(1)).step_by(SLICE_ROWS) {
            let rows = SLICE_ROWS.min(piece.num_rows() - offset);
            writer
                .write(&piece.slice(offset, rows))
                .map_err(std::io::Error::other)?;
        }
        if empty {
            break;
        }
    }
    writer.finish().map_err(std::io::Error::other)?;
    drop(writer);
    out.flush()?;
    drop(out);
    let end = file.stream_position()?;
    file.seek(SeekFrom::Start(start))?;
    file.write_all(&(end - start - 8).to_le_bytes())?;
    file.seek(SeekFrom::Start(end))?;
    Ok(())
}

/// The snapshots being written in the background in this process, by store directory.
fn snapshot_writers() -> MutexGuard<'static, HashMap<PathBuf, JoinHandle<()>>> {
    static WRITERS: OnceLock<Mutex<HashMap<PathBuf, JoinHandle<()>>>> = OnceLock::new();
    WRITERS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("deleting", path, e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{values, values_of};

    fn full(v: &[i64]) -> StateCheckpoint {
        StateCheckpoint::Full(vec![values(v)])
    }

    fn delta(v: &[i64]) -> StateCheckpoint {
        StateCheckpoint::Delta(vec![values(v)])
    }

    #[test]
    fn the_state_of_a_batch_is_its_snapshot_plus_the_deltas_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path(), 3);
        assert_eq!(store.load(0).unwrap(), None);
        store.write(0, &full(&[1, 2])).unwrap();
        store.write(1, &delta(&[3])).unwrap();
        store.write(2, &delta(&[4])).unwrap();
        store.write(3, &full(&[1, 2, 3, 4])).unwrap();
        assert!(store.path(3).ends_with("state/3/0/3.snapshot"));
        let chain = store.load(2).unwrap().unwrap();
        assert_eq!(chain, vec![full(&[1, 2]), delta(&[3]), delta(&[4])]);
        assert_eq!(store.load(3).unwrap().unwrap(), vec![full(&[1, 2, 3, 4])]);
        // Batch 2 must stay restorable: nothing before snapshot 0 goes.
        store.purge_before(2).unwrap();
        assert!(store.load(2).is_ok());
        store.purge_before(3).unwrap();
        assert!(store.load(2).is_err());
        // A re-run epoch replaces its checkpoint, whatever the kind.
        store.write(3, &delta(&[9])).unwrap();
        assert!(
            store.load(3).is_err(),
            "snapshot 3 replaced by a delta without a base"
        );
    }

    #[test]
    fn a_snapshot_beside_its_delta_is_where_a_restore_starts() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path(), 0);
        store.write(0, &delta(&[1])).unwrap();
        store.write(1, &delta(&[2])).unwrap();
        // Before any snapshot, the deltas from batch 0.
        assert_eq!(
            store.load(1).unwrap().unwrap(),
            vec![delta(&[1]), delta(&[2])]
        );
        store.add_snapshot(1, &[values(&[1, 2])]).unwrap();
        store.write(2, &delta(&[3])).unwrap();
        assert_eq!(
            store.load(2).unwrap().unwrap(),
            vec![full(&[1, 2]), delta(&[3])]
        );
        assert_eq!(store.load(0).unwrap().unwrap(), vec![delta(&[1])]);
        // A re-run of batch 1 drops the snapshot its earlier attempt wrote.
        store.write(1, &delta(&[2])).unwrap();
        assert_eq!(
            store.load(2).unwrap().unwrap(),
            vec![delta(&[1]), delta(&[2]), delta(&[3])]
        );
        // A restore removes what a killed process left half-written.
        let unfinished = store.path(2).with_file_name(".2.snapshot.0f3c.tmp");
        std::fs::write(&unfinished, b"half a snapshot").unwrap();
        assert_eq!(store.load(2).unwrap().unwrap().len(), 3);
        assert!(!unfinished.exists());
        // No snapshot without its delta: the checkpoint was deleted meanwhile.
        assert_eq!(store.add_snapshot(7, &[values(&[1])]).unwrap(), 0);
        assert!(!store.path(7).exists());
    }

    #[test]
    fn a_checkpoint_waits_for_its_background_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path(), 5);
        store.write(0, &delta(&[1, 2])).unwrap();
        store.add_snapshot_in_background(0, vec![values(&[1, 2])]);
        StateStore::wait_for_snapshots_under(dir.path());
        assert!(
            store.path(0).exists(),
            "the snapshot is written once waited for"
        );
        assert!(!snapshot_writers().contains_key(&store.dir));
    }

    #[test]
    fn batches_of_different_schemas_round_trip() {
        use arrow::array::StringArray;
        use arrow::datatypes::{DataType, Field, Schema};
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path(), 1);
        let words = RecordBatch::try_new(
            std::sync::Arc::new(Schema::new(vec![Field::new("w", DataType::Utf8, true)])),
            vec![std::sync::Arc::new(StringArray::from(vec!["a", "bc"]))],
        )
        .unwrap();
        let both = StateCheckpoint::Full(vec![values(&[7]), words]);
        store.write(0, &both).unwrap();
        assert_eq!(store.load(0).unwrap().unwrap(), vec![both]);
    }

    #[test]
    fn a_batch_given_in_pieces_is_written_and_read_back_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path(), 3);
        let mut batches =
            StateCheckpoint::in_pieces(vec![values(&[1, 2]), values(&[]), values(&[3])]).unwrap();
        let marked: Vec<bool> = batches.iter().map(StateCheckpoint::is_continued).collect();
        assert_eq!(marked, [true, true, false]);
        batches.push(values(&[9]));
        let whole = vec![values(&[1, 2, 3]), values(&[9])];
        assert_eq!(StateCheckpoint::joined(batches.clone()).unwrap(), whole);
        store
            .write(0, &StateCheckpoint::Delta(batches.clone()))
            .unwrap();
        let loaded = store.load(0).unwrap().unwrap();
        assert_eq!(loaded, vec![StateCheckpoint::Delta(whole)]);
        // Pieces of no rows at all are one empty batch.
        let empty = StateCheckpoint::in_pieces(vec![values(&[]), values(&[])]).unwrap();
        store.write(1, &StateCheckpoint::Delta(empty)).unwrap();
        let loaded = store.load(1).unwrap().unwrap();
        assert_eq!(loaded[1], StateCheckpoint::Delta(vec![values(&[])]));
        // No pieces at all, or a checkpoint that ends inside a batch given in pieces, is
        // refused.
        assert!(StateCheckpoint::in_pieces(Vec::new()).is_err());
        batches.pop();
        batches.pop();
        assert!(StateCheckpoint::joined(batches.clone()).is_err());
        assert!(store.write(2, &StateCheckpoint::Delta(batches)).is_err());
    }

    #[test]
    fn a_large_batch_is_written_in_slices_and_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path(), 2);
        let many: Vec<i64> = (0..(2 * SLICE_ROWS + 5) as i64).collect();
        let both = StateCheckpoint::Delta(vec![values(&many), values(&[7]), values(&[])]);
        store.write(0, &both).unwrap();
        assert_eq!(store.load(0).unwrap().unwrap(), vec![both]);
        // The first IPC file holds three record batches.
        let bytes = std::fs::read(dir.path().join("state/2/0/0.delta")).unwrap();
        let length = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let reader =
            FileReader::try_new(std::io::Cursor::new(&bytes[8..8 + length]), None).unwrap();
        let rows: Vec<usize> = reader.map(|b| b.unwrap().num_rows()).collect();
        assert_eq!(rows, [SLICE_ROWS, SLICE_ROWS, 5]);
    }

    #[test]
    fn missing_and_corrupt_files_are_typed_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path(), 0);
        store.write(0, &full(&[1])).unwrap();
        store.write(2, &delta(&[2])).unwrap();
        let error = store.load(2).unwrap_err();
        assert!(
            matches!(&error, Error::Checkpoint { path, .. } if path.ends_with("1.delta")),
            "{error}"
        );
        std::fs::write(store.path(0), b"garbage").unwrap();
        let error = store.load(0).unwrap_err();
        assert!(
            matches!(&error, Error::Checkpoint { path, .. } if path.ends_with("0.snapshot")),
            "{error}"
        );
        assert_eq!(values_of(&values(&[5])), [5]);
    }
}
