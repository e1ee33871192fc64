//! A seeded synthetic population: households and persons of one or more municipalities for one
//! year, drawn from their [profiles](crate::profile), ready for [`simulate`](crate::simulate()).
//!
//! # The seed → population contract
//!
//! [`generate`]`(profiles, year, seed)` returns the same [`Population`], bit for bit, for the same
//! profiles, year and seed — on any machine, with any number of threads, and whichever other
//! municipalities are generated with it. That holds because:
//!
//! - **Random numbers** come from ChaCha8 (`rand_chacha::ChaCha8Rng`), whose output for a key and
//!   stream is fixed by the algorithm, not by a library version. Each municipality has its own key:
//!   the 32 bytes `seed` (8, little-endian) ‖ FNV-1a-64 of the slug (8, little-endian) ‖
//!   `b"slieksnis/gen/v1"` (16). The order of household types is shuffled with stream
//!   `u64::MAX` of that key; households `[k × 4096, (k + 1) × 4096)` of the municipality are drawn
//!   with stream `k`. Each block is drawn by one thread from the start of its own stream, so blocks
//!   can run in parallel in any order and give the same numbers. The events of the year (the
//!   columns `crisis` and `other_expenses`) come from a stream of their own,
//!   `2⁶³ + year × 2²⁴ + k` for block `k`, two numbers per household: they move no other
//!   column, and differ from year to year for the same people. The year's health costs (the
//!   person column `health_costs`) likewise come from stream `2⁶³ + 2⁶² + year × 2²⁴ + k`, two
//!   numbers per person, so adding them moved nothing drawn before.
//! - **Only portable arithmetic.** Uniform numbers are `(next_u64 >> 11) × 2⁻⁵³`; integers in
//!   `0..n` are `(next_u64 × n) >> 64`. Distributions are drawn by inverse transform from
//!   percentile tables with straight lines between points, and the only other operations are
//!   `+ − × ÷`, `√` (in the profile's lean) and comparisons — all exactly rounded by IEEE 754, so no
//!   maths library (`ln`, `exp`, `cos`, `powf`) can move a value between platforms.
//! - **Money is rounded once, explicitly**: an amount is computed in `f64` euros and stored as
//!   `round(euros × 100)` whole cents (half away from zero) in fixed units
//!   ([`fixed::SCALE`](crate::fixed::SCALE)); never negative.
//! - **Counts are allocated, not drawn.** The number of households of each size and type is the
//!   profile's share times the household count, rounded by largest remainder (ties to the earlier
//!   type); the household count is the one whose persons come closest to the profile's
//!   population. So the household-size and age-group marginals match the profile up to rounding
//!   and sampling of ages within a group, and the population to a few persons.
//! - **Ids are stable**: household `i` (0-based, in the municipality's generated order) has id
//!   `atvk × 10⁷ + i + 1`, and person `j` of the municipality `atvk × 10⁷ + j + 1`, where `atvk` is
//!   the 7 digits of the CSP code (Ogre `LV0040000` → 40 000). Ids are unique across the country.
//!
//! Changing the block size, the key layout, the order of draws or a distribution's formula
//! changes populations: that is a new version of the contract (bump `slieksnis/gen/v1`).
//!
//! # What is drawn
//!
//! `populations/README.md` ("Synthetic populations") lists every distribution, its parameters
//! and its source. In order, for each household of a given type (children, adults 18–64, persons
//! 65+): the children's ages, the adults' ages (parents' from their oldest child's), the older
//! persons' ages; then for each person disability, pension, work, wage or benefit; then the
//! household's savings, vehicles and housing costs; from the events stream, whether it meets a
//! crisis and whether it has another recognised expense in the year; from the health stream,
//! each person's health costs of the year. Amounts move with the year: minimum wage,
//! median wage, average pension, housing costs and pension age come from the profile's year
//! series ([`Profile::year`]).

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::fixed::{CENT, SCALE};
use crate::population::{Households, Ids, Persons, Population};
use crate::profile::{MAX_SIZE, Profile, YearFigures};

/// Households drawn from one random stream.
pub const BLOCK: usize = 4096;
/// The last 16 bytes of every key: the version of the seed contract.
pub const CONTRACT: &[u8; 16] = b"slieksnis/gen/v1";
/// Id space of one municipality: ids are `atvk × ID_SPACE + i + 1`.
pub const ID_SPACE: u64 = 10_000_000;
const SHUFFLE_STREAM: u64 = u64::MAX;
/// The events of a year are drawn from stream `EVENTS_STREAM + year × 2²⁴ + block`: apart from
/// the blocks' streams (below 2⁶³) and the shuffle's.
const EVENTS_STREAM: u64 = 1 << 63;
/// The health costs of a year are drawn from stream `HEALTH_STREAM + year × 2²⁴ + block`: apart
/// from the events' streams (below 2⁶³ + 2⁴¹), the blocks' and the shuffle's.
const HEALTH_STREAM: u64 = (1 << 63) | (1 << 62);
/// Equivalence weight of each person after the first (SPSPL; MK 809).
const OTHER_PERSON_WEIGHT: f64 = 0.7;

