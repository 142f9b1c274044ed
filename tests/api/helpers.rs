//! Test harness: a fresh database per test on SQLite (a temporary file) and, when
//! `STAFFGRAPH_TEST_POSTGRES` holds a maintenance URL, on PostgreSQL (a database created for the
//! test and dropped after it); a server bound to port 0; typed request helpers.

use api::config::DatabaseTarget;
use api::http::Application;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

/// The environment variable naming a PostgreSQL maintenance database.
pub const POSTGRES_ENV: &str = "STAFFGRAPH_TEST_POSTGRES";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `sqlite` and `postgres` tests that run the async fn of the same name with each
/// backend. The `postgres` test is `#[ignore]`d, so that a machine without PostgreSQL reports
/// it as ignored rather than passed; it runs with `-- --include-ignored` (what `.ci/run` and the
/// README's PostgreSQL command pass), and then fails unless `STAFFGRAPH_TEST_POSTGRES` names a
/// reachable server.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL: set STAFFGRAPH_TEST_POSTGRES and pass -- --include-ignored"]
            async fn postgres() {
                $crate::helpers::require_postgres();
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )+};
}

/// Fails the test, with what to do, when `STAFFGRAPH_TEST_POSTGRES` is unset: an ignored test
/// asked for by `--include-ignored` must run, never pass without running.
pub fn require_postgres() {
    assert!(
        std::env::var(POSTGRES_ENV).is_ok_and(|v| !v.trim().is_empty()),
        "this test runs on PostgreSQL: set {POSTGRES_ENV} to a maintenance URL, e.g. \
         postgres://postgres@127.0.0.1:5432/postgres"
    );
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database (not migrated) that is removed when dropped.
pub struct TestDb {
    pub target: DatabaseTarget,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}", dir.path().join("staffgraph.db").display());
                Self {
                    target: DatabaseTarget {
                        url,
                        embedded_default: false,
                    },
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let maintenance = std::env::var(POSTGRES_ENV).expect("STAFFGRAPH_TEST_POSTGRES");
                let name = format!(
                    "staffgraph_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand::random::<u32>()
                );
                let admin = sea_orm::Database::connect(&maintenance)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {POSTGRES_ENV} is unreachable: {e}"));
                use sea_orm::ConnectionTrait;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = maintenance.split('?').next().unwrap_or(&maintenance);
                let url = format!("{}/{name}", &base[..base.rfind('/').expect("URL with a database")]);
                Self {
                    target: DatabaseTarget {
                        url,
                        embedded_default: false,
                    },
                    _dir: None,
                    postgres: Some((maintenance, name)),
                }
            }
        }
    }

    /// A connection pool to this database.
    pub async fn connect(&self) -> DatabaseConnection {
        api::db::connect(&self.target)
            .await
            .expect("connect to the test database")
    }

    /// A connection pool to this database held to `bounds` (e.g. a short wait for SQLite's
    /// write lock).
    pub async fn connect_bounded(&self, bounds: api::db::Bounds) -> DatabaseConnection {
        api::db::connect_bounded(&self.target, bounds)
            .await
            .expect("connect to the test database")
    }

    /// A connection to this database with every migration applied.
    pub async fn migrated(&self) -> DatabaseConnection {
        let db = self.connect().await;
        Migrator::up(&db, None).await.expect("migrations apply");
        db
    }
}

/// The `staffgraph` binary on `test_db`'s database, its output piped.
pub fn staffgraph(test_db: &TestDb, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_staffgraph"));
    command
        .args(args)
        .env("DATABASE_URL", &test_db.target.url)
        .env("STAFFGRAPH_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((maintenance, name)) = self.postgres.take() else {
            return;
        };
        // Drop needs async I/O: run it on a runtime of its own, on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                use sea_orm::ConnectionTrait;
                let admin = sea_orm::Database::connect(&maintenance).await.ok()?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
    }
}

/// The secret test servers sign tokens with.
/// (32 bytes: what `serve` requires of a secret.)
pub const TEST_SECRET: &str = "staffgraph-test-secret-32-bytes!";

