#!/usr/bin/env python3
"""Generate conformance inputs and golden outputs by running real PySpark 4.3.

Usage (from the repository root):

    conformance/.venv/bin/python conformance/generate.py            # all cases
    conformance/.venv/bin/python conformance/generate.py CASE ...   # only these cases

For every case the script (re)writes

    conformance/cases/<name>/case.json        the query and its source settings
    conformance/cases/<name>/input/...        the input files
    conformance/cases/<name>/input2/...       the second input's files (cases with `df2` only;
                                              listed under "files2" in case.json, may be empty)
    conformance/golden/<name>.json            schema + rows per batch + error
    conformance/golden/<name>.console.txt     console sink bytes (console cases only)
    conformance/golden/<name>.show.txt        memory table `show()` text (memory cases only)
    conformance/golden/<name>.progress.json   every foreachBatch-run progress report, complete
                                              (full_progress cases only; ids, timestamps and
                                              durations are wall-clock values of that run)

Each case runs in its own Python subprocess (its own SparkSession / JVM) so that the
console sink's output can be taken from the JVM's stdout, and in fresh checkpoint
directories under a temporary directory. Everything is deterministic: inputs come from
fixed literals or fixed seeds, input mtimes are set explicitly, and no wall-clock value is
written to any golden except the `.progress.json` files (query ids, timestamps, durations,
rates, state timings/sizes and the run's temporary input path in source descriptions).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import datetime as dt
import decimal
import io
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
GOLDEN_DIR = HERE / "golden"

# 2024-01-15T10:00:00Z; input file i of a case gets mtime BASE_MTIME_MS + i * 1000.
BASE_MTIME_MS = 1705312800000

# Session settings used for every case (plus the case's own "conf").
BASE_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "2",
    # Harness-only settings, no effect on query results: no web UI, and no progress bar
    # (it would be drawn on the terminal between console batches).
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}

CONSOLE_DASHES = "-" * 43


# ---------------------------------------------------------------------------------------
# Case description
# ---------------------------------------------------------------------------------------

InputWriter = Callable[[Path, Any], List[str]]


@dataclasses.dataclass
class Case:
    name: str
    words: str                      # the query in words
    format: str                     # source format
    schema_ddl: Optional[str]       # None for text
    query: str                      # Python expression over `df` (and `df2`; pyspark.sql.functions in scope)
    write_inputs: InputWriter       # writes files into input/, returns names in mtime order
    options: Dict[str, str] = dataclasses.field(default_factory=dict)
    conf: Dict[str, str] = dataclasses.field(default_factory=dict)
    console: bool = False           # also run with the console sink, keep its stdout
    memory_table: Optional[str] = None  # also run with the memory sink under this name
    progress: bool = False          # also record each batch's progress eventTime, state operators and the commit log
    # also write golden/<name>.progress.json: every report of the foreachBatch run's
    # recentProgress (executed batches and idle reports), complete, as Spark's `json` gives it
    full_progress: bool = False
    output_mode: str = "append"     # outputMode of every run (foreachBatch, console, memory)
    # Optional second input: writes files into input2/ (may write none: an empty folder),
    # read as `df2` with the same reader code (format, schema, options) as `df`.
    second_input: Optional[InputWriter] = None

    def reader_code(self) -> str:
        code = self._one_reader("df", "input_dir")
        if self.second_input is not None:
            code += "\n" + self._one_reader("df2", "input2_dir")
        return code

    def _one_reader(self, var: str, dir_var: str) -> str:
        pad = " " * (len(var) + 4)
        lines = [f'{var} = (spark.readStream.format({json.dumps(self.format)})']
        if self.schema_ddl is not None:
            lines.append(f"{pad}.schema({json.dumps(self.schema_ddl)})")
        for k, v in self.options.items():
            lines.append(f"{pad}.option({json.dumps(k)}, {json.dumps(v)})")
        lines.append(f"{pad}.load({dir_var}))")
        return "\n".join(lines)

    def full_code(self) -> str:
        parts = [
            "from pyspark.sql.functions import *",
            self.reader_code(),
            f"result = {self.query}",
            "def collect_batch(batch_df, batch_id):",
            "    rows = batch_df.collect()  # -> golden batches[batch_id].rows (sorted)",
            "query = (result.writeStream",
            f"         .outputMode({json.dumps(self.output_mode)})",
            "         .trigger(availableNow=True)",
            '         .option("checkpointLocation", checkpoint_dir)',
            "         .foreachBatch(collect_batch)",
            "         .start())",
            "query.awaitTermination()",
        ]
        if self.console:
            parts += [
                "# console golden: the same `result` with",
                '# result.writeStream.format("console")'
                f'.outputMode({json.dumps(self.output_mode)}).trigger(availableNow=True)'
                '.option("checkpointLocation", checkpoint_dir2).start()',
            ]
        if self.memory_table:
            parts += [
                "# memory golden: the same `result` with",
                f'# result.writeStream.format("memory").queryName({json.dumps(self.memory_table)})'
                f'.outputMode({json.dumps(self.output_mode)}).trigger(availableNow=True)'
                '.option("checkpointLocation", checkpoint_dir3).start(); awaitTermination();',
                f'# spark.sql("SELECT * FROM {self.memory_table}").show()',
            ]
        return "\n".join(parts)


def text_files(files: Dict[str, str]) -> InputWriter:
    """Input writer for literal text files (written byte for byte, in dict order)."""

    def write(input_dir: Path, _spark: Any) -> List[str]:
        for rel, content in files.items():
            p = input_dir / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content.encode("utf-8"))
        return list(files)

    return write


def ndjson(records: List[Any]) -> str:
    """One JSON document per line; str items are written verbatim (malformed lines)."""
    out = []
    for r in records:
        out.append(r if isinstance(r, str) else json.dumps(r, separators=(",", ":")))
    return "".join(line + "\n" for line in out)


# ---------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------

LAB_SCHEMA = "id INT NOT NULL, name STRING, value DOUBLE, timestamp STRING"


def lab_part3_files() -> Dict[str, str]:
    """The lab's Part 3.1 data, produced exactly as the lab's code writes it."""
    files = {}
    for i in range(3):
        data = [
            {"id": i*3+1, "name": f"Event_{i*3+1}", "value": 100 + i*10, "timestamp": "2024-01-15 10:00:00"},
            {"id": i*3+2, "name": f"Event_{i*3+2}", "value": 200 + i*10, "timestamp": "2024-01-15 10:01:00"},
            {"id": i*3+3, "name": f"Event_{i*3+3}", "value": 300 + i*10, "timestamp": "2024-01-15 10:02:00"},
        ]
        files[f"events_{i}.json"] = "".join(json.dumps(record) + "\n" for record in data)
    return files


def lab_part3_files_first_records_changed(change: Callable[[dict], None]) -> Dict[str, str]:
    """The lab's Part 3.1 data with `change` applied to the first record of every file."""
    files = lab_part3_files()
    for name, text in files.items():
        lines = text.splitlines(keepends=True)
        record = json.loads(lines[0])
        change(record)
        lines[0] = json.dumps(record) + "\n"
        files[name] = "".join(lines)
    return files


def case_lab_transform() -> Case:
    return lab_part3_case(
        name="lab_transform",
        words=("Lab Part 3 data (3 files, 3 rows each) read with the lab schema and "
               "maxFilesPerTrigger=1; Part 4.1 transformation: add value_doubled = value*2 and "
               "event_time = to_timestamp(timestamp), keep value > 100. availableNow; rows via "
               "foreachBatch and the console sink's text."),
        query=('(df.withColumn("value_doubled", col("value") * 2)\n'
               '   .withColumn("event_time", to_timestamp("timestamp"))\n'
               '   .filter(col("value") > 100))'),
        console=True,
    )


def case_lab_raw_memory() -> Case:
    return lab_part3_case(
        name="lab_raw_memory",
        words=("Lab Part 5.3: the raw lab stream (Part 3 data, maxFilesPerTrigger=1) into a "
               "memory sink named events_memory, append mode, availableNow; then "
               'spark.sql("SELECT * FROM events_memory").show() after the query ended. Rows per '
               "batch come from an identical foreachBatch query."),
        query="df",
        memory_table="events_memory",
    )


# SEMANTICS.md §3.2's table, in table order, plus clean lines and other edge cases.
PERMISSIVE_LINES = [
    '{"id":1,"name":"ok","value":1.5,"timestamp":"2024-01-15 10:00:00"}',
    '{"id":2,"name":"badvalue","value":"abc","timestamp":"2024-01-15 10:00:02"}',
    '{"id":"x3","name":"badid","value":3,"timestamp":"2024-01-15 10:00:03"}',
    '{"id":4,"name":"malformed","value":4',
    '',
    '{"id":5,"name":123,"value":5,"timestamp":"2024-01-15 10:00:05"}',
    '{"id":6,"value":"7","extra":1}',
    '{"id":8.7,"name":"fraction","value":8.7,"timestamp":"2024-01-15 10:00:08"}',
    '[1,2]',
    # clean lines
    '{"id":10,"name":"clean","value":10.25,"timestamp":"2024-01-15 10:00:10"}',
    '{"id": 11, "name": "spaces and unknown field", "value": 11, "timestamp": "2024-01-15 10:00:11", "zzz": [1, {"a": 2}]}',
    '{"id":12}',
    '{"id":13,"name":null,"value":null,"timestamp":null}',
    # more edge cases
    '{"id":14,"name":{"nested":[1,2]},"value":1e3,"timestamp":true}',
    '{"id":15,"name":"nan-string","value":"NaN","timestamp":"2024-01-15 10:00:15"}',
    '{"id":16,"name":"inf-string","value":"-Infinity","timestamp":"2024-01-15 10:00:16"}',
    '{"id":3000000000,"name":"int overflow","value":17,"timestamp":"2024-01-15 10:00:17"}',
    '{"id":18,"name":"bool value","value":true,"timestamp":"2024-01-15 10:00:18"}',
    '   ',
    '{}',
    '{"id":19,"name":"last line","value":-0.0,"timestamp":"2024-01-15 10:00:19"}',
]


def permissive_files() -> Dict[str, str]:
    return {"records.json": "".join(line + "\n" for line in PERMISSIVE_LINES)}


def case_json_permissive_corrupt() -> Case:
    return Case(
        name="json_permissive_corrupt",
        words=("One JSON-lines file with every line of SEMANTICS.md §3.2's table plus clean lines "
               "and edge cases (empty and blank lines, nested value into a string field, "
               '"NaN"/"-Infinity" strings into a double, int overflow, `{}`); default PERMISSIVE '
               "mode with a declared _corrupt_record column; identity query."),
        format="json",
        schema_ddl="id INT, name STRING, value DOUBLE, timestamp STRING, _corrupt_record STRING",
        query="df",
        write_inputs=text_files(permissive_files()),
        console=True,
    )


def case_json_permissive_plain() -> Case:
    return Case(
        name="json_permissive_plain",
        words=("Same input as json_permissive_corrupt, PERMISSIVE mode, schema without "
               "_corrupt_record: corrupt records keep their partial values, raw text is dropped."),
        format="json",
        schema_ddl="id INT, name STRING, value DOUBLE, timestamp STRING",
        query="df",
        write_inputs=text_files(permissive_files()),
    )


def dropmalformed_case(name: str, words: str, query: str, output_mode: str = "append") -> Case:
    """A query over json_permissive_corrupt's input in mode=DROPMALFORMED, without
    _corrupt_record."""
    return Case(
        name=name,
        words=words,
        format="json",
        schema_ddl="id INT, name STRING, value DOUBLE, timestamp STRING",
        options={"mode": "DROPMALFORMED"},
        query=query,
        write_inputs=text_files(permissive_files()),
        output_mode=output_mode,
    )


def case_json_dropmalformed() -> Case:
    return dropmalformed_case(
        "json_dropmalformed",
        "Same input as json_permissive_corrupt with mode=DROPMALFORMED and the schema "
        "without _corrupt_record: every corrupt record is dropped.",
        "df",
    )


def case_json_dropmalformed_pruned() -> Case:
    return dropmalformed_case(
        "json_dropmalformed_pruned",
        "Same input as json_dropmalformed, grouped: groupBy(name).agg(sum(value) as total) "
        "in complete mode. Spark's JSON scan reads only name and value, so a record whose "
        "id or timestamp does not convert is kept; one whose value does not is dropped.",
        'df.groupBy("name").agg(sum("value").alias("total"))',
        output_mode="complete",
    )


def case_json_dropmalformed_select() -> Case:
    return dropmalformed_case(
        "json_dropmalformed_select",
        "Same input as json_dropmalformed, select(name, value): the scan reads only those "
        "two columns, so records whose id or timestamp does not convert are kept.",
        'df.select("name", "value")',
    )


def case_json_count_dropmalformed() -> Case:
    return dropmalformed_case(
        "json_count_dropmalformed",
        "Same input as json_dropmalformed, agg(count(lit(1)) as n) in complete mode: the "
        "scan reads no column, so only records whose syntax is bad are dropped.",
        'df.agg(count(lit(1)).alias("n"))',
        output_mode="complete",
    )


def case_json_union_dropmalformed_pruned() -> Case:
    c = dropmalformed_case(
        "json_union_dropmalformed_pruned",
        "json_dropmalformed's input read twice (df and df2), df.union(df2).groupBy(name)"
        ".agg(sum(value) as total) in complete mode: Spark prunes through the union, so both "
        "inputs read only name and value, and records whose id or timestamp does not "
        "convert are kept.",
        'df.union(df2).groupBy("name").agg(sum("value").alias("total"))',
        output_mode="complete",
    )
    c.second_input = text_files(permissive_files())
    return c


def case_json_corrupt_pruned() -> Case:
    return Case(
        name="json_corrupt_pruned",
        words=("Same input as json_permissive_corrupt, grouped: groupBy(name, _corrupt_record)"
               ".agg(count(lit(\"*\")) as n, sum(value) as total) in complete mode. Spark's JSON "
               "scan reads only name, value and _corrupt_record: a record is corrupt when its "
               "syntax or one of those two fields is bad, not when only its id or timestamp is."),
        format="json",
        schema_ddl="id INT, name STRING, value DOUBLE, timestamp STRING, _corrupt_record STRING",
        query=('df.groupBy("name", "_corrupt_record")'
               '.agg(count(lit("*")).alias("n"), sum("value").alias("total"))'),
        write_inputs=text_files(permissive_files()),
        output_mode="complete",
    )


def case_json_timestamp_field() -> Case:
    lines = [
        '{"user_id":1,"action":"space","value":1.0,"timestamp":"2024-01-15 10:00:00"}',
        '{"user_id":2,"action":"iso-z","value":2.0,"timestamp":"2024-01-15T10:00:00Z"}',
        '{"user_id":3,"action":"iso-offset-millis","value":3.0,"timestamp":"2024-01-15T10:00:00.123+02:00"}',
        '{"user_id":4,"action":"epoch-seconds-int","value":4.0,"timestamp":1705312800}',
        '{"user_id":5,"action":"bad-string","value":5.0,"timestamp":"not a time"}',
        '{"user_id":6,"action":"date-only","value":6.0,"timestamp":"2024-01-15"}',
        '{"user_id":7,"action":"null","value":7.0,"timestamp":null}',
        '{"user_id":8,"action":"micros","value":8.0,"timestamp":"2024-01-15 10:00:00.123456"}',
        '{"user_id":9,"action":"missing","value":9.0}',
    ]
    return Case(
        name="json_timestamp_field",
        words=("Lab Part 12 schema: the JSON `timestamp` field is declared TIMESTAMP and parsed "
               "by the JSON reader (not by to_timestamp): space and ISO forms, an offset, an "
               "integer (epoch seconds), a bad string, date only, null, micros, missing; identity "
               "query, PERMISSIVE without corrupt column."),
        format="json",
        schema_ddl="user_id INT, action STRING, value DOUBLE, timestamp TIMESTAMP",
        query="df",
        write_inputs=text_files({"events.json": "".join(l + "\n" for l in lines)}),
        console=True,
    )


CSV_FILES = {
    "people_0.csv": (
        "id,name,value,city\n"
        "1,Alice,10.5,Paris\n"
        '2,"Smith, John",20,"Paris, FR"\n'
        "3,Bob,abc,Rome\n"
        "4,Carol\n"
        "5,Dave,30.25,Oslo,extra,more\n"
    ),
    "people_1.csv": (
        "id,name,value,city\n"
        '6,"Eve ""the"" Great",40,Berlin\n'
        "7,,,\n"
        '8,"",-1.5e2,""\n'
        "x9,Grace,50,Lisbon\n"
        " 10 , padded ,  60.5 , Madrid \n"
    ),
}
CSV_SCHEMA = "id INT, name STRING, value DOUBLE, city STRING, _corrupt_record STRING"


