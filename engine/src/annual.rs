//! Annual projections: a year as twelve monthly assessments, as a council's annual report counts
//! it — every household that received something during the year, and the year's payments.
//!
//! Each month the rules in force on its first day run over the households with that month's
//! incomes (so a year in which a parameter changes, such as 2023 or 2026, is right). What happens
//! around the rules is behaviour, with its parameters in [`Behaviour`]:
//!
//! - **Applying (take-up).** A household that is not in a grant period and qualifies for
//!   something applies with the take-up rate of the best thing it qualifies for (GMI, else needy
//!   status, else low-income status, else the housing benefit) and of its type (pensioners,
//!   with children, other). One application is one assessment of the household's material
//!   situation (MK 809): it is granted everything it qualifies for. Each household has one
//!   take-up draw for the whole year, so a household that would not apply does not apply again
//!   next month on a new coin toss.
//! - **Grant periods.** What is granted — status, GMI and housing benefit, with the amounts of
//!   the month of assessment — lasts the status period the rules give (`h.status_months`: 3
//!   months with an able-bodied working-age adult, else 6), then the household is assessed again.
//! - **Housing costs follow the seasons.** Each month's costs are the population's (a yearly
//!   average) times the month's factor from the profile: heating is paid in winter.
//! - **Incomes change.** Working-age people in work lose their job with a monthly rate; then
//!   their counted income is a share of it (the unemployment benefit). People registered as
//!   unemployed, and those who lost their job, find one with the rate that keeps employment
//!   stable over the year; a new job pays a set income. Without the `employed` column, incomes
//!   stay as they are.
//!
//! All draws are counter-based (`crate::draw`): the projection is the same on any number of
//! threads.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::date::Period;
use crate::draw::{self, MILLION, Purpose};
use crate::fixed::{self, CENT, SCALE};
use crate::parameters::ParameterSet;
use crate::population::Population;
use crate::profile::{Profile, TakeUpRates};
use crate::script::Rules;
use crate::simulate::{DEFAULT_CHUNK, Outcome, SimulationError, prepare};

/// Take-up household types.
pub const HOUSEHOLD_TYPES: [&str; 3] = ["pensioners", "with_children", "other"];
/// What a household applies for, best first.
pub const BENEFITS: [&str; 4] = [
    "gmi",
    "needy_status",
    "low_income_status",
    "housing_benefit",
];

/// Ages that define the take-up household types (a behavioural grouping, not the law's, as in
/// the profiles): with children if a member is under 18; pensioners if every member is 65 or
/// older.
const CHILD_BELOW: i64 = 18;
const PENSIONER_FROM: i64 = 65;

/// Take-up rates, millionths, by benefit ([`BENEFITS`]) and household type
/// ([`HOUSEHOLD_TYPES`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakeUp(pub [[u32; 3]; 4]);

impl TakeUp {
    /// Everyone who qualifies applies.
    pub fn full() -> TakeUp {
        TakeUp([[MILLION; 3]; 4])
    }
}

/// Monthly income changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dynamics {
    /// Share of working-age people in work who lose their job in a month, millionths, by council
    /// slug; councils not listed take `default_job_loss`.
    pub job_loss: BTreeMap<String, u32>,
    pub default_job_loss: u32,
    /// Counted income after losing a job, as a share of the income before (the unemployment
    /// benefit), in fixed units (`0.5` = 5 000).
    pub benefit_share: i64,
    /// Counted monthly income of a new job for someone who had none, fixed units.
    pub new_job_income: i64,
    /// Each month's housing costs as a multiple of the population's (the yearly average),
    /// fixed units, January first, by council slug; councils not listed keep their costs.
    pub housing_by_month: BTreeMap<String, [i64; 12]>,
}

