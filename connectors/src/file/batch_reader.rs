//! Reading one batch's files: a large file is decoded alone, its lines split among the
//! decoding threads; small files are decoded several at a time, one per thread, as Spark
//! packs small files into one partition per task. Either way the rows come out in file
//! order.

use super::format::{DecodeError, DecodeOptions, FileDecoder, FileFormat};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use rayon::prelude::*;
use spate_runtime::source::{BatchMap, BatchReader};
use spate_runtime::{Error, Result};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file smaller than this is decoded side by side with the small files next to it.
const SMALL_FILE_BYTES: u64 = 1 << 20;
/// At most this many bytes of small files are decoded at once.
const SMALL_FILES_AT_ONCE_BYTES: u64 = 16 << 20;
/// At most this many small files are decoded at once (empty ones take no bytes).
const SMALL_FILES_AT_ONCE: usize = 256;

/// How the files are decoded: the same for each of them.
struct Decoding {
    format: FileFormat,
    schema: SchemaRef,
    options: Arc<DecodeOptions>,
    /// The stateless map fused into decoding.
    map: Option<BatchMap>,
    /// The source, for error messages.
    context: String,
}

impl Decoding {
    fn decoder(&self, path: &Path) -> FileDecoder {
        let decoder = FileDecoder::new(self.format, path, &self.schema, &self.options);
        match &self.map {
            Some(map) => decoder.with_map(map.clone()),
            None => decoder,
        }
    }

    fn error(&self, error: DecodeError) -> Error {
        match error {
            DecodeError::Io { path, source } => Error::io("reading", path, source),
            DecodeError::Map(error) => error,
            other => Error::component(self.context.clone(), other),
        }
    }

    /// Every batch of the file at `path`, and the rows read.
    fn whole_file(&self, path: &Path) -> Result<(Vec<RecordBatch>, usize)> {
        let mut decoder = self.decoder(path);
        let mut batches = Vec::new();
        while let Some(batch) = decoder.next_batch().map_err(|e| self.error(e))? {
            batches.push(batch);
        }
        Ok((batches, decoder.take_read_rows()))
    }
}

/// Reads the files of one batch, in the order given.
pub(crate) struct FileBatchReader {
    decoding: Decoding,
    /// Files not started yet, with their sizes.
    files: VecDeque<(PathBuf, u64)>,
    /// The large file being decoded.
    current: Option<FileDecoder>,
    /// Batches of small files decoded together, not given yet.
    ready: VecDeque<RecordBatch>,
    /// The error of a small file, given after the batches of the files before it.
    failed: Option<Error>,
    /// Rows read by the decoders already dropped, not yet taken.
    read_rows: usize,
}

impl FileBatchReader {
    /// A reader of `files` (with their sizes) in `format`, `context` naming the source in
    /// errors.
    pub(crate) fn new(
        format: FileFormat,
        schema: SchemaRef,
        options: Arc<DecodeOptions>,
        files: Vec<(PathBuf, u64)>,
        context: String,
    ) -> Self {
        FileBatchReader {
            decoding: Decoding {
                format,
                schema,
                options,
                map: None,
                context,
            },
            files: files.into(),
            current: None,
            ready: VecDeque::new(),
            failed: None,
            read_rows: 0,
        }
    }

    /// The small files at the front of the queue, up to [`SMALL_FILES_AT_ONCE_BYTES`] and
    /// [`SMALL_FILES_AT_ONCE`] files.
    fn take_small_files(&mut self) -> Vec<PathBuf> {
        let (mut group, mut bytes) = (Vec::new(), 0);
        while let Some(&(_, size)) = self.files.front() {
            if size >= SMALL_FILE_BYTES
                || bytes + size > SMALL_FILES_AT_ONCE_BYTES
                || group.len() == SMALL_FILES_AT_ONCE
            {
                break;
            }
            bytes += size;
            group.extend(self.files.pop_front().map(|(path, _)| path));
        }
        group
    }

    /// Decodes `files` side by side, queueing their batches in file order up to the first
    /// file that fails; after that failure the reader reads nothing more.
    fn decode_together(&mut self, files: &[PathBuf]) {
        let decoding = &self.decoding;
        let results: Vec<_> = files
            .par_iter()
            .map(|path| decoding.whole_file(path))
            .collect();
        for result in results {
            match result {
                Ok((batches, read_rows)) => {
                    self.ready.extend(batches);
                    self.read_rows += read_rows;
                }
                Err(error) => {
                    self.failed = Some(error);
                    self.files.clear();
                    return;
                }
            }
        }
    }
}

