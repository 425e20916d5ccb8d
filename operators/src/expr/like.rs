//! Spark's string tests: `LIKE` patterns, checked as Spark checks them and rewritten with `\`
//! as their escape character (the form Arrow's `like` kernel reads), and the simple
//! patterns Spark's optimizer turns into `=`, `startswith`, `endswith` or `contains`
//! (`LikeSimplification`): the shapes it pushes into a file scan.

use super::error::ExprError;
use super::eval::Value;
use super::format::sql_string_literal;
use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::compute::kernels::comparison::{contains, ends_with, like, starts_with};
use std::sync::Arc;

/// A test of a string against another: `LIKE` or one of Spark's string predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringTest {
    /// `s LIKE pattern [ESCAPE 'c']`: `%` any characters, `_` one, `escape` before either
    /// (or itself) to take it literally.
    Like {
        /// The escape character (`\` unless given).
        escape: char,
    },
    /// `startswith(s, prefix)`.
    StartsWith,
    /// `endswith(s, suffix)`.
    EndsWith,
    /// `contains(s, part)`.
    Contains,
}

impl StringTest {
    /// Spark's name of the test as a function.
    pub fn function_name(self) -> &'static str {
        match self {
            StringTest::Like { .. } => "like",
            StringTest::StartsWith => "startswith",
            StringTest::EndsWith => "endswith",
            StringTest::Contains => "contains",
        }
    }
}

/// `test` of the strings `left` against `right` (both STRING): NULL where either is.
pub(crate) fn evaluate(test: StringTest, left: &Value, right: &Value) -> Result<Value, ExprError> {
    let scalar = left.is_scalar() && right.is_scalar();
    let result = match test {
        StringTest::Like { escape } => {
            // A row whose string is NULL is NULL whatever its pattern from a column: that
            // pattern is not checked. A literal pattern always is.
            let strings = left.array();
            let tested = |row: usize| {
                right.is_scalar() || strings.is_valid(if left.is_scalar() { 0 } else { row })
            };
            let patterns = canonical_patterns(right.array().as_string::<i32>(), escape, tested)?;
            let patterns = Value::from_result(patterns, right.is_scalar());
            like(left.datum(), patterns.datum())?
        }
        StringTest::StartsWith => starts_with(left.datum(), right.datum())?,
        StringTest::EndsWith => ends_with(left.datum(), right.datum())?,
        StringTest::Contains => contains(left.datum(), right.datum())?,
    };
    Ok(Value::from_result(Arc::new(result), scalar))
}

/// Every pattern of `patterns` through [`canonical_pattern`]; NULL for a row not `tested`.
fn canonical_patterns(
    patterns: &StringArray,
    escape: char,
    tested: impl Fn(usize) -> bool,
) -> Result<ArrayRef, ExprError> {
    let canonical: StringArray = patterns
        .iter()
        .enumerate()
        .map(|(row, p)| {
            p.filter(|_| tested(row))
                .map(|p| canonical_pattern(p, escape))
                .transpose()
        })
        .collect::<Result<_, ExprError>>()?;
    Ok(Arc::new(canonical))
}

/// `pattern` (escaped by `escape`) written with `\` as its escape character; Spark's error
/// for an escape character before anything but `_`, `%` or itself, or at the end.
pub(crate) fn canonical_pattern(pattern: &str, escape: char) -> Result<String, ExprError> {
    let invalid = |message: String, at_end: bool| ExprError::InvalidFormat {
        kind: if at_end {
            "ESC_AT_THE_END"
        } else {
            "ESC_IN_THE_MIDDLE"
        },
        format: sql_string_literal(pattern),
        message,
    };
    let literal = |c: char, out: &mut String| {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    };
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != escape {
            match c {
                '%' | '_' => out.push(c),
                _ => literal(c, &mut out),
            }
            continue;
        }
        match chars.next() {
            Some(next) if next == '%' || next == '_' || next == escape => literal(next, &mut out),
            Some(next) => {
                return Err(invalid(
                    format!("The escape character is not allowed to precede '{next}'"),
                    false,
                ))
            }
            None => {
                return Err(invalid(
                    "The escape character is not allowed to end with".into(),
                    true,
                ))
            }
        }
    }
    Ok(out)
}

