//! The console sink: prints every batch as Spark's `Batch: N` header and `show()` table.

use super::show::{show_string, ShowOptions};
use crate::options::Options;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use spate_runtime::text::zone::Zone;
use spate_runtime::{Error, Result, Sink, SinkCommit};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where console output goes: the process's stdout, or a shared buffer (tests).
#[derive(Clone, Default)]
pub enum ConsoleOutput {
    /// Standard output.
    #[default]
    Stdout,
    /// An in-memory buffer.
    Buffer(Arc<Mutex<Vec<u8>>>),
}

impl ConsoleOutput {
    fn write_all(&self, text: &str) -> Result<()> {
        let result = match self {
            ConsoleOutput::Stdout => {
                let mut stdout = std::io::stdout().lock();
                stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush())
            }
            ConsoleOutput::Buffer(buffer) => buffer
                .lock()
                .map(|mut b| b.extend_from_slice(text.as_bytes()))
                .map_err(|_| std::io::Error::other("poisoned buffer")),
        };
        result.map_err(|e| Error::io("writing", "the console", e))
    }
}

/// Spark's console sink (options `numRows`, default 20, and `truncate`, default true).
pub struct ConsoleSink {
    schema: SchemaRef,
    show: ShowOptions,
    output: ConsoleOutput,
    /// The first `numRows + 1` rows of the epoch: all that `show()` needs.
    head: Vec<RecordBatch>,
    head_rows: usize,
    rows: i64,
}

impl ConsoleSink {
    /// A console sink for rows of `schema`.
    pub fn new(
        schema: SchemaRef,
        options: &HashMap<String, String>,
        time_zone: &Zone,
        output: ConsoleOutput,
    ) -> Result<Self> {
        let options = Options::new(options);
        let option = |name: &str| options.get(name);
        let num_rows = match option("numRows") {
            None => 20,
            Some(v) => v.trim().parse::<usize>().map_err(|_| {
                Error::IllegalArgument(format!(
                    "Invalid value '{v}' for option 'numRows', must be a positive integer"
                ))
            })?,
        };
        let truncate = match option("truncate").map(|v| v.trim().to_ascii_lowercase()) {
            None => 20,
            Some(v) if v == "true" => 20,
            Some(v) if v == "false" => 0,
            Some(v) => v.parse::<usize>().map_err(|_| {
                Error::IllegalArgument(format!(
                    "Invalid value '{v}' for option 'truncate', must be true, false or a number"
                ))
            })?,
        };
        Ok(ConsoleSink {
            schema,
            show: ShowOptions {
                num_rows,
                truncate,
                time_zone: time_zone.clone(),
            },
            output,
            head: Vec::new(),
            head_rows: 0,
            rows: 0,
        })
    }
}

impl Sink for ConsoleSink {
    fn description(&self) -> String {
        let address = self as *const Self as usize;
        format!(
            "org.apache.spark.sql.execution.streaming.ConsoleTable$@{:x}",
            address & 0xffff_ffff
        )
    }

    fn write(&mut self, _epoch: u64, batch: RecordBatch) -> Result<()> {
        self.rows += batch.num_rows() as i64;
        let wanted = self.show.num_rows.saturating_add(1);
        if self.head_rows < wanted {
            let take = (wanted - self.head_rows).min(batch.num_rows());
            self.head_rows += take;
            self.head.push(batch.slice(0, take));
        }
        Ok(())
    }

    fn commit(&mut self, epoch: u64) -> Result<SinkCommit> {
        let table = show_string(&self.schema, &self.head, &self.show)
            .map_err(|e| Error::component("console sink", e))?;
        let dashes = "-".repeat(43);
        self.output
            .write_all(&format!("{dashes}\nBatch: {epoch}\n{dashes}\n{table}\n"))?;
        self.head.clear();
        self.head_rows = 0;
        let rows = std::mem::take(&mut self.rows);
        Ok(SinkCommit {
            num_output_rows: rows,
        })
    }
}
