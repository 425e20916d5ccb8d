//! What a stream-stream join condition says (SEMANTICS.md §8.1–8.2): the equality keys, the
//! conditions on one side only, the rest, and how long each side's rows can still match.
//!
//! The condition refers to the columns of the two inputs by the names [`left_name`] and
//! [`right_name`] give them (the facade rewrites the user's names, qualified or not).

use crate::expr::{BinaryOp, Expr, Literal};

/// The condition's name for column `i` of the left input.
pub fn left_name(i: usize) -> String {
    format!("_l{i}")
}

/// The condition's name for column `i` of the right input.
pub fn right_name(i: usize) -> String {
    format!("_r{i}")
}

/// Which input a column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The left input (port 0).
    Left,
    /// The right input (port 1).
    Right,
}

impl Side {
    /// The other input.
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

/// A column reference `(side, index)` from a condition name.
fn column_of(name: &str) -> Option<(Side, usize)> {
    let (side, index) = if let Some(i) = name.strip_prefix("_l") {
        (Side::Left, i)
    } else {
        (Side::Right, name.strip_prefix("_r")?)
    };
    Some((side, index.parse().ok()?))
}

/// The sides an expression reads.
fn sides(expr: &Expr) -> (bool, bool) {
    expr.columns()
        .iter()
        .filter_map(|c| column_of(c))
        .fold((false, false), |(l, r), (side, _)| {
            (l || side == Side::Left, r || side == Side::Right)
        })
}

/// `S.t <= O.t + offset` style bound: a row of `side` with time column `column` can only
/// match rows of the other side whose watermarked time is at most `S.t + offset` (µs), or
/// strictly less when `strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeBound {
    /// The side whose rows the bound lets go.
    pub side: Side,
    /// The time column of that side the bound is on.
    pub column: usize,
    /// The other side's time column in the bound.
    pub other_column: usize,
    /// `c` in `other.t ≤ side.t + c`, µs.
    pub offset: i64,
    /// `<` rather than `<=`.
    pub strict: bool,
}

impl RangeBound {
    /// The state watermark (ms) under which rows of `side` can no longer match, given the
    /// eviction watermark `watermark_ms` (SEMANTICS.md §8.2: future rows of the other side
    /// are at or after the watermark; a non-strict bound subtracts one more millisecond).
    pub fn state_watermark_ms(&self, watermark_ms: i64) -> i64 {
        let offset_ms = self.offset.div_euclid(1000);
        watermark_ms - offset_ms - i64::from(!self.strict)
    }
}

/// The parts of a join condition.
#[derive(Debug, Clone, Default)]
pub struct JoinCondition {
    /// Equality keys `(left column, right column)`.
    pub keys: Vec<(usize, usize)>,
    /// Conjuncts on the left input only.
    pub left_only: Vec<Expr>,
    /// Conjuncts on the right input only.
    pub right_only: Vec<Expr>,
    /// Conjuncts on both inputs (checked on every candidate pair).
    pub both: Vec<Expr>,
    /// Time bounds found among `both`.
    pub bounds: Vec<RangeBound>,
}

/// `column + offset` (µs) when `e` is a column, or a column plus or minus an interval
/// (`None` also when the offsets pass the range of `long`: no bound is drawn from it).
fn linear(e: &Expr) -> Option<((Side, usize), i64)> {
    match e {
        Expr::Column(name) => Some((column_of(name)?, 0)),
        Expr::Binary { op, left, right } => {
            let interval = |e: &Expr| match e {
                Expr::Literal(Literal::Interval(micros)) => Some(*micros),
                _ => None,
            };
            match (
                op,
                linear(left),
                interval(right),
                interval(left),
                linear(right),
            ) {
                (BinaryOp::Add, Some((c, o)), Some(i), _, _) => Some((c, o.checked_add(i)?)),
                (BinaryOp::Sub, Some((c, o)), Some(i), _, _) => Some((c, o.checked_sub(i)?)),
                (BinaryOp::Add, _, _, Some(i), Some((c, o))) => Some((c, o.checked_add(i)?)),
                _ => None,
            }
        }
        Expr::Alias(inner, _) => linear(inner),
        _ => None,
    }
}

