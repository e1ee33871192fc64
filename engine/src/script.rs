//! The one module that knows rhai: the sandboxed engine, the column types, and running the
//! policy scripts over a chunk of households.
//!
//! A script reads like a formula for one household but runs once per chunk of thousands:
//! `h.income` is a column (one value per household of the chunk), and every operator on columns
//! (`+ - * < <= & | !`, `max`, `where`, `sum`, `round_cents`, …) is a Rust function registered
//! here that loops over the whole column. The interpreter's cost is paid per chunk, not per
//! household. Conditionals on household values are therefore expressions (`where(c, a, b)`);
//! `if` remains for scalars (parameters).
//!
//! Numbers in columns are exact fixed-point (`crate::fixed`); scalars are `Decimal` (the engine is
//! built with `no_float`, so `0.7` in a script is a decimal) or integers. Rounding happens only
//! where a script calls a rounding function, except that column products keep four decimals.
//!
//! Scripts are untrusted: no file access (no modules), no `eval`, strict variables, and limits on
//! operations, call depth, expression depth, strings, arrays and maps. An endless loop ends with
//! an error naming the script, line and column.
//!
//! What a script sees:
//! - `h`: the chunk of households. `h.size`, `h.housing_costs`, `h.savings`, `h.vehicles`;
//!   `h.members.age`, `.disabled`, `.income`, `.employed`, `.nva_registered` (person columns);
//!   and every variable an earlier script set with `h.name = …`.
//! - `p`: the parameters in force for the chunk's municipality at the simulated date.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use rhai::{AST, Dynamic, Engine, EvalAltResult, INT, ImmutableString, Map, Position, Scope};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::columns::{self, Arith, Buf, Cmp, ColumnResult, Level, Logic, Mask, Num, Operand};
use crate::fixed::{self, CENT, SCALE};
use crate::parameters::{Leaf, Resolved, ResolvedNode, Value};
use crate::population::Population;

type RResult<T> = Result<T, Box<EvalAltResult>>;

/// Operations one script may perform on one chunk before it is stopped. A column operation
/// counts once, so real policies use a few hundred; an endless loop hits this in milliseconds.
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
    r.map_err(|m| {
        if m.contains("overflowed") {
            Box::new(EvalAltResult::ErrorArithmetic(m, Position::NONE))
        } else {
            runtime_error(m)
        }
    })
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

fn describe_num(n: &Num) -> String {
    let shown: Vec<String> = n
        .values()
        .iter()
        .take(5)
        .map(|&v| fixed::format_amount(v))
        .collect();
    let more = if n.values().len() > 5 { ", …" } else { "" };
    format!("{} column [{}{more}]", n.level.name(), shown.join(", "))
}

fn describe_mask(m: &Mask) -> String {
    let shown: Vec<String> = m.values().iter().take(5).map(|v| v.to_string()).collect();
    let more = if m.values().len() > 5 { ", …" } else { "" };
    format!("{} mask [{}{more}]", m.level.name(), shown.join(", "))
}

// ---------------------------------------------------------------------------------------------
// `h`: the chunk of households

/// Household input columns a script can read.
pub const HOUSEHOLD_INPUTS: [&str; 4] = ["size", "housing_costs", "savings", "vehicles"];
/// Person input columns a script can read from `h.members`.
pub const PERSON_INPUTS: [&str; 5] = ["age", "disabled", "income", "employed", "nva_registered"];

struct ChunkSource {
    population: Arc<Population>,
    households: Range<usize>,
    persons: Range<usize>,
    offsets: Arc<[u32]>,
}

/// `h`: a chunk of households, its inputs and the variables the scripts have set so far.
#[derive(Clone)]
pub struct Chunk {
    source: Arc<ChunkSource>,
    /// Variables set by scripts, and which script set each.
    vars: BTreeMap<ImmutableString, (Dynamic, Arc<str>)>,
    /// Variable names in the order they were set (for explanations).
    order: Vec<ImmutableString>,
    /// Input columns already materialised.
    inputs: Arc<Mutex<BTreeMap<&'static str, Dynamic>>>,
    /// The script running now (for "already set by" messages).
    current: Arc<str>,
}

