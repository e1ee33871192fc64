//! Running the rules over a whole population.
//!
//! The scripts run once per municipality present (with its parameters at the simulated date)
//! and build a column program; the program of each municipality then runs over its households in
//! chunks, in parallel on the current rayon pool, each chunk writing its own slice of the
//! outcome. Every chunk is independent and every number is an integer, so the outcome is the
//! same on one thread or many, byte for byte. The first error in population order is the one
//! reported, whatever finished first.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::columns::{self, Column, Level as ColumnLevel, Program, Sink, Varying};
use crate::date::Period;
use crate::fixed::{self, CENT, SCALE};
use crate::inputs;
use crate::parameters::{Leaf, ParameterSet, Resolved, Value};
use crate::population::Population;
use crate::schema::{Level, Schema, state_part};
use crate::script::{Rules, ScriptError, run_error};

/// Households per chunk, the unit of parallel work. Chunks only spread the work over threads
/// (the program runs in cache-sized tiles inside each), so any size above a few thousand does;
/// smaller populations are split so that every thread gets a share.
pub const DEFAULT_CHUNK: usize = 16_384;

/// The chunk size for `households` on `threads` threads: at most `largest`, and small enough
/// that each thread gets about four chunks.
pub fn chunk_size(households: usize, threads: usize, largest: usize) -> usize {
    let share = households.div_ceil(threads.max(1) * 4);
    share.clamp(1_024.min(largest.max(1)), largest.max(1))
}

/// Per-household results, in population order, for the outputs the policy declares
/// ([`Schema`]). Amounts in fixed units, whole cents.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub schema: Arc<Schema>,
    /// Per declared status, per household: holds it (in a year: in at least one month).
    pub statuses: Vec<Vec<bool>>,
    /// Per declared benefit, per household: the amount paid (gross).
    pub amounts: Vec<Vec<i64>>,
    /// Per declared benefit, per household: the state's part; empty for a benefit the council
    /// pays alone.
    pub state: Vec<Vec<i64>>,
    /// Per declared benefit, per household: the persons paid; empty for a benefit paid to the
    /// household (then it counts all members).
    pub persons_paid: Vec<Vec<u8>>,
    /// How many months a status granted now lasts (`h.status_months`), 0 where the policy does
    /// not say. Annual projections use it.
    pub status_months: Vec<u8>,
    /// Parameters that were assumed defaults, per municipality index.
    pub assumed: BTreeMap<u16, Vec<Arc<Leaf>>>,
}

impl Outcome {
    /// An outcome of `n` households with nothing granted, to be filled in.
    pub fn zeroed(schema: &Arc<Schema>, n: usize) -> Outcome {
        Outcome {
            schema: schema.clone(),
            statuses: vec![vec![false; n]; schema.statuses.len()],
            amounts: vec![vec![0; n]; schema.benefits.len()],
            state: schema
                .benefits
                .iter()
                .map(|b| {
                    if b.state_share.is_some() {
                        vec![0; n]
                    } else {
                        Vec::new()
                    }
                })
                .collect(),
            persons_paid: schema
                .benefits
                .iter()
                .map(|b| {
                    if b.level == Level::Person {
                        vec![0; n]
                    } else {
                        Vec::new()
                    }
                })
                .collect(),
            status_months: vec![0; n],
            assumed: BTreeMap::new(),
        }
    }

