//! Read replicas (issue 20, point 5): with `DATABASE_REPLICA_URL` naming a streaming standby,
//! queries read the standby, and a mutation, and a read naming the mutation's write position,
//! the primary. Proved with the standby's replay paused: what a query sees then is the
//! standby's, since the primary has moved on. A cluster of the test's own, a primary and its
//! standby (`cluster.rs`); runs when `STAFFGRAPH_TEST_PG_BIN` is set.

use crate::cluster::{Cluster, eventually, free_port, serve_with};
use crate::helpers::{TEST_SECRET, token};
use api::auth::Role;
use api::auth::token::Keys;
use api::http::{READ_AFTER_HEADER, WRITTEN_HEADER};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::time::Duration;

const UPDATE: &str = "mutation ($input: UpdateSurveyAdministrationInput!) {
    updateSurveyAdministration(input: $input) {
      surveyAdministration { id status version }
      userErrors { field message code } } }";

const PLANNED: &str = r#"{ surveyAdministrations(filter: { status: PLANNED, survey: "SFS-2026" }, first: 1) {
    nodes { id version section { school { code } } } } }"#;

/// A client of one server, as one viewer.
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    /// POSTs `query` with `variables`, naming `read_after` if given; the response's body and
    /// its write position header.
    async fn post(&self, query: &str, variables: Value, read_after: Option<&str>) -> (Value, Option<String>) {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .header("authorization", &self.token)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(position) = read_after {
            request = request.header(READ_AFTER_HEADER, position);
        }
        let response = request.send().await.unwrap();
        let written = response
            .headers()
            .get(WRITTEN_HEADER)
            .map(|v| v.to_str().unwrap().to_owned());
        (response.json().await.unwrap(), written)
    }

    /// The school's SFS coverage numerator (classrooms surveyed) as this client reads it.
    async fn surveyed(&self, school: &str, read_after: Option<&str>) -> i64 {
        let query = "query ($org: String) { planMeasures(schoolYear: 2026, organization: $org, codes: [\"SFS_COVERAGE\"]) { numerator } }";
        let (body, _) = self.post(query, json!({ "org": school }), read_after).await;
        body["data"]["planMeasures"][0]["numerator"]
            .as_i64()
            .unwrap_or_else(|| panic!("{body}"))
    }
}

async fn sql(url: &str, statement: &str) {
    let db = sea_orm::Database::connect(url).await.unwrap();
    db.execute_unprepared(statement).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_read_the_replica_and_a_client_reads_its_own_writes_on_the_primary() {
    let Some(primary) = Cluster::when_asked() else {
        return;
    };
    primary.start();
    primary.seed();
    let standby = Cluster::standby_of(&primary);

    // A replica URL naming a primary is refused at start, with the reason.
    let log = primary.dir.path().join("refused.log");
    let not_a_standby = primary.url().replace("127.0.0.1", "localhost");
    let mut refused = serve_with(
        &primary.url(),
        free_port(),
        &log,
        &[("DATABASE_REPLICA_URL", &not_a_standby)],
    );
    let status = tokio::task::spawn_blocking(move || refused.wait().unwrap())
        .await
        .unwrap();
    assert!(!status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("is not a standby"), "{text}");

    let port = free_port();
    let log = primary.dir.path().join("staffgraph.log");
    let mut server = serve_with(&primary.url(), port, &log, &[("DATABASE_REPLICA_URL", &standby.url())]);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let ready = || async {
        http.get(format!("{base}/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    };
    assert!(
        eventually(Duration::from_secs(30), ready).await,
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let keys = Keys::from_secret(TEST_SECRET);
    let admin = Client {
        http: http.clone(),
        base: base.clone(),
        token: format!("Bearer {}", token(&keys, Role::Admin, &[], None)),
    };
    let (body, written) = admin.post(PLANNED, json!({}), None).await;
    assert!(written.is_none(), "a query writes nothing: {body}");
    let planned = &body["data"]["surveyAdministrations"]["nodes"][0];
    let id = planned["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let school = planned["section"]["school"]["code"].as_str().unwrap().to_owned();
    let principal = Client {
        http: http.clone(),
        base: base.clone(),
        token: format!("Bearer {}", token(&keys, Role::Principal, &[&school], None)),
    };
    let before = principal.surveyed(&school, None).await;

    // The standby stops replaying: from now on it shows the database as it was.
    sql(&standby.url(), "SELECT pg_wal_replay_pause()").await;
    let input = json!({ "input": { "id": id, "expectedVersion": planned["version"], "status": "ADMINISTERED",
                                   "administeredOn": "2026-03-10", "responseCount": 5 } });
    let (recorded, written) = principal.post(UPDATE, input, None).await;
    assert_eq!(
        recorded["data"]["updateSurveyAdministration"]["surveyAdministration"]["status"], "ADMINISTERED",
        "the mutation writes the primary: {recorded}"
    );
    let written = written.expect("a mutation's response names its write position");
    assert!(api::db::WalPosition::parse(&written).is_some(), "{written}");

    // A query reads the standby: the write is not there yet.
    assert_eq!(
        principal.surveyed(&school, None).await,
        before,
        "a query reads the replica"
    );
    // The writer's read after its write reads the primary, which has it.
    assert_eq!(
        principal.surveyed(&school, Some(&written)).await,
        before + 1,
        "a read after the client's own write sees it"
    );
    // A position that is not one is refused, naming the header.
    let (bad, _) = principal
        .post(
            "{ planMeasures(schoolYear: 2026) { code } }",
            json!({}),
            Some("yesterday"),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&bad), "BAD_USER_INPUT", "{bad}");
    assert!(bad.to_string().contains(READ_AFTER_HEADER), "{bad}");

    // Replaying again, the standby catches up, and every query sees the write.
    sql(&standby.url(), "SELECT pg_wal_replay_resume()").await;
    let caught_up = || async { principal.surveyed(&school, None).await == before + 1 };
    assert!(
        eventually(Duration::from_secs(10), caught_up).await,
        "the replica catches up"
    );
    assert_eq!(principal.surveyed(&school, Some(&written)).await, before + 1);

    // Without its replica the server is not ready, and says which dependency is down.
    standby.stop();
    let response = http.get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["reason"], "read replica unreachable", "{body}");

    server.kill().unwrap();
    let _ = server.wait();
}
