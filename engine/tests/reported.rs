//! The shipped reported figures (`populations/reported/public-caseloads.csv`): they read, every
//! row keeps its source, the curation says what each may be used for, Ogre's report and the
//! domain notes' national figures agree with the older files they were folded from, and every
//! comparable figure reaches a comparison.

use std::ops::RangeInclusive;

use slieksnis_engine::calibrate::{self, National};
use slieksnis_engine::reported::{
    self, Basis, Figure, LATVIA, Measure, SHIPPED, SHIPPED_ORIGIN, Simulated, Unit, Use,
};

fn shipped() -> Vec<Figure> {
    reported::parse(SHIPPED_ORIGIN, SHIPPED).expect("the shipped figures read")
}

fn count(figures: &[Figure], usage: Use) -> usize {
    figures.iter().filter(|f| f.usage == usage).count()
}

#[test]
fn the_shipped_figures_read_and_keep_their_sources() {
    let figures = shipped();
    // 130 public figures, Ogre's 26, the domain notes' 3; a row a line, in order.
    assert_eq!(figures.len(), 159);
    assert!(figures.iter().zip(2..).all(|(f, line)| f.line == line));
    for f in &figures {
        assert!(!f.source_url.is_empty(), "line {}: no source", f.line);
        assert!(!f.quote.is_empty(), "line {}: no quote", f.line);
        assert!(!f.basis_text.is_empty(), "line {}: no basis", f.line);
        if f.usage == Use::Skip {
            assert!(
                !f.use_note.is_empty(),
                "line {}: skipped without a reason",
                f.line
            );
        }
        if f.basis == Basis::Planned {
            assert_eq!(f.usage, Use::Skip, "line {}", f.line);
        }
    }
    let public = &figures[..130];
    assert_eq!(
        (
            count(public, Use::Fit),
            count(public, Use::Check),
            count(public, Use::Skip)
        ),
        (57, 16, 57)
    );
    assert_eq!(
        (
            count(&figures, Use::Fit),
            count(&figures, Use::Check),
            count(&figures, Use::Skip)
        ),
        (73, 16, 70)
    );
    // Every council of the public figures is in the register (the reader checks), and they are
    // the ten of public-caseloads.md.
    let mut places: Vec<&str> = public.iter().map(|f| f.municipality.as_str()).collect();
    places.dedup();
    assert_eq!(
        places,
        [
            "latvia",
            "bauskas-novads",
            "cesu-novads",
            "jekabpils-novads",
            "jurmala",
            "kraslavas-novads",
            "liepaja",
            "riga",
            "talsu-novads",
            "valmieras-novads"
        ]
    );
}

/// The cautions of public-caseloads.md, as the curation applies them.
#[test]
fn the_cautions_are_applied() {
    let figures = shipped();
    let notes = |pred: &dyn Fn(&Figure) -> bool| -> Vec<(Use, String)> {
        figures
            .iter()
            .filter(|f| pred(f))
            .map(|f| (f.usage, f.use_note.clone()))
            .collect()
    };
    // Liepāja 2023: Ukrainian refugees only.
    let liepaja_2023 = notes(&|f| f.municipality == "liepaja" && f.year == 2023);
    assert_eq!(liepaja_2023.len(), 8);
    assert!(
        liepaja_2023
            .iter()
            .all(|(u, n)| *u == Use::Skip && n.contains("Ukrainian refugees only"))
    );
    // Krāslava's statuses are grants in a quarter; its GMI and housing benefit are payments in
    // the quarter, on a basis the model has.
    let kraslava = |m: Measure| {
        notes(&|f| f.municipality == "kraslavas-novads" && f.measure == m && f.unit != Unit::Eur)
    };
    for m in [Measure::NeedyStatus, Measure::LowIncomeStatus] {
        let rows = kraslava(m);
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|(u, n)| *u == Use::Skip
            && n.contains("grants in a quarter (decisions), not recipients")));
    }
    for m in [Measure::Gmi, Measure::HousingBenefit] {
        assert!(kraslava(m).iter().all(|(u, _)| *u == Use::Fit));
    }
    // Jūrmala's health benefit is universal.
    let jurmala = notes(&|f| f.municipality == "jurmala" && f.measure == Measure::HealthBenefit);
    assert_eq!(jurmala.len(), 1);
    assert!(jurmala[0].1.contains("universal senior benefit"));
    // The national round words of 2021–2022.
    let round = notes(&|f| f.is_national() && f.year < 2025 && f.basis != Basis::Planned);
    assert_eq!(round.len(), 2);
    assert!(
        round
            .iter()
            .all(|(u, n)| *u == Use::Skip && n.starts_with("AMBIGUOUS"))
    );
    // Cēsu's applications, and every plan.
    assert!(
        notes(&|f| f.municipality == "cesu-novads")
            .iter()
            .all(|(u, n)| *u == Use::Skip && n.starts_with("applications, not grants"))
    );
    assert_eq!(
        figures.iter().filter(|f| f.basis == Basis::Planned).count(),
        7
    );
    // The national LM/CSP series of 2025–2026 are month-end stocks, all fitted.
    let stocks: Vec<(i32, u8, Measure)> = figures
        .iter()
        .filter(|f| f.is_national() && f.usage == Use::Fit)
        .filter_map(|f| match f.basis {
            Basis::Stock { month } => Some((f.year, month, f.measure)),
            _ => None,
        })
        .collect();
    assert_eq!(stocks.len(), 8);
}