/// `h.members`: the person columns of a chunk.
#[derive(Clone)]
pub struct Members {
    source: Arc<ChunkSource>,
    inputs: Arc<Mutex<BTreeMap<&'static str, Dynamic>>>,
}

impl Chunk {
    fn new(population: Arc<Population>, households: Range<usize>) -> Chunk {
        let fp = &population.households.first_person;
        let base = fp[households.start];
        let offsets: Arc<[u32]> = fp[households.start..=households.end]
            .iter()
            .map(|&o| o - base)
            .collect();
        let persons = base as usize..fp[households.end] as usize;
        Chunk {
            source: Arc::new(ChunkSource {
                population,
                households,
                persons,
                offsets,
            }),
            vars: BTreeMap::new(),
            order: Vec::new(),
            inputs: Arc::new(Mutex::new(BTreeMap::new())),
            current: "".into(),
        }
    }

    fn get(&mut self, name: &str) -> RResult<Dynamic> {
        if let Some((v, _)) = self.vars.get(name) {
            return Ok(v.clone());
        }
        if name == "members" {
            return Ok(Dynamic::from(Members {
                source: self.source.clone(),
                inputs: self.inputs.clone(),
            }));
        }
        if let Some(v) = input(&self.source, &self.inputs, name, false)? {
            return Ok(v);
        }
        let set: Vec<&str> = self.vars.keys().map(|k| k.as_str()).collect();
        Err(runtime_error(format!(
            "h.{name} does not exist: households have {} and members (h.members.{}); set so far: {}",
            HOUSEHOLD_INPUTS.join(", "),
            PERSON_INPUTS.join(", h.members."),
            if set.is_empty() {
                "nothing".to_string()
            } else {
                set.join(", ")
            }
        )))
    }

    fn has(&self, name: &str) -> bool {
        let pop = &self.source.population;
        match name {
            "vehicles" => pop.households.vehicles.is_some(),
            "employed" => pop.persons.employed.is_some(),
            "nva_registered" => pop.persons.nva_registered.is_some(),
            n if HOUSEHOLD_INPUTS.contains(&n) || PERSON_INPUTS.contains(&n) || n == "members" => {
                true
            }
            n => self.vars.contains_key(n),
        }
    }

    fn fill(&self, v: i64) -> RResult<Num> {
        Ok(Num::new(
            Level::Household,
            Buf::filled(self.source.households.len(), v),
        ))
    }

    fn set(&mut self, name: &str, value: Dynamic) -> RResult<()> {
        if HOUSEHOLD_INPUTS.contains(&name) || name == "members" {
            return Err(runtime_error(format!(
                "h.{name} is an input and cannot be changed"
            )));
        }
        if let Some((_, by)) = self.vars.get(name) {
            return Err(runtime_error(format!(
                "h.{name} is already set (by {by}); each variable is set once"
            )));
        }
        let n = self.source.households.len();
        let len_ok = |len: usize, level: &Level| match level {
            Level::Household => len == n,
            Level::Person(o) => Arc::ptr_eq(o, &self.source.offsets),
        };
        if let Some(c) = value.read_lock::<Num>() {
            if !len_ok(c.values().len(), &c.level) {
                return Err(runtime_error(format!(
                    "h.{name}: the column does not belong to this chunk"
                )));
            }
        } else if let Some(c) = value.read_lock::<Mask>() {
            if !len_ok(c.values().len(), &c.level) {
                return Err(runtime_error(format!(
                    "h.{name}: the column does not belong to this chunk"
                )));
            }
        } else if value.is_string() {
            return Err(runtime_error(format!(
                "h.{name}: a variable is a column, a mask, a number, true/false or a table, not a text"
            )));
        }
        self.vars.insert(name.into(), (value, self.current.clone()));
        self.order.push(name.into());
        Ok(())
    }
}

