//! Writing results: CSV files and tables for the terminal. The CSV writers write into what
//! they are given (a file of [`crate::staged::Staged`]), which names the file in errors.

use std::io::{self, Write};

use rayon::prelude::*;
use slieksnis_engine::fixed::CENT;
use slieksnis_engine::summary::{Measures, Row, Summary};
use slieksnis_engine::{Outcome, Population, outcome_status};

/// Writes `households.csv`: one row per household, in population order (grouped by
/// municipality): its status, each declared benefit, the state's part and the council's.
/// Formatted in parallel chunks; the bytes do not depend on the thread count.
pub fn write_households(
    w: &mut dyn Write,
    population: &Population,
    outcome: &Outcome,
) -> io::Result<()> {
    let mut header = String::from("household_id,municipality,status");
    for b in &outcome.schema.benefits {
        header.push(',');
        header.push_str(&b.id);
    }
    header.push_str(",state_share,municipal_net\n");
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
                for a in &outcome.amounts {
                    buf.push(b',');
                    push_cents(&mut buf, a[i] / CENT);
                }
                let (gross, state) = outcome.gross_and_state(i);
                for v in [state, gross - state] {
                    buf.push(b',');
                    push_cents(&mut buf, v / CENT);
                }
                buf.push(b'\n');
            }
            buf
        })
        .collect();
    w.write_all(header.as_bytes())?;
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

/// The measures `summary.csv` shows, by index into the summary's measures: the counts of
/// households and persons, each status's households and persons, each benefit's households and
/// EUR, and the three totals (the persons paid and the state's part of each benefit are in
/// `benefits.csv`).
pub(crate) fn summary_measures(m: &Measures) -> Vec<usize> {
    (0..m.len())
        .filter(|&k| {
            let n = &m.names[k];
            k < 2
                || m.is_status(k)
                || !(n.ends_with("_state_eur") || (m.is_benefit(k) && n.ends_with("_persons")))
        })
        .collect()
}

/// A measure's value as a CSV field: cents as EUR, counts as they are.
fn field(m: &Measures, k: usize, v: i64) -> String {
    if m.is_amount(k) {
        slieksnis_engine::fixed::format_cents_i128(v as i128)
    } else {
        v.to_string()
    }
}

fn fields(row: &Row, shown: &[usize]) -> Vec<String> {
    let m = row.measures();
    let mut out = vec![row.municipality.clone()];
    out.extend(shown.iter().map(|&k| field(m, k, row.values[k])));
    out.push(row.assumed.join(" "));
    out
}

fn header(m: &Measures, shown: &[usize]) -> Vec<String> {
    let mut out = vec!["municipality".to_string()];
    out.extend(shown.iter().map(|&k| m.names[k].clone()));
    out.push("assumed".into());
    out
}

/// Writes a summary CSV: one row per municipality, then the total.
pub fn write_summary(w: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    let (head, rows) = summary_records(summary);
    w.write_record(head)?;
    for r in rows {
        w.write_record(r)?;
    }
    w.flush()
}

/// What `summary.csv` has: its header and one record per municipality, then the total's. Other
/// files (`sweep.csv`) put columns in front of these, so they cannot differ from it.
pub fn summary_records(summary: &Summary) -> (Vec<String>, Vec<Vec<String>>) {
    let shown = summary_measures(summary.measures());
    let rows = summary.all_rows().map(|row| fields(row, &shown)).collect();
    (header(summary.measures(), &shown), rows)
}

/// The measures `summary.csv` has as columns, by name, in its order.
pub fn summary_columns(m: &Measures) -> Vec<(usize, String)> {
    summary_measures(m)
        .into_iter()
        .map(|k| (k, m.names[k].clone()))
        .collect()
}

/// A measure's value as the tables show it: EUR with thousands apart, or a count.
pub fn measure_text(m: &Measures, k: usize, v: i64) -> String {
    if m.is_amount(k) { eur(v) } else { count(v) }
}

/// Writes `benefits.csv`: one row per municipality and declared benefit (then the total's),
/// with the households and persons paid, the amount, the state's part and the council's, and
/// what that benefit's figures rest on that is assumed: the benefit itself where the council's
/// own value is not known, and what every figure of the row rests on (an uncalibrated profile,
/// an assumed threshold) — not the other benefits' assumptions.
pub fn write_benefits(w: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    let (head, rows) = benefits_records(summary);
    w.write_record(head)?;
    for r in rows {
        w.write_record(r)?;
    }
    w.flush()
}

