//! Embeds the default policy (policies/policy.toml, assumptions.toml, explanations.toml, rules/, parameters/), its case files (tests/) and the population
//! profiles (populations/profiles/**/*.toml) into the engine, so the `slieksnis` binary works
//! from any directory with no files beside it.

use std::fmt::Write;
use std::path::Path;

fn main() {
    // The policy: policy.toml, rules/*.rhai, parameters/*.toml.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    let files = collect(
        &root,
        |dir| dir == "rules" || dir == "parameters",
        |file| {
            file == "policy.toml"
                || file == "assumptions.toml"
                || file == "explanations.toml"
                || file.ends_with(".rhai")
                || (file.starts_with("parameters/") && file.ends_with(".toml"))
        },
    );
    embed(
        &root,
        files,
        "builtin_policy.rs",
        "The default policy's files, as `(path inside policies/, text)`.",
    );

    // The policy's case files (policies/tests/*.toml): the households of the training page's
    // exercises (cases::builtin).
    let files = collect(
        &root,
        |dir| dir == "tests",
        |file| file.starts_with("tests/") && file.ends_with(".toml"),
    );
    embed(
        &root,
        files,
        "builtin_cases.rs",
        "The default policy's case files, as `(path inside policies/, text)`.",
    );

    // Population profiles: latvia.toml, regions/, areas/, municipalities/, calibrated/.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../populations/profiles");
    let files = collect(
        &root,
        |dir| matches!(dir, "regions" | "areas" | "municipalities" | "calibrated"),
        |file| file.ends_with(".toml"),
    );
    embed(
        &root,
        files,
        "builtin_profiles.rs",
        "The shipped profiles, as `(path inside populations/profiles/, text)`.",
    );
}

/// Writes `OUT_DIR/name` with `pub static FILES`, the files included at compile time.
fn embed(root: &Path, mut files: Vec<(String, String)>, name: &str, doc: &str) {
    files.sort();
    let mut out = format!("/// {doc}\npub static FILES: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_str!({abs:?})),").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join(name);
    std::fs::write(dest, out).unwrap();
    println!("cargo:rerun-if-changed={}", root.display());
}

/// The files under `root` that `file` keeps, in the directories `dir` keeps, as (path relative
/// to `root` with `/`, absolute path); every path is a rerun trigger.
fn collect(root: &Path, dir: fn(&str) -> bool, file: fn(&str) -> bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            println!("cargo:rerun-if-changed={}", path.display());
            if path.is_dir() {
                if dir(&rel) {
                    stack.push(path);
                }
            } else if file(&rel) {
                let abs = path.canonicalize().unwrap().to_string_lossy().into_owned();
                out.push((rel, abs));
            }
        }
    }
    out
}
