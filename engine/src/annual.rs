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
//!   assessment (MK 809): it is granted everything it qualifies for. A household's decision
//!   is one draw that stands until it reconsiders: each month a share of households
//!   (`reconsider`, by council) take a new draw, which counts from their next assessment —
//!   people find temporary work, move, stop or start cooperating with the social service, so
//!   households come and go and more hold a status during a year than at any month's end
//!   (Rīga: 11 059 needy persons in H1 2025 against 13 802 in all 2024, −10 % on a year).
//!   When and whether a household reconsiders does not depend on the rules, and widening
//!   eligibility only raises `V`, so it never lowers anyone's take-up, recipients or cost: the
//!   projection is monotone, household by household.
//! - **Benefits without a means test** (`means_tested = false`: childbirth, crisis) are paid
//!   whenever the rules give them, without the application.
//! - **Yearly and one-off benefits** are paid once in the year; monthly ones each month of the
//!   grant. By default (`paid = "when_granted"`) a yearly or one-off benefit is paid in the
//!   first month it is granted (a means-tested one at the assessment that grants it). One that
//!   is paid on claim (`paid = "on_claim"`: health care, reimbursed when the household brings its
//!   receipts while it holds a status; a crisis or a birth, which happen in any month) is paid
//!   in the first month it is granted from the household's claim month on — a month drawn for
//!   each household and benefit, uniform over the year — and not at all in a year in which it
//!   is not granted in any of those months. What an assessment grants of a means-tested one is
//!   held until the next assessment, as statuses are, and paid with the amount, state's part
//!   and persons it was granted with. The claim month does not depend on the rules, so wider
//!   rules, granting in more months, pay every household the narrower ones pay, and no later.
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
//!
//! **How a month is computed.** The rules run chunk by chunk (`simulate::Prepared::run_chunk`),
//! and each chunk is carried through the month at once — assessed, applied, granted, paid,
//! added to the year and to the month's stock — while its outcome is in the cache; the month's
//! outcome of the whole population is never held, nor a copy of it per stage. What a month
//! carries to the next is only what the next needs: the statuses and the means-tested monthly
//! and on-claim benefits granted (held until the next assessment), the cycle, and which
//! once-a-year benefits were paid (claim months are drawn again each month, not kept). The
//! month's incomes and housing costs live beside the population (`columns::Varying`) instead
//! of in a copy of it. A household that neither qualifies for anything this month nor holds
//! anything granted (most of them) has nothing to settle but its cycle, so only the others are
//! gathered and settled (`Fixed::month`; a test checks it against settling every household).
//! Stocks are summed as integers per chunk and put together in population
//! order, so they are the same on any number of threads.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::columns::Varying;
use crate::date::Period;
use crate::draw::{self, MILLION, Purpose};
use crate::fixed::{self, CENT, SCALE};
use crate::parameters::ParameterSet;
use crate::population::Population;
use crate::profile::Profile;
use crate::schema::{Kind, Level, Payment, Schema};
use crate::script::Rules;
use crate::simulate::{DEFAULT_CHUNK, Outcome, Prepared, SimulationError, prepare};
use crate::summary::{Paid, Summary, Sums};

mod lockstep;
pub use lockstep::{MAX_DIVERGED, Together, project_together};

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
    /// The share of households that reconsider in a month whether to apply (millionths): a
    /// new take-up draw, which counts from their next assessment.
    pub reconsider: u32,
}

impl TakeUp {
    /// Everyone who qualifies for something applies.
    pub fn full() -> TakeUp {
        TakeUp {
            cap: [MILLION; 3],
            half_cents: [0; 3],
            status_value_cents: BTreeMap::new(),
            reconsider: 0,
        }
    }

