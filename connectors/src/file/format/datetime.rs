//! Spark's string → date / timestamp conversions (`DateTimeUtils.stringToTimestamp`,
//! `stringToDate`), as used by the JSON and CSV readers when no `timestampFormat` /
//! `dateFormat` option is given (SEMANTICS.md §4.1). Timestamp strings are parsed by
//! [`spate_runtime::text::timestamp`]; this module adds the readers' legacy `GMT` retry.

use spate_runtime::text::timestamp::{days_from_civil, is_leap_year, trim, TimestampParser};

/// `LocalDate.of(year, month, day)` validation.
fn valid_date(year: i64, month: i64, day: i64) -> bool {
    if !(1..=12).contains(&month) || day < 1 {
        return false;
    }
    let max = match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= max && (-999_999_999..=999_999_999).contains(&year)
}

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

fn string_to_date_once(s: &[u8]) -> Option<i32> {
    let bytes = trim(s);
    if bytes.is_empty() {
        return None;
    }
    let valid = |segment: usize, digits: u32| -> bool {
        if segment == 0 {
            (4..=7).contains(&digits)
        } else {
            digits > 0 && digits <= 2
        }
    };
    let mut segments: [i64; 3] = [1, 1, 1];
    let mut sign = 1i64;
    let mut i = 0usize;
    let mut value = 0i64;
    let mut digits = 0u32;
    let mut j = 0usize;
    if bytes[0] == b'-' || bytes[0] == b'+' {
        sign = if bytes[0] == b'-' { -1 } else { 1 };
        j = 1;
    }
    let end = bytes.len();
    while j < end && i < 3 && !(bytes[j] == b' ' || bytes[j] == b'T') {
        let b = bytes[j];
        if i < 2 && b == b'-' {
            if !valid(i, digits) {
                return None;
            }
            segments[i] = value;
            value = 0;
            digits = 0;
            i += 1;
        } else if b.is_ascii_digit() {
            value = value * 10 + i64::from(b - b'0');
            digits += 1;
            if digits > 12 {
                return None;
            }
        } else {
            return None;
        }
        j += 1;
    }
    if !valid(i, digits) {
        return None;
    }
    if i < 2 && j < end {
        return None;
    }
    segments[i] = value;
    let year = sign * segments[0];
    if !valid_date(year, segments[1], segments[2]) {
        return None;
    }
    i32::try_from(days_from_civil(
        year,
        segments[1] as u32,
        segments[2] as u32,
    ))
    .ok()
}

/// Spark's `stringToDate` plus the legacy `GMT`-removing retry. Days since the epoch.
pub(crate) fn string_to_date(s: &[u8]) -> Option<i32> {
    if let Some(v) = string_to_date_once(s) {
        return Some(v);
    }
    let cleaned = remove_gmt(s)?;
    string_to_date_once(&cleaned)
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
