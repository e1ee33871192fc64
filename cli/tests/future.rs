//! Future years (2027–2030): projected parameters from named assumptions, aged households, and
//! every output saying what it rests on.

mod common;

use common::{fails, slieksnis, succeeds, temp, text};

/// The needy households and the `assumed` column of a run's TOTAL row in summary.csv.
fn needy_and_assumed(dir: &std::path::Path) -> (i64, String) {
    let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let total: Vec<&str> = lines.last().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(total[0], "TOTAL");
    (
        total[col("needy_households")].parse().unwrap(),
        total[col("assumed")].to_string(),
    )
}

#[test]
fn a_projected_year_runs_and_names_its_assumptions() {
    let dir = temp("future-run");
    let run = |growth: &str, name: &str| {
        let out = dir.join(name);
        let o = out.to_str().unwrap();
        let t = succeeds(&[
            "run",
            "--municipality",
            "tukuma-novads",
            "--year",
            "2027",
            "--out",
            o,
            "--assume",
            &format!("median_growth={growth}"),
        ]);
        (needy_and_assumed(&out), t)
    };
    let ((needy_9, assumed), table) = run("0.09", "g9");
    assert_eq!(
        assumed,
        "assumed:median_growth=0.09 assumed:minimum_wage_growth=0.05 assumed:wage_growth=0.06 \
         assumed:pension_growth=0.06 assumed:housing_cost_growth=0.03 assumed:council_amounts_growth=0"
    );
    // 850.02 × 1.09 = 926.5218 → 926.52 EUR, in the table's header.
    assert!(
        table
            .contains("2027 (projected: median income 850.02 → 926.52 EUR with median_growth 0.09"),
        "{table}"
    );
    // A higher median raises every threshold: at least as many needy households (SPSPL: the
    // needy threshold is 50 % of the median), on the same households.
    let ((needy_0, _), _) = run("0", "g0");
    let ((needy_15, _), _) = run("0.15", "g15");
    assert!(
        needy_0 <= needy_9 && needy_9 <= needy_15,
        "{needy_0} {needy_9} {needy_15}"
    );
    assert!(
        needy_0 < needy_15,
        "a median 15 % higher makes some household needy"
    );
    // benefits.csv carries the same words.
    let benefits = std::fs::read_to_string(dir.join("g9/benefits.csv")).unwrap();
    assert!(
        benefits
            .lines()
            .filter(|l| !l.starts_with("municipality,"))
            .all(|l| l.contains("assumed:median_growth=0.09")),
        "{benefits}"
    );
    // A year the rules are written for has no such words.
    let out = dir.join("y26");
    succeeds(&[
        "run",
        "--municipality",
        "tukuma-novads",
        "--year",
        "2026",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(!needy_and_assumed(&out).1.contains("assumed:"));
}

#[test]
fn params_of_a_projected_month_show_the_projection() {
    let value = |args: &[&str], path: &str| -> String {
        let t = succeeds(args);
        t.lines()
            .find(|l| l.starts_with(&format!("{path} = ")))
            .unwrap_or_else(|| panic!("{path} in {t}"))
            .to_string()
    };
    let projected = value(&["params", "--period", "2027-01"], "median_income");
    assert!(
        projected.starts_with("median_income = 926.52   (from 2027-01-01"),
        "{projected}"
    );
    assert!(
        projected
            .contains("PROJECTED (projected 2027: 2026 value 850.02 × (1 + median_growth 0.09)"),
        "{projected}"
    );
    // With no growth, 2027's thresholds are 2026's: the same median and the same shares.
    let flat = value(
        &[
            "params",
            "--period",
            "2027-01",
            "--assume",
            "median_growth=0.0",
        ],
        "median_income",
    );
    assert!(
        flat.starts_with("median_income = 850.02   (from 2027-01-01"),
        "{flat}"
    );
    let written = value(&["params", "--period", "2026-12"], "median_income");
    assert!(
        written.starts_with("median_income = 850.02   (from 2026-01-01"),
        "{written}"
    );
    for path in ["needy", "gmi", "low_income_cap"] {
        let at = |p: &str| {
            value(
                &["params", "--period", p, "--assume", "median_growth=0"],
                path,
            )
            .split("   ")
            .next()
            .unwrap()
            .to_string()
        };
        assert_eq!(at("2027-01"), at("2026-12"), "{path}");
    }
    // 780 × 1.05 = 819 EUR.
    let wage = value(&["params", "--period", "2027-06"], "minimum_wage");
    assert!(wage.starts_with("minimum_wage = 819 "), "{wage}");
}

#[test]
fn explain_says_the_parameters_are_projected() {
    let t = succeeds(&[
        "explain",
        "--period",
        "2027-03",
        "--household",
        "municipality = \"tukuma-novads\"\npersons = [{ age = 40, income = 300 }]",
    ]);
    assert!(
        t.contains("2027-03 2027: the parameters are projected"),
        "{t}"
    );
    // 850.02 × 1.09 = 926.5218 → 926.52 (cents, half up).
    assert!(
        t.contains(
            "PROJECTED: 2026 value 850.02 × (1 + median_growth 0.09) = 926.52, rounded half-up to cents"
        ),
        "{t}"
    );
    // In Latvian the whole note is Latvian, with decimal commas.
    let t = succeeds(&[
        "explain",
        "--period",
        "2027-03",
        "--lang",
        "lv",
        "--household",
        "municipality = \"tukuma-novads\"\npersons = [{ age = 40, income = 300 }]",
    ]);
    assert!(
        t.contains("2027-03: parametri ir projicēti")
            && t.contains("median_growth=0,09 [pieņemts]")
            && !t.contains("[assumed]"),
        "{t}"
    );
    assert!(
        t.contains(
            "PROJICĒTS: 2026. gada vērtība 850,02 × (1 + median_growth 0,09) = 926,52, noapaļots līdz centiem"
        ),
        "{t}"
    );
}

#[test]
fn bad_assumptions_and_years_are_refused_naming_what_is_accepted() {
    let dir = temp("future-bad");
    let o = dir.to_str().unwrap();
    let run = [
        "run",
        "--municipality",
        "tukuma-novads",
        "--year",
        "2027",
        "--out",
        o,
    ];
    fails(
        &[&run[..], &["--assume", "nonsense=1"]].concat(),
        &[
            "--assume nonsense=1: unknown assumption 'nonsense'",
            "accepted: median_growth, minimum_wage_growth, wage_growth, pension_growth, housing_cost_growth, council_amounts_growth",
        ],
    );
    fails(
        &[&run[..], &["--assume", "median_growth=5"]].concat(),
        &["median_growth = 5 is outside its range [-0.2, 0.5]"],
    );
    for year in ["2020", "2031"] {
        let o = slieksnis(&[
            "run",
            "--municipality",
            "tukuma-novads",
            "--year",
            year,
            "--out",
            o,
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(
            text(&o).contains(&format!(
                "{year} is outside the years that can be simulated: 2021–2030 (2027–2030 projected"
            )),
            "{}",
            text(&o)
        );
    }
    // An assumption for a year the rules are written for changes nothing, and says so.
    let t = succeeds(&[
        "run",
        "--municipality",
        "tukuma-novads",
        "--period",
        "2026-03",
        "--out",
        o,
        "--assume",
        "median_growth=0.05",
    ]);
    assert!(
        t.contains("note: assumptions apply only to projected years (2027–2030)"),
        "{t}"
    );
}

#[test]
fn a_scenario_sets_assumptions_and_an_unknown_one_names_file_and_field() {
    let dir = temp("future-scenario");
    let t = succeeds(&[
        "compare",
        "scenarios/tukums-2027-budget.toml",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        t.contains("median income 850.02 → 926.52 EUR with median_growth 0.09"),
        "{t}"
    );
    let csv = std::fs::read_to_string(dir.join("comparison.csv")).unwrap();
    assert!(csv.contains("assumed:median_growth=0.09"), "{csv}");
    // The reform's own median: 850.02 × 1.06 = 901.02 on that side only.
    let side = dir.join("side.toml");
    std::fs::write(
        &side,
        "name = \"x\"\nmunicipality = \"tukuma-novads\"\nperiod = \"2027-02\"\n[reform]\nassume = { median_growth = 0.06 }\n",
    )
    .unwrap();
    let t = succeeds(&["compare", side.to_str().unwrap()]);
    assert!(
        t.contains("baseline: 2027 (projected: median income 850.02 → 926.52"),
        "{t}"
    );
    assert!(
        t.contains("reform: 2027 (projected: median income 850.02 → 901.02"),
        "{t}"
    );
    let head = "name = \"x\"\nmunicipality = \"tukuma-novads\"\nyear = 2027\n";
    for (body, needles) in [
        (
            "assume = { median_grwth = 0.06 }\n[reform]",
            &[
                "bad.toml",
                "assume.median_grwth: unknown assumption 'median_grwth' (did you mean median_growth?)",
            ][..],
        ),
        (
            "assume = { median_growth = 0.9 }\n[reform]",
            &[
                "bad.toml",
                "assume.median_growth: median_growth = 0.9 is outside its range [-0.2, 0.5]",
            ][..],
        ),
        (
            "[reform]\nassume = { wage_growth = 0.1 }",
            &[
                "bad.toml",
                "reform.assume.wage_growth: it ages the population",
            ][..],
        ),
    ] {
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, format!("{head}{body}\n")).unwrap();
        fails(&["compare", bad.to_str().unwrap()], needles);
    }
}