/// Generates the households and persons of `profiles` for `year` from `seed`.
///
/// Households are grouped by the council whose rules apply in `year` ([`Profile::council`]:
/// a merged municipality's households belong to the council it merged into); `municipalities`
/// lists those councils, sorted. Within a council, each profile's households follow each other
/// (profiles sorted by slug), in the profile's generated order. A profile given twice is
/// generated once. The optional columns `vehicles`, `crisis`, `other_expenses`, `employed`,
/// `nva_registered` and `health_costs` are filled.
///
/// Limits (checked profiles keep within them): at most 255 household types per profile,
/// 9 000 000 persons per municipality (ids), and 2³² − 1 persons in all.
pub fn generate(profiles: &[&Profile], year: i32, seed: u64) -> Population {
    let mut order: Vec<&Profile> = profiles.to_vec();
    order.sort_by(|a, b| (a.council(year), &a.slug).cmp(&(b.council(year), &b.slug)));
    order.dedup_by(|a, b| a.slug == b.slug);
    let mut municipalities: Vec<String> = order.iter().map(|p| p.council(year).into()).collect();
    municipalities.dedup();

    let plans: Vec<Plan> = order.par_iter().map(|p| Plan::new(p, year, seed)).collect();
    let households: usize = plans.iter().map(|p| p.types.len()).sum();
    let persons: usize = plans.iter().map(|p| p.persons).sum();

    let (mut household_ids, mut person_ids) = (vec![0u64; households], vec![0u64; persons]);
    let mut h = Households {
        id: Ids::new(),
        municipality: Vec::with_capacity(households),
        housing_costs: vec![0; households],
        savings: vec![0; households],
        vehicles: Some(vec![0; households]),
        crisis: Some(vec![false; households]),
        other_expenses: Some(vec![false; households]),
        first_person: Vec::with_capacity(households + 1),
    };
    let mut p = Persons {
        id: Ids::new(),
        age: vec![0; persons],
        disabled: vec![false; persons],
        income: vec![0; persons],
        employed: Some(vec![false; persons]),
        nva_registered: Some(vec![false; persons]),
        health_costs: Some(vec![0; persons]),
    };
    h.first_person.push(0);
    let mut next = 0u32;
    for (plan, profile) in plans.iter().zip(&order) {
        let m = municipalities
            .binary_search_by(|s| s.as_str().cmp(profile.council(year)))
            .unwrap_or(0) as u16;
        h.municipality
            .extend(std::iter::repeat_n(m, plan.types.len()));
        for &t in &plan.types {
            next += plan.kinds[t as usize].size as u32;
            h.first_person.push(next);
        }
    }

    // Cut every column into one disjoint piece per block, then draw the blocks in parallel.
    let mut jobs = Vec::new();
    {
        let vehicles = h.vehicles.as_deref_mut().unwrap_or_default();
        let crisis = h.crisis.as_deref_mut().unwrap_or_default();
        let other_expenses = h.other_expenses.as_deref_mut().unwrap_or_default();
        let employed = p.employed.as_deref_mut().unwrap_or_default();
        let registered = p.nva_registered.as_deref_mut().unwrap_or_default();
        let health_costs = p.health_costs.as_deref_mut().unwrap_or_default();
        let mut rest = Slices {
            household_id: &mut household_ids,
            housing_costs: &mut h.housing_costs,
            savings: &mut h.savings,
            vehicles,
            crisis,
            other_expenses,
            person_id: &mut person_ids,
            age: &mut p.age,
            disabled: &mut p.disabled,
            income: &mut p.income,
            employed,
            nva_registered: registered,
            health_costs,
        };
        for (plan_index, plan) in plans.iter().enumerate() {
            let mut first_person = 0usize;
            for (block, types) in plan.types.chunks(BLOCK).enumerate() {
                let n_persons: usize = types
                    .iter()
                    .map(|&t| plan.kinds[t as usize].size as usize)
                    .sum();
                jobs.push(Job {
                    plan: plan_index,
                    block,
                    first_person,
                    out: rest.take(types.len(), n_persons),
                });
                first_person += n_persons;
            }
        }
    }
    jobs.into_par_iter().for_each(|job| {
        let plan = &plans[job.plan];
        draw_block(plan, job);
    });
    h.id = Ids::from_numbers(household_ids);
    p.id = Ids::from_numbers(person_ids);

    Population {
        municipalities,
        households: h,
        persons: p,
    }
}

