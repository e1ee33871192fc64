//! Shared pieces of the benchmarks: a synthetic population made in memory, the same population
//! as CSV text, and the 2025 rules hand-written in Rust — the baseline the scripted rules are
//! measured against, and a cross-check of the scripts (see the test at the bottom).
//!
//! Nothing here is used by the product: the hand-written rules know one year and one council,
//! the scripts know them all.

use rayon::prelude::*;
use slieksnis_engine::Population;
use slieksnis_engine::draw::SplitMix64;
use slieksnis_engine::fixed::{self, CENT, SCALE};
use slieksnis_engine::population::{Households, Persons};
use slieksnis_engine::schema::Schema;
use slieksnis_engine::simulate::{DEFAULT_CHUNK, chunk_size};
use slieksnis_engine::{Outcome, register};

/// A small, fast, seedable generator (SplitMix64, `slieksnis_engine::draw`): enough for
/// benchmark data.
struct Rng(SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }
    /// True with probability `p` percent.
    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

/// `n` households in one municipality, shaped like the OpenFisca peer's population (sizes 1–6
/// with 41 % singles, pensioners living alone, children, 8 % of adults disabled, 10 % of
/// working-age adults without income). Deterministic for a seed.
pub fn synthetic(n: usize, municipality: &str, seed: u64) -> Population {
    let mut rng = Rng(SplitMix64(seed));
    let slugs = register::slugs();
    let mut municipalities = slugs.clone();
    municipalities.sort();
    let m = municipalities
        .iter()
        .position(|s| s == municipality)
        .expect("a known municipality") as u16;
    let mut h = Households {
        first_person: vec![0],
        ..Households::default()
    };
    let mut p = Persons::default();
    let mut person_id = 0u64;
    for i in 0..n {
        let size = match rng.range(0, 100) {
            0..41 => 1,
            41..66 => 2,
            66..82 => 3,
            82..93 => 4,
            93..98 => 5,
            _ => 6,
        };
        let pensioner_household = rng.percent(45);
        for j in 0..size {
            person_id += 1;
            let (age, income) =
                if size == 1 && pensioner_household || size == 2 && pensioner_household && j == 0 {
                    (rng.range(65, 90), rng.range(25_000, 90_000) * CENT)
                } else if j < 2 {
                    let income = if rng.percent(10) {
                        0
                    } else {
                        rng.range(20_000, 250_000) * CENT
                    };
                    (rng.range(18, 65), income)
                } else {
                    (rng.range(0, 18), 0)
                };
            p.id.push_number(person_id);
            p.age.push(age);
            p.disabled.push(age >= 18 && rng.percent(8));
            p.income.push(income);
        }
        h.id.push_number(i as u64 + 1);
        h.municipality.push(m);
        h.housing_costs.push(rng.range(5_000, 40_001) * CENT);
        h.savings.push(if rng.percent(50) {
            rng.range(0, 200_000) * CENT
        } else {
            rng.range(0, 1_000_000) * CENT
        });
        h.first_person.push(p.id.len() as u32);
    }
    Population {
        municipalities,
        households: h,
        persons: p,
    }
}

/// The population as the two CSV files, `(households.csv, persons.csv)`.
pub fn to_csv(pop: &Population) -> (Vec<u8>, Vec<u8>) {
    use std::io::Write;
    let amount = |v: i64| fixed::format_cents(v).expect("whole cents");
    let mut hh = b"household_id,municipality,housing_costs,savings\n".to_vec();
    let mut pp = b"person_id,household_id,age,disabled,income\n".to_vec();
    let h = &pop.households;
    for i in 0..h.id.len() {
        let slug = &pop.municipalities[h.municipality[i] as usize];
        writeln!(
            hh,
            "{},{slug},{},{}",
            h.id.csv(i),
            amount(h.housing_costs[i]),
            amount(h.savings[i])
        )
        .unwrap();
        for j in h.first_person[i] as usize..h.first_person[i + 1] as usize {
            let p = &pop.persons;
            writeln!(
                pp,
                "{},{},{},{},{}",
                p.id.csv(j),
                h.id.csv(i),
                p.age[j],
                p.disabled[j] as u8,
                amount(p.income[j])
            )
            .unwrap();
        }
    }
    (hh, pp)
}

