//! The synthetic-population generator and its profiles: the seed contract (same seed, same
//! population, whatever the thread count), the marginals against the profile, the year, the
//! profiles that ship, and the errors a bad profile gives.
//!
//! The whole-country check (all 43 municipalities, twice) takes about 40 s in a debug build and
//! a few seconds in release; it runs only with
//! `SLIEKSNIS_SLOW=1 cargo test --release -p slieksnis-engine --test generate`.

use slieksnis_engine::Population;
use slieksnis_engine::csv_load::{Source, load};
use slieksnis_engine::csv_write::to_csv;
use slieksnis_engine::fixed::{CENT, SCALE};
use slieksnis_engine::generate::{Marginals, generate, marginals, marginals_by_council};
use slieksnis_engine::profile::{MAX_SIZE, Profile, ProfileError, Profiles};

fn profile(slug: &str) -> Profile {
    Profiles::builtin()
        .get(slug)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(f)
}

fn slow() -> bool {
    std::env::var("SLIEKSNIS_SLOW").is_ok_and(|v| v == "1")
}

// ---------------------------------------------------------------------------------------------
// The seed contract.

#[test]
fn the_same_seed_gives_the_same_population_on_one_thread_and_on_two() {
    // Ogre has 6 blocks of households, Valka 1.
    let (ogre, valka) = (profile("ogres-novads"), profile("valkas-novads"));
    let set = [&ogre, &valka];
    let one = in_pool(1, || generate(&set, 2025, 42));
    let two = in_pool(2, || generate(&set, 2025, 42));
    let three = in_pool(3, || generate(&set, 2025, 42));
    assert_eq!(one, two);
    assert_eq!(one, three);
    // The order the profiles are given in does not matter.
    assert_eq!(one, generate(&[&valka, &ogre], 2025, 42));
}

#[test]
fn another_seed_gives_another_population() {
    let ogre = profile("ogres-novads");
    let a = generate(&[&ogre], 2025, 1);
    let b = generate(&[&ogre], 2025, 2);
    assert_ne!(a.persons.income, b.persons.income);
    assert_ne!(a.persons.age, b.persons.age);
    // Counts are allocated, not drawn: the same number of households and persons.
    assert_eq!(a.household_count(), b.household_count());
    assert_eq!(a.person_count(), b.person_count());
}

#[test]
fn a_municipality_is_the_same_whichever_others_are_generated_with_it() {
    let (ogre, tukums) = (profile("ogres-novads"), profile("tukuma-novads"));
    let alone = generate(&[&ogre], 2025, 7);
    let both = generate(&[&tukums, &ogre], 2025, 7);
    let rows: Vec<usize> = (0..both.household_count())
        .filter(|&i| {
            both.municipalities[both.households.municipality[i] as usize] == "ogres-novads"
        })
        .collect();
    let part = both.select(&rows);
    assert_eq!(part.households.id, alone.households.id);
    assert_eq!(part.households.savings, alone.households.savings);
    assert_eq!(part.persons, alone.persons);
}

#[test]
fn ids_are_unique_stable_and_built_from_the_territorial_code() {
    let (ogre, valka) = (profile("ogres-novads"), profile("valkas-novads"));
    let pop = generate(&[&ogre, &valka], 2025, 3);
    // Generated ids are numbers: no text is kept for them, and they are their own draw keys.
    assert!(pop.households.id.all_numbers() && pop.persons.id.all_numbers());
    let mut ids = pop.households.id.keys().to_vec();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), pop.household_count());
    let mut ids = pop.persons.id.keys().to_vec();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), pop.person_count());
    // Ogre is LV0040000: its households are 40 000 × 10⁷ + 1, + 2, …
    let first_ogre = pop
        .municipalities
        .iter()
        .position(|m| m == "ogres-novads")
        .unwrap();
    let i = pop
        .households
        .municipality
        .iter()
        .position(|&m| m as usize == first_ogre)
        .unwrap();
    assert_eq!(pop.households.id.key(i), 40_000 * 10_000_000 + 1);
    assert_eq!(pop.households.id.get(i).to_string(), "400000000001");
}

