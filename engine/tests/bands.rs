//! Uncertainty bands (`engine/src/bands.rs`): the percentile rule by hand, the difference band
//! taken replicate by replicate, the perturbation of take-up, the assumption hook, and bands of
//! a real council's year that are ordered, not degenerate and the same on any thread count.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use slieksnis_engine::annual::{Behaviour, TakeUp};
use slieksnis_engine::bands::{self, Band, Bands};
use slieksnis_engine::draw::MILLION;
use slieksnis_engine::generate::generate;
use slieksnis_engine::profile::{Profile, Profiles};
use slieksnis_engine::run::{self, Configuration, Horizon};
use slieksnis_engine::summary::Summary;
use slieksnis_engine::{Policy, policy};

#[test]
fn nearest_rank_by_hand() {
    // R = 10: p5 = the 1st smallest (⌈0.5⌉), p50 the 5th, p95 the 10th (⌈9.5⌉).
    assert_eq!(bands::nearest_rank(10, 5), 1);
    assert_eq!(bands::nearest_rank(10, 50), 5);
    assert_eq!(bands::nearest_rank(10, 95), 10);
    // R = 20: ⌈1⌉ = 1, ⌈10⌉ = 10, ⌈19⌉ = 19; R = 100: 5, 50, 95; R = 1: 1.
    assert_eq!([5, 50, 95].map(|p| bands::nearest_rank(20, p)), [1, 10, 19]);
    assert_eq!(
        [5, 50, 95].map(|p| bands::nearest_rank(100, p)),
        [5, 50, 95]
    );
    assert_eq!(bands::nearest_rank(1, 95), 1);
    // Replicate 0 is 50; sorted: 10 20 30 40 50 60 70 80 90 100.
    let b = Band::of(&[50, 10, 90, 30, 70, 20, 100, 40, 80, 60]);
    assert_eq!(
        b,
        Band {
            low: 10,
            middle: 50,
            high: 100,
            point: 50
        }
    );
    // Five values: ranks 1, 3, 5.
    let b = Band::of(&[7, -3, 12, 0, 5]);
    assert_eq!((b.low, b.middle, b.high, b.point), (-3, 5, 12, 7));
}

fn month_summary(policy: &Policy, profiles: &[&Profile]) -> Summary {
    let population = Arc::new(generate(profiles, 2024, 1));
    run::run(
        &Configuration {
            policy,
            rules: None,
            parameters: &policy.parameters,
            population: &population,
            horizon: Horizon::Month(slieksnis_engine::Period::parse("2024-03").unwrap()),
            behaviour: &Behaviour::entitlement(1),
            chunk_size: slieksnis_engine::simulate::DEFAULT_CHUNK,
        },
        &|_| {},
    )
    .unwrap()
    .summary
}

fn with_gmi(s: &Summary, households: i64) -> Summary {
    let mut s = s.clone();
    let k = s
        .measures()
        .names
        .iter()
        .position(|n| n == "gmi_households")
        .unwrap();
    s.rows[0].values[k] = households;
    s.total.values[k] = households;
    s
}

#[test]
fn the_difference_band_is_taken_replicate_by_replicate() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let all = Profiles::builtin().all().unwrap();
    let small: Vec<&Profile> = all
        .iter()
        .filter(|p| p.slug == "varaklanu-novads")
        .collect();
    let s = month_summary(&policy, &small);
    // Baseline 10, 20, 30 and reform 25, 21, 31 GMI households: each replicate's difference is
    // 15, 1, 1, whose middle (the 2nd smallest of 3) is 1, while middle(reform) −
    // middle(baseline) = 25 − 20 = 5.
    let base: Vec<Summary> = [10, 20, 30].iter().map(|&v| with_gmi(&s, v)).collect();
    let reform: Vec<Summary> = [25, 21, 31].iter().map(|&v| with_gmi(&s, v)).collect();
    let d = Bands::of(&bands::differences(&base, &reform).unwrap());
    let b = d.get(&d.total, "gmi_households").unwrap();
    assert_eq!((b.low, b.middle, b.high, b.point), (1, 1, 15, 15));
    let row = d.row("varaklanu-novads").unwrap();
    assert_eq!(d.get(row, "gmi_households").unwrap().middle, 1);
    let (mb, mr) = (Bands::of(&base), Bands::of(&reform));
    let middle = |x: &Bands| x.get(&x.total, "gmi_households").unwrap().middle;
    assert_eq!(middle(&mr) - middle(&mb), 5);
    // Other measures are the same on both sides: their difference band is zero.
    assert_eq!(
        d.get(&d.total, "households").unwrap(),
        Band {
            low: 0,
            middle: 0,
            high: 0,
            point: 0
        }
    );
}

