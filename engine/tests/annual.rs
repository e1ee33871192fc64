//! Annual projections checked by hand against the 2026 rules, in which the housing-benefit
//! coefficients change on 1 May: grant periods, amounts fixed at assessment, take-up; and
//! against the 2025 rules, benefits paid on claim (each household's claim month, from its draw).

use std::sync::Arc;

use slieksnis_engine::annual::{Annual, Behaviour, Dynamics, TakeUp, project};
use slieksnis_engine::draw::{self, MILLION, Purpose};
use slieksnis_engine::fixed::SCALE;
use slieksnis_engine::population::{HouseholdInput, PersonInput, Population};
use slieksnis_engine::{Policy, policy, summarize};

fn eur(cents: i64) -> i64 {
    cents * SCALE / 100
}

fn person(id: u64, age: i64, income_eur: i64) -> PersonInput {
    PersonInput {
        id,
        age,
        disabled: false,
        income: income_eur * SCALE,
        employed: None,
        nva_registered: None,
    }
}

/// A: a pensioner alone with 500 EUR (low-income in Ogre, 2026: needy 425 < 500 ≤ 595) and
/// 150 EUR housing costs. B: two working-age adults with no income and 200 EUR housing costs.
fn population() -> Arc<Population> {
    let households = [
        HouseholdInput {
            id: 1,
            municipality: "ogres-novads".into(),
            housing_costs: 150 * SCALE,
            savings: 0,
            vehicles: None,
            persons: vec![person(1, 70, 500)],
        },
        HouseholdInput {
            id: 2,
            municipality: "ogres-novads".into(),
            housing_costs: 200 * SCALE,
            savings: 0,
            vehicles: None,
            persons: vec![person(2, 40, 0), person(3, 38, 0)],
        },
    ];
    Arc::new(Population::from_households(&households, &["ogres-novads"], "test").unwrap())
}

fn everyone_applies() -> Behaviour {
    Behaviour::entitlement(1)
}

/// The month in which a household of `id` with cycles of `len` months is assessed after
/// January's assessment (seed 1): its point in the cycle, drawn for it.
fn second_assessment(id: u64, len: u64) -> usize {
    let u = u64::from(draw::millionths(1, Purpose::Cycle, id, 0));
    let phase = (u * len / u64::from(MILLION)) as usize;
    1 + if phase == 0 { len as usize } else { phase }
}

/// The months (1–12) a household of `id` with cycles of `len` months is assessed.
fn assessments(id: u64, len: u64) -> Vec<usize> {
    let mut months = vec![1];
    let mut m = second_assessment(id, len);
    while m <= 12 {
        months.push(m);
        m += len as usize;
    }
    months
}

/// `year` projected over `pop` under `policy`.
fn project_year(
    policy: &Policy,
    pop: &Arc<Population>,
    year: i32,
    behaviour: &Behaviour,
) -> Annual {
    project(
        &policy.rules,
        &policy.parameters,
        &policy.schema,
        pop,
        year,
        behaviour,
        &|_| {},
    )
    .unwrap()
}

fn project_2026(pop: &Arc<Population>, behaviour: &Behaviour) -> Annual {
    project_year(
        &Policy::load(&policy::builtin()).unwrap(),
        pop,
        2026,
        behaviour,
    )
}

