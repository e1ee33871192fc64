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

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::fixed::CENT;
use crate::parameters::Leaf;
use crate::population::Population;
use crate::schema::Schema;
use crate::simulate::Outcome;

/// What a summary row counts, in order: households and persons; per declared status, the
/// households and persons holding it; per declared benefit, the households and persons paid, the
/// amount and the state's part; then everything paid (gross), the state's part and the council's
/// (municipal net). Names are the CSV columns (`needy_households`, `gmi_eur`, `gmi_state_eur`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measures {
    pub names: Vec<String>,
    statuses: usize,
    benefits: usize,
}

impl Measures {
    pub fn of(schema: &Schema) -> Measures {
        let mut names = vec!["households".to_string(), "persons".to_string()];
        for s in &schema.statuses {
            names.push(format!("{}_households", s.id));
            names.push(format!("{}_persons", s.id));
        }
        for b in &schema.benefits {
            for suffix in ["households", "persons", "eur", "state_eur"] {
                names.push(format!("{}_{suffix}", b.column));
            }
        }
        names.extend(["gross_eur", "state_share_eur", "municipal_net_eur"].map(String::from));
        Measures {
            names,
            statuses: schema.statuses.len(),
            benefits: schema.benefits.len(),
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn status(&self, k: usize) -> usize {
        2 + 2 * k
    }

    fn benefit(&self, b: usize) -> usize {
        2 + 2 * self.statuses + 4 * b
    }

    fn money(&self) -> usize {
        2 + 2 * self.statuses + 4 * self.benefits
    }

    /// Whether measure `m` is a status's households or persons.
    pub fn is_status(&self, m: usize) -> bool {
        (2..self.benefit(0)).contains(&m)
    }

    /// Whether measure `m` is one of a benefit's.
    pub fn is_benefit(&self, m: usize) -> bool {
        (self.benefit(0)..self.money()).contains(&m)
    }

    /// Whether measure `m` is an amount (cents) rather than a count.
    pub fn is_amount(&self, m: usize) -> bool {
        m >= self.money() || (m >= self.benefit(0) && (m - self.benefit(0)) % 4 >= 2)
    }
}

/// The words of the measures' labels in one language: what a table, a workbook or a Latvian CSV
/// heads a measure with. Statuses and benefits bring their own labels from the schema
/// (`label`, `label_lv`); these are the words around them, declared once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureWords {
    pub households: &'static str,
    pub persons: &'static str,
    pub eur: &'static str,
    pub state_eur: &'static str,
    /// Gross, the state's share and the council's (municipal net), the three totals.
    pub totals: [&'static str; 3],
    /// The total row's name ([`TOTAL`] in the files' own language).
    pub total_row: &'static str,
}

/// English.
pub const WORDS_EN: MeasureWords = MeasureWords {
    households: "households",
    persons: "persons",
    eur: "EUR",
    state_eur: "state share EUR",
    totals: ["gross cost", "state share", "municipal net"],
    total_row: TOTAL,
};

/// Latvian.
pub const WORDS_LV: MeasureWords = MeasureWords {
    households: "mājsaimniecības",
    persons: "personas",
    eur: "EUR",
    state_eur: "valsts daļa EUR",
    totals: ["kopējās izmaksas", "valsts daļa", "pašvaldības neto"],
    total_row: "KOPĀ",
};

impl MeasureWords {
    /// The words of a language (`lv`, else English).
    pub fn of(lv: bool) -> &'static MeasureWords {
        if lv { &WORDS_LV } else { &WORDS_EN }
    }
}

impl Measures {
    /// Measure `k`'s label in a language, from the schema's labels of its statuses and benefits
    /// (`needy households`, `trūcīgas mājsaimniecības`, `GMI benefit: EUR`, `GMI pabalsts:
    /// EUR`, `municipal net EUR`, `pašvaldības neto EUR`). `schema` is the one these measures
    /// are of.
    pub fn label(&self, schema: &Schema, k: usize, lv: bool) -> String {
        let w = MeasureWords::of(lv);
        if k < 2 {
            return [w.households, w.persons][k].to_string();
        }
        if self.is_status(k) {
            let s = &schema.statuses[(k - 2) / 2];
            return match (k - 2) % 2 {
                0 => format!("{} {}", s.label_in(lv), w.households),
                _ => format!("{} {}: {}", s.label_in(lv), w.households, w.persons),
            };
        }
        if self.is_benefit(k) {
            let at = k - self.benefit(0);
            let b = &schema.benefits[at / 4];
            let what = [w.households, w.persons, w.eur, w.state_eur][at % 4];
            return format!("{}: {what}", b.label_in(lv));
        }
        format!("{} {}", w.totals[k - self.money()], w.eur)
    }
}

/// One benefit's totals in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BenefitTotals {
    pub households: i64,
    pub persons: i64,
    pub cents: i64,
    pub state_cents: i64,
}

