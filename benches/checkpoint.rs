//! Cost of checkpointing aggregation state: 1M keys of count/sum/avg, 1 % of them changing
//! per epoch. Prints the bytes and time of a delta checkpoint against a full snapshot of the
//! same state (same run), and the time to restore the state on restart.
//!
//! `cargo bench --bench checkpoint` (release build).

#[path = "common/mod.rs"]
mod common;

use arrow::array::{Float64Array, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use spate::functions::{avg, col, count_star, sum};
use spate::operators::aggregate::{EmitMode, StreamingAggregate};
use spate::operators::expr::EvalContext;
use spate::runtime::checkpoint::StateStore;
use spate::runtime::{Operator, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEYS: i64 = 1_000_000;
const CHANGED: usize = 10_000;
const EPOCHS: u64 = 10;

fn batch(keys: Vec<i64>) -> RecordBatch {
    let values = Float64Array::from_iter_values(keys.iter().map(|k| (k % 100) as f64));
    let schema = Arc::new(Schema::new(vec![
        Field::new("key", DataType::Int64, false),
        Field::new("value", DataType::Float64, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![Arc::new(Int64Array::from(keys)), Arc::new(values)],
    )
    .expect("batch")
}

fn aggregate() -> StreamingAggregate {
    let schema = batch(vec![]).schema();
    StreamingAggregate::new(
        &schema,
        vec![col("key")],
        vec![count_star(), sum(col("value")), avg(col("value"))],
        None,
        EmitMode::Update,
        EvalContext::default(),
    )
    .expect("aggregate")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::work_dir()?;
    let store = StateStore::new(dir.path(), 0);
    let mut operator = aggregate();
    let mut out = Output::default();
    operator.on_data(0, batch((0..KEYS).collect()), &mut out)?;
    operator.on_epoch_end(0, &mut out)?;
    out.drain().for_each(drop);
    store.write(0, &operator.checkpoint(true)?)?;

    let mut seed: u64 = 7;
    let (mut delta_bytes, mut delta_time) = (0, Duration::ZERO);
    for epoch in 1..=EPOCHS {
        let keys: Vec<i64> = (0..CHANGED)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                ((seed >> 33) % KEYS as u64) as i64
            })
            .collect();
        operator.on_data(0, batch(keys), &mut out)?;
        operator.on_epoch_end(epoch, &mut out)?;
        out.drain().for_each(drop);
        let start = Instant::now();
        delta_bytes += store.write(epoch, &operator.checkpoint(false)?)?;
        delta_time += start.elapsed();
    }
    let full_store = StateStore::new(dir.path(), 1);
    let start = Instant::now();
    let full_bytes = full_store.write(EPOCHS, &operator.checkpoint(true)?)?;
    let full_time = start.elapsed();

    let start = Instant::now();
    let mut restored = aggregate();
    for checkpoint in store.load(EPOCHS)?.unwrap_or_default() {
        restored.restore(checkpoint)?;
    }
    let restart = start.elapsed();
    assert_eq!(restored.state_rows(), operator.state_rows());

    let per_delta = delta_time / EPOCHS as u32;
    println!("checkpoint: {KEYS} keys of count/sum/avg, {CHANGED} keys changed per epoch");
    println!(
        "  delta:    {:>10} bytes, {:>8.2} ms per epoch",
        delta_bytes / EPOCHS as usize,
        per_delta.as_secs_f64() * 1e3
    );
    println!(
        "  snapshot: {full_bytes:>10} bytes, {:>8.2} ms ({:.1}x the bytes, {:.1}x the time of a delta)",
        full_time.as_secs_f64() * 1e3,
        full_bytes as f64 / (delta_bytes as f64 / EPOCHS as f64),
        full_time.as_secs_f64() / per_delta.as_secs_f64()
    );
    println!(
        "  restart:  {:>8.2} ms to restore the snapshot and {EPOCHS} deltas",
        restart.as_secs_f64() * 1e3
    );
    Ok(())
}
