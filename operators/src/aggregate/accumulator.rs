//! Accumulators: one aggregate function's state for every group, in vectors indexed by group
//! id, updated a whole batch at a time (the type is chosen once, never per row).

use super::function::AggregateFunction;
use super::hll::{spark_xxhash64, HllSketch, DEFAULT_RELATIVE_SD, SPARK_HLL_SEED};
use crate::expr::ExprError;
use crate::groups::{gather_primitive, retain_by};
use ahash::RandomState;
use arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray, Int64Array, ListBuilder, PrimitiveArray,
    StringArray,
};
use arrow::compute::cast;
use arrow::datatypes::{
    ArrowNativeTypeOp, ArrowPrimitiveType, DataType, Date32Type, Float32Type, Float64Type,
    Int16Type, Int32Type, Int64Type, Int8Type, TimeUnit, TimestampMicrosecondType,
};
use arrow::row::{RowConverter, SortField};
use std::sync::Arc;

/// One aggregate function's state for every group.
pub(crate) trait Accumulator: Send + Sync {
    /// Folds, for each `i`, the value at row `rows[i]` of `values` (row `i` when `rows` is
    /// `None`) into group `groups[i]`; the table now has `num_groups` groups.
    fn update(
        &mut self,
        groups: &[u32],
        values: &ArrayRef,
        rows: Option<&[u32]>,
        num_groups: usize,
    ) -> Result<(), ExprError>;

    /// The result of each of `groups`, in that order.
    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, ExprError>;

    /// Keeps the groups where `keep[id]` (the group table renumbers them the same way).
    fn retain(&mut self, keep: &[bool]);

    /// Bytes held.
    fn memory_bytes(&self) -> usize;

    /// The state of `groups`, as `state_width()` columns (for checkpoints).
    fn state(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ExprError>;

    /// How many columns [`Accumulator::state`] returns.
    fn state_width(&self) -> usize;

    /// Sets group `ids[i]` to row `i` of `columns` (from [`Accumulator::state`]); the table
    /// now has `num_groups` groups.
    fn restore(
        &mut self,
        ids: &[u32],
        columns: &[ArrayRef],
        num_groups: usize,
    ) -> Result<(), ExprError>;
}

/// A state column of an unexpected type in a checkpoint.
fn bad_state(what: &str) -> ExprError {
    ExprError::Arrow(arrow::error::ArrowError::InvalidArgumentError(format!(
        "the checkpointed state of {what} has unexpected columns"
    )))
}

/// Column `i` of `columns` as a primitive array of `T`.
pub(super) fn state_column<'a, T: ArrowPrimitiveType>(
    columns: &'a [ArrayRef],
    i: usize,
    what: &str,
) -> Result<&'a PrimitiveArray<T>, ExprError> {
    columns
        .get(i)
        .and_then(|c| c.as_primitive_opt::<T>())
        .ok_or_else(|| bad_state(what))
}

/// The `chosen` flags of `groups`, as a state column.
fn chosen_column(chosen: &[bool], groups: &[u32]) -> ArrayRef {
    Arc::new(BooleanArray::from_iter(
        groups.iter().map(|&g| Some(chosen[g as usize])),
    ))
}

/// Column `i` of `columns` as booleans.
fn bool_column(columns: &[ArrayRef], i: usize, what: &str) -> Result<Vec<bool>, ExprError> {
    let column = columns
        .get(i)
        .and_then(|c| c.as_boolean_opt())
        .ok_or_else(|| bad_state(what))?;
    Ok(column.values().iter().collect())
}