#[test]
fn the_population_is_well_formed_and_money_is_whole_cents() {
    let ogre = profile("ogres-novads");
    let pop = generate(&[&ogre], 2025, 11);
    let h = &pop.households;
    let p = &pop.persons;
    assert_eq!(pop.municipalities, vec!["ogres-novads".to_string()]);
    assert_eq!(h.first_person.len(), h.id.len() + 1);
    assert_eq!(*h.first_person.last().unwrap() as usize, p.id.len());
    assert!(h.first_person.windows(2).all(|w| w[0] < w[1]));
    for v in h.housing_costs.iter().chain(&h.savings).chain(&p.income) {
        assert!(*v >= 0 && v % CENT == 0, "{v} is not whole cents");
    }
    let vehicles = h.vehicles.as_ref().unwrap();
    assert!(vehicles.iter().all(|v| (0..=2).contains(v)));
    assert!(p.age.iter().all(|a| (0..=120).contains(a)));
    assert_eq!(p.employed.as_ref().unwrap().len(), p.id.len());
    assert_eq!(p.nva_registered.as_ref().unwrap().len(), p.id.len());
    // Children have no counted income; working persons and registered unemployed are adults.
    let employed = p.employed.as_ref().unwrap();
    let registered = p.nva_registered.as_ref().unwrap();
    for j in 0..p.id.len() {
        if p.age[j] < 18 {
            assert_eq!(p.income[j], 0);
            assert!(!employed[j] && !registered[j]);
        }
        assert!(!(employed[j] && registered[j]));
    }
}

#[test]
fn what_is_written_as_csv_loads_back_unchanged() {
    let valka = profile("valkas-novads");
    let pop = generate(&[&valka], 2025, 5);
    let (households, persons) = to_csv(&pop).expect("whole cents");
    let slugs = Profiles::builtin().slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let (loaded, _) = load(
        Source {
            name: "households.csv",
            bytes: households.as_bytes(),
        },
        Source {
            name: "persons.csv",
            bytes: persons.as_bytes(),
        },
        &known,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.households.id, pop.households.id);
    assert_eq!(
        loaded.households.housing_costs,
        pop.households.housing_costs
    );
    assert_eq!(loaded.households.savings, pop.households.savings);
    assert_eq!(loaded.households.vehicles, pop.households.vehicles);
    assert_eq!(loaded.households.first_person, pop.households.first_person);
    assert_eq!(loaded.persons, pop.persons);
}

// ---------------------------------------------------------------------------------------------
// Marginals against the profile.

/// Population within 1 %, household sizes and age groups within 1.5 percentage points.
fn assert_marginals(p: &Profile, pop: &Population) {
    assert_close(p, &marginals(pop, Some(p.council(2025))));
}

fn assert_close(p: &Profile, m: &Marginals) {
    let miss = (m.persons as f64 - p.population as f64).abs() / p.population as f64;
    assert!(
        miss < 0.01,
        "{}: {} persons for {}",
        p.slug,
        m.persons,
        p.population
    );
    for (s, (got, want)) in m.household_sizes.iter().zip(&p.household_sizes).enumerate() {
        assert!(
            (got - want).abs() < 0.015,
            "{}: {} persons: {got:.4} of households, profile {want:.4}",
            p.slug,
            s + 1
        );
    }
    let want = [p.ages.share_0_14, p.ages.share_15_64, p.ages.share_65_plus];
    for (g, (got, want)) in m.ages.iter().zip(&want).enumerate() {
        assert!(
            (got - want).abs() < 0.015,
            "{}: age group {g}: {got:.4}, profile {want:.4}",
            p.slug
        );
    }
}

#[test]
fn ogre_matches_its_profile() {
    let ogre = profile("ogres-novads");
    let pop = generate(&[&ogre], 2025, 1);
    assert_marginals(&ogre, &pop);
    // Counts are allocated: the population is within a few persons.
    assert!(pop.person_count().abs_diff(ogre.population as usize) <= 8);
}