impl Dynamics {
    /// Incomes stay as they are.
    pub fn none() -> Dynamics {
        Dynamics {
            job_loss: BTreeMap::new(),
            default_job_loss: 0,
            benefit_share: SCALE,
            new_job_income: 0,
            housing_by_month: BTreeMap::new(),
        }
    }
}

/// Everything an annual projection assumes about people, beyond the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behaviour {
    /// Take-up by council slug; councils not listed take `default_take_up`.
    pub take_up: BTreeMap<String, TakeUp>,
    pub default_take_up: TakeUp,
    pub dynamics: Dynamics,
    /// Seed of the draws.
    pub seed: u64,
}

impl Behaviour {
    /// Everyone who qualifies applies, and incomes stay as they are: entitlement, not caseload.
    pub fn entitlement(seed: u64) -> Behaviour {
        Behaviour {
            take_up: BTreeMap::new(),
            default_take_up: TakeUp::full(),
            dynamics: Dynamics::none(),
            seed,
        }
    }

    /// The behaviour the profiles give for `year`: each council's take-up and rate of job loss
    /// from its own profile; the unemployment benefit ratio and the net minimum wage of the year
    /// from the national layer. Rates are rounded to millionths.
    pub fn from_profiles(profiles: &[&Profile], year: i32, seed: u64) -> Behaviour {
        let millionths = |r: f64| (r * MILLION as f64).round().clamp(0.0, MILLION as f64) as u32;
        let rates = |r: &TakeUpRates| [r.pensioners, r.with_children, r.other].map(millionths);
        let mut take_up = BTreeMap::new();
        let mut job_loss = BTreeMap::new();
        let mut housing_by_month = BTreeMap::new();
        for p in profiles {
            // A merged council's households take the behaviour of the council they joined.
            if p.council(year) == p.slug {
                housing_by_month.insert(
                    p.slug.clone(),
                    p.housing_costs
                        .by_month
                        .map(|f| (f * SCALE as f64).round() as i64),
                );
                job_loss.insert(
                    p.slug.clone(),
                    millionths(p.income_changes.job_loss_per_month),
                );
                let t = &p.take_up;
                take_up.insert(
                    p.slug.clone(),
                    TakeUp([
                        rates(&t.gmi),
                        rates(&t.needy_status),
                        rates(&t.low_income_status),
                        rates(&t.housing_benefit),
                    ]),
                );
            }
        }
        let dynamics = match profiles.first() {
            Some(p) => Dynamics {
                job_loss,
                default_job_loss: millionths(p.income_changes.job_loss_per_month),
                benefit_share: (p.benefits.unemployment_benefit_ratio * SCALE as f64).round()
                    as i64,
                new_job_income: p.year(year).minimum_wage_net,
                housing_by_month,
            },
            None => Dynamics::none(),
        };
        Behaviour {
            take_up,
            default_take_up: TakeUp::full(),
            dynamics,
            seed,
        }
    }
}

/// A year's results per household.
#[derive(Debug, Clone, PartialEq)]
pub struct Annual {
    /// `needy`/`low_income`: held that status in at least one month (a household can hold
    /// both in a year); amounts: the year's payments. `status_months` is not used.
    pub outcome: Outcome,
    /// Months in which the household received something.
    pub months: Vec<u8>,
    /// Who received what in each month, January first: the point-in-time caseloads that
    /// monthly statistics count.
    pub by_month: [MonthCounts; 12],
}

impl Annual {
    /// Households and persons that received each thing at least once in the year (the counts
    /// of annual reports), over all of `population` (the one projected).
    pub fn year_counts(&self, population: &Population) -> MonthCounts {
        let o = &self.outcome;
        let fp = &population.households.first_person;
        (0..population.household_count())
            .into_par_iter()
            .map(|i| {
                let persons = (fp[i + 1] - fp[i]) as i64;
                let count = |yes: bool| Counted {
                    households: yes as i64,
                    persons: yes as i64 * persons,
                };
                MonthCounts {
                    needy: count(o.needy[i]),
                    low_income: count(o.low_income[i]),
                    gmi: count(o.gmi_benefit[i] > 0),
                    housing: count(o.housing_benefit[i] > 0),
                }
            })
            .reduce(MonthCounts::default, MonthCounts::add)
    }
}

