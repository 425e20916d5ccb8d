#!/usr/bin/env python3
"""Apache Spark's numbers for the workloads of spate's benchmarks, on the same input.

Usage (from the repository root; PySpark 4.3 lives in the conformance venv, Java 17 needed):

    TZ=UTC conformance/.venv/bin/python benches/spark_compare.py [--rows N] [--only NAME,...]
        [--file-limit 1|none|both]

What it does:

1. Writes the same NDJSON files as `benches/common/mod.rs::generate`, byte for byte: the
   same 64-bit LCG (seed 0x5eed), file names `events_NN.json`, line format and mtimes
   (2024-01-15T10:00:00Z + file index seconds; Spark's file source orders files by mtime,
   so `maxFilesPerTrigger=1` takes them in the same order as spate). The sha256 of each
   data set's `events_00.json` is printed so it can be checked against the Rust generator's.
2. Runs each workload in PySpark, `local[2]`, `spark.sql.shuffle.partitions=2`, UI off,
   `Trigger.AvailableNow` with `maxFilesPerTrigger=1` and again with no file limit (all
   files in one batch), like the Rust benches.
3. Prints one line per workload and file limit, `<workload>, <limit>: <rows/s> rows/s
   (<seconds> s)`, where the
   time runs from `start()` to `awaitTermination()` returning (JVM start-up, data
   generation and a short warm-up query are not counted) and rows/s is input rows / time.

Putting it next to the Rust benches (`cargo bench --bench NAME`, release build):

    Spark line            Rust bench and line
    filter_map_parquet    filter_map   "1 file per batch" / "no file limit"
    filter_map_noop       filter_map   "same, no-op sink" (1 file only)
    tumbling_update       aggregate    "tumbling 5 min + wm, update"
    tumbling_append       aggregate    "tumbling 5 min + wm, append"
    sliding_update        aggregate    "sliding 5 min / 1 min + wm, update"
    sliding_append        aggregate    "sliding 5 min / 1 min + wm, append"
    keys_1m               aggregate    "1M keys count/sum/avg, update", P 1
    join                  join_dedup   "join 2 x 1000000 rows" (input rows of both sides)
    dedup                 join_dedup   "dedup 2000000 rows", P = 1

The `checkpoint` bench drives spate's aggregation operator and state store directly, below
the query level; Spark has no public equivalent, so it is not reproduced here.

Things to keep in mind when comparing:

* Spark's times include its per-micro-batch overhead: planning and code generation of
  every batch, task scheduling, and the offset / commit logs and state store files it
  writes (HDFS-backed state store, Spark's default). With 20 one-file batches this fixed
  cost is a visible part of the total, as it would be for a real Spark job.
* Both sides write into the `noop` sink (`format("noop")`), which runs the whole plan and
  drops the rows. (A `foreachBatch` that does nothing would not do: in Spark it never
  executes the batch's plan, and a stateful query then fails with
  STATE_STORE_COMMIT_VALIDATION_FAILED; in spate it holds the batch's rows for the function.)
* The Rust benches use `local[*]`; this machine has 2 cores, so `local[2]` is the same.
* The driver JVM gets a 4 GiB heap (`spark.driver.memory`) so the 1M-key state fits; spate
  has no heap limit to set.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

# --------------------------------------------------------------------------------------
# Input: a port of benches/common/mod.rs
# --------------------------------------------------------------------------------------

ROWS = 2_000_000  # common::ROWS
FILES = 20  # common::FILES
SCHEMA = "id INT, name STRING, value DOUBLE, timestamp STRING"  # common::SCHEMA

MASK64 = (1 << 64) - 1
LCG_MUL = 6364136223846793005
LCG_ADD = 1442695040888963407
SEED = 0x5EED
BASE_MTIME_S = 1_705_312_800  # 2024-01-15T10:00:00Z

SHUFFLED = "shuffled"  # EventTimes::Shuffled: uniformly over one hour, in every file
PROGRESSING = "progressing"  # EventTimes::Progressing: file f covers minutes [3f, 3f + 5)


def generate(directory: Path, rows: int, files: int, times: str) -> int:
    """Writes `files` NDJSON files of `rows // files` rows each, exactly as
    `common::generate(dir, rows, files, times)` does (one LCG state across all files).
    Returns how many rows have value > 100 (for checking the filter_map runs)."""
    directory.mkdir(parents=True, exist_ok=True)
    per_file = rows // files
    state = SEED
    over_100 = 0
    for f in range(files):
        path = directory / f"events_{f:02}.json"
        lines = []
        for r in range(per_file):
            # state.wrapping_mul(..).wrapping_add(..) on a u64
            state = (state * LCG_MUL + LCG_ADD) & MASK64
            row_id = f * per_file + r
            value = (state >> 33) % 400
            over_100 += value > 100
            if times == SHUFFLED:
                second = (state >> 20) % 3600
            else:
                second = (f * 180 + (state >> 20) % 300) % (24 * 3600)
            lines.append(
                f'{{"id":{row_id},"name":"Event_{row_id}","value":{value}.0,'
                f'"timestamp":"2024-01-15 {10 + second // 3600:02}:{second // 60 % 60:02}:'
                f'{second % 60:02}"}}\n'
            )
        path.write_bytes("".join(lines).encode("ascii"))
        # File::set_modified sets the mtime only; keep the access time as it is.
        mtime_ns = (BASE_MTIME_S + f) * 1_000_000_000
        os.utime(path, ns=(path.stat().st_atime_ns, mtime_ns))
    return over_100


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------
# Spark
# --------------------------------------------------------------------------------------

SPARK_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "4g",
}


def build_spark():
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("spate-bench-compare")
    for key, value in SPARK_CONF.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def events(spark, path: Path, watermark: bool, limit: Optional[int]):
    """The bench's source: JSON files, fixed schema, `limit` files per micro-batch (all
    when None); with `watermark`, plus event_time = to_timestamp(timestamp) and a
    10-minute watermark (the `events` closure of join_dedup.rs)."""
    from pyspark.sql.functions import col, to_timestamp

    reader = spark.readStream.format("json").schema(SCHEMA)
    if limit is not None:
        reader = reader.option("maxFilesPerTrigger", limit)
    df = reader.load(str(path))
    if watermark:
        df = df.withColumn("event_time", to_timestamp(col("timestamp"))).withWatermark(
            "event_time", "10 minutes"
        )
    return df


class Result:
    def __init__(self, seconds: float, input_rows: int, expected_read: int, read_rows: int,
                 peak_state: int):
        self.seconds = seconds
        self.input_rows = input_rows  # rows the bench counts (the Rust bench's numerator)
        self.expected_read = expected_read  # what Spark should report as numInputRows
        self.read_rows = read_rows  # what it did report (sanity check)
        self.peak_state = peak_state  # largest numRowsTotal of any state operator


def run(df, checkpoint: Path, input_rows: int, mode: str = "append",
        parquet_path: Optional[Path] = None, expected_read: Optional[int] = None) -> Result:
    """Runs `df` with availableNow into the noop sink (or a Parquet file sink) and times
    it from start() to awaitTermination() returning. `expected_read` is the numInputRows
    Spark should report in total when it differs from `input_rows`."""
    writer = (
        df.writeStream.outputMode(mode)
        .option("checkpointLocation", str(checkpoint))
        .trigger(availableNow=True)
    )
    if parquet_path is not None:
        writer = writer.format("parquet").option("path", str(parquet_path))
    else:
        writer = writer.format("noop")
    # As the Rust benches: nothing earlier work wrote is left to write back to disk.
    os.sync()
    start = time.perf_counter()
    query = writer.start()
    query.awaitTermination()
    seconds = time.perf_counter() - start
    progress = query.recentProgress
    read_rows = sum(p["numInputRows"] for p in progress)
    peak_state = max(
        (s["numRowsTotal"] for p in progress for s in p.get("stateOperators", [])),
        default=0,
    )
    expected = input_rows if expected_read is None else expected_read
    return Result(seconds, input_rows, expected, read_rows, peak_state)


# --------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------

def filter_map(spark, data: Path, limit: Optional[int]):
    """filter_map.rs: value_doubled, event_time, filter value > 100."""
    from pyspark.sql.functions import col, lit, to_timestamp

    return (
        events(spark, data, False, limit)
        .withColumn("value_doubled", col("value") * lit(2))
        .withColumn("event_time", to_timestamp(col("timestamp")))
        .filter(col("value") > lit(100))
    )


def windows(spark, data: Path, limit: Optional[int], slide: Optional[str]):
    """aggregate.rs: 5-minute windows (every `slide`, or tumbling when None) behind a
    10-minute watermark."""
    from pyspark.sql.functions import col, count, lit, sum as sum_, window

    timed = events(spark, data, True, limit)
    if slide is None:
        by = window(col("event_time"), "5 minutes")
    else:
        by = window(col("event_time"), "5 minutes", slide)
    return timed.groupBy(by).agg(
        count(lit("*")).alias("event_count"), sum_(col("value")).alias("total_value")
    )


def keys_1m(spark, data: Path, limit: Optional[int]):
    """aggregate.rs: count/sum/avg over id % 1000000, no watermark."""
    from pyspark.sql.functions import avg, col, count, lit, sum as sum_

    return (
        events(spark, data, False, limit)
        .groupBy((col("id") % lit(1_000_000)).alias("key"))
        .agg(
            count(lit("*")).alias("n"),
            sum_(col("value")).alias("total"),
            avg(col("value")).alias("mean"),
        )
    )


def join(spark, data: Path, limit: Optional[int]):
    """join_dedup.rs: the same files on both sides, each row meeting its copy (±5 min)."""
    from pyspark.sql.functions import col, expr

    left = events(spark, data, True, limit).alias("l")
    right = (
        events(spark, data, True, limit)
        .select(col("id").alias("id2"), col("event_time"))
        .alias("r")
    )
    return left.join(
        right,
        expr(
            "id = id2 AND l.event_time >= r.event_time - interval 5 minutes "
            "AND l.event_time <= r.event_time + interval 5 minutes"
        ),
        "inner",
    )


def dedup(spark, data: Path, limit: Optional[int]):
    """join_dedup.rs: every tenth row repeats the key of the row before it."""
    from pyspark.sql.functions import col, lit, when

    keyed = events(spark, data, True, limit).withColumn(
        "key",
        when(col("id") % lit(10) == lit(0), col("id") - lit(1)).otherwise(col("id")),
    )
    return keyed.dropDuplicatesWithinWatermark(["key"])


WORKLOADS = ["filter_map_parquet", "filter_map_noop", "tumbling_update", "tumbling_append",
             "sliding_update", "sliding_append", "keys_1m", "join", "dedup"]
# The no-op filter_map runs with one file per batch only, as in filter_map.rs.
ONE_FILE_ONLY = {"filter_map_noop"}


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS,
                        help=f"rows of the main data sets (default {ROWS}); the join reads "
                             "half of it, in half the files, on each side")
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help="comma-separated workloads to run (default: all): "
                             + ", ".join(WORKLOADS))
    parser.add_argument("--file-limit", choices=["1", "none", "both"], default="both",
                        help="maxFilesPerTrigger=1, no file limit, or both (default)")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the small untimed warm-up query")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this directory and keep it (default: a temporary one)")
    args = parser.parse_args()
    selected = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = sorted(set(selected) - set(WORKLOADS))
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}")
    if os.environ.get("TZ") != "UTC":
        print("note: TZ is not UTC; the Spark session time zone is set to UTC anyway",
              file=sys.stderr)

    rows, files = args.rows, FILES
    half_rows, half_files = rows // 2, files // 2
    full_rows = rows // files * files  # rows actually written
    join_rows = 2 * (half_rows // half_files * half_files)  # both sides of the join

    if args.keep is not None:
        work = args.keep
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="spate-spark-compare-"))

    try:
        # The data sets, as the Rust benches generate them.
        shuffled = work / "shuffled"  # filter_map.rs
        progressing = work / "progressing"  # aggregate.rs, join_dedup.rs (dedup)
        half = work / "half"  # join_dedup.rs (join)
        need = set(selected)
        start = time.perf_counter()
        over_100 = None
        if need & {"filter_map_parquet", "filter_map_noop"}:
            over_100 = generate(shuffled, rows, files, SHUFFLED)
        if need - {"filter_map_parquet", "filter_map_noop", "join"}:
            generate(progressing, rows, files, PROGRESSING)
        if "join" in need:
            generate(half, half_rows, half_files, PROGRESSING)
        print(f"generated input in {time.perf_counter() - start:.1f} s under {work}")
        # The join's half set has the same rows per file, so its files equal the first
        # half of the Progressing set's.
        for name, directory in [("Shuffled", shuffled), ("Progressing", progressing),
                                ("Progressing, join half", half)]:
            first = directory / "events_00.json"
            if first.exists():
                print(f"sha256 {name} events_00.json: {sha256(first)}")

        spark = build_spark()
        limits = {"1": [1], "none": [None], "both": [1, None]}[args.file_limit]
        print(f"Spark {spark.version}, local[2], shuffle partitions 2, availableNow")

        if not args.no_warmup:
            # Loads the classes of the JSON source, the planner and the Parquet writer once,
            # outside the timings (spate has nothing to warm up).
            warm = work / "warmup"
            generate(warm, 20_000, 2, SHUFFLED)
            run(filter_map(spark, warm, 1), work / "cp-warmup", 20_000,
                parquet_path=work / "out-warmup")

        # Each workload with `limit` files per batch (None: all in one batch).
        plans: Dict[str, Callable[[Optional[int], str], Result]] = {
            "filter_map_parquet": lambda limit, tag: run(
                filter_map(spark, shuffled, limit), work / f"cp-parquet-{tag}", full_rows,
                parquet_path=work / f"out-parquet-{tag}", expected_read=over_100),
            "filter_map_noop": lambda limit, tag: run(
                filter_map(spark, shuffled, limit), work / f"cp-noop-{tag}", full_rows,
                expected_read=over_100),
            "tumbling_update": lambda limit, tag: run(
                windows(spark, progressing, limit, None), work / f"cp-tumbling-u-{tag}",
                full_rows, mode="update"),
            "tumbling_append": lambda limit, tag: run(
                windows(spark, progressing, limit, None), work / f"cp-tumbling-a-{tag}",
                full_rows, mode="append"),
            "sliding_update": lambda limit, tag: run(
                windows(spark, progressing, limit, "1 minute"), work / f"cp-sliding-u-{tag}",
                full_rows, mode="update"),
            "sliding_append": lambda limit, tag: run(
                windows(spark, progressing, limit, "1 minute"), work / f"cp-sliding-a-{tag}",
                full_rows, mode="append"),
            "keys_1m": lambda limit, tag: run(
                keys_1m(spark, progressing, limit), work / f"cp-keys-{tag}", full_rows,
                mode="update"),
            "join": lambda limit, tag: run(
                join(spark, half, limit), work / f"cp-join-{tag}", join_rows),
            "dedup": lambda limit, tag: run(
                dedup(spark, progressing, limit), work / f"cp-dedup-{tag}", full_rows),
        }
        results: List[Tuple[str, Result]] = []
        for limit in limits:
            tag = "1 file" if limit == 1 else "no limit"
            for name in WORKLOADS:
                if name not in need or (limit is None and name in ONE_FILE_ONLY):
                    continue
                result = plans[name](limit, tag.replace(" ", "-"))
                results.append((f"{name}, {tag}", result))
                # The line to put next to the Rust bench's output.
                print(f"{name}, {tag}: {result.input_rows / result.seconds:.0f} rows/s "
                      f"({result.seconds:.2f} s)", flush=True)

        # Spark's numInputRows, against what it should be: all input rows, except for
        # filter_map, where Spark pushes `value > 100` into the JSON scan and counts only
        # the rows that pass it.
        print("details (Spark's own progress reports):")
        for name, result in results:
            ok = result.read_rows == result.expected_read
            check = "" if ok else f"  <-- MISMATCH, expected {result.expected_read}"
            state = f", peak state {result.peak_state} rows" if result.peak_state else ""
            print(f"  {name}: numInputRows {result.read_rows}{state}{check}")
        spark.stop()
        return 0 if all(r.read_rows == r.expected_read for _, r in results) else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
