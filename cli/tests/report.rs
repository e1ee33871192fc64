//! `slieksnis report` and `--report FILE`: one self-contained HTML file (nothing fetched, no
//! script, charts as inline SVG), Latvian by default and English with `--lang en`, the figures
//! of summary.csv and bands.csv as the report prints them, the command that reproduces it, and
//! the same bytes for the same run.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{fails, succeeds, temp};

/// A CSV file's rows as column → value.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|x| {
            head.iter()
                .cloned()
                .zip(x.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// A CSV amount (`864924.92`, `-5.00`) as the Latvian report prints it: thousands apart by a
/// no-break space, a decimal comma.
fn lv(amount: &str) -> String {
    let (sign, digits) = match amount.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", amount),
    };
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, ""));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if cents.is_empty() {
        format!("{sign}{out}")
    } else {
        format!("{sign}{out},{cents}")
    }
}

/// The same in English: `864,924.92`.
fn en(amount: &str) -> String {
    lv(amount)
        .replace('\u{a0}', "\u{1}")
        .replace(',', ".")
        .replace('\u{1}', ",")
}

/// What every report must be: one page that fetches nothing and runs nothing.
fn self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    assert!(html.contains("<svg"), "a chart");
    assert!(
        html.contains("<title id=\"chart1-t\">"),
        "an accessible title"
    );
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "no script");
    for attr in ["src=", "href=", "url("] {
        for (at, _) in lower.match_indices(attr) {
            let after = &lower[at + attr.len()..];
            let value = after.trim_start_matches(['"', '\'', ' ']);
            assert!(
                !value.starts_with("http://")
                    && !value.starts_with("https://")
                    && !value.starts_with("//"),
                "{attr} fetches: {}",
                &html[at..(at + 80).min(html.len())]
            );
        }
    }
    assert!(!lower.contains("<link"), "no stylesheet or font linked");
    assert!(!lower.contains("<img"), "no image");
    assert!(!lower.contains("@import"), "no imported CSS");
    assert!(lower.contains("@page{size:a4"), "print CSS for A4");
    assert!(!html.contains('\u{2212}'), "ASCII minus only");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_run_with_replicates_reports_the_summary_and_bands_in_latvian() {
    let dir = temp("report-run");
    let (out, file) = (dir.join("out"), dir.join("reports/tukums.html"));
    let args = [
        "run",
        "--municipality",
        "tukuma-novads",
        "--year",
        "2026",
        "--replicates",
        "3",
        "-q",
        "--out",
        out.to_str().unwrap(),
        "--report",
        file.to_str().unwrap(),
    ];
    succeeds(&args);
    let html = read(&file);
    self_contained(&html);
    assert!(html.contains("<html lang=\"lv\">"));
    for title in [
        "Jautājums",
        "Pieņēmumi un parametri",
        "Rezultāti",
        "Naudas plūsma pa mēnešiem",
        "Kā atkārtot aprēķinu",
    ] {
        assert!(html.contains(&format!("<h2>{title}</h2>")), "{title}");
    }
    assert!(html.contains("Tukuma novads"));
    // The municipal net of Tukums as summary.csv has it, with a decimal comma.
    let summary = rows(&out.join("summary.csv"));
    let tukums = summary
        .iter()
        .find(|r| r["municipality"] == "tukuma-novads")
        .unwrap();
    let net = &tukums["municipal_net_eur"];
    assert!(net.contains('.'), "{net}");
    assert!(
        html.contains(&format!("<td class=\"n\">{}</td>", lv(net))),
        "municipal net {} in the report",
        lv(net)
    );
    // The bands of bands.csv: the municipal net's p5 and p95.
    let bands = rows(&out.join("bands.csv"));
    let band = bands
        .iter()
        .find(|r| r["municipality"] == "tukuma-novads" && r["measure"] == "municipal_net_eur")
        .unwrap();
    for p in ["low", "middle", "high"] {
        assert!(html.contains(&lv(&band[p])), "band {p} {}", band[p]);
    }
    assert!(html.contains("p5–p95"));
    // The months add up to the year, as months.csv.
    assert!(html.contains("2026-12"));
    // How to reproduce it.
    assert!(html.contains(&format!(
        "slieksnis run --municipality tukuma-novads --year 2026 --replicates 3 -q --out {}",
        out.display()
    )));
    assert!(html.contains(&format!("slieksnis {}", env!("CARGO_PKG_VERSION"))));
    // The same run, the same bytes.
    let first = std::fs::read(&file).unwrap();
    succeeds(&args);
    assert_eq!(first, std::fs::read(&file).unwrap(), "same bytes");
}

