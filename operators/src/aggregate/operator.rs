//! The streaming aggregation operator (Spark's `StateStoreSave` with its restore/merge
//! around it): groups every epoch's rows into the state, drops rows late against the previous
//! epoch's watermark, and emits per output mode (SEMANTICS.md §5.3, §6.3).

use super::accumulator::{accumulator, Accumulator};
use super::changed::ChangedGroups;
use super::window::TimeWindow;
use crate::expr::{EvalContext, Expr, ExprError};
use crate::groups::{removed_flags, GroupTable};
use crate::stage::execution_error;
use crate::watermark::times_or_never;
use arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, StructArray, TimestampMicrosecondArray, UInt32Array,
};
use arrow::compute::{cast, filter_record_batch, take};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimestampMicrosecondType};
use rayon::prelude::*;
use spate_runtime::parallel::on_operator_threads;
use spate_runtime::progress::StateOperatorProgress;
use spate_runtime::types::timestamp_type;
use spate_runtime::{
    EpochReport, Error, Operator, Output, Result, Sink, StateCheckpoint, Watermarks,
};
use std::sync::Arc;
use std::time::Instant;

/// What an aggregation emits at the end of each epoch (Spark's output modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitMode {
    /// Each group once, when the watermark passes it; then it leaves the state.
    Append,
    /// The groups the epoch changed; groups the watermark passed leave the state silently.
    Update,
    /// Beyond Spark, for the continuous trigger: the groups each input batch changed, as
    /// soon as it is processed (a group changed twice in an epoch is emitted twice); groups
    /// the watermark passed leave the state silently.
    UpdateOnArrival,
    /// Every group, every epoch; nothing is ever dropped or evicted.
    Complete,
}

/// A grouping key: an expression, or a time window over an expression.
enum Key {
    Column(Expr),
    Window { time: Expr, window: TimeWindow },
}

/// One aggregate column: the argument expression and its state.
struct Aggregate {
    arg: Expr,
    state: Box<dyn Accumulator>,
}

/// Spark's analysis error for grouping by two different windows.
pub(super) const MULTIPLE_WINDOWS: &str = "Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported.";

/// Time one epoch spent updating the state, for progress `stateOperators`.
#[derive(Default)]
struct EpochCounts {
    updates_time: std::time::Duration,
}

/// Per batch scratch space, reused so the hot path does not allocate per batch (but for
/// the window starts, which become the batch's window key column).
#[derive(Default)]
struct Scratch {
    /// The row of each (row, window) pair; unused without a window key.
    rows: Vec<u32>,
    /// The window start of each (row, window) pair.
    starts: Vec<i64>,
    ids: Vec<u32>,
    created: Vec<u32>,
    /// Per group: the last input batch that changed it, counting batches (`UpdateOnArrival`).
    batch_marks: Vec<u64>,
    batches: u64,
}

/// A streaming `groupBy(keys).agg(aggregates)`.
pub struct StreamingAggregate {
    keys: Vec<Key>,
    aggregates: Vec<Aggregate>,
    /// The key carrying the watermark (a window over, or the raw, event-time column).
    event_time_key: Option<usize>,
    mode: EmitMode,
    context: EvalContext,
    schema: SchemaRef,
    table: GroupTable,
    /// Per group: the time the watermark is compared with (window end or key time, µs;
    /// `i64::MAX` when the key time is NULL). Empty without an event-time key.
    group_times: Vec<i64>,
    /// Per group: changed in this epoch; and the changed groups in first-change order.
    touched: Vec<bool>,
    touched_groups: Vec<u32>,
    watermarks: Option<Watermarks>,
    counts: EpochCounts,
    scratch: Scratch,
    /// The input schema (late rows are sent in it, plus their `window`).
    input: SchemaRef,
    /// The groups changed since the last checkpoint, and the keys of the groups removed
    /// since then (what a delta checkpoint holds).
    changed: ChangedGroups,
    removed_keys: Vec<Vec<ArrayRef>>,
    /// Where late rows go instead of being lost (beyond Spark), and whether this epoch sent
    /// any.
    late_rows: Option<Box<dyn Sink>>,
    late_rows_sent: bool,
}

