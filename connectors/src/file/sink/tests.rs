//! Tests of the file sink. Expected texts marked "Spark 4.3" were produced by PySpark 4.3.0
//! (Java 17, `local[1]`, session time zone UTC unless stated) writing the same rows with
//! `writeStream.format(...)` and `trigger(availableNow=True)`.

use super::*;
use arrow::array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float32Array,
    Float64Array, Int16Array, Int32Array, Int64Array, Int8Array, ListArray, MapArray, StringArray,
    StructArray, TimestampMicrosecondArray,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Fields, Int32Type, TimeUnit};
use spate_runtime::text::zone::Zone;
use std::io::BufReader;

const MICROS: i64 = 1_000_000;
/// 2024-01-01T10:00:00Z
const T0: i64 = 1_704_103_200 * MICROS;
/// 2024-06-01T00:00:00Z
const T1: i64 = 1_717_200_000 * MICROS;
/// 2024-03-05T01:02:03.456789Z
const T2: i64 = 1_709_600_523_456_789;

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn opts(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sink(format: OutputFormat, dir: &Path, options: &[(&str, &str)]) -> FileSink {
    FileSink::new(format, dir, &opts(options), &Zone::UTC).unwrap()
}

/// The data files in `dir` (not the log), by name.
fn part_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn only_part_text(dir: &Path) -> String {
    let files = part_files(dir);
    assert_eq!(files.len(), 1, "{files:?}");
    fs::read_to_string(&files[0]).unwrap()
}

/// The rows of SEMANTICS-style checks: id, n, v, ts, s.
fn sample_batches() -> Vec<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("n", DataType::Int32, true),
        Field::new("v", DataType::Float64, true),
        Field::new("ts", ts_type(), true),
        Field::new("s", DataType::Utf8, true),
    ]));
    let batch = |ids: Vec<Option<&str>>,
                 ns: Vec<Option<i32>>,
                 vs: Vec<Option<f64>>,
                 ts: Vec<Option<i64>>,
                 ss: Vec<&str>| {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(ids)) as ArrayRef,
                Arc::new(Int32Array::from(ns)),
                Arc::new(Float64Array::from(vs)),
                Arc::new(TimestampMicrosecondArray::from(ts).with_timezone("UTC")),
                Arc::new(StringArray::from(ss)),
            ],
        )
        .unwrap()
    };
    vec![
        batch(
            vec![Some("a"), Some("b"), None, Some("d")],
            vec![Some(1), None, Some(3), Some(4)],
            vec![Some(400.0), Some(1e7), None, Some(0.1)],
            vec![Some(T0), Some(T0 + 123_456), None, Some(T0 + 1_500_000)],
            vec!["plain", "has,comma", "q\"uote", "new\nline"],
        ),
        batch(
            vec![Some("e"), Some("f"), Some("g"), Some("h")],
            vec![Some(5), Some(6), Some(7), Some(8)],
            vec![
                Some(-0.0),
                Some(f64::NAN),
                Some(1.5e-5),
                Some(123456789.125),
            ],
            vec![Some(-1_000), Some(T1), Some(T1), Some(T1)],
            vec!["", " lead space", "back\\slash", "tab\there"],
        ),
    ]
}

fn write_epoch(sink: &mut FileSink, epoch: u64, batches: &[RecordBatch]) -> SinkCommit {
    for b in batches {
        sink.write(epoch, b.clone()).unwrap();
    }
    sink.commit(epoch).unwrap()
}

#[test]
fn output_format_names() {
    assert_eq!("JSON".parse::<OutputFormat>().unwrap(), OutputFormat::Json);
    assert_eq!(
        "Parquet".parse::<OutputFormat>().unwrap(),
        OutputFormat::Parquet
    );
    assert_eq!("csv".parse::<OutputFormat>().unwrap(), OutputFormat::Csv);
    let err = "orc".parse::<OutputFormat>().unwrap_err();
    assert!(err.to_string().contains("'orc'"), "{err}");
    assert_eq!(OutputFormat::Json.to_string(), "json");
}

#[test]
fn description_is_spark_text() {
    // Spark 4.3: start("/tmp/fs5/w/o ut%é/./x/../y/") → `FileSink[file:/tmp/fs5/w/o ut%é/y]`.
    let tmp = tempfile::tempdir().unwrap();
    let messy = tmp.path().join("o ut%é/./x/../y/");
    let s = sink(OutputFormat::Json, &messy, &[]);
    let clean = tmp.path().join("o ut%é/y");
    assert_eq!(
        s.description(),
        format!("FileSink[file:{}]", clean.display())
    );
    assert!(clean.join(METADATA_DIR).is_dir());
    assert_eq!(s.path(), clean.as_path());
}

