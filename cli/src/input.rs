//! Reading what the user gives: policy directories, populations, overrides, households.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use slieksnis_engine::annual::Behaviour;
use slieksnis_engine::csv_load::{LoadReport, Source};
use slieksnis_engine::generate::generate;
use slieksnis_engine::parameters::{ParameterSet, Value};
use slieksnis_engine::profile::{Profile, Profiles};
use slieksnis_engine::{Policy, Population, Summary, policy, register};

/// The policy in `dir`, or the embedded default.
pub fn policy(dir: Option<&Path>) -> Result<Policy> {
    let files = match dir {
        None => policy::builtin(),
        Some(dir) => read_policy_dir(dir)?,
    };
    let origin = dir
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "the embedded policy".into());
    Policy::load(&files)
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("loading {origin}"))
}

/// Every policy file under `dir` (policy.toml, rules/, parameters/), by relative path.
pub fn read_policy_dir(dir: &Path) -> Result<BTreeMap<String, String>> {
    let manifest = dir.join("policy.toml");
    if !manifest.is_file() {
        bail!(
            "{}: no policy.toml here (a policy directory has policy.toml, rules/ and parameters/)",
            dir.display()
        );
    }
    read_tree(dir, &["toml", "rhai"])
}

/// Every file under `dir` with one of `extensions`, by path relative to `dir` (with `/`).
fn read_tree(dir: &Path, extensions: &[&str]) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| extensions.iter().any(|x| e == *x))
            {
                let rel = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                files.insert(rel, text);
            }
        }
    }
    Ok(files)
}

/// Valid municipality slugs.
pub fn known_slugs() -> Vec<String> {
    register::slugs()
}

/// Loads `dir/households.csv` and `dir/persons.csv`, reporting time and ignored columns.
pub fn population(dir: &Path, quiet: bool) -> Result<Arc<Population>> {
    let started = Instant::now();
    // Mapped, not read: a large population is parsed straight from the page cache, with no
    // copy.
    let read = |name: &str| -> Result<(PathBuf, Bytes)> {
        let path = dir.join(name);
        let cannot = |e: std::io::Error| anyhow!("{}: cannot read: {e}", path.display());
        let file = std::fs::File::open(&path).map_err(cannot)?;
        let len = file.metadata().map_err(cannot)?.len();
        let bytes = if len == 0 {
            Bytes::Empty
        } else {
            // Safety: the map is only read. A population file changed by another program during
            // a run may give garbled input (then a parse error), as it would with any reader.
            Bytes::Mapped(unsafe { memmap2::Mmap::map(&file) }.map_err(cannot)?)
        };
        Ok((path, bytes))
    };
    if !dir.is_dir() {
        bail!(
            "{}: no such population directory (it needs households.csv and persons.csv)",
            dir.display()
        );
    }
    let (hp, hb) = read("households.csv")?;
    let (pp, pb) = read("persons.csv")?;
    let (hb, pb) = (hb.as_slice(), pb.as_slice());
    let slugs = known_slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let (hn, pn) = (hp.display().to_string(), pp.display().to_string());
    let (population, report): (Population, LoadReport) = slieksnis_engine::load(
        Source {
            name: &hn,
            bytes: hb,
        },
        Source {
            name: &pn,
            bytes: pb,
        },
        &known,
    )
    .map_err(|e| anyhow!("{e}"))?;
    if !quiet {
        for (file, column) in &report.ignored_columns {
            eprintln!("note: {file}: column '{column}' is not used");
        }
        eprintln!(
            "loaded {} households, {} persons from {} in {:.2} s",
            population.household_count(),
            population.person_count(),
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(Arc::new(population))
}

/// A file's bytes: mapped, or empty (an empty file cannot be mapped).
enum Bytes {
    Empty,
    Mapped(memmap2::Mmap),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Empty => &[],
            Bytes::Mapped(m) => m,
        }
    }
}

/// Applies `--set PATH=VALUE` overrides.
pub fn apply_overrides(params: &mut ParameterSet, sets: &[String]) -> Result<()> {
    for s in sets {
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| anyhow!("--set {s}: expected PATH=VALUE, e.g. --set gmi.pct=0.20"))?;
        let value = Value::parse_cli(value.trim()).map_err(|m| anyhow!("--set {s}: {m}"))?;
        params
            .set(path.trim(), value, &format!("--set {s}"))
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

/// Where the households come from: a population directory, or generated from the profiles.
#[derive(clap::Args, Clone, Debug)]
#[group(skip)]
pub struct PopulationArgs {
    /// Directory with households.csv and persons.csv.
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "municipality",
        conflicts_with = "municipality"
    )]
    pub population: Option<PathBuf>,
    /// Generate the households of a municipality from its profile (a slug as in
    /// populations/municipalities.csv), or of every local government with `all`.
    #[arg(long, value_name = "SLUG|all")]
    pub municipality: Option<String>,
    #[command(flatten)]
    pub generation: GenerationArgs,
}