#[test]
fn riga_matches_its_profile_and_regions_differ_as_their_poverty_rates() {
    // Rīga with one municipality of each other region (generating Rīga once, as it is the
    // slowest part of the test run).
    let names = [
        "riga",
        "valmieras-novads",
        "kuldigas-novads",
        "jelgavas-novads",
        "rezeknes-novads",
    ];
    let profiles: Vec<Profile> = names.iter().map(|s| profile(s)).collect();
    let refs: Vec<&Profile> = profiles.iter().collect();
    let pop = generate(&refs, 2025, 1);
    let (each, _) = marginals_by_council(&pop);
    let of = |slug: &str| &each[pop.municipalities.iter().position(|m| m == slug).unwrap()];
    assert_close(&profiles[0], of("riga"));
    // One-person households: 45 % in Rīga (census 2021).
    assert!((of("riga").household_sizes[0] - 0.45).abs() < 0.001);

    // The approximate poverty rate (counted income, this population's median) is lowest in
    // Rīga and highest in Latgale, the others between (CSP 2023: Rīga 14.2 %, Vidzeme 29.8 %,
    // Kurzeme 26.6 %, Zemgale 22.2 %, Latgale 32.7 %).
    let rate = |s: &str| of(s).poverty_rate;
    let (riga, latgale) = (rate("riga"), rate("rezeknes-novads"));
    for middle in &names[1..4] {
        let r = rate(middle);
        assert!(
            riga < r && r < latgale,
            "{middle}: {r} not between {riga} and {latgale}"
        );
    }
    assert!(latgale > 1.8 * riga, "Latgale {latgale}, Rīga {riga}");
}

#[test]
fn the_smallest_municipality_matches_its_profile_too() {
    let valka = profile("valkas-novads");
    assert_marginals(&valka, &generate(&[&valka], 2025, 1));
}

#[test]
fn incomes_have_the_documented_shape() {
    // The statistics-only profile: Ogre's calibration draws its low pensions towards the median
    // (a pensioner's counted income can include more than the pension), away from VSAA's shape.
    let ogre = Profiles::builtin()
        .uncalibrated("ogres-novads")
        .unwrap_or_else(|e| panic!("{e}"));
    let pop = generate(&[&ogre], 2025, 1);
    let p = &pop.persons;
    let year = ogre.year(2025);
    let employed = p.employed.as_ref().unwrap();
    let (mut wages, mut old) = (Vec::new(), Vec::new());
    for (j, &works) in employed.iter().enumerate() {
        if works && (25..55).contains(&p.age[j]) && !p.disabled[j] {
            wages.push(p.income[j]);
        }
        if p.age[j] >= 65 && !works {
            old.push(p.income[j]);
        }
    }
    wages.sort_unstable();
    old.sort_unstable();
    // Full-time workers earn at least the net minimum wage: only part-timers are below it.
    let below_minimum = wages.iter().filter(|&&w| w < year.minimum_wage_net).count();
    let part_time = ogre.employment.part_time_share;
    let share = below_minimum as f64 / wages.len() as f64;
    assert!(share < part_time + 0.02, "{share} below the minimum wage");
    // The median wage of prime-age workers is near the year's median × Pierīga's level × age.
    let median = wages[wages.len() / 2] as f64 / SCALE as f64;
    let expected = year.median_net_wage as f64 / SCALE as f64 * ogre.wages.level;
    assert!(
        (median / expected - 1.0).abs() < 0.1,
        "median wage {median}, expected about {expected}"
    );
    // Pensions: the mean is the year's average × the level; VSAA's shape (13 % ≤ 300 at an
    // average of 673) means a share at or below 0.446 × the average.
    let mean = old.iter().sum::<i64>() as f64 / old.len() as f64 / SCALE as f64;
    let average = year.average_old_age_pension as f64 / SCALE as f64 * ogre.pensions.level;
    assert!(
        (mean / average - 1.0).abs() < 0.03,
        "mean pension {mean}, average {average}"
    );
    let low = old
        .iter()
        .filter(|&&x| (x as f64 / SCALE as f64) <= 0.446 * average)
        .count() as f64
        / old.len() as f64;
    assert!((low - 0.13).abs() < 0.03, "{low} of pensions are low");
}

