//! The subcommands.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use slieksnis_engine::annual::Behaviour;
use slieksnis_engine::explain::{self, Lang};
use slieksnis_engine::lesson;
use slieksnis_engine::parameters::ParameterSet;
use slieksnis_engine::scenario::{self, Horizon, PopulationSource, Scenario};
use slieksnis_engine::script::Rules;
use slieksnis_engine::simulate::DEFAULT_CHUNK;
use slieksnis_engine::{Period, Policy, Population, cases};

use crate::staged::Staged;
use crate::{input, output, report, spreadsheet};

/// A month of a year that can be simulated: written rules (2021–2026) or projected ones
/// (2027–2030); a month of another year would run on the nearest year's parameters, silently.
pub(crate) fn parse_period(s: &str) -> Result<Period, String> {
    let period = Period::parse(s)
        .ok_or_else(|| format!("'{s}' is not a month: write YYYY-MM, e.g. 2025-01"))?;
    parse_year(&period.year.to_string())?;
    Ok(period)
}

pub(crate) fn parse_year(s: &str) -> Result<i32, String> {
    match s.parse::<i32>() {
        Ok(y) if slieksnis_engine::date::simulated_year(y) => Ok(y),
        Ok(y) => Err(format!(
            "{y} is outside the years that can be simulated: {}",
            slieksnis_engine::date::simulated_years_text()
        )),
        Err(_) => Err(format!("'{s}' is not a year: write YYYY, e.g. 2026")),
    }
}

/// Run the rules over a population for one month, or project a year month by month, and write
/// per-household results and per-municipality totals.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis run --municipality ogres-novads --year 2025 --out out/ogre-2025
  slieksnis run --municipality all --year 2026 --out out/latvia-2026
  slieksnis run --population populations/sample --period 2026-01 --out out/run
  slieksnis run --population populations/sample --period 2025-06 --out out/gmi20 --set gmi.pct=0.20
  slieksnis run --municipality tukuma-novads --year 2026 --out out/tukums \\
      --set 'municipalities.tukuma-novads.low_income={ pct = 0.50 }'
  slieksnis run --municipality ogres-novads --year 2026 --out out/ogre --types --months
  slieksnis run --municipality tukuma-novads --year 2027 --out out/t27 --assume median_growth=0.06
  slieksnis run --municipality tukuma-novads --year 2026 --out out/t --replicates 40
  slieksnis run --municipality all --year 2026 --out out/latvia --replicates 1   # no bands
  slieksnis run --municipality tukuma-novads --year 2026 --out out/t --xlsx out/tukums.xlsx
  slieksnis run --municipality tukuma-novads --year 2026 --out out/t --xlsx out/t.xlsx --lang en
  slieksnis run --municipality tukuma-novads --year 2026 --out out/t-lv --csv-lv   # Latvian Excel
  slieksnis run --municipality tukuma-novads --year 2026 --out out/t --report out/tukums.html

2027–2030 are projected: the values in force at the end of 2026, with the median income, the
minimum wage and the councils' EUR amounts grown by named assumptions (policies/assumptions.toml;
`slieksnis params --period 2027-01` shows them), and generated households aged by the wage,
pension and housing-cost growth. Every row's assumed column names them (assumed:median_growth=0.09).

--municipality generates the households from the profiles in populations/profiles (or
--profiles DIR); --population reads households.csv and persons.csv.

--period YYYY-MM: one month, everyone who qualifies counted (entitlement), monthly EUR.
--year YYYY: twelve months with the rules in force in each; statuses granted for 3 or 6 months;
for generated households the profile's take-up and job changes apply (for a population from
files, everyone who qualifies applies and incomes stay put). Counts are households and persons
that received something at least once in the year; EUR are the year's payments.