    /// Which of a household's take-up draws stands at an assessment in `month`: the number of
    /// months from February to `month` in which it reconsidered. January's draw is the 0th.
    pub fn spell(&self, seed: u64, id: u64, month: u8) -> u8 {
        if self.reconsider == 0 {
            return 0;
        }
        (2..=month)
            .map(|m| u8::from(draw::millionths(seed, Purpose::Reconsider, id, m) < self.reconsider))
            .sum()
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
                        reconsider: millionths(t.reconsider_per_month),
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

impl Annual {
    /// A year of `n` households before its first month, with the state it starts from.
    fn start(schema: &Arc<Schema>, n: usize) -> (Annual, State) {
        let outputs = schema.statuses.len() + schema.benefits.len();
        let annual = Annual {
            outcome: Outcome::zeroed(schema, n),
            received: vec![vec![0; n]; outputs],
            by_month: Vec::with_capacity(12),
        };
        (annual, State::new(schema, n))
    }
}

/// The month (1–12) in which the household with draw key `id` claims the on-claim benefit of
/// index `benefit` in the schema, under `seed`: uniform over the year, one draw per household
/// and benefit (`Purpose::Claim`, the benefit's index as the counter), the same for any rules.
pub fn claim_month(seed: u64, id: u64, benefit: usize) -> u8 {
    let u = draw::millionths(seed, Purpose::Claim, id, benefit as u8);
    1 + (u64::from(u) * 12 / u64::from(MILLION)) as u8
}

/// One household's month of a projection, as the projection itself saw it: what the rules
/// gave, whether it was assessed and applied, what it held and was paid. For `explain --year`,
/// which must say why a month was paid without working the cycle out a second time.
#[derive(Debug, Clone, PartialEq)]
pub struct Watched {
    pub month: u8,
    /// The month's counted incomes of its members and its housing costs (fixed units).
    pub incomes: Vec<i64>,
    pub housing_costs: i64,
    /// What the rules gave this month: the status (index in the schema) and each benefit.
    pub entitled_status: Option<usize>,
    pub entitled: Vec<i64>,
    /// Its material situation was assessed this month (its cycle's month).
    pub assessed: bool,
    /// What it would get, a month's worth (cents), and its chance to apply (millionths).
    pub value_cents: i64,
    pub chance: u32,
    /// It applied at this month's assessment.
    pub applies: bool,
    /// Its cycle (months) and its next assessment month after this one.
    pub cycle: u8,
    pub next: u8,
    /// The status it held and each benefit paid this month.
    pub held_status: Option<usize>,
    pub paid: Vec<i64>,
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
    let c = (rules, parameters, schema, population);
    project_with(c, year, behaviour, None, done, Settle::Active).map(|(annual, _)| annual)
}

/// [`project`], recording household `watch`'s months as the projection goes ([`Watched`],
/// January first; empty without a household to watch). The projection is the same.
#[allow(clippy::too_many_arguments)]
pub fn project_watching(
    rules: &Rules,
    parameters: &ParameterSet,
    schema: &Arc<Schema>,
    population: &Arc<Population>,
    year: i32,
    behaviour: &Behaviour,
    watch: Option<usize>,
    done: &dyn Fn(u8),
) -> Result<(Annual, Vec<Watched>), SimulationError> {
    let c = (rules, parameters, schema, population);
    project_with(c, year, behaviour, watch, done, Settle::Active)
}

/// Which households a month settles ([`Fixed::month`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Settle {
    /// Only those with something to settle (what [`project`] does).
    Active,
    /// Every one: the plain loops, against which a test checks [`Settle::Active`].
    #[cfg_attr(not(test), allow(dead_code))]
    All,
}

type Inputs<'a> = (
    &'a Rules,
    &'a ParameterSet,
    &'a Arc<Schema>,
    &'a Arc<Population>,
);

fn project_with(
    (rules, parameters, schema, population): Inputs,
    year: i32,
    behaviour: &Behaviour,
    watch: Option<usize>,
    done: &dyn Fn(u8),
    settle: Settle,
) -> Result<(Annual, Vec<Watched>), SimulationError> {
    let n = population.household_count();
    if schema.benefits.len() > 64 {
        return Err(SimulationError::Output {
            message: "an annual projection follows at most 64 benefits".into(),
        });
    }
    let fixed = Fixed::new(schema, population, behaviour, settle, watch);
    let mut months = Months::new(population, behaviour);
    let (mut annual, mut state) = Annual::start(schema, n);
    for month in 1..=12u8 {
        months.advance(population, behaviour.seed, month);
        let varying = months.varying(population);
        let period = Period { year, month };
        // Planning reads only which columns the population has, not their values.
        let prepared = prepare(rules, parameters, schema, population, period, true)?;
        let chunks = prepared.chunks(population, DEFAULT_CHUNK)?;
        // Each chunk of households is run through the rules and carried through the month at
        // once, into its own slices of the year: the month's outcome is never held whole.
        let views = View::chunks(&mut annual, &mut state, &chunks);
        let parts: Vec<Result<(u16, Sums), SimulationError>> = chunks
            .par_iter()
            .zip(views)
            .map(|(&chunk, mut view)| {
                let now = prepared.run_chunk(population, varying, chunk)?;
                Ok((chunk.0, fixed.month(month, chunk.1, &now, &mut view)))
            })
            .collect();
        // The first failure in population order, whatever finished first.
        let parts = parts.into_iter().collect::<Result<Vec<_>, _>>()?;
        let assumed = prepared.assumed(population);
        annual
            .by_month
            .push(Sums::finish(population, schema, &assumed, &parts)?);
        if month == 1 {
            annual.outcome.assumed = assumed;
        }
        if let Some(i) = watch {
            let fp = &population.households.first_person;
            let mut log = fixed.watched.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(w) = log.last_mut().filter(|w| w.month == month) {
                w.incomes = varying.income[fp[i] as usize..fp[i + 1] as usize].to_vec();
                w.housing_costs = varying.housing_costs[i];
            }
        }
        done(month);
    }
    let watched = fixed
        .watched
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    Ok((annual, watched))
}

/// The incomes and housing costs of each month of a year, where they are not the population's
/// own: jobs lost and found, the seasons' housing costs.
struct Months<'a> {
    jobs: Jobs,
    seasons: Vec<Option<&'a [i64; 12]>>,
    income: Option<Vec<i64>>,
    housing_costs: Option<Vec<i64>>,
}

