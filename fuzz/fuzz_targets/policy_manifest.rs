//! `Policy::load` with the embedded policy's files and a fuzzed `policy.toml`. A policy that
//! loads is run on the tiny population.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slieksnis_engine::Policy;
use slieksnis_fuzz::{pick, policy_files, run_tiny};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut files = policy_files().clone();
    files.insert("policy.toml".into(), text.into());
    if let Ok(policy) = Policy::load(&files) {
        run_tiny(
            &policy.rules,
            &policy.parameters,
            &policy.schema,
            pick(data),
        );
    }
});
