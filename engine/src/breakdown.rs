//! Breakdowns people expect of a run or a comparison, data in, data out: by household type
//! (pensioners alone, families with children, working-age adults…), winners and losers of a
//! reform (households whose total benefits rise or fall, by how much), and the national
//! comparison of councils ranked by the change in municipal net cost per resident.
//!
//! Every total is summed as [`crate::summary`] sums: per household in whole cents, in 128 bits,
//! checked into 64 (a total that does not fit is a [`TotalError`]), so the types of a council add
//! up exactly to its summary row. Divisions (per resident, percentages) are integer divisions
//! rounded half away from zero, which is the legal "half up" for amounts that are not negative
//! and keeps a loss the mirror of an equal gain.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::date::Date;
use crate::fixed::CENT;
use crate::parameters::{ParameterError, ParameterSet, Resolved, Value};
use crate::population::Population;
use crate::run::Horizon;
use crate::simulate::Outcome;
use crate::summary::{Summary, Sums, TOTAL, TotalError};

/// The household types of the breakdowns, by the ages of the members (and who is disabled).
/// A *child* is below the age of majority; an *adult* is not. An adult is *of pension age or
/// disabled* when the completed age reaches the pension age in force, or the person is disabled,
/// as the rules' `h.pension_age_or_disabled`; else *of working age*.
///
/// Coarser than these, the annual projection's take-up types (`annual::household_types`: 0
/// pensioners or disabled only, 1 with children, 2 other) are PensionerAlone + Pensioners,
/// OneAdultWithChildren + AdultsWithChildren, and the rest — except that they take the pension
/// age as 65 whatever the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HouseholdType {
    /// One person, of pension age or disabled.
    PensionerAlone,
    /// Two or more persons, all adults of pension age or disabled.
    Pensioners,
    /// Exactly one adult, with one or more children.
    OneAdultWithChildren,
    /// Two or more adults, with one or more children.
    AdultsWithChildren,
    /// One person of working age, not disabled.
    WorkingAgeAlone,
    /// Two or more adults, all of working age and not disabled, no children.
    WorkingAgeAdults,
    /// Anything else: adults without children, some of pension age or disabled and some not;
    /// or only children (no adult).
    Other,
}

impl HouseholdType {
    /// Every type, in the order of every table.
    pub const ALL: [HouseholdType; 7] = [
        HouseholdType::PensionerAlone,
        HouseholdType::Pensioners,
        HouseholdType::OneAdultWithChildren,
        HouseholdType::AdultsWithChildren,
        HouseholdType::WorkingAgeAlone,
        HouseholdType::WorkingAgeAdults,
        HouseholdType::Other,
    ];

    /// The CSV identifier.
    pub fn id(self) -> &'static str {
        match self {
            HouseholdType::PensionerAlone => "pensioner_alone",
            HouseholdType::Pensioners => "pensioners",
            HouseholdType::OneAdultWithChildren => "one_adult_with_children",
            HouseholdType::AdultsWithChildren => "adults_with_children",
            HouseholdType::WorkingAgeAlone => "working_age_alone",
            HouseholdType::WorkingAgeAdults => "working_age_adults",
            HouseholdType::Other => "other",
        }
    }

    /// The English label.
    pub fn label(self) -> &'static str {
        match self {
            HouseholdType::PensionerAlone => "pensioner or disabled, alone",
            HouseholdType::Pensioners => "pensioners or disabled only (2+)",
            HouseholdType::OneAdultWithChildren => "one adult with children",
            HouseholdType::AdultsWithChildren => "two or more adults with children",
            HouseholdType::WorkingAgeAlone => "working-age adult alone",
            HouseholdType::WorkingAgeAdults => "working-age adults (2+), no children",
            HouseholdType::Other => "other (mixed)",
        }
    }

    /// The Latvian label.
    pub fn label_lv(self) -> &'static str {
        match self {
            HouseholdType::PensionerAlone => "pensionārs vai persona ar invaliditāti viens",
            HouseholdType::Pensioners => "tikai pensionāri vai personas ar invaliditāti (2+)",
            HouseholdType::OneAdultWithChildren => "viens pieaugušais ar bērniem",
            HouseholdType::AdultsWithChildren => "divi vai vairāk pieaugušo ar bērniem",
            HouseholdType::WorkingAgeAlone => "darbspējas vecuma pieaugušais viens",
            HouseholdType::WorkingAgeAdults => "darbspējas vecuma pieaugušie (2+) bez bērniem",
            HouseholdType::Other => "cits (jaukts)",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The ages that decide a household's type, in completed years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ages {
    /// From this age a person is an adult (`age_of_majority`).
    pub majority: i64,
    /// A person is of pension age when the completed age is at least this (`pension_age`,
    /// e.g. 64.25 in 2022: a person of 64 is not yet).
    pub pension: Decimal,
}