/// Spark's window check for the time column of `window(...)`.
fn window_time_type(data_type: &DataType, sql: &str) -> Result<(), ExprError> {
    match data_type {
        DataType::Timestamp(..) | DataType::Utf8 | DataType::Null => Ok(()),
        other => Err(ExprError::datatype_mismatch(
            "UNEXPECTED_INPUT_TYPE",
            sql,
            &format!(
                "The first parameter requires the \"TIMESTAMP\" type, however \"{sql}\" has the type \"{}\"",
                spate_runtime::types::spark_type_name(other).to_uppercase()
            ),
        )),
    }
}

impl StreamingAggregate {
    /// `groupBy(keys).agg(aggregates)` over `input`. `event_time_key` names the key that
    /// carries the watermark (it enables late-row dropping and eviction). Fails like Spark's
    /// analysis when a key or aggregate does not resolve.
    pub fn new(
        input: &Schema,
        keys: Vec<Expr>,
        aggregates: Vec<Expr>,
        event_time_key: Option<usize>,
        mode: EmitMode,
        context: EvalContext,
    ) -> std::result::Result<Self, ExprError> {
        let mut fields = Vec::new();
        let mut key_types = Vec::new();
        let mut bound_keys = Vec::new();
        for key in keys {
            let (inner, name) = match &key {
                Expr::Alias(inner, name) => (inner.as_ref().clone(), Some(name.clone())),
                other => (other.clone(), None),
            };
            match inner {
                Expr::Window(time, spec) => {
                    let window = TimeWindow::parse(&spec)?;
                    let time_field = time.output_field_with(input, &context)?;
                    window_time_type(time_field.data_type(), time_field.name())?;
                    let time = match time_field.data_type() {
                        DataType::Timestamp(..) => *time,
                        _ => time.cast(timestamp_type()),
                    };
                    let other_window = bound_keys.iter().any(|key| {
                        matches!(key, Key::Window { time: t, window: w } if (t, w) != (&time, &window))
                    });
                    if other_window {
                        return Err(ExprError::InvalidWindow(MULTIPLE_WINDOWS.into()));
                    }
                    let name = name.unwrap_or_else(|| "window".into());
                    fields.push(Field::new(name, TimeWindow::data_type(), true));
                    key_types.push(timestamp_type());
                    bound_keys.push(Key::Window { time, window });
                }
                _ => {
                    let field = key.output_field_with(input, &context)?;
                    key_types.push(field.data_type().clone());
                    fields.push(field.with_nullable(true));
                    bound_keys.push(Key::Column(key));
                }
            }
        }
        let mut bound_aggregates = Vec::new();
        for expr in aggregates {
            let (function, arg) = match &expr {
                Expr::Aggregate(f, arg) => (*f, arg.as_ref().clone()),
                Expr::Alias(inner, _) => match inner.as_ref() {
                    Expr::Aggregate(f, arg) => (*f, arg.as_ref().clone()),
                    _ => return Err(not_an_aggregate(&expr)),
                },
                _ => return Err(not_an_aggregate(&expr)),
            };
            let arg_type = arg.output_field_with(input, &context)?.data_type().clone();
            let name = expr.output_name();
            let result = function.result_type(&arg_type, &name)?;
            fields.push(Field::new(name, result, true));
            bound_aggregates.push(Aggregate {
                arg,
                state: accumulator(function, &arg_type, context.ansi)?,
            });
        }
        Ok(StreamingAggregate {
            keys: bound_keys,
            aggregates: bound_aggregates,
            event_time_key,
            mode,
            context,
            schema: Arc::new(Schema::new(fields)),
            table: GroupTable::new(if key_types.is_empty() {
                vec![DataType::Boolean]
            } else {
                key_types
            })?,
            group_times: Vec::new(),
            touched: Vec::new(),
            touched_groups: Vec::new(),
            watermarks: None,
            counts: EpochCounts::default(),
            scratch: Scratch::default(),
            input: Arc::new(input.clone()),
            changed: ChangedGroups::default(),
            removed_keys: Vec::new(),
            late_rows: None,
            late_rows_sent: false,
        })
    }

    /// Sends the rows dropped as late to `sink` (one commit per epoch that had late rows)
    /// instead of losing them: the input columns, plus the dropped `window` when windowed
    /// (a row of a sliding window may be late for some of its windows only).
    pub fn with_late_rows_to(mut self, sink: Box<dyn Sink>) -> Self {
        self.late_rows = Some(sink);
        self
    }

