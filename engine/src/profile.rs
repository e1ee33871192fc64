//! Population profiles: what a synthetic population of one municipality looks like, as layered
//! TOML data files that a non-programmer can read and edit (`populations/profiles/`).
//!
//! A municipality's profile is up to five layers, each a TOML file; a later layer wins:
//!
//! 1. `latvia.toml` — every number, for Latvia as a whole, each with its source;
//! 2. `regions/<region>.toml` — the planning region's changes (`riga`, `vidzeme`, `kurzeme`,
//!    `zemgale`, `latgale`, from the municipality's `region`);
//! 3. `areas/<area>.toml` — optional, if the municipality names an `area` (`pieriga`);
//! 4. `municipalities/<slug>.toml` — the municipality: name, code, population, its own changes;
//! 5. `calibrated/<slug>.toml` — optional, written by `slieksnis calibrate`: take-up, the
//!    low-income tail, housing costs, churn, pensions, employment and health costs fitted to
//!    the council's reported caseload
//!    (`calibrated = true`).
//!
//! A municipality without a layer 5 gets what calibration learned nationally instead:
//! `calibrated/latvia.toml` ([`NATIONAL_FIT`], written by `slieksnis calibrate --municipality
//! all`) holds [`Factors`] on those same values, fitted so that all of Latvia reproduces the
//! national caseload. They scale each council's own values, so the differences between councils
//! that come from statistics stay. Such a profile is still uncalibrated (`calibrated = false`):
//! nothing of its own council's caseload went into it; [`Profile::national_fit`] says the
//! factors were applied (the layer is among its `files`).
//!
//! Merging is by name: a table written in a later layer replaces only the entries it names, so a
//! region can change `wages.level` and keep the rest. A table keyed by numbers (percentile points
//! `{ 0 = …, 50 = … }`, age bands `{ "18-24" = … }`, years `{ 2024 = … }`) and a list (household
//! types) are replaced whole: mixing two sets of points would make a distribution neither layer
//! wrote.
//!
//! Every layer is checked on its own first (TOML syntax, unknown or mistyped fields: the error
//! names the file, line and column), then the merged profile (missing fields, a share outside
//! 0–1, shares that do not add up to 1, …: the error names the field and the file that set it).
//! Nothing here panics on bad input.
//!
//! The shipped profiles are embedded at compile time (`build.rs`), so [`Profiles::builtin`] needs
//! no files. A user's profiles are given as texts ([`Profiles::add_file`]): the engine does no I/O,
//! the caller reads the directory. A user's file replaces the shipped file of the same path.
//!
//! Mergers: a municipality with `status = "merged"`, `valid_to` and `merged_into` keeps its
//! profile, but from the year that contains the day after `valid_to` on, its households belong to
//! the council it merged into ([`Profile::council`]): Varakļāni (until 30.6.2025) is counted under
//! `madonas-novads` from 2025 on, so a run for any month of 2025 or later sees one council, and
//! Varakļāni's people are the same people in 2024 and 2025.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::fixed::CENT;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/builtin_profiles.rs"));
}

/// The national layer's path.
pub const NATIONAL: &str = "latvia.toml";
/// The national calibration's path: [`Factors`] for every municipality without its own fit.
pub const NATIONAL_FIT: &str = "calibrated/latvia.toml";
/// Largest household size a profile can describe.
pub const MAX_SIZE: usize = 8;
/// Names of the size shares in `[household_sizes]`, for 1 … [`MAX_SIZE`] persons.
pub const SIZE_NAMES: [&str; MAX_SIZE] = [
    "one_person",
    "two_persons",
    "three_persons",
    "four_persons",
    "five_persons",
    "six_persons",
    "seven_persons",
    "eight_persons",
];
/// The planning regions (2024 on) and their file names under `regions/`.
pub const REGIONS: [(&str, &str); 5] = [
    ("Rīga", "riga"),
    ("Vidzeme", "vidzeme"),
    ("Kurzeme", "kurzeme"),
    ("Zemgale", "zemgale"),
    ("Latgale", "latgale"),
];

/// Shares that should add up to 1 may be off by this much (profiles write three or four
/// decimals); the generator then uses them rescaled to add up to exactly 1.
pub const SUM_TOLERANCE: f64 = 0.001;

/// A problem with a profile, naming the file (path inside the profiles directory), and where
/// known the line and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ProfileError {
    pub file: String,
    /// 1-based line, for syntax and type errors.
    pub line: Option<usize>,
    /// Dotted path of the field (`household_sizes.one_person`).
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

// ---------------------------------------------------------------------------------------------
// One layer as written: every field optional, unknown fields refused.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    about: Option<String>,
    name: Option<String>,
    slug: Option<String>,
    atvk: Option<String>,
    region: Option<String>,
    area: Option<String>,
    status: Option<String>,
    valid_to: Option<toml::value::Datetime>,
    merged_into: Option<String>,
    population: Option<u64>,
    population_date: Option<toml::value::Datetime>,
    median_age: Option<f64>,
    calibrated: Option<bool>,
    household_sizes: Option<BTreeMap<String, f64>>,
    household_types: Option<Vec<TypeLayer>>,
    ages: Option<AgesLayer>,
    disability: Option<DisabilityLayer>,
    employment: Option<EmploymentLayer>,
    wages: Option<WagesLayer>,
    pensions: Option<PensionsLayer>,
    benefits: Option<BenefitsLayer>,
    low_income_tail: Option<TailLayer>,
    savings: Option<SavingsLayer>,
    vehicles: Option<VehiclesLayer>,
    events: Option<EventsLayer>,
    health_costs: Option<HealthCostsLayer>,
    housing_costs: Option<HousingLayer>,
    by_year: Option<ByYearLayer>,
    take_up: Option<TakeUpLayer>,
    income_changes: Option<IncomeChangesLayer>,
    reference: Option<ReferenceLayer>,
    fit: Option<FitLayer>,
}