#[test]
fn grant_periods_keep_the_amount_of_the_month_of_assessment() {
    let pop = population();
    let a = project_2026(&pop, &everyone_applies());
    let o = &a.outcome;
    let (gmi, hb) = (0, 1);

    // A: no working-age adult, so 6-month cycles. Its housing benefit is what the month of
    // assessment gives: K = 2.5 for a pensioner alone until April (2.5 × 187 + 150 − 500 =
    // 117.50), K = 2.1 from May (2.1 × 187 + 150 − 500 = 42.70), for each month until the next
    // assessment.
    let at = assessments(1, 6);
    let mut expected = 0;
    for m in 1..=12usize {
        let assessed_in = *at.iter().filter(|&&a| a <= m).max().unwrap();
        expected += if assessed_in < 5 { 11_750 } else { 4_270 };
    }
    assert!(!o.statuses[0][0] && o.statuses[1][0]);
    assert_eq!(o.amounts[gmi][0], 0);
    assert_eq!(o.amounts[hb][0], eur(expected));
    // State share 30 % of each month's amount: 35.25 and 12.81.
    let state: i64 = (1..=12usize)
        .map(|m| {
            let assessed_in = *at.iter().filter(|&&a| a <= m).max().unwrap();
            if assessed_in < 5 { 3_525 } else { 1_281 }
        })
        .sum();
    assert_eq!(o.state[hb][0], eur(state));
    assert_eq!(a.received[3][0], 0xFFF, "paid in every month");

    // B: GMI 187 + 131 = 318 every month; the housing benefit is capped at the 200 EUR of costs
    // under both coefficients. State share 30 % of 318 and of 200 a month.
    assert!(o.statuses[0][1] && !o.statuses[1][1]);
    assert_eq!(o.amounts[gmi][1], eur(12 * 31_800));
    assert_eq!(o.amounts[hb][1], eur(12 * 20_000));
    assert_eq!(o.state[gmi][1] + o.state[hb][1], eur(12 * 15_540));
    assert_eq!(a.received[2][1], 0xFFF);

    // Every month: A low-income with a housing benefit (1 person), B needy with GMI and a
    // housing benefit (2 persons).
    for m in &a.by_month {
        let t = &m.total;
        assert_eq!(t.status(0), (1, 2));
        assert_eq!(t.status(1), (1, 1));
        assert_eq!((t.benefit(gmi).households, t.benefit(gmi).persons), (1, 2));
        assert_eq!((t.benefit(hb).households, t.benefit(hb).persons), (2, 3));
    }

    // Over the year: the same households, counted once.
    let s = summarize(&pop, o).unwrap();
    assert_eq!(s.total.get("needy_households"), Some(1));
    assert_eq!(s.total.get("needy_persons"), Some(2));
    assert_eq!(s.total.get("low_income_households"), Some(1));
    assert_eq!(s.total.get("gmi_eur"), Some(12 * 31_800));
    assert_eq!(s.total.get("housing_households"), Some(2));
    assert_eq!(s.total.get("housing_persons"), Some(3));
    assert_eq!(s.total.get("housing_eur"), Some(expected + 12 * 20_000));
}

#[test]
fn take_up_grows_with_what_a_household_would_get() {
    let t = TakeUp {
        cap: [800_000; 3],
        half_cents: [4_000; 3],
        status_value_cents: Default::default(),
        reconsider: 0,
    };
    // cap × V / (V + half): nothing to get, nobody applies; 40 EUR, half the cap; more, more.
    assert_eq!(t.chance(0, 0), 0);
    assert_eq!(t.chance(0, 4_000), 400_000);
    assert_eq!(t.chance(0, 12_000), 600_000);
    let mut last = 0;
    for v in (0..100_000).step_by(137) {
        let c = t.chance(2, v);
        assert!(c >= last && c <= 800_000);
        last = c;
    }
}

#[test]
fn a_household_that_does_not_apply_gets_nothing() {
    let pop = population();
    // Pensioners apply; nobody of another type does.
    let mut take_up = TakeUp::full();
    take_up.cap = [MILLION, 0, 0];
    let mut behaviour = everyone_applies();
    behaviour.default_take_up = take_up;
    let a = project_2026(&pop, &behaviour);
    assert_eq!(a.received[3][0], 0xFFF);
    assert!(a.received.iter().all(|r| r[1] == 0));
    assert!(
        a.by_month
            .iter()
            .all(|m| m.total.status(0).0 == 0 && m.total.benefit(1).persons == 1)
    );
    assert!(!a.outcome.statuses[0][1]);
    assert_eq!(a.outcome.amounts[0][1], 0);
    assert_eq!(a.outcome.amounts[1][1], 0);
}

