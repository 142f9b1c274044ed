//! Subscriptions over WebSocket (issue 19), with a real WebSocket client (tokio-tungstenite)
//! speaking graphql-transport-ws to `/graphql/ws`: a principal subscribed to their school hears
//! of an administration recorded (with the school's new coverage) and not of another school's;
//! the public's measure subscription carries exactly the public's suppressed figures; a bad
//! token is refused with 4403.

use crate::helpers::{Backend, TestApp, error_code};
use api::auth::Role;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for an event before it fails (the target is a second).
const WITHIN: Duration = Duration::from_secs(5);

/// A graphql-transport-ws client.
pub struct Client(Socket);

impl Client {
    /// Connects to `app`'s `/graphql/ws` and opens the connection with `init` as the
    /// `connection_init` payload; the server's answer (the first message) is returned beside.
    pub async fn connect_to(address: std::net::SocketAddr, init: Value) -> (Client, Option<Message>) {
        Self::speaking(address, "graphql-transport-ws", init).await
    }

    /// [`connect_to`](Self::connect_to) asking for `protocol`.
    async fn speaking(address: std::net::SocketAddr, protocol: &str, init: Value) -> (Client, Option<Message>) {
        let mut request = format!("ws://{address}/graphql/ws").into_client_request().unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", protocol.parse().unwrap());
        let (mut socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            protocol,
            "the server speaks the subprotocol asked for"
        );
        let init = json!({ "type": "connection_init", "payload": init });
        socket.send(Message::text(init.to_string())).await.unwrap();
        let answer = tokio::time::timeout(WITHIN, socket.next())
            .await
            .ok()
            .flatten()
            .map(Result::unwrap);
        (Client(socket), answer)
    }

    /// [`connect_to`](Self::connect_to), as the holder of `token` (PUBLIC without), expecting
    /// `connection_ack`.
    pub async fn connect(address: std::net::SocketAddr, token: Option<&str>) -> Client {
        let init = token.map_or(json!({}), |t| json!({ "Authorization": format!("Bearer {t}") }));
        let (client, answer) = Self::connect_to(address, init).await;
        let answer: Value = serde_json::from_str(answer.expect("an answer").to_text().unwrap()).unwrap();
        assert_eq!(answer["type"], "connection_ack", "{answer}");
        client
    }

    /// Starts subscription `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
        self.0.send(Message::text(message.to_string())).await.unwrap();
    }

    /// Completes (stops) subscription `id`.
    pub async fn complete(&mut self, id: &str) {
        let message = json!({ "id": id, "type": "complete" });
        self.0.send(Message::text(message.to_string())).await.unwrap();
    }

    /// The next `next`/`error` message's payload and its id, within `within`; none when
    /// nothing came (pings are answered and skipped).
    pub async fn next_within(&mut self, within: Duration) -> Option<(String, Value)> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let message = tokio::time::timeout(left, self.0.next()).await.ok()??.unwrap();
            let Message::Text(text) = message else {
                continue;
            };
            let message: Value = serde_json::from_str(&text).unwrap();
            match message["type"].as_str() {
                Some("next" | "error") => {
                    return Some((
                        message["id"].as_str().unwrap_or_default().to_owned(),
                        message["payload"].clone(),
                    ));
                }
                Some("ping") => {
                    self.0.send(Message::text(r#"{"type":"pong"}"#)).await.unwrap();
                }
                _ => {}
            }
        }
    }
}

/// The error code of a subscription's refusal: an `error` message's first error, or a
/// `next` message's (async-graphql reports a resolver's refusal as a result with errors).
fn refusal(payload: &Value) -> &str {
    let errors = if payload.is_array() {
        payload
    } else {
        &payload["errors"]
    };
    errors[0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

const UPDATE: &str = "mutation ($input: UpdateSurveyAdministrationInput!) {
    updateSurveyAdministration(input: $input) { surveyAdministration { id status } userErrors { field message } } }";

const ADMINISTRATION_CHANGED: &str = "subscription ($school: String!) {
    administrationChanged(school: $school, schoolYear: 2026) {
      administration { id status section { sectionCode } } coverage { numerator denominator } resync } }";