    /// The schema of the late rows [`StreamingAggregate::with_late_rows_to`] sends.
    pub fn late_rows_schema(&self) -> SchemaRef {
        let mut fields: Vec<Field> = self
            .input
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        if let Some(name) = self.window_name() {
            fields.push(Field::new(name, TimeWindow::data_type(), true));
        }
        Arc::new(Schema::new(fields))
    }

    fn window_name(&self) -> Option<String> {
        let position = self
            .keys
            .iter()
            .position(|k| matches!(k, Key::Window { .. }))?;
        Some(self.schema.field(position).name().clone())
    }

    /// Sends the late `rows` of `batch` (with their window starts) to the late-row sink.
    fn send_late_rows(&mut self, batch: &RecordBatch, rows: &[u32], starts: &[i64]) -> Result<()> {
        let epoch = self.watermarks.map_or(0, |w| w.epoch);
        let schema = self.late_rows_schema();
        let window = self.window().map(|(_, w)| w);
        let Some(sink) = self.late_rows.as_mut() else {
            return Ok(());
        };
        let indices = UInt32Array::from(rows.to_vec());
        let mut columns = batch
            .columns()
            .iter()
            .map(|c| take(c.as_ref(), &indices, None))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if let Some(window) = window {
            let starts: ArrayRef =
                Arc::new(TimestampMicrosecondArray::from(starts.to_vec()).with_timezone("UTC"));
            columns.push(window_struct(&starts, window.size)?);
        }
        sink.write(epoch, RecordBatch::try_new(schema, columns)?)?;
        self.late_rows_sent = true;
        Ok(())
    }

    /// The schema of the rows it emits: the keys, then the aggregates, all nullable.
    pub fn output_schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Groups in the state.
    pub fn state_rows(&self) -> usize {
        self.table.len()
    }

    fn window(&self) -> Option<(&Expr, TimeWindow)> {
        self.keys.iter().find_map(|k| match k {
            Key::Window { time, window } => Some((time, *window)),
            Key::Column(_) => None,
        })
    }

    /// The watermarks in µs (`WL`, `WE`), when late rows are dropped and state evicted.
    fn watermarks_micros(&self) -> Option<(i64, i64)> {
        if self.mode == EmitMode::Complete || self.event_time_key.is_none() {
            return None;
        }
        let w = self.watermarks.unwrap_or(Watermarks {
            epoch: 0,
            late: 0,
            evict: 0,
            batch_timestamp_ms: 0,
        });
        Some((w.late.saturating_mul(1000), w.evict.saturating_mul(1000)))
    }

    fn evaluate(&self, expr: &Expr, batch: &RecordBatch) -> Result<ArrayRef> {
        expr.evaluate(batch, &self.context).map_err(execution_error)
    }

    /// The event time of each selected row: its window's end, or the event-time key.
    fn row_times(&self, batch: &RecordBatch, selected: Option<&[u32]>) -> Result<Vec<i64>> {
        let Some(key) = self.event_time_key.and_then(|k| self.keys.get(k)) else {
            return Ok(Vec::new());
        };
        Ok(match key {
            Key::Window { window, .. } => self
                .scratch
                .starts
                .iter()
                .map(|s| s.wrapping_add(window.size))
                .collect(),
            Key::Column(expr) => {
                let times = self.evaluate(expr, batch)?;
                let times = pick_rows(&times, selected)?;
                let times = times
                    .as_primitive_opt::<TimestampMicrosecondType>()
                    .ok_or_else(|| {
                        Error::IllegalArgument(format!(
                            "the event-time key {} is not a timestamp",
                            expr.output_name()
                        ))
                    })?;
                times_or_never(times)
            }
        })
    }

