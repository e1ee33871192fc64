//! Parameter files (`ParameterSet::add_file`). The text alone is read into an empty set and
//! resolved at a few dates; and if its first line is `# parameters/NAME.toml` naming one of the
//! embedded policy's parameter files, it replaces that file, the set is built as `Policy::load`
//! builds it (files in the manifest's order) and the embedded rules run with it on the tiny
//! population.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slieksnis_engine::parameters::ParameterSet;
use slieksnis_fuzz::{
    first_line, parameter_files, pick, policy, policy_files, resolve_checked, resolve_some,
    run_tiny,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let which = pick(data);
    let mut alone = ParameterSet::default();
    if alone.add_file("parameters/fuzz.toml", text).is_ok() {
        for (path, _) in alone.parameters() {
            assert!(
                alone.parameter(&path).is_some(),
                "{path} is listed but not found"
            );
        }
        let _ = alone.municipality_slugs();
        resolve_some(&alone, which, None);
        if alone.check().is_ok() {
            resolve_checked(&alone, which, None);
        }
    }
    let (first, _) = first_line(text);
    let Some(replaced) = first.strip_prefix("# ").map(str::trim) else {
        return;
    };
    if !parameter_files().iter().any(|p| p == replaced) {
        return;
    }
    let mut set = ParameterSet::default();
    for path in parameter_files() {
        let file = if path == replaced {
            text
        } else {
            &policy_files()[path]
        };
        if set.add_file(path, file).is_err() {
            return;
        }
    }
    // Unchecked, it must resolve without a panic; checked as a policy is, every value is legal.
    resolve_some(&set, which, None);
    set.set_councils(slieksnis_engine::register::slugs());
    if set.check().is_err() {
        return;
    }
    resolve_checked(&set, which, None);
    run_tiny(&policy().rules, &set, &policy().schema, which);
});