/// A household that reconsiders takes a new draw, which counts from its next assessment: with
/// everyone reconsidering every month, the decision at an assessment in month m is the draw of
/// spell m − 1 (January's is spell 0), and what it decides holds until the next assessment.
#[test]
fn a_household_that_reconsiders_decides_anew_at_its_next_assessment() {
    let pop = population();
    let mut take_up = TakeUp::full();
    take_up.cap = [500_000; 3];
    take_up.reconsider = MILLION;
    assert_eq!(take_up.spell(1, 2, 1), 0);
    assert_eq!(take_up.spell(1, 2, 7), 6);
    let mut behaviour = everyone_applies();
    behaviour.default_take_up = take_up;
    let a = project_2026(&pop, &behaviour);
    // B (id 2): two working-age adults with no income, needy, assessed every 3 months.
    let at = assessments(2, 3);
    let mut expected = 0u16;
    for (i, &m) in at.iter().enumerate() {
        let applies = draw::millionths(1, Purpose::TakeUp, 2, (m - 1) as u8) < 500_000;
        let until = at.get(i + 1).copied().unwrap_or(13);
        for month in m..until {
            if applies {
                expected |= 1 << (month - 1);
            }
        }
    }
    assert_eq!(a.received[0][1], expected, "needy months of B");
    // Not the same decision all year (the draws differ), else the test would not test.
    assert!(expected != 0 && expected != 0xFFF, "{expected:#x}");
    // Nobody reconsiders: one decision for the year.
    let mut once = TakeUp::full();
    once.cap = [500_000; 3];
    behaviour.default_take_up = once;
    let a = project_2026(&pop, &behaviour);
    let first = draw::millionths(1, Purpose::TakeUp, 2, 0) < 500_000;
    assert_eq!(a.received[0][1], if first { 0xFFF } else { 0 });
}

#[test]
fn a_year_is_the_same_on_one_thread_and_many() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let households: Vec<HouseholdInput> = (0..3_000u64)
        .map(|i| HouseholdInput {
            id: i,
            municipality: "ogres-novads".into(),
            housing_costs: (50 + i as i64 % 250) * SCALE,
            savings: 0,
            vehicles: None,
            persons: (0..1 + i % 4)
                .map(|k| PersonInput {
                    id: i * 10 + k,
                    age: (20 + (i * 7 + k * 31) % 70) as i64,
                    disabled: false,
                    income: ((i * 37 + k * 11) % 900) as i64 * SCALE,
                    employed: Some((i + k) % 3 != 0),
                    nva_registered: Some((i + k) % 3 == 0),
                })
                .collect(),
        })
        .collect();
    let pop = Arc::new(Population::from_households(&households, &["ogres-novads"], "t").unwrap());
    let behaviour = Behaviour {
        take_up: Default::default(),
        default_take_up: TakeUp {
            cap: [600_000; 3],
            half_cents: [3_000; 3],
            status_value_cents: [("needy".to_string(), 2_000)].into(),
            reconsider: 60_000,
        },
        dynamics: Dynamics {
            job_loss: Default::default(),
            default_job_loss: 20_000,
            benefit_share: SCALE / 2,
            new_job_income: 600 * SCALE,
            housing_by_month: Default::default(),
        },
        seed: 2025,
    };
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            project(
                &policy.rules,
                &policy.parameters,
                &policy.schema,
                &pop,
                2025,
                &behaviour,
                &|_| {},
            )
        })
        .unwrap()
    };
    let one = run(1);
    assert_eq!(one, run(3));
    // Incomes moved: some households were assisted for only part of the year.
    let months = |i: usize| one.received.iter().fold(0u16, |m, r| m | r[i]).count_ones();
    assert!((0..pop.household_count()).any(|i| months(i) > 0 && months(i) < 12));
}