fn input(
    src: &ChunkSource,
    cache: &Mutex<BTreeMap<&'static str, Dynamic>>,
    name: &str,
    person: bool,
) -> RResult<Option<Dynamic>> {
    let names: &[&'static str] = if person {
        &PERSON_INPUTS
    } else {
        &HOUSEHOLD_INPUTS
    };
    let Some(&key) = names.iter().find(|&&k| k == name) else {
        return Ok(None);
    };
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = cache.get(key) {
        return Ok(Some(v.clone()));
    }
    let pop = &src.population;
    let (h, p) = (src.households.clone(), src.persons.clone());
    let person_level = || Level::Person(src.offsets.clone());
    let num = |level: Level, data: Buf<i64>| Dynamic::from(Num::new(level, data));
    let mask = |level: Level, data: Buf<bool>| Dynamic::from(Mask::new(level, data));
    let (nh, np) = (h.len(), p.len());
    let missing =
        |file: &str| runtime_error(format!("this population has no '{name}' column in {file}"));
    let value = match key {
        "size" => num(
            Level::Household,
            Buf::from_iter_exact(
                nh,
                src.offsets.windows(2).map(|w| (w[1] - w[0]) as i64 * SCALE),
            ),
        ),
        "housing_costs" => num(
            Level::Household,
            Buf::from_slice(&pop.households.housing_costs[h]),
        ),
        "savings" => num(
            Level::Household,
            Buf::from_slice(&pop.households.savings[h]),
        ),
        "vehicles" => match &pop.households.vehicles {
            Some(v) => num(
                Level::Household,
                Buf::from_iter_exact(nh, v[h].iter().map(|&x| x * SCALE)),
            ),
            None => return Err(missing("households.csv")),
        },
        "age" => num(
            person_level(),
            Buf::from_iter_exact(np, pop.persons.age[p].iter().map(|&a| a * SCALE)),
        ),
        "income" => num(person_level(), Buf::from_slice(&pop.persons.income[p])),
        "disabled" => mask(person_level(), Buf::from_slice(&pop.persons.disabled[p])),
        "employed" => match &pop.persons.employed {
            Some(v) => mask(person_level(), Buf::from_slice(&v[p])),
            None => return Err(missing("persons.csv")),
        },
        "nva_registered" => match &pop.persons.nva_registered {
            Some(v) => mask(person_level(), Buf::from_slice(&v[p])),
            None => return Err(missing("persons.csv")),
        },
        _ => unreachable!("names are listed above"),
    };
    cache.insert(key, value.clone());
    Ok(Some(value))
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
    engine.register_type_with_name::<Chunk>("households");
    engine.register_type_with_name::<Members>("members");
    engine.register_type_with_name::<Params>("parameters");
    engine.register_indexer_get(|h: &mut Chunk, name: &str| h.get(name));
    engine.register_indexer_set(|h: &mut Chunk, name: &str, v: Dynamic| h.set(name, v));
    engine.register_indexer_get(|m: &mut Members, name: &str| -> RResult<Dynamic> {
        input(&m.source, &m.inputs, name, true)?.ok_or_else(|| {
            runtime_error(format!(
                "h.members.{name} does not exist: members have {}",
                PERSON_INPUTS.join(", ")
            ))
        })
    });
    engine.register_indexer_get(|p: &mut Params, name: &str| p.get(name));
    engine.register_fn("contains", |p: &mut Params, name: &str| {
        p.node.contains_key(name)
    });
    // h.has("vehicles"): whether an optional input column or a variable exists.
    engine.register_fn("has", |h: &mut Chunk, name: &str| h.has(name));
    // h.fill(0): a household column holding one value.
    engine.register_fn("fill", |h: &mut Chunk, v: INT| -> RResult<Num> {
        h.fill(int_scalar(v)?)
    });
    engine.register_fn("fill", |h: &mut Chunk, v: Decimal| -> RResult<Num> {
        h.fill(dec_scalar(v)?)
    });
    engine.register_fn("to_string", |n: &mut Num| describe_num(n));
    engine.register_fn("to_debug", |n: &mut Num| describe_num(n));
    engine.register_fn("to_string", |m: &mut Mask| describe_mask(m));
    engine.register_fn("to_debug", |m: &mut Mask| describe_mask(m));

    register_arithmetic(&mut engine);
    register_masks(&mut engine);
    register_aggregates_and_rounding(&mut engine);
    engine
}

