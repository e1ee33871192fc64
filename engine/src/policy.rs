//! A policy: its manifest (`policy.toml`), compiled rule scripts, dated parameters and the
//! labels and legal references of the variables it computes.
//!
//! A policy is given as files (path → text), from a directory or from the embedded default
//! ([`builtin`]). The manifest names the parameter files and the scripts in evaluation order:
//!
//! ```toml
//! name = "Latvian municipal social assistance"
//! parameters = ["parameters/thresholds.toml"]
//! scripts = ["rules/household.rhai", "rules/gmi.rhai"]
//!
//! [[benefit]]                       # an output: see `schema`
//! id = "gmi_benefit"
//! label = "GMI benefit"
//! kind = "monthly"
//!
//! [variables.gmi_level]              # a step, explained by `explain`
//! label = "GMI level"
//! label_lv = "GMI līmenis"
//! reference = "MK 809"
//! ```
//!
//! Beside the manifest, `assumptions.toml` (if present) holds the growth rates of the projected
//! years (`assumptions`); a policy without it runs the written years only.
//!
//! Every variable the scripts set is declared, as an output (`[[status]]`, `[[benefit]]`) or as a
//! step (`[variables.X]`): a script that sets anything else stops at that line.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::assumptions::{self, AssumptionError, Assumptions};
use crate::lesson::texts::{self, Texts};
use crate::parameters::{ParameterError, ParameterSet};
use crate::schema::{BenefitEntry, Schema, StatusEntry};
use crate::script::{Rules, ScriptError};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/builtin_policy.rs"));
}

/// The files of the default policy shipped in `policies/`.
pub fn builtin() -> BTreeMap<String, String> {
    embedded::FILES
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

/// How a variable is explained.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VariableInfo {
    pub label: String,
    pub label_lv: String,
    pub unit: String,
    pub reference: String,
}

