//! Why a reform changes a household's result: the two lessons of the same household (the rules
//! in force and the reform's) side by side, kept to what differs — the parameters changed, each
//! step whose value or numbers changed with its formula and comparison before and after, and the
//! result before and after.

use std::fmt::Write;

use serde::Serialize;

use super::{Lang, Lesson, Step};

/// What differs between a baseline and a reform lesson of one household.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub lang: &'static str,
    /// (parameter name, before, after).
    pub parameters: Vec<(String, String, String)>,
    pub steps: Vec<StepChange>,
    /// (label, before, after) of the status and each benefit that changed.
    pub result: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepChange {
    pub variable: String,
    pub term: String,
    pub before: String,
    pub after: String,
    /// The formulas and comparisons with the numbers, before and after.
    pub working_before: Vec<String>,
    pub working_after: Vec<String>,
}

fn working(s: &Step) -> Vec<String> {
    let mut out: Vec<String> = s.formulas.iter().map(|f| f.numbers.clone()).collect();
    out.extend(s.after_formulas.clone());
    out.extend(s.conditions.iter().map(|c| c.text.clone()));
    out.extend(s.conclusion.as_ref().map(|c| format!("→ {c}")));
    out
}

/// The difference of `reform` from `baseline` (lessons of the same household and language).
pub fn compare(baseline: &Lesson, reform: &Lesson) -> Difference {
    let params = |l: &Lesson| -> Vec<(String, String, String)> {
        l.sections
            .iter()
            .flat_map(|s| &s.parameters)
            .map(|p| (p.path.clone(), p.name.clone(), p.value.clone()))
            .collect()
    };
    let before = params(baseline);
    let mut parameters = Vec::new();
    for (path, name, after) in params(reform) {
        match before.iter().find(|(p, ..)| *p == path) {
            Some((_, _, b)) if *b == after => {}
            Some((_, _, b)) => parameters.push((name, b.clone(), after)),
            None => parameters.push((name, String::new(), after)),
        }
    }
    parameters.dedup();
    let steps_of =
        |l: &Lesson| -> Vec<Step> { l.sections.iter().flat_map(|s| s.steps.clone()).collect() };
    let old = steps_of(baseline);
    let steps = steps_of(reform)
        .into_iter()
        .filter_map(|new| {
            let was = old.iter().find(|s| s.variable == new.variable)?;
            let (wb, wa) = (working(was), working(&new));
            (was.value != new.value || wb != wa).then(|| StepChange {
                variable: new.variable.clone(),
                term: new.term.clone(),
                before: was.value.clone(),
                after: new.value.clone(),
                working_before: wb,
                working_after: wa,
            })
        })
        .collect();
    let w = super::words(if reform.lang == "lv" {
        Lang::Lv
    } else {
        Lang::En
    });
    let mut result = Vec::new();
    if baseline.result.status != reform.result.status {
        result.push((
            w.status.to_string(),
            baseline.result.status.clone(),
            reform.result.status.clone(),
        ));
    }
    for (id, label, amount, text) in &reform.result.benefits {
        let was = baseline
            .result
            .benefits
            .iter()
            .find(|(i, ..)| i == id)
            .map_or((0, String::new()), |(_, _, a, t)| (*a, t.clone()));
        if was.0 != *amount {
            result.push((label.clone(), was.1, text.clone()));
        }
    }
    if baseline.result.gross != reform.result.gross {
        result.push((
            w.totals[0].to_string(),
            baseline.result.gross.clone(),
            reform.result.gross.clone(),
        ));
    }
    Difference {
        lang: reform.lang,
        parameters,
        steps,
        result,
    }
}

/// The difference as text.
pub fn text(d: &Difference) -> String {
    let lv = d.lang == "lv";
    let (title, changed, before, after, same) = if lv {
        (
            "Kāpēc reforma maina rezultātu",
            "mainītie parametri",
            "spēkā esošie noteikumi",
            "reforma",
            "šīs mājsaimniecības rezultāts nemainās",
        )
    } else {
        (
            "Why the reform changes the result",
            "parameters changed",
            "rules in force",
            "reform",
            "this household's result does not change",
        )
    };
    let mut out = format!("\n{title}:\n");
    if !d.parameters.is_empty() {
        let _ = writeln!(out, "   {changed}:");
        for (name, b, a) in &d.parameters {
            let _ = writeln!(out, "     {name}: {b} → {a}");
        }
    }
    for s in &d.steps {
        let _ = writeln!(out, "   ▸ {}: {} → {}", s.term, s.before, s.after);
        if s.working_before != s.working_after {
            for (label, lines) in [(before, &s.working_before), (after, &s.working_after)] {
                for l in lines.iter() {
                    let _ = writeln!(out, "       {label}: {l}");
                }
            }
        }
    }
    if d.result.is_empty() {
        let _ = writeln!(out, "   {same}");
    }
    for (label, b, a) in &d.result {
        let _ = writeln!(out, "   = {label}: {b} → {a}");
    }
    out
}
