//! Annual projections checked by hand against the 2026 rules, in which the housing-benefit
//! coefficients change on 1 May: grant periods, amounts fixed at assessment, take-up.

use std::sync::Arc;

use slieksnis_engine::annual::{Behaviour, Dynamics, TakeUp, project};
use slieksnis_engine::draw::MILLION;
use slieksnis_engine::fixed::SCALE;
use slieksnis_engine::population::{HouseholdInput, PersonInput, Population};
use slieksnis_engine::{Policy, policy, summarize};

fn eur(cents: i64) -> i64 {
    cents * SCALE / 100
}

fn person(id: u64, age: i64, income_eur: i64) -> PersonInput {
    PersonInput {
        id,
        age,
        disabled: false,
        income: income_eur * SCALE,
        employed: None,
        nva_registered: None,
    }
}

/// A: a pensioner alone with 500 EUR (low-income in Ogre, 2026: needy 425 < 500 ≤ 595) and
/// 150 EUR housing costs. B: two working-age adults with no income and 200 EUR housing costs.
fn population() -> Arc<Population> {
    let households = [
        HouseholdInput {
            id: 1,
            municipality: "ogres-novads".into(),
            housing_costs: 150 * SCALE,
            savings: 0,
            vehicles: None,
            persons: vec![person(1, 70, 500)],
        },
        HouseholdInput {
            id: 2,
            municipality: "ogres-novads".into(),
            housing_costs: 200 * SCALE,
            savings: 0,
            vehicles: None,
            persons: vec![person(2, 40, 0), person(3, 38, 0)],
        },
    ];
    Arc::new(Population::from_households(&households, &["ogres-novads"], "test").unwrap())
}

fn everyone_applies() -> Behaviour {
    Behaviour::entitlement(1)
}

#[test]
fn grant_periods_keep_the_amount_of_the_month_of_assessment() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let pop = population();
    let a = project(
        &policy.rules,
        &policy.parameters,
        &pop,
        2026,
        &everyone_applies(),
        &|_| {},
    )
    .unwrap();
    let o = &a.outcome;

    // A: no working-age adult, so 6-month periods: assessed in January (K = 2.5 for a pensioner
    // alone: 2.5 × 187 + 150 − 500 = 117.50) and in July (K = 2.1 from May: 2.1 × 187 + 150 −
    // 500 = 42.70). Six months of each: 961.20. State share 30 %: 6 × 35.25 + 6 × 12.81.
    assert!(!o.needy[0] && o.low_income[0]);
    assert_eq!(o.gmi_benefit[0], 0);
    assert_eq!(o.housing_benefit[0], eur(96_120));
    assert_eq!(o.state_share[0], eur(28_836));
    assert_eq!(o.municipal_net[0], eur(96_120 - 28_836));
    assert_eq!(a.months[0], 12);

    // B: 3-month periods. GMI 187 + 131 = 318 every month; the housing benefit is capped at the
    // 200 EUR of costs under both coefficients. State share 30 % of 518 = 155.40 a month.
    assert!(o.needy[1] && !o.low_income[1]);
    assert_eq!(o.gmi_benefit[1], eur(12 * 31_800));
    assert_eq!(o.housing_benefit[1], eur(12 * 20_000));
    assert_eq!(o.state_share[1], eur(12 * 15_540));
    assert_eq!(a.months[1], 12);

    // Every month: A low-income with a housing benefit (1 person), B needy with GMI and a
    // housing benefit (2 persons).
    for m in &a.by_month {
        assert_eq!((m.needy.households, m.needy.persons), (1, 2));
        assert_eq!((m.low_income.households, m.low_income.persons), (1, 1));
        assert_eq!((m.gmi.households, m.gmi.persons), (1, 2));
        assert_eq!((m.housing.households, m.housing.persons), (2, 3));
    }

    // Over the year: the same households, counted once.
    let year = a.year_counts(&pop);
    assert_eq!((year.needy.households, year.needy.persons), (1, 2));
    assert_eq!(
        (year.low_income.households, year.low_income.persons),
        (1, 1)
    );
    assert_eq!((year.gmi.households, year.gmi.persons), (1, 2));
    assert_eq!((year.housing.households, year.housing.persons), (2, 3));

    let s = summarize(&pop, o).unwrap();
    assert_eq!(s.total.needy_households, 1);
    assert_eq!(s.total.low_income_households, 1);
    assert_eq!(s.total.gmi_cents, 12 * 31_800);
    assert_eq!(s.total.housing_cents, 96_120 + 12 * 20_000);
}

#[test]
fn a_household_that_does_not_apply_gets_nothing() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let pop = population();
    // Nobody whose best benefit is the GMI applies; pensioners apply for everything.
    let mut take_up = TakeUp::full();
    take_up.0[0] = [MILLION, 0, 0];
    let mut behaviour = everyone_applies();
    behaviour.default_take_up = take_up;
    let a = project(
        &policy.rules,
        &policy.parameters,
        &pop,
        2026,
        &behaviour,
        &|_| {},
    )
    .unwrap();
    assert_eq!(a.months, [12, 0]);
    assert!(
        a.by_month
            .iter()
            .all(|m| m.needy.households == 0 && m.housing.persons == 1)
    );
    assert!(!a.outcome.needy[1]);
    assert_eq!(a.outcome.gmi_benefit[1], 0);
    assert_eq!(a.outcome.housing_benefit[1], 0);
}