/// What `benefits.csv` has: its header and its records (see [`write_benefits`]).
pub fn benefits_records(summary: &Summary) -> (Vec<String>, Vec<Vec<String>>) {
    let head = [
        "municipality",
        "benefit",
        "households",
        "persons",
        "eur",
        "state_eur",
        "municipal_eur",
        "assumed",
    ]
    .map(String::from)
    .to_vec();
    let money = |c: i64| slieksnis_engine::fixed::format_cents_i128(c as i128);
    let mut rows = Vec::new();
    for row in summary.all_rows() {
        for (b, benefit) in summary.schema.benefits.iter().enumerate() {
            let t = row.benefit(b);
            let schema = &summary.schema;
            let assumed: Vec<&str> = row
                .assumed
                .iter()
                .map(String::as_str)
                .filter(|a| *a == benefit.id || schema.benefits.iter().all(|o| o.id != *a))
                .collect();
            rows.push(vec![
                row.municipality.clone(),
                benefit.id.clone(),
                t.households.to_string(),
                t.persons.to_string(),
                money(t.cents),
                money(t.state_cents),
                money(t.municipal_cents()),
                assumed.join(" "),
            ]);
        }
    }
    (head, rows)
}

/// Writes `months.csv`: for each month of a year, each municipality's stock (who held each
/// status and was paid each benefit that month) and what was paid, then the total's.
pub fn write_months(w: &mut dyn Write, year: i32, by_month: &[Summary]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    let Some(first) = by_month.first() else {
        return w.flush();
    };
    let shown = summary_measures(first.measures());
    let mut head = vec!["month".to_string()];
    head.extend(header(first.measures(), &shown));
    w.write_record(&head)?;
    for (k, summary) in by_month.iter().enumerate() {
        for row in summary.all_rows() {
            let mut f = vec![format!("{year}-{:02}", k + 1)];
            f.extend(fields(row, &shown));
            w.write_record(&f)?;
        }
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
    let shown = summary_measures(baseline.measures());
    let mut head = vec!["side".to_string()];
    head.extend(header(baseline.measures(), &shown));
    w.write_record(&head)?;
    for ((b, r), d) in baseline
        .all_rows()
        .zip(reform.all_rows())
        .zip(difference.all_rows())
    {
        for (side, row) in [("baseline", b), ("reform", r), ("difference", d)] {
            let mut f = vec![side.to_string()];
            f.extend(fields(row, &shown));
            w.write_record(&f)?;
        }
    }
    w.flush()
}

pub(crate) fn eur(cents: i64) -> String {
    // Thousands separated by spaces, as Latvian reports write them.
    let sign = if cents < 0 { "−" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", group(c / 100), c % 100)
}

pub(crate) fn count(n: i64) -> String {
    let sign = if n < 0 { "−" } else { "" };
    format!("{sign}{}", group(n.unsigned_abs()))
}

fn group(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// A summary as a table: one line per municipality (the statuses' households, the benefits the
/// state shares, the council's own benefits together, and who pays), then each benefit of the
/// total.
pub fn summary_table(summary: &Summary) -> String {
    let schema = &summary.schema;
    let shared: Vec<usize> = (0..schema.benefits.len())
        .filter(|&b| schema.benefits[b].state_share.is_some())
        .collect();
    let own: Vec<usize> = (0..schema.benefits.len())
        .filter(|&b| schema.benefits[b].state_share.is_none())
        .collect();
    let mut header = vec!["municipality".to_string(), "households".to_string()];
    for s in &schema.statuses {
        header.push(format!("{} hh", s.label));
    }
    for &b in &shared {
        header.push(format!("{} hh", schema.benefits[b].label));
        header.push(format!("{} EUR", schema.benefits[b].label));
    }
    if !own.is_empty() {
        header.push("council's own EUR".into());
    }
    header.extend(["gross EUR", "state EUR", "municipal EUR"].map(String::from));
    let mut lines: Vec<Vec<String>> = vec![header];
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
        let mut line = vec![name, count(r.households())];
        for k in 0..schema.statuses.len() {
            line.push(count(r.status(k).0));
        }
        for &b in &shared {
            let t = r.benefit(b);
            line.push(count(t.households));
            line.push(eur(t.cents));
        }
        if !own.is_empty() {
            line.push(eur(own.iter().map(|&b| r.benefit(b).cents).sum()));
        }
        line.extend([
            eur(r.gross_cents()),
            eur(r.state_share_cents()),
            eur(r.municipal_net_cents()),
        ]);
        lines.push(line);
    }
    let mut out = render(&lines, summary.rows.len() + 1);
    for (note, municipalities) in notes {
        out.push_str(&format!("* {}: {note}\n", municipalities.join(", ")));
    }
    // Each benefit of the total.
    let mut lines = vec![
        [
            "benefit (TOTAL)",
            "households",
            "persons",
            "EUR",
            "state EUR",
            "municipal EUR",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (b, benefit) in schema.benefits.iter().enumerate() {
        let t = summary.total.benefit(b);
        lines.push(vec![
            format!("{} ({})", benefit.label, benefit.label_lv),
            count(t.households),
            count(t.persons),
            eur(t.cents),
            eur(t.state_cents),
            eur(t.municipal_cents()),
        ]);
    }
    out.push('\n');
    out.push_str(&render(&lines, usize::MAX));
    out
}

/// Baseline, reform and difference per municipality, measure by measure: households, each
/// status's households and persons, each benefit's households and EUR, and who pays.
pub fn comparison_table(
    baseline: &Summary,
    reform: &Summary,
    difference: &Summary,
    names: [&str; 2],
    per: &str,
) -> String {
    let schema = &baseline.schema;
    let measures = baseline.measures();
    // (label, measure index)
    let mut shown: Vec<(String, usize)> = vec![("households".into(), 0)];
    for (k, s) in schema.statuses.iter().enumerate() {
        let at = measures
            .names
            .iter()
            .position(|n| *n == format!("{}_households", s.id));
        if let Some(at) = at {
            shown.push((format!("{} households", s.label), at));
            shown.push((format!("{} persons", s.label), at + 1));
        }
        let _ = k;
    }
    for b in &schema.benefits {
        for (suffix, what) in [("households", "households"), ("eur", "EUR")] {
            let name = format!("{}_{suffix}", b.column);
            if let Some(at) = measures.names.iter().position(|n| *n == name) {
                shown.push((format!("{} {what}", b.label), at));
            }
        }
    }
    for (name, label) in [
        ("gross_eur", "gross EUR"),
        ("state_share_eur", "state share EUR"),
        ("municipal_net_eur", "municipal net EUR"),
    ] {
        if let Some(at) = measures.names.iter().position(|n| n == name) {
            shown.push((label.to_string(), at));
        }
    }
    let show = |k: usize, v: i64| {
        if measures.is_amount(k) {
            eur(v)
        } else {
            count(v)
        }
    };
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
        for (label, k) in &shown {
            let label = if label.ends_with("EUR") {
                format!("  {label} / {per}")
            } else {
                format!("  {label}")
            };
            lines.push(vec![
                label,
                show(*k, b.values[*k]),
                show(*k, r.values[*k]),
                show(*k, d.values[*k]),
            ]);
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
pub(crate) fn render(lines: &[Vec<String>], rule_before: usize) -> String {
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
    assumed_note_in(assumed, false)
}

/// [`assumed_note`] in English or Latvian (`lv`).
pub(crate) fn assumed_note_in(assumed: &[&str], lv: bool) -> String {
    // A projected year's assumptions (`assumed:median_growth=0.09`) are said apart.
    let (projected, params): (Vec<&str>, Vec<&str>) = assumed
        .iter()
        .copied()
        .filter(|a| *a != UNCALIBRATED)
        .partition(|a| a.starts_with("assumed:"));
    let mut parts = Vec::new();
    if !projected.is_empty() {
        let names: Vec<&str> = projected
            .iter()
            .map(|a| a.trim_start_matches("assumed:"))
            .collect();
        parts.push(if lv {
            format!(
                "projicēts gads, balstīts uz pieņēmumiem {}",
                names.join(", ")
            )
        } else {
            format!(
                "projected year, resting on the assumptions {}",
                names.join(", ")
            )
        });
    }
    if !params.is_empty() {
        parts.push(if lv {
            format!(
                "pieņemts {} (pašvaldības vērtība nav zināma vai ir aplēsta)",
                params.join(", ")
            )
        } else {
            format!(
                "assumed {} (the council's own value is not known, or estimated)",
                params.join(", ")
            )
        });
    }
    if assumed.contains(&UNCALIBRATED) {
        parts.push(if lv {
            "mājsaimniecības ģenerētas no profila, kas nav pielāgots pašvaldības ziņotajiem datiem"
                .to_string()
        } else {
            "households generated from a profile not fitted to the council's own reported caseload"
                .to_string()
        });
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
