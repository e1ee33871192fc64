//! `slieksnis sweep` and `slieksnis solve`: one number moved over a grid on the same households
//! and draws (`engine::sweep`), written as `sweep.csv` and `sweep-benefits.csv` and shown as a
//! table with the points where a measure jumps; and the value of that number at which a measure
//! meets a target.
//!
//! Exit codes: 0 done (for `solve`, a value found), 1 bad input (an unknown parameter or
//! measure, no legal value in the range, a measure that does not move one way for `solve`), 2
//! usage, and for `solve` 3 when no value in the range reaches the target: an answer, not an
//! error, that a script can tell apart from one.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, anyhow, bail};
use clap::Args;
use rust_decimal::Decimal;
use slieksnis_engine::run::{self, Configuration};
use slieksnis_engine::scenario::Horizon;
use slieksnis_engine::summary::{Measures, Row, Summary, TOTAL};
use slieksnis_engine::sweep::{self, Axis, Found, Goal, Point, Want};

use crate::commands::{Options, parse_period, parse_year};
use crate::staged::Staged;
use crate::{input, output};

/// The assumptions and the parameters every point starts from: a projected year's (2027–2030)
/// grown by the assumptions, then `--set`; as `run` takes them.
fn parameters(
    policy: &slieksnis_engine::Policy,
    horizon: Horizon,
    assumes: &[String],
    sets: &[String],
    quiet: bool,
) -> Result<(
    slieksnis_engine::assumptions::Assumptions,
    slieksnis_engine::parameters::ParameterSet,
)> {
    let assumptions = input::assumptions(policy, assumes, horizon.year(), quiet)?;
    let mut params = input::projected_parameters(policy, horizon.year(), &assumptions)?;
    input::apply_overrides(&mut params, sets)?;
    Ok((assumptions, params))
}

/// A decimal as written (`0.65`, `-12.5`, `900000`): exact, no exponent.
fn parse_decimal(s: &str) -> Result<Decimal, String> {
    Decimal::from_str_exact(s.trim())
        .map_err(|_| format!("'{s}' is not a number: write it with a decimal point, e.g. 0.65"))
}

/// The horizon from `--period` or `--year` (clap requires one).
fn horizon(period: Option<slieksnis_engine::Period>, year: Option<i32>) -> Horizon {
    match (period, year) {
        (Some(p), _) => Horizon::Month(p),
        (None, Some(y)) => Horizon::Year(y),
        (None, None) => unreachable!("clap requires one"),
    }
}

/// Where the table and the search read a measure: `--row`, else the one council of
/// `--municipality SLUG`, else TOTAL. It must be a municipality of the population or TOTAL.
fn row_name(
    row: Option<&str>,
    source: &input::PopulationArgs,
    councils: &[String],
) -> Result<String> {
    let name = match (row, source.municipality.as_deref()) {
        (Some(r), _) => r.to_string(),
        (None, Some(m)) if m != "all" => m.to_string(),
        _ => TOTAL.to_string(),
    };
    if name != TOTAL && !councils.contains(&name) {
        bail!(
            "--row {name}: not a municipality of these households (they have: {}; or TOTAL)",
            councils.join(", ")
        );
    }
    Ok(name)
}

fn row_of<'a>(summary: &'a Summary, name: &str) -> &'a Row {
    if name == TOTAL {
        &summary.total
    } else {
        summary.row(name).unwrap_or(&summary.total)
    }
}

/// The values of a sweep: `--values`, or `--from … --to … by --step`.
fn values(a: &SweepArgs) -> Result<Vec<Decimal>> {
    if let Some(v) = &a.values {
        return Ok(v.clone());
    }
    match (a.from, a.to, a.step) {
        (Some(f), Some(t), Some(s)) => sweep::grid(f, t, s).map_err(|m| anyhow!("{m}")),
        _ => unreachable!("clap requires --from, --to and --step without --values"),
    }
}

/// What `sweep` and `solve` share besides the population and the horizon: the row read, and
/// what every point starts from.
#[derive(Args)]
struct Around {
    /// The row read: a municipality of the population, or TOTAL (default: the one council, or
    /// TOTAL).
    #[arg(long, value_name = "SLUG|TOTAL")]
    row: Option<String>,
    /// Change a parameter at every point: PATH=VALUE (see `slieksnis params`). Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Set an assumption of a projected year (2027–2030): NAME=VALUE, e.g. median_growth=0.06
    /// (see policies/assumptions.toml). Repeatable.
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    assumes: Vec<String>,
}

/// Move one parameter over a range of values and run each, on the same households and draws.
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis sweep --municipality tukuma-novads --year 2026 \\
      --param municipalities.tukuma-novads.low_income.pct --from 0.50 --to 0.80 --step 0.01 --out out/sw
  slieksnis sweep --municipality all --year 2026 --param municipalities.*.low_income.pct \\
      --values 0.6,0.7,0.8 --out out/latvia-li
  slieksnis sweep --municipality ogres-novads --period 2026-03 --param gmi.pct --from 0.18 --to 0.26 --step 0.01
  slieksnis sweep --municipality ogres-novads --year 2026 --param behaviour.take_up_cap --values 0.5,0.75,1
  slieksnis sweep --municipality tukuma-novads --year 2026 --param municipalities.tukuma-novads.low_income.pct \\
      --from 0.50 --to 0.80 --step 0.05 --xlsx out/sweep.xlsx          # one workbook
  slieksnis sweep --municipality tukuma-novads --period 2026-03 --param gmi.pct --values 0.2,0.25 \\
      --out out/sw-lv --csv-lv                                          # CSVs for Latvian Excel

