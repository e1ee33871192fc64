//! Policy case files: a household, a period and the values the law gives it — `openfisca test`
//! for rhai policies. A policy author checks a rule change with `slieksnis test policies/`
//! without touching Rust.
//!
//! ```toml
//! [[case]]
//! name = "Kuldīga: two adults, two children, no income: GMI 337 EUR (2021)"
//! period = "2021-08"
//! municipality = "kuldigas-novads"
//! housing_costs = 0          # optional, default 0
//! savings = 0                # optional, default 0
//! persons = [{ age = 40 }, { age = 38 }, { age = 10 }, { age = 5 }]   # income, disabled too
//! set = { "gmi.pct" = 0.20 } # optional parameter overrides
//! expect = { gmi_benefit = 337, status = "needy" }
//! # or: expect_error = "above the legal maximum"
//! ```
//!
//! `expect` names any household variable the scripts set (numbers compare exactly, so `337`
//! equals `337.00`), a list for a per-person variable, or `status` (needy, low_income, none).

use std::sync::Arc;

use crate::columns::Level;
use crate::date::Period;
use crate::fixed;
use crate::inputs::{self, Input, Kind};
use crate::parameters::{Value, from_toml};
use crate::policy::Policy;
use crate::population::{HouseholdInput, PersonInput, Population};
use crate::script::{Evaluation, Output};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/builtin_cases.rs"));
}

/// The default policy's case files (`policies/tests/*.toml`), as `(path, text)` in path order.
pub fn builtin() -> Vec<(&'static str, &'static str)> {
    embedded::FILES.to_vec()
}

/// A case's household, as the training page gives it for an exercise: where the case is, its
/// name and period, and the household as `household` reads it (the case without `name`,
/// `period` and `expect`).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseHousehold {
    pub file: String,
    pub line: usize,
    pub name: String,
    pub period: String,
    pub household: toml::Table,
}

/// The households of a case file's cases under the rules in force: a case with overrides
/// (`set`) or an expected error is left out, since the rules in force do not give its answer.
/// A file that is not a case file is an error naming it and the line.
pub fn households(file: &str, text: &str) -> Result<Vec<CaseHousehold>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = crate::toml_place::place(text, &e).map_or(0, |p| p.line);
        format!("{file}:{line}: {}", e.message())
    })?;
    let Some(toml::Value::Array(cases)) = table.get("case") else {
        return Err(format!("{file}: no [[case]] tables"));
    };
    let mut names_seen = 0;
    let mut out = Vec::new();
    for case in cases {
        let Some(t) = case.as_table() else {
            return Err(format!("{file}: a case must be a table"));
        };
        let name = t
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("(unnamed)");
        let line = find_line(text, name, &mut names_seen);
        if t.contains_key("set") || t.contains_key("expect_error") {
            continue;
        }
        let period = t
            .get("period")
            .and_then(|p| p.as_str())
            .ok_or_else(|| format!("{file}:{line}: '{name}' has no period"))?;
        let mut household = t.clone();
        for key in ["name", "period", "expect"] {
            household.remove(key);
        }
        out.push(CaseHousehold {
            file: file.to_string(),
            line,
            name: name.to_string(),
            period: period.to_string(),
            household,
        });
    }
    Ok(out)
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub file: String,
    /// The line of the case's `name`.
    pub line: usize,
    pub name: String,
    /// Empty if the case passed.
    pub failures: Vec<String>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every case of one case file. A file that cannot be read as cases gives one failed
/// result naming the problem.
pub fn run_file(policy: &Policy, known: &[&str], file: &str, text: &str) -> Vec<CaseResult> {
    let fail = |line: usize, name: &str, message: String| CaseResult {
        file: file.to_string(),
        line,
        name: name.to_string(),
        failures: vec![message],
    };
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let e: toml::de::Error = e;
            let line = crate::toml_place::place(text, &e).map_or(0, |p| p.line);
            return vec![fail(line, "(file)", e.message().to_string())];
        }
    };
    let Some(toml::Value::Array(cases)) = table.get("case") else {
        return vec![fail(1, "(file)", "no [[case]] tables".into())];
    };
    let mut names_seen = 0;
    cases
        .iter()
        .map(|case| {
            let name = case
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or("(unnamed)")
                .to_string();
            let line = find_line(text, &name, &mut names_seen);
            let failures = match run_case(policy, known, case) {
                Ok(f) => f,
                Err(message) => vec![message],
            };
            CaseResult {
                file: file.to_string(),
                line,
                name,
                failures,
            }
        })
        .collect()
}

