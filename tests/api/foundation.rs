//! The foundation: migrations on both databases, the demo district, the server over HTTP,
//! health and readiness, and when the server seeds on its own.

use crate::helpers::{Backend, TestApp, TestDb, error_code};
use crate::on_both_databases;
use entity::*;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Statement};
use serde_json::json;
#[cfg(target_os = "linux")]
use std::str::FromStr;

async fn count_rows(db: &DatabaseConnection, table: &str) -> u64 {
    let sql = format!("SELECT COUNT(*) AS n FROM \"{table}\"");
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("count query")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("a count") as u64
}

on_both_databases!(
    migrations_go_up_down_and_up_again_with_reference_data,
    demo_district_loads_with_the_row_counts_its_generator_reports,
    demo_seed_refuses_a_database_that_already_has_data,
    server_answers_graphql_over_http_with_the_demo_schools,
    oversized_pages_and_bad_cursors_are_bad_user_input,
    ready_reports_an_unreachable_database_with_503_and_a_reason,
    explicit_database_url_is_never_seeded_on_start_but_the_embedded_default_is,
    serve_refuses_a_missing_or_short_secret_before_touching_the_database,
    migrate_fresh_empties_a_seeded_database_and_leaves_it_ready_to_seed,
);

async fn migrations_go_up_down_and_up_again_with_reference_data(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    assert_eq!(framework::Entity::find().count(&db).await.unwrap(), 5);

    Migrator::down(&db, None).await.expect("every migration reverts");
    for table in ["organization", "staff", "evaluation", "survey_answer", "audit_event"] {
        let probe = format!("SELECT COUNT(*) FROM \"{table}\"");
        let result = db.execute_unprepared(&probe).await;
        assert!(result.is_err(), "{table} still exists after down");
    }

    Migrator::up(&db, None).await.expect("migrations apply again");
    assert_eq!(framework::Entity::find().count(&db).await.unwrap(), 5);
    assert_eq!(evaluation_process::Entity::find().count(&db).await.unwrap(), 7);
    assert_eq!(plan_measure::Entity::find().count(&db).await.unwrap(), 7);
    assert_eq!(training_requirement::Entity::find().count(&db).await.unwrap(), 1);
    let tlf = framework::Entity::find()
        .filter(framework::Column::Code.eq("TLF"))
        .one(&db)
        .await
        .unwrap()
        .expect("TLF is loaded");
    let standards = framework_standard::Entity::find()
        .filter(framework_standard::Column::FrameworkId.eq(tlf.id))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(standards, 5, "the Teaching and Learning Framework has five standards");
    let element = framework_element::Entity::find()
        .filter(framework_element::Column::Code.eq("3b2"))
        .one(&db)
        .await
        .unwrap();
    assert!(element.is_some(), "element 3b2 is loaded");
    let levels = rating_level::Entity::find()
        .filter(rating_level::Column::FrameworkId.eq(tlf.id))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(levels, 6, "four element levels and two overall levels");
    let pending = Migrator::get_pending_migrations(&db).await.unwrap();
    assert!(pending.is_empty());
}

async fn demo_district_loads_with_the_row_counts_its_generator_reports(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    let report = api::seed::seed_demo(&db, 7).await.expect("demo loads");
    for (table, reported) in &report.rows {
        assert_eq!(count_rows(&db, table).await, *reported, "rows of {table}");
    }
    let rows = |table: &str| report.rows.get(table).copied().unwrap_or_default();
    assert_eq!(rows("organization"), 17, "district, 2 regions, 12 schools, 2 offices");
    assert!(
        (550..=650).contains(&rows("staff")),
        "about 600 staff, got {}",
        rows("staff")
    );
    for table in [
        "section",
        "evaluation",
        "evaluation_event",
        "element_rating",
        "survey_response",
        "ease_report",
    ] {
        assert!(rows(table) > 0, "the demo has {table} rows");
    }
    // Administrations in every status.
    for status in [
        enums::AdministrationStatus::Planned,
        enums::AdministrationStatus::Open,
        enums::AdministrationStatus::Administered,
        enums::AdministrationStatus::Cancelled,
    ] {
        let n = survey_administration::Entity::find()
            .filter(survey_administration::Column::Status.eq(status))
            .count(&db)
            .await
            .unwrap();
        assert!(n > 0, "an administration in status {status:?}");
    }
    // Both certificated and classified groups.
    let groups = employee_group::Entity::find().all(&db).await.unwrap();
    assert!(groups.iter().any(|g| g.certificated) && groups.iter().any(|g| !g.certificated));
    // The seed is recorded in the audit trail.
    assert_eq!(count_rows(&db, "audit_event").await, 1);

    // Deterministic: the same seed gives the same rows in another database.
    let other_db = TestDb::new(backend).await;
    let other = other_db.migrated().await;
    let again = api::seed::seed_demo(&other, 7).await.expect("demo loads again");
    assert_eq!(again, report);
    let names = |db: DatabaseConnection| async move {
        staff::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.employee_number, s.last_name))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(db).await, names(other).await);
}

