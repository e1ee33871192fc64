//! Calibration: a council's fit to the figures it reported (`populations/reported/
//! public-caseloads.csv`, use = fit, each on its basis), what the national calibration learns
//! from those fits, and the national fit.
//!
//! The whole fit takes a few hundred simulated years: seconds in a release build, minutes in a
//! debug one, so it runs with `SLIEKSNIS_SLOW=1` (see README.md); the default run checks the
//! first steps.

use slieksnis_engine::calibrate::{
    CouncilFit, CouncilModel, calibrate_council, compare_profile, council_figures, council_layer,
    worst_ratio_gap,
};
use slieksnis_engine::profile::Profiles;
use slieksnis_engine::reported::{self, Figure};
use slieksnis_engine::{Policy, policy};

fn shipped_figures() -> Vec<Figure> {
    reported::parse(reported::SHIPPED_ORIGIN, reported::SHIPPED).expect("the shipped figures parse")
}

#[test]
fn a_council_fit_aims_at_its_own_figures_marked_fit() {
    let all = shipped_figures();
    let ogre = council_figures(&all, "ogres-novads");
    assert!(ogre.iter().all(|f| f.municipality == "ogres-novads"));
    assert!(ogre.iter().all(|f| f.usage == reported::Use::Fit));
    // The report's needy households, low-income persons and GMI euros are among them; its
    // crisis euros and burial benefit are not (skip).
    let has = |m: &str, u: &str| {
        ogre.iter()
            .any(|f| f.measure.name() == m && f.unit.name() == u)
    };
    assert!(has("needy_status", "households") && has("low_income_status", "persons"));
    assert!(has("gmi", "eur") && !has("crisis_benefit", "eur"));
    assert!(council_figures(&all, "tukuma-novads").is_empty());
}

/// The shipped fits hold what their layers say: each council's figures simulated through the
/// shipped profiles are the "after" ratios in its layer's comments, to the third decimal.
#[test]
fn the_shipped_ogre_fit_gives_what_its_layer_says() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let profiles = Profiles::builtin();
    let profile = profiles.get("ogres-novads").unwrap();
    assert!(profile.calibrated && profile.fit_factors.is_some());
    let figures = council_figures(&shipped_figures(), "ogres-novads");
    let rows = compare_profile(&policy, &policy.parameters, &profile, &figures, 1).unwrap();
    let layer = profiles
        .files()
        .find(|(p, _)| *p == "calibrated/ogres-novads.toml")
        .unwrap()
        .1;
    for r in &rows {
        let after = r.ratio.unwrap().round_dp(3).to_string();
        let line = layer
            .lines()
            .find(|l| {
                l.contains(r.measure.name())
                    && l.contains(&format!(" {} ", r.unit.name()))
                    && l.contains(&r.basis_words)
            })
            .unwrap_or_else(|| panic!("{} {} not in the layer", r.measure, r.unit));
        assert!(line.trim_end().ends_with(&after), "{line} against {after}");
    }
}

/// A council's layer reads back as the profile fitted, with every knob moved: nothing a fit
/// changes is lost on the way to the file (the low pension tail once was).
#[test]
fn a_council_layer_reads_back_as_the_profile_fitted() {
    use slieksnis_engine::profile::Factors;
    let profiles = Profiles::builtin();
    let base = profiles.uncalibrated("ogres-novads").unwrap();
    let mut moved = [1.0; Factors::COUNT];
    for (k, f) in moved.iter_mut().enumerate() {
        *f = if k % 2 == 0 { 1.13 } else { 0.87 };
    }
    let factors = Factors::from_array(moved).effective();
    let mut fitted = factors.apply(&base);
    fitted.calibrated = true;
    fitted.fit_factors = Some(factors);
    assert_ne!(fitted.pensions.percentiles, base.pensions.percentiles);
    assert_ne!(
        fitted.take_up.reconsider_per_month,
        base.take_up.reconsider_per_month
    );
    let fit = CouncilFit {
        profile: fitted.clone(),
        factors,
        after: Vec::new(),
        before: Vec::new(),
        rounds: 0,
    };
    let mut read = profiles.clone();
    read.add_file(
        "calibrated/ogres-novads.toml",
        council_layer(&fit, 1, "test"),
    )
    .unwrap();
    let mut back = read.get("ogres-novads").unwrap();
    back.files = fitted.files.clone();
    assert_eq!(back, fitted);
}

