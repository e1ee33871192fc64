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

use crate::columns::{self, Column, Level, Program, Sink};
use crate::date::Period;
use crate::fixed::{self, CENT};
use crate::parameters::{Leaf, ParameterSet, Resolved};
use crate::policy::REQUIRED_OUTPUTS;
use crate::population::Population;
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

/// Per-household results, in population order. Amounts in fixed units, whole cents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub needy: Vec<bool>,
    pub low_income: Vec<bool>,
    pub gmi_benefit: Vec<i64>,
    pub housing_benefit: Vec<i64>,
    pub state_share: Vec<i64>,
    pub municipal_net: Vec<i64>,
    /// How many months a status granted now lasts (`h.status_months`), 0 where the policy does
    /// not say. Annual projections use it.
    pub status_months: Vec<u8>,
    /// Parameters that were assumed defaults, per municipality index.
    pub assumed: BTreeMap<u16, Vec<Arc<Leaf>>>,
}

impl Outcome {
    /// An outcome of `n` households with nothing granted, to be filled in.
    pub fn zeroed(n: usize) -> Outcome {
        Outcome {
            needy: vec![false; n],
            low_income: vec![false; n],
            gmi_benefit: vec![0; n],
            housing_benefit: vec![0; n],
            state_share: vec![0; n],
            municipal_net: vec![0; n],
            status_months: vec![0; n],
            assumed: BTreeMap::new(),
        }
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

/// Runs `rules` with `parameters` resolved at the first day of `period` over every household.
/// `chunk_size` households at most go to one thread at a time (see [`chunk_size`]).
pub fn simulate(
    rules: &Rules,
    parameters: &ParameterSet,
    population: &Arc<Population>,
    period: Period,
    chunk_size: usize,
) -> Result<Outcome, SimulationError> {
    prepare(rules, parameters, population, period, false)?.run(population, chunk_size)
}

/// The rules planned and compiled for the municipalities of a population at one date: the
/// fixed cost of a run (about 0.1 ms per municipality), paid once for any number of runs over
/// populations with the same municipalities and input columns.
pub struct Prepared {
    by_municipality: BTreeMap<String, PerMunicipality>,
    columns: [bool; 3],
}

/// A municipality's program and the parameters it was planned with.
type PerMunicipality = (Planned, Resolved);

/// Which optional input columns a population has: the scripts may depend on them.
fn optional_columns(population: &Population) -> [bool; 3] {
    [
        population.households.vehicles.is_some(),
        population.persons.employed.is_some(),
        population.persons.nva_registered.is_some(),
    ]
}

/// Plans and compiles the rules for every municipality of `population` at the first day of
/// `period`, in parallel. With `status_months`, the outcome also says how long a status granted
/// now lasts (`h.status_months`, if the policy sets it: annual projections need it, a month's
/// run does not).
pub fn prepare(
    rules: &Rules,
    parameters: &ParameterSet,
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
            let planned =
                program_for(rules, population, &resolved, status_months).map_err(|e| match e {
                    Failure::Script(error) => SimulationError::Script {
                        error,
                        municipality: slug.clone(),
                    },
                    Failure::Output(message) => SimulationError::Output { message },
                })?;
            Ok((slug.clone(), (planned, resolved)))
        })
        .collect();
    Ok(Prepared {
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
        let mismatch = |what: String| SimulationError::Output {
            message: format!("the rules were prepared for another population: {what}"),
        };
        if optional_columns(population) != self.columns {
            return Err(mismatch("its optional columns differ".into()));
        }
        let mut programs = Vec::with_capacity(population.municipalities.len());
        for slug in &population.municipalities {
            programs.push(self.by_municipality.get(slug));
        }
        let segments = population.segments();
        for &(m, ..) in &segments {
            if programs[m as usize].is_none() {
                let slug = &population.municipalities[m as usize];
                return Err(mismatch(format!("{slug} was not prepared")));
            }
        }
        let chunk_size = self::chunk_size(
            population.household_count(),
            rayon::current_num_threads(),
            chunk_size,
        );
        let mut chunks = Vec::new();
        for &(m, start, end) in &segments {
            let mut s = start;
            while s < end {
                let e = (s + chunk_size).min(end);
                chunks.push((m, s, e));
                s = e;
            }
        }
        let n = population.household_count();
        let mut out = Outcome::zeroed(n);
        // Each chunk writes its own slice of the outcome: no copies, no locks.
        let mut work = Vec::with_capacity(chunks.len());
        {
            let mut rest = Dest {
                needy: &mut out.needy,
                low_income: &mut out.low_income,
                gmi_benefit: &mut out.gmi_benefit,
                housing_benefit: &mut out.housing_benefit,
                state_share: &mut out.state_share,
                municipal_net: &mut out.municipal_net,
                status_months: &mut out.status_months,
            };
            for &(m, s, e) in &chunks {
                let (head, tail) = rest.split(e - s);
                work.push((m, s, e, head));
                rest = tail;
            }
        }
        let results: Vec<Result<(), SimulationError>> = work
            .into_par_iter()
            .map(|(m, s, e, dest)| {
                let (planned, _) = programs[m as usize].expect("checked above");
                let mut months = vec![0i64; if planned.has_months { e - s } else { 0 }];
                let mut sinks = vec![
                    Sink::Mask(dest.needy),
                    Sink::Mask(dest.low_income),
                    Sink::Num(dest.gmi_benefit),
                    Sink::Num(dest.housing_benefit),
                    Sink::Num(dest.state_share),
                    Sink::Num(dest.municipal_net),
                ];
                if planned.has_months {
                    sinks.push(Sink::Num(&mut months));
                }
                planned
                    .program
                    .run(population, s..e, &mut sinks)
                    .map_err(|e| SimulationError::Script {
                        error: run_error(e, population, s),
                        municipality: population.municipalities[m as usize].clone(),
                    })?;
                check_outputs(&sinks[..6], &planned.set_by, population, s)?;
            drop(sinks);
            if let Err(i) = columns::whole_months(&months, dest.status_months) {
                return Err(SimulationError::Output {
                    message: format!(
                        "h.status_months = {} for household {}: a status lasts 1 to 12 whole months",
                        fixed::format_amount(months[i]),
                        population.households.id.get(s + i)
                    ),
                });
            }
            Ok(())
            })
            .collect();
        // The first failure in population order, whatever finished first.
        results.into_iter().collect::<Result<(), _>>()?;
        for &(m, ..) in &segments {
            let (_, resolved) = programs[m as usize].expect("checked above");
            let assumed = resolved.assumed();
            if !assumed.is_empty() {
                out.assumed.insert(m, assumed);
            }
        }
        Ok(out)
    }
}

/// A municipality's program and the scripts that set each required output.
struct Planned {
    program: Program,
    set_by: Vec<String>,
    /// The policy sets `h.status_months`: the program's seventh root.
    has_months: bool,
}

enum Failure {
    Script(ScriptError),
    Output(String),
}

/// Plans the rules for one municipality and compiles the program of the required outputs
/// (`REQUIRED_OUTPUTS`, in that order), checking that each is a household column of the right
/// kind.
fn program_for(
    rules: &Rules,
    population: &Population,
    resolved: &Resolved,
    status_months: bool,
) -> Result<Planned, Failure> {
    let plan = rules
        .plan(population, resolved, false)
        .map_err(Failure::Script)?;
    let mut roots = Vec::new();
    let mut set_by = Vec::new();
    for (k, name) in REQUIRED_OUTPUTS.iter().enumerate() {
        let want_mask = k < 2;
        let column = plan.column(name).ok_or_else(|| {
            Failure::Output(format!(
                "the policy never sets h.{name}; every policy must set {}",
                REQUIRED_OUTPUTS.map(|o| format!("h.{o}")).join(", ")
            ))
        })?;
        let kind_ok =
            |c: &Column| c.level() == Level::Household && matches!(c, Column::Mask(_)) == want_mask;
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
        Some(Ok((c @ Column::Num(_), _))) if c.level() == Level::Household => {
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
    let program = Program::compile(&roots).map_err(|message| {
        Failure::Script(ScriptError {
            script: rules.scripts().last().unwrap_or_default().to_string(),
            line: None,
            column: None,
            message,
        })
    })?;
    Ok(Planned {
        program,
        set_by,
        has_months,
    })
}

/// The outcome slices of one chunk.
struct Dest<'a> {
    needy: &'a mut [bool],
    low_income: &'a mut [bool],
    gmi_benefit: &'a mut [i64],
    housing_benefit: &'a mut [i64],
    state_share: &'a mut [i64],
    municipal_net: &'a mut [i64],
    status_months: &'a mut [u8],
}

impl<'a> Dest<'a> {
    fn split(self, len: usize) -> (Dest<'a>, Dest<'a>) {
        let (a1, b1) = self.needy.split_at_mut(len);
        let (a2, b2) = self.low_income.split_at_mut(len);
        let (a3, b3) = self.gmi_benefit.split_at_mut(len);
        let (a4, b4) = self.housing_benefit.split_at_mut(len);
        let (a5, b5) = self.state_share.split_at_mut(len);
        let (a6, b6) = self.municipal_net.split_at_mut(len);
        let (a7, b7) = self.status_months.split_at_mut(len);
        (
            Dest {
                needy: a1,
                low_income: a2,
                gmi_benefit: a3,
                housing_benefit: a4,
                state_share: a5,
                municipal_net: a6,
                status_months: a7,
            },
            Dest {
                needy: b1,
                low_income: b2,
                gmi_benefit: b3,
                housing_benefit: b4,
                state_share: b5,
                municipal_net: b6,
                status_months: b7,
            },
        )
    }
}

/// Checks the required outputs of one chunk, as written into its slices: amounts in whole
/// cents and not negative, the two statuses exclusive, financing splitting every euro. `first`
/// is the chunk's first row.
fn check_outputs(
    sinks: &[Sink],
    set_by: &[String],
    population: &Population,
    first: usize,
) -> Result<(), SimulationError> {
    let fail = |message: String| SimulationError::Output { message };
    let [
        Sink::Mask(needy),
        Sink::Mask(low_income),
        Sink::Num(gmi),
        Sink::Num(housing),
        Sink::Num(state),
        Sink::Num(net),
    ] = sinks
    else {
        unreachable!("the sinks are built in this order")
    };
    let amounts = REQUIRED_OUTPUTS[2..].iter().zip(&set_by[2..]);
    for ((name, by), values) in amounts.zip([gmi, housing, state, net]) {
        // Every amount is whole cents and not negative; find the first that is not only if
        // some is not.
        if !columns::amounts_ok(values) {
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
            return Err(fail(format!(
                "{by}: h.{name} = {} for household {} {what}",
                fixed::format_amount(v),
                population.households.id.get(first + i)
            )));
        }
    }
    // Both checks in one branch-free pass; the household is looked for only if one fails.
    let both = |i: usize| needy[i] & low_income[i];
    let unsplit = |i: usize| state[i] + net[i] != gmi[i] + housing[i];
    if (0..needy.len()).fold(false, |bad, i| bad | both(i) | unsplit(i)) {
        let i = (0..needy.len())
            .find(|&i| both(i) || unsplit(i))
            .expect("one is bad");
        let id = population.households.id.get(first + i);
        return Err(fail(if both(i) {
            format!(
                "household {id} is both needy and low-income: the status rules must exclude one another"
            )
        } else {
            format!(
                "household {id}: state share + municipal net ≠ GMI + housing benefit; financing must split every euro"
            )
        }));
    }
    Ok(())
}
