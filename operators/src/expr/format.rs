//! Printing values the way Spark (and the JVM) prints them: doubles (`Double.toString`),
//! timestamps (`yyyy-MM-dd HH:mm:ss[.ffffff]`), SQL literals in error messages, type names.

use std::fmt::Write;

use arrow::datatypes::DataType;
use spate_runtime::types::spark_type_name;

use super::timestamp::{civil_from_days, MICROS_PER_DAY};

/// Spark's upper-case SQL type name (`INT`, `BIGINT`, `STRING`, `TIMESTAMP`, `VOID`, …).
pub(crate) fn sql_type_name(data_type: &DataType) -> String {
    spark_type_name(data_type).to_uppercase()
}

/// `java.lang.Double.toString` as on JDK 17: plain notation for `1e-3 <= |x| < 1e7`, otherwise
/// `d.dddE[-]n`; integer-valued doubles below 2^63 use JDK 17's exact-digit rule, other values
/// the shortest round-trip digits (JDK 17's general algorithm differs from that for a few
/// values, e.g. it prints `1e23` as `9.999999999999999E22`).
pub(crate) fn java_double(value: f64, out: &mut String) {
    if value.abs() == f64::from_bits(1) {
        // The JVM prints the smallest subnormal with two digits.
        out.push_str(if value < 0.0 { "-4.9E-324" } else { "4.9E-324" });
        return;
    }
    let sci = jdk_long_digits(value.abs(), 53).unwrap_or_else(|| format!("{:e}", value.abs()));
    java_special_or(
        value.is_nan(),
        value.is_infinite(),
        value == 0.0,
        value.is_sign_negative(),
        out,
        || (value.abs() >= 1e-3 && value.abs() < 1e7, sci),
    );
}

/// `java.lang.Float.toString` (same layout as [`java_double`], with `float` precision).
pub(crate) fn java_float(value: f32, out: &mut String) {
    let sci =
        jdk_long_digits(value.abs() as f64, 24).unwrap_or_else(|| format!("{:e}", value.abs()));
    java_special_or(
        value.is_nan(),
        value.is_infinite(),
        value == 0.0,
        value.is_sign_negative(),
        out,
        || (value.abs() >= 1e-3 && value.abs() < 1e7, sci),
    );
}

/// NaN, infinities and zeros, or else the laid-out digits from `digits()`.
fn java_special_or(
    nan: bool,
    infinite: bool,
    zero: bool,
    negative: bool,
    out: &mut String,
    digits: impl FnOnce() -> (bool, String),
) {
    if nan {
        out.push_str("NaN");
    } else if infinite {
        out.push_str(if negative { "-Infinity" } else { "Infinity" });
    } else if zero {
        out.push_str(if negative { "-0.0" } else { "0.0" });
    } else {
        let (plain, sci) = digits();
        java_layout(negative, plain, &sci, out);
    }
}

/// Digit counts JDK 17's `FloatingDecimal.insignificantDigitsForPow2` drops.
const INSIGNIFICANT_DIGITS: [u32; 64] = [
    0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9,
    9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16,
    16, 17, 17, 17, 18, 18, 18, 19,
];

/// JDK 17 (the JVM Spark 4.3 runs on here) prints integer-valued doubles below 2^63 from their
/// exact value (`FloatingDecimal.developLongDigits`), rounding off only the digits below the
/// precision, so e.g. 9.4664069284103456E16 keeps 17 digits where the shortest form has 16.
/// Returns Rust's `{:e}` shape (`d.ddde<n>`), or `None` for other values.
fn jdk_long_digits(abs: f64, significant_bits: i32) -> Option<String> {
    if !(1.0..i64::MAX as f64).contains(&abs) || abs.fract() != 0.0 {
        return None;
    }
    let bin_exp = ((abs.to_bits() >> 52) as i32) - 1023;
    let mut value = abs as u64;
    let mut exponent = 0u32;
    if bin_exp > significant_bits {
        let p2 = (bin_exp - significant_bits - 1) as usize;
        let insignificant = if p2 > 1 {
            INSIGNIFICANT_DIGITS.get(p2).copied().unwrap_or(0)
        } else {
            0
        };
        if insignificant > 0 {
            let pow10 = 10u64.pow(insignificant);
            let residue = value % pow10;
            value /= pow10;
            exponent += insignificant;
            if residue >= pow10 / 2 {
                value += 1;
            }
        }
    }
    while value > 0 && value.is_multiple_of(10) {
        value /= 10;
        exponent += 1;
    }
    let digits = value.to_string();
    let sci_exponent = exponent as usize + digits.len() - 1;
    Some(if digits.len() > 1 {
        format!("{}.{}e{sci_exponent}", &digits[..1], &digits[1..])
    } else {
        format!("{digits}e{sci_exponent}")
    })
}

