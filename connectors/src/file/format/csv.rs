//! CSV decoding with Spark's semantics (SEMANTICS.md §3.3): one record per line, Spark's
//! default options (`quote '"'`, `escape '\'`, `unescapedQuoteHandling=STOP_AT_DELIMITER`,
//! no comment character, `nullValue ""`, no whitespace trimming).
//!
//! * Lines whose Java `trim()` is empty are skipped; with `header` the first remaining line
//!   of the file is dropped.
//! * Tokens map, in order, to the schema's fields other than the corrupt-record column.
//!   A token count different from that number makes the record malformed (values are still
//!   filled: missing ones NULL, extra ones dropped). A query that reads only some columns
//!   takes their tokens by position ([`DecodeOptions::csv_tokens`]), and the token count
//!   does not make a record malformed, as in Spark.
//! * An empty token (quoted or not) is NULL; an unparsable value is NULL and makes the
//!   record malformed.

use super::{DecodeError, DecodeOptions, FileFormat, Lines, RowWriter};
use arrow::datatypes::SchemaRef;
use spate_runtime::source::ReadBatch;
use spate_runtime::text::timestamp::TimestampParser;
use std::borrow::Cow;
use std::path::Path;

const QUOTE: u8 = b'"';
const ESCAPE: u8 = b'\\';

/// Decodes a whole CSV file held in memory.
pub(crate) fn decode(
    data: &[u8],
    path: &Path,
    schema: &SchemaRef,
    options: &DecodeOptions,
) -> Result<Vec<ReadBatch>, DecodeError> {
    let mut writer = RowWriter::new(FileFormat::Csv, schema, path, options)?.reading(data.len());
    let data_columns = writer.data_columns.clone();
    // The token each data column takes.
    let tokens: Vec<usize> = match &options.csv_tokens {
        Some(tokens) => tokens.clone(),
        None => (0..data_columns.len()).collect(),
    };
    let timestamps = TimestampParser::new(&options.time_zone);
    let mut header_pending = options.csv_header;
    let mut buf: Vec<u8> = Vec::with_capacity(256);
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(data_columns.len() + 1);
    for (line_no, raw) in Lines::new(data) {
        // `line.trim.nonEmpty` (Java trim removes chars <= ' ').
        if raw.iter().all(|&b| b <= b' ') {
            continue;
        }
        if header_pending {
            header_pending = false;
            continue;
        }
        let line: Cow<'_, str> = String::from_utf8_lossy(raw);
        tokenize(line.as_bytes(), options.csv_sep, &mut buf, &mut spans);
        let mut bad: Option<usize> = None;
        for (&ci, &token) in data_columns.iter().zip(&tokens) {
            let column = writer.column(ci);
            match spans.get(token) {
                Some(&(a, b)) if a < b => {
                    if !column.push_csv(&buf[a..b], &timestamps) && bad.is_none() {
                        bad = Some(ci);
                    }
                }
                _ => column.push_null(),
            }
        }
        let count_mismatch = options.csv_tokens.is_none() && spans.len() != data_columns.len();
        let corrupt = count_mismatch || bad.is_some();
        let reason = || match bad {
            Some(ci) => format!(
                "field `{}` cannot be converted to {}",
                schema.field(ci).name(),
                spate_runtime::types::spark_type_name(schema.field(ci).data_type())
            ),
            None => format!(
                "[MALFORMED_CSV_RECORD] Malformed CSV record: {} ({} tokens for {} columns)",
                line,
                spans.len(),
                data_columns.len()
            ),
        };
        writer.end_row(corrupt, line.as_bytes(), line_no, &reason)?;
        writer.maybe_flush()?;
    }
    writer.finish()
}

/// Splits one line into tokens: the unescaped contents are appended to `buf`, and
/// `spans` receives each token's range in it.
fn tokenize(line: &[u8], sep: u8, buf: &mut Vec<u8>, spans: &mut Vec<(usize, usize)>) {
    buf.clear();
    spans.clear();
    let mut i = 0;
    loop {
        let start = buf.len();
        if line.get(i) == Some(&QUOTE) {
            i = quoted(line, i, sep, buf);
        } else {
            let end = line[i..]
                .iter()
                .position(|&b| b == sep)
                .map_or(line.len(), |p| i + p);
            buf.extend_from_slice(&line[i..end]);
            i = end;
        }
        spans.push((start, buf.len()));
        if i < line.len() && line[i] == sep {
            i += 1;
        } else {
            break;
        }
    }
}