#[test]
fn json_matches_spark() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Json, tmp.path(), &[]);
    let commit = write_epoch(&mut s, 0, &sample_batches());
    assert_eq!(commit.num_output_rows, -1);
    // Spark 4.3 output for the same eight rows.
    let expected = r#"{"id":"a","n":1,"v":400.0,"ts":"2024-01-01T10:00:00.000Z","s":"plain"}
{"id":"b","v":1.0E7,"ts":"2024-01-01T10:00:00.123Z","s":"has,comma"}
{"n":3,"s":"q\"uote"}
{"id":"d","n":4,"v":0.1,"ts":"2024-01-01T10:00:01.500Z","s":"new\nline"}
{"id":"e","n":5,"v":-0.0,"ts":"1969-12-31T23:59:59.999Z","s":""}
{"id":"f","n":6,"v":"NaN","ts":"2024-06-01T00:00:00.000Z","s":" lead space"}
{"id":"g","n":7,"v":1.5E-5,"ts":"2024-06-01T00:00:00.000Z","s":"back\\slash"}
{"id":"h","n":8,"v":1.23456789125E8,"ts":"2024-06-01T00:00:00.000Z","s":"tab\there"}
"#;
    assert_eq!(only_part_text(tmp.path()), expected);
    let name = part_files(tmp.path())[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("part-00000-") && name.ends_with("-c000.json"),
        "{name}"
    );
    assert_eq!(name.len(), "part-00000-".len() + 36 + "-c000.json".len());
}

#[test]
fn csv_matches_spark() {
    // Spark 4.3 output for the same rows, without and with `header`.
    let rows = r#"a,1,400.0,2024-01-01T10:00:00.000Z,plain
b,,1.0E7,2024-01-01T10:00:00.123Z,"has,comma"
,3,,,"q\"uote"
d,4,0.1,2024-01-01T10:00:01.500Z,"new
line"
e,5,-0.0,1969-12-31T23:59:59.999Z,""
f,6,NaN,2024-06-01T00:00:00.000Z,lead space
g,7,1.5E-5,2024-06-01T00:00:00.000Z,back\slash
h,8,1.23456789125E8,2024-06-01T00:00:00.000Z,tab	here
"#;
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Csv, tmp.path(), &[]);
    write_epoch(&mut s, 0, &sample_batches());
    assert_eq!(only_part_text(tmp.path()), rows);
    assert!(part_files(tmp.path())[0]
        .to_string_lossy()
        .ends_with("-c000.csv"));

    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Csv, tmp.path(), &[("header", "true")]);
    write_epoch(&mut s, 0, &sample_batches());
    assert_eq!(only_part_text(tmp.path()), format!("id,n,v,ts,s\n{rows}"));
}

fn strings_batch(values: &[Option<&str>]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("i", DataType::Int32, true),
        Field::new("s", DataType::Utf8, true),
    ]));
    let ids: Vec<Option<i32>> = values
        .iter()
        .enumerate()
        .map(|(i, v)| v.map(|_| i as i32))
        .collect();
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int32Array::from(ids)),
            Arc::new(StringArray::from(values.to_vec())),
        ],
    )
    .unwrap()
}

fn csv_of(batch: &RecordBatch, options: &[(&str, &str)]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Csv, tmp.path(), options);
    write_epoch(&mut s, 0, std::slice::from_ref(batch));
    only_part_text(tmp.path())
}

#[test]
fn csv_quoting_and_trimming_match_spark() {
    // Spark 4.3, default options: column s of each row.
    let cases: &[(&str, &str)] = &[
        (" lead", "lead"),
        ("trail ", "trail"),
        ("  ", "\"\""),
        ("\tleadtab", "leadtab"),
        ("a\\\"b", "\"a\\\\\\\"b\""),
        ("ab\\", "ab\\"),
        ("cr\rx", "\"cr\rx\""),
        ("#hash", "#hash"),
        ("\"", "\"\\\"\""),
        ("'single'", "'single'"),
        ("x;y", "x;y"),
        ("é ü \u{2028} \u{1} \u{7f}", "é ü \u{2028} \u{1} \u{7f}"),
        ("semi,\"both\"", "\"semi,\\\"both\\\"\""),
        ("\\", "\\"),
        ("a\\b\"", "\"a\\\\b\\\"\""),
        ("\"start", "\"\\\"start\""),
        ("end\"", "\"end\\\"\""),
        (" a,b ", "\"a,b\""),
        ("a\nb ", "\"a\nb\""),
        ("\u{1}x\u{1}", "x"),
        ("in\tside,", "\"in\tside,\""),
        ("x\u{1f}y", "x\u{1f}y"),
        ("q\"  ", "\"q\\\"\""),
        ("", "\"\""),
        ("tab\t", "tab"),
        ("a\\nb", "a\\nb"),
        ("mid  dle", "mid  dle"),
    ];
    for (input, expected) in cases {
        let batch = strings_batch(&[Some(input)]);
        assert_eq!(
            csv_of(&batch, &[]),
            format!("0,{expected}\n"),
            "input {input:?}"
        );
    }
}

