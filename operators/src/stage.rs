//! A fused chain of stateless transformations (select / with_column / filter / drop …):
//! one operator, so a map/filter chain costs no message hop.

use crate::expr::{EvalContext, Expr, ExprError};
use arrow::array::{Array, BooleanArray};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use spate_runtime::{Error, Operator, Output, Result};
use std::sync::Arc;

/// One stateless step.
#[derive(Debug, Clone)]
pub enum Transform {
    /// Replace the columns with these expressions (named by alias or Spark's rules).
    Project(Vec<Expr>),
    /// Keep the rows where the predicate is true (NULL counts as false).
    Filter(Expr),
}

impl Transform {
    /// The schema this step produces from `input`; fails like Spark's analysis would.
    pub fn output_schema(&self, input: &Schema) -> std::result::Result<SchemaRef, ExprError> {
        match self {
            Transform::Project(exprs) => {
                let fields = exprs
                    .iter()
                    .map(|e| e.output_field(input))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(Arc::new(Schema::new(fields)))
            }
            Transform::Filter(predicate) => {
                let field = predicate.output_field(input)?;
                if field.data_type() != &arrow::datatypes::DataType::Boolean {
                    return Err(ExprError::DataTypeMismatch {
                        message: format!(
                            "[DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN] Cannot resolve \"{}\" due to data type mismatch: Filter expression \"{}\" of type \"{}\" is not a boolean.",
                            field.name(),
                            field.name(),
                            spate_runtime::types::spark_type_name(field.data_type()).to_uppercase()
                        ),
                    });
                }
                Ok(Arc::new(input.clone()))
            }
        }
    }
}

/// Maps an expression error met while processing rows to the runtime's error.
pub fn execution_error(error: ExprError) -> Error {
    match error {
        ExprError::Arrow(e) => Error::Arrow(e),
        other => Error::Execution(Box::new(other)),
    }
}

struct Step {
    transform: Transform,
    schema: SchemaRef,
}

/// Applies its transforms in order to each batch, with Arrow kernels over whole batches.
pub struct Stage {
    name: String,
    steps: Vec<Step>,
    output: SchemaRef,
    context: EvalContext,
}

impl Stage {
    /// A stage over input `schema`; fails (at planning, like Spark's analysis) when a step
    /// does not resolve.
    pub fn new(
        input: SchemaRef,
        transforms: Vec<Transform>,
        context: EvalContext,
    ) -> std::result::Result<Self, ExprError> {
        let mut schema = input;
        let mut steps = Vec::with_capacity(transforms.len());
        for transform in transforms {
            let output = transform.output_schema(&schema)?;
            schema = output.clone();
            steps.push(Step {
                transform,
                schema: output,
            });
        }
        let name = steps
            .iter()
            .map(|s| match s.transform {
                Transform::Project(_) => "Project",
                Transform::Filter(_) => "Filter",
            })
            .collect::<Vec<_>>()
            .join("+");
        Ok(Stage {
            name: if name.is_empty() {
                "Identity".into()
            } else {
                name
            },
            steps,
            output: schema,
            context,
        })
    }

    /// The schema of the batches the stage emits.
    pub fn output_schema(&self) -> SchemaRef {
        self.output.clone()
    }

    /// Applies every step to `batch`.
    pub fn apply(&self, mut batch: RecordBatch) -> Result<RecordBatch> {
        for step in &self.steps {
            if batch.num_rows() == 0 {
                return Ok(RecordBatch::new_empty(self.output.clone()));
            }
            batch = match &step.transform {
                Transform::Project(exprs) => {
                    let columns = exprs
                        .iter()
                        .map(|e| e.evaluate(&batch, &self.context))
                        .collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(execution_error)?;
                    let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
                    RecordBatch::try_new_with_options(step.schema.clone(), columns, &options)?
                }
                Transform::Filter(predicate) => {
                    let mask = predicate
                        .evaluate(&batch, &self.context)
                        .map_err(execution_error)?;
                    let mask = mask
                        .as_any()
                        .downcast_ref::<BooleanArray>()
                        .ok_or_else(|| {
                            Error::IllegalArgument(format!(
                                "filter predicate produced {}",
                                mask.data_type()
                            ))
                        })?;
                    if mask.null_count() == 0 && mask.true_count() == mask.len() {
                        batch
                    } else {
                        filter_record_batch(&batch, mask)?
                    }
                }
            };
        }
        Ok(batch)
    }
}

impl Operator for Stage {
    fn name(&self) -> &str {
        &self.name
    }

    fn on_data(&mut self, _port: usize, batch: RecordBatch, out: &mut Output) -> Result<()> {
        out.emit(self.apply(batch)?);
        Ok(())
    }
}
