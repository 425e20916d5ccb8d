//! The group table: grouping keys in Arrow's row format, each mapped to a dense group id.
//! Per-group state lives in vectors indexed by that id (the accumulators').

use ahash::RandomState;
use arrow::array::ArrayRef;
use arrow::error::ArrowError;
use arrow::row::{RowConverter, Rows, SortField};
use hashbrown::HashTable;

/// Keys → dense group ids `0..len`.
pub(crate) struct GroupTable {
    converter: RowConverter,
    /// Key of group `i` is row `i`.
    keys: Rows,
    hashes: Vec<u64>,
    table: HashTable<u32>,
    hasher: RandomState,
    /// Keys dropped as late in the current epoch.
    late: hashbrown::HashSet<Box<[u8]>, RandomState>,
}

impl GroupTable {
    /// An empty table for keys of these types.
    pub(crate) fn new(fields: Vec<SortField>) -> Result<Self, ArrowError> {
        let converter = RowConverter::new(fields)?;
        let keys = converter.empty_rows(0, 0);
        Ok(GroupTable {
            converter,
            keys,
            hashes: Vec::new(),
            table: HashTable::new(),
            hasher: RandomState::with_seeds(0x5eed, 0x5a7e, 0xa99, 0x9f0),
            late: hashbrown::HashSet::with_hasher(RandomState::with_seeds(1, 2, 3, 4)),
        })
    }

    /// The number of groups.
    pub(crate) fn len(&self) -> usize {
        self.hashes.len()
    }

    /// The group id of every row of `columns` (the key columns), creating groups for keys
    /// not seen before; `created` receives the rows that created a group, in id order.
    pub(crate) fn intern(
        &mut self,
        columns: &[ArrayRef],
        ids: &mut Vec<u32>,
        created: &mut Vec<u32>,
    ) -> Result<(), ArrowError> {
        let rows = self.converter.convert_columns(columns)?;
        ids.clear();
        ids.reserve(rows.num_rows());
        created.clear();
        for (index, row) in rows.iter().enumerate() {
            let bytes = row.data();
            let hash = self.hasher.hash_one(bytes);
            let keys = &self.keys;
            let found = self
                .table
                .find(hash, |&id| keys.row(id as usize).data() == bytes)
                .copied();
            let id = match found {
                Some(id) => id,
                None => {
                    let id = self.hashes.len() as u32;
                    self.keys.push(row);
                    self.hashes.push(hash);
                    let hashes = &self.hashes;
                    self.table
                        .insert_unique(hash, id, |&id| hashes[id as usize]);
                    created.push(index as u32);
                    id
                }
            };
            ids.push(id);
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
        self.converter
            .convert_rows(groups.iter().map(|&g| self.keys.row(g as usize)))
    }

    /// Keeps the groups where `keep[id]`; the kept groups are renumbered in order.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        let mut keys = self.converter.empty_rows(self.keys.num_rows(), 0);
        for (row, _) in self.keys.iter().zip(keep).filter(|(_, &k)| k) {
            keys.push(row);
        }
        self.keys = keys;
        retain_by(&mut self.hashes, keep);
        self.table.clear();
        for (id, &hash) in self.hashes.iter().enumerate() {
            let hashes = &self.hashes;
            self.table
                .insert_unique(hash, id as u32, |&id| hashes[id as usize]);
        }
    }

    /// Bytes held by the keys and the index.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.keys.size() + self.hashes.capacity() * 8 + self.table.capacity() * 5
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, Int64Array, StringArray};
    use arrow::datatypes::{DataType, Int64Type};
    use std::sync::Arc;

    #[test]
    fn equal_keys_share_a_group_and_eviction_renumbers() {
        let mut table = GroupTable::new(vec![
            SortField::new(DataType::Utf8),
            SortField::new(DataType::Int64),
        ])
        .unwrap();
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
    }
}