/// A municipality's figures for the year and its shuffled household types.
struct Plan<'a> {
    profile: &'a Profile,
    key: [u8; 32],
    /// The year generated (the events' stream).
    year_number: i32,
    /// Household id base: `atvk × ID_SPACE`.
    id_base: u64,
    year: YearFigures,
    kinds: Vec<Kind>,
    /// The type of each household, in generated order.
    types: Vec<u8>,
    persons: usize,
}

#[derive(Clone, Copy)]
struct Kind {
    children: u8,
    adults: u8,
    old: u8,
    size: u8,
}

impl<'a> Plan<'a> {
    fn new(profile: &'a Profile, year: i32, seed: u64) -> Plan<'a> {
        let key = key(seed, &profile.slug);
        let kinds: Vec<Kind> = profile
            .household_types
            .iter()
            .map(|t| Kind {
                children: t.children,
                adults: t.adults,
                old: t.aged_65_plus,
                size: t.size() as u8,
            })
            .collect();
        let counts = type_counts(profile, profile.population as usize);
        let mut types = Vec::with_capacity(counts.iter().sum());
        for (t, &n) in counts.iter().enumerate() {
            types.extend(std::iter::repeat_n(t as u8, n));
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(SHUFFLE_STREAM);
        for i in (1..types.len()).rev() {
            let j = below(&mut rng, i as u64 + 1) as usize;
            types.swap(i, j);
        }
        let persons = types.iter().map(|&t| kinds[t as usize].size as usize).sum();
        let atvk: u64 = profile
            .atvk
            .get(2..)
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        Plan {
            profile,
            key,
            year_number: year,
            id_base: atvk * ID_SPACE,
            year: profile.year(year),
            kinds,
            types,
            persons,
        }
    }
}

/// The number of households of each type: the household count whose persons come closest to
/// `population`, split by size and then by type with largest remainders.
pub fn type_counts(profile: &Profile, population: usize) -> Vec<usize> {
    let sizes = &profile.household_sizes;
    let persons_of =
        |counts: &[usize]| -> usize { counts.iter().enumerate().map(|(i, n)| n * (i + 1)).sum() };
    let mean = profile.mean_household_size();
    let mut households = (population as f64 / mean).round() as usize;
    let mut best = (usize::MAX, households);
    for _ in 0..20 {
        let persons = persons_of(&largest_remainder(sizes, households));
        let miss = persons.abs_diff(population);
        if miss < best.0 || (miss == best.0 && households < best.1) {
            best = (miss, households);
        }
        if miss == 0 {
            break;
        }
        let step = ((population as f64 - persons as f64) / mean).round() as i64;
        let step = if step == 0 {
            if persons < population { 1 } else { -1 }
        } else {
            step
        };
        households = (households as i64 + step).max(1) as usize;
    }
    let by_size = largest_remainder(sizes, best.1);
    let types = &profile.household_types;
    let mut counts = vec![0; types.len()];
    for (s, &n) in by_size.iter().enumerate() {
        let members: Vec<usize> = (0..types.len())
            .filter(|&t| types[t].size() == s + 1)
            .collect();
        let shares: Vec<f64> = members.iter().map(|&t| types[t].share).collect();
        if shares.iter().sum::<f64>() <= 0.0 {
            continue;
        }
        for (k, c) in largest_remainder(&shares, n).into_iter().enumerate() {
            counts[members[k]] = c;
        }
    }
    counts
}

/// `n` split in proportion to `weights`: floors, then one more for the largest remainders
/// (ties to the earlier entry).
fn largest_remainder(weights: &[f64], n: usize) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / total * n as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let given: usize = counts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    for &i in order.iter().take(n.saturating_sub(given)) {
        counts[i] += 1;
    }
    counts
}

/// The ChaCha8 key of a municipality (see the module documentation).
pub fn key(seed: u64, slug: &str) -> [u8; 32] {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in slug.bytes() {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&hash.to_le_bytes());
    key[16..].copy_from_slice(CONTRACT);
    key
}

/// The stream of a block's events in `year`: `2⁶³ + year × 2²⁴ + block` (years 0–2¹⁶ and fewer
/// than 2²⁴ blocks stay apart; the years simulated are 2021–2026).
fn events_stream(year: i32, block: usize) -> u64 {
    EVENTS_STREAM + ((year.clamp(0, 65_535) as u64) << 24) + (block as u64 & 0xFF_FFFF)
}

/// The stream of a block's health costs in `year`: `2⁶³ + 2⁶² + year × 2²⁴ + block`.
fn health_stream(year: i32, block: usize) -> u64 {
    HEALTH_STREAM + ((year.clamp(0, 65_535) as u64) << 24) + (block as u64 & 0xFF_FFFF)
}

/// Uniform in [0, 1): the top 53 bits.
fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform whole number in `0..n` (`n > 0`): the high word of a 64 × 64-bit product. The bias,
/// at most n / 2⁶⁴, is far below anything measurable here.
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    ((rng.next_u64() as u128 * n as u128) >> 64) as u64
}