impl BenefitTotals {
    /// What the council pays of it.
    pub fn municipal_cents(&self) -> i64 {
        self.cents - self.state_cents
    }
}

/// One municipality's totals (or the total row), one value per measure ([`Measures`]).
/// Amounts in cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub municipality: String,
    pub values: Vec<i64>,
    /// Assumed parameters (a council value not known), by path; empty if none.
    pub assumed: Vec<String>,
    measures: Arc<Measures>,
}

/// The name of the total row.
pub const TOTAL: &str = "TOTAL";

/// A total too large to hold, by measure (its CSV column) and municipality.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{measure} of {municipality} does not fit: a total above 92 233 720 368 547 758.07 EUR (or as many households) cannot be right; check the population's amounts (each at most 1 000 000 000 EUR a month)"
)]
pub struct TotalError {
    pub measure: String,
    pub municipality: String,
}

impl Row {
    /// A row of zeros.
    pub fn zero(measures: &Arc<Measures>, municipality: &str) -> Row {
        Row {
            municipality: municipality.to_string(),
            values: vec![0; measures.len()],
            assumed: Vec::new(),
            measures: measures.clone(),
        }
    }

    pub fn measures(&self) -> &Arc<Measures> {
        &self.measures
    }

    pub fn households(&self) -> i64 {
        self.values[0]
    }

    pub fn persons(&self) -> i64 {
        self.values[1]
    }

    /// Households and persons holding status `k`.
    pub fn status(&self, k: usize) -> (i64, i64) {
        let i = self.measures.status(k);
        (self.values[i], self.values[i + 1])
    }

    /// Benefit `b`'s totals.
    pub fn benefit(&self, b: usize) -> BenefitTotals {
        let i = self.measures.benefit(b);
        BenefitTotals {
            households: self.values[i],
            persons: self.values[i + 1],
            cents: self.values[i + 2],
            state_cents: self.values[i + 3],
        }
    }

    /// Everything paid, cents.
    pub fn gross_cents(&self) -> i64 {
        self.values[self.measures.money()]
    }

    /// The state's part of everything paid, cents.
    pub fn state_share_cents(&self) -> i64 {
        self.values[self.measures.money() + 1]
    }

    /// The council's part of everything paid, cents.
    pub fn municipal_net_cents(&self) -> i64 {
        self.values[self.measures.money() + 2]
    }

    /// A measure by its column name.
    pub fn get(&self, name: &str) -> Option<i64> {
        let i = self.measures.names.iter().position(|n| n == name)?;
        Some(self.values[i])
    }

    /// `self + o` (or `self − o`) measure by measure, checked; `name` is the result's row.
    fn combine(&self, o: &Row, name: &str, subtract: bool) -> Result<Row, TotalError> {
        let mut out = Row::zero(&self.measures, name);
        for (k, v) in out.values.iter_mut().enumerate() {
            let (a, b) = (self.values[k], o.values[k]);
            let r = if subtract {
                a.checked_sub(b)
            } else {
                a.checked_add(b)
            };
            *v = r.ok_or_else(|| TotalError {
                measure: self.measures.names[k].clone(),
                municipality: name.to_string(),
            })?;
        }
        Ok(out)
    }

    /// `self − base`, measure by measure (the municipality name is kept).
    pub fn minus(&self, base: &Row) -> Result<Row, TotalError> {
        self.combine(base, &self.municipality, true)
    }
}

/// Per-municipality rows (municipalities with households, in slug order) and the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub schema: Arc<Schema>,
    pub rows: Vec<Row>,
    pub total: Row,
}

impl Summary {
    /// The municipality rows, then the total.
    pub fn all_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().chain([&self.total])
    }

    pub fn measures(&self) -> &Arc<Measures> {
        self.total.measures()
    }

    /// The row of a municipality.
    pub fn row(&self, municipality: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.municipality == municipality)
    }
}

/// Sums an outcome per municipality.
pub fn summarize(population: &Population, outcome: &Outcome) -> Result<Summary, TotalError> {
    let parts = segment_sums(population, outcome);
    Sums::finish(population, &outcome.schema, &outcome.assumed, &parts)
}

/// What [`summarize`] sums, per segment of the population (a run of one council's households),
/// in population order, before [`Sums::finish`].
pub fn segment_sums(population: &Population, outcome: &Outcome) -> Vec<(u16, Sums)> {
    // Each segment is summed on its own, in parallel; integer sums are the same in any order,
    // so the rows do not depend on the threads.
    let fp = &population.households.first_person;
    population
        .segments()
        .par_iter()
        .map(|&(m, start, end)| {
            let mut s = Sums::new(&outcome.schema);
            for i in start..end {
                s.outcome_household(outcome, i, i64::from(fp[i + 1] - fp[i]));
            }
            (m, s)
        })
        .collect()
}

