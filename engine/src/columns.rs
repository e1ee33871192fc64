//! Columns and the loops over them: what a script's operators do, one chunk at a time.
//!
//! A [`Num`] holds exact fixed-point numbers (`crate::fixed`), a [`Mask`] true/false, one value
//! per household of a chunk or per member. Operators reuse the buffer of an operand nothing else
//! holds, and buffers come from a per-thread pool, so a chunk's evaluation does not go back to
//! the allocator for every temporary. The inner loops are branch-free so the compiler can
//! vectorise them.
//!
//! This module knows nothing about rhai; `script` registers these functions as operators.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::fixed::{self, SCALE};

/// Which rows a column has: one per household of the chunk, or one per member.
#[derive(Clone, Debug)]
pub enum Level {
    Household,
    /// Member offsets of the chunk's households (`len = households + 1`, starting at 0).
    Person(Arc<[u32]>),
}

impl Level {
    pub fn same(&self, other: &Level) -> bool {
        match (self, other) {
            (Level::Household, Level::Household) => true,
            (Level::Person(a), Level::Person(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Level::Household => "household",
            Level::Person(_) => "person",
        }
    }

    pub fn is_person(&self) -> bool {
        matches!(self, Level::Person(_))
    }
}

/// Element types with a per-thread pool of buffers.
pub trait Pooled: Copy + 'static {
    fn take(capacity: usize) -> Vec<Self>;
    fn give(v: Vec<Self>);
}

/// Buffers kept per thread and type; enough for the temporaries of the largest policy step.
const POOL_LIMIT: usize = 64;

macro_rules! pooled {
    ($t:ty, $pool:ident) => {
        thread_local! {
            static $pool: RefCell<Vec<Vec<$t>>> = const { RefCell::new(Vec::new()) };
        }
        impl Pooled for $t {
            fn take(capacity: usize) -> Vec<$t> {
                let v = $pool.with(|p| p.borrow_mut().pop());
                match v {
                    Some(mut v) => {
                        v.clear();
                        v.reserve(capacity);
                        v
                    }
                    None => Vec::with_capacity(capacity),
                }
            }
            fn give(v: Vec<$t>) {
                if v.capacity() >= 256 {
                    // During thread teardown the pool may be gone; then the buffer is freed.
                    let _ = $pool.try_with(|p| {
                        let mut p = p.borrow_mut();
                        if p.len() < POOL_LIMIT {
                            p.push(v);
                        }
                    });
                }
            }
        }
    };
}

pooled!(i64, NUM_POOL);
pooled!(bool, MASK_POOL);

/// A buffer that returns to its thread's pool when dropped.
#[derive(Debug)]
pub struct Buf<T: Pooled>(Vec<T>);

impl<T: Pooled> Buf<T> {
    pub fn from_iter_exact(len: usize, iter: impl Iterator<Item = T>) -> Buf<T> {
        let mut v = T::take(len);
        v.extend(iter);
        Buf(v)
    }

    pub fn from_slice(s: &[T]) -> Buf<T> {
        let mut v = T::take(s.len());
        v.extend_from_slice(s);
        Buf(v)
    }

    pub fn filled(len: usize, value: T) -> Buf<T> {
        let mut v = T::take(len);
        v.resize(len, value);
        Buf(v)
    }
}

impl<T: Pooled> Drop for Buf<T> {
    fn drop(&mut self) {
        T::give(std::mem::take(&mut self.0));
    }
}

impl<T: Pooled> Deref for Buf<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Pooled> DerefMut for Buf<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

/// A column of exact numbers (fixed-point).
#[derive(Clone, Debug)]
pub struct Num {
    pub level: Level,
    pub data: Arc<Buf<i64>>,
}

/// A column of true/false.
#[derive(Clone, Debug)]
pub struct Mask {
    pub level: Level,
    pub data: Arc<Buf<bool>>,
}

impl Num {
    pub fn new(level: Level, data: Buf<i64>) -> Num {
        Num {
            level,
            data: Arc::new(data),
        }
    }
    pub fn values(&self) -> &[i64] {
        &self.data
    }
}

impl Mask {
    pub fn new(level: Level, data: Buf<bool>) -> Mask {
        Mask {
            level,
            data: Arc::new(data),
        }
    }
    pub fn values(&self) -> &[bool] {
        &self.data
    }
}

/// A number operand: a column, or a scalar in fixed units.
pub enum Operand {
    Col(Num),
    Scalar(i64),
}

/// An error in a column operation, as a sentence.
pub type ColumnResult<T> = Result<T, String>;

fn check_levels(a: &Level, b: &Level, op: &str) -> ColumnResult<()> {
    if a.same(b) {
        Ok(())
    } else {
        Err(format!(
            "`{op}` combines a {} column with a {} column; aggregate the person column first (sum, count, any, all)",
            a.name(),
            b.name()
        ))
    }
}

/// The arithmetic operators.
#[derive(Clone, Copy, Debug)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Max,
    Min,
}