/// Households and persons receiving each thing in one month (holding a status, paid a
/// benefit), or in a year ([`Annual::year_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthCounts {
    pub needy: Counted,
    pub low_income: Counted,
    pub gmi: Counted,
    pub housing: Counted,
}

/// A count of households and of the persons in them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    pub households: i64,
    pub persons: i64,
}

impl Counted {
    fn add(self, other: Counted) -> Counted {
        Counted {
            households: self.households + other.households,
            persons: self.persons + other.persons,
        }
    }
}

impl MonthCounts {
    fn add(self, o: MonthCounts) -> MonthCounts {
        MonthCounts {
            needy: self.needy.add(o.needy),
            low_income: self.low_income.add(o.low_income),
            gmi: self.gmi.add(o.gmi),
            housing: self.housing.add(o.housing),
        }
    }
}

/// What a household is granted for a period.
#[derive(Clone, Copy, Default)]
struct Grant {
    needy: bool,
    low_income: bool,
    gmi: i64,
    housing: i64,
    state: i64,
    net: i64,
    months_left: u8,
}

/// Projects `year` over `population` (its January state), month by month; `done(month)` is
/// called after each month (for a progress display).
pub fn project(
    rules: &Rules,
    parameters: &ParameterSet,
    population: &Arc<Population>,
    year: i32,
    behaviour: &Behaviour,
    done: &dyn Fn(u8),
) -> Result<Annual, SimulationError> {
    let n = population.household_count();
    let kinds = household_types(population);
    let take_up: Vec<u32> = population
        .households
        .id
        .keys()
        .par_iter()
        .map(|&id| draw::millionths(behaviour.seed, Purpose::TakeUp, id, 0))
        .collect();
    let rates: Vec<&TakeUp> = population
        .municipalities
        .iter()
        .map(|slug| {
            behaviour
                .take_up
                .get(slug)
                .unwrap_or(&behaviour.default_take_up)
        })
        .collect();
    let council = &population.households.municipality;
    let mut jobs = Jobs::new(population, &behaviour.dynamics);
    let mut month_population = Arc::clone(population);
    let mut grants = vec![Grant::default(); n];
    let mut annual = Annual {
        outcome: Outcome::zeroed(n),
        months: vec![0; n],
        by_month: [MonthCounts::default(); 12],
    };
    let fp = &population.households.first_person;
    let sizes: Vec<i64> = fp.windows(2).map(|w| (w[1] - w[0]) as i64).collect();
    let seasons: Vec<Option<&[i64; 12]>> = population
        .municipalities
        .iter()
        .map(|slug| behaviour.dynamics.housing_by_month.get(slug))
        .collect();
    let seasonal = seasons.iter().any(Option::is_some);
    for month in 1..=12u8 {
        if month > 1 && jobs.active() {
            let incomes = &mut Arc::make_mut(&mut month_population).persons.income;
            jobs.step(population, behaviour.seed, month, incomes);
        }
        if seasonal {
            let costs = &mut Arc::make_mut(&mut month_population)
                .households
                .housing_costs;
            month_costs(population, &seasons, month, costs);
        }
        let period = Period { year, month };
        let prepared = prepare(rules, parameters, &month_population, period, true)?;
        let now = prepared.run(&month_population, DEFAULT_CHUNK)?;
        if month == 1 {
            annual.outcome.assumed = now.assumed.clone();
        }
        let o = &mut annual.outcome;
        annual.by_month[month as usize - 1] = grants
            .par_iter_mut()
            .zip(&kinds)
            .zip(&take_up)
            .zip(o.needy.par_iter_mut())
            .zip(o.low_income.par_iter_mut())
            .zip(o.gmi_benefit.par_iter_mut())
            .zip(o.housing_benefit.par_iter_mut())
            .zip(o.state_share.par_iter_mut())
            .zip(o.municipal_net.par_iter_mut())
            .zip(annual.months.par_iter_mut())
            .enumerate()
            .map(
                |(
                    i,
                    (
                        ((((((((grant, &kind), &u), needy), low), gmi), housing), state), net),
                        months,
                    ),
                )| {
                    if grant.months_left == 0 {
                        *grant = assess(&now, i, kind, u, rates[council[i] as usize]);
                    }
                    if grant.months_left == 0 {
                        return MonthCounts::default();
                    }
                    grant.months_left -= 1;
                    *needy |= grant.needy;
                    *low |= grant.low_income;
                    *gmi += grant.gmi;
                    *housing += grant.housing;
                    *state += grant.state;
                    *net += grant.net;
                    *months += 1;
                    let count = |yes: bool| Counted {
                        households: yes as i64,
                        persons: yes as i64 * sizes[i],
                    };
                    MonthCounts {
                        needy: count(grant.needy),
                        low_income: count(grant.low_income),
                        gmi: count(grant.gmi > 0),
                        housing: count(grant.housing > 0),
                    }
                },
            )
            // Integer sums: the same total in any order, on any number of threads.
            .reduce(MonthCounts::default, MonthCounts::add);
        done(month);
    }
    Ok(annual)
}

