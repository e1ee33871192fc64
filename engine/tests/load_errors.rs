//! The CSV loader through its public interface: every kind of bad input gives an error naming the
//! file, the line and the column, and harmless variations of a file (byte-order mark, CRLF,
//! another row or column order) load to the same population.

use slieksnis_engine::csv_load::{
    Limits, LoadReport, MAX_HOUSEHOLD_PERSONS, MAX_LINE_BYTES, Source, load, load_with_limits,
};
use slieksnis_engine::population::{LoadError, Population};

const KNOWN: &[&str] = &["ogres-novads", "tukuma-novads", "riga"];

const HOUSEHOLDS: &str = "\
household_id,municipality,housing_costs,savings
1,ogres-novads,120.00,100.00
2,tukuma-novads,80.50,0
3,ogres-novads,200.00,1500.00
";

const PERSONS: &str = "\
person_id,household_id,age,disabled,income
1,1,70,0,300.00
2,2,35,0,0
3,2,8,0,0
4,3,40,1,500.00
5,3,12,0,0
";

fn try_load(households: &[u8], persons: &[u8]) -> Result<(Population, LoadReport), LoadError> {
    load(
        Source {
            name: "households.csv",
            bytes: households,
        },
        Source {
            name: "persons.csv",
            bytes: persons,
        },
        KNOWN,
    )
}

/// The error's Display text; panics if the files load.
fn error(households: &str, persons: &str) -> String {
    match try_load(households.as_bytes(), persons.as_bytes()) {
        Ok(_) => panic!("loaded, but an error was expected"),
        Err(e) => e.to_string(),
    }
}

fn assert_error(households: &str, persons: &str, expected_parts: &[&str]) {
    let text = error(households, persons);
    for part in expected_parts {
        assert!(
            text.contains(part),
            "error {text:?} does not contain {part:?}"
        );
    }
}

/// `text` with line `line` (1-based) replaced.
fn with_line(text: &str, line: usize, replacement: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line - 1] = replacement;
    lines.join("\n") + "\n"
}

#[test]
fn clean_files_load() {
    let (pop, report) = try_load(HOUSEHOLDS.as_bytes(), PERSONS.as_bytes()).unwrap();
    assert_eq!(pop.household_count(), 3);
    assert_eq!(pop.person_count(), 5);
    assert!(report.ignored_columns.is_empty());
}

#[test]
fn missing_column() {
    let h = HOUSEHOLDS.replace(
        "household_id,municipality,housing_costs,savings",
        "household_id,municipality,housing_costs",
    );
    assert_error(
        &h,
        PERSONS,
        &[
            "households.csv:1: ",
            "missing column 'savings'",
            "found: household_id, municipality, housing_costs",
        ],
    );
    let p = PERSONS.replace("age,", "Age,");
    assert_error(
        HOUSEHOLDS,
        &p,
        &[
            "persons.csv:1: ",
            "missing column 'age'",
            "Age",
            "lowercase",
        ],
    );
}

#[test]
fn field_that_is_not_a_number() {
    let p = with_line(PERSONS, 3, "2,2,35,0,abc");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:3: column 'income' (5): 'abc' is not a number"
    );
    let p = with_line(PERSONS, 3, "2,2,35.5,0,0");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:3: column 'age' (3): '35.5' is not a whole number"
    );
    // Ids are text: x3 is an id, and the persons of household 3 no longer have theirs.
    let h = with_line(HOUSEHOLDS, 4, "x3,ogres-novads,200.00,1500.00");
    assert_eq!(
        error(&h, PERSONS),
        "persons.csv:5: column 'household_id' (2): household_id 3 is not in households.csv"
    );
    let h = with_line(HOUSEHOLDS, 2, "1,ogres-novads,,100.00");
    assert_eq!(
        error(&h, PERSONS),
        "households.csv:2: column 'housing_costs' (3): is empty"
    );
}

#[test]
fn negative_amount() {
    let h = with_line(HOUSEHOLDS, 3, "2,tukuma-novads,-80.50,0");
    assert_eq!(
        error(&h, PERSONS),
        "households.csv:3: column 'housing_costs' (3): '-80.50' is negative"
    );
}

#[test]
fn amount_with_more_than_two_decimals() {
    let h = with_line(HOUSEHOLDS, 4, "3,ogres-novads,200.00,1500.005");
    assert_error(
        &h,
        PERSONS,
        &["households.csv:4: column 'savings' (4): '1500.005' has more than two decimals"],
    );
}

