//! JSON-lines decoding with Spark's semantics (SEMANTICS.md §3.2).
//!
//! Each line is parsed on its own with the syntax Spark's Jackson parser accepts
//! (`json/parser.rs`). Only the first JSON value of a line is read; anything after it is
//! ignored (Spark does the same). A root array of objects yields one row per element; `[]`
//! and blank lines yield nothing; any other root value is a corrupt record.
//!
//! Values go straight into the column builders through Spark's per-type converters
//! ([`Column::push_json`]); fields are matched by exact (case-sensitive) name, a repeated
//! key keeps its last value, unknown keys are validated and skipped.

use super::columns::{Column, JsonValue, Kind, PlainNumber};
use super::{DecodeError, DecodeOptions, FileFormat, Lines, ParseMode, RowWriter};
use arrow::array::{Array, BooleanBufferBuilder, RecordBatch, StringArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::SchemaRef;
use spate_runtime::source::ReadBatch;
use spate_runtime::text::timestamp::TimestampParser;
use std::path::Path;

mod parser;
mod path;
mod template;

use parser::{find_special, PResult, Parsed, Parser, StrLoc, Syntax, SyntaxError, MAX_DEPTH};
use template::{RowTemplate, Span};

pub use path::{json_path_supported, json_path_values};

/// Decodes JSON lines held in memory, numbering them from 1 (for error messages). Returns
/// the batches and the number of lines.
pub(crate) fn decode(
    data: &[u8],
    path: &Path,
    schema: &SchemaRef,
    options: &DecodeOptions,
) -> Result<(Vec<ReadBatch>, usize), DecodeError> {
    let mut writer = RowWriter::new(FileFormat::Json, schema, path, options)?.reading(data.len());
    let mut keys = KeyMap::new(schema, &writer.data_columns);
    let mut template = RowTemplate::default();
    let mut scratch = Vec::with_capacity(256);
    let timestamps = TimestampParser::new(&options.time_zone);
    // One validation of the whole file spares the per-line check in the common case.
    let all_utf8 = simdutf8::basic::from_utf8(data).is_ok();
    let mut last_line = 0;
    let mut lines = Lines::new(data);
    loop {
        // The common line, one object, is parsed straight from the data: where the object
        // ends, its line ends too, which spares searching the line for its end first. The
        // parser stops at a line terminator, so any other line fails here and is parsed
        // again on its own below, where its errors are told as they are.
        let rest = lines.rest();
        let start_rows = writer.rows();
        let object = (all_utf8 && rest.first() == Some(&b'{'))
            .then(|| {
                let mut p = Parser::new(rest);
                let parsed = record_row(
                    &mut writer,
                    &mut keys,
                    &mut template,
                    &mut p,
                    &mut scratch,
                    &timestamps,
                );
                match parsed {
                    Ok(result) => Some((p.i, result)),
                    Err(_) => {
                        writer.rollback(start_rows);
                        None
                    }
                }
            })
            .flatten();
        let Some((line_no, line)) = lines.next_after(object.as_ref().map_or(0, |(end, _)| *end))
        else {
            break;
        };
        last_line = line_no;
        match object {
            Some((_, result)) => end_object_row(&mut writer, result, line, line_no)?,
            None => decode_line(
                &mut writer,
                &mut keys,
                line,
                line_no,
                &mut scratch,
                &timestamps,
                all_utf8,
            )?,
        }
        writer.maybe_flush()?;
    }
    Ok((writer.finish()?, last_line))
}

/// Field name → schema index. Remembers, per key position inside an object, the last key
/// seen there and what it resolved to, because rows of one file almost always list their
/// keys in the same order (unknown keys included).
struct KeyMap {
    entries: Vec<(Vec<u8>, usize)>,
    recent: Vec<Option<RecentKey>>,
    /// Where the values of the last object [`object_row`] parsed lay, and their columns.
    spans: Vec<Span>,
}

/// The last key seen at one position of an object and what it resolved to.
#[derive(Clone)]
struct RecentKey {
    key: Vec<u8>,
    column: Option<usize>,
    /// Whether the key is written the same in a double-quoted JSON string (no quote,
    /// backslash or control character), so that its text can be matched as it stands.
    plain: bool,
}

/// Key positions remembered per object.
const RECENT_KEYS: usize = 256;

impl KeyMap {
    fn new(schema: &SchemaRef, data_columns: &[usize]) -> KeyMap {
        let mut entries: Vec<(Vec<u8>, usize)> = Vec::with_capacity(data_columns.len());
        for &i in data_columns {
            let name = schema.field(i).name().as_bytes();
            if !entries.iter().any(|(n, _)| n == name) {
                entries.push((name.to_vec(), i));
            }
        }
        KeyMap {
            entries,
            recent: Vec::new(),
            spans: Vec::new(),
        }
    }

    /// When the text at `s[at..]` is the key last seen at `ordinal`, double-quoted and
    /// without escapes: that key's length in the text and its column. Rows of one file
    /// repeat their keys, so this usually spares parsing the key and looking it up.
    #[inline]
    fn predicted(&self, s: &[u8], at: usize, ordinal: usize) -> Option<(usize, Option<usize>)> {
        let recent = self.recent.get(ordinal)?.as_ref()?;
        let end = at + recent.key.len() + 1;
        let text = s.get(at..=end)?;
        (recent.plain
            && text[0] == b'"'
            && text[text.len() - 1] == b'"'
            && key_eq(&text[1..text.len() - 1], &recent.key))
        .then_some((text.len(), recent.column))
    }

    #[inline]
    fn find(&mut self, key: &[u8], ordinal: usize) -> Option<usize> {
        if let Some(Some(recent)) = self.recent.get(ordinal) {
            if key_eq(&recent.key, key) {
                return recent.column;
            }
        }
        let column = self
            .entries
            .iter()
            .find(|(n, _)| key_eq(n, key))
            .map(|(_, i)| *i);
        if ordinal < RECENT_KEYS {
            if self.recent.len() <= ordinal {
                self.recent.resize(ordinal + 1, None);
            }
            let plain = key.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
            self.recent[ordinal] = Some(RecentKey {
                key: key.to_vec(),
                column,
                plain,
            });
        }
        column
    }
}

/// Byte-wise equality for short keys without a library call.
#[inline]
fn key_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i + 8 <= a.len() {
        let mut x = [0u8; 8];
        let mut y = [0u8; 8];
        x.copy_from_slice(&a[i..i + 8]);
        y.copy_from_slice(&b[i..i + 8]);
        if x != y {
            return false;
        }
        i += 8;
    }
    a[i..].iter().zip(&b[i..]).all(|(x, y)| x == y)
}

/// Converts a parsed value into a [`JsonValue`] borrowing from the line or scratch.
#[inline]
fn resolve<'x>(parsed: &Parsed, line: &'x [u8], scratch: &'x [u8]) -> JsonValue<'x> {
    match *parsed {
        Parsed::Null => JsonValue::Null,
        Parsed::True => JsonValue::True,
        Parsed::False => JsonValue::False,
        Parsed::Int(a, b) => JsonValue::Int(&line[a..b]),
        Parsed::Float(a, b) => JsonValue::Float(&line[a..b]),
        Parsed::Str(StrLoc::Line(a, b)) => JsonValue::Str(&line[a..b]),
        Parsed::Str(StrLoc::Scratch) => JsonValue::Str(scratch),
        Parsed::Nested(a, b) => JsonValue::Nested(&line[a..b]),
    }
}

/// Outcome of converting one object into a row.
enum ObjectResult {
    /// All fields converted.
    Clean,
    /// All fields converted, and every column has its value (nothing to fill with NULL).
    Filled,
    /// Some field failed conversion (its schema index); the others hold values.
    Corrupt(usize),
}

/// Parses the object a record starts with (`p` at its start) into the current row of
/// `w`: by the layout of the last record when it has it, otherwise in full, learning its
/// layout for the next.
#[inline]
fn record_row(
    w: &mut RowWriter<'_>,
    keys: &mut KeyMap,
    template: &mut RowTemplate,
    p: &mut Parser<'_>,
    scratch: &mut Vec<u8>,
    timestamps: &TimestampParser,
) -> PResult<ObjectResult> {
    let row = w.rows();
    if let Some(result) = template.row(w, p, scratch, timestamps) {
        return Ok(result);
    }
    if p.i != 0 {
        // The layout read part of the record before it missed.
        w.rollback(row);
        p.i = 0;
    }
    let result = object_row(w, keys, p, scratch, timestamps)?;
    if template.wanted() {
        template.learn(p.s, &keys.spans, p.i, &w.data_columns);
    }
    Ok(result)
}

