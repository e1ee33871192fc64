//! Inputs that cannot break the process (`cli/src/input.rs`; issue 8, case 7): what is not a
//! regular file, a file too large or with too long a line, a household too large, a thread count
//! out of bounds and a file truncated during a run each give an error, never a hang or a signal.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{fails, fails_with, repo, slieksnis, temp, text};

/// A population directory with populations/small's households.csv and `persons` (a closure that
/// makes persons.csv at the path it is given).
fn population_with(name: &str, persons: impl FnOnce(&Path)) -> PathBuf {
    let dir = temp(name).join("pop");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        repo().join("populations/small/households.csv"),
        dir.join("households.csv"),
    )
    .unwrap();
    persons(&dir.join("persons.csv"));
    dir
}

/// Runs `run` on `population` and waits at most 20 s; a hung binary is killed and fails the test.
fn run_on(population: &Path, extra: &[&str]) -> Output {
    let out = population.with_file_name("out");
    let mut args: Vec<&str> = extra.to_vec();
    args.extend([
        "run",
        "--population",
        population.to_str().unwrap(),
        "--period",
        "2025-03",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    run_with_deadline(&args)
}

#[test]
fn population_files_that_are_not_regular_files_are_refused_at_once() {
    // A FIFO without a writer: opening it would wait forever.
    let fifo = population_with("fifo", |p| {
        let made = Command::new("mkfifo").arg(p).status().unwrap();
        assert!(made.success());
    });
    fails_with(
        &run_on(&fifo, &[]),
        &["persons.csv: is a FIFO, not a regular file"],
    );
    // A device: /dev/zero reads without end.
    let zero = population_with("device", |p| {
        std::os::unix::fs::symlink("/dev/zero", p).unwrap()
    });
    fails_with(
        &run_on(&zero, &[]),
        &["persons.csv: is a device, not a regular file"],
    );
    // A directory.
    let dir = population_with("directory", |p| std::fs::create_dir(p).unwrap());
    fails_with(
        &run_on(&dir, &[]),
        &["persons.csv: is a directory, not a regular file"],
    );
}

#[test]
fn a_load_reads_at_most_max_input_mb_and_lines_of_at_most_max_line_kb() {
    // populations/sample is 0.36 MiB: over a limit of 1 MiB only with more rows.
    let big = population_with("too-large", |p| {
        let mut text =
            std::fs::read_to_string(repo().join("populations/small/persons.csv")).unwrap();
        for k in 0..60_000 {
            text.push_str(&format!("{},1,40,0,0.00\n", 1000 + k));
        }
        assert!(text.len() > 1 << 20);
        std::fs::write(p, text).unwrap();
    });
    fails_with(
        &run_on(&big, &["--max-input-mb", "1"]),
        &[
            "persons.csv: is 1.",
            "at most 1 MiB of population files together; raise it with --max-input-mb N",
        ],
    );
    // 2 MiB of NUL bytes, one "line": refused without repeating it.
    let zeros = population_with("zeros", |p| std::fs::write(p, vec![0u8; 2 << 20]).unwrap());
    let o = run_on(&zeros, &[]);
    fails_with(
        &o,
        &[
            "persons.csv:1: the line is longer than 1048576 bytes",
            "raise it with --max-line-kb N",
        ],
    );
    assert!(text(&o).len() < 500, "{}", text(&o));
    // A lowered line limit.
    let long = population_with("long-line", |p| {
        let mut text =
            std::fs::read_to_string(repo().join("populations/small/persons.csv")).unwrap();
        text.push_str(&format!("99,1,40,0,{}\n", "1".repeat(2000)));
        std::fs::write(p, text).unwrap();
    });
    fails_with(
        &run_on(&long, &["--max-line-kb", "1"]),
        &["persons.csv:27: the line is longer than 1024 bytes"],
    );
}

#[test]
fn a_household_of_more_than_100_persons_is_refused() {
    let pop = population_with("big-household", |p| {
        let mut text =
            std::fs::read_to_string(repo().join("populations/small/persons.csv")).unwrap();
        for k in 0..100 {
            text.push_str(&format!("{},3,30,0,0.00\n", 1000 + k));
        }
        std::fs::write(p, text).unwrap();
    });
    fails_with(
        &run_on(&pop, &[]),
        &[
            "persons.csv:",
            "column 'household_id' (2): household 3 has more than 100 persons",
        ],
    );
}

#[test]
fn thread_counts_outside_1_to_256_are_refused_at_once() {
    for n in ["5000", "0"] {
        let started = std::time::Instant::now();
        let o = slieksnis(&["--threads", n, "params", "--period", "2025-01"]);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(
            text(&o).contains(&format!("'{n}' is not a thread count from 1 to 256")),
            "{}",
            text(&o)
        );
    }
    let o = slieksnis(&["--threads", "256", "params", "--period", "2025-01"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_population_file_truncated_during_a_run_gives_an_error_or_a_result_not_a_crash() {
    use std::os::unix::process::ExitStatusExt;
    // Large enough that reading and parsing take a while (a mapped file was parsed in place for
    // all of that time, and a truncation then killed the process with SIGBUS).
    let n = 300_000;
    let dir = temp("truncated").join("pop");
    std::fs::create_dir_all(&dir).unwrap();
    let mut households = String::from("household_id,municipality,housing_costs,savings\n");
    let mut persons = String::from("person_id,household_id,age,disabled,income\n");
    for i in 1..=n {
        households.push_str(&format!("{i},ogres-novads,150.00,0\n"));
        persons.push_str(&format!(
            "{},{i},40,0,{}.00\n{},{i},9,0,0\n",
            2 * i,
            i % 700,
            2 * i + 1
        ));
    }
    std::fs::write(dir.join("households.csv"), households).unwrap();
    let persons_csv = dir.join("persons.csv");
    std::fs::write(&persons_csv, &persons).unwrap();
    let out = dir.with_file_name("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_slieksnis"))
        .args([
            "run",
            "--population",
            dir.to_str().unwrap(),
            "--period",
            "2025-03",
            "-q",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Truncate the moment the process has persons.csv open or mapped (best effort: a read into
    // memory may be over before it is seen).
    let proc = PathBuf::from(format!("/proc/{}", child.id()));
    let name = persons_csv.to_str().unwrap().to_string();
    let started = std::time::Instant::now();
    let mut truncated = false;
    while child.try_wait().unwrap().is_none() && started.elapsed().as_secs() < 60 {
        let mapped = std::fs::read_to_string(proc.join("maps")).is_ok_and(|m| m.contains(&name));
        let open = std::fs::read_dir(proc.join("fd")).is_ok_and(|fds| {
            fds.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .any(|l| l == persons_csv)
        });
        if mapped || open {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&persons_csv)
                .unwrap()
                .set_len(persons.len() as u64 / 3)
                .unwrap();
            truncated = true;
            break;
        }
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.signal(),
        None,
        "killed by a signal (truncated while open: {truncated}): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
}

#[test]
fn every_file_a_command_reads_is_refused_when_it_is_not_a_regular_file() {
    // Scenarios, households, case files and caseload reports are read with the same checks as
    // populations: a FIFO would hang, /dev/zero would fill the memory.
    let dir = temp("text-inputs");
    let fifo = dir.join("fifo.toml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let fifo = fifo.to_str().unwrap();
    for args in [
        vec!["compare", fifo],
        vec!["explain", "--period", "2025-03", "--household", fifo],
        vec!["test", fifo],
        vec![
            "calibrate",
            "--municipality",
            "ogres-novads",
            "--reported",
            fifo,
        ],
    ] {
        let o = run_with_deadline(&args);
        fails_with(&o, &[&format!("{fifo}: is a FIFO, not a regular file")]);
    }
    for args in [vec!["compare", "/dev/zero"], vec!["test", "/dev/zero"]] {
        let o = run_with_deadline(&args);
        fails_with(&o, &["/dev/zero: is a device, not a regular file"]);
    }
}

#[test]
fn a_household_given_inline_has_at_most_100_persons_too() {
    let persons = vec!["{ age = 30 }"; 101].join(", ");
    fails(
        &[
            "explain",
            "--period",
            "2025-03",
            "--household",
            &format!("municipality = \"ogres-novads\"\npersons = [{persons}]"),
        ],
        &["--household: household 1 has 101 persons; at most 100 are accepted"],
    );
}

/// Runs the binary and waits at most 20 s; a hung binary is killed and fails the test.
fn run_with_deadline(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slieksnis"))
        .args(args)
        .current_dir(repo())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("{args:?} did not return within 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}