/// Ogre's 2025 report as `populations/reported/ogre-2025-caseload.csv` has it (the file
/// `calibrate` reads), figure by figure.
#[test]
fn ogre_agrees_with_its_caseload_file() {
    const OLD: &str = include_str!("../../populations/reported/ogre-2025-caseload.csv");
    let figures = shipped();
    let ogre: Vec<&Figure> = figures
        .iter()
        .filter(|f| f.municipality == "ogres-novads")
        .collect();
    assert_eq!(ogre.len(), 26);
    assert!(
        ogre.iter()
            .all(|f| f.year == 2025 && f.basis == (Basis::During { months: 1..=12 }))
    );
    let measure = |old: &str| match old {
        "gmi_benefit" => Measure::Gmi,
        "health_care_benefit" => Measure::HealthBenefit,
        "childbirth_benefit" => Measure::BirthBenefit,
        "burial_benefit" => Measure::Other,
        "social_assistance_total" => Measure::AllSocialAssistance,
        other => Measure::from_name(other).expect("a measure"),
    };
    let mut reader = csv::Reader::from_reader(OLD.as_bytes());
    let mut compared = 0;
    for record in reader.records() {
        let r = record.unwrap();
        let m = measure(&r[2]);
        for (unit, text) in [
            (Unit::Households, &r[3]),
            (Unit::Persons, &r[4]),
            (Unit::Eur, &r[5]),
        ] {
            let new = ogre.iter().find(|f| f.measure == m && f.unit == unit);
            match (text.is_empty(), new) {
                (true, None) => {}
                (false, Some(f)) => {
                    assert_eq!(f.value.to_string(), text, "{m} {unit}");
                    compared += 1;
                }
                _ => panic!("{m} {unit}: '{text}' against {new:?}"),
            }
        }
    }
    assert_eq!(compared, 26);
    // What calibration fits is `use = fit` here (the report's figures, by hand).
    let fit = |m: Measure, u: Unit| {
        let f = ogre.iter().find(|f| f.measure == m && f.unit == u).unwrap();
        assert_eq!(f.usage, Use::Fit, "{m} {u}");
        f.units()
    };
    assert_eq!(fit(Measure::NeedyStatus, Unit::Households), 661);
    assert_eq!(fit(Measure::LowIncomeStatus, Unit::Households), 530);
    assert_eq!(fit(Measure::Gmi, Unit::Households), 168);
    assert_eq!(fit(Measure::Gmi, Unit::Eur), 10_640_989);
    assert_eq!(fit(Measure::HousingBenefit, Unit::Households), 821);
    assert_eq!(fit(Measure::HousingBenefit, Unit::Eur), 54_722_518);
}