#[test]
fn a_year_is_the_same_on_one_thread_and_many() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let households: Vec<HouseholdInput> = (0..3_000u64)
        .map(|i| HouseholdInput {
            id: i,
            municipality: "ogres-novads".into(),
            housing_costs: (50 + i as i64 % 250) * SCALE,
            savings: 0,
            vehicles: None,
            persons: (0..1 + i % 4)
                .map(|k| PersonInput {
                    id: i * 10 + k,
                    age: (20 + (i * 7 + k * 31) % 70) as i64,
                    disabled: false,
                    income: ((i * 37 + k * 11) % 900) as i64 * SCALE,
                    employed: Some((i + k) % 3 != 0),
                    nva_registered: Some((i + k) % 3 == 0),
                })
                .collect(),
        })
        .collect();
    let pop = Arc::new(Population::from_households(&households, &["ogres-novads"], "t").unwrap());
    let behaviour = Behaviour {
        take_up: Default::default(),
        default_take_up: TakeUp([[600_000; 3]; 4]),
        dynamics: Dynamics {
            job_loss: Default::default(),
            default_job_loss: 20_000,
            benefit_share: SCALE / 2,
            new_job_income: 600 * SCALE,
            housing_by_month: Default::default(),
        },
        seed: 2025,
    };
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            project(
                &policy.rules,
                &policy.parameters,
                &pop,
                2025,
                &behaviour,
                &|_| {},
            )
        })
        .unwrap()
    };
    let one = run(1);
    assert_eq!(one, run(3));
    // Incomes moved: some households were assisted for only part of the year.
    assert!(one.months.iter().any(|&m| m > 0 && m < 12));
}

/// Draws are keyed by each id's key: a number for an id written as a number (with leading zeros
/// too: what it was when ids had to be numbers), the FNV-1a hash of the text otherwise.
#[test]
fn draws_follow_the_ids_keys() {
    use slieksnis_engine::csv_load::{Source, load};
    use slieksnis_engine::csv_write::to_csv;
    let policy = Policy::load(&policy::builtin()).unwrap();
    let households: Vec<HouseholdInput> = (1..=400u64)
        .map(|i| HouseholdInput {
            id: i,
            municipality: "ogres-novads".into(),
            housing_costs: (50 + i as i64 % 250) * SCALE,
            savings: 0,
            vehicles: None,
            persons: (0..1 + i % 3)
                .map(|k| PersonInput {
                    id: i * 10 + k,
                    age: (20 + (i * 7 + k * 31) % 70) as i64,
                    disabled: false,
                    income: ((i * 37 + k * 11) % 700) as i64 * SCALE,
                    employed: Some((i + k) % 3 != 0),
                    nva_registered: Some((i + k) % 3 == 0),
                })
                .collect(),
        })
        .collect();
    let numbers = Population::from_households(&households, &["ogres-novads"], "t").unwrap();
    let (h, p) = to_csv(&numbers).unwrap();
    // Every id rewritten: `0042` (key 42) or `h42` (a hash).
    let rewrite = |text: &str, columns: &[usize], prefix: &str| -> String {
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
            if i > 0 {
                for &c in columns {
                    fields[c] = format!("{prefix}{}", fields[c]);
                }
            }
            out += &fields.join(",");
            out.push('\n');
        }
        out
    };
    let loaded = |prefix: &str| {
        let (h, p) = (rewrite(&h, &[0], prefix), rewrite(&p, &[0, 1], prefix));
        let (pop, _) = load(
            Source {
                name: "households.csv",
                bytes: h.as_bytes(),
            },
            Source {
                name: "persons.csv",
                bytes: p.as_bytes(),
            },
            &["ogres-novads"],
        )
        .unwrap();
        Arc::new(pop)
    };
    let behaviour = Behaviour {
        take_up: Default::default(),
        default_take_up: TakeUp([[500_000; 3]; 4]),
        dynamics: Dynamics {
            job_loss: Default::default(),
            default_job_loss: 50_000,
            benefit_share: SCALE / 2,
            new_job_income: 600 * SCALE,
            housing_by_month: Default::default(),
        },
        seed: 7,
    };
    let year = |pop: &Arc<Population>| {
        project(
            &policy.rules,
            &policy.parameters,
            pop,
            2025,
            &behaviour,
            &|_| {},
        )
        .unwrap()
    };
    let numbers = Arc::new(numbers);
    let base = year(&numbers);
    let zeros = loaded("00");
    assert_eq!(zeros.households.id.get(0).to_string(), "001");
    assert_eq!(zeros.households.id.keys(), numbers.households.id.keys());
    assert_eq!(zeros.persons.id.keys(), numbers.persons.id.keys());
    assert_eq!(year(&zeros), base);
    let texts = loaded("h");
    assert_eq!(
        texts.households.id.key(0),
        slieksnis_engine::ids::fnv1a64(b"h1")
    );
    let other = year(&texts);
    assert_ne!(other.outcome, base.outcome, "other keys, other draws");
    // Applying at half the rate: about half of those who qualify do, with either keys.
    let assisted =
        |a: &slieksnis_engine::annual::Annual| a.months.iter().filter(|&&m| m > 0).count();
    let (b, t) = (assisted(&base), assisted(&other));
    assert!(b > 20 && t > 20 && b.abs_diff(t) * 3 < b + t, "{b} {t}");
}