/// EUR → fixed units, rounded half away from zero to whole cents, never negative.
fn cents(euros: f64) -> i64 {
    let c = (euros * 100.0).round();
    if c.is_finite() && c > 0.0 {
        (c as i64).min(crate::fixed::MAX_INPUT / CENT) * CENT
    } else {
        0
    }
}

fn euros(fixed: i64) -> f64 {
    fixed as f64 / SCALE as f64
}

/// The pieces of the columns that one block writes.
struct Slices<'a> {
    household_id: &'a mut [u64],
    housing_costs: &'a mut [i64],
    savings: &'a mut [i64],
    vehicles: &'a mut [i64],
    crisis: &'a mut [bool],
    other_expenses: &'a mut [bool],
    person_id: &'a mut [u64],
    age: &'a mut [i64],
    disabled: &'a mut [bool],
    income: &'a mut [i64],
    employed: &'a mut [bool],
    nva_registered: &'a mut [bool],
    health_costs: &'a mut [i64],
}

fn cut<'a, T>(rest: &mut &'a mut [T], n: usize) -> &'a mut [T] {
    let (head, tail) = std::mem::take(rest).split_at_mut(n);
    *rest = tail;
    head
}

impl<'a> Slices<'a> {
    /// Cuts off the first `households` households and `persons` persons.
    fn take(&mut self, households: usize, persons: usize) -> Slices<'a> {
        Slices {
            household_id: cut(&mut self.household_id, households),
            housing_costs: cut(&mut self.housing_costs, households),
            savings: cut(&mut self.savings, households),
            vehicles: cut(&mut self.vehicles, households),
            crisis: cut(&mut self.crisis, households),
            other_expenses: cut(&mut self.other_expenses, households),
            person_id: cut(&mut self.person_id, persons),
            age: cut(&mut self.age, persons),
            disabled: cut(&mut self.disabled, persons),
            income: cut(&mut self.income, persons),
            employed: cut(&mut self.employed, persons),
            nva_registered: cut(&mut self.nva_registered, persons),
            health_costs: cut(&mut self.health_costs, persons),
        }
    }
}

struct Job<'a> {
    plan: usize,
    block: usize,
    /// Index of the block's first person within its municipality.
    first_person: usize,
    out: Slices<'a>,
}

/// Precomputed per-block constants, in euros.
struct Money {
    minimum_wage: f64,
    minimum_wage_net: f64,
    median_wage: f64,
    pension_scale: f64,
    disability_scale: f64,
    housing_one_person: f64,
    pension_age_months: i64,
    /// Cumulative shares of ages 0–14 among children under 15 ([`crate::profile::Ages::under_15_cumulative`]).
    under_15: [f64; 15],
}