#[test]
fn age_outside_0_to_120() {
    // Sixteen persons in household 1, so the bad row is on line 17.
    let mut p = String::from("person_id,household_id,age,disabled,income\n");
    for i in 1..=16 {
        let age = if i == 16 { 130 } else { 30 };
        p.push_str(&format!("{i},{},{age},0,0\n", [1, 2, 3][i % 3]));
    }
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:17: column 'age' (3): '130' is outside 0–120"
    );
    let p = with_line(PERSONS, 2, "1,1,-1,0,300.00");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:2: column 'age' (3): '-1' is outside 0–120"
    );
}

#[test]
fn flags_that_are_not_0_or_1() {
    let p = with_line(PERSONS, 5, "4,3,40,2,500.00");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:5: column 'disabled' (4): '2' is not 0 or 1"
    );
    let p = PERSONS
        .replace("income\n", "income,employed\n")
        .replace(",0\n", ",0,0\n")
        .replace(".00\n", ".00,1\n")
        .replace("3,2,8,0,0,0", "3,2,8,0,0,yes");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:4: column 'employed' (6): 'yes' is not 0 or 1"
    );
}

#[test]
fn row_with_the_wrong_number_of_fields() {
    let h = with_line(HOUSEHOLDS, 3, "2,tukuma-novads,80.50,0,7");
    assert_eq!(
        error(&h, PERSONS),
        "households.csv:3: the row has 5 fields, the header has 4"
    );
    let p = with_line(PERSONS, 6, "5,3,12,0");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:6: the row has 4 fields, the header has 5"
    );
}

#[test]
fn duplicate_household_id() {
    let h = with_line(HOUSEHOLDS, 4, "2,ogres-novads,200.00,1500.00");
    assert_eq!(
        error(&h, PERSONS),
        "households.csv:4: column 'household_id' (1): household_id 2 appears twice (first on line 3)"
    );
}

#[test]
fn duplicate_person_id() {
    let p = with_line(PERSONS, 5, "2,3,40,1,500.00");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:5: column 'person_id' (1): person_id 2 appears twice (first on line 3)"
    );
}

#[test]
fn person_whose_household_is_not_in_households_csv() {
    let p = with_line(PERSONS, 4, "3,9,8,0,0");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:4: column 'household_id' (2): household_id 9 is not in households.csv"
    );
}

#[test]
fn household_with_no_persons() {
    let h = HOUSEHOLDS.to_string() + "4,riga,10.00,0\n5,riga,10.00,0\n";
    assert_eq!(
        error(&h, PERSONS),
        "households.csv:5: column 'household_id' (1): household 4 has no persons in persons.csv"
    );
}

#[test]
fn unknown_municipality() {
    let h = with_line(HOUSEHOLDS, 3, "2,ogre,80.50,0");
    assert_eq!(
        error(&h, PERSONS),
        "households.csv:3: column 'municipality' (2): unknown municipality 'ogre' (did you mean ogres-novads?)"
    );
    let h = with_line(HOUSEHOLDS, 2, "1,Ogres-Novads,80.50,0");
    assert_error(
        &h,
        PERSONS,
        &["households.csv:2: column 'municipality' (2): unknown municipality 'Ogres-Novads'"],
    );
}

#[test]
fn empty_files() {
    for empty in ["", "\u{feff}", "  \r\n\n", "\u{feff}\n"] {
        assert_eq!(error(empty, PERSONS), "households.csv: is empty");
        assert_eq!(error(HOUSEHOLDS, empty), "persons.csv: is empty");
    }
}

#[test]
fn header_without_rows() {
    let header_only = |text: &str| text.lines().next().unwrap().to_string() + "\n";
    assert_eq!(
        error(&header_only(HOUSEHOLDS), PERSONS),
        "households.csv: has no households"
    );
    assert_eq!(
        error(HOUSEHOLDS, &header_only(PERSONS)),
        "persons.csv: has no persons"
    );
    // Without a line end, and with blank lines after the header.
    assert_eq!(
        error(HOUSEHOLDS, PERSONS.lines().next().unwrap()),
        "persons.csv: has no persons"
    );
    assert_eq!(
        error(&(header_only(HOUSEHOLDS) + "\n\n"), PERSONS),
        "households.csv: has no households"
    );
}