#[test]
fn fitting_moves_the_council_towards_its_report() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let profiles = Profiles::builtin();
    let base = profiles.uncalibrated("ogres-novads").unwrap();
    assert!(!base.calibrated);
    let figures = council_figures(&shipped_figures(), "ogres-novads");
    let slow = std::env::var_os("SLIEKSNIS_SLOW").is_some();
    let budget = if slow { 120 } else { 16 };
    let start = Factors::default();
    let fit = calibrate_council(
        &policy,
        &policy.parameters,
        &base,
        &start,
        &figures,
        1,
        budget,
        &|_, _| {},
    )
    .unwrap();
    // Least squares on the log ratios: the sum of squares falls.
    let cost = |rows: &[reported::Comparison]| -> f64 {
        rows.iter()
            .map(|c| f64::try_from(c.ratio.unwrap()).unwrap().ln().powi(2))
            .sum()
    };
    let (before, after) = (cost(&fit.before), cost(&fit.after));
    assert!(after < before * 0.9, "{before} → {after}");
    assert!(fit.profile.calibrated && fit.profile.fit_factors == Some(fit.factors));
    assert!(worst_ratio_gap(&fit.after) < 10.0);
}

/// Three councils whose fits moved the take-up cap by e^(x/2) at unemployment e^x times the
/// national rate: the model learns the elasticity ½ (shrunk by the ridge: Sxy / (Sxx + 1)).
#[test]
fn the_council_model_learns_how_fits_lean_with_unemployment() {
    let profiles = Profiles::builtin();
    let mut all = profiles.without_national_fit().all().unwrap();
    // Every council at the national rate but three.
    for p in all.iter_mut() {
        p.calibrated = false;
        p.fit_factors = None;
        p.reference.registered_unemployment_pct = Some(5.0);
    }
    let xs = [-0.4f64, 0.0, 0.6];
    for (p, x) in all.iter_mut().take(3).zip(xs) {
        p.calibrated = true;
        p.reference.registered_unemployment_pct = Some(5.0 * x.exp());
        p.fit_factors = Some(Factors {
            take_up_cap: (0.5 * x).exp() * 0.8,
            ..Factors::default()
        });
    }
    let model = CouncilModel::learn(&all);
    assert_eq!(model.councils.len(), 3);
    // The national rate is the population-weighted mean: close to 5 % (three councils differ).
    assert!(
        (model.national_pct - 5.0).abs() < 0.5,
        "{}",
        model.national_pct
    );
    let x: Vec<f64> = model.councils.iter().map(|c| c.1).collect();
    let mean = x.iter().sum::<f64>() / 3.0;
    let sxx: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    // y = ln 0.8 + ½·x' with x' the council's own ln(u/5): Sxy = ½·Σ(x−x̄)(x'−x̄').
    let xp = xs;
    let mean_p = xp.iter().sum::<f64>() / 3.0;
    let sxy: f64 = x
        .iter()
        .zip(xp)
        .map(|(a, b)| (a - mean) * 0.5 * (b - mean_p))
        .sum();
    let want = sxy / (sxx + 1.0);
    assert!(
        (model.elasticity[0] - want).abs() < 1e-5,
        "{} against {want}",
        model.elasticity[0]
    );
    assert!(model.elasticity[0] > 0.1 && model.elasticity[0] < 0.2);
    // Knobs the fits did not move: factor 1, no lean.
    assert_eq!((model.typical[8], model.elasticity[8]), (1.0, 0.0));
    // A council at twice the national rate, no fit of its own: the cap leans by 2^b.
    let layer = model.layer(Factors::default());
    let mut council = all[10].clone();
    council.reference.registered_unemployment_pct = Some(model.national_pct * 2.0);
    let f = layer.for_council(&council);
    let by_hand = (2f64.powf(model.elasticity[0]) * 1e6).round() / 1e6;
    assert_eq!(f.take_up_cap, by_hand);
    assert_eq!(f.housing_costs_level, 1.0);
}

