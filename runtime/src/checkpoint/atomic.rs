//! Atomic file writes: a crash leaves the old file or the new one, never half of one.

use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// How checkpoint and log files reach the disk (`spate.checkpoint.fsync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Each file, and the directory it is renamed into, is fsynced before the write counts:
    /// a written file survives a power loss. Each write costs ten times as much.
    Synced,
    /// Written and renamed into place without fsync, as Spark's checkpoint file manager
    /// does on a local disk: a written file survives a crash of the process (the kernel
    /// keeps it), not of the machine. The default, as Spark's.
    #[default]
    Renamed,
}

impl Durability {
    /// Fsyncs `file` (which `path` names) when synced.
    pub fn sync_file(self, file: &File, path: &Path) -> Result<()> {
        match self {
            Durability::Synced => file.sync_all().map_err(|e| Error::io("syncing", path, e)),
            Durability::Renamed => Ok(()),
        }
    }

    /// Fsyncs directory `dir`, so that a rename inside it survives a crash, when synced.
    pub fn sync_dir(self, dir: &Path) -> Result<()> {
        match self {
            Durability::Synced => File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| Error::io("syncing", dir, e)),
            Durability::Renamed => Ok(()),
        }
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename (fsyncing both as
/// `durability` says). With `overwrite == false` an existing `path` is an error (a
/// concurrent writer).
pub fn write_atomically(
    path: &Path,
    bytes: &[u8],
    overwrite: bool,
    durability: Durability,
) -> Result<()> {
    write_atomically_with(path, overwrite, durability, true, |file| {
        file.write_all(bytes)
    })
}

/// [`write_atomically`] for content that `write` streams into the temporary file, so that
/// a large file is never held in memory whole; the directory is created when missing only
/// if `create_dir` (else that is an error: the file's checkpoint was deleted).
pub fn write_atomically_with(
    path: &Path,
    overwrite: bool,
    durability: Durability,
    create_dir: bool,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<()> {
    let dir = path.parent().ok_or_else(|| {
        Error::IllegalArgument(format!("{} has no parent directory", path.display()))
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.tmp", uuid::Uuid::new_v4()));
    let create = || OpenOptions::new().write(true).create_new(true).open(&temp);
    // The directory exists on every write but a log's first: create it only then.
    let mut file = create().or_else(|e| match e.kind() {
        std::io::ErrorKind::NotFound if create_dir => {
            fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
            create().map_err(|e| Error::io("creating", &temp, e))
        }
        _ => Err(Error::io("creating", &temp, e)),
    })?;
    let result = (|| {
        write(&mut file).map_err(|e| Error::io("writing", &temp, e))?;
        durability.sync_file(&file, &temp)?;
        if overwrite {
            fs::rename(&temp, path).map_err(|e| Error::io("renaming into", path, e))?;
        } else {
            // A hard link fails if `path` exists, so two writers cannot both publish it.
            fs::hard_link(&temp, path).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => already_exists(path),
                _ => Error::io("linking into", path, e),
            })?;
            fs::remove_file(&temp).map_err(|e| Error::io("removing", &temp, e))?;
        }
        durability.sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

fn already_exists(path: &Path) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        reason: "already exists: another query may be writing to this checkpoint".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_refuses_to_overwrite() {
        for durability in [Durability::Synced, Durability::Renamed] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("logs/0");
            write_atomically(&path, b"v1", false, durability).unwrap();
            assert_eq!(fs::read(&path).unwrap(), b"v1");
            let err = write_atomically(&path, b"v2", false, durability).unwrap_err();
            assert!(matches!(err, Error::Checkpoint { .. }), "{err}");
            write_atomically(&path, b"v2", true, durability).unwrap();
            assert_eq!(fs::read(&path).unwrap(), b"v2");
            let leftovers: Vec<_> = fs::read_dir(dir.path().join("logs")).unwrap().collect();
            assert_eq!(
                leftovers.len(),
                1,
                "{durability:?}: no temporary file is left behind"
            );
        }
    }
}