fn draw_block(plan: &Plan, job: Job) {
    let Job {
        block,
        first_person,
        out: o,
        ..
    } = job;
    let pr = plan.profile;
    let y = &plan.year;
    let mut rng = ChaCha8Rng::from_seed(plan.key);
    rng.set_stream(block as u64);
    let mut events = ChaCha8Rng::from_seed(plan.key);
    events.set_stream(events_stream(plan.year_number, block));
    let mut health = ChaCha8Rng::from_seed(plan.key);
    health.set_stream(health_stream(plan.year_number, block));
    let health_costs = &pr.health_costs;
    let pension_mean = pr.pensions.percentiles.mean();
    let average_pension = euros(y.average_old_age_pension);
    let money = Money {
        minimum_wage: euros(y.minimum_wage),
        minimum_wage_net: euros(y.minimum_wage_net),
        median_wage: euros(y.median_net_wage) * pr.wages.level,
        pension_scale: average_pension * pr.pensions.level / pension_mean,
        disability_scale: average_pension * pr.benefits.disability_pension_level / pension_mean,
        housing_one_person: euros(y.housing_costs_one_person) * pr.housing_costs.level,
        pension_age_months: y.pension_age_months as i64,
        under_15: pr.ages.under_15_cumulative(pr.cohort_year()),
    };
    let first_household = block * BLOCK;
    let types = &plan.types[first_household..first_household + o.household_id.len()];
    let mut j = 0; // person within the block
    for (i, &t) in types.iter().enumerate() {
        let kind = plan.kinds[t as usize];
        let n = kind.size as usize;
        o.household_id[i] = plan.id_base + (first_household + i) as u64 + 1;
        for k in 0..n {
            o.person_id[j + k] = plan.id_base + (first_person + j + k) as u64 + 1;
        }
        let ages = &mut o.age[j..j + n];
        draw_ages(pr, &money, kind, &mut rng, ages);
        let mut income_total = 0i64;
        let youngest = ages[kind.adults as usize + kind.old as usize..]
            .iter()
            .min()
            .copied();
        for k in 0..n {
            let age = o.age[j + k];
            let role = if k < kind.adults as usize {
                Role::Adult {
                    parent_of_infant: kind.children > 0 && k == 0 && youngest == Some(0),
                }
            } else if k < (kind.adults + kind.old) as usize {
                Role::Old
            } else {
                Role::Child
            };
            let person = draw_person(pr, &money, role, age, &mut rng);
            o.disabled[j + k] = person.disabled;
            o.income[j + k] = person.income;
            o.employed[j + k] = person.employed;
            o.nva_registered[j + k] = person.nva_registered;
            income_total += person.income;
            // The year's health costs, from their own stream: two numbers per person, used or
            // not, so one person's costs never move another's.
            let (any, amount) = (uniform(&mut health), uniform(&mut health));
            o.health_costs[j + k] = if any < health_costs.any_by_age.at(age) {
                cents(health_costs.level * health_costs.percentiles.at(amount))
            } else {
                0
            };
        }
        // A single parent may receive maintenance for the children (counted income).
        let maintained = uniform(&mut rng) < pr.benefits.maintenance_share;
        if kind.adults == 1 && kind.old == 0 && kind.children > 0 && maintained {
            let maintenance = cents(
                kind.children as f64 * pr.benefits.maintenance_per_child * money.minimum_wage,
            );
            o.income[j] += maintenance;
            income_total += maintenance;
        }
        // The household: savings, vehicles, housing costs.
        let equivalent = 1.0 + OTHER_PERSON_WEIGHT * (n - 1) as f64;
        let ratio = euros(income_total) / equivalent / money.minimum_wage_net.max(1.0);
        let tail = &pr.low_income_tail;
        let all_old = kind.old as usize == n;
        let near_zero = tail.savings_near_zero.at(ratio)
            * if all_old {
                tail.savings_near_zero_factor_65_plus
            } else {
                1.0
            };
        let (u, amount) = (uniform(&mut rng), uniform(&mut rng));
        let savings = if u < near_zero {
            amount * tail.near_zero_savings_max
        } else {
            pr.savings.at(amount) * equivalent
        };
        o.savings[i] = cents(savings);
        let (car, second) = (uniform(&mut rng), uniform(&mut rng));
        let vehicles = if car >= pr.vehicles.owns_car.at(ratio) {
            0
        } else if kind.adults + kind.old >= 2 && second < pr.vehicles.second_car_share {
            2
        } else {
            1
        };
        o.vehicles[i] = vehicles;
        let housing = money.housing_one_person
            * (1.0 + pr.housing_costs.extra_person * (n - 1) as f64)
            * pr.housing_costs.percentiles.at(uniform(&mut rng));
        o.housing_costs[i] = cents(housing);
        // The year's events, from their own stream: two numbers per household.
        let (crisis, other) = (uniform(&mut events), uniform(&mut events));
        o.crisis[i] = crisis < pr.events.crisis_per_year;
        o.other_expenses[i] = other < pr.events.other_expenses_per_year;
        j += n;
    }
}

