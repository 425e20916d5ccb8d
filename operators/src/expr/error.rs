//! [`ExprError`]: analysis and runtime errors, worded like Spark 4.3's error classes.

use arrow::error::ArrowError;

/// An error raised while resolving or evaluating an expression. `Display` gives Spark's message
/// (error class, text and SQLSTATE).
#[derive(Debug, thiserror::Error)]
pub enum ExprError {
    /// `[UNRESOLVED_COLUMN.*]`: no input column has this name. `candidates` are the input
    /// columns ordered by similarity, as Spark suggests them (already quoted, at most 5 shown).
    #[error("{}", unresolved_column_message(name, candidates))]
    UnresolvedColumn {
        /// The name that was asked for.
        name: String,
        /// Suggested columns, most similar first, each quoted like `` `value` ``.
        candidates: Vec<String>,
    },
    /// `[AMBIGUOUS_REFERENCE]`: several input columns match the name case-insensitively.
    #[error(
        "[AMBIGUOUS_REFERENCE] Reference {} is ambiguous, could be: [{}]. SQLSTATE: 42704",
        quote_identifier(name),
        vec![quote_identifier(name); *matches].join(", ")
    )]
    AmbiguousReference {
        /// The name that was asked for.
        name: String,
        /// How many columns match it.
        matches: usize,
    },
    /// `[CAST_INVALID_INPUT]`: a value cannot be cast (ANSI mode).
    #[error(
        "[CAST_INVALID_INPUT] The value {value} of the type \"{from}\" cannot be cast to \"{to}\" \
         because it is malformed. Correct the value as per the syntax, or change its target type. \
         Use `try_cast` to tolerate malformed input and return NULL instead. SQLSTATE: 22018"
    )]
    CastInvalidInput {
        /// The offending value as Spark prints it (`'abc'`, `NaN`, …).
        value: String,
        /// Source type (`STRING`, …).
        from: String,
        /// Target type (`INT`, `TIMESTAMP`, …).
        to: String,
    },
    /// `[CAST_OVERFLOW]`: a value is out of the target type's range (ANSI mode).
    #[error(
        "[CAST_OVERFLOW] The value {value} of the type \"{from}\" cannot be cast to \"{to}\" due \
         to an overflow. Use `try_cast` to tolerate overflow and return NULL instead. \
         SQLSTATE: 22003"
    )]
    CastOverflow {
        /// The offending value as Spark prints it (`3000000000L`, `1.0E20D`, …).
        value: String,
        /// Source type.
        from: String,
        /// Target type.
        to: String,
    },
    /// `[ARITHMETIC_OVERFLOW]`: `int`/`bigint` arithmetic overflowed (ANSI mode). `function`
    /// is the `try_*` alternative Spark suggests (`try_add`, …), if any.
    #[error("{}", arithmetic_overflow_message(function.as_deref()))]
    ArithmeticOverflow {
        /// Suggested `try_*` function.
        function: Option<String>,
    },
    /// `[BINARY_ARITHMETIC_OVERFLOW]`: `smallint`/`tinyint` arithmetic overflowed (ANSI mode).
    #[error(
        "[BINARY_ARITHMETIC_OVERFLOW] {left} {op} {right} caused overflow. Use `{function}` to \
         ignore overflow problem and return NULL. SQLSTATE: 22003"
    )]
    BinaryArithmeticOverflow {
        /// Left value as Spark prints it (`32767S`).
        left: String,
        /// Operator symbol.
        op: String,
        /// Right value as Spark prints it.
        right: String,
        /// Suggested `try_*` function.
        function: String,
    },
    /// `[DIVIDE_BY_ZERO]` (ANSI mode).
    #[error(
        "[DIVIDE_BY_ZERO] Division by zero. Use `try_divide` to tolerate divisor being 0 and \
         return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass \
         this error. SQLSTATE: 22012"
    )]
    DivideByZero,
    /// `[REMAINDER_BY_ZERO]` (ANSI mode).
    #[error(
        "[REMAINDER_BY_ZERO] Remainder by zero. Use `try_mod` to tolerate divisor being 0 and \
         return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass \
         this error. SQLSTATE: 22012"
    )]
    RemainderByZero,
    /// `[CANNOT_PARSE_TIMESTAMP]`: `to_timestamp(s, fmt)` could not parse `s` (ANSI mode).
    /// `message` is the java.time parser's message.
    #[error(
        "[CANNOT_PARSE_TIMESTAMP] {message}. Use `try_to_timestamp` to tolerate invalid input \
         string and return NULL instead. SQLSTATE: 22007"
    )]
    CannotParseTimestamp {
        /// What the parser reported, e.g. `Text '2024-1-5' could not be parsed at index 5`.
        message: String,
    },
    /// `[DATATYPE_MISMATCH.*]`: the expression does not type-check. `message` is the whole
    /// Spark message (see [`ExprError::datatype_mismatch`]).
    #[error("{message}")]
    DataTypeMismatch {
        /// The complete message, e.g. `[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve
        /// "(b + 1)" due to data type mismatch: … SQLSTATE: 42K09`.
        message: String,
    },
    /// `[INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER]`.
    #[error(
        "[INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER] Unrecognized datetime pattern: {pattern}. \
         Illegal pattern character found in datetime pattern: {character}. Please provide legal \
         character. SQLSTATE: 22007"
    )]
    IllegalPatternCharacter {
        /// The pattern.
        pattern: String,
        /// The rejected letter.
        character: char,
    },
    /// `[INVALID_DATETIME_PATTERN.WITH_SUGGESTION]`: the pattern is malformed.
    #[error(
        "[INVALID_DATETIME_PATTERN.WITH_SUGGESTION] Unrecognized datetime pattern: {}. You can \
         form a valid datetime pattern with the guide from \
         'https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html'. SQLSTATE: 22007",
        crate::expr::format::sql_string_literal(pattern)
    )]
    InvalidDatetimePattern {
        /// The pattern.
        pattern: String,
    },
    /// `[INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION]`.
    #[error(
        "[INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION] You may get a \
         different result due to the upgrading to Spark >= 3.0:\nFail to recognize '{pattern}' \
         pattern in the DateTimeFormatter.\n1) You can set \"spark.sql.legacy.timeParserPolicy\" \
         to \"LEGACY\" to restore the behavior before Spark 3.0.\n2) You can form a valid \
         datetime pattern with the guide from \
         'https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html'. SQLSTATE: 42K0B"
    )]
    DatetimePatternRecognition {
        /// The pattern.
        pattern: String,
    },
    /// `[INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN]`.
    #[error(
        "[INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN] You may get a \
         different result due to the upgrading to Spark >= 3.0:\nAll week-based patterns are \
         unsupported since Spark 3.0, detected week-based character: {character}.\nPlease use \
         the SQL function EXTRACT instead. SQLSTATE: 42K0B"
    )]
    WeekBasedPattern {
        /// The rejected letter.
        character: char,
    },
    /// `[UNSUPPORTED_GENERATOR.*]`: a generator (`explode`) where Spark runs none.
    #[error(
        "[UNSUPPORTED_GENERATOR.{kind}] The generator is not supported: {detail}. SQLSTATE: 42K0E"
    )]
    UnsupportedGenerator {
        /// The sub-class, e.g. `NESTED_IN_EXPRESSIONS`.
        kind: &'static str,
        /// Where it was found.
        detail: String,
    },
    /// An invalid regular expression.
    #[error("[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) `regexp` in `{function}` is invalid: {}. SQLSTATE: 22023", crate::expr::format::sql_string_literal(pattern))]
    InvalidRegex {
        /// The function given it.
        function: &'static str,
        /// The expression.
        pattern: String,
    },
    /// `regexp_extract` asked for a group its pattern does not have.
    #[error("[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX] The value of parameter(s) `idx` in `regexp_extract` is invalid: Expects group index between 0 and {groups}, but got {index}. SQLSTATE: 22023")]
    RegexGroupIndex {
        /// The pattern's groups.
        groups: usize,
        /// The index asked for.
        index: i32,
    },
    /// `regexp_replace` with a replacement naming a group its pattern does not have.
    #[error("[INVALID_REGEXP_REPLACE] Could not perform regexp_replace for source = \"{text}\", pattern = \"{pattern}\", replacement = \"{replacement}\" and position = 1. SQLSTATE: 22023")]
    InvalidRegexpReplace {
        /// The string.
        text: String,
        /// The pattern.
        pattern: String,
        /// The replacement.
        replacement: String,
    },
    /// `[INVALID_FORMAT.*]`: a `LIKE` pattern whose escape character is misplaced.
    #[error("[INVALID_FORMAT.{kind}] The format is invalid: {format}. {message}. SQLSTATE: 42601")]
    InvalidFormat {
        /// The sub-class, e.g. `ESC_IN_THE_MIDDLE`.
        kind: &'static str,
        /// The pattern, as a SQL string literal.
        format: String,
        /// What is wrong with it.
        message: String,
    },
    /// An interval string that does not parse (Spark's `INVALID_INTERVAL_FORMAT`).
    #[error("[INVALID_INTERVAL_FORMAT] Error parsing '{0}' to interval. SQLSTATE: 22006")]
    InvalidInterval(String),
    /// `window(...)` durations that Spark's `TimeWindow` refuses; the text is Spark's reason.
    #[error("{0}")]
    InvalidWindow(String),
    /// `[INVALID_ARRAY_INDEX*]`: an array has no element at the index (ANSI mode).
    #[error("{0}")]
    InvalidArrayIndex(String),
    /// `[MALFORMED_RECORD_IN_PARSING.*]`: `from_json` met a malformed record in FAILFAST
    /// mode (the whole message).
    #[error("{0}")]
    MalformedRecord(String),
    /// Something Spark accepts that spate does not implement yet (a clear failure rather than
    /// a silently different answer).
    #[error("[UNSUPPORTED_FEATURE] spate does not support {0} yet")]
    Unsupported(String),
    /// An Arrow kernel failed.
    #[error("{0}")]
    Arrow(#[from] ArrowError),
}