def case_csv_header() -> Case:
    return Case(
        name="csv_header",
        words=("Two CSV files, header=true (each file's first line is its header), with quoted "
               "fields containing commas and escaped quotes, a malformed number, a short row, a "
               "long row, empty and quoted-empty fields, a non-numeric id and padded fields; "
               "schema with _corrupt_record; identity query."),
        format="csv",
        schema_ddl=CSV_SCHEMA,
        options={"header": "true"},
        query="df",
        write_inputs=text_files(CSV_FILES),
    )


def csv_header_case(name: str, words: str, schema_ddl: str, query: str,
                    options: Optional[Dict[str, str]] = None,
                    output_mode: str = "append") -> Case:
    """A query over the csv_header files, header=true plus `options`."""
    return Case(
        name=name,
        words=words,
        format="csv",
        schema_ddl=schema_ddl,
        options={"header": "true", **(options or {})},
        query=query,
        write_inputs=text_files(CSV_FILES),
        output_mode=output_mode,
    )


CSV_DATA_SCHEMA = "id INT, name STRING, value DOUBLE, city STRING"
DROPMALFORMED = {"mode": "DROPMALFORMED"}


def case_csv_corrupt_pruned() -> Case:
    return csv_header_case(
        "csv_corrupt_pruned",
        "The csv_header files, select(value, city, _corrupt_record): Spark's CSV scan reads "
        "only those columns, so only the malformed number is corrupt; the short and long "
        "rows and the non-numeric id are not.",
        CSV_SCHEMA,
        'df.select("value", "city", "_corrupt_record")',
    )


def case_csv_dropmalformed_pruned() -> Case:
    return csv_header_case(
        "csv_dropmalformed_pruned",
        "The csv_header files in mode=DROPMALFORMED without _corrupt_record, "
        "select(name, value): only the row whose value does not convert is dropped.",
        CSV_DATA_SCHEMA,
        'df.select("name", "value")',
        DROPMALFORMED,
    )


def case_csv_dropmalformed_all_data() -> Case:
    return csv_header_case(
        "csv_dropmalformed_all_data",
        "The csv_header files in mode=DROPMALFORMED with _corrupt_record declared, "
        "select(id, name, value, city): every data column is read, so the short and long "
        "rows are malformed and dropped, as with the full schema.",
        CSV_SCHEMA,
        'df.select("id", "name", "value", "city")',
        DROPMALFORMED,
    )


def case_csv_count_dropmalformed() -> Case:
    return csv_header_case(
        "csv_count_dropmalformed",
        "The csv_header files in mode=DROPMALFORMED without _corrupt_record, "
        "agg(count(lit(1)) as n) in complete mode: the scan reads no column, so every "
        "line counts, malformed or not.",
        CSV_DATA_SCHEMA,
        'df.agg(count(lit(1)).alias("n"))',
        DROPMALFORMED,
        output_mode="complete",
    )


def case_csv_no_header() -> Case:
    return Case(
        name="csv_no_header",
        words="The csv_header files read with header=false: the header lines become data rows.",
        format="csv",
        schema_ddl=CSV_SCHEMA,
        options={"header": "false"},
        query="df",
        write_inputs=text_files(CSV_FILES),
    )