    /// The key columns of the selected rows; `starts` (one per selected row) are the window
    /// key's, when there is one (a query has at most one).
    fn key_columns(
        &self,
        batch: &RecordBatch,
        selected: Option<&[u32]>,
        starts: Vec<i64>,
    ) -> Result<Vec<ArrayRef>> {
        if self.keys.is_empty() {
            // A global aggregation: every row in the one group of a constant key.
            let rows = selected.map_or(batch.num_rows(), <[u32]>::len);
            return Ok(vec![global_key(rows)]);
        }
        let mut starts = Some(starts);
        let mut window: Option<ArrayRef> = None;
        self.keys
            .iter()
            .map(|key| match key {
                // The same window twice (Spark allows no other) is the same column twice.
                Key::Window { .. } => Ok(window
                    .get_or_insert_with(|| {
                        Arc::new(
                            TimestampMicrosecondArray::from(starts.take().unwrap_or_default())
                                .with_timezone("UTC"),
                        )
                    })
                    .clone()),
                Key::Column(expr) => pick_rows(&self.evaluate(expr, batch)?, selected),
            })
            .collect()
    }

    fn process(&mut self, batch: &RecordBatch) -> Result<()> {
        // Which rows feed which groups: every row, or (row, window) pairs.
        let mut selected: Option<Vec<u32>> = None;
        // The pairs' run length (see `TimeWindow::assign`), while every pair is kept.
        let mut run = 1;
        if let Some((time, window)) = self.window().map(|(t, w)| (t.clone(), w)) {
            let times = self.evaluate(&time, batch)?;
            let times = cast(&times, &timestamp_type())?;
            let times = times.as_primitive::<TimestampMicrosecondType>();
            let mut rows = std::mem::take(&mut self.scratch.rows);
            run = window
                .assign(times, &mut rows, &mut self.scratch.starts)
                .map_err(execution_error)?;
            selected = Some(rows);
        }
        let mut times = self.row_times(batch, selected.as_deref())?;

        // Late rows (SEMANTICS.md §5.3): event time ≤ the previous epoch's watermark.
        if let Some((late, _)) = self.watermarks_micros() {
            if times.iter().any(|&t| t <= late) {
                let keep: Vec<bool> = times.iter().map(|&t| t > late).collect();
                let all: Vec<u32> = match &selected {
                    Some(rows) => rows.clone(),
                    None => (0..batch.num_rows() as u32).collect(),
                };
                let late_rows: Vec<u32> = all
                    .iter()
                    .zip(&keep)
                    .filter(|(_, k)| !**k)
                    .map(|(r, _)| *r)
                    .collect();
                let late_starts: Vec<i64> = filter_by(&self.scratch.starts, &keep, false);
                let kept_starts = filter_by(&self.scratch.starts, &keep, true);
                if self.late_rows.is_some() {
                    self.send_late_rows(batch, &late_rows, &late_starts)?;
                }
                let late_keys = self.key_columns(batch, Some(&late_rows), late_starts)?;
                self.table.note_late(&late_keys)?;
                self.scratch.starts = kept_starts;
                selected = Some(filter_by(&all, &keep, true));
                times = filter_by(&times, &keep, true);
                run = 1;
            }
        }

        // The starts go into the window key column; the next batch's are assigned afresh.
        let starts = std::mem::take(&mut self.scratch.starts);
        let keys = self.key_columns(batch, selected.as_deref(), starts)?;
        let mut ids = std::mem::take(&mut self.scratch.ids);
        let mut created = std::mem::take(&mut self.scratch.created);
        self.table.intern_runs(&keys, run, &mut ids, &mut created)?;
        if self.event_time_key.is_some() {
            self.group_times
                .extend(created.iter().map(|&row| times[row as usize]));
        }
        let groups = self.table.len();
        for aggregate in &mut self.aggregates {
            let values = aggregate
                .arg
                .evaluate(batch, &self.context)
                .map_err(execution_error)?;
            aggregate
                .state
                .update(&ids, &values, selected.as_deref(), groups)
                .map_err(execution_error)?;
        }
        self.touched.resize(groups, false);
        for &id in &ids {
            if !std::mem::replace(&mut self.touched[id as usize], true) {
                self.touched_groups.push(id);
            }
        }
        self.scratch.ids = ids;
        self.scratch.created = created;
        if let Some(rows) = selected {
            self.scratch.rows = rows;
        }
        Ok(())
    }

    /// The groups the last processed input batch changed, in first-change order.
    fn last_batch_groups(&mut self) -> Vec<u32> {
        let scratch = &mut self.scratch;
        scratch.batches += 1;
        scratch.batch_marks.resize(self.table.len(), 0);
        let mut groups = Vec::new();
        for &id in &scratch.ids {
            let mark = &mut scratch.batch_marks[id as usize];
            if *mark != scratch.batches {
                *mark = scratch.batches;
                groups.push(id);
            }
        }
        groups
    }

