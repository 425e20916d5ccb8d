//! The group table: grouping keys, each mapped to a dense group id. Per-group state lives in
//! vectors indexed by that id (the accumulators').
//!
//! Keys are kept in Arrow's row format; a single integer or timestamp key (a window, an id)
//! is kept as plain `i64`s instead, found in a slot array when the keys lie close together
//! (ids) and by an integer hash and compare otherwise.

use ahash::RandomState;
use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int32Array, Int64Array, PrimitiveArray,
    TimestampMicrosecondArray,
};
use arrow::buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
use arrow::compute::cast;
use arrow::datatypes::{ArrowPrimitiveType, DataType, Int64Type, TimeUnit};
use arrow::error::ArrowError;
use arrow::row::{RowConverter, Rows, SortField};
use hashbrown::HashTable;
use std::sync::Arc;

/// How the keys are stored.
enum Keys {
    /// Any key columns, in Arrow's row format: group `i` is row `i`.
    Rows(Rows),
    /// One integer-like column (`data_type`), as `i64`; the NULL key, if seen, is a group
    /// of its own that is not in the index.
    Integers {
        values: Vec<i64>,
        data_type: DataType,
        null_group: Option<u32>,
        index: IntegerIndex,
    },
}

/// How integer keys find their groups.
enum IntegerIndex {
    /// Keys in a range not much wider than their number (ids, say): key `k`'s group is
    /// `slots[k - base]` ([`NO_GROUP`] for none), so keys that come in order are found in
    /// memory read in order.
    Dense { base: i64, slots: Vec<u32> },
    /// Keys further apart, hashed; each key beside its group, so that finding a key, or
    /// moving it when the index grows, reads no other memory. `low` and `high` bound the
    /// keys, so that the index can turn dense again once there are enough of them.
    Hashed {
        index: HashTable<(i64, u32)>,
        low: i64,
        high: i64,
    },
}

/// The groups of `values` with their keys, but for the NULL group's placeholder.
fn keys_of(values: &[i64], null_group: Option<u32>) -> impl Iterator<Item = (u32, i64)> + '_ {
    (0..values.len() as u32)
        .zip(values.iter().copied())
        .filter(move |&(id, _)| Some(id) != null_group)
}

/// The least and the greatest key of `values` (`None` without keys).
fn key_range(values: &[i64], null_group: Option<u32>) -> Option<(i64, i64)> {
    range_of(keys_of(values, null_group).map(|(_, key)| key))
}

/// The least and the greatest of `values` (`None` when there are none), in one pass.
fn range_of(mut values: impl Iterator<Item = i64>) -> Option<(i64, i64)> {
    let first = values.next()?;
    Some(values.fold((first, first), |(low, high), value| {
        (low.min(value), high.max(value))
    }))
}

/// Whether keys from `low` to `high` can be indexed densely for `groups` groups (or, while a
/// batch is interned, its groups before plus its rows): at most four slots each (16 bytes,
/// about what a hashed key costs) and a few thousand spare.
fn dense_fits(low: i64, high: i64, groups: usize) -> bool {
    (high as i128 - low as i128) < 4 * groups as i128 + 4096
}

/// Whether a dense index keeps its slots for keys from `low` to `high` among `groups`
/// groups: up to eight slots each, twice what [`dense_fits`] allows a new one, so that
/// batches arriving out of order (chunks of several files decoded side by side) do not turn
/// it hashed and back, a rebuild each way.
fn dense_keeps(low: i64, high: i64, groups: usize) -> bool {
    (high as i128 - low as i128) < 8 * groups as i128 + 4096
}

impl Default for IntegerIndex {
    /// An empty dense index.
    fn default() -> Self {
        IntegerIndex::Dense {
            base: 0,
            slots: Vec::new(),
        }
    }
}

impl IntegerIndex {
    /// The index of `values` (group `i` is `values[i]`, but for the NULL group) after an
    /// eviction from a dense one: dense while their range allows ([`dense_keeps`]).
    fn after_eviction(values: &[i64], null_group: Option<u32>, hasher: &RandomState) -> Self {
        match key_range(values, null_group) {
            Some((low, high)) => {
                let dense = dense_keeps(low, high, values.len());
                Self::for_range(values, null_group, (low, high), dense, hasher)
            }
            None => Self::default(),
        }
    }

    /// The index of `values` for keys from `low` to `high`: `dense` or hashed.
    fn for_range(
        values: &[i64],
        null_group: Option<u32>,
        (low, high): (i64, i64),
        dense: bool,
        hasher: &RandomState,
    ) -> Self {
        if dense {
            let mut slots = vec![NO_GROUP; (high - low) as usize + 1];
            for (id, value) in keys_of(values, null_group) {
                slots[(value - low) as usize] = id;
            }
            return IntegerIndex::Dense { base: low, slots };
        }
        let mut index = HashTable::with_capacity(values.len());
        for (id, value) in keys_of(values, null_group) {
            index.insert_unique(hasher.hash_one(value), (value, id), |&(key, _)| {
                hasher.hash_one(key)
            });
        }
        IntegerIndex::Hashed { index, low, high }
    }