#[test]
fn weight_column_is_refused() {
    let h = HOUSEHOLDS
        .replace("savings\n", "savings,weight\n")
        .replace("00\n", "00,1\n")
        .replace(",0\n", ",0,1\n");
    assert_eq!(
        error(&h, PERSONS),
        "households.csv:1: column 'weight' (5): weights are not supported: give one row per household"
    );
}

#[test]
fn optional_columns_are_checked() {
    let h = HOUSEHOLDS
        .replace("savings\n", "savings,vehicles\n")
        .replace("100.00\n", "100.00,1\n")
        .replace(",0\n", ",0,-1\n")
        .replace("1500.00\n", "1500.00,0\n");
    assert_eq!(
        error(&h, PERSONS),
        "households.csv:3: column 'vehicles' (5): '-1' is negative"
    );
}

#[test]
fn the_same_column_twice_is_refused() {
    let p = PERSONS
        .replace("income\n", "income,age\n")
        .replace("\n", ",1\n");
    let p = p.replacen(",1\n", "\n", 1);
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:1: column 'age' (6): the column appears twice (also column 3)"
    );
}

#[test]
fn the_earliest_bad_line_is_reported() {
    // A repeated id on line 3 comes before a bad amount on line 4, whatever is checked first.
    let h = with_line(HOUSEHOLDS, 3, "1,tukuma-novads,80.50,0");
    let h = with_line(&h, 4, "3,ogres-novads,x,1500.00");
    assert_eq!(
        error(&h, PERSONS),
        "households.csv:3: column 'household_id' (1): household_id 1 appears twice (first on line 2)"
    );
    // Within a row, the leftmost bad field.
    let p = with_line(PERSONS, 2, "1,1,700,5,-3");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:2: column 'age' (3): '700' is outside 0–120"
    );
    // households.csv is checked before persons.csv.
    let h = with_line(HOUSEHOLDS, 4, "3,ogres-novads,200.00,-1");
    let p = with_line(PERSONS, 2, "1,1,700,0,0");
    assert!(error(&h, &p).starts_with("households.csv:4:"));
}

#[test]
fn ignored_columns_are_reported() {
    let h: String = HOUSEHOLDS
        .lines()
        .enumerate()
        .map(|(i, line)| format!("{line},{}\n", if i == 0 { "note" } else { "x" }))
        .collect();
    let (_, report) = try_load(h.as_bytes(), PERSONS.as_bytes()).unwrap();
    assert_eq!(
        report.ignored_columns,
        [("households.csv".to_string(), "note".to_string())]
    );
}

#[test]
fn a_line_longer_than_the_limit_is_refused_before_it_is_parsed() {
    // A file of NUL bytes without a line end, as /dev/zero or a damaged disk gives: one "line".
    let zeros = vec![0u8; MAX_LINE_BYTES + 1];
    let e = try_load(HOUSEHOLDS.as_bytes(), &zeros)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("persons.csv:1: the line is longer than 1048576 bytes"),
        "{e}"
    );
    assert!(e.len() < 300, "the message repeats the input: {e}");
    // Exactly at the limit is a line like any other (here it is a header with no known column).
    let mut at_limit = vec![b'x'; MAX_LINE_BYTES];
    at_limit.push(b'\n');
    let e = try_load(HOUSEHOLDS.as_bytes(), &at_limit)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing columns"), "{e}");
    // A long line in the body is found on its own line, with the caller's way to raise the limit.
    let limits = Limits {
        max_line_bytes: 64,
        raise_line_limit: Some("raise it with --max-line-kb"),
    };
    let long = format!("4,3,40,0,{}\n", "1".repeat(60));
    let p = format!("{PERSONS}{long}");
    let e = load_with_limits(
        Source {
            name: "households.csv",
            bytes: HOUSEHOLDS.as_bytes(),
        },
        Source {
            name: "persons.csv",
            bytes: p.as_bytes(),
        },
        KNOWN,
        &limits,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("persons.csv:7: the line is longer than 64 bytes")
            && e.ends_with("; raise it with --max-line-kb"),
        "{e}"
    );
    // A line end as the very last byte, or none at all, is fine at the limit.
    let last = format!("{PERSONS}6,3,12,0,{}", "1".repeat(64 - 9));
    assert!(
        load_with_limits(
            Source {
                name: "households.csv",
                bytes: HOUSEHOLDS.as_bytes(),
            },
            Source {
                name: "persons.csv",
                bytes: last.as_bytes(),
            },
            KNOWN,
            &limits,
        )
        .unwrap_err()
        .to_string()
        .contains("is too large"),
        "the last line is parsed (its income is out of range), not refused for its length"
    );
}