/// How households are generated from the profiles: the arguments every command that generates
/// shares.
#[derive(clap::Args, Clone, Debug)]
pub struct GenerationArgs {
    /// Seed of the generated population and of the annual draws (take-up, job changes).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Profiles directory laid out like populations/profiles (its files replace the embedded
    /// ones of the same name).
    #[arg(long, value_name = "DIR")]
    pub profiles: Option<PathBuf>,
}

/// The households of a run, and the profiles they were generated from (none for a directory).
pub struct Households {
    pub population: Arc<Population>,
    pub profiles: Vec<Profile>,
    /// Where they come from, for report headers.
    pub label: String,
}

impl Households {
    /// The behaviour of an annual projection: the profiles' for generated households;
    /// everyone applies and incomes stay put for a population from files.
    pub fn behaviour(&self, year: i32, seed: u64) -> Behaviour {
        if self.profiles.is_empty() {
            Behaviour::entitlement(seed)
        } else {
            let profiles: Vec<&Profile> = self.profiles.iter().collect();
            Behaviour::from_profiles(&profiles, year, seed)
        }
    }

    /// Marks the summary rows of councils whose profile is not calibrated.
    pub fn label_uncalibrated(&self, summary: &mut Summary) {
        for row in &mut summary.rows {
            let uncalibrated = self
                .profiles
                .iter()
                .any(|p| p.slug == row.municipality && !p.calibrated);
            if uncalibrated {
                row.assumed.push(crate::output::UNCALIBRATED.into());
            }
        }
    }
}

/// The embedded profiles, with the files of `dir` over them.
pub fn profiles(dir: Option<&Path>) -> Result<Profiles> {
    let mut profiles = Profiles::builtin();
    if let Some(dir) = dir {
        if !dir.is_dir() {
            bail!("{}: no such profiles directory", dir.display());
        }
        for (rel, text) in read_tree(dir, &["toml"])? {
            profiles
                .add_file(&rel, text)
                .map_err(|e| anyhow!("{}: {e}", dir.display()))?;
        }
    }
    Ok(profiles)
}

/// The profiles whose households belong to `which` (a council slug, or `all`) in `year`.
pub fn select_profiles(profiles: &Profiles, which: &str, year: i32) -> Result<Vec<Profile>> {
    let all = profiles.all().map_err(|e| anyhow!("{e}"))?;
    if which == "all" {
        return Ok(all);
    }
    let Some(own) = all.iter().find(|p| p.slug == which) else {
        let slugs = profiles.slugs();
        let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
        bail!(
            "{}",
            slieksnis_engine::population::unknown_municipality(which, &known)
        );
    };
    if own.council(year) != which {
        bail!(
            "{which} merged into {} (valid to {}): in {year} its households are in {}; run that",
            own.council(year),
            own.valid_to.as_deref().unwrap_or("?"),
            own.council(year)
        );
    }
    Ok(all
        .into_iter()
        .filter(|p| p.council(year) == which)
        .collect())
}

/// The households of a run for `year`: loaded from a directory, or generated.
pub fn households(args: &PopulationArgs, year: i32, quiet: bool) -> Result<Households> {
    if let Some(dir) = &args.population {
        return Ok(Households {
            population: population(dir, quiet)?,
            profiles: Vec::new(),
            label: format!("population {}", dir.display()),
        });
    }
    let which = args
        .municipality
        .as_deref()
        .expect("clap requires one source");
    let started = Instant::now();
    let profiles = profiles(args.generation.profiles.as_deref())?;
    let selected = select_profiles(&profiles, which, year)?;
    let refs: Vec<&Profile> = selected.iter().collect();
    let population = generate(&refs, year, args.generation.seed);
    if !quiet {
        eprintln!(
            "generated {} households, {} persons of {} for {year} (seed {}) in {:.2} s",
            population.household_count(),
            population.person_count(),
            if which == "all" {
                "all of Latvia"
            } else {
                which
            },
            args.generation.seed,
            started.elapsed().as_secs_f64()
        );
    }
    let calibrated = selected.iter().filter(|p| p.calibrated).count();
    let national = selected.iter().filter(|p| p.national_fit()).count();
    let national = match national {
        0 => String::new(),
        n if n == selected.len() => "; scaled to the national caseload".to_string(),
        _ => "; the others scaled to the national caseload".to_string(),
    };
    Ok(Households {
        population: Arc::new(population),
        label: format!(
            "generated from the profiles of {} for {year}, seed {} ({}{national})",
            if which == "all" {
                "every local government"
            } else {
                which
            },
            args.generation.seed,
            match calibrated {
                0 => "uncalibrated".to_string(),
                n if n == selected.len() => "calibrated".to_string(),
                n => format!("{n} of {} calibrated", selected.len()),
            }
        ),
        profiles: selected,
    })
}
