//! Lab Part 10: monitoring. A listener (registered, unlike the lab's plain class, which
//! Spark never calls) prints each query's start, progress and end; a console query is
//! inspected through `id`, `name`, `isActive`, `status`, `lastProgress` and
//! `recentProgress`, then awaited with a timeout and stopped; finally a query fails on a
//! malformed timestamp and its exception is read back.
#[path = "common/mod.rs"]
mod common;

use spate::functions::{col, to_timestamp};
use spate::{
    QueryProgressEvent, QueryStartedEvent, QueryTerminatedEvent, StreamingQueryListener, Trigger,
};
use std::sync::Arc;
use std::time::Duration;

/// The lab's Step 10.3 listener, registered with `spark.streams().add_listener`.
struct PrintingListener;

impl StreamingQueryListener for PrintingListener {
    fn on_query_started(&self, event: &QueryStartedEvent) {
        println!("Query started: {}", event.id);
    }

    fn on_query_progress(&self, event: &QueryProgressEvent) {
        println!("Query progress: {} rows", event.progress.num_input_rows);
    }

    fn on_query_terminated(&self, event: &QueryTerminatedEvent) {
        match &event.exception {
            Some(exception) => println!("Query terminated: {} ({exception})", event.id),
            None => println!("Query terminated: {}", event.id),
        }
    }
}

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part10")?;
    common::write_lab_events(&dir.join("streaming_data"))?;
    let spark = common::session(None)?;
    spark.streams().add_listener(Arc::new(PrintingListener));
    let streaming_df = common::streaming_df(&spark, &dir.join("streaming_data"))?;

    // Step 10.1: query progress.
    let query = streaming_df
        .write_stream()
        .format("console")
        .output_mode("append")
        .start()?;
    query.process_all_available()?;
    println!("Query ID: {}", query.id());
    println!("Query Name: {}", query.name().unwrap_or("None"));
    println!("Is Active: {}", query.is_active());
    println!("Status: {}", serde_json::to_string(&query.status())?);
    if let Some(progress) = query.last_progress() {
        println!("Last Progress: {}", progress.pretty_json());
    }
    for progress in query.recent_progress() {
        println!("{}", progress.json());
    }

    // Step 10.2: await termination with a timeout, then stop.
    match query.await_termination_timeout(Duration::from_secs(1)) {
        Ok(terminated) => println!("Terminated within the timeout: {terminated}"),
        Err(e) => println!("Query stopped: {e}"),
    }
    if query.is_active() {
        query.stop();
    }

    // Step 10.3: a query that fails on bad input, and its exception.
    let bad = dir.join("bad_data");
    common::write_json_lines(
        &bad.join("bad.json"),
        &["{\"id\": 1, \"name\": \"Bad\", \"value\": 1.0, \"timestamp\": \"not a time\"}".into()],
        1_705_312_800,
    )?;
    let failing = common::streaming_df(&spark, &bad)?
        .with_column("event_time", to_timestamp(col("timestamp")))?
        .write_stream()
        .format("console")
        .trigger(Trigger::AvailableNow)
        .start()?;
    let _ = failing.await_termination();
    if let Some(exception) = failing.exception() {
        println!("Query failed: {exception}");
    }
    // `awaitAnyTermination` returns at once: queries of this session have ended.
    let ended = spark
        .streams()
        .await_any_termination_timeout(Duration::from_secs(1));
    println!("Any query terminated: {}", ended.is_ok());
    Ok(())
}
