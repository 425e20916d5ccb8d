//! `get_json_object(json, path)` as Spark evaluates it: the value at a JSON path (`$`,
//! `.name`, `['name']`, `[index]`), a string as its text, anything else as the JSON Jackson
//! writes for it (compact, numbers as Java prints them); NULL where the path finds nothing,
//! a member's value is `null`, or the text around what it finds is not JSON.

use super::{without_line_ends, PResult, Parsed, Parser, Syntax, MAX_DEPTH};
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
    /// Every member or element (`.*`, `[*]`, `['*']`): not implemented.
    Wildcard,
}

/// Whether spate reads `path`: Spark's syntax without its wildcards (`.*`, `[*]`,
/// `['*']`), which spate does not implement.
pub fn json_path_supported(path: &str) -> bool {
    parse_path(path).is_none_or(|steps| !steps.contains(&Step::Wildcard))
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
        let mut p = Parser {
            s: without_line_ends(text.as_bytes(), &mut unbroken),
            i: 0,
            syntax: Syntax::Path,
        };
        p.skip_ws();
        found.clear();
        match extract(&mut p, &steps, 0, &mut scratch, &mut found) {
            Ok(true) => values.append_value(String::from_utf8_lossy(&found)),
            _ => values.append_null(),
        }
    }
    values.finish()
}

/// Spark's path syntax (`JsonPathParser`): `$`, then `.name`, `['name']` or `[index]`
/// steps, whitespace allowed before each token; `None` for anything else.
fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.trim_start().strip_prefix('$')?;
    let mut steps = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Some(steps);
        }
        if let Some(after) = rest.strip_prefix('[') {
            let after = after.trim_start();
            if let Some(quoted) = after.strip_prefix('\'') {
                let end = quoted.find('\'').filter(|&end| end > 0)?;
                steps.push(key(&quoted[..end]));
                rest = quoted[end + 1..].trim_start().strip_prefix(']')?;
            } else {
                let end = after.find(']')?;
                let digits = after[..end].trim_end();
                if digits == "*" {
                    steps.push(Step::Wildcard);
                    rest = &after[end + 1..];
                    continue;
                }
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                steps.push(Step::Index(digits.parse().ok()?));
                rest = &after[end + 1..];
            }
        } else if let Some(after) = rest.strip_prefix('.') {
            let after = after.trim_start();
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            steps.push(key(&after[..end]));
            rest = &after[end..];
        } else {
            return None;
        }
    }
}

/// A member step: every member for `*`.
fn key(name: &str) -> Step {
    match name {
        "*" => Step::Wildcard,
        name => Step::Key(name.to_string()),
    }
}

