//! Slieksnis engine: Latvian municipal social-assistance rules, written as rhai scripts over
//! columns of households, with dated parameters as data.
//!
//! The engine takes data (script and parameter texts, populations as bytes or in-memory columns)
//! and returns data (per-household outcomes, per-municipality summaries, explanations). It never
//! touches files, the terminal or exit codes: that is the CLI's job. It evaluates chunks of
//! households in parallel on the current rayon pool; results never depend on the thread count.

pub mod annual;
pub mod assumptions;
pub mod bands;
pub mod breakdown;
pub mod calibrate;
pub mod cases;
pub mod columns;
pub mod csv_load;
pub mod csv_write;
pub mod date;
pub mod draw;
pub mod explain;
pub mod fixed;
pub mod generate;
pub mod ids;
pub mod inputs;
pub mod lesson;
pub mod parameters;
pub mod population;
pub mod profile;
pub mod register;
pub mod reported;
pub mod run;
pub mod scenario;
pub mod schema;
pub mod script;

pub use csv_load::load;
pub mod policy;
pub mod simulate;
pub mod summary;
pub mod sweep;
pub mod toml_place;
pub mod validate;

pub use date::Period;
pub use policy::Policy;
pub use population::Population;
pub use simulate::{Outcome, simulate};
pub use summary::{Summary, summarize};

/// The status of household `i` in an outcome: the first declared status it holds, or `none`.
pub fn outcome_status(outcome: &Outcome, i: usize) -> &str {
    match outcome.status_of(i) {
        Some(k) => &outcome.schema.statuses[k].id,
        None => "none",
    }
}