def multi_file_inputs() -> Dict[str, str]:
    rng = random.Random(20240115)
    names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    # File k covers a 10-minute slot; slots are shuffled so event times go back and forth
    # across files, and rows inside a file are not sorted either.
    slots = [3, 0, 5, 1, 4, 2]
    bad_ts = ["not a time", "2024/01/15 10:00", "", "10:61:00", "2024-13-01 00:00:00"]
    files = {}
    next_bad = 0
    for k in range(6):
        records = []
        for j in range(40):
            r = rng.random()
            rid = None if r < 0.05 else rng.randint(-30, 500)
            name = None if rng.random() < 0.15 else rng.choice(names)
            r = rng.random()
            if r < 0.10:
                value = None
            elif r < 0.20:
                value = rng.choice([0, 100, 120, 150, 250, 400])   # boundaries, JSON ints
            else:
                value = round(rng.uniform(0, 400), rng.choice([1, 2, 3]))
            base = dt.datetime(2024, 1, 15, 10, 0, 0) + dt.timedelta(minutes=10 * slots[k])
            t = base + dt.timedelta(seconds=rng.randint(0, 599), milliseconds=rng.choice([0, 0, 0, 250, 7]))
            style = rng.random()
            if j in (7, 29) and k in (1, 4):
                ts = bad_ts[next_bad % len(bad_ts)]
                next_bad += 1
            elif j == 13 and k == 2:
                ts = None
            elif style < 0.6:
                ts = t.strftime("%Y-%m-%d %H:%M:%S") + (f".{t.microsecond // 1000:03d}" if t.microsecond else "")
            elif style < 0.8:
                ts = t.strftime("%Y-%m-%dT%H:%M:%SZ")
            elif style < 0.9:
                # same instant written with a +01:00 offset
                ts = (t + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+01:00")
            else:
                ts = t.strftime("%Y-%m-%d %H:%M")
            rec: Dict[str, Any] = {}
            if rid is not None or rng.random() < 0.5:
                rec["id"] = rid
            if name is not None or rng.random() < 0.5:
                rec["name"] = name
            rec["value"] = value
            rec["timestamp"] = ts
            records.append(rec)
        files[f"part_{k}.json"] = ndjson(records)
    return files


def lab_part3_case(name: str, words: str, query: str, **extra) -> Case:
    """A case over the lab's Part 3 data (3 JSON files, lab schema), maxFilesPerTrigger=1."""
    return Case(
        name=name,
        words=words,
        format="json",
        schema_ddl=LAB_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=query,
        write_inputs=text_files(lab_part3_files()),
        **extra,
    )


def multi_file_case(name: str, words: str, query: str, **extra) -> Case:
    """A case over the six seeded multi-file JSON inputs, maxFilesPerTrigger=2, ANSI off."""
    return Case(
        name=name,
        words=words,
        format="json",
        schema_ddl="id INT, name STRING, value DOUBLE, timestamp STRING",
        options={"maxFilesPerTrigger": "2"},
        conf={"spark.sql.ansi.enabled": "false"},
        query=query,
        write_inputs=text_files(multi_file_inputs()),
        **extra,
    )


def case_multi_file_expressions() -> Case:
    return multi_file_case(
        name="multi_file_expressions",
        words=("Six JSON-lines files of 40 seeded-random rows (ids incl. negative and null, names "
               "with nulls/missing, values 0-400 with nulls and boundary values, timestamps in "
               "several formats out of order across files, a few invalid timestamp strings), "
               "maxFilesPerTrigger=2 (3 batches), ANSI off. Projection with arithmetic, CASE WHEN, "
               "IS NULL, cast to int, modulo and to_timestamp, then a filter with AND/OR/NOT and "
               "three-valued logic."),
        query=('(df.select(col("id"), col("name"), (col("value") * 1.5).alias("scaled"),\n'
               '           when(col("value") > 250, "high").when(col("value") > 150, "mid").otherwise("low").alias("band"),\n'
               '           col("name").isNull().alias("no_name"),\n'
               '           col("value").cast("int").alias("value_int"),\n'
               '           (col("id") % 7).alias("id_mod"),\n'
               '           to_timestamp(col("timestamp")).alias("event_time"))\n'
               '   .filter(((col("scaled") > 180) & ~col("no_name")) | (col("id_mod") == 0)))'),
        console=True,
    )


def case_in_lists() -> Case:
    return lab_part3_case(
        name="in_lists",
        words=("Lab Part 3 data (3 files, maxFilesPerTrigger=1): a filter with isin on names "
               "(pushed into the scan, so numInputRows counts the rows it keeps), then isin "
               "with a NULL in the list (NULL where nothing matches) and NOT IN from SQL "
               "text, each named as Spark names it."),
        query=('(df.filter(col("name").isin("Event_1", "Event_2", "Event_5", "Event_9"))\n'
               '   .select(col("id"), col("name"), col("value").isin(100, 200, None),\n'
               '           col("id").isin(1, 2, 3).alias("small"),\n'
               '           expr("id NOT IN (5, 6)")))'),
        progress=True,
    )


def case_filter_missing_fields() -> Case:
    return multi_file_case(
        name="filter_missing_fields",
        words=("The multi-file input of multi_file_expressions, whose records sometimes lack "
               "the name key and sometimes hold a NULL name: a filter on name pushed into the "
               "scan. Spark's JSON scan evaluates a pushed filter once the record gave every "
               "field it reads, so a record without the key passes the scan (numInputRows "
               "counts it) and only the filter after it drops it; a NULL name does not pass."),
        query='df.filter(col("name") == "alpha").select("id", "name")',
        progress=True,
    )


def case_filter_missing_fields_conjuncts() -> Case:
    c = case_filter_missing_fields()
    c.name = "filter_missing_fields_conjuncts"
    c.words = ("As filter_missing_fields with two pushed conjuncts, id > 100 and name = 'alpha': "
               "each is evaluated once the record gave its own field, so a record without a "
               "name but with a small id fails the first and is not counted.")
    c.query = 'df.filter((col("id") > 100) & (col("name") == "alpha")).select("id", "name")'
    return c


def case_round_values() -> Case:
    return multi_file_case(
        name="round_values",
        words=("The multi-file input of multi_file_expressions (values with up to three "
               "decimals, NULLs): round at 1 and 0 places, an int at -1, and from SQL text "
               "a quotient at 2 places: half away from zero on the decimal text, as Spark."),
        query=('df.select(col("id"), round(col("value"), 1), round(col("value")),\n'
               '          round(col("id"), -1), expr("round(value / 3, 2)"))'),
    )


def case_coalesce_values() -> Case:
    return multi_file_case(
        name="coalesce_values",
        words=("The multi-file input of multi_file_expressions (NULL and missing names, values "
               "and ids): coalesce over a string and a literal, over a double, an int and a "
               "literal (one common type, DOUBLE), and from SQL text, named as Spark names them."),
        query=('df.select(col("id"), coalesce(col("name"), lit("none")),\n'
               '          coalesce(col("value"), col("id"), lit(0)).alias("v"),\n'
               '          expr("coalesce(name, \'x\')"))'),
    )


def case_ansi_off_types() -> Case:
    return multi_file_case(
        name="ansi_off_types",
        words=("The multi-file input of multi_file_expressions, maxFilesPerTrigger=2, ANSI off: "
               "a string operand of arithmetic is cast to DOUBLE (INT + '1' is a DOUBLE), and a "
               "string cast to INT that does not parse is NULL. The result types are those "
               "without ANSI, in the schema and in every batch."),
        query=('df.select(col("id"), (col("id") + lit("1")).alias("plus_text"),\n'
               '          (col("id") * lit("2.5")).alias("times_text"),\n'
               '          col("name").cast("int").alias("name_int"))'),
        console=True,
    )


def case_ansi_cast_failure() -> Case:
    files = lab_part3_files()
    lines = files["events_1.json"].splitlines(keepends=True)
    lines[1] = lines[1].replace('"2024-01-15 10:01:00"', '"not a time"')
    files["events_1.json"] = "".join(lines)
    return Case(
        name="ansi_cast_failure",
        words=("Lab data where the 2nd record of the 2nd file has timestamp \"not a time\"; "
               "maxFilesPerTrigger=1; withColumn(event_time = to_timestamp(timestamp)) with ANSI "
               "on (the 4.x default): batch 0 succeeds, batch 1 fails with CAST_INVALID_INPUT and "
               "the query terminates."),
        format="json",
        schema_ddl=LAB_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query='df.withColumn("event_time", to_timestamp("timestamp"))',
        write_inputs=text_files(files),
        console=True,
    )


def case_latest_first() -> Case:
    files = {}
    for k in range(4):
        files[f"batch_{k}.json"] = ndjson([
            {"id": k * 10 + 1, "name": f"file{k}-a", "value": 10.0 * k + 1, "timestamp": f"2024-01-15 10:0{k}:00"},
            {"id": k * 10 + 2, "name": f"file{k}-b", "value": 10.0 * k + 2, "timestamp": f"2024-01-15 10:0{k}:30"},
        ])
    return Case(
        name="latest_first",
        words=("Four files (mtimes 1 s apart, file k holds ids 10k+1, 10k+2), maxFilesPerTrigger=1 "
               "and latestFirst=true: the newest file is read first; identity query."),
        format="json",
        schema_ddl="id INT, name STRING, value DOUBLE, timestamp STRING",
        options={"maxFilesPerTrigger": "1", "latestFirst": "true"},
        query="df",
        write_inputs=text_files(files),
    )


def case_text_source() -> Case:
    return Case(
        name="text_source",
        words=("Text format (fixed schema value STRING), 2 files: an empty line, leading/trailing "
               "spaces, a tab, non-ASCII text, a JSON-looking line, a CRLF-terminated line and a "
               "final line without newline; identity query."),
        format="text",
        schema_ddl=None,
        query="df",
        write_inputs=text_files({
            "lines_0.txt": "first line\n\n  indented and trailing  \ntab\there\nünïcödé ✓ 日本\n",
            "lines_1.txt": '{"id":1,"looks":"like json"}\r\nwindows line\r\nlast line without newline',
        }),
    )


def write_parquet_inputs(input_dir: Path, spark: Any) -> List[str]:
    """Two parquet files written by Spark batch jobs (coalesce(1)); the first one without
    the `category` column and with the default INT96 timestamps, the second one with
    `category` and TIMESTAMP_MICROS."""
    from pyspark.sql import functions as F

    scratch = Path(tempfile.mkdtemp(prefix="parquet-", dir=os.environ["SPATE_CASE_TMP"]))
    specs = [
        ("data_0.parquet", "INT96", False, [
            (1, "ant", 1.5, "2024-01-15 10:00:00"),
            (2, None, 2.25, "2024-01-15 10:00:01.5"),
            (3, "cat", None, None),
        ]),
        ("data_1.parquet", "TIMESTAMP_MICROS", True, [
            (4, "dog", 400.0, "2024-01-15 09:59:59.999999", "pets"),
            (5, "eel", -5.5, "2024-01-15 10:05:00", None),
        ]),
    ]
    names = []
    for fname, ts_type, with_category, rows in specs:
        ddl = "id INT, name STRING, value DOUBLE, ts_text STRING"
        if with_category:
            ddl += ", category STRING"
        frame = (spark.createDataFrame(rows, ddl)
                 .withColumn("ts", F.to_timestamp("ts_text")).drop("ts_text"))
        spark.conf.set("spark.sql.parquet.outputTimestampType", ts_type)
        out = scratch / fname
        frame.coalesce(1).write.parquet(str(out))
        spark.conf.unset("spark.sql.parquet.outputTimestampType")
        parts = sorted(out.glob("part-*.parquet"))
        assert len(parts) == 1, parts
        shutil.copyfile(parts[0], input_dir / fname)
        keep_previous_if_equivalent(spark, input_dir / fname)
        names.append(fname)
    return names


def keep_previous_if_equivalent(spark: Any, new_file: Path) -> None:
    """parquet-mr writes each column chunk's encoding list in hash-set order, which changes
    from one JVM to the next, so a rewritten file can differ in a few footer bytes. If the
    previously committed file of the same name has the same size, Spark schema and rows,
    keep its bytes so that re-running the script leaves the repository unchanged."""
    prev_root = os.environ.get("SPATE_PREVIOUS_INPUT")
    if not prev_root:
        return
    old_file = Path(prev_root) / new_file.name
    if not old_file.exists() or old_file.stat().st_size != new_file.stat().st_size:
        return
    if old_file.read_bytes() == new_file.read_bytes():
        return
    old_df, new_df = spark.read.parquet(str(old_file)), spark.read.parquet(str(new_file))
    if old_df.schema == new_df.schema and old_df.collect() == new_df.collect():
        shutil.copyfile(old_file, new_file)
        print(f"kept the previous bytes of equivalent {new_file.name}", file=sys.stderr)


def case_parquet_source() -> Case:
    return Case(
        name="parquet_source",
        words=("Two parquet files written by Spark batch (df.coalesce(1).write.parquet, part file "
               "copied): data_0 has columns id, name, value, ts (INT96), data_1 also has category "
               "(ts as TIMESTAMP_MICROS). The streaming schema lists the columns in another order "
               "and includes category, which is missing from data_0 (-> NULL). "
               "maxFilesPerTrigger=1; identity query."),
        format="parquet",
        schema_ddl="name STRING, id INT, category STRING, value DOUBLE, ts TIMESTAMP",
        options={"maxFilesPerTrigger": "1"},
        query="df",
        write_inputs=write_parquet_inputs,
    )


def case_watermark_stateless() -> Case:
    return multi_file_case(
        name="watermark_stateless",
        words=("The multi-file input of multi_file_expressions (event times going back and forth "
               "across files), maxFilesPerTrigger=2, with a 10-minute watermark on the parsed "
               "event time and no stateful operator: rows pass unchanged (stateless pipelines "
               "drop nothing), and each batch's progress eventTime {avg, max, min, watermark} "
               "and commit nextBatchWatermarkMs show Spark's watermark bookkeeping."),
        query=('(df.withColumn("event_time", to_timestamp(col("timestamp")))\n'
               '   .withWatermark("event_time", "10 minutes")\n'
               '   .filter(col("value") > 200))'),
        progress=True,
    )


def case_column_names() -> Case:
    return Case(
        name="column_names",
        words=("Lab data (3 files, no rate limit -> one batch), a select of un-aliased "
               "expressions to pin Spark's generated column names and types."),
        format="json",
        schema_ddl=LAB_SCHEMA,
        query=('df.select(col("value") * 2, col("value") > 100, to_timestamp(col("timestamp")),\n'
               '          col("id") + 1, col("value") / 2, col("name").isNull(), lit(1),\n'
               '          col("value").cast("int"), ~(col("value") > 1),\n'
               '          when(col("value") > 150, "hi").otherwise("lo"))'),
        write_inputs=text_files(lab_part3_files()),
        console=True,
    )


# ---------------------------------------------------------------------------------------
# Stateful cases: streaming aggregations, output modes, watermark drops and eviction.
# Every numeric input value is a multiple of 0.25 so that double sums are exact whatever
# order Spark's partitions add them in.
# ---------------------------------------------------------------------------------------

def worked_example_files() -> Dict[str, str]:
    """SEMANTICS.md §6.4's four deliveries, one file each."""
    deliveries = [
        [("12:02", "cat"), ("12:07", "dog"), ("12:08", "cat")],
        [("12:14", "cat"), ("12:09", "dog")],
        [("12:21", "cat"), ("12:03", "owl")],
        [("12:05", "cat")],
    ]
    return {f"d{i + 1}.json": ndjson([{"event_time": f"2024-01-01 {hm}:00", "word": w} for hm, w in d])
            for i, d in enumerate(deliveries)}


def _worked_example_case(mode: str) -> Case:
    return Case(
        name=f"agg_worked_{mode}",
        words=("SEMANTICS.md §6.4's worked example: four JSON files D1..D4 = (12:02 cat) (12:07 dog) "
               "(12:08 cat) | (12:14 cat) (12:09 dog) | (12:21 cat) (12:03 owl) | (12:05 cat) on "
               "2024-01-01, event_time read as TIMESTAMP by the JSON reader, maxFilesPerTrigger=1; "
               "10-minute watermark, tumbling 10-minute window and word, count(); "
               f"output mode {mode}, availableNow (all four files exist before the start, so data "
               "batches follow each other and a no-data batch runs only where the watermark moved "
               "after the last data batch); progress with state operator metrics."),
        format="json",
        schema_ddl="event_time TIMESTAMP, word STRING",
        options={"maxFilesPerTrigger": "1"},
        query=('(df.withWatermark("event_time", "10 minutes")\n'
               '   .groupBy(window("event_time", "10 minutes"), "word")\n'
               '   .count())'),
        write_inputs=text_files(worked_example_files()),
        output_mode=mode,
        progress=True,
    )


def case_agg_worked_append() -> Case:
    return _worked_example_case("append")


def case_agg_worked_update() -> Case:
    return _worked_example_case("update")


def case_agg_worked_complete() -> Case:
    return _worked_example_case("complete")


def case_progress_stateless() -> Case:
    return lab_part3_case(
        name="progress_stateless",
        words=("Lab Part 3 data (3 files, 3 rows each) with the lab schema and "
               "maxFilesPerTrigger=1; event_time = to_timestamp(timestamp), keep value > 100; "
               "append, availableNow. Golden progress.json holds every recentProgress report of "
               "the foreachBatch run, complete, as Spark's json gives it (stateless: no "
               "eventTime, no state operators)."),
        query=('(df.withColumn("event_time", to_timestamp("timestamp"))\n'
               '   .filter(col("value") > 100))'),
        progress=True,
        full_progress=True,
    )


def case_filter_before_projection() -> Case:
    # The first record of every file (values 100, 110, 120) has a timestamp that is not one.
    files = lab_part3_files_first_records_changed(lambda record: record.update(timestamp="not a time"))
    return Case(
        name="filter_before_projection",
        words=("Lab Part 3 data whose first record in each file has timestamp \"not a time\"; "
               "maxFilesPerTrigger=1; withColumn(event_time = to_timestamp(timestamp)) then keep "
               "value > 150, ANSI on. Spark's optimizer moves the filter below the projection "
               "and into the JSON scan, so the bad timestamps are never cast (no error) and "
               "numInputRows counts the rows the scan's filter kept."),
        format="json",
        schema_ddl=LAB_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=('(df.withColumn("event_time", to_timestamp("timestamp"))\n'
               '   .filter(col("value") > 150))'),
        write_inputs=text_files(files),
        progress=True,
    )


def case_filter_on_derived_column() -> Case:
    return lab_part3_case(
        name="filter_on_derived_column",
        words=("Lab Part 3 data, maxFilesPerTrigger=1; value_doubled = value*2 (then renamed "
               "v2), keep v2 > 450 and id % 3 = 0 and name IS NOT NULL: only the last "
               "condition can go into the JSON scan, so numInputRows counts every row."),
        query=('(df.withColumn("value_doubled", col("value") * 2)\n'
               '   .withColumnRenamed("value_doubled", "v2")\n'
               '   .filter((col("v2") > 450) & (col("id") % 3 == 0))\n'
               '   .filter(col("name").isNotNull()))'),
        progress=True,
    )


def case_filter_inferred_not_null() -> Case:
    # The first record of every file has no value.
    files = lab_part3_files_first_records_changed(lambda record: record.update(value=None))
    return Case(
        name="filter_inferred_not_null",
        words=("Lab Part 3 data whose first record in each file has value null; "
               "maxFilesPerTrigger=1; v2 = value*2, keep v2 > 250. Spark infers isnotnull(value) "
               "from the filter and pushes it into the JSON scan, so numInputRows leaves out the "
               "null rows."),
        format="json",
        schema_ddl=LAB_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=('(df.withColumn("v2", col("value") * 2)\n'
               '   .filter(col("v2") > 250))'),
        write_inputs=text_files(files),
        progress=True,
    )


def case_filter_below_watermark() -> Case:
    def line(i: int, value: int, time: str) -> str:
        record = {"id": i, "name": f"Event_{i}", "value": value, "timestamp": f"2024-01-15 {time}"}
        return json.dumps(record) + "\n"
    # The rows the filter drops carry the latest event times of their files.
    files = {
        "events_0.json": line(1, 100, "10:30:00") + line(2, 200, "10:00:00"),
        "events_1.json": line(3, 300, "10:05:00") + line(4, 50, "10:50:00"),
        "events_2.json": line(5, 300, "10:12:00") + line(6, 310, "10:01:00"),
    }
    return Case(
        name="filter_below_watermark",
        words=("maxFilesPerTrigger=1; event_time = to_timestamp(timestamp), 10-minute watermark, "
               "then v2 = value*2 and keep v2 > 250, then a 5-minute tumbling count in append "
               "mode. Spark's optimizer moves the filter below the projection and the watermark "
               "(it does not read the event time), so the dropped rows' later event times never "
               "move the watermark."),
        format="json",
        schema_ddl=LAB_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=('(df.withColumn("event_time", to_timestamp("timestamp"))\n'
               '   .withWatermark("event_time", "10 minutes")\n'
               '   .withColumn("v2", col("value") * 2)\n'
               '   .filter(col("v2") > 250)\n'
               '   .groupBy(window("event_time", "5 minutes")).count())'),
        write_inputs=text_files(files),
        progress=True,
    )


def case_filter_with_malformed_records() -> Case:
    files = {
        "events_0.json": ('{"id": 1, "name": "a", "value": 100.0, "timestamp": "2024-01-15 10:00:00"}\n'
                          '{"id": 2, "name": "b", "value": 150.0, "timestamp": "2024-01-15 10:01:00"}\n'
                          'garbage\n'
                          '{"id": 4, "name": "d", "value": "x", "timestamp": "2024-01-15 10:03:00"}\n'),
    }
    return Case(
        name="filter_with_malformed_records",
        words=("Four records, one not JSON and one whose value does not convert; PERMISSIVE, "
               "keep value > 120. The filter goes into the JSON scan, but Spark's parser gives "
               "malformed records whatever the scan's filters say, so they count in "
               "numInputRows (then the filter drops them)."),
        format="json",
        schema_ddl=LAB_SCHEMA,
        query='df.filter(col("value") > 120)',
        write_inputs=text_files(files),
        progress=True,
    )


def case_progress_aggregation() -> Case:
    return Case(
        name="progress_aggregation",
        words=("SEMANTICS.md §6.4's worked-example input (as agg_worked_*), maxFilesPerTrigger=1; "
               "10-minute watermark, tumbling 10-minute window and word, count(); output mode "
               "update, availableNow. Golden progress.json holds every recentProgress report of "
               "the foreachBatch run, complete, as Spark's json gives it (eventTime, "
               "stateStoreSave operator with its customMetrics)."),
        format="json",
        schema_ddl="event_time TIMESTAMP, word STRING",
        options={"maxFilesPerTrigger": "1"},
        query=('(df.withWatermark("event_time", "10 minutes")\n'
               '   .groupBy(window("event_time", "10 minutes"), "word")\n'
               '   .count())'),
        write_inputs=text_files(worked_example_files()),
        output_mode="update",
        progress=True,
        full_progress=True,
    )


LAB_AGG_QUERY = ('(df.withColumn("event_time", to_timestamp("timestamp"))\n'
                 '   .groupBy(window("event_time", "1 minute"))\n'
                 '   .agg(count("*").alias("event_count"),\n'
                 '        sum("value").alias("total_value"),\n'
                 '        avg("value").alias("avg_value")))')


def _lab_agg_window_case(name: str, mode: str, extra: str) -> Case:
    return lab_part3_case(
        name=name,
        words=("Lab Part 3 data (3 files, maxFilesPerTrigger=1) with the lab's Step 4.2 aggregation "
               "(no watermark): 1-minute tumbling window over to_timestamp(timestamp), "
               f"count(*) as event_count, sum(value) as total_value, avg(value) as avg_value; output mode {mode}. "
               + extra),
        query=LAB_AGG_QUERY,
        output_mode=mode,
        progress=True,
    )


def case_lab_agg_window_update() -> Case:
    return _lab_agg_window_case("lab_agg_window_update", "update",
                                "Each batch emits the windows it changed; state is never evicted.")


def case_lab_agg_window_complete() -> Case:
    return _lab_agg_window_case("lab_agg_window_complete", "complete",
                                "Each batch emits the whole result table.")


def case_lab_agg_window_fields() -> Case:
    c = _lab_agg_window_case("lab_agg_window_fields", "update",
                             "Then the window struct's fields selected by dotted names, as one "
                             "flattens it for a CSV or Parquet sink: window.start, window.END "
                             "(names match ignoring case) and the count; columns are named "
                             "after the fields.")
    c.query = ('(' + LAB_AGG_QUERY + '\n   .select(col("window.start"), col("window.END"), '
               'col("event_count")))')
    return c


def case_lab_agg_window_field_filter() -> Case:
    c = _lab_agg_window_case("lab_agg_window_field_filter", "update",
                             "Then the window passed on by a select, a filter on one of its "
                             "fields after that select (window.start IS NOT NULL), and the "
                             "field selected by its dotted name.")
    c.query = ('(' + LAB_AGG_QUERY + '\n   .select("window", "event_count")\n'
               '   .filter(col("window.start").isNotNull())\n'
               '   .select(col("window.start"), "event_count"))')
    return c


def case_lab_agg_expressions() -> Case:
    c = _lab_agg_window_case("lab_agg_expressions", "update",
                             "Then aggregates inside expressions: the mean as sum / count "
                             "(aliased), and sum(value) * 2 unaliased (named after the "
                             "expression).")
    c.query = ('(df.withColumn("event_time", to_timestamp("timestamp"))\n'
               '   .groupBy(window("event_time", "1 minute"))\n'
               '   .agg(count("*").alias("event_count"),\n'
               '        (sum("value") / count("value")).alias("mean"),\n'
               '        sum("value") * 2))')
    return c


def case_agg_worked_append_expression() -> Case:
    c = _worked_example_case("append")
    c.name = "agg_worked_append_expression"
    c.words += " The count is used in an expression, count(*) * 10 as tens: append still works."
    c.query = ('(df.withWatermark("event_time", "10 minutes")\n'
               '   .groupBy(window("event_time", "10 minutes"), "word")\n'
               '   .agg((count("*") * 10).alias("tens")))')
    return c


def case_lab_agg_window_append_error() -> Case:
    c = _lab_agg_window_case("lab_agg_window_append_error", "append",
                             "Append on an aggregation without watermark: start() raises an "
                             "AnalysisException, no batch runs.")
    c.progress = False
    return c


def sliding_inputs() -> Dict[str, str]:
    """Six JSON-lines files of 30 seeded rows, values multiples of 0.25, event times over
    10:00-11:02 going back and forth: with maxFilesPerTrigger=2 the three batches carry mostly
    ~10:10-10:38, ~10:30-10:52 and ~10:45-11:02, and each file also has a share of older rows
    (file 4's are old enough to be late for a 10-minute watermark). Times are mostly on whole
    or half minutes (so (time, name) groups repeat); a few NULL timestamps, values, ids, names."""
    rng = random.Random(20240116)
    names = ["alpha", "bravo", "charlie", "delta", "echo"]
    # per file: (main range of minutes after 10:00, older range, share of older rows)
    plan = [
        ((20, 35), (10, 20), 0.15),
        ((10, 30), (10, 12), 0.0),
        ((40, 52), (5, 18), 0.25),
        ((30, 45), (25, 30), 0.10),
        ((50, 62), (0, 27), 0.30),
        ((45, 58), (15, 32), 0.20),
    ]
    base = dt.datetime(2024, 1, 15, 10, 0, 0)
    files = {}
    for k, (main, old, old_share) in enumerate(plan):
        records = []
        for j in range(30):
            lo, hi = old if rng.random() < old_share else main
            t = base + dt.timedelta(minutes=rng.randint(lo, hi - 1),
                                    seconds=rng.choice([0, 0, 30, 30, rng.randint(1, 59)]))
            ts = None if (k, j) in ((1, 11), (4, 5), (4, 23), (5, 17)) else t.strftime("%Y-%m-%d %H:%M:%S")
            rid = None if rng.random() < 0.05 else rng.randint(1, 60)
            name = None if rng.random() < 0.10 else rng.choice(names)
            value = None if rng.random() < 0.08 else rng.randint(0, 1600) / 4
            records.append({"id": rid, "name": name, "value": value, "timestamp": ts})
        files[f"part_{k}.json"] = ndjson(records)
    return files


SLIDING_WORDS = ("Six JSON-lines files of 30 seeded rows (values multiples of 0.25, event times "
                 "10:00-11:02 going back and forth across files with older rows mixed in, a few "
                 "NULL timestamps/values/ids/names), maxFilesPerTrigger=2 (3 data batches). ")
SLIDING_SCHEMA = "id INT, name STRING, value DOUBLE, timestamp STRING"
SLIDING_QUERY = ('(df.withColumn("event_time", to_timestamp("timestamp"))\n'
                 '   .withWatermark("event_time", "10 minutes")\n'
                 '   .groupBy(window("event_time", "5 minutes", "1 minute"))\n'
                 '   .agg(count("*").alias("event_count"),\n'
                 '        sum("value").alias("total_value")))')


def case_sliding_window_watermark() -> Case:
    return Case(
        name="sliding_window_watermark",
        words=(SLIDING_WORDS + "Lab Step 8.2: 10-minute watermark on to_timestamp(timestamp), "
               "sliding window 5 minutes / 1 minute, count(*) as event_count and sum(value) as "
               "total_value, update mode: late rows dropped per window (window end <= previous "
               "batch's watermark), windows with end <= the batch watermark evicted silently."),
        format="json",
        schema_ddl=SLIDING_SCHEMA,
        options={"maxFilesPerTrigger": "2"},
        query=SLIDING_QUERY,
        write_inputs=text_files(sliding_inputs()),
        output_mode="update",
        progress=True,
    )


def case_sliding_window_append() -> Case:
    return Case(
        name="sliding_window_append",
        words=(SLIDING_WORDS + "Lab Step 8.2's query (10-minute watermark, sliding window 5 "
               "minutes / 1 minute, event_count and total_value) in append mode: a window is "
               "emitted once, when its end <= the batch watermark."),
        format="json",
        schema_ddl=SLIDING_SCHEMA,
        options={"maxFilesPerTrigger": "2"},
        query=SLIDING_QUERY,
        write_inputs=text_files(sliding_inputs()),
        output_mode="append",
        progress=True,
    )


def case_window_start_time() -> Case:
    return Case(
        name="window_start_time",
        words=(SLIDING_WORDS + "10-minute watermark; window(event_time, 10 minutes, 5 minutes, "
               "startTime 2 minutes) -> windows [hh:m2, hh:m2+10) with m2 = 2, 7, ...; count(); "
               "append mode."),
        format="json",
        schema_ddl=SLIDING_SCHEMA,
        options={"maxFilesPerTrigger": "2"},
        query=('(df.withColumn("event_time", to_timestamp("timestamp"))\n'
               '   .withWatermark("event_time", "10 minutes")\n'
               '   .groupBy(window("event_time", "10 minutes", "5 minutes", "2 minutes"))\n'
               '   .count())'),
        write_inputs=text_files(sliding_inputs()),
        output_mode="append",
        progress=True,
    )


def case_raw_time_key_append() -> Case:
    return Case(
        name="raw_time_key_append",
        words=(SLIDING_WORDS + "10-minute watermark on event_time, grouped by the raw event_time "
               "and name (no window): count(*) as n, max(value) as max_value; append mode: a group "
               "is emitted when event_time <= the batch watermark; rows with event_time <= the "
               "previous batch's watermark are dropped; the NULL event_time group is never emitted."),
        format="json",
        schema_ddl=SLIDING_SCHEMA,
        options={"maxFilesPerTrigger": "2"},
        query=('(df.withColumn("event_time", to_timestamp("timestamp"))\n'
               '   .withWatermark("event_time", "10 minutes")\n'
               '   .groupBy("event_time", "name")\n'
               '   .agg(count("*").alias("n"), max("value").alias("max_value")))'),
        write_inputs=text_files(sliding_inputs()),
        output_mode="append",
        progress=True,
    )


def case_agg_functions_complete() -> Case:
    return Case(
        name="agg_functions_complete",
        words=(SLIDING_WORDS + "No watermark; groupBy(name) (NULL name is a group) with "
               "un-aliased count(*), count(value), sum(value), sum(id), avg(value), avg(id), "
               "min(value), max(value), min(timestamp) (a string), max(id), "
               "approx_count_distinct(id) to pin Spark's generated names and types; complete mode."),
        format="json",
        schema_ddl=SLIDING_SCHEMA,
        options={"maxFilesPerTrigger": "2"},
        query=('df.groupBy("name").agg(count("*"), count("value"), sum("value"), sum("id"),\n'
               '                       avg("value"), avg("id"), min("value"), max("value"),\n'
               '                       min("timestamp"), max("id"), approx_count_distinct("id"))'),
        write_inputs=text_files(sliding_inputs()),
        output_mode="complete",
    )


def case_group_count_update() -> Case:
    return Case(
        name="group_count_update",
        words=(SLIDING_WORDS + "No watermark; groupBy(name).count() in update mode: each batch "
               "emits the names it received with their running count."),
        format="json",
        schema_ddl=SLIDING_SCHEMA,
        options={"maxFilesPerTrigger": "2"},
        query='df.groupBy("name").count()',
        write_inputs=text_files(sliding_inputs()),
        output_mode="update",
        progress=True,
    )


def case_global_count_update() -> Case:
    return Case(
        name="global_count_update",
        words=(SLIDING_WORDS + "No watermark; a global aggregation, agg(count(lit(\"*\")) as n, "
               "sum(value) as total), in update mode: one row per batch, the running totals. "
               "Spark keeps a global aggregation's state in one partition: its progress reports "
               "numShufflePartitions 2 but numStateStoreInstances 1."),
        format="json",
        schema_ddl=SLIDING_SCHEMA,
        options={"maxFilesPerTrigger": "2"},
        query='df.agg(count(lit("*")).alias("n"), sum("value").alias("total"))',
        write_inputs=text_files(sliding_inputs()),
        output_mode="update",
        progress=True,
    )


def lab_complete_inputs() -> Dict[str, str]:
    """Lab Part 12's event shape: 5 JSON-lines files of 40 seeded rows, user_id 1..15, four
    actions, values multiples of 0.25, timestamps 2024-01-15 10:00-10:40 roughly in file order
    (file k mostly covers minutes 8k..8k+8) with some rows 20-35 minutes older than the file's
    newest (late from the fourth file on) and two NULL timestamps."""
    rng = random.Random(20240117)
    actions = ["click", "view", "purchase", "scroll"]
    files = {}
    for k in range(5):
        newest = 8 * k + 8
        records = []
        for j in range(40):
            if k >= 1 and rng.random() < 0.15:
                minute = max(0, newest - rng.randint(20, 35))
            else:
                minute = rng.randint(8 * k, 8 * k + 7)
            ts = None if (k, j) in ((1, 17), (3, 30)) else f"2024-01-15 10:{minute:02d}:{rng.randint(0, 59):02d}"
            records.append({"user_id": rng.randint(1, 15), "action": rng.choice(actions),
                            "value": rng.randint(1, 2000) / 4, "timestamp": ts})
        files[f"events_{k}.json"] = ndjson(records)
    return files


def case_lab_complete_example() -> Case:
    return Case(
        name="lab_complete_example",
        words=("Lab Part 12: 5 JSON-lines files of 40 seeded events (user_id 1..15, action in "
               "click/view/purchase/scroll, value multiple of 0.25, timestamp field declared "
               "TIMESTAMP, ~10:00-10:40 in file order with some rows 20-35 minutes older than their "
               "file's newest, two NULL timestamps), maxFilesPerTrigger=1; 10-minute watermark, "
               "5-minute window and action, count(*) as action_count, sum(value) as total_value and "
               "unique_users; update mode. The lab's countDistinct is rejected on streams, so the "
               "golden computes the exact equivalent size(collect_set(user_id)) cast to bigint "
               "(spate computes it with count_distinct)."),
        format="json",
        schema_ddl="user_id INT, action STRING, value DOUBLE, timestamp TIMESTAMP",
        options={"maxFilesPerTrigger": "1"},
        query=('(df.withWatermark("timestamp", "10 minutes")\n'
               '   .groupBy(window("timestamp", "5 minutes"), "action")\n'
               '   .agg(count("*").alias("action_count"),\n'
               '        sum("value").alias("total_value"),\n'
               '        size(collect_set("user_id")).cast("bigint").alias("unique_users")))'),
        write_inputs=text_files(lab_complete_inputs()),
        output_mode="update",
        progress=True,
    )


def case_lab_complete_example_no_data_batches_off() -> Case:
    c = case_lab_complete_example()
    c.name = "lab_complete_example_no_data_batches_off"
    c.words += (" With spark.sql.streaming.noDataMicroBatches.enabled=false: the trailing batch "
                "without new data, which the moved watermark would run, does not run.")
    c.conf = {"spark.sql.streaming.noDataMicroBatches.enabled": "false"}
    return c


def case_complete_without_aggregation_error() -> Case:
    return lab_part3_case(
        name="complete_without_aggregation_error",
        words=("Lab Part 3 data, identity query (no aggregation) in complete mode: start() raises "
               "an AnalysisException, no batch runs."),
        query="df",
        output_mode="complete",
    )


# ---------------------------------------------------------------------------------------
# Two inputs: `df` reads input/, `df2` reads input2/ with the same reader code.
# ---------------------------------------------------------------------------------------

UNION_SCHEMA = "event_time TIMESTAMP, word STRING"


def _union_watermark_case(policy: str) -> Case:
    outcome = {
        "min": ("the idle second input pins the global watermark at 1970 (0): nothing is ever "
                "emitted."),
        "max": ("the global watermark is the first input's 10:19 - 10 minutes = 10:09, so "
                "window [10:00,10:05) is emitted in a no-data batch."),
    }[policy]
    return Case(
        name=f"union_watermark_{policy}",
        words=("Two JSON-lines inputs with schema event_time TIMESTAMP, word STRING: input/ has one "
               "file a.json with rows 2024-01-15 10:00, 10:03, 10:07, 10:19 (word \"w\"), input2/ is "
               "an EMPTY folder (no files). Both read with the same reader; each gets a 10-minute "
               "watermark, they are unioned and grouped by a 5-minute tumbling window, count(); "
               f"append mode; spark.sql.streaming.multipleWatermarkPolicy={policy}. SEMANTICS.md "
               "§5.2: " + outcome),
        format="json",
        schema_ddl=UNION_SCHEMA,
        conf={"spark.sql.streaming.multipleWatermarkPolicy": policy},
        query=('(df.withWatermark("event_time", "10 minutes")\n'
               '   .union(df2.withWatermark("event_time", "10 minutes"))\n'
               '   .groupBy(window("event_time", "5 minutes"))\n'
               '   .count())'),
        write_inputs=text_files({"a.json": ndjson([
            {"event_time": f"2024-01-15 10:{m:02d}:00", "word": "w"} for m in (0, 3, 7, 19)])}),
        second_input=text_files({}),
        output_mode="append",
        progress=True,
    )


def case_union_watermark_min() -> Case:
    return _union_watermark_case("min")


def case_union_watermark_max() -> Case:
    return _union_watermark_case("max")


def _rows(spec: str) -> str:
    """"10:00 a, 10:03 b" -> JSON lines on 2024-01-15."""
    recs = []
    for item in spec.split(","):
        hm, word = item.split()
        recs.append({"event_time": f"2024-01-15 {hm}:00", "word": word})
    return ndjson(recs)


def case_union_two_inputs_update() -> Case:
    return Case(
        name="union_two_inputs_update",
        words=("Two JSON-lines inputs (event_time TIMESTAMP, word STRING, words a/b/c on 2024-01-15), "
               "maxFilesPerTrigger=1 on both, so each batch takes one file from each input while it "
               "has files. input/: a0 = 10:00-10:22 (max 10:22), a1 = 10:14-10:40 (max 10:40); "
               "input2/: b0 = 10:02-10:20 (max 10:20), b1 = 10:18-10:33 (max 10:33) plus rows at "
               "10:04, 10:07, 10:09, b2 = 10:36-10:44 (max 10:44) plus rows at 10:05, 10:08, 10:15. "
               "df gets a 10-minute watermark, df2 a 5-minute one; union, 10-minute tumbling window "
               "and word, count(); update mode, default multipleWatermarkPolicy (min). Global "
               "watermark (WE): batch 0 -> 0; batch 1 -> min(10:12, 10:15) = 10:12, but late rows "
               "are tested against the previous batch's watermark (WL = 0), so b1's 10:0x rows are "
               "counted and window [10:00,10:10) is then evicted; batch 2 (b2 only, input/ is "
               "exhausted but keeps its 10:30) -> min(10:30, 10:28) = 10:28 with WL = 10:12: b2's "
               "10:05/10:08 rows are dropped, its 10:15 row is counted, emitted and evicted in the "
               "same batch; then a no-data batch with min(10:30, 10:39) = 10:30 evicts the windows "
               "ending at 10:30. The third file of input2/ is needed because a row can only be "
               "dropped from the third data batch on (WL(N) = WE(N-1))."),
        format="json",
        schema_ddl=UNION_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=('(df.withWatermark("event_time", "10 minutes")\n'
               '   .union(df2.withWatermark("event_time", "5 minutes"))\n'
               '   .groupBy(window("event_time", "10 minutes"), "word")\n'
               '   .count())'),
        write_inputs=text_files({
            "a0.json": _rows("10:00 a, 10:03 b, 10:08 a, 10:12 c, 10:17 b, 10:22 a"),
            "a1.json": _rows("10:25 b, 10:31 c, 10:36 a, 10:40 b, 10:14 c, 10:28 a"),
        }),
        second_input=text_files({
            "b0.json": _rows("10:02 c, 10:06 a, 10:11 b, 10:15 a, 10:20 c"),
            "b1.json": _rows("10:04 a, 10:07 b, 10:26 c, 10:33 b, 10:09 a, 10:18 a"),
            "b2.json": _rows("10:36 c, 10:05 c, 10:44 a, 10:08 b, 10:15 a, 10:39 b"),
        }),
        output_mode="update",
        progress=True,
    )

# ---------------------------------------------------------------------------------------
# Deduplication (SEMANTICS.md §7): four files of the lab schema, maxFilesPerTrigger=1.
# ---------------------------------------------------------------------------------------

DEDUP_SCHEMA = "id INT, name STRING, value DOUBLE, timestamp STRING"


def _events(spec: List[Tuple[int, str, float, str]]) -> str:
    """[(id, name, value, "hh:mm[:ss]"), ...] -> JSON lines on 2024-01-15."""
    return ndjson([{"id": i, "name": n, "value": v,
                    "timestamp": f"2024-01-15 {hm}:00" if hm.count(":") == 1 else f"2024-01-15 {hm}"}
                   for i, n, v, hm in spec])


def dedup_files() -> Dict[str, str]:
    """d0: (1,a,10:00) then (1,b,10:00) (same id and time, a wins), (1,a,10:05) (same id,
    another time); d1 repeats (2,10:02) and (1,10:05); d2 repeats (3,10:08) and (4,10:15) and
    has (2,l,09:55), late for WL = 09:58; d3 has (1,n,10:00) (key evicted, late for WL = 10:10),
    repeats (5,10:20), new keys (2,q,10:12) and (1,r,10:22). Batch max event times 10:08,
    10:20, 10:25, 10:30 -> watermarks 09:58, 10:10, 10:15, 10:20."""
    return {
        "d0.json": _events([(1, "a", 1.0, "10:00"), (1, "b", 1.25, "10:00"), (2, "c", 2.5, "10:02"),
                            (1, "a", 3.75, "10:05"), (3, "e", 4.0, "10:08")]),
        "d1.json": _events([(2, "c", 5.25, "10:02"), (4, "g", 6.5, "10:15"), (1, "a", 7.75, "10:05"),
                            (5, "i", 8.0, "10:20")]),
        "d2.json": _events([(3, "e", 9.25, "10:08"), (6, "k", 10.5, "10:25"), (2, "l", 11.75, "09:55"),
                            (4, "g", 12.0, "10:15")]),
        "d3.json": _events([(1, "n", 13.25, "10:00"), (5, "i", 14.5, "10:20"), (7, "p", 15.75, "10:30"),
                            (2, "q", 16.0, "10:12"), (1, "r", 17.25, "10:22")]),
    }


DEDUP_WORDS = ("Four JSON-lines files (id INT, name STRING, value DOUBLE, timestamp STRING on "
               "2024-01-15), maxFilesPerTrigger=1 (one file per batch, data batches back to back "
               "under availableNow): d0 = (1,a,10:00) (1,b,10:00) (2,c,10:02) (1,a,10:05) (3,e,10:08); "
               "d1 = (2,c,10:02) (4,g,10:15) (1,a,10:05) (5,i,10:20); d2 = (3,e,10:08) (6,k,10:25) "
               "(2,l,09:55) (4,g,10:15); d3 = (1,n,10:00) (5,i,10:20) (7,p,10:30) (2,q,10:12) "
               "(1,r,10:22) (values 1.0, 1.25, ... distinguish the copies). event_time = "
               "to_timestamp(timestamp) with a 10-minute watermark: WE per batch 0, 09:58, 10:10, "
               "10:15 and 10:20 after d3; late test against WL = previous batch's WE. ")


def _dedup_case(name: str, words: str, query: str, output_mode: str = "append",
                progress: bool = True) -> Case:
    return Case(
        name=name,
        words=DEDUP_WORDS + words,
        format="json",
        schema_ddl=DEDUP_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=query,
        write_inputs=text_files(dedup_files()),
        output_mode=output_mode,
        progress=progress,
    )


def case_dedup_event_time_keys() -> Case:
    return _dedup_case(
        "dedup_event_time_keys",
        "Lab Part 9.1: dropDuplicates([id, event_time]), append mode. The first row of a key "
        "in file order survives; repeats are dropped while the key is in state "
        "(numDroppedDuplicateRows); keys with event_time <= WE are evicted; (2,l,09:55) and "
        "(1,n,10:00) are dropped as late; a no-data batch follows the last data batch.",
        '(df.withColumn("event_time", to_timestamp("timestamp"))\n'
        '   .withWatermark("event_time", "10 minutes")\n'
        '   .dropDuplicates(["id", "event_time"]))')


def case_dedup_id_only() -> Case:
    return _dedup_case(
        "dedup_id_only",
        "dropDuplicates([id]) with the watermark upstream, append mode: each id is emitted "
        "once, the state is never evicted, rows with event_time <= WL are still dropped as late.",
        '(df.withColumn("event_time", to_timestamp("timestamp"))\n'
        '   .withWatermark("event_time", "10 minutes")\n'
        '   .dropDuplicates(["id"]))')


def case_dedup_within_watermark() -> Case:
    return _dedup_case(
        "dedup_within_watermark",
        "dropDuplicatesWithinWatermark([id]), append mode: a key expires at its first row's "
        "event_time + 10 minutes (evicted once WE reaches it); an id arriving after its key "
        "expired is emitted again; late rows are dropped.",
        '(df.withColumn("event_time", to_timestamp("timestamp"))\n'
        '   .withWatermark("event_time", "10 minutes")\n'
        '   .dropDuplicatesWithinWatermark(["id"]))')


def case_distinct_no_watermark() -> Case:
    return _dedup_case(
        "distinct_no_watermark",
        "select(id, name).distinct() without watermark, update mode: each (id, name) pair is "
        "emitted once, in the batch where it first appears; state is never evicted.",
        'df.select("id", "name").distinct()',
        output_mode="update", progress=False)


# ---------------------------------------------------------------------------------------
# Stream-stream joins (SEMANTICS.md §8): `df` (left) and `df2` (right), 3 files each,
# maxFilesPerTrigger=1, so data batch k joins left file k with right file k.
# ---------------------------------------------------------------------------------------

def join_left_files() -> Dict[str, str]:
    return {
        "l0.json": _events([(1, "L1a", 1.25, "10:00"), (2, "L2a", 2.5, "10:01"), (3, "L3a", 3.75, "10:02"),
                            (4, "L4a", 4.0, "10:04"), (5, "L5a", 5.25, "10:10")]),
        "l1.json": _events([(7, "L7a", 7.5, "10:12"), (6, "L6a", 6.25, "10:14"), (8, "L8a", 8.0, "10:20"),
                            (9, "L9a", 9.25, "10:11")]),
        "l2.json": _events([(11, "L11a", 11.5, "10:25"), (1, "L1late", 1.5, "09:58"),
                            (12, "L12a", 12.0, "10:30")]),
    }


def join_right_files() -> Dict[str, str]:
    return {
        "r0.json": _events([(1, "R1a", 10.5, "10:03"), (2, "R2a", 20.25, "10:06"), (3, "R3a", 30.0, "10:09"),
                            (6, "R6a", 60.75, "10:05"), (1, "R1b", 11.0, "10:08")]),
        "r1.json": _events([(5, "R5a", 50.5, "10:12"), (7, "R7a", 70.0, "10:15"), (7, "R7b", 71.25, "10:16"),
                            (10, "R10a", 100.25, "10:21")]),
        "r2.json": _events([(8, "R8a", 80.5, "10:24"), (11, "R11a", 110.75, "10:29"),
                            (4, "R4late", 40.25, "09:59"), (13, "R13a", 130.0, "10:32")]),
    }


JOIN_WORDS = (
    "Two JSON-lines inputs (id INT, name STRING, value DOUBLE, timestamp STRING on 2024-01-15), "
    "maxFilesPerTrigger=1 on both, so data batch k takes left file lk and right file rk. "
    "Left: l0 = (1,L1a,10:00) (2,L2a,10:01) (3,L3a,10:02) (4,L4a,10:04) (5,L5a,10:10); "
    "l1 = (7,L7a,10:12) (6,L6a,10:14) (8,L8a,10:20) (9,L9a,10:11); "
    "l2 = (11,L11a,10:25) (1,L1late,09:58) (12,L12a,10:30). "
    "Right: r0 = (1,R1a,10:03) (2,R2a,10:06) (3,R3a,10:09) (6,R6a,10:05) (1,R1b,10:08); "
    "r1 = (5,R5a,10:12) (7,R7a,10:15) (7,R7b,10:16) (10,R10a,10:21); "
    "r2 = (8,R8a,10:24) (11,R11a,10:29) (4,R4late,09:59) (13,R13a,10:32). "
    "Both sides: event_time = to_timestamp(timestamp), 10-minute watermark, aliases s1 / s2, the "
    "right side renamed to id2, value2, event_time; lab Part 9.2 condition id = id2 AND "
    "s1.event_time within +-5 minutes of s2.event_time. Global watermark (min): WE = 0, 0, "
    "min(10:00, 09:59) = 09:59, then min(10:10, 10:11) = 10:10 for batch 2 (late test WL = 09:59: "
    "L1late and R4late are dropped although they would match R1a / L4a), then min(10:20, 10:22) "
    "= 10:20 for the no-data batch 3. Pairs: L1a-R1a, L2a-R2a (5 minutes apart, inclusive), "
    "L5a-R5a and L8a-R8a (across batches), L7a-R7a, L7a-R7b, L11a-R11a; same id but out of "
    "range: L1a-R1b, L3a-R3a, L6a-R6a; one side only: L4a, L9a, L12a, R10a, R13a. "
    "State rows of a side are evicted when their event_time < WE - 5 minutes (R6a at 10:05 "
    "survives WE = 10:10). The output has two columns named event_time; golden rows key the "
    "second one `event_time#2`. ")

JOIN_QUERY = (
    '(lambda s1, s2: s1.join(s2, expr("id = id2 AND s1.event_time >= s2.event_time - interval 5 minutes "\n'
    '                                 "AND s1.event_time <= s2.event_time + interval 5 minutes"), {how}))(\n'
    '    df.withColumn("event_time", to_timestamp("timestamp")).withWatermark("event_time", "10 minutes").alias("s1"),\n'
    '    (df2.withColumn("event_time", to_timestamp("timestamp")).withWatermark("event_time", "10 minutes")\n'
    '        .select(col("id").alias("id2"), col("value").alias("value2"), "event_time").alias("s2")))')


def _join_case(name: str, how: str, words: str, output_mode: str = "append",
               progress: bool = True) -> Case:
    return Case(
        name=name,
        words=JOIN_WORDS + words,
        format="json",
        schema_ddl=DEDUP_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=JOIN_QUERY.format(how=json.dumps(how)),
        write_inputs=text_files(join_left_files()),
        second_input=text_files(join_right_files()),
        output_mode=output_mode,
        progress=progress,
    )


def case_join_inner_interval() -> Case:
    return _join_case("join_inner_interval", "inner",
                      "Inner join, append mode: each pair is emitted once, in the batch where its "
                      "second row arrives.")


def case_join_left_outer() -> Case:
    return _join_case("join_left_outer", "left_outer",
                      "Left outer join, append mode: pairs as in the inner join; unmatched left rows "
                      "are emitted NULL-padded when evicted (L3a, L4a in batch 2; L6a, L9a in the "
                      "no-data batch 3); L12a stays in state.")


def case_join_full_outer() -> Case:
    return _join_case("join_full_outer", "full_outer",
                      "Full outer join, append mode: as left outer, plus unmatched right rows "
                      "NULL-padded on the left when evicted.")


def case_join_left_semi() -> Case:
    return _join_case("join_left_semi", "left_semi",
                      "Left semi join, append mode: a left row (left columns only) is emitted once, "
                      "at its first match (L7a once although it matches R7a and R7b).")


def case_join_outer_update_error() -> Case:
    return _join_case("join_outer_update_error", "left_outer",
                      "Left outer join in update mode: start() raises an AnalysisException, no "
                      "batch runs.", output_mode="update", progress=False)


# ---------------------------------------------------------------------------------------
# USING joins (`df.join(other, "id")` / `df.join(other, ["id", "event_time"], how)`): each
# USING column once, then the other left columns, then the other right ones.
# ---------------------------------------------------------------------------------------

USING_WATERMARKED = (
    '(lambda s1, s2: s1.join(s2, {on}, {how}))(\n'
    '    df.withColumn("event_time", to_timestamp("timestamp")).withWatermark("event_time", "10 minutes"),\n'
    '    df2.withColumn("event_time", to_timestamp("timestamp")).withWatermark("event_time", "10 minutes"))')


def using_right_files() -> Dict[str, str]:
    return {
        "r0.json": _events([(1, "R1a", 10.5, "10:00"), (2, "R2x", 20.25, "10:05"), (6, "R6a", 60.75, "10:14")]),
        "r1.json": _events([(7, "R7a", 70.0, "10:12"), (10, "R10a", 100.25, "10:21"), (7, "R7b", 71.25, "10:12")]),
        "r2.json": _events([(11, "R11a", 110.75, "10:25"), (4, "R4late", 40.25, "09:59"),
                            (13, "R13a", 130.0, "10:32")]),
    }


USING_WORDS = (
    "Two JSON-lines inputs (id INT, name STRING, value DOUBLE, timestamp STRING on 2024-01-15), "
    "maxFilesPerTrigger=1 on both. Left: the stream-stream join files l0..l2. Right: "
    "r0 = (1,R1a,10:00) (2,R2x,10:05) (6,R6a,10:14); r1 = (7,R7a,10:12) (10,R10a,10:21) "
    "(7,R7b,10:12); r2 = (11,R11a,10:25) (4,R4late,09:59) (13,R13a,10:32). Both sides: "
    "event_time = to_timestamp(timestamp), 10-minute watermark. ")


def _using_case(name: str, on: Any, how: str, words: str) -> Case:
    return Case(
        name=name,
        words=USING_WORDS + words,
        format="json",
        schema_ddl=DEDUP_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=USING_WATERMARKED.format(on=json.dumps(on), how=json.dumps(how)),
        write_inputs=text_files(join_left_files()),
        second_input=text_files(using_right_files()),
        progress=True,
    )


def case_join_using_inner() -> Case:
    return _using_case("join_using_inner", "id", "inner",
                       "Inner USING join on id alone (no time bound: state is never evicted): "
                       "id, then the left name/value/timestamp/event_time, then the right ones; "
                       "L1a meets R1a, L6a meets R6a (across batches), L7a meets R7a and R7b.")


def case_join_using_full_outer() -> Case:
    return _using_case("join_using_full_outer", ["id", "event_time"], "full_outer",
                       "Full outer USING join on id and the watermarked event_time (rows evicted "
                       "by the watermark, unmatched ones NULL-padded): id and event_time are the "
                       "left value where the left row exists, else the right one. Matches: "
                       "L1a-R1a (1, 10:00), L6a-R6a (6, 10:14), L7a-R7a, L7a-R7b (7, 10:12), "
                       "L11a-R11a (11, 10:25); R2x is 4 minutes after L2a and matches nothing.")


def case_join_using_right_outer() -> Case:
    return _using_case("join_using_right_outer", ["id", "event_time"], "right_outer",
                       "Right outer USING join on id and event_time: the USING columns are the "
                       "right input's; unmatched right rows are NULL-padded on the left when "
                       "evicted.")


def case_join_using_stream_static() -> Case:
    return Case(
        name="join_using_stream_static",
        words=("A stream (the stream-stream join's left files l0..l2, maxFilesPerTrigger=1) "
               "left-outer joined USING id with a static JSON table read as (id BIGINT, label "
               "STRING): every stream row is settled in its own batch; id keeps the stream's "
               "INT type; ids 1 and 7 have two labels, 12 none."),
        format="json",
        schema_ddl=DEDUP_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=('df.join(spark.read.schema("id BIGINT, label STRING").json(input2_dir), "id", '
               '"left_outer")'),
        write_inputs=text_files(join_left_files()),
        second_input=text_files({"labels.json": ndjson([
            {"id": 1, "label": "one"}, {"id": 7, "label": "seven"}, {"id": 1, "label": "uno"},
            {"id": 3, "label": "three"}, {"id": 11, "label": "eleven"}, {"id": 7, "label": "sieben"},
            {"id": 99, "label": "unused"}])}),
        progress=True,
    )


# ---------------------------------------------------------------------------------------
# String tests: LIKE (and NOT LIKE, ESCAPE), startswith, endswith, contains. Spark pushes
# startswith / endswith / contains on a string column into the JSON scan, and a LIKE whose
# pattern its optimizer simplifies (`abc%`, `%abc`, `%abc%`, `abc`, and `abc%xyz` as a
# startswith and an endswith); numInputRows counts only the rows the pushed filters keep.
# ---------------------------------------------------------------------------------------

def string_test_files() -> Dict[str, str]:
    return {
        "s0.json": ndjson([
            {"id": 1, "name": "Event_1", "value": 1.0, "timestamp": "2024-01-15 10:00:00"},
            {"id": 12, "name": "ev%t", "value": 2.0, "timestamp": "2024-01-15 10:01:00"},
            {"id": 3, "name": None, "value": 3.0, "timestamp": "2024-01-15 10:02:00"},
            {"id": 14, "name": "a\nb", "value": 4.0, "timestamp": "2024-01-15 10:03:00"},
            {"id": 5, "name": "a_c", "value": 5.0, "timestamp": "2024-01-15 10:04:00"},
            {"id": 16, "value": 6.0, "timestamp": "2024-01-15 10:05:00"},
        ]),
        "s1.json": ndjson([
            {"id": None, "name": "Evz", "value": 7.0, "timestamp": "2024-01-15 10:06:00"},
            {"id": 18, "name": "Ez", "value": 8.0, "timestamp": "2024-01-15 10:07:00"},
            {"id": 19, "name": "E", "value": 9.0, "timestamp": "2024-01-15 10:08:00"},
            {"id": 110, "name": "Ex1", "value": 10.0, "timestamp": "2024-01-15 10:09:00"},
            {"id": 11, "name": "Ev_1", "value": 11.0, "timestamp": "2024-01-15 10:10:00"},
            {"id": 112, "name": "a!_c", "value": 12.0, "timestamp": "2024-01-15 10:11:00"},
            {"id": 13, "value": 13.0, "timestamp": "2024-01-15 10:12:00"},
        ]),
    }


STRING_TEST_WORDS = (
    "JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), maxFilesPerTrigger=1: "
    "s0 = (1, Event_1) (12, ev%t) (3, NULL) (14, 'a<newline>b') (5, a_c) (16, no name key); "
    "s1 = (NULL, Evz) (18, Ez) (19, E) (110, Ex1) (11, Ev_1) (112, a!_c) (13, no name key). ")


def _string_case(name: str, query: str, words: str) -> Case:
    return Case(
        name=name,
        words=STRING_TEST_WORDS + words,
        format="json",
        schema_ddl=DEDUP_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=query,
        write_inputs=text_files(string_test_files()),
        progress=True,
    )


def case_string_tests_select() -> Case:
    return _string_case(
        "string_tests_select",
        r'''df.select("id", "name", col("name").like("Ev%"), col("name").like("ev\\%t"), '''
        r'''col("name").like("a_b"), col("name").like("a\\_c"), col("name").like("%"), col("name").like(""), '''
        r'''col("name").startswith("Ev"), col("name").endswith("t"), col("name").contains("_"), '''
        r'''col("id").like("1%"), col("value").startswith("1"), expr("name LIKE 'a!_c' ESCAPE '!'"), '''
        r'''expr("name NOT LIKE '%v%'"), expr("startswith(name, 'E')"), expr("like(name, 'E_')"))''',
        "Every test's value and name: `%` any characters (a line end too), `_` one, `\\` "
        "before a wildcard takes it literally, ESCAPE picks another escape character; numbers "
        "are tested as their strings; NULL (or an absent key) gives NULL.")


def case_string_filter_pushed() -> Case:
    return _string_case(
        "string_filter_pushed",
        'df.filter(col("name").startswith("E") & col("name").like("%1") & ~col("name").contains("x"))',
        "Filter startswith E, LIKE '%1' (an endswith), NOT contains x: all three pushed into "
        "the scan, so numInputRows counts only Event_1 and Ev_1 (and the rows without a name "
        "key, which a pushed filter never rejects).")


def case_string_filter_like_kept() -> Case:
    return _string_case(
        "string_filter_like_kept",
        'df.filter(col("name").like("E_%"))',
        "Filter LIKE 'E_%' (not a simple pattern: not pushed); Spark still pushes the name IS "
        "NOT NULL it infers, so numInputRows leaves out the NULL name.")


def case_string_filter_like_starts_and_ends() -> Case:
    return _string_case(
        "string_filter_like_starts_and_ends",
        'df.filter(col("name").like("E%z") | (col("id") > 100)).filter(col("name").like("E%z"))',
        "A LIKE inside an OR is not pushed (nor the OR); the second filter's LIKE 'E%z' is "
        "pushed as a startswith E and an endswith z (Spark's length check stays behind).")


# ---------------------------------------------------------------------------------------
# split and explode: the Structured Streaming guide's word count, and a generator among
# other projection items with filters on either side of it.
# ---------------------------------------------------------------------------------------

def case_word_count_complete() -> Case:
    return Case(
        name="word_count_complete",
        words=("The Structured Streaming guide's word count over text files (maxFilesPerTrigger=1): "
               "explode(split(value, ' ')) AS word, groupBy(word).count(), complete mode. Double "
               "spaces and a trailing space make empty words; an empty line is one empty word."),
        format="text",
        schema_ddl=None,
        options={"maxFilesPerTrigger": "1"},
        query='df.select(explode(split(df.value, " ")).alias("word")).groupBy("word").count()',
        write_inputs=text_files({
            "lines_0.txt": "apache spark\nspark streaming  with spark \n\n",
            "lines_1.txt": "spate streams\nspark\n",
        }),
        output_mode="complete",
        progress=True,
    )


def case_explode_select() -> Case:
    return Case(
        name="explode_select",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), maxFilesPerTrigger=1; "
               "names 'a,b', NULL, '', 'x,,y,', 'b' and an absent key. Filter id > 0, then id, "
               "explode_outer(split(name, ',')) AS part and split(name, ',', 2), then filter "
               "part <> 'b' (after the generator: it cannot move below it); NULL and '' names "
               "give one row (NULL part, and '' part)."),
        format="json",
        schema_ddl=DEDUP_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=('df.filter(col("id") > 0).select("id", explode_outer(split(col("name"), ",")).alias("part"), '
               'split(col("name"), ",", 2)).filter(col("part") != "b")'),
        write_inputs=text_files({
            "e0.json": ndjson([
                {"id": 1, "name": "a,b", "value": 1.0, "timestamp": "2024-01-15 10:00:00"},
                {"id": 2, "name": None, "value": 2.0, "timestamp": "2024-01-15 10:01:00"},
                {"id": 0, "name": "z,z", "value": 3.0, "timestamp": "2024-01-15 10:02:00"},
                {"id": 3, "name": "", "value": 4.0, "timestamp": "2024-01-15 10:03:00"},
            ]),
            "e1.json": ndjson([
                {"id": 4, "name": "x,,y,", "value": 5.0, "timestamp": "2024-01-15 10:04:00"},
                {"id": 5, "name": "b", "value": 6.0, "timestamp": "2024-01-15 10:05:00"},
                {"id": 6, "value": 7.0, "timestamp": "2024-01-15 10:06:00"},
            ]),
        }),
        progress=True,
    )


