//! Spark's string → date / timestamp conversions (`DateTimeUtils.stringToTimestamp`,
//! `stringToDate`), as used by the JSON and CSV readers when no `timestampFormat` /
//! `dateFormat` option is given (SEMANTICS.md §4.1). Timestamp strings are parsed by
//! [`spate_runtime::text::timestamp`]; this module adds the readers' legacy `GMT` retry.

use spate_runtime::text::timestamp::{parse_date, TimestampParser};

/// Spark's `stringToTimestamp(s, sessionZone)` plus the JSON/CSV readers' legacy fallback
/// (`cleanLegacyTimestampStr`: retry with every `GMT` removed), with `parser` (made for the
/// session zone; one per decoded chunk, so that its caches serve every value). Microseconds
/// since the epoch.
pub(crate) fn string_to_timestamp(s: &[u8], parser: &TimestampParser) -> Option<i64> {
    if let Some(v) = parser.parse(s) {
        return Some(v);
    }
    let cleaned = remove_gmt(s)?;
    parser.parse(&cleaned)
}

fn remove_gmt(s: &[u8]) -> Option<Vec<u8>> {
    if !s.windows(3).any(|w| w == b"GMT") {
        return None;
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(b"GMT") {
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Spark's `stringToDate` plus the legacy `GMT`-removing retry. Days since the epoch.
pub(crate) fn string_to_date(s: &[u8]) -> Option<i32> {
    if let Some(v) = parse_date(s) {
        return Some(v);
    }
    let cleaned = remove_gmt(s)?;
    parse_date(&cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use spate_runtime::text::zone::Zone;

    fn ts(s: &str) -> Option<i64> {
        string_to_timestamp(s.as_bytes(), &TimestampParser::new(&Zone::UTC))
    }

    /// Expected values observed with Spark 4.3 (JSON reader, session time zone UTC).
    #[test]
    fn timestamps_like_spark() {
        let cases: &[(&str, Option<i64>)] = &[
            ("2024-01-15 10:00:00", Some(1705312800000000)),
            ("2024-01-15T10:00:00Z", Some(1705312800000000)),
            ("2024-01-15", Some(1705276800000000)),
            ("2024-01-15T10:00:00.123+02:00", Some(1705305600123000)),
            ("2024/01/15 10:00", None),
            ("2024-01-15 10:00", Some(1705312800000000)),
            ("2024-1-5 1:2:3", Some(1704416523000000)),
            ("1705312800", None),
            ("2024-01-15T10:00:00.1234567", Some(1705312800123456)),
            ("2024", Some(1704067200000000)),
            ("2024-01", Some(1704067200000000)),
            (" 2024-01-15 10:00:00 ", Some(1705312800000000)),
            ("2024-01-15 10:00:00 UTC", Some(1705312800000000)),
            ("2024-01-15T10:00:00+0100", Some(1705309200000000)),
            ("2024-01-15T10:00:00GMT+01:00", Some(1705309200000000)),
            ("", None),
            ("2024-01-15T10:00:00+01", Some(1705309200000000)),
            ("2024-01-15T10:00:00+1:00", Some(1705309200000000)),
            ("2024-01-15 10:00:00.5", Some(1705312800500000)),
            ("2024-01-15T10:00:00z", None),
            ("2024-02-30 10:00:00", None),
            ("2024-01-15 24:00:00", None),
            ("+2024-01-15", Some(1705276800000000)),
            ("2024-01-15T", None),
            ("2024-01-15 ", Some(1705276800000000)),
            ("12024-01-15", Some(317274796800000000)),
            ("2024-01-15T10:00:00-08:00", Some(1705341600000000)),
            ("2024-01-15T10:00:00UTC", Some(1705312800000000)),
            ("2024-01-15T10:00:00 GMT", Some(1705312800000000)),
            ("2024-01-15T10:00:00Z ", Some(1705312800000000)),
            ("2024-01-15T10:00:00+01:00:30", Some(1705309170000000)),
            ("2024-01-15T10:00", Some(1705312800000000)),
            ("2024-01-15 1:2", Some(1705280520000000)),
            ("2024-01-15T10", Some(1705312800000000)),
            ("2024-01-15T10:00:00+18:00", Some(1705248000000000)),
            ("2024-01-15T10:00:00+19:00", None),
        ];
        for (s, want) in cases {
            assert_eq!(ts(s), *want, "{s:?}");
        }
    }

    #[test]
    fn session_zone_applies_without_explicit_zone() {
        // Spark 4.3, session time zone +02:00.
        let tz = Zone::Fixed(7200);
        let parser = TimestampParser::new(&tz);
        assert_eq!(
            string_to_timestamp(b"2024-01-15 10:00:00", &parser),
            Some(1705305600000000)
        );
        assert_eq!(
            string_to_timestamp(b"2024-01-15T10:00:00Z", &parser),
            Some(1705312800000000)
        );
    }

    #[test]
    fn time_only_uses_today() {
        let v = ts("T10:00:00").unwrap();
        assert_eq!(v.rem_euclid(86_400_000_000), 36_000_000_000);
        assert_eq!(ts("10:00:00"), Some(v));
    }

    /// Expected values observed with Spark 4.3.
    #[test]
    fn dates_like_spark() {
        let cases: &[(&str, Option<i32>)] = &[
            ("2024-01-15", Some(19737)),
            ("2024-01-15 10:00:00", Some(19737)),
            ("19000", Some(6220080)),
            ("2024-1-5", Some(19727)),
            ("2024-01-15T10:00:00Z", Some(19737)),
            ("2024/01/15", None),
            (" 2024-01-15 ", Some(19737)),
            ("2024", Some(19723)),
            ("2024-01-15x", None),
            ("-1", None),
        ];
        for (s, want) in cases {
            assert_eq!(string_to_date(s.as_bytes()), *want, "{s:?}");
        }
    }
}
