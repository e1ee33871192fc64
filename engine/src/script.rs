//! The one module that knows rhai: the sandboxed engine, the column types as rhai values, and
//! running the policy scripts.
//!
//! A script reads like a formula for one household. `h.income` is a column, and every operator
//! on columns (`+ - * < <= & | !`, `max`, `where`, `sum`, `round_cents`, …) is a Rust function
//! registered here that adds a node to a column graph (`crate::columns`) instead of computing.
//! So the scripts run once per municipality and date ([`Rules::plan`]), whatever the number of
//! households; the graph is then compiled into a program that runs over the households.
//! Conditionals on household values are therefore expressions (`where(c, a, b)`); `if` remains
//! for scalars (parameters).
//!
//! Numbers in columns are exact fixed-point (`crate::fixed`); scalars are `Decimal` (the engine is
//! built with `no_float`, so `0.7` in a script is a decimal) or integers. Rounding happens only
//! where a script calls a rounding function, except that column products keep four decimals.
//!
//! Scripts are untrusted: no file access (no modules), no `eval`, strict variables, and limits on
//! operations, call depth, expression depth, strings, arrays and maps. An endless loop ends with
//! an error naming the script, line and column. Every column operation records where it is
//! written, so an overflow found later, when the program runs, names that place too.
//!
//! What a script sees:
//! - `h`: the households. `h.size` and the household inputs declared in `crate::inputs`
//!   (`h.housing_costs`, `h.savings`, …; an optional one only where the population has it:
//!   `h.has("crisis")`); `h.members.NAME` for the person inputs (`h.members.age`, `.income`, …);
//!   and every variable an earlier script set with `h.name = …`.
//! - `p`: the parameters in force for the municipality at the simulated date.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use rhai::{
    AST, Dynamic, Engine, EvalAltResult, INT, ImmutableString, Map, NativeCallContext, Position,
    Scope,
};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::columns::{
    self, Arith, Cmp, Column, ColumnResult, Level, Logic, Mask, Num, Operand, Program, Rounding,
    RunError, Sink, Site,
};
use crate::fixed::{self, SCALE};
use crate::inputs;
use crate::parameters::{Leaf, Resolved, ResolvedNode, Value};
use crate::population::Population;

type RResult<T> = Result<T, Box<EvalAltResult>>;

/// Operations one script may perform in one run before it is stopped. A column operation counts
/// once, so real policies use a few hundred; an endless loop hits this in milliseconds.
pub const MAX_OPERATIONS: u64 = 200_000;

/// An error in a policy script, with its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScriptError {
    /// The script's path inside the policy (`rules/gmi.rhai`).
    pub script: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.script)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

// ---------------------------------------------------------------------------------------------
// Columns as rhai values

fn runtime_error(message: impl Into<String>) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(message.into()),
        Position::NONE,
    ))
}

fn column_error<T>(r: ColumnResult<T>) -> RResult<T> {
    r.map_err(runtime_error)
}

fn int_scalar(v: INT) -> RResult<i64> {
    v.checked_mul(SCALE)
        .ok_or_else(|| runtime_error(format!("{v} is too large")))
}

fn dec_scalar(d: Decimal) -> RResult<i64> {
    fixed::from_decimal(d).ok_or_else(|| {
        runtime_error(format!(
            "{d} has more than 4 decimals or is too large for a column"
        ))
    })
}

fn round_dec(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Where the operator being called is written, for errors found when the program runs.
fn site(ctx: &NativeCallContext) -> Option<Arc<Site>> {
    let pos = ctx.call_position();
    Some(Arc::new(Site {
        script: ctx.call_source().unwrap_or_default().into(),
        line: pos.line(),
        column: pos.position(),
    }))
}

// ---------------------------------------------------------------------------------------------
// `h`: the households

/// Household input columns a script can read: `size` (derived) and the household inputs
/// declared in `crate::inputs`.
pub fn household_inputs() -> Vec<&'static str> {
    std::iter::once("size")
        .chain(inputs::at(Level::Household).map(|(_, i)| i.name))
        .collect()
}

/// Person input columns a script can read from `h.members`: the person inputs declared in
/// `crate::inputs`.
pub fn person_inputs() -> Vec<&'static str> {
    inputs::at(Level::Person).map(|(_, i)| i.name).collect()
}

/// Which optional input columns the population has.
type Shape = inputs::Present;

/// `h`: the households of one municipality, their inputs and the variables the scripts have set
/// so far.
#[derive(Clone)]
pub struct Households {
    shape: Shape,
    /// Variables set by scripts, and which script set each.
    vars: BTreeMap<ImmutableString, (Dynamic, Arc<str>)>,
    /// Variable names in the order they were set (for explanations).
    order: Vec<ImmutableString>,
    /// The script running now (for "already set by" messages).
    current: Arc<str>,
    /// The variables the policy declares; `None`: any name may be set.
    declared: Option<Arc<BTreeSet<String>>>,
}

