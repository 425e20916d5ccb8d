//! Every lab part one after the other, ending with Part 12's complete example (with
//! availableNow instead of the lab's 10-second trigger, so the whole tour takes seconds),
//! on generated sample data, printing what Spark prints.
// Each part is also an example of its own, so each includes the shared `common` module.
#![allow(clippy::duplicate_mod)]

/// One lab part's `main`.
type Part = fn() -> Result<(), Box<dyn std::error::Error>>;

#[path = "part02_setup.rs"]
mod part02;
#[path = "part03_file_source.rs"]
mod part03;
#[path = "part04_transformations.rs"]
mod part04;
#[path = "part04_aggregations.rs"]
mod part04_aggregations;
#[path = "part05_sinks.rs"]
mod part05;
#[path = "part06_output_modes.rs"]
mod part06;
#[path = "part07_triggers.rs"]
mod part07;
#[path = "part08_watermarks.rs"]
mod part08;
#[path = "part09_dedup.rs"]
mod part09_dedup;
#[path = "part09_join.rs"]
mod part09_join;
#[path = "part10_monitoring.rs"]
mod part10;
#[path = "part11_checkpointing.rs"]
mod part11;
// Its `main` runs the lab's two-minute version; the tour calls `run(false)` instead.
#[allow(dead_code)]
#[path = "part12_complete.rs"]
mod part12;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let parts: [(&str, Part); 13] = [
        ("Part 2: Setup", part02::main),
        ("Part 3: Reading from File Source", part03::main),
        ("Part 4.1: Streaming Transformations", part04::main),
        ("Part 4.2: Aggregations", part04_aggregations::main),
        ("Part 5: Output Sinks", part05::main),
        ("Part 6: Output Modes", part06::main),
        ("Part 7: Trigger Types", part07::main),
        ("Part 8: Watermarks and Late Data", part08::main),
        ("Part 9.1: Deduplication", part09_dedup::main),
        ("Part 9.2: Stream-Stream Joins", part09_join::main),
        ("Part 10: Monitoring Streaming Queries", part10::main),
        ("Part 11: Checkpointing", part11::main),
        ("Part 12: Complete Example", || part12::run(false)),
    ];
    for (title, run) in parts {
        println!("\n=== {title} ===\n");
        run()?;
    }
    Ok(())
}
