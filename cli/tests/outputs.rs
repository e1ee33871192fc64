//! Outputs are whole or absent (`cli/src/staged.rs`; issue 8, case 6): a write that fails leaves
//! the previous outputs untouched and names the file; links planted in `--out` are not followed.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{fails, repo, slieksnis, temp, text};

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
    assert_eq!(
        before.len(),
        4,
        "households.csv, summary.csv, benefits.csv, types.csv"
    );
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
    // Without the limit, the same run replaces all four files.
    let second = slieksnis(&args("2025-01"));
    assert!(second.status.success(), "{}", text(&second));
    let after = tree(&out);
    assert_eq!(after.len(), 4);
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
    // comparison.csv, types.csv, winners.csv, councils.csv and each side's households.csv.
    assert_eq!(before.len(), 6, "{:?}", before.keys());
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
        "--budget",
        "1",
        "--keep-best",
        "--out",
        l,
    ];
    std::fs::write(&layer, "# the previous layer\n").unwrap();
    // The layer is about 4 KiB: a limit of 1 KiB cuts it.
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

/// A fit that leaves a figure further than --tolerance from its report says which figures and by
/// how much, exits 1 and writes nothing; a tolerance that is not a share is refused; a council
/// with no figure to fit is named.
#[test]
fn a_calibration_outside_its_tolerance_writes_nothing() {
    let dir = temp("calibrate-tolerance");
    let layer = dir.join("ogre.toml");
    let l = layer.to_str().unwrap();
    let base = [
        "calibrate",
        "--municipality",
        "ogres-novads",
        "--budget",
        "1",
        "--out",
        l,
    ];
    // One simulation: the start, far from Ogre's education households (the model's are larger
    // than its report's; populations/profiles/calibrated/ogres-novads.toml lists every gap).
    let t = fails(
        &base,
        &[
            "stay further than 10 % from the report",
            "2025 education_benefit households (during 2025): 94 reported",
            "nothing written",
        ],
    );
    assert!(t.contains("--keep-best"), "{t}");
    assert!(
        !layer.exists(),
        "{:?}",
        std::fs::read_dir(&dir).unwrap().count()
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "a temporary was left"
    );
    let mut bad = base.to_vec();
    bad.extend(["--tolerance", "0"]);
    fails(&bad, &["--tolerance 0: give a share above 0"]);
    fails(
        &["calibrate", "--municipality", "tukuma-novads", "--out", l],
        &["no figure of tukuma-novads marked use = fit"],
    );
    assert!(!layer.exists());
}
