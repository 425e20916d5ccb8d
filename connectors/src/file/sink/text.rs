//! Spark's (that is, the JVM's) text renderings of values, shared by the JSON and CSV
//! writers: `BigDecimal.toString`, Jackson's string
//! escapes, base64, Spark's SQL type names and `java.net.URI` path quoting.

use arrow::datatypes::DataType;
use std::fmt::Write as _;

/// Java's `BigDecimal.toString()` for an unscaled value (as decimal text, optionally with a
/// leading `-`) and a scale: plain notation unless the scale is negative or the adjusted
/// exponent is below -6 (`1.00E-7`, `0E-9`).
pub(crate) fn java_big_decimal(unscaled: &str, scale: i32) -> String {
    let (negative, coeff) = match unscaled.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, unscaled),
    };
    let len = coeff.len() as i64;
    let adjusted = -(scale as i64) + (len - 1);
    let mut out = String::with_capacity(coeff.len() + 8);
    if negative {
        out.push('-');
    }
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as i64;
        if scale == 0 {
            out.push_str(coeff);
        } else if len > scale {
            let point = (len - scale) as usize;
            out.push_str(&coeff[..point]);
            out.push('.');
            out.push_str(&coeff[point..]);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (scale - len) as usize));
            out.push_str(coeff);
        }
    } else {
        out.push_str(&coeff[..1]);
        if len > 1 {
            out.push('.');
            out.push_str(&coeff[1..]);
        }
        out.push('E');
        if adjusted > 0 {
            out.push('+');
        }
        let _ = write!(out, "{adjusted}");
    }
    out
}

/// Appends `s` as a JSON string the way Jackson writes it: `"` and `\` escaped, `\b \t \n
/// \f \r` short forms, other control characters as `\u00XX` (upper-case hex), everything
/// else (DEL, non-ASCII) verbatim.
pub(crate) fn jackson_string(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            b'\t' => Some(b"\\t"),
            b'\n' => Some(b"\\n"),
            0x0C => Some(b"\\f"),
            b'\r' => Some(b"\\r"),
            0..=0x1F => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xF) as usize],
            ]),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Standard base64 with padding (Jackson's default variant for binary values).
pub(crate) fn base64(bytes: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0] as u32;
        let b1 = chunk.get(1).copied().unwrap_or(0) as u32;
        let b2 = chunk.get(2).copied().unwrap_or(0) as u32;
        let n = (b0 << 16) | (b1 << 8) | b2;
        out.push(ALPHABET[(n >> 18) as usize & 63]);
        out.push(ALPHABET[(n >> 12) as usize & 63]);
        if chunk.len() > 1 {
            out.push(ALPHABET[(n >> 6) as usize & 63]);
        } else {
            out.push(b'=');
        }
        if chunk.len() > 2 {
            out.push(ALPHABET[n as usize & 63]);
        } else {
            out.push(b'=');
        }
    }
}

/// Spark's string cast of a binary value: `[01 02 FF]`.
pub(crate) fn spark_binary_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3 + 2);
    out.push('[');
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02X}");
    }
    out.push(']');
    out
}

/// Spark's `toSQLId` for a single column name: always back-quoted, inner back-quotes doubled.
pub(crate) fn sql_id(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Spark's `quoteIfNeeded`: a name that is not a plain identifier is back-quoted.
fn quote_if_needed(name: &str) -> String {
    let mut chars = name.chars();
    let plain = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        _ => false,
    };
    if plain {
        name.to_string()
    } else {
        sql_id(name)
    }
}

/// Spark's `toSQLType`: the upper-case SQL text of a type, e.g.
/// `STRUCT<start: TIMESTAMP, end: TIMESTAMP>`, `ARRAY<INT>`, `MAP<STRING, DOUBLE>`.
pub(crate) fn spark_sql_type(data_type: &DataType) -> String {
    match data_type {
        DataType::Null => "VOID".into(),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "STRING".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "BINARY".into(),
        DataType::Date32 | DataType::Date64 => "DATE".into(),
        DataType::Timestamp(_, Some(_)) => "TIMESTAMP".into(),
        DataType::Timestamp(_, None) => "TIMESTAMP_NTZ".into(),
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => format!("DECIMAL({p},{s})"),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("DECIMAL({p},{s})"),
        DataType::Struct(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        quote_if_needed(f.name()),
                        spark_sql_type(f.data_type())
                    )
                })
                .collect();
            format!("STRUCT<{}>", inner.join(", "))
        }
        DataType::List(item)
        | DataType::LargeList(item)
        | DataType::FixedSizeList(item, _)
        | DataType::ListView(item)
        | DataType::LargeListView(item) => format!("ARRAY<{}>", spark_sql_type(item.data_type())),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "MAP<{}, {}>",
                spark_sql_type(kv[0].data_type()),
                spark_sql_type(kv[1].data_type())
            ),
            other => format!("MAP<{}>", spark_sql_type(other)),
        },
        DataType::Dictionary(_, value) => spark_sql_type(value),
        other => other.to_string().to_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{Field, Fields, TimeUnit};
    use std::sync::Arc;

    #[test]
    fn big_decimals_as_java_prints_them() {
        // Spark 4.3: decimal(10,3) 123.450 → 123.450; decimal(12,9) 0.0000001 → 1.00E-7.
        assert_eq!(java_big_decimal("123450", 3), "123.450");
        assert_eq!(java_big_decimal("100", 9), "1.00E-7");
        assert_eq!(java_big_decimal("0", 9), "0E-9");
        assert_eq!(java_big_decimal("-5", 2), "-0.05");
        assert_eq!(java_big_decimal("42", 0), "42");
        assert_eq!(java_big_decimal("1", 6), "0.000001");
        assert_eq!(java_big_decimal("12", -2), "1.2E+3");
    }

    #[test]
    fn jackson_escapes() {
        let mut out = Vec::new();
        jackson_string("q\"\\ \n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f}é", &mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "\"q\\\"\\\\ \\n\\t\\r\\b\\f\\u0001\\u001F\u{7f}é\""
        );
    }

    #[test]
    fn base64_and_binary_text() {
        let mut out = Vec::new();
        base64(&[1, 2, 255], &mut out);
        assert_eq!(out, b"AQL/");
        out.clear();
        base64(b"ab", &mut out);
        assert_eq!(out, b"YWI=");
        out.clear();
        base64(b"a", &mut out);
        assert_eq!(out, b"YQ==");
        assert_eq!(spark_binary_text(&[1, 2, 255]), "[01 02 FF]");
        assert_eq!(spark_binary_text(&[]), "[]");
    }

    #[test]
    fn sql_type_texts() {
        let ts = DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")));
        let window = DataType::Struct(Fields::from(vec![
            Field::new("start", ts.clone(), true),
            Field::new("end", ts, true),
        ]));
        assert_eq!(
            spark_sql_type(&window),
            "STRUCT<start: TIMESTAMP, end: TIMESTAMP>"
        );
        let arr = DataType::List(Arc::new(Field::new("item", DataType::Int32, true)));
        assert_eq!(spark_sql_type(&arr), "ARRAY<INT>");
        let odd = DataType::Struct(Fields::from(vec![Field::new("a b", DataType::Int64, true)]));
        assert_eq!(spark_sql_type(&odd), "STRUCT<`a b`: BIGINT>");
        assert_eq!(sql_id("window"), "`window`");
    }
}