    /// The range the index covers (`None` when it holds no key).
    fn range(&self) -> Option<(i64, i64)> {
        match self {
            IntegerIndex::Dense { slots, .. } if slots.is_empty() => None,
            IntegerIndex::Dense { base, slots } => Some((*base, *base + (slots.len() as i64 - 1))),
            IntegerIndex::Hashed { low, high, .. } => Some((*low, *high)),
        }
    }

    /// Readies the index of `values` for keys from `low` to `high` among at most `groups`
    /// groups: a dense index widens to them, or is hashed when they are too far apart (see
    /// [`dense_keeps`]); a hashed one turns dense when there are enough groups for its range
    /// (see [`dense_fits`]).
    fn make_room(
        &mut self,
        (low, high): (i64, i64),
        groups: usize,
        (values, null_group): (&[i64], Option<u32>),
        hasher: &RandomState,
    ) {
        let (low, high) = self
            .range()
            .map_or((low, high), |(l, h)| (low.min(l), high.max(h)));
        let fits = dense_fits(low, high, groups);
        match self {
            IntegerIndex::Dense { base, slots }
                if dense_keeps(low, high, groups) && !slots.is_empty() =>
            {
                if low < *base {
                    // Room below for keys lower still (chunks decoded out of order come that
                    // way), so that moving the slots up is paid for by the slots it adds.
                    let spare = low.saturating_sub(slots.len() as i64 / 2);
                    let low = if dense_fits(spare, high, groups) {
                        spare
                    } else {
                        low
                    };
                    let shift = (*base - low) as usize;
                    slots.splice(0..0, std::iter::repeat_n(NO_GROUP, shift));
                    *base = low;
                }
                slots.resize((high - *base) as usize + 1, NO_GROUP);
            }
            IntegerIndex::Hashed {
                low: old_low,
                high: old_high,
                ..
            } if !fits => (*old_low, *old_high) = (low, high),
            _ => *self = Self::for_range(values, null_group, (low, high), fits, hasher),
        }
    }
}

/// Keys → dense group ids `0..len`.
pub(crate) struct GroupTable {
    converter: RowConverter,
    keys: Keys,
    /// Row keys: each group's hash, and the index from a hash to its groups.
    hashes: Vec<u64>,
    table: HashTable<u32>,
    hasher: RandomState,
    /// Keys dropped as late in the current epoch, in row format.
    late: hashbrown::HashSet<Box<[u8]>, RandomState>,
    /// Integer keys: the group of the key last looked up in each slot (see [`memo_slot`]),
    /// consulted before the index while the table has few groups (window starts, say), whose
    /// keys then nearly always hit it.
    memo: Box<[(i64, u32); MEMO_SLOTS]>,
    /// Integer keys that come in runs (a row's windows, see [`GroupTable::intern_runs`]):
    /// the run last looked up in each slot, by its first key, with its groups (empty
    /// until runs are interned).
    runs: Vec<Run>,
}

/// The most keys in a run of [`GroupTable::intern_runs`].
pub(crate) const MAX_RUN: usize = 8;

/// A run of integer keys and their groups: the first `len` of each (no run when `len` is
/// 0).
#[derive(Clone, Copy)]
struct Run {
    len: usize,
    keys: [i64; MAX_RUN],
    ids: [u32; MAX_RUN],
}

/// A memo slot that holds no run.
const NO_RUN: Run = Run {
    len: 0,
    keys: [0; MAX_RUN],
    ids: [NO_GROUP; MAX_RUN],
};

/// Slots of [`GroupTable::memo`]; a table with more groups than this does not use it.
const MEMO_SLOTS: usize = 256;

/// A memo or dense-index slot that holds no group.
const NO_GROUP: u32 = u32::MAX;

/// The memo slot of integer key `value` (Fibonacci hashing: its top bits).
#[inline]
fn memo_slot(value: i64) -> usize {
    ((value as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - MEMO_SLOTS.trailing_zeros()))
        as usize
}

/// The least and the greatest non-NULL value of `column` (`None` when it has none).
fn value_range(column: &PrimitiveArray<Int64Type>) -> Option<(i64, i64)> {
    let values = column.values();
    match column.nulls() {
        None => range_of(values.iter().copied()),
        Some(nulls) => range_of(nulls.valid_indices().map(|row| values[row])),
    }
}

/// Whether a single key of this type is stored as `i64`.
fn integer_key(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Int32 | DataType::Int64 | DataType::Timestamp(TimeUnit::Microsecond, _)
    )
}

impl GroupTable {
    /// An empty table for keys of these types.
    pub(crate) fn new(types: Vec<DataType>) -> Result<Self, ArrowError> {
        let converter = RowConverter::new(types.iter().cloned().map(SortField::new).collect())?;
        let keys = match types.as_slice() {
            [data_type] if integer_key(data_type) => Keys::Integers {
                values: Vec::new(),
                data_type: data_type.clone(),
                null_group: None,
                index: IntegerIndex::default(),
            },
            _ => Keys::Rows(converter.empty_rows(0, 0)),
        };
        Ok(GroupTable {
            converter,
            keys,
            hashes: Vec::new(),
            table: HashTable::new(),
            hasher: RandomState::with_seeds(0x5eed, 0x5a7e, 0xa99, 0x9f0),
            late: hashbrown::HashSet::with_hasher(RandomState::with_seeds(1, 2, 3, 4)),
            memo: Box::new([(0, NO_GROUP); MEMO_SLOTS]),
            runs: Vec::new(),
        })
    }

