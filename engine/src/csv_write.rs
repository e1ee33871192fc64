//! Writes a [`Population`] as the two CSV files that [`load`](crate::csv_load::load) reads
//! (`populations/README.md`): `households.csv` and `persons.csv`, with the optional columns
//! (`vehicles`, `crisis`, `other_expenses`, `employed`, `nva_registered`) where the population
//! has them.
//!
//! Texts in memory: the caller writes the files (the engine does no I/O). Loading what this
//! writes gives the same columns back.

use std::fmt::Write;

use crate::Population;
use crate::fixed;

/// A population that cannot be written: an amount that is not whole cents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("household {household_id}: {what} is not a whole number of cents")]
pub struct WriteError {
    pub household_id: String,
    pub what: &'static str,
}

/// `(households.csv, persons.csv)`.
pub fn to_csv(population: &Population) -> Result<(String, String), WriteError> {
    let h = &population.households;
    let p = &population.persons;
    let mut hh = String::with_capacity(h.id.len() * 48);
    let mut pp = String::with_capacity(p.id.len() * 40);
    hh.push_str("household_id,municipality,housing_costs,savings");
    if h.vehicles.is_some() {
        hh.push_str(",vehicles");
    }
    if h.crisis.is_some() {
        hh.push_str(",crisis");
    }
    if h.other_expenses.is_some() {
        hh.push_str(",other_expenses");
    }
    hh.push('\n');
    pp.push_str("person_id,household_id,age,disabled,income");
    if p.employed.is_some() {
        pp.push_str(",employed");
    }
    if p.nva_registered.is_some() {
        pp.push_str(",nva_registered");
    }
    pp.push('\n');
    for i in 0..h.id.len() {
        // As given; quoted if it holds a comma or a quote.
        let id = h.id.csv(i);
        let amount = |v: i64, what| {
            fixed::format_cents(v).ok_or_else(|| WriteError {
                household_id: h.id.get(i).to_string(),
                what,
            })
        };
        let slug = &population.municipalities[h.municipality[i] as usize];
        // Writing to a String cannot fail.
        let _ = write!(
            hh,
            "{id},{slug},{},{}",
            amount(h.housing_costs[i], "housing_costs")?,
            amount(h.savings[i], "savings")?
        );
        if let Some(v) = &h.vehicles {
            let _ = write!(hh, ",{}", v[i]);
        }
        if let Some(c) = &h.crisis {
            let _ = write!(hh, ",{}", c[i] as u8);
        }
        if let Some(o) = &h.other_expenses {
            let _ = write!(hh, ",{}", o[i] as u8);
        }
        hh.push('\n');
        for j in h.first_person[i] as usize..h.first_person[i + 1] as usize {
            let _ = write!(
                pp,
                "{},{id},{},{},{}",
                p.id.csv(j),
                p.age[j],
                p.disabled[j] as u8,
                amount(p.income[j], "a person's income")?
            );
            if let Some(e) = &p.employed {
                let _ = write!(pp, ",{}", e[j] as u8);
            }
            if let Some(r) = &p.nva_registered {
                let _ = write!(pp, ",{}", r[j] as u8);
            }
            pp.push('\n');
        }
    }
    Ok((hh, pp))
}
