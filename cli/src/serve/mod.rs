//! `slieksnis serve`: the local web app. Three pages — "Ko darīt, ja / What if" (a council's
//! year under moved sliders), "Mājsaimniecības kalkulators / Household calculator" (one
//! household, its explanation and its cliffs) and "Apmācība / Training" (exercises: predict a
//! household's status and benefits, see the rules' answer and why, a score and the rule
//! branches met) — over a JSON API (`docs/api.md`, `GET /api`).
//!
//! Everything the browser loads is in the binary (`pages/`, `include_str!`): nothing comes from
//! the network. The server binds to 127.0.0.1 unless told otherwise. The engine stays data in,
//! data out: HTTP lives here (`api`), the computations in `work`, which call what the commands
//! call.

mod api;
pub mod training;
pub mod work;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

/// Start the web app: What-if, the household calculator and training, in Latvian (?lang=en: English).
#[derive(Args)]
#[command(after_help = "\
Examples:
  slieksnis serve                      # http://127.0.0.1:8080/
  slieksnis serve --port 9000
  slieksnis serve --port 0             # any free port; the address is printed on stdout
  slieksnis serve --bind 0.0.0.0       # every interface (a warning: anyone who reaches it can use it)

Pages: / (Ko darīt, ja / What if), /household (Mājsaimniecības kalkulators / Household
calculator), /training (Apmācība / Training); ?lang=en for English. The API is described at /api and in docs/api.md:
  curl -s localhost:8080/api/run -d '{\"municipality\":\"tukuma-novads\",\"year\":2026,
       \"set\":{\"municipalities.tukuma-novads.low_income.pct\":\"0.5\"}}'
  curl -s 'localhost:8080/api/parameters?municipality=tukuma-novads&year=2026'

The first request for a council, year and seed generates its households (cached, with the
baseline, for the next requests): a slider move then reruns only the rules.")]
pub struct ServeArgs {
    /// The port to listen on; 0 picks a free one (printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The address to listen on. Anything but a loopback address opens the app to the network.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Runs computed at once (each uses every core); more requests wait, and past a queue of
    /// 256 get 503.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    runs: u32,
    /// Policy directory (default: the embedded policy).
    #[arg(long, value_name = "DIR")]
    policy: Option<PathBuf>,
}

pub fn serve(a: ServeArgs) -> Result<ExitCode> {
    let policy = crate::input::policy(a.policy.as_deref())?;
    if !a.bind.is_loopback() {
        eprintln!(
            "warning: listening on {}, not a loopback address: anyone who can reach this machine can use the app",
            a.bind
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Blocking threads wait for a permit first, so few are ever busy at once.
        .max_blocking_threads(64)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(a.bind, a.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", a.bind, a.port))?;
        let addr = listener.local_addr()?;
        // The first line of stdout: tests (and scripts) read the address from it.
        println!("listening on http://{addr}/");
        use std::io::Write;
        std::io::stdout().flush()?;
        let app = api::router(policy, a.runs as usize);
        axum::serve(listener, app)
            .await
            .context("the server stopped")?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
