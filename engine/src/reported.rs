//! Reported figures, each read on its basis, and how a simulation compares with them.
//!
//! Councils, the Ministry of Welfare (LM) and the statistics office (CSP) count differently: the
//! households or persons that held a status or were paid **at least once during** some months
//! (annual reports, "at least one day with the status"), the **stock** holding a status at the
//! end of a month (CSP's monthly series), a **monthly average** of such stocks, or a **plan**.
//! A figure can only be compared with the simulated count on the same basis. This module reads
//! the figures of `populations/reported/public-caseloads.csv` (format and bases:
//! `populations/reported/README.md`) into [`Figure`]s with a typed [`Basis`], and compares them
//! with any simulation that can answer the questions of [`Simulated`] ([`compare`], [`to_csv`]).
//!
//! No I/O: texts in, data out. Counts are whole numbers, euros exact decimals (cents), ratios
//! exact rationals rounded once for display — no floating point.

use std::collections::HashMap;
use std::fmt;
use std::ops::RangeInclusive;

use rust_decimal::Decimal;

use crate::date::{Date, Period as Month};
use crate::fixed;

/// The shipped figures (`populations/reported/public-caseloads.csv`), embedded.
pub const SHIPPED: &str = include_str!("../../populations/reported/public-caseloads.csv");
/// The name to give [`SHIPPED`] in messages.
pub const SHIPPED_ORIGIN: &str = "populations/reported/public-caseloads.csv";

/// The national figures' municipality.
pub const LATVIA: &str = "latvia";

/// What a figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    NeedyStatus,
    LowIncomeStatus,
    Gmi,
    HousingBenefit,
    HealthBenefit,
    EducationBenefit,
    MealsBenefit,
    CrisisBenefit,
    BirthBenefit,
    OtherExpensesBenefit,
    AllSocialAssistance,
    /// Anything else; the row's `basis` says what.
    Other,
}

impl Measure {
    pub const ALL: [Measure; 12] = [
        Measure::NeedyStatus,
        Measure::LowIncomeStatus,
        Measure::Gmi,
        Measure::HousingBenefit,
        Measure::HealthBenefit,
        Measure::EducationBenefit,
        Measure::MealsBenefit,
        Measure::CrisisBenefit,
        Measure::BirthBenefit,
        Measure::OtherExpensesBenefit,
        Measure::AllSocialAssistance,
        Measure::Other,
    ];

    /// The name in the files: `needy_status`, `gmi`, ….
    pub fn name(self) -> &'static str {
        match self {
            Measure::NeedyStatus => "needy_status",
            Measure::LowIncomeStatus => "low_income_status",
            Measure::Gmi => "gmi",
            Measure::HousingBenefit => "housing_benefit",
            Measure::HealthBenefit => "health_benefit",
            Measure::EducationBenefit => "education_benefit",
            Measure::MealsBenefit => "meals_benefit",
            Measure::CrisisBenefit => "crisis_benefit",
            Measure::BirthBenefit => "birth_benefit",
            Measure::OtherExpensesBenefit => "other_expenses_benefit",
            Measure::AllSocialAssistance => "all_social_assistance",
            Measure::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.name() == name)
    }

    /// A status (needy, low-income): held, not paid.
    pub fn is_status(self) -> bool {
        matches!(self, Measure::NeedyStatus | Measure::LowIncomeStatus)
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a figure's number is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// Households (the sources' families too).
    Households,
    Persons,
    Eur,
}

impl Unit {
    pub const ALL: [Unit; 3] = [Unit::Households, Unit::Persons, Unit::Eur];

    pub fn name(self) -> &'static str {
        match self {
            Unit::Households => "households",
            Unit::Persons => "persons",
            Unit::Eur => "eur",
        }
    }

    pub fn from_name(name: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.name() == name)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the model may use a figure (the curated `use` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Use {
    /// A council's or the nation's outturn on a basis the model can simulate: calibration may
    /// aim at it.
    Fit,
    /// Usable only as a rough check (rounded, a presumed period, an approximate date, …).
    Check,
    /// Not to be compared; `use_note` says why.
    Skip,
}

impl Use {
    pub const ALL: [Use; 3] = [Use::Fit, Use::Check, Use::Skip];

    pub fn name(self) -> &'static str {
        match self {
            Use::Fit => "fit",
            Use::Check => "check",
            Use::Skip => "skip",
        }
    }

    pub fn from_name(name: &str) -> Option<Use> {
        Use::ALL.into_iter().find(|u| u.name() == name)
    }
}

impl fmt::Display for Use {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A figure's `period`, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// `year`: the row's calendar year.
    Year,
    /// `H1`: January–June of the row's year.
    H1,
    /// `month YYYY-MM` (first = last) or `month YYYY-MM..YYYY-MM`: a window of months.
    Months { first: Month, last: Month },
    /// `average YYYY-MM..YYYY-MM` (or `average YYYY-MM`): the average monthly number.
    Average { first: Month, last: Month },
    /// `at YYYY-MM-DD`: a stock on that date.
    At(Date),
    /// `planned`: a budget plan or forecast, not an outturn.
    Planned,
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let window = |f: &mut fmt::Formatter<'_>, word: &str, first: &Month, last: &Month| {
            if first == last {
                write!(f, "{word} {first}")
            } else {
                write!(f, "{word} {first}..{last}")
            }
        };
        match self {
            Period::Year => f.write_str("year"),
            Period::H1 => f.write_str("H1"),
            Period::Months { first, last } => window(f, "month", first, last),
            Period::Average { first, last } => window(f, "average", first, last),
            Period::At(date) => write!(f, "at {date}"),
            Period::Planned => f.write_str("planned"),
        }
    }
}

/// What a figure counts over time, within its year (months 1–12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Households or persons counted at least once in these months (holding the status, or
    /// paid); EUR paid in them. `year` is 1..=12, `H1` 1..=6.
    During { months: RangeInclusive<u8> },
    /// Holding the status, or being paid, at the end of this month.
    Stock { month: u8 },
    /// The mean over these months of the month-end stocks (EUR: the mean monthly payment).
    MonthlyAverage { months: RangeInclusive<u8> },
    /// A plan or forecast: never compared.
    Planned,
}

impl Basis {
    /// In words, for tables: "during 2025", "during 2022-10..2022-12", "during 2025-03",
    /// "stock at end of 2025-08", "monthly average 2025-01..2025-08", "planned 2026".
    pub fn words(&self, year: i32) -> String {
        let window = |m: &RangeInclusive<u8>| {
            if *m.start() == *m.end() {
                format!("{year}-{:02}", m.start())
            } else {
                format!("{year}-{:02}..{year}-{:02}", m.start(), m.end())
            }
        };
        match self {
            Basis::During { months } if *months == (1..=12) => format!("during {year}"),
            Basis::During { months } => format!("during {}", window(months)),
            Basis::Stock { month } => format!("stock at end of {year}-{month:02}"),
            Basis::MonthlyAverage { months } => format!("monthly average {}", window(months)),
            Basis::Planned => format!("planned {year}"),
        }
    }
}