/// Parses the object at `p.i` into the current row of `w`.
fn object_row(
    w: &mut RowWriter<'_>,
    keys: &mut KeyMap,
    p: &mut Parser<'_>,
    scratch: &mut Vec<u8>,
    timestamps: &TimestampParser,
) -> PResult<ObjectResult> {
    let row = w.rows();
    let mut bad: Option<usize> = None;
    keys.spans.clear();
    p.i += 1; // '{'
    p.skip_ws();
    if p.peek() == Some(b'}') {
        p.i += 1;
        return Ok(ObjectResult::Clean);
    }
    let mut ordinal = 0;
    loop {
        let col = match keys.predicted(p.s, p.i, ordinal) {
            Some((length, col)) => {
                p.i += length;
                col
            }
            None => match p.peek() {
                Some(b'"' | b'\'') => match p.string(scratch)? {
                    StrLoc::Line(a, b) => keys.find(&p.s[a..b], ordinal),
                    StrLoc::Scratch => keys.find(scratch, ordinal),
                },
                _ => return p.err("expected a field name"),
            },
        };
        p.skip_ws();
        if p.peek() != Some(b':') {
            return p.err("expected ':'");
        }
        p.i += 1;
        p.skip_ws();
        let start = p.i;
        match col {
            Some(ci) => {
                let column = w.column(ci);
                if field_value(p, column, row, scratch, timestamps, 1)? != Converted::Whole {
                    bad = bad.or(Some(ci));
                }
            }
            None => skip_value(p, scratch, 1)?,
        }
        keys.spans.push(Span {
            start,
            end: p.i,
            column: col,
        });
        ordinal += 1;
        if !p.after_member(true)? {
            break;
        }
    }
    Ok(match bad {
        None => ObjectResult::Clean,
        Some(ci) => ObjectResult::Corrupt(ci),
    })
}

/// How a value converted into a column, as Spark's converters with partial results do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Converted {
    /// Every value converted.
    Whole,
    /// Kept, with some nested value NULL because it did not convert.
    Partial,
    /// Did not convert: NULL.
    Failed,
}

/// The commonest values, read without the general path of [`field_value`]: a string
/// without escapes into a string column, a number into a number column, each into a row
/// that has no value yet. `None`, with nothing read, for any other value, column or row.
#[inline(always)]
fn quick_value(p: &mut Parser<'_>, column: &mut Column, row: usize) -> Option<Converted> {
    if column.len() != row {
        return None;
    }
    match (column.kind(), p.peek()?) {
        (Kind::Utf8, b'"') => {
            let end = quick_string_end(p)?;
            column.push_str(&p.s[p.i + 1..end - 1]);
            p.i = end;
            Some(Converted::Whole)
        }
        (Kind::Int32 | Kind::Int64 | Kind::Float64, b'-' | b'0'..=b'9') => {
            let (number, end) = p.plain_number()?;
            if !column.push_plain_number(number) {
                return None;
            }
            p.i = end;
            Some(Converted::Whole)
        }
        _ => None,
    }
}

/// Validates and skips the value at `p.i`, which no column reads.
#[inline(always)]
fn skip_value(p: &mut Parser<'_>, scratch: &mut Vec<u8>, depth: usize) -> PResult<()> {
    let quick = match p.peek() {
        Some(b'"') => quick_string_end(p),
        Some(b'-' | b'0'..=b'9') => p.plain_number().map(|(_, end)| end),
        _ => None,
    };
    match quick {
        Some(end) => p.i = end,
        None => {
            p.value(scratch, depth)?;
        }
    }
    Ok(())
}

/// Where the double-quoted string at `p.i` ends (just past its closing quote) when it
/// holds no escape or control character; `None` otherwise.
#[inline(always)]
fn quick_string_end(p: &Parser<'_>) -> Option<usize> {
    let end = find_special(p.s, p.i + 1, b'"');
    (p.s.get(end) == Some(&b'"')).then_some(end + 1)
}

/// Parses a value into `column` at row `row` (an object member's, or an array element's
/// at the column's end) with Spark's converter for its type: an object into a struct, an
/// array into an array, a scalar by [`Column::push_json`]. A repeated key: the last value
/// that converts wins; a scalar that fails leaves the earlier value in place (Spark 4.3); a
/// nested value replaces it.
// Inlined into the object loop, which runs once per member of every record.
#[inline(always)]
fn field_value(
    p: &mut Parser<'_>,
    column: &mut Column,
    row: usize,
    scratch: &mut Vec<u8>,
    timestamps: &TimestampParser,
    depth: usize,
) -> PResult<Converted> {
    if let Some(converted) = quick_value(p, column, row) {
        return Ok(converted);
    }
    if column.kind().is_nested() {
        if column.len() > row {
            column.truncate(row);
        }
        return nested_value(p, column, scratch, timestamps, depth);
    }
    let parsed = p.value(scratch, depth)?;
    let value = resolve(&parsed, p.s, scratch);
    let repeated = column.len() > row;
    if !column.push_json(value, timestamps) {
        if repeated {
            column.truncate(row + 1);
        }
        return Ok(Converted::Failed);
    }
    if repeated {
        column.truncate(row);
        column.push_json(value, timestamps);
    }
    Ok(Converted::Whole)
}

/// Parses the value at `p.i` into a struct or array `column`: NULL, an object into a
/// struct, an array into an array; any other value fails (NULL).
fn nested_value(
    p: &mut Parser<'_>,
    column: &mut Column,
    scratch: &mut Vec<u8>,
    timestamps: &TimestampParser,
    depth: usize,
) -> PResult<Converted> {
    if depth >= MAX_DEPTH {
        return p.err("nesting depth exceeds 1000");
    }
    match (column.kind(), p.peek()) {
        (_, Some(b'n')) => {
            p.literal(b"null")?;
            column.push_null();
            Ok(Converted::Whole)
        }
        (Kind::Struct, Some(b'{')) => struct_value(p, column, scratch, timestamps, depth),
        (Kind::List, Some(b'[')) => list_value(p, column, scratch, timestamps, depth),
        _ => {
            p.value(scratch, depth)?;
            column.push_null();
            Ok(Converted::Failed)
        }
    }
}

/// Parses the object at `p.i` into one row of the struct `column`: fields by exact name
/// (the last of a repeated key), unknown keys skipped, missing fields NULL. A field that
/// does not convert is NULL and makes the struct partial.
fn struct_value(
    p: &mut Parser<'_>,
    column: &mut Column,
    scratch: &mut Vec<u8>,
    timestamps: &TimestampParser,
    depth: usize,
) -> PResult<Converted> {
    let row = column.len();
    let mut outcome = Converted::Whole;
    p.i += 1; // '{'
    p.skip_ws();
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        loop {
            let key = p.member_key(scratch)?;
            let key = p.text(&key, scratch);
            let field = column
                .fields()
                .iter()
                .position(|f| f.name().as_bytes() == key);
            match field {
                Some(index) => {
                    let field = &mut column.fields_mut()[index];
                    if field_value(p, field, row, scratch, timestamps, depth + 1)?
                        != Converted::Whole
                    {
                        outcome = Converted::Partial;
                    }
                }
                None => skip_value(p, scratch, depth + 1)?,
            }
            if !p.after_member(true)? {
                break;
            }
        }
    }
    for field in column.fields_mut() {
        if field.len() == row {
            field.push_null();
        }
    }
    column.end_struct();
    Ok(outcome)
}

