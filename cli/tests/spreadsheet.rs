//! `--xlsx FILE` and `--csv-lv`: the workbook read back (its sheets, numbers that are numbers
//! and equal the CSV's, Latvian headers, the EUR format, the same bytes for the same seed), and
//! the CSVs for Latvian Excel against the default ones.

mod common;

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{fails, succeeds, temp};

/// A CSV file as its header and records, `delimiter` between fields; a BOM is dropped.
fn records(path: &Path, delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let head = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (head, rows)
}

/// summary.csv's row of `municipality` as column → value.
fn summary_row(dir: &Path, municipality: &str) -> HashMap<String, String> {
    let (head, rows) = records(&dir.join("summary.csv"), b',');
    let row = rows
        .into_iter()
        .find(|r| r[0] == municipality)
        .expect("the council's row");
    head.into_iter().zip(row).collect()
}

fn tukums_year(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        "--municipality",
        "tukuma-novads",
        "--year",
        "2026",
        "--replicates",
        "1",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    succeeds(&args);
}

/// A text cell's text ("" for any other cell).
fn text(c: Option<&Data>) -> &str {
    match c {
        Some(Data::String(t)) => t,
        _ => "",
    }
}

/// The column of `label` in the header row of a sheet (the row whose first cell is `first`).
fn header(range: &calamine::Range<Data>, first: &str) -> (usize, Vec<String>) {
    let at = range
        .rows()
        .position(|r| r.first().is_some_and(|c| text(Some(c)) == first))
        .expect("a header row");
    let names = range
        .rows()
        .nth(at)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    (at, names)
}

