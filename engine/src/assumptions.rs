//! Named assumptions for the projected years (`date::PROJECTED_YEARS`): the growth rates that
//! carry the median income, the minimum wage, wages, pensions, housing costs and the councils'
//! own amounts past the last year the rules are written for.
//!
//! They are data (`policies/assumptions.toml`, one table per assumption, each with its range,
//! default, plausible band and source — or `assumed = true` where no source gives the number),
//! so that a council can read what a 2027 figure rests on and set another value
//! (`--assume median_growth=0.06`, a scenario's `assume = { … }`). The names are fixed here:
//! each one drives a definite part of the projection (`parameters::ParameterSet::projected`,
//! `profile::Profile::aged`), so a file that names another, or leaves one out, is refused.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// Every assumption, in the order reports list them: what each drives.
pub const NAMES: [&str; 6] = [
    MEDIAN_GROWTH,
    MINIMUM_WAGE_GROWTH,
    WAGE_GROWTH,
    PENSION_GROWTH,
    HOUSING_COST_GROWTH,
    COUNCIL_AMOUNTS_GROWTH,
];

/// The median income per equivalent consumer (`median_income`), and so every threshold.
pub const MEDIAN_GROWTH: &str = "median_growth";
/// The minimum wage (`minimum_wage`, and the profiles' gross and net minimum wage).
pub const MINIMUM_WAGE_GROWTH: &str = "minimum_wage_growth";
/// The profiles' median and average net wage.
pub const WAGE_GROWTH: &str = "wage_growth";
/// The profiles' average old-age pension.
pub const PENSION_GROWTH: &str = "pension_growth";
/// The profiles' housing costs.
pub const HOUSING_COST_GROWTH: &str = "housing_cost_growth";
/// The councils' own fixed EUR amounts (`municipalities.…`).
pub const COUNCIL_AMOUNTS_GROWTH: &str = "council_amounts_growth";

/// The assumptions that age a generated population. Both sides of a comparison share one
/// population, so these can be set for the whole scenario only, not for one side.
pub const POPULATION: [&str; 4] = [
    MINIMUM_WAGE_GROWTH,
    WAGE_GROWTH,
    PENSION_GROWTH,
    HOUSING_COST_GROWTH,
];

/// The file name inside a policy directory.
pub const FILE: &str = "assumptions.toml";

/// One named assumption.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    pub name: String,
    pub description: String,
    pub description_lv: String,
    pub unit: String,
    /// What may be set: `[lo, hi]`, inclusive.
    pub range: (Decimal, Decimal),
    /// The value in use (the file's, or what a run set).
    pub value: Decimal,
    /// The file's value.
    pub default: Decimal,
    /// A plausible range around the default, `lo <= default <= hi` (for uncertainty bands).
    pub band: (Decimal, Decimal),
    /// Where the default comes from; `None` if it is `assumed`.
    pub source: Option<String>,
    /// No source gives the default: it is this model's assumption.
    pub assumed: bool,
    /// What set the value if not the file (`--assume median_growth=0.06`, a scenario).
    pub set_by: Option<String>,
}

impl Assumption {
    /// How a report names it: `median_growth=0.09`.
    pub fn label(&self) -> String {
        format!("{}={}", self.name, self.value.normalize())
    }

    /// `[assumed]`, `[set by …]` or `[source: …]`, for table headers.
    pub fn provenance(&self) -> String {
        self.provenance_in(false)
    }

    /// [`Self::provenance`] in English or (`lv`) Latvian: `[pieņemts]`, `[iestatīts: …]`,
    /// `[avots: …]`.
    pub fn provenance_in(&self, lv: bool) -> String {
        let (set, source, assumed) = if lv {
            ("iestatīts:", "avots:", "pieņemts")
        } else {
            ("set by", "source:", "assumed")
        };
        match (&self.set_by, &self.source) {
            (Some(by), _) => format!("[{set} {by}]"),
            (None, Some(s)) => format!("[{source} {s}]"),
            (None, None) => format!("[{assumed}]"),
        }
    }
}

/// The assumptions of a policy, every name of [`NAMES`] once, in that order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assumptions {
    /// The file they were read from, for errors.
    pub origin: String,
    items: Vec<Assumption>,
}

/// A problem with the assumptions file or a setting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct AssumptionError {
    pub origin: String,
    pub message: String,
}

const KEYS: &str = "description, description_lv, unit, range, band, value, source, assumed";