macro_rules! for_number_pairs {
    ($engine:expr, $name:expr, $f:expr) => {{
        let f = $f;
        $engine.register_fn($name, move |a: Num, b: Num| {
            f(Operand::Col(a), Operand::Col(b))
        });
        $engine.register_fn($name, move |a: Num, b: INT| {
            f(Operand::Col(a), Operand::Scalar(int_scalar(b)?))
        });
        $engine.register_fn($name, move |a: INT, b: Num| {
            f(Operand::Scalar(int_scalar(a)?), Operand::Col(b))
        });
        $engine.register_fn($name, move |a: Num, b: Decimal| {
            f(Operand::Col(a), Operand::Scalar(dec_scalar(b)?))
        });
        $engine.register_fn($name, move |a: Decimal, b: Num| {
            f(Operand::Scalar(dec_scalar(a)?), Operand::Col(b))
        });
    }};
}

fn register_arithmetic(engine: &mut Engine) {
    for op in [Arith::Add, Arith::Sub, Arith::Mul, Arith::Max, Arith::Min] {
        for_number_pairs!(engine, op.symbol(), move |a, b| column_error(
            columns::arith(a, b, op)
        ));
    }
    for (name, op) in [
        ("<", Cmp::Lt),
        ("<=", Cmp::Le),
        (">", Cmp::Gt),
        (">=", Cmp::Ge),
        ("==", Cmp::Eq),
        ("!=", Cmp::Ne),
    ] {
        for_number_pairs!(engine, name, move |a, b| column_error(columns::compare(
            a, b, op
        )));
    }
    engine.register_fn("-", |a: Num| column_error(columns::negate(a)));

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
            engine.register_fn("where", |c: Mask, a: $a, b: $b| column_error(columns::choose(c, $fa(a)?, $fb(b)?)));
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
    for (name, op) in [("&", Logic::And), ("|", Logic::Or), ("^", Logic::Xor)] {
        engine.register_fn(name, move |a: Mask, b: Mask| {
            column_error(columns::logic(a, b, op))
        });
    }
    engine.register_fn("&", |a: Mask, b: bool| columns::map_mask(a, move |x| x & b));
    engine.register_fn("&", |b: bool, a: Mask| columns::map_mask(a, move |x| x & b));
    engine.register_fn("|", |a: Mask, b: bool| columns::map_mask(a, move |x| x | b));
    engine.register_fn("|", |b: bool, a: Mask| columns::map_mask(a, move |x| x | b));
    engine.register_fn("!", |a: Mask| columns::map_mask(a, |x| !x));
}