/// Draws are keyed by each id's key: a number for an id written as a number (with leading zeros
/// too: what it was when ids had to be numbers), the FNV-1a hash of the text otherwise.
#[test]
fn draws_follow_the_ids_keys() {
    use slieksnis_engine::csv_load::{Source, load};
    use slieksnis_engine::csv_write::to_csv;
    let policy = Policy::load(&policy::builtin()).unwrap();
    let households: Vec<HouseholdInput> = (1..=400u64)
        .map(|i| HouseholdInput {
            id: i,
            municipality: "ogres-novads".into(),
            housing_costs: (50 + i as i64 % 250) * SCALE,
            savings: 0,
            vehicles: None,
            persons: (0..1 + i % 3)
                .map(|k| PersonInput {
                    id: i * 10 + k,
                    age: (20 + (i * 7 + k * 31) % 70) as i64,
                    disabled: false,
                    income: ((i * 37 + k * 11) % 700) as i64 * SCALE,
                    employed: Some((i + k) % 3 != 0),
                    nva_registered: Some((i + k) % 3 == 0),
                })
                .collect(),
        })
        .collect();
    let numbers = Population::from_households(&households, &["ogres-novads"], "t").unwrap();
    let (h, p) = to_csv(&numbers).unwrap();
    // Every id rewritten: `0042` (key 42) or `h42` (a hash).
    let rewrite = |text: &str, columns: &[usize], prefix: &str| -> String {
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
            if i > 0 {
                for &c in columns {
                    fields[c] = format!("{prefix}{}", fields[c]);
                }
            }
            out += &fields.join(",");
            out.push('\n');
        }
        out
    };
    let loaded = |prefix: &str| {
        let (h, p) = (rewrite(&h, &[0], prefix), rewrite(&p, &[0, 1], prefix));
        let (pop, _) = load(
            Source {
                name: "households.csv",
                bytes: h.as_bytes(),
            },
            Source {
                name: "persons.csv",
                bytes: p.as_bytes(),
            },
            &["ogres-novads"],
        )
        .unwrap();
        Arc::new(pop)
    };
    let behaviour = Behaviour {
        take_up: Default::default(),
        default_take_up: TakeUp {
            cap: [500_000; 3],
            half_cents: [0; 3],
            status_value_cents: Default::default(),
            reconsider: 0,
        },
        dynamics: Dynamics {
            job_loss: Default::default(),
            default_job_loss: 50_000,
            benefit_share: SCALE / 2,
            new_job_income: 600 * SCALE,
            housing_by_month: Default::default(),
        },
        seed: 7,
    };
    let year = |pop: &Arc<Population>| project_year(&policy, pop, 2025, &behaviour);
    let numbers = Arc::new(numbers);
    let base = year(&numbers);
    let zeros = loaded("00");
    assert_eq!(zeros.households.id.get(0).to_string(), "001");
    assert_eq!(zeros.households.id.keys(), numbers.households.id.keys());
    assert_eq!(zeros.persons.id.keys(), numbers.persons.id.keys());
    assert_eq!(year(&zeros), base);
    let texts = loaded("h");
    assert_eq!(
        texts.households.id.key(0),
        slieksnis_engine::ids::fnv1a64(b"h1")
    );
    let other = year(&texts);
    assert_ne!(other.outcome, base.outcome, "other keys, other draws");
    // Applying at half the rate: about half of those who qualify do, with either keys.
    let assisted = |a: &Annual| {
        (0..a.outcome.len())
            .filter(|&i| a.received.iter().any(|r| r[i] != 0))
            .count()
    };
    let (b, t) = (assisted(&base), assisted(&other));
    assert!(b > 20 && t > 20 && b.abs_diff(t) * 3 < b + t, "{b} {t}");
}

/// The month (1–12) the household of `id` claims benefit `b` under seed 1: its own draw.
fn claim_month(id: u64, b: usize) -> usize {
    let u = u64::from(draw::millionths(1, Purpose::Claim, id, b as u8));
    1 + (u * 12 / u64::from(MILLION)) as usize
}