impl Assumptions {
    /// Parses and checks `assumptions.toml`; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Assumptions, AssumptionError> {
        let fail = |message: String| AssumptionError {
            origin: origin.to_string(),
            message,
        };
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = crate::toml_place::place(text, &e)
                .map(|p| format!("line {}, column {}: ", p.line, p.column))
                .unwrap_or_default();
            fail(format!("{at}{}", e.message().trim()))
        })?;
        for name in table.keys() {
            if !NAMES.contains(&name.as_str()) {
                return Err(fail(format!(
                    "[{name}]: unknown assumption; accepted: {}",
                    NAMES.join(", ")
                )));
            }
        }
        let mut items = Vec::new();
        for name in NAMES {
            let Some(v) = table.get(name) else {
                return Err(fail(format!(
                    "[{name}] is missing: the projected years need every assumption ({})",
                    NAMES.join(", ")
                )));
            };
            let toml::Value::Table(t) = v else {
                return Err(fail(format!("{name}: expected a table [{name}]")));
            };
            items.push(read_one(name, t).map_err(|m| fail(format!("[{name}] {m}")))?);
        }
        Ok(Assumptions {
            origin: origin.to_string(),
            items,
        })
    }

    /// Every assumption, in the order of [`NAMES`].
    pub fn all(&self) -> &[Assumption] {
        &self.items
    }

    /// The assumption called `name`.
    pub fn get(&self, name: &str) -> Option<&Assumption> {
        self.items.iter().find(|a| a.name == name)
    }

    /// The value in use of `name` (0 for a name that is not one: callers name [`NAMES`]).
    pub fn value(&self, name: &str) -> Decimal {
        self.get(name).map_or(Decimal::ZERO, |a| a.value)
    }

    /// Sets `name` to `value` for a run; `by` says who (`--assume median_growth=0.06`).
    pub fn set(&mut self, name: &str, value: Decimal, by: &str) -> Result<(), String> {
        let Some(a) = self.items.iter_mut().find(|a| a.name == name) else {
            return Err(unknown(name));
        };
        if value < a.range.0 || value > a.range.1 {
            return Err(format!(
                "{name} = {value} is outside its range [{}, {}] ({})",
                a.range.0.normalize(),
                a.range.1.normalize(),
                a.unit
            ));
        }
        a.value = value;
        a.set_by = Some(by.to_string());
        Ok(())
    }

    /// `assumed:NAME=VALUE` for each of `names`, the words an output's `assumed` column carries.
    pub fn labels(&self, names: &[&str]) -> Vec<String> {
        names
            .iter()
            .filter_map(|n| self.get(n))
            .map(|a| format!("assumed:{}", a.label()))
            .collect()
    }
}

/// What an output row of `year` rests on that is assumed, as its `assumed` column says it:
/// nothing for a year the rules are written for; for a projected year each assumption the
/// parameters grow by (`assumed:median_growth=0.09`, …) and, for a generated population, those
/// that aged it, or `assumed:population-not-aged` for one read from files, whose money stays
/// as written.
pub fn row_labels(assumptions: &Assumptions, year: i32, generated: bool) -> Vec<String> {
    if !crate::date::PROJECTED_YEARS.contains(&year) {
        return Vec::new();
    }
    let names: Vec<&str> = NAMES
        .iter()
        .copied()
        .filter(|n| generated || !POPULATION.contains(n) || *n == MINIMUM_WAGE_GROWTH)
        .collect();
    let mut out = assumptions.labels(&names);
    if !generated {
        out.push(NOT_AGED.to_string());
    }
    out
}

/// How a row says that its households, read from files, were not aged to a projected year.
pub const NOT_AGED: &str = "assumed:population-not-aged";

/// A projected year in words, for table headers: "2027 (projected: median income 850.02 →
/// 926.52 EUR with median_growth 0.09 [assumed]; …)". `written` are the policy's parameters,
/// `projected` the same grown to `year` (`ParameterSet::projected`); `generated`: whether the
/// population was aged by the assumptions. A year that is not projected is just the year.
pub fn describe(
    written: &crate::parameters::ParameterSet,
    projected: &crate::parameters::ParameterSet,
    year: i32,
    assumptions: &Assumptions,
    generated: bool,
) -> String {
    if !crate::date::PROJECTED_YEARS.contains(&year) {
        return year.to_string();
    }
    let last = *crate::date::RULE_YEARS.end();
    let at = |set: &crate::parameters::ParameterSet, y: i32, m: u8, path: &str| {
        let date = crate::date::Date {
            year: y,
            month: m,
            day: if m == 12 { 31 } else { 1 },
        };
        set.resolve(date, "default")
            .ok()
            .and_then(|r| r.leaf(path).map(|l| l.value.to_string()))
            .unwrap_or_else(|| "?".into())
    };
    let a = |name: &str| {
        assumptions
            .get(name)
            .map(|a| format!("{} {} {}", a.name, a.value.normalize(), a.provenance()))
            .unwrap_or_default()
    };
    let mut parts = vec![
        format!(
            "median income {} → {} EUR with {}",
            at(written, last, 12, "median_income"),
            at(projected, year, 1, "median_income"),
            a(MEDIAN_GROWTH)
        ),
        format!(
            "minimum wage {} → {} EUR with {}",
            at(written, last, 12, "minimum_wage"),
            at(projected, year, 1, "minimum_wage"),
            a(MINIMUM_WAGE_GROWTH)
        ),
        format!("council EUR amounts with {}", a(COUNCIL_AMOUNTS_GROWTH)),
    ];
    if generated {
        parts.push(format!(
            "households aged with {}, {}, {}",
            a(WAGE_GROWTH),
            a(PENSION_GROWTH),
            a(HOUSING_COST_GROWTH)
        ));
    } else {
        parts.push("households from files, not aged".into());
    }
    parts.push(format!(
        "every other parameter as in force at the end of {last}"
    ));
    format!("{year} (projected: {})", parts.join("; "))
}

