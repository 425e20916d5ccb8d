//! Spark's regular-expression functions over string arrays: `rlike` (a match anywhere),
//! `regexp_replace` (every match, Java's replacement syntax: `$n` / `${name}` groups, `\`
//! before a literal character) and `regexp_extract` (one group of the first match, `""` when
//! there is none). Patterns run on Rust's `regex` engine, which reads Java's common syntax
//! (not look-around or back-references: those patterns are refused as invalid).

use super::error::ExprError;
use arrow::array::{Array, ArrayRef, BooleanArray, StringArray, StringBuilder};
use regex::{Captures, Regex};
use std::sync::Arc;

/// A regular-expression function of a string and a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegexFunction {
    /// `rlike(s, pattern)`: whether the pattern matches anywhere in the string.
    Like,
    /// `regexp_replace(s, pattern, replacement)`: every match replaced.
    Replace(String),
    /// `regexp_extract(s, pattern, idx)`: group `idx` of the first match (0: all of it).
    Extract(i32),
}

impl RegexFunction {
    /// Spark's name of the call, without its arguments.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            RegexFunction::Like => "rlike",
            RegexFunction::Replace(_) => "regexp_replace",
            RegexFunction::Extract(_) => "regexp_extract",
        }
    }
}

/// A pattern compiled once, when its expression is bound; an invalid one fails (Spark's
/// error) only when rows are evaluated, as in Spark.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRegex {
    text: String,
    regex: Option<Arc<Regex>>,
}

impl CompiledRegex {
    /// `text` compiled (not yet checked).
    pub(crate) fn new(text: &str) -> CompiledRegex {
        CompiledRegex {
            text: text.to_string(),
            regex: Regex::new(text).ok().map(Arc::new),
        }
    }

    /// The pattern as written.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The compiled pattern, or Spark's error naming `function` for an invalid one.
    pub(crate) fn regex(&self, function: &'static str) -> Result<&Regex, ExprError> {
        self.regex
            .as_deref()
            .ok_or_else(|| ExprError::InvalidRegex {
                function,
                pattern: self.text.clone(),
            })
    }
}

/// The matches of `regex` in `s` as Java's `Matcher.find` finds them: each search starts
/// where the last match ended (one character on after an empty match), so an empty match
/// right after another match counts, as Rust's iterators do not count it.
pub(crate) fn java_matches<'r, 's>(
    regex: &'r Regex,
    s: &'s str,
) -> impl Iterator<Item = Captures<'s>> + 'r
where
    's: 'r,
{
    let mut from = Some(0);
    std::iter::from_fn(move || {
        let found = regex.captures_at(s, from?)?;
        let whole = found.get(0)?;
        from = match whole.is_empty() {
            true => s[whole.end()..]
                .chars()
                .next()
                .map(|c| whole.end() + c.len_utf8()),
            false => Some(whole.end()),
        };
        Some(found)
    })
}

/// One part of a Java replacement string.
enum Piece {
    /// Literal text.
    Text(String),
    /// `$` and the digits after it: a group number, as long as the pattern has that group.
    Group(String),
    /// `${name}`.
    Named(String),
}

/// `function` with `pattern` of each string of `strings` (NULL for NULL).
pub(crate) fn evaluate(
    function: &RegexFunction,
    strings: &StringArray,
    compiled: &CompiledRegex,
) -> Result<ArrayRef, ExprError> {
    let regex = compiled.regex(function.name())?;
    let pattern = compiled.text();
    Ok(match function {
        RegexFunction::Like => Arc::new(
            strings
                .iter()
                .map(|s| s.map(|s| regex.is_match(s)))
                .collect::<BooleanArray>(),
        ),
        RegexFunction::Replace(replacement) => {
            let pieces = pieces(replacement);
            let names: Vec<&str> = regex.capture_names().flatten().collect();
            let mut out = StringBuilder::with_capacity(strings.len(), strings.value_data().len());
            for s in strings.iter() {
                match s {
                    None => out.append_null(),
                    Some(s) => out.append_value(replace_all(
                        regex,
                        s,
                        pieces.as_deref(),
                        &names,
                        (pattern, replacement),
                    )?),
                }
            }
            Arc::new(out.finish())
        }
        RegexFunction::Extract(index) => {
            let mut out = StringBuilder::with_capacity(strings.len(), 0);
            for s in strings.iter() {
                match s.map(|s| (s, regex.captures(s))) {
                    None => out.append_null(),
                    Some((_, None)) => out.append_value(""),
                    Some((_, Some(found))) => {
                        let groups = found.len() - 1;
                        let group = usize::try_from(*index)
                            .ok()
                            .filter(|&g| g <= groups)
                            .ok_or_else(|| ExprError::RegexGroupIndex {
                                groups,
                                index: *index,
                            })?;
                        out.append_value(found.get(group).map_or("", |m| m.as_str()));
                    }
                }
            }
            Arc::new(out.finish())
        }
    })
}