#[test]
fn echoed_column_names_and_headers_are_shortened() {
    // A header of one long name: the message says what was found, cut to 80 characters.
    let name = "a".repeat(10_000);
    let e = error(&format!("{name}\n1\n"), PERSONS);
    assert!(e.starts_with("households.csv:1: missing columns"), "{e}");
    assert!(e.contains(&format!("found: {}…)", "a".repeat(80))), "{e}");
    assert!(e.len() < 300, "{e}");
    // The same long name twice.
    let e = error(&format!("{name},{name}\n1,2\n"), PERSONS);
    assert!(
        e.starts_with(&format!(
            "households.csv:1: column '{}…' (2): the column appears twice",
            "a".repeat(80)
        )),
        "{e}"
    );
}

#[test]
fn a_household_of_more_than_100_persons_is_refused_on_the_line_of_the_101st() {
    assert_eq!(MAX_HOUSEHOLD_PERSONS, 100);
    // Household 2 gets 99 more persons (101 in all): its 101st person is refused, on its line.
    let mut p = PERSONS.to_string();
    for k in 0..99 {
        p.push_str(&format!("{},2,30,0,0\n", 100 + k));
    }
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:105: column 'household_id' (2): household 2 has more than 100 persons, the \
         most one household may have (the largest Latvian households have about 20): is \
         household_id the household's?"
    );
    // 100 persons load; from shuffled rows too (the fast path checks, diagnose finds the line).
    let hundred: String = p
        .lines()
        .take(p.lines().count() - 1)
        .map(|l| format!("{l}\n"))
        .collect();
    let (pop, _) = try_load(HOUSEHOLDS.as_bytes(), hundred.as_bytes()).unwrap();
    assert_eq!(pop.person_count(), 103);
    let mut lines: Vec<&str> = p.lines().collect();
    lines[1..].reverse();
    let shuffled = lines.join("\n") + "\n";
    assert!(
        error(HOUSEHOLDS, &shuffled).contains("household 2 has more than 100 persons"),
        "{}",
        error(HOUSEHOLDS, &shuffled)
    );
}

/// A larger clean pair of files, households of three municipalities interleaved.
fn clean_pair() -> (Vec<[String; 4]>, Vec<[String; 5]>) {
    let slugs = ["ogres-novads", "tukuma-novads", "riga"];
    let mut households = Vec::new();
    let mut persons = Vec::new();
    for i in 1..=40u32 {
        households.push([
            i.to_string(),
            slugs[(i * 7 % 3) as usize].to_string(),
            format!("{}.{:02}", 50 + i * 3, i % 100),
            format!("{}.00", i * 37 % 900),
        ]);
        for k in 0..1 + i % 4 {
            let id = persons.len() + 1;
            persons.push([
                id.to_string(),
                i.to_string(),
                ((i * 13 + k * 29) % 100).to_string(),
                u32::from((i + k) % 5 == 0).to_string(),
                format!("{}.{:02}", (i * 91 + k * 17) % 1200, (i + k) % 100),
            ]);
        }
    }
    (households, persons)
}

fn to_csv<const N: usize>(
    header: &[&str],
    rows: &[[String; N]],
    order: &[usize],
    eol: &str,
) -> String {
    let mut text = order
        .iter()
        .map(|&c| header[c])
        .collect::<Vec<_>>()
        .join(",")
        + eol;
    for row in rows {
        text += &order
            .iter()
            .map(|&c| row[c].as_str())
            .collect::<Vec<_>>()
            .join(",");
        text += eol;
    }
    text
}

const H_HEADER: &[&str] = &["household_id", "municipality", "housing_costs", "savings"];
const P_HEADER: &[&str] = &["person_id", "household_id", "age", "disabled", "income"];

