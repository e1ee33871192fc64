//! Uncertainty bands for `run` and `compare` (`--replicates N`): the run repeated over
//! replicates (`slieksnis_engine::bands`: population seeds, take-up and calibration), written as
//! OUT/bands.csv and shown as a p5–p95 table under the usual one. The engine runs and bands the
//! replicates; this module picks the count, shows progress and writes files and tables.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;

use anyhow::{Result, anyhow, bail};
use slieksnis_engine::bands::{self, Band, BandRow, Bands};
use slieksnis_engine::fixed::format_cents_i128;
use slieksnis_engine::profile::Profile;
use slieksnis_engine::run::{self, Horizon, Results};
use slieksnis_engine::scenario::{self, Comparison, Scenario};
use slieksnis_engine::summary::Measures;
use slieksnis_engine::{Policy, Summary, parameters::ParameterSet};

use crate::input::Households;
use crate::output;

/// Replicates when `--replicates` is not given, for generated households: one council's year
/// answers in about a second on a 2-core machine (README, "Speed"). With 10 replicates and
/// nearest rank, p5 is the lowest replicate, p50 the 5th lowest and p95 the highest.
pub const DEFAULT_REPLICATES: u32 = 10;

/// Replicates by default for a population of more than [`LARGE`] households (all of Latvia):
/// a year of it takes about 3.7 s of CPU a replicate, so 10 would take about 20 s on 2 cores
/// (README, "Speed"). With 5 and nearest rank, p5, p50 and p95 are the lowest, the 3rd and the
/// highest replicate.
pub const LARGE_DEFAULT_REPLICATES: u32 = 5;

/// Households above which [`LARGE_DEFAULT_REPLICATES`] is the default (Rīga has about 300 000,
/// all of Latvia 821 859).
pub const LARGE: usize = 500_000;

/// The most replicates: a thousand years of all of Latvia would take an hour.
pub const MAX_REPLICATES: u32 = 1000;

/// `--replicates N`, shared by `run` and `compare`.
#[derive(clap::Args, Clone, Debug)]
pub struct BandArgs {
    /// Uncertainty bands over N replicates (population seeds SEED…SEED+N−1, take-up and
    /// calibration); 1 turns bands off. Default: 10 for generated households (5 for more than
    /// 500 000 households, as all of Latvia), 1 for a population read from files (which cannot
    /// be redrawn).
    #[arg(long, value_name = "N", value_parser = parse_replicates)]
    pub replicates: Option<u32>,
}

fn parse_replicates(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if (1..=MAX_REPLICATES).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{s}' is not a number of replicates from 1 (no bands) to {MAX_REPLICATES}, e.g. \
             --replicates 10"
        )),
    }
}

impl BandArgs {
    /// How many replicates to run for these households.
    pub fn count(&self, households: &Households) -> Result<u32> {
        let from_files = households.profiles.is_empty();
        match self.replicates {
            None if from_files => Ok(1),
            None if households.population.household_count() > LARGE => Ok(LARGE_DEFAULT_REPLICATES),
            None => Ok(DEFAULT_REPLICATES),
            Some(n) if n > 1 && from_files => bail!(
                "--replicates {n}: {} cannot be redrawn, and a year of it runs on entitlement \
                 (everyone who qualifies applies), so every replicate would be the same; bands \
                 need households generated from the profiles (--municipality SLUG|all), or \
                 leave out --replicates",
                households.label
            ),
            Some(n) => Ok(n),
        }
    }
}

/// What replicates `1..` need: the profiles the households were generated from and each
/// council's σ in `year`.
struct Redraw<'a> {
    profiles: Vec<&'a Profile>,
    sigmas: BTreeMap<String, u32>,
}

