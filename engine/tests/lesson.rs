//! Lessons: the numbers a person can check by hand from the law, the cliffs found by running
//! the rules again, the texts complete in both languages.

use slieksnis_engine::explain::explain;
use slieksnis_engine::lesson::{self, Lang, Lesson, cliffs, render};
use slieksnis_engine::policy::{Policy, builtin};
use slieksnis_engine::{Period, Population, cases, register};

fn household(toml_text: &str) -> Population {
    let table: toml::Table = toml_text.parse().unwrap();
    let slugs = register::slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    cases::household(&table, &known).unwrap()
}

fn lesson_of(policy: &Policy, pop: &Population, period: &str, lang: Lang) -> Lesson {
    let period = Period::parse(period).unwrap();
    let e = explain(
        &policy.rules,
        &policy.schema,
        &policy.parameters,
        pop,
        0,
        period,
    )
    .unwrap();
    let mut l = lesson::build(&e, policy, lang);
    l.cliffs = cliffs::find(
        &policy.rules,
        &policy.schema,
        &policy.parameters,
        &e.population,
        period,
        lang,
    )
    .unwrap();
    l
}

fn text(l: &Lesson) -> String {
    format!("{}{}", render::text(l), render::cliffs(l))
}

const PENSIONER: &str = "municipality = \"tukuma-novads\"
housing_costs = 300
persons = [{ age = 70, income = 500 }]";

/// Tukums, March 2026: the median 850.02 EUR; needy threshold round(0.5 × 850.02) = 425;
/// GMI level round(0.22 × 850.02) = 187; Tukums' low-income threshold round(0.6 × 850.02) = 510;
/// K = 2.5 for a pensioner alone (1.1.–30.4.2026). Housing benefit:
/// min(300, 2.5 × 187 + 300 − (500 + 0)) = 267.50.
#[test]
fn a_pensioner_sees_the_comparison_and_the_formula_with_her_numbers() {
    let policy = Policy::load(&builtin()).unwrap();
    let pop = household(PENSIONER);
    let en = text(&lesson_of(&policy, &pop, "2026-03", Lang::En));
    for line in [
        "income 500.00 € > needy threshold 425.00 € → not needy",
        "425.00 € = round(0.5 × 850.02 €)",
        "income 500.00 € < low-income threshold 510.00 € ✓",
        "→ low-income",
        "267.50 € = min(300.00 €, max(0, 2.5 × 187.00 € + 300.00 € − (500.00 € + 0.00 €)))",
        "housing benefit 267.50 €: the state pays 30 % × 267.50 € = 80.25 €",
    ] {
        assert!(en.contains(line), "{line} in:\n{en}");
    }
    let lv = text(&lesson_of(&policy, &pop, "2026-03", Lang::Lv));
    for line in [
        "ienākumi 500,00 € > trūcīgas mājsaimniecības slieksnis 425,00 € → nav trūcīga",
        "267,50 € = min(300,00 €, max(0, 2,5 × 187,00 € + 300,00 € − (500,00 € + 0,00 €)))",
        "425,00 € = noapaļot(0,5 × 850,02 €)",
    ] {
        assert!(lv.contains(line), "{line} in:\n{lv}");
    }
    // The nearest edges: 10.01 EUR more income loses the low-income status, 75 EUR less makes
    // the household needy.
    assert!(
        en.contains("income of person 1 10.01 € higher (510.01 € instead of 500.00 €) → status: low-income → neither"),
        "{en}"
    );
    assert!(
        en.contains("income of person 1 75.00 € lower (425.00 € instead of 500.00 €) → status: low-income → needy"),
        "{en}"
    );
}

/// Two adults and two children in Tukums, March 2026: the needy threshold, and the savings
/// limit, is 425 + 3 × 298 = 1 319 EUR; with savings of 1 320 EUR the asset test fails and
/// nothing is paid. At 1 319 EUR the housing benefit is min(350, 1.7 × (187 + 3 × 131) + 350 −
/// 600) = 350 EUR a month.
#[test]
fn a_family_one_euro_over_the_savings_limit_is_told_what_it_loses() {
    let policy = Policy::load(&builtin()).unwrap();
    let pop = household(
        "municipality = \"tukuma-novads\"
housing_costs = 350
savings = 1320
persons = [{ age = 40, income = 600 }, { age = 38 }, { age = 10 }, { age = 5 }]",
    );
    let l = lesson_of(&policy, &pop, "2026-03", Lang::En);
    let en = text(&l);
    assert!(
        en.contains("savings 1320.00 € > savings limit 1319.00 € → not passed"),
        "{en}"
    );
    assert!(
        en.contains("asset test: not passed → housing benefit = 0.00 €"),
        "{en}"
    );
    let first = &l.cliffs[0];
    assert_eq!(
        (first.input.as_str(), first.from, first.to),
        ("savings", 13_200_000, 13_190_000)
    );
    assert!(
        first
            .text
            .starts_with("savings 1.00 € lower (1319.00 € instead of 1320.00 €) → status: neither → needy; housing benefit: 0.00 € → 350.00 € a month"),
        "{}",
        first.text
    );
    let lv = text(&lesson_of(&policy, &pop, "2026-03", Lang::Lv));
    assert!(
        lv.contains("uzkrājumi par 1,00 € mazāki (1319,00 € nevis 1320,00 €) → statuss: nav → trūcīgas; mājokļa pabalsts: 0,00 € → 350,00 € mēnesī"),
        "{lv}"
    );
}

