//! Calibration: fitting a municipality's profile so that its baseline year reproduces the
//! caseload its council reported — households with needy and with low-income status, GMI
//! households and euros, housing-benefit households and euros.
//!
//! What is fitted, and why these (the rest of the profile comes from statistics and stays):
//! - **take-up** of each benefit (one factor per benefit on the profile's rates by household
//!   type): how many of the households that qualify apply — the counts;
//! - **the low-income tail**: the shares of households with next to no savings by income band,
//!   and how much more often households of 65+ have next to none (how many pass the asset test:
//!   the pool the take-up draws from), the share of working-age adults with no counted income
//!   (how large GMI amounts are), and the level of housing costs (how large housing benefits
//!   are);
//! - **the level of old-age pensions**, which decides how many pensioners live just below the
//!   housing-benefit line (the report's housing benefit goes mostly to pensioners);
//! - **the winter rise of housing costs** (heating), which decides how many households qualify
//!   for the housing benefit for part of the year;
//! - **churn**: the monthly rate of job loss, which decides how many households pass through
//!   assistance during a year against how many hold it at any time.
//!
//! The fit is Levenberg–Marquardt least squares on the logarithms of the gaps: each round measures
//! how every factor moves every figure (one simulation of the year per factor, with common
//! random numbers: the same seed), then takes a damped step. Simulations are integer
//! arithmetic; the fitting itself is floating point, rounded to six decimals in what it writes.

use std::sync::Arc;

use crate::annual::{Behaviour, project};
use crate::fixed::{self, CENT};
use crate::generate::generate;
use crate::parameters::ParameterSet;
use crate::profile::{Profile, TakeUpRates};
use crate::script::Rules;
use crate::simulate::SimulationError;
use crate::summary::{Row, summarize};

/// A council's reported caseload for a year (what calibration aims at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub year: i32,
    pub needy_households: i64,
    pub low_income_households: i64,
    pub gmi_households: i64,
    pub gmi_cents: i64,
    pub housing_households: i64,
    pub housing_cents: i64,
}

/// The measures of a caseload file that calibration uses (`needy_status`, …), with the columns
/// they need.
const MEASURES: [(&str, bool); 4] = [
    ("needy_status", false),
    ("low_income_status", false),
    ("gmi_benefit", true),
    ("housing_benefit", true),
];

impl Reported {
    /// Parses a caseload CSV (`municipality,year,measure,households,persons,eur`, one row per
    /// measure, as `populations/reported/ogre-2025-caseload.csv`). Other measures are ignored;
    /// errors name the line and column.
    pub fn parse(origin: &str, text: &str) -> Result<Reported, String> {
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| format!("{origin}: {e}"))?
            .clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .ok_or_else(|| format!("{origin}:1: no '{name}' column"))
        };
        let (year_c, measure_c) = (column("year")?, column("measure")?);
        let (households_c, eur_c) = (column("households")?, column("eur")?);
        let mut year = None;
        let mut found: [Option<(i64, i64)>; 4] = [None; 4];
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = record.map_err(|e| format!("{origin}:{line}: {e}"))?;
            let field = |c: usize| record.get(c).unwrap_or("").trim();
            let Some(k) = MEASURES.iter().position(|(m, _)| *m == field(measure_c)) else {
                continue;
            };
            let y: i32 = field(year_c)
                .parse()
                .map_err(|_| format!("{origin}:{line}: year '{}' is not a year", field(year_c)))?;
            if *year.get_or_insert(y) != y {
                return Err(format!("{origin}:{line}: a second year ({y}) in one file"));
            }
            let households = fixed::parse_int(field(households_c).as_bytes())
                .ok()
                .filter(|h| *h >= 0)
                .ok_or_else(|| {
                    format!(
                        "{origin}:{line}: households '{}' is not a count",
                        field(households_c)
                    )
                })?;
            let cents = if MEASURES[k].1 {
                fixed::parse(field(eur_c).as_bytes(), 2)
                    .map_err(|e| format!("{origin}:{line}: eur '{}' {e}", field(eur_c)))?
                    / CENT
            } else {
                0
            };
            found[k] = Some((households, cents));
        }
        let get =
            |k: usize| found[k].ok_or_else(|| format!("{origin}: no '{}' row", MEASURES[k].0));
        let (needy, low, gmi, housing) = (get(0)?, get(1)?, get(2)?, get(3)?);
        Ok(Reported {
            year: year.ok_or_else(|| format!("{origin}: no rows"))?,
            needy_households: needy.0,
            low_income_households: low.0,
            gmi_households: gmi.0,
            gmi_cents: gmi.1,
            housing_households: housing.0,
            housing_cents: housing.1,
        })
    }

    /// The six figures, with their names, reported against `simulated`.
    pub fn against(&self, simulated: &Row) -> [(&'static str, i64, i64, bool); 6] {
        [
            (
                "needy households",
                self.needy_households,
                simulated.needy_households,
                false,
            ),
            (
                "low-income households",
                self.low_income_households,
                simulated.low_income_households,
                false,
            ),
            (
                "GMI households",
                self.gmi_households,
                simulated.gmi_households,
                false,
            ),
            ("GMI EUR", self.gmi_cents, simulated.gmi_cents, true),
            (
                "housing-benefit households",
                self.housing_households,
                simulated.housing_households,
                false,
            ),
            (
                "housing benefit EUR",
                self.housing_cents,
                simulated.housing_cents,
                true,
            ),
        ]
    }

    /// The largest relative gap between a reported figure and its simulation.
    pub fn worst_gap(&self, simulated: &Row) -> f64 {
        self.against(simulated)
            .iter()
            .map(|(_, r, s, _)| ((*s as f64 - *r as f64) / (*r as f64).max(1.0)).abs())
            .fold(0.0, f64::max)
    }
}