#[test]
fn take_up_is_perturbed_within_the_legal_range_and_not_in_replicate_0() {
    let take_up = TakeUp {
        cap: [MILLION, 500_000, 0],
        half_cents: [9_000; 3],
        status_value_cents: BTreeMap::new(),
        reconsider: 100_000,
    };
    let mut base = Behaviour::entitlement(1);
    base.take_up.insert("tukuma-novads".into(), take_up.clone());
    base.take_up.insert("unlisted".into(), take_up.clone());
    let sigmas = BTreeMap::from([("tukuma-novads".to_string(), 900_000u32)]);
    let mut b0 = base.clone();
    bands::perturb(&mut b0, &sigmas, 1, 0);
    assert_eq!(b0, base, "replicate 0 is unperturbed");
    let (mut lower, mut higher) = (0, 0);
    for r in 1..60 {
        let mut b = base.clone();
        bands::perturb(&mut b, &sigmas, 1, r);
        let t = &b.take_up["tukuma-novads"];
        let z = bands::normal_millionths(1, r, "tukuma-novads");
        // σ · z in millionths, rounded half away from zero; the factor exp of it.
        let x = 900_000i128 * z as i128;
        let x = (x + x.signum() * 500_000) / 1_000_000;
        let f = bands::exp_millionths(x as i64);
        let factor = bands::take_up_factor(900_000, 1, r, "tukuma-novads");
        assert_eq!(f, factor);
        let expect = ((500_000 * factor as i128 + 500_000) / 1_000_000).min(1_000_000) as u32;
        assert_eq!(t.cap[1], expect, "r = {r}");
        assert!(t.cap[0] <= MILLION && t.cap[2] == 0);
        assert_eq!((t.half_cents, t.reconsider), ([9_000; 3], 100_000));
        assert_eq!(
            b.take_up["unlisted"], take_up,
            "a council without σ is left alone"
        );
        lower += usize::from(t.cap[1] < 500_000);
        higher += usize::from(t.cap[1] > 500_000);
    }
    assert!(lower > 15 && higher > 15, "{lower} lower, {higher} higher");
    // σ = 0: no change in any replicate.
    assert_eq!(bands::take_up_factor(0, 1, 7, "x"), 1_000_000);
}

#[test]
fn the_assumption_hook_keeps_the_default_in_replicate_0_and_draws_within_the_band() {
    let (default, band) = (
        Decimal::new(45, 3),
        [Decimal::new(20, 3), Decimal::new(70, 3)],
    );
    assert_eq!(
        bands::assumption_value(default, band, 1, 0, "median_growth"),
        default
    );
    let mut seen = std::collections::BTreeSet::new();
    for r in 1..200 {
        let u = bands::assumption_draw(1, r, "median_growth");
        assert!(u < MILLION);
        assert_eq!(u, bands::assumption_draw(1, r, "median_growth"));
        let v = bands::assumption_value(default, band, 1, r, "median_growth");
        // 0.020 + 0.050 × u / 10⁶, exactly.
        assert_eq!(
            v,
            Decimal::new(20, 3) + Decimal::new(50, 3) * Decimal::from(u) / Decimal::from(MILLION)
        );
        assert!(v >= band[0] && v < band[1]);
        seen.insert(u / 100_000);
    }
    assert_eq!(seen.len(), 10, "draws cover every tenth of the band");
    assert_ne!(
        bands::assumption_draw(1, 1, "median_growth"),
        bands::assumption_draw(1, 1, "wage_growth")
    );
    assert_ne!(
        bands::assumption_draw(1, 1, "median_growth"),
        bands::assumption_draw(2, 1, "median_growth")
    );
}

#[test]
fn the_shipped_uncertainty_file_reads_and_bad_values_are_refused() {
    let u = bands::Uncertainty::shipped();
    assert_eq!((u.calibrated, u.uncalibrated), (130_000, 900_000));
    assert_eq!(u.council["liepaja"], 440_000);
    let e = bands::Uncertainty::parse("u.toml", "[take_up]\ncalibrated = 3\nuncalibrated = 0.9\n")
        .unwrap_err();
    assert!(
        e.to_string().contains("u.toml: take_up.calibrated = 3"),
        "{e}"
    );
    assert!(e.to_string().contains("from 0 to 2"), "{e}");
    let e = bands::Uncertainty::parse("u.toml", "[take_up]\ncalibrated = 0.1\n").unwrap_err();
    assert!(e.to_string().contains("uncalibrated"), "{e}");
}

/// Bands of a small council's year over 4 replicates, on a pool of `threads`.
fn year_bands(threads: usize) -> (Bands, Summary) {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let all = Profiles::builtin().all().unwrap();
    let profiles: Vec<&Profile> = all
        .iter()
        .filter(|p| p.slug == "varaklanu-novads")
        .collect();
    let sigmas = bands::Uncertainty::shipped().sigmas(&profiles, 2024);
    assert_eq!(sigmas["varaklanu-novads"], 900_000);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let summaries = bands::run_replicates(0..4, |r| {
            let (population, behaviour) = bands::replicate(&profiles, 2024, 1, r, &sigmas);
            if r == 0 {
                assert_eq!(population, generate(&profiles, 2024, 1));
                assert_eq!(behaviour, Behaviour::from_profiles(&profiles, 2024, 1));
            }
            run::run(
                &Configuration {
                    policy: &policy,
                    rules: None,
                    parameters: &policy.parameters,
                    population: &Arc::new(population),
                    horizon: Horizon::Year(2024),
                    behaviour: &behaviour,
                    chunk_size: 256,
                },
                &|_| {},
            )
            .map(|r| r.summary)
        })
        .unwrap();
        (Bands::of(&summaries), summaries[0].clone())
    })
}

#[test]
fn a_year_band_is_ordered_keeps_the_point_and_does_not_depend_on_threads() {
    let (one, point) = year_bands(1);
    let (two, _) = year_bands(2);
    assert_eq!(one, two);
    assert_eq!(one.replicates, 4);
    for (row, summary_row) in one.all_rows().zip(point.all_rows()) {
        assert_eq!(row.municipality, summary_row.municipality);
        for (k, b) in row.bands.iter().enumerate() {
            assert!(b.low <= b.middle && b.middle <= b.high, "{row:?}");
            assert_eq!(b.point, summary_row.values[k]);
        }
    }
    let needy = one.get(&one.total, "needy_households").unwrap();
    assert!(needy.high > needy.low, "{needy:?}");
}