Writes OUT/households.csv (household_id,municipality,status,gmi_benefit,housing_benefit,
state_share,municipal_net) and OUT/summary.csv (one row per municipality and a TOTAL row),
and prints the summary as a table. The assumed column names council values that are not known
and profiles not yet fitted to reported figures (profile-uncalibrated). Also OUT/benefits.csv,
OUT/types.csv (per municipality and TOTAL, a row per household type: pensioner alone,
pensioners, one adult with children, adults with children, working-age adult alone, working-age
adults, other; the pension age is the policy's in force) and, for a year, OUT/months.csv (each
month's stock and EUR; the twelve months' EUR are the year's). --types and --months print
those as tables (the council's, or TOTAL's).

Uncertainty bands (generated households): --replicates N (default 10; 5 for more than 500 000
households, as all of Latvia; 1 = off) repeats the run with population seeds SEED…SEED+N−1
and, in a year, each council's take-up multiplied by exp(σ·z), σ from how well its profile is
known (populations/uncertainty.toml: its fit's residuals, or the leave-one-out accuracy of
councils without a fit). The first replicate is the run itself. Writes OUT/bands.csv
(municipality,measure,low,middle,high,point: p5, p50 and p95 over the replicates by nearest
rank — with 10, the lowest, the 5th lowest and the highest — and the run's own value) and
prints the main figures' bands. Not included: uncertainty in the rules and parameters, error in
the reported figures, the model's error other than through take-up. A population from files
(--population) has no bands: its households cannot be redrawn.

--xlsx FILE also writes one Excel workbook: sheets summary, benefits, months (a year), bands
(with replicates) and parameters (every parameter in force for the run's councils and months,
with unit, date, legal reference, assumed or projected); headers in Latvian (--lang en: English),
numbers as numbers (EUR, counts, per cents), the assumptions noted above each sheet's header.
--csv-lv writes the CSV files for Latvian Excel instead: ';', decimal commas, Latvian headers and
council names, UTF-8 with a BOM.

--report FILE writes a council report: one HTML file that opens offline (inline CSS and SVG
charts, nothing fetched) and prints to A4 — what was run, what the figures rest on and the
parameters changed with their legal references, the results per council and benefit with the
bands, a year's monthly cash flow as a bar chart, and the command, version and seed that
reproduce it. Latvian (decimal commas) by default, English with --lang en.")]
pub struct RunArgs {
    #[command(flatten)]
    source: input::PopulationArgs,
    /// One month (its rules are those in force on its first day).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_period, required_unless_present = "year", conflicts_with = "year")]
    period: Option<Period>,
    /// A whole year, month by month (annual figures).
    #[arg(long, value_name = "YYYY", value_parser = parse_year)]
    year: Option<i32>,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Change a parameter for this run: PATH=VALUE (see `slieksnis params`). Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Set an assumption of a projected year (2027–2030): NAME=VALUE, e.g. median_growth=0.06
    /// (see policies/assumptions.toml). Repeatable.
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    assumes: Vec<String>,
    #[command(flatten)]
    breakdown: crate::breakdown::RunFlags,
    #[command(flatten)]
    bands: crate::bands::BandArgs,
    #[command(flatten)]
    sheets: crate::spreadsheet::SheetArgs,
    #[command(flatten)]
    options: Options,
}

/// What `run`, `compare`, `sweep` and `solve` share: the policy, and how to run it.
#[derive(Args)]
pub(crate) struct Options {
    /// Policy directory (default: the policy embedded in the binary).
    #[arg(long, value_name = "DIR")]
    pub(crate) policy: Option<PathBuf>,
    /// Households per chunk of rule evaluation.
    #[arg(long, default_value_t = DEFAULT_CHUNK, hide = true)]
    pub(crate) chunk: usize,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

pub fn run(a: RunArgs) -> Result<ExitCode> {
    let policy = input::policy(a.options.policy.as_deref())?;
    let horizon = match (a.period, a.year) {
        (Some(p), _) => Horizon::Month(p),
        (None, Some(y)) => Horizon::Year(y),
        (None, None) => unreachable!("clap requires one"),
    };
    a.breakdown.check(horizon)?;
    let year = horizon.year();
    let assumptions = input::assumptions(&policy, &a.assumes, year, a.options.quiet)?;
    let mut params = input::projected_parameters(&policy, year, &assumptions)?;
    input::apply_overrides(&mut params, &a.sets)?;
    let households = input::households_aged(&a.source, year, a.options.quiet, &assumptions)?;
    let population = &households.population;
    let started = Instant::now();
    let seed = a.source.generation.seed;
    let replicates = a.bands.count(&households)?;
    let (mut results, bands) = crate::bands::run(
        &policy,
        &params,
        &households,
        horizon,
        seed,
        a.options.chunk,
        replicates,
        a.options.quiet,
        Some(&crate::bands::Projection {
            assumptions: &assumptions,
            sets: &a.sets,
        }),
    )?;
    households.label_uncalibrated(&mut results.summary);
    households.label_projected(&mut results.summary, &assumptions, year);
    for month in &mut results.by_month {
        households.label_uncalibrated(month);
        households.label_projected(month, &assumptions, year);
    }
    let (outcome, summary) = (&results.outcome, &results.summary);
    let kinds = crate::breakdown::household_types(&params, horizon, population)?;
    let types = slieksnis_engine::breakdown::by_type(population, outcome, &kinds)
        .map_err(|e| anyhow!("{e}"))?;
    let computed = started.elapsed();
    let mut out = Staged::new(&a.out)?;
    a.sheets.stage_csv(&mut out, &summary.schema);
    let mut written = vec!["households.csv", "summary.csv", "benefits.csv", "types.csv"];
    out.write(&a.out.join("households.csv"), |w| {
        output::write_households(w, population, outcome)
    })?;
    out.write(&a.out.join("summary.csv"), |w| {
        output::write_summary(w, summary)
    })?;
    out.write(&a.out.join("benefits.csv"), |w| {
        output::write_benefits(w, summary)
    })?;
    out.write(&a.out.join("types.csv"), |w| {
        crate::breakdown::write_types(w, &[(None, &types)])
    })?;
    if let Horizon::Year(year) = horizon {
        out.write(&a.out.join("months.csv"), |w| {
            output::write_months(w, year, &results.by_month)
        })?;
        written.push("months.csv");
    }
    if let Some(bands) = &bands {
        out.write(&a.out.join("bands.csv"), |w| {
            crate::bands::write_bands(w, bands)
        })?;
        written.push("bands.csv");
    }
    let councils: Vec<String> = summary
        .rows
        .iter()
        .map(|r| r.municipality.clone())
        .collect();
    let before = input::projected_parameters(&policy, year, &assumptions)?;
    let gathered = report::Gathered {
        params: [&before, &params],
        periods: [horizon, horizon],
        councils: &councils,
        projected: if slieksnis_engine::date::PROJECTED_YEARS.contains(&year) {
            vec![(String::new(), year, &assumptions)]
        } else {
            Vec::new()
        },
        sides: vec![(None, summary)],
        bands: bands.iter().map(|b| (None, b)).collect(),
        ranking: None,
        months: match horizon {
            Horizon::Year(year) => Some((
                year,
                vec![(None, results.by_month.as_slice())],
                crate::breakdown::focus(population),
            )),
            Horizon::Month(_) => None,
        },
        command: report::command_line(),
        seed,
        from_web: false,
    };
    let lv = a.sheets.lv();
    let lead = spreadsheet::title(
        &policy.name,
        &horizon.to_string(),
        horizon,
        &households.label,
        lv,
    );
    if a.sheets.xlsx.is_some() {
        let mut book = spreadsheet::Book::new(lv, lead.clone());
        book.gathered(&gathered)?;
        a.sheets.write(&mut out, &book)?;
    }
    if let Some(path) = &a.sheets.report {
        let mut r = report::Report::new(lv, "", &lead);
        r.set_title(&report::title_of(&r, &councils, horizon));
        r.run_question(
            &policy.name,
            &councils,
            horizon,
            &households.label,
            &a.sets,
            &a.assumes,
            replicates,
        );
        r.body(&gathered)?;
        report::write(&mut out, path, &r)?;
    }
    out.commit()?;
    if !a.options.quiet {
        eprintln!(
            "rules for {horizon} computed in {:.3} s; results written in {:.3} s",
            computed.as_secs_f64(),
            (started.elapsed() - computed).as_secs_f64()
        );
        let unit = match horizon {
            Horizon::Month(_) => "monthly EUR",
            Horizon::Year(_) => "annual EUR; households and persons that received at least once",
        };
        let when = match horizon {
            Horizon::Year(_) => households.year_text(&policy, &params, &assumptions, year),
            Horizon::Month(_) if year > *slieksnis_engine::date::RULE_YEARS.end() => format!(
                "{horizon}, {}",
                households.year_text(&policy, &params, &assumptions, year)
            ),
            Horizon::Month(_) => horizon.to_string(),
        };
        println!("{} — {when}, {unit}", policy.name);
        println!("{}\n", households.label);
        print!("{}", output::summary_table(summary));
        let focus = crate::breakdown::focus(population);
        if a.breakdown.types {
            print!("\n{}", crate::breakdown::types_table(&types, focus));
        }
        if let (true, Horizon::Year(year)) = (a.breakdown.months, horizon) {
            print!(
                "\n{}",
                crate::breakdown::months_table(&results.by_month, focus, year)
            );
        }
        if let Some(bands) = &bands {
            // Replicates draw the assumptions a projected year's run did not set itself.
            let drawn = !households.unaged.is_empty()
                && assumptions.all().iter().any(|x| x.set_by.is_none());
            let header = crate::bands::header(bands.replicates, seed, horizon, drawn);
            print!("\n{}", crate::bands::table(bands, &summary.schema, &header));
        }
        println!("\nwrote {} in {}", written.join(", "), a.out.display());
        if let Some(x) = &a.sheets.xlsx {
            println!("wrote {}", x.display());
        }
        if let Some(x) = &a.sheets.report {
            println!("wrote {}", x.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Generate a synthetic population from the profiles and write it as CSV.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis generate --municipality ogres-novads --year 2025 --out populations/ogre-2025
  slieksnis generate --municipality all --year 2026 --seed 7 --out /tmp/latvia-2026
  slieksnis generate --municipality all --year 2025 --stats     # marginals per council, no files

Writes OUT/households.csv and OUT/persons.csv in the format `run --population` reads (see
populations/README.md). The same profiles, year and seed give the same files, byte for byte,
on any machine and any number of threads.")]
pub struct GenerateArgs {
    /// A municipality slug, or `all`.
    #[arg(long, value_name = "SLUG|all")]
    municipality: String,
    /// The year whose wages, pensions and minimum wage the population has.
    #[arg(long, value_name = "YYYY", value_parser = parse_year)]
    year: i32,
    #[command(flatten)]
    generation: input::GenerationArgs,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR", required_unless_present = "stats")]
    out: Option<PathBuf>,
    /// Print each council's marginals (households, sizes, ages, employment, disability, an
    /// approximate poverty rate, mean wage) to check the population against its profile.
    #[arg(long)]
    stats: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn generate(a: GenerateArgs) -> Result<ExitCode> {
    let source = input::PopulationArgs {
        population: None,
        municipality: Some(a.municipality.clone()),
        generation: a.generation.clone(),
    };
    let households = input::households(&source, a.year, a.quiet)?;
    let population = &households.population;
    if a.stats {
        print!("{}", output::marginals_table(population));
    }
    if let Some(out) = &a.out {
        let (h, p) = slieksnis_engine::csv_write::to_csv(population).map_err(|e| anyhow!("{e}"))?;
        let mut staged = Staged::new(out)?;
        for (name, text) in [("households.csv", h), ("persons.csv", p)] {
            staged.write(&out.join(name), |w| w.write_all(text.as_ref()))?;
        }
        staged.commit()?;
        if !a.quiet {
            println!("wrote {}/households.csv and persons.csv", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Fit a council's profile to the figures it reported, or every profile without a fit of its own
/// at once to the national caseload.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis calibrate --municipality ogres-novads
  slieksnis calibrate --municipality riga --budget 80 --keep-best
  slieksnis calibrate --municipality tukuma-novads --reported tukums.csv --out /tmp/tukums.toml
  slieksnis calibrate --municipality all --reported populations/reported/latvia-2025.csv

A council's fit reads its figures marked use = fit in the reported figures (default: the
embedded populations/reported/public-caseloads.csv; same columns as that file), each on its
basis (during the year or some months, a stock at a month's end, a monthly average), every year
it has figures for. It fits factors on take-up, the savings of the poorest and of 65+, the
share of adults with no counted income, housing costs and pensions (the same for every council,
so that the national calibration can learn from them), starting from what the council gets
without a fit of its own, prints each figure's ratio simulated / reported before and after, and
writes the fitted values as a profile layer (default: populations/profiles/calibrated/SLUG.toml;
rebuild to embed it, or pass --profiles). If a figure stays further than --tolerance from its
report, it says which and by how much and writes nothing (exit 1), unless --keep-best.

With --municipality all, the reported file is the national caseload (rows for latvia, each a
count in households or persons and a basis: year, month, stock M or average M..N), as
populations/reported/latvia-2025.csv. The national calibration first learns from the councils'
own fits how councils differ with their registered unemployment, then fits factors on take-up,
the low-income tail, housing costs and pensions that every council without a fit of its own
shares (each leaned by its unemployment), so that all of Latvia reproduces those figures, and
writes them to populations/profiles/calibrated/latvia.toml. Those councils stay labelled
profile-uncalibrated: nothing of their own caseload went into the fit.")]
pub struct CalibrateArgs {
    /// The municipality (slug), or all for the national calibration.
    #[arg(long, value_name = "SLUG")]
    municipality: String,
    /// Reported figures (CSV); required with --municipality all.
    #[arg(long, value_name = "FILE")]
    reported: Option<PathBuf>,
    #[command(flatten)]
    generation: input::GenerationArgs,
    /// Most simulations to spend on the fit (a council: of its years; all: of all of Latvia).
    #[arg(long, default_value_t = 400)]
    budget: usize,
    /// The largest gap to a reported figure that a fit may leave (0.10 = 10 %).
    #[arg(long, default_value_t = 0.10, value_name = "SHARE")]
    tolerance: f64,
    /// Write the best fit found even when a figure stays outside --tolerance (the layer's
    /// comments then show each gap).
    #[arg(long)]
    keep_best: bool,
    /// Where to write the calibration layer.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Policy directory (default: the embedded policy).
    #[arg(long, value_name = "DIR")]
    policy: Option<PathBuf>,
}

pub fn calibrate(a: CalibrateArgs) -> Result<ExitCode> {
    use slieksnis_engine::calibrate;
    use slieksnis_engine::reported;
    if !(a.tolerance > 0.0 && a.tolerance < 10.0) {
        bail!(
            "--tolerance {}: give a share above 0 (0.10 = 10 %)",
            a.tolerance
        );
    }
    let (origin, text) = match &a.reported {
        Some(path) => (path.display().to_string(), input::read_text(path)?),
        None if a.municipality == "all" => bail!(
            "--municipality all needs --reported: the national caseload, as populations/reported/latvia-2025.csv"
        ),
        None => (
            reported::SHIPPED_ORIGIN.to_string(),
            reported::SHIPPED.to_string(),
        ),
    };
    if a.municipality == "all" {
        return calibrate_national(&a, &origin, &text);
    }
    let figures = reported::parse(&origin, &text).map_err(|e| anyhow!("{e}"))?;
    let policy = input::policy(a.policy.as_deref())?;
    let profiles = input::profiles(a.generation.profiles.as_deref())?;
    // Always from the profile without an earlier calibration: a fit does not drift on itself.
    let base = &profiles
        .uncalibrated(&a.municipality)
        .map_err(|e| anyhow!("{e}"))?;
    let theirs = calibrate::council_figures(&figures, &a.municipality);
    if theirs.is_empty() {
        bail!(
            "{origin}: no figure of {} marked use = fit (a council's fit needs at least one)",
            a.municipality
        );
    }
    for year in theirs
        .iter()
        .map(|f| f.year)
        .collect::<std::collections::BTreeSet<_>>()
    {
        parse_year(&year.to_string()).map_err(|e| anyhow!("{origin}: {e}"))?;
        let selected = input::select_profiles(&profiles, &a.municipality, year)?;
        if selected.len() > 1 {
            bail!(
                "{} absorbed {} in {year}: fit years after the merger's population settles (mark the earlier figures use = check)",
                a.municipality,
                selected
                    .iter()
                    .filter(|p| p.slug != a.municipality)
                    .map(|p| p.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
    }
    // The search starts where the council stands without a fit of its own.
    let start = match profiles.national_fit().map_err(|e| anyhow!("{e}"))? {
        Some(national) => national.for_council(base),
        None => slieksnis_engine::profile::Factors::default(),
    };
    eprintln!(
        "fitting {} to {} figures of {origin} ({} years)",
        a.municipality,
        theirs.len(),
        theirs
            .iter()
            .map(|f| f.year)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    let started = Instant::now();
    let fit = calibrate::calibrate_council(
        &policy,
        &policy.parameters,
        base,
        &start,
        &theirs,
        a.generation.seed,
        a.budget,
        &|n, gap| eprint!("\r{n} simulations: largest gap {:.1} %   ", gap * 100.0),
    )
    .map_err(|e| anyhow!("{e}"))?;
    eprintln!();
    println!(
        "{} against {origin}, seed {}; {} improving steps, {:.1} s (ratio = simulated / reported)\n",
        base.name,
        a.generation.seed,
        fit.rounds,
        started.elapsed().as_secs_f64()
    );
    println!(
        "{:>4} {:<24} {:<10} {:<40} {:>14} {:>14} {:>7} {:>7}",
        "year", "measure", "unit", "basis", "reported", "simulated", "before", "after"
    );
    let ratio = calibrate::ratio_text;
    let mut missed = Vec::new();
    for (after, before) in fit.after.iter().zip(&fit.before) {
        println!(
            "{:>4} {:<24} {:<10} {:<40} {:>14} {:>14} {:>7} {:>7}",
            after.year,
            after.measure.name(),
            after.unit.name(),
            after.basis_words,
            after.reported.to_string(),
            after.simulated.map_or("—".to_string(), |s| s.to_string()),
            ratio(before),
            ratio(after)
        );
        let gap = calibrate::worst_ratio_gap(std::slice::from_ref(after));
        if gap > a.tolerance {
            missed.push(format!(
                "{} {} {} ({}): {} reported, {} simulated ({:+.1} %)",
                after.year,
                after.measure.name(),
                after.unit.name(),
                after.basis_words,
                after.reported,
                after
                    .simulated
                    .map_or("none".to_string(), |s| s.to_string()),
                after
                    .ratio
                    .and_then(|r| f64::try_from(r).ok())
                    .map_or(-100.0, |r| (r - 1.0) * 100.0)
            ));
        }
    }
    if !missed.is_empty() {
        let list = missed.join("\n  ");
        if !a.keep_best {
            bail!(
                "{} figure(s) of {} stay further than {:.0} % from the report:\n  {list}\nnothing written (--keep-best writes the best fit found; --budget {} gives the search more room)",
                missed.len(),
                a.municipality,
                a.tolerance * 100.0,
                a.budget * 2
            );
        }
        eprintln!(
            "{} figure(s) stay further than {:.0} % from the report (kept with --keep-best; the layer lists every gap):\n  {list}",
            missed.len(),
            a.tolerance * 100.0
        );
    }
    let layer = calibrate::council_layer(&fit, a.generation.seed, &source_name(&origin));
    write_layer(&a, &a.municipality, &layer)
}

/// The file name of a reported caseload, as the layers cite it.
fn source_name(origin: &str) -> String {
    Path::new(origin)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| origin.to_string())
}

/// Writes a calibration layer to `--out`, by default `populations/profiles/calibrated/NAME.toml`.
fn write_layer(a: &CalibrateArgs, name: &str, layer: &str) -> Result<ExitCode> {
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("populations/profiles/calibrated/{name}.toml")));
    let mut staged = Staged::new(out.parent().unwrap_or(Path::new(".")))?;
    staged.write(&out, |w| w.write_all(layer.as_bytes()))?;
    staged.commit()?;
    println!("\nwrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// `calibrate --municipality all`: the national factors.
fn calibrate_national(a: &CalibrateArgs, origin: &str, text: &str) -> Result<ExitCode> {
    use slieksnis_engine::calibrate::{self, National};
    let national = National::parse(origin, text).map_err(|e| anyhow!("{e}"))?;
    parse_year(&national.year.to_string()).map_err(|e| anyhow!("{origin}: {e}"))?;
    let policy = input::policy(a.policy.as_deref())?;
    let profiles = input::profiles(a.generation.profiles.as_deref())?;
    // From statistics, except councils with their own fit: the factors do not drift on an
    // earlier national fit.
    let base = profiles
        .without_national_fit()
        .all()
        .map_err(|e| anyhow!("{e}"))?;
    let own = base.iter().filter(|p| p.calibrated).count();
    eprintln!(
        "fitting {} municipalities ({own} with their own calibration keep it) to {origin}; \
         each step simulates all of Latvia for {}",
        base.len() - own,
        national.year
    );
    let started = Instant::now();
    let fit = calibrate::calibrate_national(
        &policy,
        &policy.parameters,
        &base,
        &national,
        a.generation.seed,
        a.budget,
        &|years, gap| {
            eprint!(
                "\r{years} years of Latvia simulated: largest gap {:.1} %   ",
                gap * 100.0
            )
        },
    )
    .map_err(|e| anyhow!("{e}"))?;
    eprintln!();
    println!(
        "Latvia {}: reported ({origin}) against simulated, seed {}; {} improving steps, {:.1} s\n",
        national.year,
        a.generation.seed,
        fit.rounds,
        started.elapsed().as_secs_f64()
    );
    for line in fit.table(&national) {
        println!("{line}");
    }
    let m = &fit.model;
    if !m.councils.is_empty() {
        println!(
            "\nlearned from {} councils with their own fit (registered unemployment against {:.2} %): {}",
            m.councils.len(),
            m.national_pct,
            m.councils
                .iter()
                .map(|(s, x)| format!("{s} ×{:.2}", x.exp()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!("\nfactors (1 = the profile's own value) and elasticities on unemployment:");
    let names = slieksnis_engine::profile::Factors::NAMES;
    let elasticity = fit.layer.unemployment.map(|u| u.1);
    for (k, (name, v)) in names.iter().zip(fit.layer.factors.to_array()).enumerate() {
        let e = elasticity.map_or(0.0, |e| e[k]);
        if v != 1.0 || e != 0.0 {
            println!("  {name:<44} {v:>8.3}   {e:>+7.3}");
        }
    }
    // The table's lines (after its header) of the figures further than the tolerance.
    let misses: Vec<String> = fit
        .table(&national)
        .into_iter()
        .skip(1)
        .zip(fit.simulated.iter().zip(&national.figures))
        .filter(|(_, (s, f))| {
            ((**s as f64 - f.value as f64) / (f.value as f64).max(1.0)).abs() > a.tolerance
        })
        .map(|(line, _)| line.trim().to_string())
        .collect();
    if !misses.is_empty() {
        let list = misses.join("\n  ");
        if !a.keep_best {
            bail!(
                "{} national figure(s) stay further than {:.0} % from the report:\n  {list}\nnothing written (--keep-best writes the best fit found)",
                misses.len(),
                a.tolerance * 100.0
            );
        }
        eprintln!("kept with --keep-best, outside the tolerance:\n  {list}");
    }
    let layer = calibrate::national_layer(&fit, &national, a.generation.seed, &source_name(origin));
    write_layer(a, "latvia", &layer)
}

/// Compare a reform with the baseline, per municipality, from a scenario file.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis compare scenarios/ogre-2026-low-income-60.toml
  slieksnis compare scenarios/latvia-2026-gmi-20.toml --out out/gmi
  slieksnis compare scenarios/ogre-low-income-60.toml
  slieksnis compare scenarios/rules-2025-vs-2026.toml --population populations/small
  slieksnis compare scenarios/latvia-2026-gmi-20.toml --by-council     # a block per council
  slieksnis compare scenarios/ogre-2026-low-income-60.toml --months   # the cash flow by month
  slieksnis compare scenarios/tukums-2027-budget.toml --assume median_growth=0.06
  slieksnis compare scenarios/ogre-2026-low-income-60.toml --replicates 20 --out out/ogre-bands
  slieksnis compare scenarios/ogre-2026-low-income-60.toml --replicates 1   # no bands
  slieksnis compare scenarios/latvia-2026-gmi-20.toml --xlsx out/gmi.xlsx   # + the ranking sheet
  slieksnis compare scenarios/ogre-2026-low-income-60.toml --out out/ogre-lv --csv-lv
  slieksnis compare scenarios/latvia-2026-gmi-20.toml --report out/gmi.html   # council report

A scenario file names a population (a municipality to generate, or a directory), a month or a
year, and a reform (parameter overrides, replaced scripts); see scenarios/README.md. With --out, writes OUT/comparison.csv (rows baseline, reform
and difference per municipality and for the total) and OUT/{baseline,reform}/households.csv
(for a year also OUT/{baseline,reform}/months.csv), OUT/types.csv (each side per municipality
and household type), OUT/winners.csv (households whose total benefits rise, fall or stay, by
band of the change: a year up to 50, 50–200, 200–1 000, over 1 000 EUR; a month up to 10,
10–50, 50–200, over 200 EUR; per municipality and type) and OUT/councils.csv (the ranking).

It prints winners and losers by household type (the council's when there is one, else TOTAL's). A comparison of
more than 3 councils prints, instead of a block per council, the councils ranked by the change
in municipal net cost per resident (residents = persons in the simulated households), with the
Latvian name, ATVK code, the change in EUR, per resident and in per cent, and flags: A where
the figures rest on assumed parameters, U where the profile is uncalibrated.

A projected year (2027–2030) takes the policy's assumptions, then the scenario's assume = { … },
then --assume (for both sides), then a side's own assume.

For generated households, compare also runs --replicates N (default 10; 5 for all of Latvia)
replicates — population seeds SEED…SEED+N−1 with each council's take-up perturbed by how well
its profile is known (populations/uncertainty.toml) — and prints p5–p95 bands: each side's, and
the difference's taken replicate by replicate. With --out, OUT/bands.csv
(side,municipality,measure,low,middle,high,point; side baseline, reform or difference). A
population from files has no bands (its households cannot be redrawn).

--xlsx FILE writes one Excel workbook (with or without --out): summary and benefits (baseline,
reform, difference per council), months (a year), councils (the ranking), bands and the
parameters in force on each side; headers in Latvian (--lang en: English). --csv-lv writes the
CSV files of --out for Latvian Excel (';', decimal commas, Latvian headers, UTF-8 with a BOM).

--report FILE (with or without --out) writes the council report `slieksnis report` writes: one
HTML file, offline and printable to A4, with baseline, reform and the difference, the bands,
the ranking per resident (more than 3 councils), the months and how to reproduce it.")]
pub struct CompareArgs {
    /// The scenario file.
    scenario: PathBuf,
    /// Set an assumption of a projected year for both sides, after the scenario's top-level
    /// assume: NAME=VALUE, e.g. median_growth=0.06. Repeatable.
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    assumes: Vec<String>,
    /// Use this population directory instead of the scenario's.
    #[arg(long, value_name = "DIR")]
    population: Option<PathBuf>,
    #[command(flatten)]
    generation: input::GenerationArgs,
    /// Output directory for CSV files.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    breakdown: crate::breakdown::CompareFlags,
    #[command(flatten)]
    bands: crate::bands::BandArgs,
    #[command(flatten)]
    sheets: crate::spreadsheet::SheetArgs,
    #[command(flatten)]
    options: Options,
}

pub fn compare(a: CompareArgs) -> Result<ExitCode> {
    if a.sheets.csv_lv && a.out.is_none() {
        bail!("--csv-lv is the form of the CSV files --out DIR writes: give --out DIR too");
    }
    let origin = a.scenario.display().to_string();
    let text = input::read_text(&a.scenario)?;
    let mut scenario = Scenario::parse(&origin, &text).map_err(|e| anyhow!("{e}"))?;
    a.breakdown.check(scenario.horizon)?;
    let base_dir = a.scenario.parent().unwrap_or(Path::new("."));
    let policy = input::policy(a.options.policy.as_deref())?;
    let year = scenario.horizon.year();
    // --assume comes after the file's top-level assume, before a side's own.
    let given = input::assumptions(&policy, &a.assumes, year, true)?;
    for s in &a.assumes {
        if let Ok((name, _)) = slieksnis_engine::assumptions::parse_setting(s) {
            scenario.assume.push((name.clone(), given.value(&name)));
        }
    }
    let sides = [&scenario.baseline, &scenario.reform];
    let projected = sides.iter().any(|s| {
        slieksnis_engine::date::PROJECTED_YEARS.contains(&s.horizon(scenario.horizon).year())
    });
    if (scenario.sets_assumptions() || !a.assumes.is_empty()) && !projected && !a.options.quiet {
        input::note_not_projected(year);
    }
    let assumptions = match &policy.assumptions {
        Some(p) => scenario.assumptions(p, None).map_err(|e| anyhow!("{e}"))?,
        None => given,
    };
    let side_assumptions = match &policy.assumptions {
        Some(p) => [
            scenario
                .assumptions(p, Some(&scenario.baseline))
                .map_err(|e| anyhow!("{e}"))?,
            scenario
                .assumptions(p, Some(&scenario.reform))
                .map_err(|e| anyhow!("{e}"))?,
        ],
        None => [assumptions.clone(), assumptions.clone()],
    };
    let source = scenario_source(&scenario, base_dir, a.population.as_ref(), &a.generation);
    let households = input::households_aged(&source, year, a.options.quiet, &assumptions)?;
    let population = &households.population;
    let [rb, rr] = scenario_scripts(&scenario, base_dir)?;
    let replicates = a.bands.count(&households)?;
    let (mut comparison, bands) = crate::bands::compare(
        &policy,
        &scenario,
        &households,
        [&rb, &rr],
        a.generation.seed,
        a.options.chunk,
        replicates,
        a.options.quiet,
    )?;
    households.label_uncalibrated(&mut comparison.baseline);
    households.label_uncalibrated(&mut comparison.reform);
    let side_years = sides.map(|s| s.horizon(scenario.horizon).year());
    households.label_projected(
        &mut comparison.baseline,
        &side_assumptions[0],
        side_years[0],
    );
    households.label_projected(&mut comparison.reform, &side_assumptions[1], side_years[1]);
    let difference = comparison.difference().map_err(|e| anyhow!("{e}"))?;
    let periods = [
        scenario.baseline.horizon(scenario.horizon),
        scenario.reform.horizon(scenario.horizon),
    ];
    let names = [
        format!("{} ({})", scenario.baseline.name, periods[0]),
        format!("{} ({})", scenario.reform.name, periods[1]),
    ];
    let breakdowns = crate::breakdown::Compared::of(&policy, &scenario, population, &comparison)?;
    let lv = a.sheets.lv();
    let sw = spreadsheet::Words::of(lv);
    let councils: Vec<String> = comparison
        .baseline
        .rows
        .iter()
        .map(|r| r.municipality.clone())
        .collect();
    let mut side_params = Vec::new();
    for (k, side) in [&scenario.baseline, &scenario.reform]
        .into_iter()
        .enumerate()
    {
        let base = input::projected_parameters(&policy, side_years[k], &side_assumptions[k])?;
        side_params.push(
            side.parameters(&base, &scenario.origin)
                .map_err(|e| anyhow!("{e}"))?,
        );
    }
    let mut projected: Vec<(String, i32, &slieksnis_engine::assumptions::Assumptions)> = (0..2)
        .filter(|&k| slieksnis_engine::date::PROJECTED_YEARS.contains(&side_years[k]))
        .map(|k| (sw.sides[k].to_string(), side_years[k], &side_assumptions[k]))
        .collect();
    // Both sides on the same assumptions: one table.
    if let [(_, y0, a0), (_, y1, a1)] = projected.as_slice()
        && y0 == y1
        && a0 == a1
    {
        projected = vec![(String::new(), *y0, *a0)];
    }
    let gathered = report::Gathered {
        params: [&side_params[0], &side_params[1]],
        periods,
        councils: &councils,
        projected,
        sides: vec![
            (Some(0), &comparison.baseline),
            (Some(1), &comparison.reform),
            (Some(2), &difference),
        ],
        bands: match &bands {
            Some(b) => vec![
                (Some(0), &b.baseline),
                (Some(1), &b.reform),
                (Some(2), &b.difference),
            ],
            None => Vec::new(),
        },
        ranking: Some((&breakdowns.councils.0, &breakdowns.councils.1)),
        months: match scenario.horizon {
            Horizon::Year(year) => Some((
                year,
                vec![
                    (Some(0), comparison.baseline_months.as_slice()),
                    (Some(1), comparison.reform_months.as_slice()),
                ],
                crate::breakdown::focus(population),
            )),
            Horizon::Month(_) => None,
        },
        command: report::command_line(),
        seed: a.generation.seed,
        from_web: false,
    };
    let what = format!("{}: {} / {}", scenario.name, names[0], names[1]);
    let lead = spreadsheet::title(&policy.name, &what, scenario.horizon, &households.label, lv);
    let book = match a.sheets.xlsx {
        None => None,
        Some(_) => {
            let mut book = spreadsheet::Book::new(lv, lead.clone());
            book.gathered(&gathered)?;
            Some(book)
        }
    };
    let html = match &a.sheets.report {
        None => None,
        Some(_) => {
            let w = report::Words::of(lv);
            let mut r = report::Report::new(lv, &scenario.name, &lead);
            let mut facts = vec![(
                w.scenario.to_string(),
                format!("{} ({origin})", scenario.name),
            )];
            facts.extend(report::run_facts(
                &r,
                &policy.name,
                &councils,
                scenario.horizon,
                &households.label,
            ));
            for (k, side) in [&scenario.baseline, &scenario.reform]
                .into_iter()
                .enumerate()
            {
                let mut changes: Vec<String> =
                    side.set.iter().map(|(p, v)| format!("{p} = {v}")).collect();
                changes.extend(side.scripts.iter().map(|(t, f)| format!("{t} ← {f}")));
                changes.extend(side.assume.iter().map(|(n, v)| format!("{n} = {v}")));
                facts.push((
                    format!("{}: {}", sw.sides[k], side.name),
                    format!(
                        "{}; {}: {}",
                        report::horizon_text(&r, periods[k]),
                        w.changes,
                        report::listed(&r, &changes)
                    ),
                ));
            }
            if !scenario.assume.is_empty() {
                let all: Vec<String> = scenario
                    .assume
                    .iter()
                    .map(|(n, v)| format!("{n} = {v}"))
                    .collect();
                facts.push(("assume".to_string(), all.join(", ")));
            }
            facts.push((w.replicates.to_string(), replicates.to_string()));
            r.question(&facts, &scenario.description);
            r.body(&gathered)?;
            Some(r)
        }
    };
    if a.out.is_none() {
        match (&book, &html, &a.sheets.report) {
            (Some(book), None, _) => a.sheets.write_alone(book)?,
            (None, Some(r), Some(path)) => report::write_alone(path, r)?,
            (Some(book), Some(r), Some(path)) => {
                // Both beside their files, put in place together.
                let mut staged = Staged::new(Path::new("."))?;
                a.sheets.write(&mut staged, book)?;
                report::write(&mut staged, path, r)?;
                staged.commit()?;
            }
            _ => {}
        }
    }
    if let Some(out) = &a.out {
        let mut staged = Staged::new(out)?;
        a.sheets.stage_csv(&mut staged, &comparison.baseline.schema);
        staged.write(&out.join("comparison.csv"), |w| {
            output::write_comparison(w, &comparison.baseline, &comparison.reform, &difference)
        })?;
        for (side, outcome, months) in [
            (
                "baseline",
                &comparison.baseline_outcome,
                &comparison.baseline_months,
            ),
            (
                "reform",
                &comparison.reform_outcome,
                &comparison.reform_months,
            ),
        ] {
            let dir = staged.subdir(side)?;
            staged.write(&dir.join("households.csv"), |w| {
                output::write_households(w, population, outcome)
            })?;
            if let Horizon::Year(year) = scenario.horizon {
                staged.write(&dir.join("months.csv"), |w| {
                    output::write_months(w, year, months)
                })?;
            }
        }
        breakdowns.write(&mut staged, out)?;
        if let Some(bands) = &bands {
            staged.write(&out.join("bands.csv"), |w| {
                crate::bands::write_compare_bands(w, bands)
            })?;
        }
        if let Some(book) = &book {
            a.sheets.write(&mut staged, book)?;
        }
        if let (Some(r), Some(path)) = (&html, &a.sheets.report) {
            report::write(&mut staged, path, r)?;
        }
        staged.commit()?;
    }
    if !a.options.quiet {
        println!("{}", scenario.name);
        if !scenario.description.is_empty() {
            println!("{}", scenario.description.trim());
        }
        let unit = match scenario.horizon {
            Horizon::Month(_) => "monthly EUR",
            Horizon::Year(_) => "annual EUR; households that received at least once",
        };
        println!("{}; {unit}\n", households.label);
        for (side, (y, assumed)) in sides.iter().zip(side_years.iter().zip(&side_assumptions)) {
            if slieksnis_engine::date::PROJECTED_YEARS.contains(y) {
                let params = input::projected_parameters(&policy, *y, assumed)?;
                println!(
                    "{}: {}",
                    side.name,
                    households.year_text(&policy, &params, assumed, *y)
                );
            }
        }
        let per = match scenario.horizon {
            Horizon::Month(_) => "month",
            Horizon::Year(_) => "year",
        };
        if a.breakdown.by_council || !breakdowns.ranked() {
            print!(
                "{}",
                output::comparison_table(
                    &comparison.baseline,
                    &comparison.reform,
                    &difference,
                    [&names[0], &names[1]],
                    per
                )
            );
        }
        print!(
            "{}",
            breakdowns.tables(&comparison, population, &a.breakdown, scenario.horizon)
        );
        if let Some(bands) = &bands {
            let header = crate::bands::header(
                bands.difference.replicates,
                a.generation.seed,
                scenario.horizon,
                false,
            );
            println!(
                "{}",
                crate::bands::compare_table(bands, &comparison.baseline.schema, &header)
            );
        }
        if let Some(out) = &a.out {
            println!(
                "wrote {} (comparison, types, winners, councils)",
                out.join("comparison.csv").display()
            );
            if bands.is_some() {
                println!("wrote {}", out.join("bands.csv").display());
            }
        }
        if let Some(x) = &a.sheets.xlsx {
            println!("wrote {}", x.display());
        }
        if let Some(x) = &a.sheets.report {
            println!("wrote {}", x.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Write a council report of a scenario: one HTML file that opens offline and prints to A4.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis report scenarios/ogre-2026-low-income-60.toml --out out/ogre.html
  slieksnis report scenarios/tukums-2027-budget.toml --out out/tukums-2027.html --lang en
  slieksnis report scenarios/latvia-2026-gmi-20.toml --out out/gmi.html   # councils ranked
  slieksnis report scenarios/ogre-2026-low-income-60.toml --out out/ogre.html --replicates 20

Runs the scenario as `compare` does (the same households, replicates and assumptions; the
terminal shows what compare shows) and writes one HTML file: the question (the councils, the
year or month, the scenario's description and its changes), the assumptions (what the figures
rest on, a projected year's assumptions with their values and sources, the parameters changed
with their legal references), the results per council and per benefit (households, gross EUR,
state share, municipal net) for baseline, reform and the difference with their p5–p95 bands,
the councils ranked per resident (more than 3 councils), the year's cash flow month by month
(a bar chart) and the command, version and seed that reproduce it. Latvian by default (decimal
commas, thousands apart), English with --lang en. The CSS is inline and the charts are inline
SVG: nothing is fetched, so it opens offline; printed, it is A4 with a section a page.

`compare --report FILE`, `run --report FILE` and `sweep --report FILE` (with the cost curve)
write the same kind of report beside their other outputs.")]
pub struct ReportArgs {
    /// The scenario file (as `compare` takes it).
    scenario: PathBuf,
    /// The HTML file to write (its directory is created if missing), e.g. --out out/ogre.html.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The report's language: lv (default) or en.
    #[arg(long, default_value = "lv", value_parser = ["lv", "en"])]
    lang: String,
    /// Set an assumption of a projected year for both sides: NAME=VALUE. Repeatable.
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    assumes: Vec<String>,
    /// Use this population directory instead of the scenario's.
    #[arg(long, value_name = "DIR")]
    population: Option<PathBuf>,
    #[command(flatten)]
    generation: input::GenerationArgs,
    #[command(flatten)]
    bands: crate::bands::BandArgs,
    #[command(flatten)]
    options: Options,
}

pub fn report_scenario(a: ReportArgs) -> Result<ExitCode> {
    compare(CompareArgs {
        scenario: a.scenario,
        assumes: a.assumes,
        population: a.population,
        generation: a.generation,
        out: None,
        breakdown: crate::breakdown::CompareFlags::default(),
        bands: a.bands,
        sheets: spreadsheet::SheetArgs {
            xlsx: None,
            report: Some(a.out),
            lang: a.lang,
            csv_lv: false,
        },
        options: a.options,
    })
}

/// Explain one household's assessment step by step, with the legal source of every rule.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis explain --population populations/small --id 3 --period 2025-03
  slieksnis explain --municipality ogres-novads --id 400000000015 --period 2025-02
  slieksnis explain --household household.toml --period 2026-01 --lang lv
  slieksnis explain --scenario scenarios/tukums-2027-budget.toml --period 2027-03 --household household.toml
  slieksnis explain --period 2021-08 --household 'municipality = \"kuldigas-novads\"
      persons = [{ age = 40, income = 300 }, { age = 38 }, { age = 10 }, { age = 5 }]'

A household file (or inline TOML) has municipality, optional housing_costs, savings, vehicles,
crisis and other_expenses (true/false: the household met a crisis, has an other expense), and
persons = [{ age, income, disabled, health_costs }, …]: the inputs of populations/README.md;
amounts in EUR per month (health_costs: a year).")]
pub struct ExplainArgs {
    /// A household as a TOML file, or the TOML itself.
    #[arg(long, value_name = "FILE|TOML", conflicts_with_all = ["population", "id"])]
    household: Option<String>,
    /// A population directory to take the household from (with --id).
    #[arg(
        long,
        value_name = "DIR",
        requires = "id",
        conflicts_with = "municipality"
    )]
    population: Option<PathBuf>,
    /// Or a municipality whose households are generated for the period's year (with --id; see
    /// `slieksnis generate` for the ids).
    #[arg(long, value_name = "SLUG", requires = "id")]
    municipality: Option<String>,
    #[command(flatten)]
    generation: input::GenerationArgs,
    /// The household_id in the population, as written there (ids are text: LV-0012, 17).
    #[arg(long, visible_alias = "household-id", value_name = "ID")]
    id: Option<String>,
    /// The month whose rules apply.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_period, required_unless_present_any = ["year", "scenario"])]
    period: Option<Period>,
    /// Or a whole year, month by month: what each month's rules give, whether the household was
    /// assessed and applied, what it received and why (the annual projection's own record).
    #[arg(long, value_name = "YYYY", value_parser = parse_year, conflicts_with = "period")]
    year: Option<i32>,
    /// Language: en or lv.
    #[arg(long, default_value = "en", value_parser = ["en", "lv"])]
    lang: String,
    /// Change a parameter: PATH=VALUE. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// A scenario file, as `compare` takes: the household under the scenario's reform, and why
    /// its result differs from the baseline's (parameters set, scripts replaced, assumptions).
    /// The household: --id ID of the scenario's own households, or --household; the month:
    /// the scenario's, or --period within a year's scenario.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["sets", "year", "trace"])]
    scenario: Option<PathBuf>,
    /// Policy directory (default: the embedded policy).
    #[arg(long, value_name = "DIR")]
    policy: Option<PathBuf>,
    /// Print the full trace instead of the lesson: every script's parameters (with file and
    /// description), working values and variables, for checking the rules themselves.
    #[arg(long, conflicts_with = "json")]
    trace: bool,
    /// Print the lesson as JSON (the same data the text shows).
    #[arg(long)]
    json: bool,
}

/// The households a scenario runs on: `population` (a command's --population) if given, else
/// the scenario's directory (relative to its file) or the council it generates.
fn scenario_source(
    scenario: &Scenario,
    base_dir: &Path,
    population: Option<&PathBuf>,
    generation: &input::GenerationArgs,
) -> input::PopulationArgs {
    input::PopulationArgs {
        population: match (population, &scenario.population) {
            (Some(dir), _) => Some(dir.clone()),
            (None, PopulationSource::Directory(dir)) => Some(base_dir.join(dir)),
            (None, PopulationSource::Generated(_)) => None,
        },
        municipality: match (population, &scenario.population) {
            (None, PopulationSource::Generated(slug)) => Some(slug.clone()),
            _ => None,
        },
        generation: generation.clone(),
    }
}

/// The texts of the scripts the baseline and the reform replace, read relative to the
/// scenario's file.
fn scenario_scripts(scenario: &Scenario, base_dir: &Path) -> Result<[BTreeMap<String, String>; 2]> {
    let read = |side: &scenario::Side| -> Result<BTreeMap<String, String>> {
        side.scripts
            .iter()
            .map(|(target, file)| {
                let path = base_dir.join(file);
                let text = input::read_text(&path).with_context(|| {
                    format!("{}: {} replaces {target}", scenario.origin, side.name)
                })?;
                Ok((target.clone(), text))
            })
            .collect()
    };
    Ok([read(&scenario.baseline)?, read(&scenario.reform)?])
}

/// `explain --scenario`: one month of one household under the scenario's reform, with why it
/// differs from the baseline — each side set up exactly as `compare` runs it.
fn explain_scenario(a: &ExplainArgs, path: &Path) -> Result<ExitCode> {
    let origin = path.display().to_string();
    let text = input::read_text(path)?;
    let scenario = Scenario::parse(&origin, &text).map_err(|e| anyhow!("{e}"))?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let policy = input::policy(a.policy.as_deref())?;
    let period = match (scenario.horizon, a.period) {
        (Horizon::Month(p), None) => p,
        (Horizon::Month(p), Some(q)) if p == q => p,
        (Horizon::Month(p), Some(q)) => {
            bail!("{origin} is the month {p}: --period {q} is another month; leave it out")
        }
        (Horizon::Year(y), Some(q)) if q.year == y => q,
        (Horizon::Year(y), q) => bail!(
            "{origin} is the year {y}: give the month to explain, --period {y}-MM{}",
            q.map_or(String::new(), |q| format!(" (--period {q} is outside it)"))
        ),
    };
    let (assumptions, reform_assumptions) = match &policy.assumptions {
        Some(p) => (
            scenario.assumptions(p, None).map_err(|e| anyhow!("{e}"))?,
            scenario
                .assumptions(p, Some(&scenario.reform))
                .map_err(|e| anyhow!("{e}"))?,
        ),
        None => {
            let a = input::assumptions(&policy, &[], period.year, true)?;
            (a.clone(), a)
        }
    };
    let source = scenario_source(&scenario, base_dir, a.population.as_ref(), &a.generation);
    let (population, row, _) = explain_household(a, period.year, &assumptions, Some(source))?;
    let [rb, rr] = scenario_scripts(&scenario, base_dir)?;
    let side = |s: &scenario::Side, replaced| {
        scenario::setup(&policy, &scenario, s, replaced).map_err(|e| anyhow!("{e}"))
    };
    let (base, reform) = (side(&scenario.baseline, &rb)?, side(&scenario.reform, &rr)?);
    let month = |s: &scenario::SideSetup| match s.horizon {
        Horizon::Month(p) => p,
        Horizon::Year(_) => period,
    };
    let lang = if a.lang == "lv" { Lang::Lv } else { Lang::En };
    // A side the file leaves unnamed is called by its role, in the lesson's language.
    let named = |name: &str| match (lang, name) {
        (Lang::Lv, "baseline") => "spēkā esošie noteikumi".to_string(),
        (Lang::Lv, "reform") => "reforma".to_string(),
        _ => name.to_string(),
    };
    let mut head = format!(
        "{}: {} → {}",
        scenario.name,
        named(&scenario.baseline.name),
        named(&scenario.reform.name)
    );
    if slieksnis_engine::date::PROJECTED_YEARS.contains(&month(&reform).year) {
        head.push_str("\n\n");
        head.push_str(&projected_note(month(&reform), &reform_assumptions, lang));
    }
    teach_month(
        &policy,
        (
            reform.rules.as_ref().unwrap_or(&policy.rules),
            &reform.parameters,
        ),
        Some((
            base.rules.as_ref().unwrap_or(&policy.rules),
            &base.parameters,
            month(&base),
        )),
        (&population, row),
        month(&reform),
        lang,
        a.json,
        Some(head),
    )
}

pub fn explain(a: ExplainArgs) -> Result<ExitCode> {
    if let Some(path) = &a.scenario {
        return explain_scenario(&a, path);
    }
    let policy = input::policy(a.policy.as_deref())?;
    let period = match (a.period, a.year) {
        (Some(p), _) => p,
        (None, Some(year)) => Period { year, month: 1 },
        (None, None) => bail!("give --period YYYY-MM or --year YYYY"),
    };
    let year = period.year;
    let assumptions = input::assumptions(&policy, &[], year, true)?;
    let mut params = input::projected_parameters(&policy, year, &assumptions)?;
    // The rules in force, kept to explain what a --set changes.
    let baseline = (!a.sets.is_empty()).then(|| params.clone());
    input::apply_overrides(&mut params, &a.sets)?;
    let seed = a.generation.seed;
    let (population, row, behaviour) = explain_household(&a, year, &assumptions, None)?;
    let lang = if a.lang == "lv" { Lang::Lv } else { Lang::En };
    if a.year.is_some() {
        let (_, watched) = slieksnis_engine::annual::project_watching(
            &policy.rules,
            &params,
            &policy.schema,
            &population,
            year,
            &behaviour,
            Some(row),
            &|_| {},
        )
        .map_err(|e| anyhow!("{e}"))?;
        let generated = behaviour != Behaviour::entitlement(seed);
        let y = lesson::year::build(
            &watched,
            &policy.schema,
            &population.households.id.get(row).to_string(),
            &population.municipalities[population.households.municipality[row] as usize],
            year,
            generated.then_some(seed),
            lang,
        );
        if a.json {
            println!("{}", serde_json::to_string_pretty(&y)?);
        } else {
            print!("{}", lesson::year::text(&y, &policy.schema));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !a.trace {
        let note = slieksnis_engine::date::PROJECTED_YEARS
            .contains(&year)
            .then(|| projected_note(period, &assumptions, lang));
        let baseline = baseline.as_ref().map(|b| (&policy.rules, b, period));
        return teach_month(
            &policy,
            (&policy.rules, &params),
            baseline,
            (&population, row),
            period,
            lang,
            a.json,
            note,
        );
    }
    let e = explain::explain(
        &policy.rules,
        &policy.schema,
        &params,
        &population,
        row,
        period,
    )
    .map_err(|e| anyhow!("{e}"))?;
    if slieksnis_engine::date::PROJECTED_YEARS.contains(&year) {
        println!("{}\n", projected_note(period, &assumptions, Lang::En));
    }
    print!("{}", explain::render(&e, &policy, lang));
    Ok(ExitCode::SUCCESS)
}

/// The household `explain` is asked about, with the behaviour of its year: `--household`, or
/// `--id` in `--population`, `--municipality` or (with a scenario) `scenario`'s population.
fn explain_household(
    a: &ExplainArgs,
    year: i32,
    assumptions: &slieksnis_engine::assumptions::Assumptions,
    scenario: Option<input::PopulationArgs>,
) -> Result<(Arc<Population>, usize, Behaviour)> {
    // The behaviour of a year: the profiles' for generated households, everyone applies for a
    // household given directly or read from files (as `run --year`).
    let seed = a.generation.seed;
    match (&a.household, &a.population, &a.id) {
        (Some(h), _, _) => {
            // A path that exists is a file to read (and a FIFO or device is refused as such);
            // anything else is the TOML itself.
            let (origin, text) = if Path::new(h).exists() {
                (h.clone(), input::read_text(Path::new(h))?)
            } else {
                ("--household".to_string(), h.clone())
            };
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                anyhow!(
                    "{}",
                    slieksnis_engine::toml_place::located(&origin, &text, &e)
                )
            })?;
            let slugs = input::known_slugs();
            let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
            // Every declared input, as in a case file (a crisis, an other expense included).
            let pop = cases::household(&table, &known).map_err(|m| anyhow!("{origin}: {m}"))?;
            Ok((Arc::new(pop), 0, Behaviour::entitlement(seed)))
        }
        (None, _, Some(id))
            if a.population.is_some() || a.municipality.is_some() || scenario.is_some() =>
        {
            let source = match scenario {
                Some(s) if a.population.is_none() && a.municipality.is_none() => s,
                _ => input::PopulationArgs {
                    population: a.population.clone(),
                    municipality: a.municipality.clone(),
                    generation: a.generation.clone(),
                },
            };
            let households = input::households_aged(&source, year, true, assumptions)?;
            let behaviour = households.behaviour(year, seed);
            let pop = households.population;
            let row = pop.find(id).ok_or_else(|| {
                anyhow!("{}: no household with household_id {id}", households.label)
            })?;
            Ok((pop, row, behaviour))
        }
        _ => bail!(
            "give a household: --household FILE|TOML, or --population DIR --id ID, or --municipality SLUG --id ID"
        ),
    }
}

/// One month's lesson of `household` under `rules` (the rules and parameters), printed as text
/// or JSON; with `baseline`, what differs from it and why (`lesson::reform`).
#[allow(clippy::too_many_arguments)]
fn teach_month(
    policy: &Policy,
    rules: (&Rules, &ParameterSet),
    baseline: Option<(&Rules, &ParameterSet, Period)>,
    household: (&Population, usize),
    period: Period,
    lang: Lang,
    json: bool,
    note: Option<String>,
) -> Result<ExitCode> {
    let (population, row) = household;
    let e = explain::explain(rules.0, &policy.schema, rules.1, population, row, period)
        .map_err(|e| anyhow!("{e}"))?;
    let mut l = lesson::build(&e, policy, lang);
    l.cliffs = lesson::cliffs::find(
        rules.0,
        &policy.schema,
        rules.1,
        &e.population,
        period,
        lang,
    )
    .map_err(|e| anyhow!("{e}"))?;
    // The same household under the baseline, and what differs.
    let difference = match baseline {
        Some((base_rules, base, base_period)) => {
            let b = explain::explain(
                base_rules,
                &policy.schema,
                base,
                population,
                row,
                base_period,
            )
            .map_err(|e| anyhow!("{e}"))?;
            Some(lesson::reform::compare(
                &lesson::build(&b, policy, lang),
                &l,
            ))
        }
        None => None,
    };
    if json {
        let json = match &difference {
            Some(d) => serde_json::json!({ "lesson": l, "reform": d }),
            None => serde_json::to_value(&l)?,
        };
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(note) = note {
        println!("{note}\n");
    }
    print!("{}", lesson::render::text(&l));
    print!("{}", lesson::render::cliffs(&l));
    if let Some(d) = &difference {
        print!("{}", lesson::reform::text(d));
    }
    Ok(ExitCode::SUCCESS)
}

/// The line a lesson of a projected year starts with, in its language.
fn projected_note(
    period: Period,
    assumptions: &slieksnis_engine::assumptions::Assumptions,
    lang: Lang,
) -> String {
    let lv = lang == Lang::Lv;
    let names = assumptions
        .all()
        .iter()
        .map(|x| {
            let label = x.label();
            let label = if lv { label.replace('.', ",") } else { label };
            format!("{label} {}", x.provenance_in(lv))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let last = slieksnis_engine::date::RULE_YEARS.end();
    match lang {
        Lang::En => format!(
            "{period} {}: the parameters are projected — the values in force at the end of {last}, with those marked PROJECTED grown by the assumptions ({names}). See `slieksnis params --period {period}`.",
            period.year
        ),
        Lang::Lv => format!(
            "{period}: parametri ir projicēti — {last}. gada beigās spēkā esošās vērtības, un tās, kas atzīmētas PROJICĒTS, pieaudzētas pēc pieņēmumiem ({names}). Sk. `slieksnis params --period {period}`."
        ),
    }
}

/// Run policy case files: each case is a household, a month and the values the law gives it.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis test policies/                 # policies/policy.toml with policies/tests/*.toml
  slieksnis test policies/tests/gmi.toml   # one file, with the embedded policy
  slieksnis test my-policy/ --verbose

A case file has [[case]] tables: name, period, municipality, persons, optional housing_costs,
savings, vehicles and set (parameter overrides), and expect (variable = value) or
expect_error (a text the error must contain). See policies/README.md.")]
pub struct TestArgs {
    /// A policy directory (its tests/ are run with its rules), a directory of case files, or
    /// case files.
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
    /// Policy directory (default: the directory given, if it has policy.toml, else embedded).
    #[arg(long, value_name = "DIR")]
    policy: Option<PathBuf>,
    /// List every case, not only failures.
    #[arg(long, short)]
    verbose: bool,
}

pub fn test(a: TestArgs) -> Result<ExitCode> {
    let mut files = Vec::new();
    let mut policy_dir = a.policy.clone();
    for p in &a.paths {
        if p.is_dir() {
            let dir = if p.join("policy.toml").is_file() {
                policy_dir.get_or_insert_with(|| p.clone());
                p.join("tests")
            } else {
                p.clone()
            };
            let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
                .with_context(|| format!("{}: cannot read", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            files.extend(found);
        } else if p.exists() {
            // read_text refuses what is not a regular file, saying what it is.
            files.push(p.clone());
        } else {
            bail!("{}: no such file or directory", p.display());
        }
    }
    if files.is_empty() {
        bail!(
            "no case files (*.toml) found in {}",
            a.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let policy = input::policy(policy_dir.as_deref())?;
    let slugs = input::known_slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let (mut passed, mut failed) = (0, 0);
    for f in &files {
        let text = input::read_text(f)?;
        for r in cases::run_file(&policy, &known, &f.display().to_string(), &text) {
            if r.passed() {
                passed += 1;
                if a.verbose {
                    println!("ok    {}:{}  {}", r.file, r.line, r.name);
                }
            } else {
                failed += 1;
                println!("FAIL  {}:{}  {}", r.file, r.line, r.name);
                for m in &r.failures {
                    println!("        {m}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// List the parameters in force at a month for a municipality, with their legal references.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis params --period 2026-01 --municipality ogres-novads
  slieksnis params --period 2025-01 --set gmi.pct=0.20
  slieksnis params --period 2027-01 --assume median_growth=0.06 --municipality tukuma-novads

Paths shown are the ones --set and scenario files use; the municipality's own values appear as
municipalities.SLUG.NAME (or municipalities.default.NAME when its value is not known).
A month of 2027–2030 shows the projected values, each marked PROJECTED with how it was grown,
and the assumptions in use (policies/assumptions.toml, --assume NAME=VALUE).")]
pub struct ParamsArgs {
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_period)]
    period: Period,
    /// Municipality slug (default: none; national parameters and the defaults).
    #[arg(long, value_name = "SLUG", default_value = "default")]
    municipality: String,
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Set an assumption of a projected year: NAME=VALUE, e.g. median_growth=0.06. Repeatable.
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    assumes: Vec<String>,
    #[arg(long, value_name = "DIR")]
    policy: Option<PathBuf>,
}

pub fn params(a: ParamsArgs) -> Result<ExitCode> {
    let policy = input::policy(a.policy.as_deref())?;
    let slugs = input::known_slugs();
    if a.municipality != "default" && !slugs.contains(&a.municipality) {
        let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
        bail!(
            "{}",
            slieksnis_engine::population::unknown_municipality(&a.municipality, &known)
        );
    }
    let year = a.period.year;
    let assumptions = input::assumptions(&policy, &a.assumes, year, false)?;
    let mut params = input::projected_parameters(&policy, year, &assumptions)?;
    input::apply_overrides(&mut params, &a.sets)?;
    let resolved = params
        .resolve(a.period.first_day(), &a.municipality)
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "Parameters in force on {} for {}\n",
        a.period.first_day(),
        a.municipality
    );
    if slieksnis_engine::date::PROJECTED_YEARS.contains(&year) {
        println!(
            "{year} is projected: the rules are written to {}; these assumptions grow what is marked PROJECTED, every other value is the one in force at the end of {}:\n{}",
            slieksnis_engine::date::RULE_YEARS.end(),
            slieksnis_engine::date::RULE_YEARS.end(),
            assumptions
        );
    }
    let mut leaves = Vec::new();
    collect(&resolved.root, &mut leaves);
    for leaf in leaves {
        let since = leaf
            .since
            .map(|d| format!("from {d}"))
            .unwrap_or_else(|| "always".into());
        let mut flag = if leaf.assumed {
            "  ASSUMED (council value not known)".to_string()
        } else {
            String::new()
        };
        if let Some(note) = &leaf.projected {
            flag.push_str(&format!("  PROJECTED ({note})"));
        }
        println!(
            "{} = {}   ({since}; {}){flag}",
            leaf.path, leaf.value, leaf.meta.origin
        );
        if !leaf.meta.description.is_empty() {
            println!("    {}", leaf.meta.description);
        }
        if !leaf.meta.reference.is_empty() {
            println!("    [{}]", leaf.meta.reference);
        }
        if let Some(legal) = legal_values(&leaf.meta.bounds) {
            println!("    legal: {legal}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a parameter may be set to, as `params` shows it: its range, each field's, or its texts.
fn legal_values(bounds: &slieksnis_engine::parameters::Bounds) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(r) = bounds.range {
        parts.push(r.to_string());
    }
    for (key, r) in &bounds.key_ranges {
        let share = bounds
            .requires
            .get(key)
            .map(|p| format!(" (a share of {p})"))
            .unwrap_or_default();
        parts.push(format!("{key} {r}{share}"));
    }
    if !bounds.choices.is_empty() {
        parts.push(bounds.choices.join(" | "));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

pub(crate) fn collect(
    map: &std::collections::BTreeMap<String, slieksnis_engine::parameters::ResolvedNode>,
    out: &mut Vec<Arc<slieksnis_engine::parameters::Leaf>>,
) {
    use slieksnis_engine::parameters::ResolvedNode;
    for node in map.values() {
        match node {
            ResolvedNode::Group(g) => collect(g, out),
            ResolvedNode::Leaf(l) => out.push(l.clone()),
        }
    }
}