/// What calibration adjusts, as factors on the profile's own values: take-up of gmi,
/// needy_status, low_income_status, housing_benefit; the share with next to no savings in the
/// three lowest income bands and how much more often households of 65+ have next to none; the
/// share of working-age adults with no counted income; the level of housing costs; the monthly
/// rate of job loss (how much incomes churn during the year); the level of old-age pensions (how
/// many pensioners live just below the housing-benefit line); how much housing costs rise in
/// winter (how many households pass through the housing benefit in a year).
const KNOBS: usize = 13;

fn apply(knobs: &[f64; KNOBS], base: &Profile) -> Profile {
    let mut p = base.clone();
    let share = |v: &mut f64, f: f64| *v = round6((*v * f).clamp(0.0, 1.0));
    let scale = |r: &mut TakeUpRates, f: f64| {
        for v in [&mut r.pensioners, &mut r.with_children, &mut r.other] {
            share(v, f);
        }
    };
    scale(&mut p.take_up.gmi, knobs[0]);
    scale(&mut p.take_up.needy_status, knobs[1]);
    scale(&mut p.take_up.low_income_status, knobs[2]);
    scale(&mut p.take_up.housing_benefit, knobs[3]);
    let bands = &mut p.low_income_tail.savings_near_zero;
    share(&mut bands.below_half_minimum_wage, knobs[4]);
    share(&mut bands.below_minimum_wage, knobs[5]);
    share(&mut bands.below_twice_minimum_wage, knobs[6]);
    share(&mut p.low_income_tail.zero_income_share, knobs[7]);
    p.housing_costs.level =
        round6((p.housing_costs.level * knobs[8].clamp(0.4, 1.5)).clamp(0.01, 5.0));
    let older = &mut p.low_income_tail.savings_near_zero_factor_65_plus;
    *older = round6((*older * knobs[9]).clamp(0.1, 10.0));
    let churn = &mut p.income_changes.job_loss_per_month;
    *churn = round6((*churn * knobs[10]).clamp(0.0, 0.05));
    p.pensions.level = round6((p.pensions.level * knobs[11].clamp(0.8, 1.2)).clamp(0.01, 5.0));
    // The winter/summer contrast, scaled about the yearly average (which stays 1); no month
    // below a twentieth of the average.
    let months = &mut p.housing_costs.by_month;
    let lowest = months.iter().copied().fold(f64::MAX, f64::min);
    let most = if lowest < 1.0 {
        0.95 / (1.0 - lowest)
    } else {
        1.0
    };
    let contrast = knobs[12].min(2.5).min(most);
    for f in months.iter_mut() {
        *f = round6(1.0 + (*f - 1.0) * contrast);
    }
    p.calibrated = true;
    p
}

/// Six decimals: what the calibrated layer writes, so the profile read back is the one fitted.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The result of a calibration.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The fitted profile (`calibrated = true`).
    pub profile: Profile,
    /// The simulated baseline year with it (the municipality's row).
    pub simulated: Row,
    /// Steps that improved the fit.
    pub rounds: usize,
}

