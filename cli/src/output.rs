//! Writing results: CSV files and tables for the terminal. The CSV writers write into what
//! they are given (a file of [`crate::staged::Staged`]), which names the file in errors.

use std::io::{self, Write};

use rayon::prelude::*;
use slieksnis_engine::fixed::CENT;
use slieksnis_engine::summary::{COLUMNS, Row, Summary};
use slieksnis_engine::{Outcome, Population, outcome_status};

/// Writes `households.csv`: one row per household, in population order (grouped by
/// municipality). Formatted in parallel chunks; the bytes do not depend on the thread count.
pub fn write_households(
    w: &mut dyn Write,
    population: &Population,
    outcome: &Outcome,
) -> io::Result<()> {
    const HEADER: &[u8] =
        b"household_id,municipality,status,gmi_benefit,housing_benefit,state_share,municipal_net\n";
    let n = population.household_count();
    let parts: Vec<Vec<u8>> = (0..n.div_ceil(65_536))
        .into_par_iter()
        .map(|c| {
            let mut buf = Vec::with_capacity(65_536 * 64);
            for i in c * 65_536..((c + 1) * 65_536).min(n) {
                population.households.id.write_csv(i, &mut buf);
                buf.push(b',');
                buf.extend_from_slice(
                    population.municipalities[population.households.municipality[i] as usize]
                        .as_bytes(),
                );
                buf.push(b',');
                buf.extend_from_slice(outcome_status(outcome, i).as_bytes());
                for v in [
                    outcome.gmi_benefit[i],
                    outcome.housing_benefit[i],
                    outcome.state_share[i],
                    outcome.municipal_net[i],
                ] {
                    buf.push(b',');
                    push_cents(&mut buf, v / CENT);
                }
                buf.push(b'\n');
            }
            buf
        })
        .collect();
    w.write_all(HEADER)?;
    for p in parts {
        w.write_all(&p)?;
    }
    Ok(())
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

fn format_u64(buf: &mut [u8; 20], mut v: u64) -> &[u8] {
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

fn push_cents(buf: &mut Vec<u8>, cents: i64) {
    if cents < 0 {
        buf.push(b'-');
    }
    let c = cents.unsigned_abs();
    let mut digits = itoa_buf();
    buf.extend_from_slice(format_u64(&mut digits, c / 100));
    buf.push(b'.');
    buf.push(b'0' + (c % 100 / 10) as u8);
    buf.push(b'0' + (c % 10) as u8);
}

/// Writes a summary CSV: one row per municipality, then the total.
pub fn write_summary(w: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record(COLUMNS)?;
    for row in summary.all_rows() {
        w.write_record(row.fields())?;
    }
    w.flush()
}

/// Writes a comparison CSV: for each municipality and the total, rows `baseline`, `reform` and
/// `difference` with the summary columns.
pub fn write_comparison(
    w: &mut dyn Write,
    baseline: &Summary,
    reform: &Summary,
    difference: &Summary,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    let mut header = vec!["side"];
    header.extend(COLUMNS);
    w.write_record(&header)?;
    for ((b, r), d) in baseline
        .all_rows()
        .zip(reform.all_rows())
        .zip(difference.all_rows())
    {
        for (side, row) in [("baseline", b), ("reform", r), ("difference", d)] {
            let mut fields = vec![side.to_string()];
            fields.extend(row.fields());
            w.write_record(&fields)?;
        }
    }
    w.flush()
}

fn eur(cents: i64) -> String {
    // Thousands separated by spaces, as Latvian reports write them.
    let sign = if cents < 0 { "−" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", group(c / 100), c % 100)
}

fn count(n: i64) -> String {
    let sign = if n < 0 { "−" } else { "" };
    format!("{sign}{}", group(n.unsigned_abs()))
}

fn group(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// A summary as a table: one line per municipality, monthly EUR.
pub fn summary_table(summary: &Summary) -> String {
    let header = [
        "municipality",
        "households",
        "needy hh",
        "low-inc hh",
        "GMI hh",
        "GMI EUR",
        "housing hh",
        "housing EUR",
        "state EUR",
        "municipal EUR",
    ];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    // Footnotes grouped by what is assumed, each listing its municipalities.
    let mut notes: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for r in summary.all_rows() {
        let mut name = r.municipality.clone();
        if !r.assumed.is_empty() {
            name.push('*');
            let all: Vec<&str> = r.assumed.iter().map(String::as_str).collect();
            notes
                .entry(assumed_note(&all))
                .or_default()
                .push(&r.municipality);
        }
        lines.push(vec![
            name,
            count(r.households),
            count(r.needy_households),
            count(r.low_income_households),
            count(r.gmi_households),
            eur(r.gmi_cents),
            count(r.housing_households),
            eur(r.housing_cents),
            eur(r.state_share_cents),
            eur(r.municipal_net_cents),
        ]);
    }
    let mut out = render(&lines, summary.rows.len() + 1);
    for (note, municipalities) in notes {
        out.push_str(&format!("* {}: {note}\n", municipalities.join(", ")));
    }
    out
}

/// Baseline, reform and difference per municipality, measure by measure.
pub fn comparison_table(
    baseline: &Summary,
    reform: &Summary,
    difference: &Summary,
    names: [&str; 2],
    per: &str,
) -> String {
    type Measure = (&'static str, fn(&Row) -> String);
    let measures: [Measure; 11] = [
        ("households", |r| count(r.households)),
        ("needy households", |r| count(r.needy_households)),
        ("needy persons", |r| count(r.needy_persons)),
        ("low-income households", |r| count(r.low_income_households)),
        ("low-income persons", |r| count(r.low_income_persons)),
        ("GMI households", |r| count(r.gmi_households)),
        ("GMI EUR", |r| eur(r.gmi_cents)),
        ("housing-benefit households", |r| {
            count(r.housing_households)
        }),
        ("housing benefit EUR", |r| eur(r.housing_cents)),
        ("state share EUR", |r| eur(r.state_share_cents)),
        ("municipal net EUR", |r| eur(r.municipal_net_cents)),
    ];
    let mut out = String::new();
    for ((b, r), d) in baseline
        .all_rows()
        .zip(reform.all_rows())
        .zip(difference.all_rows())
    {
        let mut lines = vec![vec![
            format!(
                "{}{}",
                b.municipality,
                if b.assumed.is_empty() && r.assumed.is_empty() {
                    ""
                } else {
                    "*"
                }
            ),
            names[0].to_string(),
            names[1].to_string(),
            "difference".to_string(),
        ]];
        for (label, f) in &measures {
            let label = if label.ends_with("EUR") {
                format!("  {label} / {per}")
            } else {
                format!("  {label}")
            };
            lines.push(vec![label, f(b), f(r), f(d)]);
        }
        out.push_str(&render(&lines, usize::MAX));
        let mut assumed: Vec<&str> = b
            .assumed
            .iter()
            .chain(&r.assumed)
            .map(String::as_str)
            .collect();
        assumed.sort_unstable();
        assumed.dedup();
        if !assumed.is_empty() {
            out.push_str(&format!("  * {}\n", assumed_note(&assumed)));
        }
        out.push('\n');
    }
    out
}

/// Aligns columns: the first left, the rest right. A rule line before row `rule_before`.
fn render(lines: &[Vec<String>], rule_before: usize) -> String {
    let cols = lines[0].len();
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i == rule_before {
            out.push_str(&"-".repeat(width.iter().sum::<usize>() + 2 * (cols - 1)));
            out.push('\n');
        }
        for (c, cell) in l.iter().enumerate() {
            let pad = width[c] - cell.chars().count();
            if c == 0 {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str("  ");
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            }
        }
        out.push('\n');
    }
    out
}

/// How a summary row says that its population's profile was not fitted to reported figures.
pub const UNCALIBRATED: &str = "profile-uncalibrated";

/// The footnote of a row with assumptions: council values not known, an uncalibrated profile.
fn assumed_note(assumed: &[&str]) -> String {
    let params: Vec<&str> = assumed
        .iter()
        .copied()
        .filter(|a| *a != UNCALIBRATED)
        .collect();
    let mut parts = Vec::new();
    if !params.is_empty() {
        parts.push(format!(
            "assumed {} (the council's own value is not known)",
            params.join(", ")
        ));
    }
    if assumed.contains(&UNCALIBRATED) {
        parts.push(
            "households generated from a profile not fitted to the council's own reported caseload"
                .to_string(),
        );
    }
    parts.join("; ")
}

/// A progress bar over the `months` simulated by annual projections (12 a year), on the
/// terminal only.
pub fn months_bar(quiet: bool, months: u64) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(months);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:24}] {pos}/{len} months, {elapsed}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message("projecting");
    bar
}

/// Each council's marginals and the total, to check a generated population against its profile.
pub fn marginals_table(population: &Population) -> String {
    use slieksnis_engine::generate::marginals_by_council;
    let mut out = format!(
        "{:<24} {:>8} {:>9} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>6}\n",
        "council",
        "hh",
        "persons",
        "1p%",
        "2p%",
        "0-14%",
        "65+%",
        "emp%",
        "dis%",
        "AROP%",
        "wage",
        "size"
    );
    let (each, total) = marginals_by_council(population);
    let names = population.municipalities.iter().map(String::as_str);
    for (council, m) in names.zip(&each).chain(std::iter::once(("TOTAL", &total))) {
        out.push_str(&format!(
            "{:<24} {:>8} {:>9} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>7.0} {:>6.2}\n",
            council,
            m.households,
            m.persons,
            100.0 * m.household_sizes[0],
            100.0 * m.household_sizes[1],
            100.0 * m.ages[0],
            100.0 * m.ages[2],
            100.0 * m.employment_15_74,
            100.0 * m.disabled,
            100.0 * m.poverty_rate,
            m.mean_wage,
            m.persons as f64 / m.households.max(1) as f64
        ));
    }
    out.push_str("(AROP: share of persons below 60 % of the median equivalised counted income, an approximation)\n");
    out
}
