//! `from_json(e, schema)`: JSON text parsed into a struct with Spark's rules (an object's
//! fields converted as a JSON file source converts them; NULL for NULL or blank text; every
//! field NULL, the text in the corrupt-record field, for a malformed record).
//!
//! The JSON decoder belongs to the file sources (`spate-connectors`), which this crate does
//! not depend on: the facade hands its parse function to the expression ([`JsonParse`]).

use super::ExprError;
use arrow::array::{StringArray, StructArray};
use arrow::datatypes::Fields;
use spate_runtime::text::zone::Zone;
use std::fmt;

/// Parses every string of `texts` into one row of `spec`'s struct (in `zone` for timestamps
/// without one, unless `spec` names a zone). A malformed record fails it only in FAILFAST
/// mode ([`ExprError::MalformedRecord`]).
pub type JsonParse = fn(&StringArray, &FromJson, &Zone) -> Result<StructArray, ExprError>;

/// How `from_json` reads its text: the struct it makes and the options that matter.
#[derive(Clone)]
pub struct FromJson {
    /// The struct's fields (all nullable), the corrupt-record field among them if declared.
    pub fields: Fields,
    /// Option `mode`: FAILFAST raises at the first malformed record; PERMISSIVE (the
    /// default) keeps it.
    pub fail_fast: bool,
    /// Option `columnNameOfCorruptRecord` (default `_corrupt_record`).
    pub corrupt_column: String,
    /// Option `timeZone` (the session time zone when absent).
    pub time_zone: Option<Zone>,
    /// The parser.
    pub parse: JsonParse,
}

impl PartialEq for FromJson {
    /// The same struct and options (there is one parser).
    fn eq(&self, other: &Self) -> bool {
        self.fields == other.fields
            && self.fail_fast == other.fail_fast
            && self.corrupt_column == other.corrupt_column
            && self.time_zone == other.time_zone
    }
}

impl fmt::Debug for FromJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromJson")
            .field("fields", &self.fields)
            .field("fail_fast", &self.fail_fast)
            .field("corrupt_column", &self.corrupt_column)
            .field("time_zone", &self.time_zone)
            .finish_non_exhaustive()
    }
}

/// Finds the value at a JSON path in every string (NULL where there is none).
pub type JsonPathFind = fn(&StringArray, &str) -> StringArray;

/// `get_json_object`'s path and the function that follows it (the file sources' JSON
/// parser, handed over by the facade).
#[derive(Clone)]
pub struct JsonPath {
    /// The path as written (`$.a.b[0]`).
    pub path: String,
    /// The finder.
    pub find: JsonPathFind,
}

impl PartialEq for JsonPath {
    /// The same path (there is one finder).
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonPath")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
