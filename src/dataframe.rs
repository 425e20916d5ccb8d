//! `DataFrame`: a streaming query's logical plan, resolved eagerly like Spark's analysis.

use crate::grouped::GroupedData;
use crate::session::Session;
use crate::sql::IntoCondition;
use crate::types::tree_string;
use crate::writer::DataStreamWriter;
use arrow::datatypes::{DataType, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use spate_connectors::file::format::{FileFormat, DEFAULT_CORRUPT_COLUMN};
use spate_connectors::file::source::FileSource;
use spate_connectors::rate::{rate_schema, RateSource};
use spate_connectors::socket::SocketSource;
use spate_operators::dedup::{DedupExpiry, Deduplicate};
use spate_operators::expr::{col, names_equal, names_match, Expr};
use spate_operators::join::JoinType;
use spate_operators::stage::Transform;
use spate_operators::watermark::WithWatermark;
use spate_runtime::text::zone::Zone;
use spate_runtime::Source;
use spate_runtime::{parse_interval, Error, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A source as `readStream` described it.
#[derive(Debug, Clone)]
pub(crate) enum SourceSpec {
    /// Files under `path`.
    File {
        format: FileFormat,
        path: PathBuf,
        schema: SchemaRef,
        options: HashMap<String, String>,
        /// For CSV read for only some of its declared columns: each column's token.
        csv_tokens: Option<Vec<usize>>,
    },
    /// Lines from a TCP server.
    Socket {
        options: HashMap<String, String>,
        schema: SchemaRef,
    },
    /// `rate` (or `rate-micro-batch`) rows.
    Rate {
        micro_batch: bool,
        options: HashMap<String, String>,
        partitions: usize,
    },
}

impl SourceSpec {
    /// Whether the source's scan takes filters, as Spark's JSON and CSV scans do (so its
    /// input rows are those they keep), and the columns no filter on which is pushed: the
    /// corrupt-record column. `None` for the other sources.
    pub fn scan_filter_exclusions(&self) -> Option<Vec<String>> {
        let SourceSpec::File {
            format: FileFormat::Json | FileFormat::Csv,
            options,
            ..
        } = self
        else {
            return None;
        };
        Some(vec![corrupt_column(options)])
    }

    /// The source reading only the columns `needed` (unquoted) names, as Spark's JSON and
    /// CSV scans read only the columns a query uses: the others are not converted, so a
    /// value that would not convert in them neither makes a record malformed nor fails a
    /// FAILFAST query (nor, unless every data column is read, a CSV line's token count:
    /// checked on Spark 4.3). A query that reads no column (`count(*)`) reads none: only a
    /// JSON record's syntax counts, and every CSV line does. `None` for other formats, when
    /// every column is needed, and for a query that reads only the corrupt-record column
    /// (which Spark refuses): those read every column.
    pub fn pruned(&self, needed: &[String]) -> Option<SourceSpec> {
        let SourceSpec::File {
            format: format @ (FileFormat::Json | FileFormat::Csv),
            path,
            schema,
            options,
            ..
        } = self
        else {
            return None;
        };
        let corrupt = corrupt_column(options);
        // A corrupt-record column of another type than string fails the query, used or not
        // (Spark checks the whole schema): the reader of every column reports it.
        if schema.fields().iter().any(|f| {
            f.name() == &corrupt
                && !matches!(
                    f.data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                )
        }) {
            return None;
        }
        let is_needed = |name: &str| needed.iter().any(|n| names_equal(name, n));
        let kept: Vec<_> = schema
            .fields()
            .iter()
            .filter(|field| is_needed(field.name()))
            .cloned()
            .collect();
        let data_columns = schema
            .fields()
            .iter()
            .filter(|f| f.name() != &corrupt)
            .count();
        // A CSV column's token is its place among the declared data columns.
        let tokens: Vec<usize> = schema
            .fields()
            .iter()
            .filter(|field| field.name() != &corrupt)
            .enumerate()
            .filter(|(_, field)| is_needed(field.name()))
            .map(|(token, _)| token)
            .collect();
        let only_corrupt = !kept.is_empty() && tokens.is_empty();
        if kept.len() == schema.fields().len() || only_corrupt {
            return None;
        }
        Some(SourceSpec::File {
            format: *format,
            path: path.clone(),
            schema: Arc::new(Schema::new_with_metadata(kept, schema.metadata().clone())),
            options: options.clone(),
            // Reading every data column, Spark still counts a line's tokens.
            csv_tokens: (*format == FileFormat::Csv && tokens.len() < data_columns)
                .then_some(tokens),
        })
    }

    /// The source; a file source reads with the session's time zone unless the options
    /// set one.
    pub fn open(&self, time_zone: &Zone) -> Result<Box<dyn Source>> {
        match self {
            SourceSpec::File {
                format,
                path,
                schema,
                options,
                csv_tokens,
            } => {
                let source = FileSource::new(*format, path, schema.clone(), options, time_zone)?;
                Ok(Box::new(match csv_tokens {
                    Some(tokens) => source.reading_csv_tokens(tokens.clone()),
                    None => source,
                }))
            }
            SourceSpec::Rate {
                micro_batch,
                options,
                partitions,
            } => Ok(Box::new(RateSource::new(
                *micro_batch,
                options,
                *partitions,
            )?)),
            SourceSpec::Socket { options, .. } => Ok(Box::new(SocketSource::new(options)?)),
        }
    }

    /// The rows' schema.
    pub fn schema(&self) -> SchemaRef {
        match self {
            SourceSpec::File { schema, .. } => schema.clone(),
            SourceSpec::Rate { .. } => rate_schema(),
            SourceSpec::Socket { schema, .. } => schema.clone(),
        }
    }
}

/// The corrupt-record column the file options name (`columnNameOfCorruptRecord`).
fn corrupt_column(options: &HashMap<String, String>) -> String {
    options
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("columnNameOfCorruptRecord"))
        .map_or_else(|| DEFAULT_CORRUPT_COLUMN.to_string(), |(_, v)| v.clone())
}

/// One step after the source.
#[derive(Debug, Clone)]
pub(crate) enum PlanStep {
    /// A stateless select / filter.
    Transform(Transform),
    /// `withWatermark(column, delay)`.
    Watermark { column: String, delay_ms: i64 },
    /// `dropDuplicates(keys)` and its variants; `event_time` is the watermarked input column.
    Deduplicate {
        keys: Vec<String>,
        event_time: Option<String>,
        expiry: DedupExpiry,
    },
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
    /// Rows read once (`spark.read`), and their schema: a static DataFrame.
    Static(SchemaRef, Arc<Vec<RecordBatch>>),
    /// `union`: the rows of every input plan.
    Union(Vec<Arc<LogicalPlan>>),
    /// A stream-stream join; the condition names columns as `StreamingJoin` expects.
    Join {
        inputs: [Arc<LogicalPlan>; 2],
        condition: Expr,
        join_type: JoinType,
        event_time: [Option<usize>; 2],
        /// A USING join's left and right key columns (empty for a join on a condition).
        using: Vec<(usize, usize)>,
    },
}

/// The logical plan: an input and the steps after it.
#[derive(Debug, Clone)]
pub(crate) struct LogicalPlan {
    pub input: PlanInput,
    pub steps: Vec<PlanStep>,
}

impl LogicalPlan {
    /// Whether the plan reads only static data.
    pub fn is_static(&self) -> bool {
        match &self.input {
            PlanInput::Source(_) => false,
            PlanInput::Static(..) => true,
            PlanInput::Union(inputs) => inputs.iter().all(|p| p.is_static()),
            PlanInput::Join { inputs, .. } => inputs.iter().all(|p| p.is_static()),
        }
    }

    /// The join types of every stream-stream join in the plan.
    pub fn join_types(&self) -> Vec<JoinType> {
        match &self.input {
            PlanInput::Source(_) | PlanInput::Static(..) => Vec::new(),
            PlanInput::Union(inputs) => inputs.iter().flat_map(|p| p.join_types()).collect(),
            PlanInput::Join {
                inputs, join_type, ..
            } => {
                let mut types = Vec::new();
                if !inputs[1].is_static() {
                    types.push(*join_type);
                }
                types.extend(inputs.iter().flat_map(|p| p.join_types()));
                types
            }
        }
    }

    /// Every step of the plan and of the plans it reads, inputs first.
    pub fn all_steps(&self) -> Vec<&PlanStep> {
        let mut steps = match &self.input {
            PlanInput::Source(_) | PlanInput::Static(..) => Vec::new(),
            PlanInput::Union(inputs) => inputs.iter().flat_map(|p| p.all_steps()).collect(),
            PlanInput::Join { inputs, .. } => inputs.iter().flat_map(|p| p.all_steps()).collect(),
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
    event_time: Vec<EventTime>,
    /// `alias(name)`: qualifies the columns in join conditions.
    pub(crate) alias: Option<String>,
}

/// A column tagged by `withWatermark`, with the watermark's delay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventTime {
    pub column: String,
    pub delay_ms: i64,
}

/// Analysis errors read like Spark's `AnalysisException`.
pub(crate) fn analysis(error: spate_operators::expr::ExprError) -> Error {
    Error::Analysis(error.to_string())
}

impl DataFrame {
    pub(crate) fn from_source(session: Session, source: SourceSpec) -> Self {
        let schema = source.schema();
        DataFrame {
            session,
            plan: Arc::new(LogicalPlan {
                input: PlanInput::Source(source),
                steps: Vec::new(),
            }),
            schema,
            event_time: Vec::new(),
            alias: None,
        }
    }

    /// A static DataFrame of `batches`.
    pub(crate) fn from_static(
        session: Session,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Self {
        let plan = LogicalPlan {
            input: PlanInput::Static(schema.clone(), Arc::new(batches)),
            steps: Vec::new(),
        };
        DataFrame::from_plan(session, Arc::new(plan), schema, Vec::new())
    }

    /// A DataFrame over `plan`.
    pub(crate) fn from_plan(
        session: Session,
        plan: Arc<LogicalPlan>,
        schema: SchemaRef,
        event_time: Vec<EventTime>,
    ) -> Self {
        DataFrame {
            session,
            plan,
            schema,
            event_time,
            alias: None,
        }
    }

    /// The `alias` given to this DataFrame, if any.
    pub(crate) fn alias_name(&self) -> Option<&str> {
        self.alias.as_deref()
    }

    /// The event-time tags.
    pub(crate) fn event_time_tags(&self) -> &[EventTime] {
        &self.event_time
    }

    fn then(&self, transform: Transform) -> Result<DataFrame> {
        let context = self.session.eval_context()?;
        let schema = transform
            .output_schema(&self.schema, &context)
            .map_err(analysis)?;
        let event_time = match &transform {
            Transform::Filter(_) => self.event_time.clone(),
            Transform::Project(exprs) => exprs
                .iter()
                .filter_map(|e| {
                    self.event_time_of(e).map(|tag| EventTime {
                        column: e.output_name(),
                        delay_ms: tag.delay_ms,
                    })
                })
                .collect(),
        };
        self.then_step(PlanStep::Transform(transform), schema, event_time)
    }

    pub(crate) fn then_step(
        &self,
        step: PlanStep,
        schema: SchemaRef,
        event_time: Vec<EventTime>,
    ) -> Result<DataFrame> {
        let mut plan = (*self.plan).clone();
        plan.steps.push(step);
        Ok(DataFrame {
            session: self.session.clone(),
            plan: Arc::new(plan),
            schema,
            event_time,
            alias: self.alias.clone(),
        })
    }

    /// The watermark tag `expr` carries: it passes an event-time column through unchanged
    /// (possibly renamed), so its output keeps the tag as in Spark.
    pub(crate) fn event_time_of(&self, expr: &Expr) -> Option<&EventTime> {
        match expr {
            Expr::Column(name) => self
                .event_time
                .iter()
                .find(|tag| tag.column.eq_ignore_ascii_case(name.trim_matches('`'))),
            Expr::Alias(inner, _) => self.event_time_of(inner),
            _ => None,
        }
    }

    /// The first event-time column (the one stateful operators drop late rows by).
    pub(crate) fn event_time(&self) -> Option<&EventTime> {
        self.event_time.first()
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

    /// Whether the DataFrame reads a stream (`false` for `spark.read()` ones).
    pub fn is_streaming(&self) -> bool {
        !self.plan.is_static()
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
        // `col("*")` stands for every column, in order (Spark's star); `col("s.*")` for
        // every field of the struct column `s`.
        let mut items = Vec::new();
        for e in exprs {
            match &e {
                Expr::Column(name) if name == "*" => {
                    items.extend(self.columns().iter().map(|c| column(c)));
                }
                Expr::Column(name) if name.ends_with(".*") => {
                    items.extend(self.struct_fields(&name[..name.len() - 2])?)
                }
                _ => items.push(self.expand_struct_stars(&e)),
            }
        }
        self.then(Transform::Project(items))
    }

    /// `e` with the `*` of each `struct(…, *, …)` in it replaced by every column.
    fn expand_struct_stars(&self, e: &Expr) -> Expr {
        let is_star = |v: &Expr| matches!(v, Expr::Column(name) if name == "*");
        let expanded: std::result::Result<Expr, std::convert::Infallible> =
            e.transform(&mut |node| {
                Ok(match node {
                    Expr::Struct(values) if values.iter().any(is_star) => Some(Expr::Struct(
                        values
                            .iter()
                            .flat_map(|v| match is_star(v) {
                                true => self.columns().iter().map(|c| column(c)).collect(),
                                false => vec![v.clone()],
                            })
                            .collect(),
                    )),
                    _ => None,
                })
            });
        match expanded {
            Ok(e) => e,
            Err(never) => match never {},
        }
    }

    /// The fields of the struct column `name`, each named as itself (`s.*`).
    fn struct_fields(&self, name: &str) -> Result<Vec<Expr>> {
        let field = self
            .schema
            .fields()
            .iter()
            .find(|f| names_equal(f.name(), name));
        match field.map(|f| f.data_type()) {
            Some(DataType::Struct(children)) => Ok(children
                .iter()
                .map(|child| col(&format!("{name}.{}", child.name())).alias(child.name()))
                .collect()),
            _ => Err(Error::Analysis(format!(
                "[CANNOT_RESOLVE_STAR_EXPAND] Cannot resolve {}.* given input columns {}. Please check that the specified table or struct exists and is accessible in the input columns. SQLSTATE: 42704",
                spate_operators::expr::quote_identifier(name),
                self.columns()
                    .iter()
                    .map(|c| spate_operators::expr::quote_identifier(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// `withColumn(name, expr)`: replaces the column `name` (matched ignoring case, as
    /// Spark's resolver matches it; the column then takes this spelling) or appends it.
    pub fn with_column(&self, name: &str, expr: Expr) -> Result<DataFrame> {
        let mut replaced = false;
        let mut exprs: Vec<Expr> = self
            .columns()
            .into_iter()
            .map(|c| {
                if names_equal(&c, name) {
                    replaced = true;
                    expr.clone().alias(name)
                } else {
                    column(&c)
                }
            })
            .collect();
        if !replaced {
            exprs.push(expr.alias(name));
        }
        self.select(exprs)
    }

    /// `withColumnRenamed(existing, new)` (a no-op when `existing` is absent, as in Spark;
    /// names matched ignoring case).
    pub fn with_column_renamed(&self, existing: &str, new: &str) -> Result<DataFrame> {
        let exprs = self.columns().into_iter().map(|c| {
            if names_equal(&c, existing) {
                column(&c).alias(new)
            } else {
                column(&c)
            }
        });
        self.select(exprs)
    }

    /// `drop(cols)` (absent names are ignored, as in Spark; names matched ignoring case).
    pub fn drop<'a>(&self, columns: impl IntoIterator<Item = &'a str>) -> Result<DataFrame> {
        let dropped: Vec<&str> = columns.into_iter().collect();
        let kept = self
            .columns()
            .into_iter()
            .filter(|c| !dropped.iter().any(|d| names_equal(c, d)))
            .map(|c| column(&c));
        self.select(kept)
    }

    /// `filter(condition)`: a column expression or Spark SQL text (`"value > 100"`).
    pub fn filter(&self, condition: impl IntoCondition) -> Result<DataFrame> {
        self.then(Transform::Filter(condition.into_condition()?))
    }

    /// `where(condition)`.
    pub fn where_(&self, condition: impl IntoCondition) -> Result<DataFrame> {
        self.filter(condition)
    }

    /// `selectExpr(texts)`: a select of Spark SQL expressions (`"value * 2 AS doubled"`).
    pub fn select_expr<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> Result<DataFrame> {
        let exprs = texts
            .into_iter()
            .map(crate::sql::expr)
            .collect::<Result<Vec<_>>>()?;
        self.select(exprs)
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
        // The column as the schema spells it (Spark resolves `Event_Time` to `event_time`).
        let spelled = self
            .schema
            .fields()
            .iter()
            .find(|f| names_match(f.name(), column))
            .map(|f| f.name().clone());
        let column = spelled.as_deref().unwrap_or(column);
        WithWatermark::new(&self.schema, column, delay_ms)?;
        let step = PlanStep::Watermark {
            column: column.to_string(),
            delay_ms,
        };
        let mut event_time = self.event_time.clone();
        event_time.push(EventTime {
            column: column.to_string(),
            delay_ms,
        });
        self.then_step(step, self.schema.clone(), event_time)
    }

    /// `dropDuplicates(columns)`: the first row of each combination of `columns` (all columns
    /// when `columns` is empty) passes, later ones are dropped. With the watermarked column
    /// among them, keys leave the state once the watermark passes them; otherwise the state
    /// keeps every key forever (a warning says so when the query starts).
    pub fn drop_duplicates<'a>(
        &self,
        columns: impl IntoIterator<Item = &'a str>,
    ) -> Result<DataFrame> {
        let mut keys: Vec<String> = columns.into_iter().map(str::to_string).collect();
        if keys.is_empty() {
            keys = self.columns();
        }
        let tag = self.event_time();
        let expiry = match tag {
            Some(tag) if keys.iter().any(|k| k.eq_ignore_ascii_case(&tag.column)) => {
                DedupExpiry::KeyTime
            }
            _ => DedupExpiry::Never,
        };
        self.deduplicate(keys, expiry)
    }

    /// `distinct()`: `dropDuplicates()` over every column.
    pub fn distinct(&self) -> Result<DataFrame> {
        self.drop_duplicates(std::iter::empty())
    }

    /// `dropDuplicatesWithinWatermark(columns)`: like [`DataFrame::drop_duplicates`], but a
    /// key leaves the state when the watermark reaches its first row's event time plus the
    /// watermark delay (later duplicates do not extend it). Needs a watermark.
    pub fn drop_duplicates_within_watermark<'a>(
        &self,
        columns: impl IntoIterator<Item = &'a str>,
    ) -> Result<DataFrame> {
        let mut keys: Vec<String> = columns.into_iter().map(str::to_string).collect();
        if keys.is_empty() {
            keys = self.columns();
        }
        let Some(tag) = self.event_time() else {
            return Err(Error::Analysis(
                "dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark".into(),
            ));
        };
        let delay = tag.delay_ms.saturating_mul(1000);
        self.deduplicate(keys, DedupExpiry::WithinWatermark { delay })
    }

    fn deduplicate(&self, keys: Vec<String>, expiry: DedupExpiry) -> Result<DataFrame> {
        let event_time = self.event_time().map(|tag| tag.column.clone());
        Deduplicate::new(&self.schema, &keys, event_time.as_deref(), expiry)?;
        let step = PlanStep::Deduplicate {
            keys,
            event_time,
            expiry,
        };
        self.then_step(step, self.schema.clone(), self.event_time.clone())
    }

    /// `agg(aggregates)`: a global aggregation, one row over the whole stream.
    pub fn agg(&self, aggregates: impl IntoIterator<Item = Expr>) -> Result<DataFrame> {
        self.group_by(Vec::new()).agg(aggregates)
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
        let plan = LogicalPlan {
            input: PlanInput::Union(vec![self.plan.clone(), other.plan.clone()]),
            steps: Vec::new(),
        };
        Ok(DataFrame::from_plan(
            self.session.clone(),
            Arc::new(plan),
            Arc::new(arrow::datatypes::Schema::new(fields)),
            self.event_time.clone(),
        ))
    }

    /// `collect()`: the rows of a static DataFrame (`spark.read()`); a stream is refused as
    /// in Spark.
    pub fn collect(&self) -> Result<Vec<RecordBatch>> {
        if self.is_streaming() {
            return Err(Error::Analysis(
                "Queries with streaming sources must be executed with writeStream.start();".into(),
            ));
        }
        Ok(crate::plan::static_rows(&self.plan, self.session.eval_context()?)?.1)
    }

    /// `count()`: the number of rows of a static DataFrame.
    pub fn count(&self) -> Result<usize> {
        Ok(self.collect()?.iter().map(RecordBatch::num_rows).sum())
    }

    /// `writeStream`.
    pub fn write_stream(&self) -> DataStreamWriter {
        DataStreamWriter::new(self.clone())
    }
}

/// A reference to the column `name` as it stands: back-quoted when it holds a dot or a
/// back-quote, which would otherwise make it a struct's field.
fn column(name: &str) -> Expr {
    match name.contains(['.', '`']) {
        true => col(&spate_operators::expr::quote_identifier(name)),
        false => col(name),
    }
}