#[test]
fn the_report_command_runs_a_scenario_and_english_is_on_request() {
    let dir = temp("report-scenario");
    let file = dir.join("ogre.html");
    let args = [
        "report",
        "scenarios/ogre-2026-low-income-60.toml",
        "--replicates",
        "2",
        "-q",
        "--out",
        file.to_str().unwrap(),
    ];
    succeeds(&args);
    let html = read(&file);
    self_contained(&html);
    for title in [
        "Jautājums",
        "Pieņēmumi un parametri",
        "Rezultāti",
        "Naudas plūsma pa mēnešiem",
    ] {
        assert!(html.contains(&format!("<h2>{title}</h2>")), "{title}");
    }
    // The question: the scenario, its sides and its change, with the legal reference of the
    // parameter changed.
    assert!(html.contains("Ogre 2026: low-income threshold at 60 % of the median"));
    assert!(html.contains("bāze") && html.contains("reforma") && html.contains("starpība"));
    assert!(html.contains("municipalities.ogres-novads.low_income = { pct = 0.6 }"));
    // In force: Ogre's own amounts for 2026 (70 % of the median, as its regulations give it).
    assert!(html.contains(
        "<td>low_income</td><td>Ogres novads</td><td>{ first = 595, other = 416 }</td><td>{ pct = 0.6 }</td>"
    ));
    assert!(html.contains("Ogre binding regulations"));
    // The comparison's figures, as compare --out writes them.
    let csv_dir = dir.join("csv");
    succeeds(&[
        "compare",
        "scenarios/ogre-2026-low-income-60.toml",
        "--replicates",
        "2",
        "-q",
        "--out",
        csv_dir.to_str().unwrap(),
    ]);
    let comparison = rows(&csv_dir.join("comparison.csv"));
    for side in ["baseline", "reform"] {
        let r = comparison
            .iter()
            .find(|r| r["side"] == side && r["municipality"] == "ogres-novads")
            .unwrap();
        assert!(html.contains(&lv(&r["municipal_net_eur"])), "{side}");
    }
    let first = std::fs::read(&file).unwrap();
    succeeds(&args);
    assert_eq!(first, std::fs::read(&file).unwrap(), "same bytes");

    let english = dir.join("ogre-en.html");
    succeeds(&[
        "compare",
        "scenarios/ogre-2026-low-income-60.toml",
        "--replicates",
        "1",
        "-q",
        "--report",
        english.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    let html = read(&english);
    self_contained(&html);
    assert!(html.contains("<html lang=\"en\">"));
    for title in [
        "The question",
        "Assumptions and parameters",
        "Results",
        "Monthly cash flow",
        "How to reproduce it",
    ] {
        assert!(html.contains(&format!("<h2>{title}</h2>")), "{title}");
    }
    assert!(!html.contains("Jautājums"));
    let r = comparison
        .iter()
        .find(|r| r["side"] == "baseline" && r["municipality"] == "ogres-novads")
        .unwrap();
    assert!(
        html.contains(&en(&r["municipal_net_eur"])),
        "{}",
        en(&r["municipal_net_eur"])
    );
}

#[test]
fn a_sweep_reports_its_cost_curve() {
    let dir = temp("report-sweep");
    let (file, out) = (dir.join("sweep.html"), dir.join("out"));
    let args = [
        "sweep",
        "--municipality",
        "tukuma-novads",
        "--year",
        "2026",
        "--param",
        "municipalities.tukuma-novads.low_income.pct",
        "--from",
        "0.50",
        "--to",
        "0.80",
        "--step",
        "0.05",
        "--replicates",
        "2",
        "-q",
        "--out",
        out.to_str().unwrap(),
        "--report",
        file.to_str().unwrap(),
    ];
    succeeds(&args);
    let html = read(&file);
    self_contained(&html);
    assert!(html.contains("<h2>Izmaksu līkne</h2>"));
    assert!(html.contains("<polyline"), "a line chart");
    assert!(html.contains("<polygon"), "the municipal net's band");
    // Each point's band, as sweep-bands.csv has it.
    let bands = rows(&out.join("sweep-bands.csv"));
    let band = bands
        .iter()
        .find(|r| {
            r["value"] == "0.6"
                && r["municipality"] == "tukuma-novads"
                && r["measure"] == "municipal_net_eur"
        })
        .unwrap();
    assert!(html.contains(&format!("{} … {}", lv(&band["low"]), lv(&band["high"]))));
    assert!(html.contains("Lēcieni"));
    // Every point's municipal net as sweep.csv has it.
    let sweep = rows(&out.join("sweep.csv"));
    let points: Vec<_> = sweep
        .iter()
        .filter(|r| r["municipality"] == "tukuma-novads")
        .collect();
    assert_eq!(points.len(), 7);
    for r in points {
        assert!(
            html.contains(&lv(&r["municipal_net_eur"])),
            "{}",
            r["value"]
        );
    }
    // The swept parameter with its legal reference.
    assert!(html.contains("Tukums social service public report"));
    assert!(html.contains("--param municipalities.tukuma-novads.low_income.pct --from 0.50"));
    let first = std::fs::read(&file).unwrap();
    succeeds(&args);
    assert_eq!(first, std::fs::read(&file).unwrap(), "same bytes");
}

#[test]
fn an_unwritable_report_is_an_error_and_changes_nothing() {
    let dir = temp("report-error");
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
            "--replicates",
            "1",
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--report",
            file.join("t.html").to_str().unwrap(),
        ],
        &["a-file"],
    );
    assert!(!out.exists(), "nothing written: {t}");
    fails(
        &[
            "report",
            "scenarios/ogre-2026-low-income-60.toml",
            "--replicates",
            "1",
            "-q",
            "--out",
            file.join("o.html").to_str().unwrap(),
        ],
        &["a-file"],
    );
    // --lang needs something in a language.
    let o = common::slieksnis(&[
        "run",
        "--municipality",
        "tukuma-novads",
        "--period",
        "2026-03",
        "--out",
        out.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
