//! Spark's schema vocabulary (`StructType`, `StructField`, `IntegerType()` …) over Arrow
//! types, DDL strings (`"id INT, name STRING"`), and `printSchema` text.
#![allow(non_snake_case)]

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use spate_runtime::{types::timestamp_type, Error, Result};
use std::sync::Arc;

/// Spark's `IntegerType` (Arrow Int32).
pub fn IntegerType() -> DataType {
    DataType::Int32
}
/// Spark's `LongType` (Arrow Int64).
pub fn LongType() -> DataType {
    DataType::Int64
}
/// Spark's `DoubleType` (Arrow Float64).
pub fn DoubleType() -> DataType {
    DataType::Float64
}
/// Spark's `StringType` (Arrow Utf8).
pub fn StringType() -> DataType {
    DataType::Utf8
}
/// Spark's `BooleanType`.
pub fn BooleanType() -> DataType {
    DataType::Boolean
}
/// Spark's `TimestampType` (µs since the epoch, UTC).
pub fn TimestampType() -> DataType {
    timestamp_type()
}
/// Spark's `DateType` (Arrow Date32).
pub fn DateType() -> DataType {
    DataType::Date32
}

/// Spark's `StructField(name, dataType, nullable)`.
#[derive(Debug, Clone)]
pub struct StructField(Field);

impl StructField {
    /// A field.
    pub fn new(name: &str, data_type: DataType, nullable: bool) -> Self {
        StructField(Field::new(name, data_type, nullable))
    }
}

/// Spark's `StructType([...])`: a schema.
#[derive(Debug, Clone)]
pub struct StructType(Vec<StructField>);

impl StructType {
    /// A schema of these fields.
    pub fn new(fields: impl IntoIterator<Item = StructField>) -> Self {
        StructType(fields.into_iter().collect())
    }
}

/// Anything that describes a schema: a [`StructType`], an Arrow schema, or a DDL string.
pub trait IntoSchema {
    /// The Arrow schema.
    fn into_schema(self) -> Result<SchemaRef>;
}

impl IntoSchema for StructType {
    fn into_schema(self) -> Result<SchemaRef> {
        Ok(Arc::new(Schema::new(
            self.0.into_iter().map(|f| f.0).collect::<Vec<_>>(),
        )))
    }
}

impl IntoSchema for SchemaRef {
    fn into_schema(self) -> Result<SchemaRef> {
        Ok(self)
    }
}

impl IntoSchema for Schema {
    fn into_schema(self) -> Result<SchemaRef> {
        Ok(Arc::new(self))
    }
}

impl IntoSchema for &str {
    fn into_schema(self) -> Result<SchemaRef> {
        parse_ddl(self)
    }
}

pub use crate::ddl::parse_ddl;

/// The Arrow type of a Spark SQL type name (`int`, `bigint`, `string`, `timestamp`, …).
pub(crate) fn ddl_type(name: &str) -> Result<DataType> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "int" | "integer" => DataType::Int32,
        "bigint" | "long" => DataType::Int64,
        "smallint" | "short" => DataType::Int16,
        "tinyint" | "byte" => DataType::Int8,
        "double" => DataType::Float64,
        "float" | "real" => DataType::Float32,
        "string" => DataType::Utf8,
        "boolean" | "bool" => DataType::Boolean,
        "timestamp" => timestamp_type(),
        "date" => DataType::Date32,
        "binary" => DataType::Binary,
        other => {
            return Err(Error::IllegalArgument(format!(
                "Unsupported data type {other:?} in DDL"
            )))
        }
    })
}

/// Spark's `typeName` of a type, as `printSchema` shows it.
fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Int32 => "integer".into(),
        DataType::Int64 => "long".into(),
        DataType::Int16 => "short".into(),
        DataType::Int8 => "byte".into(),
        DataType::Struct(_) => "struct".into(),
        DataType::List(_) => "array".into(),
        other => spate_runtime::types::spark_type_name(other),
    }
}

/// Spark's `printSchema()` text (`root` and one ` |-- name: type (nullable = …)` line per field).
pub fn tree_string(schema: &Schema) -> String {
    fn write_fields(out: &mut String, fields: &arrow::datatypes::Fields, depth: usize) {
        for field in fields {
            write_line(out, field.name(), field, "nullable", depth);
        }
    }
    /// One field's line, then its children's (a struct's fields, an array's element).
    fn write_line(out: &mut String, name: &str, field: &Field, nullable: &str, depth: usize) {
        out.push_str(&" |   ".repeat(depth));
        out.push_str(&format!(
            " |-- {name}: {} ({nullable} = {})\n",
            type_name(field.data_type()),
            field.is_nullable()
        ));
        match field.data_type() {
            DataType::Struct(children) => write_fields(out, children, depth + 1),
            DataType::List(element) => {
                write_line(out, "element", element, "containsNull", depth + 1)
            }
            _ => {}
        }
    }
    let mut out = String::from("root\n");
    write_fields(&mut out, schema.fields(), 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_and_struct_type_give_the_same_schema() {
        let from_ddl =
            parse_ddl("id INT NOT NULL, name STRING, value DOUBLE, timestamp TIMESTAMP").unwrap();
        let built = StructType::new([
            StructField::new("id", IntegerType(), false),
            StructField::new("name", StringType(), true),
            StructField::new("value", DoubleType(), true),
            StructField::new("timestamp", TimestampType(), true),
        ])
        .into_schema()
        .unwrap();
        assert_eq!(from_ddl, built);
        assert!(parse_ddl("id WHATEVER").is_err());
        assert!(parse_ddl("").is_err());
    }

    #[test]
    fn print_schema_text_is_sparks() {
        let schema = parse_ddl("id INT, name STRING, value DOUBLE, n BIGINT").unwrap();
        assert_eq!(
            tree_string(&schema),
            "root\n |-- id: integer (nullable = true)\n |-- name: string (nullable = true)\n |-- value: double (nullable = true)\n |-- n: long (nullable = true)\n"
        );
        let nested = parse_ddl("l ARRAY<STRUCT<k: INT>>").unwrap();
        assert_eq!(
            tree_string(&nested),
            "root\n |-- l: array (nullable = true)\n |    |-- element: struct (containsNull = true)\n |    |    |-- k: integer (nullable = true)\n"
        );
    }
}
