//! Exact numbers for columns: every value is an `i64` counting ten-thousandths (4 decimals).
//!
//! Money enters as cents (two decimals) and leaves as cents, but products such as `K × GMI level`
//! or `30 % × benefit` need room for more decimals before the law rounds them, so columns carry
//! four. Parameters are `rust_decimal::Decimal` and are converted exactly, or refused.
//! Rounding is never implicit except where stated: [`mul`] rounds products half away from zero at
//! the fourth decimal; the legal roundings (half-up to whole euros or to cents) are explicit calls.

use rust_decimal::Decimal;

/// Units per 1 (EUR, year, person).
pub const SCALE: i64 = 10_000;
/// Decimals carried by [`SCALE`].
pub const DECIMALS: u32 = 4;
/// One cent in fixed units.
pub const CENT: i64 = SCALE / 100;

/// Why a text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    Empty,
    NotANumber,
    Negative,
    TooManyDecimals,
    TooLarge,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ParseError::Empty => "is empty",
            ParseError::NotANumber => "is not a number",
            ParseError::Negative => "is negative",
            ParseError::TooManyDecimals => {
                "has more than two decimals (amounts are in EUR and cents)"
            }
            ParseError::TooLarge => "is too large",
        })
    }
}

/// Largest amount accepted from input files: 1 000 000 000 EUR. Far above any household's monthly
/// money; with it a year's totals of any real population fit the summary's 64-bit cents
/// (`summary`, whose sums are 128-bit and checked, says how far).
pub const MAX_INPUT: i64 = 1_000_000_000 * SCALE;

/// Largest amount the rules may pay one household in one month: 1 000 000 000 000 EUR, a
/// thousand times the largest input. Twelve of them and their split into state share and
/// municipal net still fit an i64 several hundred times over, so a year's sums per household
/// cannot wrap; an amount above it is a bug in the rules, reported as such.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000 * SCALE;

/// Parses a non-negative decimal amount with at most `max_decimals` decimals (`"1234.5"`,
/// `"0.07"`, `"12"`) into fixed units. No sign, no exponent, no thousands separators.
pub fn parse(text: &[u8], max_decimals: u32) -> Result<i64, ParseError> {
    let text = trim(text);
    if text.is_empty() {
        return Err(ParseError::Empty);
    }
    if text[0] == b'-' {
        return match parse(&text[1..], max_decimals) {
            Ok(0) => Ok(0),
            Ok(_) => Err(ParseError::Negative),
            Err(e) => Err(e),
        };
    }
    let text = if text[0] == b'+' { &text[1..] } else { text };
    let (int_part, frac_part) = match memchr::memchr(b'.', text) {
        Some(dot) => (&text[..dot], Some(&text[dot + 1..])),
        None => (text, None),
    };
    if int_part.is_empty() && frac_part.is_none_or(|f| f.is_empty()) {
        return Err(ParseError::NotANumber);
    }
    let value = digits(int_part)?;
    if value > MAX_INPUT / SCALE {
        return Err(ParseError::TooLarge);
    }
    let mut value = value * SCALE;
    if let Some(frac) = frac_part {
        let mut unit = SCALE;
        for (i, &c) in frac.iter().enumerate() {
            if !c.is_ascii_digit() {
                return Err(ParseError::NotANumber);
            }
            // Trailing zeros beyond the allowed decimals are harmless ("12.500").
            if i as u32 >= max_decimals {
                if c != b'0' {
                    return Err(ParseError::TooManyDecimals);
                }
                continue;
            }
            unit /= 10;
            value += (c - b'0') as i64 * unit;
        }
    }
    if value > MAX_INPUT {
        return Err(ParseError::TooLarge);
    }
    Ok(value)
}

