//! A text file read a block at a time and given out as runs of whole lines, so that a file
//! of any size is decoded in bounded memory, as Spark reads a large file in splits.

use memchr::memrchr2;
use rayon::prelude::*;
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Mutex;

/// The buffer's length: bytes held at once, more only for a line (or a `want`) longer
/// than this.
pub(crate) const BLOCK_BYTES: usize = 16 << 20;

/// The most a reader asks [`LineBlocks::lines`] for at once: asking for about a block
/// would, with a partial line left over, read a second block on top of the first.
pub(crate) const MAX_WANT: usize = BLOCK_BYTES / 2;

/// Reads of at least this many bytes are done in one part per decoding thread, side by
/// side: copying a file out of the page cache is otherwise a serial step of its decoding.
const PARALLEL_READ_BYTES: usize = 1 << 20;

/// Buffers of files read before, kept for the next files: a buffer taken from here is not
/// zeroed again, where a fresh one of this size would be (by `calloc`, or page by page).
static SPARE_BUFFERS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// How many buffers [`SPARE_BUFFERS`] keeps, each at most [`BLOCK_BYTES`] long.
const SPARE_BUFFERS_KEPT: usize = 4;

/// A file's lines, a block at a time, up to the length the file had when opened (Spark
/// reads a file up to the length it listed).
pub(crate) struct LineBlocks {
    file: File,
    /// The file offset where `data[..filled]` ends.
    offset: u64,
    /// The bytes of the file not read yet.
    unread: u64,
    /// The buffer, of which `data[..filled]` holds bytes read: it is kept, not cleared,
    /// between blocks, so that each byte of it is zeroed only once.
    data: Vec<u8>,
    filled: usize,
    /// Where the lines not given out yet start in `data`.
    position: usize,
    /// `data[position..searched]` holds no line end (a line longer than a block is not
    /// searched again for each block read).
    searched: usize,
}

impl LineBlocks {
    /// The lines of the file at `path` (nothing is read yet).
    pub(crate) fn open(path: &Path) -> io::Result<LineBlocks> {
        let file = File::open(path)?;
        let unread = file.metadata()?.len();
        Ok(LineBlocks {
            file,
            offset: 0,
            unread,
            data: Vec::new(),
            filled: 0,
            position: 0,
            searched: 0,
        })
    }

    /// The whole lines after those consumed, at least `want` bytes of them unless the file
    /// ends first; the file's last line counts whole without its terminator. Empty at the
    /// end of the file.
    pub(crate) fn lines(&mut self, want: usize) -> io::Result<&[u8]> {
        loop {
            let end = self.whole_lines_end();
            if end - self.position >= want.max(1) || self.unread == 0 {
                return Ok(&self.data[self.position..end]);
            }
            self.read_block(want)?;
        }
    }

    /// Marks the first `bytes` of the last [`LineBlocks::lines`] as consumed.
    pub(crate) fn consume(&mut self, bytes: usize) {
        self.position = (self.position + bytes).min(self.filled);
        self.searched = self.searched.max(self.position);
    }

    /// Where the last whole line in `data` ends. A `\r` that ends the data is not a line
    /// end yet, unless the file ends there: a `\n` may follow it in the next block.
    fn whole_lines_end(&mut self) -> usize {
        if self.unread == 0 {
            return self.filled;
        }
        let from = self.searched.max(self.position);
        let rest = &self.data[from..self.filled];
        let last = match memrchr2(b'\n', b'\r', rest) {
            Some(i) if i + 1 == rest.len() && rest[i] == b'\r' => {
                memrchr2(b'\n', b'\r', &rest[..i])
            }
            found => found,
        };
        match last {
            Some(i) => from + i + 1,
            None => {
                // Nothing up to the data's end (or its last byte, a `\r`).
                self.searched = self.filled - usize::from(rest.last() == Some(&b'\r'));
                self.position
            }
        }
    }

    /// Drops the consumed bytes and reads the next block, as far as the file goes: enough
    /// to hold a block (or `want` bytes, if more) in all, so that the buffer keeps its
    /// length from block to block and is kept for the next file; and at least as many as
    /// are held already (a line longer than a block grows the buffer geometrically).
    fn read_block(&mut self, want: usize) -> io::Result<()> {
        if self.position > 0 {
            self.data.copy_within(self.position..self.filled, 0);
            self.filled -= self.position;
            self.searched -= self.position;
            self.position = 0;
        }
        let start = self.filled;
        let size = BLOCK_BYTES
            .max(want)
            .saturating_sub(start)
            .max(start)
            .min(self.unread as usize);
        self.reserve(start + size);
        let threads = rayon::current_num_threads();
        let part = if size >= PARALLEL_READ_BYTES && threads > 1 && cfg!(unix) {
            size.div_ceil(threads)
        } else {
            size.max(1)
        };
        let (file, offset) = (&self.file, self.offset);
        self.data[start..start + size]
            .par_chunks_mut(part)
            .enumerate()
            .try_for_each(|(i, chunk)| {
                let read = read_at(file, chunk, offset + (i * part) as u64)?;
                if read < chunk.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the file became shorter while it was read",
                    ));
                }
                Ok(())
            })?;
        self.filled += size;
        self.offset += size as u64;
        self.unread -= size as u64;
        Ok(())
    }

    /// Makes the buffer at least `len` bytes long: the first is a spare one when there is
    /// one (its old bytes are never read, as only `data[..filled]` is).
    fn reserve(&mut self, len: usize) {
        if self.data.is_empty() {
            if let Ok(mut spare) = SPARE_BUFFERS.lock() {
                self.data = spare.pop().unwrap_or_default();
            }
        }
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
    }
}