#[test]
fn csv_options_match_spark() {
    let batch = strings_batch(&[
        Some("q\"x"),
        None,
        Some(""),
        Some(" "),
        Some("a,b"),
        Some("a\\b"),
    ]);
    // ids are 0, NULL, 2, 3, 4, 5 here (Spark's run used 1, NULL, 3, 4, 5, 6).
    let check = |options: &[(&str, &str)], expected: &str| {
        assert_eq!(csv_of(&batch, options), expected, "{options:?}");
    };
    check(&[], "0,\"q\\\"x\"\n,\n2,\"\"\n3,\"\"\n4,\"a,b\"\n5,a\\b\n");
    check(
        &[("quoteAll", "true")],
        "\"0\",\"q\\\"x\"\n\"\",\"\"\n\"2\",\"\"\n\"3\",\"\"\n\"4\",\"a,b\"\n\"5\",\"a\\\\b\"\n",
    );
    check(
        &[("escapeQuotes", "false")],
        "0,q\"x\n,\n2,\"\"\n3,\"\"\n4,\"a,b\"\n5,a\\b\n",
    );
    check(
        &[("nullValue", "NULL"), ("emptyValue", "EMPTY")],
        "0,\"q\\\"x\"\nNULL,NULL\n2,EMPTY\n3,EMPTY\n4,\"a,b\"\n5,a\\b\n",
    );
    check(
        &[("sep", ";"), ("quote", "'"), ("escape", "\"")],
        "0;q\"x\n;\n2;\"\"\n3;\"\"\n4;a,b\n5;a\\b\n",
    );
    check(
        &[("quote", "")],
        "0,q\"x\n,\n2,\"\"\n3,\"\"\n4,\u{0}a,b\u{0}\n5,a\\b\n",
    );
    check(
        &[
            ("ignoreLeadingWhiteSpace", "false"),
            ("ignoreTrailingWhiteSpace", "false"),
        ],
        "0,\"q\\\"x\"\n,\n2,\"\"\n3, \n4,\"a,b\"\n5,a\\b\n",
    );
    check(
        &[("lineSep", "\r\n")],
        "0,\"q\\\"x\"\r\n,\r\n2,\"\"\r\n3,\"\"\r\n4,\"a,b\"\r\n5,a\\b\r\n",
    );
    // A single column whose row renders empty is skipped (Spark 4.3: 5 lines for 6 rows).
    let single = batch.project(&[1]).unwrap();
    assert_eq!(
        csv_of(&single, &[]),
        "\"q\\\"x\"\n\"\"\n\"\"\n\"a,b\"\na\\b\n"
    );
}

#[test]
fn csv_header_names_are_quoted_like_values() {
    // Spark 4.3: columns `a,b`, ` sp`, `q"` → header `"a,b",sp,"q\""`.
    let schema = Arc::new(Schema::new(vec![
        Field::new("a,b", DataType::Int32, true),
        Field::new(" sp", DataType::Int32, true),
        Field::new("q\"", DataType::Int32, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int32Array::from(vec![0])) as ArrayRef,
            Arc::new(Int32Array::from(vec![1])),
            Arc::new(Int32Array::from(vec![2])),
        ],
    )
    .unwrap();
    assert_eq!(
        csv_of(&batch, &[("header", "true")]),
        "\"a,b\",sp,\"q\\\"\"\n0,1,2\n"
    );
}

fn window_batch() -> RecordBatch {
    let window_fields = Fields::from(vec![
        Field::new("start", ts_type(), true),
        Field::new("end", ts_type(), true),
    ]);
    let start = TimestampMicrosecondArray::from(vec![Some(T0), Some(T0 + 123_456), None])
        .with_timezone("UTC");
    let end = TimestampMicrosecondArray::from(vec![Some(T0), Some(T0 + 123_456), None])
        .with_timezone("UTC");
    let window = StructArray::new(
        window_fields,
        vec![Arc::new(start) as ArrayRef, Arc::new(end)],
        None,
    );
    let schema = Arc::new(Schema::new(vec![
        Field::new("window", window.data_type().clone(), true),
        Field::new("id", DataType::Utf8, true),
        Field::new("n", DataType::Int32, true),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(window) as ArrayRef,
            Arc::new(StringArray::from(vec![Some("a"), Some("b"), None])),
            Arc::new(Int32Array::from(vec![Some(1), None, Some(3)])),
        ],
    )
    .unwrap()
}

#[test]
fn json_structs_match_spark() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Json, tmp.path(), &[]);
    write_epoch(&mut s, 0, &[window_batch()]);
    // Spark 4.3, `struct(ts AS start, ts AS end) AS window, id, n`.
    assert_eq!(
        only_part_text(tmp.path()),
        r#"{"window":{"start":"2024-01-01T10:00:00.000Z","end":"2024-01-01T10:00:00.000Z"},"id":"a","n":1}
{"window":{"start":"2024-01-01T10:00:00.123Z","end":"2024-01-01T10:00:00.123Z"},"id":"b"}
{"window":{},"n":3}
"#
    );
}

#[test]
fn csv_rejects_structs_with_spark_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Csv, tmp.path(), &[]);
    let err = s.write(0, window_batch()).unwrap_err();
    // Spark 4.3 (message without the trailing ` SQLSTATE: 0A000`).
    assert_eq!(
        err.to_string(),
        "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `window` of the type \"STRUCT<start: TIMESTAMP, end: TIMESTAMP>\"."
    );
    assert!(matches!(err, Error::Analysis(_)));
    // Nothing was written and nothing committed.
    assert!(part_files(tmp.path()).is_empty());
    assert_eq!(s.log().latest_batch_id().unwrap(), None);
    // The failed epoch cannot be committed as if it had no rows.
    assert!(s.commit(0).is_err());
    assert!(part_files(tmp.path()).is_empty());
    assert_eq!(s.log().latest_batch_id().unwrap(), None);
    // Arrays fail the same way (Spark 4.3: `arr` of the type "ARRAY<INT>").
    let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1)])]);
    let schema = Arc::new(Schema::new(vec![Field::new(
        "arr",
        list.data_type().clone(),
        true,
    )]));
    let batch = RecordBatch::try_new(schema, vec![Arc::new(list) as ArrayRef]).unwrap();
    let err = s.write(1, batch).unwrap_err();
    assert!(err
        .to_string()
        .ends_with("the column `arr` of the type \"ARRAY<INT>\"."));
}

