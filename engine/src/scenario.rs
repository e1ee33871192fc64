//! Scenarios: a population, a month or a year, and a reform as an overlay on the baseline
//! parameters (and, where a formula changes, replaced scripts). The result is baseline, reform
//! and their difference per municipality.
//!
//! ```toml
//! name = "Ogre: low-income threshold 60 % instead of 70 % (2026)"
//! municipality = "ogres-novads"               # generated from its profile; or "all"
//! year = 2026                                 # an annual projection
//! # population = "../populations/sample"     # or a population directory (relative to the file)
//! # period = "2026-01"                        # or one month
//!
//! # assume = { median_growth = 0.06 }         # a projected year's assumptions (2027–2030)
//!
//! [baseline]                                  # optional: period, set, scripts, assume
//!
//! [reform]
//! name = "60 % of the median"
//! set = { "municipalities.ogres-novads.low_income" = { pct = 0.60 } }
//! # period = "2026-06"                        # rules of another month
//! # scripts = { "rules/gmi.rhai" = "gmi-reform.rhai" }
//! ```
//!
//! This module parses and applies scenarios; reading the files they name is the caller's job.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::annual::Behaviour;
use crate::assumptions::{self, Assumptions};
use crate::date::{Period, simulated_year, simulated_years_text};
use crate::parameters::{ParameterSet, Value, from_toml};
use crate::policy::{Policy, PolicyError};
use crate::population::Population;
use crate::run::{Configuration, run};
use crate::script::Rules;
use crate::simulate::{Outcome, SimulationError};
use crate::summary::{Row, Summary, TotalError};
use rust_decimal::Decimal;

/// One side of a comparison: its rules' month, parameter overrides and replaced scripts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Side {
    pub name: String,
    pub period: Option<Period>,
    /// Parameter path → value, applied in order.
    pub set: Vec<(String, Value)>,
    /// Script path in the policy → file (relative to the scenario) holding its replacement.
    pub scripts: BTreeMap<String, String>,
    /// Assumptions of a projected year for this side only (over the scenario's): name → value.
    pub assume: Vec<(String, Decimal)>,
}

/// Where a scenario's households come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PopulationSource {
    /// A population directory as written (relative to the scenario file).
    Directory(String),
    /// Generated from the profile of a municipality (a slug, or `all`).
    Generated(String),
}

pub use crate::run::Horizon;

/// A parsed scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Where it was read from (the name [`Scenario::parse`] was given), for errors.
    pub origin: String,
    pub name: String,
    pub description: String,
    pub population: PopulationSource,
    pub horizon: Horizon,
    pub baseline: Side,
    pub reform: Side,
    /// Assumptions of a projected year for both sides (and the population): name → value.
    pub assume: Vec<(String, Decimal)>,
}

/// A problem with a scenario file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ScenarioError {
    pub origin: String,
    pub message: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    population: Option<String>,
    #[serde(default)]
    municipality: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    baseline: Option<SideFile>,
    reform: SideFile,
    #[serde(default)]
    assume: toml::Table,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SideFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    set: toml::Table,
    #[serde(default)]
    scripts: BTreeMap<String, String>,
    #[serde(default)]
    assume: toml::Table,
}