impl<'a> Months<'a> {
    fn new(population: &Population, behaviour: &'a Behaviour) -> Months<'a> {
        Months {
            jobs: Jobs::new(population, &behaviour.dynamics),
            seasons: population
                .municipalities
                .iter()
                .map(|slug| behaviour.dynamics.housing_by_month.get(slug))
                .collect(),
            income: None,
            housing_costs: None,
        }
    }

    /// To `month`'s incomes and costs (from January's, one month at a time).
    fn advance(&mut self, population: &Population, seed: u64, month: u8) {
        if month > 1 && self.jobs.active() {
            let incomes = self
                .income
                .get_or_insert_with(|| population.persons.income.clone());
            self.jobs.step(population, seed, month, incomes);
        }
        if self.seasons.iter().any(Option::is_some) {
            let n = population.household_count();
            let costs = self.housing_costs.get_or_insert_with(|| vec![0; n]);
            month_costs(population, &self.seasons, month, costs);
        }
    }

    fn varying<'b>(&'b self, population: &'b Population) -> Varying<'b> {
        Varying {
            income: self.income.as_deref().unwrap_or(&population.persons.income),
            housing_costs: self
                .housing_costs
                .as_deref()
                .unwrap_or(&population.households.housing_costs),
        }
    }
}

/// What a projection knows before its first month.
struct Fixed<'a> {
    schema: &'a Schema,
    population: &'a Population,
    seed: u64,
    /// Each household's take-up type.
    kinds: Vec<u8>,
    /// Take-up by municipality index.
    rates: Vec<&'a TakeUp>,
    /// What holding each status is worth a month (fixed units), by municipality index.
    status_values: Vec<Vec<i64>>,
    settle: Settle,
    /// The household whose months are recorded, and its record.
    watch: Option<usize>,
    watched: std::sync::Mutex<Vec<Watched>>,
}

/// What the year carries from month to month besides its results, per household.
struct State {
    /// What the last assessment granted, held until the next: statuses, and the means-tested
    /// monthly and on-claim benefits ([`Grant::Held`]: amount, state's part, persons paid;
    /// empty for other benefits). A means-tested yearly or one-off benefit paid when granted
    /// is paid only at the assessment that grants it, and a benefit without a means test
    /// whenever the rules give it, so neither is held.
    statuses: Vec<Vec<bool>>,
    amounts: Vec<Vec<i64>>,
    state: Vec<Vec<i64>>,
    persons: Vec<Vec<u8>>,
    /// The household's cycle length and its next assessment month.
    cycle_len: Vec<u8>,
    next: Vec<u8>,
    /// Yearly and one-off benefits already paid this year, one bit per benefit.
    paid_once: Vec<u64>,
}

impl State {
    fn new(schema: &Schema, n: usize) -> State {
        let held = |b: &crate::schema::Benefit| Grant::of(b) == Grant::Held;
        fn column<T: Clone + Default>(keep: bool, n: usize) -> Vec<T> {
            if keep {
                vec![T::default(); n]
            } else {
                Vec::new()
            }
        }
        State {
            statuses: vec![vec![false; n]; schema.statuses.len()],
            amounts: schema.benefits.iter().map(|b| column(held(b), n)).collect(),
            state: schema
                .benefits
                .iter()
                .map(|b| column(held(b) && b.state_share.is_some(), n))
                .collect(),
            persons: schema
                .benefits
                .iter()
                .map(|b| column(held(b) && b.level == Level::Person, n))
                .collect(),
            cycle_len: vec![1; n],
            next: vec![1; n],
            paid_once: vec![0; n],
        }
    }
}

/// One chunk's slices of the year's results and of its [`State`]; an output that is not kept
/// has an empty slice.
struct View<'a> {
    year_statuses: Vec<&'a mut [bool]>,
    year_amounts: Vec<&'a mut [i64]>,
    year_state: Vec<&'a mut [i64]>,
    year_persons: Vec<&'a mut [u8]>,
    received: Vec<&'a mut [u16]>,
    statuses: Vec<&'a mut [bool]>,
    amounts: Vec<&'a mut [i64]>,
    state: Vec<&'a mut [i64]>,
    persons: Vec<&'a mut [u8]>,
    cycle_len: &'a mut [u8],
    next: &'a mut [u8],
    paid_once: &'a mut [u64],
}

/// Mutable slices of columns.
fn slices<T>(columns: &mut [Vec<T>]) -> Vec<&mut [T]> {
    columns.iter_mut().map(|c| &mut c[..]).collect()
}

/// The first `len` rows of each column (an empty one stays empty), leaving the rest in place.
fn heads<'a, T>(columns: &mut [&'a mut [T]], len: usize) -> Vec<&'a mut [T]> {
    columns.iter_mut().map(|c| head(c, len)).collect()
}

fn head<'a, T>(column: &mut &'a mut [T], len: usize) -> &'a mut [T] {
    let all = std::mem::take(column);
    if all.is_empty() {
        return all;
    }
    let (head, tail) = all.split_at_mut(len);
    *column = tail;
    head
}

