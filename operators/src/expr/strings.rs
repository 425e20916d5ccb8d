//! Spark's string functions over whole string arrays: `lower`, `upper`, `length`, `trim`,
//! `ltrim`, `rtrim` (which remove spaces, U+0020, only) and `concat` (NULL when any
//! argument is). An all-ASCII column is changed in one pass over its bytes.

use super::error::ExprError;
use arrow::array::{Array, ArrayRef, AsArray, Int32Array, StringArray, StringBuilder};
use arrow::buffer::Buffer;
use arrow::compute::kernels::concat_elements::concat_elements_utf8;
use arrow::datatypes::DataType;
use std::fmt::Write;
use std::sync::Arc;

/// A string function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringFunction {
    /// `lower(s)`.
    Lower,
    /// `upper(s)`.
    Upper,
    /// `length(s)`: characters.
    Length,
    /// `trim(s)`: without leading and trailing spaces.
    Trim,
    /// `ltrim(s)`: without leading spaces.
    LTrim,
    /// `rtrim(s)`: without trailing spaces.
    RTrim,
    /// `concat(s, …)`: the arguments one after the other.
    Concat,
    /// `concat_ws(sep, s, …)`: the arguments that are not NULL, `sep` between them.
    ConcatWs,
}

impl StringFunction {
    /// Spark's name of the function.
    pub fn name(self) -> &'static str {
        match self {
            StringFunction::Lower => "lower",
            StringFunction::Upper => "upper",
            StringFunction::Length => "length",
            StringFunction::Trim => "trim",
            StringFunction::LTrim => "ltrim",
            StringFunction::RTrim => "rtrim",
            StringFunction::Concat => "concat",
            StringFunction::ConcatWs => "concat_ws",
        }
    }

    /// The result type.
    pub(crate) fn result_type(self) -> DataType {
        match self {
            StringFunction::Length => DataType::Int32,
            _ => DataType::Utf8,
        }
    }

    /// Whether the function takes any number of arguments (else exactly one).
    pub(crate) fn variadic(self) -> bool {
        matches!(self, StringFunction::Concat | StringFunction::ConcatWs)
    }
}

/// `function` of `args` (strings of one length each).
pub(crate) fn evaluate(function: StringFunction, args: &[ArrayRef]) -> Result<ArrayRef, ExprError> {
    let strings = |i: usize| {
        args.get(i)
            .and_then(|a| a.as_string_opt::<i32>())
            .ok_or_else(|| ExprError::Unsupported(format!("{} of a non-string", function.name())))
    };
    Ok(match function {
        StringFunction::Lower => Arc::new(map_case(strings(0)?, false)),
        StringFunction::Upper => Arc::new(map_case(strings(0)?, true)),
        StringFunction::Length => Arc::new(length(strings(0)?)),
        StringFunction::Trim => Arc::new(trimmed(strings(0)?, |s| s.trim_matches(' '))),
        StringFunction::LTrim => Arc::new(trimmed(strings(0)?, |s| s.trim_start_matches(' '))),
        StringFunction::RTrim => Arc::new(trimmed(strings(0)?, |s| s.trim_end_matches(' '))),
        StringFunction::Concat => {
            let mut joined = strings(0)?.clone();
            for i in 1..args.len() {
                joined = concat_elements_utf8(&joined, strings(i)?)?;
            }
            Arc::new(joined)
        }
        StringFunction::ConcatWs => {
            let parts = (1..args.len())
                .map(strings)
                .collect::<Result<Vec<_>, _>>()?;
            Arc::new(concat_ws(strings(0)?, &parts))
        }
    })
}

/// Per row, the parts that are not NULL joined by the separator (NULL when it is).
fn concat_ws(separators: &StringArray, parts: &[&StringArray]) -> StringArray {
    let mut joined = StringBuilder::with_capacity(separators.len(), separators.len() * 16);
    for row in 0..separators.len() {
        if separators.is_null(row) {
            joined.append_null();
            continue;
        }
        let mut first = true;
        for part in parts.iter().filter(|part| part.is_valid(row)) {
            if !first {
                joined.write_str(separators.value(row)).ok();
            }
            joined.write_str(part.value(row)).ok();
            first = false;
        }
        joined.append_value("");
    }
    joined.finish()
}

