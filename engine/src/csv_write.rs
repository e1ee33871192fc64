//! Writes a [`Population`] as the two CSV files that [`load`](crate::csv_load::load) reads
//! (`populations/README.md`): `households.csv` and `persons.csv`, with the inputs declared in
//! `crate::inputs` (an optional one where the population has it).
//!
//! Texts in memory: the caller writes the files (the engine does no I/O). Loading what this
//! writes gives the same columns back.

use std::fmt::Write;

use crate::Population;
use crate::columns::Level;
use crate::fixed;
use crate::inputs::{self, Input, Kind};

/// A population that cannot be written: an amount that is not whole cents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("household {household_id}: {what} is not a whole number of cents")]
pub struct WriteError {
    pub household_id: String,
    pub what: String,
}

/// `(households.csv, persons.csv)`: the keys, then every declared input the population has
/// (`crate::inputs`), in declared order.
pub fn to_csv(population: &Population) -> Result<(String, String), WriteError> {
    let h = &population.households;
    let p = &population.persons;
    let present = |level| -> Vec<&'static Input> {
        inputs::at(level)
            .map(|(_, i)| i)
            .filter(|i| i.is_present(population))
            .collect()
    };
    let (household_inputs, person_inputs) = (present(Level::Household), present(Level::Person));
    let mut hh = String::with_capacity(h.id.len() * 48);
    let mut pp = String::with_capacity(p.id.len() * 40);
    hh.push_str("household_id,municipality");
    for i in &household_inputs {
        hh.push(',');
        hh.push_str(i.name);
    }
    hh.push('\n');
    pp.push_str("person_id,household_id");
    for i in &person_inputs {
        pp.push(',');
        pp.push_str(i.name);
    }
    pp.push('\n');
    for k in 0..h.id.len() {
        // As given; quoted if it holds a comma or a quote.
        let id = h.id.csv(k);
        let slug = &population.municipalities[h.municipality[k] as usize];
        // Writing to a String cannot fail.
        let _ = write!(hh, "{id},{slug}");
        for i in &household_inputs {
            hh.push(',');
            field(&mut hh, i, population, k, || h.id.get(k).to_string())?;
        }
        hh.push('\n');
        for j in h.first_person[k] as usize..h.first_person[k + 1] as usize {
            let _ = write!(pp, "{},{id}", p.id.csv(j));
            for i in &person_inputs {
                pp.push(',');
                field(&mut pp, i, population, j, || h.id.get(k).to_string())?;
            }
            pp.push('\n');
        }
    }
    Ok((hh, pp))
}

/// Writes row `row` of an input: amounts as EUR with two decimals, whole numbers as they are,
/// flags as 0 / 1.
fn field(
    out: &mut String,
    input: &Input,
    population: &Population,
    row: usize,
    household_id: impl Fn() -> String,
) -> Result<(), WriteError> {
    let v = input.value(population, row).unwrap_or_default();
    match input.kind {
        Kind::Money => match fixed::format_cents(v) {
            Some(text) => out.push_str(&text),
            None => {
                return Err(WriteError {
                    household_id: household_id(),
                    what: match input.level {
                        Level::Household => input.name.to_string(),
                        Level::Person => format!("a person's {}", input.name),
                    },
                });
            }
        },
        Kind::Whole { .. } | Kind::Flag => {
            let _ = write!(out, "{v}");
        }
    }
    Ok(())
}
