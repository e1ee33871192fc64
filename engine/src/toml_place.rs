//! Where in a TOML text an error is: the one helper every TOML reader (policy manifest,
//! parameters, profiles, scenarios, case files, households) uses to name the line and column.

/// A line and a column, both from 1; the column counts characters, as an editor does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The place of byte `offset` in `text` (clamped to the text, and to a character boundary).
pub fn place_of(text: &str, offset: usize) -> Place {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Place {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Where a TOML parse error is, if the parser said.
pub fn place(text: &str, e: &toml::de::Error) -> Option<Place> {
    e.span().map(|s| place_of(text, s.start))
}

/// A TOML error's message with `line L, column C: ` before it where the parser said.
pub fn message(text: &str, e: &toml::de::Error) -> String {
    match place(text, e) {
        Some(p) => format!("line {}, column {}: {}", p.line, p.column, e.message()),
        None => e.message().to_string(),
    }
}

/// A TOML error's message, one line, with `origin:line:column: ` before it.
pub fn located(origin: &str, text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    match place(text, e) {
        Some(p) => format!("{origin}:{p}: {message}"),
        None => format!("{origin}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_characters() {
        let text = "a = 1\nčē = [1,\n  x]";
        assert_eq!(place_of(text, 0), Place { line: 1, column: 1 });
        assert_eq!(place_of(text, 6), Place { line: 2, column: 1 });
        // "čē" is four bytes and two characters: the space after them is column 3.
        assert_eq!(place_of(text, 10), Place { line: 2, column: 3 });
        // Inside a character, and past the end, are clamped.
        assert_eq!(place_of(text, 7), Place { line: 2, column: 1 });
        assert_eq!(place_of(text, 999).line, 3);
        let e = "a = 1\nb = \n".parse::<toml::Table>().unwrap_err();
        assert!(
            located("h.toml", "a = 1\nb = \n", &e).starts_with("h.toml:2:"),
            "{e}"
        );
    }
}
