//! One household, every step: the parameters each script read (with the date they are in force
//! from and their legal reference), the values it computed, and the result — in English or
//! Latvian. For social-service staff in training and for anyone checking a number by hand.
//!
//! The explanation is the same scripts run on one household with tracing on, so it
//! cannot drift from what `run` computes.

use std::fmt::Write;
use std::sync::Arc;

use crate::columns::Level;
use crate::date::Period;
use crate::fixed;
use crate::inputs::{self, Kind, Shown};
use crate::parameters::{Leaf, ParameterSet, Value};
use crate::policy::{Policy, PolicyError, VariableInfo};
use crate::population::Population;
use crate::schema::{Schema, state_part};
use crate::script::{Output, Rules, Taken, TraceStep};
use crate::simulate::state_shares;

/// The language of an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Lv,
}

/// Everything needed to print an explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub household_id: String,
    pub municipality: String,
    pub period: Period,
    pub population: Population,
    pub steps: Vec<TraceStep>,
    /// Each declared benefit's amount, the parameter with the state's share (if the state pays
    /// part), and the state's part.
    pub financing: Vec<Financed>,
    /// Which side of each branch point the household took (`lesson::branches`).
    pub branches: Vec<Taken>,
}

/// Who pays one benefit of the household.
#[derive(Debug, Clone, PartialEq)]
pub struct Financed {
    pub benefit: usize,
    pub amount: i64,
    pub share: Option<Arc<Leaf>>,
    pub state: i64,
}

/// Runs the rules on household `row` of `population` with tracing.
pub fn explain(
    rules: &Rules,
    schema: &Schema,
    parameters: &ParameterSet,
    population: &Population,
    row: usize,
    period: Period,
) -> Result<Explanation, PolicyError> {
    let one = Arc::new(population.select(&[row]));
    let slug = one.municipalities[one.households.municipality[0] as usize].clone();
    let resolved = parameters.resolve(period.first_day(), &slug)?;
    let evaluation = rules.evaluate(&one, 0..1, &resolved, true)?;
    let shares = state_shares(schema, &resolved).map_err(PolicyError::Manifest)?;
    let financing = schema
        .benefits
        .iter()
        .enumerate()
        .map(|(b, benefit)| {
            let amount = match evaluation.get(&benefit.id) {
                Some((Output::Num { values, .. }, _)) => values[0],
                _ => 0,
            };
            let share = benefit
                .state_share
                .as_ref()
                .and_then(|p| resolved.leaf(p).cloned());
            let state = shares[b].map_or(0, |s| state_part(amount, s));
            Financed {
                benefit: b,
                amount,
                share,
                state,
            }
        })
        .collect();
    Ok(Explanation {
        financing,
        household_id: one.households.id.get(0).to_string(),
        municipality: slug,
        period,
        population: Arc::unwrap_or_clone(one),
        steps: evaluation.trace,
        branches: evaluation.branches,
    })
}

