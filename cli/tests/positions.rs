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
