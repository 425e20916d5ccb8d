//! Spark's SQL types as Arrow types, shared by every crate of spate.

use arrow::datatypes::{DataType, Field, TimeUnit};
use std::sync::Arc;

/// Arrow type of Spark's `TimestampType` (an instant, microseconds since the epoch, UTC).
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
}

/// `field` with it and every field and element nested in it nullable (Spark's
/// `asNullable`, which readers apply to a schema they are given).
pub fn as_nullable(field: &Field) -> Field {
    let data_type = match field.data_type() {
        DataType::Struct(fields) => {
            DataType::Struct(fields.iter().map(|f| as_nullable(f)).collect())
        }
        DataType::List(element) => DataType::List(Arc::new(as_nullable(element))),
        other => other.clone(),
    };
    field.clone().with_data_type(data_type).with_nullable(true)
}

/// Spark's `simpleString` name of an Arrow type (`int`, `bigint`, `double`, `timestamp`, …).
pub fn spark_type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Binary | DataType::LargeBinary => "binary".into(),
        DataType::Date32 => "date".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp".into(),
        DataType::Timestamp(_, None) => "timestamp_ntz".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::Struct(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), spark_type_name(f.data_type())))
                .collect();
            format!("struct<{}>", inner.join(","))
        }
        DataType::List(item) => format!("array<{}>", spark_type_name(item.data_type())),
        DataType::Null => "void".into(),
        other => format!("{other}"),
    }
}
