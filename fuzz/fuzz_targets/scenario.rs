//! Scenario files (`Scenario::parse`). One that parses is compared on the tiny population:
//! both sides' overrides applied to the embedded parameters, replaced scripts taken from the
//! embedded policy, one month or a year.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use slieksnis_engine::annual::Behaviour;
use slieksnis_engine::scenario::{PopulationSource, Scenario, compare};
use slieksnis_fuzz::{check_outcome, pick, policy, policy_files, resolve_checked, tiny};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::parse("scenario.toml", text) else {
        return;
    };
    let policy = policy();
    let which = pick(data);
    let slug = match &scenario.population {
        PopulationSource::Generated(s) => Some(s.as_str()),
        PopulationSource::Directory(_) => None,
    };
    for side in [&scenario.baseline, &scenario.reform] {
        if let Ok(params) = side.parameters(&policy.parameters, &scenario.origin) {
            resolve_checked(&params, which, slug);
        }
    }
    // The texts of replaced scripts, as the CLI reads them: here the embedded script of that
    // name (or an empty script where there is none).
    let replaced = |side: &slieksnis_engine::scenario::Side| -> BTreeMap<String, String> {
        side.scripts
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    policy_files().get(k).cloned().unwrap_or_default(),
                )
            })
            .collect()
    };
    let (b, r) = (replaced(&scenario.baseline), replaced(&scenario.reform));
    let population = tiny();
    if let Ok(c) = compare(
        policy,
        &scenario,
        population,
        [&b, &r],
        &Behaviour::entitlement(which as u64),
        64,
        &|_| {},
    ) {
        check_outcome(population, &c.baseline_outcome);
        check_outcome(population, &c.reform_outcome);
        let d = c
            .difference()
            .expect("the differences of a few households fit");
        assert_eq!(d.total.households(), 0);
        assert_eq!(d.rows.len(), c.baseline.rows.len());
    }
});