    /// The number of groups.
    pub(crate) fn len(&self) -> usize {
        match &self.keys {
            Keys::Rows(_) => self.hashes.len(),
            Keys::Integers { values, .. } => values.len(),
        }
    }

    /// The group id of every row of `columns` (the key columns), creating groups for keys
    /// not seen before; `created` receives the rows that created a group, in id order.
    pub(crate) fn intern(
        &mut self,
        columns: &[ArrayRef],
        ids: &mut Vec<u32>,
        created: &mut Vec<u32>,
    ) -> Result<(), ArrowError> {
        self.intern_runs(columns, 1, ids, created)
    }

    /// [`Self::intern`] of keys that come in runs of `run` (at most [`MAX_RUN`]) that
    /// repeat, as a row's sliding windows do: each run of a single integer key is looked
    /// up whole in a memo of runs while the table has few groups. The ids are those
    /// [`Self::intern`] gives.
    pub(crate) fn intern_runs(
        &mut self,
        columns: &[ArrayRef],
        run: usize,
        ids: &mut Vec<u32>,
        created: &mut Vec<u32>,
    ) -> Result<(), ArrowError> {
        ids.clear();
        created.clear();
        match &mut self.keys {
            Keys::Rows(keys) => {
                let rows = self.converter.convert_columns(columns)?;
                ids.reserve(rows.num_rows());
                for (index, row) in rows.iter().enumerate() {
                    let bytes = row.data();
                    let hash = self.hasher.hash_one(bytes);
                    let found = self
                        .table
                        .find(hash, |&id| keys.row(id as usize).data() == bytes)
                        .copied();
                    let id = found.unwrap_or_else(|| {
                        let id = self.hashes.len() as u32;
                        keys.push(row);
                        insert(&mut self.table, &mut self.hashes, hash, id);
                        created.push(index as u32);
                        id
                    });
                    ids.push(id);
                }
            }
            Keys::Integers {
                values,
                null_group,
                index,
                ..
            } => {
                let column = cast(&columns[0], &DataType::Int64)?;
                let column = column.as_primitive::<Int64Type>();
                ids.reserve(column.len());
                // A hashed index whose keys are already too far apart to turn dense with
                // this batch's keys stays hashed (the batch can only widen the range
                // `make_room` would test): when the memo serves it, it widens its bounds as
                // keys are added instead of in a pass over the batch.
                let groups = values.len() + column.len();
                let stays_hashed = match index {
                    IntegerIndex::Hashed { low, high, .. } => !dense_fits(*low, *high, groups),
                    IntegerIndex::Dense { .. } => false,
                };
                let memo_serves =
                    stays_hashed && values.len() <= MEMO_SLOTS && column.null_count() == 0;
                if let Some(range) = (!memo_serves).then(|| value_range(column)).flatten() {
                    index.make_room(range, groups, (values, *null_group), &self.hasher);
                }
                match index {
                    IntegerIndex::Dense { base, slots } => {
                        let nulls = column.nulls();
                        // `extend` over the rows: the ids are written without a capacity
                        // test per row.
                        ids.extend(column.values().iter().enumerate().map(|(row, &value)| {
                            if nulls.is_some_and(|n| n.is_null(row)) {
                                return null_group_id(null_group, values, created, row);
                            }
                            let slot = &mut slots[(value - *base) as usize];
                            if *slot == NO_GROUP {
                                *slot = values.len() as u32;
                                values.push(value);
                                created.push(row as u32);
                            }
                            *slot
                        }));
                    }
                    IntegerIndex::Hashed { index, low, high } => {
                        let use_memo = values.len() <= MEMO_SLOTS;
                        let mut memo = ValueMemo {
                            memo: &mut self.memo,
                            hasher: &self.hasher,
                            index,
                            bounds: (low, high),
                            values,
                            created,
                        };
                        match column.nulls() {
                            // The common cases (window starts, a few keys): tight loops over
                            // the memo, the index only on a miss.
                            None if use_memo
                                && (2..=MAX_RUN).contains(&run)
                                && column.len() % run == 0 =>
                            {
                                let runs = &mut self.runs;
                                if runs.is_empty() {
                                    runs.resize(MEMO_SLOTS, NO_RUN);
                                }
                                let keys = column.values();
                                match run {
                                    2 => memo.runs::<2>(keys, runs, ids),
                                    3 => memo.runs::<3>(keys, runs, ids),
                                    4 => memo.runs::<4>(keys, runs, ids),
                                    5 => memo.runs::<5>(keys, runs, ids),
                                    6 => memo.runs::<6>(keys, runs, ids),
                                    7 => memo.runs::<7>(keys, runs, ids),
                                    _ => memo.runs::<MAX_RUN>(keys, runs, ids),
                                }
                            }
                            None if use_memo => ids.extend(
                                column
                                    .values()
                                    .iter()
                                    .enumerate()
                                    .map(|(row, &value)| memo.id(row, value)),
                            ),
                            nulls => {
                                for (row, &value) in column.values().iter().enumerate() {
                                    ids.push(if nulls.is_some_and(|n| n.is_null(row)) {
                                        null_group_id(null_group, memo.values, memo.created, row)
                                    } else {
                                        memo.look_up(row, value)
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Records the keys of rows dropped as late (counted once per key and epoch, as Spark
    /// counts the merged rows it drops).
    pub(crate) fn note_late(&mut self, columns: &[ArrayRef]) -> Result<(), ArrowError> {
        let rows = self.converter.convert_columns(columns)?;
        for row in rows.iter() {
            if !self.late.contains(row.data()) {
                self.late.insert(row.data().into());
            }
        }
        Ok(())
    }

    /// How many distinct late keys were recorded since the last call.
    pub(crate) fn take_late_count(&mut self) -> usize {
        let count = self.late.len();
        self.late.clear();
        count
    }

    /// The key columns of `groups`, in that order.
    pub(crate) fn key_columns(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ArrowError> {
        self.columns_of(groups.iter().map(|&g| g as usize))
    }

    /// The key columns of the groups from `first` on, in order.
    pub(crate) fn key_columns_from(&self, first: usize) -> Result<Vec<ArrayRef>, ArrowError> {
        self.columns_of(first.min(self.len())..self.len())
    }

    /// The key columns of `groups`, in their order.
    fn columns_of(
        &self,
        groups: impl Iterator<Item = usize> + Clone,
    ) -> Result<Vec<ArrayRef>, ArrowError> {
        match &self.keys {
            Keys::Rows(keys) => self.converter.convert_rows(groups.map(|g| keys.row(g))),
            Keys::Integers {
                values,
                data_type,
                null_group,
                ..
            } => {
                let nulls = null_group
                    .map(|null| {
                        let null = null as usize;
                        NullBuffer::new(groups.clone().map(|g| g != null).collect())
                    })
                    .filter(|nulls| nulls.null_count() > 0);
                let keys = groups.map(|g| values[g]);
                // Each key came from a column of `data_type`, so it fits that type.
                let column: ArrayRef = match data_type {
                    DataType::Int32 => {
                        Arc::new(Int32Array::new(keys.map(|key| key as i32).collect(), nulls))
                    }
                    DataType::Int64 => Arc::new(Int64Array::new(keys.collect(), nulls)),
                    _ => Arc::new(
                        TimestampMicrosecondArray::new(keys.collect(), nulls)
                            .with_data_type(data_type.clone()),
                    ),
                };
                Ok(vec![column])
            }
        }
    }

    /// Keeps the groups where `keep[id]`; the kept groups are renumbered in order. A hash
    /// index is updated in place, without hashing a key again; a dense one is rebuilt.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        const REMOVED: u32 = u32::MAX;
        let kept = |id: u32| keep.get(id as usize).copied().unwrap_or(true);
        let mut next = 0;
        let renumbered: Vec<u32> = (0..self.len() as u32)
            .map(|id| {
                if !kept(id) {
                    return REMOVED;
                }
                next += 1;
                next - 1
            })
            .collect();
        match &mut self.keys {
            Keys::Rows(keys) => {
                let mut kept_rows = self.converter.empty_rows(keys.num_rows(), 0);
                for (id, row) in keys.iter().enumerate() {
                    if kept(id as u32) {
                        kept_rows.push(row);
                    }
                }
                *keys = kept_rows;
                retain_by(&mut self.hashes, keep);
                self.table.retain(|id| {
                    *id = renumbered[*id as usize];
                    *id != REMOVED
                });
            }
            Keys::Integers {
                values,
                null_group,
                index,
                ..
            } => {
                retain_by(values, keep);
                *null_group = null_group
                    .map(|g| renumbered[g as usize])
                    .filter(|&g| g != REMOVED);
                match index {
                    IntegerIndex::Dense { .. } => {
                        *index = IntegerIndex::after_eviction(values, *null_group, &self.hasher);
                    }
                    IntegerIndex::Hashed {
                        index: hashed,
                        low,
                        high,
                    } => match key_range(values, *null_group) {
                        Some(range) => {
                            hashed.retain(|(_, id)| {
                                *id = renumbered[*id as usize];
                                *id != REMOVED
                            });
                            (*low, *high) = range;
                        }
                        None => *index = IntegerIndex::default(),
                    },
                }
            }
        }
        self.memo.fill((0, NO_GROUP));
        self.runs.clear();
    }

    /// Bytes held by the keys and the index (not the memos in front of it: fixed caches
    /// of at most 30 KiB, whatever the state holds).
    pub(crate) fn memory_bytes(&self) -> usize {
        match &self.keys {
            Keys::Rows(keys) => {
                keys.size() + self.hashes.capacity() * 8 + self.table.capacity() * 5
            }
            Keys::Integers { values, index, .. } => {
                values.capacity() * 8
                    + match index {
                        IntegerIndex::Dense { slots, .. } => slots.capacity() * 4,
                        IntegerIndex::Hashed { index, .. } => {
                            index.capacity() * (size_of::<(i64, u32)>() + 1)
                        }
                    }
            }
        }
    }
}

/// The memo of a hashed integer index, with what a miss needs to find or add a key.
struct ValueMemo<'t> {
    memo: &'t mut [(i64, u32); MEMO_SLOTS],
    hasher: &'t RandomState,
    index: &'t mut HashTable<(i64, u32)>,
    /// Bounds that hold every key in the index, widened as keys are added.
    bounds: (&'t mut i64, &'t mut i64),
    values: &'t mut Vec<i64>,
    created: &'t mut Vec<u32>,
}

impl ValueMemo<'_> {
    /// The group of `value`, the key of row `row` (recorded as creating it if new).
    #[inline(always)]
    fn id(&mut self, row: usize, value: i64) -> u32 {
        let (key, id) = self.memo[memo_slot(value)];
        if key == value && id != NO_GROUP {
            return id;
        }
        self.look_up(row, value)
    }

    /// [`Self::id`] from the index, noted in the memo.
    fn look_up(&mut self, row: usize, value: i64) -> u32 {
        let id = self.find_or_add(row, value);
        self.memo[memo_slot(value)] = (value, id);
        id
    }

    /// The group of `value` (of row `row`) in the index, added (with `row` recorded as
    /// creating it) if there is none yet. Out of line, so that the memo's loops, which
    /// seldom need it, stay small.
    #[inline(never)]
    fn find_or_add(&mut self, row: usize, value: i64) -> u32 {
        let hasher = self.hasher;
        let hash = hasher.hash_one(value);
        if let Some(&(_, id)) = self.index.find(hash, |&(key, _)| key == value) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(value);
        self.index
            .insert_unique(hash, (value, id), |&(key, _)| hasher.hash_one(key));
        self.created.push(row as u32);
        let (low, high) = &mut self.bounds;
        (**low, **high) = ((**low).min(value), (**high).max(value));
        id
    }

    /// The groups of `keys`, runs of `RUN` keys each: a run found whole in `runs` (by its
    /// first key's slot) takes the groups stored with it, any other is looked up key by
    /// key and then stored.
    fn runs<const RUN: usize>(&mut self, keys: &[i64], runs: &mut [Run], ids: &mut Vec<u32>) {
        let (chunks, _) = keys.as_chunks::<RUN>();
        let first = ids.len();
        ids.resize(first + chunks.len() * RUN, NO_GROUP);
        let (out, _) = ids[first..].as_chunks_mut::<RUN>();
        for (index, (run, out)) in chunks.iter().zip(out).enumerate() {
            let slot = &mut runs[memo_slot(run[0])];
            // Compared without a branch (or a call) per key.
            let differ = run
                .iter()
                .zip(&slot.keys)
                .fold(0, |differ, (key, stored)| differ | (key ^ stored));
            if differ == 0 && slot.len == RUN {
                out.copy_from_slice(&slot.ids[..RUN]);
                continue;
            }
            for (k, (&value, id)) in run.iter().zip(out).enumerate() {
                *id = self.id(index * RUN + k, value);
                (slot.keys[k], slot.ids[k]) = (value, *id);
            }
            slot.len = RUN;
        }
    }
}

/// The NULL key's group, created (row `row` creating it) if there is none yet.
fn null_group_id(
    null_group: &mut Option<u32>,
    values: &mut Vec<i64>,
    created: &mut Vec<u32>,
    row: usize,
) -> u32 {
    *null_group.get_or_insert_with(|| {
        values.push(0);
        created.push(row as u32);
        values.len() as u32 - 1
    })
}

/// Adds group `id` with `hash` to the index.
fn insert(table: &mut HashTable<u32>, hashes: &mut Vec<u64>, hash: u64, id: u32) {
    hashes.push(hash);
    table.insert_unique(hash, id, |&id| hashes[id as usize]);
}

/// One value per group of `groups` (`value(id)`), NULL where `valid(id)` is false: values
/// and validity each gathered in one pass, without a per-row builder.
pub(crate) fn gather_primitive<T: ArrowPrimitiveType>(
    groups: &[u32],
    value: impl Fn(usize) -> T::Native,
    valid: impl Fn(usize) -> bool,
) -> PrimitiveArray<T> {
    let values: ScalarBuffer<T::Native> = groups.iter().map(|&g| value(g as usize)).collect();
    let nulls = NullBuffer::new(BooleanBuffer::collect_bool(groups.len(), |i| {
        valid(groups[i] as usize)
    }));
    PrimitiveArray::new(values, (nulls.null_count() > 0).then_some(nulls))
}

/// Keeps `values[i]` where `keep[i]`, in order.
pub(crate) fn retain_by<T>(values: &mut Vec<T>, keep: &[bool]) {
    let mut index = 0;
    values.retain(|_| {
        let kept = keep.get(index).copied().unwrap_or(true);
        index += 1;
        kept
    });
}

/// The `removed` flags of a state checkpoint's batch of `rows` rows, all `removed`.
pub(crate) fn removed_flags(rows: usize, removed: bool) -> ArrayRef {
    let flags = match removed {
        true => BooleanBuffer::new_set(rows),
        false => BooleanBuffer::new_unset(rows),
    };
    Arc::new(BooleanArray::new(flags, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{StringArray, TimestampMicrosecondArray};
    use arrow::datatypes::TimestampMicrosecondType;

    /// Whether `table` finds its integer keys in a slot array.
    fn is_dense(table: &GroupTable) -> bool {
        matches!(
            &table.keys,
            Keys::Integers {
                index: IntegerIndex::Dense { .. },
                ..
            }
        )
    }

    /// An integer key column.
    fn int_keys(keys: Vec<i64>) -> ArrayRef {
        Arc::new(Int64Array::from(keys))
    }

    #[test]
    fn the_value_range_skips_nulls() {
        let range = |values: Vec<Option<i64>>| value_range(&Int64Array::from(values));
        assert_eq!(range(vec![]), None);
        assert_eq!(range(vec![None, None]), None);
        assert_eq!(range(vec![Some(3), Some(-7), Some(5)]), Some((-7, 5)));
        assert_eq!(range(vec![Some(i64::MAX)]), Some((i64::MAX, i64::MAX)));
        // A NULL slot's value (0 here) is not a key.
        assert_eq!(range(vec![None, Some(4), None, Some(9)]), Some((4, 9)));
        let sliced = Int64Array::from(vec![1, 100, 50, -1]).slice(1, 2);
        assert_eq!(value_range(&sliced), Some((50, 100)));
        let sliced = Int64Array::from(vec![Some(-9), None, Some(7), None, Some(8)]).slice(1, 3);
        assert_eq!(value_range(&sliced), Some((7, 7)));
    }

    #[test]
    fn equal_keys_share_a_group_and_eviction_renumbers() {
        let mut table = GroupTable::new(vec![DataType::Utf8, DataType::Int64]).unwrap();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![
                Some("a"),
                Some("b"),
                Some("a"),
                None,
            ])),
            Arc::new(Int64Array::from(vec![1, 1, 1, 1])),
        ];
        let (mut ids, mut created) = (Vec::new(), Vec::new());
        table.intern(&columns, &mut ids, &mut created).unwrap();
        assert_eq!(ids, [0, 1, 0, 2]);
        assert_eq!(created, [0, 1, 3]);
        table.retain(&[false, true, true]);
        assert_eq!(table.len(), 2);
        table.intern(&columns, &mut ids, &mut created).unwrap();
        assert_eq!(ids, [2, 0, 2, 1]);
        let keys = table.key_columns(&[0, 2]).unwrap();
        assert_eq!(keys[0].as_string::<i32>().value(1), "a");
        assert_eq!(keys[1].as_primitive::<Int64Type>().value(0), 1);
        assert_eq!(
            table.key_columns_from(1).unwrap(),
            table.key_columns(&[1, 2]).unwrap()
        );
        // Groups past the end of `keep` stay, keys and index alike.
        let before = table.key_columns(&[1, 2]).unwrap();
        table.retain(&[false]);
        assert_eq!(table.len(), 2);
        assert_eq!(table.key_columns(&[0, 1]).unwrap(), before);
        table.intern(&columns, &mut ids, &mut created).unwrap();
        assert_eq!(ids, [1, 2, 1, 0]);
    }

    #[test]
    fn integer_keys_find_their_groups_through_the_memo_and_without_it() {
        // Window starts, a minute apart; the second batch repeats them in another order.
        for groups in [MEMO_SLOTS / 2, MEMO_SLOTS * 2] {
            let mut table = GroupTable::new(vec![DataType::Int64]).unwrap();
            let minute = 60_000_000_i64;
            let first: ArrayRef = Arc::new(Int64Array::from_iter_values(
                (0..groups as i64).map(|k| k * minute),
            ));
            let (mut ids, mut created) = (Vec::new(), Vec::new());
            table.intern(&[first], &mut ids, &mut created).unwrap();
            assert_eq!(ids, (0..groups as u32).collect::<Vec<_>>());
            let again: Vec<i64> = (0..groups as i64 * 3)
                .map(|k| (k * 7919) % groups as i64)
                .collect();
            let column: ArrayRef = Arc::new(Int64Array::from_iter_values(
                again.iter().map(|k| k * minute),
            ));
            table.intern(&[column], &mut ids, &mut created).unwrap();
            let expected: Vec<u32> = again.iter().map(|&k| k as u32).collect();
            assert_eq!(ids, expected, "{groups} groups");
            assert!(created.is_empty());
            // With NULLs among them: the NULL key is a group of its own, created once.
            let with_nulls: ArrayRef = Arc::new(Int64Array::from(vec![
                Some(minute),
                None,
                Some(groups as i64 * minute),
                None,
                Some(minute),
            ]));
            table.intern(&[with_nulls], &mut ids, &mut created).unwrap();
            let (null, new) = (groups as u32, groups as u32 + 1);
            assert_eq!(ids, [1, null, new, null, 1], "{groups} groups");
            assert_eq!(created, [1, 2]);
        }
    }

    #[test]
    fn runs_of_keys_get_the_groups_key_by_key_lookups_give_them() {
        let minute = 60_000_000_i64;
        for run in [2, 5, MAX_RUN] {
            let (mut by_key, mut by_run) = (
                GroupTable::new(vec![DataType::Int64]).unwrap(),
                GroupTable::new(vec![DataType::Int64]).unwrap(),
            );
            let mut state = 7_u64;
            let mut next = |bound: u64| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                (state >> 33) % bound
            };
            for batch in 0..6 {
                // A row's windows, latest first; one run in ten shares its first key with
                // the usual run but not the rest, so a run is matched whole.
                let mut keys = Vec::new();
                for _ in 0..400 {
                    let last = next(40) as i64 * minute;
                    let step = if next(10) == 0 { 2 * minute } else { minute };
                    keys.extend((0..run as i64).map(|i| last - i * step));
                }
                if batch == 3 {
                    keys.push(0); // Not a whole number of runs: looked up key by key.
                }
                let column: ArrayRef = Arc::new(Int64Array::from(keys));
                let (mut ids, mut created) = (Vec::new(), Vec::new());
                let (mut run_ids, mut run_created) = (Vec::new(), Vec::new());
                by_key
                    .intern(std::slice::from_ref(&column), &mut ids, &mut created)
                    .unwrap();
                by_run
                    .intern_runs(&[column], run, &mut run_ids, &mut run_created)
                    .unwrap();
                assert_eq!(run_ids, ids, "run {run}, batch {batch}");
                assert_eq!(run_created, created, "run {run}, batch {batch}");
                // The memo of runs is used for whole runs only.
                assert_eq!(by_run.runs.is_empty(), batch == 3, "batch {batch}");
                // The hashed index's bounds, widened key by key, are its keys' range.
                let Keys::Integers {
                    values,
                    null_group,
                    index: IntegerIndex::Hashed { low, high, .. },
                    ..
                } = &by_run.keys
                else {
                    panic!("window starts are hashed");
                };
                assert_eq!(Some((*low, *high)), key_range(values, *null_group));
                // Evict a few groups: the others are renumbered, which the memo must see.
                let keep: Vec<bool> = (0..by_key.len()).map(|_| next(4) != 0).collect();
                by_key.retain(&keep);
                by_run.retain(&keep);
            }
        }
    }

    #[test]
    fn a_single_timestamp_key_keeps_its_type_and_its_null_group() {
        let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        let mut table = GroupTable::new(vec![ts.clone()]).unwrap();
        let column: ArrayRef = Arc::new(
            TimestampMicrosecondArray::from(vec![Some(5), None, Some(0), Some(5), None])
                .with_timezone("UTC"),
        );
        let (mut ids, mut created) = (Vec::new(), Vec::new());
        table
            .intern(std::slice::from_ref(&column), &mut ids, &mut created)
            .unwrap();
        assert_eq!(ids, [0, 1, 2, 0, 1]);
        // The key 0 and the NULL key stay apart, also after eviction renumbers them.
        table.retain(&[false, true, true]);
        table.intern(&[column], &mut ids, &mut created).unwrap();
        assert_eq!(ids, [2, 0, 1, 2, 0]);
        let keys = table.key_columns(&[0, 1, 2]).unwrap();
        assert_eq!(keys[0].data_type(), &ts);
        let keys = keys[0].as_primitive::<TimestampMicrosecondType>();
        assert_eq!(keys.iter().collect::<Vec<_>>(), [None, Some(0), Some(5)]);
        // The groups from one on: without the NULL group, then with it.
        let from_one = table.key_columns_from(1).unwrap();
        let from_one = from_one[0].as_primitive::<TimestampMicrosecondType>();
        assert_eq!(from_one.iter().collect::<Vec<_>>(), [Some(0), Some(5)]);
        assert_eq!(from_one.null_count(), 0);
        let all = table.key_columns_from(0).unwrap();
        assert_eq!(&all, &table.key_columns(&[0, 1, 2]).unwrap());
        assert_eq!(table.key_columns_from(7).unwrap()[0].len(), 0);
    }

    #[test]
    fn integer_keys_get_the_groups_a_plain_list_gives_them_whatever_their_spread() {
        // Batches of ids in order, some repeated, some lower than any before, some NULL or 0, now
        // and then one far away (the dense index gives way to a hashed one) and evictions
        // (the index is rebuilt): each checked against a list of the keys in group order.
        let mut seed = 0x5eed_u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..20 {
            let mut table = GroupTable::new(vec![DataType::Int32]).unwrap();
            let mut model: Vec<Option<i64>> = Vec::new();
            let mut start = 1_000_i64;
            let (mut ids, mut created) = (Vec::new(), Vec::new());
            for batch in 0..12 {
                let keys: Vec<Option<i32>> = (0..200)
                    .map(|_| match next(40) {
                        0 => None,
                        1 if round % 2 == 1 => Some(next(1 << 30) as i32 - (1 << 29)),
                        2 => Some((start - 1 - next(300) as i64) as i32),
                        // The NULL group's placeholder is 0: no key of its own.
                        3 => Some(0),
                        _ => Some((start + next(150) as i64) as i32),
                    })
                    .collect();
                start += 100;
                let column: ArrayRef = Arc::new(arrow::array::Int32Array::from(keys.clone()));
                table.intern(&[column], &mut ids, &mut created).unwrap();
                let mut expected_created = Vec::new();
                let expected: Vec<u32> = keys
                    .iter()
                    .enumerate()
                    .map(|(row, key)| {
                        let key = key.map(i64::from);
                        let id = model.iter().position(|k| *k == key).unwrap_or_else(|| {
                            model.push(key);
                            expected_created.push(row as u32);
                            model.len() - 1
                        });
                        id as u32
                    })
                    .collect();
                assert_eq!(ids, expected, "round {round}, batch {batch}");
                assert_eq!(created, expected_created, "round {round}, batch {batch}");
                if batch % 3 == 2 {
                    let keep: Vec<bool> = model.iter().map(|_| next(3) > 0).collect();
                    table.retain(&keep);
                    retain_by(&mut model, &keep);
                }
                assert_eq!(table.len(), model.len());
                let all: Vec<u32> = (0..model.len() as u32).collect();
                let stored = table.key_columns(&all).unwrap();
                let stored: Vec<Option<i64>> = stored[0]
                    .as_primitive::<arrow::datatypes::Int32Type>()
                    .iter()
                    .map(|k| k.map(i64::from))
                    .collect();
                assert_eq!(stored, model, "round {round}, batch {batch}");
            }
            assert_eq!(is_dense(&table), round % 2 == 0, "round {round}");
        }
    }

    #[test]
    fn a_dense_index_keeps_its_slots_up_to_eight_a_key() {
        let mut table = GroupTable::new(vec![DataType::Int64]).unwrap();
        let (mut ids, mut created) = (Vec::new(), Vec::new());
        table
            .intern(&[int_keys((0..10_000).collect())], &mut ids, &mut created)
            .unwrap();
        assert!(is_dense(&table));
        // Six slots a key: more than a new dense index takes, but this one stays.
        assert!(!dense_fits(0, 60_000, 10_001));
        table
            .intern(&[int_keys(vec![60_000, 5])], &mut ids, &mut created)
            .unwrap();
        assert_eq!(ids, [10_000, 5]);
        assert!(is_dense(&table));
        // An eviction keeps it dense too.
        let mut keep = vec![true; table.len()];
        keep[3] = false;
        table.retain(&keep);
        assert!(is_dense(&table));
        table
            .intern(&[int_keys(vec![60_000, 5])], &mut ids, &mut created)
            .unwrap();
        assert_eq!(ids, [9_999, 4]);
        // Twenty slots a key: hashed, the keys keeping their groups.
        table
            .intern(
                &[int_keys(vec![200_000, 60_000, 7])],
                &mut ids,
                &mut created,
            )
            .unwrap();
        assert_eq!(ids, [10_000, 9_999, 6]);
        assert!(!is_dense(&table));
    }

    #[test]
    fn integer_keys_hashed_for_a_far_key_turn_dense_once_they_fill_their_range() {
        let mut table = GroupTable::new(vec![DataType::Int64]).unwrap();
        let (mut ids, mut created) = (Vec::new(), Vec::new());
        table
            .intern(&[int_keys((0..100).collect())], &mut ids, &mut created)
            .unwrap();
        assert!(is_dense(&table));
        table
            .intern(&[int_keys(vec![1_000_000, 5])], &mut ids, &mut created)
            .unwrap();
        assert_eq!(ids, [100, 5]);
        assert!(!is_dense(&table));
        table
            .intern(
                &[int_keys((100..300_000).collect())],
                &mut ids,
                &mut created,
            )
            .unwrap();
        assert!(is_dense(&table));
        assert_eq!(ids[..2], [101, 102]);
        table
            .intern(
                &[int_keys(vec![1_000_000, 0, 299_999, 7])],
                &mut ids,
                &mut created,
            )
            .unwrap();
        assert_eq!(ids, [100, 0, 300_000, 7]);
        assert!(created.is_empty());
    }

    #[test]
    fn the_extreme_integer_keys_keep_their_groups() {
        for keys in [
            vec![i64::MAX - 1, i64::MAX],
            vec![i64::MIN, i64::MIN + 1],
            vec![i64::MIN, i64::MAX],
        ] {
            let mut table = GroupTable::new(vec![DataType::Int64]).unwrap();
            let (mut ids, mut created) = (Vec::new(), Vec::new());
            for _ in 0..2 {
                let column: ArrayRef = Arc::new(Int64Array::from(keys.clone()));
                table.intern(&[column], &mut ids, &mut created).unwrap();
                assert_eq!(ids, [0, 1], "{keys:?}");
            }
            table.retain(&[false, true]);
            let column: ArrayRef = Arc::new(Int64Array::from(keys.clone()));
            table.intern(&[column], &mut ids, &mut created).unwrap();
            assert_eq!(ids, [1, 0], "{keys:?}");
        }
    }
}