/// A calibration layer's record of what it found: the factors on the statistics-only profile
/// (read by the national calibration to learn how councils differ).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FitLayer {
    factors: Factors,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TakeUpLayer {
    cap: Option<BTreeMap<String, f64>>,
    half_eur: Option<BTreeMap<String, f64>>,
    status_value_eur: Option<BTreeMap<String, f64>>,
    reconsider_per_month: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncomeChangesLayer {
    job_loss_per_month: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeLayer {
    name: String,
    children: u8,
    adults: u8,
    aged_65_plus: u8,
    weight: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgesLayer {
    share_0_14: Option<f64>,
    share_15_64: Option<f64>,
    share_65_plus: Option<f64>,
    teenagers_per_child_under_15: Option<f64>,
    births_by_year: Option<BTreeMap<String, f64>>,
    adults: Option<BTreeMap<String, f64>>,
    aged_65_plus: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisabilityLayer {
    by_age: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmploymentLayer {
    by_age: Option<BTreeMap<String, f64>>,
    disabled_factor: Option<f64>,
    level: Option<f64>,
    part_time_share: Option<f64>,
    part_time_min: Option<f64>,
    part_time_max: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WagesLayer {
    percentiles: Option<BTreeMap<String, f64>>,
    level: Option<f64>,
    by_age: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PensionsLayer {
    percentiles: Option<BTreeMap<String, f64>>,
    level: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BenefitsLayer {
    disability_pension_level: Option<f64>,
    unemployment_benefit_ratio: Option<f64>,
    parental_leave_share: Option<f64>,
    parental_benefit_ratio: Option<f64>,
    parental_benefit_minimum: Option<f64>,
    maintenance_share: Option<f64>,
    maintenance_per_child: Option<f64>,
    other_income_percentiles: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TailLayer {
    nva_registered_share: Option<f64>,
    unemployment_benefit_share: Option<f64>,
    zero_income_share: Option<f64>,
    savings_near_zero: Option<BTreeMap<String, f64>>,
    savings_near_zero_factor_65_plus: Option<f64>,
    near_zero_savings_max: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavingsLayer {
    percentiles: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VehiclesLayer {
    owns_car: Option<BTreeMap<String, f64>>,
    second_car_share: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsLayer {
    crisis_per_year: Option<f64>,
    other_expenses_per_year: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HealthCostsLayer {
    any_by_age: Option<BTreeMap<String, f64>>,
    percentiles: Option<BTreeMap<String, f64>>,
    level: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HousingLayer {
    extra_person: Option<f64>,
    percentiles: Option<BTreeMap<String, f64>>,
    level: Option<f64>,
    by_month: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ByYearLayer {
    minimum_wage: Option<SeriesLayer>,
    minimum_wage_net: Option<SeriesLayer>,
    median_net_wage: Option<SeriesLayer>,
    average_net_wage: Option<SeriesLayer>,
    average_old_age_pension: Option<SeriesLayer>,
    housing_costs_one_person: Option<SeriesLayer>,
    pension_age: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesLayer {
    known: Option<BTreeMap<String, f64>>,
    growth: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferenceLayer {
    poverty_rate: Option<f64>,
    disposable_income_per_member: Option<f64>,
    registered_unemployment_pct: Option<f64>,
}

// ---------------------------------------------------------------------------------------------
// The resolved profile.

/// Whether a local government still exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    /// Merged into another ([`Profile::merged_into`]) after [`Profile::valid_to`].
    Merged,
}

/// One kind of household: who lives in it, and how common it is.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdType {
    pub name: String,
    /// Persons aged 0–17.
    pub children: u8,
    /// Persons aged 18–64.
    pub adults: u8,
    /// Persons aged 65 or more.
    pub aged_65_plus: u8,
    /// The weight as written, among households of the same size.
    pub weight: f64,
    /// Share of all households after the lean towards the age shares (see [`Profile`]).
    pub share: f64,
}

impl HouseholdType {
    pub fn size(&self) -> usize {
        self.children as usize + self.adults as usize + self.aged_65_plus as usize
    }
}

/// A value for each band of ages, `from..=to`.
#[derive(Debug, Clone, PartialEq)]
pub struct AgeBands(pub Vec<(u8, u8, f64)>);

impl AgeBands {
    /// The value of the band that contains `age` (0 outside every band).
    pub fn at(&self, age: i64) -> f64 {
        self.0
            .iter()
            .find(|&&(from, to, _)| (from as i64..=to as i64).contains(&age))
            .map_or(0.0, |b| b.2)
    }
}

/// A distribution given by percentile points: `(share, value)` with shares from 0 to 1 and
/// values non-decreasing. Drawing is by inverse transform with straight lines between points.
#[derive(Debug, Clone, PartialEq)]
pub struct Percentiles(pub Vec<(f64, f64)>);

impl Percentiles {
    /// The value at `u` in [0, 1]: the inverse of the distribution function, straight between
    /// points. Only `+ − × ÷`, so the same on every machine.
    pub fn at(&self, u: f64) -> f64 {
        let p = &self.0;
        let mut i = 1;
        while i < p.len() - 1 && u >= p[i].0 {
            i += 1;
        }
        let (p0, x0) = p[i - 1];
        let (p1, x1) = p[i];
        if p1 <= p0 {
            return x1;
        }
        x0 + (x1 - x0) * ((u - p0) / (p1 - p0)).clamp(0.0, 1.0)
    }

    /// The mean of the distribution.
    pub fn mean(&self) -> f64 {
        self.0
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
            .sum()
    }

    /// The share of the distribution at or below `x`.
    pub fn share_below(&self, x: f64) -> f64 {
        let p = &self.0;
        if x < p[0].1 {
            return 0.0;
        }
        for w in p.windows(2) {
            let ((p0, x0), (p1, x1)) = (w[0], w[1]);
            if x < x1 {
                return p0 + (p1 - p0) * (x - x0) / (x1 - x0);
            }
        }
        1.0
    }
}

/// A value for each band of counted income per equivalent person, against the year's net
/// minimum wage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncomeBands {
    pub below_half_minimum_wage: f64,
    pub below_minimum_wage: f64,
    pub below_twice_minimum_wage: f64,
    pub above: f64,
}

impl IncomeBands {
    /// The value for an equivalised income that is `ratio` times the net minimum wage.
    pub fn at(&self, ratio: f64) -> f64 {
        if ratio < 0.5 {
            self.below_half_minimum_wage
        } else if ratio < 1.0 {
            self.below_minimum_wage
        } else if ratio < 2.0 {
            self.below_twice_minimum_wage
        } else {
            self.above
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ages {
    pub share_0_14: f64,
    pub share_15_64: f64,
    pub share_65_plus: f64,
    pub teenagers_per_child_under_15: f64,
    /// Live births in Latvia by year: how large each cohort of children under 15 is against the
    /// others (empty: every age alike).
    pub births_by_year: BTreeMap<i32, f64>,
    /// Ages 18–64 of adults in households without children; shares add up to 1.
    pub adults: AgeBands,
    /// Ages 65+; shares add up to 1.
    pub aged_65_plus: AgeBands,
}

impl Ages {
    /// How children under 15 spread over ages 0–14 in `year`, as cumulative shares: each age by
    /// the births of its cohort (`year − age`; a year without a figure takes the nearest
    /// year's), every age alike without a series.
    pub fn under_15_cumulative(&self, year: i32) -> [f64; 15] {
        let births = |y: i32| nearest(&self.births_by_year, y).unwrap_or(1.0);
        let w: Vec<f64> = (0..15).map(|a| births(year - a)).collect();
        let total: f64 = w.iter().sum();
        let mut acc = 0.0;
        let mut out = [1.0; 15];
        for (o, v) in out.iter_mut().zip(&w) {
            acc += v / total;
            *o = acc;
        }
        out[14] = 1.0;
        out
    }

    /// Target share of persons aged 0–17.
    pub fn share_children(&self) -> f64 {
        self.share_0_14 * (1.0 + self.teenagers_per_child_under_15)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Employment {
    pub by_age: AgeBands,
    pub disabled_factor: f64,
    pub level: f64,
    pub part_time_share: f64,
    pub part_time_min: f64,
    pub part_time_max: f64,
}

/// A distribution of amounts as multiples of a yearly figure, and a regional level.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaled {
    pub percentiles: Percentiles,
    pub level: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Wages {
    /// Multiples of the median net wage.
    pub percentiles: Percentiles,
    pub level: f64,
    /// Factor by the worker's age, 18–120.
    pub by_age: AgeBands,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Benefits {
    pub disability_pension_level: f64,
    pub unemployment_benefit_ratio: f64,
    pub parental_leave_share: f64,
    pub parental_benefit_ratio: f64,
    /// EUR per month.
    pub parental_benefit_minimum: f64,
    /// Share of single parents who receive maintenance for their children.
    pub maintenance_share: f64,
    /// Maintenance per child, as a share of the gross minimum wage.
    pub maintenance_per_child: f64,
    /// Multiples of the net minimum wage.
    pub other_income_percentiles: Percentiles,
}

/// The parameters of the low-income tail: the ones a calibration step adjusts.
#[derive(Debug, Clone, PartialEq)]
pub struct LowIncomeTail {
    pub nva_registered_share: f64,
    pub unemployment_benefit_share: f64,
    pub zero_income_share: f64,
    pub savings_near_zero: IncomeBands,
    pub savings_near_zero_factor_65_plus: f64,
    /// EUR.
    pub near_zero_savings_max: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vehicles {
    pub owns_car: IncomeBands,
    pub second_car_share: f64,
}

/// Events a household meets during a year, which some council benefits answer (the optional
/// household columns `crisis` and `other_expenses`).
#[derive(Debug, Clone, PartialEq)]
pub struct Events {
    /// Share of households that meet a crisis (fire, flood, …) in a year.
    pub crisis_per_year: f64,
    /// Share of households with another recognised expense (a social-rehabilitation goal,
    /// housing debt) in a year.
    pub other_expenses_per_year: f64,
}

/// A person's out-of-pocket health costs of the year that a council's health-care benefit could
/// reimburse (medicines, patient co-payments, dental care, glasses): the optional person column
/// `health_costs`.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthCosts {
    /// Share of persons with any such cost in a year, by age.
    pub any_by_age: AgeBands,
    /// The year's costs in EUR of a person who has any.
    pub percentiles: Percentiles,
    /// Every amount is multiplied by this (what calibration may fit).
    pub level: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HousingCosts {
    pub extra_person: f64,
    pub percentiles: Percentiles,
    pub level: f64,
    /// Each month's costs as a multiple of the yearly average (heating), January first;
    /// they average 1.
    pub by_month: [f64; 12],
}

/// A yearly series: known values, and growth rates to work out the other years.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub known: BTreeMap<i32, f64>,
    pub growth: BTreeMap<i32, f64>,
}

impl Series {
    /// The value in `year`: known; else worked forward from the last known year before it, or
    /// back from the first known year after it, with the growth rates of the years between;
    /// else the value of the nearest year that can be worked out. `None` only if nothing is
    /// known.
    pub fn value(&self, year: i32) -> Option<f64> {
        if let Some(v) = self.direct(year) {
            return Some(v);
        }
        (1..=400).find_map(|d| self.direct(year - d).or_else(|| self.direct(year + d)))
    }

    fn direct(&self, year: i32) -> Option<f64> {
        if let Some(&v) = self.known.get(&year) {
            return Some(v);
        }
        let forward = self.known.range(..year).next_back().and_then(|(&k, &v)| {
            (k + 1..=year).try_fold(v, |acc, y| self.growth.get(&y).map(|g| acc * (1.0 + g)))
        });
        forward.or_else(|| {
            self.known.range(year + 1..).next().and_then(|(&k, &v)| {
                (year + 1..=k)
                    .rev()
                    .try_fold(v, |acc, y| self.growth.get(&y).map(|g| acc / (1.0 + g)))
            })
        })
    }
}

/// One number per take-up household type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TakeUpRates {
    pub pensioners: f64,
    pub with_children: f64,
    pub other: f64,
}

/// Who applies to the social service: `cap × V / (V + half_eur)` of the households that would
/// get `V` EUR a month's worth (see `annual`).
#[derive(Debug, Clone, PartialEq)]
pub struct TakeUp {
    /// The share that apply when what they would get is large (0–1), by household type.
    pub cap: TakeUpRates,
    /// The monthly value (EUR) at which half of `cap` apply, by household type.
    pub half_eur: TakeUpRates,
    /// What holding a status is worth a month beyond cash (EUR), by status id.
    pub status_value_eur: BTreeMap<String, f64>,
    /// The share of households that reconsider in a month whether to apply (0–0.5): how
    /// households come and go during a year.
    pub reconsider_per_month: f64,
}

/// Figures to check a generated population against (not used to generate).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Reference {
    pub poverty_rate: Option<f64>,
    pub disposable_income_per_member: Option<f64>,
    /// Registered unemployment (NVA), % of the economically active: the covariate by which the
    /// national calibration predicts how a council without a report differs
    /// ([`NationalLayer::for_council`]).
    pub registered_unemployment_pct: Option<f64>,
}

/// The money of one year, in fixed units (whole cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearFigures {
    pub year: i32,
    /// Gross.
    pub minimum_wage: i64,
    pub minimum_wage_net: i64,
    pub median_net_wage: i64,
    pub average_net_wage: i64,
    pub average_old_age_pension: i64,
    /// Median for one person, before the regional level.
    pub housing_costs_one_person: i64,
    /// Pension age in whole months (65 years = 780).
    pub pension_age_months: u32,
}

/// The resolved profile of one municipality: all layers merged and checked.
///
/// Household types: the weights as written are leaned, all sizes alike, by a factor `a` per
/// child and `b` per person aged 65+ (`weight × aᶜʰⁱˡᵈʳᵉⁿ × bᵃᵍᵉᵈ⁶⁵⁺`, within each size), with
/// `a` and `b` chosen so that the expected shares of persons aged 0–17 and 65+ equal the age
/// shares. The result is [`HouseholdType::share`]. A profile whose sizes and types cannot reach
/// its age shares is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub slug: String,
    pub name: String,
    /// CSP territorial code, `LV` + 7 digits.
    pub atvk: String,
    pub region: String,
    pub area: Option<String>,
    pub status: Status,
    /// Last day of existence (`YYYY-MM-DD`) of a merged municipality.
    pub valid_to: Option<String>,
    pub merged_into: Option<String>,
    pub population: u64,
    pub population_date: String,
    pub median_age: Option<f64>,
    /// Fitted to the council's own reported caseload (a `calibrated/<slug>.toml` layer).
    pub calibrated: bool,
    /// The factors on the statistics-only profile that the council's own fit found (its
    /// layer's `[fit]`), if it has one.
    pub fit_factors: Option<Factors>,
    /// The layers, national first.
    pub files: Vec<String>,
    /// Shares of households of 1 … 8 persons, adding up to exactly 1.
    pub household_sizes: [f64; MAX_SIZE],
    pub household_types: Vec<HouseholdType>,
    pub ages: Ages,
    pub disability: AgeBands,
    pub employment: Employment,
    pub wages: Wages,
    pub pensions: Scaled,
    pub benefits: Benefits,
    pub low_income_tail: LowIncomeTail,
    /// EUR, for households with savings.
    pub savings: Percentiles,
    pub vehicles: Vehicles,
    pub events: Events,
    pub health_costs: HealthCosts,
    pub housing_costs: HousingCosts,
    pub minimum_wage: Series,
    pub minimum_wage_net: Series,
    pub median_net_wage: Series,
    pub average_net_wage: Series,
    pub average_old_age_pension: Series,
    pub housing_costs_one_person: Series,
    /// Pension age in years by year.
    pub pension_age: BTreeMap<i32, f64>,
    pub take_up: TakeUp,
    pub income_changes: IncomeChanges,
    pub reference: Reference,
}

/// Income changes during a year (annual projections).
#[derive(Debug, Clone, PartialEq)]
pub struct IncomeChanges {
    /// Share of working-age people in work who lose their job in a month.
    pub job_loss_per_month: f64,
}

impl Profile {
    /// Not fitted to its own caseload, but scaled by the national calibration's factors
    /// ([`NATIONAL_FIT`] is among its layers).
    pub fn national_fit(&self) -> bool {
        self.files.iter().any(|f| f == NATIONAL_FIT)
    }

    /// The money of `year`, rounded half away from zero to cents. Years outside the series take
    /// the nearest year's figures.
    pub fn year(&self, year: i32) -> YearFigures {
        // Every series was checked to have a known value, so `value` always answers.
        let cents = |s: &Series| {
            s.value(year)
                .map_or(0, |v| (v * 100.0).round() as i64 * CENT)
        };
        let pension_age = nearest(&self.pension_age, year).unwrap_or(65.0);
        YearFigures {
            year,
            minimum_wage: cents(&self.minimum_wage),
            minimum_wage_net: cents(&self.minimum_wage_net),
            median_net_wage: cents(&self.median_net_wage),
            average_net_wage: cents(&self.average_net_wage),
            average_old_age_pension: cents(&self.average_old_age_pension),
            housing_costs_one_person: cents(&self.housing_costs_one_person),
            pension_age_months: (pension_age * 12.0).round() as u32,
        }
    }

    /// This profile aged to `through` by the assumptions: for each projected year up to it
    /// (`date::PROJECTED_YEARS`) that a series has no figure or growth rate of its own for, the
    /// series grows by its assumption — the gross and net minimum wage by `minimum_wage_growth`,
    /// the median and average net wage by `wage_growth`, the average old-age pension by
    /// `pension_growth`, housing costs by `housing_cost_growth` — instead of carrying the last
    /// year's money on. People, households and behaviour are unchanged. The series are the
    /// generator's statistics (floating point, rounded to cents by [`Profile::year`]).
    pub fn aged(&self, through: i32, assumptions: &crate::assumptions::Assumptions) -> Profile {
        use crate::assumptions as a;
        use rust_decimal::prelude::ToPrimitive;
        let mut out = self.clone();
        let first = *crate::date::PROJECTED_YEARS.start();
        let last = through.min(*crate::date::PROJECTED_YEARS.end());
        let rate = |name: &str| assumptions.value(name).to_f64().unwrap_or(0.0);
        let grown: [(&mut Series, f64); 6] = [
            (&mut out.minimum_wage, rate(a::MINIMUM_WAGE_GROWTH)),
            (&mut out.minimum_wage_net, rate(a::MINIMUM_WAGE_GROWTH)),
            (&mut out.median_net_wage, rate(a::WAGE_GROWTH)),
            (&mut out.average_net_wage, rate(a::WAGE_GROWTH)),
            (&mut out.average_old_age_pension, rate(a::PENSION_GROWTH)),
            (
                &mut out.housing_costs_one_person,
                rate(a::HOUSING_COST_GROWTH),
            ),
        ];
        for (series, g) in grown {
            for year in first..=last {
                if !series.known.contains_key(&year) && !series.growth.contains_key(&year) {
                    series.growth.insert(year, g);
                }
            }
        }
        out
    }

    /// The year the children's cohorts are counted back from: the year before the population's
    /// date (a population of 1 January 2026 has the babies born in 2025). Every year's
    /// projection has the same people (only money moves with the year), so their ages, and the
    /// births among them, are those of this year.
    pub fn cohort_year(&self) -> i32 {
        self.population_date
            .get(..4)
            .and_then(|y| y.parse::<i32>().ok())
            .map_or(2025, |y| y - 1)
    }

    /// The year from which the municipality's households belong to the council it merged into:
    /// the year of the day after `valid_to`.
    pub fn merger_year(&self) -> Option<i32> {
        let valid_to = self.valid_to.as_deref()?;
        let year: i32 = valid_to.get(..4)?.parse().ok()?;
        Some(if valid_to.ends_with("-12-31") {
            year + 1
        } else {
            year
        })
    }

    /// The council whose rules apply to this municipality's households in `year`: itself, or
    /// from the merger year on the council it merged into.
    pub fn council(&self, year: i32) -> &str {
        match (&self.merged_into, self.merger_year()) {
            (Some(into), Some(from)) if year >= from => into,
            _ => &self.slug,
        }
    }

    /// Average household size implied by the size shares.
    pub fn mean_household_size(&self) -> f64 {
        (0..MAX_SIZE)
            .map(|i| self.household_sizes[i] * (i + 1) as f64)
            .sum()
    }
}

fn nearest(map: &BTreeMap<i32, f64>, year: i32) -> Option<f64> {
    let below = map.range(..=year).next_back();
    let above = map.range(year..).next();
    match (below, above) {
        (Some((&y0, &v0)), Some((&y1, &v1))) => Some(if year - y0 <= y1 - year { v0 } else { v1 }),
        (Some((_, &v)), None) | (None, Some((_, &v))) => Some(v),
        (None, None) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Factors: what calibration adjusts.

/// Factors on a profile's own values (1 = unchanged): what calibration adjusts, and what the
/// national calibration layer ([`NATIONAL_FIT`]) holds. Shares stay within 0–1 and levels within
/// the bounds in [`Factors::apply`], whatever the factor.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Factors {
    /// The most that apply (the cap of take-up), every household type alike.
    pub take_up_cap: f64,
    /// The monthly value at which half the cap apply: how much what a household would get
    /// matters.
    pub take_up_half: f64,
    /// What holding needy and low-income status is worth beyond cash.
    pub status_value_needy: f64,
    pub status_value_low_income: f64,
    /// The shares with next to no savings in the three lowest income bands.
    pub savings_near_zero_below_half_minimum_wage: f64,
    pub savings_near_zero_below_minimum_wage: f64,
    pub savings_near_zero_below_twice_minimum_wage: f64,
    /// The share of working-age adults with no counted income.
    pub zero_income_share: f64,
    /// The level of housing costs (0.4–1.5 of the profile's).
    pub housing_costs_level: f64,
    /// How much more often households of 65+ have next to no savings.
    pub savings_near_zero_factor_65_plus: f64,
    /// The monthly rate of job loss (churn during the year).
    pub job_loss_per_month: f64,
    /// The level of old-age pensions (0.8–1.2 of the profile's).
    pub pensions_level: f64,
    /// The winter/summer contrast of housing costs about their yearly average.
    pub housing_costs_winter_contrast: f64,
    /// The level of employment (0.5–1.2 of the profile's): how many working-age adults have
    /// no work, the pool of the GMI.
    pub employment_level: f64,
    /// The cap of take-up of households with children and of pensioners' households, on top of
    /// `take_up_cap`: who applies, and so how many persons a household that applies has.
    pub take_up_cap_with_children: f64,
    pub take_up_cap_pensioners: f64,
    /// The level of the health costs a council's health-care benefit reimburses (0.1–5 of the
    /// profile's).
    pub health_costs_level: f64,
    /// How often households reconsider whether to apply (0.02–10 of the profile's rate): how
    /// many come and go during a year.
    pub take_up_reconsider: f64,
    /// How far old-age pensions below the median lie from it (0.2–1.5 of the profile's
    /// spread): how many pensioners live below the needy threshold rather than between it and
    /// the low-income one. The sourced table is of pensions alone; a pensioner's counted
    /// income can include a survivor's supplement, a second pension or some work.
    pub pensions_low_tail: f64,
}

impl Default for Factors {
    fn default() -> Factors {
        Factors::from_array([1.0; Factors::COUNT])
    }
}

impl Factors {
    pub const COUNT: usize = 19;
    /// The names, in the order of [`Factors::to_array`], as the national layer writes them.
    pub const NAMES: [&str; Factors::COUNT] = [
        "take_up_cap",
        "take_up_half",
        "status_value_needy",
        "status_value_low_income",
        "savings_near_zero_below_half_minimum_wage",
        "savings_near_zero_below_minimum_wage",
        "savings_near_zero_below_twice_minimum_wage",
        "zero_income_share",
        "housing_costs_level",
        "savings_near_zero_factor_65_plus",
        "job_loss_per_month",
        "pensions_level",
        "housing_costs_winter_contrast",
        "employment_level",
        "take_up_cap_with_children",
        "take_up_cap_pensioners",
        "health_costs_level",
        "take_up_reconsider",
        "pensions_low_tail",
    ];

    pub fn from_array(f: [f64; Factors::COUNT]) -> Factors {
        Factors {
            take_up_cap: f[0],
            take_up_half: f[1],
            status_value_needy: f[2],
            status_value_low_income: f[3],
            savings_near_zero_below_half_minimum_wage: f[4],
            savings_near_zero_below_minimum_wage: f[5],
            savings_near_zero_below_twice_minimum_wage: f[6],
            zero_income_share: f[7],
            housing_costs_level: f[8],
            savings_near_zero_factor_65_plus: f[9],
            job_loss_per_month: f[10],
            pensions_level: f[11],
            housing_costs_winter_contrast: f[12],
            employment_level: f[13],
            take_up_cap_with_children: f[14],
            take_up_cap_pensioners: f[15],
            health_costs_level: f[16],
            take_up_reconsider: f[17],
            pensions_low_tail: f[18],
        }
    }

    pub fn to_array(&self) -> [f64; Factors::COUNT] {
        [
            self.take_up_cap,
            self.take_up_half,
            self.status_value_needy,
            self.status_value_low_income,
            self.savings_near_zero_below_half_minimum_wage,
            self.savings_near_zero_below_minimum_wage,
            self.savings_near_zero_below_twice_minimum_wage,
            self.zero_income_share,
            self.housing_costs_level,
            self.savings_near_zero_factor_65_plus,
            self.job_loss_per_month,
            self.pensions_level,
            self.housing_costs_winter_contrast,
            self.employment_level,
            self.take_up_cap_with_children,
            self.take_up_cap_pensioners,
            self.health_costs_level,
            self.take_up_reconsider,
            self.pensions_low_tail,
        ]
    }

    /// The factors within the range in which [`Factors::apply`] lets each act (a level beyond
    /// its bound moves nothing), each rounded to six decimals: what a fit records, so that fits
    /// can be compared.
    pub fn effective(&self) -> Factors {
        let mut f = self.to_array().map(|v| v.clamp(0.02, 60.0));
        f[8] = f[8].clamp(0.4, 1.5);
        f[11] = f[11].clamp(0.8, 1.2);
        f[12] = f[12].min(2.5);
        f[13] = f[13].clamp(0.5, 1.2);
        f[16] = f[16].clamp(0.1, 5.0);
        f[17] = f[17].min(10.0);
        f[18] = f[18].clamp(0.2, 1.5);
        Factors::from_array(f.map(round6))
    }

    /// `profile` with its values scaled, each rounded to six decimals (what a calibration
    /// layer writes, so the profile read back is the one fitted). `calibrated` and `files` are
    /// left as they are: the caller says which fit this is.
    pub fn apply(&self, profile: &Profile) -> Profile {
        let mut p = profile.clone();
        let share = |v: &mut f64, f: f64| *v = round6((*v * f).clamp(0.0, 1.0));
        let t = &mut p.take_up;
        share(
            &mut t.cap.pensioners,
            self.take_up_cap * self.take_up_cap_pensioners,
        );
        share(
            &mut t.cap.with_children,
            self.take_up_cap * self.take_up_cap_with_children,
        );
        share(&mut t.cap.other, self.take_up_cap);
        t.reconsider_per_month =
            round6((t.reconsider_per_month * self.take_up_reconsider.min(10.0)).clamp(0.0, 0.5));
        for v in [
            &mut t.half_eur.pensioners,
            &mut t.half_eur.with_children,
            &mut t.half_eur.other,
        ] {
            *v = round6((*v * self.take_up_half).clamp(0.0, 10_000.0));
        }
        for (status, f) in [
            ("needy", self.status_value_needy),
            ("low_income", self.status_value_low_income),
        ] {
            if let Some(v) = t.status_value_eur.get_mut(status) {
                *v = round6((*v * f).clamp(0.0, 10_000.0));
            }
        }
        // Needy status gives every advantage low-income status does, and more (no health-care
        // co-payments): it is worth at least as much, whatever the factors.
        let low = t.status_value_eur.get("low_income").copied();
        if let (Some(low), Some(needy)) = (low, t.status_value_eur.get_mut("needy")) {
            *needy = needy.max(low);
        }
        let bands = &mut p.low_income_tail.savings_near_zero;
        share(
            &mut bands.below_half_minimum_wage,
            self.savings_near_zero_below_half_minimum_wage,
        );
        share(
            &mut bands.below_minimum_wage,
            self.savings_near_zero_below_minimum_wage,
        );
        share(
            &mut bands.below_twice_minimum_wage,
            self.savings_near_zero_below_twice_minimum_wage,
        );
        share(
            &mut p.low_income_tail.zero_income_share,
            self.zero_income_share,
        );
        let level = &mut p.housing_costs.level;
        *level = round6((*level * self.housing_costs_level.clamp(0.4, 1.5)).clamp(0.01, 5.0));
        let older = &mut p.low_income_tail.savings_near_zero_factor_65_plus;
        *older = round6((*older * self.savings_near_zero_factor_65_plus).clamp(0.1, 10.0));
        let churn = &mut p.income_changes.job_loss_per_month;
        *churn = round6((*churn * self.job_loss_per_month).clamp(0.0, 0.05));
        let health = &mut p.health_costs.level;
        *health = round6((*health * self.health_costs_level.clamp(0.1, 5.0)).clamp(0.0, 10.0));
        let work = &mut p.employment.level;
        *work = round6((*work * self.employment_level.clamp(0.5, 1.2)).clamp(0.01, 2.0));
        let pensions = &mut p.pensions.level;
        *pensions = round6((*pensions * self.pensions_level.clamp(0.8, 1.2)).clamp(0.01, 5.0));
        // The lower half of the pension table drawn towards (or away from) its median; the
        // generator rescales the table to the year's average pension.
        let tail = self.pensions_low_tail.clamp(0.2, 1.5);
        let table = &mut p.pensions.percentiles.0;
        let median = Percentiles(table.clone()).at(0.5);
        for (_, v) in table.iter_mut() {
            if *v < median {
                *v = round6((median - (median - *v) * tail).max(0.0));
            }
        }
        // The winter/summer contrast, scaled about the yearly average (which stays 1); no month
        // below a twentieth of the average.
        let months = &mut p.housing_costs.by_month;
        let lowest = months.iter().copied().fold(f64::MAX, f64::min);
        let most = if lowest < 1.0 {
            0.95 / (1.0 - lowest)
        } else {
            1.0
        };
        let contrast = self.housing_costs_winter_contrast.min(2.5).min(most);
        for f in months.iter_mut() {
            *f = round6(1.0 + (*f - 1.0) * contrast);
        }
        p
    }
}

/// Six decimals: what calibration layers write.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The national calibration layer as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NationalFitFile {
    #[allow(dead_code)]
    about: Option<String>,
    factors: Factors,
    unemployment: Option<UnemploymentFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnemploymentFile {
    national_pct: f64,
    elasticity: BTreeMap<String, f64>,
}

/// The national calibration ([`NATIONAL_FIT`]): the factors every council without a fit of its
/// own takes, and how they lean with the council's registered unemployment.
///
/// A council's factor `k` is `factors.k × (u / national_pct)^elasticity.k`, where `u` is the
/// council's `reference.registered_unemployment_pct` (its region's, unless the council's own
/// is known). The elasticities are learned from the councils that have fits of their own: how
/// far each fit moved from the national factors, against how far the council's unemployment is
/// from the national rate (`slieksnis calibrate --municipality all`).
#[derive(Debug, Clone, PartialEq)]
pub struct NationalLayer {
    pub factors: Factors,
    /// The national registered-unemployment rate the elasticities are relative to, and the
    /// elasticity of each factor (0 where none was learned), in the order of [`Factors::NAMES`].
    pub unemployment: Option<(f64, [f64; Factors::COUNT])>,
}

impl NationalLayer {
    /// The factors for `profile` (a council without its own fit): the national ones, leaned by
    /// its unemployment (unchanged without a rate or without elasticities).
    pub fn for_council(&self, profile: &Profile) -> Factors {
        match (
            &self.unemployment,
            profile.reference.registered_unemployment_pct,
        ) {
            (Some((national, elasticity)), Some(u)) => {
                let x = (u / national).ln();
                let mut f = self.factors.to_array();
                for (v, e) in f.iter_mut().zip(elasticity) {
                    *v = round6(*v * (e * x).exp());
                }
                Factors::from_array(f)
            }
            _ => self.factors,
        }
    }
}

/// Parses and checks [`NATIONAL_FIT`]: every factor a positive number, elasticities of known
/// factors within ±5.
fn parse_national_fit(text: &str) -> Result<NationalLayer, ProfileError> {
    let fail = |line: Option<usize>, field: Option<String>, message: String| ProfileError {
        file: NATIONAL_FIT.to_string(),
        line,
        field,
        message,
    };
    let layer: NationalFitFile = toml::from_str(text).map_err(|e| {
        let line = crate::toml_place::place(text, &e).map(|p| p.line);
        fail(line, None, e.message().trim().to_string())
    })?;
    let f = layer.factors;
    for (name, v) in Factors::NAMES.iter().zip(f.to_array()) {
        if !(v.is_finite() && v > 0.0 && v <= 100.0) {
            return Err(fail(
                None,
                Some(format!("factors.{name}")),
                format!("{v} is not a factor: a number above 0 and at most 100"),
            ));
        }
    }
    let unemployment = match layer.unemployment {
        None => None,
        Some(u) => {
            if !(u.national_pct.is_finite() && u.national_pct > 0.0 && u.national_pct <= 100.0) {
                return Err(fail(
                    None,
                    Some("unemployment.national_pct".into()),
                    format!(
                        "{} is not a rate in % (above 0, at most 100)",
                        u.national_pct
                    ),
                ));
            }
            let mut e = [0.0; Factors::COUNT];
            for (name, v) in &u.elasticity {
                let Some(k) = Factors::NAMES.iter().position(|n| n == name) else {
                    return Err(fail(
                        None,
                        Some(format!("unemployment.elasticity.{name}")),
                        format!("not a factor (one of {})", Factors::NAMES.join(", ")),
                    ));
                };
                if !(v.is_finite() && v.abs() <= 5.0) {
                    return Err(fail(
                        None,
                        Some(format!("unemployment.elasticity.{name}")),
                        format!("{v} is not an elasticity between -5 and 5"),
                    ));
                }
                e[k] = *v;
            }
            Some((u.national_pct, e))
        }
    };
    Ok(NationalLayer {
        factors: f,
        unemployment,
    })
}

// ---------------------------------------------------------------------------------------------
// The set of profile files.

/// The profile files: the shipped ones ([`Profiles::builtin`]) and any the user adds.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    /// Path inside the profiles directory → text.
    files: BTreeMap<String, String>,
}

impl Profiles {
    /// The profiles shipped in `populations/profiles/`, embedded at compile time.
    pub fn builtin() -> Profiles {
        Profiles {
            files: embedded::FILES
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        }
    }

    /// No files (add them with [`Profiles::add_file`]).
    pub fn new() -> Profiles {
        Profiles::default()
    }

    /// Adds a file, or replaces the file of the same path. `path` is relative to the profiles
    /// directory: `latvia.toml`, `regions/<name>.toml`, `areas/<name>.toml`,
    /// `municipalities/<slug>.toml`, `calibrated/<slug>.toml` or `calibrated/latvia.toml`
    /// (`\` is read as `/`). Other paths are refused.
    pub fn add_file(&mut self, path: &str, text: impl Into<String>) -> Result<(), ProfileError> {
        let path = path.replace('\\', "/");
        let path = path.trim_start_matches("./").to_string();
        let ok = path == NATIONAL
            || ["regions/", "areas/", "municipalities/", "calibrated/"]
                .iter()
                .any(|dir| {
                    path.strip_prefix(dir).is_some_and(|rest| {
                        rest.len() > ".toml".len() && rest.ends_with(".toml") && !rest.contains('/')
                    })
                });
        if !ok {
            return Err(ProfileError {
                file: path,
                line: None,
                field: None,
                message: "not a profile file: expected latvia.toml, regions/<name>.toml, \
                          areas/<name>.toml, municipalities/<slug>.toml, calibrated/<slug>.toml \
                          or calibrated/latvia.toml"
                    .into(),
            });
        }
        self.files.insert(path, text.into());
        Ok(())
    }

    /// The profile of `slug` from statistics alone, without its own calibration layer and
    /// without the national one: what calibration starts from, so that a fit does not drift on
    /// an earlier fit.
    pub fn uncalibrated(&self, slug: &str) -> Result<Profile, ProfileError> {
        let mut without = self.clone();
        without.files.remove(&format!("calibrated/{slug}.toml"));
        without.files.remove(NATIONAL_FIT);
        without.get(slug)
    }

    /// These files without the national calibration layer: what the national calibration
    /// starts from (councils with their own fit keep it).
    pub fn without_national_fit(&self) -> Profiles {
        let mut without = self.clone();
        without.files.remove(NATIONAL_FIT);
        without
    }

    /// The national calibration, if there is one.
    pub fn national_fit(&self) -> Result<Option<NationalLayer>, ProfileError> {
        self.files
            .get(NATIONAL_FIT)
            .map(|text| parse_national_fit(text))
            .transpose()
    }

    /// Whether `slug` has a calibration layer of its own.
    /// These profiles without the calibration layer of `slug`: the council then takes the
    /// national factors, as a council without a report does (a leave-one-council-out check).
    pub fn without_own_fit(&self, slug: &str) -> Profiles {
        let mut without = self.clone();
        without.files.remove(&format!("calibrated/{slug}.toml"));
        without
    }

    pub fn has_own_fit(&self, slug: &str) -> bool {
        self.files.contains_key(&format!("calibrated/{slug}.toml"))
    }

    /// The files, by path.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, t)| (p.as_str(), t.as_str()))
    }

    /// The slugs of the municipalities that have a profile, sorted.
    pub fn slugs(&self) -> Vec<String> {
        self.files
            .keys()
            .filter_map(|p| p.strip_prefix("municipalities/")?.strip_suffix(".toml"))
            .map(str::to_string)
            .collect()
    }

    /// The merged and checked profile of one municipality.
    pub fn get(&self, slug: &str) -> Result<Profile, ProfileError> {
        self.get_with(slug, &mut Cache::new())
    }

    /// A shared layer (national, region, area), parsed and checked once per cache.
    fn shared(
        &self,
        path: &str,
        own: &str,
        cache: &mut Cache,
    ) -> Result<toml::Table, ProfileError> {
        if let Some(done) = cache.get(path) {
            return done.clone();
        }
        let parsed = match self.files.get(path) {
            None => Err(ProfileError {
                file: path.to_string(),
                line: None,
                field: None,
                message: format!("missing: {own} needs this file"),
            }),
            Some(text) => parse_layer(path, text).and_then(|(layer, table)| {
                check_shared_layer(path, &layer)?;
                Ok(table)
            }),
        };
        cache.insert(path.to_string(), parsed.clone());
        parsed
    }

    fn get_with(&self, slug: &str, cache: &mut Cache) -> Result<Profile, ProfileError> {
        let own = format!("municipalities/{slug}.toml");
        let Some(text) = self.files.get(&own) else {
            let slugs = self.slugs();
            let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
            return Err(ProfileError {
                file: own,
                line: None,
                field: None,
                message: format!(
                    "no such profile: {}",
                    crate::population::unknown_municipality(slug, &known)
                ),
            });
        };
        let (own_layer, own_table) = parse_layer(&own, text)?;
        let err = |field: &str, message: String| ProfileError {
            file: own.clone(),
            line: None,
            field: Some(field.into()),
            message,
        };
        let region = own_layer
            .region
            .as_deref()
            .ok_or_else(|| err("region", "missing: name the planning region".into()))?;
        let region_file = REGIONS
            .iter()
            .find(|r| r.0 == region)
            .map(|r| format!("regions/{}.toml", r.1))
            .ok_or_else(|| {
                err(
                    "region",
                    format!(
                        "'{region}' is not a planning region (one of {})",
                        REGIONS.map(|r| r.0).join(", ")
                    ),
                )
            })?;
        let mut paths = vec![NATIONAL.to_string(), region_file];
        if let Some(area) = &own_layer.area {
            paths.push(format!("areas/{area}.toml"));
        }
        let mut tables = Vec::new();
        for path in &paths {
            tables.push(self.shared(path, &own, cache)?);
        }
        paths.push(own.clone());
        tables.push(own_table);
        // A calibration's layer: the fitted parameters only.
        let fitted = format!("calibrated/{slug}.toml");
        let own_fit = self.files.get(&fitted);
        if let Some(text) = own_fit {
            let (layer, table) = parse_layer(&fitted, text)?;
            check_calibrated_layer(&fitted, &layer, &table)?;
            paths.push(fitted);
            tables.push(table);
        }
        let national_fit = match (own_fit, self.files.get(NATIONAL_FIT)) {
            (None, Some(text)) => Some(parse_national_fit(text)?),
            _ => None,
        };
        let mut merged = Merged {
            files: paths,
            table: toml::Table::new(),
            origin: BTreeMap::new(),
        };
        for (i, table) in tables.iter().enumerate() {
            merge(&mut merged.table, table, "", i, &mut merged.origin);
        }
        let layer: Layer = toml::Value::Table(merged.table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| ProfileError {
                file: own.clone(),
                line: None,
                field: None,
                message: format!("the merged profile: {}", e.message().trim()),
            })?;
        let profile = resolve(slug, layer, &merged, &self.slugs())?;
        Ok(match national_fit {
            Some(national) => {
                let mut p = national.for_council(&profile).apply(&profile);
                p.files.push(NATIONAL_FIT.to_string());
                p
            }
            None => profile,
        })
    }

    /// Every municipality's profile, sorted by slug (the first error if any).
    pub fn all(&self) -> Result<Vec<Profile>, ProfileError> {
        let mut cache = Cache::new();
        self.slugs()
            .iter()
            .map(|s| self.get_with(s, &mut cache))
            .collect()
    }

    /// The profile of `slug` and those merged into it (whose own file names `slug` in
    /// `merged_into`), sorted by slug: every profile whose households can belong to council
    /// `slug` in some year ([`Profile::council`]). Only those are resolved — `merged_into` is
    /// read without resolving the rest, and resolving all 43 was most of a council's run.
    pub fn with_merged(&self, slug: &str) -> Result<Vec<Profile>, ProfileError> {
        let mut cache = Cache::new();
        let mut out = Vec::new();
        for other in self.slugs() {
            let candidate = other == slug || {
                let own = format!("municipalities/{other}.toml");
                let text = self.files.get(&own).map_or("", String::as_str);
                // A file that does not parse is resolved, so that its error is the one a
                // resolution gives.
                parse_layer(&own, text).map_or(true, |(layer, _)| {
                    layer.merged_into.as_deref() == Some(slug)
                })
            };
            if candidate {
                out.push(self.get_with(&other, &mut cache)?);
            }
        }
        Ok(out)
    }

    /// Every problem of every profile, for a report (empty when all are well).
    pub fn check(&self) -> Vec<ProfileError> {
        let mut out: Vec<ProfileError> = Vec::new();
        let mut cache = Cache::new();
        for slug in self.slugs() {
            if let Err(e) = self.get_with(&slug, &mut cache)
                && !out.contains(&e)
            {
                out.push(e);
            }
        }
        out
    }

    /// The councils in force in `year`, sorted: every municipality, with merged ones counted
    /// under the council they merged into from their merger year on.
    pub fn councils(&self, year: i32) -> Result<Vec<String>, ProfileError> {
        let mut out: Vec<String> = self
            .all()?
            .iter()
            .map(|p| p.council(year).to_string())
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// Shared layers already parsed: path → table or error.
type Cache = std::collections::HashMap<String, Result<toml::Table, ProfileError>>;

/// The merged tables and which layer set each leaf.
struct Merged {
    files: Vec<String>,
    table: toml::Table,
    /// Dotted path of each leaf (a value, a list, or a table keyed by numbers) → layer index.
    origin: BTreeMap<String, usize>,
}

impl Merged {
    /// The file that set `path`, or the last layer that set anything under it, or that set the
    /// nearest table above it.
    fn file(&self, path: &str) -> String {
        let index = self.origin.get(path).copied().or_else(|| {
            let prefix = format!("{path}.");
            self.origin
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(_, &i)| i)
                .max()
        });
        let index = index.or_else(|| {
            let mut p = path;
            while let Some((parent, _)) = p.rsplit_once('.') {
                if let Some(&i) = self.origin.get(parent) {
                    return Some(i);
                }
                p = parent;
            }
            None
        });
        self.files[index.unwrap_or(0)].clone()
    }
}

/// A table whose keys are numbers or ranges (percentiles, age bands, years) is a leaf: it is
/// replaced whole by a later layer.
fn is_point_table(t: &toml::Table) -> bool {
    !t.is_empty()
        && t.keys()
            .all(|k| k.starts_with(|c: char| c.is_ascii_digit()))
}

fn merge(
    base: &mut toml::Table,
    over: &toml::Table,
    path: &str,
    layer: usize,
    origin: &mut BTreeMap<String, usize>,
) {
    for (key, value) in over {
        let p = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o))
                if !is_point_table(o) && !is_point_table(b) =>
            {
                merge(b, o, &p, layer, origin);
            }
            _ => {
                // Replaced whole: forget what earlier layers set below this path.
                let prefix = format!("{p}.");
                origin.retain(|k, _| !k.starts_with(&prefix));
                record(value, &p, layer, origin);
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

fn record(value: &toml::Value, path: &str, layer: usize, origin: &mut BTreeMap<String, usize>) {
    match value {
        toml::Value::Table(t) if !is_point_table(t) => {
            for (k, v) in t {
                record(v, &format!("{path}.{k}"), layer, origin);
            }
        }
        _ => {
            origin.insert(path.to_string(), layer);
        }
    }
}

/// Parses one file: syntax, unknown fields and types, with the line of the problem.
fn parse_layer(path: &str, text: &str) -> Result<(Layer, toml::Table), ProfileError> {
    let located = |e: toml::de::Error| {
        let line = crate::toml_place::place(text, &e).map(|p| p.line);
        ProfileError {
            file: path.to_string(),
            line,
            field: None,
            message: e.message().trim().to_string(),
        }
    };
    let layer: Layer = toml::from_str(text).map_err(located)?;
    let table: toml::Table = text.parse().map_err(located)?;
    Ok((layer, table))
}

/// A calibration changes take-up, the low-income tail, housing costs, churn, pensions,
/// employment and health costs, nothing else.
fn check_calibrated_layer(
    path: &str,
    layer: &Layer,
    table: &toml::Table,
) -> Result<(), ProfileError> {
    const ALLOWED: [&str; 10] = [
        "about",
        "calibrated",
        "fit",
        "employment",
        "health_costs",
        "take_up",
        "low_income_tail",
        "housing_costs",
        "income_changes",
        "pensions",
    ];
    if let Some(key) = table.keys().find(|k| !ALLOWED.contains(&k.as_str())) {
        return Err(ProfileError {
            file: path.to_string(),
            line: None,
            field: Some(key.clone()),
            message: format!("a calibration layer sets only {}", ALLOWED[1..].join(", ")),
        });
    }
    if layer.calibrated != Some(true) {
        return Err(ProfileError {
            file: path.to_string(),
            line: None,
            field: Some("calibrated".into()),
            message: "a calibration layer says calibrated = true".into(),
        });
    }
    Ok(())
}

/// National, region and area layers describe many municipalities: they cannot name one.
fn check_shared_layer(path: &str, layer: &Layer) -> Result<(), ProfileError> {
    let own = [
        ("name", layer.name.is_some()),
        ("slug", layer.slug.is_some()),
        ("atvk", layer.atvk.is_some()),
        ("region", layer.region.is_some()),
        ("area", layer.area.is_some()),
        ("status", layer.status.is_some()),
        ("valid_to", layer.valid_to.is_some()),
        ("merged_into", layer.merged_into.is_some()),
        ("population", layer.population.is_some()),
        ("population_date", layer.population_date.is_some()),
        ("median_age", layer.median_age.is_some()),
        ("calibrated", layer.calibrated.is_some()),
    ];
    match own.iter().find(|f| f.1) {
        Some((field, _)) => Err(ProfileError {
            file: path.to_string(),
            line: None,
            field: Some(field.to_string()),
            message: "belongs in a municipality's own file, not in a shared layer".into(),
        }),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Checking the merged layer and building the profile.

struct Checker<'a> {
    merged: &'a Merged,
}

impl Checker<'_> {
    fn fail(&self, field: &str, message: impl Into<String>) -> ProfileError {
        ProfileError {
            file: self.merged.file(field),
            line: None,
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    fn need<T>(&self, field: &str, value: Option<T>) -> Result<T, ProfileError> {
        value.ok_or_else(|| ProfileError {
            file: self.merged.files.last().cloned().unwrap_or_default(),
            line: None,
            field: Some(field.to_string()),
            message: format!(
                "missing: give it in {NATIONAL} (or in a region, area or municipality file)"
            ),
        })
    }

    fn range(&self, field: &str, v: Option<f64>, lo: f64, hi: f64) -> Result<f64, ProfileError> {
        let v = self.need(field, v)?;
        if !v.is_finite() || v < lo || v > hi {
            let what = if (lo, hi) == (0.0, 1.0) {
                "is not a share (a number from 0 to 1)".to_string()
            } else {
                format!("is outside {lo}–{hi}")
            };
            return Err(self.fail(field, format!("{v} {what}")));
        }
        Ok(v)
    }

    fn share(&self, field: &str, v: Option<f64>) -> Result<f64, ProfileError> {
        self.range(field, v, 0.0, 1.0)
    }

    fn sums_to_one(&self, field: &str, values: &[(String, f64)]) -> Result<(), ProfileError> {
        let sum: f64 = values.iter().map(|v| v.1).sum();
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            let names: Vec<&str> = values.iter().map(|v| v.0.as_str()).collect();
            return Err(self.fail(
                field,
                format!(
                    "the shares ({}) add up to {}, not 1",
                    names.join(", "),
                    trim_float(sum)
                ),
            ));
        }
        Ok(())
    }

    fn text(&self, field: &str, v: Option<String>) -> Result<String, ProfileError> {
        let v = self.need(field, v)?;
        if v.trim().is_empty() {
            return Err(self.fail(field, "is empty"));
        }
        Ok(v)
    }

    /// An age-band table: keys `from-to`, contiguous, covering `first..=last` exactly (or
    /// starting at `first` and ending anywhere up to `last` if `open_end`); values shares (0–1),
    /// or factors from 0 to `max` if `max` is above 1.
    fn bands(
        &self,
        field: &str,
        map: Option<BTreeMap<String, f64>>,
        (first, last): (u8, u8),
        open_end: bool,
        max: f64,
    ) -> Result<AgeBands, ProfileError> {
        let map = self.need(field, map)?;
        let mut bands = Vec::new();
        for (key, &value) in &map {
            let parsed = key.split_once('-').and_then(|(a, b)| {
                Some((a.trim().parse::<u8>().ok()?, b.trim().parse::<u8>().ok()?))
            });
            let Some((from, to)) = parsed.filter(|(a, b)| a <= b) else {
                return Err(self.fail(
                    &format!("{field}.{key}"),
                    "is not an age band: write it as \"from-to\", e.g. \"18-24\"",
                ));
            };
            if !value.is_finite() || !(0.0..=max).contains(&value) {
                let what = if max == 1.0 {
                    "is not a share (a number from 0 to 1)".to_string()
                } else {
                    format!("is outside 0–{max}")
                };
                return Err(self.fail(&format!("{field}.{key}"), format!("{value} {what}")));
            }
            bands.push((from, to, value));
        }
        bands.sort_by_key(|b| b.0);
        let mut next = first;
        for &(from, to, _) in &bands {
            if from != next {
                return Err(self.fail(
                    field,
                    format!(
                        "the age bands must follow each other without gaps or overlaps from {first}: \
                         expected a band starting at {next}, found {from}-{to}"
                    ),
                ));
            }
            next = to.saturating_add(1);
        }
        let end = next.saturating_sub(1);
        if bands.is_empty() || (if open_end { end > last } else { end != last }) {
            return Err(self.fail(
                field,
                format!("the age bands must cover the ages {first} to {last}, they end at {end}"),
            ));
        }
        Ok(AgeBands(bands))
    }

    fn percentiles(
        &self,
        field: &str,
        map: Option<BTreeMap<String, f64>>,
    ) -> Result<Percentiles, ProfileError> {
        let map = self.need(field, map)?;
        let mut points = Vec::new();
        for (key, &value) in &map {
            let Some(p) = key
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|p| (0.0..=100.0).contains(p))
            else {
                return Err(self.fail(
                    &format!("{field}.{key}"),
                    "is not a percentile: keys are numbers from 0 to 100",
                ));
            };
            if !value.is_finite() || value < 0.0 {
                return Err(self.fail(
                    &format!("{field}.{key}"),
                    format!("{value} is not a non-negative number"),
                ));
            }
            points.push((p / 100.0, value));
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        if points.first().map(|p| p.0) != Some(0.0) || points.last().map(|p| p.0) != Some(1.0) {
            return Err(self.fail(
                field,
                "give the points 0 (the lowest value) and 100 (the highest value)",
            ));
        }
        if let Some(w) = points.windows(2).find(|w| w[1].1 < w[0].1) {
            return Err(self.fail(
                field,
                format!(
                    "values must not go down: {} at percentile {} is below {} at percentile {}",
                    trim_float(w[1].1),
                    trim_float(w[1].0 * 100.0),
                    trim_float(w[0].1),
                    trim_float(w[0].0 * 100.0)
                ),
            ));
        }
        Ok(Percentiles(points))
    }

    fn income_bands(
        &self,
        field: &str,
        map: Option<BTreeMap<String, f64>>,
    ) -> Result<IncomeBands, ProfileError> {
        let map = self.need(field, map)?;
        const NAMES: [&str; 4] = [
            "below_half_minimum_wage",
            "below_minimum_wage",
            "below_twice_minimum_wage",
            "above",
        ];
        if let Some(k) = map.keys().find(|k| !NAMES.contains(&k.as_str())) {
            return Err(self.fail(
                &format!("{field}.{k}"),
                format!("unknown band (the bands are {})", NAMES.join(", ")),
            ));
        }
        let get = |name: &str| self.share(&format!("{field}.{name}"), map.get(name).copied());
        Ok(IncomeBands {
            below_half_minimum_wage: get(NAMES[0])?,
            below_minimum_wage: get(NAMES[1])?,
            below_twice_minimum_wage: get(NAMES[2])?,
            above: get(NAMES[3])?,
        })
    }

    fn series(&self, field: &str, s: Option<SeriesLayer>) -> Result<Series, ProfileError> {
        let s = self.need(field, s)?;
        let known = self.years(&format!("{field}.known"), s.known, 0.0, 1e9)?;
        if known.is_empty() {
            return Err(self.fail(&format!("{field}.known"), "give at least one year's value"));
        }
        let growth = match s.growth {
            Some(g) => self.years(&format!("{field}.growth"), Some(g), -0.99, 10.0)?,
            None => BTreeMap::new(),
        };
        Ok(Series { known, growth })
    }

    fn years(
        &self,
        field: &str,
        map: Option<BTreeMap<String, f64>>,
        lo: f64,
        hi: f64,
    ) -> Result<BTreeMap<i32, f64>, ProfileError> {
        let map = self.need(field, map)?;
        let mut out = BTreeMap::new();
        for (key, &value) in &map {
            let f = format!("{field}.{key}");
            let Some(year) = key
                .parse::<i32>()
                .ok()
                .filter(|y| (1990..=2100).contains(y))
            else {
                return Err(self.fail(&f, "is not a year (1990–2100)"));
            };
            out.insert(year, self.range(&f, Some(value), lo, hi)?);
        }
        Ok(out)
    }

    /// A number per take-up household type, each within `lo..=hi`.
    fn by_type(
        &self,
        field: &str,
        map: Option<BTreeMap<String, f64>>,
        lo: f64,
        hi: f64,
    ) -> Result<TakeUpRates, ProfileError> {
        let rates = self.need(field, map)?;
        if let Some(k) = rates
            .keys()
            .find(|k| !["pensioners", "with_children", "other"].contains(&k.as_str()))
        {
            return Err(self.fail(
                &format!("{field}.{k}"),
                "unknown household type (pensioners, with_children, other)",
            ));
        }
        let get = |k: &str| self.range(&format!("{field}.{k}"), rates.get(k).copied(), lo, hi);
        Ok(TakeUpRates {
            pensioners: get("pensioners")?,
            with_children: get("with_children")?,
            other: get("other")?,
        })
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn is_date(d: &toml::value::Datetime) -> bool {
    d.date.is_some() && d.time.is_none() && d.offset.is_none()
}

fn resolve(
    slug: &str,
    layer: Layer,
    merged: &Merged,
    known_slugs: &[String],
) -> Result<Profile, ProfileError> {
    let c = Checker { merged };
    let _ = layer.about;

    // Identity.
    let own_slug = c.text("slug", layer.slug)?;
    if own_slug != slug {
        return Err(c.fail(
            "slug",
            format!("'{own_slug}' does not match the file name ({slug}.toml)"),
        ));
    }
    let name = c.text("name", layer.name)?;
    let atvk = c.text("atvk", layer.atvk)?;
    if !(atvk.len() == 9 && atvk.starts_with("LV") && atvk[2..].bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(c.fail(
            "atvk",
            format!("'{atvk}' is not a CSP territorial code (LV and 7 digits)"),
        ));
    }
    let region = c.text("region", layer.region)?;
    let population = c.need("population", layer.population)?;
    // Ids leave room for 10 000 000 persons per municipality (see `generate`).
    if population == 0 || population > 9_000_000 {
        return Err(c.fail("population", format!("{population} is outside 1–9 000 000")));
    }
    let population_date = c.need("population_date", layer.population_date)?;
    if !is_date(&population_date) {
        return Err(c.fail("population_date", "is not a date (YYYY-MM-DD)"));
    }
    let median_age = match layer.median_age {
        Some(v) => Some(c.range("median_age", Some(v), 0.0, 120.0)?),
        None => None,
    };
    let calibrated = c.need("calibrated", layer.calibrated)?;
    let status = match c.text("status", layer.status)?.as_str() {
        "active" => Status::Active,
        "merged" => Status::Merged,
        other => {
            return Err(c.fail(
                "status",
                format!("'{other}' is neither \"active\" nor \"merged\""),
            ));
        }
    };
    let valid_to = match layer.valid_to {
        Some(d) if is_date(&d) => Some(d.to_string()),
        Some(_) => return Err(c.fail("valid_to", "is not a date (YYYY-MM-DD)")),
        None => None,
    };
    let merged_into = layer.merged_into;
    match (status, &valid_to, &merged_into) {
        (Status::Merged, Some(_), Some(into)) => {
            if into == slug || !known_slugs.contains(into) {
                return Err(c.fail(
                    "merged_into",
                    format!("'{into}' is not another municipality with a profile"),
                ));
            }
        }
        (Status::Merged, _, _) => {
            return Err(c.fail(
                "status",
                "a merged municipality needs valid_to (its last day) and merged_into (a slug)",
            ));
        }
        (Status::Active, None, None) => {}
        (Status::Active, _, _) => {
            return Err(c.fail(
                "status",
                "valid_to and merged_into are only for status = \"merged\"",
            ));
        }
    }

    // Households.
    let sizes_map = c.need("household_sizes", layer.household_sizes)?;
    if let Some(k) = sizes_map.keys().find(|k| !SIZE_NAMES.contains(&k.as_str())) {
        return Err(c.fail(
            &format!("household_sizes.{k}"),
            format!("unknown size (the sizes are {})", SIZE_NAMES.join(", ")),
        ));
    }
    let mut sizes = [0.0; MAX_SIZE];
    let mut named = Vec::new();
    for (i, key) in SIZE_NAMES.iter().enumerate() {
        let f = format!("household_sizes.{key}");
        sizes[i] = c.share(&f, sizes_map.get(*key).copied())?;
        named.push((key.to_string(), sizes[i]));
    }
    c.sums_to_one("household_sizes", &named)?;
    let total: f64 = sizes.iter().sum();
    sizes.iter_mut().for_each(|s| *s /= total);

    let types_in = c.need("household_types", layer.household_types)?;
    if types_in.len() > 255 {
        return Err(c.fail(
            "household_types",
            format!("{} types; at most 255", types_in.len()),
        ));
    }
    let mut types = Vec::new();
    for (i, t) in types_in.into_iter().enumerate() {
        let f = format!("household_types[{}] ({})", i + 1, t.name);
        let size = t.children as usize + t.adults as usize + t.aged_65_plus as usize;
        if !(1..=MAX_SIZE).contains(&size) {
            return Err(c.fail(
                "household_types",
                format!("{f}: {size} persons; a household has 1 to {MAX_SIZE}"),
            ));
        }
        if !t.weight.is_finite() || t.weight < 0.0 {
            return Err(c.fail(
                "household_types",
                format!("{f}: weight {} is negative", t.weight),
            ));
        }
        if t.children > 0 && t.adults + t.aged_65_plus == 0 {
            return Err(c.fail(
                "household_types",
                format!("{f}: children need an adult in the household"),
            ));
        }
        types.push(HouseholdType {
            name: t.name,
            children: t.children,
            adults: t.adults,
            aged_65_plus: t.aged_65_plus,
            weight: t.weight,
            share: 0.0,
        });
    }
    for (i, key) in SIZE_NAMES.iter().enumerate() {
        if sizes[i] > 0.0 && !types.iter().any(|t| t.size() == i + 1 && t.weight > 0.0) {
            return Err(c.fail(
                "household_types",
                format!(
                    "household_sizes.{key} is {} but no household type of {} persons has a weight",
                    sizes[i],
                    i + 1
                ),
            ));
        }
    }

    // Ages.
    let a = c.need("ages", layer.ages)?;
    let ages = Ages {
        share_0_14: c.share("ages.share_0_14", a.share_0_14)?,
        share_15_64: c.share("ages.share_15_64", a.share_15_64)?,
        share_65_plus: c.share("ages.share_65_plus", a.share_65_plus)?,
        teenagers_per_child_under_15: c.range(
            "ages.teenagers_per_child_under_15",
            a.teenagers_per_child_under_15,
            0.0,
            1.0,
        )?,
        births_by_year: match a.births_by_year {
            None => BTreeMap::new(),
            Some(m) => {
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    let field = format!("ages.births_by_year.{k}");
                    let year: i32 = k
                        .parse()
                        .ok()
                        .filter(|y| (1900..=2100).contains(y))
                        .ok_or_else(|| c.fail(&field, "not a year (1900–2100)"))?;
                    out.insert(year, c.range(&field, Some(v), 1.0, 1e7)?);
                }
                out
            }
        },
        adults: c.bands("ages.adults", a.adults, (18, 64), false, 1.0)?,
        aged_65_plus: c.bands("ages.aged_65_plus", a.aged_65_plus, (65, 120), true, 1.0)?,
    };
    c.sums_to_one(
        "ages",
        &[
            ("share_0_14".into(), ages.share_0_14),
            ("share_15_64".into(), ages.share_15_64),
            ("share_65_plus".into(), ages.share_65_plus),
        ],
    )?;
    for (f, b) in [
        ("ages.adults", &ages.adults),
        ("ages.aged_65_plus", &ages.aged_65_plus),
    ] {
        let named: Vec<(String, f64)> =
            b.0.iter()
                .map(|&(from, to, v)| (format!("{from}-{to}"), v))
                .collect();
        c.sums_to_one(f, &named)?;
    }
    if ages.share_children() >= 1.0 - ages.share_65_plus {
        return Err(c.fail(
            "ages.teenagers_per_child_under_15",
            "leaves no adults aged 18–64",
        ));
    }
    lean(&c, &sizes, &mut types, &ages)?;

    let disability = c.bands(
        "disability.by_age",
        layer.disability.and_then(|d| d.by_age),
        (0, 120),
        false,
        1.0,
    )?;

    let e = c.need("employment", layer.employment)?;
    let employment = Employment {
        by_age: c.bands("employment.by_age", e.by_age, (18, 120), false, 1.0)?,
        disabled_factor: c.share("employment.disabled_factor", e.disabled_factor)?,
        level: c.range("employment.level", e.level, 0.0, 3.0)?,
        part_time_share: c.share("employment.part_time_share", e.part_time_share)?,
        part_time_min: c.share("employment.part_time_min", e.part_time_min)?,
        part_time_max: c.share("employment.part_time_max", e.part_time_max)?,
    };
    if employment.part_time_min > employment.part_time_max {
        return Err(c.fail(
            "employment.part_time_min",
            "is above employment.part_time_max",
        ));
    }

    let scaled = |name: &str,
                  percentiles: Option<BTreeMap<String, f64>>,
                  level: Option<f64>|
     -> Result<Scaled, ProfileError> {
        let percentiles = c.percentiles(&format!("{name}.percentiles"), percentiles)?;
        if percentiles.mean() <= 0.0 {
            return Err(c.fail(&format!("{name}.percentiles"), "are all zero"));
        }
        Ok(Scaled {
            percentiles,
            level: c.range(&format!("{name}.level"), level, 0.01, 5.0)?,
        })
    };
    let w = c.need("wages", layer.wages)?;
    let wage_scale = scaled("wages", w.percentiles, w.level)?;
    let wages = Wages {
        percentiles: wage_scale.percentiles,
        level: wage_scale.level,
        by_age: c.bands("wages.by_age", w.by_age, (18, 120), false, 5.0)?,
    };
    let p = c.need("pensions", layer.pensions)?;
    let pensions = scaled("pensions", p.percentiles, p.level)?;

    let b = c.need("benefits", layer.benefits)?;
    let benefits = Benefits {
        disability_pension_level: c.range(
            "benefits.disability_pension_level",
            b.disability_pension_level,
            0.0,
            5.0,
        )?,
        unemployment_benefit_ratio: c.range(
            "benefits.unemployment_benefit_ratio",
            b.unemployment_benefit_ratio,
            0.0,
            2.0,
        )?,
        parental_leave_share: c.share("benefits.parental_leave_share", b.parental_leave_share)?,
        parental_benefit_ratio: c.range(
            "benefits.parental_benefit_ratio",
            b.parental_benefit_ratio,
            0.0,
            2.0,
        )?,
        parental_benefit_minimum: c.range(
            "benefits.parental_benefit_minimum",
            b.parental_benefit_minimum,
            0.0,
            10_000.0,
        )?,
        maintenance_share: c.share("benefits.maintenance_share", b.maintenance_share)?,
        maintenance_per_child: c.range(
            "benefits.maintenance_per_child",
            b.maintenance_per_child,
            0.0,
            2.0,
        )?,
        other_income_percentiles: c.percentiles(
            "benefits.other_income_percentiles",
            b.other_income_percentiles,
        )?,
    };

    let t = c.need("low_income_tail", layer.low_income_tail)?;
    let low_income_tail = LowIncomeTail {
        nva_registered_share: c.share(
            "low_income_tail.nva_registered_share",
            t.nva_registered_share,
        )?,
        unemployment_benefit_share: c.share(
            "low_income_tail.unemployment_benefit_share",
            t.unemployment_benefit_share,
        )?,
        zero_income_share: c.share("low_income_tail.zero_income_share", t.zero_income_share)?,
        savings_near_zero: c
            .income_bands("low_income_tail.savings_near_zero", t.savings_near_zero)?,
        savings_near_zero_factor_65_plus: c.range(
            "low_income_tail.savings_near_zero_factor_65_plus",
            t.savings_near_zero_factor_65_plus,
            0.0,
            10.0,
        )?,
        near_zero_savings_max: c.range(
            "low_income_tail.near_zero_savings_max",
            t.near_zero_savings_max,
            0.0,
            1e6,
        )?,
    };

    let savings = c.percentiles(
        "savings.percentiles",
        layer.savings.and_then(|s| s.percentiles),
    )?;

    let v = c.need("vehicles", layer.vehicles)?;
    let vehicles = Vehicles {
        owns_car: c.income_bands("vehicles.owns_car", v.owns_car)?,
        second_car_share: c.share("vehicles.second_car_share", v.second_car_share)?,
    };

    let e = c.need("events", layer.events)?;
    let events = Events {
        crisis_per_year: c.share("events.crisis_per_year", e.crisis_per_year)?,
        other_expenses_per_year: c
            .share("events.other_expenses_per_year", e.other_expenses_per_year)?,
    };

    let hc = c.need("health_costs", layer.health_costs)?;
    let health_costs = HealthCosts {
        any_by_age: c.bands(
            "health_costs.any_by_age",
            hc.any_by_age,
            (0, 120),
            false,
            1.0,
        )?,
        percentiles: c.percentiles("health_costs.percentiles", hc.percentiles)?,
        level: c.range("health_costs.level", hc.level, 0.0, 10.0)?,
    };

    let h = c.need("housing_costs", layer.housing_costs)?;
    let housing_costs = HousingCosts {
        extra_person: c.range("housing_costs.extra_person", h.extra_person, 0.0, 5.0)?,
        percentiles: c.percentiles("housing_costs.percentiles", h.percentiles)?,
        level: c.range("housing_costs.level", h.level, 0.01, 5.0)?,
        by_month: {
            let field = "housing_costs.by_month";
            let months = c.need(field, h.by_month)?;
            let mut by_month = [0.0; 12];
            for (k, v) in &months {
                let m = k
                    .parse::<usize>()
                    .ok()
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(|| c.fail(&format!("{field}.{k}"), "is not a month (1–12)"))?;
                by_month[m - 1] = c.range(&format!("{field}.{k}"), Some(*v), 0.0, 5.0)?;
            }
            if months.len() != 12 {
                return Err(c.fail(field, "give all twelve months, 1 = January"));
            }
            let mean = by_month.iter().sum::<f64>() / 12.0;
            if (mean - 1.0).abs() > 0.005 {
                return Err(c.fail(
                    field,
                    format!(
                        "average {mean:.4}: the months must average 1 (the year's level is `level`)"
                    ),
                ));
            }
            by_month
        },
    };

    let y = c.need("by_year", layer.by_year)?;
    let pension_age = c.years("by_year.pension_age", y.pension_age, 50.0, 80.0)?;
    if pension_age.is_empty() {
        return Err(c.fail("by_year.pension_age", "give at least one year"));
    }
    for (year, age) in &pension_age {
        let months = age * 12.0;
        if (months - months.round()).abs() > 1e-6 {
            return Err(c.fail(
                &format!("by_year.pension_age.{year}"),
                format!("{age} is not a whole number of months (64.25 = 64 years 3 months)"),
            ));
        }
    }

    let t = c.need("take_up", layer.take_up.clone())?;
    let status_value_eur = c.need("take_up.status_value_eur", t.status_value_eur.clone())?;
    for (k, &v) in &status_value_eur {
        c.range(
            &format!("take_up.status_value_eur.{k}"),
            Some(v),
            0.0,
            10_000.0,
        )?;
    }
    // Needy status gives every advantage low-income status does, and more: so that a household
    // that becomes needy instead of low-income is never less likely to apply.
    if let (Some(&needy), Some(&low)) = (
        status_value_eur.get("needy"),
        status_value_eur.get("low_income"),
    ) && needy < low
    {
        return Err(c.fail(
            "take_up.status_value_eur.needy",
            format!(
                "{needy} is below low_income's {low}: needy status gives every advantage low-income status does, and more"
            ),
        ));
    }
    let take_up = TakeUp {
        cap: c.by_type("take_up.cap", t.cap.clone(), 0.0, 1.0)?,
        half_eur: c.by_type("take_up.half_eur", t.half_eur.clone(), 0.0, 10_000.0)?,
        status_value_eur,
        reconsider_per_month: c.range(
            "take_up.reconsider_per_month",
            t.reconsider_per_month,
            0.0,
            0.5,
        )?,
    };

    let changes = c.need("income_changes", layer.income_changes)?;
    let income_changes = IncomeChanges {
        job_loss_per_month: c.range(
            "income_changes.job_loss_per_month",
            changes.job_loss_per_month,
            0.0,
            0.2,
        )?,
    };

    let reference = match layer.reference {
        Some(r) => Reference {
            poverty_rate: match r.poverty_rate {
                Some(v) => Some(c.share("reference.poverty_rate", Some(v))?),
                None => None,
            },
            disposable_income_per_member: match r.disposable_income_per_member {
                Some(v) => {
                    Some(c.range("reference.disposable_income_per_member", Some(v), 0.0, 1e6)?)
                }
                None => None,
            },
            registered_unemployment_pct: match r.registered_unemployment_pct {
                Some(v) => {
                    Some(c.range("reference.registered_unemployment_pct", Some(v), 0.1, 100.0)?)
                }
                None => None,
            },
        },
        None => Reference::default(),
    };
    let fit_factors = layer.fit.map(|f| f.factors);

    Ok(Profile {
        slug: slug.to_string(),
        name,
        atvk,
        region,
        area: layer.area,
        status,
        valid_to,
        merged_into,
        population,
        population_date: population_date.to_string(),
        median_age,
        calibrated,
        fit_factors,
        files: merged.files.clone(),
        household_sizes: sizes,
        household_types: types,
        ages,
        disability,
        employment,
        wages,
        pensions,
        benefits,
        low_income_tail,
        savings,
        vehicles,
        events,
        health_costs,
        housing_costs,
        minimum_wage: c.series("by_year.minimum_wage", y.minimum_wage)?,
        minimum_wage_net: c.series("by_year.minimum_wage_net", y.minimum_wage_net)?,
        median_net_wage: c.series("by_year.median_net_wage", y.median_net_wage)?,
        average_net_wage: c.series("by_year.average_net_wage", y.average_net_wage)?,
        average_old_age_pension: c
            .series("by_year.average_old_age_pension", y.average_old_age_pension)?,
        housing_costs_one_person: c.series(
            "by_year.housing_costs_one_person",
            y.housing_costs_one_person,
        )?,
        pension_age,
        take_up,
        income_changes,
        reference,
    })
}

/// Leans the household-type weights towards the age shares (see [`Profile`]) and stores each
/// type's share of all households.
///
/// Solved by alternating bisection on the two factors (each share rises with its own factor),
/// with geometric midpoints, until neither factor moves; only `+ − × ÷ √`, so every machine gets
/// the same shares.
fn lean(
    c: &Checker,
    sizes: &[f64; MAX_SIZE],
    types: &mut [HouseholdType],
    ages: &Ages,
) -> Result<(), ProfileError> {
    let mean_size: f64 = (0..MAX_SIZE).map(|i| sizes[i] * (i + 1) as f64).sum();
    let target_children = ages.share_children();
    let target_old = ages.share_65_plus;
    let shape: Vec<(usize, u8, u8, f64)> = types
        .iter()
        .map(|t| (t.size() - 1, t.children, t.aged_65_plus, t.weight))
        .collect();
    // Each type's share of all households for factors a (per child) and b (per person 65+).
    let shares = |a: f64, b: f64, out: &mut Vec<f64>| {
        out.clear();
        out.extend(shape.iter().map(|&(_, k, e, w)| w * pow(a, k) * pow(b, e)));
        let mut totals = [0.0; MAX_SIZE];
        for (t, w) in shape.iter().zip(out.iter()) {
            totals[t.0] += w;
        }
        for (t, w) in shape.iter().zip(out.iter_mut()) {
            *w = if totals[t.0] > 0.0 {
                sizes[t.0] * *w / totals[t.0]
            } else {
                0.0
            };
        }
    };
    let mut buffer = Vec::with_capacity(shape.len());
    let mut achieved = |a: f64, b: f64| -> (f64, f64) {
        shares(a, b, &mut buffer);
        let (mut children, mut old) = (0.0, 0.0);
        for (t, s) in shape.iter().zip(&buffer) {
            children += s * t.1 as f64;
            old += s * t.2 as f64;
        }
        (children / mean_size, old / mean_size)
    };
    // Bisection for one factor, the other fixed.
    fn solve(target: f64, mut f: impl FnMut(f64) -> f64) -> f64 {
        let (mut lo, mut hi) = (1e-6_f64, 1e6_f64);
        for _ in 0..64 {
            let mid = (lo * hi).sqrt();
            if f(mid) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo * hi).sqrt()
    }
    let (mut a, mut b) = (1.0, 1.0);
    for _ in 0..100 {
        let a_next = solve(target_children, |x| achieved(x, b).0);
        let b_next = solve(target_old, |x| achieved(a_next, x).1);
        let settled = a_next == a && b_next == b;
        (a, b) = (a_next, b_next);
        if settled {
            break;
        }
    }
    let (children, old) = achieved(a, b);
    if (children - target_children).abs() > 0.002 || (old - target_old).abs() > 0.002 {
        return Err(c.fail(
            "ages",
            format!(
                "the household sizes and types cannot give {:.1} % children (0–17) and {:.1} % \
                 aged 65+; the closest they come is {:.1} % and {:.1} %: change [ages], \
                 [household_sizes] or household_types",
                100.0 * target_children,
                100.0 * target_old,
                100.0 * children,
                100.0 * old
            ),
        ));
    }
    let mut leaned = Vec::new();
    shares(a, b, &mut leaned);
    for (t, s) in types.iter_mut().zip(leaned) {
        t.share = s;
    }
    Ok(())
}

/// `x^n` by repeated multiplication (portable, unlike `powi`).
fn pow(x: f64, n: u8) -> f64 {
    (0..n).fold(1.0, |acc, _| acc * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aged_profile_has_the_assumed_growth_in_its_money() {
        let files = crate::policy::builtin();
        let mut assumptions =
            crate::assumptions::Assumptions::parse("a", &files["assumptions.toml"]).unwrap();
        let p = Profiles::builtin().get("tukuma-novads").unwrap();
        // Not aged: a year after the series' data carries 2026's money.
        assert_eq!(
            p.year(2027).average_old_age_pension,
            p.year(2026).average_old_age_pension
        );
        let aged = p.aged(2028, &assumptions);
        let (y26, y27, y28) = (aged.year(2026), aged.year(2027), aged.year(2028));
        assert_eq!(y26, p.year(2026), "the written years do not move");
        // Pension 673 × 1.06 = 713.38; × 1.06 = 756.18 (756.1828); minimum wage 780 × 1.05 = 819.
        assert_eq!(y26.average_old_age_pension, 67_300 * CENT);
        assert_eq!(y27.average_old_age_pension, 71_338 * CENT);
        assert_eq!(y28.average_old_age_pension, 75_618 * CENT);
        assert_eq!(y27.minimum_wage, 81_900 * CENT);
        // Wages +6 %, housing costs +3 %, to the cent of each year's rounding.
        let ratio = |a: i64, b: i64| a as f64 / b as f64;
        assert!((ratio(y27.median_net_wage, y26.median_net_wage) - 1.06).abs() < 1e-5);
        assert!(
            (ratio(y27.housing_costs_one_person, y26.housing_costs_one_person) - 1.03).abs() < 1e-4
        );
        // Another assumption, another population's money; 2029 is past `through`: 2028's.
        assumptions
            .set("pension_growth", rust_decimal::Decimal::new(10, 2), "test")
            .unwrap();
        assert_eq!(
            p.aged(2027, &assumptions)
                .year(2027)
                .average_old_age_pension,
            74_030 * CENT
        );
        assert_eq!(aged.year(2029), YearFigures { year: 2029, ..y28 });
    }

    #[test]
    fn series_work_forward_back_and_flat() {
        let s = Series {
            known: BTreeMap::from([(2024, 100.0)]),
            growth: BTreeMap::from([(2023, 0.25), (2024, 0.25), (2025, 0.1)]),
        };
        assert_eq!(s.value(2024), Some(100.0));
        assert_eq!(s.value(2025), Some(110.00000000000001));
        assert_eq!(s.value(2023), Some(80.0));
        assert_eq!(s.value(2022), Some(64.0));
        // 2021 would need growth for 2022: the nearest year that can be worked out is 2022.
        assert_eq!(s.value(2021), Some(64.0));
        assert_eq!(s.value(2030), s.value(2025));
        assert_eq!(Series::default().value(2024), None);
    }

    #[test]
    fn percentiles_are_inverse_distribution_functions() {
        let p = Percentiles(vec![(0.0, 0.0), (0.5, 1.0), (1.0, 3.0)]);
        assert_eq!(p.at(0.0), 0.0);
        assert_eq!(p.at(0.25), 0.5);
        assert_eq!(p.at(0.75), 2.0);
        assert_eq!(p.at(1.0), 3.0);
        assert_eq!(p.mean(), 0.25 + 1.0);
        assert_eq!(p.share_below(2.0), 0.75);
        assert_eq!(p.share_below(5.0), 1.0);
    }

    #[test]
    fn point_tables_are_replaced_whole() {
        let base: toml::Table = "[w]\nlevel = 1\np = { 0 = 1, 50 = 2, 100 = 3 }\n"
            .parse()
            .unwrap();
        let over: toml::Table = "[w]\np = { 0 = 5, 100 = 6 }\n".parse().unwrap();
        let mut t = toml::Table::new();
        let mut origin = BTreeMap::new();
        merge(&mut t, &base, "", 0, &mut origin);
        merge(&mut t, &over, "", 1, &mut origin);
        assert_eq!(t["w"]["p"].as_table().unwrap().len(), 2);
        assert_eq!(t["w"]["level"].as_integer(), Some(1));
        assert_eq!(origin["w.p"], 1);
        assert_eq!(origin["w.level"], 0);
    }

    #[test]
    fn merger_year_is_the_year_after_the_last_day() {
        let p = Profiles::builtin().get("varaklanu-novads").unwrap();
        assert_eq!(p.merger_year(), Some(2025));
        assert_eq!(p.council(2024), "varaklanu-novads");
        assert_eq!(p.council(2025), "madonas-novads");
    }
}
