//! `slieksnis`: the command line. It owns files, the terminal, threads and exit codes; the
//! engine crate does the rest.
//!
//! Exit codes: 0 success, 1 bad input or a failing rule (the message names the file, line and
//! column where there is one), 2 usage errors (clap). A closed pipe is not an error.

mod commands;
mod input;
mod output;
mod staged;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Examples:
  slieksnis run --municipality ogres-novads --year 2026 --out out/ogre-2026
  slieksnis run --population populations/sample --period 2026-01 --out out/run
  slieksnis compare scenarios/ogre-low-income-60.toml
  slieksnis explain --population populations/small --id 3 --period 2025-03 --lang lv
  slieksnis test policies/

Rules and parameters come from the policy embedded in the binary (a copy of policies/),
or from --policy DIR.";

/// What-if simulator for Latvian municipal social assistance: needy and low-income status,
/// the guaranteed-minimum-income (GMI) benefit and the housing benefit, per municipality,
/// with gross cost, state co-financing and municipal net cost.
#[derive(Parser)]
#[command(name = "slieksnis", version, after_help = AFTER_HELP)]
struct Cli {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(commands::RunArgs),
    Generate(commands::GenerateArgs),
    Calibrate(commands::CalibrateArgs),
    Compare(commands::CompareArgs),
    Explain(commands::ExplainArgs),
    Test(commands::TestArgs),
    Params(commands::ParamsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
        {
            eprintln!("error: cannot start {n} threads: {e}");
            return ExitCode::from(1);
        }
    }
    let result = match cli.command {
        Command::Run(a) => commands::run(a),
        Command::Generate(a) => commands::generate(a),
        Command::Calibrate(a) => commands::calibrate(a),
        Command::Compare(a) => commands::compare(a),
        Command::Explain(a) => commands::explain(a),
        Command::Test(a) => commands::test(a),
        Command::Params(a) => commands::params(a),
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