def _json_select_case(name: str, words: str, query: str, rows: List[Dict[str, Any]],
                      conf: Optional[Dict[str, str]] = None) -> Case:
    """A query over one file of JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING)
    holding `rows`, with progress recorded."""
    return Case(
        name=name,
        words=words,
        format="json",
        schema_ddl=DEDUP_SCHEMA,
        conf=conf or {},
        query=query,
        write_inputs=text_files({"f.json": ndjson(rows)}),
        progress=True,
    )


def case_explode_filter_pushed() -> Case:
    return _json_select_case(
        name="explode_filter_pushed",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), one file. "
               "select id, explode(split(name, ',')) AS part, CAST(timestamp AS INT) AS t, then "
               "filter id > 1 and part <> 'x'. Spark pushes the filter on id (a column the "
               "generator passes through) below it and into the scan (numInputRows 3 of 4); the "
               "one on part stays above it. The NULL name makes no row, so its timestamp 'bad' "
               "is never cast (ANSI would fail on it)."),
        query=('df.select("id", explode(split(col("name"), ",")).alias("part"), '
               'col("timestamp").cast("int").alias("t")).filter(col("id") > 1).filter(col("part") != "x")'),
        rows=[
            {"id": 1, "name": "a,b", "value": 1.0, "timestamp": "1"},
            {"id": 2, "name": "x,c", "value": 2.0, "timestamp": "2"},
            {"id": 3, "name": None, "value": 3.0, "timestamp": "bad"},
            {"id": 4, "name": "", "value": 4.0, "timestamp": "4"},
        ],
    )


