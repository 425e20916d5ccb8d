//! `split(str, regex, limit)` as Spark computes it (`UTF8String.split`): an empty regex
//! splits a non-empty string into its characters; otherwise Java's `String.split` with a
//! limit of 0 read as -1, so trailing empty parts stay, and a zero-width match at the start
//! makes no leading empty part. The regex runs on Rust's `regex` engine, which reads Java's
//! common syntax (its `\s`, `\d` and `\w` also match non-ASCII characters).

use super::error::ExprError;
use super::regex::CompiledRegex;
use arrow::array::{Array, ArrayRef, GenericListBuilder, ListArray, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field};
use std::sync::Arc;

/// `split`'s result type: `array<string>` without NULL elements.
pub(crate) fn split_type() -> DataType {
    DataType::List(split_element())
}

/// The elements of `split`'s arrays.
fn split_element() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Utf8, false))
}

/// How a pattern is matched, decided when the expression is bound.
#[derive(Debug, Clone)]
pub(crate) enum Delimiter {
    /// Splits into characters.
    Characters,
    /// A pattern without regex syntax, matched as text (Java's fast path).
    Text(String),
    /// A regular expression.
    Regex(CompiledRegex),
}

impl Delimiter {
    /// The delimiter `pattern` stands for.
    pub(crate) fn new(pattern: &str) -> Delimiter {
        if pattern.is_empty() {
            Delimiter::Characters
        } else if regex::escape(pattern) == pattern {
            Delimiter::Text(pattern.to_string())
        } else {
            Delimiter::Regex(CompiledRegex::new(pattern))
        }
    }
}

/// The parts of each string of `strings` around `delimiter` (NULL for NULL).
pub(crate) fn split(
    strings: &StringArray,
    delimiter: &Delimiter,
    limit: i32,
) -> Result<ArrayRef, ExprError> {
    if let Delimiter::Regex(compiled) = delimiter {
        compiled.regex("split")?;
    }
    let parts = StringBuilder::with_capacity(strings.len() * 4, strings.value_data().len());
    let field = split_element();
    let mut lists =
        GenericListBuilder::<i32, _>::with_capacity(parts, strings.len()).with_field(field);
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    for row in 0..strings.len() {
        if strings.is_null(row) {
            lists.append(false);
            continue;
        }
        let s = strings.value(row);
        bounds.clear();
        pieces(s, delimiter, limit, &mut bounds)?;
        for &(start, end) in &bounds {
            lists.values().append_value(&s[start..end]);
        }
        lists.append(true);
    }
    let lists: ListArray = lists.finish();
    Ok(Arc::new(lists))
}

/// The byte ranges of the parts of `s`.
fn pieces(
    s: &str,
    delimiter: &Delimiter,
    limit: i32,
    out: &mut Vec<(usize, usize)>,
) -> Result<(), ExprError> {
    // At most `limit` parts when positive, the last holding the rest.
    let most = usize::try_from(limit)
        .ok()
        .filter(|&n| n > 0)
        .unwrap_or(usize::MAX);
    let mut start = 0;
    let mut cut = |from: usize, to: usize, out: &mut Vec<(usize, usize)>| -> bool {
        if out.len() + 1 >= most {
            return false;
        }
        out.push((start, from));
        start = to;
        true
    };
    match delimiter {
        Delimiter::Characters if !s.is_empty() => {
            for (at, _) in s.char_indices().skip(1) {
                if !cut(at, at, out) {
                    break;
                }
            }
        }
        Delimiter::Characters => {}
        Delimiter::Text(text) => {
            for (at, _) in s.match_indices(text.as_str()) {
                if !cut(at, at + text.len(), out) {
                    break;
                }
            }
        }
        Delimiter::Regex(compiled) => {
            for found in super::regex::java_matches(compiled.regex("split")?, s) {
                let Some(m) = found.get(0) else {
                    break;
                };
                let zero_width_start = m.start() == 0 && m.is_empty();
                if !zero_width_start && !cut(m.start(), m.end(), out) {
                    break;
                }
            }
        }
    }
    out.push((start, s.len()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;

    fn parts(s: Option<&str>, pattern: &str, limit: i32) -> Option<Vec<String>> {
        let strings = StringArray::from(vec![s]);
        let lists = split(&strings, &Delimiter::new(pattern), limit).map_err(|e| e.to_string());
        let lists = lists.as_ref().map(|l| l.as_list::<i32>().clone());
        let lists = lists.ok()?;
        lists.is_valid(0).then(|| {
            let value = lists.value(0);
            value
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(str::to_string)
                .collect()
        })
    }

    #[test]
    fn splits_as_spark_does() {
        // Spark 4.3 (`split(value, pattern[, limit])` in PySpark).
        let v = |parts: &[&str]| Some(parts.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(parts(Some("a b  c "), " ", -1), v(&["a", "b", "", "c", ""]));
        assert_eq!(parts(Some(""), " ", -1), v(&[""]));
        assert_eq!(parts(Some(" x"), " ", 2), v(&["", "x"]));
        assert_eq!(parts(Some(" x"), "", -1), v(&[" ", "x"]));
        assert_eq!(parts(Some("abc"), "", -1), v(&["a", "b", "c"]));
        assert_eq!(parts(Some("abc"), "", 2), v(&["a", "bc"]));
        assert_eq!(parts(Some("é"), "", -1), v(&["é"]));
        assert_eq!(parts(Some(""), "", -1), v(&[""]));
        assert_eq!(parts(Some(" x"), "\\s+", -1), v(&["", "x"]));
        assert_eq!(parts(Some("abc"), "b", 0), v(&["a", "c"]));
        assert_eq!(parts(Some("a1b22c"), "\\d", 2), v(&["a", "b22c"]));
        assert_eq!(parts(Some("a1b22c"), "\\b", -1), v(&["a1b22c", ""]));
        assert_eq!(
            parts(Some("a b  c "), "\\b", -1),
            v(&["a", " ", "b", "  ", "c", " "])
        );
        assert_eq!(parts(Some("a,b"), ",*", -1), v(&["a", "", "b", ""]));
        assert_eq!(parts(None, " ", -1), None);
        // An invalid pattern, and lookaround (which the regex engine does not run), fail.
        let a = StringArray::from(vec!["a"]);
        assert!(split(&a, &Delimiter::new("["), -1).is_err());
        assert!(split(&a, &Delimiter::new("(?=b)"), -1).is_err());
    }
}