/// The accumulator of `function` over arguments of type `input`.
pub(crate) fn accumulator(
    function: AggregateFunction,
    input: &DataType,
    ansi: bool,
) -> Result<Box<dyn Accumulator>, ExprError> {
    use AggregateFunction as F;
    Ok(match function {
        F::Count => Box::new(Count::default()),
        F::Sum if input.is_integer() => Box::new(SumInt {
            ansi,
            ..SumInt::default()
        }),
        F::Sum => Box::new(SumFloat::default()),
        F::Avg => Box::new(SumFloat {
            average: true,
            ..SumFloat::default()
        }),
        F::Min => pick(Pick::Min, input)?,
        F::Max => pick(Pick::Max, input)?,
        F::First => pick(Pick::First, input)?,
        F::Last => pick(Pick::Last, input)?,
        F::CountDistinct => Box::new(CountDistinct::new(input)?),
        F::Moment(moment) => Box::new(super::moments::Moments::new(moment)),
        F::ApproxCountDistinct => Box::new(ApproxCountDistinct::default()),
    })
}

/// An argument arrived with another type than the query was analysed with.
fn type_changed(expected: &DataType, actual: &DataType) -> ExprError {
    ExprError::Arrow(arrow::error::ArrowError::InvalidArgumentError(format!(
        "aggregate argument of type {actual}, expected {expected}"
    )))
}

/// Calls `f(group, row)` for each `(groups[i], rows[i])` (row `i` without `rows`): one
/// tight loop per case, no per-row branching on the selection.
pub(super) fn for_each(groups: &[u32], rows: Option<&[u32]>, mut f: impl FnMut(usize, usize)) {
    match rows {
        None => {
            for (row, &group) in groups.iter().enumerate() {
                f(group as usize, row);
            }
        }
        Some(rows) => {
            for (&group, &row) in groups.iter().zip(rows) {
                f(group as usize, row as usize);
            }
        }
    }
}

/// Like [`for_each`], for a fallible `f`.
fn try_for_each<E>(
    groups: &[u32],
    rows: Option<&[u32]>,
    mut f: impl FnMut(usize, usize) -> Result<(), E>,
) -> Result<(), E> {
    match rows {
        None => groups
            .iter()
            .enumerate()
            .try_for_each(|(row, &group)| f(group as usize, row)),
        Some(rows) => groups
            .iter()
            .zip(rows)
            .try_for_each(|(&group, &row)| f(group as usize, row as usize)),
    }
}

pub(super) fn grow<T: Clone>(values: &mut Vec<T>, len: usize, fill: T) {
    if values.len() < len {
        values.resize(len, fill);
    }
}

/// `count(e)`: non-NULL values per group.
#[derive(Default)]
struct Count {
    counts: Vec<i64>,
}

impl Accumulator for Count {
    fn update(
        &mut self,
        groups: &[u32],
        values: &ArrayRef,
        rows: Option<&[u32]>,
        n: usize,
    ) -> Result<(), ExprError> {
        grow(&mut self.counts, n, 0);
        let counts = &mut self.counts;
        match values.logical_nulls() {
            None => groups.iter().for_each(|&g| counts[g as usize] += 1),
            Some(nulls) => for_each(groups, rows, |g, row| {
                counts[g] += i64::from(nulls.is_valid(row));
            }),
        }
        Ok(())
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, ExprError> {
        Ok(Arc::new(Int64Array::from_iter_values(
            groups.iter().map(|&g| self.counts[g as usize]),
        )))
    }

    fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.counts, keep);
    }

    fn memory_bytes(&self) -> usize {
        self.counts.capacity() * 8
    }

    fn state(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ExprError> {
        Ok(vec![self.evaluate(groups)?])
    }

    fn state_width(&self) -> usize {
        1
    }

    fn restore(&mut self, ids: &[u32], columns: &[ArrayRef], n: usize) -> Result<(), ExprError> {
        grow(&mut self.counts, n, 0);
        let counts = state_column::<Int64Type>(columns, 0, "count")?;
        for (row, &id) in ids.iter().enumerate() {
            self.counts[id as usize] = counts.value(row);
        }
        Ok(())
    }
}