def case_batch_timestamp_select() -> Case:
    return Case(
        name="batch_timestamp_select",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), two files, "
               "maxFilesPerTrigger=1: current_timestamp() (the batch's timestamp) in expressions "
               "whose values do not depend on the clock: later than 2020, not NULL. (now() is not "
               "the batch timestamp in a stream: Spark gives it the time the batch's plan is "
               "optimized, so current_timestamp() = now() is false.)"),
        format="json",
        schema_ddl=DEDUP_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=('df.select("id", current_timestamp() > to_timestamp(lit("2020-01-01 00:00:00")), '
               'current_timestamp().isNotNull())'),
        write_inputs=text_files({
            "a.json": ndjson([{"id": 1, "name": "a", "value": 1.0, "timestamp": "2024-01-15 10:00:00"}]),
            "b.json": ndjson([{"id": 2, "name": "b", "value": 2.0, "timestamp": "2024-01-15 10:01:00"}]),
        }),
        progress=True,
    )


def case_regex_functions_select() -> Case:
    return _json_select_case(
        name="regex_functions_select",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), one file; names "
               "with digits, without, empty, NULL and an absent key. rlike, regexp_replace with a "
               "$1 group and with an empty pattern, regexp_extract of group 1 and of a group that "
               "did not take part, from the Column API and SQL text (RLIKE, NOT REGEXP), and a "
               "filter on rlike (Spark infers name IS NOT NULL from it, pushed into the scan)."),
        query=(r'''df.filter(col("name").rlike("[a-z]") | col("id").isNull()).select("id", col("name").rlike(r"\d+"), '''
               r'''regexp_replace(col("name"), r"(\d+)", "<$1>"), regexp_replace(col("name"), "", "-"), '''
               r'''regexp_extract(col("name"), r"(\d+)", 1), regexp_extract(col("name"), r"([a-z])(\d)?", 2), '''
               r'''expr("name RLIKE '^E'"), expr("name NOT REGEXP 'x'"), expr("regexp_extract(name, '([a-z]+)_')"))'''),
        rows=[
            {"id": 1, "name": "Event_12 x34", "value": 1.0, "timestamp": "2024-01-15 10:00:00"},
            {"id": 2, "name": None, "value": 2.0, "timestamp": "2024-01-15 10:01:00"},
            {"id": 3, "name": "abc", "value": 3.0, "timestamp": "2024-01-15 10:02:00"},
            {"id": 4, "name": "", "value": 4.0, "timestamp": "2024-01-15 10:03:00"},
            {"id": 5, "value": 5.0, "timestamp": "2024-01-15 10:04:00"},
            {"id": 6, "name": "lower_9", "value": 6.0, "timestamp": "2024-01-15 10:05:00"},
        ],
    )