/// Writes every household's housing costs in `month` into `out`: its yearly average (in
/// `population`) times its council's factor for the month, rounded half up to cents.
fn month_costs(
    population: &Population,
    seasons: &[Option<&[i64; 12]>],
    month: u8,
    out: &mut [i64],
) {
    let h = &population.households;
    out.par_iter_mut()
        .zip(&h.housing_costs)
        .zip(&h.municipality)
        .for_each(|((o, &cost), &m)| {
            *o = match seasons[m as usize] {
                // Costs are at most `fixed::MAX_INPUT` and factors at most 5: the product fits.
                Some(f) => fixed::round_to(
                    fixed::mul(cost, f[month as usize - 1]).unwrap_or(cost),
                    CENT,
                ),
                None => cost,
            }
        });
}

/// The assessment of household `i` this month: what it is granted if it applies.
fn assess(now: &Outcome, i: usize, kind: u8, draw: u32, take_up: &TakeUp) -> Grant {
    let best = if now.gmi_benefit[i] > 0 {
        Some(0)
    } else if now.needy[i] {
        Some(1)
    } else if now.low_income[i] {
        Some(2)
    } else if now.housing_benefit[i] > 0 {
        Some(3)
    } else {
        None
    };
    match best {
        Some(b) if draw < take_up.0[b][kind as usize] => Grant {
            needy: now.needy[i],
            low_income: now.low_income[i],
            gmi: now.gmi_benefit[i],
            housing: now.housing_benefit[i],
            state: now.state_share[i],
            net: now.municipal_net[i],
            // A policy that does not say how long a status lasts is assessed every month.
            months_left: now.status_months[i].max(1),
        },
        _ => Grant::default(),
    }
}

/// Each household's take-up type: 0 pensioners, 1 with children, 2 other.
fn household_types(population: &Population) -> Vec<u8> {
    let fp = &population.households.first_person;
    let p = &population.persons;
    (0..population.household_count())
        .into_par_iter()
        .map(|i| {
            let members = fp[i] as usize..fp[i + 1] as usize;
            if members.clone().any(|j| p.age[j] < CHILD_BELOW) {
                1
            } else if members
                .clone()
                .all(|j| p.age[j] >= PENSIONER_FROM || p.disabled[j])
            {
                0
            } else {
                2
            }
        })
        .collect()
}

