//! Column programs: what a script's operators build, and the loop that runs them.
//!
//! A policy script reads like a formula for one household. Its operators on columns (`+`, `<=`,
//! `where`, `sum`, …) do not compute anything: each returns a node of an expression graph, a
//! [`Num`] or a [`Mask`]. Scripts therefore run once per municipality and period, not once per
//! chunk of households. The graph of the values wanted is then compiled into a [`Program`]: a
//! list of instructions over numbered slots. The program runs over the households in tiles of
//! [`TILE`], so that every intermediate value of a tile stays in the CPU cache, and the fifty-odd
//! instructions of the Latvian rules cost about what one hand-written loop costs, instead of fifty
//! passes over memory.
//!
//! Numbers are exact fixed-point (`crate::fixed`); masks are stored as 0/1 in the same slots.
//! Arithmetic is checked: an overflow stops the run with the place in the script where the
//! operation was written (its [`Site`]) and the household it happened on.
//!
//! This module knows nothing about rhai; `script` registers these functions as operators.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use multiversion::multiversion;

use crate::fixed::{self, CENT, SCALE};
use crate::inputs;
use crate::population::Population;

/// Households per tile. With about a dozen values alive at once, a tile's slots stay in the L1
/// and L2 caches. Of 128, 256, 384, 512 and 1 024, 512 was as fast as any at 10 000 and at
/// 1 000 000 households on the project's machine (2026-11-23, the tile size as a run-time
/// setting in a scratch build).
pub const TILE: usize = 512;

/// Deepest expression a script may build, counted in operations. Real policies stay below 30;
/// the limit keeps a runaway loop from building a chain the machine cannot walk.
pub const MAX_DEPTH: u32 = 2_000;

/// Most operations one program may hold.
pub const MAX_INSTRUCTIONS: usize = 100_000;

/// Which rows a column has: one per household, or one per member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    Household,
    Person,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Household => "household",
            Level::Person => "person",
        }
    }
}

/// Where an operation is written: for errors found when the program runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Site {
    pub script: Arc<str>,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// The population's input columns: members per household, or a declared input
/// (`crate::inputs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Input {
    /// Members per household.
    Size,
    /// An entry of [`inputs::INPUTS`].
    Declared(inputs::Index),
}

impl Input {
    pub fn level(self) -> Level {
        match self {
            Input::Size => Level::Household,
            Input::Declared(i) => inputs::get(i).level,
        }
    }

    /// The declared input of a name (`"income"`).
    pub fn named(name: &str) -> Option<Input> {
        inputs::find(name).map(|(i, _)| Input::Declared(i))
    }
}

/// The arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// The comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
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

/// The operators on masks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Logic {
    And,
    Or,
    Xor,
}

impl Logic {
    pub fn symbol(self) -> &'static str {
        match self {
            Logic::And => "&",
            Logic::Or => "|",
            Logic::Xor => "^",
        }
    }
}

/// The legal roundings: half up (away from zero) or down, to cents or whole euros.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rounding {
    Cents,
    Euros,
    FloorCents,
    FloorEuros,
}

/// Per-household aggregates of a person column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aggregate {
    Sum,
    Count,
    Any,
    All,
}

impl Aggregate {
    fn name(self) -> &'static str {
        match self {
            Aggregate::Sum => "sum",
            Aggregate::Count => "count",
            Aggregate::Any => "any",
            Aggregate::All => "all",
        }
    }
}

#[derive(Debug)]
enum Op {
    Input(Input),
    /// One value for every row (fixed units, or 0/1 in a mask).
    Const(i64),
    Arith(Arith, Arc<Node>, Arc<Node>),
    Neg(Arc<Node>),
    Round(Rounding, Arc<Node>),
    Cmp(Cmp, Arc<Node>, Arc<Node>),
    Logic(Logic, Arc<Node>, Arc<Node>),
    Not(Arc<Node>),
    Choose(Arc<Node>, Arc<Node>, Arc<Node>),
    Aggregate(Aggregate, Arc<Node>),
}

/// One operation of the graph.
#[derive(Debug)]
pub struct Node {
    op: Op,
    level: Level,
    depth: u32,
    site: Option<Arc<Site>>,
}

impl Node {
    fn children(&self) -> impl Iterator<Item = &Arc<Node>> {
        let (a, b, c) = match &self.op {
            Op::Input(_) | Op::Const(_) => (None, None, None),
            Op::Neg(a) | Op::Round(_, a) | Op::Not(a) | Op::Aggregate(_, a) => {
                (Some(a), None, None)
            }
            Op::Arith(_, a, b) | Op::Cmp(_, a, b) | Op::Logic(_, a, b) => (Some(a), Some(b), None),
            Op::Choose(a, b, c) => (Some(a), Some(b), Some(c)),
        };
        a.into_iter().chain(b).chain(c)
    }
}

/// A column of exact numbers (fixed-point), not computed yet.
#[derive(Clone, Debug)]
pub struct Num(pub(crate) Arc<Node>);

/// A column of true/false, not computed yet.
#[derive(Clone, Debug)]
pub struct Mask(pub(crate) Arc<Node>);

impl Num {
    pub fn level(&self) -> Level {
        self.0.level
    }
}

impl Mask {
    pub fn level(&self) -> Level {
        self.0.level
    }
}

/// A number operand: a column, or a scalar in fixed units.
pub enum Operand {
    Col(Num),
    Scalar(i64),
}

/// An error in building a column expression, as a sentence.
pub type ColumnResult<T> = Result<T, String>;

fn node(op: Op, level: Level, site: &Option<Arc<Site>>) -> ColumnResult<Arc<Node>> {
    let n = Node {
        op,
        level,
        depth: 0,
        site: site.clone(),
    };
    let depth = 1 + n.children().map(|c| c.depth).max().unwrap_or(0);
    if depth > MAX_DEPTH {
        return Err(format!(
            "a column expression more than {MAX_DEPTH} operations deep: rules work on whole columns and need no loops over households"
        ));
    }
    Ok(Arc::new(Node { depth, ..n }))
}

fn constant(v: i64, level: Level) -> Arc<Node> {
    Arc::new(Node {
        op: Op::Const(v),
        level,
        depth: 1,
        site: None,
    })
}

/// An input column of the population.
pub fn input(which: Input) -> Num {
    Num(constant_input(which))
}

/// An input mask of the population.
pub fn input_mask(which: Input) -> Mask {
    Mask(constant_input(which))
}

fn constant_input(which: Input) -> Arc<Node> {
    Arc::new(Node {
        op: Op::Input(which),
        level: which.level(),
        depth: 1,
        site: None,
    })
}

/// A household column holding one value.
pub fn fill(v: i64) -> Num {
    Num(constant(v, Level::Household))
}

fn check_levels(a: Level, b: Level, op: &str) -> ColumnResult<()> {
    if a == b {
        Ok(())
    } else {
        Err(format!(
            "`{op}` combines a {} column with a {} column; aggregate the person column first (sum, count, any, all)",
            a.name(),
            b.name()
        ))
    }
}

/// The two operands as nodes of one level; at least one is a column.
fn operands(a: Operand, b: Operand, op: &str) -> ColumnResult<(Arc<Node>, Arc<Node>, Level)> {
    Ok(match (a, b) {
        (Operand::Col(x), Operand::Col(y)) => {
            check_levels(x.level(), y.level(), op)?;
            let level = x.level();
            (x.0, y.0, level)
        }
        (Operand::Col(x), Operand::Scalar(s)) => {
            let level = x.level();
            (x.0, constant(s, level), level)
        }
        (Operand::Scalar(s), Operand::Col(y)) => {
            let level = y.level();
            (constant(s, level), y.0, level)
        }
        (Operand::Scalar(_), Operand::Scalar(_)) => {
            return Err(format!("`{op}` needs a column"));
        }
    })
}

/// `a OP b` element-wise; at least one operand is a column.
pub fn arith(a: Operand, b: Operand, op: Arith, site: &Option<Arc<Site>>) -> ColumnResult<Num> {
    let (a, b, level) = operands(a, b, op.symbol())?;
    Ok(Num(node(Op::Arith(op, a, b), level, site)?))
}