impl Arith {
    pub fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Max => "max",
            Arith::Min => "min",
        }
    }
}

#[inline(always)]
fn add(x: i64, y: i64) -> (i64, bool) {
    let r = x.wrapping_add(y);
    (r, ((x ^ r) & (y ^ r)) < 0)
}

#[inline(always)]
fn sub(x: i64, y: i64) -> (i64, bool) {
    let r = x.wrapping_sub(y);
    (r, ((x ^ y) & (x ^ r)) < 0)
}

#[inline(always)]
fn mul(x: i64, y: i64) -> (i64, bool) {
    match fixed::mul(x, y) {
        Some(v) => (v, false),
        None => (0, true),
    }
}

/// `x × y` where `y` is a whole number in fixed units.
#[inline(always)]
fn mul_whole(x: i64, y: i64) -> (i64, bool) {
    x.overflowing_mul(y / SCALE)
}

fn whole(x: &Num) -> bool {
    x.values().iter().fold(0, |acc, &v| acc | (v % SCALE)) == 0
}

/// `a OP b` element-wise; at least one operand is a column.
pub fn arith(a: Operand, b: Operand, op: Arith) -> ColumnResult<Num> {
    let r = match op {
        Arith::Add => zip_num(a, b, op, add),
        Arith::Sub => zip_num(a, b, op, sub),
        Arith::Mul => match (a, b) {
            // Multiplying by a whole number (a household size, a count) needs no rounding.
            (Operand::Col(x), Operand::Scalar(s)) | (Operand::Scalar(s), Operand::Col(x))
                if s % SCALE == 0 =>
            {
                let k = s / SCALE;
                zip_num(Operand::Col(x), Operand::Scalar(k), op, |v, k| {
                    let (r, o) = v.overflowing_mul(k);
                    (r, o)
                })
            }
            // A column of whole numbers (a GMI level in whole euros) times any column: exact
            // without the general product's rounding step.
            (Operand::Col(x), Operand::Col(y)) if whole(&y) => {
                zip_num(Operand::Col(x), Operand::Col(y), op, mul_whole)
            }
            (Operand::Col(x), Operand::Col(y)) if whole(&x) => {
                zip_num(Operand::Col(y), Operand::Col(x), op, mul_whole)
            }
            (a, b) => zip_num(a, b, op, mul),
        },
        Arith::Max => zip_num(a, b, op, |x, y| (x.max(y), false)),
        Arith::Min => zip_num(a, b, op, |x, y| (x.min(y), false)),
    }?;
    Ok(r)
}

/// Element-wise `f`, in the buffer of a uniquely held operand where there is one.
#[inline(always)]
fn zip_num(
    a: Operand,
    b: Operand,
    op: Arith,
    f: impl Fn(i64, i64) -> (i64, bool),
) -> ColumnResult<Num> {
    let mut bad = false;
    let result = match (a, b) {
        (Operand::Col(mut x), Operand::Col(mut y)) => {
            check_levels(&x.level, &y.level, op.symbol())?;
            if let Some(buf) = Arc::get_mut(&mut x.data) {
                for (v, &w) in buf.iter_mut().zip(y.data.iter()) {
                    let (r, o) = f(*v, w);
                    *v = r;
                    bad |= o;
                }
                x
            } else if let Some(buf) = Arc::get_mut(&mut y.data) {
                for (w, &v) in buf.iter_mut().zip(x.data.iter()) {
                    let (r, o) = f(v, *w);
                    *w = r;
                    bad |= o;
                }
                y
            } else {
                let mut out = Buf::filled(x.data.len(), 0);
                for ((o, &v), &w) in out.iter_mut().zip(x.data.iter()).zip(y.data.iter()) {
                    let (r, ov) = f(v, w);
                    *o = r;
                    bad |= ov;
                }
                Num::new(x.level, out)
            }
        }
        (Operand::Col(x), Operand::Scalar(s)) => map_num(x, |v| f(v, s), &mut bad),
        (Operand::Scalar(s), Operand::Col(y)) => map_num(y, |w| f(s, w), &mut bad),
        (Operand::Scalar(_), Operand::Scalar(_)) => unreachable!("scalar arithmetic is rhai's own"),
    };
    if bad {
        Err(format!(
            "`{}` overflowed: a value is too large",
            op.symbol()
        ))
    } else {
        Ok(result)
    }
}

