//! `DataFrame`: a streaming query's logical plan, resolved eagerly like Spark's analysis.

use crate::grouped::GroupedData;
use crate::session::Session;
use crate::types::tree_string;
use crate::writer::DataStreamWriter;
use arrow::datatypes::SchemaRef;
use spate_connectors::file::format::FileFormat;
use spate_connectors::file::source::FileSource;
use spate_operators::expr::{col, Expr};
use spate_operators::stage::Transform;
use spate_operators::watermark::WithWatermark;
use spate_runtime::{parse_interval, Error, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A file source as `readStream` described it.
#[derive(Debug, Clone)]
pub(crate) struct SourceSpec {
    pub format: FileFormat,
    pub path: PathBuf,
    pub schema: SchemaRef,
    pub options: HashMap<String, String>,
}

impl SourceSpec {
    /// The file source, reading with the session's time zone unless the options set one.
    pub fn open(&self, time_zone: chrono::FixedOffset) -> Result<FileSource> {
        let mut options = self.options.clone();
        if !options.keys().any(|k| k.eq_ignore_ascii_case("timeZone")) {
            options.insert("timeZone".into(), time_zone.to_string());
        }
        FileSource::new(self.format, &self.path, self.schema.clone(), &options)
    }
}

/// One step after the source.
#[derive(Debug, Clone)]
pub(crate) enum PlanStep {
    /// A stateless select / filter.
    Transform(Transform),
    /// `withWatermark(column, delay)`.
    Watermark { column: String, delay_ms: i64 },
    /// `groupBy(keys).agg(aggregates)`; `event_time_key` is the key carrying the watermark.
    Aggregate {
        keys: Vec<Expr>,
        aggregates: Vec<Expr>,
        event_time_key: Option<usize>,
    },
}

/// Where a plan's rows come from.
#[derive(Debug, Clone)]
pub(crate) enum PlanInput {
    /// A file source.
    Source(SourceSpec),
    /// `union`: the rows of every input plan.
    Union(Vec<Arc<LogicalPlan>>),
}

/// The logical plan: an input and the steps after it.
#[derive(Debug, Clone)]
pub(crate) struct LogicalPlan {
    pub input: PlanInput,
    pub steps: Vec<PlanStep>,
}

impl LogicalPlan {
    /// Every step of the plan and of the plans it reads, inputs first.
    pub fn all_steps(&self) -> Vec<&PlanStep> {
        let mut steps = match &self.input {
            PlanInput::Source(_) => Vec::new(),
            PlanInput::Union(inputs) => inputs.iter().flat_map(|p| p.all_steps()).collect(),
        };
        steps.extend(&self.steps);
        steps
    }
}

/// Spark's streaming `DataFrame`.
#[derive(Clone)]
pub struct DataFrame {
    pub(crate) session: Session,
    pub(crate) plan: Arc<LogicalPlan>,
    schema: SchemaRef,
    /// The columns tagged as event time by `withWatermark` (Spark's watermark metadata), as
    /// they are named at this point of the plan.
    event_time: Vec<String>,
}

/// Analysis errors read like Spark's `AnalysisException`.
pub(crate) fn analysis(error: spate_operators::expr::ExprError) -> Error {
    Error::Analysis(error.to_string())
}

impl DataFrame {
    pub(crate) fn from_source(session: Session, source: SourceSpec) -> Self {
        let schema = source.schema.clone();
        DataFrame {
            session,
            plan: Arc::new(LogicalPlan {
                input: PlanInput::Source(source),
                steps: Vec::new(),
            }),
            schema,
            event_time: Vec::new(),
        }
    }

    fn then(&self, transform: Transform) -> Result<DataFrame> {
        let schema = transform.output_schema(&self.schema).map_err(analysis)?;
        let event_time = match &transform {
            Transform::Filter(_) => self.event_time.clone(),
            Transform::Project(exprs) => exprs
                .iter()
                .filter(|e| self.is_event_time(e))
                .map(Expr::output_name)
                .collect(),
        };
        self.then_step(PlanStep::Transform(transform), schema, event_time)
    }

    pub(crate) fn then_step(
        &self,
        step: PlanStep,
        schema: SchemaRef,
        event_time: Vec<String>,
    ) -> Result<DataFrame> {
        let mut plan = (*self.plan).clone();
        plan.steps.push(step);
        Ok(DataFrame {
            session: self.session.clone(),
            plan: Arc::new(plan),
            schema,
            event_time,
        })
    }

    /// Whether `expr` passes an event-time column through unchanged (possibly renamed), so
    /// its output keeps the watermark tag as in Spark.
    pub(crate) fn is_event_time(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Column(name) => self
                .event_time
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name.trim_matches('`'))),
            Expr::Alias(inner, _) => self.is_event_time(inner),
            _ => false,
        }
    }

    /// The schema.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Column names.
    pub fn columns(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// Always true: every spate DataFrame is a stream.
    pub fn is_streaming(&self) -> bool {
        true
    }

    /// `printSchema()` text.
    pub fn schema_string(&self) -> String {
        tree_string(&self.schema)
    }

    /// `printSchema()`.
    pub fn print_schema(&self) {
        print!("{}", self.schema_string());
    }

    /// `select(...)`.
    pub fn select(&self, exprs: impl IntoIterator<Item = Expr>) -> Result<DataFrame> {
        self.then(Transform::Project(exprs.into_iter().collect()))
    }

    /// `withColumn(name, expr)`: replaces the column `name` or appends it.
    pub fn with_column(&self, name: &str, expr: Expr) -> Result<DataFrame> {
        let mut replaced = false;
        let mut exprs: Vec<Expr> = self
            .columns()
            .into_iter()
            .map(|c| {
                if c == name {
                    replaced = true;
                    expr.clone().alias(name)
                } else {
                    col(&c)
                }
            })
            .collect();
        if !replaced {
            exprs.push(expr.alias(name));
        }
        self.select(exprs)
    }

    /// `withColumnRenamed(existing, new)` (a no-op when `existing` is absent, as in Spark).
    pub fn with_column_renamed(&self, existing: &str, new: &str) -> Result<DataFrame> {
        let exprs = self.columns().into_iter().map(|c| {
            if c == existing {
                col(&c).alias(new)
            } else {
                col(&c)
            }
        });
        self.select(exprs)
    }

    /// `drop(cols)` (absent names are ignored, as in Spark).
    pub fn drop<'a>(&self, columns: impl IntoIterator<Item = &'a str>) -> Result<DataFrame> {
        let dropped: Vec<&str> = columns.into_iter().collect();
        let kept = self
            .columns()
            .into_iter()
            .filter(|c| !dropped.contains(&c.as_str()))
            .map(|c| col(&c));
        self.select(kept)
    }

    /// `filter(condition)`.
    pub fn filter(&self, condition: Expr) -> Result<DataFrame> {
        self.then(Transform::Filter(condition))
    }

    /// `where(condition)`.
    pub fn where_(&self, condition: Expr) -> Result<DataFrame> {
        self.filter(condition)
    }

    /// `withWatermark(eventTimeColumn, delay)`: tracks the event time of `column` (a
    /// timestamp) so the query's watermark is `max event time − delay`.
    pub fn with_watermark(&self, column: &str, delay: &str) -> Result<DataFrame> {
        if delay.trim_start().starts_with('-') {
            return Err(Error::IllegalArgument(format!(
                "requirement failed: delay threshold ({delay}) should not be negative."
            )));
        }
        let delay_ms = parse_interval(delay)?.as_millis() as i64;
        WithWatermark::new(&self.schema, column, delay_ms)?;
        let step = PlanStep::Watermark {
            column: column.to_string(),
            delay_ms,
        };
        let mut event_time = self.event_time.clone();
        event_time.push(column.to_string());
        self.then_step(step, self.schema.clone(), event_time)
    }

    /// `groupBy(keys)`: the keys are columns, expressions or a [`window`](crate::functions::window).
    pub fn group_by(&self, keys: impl IntoIterator<Item = Expr>) -> GroupedData {
        GroupedData::new(self.clone(), keys.into_iter().collect())
    }

    /// `union(other)`: the rows of both streams, matched by column position (the names are
    /// this DataFrame's). Each input keeps its own watermarks; the query's watermark combines
    /// them by `spark.sql.streaming.multipleWatermarkPolicy`.
    pub fn union(&self, other: &DataFrame) -> Result<DataFrame> {
        let (left, right) = (self.schema.fields(), other.schema.fields());
        if left.len() != right.len() {
            return Err(Error::Analysis(format!(
                "[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first input has {} columns and the second input has {} columns. SQLSTATE: 42826",
                left.len(),
                right.len()
            )));
        }
        let mut fields = Vec::with_capacity(left.len());
        for (index, (l, r)) in left.iter().zip(right.iter()).enumerate() {
            if l.data_type() != r.data_type() {
                let name = |f: &arrow::datatypes::Field| {
                    spate_runtime::types::spark_type_name(f.data_type()).to_uppercase()
                };
                return Err(Error::Analysis(format!(
                    "[INCOMPATIBLE_COLUMN_TYPE] UNION can only be performed on inputs with compatible column types. Column {} of the second input is \"{}\" type which is not compatible with \"{}\" at the same column of the first input. SQLSTATE: 42825",
                    index + 1,
                    name(r),
                    name(l)
                )));
            }
            fields.push(
                l.as_ref()
                    .clone()
                    .with_nullable(l.is_nullable() || r.is_nullable()),
            );
        }
        Ok(DataFrame {
            session: self.session.clone(),
            plan: Arc::new(LogicalPlan {
                input: PlanInput::Union(vec![self.plan.clone(), other.plan.clone()]),
                steps: Vec::new(),
            }),
            schema: Arc::new(arrow::datatypes::Schema::new(fields)),
            event_time: self.event_time.clone(),
        })
    }

    /// `writeStream`.
    pub fn write_stream(&self) -> DataStreamWriter {
        DataStreamWriter::new(self.clone())
    }
}