/// `-x`.
pub fn negate(x: Num, site: &Option<Arc<Site>>) -> ColumnResult<Num> {
    let level = x.level();
    Ok(Num(node(Op::Neg(x.0), level, site)?))
}

/// A legal rounding of every value.
pub fn round(x: Num, how: Rounding, site: &Option<Arc<Site>>) -> ColumnResult<Num> {
    let level = x.level();
    Ok(Num(node(Op::Round(how, x.0), level, site)?))
}

/// `a OP b` element-wise, as a mask.
pub fn compare(a: Operand, b: Operand, op: Cmp, site: &Option<Arc<Site>>) -> ColumnResult<Mask> {
    let (a, b, level) = operands(a, b, op.symbol())?;
    Ok(Mask(node(Op::Cmp(op, a, b), level, site)?))
}

/// `a OP b` element-wise on masks.
pub fn logic(a: Mask, b: Mask, op: Logic, site: &Option<Arc<Site>>) -> ColumnResult<Mask> {
    check_levels(a.level(), b.level(), op.symbol())?;
    let level = a.level();
    Ok(Mask(node(Op::Logic(op, a.0, b.0), level, site)?))
}

/// `a OP b` with `b` one true/false for every row.
pub fn logic_scalar(a: Mask, b: bool, op: Logic, site: &Option<Arc<Site>>) -> ColumnResult<Mask> {
    let level = a.level();
    let b = constant(b as i64, level);
    Ok(Mask(node(Op::Logic(op, a.0, b), level, site)?))
}

/// `!m`.
pub fn not(a: Mask, site: &Option<Arc<Site>>) -> ColumnResult<Mask> {
    let level = a.level();
    Ok(Mask(node(Op::Not(a.0), level, site)?))
}

/// `where(cond, yes, no)`: `yes` where the condition holds, else `no`.
pub fn choose(
    cond: Mask,
    yes: Operand,
    no: Operand,
    site: &Option<Arc<Site>>,
) -> ColumnResult<Num> {
    let level = cond.level();
    let side = |o: Operand| -> ColumnResult<Arc<Node>> {
        match o {
            Operand::Col(c) => {
                check_levels(level, c.level(), "where")?;
                Ok(c.0)
            }
            Operand::Scalar(s) => Ok(constant(s, level)),
        }
    };
    let (y, n) = (side(yes)?, side(no)?);
    Ok(Num(node(Op::Choose(cond.0, y, n), level, site)?))
}

fn aggregate(x: Arc<Node>, how: Aggregate, site: &Option<Arc<Site>>) -> ColumnResult<Arc<Node>> {
    if x.level != Level::Person {
        return Err(format!(
            "{}() aggregates the members of each household: give it a person column such as h.members.income",
            how.name()
        ));
    }
    node(Op::Aggregate(how, x), Level::Household, site)
}

/// The sum over each household's members.
pub fn sum(x: Num, site: &Option<Arc<Site>>) -> ColumnResult<Num> {
    Ok(Num(aggregate(x.0, Aggregate::Sum, site)?))
}

/// How many members of each household the mask holds for (a number column).
pub fn count(x: Mask, site: &Option<Arc<Site>>) -> ColumnResult<Num> {
    Ok(Num(aggregate(x.0, Aggregate::Count, site)?))
}

/// Whether the mask holds for any member (`all == false`) or every member (`all == true`).
pub fn any_all(x: Mask, all: bool, site: &Option<Arc<Site>>) -> ColumnResult<Mask> {
    let how = if all { Aggregate::All } else { Aggregate::Any };
    Ok(Mask(aggregate(x.0, how, site)?))
}

/// A node as [`shared`] tells equal computations apart: its operation and constant, its
/// children (as interned), level and site.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    Input(Input),
    Const(i64),
    Arith(Arith, usize, usize),
    Neg(usize),
    Round(Rounding, usize),
    Cmp(Cmp, usize, usize),
    Logic(Logic, usize, usize),
    Not(usize),
    Choose(usize, usize, usize),
    Aggregate(Aggregate, usize),
}

/// Several graphs' roots (one set per parameter set of a sweep, each planned on its own) as one
/// graph in which each computation is one node: nodes with the same operation, constant,
/// children, level and site are one, wherever they were built. What does not depend on what
/// differs between the sets is then computed once by the program of the roots, and only the
/// rest once per set. Returns the distinct roots and, per set, each root's index among them.
///
/// The values are those of each set's own graph (a node computes what its operation gives on
/// its children's values); where an operation overflows may be found at another node of the
/// same site, so a caller that needs a run's exact error runs that set alone.
pub fn shared(sets: &[Vec<Column>]) -> (Vec<Column>, Vec<Vec<usize>>) {
    let mut interned: Vec<Arc<Node>> = Vec::new();
    let mut by_key: HashMap<(Key, Level, Option<Site>), usize> = HashMap::new();
    let mut by_ptr: HashMap<*const Node, usize> = HashMap::new();
    let mut roots: Vec<Column> = Vec::new();
    let mut root_at: HashMap<(usize, bool), usize> = HashMap::new();
    let mut maps = Vec::with_capacity(sets.len());
    for set in sets {
        let mut map = Vec::with_capacity(set.len());
        for root in set {
            // Post-order: children are interned before their parent.
            let mut stack: Vec<(&Arc<Node>, bool)> = vec![(root.node(), false)];
            while let Some((n, expanded)) = stack.pop() {
                if by_ptr.contains_key(&Arc::as_ptr(n)) {
                    continue;
                }
                if !expanded {
                    stack.push((n, true));
                    stack.extend(n.children().map(|c| (c, false)));
                    continue;
                }
                let at = |c: &Arc<Node>| by_ptr[&Arc::as_ptr(c)];
                let key = match &n.op {
                    Op::Input(i) => Key::Input(*i),
                    Op::Const(v) => Key::Const(*v),
                    Op::Arith(o, a, b) => Key::Arith(*o, at(a), at(b)),
                    Op::Neg(a) => Key::Neg(at(a)),
                    Op::Round(r, a) => Key::Round(*r, at(a)),
                    Op::Cmp(o, a, b) => Key::Cmp(*o, at(a), at(b)),
                    Op::Logic(o, a, b) => Key::Logic(*o, at(a), at(b)),
                    Op::Not(a) => Key::Not(at(a)),
                    Op::Choose(a, b, c) => Key::Choose(at(a), at(b), at(c)),
                    Op::Aggregate(g, a) => Key::Aggregate(*g, at(a)),
                };
                let site = n.site.as_deref().cloned();
                let index = *by_key.entry((key, n.level, site)).or_insert_with(|| {
                    let child = |c: &Arc<Node>| interned[at(c)].clone();
                    let op = match &n.op {
                        Op::Input(i) => Op::Input(*i),
                        Op::Const(v) => Op::Const(*v),
                        Op::Arith(o, a, b) => Op::Arith(*o, child(a), child(b)),
                        Op::Neg(a) => Op::Neg(child(a)),
                        Op::Round(r, a) => Op::Round(*r, child(a)),
                        Op::Cmp(o, a, b) => Op::Cmp(*o, child(a), child(b)),
                        Op::Logic(o, a, b) => Op::Logic(*o, child(a), child(b)),
                        Op::Not(a) => Op::Not(child(a)),
                        Op::Choose(a, b, c) => Op::Choose(child(a), child(b), child(c)),
                        Op::Aggregate(g, a) => Op::Aggregate(*g, child(a)),
                    };
                    interned.push(Arc::new(Node {
                        op,
                        level: n.level,
                        depth: n.depth,
                        site: n.site.clone(),
                    }));
                    interned.len() - 1
                });
                by_ptr.insert(Arc::as_ptr(n), index);
            }
            let node = by_ptr[&Arc::as_ptr(root.node())];
            let is_mask = matches!(root, Column::Mask(_));
            let r = *root_at.entry((node, is_mask)).or_insert_with(|| {
                let n = interned[node].clone();
                roots.push(if is_mask {
                    Column::Mask(Mask(n))
                } else {
                    Column::Num(Num(n))
                });
                roots.len() - 1
            });
            map.push(r);
        }
        maps.push(map);
    }
    (roots, maps)
}

