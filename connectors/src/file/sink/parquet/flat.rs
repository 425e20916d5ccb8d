//! Flat columns (32- and 64-bit integers, dates, timestamps in microseconds, doubles and
//! strings) encoded here rather than by the `parquet` crate's Arrow writer, which interns
//! each value through a general hash table and compares each string for its statistics.
//! The encodings are those the crate writes: a PLAIN dictionary page then `RLE_DICTIONARY`
//! data pages (indices bit-packed), falling back to PLAIN data pages once the dictionary
//! passes 1 MiB (or PLAIN from the start when the dictionary does not pay); version 1 data
//! pages closed at 20,000 rows or 1 MiB of values (checked every 1,024 rows), their
//! definition levels run-length encoded; snappy or no compression; the chunk's min, max
//! and null count, and an offset index of its pages. Page statistics (and so the column
//! index) are left out: they are optional, and readers then read every page.

use super::ParquetCodec;
use arrow::array::{Array, ArrayData, ArrayRef, AsArray, StringArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{ArrowNativeType, DataType, TimeUnit, ToByteSlice};
use bytes::Bytes;
use hashbrown::HashTable;
use parquet::basic::{Encoding, EncodingMask, PageType, Type as PhysicalType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, OffsetIndexBuilder, PageEncodingStats};
use parquet::file::properties::{
    DEFAULT_DATA_PAGE_ROW_COUNT_LIMIT, DEFAULT_DICTIONARY_PAGE_SIZE_LIMIT, DEFAULT_PAGE_SIZE,
    DEFAULT_WRITE_BATCH_SIZE,
};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// Rows in a data page at most (the crate's `data_page_row_count_limit`).
const PAGE_ROWS: usize = DEFAULT_DATA_PAGE_ROW_COUNT_LIMIT;
/// Encoded bytes at which a data page is closed (the crate's `data_page_size_limit`).
const PAGE_BYTES: usize = DEFAULT_PAGE_SIZE;
/// Rows written between two checks of the page's size (the crate's `write_batch_size`).
const CHECK_ROWS: usize = DEFAULT_WRITE_BATCH_SIZE;
/// Dictionary bytes past which the column falls back to PLAIN pages (the crate's
/// `dictionary_page_size_limit`).
const DICTIONARY_BYTES: usize = DEFAULT_DICTIONARY_PAGE_SIZE_LIMIT;
/// Slots of a fixed-width dictionary's memo ([`Dictionary::memo`]).
const MEMO_SLOTS: usize = 4096;
/// Groups of eight values in one bit-packed run (parquet-mr's encoder writes no more).
const RUN_GROUPS: usize = 63;

/// How a flat column's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int32,
    Int64,
    Double,
    Text,
}

impl Kind {
    /// The kind of an Arrow column written as the Parquet `physical` type, if handled here.
    fn of(data_type: &DataType, physical: PhysicalType) -> Option<Kind> {
        let kind = match data_type {
            DataType::Int32 | DataType::Date32 => Kind::Int32,
            DataType::Int64 | DataType::Timestamp(TimeUnit::Microsecond, _) => Kind::Int64,
            DataType::Float64 => Kind::Double,
            DataType::Utf8 => Kind::Text,
            _ => return None,
        };
        let expected = match kind {
            Kind::Int32 => PhysicalType::INT32,
            Kind::Int64 => PhysicalType::INT64,
            Kind::Double => PhysicalType::DOUBLE,
            Kind::Text => PhysicalType::BYTE_ARRAY,
        };
        (physical == expected).then_some(kind)
    }
}

/// A fixed-width value type of a flat column.
trait Fixed: ArrowNativeType + PartialOrd {
    /// The value's bits, by which the dictionary knows it.
    fn bits(self) -> u64;
    /// Whether the value counts toward the bounds (all but NaN).
    fn ordered(self) -> bool {
        true
    }
    /// Widens `bounds` to take in `min` and `max`.
    fn widen(bounds: &mut Bounds, min: Self, max: Self);
}

