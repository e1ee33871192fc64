//! Uncertainty bands: the same run repeated over replicates that differ in what the model does
//! not know, and each figure's spread over them as a low, middle and high value.
//!
//! Replicate `r` (0 ≤ r < R) of a run with seed `s`:
//! - **population**: generated with seed `s + r` (wrapping), and the annual draws of that seed
//!   (who applies, job changes, renewal cycles), so replicate 0 is exactly the run without bands;
//! - **take-up and calibration**: for r ≥ 1, each council's take-up caps (pensioners, with
//!   children, other) are multiplied by `exp(σ · z)` and clamped to the legal [0, 1], with `z`
//!   a standard normal drawn for `(s, r, council)` and `σ` the council's from
//!   `populations/uncertainty.toml` ([`Uncertainty`]: from its fit's residuals, or from the
//!   leave-one-out accuracy for councils without a fit). Replicate 0 is unperturbed. A month's
//!   run counts entitlement, where take-up does not enter: its band is the population's alone.
//! - **assumptions** (future years): [`assumption_draw`] and [`assumption_value`], a draw per
//!   replicate and name that the caller maps into the assumption's `[lo, hi]`; replicate 0 keeps
//!   the default.
//!
//! No floating point touches a figure or a draw. The normal is Irwin–Hall: the sum of twelve
//! uniform millionths minus six (mean 0, variance 1, bounded at ±6; its 5th and 95th percentiles
//! are ±1.64, the normal's ±1.645), in integers; `exp` is computed in 128-bit fixed point
//! ([`exp_millionths`]), and the factor is kept in millionths. So a replicate is the same on
//! every machine, compiler and thread count.
//!
//! Percentiles are by nearest rank ([`nearest_rank`]): the p-th percentile of R values is the
//! ⌈p·R/100⌉-th smallest. Low = p5, middle = p50, high = p95, so low ≤ middle ≤ high by
//! construction; with R = 10 they are the smallest, the 5th smallest and the largest. A
//! comparison's difference band is taken over each replicate's difference (reform − baseline of
//! the same households and draws), not as a difference of the sides' percentiles.
//!
//! Replicates are independent and run in parallel ([`run_replicates`]) in waves of as many as
//! the pool has threads, so at most that many populations are alive at once; results are
//! collected in replicate order, so the bands do not depend on the thread count.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::annual::Behaviour;
use crate::draw::{self, MILLION, Purpose};
use crate::generate::generate;
use crate::ids::fnv1a64;
use crate::population::Population;
use crate::profile::Profile;
use crate::summary::{Measures, Row, Summary, TotalError};

/// The percentiles a band reports: low, middle, high.
pub const PERCENTILES: [u32; 3] = [5, 50, 95];

/// The largest σ a file may give (millionths): `exp(2 · 6)`, the largest factor, still fits
/// the fixed-point arithmetic of [`exp_millionths`] with room to spare.
pub const MAX_SIGMA: u32 = 2 * MILLION;

/// The shipped `populations/uncertainty.toml`.
pub const SHIPPED: &str = include_str!("../../populations/uncertainty.toml");
/// How messages name the shipped file.
pub const SHIPPED_ORIGIN: &str = "populations/uncertainty.toml (embedded)";

/// A malformed uncertainty file, or replicates that cannot be banded together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct BandError {
    pub origin: String,
    pub message: String,
}

/// How uncertain each council's take-up is: σ of the log-factor on its caps, millionths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncertainty {
    /// A council with a fit of its own that is not listed in `council`.
    pub calibrated: u32,
    /// A council without a fit of its own (the national layer's).
    pub uncalibrated: u32,
    /// By council slug.
    pub council: BTreeMap<String, u32>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    take_up: TakeUpFile,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TakeUpFile {
    calibrated: f64,
    uncalibrated: f64,
    #[serde(default)]
    council: BTreeMap<String, f64>,
}

impl Uncertainty {
    /// Reads an uncertainty file (the format of `populations/uncertainty.toml`). Each σ must lie
    /// in [0, 2]; it is kept in millionths (rounded, as the profiles' rates are).
    pub fn parse(origin: &str, text: &str) -> Result<Uncertainty, BandError> {
        let fail = |message: String| BandError {
            origin: origin.to_string(),
            message,
        };
        let file: File =
            toml::from_str(text).map_err(|e| fail(crate::toml_place::message(text, &e)))?;
        let sigma = |name: &str, v: f64| -> Result<u32, BandError> {
            if !(0.0..=2.0).contains(&v) {
                return Err(fail(format!(
                    "{name} = {v}: a σ of the log of take-up must lie from 0 to 2 (0.13 = the \
                     figures within about 13 %)"
                )));
            }
            Ok((v * f64::from(MILLION)).round() as u32)
        };
        let t = file.take_up;
        let mut council = BTreeMap::new();
        for (slug, v) in t.council {
            let s = sigma(&format!("take_up.council.{slug}"), v)?;
            council.insert(slug, s);
        }
        Ok(Uncertainty {
            calibrated: sigma("take_up.calibrated", t.calibrated)?,
            uncalibrated: sigma("take_up.uncalibrated", t.uncalibrated)?,
            council,
        })
    }

