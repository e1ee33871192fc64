//! Annual projections: a year as twelve monthly assessments, as a council's annual report counts
//! it — every household that received something during the year, and the year's payments — and
//! each month's stock, as national statistics count it.
//!
//! Each month the rules in force on its first day run over the households with that month's
//! incomes (so a year in which a parameter changes, such as 2023 or 2026, is right). What happens
//! around the rules is behaviour, with its parameters in [`Behaviour`]:
//!
//! - **Renewal cycle.** A household's material situation is assessed on a cycle as long as the
//!   status period the rules give (`h.status_months`: 3 months with an able-bodied working-age
//!   adult, else 6), starting at a point of the cycle drawn for each household (January's
//!   assessment stands for the one of the previous year that is still running). What is granted
//!   at an assessment — statuses and the means-tested benefits, with the amounts of that month —
//!   lasts until the next one. The cycle does not depend on the rules' thresholds, so a reform
//!   assesses every household in the same months as the baseline.
//! - **Applying (take-up).** At each assessment a household applies to the social service with a
//!   probability that grows with what it would get: `cap × V / (V + half)`, where `V` is the
//!   monthly value of everything it qualifies for (monthly benefits, a twelfth of yearly and
//!   one-off ones, and what holding each status is worth beyond cash), and `cap` and `half`
//!   depend on its type (pensioners, with children, other) and council. One application is one
//!   assessment (MK 809): it is granted everything it qualifies for. Each household has one
//!   draw for the year, so a household that would not apply does not apply next month on a new
//!   coin toss. Widening eligibility only raises `V`, so it never lowers anyone's take-up,
//!   recipients or cost: the projection is monotone, household by household.
//! - **Benefits without a means test** (`means_tested = false`: childbirth, crisis) are paid
//!   whenever the rules give them, without the application.
//! - **Yearly and one-off benefits** are paid once in the year, when first granted; monthly ones
//!   each month of the grant.
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
use crate::profile::Profile;
use crate::schema::{Kind, Schema};
use crate::script::Rules;
use crate::simulate::{DEFAULT_CHUNK, Outcome, SimulationError, prepare};
use crate::summary::{Summary, TotalError, summarize};

/// Take-up household types.
pub const HOUSEHOLD_TYPES: [&str; 3] = ["pensioners", "with_children", "other"];

/// Ages that define the take-up household types (a behavioural grouping, not the law's, as in
/// the profiles): with children if a member is under 18; pensioners if every member is 65 or
/// older.
const CHILD_BELOW: i64 = 18;
const PENSIONER_FROM: i64 = 65;

/// Who applies, by household type ([`HOUSEHOLD_TYPES`]): `cap × V / (V + half)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakeUp {
    /// The share that apply when what they would get is large, millionths.
    pub cap: [u32; 3],
    /// The monthly value (cents) at which half of `cap` apply.
    pub half_cents: [i64; 3],
    /// What holding each status is worth a month beyond cash (cents): free health-care
    /// co-payments, food packages, tax relief. By status id.
    pub status_value_cents: BTreeMap<String, i64>,
}

impl TakeUp {
    /// Everyone who qualifies for something applies.
    pub fn full() -> TakeUp {
        TakeUp {
            cap: [MILLION; 3],
            half_cents: [0; 3],
            status_value_cents: BTreeMap::new(),
        }
    }