/// Ogre 2025, households 1–40: a pensioner with no income and a baby (needy all year, a crisis
/// too); household 41: a pensioner with no income and a pupil.
fn claimants() -> Arc<Population> {
    let mut households: Vec<HouseholdInput> = (1..=40u64)
        .map(|i| HouseholdInput {
            id: i,
            municipality: "ogres-novads".into(),
            housing_costs: 100 * SCALE,
            savings: 0,
            vehicles: None,
            persons: vec![person(i * 10, 70, 0), person(i * 10 + 1, 0, 0)],
        })
        .collect();
    households.push(HouseholdInput {
        id: 41,
        municipality: "ogres-novads".into(),
        housing_costs: 100 * SCALE,
        savings: 0,
        vehicles: None,
        persons: vec![person(410, 70, 0), person(411, 10, 0)],
    });
    let mut pop = Population::from_households(&households, &["ogres-novads"], "test").unwrap();
    pop.households.crisis = Some((1..=41).map(|i| i <= 40).collect());
    Arc::new(pop)
}

#[test]
fn a_benefit_paid_on_claim_is_paid_once_in_the_households_claim_month() {
    let policy = Policy::load(&policy::builtin()).unwrap();
    let schema = &policy.schema;
    let pop = claimants();
    let a = project_year(&policy, &pop, 2025, &everyone_applies());
    let o = &a.outcome;
    let statuses = schema.statuses.len();
    let index = |id: &str| schema.benefit_index(id).unwrap();
    // Each household is granted them all year (needy from January, a baby, a crisis), so each
    // is paid once, in its own claim month: the health-care benefit 150 EUR for each of the
    // two members (household 41 too), the crisis benefit 870 EUR, the childbirth benefit
    // 100 EUR for a first child.
    let expected = [
        ("health_benefit", 41, 300, 2),
        ("crisis_benefit", 40, 870, 2),
        ("birth_benefit", 40, 100, 1),
    ];
    let mut months = vec![[0usize; 3]; 41];
    for (k, &(id, paid, eur_paid, persons)) in expected.iter().enumerate() {
        let b = index(id);
        assert_eq!(
            slieksnis_engine::annual::claim_month(1, 7, b) as usize,
            claim_month(7, b)
        );
        let mut stock = [0i64; 12];
        for (i, month) in months.iter_mut().enumerate() {
            if i >= paid {
                assert_eq!(
                    (a.received[statuses + b][i], o.amounts[b][i]),
                    (0, 0),
                    "{id}"
                );
                continue;
            }
            let c = claim_month(i as u64 + 1, b);
            month[k] = c;
            stock[c - 1] += 1;
            assert_eq!(
                a.received[statuses + b][i],
                1 << (c - 1),
                "{id} of {}",
                i + 1
            );
            assert_eq!(o.amounts[b][i], eur_paid * SCALE, "{id} of {}", i + 1);
            assert_eq!(o.persons_of(b, i, 2), persons, "{id} of {}", i + 1);
        }
        // The month's stocks are those claims, each household counted in one month.
        let column = &schema.benefits[b].column;
        for (m, s) in a.by_month.iter().enumerate() {
            let households = s.total.get(&format!("{column}_households")).unwrap();
            assert_eq!(households, stock[m], "{id}, month {}", m + 1);
            let cents = s.total.get(&format!("{column}_eur")).unwrap();
            assert_eq!(cents, stock[m] * eur_paid * 100, "{id}, month {}", m + 1);
        }
        // The claims are spread over the year, not all in January.
        assert!(stock.iter().all(|&n| n < 20), "{id}: {stock:?}");
    }
    // Each benefit has its household's month of its own.
    assert!(months.iter().any(|m| m[0] != m[1]) && months.iter().any(|m| m[1] != m[2]));
    // A benefit paid when granted (the default) is paid in January, when first granted: the
    // pupil's education benefit (Ogre's 220 EUR a pupil, assumed).
    let education = index("education_benefit");
    assert_eq!(a.received[statuses + education][40], 1);
    assert_eq!(o.amounts[education][40], 220 * SCALE);
    assert!((0..40).all(|i| o.amounts[education][i] == 0));
}