impl Fixed for i32 {
    fn bits(self) -> u64 {
        u64::from(self as u32)
    }
    fn widen(bounds: &mut Bounds, min: i32, max: i32) {
        *bounds = match *bounds {
            Bounds::Int32(low, high) => Bounds::Int32(low.min(min), high.max(max)),
            _ => Bounds::Int32(min, max),
        };
    }
}

impl Fixed for i64 {
    fn bits(self) -> u64 {
        self as u64
    }
    fn widen(bounds: &mut Bounds, min: i64, max: i64) {
        *bounds = match *bounds {
            Bounds::Int64(low, high) => Bounds::Int64(low.min(min), high.max(max)),
            _ => Bounds::Int64(min, max),
        };
    }
}

impl Fixed for f64 {
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn ordered(self) -> bool {
        !self.is_nan()
    }
    fn widen(bounds: &mut Bounds, min: f64, max: f64) {
        *bounds = match *bounds {
            Bounds::Double(low, high) => Bounds::Double(low.min(min), high.max(max)),
            _ => Bounds::Double(min, max),
        };
    }
}

/// A hash of a value's bits, mixed into both halves (the index takes its bucket from the
/// low bits, and doubles' low bits are often all zero).
#[inline]
fn mix(bits: u64) -> u64 {
    let product = u128::from(bits) * 0x9E37_79B9_7F4A_7C15;
    (product as u64) ^ ((product >> 64) as u64)
}

/// A hash of a string's bytes, read eight at a time (most strings written are short).
#[inline]
fn hash_bytes(value: &[u8]) -> u64 {
    let Some(last) = value.last_chunk::<8>() else {
        let word = value.iter().fold(value.len() as u64, |word, &byte| {
            word << 8 | u64::from(byte)
        });
        return mix(word);
    };
    let (words, _) = value.as_chunks::<8>();
    let hash = words.iter().fold(value.len() as u64, |hash, word| {
        mix(hash ^ u64::from_le_bytes(*word))
    });
    mix(hash ^ u64::from_le_bytes(*last))
}

/// The distinct values of a column chunk, in order of first appearance, each found by
/// its index: fixed-width values by their bits, strings by their bytes.
struct Dictionary {
    /// The values, PLAIN-encoded back to back (as the dictionary page holds them).
    plain: Vec<u8>,
    /// Strings: where each one's bytes start in `plain` (after its length).
    starts: Vec<u32>,
    /// Fixed-width values: each one's bits beside its index.
    fixed: HashTable<(u64, u32)>,
    /// Fixed-width values: the one last found in each slot (by its hash's top bits),
    /// looked at before the index (a column of few distinct values nearly always hits).
    memo: Vec<(u64, u32)>,
    /// Strings: their indices.
    strings: HashTable<u32>,
}

impl Dictionary {
    /// An empty dictionary.
    fn new() -> Self {
        Dictionary {
            plain: Vec::new(),
            starts: Vec::new(),
            fixed: HashTable::new(),
            memo: Vec::new(),
            strings: HashTable::new(),
        }
    }

    /// The number of values.
    fn len(&self) -> usize {
        self.fixed.len() + self.starts.len()
    }

    /// The index of fixed-width `value`, added if new.
    #[inline]
    fn fixed<T: Fixed>(&mut self, value: T) -> u32 {
        let bits = value.bits();
        let hash = mix(bits);
        let slot = (hash >> (64 - MEMO_SLOTS.trailing_zeros())) as usize;
        if let Some(&(stored, index)) = self.memo.get(slot) {
            if stored == bits && index != u32::MAX {
                return index;
            }
        }
        let index = match self.fixed.find(hash, |&(stored, _)| stored == bits) {
            Some(&(_, index)) => index,
            None => {
                let index = self.fixed.len() as u32;
                self.plain.extend_from_slice(value.to_byte_slice());
                self.fixed
                    .insert_unique(hash, (bits, index), |&(stored, _)| mix(stored));
                index
            }
        };
        if self.memo.is_empty() {
            self.memo.resize(MEMO_SLOTS, (0, u32::MAX));
        }
        self.memo[slot] = (bits, index);
        index
    }