impl<'a> Redraw<'a> {
    fn new(households: &'a Households, year: i32) -> Redraw<'a> {
        let profiles: Vec<&Profile> = households.profiles.iter().collect();
        let sigmas = bands::Uncertainty::shipped().sigmas(&profiles, year);
        Redraw { profiles, sigmas }
    }
}

/// A projected year's assumptions in the band of `run`: in replicate r ≥ 1, each assumption
/// not set for the run (`--assume`) is drawn uniformly within its `band = [lo, hi]`
/// ([`bands::assumption_value`]); the parameters are projected and the profiles aged with the
/// drawn values, and the run's `--set` applied again. Replicate 0 keeps the run's own.
pub struct Projection<'a> {
    pub assumptions: &'a slieksnis_engine::assumptions::Assumptions,
    pub sets: &'a [String],
}

impl Projection<'_> {
    /// Replicate `r`'s parameters and aged profiles.
    pub(crate) fn replicate(
        &self,
        policy: &Policy,
        unaged: &[Profile],
        year: i32,
        seed: u64,
        r: u32,
    ) -> Result<(ParameterSet, Vec<Profile>)> {
        let mut drawn = self.assumptions.clone();
        for a in self.assumptions.all() {
            if a.set_by.is_none() {
                let v = bands::assumption_value(a.value, [a.band.0, a.band.1], seed, r, &a.name);
                drawn
                    .set(&a.name, v, "band")
                    .map_err(|m| anyhow!("{}{m}", replicate_name(r, seed)))?;
            }
        }
        let mut params = crate::input::projected_parameters(policy, year, &drawn)?;
        crate::input::apply_overrides(&mut params, self.sets)?;
        let aged = unaged.iter().map(|p| p.aged(year, &drawn)).collect();
        Ok((params, aged))
    }
}

/// A progress bar over the months (a year) or runs (a month) of every replicate.
fn bar(
    quiet: bool,
    replicates: u32,
    per_replicate: u64,
    horizon: Horizon,
) -> indicatif::ProgressBar {
    match horizon {
        Horizon::Year(_) => {
            let bar = output::months_bar(quiet, u64::from(replicates) * per_replicate);
            if replicates > 1 {
                bar.set_message(format!("projecting {replicates} replicates"));
            }
            bar
        }
        Horizon::Month(_) => indicatif::ProgressBar::hidden(),
    }
}

/// `run`'s runs: replicate 0 on the households given (its results whole, for households.csv),
/// then, with more than one replicate, the others' summaries, and the bands over all.
#[allow(clippy::too_many_arguments)]
pub fn run(
    policy: &Policy,
    parameters: &ParameterSet,
    households: &Households,
    horizon: Horizon,
    seed: u64,
    chunk_size: usize,
    replicates: u32,
    quiet: bool,
    projection: Option<&Projection>,
) -> Result<(Results, Option<Bands>)> {
    let bar = bar(quiet, replicates, 12, horizon);
    enum Out {
        Point(Box<Results>),
        Other(Summary),
    }
    let base = run::Configuration {
        policy,
        rules: None,
        parameters,
        population: &households.population,
        horizon,
        behaviour: &households.behaviour(horizon.year(), seed),
        chunk_size,
    };
    let outs = bands::run_replicates(0..replicates, |r| {
        let replicate;
        let configuration = if r == 0 {
            base
        } else {
            replicate = Replicate::of(policy, households, horizon.year(), seed, r, projection)?;
            replicate.configuration(&base)
        };
        let results = run::run(&configuration, &|_| bar.inc(1))
            .map_err(|e| anyhow!("{}{e}", replicate_name(r, seed)))?;
        Ok::<_, anyhow::Error>(if r == 0 {
            Out::Point(Box::new(results))
        } else {
            // The replicate's population and outcome are dropped here: only its summary stays.
            Out::Other(results.summary)
        })
    });
    bar.finish_and_clear();
    let mut point = None;
    let mut summaries = Vec::new();
    for out in outs? {
        match out {
            Out::Point(results) => {
                summaries.push(results.summary.clone());
                point = Some(*results);
            }
            Out::Other(summary) => summaries.push(summary),
        }
    }
    let point = point.expect("replicate 0 always runs");
    let bands = (replicates > 1).then(|| Bands::of(&summaries));
    Ok((point, bands))
}