// ---------------------------------------------------------------------------------------------
// The year.

#[test]
fn a_later_year_has_the_same_people_with_that_years_money() {
    let ogre = profile("ogres-novads");
    let a = generate(&[&ogre], 2024, 9);
    let b = generate(&[&ogre], 2025, 9);
    // The same households and people: same ids, sizes, ages, disability.
    assert_eq!(a.households.id, b.households.id);
    assert_eq!(a.households.first_person, b.households.first_person);
    assert_eq!(a.persons.age, b.persons.age);
    assert_eq!(a.persons.disabled, b.persons.disabled);
    // Wages, pensions and housing costs moved with the year.
    let (ya, yb) = (ogre.year(2024), ogre.year(2025));
    assert!(yb.median_net_wage > ya.median_net_wage);
    assert!(yb.average_old_age_pension > ya.average_old_age_pension);
    assert!(yb.minimum_wage > ya.minimum_wage);
    let mean = |pop: &Population, keep: &dyn Fn(usize) -> bool| {
        let rows: Vec<usize> = (0..pop.person_count()).filter(|&j| keep(j)).collect();
        rows.iter().map(|&j| pop.persons.income[j]).sum::<i64>() as f64 / rows.len() as f64
    };
    let old = |pop: &Population| mean(pop, &|j| pop.persons.age[j] >= 70);
    let pension_rise = old(&b) / old(&a);
    let expected = yb.average_old_age_pension as f64 / ya.average_old_age_pension as f64;
    assert!(
        (pension_rise / expected - 1.0).abs() < 0.01,
        "{pension_rise} vs {expected}"
    );
    let employed = |pop: &Population| {
        let e = pop.persons.employed.clone().unwrap();
        mean(pop, &move |j| e[j] && pop.persons.age[j] < 60)
    };
    assert!(employed(&b) > employed(&a) * 1.04);
    let housing = |pop: &Population| pop.households.housing_costs.iter().sum::<i64>();
    assert!(housing(&b) > housing(&a));
}

#[test]
fn the_years_events_come_from_their_own_stream() {
    // Ogre's rates: 0.2 % of households meet a crisis in a year, 5.2 % have another recognised
    // expense (its 2025 report). The counts come within sampling error of them.
    let ogre = profile("ogres-novads");
    assert_eq!(ogre.events.crisis_per_year, 0.002);
    let pop = generate(&[&ogre], 2025, 1);
    let n = pop.household_count();
    let count = |c: &Option<Vec<bool>>| c.as_ref().unwrap().iter().filter(|&&x| x).count();
    let (crisis, other) = (
        count(&pop.households.crisis),
        count(&pop.households.other_expenses),
    );
    let expected = 0.002 * n as f64;
    assert!(
        (crisis as f64 - expected).abs() < 4.0 * expected.sqrt(),
        "{crisis} crises of {n} households"
    );
    let share = other as f64 / n as f64;
    assert!((share - 0.052).abs() < 0.006, "other expenses {share}");
    // Another year: the same people, other events.
    let next = generate(&[&ogre], 2026, 1);
    assert_eq!(next.households.id, pop.households.id);
    assert_ne!(
        next.households.other_expenses,
        pop.households.other_expenses
    );
    // Rates moved to their extremes change the events only: every other column stays the same
    // (the seed contract adds the two columns and keeps the rest).
    let own = shipped("municipalities/ogres-novads.toml");
    let before_events = own.split("\n[events]").next().unwrap();
    let text =
        format!("{before_events}\n[events]\ncrisis_per_year = 1\nother_expenses_per_year = 0\n");
    let changed = with("municipalities/ogres-novads.toml", &text)
        .get("ogres-novads")
        .unwrap_or_else(|e| panic!("{e}"));
    let other_pop = generate(&[&changed], 2025, 1);
    assert_eq!(count(&other_pop.households.crisis), n);
    assert_eq!(count(&other_pop.households.other_expenses), 0);
    let mut same = other_pop.clone();
    same.households.crisis = pop.households.crisis.clone();
    same.households.other_expenses = pop.households.other_expenses.clone();
    assert_eq!(same, pop);
}