// ---------------------------------------------------------------------------------------------
// Compiling a graph into a program

/// An operand of an instruction: a slot, the same value for every row, or a population column
/// read in place (one stored in fixed units already, so no instruction copies it).
#[derive(Clone, Copy, Debug)]
enum Src {
    Slot(u32),
    Imm(i64),
    Col(Input),
}

/// The input columns kept in fixed units (amounts), which instructions read where they are.
fn in_place(which: Input) -> bool {
    matches!(which, Input::Declared(i) if inputs::get(i).kind == inputs::Kind::Money)
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Load(Input),
    Fill,
    Arith(Arith),
    Neg,
    Round(Rounding),
    Cmp(Cmp),
    Logic(Logic),
    Not,
    Choose,
    Aggregate(Aggregate),
}

#[derive(Debug)]
struct Instr {
    kind: Kind,
    args: [Src; 3],
    out: u32,
    level: Level,
    site: Option<Arc<Site>>,
    /// The roots this instruction computes, copied out after each tile.
    roots: Vec<usize>,
}

/// What a program computes for each root: a slot's values, or one value everywhere.
#[derive(Clone, Copy, Debug)]
struct Root {
    src: Src,
    level: Level,
}

/// A compiled column graph: instructions over slots, in an order where every operand comes
/// before its use, with slots reused as soon as their value is dead.
#[derive(Debug)]
pub struct Program {
    instrs: Vec<Instr>,
    slots: usize,
    roots: Vec<Root>,
    /// Per root, when a tile's values are written: the instruction that computes it, or after
    /// every instruction (a constant or an input), in root order.
    written: Vec<usize>,
}

/// Where a program writes one root for the rows it runs on (households, or their members).
pub enum Sink<'a> {
    Num(&'a mut [i64]),
    Mask(&'a mut [bool]),
    /// Only the rows where the values differ from those of the earlier sink `of` (a `Num` or a
    /// `Mask`, whose root [`Program::writes_before`] this one): (row, value) in row order, a
    /// mask's values as 0 and 1. A sweep's point keeps what differs from its base point's.
    Differences {
        of: usize,
        out: &'a mut Vec<(u32, i64)>,
    },
}

/// A root to compute: a number or a mask column.
#[derive(Clone, Debug)]
pub enum Column {
    Num(Num),
    Mask(Mask),
}

impl Column {
    fn node(&self) -> &Arc<Node> {
        match self {
            Column::Num(n) => &n.0,
            Column::Mask(m) => &m.0,
        }
    }
    pub fn level(&self) -> Level {
        self.node().level
    }
}

/// An error while a program runs (an overflow), with the operation's place in its script and the
/// position of the household in the rows run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    pub site: Option<Site>,
    pub row: usize,
    pub message: String,
}

impl Program {
    /// Compiles the graph that computes `roots`.
    pub fn compile(roots: &[Column]) -> ColumnResult<Program> {
        // Post-order over the distinct nodes: children before parents.
        let mut index: HashMap<*const Node, usize> = HashMap::new();
        let mut order: Vec<&Arc<Node>> = Vec::new();
        let mut stack: Vec<(&Arc<Node>, bool)> =
            roots.iter().rev().map(|r| (r.node(), false)).collect();
        while let Some((n, expanded)) = stack.pop() {
            let key = Arc::as_ptr(n);
            if index.contains_key(&key) {
                continue;
            }
            if expanded {
                index.insert(key, order.len());
                order.push(n);
                if order.len() > MAX_INSTRUCTIONS {
                    return Err(format!(
                        "the rules build more than {MAX_INSTRUCTIONS} column operations"
                    ));
                }
            } else {
                stack.push((n, true));
                let children: Vec<_> = n.children().collect();
                for c in children.into_iter().rev() {
                    if !index.contains_key(&Arc::as_ptr(c)) {
                        stack.push((c, false));
                    }
                }
            }
        }
        // Constants are immediates, except where an instruction needs them in a slot.
        let needs_slot = |parent: &Op, position: usize| match parent {
            Op::Aggregate(..) | Op::Neg(_) | Op::Round(..) | Op::Not(_) => true,
            Op::Choose(..) => position == 0,
            _ => false,
        };
        let mut uses = vec![0usize; order.len()];
        let mut last_use = vec![0usize; order.len()];
        let mut as_slot = vec![false; order.len()];
        for (i, n) in order.iter().enumerate() {
            for (position, c) in n.children().enumerate() {
                let ci = index[&Arc::as_ptr(c)];
                uses[ci] += 1;
                last_use[ci] = i;
                as_slot[ci] |= needs_slot(&n.op, position);
            }
        }
        let mut root_of: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
        for (r, root) in roots.iter().enumerate() {
            root_of[index[&Arc::as_ptr(root.node())]].push(r);
        }

        let mut instrs = Vec::new();
        let mut src: Vec<Option<Src>> = vec![None; order.len()];
        let mut free: Vec<u32> = Vec::new();
        let mut slots = 0u32;
        for (i, n) in order.iter().enumerate() {
            let kind = match &n.op {
                Op::Const(v) if !as_slot[i] => {
                    src[i] = Some(Src::Imm(*v));
                    continue;
                }
                Op::Const(_) => Kind::Fill,
                Op::Input(which) if in_place(*which) => {
                    src[i] = Some(Src::Col(*which));
                    continue;
                }
                Op::Input(which) => Kind::Load(*which),
                Op::Arith(op, ..) => Kind::Arith(*op),
                Op::Neg(_) => Kind::Neg,
                Op::Round(how, _) => Kind::Round(*how),
                Op::Cmp(op, ..) => Kind::Cmp(*op),
                Op::Logic(op, ..) => Kind::Logic(*op),
                Op::Not(_) => Kind::Not,
                Op::Choose(..) => Kind::Choose,
                Op::Aggregate(how, _) => Kind::Aggregate(*how),
            };
            let mut args = [Src::Imm(0); 3];
            if let Op::Const(v) = n.op {
                args[0] = Src::Imm(v);
            }
            for (k, c) in n.children().enumerate() {
                args[k] = src[index[&Arc::as_ptr(c)]].expect("children come first");
            }
            // The output slot is taken before the operands' slots are freed, so an
            // instruction never reads the slot it writes.
            let out = free.pop().unwrap_or_else(|| {
                slots += 1;
                slots - 1
            });
            let mut freed: Vec<u32> = Vec::new();
            for c in n.children() {
                let ci = index[&Arc::as_ptr(c)];
                if let (true, Some(Src::Slot(s))) = (last_use[ci] == i, src[ci]) {
                    if !freed.contains(&s) {
                        freed.push(s);
                    }
                }
            }
            src[i] = Some(Src::Slot(out));
            instrs.push(Instr {
                kind,
                args,
                out,
                level: n.level,
                site: n.site.clone(),
                roots: root_of[i].clone(),
            });
            if uses[i] == 0 {
                // Only a root: its values are copied out right after it is computed.
                freed.push(out);
            }
            free.extend(freed);
        }
        let roots: Vec<Root> = roots
            .iter()
            .map(|r| Root {
                src: src[index[&Arc::as_ptr(r.node())]].expect("every root is compiled"),
                level: r.level(),
            })
            .collect();
        let mut written: Vec<usize> = (0..roots.len()).map(|r| instrs.len() + r).collect();
        for (i, instr) in instrs.iter().enumerate() {
            for &r in &instr.roots {
                written[r] = i;
            }
        }
        Ok(Program {
            instrs,
            slots: slots as usize,
            roots,
            written,
        })
    }

    /// Whether root `a`'s values of a tile are written before root `b`'s (a
    /// [`Sink::Differences`] of `b` may compare with `a`).
    pub fn writes_before(&self, a: usize, b: usize) -> bool {
        self.written[a] < self.written[b]
    }

    /// Runs the program over households `rows` of `population`, writing root `r` into
    /// `sinks[r]` (one value per household of `rows`, or per member for person columns).
    pub fn run(
        &self,
        population: &Population,
        rows: Range<usize>,
        sinks: &mut [Sink],
    ) -> Result<(), RunError> {
        self.run_with(population, Varying::of(population), rows, sinks)
    }