#[test]
fn json_types_match_spark() {
    let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), None])]);
    let keys = StringArray::from(vec!["k", "z"]);
    let values = Float64Array::from(vec![Some(1.5), None]);
    let map = MapArray::try_new(
        Arc::new(Field::new(
            "entries",
            DataType::Struct(Fields::from(vec![
                Field::new("key", DataType::Utf8, false),
                Field::new("value", DataType::Float64, true),
            ])),
            false,
        )),
        OffsetBuffer::new(vec![0, 2].into()),
        StructArray::new(
            Fields::from(vec![
                Field::new("key", DataType::Utf8, false),
                Field::new("value", DataType::Float64, true),
            ]),
            vec![Arc::new(keys) as ArrayRef, Arc::new(values)],
            None,
        ),
        None,
        false,
    )
    .unwrap();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("b", Arc::new(BooleanArray::from(vec![true]))),
        ("fl", Arc::new(Float32Array::from(vec![1.1f32]))),
        ("l", Arc::new(Int64Array::from(vec![10_000_000_000i64]))),
        (
            "dec",
            Arc::new(
                Decimal128Array::from(vec![123_450i128])
                    .with_precision_and_scale(10, 3)
                    .unwrap(),
            ),
        ),
        (
            "dec2",
            Arc::new(
                Decimal128Array::from(vec![100i128])
                    .with_precision_and_scale(12, 9)
                    .unwrap(),
            ),
        ),
        ("d", Arc::new(Date32Array::from(vec![19_787]))),
        (
            "ts",
            Arc::new(TimestampMicrosecondArray::from(vec![T2]).with_timezone("UTC")),
        ),
        ("ntz", Arc::new(TimestampMicrosecondArray::from(vec![T2]))),
        ("inf", Arc::new(Float64Array::from(vec![f64::INFINITY]))),
        (
            "ninf",
            Arc::new(Float64Array::from(vec![f64::NEG_INFINITY])),
        ),
        ("tiny", Arc::new(Float64Array::from(vec![5e-324]))),
        ("by", Arc::new(Int8Array::from(vec![-1i8]))),
        ("sh", Arc::new(Int16Array::from(vec![-2i16]))),
        ("bin", Arc::new(BinaryArray::from(vec![&[1u8, 2, 255][..]]))),
        ("arr", Arc::new(list)),
        ("m", Arc::new(map)),
        ("ctl", Arc::new(StringArray::from(vec!["x\u{1f}y\u{1}"]))),
    ];
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch =
        RecordBatch::try_new(schema, columns.into_iter().map(|(_, a)| a).collect()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Json, tmp.path(), &[]);
    write_epoch(&mut s, 0, &[batch]);
    // Field texts from Spark 4.3 (same values in several queries); map NULL values are kept.
    assert_eq!(
        only_part_text(tmp.path()),
        concat!(
            r#"{"b":true,"fl":1.1,"l":10000000000,"dec":123.450,"dec2":1.00E-7,"d":"2024-03-05","#,
            r#""ts":"2024-03-05T01:02:03.456Z","ntz":"2024-03-05T01:02:03.456","inf":"Infinity","#,
            r#""ninf":"-Infinity","tiny":4.9E-324,"by":-1,"sh":-2,"bin":"AQL/","arr":[1,null],"#,
            r#""m":{"k":1.5,"z":null},"ctl":"x\u001Fy\u0001"}"#,
            "\n"
        )
    );
}

#[test]
fn json_options_match_spark() {
    let batch = strings_batch(&[Some("q\"x"), None]);
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(
        OutputFormat::Json,
        tmp.path(),
        &[("ignoreNullFields", "false")],
    );
    write_epoch(&mut s, 0, &[batch]);
    // Spark 4.3: `{"i":null,"s":null}`.
    assert_eq!(
        only_part_text(tmp.path()),
        "{\"i\":0,\"s\":\"q\\\"x\"}\n{\"i\":null,\"s\":null}\n"
    );

    let schema = Arc::new(Schema::new(vec![Field::new("t", ts_type(), true)]));
    let ts = TimestampMicrosecondArray::from(vec![T2]).with_timezone("UTC");
    let batch = RecordBatch::try_new(schema, vec![Arc::new(ts) as ArrayRef]).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(
        OutputFormat::Json,
        tmp.path(),
        &[("timestampFormat", "yyyy-MM-dd HH:mm:ss")],
    );
    write_epoch(&mut s, 0, std::slice::from_ref(&batch));
    assert_eq!(
        only_part_text(tmp.path()),
        "{\"t\":\"2024-03-05 01:02:03\"}\n"
    );

    // Session time zone +05:30 (Spark 4.3: "2024-03-05T01:02:03.456+05:30" for the local
    // time 01:02:03.456789).
    let tmp = tempfile::tempdir().unwrap();
    let shifted = TimestampMicrosecondArray::from(vec![T2 - 19_800 * MICROS]).with_timezone("UTC");
    let batch = RecordBatch::try_new(batch.schema(), vec![Arc::new(shifted) as ArrayRef]).unwrap();
    let mut s = FileSink::new(
        OutputFormat::Json,
        tmp.path(),
        &HashMap::new(),
        &Zone::Fixed(19_800),
    )
    .unwrap();
    write_epoch(&mut s, 0, &[batch]);
    assert_eq!(
        only_part_text(tmp.path()),
        "{\"t\":\"2024-03-05T01:02:03.456+05:30\"}\n"
    );
}

