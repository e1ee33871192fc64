//! The teaching texts of a policy (`explanations.toml`): per variable the rule in words, its
//! legal source and its short name, in English and Latvian, with the formulas and comparisons
//! the lesson fills with the traced numbers; per parameter a name and source in both languages;
//! names for the locals and table fields a formula shows.
//!
//! The texts are policy data, beside the scripts they describe, so that a council's rules and
//! the words that teach them change together; the file is checked when the policy loads, so a
//! variable or parameter added without its words is an error naming it, not an English gap in a
//! Latvian lesson.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Lang;

/// The file beside `policy.toml`.
pub const FILE: &str = "explanations.toml";

/// A text in both languages.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Both {
    #[serde(default)]
    pub en: String,
    #[serde(default)]
    pub lv: String,
}

impl Both {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Lv => &self.lv,
        }
    }

    /// The first language it lacks, if any.
    fn missing(&self) -> Option<&'static str> {
        if self.en.trim().is_empty() {
            Some("en")
        } else if self.lv.trim().is_empty() {
            Some("lv")
        } else {
            None
        }
    }
}

/// A formula shown with the household's numbers: `value = expr`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Formula {
    /// The token whose value the formula gives; `None`: the variable itself.
    #[serde(default)]
    pub value: Option<String>,
    pub expr: String,
}

/// Two numbers compared, and the traced yes/no that is the verdict.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default)]
    pub left: Option<String>,
    #[serde(default)]
    pub right: Option<String>,
    pub verdict: String,
    /// The verdict the condition needs (`false`: it must not hold).
    #[serde(default = "yes")]
    pub want: bool,
}

fn yes() -> bool {
    true
}

/// What a yes/no variable means when it is yes and when it is no.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    #[serde(default)]
    pub en: [String; 2],
    #[serde(default)]
    pub lv: [String; 2],
}

impl Outcome {
    pub fn get(&self, lang: Lang, value: bool) -> &str {
        let pair = match lang {
            Lang::En => &self.en,
            Lang::Lv => &self.lv,
        };
        &pair[usize::from(!value)]
    }
}

/// How one variable is taught.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    #[serde(default)]
    pub term: Both,
    #[serde(default)]
    pub rule: Both,
    #[serde(default)]
    pub source: Both,
    #[serde(default)]
    pub formulas: Vec<Formula>,
    #[serde(default)]
    pub gate: Option<String>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(default)]
    pub outcome: Option<Outcome>,
}

/// How one parameter is named.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    #[serde(default)]
    pub en: String,
    #[serde(default)]
    pub lv: String,
    #[serde(default)]
    pub source: Both,
}

impl Parameter {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Lv => &self.lv,
        }
    }
}

/// The teaching texts of a policy.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    #[serde(default)]
    pub parameters: BTreeMap<String, Parameter>,
    /// Names of the locals a formula or a comparison shows.
    #[serde(default)]
    pub terms: BTreeMap<String, Both>,
    /// Names of a parameter table's fields and of text values (`pct`, `alone`, `cents`).
    #[serde(default)]
    pub fields: BTreeMap<String, Both>,
    /// What each rule script decides (`rules/gmi.rhai` → "The GMI benefit"): a lesson section's
    /// heading, with the file beside it; a script without one is headed by its file alone.
    #[serde(default)]
    pub scripts: BTreeMap<String, Both>,
}

/// A parameter's path as the texts key it: a council's own entry (`municipalities.ogres-novads.x`)
/// and the default (`municipalities.default.x`) are both `municipalities.*.x`.
pub fn pattern(path: &str) -> String {
    match path.strip_prefix("municipalities.") {
        Some(rest) => match rest.split_once('.') {
            Some((_, tail)) => format!("municipalities.*.{tail}"),
            None => path.to_string(),
        },
        None => path.to_string(),
    }
}

impl Texts {
    /// Reads `explanations.toml`.
    pub fn parse(text: &str) -> Result<Texts, String> {
        toml::from_str(text).map_err(|e| match crate::toml_place::place(text, &e) {
            Some(p) => format!(
                "{FILE}: line {}, column {}: {}",
                p.line,
                p.column,
                e.message()
            ),
            None => format!("{FILE}: {}", e.message()),
        })
    }

    /// Every variable in `declared` and every parameter path in `parameters` has its words in
    /// both languages, and the file explains nothing the policy does not have. The error names
    /// the first that does not.
    pub fn check<'a>(
        &self,
        declared: impl IntoIterator<Item = &'a str>,
        parameters: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        let declared: Vec<&str> = declared.into_iter().collect();
        for name in &declared {
            let Some(v) = self.variables.get(*name) else {
                return Err(format!(
                    "{FILE}: h.{name} has no explanation: add [variables.{name}] with term, rule and source, each in en and lv"
                ));
            };
            for (what, text) in [("term", &v.term), ("rule", &v.rule), ("source", &v.source)] {
                if let Some(lang) = text.missing() {
                    return Err(format!(
                        "{FILE}: [variables.{name}] has no {what}.{lang} (every step is explained in en and lv)"
                    ));
                }
            }
            if let Some(o) = &v.outcome
                && o.en.iter().chain(&o.lv).any(|t| t.trim().is_empty())
            {
                return Err(format!(
                    "{FILE}: [variables.{name}] outcome needs en and lv, each [if yes, if no]"
                ));
            }
        }
        if let Some(extra) = self
            .variables
            .keys()
            .find(|k| !declared.contains(&k.as_str()))
        {
            return Err(format!(
                "{FILE}: [variables.{extra}] explains a variable the policy does not declare"
            ));
        }
        let mut patterns: Vec<String> = parameters.into_iter().map(pattern).collect();
        patterns.sort();
        patterns.dedup();
        for path in &patterns {
            let Some(p) = self.parameters.get(path) else {
                return Err(format!(
                    "{FILE}: the parameter {path} has no explanation: add [parameters.\"{path}\"] with en, lv and source"
                ));
            };
            let name = Both {
                en: p.en.clone(),
                lv: p.lv.clone(),
            };
            if let Some(lang) = name.missing().or_else(|| p.source.missing()) {
                return Err(format!(
                    "{FILE}: [parameters.\"{path}\"] lacks its {lang} text (name and source, in en and lv)"
                ));
            }
        }
        if let Some(extra) = self.parameters.keys().find(|k| !patterns.contains(k)) {
            return Err(format!(
                "{FILE}: [parameters.\"{extra}\"] names a parameter the policy does not have"
            ));
        }
        for (name, t) in self.terms.iter().chain(&self.fields).chain(&self.scripts) {
            if let Some(lang) = t.missing() {
                return Err(format!("{FILE}: the name of {name} lacks its {lang} text"));
            }
        }
        Ok(())
    }

    /// The short name of a variable, local or input, for formulas and comparisons.
    pub fn term(&self, name: &str, lang: Lang) -> String {
        if let Some(v) = self.variables.get(name) {
            return v.term.get(lang).to_string();
        }
        if let Some(t) = self.terms.get(name) {
            return t.get(lang).to_string();
        }
        if let Some((_, input)) = crate::inputs::find(name) {
            return input.label(lang == Lang::Lv).to_string();
        }
        name.to_string()
    }

    /// A table field's or a text value's name.
    pub fn field<'a>(&'a self, key: &'a str, lang: Lang) -> &'a str {
        self.fields.get(key).map_or(key, |t| t.get(lang))
    }
}