#[test]
fn bom_crlf_other_row_and_column_order_give_the_same_population() {
    let (households, persons) = clean_pair();
    let clean_h = to_csv(H_HEADER, &households, &[0, 1, 2, 3], "\n");
    let clean_p = to_csv(P_HEADER, &persons, &[0, 1, 2, 3, 4], "\n");
    let (clean, _) = try_load(clean_h.as_bytes(), clean_p.as_bytes()).unwrap();

    // Rows in another order that keeps each municipality's households, and each household's
    // persons, in the same relative order (the order the population preserves): households
    // sorted by municipality, persons dealt round-robin across households.
    let mut h_rows = households.clone();
    h_rows.sort_by_key(|r| r[1].clone());
    let mut by_household: Vec<Vec<[String; 5]>> = vec![Vec::new(); households.len()];
    for p in &persons {
        by_household[p[1].parse::<usize>().unwrap() - 1].push(p.clone());
    }
    let mut p_rows = Vec::new();
    for k in 0.. {
        let before = p_rows.len();
        for members in by_household.iter().rev() {
            if let Some(p) = members.get(k) {
                p_rows.push(p.clone());
            }
        }
        if p_rows.len() == before {
            break;
        }
    }
    assert_ne!(p_rows, persons);
    let h = format!(
        "\u{feff}{}\r\n",
        to_csv(H_HEADER, &h_rows, &[3, 1, 0, 2], "\r\n")
    );
    let p = format!(
        "\u{feff}\r\n{}",
        to_csv(P_HEADER, &p_rows, &[4, 2, 1, 3, 0], "\r\n")
    );
    let p = p.trim_end().to_string(); // no line end after the last row
    let (other, _) = try_load(h.as_bytes(), p.as_bytes()).unwrap();
    assert_eq!(other, clean);
}

#[test]
fn shuffled_rows_give_the_same_households() {
    let (households, persons) = clean_pair();
    let clean_h = to_csv(H_HEADER, &households, &[0, 1, 2, 3], "\n");
    let clean_p = to_csv(P_HEADER, &persons, &[0, 1, 2, 3, 4], "\n");
    let (clean, _) = try_load(clean_h.as_bytes(), clean_p.as_bytes()).unwrap();

    let mut h_rows = households.clone();
    let mut p_rows = persons.clone();
    let mut state = 17u64;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    for i in (1..h_rows.len()).rev() {
        h_rows.swap(i, next(i + 1));
    }
    for i in (1..p_rows.len()).rev() {
        p_rows.swap(i, next(i + 1));
    }
    let h = to_csv(H_HEADER, &h_rows, &[2, 0, 3, 1], "\r\n");
    let p = to_csv(P_HEADER, &p_rows, &[1, 0, 4, 3, 2], "\n");
    let (shuffled, _) = try_load(h.as_bytes(), p.as_bytes()).unwrap();
    assert_eq!(canonical(&shuffled), canonical(&clean));
    // Still grouped: households by municipality, persons by household.
    let m = &shuffled.households.municipality;
    assert!(m.windows(2).all(|w| w[0] <= w[1]));
}

/// A household as `(id, municipality, housing costs, savings, members)`, a member as
/// `(id, age, disabled, income)`.
type Canonical = (String, String, i64, i64, Vec<(String, i64, bool, i64)>);

/// Every household with its members, sorted by id: what the population says, whatever the order.
fn canonical(pop: &Population) -> Vec<Canonical> {
    let h = &pop.households;
    let p = &pop.persons;
    let mut out: Vec<_> = (0..pop.household_count())
        .map(|i| {
            let mut members: Vec<_> = (h.first_person[i] as usize..h.first_person[i + 1] as usize)
                .map(|j| {
                    let id = p.id.get(j).to_string();
                    (id, p.age[j], p.disabled[j], p.income[j])
                })
                .collect();
            members.sort();
            (
                h.id.get(i).to_string(),
                pop.municipalities[h.municipality[i] as usize].clone(),
                h.housing_costs[i],
                h.savings[i],
                members,
            )
        })
        .collect();
    out.sort();
    out
}

