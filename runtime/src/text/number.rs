//! Java's number texts: `Double.toString` / `Float.toString` as Spark prints `double` and
//! `float` values, and `Double.parseDouble` / `Float.parseFloat` / `Long.parseLong` as Spark
//! reads them.

use std::fmt::Write as _;

/// Java's `Double.toString(d)`: plain notation for `1e-3 <= |d| < 1e7` (`100.0`, `1.5`,
/// `0.001`), otherwise `d.dddE[-]n` (`1.0E7`, `1.0E-4`); `NaN`, `Infinity`, `-0.0`.
///
/// The digits are the shortest ones that round-trip, which is what Java 19+ prints. Java 17
/// differs on rare values (it prints `1.0E23` as `9.999999999999999E22`).
pub fn java_double(value: f64) -> String {
    java_text(
        value.is_nan(),
        value.is_infinite(),
        value > 0.0,
        format!("{value:e}"),
        || format!("{value:.1e}"),
    )
}

/// Java's `Float.toString(f)` (shortest round-trip digits, laid out as [`java_double`]).
pub fn java_float(value: f32) -> String {
    java_text(
        value.is_nan(),
        value.is_infinite(),
        value > 0.0,
        format!("{value:e}"),
        || format!("{value:.1e}"),
    )
}

/// `NaN`, `±Infinity`, or Java's layout of the shortest digits (`shortest`, Rust's `{:e}`).
fn java_text(
    nan: bool,
    infinite: bool,
    positive: bool,
    shortest: String,
    two_digits: impl FnOnce() -> String,
) -> String {
    if nan {
        return "NaN".into();
    }
    if infinite {
        return if positive { "Infinity" } else { "-Infinity" }.into();
    }
    if shortest
        .split_once('e')
        .is_some_and(|(m, _)| m.trim_start_matches('-').len() == 1)
    {
        // Java prints at least two digits and then picks the two-digit decimal closest to
        // the exact value: `Double.MIN_VALUE` is 4.9E-324, not 5.0E-324.
        return java_from_scientific(&two_digits());
    }
    java_from_scientific(&shortest)
}

/// Turns Rust's `{:e}` rendering (`-1.2345e-5`, `4e2`, `0e0`) into Java's layout: plain
/// decimal for 10^-3 <= |v| < 10^7 (at least one fraction digit), else `d.dddE<exp>`.
fn java_from_scientific(sci: &str) -> String {
    let (negative, body) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci),
    };
    let (mantissa, exponent) = body.split_once('e').unwrap_or((body, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if digits.bytes().all(|b| b == b'0') {
        out.push_str("0.0");
        return out;
    }
    if (-3..7).contains(&exponent) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() > int_len {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            } else {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        let _ = write!(out, "E{exponent}");
    }
    out
}

/// Java's `String.trim`: drops bytes up to and including the space at both ends.
pub fn java_trim(s: &[u8]) -> &[u8] {
    let mut start = 0;
    let mut end = s.len();
    while start < end && s[start] <= b' ' {
        start += 1;
    }
    while end > start && s[end - 1] <= b' ' {
        end -= 1;
    }
    &s[start..end]
}

/// Java's `Long.parseLong` / `Integer.parseInt` (ASCII digits, optional sign, nothing else)
/// with the result required to lie in `min..=max`.
pub fn java_parse_long(t: &[u8], min: i64, max: i64) -> Option<i64> {
    let (negative, digits) = match t.first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate negatively so that `i64::MIN` parses.
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
    }
    let v = if negative { v } else { v.checked_neg()? };
    (min..=max).contains(&v).then_some(v)
}

/// A number accepted by `Double.parseDouble`, normalized for Rust's parser.
enum JavaNumber<'a> {
    Special(f64),
    Decimal(&'a str),
    Hex {
        negative: bool,
        mantissa: &'a [u8],
        exponent: i64,
    },
}

