//! Sweeps and goal-seeking: one number of a run (a parameter, or the take-up cap) moved over a
//! grid of values, every other input held as it is — the same households, the same behaviour
//! and the same seed, so the draws are the same at every point and differences between points
//! are the number's alone.
//!
//! - A point's value is applied exactly as `--set PATH=VALUE` is ([`ParameterSet::set`] on the
//!   value's text parsed by [`Value::parse_cli`]), so a value outside the legal range gets the
//!   message `--set` would give; a value the rules refuse (a council's low-income threshold
//!   above the cap) gets the rules' message. Either way the point is *skipped*, not fatal.
//! - `municipalities.*.REST` moves `municipalities.SLUG.REST` of every council the population
//!   has, at once (one value for all of them).
//! - [`TAKE_UP_CAP`] is not a parameter but behaviour: it multiplies every council's take-up cap
//!   (the share that apply when what they would get is large), capped at 1. A year's projection
//!   only: a month counts entitlement, which has no take-up.
//! - Points run in parallel, at most as many at once as the thread pool has threads (a year of
//!   all of Latvia holds about 260 MB while it runs); results come back in point order and do
//!   not depend on the thread count, as a single run does not.
//!
//! [`solve`] looks for the highest (or lowest) value of a grid at which a measure meets a
//! target, by bisection over the grid, two interior points a round evaluated in parallel. A
//! bisection is only right for a measure that moves one way: every measure it evaluates is
//! checked to be monotone, and if they are not it stops and says so, with the best point it saw.
//! The grid follows the parameter's own rounding ([`solve_grid`]): a share of the median moves
//! the first-person threshold in whole euros, a EUR amount in cents.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::annual::Behaviour;
use crate::date::Period;
use crate::draw::MILLION;
use crate::parameters::{NumberSpec, ParameterSet, Value};
use crate::run::{Configuration, Horizon, Results, run};
use crate::simulate::{SimulationError, prepare};
use crate::summary::Summary;

/// The most points a grid may have: a sweep of more is a mistake in its step.
pub const MAX_POINTS: usize = 10_000;

/// The behaviour axis: a factor on every council's take-up cap.
pub const TAKE_UP_CAP: &str = "behaviour.take_up_cap";

/// What a sweep moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Axis {
    /// A parameter path as `--set` takes it (`gmi.pct`,
    /// `municipalities.tukuma-novads.low_income.pct`), or `municipalities.*.REST` for every
    /// council of the population.
    Parameter(String),
    /// A factor on every council's take-up cap ([`TAKE_UP_CAP`]), from 0 to [`MAX_TAKE_UP_SCALE`].
    TakeUpCap,
}

/// The largest factor on take-up caps: caps are shares, a factor above this is a slip.
pub const MAX_TAKE_UP_SCALE: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

impl Axis {
    /// The axis a path names: [`TAKE_UP_CAP`] or a parameter path.
    pub fn parse(path: &str) -> Axis {
        if path == TAKE_UP_CAP {
            Axis::TakeUpCap
        } else {
            Axis::Parameter(path.to_string())
        }
    }

    /// Its name, as given.
    pub fn name(&self) -> &str {
        match self {
            Axis::Parameter(p) => p,
            Axis::TakeUpCap => TAKE_UP_CAP,
        }
    }

