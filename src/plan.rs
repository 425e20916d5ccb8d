//! The planner: a DataFrame's logical plan → a runtime topology
//! (sources with their stateless stages fused in → [union] → [watermark | aggregation →
//! stage]* → sink).

use crate::dataframe::{DataFrame, LogicalPlan, PlanInput, PlanStep};
use crate::writer::{OutputMode, SinkSpec};
use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use spate_connectors::console::ConsoleSink;
use spate_connectors::file::sink::{FileSink, OutputFormat};
use spate_connectors::foreach::ForeachSink;
use spate_connectors::foreach_batch::{BatchFunction, ForeachBatchSink};
use spate_connectors::memory::{MemoryMode, MemorySink, MemoryTable};
use spate_connectors::noop::NoopSink;
use spate_operators::aggregate::{EmitMode, StreamingAggregate};
use spate_operators::dedup::{DedupExpiry, Deduplicate};
use spate_operators::expr::{col, names_equal, names_match, unquote, EvalContext, Expr, ExprError};
use spate_operators::join::{StreamingJoin, CHECKPOINT_BATCHES};
use spate_operators::shard::{Restore, ShardKeys, Sharded};
use spate_operators::stage::{below_projections, Stage, Transform};
use spate_operators::union::Union;
use spate_operators::watermark::WithWatermark;
use spate_runtime::checkpoint::Durability;
use spate_runtime::source::{MappedBatch, MappedSource, ReadBatch, TimedBatchMap};
use spate_runtime::{Error, NodeRef, Operator, Result, Sink, Topology, Trigger};
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

/// A step that becomes an operator of its own.
#[derive(Debug, Clone)]
enum Node {
    Watermark {
        column: String,
        delay_ms: i64,
    },
    Aggregate {
        keys: Vec<Expr>,
        aggregates: Vec<Expr>,
        event_time_key: Option<usize>,
    },
    Deduplicate {
        keys: Vec<String>,
        event_time: Option<String>,
        expiry: DedupExpiry,
    },
}

/// The plan cut at its stateful steps: the transforms fused into the source, then each
/// watermark or aggregation with the transforms that follow it.
struct Segments {
    head: Vec<Transform>,
    nodes: Vec<(Node, Vec<Transform>)>,
}

/// Whether `expr` reads column `name` (as Spark resolves names).
fn reads_column(expr: &Expr, name: &str) -> bool {
    expr.columns().iter().any(|c| names_match(name, c))
}

/// `a AND b AND …` of `parts` (none when `parts` is empty).
fn conjunction(parts: Vec<Expr>) -> Option<Expr> {
    parts.into_iter().reduce(|all, part| all.and(part))
}