/// The default policy with two benefits paid on claim, given by the rules only in April to June
/// 2025: one without a means test, 50 EUR a household, paid whenever the rules give it; one
/// means-tested, 50 EUR a person of a needy household, the state paying 40 %, granted at an
/// assessment and held until the next.
fn with_spring_benefits() -> std::collections::BTreeMap<String, String> {
    let mut files = policy::builtin();
    let manifest = files.get_mut("policy.toml").unwrap();
    *manifest = manifest.replace(
        "    \"rules/council_benefits.rhai\",\n]",
        "    \"rules/council_benefits.rhai\",\n    \"rules/spring.rhai\",\n]",
    );
    *manifest = manifest.replace(
        "    \"parameters/council_benefits.toml\",\n]",
        "    \"parameters/council_benefits.toml\",\n    \"parameters/spring.toml\",\n]",
    );
    manifest.push_str(
        r#"
[[benefit]]
id = "spring_benefit"
column = "spring"
label = "spring benefit"
kind = "one_off"
level = "household"
means_tested = false
paid = "on_claim"

[[benefit]]
id = "spring_aid"
column = "spring_aid"
label = "spring aid"
kind = "yearly"
level = "person"
state_share = "spring.state_share"
paid = "on_claim"
"#,
    );
    files.insert(
        "rules/spring.rhai".into(),
        "h.spring_benefit = h.fill(p.spring.amount);\n\
         h.spring_aid = where(h.needy, round_cents(p.spring.amount * h.size), 0);\n\
         h.spring_aid_persons = where(h.spring_aid > 0, h.size, 0);\n"
            .into(),
    );
    files.insert(
        "parameters/spring.toml".into(),
        r#"[spring.amount]
description = "Spring benefit (0 but in April to June 2025)"
reference = "a test's own rule"
unit = "EUR"
range = [0, 1000]
values = { 2021-01-01 = 0, 2025-04-01 = 50, 2025-07-01 = 0 }

[spring.state_share]
description = "The state's share of the spring aid"
reference = "a test's own rule"
unit = "share"
range = [0, 1]
values = { 2021-01-01 = 0.4 }
"#
        .into(),
    );
    explain_too(
        &mut files,
        &["spring_benefit", "spring_aid", "spring_aid_persons"],
        &["spring.amount", "spring.state_share"],
    );
    files
}

/// A test's own variables and parameters, explained in both languages (`explanations.toml`
/// needs every declared variable's and parameter's words, or the policy does not load).
fn explain_too(
    files: &mut std::collections::BTreeMap<String, String>,
    variables: &[&str],
    parameters: &[&str],
) {
    let t = files.get_mut("explanations.toml").unwrap();
    for v in variables {
        t.push_str(&format!(
            "\n[variables.{v}]\nterm = {{ en = \"{v}\", lv = \"{v} (lv)\" }}\nrule = {{ en = \"A test's own rule.\", lv = \"Testa noteikums.\" }}\nsource = {{ en = \"a test\", lv = \"tests\" }}\n"
        ));
    }
    for p in parameters {
        t.push_str(&format!(
            "\n[parameters.\"{p}\"]\nen = \"{p}\"\nlv = \"{p} (lv)\"\nsource = {{ en = \"a test\", lv = \"tests\" }}\n"
        ));
    }
}

