//! What the Training page computes: exercises, the check of a trainee's prediction, and the
//! rules' branches. An exercise is a household and a month: one of the policy's case files'
//! households (`cases::households`, those under the rules in force) or one of a council's
//! generated households (the population `run` generates for that year, seed 1), given by its
//! number, so the same id always gives the same household. The answer is what the rules give
//! it — the same code as `slieksnis explain`, whose lesson comes with it — and the branches of
//! the rules it met (`lesson::branches`).
//!
//! The server keeps nothing of a trainee: the page keeps the score and the branches met so far
//! in the browser (localStorage) and sends only the exercise and the prediction.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use slieksnis_engine::assumptions::Assumptions;
use slieksnis_engine::cases::{self, CaseHousehold};
use slieksnis_engine::columns::Level;
use slieksnis_engine::explain::{self, Lang};
use slieksnis_engine::fixed::CENT;
use slieksnis_engine::lesson::{self, branches};
use slieksnis_engine::parameters::ParameterSet;
use slieksnis_engine::run::Horizon;
use slieksnis_engine::{Period, Population};

use super::work::{self, ApiError, State, eur};
use crate::input;

/// The seed of the generated households of exercises (as `run`'s default).
pub const SEED: u64 = 1;
/// The council and month of generated exercises when the request names none.
pub const DEFAULT_COUNCIL: &str = "tukuma-novads";
pub const DEFAULT_PERIOD: &str = "2026-03";
/// The largest amount a prediction may name, EUR (a household's month is far below it).
const MAX_PREDICTION_EUR: i64 = 1_000_000;

/// Which exercise: `source` (`cases` or `generated`) and its number `n` from 0; a generated
/// one in a council and month (by default Tukums, March 2026).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseRef {
    pub source: String,
    pub n: u64,
    #[serde(default)]
    pub municipality: Option<String>,
    #[serde(default)]
    pub period: Option<String>,
}

impl ExerciseRef {
    /// From `GET /api/exercise`'s query: `source`, `n`, `municipality`, `period`.
    pub fn from_query(q: &HashMap<String, String>) -> Result<ExerciseRef, ApiError> {
        let n = match q.get("n") {
            None => 0,
            Some(t) => t.parse().map_err(|_| {
                ApiError::unprocessable(format!("n: '{t}' is not a whole number from 0"))
            })?,
        };
        Ok(ExerciseRef {
            source: q.get("source").cloned().unwrap_or_else(|| "cases".into()),
            n,
            municipality: q.get("municipality").cloned(),
            period: q.get("period").cloned(),
        })
    }
}

/// An exercise resolved: its household (a population of one) and what it rests on.
struct Exercise {
    id: String,
    count: usize,
    period: Period,
    parameters: ParameterSet,
    population: Arc<Population>,
    case: Option<&'static CaseHousehold>,
    /// How to see the same household with `slieksnis explain`.
    command: String,
    /// A case's household as `explain --household` takes it.
    toml: Option<String>,
}

/// The case files' households, read once from the embedded files.
fn case_households() -> Result<&'static [CaseHousehold], ApiError> {
    static CASES: OnceLock<Result<Vec<CaseHousehold>, String>> = OnceLock::new();
    let all = CASES.get_or_init(|| {
        let mut out = Vec::new();
        for (file, text) in cases::builtin() {
            out.extend(cases::households(&format!("policies/{file}"), text)?);
        }
        Ok(out)
    });
    all.as_deref()
        .map_err(|e| ApiError::new(500, format!("the case files: {e}")))
}

/// The assumptions and parameters of `year`, as `explain` takes them.
fn parameters(state: &State, year: i32) -> Result<(Assumptions, ParameterSet), ApiError> {
    let assumptions =
        input::assumptions(&state.policy, &[], year, true).map_err(work::anyhow422)?;
    let parameters =
        input::projected_parameters(&state.policy, year, &assumptions).map_err(work::anyhow422)?;
    Ok((assumptions, parameters))
}

/// A month of the simulated years.
fn period_of(text: &str) -> Result<Period, ApiError> {
    match work::horizon(None, Some(text))? {
        Horizon::Month(p) => Ok(p),
        Horizon::Year(_) => Err(ApiError::unprocessable("period: give a month, YYYY-MM")),
    }
}

fn beyond(what: &str, n: u64, count: usize) -> ApiError {
    ApiError::new(
        404,
        format!(
            "no exercise {what}/{n}: there are {count} (n from 0 to {})",
            count.saturating_sub(1)
        ),
    )
}