/// Replicate `r` ≥ 1's households, behaviour and, for a projected year with a [`Projection`],
/// parameters — for commands that run many points on each replicate (`sweep`, `solve`).
pub(crate) struct Replicate {
    population: std::sync::Arc<slieksnis_engine::Population>,
    behaviour: slieksnis_engine::annual::Behaviour,
    parameters: Option<ParameterSet>,
}

impl Replicate {
    pub(crate) fn of(
        policy: &Policy,
        households: &Households,
        year: i32,
        seed: u64,
        r: u32,
        projection: Option<&Projection>,
    ) -> Result<Replicate> {
        if households.profiles.is_empty() {
            bail!(
                "replicates: {} cannot be redrawn (bands need households generated from the \
                 profiles, --municipality SLUG|all)",
                households.label
            );
        }
        let redraw = Redraw::new(households, year);
        let drawn = match projection {
            Some(x) if !households.unaged.is_empty() => {
                Some(x.replicate(policy, &households.unaged, year, seed, r)?)
            }
            _ => None,
        };
        let profiles: Vec<&Profile> = match &drawn {
            Some((_, aged)) => aged.iter().collect(),
            None => redraw.profiles.clone(),
        };
        let (p, b) = bands::replicate(&profiles, year, seed, r, &redraw.sigmas);
        Ok(Replicate {
            population: std::sync::Arc::new(p),
            behaviour: b,
            parameters: drawn.map(|(params, _)| params),
        })
    }

    /// `base` on this replicate's households, behaviour and parameters.
    pub(crate) fn configuration<'a>(
        &'a self,
        base: &run::Configuration<'a>,
    ) -> run::Configuration<'a> {
        run::Configuration {
            policy: base.policy,
            rules: base.rules,
            parameters: self.parameters.as_ref().unwrap_or(base.parameters),
            population: &self.population,
            horizon: base.horizon,
            behaviour: &self.behaviour,
            chunk_size: base.chunk_size,
        }
    }
}

/// How an error of replicate `r` begins: nothing for replicate 0 (the run without bands).
fn replicate_name(r: u32, seed: u64) -> String {
    if r == 0 {
        String::new()
    } else {
        format!("replicate {r} (seed {}): ", bands::replicate_seed(seed, r))
    }
}

/// `compare`'s bands: baseline, reform and each replicate's difference.
pub struct CompareBands {
    pub baseline: Bands,
    pub reform: Bands,
    pub difference: Bands,
}

/// `compare`'s runs: replicate 0 on the households given (both sides whole), then the others'
/// summaries, and the bands of each side and of the difference taken replicate by replicate.
#[allow(clippy::too_many_arguments)]
pub fn compare(
    policy: &Policy,
    scenario: &Scenario,
    households: &Households,
    replaced: [&BTreeMap<String, String>; 2],
    seed: u64,
    chunk_size: usize,
    replicates: u32,
    quiet: bool,
) -> Result<(Comparison, Option<CompareBands>)> {
    let year = scenario.horizon.year();
    let redraw = Redraw::new(households, year);
    let bar = bar(quiet, replicates, 24, scenario.horizon);
    enum Out {
        Point(Box<Comparison>),
        Other(Box<(Summary, Summary)>),
    }
    let outs = bands::run_replicates(0..replicates, |r| {
        let (own, behaviour);
        let population = if r == 0 {
            behaviour = households.behaviour(year, seed);
            &households.population
        } else {
            let (p, b) = bands::replicate(&redraw.profiles, year, seed, r, &redraw.sigmas);
            own = std::sync::Arc::new(p);
            behaviour = b;
            &own
        };
        let c = scenario::compare(
            policy,
            scenario,
            population,
            replaced,
            &behaviour,
            chunk_size,
            &|_| bar.inc(1),
        )
        .map_err(|e| anyhow!("{}{e}", replicate_name(r, seed)))?;
        Ok::<_, anyhow::Error>(if r == 0 {
            Out::Point(Box::new(c))
        } else {
            Out::Other(Box::new((c.baseline, c.reform)))
        })
    });
    bar.finish_and_clear();
    let (mut point, mut base, mut reform) = (None, Vec::new(), Vec::new());
    for out in outs? {
        match out {
            Out::Point(c) => {
                base.push(c.baseline.clone());
                reform.push(c.reform.clone());
                point = Some(*c);
            }
            Out::Other(sides) => {
                let (b, r) = *sides;
                base.push(b);
                reform.push(r);
            }
        }
    }
    let point = point.expect("replicate 0 always runs");
    if replicates == 1 {
        return Ok((point, None));
    }
    let difference = bands::differences(&base, &reform).map_err(|e| anyhow!("{e}"))?;
    Ok((
        point,
        Some(CompareBands {
            baseline: Bands::of(&base),
            reform: Bands::of(&reform),
            difference: Bands::of(&difference),
        }),
    ))
}