    /// What values the axis may take. For a parameter, its declared legal range and what it is
    /// a share of ([`ParameterSet::number_at`]: an unknown path gets "did you mean"); for a
    /// wildcard path, the default council's entry, which every council's value shares.
    pub fn spec(&self, parameters: &ParameterSet, horizon: Horizon) -> Result<NumberSpec, String> {
        match self {
            Axis::TakeUpCap => {
                if let Horizon::Month(_) = horizon {
                    return Err(format!(
                        "{TAKE_UP_CAP}: take-up applies to a year's projection only; a month counts everyone entitled (use --year)"
                    ));
                }
                Ok(NumberSpec {
                    range: crate::parameters::Range {
                        min: Decimal::ZERO,
                        max: MAX_TAKE_UP_SCALE,
                    },
                    requires: None,
                    unit: "factor".into(),
                })
            }
            Axis::Parameter(path) => {
                let probe = path.replacen(WILDCARD, "municipalities.default.", 1);
                parameters
                    .number_at(&probe, &format!("--param {path}"))
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// The prefix of a path that names every council.
pub const WILDCARD: &str = "municipalities.*.";

/// `from, from + step, …` up to `to` (included when the steps land on it), exactly: no float.
/// Refuses a step that is not positive, `from > to`, and more than [`MAX_POINTS`] points.
pub fn grid(from: Decimal, to: Decimal, step: Decimal) -> Result<Vec<Decimal>, String> {
    if step <= Decimal::ZERO {
        return Err(format!(
            "--step {step}: give a step above 0 (e.g. --step 0.01)"
        ));
    }
    if from > to {
        return Err(format!(
            "--from {from} is above --to {to}: give the lower value first"
        ));
    }
    let span = to - from;
    let count = (span / step).floor();
    if count >= Decimal::from(MAX_POINTS) {
        return Err(format!(
            "{from} to {to} by {step} is more than {MAX_POINTS} points: take a larger --step"
        ));
    }
    let count = u32::try_from(count.mantissa() / 10i128.pow(count.scale())).unwrap_or(0);
    Ok((0..=count)
        .map(|k| (from + step * Decimal::from(k)).normalize())
        .collect())
}

/// The parameters and behaviour of one point.
pub fn apply(
    base: &Configuration,
    axis: &Axis,
    value: Decimal,
) -> Result<(Option<ParameterSet>, Option<Behaviour>), String> {
    match axis {
        Axis::TakeUpCap => {
            let spec = axis.spec(base.parameters, base.horizon)?;
            if value < spec.range.min || value > spec.range.max {
                return Err(format!(
                    "{TAKE_UP_CAP}={value}: outside the range {} … {} (a factor on every council's take-up cap)",
                    spec.range.min, spec.range.max
                ));
            }
            Ok((None, Some(scale_take_up(base.behaviour, value))))
        }
        Axis::Parameter(path) => {
            let text = value.normalize().to_string();
            let parsed =
                Value::parse_cli(&text).map_err(|m| format!("--set {path}={text}: {m}"))?;
            let mut parameters = base.parameters.clone();
            for p in expand(path, base) {
                parameters
                    .set(&p, parsed.clone(), &format!("--set {p}={text}"))
                    .map_err(|e| e.to_string())?;
            }
            Ok((Some(parameters), None))
        }
    }
}

/// The paths a (wildcard) path stands for over the councils of the population.
fn expand(path: &str, base: &Configuration) -> Vec<String> {
    let Some(rest) = path.strip_prefix(WILDCARD) else {
        return vec![path.to_string()];
    };
    present(base)
        .into_iter()
        .map(|slug| format!("municipalities.{slug}.{rest}"))
        .collect()
}

/// The councils the population has households of, in slug order.
fn present(base: &Configuration) -> Vec<String> {
    let p = &base.population;
    let mut idx: Vec<u16> = p.households.municipality.clone();
    idx.sort_unstable();
    idx.dedup();
    let mut slugs: Vec<String> = idx
        .into_iter()
        .map(|m| p.municipalities[m as usize].clone())
        .collect();
    slugs.sort();
    slugs
}

/// Every take-up cap times `factor`, rounded half up to millionths, at most 1.
fn scale_take_up(behaviour: &Behaviour, factor: Decimal) -> Behaviour {
    let scale = |cap: u32| -> u32 {
        let v = (Decimal::from(cap) * factor)
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .min(Decimal::from(MILLION));
        u32::try_from(v.mantissa()).unwrap_or(MILLION)
    };
    let mut out = behaviour.clone();
    for t in out.take_up.values_mut().chain([&mut out.default_take_up]) {
        t.cap = t.cap.map(scale);
    }
    out
}

/// What one point gave: the summary (per municipality and TOTAL) and, for a year, each month's.
#[derive(Debug, Clone, PartialEq)]
pub struct Ran {
    pub summary: Summary,
    pub by_month: Vec<Summary>,
}

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub enum Point {
    Ran(Box<Ran>),
    /// Not run: the value is outside what the parameter or the rules accept (the message says
    /// which and what would be accepted).
    Skipped(String),
}

impl Point {
    pub fn ran(&self) -> Option<&Ran> {
        match self {
            Point::Ran(r) => Some(r),
            Point::Skipped(_) => None,
        }
    }
}

/// Runs one point. A value the override or the rules refuse is a skipped point; what else
/// fails (a total that does not fit) is an error.
pub fn evaluate(
    base: &Configuration,
    axis: &Axis,
    value: Decimal,
) -> Result<Point, SimulationError> {
    let (parameters, behaviour) = match apply(base, axis, value) {
        Ok(x) => x,
        Err(m) => return Ok(Point::Skipped(m)),
    };
    let c = Configuration {
        policy: base.policy,
        rules: base.rules,
        parameters: parameters.as_ref().unwrap_or(base.parameters),
        population: base.population,
        horizon: base.horizon,
        behaviour: behaviour.as_ref().unwrap_or(base.behaviour),
        chunk_size: base.chunk_size,
    };
    match run(&c, &|_| {}) {
        Ok(Results {
            summary, by_month, ..
        }) => Ok(Point::Ran(Box::new(Ran { summary, by_month }))),
        Err(e @ (SimulationError::Script { .. } | SimulationError::Parameter(_))) => {
            Ok(Point::Skipped(e.to_string()))
        }
        Err(e) => Err(e),
    }
}

/// Runs every value, in parallel, at most as many at once as the pool has threads; the points
/// in the order of `values`. The first error in that order, if any.
pub fn sweep(
    base: &Configuration,
    axis: &Axis,
    values: &[Decimal],
) -> Result<Vec<Point>, SimulationError> {
    let Some(mut points) = together(base, axis, values) else {
        return evaluate_all(base, axis, values);
    };
    // The points that did not run together run alone, as they would without the others.
    let alone: Vec<usize> = (0..values.len()).filter(|&i| points[i].is_none()).collect();
    let run: Vec<Decimal> = alone.iter().map(|&i| values[i]).collect();
    for (i, p) in alone.into_iter().zip(evaluate_all(base, axis, &run)?) {
        points[i] = Some(p);
    }
    Ok(points.into_iter().flatten().collect())
}

/// A year's sweep of a parameter with the points projected together
/// ([`crate::annual::project_together`]): per point, what it gave, or `None` for a point to
/// run alone (one the rules do not plan, or whose year its parameters refuse). `None` for the
/// whole where the points cannot share (a month, the take-up axis, one point) or the batch
/// gave up: then every point runs alone, so what fails fails as a run alone does.
fn together(base: &Configuration, axis: &Axis, values: &[Decimal]) -> Option<Vec<Option<Point>>> {
    let (Horizon::Year(year), Axis::Parameter(_)) = (base.horizon, axis) else {
        return None;
    };
    if values.len() < 2 {
        return None;
    }
    let mut points: Vec<Option<Point>> = vec![None; values.len()];
    let mut sets: Vec<(usize, ParameterSet)> = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        match apply(base, axis, v) {
            Err(m) => points[i] = Some(Point::Skipped(m)),
            Ok((Some(parameters), _)) if parameters.check_year(year).is_ok() => {
                sets.push((i, parameters))
            }
            Ok(_) => {}
        }
    }
    if sets.len() < 2 {
        return None;
    }
    let rules = base.rules.unwrap_or(&base.policy.rules);
    // In groups of consecutive values: a group's points each keep a row index per household.
    for group in sets.chunks(TOGETHER) {
        let refs: Vec<&ParameterSet> = group.iter().map(|(_, p)| p).collect();
        let ran = crate::annual::project_together(
            rules,
            &refs,
            &base.policy.schema,
            base.population,
            year,
            base.behaviour,
        )?;
        for ((i, _), r) in group.iter().zip(ran) {
            points[*i] =
                r.map(|(summary, by_month)| Point::Ran(Box::new(Ran { summary, by_month })));
        }
    }
    Some(points)
}

/// The most points projected together: a sweep of more goes in groups of this many.
pub const TOGETHER: usize = 32;

fn evaluate_all(
    base: &Configuration,
    axis: &Axis,
    values: &[Decimal],
) -> Result<Vec<Point>, SimulationError> {
    let width = rayon::current_num_threads().max(1);
    let mut out = Vec::with_capacity(values.len());
    // In batches of the pool's width: a run waiting for its chunks may steal another point,
    // and a batch bounds how many runs (and their memory) are under way at once.
    for batch in values.chunks(width) {
        let points: Vec<Result<Point, SimulationError>> =
            batch.par_iter().map(|&v| evaluate(base, axis, v)).collect();
        for p in points {
            out.push(p?);
        }
    }
    Ok(out)
}

/// Whether the rules accept a value, without running any household: the override is applied
/// and the rules are planned for every council and month of the horizon (where the rules'
/// own checks, such as the low-income threshold between the needy threshold and the cap, are
/// made). `Err` with the message a run would stop with.
pub fn accepted(base: &Configuration, axis: &Axis, value: Decimal) -> Result<(), String> {
    let (parameters, _) = apply(base, axis, value)?;
    let Some(parameters) = parameters else {
        return Ok(());
    };
    let rules = base.rules.unwrap_or(&base.policy.rules);
    let periods: Vec<(Period, bool)> = match base.horizon {
        Horizon::Month(p) => vec![(p, false)],
        Horizon::Year(year) => (1..=12)
            .map(|month| (Period { year, month }, true))
            .collect(),
    };
    for (period, annual) in periods {
        prepare(
            rules,
            &parameters,
            &base.policy.schema,
            base.population,
            period,
            annual,
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// One value of a search grid: the value set, and for a share of the median the first-person
/// threshold it gives (whole euros).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridPoint {
    pub value: Decimal,
    pub euros: Option<i64>,
}

/// A search grid in the parameter's own rounding, and a note on what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveGrid {
    pub points: Vec<GridPoint>,
    pub note: Option<String>,
}

/// The grid a search moves over, within `from..=to` (each defaulting to the legal range's end)
/// and the legal range:
/// - a share of the median (a field that `requires` `median_income`): one point per whole euro
///   of the first-person threshold (`round half up(share × median)`), each the smallest share
///   in ten-thousandths that gives it, with the median in force at the horizon's first month
///   (a year whose median changes later says so in the note);
/// - otherwise `step` if given, else whole cents for a EUR amount, ten-thousandths for anything
///   else (the precision of the engine's fixed point).
pub fn solve_grid(
    base: &Configuration,
    axis: &Axis,
    from: Option<Decimal>,
    to: Option<Decimal>,
    step: Option<Decimal>,
) -> Result<SolveGrid, String> {
    let spec = axis.spec(base.parameters, base.horizon)?;
    let lo = from.unwrap_or(spec.range.min).max(spec.range.min);
    let hi = to.unwrap_or(spec.range.max).min(spec.range.max);
    if lo > hi {
        return Err(format!(
            "{}: no legal value between {} and {} (its legal range is {})",
            axis.name(),
            from.unwrap_or(spec.range.min),
            to.unwrap_or(spec.range.max),
            spec.range
        ));
    }
    let Some(share_of) = spec.requires.as_deref().filter(|_| step.is_none()) else {
        let step = step.unwrap_or(if spec.unit.contains("EUR") {
            Decimal::new(1, 2)
        } else {
            Decimal::new(1, 4)
        });
        let points = grid(lo, hi, step)?
            .into_iter()
            .map(|value| GridPoint { value, euros: None })
            .collect();
        return Ok(SolveGrid { points, note: None });
    };
    let slugs = present(base);
    let slug = slugs.first().map(String::as_str).unwrap_or("default");
    let months: Vec<Period> = match base.horizon {
        Horizon::Month(p) => vec![p],
        Horizon::Year(year) => (1..=12).map(|month| Period { year, month }).collect(),
    };
    let mut medians = Vec::new();
    for p in &months {
        let resolved = base
            .parameters
            .resolve(p.first_day(), slug)
            .map_err(|e| e.to_string())?;
        let median = match resolved.leaf(share_of).map(|l| &l.value) {
            Some(Value::Number(d)) => Some(*d),
            _ => None,
        };
        medians.push((*p, median));
    }
    let Some(median) = medians[0].1 else {
        return Err(format!(
            "{}: a share of {share_of}, which is not in force in {} (shares of the median apply from 2023-07)",
            axis.name(),
            months[0]
        ));
    };
    let note = medians
        .iter()
        .find(|(_, m)| *m != Some(median))
        .map(|(p, m)| {
            format!(
                "{share_of} changes in {p} (to {}): the grid follows {}'s, {median}",
                m.map_or("none".to_string(), |m| m.to_string()),
                months[0]
            )
        });
    Ok(SolveGrid {
        points: share_grid(lo, hi, median)?,
        note,
    })
}

/// A EUR amount rounded half up to whole euros, as the rules round a threshold.
fn euros(d: Decimal) -> i64 {
    let r = d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(r.mantissa() / 10i128.pow(r.scale())).unwrap_or(i64::MAX)
}

/// One share per whole euro of `round(share × median)` between `lo` and `hi`: the smallest in
/// ten-thousandths (or finer, where a ten-thousandth of the median is more than a euro).
fn share_grid(lo: Decimal, hi: Decimal, median: Decimal) -> Result<Vec<GridPoint>, String> {
    if median <= Decimal::ZERO {
        return Err(format!(
            "the median is {median}: no share of it can be searched"
        ));
    }
    let (first, last) = (euros(lo * median), euros(hi * median));
    if usize::try_from(last - first).unwrap_or(usize::MAX) >= MAX_POINTS {
        return Err(format!(
            "{lo} to {hi} of a median of {median} is more than {MAX_POINTS} whole euros: give --from and --to closer together"
        ));
    }
    let mut out = Vec::new();
    for t in first..=last {
        // The smallest share whose threshold rounds to t: from (t − ½) / median, up.
        let mut found = None;
        for dp in [4u32, 6, 8] {
            let unit = Decimal::new(1, dp);
            let start = ((Decimal::from(t) - Decimal::new(5, 1)) / median)
                .round_dp_with_strategy(dp, RoundingStrategy::ToPositiveInfinity)
                .max(lo);
            let mut c = start;
            while euros(c * median) < t {
                c += unit;
            }
            if euros(c * median) == t && c <= hi {
                found = Some(c.normalize());
                break;
            }
            if c > hi {
                break;
            }
        }
        if let Some(value) = found {
            out.push(GridPoint {
                value,
                euros: Some(t),
            });
        }
    }
    Ok(out)
}

/// A target for a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    AtMost(i64),
    AtLeast(i64),
}

impl Goal {
    pub fn met(self, v: i64) -> bool {
        match self {
            Goal::AtMost(t) => v <= t,
            Goal::AtLeast(t) => v >= t,
        }
    }
}

/// Which value meeting the goal is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Highest,
    Lowest,
}

/// What a search over a grid found (indices into the grid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The wanted value `at`; `beyond` is the next grid value past it (the one above for the
    /// highest, below for the lowest), which fails the goal: `None` when `at` is the grid's end.
    At { at: usize, beyond: Option<usize> },
    /// Neither end of the grid meets the goal: with a monotone measure, no value does.
    Unreachable,
    /// The measures evaluated do not move one way, so a bisection cannot be trusted; `best`
    /// is the evaluated point that meets the goal furthest the wanted way, if any does.
    NonMonotone { best: Option<usize> },
}

/// A search's answer and every measure it evaluated, by grid index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub found: Found,
    pub evaluated: BTreeMap<usize, i64>,
    pub rounds: usize,
}