/// Parses a quoted token starting at `open` (Univocity's `parseQuotedValue` with
/// `quote '"'`, `quoteEscape '\'`, `charToEscapeQuoteEscaping '\'`). Returns the index
/// of the delimiter ending the token, or the line length.
fn quoted(line: &[u8], open: usize, sep: u8, buf: &mut Vec<u8>) -> usize {
    let token_start = buf.len();
    if open + 1 == line.len() {
        // A quote that is the last character of the line is kept as is (Spark 4.3: `x,"`
        // → ("x", "\"")).
        buf.push(QUOTE);
        return line.len();
    }
    let mut i = open + 1;
    let mut prev: u8 = 0;
    loop {
        let Some(&ch) = line.get(i) else {
            // End of line: closed if the last char was the quote, else unterminated; either
            // way the token is what was collected.
            return line.len();
        };
        if prev == QUOTE && (ch <= b' ' || ch == sep) {
            // The closing quote, possibly followed by whitespace.
            let mut j = i;
            while j < line.len() && line[j] != sep && line[j] <= b' ' {
                j += 1;
            }
            if j >= line.len() || line[j] == sep {
                return j;
            }
            return unescaped_quote(line, open, j, sep, buf, token_start);
        }
        if ch != QUOTE && ch != ESCAPE {
            if prev == QUOTE {
                return unescaped_quote(line, open, i, sep, buf, token_start);
            }
            if prev == ESCAPE {
                buf.push(ESCAPE);
            }
            let run = line[i..]
                .iter()
                .position(|&b| b == QUOTE || b == ESCAPE)
                .map_or(line.len(), |p| i + p);
            buf.extend_from_slice(&line[i..run]);
            prev = line[run - 1];
            i = run;
        } else {
            let mut next_prev = ch;
            if ch == ESCAPE && prev == ESCAPE {
                buf.push(ESCAPE);
                next_prev = 0;
            } else if prev == ESCAPE {
                // ch is the quote: an escaped quote.
                buf.push(QUOTE);
                next_prev = 0;
            } else if ch == QUOTE && prev == QUOTE {
                buf.push(QUOTE);
            } else if prev == QUOTE {
                // An escape right after a quote that did not close the token.
                return unescaped_quote(line, open, i, sep, buf, token_start);
            }
            prev = next_prev;
            i += 1;
        }
    }
}

/// `STOP_AT_DELIMITER`: the token becomes the raw text from its opening quote up to the
/// next delimiter (or the end of the line).
fn unescaped_quote(
    line: &[u8],
    open: usize,
    from: usize,
    sep: u8,
    buf: &mut Vec<u8>,
    token_start: usize,
) -> usize {
    let end = line[from..]
        .iter()
        .position(|&b| b == sep)
        .map_or(line.len(), |p| from + p);
    buf.truncate(token_start);
    buf.extend_from_slice(&line[open..end]);
    end
}

#[cfg(test)]
mod tests {
    use super::super::{decode_file, DecodeOptions, FileFormat, ParseMode};
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{
        DataType, Date32Type, Decimal128Type, Field, Float32Type, Float64Type, Int16Type,
        Int32Type, Int64Type, Int8Type, Schema, TimestampMicrosecondType,
    };
    use arrow::record_batch::RecordBatch;
    use std::sync::Arc;

    fn toks(line: &str) -> Vec<String> {
        let mut buf = Vec::new();
        let mut spans = Vec::new();
        tokenize(line.as_bytes(), b',', &mut buf, &mut spans);
        spans
            .iter()
            .map(|&(a, b)| String::from_utf8_lossy(&buf[a..b]).into_owned())
            .collect()
    }

