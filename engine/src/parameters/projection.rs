//! Parameters of a projected year (`date::PROJECTED_YEARS`): what the assumptions move, grown
//! year by year from the value in force at the end of the year before, each added value in force
//! from 1 January and carrying how it was computed (`Leaf::projected`), so that every report can
//! say what it rests on. Everything else stays as in force at the end of the last written year:
//! that is the law until it is changed.
//!
//! - `median_income`: × (1 + `median_growth`), rounded half-up to cents (the median is published
//!   in cents);
//! - `minimum_wage`: × (1 + `minimum_wage_growth`), rounded half-up to whole euros (it is set in
//!   whole euros);
//! - the councils' own fixed EUR amounts (every parameter under `municipalities.` whose unit is
//!   EUR: a number, or each number of a table except a share of another parameter such as
//!   `pct`): × (1 + `council_amounts_growth`), rounded half-up to cents. A council whose value
//!   is `"default"` follows the projected default.
//!
//! A parameter that already has a value written in a projected year keeps it for that year (the
//! law decided it) and is projected from it after.

use std::sync::Arc;

use rust_decimal::{Decimal, RoundingStrategy};

use super::{COUNCILS, Entry, Node, ParameterError, ParameterSet, Value, err};
use crate::assumptions::{Assumptions, COUNCIL_AMOUNTS_GROWTH, MEDIAN_GROWTH, MINIMUM_WAGE_GROWTH};
use crate::date::{Date, PROJECTED_YEARS};

/// How a projected value is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    Cents,
    Euros,
}

/// How one value of a projected year was computed: what every report prints beside it
/// (`Display` in English, "projected 2027: 2026 value 850.02 × (1 + median_growth 0.09) =
/// 926.52, rounded half-up to cents"; the lesson writes the same in Latvian from these fields).
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// The year the value is in force from (1 January).
    pub year: i32,
    /// The assumption that grew it (`median_growth`).
    pub assumption: &'static str,
    pub rate: Decimal,
    /// In force on 31 December of the year before.
    pub before: Value,
    pub after: Value,
    pub round: Round,
}

impl std::fmt::Display for Projection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "projected {}: {} value {} × (1 + {} {}) = {}, rounded half-up to {}",
            self.year,
            self.year - 1,
            self.before,
            self.assumption,
            self.rate.normalize(),
            self.after,
            match self.round {
                Round::Cents => "cents",
                Round::Euros => "whole euros",
            }
        )
    }
}

impl Round {
    fn apply(self, d: Decimal) -> Decimal {
        let dp = match self {
            Round::Cents => 2,
            Round::Euros => 0,
        };
        d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    }
}

