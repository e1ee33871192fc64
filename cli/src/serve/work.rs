//! What the server computes, without HTTP: a request's data in, JSON data or an [`ApiError`]
//! out. Every figure comes from the same code the commands use (`run::run` through the cli's
//! replicates, `input::apply_overrides`, `cases::household`, `explain`), so the web app cannot
//! give another number than `slieksnis run` or `slieksnis explain` for the same inputs.
//!
//! These functions block (a council's year is about 0.1 s of both cores); `api` calls them on
//! tokio's blocking threads, a few at a time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use slieksnis_engine::assumptions::Assumptions;
use slieksnis_engine::bands::{self, Bands};
use slieksnis_engine::explain::{self, Lang};
use slieksnis_engine::fixed::format_cents_i128;
use slieksnis_engine::parameters::{ParameterSet, Value};
use slieksnis_engine::run::{self, Configuration, Horizon};
use slieksnis_engine::simulate::{DEFAULT_CHUNK, SimulationError};
use slieksnis_engine::summary::{Measures, Row};
use slieksnis_engine::sweep::{self, Axis, TAKE_UP_CAP};
use slieksnis_engine::{Period, Policy, Summary, cases};

use crate::bands::{Projection, Replicate};
use crate::input::{self, Households};

/// An error as the API answers it: an HTTP status and a message for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
    /// A request that is well formed but asks for something the rules refuse.
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(422, message)
    }
}

/// Money in JSON: euros as a decimal string with two decimals ("1234.56"), exactly the text
/// of the CSVs; never a binary float.
pub fn eur(cents: i64) -> Json {
    Json::String(format_cents_i128(i128::from(cents)))
}

/// The most replicates a request may ask for: 10 of a council's year are about a second.
pub const MAX_REPLICATES: u32 = 10;

/// A small least-recently-used map: a slider move reuses the households (and the baseline)
/// of the council, year and seed on screen; a few other councils stay warm.
pub struct Lru<K, V> {
    capacity: usize,
    items: Vec<(K, Arc<V>)>,
}

impl<K: PartialEq, V> Lru<K, V> {
    pub fn new(capacity: usize) -> Lru<K, V> {
        Lru {
            capacity,
            items: Vec::new(),
        }
    }
    pub fn get(&mut self, key: &K) -> Option<Arc<V>> {
        let at = self.items.iter().position(|(k, _)| k == key)?;
        let item = self.items.remove(at);
        let value = item.1.clone();
        self.items.insert(0, item);
        Some(value)
    }
    pub fn put(&mut self, key: K, value: Arc<V>) {
        self.items.retain(|(k, _)| *k != key);
        self.items.insert(0, (key, value));
        self.items.truncate(self.capacity);
    }
}

/// A key of the caches: council, horizon, seed, the `assume` settings and (for baselines)
/// the replicates.
pub type Key = (String, String, u64, Vec<String>, u32);

/// The server's state that computations share.
pub struct State {
    pub policy: Policy,
    households: Mutex<Lru<Key, Households>>,
    baselines: Mutex<Lru<Key, Side>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a cache leaves it usable: its entries are whole values.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    pub fn new(policy: Policy) -> State {
        State {
            policy,
            households: Mutex::new(Lru::new(4)),
            baselines: Mutex::new(Lru::new(8)),
        }
    }
}

/// `POST /api/run`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    pub municipality: String,
    pub year: Option<i32>,
    pub period: Option<String>,
    #[serde(default)]
    pub set: BTreeMap<String, Json>,
    #[serde(default)]
    pub assume: BTreeMap<String, Json>,
    #[serde(default)]
    pub replicates: u32,
    #[serde(default = "one")]
    pub seed: u64,
}

fn one() -> u64 {
    1
}

/// A `set` or `assume` value as `--set` reads it: a string is taken as written (exact), a
/// number by its shortest decimal text (exact for what anyone types), true/false as such.
fn value_text(name: &str, v: &Json) -> Result<String, ApiError> {
    match v {
        Json::String(s) => Ok(s.clone()),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        _ => Err(ApiError::unprocessable(format!(
            "{name}: give a number, true/false or a string as --set takes it (\"0.6\", \"{{ pct = 0.6 }}\")"
        ))),
    }
}

/// The horizon of a request: `year` or `period`, one of them, in the simulated years.
pub fn horizon(year: Option<i32>, period: Option<&str>) -> Result<Horizon, ApiError> {
    match (year, period) {
        (Some(_), Some(_)) => Err(ApiError::unprocessable("give year or period, not both")),
        (Some(y), None) => crate::commands::parse_year(&y.to_string())
            .map(Horizon::Year)
            .map_err(ApiError::unprocessable),
        (None, Some(p)) => crate::commands::parse_period(p)
            .map(Horizon::Month)
            .map_err(ApiError::unprocessable),
        (None, None) => Err(ApiError::unprocessable(
            "give year (YYYY, e.g. 2026) or period (YYYY-MM, e.g. 2026-03)",
        )),
    }
}

/// A council slug the register knows (404 otherwise, with "did you mean").
pub fn council(slug: &str) -> Result<(), ApiError> {
    let slugs = input::known_slugs();
    if slugs.iter().any(|s| s == slug) {
        return Ok(());
    }
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    Err(ApiError::new(
        404,
        slieksnis_engine::population::unknown_municipality(slug, &known),
    ))
}

