//! Per-municipality totals of an outcome, exact to the cent, and baseline-against-reform
//! differences.
//!
//! Totals cannot wrap. A municipality's sums are taken in 128 bits, which no population can
//! overflow (at most 2^32 households, each amount below 2^63 units); every total is then checked
//! into the 64-bit row, and the total row and the differences are checked sums. A total that
//! does not fit (above 92 233 720 368 547 758.07 EUR) stops the run naming the measure and the
//! municipality. Inputs are bounded so that a real year always fits: every amount read is at most
//! 1 000 000 000 EUR a month (`fixed::MAX_INPUT`) and every amount the rules pay at most
//! 1 000 000 000 000 EUR a month (`fixed::MAX_AMOUNT`), so a year's total of all of Latvia
//! (under a million households) at the input bound is about 1.2 × 10^16 EUR, within range.

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

/// The number of measures of a row (every column but the municipality and `assumed`).
const MEASURES: usize = 12;

/// A total too large to hold, by measure (its CSV column) and municipality.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{measure} of {municipality} does not fit: a total above 92 233 720 368 547 758.07 EUR (or as many households) cannot be right; check the population's amounts (each at most 1 000 000 000 EUR a month)"
)]
pub struct TotalError {
    pub measure: &'static str,
    pub municipality: String,
}