    /// The string at `index`.
    fn text<'d>(plain: &'d [u8], starts: &[u32], index: u32) -> &'d [u8] {
        let start = starts[index as usize] as usize;
        let mut len = [0; 4];
        len.copy_from_slice(&plain[start - 4..start]);
        &plain[start..start + u32::from_le_bytes(len) as usize]
    }

    /// The index of string `value`, added if new; `true` with it when it was added.
    #[inline]
    fn string(&mut self, value: &[u8]) -> (u32, bool) {
        let hash = hash_bytes(value);
        let (plain, starts) = (&self.plain, &self.starts);
        if let Some(&index) = self
            .strings
            .find(hash, |&i| Self::text(plain, starts, i) == value)
        {
            return (index, false);
        }
        let index = self.starts.len() as u32;
        self.plain
            .extend_from_slice(&(value.len() as u32).to_le_bytes());
        self.starts.push(self.plain.len() as u32);
        self.plain.extend_from_slice(value);
        let (plain, starts) = (&self.plain, &self.starts);
        self.strings
            .insert_unique(hash, index, |&i| hash_bytes(Self::text(plain, starts, i)));
        (index, true)
    }
}

/// The least and greatest value of a chunk so far.
#[derive(Debug, Clone, Default)]
enum Bounds {
    #[default]
    None,
    Int32(i32, i32),
    Int64(i64, i64),
    Double(f64, f64),
    Text(Vec<u8>, Vec<u8>),
}

/// The first sixteen bytes of `value` (zeros past its end) as a big-endian number: a
/// string whose prefix is less than another's is less than it.
#[inline]
fn prefix(value: &[u8]) -> u128 {
    if let Some(first) = value.first_chunk::<16>() {
        return u128::from_be_bytes(*first);
    }
    if let (Some(first), Some(last)) = (value.first_chunk::<8>(), value.last_chunk::<8>()) {
        // Bytes 8.. are the last word's low `len - 8` bytes: moved to the top.
        let tail = match value.len() {
            8 => 0,
            len => u64::from_be_bytes(*last) << (8 * (16 - len)),
        };
        return u128::from(u64::from_be_bytes(*first)) << 64 | u128::from(tail);
    }
    value.iter().enumerate().fold(0, |prefix, (i, &byte)| {
        prefix | u128::from(byte) << (120 - 8 * i)
    })
}