/// One side of a run: its summary as `run` writes it (labelled), each replicate's, and for a
/// year its months (the run's own, labelled as `run` labels them, for the workbook and report).
pub struct Side {
    summary: Summary,
    replicates: Vec<Summary>,
    months: Vec<Summary>,
}

fn simulation(e: SimulationError) -> ApiError {
    match e {
        // A value the rules refuse (a low-income threshold above the legal maximum) or an
        // override that cannot apply at a date: the request asks for what the law does not
        // allow.
        SimulationError::Script { .. } | SimulationError::Parameter(_) => {
            ApiError::unprocessable(e.to_string())
        }
        _ => ApiError::new(500, e.to_string()),
    }
}

pub fn anyhow422(e: anyhow::Error) -> ApiError {
    ApiError::unprocessable(format!("{e:#}"))
}

/// What a run needs besides its parameters.
struct Context<'a> {
    policy: &'a Policy,
    households: &'a Households,
    horizon: Horizon,
    seed: u64,
    replicates: u32,
    assumptions: &'a Assumptions,
}

/// Runs one side as `slieksnis run --replicates N` runs it: replicate 0 on the households
/// given, the others redrawn (`crate::bands::Replicate`), `take_up` a factor on every take-up
/// cap (`sweep`'s `behaviour.take_up_cap`).
fn side(
    c: &Context,
    parameters: &ParameterSet,
    sets: &[String],
    take_up: Option<Decimal>,
) -> Result<Side, ApiError> {
    let year = c.horizon.year();
    let behaviour = c.households.behaviour(year, c.seed);
    let base = Configuration {
        policy: c.policy,
        rules: None,
        parameters,
        population: &c.households.population,
        horizon: c.horizon,
        behaviour: &behaviour,
        chunk_size: DEFAULT_CHUNK,
    };
    let projection = Projection {
        assumptions: c.assumptions,
        sets,
    };
    let summaries = bands::run_replicates(0..c.replicates.max(1), |r| {
        let replicate;
        let configuration = if r == 0 {
            base
        } else {
            replicate = Replicate::of(c.policy, c.households, year, c.seed, r, Some(&projection))
                .map_err(anyhow422)?;
            replicate.configuration(&base)
        };
        let scaled;
        let configuration = match take_up {
            None => configuration,
            Some(f) => {
                let (_, b) = sweep::apply(&configuration, &Axis::TakeUpCap, f)
                    .map_err(ApiError::unprocessable)?;
                scaled = b.expect("the take-up axis gives a behaviour");
                Configuration {
                    behaviour: &scaled,
                    ..configuration
                }
            }
        };
        run::run(&configuration, &|_| {})
            // Only the run's own months are shown; a replicate's would be memory for nothing.
            .map(|x| (x.summary, if r == 0 { x.by_month } else { Vec::new() }))
            .map_err(simulation)
    })?;
    let (replicates, mut all_months): (Vec<Summary>, Vec<Vec<Summary>>) =
        summaries.into_iter().unzip();
    let mut summary = replicates[0].clone();
    let mut months = std::mem::take(&mut all_months[0]);
    for s in std::iter::once(&mut summary).chain(months.iter_mut()) {
        c.households.label_uncalibrated(s);
        c.households.label_projected(s, c.assumptions, year);
    }
    Ok(Side {
        summary,
        replicates,
        months,
    })
}

/// The `set` of a request as `--set PATH=VALUE` texts, and the take-up factor. A field of a
/// council's value that is only assumed (the default's, `municipalities.SLUG.health_benefit
/// .amount`) is written as the whole value in force with that field replaced: `--set` refuses
/// the field alone there, since the other fields would stay assumed, but a slider moves one
/// number of what is on screen.
fn sets(
    set: &BTreeMap<String, Json>,
    parameters: &ParameterSet,
    horizon: Horizon,
) -> Result<(Vec<String>, Option<Decimal>), ApiError> {
    let mut out = Vec::new();
    let mut take_up = None;
    let first_day = match horizon {
        Horizon::Month(p) => p.first_day(),
        Horizon::Year(y) => Period { year: y, month: 1 }.first_day(),
    };
    for (path, v) in set {
        let text = value_text(path, v)?;
        if path == TAKE_UP_CAP {
            let f: Decimal = text.trim().parse().map_err(|_| {
                ApiError::unprocessable(format!("{TAKE_UP_CAP}={text}: not a number"))
            })?;
            if let Horizon::Month(_) = horizon {
                return Err(ApiError::unprocessable(format!(
                    "{TAKE_UP_CAP}: take-up applies to a year's projection only; a month counts everyone entitled (give year)"
                )));
            }
            let max = sweep::MAX_TAKE_UP_SCALE;
            if f < Decimal::ZERO || f > max {
                return Err(ApiError::unprocessable(format!(
                    "{TAKE_UP_CAP}={text}: outside its legal range 0 … {max} (a factor on every council's take-up cap)"
                )));
            }
            take_up = Some(f);
            continue;
        }
        out.push(
            whole_if_assumed(path, &text, parameters, first_day)
                .unwrap_or(format!("{path}={text}")),
        );
    }
    Ok((out, take_up))
}

