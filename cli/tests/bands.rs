//! `--replicates`: bands.csv ordered, the same on one thread and two, its point the run's own
//! summary; not degenerate for Tukums 2026; refused where it cannot work.

mod common;

use common::{fails, slieksnis, temp, text};

/// bands.csv rows: (municipality, measure, [low, middle, high, point]) as text.
fn rows(csv: &str) -> Vec<(String, String, [String; 4])> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("municipality,measure,low,middle,high,point")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 6, "{l}");
            (
                f[0].to_string(),
                f[1].to_string(),
                [f[2], f[3], f[4], f[5]].map(String::from),
            )
        })
        .collect()
}

fn number(s: &str) -> f64 {
    // Only to order the values: EUR have two decimals, counts none.
    s.parse().unwrap()
}

#[test]
fn bands_are_ordered_thread_independent_and_keep_the_run_as_point() {
    let (one, two) = (temp("bands-1"), temp("bands-2"));
    let run = |threads: &str, out: &std::path::Path| {
        let o = slieksnis(&[
            "--threads",
            threads,
            "run",
            "--municipality",
            "varaklanu-novads",
            "--year",
            "2024",
            "--replicates",
            "4",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    let shown = run("1", &one);
    run("2", &two);
    assert!(
        shown.contains("band: p5–p95 of 4 replicates (seeds 1–4"),
        "{shown}"
    );
    assert!(shown.contains("Not included:"), "{shown}");
    let a = std::fs::read(one.join("bands.csv")).unwrap();
    assert_eq!(a, std::fs::read(two.join("bands.csv")).unwrap());
    let bands = rows(std::str::from_utf8(&a).unwrap());
    let summary = std::fs::read_to_string(one.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut checked = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        for (k, name) in header.iter().enumerate().skip(1) {
            if *name == "assumed" {
                continue;
            }
            let (_, _, [low, middle, high, point]) = bands
                .iter()
                .find(|(m, n, _)| m == f[0] && n == name)
                .unwrap_or_else(|| panic!("{} {name} in bands.csv", f[0]));
            assert_eq!(
                point, f[k],
                "{} {name}: the point is the run's own figure",
                f[0]
            );
            assert!(number(low) <= number(middle) && number(middle) <= number(high));
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked}");
}

#[test]
fn tukums_2026_has_a_band_that_is_not_degenerate() {
    let out = temp("bands-tukums");
    let o = slieksnis(&[
        "run",
        "--municipality",
        "tukuma-novads",
        "--year",
        "2026",
        "--replicates",
        "4",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read_to_string(out.join("bands.csv")).unwrap();
    let (_, _, [low, _, high, point]) = rows(&csv)
        .into_iter()
        .find(|(m, n, _)| m == "tukuma-novads" && n == "gmi_households")
        .unwrap();
    assert!(number(&high) > number(&low), "{low} {high}");
    // Seed 1 without bands: 206 GMI households (README).
    assert_eq!(point, "206");
}

#[test]
fn replicates_are_refused_where_they_cannot_work() {
    let o = slieksnis(&[
        "run",
        "--municipality",
        "varaklanu-novads",
        "--year",
        "2024",
        "--replicates",
        "0",
        "--out",
        "/tmp/never",
    ]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("'0' is not a number of replicates from 1 (no bands)"),
        "{t}"
    );
    let out = temp("bands-population");
    fails(
        &[
            "run",
            "--population",
            "populations/sample",
            "--year",
            "2026",
            "--replicates",
            "3",
            "--out",
            out.to_str().unwrap(),
        ],
        &["--replicates 3", "cannot be redrawn", "--municipality"],
    );
    // Without --replicates a population from files runs as before, without bands.
    let o = slieksnis(&[
        "run",
        "--population",
        "populations/small",
        "--period",
        "2025-03",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!out.join("bands.csv").exists());
}

#[test]
fn compare_writes_the_three_sides_bands() {
    let out = temp("bands-compare");
    let o = slieksnis(&[
        "compare",
        "scenarios/ogre-2026-low-income-60.toml",
        "--replicates",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read_to_string(out.join("bands.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("side,municipality,measure,low,middle,high,point")
    );
    let find = |side: &str, measure: &str| -> Vec<String> {
        csv.lines()
            .find(|l| l.starts_with(&format!("{side},TOTAL,{measure},")))
            .unwrap()
            .split(',')
            .skip(3)
            .map(String::from)
            .collect()
    };
    // The README's point: 211 fewer low-income households, −47 088.40 EUR municipal net.
    assert_eq!(find("difference", "low_income_households")[3], "-211");
    assert_eq!(find("difference", "municipal_net_eur")[3], "-47088.40");
    for side in ["baseline", "reform", "difference"] {
        let b = find(side, "low_income_households");
        assert!(number(&b[0]) <= number(&b[1]) && number(&b[1]) <= number(&b[2]));
    }
}

#[test]
fn a_projected_year_draws_the_assumptions_not_set_within_their_bands() {
    let (one, two, fixed) = (
        temp("bands-27-1"),
        temp("bands-27-2"),
        temp("bands-27-fixed"),
    );
    let run = |threads: &str, out: &std::path::Path, assume: &[&str]| {
        let mut args = vec![
            "--threads",
            threads,
            "run",
            "--municipality",
            "valkas-novads",
            "--year",
            "2027",
            "--replicates",
            "4",
            "--out",
            out.to_str().unwrap(),
        ];
        for a in assume {
            args.extend(["--assume", a]);
        }
        let o = slieksnis(&args);
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    let shown = run("1", &one, &[]);
    assert!(
        shown.contains("the year's assumptions not set with --assume drawn within their bands"),
        "{shown}"
    );
    run("2", &two, &[]);
    let drawn = std::fs::read_to_string(one.join("bands.csv")).unwrap();
    assert_eq!(
        drawn,
        std::fs::read_to_string(two.join("bands.csv")).unwrap(),
        "the drawn assumptions do not depend on the thread count"
    );
    for (m, measure, [low, middle, high, _]) in rows(&drawn) {
        assert!(
            number(&low) <= number(&middle) && number(&middle) <= number(&high),
            "{m} {measure}"
        );
    }
    // Every assumption set for the run: nothing left to draw, and the header says the band
    // leaves them out.
    let all = [
        "median_growth=0.09",
        "minimum_wage_growth=0.05",
        "wage_growth=0.06",
        "pension_growth=0.06",
        "housing_cost_growth=0.03",
        "council_amounts_growth=0",
    ];
    let shown = run("2", &fixed, &all);
    assert!(shown.contains("future years' assumptions"), "{shown}");
    let kept = std::fs::read_to_string(fixed.join("bands.csv")).unwrap();
    let point =
        |csv: &str| -> Vec<String> { rows(csv).into_iter().map(|r| r.2[3].clone()).collect() };
    assert_eq!(point(&drawn), point(&kept), "replicate 0 is the run itself");
    assert_ne!(drawn, kept, "the drawn assumptions move the band");
}