impl<'a> View<'a> {
    fn of(annual: &'a mut Annual, state: &'a mut State) -> View<'a> {
        let o = &mut annual.outcome;
        View {
            year_statuses: slices(&mut o.statuses),
            year_amounts: slices(&mut o.amounts),
            year_state: slices(&mut o.state),
            year_persons: slices(&mut o.persons_paid),
            received: slices(&mut annual.received),
            statuses: slices(&mut state.statuses),
            amounts: slices(&mut state.amounts),
            state: slices(&mut state.state),
            persons: slices(&mut state.persons),
            cycle_len: &mut state.cycle_len,
            next: &mut state.next,
            paid_once: &mut state.paid_once,
        }
    }

    /// One view per chunk (`(council, first, end)`, in population order).
    fn chunks(
        annual: &'a mut Annual,
        state: &'a mut State,
        chunks: &[(u16, usize, usize)],
    ) -> Vec<View<'a>> {
        let mut rest = View::of(annual, state);
        chunks.iter().map(|&(_, s, e)| rest.take(e - s)).collect()
    }

    /// The next `len` households, taken off the front.
    fn take(&mut self, len: usize) -> View<'a> {
        View {
            year_statuses: heads(&mut self.year_statuses, len),
            year_amounts: heads(&mut self.year_amounts, len),
            year_state: heads(&mut self.year_state, len),
            year_persons: heads(&mut self.year_persons, len),
            received: heads(&mut self.received, len),
            statuses: heads(&mut self.statuses, len),
            amounts: heads(&mut self.amounts, len),
            state: heads(&mut self.state, len),
            persons: heads(&mut self.persons, len),
            cycle_len: head(&mut self.cycle_len, len),
            next: head(&mut self.next, len),
            paid_once: head(&mut self.paid_once, len),
        }
    }
}

/// How a benefit's granted values come about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// Without a means test: whenever the rules give it.
    Always,
    /// Means-tested, yearly or one-off, paid when granted: at the assessment, paid then or
    /// never.
    AtAssessment,
    /// Means-tested, monthly or paid on claim: at the assessment, held until the next.
    Held,
}

impl Grant {
    fn of(benefit: &crate::schema::Benefit) -> Grant {
        match (benefit.means_tested, benefit.kind, benefit.paid) {
            (false, _, _) => Grant::Always,
            (true, Kind::Monthly, _) | (true, _, Payment::OnClaim) => Grant::Held,
            (true, _, Payment::WhenGranted) => Grant::AtAssessment,
        }
    }

    /// What each household of a chunk is granted this month (into `out`) of a value the rules
    /// gave as `now` (amount, state's part, persons paid); `held` is what a [`Grant::Held`]
    /// benefit holds (empty for the others). Branch-free loops, one per kind, that vectorise.
    fn values<T: Copy + Default>(
        self,
        now: &[T],
        held: &mut [T],
        assessed: &[bool],
        applies: &[bool],
        out: &mut [T],
    ) {
        match self {
            Grant::Always => out.copy_from_slice(now),
            Grant::AtAssessment => {
                for ((o, &v), &yes) in out.iter_mut().zip(now).zip(applies) {
                    *o = if yes { v } else { T::default() };
                }
            }
            Grant::Held => {
                for (((o, g), &v), (&at, &yes)) in out
                    .iter_mut()
                    .zip(held.iter_mut())
                    .zip(now)
                    .zip(assessed.iter().zip(applies))
                {
                    let granted = if yes { v } else { T::default() };
                    *g = if at { granted } else { *g };
                    *o = *g;
                }
            }
        }
    }
}

