//! The run: latency, throughput and SQL statements of a fixed set of realistic requests
//! against a live server on loopback, each beside its lower bound (the same result by minimal
//! hand-written SQL through sqlx, timed in the same run), the server's peak memory, and import
//! speed beside PostgreSQL's COPY. Every loop is bounded in requests and in time, and only
//! 127.0.0.1 is ever contacted.

use crate::scenarios::{self, Scenario, Targets};
use crate::sql::Pool;
use api::auth::policy::scope_for;
use api::auth::token::{Claims, Keys};
use api::auth::{Role, Viewer};
use api::calendar::SchoolYear;
use api::config::DatabaseTarget;
use api::graphql::RequestContext;
use api::measures::service::Run;
use api::sql::Dialect;
use std::fmt::Write as _;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How much to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests per scenario and concurrency level (at most).
    pub requests: usize,
    /// Time per scenario and concurrency level (at most).
    pub max_time: Duration,
    /// The concurrency levels.
    pub clients: Vec<usize>,
    /// A directory of import files to time against COPY (PostgreSQL) and alone (SQLite).
    pub import_dir: Option<PathBuf>,
    /// Idle WebSockets to open and hold.
    pub sockets: usize,
    /// Subscribers a write is delivered to.
    pub subscribers: usize,
    /// When not empty, only the requests whose names contain one of these, and none of the
    /// sections after the table.
    pub only: Vec<String>,
}

/// Latencies of a bounded run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stats {
    pub(crate) p50: Duration,
    pub(crate) p95: Duration,
    pub(crate) p99: Duration,
    pub(crate) per_second: f64,
    count: usize,
    /// Requests that failed (an error response, a pool timeout): not in the latencies.
    failed: usize,
}

impl Stats {
    pub(crate) fn of(mut latencies: Vec<Duration>, failed: usize, elapsed: Duration) -> Self {
        latencies.sort();
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .copied()
                .unwrap_or_default()
        };
        Self {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            per_second: latencies.len() as f64 / elapsed.as_secs_f64().max(1e-9),
            count: latencies.len(),
            failed,
        }
    }
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Runs `request` `requests` times (or until `max_time`) from `clients` concurrent tasks.
async fn measure<F, Fut>(clients: usize, requests: usize, max_time: Duration, request: F) -> anyhow::Result<Stats>
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (issued, request) = (issued.clone(), request.clone());
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut failed) = (Vec::new(), 0);
            while issued.fetch_add(1, Ordering::Relaxed) < requests && started.elapsed() < max_time {
                let sent = Instant::now();
                match request().await {
                    Ok(()) => latencies.push(sent.elapsed()),
                    Err(error) => {
                        tracing::warn!(error = format!("{error:#}"), "request failed");
                        failed += 1;
                    }
                }
            }
            (latencies, failed)
        }));
    }
    let (mut all, mut failed) = (Vec::with_capacity(requests), 0);
    for task in tasks {
        let (latencies, failures) = task.await?;
        all.extend(latencies);
        failed += failures;
    }
    Ok(Stats::of(all, failed, started.elapsed()))
}

