//! Properties of the totals (proptest): random valid populations, loaded from CSV text through
//! `slieksnis_engine::load`, and random valid overrides, run for a month (`simulate`) and for a
//! year (`annual::project`). For every case:
//!
//! - every field of every municipality's summary row equals the sum over that municipality's
//!   households of the outcome, counted here from the generated households (by id, not from the
//!   population's arrangement), to the cent;
//! - the TOTAL row equals the sum of the municipality rows (and the count here);
//! - the summary and the outcome are the same, byte for byte as CSV fields, on rayon pools of
//!   one and of two threads, with different chunk sizes.
//!
//! Case counts keep the file to a few seconds in a debug `cargo test`; more with
//! `PROPTEST_CASES=500 cargo test --release -p slieksnis-engine --test totals`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use rust_decimal::Decimal;
use slieksnis_engine::annual::{Behaviour, Dynamics, TakeUp, project};
use slieksnis_engine::csv_load::Source;
use slieksnis_engine::draw::MILLION;
use slieksnis_engine::fixed::{CENT, SCALE};
use slieksnis_engine::parameters::{ParameterSet, Value};
use slieksnis_engine::summary::{Row, Summary, TOTAL};
use slieksnis_engine::{
    Outcome, Period, Policy, Population, load, policy, register, simulate, summarize,
};

/// Councils of the generated households: own thresholds as a share (Ogre 2025, Kuldīga) or in
/// euros (Ogre 2026, Tukums), assumed defaults (Rīga before 2024, Liepāja, Daugavpils), and
/// Varakļāni, which joined Madona in 7/2025.
const COUNCILS: [&str; 8] = [
    "daugavpils",
    "kuldigas-novads",
    "liepaja",
    "madonas-novads",
    "ogres-novads",
    "riga",
    "tukuma-novads",
    "varaklanu-novads",
];

/// The housing-benefit household types (keys of `housing_benefit.k`).
const K_TYPES: [&str; 4] = [
    "alone",
    "only_pension_or_disabled",
    "pension_or_disabled_with_children",
    "other",
];

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| Policy::load(&policy::builtin()).expect("the embedded policy loads"))
}

fn pool(threads: usize) -> &'static rayon::ThreadPool {
    static POOLS: OnceLock<[rayon::ThreadPool; 2]> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        [1, 2].map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("a thread pool")
        })
    });
    &pools[threads - 1]
}

// ---------------------------------------------------------------------------------------------
// Generated inputs.

#[derive(Debug, Clone)]
struct Person {
    age: i64,
    disabled: bool,
    /// Cents.
    income: i64,
    employed: bool,
    nva_registered: bool,
}

#[derive(Debug, Clone)]
struct Household {
    council: usize,
    /// Cents.
    housing_costs: i64,
    /// Cents.
    savings: i64,
    vehicles: i64,
    persons: Vec<Person>,
}

/// An amount in cents: mostly realistic (`low` EUR or less, then up to `typical`), sometimes
/// zero, one cent, or extreme but valid (up to a million EUR; the loader takes up to a
/// thousand million).
fn cents(low: i64, typical: i64) -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => 0..=low * 100,
        2 => 0..=typical * 100,
        2 => Just(0i64),
        1 => Just(1i64),
        1 => 0..=100_000_000i64,
    ]
}

fn person() -> impl Strategy<Value = Person> {
    (
        prop_oneof![4 => 0..=100i64, 1 => prop::sample::select(vec![0i64, 17, 18, 64, 65, 120])],
        prop::bool::weighted(0.1),
        cents(400, 1_500),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(age, disabled, income, employed, nva_registered)| Person {
            age,
            disabled,
            income,
            employed,
            nva_registered,
        })
}

fn household() -> impl Strategy<Value = Household> {
    (
        0..COUNCILS.len(),
        cents(150, 400),
        cents(300, 5_000),
        0..=3i64,
        prop::collection::vec(person(), 1..=8),
    )
        .prop_map(
            |(council, housing_costs, savings, vehicles, persons)| Household {
                council,
                housing_costs,
                savings,
                vehicles,
                persons,
            },
        )
}