/// The populations shipped in `populations/` load, with the slugs of the register
/// (`populations/municipalities.csv`).
#[test]
fn shipped_populations_load() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../populations");
    let register = slieksnis_engine::register::slugs();
    let slugs: Vec<&str> = register.iter().map(String::as_str).collect();
    for (dir, households, persons) in [
        ("small", 13, 25),
        ("sample", 5_000, 10_881),
        ("register-extract", 8, 13),
    ] {
        let h = std::fs::read(root.join(dir).join("households.csv")).unwrap();
        let p = std::fs::read(root.join(dir).join("persons.csv")).unwrap();
        let (pop, report) = load(
            Source {
                name: "households.csv",
                bytes: &h,
            },
            Source {
                name: "persons.csv",
                bytes: &p,
            },
            &slugs,
        )
        .unwrap_or_else(|e| panic!("populations/{dir}: {e}"));
        assert_eq!(pop.household_count(), households, "{dir}");
        assert_eq!(pop.person_count(), persons, "{dir}");
        assert!(report.ignored_columns.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Text ids: what register extracts give (`h1`, `LV-0012`, personal codes)

const TEXT_HOUSEHOLDS: &str = "\
household_id,municipality,housing_costs,savings
LV-0012,ogres-novads,120.00,100.00
h1,tukuma-novads,80.50,0
010190-12345,ogres-novads,200.00,1500.00
\"Rīga, 7\",riga,10,0
17,riga,10,0
";

const TEXT_PERSONS: &str = "\
person_id,household_id,age,disabled,income
p-1,LV-0012,70,0,300.00
2,h1,35,0,0
p-3,h1,8,0,0
010190-12345,010190-12345,40,1,500.00
 p 5 ,\"Rīga, 7\",12,0,0
p6,17,50,0,0
";

fn texts(ids: &slieksnis_engine::population::Ids) -> Vec<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

#[test]
fn text_ids_load_as_given() {
    let (pop, _) = try_load(TEXT_HOUSEHOLDS.as_bytes(), TEXT_PERSONS.as_bytes()).unwrap();
    // Grouped by municipality (ogres-novads, riga, tukuma-novads), file order within each.
    assert_eq!(
        texts(&pop.households.id),
        ["LV-0012", "010190-12345", "Rīga, 7", "17", "h1"]
    );
    // Surrounding spaces are not part of an id; inner ones are.
    assert_eq!(
        texts(&pop.persons.id),
        ["p-1", "010190-12345", "p 5", "p6", "2", "p-3"]
    );
    assert_eq!(pop.households.first_person, [0, 1, 2, 3, 4, 6]);
    assert_eq!(pop.find("LV-0012"), Some(0));
    assert_eq!(pop.find("h1"), Some(4));
    assert_eq!(pop.find("17"), Some(3));
    assert_eq!(pop.find("lv-0012"), None);
    assert_eq!(pop.find("017"), None);
    // Draw keys: a number for a number, FNV-1a 64 of the text otherwise.
    let h = &pop.households.id;
    assert_eq!(h.key(3), 17);
    assert_eq!(h.key(0), 0x700b_b44c_4154_f60d);
    assert_eq!(h.key(4), slieksnis_engine::ids::fnv1a64(b"h1"));
    assert_eq!(pop.persons.id.key(4), 2);

    // Written back as given (quoted where a comma needs it) and read again to the same.
    let (hh, pp) = slieksnis_engine::csv_write::to_csv(&pop).unwrap();
    assert!(
        hh.contains("\nLV-0012,ogres-novads,120.00,100.00\n"),
        "{hh}"
    );
    assert!(hh.contains("\n\"Rīga, 7\",riga,10.00,0.00\n"), "{hh}");
    assert!(pp.contains("\np 5,\"Rīga, 7\",12,0,0.00\n"), "{pp}");
    let (again, _) = try_load(hh.as_bytes(), pp.as_bytes()).unwrap();
    assert_eq!(again, pop);
}

#[test]
fn numeric_ids_are_numbers_with_their_keys_and_no_text() {
    let (pop, _) = try_load(HOUSEHOLDS.as_bytes(), PERSONS.as_bytes()).unwrap();
    assert!(pop.households.id.all_numbers() && pop.persons.id.all_numbers());
    assert_eq!(pop.households.id.keys(), [1, 3, 2]);
    assert_eq!(pop.households.id.heap_bytes(), 3 * 8);
    // Written with a sign or leading zeros, an id is its own text, with the number as its key
    // (the key it had when ids were numbers).
    let h = HOUSEHOLDS
        .replace("\n1,", "\n001,")
        .replace("\n3,", "\n+3,");
    let p = PERSONS.replace(",1,70", ",001,70").replace(",3,", ",+3,");
    let (pop, _) = try_load(h.as_bytes(), p.as_bytes()).unwrap();
    assert_eq!(texts(&pop.households.id), ["001", "+3", "2"]);
    assert_eq!(pop.households.id.keys(), [1, 3, 2]);
}

#[test]
fn an_id_of_64_bytes_is_accepted_and_one_of_65_refused_with_line_and_column() {
    let id64 = format!("{}ā", "x".repeat(62)); // 62 + 2 bytes
    assert_eq!(id64.len(), 64);
    let h = TEXT_HOUSEHOLDS.replace("h1", &id64);
    let p = TEXT_PERSONS.replace("h1", &id64).replace("p-3", &id64);
    let (pop, _) = try_load(h.as_bytes(), p.as_bytes()).unwrap();
    assert_eq!(pop.households.id.get(4).to_string(), id64);
    assert_eq!(pop.find(&id64), Some(4));
    assert_eq!(pop.persons.id.get(5).to_string(), id64);

    let id65 = "y".repeat(65);
    let h = TEXT_HOUSEHOLDS.replace("h1", &id65);
    assert_eq!(
        error(&h, TEXT_PERSONS),
        format!(
            "households.csv:3: column 'household_id' (1): '{id65}' has 65 bytes; an identifier \
             has at most 64 bytes"
        )
    );
    let p = TEXT_PERSONS.replace("p-3", &id65);
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        format!(
            "persons.csv:4: column 'person_id' (1): '{id65}' has 65 bytes; an identifier has at \
             most 64 bytes"
        )
    );
    let p = TEXT_PERSONS.replace("p-3,h1", &format!("p-3,{id65}"));
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        format!(
            "persons.csv:4: column 'household_id' (2): '{id65}' has 65 bytes; an identifier has \
             at most 64 bytes"
        )
    );
    // Bytes that are not UTF-8.
    let h: Vec<u8> = TEXT_HOUSEHOLDS
        .replace("h1", "h#1")
        .bytes()
        .map(|b| if b == b'#' { 0xff } else { b })
        .collect();
    let e = try_load(&h, TEXT_PERSONS.as_bytes()).unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.to_string().contains("is not UTF-8 text"), "{e}");
}