impl<'a> Fixed<'a> {
    fn new(
        schema: &'a Schema,
        population: &'a Population,
        behaviour: &'a Behaviour,
        settle: Settle,
        watch: Option<usize>,
    ) -> Fixed<'a> {
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
        Fixed {
            schema,
            population,
            seed: behaviour.seed,
            kinds: household_types(population),
            rates,
            status_values,
            settle,
            watch,
            watched: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Rows `at` of the chunk from household `first`.
    fn who(&self, first: usize, at: &[u32]) -> Who {
        let h = &self.population.households;
        let (fp, keys) = (&h.first_person, h.id.keys());
        let rows = || at.iter().map(|&i| first + i as usize);
        Who {
            ids: rows().map(|i| keys[i]).collect(),
            kinds: rows().map(|i| self.kinds[i]).collect(),
            council: rows().map(|i| h.municipality[i]).collect(),
            sizes: rows().map(|i| i64::from(fp[i + 1] - fp[i])).collect(),
        }
    }

    /// Who of households `ids` is assessed in `month`, moving their cycle on (`cycle_len`,
    /// `next`); in January the cycle is drawn, as long as a status lasts (`status_months`: a
    /// policy that does not say is assessed monthly) and January somewhere in it.
    fn cycle(
        &self,
        month: u8,
        ids: &[u64],
        status_months: &[u8],
        cycle_len: &mut [u8],
        next: &mut [u8],
        assessed: &mut [bool],
    ) {
        if month == 1 {
            for (((cycle_len, next), &months), &id) in cycle_len
                .iter_mut()
                .zip(next.iter_mut())
                .zip(status_months)
                .zip(ids)
            {
                let cycle = months.max(1);
                let u = draw::millionths(self.seed, Purpose::Cycle, id, 0);
                let phase = (u64::from(u) * u64::from(cycle) / u64::from(MILLION)) as u8;
                *cycle_len = cycle;
                // January's assessment lasts until the cycle's next point.
                *next = 1 + if phase == 0 { cycle } else { phase };
            }
            assessed.fill(true);
        } else {
            for ((a, next), &cycle) in assessed.iter_mut().zip(next.iter_mut()).zip(&*cycle_len) {
                *a = *next == month;
                if *a {
                    *next = month + cycle;
                }
            }
        }
    }

    /// Carries households `first..first + now.len()` (one chunk, of one council) through
    /// `month`, whose rules gave `now`: who is assessed and applies, what is granted and
    /// paid, the year so far (`view`); and the month's stock of the chunk. Column by column
    /// over the chunk, whose values stay in the cache.
    ///
    /// Most households neither qualify for anything this month nor hold anything granted
    /// earlier. For them the month changes nothing but the cycle: nothing is granted, paid or
    /// counted (see [`Fixed::settle`]). So only the others, gathered into columns of their own,
    /// are settled — the same loops on fewer rows — and written back.
    fn month(&self, month: u8, first: usize, now: &Outcome, view: &mut View) -> Sums {
        let schema = self.schema;
        let len = now.len();
        let rows = first..first + len;
        let h = &self.population.households;
        let fp = &h.first_person[first..=first + len];
        let ids = &h.id.keys()[rows.clone()];
        let mut sums = Sums::new(schema);
        sums.households(len as i128, i128::from(fp[len] - fp[0]));
        let mut assessed = vec![true; len];
        self.cycle(
            month,
            ids,
            &now.status_months,
            view.cycle_len,
            view.next,
            &mut assessed,
        );
        // The watched household's row in this chunk, if it is here: settled whatever it has,
        // so that its month is recorded (settling a household with nothing changes nothing).
        let watched = self
            .watch
            .filter(|w| (first..first + len).contains(w))
            .map(|w| w - first);
        let mut active = active_rows(now, view);
        if let Some(i) = watched {
            if let Err(at) = active.binary_search(&(i as u32)) {
                active.insert(at, i as u32);
            }
        }
        let size = |i: usize| i64::from(fp[i + 1] - fp[i]);
        let record = if self.settle == Settle::All || active.len() * 4 >= len * 3 {
            // Nearly all: gathering would cost more than it saves.
            let sizes: Vec<i64> = (0..len).map(size).collect();
            let who = Rows {
                ids,
                kinds: &self.kinds[rows.clone()],
                council: &h.municipality[rows],
                sizes: &sizes,
                assessed: &assessed,
            };
            self.settle(month, &who, now, view, &mut sums, watched)
        } else if active.is_empty() {
            None
        } else {
            let assessed: Vec<bool> = active.iter().map(|&i| assessed[i as usize]).collect();
            let who = self.who(first, &active);
            let who = who.rows(&assessed);
            let now = gather_outcome(now, &active);
            let mut store = Gathered::of(view, &active);
            let at = watched.and_then(|i| active.binary_search(&(i as u32)).ok());
            let record = self.settle(month, &who, &now, &mut store.view(), &mut sums, at);
            store.put_back(view, &active);
            record
        };
        if let (Some(mut w), Some(i)) = (record, watched) {
            // The cycle is the chunk's, not in a gathered view.
            (w.cycle, w.next) = (view.cycle_len[i], view.next[i]);
            self.watched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(w);
        }
        sums
    }

    /// The month of households `who` (rows of `now` and `view`, after the cycle): what each
    /// would get, who applies, what is granted and paid, added to the year and to `sums`.
    ///
    /// A household whose rules give it nothing (no status, every amount 0) and that holds
    /// nothing granted earlier (no status, no held amount) is granted nothing whether it is
    /// assessed or not and whether it applies or not, is paid nothing, and adds nothing to any
    /// sum: [`Fixed::month`] leaves such households out. Its draws are counter-based, so
    /// leaving them out changes no one else's.
    ///
    /// With `watch`, the record of that row's month ([`Watched`]; its cycle is left 0 for the
    /// caller, which has it).
    fn settle(
        &self,
        month: u8,
        who: &Rows,
        now: &Outcome,
        view: &mut View,
        sums: &mut Sums,
        watch: Option<usize>,
    ) -> Option<Watched> {
        let schema = self.schema;
        let statuses = schema.statuses.len();
        let len = now.len();
        let Rows {
            ids,
            kinds,
            council,
            sizes,
            assessed,
        } = *who;
        let bit = 1u16 << (month - 1);
        // What each household would get this month, a month's worth: the means-tested
        // benefits (yearly and one-off as a twelfth) and the value of its statuses.
        let mut value = vec![0i64; len];
        for (b, benefit) in schema.benefits.iter().enumerate() {
            if benefit.means_tested {
                let twelfth = benefit.kind != Kind::Monthly;
                for (v, &a) in value.iter_mut().zip(&now.amounts[b]) {
                    *v += if twelfth { a / 12 } else { a };
                }
            }
        }
        for (k, held_k) in now.statuses.iter().enumerate() {
            for ((v, &held), &m) in value.iter_mut().zip(held_k).zip(council) {
                if held {
                    *v += self.status_values[m as usize][k];
                }
            }
        }
        // Who applies at this assessment: the household's take-up draw of the spell it is in
        // (one draw for the year where households never reconsider).
        let applies: Vec<bool> = (0..len)
            .map(|j| {
                let rates = self.rates[council[j] as usize];
                assessed[j]
                    && draw::millionths(
                        self.seed,
                        Purpose::TakeUp,
                        ids[j],
                        rates.spell(self.seed, ids[j], month),
                    ) < rates.chance(kinds[j], value[j] / CENT)
            })
            .collect();
        // Statuses: granted at the assessment, held until the next.
        for k in 0..statuses {
            let (mut households, mut persons) = (0i64, 0i64);
            let (granted, year) = (&mut *view.statuses[k], &mut *view.year_statuses[k]);
            for ((((g, y), r), (&at, &yes)), (&held_now, &size)) in granted
                .iter_mut()
                .zip(year.iter_mut())
                .zip(view.received[k].iter_mut())
                .zip(assessed.iter().zip(&applies))
                .zip(now.statuses[k].iter().zip(sizes))
            {
                *g = if at { yes && held_now } else { *g };
                let held = *g;
                *y |= held;
                *r |= if held { bit } else { 0 };
                households += i64::from(held);
                persons += i64::from(held) * size;
            }
            sums.statuses_held(k, households.into(), persons.into());
        }
        // Benefits: the amount paid this month first, then its state's part and persons. The
        // month's stock is summed in 64 bits over blocks of households small enough that no
        // block's sum can wrap (each amount is at most `fixed::MAX_AMOUNT`), then in 128.
        const BLOCK: usize = 4_096;
        let mut watched_paid = Vec::new();
        let mut paid = vec![0i64; len];
        let mut extra = vec![0i64; len];
        let mut persons_paid = vec![0u8; len];
        for (b, benefit) in schema.benefits.iter().enumerate() {
            let grant = Grant::of(benefit);
            grant.values(
                &now.amounts[b],
                view.amounts[b],
                assessed,
                &applies,
                &mut paid,
            );
            // Paid this month: a monthly benefit each month of its grant; a yearly or one-off
            // one when first granted (a means-tested one at an assessment, which `applies`
            // implies), or on claim when first granted (held) from its claim month on.
            if benefit.kind != Kind::Monthly {
                let flag = 1u64 << b;
                match benefit.paid {
                    Payment::WhenGranted => {
                        for (p, once) in paid.iter_mut().zip(&mut *view.paid_once) {
                            let pay = (*p > 0) & (*once & flag == 0);
                            *once |= if pay { flag } else { 0 };
                            *p = if pay { *p } else { 0 };
                        }
                    }
                    Payment::OnClaim => {
                        for ((p, once), &id) in paid.iter_mut().zip(&mut *view.paid_once).zip(ids) {
                            // The claim month's draw only for a household granted it and
                            // not yet paid (few): the others are not paid whatever it is.
                            let pay = (*p > 0)
                                && (*once & flag == 0)
                                && claim_month(self.seed, id, b) <= month;
                            *once |= if pay { flag } else { 0 };
                            *p = if pay { *p } else { 0 };
                        }
                    }
                }
            }
            if let Some(j) = watch {
                watched_paid.push(paid[j]);
            }
            // The year so far, and the month's stock.
            let mut stock = Paid::default();
            let (year, received) = (
                &mut *view.year_amounts[b],
                &mut *view.received[statuses + b],
            );
            for ((y, r), &a) in year.iter_mut().zip(received.iter_mut()).zip(&paid) {
                *y += a;
                *r |= if a > 0 { bit } else { 0 };
            }
            for block in paid.chunks(BLOCK) {
                let (households, cents) = block.iter().fold((0i64, 0i64), |(h, c), &a| {
                    (h + i64::from(a > 0), c + a / CENT)
                });
                stock.households += i128::from(households);
                stock.cents += i128::from(cents);
            }
            if now.state[b].is_empty() {
                stock.council_cents = stock.cents;
            } else {
                grant.values(&now.state[b], view.state[b], assessed, &applies, &mut extra);
                for ((y, s), &a) in view.year_state[b].iter_mut().zip(&mut extra).zip(&paid) {
                    *s = if a > 0 { *s } else { 0 };
                    *y += *s;
                }
                for (block, paid) in extra.chunks(BLOCK).zip(paid.chunks(BLOCK)) {
                    let (state, council) = block
                        .iter()
                        .zip(paid)
                        .fold((0i64, 0i64), |(st, co), (&s, &a)| {
                            (st + s / CENT, co + (a - s) / CENT)
                        });
                    stock.state_cents += i128::from(state);
                    stock.council_cents += i128::from(council);
                }
            }
            if now.persons_paid[b].is_empty() {
                stock.persons = paid
                    .iter()
                    .zip(sizes)
                    .map(|(&a, &size)| if a > 0 { i128::from(size) } else { 0 })
                    .sum();
            } else {
                let now_persons = &now.persons_paid[b];
                grant.values(
                    now_persons,
                    view.persons[b],
                    assessed,
                    &applies,
                    &mut persons_paid,
                );
                let year = &mut *view.year_persons[b];
                let mut persons = 0i64;
                for ((y, &p), &a) in year.iter_mut().zip(&persons_paid).zip(&paid) {
                    let p = if a > 0 { p } else { 0 };
                    *y = (*y).max(p);
                    persons += i64::from(p);
                }
                stock.persons = i128::from(persons);
            }
            sums.paid(b, &stock);
        }
        watch.map(|j| {
            let rates = self.rates[council[j] as usize];
            Watched {
                month,
                incomes: Vec::new(),
                housing_costs: 0,
                entitled_status: (0..statuses).find(|&k| now.statuses[k][j]),
                entitled: now.amounts.iter().map(|a| a[j]).collect(),
                assessed: assessed[j],
                value_cents: value[j] / CENT,
                chance: rates.chance(kinds[j], value[j] / CENT),
                applies: applies[j],
                cycle: 0,
                next: 0,
                held_status: (0..statuses).find(|&k| view.statuses[k][j]),
                paid: watched_paid,
            }
        })
    }
}

/// The households a month settles, one value each: their draw keys, take-up types, councils,
/// sizes and whether they are assessed this month.
#[derive(Clone, Copy)]
struct Rows<'a> {
    ids: &'a [u64],
    kinds: &'a [u8],
    council: &'a [u16],
    sizes: &'a [i64],
    assessed: &'a [bool],
}

