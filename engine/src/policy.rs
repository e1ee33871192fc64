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
//! [variables.gmi_benefit]
//! label = "GMI benefit"
//! label_lv = "GMI pabalsts"
//! reference = "MK 809"
//! ```

use std::collections::BTreeMap;

use crate::parameters::{ParameterError, ParameterSet};
use crate::script::{Rules, ScriptError};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/builtin_policy.rs"));
}

/// Household variables every policy must set: what `run` writes and sums.
pub const REQUIRED_OUTPUTS: [&str; 6] = [
    "needy",
    "low_income",
    "gmi_benefit",
    "housing_benefit",
    "state_share",
    "municipal_net",
];

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
    /// Script paths in order, and their texts (for replacing one in a reform).
    pub scripts: Vec<(String, String)>,
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
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    name: String,
    parameters: Vec<String>,
    scripts: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, ManifestVariable>,
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
        let rules = Rules::compile(&scripts)?;
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
            scripts,
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
        Ok(Rules::compile(&scripts)?)
    }
}
