//! Overrides: a what-if's changed parameters (`--set PATH=VALUE`, a scenario's or a case's
//! `set`), resolved against the parameters before any rule runs.
//!
//! - The path names an existing parameter, or one field of a table-valued one; under
//!   `municipalities.` it names a known council. Anything else is refused with the names that
//!   were meant ("did you mean").
//! - A whole value replaces the parameter at every date and must have one of its shapes; a field
//!   (`housing_benefit.k.alone`) replaces that field only, at every date, the other fields as in
//!   force. Where the value in force lacks the field, a field that is a whole shape by itself
//!   (`pct`) switches the value to that shape; any other field cannot apply there.
//! - The value is within the parameter's legal range ([`super::bounds`]).
//! - A share of another parameter (`pct` of the median) applies only where that parameter is in
//!   force: before 7/2023 the thresholds were euro amounts and no median was published.
//!
//! Where an override cannot apply, the dates are kept as [`Entry::Refused`] with the reason, and
//! a run that needs them stops with it: a what-if never silently runs on a value nobody set, and
//! an override of a share still works for the years where shares exist.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::bounds::{Shape, did_you_mean, shapes};
use super::{
    COUNCILS, DEFAULT, Entry, Meta, Parameter, ParameterError, ParameterSet, Value, err,
    insert_parameter, shapes_text,
};
use crate::date::Date;

/// What a number a sweep or search moves may be ([`ParameterSet::number_at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberSpec {
    /// The legal range declared beside the parameter.
    pub range: super::bounds::Range,
    /// The parameter the number is a share of (`median_income` for a `pct`), if any.
    pub requires: Option<String>,
    /// The parameter's unit as declared (`EUR / share`).
    pub unit: String,
}

/// Where an override lands: a parameter, and maybe one field of its table.
struct Target {
    /// The parameter's dotted path.
    parameter: String,
    field: Option<String>,
    /// What the parameter may be: itself, or for a council's value the default's, whose range
    /// and shapes every council shares.
    template: Parameter,
    /// Its description and reference: its own where it has an entry.
    meta: Arc<Meta>,
}

impl ParameterSet {
    /// Applies an override (a reform overlay): `path` names a parameter, or a field of a
    /// table-valued one, `origin` names the override in errors (`--set gmi.pct=0.20`). See the
    /// module header for what is accepted.
    pub fn set(&mut self, path: &str, value: Value, origin: &str) -> Result<(), ParameterError> {
        let fail = |m: String| err(origin, format!("{path}: {m}"));
        let target = self.target(path).map_err(fail)?;
        let shown = format!("{path} = {value}");
        let series = match &target.field {
            None => {
                self.check_whole(&target, &value).map_err(fail)?;
                vec![(None, Entry::Value(value))]
            }
            Some(field) => {
                let shapes = shapes(&target.template);
                let mut probe = BTreeMap::new();
                probe.insert(field.clone(), value.clone());
                target
                    .template
                    .meta
                    .bounds
                    .check(&Value::Table(probe), &target.template.meta.unit)
                    .map_err(fail)?;
                self.effective_series(&target)
                    .into_iter()
                    .map(|(date, entry, assumed)| {
                        let new =
                            replace_field(entry, field, &value, &shapes, &target, &shown, date);
                        (
                            date,
                            keep_assumed_apart(new, assumed, field, &target, &shown, date),
                        )
                    })
                    .collect()
            }
        };
        let series = self.split_at_requirements(&target, series, &shown);
        let meta = Arc::new(Meta {
            origin: origin.to_string(),
            line: 0,
            bounds: target.template.meta.bounds.clone(),
            ..(*target.meta).clone()
        });
        // What is set is no longer a projection, at any date.
        self.projected.remove(&target.parameter);
        insert_parameter(
            &mut self.root,
            &target.parameter,
            Parameter {
                values: series,
                meta,
            },
        );
        Ok(())
    }

    /// What the number at `path` may be (a number-valued parameter, or one number field of a
    /// table-valued one), for a sweep or a search over it: its declared legal range, the
    /// parameter it is a share of (`pct` of `median_income`), and its unit. `origin` names the
    /// request in errors, which are those of [`ParameterSet::set`] for a path that names
    /// nothing ("did you mean").
    pub fn number_at(&self, path: &str, origin: &str) -> Result<NumberSpec, ParameterError> {
        let fail = |m: String| err(origin, format!("{path}: {m}"));
        let target = self.target(path).map_err(fail)?;
        let bounds = &target.template.meta.bounds;
        let unit = target.template.meta.unit.clone();
        let (range, requires) = match &target.field {
            Some(field) => (
                bounds.key_ranges.get(field).copied(),
                bounds.requires.get(field).cloned(),
            ),
            None => (bounds.range, None),
        };
        let Some(range) = range else {
            let keys = table_keys(&target.template);
            let numbers: Vec<String> = keys
                .iter()
                .filter(|k| bounds.key_ranges.contains_key(*k))
                .map(|k| format!("{path}.{k}"))
                .collect();
            return Err(fail(if numbers.is_empty() {
                format!(
                    "is {}, not a number that can be swept",
                    shapes_text(&shapes(&target.template))
                )
            } else {
                format!(
                    "is a table, not one number; sweep one of its fields: {}",
                    numbers.join(", ")
                )
            }));
        };
        Ok(NumberSpec {
            range,
            requires,
            unit,
        })
    }

