//! The `slieksnis` binary end to end: outputs, determinism, and that bad input gives exit code 1
//! with a message naming the place, never a panic. Outputs that are whole or absent are in
//! `outputs.rs`, inputs that cannot break the process in `inputs.rs`, what-ifs in `what_if.rs`.

mod common;

use std::path::Path;

use common::{fails, repo, slieksnis, temp, text};

#[test]
fn run_on_the_small_population_gives_the_hand_checked_totals() {
    let out = temp("small");
    let o = slieksnis(&[
        "run",
        "--population",
        "populations/small",
        "--period",
        "2025-03",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let total = summary.lines().last().unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let f: Vec<&str> = total.split(',').collect();
    let get = |name: &str| f[header.iter().position(|h| *h == name).unwrap()];
    // populations/small/README.md: 13 households, 7 needy, 3 low-income, GMI 972.00 in total,
    // housing benefit 1164.19 in total (every amount worked out by hand from the 2025 rules).
    assert_eq!(f[0], "TOTAL");
    assert_eq!(get("households"), "13");
    assert_eq!(get("needy_households"), "7");
    assert_eq!(get("low_income_households"), "3");
    assert_eq!(get("gmi_eur"), "972.00");
    assert_eq!(get("housing_eur"), "1164.19");
    // benefits.csv: a row per municipality and benefit; the TOTAL's GMI as in the summary, and
    // gross = every benefit's EUR (the council's own benefits too).
    let benefits = std::fs::read_to_string(out.join("benefits.csv")).unwrap();
    assert!(benefits.starts_with(
        "municipality,benefit,households,persons,eur,state_eur,municipal_eur,assumed\n"
    ));
    let totals: Vec<Vec<&str>> = benefits
        .lines()
        .filter(|l| l.starts_with("TOTAL,"))
        .map(|l| l.split(',').collect())
        .collect();
    assert!(
        totals
            .iter()
            .any(|t| t[1] == "gmi_benefit" && t[4] == "972.00"),
        "{benefits}"
    );
    let cents = |v: &str| -> i64 { v.replace('.', "").parse().unwrap() };
    let gross: i64 = totals.iter().map(|t| cents(t[4])).sum();
    assert_eq!(cents(get("gross_eur")), gross);
    // The state pays 30 % of GMI and housing benefit only, rounded per household and benefit;
    // the council the rest of everything.
    let state: i64 = totals.iter().map(|t| cents(t[5])).sum();
    assert_eq!(cents(get("state_share_eur")), state);
    assert!((state - 213_619 * 3 / 10).abs() <= 26, "{total}");
    assert_eq!(cents(get("municipal_net_eur")), gross - state);
    let households = std::fs::read_to_string(out.join("households.csv")).unwrap();
    assert!(households.starts_with("household_id,municipality,status,gmi_benefit,housing_benefit"));
    assert!(
        households.contains("\n2,ogres-novads,needy,514.00,320.00,"),
        "{households}"
    );
}

#[test]
fn output_does_not_depend_on_threads_or_chunks() {
    let mut outputs = Vec::new();
    for (threads, chunk) in [("1", "16384"), ("2", "16384"), ("2", "7"), ("3", "1000")] {
        let out = temp(&format!("det-{threads}-{chunk}"));
        let o = slieksnis(&[
            "--threads",
            threads,
            "run",
            "--population",
            "populations/sample",
            "--period",
            "2026-01",
            "--chunk",
            chunk,
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        outputs.push((
            std::fs::read(out.join("households.csv")).unwrap(),
            std::fs::read(out.join("summary.csv")).unwrap(),
        ));
    }
    for o in &outputs[1..] {
        assert!(
            o == &outputs[0],
            "outputs differ between thread counts or chunk sizes"
        );
    }
}

#[test]
fn every_shipped_scenario_runs() {
    for entry in std::fs::read_dir(repo().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = temp(path.file_stem().unwrap().to_str().unwrap());
            let o = slieksnis(&[
                "compare",
                path.to_str().unwrap(),
                // One replicate: all of Latvia's bands would take minutes in a debug build
                // (bands: cli/tests/bands.rs).
                "--replicates",
                "1",
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}: {}", path.display(), text(&o));
            assert!(out.join("comparison.csv").is_file());
        }
    }
}

#[test]
fn the_ogre_60_scenario_changes_only_ogre() {
    let out = temp("ogre60");
    let o = slieksnis(&[
        "compare",
        "scenarios/ogre-low-income-60.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    for line in csv.lines().filter(|l| l.starts_with("difference,")) {
        let f: Vec<&str> = line.split(',').collect();
        let low_income_change: i64 = f[6].parse().unwrap();
        match f[1] {
            "ogres-novads" | "TOTAL" => assert!(low_income_change < 0, "{line}"),
            _ => assert_eq!(low_income_change, 0, "{line}"),
        }
    }
}

#[test]
fn explain_prints_every_step_in_both_languages() {
    let o = slieksnis(&[
        "explain",
        "--period",
        "2021-08",
        "--household",
        "municipality = \"kuldigas-novads\"\npersons = [{ age = 40, income = 300 }, { age = 38 }, { age = 10 }, { age = 5 }]",
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    // The lesson: GMI level 109 + 76 × 3 = 337 (2021), the benefit 337 − 300 = 37.
    assert!(t.contains("GMI level = 337.00 €"), "{t}");
    assert!(t.contains("337.00 € = 109.00 € + 76.00 € × 3"), "{t}");
    assert!(t.contains("37.00 € = max(0, 337.00 € − 300.00 €)"), "{t}");
    assert!(t.contains("MK 809"), "{t}");
    // --trace: every script's working values, as before the lesson.
    let o = slieksnis(&[
        "explain",
        "--trace",
        "--period",
        "2021-08",
        "--household",
        "municipality = \"kuldigas-novads\"\npersons = [{ age = 40, income = 300 }, { age = 38 }, { age = 10 }, { age = 5 }]",
    ]);
    let t = text(&o);
    assert!(t.contains("gmi_level = 337.00 EUR"), "{t}");
    assert!(t.contains("gmi_benefit = 37.00 EUR"), "{t}");
    let o = slieksnis(&[
        "explain",
        "--population",
        "populations/small",
        "--id",
        "2",
        "--period",
        "2025-03",
        "--lang",
        "lv",
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("Rezultāts: statuss trūcīga"), "{t}");
}

const PENSIONER: &str =
    "municipality = \"tukuma-novads\"\nhousing_costs = 300\npersons = [{ age = 70, income = 500 }]";

#[test]
fn explain_tells_a_year_month_by_month_and_why_a_reform_changes_the_result() {
    // The year: K for a pensioner alone is 2.5 to April 2026, 2.1 from May, so May's rules give
    // 2.1 × 187 + 300 − 500 = 192.70 EUR; she was assessed in January (a 6-month status), and
    // holds January's grant, 267.50 EUR, until July's assessment.
    let o = slieksnis(&["explain", "--year", "2026", "--household", PENSIONER]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for line in [
        "2026-01: income 500.00 €; the month's rules give: low-income, housing benefit 267.50 €",
        "assessed and applied (chance 100.0 %); next assessment 07",
        "2026-05: income 500.00 €; the month's rules give: low-income, housing benefit 192.70 €",
        "not assessed: holds what the last assessment granted; next assessment 07",
        "housing benefit: 01, 02, 03, 04, 05, 06, 07, 08, 09, 10, 11, 12 (12)",
    ] {
        assert!(t.contains(line), "{line} in:\n{t}");
    }
    assert!(
        t.contains("     received: low-income, housing benefit 267.50 €\n     not assessed"),
        "{t}"
    );
    // A reform: the needy threshold at 60 % of the median (510 EUR) makes her needy.
    let o = slieksnis(&[
        "explain",
        "--period",
        "2026-03",
        "--household",
        PENSIONER,
        "--set",
        "needy.pct=0.6",
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for line in [
        "Why the reform changes the result:",
        "   ▸ needy threshold: 425.00 € → 510.00 €",
        "       reform: 510.00 € = round(0.6 × 850.02 €)",
        "       rules in force: income 500.00 € > needy threshold 425.00 €",
        "       reform: income 500.00 € < needy threshold 510.00 €",
        "   = status: low-income → needy",
    ] {
        assert!(t.contains(line), "{line} in:\n{t}");
    }
    // The lesson as data.
    let o = slieksnis(&[
        "explain",
        "--period",
        "2026-03",
        "--household",
        PENSIONER,
        "--json",
    ]);
    let t = text(&o);
    assert!(
        t.trim_start().starts_with('{') && t.contains("\"variable\": \"needy\""),
        "{t}"
    );
}

#[test]
fn policy_cases_pass_from_the_command_line() {
    let o = slieksnis(&["test", "policies/"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains(" passed, 0 failed"), "{t}");
}

#[test]
fn bad_input_names_the_place_and_exits_1() {
    fails(
        &[
            "run",
            "--population",
            "no/such/dir",
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
        ],
        &["no/such/dir"],
    );
    let bad = temp("bad-age");
    std::fs::write(
        bad.join("households.csv"),
        "household_id,municipality,housing_costs,savings\n1,ogres-novads,100,0\n",
    )
    .unwrap();
    std::fs::write(
        bad.join("persons.csv"),
        "person_id,household_id,age,disabled,income\n1,1,130,0,10\n",
    )
    .unwrap();
    let dir = bad.to_str().unwrap();
    fails(
        &[
            "run",
            "--population",
            dir,
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
        ],
        &["persons.csv:2", "age", "130"],
    );
    fails(
        &[
            "run",
            "--population",
            "populations/small",
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
            "--set",
            "gmi.pcx=0.2",
        ],
        &["pcx"],
    );
    fails(
        &[
            "run",
            "--population",
            "populations/small",
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
            "--set",
            "municipalities.ogres-novads.low_income.pct=0.85",
        ],
        &[
            "rules/thresholds.rhai",
            "above the legal maximum",
            "ogres-novads",
        ],
    );
    fails(
        &[
            "explain",
            "--population",
            "populations/small",
            "--id",
            "999",
            "--period",
            "2025-01",
        ],
        &["999"],
    );
    fails(
        &["params", "--period", "2025-01", "--municipality", "ogre"],
        &["unknown municipality 'ogre'", "ogres-novads"],
    );
    // A national caseload with a basis that is not one: refused before anything is simulated.
    let national = temp("bad-national").join("latvia.csv");
    std::fs::write(
        &national,
        "municipality,year,measure,households,persons,eur,basis\n\
         latvia,2025,needy_status,,39000,,year\n\
         latvia,2025,housing_benefit,,33400,,weekly\n",
    )
    .unwrap();
    fails(
        &[
            "calibrate",
            "--municipality",
            "all",
            "--reported",
            national.to_str().unwrap(),
            "--out",
            "/tmp/x.toml",
        ],
        &["latvia.csv:3:", "weekly"],
    );
}

#[test]
fn a_hostile_policy_script_is_stopped_with_its_place() {
    let dir = temp("hostile");
    let files = slieksnis_engine::policy::builtin();
    for (path, text) in &files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let text = if path == "rules/gmi.rhai" {
            format!("let x = 0;\nloop {{ x += 1; }}\n{text}")
        } else {
            text.clone()
        };
        std::fs::write(p, text).unwrap();
    }
    let started = std::time::Instant::now();
    fails(
        &[
            "run",
            "--policy",
            dir.to_str().unwrap(),
            "--population",
            "populations/small",
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
        ],
        &["rules/gmi.rhai:2", "operations"],
    );
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn the_boundary_set_equals_openfisca() {
    // populations/edge: 6 480 households exactly on, one cent under and over every threshold;
    // the expected file is OpenFisca's result for the same 2025 rules (see its README).
    let out = temp("edge");
    let o = slieksnis(&[
        "run",
        "--population",
        "populations/edge",
        "--period",
        "2025-06",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let ours = std::fs::read_to_string(out.join("households.csv")).unwrap();
    let expected =
        std::fs::read_to_string(repo().join("populations/edge/openfisca-2025-ogre-70.csv"))
            .unwrap();
    let ours: Vec<String> = ours
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            [f[0], f[2], f[3], f[4]].join(",")
        })
        .collect();
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(ours.len(), expected.len());
    for (a, b) in ours.iter().zip(&expected) {
        assert_eq!(a, b);
    }
}

#[test]
fn a_generated_year_is_the_same_on_one_thread_and_two_and_changes_with_the_seed() {
    let run = |threads: &str, seed: &str| {
        let out = temp(&format!("year-{threads}-{seed}"));
        let o = slieksnis(&[
            "--threads",
            threads,
            "run",
            "--municipality",
            "ogres-novads",
            "--year",
            "2025",
            "--seed",
            seed,
            // The run itself; its bands on one thread and two: cli/tests/bands.rs.
            "--replicates",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let t = text(&o);
        assert!(t.contains("annual EUR"), "{t}");
        assert!(
            t.contains("uncalibrated") || t.contains("calibrated"),
            "{t}"
        );
        (
            std::fs::read(out.join("households.csv")).unwrap(),
            std::fs::read(out.join("summary.csv")).unwrap(),
        )
    };
    let one = run("1", "7");
    assert_eq!(one, run("2", "7"));
    assert_ne!(one.1, run("2", "8").1);
}

#[test]
fn a_generated_population_written_and_read_back_gives_the_same_results() {
    let dir = temp("generated");
    let pop = dir.join("pop");
    let o = slieksnis(&[
        "generate",
        "--municipality",
        "tukuma-novads",
        "--year",
        "2026",
        "--out",
        pop.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let run = |source: &[&str], out: &Path| {
        let mut args = vec!["run", "--period", "2026-03", "--out", out.to_str().unwrap()];
        args.extend_from_slice(source);
        let o = slieksnis(&args);
        assert!(o.status.success(), "{}", text(&o));
        std::fs::read(out.join("households.csv")).unwrap()
    };
    let from_files = run(&["--population", pop.to_str().unwrap()], &dir.join("a"));
    let generated = run(
        &["--municipality", "tukuma-novads", "--replicates", "1"],
        &dir.join("b"),
    );
    assert_eq!(from_files, generated);
}

#[test]
fn unknown_and_merged_municipalities_are_refused() {
    let out = temp("bad-municipality");
    let o = out.to_str().unwrap();
    fails(
        &[
            "run",
            "--municipality",
            "ogre",
            "--year",
            "2025",
            "--out",
            o,
        ],
        &["ogre", "ogres-novads"],
    );
    fails(
        &[
            "run",
            "--municipality",
            "varaklanu-novads",
            "--year",
            "2025",
            "--out",
            o,
        ],
        &["madonas-novads"],
    );
    // A year the rules do not cover is a usage error (exit code 2, like any bad argument).
    let bad_year = slieksnis(&[
        "run",
        "--municipality",
        "ogres-novads",
        "--year",
        "2019",
        "--out",
        o,
    ]);
    assert_eq!(bad_year.status.code(), Some(2));
    assert!(
        text(&bad_year).contains("2019 is outside"),
        "{}",
        text(&bad_year)
    );
    // So is a month of such a year, before the rules or past the projected years (2027–2030):
    // 2031-06 would run on 2030's parameters and say 2031.
    for args in [
        &[
            "run",
            "--municipality",
            "tukuma-novads",
            "--period",
            "2031-06",
            "--out",
            o,
        ][..],
        &["params", "--period", "2031-01"][..],
        &[
            "explain",
            "--population",
            "populations/small",
            "--id",
            "3",
            "--period",
            "2020-12",
        ][..],
    ] {
        let late = slieksnis(args);
        assert_eq!(late.status.code(), Some(2), "{args:?}: {}", text(&late));
        assert!(
            text(&late).contains(
                "is outside the years that can be simulated: 2021–2030 (2027–2030 projected"
            ),
            "{args:?}: {}",
            text(&late)
        );
    }
}

#[test]
fn validate_compares_every_reported_figure_of_a_year_on_its_basis() {
    let out = temp("validate");
    let o = slieksnis(&[
        "validate",
        "--year",
        "2025",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read_to_string(out.join("validate.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("municipality,year,measure,unit,basis,reported,simulated,ratio,fitted,use")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // Ogre's report, read as counts during the year, the six fitted figures marked so.
    let ogre_gmi = rows
        .iter()
        .find(|r| r[0] == "ogres-novads" && r[2] == "gmi" && r[3] == "households")
        .expect("Ogre's GMI households");
    assert_eq!(
        (ogre_gmi[4], ogre_gmi[5], ogre_gmi[8]),
        ("during 2025", "168", "yes")
    );
    // The national series are month-end stocks, compared with the simulated stock.
    let stock = rows
        .iter()
        .find(|r| r[0] == "latvia" && r[2] == "needy_status" && r[4] == "stock at end of 2025-08")
        .expect("the national needy stock at the end of August");
    assert_eq!(stock[5], "39251");
    assert!(stock[6].parse::<i64>().unwrap() > 0);
    // Every row has a simulated value or says it has none; no skipped row is compared.
    assert!(rows.iter().all(|r| r[9] != "skip"));
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("not fitted (use = fit):"), "{summary}");
}

#[test]
fn explain_takes_a_households_events_and_shows_who_pays() {
    // A crisis in Ogre (no means test): the council's crisis benefit, its amount not known
    // (the assumed default, 870 EUR) — the council pays it all.
    let o = slieksnis(&[
        "explain",
        "--period",
        "2025-03",
        "--household",
        "municipality = \"ogres-novads\"\ncrisis = true\npersons = [{ age = 40, income = 900 }]",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("crisis benefit 870.00 €: the council pays it all"),
        "{t}"
    );
    assert!(t.contains("municipal net 870.00 €"), "{t}");
    // A flag that is not true/false is refused, naming it.
    let o = slieksnis(&[
        "explain",
        "--period",
        "2025-03",
        "--household",
        "municipality = \"ogres-novads\"\ncrisis = \"yes\"\npersons = [{ age = 40 }]",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("crisis must be true/false or 0/1"),
        "{}",
        text(&o)
    );
}

/// `explain --scenario`: the household under the scenario's reform and why it differs from the
/// baseline, each side set up as `compare` runs it (here a projected year with its assumption).
#[test]
fn explain_a_scenario_says_why_the_reform_changes_the_result() {
    // Tukums 2027: the median 850.02 × 1.09 = 926.52. At 60 %: round(0.6 × 926.52) = 556 and
    // round(0.7 × 556) = 389 a person more, 556 + 2 × 389 = 1 334 € for three; at 65 %:
    // 602 and 421, 1 444 €. An income of 1 400 € is between them: low-income only in the reform.
    let household = "municipality = \"tukuma-novads\"\npersons = [{ age = 40, income = 1400 }, { age = 38 }, { age = 10 }]";
    let scenario = "scenarios/tukums-2027-budget.toml";
    let o = slieksnis(&[
        "explain",
        "--scenario",
        scenario,
        "--period",
        "2027-03",
        "--household",
        household,
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.starts_with(
            "Tukums 2027: low-income threshold at 65 % of the median instead of 60 %: 60 % (in force in 2026) → 65 %"
        ),
        "{t}"
    );
    assert!(t.contains("the parameters are projected"), "{t}");
    for needle in [
        "rules in force: 556.00 € = round(0.6 × 926.52 €)",
        "rules in force: 1334.00 € = 556.00 € + 389.00 € × 2",
        "reform: 602.00 € = round(0.65 × 926.52 €)",
        "reform: 1444.00 € = 602.00 € + 421.00 € × 2",
        "▸ low-income: no → yes",
    ] {
        assert!(t.contains(needle), "expected '{needle}' in:\n{t}");
    }
    // A threshold a formula shows in parts is not "rounded" to its first part.
    assert!(!t.contains("rounded: low-income threshold"), "{t}");
    // A year's scenario needs the month; a month's scenario is its own month.
    fails(
        &["explain", "--scenario", scenario, "--household", household],
        &["is the year 2027: give the month to explain, --period 2027-MM"],
    );
    fails(
        &[
            "explain",
            "--scenario",
            scenario,
            "--period",
            "2026-03",
            "--household",
            household,
        ],
        &["(--period 2026-03 is outside it)"],
    );
    fails(
        &[
            "explain",
            "--scenario",
            "scenarios/ogre-low-income-60.toml",
            "--period",
            "2026-02",
            "--household",
            household,
        ],
        &["is the month 2026-01: --period 2026-02 is another month"],
    );
    // --set belongs to a scenario's file, not beside it.
    let o = slieksnis(&[
        "explain",
        "--scenario",
        scenario,
        "--period",
        "2027-03",
        "--household",
        household,
        "--set",
        "gmi.pct=0.2",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
