//! What the fuzz targets share: the embedded policy (loaded once), the known municipalities, a
//! tiny population to run rules on, and the invariants checked on what the engine returns.
//!
//! Every target calls the engine's public API only and asserts that it returns `Ok` or `Err`,
//! never panics (a panic, an overflow check, an endless loop or an allocation beyond libFuzzer's
//! limit is a finding).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, OnceLock};

use slieksnis_engine::Period;
use slieksnis_engine::ids;
use slieksnis_engine::parameters::{ParameterSet, ResolvedNode};
use slieksnis_engine::population::{HouseholdInput, MAX_AGE, PersonInput, Population};
use slieksnis_engine::schema::Schema;
use slieksnis_engine::script::Rules;
use slieksnis_engine::simulate::{Outcome, simulate};
use slieksnis_engine::{Policy, policy, register, summarize};

/// The embedded default policy.
pub fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| Policy::load(&policy::builtin()).expect("the embedded policy loads"))
}

/// The embedded policy's files.
pub fn policy_files() -> &'static BTreeMap<String, String> {
    static F: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    F.get_or_init(policy::builtin)
}

/// The parameter files of the embedded manifest, in its order.
pub fn parameter_files() -> &'static [String] {
    static F: OnceLock<Vec<String>> = OnceLock::new();
    F.get_or_init(|| {
        let manifest: toml::Table = policy_files()["policy.toml"].parse().expect("manifest");
        manifest["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|v| v.as_str().expect("a path").to_string())
            .collect()
    })
}

/// The valid municipality slugs (the register), as the CLI passes them.
pub fn known() -> &'static [&'static str] {
    static K: OnceLock<Vec<&'static str>> = OnceLock::new();
    K.get_or_init(|| {
        register::slugs()
            .into_iter()
            .map(|s| &*Box::leak(s.into_boxed_str()))
            .collect()
    })
}

/// Months the targets resolve parameters and run rules at: every change of the shipped rules
/// (7/2021, 2022, 9/2022, 6–7/2023, 2024, 2025, 2026, 5/2026) and the edges of the years covered.
pub const PERIODS: [(i32, u8); 10] = [
    (2021, 1),
    (2021, 8),
    (2022, 10),
    (2023, 6),
    (2023, 7),
    (2024, 3),
    (2025, 2),
    (2026, 1),
    (2026, 5),
    (2026, 12),
];

pub fn period(i: usize) -> Period {
    let (year, month) = PERIODS[i % PERIODS.len()];
    Period { year, month }
}

/// A small, cheap pick that depends on the input (so different inputs exercise different
/// months) without taking bytes away from what is fuzzed.
pub fn pick(data: &[u8]) -> usize {
    data.iter().fold(data.len(), |a, &b| {
        a.wrapping_mul(31).wrapping_add(b as usize)
    })
}

/// Splits `data` at its first NUL byte (the seeds are `households.csv`, NUL, `persons.csv`).
pub fn split_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// Splits a text into its first line and the rest.
pub fn first_line(text: &str) -> (&str, &str) {
    match text.split_once('\n') {
        Some((a, b)) => (a.trim_end_matches('\r'), b),
        None => (text, ""),
    }
}