fn exercise(state: &State, r: &ExerciseRef) -> Result<Exercise, ApiError> {
    let slugs = input::known_slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    match r.source.as_str() {
        "cases" => {
            let all = case_households()?;
            let case = usize::try_from(r.n)
                .ok()
                .and_then(|n| all.get(n))
                .ok_or_else(|| beyond("cases", r.n, all.len()))?;
            let period = period_of(&case.period)?;
            let population = cases::household(&case.household, &known)
                .map_err(|m| ApiError::new(500, format!("{}:{}: {m}", case.file, case.line)))?;
            let toml =
                toml::to_string(&case.household).map_err(|e| ApiError::new(500, e.to_string()))?;
            Ok(Exercise {
                id: format!("cases/{}", r.n),
                count: all.len(),
                period,
                parameters: parameters(state, period.year)?.1,
                population: Arc::new(population),
                case: Some(case),
                command: format!("slieksnis explain --period {period} --household '{toml}'"),
                toml: Some(toml),
            })
        }
        "generated" => {
            let slug = r.municipality.as_deref().unwrap_or(DEFAULT_COUNCIL);
            work::council(slug)?;
            let period = period_of(r.period.as_deref().unwrap_or(DEFAULT_PERIOD))?;
            let (assumptions, parameters) = parameters(state, period.year)?;
            let key: work::Key = (
                slug.to_string(),
                period.year.to_string(),
                SEED,
                Vec::new(),
                0,
            );
            let households = work::cached_households(state, &key, &assumptions)?;
            let all = &households.population;
            let count = all.household_count();
            let row = usize::try_from(r.n)
                .ok()
                .filter(|&n| n < count)
                .ok_or_else(|| beyond(&format!("generated/{slug}/{period}"), r.n, count))?;
            let one = all.select(&[row]);
            let id = one.households.id.get(0).to_string();
            Ok(Exercise {
                id: format!("generated/{slug}/{period}/{}", r.n),
                count,
                period,
                parameters,
                population: Arc::new(one),
                case: None,
                command: format!(
                    "slieksnis explain --municipality {slug} --id {id} --period {period}"
                ),
                toml: None,
            })
        }
        other => Err(ApiError::unprocessable(format!(
            "source: '{other}' is not cases or generated"
        ))),
    }
}

/// What the trainee is asked: the status and these amounts.
const ASKED: [&str; 2] = ["gmi_benefit", "housing_benefit"];

fn council_name(slug: &str) -> String {
    slieksnis_engine::register::municipalities()
        .into_iter()
        .find(|m| m.slug == slug)
        .map_or_else(|| slug.to_string(), |m| m.name)
}

/// `GET /api/exercise`: the household in words (members and their inputs, the household's,
/// council and month), without its answer.
pub fn exercise_request(state: &State, r: &ExerciseRef, lang: Lang) -> Result<Json, ApiError> {
    let x = exercise(state, r)?;
    let pop = &x.population;
    let members: Vec<Json> = (0..pop.person_count())
        .map(|j| {
            json!({
                "id": pop.persons.id.get(j).to_string(),
                "facts": lesson::facts(pop, Level::Person, j, lang),
            })
        })
        .collect();
    let slug = &pop.municipalities[pop.households.municipality[0] as usize];
    let lv = lang == Lang::Lv;
    let schema = &state.policy.schema;
    let mut ask = vec![json!({ "field": "status", "label": lesson::words(lang).status })];
    for id in ASKED {
        if let Some(b) = schema.benefits.iter().find(|b| b.id == id) {
            ask.push(json!({ "field": id, "label": b.label_in(lv), "unit": "EUR" }));
        }
    }
    let statuses: Vec<Json> = schema
        .statuses
        .iter()
        .map(|s| json!({ "id": s.id, "label": s.label_in(lv) }))
        .chain([json!({ "id": "none", "label": lesson::words(lang).no_status })])
        .collect();
    Ok(json!({
        "id": x.id,
        "source": r.source,
        "n": r.n,
        "count": x.count,
        "municipality": { "slug": slug, "name": council_name(slug) },
        "period": x.period.to_string(),
        "members": members,
        "household": lesson::facts(pop, Level::Household, 0, lang),
        "ask": ask,
        "statuses": statuses,
    }))
}

/// `POST /api/answer`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub exercise: ExerciseRef,
    /// `status` (a status id or `none`) and amounts by benefit id, EUR as a string or number
    /// with at most two decimals (a decimal comma too).
    pub prediction: BTreeMap<String, Json>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// A predicted amount in cents: "12.34", "12,34", 12.34 or 12; at most two decimals, not
