//! Calibration against Ogre's reported 2025 caseload (`populations/reported/`, from the Ogre
//! social service's report): the shipped calibrated profile reproduces it, and fitting moves the
//! uncalibrated profile towards it.
//!
//! The whole fit takes a few hundred simulated years: seconds in a release build, minutes in a
//! debug one, so it runs with `SLIEKSNIS_SLOW=1` (see README.md); the default run checks the
//! first steps.

use slieksnis_engine::calibrate::{Reported, calibrate, simulate_year};
use slieksnis_engine::profile::Profiles;
use slieksnis_engine::{Policy, policy};

const REPORT: &str = include_str!("../../populations/reported/ogre-2025-caseload.csv");

fn reported() -> Reported {
    Reported::parse("ogre-2025-caseload.csv", REPORT).expect("the shipped report parses")
}

#[test]
fn the_report_is_read_as_written() {
    let r = reported();
    assert_eq!(r.year, 2025);
    assert_eq!(r.needy_households, 661);
    assert_eq!(r.low_income_households, 530);
    assert_eq!(r.gmi_households, 168);
    assert_eq!(r.gmi_cents, 10_640_989);
    assert_eq!(r.housing_households, 821);
    assert_eq!(r.housing_cents, 54_722_518);
}

#[test]
fn a_bad_report_names_the_line() {
    let bad = REPORT.replace("ogre,2025,gmi_benefit,168", "ogre,2025,gmi_benefit,many");
    let e = Reported::parse("r.csv", &bad).unwrap_err();
    assert!(e.starts_with("r.csv:4:") && e.contains("many"), "{e}");
    let missing: String = REPORT
        .lines()
        .filter(|l| !l.contains("housing_benefit"))
        .map(|l| format!("{l}\n"))
        .collect();
    let e = Reported::parse("r.csv", &missing).unwrap_err();
    assert!(e.contains("housing_benefit"), "{e}");
}

#[test]
fn the_calibrated_ogre_baseline_is_within_ten_percent_of_the_report() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let profile = Profiles::builtin().get("ogres-novads").unwrap();
    assert!(profile.calibrated, "the shipped Ogre profile is calibrated");
    let r = reported();
    let row = simulate_year(&policy.rules, &policy.parameters, &profile, 2025, 1).unwrap();
    for (what, want, got, _) in r.against(&row) {
        let gap = (got - want) as f64 / want as f64;
        assert!(
            gap.abs() <= 0.10,
            "{what}: reported {want}, simulated {got}"
        );
    }
}

#[test]
fn fitting_moves_the_uncalibrated_profile_towards_the_report() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let base = Profiles::builtin().uncalibrated("ogres-novads").unwrap();
    assert!(!base.calibrated);
    let r = reported();
    let before = simulate_year(&policy.rules, &policy.parameters, &base, 2025, 1).unwrap();
    let slow = std::env::var_os("SLIEKSNIS_SLOW").is_some();
    let budget = if slow { 400 } else { 16 };
    let fit = calibrate(
        &policy.rules,
        &policy.parameters,
        &base,
        &r,
        1,
        budget,
        &|_, _| {},
    )
    .unwrap();
    let (gap_before, gap_after) = (r.worst_gap(&before), r.worst_gap(&fit.simulated));
    assert!(gap_before > 0.5, "{gap_before}");
    assert!(gap_after < gap_before - 0.1, "{gap_before} → {gap_after}");
    if slow {
        // The shipped layer is this fit.
        assert!(gap_after <= 0.10, "{gap_after}");
    }
}