impl ExprError {
    /// A `[DATATYPE_MISMATCH.<subclass>]` error about expression `sql` (as Spark prints it),
    /// with Spark's wording around `reason`.
    pub fn datatype_mismatch(subclass: &str, sql: &str, reason: &str) -> ExprError {
        ExprError::DataTypeMismatch {
            message: format!(
                "[DATATYPE_MISMATCH.{subclass}] Cannot resolve \"{sql}\" due to data type \
                 mismatch: {reason}. SQLSTATE: 42K09"
            ),
        }
    }
}

/// Spark's `toSQLId` for a single-part name: always back-quoted, back-quotes doubled.
pub fn quote_identifier(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn unresolved_column_message(name: &str, candidates: &[String]) -> String {
    let shown = candidates.iter().take(5).cloned().collect::<Vec<_>>();
    if shown.is_empty() {
        format!(
            "[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter \
             with name {} cannot be resolved.  SQLSTATE: 42703",
            quote_identifier(name)
        )
    } else {
        format!(
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with \
             name {} cannot be resolved. Did you mean one of the following? [{}]. SQLSTATE: 42703",
            quote_identifier(name),
            shown.join(", ")
        )
    }
}

fn arithmetic_overflow_message(function: Option<&str>) -> String {
    let hint = match function {
        Some(f) => format!(" Use '{f}' to tolerate overflow and return NULL instead."),
        None => String::new(),
    };
    format!(
        "[ARITHMETIC_OVERFLOW] overflow.{hint} If necessary set \"spark.sql.ansi.enabled\" to \
         \"false\" to bypass this error. SQLSTATE: 22003"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unresolved_column_reads_like_spark() {
        // Message text from Spark 4.3 (PySpark `df.select(col("valu"))`).
        let e = ExprError::UnresolvedColumn {
            name: "valu".into(),
            candidates: ["`value`", "`b`", "`id`", "`n`", "`ns`", "`s`"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        assert_eq!(
            e.to_string(),
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with \
             name `valu` cannot be resolved. Did you mean one of the following? [`value`, `b`, \
             `id`, `n`, `ns`]. SQLSTATE: 42703"
        );
        let e = ExprError::UnresolvedColumn {
            name: "x".into(),
            candidates: vec![],
        };
        assert_eq!(
            e.to_string(),
            "[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter \
             with name `x` cannot be resolved.  SQLSTATE: 42703"
        );
    }

    #[test]
    fn runtime_errors_read_like_spark() {
        // Texts from Spark 4.3 runs.
        assert_eq!(
            ExprError::ArithmeticOverflow {
                function: Some("try_add".into())
            }
            .to_string(),
            "[ARITHMETIC_OVERFLOW] overflow. Use 'try_add' to tolerate overflow and return NULL \
             instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this \
             error. SQLSTATE: 22003"
        );
        assert_eq!(
            ExprError::ArithmeticOverflow { function: None }.to_string(),
            "[ARITHMETIC_OVERFLOW] overflow. If necessary set \"spark.sql.ansi.enabled\" to \
             \"false\" to bypass this error. SQLSTATE: 22003"
        );
        assert_eq!(
            ExprError::AmbiguousReference {
                name: "a".into(),
                matches: 2
            }
            .to_string(),
            "[AMBIGUOUS_REFERENCE] Reference `a` is ambiguous, could be: [`a`, `a`]. SQLSTATE: 42704"
        );
        assert_eq!(
            ExprError::InvalidDatetimePattern {
                pattern: "yyyy-MM-dd'T".into()
            }
            .to_string(),
            "[INVALID_DATETIME_PATTERN.WITH_SUGGESTION] Unrecognized datetime pattern: \
             'yyyy-MM-dd\\'T'. You can form a valid datetime pattern with the guide from \
             'https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html'. SQLSTATE: 22007"
        );
    }
}