/// Two PLANNED administrations of two different schools of the demo: (id, version, school).
async fn planned_in_two_schools(app: &TestApp) -> [(String, i64, String); 2] {
    let data = app
        .query_ok(
            r#"{ surveyAdministrations(filter: { status: PLANNED, survey: "SFS-2026" }, first: 100) {
                 nodes { id version section { school { code } } } } }"#,
            json!({}),
        )
        .await;
    let mut found: Vec<(String, i64, String)> = Vec::new();
    for node in data["surveyAdministrations"]["nodes"].as_array().unwrap() {
        let school = node["section"]["school"]["code"].as_str().unwrap().to_owned();
        if found.iter().all(|(_, _, s)| *s != school) {
            found.push((
                node["id"].as_str().unwrap().to_owned(),
                node["version"].as_i64().unwrap(),
                school,
            ));
        }
    }
    assert!(
        found.len() >= 2,
        "the demo plans administrations in two schools: {data}"
    );
    [found[0].clone(), found[1].clone()]
}

/// Records administration `(id, version)` as given, as `token`.
async fn record(app: &TestApp, token: &str, (id, version): (&str, i64)) {
    let input = json!({ "input": { "id": id, "expectedVersion": version, "status": "ADMINISTERED",
                                   "administeredOn": "2026-03-10", "responseCount": 5 } });
    let data = app.query_ok_as(Some(token), UPDATE, input).await;
    assert_eq!(
        data["updateSurveyAdministration"]["surveyAdministration"]["status"], "ADMINISTERED",
        "{data}"
    );
}

/// The school's SFS coverage (numerator, denominator) as ADMIN reads it over HTTP.
async fn coverage(app: &TestApp, school: &str) -> (i64, i64) {
    let data = app
        .query_ok(
            "query ($org: String) { planMeasures(schoolYear: 2026, organization: $org, codes: [\"SFS_COVERAGE\"]) { numerator denominator } }",
            json!({ "org": school }),
        )
        .await;
    let m = &data["planMeasures"][0];
    (m["numerator"].as_i64().unwrap(), m["denominator"].as_i64().unwrap())
}