// ---------------------------------------------------------------------------------------------
// The national calibration: factors for every council without a report of its own.

use slieksnis_engine::calibrate::{
    Basis, Caseload, Measure, National, NationalFigure, Unit, calibrate_national, national_layer,
    simulate_latvia,
};
use slieksnis_engine::profile::{Factors, NATIONAL_FIT, NationalLayer};

const NATIONAL_REPORT: &str = include_str!("../../populations/reported/latvia-2025.csv");

fn national() -> National {
    National::parse("latvia-2025.csv", NATIONAL_REPORT).expect("the shipped report parses")
}

fn figure(measure: Measure, unit: Unit, basis: Basis, value: i64) -> NationalFigure {
    NationalFigure {
        measure,
        unit,
        basis,
        value,
        source: String::new(),
    }
}

#[test]
fn the_national_report_is_read_as_written() {
    let n = national();
    assert_eq!(n.year, 2025);
    let read: Vec<_> = n
        .figures
        .iter()
        .map(|f| (f.measure, f.unit, f.basis, f.value))
        .collect();
    assert_eq!(
        read,
        [
            (Measure::Needy, Unit::Persons, Basis::Stock(8), 39_251),
            (Measure::LowIncome, Unit::Persons, Basis::Stock(8), 18_552),
            (
                Measure::Housing,
                Unit::Persons,
                Basis::Average(1, 8),
                33_432
            ),
        ]
    );
    assert!(n.figures[0].source.contains("end of August 2025"));
}

#[test]
fn a_bad_national_report_names_the_line() {
    let bad = |from: &str, to: &str| {
        let text = NATIONAL_REPORT.replacen(from, to, 1);
        assert_ne!(text, NATIONAL_REPORT, "{from}");
        National::parse("n.csv", &text).unwrap_err()
    };
    let e = bad("latvia,2025,needy", "riga,2025,needy");
    assert!(e.starts_with("n.csv:2:") && e.contains("'latvia'"), "{e}");
    let e = bad(",33432,,average 1..8", ",33432,,week");
    assert!(e.starts_with("n.csv:4:") && e.contains("week"), "{e}");
    let e = bad(",33432,,average 1..8", ",33432,,average 8..1");
    assert!(e.starts_with("n.csv:4:") && e.contains("8..1"), "{e}");
    let e = bad(",18552,,stock 8", ",18552,,stock 13");
    assert!(e.starts_with("n.csv:3:") && e.contains("stock 13"), "{e}");
    let e = bad(",,18552,", ",7400,18552,");
    assert!(
        e.starts_with("n.csv:3:") && e.contains("one of them"),
        "{e}"
    );
    let e = bad("housing_benefit,,33432", "crisis_benefit,,33432");
    assert!(
        e.starts_with("n.csv:4:") && e.contains("crisis_benefit"),
        "{e}"
    );
    let e = bad(",,39251,", ",,lots,");
    assert!(e.starts_with("n.csv:2:") && e.contains("lots"), "{e}");
    let e = bad(
        "low_income_status,,18552,,stock 8",
        "needy_status,,18552,,stock 8",
    );
    assert!(e.starts_with("n.csv:3:") && e.contains("twice"), "{e}");
}

/// A total row of the default policy's measures with these housing-benefit counts.
fn housing_row(households: i64, persons: i64) -> slieksnis_engine::summary::Row {
    use slieksnis_engine::summary::{Measures, Row};
    let policy = Policy::load(&policy::builtin()).unwrap();
    let measures = std::sync::Arc::new(Measures::of(&policy.schema));
    let mut row = Row::zero(&measures, "TOTAL");
    for (name, v) in [
        ("housing_households", households),
        ("housing_persons", persons),
    ] {
        let at = measures.names.iter().position(|n| n == name).unwrap();
        row.values[at] = v;
    }
    row
}

