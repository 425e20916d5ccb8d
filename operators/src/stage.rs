//! A fused chain of stateless transformations (select / with_column / filter / drop …):
//! one operator, so a map/filter chain costs no message hop.

use crate::expr::{
    element_field, lit, misplaced_generator, names_match, project_exploding, simplify_like,
    BinaryOp, DateFunction, EvalContext, Expr, ExprError, Literal, RegexFunction, SimpleLike,
    StringFunction, StringTest,
};
use arrow::array::{Array, AsArray, BooleanArray};
use arrow::buffer::BooleanBuffer;
use arrow::compute::filter_record_batch;
use arrow::datatypes::{DataType, Schema, SchemaRef};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use spate_runtime::{Error, Operator, Output, Result, Watermarks};
use std::convert::Infallible;
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
    /// Whether this is a projection with a generator (`explode`), which changes the rows.
    pub fn generates(&self) -> bool {
        matches!(self, Transform::Project(exprs) if exprs.iter().any(|e| e.generator().is_some()))
    }

    /// The schema this step produces from `input` under the session's settings `context`
    /// (ANSI mode changes result types); fails like Spark's analysis would.
    pub fn output_schema(
        &self,
        input: &Schema,
        context: &EvalContext,
    ) -> std::result::Result<SchemaRef, ExprError> {
        match self {
            Transform::Project(exprs) => {
                // A generator is a whole item (maybe aliased), one per projection.
                if let Some(nested) = exprs
                    .iter()
                    .find(|e| e.generator().is_none() && e.has_generator())
                {
                    return Err(misplaced_generator(nested, true));
                }
                if exprs.iter().filter(|e| e.generator().is_some()).count() > 1 {
                    return Err(ExprError::Unsupported(
                        "more than one generator in a projection".into(),
                    ));
                }
                let fields = exprs
                    .iter()
                    .map(|e| match e.generator() {
                        Some((array, outer)) => element_field(e, array, outer, input, context),
                        None => e.output_field_with(input, context),
                    })
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(Arc::new(Schema::new(fields)))
            }
            Transform::Filter(predicate) if predicate.has_generator() => {
                Err(misplaced_generator(predicate, false))
            }
            Transform::Filter(predicate) => {
                let field = predicate.output_field_with(input, context)?;
                if field.data_type() != &arrow::datatypes::DataType::Boolean {
                    let sql = field.name();
                    let type_name =
                        spate_runtime::types::spark_type_name(field.data_type()).to_uppercase();
                    return Err(ExprError::datatype_mismatch(
                        "FILTER_NOT_BOOLEAN",
                        sql,
                        &format!(
                            "Filter expression \"{sql}\" of type \"{type_name}\" is not a boolean"
                        ),
                    ));
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

/// `transforms` (already checked to resolve) with every filter moved before the projections
/// (Spark's `PushPredicateThroughNonJoin`), rewritten through the projections before it;
/// filters keep their order, and so do projections. A filter that reads a generator's
/// output stays after that generator (it moves down to just after it).
fn filters_first(transforms: Vec<Transform>) -> std::result::Result<Vec<Transform>, ExprError> {
    // Where each run of steps begins: the start, and just after each generator.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(
            transforms
                .iter()
                .enumerate()
                .filter(|(_, t)| t.generates())
                .map(|(i, _)| i + 1),
        )
        .collect();
    let mut filters: Vec<Vec<Transform>> = vec![Vec::new(); starts.len()];
    for (index, transform) in transforms.iter().enumerate() {
        let Transform::Filter(predicate) = transform else {
            continue;
        };
        let lowest = starts
            .iter()
            .enumerate()
            .filter(|(_, &start)| start <= index)
            .find_map(|(run, &start)| {
                below_projections(predicate, &transforms[start..index]).map(|below| (run, below))
            });
        let (run, below) = lowest.ok_or_else(|| ExprError::UnresolvedColumn {
            name: predicate.output_name(),
            candidates: Vec::new(),
        })?;
        filters[run].push(Transform::Filter(below));
    }
    let mut runs = filters.into_iter();
    let mut ordered: Vec<Transform> = runs.next().unwrap_or_default();
    for transform in transforms {
        match transform {
            Transform::Filter(_) => {}
            generator if generator.generates() => {
                ordered.push(generator);
                ordered.extend(runs.next().unwrap_or_default());
            }
            projection => ordered.push(projection),
        }
    }
    Ok(ordered)
}

/// `predicate`, read after `transforms`, rewritten over their input: each column it reads
/// is replaced by the expression that defines it (found by the projections' output
/// names), as Spark's optimizer pushes a filter through projections; `None` when a column
/// does not resolve to exactly one.
pub fn below_projections(predicate: &Expr, transforms: &[Transform]) -> Option<Expr> {
    // `None`: no projection yet, every column reads itself.
    let mut definitions: Option<Vec<(String, Expr)>> = None;
    for transform in transforms {
        if let Transform::Project(exprs) = transform {
            // A generator's output has no definition over the input: a predicate that reads
            // it stays above.
            let defined = exprs
                .iter()
                .filter(|e| e.generator().is_none())
                .map(|e| {
                    let definition = match &definitions {
                        None => e.clone(),
                        Some(earlier) => over(e, earlier)?,
                    };
                    Some((e.output_name(), definition))
                })
                .collect::<Option<Vec<_>>>()?;
            definitions = Some(defined);
        }
    }
    match definitions {
        None => Some(predicate.clone()),
        Some(definitions) => over(predicate, &definitions),
    }
}

/// `expr` with each column replaced by its definition; `None` when a column does not
/// resolve to exactly one.
fn over(expr: &Expr, definitions: &[(String, Expr)]) -> Option<Expr> {
    expr.map_columns(&mut |name| {
        let named = || definitions.iter().map(|(n, d)| (n.as_str(), d));
        if let Some(definition) = unique(named(), name) {
            return Ok(strip_alias(definition));
        }
        // `window.start` over a projection that passes `window` on: the field of what it
        // passes on.
        let (base, field) = name
            .split_once('.')
            .filter(|_| !name.contains('`'))
            .ok_or(())?;
        match unique(named(), base).map(strip_alias) {
            Some(Expr::Column(column)) => Ok(crate::expr::col(&format!("{column}.{field}"))),
            _ => Err(()),
        }
    })
    .ok()
}

/// The one candidate whose name `reference` names ([`names_match`]); `None` when there is
/// none or more than one.
fn unique<'a, T>(candidates: impl Iterator<Item = (&'a str, T)>, reference: &str) -> Option<T> {
    let mut found = candidates.filter(|(name, _)| names_match(name, reference));
    match (found.next(), found.next()) {
        (Some((_, candidate)), None) => Some(candidate),
        _ => None,
    }
}

/// The columns `expr` is NULL whenever they are (reached only through arithmetic,
/// comparisons, casts, negation and `NOT`: Spark's null-intolerant expressions).
fn null_intolerant_columns(expr: &Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::Column(_) if !out.contains(expr) => out.push(expr.clone()),
        Expr::Binary { op, left, right } if !matches!(op, BinaryOp::And | BinaryOp::Or) => {
            null_intolerant_columns(left, out);
            null_intolerant_columns(right, out);
        }
        Expr::StringTest(_, left, right) => {
            null_intolerant_columns(left, out);
            null_intolerant_columns(right, out);
        }
        Expr::Regex(RegexFunction::Like, inner, _) => null_intolerant_columns(inner, out),
        // Spark's `lower`, `upper` and `length` are null-intolerant; its trims and `concat`
        // are not marked so.
        Expr::StringFunction(
            StringFunction::Lower | StringFunction::Upper | StringFunction::Length,
            args,
        ) => {
            for arg in args {
                null_intolerant_columns(arg, out);
            }
        }
        // Probed on Spark 4.3 (the scan's pushed `IsNotNull`): these date functions and an
        // array's element are null-intolerant; `size`, `unix_timestamp` and the truncations
        // are not.
        Expr::DateFunction(
            DateFunction::DateAdd
            | DateFunction::DateSub
            | DateFunction::DateDiff
            | DateFunction::FromUnixtime(_)
            | DateFunction::TimestampSeconds,
            args,
        ) => {
            for arg in args {
                null_intolerant_columns(arg, out);
            }
        }
        Expr::Try(inner) if matches!(**inner, Expr::Cast(..)) => {
            null_intolerant_columns(inner, out)
        }
        Expr::Element(inner, _)
        | Expr::Not(inner)
        | Expr::Cast(inner, _)
        | Expr::Negate(inner)
        | Expr::Minus(inner)
        | Expr::Alias(inner, _) => null_intolerant_columns(inner, out),
        _ => {}
    }
}