    /// The shipped file's values.
    pub fn shipped() -> Uncertainty {
        Uncertainty::parse(SHIPPED_ORIGIN, SHIPPED).expect("the shipped uncertainty file is valid")
    }

    /// The σ of a council's take-up: its own entry, else by whether it has a fit of its own.
    pub fn sigma(&self, profile: &Profile) -> u32 {
        match self.council.get(&profile.slug) {
            Some(&s) => s,
            None if profile.calibrated => self.calibrated,
            None => self.uncalibrated,
        }
    }

    /// σ by council slug for the councils whose take-up a run of `profiles` in `year` uses
    /// (as `Behaviour::from_profiles` keys it: a merged council's households take the
    /// behaviour, and so the σ, of the council they joined).
    pub fn sigmas(&self, profiles: &[&Profile], year: i32) -> BTreeMap<String, u32> {
        profiles
            .iter()
            .filter(|p| p.council(year) == p.slug)
            .map(|p| (p.slug.clone(), self.sigma(p)))
            .collect()
    }
}

/// A standard normal drawn for replicate `r` and `council` under `seed`, in millionths:
/// Irwin–Hall, the sum of twelve uniform millionths less their mean (an exact integer, within
/// ±6 000 000).
pub fn normal_millionths(seed: u64, r: u32, council: &str) -> i64 {
    let key = fnv1a64(council.as_bytes());
    let sum: i64 = (0..12u64)
        .map(|k| {
            i64::from(draw::millionths_of(
                seed,
                Purpose::Band,
                &[u64::from(r), key, k],
            ))
        })
        .sum();
    // Each draw is uniform on 0..=999 999, mean 499 999.5: twelve of them 5 999 994.
    sum - 5_999_994
}

/// `exp(x / 10⁶)` in millionths, rounded to nearest, for |x| ≤ 12 000 000 (larger |x| are
/// taken as ±12 000 000). Integer arithmetic only: `x = k · ln 2 + y` with |y| ≤ ln 2 / 2,
/// `exp(y)` by its Taylor series in units of 10⁻¹⁸, then shifted by `k` bits.
pub fn exp_millionths(x: i64) -> i64 {
    const S: i128 = 1_000_000_000_000_000_000;
    /// ln 2 in units of 10⁻¹⁸ (0.693 147 180 559 945 309 417…).
    const LN2: i128 = 693_147_180_559_945_309;
    let x = i128::from(x.clamp(-12_000_000, 12_000_000)) * 1_000_000_000_000;
    let k = div_round(x, LN2);
    let y = x - k * LN2;
    let (mut sum, mut term, mut n) = (S, S, 1i128);
    while term != 0 {
        term = div_round(term * y, n * S);
        sum += term;
        n += 1;
    }
    let micro = 1_000_000_000_000i128;
    (if k >= 0 {
        div_round(sum << k, micro)
    } else {
        div_round(sum, micro << -k)
    }) as i64
}

/// `a / b` rounded to nearest, halves away from zero (b > 0).
fn div_round(a: i128, b: i128) -> i128 {
    if a >= 0 {
        (a + b / 2) / b
    } else {
        -((-a + b / 2) / b)
    }
}

/// The factor on a council's take-up caps in replicate `r` (millionths): `exp(σ · z)`,
/// exactly 1 in replicate 0.
pub fn take_up_factor(sigma: u32, seed: u64, r: u32, council: &str) -> i64 {
    if r == 0 || sigma == 0 {
        return i64::from(MILLION);
    }
    let z = normal_millionths(seed, r, council);
    exp_millionths(div_round(i128::from(sigma) * i128::from(z), 1_000_000) as i64)
}

