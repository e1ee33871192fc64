//! Every TOML a user writes is located when it is wrong: `file:line:column`, or for inline TOML
//! `--household:line:column` (issue 8, case 8).

mod common;

use common::{fails, temp};

#[test]
fn an_inline_household_with_a_syntax_error_names_line_and_column() {
    fails(
        &[
            "explain",
            "--period",
            "2025-03",
            "--household",
            "municipality = \"ogres-novads\"\npersons = [{ age = 40, income = }]",
        ],
        &["--household:2:33:", "expected"],
    );
}

#[test]
fn a_household_file_with_a_syntax_error_names_its_file_line_and_column() {
    let dir = temp("household-file");
    let file = dir.join("h.toml");
    std::fs::write(
        &file,
        "municipality = \"ogres-novads\"\nhousing_costs = 100\nsavings = = 3\n",
    )
    .unwrap();
    let name = file.to_str().unwrap();
    fails(
        &["explain", "--period", "2025-03", "--household", name],
        &[&format!("{name}:3:11:")],
    );
}

#[test]
fn a_scenario_with_a_syntax_error_names_line_and_column() {
    let dir = temp("scenario-syntax");
    let file = dir.join("s.toml");
    std::fs::write(&file, "name = \"x\"\nperiod = \"2025-06\"\n[reform\n").unwrap();
    fails(
        &["compare", file.to_str().unwrap()],
        &["s.toml", "line 3, column"],
    );
}

/// A scenario's month or year outside the years that can be simulated (written 2021–2026,
/// projected 2027–2030) is refused, naming the file and the field: a month of 2031 would run on
/// 2030's parameters.
#[test]
fn a_scenario_outside_the_rules_years_is_refused() {
    let dir = temp("scenario-years");
    for (field, value) in [("period", "\"2031-06\""), ("year", "2020")] {
        let file = dir.join(format!("{field}.toml"));
        std::fs::write(
            &file,
            format!(
                "name = \"x\"\nmunicipality = \"ogres-novads\"\n{field} = {value}\n[baseline]\nname = \"a\"\n[reform]\nname = \"b\"\n"
            ),
        )
        .unwrap();
        fails(
            &["compare", file.to_str().unwrap()],
            &[
                &format!("{field}.toml"),
                &format!("{field}: "),
                "is outside the years that can be simulated: 2021–2030",
            ],
        );
    }
}
