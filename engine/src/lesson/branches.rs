//! The rules' branches, and which of them a household met: what the training page counts.
//!
//! A branch is one side, yes or no, of a branch point of the scripts
//! ([`crate::script::BranchPoint`]: a comparison of household or member values, or a
//! `where(condition, a, b)`). The points are listed from the scripts' own syntax trees, so the
//! total comes from the rules and follows any change to them, not from a list kept by hand. A
//! household meets the sides its evaluation took ([`crate::script::Evaluation::branches`], from
//! the traced run `explain` makes): for a comparison of members' values, each member's answer;
//! for a point inside a function the scripts call twice, each call's. A point a household's
//! rules never reached that month (the housing benefit's before 7/2021) is met on neither side.
//!
//! Some sides no household can take (`h.size < 0`, the way a population without a crisis
//! column says "no household met a crisis", is never yes): they stay unmet, and the page says
//! so in words like any other.

use std::collections::BTreeSet;

use serde::Serialize;

use super::texts::Texts;
use super::{Lang, words};
use crate::explain::Explanation;
use crate::policy::Policy;
use crate::script::{BranchPoint, COMPARISONS};

/// One side of a branch point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branch {
    /// `rules/status.rhai:10:33:yes`: the script, line and column of the point, and the side.
    pub id: String,
    pub script: String,
    pub line: usize,
    pub side: bool,
    /// The comparison or the condition as written: `h.income <= h.needy_threshold`.
    pub code: String,
    /// The same in words of the lesson's language, with the side: "needy: income ≤ needy
    /// threshold — yes".
    pub words: String,
}

fn id(script: &str, line: usize, column: usize, side: bool) -> String {
    format!(
        "{script}:{line}:{column}:{}",
        if side { "yes" } else { "no" }
    )
}

/// Every branch of the policy's rules, two per point (yes, then no), in script order.
pub fn all(policy: &Policy, lang: Lang) -> Vec<Branch> {
    policy
        .rules
        .branch_points()
        .iter()
        .flat_map(|p| {
            [true, false].map(|side| Branch {
                id: id(&p.script, p.line, p.column, side),
                script: p.script.clone(),
                line: p.line,
                side,
                code: code(p),
                words: words_of(p, side, &policy.texts, lang),
            })
        })
        .collect()
}

/// The ids of the branches the explained household met, sorted.
pub fn met(e: &Explanation) -> Vec<String> {
    let mut out = BTreeSet::new();
    for t in &e.branches {
        for &v in &t.values {
            out.insert(id(&t.script, t.line, t.column, v));
        }
    }
    out.into_iter().collect()
}

fn code(p: &BranchPoint) -> String {
    match p.op.as_str() {
        "where" => format!("where({}, …)", p.operands.join(", ")),
        op => format!("{} {op} {}", p.operands[0], p.operands[1]),
    }
}

fn symbol(op: &str) -> &str {
    match op {
        "<=" => "≤",
        ">=" => "≥",
        "==" => "=",
        "!=" => "≠",
        op => op,
    }
}

/// A point and a side in words: what is compared or chosen on, by the terms of
/// `explanations.toml` where it has them, and the variable it decides.
fn words_of(p: &BranchPoint, side: bool, texts: &Texts, lang: Lang) -> String {
    let w = words(lang);
    let compared = |left: &str, op: &str, right: &str| {
        format!(
            "{} {} {}",
            operand(left, texts, lang),
            symbol(op),
            operand(right, texts, lang)
        )
    };
    let what = match p.op.as_str() {
        // A condition that is itself one comparison (`h.children > 0`) in words too.
        "where" => {
            let c = &p.operands[0];
            let parts: Vec<&str> = c.split(' ').collect();
            match parts.as_slice() {
                [l, op, r] if COMPARISONS.contains(op) => compared(l, op, r),
                _ => operand(c, texts, lang),
            }
        }
        op => compared(&p.operands[0], op, &p.operands[1]),
    };
    let said = if side { w.yes } else { w.no };
    let target = p
        .target
        .as_deref()
        .map(|t| t.strip_prefix("h.").unwrap_or(t))
        .filter(|t| texts.variables.contains_key(*t) || texts.terms.contains_key(*t));
    match target {
        Some(t) => format!("{}: {what} — {said}", texts.term(t, lang)),
        None => format!("{what} — {said}"),
    }
}

/// An operand in words: a variable, input, local or parameter by its term; anything else (a
/// number, a call) as written.
fn operand(code: &str, texts: &Texts, lang: Lang) -> String {
    let plain = code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !plain || code.starts_with(|c: char| c.is_ascii_digit()) {
        return code.to_string();
    }
    if let Some(path) = code.strip_prefix("p.") {
        return texts
            .parameters
            .get(path)
            .map_or(path.to_string(), |t| t.name(lang).to_string());
    }
    let name = ["h.members.", "m.", "h."]
        .iter()
        .find_map(|prefix| code.strip_prefix(prefix))
        .unwrap_or(code);
    match name.split_once('.') {
        Some((base, field)) => format!("{} ({})", texts.term(base, lang), texts.field(field, lang)),
        None => texts.term(name, lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy;

    fn shipped() -> Policy {
        Policy::load(&policy::builtin()).unwrap()
    }

    #[test]
    fn the_branches_are_the_scripts_comparisons_and_choices() {
        let policy = shipped();
        let all = all(&policy, Lang::En);
        // Two sides per point, each id once.
        assert_eq!(all.len() % 2, 0);
        let ids: BTreeSet<&str> = all.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids.len(), all.len());
        // The needy income test of status.rhai, in its words.
        let needy = all
            .iter()
            .find(|b| b.script == "rules/status.rhai" && b.code == "h.income <= h.needy_threshold")
            .expect("the needy income test");
        assert!(needy.side);
        assert_eq!(needy.words, "income ≤ needy threshold — yes");
        // The GMI benefit's gate, a where, is named by its variable.
        let gate = all
            .iter()
            .find(|b| b.script == "rules/gmi.rhai" && b.code.starts_with("where("))
            .expect("the GMI gate");
        assert_eq!(gate.code, "where(eligible, …)");
        assert!(
            gate.words
                .starts_with("GMI benefit: eligible for the GMI benefit — "),
            "{}",
            gate.words
        );
        // An if's condition decides on parameters: not a branch.
        assert!(!all.iter().any(|b| b.code.contains("preschool.below")));
        assert!(!all.iter().any(|b| b.code.contains("rounding")));
    }
}