#[inline(always)]
fn map_num(mut x: Num, f: impl Fn(i64) -> (i64, bool), bad: &mut bool) -> Num {
    let mut b = false;
    let out = if let Some(buf) = Arc::get_mut(&mut x.data) {
        for v in buf.iter_mut() {
            let (r, o) = f(*v);
            *v = r;
            b |= o;
        }
        x
    } else {
        let mut out = Buf::filled(x.data.len(), 0);
        for (o, &v) in out.iter_mut().zip(x.data.iter()) {
            let (r, ov) = f(v);
            *o = r;
            b |= ov;
        }
        Num::new(x.level, out)
    };
    *bad |= b;
    out
}

/// `-x`.
pub fn negate(x: Num) -> ColumnResult<Num> {
    let mut bad = false;
    let r = map_num(x, |v| v.overflowing_neg(), &mut bad);
    if bad {
        Err("`-` overflowed".into())
    } else {
        Ok(r)
    }
}

/// Rounds half away from zero (half up for the law's non-negative amounts) to a multiple of
/// `UNIT`, or down with `FLOOR`. The unit is a constant so the division compiles to a multiply.
pub fn round<const UNIT: i64, const FLOOR: bool>(x: Num) -> Num {
    let mut bad = false;
    if FLOOR {
        map_num(x, |v| (fixed::floor_to(v, UNIT), false), &mut bad)
    } else {
        map_num(x, |v| (fixed::round_to(v, UNIT), false), &mut bad)
    }
}

/// The comparison operators.
#[derive(Clone, Copy, Debug)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }
}

/// `a OP b` element-wise, as a mask.
pub fn compare(a: Operand, b: Operand, op: Cmp) -> ColumnResult<Mask> {
    match op {
        Cmp::Lt => compare_with(a, b, op, |x, y| x < y),
        Cmp::Le => compare_with(a, b, op, |x, y| x <= y),
        Cmp::Gt => compare_with(a, b, op, |x, y| x > y),
        Cmp::Ge => compare_with(a, b, op, |x, y| x >= y),
        Cmp::Eq => compare_with(a, b, op, |x, y| x == y),
        Cmp::Ne => compare_with(a, b, op, |x, y| x != y),
    }
}

#[inline(always)]
fn compare_with(
    a: Operand,
    b: Operand,
    op: Cmp,
    f: impl Fn(i64, i64) -> bool,
) -> ColumnResult<Mask> {
    let (level, data) = match (a, b) {
        (Operand::Col(x), Operand::Col(y)) => {
            check_levels(&x.level, &y.level, op.symbol())?;
            let d = Buf::from_iter_exact(
                x.data.len(),
                x.data.iter().zip(y.data.iter()).map(|(&v, &w)| f(v, w)),
            );
            (x.level, d)
        }
        (Operand::Col(x), Operand::Scalar(s)) => {
            let d = Buf::from_iter_exact(x.data.len(), x.data.iter().map(|&v| f(v, s)));
            (x.level, d)
        }
        (Operand::Scalar(s), Operand::Col(y)) => {
            let d = Buf::from_iter_exact(y.data.len(), y.data.iter().map(|&w| f(s, w)));
            (y.level, d)
        }
        (Operand::Scalar(_), Operand::Scalar(_)) => {
            unreachable!("scalar comparisons are rhai's own")
        }
    };
    Ok(Mask::new(level, data))
}

/// The operators on masks.
#[derive(Clone, Copy, Debug)]
pub enum Logic {
    And,
    Or,
    Xor,
}

/// `a OP b` element-wise on masks.
pub fn logic(a: Mask, b: Mask, op: Logic) -> ColumnResult<Mask> {
    let symbol = match op {
        Logic::And => "&",
        Logic::Or => "|",
        Logic::Xor => "^",
    };
    check_levels(&a.level, &b.level, symbol)?;
    Ok(match op {
        Logic::And => zip_mask(a, b, |x, y| x & y),
        Logic::Or => zip_mask(a, b, |x, y| x | y),
        Logic::Xor => zip_mask(a, b, |x, y| x ^ y),
    })
}