/// `steps` reading only what makes their output, and the columns of `input` they then
/// read (Spark's column pruning), unquoted; `None` when they need every column. The walk
/// goes back from the plan's end, whose reader reads `read` (every column when `None`),
/// or from its first aggregation (which reads only its keys and aggregates; the steps
/// after it read only its output), unless `whole_rows` (the aggregation hands its input
/// rows out whole): a projection needs only what its expressions read, and once a set of
/// needed columns is known, keeps only the expressions that make one of them.
fn pruned(
    steps: &[PlanStep],
    input: &SchemaRef,
    whole_rows: bool,
    read: Option<Vec<String>>,
    context: &EvalContext,
) -> Result<(Vec<PlanStep>, Option<Vec<String>>)> {
    let end = steps
        .iter()
        .position(|step| matches!(step, PlanStep::Aggregate { .. }))
        .unwrap_or(steps.len());
    let mut needed: Option<Vec<String>> = match steps.get(end) {
        Some(PlanStep::Aggregate {
            keys, aggregates, ..
        }) if !whole_rows => Some(
            keys.iter()
                .chain(aggregates)
                .flat_map(Expr::columns)
                .collect(),
        ),
        Some(_) => None,
        None => read,
    };
    // The schema each step reads, then the last one's output.
    let mut schemas = vec![input.clone()];
    for step in &steps[..end] {
        let read = &schemas[schemas.len() - 1];
        let made = match step {
            PlanStep::Transform(transform) => {
                transform.output_schema(read, context).map_err(analysis)?
            }
            _ => read.clone(),
        };
        schemas.push(made);
    }
    let mut before = Vec::with_capacity(end);
    for (step, made) in steps[..end].iter().zip(&schemas[1..]).rev() {
        let step = match (step, needed.as_mut()) {
            (PlanStep::Transform(Transform::Project(exprs)), wanted) => {
                let mut kept: Vec<Expr> = exprs
                    .iter()
                    .zip(made.fields())
                    .filter(|(expr, field)| {
                        // A generator stays: it decides how many rows there are.
                        expr.generator().is_some()
                            || wanted
                                .as_ref()
                                .is_none_or(|n| n.iter().any(|c| names_equal(field.name(), c)))
                    })
                    .map(|(expr, _)| expr.clone())
                    .collect();
                // Nothing after it reads this projection's output (`count(*)`): it stays
                // whole, so what the source reads does not hang on the order of its columns
                // (Spark would read none).
                if kept.is_empty() {
                    kept = exprs.clone();
                }
                needed = Some(kept.iter().flat_map(Expr::columns).collect());
                PlanStep::Transform(Transform::Project(kept))
            }
            (PlanStep::Transform(Transform::Filter(predicate)), Some(wanted)) => {
                wanted.extend(predicate.columns());
                step.clone()
            }
            (PlanStep::Watermark { column, .. }, Some(wanted)) => {
                wanted.push(unquote(column));
                step.clone()
            }
            (
                PlanStep::Deduplicate {
                    keys, event_time, ..
                },
                Some(wanted),
            ) => {
                wanted.extend(keys.iter().chain(event_time).map(|name| unquote(name)));
                step.clone()
            }
            _ => step.clone(),
        };
        before.push(step);
    }
    before.reverse();
    before.extend_from_slice(&steps[end..]);
    Ok((before, needed))
}

/// The output schema of a file source's plan of stateless steps (selections, filters,
/// watermarks, deduplications); `None` for any other plan.
fn stateless_output(plan: &LogicalPlan, context: &EvalContext) -> Result<Option<SchemaRef>> {
    let PlanInput::Source(spec) = &plan.input else {
        return Ok(None);
    };
    let mut schema = spec.schema();
    for step in &plan.steps {
        match step {
            PlanStep::Transform(transform) => {
                schema = transform
                    .output_schema(&schema, context)
                    .map_err(analysis)?;
            }
            PlanStep::Watermark { .. } | PlanStep::Deduplicate { .. } => {}
            PlanStep::Aggregate { .. } => return Ok(None),
        }
    }
    Ok(Some(schema))
}

/// A union input reading only what makes its columns at `places` (in order), when its
/// source can skip columns and its output then is exactly those columns; `None` otherwise.
fn narrowed_input(
    plan: &LogicalPlan,
    places: &[usize],
    context: &EvalContext,
) -> Result<Option<LogicalPlan>> {
    let (PlanInput::Source(spec), Some(output)) = (&plan.input, stateless_output(plan, context)?)
    else {
        return Ok(None);
    };
    let read: Vec<String> = places
        .iter()
        .map(|&i| output.field(i).name().clone())
        .collect();
    let (steps, Some(needed)) = pruned(
        &plan.steps,
        &spec.schema(),
        false,
        Some(read.clone()),
        context,
    )?
    else {
        return Ok(None);
    };
    let Some(spec) = spec.pruned(&needed) else {
        return Ok(None);
    };
    let narrowed = LogicalPlan {
        input: PlanInput::Source(spec),
        steps,
    };
    let gives = stateless_output(&narrowed, context)?;
    let exact = gives.is_some_and(|schema| {
        schema.fields().len() == read.len()
            && schema
                .fields()
                .iter()
                .zip(&read)
                .all(|(f, name)| f.name() == name)
    });
    Ok(exact.then_some(narrowed))
}

