//! `Table`: a static result (a memory-sink table read back) that can be shown or collected.

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use spate_connectors::console::show::{show_string, ShowOptions};
use spate_runtime::text::zone::Zone;
use spate_runtime::{Error, Result};

/// Rows at rest, as `spark.table(..)` / `spark.sql(..)` return them.
#[derive(Debug, Clone)]
pub struct Table {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    time_zone: Zone,
}

impl Table {
    pub(crate) fn new(schema: SchemaRef, batches: Vec<RecordBatch>, time_zone: Zone) -> Self {
        Table {
            schema,
            batches,
            time_zone,
        }
    }

    /// The schema.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The rows.
    pub fn collect(&self) -> Vec<RecordBatch> {
        self.batches.clone()
    }

    /// Number of rows.
    pub fn count(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// `show()` as text: `num_rows` rows, cells cut at 20 characters when `truncate`.
    pub fn show_string(&self, num_rows: usize, truncate: bool) -> Result<String> {
        let options = ShowOptions {
            num_rows,
            truncate: if truncate { 20 } else { 0 },
            time_zone: self.time_zone.clone(),
        };
        show_string(&self.schema, &self.batches, &options).map_err(|e| Error::component("show", e))
    }

    /// `show()`: prints the first 20 rows.
    pub fn show(&self) -> Result<()> {
        println!("{}", self.show_string(20, true)?);
        Ok(())
    }
}
