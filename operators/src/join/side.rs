//! One input's buffered rows in a stream-stream join: the rows, their join key group, the
//! time their eviction is decided by, and whether they ever matched.

use arrow::array::{
    new_empty_array, Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array,
};
use arrow::compute::{concat, interleave, take};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::error::ArrowError;
use std::ops::Range;

/// A side's state. Row ids index every per-row vector; they are stable until
/// [`SideState::compact`].
pub(crate) struct SideState {
    schema: SchemaRef,
    chunks: Vec<RecordBatch>,
    /// Per row: `(chunk, row in chunk)`.
    location: Vec<(u32, u32)>,
    /// Per row: the key group.
    pub(crate) group: Vec<u32>,
    /// Per row: the eviction time (µs; `i64::MAX` never evicts).
    pub(crate) time: Vec<i64>,
    /// Per row: matched a row of the other side.
    pub(crate) matched: Vec<bool>,
    /// Per row: still in the state.
    pub(crate) alive: Vec<bool>,
    /// Per key group: its latest row (`NONE` without rows); the rows of a group are chained
    /// through `next`, so a group costs no allocation of its own.
    head: Vec<u32>,
    /// Per row: the previous row of its group (`NONE` at the end).
    next: Vec<u32>,
    live_rows: usize,
    /// Per row: a sequence number that names it across compactions and restarts.
    seq: Vec<u64>,
    next_seq: u64,
    /// Rows numbered from here on were added since the last checkpoint.
    checkpointed_seq: u64,
    /// Since the last checkpoint: rows it held that left, and that first matched.
    removed_seqs: Vec<u64>,
    matched_seqs: Vec<u64>,
}

/// A side's changes since its last checkpoint (what a delta holds).
pub(crate) struct SideChanges {
    /// Rows added, still live: their ids.
    pub(crate) added: Vec<u32>,
    /// Rows of the last checkpoint that left.
    pub(crate) removed: Vec<u64>,
    /// Rows of the last checkpoint, still live, that matched since.
    pub(crate) matched: Vec<u64>,
}

/// Some of a side's rows, as columns, with the range of the row ids asked for they hold
/// ([`SideState::pieces`]).
pub(crate) type Piece = (Vec<ArrayRef>, Range<usize>);

/// Whether values of `data_type` are, or hold, dictionary-encoded values.
fn holds_dictionary(data_type: &DataType) -> bool {
    match data_type {
        DataType::Dictionary(..) => true,
        DataType::List(field)
        | DataType::LargeList(field)
        | DataType::ListView(field)
        | DataType::LargeListView(field)
        | DataType::FixedSizeList(field, _)
        | DataType::Map(field, _) => holds_dictionary(field.data_type()),
        DataType::Struct(fields) => fields.iter().any(|f| holds_dictionary(f.data_type())),
        DataType::Union(fields, _) => fields.iter().any(|(_, f)| holds_dictionary(f.data_type())),
        DataType::RunEndEncoded(_, values) => holds_dictionary(values.data_type()),
        _ => false,
    }
}

/// The end of a row chain.
const NONE: u32 = u32::MAX;

/// Rows side by side in a chunk from which [`SideState::pieces`] gives them as a slice of
/// it rather than copying them with their neighbours.
const PIECE_ROWS: usize = 1024;

/// Rows per run, on average, from which gathering rows copies them run by run.
const MIN_RUN_ROWS: usize = 16;

impl SideState {
    /// Empty state for rows of `schema`.
    pub(crate) fn new(schema: SchemaRef) -> Self {
        SideState {
            schema,
            chunks: Vec::new(),
            location: Vec::new(),
            group: Vec::new(),
            time: Vec::new(),
            matched: Vec::new(),
            alive: Vec::new(),
            head: Vec::new(),
            next: Vec::new(),
            live_rows: 0,
            seq: Vec::new(),
            next_seq: 0,
            checkpointed_seq: 0,
            removed_seqs: Vec::new(),
            matched_seqs: Vec::new(),
        }
    }

    /// Rows in the state.
    pub(crate) fn len(&self) -> usize {
        self.live_rows
    }

    /// Adds the rows `rows` of `batch` with their groups, times and matched flags (and
    /// their sequence numbers, when they had some already).
    pub(crate) fn insert(
        &mut self,
        batch: &RecordBatch,
        rows: &[u32],
        groups: &[u32],
        times: &[i64],
        matched: &[bool],
        seqs: Option<&[u64]>,
    ) {
        if rows.is_empty() {
            return;
        }
        let chunk = self.chunks.len() as u32;
        self.chunks.push(batch.clone());
        self.insert_into(chunk, rows, groups, times, matched, seqs);
    }