impl Ages {
    /// The constants the annual projection's take-up types use (18, 65), for a policy that
    /// declares neither parameter.
    pub const FALLBACK: Ages = Ages {
        majority: 18,
        pension: Decimal::from_parts(65, 0, 0, false, 0),
    };

    /// The policy's `age_of_majority` and `pension_age` in force (each falls back to
    /// [`Ages::FALLBACK`] where the policy does not declare it as a number).
    pub fn of(resolved: &Resolved) -> Ages {
        let number = |path: &str| match resolved.leaf(path).map(|l| &l.value) {
            Some(Value::Number(d)) => Some(*d),
            _ => None,
        };
        Ages {
            // The age of majority is a whole number of years; a fraction counts from the next.
            majority: number("age_of_majority")
                .and_then(|d| i64::try_from(d.ceil()).ok())
                .unwrap_or(Ages::FALLBACK.majority),
            pension: number("pension_age").unwrap_or(Ages::FALLBACK.pension),
        }
    }

    /// The ages in force at the start of `horizon` (a month's first day, a year's 1 January:
    /// the pension age changes only on 1 January) for council `slug`.
    pub fn at(
        parameters: &ParameterSet,
        horizon: Horizon,
        slug: &str,
    ) -> Result<Ages, ParameterError> {
        let date = match horizon {
            Horizon::Month(p) => p.first_day(),
            Horizon::Year(year) => Date {
                year,
                month: 1,
                day: 1,
            },
        };
        Ok(Ages::of(&parameters.resolve(date, slug)?))
    }
}

/// Each household's type, in population order.
pub fn classify(population: &Population, ages: Ages) -> Vec<HouseholdType> {
    let fp = &population.households.first_person;
    let p = &population.persons;
    (0..population.household_count())
        .into_par_iter()
        .map(|i| {
            let members = fp[i] as usize..fp[i + 1] as usize;
            let (mut children, mut elder, mut working) = (0usize, 0usize, 0usize);
            for j in members {
                if p.age[j] < ages.majority {
                    children += 1;
                } else if p.disabled[j] || Decimal::from(p.age[j]) >= ages.pension {
                    elder += 1;
                } else {
                    working += 1;
                }
            }
            let adults = elder + working;
            match (children, adults) {
                (0, 0) => HouseholdType::Other,
                (1.., 0) => HouseholdType::Other,
                (1.., 1) => HouseholdType::OneAdultWithChildren,
                (1.., _) => HouseholdType::AdultsWithChildren,
                (0, 1) if elder == 1 => HouseholdType::PensionerAlone,
                (0, 1) => HouseholdType::WorkingAgeAlone,
                (0, _) if working == 0 => HouseholdType::Pensioners,
                (0, _) if elder == 0 => HouseholdType::WorkingAgeAdults,
                (0, _) => HouseholdType::Other,
            }
        })
        .collect()
}

/// Per household type, the summary of the households of that type: a row per municipality of
/// the population (a council without households of the type has a row of zeros) and the total.
/// The rows of a council over the types add up to its row of [`crate::summarize`], to the cent.
pub fn by_type(
    population: &Population,
    outcome: &Outcome,
    types: &[HouseholdType],
) -> Result<Vec<(HouseholdType, Summary)>, TotalError> {
    let schema = &outcome.schema;
    let fp = &population.households.first_person;
    let segments = population.segments();
    let sums: Vec<(u16, Vec<Sums>)> = segments
        .par_iter()
        .map(|&(m, start, end)| {
            let mut s: Vec<Sums> = HouseholdType::ALL.map(|_| Sums::new(schema)).to_vec();
            for i in start..end {
                s[types[i].index()].outcome_household(outcome, i, i64::from(fp[i + 1] - fp[i]));
            }
            (m, s)
        })
        .collect();
    HouseholdType::ALL
        .iter()
        .map(|&t| {
            let parts: Vec<(u16, Sums)> = sums
                .iter()
                .map(|(m, s)| (*m, s[t.index()].clone()))
                .collect();
            Ok((
                t,
                Sums::finish(population, schema, &outcome.assumed, &parts)?,
            ))
        })
        .collect()
}