/// Ages of one household, stored in the order adults, persons 65+, children.
fn draw_ages(pr: &Profile, money: &Money, kind: Kind, rng: &mut ChaCha8Rng, ages: &mut [i64]) {
    let (adults, old) = (kind.adults as usize, kind.old as usize);
    let teen_ratio = pr.ages.teenagers_per_child_under_15;
    let under_15 = 1.0 / (1.0 + teen_ratio);
    let mut oldest_child = -1;
    for age in ages[adults + old..].iter_mut() {
        let u = uniform(rng);
        *age = if u < under_15 {
            // By the size of each cohort: births fell from some 22 000 in 2016 to 11 000 in 2025,
            // so fewer of today's children are babies than the average over 0–14.
            let v = u / under_15;
            money.under_15.iter().position(|&c| v < c).unwrap_or(14) as i64
        } else {
            15 + (((u - under_15) / (1.0 - under_15) * 3.0) as i64).min(2)
        };
        oldest_child = oldest_child.max(*age);
    }
    for (k, age) in ages[..adults].iter_mut().enumerate() {
        *age = if oldest_child >= 0 && k < 2 {
            // A parent: 20 to 37 years older than the oldest child.
            (oldest_child + 20 + below(rng, 18) as i64).clamp(18, 64)
        } else if oldest_child >= 0 {
            // An adult child living with parents and siblings.
            18 + below(rng, 9) as i64
        } else {
            band_age(&pr.ages.adults.0, uniform(rng))
        };
    }
    for age in ages[adults..adults + old].iter_mut() {
        *age = band_age(&pr.ages.aged_65_plus.0, uniform(rng));
    }
}

/// An age from bands of shares: the band by cumulative share, then evenly within it, from the
/// same uniform number.
fn band_age(bands: &[(u8, u8, f64)], u: f64) -> i64 {
    let total: f64 = bands.iter().map(|b| b.2).sum();
    let mut acc = 0.0;
    for &(from, to, share) in bands {
        let next = acc + share / total;
        if u < next && share > 0.0 {
            let within = (u - acc) / (next - acc);
            let width = (to - from) as i64 + 1;
            return from as i64 + ((within * width as f64) as i64).min(width - 1);
        }
        acc = next;
    }
    bands.last().map_or(0, |b| b.1 as i64)
}

#[derive(Clone, Copy)]
enum Role {
    Child,
    /// 18–64.
    Adult {
        parent_of_infant: bool,
    },
    /// 65+.
    Old,
}

struct Person {
    disabled: bool,
    income: i64,
    employed: bool,
    nva_registered: bool,
}

/// Uniform numbers drawn for every adult (18+), used or not, in this order; a child draws only
/// the first. A fixed count keeps a person's numbers, and so every later household's, the same
/// whatever the year: populations of two years from one seed are the same people, with the
/// year's amounts.
const PERSON_DRAWS: usize = 10;
const U_DISABLED: usize = 0;
const U_MONTH: usize = 1;
const U_PENSION: usize = 2;
const U_LEAVE: usize = 3;
const U_WORK: usize = 4;
const U_WAGE: usize = 5;
const U_PART_TIME: usize = 6;
const U_REGISTERED: usize = 7;
const U_BENEFIT: usize = 8;
const U_OTHER: usize = 9;

fn draw_person(pr: &Profile, money: &Money, role: Role, age: i64, rng: &mut ChaCha8Rng) -> Person {
    if let Role::Child = role {
        // A child's earnings up to the minimum wage are not counted (SPSPL §5): none here.
        return Person {
            disabled: uniform(rng) < pr.disability.at(age),
            income: 0,
            employed: false,
            nva_registered: false,
        };
    }
    let u: [f64; PERSON_DRAWS] = std::array::from_fn(|_| uniform(rng));
    let disabled = u[U_DISABLED] < pr.disability.at(age);
    // Pension age in whole months: in the year of their birthday a person has passed it in some
    // months and not in others (an even draw of the month).
    let months = age * 12 + (u[U_MONTH] * 12.0) as i64;
    let pensioner = months >= money.pension_age_months || matches!(role, Role::Old);
    let mut income = 0.0;
    if pensioner {
        income += money.pension_scale * pr.pensions.percentiles.at(u[U_PENSION]);
    } else if disabled {
        income += money.disability_scale * pr.pensions.percentiles.at(u[U_PENSION]);
    }
    let full_time_wage = {
        let wage = money.median_wage * pr.wages.by_age.at(age) * pr.wages.percentiles.at(u[U_WAGE]);
        wage.max(money.minimum_wage_net)
    };
    let parent_of_infant = matches!(
        role,
        Role::Adult {
            parent_of_infant: true
        }
    );
    if parent_of_infant && !pensioner && u[U_LEAVE] < pr.benefits.parental_leave_share {
        let benefit = pr.benefits.parental_benefit_ratio * full_time_wage;
        income += benefit.max(pr.benefits.parental_benefit_minimum);
        return Person {
            disabled,
            income: cents(income),
            employed: false,
            nva_registered: false,
        };
    }
    let emp = &pr.employment;
    let rate = (emp.by_age.at(age) * emp.level * if disabled { emp.disabled_factor } else { 1.0 })
        .min(0.97);
    if u[U_WORK] < rate {
        // Works: part-time (a share of a full-time wage) or full-time (at least the minimum).
        let v = u[U_PART_TIME];
        let wage = if v < emp.part_time_share {
            let fraction = emp.part_time_min
                + (emp.part_time_max - emp.part_time_min) * (v / emp.part_time_share);
            full_time_wage * fraction
        } else {
            full_time_wage
        };
        return Person {
            disabled,
            income: cents(income + wage),
            employed: true,
            nva_registered: false,
        };
    }
    let mut nva_registered = false;
    if !pensioner && !disabled {
        // Without work, disability or pension: unemployment benefit, other income or none.
        let tail = &pr.low_income_tail;
        nva_registered = u[U_REGISTERED] < tail.nva_registered_share;
        if nva_registered && u[U_BENEFIT] < tail.unemployment_benefit_share {
            income += pr.benefits.unemployment_benefit_ratio * full_time_wage;
        } else {
            // The other-income draw decides both: its lowest `zero_income_share` means none.
            let o = u[U_OTHER];
            if o >= tail.zero_income_share {
                let within = (o - tail.zero_income_share) / (1.0 - tail.zero_income_share);
                income += money.minimum_wage_net * pr.benefits.other_income_percentiles.at(within);
            }
        }
    }
    Person {
        disabled,
        income: cents(income),
        employed: false,
        nva_registered,
    }
}

