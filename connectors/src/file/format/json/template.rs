//! The layout of the last record, to parse the next one by: records of one file nearly
//! always repeat their keys in the same order with the same spacing, so the text between
//! one value and the next (`,"name":`) is compared as it stands instead of being parsed
//! token by token. A record that does not match is parsed in full, and teaches the next
//! layout.

use super::{field_value, skip_value, Converted, ObjectResult, Parser, RowWriter, TimestampParser};

/// Where one member's value lay in the record it was learned from.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    /// Offset of the value's first byte.
    pub(super) start: usize,
    /// Offset just past the value.
    pub(super) end: usize,
    /// The schema column the member's key resolved to (`None`: skipped).
    pub(super) column: Option<usize>,
}

/// Text expected verbatim between two values, e.g. `,"timestamp":`.
#[derive(Debug, Default)]
struct Lead {
    /// The text.
    bytes: Vec<u8>,
    /// Its first 16 bytes, little-endian, zero past its end.
    head: u128,
    /// Ones over the bytes of `head` the text covers.
    mask: u128,
}

impl Lead {
    /// Sets the text to `bytes`, keeping the allocation.
    fn set(&mut self, bytes: &[u8]) {
        self.bytes.clear();
        self.bytes.extend_from_slice(bytes);
        let mut head = [0u8; 16];
        let covered = bytes.len().min(16);
        head[..covered].copy_from_slice(&bytes[..covered]);
        self.head = u128::from_le_bytes(head);
        self.mask = match covered {
            16 => u128::MAX,
            n => (1u128 << (8 * n)) - 1,
        };
    }

    /// Whether `s` holds the text at `at`.
    #[inline(always)]
    fn matches(&self, s: &[u8], at: usize) -> bool {
        match s.get(at..at + 16) {
            Some(window) => {
                let mut word = [0u8; 16];
                word.copy_from_slice(window);
                (u128::from_le_bytes(word) ^ self.head) & self.mask == 0
                    && (self.bytes.len() <= 16 || s[at + 16..].starts_with(&self.bytes[16..]))
            }
            None => s[at..].starts_with(&self.bytes),
        }
    }
}

/// One member of the layout: the text before its value, and the value's column.
#[derive(Debug, Default)]
struct Member {
    lead: Lead,
    column: Option<usize>,
}

/// The layout of the last record parsed in full (none before the first).
#[derive(Debug, Default)]
pub(super) struct RowTemplate {
    /// The members in order; only the first `len` are current (the rest keep their
    /// allocations for the next layout).
    members: Vec<Member>,
    len: usize,
    /// The text from the last value to the end of the object (`}`).
    close: Lead,
    /// Whether a layout was learned.
    learned: bool,
    /// Whether its members give every data column a value.
    fills_every_column: bool,
    /// Records to read in full before the layout is tried again, after it missed.
    skip: usize,
    /// The records to skip after the next miss: none after hits, then doubling while
    /// misses follow misses (a file whose records change their layout all the time is
    /// then read almost as if there were no layout).
    backoff: usize,
}

/// The most records [`RowTemplate::backoff`] skips.
const MAX_BACKOFF: usize = 256;

impl RowTemplate {
    /// Learns the layout of `record`, an object that ends at `end` and whose members'
    /// values lay at `spans`, read into a row of `data_columns`.
    pub(super) fn learn(
        &mut self,
        record: &[u8],
        spans: &[Span],
        end: usize,
        data_columns: &[usize],
    ) {
        let mut from = 0;
        for (index, span) in spans.iter().enumerate() {
            if self.members.len() == index {
                self.members.push(Member::default());
            }
            let member = &mut self.members[index];
            member.lead.set(&record[from..span.start]);
            member.column = span.column;
            from = span.end;
        }
        self.len = spans.len();
        self.close.set(&record[from..end]);
        self.learned = true;
        self.fills_every_column = data_columns
            .iter()
            .all(|&column| spans.iter().any(|span| span.column == Some(column)));
    }

    /// Whether the next record is to be read by the layout, which it should then learn
    /// from the record before (when that one was read in full).
    pub(super) fn wanted(&self) -> bool {
        self.skip == 0
    }

    /// Parses the object at `p.i` into the current row of `w` if its text between values
    /// is the learned layout's: `None` (with values possibly written into the row, for the
    /// caller to roll back) when it is not, or when a value is not valid JSON, or when the
    /// layout is not tried for this record.
    #[inline]
    pub(super) fn row(
        &mut self,
        w: &mut RowWriter<'_>,
        p: &mut Parser<'_>,
        scratch: &mut Vec<u8>,
        timestamps: &TimestampParser,
    ) -> Option<ObjectResult> {
        if !self.learned {
            return None;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return None;
        }
        let result = self.read(w, p, scratch, timestamps);
        if result.is_some() {
            self.backoff = 0;
        } else {
            self.skip = self.backoff;
            self.backoff = (self.backoff * 2).clamp(1, MAX_BACKOFF);
        }
        result
    }

    /// [`Self::row`] by the layout.
    #[inline]
    fn read(
        &self,
        w: &mut RowWriter<'_>,
        p: &mut Parser<'_>,
        scratch: &mut Vec<u8>,
        timestamps: &TimestampParser,
    ) -> Option<ObjectResult> {
        let row = w.rows();
        let mut bad: Option<usize> = None;
        for member in &self.members[..self.len] {
            if !member.lead.matches(p.s, p.i) {
                return None;
            }
            p.i += member.lead.bytes.len();
            match member.column {
                Some(ci) => {
                    let converted =
                        field_value(p, w.column(ci), row, scratch, timestamps, 1).ok()?;
                    if converted != Converted::Whole {
                        bad = bad.or(Some(ci));
                    }
                }
                None => skip_value(p, scratch, 1).ok()?,
            }
        }
        if !self.close.matches(p.s, p.i) {
            return None;
        }
        p.i += self.close.bytes.len();
        Some(match bad {
            None if self.fills_every_column => ObjectResult::Filled,
            None => ObjectResult::Clean,
            Some(ci) => ObjectResult::Corrupt(ci),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_matches_its_text_only() {
        for text in [&b""[..], b"{\"id\":", b",\"a_rather_long_key_name\":", b"}"] {
            let mut lead = Lead::default();
            lead.set(text);
            let mut s = b"xx".to_vec();
            s.extend_from_slice(text);
            s.extend_from_slice(b"123456789012345678");
            assert!(lead.matches(&s, 2), "{text:?}");
            // At the very end of the input, without 16 bytes to load.
            let end = &s[..2 + text.len()];
            assert!(lead.matches(end, 2), "{text:?} at the end");
            if !text.is_empty() {
                for at in 0..text.len() {
                    let mut changed = s.clone();
                    changed[2 + at] ^= 0x20;
                    assert!(!lead.matches(&changed, 2), "{text:?} changed at {at}");
                }
                assert!(!lead.matches(&s[..1 + text.len()], 2), "{text:?} cut short");
            }
        }
    }
}