#[test]
fn an_empty_id_is_refused_with_line_and_column() {
    let h = with_line(TEXT_HOUSEHOLDS, 3, ",tukuma-novads,80.50,0");
    assert_eq!(
        error(&h, TEXT_PERSONS),
        "households.csv:3: column 'household_id' (1): is empty"
    );
    let h = with_line(TEXT_HOUSEHOLDS, 3, "\"  \",tukuma-novads,80.50,0");
    assert_eq!(
        error(&h, TEXT_PERSONS),
        "households.csv:3: column 'household_id' (1): is empty"
    );
    let p = with_line(TEXT_PERSONS, 5, ",010190-12345,40,1,500.00");
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        "persons.csv:5: column 'person_id' (1): is empty"
    );
    let p = with_line(TEXT_PERSONS, 5, "p4,,40,1,500.00");
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        "persons.csv:5: column 'household_id' (2): is empty"
    );
}

#[test]
fn an_id_with_a_control_character_is_refused() {
    let h = with_line(TEXT_HOUSEHOLDS, 3, "\"h\t1\",tukuma-novads,80.50,0");
    assert_eq!(
        error(&h, TEXT_PERSONS),
        "households.csv:3: column 'household_id' (1): 'h\\t1' has a control character \
         (U+0009); an identifier is text without control characters"
    );
    // A line end in a quoted id: the row's first line is named.
    let p = with_line(TEXT_PERSONS, 3, "\"2\n3\",h1,35,0,0");
    assert_error(
        TEXT_HOUSEHOLDS,
        &p,
        &["persons.csv:3: column 'person_id' (1): '2\\n3' has a control character (U+000A)"],
    );
    let h = TEXT_HOUSEHOLDS.replace("h1", "h\u{7f}1");
    assert_error(&h, TEXT_PERSONS, &["households.csv:3:", "(U+007F)"]);
}

#[test]
fn duplicate_text_ids_are_refused_with_the_first_line() {
    let h = format!("{TEXT_HOUSEHOLDS}h1,riga,0,0\n");
    assert_eq!(
        error(&h, TEXT_PERSONS),
        "households.csv:7: column 'household_id' (1): household_id h1 appears twice (first on \
         line 3)"
    );
    let p = with_line(TEXT_PERSONS, 7, "p-1,17,50,0,0");
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        "persons.csv:7: column 'person_id' (1): person_id p-1 appears twice (first on line 2)"
    );
    // Numbers and texts that differ as text are different ids.
    let h = format!("{TEXT_HOUSEHOLDS}017,riga,0,0\n");
    let p = format!("{TEXT_PERSONS}p7,017,1,0,0\n");
    let (pop, _) = try_load(h.as_bytes(), p.as_bytes()).unwrap();
    assert_eq!(pop.household_count(), 6);
    assert_eq!(pop.households.id.key(pop.find("017").unwrap()), 17);
}