/// Spark's `substringSQL(pos, len)` of each string: the characters from `pos` (1-based;
/// negative counts from the end; 0 is the first) for `len`, clamped to the string.
pub(crate) fn substring(strings: &StringArray, pos: i32, len: i32) -> ArrayRef {
    let pick = |s: &str| -> String {
        let chars = s.chars().count() as i64;
        let start = match pos {
            p if p > 0 => i64::from(p) - 1,
            p if p < 0 => chars + i64::from(p),
            _ => 0,
        };
        let end = (start + i64::from(len)).min(chars);
        let start = start.max(0);
        if start >= end {
            return String::new();
        }
        s.chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect()
    };
    Arc::new(strings.iter().map(|s| s.map(pick)).collect::<StringArray>())
}

/// Lower- or upper-cased strings (Unicode's full mappings, as Java's).
fn map_case(strings: &StringArray, upper: bool) -> StringArray {
    let data = strings.value_data();
    if data.is_ascii() {
        let mut bytes = data.to_vec();
        match upper {
            true => bytes.make_ascii_uppercase(),
            false => bytes.make_ascii_lowercase(),
        }
        // The same offsets and validity over changed ASCII bytes: still valid UTF-8.
        return StringArray::new(
            strings.offsets().clone(),
            Buffer::from_vec(bytes),
            strings.nulls().cloned(),
        );
    }
    strings
        .iter()
        .map(|s| {
            s.map(|s| {
                if upper {
                    s.to_uppercase()
                } else {
                    s.to_lowercase()
                }
            })
        })
        .collect()
}

/// Characters in each string.
fn length(strings: &StringArray) -> Int32Array {
    let ascii = strings.value_data().is_ascii();
    let values = (0..strings.len()).map(|i| {
        let s = strings.value(i);
        let chars = if ascii { s.len() } else { s.chars().count() };
        i32::try_from(chars).unwrap_or(i32::MAX)
    });
    Int32Array::new(values.collect(), strings.nulls().cloned())
}

/// Each string through `trim`.
fn trimmed(strings: &StringArray, trim: impl Fn(&str) -> &str) -> StringArray {
    strings.iter().map(|s| s.map(&trim)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(function: StringFunction, values: &[Option<&str>]) -> Vec<Option<String>> {
        let array: ArrayRef = Arc::new(StringArray::from(values.to_vec()));
        let result = evaluate(function, &[array]).map_err(|e| e.to_string());
        let Ok(result) = result else {
            return vec![None];
        };
        match result.as_string_opt::<i32>() {
            Some(s) => s.iter().map(|v| v.map(str::to_string)).collect(),
            None => result
                .as_primitive::<arrow::datatypes::Int32Type>()
                .iter()
                .map(|v| v.map(|n| n.to_string()))
                .collect(),
        }
    }

    fn strings(values: &[Option<&str>]) -> Vec<Option<String>> {
        values.iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn case_length_and_trims_as_spark() {
        use StringFunction::*;
        let ascii = [Some("Ab c"), None, Some("")];
        assert_eq!(run(Lower, &ascii), strings(&[Some("ab c"), None, Some("")]));
        assert_eq!(run(Upper, &ascii), strings(&[Some("AB C"), None, Some("")]));
        // Java's full mappings: ß upper-cases to SS, a final sigma lower-cases to ς.
        let unicode = [Some("Straße ΟΔΟΣ"), Some("é")];
        assert_eq!(
            run(Upper, &unicode),
            strings(&[Some("STRASSE ΟΔΟΣ"), Some("É")])
        );
        assert_eq!(
            run(Lower, &unicode),
            strings(&[Some("straße οδος"), Some("é")])
        );
        assert_eq!(run(Length, &unicode), strings(&[Some("11"), Some("1")]));
        assert_eq!(run(Length, &ascii), strings(&[Some("4"), None, Some("0")]));
        // Only spaces are trimmed, not tabs.
        let padded = [Some("  a b \t "), Some("\t x ")];
        assert_eq!(run(Trim, &padded), strings(&[Some("a b \t"), Some("\t x")]));
        assert_eq!(
            run(LTrim, &padded),
            strings(&[Some("a b \t "), Some("\t x ")])
        );
        assert_eq!(
            run(RTrim, &padded),
            strings(&[Some("  a b \t"), Some("\t x")])
        );
    }
}
