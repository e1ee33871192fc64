//! Household and person identifiers, and the 64-bit key of each that random draws use.
//!
//! An id is text: 1 to [`MAX_ID_BYTES`] bytes of UTF-8 without control characters, as register
//! extracts give them (`h1`, `LV-0012`, personal codes like `010190-12345`) and as the CSV files
//! of `populations/README.md` hold them. Two ids are the same id when their texts are equal, byte
//! for byte (`7` and `007` are two ids).
//!
//! **Storage.** [`Ids`] is one column of ids. It keeps one `u64` key per id and, only when some
//! id is not a plain number, the texts: one UTF-8 buffer and one end offset per id, so there is
//! no allocation per id. A plain number is an id that is exactly the decimal form of a `u64` (no
//! sign, no leading zero: `0`, `17`, `400000000015`); when every id of a column is one, its key
//! *is* the id and no text is kept (8 bytes an id, as generated populations and numbered CSV
//! files always had). A column with other ids takes 8 + 4 bytes an id plus its text.
//!
//! **The key** ([`key`], the draw contract in `populations/README.md`): an id written as a whole
//! number from 0 to 2⁶⁴ − 1 — ASCII digits, optionally after one `+`, leading zeros allowed: what
//! the loader read as a number when ids had to be numbers — has that number as its key, so the
//! draws of every population that loaded then are unchanged. Any other id has the 64-bit FNV-1a
//! hash of its UTF-8 bytes (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`), a fixed
//! function of the bytes on every platform. Keys are not ids: two ids may share a key (`7` and
//! `007`; a hash collision, about one chance in 10⁷ among a million ids) and then draw the same
//! numbers; nothing else depends on keys.

use std::fmt;
use std::hash::{Hash, Hasher};

/// The longest id, in bytes of UTF-8.
pub const MAX_ID_BYTES: usize = 64;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The 64-bit FNV-1a hash of `bytes` (Fowler, Noll, Vo).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = FNV_OFFSET;
    for &b in bytes {
        h = (h ^ b as u64).wrapping_mul(FNV_PRIME);
    }
    h
}

/// The number an id written as a whole number stands for: ASCII digits, optionally after one
/// `+`, at most 2⁶⁴ − 1 (leading zeros allowed).
pub fn number(text: &[u8]) -> Option<u64> {
    let digits = text.strip_prefix(b"+").unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(d as u64)?;
    }
    Some(value)
}

/// The number whose decimal form `text` is exactly (no sign, no leading zero).
#[inline]
pub fn plain_number(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 || (text[0] == b'0' && text.len() > 1) {
        return None;
    }
    let mut value: u64 = 0;
    for &c in text {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(d as u64)?;
    }
    Some(value)
}

/// The draw key of an id: its [`number`] if it is written as one, else [`fnv1a64`] of its bytes.
#[inline]
pub fn key(text: &[u8]) -> u64 {
    number(text).unwrap_or_else(|| fnv1a64(text))
}

/// Why a text is not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    Empty,
    /// Its length in bytes.
    TooLong(usize),
    NotUtf8,
    Control(char),
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Empty => write!(f, "is empty"),
            IdError::TooLong(n) => write!(
                f,
                "has {n} bytes; an identifier has at most {MAX_ID_BYTES} bytes"
            ),
            IdError::NotUtf8 => write!(f, "is not UTF-8 text"),
            IdError::Control(c) => write!(
                f,
                "has a control character (U+{:04X}); an identifier is text without control \
                 characters",
                *c as u32
            ),
        }
    }
}

/// `text` as an id, or why it is not one. Surrounding spaces are not taken off here: the CSV
/// loader trims fields before.
pub fn check(text: &[u8]) -> Result<&str, IdError> {
    if text.is_empty() {
        return Err(IdError::Empty);
    }
    if text.len() > MAX_ID_BYTES {
        return Err(IdError::TooLong(text.len()));
    }
    let s = std::str::from_utf8(text).map_err(|_| IdError::NotUtf8)?;
    match s.chars().find(|c| c.is_control()) {
        Some(c) => Err(IdError::Control(c)),
        None => Ok(s),
    }
}