/// Some households' draw keys, take-up types, councils and sizes, gathered ([`Fixed::who`]).
struct Who {
    ids: Vec<u64>,
    kinds: Vec<u8>,
    council: Vec<u16>,
    sizes: Vec<i64>,
}

impl Who {
    fn rows<'a>(&'a self, assessed: &'a [bool]) -> Rows<'a> {
        Rows {
            ids: &self.ids,
            kinds: &self.kinds,
            council: &self.council,
            sizes: &self.sizes,
            assessed,
        }
    }
}

/// The rows of a chunk with something to settle this month: a status or an amount the rules
/// give, or a status or amount held from an earlier assessment (a held state's part or
/// persons go with a held amount, and are 0 without one).
fn active_rows(now: &Outcome, view: &View) -> Vec<u32> {
    let mut any = vec![false; now.len()];
    for column in now
        .statuses
        .iter()
        .map(Vec::as_slice)
        .chain(view.statuses.iter().map(|c| &**c))
    {
        for (a, &v) in any.iter_mut().zip(column) {
            *a |= v;
        }
    }
    for column in now
        .amounts
        .iter()
        .map(Vec::as_slice)
        .chain(view.amounts.iter().map(|c| &**c))
    {
        for (a, &v) in any.iter_mut().zip(column) {
            *a |= v != 0;
        }
    }
    any.iter()
        .enumerate()
        .filter(|(_, a)| **a)
        .map(|(i, _)| i as u32)
        .collect()
}

