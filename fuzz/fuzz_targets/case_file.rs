//! Policy case files (`cases::run_file`) with the embedded policy: any file gives results (a
//! file that cannot be read gives one failed result), never a panic; its households as the
//! Training page reads them (`cases::households`): a list or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slieksnis_engine::cases::{households, run_file};
use slieksnis_fuzz::{known, policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for r in run_file(policy(), known(), "tests/fuzz.toml", text) {
        assert_eq!(r.passed(), r.failures.is_empty());
    }
    if let Ok(cases) = households("tests/fuzz.toml", text) {
        for c in cases {
            assert!(!c.household.contains_key("expect") && !c.household.contains_key("set"));
        }
    }
});
