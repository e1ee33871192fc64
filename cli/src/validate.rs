//! `slieksnis validate`: the model against every reported figure, on the figure's basis.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::Args;
use rust_decimal::Decimal;
use slieksnis_engine::Policy;
use slieksnis_engine::profile::{Profile, Profiles};
use slieksnis_engine::reported::{self, Basis, Comparison, Figure, Measure, Use};
use slieksnis_engine::validate::{Runs, YearRun};

use crate::input;
use crate::staged::Staged;

/// Compare the model with every figure councils and the state reported.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis validate                                  # every year with a figure, all councils
  slieksnis validate --year 2025 --out out/validate   # writes out/validate/validate.csv
  slieksnis validate --leave-one-out                  # also each fitted council without its fit

Each reported figure (populations/reported/public-caseloads.csv: council, year, period, measure,
unit, value, basis, source) is compared with an annual projection of every council on the
figure's own basis: households or persons during the year or a window of months, a stock at a
month's end, a monthly average, or EUR paid in those months. Rows marked use = skip (Ukrainian
refugees only, applications, plans…) are not compared; use = check rows are rough. `fitted`
says whether calibration aimed at the figure: only those not fitted say how well the model
generalises.")]
pub struct ValidateArgs {
    /// Reported figures (default: the embedded populations/reported/public-caseloads.csv).
    #[arg(long, value_name = "FILE")]
    reported: Option<PathBuf>,
    /// Only these years (repeatable; default: every year with a figure).
    #[arg(long = "year", value_name = "YYYY")]
    years: Vec<i32>,
    /// Also predict each council that has a fit of its own without it (it takes the national
    /// factors, leaned by its unemployment as learned from the other councils' fits, like a
    /// council without a report): the accuracy to expect where there is none.
    #[arg(long)]
    leave_one_out: bool,
    #[command(flatten)]
    generation: input::GenerationArgs,
    /// Output directory for validate.csv.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print nothing but errors and the summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Whether calibration aimed at a figure: a council's own fit (its figures marked use = fit),
/// or the national layer's three figures of 2025.
fn fitted(f: &Comparison, own_fits: &BTreeSet<String>) -> bool {
    if f.municipality == reported::LATVIA {
        return f.year == 2025
            && matches!(
                (f.measure, f.basis.clone()),
                (
                    Measure::NeedyStatus | Measure::LowIncomeStatus,
                    Basis::Stock { month: 8 }
                ) | (Measure::HousingBenefit, Basis::MonthlyAverage { .. })
            );
    }
    f.usage == Use::Fit && own_fits.contains(&f.municipality)
}

/// One year of `profiles` projected; the comparisons of `figures` of that year.
fn compare_year(
    policy: &Policy,
    profiles: &[Profile],
    figures: &[Figure],
    year: i32,
    seed: u64,
) -> Result<Vec<Comparison>> {
    let refs: Vec<&Profile> = profiles.iter().collect();
    let (population, results) = slieksnis_engine::calibrate::project_profiles(
        policy,
        &policy.parameters,
        &refs,
        year,
        seed,
    )
    .map_err(|e| anyhow!("{year}: {e}"))?;
    let runs = Runs {
        schema: &policy.schema,
        years: [(
            year,
            YearRun {
                population: &population,
                results: &results,
            },
        )]
        .into(),
    };
    Ok(reported::compare(figures, &[year], &runs))
}

/// How far a ratio is from 1, for ranking.
fn off(r: Decimal) -> Decimal {
    if r >= Decimal::ONE {
        r - Decimal::ONE
    } else {
        Decimal::ONE / r.max(Decimal::new(1, 4)) - Decimal::ONE
    }
}

/// Median and worst (farthest from 1) of some ratios, as text.
fn spread(ratios: &mut [Decimal]) -> String {
    if ratios.is_empty() {
        return "none".into();
    }
    ratios.sort();
    let median = if ratios.len() % 2 == 1 {
        ratios[ratios.len() / 2]
    } else {
        (ratios[ratios.len() / 2 - 1] + ratios[ratios.len() / 2]) / Decimal::TWO
    };
    let worst = ratios
        .iter()
        .copied()
        .max_by(|a, b| off(*a).cmp(&off(*b)))
        .expect("not empty");
    let within = |t: Decimal| {
        ratios
            .iter()
            .filter(|r| (**r - Decimal::ONE).abs() <= t)
            .count()
    };
    let (twice, far) = distances(ratios);
    format!(
        "{} figures: median ratio {}, worst {}; within 10 %: {}, within 25 %: {}, within 2×: {twice}; median |ln ratio| {far:.2}",
        ratios.len(),
        median.round_dp(2),
        worst.round_dp(2),
        within(Decimal::new(10, 2)),
        within(Decimal::new(25, 2))
    )
}

/// How far ratios are from 1 either way: how many are within a factor of two, and the median
/// |ln ratio| (0.69 = a factor of two; a ratio of 0 counts as 10⁻⁴).
fn distances(ratios: &[Decimal]) -> (usize, f64) {
    let mut far: Vec<f64> = ratios
        .iter()
        .map(|r| f64::try_from(*r).unwrap_or(0.0).max(1e-4).ln().abs())
        .collect();
    far.sort_by(f64::total_cmp);
    let twice = far.iter().filter(|d| **d <= 2f64.ln()).count();
    let n = far.len();
    let median = match n {
        0 => 0.0,
        _ if n % 2 == 1 => far[n / 2],
        _ => (far[n / 2 - 1] + far[n / 2]) / 2.0,
    };
    (twice, median)
}

pub fn validate(a: ValidateArgs) -> Result<ExitCode> {
    let (origin, text) = match &a.reported {
        Some(path) => (path.display().to_string(), input::read_text(path)?),
        None => (
            reported::SHIPPED_ORIGIN.to_string(),
            reported::SHIPPED.to_string(),
        ),
    };
    let figures = reported::parse(&origin, &text).map_err(|e| anyhow!("{e}"))?;
    let policy = input::policy(None)?;
    let profiles: Profiles = input::profiles(a.generation.profiles.as_deref())?;
    let all = profiles.all().map_err(|e| anyhow!("{e}"))?;
    let mut years: Vec<i32> = figures
        .iter()
        .filter(|f| f.comparable())
        .map(|f| f.year)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|y| a.years.is_empty() || a.years.contains(y))
        .collect();
    years.dedup();
    let own_fits: BTreeSet<String> = all
        .iter()
        .filter(|p| profiles.has_own_fit(&p.slug))
        .map(|p| p.slug.clone())
        .collect();
    let mut rows = Vec::new();
    for &year in &years {
        if !a.quiet {
            eprintln!("projecting every council for {year} …");
        }
        let mut got = compare_year(&policy, &all, &figures, year, a.generation.seed)?;
        for r in &mut got {
            r.fitted = fitted(r, &own_fits);
        }
        rows.extend(got);
    }
    // Leave one council out: each council with its own fit, predicted without it.
    let mut left_out = Vec::new();
    if a.leave_one_out {
        for slug in &own_fits {
            let without = slieksnis_engine::calibrate::without_council(&profiles, slug)
                .map_err(|e| anyhow!("{e}"))?;
            let profile = without.get(slug).map_err(|e| anyhow!("{e}"))?;
            let theirs: Vec<Figure> = figures
                .iter()
                .filter(|f| &f.municipality == slug)
                .cloned()
                .collect();
            for &year in &years {
                if theirs.iter().any(|f| f.year == year) {
                    if !a.quiet {
                        eprintln!("projecting {slug} for {year} without its own fit …");
                    }
                    left_out.extend(compare_year(
                        &policy,
                        std::slice::from_ref(&profile),
                        &theirs,
                        year,
                        a.generation.seed,
                    )?);
                }
            }
        }
    }
    if let Some(out) = &a.out {
        let mut staged = Staged::new(out)?;
        let mut all_rows = rows.clone();
        for r in &left_out {
            let mut r = r.clone();
            r.basis_words = format!("{} (without its own fit)", r.basis_words);
            all_rows.push(r);
        }
        let csv = reported::to_csv(&all_rows);
        staged.write(&out.join("validate.csv"), |w| w.write_all(csv.as_bytes()))?;
        staged.commit()?;
    }
    if !a.quiet {
        println!(
            "{:<18} {:>4} {:<22} {:<10} {:<40} {:>14} {:>14} {:>7} {:<6}",
            "council",
            "year",
            "measure",
            "unit",
            "basis",
            "reported",
            "simulated",
            "ratio",
            "fitted"
        );
        for r in rows.iter().chain(&left_out) {
            let opt = |v: Option<Decimal>| v.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
            println!(
                "{:<18} {:>4} {:<22} {:<10} {:<40} {:>14} {:>14} {:>7} {:<6}",
                r.municipality,
                r.year,
                r.measure.name(),
                r.unit.name(),
                r.basis_words,
                r.reported.to_string(),
                opt(r.simulated),
                opt(r.ratio),
                if r.fitted { "yes" } else { "no" }
            );
        }
        println!();
    }
    let ratios = |rows: &[Comparison], fitted: bool, usage: Use| -> Vec<Decimal> {
        rows.iter()
            .filter(|r| r.fitted == fitted && r.usage == usage)
            .filter_map(|r| r.ratio)
            .collect()
    };
    println!(
        "fitted figures (use = fit):      {}",
        spread(&mut ratios(&rows, true, Use::Fit))
    );
    println!(
        "not fitted (use = fit):          {}",
        spread(&mut ratios(&rows, false, Use::Fit))
    );
    println!(
        "not fitted (use = check, rough): {}",
        spread(&mut ratios(&rows, false, Use::Check))
    );
    if a.leave_one_out {
        println!(
            "left out (use = fit):            {}",
            spread(&mut ratios(&left_out, false, Use::Fit))
        );
        let by_council: Vec<String> = own_fits
            .iter()
            .map(|slug| {
                let theirs: Vec<Decimal> = left_out
                    .iter()
                    .filter(|r| &r.municipality == slug && r.usage == Use::Fit)
                    .filter_map(|r| r.ratio)
                    .collect();
                format!("{slug} {:.2}", distances(&theirs).1)
            })
            .collect();
        println!(
            "left out, median |ln ratio| by council: {}",
            by_council.join(", ")
        );
    }
    if let Some(out) = &a.out {
        println!("wrote {}", out.join("validate.csv").display());
    }
    Ok(ExitCode::SUCCESS)
}