/// The message for a name that is not an assumption.
pub fn unknown(name: &str) -> String {
    let near = crate::parameters::edit_distance;
    let best = NAMES
        .iter()
        .min_by_key(|n| near(name, n))
        .filter(|n| near(name, n) <= 3);
    format!(
        "unknown assumption '{name}'{}; accepted: {}",
        best.map(|b| format!(" (did you mean {b}?)"))
            .unwrap_or_default(),
        NAMES.join(", ")
    )
}

/// Parses `NAME=VALUE` (a decimal share, `0.06`) as written on the command line.
pub fn parse_setting(text: &str) -> Result<(String, Decimal), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}': expected NAME=VALUE, e.g. median_growth=0.06"))?;
    let (name, value) = (name.trim(), value.trim());
    if !NAMES.contains(&name) {
        return Err(unknown(name));
    }
    let value = Decimal::from_str(value)
        .or_else(|_| Decimal::from_scientific(value))
        .map_err(|_| format!("{name}: '{value}' is not a number (a share a year: 0.06 = +6 %)"))?;
    Ok((name.to_string(), value))
}

fn number(t: &toml::Table, key: &str) -> Result<Decimal, String> {
    let v = t.get(key).ok_or_else(|| format!("has no {key}"))?;
    as_decimal(v).map_err(|m| format!("{key}: {m}"))
}

fn as_decimal(v: &toml::Value) -> Result<Decimal, String> {
    match crate::parameters::from_toml(v.clone())? {
        crate::parameters::Value::Number(d) => Ok(d),
        other => Err(format!("expected a number, found {other}")),
    }
}

fn pair(t: &toml::Table, key: &str) -> Result<(Decimal, Decimal), String> {
    let v = t
        .get(key)
        .ok_or_else(|| format!("has no {key} = [lo, hi]"))?;
    let toml::Value::Array(a) = v else {
        return Err(format!("{key}: expected [lo, hi]"));
    };
    let [lo, hi] = a.as_slice() else {
        return Err(format!("{key}: expected two numbers [lo, hi]"));
    };
    let (lo, hi) = (
        as_decimal(lo).map_err(|m| format!("{key}: {m}"))?,
        as_decimal(hi).map_err(|m| format!("{key}: {m}"))?,
    );
    if lo > hi {
        return Err(format!("{key}: [{lo}, {hi}] has lo above hi"));
    }
    Ok((lo, hi))
}

fn text(t: &toml::Table, key: &str) -> Result<Option<String>, String> {
    match t.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{key}: expected a text")),
    }
}

fn read_one(name: &str, t: &toml::Table) -> Result<Assumption, String> {
    if let Some(key) = t
        .keys()
        .find(|k| !KEYS.split(", ").any(|known| known == k.as_str()))
    {
        return Err(format!("unknown key '{key}' (accepted: {KEYS})"));
    }
    let value = number(t, "value")?;
    let range = pair(t, "range")?;
    let band = pair(t, "band")?;
    if value < range.0 || value > range.1 {
        return Err(format!(
            "value {value} is outside its range [{}, {}]",
            range.0, range.1
        ));
    }
    if value < band.0 || value > band.1 {
        return Err(format!(
            "band [{}, {}] does not hold the value {value} (lo <= value <= hi)",
            band.0, band.1
        ));
    }
    if band.0 < range.0 || band.1 > range.1 {
        return Err(format!(
            "band [{}, {}] reaches outside the range [{}, {}]",
            band.0, band.1, range.0, range.1
        ));
    }
    let assumed = match t.get("assumed") {
        None => false,
        Some(toml::Value::Boolean(b)) => *b,
        Some(_) => return Err("assumed: expected true or false".into()),
    };
    let source = text(t, "source")?;
    match (&source, assumed) {
        (None, false) => {
            return Err(
                "has neither source nor assumed = true: say where the value comes from, or that it is assumed"
                    .into(),
            );
        }
        (Some(_), true) => {
            return Err("has both source and assumed = true; keep one".into());
        }
        _ => {}
    }
    Ok(Assumption {
        name: name.to_string(),
        description: text(t, "description")?.ok_or("has no description")?,
        description_lv: text(t, "description_lv")?.unwrap_or_default(),
        unit: text(t, "unit")?.ok_or("has no unit")?,
        range,
        value,
        default: value,
        band,
        source,
        assumed,
        set_by: None,
    })
}