/// A loaded policy.
pub struct Policy {
    pub name: String,
    pub rules: Rules,
    pub parameters: ParameterSet,
    pub variables: BTreeMap<String, VariableInfo>,
    /// The outputs it declares: what runs write, sum and compare.
    pub schema: Arc<Schema>,
    /// Script paths in order, and their texts (for replacing one in a reform).
    pub scripts: Vec<(String, String)>,
    /// Every variable the scripts may set.
    declared: Arc<BTreeSet<String>>,
    /// The growth rates of the projected years (`assumptions.toml`); `None` if the policy has
    /// no such file, and then a projected year is refused.
    pub assumptions: Option<Assumptions>,
    /// How `explain` teaches each step (`explanations.toml`); empty if the policy has none,
    /// and then lessons fall back on the labels above.
    pub texts: Texts,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy.toml: {0}")]
    Manifest(String),
    #[error("{0}: the policy names this file but it is not there")]
    MissingFile(String),
    #[error(transparent)]
    Parameter(#[from] ParameterError),
    #[error(transparent)]
    Script(#[from] ScriptError),
    #[error(transparent)]
    Assumptions(#[from] AssumptionError),
    /// `explanations.toml` is malformed or lacks a variable's or parameter's words.
    #[error("{0}")]
    Explanations(String),
    #[error(
        "assumptions.toml: the policy has none, and a projected year ({0}) needs its growth rates (copy policies/assumptions.toml into the policy directory)"
    )]
    NoAssumptions(String),
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    name: String,
    parameters: Vec<String>,
    scripts: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, ManifestVariable>,
    #[serde(default)]
    status: Vec<StatusEntry>,
    #[serde(default)]
    benefit: Vec<BenefitEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestVariable {
    label: String,
    #[serde(default)]
    label_lv: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    reference: String,
}

impl Policy {
    /// Loads a policy from its files (paths relative to the policy directory).
    pub fn load(files: &BTreeMap<String, String>) -> Result<Policy, PolicyError> {
        let manifest_text = files
            .get("policy.toml")
            .ok_or_else(|| PolicyError::MissingFile("policy.toml".into()))?;
        let manifest: Manifest = toml::from_str(manifest_text).map_err(|e| {
            PolicyError::Manifest(match crate::toml_place::place(manifest_text, &e) {
                Some(p) => format!("line {}, column {}: {}", p.line, p.column, e.message()),
                None => e.message().to_string(),
            })
        })?;
        let mut parameters = ParameterSet::default();
        for path in &manifest.parameters {
            let text = files
                .get(path)
                .ok_or_else(|| PolicyError::MissingFile(path.clone()))?;
            parameters.add_file(path, text)?;
        }
        // A policy for Latvia: its council entries name Latvian local governments, and every
        // shipped value is within its parameter's legal range.
        parameters.set_councils(crate::register::slugs());
        parameters.check()?;
        let mut scripts = Vec::new();
        for path in &manifest.scripts {
            let text = files
                .get(path)
                .ok_or_else(|| PolicyError::MissingFile(path.clone()))?;
            scripts.push((path.clone(), text.clone()));
        }
        let schema = Schema::from_entries(manifest.status, manifest.benefit)
            .map_err(PolicyError::Manifest)?;
        for b in &schema.benefits {
            if let Some(path) = &b.state_share
                && parameters.parameter(path).is_none()
            {
                return Err(PolicyError::Manifest(format!(
                    "benefit '{}': state_share names '{path}', which is not a parameter of the policy",
                    b.id
                )));
            }
        }
        for name in manifest.variables.keys() {
            if schema.variables().any(|v| &v == name) {
                return Err(PolicyError::Manifest(format!(
                    "[variables.{name}]: {name} is an output ([[status]] or [[benefit]]); declare it once, there"
                )));
            }
        }
        let declared: BTreeSet<String> = manifest
            .variables
            .keys()
            .cloned()
            .chain(schema.variables())
            .collect();
        let declared = Arc::new(declared);
        let assumptions = files
            .get(assumptions::FILE)
            .map(|text| Assumptions::parse(assumptions::FILE, text))
            .transpose()?;
        // Every declared variable and every parameter has its words in both languages, checked
        // here so that a gap is an error at load naming it, not an English line in a Latvian
        // lesson.
        let texts = match files.get(texts::FILE) {
            Some(text) => {
                let t = Texts::parse(text).map_err(PolicyError::Explanations)?;
                let paths: Vec<String> = parameters
                    .parameters()
                    .into_iter()
                    .map(|(p, _)| p)
                    .collect();
                t.check(
                    declared.iter().map(String::as_str),
                    paths.iter().map(String::as_str),
                )
                .map_err(PolicyError::Explanations)?;
                if let Some(extra) = t.scripts.keys().find(|k| !manifest.scripts.contains(k)) {
                    return Err(PolicyError::Explanations(format!(
                        "{}: [scripts] \"{extra}\" is not a script of policy.toml ({})",
                        texts::FILE,
                        manifest.scripts.join(", ")
                    )));
                }
                t
            }
            None => Texts::default(),
        };
        let rules = Rules::compile(&scripts)?.declaring(declared.clone());
        let variables = manifest
            .variables
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    VariableInfo {
                        label: v.label,
                        label_lv: v.label_lv,
                        unit: v.unit,
                        reference: v.reference,
                    },
                )
            })
            .collect();
        Ok(Policy {
            name: manifest.name,
            rules,
            parameters,
            variables,
            schema: Arc::new(schema),
            scripts,
            declared,
            assumptions,
            texts,
        })
    }

    /// The policy's assumptions, or the error a projected year meets without them.
    pub fn assumptions(&self) -> Result<&Assumptions, PolicyError> {
        self.assumptions.as_ref().ok_or_else(|| {
            PolicyError::NoAssumptions(format!(
                "{}–{}",
                crate::date::PROJECTED_YEARS.start(),
                crate::date::PROJECTED_YEARS.end()
            ))
        })
    }

    /// The rules with some scripts replaced by other texts (a reform that changes a formula).
    pub fn rules_with(&self, replaced: &BTreeMap<String, String>) -> Result<Rules, PolicyError> {
        for path in replaced.keys() {
            if !self.scripts.iter().any(|(p, _)| p == path) {
                let known: Vec<&str> = self.scripts.iter().map(|(p, _)| p.as_str()).collect();
                return Err(PolicyError::Manifest(format!(
                    "a reform replaces {path}, which is not one of the policy's scripts ({})",
                    known.join(", ")
                )));
            }
        }
        let scripts: Vec<(String, String)> = self
            .scripts
            .iter()
            .map(|(p, t)| {
                (
                    p.clone(),
                    replaced.get(p).cloned().unwrap_or_else(|| t.clone()),
                )
            })
            .collect();
        Ok(Rules::compile(&scripts)?.declaring(self.declared.clone()))
    }

    /// The label and reference of a variable or output, for explanations.
    pub fn info(&self, name: &str) -> VariableInfo {
        let or = |a: &str, b: &str| if a.is_empty() { b } else { a }.to_string();
        if let Some(v) = self.variables.get(name) {
            return v.clone();
        }
        if let Some(s) = self.schema.statuses.iter().find(|s| s.id == name) {
            return VariableInfo {
                label: or(&s.description, &s.label),
                label_lv: or(&s.description_lv, &s.label_lv),
                unit: String::new(),
                reference: s.reference.clone(),
            };
        }
        if let Some(b) = self.schema.benefits.iter().find(|b| b.id == name) {
            return VariableInfo {
                label: or(&b.description, &b.label),
                label_lv: or(&b.description_lv, &b.label_lv),
                unit: "EUR".into(),
                reference: b.reference.clone(),
            };
        }
        VariableInfo::default()
    }
}
