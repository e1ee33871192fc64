//! Reading what the user gives: policy directories, populations, overrides, households.
//!
//! Population files are read into memory, not mapped: a mapped file that another program
//! truncates during a run kills the process (SIGBUS) instead of giving an error. Before a file is
//! opened it must be a regular file (a FIFO without a writer would block forever, a device reads
//! without end), and a load reads at most `--max-input-mb` MiB (4 GiB by default; 1 000 000
//! households are 91 MB) from both files together, so that no input can exhaust the memory.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use slieksnis_engine::annual::Behaviour;
use slieksnis_engine::assumptions::{self, Assumptions};
use slieksnis_engine::csv_load::{Limits, LoadReport, Source};
use slieksnis_engine::date::PROJECTED_YEARS;
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
                let text = read_text(&path)?;
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

/// Bounds on population input, from `--max-input-mb` and `--max-line-kb`.
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    /// The most bytes one load reads, both files together.
    pub max_input_bytes: u64,
    pub max_line_bytes: usize,
}

/// The defaults: 4096 MiB a load, 1024 KiB a line.
pub const MAX_INPUT_MB: u64 = 4096;
pub const MAX_LINE_KB: usize = 1024;

static INPUT_LIMITS: OnceLock<InputLimits> = OnceLock::new();

/// Sets the bounds for this process (once, from the command line).
pub fn set_input_limits(limits: InputLimits) {
    let _ = INPUT_LIMITS.set(limits);
}

fn input_limits() -> InputLimits {
    *INPUT_LIMITS.get_or_init(|| InputLimits {
        max_input_bytes: MAX_INPUT_MB << 20,
        max_line_bytes: MAX_LINE_KB << 10,
    })
}

/// Loads `dir/households.csv` and `dir/persons.csv`, reporting time and ignored columns.
pub fn population(dir: &Path, quiet: bool) -> Result<Arc<Population>> {
    let started = Instant::now();
    if !dir.is_dir() {
        bail!(
            "{}: no such population directory (it needs households.csv and persons.csv)",
            dir.display()
        );
    }
    let limits = input_limits();
    let mut left = limits.max_input_bytes;
    let hp = dir.join("households.csv");
    let hb = read_bounded(
        &hp,
        &mut left,
        limits.max_input_bytes,
        Allowance::Population(None),
    )?;
    let pp = dir.join("persons.csv");
    let pb = read_bounded(
        &pp,
        &mut left,
        limits.max_input_bytes,
        Allowance::Population(Some(&hp)),
    )?;
    let slugs = known_slugs();
    let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let (hn, pn) = (hp.display().to_string(), pp.display().to_string());
    let (population, report): (Population, LoadReport) =
        slieksnis_engine::csv_load::load_with_limits(
            Source {
                name: &hn,
                bytes: &hb,
            },
            Source {
                name: &pn,
                bytes: &pb,
            },
            &known,
            &Limits {
                max_line_bytes: limits.max_line_bytes,
                raise_line_limit: Some("raise it with --max-line-kb N"),
            },
        )
        .map_err(|e| anyhow!("{e}"))?;
    if !quiet {
        // A header of thousands of unknown columns is not a thousand notes.
        const NOTES: usize = 10;
        for (file, column) in report.ignored_columns.iter().take(NOTES) {
            eprintln!("note: {file}: column '{}' is not used", shorten(column));
        }
        if report.ignored_columns.len() > NOTES {
            eprintln!(
                "note: and {} more columns that are not used",
                report.ignored_columns.len() - NOTES
            );
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

/// What a limit on reading covers, for its message.
enum Allowance<'a> {
    /// The files of one population load; the file read before this one.
    Population(Option<&'a Path>),
    /// One file.
    File,
}

/// Reads the regular file `path` whole, at most `left` bytes (then less by what it read).
/// `limit` is the whole allowance, `--max-input-mb`.
fn read_bounded(path: &Path, left: &mut u64, limit: u64, allowance: Allowance) -> Result<Vec<u8>> {
    let cannot = |e: std::io::Error| anyhow!("{}: cannot read: {e}", path.display());
    // Checked before opening: opening a FIFO waits for a writer, opening a device may do
    // anything the device does.
    not_regular(path, &std::fs::metadata(path).map_err(cannot)?)?;
    let mut file = open_nonblocking(path).map_err(cannot)?;
    // And again on what was opened, in case the name was replaced in between.
    let metadata = file.metadata().map_err(cannot)?;
    not_regular(path, &metadata)?;
    let too_large = |size: u64| {
        let what = match allowance {
            Allowance::Population(Some(before)) if *left < limit => format!(
                "more than a load reads (with the {} MiB of {}): at most {} MiB of population \
                 files together",
                mib(limit - *left),
                before.display(),
                limit >> 20
            ),
            Allowance::Population(_) => format!(
                "more than a load reads: at most {} MiB of population files together",
                limit >> 20
            ),
            Allowance::File => format!("more than the {} MiB an input file may have", limit >> 20),
        };
        anyhow!(
            "{}: is {} MiB, {what}; raise it with --max-input-mb N",
            path.display(),
            mib(size),
        )
    };
    if metadata.len() > *left {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // One byte more than allowed tells a file that grew since its size was read.
    (&mut file)
        .take(*left + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > *left {
        return Err(too_large(bytes.len() as u64));
    }
    *left -= bytes.len() as u64;
    Ok(bytes)
}

/// A text file (of a policy or profiles directory), with the checks of a population file: a
/// regular file of at most `--max-input-mb`.
pub fn read_text(path: &Path) -> Result<String> {
    let limit = input_limits().max_input_bytes;
    let bytes = read_bounded(path, &mut { limit }, limit, Allowance::File)?;
    String::from_utf8(bytes).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))
}

/// Sizes in messages: MiB with one decimal.
fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1u64 << 20) as f64)
}