impl fmt::Display for Assumptions {
    /// One line per assumption: `median_growth = 0.09 [assumed]  (range …, band …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in &self.items {
            writeln!(
                f,
                "{} = {} {} (range [{}, {}], band [{}, {}], {})",
                a.name,
                a.value.normalize(),
                a.provenance(),
                a.range.0.normalize(),
                a.range.1.normalize(),
                a.band.0.normalize(),
                a.band.1.normalize(),
                a.unit
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Assumptions {
        let files = crate::policy::builtin();
        Assumptions::parse(FILE, &files[FILE]).unwrap()
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn the_shipped_file_has_every_assumption_with_its_default() {
        let a = shipped();
        let names: Vec<&str> = a.all().iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, NAMES);
        assert_eq!(a.value(MEDIAN_GROWTH), d("0.09"));
        assert_eq!(a.value(COUNCIL_AMOUNTS_GROWTH), Decimal::ZERO);
        assert!(a.get(MEDIAN_GROWTH).unwrap().assumed);
        assert_eq!(a.get(MEDIAN_GROWTH).unwrap().band, (d("0.05"), d("0.13")));
    }

    #[test]
    fn a_setting_is_checked_against_names_and_range() {
        let mut a = shipped();
        a.set(MEDIAN_GROWTH, d("0.06"), "--assume median_growth=0.06")
            .unwrap();
        assert_eq!(a.value(MEDIAN_GROWTH), d("0.06"));
        assert_eq!(a.labels(&[MEDIAN_GROWTH]), ["assumed:median_growth=0.06"]);
        let e = a.set("nonsense", d("1"), "x").unwrap_err();
        assert!(e.contains("unknown assumption 'nonsense'"), "{e}");
        assert!(
            e.contains("accepted: median_growth, minimum_wage_growth"),
            "{e}"
        );
        let e = a.set(MEDIAN_GROWTH, d("5"), "x").unwrap_err();
        assert!(e.contains("outside its range [-0.2, 0.5]"), "{e}");
        assert_eq!(
            a.value(MEDIAN_GROWTH),
            d("0.06"),
            "a refused value changes nothing"
        );
        assert_eq!(
            parse_setting("median_growth = 0.07").unwrap(),
            ("median_growth".to_string(), d("0.07"))
        );
        assert!(
            parse_setting("median_grwth=0.07")
                .unwrap_err()
                .contains("did you mean median_growth?")
        );
        assert!(
            parse_setting("median_growth")
                .unwrap_err()
                .contains("NAME=VALUE")
        );
    }

    #[test]
    fn file_errors_name_the_table_and_field() {
        let text = &crate::policy::builtin()[FILE];
        let bad = |from: &str, to: &str| {
            assert!(text.contains(from), "{from}");
            Assumptions::parse("a.toml", &text.replacen(from, to, 1))
                .unwrap_err()
                .to_string()
        };
        let e = bad("[wage_growth]", "[wages_growth]");
        assert!(
            e.starts_with("a.toml: [wages_growth]: unknown assumption"),
            "{e}"
        );
        let e = bad("value = 0.09\n", "value = 0.9\n");
        assert!(
            e.contains("[median_growth] value 0.9 is outside its range [-0.2, 0.5]"),
            "{e}"
        );
        let e = bad("band = [0.05, 0.13]", "band = [0.10, 0.13]");
        assert!(
            e.contains("[median_growth] band [0.1, 0.13] does not hold the value 0.09"),
            "{e}"
        );
        let e = bad("value = 0.09\nassumed = true", "value = 0.09");
        assert!(
            e.contains("[median_growth] has neither source nor assumed"),
            "{e}"
        );
        let e = bad("value = 0.09\n", "value = 0.09\nvalu = 1\n");
        assert!(e.contains("[median_growth] unknown key 'valu'"), "{e}");
        let e = bad("value = 0.09\n", "");
        assert!(e.contains("[median_growth] has no value"), "{e}");
    }
}