#[test]
fn a_person_whose_text_household_id_is_not_in_households_csv_is_refused() {
    let p = with_line(TEXT_PERSONS, 3, "2,h9,35,0,0");
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        "persons.csv:3: column 'household_id' (2): household_id h9 is not in households.csv"
    );
    let p = with_line(TEXT_PERSONS, 3, "2,H1,35,0,0");
    assert_error(
        TEXT_HOUSEHOLDS,
        &p,
        &["persons.csv:3: column 'household_id' (2): household_id H1 is not in households.csv"],
    );
    // 017 for 17: ids are compared as text, and the message says so.
    let p = with_line(TEXT_PERSONS, 7, "p6,017,50,0,0");
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        "persons.csv:7: column 'household_id' (2): household_id 017 is not in households.csv \
         (identifiers are compared as text: 017 is not 17)"
    );
    // Numeric households, a person's household written another way.
    let p = with_line(PERSONS, 2, "1,+1,70,0,300.00");
    assert_eq!(
        error(HOUSEHOLDS, &p),
        "persons.csv:2: column 'household_id' (2): household_id +1 is not in households.csv \
         (identifiers are compared as text: +1 is not 1)"
    );
    // A household left without persons is named by its text.
    let p = with_line(TEXT_PERSONS, 7, "p6,h1,50,0,0");
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        "households.csv:6: column 'household_id' (1): household 17 has no persons in persons.csv"
    );
    let p = TEXT_PERSONS.replace("p-1,LV-0012", "p-1,h1");
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        "households.csv:2: column 'household_id' (1): household LV-0012 has no persons in \
         persons.csv"
    );
}

#[test]
fn a_text_household_of_more_than_100_persons_is_named_by_its_text() {
    let mut p = String::from(TEXT_PERSONS);
    for k in 0..100 {
        p += &format!("q{k},h1,30,0,0\n");
    }
    assert_eq!(
        error(TEXT_HOUSEHOLDS, &p),
        "persons.csv:106: column 'household_id' (2): household h1 has more than 100 persons, the \
         most one household may have (the largest Latvian households have about 20): is \
         household_id the household's?"
    );
}

/// The clean pair with text ids: `LV-0001` …, persons `P-1` ….
fn text_pair() -> (Vec<[String; 4]>, Vec<[String; 5]>) {
    let (mut households, mut persons) = clean_pair();
    for h in &mut households {
        h[0] = format!("LV-{:04}", h[0].parse::<u32>().unwrap());
    }
    for p in &mut persons {
        p[0] = format!("P-{}", p[0]);
        p[1] = format!("LV-{:04}", p[1].parse::<u32>().unwrap());
    }
    (households, persons)
}

#[test]
fn unsorted_text_ids_give_the_same_households() {
    let (households, persons) = text_pair();
    let sorted_h = to_csv(H_HEADER, &households, &[0, 1, 2, 3], "\n");
    let sorted_p = to_csv(P_HEADER, &persons, &[0, 1, 2, 3, 4], "\n");
    let (sorted, _) = try_load(sorted_h.as_bytes(), sorted_p.as_bytes()).unwrap();
    assert!(!sorted.households.id.all_numbers());

    // Rows reversed and interleaved: no order of ids at all.
    let mut h_rows = households.clone();
    h_rows.reverse();
    let (even, odd): (Vec<_>, Vec<_>) = h_rows
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let h_rows: Vec<[String; 4]> = odd.into_iter().chain(even).map(|(_, r)| r).collect();
    let mut p_rows = persons.clone();
    p_rows.reverse();
    p_rows.rotate_left(17);
    let h = to_csv(H_HEADER, &h_rows, &[1, 3, 0, 2], "\n");
    let p = to_csv(P_HEADER, &p_rows, &[4, 1, 0, 3, 2], "\r\n");
    let (unsorted, _) = try_load(h.as_bytes(), p.as_bytes()).unwrap();
    assert_eq!(canonical(&unsorted), canonical(&sorted));
    // The members of LV-0007 are its persons, whatever the order.
    let i = unsorted.find("LV-0007").unwrap();
    let hh = &unsorted.households;
    let members: Vec<String> = (hh.first_person[i]..hh.first_person[i + 1])
        .map(|j| unsorted.persons.id.get(j as usize).to_string())
        .collect();
    let mut expected: Vec<String> = persons
        .iter()
        .filter(|p| p[1] == "LV-0007")
        .map(|p| p[0].clone())
        .collect();
    expected.reverse(); // file order within the household
    assert_eq!(members, expected);
    assert!(
        unsorted
            .households
            .municipality
            .windows(2)
            .all(|w| w[0] <= w[1])
    );
}
