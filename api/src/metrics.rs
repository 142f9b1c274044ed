//! What the server counts, in Prometheus's text format at `/metrics` (issue 14): requests by
//! operation and outcome with their latency, SQL statements, the pool's connections, the queue
//! of measure runs, imported rows. Recorded with the `metrics` crate's macros; one recorder per
//! process (`metrics-exporter-prometheus`), installed on first use.

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// GraphQL requests, by `operation` and `outcome`.
pub const REQUESTS: &str = "staffgraph_graphql_requests_total";
/// Their latency, by `outcome`.
pub const LATENCY: &str = "staffgraph_graphql_request_duration_seconds";
/// SQL statements the requests ran.
pub const STATEMENTS: &str = "staffgraph_sql_statements_total";
/// Pool connections, by `state` (`in_use`, `idle`).
pub const POOL: &str = "staffgraph_db_pool_connections";
/// `planMeasures` runs, by `queue` (`signed_in`, `anonymous`: counted from the rows;
/// `signed_in_counted`, `anonymous_counted`: served from the maintained counts) and `state`
/// (`running`, `waiting`).
pub const MEASURE_QUEUE: &str = "staffgraph_measure_runs";
/// Requests without a token in the public's lane, by `state` (`running`, `waiting`).
pub const PUBLIC_LANE: &str = "staffgraph_public_requests";
/// The subscriptions' side, by `state`: `sockets` (open WebSockets on `/graphql/ws`) and
/// `subscriptions` (change-event receivers: one per running subscription).
pub const LIVE: &str = "staffgraph_live";
/// Rows of imported files, by `kind` and `outcome` (`inserted`, `updated`, `unchanged`).
pub const IMPORT_ROWS: &str = "staffgraph_import_rows_total";

/// The most distinct operation names kept as labels; later ones count as `other`, so that a
/// client inventing names cannot grow the server's memory.
const MAX_OPERATION_NAMES: usize = 200;

fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(metrics_exporter_prometheus::Matcher::Full(LATENCY.to_owned()), &buckets)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder already installed (a test process embedding several servers):
        // this handle then renders what was recorded through ours only.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Installs the recorder (a no-op after the first call).
pub fn install() {
    let _ = handle();
}

/// The label of an operation name: the name when it is a plain identifier among the first
/// names seen, `anonymous` without one, `other` beyond.
pub fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return "anonymous".to_owned();
    };
    let plain = name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !plain {
        return "other".to_owned();
    }
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if seen.contains(name) || seen.len() < MAX_OPERATION_NAMES {
        seen.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

/// Records a finished GraphQL request.
pub fn request(operation: &str, outcome: &'static str, seconds: f64, statements: u64) {
    metrics::counter!(REQUESTS, "operation" => operation.to_owned(), "outcome" => outcome).increment(1);
    metrics::histogram!(LATENCY, "outcome" => outcome).record(seconds);
    metrics::counter!(STATEMENTS).increment(statements);
}

/// Records an imported file's rows.
pub fn imported(kind: &'static str, inserted: u64, updated: u64, unchanged: u64) {
    for (outcome, rows) in [("inserted", inserted), ("updated", updated), ("unchanged", unchanged)] {
        metrics::counter!(IMPORT_ROWS, "kind" => kind, "outcome" => outcome).increment(rows);
    }
}

/// The text of `/metrics`: the gauges read now (the pool, the measure queue), then everything.
pub fn render(
    db: &DatabaseConnection,
    queue: [(&'static str, usize, usize); 4],
    public: (usize, usize),
    live: (usize, usize),
) -> String {
    let (size, idle) = pool(db);
    metrics::gauge!(POOL, "state" => "in_use").set(size.saturating_sub(idle) as f64);
    metrics::gauge!(POOL, "state" => "idle").set(idle as f64);
    for (name, running, waiting) in queue {
        metrics::gauge!(MEASURE_QUEUE, "queue" => name, "state" => "running").set(running as f64);
        metrics::gauge!(MEASURE_QUEUE, "queue" => name, "state" => "waiting").set(waiting as f64);
    }
    metrics::gauge!(PUBLIC_LANE, "state" => "running").set(public.0 as f64);
    metrics::gauge!(PUBLIC_LANE, "state" => "waiting").set(public.1 as f64);
    metrics::gauge!(LIVE, "state" => "sockets").set(live.0 as f64);
    metrics::gauge!(LIVE, "state" => "subscriptions").set(live.1 as f64);
    handle().render()
}

/// The pool's (open, idle) connections.
fn pool(db: &DatabaseConnection) -> (usize, usize) {
    // The backend names the pool's kind, so neither getter can panic.
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size() as usize, pool.num_idle())
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size() as usize, pool.num_idle())
        }
        _ => (0, 0),
    }
}