/// The bands of a household's change in total benefits, by its size in EUR: a change up to the
/// first edge (inclusive), above it up to the second, above that up to the third, and above the
/// third. A year: 50, 200, 1 000 EUR; a month: 10, 50, 200 EUR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bands {
    /// The edges in cents, rising.
    pub edges_cents: [i64; 3],
}

impl Bands {
    /// The bands for a month's or a year's amounts.
    pub fn of(horizon: Horizon) -> Bands {
        let euros = match horizon {
            Horizon::Month(_) => [10, 50, 200],
            Horizon::Year(_) => [50, 200, 1_000],
        };
        Bands {
            edges_cents: euros.map(|e| e * 100),
        }
    }

    /// The band (0 to 3) of a change of `cents` (not 0), by its size.
    pub fn band(&self, cents: i128) -> usize {
        let size = cents.unsigned_abs();
        self.edges_cents
            .iter()
            .position(|&e| size <= e as u128)
            .unwrap_or(3)
    }

    /// The bands' names, smallest first: `up_to_50`, `50_200`, `200_1000`, `over_1000`.
    pub fn names(&self) -> [String; 4] {
        let [a, b, c] = self.edges_cents.map(|e| e / 100);
        [
            format!("up_to_{a}"),
            format!("{a}_{b}"),
            format!("{b}_{c}"),
            format!("over_{c}"),
        ]
    }
}

/// Who gains and who loses in some households: counts by band of the change in total benefits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Change {
    pub households: i64,
    pub persons: i64,
    /// Households whose total rises, by band ([`Bands`]), smallest change first.
    pub gains: [i64; 4],
    /// Households whose total falls, by band, smallest change first.
    pub loses: [i64; 4],
    pub unchanged: i64,
    /// What the gaining households gain together, cents (not negative).
    pub gained_cents: i64,
    /// What the losing households lose together, cents (not negative).
    pub lost_cents: i64,
}

impl Change {
    pub fn gaining(&self) -> i64 {
        self.gains.iter().sum()
    }

    pub fn losing(&self) -> i64 {
        self.loses.iter().sum()
    }

    /// Gained − lost, cents.
    pub fn net_cents(&self) -> i64 {
        self.gained_cents - self.lost_cents
    }
}

/// [`Change`] summed in 128 bits.
#[derive(Clone, Copy, Default)]
struct ChangeSums {
    households: i128,
    persons: i128,
    gains: [i128; 4],
    loses: [i128; 4],
    unchanged: i128,
    gained: i128,
    lost: i128,
}

impl ChangeSums {
    fn add(&mut self, o: &ChangeSums) {
        self.households += o.households;
        self.persons += o.persons;
        for k in 0..4 {
            self.gains[k] += o.gains[k];
            self.loses[k] += o.loses[k];
        }
        self.unchanged += o.unchanged;
        self.gained += o.gained;
        self.lost += o.lost;
    }

    fn finish(&self, municipality: &str) -> Result<Change, TotalError> {
        let fit = |v: i128, measure: &str| {
            i64::try_from(v).map_err(|_| TotalError {
                measure: measure.to_string(),
                municipality: municipality.to_string(),
            })
        };
        let mut c = Change {
            households: fit(self.households, "households")?,
            persons: fit(self.persons, "persons")?,
            unchanged: fit(self.unchanged, "unchanged")?,
            gained_cents: fit(self.gained, "gained_eur")?,
            lost_cents: fit(self.lost, "lost_eur")?,
            ..Change::default()
        };
        for k in 0..4 {
            c.gains[k] = fit(self.gains[k], "gains")?;
            c.loses[k] = fit(self.loses[k], "loses")?;
        }
        // The net is taken by callers: it fits whenever both sides do (both are ≥ 0).
        Ok(c)
    }
}

/// One line of winners and losers: a municipality (or [`TOTAL`]) and a household type (`None`:
/// all types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WinnersRow {
    pub municipality: String,
    pub kind: Option<HouseholdType>,
    pub change: Change,
}

/// Winners and losers of a reform: per municipality, each type then all types, then the same
/// for the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Winners {
    pub bands: Bands,
    pub rows: Vec<WinnersRow>,
}

impl Winners {
    /// The row of a municipality (or [`TOTAL`]) and type (`None`: all).
    pub fn row(&self, municipality: &str, kind: Option<HouseholdType>) -> Option<&Change> {
        self.rows
            .iter()
            .find(|r| r.municipality == municipality && r.kind == kind)
            .map(|r| &r.change)
    }
}