/// Perturbs the take-up of every council in `behaviour` that `sigmas` lists, for replicate `r`
/// of a run with `seed`: each cap × [`take_up_factor`], rounded to millionths and clamped to
/// [0, 1]. The half-values, the worth of a status and reconsidering stay as fitted. Councils
/// not listed (and `default_take_up`, everyone applying) are left alone.
pub fn perturb(behaviour: &mut Behaviour, sigmas: &BTreeMap<String, u32>, seed: u64, r: u32) {
    for (slug, take_up) in &mut behaviour.take_up {
        let Some(&sigma) = sigmas.get(slug) else {
            continue;
        };
        let factor = take_up_factor(sigma, seed, r, slug) as u128;
        for cap in &mut take_up.cap {
            let scaled = (u128::from(*cap) * factor + 500_000) / 1_000_000;
            *cap = scaled.min(u128::from(MILLION)) as u32;
        }
    }
}

/// The seed of replicate `r`'s population and annual draws: `seed + r`, wrapping.
pub fn replicate_seed(seed: u64, r: u32) -> u64 {
    seed.wrapping_add(u64::from(r))
}

/// Replicate `r` of a run of generated households: the population of `replicate_seed`, the
/// behaviour the profiles give with that seed, perturbed by `sigmas` ([`perturb`]).
/// Replicate 0 is exactly `generate(profiles, year, seed)` and `Behaviour::from_profiles`.
pub fn replicate(
    profiles: &[&Profile],
    year: i32,
    seed: u64,
    r: u32,
    sigmas: &BTreeMap<String, u32>,
) -> (Population, Behaviour) {
    let s = replicate_seed(seed, r);
    let population = generate(profiles, year, s);
    let mut behaviour = Behaviour::from_profiles(profiles, year, s);
    perturb(&mut behaviour, sigmas, seed, r);
    (population, behaviour)
}

/// Runs `each(r)` for every replicate in `replicates`, in parallel on the current rayon pool in
/// waves of as many replicates as it has threads (so that no more populations than threads are
/// alive at once), and returns the results in replicate order. An error is the first in
/// replicate order, whatever the thread count.
pub fn run_replicates<T: Send, E: Send>(
    replicates: Range<u32>,
    each: impl Fn(u32) -> Result<T, E> + Sync,
) -> Result<Vec<T>, E> {
    let wave = rayon::current_num_threads().max(1) as u32;
    let mut out = Vec::with_capacity(replicates.len());
    let mut start = replicates.start;
    while start < replicates.end {
        let end = start.saturating_add(wave).min(replicates.end);
        let results: Vec<Result<T, E>> = (start..end).into_par_iter().map(&each).collect();
        for r in results {
            out.push(r?);
        }
        start = end;
    }
    Ok(out)
}

/// The rank (1-based) of the `percent`-th percentile of `n` values by nearest rank:
/// ⌈percent · n / 100⌉, at least 1.
pub fn nearest_rank(n: usize, percent: u32) -> usize {
    (percent as usize * n).div_ceil(100).clamp(1, n.max(1))
}

/// One figure's band: p5, p50 and p95 over the replicates, and replicate 0's value (the run
/// without bands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub low: i64,
    pub middle: i64,
    pub high: i64,
    pub point: i64,
}

impl Band {
    /// The band of `values`, replicate 0 first (not empty).
    pub fn of(values: &[i64]) -> Band {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let at = |p: u32| sorted[nearest_rank(sorted.len(), p) - 1];
        Band {
            low: at(PERCENTILES[0]),
            middle: at(PERCENTILES[1]),
            high: at(PERCENTILES[2]),
            point: values[0],
        }
    }
}

/// A municipality's (or the total's) bands, one per measure ([`Measures`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandRow {
    pub municipality: String,
    pub bands: Vec<Band>,
}

/// Every figure's band, per municipality and in total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bands {
    pub measures: Arc<Measures>,
    /// Municipalities in slug order (every one that any replicate has).
    pub rows: Vec<BandRow>,
    pub total: BandRow,
    /// How many replicates the bands are over.
    pub replicates: usize,
}

impl Bands {
    /// The bands over the summaries of replicates 0, 1, … (not empty, one schema). A
    /// municipality that a replicate has no households of counts as zero there.
    pub fn of(summaries: &[Summary]) -> Bands {
        let first = &summaries[0];
        let measures = first.measures().clone();
        let names: BTreeSet<&str> = summaries
            .iter()
            .flat_map(|s| s.rows.iter().map(|r| r.municipality.as_str()))
            .collect();
        let zero = |name: &str| Row::zero(&measures, name);
        let band_row = |name: &str, pick: &dyn Fn(&Summary) -> Option<&Row>| {
            let rows: Vec<Row> = summaries
                .iter()
                .map(|s| pick(s).cloned().unwrap_or_else(|| zero(name)))
                .collect();
            BandRow {
                municipality: name.to_string(),
                bands: (0..measures.len())
                    .map(|k| Band::of(&rows.iter().map(|r| r.values[k]).collect::<Vec<_>>()))
                    .collect(),
            }
        };
        Bands {
            rows: names
                .iter()
                .map(|&name| band_row(name, &|s| s.row(name)))
                .collect(),
            total: band_row(&first.total.municipality, &|s| Some(&s.total)),
            measures,
            replicates: summaries.len(),
        }
    }