/// `h.members`: the person columns.
#[derive(Clone)]
pub struct Members {
    shape: Shape,
}

impl Households {
    fn get(&mut self, name: &str) -> RResult<Dynamic> {
        if let Some((v, _)) = self.vars.get(name) {
            return Ok(v.clone());
        }
        if name == "members" {
            return Ok(Dynamic::from(Members { shape: self.shape }));
        }
        if let Some(v) = input(self.shape, name, Level::Household)? {
            return Ok(v);
        }
        let set: Vec<&str> = self.vars.keys().map(|k| k.as_str()).collect();
        Err(runtime_error(format!(
            "h.{name} does not exist: households have {} and members (h.members.{}); set so far: {}",
            household_inputs().join(", "),
            person_inputs().join(", h.members."),
            if set.is_empty() {
                "nothing".to_string()
            } else {
                set.join(", ")
            }
        )))
    }

    fn has(&self, name: &str) -> bool {
        match inputs::find(name) {
            Some((i, _)) => self.shape.has(i),
            None if name == "size" || name == "members" => true,
            None => self.vars.contains_key(name),
        }
    }

    fn set(&mut self, name: &str, value: Dynamic) -> RResult<()> {
        if household_inputs().contains(&name) || name == "members" {
            return Err(runtime_error(format!(
                "h.{name} is an input and cannot be changed"
            )));
        }
        if let Some((_, by)) = self.vars.get(name) {
            return Err(runtime_error(format!(
                "h.{name} is already set (by {by}); each variable is set once"
            )));
        }
        if let Some(declared) = &self.declared
            && !declared.contains(name)
        {
            return Err(runtime_error(format!(
                "h.{name} is not declared in policy.toml: declare it as a step ([variables.{name}], with its label and legal reference) or as an output ([[benefit]] or [[status]])"
            )));
        }
        if value.is_string() {
            return Err(runtime_error(format!(
                "h.{name}: a variable is a column, a mask, a number, true/false or a table, not a text"
            )));
        }
        self.vars.insert(name.into(), (value, self.current.clone()));
        self.order.push(name.into());
        Ok(())
    }
}

/// An input column by name, at a level (`h.NAME` or `h.members.NAME`). Every read of `h.income`
/// is the same node, so the program loads it once.
fn input(shape: Shape, name: &str, level: Level) -> RResult<Option<Dynamic>> {
    use columns::Input as I;
    static NODES: std::sync::OnceLock<Vec<Dynamic>> = std::sync::OnceLock::new();
    let nodes = NODES.get_or_init(|| {
        inputs::INPUTS
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let which = I::Declared(k as inputs::Index);
                if i.kind.is_flag() {
                    Dynamic::from(columns::input_mask(which))
                } else {
                    Dynamic::from(columns::input(which))
                }
            })
            .collect()
    });
    static SIZE: std::sync::OnceLock<Dynamic> = std::sync::OnceLock::new();
    if level == Level::Household && name == "size" {
        return Ok(Some(
            SIZE.get_or_init(|| Dynamic::from(columns::input(I::Size)))
                .clone(),
        ));
    }
    let Some((k, declared)) = inputs::find(name).filter(|(_, i)| i.level == level) else {
        return Ok(None);
    };
    if !shape.has(k) {
        return Err(runtime_error(format!(
            "this population has no '{name}' column in {}",
            declared.file()
        )));
    }
    Ok(Some(nodes[k as usize].clone()))
}

// ---------------------------------------------------------------------------------------------
// `p`: parameters

/// `p` (and its groups): resolved parameters, recording what a script reads when tracing.
#[derive(Clone)]
pub struct Params {
    node: Arc<BTreeMap<String, ResolvedNode>>,
    path: ImmutableString,
    trace: Option<Arc<Mutex<Vec<Arc<Leaf>>>>>,
}

impl Params {
    fn get(&mut self, name: &str) -> RResult<Dynamic> {
        match self.node.get(name) {
            Some(ResolvedNode::Group(g)) => Ok(Dynamic::from(Params {
                node: g.clone(),
                path: if self.path.is_empty() {
                    name.into()
                } else {
                    format!("{}.{name}", self.path).into()
                },
                trace: self.trace.clone(),
            })),
            Some(ResolvedNode::Leaf(leaf)) => {
                if let Some(t) = &self.trace {
                    let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
                    if !t.iter().any(|l| Arc::ptr_eq(l, leaf)) {
                        t.push(leaf.clone());
                    }
                }
                Ok(to_dynamic(&leaf.value))
            }
            None => {
                let known: Vec<&str> = self.node.keys().map(String::as_str).collect();
                let at = if self.path.is_empty() {
                    "p".to_string()
                } else {
                    format!("p.{}", self.path)
                };
                Err(runtime_error(format!(
                    "{at}.{name} is not a parameter in force at this date (known: {})",
                    known.join(", ")
                )))
            }
        }
    }
}

