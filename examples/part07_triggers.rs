//! Lab Part 7: processing-time, once, availableNow and continuous triggers on the same
//! stream; then the continuous trigger's latency, measured on a `rate` stream.
#[path = "common/mod.rs"]
mod common;

use arrow::array::AsArray;
use arrow::datatypes::TimestampMicrosecondType;
use spate::functions::{col, lit};
use spate::{Session, Trigger};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::workdir("part07")?;
    common::write_lab_events(&dir.join("streaming_data"))?;
    let spark = common::session(None)?;
    let streaming_df = common::streaming_df(&spark, &dir.join("streaming_data"))?;

    println!(
        "== processingTime=\"1 second\" (the lab uses 10 seconds; the first trigger runs at once)"
    );
    let query = streaming_df
        .write_stream()
        .format("console")
        .trigger(Trigger::processing_time("1 second")?)
        .start()?;
    query.process_all_available()?;
    query.stop();

    println!("== once=True: everything in one batch, maxFilesPerTrigger ignored");
    let query = streaming_df
        .write_stream()
        .format("console")
        .trigger(Trigger::Once)
        .start()?;
    query.await_termination()?;

    println!("== availableNow=True: one batch per file, then the query stops by itself");
    let query = streaming_df
        .write_stream()
        .format("console")
        .trigger(Trigger::AvailableNow)
        .start()?;
    query.await_termination()?;
    println!("Is active after availableNow: {}", query.is_active());

    println!("== continuous=\"1 second\": rows flow as files arrive; an epoch commits each second");
    let query = streaming_df
        .write_stream()
        .format("console")
        .trigger(Trigger::continuous("1 second")?)
        .start()?;
    query.process_all_available()?;
    query.stop();

    continuous_latency(&spark)
}

/// Runs `rate` (100,000 rows/s) → filter → foreach for two seconds under the continuous
/// trigger, and prints how long rows took from creation to the sink.
fn continuous_latency(spark: &Session) -> Result<(), Box<dyn std::error::Error>> {
    let latencies: Arc<Mutex<Vec<i64>>> = Arc::default();
    let sink = latencies.clone();
    let query = spark
        .read_stream()
        .format("rate")
        .option("rowsPerSecond", 100_000)
        .load_source()?
        .filter((col("value") % lit(2)).eq(lit(0)))?
        .write_stream()
        .trigger(Trigger::continuous("1 second")?)
        .foreach(move |batch, _epoch| {
            let arrived = chrono::Utc::now().timestamp_micros();
            let created = batch.column(0).as_primitive::<TimestampMicrosecondType>();
            if let Ok(mut latencies) = sink.lock() {
                latencies.extend(created.values().iter().map(|t| arrived - t));
            }
            Ok(())
        })
        .start()?;
    std::thread::sleep(Duration::from_secs(2));
    query.stop();
    let mut latencies = std::mem::take(&mut *latencies.lock().map_err(|_| "lock")?);
    latencies.sort_unstable();
    let quantile = |q: f64| {
        let index = ((latencies.len().max(1) - 1) as f64 * q) as usize;
        latencies
            .get(index)
            .map_or(f64::NAN, |&us| us as f64 / 1000.0)
    };
    println!(
        "== continuous latency, rate 100000 rows/s → filter → foreach: {} rows in {} epochs, \
         creation to sink p50 {:.2} ms, p99 {:.2} ms",
        latencies.len(),
        query.recent_progress().len(),
        quantile(0.5),
        quantile(0.99)
    );
    Ok(())
}