/// What can stop a winners-and-losers count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WinnersError {
    #[error(
        "baseline and reform have {baseline} and {reform} households: winners and losers match households by position, so both sides must run on the same population"
    )]
    Mismatch { baseline: usize, reform: usize },
    #[error("{0}")]
    Total(#[from] TotalError),
}

/// Household `i`'s total benefits in an outcome: every benefit's amount (gross), cents.
/// Amounts are whole cents (`simulate` refuses others), so the division is exact.
pub fn total_benefits_cents(outcome: &Outcome, i: usize) -> i128 {
    outcome
        .amounts
        .iter()
        .map(|a| i128::from(a[i] / CENT))
        .sum()
}

/// Matches the households of `baseline` and `reform` by position (both sides of a comparison
/// run on the same population) and counts, per municipality and type, those whose total benefits
/// (every benefit, gross; statuses carry no money) rise, fall or stay, by band of the change.
pub fn winners(
    population: &Population,
    baseline: &Outcome,
    reform: &Outcome,
    types: &[HouseholdType],
    bands: Bands,
) -> Result<Winners, WinnersError> {
    let n = population.household_count();
    if baseline.len() != n || reform.len() != n || types.len() != n {
        return Err(WinnersError::Mismatch {
            baseline: baseline.len(),
            reform: reform.len(),
        });
    }
    let fp = &population.households.first_person;
    let segments = population.segments();
    let parts: Vec<(u16, [ChangeSums; 7])> = segments
        .par_iter()
        .map(|&(m, start, end)| {
            let mut s = [ChangeSums::default(); 7];
            for i in start..end {
                let c = &mut s[types[i].index()];
                c.households += 1;
                c.persons += i128::from(fp[i + 1] - fp[i]);
                let d = total_benefits_cents(reform, i) - total_benefits_cents(baseline, i);
                match d.cmp(&0) {
                    Ordering::Equal => c.unchanged += 1,
                    Ordering::Greater => {
                        c.gains[bands.band(d)] += 1;
                        c.gained += d;
                    }
                    Ordering::Less => {
                        c.loses[bands.band(d)] += 1;
                        c.lost -= d;
                    }
                }
            }
            (m, s)
        })
        .collect();
    // A council's segments (consecutive), then the total.
    let mut councils: Vec<(u16, [ChangeSums; 7])> = Vec::new();
    for (m, s) in parts {
        match councils.last_mut() {
            Some((last, sums)) if *last == m => {
                for (a, b) in sums.iter_mut().zip(&s) {
                    a.add(b);
                }
            }
            _ => councils.push((m, s)),
        }
    }
    let mut total = [ChangeSums::default(); 7];
    let mut rows = Vec::new();
    let mut push = |name: &str, s: &[ChangeSums; 7]| -> Result<(), TotalError> {
        let mut all = ChangeSums::default();
        for (t, c) in HouseholdType::ALL.iter().zip(s) {
            all.add(c);
            rows.push(WinnersRow {
                municipality: name.to_string(),
                kind: Some(*t),
                change: c.finish(name)?,
            });
        }
        rows.push(WinnersRow {
            municipality: name.to_string(),
            kind: None,
            change: all.finish(name)?,
        });
        Ok(())
    };
    for (m, s) in &councils {
        for (a, b) in total.iter_mut().zip(s) {
            a.add(b);
        }
        push(&population.municipalities[*m as usize], s)?;
    }
    push(TOTAL, &total)?;
    Ok(Winners { bands, rows })
}

/// `n / d` rounded half away from zero (`d` not 0).
pub fn div_round(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    if 2 * r.abs() >= d.abs() {
        q + if (n < 0) == (d < 0) { 1 } else { -1 }
    } else {
        q
    }
}

/// One council of a national comparison: its municipal net cost under baseline and reform, and
/// the change, absolute, per resident and in per cent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouncilLine {
    /// 1 for the largest rise per resident.
    pub rank: usize,
    pub slug: String,
    /// The Latvian name and ATVK code from the register (empty for a name it does not have).
    pub name: String,
    pub atvk: String,
    /// The persons of the council's households in the simulated population (generated or
    /// loaded), not the register's population.
    pub residents: i64,
    pub baseline_cents: i64,
    pub reform_cents: i64,
    pub change_cents: i64,
    /// Change ÷ residents, cents, rounded half away from zero; `None` without residents.
    pub per_resident_cents: Option<i64>,
    /// Change ÷ baseline in tenths of a per cent, rounded half away from zero; `None` when the
    /// baseline is 0.
    pub percent_tenths: Option<i64>,
    /// What either side's figures rest on that is assumed (a summary row's `assumed`), sorted,
    /// without repeats.
    pub assumed: Vec<String>,
}