/// Cuts `steps` at the watermarks and aggregations. The conjuncts of a filter after a
/// watermark (and any projections after it) that do not read its event-time column run
/// before it, rewritten through those projections, as Spark's optimizer pushes them down —
/// so the watermark's statistics see the same rows as Spark's.
fn segments(steps: &[PlanStep]) -> Segments {
    let mut segments = Segments {
        head: Vec::new(),
        nodes: Vec::new(),
    };
    for step in steps {
        let transform = match step {
            PlanStep::Watermark { column, delay_ms } => {
                let node = Node::Watermark {
                    column: column.clone(),
                    delay_ms: *delay_ms,
                };
                segments.nodes.push((node, Vec::new()));
                continue;
            }
            PlanStep::Aggregate {
                keys,
                aggregates,
                event_time_key,
            } => {
                let node = Node::Aggregate {
                    keys: keys.clone(),
                    aggregates: aggregates.clone(),
                    event_time_key: *event_time_key,
                };
                segments.nodes.push((node, Vec::new()));
                continue;
            }
            PlanStep::Deduplicate {
                keys,
                event_time,
                expiry,
            } => {
                let node = Node::Deduplicate {
                    keys: keys.clone(),
                    event_time: event_time.clone(),
                    expiry: *expiry,
                };
                segments.nodes.push((node, Vec::new()));
                continue;
            }
            PlanStep::Transform(transform) => transform,
        };
        let mut remaining = Some(transform.clone());
        if let (Transform::Filter(predicate), Some((Node::Watermark { column, .. }, after))) =
            (transform, segments.nodes.last())
        {
            let (mut push, mut keep) = (Vec::new(), Vec::new());
            for part in predicate.conjuncts() {
                match below_projections(&part, after) {
                    Some(below) if !reads_column(&below, column) => push.push(below),
                    _ => keep.push(part),
                }
            }
            let before = match segments.nodes.len() {
                1 => &mut segments.head,
                n => &mut segments.nodes[n - 2].1,
            };
            before.extend(conjunction(push).map(Transform::Filter));
            remaining = conjunction(keep).map(Transform::Filter);
        }
        if let Some(transform) = remaining {
            match segments.nodes.last_mut() {
                Some((_, after)) => after.push(transform),
                None => segments.head.push(transform),
            }
        }
    }
    segments
}

/// Builds operators into a topology, one plan at a time.
struct Planner {
    topology: Topology,
    context: EvalContext,
    mode: EmitMode,
    /// The late-row side output, until an aggregation takes it.
    late_rows: Option<BatchFunction>,
    /// Instances of each keyed stateful operator (`spate.sql.shuffle.instances`).
    instances: usize,
}

/// The column of `schema` that `name` names (as Spark resolves names), as the schema
/// spells it; `None` unless exactly one column has that name.
fn named(schema: &Schema, name: &str) -> Option<Expr> {
    let mut fields = schema
        .fields()
        .iter()
        .filter(|f| names_match(f.name(), name));
    match (fields.next(), fields.next()) {
        (Some(field), None) => Some(col(field.name())),
        _ => None,
    }
}

/// Whether `key` is a time window (perhaps renamed).
fn is_window(key: &Expr) -> bool {
    match key {
        Expr::Alias(inner, _) => is_window(inner),
        Expr::Window(..) => true,
        _ => false,
    }
}

fn analysis(error: ExprError) -> Error {
    Error::Analysis(error.to_string())
}

impl Planner {
    /// Adds `operator` fed by `from`.
    fn then(&mut self, from: NodeRef, operator: Box<dyn Operator>) -> Result<NodeRef> {
        let node = self.topology.add_operator(operator, 1);
        self.topology.connect(from, node, 0)?;
        Ok(node)
    }