/// Summary figures of a population (or of one council's households), to compare with a
/// profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Marginals {
    pub households: usize,
    pub persons: usize,
    /// Share of households of 1 … 8 persons.
    pub household_sizes: [f64; MAX_SIZE],
    /// Shares of persons aged 0–14, 15–64 and 65+.
    pub ages: [f64; 3],
    /// Share of persons aged 15–74 who work.
    pub employment_15_74: f64,
    /// Share of persons with a disability.
    pub disabled: f64,
    /// Mean counted income of working persons aged 18–64, EUR.
    pub mean_wage: f64,
    /// Share of persons in households with an equivalised counted income (1, 0.5 per other
    /// person 14+, 0.3 per child, the EU's scale) below 60 % of the median: an approximation of
    /// the at-risk-of-poverty rate (counted income leaves out family benefits).
    pub poverty_rate: f64,
}

/// The marginals of `population`, or of the households of one council. The poverty line is
/// always that of the whole population (as CSP's regional rates use the national median).
pub fn marginals(population: &Population, council: Option<&str>) -> Marginals {
    let median = median_equivalised(population);
    let index = council.map(|c| {
        population
            .municipalities
            .iter()
            .position(|m| m == c)
            .map_or(u16::MAX, |i| i as u16)
    });
    summarise(population, index, median)
}

/// The marginals of each council of `population` (in the order of `municipalities`) and of the
/// whole, with one poverty line.
pub fn marginals_by_council(population: &Population) -> (Vec<Marginals>, Marginals) {
    let median = median_equivalised(population);
    let each = (0..population.municipalities.len())
        .map(|m| summarise(population, Some(m as u16), median))
        .collect();
    (each, summarise(population, None, median))
}

/// Equivalised counted income of household `i`, on the EU's modified OECD scale (1 for the
/// first person, 0.5 for each other aged 14+, 0.3 for each child under 14).
fn equivalised(population: &Population, i: usize) -> f64 {
    let h = &population.households;
    let p = &population.persons;
    let (a, b) = (h.first_person[i] as usize, h.first_person[i + 1] as usize);
    let scale: f64 = (a..b)
        .map(|j| {
            if j == a {
                1.0
            } else if p.age[j] >= 14 {
                0.5
            } else {
                0.3
            }
        })
        .sum();
    euros(p.income[a..b].iter().sum()) / scale
}

/// The median over persons of their household's equivalised income.
fn median_equivalised(population: &Population) -> f64 {
    let h = &population.households;
    let mut all: Vec<(f64, u32)> = (0..h.id.len())
        .map(|i| {
            (
                equivalised(population, i),
                h.first_person[i + 1] - h.first_person[i],
            )
        })
        .collect();
    all.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
    let half = population.person_count() / 2;
    let mut seen = 0;
    all.iter()
        .find(|e| {
            seen += e.1 as usize;
            seen > half
        })
        .map_or(0.0, |e| e.0)
}

