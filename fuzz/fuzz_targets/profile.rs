//! Population profiles (`Profiles::add_file`, `get`, `all`). The input's first line is the
//! file's path in the profiles directory (`municipalities/ogres-novads.toml`, `latvia.toml`,
//! `regions/…`, `areas/…`, `calibrated/…`), the rest its text; it is added over the embedded
//! profiles. A council's own file is read with `get`; a shared layer with `get` for the two
//! smallest councils that use it (and, for one input in 32, `all`: merging every council's
//! profile takes about a second in a fuzz build). A profile that is read gives its years'
//! figures and behaviour, and — for a small council — a generated population that must be
//! consistent.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use slieksnis_engine::annual::Behaviour;
use slieksnis_engine::generate::generate;
use slieksnis_engine::profile::{Profile, Profiles};
use slieksnis_fuzz::{check_population, first_line, pick};

/// Persons above which a profile is not generated (time per input).
const GENERATE_UP_TO: u64 = 3_000;

/// Each shared layer of the embedded profiles → the councils whose profile reads it, smallest
/// first.
fn users() -> &'static BTreeMap<String, Vec<String>> {
    static U: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    U.get_or_init(|| {
        let mut all = Profiles::builtin()
            .all()
            .expect("the embedded profiles are valid");
        all.sort_by_key(|p| p.population);
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in &all {
            for f in &p.files {
                out.entry(f.clone()).or_default().push(p.slug.clone());
            }
        }
        out
    })
}

fn exercise(profile: &Profile, which: usize) {
    let year = 2021 + (which % 6) as i32;
    let _ = profile.year(year);
    let _ = profile.council(year);
    let _ = profile.mean_household_size();
    let _ = Behaviour::from_profiles(&[profile], year, which as u64);
    if profile.population <= GENERATE_UP_TO {
        let population = generate(&[profile], year, which as u64);
        let mut known = vec![profile.slug.as_str()];
        known.extend(profile.merged_into.as_deref());
        check_population(&population, &known);
    }
}

fn normalised(path: &str) -> String {
    path.replace('\\', "/").trim_start_matches("./").to_string()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let users = users();
    let (path, body) = first_line(text);
    let mut profiles = Profiles::builtin();
    if profiles.add_file(path, body).is_err() {
        return;
    }
    let which = pick(data);
    let path = normalised(path);
    let own = path
        .strip_prefix("municipalities/")
        .or_else(|| path.strip_prefix("calibrated/"))
        .and_then(|p| p.strip_suffix(".toml"))
        .filter(|s| *s != "latvia");
    let councils: Vec<&str> = match own {
        Some(slug) => vec![slug],
        None => match users.get(&path) {
            Some(slugs) => slugs.iter().take(2).map(String::as_str).collect(),
            // A new layer no embedded council reads (until a council's file names it).
            None => vec!["varaklanu-novads"],
        },
    };
    for slug in councils {
        if let Ok(p) = profiles.get(slug) {
            exercise(&p, which);
        }
    }
    if own.is_none()
        && which.is_multiple_of(32)
        && let Ok(all) = profiles.all()
    {
        assert_eq!(all.len(), profiles.slugs().len());
        let _ = profiles.national_fit();
    }
});