/// negative.
fn cents(field: &str, v: &Json) -> Result<i64, ApiError> {
    let text = match v {
        Json::String(s) => s.trim().replace(',', "."),
        Json::Number(n) => n.to_string(),
        _ => {
            return Err(ApiError::unprocessable(format!(
                "prediction.{field}: give an amount in EUR, such as \"123.45\""
            )));
        }
    };
    let bad = || {
        ApiError::unprocessable(format!(
            "prediction.{field}: '{text}' is not an amount in EUR and cents from 0 to {MAX_PREDICTION_EUR}"
        ))
    };
    let d: Decimal = text.parse().map_err(|_| bad())?;
    let c = d * Decimal::from(100);
    if !c.fract().is_zero() || d.is_sign_negative() || d > Decimal::from(MAX_PREDICTION_EUR) {
        return Err(bad());
    }
    c.to_i64().ok_or_else(bad)
}

/// `POST /api/answer`: each predicted value against the rules' (right or not), the household's
/// result and lesson as `/api/household` gives them, and the ids of the branches it met.
pub fn answer_request(state: &State, r: &AnswerRequest) -> Result<Json, ApiError> {
    let lang = work::lang_of(r.lang.as_deref())?;
    let lv = lang == Lang::Lv;
    let policy = &state.policy;
    let schema = &policy.schema;
    // The prediction is checked before anything is computed.
    let status = match r.prediction.get("status") {
        Some(Json::String(s)) => s.as_str(),
        Some(_) => return Err(ApiError::unprocessable("prediction.status: give a text")),
        None => return Err(ApiError::unprocessable("prediction.status is missing")),
    };
    let status_ids: Vec<&str> = schema
        .statuses
        .iter()
        .map(|s| s.id.as_str())
        .chain(["none"])
        .collect();
    if !status_ids.contains(&status) {
        return Err(ApiError::unprocessable(format!(
            "prediction.status: '{status}' is not one of {}",
            status_ids.join(", ")
        )));
    }
    let mut amounts = Vec::new();
    for (field, v) in &r.prediction {
        if field == "status" {
            continue;
        }
        let Some(b) = schema.benefits.iter().position(|b| &b.id == field) else {
            let ids: Vec<&str> = schema.benefits.iter().map(|b| b.id.as_str()).collect();
            return Err(ApiError::unprocessable(format!(
                "prediction.{field}: not status or a benefit of the rules ({})",
                ids.join(", ")
            )));
        };
        amounts.push((b, cents(field, v)?));
    }
    amounts.sort();

    let x = exercise(state, &r.exercise)?;
    let outcome = work::outcome_of(policy, &x.parameters, &x.population, x.period)?;
    let e = explain::explain(
        &policy.rules,
        schema,
        &x.parameters,
        &x.population,
        0,
        x.period,
    )
    .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let explanation = work::lesson_json(policy, &x.parameters, &e, lang)?;

    let status_label = |id: &str| -> String {
        schema
            .statuses
            .iter()
            .find(|s| s.id == id)
            .map_or(lesson::words(lang).no_status, |s| s.label_in(lv))
            .to_string()
    };
    let answer = slieksnis_engine::outcome_status(&outcome, 0);
    let mut checks = vec![json!({
        "field": "status",
        "label": lesson::words(lang).status,
        "predicted": status,
        "predicted_text": status_label(status),
        "answer": answer,
        "answer_text": status_label(answer),
        "right": status == answer,
    })];
    for (b, predicted) in amounts {
        let right_cents = outcome.amounts[b][0] / CENT;
        checks.push(json!({
            "field": schema.benefits[b].id,
            "label": schema.benefits[b].label_in(lv),
            "predicted": eur(predicted),
            "answer": eur(right_cents),
            "right": predicted == right_cents,
        }));
    }
    let right = checks.iter().filter(|c| c["right"] == json!(true)).count();
    Ok(json!({
        "exercise": x.id,
        "case": x.case.map(|c| json!({ "file": c.file, "line": c.line, "name": c.name })),
        "household_id": x.population.households.id.get(0).to_string(),
        "period": x.period.to_string(),
        "command": x.command,
        "household_toml": x.toml,
        "checks": checks,
        "right": right,
        "of": checks.len(),
        "result": work::result_json(policy, &outcome),
        "explanation": explanation,
        "branches": { "met": branches::met(&e) },
    }))
}

/// `GET /api/branches`: every branch of the rules, in words.
pub fn branches_request(state: &State, lang: Lang) -> Json {
    let all = branches::all(&state.policy, lang);
    json!({ "total": all.len(), "branches": all })
}
