//! Calibration: fitting a municipality's profile so that its baseline year reproduces the
//! caseload its council reported — households with needy and with low-income status, GMI
//! households and euros, housing-benefit households and euros. For the councils without a
//! report, the national calibration fits one set of [`Factors`] that all their profiles share,
//! so that all of Latvia reproduces the national caseload ([`calibrate_national`]).
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

use crate::annual::Behaviour;
use crate::fixed::{self, CENT};
use crate::generate::generate;
use crate::parameters::ParameterSet;
use crate::policy::Policy;
use crate::population::Population;
use crate::profile::{Factors, Profile, TakeUpRates, round6};
use crate::run::{Configuration, Horizon, Results, run};
use crate::simulate::{DEFAULT_CHUNK, SimulationError};
use crate::summary::Row;

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

/// A caseload CSV's reader and header row.
fn open_csv<'a>(
    origin: &str,
    text: &'a str,
) -> Result<(csv::Reader<&'a [u8]>, csv::StringRecord), String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("{origin}: {e}"))?
        .clone();
    Ok((reader, headers))
}

/// The position of column `name`, or an error naming the file's header line.
fn column(origin: &str, headers: &csv::StringRecord, name: &str) -> Result<usize, String> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| format!("{origin}:1: no '{name}' column"))
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
        let (mut reader, headers) = open_csv(origin, text)?;
        let column = |name: &str| column(origin, &headers, name);
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

    /// The six figures: name, summary measure, reported, in euros.
    fn figures(&self) -> [(&'static str, &'static str, i64, bool); 6] {
        [
            (
                "needy households",
                "needy_households",
                self.needy_households,
                false,
            ),
            (
                "low-income households",
                "low_income_households",
                self.low_income_households,
                false,
            ),
            (
                "GMI households",
                "gmi_households",
                self.gmi_households,
                false,
            ),
            ("GMI EUR", "gmi_eur", self.gmi_cents, true),
            (
                "housing-benefit households",
                "housing_households",
                self.housing_households,
                false,
            ),
            (
                "housing benefit EUR",
                "housing_eur",
                self.housing_cents,
                true,
            ),
        ]
    }

    /// The reported figures, in the order of [`Reported::against`].
    pub fn targets(&self) -> Vec<i64> {
        self.figures().iter().map(|f| f.2).collect()
    }

    /// The six figures, with their names, reported against `simulated` (0 where the policy has
    /// no such measure).
    pub fn against(&self, simulated: &Row) -> [(&'static str, i64, i64, bool); 6] {
        self.figures()
            .map(|(name, measure, r, eur)| (name, r, simulated.get(measure).unwrap_or(0), eur))
    }

    /// The largest relative gap between a reported figure and its simulation.
    pub fn worst_gap(&self, simulated: &Row) -> f64 {
        self.against(simulated)
            .iter()
            .map(|(_, r, s, _)| ((*s as f64 - *r as f64) / (*r as f64).max(1.0)).abs())
            .fold(0.0, f64::max)
    }
}

/// What calibration adjusts: the [`Factors`] on the profile's own values, searched as their
/// logarithms (so a factor of 2 and one of ½ are the same distance from 1).
const KNOBS: usize = Factors::COUNT;

fn factors(x: &[f64; KNOBS]) -> Factors {
    Factors::from_array(x.map(f64::exp))
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
    /// The figures of the profile before the fit (every factor 1), in the order of
    /// [`Reported::against`].
    pub uncalibrated: Vec<i64>,
}

/// Simulates `profile`'s municipality for `year`: generated households, the profile's
/// behaviour, the baseline rules.
pub fn simulate_year(
    policy: &Policy,
    parameters: &ParameterSet,
    profile: &Profile,
    year: i32,
    seed: u64,
) -> Result<Row, SimulationError> {
    Ok(
        project_profiles(policy, parameters, &[profile], year, seed)?
            .1
            .summary
            .total,
    )
}