/// The server under test: `staffgraph serve`, run by this binary's hidden `serve` subcommand
/// in a child process, so that its memory is its own.
struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    async fn start(database_url: &str, secret: &str) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = std::process::Command::new(std::env::current_exe()?)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("STAFFGRAPH_BIND", format!("127.0.0.1:{port}"))
            .env("STAFFGRAPH_JWT_SECRET", secret)
            .env("STAFFGRAPH_LOG", "warn")
            // The subscriptions' section holds its sockets as one principal.
            .env("STAFFGRAPH_WS_MAX_SOCKETS_PER_VIEWER", "100000")
            .stdout(std::process::Stdio::null())
            .spawn()?;
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(response) = client.get(format!("{}/ready", server.url)).send().await
                && response.status().is_success()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server did not become ready in 60 s")
    }

    /// Peak resident memory so far (Linux: VmHWM), in MiB.
    fn peak_memory_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn token(keys: &Keys, role: Role, targets: &Targets) -> anyhow::Result<String> {
    let (schools, employee) = match role {
        Role::Principal => (vec![targets.school.0.clone()], Some(targets.principal.clone())),
        _ => (Vec::new(), None),
    };
    let claims = Claims::new(role, schools, employee, Duration::from_secs(3600)).map_err(|e| anyhow::anyhow!("{e}"))?;
    keys.mint(&claims).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The SQL statements the server counted for a response (`x-sql-statements`).
pub(crate) fn statements_of(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get(api::http::STATEMENTS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_default()
}

/// POSTs the GraphQL request `body` to `url` (with `token` when there is one) as the harness
/// runs every request: from `clients` tasks, at most `options.requests` times or for
/// `options.max_time`. An HTTP failure or a GraphQL error (a pool timeout under load, say) is
/// a failed request.
pub(crate) async fn load(
    client: &reqwest::Client,
    url: &str,
    token: Option<String>,
    body: serde_json::Value,
    clients: usize,
    options: &Options,
) -> anyhow::Result<Stats> {
    let (client, url) = (client.clone(), url.to_owned());
    measure(clients, options.requests, options.max_time, move || {
        let (client, url, token, body) = (client.clone(), url.clone(), token.clone(), body.clone());
        async move {
            let mut request = client.post(url).json(&body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await?;
            anyhow::ensure!(response.status().is_success(), "HTTP {}", response.status());
            let body = response.bytes().await?;
            anyhow::ensure!(!body.windows(9).any(|w| w == b"\"errors\":"), "GraphQL errors");
            Ok(())
        }
    })
    .await
}

/// Sends a scenario once, checks it succeeds, and returns its statement count.
async fn probe(client: &reqwest::Client, url: &str, token: &str, scenario: &Scenario) -> anyhow::Result<u64> {
    let response = client
        .post(url)
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": scenario.query, "variables": scenario.variables }))
        .send()
        .await?;
    let statements = statements_of(&response);
    let body: serde_json::Value = response.json().await?;
    if let Some(errors) = body.get("errors") {
        anyhow::bail!("{}: {errors}", scenario.name);
    }
    Ok(statements)
}

/// `target` as every party of a run connects to it — the server, the lower bound's pool and
/// PostGraphile: on PostgreSQL without TLS unless the URL names an `sslmode`. node-postgres
/// connects in the clear when the URL names none, where sqlx negotiates TLS (`prefer`): on a
/// server with TLS enabled (Debian's default) staffgraph and the hand-written SQL paid for
/// encryption on every statement and PostGraphile did not.
fn one_transport(target: &DatabaseTarget) -> DatabaseTarget {
    let mut target = target.clone();
    if !target.is_sqlite() && !target.url.contains("sslmode=") {
        let separator = if target.url.contains('?') { '&' } else { '?' };
        target.url = format!("{}{separator}sslmode=disable", target.url);
    }
    target
}

/// Runs the benchmark against the database `target`; returns the report (Markdown) and
/// whether every check held (statements independent of page size).
pub async fn run(target: &DatabaseTarget, options: &Options) -> anyhow::Result<(String, bool)> {
    let target = &one_transport(target);
    let db = api::db::connect(target).await?;
    let pool = Pool::of(&db);
    let backend = match pool {
        Pool::Postgres(_) => "PostgreSQL",
        Pool::Sqlite(_) => "SQLite",
    };
    let targets = scenarios::targets(&pool).await?;
    let staff: i64 = pool.row("SELECT COUNT(*) FROM staff", &[]).await?.int(0)?.into();
    let schools = pool
        .row("SELECT COUNT(*) FROM organization WHERE kind = 'SCHOOL'", &[])
        .await?
        .int(0)?;
    let mut report = String::new();
    writeln!(
        report,
        "## {backend}: {schools} schools, {staff} staff\n\nTargets: school {} (principal {}), teacher {}; \
         {} requests or {:?} per scenario and concurrency, whichever ends first.\n",
        targets.school.0, targets.principal, targets.teacher, options.requests, options.max_time
    )?;

    // A fresh secret per run, as long as the server requires (32 bytes and more).
    let (keys, secret) = Keys::generate();
    let server = Server::start(&target.url, &secret).await?;
    let graphql_url = format!("{}/graphql", server.url);
    let client = reqwest::Client::builder().pool_max_idle_per_host(128).build()?;

    let dialect = Dialect::of(&db);
    let all = [
        scenarios::principal_page(&targets, 50),
        scenarios::overdue_supervisors(&targets, dialect),
        scenarios::district_measures(),
        scenarios::school_coverage(&targets),
        scenarios::teacher_evaluation(&targets),
        scenarios::node_batch(&targets),
    ];
    let all: Vec<Scenario> = all
        .into_iter()
        .filter(|s| options.only.is_empty() || options.only.iter().any(|o| s.name.contains(o.as_str())))
        .collect();
    writeln!(
        report,
        "| request | clients | GraphQL p50 / p95 / p99 ms | GraphQL req/s | SQL p50 / p95 / p99 ms | SQL req/s | p50 ratio | statements | failed (GraphQL / SQL) |"
    )?;
    writeln!(report, "|---|---:|---|---:|---|---:|---:|---:|---:|")?;
    let mut ratios_ok = true;
    for scenario in &all {
        let token = token(&keys, scenario.role, &targets)?;
        let statements = probe(&client, &graphql_url, &token, scenario).await?;
        for &clients in &options.clients {
            let body = serde_json::json!({ "query": scenario.query, "variables": scenario.variables });
            let graphql = load(&client, &graphql_url, Some(token.clone()), body, clients, options).await?;
            let lower = if scenario.sql.is_empty() {
                measures_lower_bound(&db, clients, options).await?
            } else {
                let (pool, statements) = (pool.clone(), Arc::new(scenario.sql.clone()));
                measure(clients, options.requests, options.max_time, move || {
                    let (pool, statements) = (pool.clone(), statements.clone());
                    async move {
                        for (sql, binds) in statements.iter() {
                            pool.fetch(sql, binds).await?;
                        }
                        Ok(())
                    }
                })
                .await?
            };
            let ratio = graphql.p50.as_secs_f64() / lower.p50.as_secs_f64().max(1e-9);
            if ratio > 1.5 {
                ratios_ok = false;
            }
            writeln!(
                report,
                "| {} | {clients} | {} / {} / {} | {:.0} | {} / {} / {} | {:.0} | {ratio:.2} | {statements} | {} / {} |",
                scenario.name,
                ms(graphql.p50),
                ms(graphql.p95),
                ms(graphql.p99),
                graphql.per_second,
                ms(lower.p50),
                ms(lower.p95),
                ms(lower.p99),
                lower.per_second,
                graphql.failed,
                lower.failed,
            )?;
            tracing::info!(scenario = scenario.name, clients, requests = graphql.count, "measured");
        }
    }

    // Statements must not grow with the page size.
    let principal = token(&keys, Role::Principal, &targets)?;
    let mut by_page = Vec::new();
    for first in [5, 20, 50, 100] {
        let statements = probe(
            &client,
            &graphql_url,
            &principal,
            &scenarios::principal_page(&targets, first),
        )
        .await?;
        by_page.push((first, statements));
    }
    let constant = by_page.windows(2).all(|w| w[0].1 == w[1].1);
    let pages: Vec<String> = by_page.iter().map(|(f, s)| format!("first {f}: {s}")).collect();
    writeln!(
        report,
        "\nStatements of the principal's page by page size: {} — {}.",
        pages.join(", "),
        if constant {
            "independent of page size"
        } else {
            "GROWS WITH PAGE SIZE"
        }
    )?;
    match server.peak_memory_mib() {
        Some(mib) => writeln!(report, "Server peak memory (VmHWM) over the run: {mib:.0} MiB.")?,
        None => writeln!(report, "Server peak memory: not available on this platform.")?,
    }
    writeln!(
        report,
        "GraphQL ÷ SQL at p50 ≤ 1.5 for every row: {}.",
        if ratios_ok { "yes" } else { "no (see the ratio column)" }
    )?;
    if !options.only.is_empty() {
        writeln!(
            report,
            "Only the requests named by `--only` were measured: not PostGraphile, the writes or the subscriptions."
        )?;
        return Ok((report, constant));
    }
    if matches!(pool, Pool::Postgres(_)) {
        report.push_str(&crate::peer::compare(&client, &graphql_url, &keys, &targets, &target.url, options).await?);
    }
    report.push_str(
        &crate::writes::write_then_read(&client, &graphql_url, &keys, &targets, &db, options.requests.min(50)).await?,
    );
    report.push_str(
        &crate::live::held_and_delivered(
            &client,
            (&server.url, server.child.id()),
            &keys,
            &targets,
            &db,
            options.sockets,
            options.subscribers,
            options.requests.clamp(1, 5),
        )
        .await?,
    );
    drop(server);

    if let Some(dir) = &options.import_dir {
        report.push('\n');
        report.push_str(&crate::copy::compare(target, dir).await?);
    }
    Ok((report, constant))
}

/// The lower bound of `planMeasures`: the measures' own statements (one per measure with its
/// breakdown, one per prior year), run in-process without GraphQL or HTTP.
async fn measures_lower_bound(
    db: &sea_orm::DatabaseConnection,
    clients: usize,
    options: &Options,
) -> anyhow::Result<Stats> {
    let db = db.clone();
    measure(clients, options.requests, options.max_time, move || {
        let db = db.clone();
        async move {
            let request = RequestContext::new(&db, Viewer::admin());
            let scope = scope_for(&request.db, &request.viewer, None).await?;
            let year = SchoolYear::parse(scenarios::YEAR, "schoolYear")?;
            Run::new(&db, year, year.default_as_of(), &scope)
                .plan_measures(&[])
                .await?;
            Ok(())
        }
    })
    .await
}