/// Words of the English frame, texts and sources that must not appear in a Latvian lesson
/// (whole words; "no" is left out, being Latvian for "from"). The section headers are the
/// scripts' file names (rules/household.rhai), identifiers rather than words, and are skipped.
const ENGLISH: &[&str] = &[
    "household",
    "members",
    "person",
    "income",
    "savings",
    "housing",
    "costs",
    "rule",
    "source",
    "parameters",
    "force",
    "always",
    "result",
    "status",
    "needy",
    "threshold",
    "benefit",
    "yes",
    "who",
    "pays",
    "state",
    "council",
    "gross",
    "municipal",
    "change",
    "lower",
    "higher",
    "instead",
    "month",
    "year",
    "round",
    "eur",
    "assumed",
    "projected",
    "passed",
    "share",
    "median",
    "law",
    "civil",
    "annex",
    "regulations",
    "the",
    "of",
    "and",
    "alone",
    "other",
    "amount",
    "cents",
    "first",
    "second",
    "third",
    "school",
    "age",
    "level",
    "test",
];

#[test]
fn a_latvian_lesson_has_no_english_words() {
    let policy = Policy::load(&builtin()).unwrap();
    for (h, period) in [
        (PENSIONER, "2026-03"),
        (
            "municipality = \"kuldigas-novads\"\npersons = [{ age = 40, income = 300 }, { age = 38 }, { age = 10 }, { age = 5 }]",
            "2021-08",
        ),
        (
            "municipality = \"ogres-novads\"\ncrisis = true\nsavings = 100\npersons = [{ age = 40, income = 900, disabled = true }, { age = 0 }]",
            "2025-03",
        ),
    ] {
        let lv = text(&lesson_of(&policy, &household(h), period, Lang::Lv));
        for line in lv.lines() {
            if line.split_once(". ").is_some_and(|(n, rest)| {
                n.chars().all(|c| c.is_ascii_digit()) && rest.starts_with("rules/")
            }) {
                continue;
            }
            for word in line.split(|c: char| !c.is_alphanumeric()) {
                assert!(
                    !ENGLISH.contains(&word.to_lowercase().as_str()),
                    "English '{word}' in a Latvian lesson: {line}"
                );
            }
        }
    }
}

/// Every variable a trace sets has its words in both languages, and where the texts list the
/// conditions of a yes/no, they give the scripts' answer.
#[test]
fn every_traced_step_is_explained_and_its_conditions_agree_with_the_rules() {
    let policy = Policy::load(&builtin()).unwrap();
    let cases = [
        (PENSIONER, "2026-03"),
        (PENSIONER, "2022-03"),
        (
            "municipality = \"riga\"\nsavings = 5000\npersons = [{ age = 30, income = 0 }]",
            "2025-06",
        ),
        (
            "municipality = \"ogres-novads\"\nhousing_costs = 200\npersons = [{ age = 40, income = 100 }, { age = 8 }]",
            "2024-02",
        ),
        (
            "municipality = \"tukuma-novads\"\npersons = [{ age = 66, income = 430 }, { age = 67, income = 0 }]",
            "2021-03",
        ),
    ];
    for (h, period) in cases {
        for lang in [Lang::En, Lang::Lv] {
            let l = lesson_of(&policy, &household(h), period, lang);
            for step in l.sections.iter().flat_map(|s| &s.steps) {
                let t = policy
                    .texts
                    .variables
                    .get(&step.variable)
                    .unwrap_or_else(|| panic!("{} has no explanation", step.variable));
                assert!(!t.rule.en.is_empty() && !t.rule.lv.is_empty());
                assert!(step.consistent, "{period} {}: {step:?}", step.variable);
            }
            for p in l.sections.iter().flat_map(|s| &s.parameters) {
                assert!(!p.name.is_empty() && !p.source.is_empty(), "{p:?}");
            }
        }
    }
}

#[test]
fn a_missing_text_is_refused_at_load_naming_the_variable_or_parameter() {
    let load = |edit: &dyn Fn(&str) -> String| {
        let mut files = builtin();
        let t = files.get_mut("explanations.toml").unwrap();
        *t = edit(t);
        Policy::load(&files)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let e = load(&|t| {
        t.lines()
            .filter(|l| !l.starts_with("rule.lv = \"Statusu piešķir"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    assert!(
        e.contains("explanations.toml: [variables.status_months] has no rule.lv"),
        "{e}"
    );
    let e = load(&|t| t.replace("[variables.housing_k]", "[variables.housing_k_old]"));
    assert!(
        e.contains("explanations.toml: h.housing_k has no explanation"),
        "{e}"
    );
    let e = load(&|t| t.replace("[parameters.median_income]", "[parameters.median]"));
    assert!(
        e.contains("the parameter median_income has no explanation"),
        "{e}"
    );
}

#[test]
fn a_lesson_is_data_that_serialises() {
    let policy = Policy::load(&builtin()).unwrap();
    let l = lesson_of(&policy, &household(PENSIONER), "2026-03", Lang::En);
    // The struct tree is `serde::Serialize`: a TOML serialiser reads it without a JSON crate.
    let step = l
        .sections
        .iter()
        .flat_map(|s| &s.steps)
        .find(|s| s.variable == "needy")
        .unwrap();
    let as_toml = toml::to_string(step).unwrap();
    assert!(as_toml.contains("variable = \"needy\""), "{as_toml}");
}