impl ParameterSet {
    /// These parameters with values added for each projected year up to `through` (none if
    /// `through` is not projected), grown by `assumptions` (see the module header). Fails if a
    /// grown value leaves its parameter's legal range, naming the assumption.
    pub fn projected(
        &self,
        through: i32,
        assumptions: &Assumptions,
    ) -> Result<ParameterSet, ParameterError> {
        let mut out = self.clone();
        let first = *PROJECTED_YEARS.start();
        let last = through.min(*PROJECTED_YEARS.end());
        let paths: Vec<(String, &'static str, Round)> = self
            .parameters()
            .into_iter()
            .filter_map(|(path, p)| {
                let (name, round) = match path.as_str() {
                    "median_income" => (MEDIAN_GROWTH, Round::Cents),
                    "minimum_wage" => (MINIMUM_WAGE_GROWTH, Round::Euros),
                    _ if path.starts_with(&format!("{COUNCILS}."))
                        && eur(&p.meta.unit, self, &path) =>
                    {
                        (COUNCIL_AMOUNTS_GROWTH, Round::Cents)
                    }
                    _ => return None,
                };
                Some((path, name, round))
            })
            .collect();
        if last >= first {
            out.projected_through = Some(last);
        }
        for year in first..=last {
            for (path, name, round) in &paths {
                let rate = assumptions.value(name);
                out.project_one(path, year, name, rate, *round)?;
            }
        }
        out.check_values().map_err(|e| ParameterError {
            origin: e.origin,
            message: format!(
                "{} (a projected value: lower the assumption that grows it)",
                e.message
            ),
        })?;
        Ok(out)
    }

    /// Whether these parameters can run `year`: a year the rules are written for, or a
    /// projected year they were projected to. A projected year on parameters that were not
    /// projected would silently carry 2026's median and amounts on under 2027's name.
    pub fn check_year(&self, year: i32) -> Result<(), ParameterError> {
        if PROJECTED_YEARS.contains(&year) && self.projected_through.is_none_or(|t| t < year) {
            return Err(err(
                "parameters",
                format!(
                    "{year} is a projected year, but these parameters were not projected to it (ParameterSet::projected with the policy's assumptions)"
                ),
            ));
        }
        Ok(())
    }

    /// Adds `path`'s value for `year`: the one in force on 31 December of the year before,
    /// grown by `rate`.
    fn project_one(
        &mut self,
        path: &str,
        year: i32,
        name: &'static str,
        rate: Decimal,
        round: Round,
    ) -> Result<(), ParameterError> {
        let Some(Node::Parameter(p)) = self.node_mut(path) else {
            return Ok(());
        };
        if p.values
            .iter()
            .any(|(d, _)| d.is_some_and(|d| d.year == year))
        {
            return Ok(()); // written for this year: the law, not a projection
        }
        let end = Date {
            year: year - 1,
            month: 12,
            day: 31,
        };
        let Some((_, Entry::Value(before))) = p
            .values
            .iter()
            .rev()
            .find(|(d, _)| d.is_none_or(|d| d <= end))
        else {
            return Ok(());
        };
        let skip = p.meta.bounds.requires.keys().cloned().collect::<Vec<_>>();
        let factor = Decimal::ONE + rate;
        let grow = |d: &Decimal| -> Result<Decimal, ParameterError> {
            d.checked_mul(factor)
                .map(|v| round.apply(v))
                .ok_or_else(|| err(&p.meta.place(), format!("{path}: {d} × {factor} overflows")))
        };
        let after = match before {
            Value::Number(d) => Value::Number(grow(d)?),
            Value::Table(t)
                if t.iter()
                    .any(|(k, v)| matches!(v, Value::Number(_)) && !skip.contains(k)) =>
            {
                let mut t = t.clone();
                for (k, v) in t.iter_mut() {
                    if let Value::Number(d) = v
                        && !skip.contains(k)
                    {
                        *v = Value::Number(grow(d)?);
                    }
                }
                Value::Table(t)
            }
            _ => return Ok(()), // "default", a share, a switch: nothing grows
        };
        let note = Projection {
            year,
            assumption: name,
            rate,
            before: before.clone(),
            after: after.clone(),
            round,
        };
        let from = Date {
            year,
            month: 1,
            day: 1,
        };
        p.values.push((Some(from), Entry::Value(after)));
        p.values.sort_by_key(|(d, _)| *d);
        self.projected
            .entry(path.to_string())
            .or_default()
            .insert(from, Arc::from(note));
        Ok(())
    }
}

/// A council parameter in euros: its unit (or, for a council's entry without one, the
/// default's) starts with EUR.
fn eur(unit: &str, set: &ParameterSet, path: &str) -> bool {
    let unit = if unit.is_empty() {
        set.council_of(path)
            .and_then(|(_, name)| set.parameter(&format!("{COUNCILS}.default.{name}")))
            .map_or("", |d| d.meta.unit.as_str())
    } else {
        unit
    };
    unit.starts_with("EUR")
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn policy() -> crate::Policy {
        crate::Policy::load(&crate::policy::builtin()).unwrap()
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn number(set: &ParameterSet, date: &str, slug: &str, path: &str) -> Decimal {
        let r = set.resolve(Date::parse(date).unwrap(), slug).unwrap();
        match &r.leaf(path).unwrap().value {
            Value::Number(n) => *n,
            other => panic!("{path}: {other}"),
        }
    }

    #[test]
    fn the_median_and_the_minimum_wage_grow_by_their_assumptions() {
        let p = policy();
        let a = p.assumptions().unwrap();
        let set = p.parameters.projected(2028, a).unwrap();
        // 850.02 × 1.09 = 926.5218 → 926.52; then 926.52 × 1.09 = 1009.9068 → 1009.91.
        assert_eq!(
            number(&set, "2027-01-01", "default", "median_income"),
            d("926.52")
        );
        assert_eq!(
            number(&set, "2028-06-01", "default", "median_income"),
            d("1009.91")
        );
        // 780 × 1.05 = 819 exactly; 819 × 1.05 = 859.95 → 860 (whole euros, half-up).
        assert_eq!(
            number(&set, "2027-01-01", "default", "minimum_wage"),
            d("819")
        );
        assert_eq!(
            number(&set, "2028-01-01", "default", "minimum_wage"),
            d("860")
        );
        // 2026 is written law: unchanged, and not marked.
        let r = set
            .resolve(Date::parse("2026-12-01").unwrap(), "default")
            .unwrap();
        assert_eq!(
            r.leaf("median_income").unwrap().value,
            Value::Number(d("850.02"))
        );
        assert!(r.projected().is_empty());
        let r = set
            .resolve(Date::parse("2027-03-01").unwrap(), "default")
            .unwrap();
        let note = r.leaf("median_income").unwrap().projected.clone().unwrap();
        assert_eq!(
            note.to_string(),
            "projected 2027: 2026 value 850.02 × (1 + median_growth 0.09) = 926.52, rounded half-up to cents"
        );
        // Projected to 2028: 2028 runs, 2029 is refused, written years need nothing.
        assert!(set.check_year(2028).is_ok() && set.check_year(2026).is_ok());
        assert!(
            set.check_year(2029)
                .unwrap_err()
                .message
                .contains("2029 is a projected year")
        );
        assert!(p.parameters.check_year(2027).is_err());
        // Only up to the year asked for: 2029 carries 2028's value.
        assert_eq!(
            number(&set, "2029-01-01", "default", "median_income"),
            d("1009.91")
        );
    }

    #[test]
    fn council_amounts_grow_and_shares_do_not() {
        let p = policy();
        let mut a = p.assumptions().unwrap().clone();
        a.set(COUNCIL_AMOUNTS_GROWTH, d("0.1"), "test").unwrap();
        let set = p.parameters.projected(2027, &a).unwrap();
        let r = set
            .resolve(Date::parse("2027-01-01").unwrap(), "ogres-novads")
            .unwrap();
        // Ogre's own birth benefit 100 / 200 / 300 → 110 / 220 / 330.
        let birth = &r.leaf("municipality.birth_benefit").unwrap().value;
        assert_eq!(
            birth.to_string(),
            "{ first = 110, second = 220, third = 330 }"
        );
        // Ogre's 2026 threshold 595 / 416 EUR → 654.50 / 457.60.
        let li = &r.leaf("municipality.low_income").unwrap().value;
        assert_eq!(li.to_string(), "{ first = 654.5, other = 457.6 }");
        // A share of the median is not an amount.
        let r = set
            .resolve(Date::parse("2027-01-01").unwrap(), "tukuma-novads")
            .unwrap();
        assert_eq!(
            r.leaf("municipality.low_income").unwrap().value.to_string(),
            "{ pct = 0.6 }"
        );
        // Tukums' health benefit is "default": the default's 150 → 165, flagged assumed.
        let h = r.leaf("municipality.health_benefit").unwrap();
        assert!(h.assumed && h.projected.is_some());
        assert!(h.value.to_string().contains("amount = 165"), "{}", h.value);
    }

    #[test]
    fn needy_threshold_of_2027_follows_the_projected_median() {
        // 0.5 × 926.52 = 463.26 → 463 EUR for the first person; 0.7 × 463 = 324.1 → 324 for
        // each other: a couple's threshold is 787 EUR. With median_growth 0, 2026's: 0.5 ×
        // 850.02 = 425.01 → 425, 0.7 × 425 = 297.5 → 298; 723 EUR.
        let p = policy();
        let threshold = |growth: &str| {
            let mut a = p.assumptions().unwrap().clone();
            a.set(MEDIAN_GROWTH, d(growth), "test").unwrap();
            let set = p.parameters.projected(2027, &a).unwrap();
            let r = set
                .resolve(Date::parse("2027-01-01").unwrap(), "tukuma-novads")
                .unwrap();
            let t: toml::Table =
                "municipality = \"tukuma-novads\"\npersons = [{ age = 40 }, { age = 38 }]"
                    .parse()
                    .unwrap();
            let population = crate::cases::household(&t, &["tukuma-novads"]).unwrap();
            let ev = p.rules.evaluate(&population, 0..1, &r, false).unwrap();
            match ev.get("needy_threshold") {
                Some((crate::script::Output::Num { values, .. }, _)) => {
                    values[0] / crate::fixed::SCALE
                }
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(threshold("0.09"), 463 + 324);
        assert_eq!(threshold("0"), 425 + 298);
    }
}