/// The CSV files of [`to_csv`] with every id as text: household `n` is `LV-000000n` (seven
/// digits), person `n` is `P-000000n`, in both files.
pub fn with_text_ids((hh, pp): &(Vec<u8>, Vec<u8>)) -> (Vec<u8>, Vec<u8>) {
    fn rewrite(csv: &[u8], columns: &[(usize, &str)]) -> Vec<u8> {
        let mut out = Vec::with_capacity(csv.len() * 3 / 2);
        for (i, line) in csv.split_inclusive(|&b| b == b'\n').enumerate() {
            if i == 0 {
                out.extend_from_slice(line);
                continue;
            }
            for (k, field) in line.split(|&b| b == b',').enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                match columns.iter().find(|(c, _)| *c == k) {
                    Some((_, prefix)) => {
                        let n = std::str::from_utf8(field).expect("ASCII");
                        out.extend_from_slice(format!("{prefix}{n:0>7}").as_bytes());
                    }
                    None => out.extend_from_slice(field),
                }
            }
        }
        out
    }
    (
        rewrite(hh, &[(0, "LV-")]),
        rewrite(pp, &[(0, "P-"), (1, "LV-")]),
    )
}

/// The 2025 rules for one council (whole-euro thresholds, EUR per month), hand-written.
pub struct Handwritten {
    pub gmi: (i64, i64),
    pub needy: (i64, i64),
    pub low_income: (i64, i64),
    /// K for: alone, only pension-age or disabled, those with children, other (×10).
    pub k_tenths: [i64; 4],
    pub pension_age: i64,
    pub age_of_majority: i64,
    /// State share of both benefits, percent.
    pub state_percent: i64,
}

/// Ogre, 2025: GMI 166 / 116, needy 377 / 264, low-income 70 % = 528 / 370, K 2.1 / 1.7 / 1.7 /
/// 1.3, pension age 65, state share 30 %.
pub const OGRE_2025: Handwritten = Handwritten {
    gmi: (166, 116),
    needy: (377, 264),
    low_income: (528, 370),
    k_tenths: [21, 17, 17, 13],
    pension_age: 65,
    age_of_majority: 18,
    state_percent: 30,
};

impl Handwritten {
    /// Every household, in parallel chunks like the engine.
    /// `schema` is the default policy's: statuses needy, low_income; benefits GMI, housing
    /// benefit (each with its state share).
    pub fn run(&self, schema: &std::sync::Arc<Schema>, pop: &Population) -> Outcome {
        let n = pop.household_count();
        let mut out = Outcome::zeroed(schema, n);
        // The engine's split of work over threads.
        let c = chunk_size(n, rayon::current_num_threads(), DEFAULT_CHUNK);
        // The national rules only: the council's own benefits stay at zero.
        let [needy, low, ..] = &mut out.statuses[..] else {
            panic!("needy and low-income first")
        };
        let [gmi, hb, ..] = &mut out.amounts[..] else {
            panic!("the GMI and the housing benefit first")
        };
        let [gmi_state, hb_state, ..] = &mut out.state[..] else {
            panic!("the GMI and the housing benefit first")
        };
        needy
            .par_chunks_mut(c)
            .zip(low.par_chunks_mut(c))
            .zip(gmi.par_chunks_mut(c))
            .zip(hb.par_chunks_mut(c))
            .zip(gmi_state.par_chunks_mut(c))
            .zip(hb_state.par_chunks_mut(c))
            .enumerate()
            .for_each(|(k, (((((needy, low), gmi), hb), gs), hs))| {
                for i in 0..needy.len() {
                    let r = self.household(pop, k * c + i);
                    (needy[i], low[i], gmi[i], hb[i], gs[i], hs[i]) = r;
                }
            });
        out
    }