    /// [`Program::run`] with the incomes and housing costs of `varying` in place of the
    /// population's own (a month of a year: see [`Varying`]).
    ///
    /// # Panics
    ///
    /// If `varying` does not have one income per person and one housing cost per household of
    /// `population` (the caller builds it from that population).
    pub fn run_with(
        &self,
        population: &Population,
        varying: Varying,
        rows: Range<usize>,
        sinks: &mut [Sink],
    ) -> Result<(), RunError> {
        assert_eq!(sinks.len(), self.roots.len(), "one sink per root");
        for (r, sink) in sinks.iter().enumerate() {
            if let Sink::Differences { of, .. } = sink {
                assert!(
                    *of < r
                        && self.writes_before(*of, r)
                        && !matches!(sinks[*of], Sink::Differences { .. }),
                    "differences from an earlier root written before"
                );
            }
        }
        assert!(
            varying.income.len() == population.person_count()
                && varying.housing_costs.len() == population.household_count(),
            "one income per person and one housing cost per household"
        );
        let fp = &population.households.first_person;
        // The most members in any tile sizes the slots.
        let mut widest = 0;
        let mut t = rows.start;
        while t < rows.end {
            let e = (t + TILE).min(rows.end);
            widest = widest.max((fp[e] - fp[t]) as usize);
            t = e;
        }
        let cap = widest.max(TILE);
        // Slots are kept per thread between runs: a chunk does not go back to the allocator.
        thread_local! {
            static SLOTS: std::cell::RefCell<Vec<Vec<i64>>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let mut slots = SLOTS.with(|s| std::mem::take(&mut *s.borrow_mut()));
        // One more than the program needs: the scratch space of the aggregates.
        if slots.len() < self.slots + 1 {
            slots.resize_with(self.slots + 1, Vec::new);
        }
        for s in &mut slots[..self.slots] {
            if s.len() < cap {
                s.resize(cap, 0);
            }
        }
        // The aggregates' prefix sums (members + 1) and household ends (households).
        let scratch = &mut slots[self.slots];
        if scratch.len() < 2 * cap + 1 {
            scratch.resize(2 * cap + 1, 0);
        }
        let result = run_tiles(self, population, varying, rows, sinks, &mut slots);
        SLOTS.with(|s| *s.borrow_mut() = slots);
        result
    }
}

/// The tile loop. It is compiled several times, for the vector instructions of newer CPUs too,
/// and the best version for the machine is picked when the program runs: the kernels are plain
/// loops over 64-bit integers that the compiler vectorises, and integer arithmetic gives the same
/// result on every version.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+avx+bmi1+bmi2+fma+lzcnt+popcnt+sse3+sse4.1+sse4.2+ssse3",
    "x86_64+avx2+avx+bmi1+bmi2+fma+lzcnt+popcnt+sse3+sse4.1+sse4.2+ssse3",
))]
fn run_tiles(
    program: &Program,
    population: &Population,
    varying: Varying,
    rows: Range<usize>,
    sinks: &mut [Sink],
    slots: &mut [Vec<i64>],
) -> Result<(), RunError> {
    let fp = &population.households.first_person;
    let person_base = fp[rows.start] as usize;
    let mut offsets: Vec<u32> = Vec::with_capacity(TILE + 1);
    let mut start = rows.start;
    while start < rows.end {
        let end = (start + TILE).min(rows.end);
        offsets.clear();
        offsets.extend(fp[start..=end].iter().map(|&o| o - fp[start]));
        let tile = Tile {
            population,
            varying,
            households: (start, end),
            persons: (fp[start] as usize, fp[end] as usize),
            offsets: &offsets,
        };
        for instr in &program.instrs {
            let n = tile.len(instr.level);
            let mut out = std::mem::take(&mut slots[instr.out as usize]);
            let (slots, scratch) = slots.split_at_mut(program.slots);
            let bad = execute(instr, &tile, slots, &mut out[..n], &mut scratch[0]);
            slots[instr.out as usize] = out;
            if let Some(at) = bad {
                let row = match instr.level {
                    Level::Household => start + at,
                    Level::Person => {
                        let person = fp[start] as usize + at;
                        fp.partition_point(|&o| o as usize <= person) - 1
                    }
                };
                return Err(RunError {
                    site: instr.site.as_deref().cloned(),
                    row: row - rows.start,
                    message: overflow_message(instr.kind),
                });
            }
            for &r in &instr.roots {
                let values = &slots[instr.out as usize][..n];
                let at = match instr.level {
                    Level::Household => start - rows.start,
                    Level::Person => fp[start] as usize - person_base,
                };
                write_root(sinks, r, at, values);
            }
        }
        for (r, root) in program.roots.iter().enumerate() {
            let n = tile.len(root.level);
            let at = match root.level {
                Level::Household => start - rows.start,
                Level::Person => fp[start] as usize - person_base,
            };
            match (root.src, &mut sinks[r]) {
                (Src::Slot(_), _) => {}
                (Src::Imm(v), Sink::Num(s)) => s[at..at + n].fill(v),
                (Src::Imm(v), Sink::Mask(s)) => s[at..at + n].fill(v != 0),
                (Src::Imm(v), Sink::Differences { .. }) => write_root(sinks, r, at, &vec![v; n]),
                (Src::Col(which), _) => write_root(sinks, r, at, tile.column(which)),
            }
        }
        start = end;
    }
    Ok(())
}

#[inline(always)]
/// Whether every value is a whole number of cents, not negative and at most
/// `fixed::MAX_AMOUNT`: what a policy must produce for an amount. Vectorised like the tile loop.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+avx+bmi1+bmi2+fma+lzcnt+popcnt+sse3+sse4.1+sse4.2+ssse3",
    "x86_64+avx2+avx+bmi1+bmi2+fma+lzcnt+popcnt+sse3+sse4.1+sse4.2+ssse3",
))]
pub fn amounts_ok(values: &[i64]) -> bool {
    values.iter().fold(true, |ok, &v| {
        ok & (0..=fixed::MAX_AMOUNT).contains(&v) & fixed::is_whole::<true>(v)
    })
}

/// Whole months from 1 to 12 (fixed units) as plain numbers into `out`; `Err(row)` at the first
/// value that is not one. Vectorised like the tile loop: the values fit 32 bits once checked.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+avx+bmi1+bmi2+fma+lzcnt+popcnt+sse3+sse4.1+sse4.2+ssse3",
    "x86_64+avx2+avx+bmi1+bmi2+fma+lzcnt+popcnt+sse3+sse4.1+sse4.2+ssse3",
))]
pub fn whole_months(values: &[i64], out: &mut [u8]) -> Result<(), usize> {
    let month = |v: i64| (SCALE..=12 * SCALE).contains(&v) & fixed::is_whole::<false>(v);
    if !values.iter().fold(true, |ok, &v| ok & month(v)) {
        return Err(values.iter().position(|&v| !month(v)).unwrap_or(0));
    }
    for (o, &v) in out.iter_mut().zip(values) {
        *o = (v as u32 / SCALE as u32) as u8;
    }
    Ok(())
}

/// Writes a tile's values of root `r` into its sink, from row `at`.
#[inline(always)]
fn write_root(sinks: &mut [Sink], r: usize, at: usize, values: &[i64]) {
    let (earlier, rest) = sinks.split_at_mut(r);
    match &mut rest[0] {
        Sink::Num(s) => s[at..at + values.len()].copy_from_slice(values),
        Sink::Mask(s) => {
            for (o, &v) in s[at..at + values.len()].iter_mut().zip(values) {
                *o = v != 0;
            }
        }
        Sink::Differences { of, out } => {
            let rows = (at as u32..).zip(values);
            match &earlier[*of] {
                Sink::Num(b) => out.extend(
                    rows.zip(&b[at..])
                        .filter(|((_, v), w)| **v != **w)
                        .map(|((i, &v), _)| (i, v)),
                ),
                Sink::Mask(b) => out.extend(
                    rows.zip(&b[at..])
                        .filter(|((_, v), w)| (**v != 0) != **w)
                        .map(|((i, &v), _)| (i, v)),
                ),
                Sink::Differences { .. } => unreachable!("checked when the run starts"),
            }
        }
    }
}