    /// Adds the operators of `plan`; returns its last node and output schema. `order` is the
    /// place in Spark's plan order (pre-order from the root) of the plan's last watermark.
    fn build(&mut self, plan: &LogicalPlan, order: usize) -> Result<(NodeRef, SchemaRef)> {
        let pruned_plan = self.pruned_plan(plan)?;
        let plan = pruned_plan.as_ref().unwrap_or(plan);
        let Segments { head, nodes } = segments(&plan.steps);
        let own_watermarks = nodes
            .iter()
            .filter(|(n, _)| matches!(n, Node::Watermark { .. }))
            .count();
        // This plan's watermarks, root-most first, then its inputs' in turn.
        let mut next_order = order + own_watermarks;
        let (mut last, mut schema) = match &plan.input {
            PlanInput::Source(spec) => {
                let source = spec.open(&self.context.time_zone)?;
                let mut stage =
                    Stage::new(source.schema(), head, self.context.clone()).map_err(analysis)?;
                if let Some(unpushable) = spec.scan_filter_exclusions() {
                    stage = stage.pushing_filters_into_scan(&unpushable);
                }
                let schema = stage.output_schema();
                // The stateless stage runs inside the source's actor: no message hop, and
                // the sink gets a core of its own.
                let stage = Arc::new(stage);
                let map: TimedBatchMap = Arc::new(move |read: ReadBatch, batch_timestamp_ms| {
                    let (batch, read_rows) = stage.apply_counted(
                        read.batch,
                        read.malformed.as_ref(),
                        &read.absent,
                        Some(batch_timestamp_ms),
                    )?;
                    Ok(MappedBatch { batch, read_rows })
                });
                let source = MappedSource::new(source, map, schema.clone());
                (self.topology.add_source(Box::new(source)), schema)
            }
            PlanInput::Union(inputs) => {
                let mut built = Vec::with_capacity(inputs.len());
                for input in inputs {
                    built.push(self.build(input, next_order)?);
                    next_order += watermark_count(input);
                }
                let schema = union_schema(built.iter().map(|(_, s)| s));
                let union = self
                    .topology
                    .add_operator(Box::new(Union::new(schema.clone())), built.len());
                for (port, (node, _)) in built.into_iter().enumerate() {
                    self.topology.connect(node, union, port)?;
                }
                self.stage(union, schema, head)?
            }
            PlanInput::Join {
                inputs,
                condition,
                join_type,
                event_time,
                using,
            } if inputs[1].is_static() => {
                let (left, left_schema) = self.build(&inputs[0], next_order)?;
                let (right_schema, right_rows) = static_rows(&inputs[1], self.context.clone())?;
                let join = StreamingJoin::stream_static(
                    left_schema,
                    right_schema,
                    &right_rows,
                    Some(condition.clone()),
                    *join_type,
                    event_time[0],
                    self.context.clone(),
                )?
                .with_using(using);
                let schema = join.output_schema();
                let node = self.then(left, Box::new(join))?;
                self.stage(node, schema, head)?
            }
            PlanInput::Join {
                inputs,
                condition,
                join_type,
                event_time,
                using,
            } => {
                if inputs[0].is_static() {
                    return Err(Error::Analysis(
                        "[UNSUPPORTED_FEATURE] spate joins a static DataFrame only as the right side of a stream".into(),
                    ));
                }
                let mut built = Vec::with_capacity(2);
                for input in inputs {
                    built.push(self.build(input, next_order)?);
                    next_order += watermark_count(input);
                }
                let new = || {
                    StreamingJoin::new(
                        built[0].1.clone(),
                        built[1].1.clone(),
                        Some(condition.clone()),
                        *join_type,
                        *event_time,
                        self.context.clone(),
                    )
                    .map(|join| join.with_using(using))
                };
                let join = new()?;
                let schema = join.output_schema();
                let [left_keys, right_keys] = join.equality_keys();
                let shard_keys =
                    [(left_keys, &built[0].1), (right_keys, &built[1].1)].map(|(keys, schema)| {
                        keys.iter()
                            .map(|&k| named(schema, schema.field(k).name()))
                            .collect::<Option<Vec<_>>>()
                    });
                let operator = match shard_keys {
                    [Some(left), Some(right)] if !left.is_empty() => {
                        // The left keys in the type each pair is compared in: the instances
                        // cast the right keys to them, as the join does.
                        let compared = join.equality_key_types().iter().cloned();
                        let left = left.into_iter().zip(compared).map(|(k, t)| k.cast(t));
                        let keys = ShardKeys {
                            inputs: vec![left.collect(), right],
                            restore: Restore::ByInstance(CHECKPOINT_BATCHES),
                        };
                        let new = || -> Result<Box<dyn Operator>> { Ok(Box::new(new()?)) };
                        self.sharded(new, keys, &built[0].1)?
                    }
                    _ => Box::new(join),
                };
                let node = self.topology.add_operator(operator, 2);
                for (port, (input, _)) in built.into_iter().enumerate() {
                    self.topology.connect(input, node, port)?;
                }
                self.stage(node, schema, head)?
            }
            PlanInput::Static(..) => {
                return Err(Error::Analysis(
                    "'writeStream' can be called only on streaming Dataset/DataFrame".into(),
                ))
            }
        };
        let mut watermark_order = order + own_watermarks;
        for (node, after) in nodes {
            let operator: Box<dyn Operator> = match node {
                Node::Watermark { column, delay_ms } => {
                    watermark_order -= 1;
                    Box::new(
                        WithWatermark::new(&schema, &column, delay_ms)?
                            .with_plan_order(watermark_order),
                    )
                }
                Node::Deduplicate {
                    keys,
                    event_time,
                    expiry,
                } => {
                    if expiry == DedupExpiry::Never {
                        tracing::warn!(
                            keys = ?keys,
                            "dropDuplicates without the watermarked column among its keys keeps every key in state forever"
                        );
                    }
                    let new = || -> Result<Box<dyn Operator>> {
                        Ok(Box::new(Deduplicate::new(
                            &schema,
                            &keys,
                            event_time.as_deref(),
                            expiry,
                        )?))
                    };
                    // A key naming no single column keeps the deduplication in one instance.
                    match keys
                        .iter()
                        .map(|key| named(&schema, key))
                        .collect::<Option<Vec<_>>>()
                    {
                        Some(input) => {
                            let keys = ShardKeys {
                                inputs: vec![input],
                                restore: Restore::ByKey((0..keys.len()).collect()),
                            };
                            self.sharded(new, keys, &schema)?
                        }
                        None => new()?,
                    }
                }
                Node::Aggregate {
                    keys,
                    aggregates,
                    event_time_key,
                } => {
                    // The keys other than windows choose an instance (all windows of a
                    // row's keys then live in one).
                    let shard_keys = ShardKeys {
                        inputs: vec![keys.iter().filter(|k| !is_window(k)).cloned().collect()],
                        restore: Restore::ByKey(
                            (0..keys.len()).filter(|&i| !is_window(&keys[i])).collect(),
                        ),
                    };
                    let new = || {
                        StreamingAggregate::new(
                            &schema,
                            keys.clone(),
                            aggregates.clone(),
                            event_time_key,
                            self.mode,
                            self.context.clone(),
                        )
                        .map_err(analysis)
                    };
                    let aggregate = new()?;
                    let output = aggregate.output_schema();
                    let operator = match self.late_rows.take() {
                        Some(function) => Box::new(
                            aggregate.with_late_rows_to(Box::new(ForeachBatchSink::new(function))),
                        ),
                        None if shard_keys.inputs[0].is_empty() => Box::new(aggregate),
                        None => {
                            let new = || -> Result<Box<dyn Operator>> { Ok(Box::new(new()?)) };
                            self.sharded(new, shard_keys, &schema)?
                        }
                    };
                    schema = output;
                    operator
                }
            };
            last = self.then(last, operator)?;
            (last, schema) = self.stage(last, schema, after)?;
        }
        Ok((last, schema))
    }