/// A year of the households generated from `profiles`, with the profiles' behaviour and the
/// baseline rules: the population and the run's results.
pub fn project_profiles(
    policy: &Policy,
    parameters: &ParameterSet,
    profiles: &[&Profile],
    year: i32,
    seed: u64,
) -> Result<(Arc<Population>, Results), SimulationError> {
    let population = Arc::new(generate(profiles, year, seed));
    let behaviour = Behaviour::from_profiles(profiles, year, seed);
    let results = run(
        &Configuration {
            policy,
            rules: None,
            parameters,
            population: &population,
            horizon: Horizon::Year(year),
            behaviour: &behaviour,
            chunk_size: DEFAULT_CHUNK,
        },
        &|_| {},
    )?;
    Ok((population, results))
}

/// Fits `base` to `reported` with at most `budget` simulated years, stopping once every figure
/// is within 2 %, and keeps the best simulation seen (see [`search`]). `progress(simulations,
/// worst gap)` as it goes.
pub fn calibrate(
    policy: &Policy,
    parameters: &ParameterSet,
    base: &Profile,
    reported: &Reported,
    seed: u64,
    budget: usize,
    progress: &dyn Fn(usize, f64),
) -> Result<Fit, SimulationError> {
    let targets = reported.targets();
    let (found, start) = search(
        &targets,
        &(0..KNOBS).collect::<Vec<_>>(),
        budget,
        &mut |x| {
            let mut profile = factors(x).apply(base);
            profile.calibrated = true;
            let row = simulate_year(policy, parameters, &profile, reported.year, seed)?;
            let figures = reported.against(&row).map(|(_, _, s, _)| s).to_vec();
            Ok((figures, (profile, row)))
        },
        progress,
    )?;
    let (profile, simulated) = found.best;
    Ok(Fit {
        profile,
        simulated,
        rounds: found.rounds,
        uncalibrated: start,
    })
}

/// What [`search`] found: the best simulation's output and figures, and how many steps improved.
struct Found<T> {
    best: T,
    figures: Vec<i64>,
    rounds: usize,
}

/// One simulation for a search: the figures for knobs `x`, and what to keep if they are the
/// best.
type Simulate<'a, T> = dyn FnMut(&[f64; KNOBS]) -> Result<(Vec<i64>, T), SimulationError> + 'a;

/// The largest relative gap between `figures` and `targets`.
fn worst_gap(targets: &[i64], figures: &[i64]) -> f64 {
    targets
        .iter()
        .zip(figures)
        .map(|(&r, &s)| ((s as f64 - r as f64) / (r as f64).max(1.0)).abs())
        .fold(0.0, f64::max)
}

