//! Runs every case file under policies/tests/ against the embedded default policy, the same
//! check as `slieksnis test policies/`.

use std::path::Path;

use slieksnis_engine::{Policy, cases, policy, register};

#[test]
fn every_policy_case_holds() {
    let policy = Policy::load(&policy::builtin()).expect("the default policy loads");
    let slugs = register::slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/tests");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut failed = Vec::new();
    let mut count = 0;
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for r in cases::run_file(&policy, &known, &name, &text) {
            count += 1;
            if !r.passed() {
                failed.push(format!(
                    "{}:{} {}\n    {}",
                    r.file,
                    r.line,
                    r.name,
                    r.failures.join("\n    ")
                ));
            }
        }
    }
    assert!(count >= 10, "only {count} cases found");
    assert!(
        failed.is_empty(),
        "{} of {count} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}