fn whole_if_assumed(
    path: &str,
    text: &str,
    parameters: &ParameterSet,
    date: slieksnis_engine::date::Date,
) -> Option<String> {
    let rest = path.strip_prefix("municipalities.")?;
    let (slug, name) = rest.split_once('.')?;
    let (parameter, field) = name.rsplit_once('.')?;
    let resolved = parameters.resolve(date, slug).ok()?;
    let leaf = resolved.leaf(&format!("municipality.{parameter}"))?;
    let Value::Table(table) = &leaf.value else {
        return None;
    };
    if !leaf.assumed || !table.contains_key(field) {
        return None;
    }
    let new = Value::parse_cli(text.trim()).ok()?;
    let mut table = table.clone();
    table.insert(field.to_string(), new);
    Some(format!(
        "municipalities.{slug}.{parameter}={}",
        Value::Table(table)
    ))
}

/// What a What-if request computes — the page's numbers, the workbook and the report are all
/// made from it, on the same cached households and baseline.
pub struct Computed {
    pub horizon: Horizon,
    pub seed: u64,
    pub replicates: u32,
    /// The `assume` settings and the `set` as `--assume` and `--set` texts; the take-up factor.
    pub assume: Vec<String>,
    pub sets: Vec<String>,
    pub take_up: Option<Decimal>,
    pub assumptions: Assumptions,
    pub baseline_parameters: ParameterSet,
    pub reform_parameters: ParameterSet,
    pub households: Arc<Households>,
    pub baseline: Arc<Side>,
    pub reform: Option<Side>,
}

/// The baseline (no `set`), and with a `set` the reform; bands over `replicates` (2–10; 0 or
/// 1: none).
pub fn compute(state: &State, r: &RunRequest) -> Result<Computed, ApiError> {
    let horizon = horizon(r.year, r.period.as_deref())?;
    if r.municipality != "all" {
        council(&r.municipality)?;
    }
    if r.replicates > MAX_REPLICATES {
        return Err(ApiError::unprocessable(format!(
            "replicates: {} is more than {MAX_REPLICATES} (0 or 1: no bands)",
            r.replicates
        )));
    }
    let year = horizon.year();
    let policy = &state.policy;
    let mut assume = Vec::new();
    for (name, v) in &r.assume {
        assume.push(format!("{name}={}", value_text(name, v)?));
    }
    let assumptions = input::assumptions(policy, &assume, year, true).map_err(anyhow422)?;
    let baseline_parameters =
        input::projected_parameters(policy, year, &assumptions).map_err(anyhow422)?;
    let (sets, take_up) = sets(&r.set, &baseline_parameters, horizon)?;
    let mut reform_parameters = baseline_parameters.clone();
    input::apply_overrides(&mut reform_parameters, &sets).map_err(anyhow422)?;

    // The households of a year serve its months too; the baseline is the horizon's own.
    let key: Key = (
        r.municipality.clone(),
        year.to_string(),
        r.seed,
        assume.clone(),
        0,
    );
    let households = cached_households(state, &key, &assumptions)?;
    let replicates = if r.replicates >= 2 { r.replicates } else { 1 };
    let context = Context {
        policy,
        households: &households,
        horizon,
        seed: r.seed,
        replicates,
        assumptions: &assumptions,
    };
    let base_key: Key = (key.0, horizon.to_string(), key.2, key.3, replicates);
    let cached = lock(&state.baselines).get(&base_key);
    let baseline = match cached {
        Some(b) => b,
        None => {
            let b = Arc::new(side(&context, &baseline_parameters, &[], None)?);
            lock(&state.baselines).put(base_key, b.clone());
            b
        }
    };
    let reform = if sets.is_empty() && take_up.is_none() {
        None
    } else {
        Some(side(&context, &reform_parameters, &sets, take_up)?)
    };
    Ok(Computed {
        horizon,
        seed: r.seed,
        replicates,
        assume,
        sets,
        take_up,
        assumptions,
        baseline_parameters,
        reform_parameters,
        households,
        baseline,
        reform,
    })
}

/// A computation's sides as the report and the workbook show them: the baseline alone, or
/// baseline, reform and difference; with replicates, the bands of each.
struct Shown {
    difference: Option<Summary>,
    bands: Vec<Bands>,
}

impl Computed {
    fn shown(&self) -> Result<Shown, ApiError> {
        let banded = self.replicates >= 2;
        let mut bands = Vec::new();
        if banded {
            bands.push(Bands::of(&self.baseline.replicates));
        }
        let Some(reform) = &self.reform else {
            return Ok(Shown {
                difference: None,
                bands,
            });
        };
        if banded {
            bands.push(Bands::of(&reform.replicates));
            let d = bands::differences(&self.baseline.replicates, &reform.replicates)
                .map_err(|e| ApiError::new(500, e.to_string()))?;
            bands.push(Bands::of(&d));
        }
        Ok(Shown {
            difference: Some(difference(&self.baseline.summary, &reform.summary)?),
            bands,
        })
    }