/// Searches the knobs in `active` (the others stay at factor 1) so that `simulate`'s figures
/// come close to `targets`, with at most `budget` simulations, and keeps the best seen. Returns
/// it with the figures it started from (every factor 1).
///
/// First Levenberg–Marquardt on the logarithms of the factors (each round: the effect of each
/// factor, measured by simulating with it 15 % higher, then a damped least-squares step), while
/// it improves; then a pattern search on the largest gap itself (each factor up and down by a
/// step that halves when no move helps), because the aim is every figure within a tolerance
/// and the simulated figures move in steps of whole households. It stops once every figure is
/// within 2 %.
fn search<T>(
    targets: &[i64],
    active: &[usize],
    budget: usize,
    simulate: &mut Simulate<T>,
    progress: &dyn Fn(usize, f64),
) -> Result<(Found<T>, Vec<i64>), SimulationError> {
    let mut used = 0usize;
    let mut run = |x: &[f64; KNOBS]| {
        used += 1;
        simulate(x).map(|r| (r, used))
    };
    // Residuals: signed squares of the log gaps, so that least squares weighs the largest gap
    // most (the aim is every figure within a tolerance, not a small average).
    let gaps = |figures: &[i64]| -> Vec<f64> {
        targets
            .iter()
            .zip(figures)
            .map(|(&r, &s)| {
                let g = (s.max(1) as f64 / r.max(1) as f64).ln();
                g * g.abs()
            })
            .collect()
    };
    let cost = |g: &[f64]| g.iter().map(|x| x * x).sum::<f64>();
    let (m, k) = (targets.len(), active.len());
    let mut x = [0.0f64; KNOBS];
    let ((figures, output), mut used_now) = run(&x)?;
    let mut g = gaps(&figures);
    let start = figures.clone();
    let mut best = Found {
        best: output,
        figures,
        rounds: 0,
    };
    let mut best_x = x;
    let mut lambda = 1.0;
    const STEP: f64 = 0.15;
    const GOOD: f64 = 0.02;
    for round in 1.. {
        if worst_gap(targets, &best.figures) < GOOD || used_now + k + 6 > budget {
            break;
        }
        // The effect of each active factor on each log gap.
        let mut jacobian = vec![vec![0.0f64; k]; m];
        for (j, &knob) in active.iter().enumerate() {
            let mut probe = x;
            probe[knob] += STEP;
            let ((figures, _), n) = run(&probe)?;
            used_now = n;
            let moved = gaps(&figures);
            for i in 0..m {
                jacobian[i][j] = (moved[i] - g[i]) / STEP;
            }
        }
        // Damped normal equations: (JᵀJ + λ·diag(JᵀJ) + 10⁻⁶) δ = −Jᵀg; retry with more
        // damping until the step helps (or give up on this round).
        let mut improved = false;
        for _ in 0..6 {
            let mut a = vec![vec![0.0f64; k]; k];
            let mut rhs = vec![0.0f64; k];
            for r in 0..k {
                for c in 0..k {
                    a[r][c] = (0..m).map(|i| jacobian[i][r] * jacobian[i][c]).sum();
                }
                rhs[r] = -(0..m).map(|i| jacobian[i][r] * g[i]).sum::<f64>();
            }
            for (d, row) in a.iter_mut().enumerate() {
                row[d] += lambda * row[d] + 1e-6;
            }
            let step = solve(a, rhs);
            let mut trial = x;
            for (j, &knob) in active.iter().enumerate() {
                trial[knob] = (trial[knob] + step[j].clamp(-1.0, 1.0)).clamp(-4.0, 4.0);
            }
            let ((figures, output), n) = run(&trial)?;
            used_now = n;
            let tg = gaps(&figures);
            if cost(&tg) < cost(&g) {
                x = trial;
                g = tg;
                lambda = (lambda / 3.0).max(1e-3);
                if worst_gap(targets, &figures) < worst_gap(targets, &best.figures) {
                    best_x = x;
                    best = Found {
                        best: output,
                        figures,
                        rounds: round,
                    };
                }
                improved = true;
                break;
            }
            lambda *= 4.0;
        }
        progress(used_now, worst_gap(targets, &best.figures));
        if !improved {
            break;
        }
    }
    // Pattern search from the best point.
    let mut x = best_x;
    let mut worst = worst_gap(targets, &best.figures);
    let mut step = 0.2;
    'search: while step > 0.005 && worst >= GOOD {
        let mut moved = false;
        for &knob in active {
            for direction in [1.0, -1.0] {
                if used_now >= budget {
                    break 'search;
                }
                let mut trial = x;
                trial[knob] = (trial[knob] + direction * step).clamp(-4.0, 4.0);
                let ((figures, output), n) = run(&trial)?;
                used_now = n;
                let w = worst_gap(targets, &figures);
                if w < worst {
                    (x, worst, moved) = (trial, w, true);
                    best = Found {
                        best: output,
                        figures,
                        rounds: best.rounds + 1,
                    };
                    progress(used_now, worst);
                    break;
                }
            }
        }
        if !moved {
            step /= 2.0;
        }
    }
    Ok((best, start))
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; a singular direction gets 0.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        if a[col][col].abs() < 1e-12 {
            continue;
        }
        for r in col + 1..n {
            let f = a[r][col] / a[col][col];
            let pivot_row = a[col].clone();
            for (x, p) in a[r][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        if a[r][r].abs() < 1e-12 {
            continue;
        }
        let s: f64 = (r + 1..n).map(|c| a[r][c] * x[c]).sum();
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
         cap = {}\n\
         half_eur = {}\n\
         status_value_eur = {{ {} }}\n\n\
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
        rates(&p.take_up.cap),
        rates(&p.take_up.half_eur),
        p.take_up
            .status_value_eur
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
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

// ---------------------------------------------------------------------------------------------
// The national calibration: what calibration learns for the councils without a report.

/// What a national figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Needy,
    LowIncome,
    Gmi,
    Housing,
}

/// Households or persons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Households,
    Persons,
}