    /// [`SideState::insert`] of rows of the chunk numbered `chunk`, already held.
    fn insert_into(
        &mut self,
        chunk: u32,
        rows: &[u32],
        groups: &[u32],
        times: &[i64],
        matched: &[bool],
        seqs: Option<&[u64]>,
    ) {
        for (i, &row) in rows.iter().enumerate() {
            let id = self.location.len() as u32;
            self.location.push((chunk, row));
            self.group.push(groups[i]);
            self.time.push(times[i]);
            self.matched.push(matched[i]);
            self.alive.push(true);
            let seq = seqs.map_or(self.next_seq, |s| s[i]);
            self.next_seq = self.next_seq.max(seq + 1);
            self.seq.push(seq);
            let group = groups[i] as usize;
            if self.head.len() <= group {
                self.head.resize(group + 1, NONE);
            }
            self.next.push(self.head[group]);
            self.head[group] = id;
        }
        self.live_rows += rows.len();
    }

    /// The live rows of key group `group`, latest first.
    pub(crate) fn rows_of(&self, group: u32) -> impl Iterator<Item = u32> + '_ {
        let first = self.head.get(group as usize).copied().unwrap_or(NONE);
        std::iter::successors(Some(first).filter(|&id| id != NONE), |&id| {
            Some(self.next[id as usize]).filter(|&id| id != NONE)
        })
        .filter(|&id| self.alive[id as usize])
    }

    /// Rows kept in memory that already left the state (dropped at the next compaction).
    pub(crate) fn dead_rows(&self) -> usize {
        self.alive.len() - self.live_rows
    }

    /// The columns of the rows `ids`, in that order. Rows that make up most of one chunk, side
    /// by side, are a slice of it (sharing its memory, at most twice theirs: a probe batch
    /// meets a stored batch's rows); other rows are copied ([`SideState::copy`]).
    pub(crate) fn gather(&self, ids: &[u32]) -> Result<Vec<ArrayRef>, ArrowError> {
        let runs = self.runs(ids);
        if let [(chunk, start, rows)] = runs[..] {
            let chunk = &self.chunks[chunk];
            if 2 * rows >= chunk.num_rows() {
                return Ok(chunk
                    .columns()
                    .iter()
                    .map(|column| column.slice(start, rows))
                    .collect());
            }
        }
        self.copy(ids, &runs)
    }

    /// The columns of the rows `ids`, in that order, in pieces, each with the range of
    /// `ids` it holds: a run of at least [`PIECE_ROWS`] rows side by side in a chunk is a
    /// slice of it (nothing copied: a checkpoint writes them from there); the rows between
    /// such runs are copied together into one piece ([`SideState::copy`]). Rows with a
    /// dictionary column are one copied piece: an Arrow IPC file, which a checkpoint
    /// writes, holds one dictionary per column, and the chunks' dictionaries differ. A
    /// slice keeps its chunk's memory while it lives (a snapshot written in the background
    /// holds it until written, even past a compaction).
    pub(crate) fn pieces(&self, ids: &[u32]) -> Result<Vec<Piece>, ArrowError> {
        if self
            .schema
            .fields()
            .iter()
            .any(|f| holds_dictionary(f.data_type()))
        {
            return Ok(vec![(self.copy(ids, &self.runs(ids))?, 0..ids.len())]);
        }
        let mut pieces = Vec::new();
        // The runs since the last long one, and the ids they hold.
        let mut short = Vec::new();
        let mut short_ids = 0..0;
        let mut first = 0;
        for run in self.runs(ids) {
            let (chunk, start, rows) = run;
            let range = first..first + rows;
            first += rows;
            if rows < PIECE_ROWS {
                short.push(run);
                short_ids.end = range.end;
                continue;
            }
            if !short.is_empty() {
                let copied = self.copy(&ids[short_ids.clone()], &short)?;
                pieces.push((copied, short_ids.clone()));
                short.clear();
            }
            let columns = self.chunks[chunk]
                .columns()
                .iter()
                .map(|column| column.slice(start, rows))
                .collect();
            pieces.push((columns, range.clone()));
            short_ids = range.end..range.end;
        }
        if !short.is_empty() || pieces.is_empty() {
            pieces.push((self.copy(&ids[short_ids.clone()], &short)?, short_ids));
        }
        Ok(pieces)
    }

    /// The columns of the rows `ids` (in `runs`, see [`SideState::runs`]), in that order, in
    /// new arrays that share no memory with the chunks. Runs of rows that lie side by side
    /// in one chunk (mostly they do: rows added since a checkpoint, the rows left after an
    /// eviction) are copied run by run; scattered rows one by one.
    fn copy(
        &self,
        ids: &[u32],
        runs: &[(usize, usize, usize)],
    ) -> Result<Vec<ArrayRef>, ArrowError> {
        let fields = self.schema.fields();
        if ids.is_empty() {
            return Ok(fields
                .iter()
                .map(|field| new_empty_array(field.data_type()))
                .collect());
        }
        if runs.len() * MIN_RUN_ROWS <= ids.len() {
            return (0..fields.len())
                .map(|column| self.copy_runs(column, runs))
                .collect();
        }
        let indices: Vec<(usize, usize)> = ids
            .iter()
            .map(|&id| {
                let (chunk, row) = self.location[id as usize];
                (chunk as usize, row as usize)
            })
            .collect();
        (0..fields.len())
            .map(|column| {
                let arrays: Vec<&dyn Array> = self
                    .chunks
                    .iter()
                    .map(|c| c.column(column).as_ref())
                    .collect();
                interleave(&arrays, &indices)
            })
            .collect()
    }

    /// Column `column` of the rows in `runs`, copied run by run into a new array.
    fn copy_runs(
        &self,
        column: usize,
        runs: &[(usize, usize, usize)],
    ) -> Result<ArrayRef, ArrowError> {
        if let [(chunk, start, rows)] = runs[..] {
            // One slice would be concatenated into itself, not copied.
            let rows = UInt32Array::from_iter_values(start as u32..(start + rows) as u32);
            return take(self.chunks[chunk].column(column).as_ref(), &rows, None);
        }
        let slices: Vec<ArrayRef> = runs
            .iter()
            .map(|&(chunk, start, rows)| self.chunks[chunk].column(column).slice(start, rows))
            .collect();
        let slices: Vec<&dyn Array> = slices.iter().map(AsRef::as_ref).collect();
        concat(&slices)
    }

    /// The rows `ids` as runs `(chunk, first row, rows)` of rows side by side in a chunk.
    fn runs(&self, ids: &[u32]) -> Vec<(usize, usize, usize)> {
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for &id in ids {
            let (chunk, row) = self.location[id as usize];
            let (chunk, row) = (chunk as usize, row as usize);
            match runs.last_mut() {
                Some((last, start, rows)) if *last == chunk && *start + *rows == row => *rows += 1,
                _ => runs.push((chunk, row, 1)),
            }
        }
        runs
    }

    /// Marks the rows `ids` as gone.
    pub(crate) fn remove(&mut self, ids: &[u32]) {
        for &id in ids {
            self.kill(id);
        }
    }

    fn kill(&mut self, id: u32) {
        if std::mem::replace(&mut self.alive[id as usize], false) {
            self.live_rows -= 1;
            let seq = self.seq[id as usize];
            if seq < self.checkpointed_seq {
                self.removed_seqs.push(seq);
            }
        }
    }

    /// Marks row `id` as having matched.
    pub(crate) fn mark_matched(&mut self, id: u32) {
        if !std::mem::replace(&mut self.matched[id as usize], true) {
            let seq = self.seq[id as usize];
            if seq < self.checkpointed_seq {
                self.matched_seqs.push(seq);
            }
        }
    }

    /// What changed since the last checkpoint (everything live when `full`); the next
    /// changes count from here.
    pub(crate) fn take_changes(&mut self, full: bool) -> SideChanges {
        let since = if full { 0 } else { self.checkpointed_seq };
        let added = (0..self.alive.len() as u32)
            .filter(|&id| self.alive[id as usize] && self.seq[id as usize] >= since)
            .collect();
        let removed = std::mem::take(&mut self.removed_seqs);
        let matched = std::mem::take(&mut self.matched_seqs);
        self.checkpointed_seq = self.next_seq;
        if full {
            return SideChanges {
                added,
                removed: Vec::new(),
                matched: Vec::new(),
            };
        }
        SideChanges {
            added,
            removed,
            matched,
        }
    }

    /// The sequence number of each row.
    pub(crate) fn seqs(&self) -> &[u64] {
        &self.seq
    }

    /// Applies a checkpoint's removals and matches (by sequence number); the state then
    /// counts as checkpointed.
    pub(crate) fn apply_changes(&mut self, removed: &[u64], matched: &[u64]) {
        if !removed.is_empty() || !matched.is_empty() {
            let ids: std::collections::HashMap<u64, u32> = self
                .seq
                .iter()
                .enumerate()
                .filter(|(id, _)| self.alive[*id])
                .map(|(id, &seq)| (seq, id as u32))
                .collect();
            for seq in removed {
                if let Some(&id) = ids.get(seq) {
                    self.kill(id);
                }
            }
            for seq in matched {
                if let Some(&id) = ids.get(seq) {
                    self.matched[id as usize] = true;
                }
            }
        }
        self.checkpointed_seq = self.next_seq;
        self.removed_seqs.clear();
        self.matched_seqs.clear();
    }

    /// Marks the rows with time ≤ `threshold` (µs) as gone; returns them.
    pub(crate) fn expire(&mut self, threshold: i64) -> Vec<u32> {
        let mut expired = Vec::new();
        for id in 0..self.alive.len() {
            if self.alive[id] && self.time[id] <= threshold {
                expired.push(id as u32);
            }
        }
        for &id in &expired {
            self.kill(id);
        }
        expired
    }

    /// Bytes held by the buffered rows and their bookkeeping.
    pub(crate) fn memory_bytes(&self) -> usize {
        let rows: usize = self.chunks.iter().map(|c| c.get_array_memory_size()).sum();
        rows + self.location.capacity() * 8
            + self.group.capacity() * 8
            + self.time.capacity() * 10
            + self.head.capacity() * 4
    }

    /// Whether group `group` has live rows.
    pub(crate) fn has_rows(&self, group: usize) -> bool {
        self.rows_of(group as u32).next().is_some()
    }

    /// Drops the rows that are gone and renumbers groups with `group_map` (old → new id).
    /// A chunk at least half of whose rows are live is kept as it is (its live rows are not
    /// copied: with event time moving forward, whole chunks expire together and the others
    /// stay whole); the live rows of the other chunks are copied into one new chunk, so
    /// that their chunks' memory goes. Live rows keep their order.
    pub(crate) fn compact(&mut self, group_map: &[Option<u32>]) -> Result<(), ArrowError> {
        let live: Vec<u32> = (0..self.alive.len() as u32)
            .filter(|&id| self.alive[id as usize])
            .collect();
        let mut live_rows = vec![0; self.chunks.len()];
        for &id in &live {
            live_rows[self.location[id as usize].0 as usize] += 1;
        }
        let kept: Vec<bool> = (0..self.chunks.len())
            .map(|chunk| 2 * live_rows[chunk] >= self.chunks[chunk].num_rows())
            .collect();
        let copied: Vec<u32> = live
            .iter()
            .copied()
            .filter(|&id| !kept[self.location[id as usize].0 as usize])
            .collect();
        let copies = RecordBatch::try_new_with_options(
            self.schema.clone(),
            self.copy(&copied, &self.runs(&copied))?,
            &RecordBatchOptions::new().with_row_count(Some(copied.len())),
        )?;
        // The live rows in order, in stretches of one source: a kept chunk, or the copies.
        let mut stretches: Vec<(Option<usize>, Vec<u32>)> = Vec::new();
        for &id in &live {
            let chunk = self.location[id as usize].0 as usize;
            let source = kept[chunk].then_some(chunk);
            match stretches.last_mut() {
                Some((last, ids)) if *last == source => ids.push(id),
                _ => stretches.push((source, vec![id])),
            }
        }
        // The rows keep their numbers and the changes since the last checkpoint survive.
        let fresh = SideState {
            next_seq: self.next_seq,
            checkpointed_seq: self.checkpointed_seq,
            removed_seqs: std::mem::take(&mut self.removed_seqs),
            matched_seqs: std::mem::take(&mut self.matched_seqs),
            ..SideState::new(self.schema.clone())
        };
        let old = std::mem::replace(self, fresh);
        // Each source becomes a chunk once, when its first stretch comes.
        let mut new_chunk: Vec<Option<u32>> = vec![None; old.chunks.len() + 1];
        let mut next_copy = 0u32;
        for (source, ids) in stretches {
            let rows: Vec<u32> = match source {
                Some(_) => ids.iter().map(|&id| old.location[id as usize].1).collect(),
                None => {
                    next_copy += ids.len() as u32;
                    (next_copy - ids.len() as u32..next_copy).collect()
                }
            };
            let groups = ids
                .iter()
                .map(|&id| {
                    group_map
                        .get(old.group[id as usize] as usize)
                        .copied()
                        .flatten()
                })
                .collect::<Option<Vec<u32>>>()
                .ok_or_else(|| {
                    ArrowError::InvalidArgumentError("a live row's key group was dropped".into())
                })?;
            let times: Vec<i64> = ids.iter().map(|&id| old.time[id as usize]).collect();
            let matched: Vec<bool> = ids.iter().map(|&id| old.matched[id as usize]).collect();
            let seqs: Vec<u64> = ids.iter().map(|&id| old.seq[id as usize]).collect();
            // The copies are numbered after the old chunks.
            let slot = source.unwrap_or(old.chunks.len());
            let chunk = *new_chunk[slot].get_or_insert_with(|| {
                self.chunks
                    .push(source.map_or(&copies, |chunk| &old.chunks[chunk]).clone());
                self.chunks.len() as u32 - 1
            });
            self.insert_into(chunk, &rows, &groups, &times, &matched, Some(&seqs));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    /// A state of `chunks` chunks of `rows` rows each; row `r` of chunk `c` holds
    /// `1000 c + r` and its text, and every row but each fortieth is stored.
    fn state(chunks: i64, rows: i64) -> SideState {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        let mut state = SideState::new(schema.clone());
        for c in 0..chunks {
            let numbers: Vec<Option<i64>> = (0..rows)
                .map(|r| (r % 7 != 3).then_some(1000 * c + r))
                .collect();
            let texts: Vec<String> = (0..rows).map(|r| format!("t{}", 1000 * c + r)).collect();
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from(numbers)),
                    Arc::new(StringArray::from(texts)),
                ],
            )
            .expect("batch");
            let stored: Vec<u32> = (0..rows as u32).filter(|r| r % 40 != 39).collect();
            let n = stored.len();
            state.insert(
                &batch,
                &stored,
                &vec![0; n],
                &vec![0; n],
                &vec![false; n],
                None,
            );
        }
        state
    }

    /// Row `i` of every column, as text.
    fn rows(columns: &[ArrayRef]) -> Vec<String> {
        let len = columns.first().map_or(0, |c| c.len());
        (0..len)
            .map(|i| {
                columns
                    .iter()
                    .map(|c| arrow::util::display::array_value_to_string(c, i).expect("cell"))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }

    #[test]
    fn gathered_rows_are_the_rows_named_in_order_sharing_at_most_one_chunk() {
        let state = state(4, 120);
        let all: Vec<u32> = (0..state.location.len() as u32).collect();
        let expected = |ids: &[u32]| -> Vec<String> {
            ids.iter()
                .map(|&id| {
                    let (c, r) = state.location[id as usize];
                    let n = 1000 * c + r;
                    let number = if r % 7 == 3 {
                        "".to_string()
                    } else {
                        n.to_string()
                    };
                    format!("{number}|t{n}")
                })
                .collect()
        };
        let runs: Vec<u32> = all.iter().copied().filter(|id| id % 30 != 29).collect();
        let scattered: Vec<u32> = all.iter().copied().filter(|id| id % 3 == 0).collect();
        let reversed: Vec<u32> = all.iter().rev().copied().collect();
        let mixed: Vec<u32> = all[70..].iter().chain(&all[..70]).copied().collect();
        let one_run: Vec<u32> = (3..30).collect();
        let one_chunk: Vec<u32> = (117..234).collect();
        for ids in [
            &all,
            &runs,
            &scattered,
            &reversed,
            &mixed,
            &one_run,
            &one_chunk,
            &vec![5],
            &Vec::new(),
        ] {
            let gathered = state.gather(ids).expect("gather");
            // Arrays that hold little more than the rows named, or one chunk.
            let chunk_bytes = state.chunks[0].column(1).get_array_memory_size();
            assert!(gathered[1].get_array_memory_size() < chunk_bytes.max(ids.len() * 64));
            assert_eq!(gathered.len(), 2);
            assert_eq!(rows(&gathered), expected(ids), "{ids:?}");
        }
    }

    /// Every row of `state`, in id order, as text.
    fn all_rows(state: &SideState) -> Vec<String> {
        let ids: Vec<u32> = (0..state.location.len() as u32).collect();
        rows(&state.gather(&ids).expect("gather"))
    }

    #[test]
    fn long_runs_are_pieces_of_their_chunks_and_the_rows_between_are_copied_together() {
        // Three chunks of 1,200 rows each missing every fortieth (runs of 39), then one
        // of them again, stored whole (a run of 1,200).
        let mut state = state(3, 1200);
        let whole = state.chunks[0].clone();
        let every: Vec<u32> = (0..1200).collect();
        state.insert(&whole, &every, &[0; 1200], &[0; 1200], &[false; 1200], None);
        let ids: Vec<u32> = (0..state.location.len() as u32).collect();
        let pieces = state.pieces(&ids).expect("pieces");
        let ranges: Vec<_> = pieces.iter().map(|(_, range)| range.clone()).collect();
        let copied = 3 * 1170;
        assert_eq!(ranges, [0..copied, copied..copied + 1200]);
        let values = |columns: &[ArrayRef]| columns[1].to_data().buffers()[1].as_ptr();
        assert_eq!(values(&pieces[1].0), values(whole.columns()));
        let gathered: Vec<String> = pieces
            .iter()
            .flat_map(|(columns, _)| rows(columns))
            .collect();
        assert_eq!(gathered, all_rows(&state));
    }

    #[test]
    fn rows_with_a_dictionary_column_are_one_piece() {
        use arrow::array::DictionaryArray;
        use arrow::datatypes::Int32Type;
        let field = Field::new_dictionary("d", DataType::Int32, DataType::Utf8, true);
        let schema = Arc::new(Schema::new(vec![field]));
        let mut state = SideState::new(schema.clone());
        for word in ["a", "b"] {
            let values: DictionaryArray<Int32Type> = std::iter::repeat_n(word, 1100).collect();
            let batch =
                RecordBatch::try_new(schema.clone(), vec![Arc::new(values)]).expect("batch");
            let all: Vec<u32> = (0..1100).collect();
            state.insert(&batch, &all, &[0; 1100], &[0; 1100], &[false; 1100], None);
        }
        let ids: Vec<u32> = (0..2200).collect();
        let pieces = state.pieces(&ids).expect("pieces");
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].1, 0..2200);
        assert_eq!(rows(&pieces[0].0), all_rows(&state));
    }

    #[test]
    fn compaction_keeps_the_live_rows_in_order_whatever_order_their_chunks_hold_them() {
        for reversed in [false, true] {
            let mut state = state(3, 120);
            if reversed {
                // One more chunk whose rows were stored last first.
                let last = state.chunks[0].clone();
                let stored: Vec<u32> = (0..50).rev().collect();
                state.insert(&last, &stored, &[0; 50], &[0; 50], &[false; 50], None);
            }
            // Two chunks stored whole: the first loses one row, the second none.
            let whole = state.chunks[1].clone();
            let every: Vec<u32> = (0..120).collect();
            let first_whole = state.location.len() as u32;
            for _ in 0..2 {
                state.insert(&whole, &every, &[0; 120], &[0; 120], &[false; 120], None);
            }
            let before = all_rows(&state);
            let gone: Vec<u32> = (0..first_whole)
                .filter(|id| id % 5 == 1 || (40..300).contains(id))
                .chain([first_whole + 7])
                .collect();
            state.remove(&gone);
            let expected: Vec<String> = before
                .iter()
                .enumerate()
                .filter(|(id, _)| !gone.contains(&(*id as u32)))
                .map(|(_, row)| row.clone())
                .collect();
            let sparse = state.chunks[0].clone();
            state.compact(&[Some(0)]).expect("compact");
            assert_eq!(state.len(), expected.len());
            assert_eq!(all_rows(&state), expected, "reversed: {reversed}");
            // The chunk stored whole, nearly all live, is kept as it is; the rows left of
            // the chunk that lost most of them were copied out of it.
            let values = |batch: &RecordBatch| batch.column(0).to_data().buffers()[0].as_ptr();
            let held: Vec<_> = state.chunks.iter().map(values).collect();
            assert!(held.contains(&values(&whole)), "reversed: {reversed}");
            assert!(!held.contains(&values(&sparse)), "reversed: {reversed}");
            // Each source is held once: the two entries of the whole chunk and the copies.
            assert_eq!(state.chunks.len(), 3, "reversed: {reversed}");
        }
    }
}