/// `sum` of integral values, as a `bigint` (overflow fails under ANSI, wraps otherwise).
#[derive(Default)]
struct SumInt {
    sums: Vec<i64>,
    seen: Vec<bool>,
    ansi: bool,
}

impl Accumulator for SumInt {
    fn update(
        &mut self,
        groups: &[u32],
        values: &ArrayRef,
        rows: Option<&[u32]>,
        n: usize,
    ) -> Result<(), ExprError> {
        grow(&mut self.sums, n, 0);
        grow(&mut self.seen, n, false);
        let values = cast(values, &DataType::Int64)?;
        let values = values.as_primitive::<Int64Type>();
        let (sums, seen, ansi) = (&mut self.sums, &mut self.seen, self.ansi);
        try_for_each(groups, rows, |g, row| {
            if values.is_valid(row) {
                let v = values.value(row);
                sums[g] = if ansi {
                    sums[g]
                        .checked_add(v)
                        .ok_or_else(|| ExprError::ArithmeticOverflow {
                            function: Some("try_sum".into()),
                        })?
                } else {
                    sums[g].wrapping_add(v)
                };
                seen[g] = true;
            }
            Ok(())
        })
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, ExprError> {
        Ok(Arc::new(gather_primitive::<Int64Type>(
            groups,
            |g| self.sums[g],
            |g| self.seen[g],
        )))
    }

    fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.sums, keep);
        retain_by(&mut self.seen, keep);
    }

    fn memory_bytes(&self) -> usize {
        self.sums.capacity() * 9
    }

    fn state(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ExprError> {
        Ok(vec![self.evaluate(groups)?])
    }

    fn state_width(&self) -> usize {
        1
    }

    fn restore(&mut self, ids: &[u32], columns: &[ArrayRef], n: usize) -> Result<(), ExprError> {
        grow(&mut self.sums, n, 0);
        grow(&mut self.seen, n, false);
        let sums = state_column::<Int64Type>(columns, 0, "sum")?;
        for (row, &id) in ids.iter().enumerate() {
            self.sums[id as usize] = sums.value(row);
            self.seen[id as usize] = sums.is_valid(row);
        }
        Ok(())
    }
}

/// `sum` of fractional values, or `avg` of any numbers, in `double`.
#[derive(Default)]
struct SumFloat {
    /// Each group's sum and count of non-NULL values, side by side (one place per update).
    totals: Vec<(f64, i64)>,
    average: bool,
}

impl Accumulator for SumFloat {
    fn update(
        &mut self,
        groups: &[u32],
        values: &ArrayRef,
        rows: Option<&[u32]>,
        n: usize,
    ) -> Result<(), ExprError> {
        grow(&mut self.totals, n, (0.0, 0));
        let values = cast(values, &DataType::Float64)?;
        let values = values.as_primitive::<Float64Type>();
        let totals = &mut self.totals;
        match values.nulls() {
            None => {
                let values = values.values();
                for_each(groups, rows, |g, row| {
                    let (sum, count) = &mut totals[g];
                    *sum += values[row];
                    *count += 1;
                });
            }
            Some(nulls) => for_each(groups, rows, |g, row| {
                if nulls.is_valid(row) {
                    let (sum, count) = &mut totals[g];
                    *sum += values.value(row);
                    *count += 1;
                }
            }),
        }
        Ok(())
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, ExprError> {
        let value = |g: usize| {
            let (sum, count) = self.totals[g];
            match self.average {
                true => sum / count as f64,
                false => sum,
            }
        };
        Ok(Arc::new(gather_primitive::<Float64Type>(
            groups,
            value,
            |g| self.totals[g].1 != 0,
        )))
    }

    fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.totals, keep);
    }

    fn memory_bytes(&self) -> usize {
        self.totals.capacity() * size_of::<(f64, i64)>()
    }

    fn state(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ExprError> {
        Ok(vec![
            Arc::new(PrimitiveArray::<Float64Type>::from_iter_values(
                groups.iter().map(|&g| self.totals[g as usize].0),
            )),
            Arc::new(Int64Array::from_iter_values(
                groups.iter().map(|&g| self.totals[g as usize].1),
            )),
        ])
    }

    fn state_width(&self) -> usize {
        2
    }

    fn restore(&mut self, ids: &[u32], columns: &[ArrayRef], n: usize) -> Result<(), ExprError> {
        grow(&mut self.totals, n, (0.0, 0));
        let sums = state_column::<Float64Type>(columns, 0, "sum/avg")?;
        let counts = state_column::<Int64Type>(columns, 1, "sum/avg")?;
        for (row, &id) in ids.iter().enumerate() {
            self.totals[id as usize] = (sums.value(row), counts.value(row));
        }
        Ok(())
    }
}