    /// `plan` reading only the columns of its file sources that it uses, when those sources
    /// can skip columns (Spark's column pruning): a source's plan, or a union of them,
    /// whose every input then gives just the columns read after it. Late rows go out
    /// whole: the aggregation that hands them out then reads all of its input.
    fn pruned_plan(&self, plan: &LogicalPlan) -> Result<Option<LogicalPlan>> {
        let whole_rows = self.late_rows.is_some();
        match &plan.input {
            PlanInput::Source(spec) => {
                let (steps, Some(needed)) =
                    pruned(&plan.steps, &spec.schema(), whole_rows, None, &self.context)?
                else {
                    return Ok(None);
                };
                Ok(spec.pruned(&needed).map(|spec| LogicalPlan {
                    input: PlanInput::Source(spec),
                    steps,
                }))
            }
            PlanInput::Union(inputs) => {
                let Some(union) = inputs
                    .first()
                    .map(|input| stateless_output(input, &self.context))
                    .transpose()?
                    .flatten()
                else {
                    return Ok(None);
                };
                let (steps, Some(needed)) =
                    pruned(&plan.steps, &union, whole_rows, None, &self.context)?
                else {
                    return Ok(None);
                };
                // Union matches columns by position.
                let places: Vec<usize> = (0..union.fields().len())
                    .filter(|&i| needed.iter().any(|n| names_equal(union.field(i).name(), n)))
                    .collect();
                if places.len() == union.fields().len() {
                    return Ok(None);
                }
                let mut narrowed = Vec::with_capacity(inputs.len());
                for input in inputs {
                    match narrowed_input(input, &places, &self.context)? {
                        Some(input) => narrowed.push(Arc::new(input)),
                        None => return Ok(None),
                    }
                }
                Ok(Some(LogicalPlan {
                    input: PlanInput::Union(narrowed),
                    steps,
                }))
            }
            _ => Ok(None),
        }
    }

