//! Widening eligibility never lowers anyone's recipients or cost (issue 9): for every council,
//! on sweeps of the low-income threshold, the GMI level and the needy threshold, every measure
//! of every benefit and status and every total of an annual projection with the profiles'
//! take-up is at least what the narrower rules give — over the year and in each month — and a
//! household paid a benefit on claim is paid it under the wider rules too, no later.
//!
//! The one exception is written out: raising the needy threshold moves households from
//! low-income to needy (the statuses exclude one another), so the low-income counts may fall
//! then; everything else must not.

use std::sync::Arc;

use slieksnis_engine::annual::Behaviour;
use slieksnis_engine::generate::generate;
use slieksnis_engine::parameters::{ParameterSet, Value};
use slieksnis_engine::profile::{Profile, Profiles};
use slieksnis_engine::run::{Configuration, Horizon, Results, run};
use slieksnis_engine::schema::{Kind, Payment};
use slieksnis_engine::simulate::DEFAULT_CHUNK;
use slieksnis_engine::summary::Summary;
use slieksnis_engine::{Policy, Population, policy, register};

const YEAR: i32 = 2025;

/// Every council of 2025, one household in 25 of each (about 34 000 households).
fn latvia() -> (Arc<Population>, Behaviour) {
    let profiles: Vec<Profile> = Profiles::builtin()
        .councils(YEAR)
        .unwrap()
        .iter()
        .map(|slug| Profiles::builtin().get(slug).unwrap())
        .collect();
    let refs: Vec<&Profile> = profiles.iter().collect();
    let full = generate(&refs, YEAR, 3);
    let rows: Vec<usize> = (0..full.household_count()).step_by(25).collect();
    (
        Arc::new(full.select(&rows)),
        Behaviour::from_profiles(&refs, YEAR, 3),
    )
}

fn share(pct: &str) -> Value {
    Value::Table([("pct".to_string(), Value::parse_cli(pct).unwrap())].into())
}

fn year(policy: &Policy, params: &ParameterSet, pop: &Arc<Population>, b: &Behaviour) -> Results {
    run(
        &Configuration {
            policy,
            rules: None,
            parameters: params,
            population: pop,
            horizon: Horizon::Year(YEAR),
            behaviour: b,
            chunk_size: DEFAULT_CHUNK,
        },
        &|_| {},
    )
    .unwrap()
}

/// Every measure of `wider` is at least `narrower`'s, row by row, except the measures named
/// in `may_fall`. `what` names the step for the message.
fn at_least(narrower: &Summary, wider: &Summary, may_fall: &[&str], what: &str) {
    assert_eq!(narrower.rows.len(), wider.rows.len());
    let names = &narrower.measures().names;
    for (n, w) in narrower.all_rows().zip(wider.all_rows()) {
        assert_eq!(n.municipality, w.municipality);
        for (k, name) in names.iter().enumerate() {
            if may_fall.iter().any(|m| name.starts_with(m)) {
                continue;
            }
            assert!(
                w.values[k] >= n.values[k],
                "{what}: {name} of {} fell from {} to {}",
                n.municipality,
                n.values[k],
                w.values[k]
            );
        }
    }
}

/// Runs the steps of a sweep in order and checks each against the one before.
fn sweep(steps: &[(&str, ParameterSet)], may_fall: &[&str]) {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let (pop, behaviour) = latvia();
    let mut last: Option<(&str, Results)> = None;
    for (name, params) in steps {
        let now = year(&policy, params, &pop, &behaviour);
        if let Some((before, prev)) = &last {
            let what = format!("{before} → {name}");
            at_least(&prev.summary, &now.summary, may_fall, &what);
            // In each month, the stocks: a yearly or one-off benefit is paid in the month it is
            // first granted (or, paid on claim, first granted from the claim month on), which
            // wider rules may bring forward, and so are the month's totals that include it;
            // their year is checked above, each monthly benefit here.
            let mut monthly: Vec<String> = may_fall.iter().map(|m| m.to_string()).collect();
            monthly.extend(["gross_eur", "state_share_eur", "municipal_net_eur"].map(String::from));
            for b in &policy.schema.benefits {
                if b.kind != Kind::Monthly {
                    monthly.push(format!("{}_", b.column));
                }
            }
            let monthly: Vec<&str> = monthly.iter().map(String::as_str).collect();
            for (m, (a, b)) in prev.by_month.iter().zip(&now.by_month).enumerate() {
                at_least(a, b, &monthly, &format!("{what}, month {}", m + 1));
            }
            // Household by household, a benefit paid on claim: the claim month does not depend
            // on the rules and wider rules grant it in more months, so a household paid under
            // the narrower rules is paid under the wider ones too, in the same month or earlier.
            let statuses = policy.schema.statuses.len();
            for (b, benefit) in policy.schema.benefits.iter().enumerate() {
                if benefit.paid != Payment::OnClaim {
                    continue;
                }
                let (n, w) = (&prev.received[statuses + b], &now.received[statuses + b]);
                for (i, (&n, &w)) in n.iter().zip(w).enumerate() {
                    assert!(
                        n == 0 || (w != 0 && w.trailing_zeros() <= n.trailing_zeros()),
                        "{what}: {} of household {i} paid in months {n:#014b}, then {w:#014b}",
                        benefit.id
                    );
                }
            }
        }
        last = Some((name, now));
    }
    // The sweep is not empty: the widest step pays something in every council.
    let (_, widest) = last.unwrap();
    assert!(widest.summary.rows.len() >= 40);
    assert!(widest.summary.rows.iter().all(|r| r.gross_cents() > 0));
}

#[test]
fn raising_every_councils_low_income_threshold_never_lowers_anything() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let steps: Vec<(&str, ParameterSet)> = ["0.50", "0.60", "0.70", "0.80"]
        .iter()
        .map(|pct| {
            let mut p = policy.parameters.clone();
            for slug in register::slugs() {
                p.set(
                    &format!("municipalities.{slug}.low_income"),
                    share(pct),
                    "test",
                )
                .unwrap();
            }
            (*pct, p)
        })
        .collect();
    sweep(&steps, &[]);
}

#[test]
fn raising_the_gmi_level_never_lowers_anything() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let steps: Vec<(&str, ParameterSet)> = ["0.16", "0.19", "0.22", "0.25"]
        .iter()
        .map(|pct| {
            let mut p = policy.parameters.clone();
            p.set("gmi", share(pct), "test").unwrap();
            (*pct, p)
        })
        .collect();
    sweep(&steps, &[]);
}

#[test]
fn raising_the_needy_threshold_lowers_only_the_low_income_counts() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let steps: Vec<(&str, ParameterSet)> = ["0.40", "0.45", "0.50"]
        .iter()
        .map(|pct| {
            let mut p = policy.parameters.clone();
            p.set("needy", share(pct), "test").unwrap();
            (*pct, p)
        })
        .collect();
    sweep(&steps, &["low_income_"]);
}
