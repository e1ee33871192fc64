//! What-ifs meet the rules: every override is resolved against the parameters before any rule
//! runs. A path that names nothing, a council that does not exist, a value of the wrong shape or
//! outside its legal range, a share of the median before there was one: each stops with exit
//! code 1 and a message saying what was meant. The value in force, set explicitly, changes
//! nothing. (Issue 8, cases 1–4.)

mod common;

use common::{fails, slieksnis, succeeds, temp, text};

const SMALL: &str = "populations/small";

/// `run` of the small population for `period` with `--set` of each of `sets`, into a fresh
/// directory named after `name`.
fn run_small(name: &str, period: &str, sets: &[&str]) -> (Vec<String>, std::path::PathBuf) {
    let out = temp(name);
    let mut args: Vec<String> = ["run", "-q", "--population", SMALL, "--period", period]
        .map(String::from)
        .into();
    for s in sets {
        args.extend(["--set".to_string(), s.to_string()]);
    }
    args.extend(["--out".to_string(), out.display().to_string()]);
    (args, out)
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The summary CSV of a run of the small population.
/// A name of its own for each run's directory: the tests run in parallel.
fn unique(what: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{what}-{n}")
}

fn summary(period: &str, sets: &[&str]) -> String {
    let (args, out) = run_small(&unique("summary"), period, sets);
    succeeds(&refs(&args));
    std::fs::read_to_string(out.join("summary.csv")).unwrap()
}

/// A run of the small population that must fail with every one of `needles`.
fn refused(period: &str, sets: &[&str], needles: &[&str]) -> String {
    let (args, out) = run_small(&unique("refused"), period, sets);
    let t = fails(&refs(&args), needles);
    assert!(
        !out.join("summary.csv").exists(),
        "no output from a refused run:\n{t}"
    );
    t
}

#[test]
fn a_share_of_the_median_before_7_2023_is_refused_never_a_zero() {
    // Case 1: before, `gmi.pct = 0.20` used a median of 0 and gave no GMI at all.
    refused(
        "2021-08",
        &["gmi.pct=0.20"],
        &[
            "--set gmi.pct=0.20",
            "'pct' is a share of median_income, which the rules have only from 2023-07-01",
            "applies from 2023-07 on",
            "set gmi = { first = …, other = … } instead",
            "the run needs 2021-08-01",
        ],
    );
    // From 7/2023 the same override applies (to the 2023 amounts it is 20 % of 626.57).
    assert_ne!(
        summary("2023-08", &["gmi.pct=0.20"]),
        summary("2023-08", &[]),
        "20 % of the median is not the 125 / 87.50 in force"
    );
}

#[test]
fn the_value_in_force_set_explicitly_changes_nothing() {
    // Cases 1 and 4: a field override replaces that field only; the value in force gives the
    // baseline to the cent (housing_benefit.k.alone used to replace the whole table and fail).
    for (period, set) in [
        ("2024-08", "gmi.pct=0.20"),
        ("2025-03", "housing_benefit.k.alone=2.1"),
        ("2025-03", "housing_benefit.k.other=1.3"),
        ("2025-03", "municipalities.ogres-novads.low_income.pct=0.70"),
        ("2025-03", "needy={ pct = 0.5 }"),
        ("2022-03", "needy.first=272"),
    ] {
        assert_eq!(
            summary(period, &[set]),
            summary(period, &[]),
            "{period} --set {set}"
        );
    }
    // And a change of one field moves the result.
    assert_ne!(
        summary("2025-03", &["housing_benefit.k.other=2"]),
        summary("2025-03", &[])
    );
}

#[test]
fn a_year_whose_first_half_has_no_median_is_refused_for_a_share() {
    // Ogre 2023 with the needy share in force from 7/2023 set explicitly: January–June were
    // euro amounts, and the run stops instead of giving them a threshold of 0.
    let out = temp("ogre-2023");
    fails(
        &[
            "run",
            "--municipality",
            "ogres-novads",
            "--year",
            "2023",
            "--set",
            "needy.pct=0.50",
            "--out",
            out.to_str().unwrap(),
        ],
        &[
            "needy.pct = 0.5: 'pct' is a share of median_income",
            "the run needs 2023-01-01",
        ],
    );
}

#[test]
fn a_misspelt_council_is_refused_with_the_name_meant() {
    // Case 2: the override used to be accepted and do nothing (difference 0.00).
    refused(
        "2026-03",
        &["municipalities.ogres-novad.low_income={ pct = 0.60 }"],
        &["'ogres-novad' is not a Latvian local government (did you mean ogres-novads?)"],
    );
    let dir = temp("misspelt-scenario");
    let scenario = dir.join("s.toml");
    let population = common::repo().join(SMALL).canonicalize().unwrap();
    std::fs::write(
        &scenario,
        format!(
            "name = \"typo\"\npopulation = {:?}\nperiod = \"2026-03\"\n\n[reform]\n\
             name = \"60 %\"\nset = {{ \"municipalities.ogres-novad.low_income\" = {{ pct = 0.60 }} }}\n",
            population.display().to_string()
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let t = fails(
        &[
            "compare",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &["s.toml", "did you mean ogres-novads?"],
    );
    assert!(!out.join("comparison.csv").exists(), "{t}");
}

#[test]
fn absurd_values_are_refused_with_the_legal_range() {
    // Case 3: each of these used to run, with 0 needy households or worse.
    for (set, range) in [
        ("needy.pct=-1", "pct = -1 is outside its legal range 0 … 1"),
        ("gmi.pct=5", "pct = 5 is outside its legal range 0 … 0.5"),
        ("gmi.pct=22", "(a share: write 0.22 for 22 %)"),
        (
            "pension_age=-3",
            "-3 is outside its legal range 0 … 120 (years)",
        ),
        (
            "age_of_majority=1000",
            "1000 is outside its legal range 0 … 120 (years)",
        ),
        (
            "state_share.gmi=1.5",
            "1.5 is outside its legal range 0 … 1 (share)",
        ),
        (
            "housing_benefit.k.alone=-2",
            "alone = -2 is outside its legal range 0 … 10",
        ),
    ] {
        refused("2026-03", &[set], &[&format!("--set {set}"), range]);
    }
    // Values inside each range that the law's own ties refuse are stopped by the rules.
    refused(
        "2026-03",
        &["age_of_majority=70"],
        &[
            "rules/household.rhai",
            "age of majority 70 is not below the pension age 65",
        ],
    );
    refused(
        "2026-03",
        &["gmi.pct=0.45", "needy.pct=0.40"],
        &[
            "rules/thresholds.rhai",
            "GMI level 383 / 268 is above the needy threshold 340 / 238",
        ],
    );
}

#[test]
fn a_council_benefit_outside_its_range_is_refused() {
    // Issue 9: the council's own benefits declare their ranges; an amount outside is refused
    // with the range and unit, for a council with its own value (Ogre's health care) and for one
    // whose value is the assumed default (Tukums' crisis benefit).
    for (set, range) in [
        (
            "municipalities.ogres-novads.health_benefit.amount=5000",
            "amount = 5000 is outside its legal range 0 … 2000 (EUR a year)",
        ),
        (
            "municipalities.tukuma-novads.crisis_benefit=-50",
            "-50 is outside its legal range 0 … 20000 (EUR once per household)",
        ),
        (
            "municipalities.ogres-novads.birth_benefit.third=25000",
            "third = 25000 is outside its legal range 0 … 20000 (EUR once per child)",
        ),
        (
            "municipalities.riga.meals_benefit={ school = 600, preschool = 45, needy = true, low_income = true }",
            "school = 600 is outside its legal range 0 … 500 (EUR a month per child)",
        ),
    ] {
        refused("2025-03", &[set], &[&format!("--set {set}"), range]);
    }
    // Inside its range the same override runs.
    summary(
        "2025-03",
        &["municipalities.ogres-novads.health_benefit.amount=200"],
    );
}

#[test]
fn overrides_of_the_wrong_shape_are_refused_before_any_rule_runs() {
    // Case 4: these failed inside the scripts ("Function not found: * (&str…, decimal)").
    for (set, message) in [
        (
            "gmi.pct=\"cents\"",
            "'pct' is a text (\"cents\"); a table's values are numbers or true/false",
        ),
        (
            "gmi={ first = 130 }",
            "{ first = 130 } is { first }, but the parameter is { first, other } or { pct }",
        ),
        (
            "gmi.pcx=0.2",
            "'pcx' is not a field of gmi (first, other, pct) (did you mean pct?)",
        ),
        ("gmx=0.2", "unknown parameter (did you mean gmi?)"),
        (
            "housing_benefit.rounding=cent",
            "\"cent\" is not one of its choices (cents, euros_down) (did you mean cents?)",
        ),
        (
            "median_income=true",
            "true is true or false, but the parameter is a number",
        ),
    ] {
        let t = refused("2026-03", &[set], &[message]);
        assert!(!t.contains("Function not found"), "{t}");
    }
    // A field that cannot apply to the shape in force says so, and when.
    refused(
        "2026-03",
        &["gmi.first=130"],
        &["gmi.first = 130 cannot apply from 2025-01-01: gmi is then { pct = 0.22 }"],
    );
    let o = slieksnis(&[
        "params",
        "--period",
        "2022-03",
        "--municipality",
        "ogres-novads",
        "--set",
        "gmi.first=130",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("{ first = 130, other = 76 }"),
        "{}",
        text(&o)
    );
}
