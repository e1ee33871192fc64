//! `slieksnis`: the command line. It owns files, the terminal, threads and exit codes; the
//! engine crate does the rest.
//!
//! Exit codes: 0 success, 1 bad input or a failing rule (the message names the file, line and
//! column where there is one), 2 usage errors (clap). A closed pipe is not an error.

mod bands;
mod breakdown;
mod commands;
mod csv_lv;
mod input;
mod output;
mod report;
mod serve;
mod spreadsheet;
mod staged;
mod sweep;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Examples:
  slieksnis run --municipality ogres-novads --year 2026 --out out/ogre-2026
  slieksnis run --population populations/sample --period 2026-01 --out out/run
  slieksnis compare scenarios/ogre-low-income-60.toml
  slieksnis report scenarios/ogre-2026-low-income-60.toml --out out/ogre.html
  slieksnis explain --population populations/small --id 3 --period 2025-03 --lang lv
  slieksnis test policies/
  slieksnis sweep --municipality tukuma-novads --year 2026 \\
      --param municipalities.tukuma-novads.low_income.pct --from 0.5 --to 0.8 --step 0.01
  slieksnis solve --municipality tukuma-novads --year 2026 \\
      --param municipalities.tukuma-novads.low_income.pct --measure municipal_net_eur --at-most 900000
  slieksnis serve                      # the web app on http://127.0.0.1:8080/

Rules and parameters come from the policy embedded in the binary (a copy of policies/),
or from --policy DIR.";

/// What-if simulator for Latvian municipal social assistance: needy and low-income status,
/// the guaranteed-minimum-income (GMI) benefit and the housing benefit, per municipality,
/// with gross cost, state co-financing and municipal net cost.
#[derive(Parser)]
#[command(name = "slieksnis", version, after_help = AFTER_HELP)]
struct Cli {
    /// Worker threads, 1 to 256 (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "N", value_parser = parse_threads)]
    threads: Option<usize>,
    /// The most MiB a population load reads, households.csv and persons.csv together (1 000 000
    /// households are about 91 MiB); also the most a policy or profile file may have.
    #[arg(long, global = true, value_name = "MiB", default_value_t = input::MAX_INPUT_MB,
          value_parser = clap::value_parser!(u64).range(1..=(u64::MAX >> 20)))]
    max_input_mb: u64,
    /// The longest line a population file may have, in KiB (a row is a few dozen bytes).
    #[arg(long, global = true, value_name = "KiB", default_value_t = input::MAX_LINE_KB,
          value_parser = parse_line_kb)]
    max_line_kb: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(commands::RunArgs),
    Generate(commands::GenerateArgs),
    Calibrate(commands::CalibrateArgs),
    Compare(commands::CompareArgs),
    Report(commands::ReportArgs),
    Explain(commands::ExplainArgs),
    Test(commands::TestArgs),
    Params(commands::ParamsArgs),
    Validate(validate::ValidateArgs),
    Sweep(sweep::SweepArgs),
    Solve(sweep::SolveArgs),
    Serve(serve::ServeArgs),
}

/// The most worker threads: more than a machine has cores only costs time (5 000 threads take
/// tens of seconds to start) and memory.
const MAX_THREADS: usize = 256;

fn parse_threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{s}' is not a thread count from 1 to {MAX_THREADS} (this machine has {} cores)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        )),
    }
}

fn parse_line_kb(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 && n.checked_mul(1024).is_some() => Ok(n),
        _ => Err(format!("'{s}' is not a whole number of KiB from 1")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    input::set_input_limits(input::InputLimits {
        max_input_bytes: cli.max_input_mb << 20,
        max_line_bytes: cli.max_line_kb << 10,
    });
    if let Some(n) = cli.threads
        && let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
    {
        eprintln!("error: cannot start {n} threads: {e}");
        return ExitCode::from(1);
    }
    let result = match cli.command {
        Command::Run(a) => commands::run(a),
        Command::Generate(a) => commands::generate(a),
        Command::Calibrate(a) => commands::calibrate(a),
        Command::Compare(a) => commands::compare(a),
        Command::Report(a) => commands::report_scenario(a),
        Command::Explain(a) => commands::explain(a),
        Command::Test(a) => commands::test(a),
        Command::Params(a) => commands::params(a),
        Command::Validate(a) => validate::validate(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Solve(a) => sweep::solve(a),
        Command::Serve(a) => serve::serve(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
