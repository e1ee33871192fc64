//! Embeds the default policy (policies/policy.toml, rules/, parameters/) and the population
//! profiles (populations/profiles/**/*.toml) into the engine, so the `slieksnis` binary works
//! from any directory with no files beside it.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    embed(
        &root,
        files,
        "builtin_policy.rs",
        "The default policy's files, as `(path inside policies/, text)`.",
    );

    // Population profiles: latvia.toml, regions/, areas/, municipalities/, calibrated/.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../populations/profiles");
    let mut files = Vec::new();
    collect_profiles(&root, &root, &mut files);
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

fn collect_profiles(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
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
            if matches!(
                rel.as_str(),
                "regions" | "areas" | "municipalities" | "calibrated"
            ) {
                collect_profiles(root, &path, out);
            }
        } else if rel.ends_with(".toml") {
            out.push((
                rel,
                path.canonicalize().unwrap().to_string_lossy().into_owned(),
            ));
        }
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
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
            if rel == "rules" || rel == "parameters" {
                collect(root, &path, out);
            }
        } else if rel == "policy.toml"
            || rel.ends_with(".rhai")
            || (rel.starts_with("parameters/") && rel.ends_with(".toml"))
        {
            out.push((
                rel,
                path.canonicalize().unwrap().to_string_lossy().into_owned(),
            ));
        }
    }
}
