//! Spark's `CompactibleFileStreamLog` rules, shared by the file source's seen-files log and
//! the file sink's `_spark_metadata` log.

/// Suffix of a compaction file (`9.compact`).
pub const COMPACT_SUFFIX: &str = ".compact";

/// Whether `batch_id` is written as a compaction file.
pub fn is_compaction_batch(batch_id: u64, interval: u64) -> bool {
    (batch_id + 1).is_multiple_of(interval)
}

/// Spark's `deriveCompactInterval`: with two compaction files, their distance; with one,
/// an interval compatible with it; with none, the default.
pub fn derive_compact_interval(default_interval: u64, latest_compacts: &[u64]) -> u64 {
    match latest_compacts {
        [latest, previous, ..] => latest.saturating_sub(*previous).max(1),
        [only] => {
            let n = only + 1;
            if n <= default_interval {
                n
            } else if default_interval < n / 2 {
                (default_interval..=n / 2)
                    .find(|i| n.is_multiple_of(*i))
                    .unwrap_or(n)
            } else {
                n
            }
        }
        [] => default_interval,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_interval_is_derived_like_spark() {
        assert_eq!(derive_compact_interval(10, &[4]), 5);
        assert_eq!(derive_compact_interval(5, &[11]), 6);
        assert_eq!(derive_compact_interval(10, &[12]), 13);
        assert_eq!(derive_compact_interval(10, &[19]), 20);
        assert_eq!(derive_compact_interval(10, &[29]), 10);
        assert_eq!(derive_compact_interval(10, &[29, 19]), 10);
        assert_eq!(derive_compact_interval(10, &[]), 10);
        assert!(is_compaction_batch(9, 10) && !is_compaction_batch(10, 10));
    }
}