fn to_dynamic(v: &Value) -> Dynamic {
    match v {
        Value::Number(d) => Dynamic::from_decimal(*d),
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Text(t) => Dynamic::from(ImmutableString::from(t.as_str())),
        Value::Table(t) => {
            let mut m = Map::new();
            for (k, v) in t {
                m.insert(k.as_str().into(), to_dynamic(v));
            }
            Dynamic::from_map(m)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The engine

/// Builds the sandboxed engine with the column types and operators registered.
fn new_engine() -> Engine {
    let mut engine = Engine::new();
    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_call_levels(32)
        .set_max_expr_depths(64, 32)
        .set_max_string_size(10_000)
        .set_max_array_size(10_000)
        .set_max_map_size(1_000)
        .set_max_variables(1_000)
        .set_max_functions(1_000)
        .set_strict_variables(true)
        // Interning takes an engine-wide lock that serialises threads (design notes §7).
        .set_max_strings_interned(0);
    engine.disable_symbol("eval");
    // Scripts have no terminal.
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});

    engine.register_type_with_name::<Num>("column");
    engine.register_type_with_name::<Mask>("mask");
    engine.register_type_with_name::<Households>("households");
    engine.register_type_with_name::<Members>("members");
    engine.register_type_with_name::<Params>("parameters");
    engine.register_indexer_get(|h: &mut Households, name: &str| h.get(name));
    engine.register_indexer_set(|h: &mut Households, name: &str, v: Dynamic| h.set(name, v));
    engine.register_indexer_get(|m: &mut Members, name: &str| -> RResult<Dynamic> {
        input(m.shape, name, Level::Person)?.ok_or_else(|| {
            runtime_error(format!(
                "h.members.{name} does not exist: members have {}",
                person_inputs().join(", ")
            ))
        })
    });
    engine.register_indexer_get(|p: &mut Params, name: &str| p.get(name));
    engine.register_fn("contains", |p: &mut Params, name: &str| {
        p.node.contains_key(name)
    });
    // h.has("vehicles"): whether an optional input column or a variable exists.
    engine.register_fn("has", |h: &mut Households, name: &str| h.has(name));
    // h.fill(0): a household column holding one value.
    engine.register_fn("fill", |_: &mut Households, v: INT| -> RResult<Num> {
        Ok(columns::fill(int_scalar(v)?))
    });
    engine.register_fn("fill", |_: &mut Households, v: Decimal| -> RResult<Num> {
        Ok(columns::fill(dec_scalar(v)?))
    });
    // Columns have no values while the scripts run: the program computes them afterwards.
    engine.register_fn("to_string", |n: &mut Num| {
        format!("({} column)", n.level().name())
    });
    engine.register_fn("to_debug", |n: &mut Num| {
        format!("({} column)", n.level().name())
    });
    engine.register_fn("to_string", |m: &mut Mask| {
        format!("({} mask)", m.level().name())
    });
    engine.register_fn("to_debug", |m: &mut Mask| {
        format!("({} mask)", m.level().name())
    });

    register_arithmetic(&mut engine);
    register_masks(&mut engine);
    register_aggregates_and_rounding(&mut engine);
    engine
}

macro_rules! for_number_pairs {
    ($engine:expr, $name:expr, $f:expr) => {{
        let f = $f;
        $engine.register_fn($name, move |ctx: NativeCallContext, a: Num, b: Num| {
            f(site(&ctx), Operand::Col(a), Operand::Col(b))
        });
        $engine.register_fn($name, move |ctx: NativeCallContext, a: Num, b: INT| {
            f(site(&ctx), Operand::Col(a), Operand::Scalar(int_scalar(b)?))
        });
        $engine.register_fn($name, move |ctx: NativeCallContext, a: INT, b: Num| {
            f(site(&ctx), Operand::Scalar(int_scalar(a)?), Operand::Col(b))
        });
        $engine.register_fn($name, move |ctx: NativeCallContext, a: Num, b: Decimal| {
            f(site(&ctx), Operand::Col(a), Operand::Scalar(dec_scalar(b)?))
        });
        $engine.register_fn($name, move |ctx: NativeCallContext, a: Decimal, b: Num| {
            f(site(&ctx), Operand::Scalar(dec_scalar(a)?), Operand::Col(b))
        });
    }};
}

fn register_arithmetic(engine: &mut Engine) {
    for op in [Arith::Add, Arith::Sub, Arith::Mul, Arith::Max, Arith::Min] {
        for_number_pairs!(engine, op.symbol(), move |s, a, b| column_error(
            columns::arith(a, b, op, &s)
        ));
    }
    for op in [Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge, Cmp::Eq, Cmp::Ne] {
        for_number_pairs!(engine, op.symbol(), move |s, a, b| -> RResult<Mask> {
            let mask = column_error(columns::compare(a, b, op, &s))?;
            record(&s, &mask);
            Ok(mask)
        });
    }
    engine.register_fn("-", |ctx: NativeCallContext, a: Num| {
        column_error(columns::negate(a, &site(&ctx)))
    });

    // where(condition, if_true, if_false) for every mix of columns and scalars.
    fn op_num(n: Num) -> RResult<Operand> {
        Ok(Operand::Col(n))
    }
    fn op_int(n: INT) -> RResult<Operand> {
        Ok(Operand::Scalar(int_scalar(n)?))
    }
    fn op_dec(d: Decimal) -> RResult<Operand> {
        Ok(Operand::Scalar(dec_scalar(d)?))
    }
    macro_rules! reg_where {
        ($($a:ty => $fa:ident, $b:ty => $fb:ident);* $(;)?) => {$(
            engine.register_fn("where", |ctx: NativeCallContext, c: Mask, a: $a, b: $b| {
                let s = site(&ctx);
                record(&s, &c);
                column_error(columns::choose(c, $fa(a)?, $fb(b)?, &s))
            });
        )*};
    }
    reg_where!(
        Num => op_num, Num => op_num;
        Num => op_num, INT => op_int;
        Num => op_num, Decimal => op_dec;
        INT => op_int, Num => op_num;
        Decimal => op_dec, Num => op_num;
        INT => op_int, INT => op_int;
        Decimal => op_dec, Decimal => op_dec;
        INT => op_int, Decimal => op_dec;
        Decimal => op_dec, INT => op_int;
    );
}

fn register_masks(engine: &mut Engine) {
    for op in [Logic::And, Logic::Or, Logic::Xor] {
        engine.register_fn(
            op.symbol(),
            move |ctx: NativeCallContext, a: Mask, b: Mask| {
                column_error(columns::logic(a, b, op, &site(&ctx)))
            },
        );
        engine.register_fn(
            op.symbol(),
            move |ctx: NativeCallContext, a: Mask, b: bool| {
                column_error(columns::logic_scalar(a, b, op, &site(&ctx)))
            },
        );
        engine.register_fn(
            op.symbol(),
            move |ctx: NativeCallContext, b: bool, a: Mask| {
                column_error(columns::logic_scalar(a, b, op, &site(&ctx)))
            },
        );
    }
    engine.register_fn("!", |ctx: NativeCallContext, a: Mask| {
        column_error(columns::not(a, &site(&ctx)))
    });
}

fn register_aggregates_and_rounding(engine: &mut Engine) {
    engine.register_fn("sum", |ctx: NativeCallContext, x: Num| {
        column_error(columns::sum(x, &site(&ctx)))
    });
    engine.register_fn("count", |ctx: NativeCallContext, x: Mask| {
        column_error(columns::count(x, &site(&ctx)))
    });
    engine.register_fn("any", |ctx: NativeCallContext, x: Mask| {
        column_error(columns::any_all(x, false, &site(&ctx)))
    });
    engine.register_fn("all", |ctx: NativeCallContext, x: Mask| {
        column_error(columns::any_all(x, true, &site(&ctx)))
    });
    // The law rounds half up (to whole euros for thresholds, to cents for amounts). For the
    // non-negative amounts of the law, half away from zero is half up. rhai's own round() on
    // decimals rounds half to even, so these are the ones to use.
    for (name, how) in [
        ("round_cents", Rounding::Cents),
        ("round_euros", Rounding::Euros),
        ("floor_cents", Rounding::FloorCents),
        ("floor_euros", Rounding::FloorEuros),
    ] {
        engine.register_fn(name, move |ctx: NativeCallContext, x: Num| {
            column_error(columns::round(x, how, &site(&ctx)))
        });
    }
    engine.register_fn("round_euros", |d: Decimal| round_dec(d, 0));
    engine.register_fn("round_cents", |d: Decimal| round_dec(d, 2));
    engine.register_fn("round_euros", |i: INT| Decimal::from(i));
    engine.register_fn("round_cents", |i: INT| Decimal::from(i));
}

/// A compiled script of the policy.
pub struct Script {
    pub path: String,
    ast: AST,
}

/// The compiled rules: the sandboxed engine and the scripts in evaluation order.
pub struct Rules {
    engine: Engine,
    scripts: Vec<Script>,
    /// The variables the scripts may set (the policy's declaration); `None`: any.
    declared: Option<Arc<BTreeSet<String>>>,
}

/// A value a script produced, without rhai types.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A number column (fixed units); `person` if one value per member.
    Num {
        person: bool,
        values: Vec<i64>,
    },
    Mask {
        person: bool,
        values: Vec<bool>,
    },
    /// A scalar (a parameter-like value).
    Scalar(Value),
}