    /// The result rows of `groups`.
    fn rows_of(&self, groups: &[u32]) -> Result<RecordBatch> {
        let keys = self.table.key_columns(groups)?;
        let mut columns = Vec::with_capacity(self.schema.fields().len());
        for (key, column) in self.keys.iter().zip(keys) {
            columns.push(match key {
                Key::Column(_) => column,
                Key::Window { window, .. } => window_struct(&column, window.size)?,
            });
        }
        for aggregate in &self.aggregates {
            columns.push(aggregate.state.evaluate(groups).map_err(execution_error)?);
        }
        Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
    }

    /// Removes the groups whose time is ≤ `evict` (µs); returns them, in id order, as rows.
    fn evict(&mut self, evict: i64, emit: bool) -> Result<(Option<RecordBatch>, u64)> {
        let keep: Vec<bool> = self.group_times.iter().map(|&t| t > evict).collect();
        let removed: Vec<u32> = (0..keep.len() as u32)
            .filter(|&g| !keep[g as usize])
            .collect();
        if removed.is_empty() {
            return Ok((None, 0));
        }
        let rows = if emit {
            Some(self.rows_of(&removed)?)
        } else {
            None
        };
        self.removed_keys.push(self.table.key_columns(&removed)?);
        self.remove_groups(&keep);
        Ok((rows, removed.len() as u64))
    }

    /// Keeps the groups where `keep[id]`, in the table and in every per-group state.
    fn remove_groups(&mut self, keep: &[bool]) {
        self.table.retain(keep);
        for aggregate in &mut self.aggregates {
            aggregate.state.retain(keep);
        }
        if !self.group_times.is_empty() {
            self.group_times = filter_by(&self.group_times, keep, true);
        }
        self.changed.retain(keep);
    }

    /// Rows for `groups` in the checkpoint layout: keys, eviction time, each aggregate's
    /// state, and a `removed` flag (false). The columns are gathered side by side, on the
    /// operators' threads.
    fn state_columns(&self, groups: &[u32]) -> Result<Vec<ArrayRef>> {
        let (table, aggregates) = (&self.table, &self.aggregates);
        let (keys, states) = on_operator_threads(|| {
            rayon::join(
                || table.key_columns(groups),
                || {
                    aggregates
                        .par_iter()
                        .map(|aggregate| aggregate.state.state(groups))
                        .collect::<std::result::Result<Vec<_>, _>>()
                },
            )
        });
        let mut columns = keys?;
        let times: Vec<i64> = match self.event_time_key {
            Some(_) => groups
                .iter()
                .map(|&g| self.group_times[g as usize])
                .collect(),
            None => vec![i64::MAX; groups.len()],
        };
        columns.push(Arc::new(arrow::array::Int64Array::from(times)));
        columns.extend(states.map_err(execution_error)?.into_iter().flatten());
        columns.push(removed_flags(groups.len(), false));
        Ok(columns)
    }

