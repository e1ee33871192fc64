//! Calendar dates and simulated months (`YYYY-MM`), without a calendar crate: the rules only
//! need "the first day of the simulated month" and ordering of "in force from" dates.

use std::fmt;

/// A calendar date, ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year: i32 = text[0..4].parse().ok()?;
        let month: u8 = text[5..7].parse().ok()?;
        let day: u8 = text[8..10].parse().ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The years the rules and their parameters are written for. A month outside them and outside
/// [`PROJECTED_YEARS`] would run on the nearest year's parameters and say it was another year,
/// so every command refuses it.
pub const RULE_YEARS: std::ops::RangeInclusive<i32> = 2021..=2026;

/// The years after [`RULE_YEARS`] that run on projected parameters: the last written values
/// carried on, and the median, the minimum wage and the councils' amounts grown by named
/// assumptions (`assumptions`). Up to 2030: a council's budget year and its three planning
/// years (the medium-term budget), asked for from 2027; further ahead, the population's people
/// (ages, households, of 2025–2026) and the compounded growth rates say too little.
pub const PROJECTED_YEARS: std::ops::RangeInclusive<i32> = 2027..=2030;

/// Whether a year can be simulated: written rules, or projected ones.
pub fn simulated_year(year: i32) -> bool {
    RULE_YEARS.contains(&year) || PROJECTED_YEARS.contains(&year)
}

/// The years that can be simulated, for messages: "2021–2030 (2027–2030 projected)".
pub fn simulated_years_text() -> String {
    format!(
        "{}–{} ({}–{} projected from assumptions)",
        RULE_YEARS.start(),
        PROJECTED_YEARS.end(),
        PROJECTED_YEARS.start(),
        PROJECTED_YEARS.end()
    )
}

/// A simulated month. Rules are resolved at its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub month: u8,
}

impl Period {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Period> {
        let b = text.as_bytes();
        if b.len() != 7 || b[4] != b'-' || !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
            return None;
        }
        let year: i32 = text[0..4].parse().ok()?;
        let month: u8 = text[5..7].parse().ok()?;
        (1..=12).contains(&month).then_some(Period { year, month })
    }

    /// The first day of the month: the date at which parameters are resolved.
    pub fn first_day(self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: 1,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        assert_eq!(
            Period::parse("2025-01"),
            Some(Period {
                year: 2025,
                month: 1
            })
        );
        assert_eq!(Period::parse("2025-13"), None);
        assert_eq!(Period::parse("2025-1"), None);
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-07-01").unwrap() < Date::parse("2024-01-01").unwrap());
        assert_eq!(
            Period::parse("2026-05").unwrap().first_day().to_string(),
            "2026-05-01"
        );
    }
}