/// What [`parse`] finds out about an id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The id is this plain number ([`plain_number`]).
    pub plain: Option<u64>,
    /// Its draw key ([`key`]).
    pub key: u64,
}

/// [`check`], [`plain_number`] and [`key`] of `text` in one pass (what the CSV loader does for
/// every id field).
#[inline]
pub fn parse(text: &[u8]) -> Result<Parsed, IdError> {
    if let Some(n) = plain_number(text) {
        return Ok(Parsed {
            plain: Some(n),
            key: n,
        });
    }
    if text.is_empty() {
        return Err(IdError::Empty);
    }
    if text.len() > MAX_ID_BYTES {
        return Err(IdError::TooLong(text.len()));
    }
    // Printable ASCII, the usual case, in the same pass as the hash; anything else is looked at
    // character by character.
    let mut hash = FNV_OFFSET;
    let mut printable = true;
    for &b in text {
        hash = (hash ^ b as u64).wrapping_mul(FNV_PRIME);
        printable &= (0x20..0x7f).contains(&b);
    }
    if !printable {
        check(text)?;
    }
    // Only a text that starts like a number can be one written with a sign or leading zeros.
    let key = match text[0] {
        b'+' | b'0'..=b'9' => number(text).unwrap_or(hash),
        _ => hash,
    };
    Ok(Parsed { plain: None, key })
}

/// One id: a plain number (a column without texts), or its text.
#[derive(Debug, Clone, Copy)]
pub enum Id<'a> {
    Number(u64),
    Text(&'a str),
}

impl<'a> Id<'a> {
    /// Its draw key ([`key`]).
    pub fn key(&self) -> u64 {
        match *self {
            Id::Number(n) => n,
            Id::Text(t) => key(t.as_bytes()),
        }
    }

    /// Calls `f` with the id's text as bytes.
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            Id::Number(n) => {
                let mut buf = [0u8; 20];
                f(decimal(&mut buf, n))
            }
            Id::Text(t) => f(t.as_bytes()),
        }
    }

    /// Appends the id as a CSV field: quoted (`"` doubled) if it holds `,` or `"`.
    pub fn write_csv(&self, out: &mut Vec<u8>) {
        match *self {
            Id::Number(n) => {
                let mut buf = [0u8; 20];
                out.extend_from_slice(decimal(&mut buf, n));
            }
            Id::Text(t) => {
                if needs_quotes(t) {
                    out.push(b'"');
                    for &b in t.as_bytes() {
                        if b == b'"' {
                            out.push(b'"');
                        }
                        out.push(b);
                    }
                    out.push(b'"');
                } else {
                    out.extend_from_slice(t.as_bytes());
                }
            }
        }
    }

    /// The id as a CSV field, for `write!` ([`Id::write_csv`]).
    pub fn csv(self) -> CsvId<'a> {
        CsvId(self)
    }
}

fn needs_quotes(t: &str) -> bool {
    t.bytes().any(|b| b == b',' || b == b'"')
}

/// The decimal digits of `v`, written at the end of `buf`.
#[inline]
fn decimal(buf: &mut [u8; 20], mut v: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

impl fmt::Display for Id<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Number(n) => fmt::Display::fmt(n, f),
            Id::Text(t) => f.pad(t),
        }
    }
}

impl PartialEq for Id<'_> {
    fn eq(&self, other: &Id<'_>) -> bool {
        match (self, other) {
            (Id::Number(a), Id::Number(b)) => a == b,
            (Id::Text(a), Id::Text(b)) => a == b,
            _ => self.with_bytes(|a| other.with_bytes(|b| a == b)),
        }
    }
}

impl Eq for Id<'_> {}

impl PartialEq<str> for Id<'_> {
    fn eq(&self, other: &str) -> bool {
        self.with_bytes(|a| a == other.as_bytes())
    }
}

impl PartialEq<&str> for Id<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl Hash for Id<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.with_bytes(|b| b.hash(state))
    }
}

impl PartialOrd for Id<'_> {
    fn partial_cmp(&self, other: &Id<'_>) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Byte order of the texts (so `10` < `9`).
impl Ord for Id<'_> {
    fn cmp(&self, other: &Id<'_>) -> std::cmp::Ordering {
        self.with_bytes(|a| other.with_bytes(|b| a.cmp(b)))
    }
}