def case_date_parts_select() -> Case:
    return _json_select_case(
        name="date_parts_select",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), one file; session "
               "time zone America/New_York. year, month, dayofmonth, hour, minute, second of "
               "to_timestamp(timestamp) (local fields; whole seconds), of the string itself "
               "(cast implicitly), and from SQL text; date_format with three patterns; a NULL "
               "timestamp gives NULL. dayofmonth and year of a string read the date it starts "
               "with (Spark casts it to a DATE: no zone conversion, trailing text ignored)."),
        query=('df.select("id", year(to_timestamp("timestamp")), month(to_timestamp("timestamp")), '
               'dayofmonth(to_timestamp("timestamp")), hour(to_timestamp("timestamp")), '
               'minute(to_timestamp("timestamp")), second(to_timestamp("timestamp")), hour("timestamp"), '
               'expr("minute(timestamp)"), date_format(to_timestamp("timestamp"), "yyyy-MM-dd HH:mm"), '
               'date_format("timestamp", "EEE, d MMM yyyy h:mm:ss.SSS a XXX"), '
               'expr("date_format(timestamp, \'HH\')"), dayofmonth("timestamp"), year(lit("2024-01-15 junk")))'),
        rows=[
            {"id": 1, "name": "a", "value": 1.0, "timestamp": "2024-01-15 10:04:05.5"},
            {"id": 2, "name": "b", "value": 2.0, "timestamp": None},
            {"id": 3, "name": "c", "value": 3.0, "timestamp": "1969-12-31 23:59:59"},
            {"id": 4, "name": "d", "value": 4.0, "timestamp": "2024-03-10 03:30:00"},
            {"id": 5, "name": "e", "value": 5.0, "timestamp": "2024-11-03T01:30:00-04:00"},
        ],
        conf={"spark.sql.session.timeZone": "America/New_York"},
    )


def case_math_functions_select() -> Case:
    return _json_select_case(
        name="math_functions_select",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), one file; values "
               "negative, fractional, NULL, NaN-free. abs (keeping int and double), sqrt (NaN "
               "below zero), floor and ceil (bigint, of doubles and of ints), pow, and the same "
               "from SQL text."),
        query=('df.select("id", abs(col("value")), abs(col("id")), sqrt(col("value")), floor(col("value")), '
               'ceil(col("value")), floor(col("id")), pow(col("value"), 2), '
               'expr("power(id, 0.5)"), expr("abs(value) + ceil(value)"))'),
        rows=[
            {"id": 1, "name": "a", "value": -2.5, "timestamp": "2024-01-15 10:00:00"},
            {"id": -4, "name": "b", "value": 16.0, "timestamp": "2024-01-15 10:01:00"},
            {"id": 3, "name": "c", "value": None, "timestamp": "2024-01-15 10:02:00"},
            {"id": 9, "name": "d", "value": 0.1, "timestamp": "2024-01-15 10:03:00"},
        ],
    )


def case_dates_select() -> Case:
    return _json_select_case(
        name="dates_select",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), one file; session "
               "time zone America/New_York. to_date of the string (its date as written, whatever "
               "follows), of a pattern-parsed string, and of a timestamp (its local date); the "
               "date as a string, compared with a string, as a timestamp (local midnight), its "
               "year and its date_format; current_date() later than 2020; SQL text forms; a date "
               "in concat and LIKE (as its string), in to_timestamp and in a coalesce with a "
               "timestamp (as its local midnight)."),
        query=('df.select("id", to_date("timestamp"), to_date("name", "dd/MM/yyyy"), '
               'to_date(to_timestamp("timestamp")), to_date("timestamp").cast("string"), '
               'to_date("timestamp") >= "2024-01-15", to_date("timestamp").cast("timestamp"), '
               'year(to_date("timestamp")), date_format(to_date("timestamp"), "yyyy/MM/dd HH:mm"), '
               'current_date() > to_date(lit("2020-01-01")), expr("CAST(timestamp AS DATE)"), '
               'expr("to_date(name, \'dd/MM/yyyy\')"), concat(to_date("timestamp"), lit("x")), '
               'to_date("timestamp").like("2024-01%"), to_timestamp(to_date("timestamp")), '
               'coalesce(to_date("timestamp"), to_timestamp(lit("2020-01-01 00:00:00"))))'),
        rows=[
            {"id": 1, "name": "15/01/2024", "value": 1.0, "timestamp": "2024-01-15 23:30:00"},
            {"id": 2, "name": "01/02/2023", "value": 2.0, "timestamp": "2024-01-14T23:30:00Z"},
            {"id": 3, "name": None, "value": 3.0, "timestamp": None},
            {"id": 4, "name": "29/02/2024", "value": 4.0, "timestamp": "2024-03-10"},
        ],
        conf={"spark.sql.session.timeZone": "America/New_York"},
    )


def moments_files() -> Dict[str, str]:
    return {
        "m0.json": _events([(1, "a", 1.5, "10:00"), (2, "a", 2.25, "10:01"), (3, "b", 10.0, "10:02"),
                            (4, "a", 7.125, "10:03"), (5, "c", None, "10:04")]),
        "m1.json": _events([(6, "a", 0.1, "10:05"), (7, "b", 10.7, "10:06"), (8, "a", 3.3, "10:07"),
                            (9, "d", 5.0, "10:08")]),
    }


def case_moments_update() -> Case:
    return Case(
        name="moments_update",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), maxFilesPerTrigger=1: "
               "m0 = a:1.5, a:2.25, b:10.0, a:7.125, c:NULL; m1 = a:0.1, b:10.7, a:3.3, d:5.0. "
               "groupBy(name) with stddev, stddev_samp, stddev_pop, variance, var_samp, var_pop of "
               "value (and stddev from SQL text), update mode: batch 1 merges its own moments "
               "with the stored ones, as Spark's doubles show; one value gives NULL sample "
               "statistics and 0 population ones, no value gives NULL."),
        format="json",
        schema_ddl=DEDUP_SCHEMA,
        options={"maxFilesPerTrigger": "1"},
        query=('df.groupBy("name").agg(stddev("value"), stddev_samp("value"), stddev_pop("value"), '
               'variance("value"), var_samp("value"), var_pop("value"), expr("stddev(id)"))'),
        write_inputs=text_files(moments_files()),
        output_mode="update",
        progress=True,
    )


def case_substring_select() -> Case:
    return _json_select_case(
        name="substring_select",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), one file; names "
               "with non-ASCII letters, empty, NULL. substring with positive, zero and negative "
               "positions, lengths past the end and negative, Column.substr, a number's "
               "substring, and SQL substring / substr / FROM ... FOR forms."),
        query=('df.select("id", substring("name", 1, 3), substring("name", 0, 2), substring("name", -3, 2), '
               'substring("name", 5, 10), col("name").substr(2, 3), substring("name", 2, -1), '
               'substring("id", 1, 1), expr("substring(name, 2, 3)"), expr("substr(name, 2)"), '
               'expr("substring(name FROM 2 FOR 3)"))'),
        rows=[
            {"id": 12, "name": "Straße", "value": 1.0, "timestamp": "2024-01-15 10:00:00"},
            {"id": 3, "name": None, "value": 2.0, "timestamp": "2024-01-15 10:01:00"},
            {"id": 45, "name": "", "value": 3.0, "timestamp": "2024-01-15 10:02:00"},
            {"id": 6, "name": "Event_6", "value": 4.0, "timestamp": "2024-01-15 10:03:00"},
        ],
    )


# ---------------------------------------------------------------------------------------
# from_json: JSON text (a text source's lines) parsed into a struct, and `s.*`.
# ---------------------------------------------------------------------------------------

FROM_JSON_LINES = "\n".join([
    '{"a": 1, "b": "x", "t": "2024-01-15 10:00:00"}',
    '{"a": "bad", "b": "y"}',
    'not json',
    '',
    '   ',
    'NULL',
    '[{"a": 2}]',
    '{"a":<NL>4, "t": "2024-01-15T11:30:00+02:00"}',
    '{"b": "raw<NL>line end"}',
    '{"a": 5} trailing',
    '{}',
    '"str"',
    "{'a': 7, \"A\": 8}",
    '{"a": 1, "a": 2, "c": [1, {"d": null}]}',
    '{"a": 1',
]) + "\n"


def case_from_json_select() -> Case:
    return Case(
        name="from_json_select",
        words=("Text lines (a line NULL stands for a NULL string, <NL> for a line end) parsed by "
               "from_json into a INT, b STRING, t TIMESTAMP, _corrupt_record STRING, then value, "
               "the struct and its fields (data.*): a value that does not convert, malformed "
               "text, blank text, a root array, line ends as whitespace and inside a string, "
               "trailing text, single quotes, case-sensitive and repeated keys, nested values "
               "skipped, an unterminated object; console output too."),
        format="text",
        schema_ddl=None,
        query=('df.select(col("value"), from_json(when(col("value") != "NULL", '
               'regexp_replace(col("value"), "<NL>", "\\n")), '
               '"a INT, b STRING, t TIMESTAMP, _corrupt_record STRING").alias("data"))'
               '.select("value", "data", "data.*")'),
        write_inputs=text_files({"lines_0.txt": FROM_JSON_LINES}),
        console=True,
    )


def case_from_json_sql() -> Case:
    return Case(
        name="from_json_sql",
        words=("from_json in SQL text: from_json(value, 'a INT, b STRING') AS j and an unaliased "
               "from_json(value, 'a INT') (named from_json(value)), then *, j.* and j.a * 2."),
        format="text",
        schema_ddl=None,
        query=("df.selectExpr(\"from_json(value, 'a INT, b STRING') AS j\", "
               "\"from_json(value, 'a INT')\").selectExpr(\"*\", \"j.*\", \"j.a * 2 AS twice\")"),
        write_inputs=text_files({"lines_0.txt": '{"a": 1, "b": "x"}\n{"a": 2}\n',
                                 "lines_1.txt": 'oops\n{"b": "z", "a": 3}\n'}),
        options={"maxFilesPerTrigger": "1"},
    )


def case_from_json_failfast_error() -> Case:
    return Case(
        name="from_json_failfast_error",
        words=("from_json(value, 'a INT, b STRING', {mode: FAILFAST}): the second line's a does "
               "not convert, so the batch fails with the row Spark got so far."),
        format="text",
        schema_ddl=None,
        query=('df.select(from_json(col("value"), "a INT, b STRING", {"mode": "FAILFAST"})'
               '.alias("j")).select("j.*")'),
        write_inputs=text_files({"lines_0.txt": '{"a": 1, "b": "x"}\n{"a": "bad", "b": "y"}\n'}),
    )


NESTED_DDL = ("id INT, s STRUCT<x: INT, y: STRING>, l ARRAY<INT>, "
              "ls ARRAY<STRUCT<k: STRING, v: DOUBLE>>, _corrupt_record STRING")

NESTED_LINES = "\n".join([
    '{"id": 1, "s": {"x": 1, "y": "a"}, "l": [1, 2, null], "ls": [{"k": "p", "v": 1.5}, {"k": "q"}]}',
    '{"id": 2, "s": {"x": "bad", "y": "b"}, "l": [1, "bad", 3]}',
    '{"id": 3, "s": "notastruct", "l": 5}',
    '{"id": 4, "s": null, "l": null, "ls": null}',
    '{"id": 5, "s": {}, "l": [], "ls": [{}, null]}',
    '{"id": 6, "s": {"x": 1, "x": 2, "z": [1]}, "l": [[1]], "ls": [{"k": 1, "v": "2"}]}',
    '{"id": 7, "s": [1, 2], "l": {"a": 1}}',
    '{"id": 8, "l": [1, 2',
    '{"id": 9, "s": {"y": "only y"}, "ls": [{"v": -0.5, "k": "r"}, {"k": "s", "v": 2}]}',
]) + "\n"


