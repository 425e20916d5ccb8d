//! SQL literals in Spark's error messages and type names; the value texts themselves
//! (`Double.toString`, `yyyy-MM-dd HH:mm:ss[.ffffff]`) come from [`spate_runtime::text`].

use arrow::datatypes::DataType;
use spate_runtime::text::number::{java_double, java_float};
use spate_runtime::types::spark_type_name;

use spate_runtime::text::timestamp::format_timestamp;
use spate_runtime::text::zone::Zone;

/// Spark's upper-case SQL type name (`INT`, `BIGINT`, `STRING`, `TIMESTAMP`, `VOID`, …).
pub(crate) fn sql_type_name(data_type: &DataType) -> String {
    spark_type_name(data_type).to_uppercase()
}

/// A string as a SQL literal in Spark messages: `'it\'s'`.
pub(crate) fn sql_string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A double as Spark's `toSQLValue` prints it: `1.0E20D`, `NaN`, `Infinity`.
pub(crate) fn sql_double_literal(v: f64) -> String {
    let mut s = java_double(v);
    if v.is_finite() {
        s.push('D');
    }
    s
}

/// A float as Spark's `toSQLValue` prints it: `1.5F`, `NaN`.
pub(crate) fn sql_float_literal(v: f32) -> String {
    let mut s = java_float(v);
    if v.is_finite() {
        s.push('F');
    }
    s
}

/// A timestamp as a SQL literal in `zone`: `TIMESTAMP '2024-01-15 10:00:00'`.
pub(crate) fn sql_timestamp_literal(micros: i64, zone: &Zone) -> String {
    let mut s = String::from("TIMESTAMP '");
    format_timestamp(micros, zone, &mut s);
    s.push('\'');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_literals() {
        assert_eq!(sql_string_literal("it's"), "'it\\'s'");
        assert_eq!(sql_double_literal(1e20), "1.0E20D");
        assert_eq!(sql_double_literal(f64::NAN), "NaN");
        assert_eq!(
            sql_timestamp_literal(1_705_312_800_500_000, &Zone::UTC),
            "TIMESTAMP '2024-01-15 10:00:00.5'"
        );
    }
}