/// Validates Java's `FloatingDecimal` grammar: trimmed, optional sign, `NaN`, `Infinity`,
/// decimal with optional exponent and `fFdD` suffix, or a hex float.
fn java_number(t: &[u8]) -> Option<JavaNumber<'_>> {
    let s = java_trim(t);
    let (negative, body) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body == b"NaN" {
        return Some(JavaNumber::Special(f64::NAN));
    }
    if body == b"Infinity" {
        return Some(JavaNumber::Special(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }));
    }
    if body.len() > 2 && body[0] == b'0' && (body[1] == b'x' || body[1] == b'X') {
        let rest = &body[2..];
        let p = rest.iter().position(|&b| b == b'p' || b == b'P')?;
        let mantissa = &rest[..p];
        let mut exp = &rest[p + 1..];
        if let Some(b'f' | b'F' | b'd' | b'D') = exp.last() {
            exp = &exp[..exp.len() - 1];
        }
        let mut dots = 0;
        let mut hex_digits = 0;
        for &b in mantissa {
            if b == b'.' {
                dots += 1;
            } else if b.is_ascii_hexdigit() {
                hex_digits += 1;
            } else {
                return None;
            }
        }
        if dots > 1 || hex_digits == 0 {
            return None;
        }
        let exponent = java_parse_long(exp, -100_000, 100_000)?;
        return Some(JavaNumber::Hex {
            negative,
            mantissa,
            exponent,
        });
    }
    let mut end = s.len();
    if let Some(b'f' | b'F' | b'd' | b'D') = s.last() {
        end -= 1;
    }
    let num = &s[..end];
    let digits = &num[usize::from(matches!(num.first(), Some(b'-' | b'+')))..];
    // digits [. digits] [e [+-] digits], at least one mantissa digit.
    let mut i = 0;
    let mut mantissa_digits = 0;
    while i < digits.len() && digits[i].is_ascii_digit() {
        i += 1;
        mantissa_digits += 1;
    }
    if i < digits.len() && digits[i] == b'.' {
        i += 1;
        while i < digits.len() && digits[i].is_ascii_digit() {
            i += 1;
            mantissa_digits += 1;
        }
    }
    if mantissa_digits == 0 {
        return None;
    }
    if i < digits.len() && (digits[i] == b'e' || digits[i] == b'E') {
        i += 1;
        if i < digits.len() && (digits[i] == b'+' || digits[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < digits.len() && digits[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != digits.len() {
        return None;
    }
    Some(JavaNumber::Decimal(std::str::from_utf8(num).ok()?))
}

fn hex_value(negative: bool, mantissa: &[u8], exponent: i64) -> f64 {
    let mut value = 0f64;
    let mut frac_digits = 0i64;
    let mut seen_dot = false;
    for &b in mantissa {
        if b == b'.' {
            seen_dot = true;
            continue;
        }
        let d = (b as char).to_digit(16).unwrap_or(0);
        value = value * 16.0 + f64::from(d);
        if seen_dot {
            frac_digits += 1;
        }
    }
    let e = (exponent - 4 * frac_digits).clamp(-5000, 5000) as i32;
    let v = value * 2f64.powi(e);
    if negative {
        -v
    } else {
        v
    }
}

/// Powers of ten that an `f64` holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A plain decimal (`-?digits(.digits)?`, at most 15 digits in all, no exponent) as the
/// nearest `f64`, or `None` for anything else. Its digits and its power of ten are both
/// exact in an `f64`, so one division rounds correctly (Clinger's fast path): the value is
/// the one a full parser gives, without the full parser's cost on the common case.
#[inline]
pub fn parse_plain_decimal(t: &[u8]) -> Option<f64> {
    let (negative, digits) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, t),
    };
    let mut mantissa: u64 = 0;
    let mut count = 0;
    let mut fraction: Option<usize> = None;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                if count > 15 {
                    return None;
                }
            }
            b'.' if fraction.is_none() && count > 0 => fraction = Some(count),
            _ => return None,
        }
    }
    let decimals = fraction.map_or(0, |at| count - at);
    if count == 0 || fraction == Some(count) {
        return None;
    }
    Some(plain_decimal(negative, mantissa, decimals))
}