#[test]
fn health_costs_come_from_their_own_stream() {
    // The national shares with any cost (0–17 30 %, 18–64 50 %, 65+ 80 %) come within
    // sampling error; the amounts are whole cents, never negative.
    let ogre = profile("ogres-novads");
    let pop = generate(&[&ogre], 2025, 1);
    let costs = pop.persons.health_costs.clone().unwrap();
    assert_eq!(costs.len(), pop.person_count());
    assert!(costs.iter().all(|&c| c >= 0 && c % CENT == 0));
    for (from, to, want) in [(0, 17, 0.3), (18, 64, 0.5), (65, 120, 0.8)] {
        let band: Vec<usize> = (0..pop.person_count())
            .filter(|&j| (from..=to).contains(&pop.persons.age[j]))
            .collect();
        let any = band.iter().filter(|&&j| costs[j] > 0).count() as f64 / band.len() as f64;
        assert!((any - want).abs() < 0.02, "{from}-{to}: {any} with costs");
    }
    let with_costs: Vec<f64> = costs
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| c as f64 / SCALE as f64)
        .collect();
    let mean = with_costs.iter().sum::<f64>() / with_costs.len() as f64;
    // The national distribution's mean (147 EUR) times the level Ogre's calibration fitted.
    let want = 147.0 * ogre.health_costs.level;
    assert!((mean - want).abs() < 10.0, "mean {mean} EUR, want {want}");
    // Another year: the same people, other costs.
    let next = generate(&[&ogre], 2026, 1);
    assert_eq!(next.persons.id, pop.persons.id);
    assert_ne!(next.persons.health_costs, pop.persons.health_costs);
    // Nobody with costs, and twice the amounts: only the column changes (the seed contract
    // adds it and keeps every other draw).
    let own = shipped("municipalities/ogres-novads.toml");
    let raw = Profiles::builtin().uncalibrated("ogres-novads").unwrap();
    let raw_pop = generate(&[&raw], 2025, 1);
    let raw_costs = raw_pop.persons.health_costs.clone().unwrap();
    for layer in [
        "any_by_age = { \"0-17\" = 0, \"18-64\" = 0, \"65-120\" = 0 }",
        "level = 2",
    ] {
        let text = format!("{own}\n[health_costs]\n{layer}\n");
        // From statistics alone: Ogre's calibration layer sets a level of its own above the
        // council's file.
        let changed = with("municipalities/ogres-novads.toml", &text)
            .uncalibrated("ogres-novads")
            .unwrap_or_else(|e| panic!("{e}"));
        let other = generate(&[&changed], 2025, 1);
        let other_costs = other.persons.health_costs.clone().unwrap();
        if layer.starts_with("level") {
            assert!(
                other_costs
                    .iter()
                    .zip(&raw_costs)
                    .all(|(a, b)| (a - 2 * b).abs() <= CENT)
            );
        } else {
            assert!(other_costs.iter().all(|&c| c == 0));
        }
        let mut same = other.clone();
        same.persons.health_costs = raw_pop.persons.health_costs.clone();
        assert!(same == raw_pop, "only the health costs differ");
    }
}