/// Rows `at` of each column (an empty column stays empty).
fn gather<T: Copy>(columns: &[impl AsRef<[T]>], at: &[u32]) -> Vec<Vec<T>> {
    columns
        .iter()
        .map(|c| {
            let c = c.as_ref();
            if c.is_empty() {
                Vec::new()
            } else {
                at.iter().map(|&i| c[i as usize]).collect()
            }
        })
        .collect()
}

/// Writes `from`'s rows back to rows `at` of `columns`.
fn scatter<T: Copy>(from: &[Vec<T>], columns: &mut [&mut [T]], at: &[u32]) {
    for (f, c) in from.iter().zip(columns.iter_mut()) {
        for (&v, &i) in f.iter().zip(at) {
            c[i as usize] = v;
        }
    }
}

/// What the rules gave rows `at` of a chunk, as an outcome of its own.
fn gather_outcome(now: &Outcome, at: &[u32]) -> Outcome {
    Outcome {
        schema: now.schema.clone(),
        statuses: gather(&now.statuses, at),
        amounts: gather(&now.amounts, at),
        state: gather(&now.state, at),
        persons_paid: gather(&now.persons_paid, at),
        status_months: at.iter().map(|&i| now.status_months[i as usize]).collect(),
        assumed: BTreeMap::new(),
    }
}

/// Some rows of a chunk's [`View`] (what [`Fixed::settle`] reads and writes), gathered.
struct Gathered {
    year_statuses: Vec<Vec<bool>>,
    year_amounts: Vec<Vec<i64>>,
    year_state: Vec<Vec<i64>>,
    year_persons: Vec<Vec<u8>>,
    received: Vec<Vec<u16>>,
    statuses: Vec<Vec<bool>>,
    amounts: Vec<Vec<i64>>,
    state: Vec<Vec<i64>>,
    persons: Vec<Vec<u8>>,
    paid_once: Vec<u64>,
}

impl Gathered {
    /// No rows (of every output kept: a column not kept stays empty as rows are added).
    fn empty() -> Gathered {
        Gathered {
            year_statuses: Vec::new(),
            year_amounts: Vec::new(),
            year_state: Vec::new(),
            year_persons: Vec::new(),
            received: Vec::new(),
            statuses: Vec::new(),
            amounts: Vec::new(),
            state: Vec::new(),
            persons: Vec::new(),
            paid_once: Vec::new(),
        }
    }

