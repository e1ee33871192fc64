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
use crate::script::{Evaluation, Rules, ScriptError};

/// Households per chunk. The interpreter's cost is paid once per chunk; a few thousand rows keep
/// every column in the 1 MB L2 cache. Measured with `cargo bench --bench rules -- chunk`: on
/// this 2-core machine 16 384 beat 4 096 by about a fifth and 32 768 was slower again.
pub const DEFAULT_CHUNK: usize = 16_384;

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
            assumed: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulationError {
    /// A script failed on the chunk that holds this household.
    #[error("{error} (municipality {municipality}, households from id {first_household})")]
    Script {
        error: ScriptError,
        municipality: String,
        first_household: u64,
    },
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
        resolved
            .entry(m)
            .or_insert_with(|| parameters.resolve(date, &population.municipalities[m as usize]));
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
            let evaluation = rules
                .evaluate(population, s..e, &resolved[&m], false)
                .map_err(|error| SimulationError::Script {
                    error,
                    municipality: population.municipalities[m as usize].clone(),
                    first_household: population.households.id[s],
                })?;
            write_outputs(&evaluation, population, s, dest)
        })
        .collect();
    // The first failure in population order, whatever finished first.
    results.into_iter().collect::<Result<(), _>>()?;
    for (m, r) in &resolved {
        let assumed = r.assumed();
        if !assumed.is_empty() {
            out.assumed.insert(*m, assumed);
        }
    }
    Ok(out)
}

/// The outcome slices of one chunk.
struct Dest<'a> {
    needy: &'a mut [bool],
    low_income: &'a mut [bool],
    gmi_benefit: &'a mut [i64],
    housing_benefit: &'a mut [i64],
    state_share: &'a mut [i64],
    municipal_net: &'a mut [i64],
}

impl<'a> Dest<'a> {
    fn split(self, len: usize) -> (Dest<'a>, Dest<'a>) {
        let (a1, b1) = self.needy.split_at_mut(len);
        let (a2, b2) = self.low_income.split_at_mut(len);
        let (a3, b3) = self.gmi_benefit.split_at_mut(len);
        let (a4, b4) = self.housing_benefit.split_at_mut(len);
        let (a5, b5) = self.state_share.split_at_mut(len);
        let (a6, b6) = self.municipal_net.split_at_mut(len);
        (
            Dest {
                needy: a1,
                low_income: a2,
                gmi_benefit: a3,
                housing_benefit: a4,
                state_share: a5,
                municipal_net: a6,
            },
            Dest {
                needy: b1,
                low_income: b2,
                gmi_benefit: b3,
                housing_benefit: b4,
                state_share: b5,
                municipal_net: b6,
            },
        )
    }
}

/// Checks the required outputs of one chunk and copies them into its slices. `first` is the
/// chunk's first row.
fn write_outputs(
    vars: &Evaluation,
    population: &Population,
    first: usize,
    dest: Dest,
) -> Result<(), SimulationError> {
    let fail = |message: String| SimulationError::Output { message };
    let missing = |name: &str| {
        fail(format!(
            "the policy never sets h.{name}; every policy must set {}",
            REQUIRED_OUTPUTS.map(|o| format!("h.{o}")).join(", ")
        ))
    };
    let mask = |name: &str, to: &mut [bool]| -> Result<(), SimulationError> {
        match vars.household_mask(name).ok_or_else(|| missing(name))? {
            Ok((m, _)) => {
                to.copy_from_slice(m.values());
                Ok(())
            }
            Err(by) => Err(fail(format!(
                "{by}: h.{name} must be a household mask (true/false per household)"
            ))),
        }
    };
    let money = |name: &str, to: &mut [i64]| -> Result<(), SimulationError> {
        let (num, by) = match vars.household_num(name).ok_or_else(|| missing(name))? {
            Ok(x) => x,
            Err(by) => {
                return Err(fail(format!(
                    "{by}: h.{name} must be a household column of amounts"
                )));
            }
        };
        let values = num.values();
        // Every amount is whole cents and not negative; find the first that is not only if
        // some is not.
        if values
            .iter()
            .fold(false, |bad, &v| bad | (v % CENT != 0) | (v < 0))
        {
            let (i, &v) = values
                .iter()
                .enumerate()
                .find(|(_, v)| **v % CENT != 0 || **v < 0)
                .expect("one is bad");
            let what = if v < 0 {
                "is negative"
            } else {
                "has a fraction of a cent: round it (round_cents)"
            };
            return Err(fail(format!(
                "{by}: h.{name} = {} for household {} {what}",
                fixed::format_amount(v),
                population.households.id[first + i]
            )));
        }
        to.copy_from_slice(values);
        Ok(())
    };
    mask("needy", dest.needy)?;
    mask("low_income", dest.low_income)?;
    money("gmi_benefit", dest.gmi_benefit)?;
    money("housing_benefit", dest.housing_benefit)?;
    money("state_share", dest.state_share)?;
    money("municipal_net", dest.municipal_net)?;
    for i in 0..dest.needy.len() {
        let id = || population.households.id[first + i];
        if dest.needy[i] && dest.low_income[i] {
            return Err(fail(format!(
                "household {} is both needy and low-income: the status rules must exclude one another",
                id()
            )));
        }
        if dest.state_share[i] + dest.municipal_net[i]
            != dest.gmi_benefit[i] + dest.housing_benefit[i]
        {
            return Err(fail(format!(
                "household {}: state share + municipal net ≠ GMI + housing benefit; financing must split every euro",
                id()
            )));
        }
    }
    Ok(())
}