#[test]
fn region_session_time_zone_prints_the_offset_of_each_instant() {
    // Spark 4.3, session time zone America/Los_Angeles: instants either side of the
    // 2024-03-10 spring-forward (10:00Z) and the two 01:30s of 2024-11-03 (08:30Z, 09:30Z),
    // written by the JSON and CSV writers.
    let la = spate_runtime::testing::region_zone("America/Los_Angeles");
    let schema = Arc::new(Schema::new(vec![Field::new("ts", ts_type(), true)]));
    let instants = [1_710_064_799, 1_710_064_800, 1_730_622_600, 1_730_626_200].map(|s| s * MICROS);
    let ts = TimestampMicrosecondArray::from(instants.to_vec()).with_timezone("UTC");
    let batch = RecordBatch::try_new(schema, vec![Arc::new(ts) as ArrayRef]).unwrap();
    let check = |options: &[(&str, &str)], texts: [&str; 4]| {
        for format in [OutputFormat::Json, OutputFormat::Csv] {
            let tmp = tempfile::tempdir().unwrap();
            let mut s = FileSink::new(format, tmp.path(), &opts(options), &la).unwrap();
            write_epoch(&mut s, 0, std::slice::from_ref(&batch));
            let want: String = texts
                .iter()
                .map(|t| match format {
                    OutputFormat::Json => format!("{{\"ts\":\"{t}\"}}\n"),
                    _ => format!("{t}\n"),
                })
                .collect();
            assert_eq!(only_part_text(tmp.path()), want, "{format:?} {options:?}");
        }
    };
    check(
        &[],
        [
            "2024-03-10T01:59:59.000-08:00",
            "2024-03-10T03:00:00.000-07:00",
            "2024-11-03T01:30:00.000-07:00",
            "2024-11-03T01:30:00.000-08:00",
        ],
    );
    check(
        &[("timestampFormat", "yyyy-MM-dd HH:mm:ss Z xxx O")],
        [
            "2024-03-10 01:59:59 -0800 -08:00 GMT-8",
            "2024-03-10 03:00:00 -0700 -07:00 GMT-7",
            "2024-11-03 01:30:00 -0700 -07:00 GMT-7",
            "2024-11-03 01:30:00 -0800 -08:00 GMT-8",
        ],
    );
    check(
        &[("timeZone", "Europe/Paris")],
        [
            "2024-03-10T10:59:59.000+01:00",
            "2024-03-10T11:00:00.000+01:00",
            "2024-11-03T09:30:00.000+01:00",
            "2024-11-03T10:30:00.000+01:00",
        ],
    );
}

#[test]
fn json_reads_back_to_the_same_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Json, tmp.path(), &[]);
    // NaN is written as the string "NaN", which arrow's reader does not take as a double.
    let batches: Vec<RecordBatch> = sample_batches()
        .into_iter()
        .map(|b| {
            let v = arrow::compute::kernels::nullif::nullif(
                b.column(2),
                &arrow::compute::kernels::cmp::neq(b.column(2), b.column(2)).unwrap(),
            )
            .unwrap();
            let mut cols = b.columns().to_vec();
            cols[2] = v;
            RecordBatch::try_new(b.schema(), cols).unwrap()
        })
        .collect();
    write_epoch(&mut s, 0, &batches);
    let files = s.log().all_files().unwrap();
    assert_eq!(files.len(), 1);
    let path = files[0].local_path().unwrap();
    // arrow's reader (without chrono-tz) wants an offset as the zone; "+00:00" is UTC.
    let mut fields: Vec<Field> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[3] = Field::new(
        "ts",
        DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
        true,
    );
    let read_schema = Arc::new(Schema::new(fields));
    let reader = arrow::json::ReaderBuilder::new(read_schema.clone())
        .build(BufReader::new(File::open(path).unwrap()))
        .unwrap();
    let read: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
    let read = arrow::compute::concat_batches(&read_schema, &read).unwrap();
    let mut read_columns = read.columns().to_vec();
    read_columns[3] = arrow::compute::cast(&read_columns[3], &ts_type()).unwrap();
    let read = RecordBatch::try_new(batches[0].schema(), read_columns).unwrap();
    let written = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    // Timestamps are written with millisecond precision (Spark's default pattern).
    let expected_ts = TimestampMicrosecondArray::from(vec![
        Some(T0),
        Some(T0 + 123_000),
        None,
        Some(T0 + 1_500_000),
        Some(-1_000),
        Some(T1),
        Some(T1),
        Some(T1),
    ])
    .with_timezone("UTC");
    let mut cols = written.columns().to_vec();
    cols[3] = Arc::new(expected_ts);
    let expected = RecordBatch::try_new(written.schema(), cols).unwrap();
    assert_eq!(read, expected);
}