/// The three figures of `populations/reported/latvia-2025.csv` (the national calibration's) are
/// the CSP figures themselves, on their basis — stocks at the end of August 2025 and the average
/// of January–August, not counts over the year; the domain notes' roundings of them are kept in
/// public-caseloads.csv as skipped duplicates.
#[test]
fn the_national_calibrations_figures_are_roundings_of_csp_stocks() {
    const OLD: &str = include_str!("../../populations/reported/latvia-2025.csv");
    let figures = shipped();
    let old = National::parse("latvia-2025.csv", OLD).unwrap();
    assert_eq!(old.figures.len(), 3);
    for o in &old.figures {
        let measure = match o.measure {
            calibrate::Measure::Needy => Measure::NeedyStatus,
            calibrate::Measure::LowIncome => Measure::LowIncomeStatus,
            calibrate::Measure::Housing => Measure::HousingBenefit,
            calibrate::Measure::Gmi => unreachable!("no national GMI figure"),
        };
        let same: Vec<&Figure> = figures
            .iter()
            .filter(|f| {
                f.municipality == LATVIA
                    && f.year == 2025
                    && f.measure == measure
                    && f.unit == Unit::Persons
                    && f.basis
                        == match measure {
                            Measure::HousingBenefit => Basis::MonthlyAverage { months: 1..=8 },
                            _ => Basis::Stock { month: 8 },
                        }
            })
            .collect();
        assert_eq!(same.len(), 2, "{measure}");
        let (csp, notes) = (same[0], same[1]);
        assert_eq!((csp.usage, notes.usage), (Use::Fit, Use::Skip));
        assert_eq!(csp.units(), o.value);
        assert_eq!(
            o.basis,
            match measure {
                Measure::HousingBenefit => calibrate::Basis::Average(1, 8),
                _ => calibrate::Basis::Stock(8),
            }
        );
        assert!(notes.use_note.starts_with("duplicate"));
        // The roundings are within 1 % of them.
        assert!(
            (notes.units() - o.value).abs() * 100 <= o.value,
            "{measure}"
        );
    }
}

/// A simulation that answers everything with 0 for Ogre and Rīga only, in any year.
struct Zero;

impl Simulated for Zero {
    fn councils(&self, _: i32) -> Vec<String> {
        vec!["ogres-novads".into(), "riga".into()]
    }
    fn households_during(&self, m: &str, _: i32, _: Measure, _: RangeInclusive<u8>) -> Option<i64> {
        matches!(m, "ogres-novads" | "riga").then_some(0)
    }
    fn persons_during(&self, m: &str, y: i32, me: Measure, r: RangeInclusive<u8>) -> Option<i64> {
        self.households_during(m, y, me, r)
    }
    fn eur_during(&self, m: &str, y: i32, me: Measure, r: RangeInclusive<u8>) -> Option<i64> {
        self.households_during(m, y, me, r)
    }
    fn households_at_month_end(&self, m: &str, y: i32, me: Measure, _: u8) -> Option<i64> {
        self.households_during(m, y, me, 1..=1)
    }
    fn persons_at_month_end(&self, m: &str, y: i32, me: Measure, _: u8) -> Option<i64> {
        self.households_during(m, y, me, 1..=1)
    }
}

#[test]
fn every_comparable_figure_is_compared() {
    let figures = shipped();
    let years: Vec<i32> = (2021..=2026).collect();
    let rows = reported::compare(&figures, &years, &Zero);
    assert_eq!(
        rows.len(),
        count(&figures, Use::Fit) + count(&figures, Use::Check)
    );
    for r in &rows {
        let answered = matches!(r.municipality.as_str(), "ogres-novads" | "riga" | "latvia");
        assert_eq!(r.simulated.is_some(), answered, "line {}", r.line);
        if answered {
            assert!(r.ratio.unwrap().is_zero(), "line {}", r.line);
        }
    }
    let csv = reported::to_csv(&rows);
    assert_eq!(csv.lines().count(), rows.len() + 1);
    assert!(csv.contains(
        "\nlatvia,2025,housing_benefit,persons,monthly average 2025-01..2025-08,33432,0.0,0.0000,no,fit\n"
    ));
    assert!(csv.contains(
        "\nriga,2023,needy_status,persons,stock at end of 2023-01 (for 2023-01-01),10840,0,0.0000,no,check\n"
    ));
    assert!(
        csv.contains(
            "\nkraslavas-novads,2022,gmi,eur,during 2022-10..2022-12,102859.99,,,no,fit\n"
        )
    );
    // 2025 alone: the national series (10), Rīga's first half (4), Ogre's report (16).
    assert_eq!(reported::compare(&figures, &[2025], &Zero).len(), 30);
}