    /// The chance (millionths) that a household of type `kind` applies when what it would get
    /// is worth `value` cents a month. Zero when it would get nothing; never lower for a larger
    /// value.
    pub fn chance(&self, kind: u8, value: i64) -> u32 {
        if value <= 0 {
            return 0;
        }
        let (cap, half) = (
            u128::from(self.cap[kind as usize]),
            self.half_cents[kind as usize].max(0) as u128,
        );
        let v = value as u128;
        (cap * v / (v + half)) as u32
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
    /// from the national layer. Rates are rounded to millionths, values to cents.
    pub fn from_profiles(profiles: &[&Profile], year: i32, seed: u64) -> Behaviour {
        let millionths = |r: f64| (r * MILLION as f64).round().clamp(0.0, MILLION as f64) as u32;
        let cents = |eur: f64| (eur * 100.0).round().max(0.0) as i64 * CENT;
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
                    TakeUp {
                        cap: [t.cap.pensioners, t.cap.with_children, t.cap.other].map(millionths),
                        half_cents: [
                            t.half_eur.pensioners,
                            t.half_eur.with_children,
                            t.half_eur.other,
                        ]
                        .map(|e| cents(e) / CENT),
                        status_value_cents: t
                            .status_value_eur
                            .iter()
                            .map(|(k, &v)| (k.clone(), cents(v) / CENT))
                            .collect(),
                    },
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

/// A year's results per household, and each month's stock per municipality.
#[derive(Debug, Clone, PartialEq)]
pub struct Annual {
    /// Statuses: held in at least one month (a household can hold several in a year);
    /// amounts: the year's payments; persons paid: the most in any month.
    pub outcome: Outcome,
    /// Per declared status, then per declared benefit, per household: the months (bit 0 =
    /// January) it held the status or was paid. Counts over any window of months follow.
    pub received: Vec<Vec<u16>>,
    /// Each month's stock, January first: who held each status and was paid each benefit in
    /// that month, and what was paid, per municipality (the point-in-time caseloads that
    /// monthly statistics count).
    pub by_month: Vec<Summary>,
}

/// Projects `year` over `population` (its January state), month by month, for the outputs of
/// `schema`; `done(month)` is called after each month (for a progress display).
pub fn project(
    rules: &Rules,
    parameters: &ParameterSet,
    schema: &Arc<Schema>,
    population: &Arc<Population>,
    year: i32,
    behaviour: &Behaviour,
    done: &dyn Fn(u8),
) -> Result<Annual, SimulationError> {
    let n = population.household_count();
    if schema.benefits.len() > 64 {
        return Err(SimulationError::Output {
            message: "an annual projection follows at most 64 benefits".into(),
        });
    }
    let kinds = household_types(population);
    let ids = population.households.id.keys();
    let draws: Vec<u32> = ids
        .par_iter()
        .map(|&id| draw::millionths(behaviour.seed, Purpose::TakeUp, id, 0))
        .collect();
    let cycle: Vec<u32> = ids
        .par_iter()
        .map(|&id| draw::millionths(behaviour.seed, Purpose::Cycle, id, 0))
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
    let status_values: Vec<Vec<i64>> = rates
        .iter()
        .map(|t| {
            schema
                .statuses
                .iter()
                .map(|s| t.status_value_cents.get(&s.id).copied().unwrap_or(0) * CENT)
                .collect()
        })
        .collect();
    let council = &population.households.municipality;
    let mut jobs = Jobs::new(population, &behaviour.dynamics);
    let mut month_population = Arc::clone(population);
    let seasons: Vec<Option<&[i64; 12]>> = population
        .municipalities
        .iter()
        .map(|slug| behaviour.dynamics.housing_by_month.get(slug))
        .collect();
    let seasonal = seasons.iter().any(Option::is_some);
    let outputs = schema.statuses.len() + schema.benefits.len();
    let mut annual = Annual {
        outcome: Outcome::zeroed(schema, n),
        received: vec![vec![0; n]; outputs],
        by_month: Vec::with_capacity(12),
    };
    // What the last assessment granted (means-tested benefits and statuses), held until the
    // next; and what is paid this month.
    let mut granted = Outcome::zeroed(schema, n);
    let mut paid = Outcome::zeroed(schema, n);
    // Each household's cycle length and its next assessment month.
    let mut cycle_len = vec![1u8; n];
    let mut next = vec![1u8; n];
    // Yearly and one-off benefits already paid this year, one bit per benefit.
    let mut paid_once = vec![0u64; n];
    let mut assessed = vec![false; n];
    let mut value = vec![0i64; n];
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
        let prepared = prepare(rules, parameters, schema, &month_population, period, true)?;
        let now = prepared.run(&month_population, DEFAULT_CHUNK)?;
        if month == 1 {
            annual.outcome.assumed = now.assumed.clone();
            // The cycle: as long as a status lasts, and January somewhere in it.
            cycle_len
                .par_iter_mut()
                .zip(next.par_iter_mut())
                .zip(&now.status_months)
                .zip(&cycle)
                .for_each(|(((len, next), &months), &u)| {
                    // A policy that does not say how long a status lasts is assessed monthly.
                    *len = months.max(1);
                    let phase = (u64::from(u) * u64::from(*len) / u64::from(MILLION)) as u8;
                    // January's assessment lasts until the cycle's next point.
                    *next = 1 + if phase == 0 { *len } else { phase };
                });
            assessed.fill(true);
        } else {
            assessed
                .par_iter_mut()
                .zip(next.par_iter_mut())
                .zip(&cycle_len)
                .for_each(|((a, next), &len)| {
                    *a = *next == month;
                    if *a {
                        *next = month + len;
                    }
                });
        }
        // What each household would get this month, a month's worth: the means-tested
        // benefits (yearly and one-off as a twelfth) and the value of its statuses.
        value.par_iter_mut().for_each(|v| *v = 0);
        for (b, benefit) in schema.benefits.iter().enumerate() {
            if !benefit.means_tested {
                continue;
            }
            let twelfth = benefit.kind != Kind::Monthly;
            value
                .par_iter_mut()
                .zip(&now.amounts[b])
                .for_each(|(v, &a)| *v += if twelfth { a / 12 } else { a });
        }
        for (k, held_k) in now.statuses.iter().enumerate() {
            value
                .par_iter_mut()
                .zip(held_k)
                .zip(council)
                .for_each(|((v, &held), &m)| {
                    if held {
                        *v += status_values[m as usize][k];
                    }
                });
        }
        // Who applies at this assessment: one draw per household for the year.
        let applies: Vec<bool> = (0..n)
            .into_par_iter()
            .map(|i| {
                assessed[i]
                    && draws[i] < rates[council[i] as usize].chance(kinds[i], value[i] / CENT)
            })
            .collect();
        // Statuses: granted at the assessment, held until the next.
        for k in 0..schema.statuses.len() {
            granted.statuses[k]
                .par_iter_mut()
                .zip(&now.statuses[k])
                .zip(&assessed)
                .zip(&applies)
                .for_each(|(((g, &held), &a), &yes)| {
                    if a {
                        *g = yes && held;
                    }
                });
            paid.statuses[k].copy_from_slice(&granted.statuses[k]);
        }
        for (b, benefit) in schema.benefits.iter().enumerate() {
            let bit = 1u64 << b;
            let Outcome {
                amounts,
                state,
                persons_paid,
                ..
            } = &mut granted;
            if benefit.means_tested {
                // Granted at the assessment with that month's amount, held until the next.
                amounts[b]
                    .par_iter_mut()
                    .zip(&now.amounts[b])
                    .zip(&assessed)
                    .zip(&applies)
                    .for_each(|(((g, &a), &at), &yes)| {
                        if at {
                            *g = if yes { a } else { 0 };
                        }
                    });
                copy_where(&mut state[b], &now.state[b], &assessed, &applies);
                copy_where(
                    &mut persons_paid[b],
                    &now.persons_paid[b],
                    &assessed,
                    &applies,
                );
            } else {
                // Paid whenever the rules give it.
                amounts[b].copy_from_slice(&now.amounts[b]);
                state[b].copy_from_slice(&now.state[b]);
                persons_paid[b].copy_from_slice(&now.persons_paid[b]);
            }
            let once = benefit.kind != Kind::Monthly;
            // Paid this month: a monthly benefit each month of its grant; a yearly or one-off
            // one when first granted (a means-tested one at an assessment).
            let pay: Vec<bool> = (0..n)
                .into_par_iter()
                .map(|i| {
                    let g = granted.amounts[b][i] > 0;
                    if !once {
                        g
                    } else {
                        g && paid_once[i] & bit == 0 && (!benefit.means_tested || assessed[i])
                    }
                })
                .collect();
            if once {
                paid_once
                    .par_iter_mut()
                    .zip(&pay)
                    .for_each(|(p, &y)| *p |= if y { bit } else { 0 });
            }
            select(&mut paid.amounts[b], &granted.amounts[b], &pay);
            select(&mut paid.state[b], &granted.state[b], &pay);
            select(&mut paid.persons_paid[b], &granted.persons_paid[b], &pay);
        }
        // The year so far.
        let bit = 1u16 << (month - 1);
        let o = &mut annual.outcome;
        for k in 0..schema.statuses.len() {
            o.statuses[k]
                .par_iter_mut()
                .zip(&paid.statuses[k])
                .zip(annual.received[k].par_iter_mut())
                .for_each(|((y, &p), r)| {
                    *y |= p;
                    *r |= if p { bit } else { 0 };
                });
        }
        let statuses = schema.statuses.len();
        for b in 0..schema.benefits.len() {
            o.amounts[b]
                .par_iter_mut()
                .zip(&paid.amounts[b])
                .zip(annual.received[statuses + b].par_iter_mut())
                .for_each(|((y, &p), r)| {
                    *y += p;
                    *r |= if p > 0 { bit } else { 0 };
                });
            o.state[b]
                .par_iter_mut()
                .zip(&paid.state[b])
                .for_each(|(y, &p)| *y += p);
            o.persons_paid[b]
                .par_iter_mut()
                .zip(&paid.persons_paid[b])
                .for_each(|(y, &p)| *y = (*y).max(p));
        }
        paid.assumed = now.assumed.clone();
        annual.by_month.push(
            summarize(&month_population, &paid)
                .map_err(|e: TotalError| SimulationError::from(e))?,
        );
        done(month);
    }
    Ok(annual)
}

/// `out[i] = from[i]` where household `i` was assessed, or 0 where it did not apply.
fn copy_where<T: Copy + Default + Send + Sync>(
    out: &mut [T],
    from: &[T],
    assessed: &[bool],
    applies: &[bool],
) {
    out.par_iter_mut()
        .zip(from)
        .zip(assessed)
        .zip(applies)
        .for_each(|(((o, &f), &at), &yes)| {
            if at {
                *o = if yes { f } else { T::default() };
            }
        });
}

/// `out[i] = from[i]` where `pay[i]`, else 0.
fn select<T: Copy + Default + Send + Sync>(out: &mut [T], from: &[T], pay: &[bool]) {
    out.par_iter_mut()
        .zip(from)
        .zip(pay)
        .for_each(|((o, &f), &y)| *o = if y { f } else { T::default() });
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