/// Refuses what is not a regular file, saying what it is.
fn not_regular(path: &Path, metadata: &std::fs::Metadata) -> Result<()> {
    let t = metadata.file_type();
    if t.is_file() {
        return Ok(());
    }
    let what = if t.is_dir() {
        "a directory"
    } else {
        special_kind(&t)
    };
    bail!("{}: is {what}, not a regular file", path.display())
}

#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "something else"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "something else"
}

/// Opens for reading without waiting: a FIFO that slipped past the check opens at once (and
/// is refused), instead of blocking until some program writes to it. Reads of a regular file
/// are not affected by O_NONBLOCK.
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Input text as repeated in a message: at most 80 characters, then "…".
fn shorten(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
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

/// The policy's assumptions with `--assume NAME=VALUE` settings (`settings`, as given) applied,
/// for a run of `year`. Setting one for a year the rules are written for changes nothing, and
/// says so once (unless `quiet`). A projected year needs the policy's `assumptions.toml`.
pub(crate) fn assumptions(
    policy: &Policy,
    settings: &[String],
    year: i32,
    quiet: bool,
) -> Result<Assumptions> {
    let projected = PROJECTED_YEARS.contains(&year);
    let mut out = if projected {
        policy.assumptions().map_err(|e| anyhow!("{e}"))?.clone()
    } else {
        policy.assumptions.clone().unwrap_or_default()
    };
    for s in settings {
        let (name, value) =
            assumptions::parse_setting(s).map_err(|m| anyhow!("--assume {s}: {m}"))?;
        if policy.assumptions.is_some() {
            out.set(&name, value, &format!("--assume {s}"))
                .map_err(|m| anyhow!("--assume {s}: {m}"))?;
        }
    }
    if !settings.is_empty() && !projected && !quiet {
        note_not_projected(year);
    }
    Ok(out)
}

/// The note for assumptions set for a year that runs on written rules.
pub(crate) fn note_not_projected(year: i32) {
    eprintln!(
        "note: assumptions apply only to projected years ({}–{}); {year} runs on the rules as written",
        PROJECTED_YEARS.start(),
        PROJECTED_YEARS.end()
    );
}

/// The policy's parameters for a run of `year`: as written, or for a projected year with the
/// values the assumptions grow added (before any `--set`, which then replaces them).
pub(crate) fn projected_parameters(
    policy: &Policy,
    year: i32,
    assumptions: &Assumptions,
) -> Result<ParameterSet> {
    if PROJECTED_YEARS.contains(&year) {
        policy
            .parameters
            .projected(year, assumptions)
            .map_err(|e| anyhow!("{e}"))
    } else {
        Ok(policy.parameters.clone())
    }
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
    /// For a projected year, the profiles before they were aged (bands age them again with
    /// each replicate's assumptions); else empty.
    pub unaged: Vec<Profile>,
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

    /// Marks every row of a projected year's summary (the total too) with the assumptions it
    /// rests on (`assumptions::row_labels`); a year the rules are written for is left as it is.
    pub fn label_projected(&self, summary: &mut Summary, assumptions: &Assumptions, year: i32) {
        let labels = assumptions::row_labels(assumptions, year, !self.profiles.is_empty());
        for row in summary
            .rows
            .iter_mut()
            .chain(std::iter::once(&mut summary.total))
        {
            row.assumed.extend(labels.iter().cloned());
        }
    }

    /// `year` in words for a table header: for a projected year, what it rests on.
    pub fn year_text(
        &self,
        policy: &Policy,
        params: &ParameterSet,
        assumptions: &Assumptions,
        year: i32,
    ) -> String {
        assumptions::describe(
            &policy.parameters,
            params,
            year,
            assumptions,
            !self.profiles.is_empty(),
        )
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
    if which == "all" {
        return profiles.all().map_err(|e| anyhow!("{e}"));
    }
    let slugs = profiles.slugs();
    if !slugs.iter().any(|s| s == which) {
        let known: Vec<&str> = slugs.iter().map(String::as_str).collect();
        bail!(
            "{}",
            slieksnis_engine::population::unknown_municipality(which, &known)
        );
    }
    let all = profiles.with_merged(which).map_err(|e| anyhow!("{e}"))?;
    let own = all
        .iter()
        .find(|p| p.slug == which)
        .expect("with_merged has the council's own profile");
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

/// The households of a run for `year`: loaded from a directory, or generated — for a
/// projected year aged by the embedded policy's default assumptions ([`households_aged`] takes
/// others).
pub fn households(args: &PopulationArgs, year: i32, quiet: bool) -> Result<Households> {
    let defaults = match PROJECTED_YEARS.contains(&year) {
        true => {
            let files = policy::builtin();
            let text = files.get(assumptions::FILE).map_or("", String::as_str);
            Assumptions::parse(assumptions::FILE, text).map_err(|e| anyhow!("{e}"))?
        }
        false => Assumptions::default(),
    };
    households_aged(args, year, quiet, &defaults)
}

/// The households of a run for `year`, generated from profiles aged to a projected year by
/// `assumptions` (`Profile::aged`: wages, pensions, the minimum wage, housing costs); a
/// population from files is taken as written (its rows are labelled not aged,
/// [`Households::label_projected`]).
pub fn households_aged(
    args: &PopulationArgs,
    year: i32,
    quiet: bool,
    assumptions: &Assumptions,
) -> Result<Households> {
    if let Some(dir) = &args.population {
        return Ok(Households {
            population: population(dir, quiet)?,
            profiles: Vec::new(),
            unaged: Vec::new(),
            label: format!("population {}", dir.display()),
        });
    }
    let which = args
        .municipality
        .as_deref()
        .expect("clap requires one source");
    let started = Instant::now();
    let profiles = profiles(args.generation.profiles.as_deref())?;
    let mut selected = select_profiles(&profiles, which, year)?;
    let mut unaged = Vec::new();
    if PROJECTED_YEARS.contains(&year) {
        unaged = selected.clone();
        for p in &mut selected {
            *p = p.aged(year, assumptions);
        }
    }
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
        n if n == selected.len() => {
            "; scaled to the national caseload, leaned by unemployment as fitted councils differ"
                .to_string()
        }
        _ => "; the others scaled to the national caseload, leaned by unemployment".to_string(),
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
        unaged,
    })
}