/// Parses a whole number (`"42"`) into plain `i64` (not fixed units).
pub fn parse_int(text: &[u8]) -> Result<i64, ParseError> {
    let text = trim(text);
    if text.is_empty() {
        return Err(ParseError::Empty);
    }
    let (negative, rest) = match text[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest.is_empty() {
        return Err(ParseError::NotANumber);
    }
    let value = digits(rest)?;
    Ok(if negative { -value } else { value })
}

/// The value of a run of decimal digits (possibly empty: 0).
fn digits(text: &[u8]) -> Result<i64, ParseError> {
    let mut value: i64 = 0;
    for &c in text {
        if !c.is_ascii_digit() {
            return Err(ParseError::NotANumber);
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add((c - b'0') as i64))
            .ok_or(ParseError::TooLarge)?;
    }
    Ok(value)
}

fn trim(text: &[u8]) -> &[u8] {
    text.trim_ascii()
}

/// Exact conversion of a decimal into fixed units; `None` if it has more than four decimals or
/// does not fit.
pub fn from_decimal(d: Decimal) -> Option<i64> {
    let scaled = d.checked_mul(Decimal::from(SCALE))?;
    if !scaled.fract().is_zero() {
        return None;
    }
    i64::try_from(scaled).ok()
}

/// The decimal value of fixed units, with trailing zeros removed.
pub fn to_decimal(v: i64) -> Decimal {
    Decimal::new(v, DECIMALS).normalize()
}

/// `a × b` where both are fixed units, rounded half away from zero at the fourth decimal.
/// `None` on overflow.
#[inline]
pub fn mul(a: i64, b: i64) -> Option<i64> {
    // Split b into whole units and a remainder so the common case (b a whole number, such as a
    // household size) needs no 128-bit division.
    let q = b / SCALE;
    let r = b % SCALE;
    let whole = a.checked_mul(q)?;
    if r == 0 {
        return Some(whole);
    }
    let part = match a.checked_mul(r) {
        Some(p) => div_round(p, SCALE),
        None => i64::try_from(div_round_128(a as i128 * r as i128, SCALE as i128)).ok()?,
    };
    whole.checked_add(part)
}

/// `v / d` rounded half away from zero (d > 0).
#[inline]
pub fn div_round(v: i64, d: i64) -> i64 {
    let half = d / 2;
    if v >= 0 {
        (v + half) / d
    } else {
        -((-v + half) / d)
    }
}

fn div_round_128(v: i128, d: i128) -> i128 {
    let half = d / 2;
    if v >= 0 {
        (v + half) / d
    } else {
        -((-v + half) / d)
    }
}

/// Rounds fixed units half away from zero to a multiple of `unit` (e.g. [`CENT`] or [`SCALE`]).
/// For the non-negative amounts of the law this is the legal "half up".
#[inline]
pub fn round_to(v: i64, unit: i64) -> i64 {
    div_round(v, unit) * unit
}

/// Rounds towards negative infinity to a multiple of `unit`.
#[inline]
pub fn floor_to(v: i64, unit: i64) -> i64 {
    v.div_euclid(unit) * unit
}

/// Whether `v` is a whole number of cents (`CENTS = true`) or of euros, without a division: an
/// odd factor `d` divides `a` exactly when `a × d⁻¹ (mod 2⁶⁴) ≤ (2⁶⁴ − 1) / d` (Granlund and
/// Montgomery 1994), and the power of two is a mask. Loops of it vectorise; loops of `%` do not.
#[inline(always)]
pub fn is_whole<const CENTS: bool>(v: i64) -> bool {
    // 100 = 4 × 25 and 10 000 = 16 × 625.
    const fn inverse(d: u64) -> u64 {
        // Newton's iteration doubles the correct low bits each step: 3, 6, 12, 24, 48, 96.
        let mut x = d;
        let mut i = 0;
        while i < 5 {
            x = x.wrapping_mul(2u64.wrapping_sub(d.wrapping_mul(x)));
            i += 1;
        }
        x
    }
    let (odd, twos) = if CENTS { (25u64, 3u64) } else { (625, 15) };
    let a = v.unsigned_abs();
    (a & twos == 0) & (a.wrapping_mul(inverse(odd)) <= u64::MAX / odd)
}

/// Formats fixed units that are whole cents as `"1234.50"`; `None` if the value has a fraction
/// of a cent (the caller forgot a rounding rule).
pub fn format_cents(v: i64) -> Option<String> {
    if v % CENT != 0 {
        return None;
    }
    let cents = v / CENT;
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    Some(format!("{sign}{}.{:02}", c / 100, c % 100))
}

/// Formats any fixed value with as many decimals as it needs (at least two for amounts).
pub fn format_amount(v: i64) -> String {
    match format_cents(v) {
        Some(s) => s,
        None => to_decimal(v).to_string(),
    }
}

/// Cents as `"1234.50"` (for sums already held in cents).
pub fn format_cents_i128(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_cents_and_euros_without_division() {
        let mut values: Vec<i64> = (-30_000..30_000).collect();
        values.extend([
            i64::MIN,
            i64::MAX,
            i64::MIN + 1,
            MAX_INPUT,
            -MAX_INPUT,
            9_999_990_000,
        ]);
        for v in values {
            assert_eq!(is_whole::<true>(v), v % CENT == 0, "{v}");
            assert_eq!(is_whole::<false>(v), v % SCALE == 0, "{v}");
        }
    }

    #[test]
    fn parses_amounts_exactly() {
        assert_eq!(parse(b"1234.50", 2), Ok(12_345_000));
        assert_eq!(parse(b"0.07", 2), Ok(700));
        assert_eq!(parse(b"12", 2), Ok(120_000));
        assert_eq!(parse(b" 3.5 ", 2), Ok(35_000));
        assert_eq!(parse(b"12.500", 2), Ok(125_000));
        assert_eq!(parse(b".5", 2), Ok(5_000));
        assert_eq!(parse(b"-0.00", 2), Ok(0));
    }

    #[test]
    fn refuses_bad_amounts() {
        assert_eq!(parse(b"", 2), Err(ParseError::Empty));
        assert_eq!(parse(b"abc", 2), Err(ParseError::NotANumber));
        assert_eq!(parse(b"1,5", 2), Err(ParseError::NotANumber));
        assert_eq!(parse(b"-1.00", 2), Err(ParseError::Negative));
        assert_eq!(parse(b"1.005", 2), Err(ParseError::TooManyDecimals));
        assert_eq!(parse(b"1e5", 2), Err(ParseError::NotANumber));
        assert_eq!(parse(b"99999999999999999999", 2), Err(ParseError::TooLarge));
        assert_eq!(parse(b".", 2), Err(ParseError::NotANumber));
    }

    #[test]
    fn multiplies_exactly_and_rounds_half_away_from_zero() {
        // 1.3 × 226.00 = 293.80
        assert_eq!(mul(13_000, 2_260_000), Some(2_938_000));
        // 0.3 × 0.0005 = 0.00015 → 0.0002
        assert_eq!(mul(3_000, 5), Some(2));
        assert_eq!(mul(-3_000, 5), Some(-2));
        assert_eq!(mul(i64::MAX, 2 * SCALE), None);
    }

    #[test]
    fn rounds_like_the_law() {
        // 297.5 → 298 (half up), 0.125 EUR → 0.13
        assert_eq!(round_to(2_975_000, SCALE), 2_980_000);
        assert_eq!(round_to(1_250, CENT), 1_300);
        assert_eq!(round_to(1_249, CENT), 1_200);
        assert_eq!(floor_to(1_299, CENT), 1_200);
    }

    #[test]
    fn formats_cents_and_refuses_fractions() {
        assert_eq!(format_cents(12_345_000).as_deref(), Some("1234.50"));
        assert_eq!(format_cents(-500).as_deref(), Some("-0.05"));
        assert_eq!(format_cents(12_345_001), None);
        assert_eq!(format_amount(3), "0.0003");
    }
}