def case_from_json_failfast_array_error() -> Case:
    return Case(
        name="from_json_failfast_array_error",
        words=("from_json(value, 'a INT', {mode: FAILFAST}) of a root array of objects: an "
               "array is not a struct, and FAILFAST names the record."),
        format="text",
        schema_ddl=None,
        query=('df.select(from_json(col("value"), "a INT", {"mode": "FAILFAST"}).alias("j"))'
               '.select("j.*")'),
        write_inputs=text_files({"lines_0.txt": '{"a": 0}\n[{"a": 1}, {"a": 2}]\n'}),
    )


def case_json_nested_select() -> Case:
    return Case(
        name="json_nested_select",
        words=("JSON lines read with a nested schema (" + NESTED_DDL + "): structs, arrays and "
               "arrays of structs; a nested value that does not convert (NULL, the record "
               "corrupt; a struct keeps its other fields, an array of scalars becomes NULL, an "
               "array keeps a partial struct), wrong JSON types, repeated and unknown keys, an "
               "unterminated array; then *, s.x and the size of l. Console output too."),
        format="json",
        schema_ddl=NESTED_DDL,
        query='df.select("*", col("s.x").alias("sx"))',
        write_inputs=text_files({"nested.json": NESTED_LINES}),
        console=True,
    )


def case_from_json_nested() -> Case:
    return Case(
        name="from_json_nested",
        words=("from_json of the same lines (a text source) with the same nested schema, then "
               "j.* and explode_outer(j.ls) AS e, e.k."),
        format="text",
        schema_ddl=None,
        query=('df.select(from_json(col("value"), "' + NESTED_DDL + '").alias("j"))'
               '.select("j.*", explode_outer(col("j.ls")).alias("e")).select("id", "l", "e", col("e.k"))'),
        write_inputs=text_files({"nested.txt": NESTED_LINES}),
    )


def case_nested_functions_select() -> Case:
    return Case(
        name="nested_functions_select",
        words=("The nested JSON lines (" + NESTED_DDL + ") without ANSI: struct(id, s.y, id * 2), "
               "to_json(struct(*)) (NULL fields left out, the corrupt record escaped), "
               "to_json(l), to_json(s), size(l), l[0], l[2], element_at(l, -1), "
               "element_at(ls, 1); a missing element is NULL."),
        format="json",
        schema_ddl=NESTED_DDL,
        conf={"spark.sql.ansi.enabled": "false"},
        query=('df.select("id", struct("id", col("s.y"), col("id") * 2).alias("st"), '
               'to_json(struct("*")).alias("j"), to_json(col("l")).alias("lj"), to_json(col("s")), '
               'size("l"), col("l")[0], col("l").getItem(2), element_at("l", -1), '
               'element_at(col("ls"), 1))'),
        write_inputs=text_files({"nested.json": NESTED_LINES}),
    )


def case_nested_functions_sql() -> Case:
    return Case(
        name="nested_functions_sql",
        words=("The same in SQL text without ANSI: struct(id, s.y) AS st, to_json(struct(*)) AS "
               "j, size(l), l[1], element_at(l, 2)."),
        format="json",
        schema_ddl=NESTED_DDL,
        conf={"spark.sql.ansi.enabled": "false"},
        query=('df.selectExpr("struct(id, s.y) AS st", "to_json(struct(*)) AS j", "size(l)", '
               '"l[1]", "element_at(l, 2)")'),
        write_inputs=text_files({"nested.json": NESTED_LINES}),
    )


def case_array_index_error() -> Case:
    return Case(
        name="array_index_error",
        words="ANSI: l[1] of the nested JSON lines fails on the first array with one element or none.",
        format="json",
        schema_ddl=NESTED_DDL,
        query='df.select("id", col("l")[1])',
        write_inputs=text_files({"nested.json": NESTED_LINES}),
    )


TRY_LINES = "\n".join([
    '{"t": "2024-01-15 10:00:00", "n": "12", "l": [1]}',
    '{"t": "bad", "n": "x", "l": []}',
    '{"n": "99999999999"}',
    '{"t": "2024-01-15", "n": " 7 ", "l": [3, 4, 5]}',
]) + "\n"


def case_try_functions_select() -> Case:
    return Case(
        name="try_functions_select",
        words=("ANSI on: try_to_timestamp(t), try_to_timestamp(t, 'yyyy-MM-dd HH:mm:ss'), "
               "n.try_cast('int'), try_element_at(l, 2) give NULL where to_timestamp, cast and "
               "element_at would fail the batch."),
        format="json",
        schema_ddl="t STRING, n STRING, l ARRAY<INT>",
        query=('df.select(try_to_timestamp(col("t")), try_to_timestamp(col("t"), '
               'lit("yyyy-MM-dd HH:mm:ss")), col("n").try_cast("int"), '
               'try_element_at(col("l"), lit(2)))'),
        write_inputs=text_files({"try.json": TRY_LINES}),
    )


def case_try_functions_sql() -> Case:
    return Case(
        name="try_functions_sql",
        words=("The same in SQL text: try_to_timestamp(t), try_cast(n AS INT), TRY_CAST(n AS "
               "BIGINT) AS b, try_element_at(l, 1), try_to_timestamp(t, 'yyyy-MM-dd')."),
        format="json",
        schema_ddl="t STRING, n STRING, l ARRAY<INT>",
        query=('df.selectExpr("try_to_timestamp(t)", "try_cast(n AS INT)", '
               '"TRY_CAST(n AS BIGINT) AS b", "try_element_at(l, 1)", '
               '"try_to_timestamp(t, \'yyyy-MM-dd\')")'),
        write_inputs=text_files({"try.json": TRY_LINES}),
    )


DATE_MATH_LINES = "\n".join([
    '{"t": "2024-03-10 01:30:00", "s": 1710052200, "d": "2024-01-31"}',
    '{"t": "2024-03-10 03:30:00", "s": 0, "d": "2024-02-29"}',
    '{"t": "2024-11-03 01:30:00", "s": -1, "d": "2024-12-31"}',
    '{"t": "1969-12-31 23:59:59", "s": 1730615400, "d": "1900-03-01"}',
    '{}',
]) + "\n"

DATE_MATH_DDL = "t STRING, s BIGINT, d STRING"


def case_date_math_select() -> Case:
    return Case(
        name="date_math_select",
        words=("JSON lines (" + DATE_MATH_DDL + ") in America/New_York, across both DST "
               "changes: unix_timestamp of a string, of its timestamp and with a pattern, "
               "from_unixtime (two patterns), timestamp_seconds, date_add, date_sub, datediff, "
               "date_trunc to hour/day/month/week/quarter/minute, trunc to month/year/week."),
        format="json",
        schema_ddl=DATE_MATH_DDL,
        conf={"spark.sql.session.timeZone": "America/New_York"},
        query=('df.withColumn("ts", to_timestamp("t")).select(unix_timestamp("t"), '
               'unix_timestamp("ts"), unix_timestamp("t", "yyyy-MM-dd HH:mm:ss"), from_unixtime("s"), '
               'from_unixtime("s", "yyyy/MM/dd HH:mm"), timestamp_seconds("s"), date_add("d", 1), '
               'date_sub("d", 1), datediff("d", lit("2024-01-01")), date_trunc("hour", "ts"), '
               'date_trunc("day", "ts"), date_trunc("month", "t"), date_trunc("week", "ts"), '
               'date_trunc("quarter", "ts"), date_trunc("minute", "ts"), trunc("d", "month"), '
               'trunc("d", "year"), trunc("d", "week"), trunc("d", "day"))'),
        write_inputs=text_files({"dates.json": DATE_MATH_LINES}),
    )


def case_date_math_sql() -> Case:
    return Case(
        name="date_math_sql",
        words=("The same in SQL text: unix_timestamp(t), to_unix_timestamp(t), from_unixtime(s), "
               "date_add(d, 2), date_sub(d, 2), datediff(d, '2024-01-01'), date_trunc('HOUR', ts), "
               "timestamp_seconds(s), trunc(d, 'MM')."),
        format="json",
        schema_ddl=DATE_MATH_DDL,
        conf={"spark.sql.session.timeZone": "America/New_York"},
        query=('df.withColumn("ts", to_timestamp("t")).selectExpr("unix_timestamp(t)", '
               '"to_unix_timestamp(t)", "from_unixtime(s)", "date_add(d, 2)", "date_sub(d, 2)", '
               '"datediff(d, \'2024-01-01\')", "date_trunc(\'HOUR\', ts)", "timestamp_seconds(s)", '
               '"trunc(d, \'MM\')")'),
        write_inputs=text_files({"dates.json": DATE_MATH_LINES}),
    )


def case_unix_timestamp_error() -> Case:
    return Case(
        name="unix_timestamp_error",
        words="ANSI: unix_timestamp of a string its pattern does not read fails the batch.",
        format="json",
        schema_ddl=DATE_MATH_DDL,
        query='df.select(unix_timestamp("t"))',
        write_inputs=text_files({"dates.json": '{"t": "2024-01-15 10:00:00"}\n{"t": "bad"}\n'}),
    )


def case_concat_ws_select() -> Case:
    return _json_select_case(
        name="concat_ws_select",
        words=("concat_ws over the lab's columns, with NULL names and values skipped: "
               "concat_ws('-', name, timestamp), concat_ws(',', name, 'k', value, id), "
               "concat_ws('', name), and in SQL concat_ws('|', name, id) AS c."),
        query=('df.select(concat_ws("-", "name", "timestamp"), concat_ws(",", col("name"), '
               'lit("k"), col("value"), col("id")), concat_ws("", "name"), '
               'expr("concat_ws(\'|\', name, id) AS c"))'),
        rows=[
            {"id": 1, "name": "Event_1", "value": 1.5, "timestamp": "2024-01-15 10:00:00"},
            {"id": 2, "value": 2.0},
            {"id": 3, "name": "", "timestamp": "2024-01-15 10:01:00"},
            {"name": "x"},
        ],
    )


def case_date_filter_pushed() -> Case:
    return _json_select_case(
        name="date_filter_pushed",
        words=("Filters on date_add(timestamp, 1) > '2024-01-01' and from_unixtime(id) > '1969': "
               "Spark infers IS NOT NULL of timestamp and id from these null-intolerant "
               "functions and pushes it into the JSON scan, so numInputRows counts only the "
               "rows with both (a record without the key is counted: the scan's filter never "
               "sees it)."),
        query=('df.filter(date_add(col("timestamp"), 1) > lit("2024-01-01"))'
               '.filter(from_unixtime(col("id")) > lit("1969"))'),
        rows=[
            {"id": 1, "name": "a", "value": 1.0, "timestamp": "2024-01-15 10:00:00"},
            {"id": 2, "name": "b", "value": 2.0, "timestamp": None},
            {"id": None, "name": "c", "value": 3.0, "timestamp": "2024-01-15 10:01:00"},
            {"id": 3, "name": "c", "value": 3.0},
            {"id": 4, "name": "d", "value": 4.0, "timestamp": "2023-12-31 10:01:00"},
        ],
    )


JSON_PATH_LINES = "\n".join([
    '{"a": {"b": [1, 2.50, {"c": "x\\u00e9\\t"}], "n": null, "t": true}, "s": "str", "e": 1e2, "k": {}}',
    "{'a': {'b': [10, -0]}}",
    'not json',
    '',
    '{"a": 1} junk',
    '[{"a": 5}, {"a": 6}]',
    '{"a": {"b": "q\\"uote"}, "s": 7}',
    '{"a": [ ], "s": [1, {"x": "y"}]}',
]) + "\n"


def case_get_json_object_select() -> Case:
    return Case(
        name="get_json_object_select",
        words=("get_json_object over text lines: $.a, $.a.b, $.a.b[1], $.a.b[2].c, $['a']['t'], "
               "$.e, $.k, $.missing, $[0].a, and in SQL get_json_object(value, '$.s'). Strings "
               "come back as their text, the rest as compact JSON with numbers as Java prints "
               "them; NULL for no value, null, or text that is not JSON."),
        format="text",
        schema_ddl=None,
        query=('df.select(get_json_object("value", "$.a"), get_json_object("value", "$.a.b"), '
               'get_json_object("value", "$.a.b[1]"), get_json_object("value", "$.a.b[2].c"), '
               'get_json_object("value", "$[\'a\'][\'t\']"), get_json_object("value", "$.e"), '
               'get_json_object("value", "$.k"), get_json_object("value", "$.missing"), '
               'get_json_object("value", "$[0].a"), expr("get_json_object(value, \'$.s\') AS s"))'),
        write_inputs=text_files({"lines.txt": JSON_PATH_LINES}),
    )


def case_string_functions_select() -> Case:
    return _json_select_case(
        name="string_functions_select",
        words=("JSON lines (id INT, name STRING, value DOUBLE, timestamp STRING), one file: names "
               "with spaces and a tab around them, non-ASCII letters (ß, a final sigma), NULL and "
               "an absent key. lower, upper, length (characters), trim / ltrim / rtrim (spaces "
               "only), concat (NULL when any argument is; numbers as their strings) from the "
               "Column API and SQL text, and a filter on lower(name) (Spark infers name IS NOT "
               "NULL from it and pushes that into the scan)."),
        query=(r'''df.filter(lower(col("name")) != "skip").select("id", lower(col("name")), upper(col("name")), '''
               r'''length(col("name")), trim(col("name")), ltrim(col("name")), rtrim(col("name")), '''
               r'''concat(col("name"), lit("-"), col("id")), length(col("id")), '''
               r'''expr("ltrim(name)"), expr("concat(name, value)"), expr("upper(name)"))'''),
        rows=[
            {"id": 1, "name": "  Straße ΟΔΟΣ \t ", "value": 1.5, "timestamp": "2024-01-15 10:00:00"},
            {"id": 22, "name": "Event_22", "value": 2.0, "timestamp": "2024-01-15 10:01:00"},
            {"id": 3, "name": None, "value": 3.0, "timestamp": "2024-01-15 10:02:00"},
            {"id": 4, "value": 4.0, "timestamp": "2024-01-15 10:03:00"},
            {"id": 5, "name": "SKIP", "value": 5.0, "timestamp": "2024-01-15 10:04:00"},
            {"id": -6, "name": "", "value": -6.25, "timestamp": "2024-01-15 10:05:00"},
        ],
    )


CASES: Dict[str, Callable[[], Case]] = {
    f().name: f for f in [
        case_lab_transform,
        case_lab_raw_memory,
        case_json_permissive_corrupt,
        case_json_permissive_plain,
        case_json_dropmalformed,
        case_json_timestamp_field,
        case_csv_header,
        case_csv_no_header,
        case_multi_file_expressions,
        case_ansi_off_types,
        case_in_lists,
        case_coalesce_values,
        case_round_values,
        case_filter_missing_fields,
        case_filter_missing_fields_conjuncts,
        case_ansi_cast_failure,
        case_latest_first,
        case_text_source,
        case_parquet_source,
        case_column_names,
        case_watermark_stateless,
        case_agg_worked_append,
        case_agg_worked_update,
        case_agg_worked_complete,
        case_lab_agg_window_update,
        case_lab_agg_window_complete,
        case_lab_agg_window_fields,
        case_lab_agg_expressions,
        case_lab_agg_window_field_filter,
        case_agg_worked_append_expression,
        case_lab_agg_window_append_error,
        case_sliding_window_watermark,
        case_sliding_window_append,
        case_window_start_time,
        case_raw_time_key_append,
        case_agg_functions_complete,
        case_group_count_update,
        case_global_count_update,
        case_json_dropmalformed_pruned,
        case_json_corrupt_pruned,
        case_json_dropmalformed_select,
        case_json_count_dropmalformed,
        case_json_union_dropmalformed_pruned,
        case_csv_corrupt_pruned,
        case_csv_dropmalformed_pruned,
        case_csv_dropmalformed_all_data,
        case_csv_count_dropmalformed,
        case_lab_complete_example,
        case_lab_complete_example_no_data_batches_off,
        case_complete_without_aggregation_error,
        case_union_watermark_min,
        case_union_watermark_max,
        case_union_two_inputs_update,
        case_dedup_event_time_keys,
        case_dedup_id_only,
        case_dedup_within_watermark,
        case_distinct_no_watermark,
        case_join_inner_interval,
        case_join_left_outer,
        case_join_full_outer,
        case_join_left_semi,
        case_join_outer_update_error,
        case_join_using_inner,
        case_join_using_full_outer,
        case_join_using_right_outer,
        case_join_using_stream_static,
        case_string_tests_select,
        case_string_filter_pushed,
        case_string_filter_like_kept,
        case_string_filter_like_starts_and_ends,
        case_word_count_complete,
        case_explode_select,
        case_string_functions_select,
        case_explode_filter_pushed,
        case_batch_timestamp_select,
        case_regex_functions_select,
        case_date_parts_select,
        case_math_functions_select,
        case_dates_select,
        case_moments_update,
        case_substring_select,
        case_from_json_select,
        case_from_json_sql,
        case_from_json_failfast_error,
        case_from_json_failfast_array_error,
        case_json_nested_select,
        case_from_json_nested,
        case_nested_functions_select,
        case_nested_functions_sql,
        case_array_index_error,
        case_try_functions_select,
        case_try_functions_sql,
        case_date_math_select,
        case_date_math_sql,
        case_unix_timestamp_error,
        case_concat_ws_select,
        case_date_filter_pushed,
        case_get_json_object_select,
        case_progress_stateless,
        case_progress_aggregation,
        case_filter_before_projection,
        case_filter_on_derived_column,
        case_filter_inferred_not_null,
        case_filter_below_watermark,
        case_filter_with_malformed_records,
    ]
}