/// Over which time a figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Received at least once during the year (what annual reports count).
    Year,
    /// Received in a month, averaged over the twelve months (monthly statistics).
    Month,
    /// Holding it, or paid, at the end of a month (1–12): a month-end stock, as the national
    /// statistics count statuses.
    Stock(u8),
    /// The month-end stocks of months `first..=last`, averaged ("on average a month in
    /// January–August").
    Average(u8, u8),
}

/// One reported national figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalFigure {
    pub measure: Measure,
    pub unit: Unit,
    pub basis: Basis,
    pub value: i64,
    /// The row's `source` column.
    pub source: String,
}

impl NationalFigure {
    /// "needy persons, during the year".
    pub fn label(&self) -> String {
        let what = match self.measure {
            Measure::Needy => "needy",
            Measure::LowIncome => "low-income",
            Measure::Gmi => "GMI",
            Measure::Housing => "housing-benefit",
        };
        let unit = match self.unit {
            Unit::Households => "households",
            Unit::Persons => "persons",
        };
        let basis = match self.basis {
            Basis::Year => "during the year".to_string(),
            Basis::Month => "a month".to_string(),
            Basis::Stock(m) => format!("at the end of month {m}"),
            Basis::Average(a, b) => format!("a month, months {a}–{b}"),
        };
        format!("{what} {unit}, {basis}")
    }

    /// This figure in a simulated year: its counts over the year and by month.
    pub fn simulated(&self, caseload: &Caseload) -> i64 {
        let name = format!(
            "{}_{}",
            match self.measure {
                Measure::Needy => "needy",
                Measure::LowIncome => "low_income",
                Measure::Gmi => "gmi",
                Measure::Housing => "housing",
            },
            match self.unit {
                Unit::Households => "households",
                Unit::Persons => "persons",
            }
        );
        let pick = |row: &Row| row.get(&name).unwrap_or(0);
        match self.basis {
            Basis::Year => pick(&caseload.year),
            // The average month, rounded half up to a whole count.
            Basis::Month => (caseload.by_month.iter().map(pick).sum::<i64>() + 6) / 12,
            Basis::Stock(m) => caseload.by_month.get(m as usize - 1).map_or(0, pick),
            // The average month, rounded half up to a whole count.
            Basis::Average(a, b) => {
                let n = i64::from(b - a) + 1;
                let sum: i64 = caseload.by_month[a as usize - 1..b as usize]
                    .iter()
                    .map(pick)
                    .sum();
                (sum + n / 2) / n
            }
        }
    }
}

/// A simulated year's caseload: who received what during the year, and in each month (the
/// total rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caseload {
    pub year: Row,
    pub by_month: Vec<Row>,
}

/// A national caseload for a year (what the national calibration aims at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct National {
    pub year: i32,
    pub figures: Vec<NationalFigure>,
}