    /// `self.instances` instances of the operator `new` makes, partitioned by `keys` over
    /// `input` (one plain instance when there is one).
    fn sharded(
        &self,
        new: impl Fn() -> Result<Box<dyn Operator>>,
        keys: ShardKeys,
        input: &Schema,
    ) -> Result<Box<dyn Operator>> {
        if self.instances <= 1 {
            return new();
        }
        let shards = (0..self.instances).map(|_| new()).collect::<Result<_>>()?;
        Ok(Box::new(Sharded::new(
            shards,
            keys,
            input,
            self.context.clone(),
        )?))
    }

    /// Adds a stage of `transforms` after `from` (nothing when there are none).
    fn stage(
        &mut self,
        from: NodeRef,
        schema: SchemaRef,
        transforms: Vec<Transform>,
    ) -> Result<(NodeRef, SchemaRef)> {
        if transforms.is_empty() {
            return Ok((from, schema));
        }
        let stage = Stage::new(schema, transforms, self.context.clone()).map_err(analysis)?;
        let schema = stage.output_schema();
        Ok((self.then(from, Box::new(stage))?, schema))
    }
}

/// The rows of a static plan: its data with its select/filter steps applied.
pub(crate) fn static_rows(
    plan: &LogicalPlan,
    context: EvalContext,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let PlanInput::Static(schema, batches) = &plan.input else {
        return Err(Error::Analysis(
            "[UNSUPPORTED_FEATURE] spate supports only static DataFrames read with spark.read() and then selected or filtered".into(),
        ));
    };
    let mut transforms = Vec::with_capacity(plan.steps.len());
    for step in &plan.steps {
        match step {
            PlanStep::Transform(t) => transforms.push(t.clone()),
            _ => return Err(Error::Analysis(
                "[UNSUPPORTED_FEATURE] only select and filter run on a static DataFrame in spate"
                    .into(),
            )),
        }
    }
    let stage = Stage::new(schema.clone(), transforms, context).map_err(analysis)?;
    // A static read is one batch, at the time it is read.
    let now = spate_runtime::now_ms();
    let rows = batches
        .iter()
        .map(|b| stage.apply(b.clone(), Some(now)))
        .collect::<Result<Vec<_>>>()?;
    Ok((stage.output_schema(), rows))
}