#[test]
fn a_monthly_figure_is_the_average_month_rounded_half_up() {
    // Winter months 201 persons in 140 households, summer months 100 in 70.
    let by_month = (0..12)
        .map(|m| {
            let winter = !(3..9).contains(&m);
            if winter {
                housing_row(140, 201)
            } else {
                housing_row(70, 100)
            }
        })
        .collect();
    let caseload = Caseload {
        year: housing_row(180, 260),
        by_month,
    };
    let persons = figure(Measure::Housing, Unit::Persons, Basis::Month, 1);
    // (6 × 201 + 6 × 100) / 12 = 150.5 → 151.
    assert_eq!(persons.simulated(&caseload), 151);
    let households = figure(Measure::Housing, Unit::Households, Basis::Month, 1);
    assert_eq!(households.simulated(&caseload), 105);
    let in_the_year = figure(Measure::Housing, Unit::Persons, Basis::Year, 1);
    assert_eq!(in_the_year.simulated(&caseload), 260);
    // April's stock (a summer month: m = 3), and the January–August average: (3 × 201 + 5 ×
    // 100) / 8 = 137.875 → 138.
    let april = figure(Measure::Housing, Unit::Persons, Basis::Stock(4), 1);
    assert_eq!(april.simulated(&caseload), 100);
    let jan_aug = figure(Measure::Housing, Unit::Persons, Basis::Average(1, 8), 1);
    assert_eq!(jan_aug.simulated(&caseload), 138);
}

#[test]
fn councils_without_their_own_fit_take_the_national_factors() {
    let profiles = Profiles::builtin();
    let national = profiles
        .national_fit()
        .unwrap()
        .expect("a national fit is shipped");
    let raw = profiles.uncalibrated("tukuma-novads").unwrap();
    // Tukums' factors: the national ones leaned by its (Kurzeme's) unemployment.
    let factors = national.for_council(&raw);
    let (national_pct, elasticity) = national
        .unemployment
        .expect("the layer learned from councils");
    let lean = (raw.reference.registered_unemployment_pct.unwrap() / national_pct).ln();
    let by_hand = national.factors.take_up_cap * (elasticity[0] * lean).exp();
    assert!((factors.take_up_cap - by_hand).abs() < 1e-6);
    assert!(!raw.calibrated && !raw.national_fit());
    // Factors of 1 change nothing.
    assert_eq!(Factors::default().apply(&raw), raw);

    let tukums = profiles.get("tukuma-novads").unwrap();
    assert!(!tukums.calibrated && tukums.national_fit());
    let mut want = factors.apply(&raw);
    want.files.push(NATIONAL_FIT.to_string());
    assert_eq!(tukums, want);
    // By hand: the take-up cap times its factor, at most 1, to six decimals.
    let by_hand = (raw.take_up.cap.other * factors.take_up_cap).min(1.0);
    assert_eq!(tukums.take_up.cap.other, (by_hand * 1e6).round() / 1e6);

    // A council with its own fit keeps it.
    let ogre = profiles.get("ogres-novads").unwrap();
    assert!(ogre.calibrated && !ogre.national_fit());
    assert!(!ogre.files.iter().any(|f| f == NATIONAL_FIT));
}

#[test]
fn a_bad_national_layer_names_the_file_and_field() {
    let with = |text: &str| {
        let mut p = Profiles::builtin();
        p.add_file(NATIONAL_FIT, text).unwrap();
        p.get("tukuma-novads").unwrap_err()
    };
    let e = with("[factors]\ntake_up_cap = -1\n");
    assert_eq!(e.file, NATIONAL_FIT);
    assert_eq!(e.field.as_deref(), Some("factors.take_up_cap"));
    let e = with("[factors]\ntake_up = 2\n");
    assert_eq!((e.file.as_str(), e.line), (NATIONAL_FIT, Some(2)));
    assert!(e.message.contains("take_up"), "{e}");
}