--param is a path as --set takes it (see `slieksnis params`): a number parameter or one number
field of a table (gmi.pct, municipalities.SLUG.low_income.pct). municipalities.*.REST sets
REST of every council of the population to the same value. behaviour.take_up_cap multiplies
every council's take-up cap (the share that apply when what they would get is large; at most 1)
by the value: a year only.

Every point runs the same households with the same draws (take-up, job changes, claim months),
so differences between points are the parameter's alone. A value outside the parameter's legal
range, or one the rules refuse (a council's low-income threshold above 80 % of the median or
below the needy threshold), is skipped with the message --set would give; the other points run.

Writes OUT/sweep.csv (value, then summary.csv's columns: one row per point and municipality,
then the point's TOTAL) and OUT/sweep-benefits.csv (value, then benefits.csv's columns). Prints
per point the row of --row (default: the one council, or TOTAL) with the change from the point
before, then where a measure jumps: a step more than 3 times that measure's typical step (the
larger of its median and mean step), at least twice its smallest step and 1 % of its level.

--xlsx FILE writes one Excel workbook: a row per point and council (sheet sweep), the bands per
point (with --replicates) and the parameters in force before the swept one is set; headers in
Latvian (--lang en: English). --csv-lv writes the CSV files of --out for Latvian Excel.

--report FILE writes a council report (one HTML file that opens offline and prints to A4): the
question, the assumptions and the swept parameter in force with its legal reference, the cost
curve (municipal net and gross EUR of --row against the value, a line chart with the jumps
marked; with --replicates the p5–p95 of each point) and the command that reproduces it, e.g.
  slieksnis sweep --municipality tukuma-novads --year 2026 --param municipalities.tukuma-novads.low_income.pct \\
      --from 0.50 --to 0.80 --step 0.05 --report out/sweep.html")]
pub struct SweepArgs {
    #[command(flatten)]
    source: input::PopulationArgs,
    /// One month (its rules are those in force on its first day).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_period, required_unless_present = "year", conflicts_with = "year")]
    period: Option<slieksnis_engine::Period>,
    /// A whole year, month by month (annual figures).
    #[arg(long, value_name = "YYYY", value_parser = parse_year)]
    year: Option<i32>,
    /// The number to move: a parameter path (as --set), municipalities.*.REST, or
    /// behaviour.take_up_cap.
    #[arg(long, value_name = "PATH")]
    param: String,
    /// The first value.
    #[arg(long, value_name = "A", value_parser = parse_decimal, allow_hyphen_values = true,
          required_unless_present = "values", conflicts_with = "values")]
    from: Option<Decimal>,
    /// The last value (included when the steps land on it).
    #[arg(long, value_name = "B", value_parser = parse_decimal, allow_hyphen_values = true,
          required_unless_present = "values", conflicts_with = "values")]
    to: Option<Decimal>,
    /// The step between values (above 0; at most 10 000 points).
    #[arg(long, value_name = "S", value_parser = parse_decimal, allow_hyphen_values = true,
          required_unless_present = "values", conflicts_with = "values")]
    step: Option<Decimal>,
    /// The values, comma-separated, instead of --from/--to/--step: 0.6,0.65,0.7.
    #[arg(long, value_name = "a,b,c", value_parser = parse_decimal, value_delimiter = ',',
          allow_hyphen_values = true)]
    values: Option<Vec<Decimal>>,
    /// Output directory for sweep.csv and sweep-benefits.csv (created if missing); without it,
    /// the table only.
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
    /// Uncertainty bands: repeat the sweep over N replicates, as `run --replicates N` (1, the
    /// default: no bands; a sweep costs N times as much), and write OUT/sweep-bands.csv.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    replicates: u32,
    #[command(flatten)]
    around: Around,
    #[command(flatten)]
    sheets: crate::spreadsheet::SheetArgs,
    #[command(flatten)]
    options: Options,
}