/// Parses the array at `p.i` into one row of the array `column`. An element that does not
/// convert makes the whole array NULL; a partial element is kept.
fn list_value(
    p: &mut Parser<'_>,
    column: &mut Column,
    scratch: &mut Vec<u8>,
    timestamps: &TimestampParser,
    depth: usize,
) -> PResult<Converted> {
    let Some(element) = column.element_mut() else {
        return p.err("not an array column");
    };
    let start = element.len();
    let mut outcome = Converted::Whole;
    p.i += 1; // '['
    p.skip_ws();
    if p.peek() == Some(b']') {
        p.i += 1;
    } else {
        loop {
            let row = element.len();
            match field_value(p, element, row, scratch, timestamps, depth + 1)? {
                Converted::Failed => outcome = Converted::Failed,
                Converted::Partial if outcome == Converted::Whole => outcome = Converted::Partial,
                _ => {}
            }
            if !p.after_member(false)? {
                break;
            }
        }
    }
    if outcome == Converted::Failed {
        element.truncate(start);
        column.push_null();
    } else {
        column.end_list();
    }
    Ok(outcome)
}

/// Completes the row of an object parsed from `line`.
#[inline(always)]
fn end_object_row(
    w: &mut RowWriter<'_>,
    result: ObjectResult,
    line: &[u8],
    line_no: usize,
) -> Result<(), DecodeError> {
    match result {
        ObjectResult::Clean => w.end_row(false, line, line_no, &String::new),
        ObjectResult::Filled => w.end_filled_row(line, line_no),
        ObjectResult::Corrupt(ci) => {
            let schema = w.schema_ref();
            w.end_row(true, line, line_no, &conversion(schema, ci))
        }
    }
}

/// The message for a value of field `ci` that does not convert to the field's type.
fn conversion(schema: &SchemaRef, ci: usize) -> impl Fn() -> String {
    let name = schema.field(ci).name().clone();
    let ty = spate_runtime::types::spark_type_name(schema.field(ci).data_type());
    move || format!("field `{name}` cannot be converted to {ty}")
}

fn decode_line(
    w: &mut RowWriter<'_>,
    keys: &mut KeyMap,
    line: &[u8],
    line_no: usize,
    scratch: &mut Vec<u8>,
    timestamps: &TimestampParser,
    all_utf8: bool,
) -> Result<(), DecodeError> {
    // Jackson's byte-source bootstrapper skips a UTF-8 byte order mark.
    let text = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let mut p = Parser::new(text);
    p.skip_ws();
    let Some(first) = p.peek() else {
        return Ok(()); // blank line: no record
    };
    let start_rows = w.rows();
    let schema = w.schema_ref();
    if !all_utf8 && std::str::from_utf8(text).is_err() {
        return w.failed_row(start_rows, line, line_no, &|| "invalid UTF-8".into());
    }
    let syntax =
        |e: SyntaxError| move || format!("JSON syntax error at byte {}: {}", e.at + 1, e.what);
    match first {
        b'{' => match object_row(w, keys, &mut p, scratch, timestamps) {
            Ok(result) => end_object_row(w, result, line, line_no),
            Err(e) => w.failed_row(start_rows, line, line_no, &syntax(e)),
        },
        b'[' => {
            // A root array: every element must be an object and becomes a row. If one
            // fails conversion, every row of the array is corrupt (Spark 4.3 keeps them all,
            // each with the whole line as corrupt record).
            p.i += 1;
            p.skip_ws();
            if p.peek() == Some(b']') {
                return Ok(());
            }
            let mut bad: Option<usize> = None;
            loop {
                if p.peek() != Some(b'{') {
                    let e = SyntaxError {
                        at: p.i,
                        what: "array element is not an object",
                    };
                    return w.failed_row(start_rows, line, line_no, &syntax(e));
                }
                match object_row(w, keys, &mut p, scratch, timestamps) {
                    Ok(ObjectResult::Clean | ObjectResult::Filled) => w.fill_row(),
                    Ok(ObjectResult::Corrupt(ci)) => {
                        w.fill_row();
                        bad = bad.or(Some(ci));
                    }
                    Err(e) => return w.failed_row(start_rows, line, line_no, &syntax(e)),
                }
                match p.after_member(false) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => return w.failed_row(start_rows, line, line_no, &syntax(e)),
                }
            }
            match bad {
                None => w.commit_rows(start_rows, false, line, line_no, &String::new),
                Some(ci) => w.commit_rows(start_rows, true, line, line_no, &conversion(schema, ci)),
            }
        }
        _ => {
            let e = SyntaxError {
                at: p.i,
                what: "the record is not a JSON object",
            };
            w.failed_row(start_rows, line, line_no, &syntax(e))
        }
    }
}

/// One JSON record per string, as Spark's `from_json` reads them into rows of `schema`: the
/// struct's columns, which rows are NULL (NULL or blank text) and the first malformed row.
pub struct JsonValues {
    /// The rows (a NULL row has every column NULL).
    pub batch: RecordBatch,
    /// Whether each row has a value (its text was neither NULL nor blank).
    pub valid: NullBuffer,
    /// The first row whose record is malformed (all its fields NULL, or those that did not
    /// convert), if any.
    pub first_malformed: Option<usize>,
}

/// Parses every string of `texts` as one JSON record of `schema` (PERMISSIVE: a malformed
/// record keeps its text in the corrupt-record column), as Spark's `from_json` does: the
/// record must be an object (a root array is malformed); JSON whitespace, line ends
/// included, may surround its tokens; what follows the object is ignored.
pub fn parse_json_values(
    texts: &StringArray,
    schema: &SchemaRef,
    options: &DecodeOptions,
) -> Result<JsonValues, DecodeError> {
    let options = DecodeOptions {
        mode: ParseMode::Permissive,
        batch_size: texts.len().max(1),
        ..options.clone()
    };
    let path = Path::new("from_json");
    let mut writer =
        RowWriter::new(FileFormat::Json, schema, path, &options)?.reading(texts.value_data().len());
    let mut keys = KeyMap::new(schema, &writer.data_columns);
    let mut template = RowTemplate::default();
    let mut scratch = Vec::with_capacity(256);
    let mut unbroken = Vec::new();
    let timestamps = TimestampParser::new(&options.time_zone);
    let mut valid = BooleanBufferBuilder::new(texts.len());
    let mut first_malformed = None;
    for (row, text) in texts.iter().enumerate() {
        let start = writer.rows();
        let text = text.map_or(&b""[..], str::as_bytes);
        let first = text.iter().position(|b| !is_json_ws(*b));
        valid.append(first.is_some());
        let Some(first) = first else {
            writer.end_row(false, text, row + 1, &String::new)?;
            continue;
        };
        let record = &without_line_ends(text, &mut unbroken)[first..];
        let mut p = Parser::new(record);
        let parsed = if record.first() == Some(&b'{') {
            record_row(
                &mut writer,
                &mut keys,
                &mut template,
                &mut p,
                &mut scratch,
                &timestamps,
            )
        } else {
            p.err("the record is not a JSON object")
        };
        let malformed = match parsed {
            Ok(result) => {
                let corrupt = matches!(result, ObjectResult::Corrupt(_));
                end_object_row(&mut writer, result, text, row + 1)?;
                corrupt
            }
            Err(_) => {
                writer.failed_row(start, text, row + 1, &String::new)?;
                true
            }
        };
        if malformed && first_malformed.is_none() {
            first_malformed = Some(row);
        }
    }
    let batches: Vec<RecordBatch> = writer
        .finish()?
        .into_iter()
        .map(|read| read.batch)
        .collect();
    let batch = arrow::compute::concat_batches(schema, &batches)?;
    Ok(JsonValues {
        batch,
        valid: NullBuffer::new(valid.finish()),
        first_malformed,
    })
}

/// JSON's whitespace.
fn is_json_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// `text` for a parser that stops at line ends: they are whitespace between tokens, as
/// anywhere in JSON, so those outside strings become spaces (in `buffer`, when there are
/// any; one inside a string stays).
fn without_line_ends<'t>(text: &'t [u8], buffer: &'t mut Vec<u8>) -> &'t [u8] {
    if !text.contains(&b'\n') && !text.contains(&b'\r') {
        return text;
    }
    buffer.clear();
    buffer.extend_from_slice(text);
    line_ends_as_spaces(buffer);
    buffer
}