async fn a_principal_hears_of_their_schools_administrations_and_no_others(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let [(mine, my_version, school), (theirs, their_version, other)] = planned_in_two_schools(&app).await;
    let principal = app.token(Role::Principal, &[&school], None);
    let other_principal = app.token(Role::Principal, &[&other], None);
    let before = coverage(&app, &school).await;

    let mut socket = Client::connect(app.address, Some(&principal)).await;
    socket
        .subscribe("mine", ADMINISTRATION_CHANGED, json!({ "school": school }))
        .await;
    // Another school's subscription is refused as its query is.
    socket
        .subscribe("theirs", ADMINISTRATION_CHANGED, json!({ "school": other }))
        .await;
    let (id, refused) = socket.next_within(WITHIN).await.expect("the refusal");
    assert_eq!(id, "theirs");
    assert!(["FORBIDDEN", "NOT_FOUND"].contains(&refusal(&refused)), "{refused}");

    // The socket and its subscription are counted, once the subscription has started (the
    // gauges are the process's, which runs other tests' servers too: at least one).
    let counted = |metrics: &str| {
        ["sockets", "subscriptions"].iter().all(|state| {
            crate::helpers::metric(metrics, &format!("staffgraph_live{{state=\"{state}\"}}")).is_some_and(|v| v >= 1.0)
        })
    };
    let mut metrics = app.metrics().await;
    let deadline = Instant::now() + WITHIN;
    while !counted(&metrics) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        metrics = app.metrics().await;
    }
    assert!(counted(&metrics), "sockets and subscriptions in /metrics:\n{metrics}");
    // A subscription reads where it starts from before it waits for changes: a write made
    // before that read is in it, and not an event.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Another school's write is not delivered; this school's is, with the new coverage.
    record(&app, &other_principal, (&theirs, their_version)).await;
    let started = Instant::now();
    record(&app, &principal, (&mine, my_version)).await;
    let (id, event) = socket.next_within(WITHIN).await.expect("the school's event");
    let delay = started.elapsed();
    println!("{backend:?}: administrationChanged delivered {delay:?} after the mutation began");
    assert_eq!(id, "mine");
    let changed = &event["data"]["administrationChanged"];
    assert_eq!(changed["administration"]["id"], mine.as_str(), "{event}");
    assert_eq!(changed["administration"]["status"], "ADMINISTERED");
    assert_eq!(changed["resync"], false, "nothing was missed");
    assert_eq!(
        (
            changed["coverage"]["numerator"].as_i64(),
            changed["coverage"]["denominator"].as_i64()
        ),
        (Some(before.0 + 1), Some(before.1)),
        "the school's coverage after the write: {event}"
    );
    assert!(delay < WITHIN);
    assert!(
        socket.next_within(Duration::from_millis(1500)).await.is_none(),
        "one event for one change, none for the other school's"
    );

    // A principal of nothing, PUBLIC, may not watch administrations at all.
    let mut public = Client::connect(app.address, None).await;
    public
        .subscribe("p", ADMINISTRATION_CHANGED, json!({ "school": school }))
        .await;
    let (_, refused) = public.next_within(WITHIN).await.expect("the refusal");
    assert_eq!(refusal(&refused), "FORBIDDEN", "{refused}");

    // A token that does not verify refuses the connection with graphql-transport-ws's 4403.
    let (_, answer) = Client::connect_to(app.address, json!({ "Authorization": "Bearer not-a-token" })).await;
    match answer {
        Some(Message::Close(Some(frame))) => assert_eq!(u16::from(frame.code), 4403, "{frame:?}"),
        other => panic!("a close frame, not {other:?}"),
    }
}

async fn the_publics_measure_subscription_carries_the_publics_figures(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let [(mine, version, school), _] = planned_in_two_schools(&app).await;
    let principal = app.token(Role::Principal, &[&school], None);
    let query = "subscription { measureChanged(schoolYear: 2026, codes: [\"SFS_COVERAGE\"]) {
                   resync measures { code numerator denominator suppressed breakdown { organization { code } numerator denominator suppressed } } } }";
    let mut public = Client::connect(app.address, None).await;
    public.subscribe("district", query, json!({})).await;
    // A second dashboard of the same figures shares their read, and gets the same event.
    let mut beside = Client::connect(app.address, None).await;
    beside.subscribe("beside", query, json!({})).await;
    // A school's figures are not the public's, live or not.
    public
        .subscribe(
            "school",
            "subscription ($org: String) { measureChanged(schoolYear: 2026, organization: $org) { resync } }",
            json!({ "org": school }),
        )
        .await;
    // The district's figures as they stand come first (in either order with the refusal).
    let mut first = std::collections::HashMap::new();
    while first.len() < 2 {
        let (id, payload) = public
            .next_within(WITHIN)
            .await
            .expect("the first figures and the refusal");
        first.insert(id, payload);
    }
    assert_eq!(refusal(&first["school"]), "FORBIDDEN", "{first:?}");
    let before = first["district"]["data"]["measureChanged"]["measures"].clone();
    assert!(before[0]["code"] == "SFS_COVERAGE", "{first:?}");
    let (id, _) = beside
        .next_within(WITHIN)
        .await
        .expect("the second dashboard's first figures");
    assert_eq!(id, "beside");

    record(&app, &principal, (&mine, version)).await;
    let (id, event) = public.next_within(WITHIN).await.expect("the district's new figure");
    assert_eq!(id, "district");
    // Exactly what the public's query answers now: suppression included.
    let asked = app
        .graphql_as(
            None,
            "{ planMeasures(schoolYear: 2026, codes: [\"SFS_COVERAGE\"]) {
                 code numerator denominator suppressed breakdown { organization { code } numerator denominator suppressed } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        event["data"]["measureChanged"]["measures"], asked["data"]["planMeasures"],
        "{event}"
    );
    assert_eq!(event["data"]["measureChanged"]["resync"], false);
    assert_ne!(event["data"]["measureChanged"]["measures"], before, "the figure moved");
    let (id, shared) = beside.next_within(WITHIN).await.expect("the second dashboard's event");
    assert_eq!(id, "beside");
    assert_eq!(shared["data"], event["data"], "the same figures on both");
    assert_eq!(error_code(&asked), "<none>", "{asked}");
}