/// A Java replacement string as text and group references: `$` then digits, `${name}`,
/// `\` before a literal character; `None` when it ends in a lone `\` (Java fails on it
/// at the first match).
fn pieces(replacement: &str) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?),
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::Named(name));
            }
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::Group(digits));
            }
            other => text.push(other),
        }
    }
    pieces.push(Piece::Text(text));
    Some(pieces)
}

/// `s` with every match of `regex` (whose named groups are `names`) replaced by `pieces`;
/// Spark's error, naming the pattern and the replacement, for a replacement Java refuses.
fn replace_all(
    regex: &Regex,
    s: &str,
    pieces: Option<&[Piece]>,
    names: &[&str],
    (pattern, replacement): (&str, &str),
) -> Result<String, ExprError> {
    let failed = || ExprError::InvalidRegexpReplace {
        text: s.to_string(),
        pattern: pattern.to_string(),
        replacement: replacement.to_string(),
    };
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for found in java_matches(regex, s) {
        let whole = found.get(0).ok_or_else(failed)?;
        out.push_str(&s[last..whole.start()]);
        expand(&found, pieces.ok_or_else(failed)?, names, &mut out).ok_or_else(failed)?;
        last = whole.end();
    }
    out.push_str(&s[last..]);
    Ok(out)
}

/// Appends `pieces` for one match; `None` for a group the pattern does not have (a group
/// it has that took no part in the match is empty).
fn expand(found: &Captures<'_>, pieces: &[Piece], names: &[&str], out: &mut String) -> Option<()> {
    let groups = found.len() - 1;
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Named(name) => match found.name(name) {
                Some(group) => out.push_str(group.as_str()),
                None if names.contains(&name.as_str()) => {}
                None => return None,
            },
            Piece::Group(digits) => {
                // Java: the first digit always, then each further digit while the number
                // still names a group; the digits left are text.
                let mut used = 1;
                let mut group: usize = digits.get(..1)?.parse().ok()?;
                while used < digits.len() {
                    let longer = group * 10 + digits[used..=used].parse::<usize>().ok()?;
                    if longer > groups {
                        break;
                    }
                    group = longer;
                    used += 1;
                }
                if group > groups {
                    return None;
                }
                out.push_str(found.get(group).map_or("", |m| m.as_str()));
                out.push_str(&digits[used..]);
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;

    fn strings(
        function: RegexFunction,
        pattern: &str,
        values: &[Option<&str>],
    ) -> Result<Vec<Option<String>>, String> {
        let input = StringArray::from(values.to_vec());
        let out =
            evaluate(&function, &input, &CompiledRegex::new(pattern)).map_err(|e| e.to_string())?;
        Ok(out
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    }

    fn owned(values: &[Option<&str>]) -> Result<Vec<Option<String>>, String> {
        Ok(values.iter().map(|v| v.map(str::to_string)).collect())
    }

    #[test]
    fn replace_and_extract_as_spark() {
        use RegexFunction::*;
        let rows = [Some("Event_12 x34"), None, Some("abc"), Some("")];
        // Spark 4.3 (PySpark): `$1` groups, `\\$` a dollar, an empty pattern between characters.
        assert_eq!(
            strings(Replace("<$1>".into()), r"(\d+)", &rows),
            owned(&[Some("Event_<12> x<34>"), None, Some("abc"), Some("")])
        );
        assert_eq!(
            strings(Replace("-".into()), "", &rows[2..]),
            owned(&[Some("-a-b-c-"), Some("-")])
        );
        assert_eq!(
            strings(Replace(r"\$".into()), "b", &[Some("abc")]),
            owned(&[Some("a$c")])
        );
        assert_eq!(
            strings(Replace("$10".into()), "(b)", &[Some("abc")]),
            owned(&[Some("ab0c")])
        );
        assert!(strings(Replace("$2".into()), "a", &[Some("abc")])
            .is_err_and(|e| e.starts_with("[INVALID_REGEXP_REPLACE]")));
        assert_eq!(
            strings(Extract(1), r"(\d+)", &rows),
            owned(&[Some("12"), None, Some(""), Some("")])
        );
        assert_eq!(
            strings(Extract(2), r"([a-z])(\d)?", &[Some("abc")]),
            owned(&[Some("")])
        );
        assert!(strings(Extract(2), "(a)", &[Some("abc")])
            .is_err_and(|e| e.starts_with("[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX]")));
        assert!(strings(Extract(1), "(", &[Some("abc")]).is_err());
        // Java's matching: an empty match right after a match counts.
        assert_eq!(
            strings(Replace("-".into()), "b*", &[Some("abc")]),
            owned(&[Some("-a--c-")])
        );
        assert_eq!(
            strings(Replace("-".into()), "x*", &[Some("ax")]),
            owned(&[Some("-a--")])
        );
        // A named group that took no part is empty; a lone `\\` fails at a match only.
        assert_eq!(
            strings(Replace("${x}".into()), "(?<x>a)?b", &[Some("b")]),
            owned(&[Some("")])
        );
        assert!(strings(Replace(r"a\".into()), "b", &[Some("b")]).is_err());
        assert_eq!(
            strings(Replace(r"a\".into()), "b", &[Some("c")]),
            owned(&[Some("c")])
        );
    }
}