/// Which value `min`/`max`/`first`/`last` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Min,
    Max,
    First,
    Last,
}

impl Pick {
    /// Whether `candidate` (valid: `is_valid`) replaces the group's current choice.
    fn replaces<T: PartialOrd + ?Sized>(
        self,
        chosen: bool,
        current: Option<&T>,
        candidate: &T,
        is_valid: bool,
    ) -> bool {
        match self {
            Pick::First => !chosen,
            Pick::Last => true,
            Pick::Min => is_valid && current.is_none_or(|c| candidate < c),
            Pick::Max => is_valid && current.is_none_or(|c| candidate > c),
        }
    }
}

fn pick(kind: Pick, input: &DataType) -> Result<Box<dyn Accumulator>, ExprError> {
    fn primitive<T: ArrowPrimitiveType>(kind: Pick, input: &DataType) -> Box<dyn Accumulator> {
        Box::new(PickPrimitive::<T> {
            kind,
            data_type: input.clone(),
            values: Vec::new(),
            valid: Vec::new(),
            chosen: Vec::new(),
        })
    }
    Ok(match input {
        DataType::Int8 => primitive::<Int8Type>(kind, input),
        DataType::Int16 => primitive::<Int16Type>(kind, input),
        DataType::Int32 => primitive::<Int32Type>(kind, input),
        DataType::Int64 => primitive::<Int64Type>(kind, input),
        DataType::Float32 => primitive::<Float32Type>(kind, input),
        DataType::Float64 => primitive::<Float64Type>(kind, input),
        DataType::Date32 => primitive::<Date32Type>(kind, input),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            primitive::<TimestampMicrosecondType>(kind, input)
        }
        DataType::Utf8 => Box::new(PickString {
            kind,
            values: Vec::new(),
            chosen: Vec::new(),
        }),
        other => {
            return Err(ExprError::Unsupported(format!(
                "{kind:?} over {}",
                spate_runtime::types::spark_type_name(other)
            )))
        }
    })
}

/// `min`/`max`/`first`/`last` over a primitive type.
struct PickPrimitive<T: ArrowPrimitiveType> {
    kind: Pick,
    data_type: DataType,
    values: Vec<T::Native>,
    valid: Vec<bool>,
    /// A value (possibly NULL, for first/last) was chosen.
    chosen: Vec<bool>,
}

/// Orders native values the way Spark does (NaN above every number).
#[derive(PartialEq)]
struct Ordered<N>(N);

impl<N: ArrowNativeTypeOp> PartialOrd for Ordered<N> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.0.compare(other.0))
    }
}