/// Who has a job this month (the month's incomes live in the month's population).
struct Jobs {
    /// Working age (18–64) and in the labour force (employed, or registered as unemployed).
    in_force: Vec<bool>,
    employed: Vec<bool>,
    /// Had a job in January.
    employed_at_start: Vec<bool>,
    /// Each person's council (index into the population's municipalities).
    council: Vec<u16>,
    /// Monthly rates of losing and of finding a job, millionths, by council.
    job_loss: Vec<u32>,
    job_found: Vec<u32>,
    benefit_share: i64,
    new_job_income: i64,
}

impl Jobs {
    fn new(population: &Population, d: &Dynamics) -> Jobs {
        let p = &population.persons;
        let n = population.person_count();
        let employed = p.employed.clone().unwrap_or_else(|| vec![false; n]);
        let registered = p.nva_registered.clone().unwrap_or_else(|| vec![false; n]);
        let in_force: Vec<bool> = (0..n)
            .map(|j| {
                (CHILD_BELOW..PENSIONER_FROM).contains(&p.age[j]) && (employed[j] || registered[j])
            })
            .collect();
        let fp = &population.households.first_person;
        let mut council = vec![0u16; n];
        for (i, &m) in population.households.municipality.iter().enumerate() {
            council[fp[i] as usize..fp[i + 1] as usize].fill(m);
        }
        let councils = population.municipalities.len();
        let job_loss: Vec<u32> = population
            .municipalities
            .iter()
            .map(|slug| match p.employed {
                None => 0,
                Some(_) => d.job_loss.get(slug).copied().unwrap_or(d.default_job_loss),
            })
            .collect();
        // In each council, flows in and out of work balance:
        // losing × employed = finding × unemployed.
        let mut working = vec![0u64; councils];
        let mut looking = vec![0u64; councils];
        for j in (0..n).filter(|&j| in_force[j]) {
            let c = council[j] as usize;
            if employed[j] {
                working[c] += 1;
            } else {
                looking[c] += 1;
            }
        }
        let job_found = (0..councils)
            .map(|c| match looking[c] {
                0 => 0,
                l => (job_loss[c] as u64 * working[c] / l).min(MILLION as u64) as u32,
            })
            .collect();
        Jobs {
            in_force,
            employed_at_start: employed.clone(),
            employed,
            council,
            job_loss,
            job_found,
            benefit_share: d.benefit_share,
            new_job_income: d.new_job_income,
        }
    }

    fn active(&self) -> bool {
        self.job_loss.iter().any(|&r| r > 0)
    }

    /// Moves everyone one month on, changing the incomes of those whose job changes (`income`:
    /// last month's incomes; `population`: January's).
    fn step(&mut self, population: &Population, seed: u64, month: u8, income: &mut [i64]) {
        let p = &population.persons;
        let (share, new_job) = (self.benefit_share, self.new_job_income);
        let (in_force, at_start) = (&self.in_force, &self.employed_at_start);
        let (council, loss, found) = (&self.council, &self.job_loss, &self.job_found);
        self.employed
            .par_iter_mut()
            .zip(income.par_iter_mut())
            .enumerate()
            .for_each(|(j, (employed, income))| {
                if !in_force[j] {
                    return;
                }
                let id = p.id.key(j);
                let c = council[j] as usize;
                if *employed {
                    if draw::millionths(seed, Purpose::JobLoss, id, month) < loss[c] {
                        *employed = false;
                        // The benefit is a share of the January wage, in cents.
                        let wage = if at_start[j] { p.income[j] } else { new_job };
                        // Incomes are at most `fixed::MAX_INPUT` and the share at most 1: the
                        // product fits.
                        let benefit = fixed::mul(wage, share).unwrap_or(wage);
                        *income = fixed::round_to(benefit, CENT);
                    }
                } else if draw::millionths(seed, Purpose::JobFound, id, month) < found[c] {
                    *employed = true;
                    *income = if at_start[j] { p.income[j] } else { new_job };
                }
            });
    }
}