/// `predicate` with each `LIKE` of a simple pattern written as what Spark's optimizer
/// makes of it (`LikeSimplification`): `=`, `startswith`, `endswith`, `contains`, or for
/// `abc%xyz` a `startswith` and an `endswith` beside the `LIKE` (which checks the length
/// as Spark's third conjunct does). The same rows pass; the new shapes are pushable. Only
/// a STRING column of `input` is tested so (another value is cast to a string first, which
/// Spark never pushes).
fn simplify_likes(predicate: &Expr, input: &Schema) -> Expr {
    let is_string = |e: &Expr| {
        let Expr::Column(reference) = e else {
            return false;
        };
        let fields = input.fields().iter().map(|f| (f.name().as_str(), f));
        unique(fields, reference).is_some_and(|f| f.data_type() == &DataType::Utf8)
    };
    let simplified = predicate.transform(&mut |e| {
        let Expr::StringTest(StringTest::Like { escape }, input, pattern) = e else {
            return Ok::<_, Infallible>(None);
        };
        let Expr::Literal(Literal::Utf8(pattern)) = pattern.as_ref() else {
            return Ok(None);
        };
        if !is_string(input) {
            return Ok(None);
        }
        let input = input.as_ref().clone();
        Ok(simplify_like(pattern, *escape).map(|simple| match simple {
            SimpleLike::Equals(text) => input.eq(lit(text)),
            SimpleLike::StartsWith(prefix) => input.startswith(lit(prefix)),
            SimpleLike::EndsWith(suffix) => input.endswith(lit(suffix)),
            SimpleLike::Contains(part) => input.contains(lit(part)),
            SimpleLike::StartsAndEndsWith(prefix, suffix) => input
                .clone()
                .startswith(lit(prefix))
                .and(input.endswith(lit(suffix)))
                .and(e.clone()),
        }))
    });
    match simplified {
        Ok(expr) => expr,
        Err(never) => match never {},
    }
}