    /// Finds what `path` names, or says what it might have meant.
    fn target(&self, path: &str) -> Result<Target, String> {
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err("not a parameter path (names separated by dots, e.g. gmi.pct)".into());
        }
        if let Some((slug, _)) = self.council_of(path) {
            self.check_council(slug)?;
        }
        if let Some(t) = self.parameter_target(path, None) {
            return Ok(t);
        }
        if let Some((parent, field)) = path.rsplit_once('.') {
            if let Some(t) = self.parameter_target(parent, Some(field)) {
                let keys = table_keys(&t.template);
                if keys.is_empty() {
                    return Err(format!(
                        "{parent} is {}, not a table with fields",
                        shapes_text(&shapes(&t.template))
                    ));
                }
                if !keys.iter().any(|k| k == field) {
                    return Err(format!(
                        "'{field}' is not a field of {parent} ({}){}",
                        keys.join(", "),
                        did_you_mean(field, keys.iter().map(String::as_str))
                    ));
                }
                return Ok(t);
            }
        }
        Err(format!("unknown parameter{}", self.suggest(path)))
    }

    /// The parameter at `path` (a council's own one falls back to the default's as template).
    fn parameter_target(&self, path: &str, field: Option<&str>) -> Option<Target> {
        let own = self.parameter(path);
        let template = match self.council_of(path) {
            Some((_, name)) => self.parameter(&format!("{COUNCILS}.{DEFAULT}.{name}"))?,
            None => own?,
        };
        Some(Target {
            parameter: path.to_string(),
            field: field.map(str::to_string),
            template: template.clone(),
            meta: own.unwrap_or(template).meta.clone(),
        })
    }

    fn check_whole(&self, target: &Target, value: &Value) -> Result<(), String> {
        let council = self.council_of(&target.parameter).is_some();
        if council && *value == Value::Text(DEFAULT.into()) {
            return Ok(());
        }
        let shapes = shapes(&target.template);
        if !shapes.contains(&Shape::of(value)) {
            return Err(format!(
                "{value} is {}, but the parameter is {}",
                Shape::of(value),
                shapes_text(&shapes)
            ));
        }
        target
            .template
            .meta
            .bounds
            .check(value, &target.template.meta.unit)
    }

    /// The parameter's values as the rules see them at each date, and whether each is an
    /// assumed default. A council's own series says "default" where its value is not known;
    /// there the default's value is in force, so the series is merged with the default's at
    /// every date either changes.
    fn effective_series(&self, target: &Target) -> Vec<(Option<Date>, Entry, bool)> {
        let Some((_, name)) = self.council_of(&target.parameter) else {
            return target
                .template
                .values
                .iter()
                .map(|(d, e)| (*d, e.clone(), false))
                .collect();
        };
        let default = self.parameter(&format!("{COUNCILS}.{DEFAULT}.{name}"));
        let own = self.parameter(&target.parameter);
        let at = |p: Option<&Parameter>, d: Option<Date>| -> Option<Entry> {
            p?.values
                .iter()
                .rev()
                .find(|(since, _)| since.is_none_or(|s| d.is_some_and(|d| s <= d)))
                .map(|(_, e)| e.clone())
        };
        let mut dates: Vec<Option<Date>> = [default, own]
            .into_iter()
            .flatten()
            .flat_map(|p| p.values.iter().map(|(d, _)| *d))
            .collect();
        dates.sort();
        dates.dedup();
        dates
            .into_iter()
            .filter_map(|d| {
                Some(match at(own, d) {
                    Some(Entry::Value(Value::Text(t))) if t == DEFAULT => {
                        (d, at(default, d)?, true)
                    }
                    None => (d, at(default, d)?, true),
                    Some(entry) => (d, entry, false),
                })
            })
            .collect()
    }

    /// Splits every value that is a share of another parameter at that parameter's first date:
    /// before it, the override is refused with the dates it does apply to.
    fn split_at_requirements(
        &self,
        target: &Target,
        series: Vec<(Option<Date>, Entry)>,
        shown: &str,
    ) -> Vec<(Option<Date>, Entry)> {
        let requires = &target.template.meta.bounds.requires;
        let mut out = Vec::with_capacity(series.len() + 1);
        for (i, (from, entry)) in series.iter().enumerate() {
            let until = series.get(i + 1).and_then(|(d, _)| *d);
            let needed = match entry {
                Entry::Value(Value::Table(keys)) => requires
                    .iter()
                    .filter(|(k, _)| keys.contains_key(*k))
                    .filter_map(|(k, p)| Some((k, p, self.first_date(p)??)))
                    .max_by_key(|(_, _, start)| *start),
                _ => None,
            };
            match needed {
                Some((key, needed, start)) if from.is_none_or(|f| f < start) => {
                    let amounts: Vec<String> = table_keys(&target.template)
                        .into_iter()
                        .filter(|k| !requires.contains_key(k))
                        .collect();
                    out.push((
                        *from,
                        Entry::Refused(format!(
                            "{shown}: '{key}' is a share of {needed}, which the rules have only from {start}, so it applies from {}-{:02} on; for earlier months set {} instead",
                            start.year,
                            start.month,
                            if amounts.is_empty() {
                                "another value".to_string()
                            } else {
                                format!("{} = {{ {} }}", target.parameter, amounts.iter().map(|k| format!("{k} = …")).collect::<Vec<_>>().join(", "))
                            }
                        )),
                    ));
                    if until.is_none_or(|u| start < u) {
                        out.push((Some(start), entry.clone()));
                    }
                }
                _ => out.push((*from, entry.clone())),
            }
        }
        out
    }

    fn suggest(&self, path: &str) -> String {
        let (parent, last) = path.rsplit_once('.').unwrap_or(("", path));
        let group = if parent.is_empty() {
            Some(&self.root)
        } else {
            self.group(parent)
        };
        let Some(group) = group else {
            // The parent is not a group either: suggest among the top-level names.
            let first = path.split('.').next().unwrap_or(path);
            let names: Vec<&str> = self.root.children.keys().map(String::as_str).collect();
            return format!(
                "{} (top-level names: {})",
                did_you_mean(first, names.iter().copied()),
                names.join(", ")
            );
        };
        let names: Vec<&str> = group.children.keys().map(String::as_str).collect();
        let full = |k: &str| {
            if parent.is_empty() {
                k.to_string()
            } else {
                format!("{parent}.{k}")
            }
        };
        let mean = did_you_mean(last, names.iter().copied());
        let mean = mean
            .strip_prefix(" (did you mean ")
            .and_then(|m| m.strip_suffix("?)"))
            .map(|m| format!(" (did you mean {}?)", full(m)))
            .unwrap_or_default();
        let known: Vec<String> = names.iter().take(12).map(|k| full(k)).collect();
        format!("{mean}; known here: {}", known.join(", "))
    }
}