/// How many watermarks `plan` and its inputs have.
fn watermark_count(plan: &LogicalPlan) -> usize {
    plan.all_steps()
        .iter()
        .filter(|s| matches!(s, PlanStep::Watermark { .. }))
        .count()
}

/// A union's schema: the first input's names and types, nullable where any input is.
fn union_schema<'a>(inputs: impl Iterator<Item = &'a SchemaRef>) -> SchemaRef {
    let inputs: Vec<&SchemaRef> = inputs.collect();
    let fields: Vec<Field> = inputs[0]
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let nullable = inputs.iter().any(|s| s.field(i).is_nullable());
            field.as_ref().clone().with_nullable(nullable)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// How the writer asks for a query to be planned.
pub(crate) struct QuerySettings<'a> {
    /// The output mode.
    pub mode: OutputMode,
    /// The sink's options.
    pub options: &'a HashMap<String, String>,
    /// `queryName`.
    pub query_name: Option<&'a str>,
    /// Where late rows go (`late_rows_to`).
    pub late_rows: Option<BatchFunction>,
    /// The trigger.
    pub trigger: Trigger,
    /// Instances of each keyed stateful operator.
    pub instances: usize,
    /// How the checkpoint's and the file sink's files reach the disk.
    pub durability: Durability,
}

/// Builds the topology of `df` writing into `sink`.
pub(crate) fn plan_query(
    df: &DataFrame,
    sink: SinkSpec,
    settings: QuerySettings,
) -> Result<Topology> {
    let QuerySettings {
        mode,
        options,
        query_name,
        late_rows,
        trigger,
        instances,
        durability,
    } = settings;
    let session = &df.session;
    let mut planner = Planner {
        topology: Topology::new(),
        context: session.eval_context()?,
        mode: match mode {
            OutputMode::Append => EmitMode::Append,
            // Continuous: updates flow as rows arrive, not once per epoch.
            OutputMode::Update if matches!(trigger, Trigger::Continuous(_)) => {
                EmitMode::UpdateOnArrival
            }
            OutputMode::Update => EmitMode::Update,
            OutputMode::Complete => EmitMode::Complete,
        },
        late_rows,
        instances,
    };
    let (last, schema) = planner.build(&df.plan, 0)?;
    if planner.late_rows.is_some() {
        return Err(Error::Analysis(
            "late_rows_to(...) needs a stateful operator that drops late rows: an aggregation grouped by a watermarked column or a window over one".into(),
        ));
    }
    let time_zone = &planner.context.time_zone;
    let mut topology = planner.topology;
    let sink: Box<dyn Sink> = match sink {
        SinkSpec::Console(output) => {
            Box::new(ConsoleSink::new(schema, options, time_zone, output)?)
        }
        SinkSpec::Memory => {
            let table = MemoryTable::new(schema);
            session.register_table(query_name.unwrap_or_default(), table.clone());
            let mode = match mode {
                OutputMode::Complete => MemoryMode::Complete,
                _ => MemoryMode::Append,
            };
            Box::new(MemorySink::new(table, mode))
        }
        SinkSpec::File(format) => {
            let path = options
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("path"))
                .map(|(_, v)| PathBuf::from(v))
                .ok_or_else(|| Error::IllegalArgument("'path' is not specified".into()))?;
            let format =
                OutputFormat::from_str(&format).map_err(|e| Error::component("writeStream", e))?;
            Box::new(FileSink::new(format, &path, options, time_zone)?.with_durability(durability))
        }
        SinkSpec::Noop => Box::new(NoopSink::default()),
        SinkSpec::ForeachBatch(function) => Box::new(ForeachBatchSink::new(function)),
        SinkSpec::Foreach(function) => Box::new(ForeachSink::new(function)),
    };
    let sink = topology.add_sink(sink);
    topology.connect(last, sink, 0)?;
    Ok(topology)
}