#[test]
fn log_entry_describes_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Json, tmp.path(), &[]);
    write_epoch(&mut s, 0, &sample_batches());
    let text = fs::read_to_string(tmp.path().join(METADATA_DIR).join("0")).unwrap();
    let (version, line) = text.split_once('\n').unwrap();
    assert_eq!(version, "v1");
    assert!(!line.contains('\n'));
    let entry: SinkFileStatus = serde_json::from_str(line).unwrap();
    let file = &part_files(tmp.path())[0];
    let meta = fs::metadata(file).unwrap();
    assert_eq!(entry.path, format!("file://{}", file.display()));
    assert_eq!(entry.size as u64, meta.len());
    assert!(!entry.is_dir);
    assert_eq!(entry.block_replication, 1);
    assert_eq!(entry.block_size, 33_554_432);
    assert_eq!(entry.action, "add");
    let mtime = meta
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert_eq!(entry.modification_time, mtime);
    assert!(line.starts_with(r#"{"path":"file:///"#));
    // Spark's field order: path, size, isDir, modificationTime, blockReplication, …
    assert_eq!(serde_json::to_string(&entry).unwrap(), line);
    assert!(line.ends_with(r#","blockReplication":1,"blockSize":33554432,"action":"add"}"#));
}

#[test]
fn empty_epochs_write_empty_files_like_spark() {
    // Spark 4.3: an epoch whose rows were all filtered out writes a 0-byte .json, a 0-byte
    // .csv, a .csv with only the header when header=true, and a schema-only parquet file,
    // each recorded in the log.
    let schema = sample_batches()[0].schema();
    let empty = RecordBatch::new_empty(schema.clone());
    for (format, options, expected) in [
        (OutputFormat::Json, vec![], Some("")),
        (OutputFormat::Csv, vec![], Some("")),
        (
            OutputFormat::Csv,
            vec![("header", "true")],
            Some("id,n,v,ts,s\n"),
        ),
        (OutputFormat::Parquet, vec![], None),
    ] {
        for with_batch in [true, false] {
            let tmp = tempfile::tempdir().unwrap();
            let mut s = sink(format, tmp.path(), &options).with_schema(schema.clone());
            if with_batch {
                s.write(0, empty.clone()).unwrap();
            }
            s.commit(0).unwrap();
            let files = part_files(tmp.path());
            assert_eq!(files.len(), 1);
            let logged = s.log().all_files().unwrap();
            assert_eq!(logged.len(), 1);
            assert_eq!(logged[0].local_path().unwrap(), files[0]);
            match expected {
                Some(text) => assert_eq!(fs::read_to_string(&files[0]).unwrap(), text),
                None => {
                    let reader =
                        ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                            File::open(&files[0]).unwrap(),
                        )
                        .unwrap();
                    assert_eq!(reader.schema().fields().len(), 5);
                    assert_eq!(reader.metadata().file_metadata().num_rows(), 0);
                }
            }
        }
    }
}

#[test]
fn committed_epochs_are_skipped_after_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let batches = sample_batches();
    {
        let mut s = sink(OutputFormat::Json, tmp.path(), &[]);
        assert_eq!(s.last_committed_epoch(), None);
        write_epoch(&mut s, 0, &batches[..1]);
        write_epoch(&mut s, 1, &batches[1..]);
    }
    assert_eq!(part_files(tmp.path()).len(), 2);
    let mut s = sink(OutputFormat::Json, tmp.path(), &[]);
    assert_eq!(s.last_committed_epoch(), Some(1));
    // Replays of epochs 0 and 1 are ignored: no new file, no new log entry.
    let commit = write_epoch(&mut s, 1, &batches);
    assert_eq!(commit.num_output_rows, -1);
    write_epoch(&mut s, 0, &batches);
    assert_eq!(part_files(tmp.path()).len(), 2);
    assert_eq!(s.log().all_files().unwrap().len(), 2);
    // The next epoch is written.
    write_epoch(&mut s, 2, &batches[..1]);
    assert_eq!(part_files(tmp.path()).len(), 3);
    assert_eq!(s.log().latest_batch_id().unwrap(), Some(2));
    let files = s.log().all_files().unwrap();
    assert_eq!(files.len(), 3);
    let lines: usize = files
        .iter()
        .map(|f| {
            fs::read_to_string(f.local_path().unwrap())
                .unwrap()
                .lines()
                .count()
        })
        .sum();
    assert_eq!(lines, 4 + 4 + 4);
}

#[test]
fn an_uncommitted_attempt_is_abandoned() {
    let tmp = tempfile::tempdir().unwrap();
    let batches = sample_batches();
    let mut s = sink(OutputFormat::Csv, tmp.path(), &[]);
    s.write(0, batches[0].clone()).unwrap();
    assert_eq!(part_files(tmp.path()).len(), 1);
    // The epoch is re-run from the start (e.g. after a failure upstream): the first
    // attempt's file goes away.
    s.write(1, batches[1].clone()).unwrap();
    let files = part_files(tmp.path());
    assert_eq!(files.len(), 1);
    s.commit(1).unwrap();
    assert_eq!(s.log().latest_batch_id().unwrap(), Some(1));
    let logged = s.log().get(1).unwrap().unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].local_path().unwrap(), files[0]);
    // A sink dropped mid-epoch removes its unfinished file.
    s.write(2, batches[0].clone()).unwrap();
    assert_eq!(part_files(tmp.path()).len(), 2);
    drop(s);
    assert_eq!(part_files(tmp.path()).len(), 1);
}