/// How the CSV is written: optional columns, sparse ids, persons in reverse order.
#[derive(Debug, Clone, Copy)]
struct Layout {
    vehicles: bool,
    employment: bool,
    sparse_ids: bool,
    persons_reversed: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(vehicles, employment, sparse_ids, persons_reversed)| Layout {
            vehicles,
            employment,
            sparse_ids,
            persons_reversed,
        },
    )
}

/// Valid overrides: the GMI at 10–30 % of the median, a council's low-income threshold at
/// 50–80 % of it, the housing-benefit coefficients K at 1.0–3.0. Shares of the median apply
/// from 7/2023 on (the median is a parameter from then).
#[derive(Debug, Clone)]
struct Overrides {
    gmi_pct: Option<i64>,
    low_income: Option<(usize, i64)>,
    k: Option<[i64; 4]>,
}

fn overrides() -> impl Strategy<Value = Overrides> {
    (
        prop::option::of(10..=30i64),
        prop::option::of((0..COUNCILS.len(), 50..=80i64)),
        prop::option::of(prop::array::uniform4(10..=30i64)),
    )
        .prop_map(|(gmi_pct, low_income, k)| Overrides {
            gmi_pct,
            low_income,
            k,
        })
}

impl Overrides {
    fn apply(&self, base: &ParameterSet) -> ParameterSet {
        let mut p = base.clone();
        let share = |pct: i64| Value::Number(Decimal::new(pct, 2));
        let table = |pairs: Vec<(&str, Value)>| {
            Value::Table(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        };
        if let Some(pct) = self.gmi_pct {
            p.set("gmi.pct", share(pct), "test").expect("gmi.pct");
        }
        if let Some((c, pct)) = self.low_income {
            let path = format!("municipalities.{}.low_income", COUNCILS[c]);
            p.set(&path, table(vec![("pct", share(pct))]), "test")
                .expect("low_income");
        }
        if let Some(k) = self.k {
            let values = K_TYPES
                .iter()
                .zip(k)
                .map(|(name, v)| (*name, Value::Number(Decimal::new(v, 1))))
                .collect();
            p.set("housing_benefit.k", table(values), "test")
                .expect("housing_benefit.k");
        }
        p
    }
}

// ---------------------------------------------------------------------------------------------
// The population, through the CSV loader.

fn eur(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn household_id(i: usize, layout: Layout) -> u64 {
    if layout.sparse_ids {
        i as u64 * 1_000_003 + 7
    } else {
        i as u64 + 1
    }
}

fn population(households: &[Household], layout: Layout) -> Arc<Population> {
    let mut h = String::from("household_id,municipality,housing_costs,savings");
    if layout.vehicles {
        h.push_str(",vehicles");
    }
    h.push('\n');
    let mut rows = Vec::new();
    let mut next_person = 0u64;
    for (i, hh) in households.iter().enumerate() {
        let id = household_id(i, layout);
        write!(
            h,
            "{id},{},{},{}",
            COUNCILS[hh.council],
            eur(hh.housing_costs),
            eur(hh.savings)
        )
        .unwrap();
        if layout.vehicles {
            write!(h, ",{}", hh.vehicles).unwrap();
        }
        h.push('\n');
        for p in &hh.persons {
            next_person += 1;
            let mut row = format!(
                "{next_person},{id},{},{},{}",
                p.age,
                p.disabled as u8,
                eur(p.income)
            );
            if layout.employment {
                write!(row, ",{},{}", p.employed as u8, p.nva_registered as u8).unwrap();
            }
            rows.push(row);
        }
    }
    if layout.persons_reversed {
        rows.reverse();
    }
    let mut p = String::from("person_id,household_id,age,disabled,income");
    if layout.employment {
        p.push_str(",employed,nva_registered");
    }
    p.push('\n');
    for r in rows {
        p.push_str(&r);
        p.push('\n');
    }
    let slugs = register::slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let (population, _) = load(
        Source {
            name: "households.csv",
            bytes: h.as_bytes(),
        },
        Source {
            name: "persons.csv",
            bytes: p.as_bytes(),
        },
        &known,
    )
    .unwrap_or_else(|e| panic!("a generated population does not load: {e}\n{h}\n{p}"));
    Arc::new(population)
}

// ---------------------------------------------------------------------------------------------
// The totals counted here.

/// The measures checked, by their summary names.
const CHECKED: [&str; 13] = [
    "households",
    "persons",
    "needy_households",
    "needy_persons",
    "low_income_households",
    "low_income_persons",
    "gmi_households",
    "gmi_eur",
    "housing_households",
    "housing_eur",
    "gross_eur",
    "state_share_eur",
    "municipal_net_eur",
];

/// The rows the summary must have, counted from the generated households: the population
/// gives only, by position, each household's id (to find it among the generated ones) and the
/// outcome's values.
fn expected(
    households: &[Household],
    layout: Layout,
    population: &Population,
    outcome: &Outcome,
) -> (BTreeMap<&'static str, [i64; 13]>, [i64; 13]) {
    let by_id: BTreeMap<u64, &Household> = households
        .iter()
        .enumerate()
        .map(|(i, h)| (household_id(i, layout), h))
        .collect();
    let mut rows: BTreeMap<&'static str, [i64; 13]> = BTreeMap::new();
    let mut total = [0i64; 13];
    assert_eq!(population.households.id.len(), households.len());
    let (needy, low) = (
        outcome.status("needy").unwrap(),
        outcome.status("low_income").unwrap(),
    );
    let (gmi, hb) = (
        outcome.amount("gmi_benefit").unwrap(),
        outcome.amount("housing_benefit").unwrap(),
    );
    for (i, id) in population.households.id.keys().iter().enumerate() {
        let hh = by_id[id];
        let slug = COUNCILS[hh.council];
        let persons = hh.persons.len() as i64;
        let (gross, state) = (0..outcome.amounts.len()).fold((0, 0), |(g, st), b| {
            (g + outcome.amounts[b][i], st + outcome.state_of(b, i))
        });
        for amount in [gmi[i], hb[i], gross, state] {
            assert_eq!(
                amount % CENT,
                0,
                "household {id}: {amount} is not whole cents"
            );
        }
        for row in [rows.entry(slug).or_insert([0; 13]), &mut total] {
            let add = [
                1,
                persons,
                needy[i] as i64,
                needy[i] as i64 * persons,
                low[i] as i64,
                low[i] as i64 * persons,
                (gmi[i] > 0) as i64,
                gmi[i] / CENT,
                (hb[i] > 0) as i64,
                hb[i] / CENT,
                gross / CENT,
                state / CENT,
                (gross - state) / CENT,
            ];
            for (r, a) in row.iter_mut().zip(add) {
                *r += a;
            }
        }
    }
    (rows, total)
}

/// The numbers of a row that are checked.
fn numbers(r: &Row) -> [i64; 13] {
    CHECKED.map(|m| r.get(m).unwrap_or_else(|| panic!("no measure {m}")))
}

fn check_totals(
    households: &[Household],
    layout: Layout,
    population: &Population,
    outcome: &Outcome,
    summary: &Summary,
) -> Result<(), TestCaseError> {
    let (rows, total) = expected(households, layout, population, outcome);
    let names: Vec<&str> = summary
        .rows
        .iter()
        .map(|r| r.municipality.as_str())
        .collect();
    let want: Vec<&str> = rows.keys().copied().collect();
    prop_assert_eq!(
        &names,
        &want,
        "the summary's municipalities (in slug order)"
    );
    for r in &summary.rows {
        prop_assert_eq!(
            numbers(r),
            rows[r.municipality.as_str()],
            "row {}",
            &r.municipality
        );
    }
    let mut sum = [0i64; 13];
    for r in &summary.rows {
        for (s, v) in sum.iter_mut().zip(numbers(r)) {
            *s += v;
        }
    }
    prop_assert_eq!(&summary.total.municipality, TOTAL);
    prop_assert_eq!(
        numbers(&summary.total),
        sum,
        "TOTAL against the sum of the rows"
    );
    prop_assert_eq!(
        numbers(&summary.total),
        total,
        "TOTAL against the count here"
    );
    Ok(())
}

/// The summary as the CSV fields `run` writes.
fn fields(s: &Summary) -> Vec<Vec<String>> {
    s.all_rows()
        .map(|r| {
            let mut f = vec![r.municipality.clone(), r.assumed.join(" ")];
            f.extend(r.values.iter().map(i64::to_string));
            f
        })
        .collect()
}

fn period(index: u32) -> Period {
    Period {
        year: 2021 + (index / 12) as i32,
        month: (index % 12) as u8 + 1,
    }
}

/// 7/2023 as a month index from 1/2021.
const SHARES_FROM: u32 = 30;

// ---------------------------------------------------------------------------------------------
// The properties.

/// `cases` cases (or `PROPTEST_CASES`); a failing case is kept in `tests/totals.proptest-regressions` and tried first
/// the next time.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// A month: any month of 2021–2026 (overrides from 7/2023 on), chunks of 1–64 households on
    /// one thread against chunks of another size on two.
    #[test]
    fn a_months_totals_are_the_sums_of_its_households_on_any_thread_count(
        households in prop::collection::vec(household(), 1..=40),
        layout in layout(),
        overrides in overrides(),
        month in 0u32..72,
        chunks in (1usize..=64, 1usize..=64),
    ) {
        let policy = policy();
        let month_ = period(month);
        let params = if month >= SHARES_FROM {
            overrides.apply(&policy.parameters)
        } else {
            policy.parameters.clone()
        };
        let population = population(&households, layout);
        let run = |threads: usize, chunk: usize| {
            pool(threads).install(|| {
                simulate(&policy.rules, &params, &policy.schema, &population, month_, chunk)
                    .unwrap_or_else(|e| panic!("{month_}: {e}"))
            })
        };
        let one = run(1, chunks.0);
        let two = run(2, chunks.1);
        let total = |o: &Outcome| summarize(&population, o).expect("the totals fit");
        let (s1, s2) = (total(&one), total(&two));
        check_totals(&households, layout, &population, &one, &s1)?;
        prop_assert_eq!(fields(&s1), fields(&s2), "summary on one thread and on two");
        prop_assert_eq!(&s1, &s2);
        prop_assert_eq!(&one, &two, "outcome on one thread and on two");
    }
}

proptest! {
    #![proptest_config(config(12))]

    /// A year, 2024–2026, with take-up below one and incomes and housing costs that move: the
    /// same sums, and the same on one thread and on two.
    #[test]
    fn a_years_totals_are_the_sums_of_its_households_on_any_thread_count(
        households in prop::collection::vec(household(), 1..=24),
        layout in layout(),
        overrides in overrides(),
        year in 2024i32..=2026,
        cap in prop::array::uniform3(0..=MILLION),
        half in prop::array::uniform3(0i64..=20_000),
        job_loss in 0..=MILLION / 10,
        heating in prop::array::uniform12(5_000i64..=20_000),
        seed in any::<u64>(),
    ) {
        let policy = policy();
        let params = overrides.apply(&policy.parameters);
        let population = population(&households, layout);
        let mut behaviour = Behaviour::entitlement(seed);
        behaviour.default_take_up = TakeUp {
            cap,
            half_cents: half,
            status_value_cents: [("needy".to_string(), 1_500)].into(),
            reconsider: 0,
        };
        behaviour.dynamics = Dynamics {
            default_job_loss: job_loss,
            benefit_share: SCALE / 2,
            new_job_income: 700 * SCALE,
            housing_by_month: [("ogres-novads".to_string(), heating)].into(),
            ..Dynamics::none()
        };
        let run = |threads: usize| {
            pool(threads).install(|| {
                project(&policy.rules, &params, &policy.schema, &population, year, &behaviour, &|_| {})
                    .unwrap_or_else(|e| panic!("{year}: {e}"))
            })
        };
        let one = run(1);
        let two = run(2);
        let total = |o: &Outcome| summarize(&population, o).expect("the totals fit");
        let (s1, s2) = (total(&one.outcome), total(&two.outcome));
        check_totals(&households, layout, &population, &one.outcome, &s1)?;
        // The months received give the year's counts too.
        let during = |output: usize| {
            (0..population.household_count())
                .filter(|&i| one.received[output][i] != 0)
                .count() as i64
        };
        prop_assert_eq!(
            [during(0), during(1), during(2), during(3)],
            [s1.total.status(0).0, s1.total.status(1).0, s1.total.benefit(0).households,
             s1.total.benefit(1).households],
            "the months received against the summary"
        );
        prop_assert_eq!(fields(&s1), fields(&s2), "summary on one thread and on two");
        prop_assert_eq!(&one.outcome, &two.outcome, "outcome on one thread and on two");
        prop_assert_eq!(&one.received, &two.received);
        prop_assert_eq!(one.by_month, two.by_month);
    }
}