impl Scenario {
    /// Parses a scenario file; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let fail = |message: String| ScenarioError {
            origin: origin.to_string(),
            message,
        };
        let file: File =
            toml::from_str(text).map_err(|e| fail(crate::toml_place::message(text, &e)))?;
        let period = |p: &str, what: &str| {
            Period::parse(p).ok_or_else(|| fail(format!("{what}: '{p}' is not a month (YYYY-MM)")))
        };
        let assume = |t: toml::Table,
                      what: &str|
         -> Result<Vec<(String, Decimal)>, ScenarioError> {
            let mut out = Vec::new();
            for (name, v) in t {
                let field = format!("{what}.{name}");
                if !assumptions::NAMES.contains(&name.as_str()) {
                    return Err(fail(format!("{field}: {}", assumptions::unknown(&name))));
                }
                let value = match from_toml(v) {
                    Ok(Value::Number(d)) => d,
                    Ok(other) => {
                        return Err(fail(format!(
                            "{field}: expected a number (a share a year, 0.06 = +6 %), found {other}"
                        )));
                    }
                    Err(m) => return Err(fail(format!("{field}: {m}"))),
                };
                out.push((name, value));
            }
            Ok(out)
        };
        let side = |s: SideFile, default_name: &str, what: &str| -> Result<Side, ScenarioError> {
            let own = assume(s.assume, &format!("{what}.assume"))?;
            if let Some((name, _)) = own
                .iter()
                .find(|(n, _)| assumptions::POPULATION.contains(&n.as_str()))
            {
                return Err(fail(format!(
                    "{what}.assume.{name}: it ages the population, which both sides share; set it in the top-level assume"
                )));
            }
            let mut set = Vec::new();
            for (path, v) in s.set {
                let value = from_toml(v).map_err(|m| fail(format!("{what}.set.{path}: {m}")))?;
                set.push((path, value));
            }
            Ok(Side {
                name: s.name.unwrap_or_else(|| default_name.to_string()),
                period: s
                    .period
                    .as_deref()
                    .map(|p| period(p, &format!("{what}.period")))
                    .transpose()?,
                set,
                scripts: s.scripts,
                assume: own,
            })
        };
        let baseline = match file.baseline {
            Some(b) => side(b, "baseline", "baseline")?,
            None => Side {
                name: "baseline".into(),
                ..Side::default()
            },
        };
        let population = match (file.population, file.municipality) {
            (Some(dir), None) => PopulationSource::Directory(dir),
            (None, Some(slug)) => PopulationSource::Generated(slug),
            _ => {
                return Err(fail(
                    "give either population (a directory) or municipality (a slug, or \"all\")"
                        .into(),
                ));
            }
        };
        let horizon = match (file.period, file.year) {
            (Some(p), None) => {
                let month = period(&p, "period")?;
                if !simulated_year(month.year) {
                    return Err(fail(format!(
                        "period: {p} is outside the years that can be simulated: {}",
                        simulated_years_text()
                    )));
                }
                Horizon::Month(month)
            }
            (None, Some(y)) if simulated_year(y) => Horizon::Year(y),
            (None, Some(y)) => {
                return Err(fail(format!(
                    "year: {y} is outside the years that can be simulated: {}",
                    simulated_years_text()
                )));
            }
            _ => {
                return Err(fail(
                    "give either period (one month, YYYY-MM) or year (an annual projection)".into(),
                ));
            }
        };
        let reform = side(file.reform, "reform", "reform")?;
        for s in [&baseline, &reform] {
            if let Some(p) = s.period
                && !simulated_year(p.year)
            {
                return Err(fail(format!(
                    "{}.period: {p} is outside the years that can be simulated: {}",
                    s.name,
                    simulated_years_text()
                )));
            }
        }
        let assume = assume(file.assume, "assume")?;
        if let Horizon::Year(_) = horizon {
            for s in [&baseline, &reform] {
                if s.period.is_some() {
                    return Err(fail(format!(
                        "{}.period: a side can change the month only in a one-month scenario",
                        s.name
                    )));
                }
            }
        }
        Ok(Scenario {
            origin: origin.to_string(),
            name: file.name,
            description: file.description,
            population,
            horizon,
            baseline,
            reform,
            assume,
        })
    }

    /// The assumptions of `side` (`None`: the scenario's own, which age the population): the
    /// policy's, then the scenario's `assume`, then the side's. Errors name the file and field.
    pub fn assumptions(
        &self,
        policy: &Assumptions,
        side: Option<&Side>,
    ) -> Result<Assumptions, ScenarioError> {
        let mut out = policy.clone();
        let own = side.map(|s| (format!("{}.assume", s.name), &s.assume));
        for (what, list) in std::iter::once(("assume".to_string(), &self.assume)).chain(own) {
            for (name, value) in list {
                out.set(name, *value, &format!("{} {what}", self.origin))
                    .map_err(|m| ScenarioError {
                        origin: self.origin.clone(),
                        message: format!("{what}.{name}: {m}"),
                    })?;
            }
        }
        Ok(out)
    }

    /// Whether the file sets any assumption (for the note that they apply to projected years only).
    pub fn sets_assumptions(&self) -> bool {
        !self.assume.is_empty()
            || !self.baseline.assume.is_empty()
            || !self.reform.assume.is_empty()
    }
}

impl Side {
    /// What this side simulates: the scenario's horizon, or its own month.
    pub fn horizon(&self, scenario: Horizon) -> Horizon {
        match (scenario, self.period) {
            (Horizon::Month(_), Some(p)) => Horizon::Month(p),
            (h, _) => h,
        }
    }

    /// The policy's parameters with this side's overrides applied.
    pub fn parameters(
        &self,
        base: &ParameterSet,
        origin: &str,
    ) -> Result<ParameterSet, PolicyError> {
        let mut params = base.clone();
        for (path, value) in &self.set {
            params.set(path, value.clone(), origin)?;
        }
        Ok(params)
    }
}