#[test]
fn log_compacts_every_ten_epochs() {
    // Spark 4.3 after 13 batches: `_spark_metadata` = 0 … 8, 9.compact, 10, 11, 12;
    // 9.compact lists the files of batches 0-9 in order.
    let tmp = tempfile::tempdir().unwrap();
    let batch = sample_batches()[0].slice(0, 1);
    let mut s = sink(OutputFormat::Json, tmp.path(), &[]);
    for epoch in 0..13 {
        write_epoch(&mut s, epoch, std::slice::from_ref(&batch));
    }
    let mut names: Vec<String> = fs::read_dir(tmp.path().join(METADATA_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "0",
            "1",
            "10",
            "11",
            "12",
            "2",
            "3",
            "4",
            "5",
            "6",
            "7",
            "8",
            "9.compact"
        ]
    );
    let compact = s.log().get(9).unwrap().unwrap();
    let separate: Vec<SinkFileStatus> = (0..9)
        .flat_map(|id| s.log().get(id).unwrap().unwrap())
        .collect();
    assert_eq!(&compact[..9], separate.as_slice());
    assert_eq!(compact.len(), 10);
    let all = s.log().all_files().unwrap();
    assert_eq!(all.len(), 13);
    assert_eq!(part_files(tmp.path()).len(), 13);
    for f in &all {
        assert!(f.local_path().unwrap().exists());
    }
    // A restarted sink reads the compacted log.
    let s = sink(OutputFormat::Json, tmp.path(), &[]);
    assert_eq!(s.last_committed_epoch(), Some(12));
}

#[test]
fn parquet_round_trip_and_spark_footer() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(OutputFormat::Parquet, tmp.path(), &[]);
    let batches = &sample_batches();
    write_epoch(&mut s, 0, batches);
    let files = part_files(tmp.path());
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with("-c000.snappy.parquet"), "{name}");
    let builder = ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        File::open(&files[0]).unwrap(),
    )
    .unwrap();
    let meta = builder.metadata().clone();
    let file_meta = meta.file_metadata();
    assert_eq!(
        file_meta.schema_descr().root_schema().name(),
        "spark_schema"
    );
    let kv: HashMap<String, Option<String>> = file_meta
        .key_value_metadata()
        .unwrap()
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.clone()))
        .collect();
    assert_eq!(kv["org.apache.spark.version"].as_deref(), Some("4.3.0"));
    // Same text as Spark 4.3's footer for these columns.
    assert_eq!(
        kv["org.apache.spark.sql.parquet.row.metadata"].as_deref(),
        Some(
            r#"{"type":"struct","fields":[{"name":"id","type":"string","nullable":true,"metadata":{}},{"name":"n","type":"integer","nullable":true,"metadata":{}},{"name":"v","type":"double","nullable":true,"metadata":{}},{"name":"ts","type":"timestamp","nullable":true,"metadata":{}},{"name":"s","type":"string","nullable":true,"metadata":{}}]}"#
        )
    );
    assert_eq!(
        meta.row_group(0).column(0).compression(),
        ::parquet::basic::Compression::SNAPPY
    );
    let reader = builder.build().unwrap();
    let read: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
    let read = arrow::compute::concat_batches(&read[0].schema(), &read).unwrap();
    let written = arrow::compute::concat_batches(&batches[0].schema(), batches).unwrap();
    assert_eq!(read.num_rows(), 8);
    assert_eq!(read.schema().field(3).data_type(), &ts_type());
    for i in [0, 1, 3, 4] {
        assert_eq!(
            read.column(i).as_ref(),
            written.column(i).as_ref(),
            "column {i}"
        );
    }
    let v = read
        .column(2)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert_eq!(v.value(0), 400.0);
    assert!(v.value(5).is_nan());

    // Structs (a window) are written, and `compression=none` drops the codec from the name.
    let tmp = tempfile::tempdir().unwrap();
    let mut s = sink(
        OutputFormat::Parquet,
        tmp.path(),
        &[("compression", "none")],
    );
    write_epoch(&mut s, 0, &[window_batch()]);
    let files = part_files(tmp.path());
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.ends_with("-c000.parquet") && !name.contains("snappy"),
        "{name}"
    );
    let reader = ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        File::open(&files[0]).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let read: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
    assert_eq!(read[0].num_rows(), 3);
    assert_eq!(
        read[0].column(0).as_ref(),
        window_batch().column(0).as_ref()
    );
}