    #[inline]
    fn household(&self, pop: &Population, i: usize) -> (bool, bool, i64, i64, i64, i64) {
        let h = &pop.households;
        let p = &pop.persons;
        let (a, b) = (h.first_person[i] as usize, h.first_person[i + 1] as usize);
        let size = (b - a) as i64;
        let mut income = 0;
        let (mut all_covered, mut adults_covered, mut child, mut adult) =
            (true, true, false, false);
        for j in a..b {
            income += p.income[j];
            let is_child = p.age[j] < self.age_of_majority;
            let covered = p.age[j] >= self.pension_age || p.disabled[j];
            all_covered &= covered;
            adults_covered &= covered || is_child;
            child |= is_child;
            adult |= !is_child;
        }
        let sum = |(first, other): (i64, i64)| (first + other * (size - 1)) * SCALE;
        let (gmi_level, needy_t, low_t) = (sum(self.gmi), sum(self.needy), sum(self.low_income));
        let assets_ok = h.savings[i] <= needy_t;
        let needy = assets_ok && income <= needy_t;
        let low = !needy && assets_ok && income <= low_t;
        let gmi = if assets_ok {
            (gmi_level - income).max(0)
        } else {
            0
        };
        let k = if all_covered && size == 1 {
            self.k_tenths[0]
        } else if all_covered {
            self.k_tenths[1]
        } else if adults_covered && child && adult {
            self.k_tenths[2]
        } else {
            self.k_tenths[3]
        };
        let costs = h.housing_costs[i];
        let hb = if assets_ok {
            (k * gmi_level / 10 + costs - (income + gmi)).clamp(0, costs)
        } else {
            0
        };
        // The state's part of each benefit, rounded half up to cents per household.
        let state = |v: i64| fixed::round_to(v * self.state_percent / 100, CENT);
        (needy, low, gmi, hb, state(gmi), state(hb))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use slieksnis_engine::{Period, Policy, policy, simulate};

    /// The scripted rules and the hand-written ones agree on every household: a cross-check of
    /// the policy scripts, and proof that the benchmark compares like with like.
    #[test]
    fn scripted_rules_equal_the_handwritten_ones() {
        let pop = Arc::new(synthetic(30_000, "ogres-novads", 7));
        let policy = Policy::load(&policy::builtin()).unwrap();
        let scripted = simulate(
            &policy.rules,
            &policy.parameters,
            &policy.schema,
            &pop,
            Period::parse("2025-06").unwrap(),
            DEFAULT_CHUNK,
        )
        .unwrap();
        let hand = OGRE_2025.run(&policy.schema, &pop);
        // The national rules: statuses, GMI, housing benefit and their state shares.
        assert_eq!(scripted.statuses, hand.statuses);
        assert_eq!(scripted.amounts[..2], hand.amounts[..2]);
        assert_eq!(scripted.state[..2], hand.state[..2]);
        // The population is not trivial: every status and benefit occurs.
        let count = |v: &[bool]| v.iter().filter(|&&b| b).count();
        assert!(count(scripted.status("needy").unwrap()) > 300);
        assert!(count(scripted.status("low_income").unwrap()) > 300);
        let hb = scripted.amount("housing_benefit").unwrap();
        assert!(hb.iter().filter(|&&v| v > 0).count() > 300);
    }

    #[test]
    fn csv_round_trip_gives_the_same_population() {
        let pop = synthetic(2_000, "tukuma-novads", 3);
        let (hh, pp) = to_csv(&pop);
        let slugs = register::slugs();
        let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
        let (loaded, _) = slieksnis_engine::load(
            slieksnis_engine::csv_load::Source {
                name: "households.csv",
                bytes: &hh,
            },
            slieksnis_engine::csv_load::Source {
                name: "persons.csv",
                bytes: &pp,
            },
            &known,
        )
        .unwrap();
        assert_eq!(loaded, pop);
    }
}