fn summarise(population: &Population, council: Option<u16>, median: f64) -> Marginals {
    let h = &population.households;
    let p = &population.persons;
    let mut sizes = [0usize; MAX_SIZE];
    let mut ages = [0usize; 3];
    let (mut households, mut persons, mut disabled, mut poor) = (0usize, 0usize, 0usize, 0usize);
    let (mut working_age, mut working, mut wage_sum, mut wage_n) = (0usize, 0usize, 0i64, 0usize);
    let employed = p.employed.as_deref();
    for i in 0..h.id.len() {
        if council.is_some_and(|c| h.municipality[i] != c) {
            continue;
        }
        households += 1;
        let (a, b) = (h.first_person[i] as usize, h.first_person[i + 1] as usize);
        sizes[(b - a).clamp(1, MAX_SIZE) - 1] += 1;
        if equivalised(population, i) < 0.6 * median {
            poor += b - a;
        }
        for j in a..b {
            persons += 1;
            let age = p.age[j];
            ages[if age < 15 {
                0
            } else if age < 65 {
                1
            } else {
                2
            }] += 1;
            disabled += p.disabled[j] as usize;
            let works = employed.is_some_and(|e| e[j]);
            if (15..=74).contains(&age) {
                working_age += 1;
                working += works as usize;
            }
            if works && (18..65).contains(&age) {
                wage_sum += p.income[j];
                wage_n += 1;
            }
        }
    }
    let share = |k: usize, of: usize| if of == 0 { 0.0 } else { k as f64 / of as f64 };
    Marginals {
        households,
        persons,
        household_sizes: sizes.map(|s| share(s, households)),
        ages: ages.map(|a| share(a, persons)),
        employment_15_74: share(working, working_age),
        disabled: share(disabled, persons),
        mean_wage: if wage_n == 0 {
            0.0
        } else {
            euros(wage_sum) / wage_n as f64
        },
        poverty_rate: share(poor, persons),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_keeps_the_total() {
        assert_eq!(largest_remainder(&[0.5, 0.25, 0.25], 10), vec![5, 3, 2]);
        assert_eq!(largest_remainder(&[1.0, 1.0, 1.0], 2), vec![1, 1, 0]);
        assert_eq!(largest_remainder(&[0.0, 0.0], 5), vec![0, 0]);
        let c = largest_remainder(
            &[0.411, 0.255, 0.14, 0.107, 0.05, 0.024, 0.009, 0.004],
            25_311,
        );
        assert_eq!(c.iter().sum::<usize>(), 25_311);
    }

    #[test]
    fn cents_round_half_away_from_zero_and_never_go_negative() {
        assert_eq!(cents(1.005), 100 * CENT); // 1.005 is 1.00499… in binary
        assert_eq!(cents(2.675), 268 * CENT); // 2.675 × 100 rounds to 267.5 exactly
        assert_eq!(cents(0.125), 13 * CENT);
        assert_eq!(cents(-3.0), 0);
        assert_eq!(cents(f64::NAN), 0);
        assert_eq!(cents(1e30), crate::fixed::MAX_INPUT);
    }

    #[test]
    fn the_key_is_the_documented_layout() {
        let k = key(7, "ogres-novads");
        assert_eq!(&k[..8], &7u64.to_le_bytes());
        assert_eq!(&k[16..], CONTRACT);
        // FNV-1a-64 of "a" is 0xaf63dc4c8601ec8c.
        assert_eq!(
            &key(0, "a")[8..16],
            &0xaf63_dc4c_8601_ec8c_u64.to_le_bytes()
        );
    }

    #[test]
    fn chacha8_streams_are_fixed_by_the_algorithm() {
        // Pins the generator: if a rand_chacha upgrade changed its output, populations would
        // change, and this test says so.
        let mut rng = ChaCha8Rng::from_seed(key(1, "ogres-novads"));
        rng.set_stream(3);
        let first = rng.next_u64();
        let mut again = ChaCha8Rng::from_seed(key(1, "ogres-novads"));
        again.set_stream(3);
        assert_eq!(first, again.next_u64());
        assert_eq!(first, PINNED_FIRST_DRAW);
    }

    /// The first draw of stream 3 of `key(1, "ogres-novads")`.
    const PINNED_FIRST_DRAW: u64 = 5_131_443_905_422_532_870;

    #[test]
    fn band_ages_stay_in_their_bands() {
        let bands = [(18, 24, 0.5), (25, 64, 0.5)];
        assert_eq!(band_age(&bands, 0.0), 18);
        assert_eq!(band_age(&bands, 0.4999), 24);
        assert_eq!(band_age(&bands, 0.5), 25);
        assert_eq!(band_age(&bands, 0.999_999), 64);
    }
}