/// Turns the line ends of `text` that are outside strings into spaces.
fn line_ends_as_spaces(text: &mut [u8]) {
    let mut quote = None;
    let mut escaped = false;
    for b in text.iter_mut() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if *b == b'\\' {
                    escaped = true;
                } else if *b == q {
                    quote = None;
                }
            }
            None => match *b {
                b'"' | b'\'' => quote = Some(*b),
                b'\n' | b'\r' => *b = b' ',
                _ => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode_file, DecodeOptions, FileFormat, ParseMode};
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{
        DataType, Date32Type, Decimal128Type, Field, Float32Type, Int32Type, Int64Type, Int8Type,
        Schema, TimestampMicrosecondType,
    };
    use arrow::record_batch::RecordBatch;
    use std::io::Write;
    use std::sync::Arc;

    fn schema(fields: &[(&str, DataType)]) -> SchemaRef {
        Arc::new(Schema::new(
            fields
                .iter()
                .map(|(n, t)| Field::new(*n, t.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }

    fn lab_schema(corrupt: bool) -> SchemaRef {
        let mut f = vec![
            ("id", DataType::Int32),
            ("name", DataType::Utf8),
            ("value", DataType::Float64),
            ("timestamp", DataType::Utf8),
        ];
        if corrupt {
            f.push(("_corrupt_record", DataType::Utf8));
        }
        schema(&f)
    }

    fn decode_str(
        text: &str,
        schema: &SchemaRef,
        options: &DecodeOptions,
    ) -> Result<RecordBatch, DecodeError> {
        let dir = tempfile::tempdir().map_err(|e| DecodeError::Io {
            path: "tmp".into(),
            source: e,
        })?;
        let path = dir.path().join("f.json");
        let mut f = std::fs::File::create(&path).map_err(|e| DecodeError::Io {
            path: path.clone(),
            source: e,
        })?;
        f.write_all(text.as_bytes()).map_err(|e| DecodeError::Io {
            path: path.clone(),
            source: e,
        })?;
        let batches = decode_file(FileFormat::Json, &path, schema, options)?;
        for b in &batches {
            assert_eq!(b.schema(), *schema);
        }
        Ok(arrow::compute::concat_batches(schema, &batches)?)
    }

    /// Renders a batch as rows of `Option<String>` for compact assertions.
    fn rows(batch: &RecordBatch) -> Vec<Vec<Option<String>>> {
        use arrow::util::display::{ArrayFormatter, FormatOptions};
        let opts = FormatOptions::default();
        let fmts: Vec<ArrayFormatter> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap())
            .collect();
        (0..batch.num_rows())
            .map(|r| {
                batch
                    .columns()
                    .iter()
                    .zip(&fmts)
                    .map(|(c, f)| (!c.is_null(r)).then(|| f.value(r).to_string()))
                    .collect()
            })
            .collect()
    }

    fn row(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|s| s.map(str::to_string)).collect()
    }

    const N: Option<&str> = None;

    /// The lines of the Spark 4.3 probe; expected rows below were observed with
    /// `spark.read.schema("id INT, name STRING, value DOUBLE, timestamp STRING,
    /// _corrupt_record STRING").json(path)` (PERMISSIVE, session time zone UTC).
    const PROBE: &[&str] = &[
        r#"{"id":1,"name":"ok","value":1.5,"timestamp":"2024-01-15 10:00:00"}"#,
        r#"{"id":2,"name":"badvalue","value":"abc","timestamp":"t"}"#,
        r#"{"id":"x3","name":"badid","value":3,"timestamp":"t"}"#,
        r#"{"id":4,"name":"malformed","value":4"#,
        "",
        "   ",
        r#"{"id":5,"name":123,"value":5,"timestamp":"t"}"#,
        r#"{"id":6,"value":"7","extra":1}"#,
        r#"{"id":8.7}"#,
        "[1,2]",
        r#"[{"id":10},{"id":11}]"#,
        "[]",
        r#"{"id":12} {"id":13}"#,
        r#"{"id":14} x"#,
        r#"{"id":15,,"name":"a"}"#,
        r#"{"id":16 "name":"a"}"#,
        r#"{"id":017}"#,
        r#"{'id':18,'name':'sq'}"#,
        r#"{"id":19,"value":NaN}"#,
        r#"{"id":20,"value":"NaN"}"#,
        r#"{"id":21,"value":"Infinity"}"#,
        r#"{"id":22,"value":-Infinity}"#,
        r#"{"id":23,"value":"-INF"}"#,
        r#"{"id":24,"name":{"a" : [1, 2]}}"#,
        r#"{"id":25,"name":1.50}"#,
        r#"{"id":26,"name":true}"#,
        "{\"id\":27,\"name\":\"tab\there\"}",
        r#"{"id":28,"id":29}"#,
        r#"{"id":1e2}"#,
        r#"{"id":2147483648}"#,
        r#"{"id":-0}"#,
        r#"{"id":"","value":""}"#,
        r#"{"id":30,"value":1e400}"#,
        r#"{"id":31,"value":+1}"#,
        r#"{"id":32,"value":.5}"#,
        r#"{"id":33,"value":1.}"#,
        r#"{"id":34,"name":null}"#,
        r#""str""#,
        "5",
        "null",
        r#"{"id":35,}"#,
        r#"{"id":36,"name":"\u00e9\ud83d\ude00"}"#,
        r#"{"id":37,"name":"bad\x"}"#,
        r#"{"id":39,"name":"a"}garbage"#,
        r#"{"ID":40,"Name":"case"}"#,
        r#"{"id":41,"value":"+INF"}"#,
        r#"{"id":42,"value":"  1.5"}"#,
        r#"{"id":43,"value":true}"#,
        r#"{"id":44,"name":[1,"x"]}"#,
        r#"{"id":45,"value":Infinity}"#,
        r#"{"id":46,"value":+Infinity}"#,
        r#"{"id":47,"value":-INF}"#,
        r#"{"id":48,"value":INF}"#,
        r#"{"id":49,"value":-NaN}"#,
        r#"{"id": 50 , "name" : "sp" }"#,
        "{\"id\":51,\"name\":\"\u{1}ctl\"}",
        r#"{"id":52}  "#,
        "\t{\"id\":53}",
        r#"{"id":54,"value":1E5}"#,
        r#"{"id":55,"value":-}"#,
        r#"{"id":56,"name":"a""#,
        r#"{"id":57,"name":12345678901234567890123}"#,
        r#"{"id":58,"name":-1.0e+10}"#,
    ];

    /// (id, name, value, timestamp, corrupt record) of one row.
    type Expected = (
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );

    /// The rows Spark 4.3 produced for [`PROBE`].
    fn probe_expected() -> Vec<Expected> {
        let c = |s: &'static str| Some(s);
        vec![
            (c("1"), c("ok"), c("1.5"), c("2024-01-15 10:00:00"), N),
            (c("2"), c("badvalue"), N, c("t"), c(PROBE[1])),
            (N, c("badid"), c("3.0"), c("t"), c(PROBE[2])),
            (N, N, N, N, c(PROBE[3])),
            (c("5"), c("123"), c("5.0"), c("t"), N),
            (c("6"), N, N, N, c(PROBE[7])),
            (N, N, N, N, c(PROBE[8])),
            (N, N, N, N, c(PROBE[9])),
            (c("10"), N, N, N, N),
            (c("11"), N, N, N, N),
            (c("12"), N, N, N, N),
            (c("14"), N, N, N, N),
            (N, N, N, N, c(PROBE[14])),
            (N, N, N, N, c(PROBE[15])),
            (N, N, N, N, c(PROBE[16])),
            (c("18"), c("sq"), N, N, N),
            (c("19"), N, c("NaN"), N, N),
            (c("20"), N, c("NaN"), N, N),
            (c("21"), N, c("inf"), N, N),
            (c("22"), N, c("-inf"), N, N),
            (c("23"), N, c("-inf"), N, N),
            (c("24"), c(r#"{"a" : [1, 2]}"#), N, N, N),
            (c("25"), c("1.50"), N, N, N),
            (c("26"), c("true"), N, N, N),
            (N, N, N, N, c(PROBE[26])),
            (c("29"), N, N, N, N),
            (N, N, N, N, c(PROBE[28])),
            (N, N, N, N, c(PROBE[29])),
            (c("0"), N, N, N, N),
            (N, N, N, N, c(PROBE[31])),
            (c("30"), N, c("inf"), N, N),
            (N, N, N, N, c(PROBE[33])),
            (N, N, N, N, c(PROBE[34])),
            (N, N, N, N, c(PROBE[35])),
            (c("34"), N, N, N, N),
            (N, N, N, N, c(PROBE[37])),
            (N, N, N, N, c(PROBE[38])),
            (N, N, N, N, c(PROBE[39])),
            (N, N, N, N, c(PROBE[40])),
            (c("36"), c("é😀"), N, N, N),
            (N, N, N, N, c(PROBE[42])),
            (c("39"), c("a"), N, N, N),
            (N, N, N, N, N),
            (c("41"), N, c("inf"), N, N),
            (c("42"), N, N, N, c(PROBE[46])),
            (c("43"), N, N, N, c(PROBE[47])),
            (c("44"), c(r#"[1,"x"]"#), N, N, N),
            (c("45"), N, c("inf"), N, N),
            (c("46"), N, c("inf"), N, N),
            (c("47"), N, c("-inf"), N, N),
            (N, N, N, N, c(PROBE[52])),
            (N, N, N, N, c(PROBE[53])),
            (c("50"), c("sp"), N, N, N),
            (N, N, N, N, c(PROBE[55])),
            (c("52"), N, N, N, N),
            (c("53"), N, N, N, N),
            (c("54"), N, c("100000.0"), N, N),
            (N, N, N, N, c(PROBE[59])),
            (N, N, N, N, c(PROBE[60])),
            (c("57"), c("12345678901234567890123"), N, N, N),
            (c("58"), c("-1.0e+10"), N, N, N),
        ]
    }

    #[test]
    fn permissive_matches_spark() {
        let batch = decode_str(
            &PROBE.join("\n"),
            &lab_schema(true),
            &DecodeOptions::default(),
        )
        .unwrap();
        let got = rows(&batch);
        let want = probe_expected();
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(*g, row(&[w.0, w.1, w.2, w.3, w.4]), "row {i}");
        }
    }

    #[test]
    fn permissive_without_corrupt_column_keeps_rows() {
        let batch = decode_str(
            &PROBE.join("\n"),
            &lab_schema(false),
            &DecodeOptions::default(),
        )
        .unwrap();
        let got = rows(&batch);
        let want = probe_expected();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(*g, row(&[w.0, w.1, w.2, w.3]));
        }
    }

    #[test]
    fn drop_malformed_drops_every_corrupt_row() {
        let options = DecodeOptions {
            mode: ParseMode::DropMalformed,
            ..DecodeOptions::default()
        };
        let batch = decode_str(&PROBE.join("\n"), &lab_schema(true), &options).unwrap();
        let got = rows(&batch);
        let want: Vec<_> = probe_expected()
            .into_iter()
            .filter(|w| w.4.is_none())
            .map(|w| row(&[w.0, w.1, w.2, w.3, w.4]))
            .collect();
        // Spark 4.3 kept 34 rows of its probe input, which had one more clean line
        // (`{"id":38}\r`, covered by `carriage_returns_split_lines`).
        assert_eq!(want.len(), 33);
        assert_eq!(got, want);
    }

    #[test]
    fn failfast_names_file_and_line() {
        let options = DecodeOptions {
            mode: ParseMode::FailFast,
            ..DecodeOptions::default()
        };
        let text = "{\"id\":1}\n\n{\"id\":\"x\"}\n{\"id\":3}";
        match decode_str(text, &lab_schema(false), &options) {
            Err(DecodeError::Malformed { path, line, reason }) => {
                assert!(path.ends_with("f.json"));
                assert_eq!(line, 3);
                assert!(reason.contains("`id`"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        match decode_str("{\"id\":1}\r\n{\"id\":3", &lab_schema(false), &options) {
            Err(e @ DecodeError::Malformed { line: 2, .. }) => {
                assert!(e.to_string().contains("MALFORMED_RECORD_IN_PARSING"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn corrupt_column_rename_and_type_check() {
        // Spark 4.3: columnNameOfCorruptRecord=bad → (NULL, '{"id":"x"}'), (1, NULL).
        let s = schema(&[("id", DataType::Int32), ("bad", DataType::Utf8)]);
        let options = DecodeOptions {
            corrupt_column: "bad".into(),
            ..DecodeOptions::default()
        };
        let batch = decode_str("{\"id\":\"x\"}\n{\"id\":1}", &s, &options).unwrap();
        assert_eq!(
            rows(&batch),
            vec![row(&[N, Some(r#"{"id":"x"}"#)]), row(&[Some("1"), N])]
        );
        // A key named like the corrupt column is not read into it.
        let batch = decode_str("{\"id\":1,\"bad\":\"zz\"}", &s, &options).unwrap();
        assert_eq!(rows(&batch), vec![row(&[Some("1"), N])]);
        // Spark 4.3: [INVALID_CORRUPT_RECORD_TYPE] for `_corrupt_record INT`.
        let s = schema(&[
            ("id", DataType::Int32),
            ("_corrupt_record", DataType::Int32),
        ]);
        let err = decode_str("{}", &s, &DecodeOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("INVALID_CORRUPT_RECORD_TYPE"),
            "{err}"
        );
        assert!(err.to_string().contains("\"INT\""), "{err}");
    }

    #[test]
    fn carriage_returns_split_lines() {
        // Spark 4.3: b'{"id":1}\r{"id":2}\r\n{"id":3}\n\n{"id":4' → 1, 2, 3, corrupt '{"id":4'.
        let batch = decode_str(
            "{\"id\":1}\r{\"id\":2}\r\n{\"id\":3}\n\n{\"id\":4",
            &schema(&[("id", DataType::Int32), ("_corrupt_record", DataType::Utf8)]),
            &DecodeOptions::default(),
        )
        .unwrap();
        assert_eq!(
            rows(&batch),
            vec![
                row(&[Some("1"), N]),
                row(&[Some("2"), N]),
                row(&[Some("3"), N]),
                row(&[N, Some("{\"id\":4")]),
            ]
        );
    }

    #[test]
    fn an_object_cut_by_a_line_end_is_corrupt_and_the_next_line_read() {
        // Objects are parsed straight from the file's data; a line end inside one must
        // still end its record, as when each line is parsed on its own.
        let s = schema(&[
            ("id", DataType::Int32),
            ("name", DataType::Utf8),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let text = "{\"id\":1,\"name\":\"a\"\n{\"id\":2}\r\n{\"id\":3} tail\r\
                    {\"id\":5,\"name\":\"x\n\"}\n{\"id\"\n:6}\n{\"id\":7,\n\"name\":\"b\"}\n{\"id\":8}";
        let batch = decode_str(text, &s, &DecodeOptions::default()).unwrap();
        let corrupt = |line: &str| row(&[N, N, Some(line)]);
        assert_eq!(
            rows(&batch),
            vec![
                corrupt("{\"id\":1,\"name\":\"a\""),
                row(&[Some("2"), N, N]),
                row(&[Some("3"), N, N]),
                corrupt("{\"id\":5,\"name\":\"x"),
                corrupt("\"}"),
                corrupt("{\"id\""),
                corrupt(":6}"),
                corrupt("{\"id\":7,"),
                corrupt("\"name\":\"b\"}"),
                row(&[Some("8"), N, N]),
            ]
        );
        // The error names what the line on its own lacks.
        let options = DecodeOptions {
            mode: ParseMode::FailFast,
            ..DecodeOptions::default()
        };
        match decode_str("{\"id\":2}\n{\"id\":\"x\n\"}", &s, &options) {
            Err(e @ DecodeError::Malformed { line: 2, .. }) => {
                assert!(e.to_string().contains("unterminated string"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn negative_zero_keeps_its_sign_only_as_a_float_token() {
        // PySpark 4.3, `v DOUBLE, f FLOAT`: -0 → 0.0; -0.0 and -0e0 → -0.0.
        let s = schema(&[("v", DataType::Float64), ("f", DataType::Float32)]);
        let text = "{\"v\":-0,\"f\":-0}\n{\"v\":-0.0,\"f\":-0.0}\n{\"v\":-0e0,\"f\":-0E5}\n{\"v\":-3,\"f\":-3}";
        let batch = decode_str(text, &s, &DecodeOptions::default()).unwrap();
        let v = batch
            .column(0)
            .as_primitive::<arrow::datatypes::Float64Type>();
        let f = batch.column(1).as_primitive::<Float32Type>();
        let signs = |i: usize| (v.value(i).is_sign_negative(), f.value(i).is_sign_negative());
        assert_eq!(
            (0..4).map(signs).collect::<Vec<_>>(),
            [(false, false), (true, true), (true, true), (true, true)]
        );
        assert_eq!((v.value(3), f.value(3)), (-3.0, -3.0));
    }

    /// Spark 4.3, session time zone UTC: `ts TIMESTAMP, d DATE`.
    #[test]
    fn timestamps_and_dates() {
        let s = schema(&[
            ("ts", spate_runtime::types::timestamp_type()),
            ("d", DataType::Date32),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let lines = [
            r#"{"ts":"2024-01-15 10:00:00"}"#,
            r#"{"ts":"2024-01-15T10:00:00Z"}"#,
            r#"{"ts":1705312800}"#,
            r#"{"ts":1705312800.5}"#,
            r#"{"ts":"1705312800"}"#,
            r#"{"ts":""}"#,
            r#"{"ts":true}"#,
            r#"{"ts":-1}"#,
            r#"{"ts":9223372036854775807}"#,
            r#"{"d":"2024-01-15"}"#,
            r#"{"d":"19000"}"#,
            r#"{"d":19000}"#,
            r#"{"d":"-1"}"#,
            r#"{"d":"123"}"#,
        ];
        let batch = decode_str(&lines.join("\n"), &s, &DecodeOptions::default()).unwrap();
        let ts = batch.column(0).as_primitive::<TimestampMicrosecondType>();
        let d = batch.column(1).as_primitive::<Date32Type>();
        let bad = batch.column(2).as_string::<i32>();
        let ts_want = [
            Some(1705312800000000),
            Some(1705312800000000),
            Some(1705312800000000),
            None,
            None,
            None,
            None,
            Some(-1000000),
            Some(-1000000),
        ];
        for (i, w) in ts_want.iter().enumerate() {
            assert_eq!(ts.is_valid(i).then(|| ts.value(i)), *w, "ts row {i}");
            assert_eq!(bad.is_valid(i), w.is_none(), "corrupt row {i}");
        }
        let d_want = [Some(19737), Some(6220080), None, Some(-1), Some(123)];
        for (k, w) in d_want.iter().enumerate() {
            let i = ts_want.len() + k;
            assert_eq!(d.is_valid(i).then(|| d.value(i)), *w, "d row {i}");
            assert_eq!(bad.is_valid(i), w.is_none(), "corrupt row {i}");
        }
    }

    #[test]
    fn session_time_zone_applies() {
        // Spark 4.3 with session time zone +02:00: "2024-01-15 10:00:00" → 08:00 UTC.
        let s = schema(&[("ts", spate_runtime::types::timestamp_type())]);
        let options = DecodeOptions {
            time_zone: spate_runtime::text::zone::Zone::Fixed(7200),
            ..DecodeOptions::default()
        };
        let batch = decode_str(
            "{\"ts\":\"2024-01-15 10:00:00\"}\n{\"ts\":\"2024-01-15T10:00:00Z\"}",
            &s,
            &options,
        )
        .unwrap();
        let ts = batch.column(0).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(
            ts.values().to_vec(),
            vec![1705305600000000, 1705312800000000]
        );
    }

    #[test]
    fn region_session_time_zone_across_daylight_saving_changes() {
        // Spark 4.3, `spark.read.schema("t TIMESTAMP").json(...)` with session time zone
        // America/Los_Angeles: 02:30 on 2024-03-10 (in the gap) reads as 03:30 PDT, 01:30 on
        // 2024-11-03 (twice that night) as the earlier, PDT.
        let s = schema(&[("t", spate_runtime::types::timestamp_type())]);
        let options = DecodeOptions {
            time_zone: spate_runtime::testing::region_zone("America/Los_Angeles"),
            ..DecodeOptions::default()
        };
        let lines = [
            r#"{"t":"2024-03-10 01:30:00"}"#,
            r#"{"t":"2024-03-10 02:30:00"}"#,
            r#"{"t":"2024-11-03 01:30:00"}"#,
            r#"{"t":"2024-11-03 02:30:00"}"#,
        ];
        let batch = decode_str(&lines.join("\n"), &s, &options).unwrap();
        let ts = batch.column(0).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(
            ts.values().to_vec(),
            vec![
                1710063000000000,
                1710066600000000,
                1730622600000000,
                1730629800000000
            ]
        );
    }

    /// Spark 4.3: `b BOOLEAN, l BIGINT, f FLOAT, t TINYINT, dec DECIMAL(10,2)`.
    #[test]
    fn other_types() {
        let s = schema(&[
            ("b", DataType::Boolean),
            ("l", DataType::Int64),
            ("f", DataType::Float32),
            ("t", DataType::Int8),
            ("dec", DataType::Decimal128(10, 2)),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let lines = [
            r#"{"b":true,"l":9223372036854775807,"f":1.5,"t":127,"dec":12.345}"#,
            r#"{"b":"true"}"#,
            r#"{"b":1}"#,
            r#"{"l":9223372036854775808}"#,
            r#"{"t":128}"#,
            r#"{"dec":"1.5"}"#,
            r#"{"dec":123456789012}"#,
            r#"{"f":3.4e39}"#,
            r#"{"f":"NaN"}"#,
            r#"{"l":1.0}"#,
            r#"{"dec":1e2}"#,
        ];
        let batch = decode_str(&lines.join("\n"), &s, &DecodeOptions::default()).unwrap();
        let b = batch.column(0).as_boolean();
        let l = batch.column(1).as_primitive::<Int64Type>();
        let f = batch.column(2).as_primitive::<Float32Type>();
        let t = batch.column(3).as_primitive::<Int8Type>();
        let dec = batch.column(4).as_primitive::<Decimal128Type>();
        let bad = batch.column(5).as_string::<i32>();
        assert!(b.value(0));
        assert_eq!(l.value(0), i64::MAX);
        assert_eq!(f.value(0), 1.5);
        assert_eq!(t.value(0), 127);
        assert_eq!(dec.value(0), 1235);
        let corrupt: Vec<bool> = (0..lines.len()).map(|i| bad.is_valid(i)).collect();
        assert_eq!(
            corrupt,
            vec![false, true, true, true, false, false, true, false, false, true, false]
        );
        assert_eq!(t.value(4), -128);
        assert_eq!(dec.value(5), 150);
        assert_eq!(f.value(7), f32::INFINITY);
        assert!(f.value(8).is_nan());
        assert_eq!(dec.value(10), 10000);
        assert!(dec.is_null(6));
    }

    #[test]
    fn special_byte_search() {
        let s = b"abcdefghijklmnop\"qrs";
        for from in 0..s.len() {
            let want = (from..s.len())
                .find(|&i| s[i] == b'"' || s[i] == b'\\' || s[i] < 0x20)
                .unwrap_or(s.len());
            assert_eq!(find_special(s, from, b'"'), want);
        }
        // Every special byte (and bytes next to them in value) at every place of blocks of
        // sixteen, of eight and of the tail, with multi-byte text around.
        let plain = "aé~\x7f\u{80}€ \u{ff}0123456789abcdefghijklmnopqrstuvwxyz".as_bytes();
        for special in [b'"', b'\'', b'\\', 0x00, 0x1f, 0x0a] {
            for at in 0..40 {
                let mut s = plain.repeat(2)[..41].to_vec();
                s[at] = special;
                for quote in [b'"', b'\''] {
                    for from in 0..s.len() {
                        let want = (from..s.len())
                            .find(|&i| s[i] == quote || s[i] == b'\\' || s[i] < 0x20)
                            .unwrap_or(s.len());
                        assert_eq!(find_special(&s, from, quote), want, "{at} {from}");
                    }
                }
            }
        }
        assert_eq!(find_special(b"abcdefgh\x01ij", 0, b'"'), 8);
        assert_eq!(find_special(b"abcdefghij\\", 0, b'\''), 10);
        assert_eq!(find_special("é€abcdefgh'".as_bytes(), 0, b'\''), 13);
        assert_eq!(find_special(b"abc", 0, b'"'), 3);
        assert!(key_eq(b"timestamp", b"timestamp"));
        assert!(!key_eq(b"timestamq", b"timestamp"));
        assert!(!key_eq(b"id", b"ids"));
    }

    /// Rows decoded from `data` as one chunk.
    fn decoded_rows(data: &[u8], schema: &SchemaRef) -> Vec<Vec<Option<String>>> {
        let (batches, _) =
            decode(data, Path::new("f.json"), schema, &DecodeOptions::default()).unwrap();
        batches.iter().flat_map(|read| rows(&read.batch)).collect()
    }

    #[test]
    fn a_file_decodes_as_its_lines_each_decoded_alone() {
        // Mangled lab lines: an object is parsed straight from the file's data, so any way
        // it could read past its line's end would show as a difference here.
        let schema = lab_schema(true);
        let line = br#"{"id":7,"name":"Ev\"t","value":1.5,"timestamp":"2024-01-15 10:00:00"}"#;
        let noise: [&[u8]; 14] = [
            b"\n", b"\r", b"\r\n", b" ", b"\"", b"{", b"}", b",", b":", b"\\", b"x", b"[", b"]",
            b"\t",
        ];
        let mut state: u64 = 0x5eed;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % bound
        };
        for _ in 0..300 {
            let mut text = Vec::new();
            for _ in 0..1 + next(6) {
                let mut mangled = line.to_vec();
                for _ in 0..next(3) {
                    let at = next(mangled.len() + 1);
                    match next(3) {
                        0 => mangled.truncate(at),
                        1 if at < mangled.len() => {
                            mangled.remove(at);
                        }
                        _ => {
                            let insert = noise[next(noise.len())];
                            mangled.splice(at..at, insert.iter().copied());
                        }
                    }
                }
                text.extend_from_slice(&mangled);
                text.extend_from_slice(noise[next(3)]);
            }
            let alone: Vec<_> = Lines::new(&text)
                .flat_map(|(_, line)| decoded_rows(line, &schema))
                .collect();
            assert_eq!(
                decoded_rows(&text, &schema),
                alone,
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn rows_read_by_a_learned_layout_are_read_as_the_full_parser_reads_them() {
        // Lines that keep the lab's layout (so the next is read by the layout the last one
        // taught) with any value in each place: other types, escapes, NULL, containers,
        // values that do not convert, text that is not JSON, a repeated key at the end.
        let values = [
            "7",
            "-0",
            "-0.0",
            "1.5",
            "0.1",
            "1.0",
            "2147483648",
            "-2147483648",
            "123456789012345",
            "1234567890123456",
            "0.30000000000000004",
            "-",
            "1.",
            "-01",
            "12e3",
            "1e400",
            r#""2024-01-15 10:00:00""#,
            r#""E\u0076\"t""#,
            "null",
            "true",
            r#"{"a":[1,{"b":2}]}"#,
            "[]",
            r#""""#,
            "NaN",
            "01",
            "tru",
            r#""open"#,
            "{",
        ];
        let keys = ["id", "name", "value", "timestamp"];
        let mut state: u64 = 0x5eed;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % bound
        };
        let mut text = String::new();
        for _ in 0..2000 {
            let members: Vec<String> = keys
                .iter()
                .map(|key| {
                    // Mostly the usual value, so that the layout holds across lines.
                    let value = match next(4) {
                        0 => values[next(values.len())],
                        _ => {
                            values[[0, 16, 3, 16][keys.iter().position(|k| k == key).unwrap_or(0)]]
                        }
                    };
                    format!("\"{key}\":{value}")
                })
                .collect();
            let mut line = format!("{{{}", members.join(","));
            if next(20) == 0 {
                line.push_str(r#","value":"x""#);
            }
            line.push_str(if next(30) == 0 { " }" } else { "}" });
            text.push_str(&line);
            text.push('\n');
        }
        for schema in [
            lab_schema(true),
            schema(&[("value", DataType::Float64), ("timestamp", DataType::Utf8)]),
            schema(&[
                ("id", DataType::Int64),
                ("name", DataType::Float64),
                ("value", DataType::Int32),
            ]),
            // A column no record has: the layout leaves it to be filled with NULL.
            schema(&[("value", DataType::Float64), ("absent", DataType::Int32)]),
        ] {
            let alone: Vec<_> = Lines::new(text.as_bytes())
                .flat_map(|(_, line)| decoded_rows(line, &schema))
                .collect();
            assert_eq!(decoded_rows(text.as_bytes(), &schema), alone);
        }
    }

    #[test]
    fn records_whose_layout_keeps_changing_are_read_as_each_alone() {
        // Two layouts taking turns, then runs of one: the layout misses again and again
        // (and is tried less and less often), then reads runs again.
        let layouts = [r#"{"a":1,"b":"x"}"#, r#"{"b":"y","a":2}"#, r#"{"a":3}"#];
        let mut text = String::new();
        for i in 0..3000 {
            let layout = if i < 1000 { i % 2 } else { (i / 300) % 3 };
            text.push_str(layouts[layout]);
            text.push('\n');
        }
        let schema = schema(&[("a", DataType::Int64), ("b", DataType::Utf8)]);
        let alone: Vec<_> = Lines::new(text.as_bytes())
            .flat_map(|(_, line)| decoded_rows(line, &schema))
            .collect();
        assert_eq!(decoded_rows(text.as_bytes(), &schema), alone);
    }

    #[test]
    fn keys_that_differ_from_the_last_row_are_read_as_they_are() {
        let s = schema(&[
            ("id", DataType::Int32),
            ("idx", DataType::Int32),
            ("name", DataType::Utf8),
        ]);
        // Each line breaks the key order the line before it set up: another key at a
        // position, a longer key starting with the expected one, the expected key escaped,
        // single-quoted, truncated, or with a key the schema does not have.
        let lines = [
            r#"{"id":1,"name":"a"}"#,
            r#"{"idx":2,"name":"b"}"#,
            r#"{"id":3,"name":"c"}"#,
            r#"{"i\u0064":4,"na\u006de":"d"}"#,
            r#"{'id':5,'name':'e'}"#,
            r#"{"name":"f","id":6}"#,
            r#"{"other":0,"id":7}"#,
            r#"{"id" :8, "name"  :  "h"}"#,
            r#"{"id"#,
        ];
        let batch = decode_str(&lines.join("\n"), &s, &DecodeOptions::default()).unwrap();
        let c = Some;
        assert_eq!(
            rows(&batch),
            vec![
                row(&[c("1"), N, c("a")]),
                row(&[N, c("2"), c("b")]),
                row(&[c("3"), N, c("c")]),
                row(&[c("4"), N, c("d")]),
                row(&[c("5"), N, c("e")]),
                row(&[c("6"), N, c("f")]),
                row(&[c("7"), N, N]),
                row(&[c("8"), N, c("h")]),
                row(&[N, N, N]),
            ]
        );
    }

    /// Spark 4.3 (`id INT, name STRING, _corrupt_record STRING`).
    #[test]
    fn root_arrays_and_repeated_keys() {
        let s = schema(&[
            ("id", DataType::Int32),
            ("name", DataType::Utf8),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let lines = [
            r#"[{"id":"x"},{"id":2}]"#,
            r#"[{"id":1}, 5]"#,
            r#"[{"id":1},{"id":2}"#,
            r#"{"id":"x","id":1}"#,
            r#"{"id":1,"id":"x"}"#,
            "\u{b}",
            "\u{feff}{\"id\":3}",
            r#"{'id':4,'name':'it\'s'}"#,
            "{}",
            r#"{"id":5},"#,
            r#"{"id":6,"name":true1}"#,
            r#"{"id":7,"name":"a\u0000b"}"#,
            r#"{"id":8,"name":"\ud83d"}"#,
            r#"{"id":11,"name":NaN}"#,
            r#"{"id":12,"name":-INF}"#,
            r#"{"id" : 15 , "name" : [ {"a":"b"} , null ] }"#,
            r#"{"id":16,"nested":{"x":[1,{"y":"\u12"}]}}"#,
        ];
        let batch = decode_str(&lines.join("\n"), &s, &DecodeOptions::default()).unwrap();
        let c = |s: &'static str| Some(s);
        let want = vec![
            row(&[N, N, c(lines[0])]),
            row(&[c("2"), N, c(lines[0])]),
            row(&[N, N, c(lines[1])]),
            row(&[N, N, c(lines[2])]),
            row(&[c("1"), N, c(lines[3])]),
            row(&[c("1"), N, c(lines[4])]),
            row(&[N, N, c("\u{b}")]),
            row(&[c("3"), N, N]),
            row(&[c("4"), c("it's"), N]),
            row(&[N, N, N]),
            row(&[c("5"), N, N]),
            row(&[N, N, c(lines[10])]),
            row(&[c("7"), c("a\0b"), N]),
            row(&[c("8"), c("?"), N]),
            row(&[c("11"), c("NaN"), N]),
            row(&[c("12"), c("-INF"), N]),
            row(&[c("15"), c(r#"[ {"a":"b"} , null ]"#), N]),
            row(&[N, N, c(lines[16])]),
        ];
        assert_eq!(rows(&batch), want);
        let options = DecodeOptions {
            mode: ParseMode::DropMalformed,
            ..DecodeOptions::default()
        };
        let batch = decode_str(lines[0], &s, &options).unwrap();
        assert_eq!(batch.num_rows(), 0);
    }

    #[test]
    fn deep_nesting_and_escaped_keys() {
        let s = schema(&[("a b", DataType::Int32), ("n", DataType::Utf8)]);
        let deep = format!("{{\"n\":{}{}}}", "[".repeat(999), "]".repeat(999));
        let too_deep = format!("{{\"n\":{}{}}}", "[".repeat(1000), "]".repeat(1000));
        let text = format!("{{\"a\\u0020b\":7}}\n{deep}\n{too_deep}");
        let batch = decode_str(&text, &s, &DecodeOptions::default()).unwrap();
        assert_eq!(batch.column(0).as_primitive::<Int32Type>().value(0), 7);
        let n = batch.column(1).as_string::<i32>();
        assert_eq!(n.value(1).len(), 1998);
        assert!(n.is_null(2));
    }

    #[test]
    fn batches_respect_batch_size() {
        let options = DecodeOptions {
            batch_size: 3,
            ..DecodeOptions::default()
        };
        let s = schema(&[("id", DataType::Int32)]);
        let text: String = (0..10).map(|i| format!("{{\"id\":{i}}}\n")).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        std::fs::write(&path, text).unwrap();
        let batches = decode_file(FileFormat::Json, &path, &s, &options).unwrap();
        let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
        assert_eq!(sizes, vec![3, 3, 3, 1]);
        let empty = dir.path().join("empty.json");
        std::fs::write(&empty, "").unwrap();
        assert!(decode_file(FileFormat::Json, &empty, &s, &options)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn invalid_utf8_is_corrupt() {
        let s = schema(&[
            ("name", DataType::Utf8),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json");
        std::fs::write(&path, b"{\"name\":\"a\xff\"}\n{\"name\":\"ok\"}").unwrap();
        let batches = decode_file(FileFormat::Json, &path, &s, &DecodeOptions::default()).unwrap();
        let got = rows(&batches[0]);
        assert_eq!(got[0][0], None);
        assert_eq!(got[0][1].as_deref(), Some("{\"name\":\"a\u{FFFD}\"}"));
        assert_eq!(got[1], row(&[Some("ok"), N]));
    }

    #[test]
    fn missing_file_is_io_error() {
        let s = schema(&[("id", DataType::Int32)]);
        let err = decode_file(
            FileFormat::Json,
            Path::new("/nonexistent/x.json"),
            &s,
            &DecodeOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, DecodeError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/x.json"));
    }

    #[test]
    fn unsupported_type_is_reported() {
        let s = Arc::new(Schema::new(vec![Field::new("b", DataType::Binary, true)]));
        let err = decode_str("{}", &s, &DecodeOptions::default()).unwrap_err();
        assert!(matches!(err, DecodeError::UnsupportedType { .. }), "{err}");
    }

    /// Line ends between tokens are whitespace; one inside a string (after an escaped
    /// quote too) stays and makes the record malformed; NULL and blank text make NULL rows.
    #[test]
    fn json_values_take_line_ends_as_whitespace_outside_strings() {
        let s = schema(&[("a", DataType::Int32), ("b", DataType::Utf8)]);
        let texts = StringArray::from(vec![
            Some("{\"a\":\n1,\r\n\"b\": \"x\"}"),
            Some("{\"b\": \"q\\\"\n\"}"),
            None,
            Some(" \n "),
            Some("{'b': 'it'} 's'"),
        ]);
        let values = parse_json_values(&texts, &s, &DecodeOptions::default()).unwrap();
        let (a, b) = (
            values.batch.column(0).as_primitive::<Int32Type>(),
            values.batch.column(1).as_string::<i32>(),
        );
        assert_eq!((a.value(0), b.value(0)), (1, "x"));
        assert!(a.is_null(1) && b.is_null(1));
        assert_eq!(values.first_malformed, Some(1));
        let valid: Vec<bool> = (0..5).map(|row| values.valid.is_valid(row)).collect();
        assert_eq!(valid, [true, true, false, false, true]);
        // `'it'` ends the string; what follows the object is ignored.
        assert_eq!(b.value(4), "it");
    }

    /// A record abandoned inside a nested value (a syntax error there) leaves nothing of it
    /// in the struct's fields or the array's elements; a repeated field inside a struct
    /// follows the top level's rule (a value that does not convert keeps the earlier one).
    #[test]
    fn nested_rows_roll_back_whole_and_repeated_fields_keep_what_converts() {
        let int = |name: &str| Field::new(name, DataType::Int32, true);
        let s = Arc::new(Schema::new(vec![
            Field::new("s", DataType::Struct(vec![int("a"), int("b")].into()), true),
            Field::new("l", DataType::List(Arc::new(int("element"))), true),
            Field::new("_corrupt_record", DataType::Utf8, true),
        ]));
        let lines =
            "{\"s\":{\"a\":1,\"b\":}}\n{\"l\":[1,2,}\n{\"s\":{\"a\":3,\"a\":\"x\"},\"l\":[4]}\n";
        let batch = decode_str(lines, &s, &DecodeOptions::default()).unwrap();
        assert_eq!(batch.num_rows(), 3);
        let structs = batch.column(0).as_struct();
        let a = structs.column(0).as_primitive::<Int32Type>();
        assert!(structs.is_null(0) && structs.is_null(1));
        assert_eq!(a.len(), 3);
        assert_eq!(a.value(2), 3);
        let lists = batch.column(1).as_list::<i32>();
        assert!(lists.is_null(0) && lists.is_null(1));
        assert_eq!(lists.values().len(), 1);
        assert_eq!(lists.value(2).as_primitive::<Int32Type>().value(0), 4);
        // The repeated `a` that did not convert makes the record corrupt.
        assert!(batch.column(2).is_valid(2));
    }

    /// Text cut from JSON fragments at random (seeded) never panics the nested decoder or
    /// a JSON path, and every string gives one row.
    #[test]
    fn random_json_fragments_never_panic() {
        const PIECES: [&str; 24] = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"s\"",
            "\"l\"",
            "\"x\"",
            "'q'",
            "1",
            "-0",
            "2.5e3",
            "null",
            "true",
            "\"\\u00e9\"",
            "\"\\ud800\"",
            "\\",
            "\"",
            " ",
            "\n",
            "NaN",
            "{\"s\":{\"x\":",
            "[[",
        ];
        let int = |name: &str| Field::new(name, DataType::Int32, true);
        let s = Arc::new(Schema::new(vec![
            Field::new("s", DataType::Struct(vec![int("x")].into()), true),
            Field::new("l", DataType::List(Arc::new(int("element"))), true),
            Field::new("_corrupt_record", DataType::Utf8, true),
        ]));
        let mut state: u64 = 0x5eed;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        let texts: Vec<String> = (0..2000)
            .map(|_| (0..next(12)).map(|_| PIECES[next(PIECES.len())]).collect())
            .collect();
        let texts = StringArray::from(texts.iter().map(String::as_str).collect::<Vec<_>>());
        let values = parse_json_values(&texts, &s, &DecodeOptions::default()).unwrap();
        assert_eq!(values.batch.num_rows(), texts.len());
        for path in ["$", "$.s.x", "$.l[1]", "$['s']"] {
            assert_eq!(json_path_values(&texts, path).len(), texts.len());
        }
    }
}
