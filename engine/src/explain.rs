//! One household, every step: the parameters each script read (with the date they are in force
//! from and their legal reference), the values it computed, and the result — in English or
//! Latvian. For social-service staff in training and for anyone checking a number by hand.
//!
//! The explanation is the same scripts run on one household with tracing on, so it
//! cannot drift from what `run` computes.

use std::fmt::Write;
use std::sync::Arc;

use crate::date::Period;
use crate::fixed;
use crate::parameters::{Leaf, ParameterSet, Value};
use crate::policy::{Policy, PolicyError, VariableInfo};
use crate::population::Population;
use crate::script::{Output, Rules, TraceStep};

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
}

/// Runs the rules on household `row` of `population` with tracing.
pub fn explain(
    rules: &Rules,
    parameters: &ParameterSet,
    population: &Population,
    row: usize,
    period: Period,
) -> Result<Explanation, PolicyError> {
    let one = Arc::new(population.select(&[row]));
    let slug = one.municipalities[one.households.municipality[0] as usize].clone();
    let resolved = parameters.resolve(period.first_day(), &slug)?;
    let evaluation = rules.evaluate(&one, 0..1, &resolved, true)?;
    Ok(Explanation {
        household_id: one.households.id.get(0).to_string(),
        municipality: slug,
        period,
        population: Arc::unwrap_or_clone(one),
        steps: evaluation.trace,
    })
}

struct Words {
    household: &'static str,
    rules_on: &'static str,
    members: &'static str,
    person: &'static str,
    age: &'static str,
    disabled: &'static str,
    income: &'static str,
    housing_costs: &'static str,
    savings: &'static str,
    vehicles: &'static str,
    parameters: &'static str,
    in_force_from: &'static str,
    always: &'static str,
    assumed: &'static str,
    working: &'static str,
    result: &'static str,
    yes: &'static str,
    no: &'static str,
    status: &'static str,
    statuses: [&'static str; 3],
    outputs: [&'static str; 5],
}

const EN: Words = Words {
    household: "Household",
    rules_on: "rules in force on",
    members: "Members",
    person: "person",
    age: "age",
    disabled: "disabled",
    income: "income",
    housing_costs: "housing costs",
    savings: "savings",
    vehicles: "vehicles",
    parameters: "parameters read",
    in_force_from: "in force from",
    always: "always",
    assumed: "ASSUMED: the council's own value is not known",
    working: "working values",
    result: "Result",
    yes: "yes",
    no: "no",
    status: "status",
    statuses: ["needy", "low-income", "neither"],
    outputs: [
        "GMI benefit",
        "housing benefit",
        "gross cost",
        "state share",
        "municipal net",
    ],
};

const LV: Words = Words {
    household: "Mājsaimniecība",
    rules_on: "noteikumi spēkā",
    members: "Locekļi",
    person: "persona",
    age: "vecums",
    disabled: "ar invaliditāti",
    income: "ienākumi",
    housing_costs: "mājokļa izdevumi",
    savings: "uzkrājumi",
    vehicles: "transportlīdzekļi",
    parameters: "izmantotie parametri",
    in_force_from: "spēkā no",
    always: "vienmēr",
    assumed: "PIEŅEMTS: pašvaldības vērtība nav zināma",
    working: "starpvērtības",
    result: "Rezultāts",
    yes: "jā",
    no: "nē",
    status: "statuss",
    statuses: ["trūcīga", "maznodrošināta", "nav"],
    outputs: [
        "GMI pabalsts",
        "mājokļa pabalsts",
        "kopējās izmaksas",
        "valsts daļa",
        "pašvaldības neto",
    ],
};

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
    for j in 0..pop.person_count() {
        let _ = writeln!(
            out,
            "    {} {}: {} {}, {} {}{}",
            w.person,
            pop.persons.id.get(j),
            w.age,
            pop.persons.age[j],
            w.income,
            eur(pop.persons.income[j]),
            if pop.persons.disabled[j] {
                format!(", {}", w.disabled)
            } else {
                String::new()
            }
        );
    }
    let _ = write!(
        out,
        "  {} {}, {} {}",
        w.housing_costs,
        eur(pop.households.housing_costs[0]),
        w.savings,
        eur(pop.households.savings[0])
    );
    if let Some(v) = &pop.households.vehicles {
        let _ = write!(out, ", {} {}", w.vehicles, v[0]);
    }
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
            let info = policy.variables.get(name).cloned().unwrap_or_default();
            let unit = if info.unit == "EUR" { " EUR" } else { "" };
            let _ = writeln!(out, "   {name} = {}", show(v, w, &person_ids, unit));
            let label = label(&info, lang);
            if !label.is_empty() || !info.reference.is_empty() {
                let _ = writeln!(out, "      {label} [{}]", info.reference);
            }
        }
    }
    // The result, from the required outputs.
    let find = |name: &str| {
        e.steps
            .iter()
            .flat_map(|s| &s.set)
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let flag = |name: &str| matches!(find(name), Some(Output::Mask { values, .. }) if values[0]);
    let amount = |name: &str| match find(name) {
        Some(Output::Num { values, .. }) => values[0],
        _ => 0,
    };
    let status = if flag("needy") {
        w.statuses[0]
    } else if flag("low_income") {
        w.statuses[1]
    } else {
        w.statuses[2]
    };
    let (gmi, hb) = (amount("gmi_benefit"), amount("housing_benefit"));
    let _ = writeln!(
        out,
        "\n{}: {} {status}; {} {}; {} {}; {} {}; {} {}; {} {}",
        w.result,
        w.status,
        w.outputs[0],
        eur(gmi),
        w.outputs[1],
        eur(hb),
        w.outputs[2],
        eur(gmi + hb),
        w.outputs[3],
        eur(amount("state_share")),
        w.outputs[4],
        eur(amount("municipal_net")),
    );
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
