//! A year's sweep computes its points together (`annual::project_together`: one program per
//! council for every point, each point's households settled only where they differ from the
//! base point's). Whatever it shares, every point must be exactly what a run of that point
//! alone gives: its summary per council and its twelve months, on one thread and on two — for
//! a swept value that moves few households (the low-income threshold), one that moves many
//! (the GMI level: needy status, the GMI benefit and the housing benefit), and one that moves
//! no household but every state's part (the state's share of the housing benefit); with values
//! the parameter's range refuses and values the rules refuse among them, which are skipped as
//! runs alone skip them. Raising the needy threshold moves most households with a status.

use std::sync::Arc;

use rust_decimal::Decimal;
use slieksnis_engine::annual::{Behaviour, project_together};
use slieksnis_engine::generate::generate;
use slieksnis_engine::parameters::ParameterSet;
use slieksnis_engine::profile::{Profile, Profiles};
use slieksnis_engine::run::{Configuration, Horizon};
use slieksnis_engine::simulate::DEFAULT_CHUNK;
use slieksnis_engine::sweep::{self, Axis, Point};
use slieksnis_engine::{Policy, Population, policy};

const YEAR: i32 = 2026;

/// Five councils of 2026 (about 6 000 households: one in twenty of each), with their profiles'
/// take-up and job changes.
fn councils() -> (Arc<Population>, Behaviour) {
    let profiles: Vec<Profile> = [
        "tukuma-novads",
        "ogres-novads",
        "ludzas-novads",
        "valmieras-novads",
        "liepaja",
    ]
    .iter()
    .map(|slug| Profiles::builtin().get(slug).unwrap())
    .collect();
    let refs: Vec<&Profile> = profiles.iter().collect();
    let full = generate(&refs, YEAR, 5);
    let rows: Vec<usize> = (0..full.household_count()).step_by(20).collect();
    (
        Arc::new(full.select(&rows)),
        Behaviour::from_profiles(&refs, YEAR, 5),
    )
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn a_sweep_computed_together_is_each_point_run_alone() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let (population, behaviour) = councils();
    let base = Configuration {
        policy: &policy,
        rules: None,
        parameters: &policy.parameters,
        population: &population,
        horizon: Horizon::Year(YEAR),
        behaviour: &behaviour,
        chunk_size: DEFAULT_CHUNK,
    };
    let cases: [(&str, &[&str]); 4] = [
        // 0.45 is below the needy threshold and 0.85 above the cap (the rules refuse both);
        // 1.5 is outside the parameter's range.
        (
            "municipalities.*.low_income.pct",
            &["0.45", "0.5", "0.58", "0.66", "0.8", "0.85", "1.5"],
        ),
        ("gmi.pct", &["0.05", "0.22", "0.45"]),
        ("needy.pct", &["0.3", "0.45", "0.6"]),
        ("state_share.housing_benefit", &["0", "0.3", "1"]),
    ];
    for (path, values) in cases {
        let axis = Axis::parse(path);
        let values: Vec<Decimal> = values.iter().map(|v| d(v)).collect();
        let alone: Vec<Point> = values
            .iter()
            .map(|&v| sweep::evaluate(&base, &axis, v).unwrap())
            .collect();
        let ran = alone.iter().filter(|p| p.ran().is_some()).count();
        assert!(ran >= 3, "{path}: {ran} points ran");
        for threads in [1, 2] {
            let together = on_threads(threads, || sweep::sweep(&base, &axis, &values).unwrap());
            assert_eq!(together.len(), values.len());
            for ((v, a), t) in values.iter().zip(&alone).zip(&together) {
                // Not assert_eq: a year's summaries printed whole would bury the point.
                assert!(
                    a == t,
                    "{path} = {v} on {threads} threads: not its run alone"
                );
            }
        }
        // And they did run together: the batch did not give up and leave every point to run
        // alone (which the comparison above could not tell).
        let sets: Vec<ParameterSet> = values
            .iter()
            .filter_map(|&v| match sweep::apply(&base, &axis, v) {
                Ok((Some(p), _)) => Some(p),
                _ => None,
            })
            .collect();
        let refs: Vec<&ParameterSet> = sets.iter().collect();
        let batch = project_together(
            &policy.rules,
            &refs,
            &policy.schema,
            &population,
            YEAR,
            &behaviour,
        )
        .unwrap_or_else(|| panic!("{path}: the points did not run together"));
        let together = batch.iter().filter(|p| p.is_some()).count();
        assert_eq!(together, ran, "{path}: every point that runs ran together");
        let ran_alone = alone.iter().filter_map(Point::ran);
        for ((summary, by_month), r) in batch.iter().flatten().zip(ran_alone) {
            assert!(summary == &r.summary && by_month == &r.by_month, "{path}");
        }
    }
}