    /// Applies one checkpoint batch: upserts the groups of rows not flagged removed, drops
    /// the flagged ones.
    fn apply_checkpoint(&mut self, batch: &RecordBatch) -> Result<()> {
        // A global aggregation's groups are keyed by one constant column.
        let keys = self.keys.len().max(1);
        let width: usize = self.aggregates.iter().map(|a| a.state.state_width()).sum();
        if batch.num_columns() != keys + width + 2 {
            return Err(state_mismatch(&format!(
                "{} state columns where {} were expected",
                batch.num_columns(),
                keys + width + 2
            )));
        }
        let removed = batch.columns()[keys + width + 1]
            .as_boolean_opt()
            .ok_or_else(|| state_mismatch("the removed flags are not boolean"))?
            .clone();
        let upserts = filter_record_batch(batch, &arrow::compute::not(&removed)?)?;
        let removals = filter_record_batch(batch, &removed)?;
        let (mut ids, mut created) = (Vec::new(), Vec::new());
        self.table
            .intern(&upserts.columns()[..keys], &mut ids, &mut created)
            .map_err(|e| state_mismatch(&e.to_string()))?;
        let groups = self.table.len();
        let times = upserts.columns()[keys]
            .as_primitive_opt::<arrow::datatypes::Int64Type>()
            .ok_or_else(|| state_mismatch("the eviction times are not bigint"))?;
        if self.event_time_key.is_some() {
            self.group_times.resize(groups, i64::MAX);
            for (row, &id) in ids.iter().enumerate() {
                self.group_times[id as usize] = times.value(row);
            }
        }
        let mut next = keys + 1;
        for aggregate in &mut self.aggregates {
            let width = aggregate.state.state_width();
            aggregate
                .state
                .restore(&ids, &upserts.columns()[next..next + width], groups)
                .map_err(|e| state_mismatch(&e.to_string()))?;
            next += width;
        }
        if removals.num_rows() > 0 {
            self.table
                .intern(&removals.columns()[..keys], &mut ids, &mut created)
                .map_err(|e| state_mismatch(&e.to_string()))?;
            // Keys a delta removes that were never restored get new groups at the end, which
            // go again at once; per-group states shorter than the table keep theirs.
            let groups = self.table.len();
            let mut keep = vec![true; groups];
            for &id in &ids {
                keep[id as usize] = false;
            }
            self.remove_groups(&keep);
        }
        Ok(())
    }

    fn memory_bytes(&self) -> u64 {
        let states: usize = self.aggregates.iter().map(|a| a.state.memory_bytes()).sum();
        (self.table.memory_bytes() + states + self.group_times.capacity() * 8) as u64
    }
}

fn not_an_aggregate(expr: &Expr) -> ExprError {
    ExprError::Unsupported(format!(
        "{} in agg(...): each column must be an aggregate function such as sum(...), optionally aliased",
        expr.output_name()
    ))
}

/// `values[i]` for the `i` where `keep[i] == wanted`.
fn filter_by<T: Copy>(values: &[T], keep: &[bool], wanted: bool) -> Vec<T> {
    values
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k == wanted)
        .map(|(v, _)| *v)
        .collect()
}

/// The constant key of a global aggregation's one group, for `rows` rows.
fn global_key(rows: usize) -> ArrayRef {
    Arc::new(arrow::array::BooleanArray::from(vec![true; rows]))
}

/// The selected rows of `array` (all of them when `selected` is `None`).
fn pick_rows(array: &ArrayRef, selected: Option<&[u32]>) -> Result<ArrayRef> {
    match selected {
        None => Ok(array.clone()),
        Some(rows) => Ok(take(
            array.as_ref(),
            &UInt32Array::from(rows.to_vec()),
            None,
        )?),
    }
}

/// The `window` struct column `{start, end}` from window starts.
fn window_struct(starts: &ArrayRef, size: i64) -> Result<ArrayRef> {
    let starts = starts.as_primitive::<TimestampMicrosecondType>();
    let ends: TimestampMicrosecondArray = starts.unary(|s| s.wrapping_add(size));
    let fields = match TimeWindow::data_type() {
        DataType::Struct(fields) => fields,
        _ => Fields::empty(),
    };
    Ok(Arc::new(StructArray::try_new(
        fields,
        vec![
            Arc::new(starts.clone()) as ArrayRef,
            Arc::new(ends.with_timezone("UTC")),
        ],
        None,
    )?))
}

/// A checkpointed state of the wrong shape.
fn state_mismatch(reason: &str) -> Error {
    Error::IllegalArgument(format!(
        "the checkpointed state of the aggregation does not fit this query: {reason}"
    ))
}

impl Operator for StreamingAggregate {
    fn name(&self) -> &str {
        "stateStoreSave"
    }

    fn is_stateful(&self) -> bool {
        true
    }