/// What the band covers, for the tables' header.
pub fn header(replicates: usize, seed: u64, horizon: Horizon, assumptions_drawn: bool) -> String {
    let seeds = Range {
        start: seed,
        end: bands::replicate_seed(seed, replicates as u32 - 1),
    };
    let what = match horizon {
        Horizon::Year(_) => "population seeds, take-up and calibration",
        Horizon::Month(_) => {
            "population seeds; a month counts everyone who qualifies, so take-up does not enter"
        }
    };
    let (drawn, left) = if assumptions_drawn {
        (
            "; the year's assumptions not set with --assume drawn within their bands",
            "",
        )
    } else {
        ("", ", future years' assumptions")
    };
    format!(
        "band: p5–p95 of {replicates} replicates (seeds {}–{}: {what}{drawn}); p50 their \
         middle, point the run without bands (seed {seed}). Not included: uncertainty in the \
         rules and parameters, error in the reported figures, the model's error other than \
         through take-up{left}",
        seeds.start, seeds.end
    )
}

/// A measure's value as a CSV field: cents as EUR with two decimals, counts as they are.
fn field(m: &Measures, k: usize, v: i64) -> String {
    if m.is_amount(k) {
        format_cents_i128(i128::from(v))
    } else {
        v.to_string()
    }
}

fn band_records(
    side: Option<&str>,
    bands: &Bands,
    w: &mut csv::Writer<&mut dyn Write>,
) -> io::Result<()> {
    let m = &bands.measures;
    for row in bands.all_rows() {
        for k in output::summary_measures(m) {
            let b = row.bands[k];
            let mut record: Vec<String> = side.map(String::from).into_iter().collect();
            record.push(row.municipality.clone());
            record.push(m.names[k].clone());
            record.extend([b.low, b.middle, b.high, b.point].map(|v| field(m, k, v)));
            w.write_record(&record)?;
        }
    }
    Ok(())
}

/// Writes `run`'s bands.csv: `municipality,measure,low,middle,high,point`, the measures of
/// summary.csv, municipalities in slug order then TOTAL.
pub fn write_bands(w: &mut dyn Write, bands: &Bands) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record(["municipality", "measure", "low", "middle", "high", "point"])?;
    band_records(None, bands, &mut w)?;
    w.flush()
}

/// Writes `compare`'s bands.csv: `side,municipality,measure,low,middle,high,point` with side
/// baseline, reform, difference.
pub fn write_compare_bands(w: &mut dyn Write, b: &CompareBands) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record([
        "side",
        "municipality",
        "measure",
        "low",
        "middle",
        "high",
        "point",
    ])?;
    for (side, bands) in [
        ("baseline", &b.baseline),
        ("reform", &b.reform),
        ("difference", &b.difference),
    ] {
        band_records(Some(side), bands, &mut w)?;
    }
    w.flush()
}