/// Households in five councils (Ogre and Tukums with their own thresholds, Rīga with an assumed
/// one before 2024, Varakļāni merged into Madona in 7/2025, Kuldīga), with every optional
/// column, incomes around the thresholds, a pensioner alone, a disabled person, children.
pub fn tiny() -> &'static Arc<Population> {
    static T: OnceLock<Arc<Population>> = OnceLock::new();
    T.get_or_init(|| {
        let eur = |e: i64| e * 10_000;
        let mut next = 0;
        let mut person = |age: i64, income: i64, disabled: bool, employed: bool| {
            next += 1;
            PersonInput {
                id: next,
                age,
                disabled,
                income: eur(income),
                employed: Some(employed),
                nva_registered: Some(!employed && age >= 18),
            }
        };
        let mut households = Vec::new();
        let mut add =
            |id: u64, slug: &str, housing: i64, savings: i64, persons: Vec<PersonInput>| {
                households.push(HouseholdInput {
                    id,
                    municipality: slug.into(),
                    housing_costs: eur(housing),
                    savings: eur(savings),
                    vehicles: Some(id as i64 % 3),
                    persons,
                })
            };
        add(
            1,
            "ogres-novads",
            150,
            200,
            vec![person(70, 300, false, false)],
        );
        add(
            2,
            "ogres-novads",
            320,
            50,
            vec![
                person(35, 0, false, false),
                person(33, 0, false, false),
                person(8, 0, false, false),
            ],
        );
        add(
            3,
            "tukuma-novads",
            200,
            0,
            vec![person(45, 520, true, true)],
        );
        add(
            4,
            "riga",
            280,
            0,
            vec![person(40, 400, false, true), person(12, 0, false, false)],
        );
        add(
            5,
            "varaklanu-novads",
            180,
            1000,
            vec![person(66, 350, false, false), person(68, 210, true, false)],
        );
        add(
            6,
            "kuldigas-novads",
            0,
            0,
            vec![
                person(40, 300, false, true),
                person(38, 0, false, false),
                person(10, 0, false, false),
                person(5, 0, false, false),
            ],
        );
        Arc::new(Population::from_households(&households, known(), "tiny").expect("tiny is valid"))
    })
}

/// The invariants of a population the engine built: consistent lengths, households grouped
/// by municipality, each with at least one person, unique and valid ids whose draw keys are
/// those of their texts, valid ages.
pub fn check_population(p: &Population, known: &[&str]) {
    let h = &p.households;
    let n = p.household_count();
    let m = p.person_count();
    assert_eq!(h.municipality.len(), n);
    assert_eq!(h.housing_costs.len(), n);
    assert_eq!(h.savings.len(), n);
    if let Some(v) = &h.vehicles {
        assert_eq!(v.len(), n);
        assert!(v.iter().all(|&v| v >= 0), "negative vehicles");
    }
    for col in [&h.crisis, &h.other_expenses].into_iter().flatten() {
        assert_eq!(col.len(), n);
    }
    assert_eq!(h.first_person.len(), n + 1);
    assert_eq!(h.first_person[0], 0);
    assert_eq!(h.first_person[n] as usize, m);
    assert!(
        h.first_person.windows(2).all(|w| w[0] < w[1]),
        "a household without persons, or persons out of order"
    );
    let ps = &p.persons;
    assert_eq!(ps.age.len(), m);
    assert_eq!(ps.disabled.len(), m);
    assert_eq!(ps.income.len(), m);
    for col in [&ps.employed, &ps.nva_registered].into_iter().flatten() {
        assert_eq!(col.len(), m);
    }
    assert!(
        ps.age.iter().all(|a| (0..=MAX_AGE).contains(a)),
        "age out of range"
    );
    assert!(
        p.municipalities.windows(2).all(|w| w[0] < w[1]),
        "municipalities not sorted"
    );
    assert!(
        p.municipalities.iter().all(|s| known.contains(&s.as_str())),
        "an unknown municipality"
    );
    assert!(
        h.municipality.windows(2).all(|w| w[0] <= w[1]),
        "households not grouped by municipality"
    );
    assert!(
        h.municipality
            .iter()
            .all(|&i| (i as usize) < p.municipalities.len())
    );
    let segments = p.segments();
    assert_eq!(segments.iter().map(|s| s.2 - s.1).sum::<usize>(), n);
    assert_eq!(h.id.len(), n);
    assert_eq!(ps.id.len(), m);
    for ids in [&h.id, &ps.id] {
        let mut plain = true;
        for (i, id) in ids.iter().enumerate() {
            let text = id.to_string();
            assert!(
                ids::check(text.as_bytes()).is_ok(),
                "an invalid id {text:?}"
            );
            assert_eq!(ids.key(i), ids::key(text.as_bytes()), "the key of {text:?}");
            plain &= ids::plain_number(text.as_bytes()).is_some();
        }
        assert_eq!(
            ids.all_numbers(),
            plain,
            "texts kept only where an id is not a number"
        );
    }
    let mut seen = HashSet::new();
    assert!(
        h.id.iter().all(|id| seen.insert(id)),
        "duplicate household_id"
    );
    seen.clear();
    assert!(
        ps.id.iter().all(|id| seen.insert(id)),
        "duplicate person_id"
    );
    for i in [0, n / 2, n.saturating_sub(1)]
        .into_iter()
        .filter(|&i| i < n)
    {
        assert_eq!(p.find(&h.id.get(i).to_string()), Some(i), "find");
    }
}