/// The fields any of a table-valued parameter's values have.
fn table_keys(p: &Parameter) -> Vec<String> {
    let mut keys: Vec<String> = p
        .values
        .iter()
        .filter_map(|(_, e)| match e.value()? {
            Value::Table(t) => Some(t.keys().cloned()),
            _ => None,
        })
        .flatten()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Where a council's value is an assumed default, a field set on it would leave the other
/// fields assumed in a value no report could flag any more: only a field that is the whole value
/// (`pct`) may replace it.
fn keep_assumed_apart(
    entry: Entry,
    assumed: bool,
    field: &str,
    target: &Target,
    shown: &str,
    date: Option<Date>,
) -> Entry {
    match &entry {
        Entry::Value(Value::Table(t)) if assumed && t.len() > 1 => {
            let from = date
                .map(|d| format!("from {d}"))
                .unwrap_or_else(|| "at any date".into());
            let others: Vec<&str> = t
                .keys()
                .map(String::as_str)
                .filter(|k| *k != field)
                .collect();
            Entry::Refused(format!(
                "{shown} cannot apply {from}: the council's own value is not known there (the rules assume the default), so its {} would stay assumed; set the whole value instead ({} = {{ … }})",
                others.join(", "),
                target.parameter
            ))
        }
        _ => entry,
    }
}

/// One dated value with `field` replaced.
fn replace_field(
    entry: Entry,
    field: &str,
    value: &Value,
    shapes: &[Shape],
    target: &Target,
    shown: &str,
    date: Option<Date>,
) -> Entry {
    let whole_shape = shapes.contains(&Shape::Table(vec![field.to_string()]));
    let current = match entry {
        // A field that is a whole value by itself does not depend on what was there.
        Entry::Refused(_) if whole_shape => {
            let mut t = BTreeMap::new();
            t.insert(field.to_string(), value.clone());
            return Entry::Value(Value::Table(t));
        }
        Entry::Refused(why) => return Entry::Refused(why),
        Entry::Value(v) => v,
    };
    match current {
        Value::Table(mut t) if t.contains_key(field) => {
            t.insert(field.to_string(), value.clone());
            Entry::Value(Value::Table(t))
        }
        other => {
            if whole_shape {
                // A field that is a whole shape by itself (`pct`): the value becomes that shape.
                let mut t = BTreeMap::new();
                t.insert(field.to_string(), value.clone());
                return Entry::Value(Value::Table(t));
            }
            let from = date
                .map(|d| format!("from {d}"))
                .unwrap_or_else(|| "at any date".into());
            Entry::Refused(format!(
                "{shown} cannot apply {from}: {} is then {other}, which has no '{field}'; set the whole value instead ({} = {})",
                target.parameter,
                target.parameter,
                shapes_text(shapes)
            ))
        }
    }
}
