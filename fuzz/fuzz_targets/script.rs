//! The script compiler and runner. If the input's first line is `// rules/NAME.rhai` naming one
//! of the embedded policy's scripts, the input replaces that script; otherwise it is added after
//! them as `rules/fuzz.rhai`. The rules are compiled (`Rules::compile`); rules that compile are
//! evaluated on one council's households of the tiny population (traced or not) and simulated
//! on all of it if that works. Scripts are untrusted: every one must end with Ok or Err, quickly (the
//! operation limits), never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slieksnis_engine::script::Rules;
use slieksnis_fuzz::{first_line, period, pick, policy, run_tiny, tiny};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = policy();
    let named = first_line(text).0.strip_prefix("// ").map(str::trim);
    let mut scripts = policy.scripts.clone();
    match scripts.iter_mut().find(|(p, _)| Some(p.as_str()) == named) {
        Some((_, t)) => *t = text.to_string(),
        None => scripts.push(("rules/fuzz.rhai".into(), text.to_string())),
    }
    let Ok(rules) = Rules::compile(&scripts) else {
        return;
    };
    let which = pick(data);
    let population = tiny();
    // One council's households: `evaluate` takes rows of one municipality.
    let segments = population.segments();
    let (m, start, end) = segments[which % segments.len()];
    let resolved = policy
        .parameters
        .resolve(
            period(which).first_day(),
            &population.municipalities[m as usize],
        )
        .expect("the embedded parameters resolve at every period");
    // A script that fails here fails the same way in a run: only rules that evaluate are run
    // over the whole population (two months, every council), to keep each input quick.
    if rules
        .evaluate(population, start..end, &resolved, which.is_multiple_of(2))
        .is_ok()
    {
        run_tiny(&rules, &policy.parameters, &policy.schema, which);
    }
});
