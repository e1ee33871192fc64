//! A lesson as terminal text: a pure function of the [`Lesson`] (every word in it is already in
//! the lesson's language), so the terminal shows what a page or an API would.

use std::fmt::Write;

use super::{Lang, Lesson, Step, words};

/// The lesson as text, in its own language.
pub fn text(l: &Lesson) -> String {
    let lang = if l.lang == "lv" { Lang::Lv } else { Lang::En };
    let w = words(lang);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} — {} ({}, {} {})",
        w.household, l.household_id, l.municipality_name, l.period, w.rules_on, l.rules_on
    );
    let _ = writeln!(out, "  {}:", w.members);
    for m in &l.members {
        let _ = writeln!(out, "    {} {}: {}", w.person, m.id, facts(&m.facts));
    }
    let _ = writeln!(out, "  {}", facts(&l.household));
    for (n, s) in l.sections.iter().enumerate() {
        if s.title == s.script {
            let _ = writeln!(out, "\n{}. {}", n + 1, s.script);
        } else {
            let _ = writeln!(out, "\n{}. {} ({})", n + 1, s.title, s.script);
        }
        if !s.parameters.is_empty() {
            let _ = writeln!(out, "   {}:", w.parameters);
            for p in &s.parameters {
                let since = match &p.since {
                    Some(d) => format!("{} {d}", w.in_force_from),
                    None => w.always.to_string(),
                };
                let _ = writeln!(out, "     {} = {} ({since}; {})", p.name, p.value, p.source);
                if p.assumed {
                    let _ = writeln!(out, "        {}", w.assumed);
                }
                if let Some(note) = &p.projected {
                    let _ = writeln!(out, "        {} {note}", w.projected);
                }
            }
        }
        for step in &s.steps {
            out.push_str(&step_text(step, lang));
        }
    }
    if !l.financing.is_empty() {
        let _ = writeln!(out, "\n{}:", w.who_pays);
        for f in &l.financing {
            let _ = writeln!(out, "   {} {}: {}", f.benefit, f.amount, f.text);
        }
    }
    let r = &l.result;
    let mut parts = vec![format!("{} {}", w.status, r.status)];
    parts.extend(
        r.benefits
            .iter()
            .map(|(_, label, _, a)| format!("{label} {a}")),
    );
    parts.push(format!("{} {}", w.totals[0], r.gross));
    parts.push(format!("{} {}", w.totals[1], r.state));
    parts.push(format!("{} {}", w.totals[2], r.net));
    let _ = writeln!(out, "\n{}: {}", w.result, parts.join("; "));
    out
}

/// The cliffs of a lesson as text (empty if it has none).
pub fn cliffs(l: &Lesson) -> String {
    let lang = if l.lang == "lv" { Lang::Lv } else { Lang::En };
    let w = words(lang);
    let mut out = format!("\n{}:\n", w.what_changes);
    if l.cliffs.is_empty() {
        let _ = writeln!(out, "   {}", w.nothing_changes);
    }
    for c in &l.cliffs {
        let _ = writeln!(out, "   - {}", c.text);
    }
    out
}

fn facts(facts: &[super::Fact]) -> String {
    facts
        .iter()
        .map(|f| format!("{} {}", f.label, f.value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn step_text(s: &Step, lang: Lang) -> String {
    let w = words(lang);
    let mut out = String::new();
    let _ = writeln!(out, "   ▸ {} = {}", s.term, s.value);
    let _ = writeln!(out, "     {}: {} [{}]", w.rule, s.rule, s.source);
    for f in &s.formulas {
        let _ = writeln!(out, "       {}", f.words);
        let _ = writeln!(out, "       {}", f.numbers);
    }
    if let Some(a) = &s.after_formulas {
        let _ = writeln!(out, "       {a}");
    }
    if let Some(conclusion) = &s.conclusion {
        let decided: Vec<&super::Comparison> = s.conditions.iter().filter(|c| !c.met).collect();
        if s.flag == Some(false) && !decided.is_empty() {
            // A no: the conditions that failed, each leading to the conclusion; the others met.
            for c in s.conditions.iter().filter(|c| c.met) {
                let _ = writeln!(out, "       {} ✓", c.text);
            }
            for c in decided {
                let _ = writeln!(out, "       {} → {conclusion}", c.text);
            }
        } else {
            for c in &s.conditions {
                let mark = if c.met { "✓" } else { "✗" };
                let _ = writeln!(out, "       {} {mark}", c.text);
            }
            let _ = writeln!(out, "       → {conclusion}");
        }
        if !s.consistent {
            let _ = writeln!(out, "       {}", w.mismatch);
        }
    }
    out
}