/// What a traced script did: the parameters it read, the variables it set and its locals.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceStep {
    pub script: String,
    pub parameters: Vec<Arc<Leaf>>,
    pub set: Vec<(String, Output)>,
    pub locals: Vec<(String, Output)>,
}

/// A traced step before its columns are computed.
struct PlannedStep {
    script: String,
    parameters: Vec<Arc<Leaf>>,
    set: Vec<(String, Dynamic)>,
    locals: Vec<(String, Dynamic)>,
}

/// What the scripts built for one municipality and date: every variable they set, as a value
/// or a column not computed yet. Compile the columns wanted into a [`Program`] and run it over
/// the municipality's households.
pub struct Plan {
    vars: BTreeMap<ImmutableString, (Dynamic, Arc<str>)>,
    trace: Vec<PlannedStep>,
    /// With tracing: every comparison's mask and `where`'s condition, with where it is written.
    branches: Recorded,
}

impl Plan {
    /// The names of the variables set, in name order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(|k| k.as_str())
    }

    /// A variable as a column (number or mask) and the script that set it; `Err(script)` if it
    /// is something else.
    pub fn column(&self, name: &str) -> Option<Result<(Column, &str), &str>> {
        let (v, by) = self.vars.get(name)?;
        Some(column_of(v).map(|c| (c, &**by)).ok_or(&**by))
    }
}