#[inline(always)]
fn zip_mask(mut a: Mask, mut b: Mask, f: impl Fn(bool, bool) -> bool) -> Mask {
    if let Some(buf) = Arc::get_mut(&mut a.data) {
        for (v, &w) in buf.iter_mut().zip(b.data.iter()) {
            *v = f(*v, w);
        }
        return a;
    }
    if let Some(buf) = Arc::get_mut(&mut b.data) {
        for (w, &v) in buf.iter_mut().zip(a.data.iter()) {
            *w = f(v, *w);
        }
        return b;
    }
    let data = Buf::from_iter_exact(
        a.data.len(),
        a.data.iter().zip(b.data.iter()).map(|(&v, &w)| f(v, w)),
    );
    Mask::new(a.level, data)
}

/// Element-wise `f` on a mask (`!m`, `m & true`).
pub fn map_mask(mut a: Mask, f: impl Fn(bool) -> bool) -> Mask {
    if let Some(buf) = Arc::get_mut(&mut a.data) {
        for v in buf.iter_mut() {
            *v = f(*v);
        }
        return a;
    }
    let data = Buf::from_iter_exact(a.data.len(), a.data.iter().map(|&v| f(v)));
    Mask::new(a.level, data)
}

/// `where(cond, yes, no)`: `yes` where the condition holds, else `no`.
pub fn choose(cond: Mask, yes: Operand, no: Operand) -> ColumnResult<Num> {
    for o in [&yes, &no] {
        if let Operand::Col(c) = o {
            check_levels(&cond.level, &c.level, "where")?;
        }
    }
    let c: &[bool] = &cond.data;
    let n = c.len();
    // Select with arithmetic, not branches: m is all ones where the condition holds.
    #[inline(always)]
    fn pick(m: bool, y: i64, n: i64) -> i64 {
        let mask = -(m as i64);
        (y & mask) | (n & !mask)
    }
    Ok(match (yes, no) {
        (Operand::Scalar(y), Operand::Scalar(z)) => Num::new(
            cond.level.clone(),
            Buf::from_iter_exact(n, c.iter().map(|&m| pick(m, y, z))),
        ),
        (Operand::Col(mut y), Operand::Scalar(z)) => {
            if let Some(buf) = Arc::get_mut(&mut y.data) {
                for (v, &m) in buf.iter_mut().zip(c) {
                    *v = pick(m, *v, z);
                }
                y
            } else {
                Num::new(
                    y.level.clone(),
                    Buf::from_iter_exact(n, y.data.iter().zip(c).map(|(&v, &m)| pick(m, v, z))),
                )
            }
        }
        (Operand::Scalar(y), Operand::Col(mut z)) => {
            if let Some(buf) = Arc::get_mut(&mut z.data) {
                for (v, &m) in buf.iter_mut().zip(c) {
                    *v = pick(m, y, *v);
                }
                z
            } else {
                Num::new(
                    z.level.clone(),
                    Buf::from_iter_exact(n, z.data.iter().zip(c).map(|(&v, &m)| pick(m, y, v))),
                )
            }
        }
        (Operand::Col(mut y), Operand::Col(z)) => {
            if let Some(buf) = Arc::get_mut(&mut y.data) {
                for ((v, &w), &m) in buf.iter_mut().zip(z.data.iter()).zip(c) {
                    *v = pick(m, *v, w);
                }
                y
            } else {
                let data = Buf::from_iter_exact(
                    n,
                    y.data
                        .iter()
                        .zip(z.data.iter())
                        .zip(c)
                        .map(|((&v, &w), &m)| pick(m, v, w)),
                );
                Num::new(y.level.clone(), data)
            }
        }
    })
}

fn offsets_of<'a>(level: &'a Level, what: &str) -> ColumnResult<&'a Arc<[u32]>> {
    match level {
        Level::Person(o) => Ok(o),
        Level::Household => Err(format!(
            "{what}() aggregates the members of each household: give it a person column such as h.members.income"
        )),
    }
}

/// The sum over each household's members.
pub fn sum(x: &Num) -> ColumnResult<Num> {
    let offsets = offsets_of(&x.level, "sum")?;
    let values = x.values();
    let households = offsets.len() - 1;
    let largest_household = offsets
        .windows(2)
        .map(|w| (w[1] - w[0]) as i64)
        .max()
        .unwrap_or(0);
    let largest_value = values.iter().fold(0i64, |m, &v| m.max(v.saturating_abs()));
    if largest_value
        .checked_mul(largest_household.max(1))
        .is_none()
    {
        return Err("`sum` overflowed: a value is too large".into());
    }
    // Prefix sums, then differences: two straight passes instead of a short loop per
    // household. Wrapping is harmless: each household's sum fits (checked above), and
    // differences of wrapped prefix sums are exact when the result fits.
    let mut prefix = Buf::filled(values.len() + 1, 0i64);
    let mut acc = 0i64;
    for (p, &v) in prefix[1..].iter_mut().zip(values) {
        acc = acc.wrapping_add(v);
        *p = acc;
    }
    let data = Buf::from_iter_exact(
        households,
        offsets
            .windows(2)
            .map(|w| prefix[w[1] as usize].wrapping_sub(prefix[w[0] as usize])),
    );
    Ok(Num::new(Level::Household, data))
}