async fn demo_seed_refuses_a_database_that_already_has_data(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    api::seed::seed_demo(&db, 1).await.expect("first seed loads");
    let staff_before = count_rows(&db, "staff").await;
    let second = api::seed::seed_demo(&db, 1).await;
    assert!(matches!(second, Err(api::seed::SeedError::NotEmpty)), "{second:?}");
    assert_eq!(count_rows(&db, "staff").await, staff_before);
}

async fn server_answers_graphql_over_http_with_the_demo_schools(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            "query($kind: OrganizationKind) {
               organizations(kind: $kind, first: 100) {
                 totalCount
                 edges { node { id code name kind parent { code kind } } }
               }
             }",
            json!({ "kind": "SCHOOL" }),
        )
        .await;
    let connection = &data["organizations"];
    assert_eq!(connection["totalCount"], 12);
    let schools = connection["edges"].as_array().unwrap();
    assert_eq!(schools.len(), 12);
    for school in schools {
        assert_eq!(school["node"]["kind"], "SCHOOL");
        assert_eq!(school["node"]["parent"]["kind"], "REGION");
    }
    let district = app
        .query_ok(
            "{ organization(code: \"DIST\") { name kind parent { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(district["organization"]["kind"], "DISTRICT");
    assert!(district["organization"]["parent"].is_null());
    let missing = app
        .query_ok("{ organization(code: \"NOPE\") { name } }", json!({}))
        .await;
    assert!(missing["organization"].is_null());

    // GET works too, and GraphiQL and /health answer.
    let get: serde_json::Value = app
        .client
        .get(app.url("/graphql?query=%7Borganizations%7BtotalCount%7D%7D"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(get["data"]["organizations"]["totalCount"], 17);
    let graphiql = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(graphiql.contains("graphiql"), "GraphiQL page served at /");
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

async fn oversized_pages_and_bad_cursors_are_bad_user_input(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let body = app
        .graphql("{ organizations(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "first");
    let body = app
        .graphql("{ organizations(after: \"not-a-cursor\") { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "after");

    // Walking the pages yields every organization exactly once.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .query_ok(
                "query($after: String) { organizations(first: 5, after: $after) {
                   pageInfo { hasNextPage endCursor } edges { node { code } } } }",
                json!({ "after": after }),
            )
            .await;
        let page = &data["organizations"];
        for edge in page["edges"].as_array().unwrap() {
            seen.push(edge["node"]["code"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 17);
    assert_eq!(unique.len(), 17);
}

async fn ready_reports_an_unreachable_database_with_503_and_a_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.client.get(app.url("/ready")).send().await.unwrap().status(), 200);
    app.db.close_by_ref().await.expect("pool closes");
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["reason"], "database unreachable");
    // Liveness does not depend on the database.
    assert_eq!(app.client.get(app.url("/health")).send().await.unwrap().status(), 200);
}

async fn explicit_database_url_is_never_seeded_on_start_but_the_embedded_default_is(backend: Backend) {
    let explicit = TestDb::new(backend).await;
    let (db, seeded) = api::cli::prepare_database(&explicit.target).await.expect("prepares");
    assert!(seeded.is_none());
    assert_eq!(
        count_rows(&db, "organization").await,
        0,
        "no demo rows in a named database"
    );

    if backend == Backend::Sqlite {
        let mut embedded = TestDb::new(backend).await;
        embedded.target.embedded_default = true;
        let (db, seeded) = api::cli::prepare_database(&embedded.target).await.expect("prepares");
        assert!(seeded.is_some());
        assert_eq!(count_rows(&db, "organization").await, 17);
        // A second start finds data and loads nothing.
        let (_, again) = api::cli::prepare_database(&embedded.target).await.expect("prepares");
        assert!(again.is_none());
    }
}

/// sqlx 0.9.0 leaves Nagle's algorithm on; every pooled PostgreSQL connection must have
/// `TCP_NODELAY` set, or each multi-segment statement waits ~40 ms for a delayed ACK; and JIT
/// compilation off.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set STAFFGRAPH_TEST_POSTGRES and pass -- --include-ignored"]
async fn postgres_connections_have_tcp_nodelay_and_no_jit() {
    crate::helpers::require_postgres();
    let test_db = TestDb::new(Backend::Postgres).await;
    let db = test_db.connect().await;
    // Hold four connections at once so that the pool opens them; each names its own socket
    // by the client port the server sees.
    let mut held = Vec::new();
    let mut client_ports = Vec::new();
    for _ in 0..4 {
        let txn = sea_orm::TransactionTrait::begin(&db).await.expect("a connection");
        let row = txn
            .query_one_raw(Statement::from_string(
                txn.get_database_backend(),
                "SELECT inet_client_port() AS port",
            ))
            .await
            .expect("the client port")
            .expect("a row");
        client_ports.push(u16::try_from(row.try_get::<i32>("", "port").expect("a port")).expect("a port number"));
        held.push(txn);
    }
    let server_port = sea_orm::sqlx::postgres::PgConnectOptions::from_str(&test_db.target.url)
        .map(|o| o.get_port())
        .expect("a PostgreSQL URL");
    // And JIT compilation is off (it cost more than the measures' statements themselves).
    let jit = held[0]
        .query_one_raw(Statement::from_string(held[0].get_database_backend(), "SHOW jit"))
        .await
        .expect("SHOW jit")
        .expect("a row");
    assert_eq!(jit.try_get_by_index::<String>(0).expect("a setting"), "off");
    for client_port in client_ports {
        let (socket, _, _) = api::db::nodelay::tcp_sockets()
            .find(|(_, local, peer)| local.port() == client_port && peer.port() == server_port)
            .unwrap_or_else(|| panic!("no socket from port {client_port} in this process"));
        assert!(
            api::db::nodelay::is_set(&socket),
            "the connection from port {client_port} has no TCP_NODELAY"
        );
    }
    drop(held);
}

/// An operator's mistake in the secret is refused before any migration runs, so a refused
/// start leaves the database as it was (issue 14: it used to migrate first).
async fn serve_refuses_a_missing_or_short_secret_before_touching_the_database(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    for (secret, says) in [
        (Some("s3cret"), "at least 32"),
        (None, "STAFFGRAPH_JWT_SECRET is not set"),
    ] {
        let mut command = crate::helpers::staffgraph(&test_db, &["serve"]);
        command
            .env("STAFFGRAPH_BIND", "127.0.0.1:0")
            .env_remove("STAFFGRAPH_JWT_SECRET");
        if let Some(secret) = secret {
            command.env("STAFFGRAPH_JWT_SECRET", secret);
        }
        let output = command.output().expect("staffgraph runs");
        assert!(!output.status.success(), "serve started with secret {secret:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
    let db = test_db.connect().await;
    let tables = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM information_schema.tables WHERE table_schema = 'public'"
        }
        _ => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'",
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), tables))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 0, "no migration ran");
    // And a secret of 32 bytes is accepted by the token command (the server's own check).
    let output = crate::helpers::staffgraph(&test_db, &["token", "--role", "ADMIN"])
        .env("STAFFGRAPH_JWT_SECRET", "0123456789abcdef0123456789abcdef")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let output = crate::helpers::staffgraph(&test_db, &["token", "--role", "ADMIN"])
        .env("STAFFGRAPH_JWT_SECRET", "short")
        .output()
        .unwrap();
    assert!(!output.status.success(), "a short secret mints no token");
}