crate::on_both_databases!(
    a_principal_hears_of_their_schools_administrations_and_no_others,
    the_publics_measure_subscription_carries_the_publics_figures,
);

/// A commit the server did not make — another process's import, a manual SQL fix — reaches
/// the subscribers too: on PostgreSQL by the table's trigger's notification, on SQLite by the
/// server's poll of `data_version` (within about a second).
async fn a_commit_made_outside_the_server_reaches_its_subscribers(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn_with_demo(backend).await;
    let [(mine, _, school), _] = planned_in_two_schools(&app).await;
    let principal = app.token(Role::Principal, &[&school], None);
    let mut socket = Client::connect(app.address, Some(&principal)).await;
    socket
        .subscribe("mine", ADMINISTRATION_CHANGED, json!({ "school": school }))
        .await;
    // Let the subscription's first read happen before the write.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    app.db
        .execute_unprepared(&format!(
            "UPDATE survey_administration SET response_count = response_count + 3 WHERE id = \
             (SELECT MIN(a.id) FROM survey_administration a JOIN section s ON s.id = a.section_id \
              JOIN organization o ON o.id = s.school_id WHERE o.code = '{school}')"
        ))
        .await
        .unwrap();
    let (id, event) = socket.next_within(WITHIN).await.expect("the outside write's event");
    println!("{backend:?}: an outside commit delivered after {:?}", started.elapsed());
    assert_eq!(id, "mine");
    let changed = &event["data"]["administrationChanged"]["administration"];
    assert!(changed["id"].is_string(), "{event}");
    let _ = mine;
}

/// A socket outlives no token: when the token it opened with expires, the server closes it
/// with 4401.
async fn a_socket_closes_when_its_token_expires(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let claims = api::auth::token::Claims::new(Role::Hr, Vec::new(), None, Duration::from_secs(2)).unwrap();
    let token = app.keys.mint(&claims).unwrap();
    let mut socket = Client::connect(app.address, Some(&token)).await;
    let started = Instant::now();
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(6), socket.0.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            other => panic!("the socket closes with a frame, not {other:?}"),
        }
    };
    let frame = closed.expect("a close frame with a code");
    assert_eq!(u16::from(frame.code), 4401, "{frame:?}");
    assert_eq!(frame.reason.as_str(), "token expired");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
}

