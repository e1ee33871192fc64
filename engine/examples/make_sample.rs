//! Writes a synthetic population (households.csv + persons.csv) into a directory.
//!
//! ```text
//! cargo run --example make_sample -- populations/sample
//! cargo run --release --example make_sample -- /tmp/pop1m --households 1000000 --municipality ogres-novads
//! ```
//!
//! Deterministic: the same arguments give the same files (a splitmix64 generator with a fixed
//! seed; normal draws use `f64::ln`/`cos`, so another platform's maths library could move a
//! rare amount by a cent). The distributions follow the OpenFisca peer generator
//! (`shared/bench/openfisca-peer/gen/generate.py`): household sizes 1–6 with 41 % singles, about a
//! quarter of persons of pension age, 8 % of adults disabled, 10 % of working-age adults without
//! income, wages lognormal around 1 100 EUR and pensions around 580 EUR. Savings have more weight
//! near zero than the peer's, so that a few percent of households pass the asset test and are
//! needy under the 2025 rules (the peer generator gives well under 1 %).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use slieksnis_engine::draw::SplitMix64;

const DEFAULT_MUNICIPALITIES: &[(&str, f64)] = &[
    ("riga", 0.40),
    ("ogres-novads", 0.20),
    ("tukuma-novads", 0.20),
    ("jelgavas-novads", 0.20),
];
const SIZE_P: [f64; 6] = [0.41, 0.25, 0.16, 0.11, 0.05, 0.02];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Child,
    Working,
    Pensioner,
}

/// splitmix64 (`slieksnis_engine::draw`): tiny, fast, and good enough for synthetic data.
struct Rng(SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform whole number in lo..=hi.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn choose(&mut self, p: &[f64]) -> usize {
        let u = self.uniform();
        let mut acc = 0.0;
        for (i, &q) in p.iter().enumerate() {
            acc += q;
            if u < acc {
                return i;
            }
        }
        p.len() - 1
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Lognormal amount in cents with the given median (EUR) and log-sd.
    fn lognormal_cents(&mut self, median_eur: f64, sigma: f64) -> i64 {
        (median_eur * 100.0 * (sigma * self.normal()).exp()).round() as i64
    }
}

struct Person {
    age: i64,
    disabled: bool,
    income: i64,
}

struct Household {
    municipality: usize,
    housing: i64,
    savings: i64,
    persons: Vec<Person>,
}

fn household(rng: &mut Rng, municipality_p: &[f64]) -> Household {
    let size = 1 + rng.choose(&SIZE_P);
    let municipality = rng.choose(municipality_p);
    let housing = rng.range(5_000, 40_000);
    // Savings: 22 % next to nothing, 38 % up to 2 000 EUR, 40 % lognormal around 4 000 EUR.
    let savings = match rng.choose(&[0.22, 0.38, 0.40]) {
        0 => rng.range(0, 3_000),
        1 => rng.range(0, 200_000),
        _ => rng.lognormal_cents(4000.0, 0.8),
    };
    let u = rng.uniform();
    let kinds: Vec<Kind> = (0..size)
        .map(|pos| match size {
            1 if u < 0.55 => Kind::Pensioner,
            1 => Kind::Working,
            // 40 % pensioner couples, 10 % pensioner + adult, 35 % two adults, 15 % adult + child
            2 if u < 0.40 => Kind::Pensioner,
            2 if u < 0.50 => [Kind::Pensioner, Kind::Working][pos],
            2 if u < 0.85 => Kind::Working,
            2 => [Kind::Working, Kind::Child][pos],
            // 3+: one or (90 %) two working adults, then children; 25 % have a grandparent last
            _ if pos == size - 1 && (0.20..0.45).contains(&u) => Kind::Pensioner,
            _ if pos == 0 || (pos == 1 && u < 0.90) => Kind::Working,
            _ => Kind::Child,
        })
        .collect();
    let persons = kinds
        .into_iter()
        .map(|kind| {
            let age = match kind {
                Kind::Child => rng.range(0, 17),
                Kind::Working => rng.range(18, 64),
                Kind::Pensioner => 65 + ((-9.0 * (1.0 - rng.uniform()).ln()) as i64).min(30),
            };
            let disabled = kind != Kind::Child && rng.uniform() < 0.08;
            let zero = rng.uniform() < 0.10;
            let income = match kind {
                Kind::Child => 0,
                Kind::Pensioner => rng.lognormal_cents(580.0, 0.22),
                Kind::Working if zero => 0,
                Kind::Working => rng.lognormal_cents(1100.0, 0.55),
            };
            Person {
                age,
                disabled,
                income,
            }
        })
        .collect();
    Household {
        municipality,
        housing,
        savings,
        persons,
    }
}

fn eur(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn usage() -> ! {
    eprintln!(
        "usage: make_sample OUT_DIR [--households N (5000)] [--seed S (2025)] [--municipality SLUG]"
    );
    std::process::exit(2)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let mut households = 5_000usize;
    let mut seed = 2025u64;
    let mut only: Option<String> = None;
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--households" => households = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => seed = value().parse().unwrap_or_else(|_| usage()),
            "--municipality" => only = Some(value()),
            _ if arg.starts_with('-') || out.is_some() => usage(),
            _ => out = Some(PathBuf::from(arg)),
        }
    }
    let out = out.unwrap_or_else(|| usage());
    std::fs::create_dir_all(&out)?;

    let slugs: Vec<&str> = DEFAULT_MUNICIPALITIES.iter().map(|m| m.0).collect();
    let p: Vec<f64> = DEFAULT_MUNICIPALITIES.iter().map(|m| m.1).collect();
    let mut rng = Rng(SplitMix64(seed));
    let mut hw = BufWriter::new(File::create(out.join("households.csv"))?);
    let mut pw = BufWriter::new(File::create(out.join("persons.csv"))?);
    writeln!(hw, "household_id,municipality,housing_costs,savings")?;
    writeln!(pw, "person_id,household_id,age,disabled,income")?;
    let (mut person_id, mut needy, mut low_income_ogre, mut pension_age) = (0u64, 0, 0, 0);
    for id in 1..=households as u64 {
        let h = household(&mut rng, &p);
        let slug = only.as_deref().unwrap_or(slugs[h.municipality]);
        writeln!(hw, "{id},{slug},{},{}", eur(h.housing), eur(h.savings))?;
        for person in &h.persons {
            person_id += 1;
            pension_age += (person.age >= 65) as usize;
            writeln!(
                pw,
                "{person_id},{id},{},{},{}",
                person.age,
                person.disabled as u8,
                eur(person.income)
            )?;
        }
        // 2025 status, in cents: needy 377 / 264, Ogre's low-income 528 / 370.
        let others = h.persons.len() as i64 - 1;
        let income: i64 = h.persons.iter().map(|p| p.income).sum();
        let needy_sum = 37_700 + 26_400 * others;
        if h.savings <= needy_sum && income <= needy_sum {
            needy += 1;
        } else if h.savings <= needy_sum && income <= 52_800 + 37_000 * others {
            low_income_ogre += 1;
        }
    }
    hw.flush()?;
    pw.flush()?;
    let share = |k: usize, of: usize| 100.0 * k as f64 / of.max(1) as f64;
    println!(
        "{}: {households} households, {person_id} persons ({:.2} per household), \
         {:.1} % of persons of pension age; 2025 rules: {:.1} % needy, \
         {:.1} % low-income at Ogre's 70 %",
        out.display(),
        person_id as f64 / households.max(1) as f64,
        share(pension_age, person_id as usize),
        share(needy, households),
        share(low_income_ogre, households),
    );
    Ok(())
}