# ---------------------------------------------------------------------------------------
# Value encoding
# ---------------------------------------------------------------------------------------

def encode_value(v: Any) -> Any:
    from pyspark.sql import Row

    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        # PySpark converts to a naive datetime in the process's local zone; TZ=UTC.
        assert v.tzinfo is None, v
        return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
                f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}")
    if isinstance(v, dt.date):
        return f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, Row):
        return {k: encode_value(x) for k, x in zip(v.__fields__, v)}
    if isinstance(v, dict):
        return {str(k): encode_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [encode_value(x) for x in v]
    raise TypeError(f"cannot encode {type(v)}: {v!r}")


def row_keys(names: List[str]) -> List[str]:
    """Object keys for a row: the column names, except that the k-th column (k >= 2) carrying
    an already used name gets the key `name#k` (a join's two `event_time` columns ->
    `event_time`, `event_time#2`). The golden schema keeps the real names."""
    keys: List[str] = []
    seen: Dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        keys.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    assert len(set(keys)) == len(keys), f"column keys collide: {keys}"
    return keys


def encode_row(row: Any, names: List[str]) -> Dict[str, Any]:
    return {n: encode_value(x) for n, x in zip(row_keys(names), row)}


def canonical(row: Dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, allow_nan=False)


def schema_json(schema: Any) -> List[Dict[str, Any]]:
    return [{"name": f.name, "type": f.dataType.simpleString(), "nullable": f.nullable}
            for f in schema.fields]


ERROR_CLASS_RE = re.compile(r"\[[A-Z][A-Z0-9_]*(?:\.[A-Z0-9_]+)*\]")


def error_line(message: str) -> str:
    """From the first `[ERROR_CLASS]` bracket to the end of that line (the whole first line
    if there is no error class)."""
    m = ERROR_CLASS_RE.search(message)
    if not m:
        return message.splitlines()[0] if message else message
    return message[m.start():].split("\n", 1)[0]


# ---------------------------------------------------------------------------------------
# Child: runs one case in its own SparkSession
# ---------------------------------------------------------------------------------------

def build_spark(conf: Dict[str, str]) -> Any:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("spate-conformance")
    for k, v in {**BASE_CONF, **conf}.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def set_mtimes(input_dir: Path, names: List[str], prefix: str = "input") -> List[Dict[str, Any]]:
    files = []
    for i, rel in enumerate(names):
        mtime_ms = BASE_MTIME_MS + i * 1000
        os.utime(input_dir / rel, ns=(mtime_ms * 1_000_000, mtime_ms * 1_000_000))
        files.append({"path": f"{prefix}/{rel}", "mtime_ms": mtime_ms})
    return files


def copy_inputs(src: Path, dst: Path, names: List[str], prefix: str) -> None:
    """A private copy of an input folder (created even when empty) with the same mtimes."""
    dst.mkdir()
    for rel in names:
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, dst / rel)
    set_mtimes(dst, names, prefix)


def java_cause_message(query: Any) -> Optional[str]:
    jopt = query._jsq.exception()
    if not jopt.isDefined():
        return None
    jexc = jopt.get()
    cause = jexc.getCause() or jexc
    return cause.getMessage() or cause.toString()


def start_error_message(exc: BaseException) -> str:
    """The message of an exception raised by `start()` (PySpark's captured JVM exception)."""
    get_message = getattr(exc, "getMessage", None)
    if callable(get_message):
        try:
            msg = get_message()
            if msg:
                return msg
        except Exception:
            pass
    return str(exc)


def run_query(result: Any, sink: str, checkpoint: Path, output_mode: str, on_batch: Any = None,
              query_name: Optional[str] = None, progress: Optional[List[Any]] = None,
              full_progress: Optional[List[Any]] = None) -> Optional[str]:
    """Start `result` with availableNow on the given sink, wait for the end, return the
    error line (or None). An error raised by `start()` itself (e.g. an AnalysisException
    for an unsupported output mode) is returned the same way. `full_progress` receives
    every recentProgress report as the parsed `json` of the progress (key order kept)."""
    writer = (result.writeStream.outputMode(output_mode).trigger(availableNow=True)
              .option("checkpointLocation", str(checkpoint)))
    if sink == "foreachBatch":
        writer = writer.foreachBatch(on_batch)
    else:
        writer = writer.format(sink)
    if query_name:
        writer = writer.queryName(query_name)
    try:
        query = writer.start()
    except Exception as exc:
        return error_line(start_error_message(exc))
    try:
        query.awaitTermination()
    except Exception:  # the failure is read from query.exception() below
        pass
    recent = query.recentProgress
    if progress is not None:
        progress.extend(p for p in recent if p["numInputRows"] > 0 or p["batchId"] >= 0)
    if full_progress is not None:
        full_progress.extend(json.loads(p.json, object_pairs_hook=collections.OrderedDict)
                             for p in recent)
    msg = java_cause_message(query)
    return None if msg is None else error_line(msg)


STATE_OPERATOR_KEYS = ["operatorName", "numRowsTotal", "numRowsUpdated", "numRowsRemoved",
                       "numRowsDroppedByWatermark", "numShufflePartitions",
                       "numStateStoreInstances"]


def state_operator_json(so: Any) -> Dict[str, Any]:
    """STATE_OPERATOR_KEYS, plus numDroppedDuplicateRows when Spark reports that custom
    metric (deduplication operators only)."""
    out = {k: so[k] for k in STATE_OPERATOR_KEYS}
    custom = so["customMetrics"] or {}
    if "numDroppedDuplicateRows" in custom:
        out["numDroppedDuplicateRows"] = custom["numDroppedDuplicateRows"]
    return out


def child_main(name: str, tmp: Path, result_path: Path) -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ["SPATE_CASE_TMP"] = str(tmp)
    case = CASES[name]()
    spark = build_spark(case.conf)

    case_dir = CASES_DIR / name
    input_dir = case_dir / "input"
    input_dir.mkdir(parents=True)
    names = case.write_inputs(input_dir, spark)
    files = set_mtimes(input_dir, names)

    files2 = None
    if case.second_input is not None:
        input2_dir = case_dir / "input2"
        input2_dir.mkdir()
        # parquet writers consult SPATE_PREVIOUS_INPUT; point it at the previous input2/.
        prev = os.environ.get("SPATE_PREVIOUS_INPUT")
        if prev:
            os.environ["SPATE_PREVIOUS_INPUT"] = prev + "2"
        names2 = case.second_input(input2_dir, spark)
        if prev:
            os.environ["SPATE_PREVIOUS_INPUT"] = prev
        files2 = set_mtimes(input2_dir, names2, "input2")

    # Spark reads a private copy with the same mtimes (never the repository files).
    run_input = tmp / "input"
    copy_inputs(input_dir, run_input, names, "input")

    import pyspark.sql.functions as F
    namespace: Dict[str, Any] = {k: getattr(F, k) for k in dir(F) if not k.startswith("_")}
    namespace.update(spark=spark, input_dir=str(run_input))
    if case.second_input is not None:
        run_input2 = tmp / "input2"
        copy_inputs(input2_dir, run_input2, names2, "input2")
        namespace.update(input2_dir=str(run_input2))
    exec(case.reader_code(), namespace)
    result = eval(case.query, namespace)
    out_names = result.schema.names

    batches: List[Dict[str, Any]] = []
    batch_schema_mismatch: List[str] = []

    def collect_batch(batch_df: Any, batch_id: int) -> None:
        if batch_df.schema != result.schema:
            batch_schema_mismatch.append(f"batch {batch_id}: {batch_df.schema!r}")
        rows = [encode_row(r, out_names) for r in batch_df.collect()]
        rows.sort(key=canonical)
        batches.append({"batchId": batch_id, "rows": rows})

    reports: List[Any] = []
    full_reports: Optional[List[Any]] = [] if case.full_progress else None
    error = run_query(result, "foreachBatch", tmp / "chk_foreach_batch", case.output_mode,
                      on_batch=collect_batch, progress=reports, full_progress=full_reports)
    progress = None
    if case.progress:
        commits = tmp / "chk_foreach_batch" / "commits"
        progress = [{
            "batchId": p["batchId"],
            "numInputRows": p["numInputRows"],
            "eventTime": p["eventTime"] if "eventTime" in p else {},
            "nextBatchWatermarkMs": json.loads(
                (commits / str(p["batchId"])).read_text().splitlines()[1])["nextBatchWatermarkMs"],
            "stateOperators": [state_operator_json(so) for so in p["stateOperators"]],
        } for p in reports if (commits / str(p["batchId"])).exists()]
    assert not batch_schema_mismatch, batch_schema_mismatch
    assert [b["batchId"] for b in batches] == list(range(len(batches))), batches

    if case.console:
        console_error = run_query(result, "console", tmp / "chk_console", case.output_mode)
        assert console_error == error, (console_error, error)
    show_text = None
    if case.memory_table:
        mem_error = run_query(result, "memory", tmp / "chk_memory", case.output_mode,
                              query_name=case.memory_table)
        assert mem_error == error, (mem_error, error)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            spark.sql(f"SELECT * FROM {case.memory_table}").show()
        show_text = buf.getvalue()
        mem_rows = sorted((encode_row(r, out_names) for r in
                           spark.sql(f"SELECT * FROM {case.memory_table}").collect()), key=canonical)
        all_rows = sorted((r for b in batches for r in b["rows"]), key=canonical)
        assert mem_rows == all_rows, "memory table differs from the foreachBatch rows"

    spark.stop()

    case_json = {
        "name": case.name,
        "description": case.words + "\n\nPySpark code:\n" + case.full_code(),
        "format": case.format,
        "options": case.options,
        "schema_ddl": case.schema_ddl,
        "conf": case.conf,
        "files": files,
        **({"files2": files2} if files2 is not None else {}),
        "query": case.query,
        "output_mode": case.output_mode,
        "trigger": "availableNow",
        "console": case.console,
        "memory_table": case.memory_table,
    }
    golden = {"schema": schema_json(result.schema), "batches": batches, "error": error}
    if progress is not None:
        golden["progress"] = progress
    result_path.write_text(json.dumps({"case": case_json, "golden": golden, "show_text": show_text,
                                       "full_progress": full_reports}))


# ---------------------------------------------------------------------------------------
# Parent: orchestration, console extraction, file output
# ---------------------------------------------------------------------------------------

def extract_console(stdout: str) -> Tuple[str, List[str]]:
    """Keep the console sink's `Batch: N` blocks byte for byte; return (text, other lines)."""
    lines = stdout.splitlines(keepends=True)
    kept: List[str] = []
    other: List[str] = []
    i = 0
    while i < len(lines):
        if (i + 2 < len(lines) and lines[i] == CONSOLE_DASHES + "\n"
                and re.fullmatch(r"Batch: \d+\n", lines[i + 1]) and lines[i + 2] == CONSOLE_DASHES + "\n"):
            j = i + 3
            while j < len(lines) and lines[j][:1] in ("+", "|"):
                j += 1
            if j < len(lines) and lines[j].startswith("only showing top "):
                j += 1
            if j < len(lines) and lines[j] == "\n":
                j += 1
            kept.extend(lines[i:j])
            i = j
        else:
            other.append(lines[i])
            i += 1
    return "".join(kept), other


def format_golden(golden: Dict[str, Any]) -> str:
    """Stable, diff-friendly JSON: one schema field / one row per line."""
    def dump(x: Any) -> str:
        return json.dumps(x, ensure_ascii=False, allow_nan=False)

    out = ["{", '  "schema": [']
    out.append(",\n".join("    " + dump(f) for f in golden["schema"]))
    out.append("  ],")
    out.append('  "batches": [')
    blocks = []
    for b in golden["batches"]:
        if b["rows"]:
            rows = ",\n".join("      " + dump(r) for r in b["rows"])
            blocks.append(f'    {{"batchId": {b["batchId"]}, "rows": [\n{rows}\n    ]}}')
        else:
            blocks.append(f'    {{"batchId": {b["batchId"]}, "rows": []}}')
    if blocks:
        out.append(",\n".join(blocks))
    out.append("  ],")
    if "progress" in golden:
        out.append('  "progress": [')
        out.append(",\n".join("    " + dump(p) for p in golden["progress"]))
        out.append("  ],")
    out.append(f'  "error": {dump(golden["error"])}')
    out.append("}")
    return "\n".join(out) + "\n"


def run_case(name: str, tmp_root: Path) -> None:
    case = CASES[name]()
    case_dir = CASES_DIR / name
    tmp = tmp_root / name
    tmp.mkdir()
    previous_input = tmp / "previous_input"
    if (case_dir / "input").exists():
        shutil.copytree(case_dir / "input", previous_input)
    if (case_dir / "input2").exists():
        shutil.copytree(case_dir / "input2", tmp / "previous_input2")
    if case_dir.exists():
        shutil.rmtree(case_dir)
    for p in GOLDEN_DIR.glob(f"{name}.*"):
        p.unlink()

    result_path = tmp / "result.json"
    env = dict(os.environ, TZ="UTC", PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable,
               SPATE_PREVIOUS_INPUT=str(previous_input))
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", name, str(tmp), str(result_path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp))
    stdout = proc.stdout.decode("utf-8")
    stderr = proc.stderr.decode("utf-8", errors="replace")
    (tmp / "stderr.log").write_text(stderr)
    (tmp / "stdout.log").write_text(stdout)
    if proc.returncode != 0 or not result_path.exists():
        sys.stderr.write(stderr[-6000:])
        raise SystemExit(f"case {name}: child failed (rc={proc.returncode})")

    res = json.loads(result_path.read_text(), object_pairs_hook=collections.OrderedDict)
    (case_dir / "case.json").write_text(json.dumps(res["case"], indent=2, ensure_ascii=False) + "\n")
    GOLDEN_DIR.mkdir(exist_ok=True)
    (GOLDEN_DIR / f"{name}.json").write_text(format_golden(res["golden"]))

    console_text, other = extract_console(stdout)
    other = [l for l in other if l.strip()]
    if other:
        sys.stderr.write(f"case {name}: unexpected stdout lines (ignored):\n" + "".join(other[:20]))
    if case.console:
        assert console_text, f"case {name}: no console output captured"
        (GOLDEN_DIR / f"{name}.console.txt").write_bytes(console_text.encode("utf-8"))
    else:
        assert not console_text, f"case {name}: unexpected console output"
    if res["show_text"] is not None:
        (GOLDEN_DIR / f"{name}.show.txt").write_bytes(res["show_text"].encode("utf-8"))
    if case.full_progress:
        assert res["full_progress"], f"case {name}: no progress reports"
        (GOLDEN_DIR / f"{name}.progress.json").write_text(
            json.dumps(res["full_progress"], indent=2, ensure_ascii=False, allow_nan=False) + "\n")

    g = res["golden"]
    summary = ", ".join(f'b{b["batchId"]}:{len(b["rows"])}' for b in g["batches"])
    print(f"{name}: batches [{summary}] error={g['error'] is not None} "
          f"({time.monotonic() - started:.0f}s)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    ap.add_argument("--child", nargs=3, metavar=("NAME", "TMP", "RESULT"), help=argparse.SUPPRESS)
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temporary run directory")
    args = ap.parse_args()

    if args.child:
        name, tmp, result = args.child
        child_main(name, Path(tmp), Path(result))
        return

    names = args.cases or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        raise SystemExit(f"unknown cases: {unknown}; known: {list(CASES)}")
    tmp_root = Path(tempfile.mkdtemp(prefix="spate-conformance-"))
    try:
        for name in names:
            run_case(name, tmp_root)
    finally:
        if args.keep_tmp:
            print(f"temporary files kept in {tmp_root}")
        else:
            shutil.rmtree(tmp_root, ignore_errors=True)


if __name__ == "__main__":
    main()