/// The councils of a comparison, ranked by the change in municipal net cost per resident,
/// largest first (exactly, not by the rounded figure; ties by slug; councils without residents
/// last), and the total's line (rank 0).
pub fn councils(
    baseline: &Summary,
    reform: &Summary,
) -> Result<(Vec<CouncilLine>, CouncilLine), TotalError> {
    let register: BTreeMap<String, crate::register::Municipality> =
        crate::register::municipalities()
            .into_iter()
            .map(|m| (m.slug.clone(), m))
            .collect();
    let line =
        |b: &crate::summary::Row, r: &crate::summary::Row| -> Result<CouncilLine, TotalError> {
            let (base, reformed) = (b.municipal_net_cents(), r.municipal_net_cents());
            let change = reformed.checked_sub(base).ok_or_else(|| TotalError {
                measure: "municipal_net_eur".into(),
                municipality: b.municipality.clone(),
            })?;
            let residents = b.persons();
            let known = register.get(&b.municipality);
            let mut assumed: Vec<String> = b.assumed.iter().chain(&r.assumed).cloned().collect();
            assumed.sort();
            assumed.dedup();
            Ok(CouncilLine {
                rank: 0,
                slug: b.municipality.clone(),
                name: known.map(|m| m.name.clone()).unwrap_or_default(),
                atvk: known.map(|m| m.atvk.clone()).unwrap_or_default(),
                residents,
                baseline_cents: base,
                reform_cents: reformed,
                change_cents: change,
                // The quotient is at most the change in size: it fits.
                per_resident_cents: (residents > 0)
                    .then(|| div_round(change.into(), residents.into()) as i64),
                // A change a thousand times a tiny baseline may not fit: an error, not a wrap.
                percent_tenths: if base == 0 {
                    None
                } else {
                    Some(
                        i64::try_from(div_round(i128::from(change) * 1000, base.into())).map_err(
                            |_| TotalError {
                                measure: "change_pct".into(),
                                municipality: b.municipality.clone(),
                            },
                        )?,
                    )
                },
                assumed,
            })
        };
    let mut lines = baseline
        .rows
        .iter()
        .zip(&reform.rows)
        .map(|(b, r)| line(b, r))
        .collect::<Result<Vec<_>, _>>()?;
    lines.sort_by(|a, b| {
        // a before b when a's change per resident is larger: ca / ra > cb / rb, compared as
        // ca × rb > cb × ra (residents positive), in 128 bits.
        let key = |l: &CouncilLine| l.residents > 0;
        key(b)
            .cmp(&key(a))
            .then_with(|| {
                if a.residents > 0 && b.residents > 0 {
                    (i128::from(b.change_cents) * i128::from(a.residents))
                        .cmp(&(i128::from(a.change_cents) * i128::from(b.residents)))
                } else {
                    Ordering::Equal
                }
            })
            .then_with(|| a.slug.cmp(&b.slug))
    });
    for (k, l) in lines.iter_mut().enumerate() {
        l.rank = k + 1;
    }
    let total = line(&baseline.total, &reform.total)?;
    Ok((lines, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(4, 3), 1);
        assert_eq!(div_round(-4, 3), -1);
        assert_eq!(div_round(7, -2), -4);
        assert_eq!(div_round(0, 9), 0);
    }

    #[test]
    fn bands_are_inclusive_at_their_upper_edge() {
        let b = Bands::of(Horizon::Year(2026));
        assert_eq!(b.band(1), 0);
        assert_eq!(b.band(5_000), 0);
        assert_eq!(b.band(5_001), 1);
        assert_eq!(b.band(-20_000), 1);
        assert_eq!(b.band(100_000), 2);
        assert_eq!(b.band(100_001), 3);
        assert_eq!(b.names()[3], "over_1000");
        let m = Bands::of(Horizon::Month(crate::Period {
            year: 2026,
            month: 1,
        }));
        assert_eq!(
            m.names(),
            ["up_to_10", "10_50", "50_200", "over_200"].map(String::from)
        );
    }
}