/// What some households were paid of one benefit, summed as [`Sums::benefit`] sums each:
/// households paid, persons paid, and the whole cents of the amounts, of the state's parts and
/// of the council's (`(amount − state) / CENT`, household by household).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paid {
    pub households: i128,
    pub persons: i128,
    pub cents: i128,
    pub state_cents: i128,
    pub council_cents: i128,
}

/// A summary's sums over some households of one council, in 128 bits (one per measure): what
/// [`summarize`] adds up for each household, for a caller that has the households' values
/// without an [`Outcome`] (a month of a year's projection, summed as it is computed).
#[derive(Debug, Clone)]
pub struct Sums {
    sums: Vec<i128>,
    statuses: usize,
    money: usize,
}

impl Sums {
    /// Nothing counted yet.
    pub fn new(schema: &Schema) -> Sums {
        // The layout of [`Measures`], without its names.
        let (statuses, benefits) = (schema.statuses.len(), schema.benefits.len());
        let money = 2 + 2 * statuses + 4 * benefits;
        Sums {
            sums: vec![0; money + 3],
            statuses,
            money,
        }
    }

    /// Adds what `other` counted (`sign` 1), or takes it away (`sign` −1): the sums of some
    /// households with some of them counted otherwise (a sweep's point that differs from the
    /// point it shares its households with). Exact, in 128 bits.
    pub fn add(&mut self, other: &Sums, sign: i128) {
        for (s, o) in self.sums.iter_mut().zip(&other.sums) {
            *s += sign * o;
        }
    }

    /// A household of `size` persons.
    #[inline]
    pub fn household(&mut self, size: i64) {
        self.households(1, i128::from(size));
    }

    /// Household `i` of an outcome, of `size` persons: what [`summarize`] counts of each
    /// household (so that any grouping of the households adds up to the summary's rows).
    #[inline]
    pub fn outcome_household(&mut self, outcome: &Outcome, i: usize, size: i64) {
        self.household(size);
        // Counted separately: in an annual outcome a household can hold several in a year.
        for k in 0..self.statuses {
            if outcome.statuses[k][i] {
                self.status(k, size);
            }
        }
        for b in 0..outcome.amounts.len() {
            let amount = outcome.amounts[b][i];
            if amount != 0 {
                let persons = outcome.persons_of(b, i, size);
                self.benefit(b, amount, outcome.state_of(b, i), persons);
            }
        }
    }

    /// `households` households of `persons` persons in all.
    #[inline]
    pub fn households(&mut self, households: i128, persons: i128) {
        self.sums[0] += households;
        self.sums[1] += persons;
    }

    /// A household of `size` persons holds status `k`.
    #[inline]
    pub fn status(&mut self, k: usize, size: i64) {
        self.statuses_held(k, 1, i128::from(size));
    }

    /// `households` households of `persons` persons in all hold status `k`.
    #[inline]
    pub fn statuses_held(&mut self, k: usize, households: i128, persons: i128) {
        self.sums[2 + 2 * k] += households;
        self.sums[3 + 2 * k] += persons;
    }

    /// A household is paid `amount` (not 0) of benefit `b`, `state` of it by the state, to
    /// `persons` persons (fixed units, whole cents).
    #[inline]
    pub fn benefit(&mut self, b: usize, amount: i64, state: i64, persons: i64) {
        self.paid(
            b,
            &Paid {
                households: 1,
                persons: i128::from(persons),
                cents: i128::from(amount / CENT),
                state_cents: i128::from(state / CENT),
                council_cents: i128::from((amount - state) / CENT),
            },
        );
    }

    /// What some households were paid of benefit `b`.
    #[inline]
    pub fn paid(&mut self, b: usize, p: &Paid) {
        let (s, at, money) = (&mut self.sums, 2 + 2 * self.statuses + 4 * b, self.money);
        s[at] += p.households;
        s[at + 1] += p.persons;
        s[at + 2] += p.cents;
        s[at + 3] += p.state_cents;
        s[money] += p.cents;
        s[money + 1] += p.state_cents;
        s[money + 2] += p.council_cents;
    }