/// An id formatted as a CSV field ([`Ids::csv`]).
#[derive(Debug, Clone, Copy)]
pub struct CsvId<'a>(Id<'a>);

impl fmt::Display for CsvId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Id::Number(n) => write!(f, "{n}"),
            Id::Text(t) if needs_quotes(t) => write!(f, "\"{}\"", t.replace('"', "\"\"")),
            Id::Text(t) => f.write_str(t),
        }
    }
}

/// A column of ids (see the module's documentation).
#[derive(Clone, Default)]
pub struct Ids {
    keys: Vec<u64>,
    /// `None`: every id is the plain number of its key.
    text: Option<Text>,
}

/// Every id's text, one after the other; id `i` ends at `ends[i]` and starts where id `i − 1`
/// ends (or at 0).
#[derive(Clone, Default)]
struct Text {
    bytes: String,
    ends: Vec<u32>,
}

impl Text {
    #[inline]
    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    fn push(&mut self, text: &str) {
        self.bytes.push_str(text);
        self.ends.push(
            u32::try_from(self.bytes.len()).expect("at most 4 GiB of identifiers in one column"),
        );
    }
}

impl Ids {
    pub fn new() -> Ids {
        Ids::default()
    }

    /// A column of plain numbers.
    pub fn from_numbers(numbers: Vec<u64>) -> Ids {
        Ids {
            keys: numbers,
            text: None,
        }
    }

    pub fn with_capacity(n: usize) -> Ids {
        Ids::from_numbers(Vec::with_capacity(n))
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Every id is a plain number, and no text is kept.
    pub fn all_numbers(&self) -> bool {
        self.text.is_none()
    }

    /// The draw key of id `i` ([`key`]).
    #[inline]
    pub fn key(&self, i: usize) -> u64 {
        self.keys[i]
    }

    /// The draw keys, in order.
    pub fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// Id `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Id<'_> {
        match &self.text {
            None => Id::Number(self.keys[i]),
            Some(t) => Id::Text(t.get(i)),
        }
    }