impl BatchReader for FileBatchReader {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            if let Some(batch) = self.ready.pop_front() {
                return Ok(Some(batch));
            }
            if let Some(error) = self.failed.take() {
                return Err(error);
            }
            if let Some(decoder) = self.current.as_mut() {
                match decoder.next_batch().map_err(|e| self.decoding.error(e))? {
                    Some(batch) => return Ok(Some(batch)),
                    None => {
                        self.read_rows += decoder.take_read_rows();
                        self.current = None;
                    }
                }
            }
            let mut small = self.take_small_files();
            if small.len() > 1 {
                self.decode_together(&small);
                continue;
            }
            match small
                .pop()
                .or_else(|| self.files.pop_front().map(|(path, _)| path))
            {
                Some(path) => self.current = Some(self.decoding.decoder(&path)),
                None => return Ok(None),
            }
        }
    }

    fn fuse_map(&mut self, map: &BatchMap) -> bool {
        self.decoding.map = Some(map.clone());
        true
    }

    /// The decoders count every row they read (with a map, those its scan keeps).
    fn take_read_rows(&mut self) -> Option<usize> {
        let current = self.current.as_mut().map_or(0, FileDecoder::take_read_rows);
        Some(std::mem::take(&mut self.read_rows) + current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, Int32Array};
    use arrow::datatypes::{DataType, Field, Int32Type, Schema};

    fn reader(files: Vec<(PathBuf, u64)>) -> FileBatchReader {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int32, true)]));
        FileBatchReader::new(
            FileFormat::Json,
            schema,
            Arc::new(DecodeOptions::default()),
            files,
            "test source".into(),
        )
    }

    /// Writes a JSON file of `ids`; returns it with its size.
    fn json_file(dir: &Path, name: &str, ids: std::ops::Range<i32>) -> (PathBuf, u64) {
        let path = dir.join(name);
        let text: String = ids.map(|id| format!("{{\"id\":{id}}}\n")).collect();
        std::fs::write(&path, &text).unwrap();
        (path, text.len() as u64)
    }

    /// The ids read, in order, until the end or an error.
    fn ids(reader: &mut FileBatchReader) -> (Vec<i32>, Option<Error>) {
        let mut ids = Vec::new();
        loop {
            match reader.next_batch() {
                Ok(Some(batch)) => {
                    let column: &Int32Array = batch.column(0).as_primitive::<Int32Type>();
                    ids.extend(column.values().iter().copied());
                }
                Ok(None) => return (ids, None),
                Err(error) => return (ids, Some(error)),
            }
        }
    }

    #[test]
    fn small_and_large_files_come_out_in_the_order_given() {
        let dir = tempfile::tempdir().unwrap();
        // A large file (over 1 MiB) between small ones, which are decoded side by side.
        let files = vec![
            json_file(dir.path(), "a", 0..10),
            json_file(dir.path(), "b", 10..20),
            json_file(dir.path(), "large", 20..120_020),
            json_file(dir.path(), "c", 120_020..120_030),
            json_file(dir.path(), "d", 120_030..120_040),
            json_file(dir.path(), "e", 120_040..120_050),
        ];
        assert!(files[2].1 > SMALL_FILE_BYTES);
        let mut reader = reader(files);
        let (read, error) = ids(&mut reader);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(read, (0..120_050).collect::<Vec<_>>());
        assert_eq!(reader.take_read_rows(), Some(120_050));
    }

    #[test]
    fn a_failing_small_file_fails_after_the_rows_of_the_files_before_it_and_ends_the_reading() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![
            json_file(dir.path(), "a", 0..3),
            (dir.path().join("deleted"), 10),
            json_file(dir.path(), "c", 3..6),
        ];
        let mut reader = reader(files);
        let (read, error) = ids(&mut reader);
        assert_eq!(read, [0, 1, 2]);
        let error = error.expect("the missing file is an error").to_string();
        assert!(error.contains("deleted"), "{error}");
        assert!(
            matches!(reader.next_batch(), Ok(None)),
            "nothing is read after the failure"
        );
    }
}
