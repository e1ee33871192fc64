//! What values a parameter may take: its legal range, its texts, its shapes.
//!
//! Every number a policy reads declares the range the law (or plain sense) allows, in the
//! parameter's own TOML table, so a what-if outside it is refused before any rule runs, the
//! shipped values are checked by the same rule, and a web page can take its slider bounds from
//! it:
//!
//! ```toml
//! [pension_age]
//! range = [0, 120]                          # a number
//!
//! [gmi]
//! range = { first = [0, 5000], other = [0, 5000], pct = [0, 0.5] }   # each number of a table
//! requires = { pct = "median_income" }      # pct is a share of the median: only where it exists
//!
//! [housing_benefit.rounding]
//! choices = ["cents", "euros_down"]         # a text
//! ```
//!
//! A parameter's *shapes* are the kinds of value its dated values have (a number; a table with
//! the keys `first` and `other`; a table with the key `pct`…): an override must have one of them.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;

use super::{Parameter, Value};

/// A closed interval of legal numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub min: Decimal,
    pub max: Decimal,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} … {}", self.min, self.max)
    }
}

/// The legal values of a parameter, as declared beside it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bounds {
    /// The range of a number-valued parameter.
    pub range: Option<Range>,
    /// The range of each number key of a table-valued parameter.
    pub key_ranges: BTreeMap<String, Range>,
    /// The texts a text-valued parameter may be.
    pub choices: Vec<String>,
    /// Keys whose number is a share of another parameter (`pct` → `median_income`): a value with
    /// such a key is only valid where that parameter is in force.
    pub requires: BTreeMap<String, String>,
}

impl Bounds {
    /// Reads `range`, `choices` and `requires` from a parameter's table (removing them).
    pub(super) fn read(path: &str, t: &mut toml::Table) -> Result<Bounds, String> {
        let mut bounds = Bounds::default();
        if let Some(v) = t.remove("range") {
            match v {
                toml::Value::Array(pair) => {
                    bounds.range = Some(range_of(&format!("{path}.range"), &pair)?);
                }
                toml::Value::Table(keys) => {
                    for (key, v) in keys {
                        let where_ = format!("{path}.range.{key}");
                        let toml::Value::Array(pair) = v else {
                            return Err(format!("{where_}: expected [min, max]"));
                        };
                        bounds.key_ranges.insert(key, range_of(&where_, &pair)?);
                    }
                }
                _ => {
                    return Err(format!(
                        "{path}.range: expected [min, max], or {{ key = [min, max], … }} for a table"
                    ));
                }
            }
        }
        if let Some(v) = t.remove("choices") {
            let toml::Value::Array(items) = v else {
                return Err(format!("{path}.choices: expected a list of texts"));
            };
            for item in items {
                let toml::Value::String(s) = item else {
                    return Err(format!("{path}.choices: expected a list of texts"));
                };
                bounds.choices.push(s);
            }
        }
        if let Some(v) = t.remove("requires") {
            let toml::Value::Table(keys) = v else {
                return Err(format!(
                    "{path}.requires: expected {{ key = \"parameter\" }}, e.g. {{ pct = \"median_income\" }}"
                ));
            };
            for (key, v) in keys {
                let toml::Value::String(s) = v else {
                    return Err(format!(
                        "{path}.requires.{key}: expected a parameter's path"
                    ));
                };
                bounds.requires.insert(key, s);
            }
        }
        Ok(bounds)
    }