/// The `f64` of a plain decimal's parts: `digits` (at most 15 decimal digits) over ten to
/// the `decimals` (at most 15), negated when `negative` (see [`parse_plain_decimal`]).
#[inline]
pub fn plain_decimal(negative: bool, digits: u64, decimals: usize) -> f64 {
    let value = digits as f64 / EXACT_POWERS_OF_TEN[decimals];
    if negative {
        -value
    } else {
        value
    }
}

/// `java.lang.Double.parseDouble`.
pub fn java_parse_double(t: &[u8]) -> Option<f64> {
    match java_number(t)? {
        JavaNumber::Special(v) => Some(v),
        JavaNumber::Decimal(s) => s.parse::<f64>().ok(),
        JavaNumber::Hex {
            negative,
            mantissa,
            exponent,
        } => Some(hex_value(negative, mantissa, exponent)),
    }
}

/// `java.lang.Float.parseFloat`.
pub fn java_parse_float(t: &[u8]) -> Option<f32> {
    match java_number(t)? {
        JavaNumber::Special(v) => Some(v as f32),
        JavaNumber::Decimal(s) => s.parse::<f32>().ok(),
        JavaNumber::Hex {
            negative,
            mantissa,
            exponent,
        } => Some(hex_value(negative, mantissa, exponent) as f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_parse_as_the_full_parser_does() {
        let cases = [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "123.0",
            "0.1",
            "0.3",
            "-2.5",
            "3.14159",
            "999999999999999",
            "0.00000000000001",
            "123456.789012345",
            "98.6",
            "1.0000",
        ];
        for case in cases {
            let expected: f64 = case.parse().unwrap();
            let got = parse_plain_decimal(case.as_bytes()).unwrap();
            assert_eq!(got.to_bits(), expected.to_bits(), "{case}");
        }
        // Not plain, or too long for the fast path: left to the full parser.
        for case in [
            "",
            "-",
            ".5",
            "5.",
            "1e5",
            "1.5E3",
            "+1",
            "1.2.3",
            "NaN",
            "1234567890123456",
            "0.1234567890123456",
            "--1",
            "1-",
        ] {
            assert_eq!(parse_plain_decimal(case.as_bytes()), None, "{case}");
        }
    }

    #[test]
    fn doubles_as_java_prints_them() {
        // Spark 4.3 `CAST(x AS STRING)`, JSON/CSV and `show()` texts.
        let cases: &[(f64, &str)] = &[
            (100.0, "100.0"),
            (150.0, "150.0"),
            (1.5, "1.5"),
            (1e7, "1.0E7"),
            (1e-4, "1.0E-4"),
            (1.5e-5, "1.5E-5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.1, "0.1"),
            (0.001, "0.001"),
            (0.002, "0.002"),
            (0.00123, "0.00123"),
            (9_999_999.0, "9999999.0"),
            (1_234_567.0, "1234567.0"),
            (12_345_678.9, "1.23456789E7"),
            (123_456_789.0, "1.23456789E8"),
            (123_456_789.125, "1.23456789125E8"),
            (123_456_789_012.5, "1.234567890125E11"),
            (33.333333333333336, "33.333333333333336"),
            (1e16, "1.0E16"),
            (1_234_567_890_123_456.0, "1.234567890123456E15"),
            (1.2345678901234568e17, "1.2345678901234568E17"),
            (1e20, "1.0E20"),
            (1e21, "1.0E21"),
            (1e22, "1.0E22"),
            (1e300, "1.0E300"),
            (1e-300, "1.0E-300"),
            (f64::MAX, "1.7976931348623157E308"),
            (5e-324, "4.9E-324"),
            (-5e-324, "-4.9E-324"),
            (2.0e-323, "2.0E-323"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (-0.5, "-0.5"),
            (-1.5, "-1.5"),
            (-2.0, "-2.0"),
            (100.5, "100.5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            // Java 19+ (shortest digits); Java 17 printed these differently
            // (`9.999999999999999E22`, `1.9999999999999998E23`, `9.2233720368547584E17`, `1.0E-323`).
            (1e23, "1.0E23"),
            (2e23, "2.0E23"),
            (922_337_203_685_475_840.0, "9.223372036854758E17"),
            (1e-323, "9.9E-324"),
        ];
        for (v, expected) in cases {
            assert_eq!(java_double(*v), *expected, "{v:e}");
        }
    }

    #[test]
    fn floats_as_java_prints_them() {
        let cases: &[(f32, &str)] = &[
            (1.1, "1.1"),
            (0.1, "0.1"),
            (0.3, "0.3"),
            (1.5, "1.5"),
            (100.0, "100.0"),
            (1.0e7, "1.0E7"),
            (1.0e10, "1.0E10"),
            (1.0e-4, "1.0E-4"),
            (16_777_216.0, "1.6777216E7"),
            (33.333332, "33.333332"),
            (3.4e38, "3.4E38"),
            (f32::MAX, "3.4028235E38"),
            (f32::from_bits(1), "1.4E-45"),
            (1.0e-44, "9.8E-45"),
            (3.333_333_3e-5, "3.3333334E-5"),
            (f32::NAN, "NaN"),
            (-0.0, "-0.0"),
        ];
        for (v, expected) in cases {
            assert_eq!(java_float(*v), *expected, "{v:e}");
        }
    }

    #[test]
    fn java_doubles() {
        // Spark 4.3 CSV: " 1.5 " → 1.5, "1.5d" → 1.5, "0x1p3" → 8.0, "-NaN" → NaN,
        // "1." → 1.0, ".5" → 0.5, "1_000" / "１" → malformed.
        assert_eq!(java_parse_double(b" 1.5 "), Some(1.5));
        assert_eq!(java_parse_double(b"1.5d"), Some(1.5));
        assert_eq!(java_parse_double(b"1.5f"), Some(1.5));
        assert_eq!(java_parse_double(b"0x1p3"), Some(8.0));
        assert!(java_parse_double(b"-NaN").is_some_and(f64::is_nan));
        assert_eq!(java_parse_double(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(java_parse_double(b"1."), Some(1.0));
        assert_eq!(java_parse_double(b".5"), Some(0.5));
        assert_eq!(java_parse_double(b"1e5"), Some(100000.0));
        assert_eq!(java_parse_double(b"1_000"), None);
        assert_eq!(java_parse_double("１".as_bytes()), None);
        assert_eq!(java_parse_double(b"inf"), None);
        assert_eq!(java_parse_double(b"abc"), None);
        assert_eq!(java_parse_double(b"."), None);
        assert_eq!(java_parse_float(b"3.4e39"), Some(f32::INFINITY));
    }

    #[test]
    fn java_ints() {
        assert_eq!(java_parse_long(b"+15", i64::MIN, i64::MAX), Some(15));
        assert_eq!(java_parse_long(b"-1", i64::MIN, i64::MAX), Some(-1));
        assert_eq!(java_parse_long(b" 13", i64::MIN, i64::MAX), None);
        assert_eq!(java_parse_long(b"+-1", i64::MIN, i64::MAX), None);
        assert_eq!(java_parse_long(b"128", -128, 127), None);
        assert_eq!(
            java_parse_long(b"9223372036854775808", i64::MIN, i64::MAX),
            None
        );
        assert_eq!(
            java_parse_long(b"-9223372036854775808", i64::MIN, i64::MAX),
            Some(i64::MIN)
        );
    }
}