    /// What the report and the workbook are built from, as `slieksnis run` (the baseline alone)
    /// or `slieksnis compare` (with a `set`) gather it.
    fn gathered<'a>(
        &'a self,
        shown: &'a Shown,
        councils: &'a [String],
        request: &RunRequest,
    ) -> crate::report::Gathered<'a> {
        let year = self.horizon.year();
        let (params, sides, months) = match (&self.reform, &shown.difference) {
            (Some(reform), Some(difference)) => (
                [&self.baseline_parameters, &self.reform_parameters],
                vec![
                    (Some(0), &self.baseline.summary),
                    (Some(1), &reform.summary),
                    (Some(2), difference),
                ],
                vec![
                    (Some(0), self.baseline.months.as_slice()),
                    (Some(1), reform.months.as_slice()),
                ],
            ),
            _ => (
                [&self.baseline_parameters, &self.baseline_parameters],
                vec![(None, &self.baseline.summary)],
                vec![(None, self.baseline.months.as_slice())],
            ),
        };
        let compared = sides.len() > 1;
        crate::report::Gathered {
            params,
            periods: [self.horizon, self.horizon],
            councils,
            projected: if slieksnis_engine::date::PROJECTED_YEARS.contains(&year) {
                vec![(String::new(), year, &self.assumptions)]
            } else {
                Vec::new()
            },
            sides,
            bands: shown
                .bands
                .iter()
                .enumerate()
                .map(|(k, b)| (compared.then_some(k), b))
                .collect(),
            ranking: None,
            months: match self.horizon {
                Horizon::Year(y) => Some((
                    y,
                    months,
                    crate::breakdown::focus(&self.households.population),
                )),
                Horizon::Month(_) => None,
            },
            command: self.command_lines(request),
            seed: self.seed,
            from_web: true,
        }
    }

    /// The commands that give the same figures: `slieksnis run` without and with the `set`
    /// (a take-up factor is `sweep`'s `behaviour.take_up_cap`), and the request itself.
    fn command_lines(&self, r: &RunRequest) -> String {
        let when = match self.horizon {
            Horizon::Year(y) => format!("--year {y}"),
            Horizon::Month(p) => format!("--period {p}"),
        };
        let mut common = format!(
            "--municipality {} {when} --seed {} --replicates {}",
            r.municipality, self.seed, self.replicates
        );
        for a in &self.assume {
            common.push_str(&format!(" --assume {}", crate::report::quote(a)));
        }
        let sets: String = self
            .sets
            .iter()
            .map(|s| format!(" --set {}", crate::report::quote(s)))
            .collect();
        let mut lines = vec![format!("slieksnis run {common} --out baseline")];
        match self.take_up {
            Some(f) => lines.push(format!(
                "slieksnis sweep {common}{sets} --param {TAKE_UP_CAP} --values {f} --out reform"
            )),
            None if !sets.is_empty() => {
                lines.push(format!("slieksnis run {common}{sets} --out reform"))
            }
            None => {}
        }
        let request = json!({
            "municipality": r.municipality, "year": r.year, "period": r.period, "set": r.set,
            "assume": r.assume, "replicates": r.replicates, "seed": r.seed,
        });
        lines.push(format!("POST /api/run {request}"));
        lines.join("\n")
    }
}

/// `POST /api/run`: the baseline (no `set`), and with a `set` the reform and the difference;
/// bands over `replicates` (2–10; 0 or 1: none).
pub fn run_request(state: &State, r: &RunRequest) -> Result<Json, ApiError> {
    let c = compute(state, r)?;
    let shown = c.shown()?;
    let band = |k: usize| shown.bands.get(k);
    let mut out = json!({
        "municipality": r.municipality,
        "horizon": c.horizon.to_string(),
        "unit": match c.horizon {
            Horizon::Month(_) => "a month: households and persons that qualify, monthly EUR",
            Horizon::Year(_) => "a year: households and persons that received at least once, the year's EUR",
        },
        "households_label": c.households.label,
        "seed": r.seed,
        "replicates": c.replicates,
        "baseline": summary_json(&c.baseline.summary, band(0)),
    });
    if let (Some(reform), Some(difference)) = (&c.reform, &shown.difference) {
        out["set"] = json!(c.sets);
        if let Some(f) = c.take_up {
            out["take_up_cap"] = json!(f.to_string());
        }
        out["reform"] = summary_json(&reform.summary, band(1));
        out["difference"] = summary_json(difference, band(2));
    }
    Ok(out)
}

/// The households of a council's year (`key`: council, year, seed, `assume`, 0), generated
/// as `run` generates them, from the cache when they are there.
pub fn cached_households(
    state: &State,
    key: &Key,
    assumptions: &Assumptions,
) -> Result<Arc<Households>, ApiError> {
    if let Some(h) = lock(&state.households).get(key) {
        return Ok(h);
    }
    let source = input::PopulationArgs {
        population: None,
        municipality: Some(key.0.clone()),
        generation: input::GenerationArgs {
            seed: key.2,
            profiles: None,
        },
    };
    let year: i32 = key
        .1
        .parse()
        .map_err(|_| ApiError::new(500, "a cache key's year"))?;
    let h = Arc::new(input::households_aged(&source, year, true, assumptions).map_err(anyhow422)?);
    lock(&state.households).put(key.clone(), h.clone());
    Ok(h)
}

/// `reform − baseline`, row by row (a council on one side only counts as zero on the other).
fn difference(baseline: &Summary, reform: &Summary) -> Result<Summary, ApiError> {
    let measures = reform.measures().clone();
    let total = |e: slieksnis_engine::summary::TotalError| ApiError::new(500, e.to_string());
    let mut rows = Vec::new();
    for row in &reform.rows {
        let zero = Row::zero(&measures, &row.municipality);
        let base = baseline.row(&row.municipality).unwrap_or(&zero);
        let mut d = row.minus(base).map_err(total)?;
        d.assumed = row.assumed.clone();
        rows.push(d);
    }
    let mut t = reform.total.minus(&baseline.total).map_err(total)?;
    t.assumed = reform.total.assumed.clone();
    Ok(Summary {
        schema: reform.schema.clone(),
        rows,
        total: t,
    })
}