/// The main figures of the tables and the report, by index: households with each status, each benefit's
/// households and EUR, gross, state share and municipal net.
pub(crate) fn shown_measures(
    m: &Measures,
    schema: &slieksnis_engine::schema::Schema,
) -> Vec<usize> {
    shown(m, schema).into_iter().map(|(k, _)| k).collect()
}

/// The main figures with the terminal's labels.
fn shown(m: &Measures, schema: &slieksnis_engine::schema::Schema) -> Vec<(usize, String)> {
    let at = |name: &str| m.names.iter().position(|n| n == name);
    let mut out = Vec::new();
    for s in &schema.statuses {
        if let Some(k) = at(&format!("{}_households", s.id)) {
            out.push((k, format!("{} households", s.label)));
        }
    }
    for b in &schema.benefits {
        for (suffix, what) in [("households", "households"), ("eur", "EUR")] {
            if let Some(k) = at(&format!("{}_{suffix}", b.column)) {
                out.push((k, format!("{} {what}", b.label)));
            }
        }
    }
    for (name, label) in [
        ("gross_eur", "gross EUR"),
        ("state_share_eur", "state share EUR"),
        ("municipal_net_eur", "municipal net EUR"),
    ] {
        if let Some(k) = at(name) {
            out.push((k, label.to_string()));
        }
    }
    out
}

fn show(m: &Measures, k: usize, v: i64) -> String {
    if m.is_amount(k) {
        output::eur(v)
    } else {
        output::count(v)
    }
}

fn range(m: &Measures, k: usize, b: Band) -> String {
    format!("{} … {}", show(m, k, b.low), show(m, k, b.high))
}

/// The row a table shows: the one municipality's, or the total of several.
fn table_row(bands: &Bands) -> &BandRow {
    match bands.rows.as_slice() {
        [only] => only,
        _ => &bands.total,
    }
}

/// `run`'s band table: the main figures of the one municipality, or of the total (each
/// municipality's are in bands.csv), with point, p5, p50 and p95.
pub fn table(bands: &Bands, schema: &slieksnis_engine::schema::Schema, header: &str) -> String {
    let m = &bands.measures;
    let row = table_row(bands);
    let mut lines = vec![
        [row.municipality.as_str(), "point", "p5", "p50", "p95"]
            .map(String::from)
            .to_vec(),
    ];
    for (k, label) in shown(m, schema) {
        let b = row.bands[k];
        lines.push(vec![
            format!("  {label}"),
            show(m, k, b.point),
            show(m, k, b.low),
            show(m, k, b.middle),
            show(m, k, b.high),
        ]);
    }
    let mut out = format!("{header}\n");
    out.push_str(&output::render(&lines, usize::MAX));
    if bands.rows.len() > 1 {
        out.push_str("each municipality's bands: bands.csv\n");
    }
    out
}

/// `compare`'s band table: baseline and reform as p5–p95, the difference as point, p50 and
/// p5–p95 (each replicate's difference).
pub fn compare_table(
    b: &CompareBands,
    schema: &slieksnis_engine::schema::Schema,
    header: &str,
) -> String {
    let m = &b.difference.measures;
    let (base, reform, diff) = (
        table_row(&b.baseline),
        table_row(&b.reform),
        table_row(&b.difference),
    );
    let mut lines = vec![vec![
        diff.municipality.clone(),
        "baseline p5–p95".into(),
        "reform p5–p95".into(),
        "difference".into(),
        "p50".into(),
        "p5–p95".into(),
    ]];
    for (k, label) in shown(m, schema) {
        let d = diff.bands[k];
        lines.push(vec![
            format!("  {label}"),
            range(m, k, base.bands[k]),
            range(m, k, reform.bands[k]),
            show(m, k, d.point),
            show(m, k, d.middle),
            range(m, k, d),
        ]);
    }
    let mut out = format!("{header}\n");
    out.push_str(&output::render(&lines, usize::MAX));
    if b.difference.rows.len() > 1 {
        out.push_str("each municipality's bands: bands.csv (with --out)\n");
    }
    out
}
