//! A population of households and their members, held as columns.
//!
//! The interchange format is two CSV files joined by `household_id` (see `populations/README.md`);
//! [`load`](crate::csv_load::load) reads and validates them. In memory the
//! households are grouped by municipality, and each household's members are contiguous, so that
//! a chunk of households is a range of rows in every column and the rules run with the parameters
//! of one council per chunk.
//!
//! Amounts are fixed-point (`crate::fixed`), ages and counts plain integers.

use crate::columns::Level;
use crate::fixed;
pub use crate::ids::{Id, Ids};
use crate::inputs;

/// Persons of the household columns, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Households {
    /// The `household_id` of the input, unique: text as given (`crate::ids`), with the key each
    /// household's draws use.
    pub id: Ids,
    /// Index into [`Population::municipalities`]. Non-decreasing: households are grouped.
    pub municipality: Vec<u16>,
    /// Monthly housing costs recognised for the housing benefit, fixed units.
    pub housing_costs: Vec<i64>,
    /// Savings and other liquid assets, fixed units.
    pub savings: Vec<i64>,
    /// Motor vehicles owned (optional input column).
    pub vehicles: Option<Vec<i64>>,
    /// The household met a crisis (fire, flood, …) during the period (optional input column;
    /// absent: none did).
    pub crisis: Option<Vec<bool>>,
    /// The household has another recognised expense (a social-rehabilitation goal, housing
    /// debt) during the period (optional input column; absent: none has).
    pub other_expenses: Option<Vec<bool>>,
    /// Members of household `i` are persons `first_person[i] .. first_person[i + 1]`;
    /// `len() == households + 1`.
    pub first_person: Vec<u32>,
}

/// Person columns, ordered by household.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Persons {
    /// The `person_id` of the input, unique: text as given, with the key each person's draws
    /// use.
    pub id: Ids,
    /// Age in whole years, 0–120.
    pub age: Vec<i64>,
    pub disabled: Vec<bool>,
    /// Counted net monthly income, fixed units.
    pub income: Vec<i64>,
    /// Works (optional input column).
    pub employed: Option<Vec<bool>>,
    /// Registered with the State Employment Agency, NVA (optional input column).
    pub nva_registered: Option<Vec<bool>>,
    /// Out-of-pocket health costs of the year the person could claim from the council, fixed
    /// units (optional input column; absent: not known, and the health-care benefit pays its
    /// cap).
    pub health_costs: Option<Vec<i64>>,
}

/// A whole population.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Population {
    /// Slugs that `Households::municipality` indexes, sorted.
    pub municipalities: Vec<String>,
    pub households: Households,
    pub persons: Persons,
}

impl Population {
    pub fn household_count(&self) -> usize {
        self.households.id.len()
    }

    pub fn person_count(&self) -> usize {
        self.persons.id.len()
    }

    /// Maximal runs of households of one municipality: `(municipality index, first, end)`.
    pub fn segments(&self) -> Vec<(u16, usize, usize)> {
        let m = &self.households.municipality;
        let mut out = Vec::new();
        let mut start = 0;
        while start < m.len() {
            let here = m[start];
            // Whole blocks of the same council first: a branch-free test per block vectorises,
            // and a run usually spans many blocks (a council's households are together).
            const BLOCK: usize = 64;
            let mut end = start + 1;
            while end + BLOCK <= m.len()
                && m[end..end + BLOCK]
                    .iter()
                    .fold(true, |same, &x| same & (x == here))
            {
                end += BLOCK;
            }
            while end < m.len() && m[end] == here {
                end += 1;
            }
            out.push((here, start, end));
            start = end;
        }
        out
    }

    /// The position of a household by its id, as text (`7` finds the household `7`, not `007`).
    pub fn find(&self, household_id: &str) -> Option<usize> {
        self.households.id.position(household_id)
    }

