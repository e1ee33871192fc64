//! The outputs are declared once, in the policy's manifest: a new benefit is a rhai script, a
//! parameter block and a manifest entry, with no change to the engine — and it is then in
//! every outcome, summary, annual projection and explanation. Declarations that do not hold
//! are refused with what is wrong.

use std::collections::BTreeMap;
use std::sync::Arc;

use slieksnis_engine::annual::{Behaviour, project};
use slieksnis_engine::explain::{Lang, explain, render};
use slieksnis_engine::fixed::SCALE;
use slieksnis_engine::population::{HouseholdInput, PersonInput, Population};
use slieksnis_engine::{Period, Policy, policy, simulate, summarize};

/// The default policy with a winter benefit for pensioners living alone: 25 EUR a month from
/// October to March, the state paying 40 % of it, paid without an application (so each month
/// as the rules give it, not held for a grant period as the means-tested benefits are).
fn with_winter_benefit() -> BTreeMap<String, String> {
    let mut files = policy::builtin();
    let manifest = files.get_mut("policy.toml").unwrap();
    *manifest = manifest.replace(
        "    \"rules/council_benefits.rhai\",\n]",
        "    \"rules/council_benefits.rhai\",\n    \"rules/winter.rhai\",\n]",
    );
    *manifest = manifest.replace(
        "    \"parameters/council_benefits.toml\",\n]",
        "    \"parameters/council_benefits.toml\",\n    \"parameters/winter.toml\",\n]",
    );
    manifest.push_str(
        r#"
[[benefit]]
id = "winter_benefit"
column = "winter"
label = "winter benefit"
label_lv = "ziemas pabalsts"
description = "Winter benefit: 25 EUR a month, October to March, for a pensioner living alone"
reference = "a test's own rule"
kind = "monthly"
level = "household"
state_share = "winter.state_share"
means_tested = false
"#,
    );
    files.insert(
        "rules/winter.rhai".into(),
        "// A pensioner living alone gets the winter amount.\n\
         let alone = h.size == 1;\n\
         h.winter_benefit = where(alone & any(h.pension_age), h.fill(p.winter.amount), 0);\n"
            .into(),
    );
    files.insert(
        "parameters/winter.toml".into(),
        r#"[winter.amount]
description = "Winter benefit a month (0 in April to September)"
reference = "a test's own rule"
unit = "EUR"
range = [0, 1000]
values = { 2021-01-01 = 25, 2025-04-01 = 0, 2025-10-01 = 25 }

[winter.state_share]
description = "The state's share of the winter benefit"
reference = "a test's own rule"
unit = "share"
range = [0, 1]
values = { 2021-01-01 = 0.4 }
"#
        .into(),
    );
    // And its words: a benefit is explained in both languages like every other step.
    explain_too(
        &mut files,
        &["winter_benefit"],
        &["winter.amount", "winter.state_share"],
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

/// A pensioner alone with 900 EUR (no status, no housing benefit) and a couple of 40.
fn population() -> Arc<Population> {
    let person = |id, age, income: i64| PersonInput {
        id,
        age,
        disabled: false,
        income: income * SCALE,
        employed: None,
        nva_registered: None,
    };
    let households = [
        HouseholdInput {
            id: 1,
            municipality: "ogres-novads".into(),
            housing_costs: 100 * SCALE,
            savings: 0,
            vehicles: None,
            persons: vec![person(1, 75, 900)],
        },
        HouseholdInput {
            id: 2,
            municipality: "ogres-novads".into(),
            housing_costs: 100 * SCALE,
            savings: 0,
            vehicles: None,
            persons: vec![person(2, 40, 900), person(3, 40, 900)],
        },
    ];
    Arc::new(Population::from_households(&households, &["ogres-novads"], "test").unwrap())
}

#[test]
fn a_benefit_added_in_the_manifest_is_in_every_output() {
    let policy = Policy::load(&with_winter_benefit()).unwrap();
    let b = policy.schema.benefit_index("winter_benefit").unwrap();
    let pop = population();
    // One month: 25 EUR to the pensioner, 40 % of it (10 EUR) from the state.
    let jan = Period::parse("2025-01").unwrap();
    let o = simulate(
        &policy.rules,
        &policy.parameters,
        &policy.schema,
        &pop,
        jan,
        1024,
    )
    .unwrap();
    assert_eq!(o.amount("winter_benefit").unwrap(), &[25 * SCALE, 0]);
    assert_eq!(o.state_of(b, 0), 10 * SCALE);
    let s = summarize(&pop, &o).unwrap();
    assert_eq!(s.total.get("winter_households"), Some(1));
    assert_eq!(s.total.get("winter_eur"), Some(2_500));
    assert_eq!(s.total.get("winter_state_eur"), Some(1_000));
    assert_eq!(s.total.get("gross_eur"), Some(2_500));
    assert_eq!(s.total.get("municipal_net_eur"), Some(1_500));
    // A year: January–March and October–December, 6 × 25 = 150 EUR (everyone applies).
    let year = project(
        &policy.rules,
        &policy.parameters,
        &policy.schema,
        &pop,
        2025,
        &Behaviour::entitlement(1),
        &|_| {},
    )
    .unwrap();
    assert_eq!(year.outcome.amounts[b][0], 150 * SCALE);
    let months: Vec<i64> = year
        .by_month
        .iter()
        .map(|m| m.total.get("winter_eur").unwrap())
        .collect();
    assert_eq!(
        months,
        [2500, 2500, 2500, 0, 0, 0, 0, 0, 0, 2500, 2500, 2500]
    );
    // The explanation says who pays, with the parameter.
    let e = explain(
        &policy.rules,
        &policy.schema,
        &policy.parameters,
        &pop,
        0,
        jan,
    )
    .unwrap();
    let text = render(&e, &policy, Lang::En);
    assert!(text.contains("winter benefit 25.00 EUR: the state pays 0.4 × 25.00 EUR = 10.00 EUR (winter.state_share"), "{text}");
    assert!(
        text.contains("ziemas pabalsts")
            || render(&e, &policy, Lang::Lv).contains("ziemas pabalsts")
    );
}

#[test]
fn a_declared_benefit_that_no_script_sets_is_refused() {
    let mut files = with_winter_benefit();
    files.insert("rules/winter.rhai".into(), "// nothing\n".into());
    let policy = Policy::load(&files).unwrap();
    let jan = Period::parse("2025-01").unwrap();
    let e = simulate(
        &policy.rules,
        &policy.parameters,
        &policy.schema,
        &population(),
        jan,
        1024,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(
            "policy.toml declares the benefit 'winter_benefit', but no script sets h.winter_benefit"
        ),
        "{e}"
    );
}

#[test]
fn a_script_that_sets_an_undeclared_variable_stops_at_that_line() {
    let mut files = with_winter_benefit();
    files.insert(
        "rules/winter.rhai".into(),
        "h.winter_benefit = h.fill(0);\nh.bonus = h.fill(5);\n".into(),
    );
    let policy = Policy::load(&files).unwrap();
    let jan = Period::parse("2025-01").unwrap();
    let e = simulate(
        &policy.rules,
        &policy.parameters,
        &policy.schema,
        &population(),
        jan,
        1024,
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("rules/winter.rhai:2:"), "{e}");
    assert!(e.contains("h.bonus is not declared in policy.toml"), "{e}");
}

#[test]
fn bad_declarations_are_refused_when_the_policy_loads() {
    let load = |extra: &str| {
        let mut files = policy::builtin();
        files.get_mut("policy.toml").unwrap().push_str(extra);
        Policy::load(&files)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let e = load("\n[[benefit]]\nid = \"gmi_benefit\"\nlabel = \"again\"\nkind = \"monthly\"\n");
    assert!(e.contains("benefit 'gmi_benefit' is declared twice"), "{e}");
    let e = load("\n[[benefit]]\nid = \"x_benefit\"\nlabel = \"x\"\nkind = \"weekly\"\n");
    assert!(
        e.contains("kind 'weekly' is not one of monthly, one_off, yearly"),
        "{e}"
    );
    let e = load(
        "\n[[benefit]]\nid = \"x_benefit\"\nlabel = \"x\"\nkind = \"monthly\"\nstate_share = \"state_share.nothing\"\n",
    );
    assert!(
        e.contains("state_share names 'state_share.nothing', which is not a parameter"),
        "{e}"
    );
    let e = load("\n[[benefit]]\nid = \"X\"\nlabel = \"x\"\nkind = \"monthly\"\n");
    assert!(e.contains("must be a lowercase name"), "{e}");
    // `paid`: when a year pays a yearly or one-off benefit. A monthly one is paid each month of
    // its grant, so "on_claim" is refused for it; an unknown value is refused.
    let e = load(
        "\n[[benefit]]\nid = \"x_benefit\"\nlabel = \"x\"\nkind = \"monthly\"\npaid = \"on_claim\"\n",
    );
    assert!(
        e.starts_with("policy.toml: benefit 'x_benefit': paid = \"on_claim\" is for a yearly or one_off benefit, and this one is monthly"),
        "{e}"
    );
    let e = load(
        "\n[[benefit]]\nid = \"x_benefit\"\nlabel = \"x\"\nkind = \"yearly\"\npaid = \"at_once\"\n",
    );
    assert!(
        e.starts_with(
            "policy.toml: benefit 'x_benefit': paid 'at_once' is not one of when_granted, on_claim"
        ),
        "{e}"
    );
}

#[test]
fn when_a_benefit_is_paid_is_declared_in_the_manifest() {
    use slieksnis_engine::schema::Payment;
    let policy = Policy::load(&policy::builtin()).unwrap();
    let paid = |id: &str| policy.schema.benefits[policy.schema.benefit_index(id).unwrap()].paid;
    // Reimbursed on receipts while the status holds; a crisis and a birth happen in any month.
    for id in ["health_benefit", "crisis_benefit", "birth_benefit"] {
        assert_eq!(paid(id), Payment::OnClaim, "{id}");
    }
    // The default: when first granted (the school year's benefit, and every monthly one).
    for id in [
        "education_benefit",
        "other_expenses_benefit",
        "gmi_benefit",
        "meals_benefit",
    ] {
        assert_eq!(paid(id), Payment::WhenGranted, "{id}");
    }
    // Both values are accepted where they apply, "when_granted" on a monthly benefit too.
    let mut files = policy::builtin();
    files.get_mut("policy.toml").unwrap().push_str(
        "\n[[benefit]]\nid = \"x_benefit\"\nlabel = \"x\"\nkind = \"monthly\"\npaid = \"when_granted\"\n\
         \n[[benefit]]\nid = \"y_benefit\"\nlabel = \"y\"\nkind = \"one_off\"\npaid = \"on_claim\"\n",
    );
    explain_too(&mut files, &["x_benefit", "y_benefit"], &[]);
    let with = Policy::load(&files).unwrap();
    let of = |id: &str| with.schema.benefits[with.schema.benefit_index(id).unwrap()].paid;
    assert_eq!(
        (of("x_benefit"), of("y_benefit")),
        (Payment::WhenGranted, Payment::OnClaim)
    );
}