fn overflow_message(kind: Kind) -> String {
    let what = match kind {
        Kind::Arith(op) => op.symbol(),
        Kind::Neg => "-",
        Kind::Round(_) => "round",
        Kind::Aggregate(a) => a.name(),
        _ => "an operation",
    };
    format!("`{what}` overflowed: a value is too large")
}

/// The columns of a population that change from month to month in a year's projection:
/// incomes (jobs lost and found) and housing costs (the seasons). A month is run with its own
/// columns beside the population instead of a copy of the whole population with them.
#[derive(Clone, Copy)]
pub struct Varying<'a> {
    /// Per person, fixed units.
    pub income: &'a [i64],
    /// Per household, fixed units.
    pub housing_costs: &'a [i64],
}

impl<'a> Varying<'a> {
    /// The population's own.
    pub fn of(population: &'a Population) -> Varying<'a> {
        Varying {
            income: &population.persons.income,
            housing_costs: &population.households.housing_costs,
        }
    }
}

/// The declared inputs of [`Varying`]: income and housing costs (looked up once).
fn varying_inputs() -> (inputs::Index, inputs::Index) {
    static FOUND: std::sync::OnceLock<(inputs::Index, inputs::Index)> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        let index = |name| {
            inputs::find(name)
                .expect("income and housing_costs are declared")
                .0
        };
        (index("income"), index("housing_costs"))
    })
}

/// The rows of one tile.
#[derive(Clone, Copy)]
struct Tile<'a> {
    population: &'a Population,
    varying: Varying<'a>,
    households: (usize, usize),
    persons: (usize, usize),
    /// Member offsets of the tile's households, from 0.
    offsets: &'a [u32],
}

impl<'a> Tile<'a> {
    fn len(&self, level: Level) -> usize {
        match level {
            Level::Household => self.households.1 - self.households.0,
            Level::Person => self.persons.1 - self.persons.0,
        }
    }

    /// The tile's rows of an input read in place (see [`in_place`]).
    #[inline(always)]
    fn column(&self, which: Input) -> &'a [i64] {
        let rows = match which.level() {
            Level::Household => self.households.0..self.households.1,
            Level::Person => self.persons.0..self.persons.1,
        };
        match which {
            // The inputs a year changes month by month come from the month's columns.
            Input::Declared(i) if i == varying_inputs().0 => &self.varying.income[rows],
            Input::Declared(i) if i == varying_inputs().1 => &self.varying.housing_costs[rows],
            Input::Declared(i) => match inputs::get(i).storage {
                inputs::Storage::Numbers { get, .. } => {
                    &get(self.population).expect("the script checked that the column exists")[rows]
                }
                inputs::Storage::Flags { .. } => unreachable!("flags are loaded"),
            },
            Input::Size => unreachable!("only inputs kept in fixed units are read in place"),
        }
    }
}

/// An operand as the kernels see it. Slices may be longer than the rows of the tile: the
/// kernels zip them with the output, which has the tile's length.
#[derive(Clone, Copy)]
enum Arg<'a> {
    S(&'a [i64]),
    I(i64),
}

/// Runs one instruction for one tile into `out`; `Some(row)` if it overflowed, with the first row
/// (of the instruction's level) where it did.
#[inline(always)]
fn execute(
    instr: &Instr,
    tile: &Tile,
    slots: &[Vec<i64>],
    out: &mut [i64],
    scratch: &mut [i64],
) -> Option<usize> {
    // Written out rather than `instr.args.map(…)`, which the compiler does not inline here.
    let arg = |a: Src| match a {
        Src::Slot(s) => Arg::S(&slots[s as usize]),
        Src::Imm(v) => Arg::I(v),
        Src::Col(which) => Arg::S(tile.column(which)),
    };
    let args = [arg(instr.args[0]), arg(instr.args[1]), arg(instr.args[2])];
    if !kernel(instr.kind, args, tile, out, scratch) {
        return None;
    }
    // Overflow is rare: look for the row only when there is one, one row at a time.
    let mut one = [0i64; 1];
    if let (Kind::Aggregate(how), Arg::S(values)) = (instr.kind, args[0]) {
        return tile.offsets.windows(2).position(|w| {
            let members = Arg::S(&values[w[0] as usize..w[1] as usize]);
            let single = Tile {
                offsets: &[0, w[1] - w[0]],
                ..*tile
            };
            kernel(
                Kind::Aggregate(how),
                [members, args[1], args[2]],
                &single,
                &mut one,
                scratch,
            )
        });
    }
    (0..out.len()).find(|&row| {
        let narrow = args.map(|a| match a {
            Arg::S(s) => Arg::S(&s[row..row + 1]),
            imm => imm,
        });
        kernel(instr.kind, narrow, tile, &mut one, scratch)
    })
}

/// The loop of one instruction over a tile; true if any row overflowed.
#[inline(always)]
fn kernel(kind: Kind, args: [Arg; 3], tile: &Tile, out: &mut [i64], scratch: &mut [i64]) -> bool {
    fn slot(a: Arg<'_>) -> &[i64] {
        match a {
            Arg::S(s) => s,
            Arg::I(_) => unreachable!("the compiler puts this operand in a slot"),
        }
    }
    let [a, b, c] = args;
    match kind {
        Kind::Load(which) => {
            load(which, tile, out);
            false
        }
        Kind::Fill => {
            let Arg::I(v) = a else {
                unreachable!("a fill has its value")
            };
            out.fill(v);
            false
        }
        Kind::Arith(op) => match op {
            Arith::Add => binary(out, a, b, add_checked),
            Arith::Sub => binary(out, a, b, sub_checked),
            Arith::Max => binary(out, a, b, |x, y| (x.max(y), false)),
            Arith::Min => binary(out, a, b, |x, y| (x.min(y), false)),
            Arith::Mul => multiply(out, a, b),
        },
        Kind::Neg => unary(out, slot(a), |x| (x.wrapping_neg(), x == i64::MIN)),
        Kind::Round(how) => match how {
            Rounding::Cents => round_column::<CENT>(out, slot(a)),
            Rounding::Euros => round_column::<SCALE>(out, slot(a)),
            Rounding::FloorCents => unary(out, slot(a), |v| (v.div_euclid(CENT) * CENT, false)),
            Rounding::FloorEuros => unary(out, slot(a), |v| (v.div_euclid(SCALE) * SCALE, false)),
        },
        Kind::Cmp(op) => match op {
            Cmp::Lt => binary(out, a, b, |x, y| ((x < y) as i64, false)),
            Cmp::Le => binary(out, a, b, |x, y| ((x <= y) as i64, false)),
            Cmp::Gt => binary(out, a, b, |x, y| ((x > y) as i64, false)),
            Cmp::Ge => binary(out, a, b, |x, y| ((x >= y) as i64, false)),
            Cmp::Eq => binary(out, a, b, |x, y| ((x == y) as i64, false)),
            Cmp::Ne => binary(out, a, b, |x, y| ((x != y) as i64, false)),
        },
        Kind::Logic(op) => match op {
            Logic::And => binary(out, a, b, |x, y| (x & y, false)),
            Logic::Or => binary(out, a, b, |x, y| (x | y, false)),
            Logic::Xor => binary(out, a, b, |x, y| (x ^ y, false)),
        },
        Kind::Not => unary(out, slot(a), |x| (x ^ 1, false)),
        Kind::Choose => {
            choose_rows(out, slot(a), b, c);
            false
        }
        Kind::Aggregate(how) => aggregate_rows(out, slot(a), tile.offsets, how, scratch),
    }
}