fn column_of(v: &Dynamic) -> Option<Column> {
    if let Some(n) = v.read_lock::<Num>() {
        return Some(Column::Num(n.clone()));
    }
    v.read_lock::<Mask>().map(|m| Column::Mask(m.clone()))
}

/// The variables set by all scripts over some households, computed, and the trace if asked for.
pub struct Evaluation {
    vars: BTreeMap<String, (Output, Arc<str>)>,
    pub trace: Vec<TraceStep>,
    /// With tracing: which side of each branch point ([`Rules::branch_points`]) the households
    /// took, in the order the scripts built them (a point inside a function called twice comes
    /// twice).
    pub branches: Vec<Taken>,
}

/// A branch point's yes/no for the households evaluated: one value per household, or per
/// person for a comparison of members' values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub script: String,
    pub line: usize,
    pub column: usize,
    pub values: Vec<bool>,
}

impl Evaluation {
    /// The names of the variables set, in name order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(|k| k.as_str())
    }

    /// A variable's value and the script that set it.
    pub fn get(&self, name: &str) -> Option<(Output, &str)> {
        self.vars.get(name).map(|(v, by)| (v.clone(), &**by))
    }
}

/// rhai keeps a position as 16-bit line and column numbers, so a script longer or wider than
/// that would get errors pointing at the wrong place: such a script is refused, saying so.
const MAX_POSITION: usize = u16::MAX as usize;

fn check_size(path: &str, text: &str) -> Result<(), ScriptError> {
    let fail = |line: Option<usize>, message: String| ScriptError {
        script: path.to_string(),
        line,
        column: None,
        message,
    };
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if number > MAX_POSITION {
            return Err(fail(
                None,
                format!(
                    "more than {MAX_POSITION} lines; a policy script may have at most {MAX_POSITION}, so that every error can name its line (split it into several scripts)"
                ),
            ));
        }
        // Bytes first: counting characters is only needed for a line that might be too wide.
        if line.len() > MAX_POSITION && line.chars().count() > MAX_POSITION {
            return Err(fail(
                Some(number),
                format!(
                    "a line of more than {MAX_POSITION} characters; a policy script's lines may have at most {MAX_POSITION}, so that every error can name its column"
                ),
            ));
        }
    }
    Ok(())
}

impl Rules {
    /// Compiles the scripts, given as `(path, text)` in evaluation order.
    pub fn compile(scripts: &[(String, String)]) -> Result<Rules, ScriptError> {
        let engine = new_engine();
        // Names only, for strict variables. Not constants: the optimiser would inline the
        // placeholder values into the scripts.
        let mut scope = Scope::new();
        scope.push("h", ());
        scope.push("p", ());
        let mut compiled = Vec::new();
        for (path, text) in scripts {
            check_size(path, text)?;
            let mut ast = engine.compile_with_scope(&scope, text).map_err(|e| {
                let pos = e.position();
                ScriptError {
                    script: path.clone(),
                    line: pos.line(),
                    column: pos.position(),
                    message: e.err_type().to_string(),
                }
            })?;
            ast.set_source(path.as_str());
            compiled.push(Script {
                path: path.clone(),
                ast,
            });
        }
        Ok(Rules {
            engine,
            scripts: compiled,
            declared: None,
        })
    }