    /// Checks one value against the bounds. `unit` words the message.
    pub fn check(&self, value: &Value, unit: &str) -> Result<(), String> {
        match value {
            Value::Number(n) => {
                let range = self.range.ok_or_else(|| {
                    "declares no legal range: add range = [min, max] beside its values".to_string()
                })?;
                check_range(None, *n, range, unit)
            }
            Value::Bool(_) => Ok(()),
            Value::Text(t) => {
                if self.choices.is_empty() {
                    return Err(
                        "declares no choices for its text: add choices = [\"…\"] beside its values"
                            .into(),
                    );
                }
                if self.choices.iter().any(|c| c == t) {
                    Ok(())
                } else {
                    Err(format!(
                        "\"{t}\" is not one of its choices ({}){}",
                        self.choices.join(", "),
                        did_you_mean(t, self.choices.iter().map(String::as_str))
                    ))
                }
            }
            Value::Table(keys) => {
                for (key, v) in keys {
                    match v {
                        Value::Number(n) => {
                            let range = self.key_ranges.get(key).ok_or_else(|| {
                                format!(
                                    "declares no legal range for '{key}': add range = {{ {key} = [min, max] }}"
                                )
                            })?;
                            check_range(Some(key), *n, *range, unit)?;
                        }
                        Value::Bool(_) => {}
                        other => {
                            return Err(format!(
                                "'{key}' is {} ({other}); a table's values are numbers or true/false",
                                other.kind()
                            ));
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

fn range_of(path: &str, pair: &[toml::Value]) -> Result<Range, String> {
    let number = |v: &toml::Value| -> Result<Decimal, String> {
        match super::from_toml(v.clone())? {
            Value::Number(n) => Ok(n),
            _ => Err(format!("{path}: expected two numbers [min, max]")),
        }
    };
    let [min, max] = pair else {
        return Err(format!("{path}: expected two numbers [min, max]"));
    };
    let (min, max) = (number(min)?, number(max)?);
    if min > max {
        return Err(format!("{path}: min {min} is above max {max}"));
    }
    Ok(Range { min, max })
}

fn check_range(key: Option<&str>, n: Decimal, range: Range, unit: &str) -> Result<(), String> {
    if range.min <= n && n <= range.max {
        return Ok(());
    }
    let what = key.map(|k| format!("{k} = {n}")).unwrap_or(n.to_string());
    // A share written as a percentage is the likeliest slip.
    let hint = if unit.contains("share") && n > Decimal::ONE && n <= Decimal::from(100) {
        format!(
            " (a share: write {} for {n} %)",
            (n / Decimal::from(100)).normalize()
        )
    } else {
        String::new()
    };
    Err(format!(
        "{what} is outside its legal range {range}{}{hint}",
        if unit.is_empty() {
            String::new()
        } else {
            format!(" ({unit})")
        }
    ))
}

/// The kind of value a parameter takes at some date: a number, a text, true/false, or a table
/// with these keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    Number,
    Bool,
    Text,
    Table(Vec<String>),
}

impl Shape {
    pub fn of(value: &Value) -> Shape {
        match value {
            Value::Number(_) => Shape::Number,
            Value::Bool(_) => Shape::Bool,
            Value::Text(_) => Shape::Text,
            Value::Table(t) => Shape::Table(t.keys().cloned().collect()),
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Number => f.write_str("a number"),
            Shape::Bool => f.write_str("true or false"),
            Shape::Text => f.write_str("a text"),
            Shape::Table(keys) => write!(f, "{{ {} }}", keys.join(", ")),
        }
    }
}

/// The shapes of a parameter's dated values, each once.
pub fn shapes(parameter: &Parameter) -> Vec<Shape> {
    let mut out: Vec<Shape> = parameter
        .values
        .iter()
        .filter_map(|(_, v)| v.value().map(Shape::of))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// " (did you mean X?)" for the candidate nearest to `word`, if one is near enough to be a slip.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .min();
    match best {
        // A third of the word may be wrong: "ogres-novad" → "ogres-novads", "gmi.pcx" → "pct".
        Some((d, c)) if d > 0 && d <= (word.chars().count() / 3).max(1) => {
            format!(" (did you mean {c}?)")
        }
        _ => String::new(),
    }
}

/// Levenshtein distance in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let councils = ["ogres-novads", "tukuma-novads", "riga"];
        assert_eq!(
            did_you_mean("ogres-novad", councils),
            " (did you mean ogres-novads?)"
        );
        assert_eq!(
            did_you_mean("pcx", ["pct", "first"]),
            " (did you mean pct?)"
        );
        assert_eq!(did_you_mean("liepaja", councils), "");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn a_share_written_as_a_percentage_gets_a_hint() {
        let bounds = Bounds {
            key_ranges: [(
                "pct".to_string(),
                Range {
                    min: Decimal::ZERO,
                    max: Decimal::ONE,
                },
            )]
            .into(),
            ..Bounds::default()
        };
        let mut t = BTreeMap::new();
        t.insert("pct".to_string(), Value::Number(Decimal::from(20)));
        let e = bounds.check(&Value::Table(t), "share").unwrap_err();
        assert_eq!(
            e,
            "pct = 20 is outside its legal range 0 … 1 (share) (a share: write 0.2 for 20 %)"
        );
    }
}