/// A running server on a port bound at 0, over its own database. `graphql`, `query_ok` and
/// `query_counted` send an ADMIN token; `*_as` send the token given (or none: PUBLIC).
pub struct TestApp {
    pub address: SocketAddr,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    pub keys: api::auth::token::Keys,
    admin: String,
    /// Keeps the database alive (and drops it) with the app.
    _test_db: TestDb,
}

impl TestApp {
    /// A server over a migrated, empty database.
    pub async fn spawn(backend: Backend) -> Self {
        let test_db = TestDb::new(backend).await;
        let db = test_db.migrated().await;
        Self::serve(test_db, db).await
    }

    /// A server over the demo district.
    pub async fn spawn_with_demo(backend: Backend) -> Self {
        Self::spawn_with_demo_and_edge(backend, Self::edge()).await
    }

    /// A server over the demo district whose requests are held to the limits of `edge`.
    pub async fn spawn_with_demo_and_edge(backend: Backend, edge: api::config::EdgeArgs) -> Self {
        let test_db = TestDb::new(backend).await;
        let db = test_db.migrated().await;
        api::seed::seed_demo(&db, api::cli::DEMO_SEED)
            .await
            .expect("demo seed loads");
        Self::serve_with(test_db, db, edge).await
    }

    /// A server over a generated district with `schools_per_region` schools in each of its
    /// two regions (the demo has 6).
    pub async fn spawn_with_schools(backend: Backend, schools_per_region: usize) -> Self {
        let test_db = TestDb::new(backend).await;
        let db = test_db.migrated().await;
        let shape = api::seed::demo::Shape::with_schools(2 * schools_per_region);
        api::seed::seed_shaped(&db, api::cli::DEMO_SEED, shape)
            .await
            .expect("generated district loads");
        Self::serve(test_db, db).await
    }

    /// A server over `db`, a pool of `test_db` made by the test.
    pub async fn serve(test_db: TestDb, db: DatabaseConnection) -> Self {
        Self::serve_with(test_db, db, Self::edge()).await
    }

    /// A server over an empty database that browsers on `origins` may call.
    pub async fn spawn_with_cors(backend: Backend, origins: &[&str]) -> Self {
        let test_db = TestDb::new(backend).await;
        let db = test_db.migrated().await;
        let cors = api::config::CorsArgs {
            cors_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
        };
        Self::serve_configured(test_db, db, Self::edge(), cors).await
    }

    /// The server's defaults, but a time limit for debug builds on a loaded machine (the
    /// test of the limit sets its own).
    pub fn edge() -> api::config::EdgeArgs {
        api::config::EdgeArgs {
            request_timeout: std::time::Duration::from_secs(300),
            ..api::config::EdgeArgs::default()
        }
    }

    async fn serve_with(test_db: TestDb, db: DatabaseConnection, edge: api::config::EdgeArgs) -> Self {
        Self::serve_configured(test_db, db, edge, api::config::CorsArgs::default()).await
    }

    async fn serve_configured(
        test_db: TestDb,
        db: DatabaseConnection,
        edge: api::config::EdgeArgs,
        cors: api::config::CorsArgs,
    ) -> Self {
        Self::serve_live(test_db, db, edge, cors, api::config::LiveArgs::default()).await
    }

    /// A server over an empty database whose subscriptions are held to `live`.
    pub async fn spawn_with_live(backend: Backend, live: api::config::LiveArgs) -> Self {
        let test_db = TestDb::new(backend).await;
        let db = test_db.migrated().await;
        Self::serve_live(test_db, db, Self::edge(), api::config::CorsArgs::default(), live).await
    }