    /// These rules, refusing to set any variable not in `declared` (the error names the
    /// script, line and column of the assignment).
    pub fn declaring(mut self, declared: Arc<BTreeSet<String>>) -> Rules {
        self.declared = Some(declared);
        self
    }

    pub fn scripts(&self) -> impl Iterator<Item = &str> {
        self.scripts.iter().map(|s| s.path.as_str())
    }

    /// Runs every script once with the parameters `params` of one municipality and date, for a
    /// population with the input columns of `population`, and returns what they built. With
    /// `trace`, also records each script's parameters, variables and locals (for `explain`).
    pub fn plan(
        &self,
        population: &Population,
        params: &Resolved,
        trace: bool,
    ) -> Result<Plan, ScriptError> {
        let mut h = Households {
            shape: Shape::of(population),
            vars: BTreeMap::new(),
            order: Vec::new(),
            current: "".into(),
            declared: self.declared.clone(),
        };
        let mut steps = Vec::new();
        let log = trace.then(|| Arc::new(Mutex::new(Vec::new())));
        let recording = Recording::start(trace);
        for script in &self.scripts {
            h.current = script.path.as_str().into();
            let p = Params {
                node: params.root.clone(),
                path: "".into(),
                trace: log.clone(),
            };
            let before = h.order.len();
            let mut scope = Scope::new();
            scope.push("h", h);
            scope.push_constant("p", p);
            let result = self
                .engine
                .eval_ast_with_scope::<Dynamic>(&mut scope, &script.ast);
            if let Err(e) = result {
                return Err(script_error(&script.path, &e));
            }
            h = match scope.remove::<Households>("h") {
                Some(c) => c,
                None => {
                    return Err(ScriptError {
                        script: script.path.clone(),
                        line: None,
                        column: None,
                        message: "`h` was replaced; set variables on it instead (h.name = …)"
                            .into(),
                    });
                }
            };
            if trace {
                let params_read = log
                    .as_ref()
                    .map(|l| std::mem::take(&mut *l.lock().unwrap_or_else(|e| e.into_inner())));
                let set = h.order[before..]
                    .iter()
                    .map(|k| (k.to_string(), h.vars[k].0.clone()))
                    .collect();
                // Locals that hold values (not `p`, `h` or views such as `h.members`).
                let locals = scope
                    .iter()
                    .filter(|(name, _, v)| {
                        *name != "p" && *name != "h" && !v.is::<Members>() && !v.is::<Params>()
                    })
                    .map(|(name, _, v)| (name.to_string(), v))
                    .collect();
                steps.push(PlannedStep {
                    script: script.path.clone(),
                    parameters: params_read.unwrap_or_default(),
                    set,
                    locals,
                });
            }
        }
        Ok(Plan {
            vars: h.vars,
            trace: steps,
            branches: recording.finish(),
        })
    }