/// Follows `steps` from the value at `p.i` (at nesting `depth`) and writes what it finds
/// into `out`; `false` when the path finds nothing. As Spark's evaluator, it reads each
/// container it enters to its end: a member whose value is `null`, or under which the rest
/// of the path finds nothing, does not count (a later one of the same key may), and text
/// that is not JSON before the end makes the result NULL.
fn extract(
    p: &mut Parser<'_>,
    steps: &[Step],
    depth: usize,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> PResult<bool> {
    let Some((step, rest)) = steps.split_first() else {
        // What the path finds: a string as its text, anything else as JSON.
        match p.peek() {
            Some(b'"' | b'\'') => {
                let text = p.string(scratch)?;
                out.extend_from_slice(p.text(&text, scratch));
            }
            _ => write_json(p, depth, scratch, out)?,
        }
        return Ok(true);
    };
    let (open, close, is_object) = match step {
        Step::Key(_) => (b'{', b'}', true),
        Step::Index(_) => (b'[', b']', false),
        Step::Wildcard => return p.err("path wildcards are not implemented"),
    };
    if p.peek() != Some(open) {
        p.value(scratch, depth + 1)?;
        return Ok(false);
    }
    if depth + 1 >= MAX_DEPTH {
        return p.err("nesting depth exceeds 1000");
    }
    p.i += 1;
    p.skip_ws();
    if p.peek() == Some(close) {
        p.i += 1;
        return Ok(false);
    }
    let (mut found, mut index) = (false, 0);
    loop {
        let here = match step {
            Step::Key(name) => {
                let key = p.member_key(scratch)?;
                p.text(&key, scratch) == name.as_bytes() && p.peek() != Some(b'n')
            }
            Step::Index(wanted) => index == *wanted,
            Step::Wildcard => false,
        };
        if here && !found {
            found = extract(p, rest, depth + 1, scratch, out)?;
        } else {
            p.value(scratch, depth + 1)?;
        }
        index += 1;
        if !p.after_member(is_object)? {
            return Ok(found);
        }
    }
}

/// Writes the value at `p.i` (at nesting `depth`) as the JSON Jackson's generator writes
/// for what its parser read: no whitespace, Jackson's string escapes, integers as written
/// but `-0` as `0`, other numbers as Java's `Double.toString`, infinities quoted.
fn write_json(
    p: &mut Parser<'_>,
    depth: usize,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> PResult<()> {
    let container = match p.peek() {
        Some(b'{') => Some((b'{', b'}', true)),
        Some(b'[') => Some((b'[', b']', false)),
        _ => None,
    };
    let Some((open, close, is_object)) = container else {
        return write_scalar(p, scratch, out);
    };
    if depth + 1 >= MAX_DEPTH {
        return p.err("nesting depth exceeds 1000");
    }
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
        write_json(p, depth + 1, scratch, out)?;
        if !p.after_member(is_object)? {
            out.push(close);
            return Ok(());
        }
        out.push(b',');
    }
}

/// Writes the scalar at `p.i` as Jackson's generator writes it.
fn write_scalar(p: &mut Parser<'_>, scratch: &mut Vec<u8>, out: &mut Vec<u8>) -> PResult<()> {
    match p.value(scratch, 1)? {
        Parsed::Null => out.extend_from_slice(b"null"),
        Parsed::True => out.extend_from_slice(b"true"),
        Parsed::False => out.extend_from_slice(b"false"),
        Parsed::Int(a, b) if &p.s[a..b] == b"-0" => out.push(b'0'),
        Parsed::Int(a, b) => out.extend_from_slice(&p.s[a..b]),
        Parsed::Float(a, b) => {
            let text = String::from_utf8_lossy(&p.s[a..b]);
            let value = text.parse::<f64>().unwrap_or(f64::NAN);
            let written = java_double(value);
            match value.is_finite() {
                true => out.extend_from_slice(written.as_bytes()),
                false => jackson_string(&written, out),
            }
        }
        Parsed::Str(at) => jackson_string(&String::from_utf8_lossy(p.text(&at, scratch)), out),
        Parsed::Nested(..) => return p.err("unexpected nested value"),
    }
    Ok(())
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

    fn one(text: &str, path: &str) -> Option<String> {
        values(&[Some(text)], path).remove(0)
    }

    #[test]
    fn paths_find_values_as_spark_writes_them() {
        let doc = r#"{"a": {"b": [1, 2.50, {"c": "x\u00e9\n"}], "n": null, "t": true}, "s": "str", "e": 1e2}"#;
        assert_eq!(
            one(doc, "$.a.b").as_deref(),
            Some("[1,2.5,{\"c\":\"xé\\n\"}]")
        );
        assert_eq!(one(doc, "$.a.b[2].c").as_deref(), Some("xé\n"));
        assert_eq!(one(doc, "$['a']['t']").as_deref(), Some("true"));
        assert_eq!(one(doc, "$.e").as_deref(), Some("100.0"));
        assert_eq!(one(doc, "$.a.n"), None);
        assert_eq!(one(doc, "$.a.b[9]"), None);
        assert_eq!(one(doc, "a"), None);
        assert_eq!(one(doc, "$..a"), None);
        assert_eq!(
            values(
                &[Some("{'a': [10]} junk"), Some("not json"), None],
                "$.a[0]"
            ),
            [Some("10".to_string()), None, None]
        );
    }

    /// Probed on PySpark 4.3.
    #[test]
    fn members_nulls_and_the_text_around_them_as_spark() {
        assert_eq!(one(r#"{"a":null,"a":1}"#, "$.a").as_deref(), Some("1"));
        assert_eq!(one(r#"{"a":1,"a":2}"#, "$.a").as_deref(), Some("1"));
        assert_eq!(
            one(r#"{"a":{},"a":{"b":2}}"#, "$.a.b").as_deref(),
            Some("2")
        );
        assert_eq!(one(r#"{"a":1,"b":tru}"#, "$.a"), None);
        assert_eq!(one(r#"{"a":1,"#, "$.a"), None);
        assert_eq!(one("null", "$").as_deref(), Some("null"));
        assert_eq!(one("[null]", "$[0]").as_deref(), Some("null"));
        assert_eq!(one("{\"a\":\"x\ty\"}", "$.a").as_deref(), Some("x\ty"));
        assert_eq!(one(r#"{"a":NaN}"#, "$.a"), None);
        assert_eq!(
            one(r#"{"a":1e400}"#, "$.a").as_deref(),
            Some("\"Infinity\"")
        );
        assert_eq!(one(r#"{"a":1}"#, "$['']"), None);
        assert_eq!(one("[1,2]", "$[+1]"), None);
        assert_eq!(one(r#"{"a*b":1}"#, "$.a*b").as_deref(), Some("1"));
        assert_eq!(one("[1,2]", "$[ 1]").as_deref(), Some("2"));
        assert_eq!(one(r#"{"a":1}"#, "$. a").as_deref(), Some("1"));
        assert!(!json_path_supported("$.a[*]") && !json_path_supported("$.*"));
        assert!(json_path_supported("$.a*b") && json_path_supported("$['a.*']"));
        assert!(!json_path_supported("$['*']") && !json_path_supported("$[ * ]"));
        // Deep nesting is NULL, not a stack overflow.
        assert_eq!(one(&"[".repeat(100_000), "$"), None);
    }
}
