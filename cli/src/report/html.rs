//! The report's HTML: escaping, tables, and the page around the sections — one file with its
//! CSS inline and nothing fetched (a Content-Security-Policy that allows no source but inline
//! styles says so to the browser too), laid out for the screen and for A4 paper.

/// `text` safe inside an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A cell of a table: text, or a number (right-aligned, kept on one line).
pub enum Cell {
    Text(String),
    Number(String),
}

/// A table: a caption, a header row and rows; `emphasis` marks rows shown bold (a total).
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<(bool, Vec<Cell>)>,
}

impl Table {
    pub fn new(caption: impl Into<String>, header: Vec<String>) -> Table {
        Table {
            caption: caption.into(),
            header,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push((false, cells));
    }

    pub fn total(&mut self, cells: Vec<Cell>) {
        self.rows.push((true, cells));
    }

    pub fn html(&self) -> String {
        let mut out = String::from("<table>");
        if !self.caption.is_empty() {
            out.push_str(&format!("<caption>{}</caption>", escape(&self.caption)));
        }
        out.push_str("<thead><tr>");
        for h in &self.header {
            out.push_str(&format!("<th scope=\"col\">{}</th>", escape(h)));
        }
        out.push_str("</tr></thead><tbody>");
        for (bold, cells) in &self.rows {
            out.push_str(if *bold {
                "<tr class=\"total\">"
            } else {
                "<tr>"
            });
            for c in cells {
                match c {
                    Cell::Text(t) => out.push_str(&format!("<td>{}</td>", soft_breaks(t))),
                    Cell::Number(n) => out.push_str(&format!("<td class=\"n\">{}</td>", escape(n))),
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>\n");
        out
    }
}

/// `text` escaped, with a place to break (`<wbr>`) after each `.`, `/` and `_` of a word longer
/// than 24 characters (a parameter's path, a file), so that a narrow column wraps it there
/// rather than anywhere or not at all.
pub fn soft_breaks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.chars().count() <= 24 {
            out.push_str(&escape(word));
            continue;
        }
        for c in word.chars() {
            out.push_str(&escape(c.encode_utf8(&mut [0; 4])));
            if matches!(c, '.' | '/' | '_') {
                out.push_str("<wbr>");
            }
        }
    }
    out
}

/// A paragraph of text.
pub fn p(text: &str) -> String {
    format!("<p>{}</p>\n", escape(text))
}

/// A small note.
pub fn note(text: &str) -> String {
    format!("<p class=\"note\">{}</p>\n", escape(text))
}

/// A definition list of (term, description).
pub fn facts(items: &[(String, String)]) -> String {
    let mut out = String::from("<dl>");
    for (k, v) in items {
        out.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v)));
    }
    out.push_str("</dl>\n");
    out
}

/// A bulleted list.
pub fn list(items: &[String]) -> String {
    let mut out = String::from("<ul>");
    for i in items {
        out.push_str(&format!("<li>{}</li>", escape(i)));
    }
    out.push_str("</ul>\n");
    out
}

/// A heading below a section's.
pub fn h3(text: &str) -> String {
    format!("<h3>{}</h3>\n", escape(text))
}

/// Preformatted text (a command line).
pub fn pre(text: &str) -> String {
    format!("<pre>{}</pre>\n", escape(text))
}

/// A chart (an SVG drawing, already escaped) in a figure with a caption.
pub fn figure(svg: &str, caption: &str) -> String {
    format!(
        "<figure>{svg}<figcaption>{}</figcaption></figure>\n",
        escape(caption)
    )
}

const CSS: &str = "\
:root{color:#000;background:#fff}
body{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,Helvetica,sans-serif;font-size:10.5pt;line-height:1.4;max-width:210mm;margin:0 auto;padding:8mm}
h1{font-size:18pt;margin:0 0 4pt}
h2{font-size:14pt;border-bottom:1.5pt solid #000;padding-bottom:2pt;margin-top:18pt}
h3{font-size:11.5pt;margin:12pt 0 4pt}
p.lead{font-size:11.5pt}
p.note{font-size:9pt;color:#333}
dl{display:grid;grid-template-columns:max-content auto;gap:2pt 10pt}
dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:6pt 0 10pt;font-size:8.5pt}
caption{text-align:left;font-weight:bold;padding:2pt 0}
th,td{border:0.5pt solid #777;padding:2pt 4pt;vertical-align:top}
th{background:#eee;text-align:left;overflow-wrap:anywhere;hyphens:auto}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;border-top:1.2pt solid #000}
figure{margin:8pt 0}
figcaption{font-size:9pt;color:#333}
svg.chart{width:100%;height:auto;display:block}
pre{white-space:pre-wrap;word-break:break-all;border:0.5pt solid #777;padding:4pt;font-size:9pt}
nav ol{columns:2}
@page{size:A4;margin:14mm 12mm}
@media print{
body{max-width:none;padding:0;font-size:9.5pt}
table{font-size:7.5pt}
th,td{padding:1.5pt 3pt}
nav{display:none}
section{break-before:page}
section:first-of-type{break-before:auto}
h2,h3,caption{break-after:avoid}
tr,figure,dl{break-inside:avoid}
thead{display:table-header-group}
th{background:#eee;-webkit-print-color-adjust:exact;print-color-adjust:exact}
a{color:#000;text-decoration:none}
}
";

/// A section: an anchor, a title and its body (HTML).
pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub body: String,
}

/// The whole page.
pub fn page(
    lang: &str,
    title: &str,
    lead: &str,
    generator: &str,
    contents: &str,
    sections: &[Section],
) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{}\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
         <header>\n<h1>{}</h1>\n<p class=\"lead\">{}</p>\n",
        escape(generator),
        escape(title),
        escape(title),
        escape(lead)
    );
    out.push_str(&format!("<nav><h2>{}</h2><ol>", escape(contents)));
    for s in sections {
        out.push_str(&format!(
            "<li><a href=\"#{}\">{}</a></li>",
            s.id,
            escape(&s.title)
        ));
    }
    out.push_str("</ol></nav>\n</header>\n<main>\n");
    for s in sections {
        out.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
            s.id,
            escape(&s.title),
            s.body
        ));
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_paths_may_break_after_their_dots() {
        assert_eq!(super::soft_breaks("low_income <b>"), "low_income &lt;b&gt;");
        assert_eq!(
            super::soft_breaks("municipalities.default.crisis_benefit"),
            "municipalities.<wbr>default.<wbr>crisis_<wbr>benefit"
        );
    }

    #[test]
    fn escapes_what_html_reads() {
        assert_eq!(
            super::escape("<a href='x'>\"&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;"
        );
    }
}