/// A measure's value in JSON: money as a EUR string, counts as integers.
fn measure(m: &Measures, k: usize, v: i64) -> Json {
    if m.is_amount(k) { eur(v) } else { json!(v) }
}

/// A summary as JSON: per row (councils, then TOTAL) every column of `summary.csv` by name
/// (`measures`), the statuses, each benefit as `benefits.csv` has it, the totals and the
/// `assumed` labels; with bands, each measure's p5/p50/p95.
fn summary_json(s: &Summary, bands: Option<&Bands>) -> Json {
    let m = s.measures();
    let columns = crate::output::summary_columns(m);
    let rows: Vec<Json> = s
        .all_rows()
        .map(|row| {
            let mut measures = serde_json::Map::new();
            for (k, name) in &columns {
                measures.insert(name.clone(), measure(m, *k, row.values[*k]));
            }
            let statuses: serde_json::Map<String, Json> = s
                .schema
                .statuses
                .iter()
                .enumerate()
                .map(|(k, st)| {
                    let (h, p) = row.status(k);
                    (
                        st.id.clone(),
                        json!({"label": st.label, "label_lv": st.label_lv, "households": h, "persons": p}),
                    )
                })
                .collect();
            let benefits: Vec<Json> = s
                .schema
                .benefits
                .iter()
                .enumerate()
                .map(|(b, benefit)| {
                    let t = row.benefit(b);
                    json!({
                        "id": benefit.id,
                        "label": benefit.label,
                        "label_lv": benefit.label_lv,
                        "households": t.households,
                        "persons": t.persons,
                        "eur": eur(t.cents),
                        "state_eur": eur(t.state_cents),
                        "municipal_eur": eur(t.municipal_cents()),
                        "assumed": row.assumed.contains(&benefit.id),
                    })
                })
                .collect();
            let mut out = json!({
                "municipality": row.municipality,
                "households": row.households(),
                "persons": row.persons(),
                "statuses": statuses,
                "benefits": benefits,
                "gross_eur": eur(row.gross_cents()),
                "state_share_eur": eur(row.state_share_cents()),
                "municipal_net_eur": eur(row.municipal_net_cents()),
                "assumed": row.assumed,
                "measures": measures,
            });
            if let Some(b) = bands
                && let Some(br) = b
                    .all_rows()
                    .find(|br| br.municipality == row.municipality)
            {
                let mut bm = serde_json::Map::new();
                for (k, name) in &columns {
                    let band = br.bands[*k];
                    bm.insert(
                        name.clone(),
                        json!({
                            "p5": measure(m, *k, band.low),
                            "p50": measure(m, *k, band.middle),
                            "p95": measure(m, *k, band.high),
                        }),
                    );
                }
                out["bands"] = Json::Object(bm);
            }
            out
        })
        .collect();
    json!({ "rows": rows, "bands_over": bands.map(|b| b.replicates) })
}

/// A slider of the What-if page: a path (`{slug}` for the council), its words and its step.
struct Slider {
    path: &'static str,
    en: &'static str,
    lv: &'static str,
    step: &'static str,
}

const SLIDERS: &[Slider] = &[
    Slider {
        path: "municipalities.{slug}.low_income.pct",
        en: "Low-income threshold (share of the median income)",
        lv: "Maznodrošinātas mājsaimniecības slieksnis (mediānas ienākumu daļa)",
        step: "0.01",
    },
    Slider {
        path: "gmi.pct",
        en: "Guaranteed minimum income level (share of the median income)",
        lv: "Garantētā minimālā ienākuma līmenis (mediānas ienākumu daļa)",
        step: "0.01",
    },
    Slider {
        path: "municipalities.{slug}.health_benefit.amount",
        en: "Health-care benefit, EUR a year",
        lv: "Pabalsts veselības aprūpei, EUR gadā",
        step: "5",
    },
    Slider {
        path: "municipalities.{slug}.education_benefit.amount",
        en: "Education-related benefit, EUR a child",
        lv: "Pabalsts izglītības ieguves atbalstam, EUR bērnam",
        step: "5",
    },
    Slider {
        path: "municipalities.{slug}.meals_benefit.school",
        en: "Meals benefit, school child, EUR a month",
        lv: "Ēdināšanas pabalsts skolēnam, EUR mēnesī",
        step: "1",
    },
    Slider {
        path: "municipalities.{slug}.meals_benefit.preschool",
        en: "Meals benefit, pre-school child, EUR a month",
        lv: "Ēdināšanas pabalsts pirmsskolas bērnam, EUR mēnesī",
        step: "1",
    },
    Slider {
        path: "municipalities.{slug}.other_expenses_benefit.amount",
        en: "Benefit for other expenses, EUR once",
        lv: "Pabalsts atsevišķu izdevumu apmaksai, EUR vienreiz",
        step: "5",
    },
    Slider {
        path: "municipalities.{slug}.crisis_benefit",
        en: "Crisis benefit, EUR once",
        lv: "Pabalsts krīzes situācijā, EUR vienreiz",
        step: "10",
    },
];

