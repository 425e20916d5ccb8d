//! `union`: the rows of every input port, as one stream with the first input's column names.

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use spate_runtime::{Operator, Output, Result};

/// Merges its inputs; the host aligns their barriers and watermarks.
pub struct Union {
    schema: SchemaRef,
}

impl Union {
    /// A union producing `schema` (the inputs' columns must match it by position and type).
    pub fn new(schema: SchemaRef) -> Self {
        Union { schema }
    }
}

impl Operator for Union {
    fn name(&self) -> &str {
        "Union"
    }

    fn on_data(&mut self, _port: usize, batch: RecordBatch, out: &mut Output) -> Result<()> {
        let renamed = RecordBatch::try_new(self.schema.clone(), batch.columns().to_vec())?;
        out.emit(renamed);
        Ok(())
    }
}