/// The bounds one comparison `a op b` gives, for each side whose rows it lets go.
fn bounds_of(op: BinaryOp, a: &Expr, b: &Expr) -> Vec<RangeBound> {
    let (Some(((sa, ca), oa)), Some(((sb, cb), ob))) = (linear(a), linear(b)) else {
        return Vec::new();
    };
    if sa == sb {
        return Vec::new();
    }
    // Normalise to `x.t + ox  <(=)  y.t + oy`.
    let (x, y, strict) = match op {
        BinaryOp::Lt => (((sa, ca), oa), ((sb, cb), ob), true),
        BinaryOp::LtEq => (((sa, ca), oa), ((sb, cb), ob), false),
        BinaryOp::Gt => (((sb, cb), ob), ((sa, ca), oa), true),
        BinaryOp::GtEq => (((sb, cb), ob), ((sa, ca), oa), false),
        _ => return Vec::new(),
    };
    let (((xs, xc), ox), ((_, yc), oy)) = (x, y);
    let Some(offset) = oy.checked_sub(ox) else {
        return Vec::new();
    };
    // `x.t < y.t + (oy - ox)`: an upper bound on x in terms of y — it lets y's rows go.
    vec![RangeBound {
        side: xs.other(),
        column: yc,
        other_column: xc,
        offset,
        strict,
    }]
}

impl JoinCondition {
    /// Splits `condition` (over [`left_name`]/[`right_name`] columns) into its parts.
    pub fn analyse(condition: Option<&Expr>) -> JoinCondition {
        let parts = condition.map(Expr::conjuncts).unwrap_or_default();
        let mut result = JoinCondition::default();
        for part in parts {
            if let Expr::Binary {
                op: BinaryOp::Eq,
                left,
                right,
            } = &part
            {
                if let (Expr::Column(a), Expr::Column(b)) = (left.as_ref(), right.as_ref()) {
                    match (column_of(a), column_of(b)) {
                        (Some((Side::Left, l)), Some((Side::Right, r)))
                        | (Some((Side::Right, r)), Some((Side::Left, l))) => {
                            result.keys.push((l, r));
                            continue;
                        }
                        _ => {}
                    }
                }
            }
            match sides(&part) {
                (true, false) => result.left_only.push(part),
                (false, true) => result.right_only.push(part),
                _ => {
                    if let Expr::Binary { op, left, right } = &part {
                        result.bounds.extend(bounds_of(*op, left, right));
                    }
                    result.both.push(part);
                }
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{col, interval};

    #[test]
    fn the_lab_condition_has_a_key_and_bounds_for_both_sides() {
        // id = id2 AND s1.t >= s2.t - 5 min AND s1.t <= s2.t + 5 min, left t = 3, right t = 2.
        let five = || interval("5 minutes").unwrap();
        let condition = col("_l0")
            .eq(col("_r0"))
            .and(col("_l3").gt_eq(col("_r2") - five()))
            .and(col("_l3").lt_eq(col("_r2") + five()));
        let parts = JoinCondition::analyse(Some(&condition));
        assert_eq!(parts.keys, [(0, 0)]);
        assert_eq!(parts.both.len(), 2);
        let minutes = 60_000_000;
        // l.t >= r.t - 5 min  ⇔  r.t <= l.t + 5 min: lets left rows go.
        assert!(parts.bounds.contains(&RangeBound {
            side: Side::Left,
            column: 3,
            other_column: 2,
            offset: 5 * minutes,
            strict: false
        }));
        // l.t <= r.t + 5 min: lets right rows go.
        assert!(parts.bounds.contains(&RangeBound {
            side: Side::Right,
            column: 2,
            other_column: 3,
            offset: 5 * minutes,
            strict: false
        }));
    }

    #[test]
    fn state_watermarks_follow_semantics_8_2() {
        // clickTime >= impTime AND clickTime <= impTime + 5 min; left = impressions (t 1),
        // right = clicks (t 1).
        let condition = col("_r1")
            .gt_eq(col("_l1"))
            .and(col("_r1").lt_eq(col("_l1") + interval("5 minutes").unwrap()));
        let parts = JoinCondition::analyse(Some(&condition));
        let watermark = 1_000_000_000;
        let of = |side| {
            parts
                .bounds
                .iter()
                .filter(|b| b.side == side)
                .map(|b| b.state_watermark_ms(watermark))
                .max()
        };
        assert_eq!(of(Side::Left), Some(watermark - 300_000 - 1));
        assert_eq!(of(Side::Right), Some(watermark - 1));
        let one_sided = JoinCondition::analyse(Some(&col("_l0").gt(col("_l1"))));
        assert_eq!(one_sided.left_only.len(), 1);
        assert!(one_sided.bounds.is_empty());
    }

    #[test]
    fn offsets_past_the_range_of_long_give_no_bound() {
        let far = || interval("60000000 days").unwrap();
        let condition = col("_l1").lt_eq(col("_r1") + far() + far());
        let parts = JoinCondition::analyse(Some(&condition));
        assert_eq!(parts.both.len(), 1);
        assert!(parts.bounds.is_empty());
        let condition = (col("_l1") - far()).lt_eq(col("_r1") + far());
        assert!(JoinCondition::analyse(Some(&condition)).bounds.is_empty());
    }
}