/// What Spark's optimizer makes of `LIKE pattern`, when the pattern is one of its simple
/// shapes (and has no escape character).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SimpleLike {
    /// `abc`: equal to.
    Equals(String),
    /// `abc%`.
    StartsWith(String),
    /// `%abc`.
    EndsWith(String),
    /// `abc%xyz`: starts with the first, ends with the second (and is long enough for
    /// both, which Spark checks apart).
    StartsAndEndsWith(String, String),
    /// `%abc%`.
    Contains(String),
}

/// `pattern` as one of Spark's simple shapes (`LikeSimplification`), if it is one.
pub(crate) fn simplify(pattern: &str, escape: char) -> Option<SimpleLike> {
    let plain = |s: &str| !s.contains(['%', '_']);
    if pattern.contains(escape) {
        return None;
    }
    if plain(pattern) {
        return Some(SimpleLike::Equals(pattern.into()));
    }
    let inner = |s: &str| !s.is_empty() && plain(s);
    if let Some(prefix) = pattern.strip_suffix('%').filter(|p| inner(p)) {
        return Some(SimpleLike::StartsWith(prefix.into()));
    }
    if let Some(suffix) = pattern.strip_prefix('%').filter(|s| inner(s)) {
        return Some(SimpleLike::EndsWith(suffix.into()));
    }
    if let Some((prefix, suffix)) = pattern
        .split_once('%')
        .filter(|(p, s)| inner(p) && inner(s))
    {
        return Some(SimpleLike::StartsAndEndsWith(prefix.into(), suffix.into()));
    }
    pattern
        .strip_prefix('%')
        .and_then(|p| p.strip_suffix('%'))
        .filter(|p| inner(p))
        .map(|p| SimpleLike::Contains(p.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_checked_and_rewritten_with_a_backslash_escape() {
        assert_eq!(
            canonical_pattern(r"a\%b\_c\\d%_", '\\').ok().as_deref(),
            Some(r"a\%b\_c\\d%_")
        );
        assert_eq!(
            canonical_pattern(r"a!%b!!\", '!').ok().as_deref(),
            Some(r"a\%b!\\")
        );
        // Spark 4.3 (`col("name").like("m\\aca")`, `like("ab\\")`).
        assert_eq!(
            canonical_pattern(r"m\aca", '\\').map_err(|e| e.to_string()),
            Err(r"[INVALID_FORMAT.ESC_IN_THE_MIDDLE] The format is invalid: 'm\\aca'. The escape character is not allowed to precede 'a'. SQLSTATE: 42601".into())
        );
        assert_eq!(
            canonical_pattern(r"ab\", '\\').map_err(|e| e.to_string()),
            Err(r"[INVALID_FORMAT.ESC_AT_THE_END] The format is invalid: 'ab\\'. The escape character is not allowed to end with. SQLSTATE: 42601".into())
        );
    }

    #[test]
    fn simple_patterns_become_sparks_string_predicates() {
        use SimpleLike::*;
        let simple = |p: &str| simplify(p, '\\');
        assert_eq!(simple("Ev"), Some(Equals("Ev".into())));
        assert_eq!(simple(""), Some(Equals("".into())));
        assert_eq!(simple("E%"), Some(StartsWith("E".into())));
        assert_eq!(simple("%z"), Some(EndsWith("z".into())));
        assert_eq!(
            simple("E%z"),
            Some(StartsAndEndsWith("E".into(), "z".into()))
        );
        assert_eq!(simple("%v%"), Some(Contains("v".into())));
        for other in ["%", "%%", "E_%", "a%b%c", r"a\_c", "_", "%a%b"] {
            assert_eq!(simple(other), None, "{other}");
        }
    }
}