/// For each household, the number of members for which the mask holds.
fn member_counts<'a>(x: &'a Mask, what: &str) -> ColumnResult<(&'a Arc<[u32]>, Buf<i64>)> {
    let offsets = offsets_of(&x.level, what)?;
    let mut prefix = Buf::filled(x.values().len() + 1, 0i64);
    let mut acc = 0i64;
    for (p, &b) in prefix[1..].iter_mut().zip(x.values()) {
        acc += b as i64;
        *p = acc;
    }
    Ok((offsets, prefix))
}

/// How many members of each household the mask holds for (a number column).
pub fn count(x: &Mask) -> ColumnResult<Num> {
    let (offsets, prefix) = member_counts(x, "count")?;
    let data = Buf::from_iter_exact(
        offsets.len() - 1,
        offsets
            .windows(2)
            .map(|w| (prefix[w[1] as usize] - prefix[w[0] as usize]) * SCALE),
    );
    Ok(Num::new(Level::Household, data))
}

/// Whether the mask holds for any member (`all == false`) or every member (`all == true`).
pub fn any_all(x: &Mask, all: bool) -> ColumnResult<Mask> {
    let (offsets, prefix) = member_counts(x, if all { "all" } else { "any" })?;
    let data = Buf::from_iter_exact(
        offsets.len() - 1,
        offsets.windows(2).map(|w| {
            let n = prefix[w[1] as usize] - prefix[w[0] as usize];
            if all {
                n == (w[1] - w[0]) as i64
            } else {
                n > 0
            }
        }),
    );
    Ok(Mask::new(Level::Household, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(v: &[i64]) -> Num {
        Num::new(Level::Household, Buf::from_slice(v))
    }

    #[test]
    fn arithmetic_is_exact_and_detects_overflow() {
        let r = arith(
            Operand::Col(col(&[1, 2])),
            Operand::Col(col(&[10, 20])),
            Arith::Add,
        )
        .unwrap();
        assert_eq!(r.values(), &[11, 22]);
        let r = arith(
            Operand::Scalar(3 * SCALE),
            Operand::Col(col(&[10, -20])),
            Arith::Mul,
        )
        .unwrap();
        assert_eq!(r.values(), &[30, -60]);
        assert!(
            arith(
                Operand::Col(col(&[i64::MAX])),
                Operand::Scalar(1),
                Arith::Add
            )
            .is_err()
        );
        assert!(
            arith(
                Operand::Col(col(&[i64::MIN])),
                Operand::Scalar(1),
                Arith::Sub
            )
            .is_err()
        );
        assert!(
            arith(
                Operand::Col(col(&[i64::MAX / 2])),
                Operand::Scalar(3 * SCALE),
                Arith::Mul
            )
            .is_err()
        );
    }

    #[test]
    fn shared_operands_are_not_changed() {
        let a = col(&[1, 2]);
        let keep = a.clone();
        let r = arith(Operand::Col(a), Operand::Scalar(5), Arith::Add).unwrap();
        assert_eq!(keep.values(), &[1, 2]);
        assert_eq!(r.values(), &[6, 7]);
    }

    #[test]
    fn where_picks_per_row() {
        let c = Mask::new(Level::Household, Buf::from_slice(&[true, false, true]));
        let r = choose(c, Operand::Col(col(&[1, 2, 3])), Operand::Scalar(-7)).unwrap();
        assert_eq!(r.values(), &[1, -7, 3]);
    }

    #[test]
    fn aggregates_follow_the_offsets() {
        let offsets: Arc<[u32]> = Arc::from(vec![0u32, 2, 2, 5]);
        let level = Level::Person(offsets);
        let x = Num::new(level.clone(), Buf::from_slice(&[1, 2, 3, 4, 5]));
        assert_eq!(sum(&x).unwrap().values(), &[3, 0, 12]);
        let m = Mask::new(level, Buf::from_slice(&[true, false, true, true, true]));
        assert_eq!(count(&m).unwrap().values(), &[SCALE, 0, 3 * SCALE]);
        assert_eq!(any_all(&m, true).unwrap().values(), &[false, true, true]);
        assert_eq!(any_all(&m, false).unwrap().values(), &[true, false, true]);
        assert!(sum(&col(&[1])).is_err());
    }
}