struct Words {
    household: &'static str,
    rules_on: &'static str,
    members: &'static str,
    person: &'static str,
    parameters: &'static str,
    in_force_from: &'static str,
    always: &'static str,
    assumed: &'static str,
    projected: &'static str,
    working: &'static str,
    result: &'static str,
    yes: &'static str,
    no: &'static str,
    status: &'static str,
    no_status: &'static str,
    who_pays: &'static str,
    state_pays: &'static str,
    council_pays_all: &'static str,
    totals: [&'static str; 3],
}

const EN: Words = Words {
    household: "Household",
    rules_on: "rules in force on",
    members: "Members",
    person: "person",
    parameters: "parameters read",
    in_force_from: "in force from",
    always: "always",
    assumed: "ASSUMED: the council's own value is not known, or estimated",
    projected: "PROJECTED:",
    working: "working values",
    result: "Result",
    yes: "yes",
    no: "no",
    status: "status",
    no_status: "neither",
    who_pays: "Who pays",
    state_pays: "the state pays",
    council_pays_all: "the council pays it all",
    totals: crate::summary::WORDS_EN.totals,
};

const LV: Words = Words {
    household: "Mājsaimniecība",
    rules_on: "noteikumi spēkā",
    members: "Locekļi",
    person: "persona",
    parameters: "izmantotie parametri",
    in_force_from: "spēkā no",
    always: "vienmēr",
    assumed: "PIEŅEMTS: pašvaldības vērtība nav zināma vai ir aplēsta",
    projected: "PROJICĒTS:",
    working: "starpvērtības",
    result: "Rezultāts",
    yes: "jā",
    no: "nē",
    status: "statuss",
    no_status: "nav",
    who_pays: "Kas maksā",
    state_pays: "valsts sedz",
    council_pays_all: "visu sedz pašvaldība",
    totals: crate::summary::WORDS_LV.totals,
};

/// The inputs of row `row` (of `level`) as `explain` shows them (`crate::inputs::Shown`), labels
/// from the declaration: the values in declared order (`age 40, income 300.00 EUR`), then the
/// flags shown only where they are set (`, disabled`).
fn shown_inputs(pop: &Population, level: Level, row: usize, w: &Words, latvian: bool) -> String {
    let mut values = Vec::new();
    let mut set = Vec::new();
    for (_, input) in inputs::at(level) {
        let Some(v) = input.value(pop, row) else {
            continue;
        };
        let label = input.label(latvian);
        match input.shown {
            Shown::Value => values.push(match input.kind {
                Kind::Money => format!("{label} {} EUR", fixed::format_amount(v)),
                Kind::Whole { .. } | Kind::Flag => format!("{label} {v}"),
            }),
            Shown::YesNo => values.push(format!("{label} {}", if v != 0 { w.yes } else { w.no })),
            Shown::WhenTrue if v != 0 => set.push(format!(", {label}")),
            Shown::WhenTrue | Shown::Hidden => {}
        }
    }
    values.join(", ") + set.concat().as_str()
}

/// Renders an explanation as text.
pub fn render(e: &Explanation, policy: &Policy, lang: Lang) -> String {
    let w = if lang == Lang::Lv { &LV } else { &EN };
    let mut out = String::new();
    let pop = &e.population;
    let eur = |v: i64| format!("{} EUR", fixed::format_amount(v));
    let _ = writeln!(
        out,
        "{} {} — {} ({}, {} {})",
        w.household,
        e.household_id,
        e.municipality,
        e.period,
        w.rules_on,
        e.period.first_day()
    );
    let _ = writeln!(out, "  {}:", w.members);
    let latvian = lang == Lang::Lv;
    for j in 0..pop.person_count() {
        let _ = writeln!(
            out,
            "    {} {}: {}",
            w.person,
            pop.persons.id.get(j),
            shown_inputs(pop, Level::Person, j, w, latvian)
        );
    }
    let _ = write!(
        out,
        "  {}",
        shown_inputs(pop, Level::Household, 0, w, latvian)
    );
    out.push_str("\n\n");

    let person_ids: Vec<String> = pop.persons.id.iter().map(|id| id.to_string()).collect();
    for (n, step) in e.steps.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", n + 1, step.script);
        if !step.parameters.is_empty() {
            let _ = writeln!(out, "   {}:", w.parameters);
            for leaf in &step.parameters {
                out.push_str(&parameter_line(leaf, w, lang));
            }
        }
        let locals: Vec<String> = step
            .locals
            .iter()
            .filter(|(name, _)| name != "h")
            .map(|(name, v)| format!("{name} = {}", show(v, w, &person_ids, "")))
            .collect();
        if !locals.is_empty() {
            let _ = writeln!(out, "   {}: {}", w.working, locals.join("; "));
        }
        for (name, v) in &step.set {
            let info = policy.info(name);
            let unit = if info.unit == "EUR" { " EUR" } else { "" };
            let _ = writeln!(out, "   {name} = {}", show(v, w, &person_ids, unit));
            let label = label(&info, lang);
            if !label.is_empty() || !info.reference.is_empty() {
                let _ = writeln!(out, "      {label} [{}]", info.reference);
            }
        }
    }
    // Who pays each benefit paid: the state's share (with its parameter and legal source), the
    // council the rest.
    let lv = lang == Lang::Lv;
    let schema = &policy.schema;
    let paid: Vec<&Financed> = e.financing.iter().filter(|f| f.amount > 0).collect();
    if !paid.is_empty() {
        let _ = writeln!(out, "\n{}:", w.who_pays);
        for f in &paid {
            let benefit = &schema.benefits[f.benefit];
            let who = match &f.share {
                Some(leaf) => format!(
                    "{} {} × {} = {} ({} {}), {} {}",
                    w.state_pays,
                    leaf.value,
                    eur(f.amount),
                    eur(f.state),
                    leaf.path,
                    leaf.meta.reference,
                    w.totals[2],
                    eur(f.amount - f.state)
                ),
                None => w.council_pays_all.to_string(),
            };
            let _ = writeln!(out, "   {} {}: {who}", benefit.label_in(lv), eur(f.amount));
        }
    }
    // The result, from the declared outputs.
    let flag = |name: &str| {
        e.steps
            .iter()
            .flat_map(|s| &s.set)
            .any(|(n, v)| n == name && matches!(v, Output::Mask { values, .. } if values[0]))
    };
    let status = schema
        .statuses
        .iter()
        .find(|s| flag(&s.id))
        .map_or(w.no_status, |s| s.label_in(lv));
    let gross: i64 = e.financing.iter().map(|f| f.amount).sum();
    let state: i64 = e.financing.iter().map(|f| f.state).sum();
    let mut parts = vec![format!("{} {status}", w.status)];
    for f in &e.financing {
        let benefit = &schema.benefits[f.benefit];
        if f.amount > 0 || !matches!(benefit.kind, crate::schema::Kind::OneOff) {
            parts.push(format!("{} {}", benefit.label_in(lv), eur(f.amount)));
        }
    }
    parts.push(format!("{} {}", w.totals[0], eur(gross)));
    parts.push(format!("{} {}", w.totals[1], eur(state)));
    parts.push(format!("{} {}", w.totals[2], eur(gross - state)));
    let _ = writeln!(out, "\n{}: {}", w.result, parts.join("; "));
    out
}

