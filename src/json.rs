//! `from_json(e, schema[, options])` and `to_json(e)`: expressions of `spate-operators`,
//! parsed by the JSON decoder of the file sources and written by the JSON writer of the file
//! sinks.

use crate::types::IntoSchema;
use arrow::array::{Array, AsArray, StringArray, StructArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Fields, Schema};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use arrow::util::display::ArrayFormatter;
use spate_connectors::file::format::{
    json_path_supported, json_path_values, parse_json_values, DecodeOptions, ParseMode,
};
use spate_connectors::file::sink::to_json_values;
use spate_operators::expr::{Expr, ExprError, FromJson, JsonPath, ToJson};
use spate_runtime::text::zone::Zone;
use spate_runtime::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// `from_json(e, schema)`: the JSON object in the string `e` as a struct of `schema` (every
/// field nullable). NULL or blank text gives NULL; a malformed record gives a struct whose
/// fields are NULL (those that did not convert, or all of them), with the text in the
/// corrupt-record field when the schema declares one.
pub fn from_json(e: Expr, schema: impl IntoSchema) -> Result<Expr> {
    from_json_with_options(e, schema, Vec::<(String, String)>::new())
}

/// `from_json(e, schema, options)`, with the JSON options `mode` (PERMISSIVE or FAILFAST),
/// `columnNameOfCorruptRecord` and `timeZone`. Options that would change parsing in ways
/// spate does not implement are refused.
pub fn from_json_with_options<K: Into<String>, V: Into<String>>(
    e: Expr,
    schema: impl IntoSchema,
    options: impl IntoIterator<Item = (K, V)>,
) -> Result<Expr> {
    let fields: Fields = schema
        .into_schema()?
        .fields()
        .iter()
        .map(|f| spate_runtime::types::as_nullable(f))
        .collect();
    let options: HashMap<String, String> = options
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let read = |e: spate_connectors::file::format::DecodeError| Error::Analysis(e.to_string());
    let decode = DecodeOptions::from_options(&options, &Zone::UTC).map_err(read)?;
    if decode.mode == ParseMode::DropMalformed {
        return Err(Error::Analysis(
            "[PARSE_MODE_UNSUPPORTED] The function `from_json` doesn't support the DROPMALFORMED mode. Acceptable modes are PERMISSIVE and FAILFAST. SQLSTATE: 42601".into(),
        ));
    }
    let time_zone = options
        .keys()
        .any(|k| k.eq_ignore_ascii_case("timeZone"))
        .then(|| decode.time_zone.clone());
    let spec = FromJson {
        fields,
        fail_fast: decode.mode == ParseMode::FailFast,
        corrupt_column: decode.corrupt_column,
        time_zone,
        parse,
    };
    // The decoder's own checks of the schema (types it reads, a STRING corrupt column).
    parse(&StringArray::from(Vec::<&str>::new()), &spec, &Zone::UTC)
        .map_err(|e| Error::Analysis(e.to_string()))?;
    Ok(Expr::FromJson(Box::new(e), Arc::new(spec)))
}

/// `get_json_object(e, path)`: the value at the JSON path (`$`, `.name`, `['name']`,
/// `[index]`) in the string `e`: a string as its text, anything else as compact JSON; NULL
/// where the path finds nothing or `null`, or the text is not JSON. Paths with wildcards
/// (`[*]`, `.*`) are refused: spate does not implement them.
pub fn get_json_object(e: Expr, path: &str) -> Result<Expr> {
    if !json_path_supported(path) {
        return Err(Error::Analysis(format!(
            "[UNSUPPORTED_FEATURE] spate does not support the wildcards of the JSON path {path}"
        )));
    }
    let path = JsonPath {
        path: path.to_string(),
        find: json_path_values,
    };
    Ok(Expr::GetJsonObject(Box::new(e), path))
}

/// `to_json(e)`: the struct or array `e` as Spark's JSON text (NULL fields left out,
/// timestamps in the session time zone); NULL for NULL.
pub fn to_json(e: Expr) -> Expr {
    Expr::ToJson(Box::new(e), ToJson(write))
}

/// Writes `values` with the JSON writer of the file sinks.
fn write(values: &arrow::array::ArrayRef, zone: &Zone) -> std::result::Result<StringArray, String> {
    to_json_values(values, zone).map_err(|e| e.to_string())
}

/// Parses `texts` into `spec`'s struct with the JSON decoder of the file sources.
fn parse(
    texts: &StringArray,
    spec: &FromJson,
    zone: &Zone,
) -> std::result::Result<StructArray, ExprError> {
    let failed = |e: String| ExprError::Arrow(ArrowError::ComputeError(e));
    let schema = Arc::new(Schema::new(spec.fields.clone()));
    let options = DecodeOptions {
        corrupt_column: spec.corrupt_column.clone(),
        time_zone: spec.time_zone.clone().unwrap_or_else(|| zone.clone()),
        ..DecodeOptions::default()
    };
    let values = parse_json_values(texts, &schema, &options).map_err(|e| failed(e.to_string()))?;
    if let (true, Some(row)) = (spec.fail_fast, values.first_malformed) {
        return Err(ExprError::MalformedRecord(malformed(
            &values.batch,
            row,
            texts.value(row),
        )));
    }
    Ok(StructArray::try_new(
        spec.fields.clone(),
        values.batch.columns().to_vec(),
        Some(values.valid),
    )?)
}

/// Spark's FAILFAST error for the malformed record `text` at `row`: a root array as its
/// text, another record with the values it got as Spark prints its row (`[null,y]`:
/// timestamps and dates as their numbers).
fn malformed(batch: &RecordBatch, row: usize, text: &str) -> String {
    let prefix = "Malformed records are detected in record parsing";
    if text.trim_start().starts_with('[') {
        return format!(
            "[MALFORMED_RECORD_IN_PARSING.CANNOT_PARSE_JSON_ARRAYS_AS_STRUCTS] {prefix}: {text}."
        );
    }
    let values: Vec<String> = batch
        .columns()
        .iter()
        .map(|column| {
            if column.is_null(row) {
                return "null".to_string();
            }
            let column = match column.data_type() {
                DataType::Timestamp(..) | DataType::Date32 => {
                    cast(column, &DataType::Int64).unwrap_or_else(|_| column.clone())
                }
                _ => column.clone(),
            };
            match column.data_type() {
                DataType::Utf8 => column.as_string::<i32>().value(row).to_string(),
                _ => ArrayFormatter::try_new(column.as_ref(), &Default::default())
                    .map(|f| f.value(row).to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    format!(
        "[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] {prefix}: [{}].",
        values.join(",")
    )
}