#[inline(always)]
fn load(which: Input, tile: &Tile, out: &mut [i64]) {
    let missing = "the script checked that the column exists";
    let Input::Declared(i) = which else {
        for (o, w) in out.iter_mut().zip(tile.offsets.windows(2)) {
            *o = (w[1] - w[0]) as i64 * SCALE;
        }
        return;
    };
    let input = inputs::get(i);
    let rows = match input.level {
        Level::Household => tile.households.0..tile.households.1,
        Level::Person => tile.persons.0..tile.persons.1,
    };
    match (input.kind, input.storage) {
        (inputs::Kind::Money, _) => unreachable!("read in place, never loaded"),
        (_, inputs::Storage::Numbers { get, .. }) => {
            // Whole numbers (ages, counts) become fixed-point numbers of that many units.
            for (o, &x) in out
                .iter_mut()
                .zip(&get(tile.population).expect(missing)[rows])
            {
                *o = x * SCALE;
            }
        }
        (_, inputs::Storage::Flags { get, .. }) => {
            flags(out, &get(tile.population).expect(missing)[rows])
        }
    }
}

#[inline(always)]
fn flags(out: &mut [i64], from: &[bool]) {
    for (o, &b) in out.iter_mut().zip(from) {
        *o = b as i64;
    }
}

/// Element-wise `f`; true if any row overflowed. The loops are branch-free so they vectorise.
#[inline(always)]
fn binary(out: &mut [i64], a: Arg, b: Arg, f: impl Fn(i64, i64) -> (i64, bool)) -> bool {
    let mut bad = false;
    match (a, b) {
        (Arg::S(x), Arg::S(y)) => {
            for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                let (r, ov) = f(x, y);
                *o = r;
                bad |= ov;
            }
        }
        (Arg::S(x), Arg::I(y)) => {
            for (o, &x) in out.iter_mut().zip(x) {
                let (r, ov) = f(x, y);
                *o = r;
                bad |= ov;
            }
        }
        (Arg::I(x), Arg::S(y)) => {
            for (o, &y) in out.iter_mut().zip(y) {
                let (r, ov) = f(x, y);
                *o = r;
                bad |= ov;
            }
        }
        (Arg::I(x), Arg::I(y)) => {
            let (r, ov) = f(x, y);
            out.fill(r);
            bad = ov;
        }
    }
    bad
}

/// `x + y` and whether it overflowed, in bit operations: the vectoriser does not handle the
/// overflow flag that `overflowing_add` compiles to, and the loop would stay scalar.
#[inline(always)]
fn add_checked(x: i64, y: i64) -> (i64, bool) {
    let r = x.wrapping_add(y);
    // Overflow: both operands have the sign opposite to the result's.
    (r, ((x ^ r) & (y ^ r)) < 0)
}

/// `x - y` and whether it overflowed; see [`add_checked`].
#[inline(always)]
fn sub_checked(x: i64, y: i64) -> (i64, bool) {
    let r = x.wrapping_sub(y);
    // Overflow: the operands' signs differ and the result's differs from x's.
    (r, ((x ^ y) & (x ^ r)) < 0)
}

/// `x × m` for a whole `m`, and whether it overflowed, with a bound instead of the overflow
/// flag (see [`add_checked`]): `|x × m|` fits when `|x| ≤ i64::MAX / |m|`. A product of exactly
/// `i64::MIN` counts as an overflow.
#[inline(always)]
fn times_checked(m: i64) -> impl Fn(i64) -> (i64, bool) {
    let limit = i64::MAX as u64 / m.unsigned_abs().max(1);
    let limit = if m == 0 { u64::MAX } else { limit };
    move |x| (x.wrapping_mul(m), x.unsigned_abs() > limit)
}

#[inline(always)]
fn unary(out: &mut [i64], x: &[i64], f: impl Fn(i64) -> (i64, bool)) -> bool {
    let mut bad = false;
    for (o, &x) in out.iter_mut().zip(x) {
        let (r, ov) = f(x);
        *o = r;
        bad |= ov;
    }
    bad
}

/// Exact products. Multiplying by a whole number (a household size, a count, a GMI level in
/// whole euros) needs no rounding and vectorises; other products keep four decimals, rounded
/// half away from zero (`fixed::mul`).
#[inline(always)]
fn multiply(out: &mut [i64], a: Arg, b: Arg) -> bool {
    let n = out.len();
    let whole = |x: &[i64]| {
        x.iter()
            .take(n)
            .fold(true, |acc, &v| acc & fixed::is_whole::<false>(v))
    };
    let general = |x: i64, y: i64| match fixed::mul(x, y) {
        Some(v) => (v, false),
        None => (0, true),
    };
    // A rate times a column (30 % × benefit): one product and one rounding per row, unless a
    // product leaves 64 bits; then the general path, which splits the rate.
    let by_rate = |x: i64, k: i64| {
        let (p, o) = x.overflowing_mul(k);
        (fixed::div_round(p, SCALE), o)
    };
    match (a, b) {
        (Arg::S(x), Arg::I(k)) | (Arg::I(k), Arg::S(x)) if k % SCALE == 0 => {
            unary(out, x, times_checked(k / SCALE))
        }
        (Arg::I(x), Arg::I(k)) if k % SCALE == 0 => {
            let (r, bad) = times_checked(k / SCALE)(x);
            out.fill(r);
            bad
        }
        (Arg::S(x), Arg::I(k)) | (Arg::I(k), Arg::S(x)) if rate_fast(out, x, k) => false,
        (x, Arg::I(k)) | (Arg::I(k), x) => {
            binary(out, x, Arg::I(k), by_rate) && binary(out, x, Arg::I(k), general)
        }
        (Arg::S(x), Arg::S(y)) if whole(y) => times_whole(out, x, y),
        (Arg::S(x), Arg::S(y)) if whole(x) => times_whole(out, y, x),
        (a, b) => binary(out, a, b, general),
    }
}

/// `x × k` for a rate `k` (30 % = 3 000 units) in lowest terms `num / den` with a common `den`
/// (2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 100), when every `|x × num|` stays below 2³¹: the rounding
/// division takes a 32-bit path by a constant, which vectorises. Same result as
/// `fixed::mul`; `false` (nothing written) when it does not apply.
#[inline(always)]
fn rate_fast(out: &mut [i64], x: &[i64], k: i64) -> bool {
    #[inline(always)]
    fn run<const DEN: u32>(out: &mut [i64], x: &[i64], num: i64) {
        for (o, &v) in out.iter_mut().zip(x) {
            let p = v * num;
            let negative = p >> 63;
            let q = ((p.unsigned_abs() as u32 + DEN / 2) / DEN) as i64;
            *o = (q ^ negative) - negative;
        }
    }
    const fn gcd(a: i64, b: i64) -> i64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let g = gcd(k.abs(), SCALE);
    let (num, den) = (k / g, SCALE / g);
    let limit = (1u64 << 31) / num.unsigned_abs().max(1);
    if !x
        .iter()
        .take(out.len())
        .fold(true, |ok, &v| ok & (v.unsigned_abs() < limit))
    {
        return false;
    }
    match den {
        2 => run::<2>(out, x, num),
        4 => run::<4>(out, x, num),
        5 => run::<5>(out, x, num),
        8 => run::<8>(out, x, num),
        10 => run::<10>(out, x, num),
        16 => run::<16>(out, x, num),
        20 => run::<20>(out, x, num),
        40 => run::<40>(out, x, num),
        25 => run::<25>(out, x, num),
        50 => run::<50>(out, x, num),
        100 => run::<100>(out, x, num),
        _ => return false,
    }
    true
}

/// `x × y` where every `y` is a whole number in fixed units (a GMI level): `x` times `y / SCALE`,
/// exact. Below 2³¹ units the division takes a 32-bit path that vectorises.
#[inline(always)]
fn times_whole(out: &mut [i64], x: &[i64], y: &[i64]) -> bool {
    let small = y
        .iter()
        .take(out.len())
        .fold(true, |ok, &v| ok & (v.unsigned_abs() < 1 << 31));
    if !small {
        return binary(out, Arg::S(x), Arg::S(y), |x, k| {
            x.overflowing_mul(k / SCALE)
        });
    }
    // |k| < 2³¹ / SCALE < 2¹⁸, so the product fits whenever |x| < 2⁴⁵; only a column with a
    // larger x needs the exact check, one row at a time.
    let mut maybe = false;
    for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
        let negative = y >> 63;
        let k = (((y.unsigned_abs() as u32) / SCALE as u32) as i64 ^ negative) - negative;
        *o = x.wrapping_mul(k);
        maybe |= x.unsigned_abs() >= 1 << 45;
    }
    maybe
        && binary(out, Arg::S(x), Arg::S(y), |x, k| {
            x.overflowing_mul(k / SCALE)
        })
}