impl Row {
    /// The measures in [`COLUMNS`] order, with their column names.
    fn measures_mut(&mut self) -> [(&'static str, &mut i64); MEASURES] {
        let c = &COLUMNS[1..=MEASURES];
        [
            (c[0], &mut self.households),
            (c[1], &mut self.persons),
            (c[2], &mut self.needy_households),
            (c[3], &mut self.needy_persons),
            (c[4], &mut self.low_income_households),
            (c[5], &mut self.low_income_persons),
            (c[6], &mut self.gmi_households),
            (c[7], &mut self.gmi_cents),
            (c[8], &mut self.housing_households),
            (c[9], &mut self.housing_cents),
            (c[10], &mut self.state_share_cents),
            (c[11], &mut self.municipal_net_cents),
        ]
    }

    /// `self + o` (or `self − o`) measure by measure, checked; `name` is the result's row.
    fn combine(&self, o: &Row, name: &str, subtract: bool) -> Result<Row, TotalError> {
        let mut out = Row {
            municipality: name.to_string(),
            assumed: Vec::new(),
            ..self.clone()
        };
        let mut theirs = o.clone();
        for ((measure, v), (_, t)) in out.measures_mut().into_iter().zip(theirs.measures_mut()) {
            let r = if subtract {
                v.checked_sub(*t)
            } else {
                v.checked_add(*t)
            };
            *v = r.ok_or_else(|| TotalError {
                measure,
                municipality: name.to_string(),
            })?;
        }
        Ok(out)
    }

    /// `self − base`, measure by measure (the municipality name is kept).
    pub fn minus(&self, base: &Row) -> Result<Row, TotalError> {
        self.combine(base, &self.municipality, true)
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
pub fn summarize(population: &Population, outcome: &Outcome) -> Result<Summary, TotalError> {
    // Sums in 128 bits, one per measure, in COLUMNS order; checked into a row per municipality.
    let mut rows: Vec<Row> = Vec::new();
    let mut sums: Vec<[i128; MEASURES]> = Vec::new();
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
            sums.push([0; MEASURES]);
        }
        let s = sums.last_mut().expect("just pushed");
        for i in start..end {
            let persons = i128::from(fp[i + 1] - fp[i]);
            let yes = |b: bool| i128::from(b);
            // Counted separately: in an annual outcome a household can hold both in a year.
            let (needy, low) = (outcome.needy[i], outcome.low_income[i]);
            let add: [i128; MEASURES] = [
                1,
                persons,
                yes(needy),
                yes(needy) * persons,
                yes(low),
                yes(low) * persons,
                yes(outcome.gmi_benefit[i] > 0),
                i128::from(outcome.gmi_benefit[i] / CENT),
                yes(outcome.housing_benefit[i] > 0),
                i128::from(outcome.housing_benefit[i] / CENT),
                i128::from(outcome.state_share[i] / CENT),
                i128::from(outcome.municipal_net[i] / CENT),
            ];
            for (s, a) in s.iter_mut().zip(add) {
                *s += a;
            }
        }
    }
    for (row, s) in rows.iter_mut().zip(&sums) {
        let municipality = row.municipality.clone();
        for ((measure, v), &sum) in row.measures_mut().into_iter().zip(s) {
            *v = i64::try_from(sum).map_err(|_| TotalError {
                measure,
                municipality: municipality.clone(),
            })?;
        }
    }
    let mut total = Row {
        municipality: TOTAL.into(),
        ..Row::default()
    };
    for r in &rows {
        total = total.combine(r, TOTAL, false)?;
    }
    Ok(Summary { rows, total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed::{MAX_AMOUNT, SCALE};
    use crate::population::{HouseholdInput, PersonInput};

    /// `n` one-person households in Ogre and `m` in Tukums, each paid `amount` of housing
    /// benefit (state 30 %, the council the rest).
    fn paid(n: usize, m: usize, amount: i64) -> (Population, Outcome) {
        let inputs: Vec<HouseholdInput> = (0..n + m)
            .map(|i| HouseholdInput {
                id: i as u64 + 1,
                municipality: if i < n {
                    "ogres-novads"
                } else {
                    "tukuma-novads"
                }
                .into(),
                housing_costs: 0,
                savings: 0,
                vehicles: None,
                persons: vec![PersonInput {
                    id: i as u64 + 1,
                    age: 70,
                    disabled: false,
                    income: 0,
                    employed: None,
                    nva_registered: None,
                }],
            })
            .collect();
        let known = ["ogres-novads", "tukuma-novads"];
        let population = Population::from_households(&inputs, &known, "test").unwrap();
        let mut outcome = Outcome::zeroed(n + m);
        let state = amount / 10 * 3;
        outcome.housing_benefit.fill(amount);
        outcome.state_share.fill(state);
        outcome.municipal_net.fill(amount - state);
        (population, outcome)
    }

    #[test]
    fn totals_are_exact_up_to_the_largest_that_fits() {
        // 92 233 households paid the largest amount a month allows: 92 233 × 10^14 cents,
        // just under i64::MAX (9.22 × 10^18). In 64 bits the running sum would be exact too,
        // but one household more must be an error, not a wrap.
        let (population, outcome) = paid(92_000, 233, MAX_AMOUNT);
        let s = summarize(&population, &outcome).unwrap();
        let per = MAX_AMOUNT / CENT;
        assert_eq!(s.rows[0].housing_cents, 92_000 * per);
        assert_eq!(s.rows[1].housing_cents, 233 * per);
        assert_eq!(s.total.housing_cents, 92_233 * per);
        assert_eq!(
            s.total.state_share_cents + s.total.municipal_net_cents,
            s.total.housing_cents
        );
        assert_eq!(s.total.households, 92_233);
        assert_eq!(s.total.housing_households, 92_233);
    }

    #[test]
    fn a_total_that_does_not_fit_names_its_measure_and_municipality() {
        // Within one council: its own 128-bit sum is checked into the row.
        let (population, outcome) = paid(92_234, 0, MAX_AMOUNT);
        let e = summarize(&population, &outcome).unwrap_err();
        assert_eq!(
            (e.measure, e.municipality.as_str()),
            ("housing_eur", "ogres-novads")
        );
        assert!(
            e.to_string()
                .starts_with("housing_eur of ogres-novads does not fit"),
            "{e}"
        );
        // Each council fits, their total does not.
        let (population, outcome) = paid(50_000, 50_000, MAX_AMOUNT);
        let e = summarize(&population, &outcome).unwrap_err();
        assert_eq!((e.measure, e.municipality.as_str()), ("housing_eur", TOTAL));
    }

    #[test]
    fn differences_are_checked() {
        let (population, outcome) = paid(3, 2, 250 * SCALE);
        let s = summarize(&population, &outcome).unwrap();
        let d = s.total.minus(&s.rows[0]).unwrap();
        assert_eq!(d.housing_cents, 2 * 25_000);
        let big = Row {
            housing_cents: i64::MAX,
            ..Row::default()
        };
        let low = Row {
            municipality: "riga".into(),
            housing_cents: -1,
            ..Row::default()
        };
        let e = big.minus(&low).unwrap_err();
        assert_eq!(e.measure, "housing_eur");
    }
}
