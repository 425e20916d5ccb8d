//! `CAST(s AS TIMESTAMP)` / `to_timestamp(s)` over a string array, with Spark's string parsing
//! from [`spate_runtime::text::timestamp`].

use arrow::array::{Array, BooleanBufferBuilder, StringArray, TimestampMicrosecondArray};
use arrow::buffer::NullBuffer;
use spate_runtime::text::timestamp::TimestampParser;
use spate_runtime::text::zone::Zone;

use super::error::ExprError;
use super::format::sql_string_literal;

/// Cast a string array to timestamps, strings without a zone in `session`. Invalid strings raise
/// `CAST_INVALID_INPUT` in ANSI mode and become NULL otherwise.
pub(crate) fn cast_strings(
    strings: &StringArray,
    session: &Zone,
    ansi: bool,
) -> Result<TimestampMicrosecondArray, ExprError> {
    let parser = TimestampParser::new(session);
    let rows = strings.len();
    let offsets = strings.value_offsets();
    let data = strings.value_data();
    let mut values: Vec<i64> = Vec::with_capacity(rows);
    // Rows that failed to parse (non-ANSI), tracked only once one does.
    let mut invalid: Option<BooleanBufferBuilder> = None;
    let mut fail = |row: usize, values: &mut Vec<i64>| -> Result<(), ExprError> {
        if ansi {
            return Err(ExprError::CastInvalidInput {
                value: sql_string_literal(strings.value(row)),
                from: "STRING".into(),
                to: "TIMESTAMP".into(),
            });
        }
        invalid
            .get_or_insert_with(|| {
                let mut b = BooleanBufferBuilder::new(rows);
                b.append_n(rows, true);
                b
            })
            .set_bit(row, false);
        values.push(0);
        Ok(())
    };
    for row in 0..rows {
        if strings.is_null(row) {
            values.push(0);
            continue;
        }
        let bytes = &data[offsets[row] as usize..offsets[row + 1] as usize];
        match parser.parse(bytes) {
            Some(v) => values.push(v),
            None => fail(row, &mut values)?,
        }
    }
    let parse_nulls = invalid.map(|mut b| NullBuffer::new(b.finish()));
    let nulls = NullBuffer::union(strings.nulls(), parse_nulls.as_ref());
    Ok(TimestampMicrosecondArray::new(values.into(), nulls).with_timezone("UTC"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_strings_null_or_error() {
        let arr = StringArray::from(vec![Some("2024-01-15"), None, Some("bad")]);
        let out = cast_strings(&arr, &Zone::UTC, false).map_err(|e| e.to_string());
        let out = out
            .as_ref()
            .map(|a| (a.value(0), a.is_null(1), a.is_null(2)));
        assert_eq!(out, Ok((1705276800000000, true, true)));
        let err = cast_strings(&arr, &Zone::UTC, true)
            .err()
            .map(|e| e.to_string());
        // Message from Spark 4.3 (`to_timestamp(col)` on 'not a time', adapted value).
        assert_eq!(
            err.as_deref(),
            Some(
                "[CAST_INVALID_INPUT] The value 'bad' of the type \"STRING\" cannot be cast to \
                 \"TIMESTAMP\" because it is malformed. Correct the value as per the syntax, or \
                 change its target type. Use `try_cast` to tolerate malformed input and return \
                 NULL instead. SQLSTATE: 22018"
            )
        );
    }
}
