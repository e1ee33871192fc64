//! Running the rules over a whole population: chunks of one municipality each, evaluated in
//! parallel on the current rayon pool, results in population order.
//!
//! Every chunk is independent and every number is an integer, so the outcome is the same on one
//! thread or many, byte for byte. The first failing chunk in population order is the error
//! reported, whatever finished first.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::date::Period;
use crate::fixed::{self, CENT};
use crate::parameters::{Leaf, ParameterSet, Resolved};
use crate::policy::REQUIRED_OUTPUTS;
use crate::population::Population;
use crate::script::{Output, Rules, ScriptError};

/// Households per chunk. The interpreter's cost is paid once per chunk; a few thousand rows keep
/// every column in cache (design notes §1: 4 096 was fastest in the probe).
pub const DEFAULT_CHUNK: usize = 4096;

/// Per-household results, in population order. Amounts in fixed units, whole cents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub needy: Vec<bool>,
    pub low_income: Vec<bool>,
    pub gmi_benefit: Vec<i64>,
    pub housing_benefit: Vec<i64>,
    pub state_share: Vec<i64>,
    pub municipal_net: Vec<i64>,
    /// Parameters that were assumed defaults, per municipality index.
    pub assumed: BTreeMap<u16, Vec<Arc<Leaf>>>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulationError {
    /// A script failed on the chunk that holds this household.
    #[error("{error} (municipality {municipality}, households from id {first_household})")]
    Script { error: ScriptError, municipality: String, first_household: u64 },
    /// A script produced something the engine cannot use.
    #[error("{message}")]
    Output { message: String },
}

/// Runs `rules` with `parameters` resolved at the first day of `period` over every household.
pub fn simulate(
    rules: &Rules,
    parameters: &ParameterSet,
    population: &Arc<Population>,
    period: Period,
    chunk_size: usize,
) -> Result<Outcome, SimulationError> {
    let chunk_size = chunk_size.max(1);
    let date = period.first_day();
    let mut resolved: BTreeMap<u16, Resolved> = BTreeMap::new();
    let mut chunks = Vec::new();
    for (m, start, end) in population.segments() {
        resolved.entry(m).or_insert_with(|| parameters.resolve(date, &population.municipalities[m as usize]));
        let mut s = start;
        while s < end {
            let e = (s + chunk_size).min(end);
            chunks.push((m, s, e));
            s = e;
        }
    }
    let results: Vec<Result<ChunkOutcome, SimulationError>> = chunks
        .par_iter()
        .map(|&(m, s, e)| {
            let evaluation = rules.evaluate(population, s..e, &resolved[&m], false).map_err(|error| {
                SimulationError::Script {
                    error,
                    municipality: population.municipalities[m as usize].clone(),
                    first_household: population.households.id[s],
                }
            })?;
            take_outputs(&evaluation.variables, population, s)
        })
        .collect();
    let n = population.household_count();
    let mut out = Outcome {
        needy: Vec::with_capacity(n),
        low_income: Vec::with_capacity(n),
        gmi_benefit: Vec::with_capacity(n),
        housing_benefit: Vec::with_capacity(n),
        state_share: Vec::with_capacity(n),
        municipal_net: Vec::with_capacity(n),
        assumed: BTreeMap::new(),
    };
    for r in results {
        let c = r?;
        out.needy.extend(c.needy);
        out.low_income.extend(c.low_income);
        out.gmi_benefit.extend(c.gmi_benefit);
        out.housing_benefit.extend(c.housing_benefit);
        out.state_share.extend(c.state_share);
        out.municipal_net.extend(c.municipal_net);
    }
    for (m, r) in &resolved {
        let assumed = r.assumed();
        if !assumed.is_empty() {
            out.assumed.insert(*m, assumed);
        }
    }
    Ok(out)
}

struct ChunkOutcome {
    needy: Vec<bool>,
    low_income: Vec<bool>,
    gmi_benefit: Vec<i64>,
    housing_benefit: Vec<i64>,
    state_share: Vec<i64>,
    municipal_net: Vec<i64>,
}

/// Checks the required outputs of one chunk and takes them. `first` is the chunk's first row.
fn take_outputs(
    vars: &BTreeMap<String, (Output, String)>,
    population: &Population,
    first: usize,
) -> Result<ChunkOutcome, SimulationError> {
    let fail = |message: String| SimulationError::Output { message };
    let get = |name: &str| {
        vars.get(name).ok_or_else(|| {
            fail(format!(
                "the policy never sets h.{name}; every policy must set {}",
                REQUIRED_OUTPUTS.map(|o| format!("h.{o}")).join(", ")
            ))
        })
    };
    let mask = |name: &str| -> Result<Vec<bool>, SimulationError> {
        match get(name)? {
            (Output::Mask { person: false, values }, _) => Ok(values.clone()),
            (_, by) => Err(fail(format!("{by}: h.{name} must be a household mask (true/false per household)"))),
        }
    };
    let money = |name: &str| -> Result<Vec<i64>, SimulationError> {
        let (out, by) = get(name)?;
        let Output::Num { person: false, values } = out else {
            return Err(fail(format!("{by}: h.{name} must be a household column of amounts")));
        };
        for (i, &v) in values.iter().enumerate() {
            if v % CENT != 0 || v < 0 {
                let what = if v < 0 { "is negative" } else { "has a fraction of a cent: round it (round_cents)" };
                return Err(fail(format!(
                    "{by}: h.{name} = {} for household {} {what}",
                    fixed::format_amount(v),
                    population.households.id[first + i]
                )));
            }
        }
        Ok(values.clone())
    };
    let c = ChunkOutcome {
        needy: mask("needy")?,
        low_income: mask("low_income")?,
        gmi_benefit: money("gmi_benefit")?,
        housing_benefit: money("housing_benefit")?,
        state_share: money("state_share")?,
        municipal_net: money("municipal_net")?,
    };
    for i in 0..c.needy.len() {
        let id = population.households.id[first + i];
        if c.needy[i] && c.low_income[i] {
            return Err(fail(format!("household {id} is both needy and low-income: the status rules must exclude one another")));
        }
        if c.state_share[i] + c.municipal_net[i] != c.gmi_benefit[i] + c.housing_benefit[i] {
            return Err(fail(format!(
                "household {id}: state share + municipal net ≠ GMI + housing benefit; financing must split every euro"
            )));
        }
    }
    Ok(c)
}