/// ADMIN watches an upload load: its start and its end with the rows written; a refused file
/// ends FAILED. Nobody else may watch.
async fn an_admin_watches_an_import_load(backend: Backend) {
    use crate::import::{STAFF_HEADER, load_fixture, upload};
    let app = TestApp::spawn(backend).await;
    load_fixture(&app.db).await;
    let admin = app.token(Role::Admin, &[], None);
    let query = "subscription { importProgress { file rowsRead rowsWritten state } }";
    let mut hr = Client::connect(app.address, Some(&app.token(Role::Hr, &[], None))).await;
    hr.subscribe("hr", query, json!({})).await;
    let (_, refused) = hr.next_within(WITHIN).await.expect("the refusal");
    assert_eq!(refusal(&refused), "FORBIDDEN", "{refused}");

    let mut socket = Client::connect(app.address, Some(&admin)).await;
    socket.subscribe("imports", query, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let new_hires = format!("{STAFF_HEADER}\nE300,Wes,Fine,,TCH,2025-08-01,true\nE301,Ada,Lane,,TCH,2025-08-01,true\n");
    let loaded = upload(&app, Some(&admin), "STAFF", new_hires.as_bytes()).await;
    assert_eq!(loaded["data"]["importCsv"]["inserted"], 2, "{loaded}");
    let mut events = Vec::new();
    while let Some((_, event)) = socket.next_within(Duration::from_secs(2)).await {
        let progress = event["data"]["importProgress"].clone();
        let done = progress["state"] != "RUNNING";
        events.push(progress);
        if done {
            break;
        }
    }
    assert_eq!(
        events.first().map(|e| e["state"].clone()),
        Some(json!("RUNNING")),
        "{events:?}"
    );
    assert_eq!(
        events.last(),
        Some(&json!({ "file": "upload.csv", "rowsRead": 2, "rowsWritten": 2, "state": "DONE" })),
        "{events:?}"
    );

    // A refused file ends FAILED, having written nothing.
    let refused = upload(
        &app,
        Some(&admin),
        "STAFF",
        format!("{STAFF_HEADER}\nE302,,,,NOPE,x,maybe\n").as_bytes(),
    )
    .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    let mut last = Value::Null;
    while let Some((_, event)) = socket.next_within(Duration::from_secs(2)).await {
        last = event["data"]["importProgress"].clone();
        if last["state"] != "RUNNING" {
            break;
        }
    }
    assert_eq!(last["state"], "FAILED", "{last}");
    assert_eq!(last["rowsWritten"], 0);
}

/// The caps: a socket runs at most its subscriptions (one more is RATE_LIMITED, a completed
/// one frees its place), and a viewer holds at most their sockets (one more closes with 4429).
async fn a_socket_and_a_viewer_are_held_to_their_caps(backend: Backend) {
    let limits = api::config::LiveArgs {
        ws_max_subscriptions: 2,
        ws_max_sockets_per_viewer: 2,
        ..api::config::LiveArgs::default()
    };
    let app = TestApp::spawn_with_live(backend, limits).await;
    let admin = app.token(Role::Admin, &[], None);
    let query = "subscription { importProgress { state } }";
    let mut first = Client::connect(app.address, Some(&admin)).await;
    first.subscribe("1", query, json!({})).await;
    first.subscribe("2", query, json!({})).await;
    // The socket's subscriptions start side by side: the first two take their places first.
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.subscribe("3", query, json!({})).await;
    let (id, refused) = first.next_within(WITHIN).await.expect("the third is refused");
    assert_eq!((id.as_str(), refusal(&refused)), ("3", "RATE_LIMITED"), "{refused}");
    // Completing one gives its place to the next.
    first.complete("1").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.subscribe("4", query, json!({})).await;
    assert!(
        first.next_within(Duration::from_millis(1500)).await.is_none(),
        "the fourth runs (and has nothing to say yet)"
    );

    let _second = Client::connect(app.address, Some(&admin)).await;
    let (_, answer) = Client::connect_to(app.address, json!({ "Authorization": format!("Bearer {admin}") })).await;
    match answer {
        Some(Message::Close(Some(frame))) => assert_eq!(u16::from(frame.code), 4429, "{frame:?}"),
        other => panic!("a third socket of one viewer is closed, not {other:?}"),
    }
    // Another viewer is not held to this one's sockets.
    let _other = Client::connect(app.address, Some(&app.token(Role::Hr, &[], None))).await;
}

/// The legacy subprotocol (`graphql-ws`, of subscriptions-transport-ws) works as the current
/// one does, and graphql-transport-ws's ping is answered with a pong.
async fn the_legacy_subprotocol_and_the_keep_alive_work(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin, &[], None);
    let init = json!({ "Authorization": format!("Bearer {admin}") });
    let (mut legacy, answer) = Client::speaking(app.address, "graphql-ws", init).await;
    let answer: Value = serde_json::from_str(answer.expect("an answer").to_text().unwrap()).unwrap();
    assert_eq!(answer["type"], "connection_ack", "{answer}");
    let start =
        json!({ "id": "1", "type": "start", "payload": { "query": "subscription { importProgress { file state } }" } });
    legacy.0.send(Message::text(start.to_string())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let file = format!("{}\n", crate::import::STAFF_HEADER);
    crate::import::upload(&app, Some(&admin), "STAFF", file.as_bytes()).await;
    let event = loop {
        let message = tokio::time::timeout(WITHIN, legacy.0.next())
            .await
            .expect("an event")
            .unwrap()
            .unwrap();
        let message: Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
        if message["type"] == "data" {
            break message;
        }
    };
    assert_eq!(event["id"], "1");
    assert_eq!(
        event["payload"]["data"]["importProgress"]["file"], "upload.csv",
        "{event}"
    );

    let mut current = Client::connect(app.address, Some(&admin)).await;
    current.0.send(Message::text(r#"{"type":"ping"}"#)).await.unwrap();
    let pong = loop {
        let message = tokio::time::timeout(WITHIN, current.0.next())
            .await
            .expect("a pong")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            break serde_json::from_str::<Value>(&text).unwrap();
        }
    };
    assert_eq!(pong["type"], "pong", "{pong}");

    // A socket that never says connection_init is closed with 4408 after 10 s.
    let mut request = format!("ws://{}/graphql/ws", app.address)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut silent, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match silent.next().await {
                Some(Ok(Message::Close(frame))) => break frame,
                Some(Ok(_)) => continue,
                other => panic!("a close frame, not {other:?}"),
            }
        }
    })
    .await
    .expect("closed within 15 s");
    assert_eq!(closed.map(|f| u16::from(f.code)), Some(4408));
}

