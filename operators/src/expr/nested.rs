//! Building and taking apart nested values: `struct(a, b, …)`, `size(array)`, an array's
//! element (`a[i]`, `element_at(a, n)`) and `to_json` (written by the file sinks' JSON
//! writer, which the facade hands to the expression: [`JsonWrite`]).

use super::error::ExprError;
use arrow::array::{Array, ArrayRef, Int32Array, ListArray, StringArray, UInt32Array};
use arrow::compute::take;
use spate_runtime::text::zone::Zone;
use std::fmt;

/// How an array's element is picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementAt {
    /// `a[i]` / `getItem(i)`: from 0.
    Index(i32),
    /// `element_at(a, n)`: from 1; a negative `n` counts from the end.
    Position(i32),
}

impl ElementAt {
    /// Where the element is in an array of `len` elements, if it has one.
    fn offset(self, len: usize) -> Option<usize> {
        let len = i64::try_from(len).ok()?;
        let at = match self {
            ElementAt::Index(i) => i64::from(i),
            ElementAt::Position(n) if n > 0 => i64::from(n) - 1,
            ElementAt::Position(n) => len + i64::from(n),
        };
        (0..len).contains(&at).then_some(at as usize)
    }

    /// Spark's error for an element outside an array of `len` elements (ANSI mode).
    fn out_of_bounds(self, len: usize) -> ExprError {
        ExprError::InvalidArrayIndex(match self {
            ElementAt::Index(i) => format!(
                "[INVALID_ARRAY_INDEX] The index {i} is out of bounds. The array has {len} elements. Use the SQL function `get()` to tolerate accessing element at invalid index and return NULL instead. SQLSTATE: 22003"
            ),
            ElementAt::Position(n) => format!(
                "[INVALID_ARRAY_INDEX_IN_ELEMENT_AT] The index {n} is out of bounds. The array has {len} elements. Use `try_element_at` to tolerate accessing element at invalid index and return NULL instead. SQLSTATE: 22003"
            ),
        })
    }
}

/// The element `at` of every array of `lists` (NULL for a NULL array; for a missing
/// element, NULL, or under ANSI an error; position 0 is always an error).
pub(crate) fn element(lists: &ListArray, at: ElementAt, ansi: bool) -> Result<ArrayRef, ExprError> {
    let offsets = lists.value_offsets();
    let mut indices = Vec::with_capacity(lists.len());
    for row in 0..lists.len() {
        if lists.is_null(row) {
            indices.push(None);
            continue;
        }
        if at == ElementAt::Position(0) {
            return Err(ExprError::InvalidArrayIndex(
                "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1). SQLSTATE: 22003".into(),
            ));
        }
        let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
        match at.offset(end - start) {
            Some(offset) => indices.push(u32::try_from(start + offset).ok()),
            None if ansi => return Err(at.out_of_bounds(end - start)),
            None => indices.push(None),
        }
    }
    Ok(take(lists.values(), &UInt32Array::from(indices), None)?)
}

/// The number of elements of every array; for a NULL array NULL, or -1 without ANSI.
pub(crate) fn size(lists: &ListArray, ansi: bool) -> ArrayRef {
    let lengths: Vec<i32> = (0..lists.len())
        .map(|row| match lists.is_null(row) {
            true => -1,
            false => lists.value_length(row),
        })
        .collect();
    let nulls = if ansi { lists.nulls().cloned() } else { None };
    std::sync::Arc::new(Int32Array::new(lengths.into(), nulls))
}

/// Writes every value of a struct or array column as Spark's JSON text (NULL for NULL),
/// timestamps in `zone`.
pub type JsonWrite = fn(&ArrayRef, &Zone) -> Result<StringArray, String>;

/// `to_json`'s writer (there is one: every two are equal).
#[derive(Clone, Copy)]
pub struct ToJson(pub JsonWrite);

impl PartialEq for ToJson {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for ToJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ToJson")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use arrow::datatypes::Int32Type;

    fn lists() -> ListArray {
        ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2), None]),
            None,
            Some(vec![]),
        ])
    }

    #[test]
    fn elements_by_index_and_by_position() {
        let values = |at, ansi| {
            element(&lists(), at, ansi)
                .map(|a| a.as_primitive::<Int32Type>().iter().collect::<Vec<_>>())
        };
        assert_eq!(
            values(ElementAt::Index(1), false).unwrap(),
            [Some(2), None, None]
        );
        assert_eq!(
            values(ElementAt::Position(-3), false).unwrap(),
            [Some(1), None, None]
        );
        let error = values(ElementAt::Position(1), true)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("[INVALID_ARRAY_INDEX_IN_ELEMENT_AT] The index 1 is out of bounds. The array has 0 elements."), "{error}");
        let sizes = |ansi| {
            size(&lists(), ansi)
                .as_primitive::<Int32Type>()
                .iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(sizes(true), [Some(3), None, Some(0)]);
        assert_eq!(sizes(false), [Some(3), Some(-1), Some(0)]);
    }
}
