//! Spark's string → number/boolean parsing (`UTF8String.toLong/toInt`, `Double.parseDouble` with
//! Spark's special literals, `StringUtils.isTrueString`); Java's own parsing is in
//! [`spate_runtime::text::number`].

use spate_runtime::text::number::{java_parse_double, java_parse_float, java_trim};
use spate_runtime::text::timestamp::trim;

/// `UTF8String.toLong` (`allow_decimal`, non-ANSI: `"5.7"` → 5) or `toLongExact` (ANSI), with
/// the result required to lie in `min..=max`.
pub(crate) fn parse_integer(s: &[u8], allow_decimal: bool, min: i64, max: i64) -> Option<i64> {
    let s = trim(s);
    let (negative, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate negatively, like Spark, so that the minimum value parses.
    let mut result: i64 = 0;
    let mut rest: &[u8] = &[];
    for (k, &b) in digits.iter().enumerate() {
        if b == b'.' && allow_decimal {
            rest = &digits[k + 1..];
            break;
        }
        if !b.is_ascii_digit() {
            return None;
        }
        result = result.checked_mul(10)?.checked_sub((b - b'0') as i64)?;
        if result < min {
            return None;
        }
    }
    if !rest.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = if negative {
        result
    } else {
        result.checked_neg()?
    };
    (min..=max).contains(&value).then_some(value)
}

/// Spark's string → double: Java's `Double.parseDouble`, then (if that fails) Spark's
/// `inf`/`infinity`/`nan` spellings (any case, optional sign) on the trimmed string.
pub(crate) fn parse_double(s: &[u8]) -> Option<f64> {
    java_parse_double(s).or_else(|| special_float(std::str::from_utf8(java_trim(s)).ok()?))
}

/// As [`parse_double`], for `float` (`Float.parseFloat`).
pub(crate) fn parse_float(s: &[u8]) -> Option<f32> {
    java_parse_float(s)
        .or_else(|| special_float(std::str::from_utf8(java_trim(s)).ok()?).map(|v| v as f32))
}

fn special_float(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        _ => None,
    }
}

/// Spark's string → boolean: `t true y yes 1` / `f false n no 0`, trimmed, any case.
pub(crate) fn parse_bool(s: &[u8]) -> Option<bool> {
    let s = trim(s);
    if s.len() > 5 {
        return None;
    }
    let mut lower = [0u8; 5];
    for (d, b) in lower.iter_mut().zip(s) {
        *d = b.to_ascii_lowercase();
    }
    match &lower[..s.len()] {
        b"t" | b"true" | b"y" | b"yes" | b"1" => Some(true),
        b"f" | b"false" | b"n" | b"no" | b"0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const I32: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);

    fn int(s: &str, ansi: bool) -> Option<i64> {
        parse_integer(s.as_bytes(), !ansi, I32.0, I32.1)
    }

    #[test]
    fn integers_like_spark() {
        // `CAST(s AS INT)` in Spark 4.3: (input, ANSI on, ANSI off); None = error / NULL.
        let cases: &[(&str, Option<i64>, Option<i64>)] = &[
            (" 5 ", Some(5), Some(5)),
            ("+5", Some(5), Some(5)),
            ("-5", Some(-5), Some(-5)),
            ("5.7", None, Some(5)),
            ("-5.7", None, Some(-5)),
            ("5.", None, Some(5)),
            (".5", None, Some(0)),
            ("5e2", None, None),
            ("abc", None, None),
            ("", None, None),
            ("2147483648", None, None),
            ("0x10", None, None),
            ("5 6", None, None),
            ("1_000", None, None),
            ("\t7\n", Some(7), Some(7)),
            ("-", None, None),
            ("+", None, None),
            ("007", Some(7), Some(7)),
            ("5.a", None, None),
            ("-2147483648", Some(-2147483648), Some(-2147483648)),
        ];
        for (s, ansi, legacy) in cases {
            assert_eq!(int(s, true), *ansi, "ANSI {s:?}");
            assert_eq!(int(s, false), *legacy, "non-ANSI {s:?}");
        }
        let long = |s: &str| parse_integer(s.as_bytes(), false, i64::MIN, i64::MAX);
        assert_eq!(long("9223372036854775807"), Some(i64::MAX));
        assert_eq!(long("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(long("9223372036854775808"), None);
    }

    #[test]
    fn doubles_like_spark() {
        // `CAST(s AS DOUBLE)` in Spark 4.3 (same in both ANSI modes; None = error/NULL).
        let cases: &[(&str, Option<f64>)] = &[
            ("1.5", Some(1.5)),
            (" 1.5 ", Some(1.5)),
            ("1e3", Some(1000.0)),
            ("inf", Some(f64::INFINITY)),
            ("Infinity", Some(f64::INFINITY)),
            ("-infinity", Some(f64::NEG_INFINITY)),
            ("INF", Some(f64::INFINITY)),
            ("1.5d", Some(1.5)),
            ("1.5f", Some(1.5)),
            ("abc", None),
            (".5", Some(0.5)),
            ("5.", Some(5.0)),
            ("+1.5", Some(1.5)),
            ("1,5", None),
            ("1e400", Some(f64::INFINITY)),
            ("", None),
            ("e5", None),
            ("1e", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_double(s.as_bytes()), *want, "{s:?}");
        }
        assert!(parse_double(b"NaN").is_some_and(f64::is_nan));
        assert!(parse_double(b"nan").is_some_and(f64::is_nan));
        assert_eq!(parse_float(b"1.5"), Some(1.5));
    }

    #[test]
    fn booleans_like_spark() {
        // `CAST(s AS BOOLEAN)` in Spark 4.3.
        assert_eq!(parse_bool(b"t"), Some(true));
        assert_eq!(parse_bool(b"TRUE"), Some(true));
        assert_eq!(parse_bool(b" yes "), Some(true));
        assert_eq!(parse_bool(b"0"), Some(false));
        assert_eq!(parse_bool(b"no"), Some(false));
        assert_eq!(parse_bool(b"2"), None);
        assert_eq!(parse_bool(b"x"), None);
        assert_eq!(parse_bool(b"truest"), None);
    }
}