impl<T: ArrowPrimitiveType> Accumulator for PickPrimitive<T> {
    fn update(
        &mut self,
        groups: &[u32],
        values: &ArrayRef,
        rows: Option<&[u32]>,
        n: usize,
    ) -> Result<(), ExprError> {
        grow(&mut self.values, n, T::Native::default());
        grow(&mut self.valid, n, false);
        grow(&mut self.chosen, n, false);
        let values = values
            .as_primitive_opt::<T>()
            .ok_or_else(|| type_changed(&self.data_type, values.data_type()))?;
        for_each(groups, rows, |g, row| {
            let (candidate, is_valid) = (Ordered(values.value(row)), values.is_valid(row));
            let current = self.valid[g].then_some(Ordered(self.values[g]));
            if self
                .kind
                .replaces(self.chosen[g], current.as_ref(), &candidate, is_valid)
            {
                self.values[g] = candidate.0;
                self.valid[g] = is_valid;
                self.chosen[g] = true;
            }
        });
        Ok(())
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, ExprError> {
        let array = gather_primitive::<T>(groups, |g| self.values[g], |g| self.valid[g]);
        Ok(Arc::new(array.with_data_type(self.data_type.clone())))
    }

    fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.values, keep);
        retain_by(&mut self.valid, keep);
        retain_by(&mut self.chosen, keep);
    }

    fn memory_bytes(&self) -> usize {
        self.values.capacity() * (std::mem::size_of::<T::Native>() + 2)
    }

    fn state(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ExprError> {
        Ok(vec![
            self.evaluate(groups)?,
            chosen_column(&self.chosen, groups),
        ])
    }

    fn state_width(&self) -> usize {
        2
    }

    fn restore(&mut self, ids: &[u32], columns: &[ArrayRef], n: usize) -> Result<(), ExprError> {
        grow(&mut self.values, n, T::Native::default());
        grow(&mut self.valid, n, false);
        grow(&mut self.chosen, n, false);
        let values = state_column::<T>(columns, 0, "min/max/first/last")?;
        let chosen = bool_column(columns, 1, "min/max/first/last")?;
        for (row, &id) in ids.iter().enumerate() {
            let id = id as usize;
            self.values[id] = values.value(row);
            self.valid[id] = values.is_valid(row);
            self.chosen[id] = chosen[row];
        }
        Ok(())
    }
}

/// `min`/`max`/`first`/`last` over strings.
struct PickString {
    kind: Pick,
    values: Vec<Option<String>>,
    chosen: Vec<bool>,
}

impl Accumulator for PickString {
    fn update(
        &mut self,
        groups: &[u32],
        values: &ArrayRef,
        rows: Option<&[u32]>,
        n: usize,
    ) -> Result<(), ExprError> {
        grow(&mut self.values, n, None);
        grow(&mut self.chosen, n, false);
        let values = values
            .as_string_opt::<i32>()
            .ok_or_else(|| type_changed(&DataType::Utf8, values.data_type()))?;
        for_each(groups, rows, |g, row| {
            let (candidate, is_valid) = (values.value(row), values.is_valid(row));
            let current = self.values[g].as_deref();
            if self
                .kind
                .replaces(self.chosen[g], current, candidate, is_valid)
            {
                self.chosen[g] = true;
                match (&mut self.values[g], is_valid) {
                    (_, false) => self.values[g] = None,
                    (Some(slot), true) => {
                        slot.clear();
                        slot.push_str(candidate);
                    }
                    (slot, true) => *slot = Some(candidate.to_string()),
                }
            }
        });
        Ok(())
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, ExprError> {
        Ok(Arc::new(StringArray::from_iter(
            groups.iter().map(|&g| self.values[g as usize].as_deref()),
        )))
    }

    fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.values, keep);
        retain_by(&mut self.chosen, keep);
    }

    fn memory_bytes(&self) -> usize {
        self.values
            .iter()
            .map(|v| 24 + v.as_ref().map_or(0, String::capacity))
            .sum()
    }

    fn state(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ExprError> {
        Ok(vec![
            self.evaluate(groups)?,
            chosen_column(&self.chosen, groups),
        ])
    }

    fn state_width(&self) -> usize {
        2
    }

    fn restore(&mut self, ids: &[u32], columns: &[ArrayRef], n: usize) -> Result<(), ExprError> {
        grow(&mut self.values, n, None);
        grow(&mut self.chosen, n, false);
        let values = columns
            .first()
            .and_then(|c| c.as_string_opt::<i32>())
            .ok_or_else(|| bad_state("min/max/first/last"))?;
        let chosen = bool_column(columns, 1, "min/max/first/last")?;
        for (row, &id) in ids.iter().enumerate() {
            let id = id as usize;
            self.values[id] = values.is_valid(row).then(|| values.value(row).to_string());
            self.chosen[id] = chosen[row];
        }
        Ok(())
    }
}