fn find_line(text: &str, name: &str, from: &mut usize) -> usize {
    let needle = format!("{name:?}");
    for (i, l) in text.lines().enumerate().skip(*from) {
        if l.trim_start().starts_with("name") && l.contains(&needle) {
            *from = i + 1;
            return i + 1;
        }
    }
    0
}

/// The keys of a case: its own, and the household inputs declared in `crate::inputs`.
fn case_keys() -> Vec<&'static str> {
    ["name", "period", "municipality"]
        .into_iter()
        .chain(inputs::at(Level::Household).map(|(_, i)| i.name))
        .chain(["persons", "set", "expect"])
        .collect()
}

fn run_case(policy: &Policy, known: &[&str], case: &toml::Value) -> Result<Vec<String>, String> {
    let t = case.as_table().ok_or("a case must be a table")?;
    let keys = case_keys();
    for key in t.keys() {
        if !keys.contains(&key.as_str()) && key != "expect_error" {
            return Err(format!(
                "unknown key '{key}' (known: {}, expect_error)",
                keys.join(", ")
            ));
        }
    }
    let text = |k: &str| {
        t.get(k)
            .and_then(|v| v.as_str())
            .ok_or(format!("'{k}' is missing or not a text"))
    };
    let period = Period::parse(text("period")?).ok_or("period must be YYYY-MM")?;
    let population = household(t, known)?;
    let municipality =
        population.municipalities[population.households.municipality[0] as usize].clone();
    let population = Arc::new(population);
    let mut parameters = policy.parameters.clone();
    if let Some(set) = t.get("set") {
        let set = set
            .as_table()
            .ok_or("'set' must be a table of parameter = value")?;
        for (path, v) in set {
            parameters
                .set(path, from_toml(v.clone())?, "set")
                .map_err(|e| e.message)?;
        }
    }
    let resolved = parameters
        .resolve(period.first_day(), &municipality)
        .map_err(|e| e.to_string())?;
    let evaluation = policy.rules.evaluate(&population, 0..1, &resolved, false);
    match (evaluation, t.get("expect_error")) {
        (Err(e), Some(expected)) => {
            let expected = expected.as_str().ok_or("expect_error must be a text")?;
            let got = e.to_string();
            Ok(if got.contains(expected) {
                vec![]
            } else {
                vec![format!("expected an error with '{expected}', got: {got}")]
            })
        }
        (Err(e), None) => Err(e.to_string()),
        (Ok(_), Some(expected)) => Ok(vec![format!(
            "expected an error with '{}', but the rules ran",
            expected
        )]),
        (Ok(ev), None) => {
            let expect = t
                .get("expect")
                .and_then(|e| e.as_table())
                .ok_or("'expect' (a table) is missing")?;
            let mut failures = Vec::new();
            let financed = finance(policy, &resolved, &ev)?;
            for (name, want) in expect {
                if let Some((_, got)) = financed.iter().find(|(n, _)| n == name) {
                    if let Some(f) = check_amount(name, *got, want)? {
                        failures.push(f);
                    }
                    continue;
                }
                if let Some(f) = check(policy, &ev, name, want)? {
                    failures.push(f);
                }
            }
            Ok(failures)
        }
    }
}

/// Who pays, as the engine splits the declared benefits: `state_share` and `municipal_net` for
/// the household, and `<benefit>_state` for each benefit the state shares.
fn finance(
    policy: &Policy,
    resolved: &crate::parameters::Resolved,
    ev: &Evaluation,
) -> Result<Vec<(String, i64)>, String> {
    let schema = &policy.schema;
    let shares = crate::simulate::state_shares(schema, resolved)?;
    let (mut gross, mut state) = (0i64, 0i64);
    let mut out = Vec::new();
    for (b, benefit) in schema.benefits.iter().enumerate() {
        let amount = match ev.get(&benefit.id) {
            Some((Output::Num { values, .. }, _)) => values[0],
            _ => 0,
        };
        let part = shares[b].map_or(0, |s| crate::schema::state_part(amount, s));
        if shares[b].is_some() {
            out.push((format!("{}_state", benefit.id), part));
        }
        gross += amount;
        state += part;
    }
    out.push(("state_share".into(), state));
    out.push(("municipal_net".into(), gross - state));
    Ok(out)
}