    /// The number of households.
    pub fn len(&self) -> usize {
        self.status_months.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A status by id, per household (`None` if the policy declares no such status).
    pub fn status(&self, id: &str) -> Option<&[bool]> {
        Some(&self.statuses[self.schema.status_index(id)?])
    }

    /// A benefit's amounts by id, per household.
    pub fn amount(&self, id: &str) -> Option<&[i64]> {
        Some(&self.amounts[self.schema.benefit_index(id)?])
    }

    /// The first declared status household `i` holds.
    pub fn status_of(&self, i: usize) -> Option<usize> {
        self.statuses.iter().position(|s| s[i])
    }

    /// The state's part of benefit `b` for household `i`.
    pub fn state_of(&self, b: usize, i: usize) -> i64 {
        self.state[b].get(i).copied().unwrap_or(0)
    }

    /// The persons paid benefit `b` in household `i` of `size` persons.
    pub fn persons_of(&self, b: usize, i: usize, size: i64) -> i64 {
        match self.persons_paid[b].get(i) {
            Some(&p) => i64::from(p),
            None if self.amounts[b][i] > 0 => size,
            None => 0,
        }
    }

    /// Everything household `i` is paid, and the state's part of it.
    pub fn gross_and_state(&self, i: usize) -> (i64, i64) {
        (0..self.amounts.len()).fold((0, 0), |(g, s), b| {
            (g + self.amounts[b][i], s + self.state_of(b, i))
        })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulationError {
    /// A script failed for this municipality.
    #[error("{error} (municipality {municipality})")]
    Script {
        error: ScriptError,
        municipality: String,
    },
    /// A script produced something the engine cannot use.
    #[error("{message}")]
    Output { message: String },
    /// A parameter cannot be resolved at the date (an override that does not apply then).
    #[error(transparent)]
    Parameter(#[from] crate::parameters::ParameterError),
    /// A total too large to hold.
    #[error(transparent)]
    Total(#[from] crate::summary::TotalError),
}

/// Runs `rules` with `parameters` resolved at the first day of `period` over every household,
/// for the outputs `schema` declares. `chunk_size` households at most go to one thread at a time
/// (see [`chunk_size`]).
pub fn simulate(
    rules: &Rules,
    parameters: &ParameterSet,
    schema: &Arc<Schema>,
    population: &Arc<Population>,
    period: Period,
    chunk_size: usize,
) -> Result<Outcome, SimulationError> {
    prepare(rules, parameters, schema, population, period, false)?.run(population, chunk_size)
}

/// The rules planned and compiled for the municipalities of a population at one date: the
/// fixed cost of a run (about 0.1 ms per municipality), paid once for any number of runs over
/// populations with the same municipalities and input columns.
pub struct Prepared {
    schema: Arc<Schema>,
    by_municipality: BTreeMap<String, PerMunicipality>,
    columns: inputs::Present,
}

/// A municipality's program, the parameters it was planned with, and the state's share of each
/// benefit there (fixed units; `None` where the council pays it all).
type PerMunicipality = (Planned, Resolved, Vec<Option<i64>>);

/// Which optional input columns a population has: the scripts may depend on them.
fn optional_columns(population: &Population) -> inputs::Present {
    inputs::Present::of(population)
}

/// The state's share of each benefit for one municipality and date, from the parameters the
/// schema names: a number from 0 to 1.
pub fn state_shares(schema: &Schema, resolved: &Resolved) -> Result<Vec<Option<i64>>, String> {
    schema
        .benefits
        .iter()
        .map(|b| {
            let Some(path) = &b.state_share else {
                return Ok(None);
            };
            let leaf = resolved.leaf(path).ok_or_else(|| {
                format!(
                    "benefit '{}': the state share '{path}' has no value on {}",
                    b.id, resolved.date
                )
            })?;
            match &leaf.value {
                Value::Number(d) => match fixed::from_decimal(*d) {
                    Some(v) if (0..=SCALE).contains(&v) => Ok(Some(v)),
                    _ => Err(format!(
                        "benefit '{}': the state share {path} = {d} is not a share from 0 to 1",
                        b.id
                    )),
                },
                v => Err(format!(
                    "benefit '{}': the state share {path} is {}, not a number from 0 to 1",
                    b.id,
                    v.kind()
                )),
            }
        })
        .collect()
}

/// Plans and compiles the rules for every municipality of `population` at the first day of
/// `period`, in parallel, for the outputs of `schema`. With `status_months`, the outcome also
/// says how long a status granted now lasts (`h.status_months`, if the policy sets it: annual
/// projections need it, a month's run does not).
pub fn prepare(
    rules: &Rules,
    parameters: &ParameterSet,
    schema: &Arc<Schema>,
    population: &Population,
    period: Period,
    status_months: bool,
) -> Result<Prepared, SimulationError> {
    let date = period.first_day();
    let mut present: Vec<u16> = population.households.municipality.clone();
    present.dedup();
    present.sort_unstable();
    present.dedup();
    let programs: Vec<Result<(String, PerMunicipality), SimulationError>> = present
        .par_iter()
        .map(|&m| {
            let slug = &population.municipalities[m as usize];
            let resolved = parameters.resolve(date, slug)?;
            let shares = state_shares(schema, &resolved)
                .map_err(|message| SimulationError::Output { message })?;
            let planned = program_for(rules, schema, population, &resolved, status_months)
                .map_err(|e| failure(e, slug))?;
            Ok((slug.clone(), (planned, resolved, shares)))
        })
        .collect();
    Ok(Prepared {
        schema: schema.clone(),
        by_municipality: programs.into_iter().collect::<Result<_, _>>()?,
        columns: optional_columns(population),
    })
}

impl Prepared {
    /// Runs the compiled rules over every household of `population`.
    pub fn run(
        &self,
        population: &Arc<Population>,
        chunk_size: usize,
    ) -> Result<Outcome, SimulationError> {
        let chunks = self.chunks(population, chunk_size)?;
        let n = population.household_count();
        let mut out = Outcome::zeroed(&self.schema, n);
        // Each chunk writes its own slice of the outcome: no copies, no locks.
        let mut work = Vec::with_capacity(chunks.len());
        {
            let mut rest = Dest::of(&mut out);
            for &(m, s, e) in &chunks {
                let (head, tail) = rest.split(e - s);
                work.push((m, s, e, head));
                rest = tail;
            }
        }
        let varying = Varying::of(population);
        let results: Vec<Result<(), SimulationError>> = work
            .into_par_iter()
            .map(|(m, s, e, dest)| self.run_into(population, varying, m, s, e, dest))
            .collect();
        // The first failure in population order, whatever finished first.
        results.into_iter().collect::<Result<(), _>>()?;
        out.assumed = self.assumed(population);
        Ok(out)
    }

    /// The chunks a run of `population` goes in, in population order: (municipality index,
    /// first household, end), each within one council and at most `chunk_size` households
    /// (see [`chunk_size`]). An error if the rules were prepared for another population.
    pub fn chunks(
        &self,
        population: &Population,
        chunk_size: usize,
    ) -> Result<Vec<(u16, usize, usize)>, SimulationError> {
        let mismatch = |what: String| SimulationError::Output {
            message: format!("the rules were prepared for another population: {what}"),
        };
        if optional_columns(population) != self.columns {
            return Err(mismatch("its optional columns differ".into()));
        }
        for &(m, ..) in &population.segments() {
            let slug = &population.municipalities[m as usize];
            if !self.by_municipality.contains_key(slug) {
                return Err(mismatch(format!("{slug} was not prepared")));
            }
        }
        Ok(Prepared::chunks_of(population, chunk_size))
    }

    /// The chunks of `population` (see [`Prepared::chunks`]), whatever rules run on them.
    pub fn chunks_of(population: &Population, chunk_size: usize) -> Vec<(u16, usize, usize)> {
        let chunk_size = self::chunk_size(
            population.household_count(),
            rayon::current_num_threads(),
            chunk_size,
        );
        let mut chunks = Vec::new();
        for &(m, start, end) in &population.segments() {
            let mut s = start;
            while s < end {
                let e = (s + chunk_size).min(end);
                chunks.push((m, s, e));
                s = e;
            }
        }
        chunks
    }

    /// Runs the rules over one chunk of [`Prepared::chunks`] (households `s..e`, all of council
    /// `m`), with the month's incomes and housing costs of `varying`: the chunk's outcome, its
    /// household 0 being household `s` of the population (`assumed` is left empty: see
    /// [`Prepared::assumed`]). A year's projection takes a month chunk by chunk, so that a
    /// whole population's outcome of the month is never held.
    pub fn run_chunk(
        &self,
        population: &Population,
        varying: Varying,
        (m, s, e): (u16, usize, usize),
    ) -> Result<Outcome, SimulationError> {
        if varying.income.len() != population.person_count()
            || varying.housing_costs.len() != population.household_count()
        {
            return Err(SimulationError::Output {
                message: "a month's incomes and housing costs are not the population's".into(),
            });
        }
        if s > e || e > population.household_count() {
            return Err(SimulationError::Output {
                message: format!("households {s}..{e} are not in the population"),
            });
        }
        let mut out = Outcome::zeroed(&self.schema, e - s);
        self.run_into(population, varying, m, s, e, Dest::of(&mut out))?;
        Ok(out)
    }

    /// Runs council `m`'s program over households `s..e` into `dest`.
    fn run_into(
        &self,
        population: &Population,
        varying: Varying,
        m: u16,
        s: usize,
        e: usize,
        dest: Dest,
    ) -> Result<(), SimulationError> {
        let slug = &population.municipalities[m as usize];
        let Some((planned, _, shares)) = self.by_municipality.get(slug) else {
            return Err(SimulationError::Output {
                message: format!(
                    "the rules were prepared for another population: {slug} was not prepared"
                ),
            });
        };
        run_chunk(
            &self.schema,
            planned,
            shares,
            population,
            varying,
            m,
            s,
            e,
            dest,
        )
    }

    /// The parameters that were assumed defaults, per municipality index of `population` (the
    /// councils present that have some).
    pub fn assumed(&self, population: &Population) -> BTreeMap<u16, Vec<Arc<Leaf>>> {
        assumed(population, |slug| {
            self.by_municipality.get(slug).map(|(_, r, _)| r)
        })
    }
}

/// The parameters that were assumed defaults, per municipality index of `population` (the
/// councils present that have some), from each council's resolved parameters.
fn assumed<'a>(
    population: &Population,
    resolved: impl Fn(&str) -> Option<&'a Resolved>,
) -> BTreeMap<u16, Vec<Arc<Leaf>>> {
    let mut out = BTreeMap::new();
    for (m, ..) in population.segments() {
        if let Some(resolved) = resolved(&population.municipalities[m as usize]) {
            let assumed = resolved.assumed();
            if !assumed.is_empty() {
                out.insert(m, assumed);
            }
        }
    }
    out
}

/// The rules of several parameter sets (a sweep's points) planned at one date for every
/// municipality of a population, as a year's projection plans them, each council's sets
/// compiled into one program that computes what they share once ([`columns::shared`]).
pub(crate) struct Batch {
    /// The set the others are compared with (among those that planned): the middle one.
    pub base: usize,
    by_municipality: BTreeMap<String, Arc<BatchCouncil>>,
    columns: inputs::Present,
}

/// One council's program of a [`Batch`]: the base set's roots (its outputs as [`Roots`] has
/// them), then, for every other set, its outputs whose graph is not the base's.
pub(crate) struct BatchCouncil {
    pub program: Program,
    /// Per output: a mask (else numbers).
    pub masks: Vec<bool>,
    /// As [`Roots`], the same for every set.
    pub set_by: Vec<String>,
    pub persons_of: Vec<usize>,
    pub has_months: bool,
    /// Per set: the outputs whose graph is not the base's, with the index of their root in the
    /// program (after the base's), in output order; empty for the base.
    pub own: Vec<Vec<(usize, usize)>>,
    /// Per set: the state's share of each benefit.
    pub shares: Vec<Vec<Option<i64>>>,
    resolved: Vec<Resolved>,
}

/// What a [`BatchCouncil`]'s program gives for a chunk: the base set's outputs, and for each
/// root of another set's own output, the rows where it differs from the base's (row, value).
pub(crate) struct BatchValues {
    pub base: Vec<Values>,
    pub own: Vec<Vec<(u32, i64)>>,
}

/// The values of one output over a chunk.
pub(crate) enum Values {
    Mask(Vec<bool>),
    Num(Vec<i64>),
}

impl Values {
    pub fn mask(&self) -> &[bool] {
        match self {
            Values::Mask(v) => v,
            Values::Num(_) => unreachable!("statuses are masks"),
        }
    }
    pub fn num(&self) -> &[i64] {
        match self {
            Values::Num(v) => v,
            Values::Mask(_) => unreachable!("amounts are numbers"),
        }
    }
}

/// Plans the rules for every set of `parameters` and municipality of `population` at the first
/// day of `period` (with `h.status_months`), in parallel. Per set, `None` or the first error in
/// council order: a set that failed is left out of the batch, whose sets are the others, in
/// order. `None` for the whole if the sets' outputs are not planned alike (then they cannot
/// share a program).
pub(crate) fn prepare_batch(
    rules: &Rules,
    parameters: &[&ParameterSet],
    schema: &Arc<Schema>,
    population: &Population,
    period: Period,
    previous: Option<&Batch>,
) -> Option<(Vec<Option<SimulationError>>, Batch)> {
    let date = period.first_day();
    let mut present: Vec<u16> = population.segments().iter().map(|&(m, ..)| m).collect();
    present.sort_unstable();
    present.dedup();
    type Planned1 = Result<(Roots, Resolved, Vec<Option<i64>>), SimulationError>;
    // A council whose parameters are those of the previous month under every set keeps its
    // program: the scripts read the parameters in force, not the date.
    let planned: Vec<Result<Arc<BatchCouncil>, Vec<Planned1>>> = present
        .par_iter()
        .map(|&m| {
            let slug = &population.municipalities[m as usize];
            let resolved: Vec<_> = parameters.iter().map(|p| p.resolve(date, slug)).collect();
            let before = previous.and_then(|b| b.by_municipality.get(slug));
            if let Some(before) = before.filter(|b| b.resolved.len() == resolved.len()) {
                let same = resolved
                    .iter()
                    .zip(&before.resolved)
                    .all(|(r, b)| r.as_ref().is_ok_and(|r| r.root == b.root));
                if same {
                    return Ok(before.clone());
                }
            }
            Err(resolved
                .into_iter()
                .map(|resolved| {
                    let resolved = resolved?;
                    let shares = state_shares(schema, &resolved)
                        .map_err(|message| SimulationError::Output { message })?;
                    let roots = roots_for(rules, schema, population, &resolved, true)
                        .map_err(|e| failure(e, slug))?;
                    Ok((roots, resolved, shares))
                })
                .collect())
        })
        .collect();
    let mut failed: Vec<Option<SimulationError>> = vec![None; parameters.len()];
    for council in planned.iter().filter_map(|p| p.as_ref().err()) {
        for (f, p) in failed.iter_mut().zip(council) {
            if let (None, Err(e)) = (&f, p) {
                *f = Some(e.clone());
            }
        }
    }
    let councils: Vec<Option<(String, Arc<BatchCouncil>)>> = present
        .par_iter()
        .zip(planned)
        .map(|(&m, sets)| {
            let slug = population.municipalities[m as usize].clone();
            let sets = match sets {
                Ok(kept) => return Some((slug, kept)),
                Err(sets) => sets,
            };
            let sets: Vec<_> = sets
                .into_iter()
                .zip(&failed)
                .filter_map(|(p, f)| f.is_none().then_some(p.ok()?))
                .collect();
            let first = &sets.first()?.0;
            let alike = |r: &Roots| {
                r.set_by == first.set_by
                    && r.persons_of == first.persons_of
                    && r.has_months == first.has_months
            };
            if !sets.iter().all(|(r, ..)| alike(r)) {
                return None;
            }
            let columns: Vec<Vec<Column>> = sets.iter().map(|(r, ..)| r.columns.clone()).collect();
            let (distinct, maps) = columns::shared(&columns);
            let base = middle(sets.len());
            // The base's outputs first, so that each tile's values of an output are the
            // base's before another set's own are compared with them.
            let mut roots: Vec<Column> = maps[base].iter().map(|&u| distinct[u].clone()).collect();
            let outputs = roots.len();
            let mut own = vec![Vec::new(); sets.len()];
            for (k, map) in maps.iter().enumerate() {
                for (r, &u) in map.iter().enumerate() {
                    if u != maps[base][r] {
                        own[k].push((r, roots.len()));
                        roots.push(distinct[u].clone());
                    }
                }
            }
            let program = compile(rules, &roots).ok()?;
            let ordered = own
                .iter()
                .flatten()
                .all(|&(r, at)| program.writes_before(r, at));
            if !ordered {
                return None;
            }
            let (set_by, persons_of, has_months) = (
                first.set_by.clone(),
                first.persons_of.clone(),
                first.has_months,
            );
            let (resolved, shares) = sets.into_iter().map(|(_, r, s)| (r, s)).unzip();
            Some((
                slug,
                Arc::new(BatchCouncil {
                    program,
                    masks: roots[..outputs]
                        .iter()
                        .map(|c| matches!(c, Column::Mask(_)))
                        .collect(),
                    set_by,
                    persons_of,
                    has_months,
                    own,
                    shares,
                    resolved,
                }),
            ))
        })
        .collect();
    let by_municipality = if failed.iter().all(Option::is_some) {
        BTreeMap::new()
    } else {
        councils.into_iter().collect::<Option<_>>()?
    };
    let planned = failed.iter().filter(|f| f.is_none()).count();
    Some((
        failed,
        Batch {
            base: middle(planned),
            by_municipality,
            columns: optional_columns(population),
        },
    ))
}

/// The base of a batch of `sets` sets: the middle one, whose outputs the others' differ from
/// least in a sweep's ordered values.
fn middle(sets: usize) -> usize {
    sets / 2
}

fn failure(e: Failure, slug: &str) -> SimulationError {
    match e {
        Failure::Script(error) => SimulationError::Script {
            error,
            municipality: slug.to_string(),
        },
        Failure::Output(message) => SimulationError::Output { message },
    }
}

impl Batch {
    /// Council `m`'s program over households `s..e`, with the month's `varying` columns:
    /// the council's batch and its values.
    pub fn run_chunk(
        &self,
        population: &Population,
        varying: Varying,
        (m, s, e): (u16, usize, usize),
    ) -> Result<(&BatchCouncil, BatchValues), SimulationError> {
        let slug = &population.municipalities[m as usize];
        let council = self
            .by_municipality
            .get(slug)
            .filter(|_| optional_columns(population) == self.columns)
            .ok_or_else(|| SimulationError::Output {
                message: format!("the rules were prepared for another population: {slug}"),
            })?;
        let len = e - s;
        let mut values = BatchValues {
            base: council
                .masks
                .iter()
                .map(|&mask| {
                    if mask {
                        Values::Mask(vec![false; len])
                    } else {
                        Values::Num(vec![0; len])
                    }
                })
                .collect(),
            own: vec![Vec::new(); council.own.iter().map(Vec::len).sum()],
        };
        let outputs = council.masks.len();
        let mut sinks: Vec<Sink> = values
            .base
            .iter_mut()
            .map(|v| match v {
                Values::Mask(v) => Sink::Mask(v),
                Values::Num(v) => Sink::Num(v),
            })
            .collect();
        let theirs = council.own.iter().flatten().map(|&(r, _)| r);
        sinks.extend(
            theirs
                .zip(values.own.iter_mut())
                .map(|(of, out)| Sink::Differences { of, out }),
        );
        debug_assert!(sinks.len() >= outputs);
        council
            .program
            .run_with(population, varying, s..e, &mut sinks)
            .map_err(|err| SimulationError::Script {
                error: run_error(err, population, s),
                municipality: slug.clone(),
            })?;
        drop(sinks);
        Ok((council, values))
    }

    /// The parameters that were assumed defaults under set `k`, as [`Prepared::assumed`].
    pub fn assumed(&self, k: usize, population: &Population) -> BTreeMap<u16, Vec<Arc<Leaf>>> {
        assumed(population, |slug| {
            self.by_municipality.get(slug).map(|c| &c.resolved[k])
        })
    }
}

/// Runs one municipality's program over households `s..e`, checks what it wrote, and splits
/// each benefit between the state and the council.
#[allow(clippy::too_many_arguments)]
fn run_chunk(
    schema: &Schema,
    planned: &Planned,
    shares: &[Option<i64>],
    population: &Population,
    varying: Varying,
    m: u16,
    s: usize,
    e: usize,
    dest: Dest,
) -> Result<(), SimulationError> {
    let Dest {
        statuses,
        mut amounts,
        mut state,
        persons,
        status_months,
    } = dest;
    let len = e - s;
    // Persons paid and status months come out of the program as fixed-unit numbers.
    let mut persons_num: Vec<Vec<i64>> =
        planned.persons_of.iter().map(|_| vec![0i64; len]).collect();
    let mut months = vec![0i64; if planned.has_months { len } else { 0 }];
    {
        let mut sinks: Vec<Sink> = Vec::with_capacity(planned.set_by.len() + 1);
        sinks.extend(statuses.into_iter().map(Sink::Mask));
        sinks.extend(amounts.iter_mut().map(|a| Sink::Num(&mut a[..])));
        sinks.extend(persons_num.iter_mut().map(|p| Sink::Num(&mut p[..])));
        if planned.has_months {
            sinks.push(Sink::Num(&mut months));
        }
        planned
            .program
            .run_with(population, varying, s..e, &mut sinks)
            .map_err(|err| SimulationError::Script {
                error: run_error(err, population, s),
                municipality: population.municipalities[m as usize].clone(),
            })?;
        let k = schema.statuses.len();
        let masks: Vec<&[bool]> = sinks[..k]
            .iter()
            .map(|sink| match sink {
                Sink::Mask(v) => &**v,
                _ => unreachable!("statuses come first"),
            })
            .collect();
        check_statuses(schema, &masks, population, s)?;
    }
    for (b, values) in amounts.iter().enumerate() {
        check_amounts(schema, &planned.set_by, b, values, population, s)?;
    }
    let mut persons = persons;
    for (k, &b) in planned.persons_of.iter().enumerate() {
        persons_paid(
            schema,
            b,
            &persons_num[k],
            amounts[b],
            population,
            s,
            &mut *persons[b],
        )?;
    }
    // Who pays: the state its share of each benefit, rounded half up to cents per household.
    for (b, share) in shares.iter().enumerate() {
        if let Some(share) = *share {
            state_parts(share, amounts[b], &mut *state[b]);
        }
    }
    check_months(&months, status_months, population, s)
}

/// Every amount of benefit `b` (households `first..`) is whole cents and not negative; the first
/// that is not is looked for only if some is not.
pub(crate) fn check_amounts(
    schema: &Schema,
    set_by: &[String],
    b: usize,
    values: &[i64],
    population: &Population,
    first: usize,
) -> Result<(), SimulationError> {
    if columns::amounts_ok(values) {
        return Ok(());
    }
    let (i, &v) = values
        .iter()
        .enumerate()
        .find(|(_, v)| **v % CENT != 0 || **v < 0 || **v > fixed::MAX_AMOUNT)
        .expect("one is bad");
    let what = if v < 0 {
        "is negative"
    } else if v > fixed::MAX_AMOUNT {
        "is above the most a household can be paid in a month (1 000 000 000 000 EUR)"
    } else {
        "has a fraction of a cent: round it (round_cents)"
    };
    Err(SimulationError::Output {
        message: format!(
            "{}: h.{} = {} for household {} {what}",
            set_by[schema.statuses.len() + b],
            schema.benefits[b].id,
            fixed::format_amount(v),
            population.households.id.get(first + i)
        ),
    })
}

/// Persons paid benefit `b` (fixed units, households `first..`) as whole numbers into `out`:
/// from 0 to the household's size, and some if paid at all.
pub(crate) fn persons_paid(
    schema: &Schema,
    b: usize,
    persons_num: &[i64],
    amounts: &[i64],
    population: &Population,
    first: usize,
    out: &mut [u8],
) -> Result<(), SimulationError> {
    let benefit = &schema.benefits[b];
    let len = persons_num.len();
    let fp = &population.households.first_person[first..=first + len];
    // Checked in one pass without a branch per household; the first bad one is looked for
    // only if there is one.
    let sizes = fp.windows(2).map(|w| i64::from(w[1] - w[0]));
    let ok = persons_num
        .iter()
        .zip(amounts)
        .zip(sizes)
        .fold(true, |ok, ((&v, &a), size)| ok & persons_ok(v, size, a));
    for i in (0..len).filter(|_| !ok) {
        let size = i64::from(fp[i + 1] - fp[i]);
        let v = persons_num[i];
        if !persons_ok(v, size, amounts[i]) {
            return Err(SimulationError::Output {
                message: format!(
                    "h.{}_persons = {} for household {} (of {size} persons, {} paid): it is the whole number of persons paid h.{}, from 1 to the household's size when paid, else 0",
                    benefit.id,
                    fixed::format_amount(v),
                    population.households.id.get(first + i),
                    fixed::format_amount(amounts[i]),
                    benefit.id
                ),
            });
        }
    }
    for (p, &v) in out.iter_mut().zip(persons_num) {
        *p = (v / SCALE) as u8;
    }
    Ok(())
}

/// Whether `v` (fixed units) is a number of persons paid `amount` in a household of `size`: a
/// whole number from 0 to the size, and some if paid at all.
#[inline(always)]
pub(crate) fn persons_ok(v: i64, size: i64, amount: i64) -> bool {
    let whole = v % SCALE == 0 && (0..=size * SCALE).contains(&v);
    whole && ((amount > 0) == (v != 0))
}

/// The state's part of each amount at `share`, rounded half up to cents per household.
pub(crate) fn state_parts(share: i64, amounts: &[i64], out: &mut [i64]) {
    for (st, &a) in out.iter_mut().zip(amounts) {
        *st = state_part(a, share);
    }
}

/// How long a status lasts (fixed units, households `first..`) as whole months into `out`.
pub(crate) fn check_months(
    months: &[i64],
    out: &mut [u8],
    population: &Population,
    first: usize,
) -> Result<(), SimulationError> {
    columns::whole_months(months, out).map_err(|i| SimulationError::Output {
        message: format!(
            "h.status_months = {} for household {}: a status lasts 1 to 12 whole months",
            fixed::format_amount(months[i]),
            population.households.id.get(first + i)
        ),
    })
}

/// A household holds at most one declared status in a month: the rules must say which.
pub(crate) fn check_statuses(
    schema: &Schema,
    masks: &[&[bool]],
    population: &Population,
    first: usize,
) -> Result<(), SimulationError> {
    if masks.len() < 2 {
        return Ok(());
    }
    let n = masks[0].len();
    let held = |i: usize| masks.iter().filter(|m| m[i]).count();
    // One branch-free pass; the household is looked for only if one fails.
    let mut bad = false;
    for i in 0..n {
        bad |= masks.iter().fold(0u8, |c, m| c + m[i] as u8) > 1;
    }
    if bad {
        let i = (0..n).find(|&i| held(i) > 1).expect("one is bad");
        let names: Vec<&str> = schema
            .statuses
            .iter()
            .zip(masks)
            .filter(|(_, m)| m[i])
            .map(|(s, _)| s.id.as_str())
            .collect();
        return Err(SimulationError::Output {
            message: format!(
                "household {} is both {}: the status rules must exclude one another",
                population.households.id.get(first + i),
                names.join(" and ")
            ),
        });
    }
    Ok(())
}

/// A municipality's program and the scripts that set each output.
struct Planned {
    program: Program,
    /// The script that set each root: statuses, then benefits.
    set_by: Vec<String>,
    /// The benefits paid per person, whose persons-paid column follows the benefits' roots.
    persons_of: Vec<usize>,
    /// The policy sets `h.status_months`: the last root.
    has_months: bool,
}

pub(crate) enum Failure {
    Script(ScriptError),
    Output(String),
}

/// Plans the rules for one municipality and compiles the program of the declared outputs.
fn program_for(
    rules: &Rules,
    schema: &Schema,
    population: &Population,
    resolved: &Resolved,
    status_months: bool,
) -> Result<Planned, Failure> {
    let roots = roots_for(rules, schema, population, resolved, status_months)?;
    let program = compile(rules, &roots.columns)?;
    Ok(Planned {
        program,
        set_by: roots.set_by,
        persons_of: roots.persons_of,
        has_months: roots.has_months,
    })
}

/// Compiles the program of some roots; a graph too large is the last script's error.
pub(crate) fn compile(rules: &Rules, roots: &[Column]) -> Result<Program, Failure> {
    Program::compile(roots).map_err(|message| {
        Failure::Script(ScriptError {
            script: rules.scripts().last().unwrap_or_default().to_string(),
            line: None,
            column: None,
            message,
        })
    })
}

/// A municipality's declared outputs as planned, not compiled: the roots (statuses, benefits,
/// persons paid, in declaration order, then how long a status lasts if asked and set), with
/// the script that set each status and benefit.
pub(crate) struct Roots {
    pub columns: Vec<Column>,
    pub set_by: Vec<String>,
    pub persons_of: Vec<usize>,
    pub has_months: bool,
}

/// Plans the rules for one municipality, checking that each declared output is a household
/// column of the right kind.
pub(crate) fn roots_for(
    rules: &Rules,
    schema: &Schema,
    population: &Population,
    resolved: &Resolved,
    status_months: bool,
) -> Result<Roots, Failure> {
    let plan = rules
        .plan(population, resolved, false)
        .map_err(Failure::Script)?;
    let mut roots = Vec::new();
    let mut set_by = Vec::new();
    let mut wanted: Vec<(String, bool, &str)> = Vec::new();
    for s in &schema.statuses {
        wanted.push((s.id.clone(), true, "status"));
    }
    for b in &schema.benefits {
        wanted.push((b.id.clone(), false, "benefit"));
    }
    let mut persons_of = Vec::new();
    for (b, benefit) in schema.benefits.iter().enumerate() {
        if let Some(v) = benefit.persons_variable() {
            wanted.push((v, false, "persons paid"));
            persons_of.push(b);
        }
    }
    for (name, want_mask, what) in wanted {
        let column = plan.column(&name).ok_or_else(|| {
            Failure::Output(format!(
                "policy.toml declares the {what} '{name}', but no script sets h.{name}"
            ))
        })?;
        let kind_ok = |c: &Column| {
            c.level() == ColumnLevel::Household && matches!(c, Column::Mask(_)) == want_mask
        };
        match column {
            Ok((c, by)) if kind_ok(&c) => {
                roots.push(c);
                set_by.push(by.to_string());
            }
            Ok((_, by)) | Err(by) => {
                return Err(Failure::Output(if want_mask {
                    format!("{by}: h.{name} must be a household mask (true/false per household)")
                } else {
                    format!("{by}: h.{name} must be a household column of amounts")
                }));
            }
        }
    }
    // Optional: how long a status lasts, for annual projections.
    let wanted = if status_months {
        plan.column("status_months")
    } else {
        None
    };
    let has_months = match wanted {
        Some(Ok((c @ Column::Num(_), _))) if c.level() == ColumnLevel::Household => {
            roots.push(c);
            true
        }
        Some(Ok((_, by)) | Err(by)) => {
            return Err(Failure::Output(format!(
                "{by}: h.status_months must be a household column of whole months"
            )));
        }
        None => false,
    };
    Ok(Roots {
        columns: roots,
        set_by,
        persons_of,
        has_months,
    })
}

/// The outcome slices of one chunk.
struct Dest<'a> {
    statuses: Vec<&'a mut [bool]>,
    amounts: Vec<&'a mut [i64]>,
    state: Vec<&'a mut [i64]>,
    persons: Vec<&'a mut [u8]>,
    status_months: &'a mut [u8],
}

/// Splits each slice at `len` (an empty slice, of an output not kept, stays empty on both sides).
fn split_all<T>(v: Vec<&mut [T]>, len: usize) -> (Vec<&mut [T]>, Vec<&mut [T]>) {
    v.into_iter()
        .map(|s| {
            if s.is_empty() {
                (s, &mut [][..])
            } else {
                s.split_at_mut(len)
            }
        })
        .unzip()
}

impl<'a> Dest<'a> {
    fn of(out: &'a mut Outcome) -> Dest<'a> {
        Dest {
            statuses: out.statuses.iter_mut().map(|v| &mut v[..]).collect(),
            amounts: out.amounts.iter_mut().map(|v| &mut v[..]).collect(),
            state: out.state.iter_mut().map(|v| &mut v[..]).collect(),
            persons: out.persons_paid.iter_mut().map(|v| &mut v[..]).collect(),
            status_months: &mut out.status_months,
        }
    }

    fn split(self, len: usize) -> (Dest<'a>, Dest<'a>) {
        let (s1, s2) = split_all(self.statuses, len);
        let (a1, a2) = split_all(self.amounts, len);
        let (t1, t2) = split_all(self.state, len);
        let (p1, p2) = split_all(self.persons, len);
        let (m1, m2) = self.status_months.split_at_mut(len);
        (
            Dest {
                statuses: s1,
                amounts: a1,
                state: t1,
                persons: p1,
                status_months: m1,
            },
            Dest {
                statuses: s2,
                amounts: a2,
                state: t2,
                persons: p2,
                status_months: m2,
            },
        )
    }
}