/// Whether Spark pushes `predicate` (over the columns of `input`) into a JSON or CSV scan:
/// its `DataSourceStrategy.translateFilter` shapes.
fn pushable(predicate: &Expr, input: &Schema, unpushable: &[String]) -> bool {
    let column = |e: &Expr| -> Option<DataType> {
        let Expr::Column(reference) = e else {
            return None;
        };
        if unpushable.iter().any(|n| names_match(n, reference)) {
            return None;
        }
        let fields = input.fields().iter().map(|f| (f.name().as_str(), f));
        unique(fields, reference).map(|field| field.data_type().clone())
    };
    let comparable = |column: &DataType, literal: &Literal| match literal {
        Literal::Utf8(_) => matches!(column, DataType::Utf8 | DataType::LargeUtf8),
        Literal::Boolean(_) => *column == DataType::Boolean,
        Literal::Int32(_) | Literal::Int64(_) | Literal::Float64(_) => column.is_numeric(),
        Literal::Timestamp(_) => matches!(column, DataType::Timestamp(..)),
        Literal::Null | Literal::Interval(_) => false,
    };
    match predicate {
        Expr::Binary { op, left, right } => match op {
            BinaryOp::And | BinaryOp::Or => {
                pushable(left, input, unpushable) && pushable(right, input, unpushable)
            }
            BinaryOp::Eq
            | BinaryOp::NotEq
            | BinaryOp::Lt
            | BinaryOp::LtEq
            | BinaryOp::Gt
            | BinaryOp::GtEq => match (left.as_ref(), right.as_ref()) {
                (c, Expr::Literal(l)) | (Expr::Literal(l), c) => {
                    column(c).is_some_and(|t| comparable(&t, l))
                }
                _ => false,
            },
            _ => false,
        },
        Expr::Not(inner) => pushable(inner, input, unpushable),
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => column(inner).is_some(),
        Expr::StringTest(test, inner, other) => {
            !matches!(test, StringTest::Like { .. })
                && matches!(other.as_ref(), Expr::Literal(Literal::Utf8(_)))
                && column(inner).is_some_and(|t| matches!(t, DataType::Utf8 | DataType::LargeUtf8))
        }
        Expr::In(c, values) => column(c).is_some_and(|t| {
            values
                .iter()
                .all(|v| matches!(v, Expr::Literal(l) if comparable(&t, l)))
        }),
        _ => false,
    }
}

