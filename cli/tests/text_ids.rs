//! Populations whose ids are text, as register extracts give them (`LV-0012`, `h1`, personal
//! codes, an address with a comma): `run`, `compare` and `explain` read them and write and name
//! every household exactly as the files give it. (Issue 9, point 5.)

mod common;

use std::path::Path;

use common::{fails, succeeds, temp};

const EXTRACT: &str = "populations/register-extract";

/// The households of the extract as households.csv writes them: grouped by council (Ogre, then
/// Tukums), in file order within each; the id with a comma quoted.
const IN_ORDER: [&str; 8] = [
    "LV-0012",
    "h1",
    "LV-0003",
    "\"Ogre, dz. 4\"",
    "007",
    "010190-12345",
    "7",
    "LV-0001",
];

/// The first field of every row after the header, as written (quotes kept).
fn first_fields(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|line| {
            if let Some(rest) = line.strip_prefix('"') {
                let end = rest.find("\",").expect("a closing quote");
                format!("\"{}\"", &rest[..end])
            } else {
                line.split(',').next().unwrap().to_string()
            }
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn run_writes_every_household_id_as_given() {
    let out = temp("text-ids-run");
    let o = out.display().to_string();
    succeeds(&[
        "run",
        "--population",
        EXTRACT,
        "--period",
        "2025-03",
        "--out",
        &o,
    ]);
    let households = read(&out.join("households.csv"));
    assert_eq!(first_fields(&households), IN_ORDER);
    // The results are those of the same households in populations/small (its README): status,
    // GMI, housing benefit and the state's 30 % of them; the council pays the rest of every
    // benefit, its own too.
    let cents = |v: &str| -> i64 { v.replace('.', "").parse().unwrap() };
    let mut lines = households.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<String> = lines.map(str::to_string).collect();
    for (id, want) in [
        ("LV-0012", "ogres-novads,needy,514.00,320.00,250.20"),
        ("\"Ogre, dz. 4\"", "ogres-novads,needy,0.00,18.80,5.64"),
        ("007", "ogres-novads,low_income,0.00,28.79,8.64"),
        ("010190-12345", "tukuma-novads,needy,78.00,230.00,92.40"),
        ("7", "tukuma-novads,none,0.00,0.00,0.00"),
    ] {
        let row = rows
            .iter()
            .find(|r| r.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("{id} in:\n{households}"));
        let f: Vec<&str> = row[id.len() + 1..].split(',').collect();
        let get = |name: &str| f[header.iter().position(|h| *h == name).unwrap() - 1];
        let got = [
            get("municipality"),
            get("status"),
            get("gmi_benefit"),
            get("housing_benefit"),
            get("state_share"),
        ]
        .join(",");
        assert_eq!(got, want, "{id}");
        let paid: i64 = f[2..f.len() - 2].iter().map(|v| cents(v)).sum();
        assert_eq!(
            cents(get("municipal_net")),
            paid - cents(get("state_share")),
            "{id}"
        );
    }
    let summary = read(&out.join("summary.csv"));
    assert!(summary.contains("\nTOTAL,8,13,"), "{summary}");

    // A year, month by month, too.
    succeeds(&[
        "run",
        "--population",
        EXTRACT,
        "--year",
        "2026",
        "--out",
        &o,
    ]);
    assert_eq!(first_fields(&read(&out.join("households.csv"))), IN_ORDER);
}

#[test]
fn compare_reads_a_scenario_whose_population_is_a_directory_of_text_ids() {
    let dir = temp("text-ids-compare");
    let population = common::repo().join(EXTRACT).canonicalize().unwrap();
    let scenario = dir.join("extract-gmi-20.toml");
    std::fs::write(
        &scenario,
        format!(
            "name = \"GMI at 20 % on a register extract\"\n\
             population = {:?}\n\
             period = \"2025-06\"\n\n\
             [reform]\n\
             name = \"GMI at 20 %\"\n\
             set = {{ \"gmi.pct\" = 0.20 }}\n",
            population.display().to_string()
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let t = succeeds(&[
        "compare",
        &scenario.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    assert!(t.contains("GMI at 20 %"), "{t}");
    for side in ["baseline", "reform"] {
        let households = read(&out.join(side).join("households.csv"));
        assert_eq!(first_fields(&households), IN_ORDER, "{side}");
    }
    // Less GMI for LV-0012 (no income: the whole level) under the reform.
    let base = read(&out.join("baseline/households.csv"));
    let reform = read(&out.join("reform/households.csv"));
    assert!(
        base.contains("\nLV-0012,ogres-novads,needy,514.00,"),
        "{base}"
    );
    assert!(
        !reform.contains("\nLV-0012,ogres-novads,needy,514.00,"),
        "{reform}"
    );
    assert!(out.join("comparison.csv").is_file());
}

#[test]
fn explain_finds_a_household_by_its_text_id_and_names_its_persons_by_theirs() {
    let t = succeeds(&[
        "explain",
        "--population",
        EXTRACT,
        "--household-id",
        "LV-0012",
        "--period",
        "2025-03",
    ]);
    assert!(
        t.starts_with("Household LV-0012 — Ogres novads (2025-03"),
        "{t}"
    );
    for person in [
        "290989-10001",
        "120516-20003",
        "050391-10002",
        "030321-20004",
    ] {
        assert!(
            t.contains(&format!("person {person}: age")),
            "{person} in:\n{t}"
        );
    }
    // --id is the same option; an id with a comma and a space is given as it is.
    let t = succeeds(&[
        "explain",
        "--population",
        EXTRACT,
        "--id",
        "Ogre, dz. 4",
        "--period",
        "2025-03",
    ]);
    assert!(t.starts_with("Household Ogre, dz. 4 — Ogres novads"), "{t}");
    // 7 and 007 are two households.
    let explain = |id: &str| {
        succeeds(&[
            "explain",
            "--population",
            EXTRACT,
            "--id",
            id,
            "--period",
            "2025-03",
        ])
    };
    assert!(explain("7").starts_with("Household 7 — Tukuma novads"));
    assert!(explain("007").starts_with("Household 007 — Ogres novads"));
    // Ids are compared byte for byte.
    fails(
        &[
            "explain",
            "--population",
            EXTRACT,
            "--household-id",
            "lv-0012",
            "--period",
            "2025-03",
        ],
        &["no household with household_id lv-0012"],
    );
}

#[test]
fn a_bad_text_id_is_refused_naming_file_line_and_column() {
    let dir = temp("text-ids-bad");
    let extract = common::repo().join(EXTRACT);
    let persons = read(&extract.join("persons.csv"));
    let households = read(&extract.join("households.csv"));
    let long = "x".repeat(65);
    std::fs::write(
        dir.join("households.csv"),
        households.replace("h1,", &format!("{long},")),
    )
    .unwrap();
    std::fs::write(dir.join("persons.csv"), &persons).unwrap();
    let d = dir.display().to_string();
    let out = dir.join("out").display().to_string();
    let args = [
        "run",
        "--population",
        &d,
        "--period",
        "2025-03",
        "--out",
        &out,
    ];
    fails(
        &args,
        &[
            "households.csv:4: column 'household_id' (1)",
            "has 65 bytes; an identifier has at most 64 bytes",
        ],
    );
    // A person of a household that is not there, by its text.
    std::fs::write(dir.join("households.csv"), &households).unwrap();
    std::fs::write(dir.join("persons.csv"), persons.replace("p1,h1,", "p1,h2,")).unwrap();
    fails(
        &args,
        &["persons.csv:4: column 'household_id' (2): household_id h2 is not in"],
    );
}
