//! The `slieksnis` binary end to end: outputs, determinism, and that bad input gives exit code 1
//! with a message naming the place, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn slieksnis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slieksnis"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the binary runs")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slieksnis-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs and expects failure with exit code 1 and every `needle` in the message.
fn fails(args: &[&str], needles: &[&str]) {
    let o = slieksnis(args);
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{args:?} should fail with 1:\n{t}"
    );
    assert!(!t.contains("panicked"), "{t}");
    for n in needles {
        assert!(t.contains(n), "{args:?}: expected '{n}' in:\n{t}");
    }
}

#[test]
fn run_on_the_small_population_gives_the_hand_checked_totals() {
    let out = temp("small");
    let o = slieksnis(&[
        "run",
        "--population",
        "populations/small",
        "--period",
        "2025-03",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let total = summary.lines().last().unwrap();
    // populations/small/README.md: 13 households, 7 needy, 3 low-income, GMI 972.00 in total,
    // housing benefit 1164.19 in total (every amount worked out by hand from the 2025 rules).
    let f: Vec<&str> = total.split(',').collect();
    assert_eq!(f[0], "TOTAL");
    assert_eq!(f[1], "13");
    assert_eq!(f[3], "7");
    assert_eq!(f[5], "3");
    assert_eq!(f[8], "972.00");
    assert_eq!(f[10], "1164.19");
    // 30 % state share of (972.00 + 1164.19), rounded per household, and the rest municipal.
    let state: f64 = f[11].parse().unwrap();
    let net: f64 = f[12].parse().unwrap();
    assert!(((state + net) - 2136.19).abs() < 1e-6, "{total}");
    let households = std::fs::read_to_string(out.join("households.csv")).unwrap();
    assert!(households.starts_with("household_id,municipality,status,gmi_benefit,housing_benefit"));
    assert!(
        households.contains("\n2,ogres-novads,needy,514.00,320.00,"),
        "{households}"
    );
}

#[test]
fn output_does_not_depend_on_threads_or_chunks() {
    let mut outputs = Vec::new();
    for (threads, chunk) in [("1", "16384"), ("2", "16384"), ("2", "7"), ("3", "1000")] {
        let out = temp(&format!("det-{threads}-{chunk}"));
        let o = slieksnis(&[
            "--threads",
            threads,
            "run",
            "--population",
            "populations/sample",
            "--period",
            "2026-01",
            "--chunk",
            chunk,
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        outputs.push((
            std::fs::read(out.join("households.csv")).unwrap(),
            std::fs::read(out.join("summary.csv")).unwrap(),
        ));
    }
    for o in &outputs[1..] {
        assert!(
            o == &outputs[0],
            "outputs differ between thread counts or chunk sizes"
        );
    }
}

#[test]
fn every_shipped_scenario_runs() {
    for entry in std::fs::read_dir(repo().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = temp(path.file_stem().unwrap().to_str().unwrap());
            let o = slieksnis(&[
                "compare",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}: {}", path.display(), text(&o));
            assert!(out.join("comparison.csv").is_file());
        }
    }
}

#[test]
fn the_ogre_60_scenario_changes_only_ogre() {
    let out = temp("ogre60");
    let o = slieksnis(&[
        "compare",
        "scenarios/ogre-low-income-60.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    for line in csv.lines().filter(|l| l.starts_with("difference,")) {
        let f: Vec<&str> = line.split(',').collect();
        let low_income_change: i64 = f[6].parse().unwrap();
        match f[1] {
            "ogres-novads" | "TOTAL" => assert!(low_income_change < 0, "{line}"),
            _ => assert_eq!(low_income_change, 0, "{line}"),
        }
    }
}

#[test]
fn explain_prints_every_step_in_both_languages() {
    let o = slieksnis(&[
        "explain",
        "--period",
        "2021-08",
        "--household",
        "municipality = \"kuldigas-novads\"\npersons = [{ age = 40, income = 300 }, { age = 38 }, { age = 10 }, { age = 5 }]",
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("gmi_level = 337.00 EUR"), "{t}");
    assert!(t.contains("gmi_benefit = 37.00 EUR"), "{t}");
    assert!(t.contains("MK 809"), "{t}");
    let o = slieksnis(&[
        "explain",
        "--population",
        "populations/small",
        "--id",
        "2",
        "--period",
        "2025-03",
        "--lang",
        "lv",
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("Rezultāts: statuss trūcīga"), "{t}");
}

#[test]
fn policy_cases_pass_from_the_command_line() {
    let o = slieksnis(&["test", "policies/"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains(" passed, 0 failed"), "{t}");
}

#[test]
fn bad_input_names_the_place_and_exits_1() {
    fails(
        &[
            "run",
            "--population",
            "no/such/dir",
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
        ],
        &["no/such/dir"],
    );
    let bad = temp("bad-age");
    std::fs::write(
        bad.join("households.csv"),
        "household_id,municipality,housing_costs,savings\n1,ogres-novads,100,0\n",
    )
    .unwrap();
    std::fs::write(
        bad.join("persons.csv"),
        "person_id,household_id,age,disabled,income\n1,1,130,0,10\n",
    )
    .unwrap();
    let dir = bad.to_str().unwrap();
    fails(
        &[
            "run",
            "--population",
            dir,
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
        ],
        &["persons.csv:2", "age", "130"],
    );
    fails(
        &[
            "run",
            "--population",
            "populations/small",
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
            "--set",
            "gmi.pcx=0.2",
        ],
        &["pcx"],
    );
    fails(
        &[
            "run",
            "--population",
            "populations/small",
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
            "--set",
            "municipalities.ogres-novads.low_income.pct=0.85",
        ],
        &[
            "rules/thresholds.rhai",
            "above the legal maximum",
            "ogres-novads",
        ],
    );
    fails(
        &[
            "explain",
            "--population",
            "populations/small",
            "--id",
            "999",
            "--period",
            "2025-01",
        ],
        &["999"],
    );
    fails(
        &["params", "--period", "2025-01", "--municipality", "ogre"],
        &["unknown municipality 'ogre'", "ogres-novads"],
    );
    // A national caseload with a basis that is not one: refused before anything is simulated.
    let national = temp("bad-national").join("latvia.csv");
    std::fs::write(
        &national,
        "municipality,year,measure,households,persons,eur,basis\n\
         latvia,2025,needy_status,,39000,,year\n\
         latvia,2025,housing_benefit,,33400,,weekly\n",
    )
    .unwrap();
    fails(
        &[
            "calibrate",
            "--municipality",
            "all",
            "--reported",
            national.to_str().unwrap(),
            "--out",
            "/tmp/x.toml",
        ],
        &["latvia.csv:3:", "weekly"],
    );
}

#[test]
fn a_hostile_policy_script_is_stopped_with_its_place() {
    let dir = temp("hostile");
    let files = slieksnis_engine::policy::builtin();
    for (path, text) in &files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let text = if path == "rules/gmi.rhai" {
            format!("let x = 0;\nloop {{ x += 1; }}\n{text}")
        } else {
            text.clone()
        };
        std::fs::write(p, text).unwrap();
    }
    let started = std::time::Instant::now();
    fails(
        &[
            "run",
            "--policy",
            dir.to_str().unwrap(),
            "--population",
            "populations/small",
            "--period",
            "2025-01",
            "--out",
            "/tmp/x",
        ],
        &["rules/gmi.rhai:2", "operations"],
    );
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn the_boundary_set_equals_openfisca() {
    // populations/edge: 6 480 households exactly on, one cent under and over every threshold;
    // the expected file is OpenFisca's result for the same 2025 rules (see its README).
    let out = temp("edge");
    let o = slieksnis(&[
        "run",
        "--population",
        "populations/edge",
        "--period",
        "2025-06",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let ours = std::fs::read_to_string(out.join("households.csv")).unwrap();
    let expected =
        std::fs::read_to_string(repo().join("populations/edge/openfisca-2025-ogre-70.csv"))
            .unwrap();
    let ours: Vec<String> = ours
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            [f[0], f[2], f[3], f[4]].join(",")
        })
        .collect();
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(ours.len(), expected.len());
    for (a, b) in ours.iter().zip(&expected) {
        assert_eq!(a, b);
    }
}

#[test]
fn a_generated_year_is_the_same_on_one_thread_and_two_and_changes_with_the_seed() {
    let run = |threads: &str, seed: &str| {
        let out = temp(&format!("year-{threads}-{seed}"));
        let o = slieksnis(&[
            "--threads",
            threads,
            "run",
            "--municipality",
            "ogres-novads",
            "--year",
            "2025",
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let t = text(&o);
        assert!(t.contains("annual EUR"), "{t}");
        assert!(
            t.contains("uncalibrated") || t.contains("calibrated"),
            "{t}"
        );
        (
            std::fs::read(out.join("households.csv")).unwrap(),
            std::fs::read(out.join("summary.csv")).unwrap(),
        )
    };
    let one = run("1", "7");
    assert_eq!(one, run("2", "7"));
    assert_ne!(one.1, run("2", "8").1);
}

#[test]
fn a_generated_population_written_and_read_back_gives_the_same_results() {
    let dir = temp("generated");
    let pop = dir.join("pop");
    let o = slieksnis(&[
        "generate",
        "--municipality",
        "tukuma-novads",
        "--year",
        "2026",
        "--out",
        pop.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let run = |source: &[&str], out: &Path| {
        let mut args = vec!["run", "--period", "2026-03", "--out", out.to_str().unwrap()];
        args.extend_from_slice(source);
        let o = slieksnis(&args);
        assert!(o.status.success(), "{}", text(&o));
        std::fs::read(out.join("households.csv")).unwrap()
    };
    let from_files = run(&["--population", pop.to_str().unwrap()], &dir.join("a"));
    let generated = run(&["--municipality", "tukuma-novads"], &dir.join("b"));
    assert_eq!(from_files, generated);
}

#[test]
fn unknown_and_merged_municipalities_are_refused() {
    let out = temp("bad-municipality");
    let o = out.to_str().unwrap();
    fails(
        &[
            "run",
            "--municipality",
            "ogre",
            "--year",
            "2025",
            "--out",
            o,
        ],
        &["ogre", "ogres-novads"],
    );
    fails(
        &[
            "run",
            "--municipality",
            "varaklanu-novads",
            "--year",
            "2025",
            "--out",
            o,
        ],
        &["madonas-novads"],
    );
    // A year the rules do not cover is a usage error (exit code 2, like any bad argument).
    let bad_year = slieksnis(&[
        "run",
        "--municipality",
        "ogres-novads",
        "--year",
        "2019",
        "--out",
        o,
    ]);
    assert_eq!(bad_year.status.code(), Some(2));
    assert!(
        text(&bad_year).contains("2019 is outside"),
        "{}",
        text(&bad_year)
    );
}

// ---------------------------------------------------------------------------------------------
// Outputs whole or absent (cli/src/staged.rs)

/// Runs the binary with writes limited to `blocks` KiB per file: past it a write fails with
/// EFBIG, as a full disk fails with ENOSPC. An ignored SIGXFSZ is inherited across exec.
fn slieksnis_with_file_limit(blocks: u64, args: &[&str]) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_slieksnis"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("bash runs")
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(rel, std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    files
}

#[test]
fn a_failed_write_leaves_the_previous_outputs_of_run_untouched_and_names_the_file() {
    let dir = temp("write-fails-run");
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    let args = |period| {
        vec![
            "run",
            "--population",
            "populations/sample",
            "--period",
            period,
            "--quiet",
            "--out",
            o,
        ]
    };
    let first = slieksnis(&args("2026-01"));
    assert!(first.status.success(), "{}", text(&first));
    let before = tree(&out);
    assert_eq!(before.len(), 2);
    assert!(
        before["households.csv"].len() > 150 * 1024,
        "the limit below must cut it"
    );
    // households.csv (about 200 KiB) fails at 100 KiB; summary.csv would fit.
    let failed = slieksnis_with_file_limit(100, &args("2025-01"));
    let t = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!("{o}/households.csv: cannot write: File too large"))
            && t.contains(&format!("nothing in {o}/ was changed")),
        "{t}"
    );
    assert_eq!(
        tree(&out),
        before,
        "the previous outputs are byte-identical, no temporaries"
    );
    // Into a directory that did not exist: it is not left behind either.
    let fresh = dir.join("fresh").join("out");
    let mut a = args("2025-01");
    *a.last_mut().unwrap() = fresh.to_str().unwrap();
    let failed = slieksnis_with_file_limit(100, &a);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(!dir.join("fresh").exists());
    // Without the limit, the same run replaces both files.
    let second = slieksnis(&args("2025-01"));
    assert!(second.status.success(), "{}", text(&second));
    let after = tree(&out);
    assert_eq!(after.len(), 2);
    assert_ne!(after["summary.csv"], before["summary.csv"]);
}

#[test]
fn a_failed_write_in_compare_leaves_no_comparison_beside_a_cut_households_file() {
    let dir = temp("write-fails-compare");
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    // comparison.csv is small and written first; baseline/households.csv fails.
    let failed = slieksnis_with_file_limit(
        100,
        &[
            "compare",
            "scenarios/rules-2025-vs-2026.toml",
            "--quiet",
            "--out",
            o,
        ],
    );
    let t = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!("{o}/baseline/households.csv: cannot write")),
        "{t}"
    );
    assert!(!out.exists(), "nothing is left: {:?}", tree(&dir));
    // With a previous comparison in place, it stays as it was.
    let ok = slieksnis(&[
        "compare",
        "scenarios/rules-2025-vs-2026.toml",
        "--quiet",
        "--out",
        o,
    ]);
    assert!(ok.status.success(), "{}", text(&ok));
    let before = tree(&out);
    assert_eq!(before.len(), 3);
    let failed = slieksnis_with_file_limit(
        100,
        &[
            "compare",
            "scenarios/gmi-20-vs-22.toml",
            "--population",
            "populations/sample",
            "--quiet",
            "--out",
            o,
        ],
    );
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert_eq!(tree(&out), before);
}

#[test]
fn a_failed_write_in_generate_changes_nothing() {
    let dir = temp("write-fails-generate");
    let out = dir.join("pop");
    let failed = slieksnis_with_file_limit(
        50,
        &[
            "generate",
            "--municipality",
            "tukuma-novads",
            "--year",
            "2025",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let t = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{t}");
    assert!(t.contains("households.csv: cannot write"), "{t}");
    assert!(!out.exists(), "{:?}", tree(&dir));
}

#[test]
fn a_calibration_layer_is_replaced_whole_or_not_at_all() {
    let dir = temp("calibrate-out");
    let layer = dir.join("ogre.toml");
    let l = layer.to_str().unwrap();
    let calibrate = [
        "calibrate",
        "--municipality",
        "ogres-novads",
        "--reported",
        "populations/reported/ogre-2025-caseload.csv",
        "--budget",
        "1",
        "--out",
        l,
    ];
    std::fs::write(&layer, "# the previous layer\n").unwrap();
    // The layer is about 1.5 KiB: a limit of 1 KiB cuts it.
    let failed = slieksnis_with_file_limit(1, &calibrate);
    let t = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!("{l}: cannot write: File too large")),
        "{t}"
    );
    assert_eq!(
        std::fs::read_to_string(&layer).unwrap(),
        "# the previous layer\n"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "a temporary was left"
    );
    // A link where the layer goes is refused, its target unchanged.
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::remove_file(&layer).unwrap();
    std::os::unix::fs::symlink(&victim, &layer).unwrap();
    fails(&calibrate, &[&format!("{l}: is a symbolic link")]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
}

#[test]
fn links_planted_in_the_output_directory_are_not_followed() {
    let dir = temp("planted-links");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::os::unix::fs::symlink(&victim, out.join("summary.csv")).unwrap();
    let o = out.to_str().unwrap();
    let run = [
        "run",
        "--population",
        "populations/small",
        "--period",
        "2025-03",
        "-q",
        "--out",
        o,
    ];
    fails(
        &run,
        &[
            &format!("{o}/summary.csv: is a symbolic link"),
            "nothing in",
        ],
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(!out.join("households.csv").exists(), "{:?}", tree(&out));
    // A link to a directory where compare puts baseline/ is refused too.
    std::fs::remove_file(out.join("summary.csv")).unwrap();
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("baseline")).unwrap();
    fails(
        &[
            "compare",
            "scenarios/rules-2025-vs-2026.toml",
            "--population",
            "populations/small",
            "-q",
            "--out",
            o,
        ],
        &[&format!("{o}/baseline: is a symbolic link")],
    );
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert!(!out.join("comparison.csv").exists());
    // A dangling link is refused as well, and its target is never created (a plain create
    // through the link would make it).
    std::fs::remove_file(out.join("baseline")).unwrap();
    let target = dir.join("created-through-link");
    std::os::unix::fs::symlink(&target, out.join("households.csv")).unwrap();
    fails(&run, &[&format!("{o}/households.csv: is a symbolic link")]);
    assert!(!target.exists());
    std::fs::remove_file(out.join("households.csv")).unwrap();
    // A hard link is a name like any other: the run replaces the name, the other file keeps
    // its bytes (writing into the file, as before, changed both).
    std::fs::hard_link(&victim, out.join("summary.csv")).unwrap();
    let ok = slieksnis(&run);
    assert!(ok.status.success(), "{}", text(&ok));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(
        std::fs::read_to_string(out.join("summary.csv"))
            .unwrap()
            .starts_with("municipality,")
    );
    // The output directory itself may be a link: the user named it.
    std::fs::remove_file(out.join("summary.csv")).unwrap();
    let linked = dir.join("linked-out");
    std::os::unix::fs::symlink(&out, &linked).unwrap();
    let ok = slieksnis(&[
        "run",
        "--population",
        "populations/small",
        "--period",
        "2025-03",
        "-q",
        "--out",
        linked.to_str().unwrap(),
    ]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(out.join("summary.csv").is_file());
}

// ---------------------------------------------------------------------------------------------
// Inputs that cannot break the process (cli/src/input.rs)

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_slieksnis"))
        .args(&args)
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

fn fails_with(o: &Output, needles: &[&str]) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    for n in needles {
        assert!(t.contains(n), "expected '{n}' in:\n{t}");
    }
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