fn register_aggregates_and_rounding(engine: &mut Engine) {
    engine.register_fn("sum", |x: Num| column_error(columns::sum(&x)));
    engine.register_fn("count", |x: Mask| column_error(columns::count(&x)));
    engine.register_fn("any", |x: Mask| column_error(columns::any_all(&x, false)));
    engine.register_fn("all", |x: Mask| column_error(columns::any_all(&x, true)));
    // The law rounds half up (to whole euros for thresholds, to cents for amounts). For the
    // non-negative amounts of the law, half away from zero is half up. rhai's own round() on
    // decimals rounds half to even, so these are the ones to use.
    engine.register_fn("round_cents", columns::round::<CENT, false>);
    engine.register_fn("round_euros", columns::round::<SCALE, false>);
    engine.register_fn("floor_cents", columns::round::<CENT, true>);
    engine.register_fn("floor_euros", columns::round::<SCALE, true>);
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

/// The variables set by all scripts over one chunk, and the trace if asked for.
pub struct Evaluation {
    vars: BTreeMap<ImmutableString, (Dynamic, Arc<str>)>,
    pub trace: Vec<TraceStep>,
}

impl Evaluation {
    /// The names of the variables set, in name order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(|k| k.as_str())
    }

    /// A household-level number column and the script that set it; `Err(script)` if the
    /// variable is something else.
    pub fn household_num(&self, name: &str) -> Option<Result<(Num, &str), &str>> {
        let (v, by) = self.vars.get(name)?;
        Some(match v.clone().try_cast::<Num>() {
            Some(n) if !n.level.is_person() => Ok((n, &**by)),
            _ => Err(&**by),
        })
    }

    /// A household-level mask and the script that set it; `Err(script)` if it is something else.
    pub fn household_mask(&self, name: &str) -> Option<Result<(Mask, &str), &str>> {
        let (v, by) = self.vars.get(name)?;
        Some(match v.clone().try_cast::<Mask>() {
            Some(m) if !m.level.is_person() => Ok((m, &**by)),
            _ => Err(&**by),
        })
    }

    /// A variable's value (copied out) and the script that set it.
    pub fn get(&self, name: &str) -> Option<(Output, &str)> {
        self.vars.get(name).map(|(v, by)| (output(v), &**by))
    }
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
        })
    }

    pub fn scripts(&self) -> impl Iterator<Item = &str> {
        self.scripts.iter().map(|s| s.path.as_str())
    }

    /// Runs every script over households `rows` of `population` (all of one municipality) with
    /// the parameters `params`, and returns the variables they set. With `trace`, also records
    /// each script's parameters, variables and locals (meant for small chunks: `explain`).
    pub fn evaluate(
        &self,
        population: &Arc<Population>,
        rows: Range<usize>,
        params: &Resolved,
        trace: bool,
    ) -> Result<Evaluation, ScriptError> {
        let mut chunk = Chunk::new(population.clone(), rows);
        let mut steps = Vec::new();
        let log = trace.then(|| Arc::new(Mutex::new(Vec::new())));
        for script in &self.scripts {
            chunk.current = script.path.as_str().into();
            let p = Params {
                node: params.root.clone(),
                path: "".into(),
                trace: log.clone(),
            };
            let before = chunk.order.len();
            let mut scope = Scope::new();
            scope.push("h", chunk);
            scope.push_constant("p", p);
            let result = self
                .engine
                .eval_ast_with_scope::<Dynamic>(&mut scope, &script.ast);
            if let Err(e) = result {
                return Err(script_error(&script.path, &e));
            }
            chunk = match scope.remove::<Chunk>("h") {
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
                let set = chunk.order[before..]
                    .iter()
                    .map(|k| (k.to_string(), output(&chunk.vars[k].0)))
                    .collect();
                // Locals that hold values (not `p`, `h` or views such as `h.members`).
                let locals = scope
                    .iter()
                    .filter(|(name, _, v)| {
                        *name != "p" && *name != "h" && !v.is::<Members>() && !v.is::<Params>()
                    })
                    .map(|(name, _, v)| (name.to_string(), output(&v)))
                    .collect();
                steps.push(TraceStep {
                    script: script.path.clone(),
                    parameters: params_read.unwrap_or_default(),
                    set,
                    locals,
                });
            }
        }
        Ok(Evaluation {
            vars: chunk.vars,
            trace: steps,
        })
    }
}

fn output(v: &Dynamic) -> Output {
    if let Some(n) = v.read_lock::<Num>() {
        return Output::Num {
            person: n.level.is_person(),
            values: n.values().to_vec(),
        };
    }
    if let Some(m) = v.read_lock::<Mask>() {
        return Output::Mask {
            person: m.level.is_person(),
            values: m.values().to_vec(),
        };
    }
    Output::Scalar(scalar(v))
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
            "stopped after {MAX_OPERATIONS} operations on one chunk: an endless loop? (rules work on whole columns and need no loops over households)"
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