/// One reported figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// The file's line the row starts on.
    pub line: usize,
    /// A register slug (`ogres-novads`) or [`LATVIA`].
    pub municipality: String,
    pub year: i32,
    pub period: Period,
    pub basis: Basis,
    pub measure: Measure,
    pub unit: Unit,
    /// As reported: a whole number of households or persons, or EUR with at most two decimals
    /// (scale 2).
    pub value: Decimal,
    /// How the source counted (the row's `basis` column).
    pub basis_text: String,
    pub usage: Use,
    pub use_note: String,
    pub source_url: String,
    pub quote: String,
}

impl Figure {
    /// The value in whole units: households, persons, or cents.
    pub fn units(&self) -> i64 {
        let scaled = match self.unit {
            Unit::Eur => self.value * Decimal::ONE_HUNDRED,
            _ => self.value,
        };
        i64::try_from(scaled.trunc()).expect("a parsed value fits (at most 1 000 000 000)")
    }

    pub fn is_national(&self) -> bool {
        self.municipality == LATVIA
    }

    /// A stock read on 1 January of its own year, compared with the end of January (the end of
    /// the previous December, which it is, lies outside the simulated year).
    pub fn is_approximate_stock(&self) -> bool {
        matches!(self.period, Period::At(d) if d.year == self.year && d.month == 1 && d.day == 1)
    }

    /// Whether [`compare`] compares it: `fit` or `check`, and not a plan.
    pub fn comparable(&self) -> bool {
        self.usage != Use::Skip && self.basis != Basis::Planned
    }

    /// The basis in words ([`Basis::words`]), saying so when a stock is approximated:
    /// "stock at end of 2023-01 (for 2023-01-01)".
    pub fn basis_words(&self) -> String {
        let words = self.basis.words(self.year);
        if self.is_approximate_stock() {
            format!("{words} (for {}-01-01)", self.year)
        } else {
            words
        }
    }
}

/// A reported-figures file that cannot be read: the file, line and column, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedError {
    pub origin: String,
    pub line: usize,
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for ReportedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(
                f,
                "{}:{}: column '{c}': {}",
                self.origin, self.line, self.message
            ),
            None => write!(f, "{}:{}: {}", self.origin, self.line, self.message),
        }
    }
}

impl std::error::Error for ReportedError {}

/// The columns a file must have, in the order the shipped file has them (`municipality_name`
/// and `source_date` are optional; other columns are ignored).
pub const COLUMNS: [&str; 11] = [
    "municipality_slug",
    "year",
    "period",
    "measure",
    "unit",
    "value",
    "basis",
    "use",
    "use_note",
    "source_url",
    "quote",
];

const PERIOD_FORMS: &str = "year, H1, month YYYY-MM, month YYYY-MM..YYYY-MM, \
     average YYYY-MM..YYYY-MM, at YYYY-MM-DD or planned";

/// Parses a reported-figures CSV (`populations/reported/README.md`): every row checked, the
/// first error in file order returned, naming `origin`, the line and the column.
pub fn parse(origin: &str, text: &str) -> Result<Vec<Figure>, ReportedError> {
    let error = |line: usize, column: Option<&str>, message: String| ReportedError {
        origin: origin.to_string(),
        line,
        column: column.map(str::to_string),
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(error(
            1,
            None,
            format!("empty file: expected a header row ({})", COLUMNS.join(",")),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| error(1, None, csv_message(&e)))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for (j, h) in headers.iter().enumerate() {
        if let Some(k) = headers[..j].iter().position(|g| g == h) {
            return Err(error(
                1,
                Some(h),
                format!(
                    "appears twice in the header (columns {} and {})",
                    k + 1,
                    j + 1
                ),
            ));
        }
    }
    let mut at = [0usize; COLUMNS.len()];
    for (slot, name) in at.iter_mut().zip(COLUMNS) {
        *slot = headers.iter().position(|h| h == name).ok_or_else(|| {
            error(
                1,
                None,
                format!("no '{name}' column (found: {})", headers.join(", ")),
            )
        })?;
    }
    let [
        muni_c,
        year_c,
        period_c,
        measure_c,
        unit_c,
        value_c,
        basis_c,
        use_c,
        note_c,
        url_c,
        quote_c,
    ] = at;
    let mut known: Vec<String> = crate::register::slugs();
    known.push(LATVIA.to_string());
    let mut figures: Vec<Figure> = Vec::new();
    let mut seen: HashMap<(String, i32, Measure, Unit, Basis), usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut lines = Lines::new(text);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte() as usize));
                return Err(error(line, None, csv_message(&e)));
            }
        }
        let line = lines.at(record.position().map_or(0, |p| p.byte() as usize));
        if record.len() != headers.len() {
            return Err(error(
                line,
                None,
                format!(
                    "{} fields, but the header has {} (a comma inside a field needs quotes)",
                    record.len(),
                    headers.len()
                ),
            ));
        }
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        let fail = |column: &str, message: String| error(line, Some(column), message);

        let municipality = field(muni_c);
        if !known.iter().any(|k| k == municipality) {
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            let message = crate::population::unknown_municipality(municipality, &known);
            return Err(fail(
                "municipality_slug",
                format!("{message}; national figures are '{LATVIA}'"),
            ));
        }
        let year = parse_year(field(year_c)).ok_or_else(|| {
            fail(
                "year",
                format!("'{}' is not a year (four digits)", field(year_c)),
            )
        })?;
        let measure = Measure::from_name(field(measure_c)).ok_or_else(|| {
            let names = Measure::ALL.map(Measure::name);
            fail("measure", unknown("measure", field(measure_c), &names))
        })?;
        let unit = Unit::from_name(field(unit_c)).ok_or_else(|| {
            fail(
                "unit",
                unknown("unit", field(unit_c), &Unit::ALL.map(Unit::name)),
            )
        })?;
        let value = parse_value(field(value_c), unit).map_err(|m| fail("value", m))?;
        let period = parse_period(field(period_c), year).map_err(|m| fail("period", m))?;
        let basis = basis_of(&period, year);
        if unit == Unit::Eur && matches!(basis, Basis::Stock { .. }) {
            return Err(fail(
                "period",
                format!(
                    "'{}' is a stock on a date, which counts households or persons; EUR are paid \
                     during months (month YYYY-MM..YYYY-MM)",
                    field(period_c)
                ),
            ));
        }
        let basis_text = field(basis_c);
        if basis_text.is_empty() {
            return Err(fail(
                "basis",
                "is empty: say how the source counted the figure".to_string(),
            ));
        }
        let usage = Use::from_name(field(use_c)).ok_or_else(|| {
            fail(
                "use",
                unknown("use", field(use_c), &Use::ALL.map(Use::name)),
            )
        })?;
        let use_note = field(note_c);
        if usage == Use::Skip && use_note.is_empty() {
            return Err(fail(
                "use_note",
                "is empty: a skipped figure says why it is skipped".to_string(),
            ));
        }
        if basis == Basis::Planned && usage != Use::Skip {
            return Err(fail(
                "use",
                format!("'{usage}' for a plan: a plan is not an outturn (use = skip)"),
            ));
        }
        let source_url = field(url_c);
        if source_url.is_empty() {
            return Err(fail(
                "source_url",
                "is empty: every figure names its source".to_string(),
            ));
        }
        if usage != Use::Skip {
            let key = (municipality.to_string(), year, measure, unit, basis.clone());
            if let Some(first) = seen.insert(key, line) {
                return Err(error(
                    line,
                    None,
                    format!(
                        "the same figure as line {first} ({municipality} {year} {measure} {unit}, \
                         {}): keep one of them for use = {usage}, skip the other",
                        basis.words(year)
                    ),
                ));
            }
        }
        figures.push(Figure {
            line,
            municipality: municipality.to_string(),
            year,
            period,
            basis,
            measure,
            unit,
            value,
            basis_text: basis_text.to_string(),
            usage,
            use_note: use_note.to_string(),
            source_url: source_url.to_string(),
            quote: field(quote_c).to_string(),
        });
    }
    if figures.is_empty() {
        return Err(error(2, None, "no rows after the header".to_string()));
    }
    Ok(figures)
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text".to_string(),
        _ => format!("not CSV: {e}"),
    }
}