    /// Id `i` as a CSV field, for `write!`: quoted if it holds `,` or `"`.
    pub fn csv(&self, i: usize) -> CsvId<'_> {
        CsvId(self.get(i))
    }

    /// Appends id `i` to `out` as a CSV field ([`Ids::csv`]).
    #[inline]
    pub fn write_csv(&self, i: usize, out: &mut Vec<u8>) {
        self.get(i).write_csv(out)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Id<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The position of the id whose text is `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        match &self.text {
            None => {
                let n = plain_number(id.as_bytes())?;
                self.keys.iter().position(|&k| k == n)
            }
            Some(t) => {
                let k = key(id.as_bytes());
                (0..self.len()).find(|&i| self.keys[i] == k && t.get(i) == id)
            }
        }
    }

    /// Appends a plain number.
    pub fn push_number(&mut self, n: u64) {
        self.keys.push(n);
        if let Some(t) = &mut self.text {
            let mut buf = [0u8; 20];
            let digits = decimal(&mut buf, n);
            t.push(std::str::from_utf8(digits).unwrap_or_default());
        }
    }

    /// Appends an id, after checking its text ([`check`]).
    pub fn push(&mut self, id: Id<'_>) -> Result<(), IdError> {
        match id {
            Id::Number(n) => self.push_number(n),
            Id::Text(t) => {
                check(t.as_bytes())?;
                self.push_valid(t);
            }
        }
        Ok(())
    }

    /// Appends the text of an id that has been checked.
    pub(crate) fn push_valid(&mut self, text: &str) {
        match (&self.text, plain_number(text.as_bytes())) {
            (None, Some(n)) => self.keys.push(n),
            _ => {
                self.text_mut().push(text);
                self.keys.push(key(text.as_bytes()));
            }
        }
    }

    /// Appends id `i` of `other`.
    pub fn push_from(&mut self, other: &Ids, i: usize) {
        match other.get(i) {
            Id::Number(n) => self.push_number(n),
            Id::Text(t) => self.push_valid(t),
        }
    }

    /// The text of id `i` if the column keeps texts (`None`: every id is its key's number).
    #[inline]
    pub fn text(&self, i: usize) -> Option<&str> {
        self.text.as_ref().map(|t| t.get(i))
    }

    /// The text of id `i` as bytes (empty if the column keeps no texts).
    #[inline]
    pub(crate) fn text_bytes(&self, i: usize) -> &[u8] {
        match &self.text {
            None => &[],
            Some(t) => {
                let start = if i == 0 { 0 } else { t.ends[i - 1] as usize };
                &t.bytes.as_bytes()[start..t.ends[i] as usize]
            }
        }
    }

    /// The keys of a column of plain numbers (`None` if it keeps texts).
    pub(crate) fn into_numbers(self) -> Result<Vec<u64>, Ids> {
        match self.text {
            None => Ok(self.keys),
            Some(_) => Err(self),
        }
    }

    /// The texts, made from the keys if there were none.
    fn text_mut(&mut self) -> &mut Text {
        let keys = &self.keys;
        self.text.get_or_insert_with(|| {
            let mut t = Text {
                bytes: String::with_capacity(keys.len() * 8),
                ends: Vec::with_capacity(keys.len()),
            };
            for &k in keys {
                let mut buf = [0u8; 20];
                t.push(std::str::from_utf8(decimal(&mut buf, k)).unwrap_or_default());
            }
            t
        })
    }

    /// The ids at `order` (positions), in that order.
    pub fn gather(&self, order: &[u32]) -> Ids {
        let keys: Vec<u64> = order.iter().map(|&i| self.keys[i as usize]).collect();
        let text = self.text.as_ref().map(|t| {
            let mut out = Text {
                bytes: String::with_capacity(t.bytes.len()),
                ends: Vec::with_capacity(order.len()),
            };
            for &i in order {
                out.push(t.get(i as usize));
            }
            out
        });
        Ids { keys, text }
    }

    /// Bytes held on the heap (capacity not counted).
    pub fn heap_bytes(&self) -> usize {
        self.keys.len() * 8
            + self
                .text
                .as_ref()
                .map_or(0, |t| t.bytes.len() + t.ends.len() * 4)
    }
}

/// A column of ids as the CSV loader reads it, one part of a file at a time: keys, and the texts
/// as bytes once some id is not a plain number. Every id pushed has been [`parse`]d; the texts
/// are checked to be UTF-8 once, for the whole column, by [`IdColumn::finish`].
#[derive(Debug, Default)]
pub(crate) struct IdColumn {
    keys: Vec<u64>,
    /// Texts and end offsets, once some id is not a plain number.
    text: Option<(Vec<u8>, Vec<u32>)>,
    /// More than 4 GiB of texts.
    overflow: bool,
}

impl IdColumn {
    pub(crate) fn with_capacity(n: usize) -> IdColumn {
        IdColumn {
            keys: Vec::with_capacity(n),
            ..IdColumn::default()
        }
    }

    pub(crate) fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// Appends an id: its text (already [`parse`]d to `parsed`).
    #[inline(always)]
    pub(crate) fn push(&mut self, text: &[u8], parsed: Parsed) {
        match (&self.text, parsed.plain) {
            (None, Some(n)) => self.keys.push(n),
            _ => self.push_text(text, parsed.key),
        }
    }

    /// [`IdColumn::push`] of an id whose text is kept: out of line, so that the loop over
    /// numbered ids stays small.
    #[cold]
    #[inline(never)]
    fn push_text(&mut self, text: &[u8], key: u64) {
        let keys = &self.keys;
        let (bytes, ends) = self.text.get_or_insert_with(|| {
            let mut bytes = Vec::with_capacity(keys.capacity() * 12);
            let mut ends = Vec::with_capacity(keys.capacity());
            for &k in keys {
                let mut buf = [0u8; 20];
                bytes.extend_from_slice(decimal(&mut buf, k));
                ends.push(bytes.len() as u32);
            }
            (bytes, ends)
        });
        bytes.extend_from_slice(text);
        match u32::try_from(bytes.len()) {
            Ok(end) => ends.push(end),
            Err(_) => {
                self.overflow = true;
                bytes.clear();
                ends.push(0);
            }
        }
        self.keys.push(key);
    }

    /// Columns one after the other; `keys` is theirs already joined (the loader copies them in
    /// parallel).
    pub(crate) fn join(parts: &[&IdColumn], keys: Vec<u64>) -> IdColumn {
        if parts.iter().all(|p| p.text.is_none()) {
            return IdColumn {
                keys,
                text: None,
                overflow: false,
            };
        }
        let mut total = 0usize;
        for p in parts {
            total += match &p.text {
                Some((bytes, _)) => bytes.len(),
                None => p.keys.iter().map(|&k| digits(k)).sum(),
            };
        }
        let overflow = parts.iter().any(|p| p.overflow) || u32::try_from(total).is_err();
        if overflow {
            return IdColumn {
                keys,
                text: Some((Vec::new(), Vec::new())),
                overflow,
            };
        }
        let mut bytes = Vec::with_capacity(total);
        let mut ends = Vec::with_capacity(keys.len());
        for p in parts {
            match &p.text {
                Some((b, e)) => {
                    let base = bytes.len() as u32;
                    bytes.extend_from_slice(b);
                    ends.extend(e.iter().map(|&e| e + base));
                }
                None => {
                    for &k in &p.keys {
                        let mut buf = [0u8; 20];
                        bytes.extend_from_slice(decimal(&mut buf, k));
                        ends.push(bytes.len() as u32);
                    }
                }
            }
        }
        IdColumn {
            keys,
            text: Some((bytes, ends)),
            overflow,
        }
    }

    /// The finished column, or `None` if its texts exceed 4 GiB.
    pub(crate) fn finish(self) -> Option<Ids> {
        if self.overflow {
            return None;
        }
        let text = self.text.map(|(bytes, ends)| Text {
            // One check for the whole column: every id in it was checked to be UTF-8.
            bytes: String::from_utf8(bytes).expect("checked identifiers are UTF-8"),
            ends,
        });
        Some(Ids {
            keys: self.keys,
            text,
        })
    }
}

/// Decimal digits of `v`.
fn digits(v: u64) -> usize {
    v.checked_ilog10().map_or(1, |d| d as usize + 1)
}

impl From<Vec<u64>> for Ids {
    fn from(numbers: Vec<u64>) -> Ids {
        Ids::from_numbers(numbers)
    }
}

impl PartialEq for Ids {
    fn eq(&self, other: &Ids) -> bool {
        if self.len() != other.len() {
            return false;
        }
        match (&self.text, &other.text) {
            (None, None) => self.keys == other.keys,
            (Some(a), Some(b)) => a.bytes == b.bytes && a.ends == b.ends,
            _ => self.iter().zip(other.iter()).all(|(a, b)| a == b),
        }
    }
}

impl fmt::Debug for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(DebugId)).finish()
    }
}

struct DebugId<'a>(Id<'a>);

impl fmt::Debug for DebugId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Id::Number(n) => write!(f, "{n}"),
            Id::Text(t) => write!(f, "{t:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_is_the_reference() {
        // The reference values of the FNV test suite (Fowler, Noll, Vo).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn keys_of_numbers_are_the_numbers_and_others_are_hashed() {
        assert_eq!(key(b"0"), 0);
        assert_eq!(key(b"17"), 17);
        assert_eq!(key(b"007"), 7);
        assert_eq!(key(b"+7"), 7);
        assert_eq!(key(b"18446744073709551615"), u64::MAX);
        assert_eq!(
            key(b"18446744073709551616"),
            fnv1a64(b"18446744073709551616")
        );
        assert_eq!(key(b"h1"), fnv1a64(b"h1"));
        assert_eq!(key(b"-5"), fnv1a64(b"-5"));
        assert_eq!(key(b"+"), fnv1a64(b"+"));
        assert_eq!(key(b"LV-0012"), 0x700b_b44c_4154_f60d);
        assert_eq!(plain_number(b"7"), Some(7));
        for not_plain in [
            &b"007"[..],
            b"+7",
            b"",
            b"7 ",
            b"18446744073709551616",
            b"1e3",
        ] {
            assert_eq!(plain_number(not_plain), None, "{not_plain:?}");
        }
    }

    #[test]
    fn checks() {
        assert_eq!(check(b"LV-0012"), Ok("LV-0012"));
        assert_eq!(check("Rīga 1".as_bytes()), Ok("Rīga 1"));
        assert_eq!(check(&[b'x'; 64]).map(str::len), Ok(64));
        assert_eq!(check(&[b'x'; 65]), Err(IdError::TooLong(65)));
        assert_eq!(check(b""), Err(IdError::Empty));
        assert_eq!(check(b"a\tb"), Err(IdError::Control('\t')));
        assert_eq!(check("a\u{85}".as_bytes()), Err(IdError::Control('\u{85}')));
        assert_eq!(check(b"\xff"), Err(IdError::NotUtf8));
    }

    #[test]
    fn parse_is_check_plain_number_and_key_at_once() {
        let long = "x".repeat(65);
        for text in [
            "0",
            "17",
            "007",
            "+7",
            "+",
            "-5",
            "h1",
            "LV-0012",
            "010190-12345",
            "Rīga 7",
            "a\tb",
            "a\u{85}",
            "",
            "18446744073709551616",
            &long,
            "9 9",
            "~",
            "\u{7f}",
        ] {
            let t = text.as_bytes();
            let expected = check(t).map(|_| Parsed {
                plain: plain_number(t),
                key: key(t),
            });
            assert_eq!(parse(t), expected, "{text:?}");
        }
        assert_eq!(parse(b"\xff"), Err(IdError::NotUtf8));
    }

    #[test]
    fn a_column_keeps_texts_only_when_needed() {
        let mut ids = Ids::new();
        ids.push_number(5);
        ids.push(Id::Text("12")).unwrap();
        assert!(ids.all_numbers());
        assert_eq!(ids.get(1), Id::Number(12));
        ids.push(Id::Text("h,1")).unwrap();
        assert!(!ids.all_numbers());
        ids.push_number(9);
        let texts: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        assert_eq!(texts, ["5", "12", "h,1", "9"]);
        assert_eq!(ids.keys(), [5, 12, fnv1a64(b"h,1"), 9]);
        assert_eq!(ids.position("h,1"), Some(2));
        assert_eq!(ids.position("9"), Some(3));
        assert_eq!(ids.position("09"), None);
        assert_eq!(ids.csv(2).to_string(), "\"h,1\"");
        let mut out = Vec::new();
        ids.write_csv(2, &mut out);
        ids.write_csv(3, &mut out);
        assert_eq!(out, b"\"h,1\"9");
        assert_eq!(ids.push(Id::Text("")), Err(IdError::Empty));
        assert_eq!(ids.len(), 4);

        let numbers = Ids::from_numbers(vec![5, 12, 9]);
        let mut texts = Ids::new();
        texts.push(Id::Text("x")).unwrap();
        let picked = {
            let mut p = Ids::new();
            for i in [0, 1, 3] {
                p.push_from(&ids, i);
            }
            p
        };
        // The same ids are equal however they are held.
        assert_eq!(picked, numbers);
        assert_eq!(ids.gather(&[0, 1, 3]), numbers);
        assert_ne!(texts, Ids::from_numbers(vec![1]));
        assert_eq!(Id::Number(12), Id::Text("12"));
        assert_ne!(Id::Number(12), Id::Text("012"));

        let mut column = IdColumn::default();
        for t in ["5", "12", "9"] {
            column.push(t.as_bytes(), parse(t.as_bytes()).unwrap());
        }
        let mut with_text = IdColumn::default();
        for t in ["5", "12", "h,1", "9"] {
            with_text.push(t.as_bytes(), parse(t.as_bytes()).unwrap());
        }
        let keys = [column.keys(), with_text.keys()].concat();
        let joined = IdColumn::join(&[&column, &with_text], keys)
            .finish()
            .unwrap();
        let texts: Vec<String> = joined.iter().map(|i| i.to_string()).collect();
        assert_eq!(texts, ["5", "12", "9", "5", "12", "h,1", "9"]);
        assert_eq!(joined.key(5), fnv1a64(b"h,1"));
        let keys = [column.keys(), column.keys()].concat();
        let both = IdColumn::join(&[&column, &column], keys).finish().unwrap();
        assert!(both.all_numbers());
        assert_eq!(both, Ids::from_numbers(vec![5, 12, 9, 5, 12, 9]));
    }
}