/// Two small councils stand in for Latvia, and the figures to reach are what they give with
/// known factors: the fit, starting from factors of 1, gets there.
#[test]
fn the_national_fit_converges() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let profiles = Profiles::builtin().without_national_fit();
    let base = ["valkas-novads", "saulkrastu-novads"].map(|s| profiles.get(s).unwrap());
    let truth = NationalLayer {
        factors: Factors {
            take_up_cap: 0.6,
            take_up_half: 1.5,
            ..Factors::default()
        },
        unemployment: None,
    };
    let caseload = simulate_latvia(&policy, &policy.parameters, &base, &truth, 2025, 2).unwrap();
    let needy = figure(
        Measure::Needy,
        Unit::Persons,
        Basis::Year,
        caseload.year.get("needy_persons").unwrap(),
    );
    let mut housing = figure(Measure::Housing, Unit::Persons, Basis::Month, 0);
    housing.value = housing.simulated(&caseload);
    let target = National {
        year: 2025,
        figures: vec![needy, housing],
    };
    let fit = calibrate_national(
        &policy,
        &policy.parameters,
        &base,
        &target,
        2,
        40,
        &|_, _| {},
    )
    .unwrap();
    let gap = |got: &[i64]| {
        got.iter()
            .zip(&target.figures)
            .map(|(&s, f)| ((s - f.value) as f64 / f.value as f64).abs())
            .fold(0.0, f64::max)
    };
    let (before, after) = (gap(&fit.uncalibrated), gap(&fit.simulated));
    assert!(before > 0.25, "the start is off: {before}");
    // Within 8 %: two small councils (some 90 persons paid housing benefit in a month), where a
    // few households move a figure by several percent and 40 simulations end the search.
    assert!(after < 0.08, "{before} → {after}: {:?}", fit.layer);

    // The layer it writes reads back to the same factors, and profiles read through it give
    // the same figures: what is written is what was fitted.
    let layer = national_layer(&fit, &target, 2, "test.csv");
    let mut with_layer = profiles.clone();
    with_layer.add_file(NATIONAL_FIT, layer).unwrap();
    assert_eq!(with_layer.national_fit().unwrap(), Some(fit.layer.clone()));
    let read_back = ["valkas-novads", "saulkrastu-novads"].map(|s| with_layer.get(s).unwrap());
    assert!(read_back.iter().all(|p| p.national_fit()));
    let caseload = simulate_latvia(
        &policy,
        &policy.parameters,
        &read_back,
        &NationalLayer {
            factors: Factors::default(),
            unemployment: None,
        },
        2025,
        2,
    )
    .unwrap();
    let again: Vec<i64> = target
        .figures
        .iter()
        .map(|f| f.simulated(&caseload))
        .collect();
    assert_eq!(again, fit.simulated);
}

/// The shipped national layer reproduces the national figures it was fitted to: a year of all
/// of Latvia, so only with SLIEKSNIS_SLOW=1 (about 2 s in a release build).
#[test]
fn the_national_baseline_is_within_five_percent_of_the_national_figures() {
    if std::env::var_os("SLIEKSNIS_SLOW").is_none() {
        return;
    }
    let policy = Policy::load(&policy::builtin()).unwrap();
    let profiles = Profiles::builtin();
    let all = profiles.all().unwrap();
    assert!(all.iter().all(|p| p.calibrated != p.national_fit()));
    let n = national();
    // The factors are in the profiles already: simulate with factors of 1 on top of nothing.
    let statistical = profiles.without_national_fit().all().unwrap();
    let national = profiles.national_fit().unwrap().unwrap();
    let caseload = simulate_latvia(
        &policy,
        &policy.parameters,
        &statistical,
        &national,
        n.year,
        1,
    )
    .unwrap();
    for f in &n.figures {
        let got = f.simulated(&caseload);
        let gap = (got - f.value) as f64 / f.value as f64;
        assert!(
            gap.abs() <= 0.05,
            "{}: reported {}, simulated {got}",
            f.label(),
            f.value
        );
    }
}