/// `GET /api/parameters`: the sliders for a council and a month (or a year: its January),
/// each with the value in force, the legal range, where the rules accept less (a council's
/// low-income threshold lies between the needy threshold and the cap), step, unit, words and
/// legal reference. A slider whose value is not a number then (a share before 7/2023, when
/// thresholds were euro amounts) is left out.
pub fn parameters_request(
    state: &State,
    municipality: &str,
    horizon: Horizon,
) -> Result<Json, ApiError> {
    council(municipality)?;
    let year = horizon.year();
    let policy = &state.policy;
    let assumptions = input::assumptions(policy, &[], year, true).map_err(anyhow422)?;
    let params = input::projected_parameters(policy, year, &assumptions).map_err(anyhow422)?;
    let date = match horizon {
        Horizon::Month(p) => p.first_day(),
        Horizon::Year(y) => Period { year: y, month: 1 }.first_day(),
    };
    let resolved = params
        .resolve(date, municipality)
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let number = |path: &str| -> Option<(Decimal, Arc<slieksnis_engine::parameters::Leaf>)> {
        let (parameter, field) = match path.rsplit_once('.') {
            Some((p, f)) if resolved.leaf(p).is_some() => (p, Some(f)),
            _ => (path, None),
        };
        let leaf = resolved.leaf(parameter)?;
        let v = match (&leaf.value, field) {
            (Value::Number(d), None) => *d,
            (Value::Table(t), Some(f)) => match t.get(f) {
                Some(Value::Number(d)) => *d,
                _ => return None,
            },
            _ => return None,
        };
        Some((v, leaf.clone()))
    };
    let mut sliders = Vec::new();
    for s in SLIDERS {
        let path = s.path.replace("{slug}", municipality);
        let seen = path.replacen(
            &format!("municipalities.{municipality}."),
            "municipality.",
            1,
        );
        let Some((value, leaf)) = number(&seen) else {
            continue;
        };
        let spec = params
            .number_at(&path, "parameters")
            .map_err(|e| ApiError::new(500, e.to_string()))?;
        let (mut min, mut max) = (spec.range.min, spec.range.max);
        if s.path.ends_with("low_income.pct") {
            // What the rules accept: not below the needy threshold, not above the cap.
            if let Some((needy, _)) = number("needy.pct") {
                min = min.max(needy);
            }
            if let Some((cap, _)) = number("low_income_cap.pct") {
                max = max.min(cap);
            }
        }
        sliders.push(json!({
            "path": path,
            "value": value.normalize().to_string(),
            "min": min.normalize().to_string(),
            "max": max.normalize().to_string(),
            "legal_min": spec.range.min.normalize().to_string(),
            "legal_max": spec.range.max.normalize().to_string(),
            "step": s.step,
            "unit": spec.unit,
            "share_of": spec.requires,
            "label_en": s.en,
            "label_lv": s.lv,
            "reference": leaf.meta.reference,
            "description": leaf.meta.description,
            "assumed": leaf.assumed,
            "since": leaf.since.map(|d| d.to_string()),
        }));
    }
    if let Horizon::Year(_) = horizon {
        sliders.push(json!({
            "path": TAKE_UP_CAP,
            "value": "1",
            "min": "0",
            "max": sweep::MAX_TAKE_UP_SCALE.to_string(),
            "legal_min": "0",
            "legal_max": sweep::MAX_TAKE_UP_SCALE.to_string(),
            "step": "0.05",
            "unit": "factor",
            "share_of": null,
            "label_en": "Take-up: factor on the council's take-up cap (1 = as fitted)",
            "label_lv": "Pieprasījums: reizinātājs pašvaldības pieprasījuma griestiem (1 = kā kalibrēts)",
            "reference": "populations/profiles (take-up cap of each council and household type); a model assumption, not law",
            "description": "How many of those who qualify apply: each household applies with a chance cap × V / (V + half); this multiplies every cap (capped at 100 %).",
            "assumed": true,
            "since": null,
        }));
    }
    let median = number("median_income").map(|(d, _)| d.normalize().to_string());
    Ok(json!({
        "municipality": municipality,
        "date": date.to_string(),
        "median_income": median,
        "parameters": sliders,
    }))
}

/// `POST /api/household`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdRequest {
    /// A household as `slieksnis explain --household` takes it: its TOML text, or the same as
    /// a JSON object.
    pub household: Json,
    pub period: String,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub set: BTreeMap<String, Json>,
    #[serde(default)]
    pub vary: Option<Vary>,
}

/// The cliff chart's axis: one person's income, or the household's savings, in whole euros.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vary {
    /// "income" (default) or "savings".
    #[serde(default = "income")]
    pub input: String,
    /// The person whose income varies, from 1 (default 1).
    #[serde(default = "first")]
    pub person: usize,
    #[serde(default)]
    pub from: i64,
    #[serde(default = "to")]
    pub to: i64,
    #[serde(default = "step")]
    pub step: i64,
}

fn income() -> String {
    "income".into()
}
fn first() -> usize {
    1
}
fn to() -> i64 {
    1500
}
fn step() -> i64 {
    10
}

/// The most points of a cliff series.
pub const MAX_POINTS: i64 = 1000;