/// `--help` names the settings, never their values: a DATABASE_URL's password stays out of
/// terminals and CI logs.
#[test]
fn help_never_prints_a_database_password() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_staffgraph"))
        .arg("--help")
        .env(
            "DATABASE_URL",
            "postgres://staffgraph:hunter2-secret@db.example:5432/staffgraph",
        )
        .env("STAFFGRAPH_JWT_SECRET", "another-secret-value-0123456789abcdef")
        .output()
        .expect("staffgraph runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("DATABASE_URL"), "{text}");
    assert!(!text.contains("hunter2"), "--help printed the password: {text}");
    assert!(
        !text.contains("another-secret-value"),
        "--help printed the secret: {text}"
    );
}

/// Issue 14, point 8: `migrate fresh --yes` — the command `seed`'s own error recommends — was
/// reported to fail on a seeded SQLite database, leaving every migration pending with the
/// tables still there. On both databases it must drop everything, apply every migration again
/// (reference data included) and leave a database `seed` fills.
async fn migrate_fresh_empties_a_seeded_database_and_leaves_it_ready_to_seed(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    api::seed::seed_demo(&db, api::cli::DEMO_SEED)
        .await
        .expect("demo loads");
    assert!(staff::Entity::find().count(&db).await.unwrap() > 0);
    drop(db);
    let run = |args: &[&str]| {
        let output = crate::helpers::staffgraph(&test_db, args)
            .env("STAFFGRAPH_JWT_SECRET", crate::helpers::TEST_SECRET)
            .output()
            .expect("staffgraph runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    };
    let (ok, text) = run(&["migrate", "fresh", "--yes"]);
    assert!(ok, "migrate fresh failed: {text}");
    let (ok, status) = run(&["migrate", "status"]);
    assert!(ok, "{status}");
    assert!(!status.contains("Pending"), "every migration applied again: {status}");
    let db = test_db.connect().await;
    assert_eq!(
        staff::Entity::find().count(&db).await.unwrap(),
        0,
        "the demo rows are gone"
    );
    assert_eq!(
        framework::Entity::find().count(&db).await.unwrap(),
        5,
        "the reference data is back"
    );
    drop(db);
    let (ok, text) = run(&["seed", "--profile", "demo"]);
    assert!(ok, "seed after fresh: {text}");
}