pub fn sweep(a: SweepArgs) -> Result<ExitCode> {
    if a.sheets.csv_lv && a.out.is_none() {
        bail!("--csv-lv is the form of the CSV files --out DIR writes: give --out DIR too");
    }
    let policy = input::policy(a.options.policy.as_deref())?;
    let horizon = horizon(a.period, a.year);
    let (assumptions, params) = parameters(
        &policy,
        horizon,
        &a.around.assumes,
        &a.around.sets,
        a.options.quiet,
    )?;
    let axis = Axis::parse(&a.param);
    // An unknown parameter stops before any household is generated.
    let spec = axis.spec(&params, horizon).map_err(|m| anyhow!("{m}"))?;
    let values = values(&a)?;
    if values.is_empty() {
        bail!("--values: give at least one value");
    }
    let households =
        input::households_aged(&a.source, horizon.year(), a.options.quiet, &assumptions)?;
    let population = &households.population;
    let behaviour = households.behaviour(horizon.year(), a.source.generation.seed);
    let base = Configuration {
        policy: &policy,
        rules: None,
        parameters: &params,
        population,
        horizon,
        behaviour: &behaviour,
        chunk_size: a.options.chunk,
    };
    let row = row_name(a.around.row.as_deref(), &a.source, &councils(&base))?;
    let started = Instant::now();
    let mut points = sweep::sweep(&base, &axis, &values).map_err(|e| anyhow!("{e}"))?;
    for p in &mut points {
        if let Point::Ran(r) = p {
            households.label_uncalibrated(&mut r.summary);
            households.label_projected(&mut r.summary, &assumptions, horizon.year());
            for m in &mut r.by_month {
                households.label_uncalibrated(m);
                households.label_projected(m, &assumptions, horizon.year());
            }
        }
    }
    let bands = if a.replicates > 1 {
        Some(replicate_bands(
            &a,
            &base,
            &households,
            &assumptions,
            &axis,
            &values,
            &points,
        )?)
    } else {
        None
    };
    let elapsed = started.elapsed();
    let ran = points.iter().filter(|p| p.ran().is_some()).count();
    if ran == 0 {
        let reasons: Vec<String> = values
            .iter()
            .zip(&points)
            .filter_map(|(v, p)| match p {
                Point::Skipped(m) => Some(format!("  {v}: {m}")),
                Point::Ran(_) => None,
            })
            .take(3)
            .collect();
        bail!(
            "{}: no value of the range is legal, every point was skipped (legal range {}, and what the rules accept):\n{}",
            a.param,
            spec.range,
            reasons.join("\n")
        );
    }
    let book = match &a.sheets.xlsx {
        None => None,
        Some(_) => Some(workbook(
            &a,
            &policy,
            &params,
            horizon,
            &households.label,
            &values,
            &points,
            bands.as_deref(),
        )?),
    };
    let html = match &a.sheets.report {
        None => None,
        Some(_) => Some(report(
            &a,
            &policy,
            &assumptions,
            &base,
            &axis,
            &households.label,
            &row,
            &values,
            &points,
            bands.as_deref(),
        )?),
    };
    if a.out.is_none() {
        match (&book, &html, &a.sheets.report) {
            (Some(book), None, _) => a.sheets.write_alone(book)?,
            (None, Some(r), Some(path)) => crate::report::write_alone(path, r)?,
            (Some(book), Some(r), Some(path)) => {
                let mut staged = Staged::new(std::path::Path::new("."))?;
                a.sheets.write(&mut staged, book)?;
                crate::report::write(&mut staged, path, r)?;
                staged.commit()?;
            }
            _ => {}
        }
    }
    if let Some(out) = &a.out {
        let mut staged = Staged::new(out)?;
        a.sheets.stage_csv(&mut staged, &policy.schema);
        staged.write(&out.join("sweep.csv"), |w| {
            write_long(w, &values, &points, output::summary_records)
        })?;
        staged.write(&out.join("sweep-benefits.csv"), |w| {
            write_long(w, &values, &points, output::benefits_records)
        })?;
        if let Some(bands) = &bands {
            staged.write(&out.join("sweep-bands.csv"), |w| write_bands(w, bands))?;
        }
        if let Some(book) = &book {
            a.sheets.write(&mut staged, book)?;
        }
        if let (Some(r), Some(path)) = (&html, &a.sheets.report) {
            crate::report::write(&mut staged, path, r)?;
        }
        staged.commit()?;
    }
    if !a.options.quiet {
        let unit = match horizon {
            Horizon::Month(_) => "monthly EUR",
            Horizon::Year(_) => "annual EUR; households that received at least once",
        };
        println!(
            "{} — {horizon}, {unit}; {} over {} values, {row}",
            policy.name,
            a.param,
            values.len()
        );
        if slieksnis_engine::date::PROJECTED_YEARS.contains(&horizon.year()) {
            let year = horizon.year();
            println!(
                "{}",
                households.year_text(&policy, &params, &assumptions, year)
            );
        }
        println!("{}\n", households.label);
        print!("{}", table(&values, &points, &row));
        for (v, p) in values.iter().zip(&points) {
            if let Point::Skipped(m) = p {
                println!("skipped {v}: {m}");
            }
        }
        print!("{}", jumps_text(&values, &points, &row));
        if let Some(bands) = &bands {
            let drawn = !households.unaged.is_empty()
                && assumptions.all().iter().any(|x| x.set_by.is_none());
            let seed = a.source.generation.seed;
            let header = crate::bands::header(a.replicates as usize, seed, horizon, drawn);
            print!("{}", bands_table(bands, &row, &header));
        }
        eprintln!(
            "{ran} of {} points run in {:.2} s ({:.3} s a point)",
            values.len(),
            elapsed.as_secs_f64(),
            elapsed.as_secs_f64() / ran as f64
        );
        if let Some(out) = &a.out {
            let extra = if bands.is_some() {
                ", sweep-bands.csv"
            } else {
                ""
            };
            println!(
                "wrote sweep.csv, sweep-benefits.csv{extra} in {}",
                out.display()
            );
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

/// The sweep's report: the question (the parameter and its values), the assumptions and the
/// parameter in force with its legal reference, the cost curve with its jumps and bands, and
/// how to reproduce it.
#[allow(clippy::too_many_arguments)]
fn report(
    a: &SweepArgs,
    policy: &slieksnis_engine::Policy,
    assumptions: &slieksnis_engine::assumptions::Assumptions,
    base: &Configuration,
    axis: &Axis,
    households: &str,
    row: &str,
    values: &[Decimal],
    points: &[Point],
    bands: Option<&[(Decimal, slieksnis_engine::bands::Bands)]>,
) -> Result<crate::report::Report> {
    use crate::report::{self, Report};
    let horizon = base.horizon;
    let lv = a.sheets.lv();
    let w = report::Words::of(lv);
    let lead =
        crate::spreadsheet::title(&policy.name, &horizon.to_string(), horizon, households, lv);
    let mut r = Report::new(lv, "", &lead);
    let all = councils(base);
    r.set_title(&format!(
        "{}: {}",
        report::title_of(&r, &all, horizon),
        a.param
    ));
    let n = r.numbers();
    let mut facts = report::run_facts(&r, &policy.name, &all, horizon, households);
    facts.push((w.swept.to_string(), a.param.clone()));
    let shown = match (&a.values, a.from, a.to, a.step) {
        (None, Some(f), Some(t), Some(s)) => format!(
            "{} … {}, {} {} ({})",
            n.decimal(f),
            n.decimal(t),
            if lv { "solis" } else { "step" },
            n.decimal(s),
            values.len()
        ),
        _ => values
            .iter()
            .map(|v| n.decimal(*v))
            .collect::<Vec<_>>()
            .join("; "),
    };
    facts.push((w.values.to_string(), shown.clone()));
    facts.push((w.row.to_string(), r.council_name(row)));
    facts.push((w.changes.to_string(), report::listed(&r, &a.around.sets)));
    if !a.around.assumes.is_empty() {
        facts.push(("--assume".to_string(), a.around.assumes.join(", ")));
    }
    facts.push((w.replicates.to_string(), a.replicates.to_string()));
    r.question(&facts, "");
    let year = horizon.year();
    // The parameters set with --set, then the swept one (its first value run shows which
    // leaves it moves).
    let unset = input::projected_parameters(policy, year, assumptions)?;
    let mut changed = report::changed(&unset, base.parameters, [horizon, horizon], &all)?;
    let first = values
        .iter()
        .zip(points)
        .find(|(_, p)| p.ran().is_some())
        .map(|(v, _)| *v);
    if let Some(v) = first
        && let Ok((Some(moved), _)) = sweep::apply(base, axis, v)
    {
        for mut c in report::changed(base.parameters, &moved, [horizon, horizon], &all)? {
            c.after = None;
            c.swept = format!("{}: {shown}", w.swept);
            changed.push(c);
        }
    }
    let projected: Vec<(String, i32, &slieksnis_engine::assumptions::Assumptions)> =
        if slieksnis_engine::date::PROJECTED_YEARS.contains(&year) {
            vec![(String::new(), year, assumptions)]
        } else {
            Vec::new()
        };
    let ran: Vec<(Decimal, &Summary)> = values
        .iter()
        .zip(points)
        .filter_map(|(v, p)| Some((*v, &p.ran()?.summary)))
        .collect();
    let skipped: Vec<(Decimal, String)> = values
        .iter()
        .zip(points)
        .filter_map(|(v, p)| match p {
            Point::Skipped(m) => Some((*v, m.clone())),
            Point::Ran(_) => None,
        })
        .collect();
    r.assumptions(
        ran.first().into_iter().flat_map(|(_, s)| s.all_rows()),
        &projected,
        &changed,
        &report::assumed_leaves(base.parameters, horizon, &all)?,
    );
    r.sweep(&a.param, &ran, &skipped, row, bands);
    r.reproduce(
        &report::command_line(),
        a.source.generation.seed,
        w.reproduce_note,
    );
    Ok(r)
}

/// The sweep's workbook: one row per point and council, the bands per point (with
/// replicates), and the parameters in force before the swept one is set.
#[allow(clippy::too_many_arguments)]
fn workbook(
    a: &SweepArgs,
    policy: &slieksnis_engine::Policy,
    params: &slieksnis_engine::parameters::ParameterSet,
    horizon: Horizon,
    households: &str,
    values: &[Decimal],
    points: &[Point],
    bands: Option<&[(Decimal, slieksnis_engine::bands::Bands)]>,
) -> Result<crate::spreadsheet::Book> {
    use crate::spreadsheet::{self, Book, Cell};
    let lv = a.sheets.lv();
    let what = format!(
        "{horizon}, {} = {} … {}",
        a.param,
        values[0],
        values[values.len() - 1]
    );
    let mut book = Book::new(
        lv,
        spreadsheet::title(&policy.name, &what, horizon, households, lv),
    );
    let ran: Vec<(Decimal, &Summary)> = values
        .iter()
        .zip(points)
        .filter_map(|(v, p)| Some((*v, &p.ran()?.summary)))
        .collect();
    book.sweep(&a.param, &ran);
    if let Some(bands) = bands {
        let words = spreadsheet::Words::of(lv);
        let parts: Vec<(Vec<Cell>, &slieksnis_engine::bands::Bands)> = bands
            .iter()
            .map(|(v, b)| (vec![Cell::Number(*v)], b))
            .collect();
        book.bands(
            &policy.schema,
            &[format!("{} ({})", words.value, a.param)],
            &parts,
        );
    }
    let councils: Vec<String> = ran
        .first()
        .map(|(_, s)| s.rows.iter().map(|r| r.municipality.clone()).collect())
        .unwrap_or_default();
    book.parameters(&[(
        None,
        spreadsheet::parameters_in_force(params, horizon, &councils)?,
    )]);
    Ok(book)
}

/// Each run point's bands over the replicates: replicate 0 is the sweep itself, replicates
/// 1.. redraw the households (and a projected year's assumptions) as `run --replicates` does
/// and run the same points on them.
fn replicate_bands(
    a: &SweepArgs,
    base: &Configuration,
    households: &input::Households,
    assumptions: &slieksnis_engine::assumptions::Assumptions,
    axis: &Axis,
    values: &[Decimal],
    points: &[Point],
) -> Result<Vec<(Decimal, slieksnis_engine::bands::Bands)>> {
    let projection = crate::bands::Projection {
        assumptions,
        sets: &a.around.sets,
    };
    let seed = a.source.generation.seed;
    let mut summaries: Vec<Vec<Summary>> = points
        .iter()
        .map(|p| p.ran().map(|r| vec![r.summary.clone()]).unwrap_or_default())
        .collect();
    for r in 1..a.replicates {
        let replicate = crate::bands::Replicate::of(
            base.policy,
            households,
            base.horizon.year(),
            seed,
            r,
            Some(&projection),
        )?;
        let replicate = replicate.configuration(base);
        let ran =
            sweep::sweep(&replicate, axis, values).map_err(|e| anyhow!("replicate {r}: {e}"))?;
        for ((all, p), v) in summaries.iter_mut().zip(ran).zip(values) {
            match (all.is_empty(), p) {
                (true, _) => {}
                (false, Point::Ran(x)) => all.push(x.summary),
                (false, Point::Skipped(m)) => {
                    bail!("replicate {r} skipped {v}, which the sweep itself ran: {m}")
                }
            }
        }
    }
    Ok(values
        .iter()
        .zip(summaries)
        .filter(|(_, s)| !s.is_empty())
        .map(|(v, s)| (*v, slieksnis_engine::bands::Bands::of(&s)))
        .collect())
}

/// OUT/sweep-bands.csv: `value,municipality,measure,low,middle,high,point` per run point.
fn write_bands(
    w: &mut dyn std::io::Write,
    bands: &[(Decimal, slieksnis_engine::bands::Bands)],
) -> std::io::Result<()> {
    let mut csv = Vec::new();
    for (i, (v, b)) in bands.iter().enumerate() {
        let mut one = Vec::new();
        crate::bands::write_bands(&mut one, b)?;
        let text = String::from_utf8(one).expect("CSV is UTF-8");
        for (j, line) in text.lines().enumerate() {
            if j == 0 {
                if i == 0 {
                    csv.push(format!("value,{line}"));
                }
            } else {
                csv.push(format!("{v},{line}"));
            }
        }
    }
    for line in csv {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// The band of the row's municipal net and gross EUR at each point.
fn bands_table(
    bands: &[(Decimal, slieksnis_engine::bands::Bands)],
    row: &str,
    header: &str,
) -> String {
    let mut lines = vec![vec![
        "value".to_string(),
        "gross EUR p5".into(),
        "p50".into(),
        "p95".into(),
        "municipal net EUR p5".into(),
        "p50".into(),
        "p95".into(),
    ]];
    for (v, b) in bands {
        let Some(r) = b.all_rows().find(|r| r.municipality == row) else {
            continue;
        };
        let mut line = vec![v.to_string()];
        for name in ["gross_eur", "municipal_net_eur"] {
            if let Some(band) = b.get(r, name) {
                line.extend([band.low, band.middle, band.high].map(output::eur));
            }
        }
        lines.push(line);
    }
    format!("\n{header}\n{}", output::render(&lines, 1))
}

/// The councils the households are of, in slug order.
fn councils(base: &Configuration) -> Vec<String> {
    let p = &base.population;
    let mut idx = p.households.municipality.clone();
    idx.sort_unstable();
    idx.dedup();
    let mut out: Vec<String> = idx
        .into_iter()
        .map(|m| p.municipalities[m as usize].clone())
        .collect();
    out.sort();
    out
}

/// A file's header and records from a summary (`output::summary_records`, `benefits_records`).
type Records = fn(&Summary) -> (Vec<String>, Vec<Vec<String>>);

/// `value,` then the records of `records` for each point run, in point order.
fn write_long(
    w: &mut dyn std::io::Write,
    values: &[Decimal],
    points: &[Point],
    records: Records,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    let mut header_written = false;
    for (v, p) in values.iter().zip(points) {
        let Some(r) = p.ran() else { continue };
        let (head, rows) = records(&r.summary);
        if !header_written {
            let mut h = vec!["value".to_string()];
            h.extend(head);
            w.write_record(&h)?;
            header_written = true;
        }
        for row in rows {
            let mut f = vec![v.to_string()];
            f.extend(row);
            w.write_record(&f)?;
        }
    }
    w.flush()
}

/// The statuses' households, gross, state and municipal EUR of the row at each point run, and
/// the change of each from the point run before.
fn table(values: &[Decimal], points: &[Point], row: &str) -> String {
    let Some(first) = points.iter().find_map(Point::ran) else {
        return String::new();
    };
    let schema = &first.summary.schema;
    let m = first.summary.measures();
    let mut shown: Vec<(usize, String)> = schema
        .statuses
        .iter()
        .filter_map(|s| {
            let name = format!("{}_households", s.id);
            Some((
                m.names.iter().position(|n| *n == name)?,
                format!("{} hh", s.label),
            ))
        })
        .collect();
    for (name, label) in [
        ("gross_eur", "gross EUR"),
        ("state_share_eur", "state EUR"),
        ("municipal_net_eur", "municipal net EUR"),
    ] {
        if let Some(k) = m.names.iter().position(|n| n == name) {
            shown.push((k, label.to_string()));
        }
    }
    let mut head = vec!["value".to_string()];
    head.extend(shown.iter().map(|(_, l)| l.clone()));
    head.extend(shown.iter().map(|(_, l)| format!("Δ {l}")));
    let mut lines = vec![head];
    let mut before: Option<&Row> = None;
    for (v, p) in values.iter().zip(points) {
        let Some(r) = p.ran() else { continue };
        let now = row_of(&r.summary, row);
        let mut line = vec![v.to_string()];
        line.extend(
            shown
                .iter()
                .map(|(k, _)| output::measure_text(m, *k, now.values[*k])),
        );
        line.extend(shown.iter().map(|(k, _)| match before {
            Some(b) => signed(m, *k, now.values[*k] - b.values[*k]),
            None => String::new(),
        }));
        lines.push(line);
        before = Some(now);
    }
    output::render(&lines, usize::MAX)
}

/// A change: with its sign, as the tables write amounts and counts.
fn signed(m: &Measures, k: usize, d: i64) -> String {
    let text = output::measure_text(m, k, d);
    if d > 0 { format!("+{text}") } else { text }
}

/// "municipal_net_eur jumps by +12 345.00 EUR between 0.62 and 0.63", for every summary.csv
/// measure of the row and each step [`sweep::jumps`] finds, over the points run.
fn jumps_text(values: &[Decimal], points: &[Point], row: &str) -> String {
    let ran: Vec<(Decimal, &Row)> = values
        .iter()
        .zip(points)
        .filter_map(|(v, p)| Some((*v, row_of(&p.ran()?.summary, row))))
        .collect();
    let Some((_, first)) = ran.first() else {
        return String::new();
    };
    let m = first.measures().clone();
    let mut lines = Vec::new();
    for (k, name) in output::summary_columns(&m) {
        let series: Vec<i64> = ran.iter().map(|(_, r)| r.values[k]).collect();
        for i in sweep::jumps(&series) {
            let unit = if m.is_amount(k) { " EUR" } else { "" };
            lines.push(format!(
                "  {name} jumps by {}{unit} between {} and {}",
                signed(&m, k, series[i + 1] - series[i]),
                ran[i].0,
                ran[i + 1].0
            ));
        }
    }
    const SHOWN: usize = 20;
    let mut out = String::new();
    if lines.is_empty() {
        if ran.len() >= 4 {
            out.push_str(
                "no jumps (no step more than 3× its measure's typical step and 1 % of its level)\n",
            );
        }
        return out;
    }
    out.push_str(&format!("jumps ({row}; a step more than 3× its measure's typical step, twice its smallest and 1 % of its level):\n"));
    for l in lines.iter().take(SHOWN) {
        out.push_str(l);
        out.push('\n');
    }
    if lines.len() > SHOWN {
        out.push_str(&format!(
            "  and {} more (see sweep.csv)\n",
            lines.len() - SHOWN
        ));
    }
    out
}

/// Find the value of a parameter at which a measure meets a target.
#[derive(Args)]
#[command(after_help = "\
Examples:
  # The highest low-income share whose municipal net cost stays at most 900 000 EUR a year:
  slieksnis solve --municipality tukuma-novads --year 2026 \\
      --param municipalities.tukuma-novads.low_income.pct --measure municipal_net_eur --at-most 900000
  # The GMI share that costs the state 2 M EUR more than today's (all of Latvia, a month):
  slieksnis solve --municipality all --period 2026-03 --param gmi.pct \\
      --measure state_share_eur --at-most 2000000 --change
  # The lowest needy share with at least 600 needy households in Ogre:
  slieksnis solve --municipality ogres-novads --year 2026 --param needy.pct \\
      --measure needy_households --at-least 600 --lowest

--measure is a column of summary.csv (households, needy_households, gmi_eur, gross_eur,
state_share_eur, municipal_net_eur, …) or a benefit's persons or state share (gmi_persons,
gmi_state_eur); it is read in --row (default: the one council of --municipality, else TOTAL).
EUR targets are EUR (at most cents), counts whole numbers. --change reads the target as a
change from the measure at the parameter's value in force (one more run).

The search moves in the parameter's own steps: a share of the median (low_income.pct,
needy.pct, gmi.pct) one whole euro of the first-person threshold at a time, each the smallest
share in ten-thousandths that gives it, with the median of the horizon's first month; a EUR
amount in cents; anything else in ten-thousandths; --step S instead. The range is the legal
range (see `slieksnis params`), within --from/--to, narrowed to what the rules accept (checked
without running households; a council's low-income threshold lies between the needy threshold
and 80 % of the median).

It bisects the grid, two points a round in parallel: right for a measure that moves one way
with the parameter, which every measure it evaluates is checked to do. It prints the value,
the measure there and at the next step past it (which misses the target), the runs and time.
Exit 0 when found; 3 when no value in the range reaches the target (the measure at both ends
is printed); 1 when the measure does not move one way (the best point seen is printed).")]
pub struct SolveArgs {
    #[command(flatten)]
    source: input::PopulationArgs,
    /// One month (its rules are those in force on its first day).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_period, required_unless_present = "year", conflicts_with = "year")]
    period: Option<slieksnis_engine::Period>,
    /// A whole year, month by month (annual figures).
    #[arg(long, value_name = "YYYY", value_parser = parse_year)]
    year: Option<i32>,
    /// The number to find: a parameter path (as --set), municipalities.*.REST, or
    /// behaviour.take_up_cap.
    #[arg(long, value_name = "PATH")]
    param: String,
    /// The measure the target is on: a summary.csv column.
    #[arg(long, value_name = "NAME")]
    measure: String,
    /// The measure must be at most V.
    #[arg(long, value_name = "V", value_parser = parse_decimal, allow_hyphen_values = true,
          required_unless_present = "at_least", conflicts_with = "at_least")]
    at_most: Option<Decimal>,
    /// The measure must be at least V.
    #[arg(long, value_name = "V", value_parser = parse_decimal, allow_hyphen_values = true)]
    at_least: Option<Decimal>,
    /// Read V as the change from the measure at the parameter's value in force.
    #[arg(long)]
    change: bool,
    /// The highest value meeting the target (the default).
    #[arg(long, conflicts_with = "lowest")]
    highest: bool,
    /// The lowest value meeting the target.
    #[arg(long)]
    lowest: bool,
    /// The lowest value to consider (default: the legal range's).
    #[arg(long, value_name = "A", value_parser = parse_decimal, allow_hyphen_values = true)]
    from: Option<Decimal>,
    /// The highest value to consider (default: the legal range's).
    #[arg(long, value_name = "B", value_parser = parse_decimal, allow_hyphen_values = true)]
    to: Option<Decimal>,
    /// The grid's step instead of the parameter's own rounding.
    #[arg(long, value_name = "S", value_parser = parse_decimal)]
    step: Option<Decimal>,
    /// Uncertainty bands: solve again on N − 1 replicates (as `run --replicates N`) and print
    /// the answer's p5, p50 and p95 (1, the default: none; it costs N times the solve).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    replicates: u32,
    #[command(flatten)]
    around: Around,
    #[command(flatten)]
    options: Options,
}

/// Bisects `searched` for the wanted value meeting `goal`, on `base`'s households: the search
/// and the runs it made.
#[allow(clippy::too_many_arguments)]
fn search_on(
    base: &Configuration,
    axis: &Axis,
    param: &str,
    searched: &[Decimal],
    row: &str,
    k: usize,
    goal: Goal,
    want: Want,
) -> Result<(sweep::Search, usize)> {
    let mut runs = 0;
    let mut evaluate = |idx: &[usize]| -> Result<Vec<i64>> {
        use rayon::prelude::*;
        let points: Vec<_> = idx
            .par_iter()
            .map(|&i| sweep::evaluate(base, axis, searched[i]))
            .collect();
        runs += idx.len();
        points
            .into_iter()
            .zip(idx)
            .map(|(p, &i)| match p.map_err(|e| anyhow!("{e}"))? {
                Point::Ran(r) => Ok(row_of(&r.summary, row).values[k]),
                Point::Skipped(m) => Err(anyhow!(
                    "{param}={}: the rules' checks accepted it, but the run was refused: {m}",
                    searched[i]
                )),
            })
            .collect()
    };
    let s = sweep::search(searched.len(), goal, want, &mut evaluate)?;
    Ok((s, runs))
}

/// The answer on each replicate 1.. (households, take-up and a projected year's assumptions
/// redrawn as `run --replicates` does), on the same grid, with the target read on each
/// replicate as the run reads it (a `--change` from that replicate's own value in force):
/// the grid index found, or `None` where no value reaches the target or the measure turns.
#[allow(clippy::too_many_arguments)]
fn replicate_answers(
    a: &SolveArgs,
    base: &Configuration,
    households: &input::Households,
    assumptions: &slieksnis_engine::assumptions::Assumptions,
    axis: &Axis,
    searched: &[Decimal],
    row: &str,
    k: usize,
    goal: Goal,
    change: Option<i64>,
    want: Want,
) -> Result<(Vec<Option<usize>>, usize)> {
    let projection = crate::bands::Projection {
        assumptions,
        sets: &a.around.sets,
    };
    let (mut answers, mut runs) = (Vec::new(), 0);
    for r in 1..a.replicates {
        let replicate = crate::bands::Replicate::of(
            base.policy,
            households,
            base.horizon.year(),
            a.source.generation.seed,
            r,
            Some(&projection),
        )?;
        let replicate = replicate.configuration(base);
        let goal = match change {
            // The target is the replicate's own value in force plus the same change.
            Some(change) => {
                let now =
                    run::run(&replicate, &|_| {}).map_err(|e| anyhow!("replicate {r}: {e}"))?;
                let t = row_of(&now.summary, row).values[k]
                    .checked_add(change)
                    .ok_or_else(|| anyhow!("replicate {r}: the target does not fit"))?;
                match goal {
                    Goal::AtMost(_) => Goal::AtMost(t),
                    Goal::AtLeast(_) => Goal::AtLeast(t),
                }
            }
            None => goal,
        };
        let (s, n) = search_on(&replicate, axis, &a.param, searched, row, k, goal, want)?;
        runs += n + usize::from(change.is_some());
        answers.push(match s.found {
            Found::At { at, .. } => Some(at),
            _ => None,
        });
    }
    Ok((answers, runs))
}

/// The answer's band over the replicates: p5, p50 and p95 of the answers by nearest rank
/// (`bands::Band::of` on grid indices, so on values in grid order), and how many replicates
/// reached the target at all.
fn answers_text(
    at: usize,
    others: &[Option<usize>],
    shown: &dyn Fn(usize) -> String,
    replicates: u32,
) -> String {
    let found: Vec<i64> = std::iter::once(Some(at))
        .chain(others.iter().copied())
        .flatten()
        .map(|i| i as i64)
        .collect();
    let b = slieksnis_engine::bands::Band::of(&found);
    let shown_at = |v: i64| shown(v as usize);
    format!(
        "band over {replicates} replicates (population seeds, take-up and calibration; see run \
         --replicates): {} of {replicates} reach the target; of those, p5 {}, p50 {}, p95 {}",
        found.len(),
        shown_at(b.low),
        shown_at(b.middle),
        shown_at(b.high)
    )
}

/// A target in the measure's units: cents for EUR, a whole count otherwise.
fn target_units(m: &Measures, k: usize, v: Decimal, name: &str) -> Result<i64> {
    let (scaled, what) = if m.is_amount(k) {
        (v * Decimal::from(100), "EUR with at most cents")
    } else {
        (v, "a whole number")
    };
    if scaled.fract() != Decimal::ZERO {
        bail!("target {v} for {name}: give {what}");
    }
    i64::try_from(scaled.trunc().mantissa() / 10i128.pow(scaled.trunc().scale()))
        .map_err(|_| anyhow!("target {v} for {name}: too large"))
}

pub fn solve(a: SolveArgs) -> Result<ExitCode> {
    let policy = input::policy(a.options.policy.as_deref())?;
    let horizon = horizon(a.period, a.year);
    let (assumptions, params) = parameters(
        &policy,
        horizon,
        &a.around.assumes,
        &a.around.sets,
        a.options.quiet,
    )?;
    let axis = Axis::parse(&a.param);
    axis.spec(&params, horizon).map_err(|m| anyhow!("{m}"))?;
    let measures = Measures::of(&policy.schema);
    let Some(k) = measures.names.iter().position(|n| *n == a.measure) else {
        let columns: Vec<String> = output::summary_columns(&measures)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        bail!(
            "--measure {}: not a measure{}; accepted: {} (and each benefit's _persons and _state_eur)",
            a.measure,
            slieksnis_engine::parameters::did_you_mean(
                &a.measure,
                measures.names.iter().map(String::as_str)
            ),
            columns.join(", ")
        );
    };
    let (raw, at_most) = match (a.at_most, a.at_least) {
        (Some(v), _) => (v, true),
        (None, Some(v)) => (v, false),
        (None, None) => unreachable!("clap requires one"),
    };
    let target = target_units(&measures, k, raw, &a.measure)?;
    let change = a.change.then_some(target);
    let want = if a.lowest {
        Want::Lowest
    } else {
        Want::Highest
    };
    let households =
        input::households_aged(&a.source, horizon.year(), a.options.quiet, &assumptions)?;
    let population = &households.population;
    let behaviour = households.behaviour(horizon.year(), a.source.generation.seed);
    let base = Configuration {
        policy: &policy,
        rules: None,
        parameters: &params,
        population,
        horizon,
        behaviour: &behaviour,
        chunk_size: a.options.chunk,
    };
    let row = row_name(a.around.row.as_deref(), &a.source, &councils(&base))?;
    let started = Instant::now();
    let mut runs = 0usize;
    let target = if a.change {
        let r = run::run(&base, &|_| {}).map_err(|e| anyhow!("{e}"))?;
        runs += 1;
        let now = row_of(&r.summary, &row).values[k];
        now.checked_add(target)
            .ok_or_else(|| anyhow!("target {raw} for {}: too large", a.measure))?
    } else {
        target
    };
    let goal = if at_most {
        Goal::AtMost(target)
    } else {
        Goal::AtLeast(target)
    };
    let grid = sweep::solve_grid(&base, &axis, a.from, a.to, a.step).map_err(|m| anyhow!("{m}"))?;
    if let Some(note) = &grid.note {
        eprintln!("note: {note}");
    }
    let values: Vec<Decimal> = grid.points.iter().map(|p| p.value).collect();
    let (lo, hi) = sweep::accepted_span(&base, &axis, &values).map_err(|m| anyhow!("{m}"))?;
    let shown = |i: usize| -> String {
        let p = &grid.points[i];
        match p.euros {
            Some(e) => format!("{} (first-person threshold {e} EUR)", p.value),
            None => p.value.to_string(),
        }
    };
    let text = |v: i64| -> String {
        let t = output::measure_text(&measures, k, v);
        if measures.is_amount(k) {
            format!("{t} EUR")
        } else {
            t
        }
    };
    let searched = &values[lo..=hi];
    let (s, n) = search_on(&base, &axis, &a.param, searched, &row, k, goal, want)?;
    runs += n;
    let answers = if a.replicates > 1 {
        let (answers, n) = replicate_answers(
            &a,
            &base,
            &households,
            &assumptions,
            &axis,
            searched,
            &row,
            k,
            goal,
            change,
            want,
        )?;
        runs += n;
        Some(answers)
    } else {
        None
    };
    let elapsed = started.elapsed();
    let at = |i: usize| s.evaluated.get(&i).copied();
    let relation = if at_most { "at most" } else { "at least" };
    let which = if want == Want::Highest {
        "highest"
    } else {
        "lowest"
    };
    let target_text = if a.change {
        format!("{} (a change of {raw})", text(target))
    } else {
        text(target)
    };
    let stats = format!(
        "{runs} runs ({} rounds) in {:.2} s; grid {} … {}, {} values the rules accept",
        s.rounds,
        elapsed.as_secs_f64(),
        shown(lo),
        shown(hi),
        searched.len()
    );
    println!(
        "{} — {horizon}: the {which} {} with {} of {row} {relation} {target_text}",
        policy.name, a.param, a.measure
    );
    if slieksnis_engine::date::PROJECTED_YEARS.contains(&horizon.year()) {
        let year = horizon.year();
        println!(
            "  {}",
            households.year_text(&policy, &params, &assumptions, year)
        );
    }
    match s.found {
        Found::At { at: i, beyond } => {
            println!(
                "  {} = {}: {} {}",
                a.param,
                shown(lo + i),
                a.measure,
                text(at(i).unwrap_or(0))
            );
            match beyond {
                Some(b) => println!(
                    "  next step {}: {} {} (misses the target)",
                    shown(lo + b),
                    a.measure,
                    text(at(b).unwrap_or(0))
                ),
                None => println!(
                    "  the {} end of the range the rules accept: every value there meets the target",
                    if want == Want::Highest {
                        "top"
                    } else {
                        "bottom"
                    }
                ),
            }
            println!("  {stats}");
            if let Some(answers) = &answers {
                let at_grid = |j: usize| shown(lo + j);
                println!("  {}", answers_text(i, answers, &at_grid, a.replicates));
            }
            Ok(ExitCode::SUCCESS)
        }
        Found::Unreachable => {
            println!(
                "  no value in the range reaches the target: {} at {}, {} at {}",
                text(at(0).unwrap_or(0)),
                shown(lo),
                text(at(searched.len() - 1).unwrap_or(0)),
                shown(hi)
            );
            println!("  {stats}");
            Ok(ExitCode::from(3))
        }
        Found::NonMonotone { best } => {
            let seen: Vec<String> = s
                .evaluated
                .iter()
                .map(|(&i, &v)| format!("{}: {}", searched[i], text(v)))
                .collect();
            let best = match best {
                Some(b) => format!(
                    "the best point seen is {} with {}",
                    shown(lo + b),
                    text(at(b).unwrap_or(0))
                ),
                None => "no point seen meets the target".into(),
            };
            bail!(
                "--measure {} does not move one way with {} ({}), so a search cannot be trusted; {best} ({stats}); sweep the range to see it",
                a.measure,
                a.param,
                seen.join(", ")
            )
        }
    }
}