/// The line numbers of byte positions, counted forward (the csv crate's own line count skips
/// blank lines and counts CRLF files from 1 at the first record).
struct Lines<'a> {
    text: &'a [u8],
    byte: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    /// The line of the first character at or after `byte` that is not a line end (where a
    /// record starts: the reader's position is right after the previous record's terminator).
    /// Positions must not go backwards.
    fn at(&mut self, byte: usize) -> usize {
        let mut end = byte.max(self.byte).min(self.text.len());
        while end < self.text.len() && matches!(self.text[end], b'\n' | b'\r') {
            end += 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.text[self.byte..end]).count();
        self.byte = end;
        self.line
    }
}

/// "unknown measure 'gmi_benefit' (did you mean gmi?); one of …"
fn unknown(what: &str, word: &str, names: &[&str]) -> String {
    format!(
        "unknown {what} '{word}'{}; one of {}",
        suggest(word, names),
        names.join(", ")
    )
}

/// " (did you mean X?)" for a near miss: a third of the word wrong, or one containing the other
/// (`gmi_benefit` → `gmi`, `childbirth_benefit` → `birth_benefit`); else "".
fn suggest(word: &str, names: &[&str]) -> String {
    if word.is_empty() {
        return String::new();
    }
    let lower = word.to_lowercase();
    let best = names
        .iter()
        .map(|n| (crate::parameters::edit_distance(&lower, n), *n))
        .min()
        .filter(|&(d, _)| d <= (lower.chars().count() / 3).max(1))
        .map(|(_, n)| n)
        .or_else(|| {
            names
                .iter()
                .copied()
                .filter(|n| lower.contains(n) || n.contains(lower.as_str()))
                .max_by_key(|n| n.len())
        });
    match best {
        Some(n) => format!(" (did you mean {n}?)"),
        None => String::new(),
    }
}