#[test]
fn a_benefit_paid_on_claim_is_paid_in_the_first_month_it_is_granted_from_the_claim_on() {
    let policy = Policy::load(&with_spring_benefits()).unwrap();
    let schema = &policy.schema;
    // 120 pensioners alone with no income: needy all year, assessed every 6 months.
    let households: Vec<HouseholdInput> = (1..=120u64)
        .map(|i| HouseholdInput {
            id: i,
            municipality: "ogres-novads".into(),
            housing_costs: 100 * SCALE,
            savings: 0,
            vehicles: None,
            persons: vec![person(i, 70, 0)],
        })
        .collect();
    let pop = Arc::new(Population::from_households(&households, &["ogres-novads"], "t").unwrap());
    let a = project_year(&policy, &pop, 2025, &everyone_applies());
    let o = &a.outcome;
    let statuses = schema.statuses.len();
    let (spring, aid) = (
        schema.benefit_index("spring_benefit").unwrap(),
        schema.benefit_index("spring_aid").unwrap(),
    );
    let (mut unpaid, mut held_past_june) = (0, 0);
    let mut stock = [[0i64; 12]; 2];
    for i in 0..120 {
        let id = i as u64 + 1;
        assert!(o.statuses[0][i], "household {id} is needy");
        // Without a means test: granted in April to June, so paid in the claim month if it
        // is one of them, in April if the claim came before, never if it came after June.
        let c = claim_month(id, spring);
        let month = (c <= 6).then_some(c.max(4));
        let (bits, amount) = match month {
            Some(m) => (1 << (m - 1), 50 * SCALE),
            None => (0, 0),
        };
        assert_eq!(a.received[statuses + spring][i], bits, "household {id}");
        assert_eq!(o.amounts[spring][i], amount, "household {id}");
        unpaid += usize::from(month.is_none());
        if let Some(m) = month {
            stock[0][m - 1] += 1;
        }
        // Means-tested: what an assessment in April to June grants is held until the next
        // assessment, with its amount, state's part and persons, and paid in the first month
        // it is held from the claim month on.
        let at = assessments(id, 6);
        let held = |m: usize| (4..=6).contains(at.iter().filter(|&&a| a <= m).max().unwrap());
        let c = claim_month(id, aid);
        let month = (c..=12).find(|&m| held(m));
        let (bits, amount, state, persons) = match month {
            Some(m) => (1 << (m - 1), 50 * SCALE, 20 * SCALE, 1),
            None => (0, 0, 0, 0),
        };
        assert_eq!(a.received[statuses + aid][i], bits, "household {id}");
        assert_eq!(o.amounts[aid][i], amount, "household {id}");
        assert_eq!(o.state_of(aid, i), state, "household {id}");
        assert_eq!(o.persons_of(aid, i, 1), persons, "household {id}");
        held_past_june += usize::from(month.is_some_and(|m| m > 6));
        if let Some(m) = month {
            stock[1][m - 1] += 1;
        }
    }
    // Both cases happen: claims after the grant (never paid), payments after the rules'
    // months from an assessment that granted it in them.
    assert!(unpaid > 20 && unpaid < 100, "{unpaid}");
    assert!(held_past_june > 10, "{held_past_june}");
    for (m, s) in a.by_month.iter().enumerate() {
        let t = &s.total;
        assert_eq!(t.benefit(spring).households, stock[0][m], "month {}", m + 1);
        assert_eq!(t.benefit(aid).households, stock[1][m], "month {}", m + 1);
        assert_eq!(t.benefit(aid).persons, stock[1][m], "month {}", m + 1);
        assert_eq!(t.get("spring_aid_state_eur"), Some(stock[1][m] * 2_000));
    }
}

#[test]
fn ogres_claimed_benefits_are_spread_over_the_year() {
    // Ogre 2025 generated (seed 1) with its profile's take-up, as `slieksnis run --municipality
    // ogres-novads --year 2025` runs it. Paid when first granted, 99 % of the health-care
    // benefit's households and all the crisis and childbirth benefits' were paid in January;
    // paid on claim, no month has more than a quarter of the year's.
    use slieksnis_engine::generate::generate;
    use slieksnis_engine::profile::Profiles;
    let profile = Profiles::builtin().get("ogres-novads").unwrap();
    let pop = Arc::new(generate(&[&profile], 2025, 1));
    let behaviour = Behaviour::from_profiles(&[&profile], 2025, 1);
    let policy = Policy::load(&policy::builtin()).unwrap();
    let a = project_year(&policy, &pop, 2025, &behaviour);
    let year = summarize(&pop, &a.outcome).unwrap();
    for column in ["health", "crisis", "birth"] {
        let name = format!("{column}_households");
        let months: Vec<i64> = a
            .by_month
            .iter()
            .map(|m| m.total.get(&name).unwrap())
            .collect();
        let households = year.total.get(&name).unwrap();
        // Paid once: the months' households are the year's.
        assert_eq!(
            months.iter().sum::<i64>(),
            households,
            "{column}: {months:?}"
        );
        assert!(households >= 30, "{column}: {households}");
        let most = *months.iter().max().unwrap();
        assert!(
            most * 4 <= households,
            "{column}: {months:?} of {households}"
        );
    }
}
