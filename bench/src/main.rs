//! `staffgraph-bench`: the benchmark harness (DESIGN.md §1), a binary of its own so that the
//! server never links it nor its HTTP client. It measures a server started on loopback over
//! the database against the minimal SQL for the same results; BENCHMARKS.md holds the figures
//! and how to reproduce them.
//!
//! # Layout
//! - `main.rs`: the flags, the report on stdout (and `--out`), the exit code.
//! - `harness`: the run — the server under test, bounded load, the report's table and checks.
//! - `scenarios`: the requests measured, each with its lower-bound SQL.
//! - `sql`: sqlx directly (the pool under the server's database), for the lower bounds.
//! - `copy`: import speed beside PostgreSQL's COPY.
//! - `peer`: PostGraphile v4 on the same PostgreSQL database, beside the server.
//! - `writes`: a principal's writes, each followed by the district's figures.
//! - `live`: idle WebSockets held, and a write delivered to many subscribers.
//!
//! It uses `api` for everything it measures and for the server itself: the server under test
//! is `staffgraph serve`, which this binary runs in a child process (a hidden `serve`
//! subcommand configured by the environment), so that the server's memory is its own.

/// The allocator of `staffgraph` (src/main.rs): the server under test is this binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod copy;
mod harness;
mod live;
mod peer;
mod scenarios;
mod sql;
mod writes;

use api::config::{DatabaseArgs, LogArgs};
use clap::{Parser, Subcommand};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Measure latency, throughput, SQL statements and memory of a fixed set of requests against a
/// server started on loopback over the database, each beside the minimal SQL for the same
/// result; optionally import speed beside PostgreSQL's COPY. Fails when statements per request
/// grow with the page size.
#[derive(Debug, Parser)]
#[command(name = "staffgraph-bench", version)]
struct Cli {
    #[command(flatten)]
    database: DatabaseArgs,

    #[command(flatten)]
    logging: LogArgs,

    /// Requests per request kind and concurrency level (at most).
    #[arg(long, default_value_t = 200)]
    requests: usize,

    /// Seconds per request kind and concurrency level (at most).
    #[arg(long, default_value_t = 20)]
    max_seconds: u64,

    /// Concurrency levels, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8,64")]
    clients: Vec<usize>,

    /// A directory of import files to time (into a scratch database) beside COPY.
    #[arg(long)]
    import_dir: Option<PathBuf>,

    /// With `--import-dir`: only the import beside COPY (the database named needs no data;
    /// the import goes to a scratch database beside it).
    #[arg(long, requires = "import_dir")]
    import_only: bool,

    /// Idle WebSockets to open and hold (the subscriptions' section).
    #[arg(long, default_value_t = 10_000)]
    sockets: usize,

    /// Subscribers of one school's administrations each write is delivered to.
    #[arg(long, default_value_t = 1_000)]
    subscribers: usize,

    /// Only the requests whose names contain one of these (comma-separated), e.g.
    /// `--only "HR overdue,node"`: the table of requests alone — PostGraphile, the writes and the
    /// subscriptions are left out. For measuring one change quickly.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,

    /// Append the report (Markdown) to this file as well.
    #[arg(long)]
    out: Option<PathBuf>,

    /// Only the harness itself names one.
    #[command(subcommand)]
    internal: Option<Internal>,
}

/// What the harness runs of this binary in a child process.
#[derive(Debug, Subcommand)]
enum Internal {
    /// `staffgraph serve` configured by the environment (DATABASE_URL, STAFFGRAPH_BIND,
    /// STAFFGRAPH_JWT_SECRET, …): the server under test.
    #[command(hide = true)]
    Serve,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Internal::Serve) = cli.internal {
        // Exactly `staffgraph serve`, its settings read from the environment the harness gave
        // this child process.
        return api::cli::main_from(["staffgraph", "serve"]).await;
    }
    api::telemetry::init(&cli.logging);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Measures, prints the report (and appends it to `--out`), and fails when statements per
/// request grow with the page size.
async fn run(cli: Cli) -> anyhow::Result<()> {
    let options = harness::Options {
        requests: cli.requests.max(1),
        max_time: Duration::from_secs(cli.max_seconds.max(1)),
        clients: cli.clients.into_iter().filter(|c| *c > 0).collect(),
        import_dir: cli.import_dir,
        sockets: cli.sockets,
        subscribers: cli.subscribers.max(1),
        only: cli.only,
    };
    let (report, statements_constant) = match (&options.import_dir, cli.import_only) {
        (Some(dir), true) => (copy::compare(&cli.database.target(), dir).await?, true),
        _ => harness::run(&cli.database.target(), &options).await?,
    };
    print!("{report}");
    if let Some(out) = cli.out {
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&out)?;
        writeln!(file, "{report}")?;
    }
    anyhow::ensure!(statements_constant, "statements per request grow with the page size");
    Ok(())
}