fn label(info: &VariableInfo, lang: Lang) -> &str {
    if lang == Lang::Lv && !info.label_lv.is_empty() {
        &info.label_lv
    } else {
        &info.label
    }
}

fn parameter_line(leaf: &Leaf, w: &Words, lang: Lang) -> String {
    let since = match leaf.since {
        Some(d) => format!("{} {d}", w.in_force_from),
        None => w.always.to_string(),
    };
    let description = if lang == Lang::Lv && !leaf.meta.description_lv.is_empty() {
        &leaf.meta.description_lv
    } else {
        &leaf.meta.description
    };
    let mut line = format!(
        "     {} = {} ({since}; {})\n",
        leaf.path, leaf.value, leaf.meta.origin
    );
    if !description.is_empty() {
        let _ = writeln!(line, "        {description}");
    }
    if !leaf.meta.reference.is_empty() {
        let _ = writeln!(line, "        [{}]", leaf.meta.reference);
    }
    if leaf.assumed {
        let _ = writeln!(line, "        {}", w.assumed);
    }
    if let Some(note) = &leaf.projected {
        let _ = writeln!(line, "        {} {note}", w.projected);
    }
    line
}

fn show(v: &Output, w: &Words, person_ids: &[String], unit: &str) -> String {
    match v {
        Output::Num {
            person: false,
            values,
        } => format!("{}{unit}", number(values[0], unit)),
        Output::Mask {
            person: false,
            values,
        } => (if values[0] { w.yes } else { w.no }).to_string(),
        Output::Num {
            person: true,
            values,
        } => list(
            person_ids,
            values.iter().map(|&v| format!("{}{unit}", number(v, unit))),
            w,
        ),
        Output::Mask {
            person: true,
            values,
        } => list(
            person_ids,
            values
                .iter()
                .map(|&b| (if b { w.yes } else { w.no }).to_string()),
            w,
        ),
        Output::Scalar(Value::Text(t)) => t.clone(),
        Output::Scalar(v) => v.to_string(),
    }
}

/// Amounts with cents; whole numbers without a unit (counts, ages, coefficients) without.
fn number(v: i64, unit: &str) -> String {
    if unit.is_empty() {
        fixed::to_decimal(v).to_string()
    } else {
        fixed::format_amount(v)
    }
}

fn list(ids: &[String], values: impl Iterator<Item = String>, w: &Words) -> String {
    let parts: Vec<String> = ids
        .iter()
        .zip(values)
        .map(|(id, v)| format!("{} {id}: {v}", w.person))
        .collect();
    format!("[{}]", parts.join(", "))
}
