//! One way to run a configuration: a population, a policy with its overrides (and any replaced
//! scripts), a month or a year, and the behaviour an annual projection assumes — in; the
//! per-household outcome and the named measures per municipality out. `run`, `compare`,
//! `calibrate` and `validate` all go through [`run`], so they cannot compute a figure in
//! different ways.

use std::sync::Arc;

use crate::annual::{Behaviour, project};
use crate::date::Period;
use crate::parameters::ParameterSet;
use crate::policy::Policy;
use crate::population::Population;
use crate::script::Rules;
use crate::simulate::{Outcome, SimulationError, simulate};
use crate::summary::{Summary, summarize};

/// What is simulated: one month, or a year month by month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Horizon {
    Month(Period),
    Year(i32),
}

impl Horizon {
    /// The year whose population is simulated.
    pub fn year(self) -> i32 {
        match self {
            Horizon::Month(p) => p.year,
            Horizon::Year(y) => y,
        }
    }
}

impl std::fmt::Display for Horizon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Horizon::Month(p) => write!(f, "{p}"),
            Horizon::Year(y) => write!(f, "{y}"),
        }
    }
}

/// A run's inputs (references and small values: copying one is cheap).
#[derive(Clone, Copy)]
pub struct Configuration<'a> {
    pub policy: &'a Policy,
    /// The policy's rules with some scripts replaced (a reform of a formula); `None`: its own.
    pub rules: Option<&'a Rules>,
    /// The policy's parameters with the run's overrides applied.
    pub parameters: &'a ParameterSet,
    pub population: &'a Arc<Population>,
    pub horizon: Horizon,
    /// Take-up, income changes and the seed of their draws (a year's projection only).
    pub behaviour: &'a Behaviour,
    /// The most households a thread takes at once (`simulate::DEFAULT_CHUNK`).
    pub chunk_size: usize,
}

/// A run's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// Per household: a month's entitlement, or a year's receipts.
    pub outcome: Outcome,
    /// Per municipality and in total, every measure the policy's outputs give.
    pub summary: Summary,
    /// For a year, per declared status and then benefit, per household: the months (bit 0 =
    /// January) it held the status or was paid; empty for a month.
    pub received: Vec<Vec<u16>>,
    /// For a year, each month's stock per municipality, January first; empty for a month.
    pub by_month: Vec<Summary>,
}

impl Results {
    /// Households and persons of municipality index `m` (all: `None`) that held status or were
    /// paid benefit `output` (statuses first, then benefits) at least once in months
    /// `first..=last` of a year's run.
    pub fn count_during(
        &self,
        population: &Population,
        m: Option<u16>,
        output: usize,
        first: u8,
        last: u8,
    ) -> (i64, i64) {
        let Some(marks) = self.received.get(output) else {
            return (0, 0);
        };
        let window: u16 = (first.max(1)..=last.min(12)).fold(0, |w, k| w | 1 << (k - 1));
        let fp = &population.households.first_person;
        let council = &population.households.municipality;
        let statuses = self.outcome.schema.statuses.len();
        let mut households = 0;
        let mut persons = 0;
        for i in 0..population.household_count() {
            if m.is_none_or(|m| council[i] == m) && marks[i] & window != 0 {
                let size = i64::from(fp[i + 1] - fp[i]);
                households += 1;
                persons += if output < statuses {
                    size
                } else {
                    self.outcome.persons_of(output - statuses, i, size)
                };
            }
        }
        (households, persons)
    }
}

/// Runs a configuration; `done(month)` after each month of a year (for a progress display).
pub fn run(c: &Configuration, done: &dyn Fn(u8)) -> Result<Results, SimulationError> {
    c.parameters.check_year(c.horizon.year())?;
    let rules = c.rules.unwrap_or(&c.policy.rules);
    let schema = &c.policy.schema;
    let (outcome, received, by_month) = match c.horizon {
        Horizon::Month(period) => (
            simulate(
                rules,
                c.parameters,
                schema,
                c.population,
                period,
                c.chunk_size,
            )?,
            Vec::new(),
            Vec::new(),
        ),
        Horizon::Year(year) => {
            let a = project(
                rules,
                c.parameters,
                schema,
                c.population,
                year,
                c.behaviour,
                done,
            )?;
            (a.outcome, a.received, a.by_month)
        }
    };
    let summary = summarize(c.population, &outcome)?;
    Ok(Results {
        outcome,
        summary,
        received,
        by_month,
    })
}