/// Simulates `profile`'s municipality for `year`: generated households, the profile's
/// behaviour, the baseline rules.
pub fn simulate_year(
    rules: &Rules,
    parameters: &ParameterSet,
    profile: &Profile,
    year: i32,
    seed: u64,
) -> Result<Row, SimulationError> {
    let population = Arc::new(generate(&[profile], year, seed));
    let behaviour = Behaviour::from_profiles(&[profile], year, seed);
    let annual = project(rules, parameters, &population, year, &behaviour, &|_| {})?;
    Ok(summarize(&population, &annual.outcome).total)
}

/// Fits `base` to `reported` with at most `budget` simulated years, stopping once every figure
/// is within 2 %, and keeps the best simulation seen. First Levenberg–Marquardt on the
/// logarithms of the factors (each round: the effect of each factor, measured by simulating
/// with it 15 % higher, then a damped least-squares step), while it improves; then a pattern
/// search on the largest gap itself (each factor up and down by a step that halves when no
/// move helps), because the aim is every figure within a tolerance and the simulated figures
/// move in steps of whole households. `progress(simulations, worst gap)` as it goes.
pub fn calibrate(
    rules: &Rules,
    parameters: &ParameterSet,
    base: &Profile,
    reported: &Reported,
    seed: u64,
    budget: usize,
    progress: &dyn Fn(usize, f64),
) -> Result<Fit, SimulationError> {
    let used = std::cell::Cell::new(0usize);
    let targets = reported.against(&Row::default()).map(|(_, r, _, _)| r);
    // Residuals: signed squares of the log gaps, so that least squares weighs the largest gap
    // most (the aim is every figure within a tolerance, not a small average).
    let gaps = |row: &Row| -> [f64; 6] {
        let sim = reported.against(row);
        std::array::from_fn(|i| {
            let g = ((sim[i].2.max(1)) as f64 / targets[i].max(1) as f64).ln();
            g * g.abs()
        })
    };
    let cost = |g: &[f64; 6]| g.iter().map(|x| x * x).sum::<f64>();
    let run = |x: &[f64; KNOBS]| -> Result<(Profile, Row), SimulationError> {
        used.set(used.get() + 1);
        let profile = apply(&x.map(f64::exp), base);
        let row = simulate_year(rules, parameters, &profile, reported.year, seed)?;
        Ok((profile, row))
    };
    let mut x = [0.0f64; KNOBS];
    let (profile, row) = run(&x)?;
    let mut g = gaps(&row);
    let mut best = Fit {
        profile,
        simulated: row,
        rounds: 0,
    };
    let mut best_x = x;
    let mut lambda = 1.0;
    const STEP: f64 = 0.15;
    const GOOD: f64 = 0.02;
    for round in 1.. {
        if reported.worst_gap(&best.simulated) < GOOD || used.get() + KNOBS + 6 > budget {
            break;
        }
        // The effect of each factor on each log gap.
        let mut jacobian = [[0.0f64; KNOBS]; 6];
        for k in 0..KNOBS {
            let mut probe = x;
            probe[k] += STEP;
            let (_, row) = run(&probe)?;
            let moved = gaps(&row);
            for i in 0..6 {
                jacobian[i][k] = (moved[i] - g[i]) / STEP;
            }
        }
        // Damped normal equations: (JᵀJ + λ·diag(JᵀJ) + 10⁻⁶) δ = −Jᵀg; retry with more
        // damping until the step helps (or give up on this round).
        let mut improved = false;
        for _ in 0..6 {
            let mut a = [[0.0f64; KNOBS]; KNOBS];
            let mut rhs = [0.0f64; KNOBS];
            for r in 0..KNOBS {
                for c in 0..KNOBS {
                    a[r][c] = (0..6).map(|i| jacobian[i][r] * jacobian[i][c]).sum();
                }
                rhs[r] = -(0..6).map(|i| jacobian[i][r] * g[i]).sum::<f64>();
            }
            for (d, row) in a.iter_mut().enumerate() {
                row[d] += lambda * row[d] + 1e-6;
            }
            let step = solve(a, rhs).map(|d| d.clamp(-1.0, 1.0));
            let mut trial = x;
            for k in 0..KNOBS {
                trial[k] = (trial[k] + step[k]).clamp(-4.0, 4.0);
            }
            let (profile, row) = run(&trial)?;
            let tg = gaps(&row);
            if cost(&tg) < cost(&g) {
                x = trial;
                g = tg;
                lambda = (lambda / 3.0).max(1e-3);
                if reported.worst_gap(&row) < reported.worst_gap(&best.simulated) {
                    best_x = x;
                    best = Fit {
                        profile,
                        simulated: row,
                        rounds: round,
                    };
                }
                improved = true;
                break;
            }
            lambda *= 4.0;
        }
        progress(used.get(), reported.worst_gap(&best.simulated));
        if !improved {
            break;
        }
    }
    // Pattern search from the best point.
    let mut x = best_x;
    let mut worst = reported.worst_gap(&best.simulated);
    let mut step = 0.2;
    'search: while step > 0.005 && worst >= GOOD {
        let mut moved = false;
        for k in 0..KNOBS {
            for direction in [1.0, -1.0] {
                if used.get() >= budget {
                    break 'search;
                }
                let mut trial = x;
                trial[k] = (trial[k] + direction * step).clamp(-4.0, 4.0);
                let (profile, row) = run(&trial)?;
                let w = reported.worst_gap(&row);
                if w < worst {
                    (x, worst, moved) = (trial, w, true);
                    best = Fit {
                        profile,
                        simulated: row,
                        rounds: best.rounds + 1,
                    };
                    progress(used.get(), worst);
                    break;
                }
            }
        }
        if !moved {
            step /= 2.0;
        }
    }
    Ok(best)
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; a singular direction gets 0.
fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> [f64; N] {
    for col in 0..N {
        let pivot = (col..N)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        if a[col][col].abs() < 1e-12 {
            continue;
        }
        for r in col + 1..N {
            let f = a[r][col] / a[col][col];
            let pivot_row = a[col];
            for (x, p) in a[r][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = [0.0; N];
    for r in (0..N).rev() {
        if a[r][r].abs() < 1e-12 {
            continue;
        }
        let s: f64 = (r + 1..N).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x
}

/// The calibration layer of a fit (`populations/profiles/calibrated/<slug>.toml`): the fitted
/// values, with reported and simulated figures in the comments.
pub fn layer(fit: &Fit, reported: &Reported, seed: u64, source: &str) -> String {
    let p = &fit.profile;
    let rates = |r: &TakeUpRates| {
        format!(
            "{{ pensioners = {}, with_children = {}, other = {} }}",
            r.pensioners, r.with_children, r.other
        )
    };
    let b = &p.low_income_tail.savings_near_zero;
    let mut out = format!(
        "# {name} — calibration layer, written by `slieksnis calibrate`; do not edit by hand,\n\
         # run it again. It replaces only the values below; everything else comes from\n\
         # municipalities/{slug}.toml and the layers under it.\n\
         #\n\
         # Fitted to {source} ({year}), seed {seed}, in {rounds} improving steps:\n\
         #   {:<28} {:>14} {:>14} {:>8}\n",
        "",
        "reported",
        "simulated",
        "gap",
        name = p.name,
        slug = p.slug,
        year = reported.year,
        rounds = fit.rounds,
    );
    for (what, r, s, eur) in reported.against(&fit.simulated) {
        let show = |v: i64| {
            if eur {
                fixed::format_cents_i128(v as i128)
            } else {
                v.to_string()
            }
        };
        out.push_str(&format!(
            "#   {what:<28} {:>14} {:>14} {:>+7.1}%\n",
            show(r),
            show(s),
            (s as f64 - r as f64) / (r as f64).max(1.0) * 100.0
        ));
    }
    out.push_str(&format!(
        "\ncalibrated = true\n\n\
         [take_up]\n\
         gmi = {}\n\
         needy_status = {}\n\
         low_income_status = {}\n\
         housing_benefit = {}\n\n\
         [low_income_tail]\n\
         zero_income_share = {}\n\
         savings_near_zero = {{ below_half_minimum_wage = {}, below_minimum_wage = {}, below_twice_minimum_wage = {}, above = {} }}\n\
         savings_near_zero_factor_65_plus = {}\n\n\
         [housing_costs]\n\
         level = {}\n\
         by_month = {{ {} }}\n\n\
         [income_changes]\n\
         job_loss_per_month = {}\n\n\
         [pensions]\n\
         level = {}\n",
        rates(&p.take_up.gmi),
        rates(&p.take_up.needy_status),
        rates(&p.take_up.low_income_status),
        rates(&p.take_up.housing_benefit),
        p.low_income_tail.zero_income_share,
        b.below_half_minimum_wage,
        b.below_minimum_wage,
        b.below_twice_minimum_wage,
        b.above,
        p.low_income_tail.savings_near_zero_factor_65_plus,
        p.housing_costs.level,
        p.housing_costs
            .by_month
            .iter()
            .enumerate()
            .map(|(m, f)| format!("{} = {f}", m + 1))
            .collect::<Vec<_>>()
            .join(", "),
        p.income_changes.job_loss_per_month,
        p.pensions.level,
    ));
    out
}