/// JSON (as parsed by serde_json) to TOML: what a browser sends is the household file's
/// structure. A number that is whole stays an integer; another is a float, as TOML reads
/// `income = 300.5` (the household reader takes it by its decimal text).
fn to_toml(v: &Json) -> Result<toml::Value, String> {
    Ok(match v {
        Json::Bool(b) => toml::Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().ok_or("a number out of range")?),
        },
        Json::String(s) => toml::Value::String(s.clone()),
        Json::Array(a) => toml::Value::Array(a.iter().map(to_toml).collect::<Result<_, _>>()?),
        Json::Object(o) => toml::Value::Table(
            o.iter()
                .map(|(k, v)| Ok((k.clone(), to_toml(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Json::Null => return Err("null is not a value of a household (leave the key out)".into()),
    })
}

/// One household's explanation, as the page shows it: the lesson `slieksnis explain` prints
/// (each step in words with its source, the numbers put in, the comparison that decided it,
/// and the cliffs), its text and the lesson as data.
pub fn explanation(
    policy: &Policy,
    parameters: &ParameterSet,
    population: &slieksnis_engine::Population,
    period: Period,
    lang: Lang,
) -> Result<Json, ApiError> {
    let e = explain::explain(
        &policy.rules,
        &policy.schema,
        parameters,
        population,
        0,
        period,
    )
    .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    lesson_json(policy, parameters, &e, lang)
}

/// An explained household's lesson with its cliffs, as text and as data.
pub fn lesson_json(
    policy: &Policy,
    parameters: &ParameterSet,
    e: &explain::Explanation,
    lang: Lang,
) -> Result<Json, ApiError> {
    let period = e.period;
    let mut lesson = slieksnis_engine::lesson::build(e, policy, lang);
    lesson.cliffs = slieksnis_engine::lesson::cliffs::find(
        &policy.rules,
        &policy.schema,
        parameters,
        &e.population,
        period,
        lang,
    )
    .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let text = format!(
        "{}{}",
        slieksnis_engine::lesson::render::text(&lesson),
        slieksnis_engine::lesson::render::cliffs(&lesson)
    );
    Ok(json!({ "text": text, "lesson": lesson }))
}

/// What one household gets in a month: its status, each benefit and the state's part.
pub fn outcome_of(
    policy: &Policy,
    parameters: &ParameterSet,
    population: &Arc<slieksnis_engine::Population>,
    period: Period,
) -> Result<slieksnis_engine::Outcome, ApiError> {
    slieksnis_engine::simulate(
        &policy.rules,
        parameters,
        &policy.schema,
        population,
        period,
        DEFAULT_CHUNK,
    )
    .map_err(simulation)
}

fn total_of(o: &slieksnis_engine::Outcome) -> i64 {
    o.amounts
        .iter()
        .map(|a| a.first().copied().unwrap_or(0))
        .sum()
}

/// A household's month as the pages show it: its status, each benefit with the state's part,
/// and the total.
pub fn result_json(policy: &Policy, outcome: &slieksnis_engine::Outcome) -> Json {
    let benefits: Vec<Json> = policy
        .schema
        .benefits
        .iter()
        .enumerate()
        .map(|(b, benefit)| {
            json!({
                "id": benefit.id,
                "label": benefit.label,
                "label_lv": benefit.label_lv,
                "eur": eur(outcome.amounts[b][0] / slieksnis_engine::fixed::CENT),
                "state_eur": eur(outcome.state_of(b, 0) / slieksnis_engine::fixed::CENT),
            })
        })
        .collect();
    json!({
        "status": slieksnis_engine::outcome_status(outcome, 0),
        "benefits": benefits,
        "total_eur": eur(total_of(outcome) / slieksnis_engine::fixed::CENT),
    })
}

/// A request's `lang`: Latvian unless `en`.
pub fn lang_of(lang: Option<&str>) -> Result<Lang, ApiError> {
    match lang {
        None | Some("lv") => Ok(Lang::Lv),
        Some("en") => Ok(Lang::En),
        Some(l) => Err(ApiError::unprocessable(format!(
            "lang: '{l}' is not en or lv"
        ))),
    }
}

/// `POST /api/household`: the result, the explanation and the cliff series.
pub fn household_request(state: &State, r: &HouseholdRequest) -> Result<Json, ApiError> {
    let period = crate::commands::parse_period(&r.period).map_err(ApiError::unprocessable)?;
    let lang = lang_of(r.lang.as_deref())?;
    let mut table: toml::Table = match &r.household {
        Json::String(text) => text.parse().map_err(|e: toml::de::Error| {
            ApiError::new(
                400,
                slieksnis_engine::toml_place::located("household", text, &e),
            )
        })?,
        Json::Object(_) => match to_toml(&r.household)
            .map_err(|m| ApiError::new(400, format!("household: {m}")))?
        {
            toml::Value::Table(t) => t,
            _ => unreachable!("an object is a table"),
        },
        _ => {
            return Err(ApiError::new(
                400,
                "household: give the household's TOML as a string, or an object { municipality, persons: [{ age, income }], … }",
            ));
        }
    };
    if let Some(slug) = table.get("municipality").and_then(|v| v.as_str()) {
        council(slug)?;
    }
    let policy = &state.policy;
    let year = period.year;
    let assumptions = input::assumptions(policy, &[], year, true).map_err(anyhow422)?;
    let mut params = input::projected_parameters(policy, year, &assumptions).map_err(anyhow422)?;
    let (sets, take_up) = sets(&r.set, &params, Horizon::Month(period))?;
    if take_up.is_some() {
        return Err(ApiError::unprocessable(format!(
            "{TAKE_UP_CAP}: a household's month counts its entitlement; take-up is for a council's year"
        )));
    }
    input::apply_overrides(&mut params, &sets).map_err(anyhow422)?;
    let slugs = input::known_slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let build = |t: &toml::Table| {
        cases::household(t, &known)
            .map(Arc::new)
            .map_err(|m| ApiError::unprocessable(format!("household: {m}")))
    };
    let population = build(&table)?;
    let outcome = outcome_of(policy, &params, &population, period)?;
    let explanation = explanation(policy, &params, &population, period, lang)?;
    // The cliff series: the same household with one number moved.
    let vary = r.vary.as_ref();
    let (what, person, from, to, step) = match vary {
        Some(v) => (v.input.as_str(), v.person, v.from, v.to, v.step),
        None => ("income", 1, 0, 1500, 10),
    };
    if step <= 0 || to < from || (to - from) / step + 1 > MAX_POINTS || from < 0 {
        return Err(ApiError::unprocessable(format!(
            "vary: from {from} to {to} by {step} must be 0 ≤ from ≤ to, step > 0, at most {MAX_POINTS} points"
        )));
    }
    let persons = table
        .get("persons")
        .and_then(|p| p.as_array())
        .map_or(0, Vec::len);
    if what == "income" && (person == 0 || person > persons) {
        return Err(ApiError::unprocessable(format!(
            "vary.person: {person} is not a person of the household (1 … {persons})"
        )));
    }
    if what != "income" && what != "savings" {
        return Err(ApiError::unprocessable(format!(
            "vary.input: '{what}' is not income or savings"
        )));
    }
    let mut points = Vec::new();
    let mut x = from;
    while x <= to {
        let mut t = table.clone();
        match what {
            "income" => {
                if let Some(toml::Value::Array(ps)) = t.get_mut("persons")
                    && let Some(toml::Value::Table(p)) = ps.get_mut(person - 1)
                {
                    p.insert("income".into(), toml::Value::Integer(x));
                }
            }
            _ => {
                t.insert("savings".into(), toml::Value::Integer(x));
            }
        }
        let pop = build(&t)?;
        let o = outcome_of(policy, &params, &pop, period)?;
        points.push(json!({
            "x": x,
            "total_eur": eur(total_of(&o) / slieksnis_engine::fixed::CENT),
            "status": slieksnis_engine::outcome_status(&o, 0),
        }));
        x += step;
    }
    table.remove("persons");
    Ok(json!({
        "period": period.to_string(),
        "set": sets,
        "result": result_json(policy, &outcome),
        "explanation": explanation,
        "series": { "input": what, "person": person, "unit": "EUR a month", "points": points },
    }))
}

/// The councils of a computation, in the summary's order.
fn councils_of(c: &Computed) -> Vec<String> {
    c.baseline
        .summary
        .rows
        .iter()
        .map(|r| r.municipality.clone())
        .collect()
}

/// The first line of the workbook's sheets and the report's lead: the rules, the horizon,
/// the households.
fn lead(state: &State, c: &Computed, lv: bool) -> String {
    crate::spreadsheet::title(
        &state.policy.name,
        &c.horizon.to_string(),
        c.horizon,
        &c.households.label,
        lv,
    )
}

/// `GET /api/xlsx`: the workbook of what the What-if page shows — `slieksnis run --xlsx`'s
/// sheets for the baseline alone, `slieksnis compare --xlsx`'s (baseline, reform, difference)
/// with a `set`, with the months, the bands and the parameters on each side — made by the same
/// code (`spreadsheet::Book::gathered`) from the same computation as `/api/run`.
pub fn xlsx_request(state: &State, r: &RunRequest, lv: bool) -> Result<Vec<u8>, ApiError> {
    let c = compute(state, r)?;
    let shown = c.shown()?;
    let councils = councils_of(&c);
    let mut book = crate::spreadsheet::Book::new(lv, lead(state, &c, lv));
    book.gathered(&c.gathered(&shown, &councils, r))
        .map_err(|e| ApiError::new(500, format!("{e:#}")))?;
    book.to_bytes()
        .map_err(|e| ApiError::new(500, format!("{e:#}")))
}

/// `GET /api/report`: the council report of what the What-if page shows, written by the code
/// of `slieksnis report` (`report::Report::body`) from the same computation as `/api/run`: the
/// rules in force alone, or against the `set` as baseline, reform and difference.
pub fn report_request(state: &State, r: &RunRequest, lv: bool) -> Result<String, ApiError> {
    let c = compute(state, r)?;
    let shown = c.shown()?;
    let councils = councils_of(&c);
    let w = crate::report::Words::of(lv);
    let mut report = crate::report::Report::new(lv, "", &lead(state, &c, lv));
    let title = crate::report::title_of(&report, &councils, c.horizon);
    report.set_title(&format!("{}: {title}", w.whatif));
    let mut changes = c.sets.clone();
    if let Some(f) = c.take_up {
        changes.push(format!("{TAKE_UP_CAP}={f}"));
    }
    report.run_question(
        &state.policy.name,
        &councils,
        c.horizon,
        &c.households.label,
        &changes,
        &c.assume,
        c.replicates,
    );
    report
        .body(&c.gathered(&shown, &councils, r))
        .map_err(|e| ApiError::new(500, format!("{e:#}")))?;
    Ok(report.to_html())
}

/// `GET /api/councils`: the local governments (slug, Latvian name, status: the register's).
pub fn councils() -> Json {
    let list: Vec<Json> = slieksnis_engine::register::municipalities()
        .into_iter()
        .map(|m| json!({"slug": m.slug, "name": m.name, "status": m.status}))
        .collect();
    json!({ "councils": list })
}
