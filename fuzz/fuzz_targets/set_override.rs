//! `--set PATH=VALUE`: each line of the input is one override, read as the CLI reads it
//! (`split_once('=')`, trimmed, `Value::parse_cli`) and applied with `ParameterSet::set` to the
//! embedded parameters; then the set is resolved at a few dates and the rules run on the tiny
//! population.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slieksnis_engine::parameters::Value;
use slieksnis_fuzz::{pick, policy, resolve_checked, run_tiny};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = policy();
    let mut params = policy.parameters.clone();
    let mut council = None;
    for line in text.lines().take(8) {
        let Some((path, value)) = line.split_once('=') else {
            continue;
        };
        let Ok(value) = Value::parse_cli(value.trim()) else {
            continue;
        };
        let path = path.trim();
        if params.set(path, value, &format!("--set {line}")).is_ok() {
            assert!(
                params.parameter(path).is_some()
                    || path
                        .rsplit_once('.')
                        .is_some_and(|(parent, _)| params.parameter(parent).is_some()),
                "{path} was set but there is no such parameter"
            );
            if let Some(rest) = path.strip_prefix("municipalities.") {
                council = rest.split('.').next().map(str::to_string);
            }
        }
    }
    let which = pick(data);
    resolve_checked(&params, which, council.as_deref());
    run_tiny(&policy.rules, &params, &policy.schema, which);
});
