//! `get_json_object(json, path)` as Spark evaluates it: the value at a JSON path (`$`,
//! `.name`, `['name']`, `[index]`), a string as its text, anything else as the JSON Jackson
//! writes for it (compact, numbers as Java prints them); NULL where the path finds nothing,
//! finds `null`, or the text is not JSON.

use super::{line_ends_as_spaces, PResult, Parsed, Parser};
use crate::file::sink::jackson_string;
use arrow::array::{Array, StringArray, StringBuilder};
use spate_runtime::text::number::java_double;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// An object's member.
    Key(String),
    /// An array's element, from 0.
    Index(usize),
}

/// Whether spate reads `path`: Spark's syntax without its wildcards (`[*]`, `.*`), which
/// spate does not implement.
pub fn json_path_supported(path: &str) -> bool {
    !path.contains('*')
}

/// The value at `path` in each string of `texts` (NULL for a NULL string or an invalid
/// path).
pub fn json_path_values(texts: &StringArray, path: &str) -> StringArray {
    let mut values = StringBuilder::with_capacity(texts.len(), texts.len() * 8);
    let Some(steps) = parse_path(path) else {
        (0..texts.len()).for_each(|_| values.append_null());
        return values.finish();
    };
    let (mut scratch, mut unbroken, mut found) = (Vec::new(), Vec::new(), Vec::new());
    for text in texts.iter() {
        let Some(text) = text else {
            values.append_null();
            continue;
        };
        // Line ends are whitespace between tokens; the parser stops at them otherwise.
        let record = match text.contains(['\n', '\r']) {
            true => {
                unbroken.clear();
                unbroken.extend_from_slice(text.as_bytes());
                line_ends_as_spaces(&mut unbroken);
                &unbroken[..]
            }
            false => text.as_bytes(),
        };
        let mut p = Parser { s: record, i: 0 };
        p.skip_ws();
        found.clear();
        match extract(&mut p, &steps, &mut scratch, &mut found) {
            Ok(true) => values.append_value(String::from_utf8_lossy(&found)),
            _ => values.append_null(),
        }
    }
    values.finish()
}

/// Spark's path syntax: `$` then `.name`, `['name']` or `[index]` steps; `None` for
/// anything else.
fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("['") {
            let end = after.find("']")?;
            steps.push(Step::Key(after[..end].to_string()));
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            steps.push(Step::Index(after[..end].parse().ok()?));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Key(after[..end].to_string()));
            rest = &after[end..];
        } else {
            return None;
        }
    }
    Some(steps)
}

/// Follows `steps` from the value at `p.i` and writes what it finds into `out`; `false`
/// when the path finds nothing or `null`.
fn extract(
    p: &mut Parser<'_>,
    steps: &[Step],
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> PResult<bool> {
    let Some((step, rest)) = steps.split_first() else {
        return write_found(p, scratch, out);
    };
    let (open, is_object) = match step {
        Step::Key(_) => (b'{', true),
        Step::Index(_) => (b'[', false),
    };
    if p.peek() != Some(open) {
        return Ok(false);
    }
    p.i += 1;
    p.skip_ws();
    if p.peek() == Some(if is_object { b'}' } else { b']' }) {
        return Ok(false);
    }
    let mut index = 0;
    loop {
        let here = match step {
            Step::Key(name) => {
                let key = p.member_key(scratch)?;
                p.text(&key, scratch) == name.as_bytes()
            }
            Step::Index(wanted) => index == *wanted,
        };
        if here {
            return extract(p, rest, scratch, out);
        }
        p.value(scratch, 1)?;
        index += 1;
        if !p.after_member(is_object)? {
            return Ok(false);
        }
    }
}

/// Writes the value at `p.i`: a string as its text, anything else as compact JSON;
/// `false` for `null`.
fn write_found(p: &mut Parser<'_>, scratch: &mut Vec<u8>, out: &mut Vec<u8>) -> PResult<bool> {
    if matches!(p.peek(), Some(b'"' | b'\'')) {
        let text = p.string(scratch)?;
        out.extend_from_slice(p.text(&text, scratch));
        return Ok(true);
    }
    if p.peek() == Some(b'n') {
        p.literal(b"null")?;
        return Ok(false);
    }
    write_json(p, scratch, out)?;
    Ok(true)
}

/// Writes the value at `p.i` as Jackson's generator writes what its parser read: no
/// whitespace, strings with Jackson's escapes, integers as written (`-0` as `0`), other
/// numbers as Java's `Double.toString`.
fn write_json(p: &mut Parser<'_>, scratch: &mut Vec<u8>, out: &mut Vec<u8>) -> PResult<()> {
    let container = match p.peek() {
        Some(b'{') => Some((b'{', b'}', true)),
        Some(b'[') => Some((b'[', b']', false)),
        _ => None,
    };
    let Some((open, close, is_object)) = container else {
        let parsed = p.value(scratch, 1)?;
        let text = |a: usize, b: usize| String::from_utf8_lossy(&p.s[a..b]).into_owned();
        match parsed {
            Parsed::Null => out.extend_from_slice(b"null"),
            Parsed::True => out.extend_from_slice(b"true"),
            Parsed::False => out.extend_from_slice(b"false"),
            Parsed::Int(a, b) if &p.s[a..b] == b"-0" => out.push(b'0'),
            Parsed::Int(a, b) => out.extend_from_slice(&p.s[a..b]),
            Parsed::Float(a, b) => {
                let value = text(a, b).parse::<f64>().unwrap_or(f64::NAN);
                out.extend_from_slice(java_double(value).as_bytes());
            }
            Parsed::Str(at) => jackson_string(&String::from_utf8_lossy(p.text(&at, scratch)), out),
            Parsed::Nested(..) => return p.err("unexpected nested value"),
        }
        return Ok(());
    };
    out.push(open);
    p.i += 1;
    p.skip_ws();
    if p.peek() == Some(close) {
        p.i += 1;
        out.push(close);
        return Ok(());
    }
    loop {
        if is_object {
            let key = p.member_key(scratch)?;
            jackson_string(&String::from_utf8_lossy(p.text(&key, scratch)), out);
            out.push(b':');
        }
        write_json(p, scratch, out)?;
        if !p.after_member(is_object)? {
            out.push(close);
            return Ok(());
        }
        out.push(b',');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(texts: &[Option<&str>], path: &str) -> Vec<Option<String>> {
        json_path_values(&StringArray::from(texts.to_vec()), path)
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    #[test]
    fn paths_find_values_as_spark_writes_them() {
        let doc = r#"{"a": {"b": [1, 2.50, {"c": "x\u00e9\n"}], "n": null, "t": true}, "s": "str", "e": 1e2}"#;
        let one = |path: &str| values(&[Some(doc)], path).remove(0);
        assert_eq!(one("$.a.b").as_deref(), Some("[1,2.5,{\"c\":\"xé\\n\"}]"));
        assert_eq!(one("$.a.b[2].c").as_deref(), Some("xé\n"));
        assert_eq!(one("$['a']['t']").as_deref(), Some("true"));
        assert_eq!(one("$.e").as_deref(), Some("100.0"));
        assert_eq!(one("$.a.n"), None);
        assert_eq!(one("$.a.b[9]"), None);
        assert_eq!(one("a"), None);
        assert_eq!(one("$..a"), None);
        assert_eq!(
            values(
                &[Some("{'a': [10]} junk"), Some("not json"), None],
                "$.a[0]"
            ),
            [Some("10".to_string()), None, None]
        );
        assert!(!json_path_supported("$.a[*]"));
    }
}
