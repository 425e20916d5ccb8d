//! Helpers shared by the integration tests: the session, word streams, rows as JSON values,
//! lab input files.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int32Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use arrow::record_batch::RecordBatch;
use serde_json::{json, Map, Value};
use spate::functions::{col, window};
use spate::{DataFrame, Session};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// One cell as the conformance goldens encode it.
fn cell(array: &dyn Array, row: usize) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Int32 => json!(array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => json!(array.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => {
            let v = array.as_primitive::<Float64Type>().value(row);
            if v.is_nan() {
                json!("NaN")
            } else if v.is_infinite() {
                json!(if v > 0.0 { "Infinity" } else { "-Infinity" })
            } else {
                json!(v)
            }
        }
        DataType::Boolean => json!(array.as_boolean().value(row)),
        DataType::Utf8 => json!(array.as_string::<i32>().value(row)),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            let micros = array.as_primitive::<TimestampMicrosecondType>().value(row);
            let time = chrono::DateTime::from_timestamp_micros(micros).expect("timestamp in range");
            json!(time.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        }
        DataType::Struct(fields) => {
            let array = array.as_struct();
            let mut object = Map::new();
            for (field, column) in fields.iter().zip(array.columns()) {
                object.insert(field.name().clone(), cell(column.as_ref(), row));
            }
            Value::Object(object)
        }
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(row);
            let date = chrono::DateTime::from_timestamp(i64::from(days) * 86_400, 0)
                .expect("date in range");
            json!(date.format("%Y-%m-%d").to_string())
        }
        DataType::List(_) => {
            let list = array.as_list::<i32>().value(row);
            Value::Array((0..list.len()).map(|i| cell(list.as_ref(), i)).collect())
        }
        other => panic!("no golden encoding for {other}"),
    }
}

/// The rows of `batches`, each a JSON object, sorted by their text.
pub fn rows_as_json(batches: &[RecordBatch]) -> Vec<Value> {
    let mut rows = Vec::new();
    for batch in batches {
        // A repeated column name (a join's two `event_time`s) is keyed `name#2`, `name#3`, …
        let schema = batch.schema();
        let mut names: Vec<String> = Vec::with_capacity(schema.fields().len());
        for field in schema.fields() {
            let repeats = names
                .iter()
                .filter(|n| n.split('#').next() == Some(field.name().as_str()))
                .count();
            names.push(match repeats {
                0 => field.name().clone(),
                k => format!("{}#{}", field.name(), k + 1),
            });
        }
        for row in 0..batch.num_rows() {
            let mut object = Map::new();
            for (name, column) in names.iter().zip(batch.columns()) {
                object.insert(name.clone(), cell(column.as_ref(), row));
            }
            rows.push(Value::Object(object));
        }
    }
    sort_rows(rows)
}

/// Sorts rows by their canonical JSON text.
pub fn sort_rows(mut rows: Vec<Value>) -> Vec<Value> {
    rows.sort_by_cached_key(|row| row.to_string());
    rows
}

/// Writes `contents` to `path` whole, as a file source expects a file to appear: written
/// beside its folder, then renamed into it (a running query lists the folder at any moment).
pub fn place_file(path: &Path, contents: impl AsRef<[u8]>) {
    let name = path.file_name().expect("a file name");
    let folder = path.parent().expect("a folder");
    let aside = folder.with_file_name(format!(
        ".{}-{}",
        folder
            .file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default(),
        name.to_string_lossy()
    ));
    std::fs::write(&aside, contents).expect("write");
    std::fs::rename(&aside, path).expect("place");
}

/// Sets a file's modification time to `ms` since the epoch.
pub fn set_mtime(path: &Path, ms: u64) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_millis(ms)))
        .expect("set mtime");
}

/// JSON with the order of object keys kept (serde_json's `Value` sorts them).
#[derive(Debug, Clone, PartialEq)]
pub enum Ordered {
    /// An object: its keys in order.
    Object(Vec<(String, Ordered)>),
    /// An array.
    Array(Vec<Ordered>),
    /// Anything else.
    Scalar(Value),
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(json!(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(json!(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(json!(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(json!(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(json!(v)))
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar(Value::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry()? {
                    entries.push((key, value));
                }
                Ok(Ordered::Object(entries))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Ordered {
    /// The keys of an object, in order (empty for anything else).
    pub fn keys(&self) -> Vec<&str> {
        match self {
            Ordered::Object(entries) => entries.iter().map(|(k, _)| k.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// The value under `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Ordered::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Element `i` of an array.
    pub fn at(&self, i: usize) -> Option<&Ordered> {
        match self {
            Ordered::Array(items) => items.get(i),
            _ => None,
        }
    }

    /// The plain JSON value.
    pub fn value(&self) -> Value {
        match self {
            Ordered::Scalar(v) => v.clone(),
            Ordered::Array(items) => Value::Array(items.iter().map(Ordered::value).collect()),
            Ordered::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value()))
                    .collect(),
            ),
        }
    }
}

/// A session as the tests run it: two cores, and UTC as the session time zone (the
/// goldens' Spark ran in UTC).
pub fn session() -> Session {
    Session::builder()
        .master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .get_or_create()
        .expect("session")
}

/// The `(event_time TIMESTAMP, word STRING)` JSON rows under `path`, with a 10-minute
/// watermark.
pub fn timed_words(spark: &Session, path: &Path) -> DataFrame {
    spark
        .read_stream()
        .format("json")
        .schema("event_time TIMESTAMP, word STRING")
        .load(path)
        .and_then(|df| df.with_watermark("event_time", "10 minutes"))
        .expect("timed words")
}

/// The count of each word per `duration` window of [`timed_words`].
pub fn windowed_word_counts(spark: &Session, path: &Path, duration: &str) -> DataFrame {
    timed_words(spark, path)
        .group_by([window(col("event_time"), duration), col("word")])
        .count()
        .expect("word counts")
}
