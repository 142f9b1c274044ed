//! The benchmark harness itself, briefly, on the demo district: every request it measures
//! must keep succeeding and its report must keep its shape. (The figures are BENCHMARKS.md's,
//! measured at full size; a test asserts no timing.) It runs on SQLite and on PostgreSQL, each
//! on a fresh database, as the server's tests do (`tests/api/helpers.rs`).

// A failed test should panic with its cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::config::DatabaseTarget;
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

mod the_harness_measures_every_request_and_the_import_without_a_failure {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::the_harness_measures_every_request_and_the_import_without_a_failure(super::Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs PostgreSQL: set STAFFGRAPH_TEST_POSTGRES and pass -- --include-ignored"]
    async fn postgres() {
        super::the_harness_measures_every_request_and_the_import_without_a_failure(super::Backend::Postgres).await
    }
}

const REQUESTS: [&str; 6] = [
    "principal school page",
    "HR overdue supervisors",
    "district planMeasures",
    "school sfsCoverage with missing classrooms",
    "teacher evaluation with ratings",
    "batch of 50 node lookups",
];

async fn the_harness_measures_every_request_and_the_import_without_a_failure(backend: Backend) {
    let database = FreshDb::new(backend).await;
    let files = tempfile::tempdir().unwrap();
    {
        let db = api::db::connect(&database.target).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        api::seed::seed_demo(&db, api::cli::DEMO_SEED).await.unwrap();
        api::import::export_dir(&db, files.path()).await.unwrap();
        db.close().await.unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let report_file = out.path().join("report.md");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_staffgraph-bench"))
        .args(["--requests", "4", "--max-seconds", "5", "--clients", "1,3"])
        .args(["--sockets", "200", "--subscribers", "20"])
        .arg("--import-dir")
        .arg(files.path())
        .arg("--out")
        .arg(&report_file)
        .env("DATABASE_URL", &database.target.url)
        .env("STAFFGRAPH_LOG", "warn")
        .output()
        .expect("staffgraph-bench runs");
    assert!(
        output.status.success(),
        "staffgraph-bench failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = String::from_utf8_lossy(&output.stdout);

    for request in REQUESTS {
        let rows: Vec<&str> = report
            .lines()
            .filter(|line| line.starts_with(&format!("| {request} |")))
            .collect();
        assert_eq!(rows.len(), 2, "{request}: one row per concurrency level in\n{report}");
        for row in rows {
            assert!(
                row.trim_end().ends_with("| 0 / 0 |"),
                "{request}: a request failed: {row}"
            );
        }
    }
    assert!(
        report.contains("— independent of page size."),
        "statements by page size missing or growing:\n{report}"
    );
    assert!(report.contains("Server peak memory"), "{report}");
    assert!(
        report.contains("(38127 rows in 19 files)"),
        "the demo's files all imported:\n{report}"
    );
    assert!(
        report.contains("`staffgraph import`: "),
        "no import figure in\n{report}"
    );
    assert!(
        report.contains("The district's SFS numerator moved by one after"),
        "the write then read section:\n{report}"
    );
    assert!(
        report.contains("200 idle sockets (PUBLIC, connected and acknowledged) opened in"),
        "the sockets held:\n{report}"
    );
    let delivered = report
        .lines()
        .find(|l| l.starts_with("| 20 subscribers |"))
        .unwrap_or_else(|| panic!("the delivery row:\n{report}"));
    assert!(
        report.contains("(0 subscribers missed one)"),
        "every subscriber got every write's event: {delivered}\n{report}"
    );
    // The peer beside staffgraph on PostgreSQL, when node is there (CI installs it).
    if backend == Backend::Postgres && std::env::var_os("STAFFGRAPH_TEST_NODE").is_some() {
        for (request, same_rows) in [
            ("principal school page", false),
            ("100 staff with assignments", true),
            ("50 staff by id", true),
        ] {
            let rows: Vec<&str> = report
                .lines()
                .filter(|line| line.starts_with(&format!("| {request} (both) |")))
                .collect();
            assert_eq!(rows.len(), 2, "{request}: PostGraphile's rows in\n{report}");
            if same_rows {
                let counts = rows[0]
                    .trim_end()
                    .trim_end_matches('|')
                    .rsplit('|')
                    .next()
                    .unwrap()
                    .trim();
                let (ours, theirs) = counts.split_once(" / ").unwrap();
                assert_eq!(ours, theirs, "{request}: both list the same rows: {}", rows[0]);
            }
        }
    }
    let written = std::fs::read_to_string(&report_file).unwrap();
    assert!(written.contains(&report.trim_end()[..200]), "--out holds the report");
}

/// The environment variable naming a PostgreSQL maintenance database.
const POSTGRES_ENV: &str = "STAFFGRAPH_TEST_POSTGRES";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database for one test: a SQLite file in a temporary directory, or a
/// PostgreSQL database created beside `STAFFGRAPH_TEST_POSTGRES` and dropped with this value.
struct FreshDb {
    target: DatabaseTarget,
    _dir: tempfile::TempDir,
    /// The maintenance URL and the database's name, on PostgreSQL.
    postgres: Option<(String, String)>,
}

impl FreshDb {
    async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (url, postgres) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", dir.path().join("staffgraph.db").display()), None),
            Backend::Postgres => {
                // An ignored test asked for by --include-ignored must run, never pass unrun.
                let maintenance = std::env::var(POSTGRES_ENV)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
                    .unwrap_or_else(|| {
                        panic!(
                            "this test runs on PostgreSQL: set {POSTGRES_ENV} to a maintenance URL, e.g. \
                             postgres://postgres@127.0.0.1:5432/postgres"
                        )
                    });
                let name = format!("staffgraph_bench_test_{}_{}", std::process::id(), rand::random::<u32>());
                on_server(&maintenance, &format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap_or_else(|e| panic!("creating a database on PostgreSQL at {POSTGRES_ENV}: {e}"));
                let base = maintenance.split('?').next().unwrap_or(&maintenance);
                let server = &base[..base.rfind('/').expect("a URL with a database")];
                (format!("{server}/{name}"), Some((maintenance, name)))
            }
        };
        Self {
            target: DatabaseTarget {
                url,
                embedded_default: false,
            },
            _dir: dir,
            postgres,
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some((maintenance, name)) = self.postgres.take() {
            let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            // The tests run on a multi-threaded runtime: this worker may block on the drop.
            let _ = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(on_server(&maintenance, &drop))
            });
        }
    }
}

/// Runs one statement on the PostgreSQL maintenance database `maintenance`.
async fn on_server(maintenance: &str, statement: &str) -> Result<(), sea_orm::DbErr> {
    let admin = sea_orm::Database::connect(maintenance).await?;
    admin.execute_unprepared(statement).await?;
    admin.close().await
}