    /// The municipality rows, then the total.
    pub fn all_rows(&self) -> impl Iterator<Item = &BandRow> {
        self.rows.iter().chain([&self.total])
    }

    /// The row of a municipality.
    pub fn row(&self, municipality: &str) -> Option<&BandRow> {
        self.rows.iter().find(|r| r.municipality == municipality)
    }

    /// A measure's band in a row, by its column name.
    pub fn get(&self, row: &BandRow, name: &str) -> Option<Band> {
        let k = self.measures.names.iter().position(|n| n == name)?;
        Some(row.bands[k])
    }
}

/// Each replicate's `reform − baseline`, row by row (municipalities in both, by name; a
/// municipality on one side only counts as zero on the other), checked.
pub fn differences(baselines: &[Summary], reforms: &[Summary]) -> Result<Vec<Summary>, TotalError> {
    baselines
        .iter()
        .zip(reforms)
        .map(|(b, r)| {
            let measures = r.measures();
            let names: BTreeSet<&str> = b
                .rows
                .iter()
                .chain(&r.rows)
                .map(|row| row.municipality.as_str())
                .collect();
            let rows = names
                .iter()
                .map(|&name| {
                    let zero = Row::zero(measures, name);
                    r.row(name)
                        .unwrap_or(&zero)
                        .minus(b.row(name).unwrap_or(&zero))
                })
                .collect::<Result<Vec<Row>, TotalError>>()?;
            Ok(Summary {
                schema: r.schema.clone(),
                rows,
                total: r.total.minus(&b.total)?,
            })
        })
        .collect()
}

/// A uniform draw in `0..MILLION` for the assumption `name` in replicate `r` of a run with
/// `seed`: the hook for the assumptions of future years (a growth rate with a default and a
/// `band = [lo, hi]`). Map it into the band with [`assumption_value`].
pub fn assumption_draw(seed: u64, r: u32, name: &str) -> u32 {
    draw::millionths_of(
        seed,
        Purpose::Assumption,
        &[u64::from(r), fnv1a64(name.as_bytes())],
    )
}

/// The value of assumption `name` in replicate `r`: `default` in replicate 0, else
/// `lo + (hi − lo) · u / 10⁶` with `u` = [`assumption_draw`] (uniform over the band, in
/// `Decimal`, exact).
pub fn assumption_value(
    default: Decimal,
    band: [Decimal; 2],
    seed: u64,
    r: u32,
    name: &str,
) -> Decimal {
    if r == 0 {
        return default;
    }
    let u = Decimal::from(assumption_draw(seed, r, name)) / Decimal::from(MILLION);
    band[0] + (band[1] - band[0]) * u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_exact_to_the_millionth() {
        // exp(0) = 1; exp(1) = 2.718 281 83; exp(−1) = 0.367 879 44; exp(0.5) = 1.648 721 27;
        // exp(12) = 162 754.791 419 0; exp(−12) = 0.000 006 14.
        assert_eq!(exp_millionths(0), 1_000_000);
        assert_eq!(exp_millionths(1_000_000), 2_718_282);
        assert_eq!(exp_millionths(-1_000_000), 367_879);
        assert_eq!(exp_millionths(500_000), 1_648_721);
        assert_eq!(exp_millionths(12_000_000), 162_754_791_419);
        assert_eq!(exp_millionths(-12_000_000), 6);
        assert_eq!(exp_millionths(99_000_000), exp_millionths(12_000_000));
    }

    #[test]
    fn the_normal_has_mean_zero_and_variance_one() {
        let n = 20_000;
        let z: Vec<i64> = (0..n)
            .map(|r| normal_millionths(1, r, "tukuma-novads"))
            .collect();
        let mean = z.iter().sum::<i64>() / i64::from(n);
        let var = z.iter().map(|&v| (v as i128).pow(2)).sum::<i128>() / i128::from(n);
        assert!(mean.abs() < 30_000, "{mean}");
        assert!((940_000_000_000..1_060_000_000_000).contains(&var), "{var}");
        // About 5 % beyond +1.645 and 5 % below −1.645.
        let above = z.iter().filter(|&&v| v > 1_645_000).count();
        assert!((800..1_200).contains(&above), "{above}");
        assert!(z.iter().all(|v| v.abs() <= 6_000_000));
    }
}