crate::on_both_databases!(
    the_legacy_subprotocol_and_the_keep_alive_work,
    an_admin_watches_an_import_load,
    a_socket_and_a_viewer_are_held_to_their_caps,
);

crate::on_both_databases!(
    a_commit_made_outside_the_server_reaches_its_subscribers,
    a_socket_closes_when_its_token_expires,
);

/// Two API nodes on one PostgreSQL database: a write on the first reaches a subscriber of the
/// second within a second — the events travel through the database (LISTEN/NOTIFY), not the
/// process. A cluster of the test's own; runs when `STAFFGRAPH_TEST_PG_BIN` is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_node_reaches_a_subscriber_of_another() {
    use crate::cluster::{Cluster, eventually, free_port, serve_with};
    let Some(cluster) = Cluster::when_asked() else {
        return;
    };
    cluster.start();
    cluster.seed();
    let http = reqwest::Client::new();
    let mut nodes = Vec::new();
    for name in ["a", "b"] {
        let port = free_port();
        let log = cluster.dir.path().join(format!("node-{name}.log"));
        let child = serve_with(&cluster.url(), port, &log, &[]);
        let ready = || async {
            http.get(format!("http://127.0.0.1:{port}/ready"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        };
        assert!(eventually(Duration::from_secs(30), ready).await, "node {name} is ready");
        nodes.push((child, std::net::SocketAddr::from(([127, 0, 0, 1], port))));
    }
    let keys = api::auth::token::Keys::from_secret(crate::helpers::TEST_SECRET);
    let admin = crate::helpers::token(&keys, Role::Admin, &[], None);
    let post = |address: std::net::SocketAddr, token: String, query: &'static str, variables: Value| {
        let http = http.clone();
        async move {
            let response = http
                .post(format!("http://{address}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        }
    };
    let (a, b) = (nodes[0].1, nodes[1].1);
    let planned = post(
        a,
        admin,
        r#"{ surveyAdministrations(filter: { status: PLANNED, survey: "SFS-2026" }, first: 1) {
             nodes { id version section { school { code } } } } }"#,
        json!({}),
    )
    .await;
    let node = &planned["data"]["surveyAdministrations"]["nodes"][0];
    let school = node["section"]["school"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{planned}"));
    let principal = crate::helpers::token(&keys, Role::Principal, &[school], None);

    let mut socket = Client::connect(b, Some(&principal)).await;
    socket
        .subscribe("b", ADMINISTRATION_CHANGED, json!({ "school": school }))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let input = json!({ "input": { "id": node["id"], "expectedVersion": node["version"], "status": "ADMINISTERED",
                                   "administeredOn": "2026-03-10", "responseCount": 5 } });
    let recorded = post(a, principal.clone(), UPDATE, input).await;
    let committed = Instant::now();
    assert_eq!(
        recorded["data"]["updateSurveyAdministration"]["surveyAdministration"]["status"], "ADMINISTERED",
        "{recorded}"
    );
    let (_, event) = socket
        .next_within(Duration::from_secs(1))
        .await
        .expect("node b's subscriber hears of node a's write within a second");
    println!(
        "a write on node a reached node b's subscriber {:?} after its response",
        committed.elapsed()
    );
    assert_eq!(
        event["data"]["administrationChanged"]["administration"]["id"],
        node["id"]
    );
    for (mut child, _) in nodes {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Issue 19's "done when": from GraphiQL (`/`, in headless Chromium, the token in its Headers
/// tab), a subscription to `administrationChanged` shows the event of a write made in another
/// tab. Runs when `STAFFGRAPH_TEST_BROWSER` names a Chromium (`.ci/run` sets it after
/// `npm ci --prefix tests/browser`); the screenshot is kept in `target/browser/`.
async fn graphiql_shows_a_subscriptions_event_of_a_write_in_another_tab(backend: Backend) {
    let Some(chromium) = std::env::var_os("STAFFGRAPH_TEST_BROWSER") else {
        eprintln!("skipped: set STAFFGRAPH_TEST_BROWSER=/usr/bin/chromium after `npm ci --prefix tests/browser`");
        return;
    };
    let app = TestApp::spawn_with_demo(backend).await;
    let [(id, version, school), _] = planned_in_two_schools(&app).await;
    let principal = app.token(Role::Principal, &[&school], None);
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let mutation = shots.join(format!("subscription-write-{backend:?}.json"));
    let input = json!({ "input": { "id": id, "expectedVersion": version, "status": "ADMINISTERED",
                                   "administeredOn": "2026-03-10", "responseCount": 23 } });
    std::fs::write(&mutation, json!({ "query": UPDATE, "variables": input }).to_string()).unwrap();
    let subscription = format!(
        "subscription {{ administrationChanged(school: \"{school}\", schoolYear: 2026) {{ administration {{ id status responseCount }} coverage {{ numerator denominator }} }} }}"
    );
    let shot = shots
        .join(format!("graphiql-subscription-{backend:?}.png"))
        .display()
        .to_string();
    let base = app.url("");
    let args = [
        "subscription.mjs",
        base.trim_end_matches('/'),
        &principal,
        &subscription,
        &mutation.display().to_string(),
        "ADMINISTERED",
        &shot,
    ];
    let output = crate::helpers::node("browser", "playwright-core", &args, &[("CHROMIUM", chromium)]).await;
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "GraphiQL did not show the subscription's event:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&report).expect("the script prints JSON");
    assert_eq!(
        report["written"]["data"]["updateSurveyAdministration"]["surveyAdministration"]["status"], "ADMINISTERED",
        "the other tab's write: {report}"
    );
    let result = report["result"].as_str().unwrap();
    assert!(result.contains("\"administrationChanged\""), "{result}");
    assert!(
        result.contains("\"responseCount\": 23"),
        "the event of that write: {result}"
    );
}

crate::on_both_databases!(graphiql_shows_a_subscriptions_event_of_a_write_in_another_tab);