    /// `more`'s rows after these.
    fn extend(&mut self, more: Gathered) {
        fn add<T>(to: &mut Vec<Vec<T>>, more: Vec<Vec<T>>) {
            if to.is_empty() {
                *to = more;
            } else {
                for (t, m) in to.iter_mut().zip(more) {
                    t.extend(m);
                }
            }
        }
        add(&mut self.year_statuses, more.year_statuses);
        add(&mut self.year_amounts, more.year_amounts);
        add(&mut self.year_state, more.year_state);
        add(&mut self.year_persons, more.year_persons);
        add(&mut self.received, more.received);
        add(&mut self.statuses, more.statuses);
        add(&mut self.amounts, more.amounts);
        add(&mut self.state, more.state);
        add(&mut self.persons, more.persons);
        self.paid_once.extend(more.paid_once);
    }

    /// The year so far of the gathered rows, as an annual outcome of their own.
    fn year_outcome(&self, schema: &Arc<Schema>) -> Outcome {
        Outcome {
            schema: schema.clone(),
            statuses: self.year_statuses.clone(),
            amounts: self.year_amounts.clone(),
            state: self.year_state.clone(),
            persons_paid: self.year_persons.clone(),
            status_months: vec![0; self.paid_once.len()],
            assumed: BTreeMap::new(),
        }
    }

    fn of(view: &View, at: &[u32]) -> Gathered {
        Gathered {
            year_statuses: gather(&view.year_statuses, at),
            year_amounts: gather(&view.year_amounts, at),
            year_state: gather(&view.year_state, at),
            year_persons: gather(&view.year_persons, at),
            received: gather(&view.received, at),
            statuses: gather(&view.statuses, at),
            amounts: gather(&view.amounts, at),
            state: gather(&view.state, at),
            persons: gather(&view.persons, at),
            paid_once: at.iter().map(|&i| view.paid_once[i as usize]).collect(),
        }
    }

    /// A view of the gathered rows; the cycle is not in it ([`Fixed::settle`] does not read it).
    fn view(&mut self) -> View<'_> {
        View {
            year_statuses: slices(&mut self.year_statuses),
            year_amounts: slices(&mut self.year_amounts),
            year_state: slices(&mut self.year_state),
            year_persons: slices(&mut self.year_persons),
            received: slices(&mut self.received),
            statuses: slices(&mut self.statuses),
            amounts: slices(&mut self.amounts),
            state: slices(&mut self.state),
            persons: slices(&mut self.persons),
            cycle_len: &mut [],
            next: &mut [],
            paid_once: &mut self.paid_once,
        }
    }

    fn put_back(&self, view: &mut View, at: &[u32]) {
        scatter(&self.year_statuses, &mut view.year_statuses, at);
        scatter(&self.year_amounts, &mut view.year_amounts, at);
        scatter(&self.year_state, &mut view.year_state, at);
        scatter(&self.year_persons, &mut view.year_persons, at);
        scatter(&self.received, &mut view.received, at);
        scatter(&self.statuses, &mut view.statuses, at);
        scatter(&self.amounts, &mut view.amounts, at);
        scatter(&self.state, &mut view.state, at);
        scatter(&self.persons, &mut view.persons, at);
        for (&v, &i) in self.paid_once.iter().zip(at) {
            view.paid_once[i as usize] = v;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::generate;
    use crate::policy::{Policy, builtin};
    use crate::profile::Profiles;

    #[test]
    fn settling_only_the_active_households_is_settling_every_one() {
        // Ogre's year (seed 1, its own take-up and job changes): most households have nothing
        // to settle in a month, and some months' chunks are settled gathered. Leaving them out
        // must change nothing: not a household's year, not a month's stock.
        let profile = Profiles::builtin().get("ogres-novads").unwrap();
        let population = Arc::new(generate(&[&profile], 2025, 1));
        let behaviour = Behaviour::from_profiles(&[&profile], 2025, 1);
        let policy = Policy::load(&builtin()).unwrap();
        let c = (
            &policy.rules,
            &policy.parameters,
            &policy.schema,
            &population,
        );
        let (all, _) = project_with(c, 2025, &behaviour, None, &|_| {}, Settle::All).unwrap();
        let (active, _) = project_with(c, 2025, &behaviour, None, &|_| {}, Settle::Active).unwrap();
        assert!(all.outcome.amounts.iter().flatten().any(|&a| a > 0));
        assert_eq!(all, active);
        // Watching a household settles it every month, whatever it has: the same year, and
        // the same record as settling every household gives.
        let (watched, record) =
            project_with(c, 2025, &behaviour, Some(7), &|_| {}, Settle::Active).unwrap();
        let (_, record_all) =
            project_with(c, 2025, &behaviour, Some(7), &|_| {}, Settle::All).unwrap();
        assert_eq!(watched, active);
        assert_eq!(record.len(), 12);
        assert_eq!(record, record_all);
    }
}