impl National {
    /// Parses a national caseload CSV: `municipality,year,measure,households,persons,eur,basis,
    /// source` with `municipality` = `latvia`, `measure` one of `needy_status`,
    /// `low_income_status`, `gmi_benefit`, `housing_benefit`, a count in exactly one of
    /// `households` and `persons`, and `basis` `year` or `month` (as
    /// `populations/reported/latvia-2025.csv`). Errors name the line and column.
    pub fn parse(origin: &str, text: &str) -> Result<National, String> {
        let (mut reader, headers) = open_csv(origin, text)?;
        let column = |name: &str| column(origin, &headers, name);
        let (where_c, year_c, measure_c) =
            (column("municipality")?, column("year")?, column("measure")?);
        let (households_c, persons_c, basis_c) =
            (column("households")?, column("persons")?, column("basis")?);
        let source_c = headers.iter().position(|h| h.trim() == "source");
        let mut year = None;
        let mut figures = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = record.map_err(|e| format!("{origin}:{line}: {e}"))?;
            let field = |c: usize| record.get(c).unwrap_or("").trim();
            if field(where_c) != "latvia" {
                return Err(format!(
                    "{origin}:{line}: municipality '{}': a national caseload is for 'latvia'",
                    field(where_c)
                ));
            }
            let measure = match field(measure_c) {
                "needy_status" => Measure::Needy,
                "low_income_status" => Measure::LowIncome,
                "gmi_benefit" => Measure::Gmi,
                "housing_benefit" => Measure::Housing,
                other => {
                    return Err(format!(
                        "{origin}:{line}: measure '{other}' is not one of needy_status, \
                         low_income_status, gmi_benefit, housing_benefit"
                    ));
                }
            };
            let y: i32 = field(year_c)
                .parse()
                .map_err(|_| format!("{origin}:{line}: year '{}' is not a year", field(year_c)))?;
            if *year.get_or_insert(y) != y {
                return Err(format!("{origin}:{line}: a second year ({y}) in one file"));
            }
            let (unit, count) = match (field(households_c), field(persons_c)) {
                (h, "") if !h.is_empty() => (Unit::Households, h),
                ("", p) if !p.is_empty() => (Unit::Persons, p),
                _ => {
                    return Err(format!(
                        "{origin}:{line}: give the count in households or in persons (one of them)"
                    ));
                }
            };
            let value = fixed::parse_int(count.as_bytes())
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| format!("{origin}:{line}: '{count}' is not a count"))?;
            let month = |t: &str| t.parse::<u8>().ok().filter(|m| (1..=12).contains(m));
            let basis = match field(basis_c) {
                "year" => Some(Basis::Year),
                "month" => Some(Basis::Month),
                b => match b.split_once(' ') {
                    Some(("stock", m)) => month(m).map(Basis::Stock),
                    Some(("average", range)) => range.split_once("..").and_then(|(a, b)| {
                        let (a, b) = (month(a)?, month(b)?);
                        (a <= b).then_some(Basis::Average(a, b))
                    }),
                    _ => None,
                },
            };
            let Some(basis) = basis else {
                return Err(format!(
                    "{origin}:{line}: basis '{}' is not 'year' (received during the year), \
                     'month' (received in an average month), 'stock M' (at the end of month M) \
                     or 'average M..N' (the month-end stocks of months M to N, averaged)",
                    field(basis_c)
                ));
            };
            if figures
                .iter()
                .any(|f: &NationalFigure| (f.measure, f.unit, f.basis) == (measure, unit, basis))
            {
                return Err(format!("{origin}:{line}: the same figure twice"));
            }
            figures.push(NationalFigure {
                measure,
                unit,
                basis,
                value,
                source: source_c.map(field).unwrap_or("").to_string(),
            });
        }
        Ok(National {
            year: year.ok_or_else(|| format!("{origin}: no rows"))?,
            figures,
        })
    }

    fn targets(&self) -> Vec<i64> {
        self.figures.iter().map(|f| f.value).collect()
    }
}

/// The knobs the national calibration moves: take-up, the savings of the low-income tail and
/// of 65+, the level of housing costs and of pensions. Churn, the zero-income share and the
/// winter contrast stay: national figures of three or four counts cannot tell them apart.
pub const NATIONAL_KNOBS: [usize; 10] = [0, 1, 2, 3, 4, 5, 6, 8, 9, 11];

/// The result of a national calibration.
#[derive(Debug, Clone)]
pub struct NationalFit {
    pub factors: Factors,
    /// The simulated figures with the fitted factors, in the order of the report's figures.
    pub simulated: Vec<i64>,
    /// The simulated figures from statistics alone (every factor 1).
    pub uncalibrated: Vec<i64>,
    pub rounds: usize,
}