/// Lay out Rust's `{:e}` form (`d[.ddd]e[-]n`) the way the JVM does.
fn java_layout(negative: bool, plain: bool, sci: &str, out: &mut String) {
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    if negative {
        out.push('-');
    }
    if plain {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            for _ in 0..(-exponent - 1) {
                out.push('0');
            }
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
}

/// Append `v` with at least `width` digits (zero padded).
fn push_padded(out: &mut String, v: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    while n > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let len = (buf.len() - i).max(width).min(buf.len());
    if v < 0 {
        out.push('-');
    }
    for &b in &buf[buf.len() - len..] {
        out.push(b as char);
    }
}

/// Format a timestamp the way Spark casts it to a string: `yyyy-MM-dd HH:mm:ss` plus the
/// fraction without trailing zeros, in the zone `offset_secs` east of UTC. Years above 9999
/// get a `+` sign, negative years a `-` (java.time `uuuu` printing).
pub(crate) fn format_timestamp(micros: i64, offset_secs: i32, out: &mut String) {
    let local = micros as i128 + offset_secs as i128 * 1_000_000;
    let day_micros = MICROS_PER_DAY as i128;
    let days = local.div_euclid(day_micros) as i64;
    let in_day = local.rem_euclid(day_micros) as i64;
    let (year, month, day) = civil_from_days(days);
    if year > 9999 {
        out.push('+');
    }
    push_padded(out, year, 4);
    out.push('-');
    push_padded(out, month as i64, 2);
    out.push('-');
    push_padded(out, day as i64, 2);
    out.push(' ');
    let secs = in_day / 1_000_000;
    push_padded(out, secs / 3600, 2);
    out.push(':');
    push_padded(out, secs / 60 % 60, 2);
    out.push(':');
    push_padded(out, secs % 60, 2);
    let mut fraction = in_day % 1_000_000;
    if fraction != 0 {
        let mut width = 6;
        while fraction % 10 == 0 {
            fraction /= 10;
            width -= 1;
        }
        out.push('.');
        push_padded(out, fraction, width);
    }
}

/// A string as a SQL literal in Spark messages: `'it\'s'`.
pub(crate) fn sql_string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A double as Spark's `toSQLValue` prints it: `1.0E20D`, `NaN`, `Infinity`.
pub(crate) fn sql_double_literal(v: f64) -> String {
    let mut s = String::new();
    java_double(v, &mut s);
    if v.is_finite() {
        s.push('D');
    }
    s
}

/// A float as Spark's `toSQLValue` prints it: `1.5F`, `NaN`.
pub(crate) fn sql_float_literal(v: f32) -> String {
    let mut s = String::new();
    java_float(v, &mut s);
    if v.is_finite() {
        s.push('F');
    }
    s
}

/// A timestamp as a SQL literal: `TIMESTAMP '2024-01-15 10:00:00'`.
pub(crate) fn sql_timestamp_literal(micros: i64, offset_secs: i32) -> String {
    let mut s = String::from("TIMESTAMP '");
    format_timestamp(micros, offset_secs, &mut s);
    s.push('\'');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dbl(v: f64) -> String {
        let mut s = String::new();
        java_double(v, &mut s);
        s
    }

    fn ts(micros: i64) -> String {
        let mut s = String::new();
        format_timestamp(micros, 0, &mut s);
        s
    }

    #[test]
    fn doubles_print_like_spark_cast_to_string() {
        // `CAST(x AS STRING)` results from Spark 4.3.
        let cases: &[(f64, &str)] = &[
            (150.0, "150.0"),
            (1e20, "1.0E20"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e7, "1.0E7"),
            (1234567.0, "1234567.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (-0.0, "-0.0"),
            (123456789012.5, "1.234567890125E11"),
            (1e-300, "1.0E-300"),
            (100.0, "100.0"),
            (9999999.0, "9999999.0"),
            (12345678.9, "1.23456789E7"),
            (5e-324, "4.9E-324"),
            (1.7976931348623157E308, "1.7976931348623157E308"),
            (0.1, "0.1"),
            (2e-3, "0.002"),
            (-2.5, "-2.5"),
            (123456789.0, "1.23456789E8"),
            // JDK 17 (Spark 4.3's JVM here): integer-valued doubles keep their exact digits.
            (922337203685475840.0, "9.2233720368547584E17"),
            (-1.1319482100959462e17, "-1.13194821009594624E17"),
            (9.466406928410346e16, "9.4664069284103456E16"),
            (2.233720368547581e16, "2.2337203685475808E16"),
            (1e16, "1.0E16"),
            (1234567890123456.0, "1.234567890123456E15"),
        ];
        for (v, want) in cases {
            assert_eq!(dbl(*v), *want, "{v}");
        }
        let mut s = String::new();
        java_float(1.5, &mut s);
        assert_eq!(s, "1.5");
    }

    #[test]
    fn timestamps_print_like_spark_cast_to_string() {
        // `CAST(ts AS STRING)` results from Spark 4.3, session time zone UTC.
        assert_eq!(ts(1_705_312_800_000_000), "2024-01-15 10:00:00");
        assert_eq!(ts(1_705_312_800_120_000), "2024-01-15 10:00:00.12");
        assert_eq!(ts(1_705_312_800_000_001), "2024-01-15 10:00:00.000001");
        assert_eq!(ts(-62_135_596_800_000_000), "0001-01-01 00:00:00");
        assert_eq!(ts(-500_000), "1969-12-31 23:59:59.5");
        assert_eq!(ts(317_274_796_800_000_000), "+12024-01-15 00:00:00");
        assert_eq!(ts(-63_549_360_000_000_000), "-0044-03-15 00:00:00");
        let mut s = String::new();
        format_timestamp(1_705_312_800_000_000, 3600, &mut s);
        assert_eq!(s, "2024-01-15 11:00:00");
    }

    #[test]
    fn sql_literals() {
        assert_eq!(sql_string_literal("it's"), "'it\\'s'");
        assert_eq!(sql_double_literal(1e20), "1.0E20D");
        assert_eq!(sql_double_literal(f64::NAN), "NaN");
        assert_eq!(
            sql_timestamp_literal(1_705_312_800_500_000, 0),
            "TIMESTAMP '2024-01-15 10:00:00.5'"
        );
    }
}