    /// Plans and runs the rules over households `rows` of `population` (all of one
    /// municipality), computing every variable (and, with `trace`, every step: meant for a few
    /// households, as in `explain` and the case files).
    pub fn evaluate(
        &self,
        population: &Population,
        rows: Range<usize>,
        params: &Resolved,
        trace: bool,
    ) -> Result<Evaluation, ScriptError> {
        let plan = self.plan(population, params, trace)?;
        // Every column anywhere in the plan is a root of one program.
        let all = plan
            .vars
            .values()
            .map(|(v, _)| v)
            .chain(
                plan.trace
                    .iter()
                    .flat_map(|s| s.set.iter().chain(&s.locals).map(|(_, v)| v)),
            )
            .chain(plan.branches.iter().map(|(_, v)| v));
        let roots: Vec<Column> = all.filter_map(column_of).collect();
        let program = Program::compile(&roots).map_err(|message| ScriptError {
            script: self
                .scripts
                .last()
                .map(|s| s.path.clone())
                .unwrap_or_default(),
            line: None,
            column: None,
            message,
        })?;
        let persons = {
            let fp = &population.households.first_person;
            (fp[rows.end] - fp[rows.start]) as usize
        };
        let mut values: Vec<Vec<i64>> = roots
            .iter()
            .map(|r| match r.level() {
                Level::Household => vec![0; rows.len()],
                Level::Person => vec![0; persons],
            })
            .collect();
        let mut sinks: Vec<Sink> = values.iter_mut().map(|v| Sink::Num(v)).collect();
        program
            .run(population, rows.clone(), &mut sinks)
            .map_err(|e| run_error(e, population, rows.start))?;
        // Hand the values out in the order the roots were collected.
        let mut values = roots.iter().zip(values);
        let mut output = |v: &Dynamic| -> Output {
            match column_of(v) {
                Some(c) => {
                    let (root, values) = values.next().expect("one value per root");
                    debug_assert_eq!(root.level(), c.level());
                    let person = c.level() == Level::Person;
                    match c {
                        Column::Num(_) => Output::Num { person, values },
                        Column::Mask(_) => Output::Mask {
                            person,
                            values: values.iter().map(|&v| v != 0).collect(),
                        },
                    }
                }
                None => Output::Scalar(scalar(v)),
            }
        };
        let vars = plan
            .vars
            .iter()
            .map(|(k, (v, by))| (k.to_string(), (output(v), by.clone())))
            .collect();
        let trace = plan
            .trace
            .into_iter()
            .map(|s| TraceStep {
                script: s.script,
                parameters: s.parameters,
                set: s.set.iter().map(|(k, v)| (k.clone(), output(v))).collect(),
                locals: s
                    .locals
                    .iter()
                    .map(|(k, v)| (k.clone(), output(v)))
                    .collect(),
            })
            .collect();
        let branches = plan
            .branches
            .iter()
            .map(|(site, v)| Taken {
                script: site.script.to_string(),
                line: site.line.unwrap_or(0),
                column: site.column.unwrap_or(0),
                values: match output(v) {
                    Output::Mask { values, .. } => values,
                    _ => Vec::new(),
                },
            })
            .collect();
        Ok(Evaluation {
            vars,
            trace,
            branches,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Branches: where the rules part households

/// A place in the scripts where households part ways: a comparison of household or member
/// values (`h.income <= h.needy_threshold`) or a `where(condition, a, b)`. Each has two sides,
/// yes and no. Comparisons in an `if`'s condition are not among them: an `if` decides on
/// parameters (a `bool`, never a column), the same way for every household of a council and date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchPoint {
    pub script: String,
    pub line: usize,
    pub column: usize,
    /// The comparison (`<=`, `==`, …) or `where`.
    pub op: String,
    /// The two sides compared, or the condition chosen on, as written (from the syntax tree).
    pub operands: Vec<String>,
    /// What the expression is assigned to: `h.needy`, or a local such as `income_within_needy`
    /// (`None` inside an expression a function returns).
    pub target: Option<String>,
}

/// The masks a traced plan recorded, each with where it is written.
type Recorded = Vec<(Arc<Site>, Dynamic)>;

/// The comparisons a branch point is made of (with `where`).
pub const COMPARISONS: [&str; 6] = ["<", "<=", ">", ">=", "==", "!="];

thread_local! {
    /// The masks of the comparisons and `where` conditions built while a traced plan runs on
    /// this thread, with where each is written; `None` when not recording (every plan of a run).
    static RECORDING: std::cell::RefCell<Option<Recorded>> =
        const { std::cell::RefCell::new(None) };
}

/// Keeps `mask` as the branch written at `site`, when a traced plan is recording.
fn record(site: &Option<Arc<Site>>, mask: &Mask) {
    RECORDING.with(|r| {
        if let (Some(list), Some(site)) = (r.borrow_mut().as_mut(), site) {
            list.push((site.clone(), Dynamic::from(mask.clone())));
        }
    });
}

/// Recording on this thread for one plan; stopped however the plan ends.
struct Recording(bool);

impl Recording {
    fn start(on: bool) -> Recording {
        if on {
            RECORDING.with(|r| *r.borrow_mut() = Some(Vec::new()));
        }
        Recording(on)
    }

    fn finish(mut self) -> Recorded {
        let held = match self.0 {
            true => RECORDING
                .with(|r| r.borrow_mut().take())
                .unwrap_or_default(),
            false => Vec::new(),
        };
        self.0 = false;
        held
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        if self.0 {
            RECORDING.with(|r| *r.borrow_mut() = None);
        }
    }
}

impl Rules {
    /// Every branch point of the scripts, in script order and then by place, found in their
    /// syntax trees (function bodies included), whatever the parameters or households.
    pub fn branch_points(&self) -> Vec<BranchPoint> {
        use rhai::{ASTNode, Expr, Stmt};
        let mut out = Vec::new();
        for script in &self.scripts {
            let mut found = Vec::new();
            script.ast.walk(&mut |path: &[ASTNode]| {
                // A call is an expression, or a statement when it is a block's value.
                let (call, pos) = match path.last() {
                    Some(ASTNode::Expr(Expr::FnCall(call, pos)))
                    | Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => (call, pos),
                    _ => return true,
                };
                let name = call.name.as_str();
                let comparison = COMPARISONS.contains(&name) && call.args.len() == 2;
                let choice = name == "where" && call.args.len() == 3;
                if !(comparison || choice) {
                    return true;
                }
                let in_condition = path.windows(2).any(|w| match (w[0], w[1]) {
                    (ASTNode::Stmt(Stmt::If(flow, _)), ASTNode::Expr(e)) => {
                        std::ptr::eq(e, &flow.expr)
                    }
                    _ => false,
                });
                if in_condition {
                    return true;
                }
                let target = path.iter().rev().find_map(|n| match n {
                    ASTNode::Stmt(Stmt::Var(x, ..)) => Some(x.0.name.to_string()),
                    ASTNode::Stmt(Stmt::Assignment(x)) => Some(code(&x.1.lhs)),
                    _ => None,
                });
                let operands = if choice {
                    vec![code(&call.args[0])]
                } else {
                    call.args.iter().map(code).collect()
                };
                found.push(BranchPoint {
                    script: script.path.clone(),
                    line: pos.line().unwrap_or(0),
                    column: pos.position().unwrap_or(0),
                    op: name.to_string(),
                    operands,
                    target,
                });
                true
            });
            found.sort_by_key(|b| (b.line, b.column));
            found.dedup_by_key(|b| (b.line, b.column));
            out.extend(found);
        }
        out
    }
}

/// An expression as written, from its syntax tree (for the words of a branch).
fn code(e: &rhai::Expr) -> String {
    use rhai::Expr;
    let operand = |e: &Expr| match e {
        Expr::FnCall(c, _) if c.op_token.is_some() && c.args.len() == 2 => format!("({})", code(e)),
        _ => code(e),
    };
    match e {
        Expr::Variable(x, ..) => x.1.to_string(),
        Expr::Property(x, _) => x.2.to_string(),
        Expr::Dot(x, ..) | Expr::Index(x, ..) => format!("{}.{}", code(&x.lhs), code(&x.rhs)),
        Expr::IntegerConstant(i, _) => i.to_string(),
        Expr::BoolConstant(b, _) => b.to_string(),
        Expr::StringConstant(t, _) => format!("{t:?}"),
        Expr::DynamicConstant(d, _) => d.to_string(),
        Expr::FnCall(c, _) if c.op_token.is_some() && c.args.len() == 2 => {
            format!("{} {} {}", operand(&c.args[0]), c.name, operand(&c.args[1]))
        }
        Expr::FnCall(c, _) if c.op_token.is_some() && c.args.len() == 1 => {
            format!("{}{}", c.name, operand(&c.args[0]))
        }
        Expr::FnCall(c, _) | Expr::MethodCall(c, _) => {
            let args: Vec<String> = c.args.iter().map(code).collect();
            format!("{}({})", c.name, args.join(", "))
        }
        Expr::And(x, _) => x.iter().map(operand).collect::<Vec<_>>().join(" && "),
        Expr::Or(x, _) => x.iter().map(operand).collect::<Vec<_>>().join(" || "),
        _ => "…".to_string(),
    }
}

/// An error found while a program ran (an overflow), as a script error naming the household.
pub fn run_error(e: RunError, population: &Population, first_row: usize) -> ScriptError {
    let id = population.households.id.get(first_row + e.row);
    let (script, line, column) = match e.site {
        Some(s) => (s.script.to_string(), s.line, s.column),
        None => (String::new(), None, None),
    };
    ScriptError {
        script,
        line,
        column,
        message: format!("{} (household {id})", e.message),
    }
}

fn scalar(v: &Dynamic) -> Value {
    if let Ok(d) = v.as_decimal() {
        return Value::Number(d);
    }
    if let Ok(i) = v.as_int() {
        return Value::Number(Decimal::from(i));
    }
    if let Ok(b) = v.as_bool() {
        return Value::Bool(b);
    }
    if v.is_map() {
        if let Some(m) = v.read_lock::<Map>() {
            return Value::Table(m.iter().map(|(k, v)| (k.to_string(), scalar(v))).collect());
        }
    }
    if v.is_string() {
        return Value::Text(v.to_string());
    }
    Value::Text(format!("({})", v.type_name()))
}

/// Turns a rhai error into one naming the script, line and column. Errors inside a script
/// function carry their own position (the wrapper's is the call site); limits hit inside a
/// function report the call site, which is in the same script.
fn script_error(path: &str, e: &EvalAltResult) -> ScriptError {
    let inner = innermost(e);
    let pos = if inner.position().is_none() {
        e.position()
    } else {
        inner.position()
    };
    let message = match inner {
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "stopped after {MAX_OPERATIONS} operations: an endless loop? (rules work on whole columns and need no loops over households)"
        ),
        EvalAltResult::ErrorRuntime(v, _) => v.to_string(),
        other => strip_position(&other.to_string()),
    };
    let message = match e {
        EvalAltResult::ErrorInFunctionCall(name, ..) => format!("in function {name}: {message}"),
        _ => message,
    };
    ScriptError {
        script: path.to_string(),
        line: pos.line(),
        column: pos.position(),
        message,
    }
}

fn innermost(e: &EvalAltResult) -> &EvalAltResult {
    match e {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => innermost(inner),
        other => other,
    }
}

fn strip_position(text: &str) -> String {
    match text.rfind(" (line ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text.to_string(),
    }
}