/// All of Latvia in `year` with the national factors `factors` applied to every profile that
/// has no calibration of its own (`calibrated = false`); councils with their own fit keep it.
pub fn simulate_latvia(
    policy: &Policy,
    parameters: &ParameterSet,
    profiles: &[Profile],
    factors: &Factors,
    year: i32,
    seed: u64,
) -> Result<Caseload, SimulationError> {
    let scaled: Vec<Profile> = profiles
        .iter()
        .map(|p| {
            if p.calibrated {
                p.clone()
            } else {
                factors.apply(p)
            }
        })
        .collect();
    let refs: Vec<&Profile> = scaled.iter().collect();
    let (_, results) = project_profiles(policy, parameters, &refs, year, seed)?;
    Ok(Caseload {
        year: results.summary.total,
        by_month: results.by_month.into_iter().map(|s| s.total).collect(),
    })
}

/// Fits the national factors so that all of Latvia (`profiles`: every municipality, from
/// statistics alone except those with their own calibration) reproduces `national`, with at
/// most `budget` simulated years of the whole country (see [`search`]).
pub fn calibrate_national(
    policy: &Policy,
    parameters: &ParameterSet,
    profiles: &[Profile],
    national: &National,
    seed: u64,
    budget: usize,
    progress: &dyn Fn(usize, f64),
) -> Result<NationalFit, SimulationError> {
    let (found, start) = search(
        &national.targets(),
        &NATIONAL_KNOBS,
        budget,
        &mut |x| {
            // Rounded as the layer writes them, so the profile read back is the one fitted.
            let f = Factors::from_array(factors(x).to_array().map(round6));
            let caseload = simulate_latvia(policy, parameters, profiles, &f, national.year, seed)?;
            let figures = national
                .figures
                .iter()
                .map(|n| n.simulated(&caseload))
                .collect();
            Ok((figures, f))
        },
        progress,
    )?;
    Ok(NationalFit {
        factors: found.best,
        simulated: found.figures,
        uncalibrated: start,
        rounds: found.rounds,
    })
}

impl NationalFit {
    /// Reported against simulated, a line per figure under a header line: what `calibrate`
    /// prints and the layer keeps in its comments.
    pub fn table(&self, national: &National) -> Vec<String> {
        let mut lines = vec![format!(
            "{:<36} {:>10} {:>14} {:>10} {:>8}",
            "", "reported", "uncalibrated", "simulated", "gap"
        )];
        let rows = national
            .figures
            .iter()
            .zip(&self.simulated)
            .zip(&self.uncalibrated);
        for ((figure, s), u) in rows {
            let r = figure.value;
            lines.push(format!(
                "{:<36} {r:>10} {u:>14} {s:>10} {:>+7.1}%",
                figure.label(),
                (*s as f64 - r as f64) / (r as f64).max(1.0) * 100.0
            ));
        }
        lines
    }
}

/// The national calibration layer (`populations/profiles/calibrated/latvia.toml`): the fitted
/// factors, with reported and simulated figures in the comments.
pub fn national_layer(fit: &NationalFit, national: &National, seed: u64, source: &str) -> String {
    let mut out = format!(
        "# Latvia — national calibration layer, written by `slieksnis calibrate --municipality all`;\n\
         # do not edit by hand, run it again.\n\
         #\n\
         # Factors on the values of every municipality's profile that has no calibration of its\n\
         # own (calibrated/<slug>.toml): take-up, the low-income tail, housing costs, pensions.\n\
         # Each council keeps its own statistics; the factors move all of them alike, so that\n\
         # all of Latvia reproduces the national caseload. Councils with their own fit keep it\n\
         # and count in the totals as fitted.\n\
         #\n\
         # Fitted to {source} ({year}), seed {seed}, in {rounds} improving steps:\n",
        year = national.year,
        rounds = fit.rounds,
    );
    for line in fit.table(national) {
        out.push_str(&format!("#   {line}\n"));
    }
    out.push_str("\n[factors]\n");
    for (name, v) in Factors::NAMES.iter().zip(fit.factors.to_array()) {
        out.push_str(&format!("{name} = {}\n", round6(v)));
    }
    out
}