/// [`round_half_up`] over a column. Amounts below 2³¹ fixed units (214 748 EUR), which is every
/// monthly amount of the law, take a 32-bit path: a 32-bit division by a constant vectorises,
/// a 64-bit one does not. Both paths give the same numbers.
#[inline(always)]
fn round_column<const UNIT: i64>(out: &mut [i64], x: &[i64]) -> bool {
    let small = x
        .iter()
        .take(out.len())
        .fold(true, |ok, &v| ok & (v.unsigned_abs() < 1 << 31));
    if !small {
        return unary(out, x, round_half_up::<UNIT>);
    }
    let (unit, half) = (UNIT as u32, (UNIT / 2) as u32);
    for (o, &v) in out.iter_mut().zip(x) {
        let magnitude = (((v.unsigned_abs() as u32) + half) / unit * unit) as i64;
        // Branch-free sign: all ones where v is negative.
        let negative = v >> 63;
        *o = (magnitude ^ negative) - negative;
    }
    false
}

/// Half away from zero (half up for the law's non-negative amounts) to a multiple of `UNIT`.
#[inline(always)]
fn round_half_up<const UNIT: i64>(v: i64) -> (i64, bool) {
    let half = UNIT / 2;
    let (shifted, bad) = if v >= 0 {
        v.overflowing_add(half)
    } else {
        v.overflowing_sub(half)
    };
    ((shifted / UNIT) * UNIT, bad)
}

#[inline(always)]
fn choose_rows(out: &mut [i64], cond: &[i64], yes: Arg, no: Arg) {
    // Select with arithmetic, not branches: m is all ones where the condition holds.
    #[inline(always)]
    fn pick(c: i64, y: i64, n: i64) -> i64 {
        let m = -c;
        (y & m) | (n & !m)
    }
    match (yes, no) {
        (Arg::S(y), Arg::S(n)) => {
            for (((o, &c), &y), &n) in out.iter_mut().zip(cond).zip(y).zip(n) {
                *o = pick(c, y, n);
            }
        }
        (Arg::S(y), Arg::I(n)) => {
            for ((o, &c), &y) in out.iter_mut().zip(cond).zip(y) {
                *o = pick(c, y, n);
            }
        }
        (Arg::I(y), Arg::S(n)) => {
            for ((o, &c), &n) in out.iter_mut().zip(cond).zip(n) {
                *o = pick(c, y, n);
            }
        }
        (Arg::I(y), Arg::I(n)) => {
            for (o, &c) in out.iter_mut().zip(cond) {
                *o = pick(c, y, n);
            }
        }
    }
}