#[test]
fn the_workbook_has_the_runs_numbers_as_numbers_with_latvian_headers() {
    let dir = temp("xlsx-run");
    let (out, book) = (dir.join("out"), dir.join("sheets/tukums.xlsx"));
    tukums_year(&out, &["--xlsx", book.to_str().unwrap()]);
    let csv = summary_row(&out, "tukuma-novads");
    let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
    let names = wb.sheet_names();
    for sheet in ["kopsavilkums", "pabalsti", "mēneši", "parametri"] {
        assert!(names.iter().any(|n| n == sheet), "{sheet} in {names:?}");
    }
    // No bands without replicates, no ranking without a comparison.
    assert!(!names.iter().any(|n| n == "intervāli" || n == "pašvaldības"));

    let range = wb.worksheet_range("kopsavilkums").unwrap();
    assert_eq!(range.start(), Some((0, 0)));
    let (top, head) = header(&range, "pašvaldība");
    // Notes above the header: what was run, then the assumptions it rests on.
    let notes: Vec<String> = (0..top)
        .map(|r| range.get((r, 0)).unwrap().to_string())
        .collect();
    assert!(notes[0].contains("gada EUR"), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.contains("Tukuma novads")
            && n.contains("nav pielāgots pašvaldības ziņotajiem datiem")),
        "{notes:?}"
    );
    let col = |label: &str| {
        head.iter()
            .position(|h| h == label)
            .unwrap_or_else(|| panic!("{label} in {head:?}"))
    };
    let (gmi, net, assumed) = (
        col("GMI pabalsts: mājsaimniecības"),
        col("pašvaldības neto EUR"),
        col("pieņēmumi"),
    );
    let row = (top + 1..range.height())
        .find(|&r| text(range.get((r, 0))) == "Tukuma novads")
        .expect("Tukums' row, named in Latvian");
    assert_eq!(range.get((row, 1)), Some(&Data::String("LV0052000".into())));
    assert_eq!(
        range.get((row, 2)),
        Some(&Data::String("tukuma-novads".into()))
    );
    // Numbers, equal to summary.csv's.
    let number = |c: usize| match range.get((row, c)) {
        Some(Data::Float(f)) => *f,
        other => panic!("column {} is not a number: {other:?}", head[c]),
    };
    assert_eq!(number(gmi), csv["gmi_households"].parse::<f64>().unwrap());
    assert_eq!(
        number(net),
        csv["municipal_net_eur"].parse::<f64>().unwrap()
    );
    assert!(number(net) > 100_000.0);
    assert_eq!(
        range.get((row, assumed)).unwrap().to_string(),
        csv["assumed"]
    );
    // The total row, named in Latvian.
    assert!((top + 1..range.height()).any(|r| text(range.get((r, 0))) == "KOPĀ"));

    let styles = wb.worksheet_style("kopsavilkums").unwrap();
    let format = |c: usize| {
        styles
            .get((row as u32, c as u32))
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone())
    };
    assert_eq!(format(net).as_deref(), Some("#,##0.00 \"€\""));
    assert_eq!(format(gmi).as_deref(), Some("#,##0"));

    // The months add up to the year's EUR; the parameters sheet has the council's threshold.
    let months = wb.worksheet_range("mēneši").unwrap();
    let (mtop, mhead) = header(&months, "mēnesis");
    let mnet = mhead
        .iter()
        .position(|h| h == "pašvaldības neto EUR")
        .unwrap();
    let cents: i64 = (mtop + 1..months.height())
        .filter(|&r| text(months.get((r, 3))) == "tukuma-novads")
        .map(|r| match months.get((r, mnet)) {
            Some(Data::Float(f)) => (f * 100.0).round() as i64,
            other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!(
        cents,
        (csv["municipal_net_eur"].parse::<f64>().unwrap() * 100.0).round() as i64
    );
    let params = wb.worksheet_range("parametri").unwrap();
    let (_, phead) = header(&params, "parametrs");
    for h in [
        "vērtība",
        "mērvienība",
        "spēkā no",
        "tiesību akts",
        "pieņēmumi",
        "projicēts",
    ] {
        assert!(phead.iter().any(|x| x == h), "{h} in {phead:?}");
    }
    assert!(
        params.rows().any(|r| r[0]
            .to_string()
            .starts_with("municipalities.tukuma-novads.")),
        "Tukums' own parameters"
    );
}

/// A month of Tukums (quicker than a year: the workbook's bytes do not depend on which).
fn tukums_month(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        "--municipality",
        "tukuma-novads",
        "--period",
        "2026-03",
        "--replicates",
        "2",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    succeeds(&args);
}

#[test]
fn the_same_seed_gives_the_same_workbook_byte_for_byte_and_the_csvs_stay_as_they_were() {
    let dir = temp("xlsx-same");
    let (a, b) = (dir.join("a.xlsx"), dir.join("b.xlsx"));
    tukums_month(&dir.join("with-a"), &["--xlsx", a.to_str().unwrap()]);
    tukums_month(&dir.join("with-b"), &["--xlsx", b.to_str().unwrap()]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // --xlsx changes none of the CSVs.
    tukums_month(&dir.join("plain"), &[]);
    for f in ["summary.csv", "benefits.csv", "bands.csv", "households.csv"] {
        assert_eq!(
            std::fs::read(dir.join("with-a").join(f)).unwrap(),
            std::fs::read(dir.join("plain").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn english_headers_on_request() {
    let dir = temp("xlsx-en");
    let book = dir.join("t.xlsx");
    succeeds(&[
        "run",
        "--municipality",
        "tukuma-novads",
        "--period",
        "2026-03",
        "-q",
        "--out",
        dir.join("out").to_str().unwrap(),
        "--xlsx",
        book.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
    // A month has no months sheet; the default 10 replicates give bands.
    assert_eq!(
        wb.sheet_names(),
        ["summary", "benefits", "bands", "parameters"]
    );
    let bands = wb.worksheet_range("bands").unwrap();
    let (top, head) = header(&bands, "municipality");
    assert_eq!(&head[3..], ["measure", "p5", "p50", "p95", "point"]);
    assert!(text(bands.get((top + 1, 3))) == "households");
    assert!(matches!(bands.get((top + 1, 4)), Some(Data::Float(_))));
    let range = wb.worksheet_range("summary").unwrap();
    let (_, head) = header(&range, "municipality");
    assert!(head.iter().any(|h| h == "municipal net EUR"), "{head:?}");
    assert!(
        head.iter().any(|h| h == "GMI benefit: households"),
        "{head:?}"
    );
    assert!(range.rows().any(|r| text(r.first()) == "TOTAL"));
}

#[test]
fn a_comparison_and_a_sweep_have_their_own_sheets() {
    let dir = temp("xlsx-compare");
    let book = dir.join("c.xlsx");
    // Without --out: the workbook alone.
    succeeds(&[
        "compare",
        "scenarios/ogre-2026-low-income-60.toml",
        "--replicates",
        "2",
        "-q",
        "--xlsx",
        book.to_str().unwrap(),
    ]);
    let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
    for sheet in [
        "kopsavilkums",
        "pabalsti",
        "mēneši",
        "pašvaldības",
        "intervāli",
        "parametri",
    ] {
        assert!(wb.sheet_names().iter().any(|n| n == sheet), "{sheet}");
    }
    let summary = wb.worksheet_range("kopsavilkums").unwrap();
    let (top, head) = header(&summary, "variants");
    let low = head
        .iter()
        .position(|h| h == "maznodrošinātas mājsaimniecības")
        .unwrap();
    let side = |s: &str| {
        (top + 1..summary.height())
            .find(|&r| {
                text(summary.get((r, 0))) == s && text(summary.get((r, 3))) == "ogres-novads"
            })
            .map(|r| match summary.get((r, low)) {
                Some(Data::Float(f)) => *f,
                other => panic!("{other:?}"),
            })
            .unwrap()
    };
    assert_eq!(side("reforma") - side("bāze"), side("starpība"));
    assert!(side("starpība") < 0.0);
    let councils = wb.worksheet_range("pašvaldības").unwrap();
    let (ctop, chead) = header(&councils, "vieta");
    let pct = chead.iter().position(|h| h == "izmaiņa %").unwrap();
    assert!(matches!(
        councils.get((ctop + 1, pct)),
        Some(Data::Float(_))
    ));
    let styles = wb.worksheet_style("pašvaldības").unwrap();
    let code = styles
        .get(((ctop + 1) as u32, pct as u32))
        .and_then(|s| s.number_format.as_ref())
        .map(|f| f.format_code.clone());
    assert_eq!(code.as_deref(), Some("0.0%"));

    let sweep = dir.join("s.xlsx");
    succeeds(&[
        "sweep",
        "--municipality",
        "tukuma-novads",
        "--period",
        "2026-03",
        "--param",
        "municipalities.tukuma-novads.low_income.pct",
        "--values",
        "0.6,0.7",
        "-q",
        "--xlsx",
        sweep.to_str().unwrap(),
    ]);
    let mut wb: Xlsx<_> = open_workbook(&sweep).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    let (top, _) = header(
        &range,
        "vērtība (municipalities.tukuma-novads.low_income.pct)",
    );
    let values: Vec<&Data> = (top + 1..range.height())
        .filter(|&r| text(range.get((r, 3))) == "tukuma-novads")
        .map(|r| range.get((r, 0)).unwrap())
        .collect();
    assert_eq!(values, [&Data::Float(0.6), &Data::Float(0.7)]);
}

#[test]
fn csvs_for_latvian_excel_have_the_default_csvs_values() {
    let dir = temp("csv-lv");
    let (plain, lv) = (dir.join("plain"), dir.join("lv"));
    tukums_year(&plain, &[]);
    tukums_year(&lv, &["--csv-lv"]);
    for f in [
        "summary.csv",
        "benefits.csv",
        "months.csv",
        "households.csv",
    ] {
        let bytes = std::fs::read(lv.join(f)).unwrap();
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "{f}: a BOM");
        let (head, rows) = records(&lv.join(f), b';');
        let (plain_head, plain_rows) = records(&plain.join(f), b',');
        assert_eq!(head.len(), plain_head.len(), "{f}");
        assert_eq!(rows.len(), plain_rows.len(), "{f}");
        assert!(head.iter().any(|h| h == "pašvaldība"), "{f}: {head:?}");
        let council = plain_head.iter().position(|h| h == "municipality").unwrap();
        for (r, p) in rows.iter().zip(&plain_rows) {
            for (k, (a, b)) in r.iter().zip(p).enumerate() {
                if k == council {
                    let name = if b == "TOTAL" {
                        "KOPĀ"
                    } else {
                        "Tukuma novads"
                    };
                    assert_eq!(a, name);
                } else if !matches!(plain_head[k].as_str(), "status" | "benefit") {
                    // (status and benefit are named in Latvian)
                    assert_eq!(a.replace(',', "."), *b, "{f} column {}", plain_head[k]);
                    assert!(!a.contains('.') || plain_head[k] == "assumed", "{f}: {a}");
                }
            }
        }
    }
    let text = std::fs::read_to_string(lv.join("summary.csv")).unwrap();
    let csv = summary_row(&plain, "tukuma-novads");
    let net = csv["municipal_net_eur"].replace('.', ",");
    assert!(text.contains(&format!(";{net};")), "{text}");
    assert!(text.contains("pašvaldības neto EUR"), "{text}");
}

#[test]
fn an_unwritable_workbook_is_an_error_and_changes_nothing() {
    let dir = temp("xlsx-error");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = dir.join("out");
    let t = fails(
        &[
            "run",
            "--municipality",
            "tukuma-novads",
            "--period",
            "2026-03",
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--xlsx",
            file.join("t.xlsx").to_str().unwrap(),
        ],
        &["a-file"],
    );
    assert!(!out.exists(), "nothing written: {t}");
    fails(
        &[
            "compare",
            "scenarios/ogre-2026-low-income-60.toml",
            "--csv-lv",
        ],
        &["--csv-lv", "--out"],
    );
}