/// The rows where `mask` is true (not false, not NULL).
fn true_rows(mask: &BooleanArray) -> BooleanBuffer {
    match mask.nulls() {
        Some(nulls) => mask.values() & nulls.inner(),
        None => mask.values().clone(),
    }
}

/// `expr` without its outer aliases (an alias only names a projection's output).
fn strip_alias(expr: &Expr) -> Expr {
    match expr {
        Expr::Alias(inner, _) => strip_alias(inner),
        other => other.clone(),
    }
}

struct Step {
    transform: Transform,
    schema: SchemaRef,
}

/// Applies its transforms in order to each batch, with Arrow kernels over whole batches.
pub struct Stage {
    name: String,
    input: SchemaRef,
    steps: Vec<Step>,
    output: SchemaRef,
    context: EvalContext,
    /// Leading steps that stand for the filters Spark pushes into a file scan (0 or 1).
    scan_steps: usize,
    /// As an operator: the running epoch's timestamp, from its watermarks.
    batch_timestamp_ms: Option<i64>,
}

impl Stage {
    /// A stage over input `schema`; fails (at planning, like Spark's analysis) when a step
    /// does not resolve. As Spark's optimizer does, every filter runs before the
    /// projections, rewritten over the stage's input columns: a projected value is then
    /// computed only for the rows that are kept (so a row that a filter drops cannot fail a
    /// cast under ANSI).
    pub fn new(
        input: SchemaRef,
        transforms: Vec<Transform>,
        context: EvalContext,
    ) -> std::result::Result<Self, ExprError> {
        // Analysis errors name the steps as written.
        transforms.iter().try_fold(input.clone(), |schema, t| {
            t.output_schema(&schema, &context)
        })?;
        let mut schema = input.clone();
        let mut steps = Vec::with_capacity(transforms.len());
        for transform in filters_first(transforms)? {
            let output = transform.output_schema(&schema, &context)?;
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
            input,
            steps,
            output: schema,
            context,
            scan_steps: 0,
            batch_timestamp_ms: None,
        })
    }

    /// The stage of a file source whose scan takes filters (JSON, CSV): the conjuncts of
    /// its filters that Spark pushes into the scan (a column compared with a literal of its
    /// kind, a null check, and `not` / `and` / `or` of those, plus the `IS NOT NULL` Spark
    /// infers from the other conjuncts; none on a column of `unpushable`, such as the
    /// corrupt-record column) run first, and the rows they keep are the rows the source
    /// counts as read ([`Stage::apply_counted`]).
    pub fn pushing_filters_into_scan(mut self, unpushable: &[String]) -> Self {
        let leading = self
            .steps
            .iter()
            .take_while(|s| matches!(s.transform, Transform::Filter(_)))
            .count();
        let mut scan = Vec::new();
        let mut rest = Vec::new();
        for step in self.steps.drain(..leading) {
            let Transform::Filter(predicate) = step.transform else {
                continue;
            };
            let (pushed, kept): (Vec<Expr>, Vec<Expr>) = simplify_likes(&predicate, &self.input)
                .conjuncts()
                .into_iter()
                .partition(|part| pushable(part, &self.input, unpushable));
            scan.extend(pushed);
            // Spark infers `IS NOT NULL` for the columns a kept conjunct cannot be true
            // without (`InferFiltersFromConstraints`), and pushes those too.
            for part in &kept {
                let mut columns = Vec::new();
                null_intolerant_columns(part, &mut columns);
                for column in columns {
                    let check = column.is_not_null();
                    if !scan.contains(&check) && pushable(&check, &self.input, unpushable) {
                        scan.push(check);
                    }
                }
            }
            rest.extend(kept.into_iter().reduce(|a, b| a.and(b)));
        }
        let filter = |predicate: Expr| Step {
            transform: Transform::Filter(predicate),
            schema: self.input.clone(),
        };
        let scan: Vec<Step> = scan
            .into_iter()
            .reduce(|a, b| a.and(b))
            .map(filter)
            .into_iter()
            .collect();
        self.scan_steps = scan.len();
        let rest = rest.into_iter().map(filter);
        let projections = std::mem::take(&mut self.steps);
        self.steps = scan.into_iter().chain(rest).chain(projections).collect();
        self
    }

    /// The schema of the batches the stage emits.
    pub fn output_schema(&self) -> SchemaRef {
        self.output.clone()
    }

    /// Applies every step to `batch`, of the batch whose timestamp (Spark's
    /// `batchTimestampMs`, what `current_timestamp()` gives) is `batch_timestamp_ms`.
    pub fn apply(
        &self,
        batch: RecordBatch,
        batch_timestamp_ms: Option<i64>,
    ) -> Result<RecordBatch> {
        self.apply_counted(batch, None, &[], batch_timestamp_ms)
            .map(|(batch, _)| batch)
    }

    /// Applies every step to `batch`; also returns how many of its rows the scan's filters
    /// keep (all of them unless [`Stage::pushing_filters_into_scan`]), `malformed` rows
    /// (records the parser could not read) counting whatever the filters say: what Spark
    /// counts as the source's input rows. A filter passes the rows whose records had no
    /// field for a column it reads (`absent`, by column index), as Spark's JSON scan never
    /// evaluates it for them.
    pub fn apply_counted(
        &self,
        batch: RecordBatch,
        malformed: Option<&BooleanArray>,
        absent: &[(usize, BooleanArray)],
        batch_timestamp_ms: Option<i64>,
    ) -> Result<(RecordBatch, usize)> {
        let context = EvalContext {
            batch_timestamp_ms,
            ..self.context.clone()
        };
        if absent.is_empty() || self.scan_steps == 0 {
            return self.apply_counting_kept(batch, malformed, &context);
        }
        let counted = self.scanned_with_absent_fields(&batch, malformed, absent, &context)?;
        let (batch, _) = self.apply_counting_kept(batch, malformed, &context)?;
        Ok((batch, counted))
    }

    /// The rows of `batch` the scan counts when some records lack fields: those for which
    /// every scan filter passes or reads an absent field, and the malformed ones.
    fn scanned_with_absent_fields(
        &self,
        batch: &RecordBatch,
        malformed: Option<&BooleanArray>,
        absent: &[(usize, BooleanArray)],
        context: &EvalContext,
    ) -> Result<usize> {
        let mut counted = BooleanBuffer::new_set(batch.num_rows());
        // Each pushed conjunct on its own: Spark's parser evaluates one once the record has
        // given every field it reads.
        let conjuncts = self.steps[..self.scan_steps]
            .iter()
            .filter_map(|step| match &step.transform {
                Transform::Filter(predicate) => Some(predicate.conjuncts()),
                Transform::Project(_) => None,
            })
            .flatten();
        for predicate in conjuncts {
            let reads = predicate.columns();
            let passed = predicate
                .evaluate(batch, context)
                .map_err(execution_error)?;
            let passed = passed.as_boolean_opt().ok_or_else(|| {
                Error::IllegalArgument(format!("filter predicate produced {}", passed.data_type()))
            })?;
            // Passed: true, not NULL; or a field it reads was not there.
            let mut kept = true_rows(passed);
            for (index, rows) in absent {
                let name = self.input.field(*index).name();
                if reads.iter().any(|c| names_match(name, c)) {
                    kept = &kept | rows.values();
                }
            }
            counted = &counted & &kept;
        }
        if let Some(malformed) = malformed {
            counted = &counted | &true_rows(malformed);
        }
        Ok(counted.count_set_bits())
    }

    /// [`Stage::apply_counted`] when every record had every field.
    fn apply_counting_kept(
        &self,
        mut batch: RecordBatch,
        malformed: Option<&BooleanArray>,
        context: &EvalContext,
    ) -> Result<(RecordBatch, usize)> {
        let mut scanned = None;
        // Malformed rows the scan's filters dropped.
        let mut dropped_malformed = 0;
        for (index, step) in self.steps.iter().enumerate() {
            if index == self.scan_steps {
                scanned = Some(batch.num_rows() + dropped_malformed);
            }
            if batch.num_rows() == 0 {
                let empty = RecordBatch::new_empty(self.output.clone());
                return Ok((empty, scanned.unwrap_or(dropped_malformed)));
            }
            batch = match &step.transform {
                Transform::Project(exprs) if step.transform.generates() => {
                    let generator = exprs
                        .iter()
                        .position(|e| e.generator().is_some())
                        .unwrap_or_default();
                    project_exploding(exprs, generator, &batch, step.schema.clone(), context)
                        .map_err(execution_error)?
                }
                Transform::Project(exprs) => {
                    let columns = exprs
                        .iter()
                        .map(|e| e.evaluate(&batch, context))
                        .collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(execution_error)?;
                    let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
                    RecordBatch::try_new_with_options(step.schema.clone(), columns, &options)?
                }
                Transform::Filter(predicate) => {
                    let mask = predicate
                        .evaluate(&batch, context)
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
                    if let Some(malformed) = malformed.filter(|_| index < self.scan_steps) {
                        dropped_malformed += malformed
                            .iter()
                            .zip(mask.iter())
                            .filter(|(bad, kept)| *bad == Some(true) && *kept != Some(true))
                            .count();
                    }
                    if mask.null_count() == 0 && mask.true_count() == mask.len() {
                        batch
                    } else {
                        filter_record_batch(&batch, mask)?
                    }
                }
            };
        }
        let scanned = scanned.unwrap_or(batch.num_rows() + dropped_malformed);
        Ok((batch, scanned))
    }
}