/// Per household of the tile, an aggregate of its members' values: prefix sums over the
/// members (in `scratch`), the prefix at each household's end, then differences of those. Three
/// straight passes instead of a short loop per household, whose length the branch predictor
/// cannot guess; the last two vectorise. `scratch` holds at least members + households + 1.
#[inline(always)]
fn aggregate_rows(
    out: &mut [i64],
    values: &[i64],
    offsets: &[u32],
    how: Aggregate,
    scratch: &mut [i64],
) -> bool {
    let n = out.len();
    let members = *offsets.last().unwrap_or(&0) as usize;
    let values = &values[..members];
    // Wrapping is harmless: a household's sum is exact whenever it fits, and it fits when the
    // largest value times the largest household does (checked below, for sums only).
    let bad = how == Aggregate::Sum && {
        let largest_value = values.iter().fold(0i64, |m, &v| m.max(v.saturating_abs()));
        let largest_household = offsets.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        largest_value
            .checked_mul(largest_household.max(1) as i64)
            .is_none()
    };
    let (prefix, ends) = scratch.split_at_mut(members + 1);
    prefix[0] = 0;
    let mut acc = 0i64;
    for (p, &v) in prefix[1..].iter_mut().zip(values) {
        acc = acc.wrapping_add(v);
        *p = acc;
    }
    // ends[i]: the prefix after household i. Offsets never pass the members (the `min` only
    // tells the compiler so, which lets it drop the bounds check and gather).
    let ends = &mut ends[..n];
    for (e, &o) in ends.iter_mut().zip(&offsets[1..]) {
        *e = prefix[(o as usize).min(members)];
    }
    // Each household's total: its end minus the previous household's end.
    if n > 0 {
        out[0] = ends[0];
        for ((o, &b), &a) in out[1..].iter_mut().zip(&ends[1..]).zip(&ends[..n - 1]) {
            *o = b.wrapping_sub(a);
        }
    }
    match how {
        Aggregate::Sum => {}
        Aggregate::Count => out.iter_mut().for_each(|o| *o *= SCALE),
        Aggregate::Any => out.iter_mut().for_each(|o| *o = (*o > 0) as i64),
        Aggregate::All => {
            let sizes = offsets[1..].iter().zip(offsets);
            for (o, (&b, &a)) in out.iter_mut().zip(sizes) {
                *o = (*o == (b - a) as i64) as i64;
            }
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::{HouseholdInput, PersonInput};

    /// Three households of 2, 0… no: of 2, 1 and 2 members.
    fn population() -> Population {
        let person = |id: u64, age: i64, income: i64| PersonInput {
            id,
            age,
            disabled: age > 60,
            income: income * SCALE,
            employed: None,
            nva_registered: None,
        };
        let household = |id: u64, costs: i64, persons: Vec<PersonInput>| HouseholdInput {
            id,
            municipality: "x".into(),
            housing_costs: costs * SCALE,
            savings: 0,
            vehicles: None,
            persons,
        };
        let households = [
            household(1, 100, vec![person(1, 40, 300), person(2, 10, 0)]),
            household(2, 50, vec![person(3, 70, 250)]),
            household(3, 80, vec![person(4, 30, 1), person(5, 65, 2)]),
        ];
        Population::from_households(&households, &["x"], "test").unwrap()
    }

    fn run(pop: &Population, roots: &[Column]) -> Result<Vec<Vec<i64>>, RunError> {
        let program = Program::compile(roots).unwrap();
        let mut outs: Vec<Vec<i64>> = roots
            .iter()
            .map(|r| match r.level() {
                Level::Household => vec![0; pop.household_count()],
                Level::Person => vec![0; pop.person_count()],
            })
            .collect();
        let mut sinks: Vec<Sink> = outs.iter_mut().map(|o| Sink::Num(o)).collect();
        program.run(pop, 0..pop.household_count(), &mut sinks)?;
        Ok(outs)
    }

    #[test]
    fn a_graph_computes_what_it_says() {
        let pop = population();
        let none = None;
        let income = sum(input(Input::named("income").unwrap()), &none).unwrap();
        let size = input(Input::Size);
        let level = arith(
            Operand::Scalar(100 * SCALE),
            Operand::Col(
                arith(
                    Operand::Col(size.clone()),
                    Operand::Scalar(SCALE),
                    Arith::Sub,
                    &none,
                )
                .unwrap(),
            ),
            Arith::Add,
            &none,
        )
        .unwrap();
        let gap = arith(
            Operand::Col(level.clone()),
            Operand::Col(income.clone()),
            Arith::Sub,
            &none,
        )
        .unwrap();
        let old = any_all(
            compare(
                Operand::Col(input(Input::named("age").unwrap())),
                Operand::Scalar(60 * SCALE),
                Cmp::Gt,
                &none,
            )
            .unwrap(),
            false,
            &none,
        )
        .unwrap();
        let benefit = choose(old, Operand::Col(gap.clone()), Operand::Scalar(0), &none).unwrap();
        let out = run(
            &pop,
            &[
                Column::Num(income),
                Column::Num(gap),
                Column::Num(benefit),
                Column::Num(fill(7)),
            ],
        )
        .unwrap();
        assert_eq!(out[0], [300 * SCALE, 250 * SCALE, 3 * SCALE]);
        // level: 101, 100, 101 (the scalar 100 plus size − 1)
        assert_eq!(out[1], [-199 * SCALE, -150 * SCALE, 98 * SCALE]);
        assert_eq!(out[2], [0, -150 * SCALE, 98 * SCALE]);
        assert_eq!(out[3], [7, 7, 7]);
    }

    #[test]
    fn tiles_give_the_same_result_as_one_pass() {
        // More households than one tile, with members spanning tile edges.
        let households: Vec<HouseholdInput> = (0..3 * TILE as u64 + 17)
            .map(|i| HouseholdInput {
                id: i,
                municipality: "x".into(),
                housing_costs: (i as i64 % 300) * SCALE,
                savings: 0,
                vehicles: None,
                persons: (0..1 + i % 4)
                    .map(|k| PersonInput {
                        id: i * 10 + k,
                        age: ((i * 7 + k * 13) % 90) as i64,
                        disabled: false,
                        income: ((i * 31 + k) % 500) as i64 * SCALE,
                        employed: None,
                        nva_registered: None,
                    })
                    .collect(),
            })
            .collect();
        let pop = Population::from_households(&households, &["x"], "test").unwrap();
        let none = None;
        let income = sum(input(Input::named("income").unwrap()), &none).unwrap();
        let out = run(&pop, &[Column::Num(income)]).unwrap();
        for (i, h) in households.iter().enumerate() {
            let want: i64 = h.persons.iter().map(|p| p.income).sum();
            assert_eq!(out[0][i], want, "household {i}");
        }
    }

    #[test]
    fn an_overflow_names_its_site_and_row() {
        let pop = population();
        let site = Some(Arc::new(Site {
            script: "rules/x.rhai".into(),
            line: Some(3),
            column: Some(9),
        }));
        let costs = input(Input::named("housing_costs").unwrap());
        // 80 EUR × 10^14 overflows; 50 and 100 … also; the first row is 0.
        let big = arith(
            Operand::Col(costs),
            Operand::Scalar(100_000_000_000_000 * SCALE),
            Arith::Mul,
            &site,
        )
        .unwrap();
        let e = run(&pop, &[Column::Num(big)]).unwrap_err();
        assert_eq!(e.site.unwrap().line, Some(3));
        assert_eq!(e.row, 0);
        assert!(e.message.contains("overflowed"), "{}", e.message);
    }

    #[test]
    fn levels_must_match() {
        let none = None;
        let e = arith(
            Operand::Col(input(Input::named("income").unwrap())),
            Operand::Col(input(Input::Size)),
            Arith::Add,
            &none,
        )
        .unwrap_err();
        assert!(e.contains("person column"), "{e}");
        assert!(sum(input(Input::Size), &none).is_err());
    }

    #[test]
    fn deep_chains_are_refused() {
        let none = None;
        let mut x = input(Input::Size);
        let mut refused = false;
        for _ in 0..MAX_DEPTH + 5 {
            match arith(
                Operand::Col(x.clone()),
                Operand::Scalar(1),
                Arith::Add,
                &none,
            ) {
                Ok(y) => x = y,
                Err(_) => {
                    refused = true;
                    break;
                }
            }
        }
        assert!(refused);
    }

    /// Inputs read in place work as operands, as aggregate arguments and as roots themselves.
    #[test]
    fn inputs_read_in_place_are_operands_and_roots() {
        let pop = population();
        let none = None;
        let costs = input(Input::named("housing_costs").unwrap());
        let income = sum(input(Input::named("income").unwrap()), &none).unwrap();
        let left = arith(
            Operand::Col(costs.clone()),
            Operand::Col(income),
            Arith::Sub,
            &none,
        );
        let out = run(&pop, &[Column::Num(left.unwrap()), Column::Num(costs)]).unwrap();
        assert_eq!(out[0], [-200 * SCALE, -200 * SCALE, 77 * SCALE]);
        assert_eq!(out[1], [100 * SCALE, 50 * SCALE, 80 * SCALE]);
    }

    /// The branch-free overflow checks agree with Rust's own at the edges of i64.
    #[test]
    fn vectorisable_overflow_checks_equal_the_flag() {
        let edges = [
            i64::MIN,
            i64::MIN + 1,
            -(1 << 62),
            -3,
            -1,
            0,
            1,
            2,
            1 << 45,
            (1 << 62) + 7,
            i64::MAX - 1,
            i64::MAX,
        ];
        for &x in &edges {
            for &y in &edges {
                assert_eq!(add_checked(x, y), x.overflowing_add(y), "{x} + {y}");
                assert_eq!(sub_checked(x, y), x.overflowing_sub(y), "{x} - {y}");
            }
            for m in [0, 1, -1, 2, -2, 7, 1 << 20, -(1 << 40), i64::MAX] {
                let (r, bad) = times_checked(m)(x);
                let (want, overflow) = x.overflowing_mul(m);
                // Exactly i64::MIN is refused too: the one product the bound cannot tell.
                assert_eq!(bad, overflow || want == i64::MIN && m != 0, "{x} × {m}");
                if !bad {
                    assert_eq!(r, want, "{x} × {m}");
                }
            }
        }
        // Whole-number columns above the 2⁴⁵ bound take the exact path and still find overflow.
        let mut out = vec![0; 2];
        assert!(times_whole(
            &mut out,
            &[1 << 55, 3],
            &[1_000 * SCALE, SCALE]
        ));
        assert!(!times_whole(&mut out, &[1 << 46, 3], &[2 * SCALE, SCALE]));
        assert_eq!(out, [1 << 47, 3]);
    }

    #[test]
    fn products_with_rates_are_exact_on_the_fast_path() {
        let x: Vec<i64> = (-200_000..200_000).step_by(13).collect();
        for k in [3_000, 5_000, 2_500, 700, 1_250, -3_000, 9_999] {
            let mut out = vec![0; x.len()];
            let fast = rate_fast(&mut out, &x, k);
            assert_eq!(fast, k != 9_999, "{k}");
            if fast {
                for (i, &v) in x.iter().enumerate() {
                    assert_eq!(Some(out[i]), fixed::mul(v, k), "{v} × {k}");
                }
            }
        }
    }

    #[test]
    fn products_with_whole_columns_are_exact_on_both_paths() {
        let x: Vec<i64> = vec![17_000, -13_000, 5, 0, 21_000];
        let small: Vec<i64> = vec![1_660_000, 1_160_000, -30_000, 0, 2_140_000];
        let mut out = vec![0; 5];
        assert!(!times_whole(&mut out, &x, &small));
        for i in 0..5 {
            assert_eq!(Some(out[i]), fixed::mul(x[i], small[i]), "{i}");
        }
        let large: Vec<i64> = small.iter().map(|v| v * 10_000).collect();
        assert!(!times_whole(&mut out, &x, &large));
        for i in 0..5 {
            assert_eq!(Some(out[i]), fixed::mul(x[i], large[i]), "{i}");
        }
    }

    #[test]
    fn the_32_bit_rounding_path_equals_the_64_bit_one() {
        let values: Vec<i64> = (-300_000..300_000)
            .step_by(7)
            .chain([
                (1 << 31) - 1,
                -(1 << 31) + 1,
                12_350,
                -12_350,
                5_000,
                -5_000,
            ])
            .collect();
        let mut fast = vec![0; values.len()];
        assert!(!round_column::<CENT>(&mut fast, &values));
        for (&v, &r) in values.iter().zip(&fast) {
            assert_eq!(r, round_half_up::<CENT>(v).0, "{v}");
        }
        assert!(!round_column::<SCALE>(&mut fast, &values));
        for (&v, &r) in values.iter().zip(&fast) {
            assert_eq!(r, round_half_up::<SCALE>(v).0, "{v}");
        }
    }

    #[test]
    fn rounding_is_half_up_to_the_unit() {
        assert_eq!(round_half_up::<CENT>(12_350), (12_400, false));
        assert_eq!(round_half_up::<CENT>(12_349), (12_300, false));
        assert_eq!(round_half_up::<SCALE>(5_000), (10_000, false));
        assert_eq!(round_half_up::<SCALE>(-5_000), (-10_000, false));
        assert!(round_half_up::<SCALE>(i64::MAX).1);
    }
}