/// Compares an expected amount in EUR with `got` (fixed units).
fn check_amount(name: &str, got: i64, want: &toml::Value) -> Result<Option<String>, String> {
    let wanted = match want {
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::String(s) => s.clone(),
        _ => return Err(format!("{name}: expected a number of EUR")),
    };
    let w = crate::fixed::parse(wanted.as_bytes(), 4)
        .map_err(|_| format!("{name}: '{wanted}' is not a number"))?;
    Ok((w != got).then(|| {
        format!(
            "{name}: expected {}, got {}",
            crate::fixed::format_amount(w),
            crate::fixed::format_amount(got)
        )
    }))
}

/// Compares one expectation; `Ok(Some(message))` when it does not hold.
fn check(
    policy: &Policy,
    vars: &Evaluation,
    name: &str,
    want: &toml::Value,
) -> Result<Option<String>, String> {
    if name == "status" {
        let ids: Vec<&str> = policy
            .schema
            .statuses
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        let want = want
            .as_str()
            .ok_or_else(|| format!("status must be one of {}, or \"none\"", ids.join(", ")))?;
        let is =
            |v: &str| matches!(vars.get(v), Some((Output::Mask { values, .. }, _)) if values[0]);
        let got = ids.iter().find(|s| is(s)).copied().unwrap_or("none");
        return Ok((got != want).then(|| format!("status: expected {want}, got {got}")));
    }
    let Some((got, _)) = vars.get(name) else {
        let known: Vec<&str> = vars.names().collect();
        return Err(format!(
            "'{name}' is not a variable the rules set (they set: {})",
            known.join(", ")
        ));
    };
    let wanted: Vec<&toml::Value> = match want {
        toml::Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    let shown = |values: Vec<String>| {
        if values.len() == 1 {
            values[0].clone()
        } else {
            format!("[{}]", values.join(", "))
        }
    };
    match got {
        Output::Num { values, .. } => {
            let mut want_fixed = Vec::new();
            for w in &wanted {
                match from_toml((*w).clone())? {
                    Value::Number(d) => want_fixed.push(
                        fixed::from_decimal(d)
                            .ok_or(format!("{name}: {d} has too many decimals"))?,
                    ),
                    _ => return Err(format!("{name}: expected value must be a number")),
                }
            }
            Ok((values != want_fixed).then(|| {
                format!(
                    "{name}: expected {}, got {}",
                    shown(
                        want_fixed
                            .iter()
                            .map(|&v| fixed::format_amount(v))
                            .collect()
                    ),
                    shown(values.iter().map(|&v| fixed::format_amount(v)).collect())
                )
            }))
        }
        Output::Mask { values, .. } => {
            let want_bools: Vec<bool> = wanted
                .iter()
                .map(|w| {
                    w.as_bool()
                        .ok_or(format!("{name}: expected value must be true or false"))
                })
                .collect::<Result<_, _>>()?;
            Ok((values != want_bools).then(|| {
                format!(
                    "{name}: expected {}, got {}",
                    shown(want_bools.iter().map(|b| b.to_string()).collect()),
                    shown(values.iter().map(|b| b.to_string()).collect())
                )
            }))
        }
        Output::Scalar(v) => {
            let w = from_toml(want.clone())?;
            let equal = match (&w, &v) {
                (Value::Number(a), Value::Number(b)) => a.normalize() == b.normalize(),
                (a, b) => a == b,
            };
            Ok((!equal).then(|| format!("{name}: expected {w}, got {v}")))
        }
    }
}

/// A household written as TOML, as a population of one: `municipality`, `persons = [{ age = 40,
/// income = 300, disabled = false }, …]`, and any input declared in `crate::inputs` at its
/// level — household inputs as keys of the household (`housing_costs = 120`, `crisis = true`),
/// person inputs as keys of a person. Amounts are EUR and cents, flags `true` / `false` or
/// `0` / `1`. A required input left out takes its `case_default` (0, no; `age` must be given);
/// an optional one left out is absent (for persons: left out by every person, or given by all).
/// Used by case files and by `explain --household`; `known` lists the valid municipalities.
pub fn household(t: &toml::Table, known: &[&str]) -> Result<Population, String> {
    let municipality = t
        .get("municipality")
        .and_then(|v| v.as_str())
        .ok_or("'municipality' (a slug such as ogres-novads) is missing")?
        .to_string();
    let persons = t
        .get("persons")
        .and_then(|v| v.as_array())
        .ok_or("'persons' must be a list of persons")?;
    let person_keys: Vec<&str> = inputs::at(Level::Person).map(|(_, i)| i.name).collect();
    let mut tables = Vec::new();
    for (i, p) in persons.iter().enumerate() {
        let p = p
            .as_table()
            .ok_or("each person is a table like { age = 40, income = 300 }")?;
        if let Some(key) = p.keys().find(|k| !person_keys.contains(&k.as_str())) {
            return Err(format!("person {}: unknown key '{key}'", i + 1));
        }
        tables.push(p);
    }
    // Each input's column, read before the household is built so that a value of the wrong
    // type is named first.
    let mut columns: Vec<(&Input, Vec<i64>)> = Vec::new();
    for input in inputs::INPUTS {
        let values = match input.level {
            Level::Household => match t.get(input.name) {
                Some(v) => Some(vec![value(input, v, input.name.to_string())?]),
                None => missing(input, "")?.map(|v| vec![v]),
            },
            Level::Person => {
                let given: Vec<Option<&toml::Value>> =
                    tables.iter().map(|p| p.get(input.name)).collect();
                let any = given.iter().any(Option::is_some);
                let mut column = Vec::new();
                for (k, v) in given.into_iter().enumerate() {
                    let person = format!("person {}: ", k + 1);
                    match v {
                        Some(v) => column.push(value(input, v, format!("{person}{}", input.name))?),
                        None if any && !input.required => {
                            return Err(format!(
                                "{person}{} is missing (other persons give it)",
                                input.name
                            ));
                        }
                        None => match missing(input, &person)? {
                            Some(v) => column.push(v),
                            None => break,
                        },
                    }
                }
                (input.required || any).then_some(column)
            }
        };
        if let Some(values) = values {
            columns.push((input, values));
        }
    }
    // The household's structure (its municipality, its number of persons) is checked as for
    // any household given in memory; its inputs are then checked against their legal ranges.
    let skeleton = HouseholdInput {
        id: 1,
        municipality,
        housing_costs: 0,
        savings: 0,
        vehicles: None,
        persons: (1..=tables.len() as u64)
            .map(|id| PersonInput {
                id,
                age: 0,
                disabled: false,
                income: 0,
                employed: None,
                nva_registered: None,
            })
            .collect(),
    };
    let mut population =
        Population::from_households(&[skeleton], known, "case").map_err(|e| e.message)?;
    for (input, values) in columns {
        for (k, &v) in values.iter().enumerate() {
            input.kind.check(v).map_err(|why| match input.level {
                Level::Household => format!("household 1: {} {why}", input.name),
                Level::Person => format!("person {}: {} {why}", k + 1, input.name),
            })?;
        }
        input.put_values(&mut population, values);
    }
    Ok(population)
}

/// A value of an input written in TOML, as [`Input::value`] holds it; `what` names it in errors.
fn value(input: &Input, v: &toml::Value, what: String) -> Result<i64, String> {
    match input.kind {
        Kind::Money => match from_toml(v.clone()) {
            Ok(Value::Number(d)) => match fixed::from_decimal(d) {
                Some(v) if v % fixed::CENT == 0 => Ok(v),
                _ => Err(format!("{what}: {d} is not an amount in EUR and cents")),
            },
            _ => Err(format!("{what} must be a number")),
        },
        Kind::Whole { .. } => v
            .as_integer()
            .ok_or(format!("{what} must be a whole number")),
        Kind::Flag => match v {
            toml::Value::Boolean(b) => Ok(*b as i64),
            toml::Value::Integer(i @ (0 | 1)) => Ok(*i),
            _ => Err(format!("{what} must be true/false or 0/1")),
        },
    }
}

/// The value of an input left out: its case default, `None` for an optional input, an error for
/// one that must be given. `person` is `"person N: "` for a person's.
fn missing(input: &Input, person: &str) -> Result<Option<i64>, String> {
    match (input.required, input.case_default) {
        (true, Some(v)) => Ok(Some(v)),
        (false, _) => Ok(None),
        (true, None) => Err(match input.kind {
            Kind::Whole { .. } => {
                format!("{person}'{}' (whole {}) is missing", input.name, input.unit)
            }
            _ => format!("{person}'{}' ({}) is missing", input.name, input.unit),
        }),
    }
}