/// The least and greatest of some strings, found by their prefixes (and compared whole
/// only when those are equal).
struct Extremes<'a> {
    low: (u128, &'a [u8]),
    high: (u128, &'a [u8]),
}

impl<'a> Extremes<'a> {
    /// The extremes of `value` alone.
    fn of(value: &'a [u8]) -> Self {
        let key = (prefix(value), value);
        Extremes {
            low: key,
            high: key,
        }
    }

    /// Takes `value` in.
    #[inline]
    fn take(&mut self, value: &'a [u8]) {
        let key = (prefix(value), value);
        if key < self.low {
            self.low = key;
        } else if key > self.high {
            self.high = key;
        }
    }
}

impl Bounds {
    /// Widens the bounds of a string column to take in `value`.
    fn text(&mut self, value: &[u8]) {
        match self {
            Bounds::Text(low, high) => {
                if value < low.as_slice() {
                    low.clear();
                    low.extend_from_slice(value);
                } else if value > high.as_slice() {
                    high.clear();
                    high.extend_from_slice(value);
                }
            }
            _ => *self = Bounds::Text(value.to_vec(), value.to_vec()),
        }
    }

    /// The chunk statistics: min and max (when any value was not NULL or NaN; a zero
    /// minimum as -0.0 and a zero maximum as +0.0, as the format asks; strings longer than
    /// 64 bytes left out rather than truncated) and the NULL count.
    fn statistics(&self, nulls: u64) -> Statistics {
        let nulls = Some(nulls);
        match self {
            // No bounds (only NULLs or NaNs): the type of an empty `Statistics` is not written.
            Bounds::None => Statistics::new::<i32>(None, None, None, nulls, false),
            // Signed types' bounds also go in the deprecated min/max fields, as the crate
            // writes them.
            Bounds::Int32(low, high) => {
                ValueStatistics::new(Some(*low), Some(*high), None, nulls, false)
                    .with_backwards_compatible_min_max(true)
                    .into()
            }
            Bounds::Int64(low, high) => {
                ValueStatistics::new(Some(*low), Some(*high), None, nulls, false)
                    .with_backwards_compatible_min_max(true)
                    .into()
            }
            Bounds::Double(low, high) => {
                let low = if *low == 0.0 { -0.0 } else { *low };
                let high = if *high == 0.0 { 0.0 } else { *high };
                ValueStatistics::new(Some(low), Some(high), None, nulls, false)
                    .with_backwards_compatible_min_max(true)
                    .into()
            }
            Bounds::Text(low, high) => {
                let kept = |v: &Vec<u8>| (v.len() <= 64).then(|| ByteArray::from(v.clone()));
                Statistics::new(kept(low), kept(high), None, nulls, false)
            }
        }
    }
}

/// The values of the data page being filled.
#[derive(Default)]
struct OpenPage {
    /// Rows (values and NULLs).
    rows: usize,
    /// Runs of (defined, length) for the definition levels.
    levels: Vec<(bool, u32)>,
    /// Dictionary indices of the non-NULL values (dictionary pages).
    indices: Vec<u32>,
    /// PLAIN-encoded non-NULL values (other pages).
    plain: Vec<u8>,
}

impl OpenPage {
    /// Notes `rows` rows, all defined or all NULL.
    fn note_rows(&mut self, defined: bool, rows: usize) {
        self.rows += rows;
        match self.levels.last_mut() {
            Some((last, count)) if *last == defined => *count += rows as u32,
            _ => self.levels.push((defined, rows as u32)),
        }
    }

    /// Definition levels of `rows` rows from `offset` of a column with `nulls`.
    fn note_levels(&mut self, nulls: Option<&NullBuffer>, offset: usize, rows: usize) {
        match nulls {
            None => self.note_rows(true, rows),
            Some(nulls) => {
                let mut at = offset;
                for (start, end) in nulls.inner().slice(offset, rows).set_slices() {
                    if offset + start > at {
                        self.note_rows(false, offset + start - at);
                    }
                    self.note_rows(true, end - start);
                    at = offset + end;
                }
                if offset + rows > at {
                    self.note_rows(false, offset + rows - at);
                }
            }
        }
    }
}

/// The most a thread keeps in [`COMPRESSED`]: room for a page of a little over
/// [`PAGE_BYTES`] or a full dictionary, not for a page that one huge value made.
const KEPT_COMPRESSED_BYTES: usize = 4 << 20;

thread_local! {
    /// Room for a page as snappy compresses it, kept by each thread that encodes: a fresh
    /// one for every page would be zeroed, and faulted in, each time.
    static COMPRESSED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A flat column of one row group being encoded.
pub(super) struct FlatColumn {
    kind: Kind,
    descr: ColumnDescPtr,
    codec: ParquetCodec,
    /// The snappy encoder, kept from page to page with its hash table.
    snappy: snap::raw::Encoder,
    /// The dictionary, while values go into it (`None` once fallen back, or from the
    /// start when it does not pay).
    dictionary: Option<Dictionary>,
    /// The dictionary the chunk's first pages index, kept for its page once fallen back.
    retired: Option<Dictionary>,
    page: OpenPage,
    /// Compressed data pages, in order.
    pages: Vec<CompressedPage>,
    bounds: Bounds,
    nulls: u64,
    rows: u64,
    encoded_bytes: usize,
}

impl FlatColumn {
    /// An encoder for Arrow columns of `data_type` into the leaf `descr`, if this module
    /// handles them: a flat, nullable column of a handled type.
    pub(super) fn new(
        data_type: &DataType,
        descr: ColumnDescPtr,
        codec: ParquetCodec,
        dictionary: bool,
    ) -> Option<FlatColumn> {
        if descr.max_rep_level() != 0 || descr.max_def_level() != 1 {
            return None;
        }
        let kind = Kind::of(data_type, descr.physical_type())?;
        Some(FlatColumn {
            kind,
            descr,
            codec,
            snappy: snap::raw::Encoder::new(),
            dictionary: dictionary.then(Dictionary::new),
            retired: None,
            page: OpenPage::default(),
            pages: Vec::new(),
            bounds: Bounds::None,
            nulls: 0,
            rows: 0,
            encoded_bytes: 0,
        })
    }

    /// Bytes encoded so far: the compressed pages, the open page's values (its indices at
    /// the dictionary's bit width) and the dictionary.
    pub(super) fn estimated_bytes(&self) -> usize {
        let dictionary = self.dictionary.as_ref().or(self.retired.as_ref());
        let (entries, dictionary_bytes) = dictionary.map_or((0, 0), |d| (d.len(), d.plain.len()));
        let index_bytes = (self.page.indices.len() * bit_width(entries) as usize).div_ceil(8);
        self.encoded_bytes + self.page.plain.len() + index_bytes + dictionary_bytes
    }

    /// Encodes `column`, cutting pages at their row and byte limits.
    pub(super) fn write(&mut self, column: &ArrayRef) -> Result<()> {
        let nulls = column.logical_nulls();
        let data = column.to_data();
        let mut offset = 0;
        while offset < column.len() {
            let rows = (PAGE_ROWS - self.page.rows)
                .min(CHECK_ROWS)
                .min(column.len() - offset);
            self.write_rows(column, &data, nulls.as_ref(), offset, rows);
            offset += rows;
            let page_bytes = self.page.plain.len() + self.page.indices.len();
            if self.page.rows >= PAGE_ROWS || page_bytes >= PAGE_BYTES {
                self.close_page()?;
            }
            if self
                .dictionary
                .as_ref()
                .is_some_and(|d| d.plain.len() > DICTIONARY_BYTES)
            {
                // The pages so far index the dictionary; the rest are PLAIN.
                self.close_page()?;
                self.retired = self.dictionary.take();
            }
        }
        Ok(())
    }

    /// Encodes rows `offset..offset + rows` of `column` (whose data and NULLs are `data`
    /// and `nulls`) into the open page.
    fn write_rows(
        &mut self,
        column: &ArrayRef,
        data: &ArrayData,
        nulls: Option<&NullBuffer>,
        offset: usize,
        rows: usize,
    ) {
        let null_count = nulls.map_or(0, |n| n.slice(offset, rows).null_count());
        let nulls = nulls.filter(|_| null_count > 0);
        self.page.note_levels(nulls, offset, rows);
        self.nulls += null_count as u64;
        self.rows += rows as u64;
        match self.kind {
            Kind::Int32 => self.write_fixed(data.buffer::<i32>(0), nulls, offset, rows),
            Kind::Int64 => self.write_fixed(data.buffer::<i64>(0), nulls, offset, rows),
            Kind::Double => self.write_fixed(data.buffer::<f64>(0), nulls, offset, rows),
            Kind::Text => self.write_text(column.as_string::<i32>(), nulls, offset, rows),
        }
    }

    /// [`Self::write_rows`] of fixed-width values.
    fn write_fixed<T: Fixed>(
        &mut self,
        values: &[T],
        nulls: Option<&NullBuffer>,
        offset: usize,
        rows: usize,
    ) {
        let values = &values[offset..offset + rows];
        let (page, bounds) = (&mut self.page, &mut self.bounds);
        match nulls {
            None => {
                if let Some((min, max)) =
                    fold_bounds(values.iter().copied().filter(|v| v.ordered()))
                {
                    T::widen(bounds, min, max);
                }
                match &mut self.dictionary {
                    Some(dictionary) => page
                        .indices
                        .extend(values.iter().map(|&v| dictionary.fixed(v))),
                    None => page.plain.extend_from_slice(values.to_byte_slice()),
                }
            }
            Some(nulls) => {
                let present = values
                    .iter()
                    .enumerate()
                    .filter(|(row, _)| nulls.is_valid(offset + row))
                    .map(|(_, &v)| v);
                if let Some((min, max)) = fold_bounds(present.clone().filter(|v| v.ordered())) {
                    T::widen(bounds, min, max);
                }
                match &mut self.dictionary {
                    Some(dictionary) => page.indices.extend(present.map(|v| dictionary.fixed(v))),
                    None => present.for_each(|v| page.plain.extend_from_slice(v.to_byte_slice())),
                }
            }
        }
    }

    /// [`Self::write_rows`] of strings: a dictionary's values count toward the bounds once,
    /// PLAIN values through the rows' extremes.
    fn write_text(
        &mut self,
        column: &StringArray,
        nulls: Option<&NullBuffer>,
        offset: usize,
        rows: usize,
    ) {
        let (page, bounds) = (&mut self.page, &mut self.bounds);
        let offsets = column.value_offsets();
        let data = column.value_data();
        let values = (offset..offset + rows)
            .filter(|&row| nulls.is_none_or(|n| n.is_valid(row)))
            .map(|row| &data[offsets[row] as usize..offsets[row + 1] as usize]);
        match &mut self.dictionary {
            Some(dictionary) => {
                for value in values {
                    let (index, added) = dictionary.string(value);
                    if added {
                        bounds.text(value);
                    }
                    page.indices.push(index);
                }
            }
            None => {
                let mut extremes: Option<Extremes> = None;
                for value in values {
                    page.plain
                        .extend_from_slice(&(value.len() as u32).to_le_bytes());
                    page.plain.extend_from_slice(value);
                    match &mut extremes {
                        Some(extremes) => extremes.take(value),
                        None => extremes = Some(Extremes::of(value)),
                    }
                }
                if let Some(Extremes { low, high }) = extremes {
                    bounds.text(low.1);
                    bounds.text(high.1);
                }
            }
        }
    }

    /// Closes the open page (if it holds rows) into a compressed data page.
    fn close_page(&mut self) -> Result<()> {
        if self.page.rows == 0 {
            return Ok(());
        }
        // The next page starts with this one's room, so that it does not grow from nothing.
        let next = OpenPage {
            levels: Vec::with_capacity(self.page.levels.len()),
            indices: Vec::with_capacity(self.page.indices.len()),
            plain: Vec::with_capacity(self.page.plain.len()),
            ..OpenPage::default()
        };
        let page = std::mem::replace(&mut self.page, next);
        let mut buf = Vec::with_capacity(page.plain.len() + page.indices.len() * 4 + 16);
        // Definition levels (bit width 1), each run RLE, behind their byte length.
        let mut levels = Vec::new();
        for &(defined, count) in &page.levels {
            put_varint(&mut levels, u64::from(count) << 1);
            levels.push(u8::from(defined));
        }
        buf.extend_from_slice(&(levels.len() as u32).to_le_bytes());
        buf.extend_from_slice(&levels);
        let encoding = match &self.dictionary {
            Some(dictionary) => {
                let width = bit_width(dictionary.len());
                buf.push(width as u8);
                bit_pack(&page.indices, width, &mut buf);
                Encoding::RLE_DICTIONARY
            }
            None => {
                buf.extend_from_slice(&page.plain);
                Encoding::PLAIN
            }
        };
        let uncompressed = buf.len();
        let data = Page::DataPage {
            buf: self.compress(buf)?,
            num_values: page.rows as u32,
            encoding,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        self.encoded_bytes += data.buffer().len();
        self.pages.push(CompressedPage::new(data, uncompressed));
        Ok(())
    }

    /// A page's bytes in the column's codec: snappy compresses into its thread's
    /// [`COMPRESSED`] buffer, and the page keeps a copy of what it wrote there; a page
    /// too big for that buffer (a huge value) into a buffer of its own.
    fn compress(&mut self, buf: Vec<u8>) -> Result<Bytes> {
        let snappy_error = |e: snap::Error| ParquetError::External(Box::new(e));
        let room = snap::raw::max_compress_len(buf.len());
        match self.codec {
            ParquetCodec::Uncompressed => Ok(Bytes::from(buf)),
            ParquetCodec::Snappy if room > KEPT_COMPRESSED_BYTES => Ok(Bytes::from(
                self.snappy.compress_vec(&buf).map_err(snappy_error)?,
            )),
            ParquetCodec::Snappy => COMPRESSED.with_borrow_mut(|out| {
                if out.len() < room {
                    // Exactly the room: what a thread keeps stays within the bound.
                    out.reserve_exact(room - out.len());
                    out.resize(room, 0);
                }
                let written = self.snappy.compress(&buf, out).map_err(snappy_error)?;
                Ok(Bytes::copy_from_slice(&out[..written]))
            }),
        }
    }

    /// Writes the chunk (its dictionary page first) and describes it for the row group.
    pub(super) fn close(mut self) -> Result<(Bytes, ColumnCloseResult)> {
        self.close_page()?;
        // Room for the pages and their headers, so that the chunk is not copied as it grows.
        let dictionary_bytes = self
            .dictionary
            .as_ref()
            .or(self.retired.as_ref())
            .map_or(0, |d| d.plain.len());
        let room = self.encoded_bytes + dictionary_bytes + 64 * (self.pages.len() + 1);
        let mut sink = TrackedWrite::new(Vec::with_capacity(room));
        let mut encodings = vec![Encoding::RLE];
        let mut stats: Vec<PageEncodingStats> = Vec::new();
        let (mut compressed, mut uncompressed) = (0, 0);
        let mut dictionary_offset = None;
        // The data pages' places, for readers that skip pages.
        let mut locations = OffsetIndexBuilder::new();
        let mut data_offset = None;
        {
            let mut writer = SerializedPageWriter::new(&mut sink);
            if let Some(dictionary) = self.dictionary.take().or(self.retired.take()) {
                let (uncompressed_size, entries) = (dictionary.plain.len(), dictionary.len());
                let page = Page::DictionaryPage {
                    buf: self.compress(dictionary.plain)?,
                    num_values: entries as u32,
                    encoding: Encoding::PLAIN,
                    is_sorted: false,
                };
                let spec = writer.write_page(CompressedPage::new(page, uncompressed_size))?;
                dictionary_offset = Some(spec.offset as i64);
                (compressed, uncompressed) = (spec.compressed_size, spec.uncompressed_size);
                encodings.push(Encoding::PLAIN);
                stats.push(PageEncodingStats {
                    page_type: PageType::DICTIONARY_PAGE,
                    encoding: Encoding::PLAIN,
                    count: 1,
                });
            }
            for page in std::mem::take(&mut self.pages) {
                let encoding = page.encoding();
                let spec = writer.write_page(page)?;
                data_offset.get_or_insert(spec.offset as i64);
                locations.append_row_count(i64::from(spec.num_values));
                locations.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
                compressed += spec.compressed_size;
                uncompressed += spec.uncompressed_size;
                if !encodings.contains(&encoding) {
                    encodings.push(encoding);
                }
                match stats.last_mut() {
                    Some(last)
                        if last.page_type == PageType::DATA_PAGE && last.encoding == encoding =>
                    {
                        last.count += 1
                    }
                    _ => stats.push(PageEncodingStats {
                        page_type: PageType::DATA_PAGE,
                        encoding,
                        count: 1,
                    }),
                }
            }
            writer.close()?;
        }
        let metadata =
            ColumnChunkMetaData::builder(self.descr.clone())
                .set_compression(self.codec.compression())
                .set_encodings_mask(EncodingMask::new_from_encodings(encodings.iter()))
                .set_page_encoding_stats(stats)
                .set_total_compressed_size(compressed as i64)
                .set_total_uncompressed_size(uncompressed as i64)
                .set_num_values(self.rows as i64)
                .set_data_page_offset(data_offset.ok_or_else(|| {
                    ParquetError::General("a column chunk without data pages".into())
                })?)
                .set_dictionary_page_offset(dictionary_offset)
                .set_statistics(self.bounds.statistics(self.nulls))
                .build()?;
        let bytes = Bytes::from(sink.into_inner()?);
        let close = ColumnCloseResult {
            bytes_written: bytes.len() as u64,
            rows_written: self.rows,
            metadata,
            bloom_filter: None,
            column_index: None,
            offset_index: Some(locations.build()),
        };
        Ok((bytes, close))
    }
}

/// The least and greatest of `values` (`None` when there are none).
fn fold_bounds<T: PartialOrd + Copy>(mut values: impl Iterator<Item = T>) -> Option<(T, T)> {
    let first = values.next()?;
    Some(values.fold((first, first), |(low, high), v| {
        (
            if v < low { v } else { low },
            if v > high { v } else { high },
        )
    }))
}

/// The bits dictionary indices below `entries` take (at least one).
pub(super) fn bit_width(entries: usize) -> u32 {
    (usize::BITS - entries.saturating_sub(1).leading_zeros()).max(1)
}

/// `indices` as bit-packed runs of at most [`RUN_GROUPS`] groups of eight (the last group
/// padded with zeros), each `width` bits, least significant bit first.
fn bit_pack(indices: &[u32], width: u32, out: &mut Vec<u8>) {
    for run in indices.chunks(RUN_GROUPS * 8) {
        let groups = run.len().div_ceil(8);
        put_varint(out, ((groups as u64) << 1) | 1);
        let (whole, rest) = run.as_chunks::<8>();
        for group in whole {
            pack_group(group, width, out);
        }
        if !rest.is_empty() {
            let mut last = [0; 8];
            last[..rest.len()].copy_from_slice(rest);
            pack_group(&last, width, out);
        }
    }
}

/// Eight values of `width` bits into `width` bytes.
#[inline]
fn pack_group(group: &[u32; 8], width: u32, out: &mut Vec<u8>) {
    if width <= 16 {
        // Four values to a 64-bit half, the halves then joined in one 128-bit word.
        let half = |values: &[u32]| {
            values.iter().enumerate().fold(0u64, |half, (k, &value)| {
                half | u64::from(value) << (k as u32 * width)
            })
        };
        let word = u128::from(half(&group[..4])) | u128::from(half(&group[4..])) << (4 * width);
        // A fixed-size copy, then the bytes past `width` dropped.
        let end = out.len() + width as usize;
        out.extend_from_slice(&word.to_le_bytes());
        out.truncate(end);
        return;
    }
    let (mut word, mut bits) = (0u64, 0u32);
    for &value in group {
        word |= u64::from(value) << bits;
        bits += width;
        while bits >= 8 {
            out.push(word as u8);
            word >>= 8;
            bits -= 8;
        }
    }
}

/// `value` as an unsigned LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}
