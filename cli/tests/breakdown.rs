//! The breakdowns people expect (issue 10, point 5), through the binary: winners and losers and
//! the councils' ranking of a reform on the small population (checked by hand in
//! `engine/tests/breakdown.rs`), the ranking replacing the blocks per council beyond three
//! councils, the flags, and a generated council's year whose months add up to the year in the
//! files the run writes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{fails, repo, succeeds, temp};

/// A scenario file in `dir`: the GMI level at 22 % against 25 % of the median, on `source`
/// (`population = "…"` or `municipality = "…"`) in `when` (`period = "…"` or `year = …`).
fn gmi_scenario(dir: &Path, source: &str, when: &str) -> String {
    let path = dir.join("gmi-25.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"GMI 25 %\"\n{source}\n{when}\n[baseline]\nset = {{ \"gmi.pct\" = 0.22 }}\n[reform]\nname = \"GMI at 25 %\"\nset = {{ \"gmi.pct\" = 0.25 }}\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

fn small() -> String {
    repo().join("populations/small").display().to_string()
}

/// A CSV as rows of named fields.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            head.iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// EUR as written in the CSVs ("-12.34") in cents.
fn cents(s: &str) -> i64 {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (e, c) = s.split_once('.').unwrap();
    let v = e.parse::<i64>().unwrap() * 100 + c.parse::<i64>().unwrap();
    if neg { -v } else { v }
}

#[test]
fn a_comparison_writes_winners_types_and_the_ranking() {
    let dir = temp("bd-small");
    let scenario = gmi_scenario(
        &dir,
        &format!("population = \"{}\"", small()),
        "period = \"2025-03\"",
    );
    let out = dir.join("out");
    let t = succeeds(&["compare", &scenario, "--out", out.to_str().unwrap()]);
    // Two councils: the blocks per council, then winners and losers of TOTAL.
    assert!(t.contains("municipal net EUR / month"), "{t}");
    assert!(t.contains("Winners and losers"), "{t}");
    assert!(!t.contains("ranked by the change per resident"), "{t}");
    // By hand (engine/tests/breakdown.rs): Ogre's council pays 70 % of 252.50 = 176.75 EUR
    // more, 9.82 EUR for each of its 18 residents; Tukums 54.60, 7.80 for each of 7.
    let c = rows(&out.join("councils.csv"));
    let line = |r: &BTreeMap<String, String>| {
        [
            "rank",
            "municipality",
            "name_lv",
            "atvk",
            "residents",
            "change_eur",
            "change_per_resident_eur",
        ]
        .map(|k| r[k].clone())
    };
    assert_eq!(
        line(&c[0]),
        [
            "1",
            "ogres-novads",
            "Ogres novads",
            "LV0040000",
            "18",
            "176.75",
            "9.82"
        ]
    );
    assert_eq!(line(&c[1])[..2], ["2", "tukuma-novads"]);
    assert_eq!(line(&c[1])[4..], ["7", "54.60", "7.80"]);
    assert_eq!(line(&c[2])[..2], ["", "TOTAL"]);
    // Its per cent: 176.75 of the baseline, to a tenth, half away from zero.
    let base = cents(&c[0]["baseline_municipal_net_eur"]);
    // One decimal: "4.6" is 46 tenths.
    let pct = &c[0]["change_pct"];
    let tenths: i64 = pct.replace('.', "").parse().unwrap();
    assert_eq!(pct.split_once('.').unwrap().1.len(), 1, "{pct}");
    assert!(
        (tenths * base - 17_675 * 1000).abs() * 2 <= base,
        "{pct} of {base}"
    );
    // Loaded households have no profile, so no U; Ogre's own amounts of some council benefits
    // are not known (its assumed list names them): A.
    assert_eq!(c[0]["flags"], "A", "{:?}", c[0]);
    assert!(c[0]["assumed"].contains("crisis_benefit"), "{:?}", c[0]);
    assert!(!c[0]["assumed"].contains("profile-uncalibrated"));
    // Winners: 7 gain (3 by 10–50 EUR, 4 by 50–200), 6 unchanged, none lose.
    let w = rows(&out.join("winners.csv"));
    let total = w
        .iter()
        .find(|r| r["municipality"] == "TOTAL" && r["type"] == "all")
        .unwrap();
    let get = |k: &str| total[k].as_str();
    assert_eq!(
        [
            get("households"),
            get("unchanged"),
            get("gains_10_50"),
            get("gains_50_200")
        ],
        ["13", "6", "3", "4"]
    );
    assert_eq!(
        [
            get("loses_up_to_10"),
            get("loses_over_200"),
            get("lost_eur")
        ],
        ["0", "0", "0.00"]
    );
    assert_eq!(get("gained_eur"), "330.50");
    // Per council and TOTAL: 7 types and all.
    assert_eq!(w.len(), 3 * 8);
    // Types: each side, per council and TOTAL, 7 types; their households add up.
    let ty = rows(&out.join("types.csv"));
    assert_eq!(ty.len(), 2 * 3 * 7);
    let hh: i64 = ty
        .iter()
        .filter(|r| r["side"] == "reform" && r["municipality"] == "TOTAL")
        .map(|r| r["households"].parse::<i64>().unwrap())
        .sum();
    assert_eq!(hh, 13);
    let families = ty
        .iter()
        .find(|r| {
            r["side"] == "baseline"
                && r["municipality"] == "ogres-novads"
                && r["type"] == "adults_with_children"
        })
        .unwrap();
    // Households 2 and 3: GMI 514.00 + 214.00.
    assert_eq!(families["gmi_eur"], "728.00");
}

/// The small population spread over five councils: households 7 and 13 in Tukums, 9 in Riga,
/// 11 in Bauska, 12 in Liepāja (the rest in Ogre), in `dir`.
fn five_councils(dir: &Path) -> String {
    let pop = dir.join("pop");
    std::fs::create_dir_all(&pop).unwrap();
    let households = std::fs::read_to_string(repo().join("populations/small/households.csv"))
        .unwrap()
        .lines()
        .map(|l| {
            let id = l.split(',').next().unwrap();
            let place = match id {
                "9" => "riga",
                "11" => "bauskas-novads",
                "12" => "liepaja",
                _ => return l.to_string(),
            };
            let mut f: Vec<&str> = l.split(',').collect();
            f[1] = place;
            f.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(pop.join("households.csv"), households + "\n").unwrap();
    std::fs::copy(
        repo().join("populations/small/persons.csv"),
        pop.join("persons.csv"),
    )
    .unwrap();
    pop.display().to_string()
}

#[test]
fn more_than_three_councils_are_ranked_by_the_change_per_resident() {
    let dir = temp("bd-five");
    let pop = five_councils(&dir);
    let scenario = gmi_scenario(
        &dir,
        &format!("population = \"{pop}\""),
        "period = \"2025-03\"",
    );
    let out = dir.join("out");
    let t = succeeds(&["compare", &scenario, "--out", out.to_str().unwrap()]);
    assert!(t.contains("ranked by the change per resident"), "{t}");
    assert!(t.contains("flags: A = rests on assumed parameters"), "{t}");
    assert!(!t.contains("municipal net EUR / month"), "{t}");
    // The ranking's order: per resident never rises down the table.
    let c = rows(&out.join("councils.csv"));
    assert_eq!(c.len(), 6);
    let per: Vec<i64> = c[..5]
        .iter()
        .map(|r| cents(&r["change_per_resident_eur"]))
        .collect();
    assert!(per.windows(2).all(|w| w[0] >= w[1]), "{per:?}");
    // By hand, 70 % of each household's gain is the council's: Liepāja's household 12 (2
    // persons) gains 50.70 → 35.49 EUR, 17.745 a resident: half a cent, rounded up to 17.75;
    // Riga's household 9 (3 persons) 55 → 38.50, 12.833… → 12.83; Ogre 201.80 → 141.26 over
    // 16 residents, 8.83; Tukums 23 → 16.10 over 2, 8.05; Bauska's pensioners (11) nothing.
    let order: Vec<[&str; 3]> = c[..5]
        .iter()
        .map(|r| {
            [
                r["municipality"].as_str(),
                r["change_eur"].as_str(),
                r["change_per_resident_eur"].as_str(),
            ]
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ["liepaja", "35.49", "17.75"],
            ["riga", "38.50", "12.83"],
            ["ogres-novads", "141.26", "8.83"],
            ["tukuma-novads", "16.10", "8.05"],
            ["bauskas-novads", "0.00", "0.00"],
        ]
    );
    assert_eq!(c[1]["name_lv"], "Rīga");
    assert_eq!(c[1]["atvk"], "LV0001000");
    let bauska = c
        .iter()
        .find(|r| r["municipality"] == "bauskas-novads")
        .unwrap();
    assert_eq!(
        [
            &bauska["change_eur"],
            &bauska["change_pct"],
            &bauska["rank"]
        ],
        ["0.00", "0.0", "5"]
    );
    // Each council's name and ATVK code are in the table, in rank order.
    let at = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} in {t}"));
    assert!(at("Liepāja") < at("Rīga"));
    assert!(at("Rīga") < at("LV0001000"));
    assert!(at("Ogres novads") < at("Bauskas novads"));
    // --by-council brings back the blocks.
    let t = succeeds(&["compare", &scenario, "--by-council"]);
    assert!(t.contains("municipal net EUR / month"), "{t}");
    assert!(t.contains("ranked by the change per resident"), "{t}");
}

#[test]
fn a_generated_council_is_flagged_uncalibrated() {
    let dir = temp("bd-valka");
    let scenario = gmi_scenario(
        &dir,
        "municipality = \"valkas-novads\"",
        "period = \"2026-03\"",
    );
    let out = dir.join("out");
    succeeds(&["compare", "-q", &scenario, "--out", out.to_str().unwrap()]);
    let c = rows(&out.join("councils.csv"));
    assert!(c[0]["flags"].ends_with('U'), "{:?}", c[0]);
    assert!(c[0]["assumed"].contains("profile-uncalibrated"));
    // A month has no months to show.
    fails(
        &["compare", "-q", &scenario, "--months"],
        &["--months", "one month (2026-03)"],
    );
}

#[test]
fn a_years_months_add_up_to_the_year_in_the_files() {
    // Ogre 2026 generated, as the README runs it: for every benefit, the twelve months of
    // months.csv add up to benefits.csv's year, to the cent; the types' households to the
    // summary's; and the --months table's last line is the year's gross.
    let dir = temp("bd-ogre-year");
    let out = dir.join("out");
    let t = succeeds(&[
        "run",
        "--municipality",
        "ogres-novads",
        "--year",
        "2026",
        "--types",
        "--months",
        "--out",
        out.to_str().unwrap(),
    ]);
    let months = rows(&out.join("months.csv"));
    let benefits = rows(&out.join("benefits.csv"));
    let summary = rows(&out.join("summary.csv"));
    let mut checked = 0;
    for b in benefits.iter() {
        let (m, id) = (&b["municipality"], &b["benefit"]);
        // policies/policy.toml: each benefit's column is its id without `_benefit`.
        let column = id.strip_suffix("_benefit").unwrap();
        let sum: i64 = months
            .iter()
            .filter(|r| &r["municipality"] == m)
            .map(|r| cents(&r[&format!("{column}_eur")]))
            .sum();
        assert_eq!(sum, cents(&b["eur"]), "{m} {id}");
        checked += 1;
    }
    assert_eq!(checked, 2 * 9);
    for column in ["gross_eur", "state_share_eur", "municipal_net_eur"] {
        for s in &summary {
            let sum: i64 = months
                .iter()
                .filter(|r| r["municipality"] == s["municipality"])
                .map(|r| cents(&r[column]))
                .sum();
            assert_eq!(sum, cents(&s[column]), "{} {column}", s["municipality"]);
        }
    }
    assert_eq!(months.len(), 12 * 2);
    let ty = rows(&out.join("types.csv"));
    let hh: i64 = ty
        .iter()
        .filter(|r| r["municipality"] == "TOTAL")
        .map(|r| r["households"].parse::<i64>().unwrap())
        .sum();
    assert_eq!(hh.to_string(), summary[1]["households"]);
    // The terminal: the types table and the months' sum line.
    assert!(t.contains("ogres-novads by household type"), "{t}");
    let gross = cents(&summary[0]["gross_eur"]);
    let year_line = t
        .lines()
        .find(|l| l.starts_with("2026 (12 months)"))
        .unwrap();
    let whole = (gross / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(ch);
    }
    let grouped = format!("{grouped}.{:02}", gross % 100);
    assert!(year_line.contains(&grouped), "{year_line} vs {gross}");
}

#[test]
fn months_need_a_year() {
    let out = temp("bd-months").join("out");
    fails(
        &[
            "run",
            "--population",
            "populations/small",
            "--period",
            "2025-03",
            "--months",
            "--out",
            out.to_str().unwrap(),
        ],
        &["--months shows a year month by month", "--year"],
    );
    assert!(!out.exists());
}