    /// Batches in the layout of [`StreamingAggregate::state_columns`]: every group (full),
    /// or the groups changed since the last checkpoint, then a batch of the keys removed by
    /// each eviction since, flagged, with NULL state (delta).
    fn checkpoint(&mut self, full: bool) -> Result<StateCheckpoint> {
        let changed = self.changed.take();
        let groups: Vec<u32> = match full {
            true => (0..self.table.len() as u32).collect(),
            false => changed,
        };
        let columns = self.state_columns(&groups)?;
        let removed = std::mem::take(&mut self.removed_keys);
        let removed: Vec<(Vec<ArrayRef>, usize)> = match full {
            true => Vec::new(),
            false => removed
                .into_iter()
                .map(|keys| {
                    let count = keys.first().map_or(0, |k| k.len());
                    let mut columns_of_removed: Vec<ArrayRef> = keys;
                    for column in &columns[columns_of_removed.len()..columns.len() - 1] {
                        columns_of_removed
                            .push(arrow::array::new_null_array(column.data_type(), count));
                    }
                    columns_of_removed.push(removed_flags(count, true));
                    (columns_of_removed, count)
                })
                .collect(),
        };
        let mut batches = vec![(columns, groups.len())];
        batches.extend(removed);
        StateCheckpoint::of_column_sets(full, batches)
    }

    fn restore(&mut self, state: StateCheckpoint) -> Result<()> {
        let batches = match state {
            StateCheckpoint::Full(batches) => {
                if self.table.len() > 0 {
                    return Err(state_mismatch("a full snapshot over existing state"));
                }
                batches
            }
            StateCheckpoint::Delta(batches) => batches,
        };
        for batch in &batches {
            self.apply_checkpoint(batch)?;
        }
        self.touched.resize(self.table.len(), false);
        self.changed.clear();
        Ok(())
    }

    fn on_data(&mut self, _port: usize, batch: RecordBatch, out: &mut Output) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let start = Instant::now();
        let result = self.process(&batch);
        self.counts.updates_time += start.elapsed();
        result?;
        if self.mode == EmitMode::UpdateOnArrival {
            let groups = self.last_batch_groups();
            if !groups.is_empty() {
                out.emit(self.rows_of(&groups)?);
            }
        }
        Ok(())
    }

    fn on_watermark(&mut self, watermarks: &Watermarks, _out: &mut Output) -> Result<()> {
        self.watermarks = Some(*watermarks);
        // Its expressions' `current_timestamp()` is this epoch's.
        self.context.batch_timestamp_ms = Some(watermarks.batch_timestamp_ms);
        Ok(())
    }

    fn needs_no_data_epochs(&self) -> bool {
        self.mode != EmitMode::Complete
    }

    fn on_epoch_end(&mut self, epoch: u64, out: &mut Output) -> Result<EpochReport> {
        self.changed.mark(&self.touched_groups, self.table.len());
        if std::mem::take(&mut self.late_rows_sent) {
            if let Some(sink) = self.late_rows.as_mut() {
                sink.commit(epoch)?;
            }
        }
        let updated = self.touched_groups.len() as u64;
        let removal_start = Instant::now();
        let mut removed = 0;
        match self.mode {
            EmitMode::Complete => {
                let all: Vec<u32> = (0..self.table.len() as u32).collect();
                out.emit(self.rows_of(&all)?);
            }
            EmitMode::Update | EmitMode::UpdateOnArrival => {
                if self.mode == EmitMode::Update {
                    out.emit(self.rows_of(&self.touched_groups)?);
                }
                if let Some((_, evict)) = self.watermarks_micros() {
                    removed = self.evict(evict, false)?.1;
                }
            }
            EmitMode::Append => {
                if let Some((_, evict)) = self.watermarks_micros() {
                    let (rows, count) = self.evict(evict, true)?;
                    removed = count;
                    if let Some(rows) = rows {
                        out.emit(rows);
                    }
                }
            }
        }
        let removals_time = removal_start.elapsed();
        self.touched.clear();
        self.touched_groups.clear();
        let counts = std::mem::take(&mut self.counts);
        let state = StateOperatorProgress {
            operator_name: "stateStoreSave".into(),
            num_rows_total: self.table.len() as u64,
            num_rows_updated: updated,
            all_updates_time_ms: counts.updates_time.as_millis() as u64,
            num_rows_removed: removed,
            all_removals_time_ms: removals_time.as_millis() as u64,
            commit_time_ms: 0,
            memory_used_bytes: self.memory_bytes(),
            num_rows_dropped_by_watermark: self.table.take_late_count() as u64,
            // One partition's view; the query's partitions are applied to it.
            num_shuffle_partitions: 1,
            num_state_store_instances: 1,
            custom_metrics: Default::default(),
            single_partition: self.keys.is_empty(),
        };
        Ok(EpochReport {
            state: Some(state),
            ..Default::default()
        })
    }
}