impl Drop for LineBlocks {
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        if data.is_empty() || data.len() > BLOCK_BYTES {
            return;
        }
        if let Ok(mut spare) = SPARE_BUFFERS.lock() {
            if spare.len() < SPARE_BUFFERS_KEPT {
                spare.push(data);
            }
        }
    }
}

/// Fills `buf` from `file` at `offset`, as far as the file goes; returns the bytes read.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        #[cfg(unix)]
        let read =
            std::os::unix::fs::FileExt::read_at(file, &mut buf[filled..], offset + filled as u64);
        #[cfg(not(unix))]
        let read = {
            use std::io::{Read, Seek};
            let mut file = file;
            file.seek(io::SeekFrom::Start(offset + filled as u64))
                .and_then(|_| file.read(&mut buf[filled..]))
        };
        match read {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every run of lines `blocks` gives out, taking `take` bytes of each.
    fn runs(blocks: &mut LineBlocks, want: usize, take: usize) -> Vec<Vec<u8>> {
        let mut runs = Vec::new();
        loop {
            let lines = blocks.lines(want).unwrap();
            if lines.is_empty() {
                return runs;
            }
            let taken = take.min(lines.len());
            runs.push(lines[..taken].to_vec());
            blocks.consume(taken);
        }
    }

    /// Blocks of short lines, each leaving a partial line behind, keep the buffer at one
    /// block's length, so that it is kept for the next file and not zeroed again.
    #[test]
    fn the_buffer_stays_one_block_long() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let line = format!("{}\n", "x".repeat(99));
        let text = line.repeat(BLOCK_BYTES * 5 / 200);
        std::fs::write(&path, &text).unwrap();
        let mut blocks = LineBlocks::open(&path).unwrap();
        let given = runs(&mut blocks, MAX_WANT, BLOCK_BYTES);
        assert_eq!(given.concat(), text.as_bytes());
        assert!(blocks.data.len() <= BLOCK_BYTES, "{}", blocks.data.len());
    }

    #[test]
    fn lines_come_whole_and_every_byte_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let text = b"one\r\ntwo\rthree\n\nlast";
        std::fs::write(&path, text).unwrap();
        let mut blocks = LineBlocks::open(&path).unwrap();
        let given = runs(&mut blocks, 4, usize::MAX);
        assert_eq!(given.concat(), text);
        // Every run but the last ends at a line end, and no run splits `\r\n`.
        for run in &given[..given.len() - 1] {
            assert!(matches!(run.last(), Some(b'\n' | b'\r')), "{run:?}");
        }
        assert!(given.iter().all(|run| !run.starts_with(b"\n")));
    }

    #[test]
    fn a_block_boundary_inside_a_line_or_a_crlf_pair_keeps_the_line_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        // Lines that end exactly where a block ends, or with `\r` there.
        let mut text = vec![b'a'; BLOCK_BYTES - 1];
        text.extend_from_slice(b"\r\nb\n");
        text.extend(std::iter::repeat_n(b'c', BLOCK_BYTES + 10));
        text.extend_from_slice(b"\nend");
        std::fs::write(&path, &text).unwrap();
        let mut blocks = LineBlocks::open(&path).unwrap();
        let given = runs(&mut blocks, 1, usize::MAX);
        assert_eq!(given.concat(), text);
        let lines: Vec<usize> = given.iter().map(Vec::len).collect();
        assert_eq!(lines, [BLOCK_BYTES + 3, BLOCK_BYTES + 14]);
    }

    #[test]
    fn a_file_is_read_up_to_its_length_when_opened() {
        // Spark reads a file up to the length it listed; bytes appended since are not read.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, b"1\n2").unwrap();
        let mut blocks = LineBlocks::open(&path).unwrap();
        std::fs::write(&path, b"1\n234\n5\n").unwrap();
        assert_eq!(runs(&mut blocks, 1, usize::MAX).concat(), b"1\n2");
        // A file that became shorter is an error, not lost rows.
        std::fs::write(&path, b"1\n2").unwrap();
        let mut blocks = LineBlocks::open(&path).unwrap();
        std::fs::write(&path, b"1").unwrap();
        assert_eq!(
            blocks.lines(1).map(<[u8]>::len).map_err(|e| e.kind()),
            Err(io::ErrorKind::UnexpectedEof)
        );
    }

    #[test]
    fn a_spare_buffer_gives_out_only_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let (long, short) = (dir.path().join("long.json"), dir.path().join("short.json"));
        std::fs::write(&long, "x".repeat(4096) + "\n").unwrap();
        std::fs::write(&short, b"1\n2").unwrap();
        let mut blocks = LineBlocks::open(&long).unwrap();
        assert_eq!(runs(&mut blocks, 1, usize::MAX).concat().len(), 4097);
        drop(blocks);
        for _ in 0..SPARE_BUFFERS_KEPT + 1 {
            let mut blocks = LineBlocks::open(&short).unwrap();
            assert_eq!(runs(&mut blocks, 1, usize::MAX).concat(), b"1\n2");
        }
    }

    #[test]
    fn a_line_longer_than_several_blocks_comes_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let mut text = vec![b'x'; 3 * BLOCK_BYTES + 5];
        text.extend_from_slice(b"\nshort\n");
        std::fs::write(&path, &text).unwrap();
        let mut blocks = LineBlocks::open(&path).unwrap();
        assert_eq!(blocks.lines(1).unwrap(), text);
        assert_eq!(blocks.data.len(), text.len(), "no byte read twice");
    }
}