/// Exact `count(DISTINCT e)`: each group's distinct non-NULL values, in Arrow's row format.
struct CountDistinct {
    converter: RowConverter,
    sets: Vec<hashbrown::HashSet<Box<[u8]>, RandomState>>,
    bytes: usize,
}

impl CountDistinct {
    fn new(input: &DataType) -> Result<Self, ExprError> {
        Ok(CountDistinct {
            converter: RowConverter::new(vec![SortField::new(input.clone())])?,
            sets: Vec::new(),
            bytes: 0,
        })
    }
}

impl Accumulator for CountDistinct {
    fn update(
        &mut self,
        groups: &[u32],
        values: &ArrayRef,
        rows: Option<&[u32]>,
        n: usize,
    ) -> Result<(), ExprError> {
        if self.sets.len() < n {
            self.sets.resize_with(n, || {
                hashbrown::HashSet::with_hasher(RandomState::with_seeds(1, 2, 3, 4))
            });
        }
        let encoded = self
            .converter
            .convert_columns(std::slice::from_ref(values))?;
        let nulls = values.logical_nulls();
        let (sets, bytes) = (&mut self.sets, &mut self.bytes);
        for_each(groups, rows, |g, row| {
            if nulls.as_ref().is_some_and(|n| n.is_null(row)) {
                return;
            }
            let value = encoded.row(row).data();
            let set = &mut sets[g];
            if !set.contains(value) {
                *bytes += value.len() + 24;
                set.insert(value.into());
            }
        });
        Ok(())
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, ExprError> {
        Ok(Arc::new(Int64Array::from_iter_values(
            groups.iter().map(|&g| self.sets[g as usize].len() as i64),
        )))
    }

    fn retain(&mut self, keep: &[bool]) {
        for (set, _) in self.sets.iter().zip(keep).filter(|(_, &k)| !k) {
            self.bytes -= set.iter().map(|v| v.len() + 24).sum::<usize>();
        }
        retain_by(&mut self.sets, keep);
    }

    fn memory_bytes(&self) -> usize {
        self.bytes + self.sets.capacity() * 48
    }

    fn state(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ExprError> {
        let mut lists = ListBuilder::new(BinaryBuilder::new());
        for &g in groups {
            for value in &self.sets[g as usize] {
                lists.values().append_value(value);
            }
            lists.append(true);
        }
        Ok(vec![Arc::new(lists.finish())])
    }

    fn state_width(&self) -> usize {
        1
    }

    fn restore(&mut self, ids: &[u32], columns: &[ArrayRef], n: usize) -> Result<(), ExprError> {
        let lists = columns
            .first()
            .and_then(|c| c.as_list_opt::<i32>())
            .ok_or_else(|| bad_state("count(DISTINCT)"))?;
        if self.sets.len() < n {
            self.sets.resize_with(n, || {
                hashbrown::HashSet::with_hasher(RandomState::with_seeds(1, 2, 3, 4))
            });
        }
        for (row, &id) in ids.iter().enumerate() {
            let values = lists.value(row);
            let values = values
                .as_binary_opt::<i32>()
                .ok_or_else(|| bad_state("count(DISTINCT)"))?;
            let set = &mut self.sets[id as usize];
            self.bytes -= set.iter().map(|v| v.len() + 24).sum::<usize>();
            set.clear();
            for value in values.iter().flatten() {
                self.bytes += value.len() + 24;
                set.insert(Box::from(value));
            }
        }
        Ok(())
    }
}

/// `approx_count_distinct`: a HyperLogLog++ sketch per group, Spark's estimate.
#[derive(Default)]
struct ApproxCountDistinct {
    sketches: Vec<HllSketch>,
    hashes: Vec<Option<u64>>,
}

impl ApproxCountDistinct {
    fn precision() -> u8 {
        HllSketch::precision_for(DEFAULT_RELATIVE_SD).unwrap_or(9)
    }
}

impl Accumulator for ApproxCountDistinct {
    fn update(
        &mut self,
        groups: &[u32],
        values: &ArrayRef,
        rows: Option<&[u32]>,
        n: usize,
    ) -> Result<(), ExprError> {
        if self.sketches.len() < n {
            self.sketches
                .resize_with(n, || HllSketch::new(Self::precision()));
        }
        spark_xxhash64(values.as_ref(), SPARK_HLL_SEED, &mut self.hashes)
            .map_err(|e| ExprError::Unsupported(format!("approx_count_distinct: {e}")))?;
        let (sketches, hashes) = (&mut self.sketches, &self.hashes);
        for_each(groups, rows, |g, row| {
            if let Some(hash) = hashes[row] {
                sketches[g].add_hash(hash);
            }
        });
        Ok(())
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, ExprError> {
        Ok(Arc::new(Int64Array::from_iter_values(
            groups.iter().map(|&g| self.sketches[g as usize].estimate()),
        )))
    }

    fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.sketches, keep);
    }

    fn memory_bytes(&self) -> usize {
        self.sketches.iter().map(HllSketch::memory_bytes).sum()
    }

    fn state(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, ExprError> {
        Ok(vec![Arc::new(arrow::array::BinaryArray::from_iter_values(
            groups
                .iter()
                .map(|&g| self.sketches[g as usize].registers()),
        ))])
    }

    fn state_width(&self) -> usize {
        1
    }

    fn restore(&mut self, ids: &[u32], columns: &[ArrayRef], n: usize) -> Result<(), ExprError> {
        if self.sketches.len() < n {
            self.sketches
                .resize_with(n, || HllSketch::new(Self::precision()));
        }
        let registers = columns
            .first()
            .and_then(|c| c.as_binary_opt::<i32>())
            .ok_or_else(|| bad_state("approx_count_distinct"))?;
        for (row, &id) in ids.iter().enumerate() {
            self.sketches[id as usize] =
                HllSketch::from_registers(Self::precision(), registers.value(row).to_vec())
                    .map_err(|_| bad_state("approx_count_distinct"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int32Array, Int64Array};

    fn run(
        function: AggregateFunction,
        input: ArrayRef,
        groups: &[u32],
        keep: Option<&[bool]>,
    ) -> ArrayRef {
        let mut acc = accumulator(function, input.data_type(), true).unwrap();
        let n = groups.iter().max().map_or(0, |g| *g as usize + 1);
        acc.update(groups, &input, None, n).unwrap();
        let mut ids: Vec<u32> = (0..n as u32).collect();
        if let Some(keep) = keep {
            acc.retain(keep);
            ids.truncate(keep.iter().filter(|k| **k).count());
        }
        acc.evaluate(&ids).unwrap()
    }

    #[test]
    fn each_function_folds_its_groups() {
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![Some(3), None, Some(1), Some(5)]));
        let groups = [0, 0, 1, 1];
        let as_i64 = |a: ArrayRef| a.as_primitive::<Int64Type>().iter().collect::<Vec<_>>();
        let as_i32 = |a: ArrayRef| a.as_primitive::<Int32Type>().iter().collect::<Vec<_>>();
        use AggregateFunction as F;
        assert_eq!(
            as_i64(run(F::Count, ints.clone(), &groups, None)),
            [Some(1), Some(2)]
        );
        assert_eq!(
            as_i64(run(F::Sum, ints.clone(), &groups, None)),
            [Some(3), Some(6)]
        );
        assert_eq!(
            as_i32(run(F::Min, ints.clone(), &groups, None)),
            [Some(3), Some(1)]
        );
        assert_eq!(
            as_i32(run(F::Max, ints.clone(), &groups, None)),
            [Some(3), Some(5)]
        );
        assert_eq!(
            as_i32(run(F::First, ints.clone(), &groups, None)),
            [Some(3), Some(1)]
        );
        assert_eq!(
            as_i32(run(F::Last, ints.clone(), &groups, None)),
            [None, Some(5)]
        );
        let avg = run(F::Avg, ints.clone(), &groups, None);
        assert_eq!(
            avg.as_primitive::<Float64Type>().iter().collect::<Vec<_>>(),
            [Some(3.0), Some(3.0)]
        );
        // Group 0 evicted: group 1 becomes group 0.
        assert_eq!(
            as_i64(run(F::Sum, ints, &groups, Some(&[false, true]))),
            [Some(6)]
        );
    }

    #[test]
    fn sums_of_nothing_are_null_and_overflow_fails_under_ansi() {
        let nulls: ArrayRef = Arc::new(Float64Array::from(vec![None, None]));
        let sum = run(AggregateFunction::Sum, nulls, &[0, 0], None);
        assert!(sum.is_null(0));
        let big: ArrayRef = Arc::new(Int64Array::from(vec![i64::MAX, 1]));
        let mut acc = accumulator(AggregateFunction::Sum, &DataType::Int64, true).unwrap();
        let error = acc.update(&[0, 0], &big, None, 1).unwrap_err();
        assert!(error.to_string().starts_with("[ARITHMETIC_OVERFLOW]"));
        let mut acc = accumulator(AggregateFunction::Sum, &DataType::Int64, false).unwrap();
        acc.update(&[0, 0], &big, None, 1).unwrap();
    }

    #[test]
    fn strings_pick_and_count_distinct() {
        let words: ArrayRef = Arc::new(StringArray::from(vec![
            Some("b"),
            Some("a"),
            None,
            Some("a"),
            Some("c"),
        ]));
        let groups = [0, 0, 0, 0, 1];
        let texts = |a: ArrayRef| {
            a.as_string::<i32>()
                .iter()
                .map(|s| s.map(str::to_string))
                .collect::<Vec<_>>()
        };
        use AggregateFunction as F;
        assert_eq!(
            texts(run(F::Min, words.clone(), &groups, None)),
            [Some("a".into()), Some("c".into())]
        );
        assert_eq!(
            texts(run(F::Last, words.clone(), &groups, None)),
            [Some("a".into()), Some("c".into())]
        );
        let distinct = run(F::CountDistinct, words, &groups, None);
        assert_eq!(
            distinct.as_primitive::<Int64Type>().values().to_vec(),
            [2, 1]
        );
    }

    #[test]
    fn an_integer_sum_that_overflows_fails_under_ansi_and_wraps_otherwise() {
        let values: ArrayRef = Arc::new(Int64Array::from(vec![i64::MAX, 1, 7]));
        let groups = [0, 0, 1];
        let mut ansi = accumulator(AggregateFunction::Sum, &DataType::Int64, true).unwrap();
        let error = ansi.update(&groups, &values, None, 2).unwrap_err();
        assert!(
            matches!(&error, ExprError::ArithmeticOverflow { function: Some(f) } if f == "try_sum"),
            "{error}"
        );
        let mut legacy = accumulator(AggregateFunction::Sum, &DataType::Int64, false).unwrap();
        legacy.update(&groups, &values, None, 2).unwrap();
        let sums = legacy.evaluate(&[0, 1]).unwrap();
        assert_eq!(
            sums.as_primitive::<Int64Type>().values().to_vec(),
            [i64::MIN, 7]
        );
    }
}