fn parse_year(text: &str) -> Option<i32> {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// A whole count, or EUR with at most two decimals; never negative, no sign.
fn parse_value(text: &str, unit: Unit) -> Result<Decimal, String> {
    if text.starts_with('+') {
        return Err(format!("'{text}' is not a number (no sign)"));
    }
    let v = fixed::parse(text.as_bytes(), 2).map_err(|e| match e {
        fixed::ParseError::Empty => "is empty".to_string(),
        e => format!("'{text}' {e}"),
    })?;
    match unit {
        Unit::Eur => Ok(Decimal::new(v / fixed::CENT, 2)),
        _ if v % fixed::SCALE != 0 => {
            Err(format!("'{text}' is not a whole number of {}", unit.name()))
        }
        _ => Ok(Decimal::from(v / fixed::SCALE)),
    }
}

/// A `period` of a row of `year` ([`Period`]); errors say what is wrong.
fn parse_period(text: &str, year: i32) -> Result<Period, String> {
    let window = |rest: &str, word: &str| -> Result<(Month, Month), String> {
        let (a, b) = rest.split_once("..").unwrap_or((rest, rest));
        let month = |t: &str| {
            Month::parse(t.trim())
                .ok_or_else(|| format!("'{word} {rest}': '{}' is not a month (YYYY-MM)", t.trim()))
        };
        let (first, last) = (month(a)?, month(b)?);
        if first > last {
            return Err(format!("'{word} {rest}': the window starts after it ends"));
        }
        if first.year != year || last.year != year {
            return Err(format!(
                "'{word} {rest}': the window is outside the row's year {year}"
            ));
        }
        Ok((first, last))
    };
    match text {
        "year" => return Ok(Period::Year),
        "H1" => return Ok(Period::H1),
        "planned" => return Ok(Period::Planned),
        _ => {}
    }
    match text.split_once(' ') {
        Some(("month", rest)) => {
            window(rest.trim(), "month").map(|(first, last)| Period::Months { first, last })
        }
        Some(("average", rest)) => {
            window(rest.trim(), "average").map(|(first, last)| Period::Average { first, last })
        }
        Some(("at", rest)) => {
            let rest = rest.trim();
            let date = parse_date(rest)
                .ok_or_else(|| format!("'at {rest}': '{rest}' is not a date (YYYY-MM-DD)"))?;
            let next_new_year = date.year == year + 1 && date.month == 1 && date.day == 1;
            if date.year != year && !next_new_year {
                return Err(format!("'at {rest}' is outside the row's year {year}"));
            }
            if date.day != 1 && date.day != days_in_month(date.year, date.month) {
                return Err(format!(
                    "'at {rest}': a stock is read at the end of a month: give its last day, or the \
                     first day of the next month"
                ));
            }
            Ok(Period::At(date))
        }
        _ => Err(format!(
            "unknown period '{text}'{}; one of {PERIOD_FORMS}",
            suggest(
                text.split(' ').next().unwrap_or(""),
                &["year", "H1", "month", "average", "at", "planned"]
            )
        )),
    }
}

/// `YYYY-MM-DD`, a date that exists.
fn parse_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10))
        .then(|| Date::parse(text))
        .flatten()
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The basis of a checked period of a row of `year`.
fn basis_of(period: &Period, year: i32) -> Basis {
    match *period {
        Period::Year => Basis::During { months: 1..=12 },
        Period::H1 => Basis::During { months: 1..=6 },
        Period::Months { first, last } => Basis::During {
            months: first.month..=last.month,
        },
        Period::Average { first, last } => Basis::MonthlyAverage {
            months: first.month..=last.month,
        },
        Period::Planned => Basis::Planned,
        // 1 January of the next year: the end of this December. The last day of a month: that
        // month. The first day of a month: the end of the month before — except 1 January of
        // the row's year, whose December is outside the year: the end of January instead.
        Period::At(d) if d.year != year => Basis::Stock { month: 12 },
        Period::At(d) if d.day != 1 => Basis::Stock { month: d.month },
        Period::At(d) => Basis::Stock {
            month: (d.month - 1).max(1),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing with a simulation.

/// What a simulation answers for comparison, per council and year, for a figure's measure (the
/// implementation maps [`Measure`] to its outputs and answers `None` for a measure, council or
/// year it does not simulate). Months are 1–12 of `year`; EUR are cents.
pub trait Simulated {
    /// The councils (register slugs) simulated in `year`: a national figure is their sum, so
    /// for `latvia` figures this must be every council in force that year.
    fn councils(&self, year: i32) -> Vec<String>;
    /// Households that held the status, or were paid, in at least one of `months`.
    fn households_during(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        months: RangeInclusive<u8>,
    ) -> Option<i64>;
    /// Persons in those households.
    fn persons_during(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        months: RangeInclusive<u8>,
    ) -> Option<i64>;
    /// Cents paid in `months`.
    fn eur_during(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        months: RangeInclusive<u8>,
    ) -> Option<i64>;
    /// Households holding the status, or being paid, at the end of `month`.
    fn households_at_month_end(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        month: u8,
    ) -> Option<i64>;
    /// Persons in those households.
    fn persons_at_month_end(
        &self,
        municipality: &str,
        year: i32,
        measure: Measure,
        month: u8,
    ) -> Option<i64>;
}

/// A reported figure against its simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The figure's line in its file.
    pub line: usize,
    pub municipality: String,
    pub year: i32,
    pub measure: Measure,
    pub unit: Unit,
    pub basis: Basis,
    /// [`Figure::basis_words`].
    pub basis_words: String,
    pub reported: Decimal,
    /// On the figure's basis: a whole count, EUR to the cent, a monthly average of counts to
    /// one decimal (half away from zero); `None` if the simulation does not answer.
    pub simulated: Option<Decimal>,
    /// Simulated ÷ reported from the exact values, to four decimals (half away from zero);
    /// `None` without a simulated value or when the reported one is 0.
    pub ratio: Option<Decimal>,
    pub usage: Use,
    /// Whether calibration aimed at it: `false` from [`compare`], set by the caller.
    pub fitted: bool,
}

/// The figures that are `fit` or `check`, not plans, and of one of `years`, in file order, each
/// against `simulated` on its basis. A `latvia` figure is the sum over
/// [`Simulated::councils`] (`None` if any council does not answer, or there are none).
pub fn compare<S: Simulated + ?Sized>(
    figures: &[Figure],
    years: &[i32],
    simulated: &S,
) -> Vec<Comparison> {
    figures
        .iter()
        .filter(|f| f.comparable() && years.contains(&f.year))
        .map(|f| {
            let exact = if f.is_national() {
                let councils = simulated.councils(f.year);
                councils
                    .iter()
                    .map(|c| simulate(simulated, c, f))
                    .try_fold((0i128, 1i128, false), |(sum, _, _), v| {
                        v.map(|(n, d)| (sum + n, d, true))
                    })
                    .filter(|&(_, _, any)| any)
                    .map(|(n, d, _)| (n, d))
            } else {
                simulate(simulated, &f.municipality, f)
            };
            let shown = exact.map(|(n, d)| match (f.unit, d) {
                (Unit::Eur, _) => Decimal::from_i128_with_scale(round_div(n, d), 2),
                (_, 1) => Decimal::from_i128_with_scale(n, 0),
                _ => Decimal::from_i128_with_scale(round_div(n * 10, d), 1),
            });
            let reported = f.units() as i128;
            let ratio = exact.filter(|_| reported != 0).map(|(n, d)| {
                Decimal::from_i128_with_scale(round_div(n * 10_000, d * reported), 4)
            });
            Comparison {
                line: f.line,
                municipality: f.municipality.clone(),
                year: f.year,
                measure: f.measure,
                unit: f.unit,
                basis: f.basis.clone(),
                basis_words: f.basis_words(),
                reported: f.value,
                simulated: shown,
                ratio,
                usage: f.usage,
                fitted: false,
            }
        })
        .collect()
}

/// One council's simulated value of `f`, exactly: numerator and denominator (1, or the months
/// of a monthly average), in the figure's whole units (counts, cents).
fn simulate<S: Simulated + ?Sized>(s: &S, council: &str, f: &Figure) -> Option<(i128, i128)> {
    let (y, m) = (f.year, f.measure);
    let during = |months: RangeInclusive<u8>| match f.unit {
        Unit::Households => s.households_during(council, y, m, months),
        Unit::Persons => s.persons_during(council, y, m, months),
        Unit::Eur => s.eur_during(council, y, m, months),
    };
    let stock = |month: u8| match f.unit {
        Unit::Households => s.households_at_month_end(council, y, m, month),
        Unit::Persons => s.persons_at_month_end(council, y, m, month),
        Unit::Eur => None,
    };
    match &f.basis {
        Basis::During { months } => during(months.clone()).map(|v| (v as i128, 1)),
        Basis::Stock { month } => stock(*month).map(|v| (v as i128, 1)),
        Basis::MonthlyAverage { months } => {
            let n = (months.end() - months.start() + 1) as i128;
            if f.unit == Unit::Eur {
                return during(months.clone()).map(|v| (v as i128, n));
            }
            months
                .clone()
                .map(|month| stock(month).map(|v| v as i128))
                .sum::<Option<i128>>()
                .map(|sum| (sum, n))
        }
        Basis::Planned => None,
    }
}

/// `n / d` rounded half away from zero (`d` > 0).
fn round_div(n: i128, d: i128) -> i128 {
    let q = (n.abs() * 2 + d) / (2 * d);
    if n < 0 { -q } else { q }
}

/// The columns of `validate.csv`, in order.
pub const VALIDATE_COLUMNS: [&str; 10] = [
    "municipality",
    "year",
    "measure",
    "unit",
    "basis",
    "reported",
    "simulated",
    "ratio",
    "fitted",
    "use",
];

/// The comparisons as `validate.csv`: [`VALIDATE_COLUMNS`], EUR with two decimals, an empty
/// `simulated` and `ratio` where the simulation has no answer, `fitted` `yes` or `no`.
pub fn to_csv(rows: &[Comparison]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(VALIDATE_COLUMNS).expect("writing to memory");
    for r in rows {
        let reported = match r.unit {
            Unit::Eur => {
                let mut v = r.reported;
                v.rescale(2);
                v.to_string()
            }
            _ => r.reported.to_string(),
        };
        let opt = |v: &Option<Decimal>| v.map(|d| d.to_string()).unwrap_or_default();
        w.write_record([
            r.municipality.as_str(),
            &r.year.to_string(),
            r.measure.name(),
            r.unit.name(),
            &r.basis_words,
            &reported,
            &opt(&r.simulated),
            &opt(&r.ratio),
            if r.fitted { "yes" } else { "no" },
            r.usage.name(),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("the fields are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "municipality_slug,year,period,measure,unit,value,basis,use,use_note,source_url,quote";
    /// A valid row; each error test changes one field of it.
    const ROW: [&str; 11] = [
        "ogres-novads",
        "2025",
        "year",
        "gmi",
        "households",
        "168",
        "paid the GMI benefit in 2025",
        "fit",
        "",
        "https://example.lv/report",
        "GMI benefit | 168",
    ];

    fn row_with(column: &str, value: &str) -> String {
        let k = COLUMNS.iter().position(|c| *c == column).expect("a column");
        let mut row = ROW;
        row[k] = value;
        row.iter()
            .map(|f| {
                if f.contains(',') {
                    format!("\"{f}\"")
                } else {
                    f.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    fn file(rows: &[String]) -> String {
        let mut text = format!("{HEADER}\n");
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        text
    }

    /// The error of the base file with one field changed, on line 3 (line 2 is the base row).
    fn error_with(column: &str, value: &str) -> ReportedError {
        let base = row_with("year", "2025");
        let text = file(&[base.clone(), row_with(column, value)]);
        // Without the change, the same file reads (so each test fails if its check is gone).
        let good = file(&[base.replace("households", "persons"), base]);
        parse("t.csv", &good).expect("the base file reads");
        parse("t.csv", &text).expect_err("the changed field is refused")
    }

    fn assert_error(e: &ReportedError, line: usize, column: Option<&str>, needle: &str) {
        assert_eq!(e.origin, "t.csv");
        assert_eq!(e.line, line, "{e}");
        assert_eq!(e.column.as_deref(), column, "{e}");
        assert!(e.message.contains(needle), "'{needle}' not in: {e}");
    }

    #[test]
    fn the_base_row_reads_on_its_basis() {
        let figures = parse("t.csv", &file(&[row_with("year", "2025")])).unwrap();
        assert_eq!(figures.len(), 1);
        let f = &figures[0];
        assert_eq!(f.line, 2);
        assert_eq!(f.municipality, "ogres-novads");
        assert_eq!(
            (f.year, f.measure, f.unit, f.usage),
            (2025, Measure::Gmi, Unit::Households, Use::Fit)
        );
        assert_eq!(f.basis, Basis::During { months: 1..=12 });
        assert_eq!(f.value, Decimal::from(168));
        assert_eq!(f.units(), 168);
        assert_eq!(f.basis_words(), "during 2025");
    }

    #[test]
    fn unknown_measure_unit_use_and_municipality_suggest_the_name() {
        let e = error_with("measure", "gmi_benefit");
        assert_error(
            &e,
            3,
            Some("measure"),
            "unknown measure 'gmi_benefit' (did you mean gmi?)",
        );
        assert!(e.message.contains("housing_benefit, health_benefit"), "{e}");
        let e = error_with("measure", "health_care_benefit");
        assert_error(&e, 3, Some("measure"), "(did you mean health_benefit?)");
        let e = error_with("measure", "heating");
        assert_error(&e, 3, Some("measure"), "unknown measure 'heating'; one of");
        let e = error_with("unit", "person");
        assert_error(
            &e,
            3,
            Some("unit"),
            "unknown unit 'person' (did you mean persons?)",
        );
        let e = error_with("unit", "families");
        assert_error(&e, 3, Some("unit"), "one of households, persons, eur");
        let e = error_with("use", "fitt");
        assert_error(&e, 3, Some("use"), "unknown use 'fitt' (did you mean fit?)");
        let e = error_with("municipality_slug", "ogre");
        assert_error(
            &e,
            3,
            Some("municipality_slug"),
            "unknown municipality 'ogre' (did you mean ogres-novads?)",
        );
        let e = error_with("municipality_slug", "latvija");
        assert_error(
            &e,
            3,
            Some("municipality_slug"),
            "national figures are 'latvia'",
        );
        assert_eq!(
            e.to_string(),
            format!("t.csv:3: column 'municipality_slug': {}", e.message)
        );
    }

    #[test]
    fn unknown_periods_are_refused() {
        for bad in [
            "quarter 2025-4",
            "Q4",
            "H2",
            "month",
            "month 2025-13",
            "2025",
            "at",
        ] {
            let e = error_with("period", bad);
            assert_eq!((e.line, e.column.as_deref()), (3, Some("period")), "{e}");
        }
        let e = error_with("period", "years");
        assert_error(
            &e,
            3,
            Some("period"),
            "unknown period 'years' (did you mean year?); one of year, H1",
        );
        let e = error_with("period", "month 2025-13");
        assert_error(&e, 3, Some("period"), "'2025-13' is not a month (YYYY-MM)");
        let e = error_with("period", "month 2025-1..2025-03");
        assert_error(&e, 3, Some("period"), "'2025-1' is not a month");
    }

    #[test]
    fn windows_must_lie_in_the_year_and_run_forward() {
        let e = error_with("period", "month 2025-10..2026-01");
        assert_error(
            &e,
            3,
            Some("period"),
            "the window is outside the row's year 2025",
        );
        let e = error_with("period", "month 2024-03");
        assert_error(&e, 3, Some("period"), "outside the row's year 2025");
        let e = error_with("period", "average 2024-01..2024-08");
        assert_error(&e, 3, Some("period"), "outside the row's year 2025");
        let e = error_with("period", "month 2025-12..2025-10");
        assert_error(&e, 3, Some("period"), "the window starts after it ends");
        let e = error_with("period", "average 2025-08..2025-01");
        assert_error(&e, 3, Some("period"), "the window starts after it ends");
    }

    #[test]
    fn stock_dates_must_exist_lie_in_the_year_and_end_a_month() {
        let e = error_with("period", "at 2025-02-29");
        assert_error(
            &e,
            3,
            Some("period"),
            "'2025-02-29' is not a date (YYYY-MM-DD)",
        );
        let e = error_with("period", "at 2025-04-31");
        assert_error(&e, 3, Some("period"), "is not a date");
        let e = error_with("period", "at 25-08-31");
        assert_error(&e, 3, Some("period"), "is not a date");
        let e = error_with("period", "at 2025-08-15");
        assert_error(
            &e,
            3,
            Some("period"),
            "a stock is read at the end of a month",
        );
        let e = error_with("period", "at 2024-12-31");
        assert_error(
            &e,
            3,
            Some("period"),
            "'at 2024-12-31' is outside the row's year 2025",
        );
        let e = error_with("period", "at 2026-01-31");
        assert_error(&e, 3, Some("period"), "outside the row's year 2025");
        // EUR are not a stock.
        let mut eur = ROW;
        eur[4] = "eur";
        eur[2] = "at 2025-08-31";
        let e = parse("t.csv", &file(&[eur.join(",")])).unwrap_err();
        assert_error(
            &e,
            2,
            Some("period"),
            "which counts households or persons; EUR are paid",
        );
    }

    #[test]
    fn values_are_non_negative_numbers_whole_for_counts() {
        let e = error_with("value", "abc");
        assert_error(&e, 3, Some("value"), "'abc' is not a number");
        let e = error_with("value", "12,5");
        assert_error(&e, 3, Some("value"), "'12,5' is not a number");
        let e = error_with("value", "1 026");
        assert_error(&e, 3, Some("value"), "is not a number");
        let e = error_with("value", "-3");
        assert_error(&e, 3, Some("value"), "'-3' is negative");
        let e = error_with("value", "+3");
        assert_error(&e, 3, Some("value"), "'+3' is not a number");
        let e = error_with("value", "1e3");
        assert_error(&e, 3, Some("value"), "'1e3' is not a number");
        let e = error_with("value", "");
        assert_error(&e, 3, Some("value"), "is empty");
        let e = error_with("value", "168.5");
        assert_error(
            &e,
            3,
            Some("value"),
            "'168.5' is not a whole number of households",
        );
        let mut eur = ROW;
        eur[4] = "eur";
        eur[5] = "106409.899";
        let e = parse("t.csv", &file(&[eur.join(",")])).unwrap_err();
        assert_error(&e, 2, Some("value"), "more than two decimals");
        eur[5] = "106409.9";
        let f = &parse("t.csv", &file(&[eur.join(",")])).unwrap()[0];
        assert_eq!(f.value.to_string(), "106409.90");
        assert_eq!(f.units(), 10_640_990);
    }

    #[test]
    fn other_fields_are_checked() {
        let e = error_with("year", "25");
        assert_error(&e, 3, Some("year"), "'25' is not a year (four digits)");
        let e = error_with("basis", "");
        assert_error(&e, 3, Some("basis"), "say how the source counted");
        let e = error_with("use", "skip");
        assert_error(&e, 3, Some("use_note"), "a skipped figure says why");
        let e = error_with("source_url", "");
        assert_error(&e, 3, Some("source_url"), "every figure names its source");
        let e = error_with("period", "planned");
        assert_error(&e, 3, Some("use"), "a plan is not an outturn (use = skip)");
        // A plan that is skipped, with its reason, reads; so does a skipped duplicate.
        let mut plan = ROW;
        (plan[2], plan[7], plan[8]) = ("planned", "skip", "a plan");
        let base = row_with("year", "2025");
        let figures = parse("t.csv", &file(&[base.clone(), plan.join(",")])).unwrap();
        assert_eq!(figures[1].basis, Basis::Planned);
        let skipped = base.replace(",fit,,", ",skip,a copy,");
        assert_eq!(
            parse("t.csv", &file(&[base.clone(), skipped]))
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn the_same_figure_twice_is_refused() {
        let base = row_with("year", "2025");
        let text = file(&[base.clone(), base.replace(",168,", ",170,")]);
        let e = parse("t.csv", &text).unwrap_err();
        assert_error(
            &e,
            3,
            None,
            "the same figure as line 2 (ogres-novads 2025 gmi households, during 2025)",
        );
        // The same basis written differently is the same figure.
        let text = file(&[
            base.clone(),
            base.replace(",year,", ",month 2025-01..2025-12,"),
        ]);
        assert_error(
            &parse("t.csv", &text).unwrap_err(),
            3,
            None,
            "the same figure as line 2",
        );
        let text = file(&[base.clone(), base.replace(",fit,", ",check,")]);
        assert_error(
            &parse("t.csv", &text).unwrap_err(),
            3,
            None,
            "the same figure as line 2",
        );
    }

    #[test]
    fn the_header_and_the_shape_of_rows_are_checked() {
        let base = row_with("year", "2025");
        let without_use = HEADER.replace(",use,", ",usage,");
        let e = parse("t.csv", &format!("{without_use}\n{base}\n")).unwrap_err();
        assert_error(
            &e,
            1,
            None,
            "no 'use' column (found: municipality_slug, year, period",
        );
        let twice = format!("{HEADER},year");
        let e = parse("t.csv", &format!("{twice}\n{base},2025\n")).unwrap_err();
        assert_error(
            &e,
            1,
            Some("year"),
            "appears twice in the header (columns 2 and 12)",
        );
        let e = parse("t.csv", &file(&[base.clone(), "ogres-novads,2025".into()])).unwrap_err();
        assert_error(&e, 3, None, "2 fields, but the header has 11");
        assert_error(&parse("t.csv", "").unwrap_err(), 1, None, "empty file");
        assert_error(&parse("t.csv", " \n\n").unwrap_err(), 1, None, "empty file");
        assert_error(
            &parse("t.csv", &file(&[])).unwrap_err(),
            2,
            None,
            "no rows after the header",
        );
        // Extra and optional columns, a byte-order mark, CRLF, blank lines and spaces around
        // fields are fine; lines are counted as in the file.
        let text = format!(
            "\u{feff}municipality_name,{HEADER},source_date\r\nOgres novads, {}, 2026\r\n\r\nOgres novads,{},\r\n",
            base.replace(",", " , "),
            base.replace("households", "persons")
                .replace(",fit,", ",fiit,")
        );
        let e = parse("t.csv", &text).unwrap_err();
        assert_error(&e, 4, Some("use"), "unknown use 'fiit'");
        let figures = parse("t.csv", &text.replace("fiit", "fit")).unwrap();
        assert_eq!(figures.iter().map(|f| f.line).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(figures[0].basis_text, "paid the GMI benefit in 2025");
    }

    /// A shipped row: line, municipality, year, measure, unit, value, basis, basis in words.
    type Real = (
        usize,
        &'static str,
        i32,
        Measure,
        Unit,
        &'static str,
        Basis,
        &'static str,
    );

    /// The bases of real rows of the shipped file (its line numbers).
    #[test]
    fn shipped_rows_read_on_their_basis() {
        let figures = parse(SHIPPED_ORIGIN, SHIPPED).unwrap();
        let at = |line: usize| figures.iter().find(|f| f.line == line).unwrap();
        let during = |m: RangeInclusive<u8>| Basis::During { months: m };
        let cases: [Real; 16] = [
            (
                5,
                "latvia",
                2025,
                Measure::HousingBenefit,
                Unit::Eur,
                "30612067.00",
                during(1..=8),
                "during 2025-01..2025-08",
            ),
            (
                6,
                "latvia",
                2025,
                Measure::HousingBenefit,
                Unit::Persons,
                "33432",
                Basis::MonthlyAverage { months: 1..=8 },
                "monthly average 2025-01..2025-08",
            ),
            (
                8,
                "latvia",
                2025,
                Measure::HousingBenefit,
                Unit::Persons,
                "36763",
                during(3..=3),
                "during 2025-03",
            ),
            (
                9,
                "latvia",
                2025,
                Measure::LowIncomeStatus,
                Unit::Persons,
                "18552",
                Basis::Stock { month: 8 },
                "stock at end of 2025-08",
            ),
            (
                14,
                "latvia",
                2025,
                Measure::NeedyStatus,
                Unit::Persons,
                "37799",
                Basis::Stock { month: 12 },
                "stock at end of 2025-12",
            ),
            (
                16,
                "latvia",
                2026,
                Measure::NeedyStatus,
                Unit::Persons,
                "41164",
                Basis::Stock { month: 1 },
                "stock at end of 2026-01",
            ),
            (
                19,
                "bauskas-novads",
                2026,
                Measure::BirthBenefit,
                Unit::Eur,
                "52000.00",
                Basis::Planned,
                "planned 2026",
            ),
            (
                29,
                "jekabpils-novads",
                2022,
                Measure::Gmi,
                Unit::Eur,
                "525658.00",
                during(1..=12),
                "during 2022",
            ),
            (
                44,
                "kraslavas-novads",
                2022,
                Measure::Gmi,
                Unit::Eur,
                "102859.99",
                during(10..=12),
                "during 2022-10..2022-12",
            ),
            (
                45,
                "kraslavas-novads",
                2022,
                Measure::Gmi,
                Unit::Persons,
                "565",
                during(10..=12),
                "during 2022-10..2022-12",
            ),
            (
                85,
                "liepaja",
                2021,
                Measure::NeedyStatus,
                Unit::Persons,
                "1261",
                during(1..=3),
                "during 2021-01..2021-03",
            ),
            (
                91,
                "liepaja",
                2022,
                Measure::NeedyStatus,
                Unit::Persons,
                "2410",
                during(1..=12),
                "during 2022",
            ),
            (
                115,
                "riga",
                2023,
                Measure::NeedyStatus,
                Unit::Persons,
                "10840",
                Basis::Stock { month: 1 },
                "stock at end of 2023-01 (for 2023-01-01)",
            ),
            (
                116,
                "riga",
                2023,
                Measure::NeedyStatus,
                Unit::Persons,
                "9944",
                Basis::Stock { month: 6 },
                "stock at end of 2023-06",
            ),
            (
                126,
                "riga",
                2025,
                Measure::NeedyStatus,
                Unit::Persons,
                "11059",
                during(1..=6),
                "during 2025-01..2025-06",
            ),
            (
                129,
                "talsu-novads",
                2023,
                Measure::HousingBenefit,
                Unit::Eur,
                "74000.00",
                during(1..=1),
                "during 2023-01",
            ),
        ];
        for (line, muni, year, measure, unit, value, basis, words) in cases {
            let f = at(line);
            assert_eq!(
                (f.municipality.as_str(), f.year, f.measure, f.unit),
                (muni, year, measure, unit),
                "line {line}"
            );
            assert_eq!(f.value.to_string(), value, "line {line}");
            assert_eq!(f.basis, basis, "line {line}");
            assert_eq!(f.basis_words(), words, "line {line}");
        }
        assert!(at(115).is_approximate_stock() && !at(116).is_approximate_stock());
        assert_eq!(at(115).period.to_string(), "at 2023-01-01");
        assert_eq!(at(6).period.to_string(), "average 2025-01..2025-08");
        assert_eq!(at(44).period.to_string(), "month 2022-10..2022-12");
        // Ogre's report (after the 130 public rows).
        let ogre_gmi = figures
            .iter()
            .find(|f| {
                f.municipality == "ogres-novads" && f.measure == Measure::Gmi && f.unit == Unit::Eur
            })
            .unwrap();
        assert_eq!(
            (ogre_gmi.units(), ogre_gmi.basis.clone()),
            (10_640_989, during(1..=12))
        );
    }

    #[test]
    fn stocks_on_the_first_of_a_month_are_the_end_of_the_month_before() {
        let read = |period: &str, year: &str| {
            let text = file(&[row_with("period", period).replacen("2025", year, 1)]);
            let f = parse("t.csv", &text).unwrap().remove(0);
            (f.basis.clone(), f.basis_words())
        };
        assert_eq!(
            read("at 2024-07-01", "2024"),
            (Basis::Stock { month: 6 }, "stock at end of 2024-06".into())
        );
        assert_eq!(
            read("at 2026-01-01", "2025"),
            (Basis::Stock { month: 12 }, "stock at end of 2025-12".into())
        );
        assert_eq!(
            read("at 2025-01-01", "2025"),
            (
                Basis::Stock { month: 1 },
                "stock at end of 2025-01 (for 2025-01-01)".into()
            )
        );
        assert_eq!(read("at 2024-02-29", "2024").0, Basis::Stock { month: 2 });
        assert_eq!(
            read("month 2025-05", "2025").0,
            Basis::During { months: 5..=5 }
        );
        assert_eq!(
            read("average 2025-05", "2025").0,
            Basis::MonthlyAverage { months: 5..=5 }
        );
        assert_eq!(read("H1", "2025").0, Basis::During { months: 1..=6 });
    }

    /// A simulation made up for the tests: Ogre and Rīga, 2025 only, GMI and needy status only.
    struct Fake;

    impl Fake {
        fn base(municipality: &str, year: i32, measure: Measure) -> Option<i64> {
            if year != 2025 || !matches!(measure, Measure::Gmi | Measure::NeedyStatus) {
                return None;
            }
            match municipality {
                "ogres-novads" => Some(100),
                "riga" => Some(1_000),
                _ => None,
            }
        }
    }

    impl Simulated for Fake {
        fn councils(&self, year: i32) -> Vec<String> {
            if year == 2025 {
                vec!["ogres-novads".into(), "riga".into()]
            } else {
                vec![]
            }
        }
        fn households_during(
            &self,
            m: &str,
            y: i32,
            measure: Measure,
            months: RangeInclusive<u8>,
        ) -> Option<i64> {
            // Grows by 10 a month of the window.
            Fake::base(m, y, measure).map(|b| b + 10 * (months.end() - months.start()) as i64)
        }
        fn persons_during(
            &self,
            m: &str,
            y: i32,
            measure: Measure,
            months: RangeInclusive<u8>,
        ) -> Option<i64> {
            self.households_during(m, y, measure, months).map(|h| h * 2)
        }
        fn eur_during(
            &self,
            m: &str,
            y: i32,
            measure: Measure,
            months: RangeInclusive<u8>,
        ) -> Option<i64> {
            // 1 000.01 EUR a month.
            Fake::base(m, y, measure).map(|_| 100_001 * (months.end() - months.start() + 1) as i64)
        }
        fn households_at_month_end(
            &self,
            m: &str,
            y: i32,
            measure: Measure,
            month: u8,
        ) -> Option<i64> {
            Fake::base(m, y, measure).map(|b| b + month as i64)
        }
        fn persons_at_month_end(
            &self,
            m: &str,
            y: i32,
            measure: Measure,
            month: u8,
        ) -> Option<i64> {
            self.households_at_month_end(m, y, measure, month)
                .map(|h| h * 2)
        }
    }

    fn figures(rows: &[(&str, &str, &str, &str, &str, &str, &str)]) -> Vec<Figure> {
        let rows: Vec<String> = rows
            .iter()
            .map(|(m, y, period, measure, unit, value, usage)| {
                let note = if *usage == "skip" { "because" } else { "" };
                format!("{m},{y},{period},{measure},{unit},{value},b,{usage},{note},u,q")
            })
            .collect();
        parse("t.csv", &file(&rows)).unwrap()
    }

    #[test]
    fn figures_are_compared_on_their_basis() {
        let fs = figures(&[
            (
                "ogres-novads",
                "2025",
                "year",
                "gmi",
                "households",
                "168",
                "fit",
            ),
            (
                "ogres-novads",
                "2025",
                "year",
                "gmi",
                "persons",
                "254",
                "check",
            ),
            (
                "ogres-novads",
                "2025",
                "year",
                "gmi",
                "eur",
                "106409.89",
                "fit",
            ),
            (
                "ogres-novads",
                "2025",
                "month 2025-10..2025-12",
                "gmi",
                "households",
                "119",
                "fit",
            ),
            (
                "ogres-novads",
                "2025",
                "at 2025-08-31",
                "needy_status",
                "persons",
                "200",
                "fit",
            ),
            (
                "ogres-novads",
                "2025",
                "average 2025-01..2025-08",
                "needy_status",
                "households",
                "100",
                "fit",
            ),
            (
                "ogres-novads",
                "2025",
                "average 2025-01..2025-03",
                "gmi",
                "eur",
                "1000",
                "fit",
            ),
            (
                "latvia",
                "2025",
                "at 2025-08-31",
                "needy_status",
                "persons",
                "2000",
                "fit",
            ),
            (
                "latvia",
                "2025",
                "average 2025-01..2025-08",
                "needy_status",
                "persons",
                "2000",
                "fit",
            ),
            ("latvia", "2025", "year", "gmi", "eur", "24000", "fit"),
            // Not simulated: a measure, a council, a national figure with a council missing.
            (
                "ogres-novads",
                "2025",
                "year",
                "health_benefit",
                "households",
                "813",
                "fit",
            ),
            (
                "tukuma-novads",
                "2025",
                "year",
                "gmi",
                "households",
                "80",
                "fit",
            ),
            (
                "latvia",
                "2025",
                "year",
                "housing_benefit",
                "households",
                "5",
                "fit",
            ),
            // Not compared: skipped, planned, other years.
            (
                "ogres-novads",
                "2025",
                "year",
                "needy_status",
                "eur",
                "566645.96",
                "skip",
            ),
            ("ogres-novads", "2025", "planned", "gmi", "eur", "1", "skip"),
            (
                "ogres-novads",
                "2024",
                "year",
                "gmi",
                "households",
                "150",
                "fit",
            ),
            (
                "ogres-novads",
                "2025",
                "year",
                "gmi",
                "households",
                "0",
                "skip",
            ),
            (
                "ogres-novads",
                "2026",
                "year",
                "needy_status",
                "households",
                "0",
                "fit",
            ),
        ]);
        let rows = compare(&fs, &[2025, 2026], &Fake);
        let got: Vec<(usize, &str, Option<String>, Option<String>)> = rows
            .iter()
            .map(|r| {
                (
                    r.line,
                    r.basis_words.as_str(),
                    r.simulated.map(|d| d.to_string()),
                    r.ratio.map(|d| d.to_string()),
                )
            })
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            got,
            [
                // 100 + 10 × 11 = 210 households: 210 / 168 = 1.25.
                (2, "during 2025", s("210"), s("1.2500")),
                // 420 persons / 254 = 1.653543… → 1.6535 (a check is compared too).
                (3, "during 2025", s("420"), s("1.6535")),
                // 12 × 1 000.01 EUR / 106 409.89.
                (4, "during 2025", s("12000.12"), s("0.1128")),
                // 100 + 10 × 2 = 120 / 119 = 1.008403… → 1.0084.
                (5, "during 2025-10..2025-12", s("120"), s("1.0084")),
                // (100 + 8) × 2 = 216 persons at the end of August / 200.
                (6, "stock at end of 2025-08", s("216"), s("1.0800")),
                // The mean of the month-end stocks 101 … 108: 104.5 / 100.
                (
                    7,
                    "monthly average 2025-01..2025-08",
                    s("104.5"),
                    s("1.0450")
                ),
                // Three months' 3 000.03 EUR / 3 = 1 000.01 EUR a month / 1 000.
                (
                    8,
                    "monthly average 2025-01..2025-03",
                    s("1000.01"),
                    s("1.0000")
                ),
                // Ogre's 216 and Rīga's 2 016 persons.
                (9, "stock at end of 2025-08", s("2232"), s("1.1160")),
                // Persons: 2 × (104.5 + 1 004.5) = 2 218 / 2 000.
                (
                    10,
                    "monthly average 2025-01..2025-08",
                    s("2218.0"),
                    s("1.1090")
                ),
                (11, "during 2025", s("24000.24"), s("1.0000")),
                (12, "during 2025", None, None),
                (13, "during 2025", None, None),
                (14, "during 2025", None, None),
                // 2026: reported 0, nothing simulated (no councils, no answers).
                (19, "during 2026", None, None),
            ]
        );
        assert!(rows.iter().all(|r| !r.fitted));
        assert_eq!(rows[1].usage, Use::Check);
        assert_eq!(
            (rows[0].measure, rows[0].unit),
            (Measure::Gmi, Unit::Households)
        );
        assert_eq!(rows[2].reported.to_string(), "106409.89");
        // Only the years asked for.
        assert_eq!(compare(&fs, &[2024], &Fake).len(), 1);
        assert!(compare(&fs, &[2023], &Fake).is_empty());
        // A national figure needs councils: none simulated in 2026.
        let national = figures(&[("latvia", "2026", "year", "gmi", "households", "10", "fit")]);
        assert_eq!(compare(&national, &[2026], &Fake)[0].simulated, None);
    }

    #[test]
    fn ratios_are_rounded_once_half_away_from_zero() {
        assert_eq!(round_div(1, 2), 1);
        assert_eq!(round_div(3, 2), 2);
        assert_eq!(round_div(-3, 2), -2);
        assert_eq!(round_div(5, 3), 2);
        assert_eq!(round_div(4, 3), 1);
        assert_eq!(round_div(0, 7), 0);
        // 100 + 10 × 11 = 210 households against 4 200 000: 0.00005 → 0.0001.
        let fs = figures(&[(
            "ogres-novads",
            "2025",
            "year",
            "gmi",
            "households",
            "4200000",
            "fit",
        )]);
        assert_eq!(
            compare(&fs, &[2025], &Fake)[0].ratio.unwrap().to_string(),
            "0.0001"
        );
        // A reported 0 has no ratio, but its simulated value.
        let fs = figures(&[(
            "ogres-novads",
            "2025",
            "year",
            "gmi",
            "households",
            "0",
            "fit",
        )]);
        let r = &compare(&fs, &[2025], &Fake)[0];
        assert_eq!(
            (r.simulated.map(|d| d.to_string()), r.ratio),
            (Some("210".into()), None)
        );
    }

    #[test]
    fn comparisons_are_written_as_validate_csv() {
        let fs = figures(&[
            (
                "ogres-novads",
                "2025",
                "year",
                "gmi",
                "households",
                "168",
                "fit",
            ),
            (
                "ogres-novads",
                "2025",
                "year",
                "gmi",
                "eur",
                "5337.7",
                "check",
            ),
            (
                "ogres-novads",
                "2025",
                "year",
                "health_benefit",
                "households",
                "813",
                "fit",
            ),
            (
                "ogres-novads",
                "2025",
                "average 2025-01..2025-02",
                "gmi",
                "households",
                "100",
                "fit",
            ),
        ]);
        let mut rows = compare(&fs, &[2025], &Fake);
        rows[0].fitted = true;
        assert_eq!(
            to_csv(&rows),
            "municipality,year,measure,unit,basis,reported,simulated,ratio,fitted,use\n\
             ogres-novads,2025,gmi,households,during 2025,168,210,1.2500,yes,fit\n\
             ogres-novads,2025,gmi,eur,during 2025,5337.70,12000.12,2.2482,no,check\n\
             ogres-novads,2025,health_benefit,households,during 2025,813,,,no,fit\n\
             ogres-novads,2025,gmi,households,monthly average 2025-01..2025-02,100,101.5,1.0150,no,fit\n"
        );
        assert_eq!(to_csv(&[]), format!("{}\n", VALIDATE_COLUMNS.join(",")));
    }
}