    /// The summary of `parts` (municipality index and sums, in population order: a council's
    /// consecutive parts make one row), with the parameters assumed per municipality index.
    pub fn finish(
        population: &Population,
        schema: &Arc<Schema>,
        assumed: &BTreeMap<u16, Vec<Arc<Leaf>>>,
        parts: &[(u16, Sums)],
    ) -> Result<Summary, TotalError> {
        let measures = Arc::new(Measures::of(schema));
        let width = measures.len();
        let mut rows: Vec<Row> = Vec::new();
        let mut sums: Vec<Vec<i128>> = Vec::new();
        for (m, add) in parts {
            let slug = &population.municipalities[*m as usize];
            if rows.last().is_none_or(|r| &r.municipality != slug) {
                let mut row = Row::zero(&measures, slug);
                row.assumed = assumed
                    .get(m)
                    .map(|leaves| leaves.iter().map(|l| l.name().to_string()).collect())
                    .unwrap_or_default();
                rows.push(row);
                sums.push(vec![0; width]);
            }
            let s = sums.last_mut().expect("just pushed");
            for (s, a) in s.iter_mut().zip(&add.sums) {
                *s += a;
            }
        }
        for (row, s) in rows.iter_mut().zip(&sums) {
            for (k, (v, &sum)) in row.values.iter_mut().zip(s).enumerate() {
                *v = i64::try_from(sum).map_err(|_| TotalError {
                    measure: measures.names[k].clone(),
                    municipality: row.municipality.clone(),
                })?;
            }
        }
        let mut total = Row::zero(&measures, TOTAL);
        for r in &rows {
            total = total.combine(r, TOTAL, false)?;
        }
        Ok(Summary {
            schema: schema.clone(),
            rows,
            total,
        })
    }
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
        let policy = crate::Policy::load(&crate::policy::builtin()).unwrap();
        let mut outcome = Outcome::zeroed(&policy.schema, n + m);
        let b = policy.schema.benefit_index("housing_benefit").unwrap();
        outcome.amounts[b].fill(amount);
        outcome.state[b].fill(amount / 10 * 3);
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
        let housing = |r: &Row| r.get("housing_eur").unwrap();
        assert_eq!(housing(&s.rows[0]), 92_000 * per);
        assert_eq!(housing(&s.rows[1]), 233 * per);
        assert_eq!(housing(&s.total), 92_233 * per);
        assert_eq!(
            s.total.state_share_cents() + s.total.municipal_net_cents(),
            housing(&s.total)
        );
        assert_eq!(s.total.gross_cents(), housing(&s.total));
        assert_eq!(s.total.households(), 92_233);
        assert_eq!(s.total.get("housing_households"), Some(92_233));
    }

    #[test]
    fn a_total_that_does_not_fit_names_its_measure_and_municipality() {
        // Within one council: its own 128-bit sum is checked into the row.
        let (population, outcome) = paid(92_234, 0, MAX_AMOUNT);
        let e = summarize(&population, &outcome).unwrap_err();
        assert_eq!(
            (e.measure.as_str(), e.municipality.as_str()),
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
        assert_eq!(
            (e.measure.as_str(), e.municipality.as_str()),
            ("housing_eur", TOTAL)
        );
    }

    #[test]
    fn measures_are_labelled_from_the_schema_in_both_languages() {
        let policy = crate::Policy::load(&crate::policy::builtin()).unwrap();
        let m = Measures::of(&policy.schema);
        let label = |name: &str, lv: bool| {
            let k = m.names.iter().position(|n| n == name).unwrap();
            m.label(&policy.schema, k, lv)
        };
        assert_eq!(label("households", true), "mājsaimniecības");
        assert_eq!(label("needy_households", true), "trūcīgas mājsaimniecības");
        assert_eq!(label("needy_persons", false), "needy households: persons");
        assert_eq!(label("gmi_eur", true), "GMI pabalsts: EUR");
        assert_eq!(
            label("gmi_state_eur", false),
            "GMI benefit: state share EUR"
        );
        assert_eq!(label("municipal_net_eur", true), "pašvaldības neto EUR");
        assert_eq!(label("gross_eur", false), "gross cost EUR");
        // Every measure has a label of its own.
        let all: std::collections::BTreeSet<String> = (0..m.len())
            .map(|k| m.label(&policy.schema, k, true))
            .collect();
        assert_eq!(all.len(), m.len());
    }

    #[test]
    fn differences_are_checked() {
        let (population, outcome) = paid(3, 2, 250 * SCALE);
        let s = summarize(&population, &outcome).unwrap();
        let d = s.total.minus(&s.rows[0]).unwrap();
        assert_eq!(d.get("housing_eur"), Some(2 * 25_000));
        let at = s
            .measures()
            .names
            .iter()
            .position(|n| n == "housing_eur")
            .unwrap();
        let mut big = Row::zero(s.measures(), "ogres-novads");
        big.values[at] = i64::MAX;
        let mut low = Row::zero(s.measures(), "riga");
        low.values[at] = -1;
        let e = big.minus(&low).unwrap_err();
        assert_eq!(e.measure, "housing_eur");
    }
}
