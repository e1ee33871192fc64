//! Generates a synthetic population from the profiles and writes it as households.csv and
//! persons.csv, for `slieksnis run --population DIR`.
//!
//! ```text
//! cargo run --release --example generate -- --year 2025 --seed 1 --municipality ogres-novads --out /tmp/ogre
//! cargo run --release --example generate -- --year 2025 --stats            # all of Latvia, no files
//! cargo run --release --example generate -- --profiles my-profiles --out /tmp/pop
//! ```
//!
//! `--profiles DIR` adds the `.toml` files of a profiles directory (same layout as
//! `populations/profiles/`) over the shipped ones. Without `--municipality`, every municipality
//! is generated. `--stats` prints each council's marginals.

use std::path::{Path, PathBuf};
use std::time::Instant;

use slieksnis_engine::generate::{generate, marginals_by_council};
use slieksnis_engine::profile::{Profile, Profiles};

fn usage() -> ! {
    eprintln!(
        "usage: generate [--year Y (2025)] [--seed S (1)] [--municipality SLUG]... \
         [--profiles DIR] [--out DIR] [--stats]"
    );
    std::process::exit(2)
}

fn add_dir(profiles: &mut Profiles, root: &Path, dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            add_dir(profiles, root, &path)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy();
            let text = std::fs::read_to_string(&path)?;
            if let Err(e) = profiles.add_file(&rel, text) {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut year, mut seed) = (2025i32, 1u64);
    let mut only: Vec<String> = Vec::new();
    let (mut dir, mut out, mut stats) = (None::<PathBuf>, None::<PathBuf>, false);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--year" => year = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => seed = value().parse().unwrap_or_else(|_| usage()),
            "--municipality" => only.push(value()),
            "--profiles" => dir = Some(PathBuf::from(value())),
            "--out" => out = Some(PathBuf::from(value())),
            "--stats" => stats = true,
            _ => usage(),
        }
    }
    let mut profiles = Profiles::builtin();
    if let Some(dir) = &dir {
        add_dir(&mut profiles, dir, dir)?;
    }
    let slugs = if only.is_empty() {
        profiles.slugs()
    } else {
        only
    };
    let started = Instant::now();
    let loaded: Result<Vec<Profile>, _> = slugs.iter().map(|s| profiles.get(s)).collect();
    let loaded = loaded.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });
    let load_time = started.elapsed();
    let refs: Vec<&Profile> = loaded.iter().collect();
    let started = Instant::now();
    let population = generate(&refs, year, seed);
    let generate_time = started.elapsed();
    let target: u64 = loaded.iter().map(|p| p.population).sum();
    eprintln!(
        "{} municipalities, {year}, seed {seed}: {} households, {} persons (profiles: {target}); \
         profiles loaded in {:.3} s, generated in {:.3} s on {} threads",
        loaded.len(),
        population.household_count(),
        population.person_count(),
        load_time.as_secs_f64(),
        generate_time.as_secs_f64(),
        rayon::current_num_threads()
    );
    if stats {
        println!(
            "{:<24} {:>8} {:>9} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>6}",
            "council",
            "hh",
            "persons",
            "1p%",
            "2p%",
            "0-14%",
            "65+%",
            "emp%",
            "dis%",
            "AROP%",
            "wage",
            "size"
        );
        let (each, total) = marginals_by_council(&population);
        let names = population.municipalities.iter().map(String::as_str);
        for (council, m) in names.zip(&each).chain(std::iter::once(("TOTAL", &total))) {
            println!(
                "{:<24} {:>8} {:>9} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>7.0} {:>6.2}",
                council,
                m.households,
                m.persons,
                100.0 * m.household_sizes[0],
                100.0 * m.household_sizes[1],
                100.0 * m.ages[0],
                100.0 * m.ages[2],
                100.0 * m.employment_15_74,
                100.0 * m.disabled,
                100.0 * m.poverty_rate,
                m.mean_wage,
                m.persons as f64 / m.households.max(1) as f64
            );
        }
    }
    if let Some(out) = out {
        let (households, persons) = slieksnis_engine::csv_write::to_csv(&population)
            .unwrap_or_else(|e| {
                eprintln!("error: {e}");
                std::process::exit(1)
            });
        std::fs::create_dir_all(&out)?;
        std::fs::write(out.join("households.csv"), households)?;
        std::fs::write(out.join("persons.csv"), persons)?;
        eprintln!("wrote {}/households.csv and persons.csv", out.display());
    }
    Ok(())
}