#[cfg(test)]
mod tests {
    use super::*;
    use spate_operators::expr::{col, lit};

    fn filter(predicate: Expr) -> PlanStep {
        PlanStep::Transform(Transform::Filter(predicate))
    }

    /// The lab's window aggregation: `with_column` lists every column, and only the ones
    /// the aggregation reads, and what they are made from, stay.
    #[test]
    fn a_projection_before_an_aggregation_keeps_what_it_reads() {
        use arrow::datatypes::DataType;
        let source: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("name", DataType::Utf8, true),
            Field::new("value", DataType::Float64, true),
            Field::new("timestamp", DataType::Utf8, true),
        ]));
        let with_time = Transform::Project(vec![
            col("id"),
            col("name"),
            col("value"),
            col("timestamp"),
            col("timestamp").cast(DataType::Int64).alias("event_time"),
        ]);
        let aggregate = PlanStep::Aggregate {
            keys: vec![col("event_time")],
            aggregates: vec![col("VALUE")],
            event_time_key: None,
        };
        let steps = vec![
            PlanStep::Transform(with_time),
            filter(col("name").is_not_null()),
            aggregate.clone(),
            filter(col("event_time").gt(lit(0))),
        ];
        let context = EvalContext::default();
        let (steps, needed) = pruned(&steps, &source, false, None, &context).expect("pruned");
        let mut needed = needed.expect("not every column");
        needed.sort();
        needed.dedup();
        assert_eq!(needed, ["name", "timestamp", "value"]);
        let PlanStep::Transform(Transform::Project(kept)) = &steps[0] else {
            panic!("a projection first: {steps:?}")
        };
        assert_eq!(kept.len(), 3, "{kept:?}");
        assert!(matches!(steps[2], PlanStep::Aggregate { .. }) && steps.len() == 4);
        // A projection nothing reads stays whole, whatever the order of its columns.
        let counted = |first: &str, second: &str| {
            let steps = [
                PlanStep::Transform(Transform::Project(vec![col(first), col(second)])),
                PlanStep::Aggregate {
                    keys: Vec::new(),
                    aggregates: vec![lit(1)],
                    event_time_key: None,
                },
            ];
            let (_, needed) = pruned(&steps, &source, false, None, &context).expect("pruned");
            needed.expect("the projection's columns")
        };
        assert_eq!(counted("id", "value"), ["id", "value"]);
        assert_eq!(counted("value", "id"), ["value", "id"]);
        // Without an aggregation, a plan that ends in its whole input needs all of it.
        let (_, needed) = pruned(
            &[filter(col("id").gt(lit(1)))],
            &source,
            false,
            None,
            &context,
        )
        .expect("pruned");
        assert_eq!(needed, None);
    }

    #[test]
    fn conjuncts_without_the_event_time_move_below_the_watermark() {
        let steps = vec![
            PlanStep::Watermark {
                column: "t".into(),
                delay_ms: 1,
            },
            filter(
                col("v")
                    .gt(lit(1))
                    .and(col("t").gt(lit(2)))
                    .and(col("w").lt(lit(3))),
            ),
        ];
        let segments = segments(&steps);
        let names = |transforms: &[Transform]| -> Vec<String> {
            transforms
                .iter()
                .map(|t| match t {
                    Transform::Filter(e) => e.output_name(),
                    Transform::Project(_) => "project".into(),
                })
                .collect()
        };
        assert_eq!(names(&segments.head), ["((v > 1) AND (w < 3))"]);
        assert_eq!(names(&segments.nodes[0].1), ["(t > 2)"]);
    }
}
