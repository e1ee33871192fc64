//! Per-municipality totals of an outcome, exact to the cent, and baseline-against-reform
//! differences.

use crate::fixed::CENT;
use crate::population::Population;
use crate::simulate::Outcome;

/// One municipality's totals (or the total row). Amounts in cents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub municipality: String,
    pub households: i64,
    pub persons: i64,
    pub needy_households: i64,
    pub needy_persons: i64,
    pub low_income_households: i64,
    pub low_income_persons: i64,
    pub gmi_households: i64,
    pub gmi_cents: i64,
    pub housing_households: i64,
    pub housing_cents: i64,
    pub state_share_cents: i64,
    pub municipal_net_cents: i64,
    /// Assumed parameters (a council value not known), by path; empty if none.
    pub assumed: Vec<String>,
}

/// The CSV header of a summary, in column order.
pub const COLUMNS: [&str; 14] = [
    "municipality",
    "households",
    "persons",
    "needy_households",
    "needy_persons",
    "low_income_households",
    "low_income_persons",
    "gmi_households",
    "gmi_eur",
    "housing_households",
    "housing_eur",
    "state_share_eur",
    "municipal_net_eur",
    "assumed",
];

/// The name of the total row.
pub const TOTAL: &str = "TOTAL";

impl Row {
    fn add(&mut self, o: &Row) {
        self.households += o.households;
        self.persons += o.persons;
        self.needy_households += o.needy_households;
        self.needy_persons += o.needy_persons;
        self.low_income_households += o.low_income_households;
        self.low_income_persons += o.low_income_persons;
        self.gmi_households += o.gmi_households;
        self.gmi_cents += o.gmi_cents;
        self.housing_households += o.housing_households;
        self.housing_cents += o.housing_cents;
        self.state_share_cents += o.state_share_cents;
        self.municipal_net_cents += o.municipal_net_cents;
    }

    /// `self − base`, field by field (the municipality name is kept).
    pub fn minus(&self, base: &Row) -> Row {
        Row {
            municipality: self.municipality.clone(),
            households: self.households - base.households,
            persons: self.persons - base.persons,
            needy_households: self.needy_households - base.needy_households,
            needy_persons: self.needy_persons - base.needy_persons,
            low_income_households: self.low_income_households - base.low_income_households,
            low_income_persons: self.low_income_persons - base.low_income_persons,
            gmi_households: self.gmi_households - base.gmi_households,
            gmi_cents: self.gmi_cents - base.gmi_cents,
            housing_households: self.housing_households - base.housing_households,
            housing_cents: self.housing_cents - base.housing_cents,
            state_share_cents: self.state_share_cents - base.state_share_cents,
            municipal_net_cents: self.municipal_net_cents - base.municipal_net_cents,
            assumed: Vec::new(),
        }
    }

    /// Gross cost: GMI + housing benefit, cents.
    pub fn gross_cents(&self) -> i64 {
        self.gmi_cents + self.housing_cents
    }

    /// The row's values as CSV fields, in [`COLUMNS`] order.
    pub fn fields(&self) -> Vec<String> {
        let eur = |c: i64| crate::fixed::format_cents_i128(c as i128);
        vec![
            self.municipality.clone(),
            self.households.to_string(),
            self.persons.to_string(),
            self.needy_households.to_string(),
            self.needy_persons.to_string(),
            self.low_income_households.to_string(),
            self.low_income_persons.to_string(),
            self.gmi_households.to_string(),
            eur(self.gmi_cents),
            self.housing_households.to_string(),
            eur(self.housing_cents),
            eur(self.state_share_cents),
            eur(self.municipal_net_cents),
            self.assumed.join(" "),
        ]
    }
}

/// Per-municipality rows (municipalities with households, in slug order) and the total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: Vec<Row>,
    pub total: Row,
}

impl Summary {
    /// The municipality rows, then the total.
    pub fn all_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().chain([&self.total])
    }
}

/// Sums an outcome per municipality.
pub fn summarize(population: &Population, outcome: &Outcome) -> Summary {
    let mut rows: Vec<Row> = Vec::new();
    let fp = &population.households.first_person;
    for (m, start, end) in population.segments() {
        let slug = &population.municipalities[m as usize];
        if rows.last().is_none_or(|r| &r.municipality != slug) {
            let assumed = outcome
                .assumed
                .get(&m)
                .map(|leaves| {
                    leaves
                        .iter()
                        .map(|l| l.path.replace("municipalities.default.", ""))
                        .collect()
                })
                .unwrap_or_default();
            rows.push(Row {
                municipality: slug.clone(),
                assumed,
                ..Row::default()
            });
        }
        let row = rows.last_mut().expect("just pushed");
        for i in start..end {
            let persons = (fp[i + 1] - fp[i]) as i64;
            row.households += 1;
            row.persons += persons;
            // Counted separately: in an annual outcome a household can hold both in a year.
            if outcome.needy[i] {
                row.needy_households += 1;
                row.needy_persons += persons;
            }
            if outcome.low_income[i] {
                row.low_income_households += 1;
                row.low_income_persons += persons;
            }
            if outcome.gmi_benefit[i] > 0 {
                row.gmi_households += 1;
            }
            if outcome.housing_benefit[i] > 0 {
                row.housing_households += 1;
            }
            row.gmi_cents += outcome.gmi_benefit[i] / CENT;
            row.housing_cents += outcome.housing_benefit[i] / CENT;
            row.state_share_cents += outcome.state_share[i] / CENT;
            row.municipal_net_cents += outcome.municipal_net[i] / CENT;
        }
    }
    let mut total = Row {
        municipality: TOTAL.into(),
        ..Row::default()
    };
    for r in &rows {
        total.add(r);
    }
    Summary { rows, total }
}