    /// Tokens as Spark 4.3 produced them (`a STRING, b STRING`; empty = NULL).
    #[test]
    fn quoting_like_univocity() {
        let cases: &[(&str, &[&str])] = &[
            (r#""x\\y",1"#, &[r"x\y", "1"]),
            (r#""x\\",1"#, &[r"x\", "1"]),
            (r#"a\"b,1"#, &[r#"a\"b"#, "1"]),
            (r#""a"  ,x"#, &["a", "x"]),
            (r#""a\tb",1"#, &[r"a\tb", "1"]),
            (r#"",1"#, &[",1"]),
            (r#""","""#, &["", ""]),
            (",,", &["", "", ""]),
            (r#""a,b"#, &["a,b"]),
            (r#""a\"",1"#, &["a\"", "1"]),
            ("\t,1", &["\t", "1"]),
            (r#""a"b,"c"d"#, &[r#""a"b"#, r#""c"d"#]),
            (r#""a\"b"c,1"#, &[r#""a\"b"c"#, "1"]),
            (r#"x,"y""#, &["x", "y"]),
            (r#""a""",1"#, &[r#"a"""#, "1"]),
            (r#""a" b,c"#, &[r#""a" b"#, "c"]),
            ("\"", &["\""]),
            ("x,\"", &["x", "\""]),
            ("\"a\\", &["a"]),
            ("\"\"x,1", &["\"\"x", "1"]),
            (r#"3,"a""b",2"#, &["3", r#""a""b""#, "2"]),
            (r#"4,"a\"b",2"#, &["4", "a\"b", "2"]),
            (r#"6,"abc"def,4"#, &["6", r#""abc"def"#, "4"]),
            (r#"7,  "sp",5"#, &["7", r#"  "sp""#, "5"]),
            (r#"8,"unterminated,6,"#, &["8", "unterminated,6,"]),
            (r#"38,"a"b"c",1,"#, &["38", r#""a"b"c""#, "1", ""]),
            (r#"2,"quoted, comma",1.5"#, &["2", "quoted, comma", "1.5"]),
        ];
        for (line, want) in cases {
            assert_eq!(toks(line), *want, "{line}");
        }
    }

    fn decode_text(
        text: &[u8],
        schema: &SchemaRef,
        options: &DecodeOptions,
    ) -> Result<RecordBatch, DecodeError> {
        let dir = tempfile::tempdir().map_err(|e| DecodeError::Io {
            path: "tmp".into(),
            source: e,
        })?;
        let path = dir.path().join("f.csv");
        std::fs::write(&path, text).map_err(|e| DecodeError::Io {
            path: path.clone(),
            source: e,
        })?;
        let batches = decode_file(FileFormat::Csv, &path, schema, options)?;
        Ok(arrow::compute::concat_batches(schema, &batches)?)
    }

    fn schema(fields: &[(&str, DataType)]) -> SchemaRef {
        Arc::new(Schema::new(
            fields
                .iter()
                .map(|(n, t)| Field::new(*n, t.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }

    fn lab() -> SchemaRef {
        schema(&[
            ("id", DataType::Int32),
            ("name", DataType::Utf8),
            ("value", DataType::Float64),
            ("ts", spate_runtime::types::timestamp_type()),
            ("_corrupt_record", DataType::Utf8),
        ])
    }

    const PROBE: &[&str] = &[
        "id,name,value,ts",
        "1,Event_1,100.0,2024-01-15 10:00:00",
        "11",
        "12,x,8,2024-01-15,extra,more",
        "",
        "   ",
        " 13,x,1.5,",
        "+15,x, 1.5 ,",
        "16,x,1.5d,",
        "18,x,Inf,",
        "19,x,-Inf,",
        "1.5,x,abc,",
        "24,x,,bad-ts",
        "25, spaced ,1,",
        "30,x,1_000,",
        "31,\\N,1,",
        "#34,comment,1,",
        "37,\"\",,",
        "3,\"a\"\"b\",2,1705312800",
    ];

    /// (id, name, value, ts micros, corrupt?) of one row.
    type Expected = (
        Option<i32>,
        Option<&'static str>,
        Option<f64>,
        Option<i64>,
        bool,
    );

    /// Rows as Spark 4.3 produced them (header=false).
    fn expected() -> Vec<Expected> {
        vec![
            (None, Some("name"), None, None, true),
            (
                Some(1),
                Some("Event_1"),
                Some(100.0),
                Some(1705312800000000),
                false,
            ),
            (Some(11), None, None, None, true),
            (Some(12), Some("x"), Some(8.0), Some(1705276800000000), true),
            (None, Some("x"), Some(1.5), None, true),
            (Some(15), Some("x"), Some(1.5), None, false),
            (Some(16), Some("x"), Some(1.5), None, false),
            (Some(18), Some("x"), Some(f64::INFINITY), None, false),
            (Some(19), Some("x"), Some(f64::NEG_INFINITY), None, false),
            (None, Some("x"), None, None, true),
            (Some(24), Some("x"), None, None, true),
            (Some(25), Some(" spaced "), Some(1.0), None, false),
            (Some(30), Some("x"), None, None, true),
            (Some(31), Some("\\N"), Some(1.0), None, false),
            (None, Some("comment"), Some(1.0), None, true),
            (Some(37), None, None, None, false),
            (Some(3), Some("\"a\"\"b\""), Some(2.0), None, true),
        ]
    }

    fn check(batch: &RecordBatch, want: &[Expected], lines: &[&str]) {
        let id = batch.column(0).as_primitive::<Int32Type>();
        let name = batch.column(1).as_string::<i32>();
        let value = batch.column(2).as_primitive::<Float64Type>();
        let ts = batch.column(3).as_primitive::<TimestampMicrosecondType>();
        let bad = batch.column(4).as_string::<i32>();
        assert_eq!(batch.num_rows(), want.len());
        let non_blank: Vec<&&str> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
        for (r, w) in want.iter().enumerate() {
            assert_eq!(id.is_valid(r).then(|| id.value(r)), w.0, "id row {r}");
            assert_eq!(name.is_valid(r).then(|| name.value(r)), w.1, "name row {r}");
            assert_eq!(
                value.is_valid(r).then(|| value.value(r)),
                w.2,
                "value row {r}"
            );
            assert_eq!(ts.is_valid(r).then(|| ts.value(r)), w.3, "ts row {r}");
            assert_eq!(bad.is_valid(r), w.4, "corrupt row {r}");
            if w.4 {
                assert_eq!(bad.value(r), *non_blank[r]);
            }
        }
    }

    #[test]
    fn permissive_matches_spark() {
        let batch = decode_text(
            PROBE.join("\n").as_bytes(),
            &lab(),
            &DecodeOptions::default(),
        )
        .unwrap();
        check(&batch, &expected(), PROBE);
    }

    #[test]
    fn header_skips_first_line_only() {
        let options = DecodeOptions {
            csv_header: true,
            ..DecodeOptions::default()
        };
        let batch = decode_text(PROBE.join("\n").as_bytes(), &lab(), &options).unwrap();
        let want = expected();
        assert_eq!(batch.num_rows(), want.len() - 1);
        // Spark 4.3: header=true with 'a,b','1,2','a,b','3,4' → (1,'2'), (NULL,'b'), (3,'4').
        let s = schema(&[("a", DataType::Int32), ("b", DataType::Utf8)]);
        let batch = decode_text(b"\n  \na,b\n1,2\na,b\n3,4", &s, &options).unwrap();
        let a = batch.column(0).as_primitive::<Int32Type>();
        let b = batch.column(1).as_string::<i32>();
        assert_eq!(batch.num_rows(), 3);
        assert_eq!((a.value(0), b.value(0)), (1, "2"));
        assert!(a.is_null(1));
        assert_eq!(b.value(1), "b");
        assert_eq!((a.value(2), b.value(2)), (3, "4"));
    }

    #[test]
    fn drop_malformed_and_failfast() {
        let options = DecodeOptions {
            mode: ParseMode::DropMalformed,
            ..DecodeOptions::default()
        };
        let batch = decode_text(PROBE.join("\n").as_bytes(), &lab(), &options).unwrap();
        assert_eq!(batch.num_rows(), expected().iter().filter(|w| !w.4).count());
        let options = DecodeOptions {
            mode: ParseMode::FailFast,
            ..DecodeOptions::default()
        };
        let err = decode_text(b"1,a,1.0,\n\n11", &lab(), &options).unwrap_err();
        match &err {
            DecodeError::Malformed { line, reason, .. } => {
                assert_eq!(*line, 3);
                assert!(reason.contains("MALFORMED_CSV_RECORD"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn separators_and_line_endings() {
        // Spark 4.3: sep=';' on '1;a;x','2,b;c' → (1,'a','x'), (NULL,'c',NULL).
        let s = schema(&[
            ("a", DataType::Int32),
            ("b", DataType::Utf8),
            ("c", DataType::Utf8),
        ]);
        let options = DecodeOptions {
            csv_sep: b';',
            ..DecodeOptions::default()
        };
        let batch = decode_text(b"1;a;x\n2,b;c", &s, &options).unwrap();
        let a = batch.column(0).as_primitive::<Int32Type>();
        assert_eq!(a.value(0), 1);
        assert!(a.is_null(1));
        assert_eq!(batch.column(1).as_string::<i32>().value(1), "c");
        assert!(batch.column(2).is_null(1));
        // Spark 4.3: b'1,a\r\n2,b\r3,c\n\n4,"d\r\ne",x\n5,e' → 1 a, 2 b, 3 c, 4 d,
        // (NULL, x, corrupt 'e",x'), 5 e.
        let s = schema(&[
            ("a", DataType::Int32),
            ("b", DataType::Utf8),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let batch = decode_text(
            b"1,a\r\n2,b\r3,c\n\n4,\"d\r\ne\",x\n5,e",
            &s,
            &DecodeOptions::default(),
        )
        .unwrap();
        let a = batch.column(0).as_primitive::<Int32Type>();
        let b = batch.column(1).as_string::<i32>();
        let bad = batch.column(2).as_string::<i32>();
        assert_eq!(batch.num_rows(), 6);
        assert_eq!(b.value(3), "d");
        assert!(bad.is_null(3));
        assert!(a.is_null(4));
        assert_eq!(b.value(4), "x");
        assert_eq!(bad.value(4), "e\",x");
        assert_eq!((a.value(5), b.value(5)), (5, "e"));
    }

    #[test]
    fn corrupt_column_in_the_middle() {
        // Spark 4.3: schema (a INT, _corrupt_record STRING, b STRING) on '1,a','x,b'.
        let s = schema(&[
            ("a", DataType::Int32),
            ("_corrupt_record", DataType::Utf8),
            ("b", DataType::Utf8),
        ]);
        let batch = decode_text(b"1,a\nx,b", &s, &DecodeOptions::default()).unwrap();
        let a = batch.column(0).as_primitive::<Int32Type>();
        let bad = batch.column(1).as_string::<i32>();
        let b = batch.column(2).as_string::<i32>();
        assert_eq!((a.value(0), b.value(0)), (1, "a"));
        assert!(bad.is_null(0));
        assert!(a.is_null(1));
        assert_eq!((bad.value(1), b.value(1)), ("x,b", "b"));
    }

    /// Spark 4.3: booleans, integers, floats, dates and decimals from CSV.
    #[test]
    fn typed_values() {
        let s = schema(&[
            ("b", DataType::Boolean),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let batch = decode_text(
            b"true\nTRUE\nTrue\n1\nyes\nfalse\n true",
            &s,
            &DecodeOptions::default(),
        )
        .unwrap();
        let b = batch.column(0).as_boolean();
        let got: Vec<Option<bool>> = (0..7).map(|i| b.is_valid(i).then(|| b.value(i))).collect();
        assert_eq!(
            got,
            vec![
                Some(true),
                Some(true),
                Some(true),
                None,
                None,
                Some(false),
                None
            ]
        );

        let s = schema(&[
            ("l", DataType::Int64),
            ("s", DataType::Int16),
            ("t", DataType::Int8),
            ("f", DataType::Float32),
            ("d", DataType::Date32),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let text = "9223372036854775807,32767,127,1.5,2024-01-15\n\
                    9223372036854775808,32768,128,3.4e39,2024-1-5\n\
                    1,1,1,1,19000\n1,1,1,1,2024-01-15 10:00:00\n1,1,1,1,123\n\
                    1,1,1,1, 2024-01-15 \n-1,-1,-1,-1,2024";
        let batch = decode_text(text.as_bytes(), &s, &DecodeOptions::default()).unwrap();
        let l = batch.column(0).as_primitive::<Int64Type>();
        let sm = batch.column(1).as_primitive::<Int16Type>();
        let t = batch.column(2).as_primitive::<Int8Type>();
        let f = batch.column(3).as_primitive::<Float32Type>();
        let d = batch.column(4).as_primitive::<Date32Type>();
        let bad = batch.column(5);
        assert_eq!(
            (l.value(0), sm.value(0), t.value(0), f.value(0), d.value(0)),
            (i64::MAX, 32767, 127, 1.5, 19737)
        );
        assert!(l.is_null(1) && sm.is_null(1) && t.is_null(1));
        assert_eq!((f.value(1), d.value(1)), (f32::INFINITY, 19727));
        assert_eq!(d.value(2), 6220080);
        assert_eq!(d.value(3), 19737);
        assert!(d.is_null(4));
        assert_eq!(d.value(5), 19737);
        assert_eq!((l.value(6), d.value(6)), (-1, 19723));
        let corrupt: Vec<bool> = (0..7).map(|i| bad.is_valid(i)).collect();
        assert_eq!(corrupt, vec![false, true, false, false, true, false, false]);

        let s = schema(&[
            ("d", DataType::Decimal128(10, 2)),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let batch = decode_text(
            b"1.005\nabc\n1e2\n12345678901\n1,000.5\n 1.5\n-0.004",
            &s,
            &DecodeOptions::default(),
        )
        .unwrap();
        let d = batch.column(0).as_primitive::<Decimal128Type>();
        let got: Vec<Option<i128>> = (0..7).map(|i| d.is_valid(i).then(|| d.value(i))).collect();
        assert_eq!(
            got,
            vec![Some(101), None, Some(10000), None, Some(100), None, Some(0)]
        );
        let corrupt: Vec<bool> = (0..7).map(|i| batch.column(1).is_valid(i)).collect();
        assert_eq!(corrupt, vec![false, true, false, true, true, true, false]);
    }

    #[test]
    fn fewer_and_extra_tokens() {
        // Spark 4.3: '1,a,' → (1,'a',NULL) clean; '1,a' → (1,'a',NULL) corrupt.
        let s = schema(&[
            ("a", DataType::Int32),
            ("b", DataType::Utf8),
            ("c", DataType::Utf8),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let batch = decode_text(b"1,a,\n1,a", &s, &DecodeOptions::default()).unwrap();
        let bad = batch.column(3).as_string::<i32>();
        assert!(bad.is_null(0));
        assert_eq!(bad.value(1), "1,a");
        assert!(batch.column(2).is_null(0) && batch.column(2).is_null(1));
    }

    #[test]
    fn columns_read_by_token_position() {
        // Only the second declared column is read: a bad first token, a short line and a
        // long line are not malformed (Spark 4.3 with column pruning); a bad value is.
        let s = schema(&[
            ("value", DataType::Float64),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let options = DecodeOptions {
            csv_tokens: Some(vec![1]),
            ..DecodeOptions::default()
        };
        let batch = decode_text(b"1,2.5\nbad,3\n4\n5,6,7\n8,x", &s, &options).unwrap();
        let values = batch
            .column(0)
            .as_primitive::<arrow::datatypes::Float64Type>();
        let corrupt = batch.column(1).as_string::<i32>();
        let read: Vec<(Option<f64>, Option<&str>)> = (0..batch.num_rows())
            .map(|row| {
                (
                    values.is_valid(row).then(|| values.value(row)),
                    corrupt.is_valid(row).then(|| corrupt.value(row)),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (Some(2.5), None),
                (Some(3.0), None),
                (None, None),
                (Some(6.0), None),
                (None, Some("8,x")),
            ]
        );
    }
}