/// Evaluates a batch of grid indices: each one's measure, in the order given.
pub type Evaluate<'a, E> = dyn FnMut(&[usize]) -> Result<Vec<i64>, E> + 'a;

/// Bisection over grid indices `0..n` for the wanted index meeting `goal`. `eval` evaluates a
/// batch of indices at once (the caller runs them in parallel) and gives each its measure. Each
/// round evaluates up to two interior indices, cutting the interval in three. After every round
/// the measures seen must be monotone in the index (either way); else it stops with
/// [`Found::NonMonotone`].
pub fn search<E>(n: usize, goal: Goal, want: Want, eval: &mut Evaluate<E>) -> Result<Search, E> {
    let mut seen = BTreeMap::new();
    let mut rounds = 0;
    let mut batch = |idx: &[usize], seen: &mut BTreeMap<usize, i64>, rounds: &mut usize| {
        let fresh: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|i| !seen.contains_key(i))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        *rounds += 1;
        for (i, v) in fresh.iter().zip(eval(&fresh)?) {
            seen.insert(*i, v);
        }
        Ok(())
    };
    let done = |found: Found, seen: BTreeMap<usize, i64>, rounds: usize| {
        Ok(Search {
            found,
            evaluated: seen,
            rounds,
        })
    };
    if n == 0 {
        return done(Found::Unreachable, seen, rounds);
    }
    batch(&[0, n - 1], &mut seen, &mut rounds)?;
    // Oriented so that `good` is the end wanted: the highest value for Highest.
    let (good_end, bad_end) = match want {
        Want::Highest => (n - 1, 0),
        Want::Lowest => (0, n - 1),
    };
    if goal.met(seen[&good_end]) {
        return done(
            Found::At {
                at: good_end,
                beyond: None,
            },
            seen,
            rounds,
        );
    }
    if !goal.met(seen[&bad_end]) {
        return done(Found::Unreachable, seen, rounds);
    }
    // Invariant: `meets` meets the goal, `fails` does not, and the answer lies between.
    let (mut meets, mut fails) = (bad_end, good_end);
    while meets.abs_diff(fails) > 1 {
        let (lo, hi) = (meets.min(fails), meets.max(fails));
        let third = (hi - lo).div_ceil(3);
        let mut probe = vec![lo + third];
        if hi - third > lo + third {
            probe.push(hi - third);
        }
        batch(&probe, &mut seen, &mut rounds)?;
        if !monotone(&seen) {
            let best = best(&seen, goal, want);
            return done(Found::NonMonotone { best }, seen, rounds);
        }
        // Monotone measures meet a goal on one side: for the highest the indices from 0 up to
        // the crossing, for the lowest from the crossing up to the end.
        let met = seen.iter().filter(|(_, v)| goal.met(**v)).map(|(i, _)| *i);
        let unmet = seen.iter().filter(|(_, v)| !goal.met(**v)).map(|(i, _)| *i);
        (meets, fails) = match want {
            Want::Highest => (met.max().unwrap_or(meets), unmet.min().unwrap_or(fails)),
            Want::Lowest => (met.min().unwrap_or(meets), unmet.max().unwrap_or(fails)),
        };
    }
    if !monotone(&seen) {
        let best = best(&seen, goal, want);
        return done(Found::NonMonotone { best }, seen, rounds);
    }
    done(
        Found::At {
            at: meets,
            beyond: Some(fails),
        },
        seen,
        rounds,
    )
}