    async fn serve_live(
        test_db: TestDb,
        db: DatabaseConnection,
        edge: api::config::EdgeArgs,
        cors: api::config::CorsArgs,
        live: api::config::LiveArgs,
    ) -> Self {
        let keys = api::auth::token::Keys::from_secret(TEST_SECRET);
        let app = Application::bind("127.0.0.1:0".parse().expect("address"), db.clone(), keys.clone())
            .await
            .expect("bind port 0")
            .with_edge(edge)
            .with_live(live)
            .with_cors(cors);
        let address = app.address();
        tokio::spawn(app.run_until_stopped());
        let admin = token(&keys, api::auth::Role::Admin, &[], None);
        Self {
            address,
            db,
            client: reqwest::Client::new(),
            keys,
            admin,
            _test_db: test_db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// `/metrics`' text.
    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The ADMIN token `graphql` sends.
    pub fn admin_token(&self) -> &str {
        &self.admin
    }

    /// A token for `role` signed with the test secret.
    pub fn token(&self, role: api::auth::Role, schools: &[&str], employee: Option<&str>) -> String {
        token(&self.keys, role, schools, employee)
    }

    /// POSTs a GraphQL query as ADMIN; returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_as(Some(&self.admin.clone()), query, variables).await
    }

    /// POSTs a GraphQL query with `token` (none: PUBLIC); returns the whole response body.
    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post_as(token, query, variables)
            .await
            .json()
            .await
            .expect("a JSON body")
    }

    /// POSTs a GraphQL query with `token`; returns the HTTP response.
    pub async fn post_as(&self, token: Option<&str>, query: &str, variables: Value) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request reaches the server")
    }

    /// A query that must succeed with `token`; returns its `data`.
    pub async fn query_ok_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.graphql_as(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// POSTs a query that must succeed; returns its `data` and the SQL statements it cost (the
    /// server's `x-sql-statements` header).
    pub async fn query_counted(&self, query: &str, variables: Value) -> (Value, u64) {
        self.query_counted_as(Some(&self.admin.clone()), query, variables).await
    }

    /// [`query_counted`](Self::query_counted) with `token`.
    pub async fn query_counted_as(&self, token: Option<&str>, query: &str, variables: Value) -> (Value, u64) {
        let response = self.post_as(token, query, variables).await;
        let statements = response
            .headers()
            .get(api::http::STATEMENTS_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("a statement count header");
        let body: Value = response.json().await.expect("a JSON body");
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        (body["data"].clone(), statements)
    }

    /// POSTs a query that must succeed; returns its `data`.
    pub async fn query_ok(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }
}

/// The user errors of a payload, as `(field path, code)`.
pub fn user_errors(payload: &Value) -> Vec<(String, String)> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field: Vec<&str> = e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            (field.join("."), e["code"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// The nodes of a connection in a response.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection:#}"))
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

/// The `extensions.code` of the first error of a response.
/// The value of the metric line `series` (name and labels, e.g. `a{state="b"}`) in `/metrics`'
/// text, if it is there.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    let key = format!("{series} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&key))
        .and_then(|v| v.trim().parse::<f64>().ok())
}

pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

/// A token for `role` valid for an hour.
pub fn token(keys: &api::auth::token::Keys, role: api::auth::Role, schools: &[&str], employee: Option<&str>) -> String {
    let schools = schools.iter().map(|s| (*s).to_owned()).collect();
    let claims = api::auth::token::Claims::new(
        role,
        schools,
        employee.map(str::to_owned),
        std::time::Duration::from_secs(3600),
    )
    .expect("valid claims");
    keys.mint(&claims).expect("a signed token")
}

/// Runs `node` with `args` in `tests/<folder>` (a package of test tools, installed with `npm
/// ci --prefix tests/<folder>`; `package` is the one it needs), off the async runtime.
pub async fn node(
    folder: &str,
    package: &str,
    args: &[&str],
    env: &[(&str, std::ffi::OsString)],
) -> std::process::Output {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(folder);
    assert!(
        dir.join("node_modules").join(package).exists(),
        "{package} is not installed: run `npm ci --prefix tests/{folder}`"
    );
    let mut command = std::process::Command::new("node");
    command.args(args).current_dir(&dir);
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the node task")
        .expect("node runs")
}