#[test]
fn bad_options_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (format, options) in [
        (OutputFormat::Csv, vec![("header", "maybe")]),
        (OutputFormat::Csv, vec![("timestampFormat", "yyyy-qq")]),
        (OutputFormat::Json, vec![("compression", "gzip")]),
        (OutputFormat::Parquet, vec![("compression", "zstd")]),
        (OutputFormat::Json, vec![("retention", "soon")]),
        (OutputFormat::Json, vec![("timeZone", "Mars/Olympus")]),
    ] {
        let err = FileSink::new(format, tmp.path(), &opts(&options), &Zone::UTC).unwrap_err();
        assert!(
            matches!(err, Error::IllegalArgument(_)),
            "{options:?}: {err}"
        );
    }
}

#[test]
fn unusable_output_directory_is_an_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plain-file");
    fs::write(&file, "x").unwrap();
    let err = FileSink::new(OutputFormat::Json, &file, &HashMap::new(), &Zone::UTC).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
}

/// `_spark_metadata/9.compact` as Spark 4.3 wrote it after 13 batches (paths shortened to
/// `/o`; batch 3 had no rows, hence size 0).
const SPARK_9_COMPACT: &str = r#"v1
{"path":"file:///o/part-00000-ee4b8b29-5294-4951-855c-a7062487bfb1-c000.json","size":24,"isDir":false,"modificationTime":1795639493854,"blockReplication":1,"blockSize":33554432,"action":"add"}
{"path":"file:///o/part-00000-85245088-f73a-44cc-9491-4c31d2779bcf-c000.json","size":24,"isDir":false,"modificationTime":1795639494410,"blockReplication":1,"blockSize":33554432,"action":"add"}
{"path":"file:///o/part-00000-4501b715-defb-4fe6-9549-071494c80631-c000.json","size":24,"isDir":false,"modificationTime":1795639494774,"blockReplication":1,"blockSize":33554432,"action":"add"}
{"path":"file:///o/part-00000-7b04bee4-dfd6-47ec-ad19-4073b2a8202a-c000.json","size":0,"isDir":false,"modificationTime":1795639495138,"blockReplication":1,"blockSize":33554432,"action":"add"}
{"path":"file:///o/part-00000-82ce6546-178c-4d15-87ec-f951b78922b2-c000.json","size":24,"isDir":false,"modificationTime":1795639495450,"blockReplication":1,"blockSize":33554432,"action":"add"}
{"path":"file:///o/part-00000-4a0201af-a0c4-4562-b9bd-6bded4f2eb36-c000.json","size":24,"isDir":false,"modificationTime":1795639495726,"blockReplication":1,"blockSize":33554432,"action":"add"}
{"path":"file:///o/part-00000-296bac2e-451f-482e-b070-6880297a3912-c000.json","size":24,"isDir":false,"modificationTime":1795639495986,"blockReplication":1,"blockSize":33554432,"action":"add"}
{"path":"file:///o/part-00000-1ee5fcac-22f3-484f-9708-b3beedcfd8a7-c000.json","size":24,"isDir":false,"modificationTime":1795639496246,"blockReplication":1,"blockSize":33554432,"action":"add"}
{"path":"file:///o/part-00000-21a59056-a691-4871-836f-a5de2262a772-c000.json","size":24,"isDir":false,"modificationTime":1795639496462,"blockReplication":1,"blockSize":33554432,"action":"add"}
{"path":"file:///o/part-00000-ca239ed1-a89a-410b-ba2f-f1e685c37352-c000.json","size":24,"isDir":false,"modificationTime":1795639496690,"blockReplication":1,"blockSize":33554432,"action":"add"}"#;

#[test]
fn reads_and_continues_a_log_written_by_spark() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = tmp.path().join(METADATA_DIR);
    fs::create_dir_all(&meta).unwrap();
    fs::write(meta.join("9.compact"), SPARK_9_COMPACT).unwrap();
    for (id, size) in [(10, 25), (11, 0), (12, 25)] {
        fs::write(
            meta.join(id.to_string()),
            format!(
                r#"v1
{{"path":"file:///o/part-00000-{id}-c000.json","size":{size},"isDir":false,"modificationTime":1795639497462,"blockReplication":1,"blockSize":33554432,"action":"add"}}"#
            ),
        )
        .unwrap();
    }
    // Batches 0-8 were compacted into 9.compact; a leftover (here unreadable) file of one
    // of them is not consulted.
    fs::write(meta.join("3"), "garbage").unwrap();
    let log = SinkLog::open(&meta).unwrap();
    assert_eq!(log.compact_interval(), 10);
    assert_eq!(log.latest_batch_id().unwrap(), Some(12));
    let all = log.all_files().unwrap();
    assert_eq!(all.len(), 13);
    assert_eq!(all[3].size, 0);
    assert_eq!(
        all[0].local_path().unwrap(),
        PathBuf::from("/o/part-00000-ee4b8b29-5294-4951-855c-a7062487bfb1-c000.json")
    );
    let mut s = sink(OutputFormat::Json, tmp.path(), &[]);
    assert_eq!(s.last_committed_epoch(), Some(12));
    write_epoch(&mut s, 12, &sample_batches());
    assert!(part_files(tmp.path()).is_empty());
    write_epoch(&mut s, 13, &sample_batches());
    assert_eq!(part_files(tmp.path()).len(), 1);
    assert_eq!(log.all_files().unwrap().len(), 14);
}