/// Baseline and reform results for one population.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub baseline: Summary,
    pub reform: Summary,
    pub baseline_outcome: Outcome,
    pub reform_outcome: Outcome,
    /// For a year, each side's stock month by month (`Results::by_month`); empty for a month.
    pub baseline_months: Vec<Summary>,
    pub reform_months: Vec<Summary>,
}

impl Comparison {
    /// Reform − baseline per municipality, and for the total.
    pub fn difference(&self) -> Result<Summary, TotalError> {
        let rows = self
            .reform
            .rows
            .iter()
            .zip(&self.baseline.rows)
            .map(|(r, b)| r.minus(b))
            .collect::<Result<Vec<Row>, TotalError>>()?;
        Ok(Summary {
            schema: self.reform.schema.clone(),
            rows,
            total: self.reform.total.minus(&self.baseline.total)?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{side}: {error}")]
    Policy { side: String, error: PolicyError },
    #[error("{side}: {error}")]
    Assumption { side: String, error: ScenarioError },
    #[error("{side}: {error}")]
    Simulation {
        side: String,
        error: Box<SimulationError>,
    },
}

/// What one side runs: its parameters (projected for a projected year with the side's
/// assumptions, then its `set`), its rules if it replaces scripts, and its horizon.
pub struct SideSetup {
    pub parameters: ParameterSet,
    /// `None`: the policy's own rules.
    pub rules: Option<Rules>,
    pub horizon: Horizon,
}

/// The [`SideSetup`] of `side`; `replaced` are the texts of the scripts it replaces.
pub fn setup(
    policy: &Policy,
    scenario: &Scenario,
    side: &Side,
    replaced: &BTreeMap<String, String>,
) -> Result<SideSetup, CompareError> {
    let policy_err = |error| CompareError::Policy {
        side: side.name.clone(),
        error,
    };
    let horizon = side.horizon(scenario.horizon);
    let base = if crate::date::PROJECTED_YEARS.contains(&horizon.year()) {
        let assumptions = scenario
            .assumptions(policy.assumptions().map_err(policy_err)?, Some(side))
            .map_err(|e| CompareError::Assumption {
                side: side.name.clone(),
                error: e,
            })?;
        policy
            .parameters
            .projected(horizon.year(), &assumptions)
            .map_err(|e| policy_err(e.into()))?
    } else {
        policy.parameters.clone()
    };
    let parameters = side
        .parameters(&base, &scenario.origin)
        .map_err(policy_err)?;
    let rules = if replaced.is_empty() {
        None
    } else {
        Some(policy.rules_with(replaced).map_err(policy_err)?)
    };
    Ok(SideSetup {
        parameters,
        rules,
        horizon,
    })
}

/// Runs both sides. `replaced` gives, per side, the texts of replaced scripts (read by the
/// caller from the files `Side::scripts` names); `behaviour` is used by annual projections,
/// which call `done` after each month simulated (24 for a year's comparison).
pub fn compare(
    policy: &Policy,
    scenario: &Scenario,
    population: &Arc<Population>,
    replaced: [&BTreeMap<String, String>; 2],
    behaviour: &Behaviour,
    chunk_size: usize,
    done: &dyn Fn(u8),
) -> Result<Comparison, CompareError> {
    let run = |side: &Side,
               replaced: &BTreeMap<String, String>|
     -> Result<(Summary, Outcome, Vec<Summary>), CompareError> {
        let SideSetup {
            parameters: params,
            rules: own_rules,
            horizon,
        } = setup(policy, scenario, side, replaced)?;
        let results = run(
            &Configuration {
                policy,
                rules: own_rules.as_ref(),
                parameters: &params,
                population,
                horizon,
                behaviour,
                chunk_size,
            },
            done,
        )
        .map_err(|error| CompareError::Simulation {
            side: side.name.clone(),
            error: Box::new(error),
        })?;
        Ok((results.summary, results.outcome, results.by_month))
    };
    // Both sides run on the same `population`: the breakdowns match households by position.
    let (baseline, baseline_outcome, baseline_months) = run(&scenario.baseline, replaced[0])?;
    let (reform, reform_outcome, reform_months) = run(&scenario.reform, replaced[1])?;
    Ok(Comparison {
        baseline,
        reform,
        baseline_outcome,
        reform_outcome,
        baseline_months,
        reform_months,
    })
}