/// Whether the values, in index order, never go down or never go up.
fn monotone(seen: &BTreeMap<usize, i64>) -> bool {
    let v: Vec<i64> = seen.values().copied().collect();
    v.windows(2).all(|w| w[0] <= w[1]) || v.windows(2).all(|w| w[0] >= w[1])
}

/// The evaluated index that meets the goal furthest the wanted way.
fn best(seen: &BTreeMap<usize, i64>, goal: Goal, want: Want) -> Option<usize> {
    let meeting = seen.iter().filter(|(_, v)| goal.met(**v)).map(|(i, _)| *i);
    match want {
        Want::Highest => meeting.max(),
        Want::Lowest => meeting.min(),
    }
}

/// The sub-range of a grid the rules accept, found without running households
/// ([`accepted`]): every 1 in `n / 64` values is checked, then each edge between an accepted
/// and a refused check is found by bisection. The accepted values must be one interval, as the
/// law's ranges are (between a lower and an upper limit); checks that show otherwise are an
/// error naming them. `Err` also when no value is accepted, with the reasons at both ends.
pub fn accepted_span(
    base: &Configuration,
    axis: &Axis,
    values: &[Decimal],
) -> Result<(usize, usize), String> {
    let n = values.len();
    if n == 0 {
        return Err(format!("{}: the grid has no value", axis.name()));
    }
    let check = |i: usize| accepted(base, axis, values[i]);
    let coarse: Vec<usize> = {
        let mut c: Vec<usize> = (0..=64).map(|k| k * (n - 1) / 64).collect();
        c.dedup();
        c
    };
    let first: Vec<Result<(), String>> = coarse.par_iter().map(|&i| check(i)).collect();
    let mut ok: BTreeMap<usize, bool> = coarse
        .iter()
        .zip(&first)
        .map(|(&i, r)| (i, r.is_ok()))
        .collect();
    if !ok.values().any(|&b| b) {
        // Nothing accepted among the checks: check every value before saying so.
        let all: Vec<bool> = (0..n).into_par_iter().map(|i| check(i).is_ok()).collect();
        ok = all.into_iter().enumerate().collect();
        if !ok.values().any(|&b| b) {
            return Err(format!(
                "{}: no value from {} to {} is accepted: at {}: {}; at {}: {}",
                axis.name(),
                values[0],
                values[n - 1],
                values[0],
                first[0].as_ref().err().map_or("", String::as_str),
                values[n - 1],
                first[first.len() - 1]
                    .as_ref()
                    .err()
                    .map_or("", String::as_str)
            ));
        }
    }
    let accepted_checks: Vec<usize> = ok.iter().filter(|(_, b)| **b).map(|(i, _)| *i).collect();
    let (a, b) = (
        accepted_checks[0],
        accepted_checks[accepted_checks.len() - 1],
    );
    if let Some((&gap, _)) = ok.range(a..=b).find(|(_, b)| !**b) {
        return Err(format!(
            "{}: the values the rules accept are not one range ({} and {} are, {} between them is not): give --from and --to within one",
            axis.name(),
            values[a],
            values[b],
            values[gap]
        ));
    }
    // The edges: the last refused check below `a` and the first above `b`.
    let below = ok.range(..a).next_back().map(|(i, _)| *i);
    let above = ok.range(b + 1..).next().map(|(i, _)| *i);
    let mut lo = a;
    if let Some(mut refused) = below {
        while lo - refused > 1 {
            let mid = refused + (lo - refused) / 2;
            if check(mid).is_ok() {
                lo = mid;
            } else {
                refused = mid;
            }
        }
    }
    let mut hi = b;
    if let Some(mut refused) = above {
        while refused - hi > 1 {
            let mid = hi + (refused - hi) / 2;
            if check(mid).is_ok() {
                hi = mid;
            } else {
                refused = mid;
            }
        }
    }
    Ok((lo, hi))
}

