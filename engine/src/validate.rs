//! The model against what councils reported: a year's run of every council answers each
//! reported figure on its basis (households or persons during some months, a stock at a
//! month's end, EUR paid in some months), through [`reported::Simulated`]. The comparison
//! itself is `reported::compare`; this module only reads the runs.
//!
//! A reported measure names a declared output: `<status>_status` a status (`needy_status` →
//! `needy`), anything else a benefit by id or summary column (`gmi` → `gmi_benefit`).
//! Measures the policy does not have (all social assistance, other) are not answered.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use crate::population::Population;
use crate::reported::{Measure, Simulated};
use crate::run::Results;
use crate::schema::Schema;

/// A year's run: the population it ran over and its results.
pub struct YearRun<'a> {
    pub population: &'a Population,
    pub results: &'a Results,
}

/// Runs by year, answering reported figures.
pub struct Runs<'a> {
    pub schema: &'a Schema,
    pub years: BTreeMap<i32, YearRun<'a>>,
}

/// An output of the schema: a status (its index) or a benefit (its index).
#[derive(Clone, Copy)]
enum Output {
    Status(usize),
    Benefit(usize),
}

impl Runs<'_> {
    fn output(&self, measure: Measure) -> Option<Output> {
        let name = measure.name();
        if let Some(status) = name.strip_suffix("_status") {
            return self.schema.status_index(status).map(Output::Status);
        }
        self.schema.benefit_named(name).map(Output::Benefit)
    }

    fn run(&self, year: i32) -> Option<&YearRun<'_>> {
        self.years.get(&year)
    }

    /// The municipality's index in the year's population (`None` if not simulated).
    fn council(run: &YearRun, slug: &str) -> Option<u16> {
        run.population
            .municipalities
            .iter()
            .position(|m| m == slug)
            .map(|i| i as u16)
            .filter(|&i| run.population.households.municipality.contains(&i))
    }

    fn during(
        &self,
        slug: &str,
        year: i32,
        measure: Measure,
        months: RangeInclusive<u8>,
    ) -> Option<(i64, i64)> {
        let run = self.run(year)?;
        let m = Self::council(run, slug)?;
        let index = match self.output(measure)? {
            Output::Status(k) => k,
            Output::Benefit(b) => self.schema.statuses.len() + b,
        };
        Some(run.results.count_during(
            run.population,
            Some(m),
            index,
            *months.start(),
            *months.end(),
        ))
    }

    fn at_month_end(
        &self,
        slug: &str,
        year: i32,
        measure: Measure,
        month: u8,
    ) -> Option<(i64, i64)> {
        let run = self.run(year)?;
        let row = run.results.by_month.get(month as usize - 1)?.row(slug)?;
        Some(match self.output(measure)? {
            Output::Status(k) => row.status(k),
            Output::Benefit(b) => {
                let t = row.benefit(b);
                (t.households, t.persons)
            }
        })
    }
}

impl Simulated for Runs<'_> {
    fn councils(&self, year: i32) -> Vec<String> {
        self.run(year)
            .map(|r| {
                r.results
                    .summary
                    .rows
                    .iter()
                    .map(|row| row.municipality.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn households_during(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        months: RangeInclusive<u8>,
    ) -> Option<i64> {
        self.during(municipality, year, measure, months)
            .map(|c| c.0)
    }

    fn persons_during(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        months: RangeInclusive<u8>,
    ) -> Option<i64> {
        self.during(municipality, year, measure, months)
            .map(|c| c.1)
    }

    fn eur_during(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        months: RangeInclusive<u8>,
    ) -> Option<i64> {
        let Output::Benefit(b) = self.output(measure)? else {
            return None;
        };
        let run = self.run(year)?;
        months
            .map(|m| {
                let row = run
                    .results
                    .by_month
                    .get(m as usize - 1)?
                    .row(municipality)?;
                Some(row.benefit(b).cents)
            })
            .sum()
    }

    fn households_at_month_end(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        month: u8,
    ) -> Option<i64> {
        self.at_month_end(municipality, year, measure, month)
            .map(|c| c.0)
    }

    fn persons_at_month_end(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        month: u8,
    ) -> Option<i64> {
        self.at_month_end(municipality, year, measure, month)
            .map(|c| c.1)
    }
}