    /// A population of the households at `rows` (positions), members included, with the same
    /// input columns.
    pub fn select(&self, rows: &[usize]) -> Population {
        let h = &self.households;
        let p = &self.persons;
        let mut out = Population {
            municipalities: self.municipalities.clone(),
            ..Population::default()
        };
        let oh = &mut out.households;
        let op = &mut out.persons;
        oh.first_person.push(0);
        let mut members = Vec::new();
        for &i in rows {
            oh.id.push_from(&h.id, i);
            oh.municipality.push(h.municipality[i]);
            for j in h.first_person[i] as usize..h.first_person[i + 1] as usize {
                op.id.push_from(&p.id, j);
                members.push(j);
            }
            oh.first_person.push(op.id.len() as u32);
        }
        for input in inputs::INPUTS {
            if !input.is_present(self) {
                continue;
            }
            let at: &[usize] = match input.level {
                Level::Household => rows,
                Level::Person => &members,
            };
            let values = at
                .iter()
                .map(|&k| input.value(self, k).unwrap_or(0))
                .collect();
            input.put_values(&mut out, values);
        }
        out
    }
}

/// One household given directly (a test case, `explain` on an inline household).
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdInput {
    pub id: u64,
    pub municipality: String,
    /// Fixed units.
    pub housing_costs: i64,
    /// Fixed units.
    pub savings: i64,
    pub vehicles: Option<i64>,
    pub persons: Vec<PersonInput>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonInput {
    pub id: u64,
    pub age: i64,
    pub disabled: bool,
    /// Fixed units.
    pub income: i64,
    pub employed: Option<bool>,
    pub nva_registered: Option<bool>,
}

/// Oldest age accepted.
pub const MAX_AGE: i64 = 120;

/// The most persons one household may have. The largest Latvian households have about 20
/// persons; a household of hundreds is a `household_id` column that does not identify households.
pub const MAX_HOUSEHOLD_PERSONS: u32 = 100;

/// A problem with input data, naming the file, line and column where there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub file: String,
    /// 1-based line in the file.
    pub line: Option<u64>,
    /// Column name (and its 1-based position in the header).
    pub column: Option<(String, usize)>,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some((name, index)) = &self.column {
            write!(f, ": column '{name}' ({index})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl Population {
    /// Builds a population from households given in memory, with the same checks as the CSV
    /// loader. `known` lists the valid municipality slugs; `origin` names the source in errors.
    pub fn from_households(
        inputs: &[HouseholdInput],
        known: &[&str],
        origin: &str,
    ) -> Result<Population, LoadError> {
        let fail = |message: String| LoadError {
            file: origin.to_string(),
            line: None,
            column: None,
            message,
        };
        let mut municipalities: Vec<String> = known.iter().map(|s| s.to_string()).collect();
        municipalities.sort();
        municipalities.dedup();
        if inputs.is_empty() {
            return Err(fail("no households".into()));
        }
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        let index_of = |slug: &str| municipalities.binary_search_by(|m| m.as_str().cmp(slug));
        for h in inputs {
            if index_of(&h.municipality).is_err() {
                return Err(fail(format!(
                    "household {}: {}",
                    h.id,
                    unknown_municipality(&h.municipality, known)
                )));
            }
            if h.persons.len() > MAX_HOUSEHOLD_PERSONS as usize {
                return Err(fail(format!(
                    "household {} has {} persons; at most {MAX_HOUSEHOLD_PERSONS} are accepted",
                    h.id,
                    h.persons.len()
                )));
            }
        }
        order.sort_by_key(|&i| index_of(&inputs[i].municipality).unwrap_or(0));
        let mut ids = std::collections::HashSet::new();
        let mut person_ids = std::collections::HashSet::new();
        let mut pop = Population {
            municipalities: municipalities.clone(),
            ..Population::default()
        };
        let any_vehicles = inputs.iter().any(|h| h.vehicles.is_some());
        let any_employed = inputs
            .iter()
            .flat_map(|h| &h.persons)
            .any(|p| p.employed.is_some());
        let any_registered = inputs
            .iter()
            .flat_map(|h| &h.persons)
            .any(|p| p.nva_registered.is_some());
        let (hh, pp) = (&mut pop.households, &mut pop.persons);
        hh.first_person.push(0);
        let mut vehicles = Vec::new();
        let (mut employed, mut registered) = (Vec::new(), Vec::new());
        for i in order {
            let h = &inputs[i];
            if !ids.insert(h.id) {
                return Err(fail(format!("household id {} appears twice", h.id)));
            }
            if h.persons.is_empty() {
                return Err(fail(format!("household {} has no persons", h.id)));
            }
            for (what, v) in [("housing_costs", h.housing_costs), ("savings", h.savings)] {
                check_amount(v).map_err(|m| fail(format!("household {}: {what} {m}", h.id)))?;
            }
            hh.id.push_number(h.id);
            hh.municipality
                .push(index_of(&h.municipality).unwrap_or(0) as u16);
            hh.housing_costs.push(h.housing_costs);
            hh.savings.push(h.savings);
            match (any_vehicles, h.vehicles) {
                (true, Some(v)) if v >= 0 => vehicles.push(v),
                (true, Some(v)) => {
                    return Err(fail(format!(
                        "household {}: vehicles {v} is negative",
                        h.id
                    )));
                }
                (true, None) => {
                    return Err(fail(format!(
                        "household {}: vehicles is missing (other households give it)",
                        h.id
                    )));
                }
                (false, _) => {}
            }
            for p in &h.persons {
                if !person_ids.insert(p.id) {
                    return Err(fail(format!("person id {} appears twice", p.id)));
                }
                if !(0..=MAX_AGE).contains(&p.age) {
                    return Err(fail(format!(
                        "person {}: age {} is outside 0–{MAX_AGE}",
                        p.id, p.age
                    )));
                }
                check_amount(p.income).map_err(|m| fail(format!("person {}: income {m}", p.id)))?;
                pp.id.push_number(p.id);
                pp.age.push(p.age);
                pp.disabled.push(p.disabled);
                pp.income.push(p.income);
                for (any, v, col, name) in [
                    (any_employed, p.employed, &mut employed, "employed"),
                    (
                        any_registered,
                        p.nva_registered,
                        &mut registered,
                        "nva_registered",
                    ),
                ] {
                    match (any, v) {
                        (true, Some(v)) => col.push(v),
                        (true, None) => {
                            return Err(fail(format!(
                                "person {}: {name} is missing (other persons give it)",
                                p.id
                            )));
                        }
                        (false, _) => {}
                    }
                }
            }
            hh.first_person.push(pp.id.len() as u32);
        }
        hh.vehicles = any_vehicles.then_some(vehicles);
        pp.employed = any_employed.then_some(employed);
        pp.nva_registered = any_registered.then_some(registered);
        Ok(pop)
    }
}

fn check_amount(v: i64) -> Result<(), String> {
    if v < 0 {
        Err(format!("{} is negative", fixed::format_amount(v)))
    } else if v > fixed::MAX_INPUT {
        Err(format!("{} is too large", fixed::format_amount(v)))
    } else {
        Ok(())
    }
}

/// "unknown municipality 'ogre' (did you mean ogres-novads?)"
pub fn unknown_municipality(slug: &str, known: &[&str]) -> String {
    let lower = slug.to_lowercase();
    let stem: String = lower.chars().take(4).collect();
    let close: Vec<&str> = known
        .iter()
        .copied()
        .filter(|k| !stem.is_empty() && (k.starts_with(&stem) || k.contains(lower.as_str())))
        .take(3)
        .collect();
    if close.is_empty() {
        format!(
            "unknown municipality '{slug}' (municipalities are identified by their slug, e.g. ogres-novads, riga)"
        )
    } else {
        format!(
            "unknown municipality '{slug}' (did you mean {}?)",
            close.join(" or ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs across the 64-household blocks of the fast path, and runs of one.
    #[test]
    fn segments_are_the_maximal_runs() {
        let runs: [(u16, usize); 6] = [(0, 100), (1, 3), (0, 64), (2, 1), (1, 129), (3, 1)];
        let mut pop = Population::default();
        for &(m, n) in &runs {
            pop.households
                .municipality
                .extend(std::iter::repeat_n(m, n));
        }
        let mut want = Vec::new();
        let mut at = 0;
        for &(m, n) in &runs {
            want.push((m, at, at + n));
            at += n;
        }
        assert_eq!(pop.segments(), want);
        assert!(Population::default().segments().is_empty());
    }
}