/// Where a series of measures jumps: the steps (between point `i` and `i + 1`) whose change is
/// more than three times the typical step and at least 1 % of the larger of the two levels. The
/// typical step is the larger of the median and the mean absolute step: for a sparse count
/// (a few households, most steps 0) the median alone is 0 and every step would be a jump; for
/// the same reason a jump is also at least twice the smallest step that is not 0 (one
/// household more is not a jump, whatever the others do). Needs at least three steps (below
/// that there is no typical step).
pub fn jumps(series: &[i64]) -> Vec<usize> {
    if series.len() < 4 {
        return Vec::new();
    }
    let steps: Vec<i128> = series
        .windows(2)
        .map(|w| i128::from(w[1]) - i128::from(w[0]))
        .collect();
    let mut abs: Vec<i128> = steps.iter().map(|d| d.abs()).collect();
    abs.sort_unstable();
    // The lower median (for an even count, the smaller middle step), and the mean, times the
    // count so that the comparison stays in integers.
    let n = abs.len() as i128;
    let median = abs[(abs.len() - 1) / 2];
    let sum: i128 = abs.iter().sum();
    let smallest = abs.iter().copied().find(|&d| d > 0).unwrap_or(0);
    steps
        .iter()
        .enumerate()
        .filter(|&(i, d)| {
            let level = i128::from(series[i].unsigned_abs().max(series[i + 1].unsigned_abs()));
            let d = d.abs();
            d != 0 && d > 3 * median && d * n > 3 * sum && d >= 2 * smallest && d * 100 >= level
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_grid_is_exact_and_includes_its_end() {
        let g = grid(d("0.50"), d("0.80"), d("0.01")).unwrap();
        assert_eq!(g.len(), 31);
        assert_eq!(g[0], d("0.5"));
        assert_eq!(g[13], d("0.63"));
        assert_eq!(g[30], d("0.8"));
        // 0.1 steps from 0 to 0.3: a float grid would give 0.30000000000000004 and miss the end.
        assert_eq!(grid(d("0"), d("0.3"), d("0.1")).unwrap().len(), 4);
        // A step that does not land on the end stops before it.
        assert_eq!(
            grid(d("0"), d("1"), d("0.3")).unwrap(),
            [d("0"), d("0.3"), d("0.6"), d("0.9")]
        );
    }

    #[test]
    fn a_grid_refuses_what_is_not_one() {
        assert!(
            grid(d("0"), d("1"), d("0"))
                .unwrap_err()
                .contains("above 0")
        );
        assert!(
            grid(d("1"), d("0"), d("0.1"))
                .unwrap_err()
                .contains("above --to")
        );
        assert!(
            grid(d("0"), d("1"), d("0.0001"))
                .unwrap_err()
                .contains("10000 points")
        );
        assert_eq!(
            grid(d("0"), d("0.9999"), d("0.0001")).unwrap().len(),
            10_000
        );
    }

    #[test]
    fn a_share_grid_has_one_share_per_whole_euro() {
        // Median 850.02 (2026): 0.5 gives 425.01 → 425; 0.5006 gives 425.52 → 426.
        let g = share_grid(d("0.5"), d("0.51"), d("850.02")).unwrap();
        let euros: Vec<i64> = g.iter().map(|p| p.euros.unwrap()).collect();
        assert_eq!(euros, (425..=434).collect::<Vec<_>>());
        assert_eq!(g[0].value, d("0.5"));
        // 425.5 / 850.02 = 0.500576…: 0.5006 is the smallest ten-thousandth giving 426.
        assert_eq!(g[1].value, d("0.5006"));
        for p in &g {
            assert_eq!(euros_of(p.value, "850.02"), p.euros.unwrap());
            // And one ten-thousandth less gives a euro less (it is the smallest), except at lo.
            if p.value > d("0.5") {
                assert_eq!(
                    euros_of(p.value - d("0.0001"), "850.02"),
                    p.euros.unwrap() - 1
                );
            }
        }
    }

    fn euros_of(share: Decimal, median: &str) -> i64 {
        euros(share * d(median))
    }

    /// A synthetic measure: the search evaluates it like runs, in batches.
    fn run_search(values: &[i64], goal: Goal, want: Want) -> Search {
        let mut calls = 0;
        let s = search::<()>(values.len(), goal, want, &mut |idx| {
            calls += 1;
            Ok(idx.iter().map(|&i| values[i]).collect())
        })
        .unwrap();
        assert_eq!(calls, s.rounds);
        s
    }

    #[test]
    fn the_search_finds_the_last_value_meeting_the_target() {
        // Cost rising with the parameter, 10 per step: at most 555 → index 55 (550), 56 fails.
        let cost: Vec<i64> = (0..1000).map(|i| i * 10).collect();
        let s = run_search(&cost, Goal::AtMost(555), Want::Highest);
        assert_eq!(
            s.found,
            Found::At {
                at: 55,
                beyond: Some(56)
            }
        );
        // log3(1000) ≈ 6.3 rounds of two probes, plus the ends.
        assert!(s.rounds <= 9, "{} rounds", s.rounds);
        // The lowest value with at least 555: index 56.
        let s = run_search(&cost, Goal::AtLeast(555), Want::Lowest);
        assert_eq!(
            s.found,
            Found::At {
                at: 56,
                beyond: Some(55)
            }
        );
        // Falling measure: the highest value with at least 555 → 1000 − 56 = 944 has 560.
        let falling: Vec<i64> = (0..1000).map(|i| (999 - i) * 10).collect();
        let s = run_search(&falling, Goal::AtLeast(555), Want::Highest);
        assert_eq!(
            s.found,
            Found::At {
                at: 943,
                beyond: Some(944)
            }
        );
        assert_eq!((falling[943], falling[944]), (560, 550));
    }

    #[test]
    fn every_index_of_a_small_grid_is_found() {
        for n in 1..12usize {
            let v: Vec<i64> = (0..n as i64).collect();
            for t in 0..n as i64 {
                let s = run_search(&v, Goal::AtMost(t), Want::Highest);
                let beyond = (t as usize + 1 < n).then_some(t as usize + 1);
                assert_eq!(
                    s.found,
                    Found::At {
                        at: t as usize,
                        beyond
                    },
                    "n {n} t {t}"
                );
                let s = run_search(&v, Goal::AtLeast(t), Want::Lowest);
                let beyond = (t > 0).then(|| t as usize - 1);
                assert_eq!(
                    s.found,
                    Found::At {
                        at: t as usize,
                        beyond
                    },
                    "n {n} t {t}"
                );
            }
        }
    }

    #[test]
    fn ends_decide_when_the_whole_grid_meets_or_none_does() {
        let cost: Vec<i64> = (0..100).collect();
        let s = run_search(&cost, Goal::AtMost(1000), Want::Highest);
        assert_eq!(
            s.found,
            Found::At {
                at: 99,
                beyond: None
            }
        );
        assert_eq!(s.rounds, 1);
        let s = run_search(&cost, Goal::AtMost(-1), Want::Highest);
        assert_eq!(s.found, Found::Unreachable);
    }

    #[test]
    fn a_measure_that_turns_is_refused_with_the_best_point_seen() {
        // Rising to 40 at index 40, falling to 11 at index 69, rising again to 100: at most 60,
        // highest. The ends (0 and 100) meet and fail; the first round's probes at 34 (34) and
        // 66 (14) are not monotone with them.
        let turn: Vec<i64> = (0..101)
            .map(|i: i64| {
                if i <= 40 {
                    i
                } else if i < 70 {
                    80 - i
                } else {
                    i
                }
            })
            .collect();
        let s = run_search(&turn, Goal::AtMost(60), Want::Highest);
        assert_eq!(s.found, Found::NonMonotone { best: Some(66) });
        assert_eq!(
            s.evaluated.keys().copied().collect::<Vec<_>>(),
            [0, 34, 66, 100]
        );
        // A V shape whose ends both fail: from the ends, no value reaches the target (the
        // module says a search is only right for a monotone measure, and checks what it sees).
        let vee: Vec<i64> = (0..101).map(|i: i64| (i - 50).abs()).collect();
        assert_eq!(
            run_search(&vee, Goal::AtMost(45), Want::Lowest).found,
            Found::Unreachable
        );
    }

    #[test]
    fn jumps_are_steps_far_above_the_typical_one() {
        // Steps of 10 on a level of 1000, one of 500.
        let mut s: Vec<i64> = (0..10).map(|i| 1000 + 10 * i).collect();
        for v in s.iter_mut().skip(6) {
            *v += 500;
        }
        assert_eq!(jumps(&s), [5]);
        // Three times the typical step is not yet a jump; below 1 % of the level is not either.
        let even: Vec<i64> = (0..10).map(|i| 1_000_000 + 10 * i).collect();
        assert!(jumps(&even).is_empty());
        let mut small = even.clone();
        small[9] += 5_000; // 5 000 on 1 000 090 is 0.5 %
        assert!(jumps(&small).is_empty());
        assert!(jumps(&[1, 100, 1]).is_empty());
        // A sparse count: mostly no change, a household now and then (mean step 0.4): steps
        // of 1 are not jumps, one of 5 is.
        let sparse = [3, 3, 4, 4, 4, 5, 5, 5, 5, 5, 10];
        assert_eq!(jumps(&sparse), [9]);
        assert!(jumps(&sparse[..10]).is_empty());
    }
}
