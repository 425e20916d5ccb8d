//! The groups an aggregation changed since its last checkpoint: what its next delta holds.

use crate::groups::retain_by;

/// Groups changed since the last checkpoint: flags, so that each is listed once, and the
/// list, so that taking them costs as much as the groups changed, not the whole table.
#[derive(Debug, Default)]
pub(super) struct ChangedGroups {
    flags: Vec<bool>,
    list: Vec<u32>,
}

impl ChangedGroups {
    /// Marks `groups` of a table of `len` groups as changed.
    pub(super) fn mark(&mut self, groups: &[u32], len: usize) {
        self.flags.resize(len.max(self.flags.len()), false);
        for &group in groups {
            if !std::mem::replace(&mut self.flags[group as usize], true) {
                self.list.push(group);
            }
        }
    }

    /// Follows the table as it keeps the groups where `keep[id]` (all from `keep.len()`
    /// on) and renumbers them in order; the changed ones are then listed in that order.
    pub(super) fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.flags, keep);
        self.list = (0..self.flags.len() as u32)
            .filter(|&group| self.flags[group as usize])
            .collect();
    }

    /// The changed groups, in the order they were first marked, unmarked now.
    pub(super) fn take(&mut self) -> Vec<u32> {
        for &group in &self.list {
            self.flags[group as usize] = false;
        }
        std::mem::take(&mut self.list)
    }

    /// Unmarks every group.
    pub(super) fn clear(&mut self) {
        self.flags.clear();
        self.list.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_changed_group_is_taken_once_and_follows_eviction() {
        let mut changed = ChangedGroups::default();
        changed.mark(&[3, 1, 3], 4);
        changed.mark(&[1, 5], 6);
        assert_eq!(changed.take(), [3, 1, 5]);
        assert!(changed.take().is_empty(), "taking unmarks");
        changed.mark(&[0, 2, 4, 5], 6);
        // Groups 1 and 2 go: 0 → 0, 3 → 1, 4 → 2, 5 → 3.
        changed.retain(&[true, false, false, true]);
        assert_eq!(changed.take(), [0, 2, 3]);
        changed.mark(&[1], 4);
        changed.clear();
        assert!(changed.take().is_empty());
        changed.mark(&[2], 4);
        assert_eq!(changed.take(), [2]);
    }
}