/// What every outcome of a run over `population` must satisfy, and its summary's totals.
pub fn check_outcome(population: &Population, o: &Outcome) {
    let n = population.household_count();
    assert_eq!(o.len(), n);
    for col in o.statuses.iter().map(Vec::len) {
        assert_eq!(col, n);
    }
    for (b, col) in o.amounts.iter().enumerate() {
        assert_eq!(col.len(), n);
        assert!(
            col.iter().all(|v| v % 100 == 0 && *v >= 0),
            "an amount that is not whole cents"
        );
        for i in 0..n {
            let state = o.state_of(b, i);
            assert!(
                state % 100 == 0 && (0..=col[i]).contains(&state),
                "a state share outside 0 … the amount"
            );
        }
    }
    // The tiny population's totals always fit: a total that does not is a finding.
    let s = summarize(population, o).expect("the totals of a few households fit");
    assert_eq!(s.total.households() as usize, n);
    assert_eq!(s.total.persons() as usize, population.person_count());
    let rows: i64 = s.rows.iter().map(|r| r.households()).sum();
    assert_eq!(rows as usize, n);
    assert_eq!(
        s.total.state_share_cents() + s.total.municipal_net_cents(),
        s.total.gross_cents()
    );
}

/// Runs `rules` with `parameters` over the tiny population at one of [`PERIODS`] (picked by
/// `which`), for the outputs of `schema`; any result but a panic is fine, and a successful one
/// must be consistent. (One month a call: planning the scripts for five councils is most of an
/// input's time.)
pub fn run_tiny(rules: &Rules, parameters: &ParameterSet, schema: &Arc<Schema>, which: usize) {
    let pop = tiny();
    if let Ok(o) = simulate(rules, parameters, schema, pop, period(which), 1024) {
        check_outcome(pop, &o);
    }
}

/// Every resolved value is within the bounds its parameter declares (leaves that declare none,
/// like the council's slug, aside).
fn check_legal(map: &BTreeMap<String, ResolvedNode>) {
    for node in map.values() {
        match node {
            ResolvedNode::Group(g) => check_legal(g),
            ResolvedNode::Leaf(l) => {
                let b = &l.meta.bounds;
                let declares =
                    b.range.is_some() || !b.key_ranges.is_empty() || !b.choices.is_empty();
                if declares {
                    if let Err(e) = b.check(&l.value, &l.meta.unit) {
                        panic!("{} = {} resolved outside its bounds: {e}", l.path, l.value);
                    }
                }
            }
        }
    }
}

/// Resolves `parameters` at a few dates (see [`resolve_some`]); the set was checked
/// (`ParameterSet::check`, as `Policy::load` does) or built from checked parameters by
/// overrides, so every value it resolves must be legal.
pub fn resolve_checked(parameters: &ParameterSet, which: usize, extra: Option<&str>) {
    resolve_at(parameters, which, extra, true);
}

/// Resolves `parameters` at a few dates for a few councils (and `extra`), reading every leaf.
pub fn resolve_some(parameters: &ParameterSet, which: usize, extra: Option<&str>) {
    resolve_at(parameters, which, extra, false);
}

fn resolve_at(parameters: &ParameterSet, which: usize, extra: Option<&str>, legal: bool) {
    let slugs = ["ogres-novads", "riga", "not-a-council"];
    for (i, slug) in slugs.iter().copied().chain(extra).enumerate() {
        // An override that cannot apply at the date is an error, not a panic.
        let Ok(r) = parameters.resolve(period(which + i * 3).first_day(), slug) else {
            continue;
        };
        // Whatever an override was accepted as, the value the rules see is legal.
        if legal {
            check_legal(&r.root);
        }
        for leaf in r.assumed() {
            let _ = r.leaf(&leaf.path);
        }
    }
}