impl Operator for Stage {
    fn name(&self) -> &str {
        &self.name
    }

    fn on_data(&mut self, _port: usize, batch: RecordBatch, out: &mut Output) -> Result<()> {
        out.emit(self.apply(batch, self.batch_timestamp_ms)?);
        Ok(())
    }

    fn on_watermark(&mut self, watermarks: &Watermarks, _out: &mut Output) -> Result<()> {
        self.batch_timestamp_ms = Some(watermarks.batch_timestamp_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{col, lit, to_timestamp};
    use arrow::array::{Float64Array, Int32Array, StringArray};
    use arrow::datatypes::{DataType, Field};

    fn lab_batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("value", DataType::Float64, true),
            Field::new("timestamp", DataType::Utf8, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int32Array::from(vec![Some(1), Some(2), Some(3)])),
                Arc::new(Float64Array::from(vec![Some(100.0), None, Some(300.0)])),
                Arc::new(StringArray::from(vec![
                    "2024-01-15 10:00:00",
                    "2024-01-15 10:01:00",
                    "bad",
                ])),
            ],
        )
        .unwrap()
    }

    fn stage(transforms: Vec<Transform>, ansi: bool) -> Stage {
        let context = EvalContext {
            ansi,
            ..EvalContext::default()
        };
        Stage::new(lab_batch().schema(), transforms, context).unwrap()
    }

    #[test]
    fn projects_then_filters_with_null_as_false() {
        let stage = stage(
            vec![
                Transform::Project(vec![col("id"), (col("value") * lit(2)).alias("doubled")]),
                Transform::Filter(col("doubled").gt(lit(150))),
            ],
            true,
        );
        assert_eq!(stage.output_schema().field(1).name(), "doubled");
        let out = stage.apply(lab_batch(), None).unwrap();
        // Row 1 (200.0) passes, row 2 (NULL) counts as false, row 3 (600.0) passes.
        let ids = out.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
        assert_eq!(ids.values(), &[1, 3]);
    }

    #[test]
    fn a_malformed_timestamp_fails_under_ansi_and_is_null_without() {
        let transforms = vec![Transform::Project(vec![
            to_timestamp(col("timestamp")).alias("t")
        ])];
        let error = stage(transforms.clone(), true)
            .apply(lab_batch(), None)
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("[CAST_INVALID_INPUT] The value 'bad'"),
            "{error}"
        );
        let out = stage(transforms, false).apply(lab_batch(), None).unwrap();
        assert_eq!(out.column(0).null_count(), 1);
    }

    #[test]
    fn filters_run_before_projections_over_the_input_columns() {
        // The filter reads the renamed `v` (in other case); moved before the projection, it
        // drops row 3 before its "bad" timestamp is cast, so ANSI raises nothing.
        let stage = stage(
            vec![
                Transform::Project(vec![
                    col("id"),
                    col("value").alias("v"),
                    to_timestamp(col("timestamp")).alias("t"),
                ]),
                Transform::Filter(col("V").lt(lit(200))),
            ],
            true,
        );
        let schema = stage.output_schema();
        let names: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
        assert_eq!(names, ["id", "v", "t"]);
        let out = stage.apply(lab_batch(), None).unwrap();
        let ids = out.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
        assert_eq!(ids.values(), &[1]);
        assert_eq!(stage.name(), "Filter+Project");
    }

    #[test]
    fn a_scan_counts_the_rows_its_pushed_filters_keep() {
        let transforms = vec![
            Transform::Project(vec![
                col("id"),
                (col("value") * lit(2)).alias("d"),
                col("timestamp"),
            ]),
            Transform::Filter(col("d").gt(lit(150)).and(col("id").gt_eq(lit(2)))),
            Transform::Filter(col("timestamp").is_not_null()),
        ];
        // `id >= 2` and the null check go into the scan; `d > 150` reads a computed value,
        // but cannot hold without `value IS NOT NULL`, which goes in too: only row 3 is read.
        let pushed = stage(transforms.clone(), true).pushing_filters_into_scan(&[]);
        let (out, read) = pushed.apply_counted(lab_batch(), None, &[], None).unwrap();
        let ids = out.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
        assert_eq!((ids.values().as_ref(), read), (&[3][..], 1));
        // No filter on an unpushable column goes into the scan: rows 1 and 3 are read.
        let kept_out = stage(transforms.clone(), true).pushing_filters_into_scan(&["ID".into()]);
        assert_eq!(
            kept_out
                .apply_counted(lab_batch(), None, &[], None)
                .unwrap()
                .1,
            2
        );
        // A stage that is not a scan's reads every row.
        assert_eq!(
            stage(transforms, true)
                .apply_counted(lab_batch(), None, &[], None)
                .unwrap()
                .1,
            3
        );
        // A malformed record counts as read though the scan's filters drop it (row 2), as
        // Spark's parsers give it whatever filters they take; the output is the same.
        let malformed = BooleanArray::from(vec![false, true, false]);
        let (out, read) = pushed
            .apply_counted(lab_batch(), Some(&malformed), &[], None)
            .unwrap();
        assert_eq!((out.num_rows(), read), (1, 2));
    }

    #[test]
    fn a_predicate_moves_below_projections_by_their_output_names() {
        let projections = [
            Transform::Project(vec![col("id"), (col("value") * lit(2)).alias("d")]),
            Transform::Filter(col("id").gt(lit(0))),
            Transform::Project(vec![col("D").alias("doubled")]),
        ];
        assert_eq!(
            below_projections(&col("doubled").gt(lit(250)), &projections),
            Some((col("value") * lit(2)).gt(lit(250)))
        );
        assert_eq!(below_projections(&col("id").gt(lit(1)), &projections), None);
        assert_eq!(
            below_projections(&col("id").gt(lit(1)), &[]),
            Some(col("id").gt(lit(1)))
        );
    }

    #[test]
    fn analysis_errors_come_at_construction() {
        let schema = lab_batch().schema();
        let unknown = Stage::new(
            schema.clone(),
            vec![Transform::Filter(col("nope").gt(lit(1)))],
            EvalContext::default(),
        );
        assert!(matches!(unknown, Err(ExprError::UnresolvedColumn { .. })));
        let not_boolean = Stage::new(
            schema,
            vec![Transform::Filter(col("value"))],
            EvalContext::default(),
        );
        assert!(matches!(
            not_boolean,
            Err(ExprError::DataTypeMismatch { .. })
        ));
    }
}