#[test]
fn the_year_series_fill_unknown_years_by_their_growth() {
    let p = profile("ogres-novads");
    let eur = |v: i64| v as f64 / SCALE as f64;
    // Minimum wage: known for every year.
    assert_eq!(eur(p.year(2021).minimum_wage), 500.0);
    assert_eq!(eur(p.year(2026).minimum_wage), 780.0);
    // Median net wage: known for 2024 (996), +8 % for 2025, back by 9.7 % for 2023.
    assert_eq!(eur(p.year(2024).median_net_wage), 996.0);
    assert_eq!(eur(p.year(2025).median_net_wage), 1075.68);
    assert_eq!(eur(p.year(2023).median_net_wage), 907.93);
    // Outside the series: the nearest year.
    assert_eq!(p.year(2040).median_net_wage, p.year(2026).median_net_wage);
    // Pension age in months.
    assert_eq!(p.year(2022).pension_age_months, 64 * 12 + 3);
    assert_eq!(p.year(2025).pension_age_months, 65 * 12);
}

// ---------------------------------------------------------------------------------------------
// The shipped profiles.

#[test]
fn every_shipped_profile_loads() {
    let profiles = Profiles::builtin();
    assert_eq!(profiles.check(), Vec::<ProfileError>::new());
    let all = profiles.all().unwrap();
    assert_eq!(all.len(), 43);
    // One profile per local government of the register, with its population.
    let register = slieksnis_engine::register::municipalities();
    for m in &register {
        let p = all.iter().find(|p| p.slug == m.slug).expect("a profile");
        assert_eq!(p.population, m.population, "{}", m.slug);
        assert_eq!(p.region, m.region, "{}", m.slug);
        // Calibrated: the five councils with reported figures to fit (populations/profiles/
        // calibrated/, populations/reported/public-caseloads.csv).
        let fitted = [
            "ogres-novads",
            "kraslavas-novads",
            "jekabpils-novads",
            "liepaja",
            "riga",
        ];
        assert_eq!(
            p.calibrated,
            fitted.contains(&p.slug.as_str()),
            "{}",
            m.slug
        );
        assert_eq!(p.household_sizes.len(), MAX_SIZE);
        assert!((p.household_sizes.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    let mut atvk: Vec<&str> = all.iter().map(|p| p.atvk.as_str()).collect();
    atvk.sort_unstable();
    atvk.dedup();
    assert_eq!(atvk.len(), 43);
}

#[test]
fn varaklani_counts_under_madona_from_2025() {
    let profiles = Profiles::builtin();
    let c2024 = profiles.councils(2024).unwrap();
    let c2025 = profiles.councils(2025).unwrap();
    assert_eq!(c2024.len(), 43);
    assert_eq!(c2025.len(), 42);
    assert!(c2024.contains(&"varaklanu-novads".to_string()));
    assert!(!c2025.contains(&"varaklanu-novads".to_string()));
    let (madona, varaklani) = (profile("madonas-novads"), profile("varaklanu-novads"));
    let y2024 = generate(&[&madona, &varaklani], 2024, 1);
    let y2025 = generate(&[&madona, &varaklani], 2025, 1);
    assert_eq!(y2024.municipalities.len(), 2);
    assert_eq!(y2025.municipalities, vec!["madonas-novads".to_string()]);
    // The same people, counted under Madona.
    assert_eq!(y2024.households.id, y2025.households.id);
    let m = marginals(&y2025, Some("madonas-novads"));
    assert_eq!(m.persons, y2024.person_count());
}

#[test]
fn take_up_and_the_low_income_tail_are_in_the_profile() {
    let p = Profiles::builtin().uncalibrated("ogres-novads").unwrap();
    let cap = p.take_up.cap;
    for r in [cap.pensioners, cap.with_children, cap.other] {
        assert!((0.0..=1.0).contains(&r));
    }
    let half = p.take_up.half_eur;
    assert!(
        [half.pensioners, half.with_children, half.other]
            .iter()
            .all(|&h| h > 0.0)
    );
    assert!(p.take_up.status_value_eur["needy"] > 0.0);
    // Pierīga's zero-income share replaces the national one.
    assert_eq!(p.low_income_tail.zero_income_share, 0.15);
    assert_eq!(p.files.last().unwrap(), "municipalities/ogres-novads.toml");
    assert!(p.files.contains(&"areas/pieriga.toml".to_string()));
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// The shipped profiles with one file replaced.
fn with(path: &str, text: &str) -> Profiles {
    let mut p = Profiles::builtin();
    p.add_file(path, text).unwrap();
    p
}

fn shipped(path: &str) -> String {
    Profiles::builtin()
        .files()
        .find(|f| f.0 == path)
        .map(|f| f.1.to_string())
        .unwrap()
}

#[test]
fn a_share_outside_0_1_names_the_file_and_the_field() {
    let text = shipped("regions/vidzeme.toml").replace(
        "[wages]",
        "[disability]\nby_age = { \"0-17\" = 0.03, \"18-44\" = 1.5, \"45-120\" = 0.1 }\n\n[wages]",
    );
    let e = with("regions/vidzeme.toml", &text)
        .get("ogres-novads")
        .unwrap_err();
    assert_eq!(e.file, "regions/vidzeme.toml");
    assert_eq!(e.field.as_deref(), Some("disability.by_age.18-44"));
    assert!(e.message.contains("not a share"), "{e}");
    assert!(
        e.to_string()
            .starts_with("regions/vidzeme.toml: disability.by_age.18-44: 1.5")
    );
}

#[test]
fn shares_that_do_not_add_up_name_the_file_that_changed_them() {
    let text = shipped("regions/riga.toml").replace("one_person = 0.45", "one_person = 0.5");
    let e = with("regions/riga.toml", &text).get("riga").unwrap_err();
    assert_eq!(e.file, "regions/riga.toml");
    assert_eq!(e.field.as_deref(), Some("household_sizes"));
    assert!(e.message.contains("add up to 1.05, not 1"), "{e}");

    let text = shipped("municipalities/ogres-novads.toml")
        .replace("share_0_14 = 0.159", "share_0_14 = 0.25");
    let e = with("municipalities/ogres-novads.toml", &text)
        .get("ogres-novads")
        .unwrap_err();
    assert_eq!(e.file, "municipalities/ogres-novads.toml");
    assert_eq!(e.field.as_deref(), Some("ages"));
}

#[test]
fn unknown_and_mistyped_fields_give_the_line() {
    let text = shipped("municipalities/ogres-novads.toml").replace("population = ", "populaton = ");
    let e = with("municipalities/ogres-novads.toml", &text)
        .get("ogres-novads")
        .unwrap_err();
    assert_eq!(e.file, "municipalities/ogres-novads.toml");
    assert!(e.line.is_some());
    assert!(e.message.contains("unknown field `populaton`"), "{e}");

    let text = shipped("latvia.toml")
        .replace("zero_income_share = 0.2", "zero_income_share = \"a fifth\"");
    let e = with("latvia.toml", &text).get("valkas-novads").unwrap_err();
    assert_eq!(e.file, "latvia.toml");
    assert!(e.line.is_some());
    assert!(e.message.contains("invalid type"), "{e}");

    let e = with("areas/pieriga.toml", "[wages\nlevel = 1")
        .get("ogres-novads")
        .unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("areas/pieriga.toml", Some(1)));
}

#[test]
fn other_bad_profiles_are_refused_with_a_reason() {
    let cases: [(&str, &str, &str, &str); 6] = [
        // A distribution that goes down.
        (
            "latvia.toml",
            "95 = 2.3, 99 = 3.8",
            "95 = 2.3, 99 = 1.8",
            "must not go down",
        ),
        // A region that is not one.
        (
            "municipalities/valkas-novads.toml",
            "region = \"Vidzeme\"",
            "region = \"Pierīga\"",
            "not a planning region",
        ),
        // A missing area file.
        (
            "municipalities/valkas-novads.toml",
            "status =",
            "area = \"nowhere\"\nstatus =",
            "missing",
        ),
        // An identity field in a shared layer.
        (
            "regions/vidzeme.toml",
            "about =",
            "population = 5\nabout =",
            "belongs in a municipality",
        ),
        // A pension age that is not whole months.
        (
            "latvia.toml",
            "2022 = 64.25",
            "2022 = 64.3",
            "whole number of months",
        ),
        // A merged municipality without its successor.
        (
            "municipalities/varaklanu-novads.toml",
            "merged_into = \"madonas-novads\"",
            "",
            "merged_into",
        ),
    ];
    for (file, from, to, expect) in cases {
        let text = shipped(file);
        assert!(text.contains(from), "{file} has no {from}");
        let profiles = with(file, &text.replacen(from, to, 1));
        let slug = if file.contains("varaklanu") {
            "varaklanu-novads"
        } else if file.contains("pieriga") {
            "ogres-novads"
        } else {
            "valkas-novads"
        };
        let e = profiles.get(slug).unwrap_err();
        assert!(e.to_string().contains(expect), "{file}: {e}");
    }
    let e = Profiles::builtin().get("ogre").unwrap_err();
    assert!(e.message.contains("did you mean ogres-novads"), "{e}");
    assert!(Profiles::new().add_file("elsewhere/x.toml", "").is_err());
    assert!(Profiles::new().get("riga").is_err());
}

#[test]
fn tiny_and_user_given_municipalities_work() {
    // A user's own municipality file, added over the shipped profiles.
    let mut profiles = Profiles::builtin();
    for population in [1, 2, 3, 7] {
        let text = shipped("municipalities/valkas-novads.toml")
            .replace("population = 7501", &format!("population = {population}"));
        profiles
            .add_file("municipalities/valkas-novads.toml", text)
            .unwrap();
        let valka = profiles.get("valkas-novads").unwrap();
        let pop = generate(&[&valka], 2025, 1);
        // Household counts follow the size shares, so a handful of persons cannot always be
        // matched exactly.
        assert!(pop.person_count().abs_diff(population) <= 1, "{population}");
        assert!(pop.household_count() >= 1);
    }
    assert_eq!(generate(&[], 2025, 1).household_count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Opt-in: the whole country.

#[test]
fn the_whole_country_matches_the_national_figures() {
    if !slow() {
        eprintln!("skipped: set SLIEKSNIS_SLOW=1 to generate all of Latvia");
        return;
    }
    let all = Profiles::builtin().all().unwrap();
    let refs: Vec<&Profile> = all.iter().collect();
    let one = in_pool(1, || generate(&refs, 2025, 2025));
    let two = in_pool(2, || generate(&refs, 2025, 2025));
    assert_eq!(one, two);
    let (each, m) = marginals_by_council(&two);
    let target: u64 = all.iter().map(|p| p.population).sum();
    assert!((m.persons as f64 / target as f64 - 1.0).abs() < 0.001);
    // Census 2021: 41.1 % one-person (Rīga and Latgale more, Pierīga fewer), average 2.26.
    assert!((m.household_sizes[0] - 0.411).abs() < 0.015);
    assert!((m.persons as f64 / m.households as f64 - 2.26).abs() < 0.05);
    // CSP 1.1.2025: 15.1 / 63.0 / 21.9 %.
    for (got, want) in m.ages.iter().zip([0.151, 0.630, 0.219]) {
        assert!((got - want).abs() < 0.015, "{got} vs {want}");
    }
    // LFS Q3 2025: 65.2 % of persons 15–74 work.
    assert!(
        (m.employment_15_74 - 0.652).abs() < 0.04,
        "{}",
        m.employment_15_74
    );
    // Each council (Madona's profile alone is not its 2025 council: Varakļāni joined it).
    for p in all
        .iter()
        .filter(|p| p.council(2025) == p.slug && p.slug != "madonas-novads")
    {
        let i = two
            .municipalities
            .iter()
            .position(|m| *m == p.slug)
            .unwrap();
        assert_close(p, &each[i]);
    }
}
