//! The edge (issue 14): what one request may cost, refused before it runs with a coded error,
//! and every error — parse, validation, limits — with its `extensions.code`.

use crate::helpers::{Backend, TestApp, error_code};
use crate::on_both_databases;
use api::auth::Role;
use serde_json::{Value, json};
use std::path::Path;

on_both_databases!(
    aliases_of_the_measures_beyond_the_budget_are_refused_before_they_run,
    nested_connections_are_priced_by_their_page_sizes,
    fragments_that_expand_beyond_the_limit_are_refused_before_validation,
    every_response_reports_its_cost_and_every_error_its_code,
    bodies_batches_and_uploads_are_bounded_and_the_token_is_checked_first,
    a_request_over_its_time_limit_is_stopped_with_timeout,
    browsers_on_the_configured_origins_only_may_call_the_api,
    sigterm_lets_a_request_in_flight_finish_and_the_server_exit_cleanly,
    graphql_over_http_status_codes_and_media_types,
    metrics_scrape_and_every_response_carries_a_request_id,
    keys_come_back_in_the_order_of_the_selection_set,
    a_failed_non_null_field_nulls_its_nearest_nullable_parent,
    graphiql_is_served_from_the_binary,
    attacks_are_refused_in_bounded_time_while_a_principal_keeps_their_latency,
);

/// The codes of a response's errors.
fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("(none)").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Issue 14: 200 aliases of `planMeasures` as PUBLIC took 5.7 s and 3,800 statements while an
/// ADMIN's request waited. Priced at 2,000 each, 30 exceed the budget of 50,000; 200 exceed
/// the 100 aliases a query may have. Either way nothing runs.
async fn aliases_of_the_measures_beyond_the_budget_are_refused_before_they_run(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    for (count, code) in [(30, "QUERY_TOO_COMPLEX"), (200, "TOO_MANY_ALIASES")] {
        let fields: String = (0..count)
            .map(|i| format!("m{i}: planMeasures(schoolYear: 2026) {{ code rate }} "))
            .collect();
        let response = app.post_as(None, &format!("{{ {fields} }}"), json!({})).await;
        let statements = response.headers()["x-sql-statements"].to_str().unwrap().to_owned();
        let body: Value = response.json().await.unwrap();
        assert_eq!(codes(&body), [code], "{count} aliases: {body:#}");
        assert!(body["data"].is_null(), "nothing runs");
        assert_eq!(statements, "0", "{count} aliases ran no SQL");
    }
    // Ten of them — every measure for the district and its regions, and more — are a dashboard.
    let fields: String = (0..10)
        .map(|i| format!("m{i}: planMeasures(schoolYear: 2026) {{ code rate }} "))
        .collect();
    let body = app.graphql_as(None, &format!("{{ {fields} }}"), json!({})).await;
    assert!(body["errors"].is_null(), "{body:#}");
}

/// Issue 14: four nested connections of 100 each cost "~14" under a limit that counted every
/// field once. A connection's fields now count once per row of the page it asks for — by
/// literal, by variable, or the default page of 20.
async fn nested_connections_are_priced_by_their_page_sizes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let nested = "query ($n: Int) { organizations(first: 100) { edges { node { staff(first: $n) { edges { node {
        evaluations(first: 100) { edges { node { events(first: 100) { edges { node { id } } } } } } } } } } } } }";
    let body = app.graphql(nested, json!({ "n": 100 })).await;
    assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"], "{body:#}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("100") || message.contains("cost"), "{message}");
    // Two levels of 100 are a page of pages: accepted, and priced at least 100 × 100.
    let two = "{ organizations(first: 100) { edges { node { code staff(first: 100) { edges { node { id } } } } } } }";
    let body = app.graphql(two, json!({})).await;
    assert!(body["errors"].is_null(), "{body:#}");
    let requested = body["extensions"]["cost"]["requested"].as_u64().unwrap();
    assert!(requested >= 100 * 100, "requested {requested}");
    // Without `first`, the default page of 20 is assumed.
    let defaulted = "{ organizations { edges { node { staff { edges { node { id } } } } } } }";
    let body = app.graphql(defaulted, json!({})).await;
    let requested = body["extensions"]["cost"]["requested"].as_u64().unwrap();
    assert!((20 * 20..100 * 100).contains(&requested), "requested {requested}");
}

/// Issue 14: a 645-byte query of nested fragment spreads took 4.9 s of CPU before "too
/// complex". Expanded, each level doubles; the expansion is counted once per fragment, before
/// validation.
async fn fragments_that_expand_beyond_the_limit_are_refused_before_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut query = String::from("query { ...F20 }\nfragment F0 on Query { __typename }\n");
    for level in 1..=20 {
        let below = level - 1;
        query.push_str(&format!("fragment F{level} on Query {{ ...F{below} ...F{below} }}\n"));
    }
    let body = app.graphql(&query, json!({})).await;
    assert_eq!(codes(&body), ["QUERY_TOO_LARGE"], "{body:#}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("fragments"));
    // The query text itself is bounded too.
    let long = format!("{{ __typename {} }}", " ".repeat(40 * 1024));
    assert_eq!(codes(&app.graphql(&long, json!({})).await), ["QUERY_TOO_LARGE"]);
}

/// DESIGN §5: every error carries `extensions.code` — parse and validation failures and the
/// depth limit too — and every response its cost.
async fn every_response_reports_its_cost_and_every_error_its_code(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let body = app
        .graphql("{ organizations(first: 5) { edges { node { code } } } }", json!({}))
        .await;
    let cost = &body["extensions"]["cost"];
    let (requested, actual) = (cost["requested"].as_u64().unwrap(), cost["actual"].as_u64().unwrap());
    assert!(actual > 0 && actual <= requested, "{cost:#}");
    assert_eq!(cost["limit"], 50_000);
    let deep = format!(
        "{{ {}__typename{} }}",
        "organization(code: \"DIST\") { parent { ".repeat(10),
        " } }".repeat(10)
    );
    for (query, code) in [
        ("{ organizations { ", "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
        (
            "query ($n: Int!) { organizations(first: $n) { totalCount } }",
            "BAD_USER_INPUT",
        ),
        (deep.as_str(), "QUERY_TOO_DEEP"),
    ] {
        let body = app.graphql(query, json!({})).await;
        assert!(!codes(&body).is_empty(), "{query}: {body:#}");
        assert!(codes(&body).iter().all(|c| c == code), "{query}: {body:#}");
    }
    let body = app
        .graphql(
            "query ($n: Int) { organizations(first: $n) { totalCount } }",
            json!({ "n": "many" }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
}

/// Issue 14: a 50 MB body was read (peak RSS 552 MB), a batch of 500 operations ran for 14 s,
/// and a multipart upload was read whole before the token was checked.
async fn bodies_batches_and_uploads_are_bounded_and_the_token_is_checked_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // A client of its own for each request: the server answers a body over the limit before
    // reading it and closes the connection, and a pooled connection reused in that moment
    // fails the next request with "connection closed" (seen once in CI).
    let post = |token: Option<&str>, body: reqwest::Body, content_type: &str| {
        let mut request = reqwest::Client::new()
            .post(app.url("/graphql"))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let huge =
        serde_json::to_vec(&json!({ "query": "{ __typename }", "variables": { "x": "y".repeat(2 << 20) } })).unwrap();
    let response = post(Some(app.admin_token()), huge.clone().into(), "application/json")
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE", "{body:#}");
    // A refused token is refused before the body is considered: a body that is not even
    // JSON gets the 401, not a 400. (With a body over the limit too, the client may see the
    // connection closed under the rest of its body instead of the answer.)
    let response = post(Some("not-a-token"), "not json at all".into(), "application/json")
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // An upload is ADMIN's only, refused before it is read.
    let employee = app.token(Role::Employee, &[], Some("E1"));
    let upload = "--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n--b--\r\n";
    let response = post(Some(&employee), upload.into(), "multipart/form-data; boundary=b")
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "FORBIDDEN");
    // Ten operations make a batch; eleven are too many, and none of them runs.
    for (count, status) in [(10, 200), (11, 400)] {
        let batch: Vec<Value> = (0..count).map(|_| json!({ "query": "{ __typename }" })).collect();
        let response = app.client.post(app.url("/graphql")).json(&batch).send().await.unwrap();
        assert_eq!(response.status(), status, "{count} operations");
        let body: Value = response.json().await.unwrap();
        if status == 400 {
            assert_eq!(error_code(&body), "BATCH_TOO_LARGE", "{body:#}");
        } else {
            assert_eq!(body.as_array().map(Vec::len), Some(10));
        }
    }
}

/// Issue 14, point 1: a request has a time limit; past it the work is dropped and the client
/// told so, with a hint to retry.
async fn a_request_over_its_time_limit_is_stopped_with_timeout(backend: Backend) {
    // No time at all: the request is stopped once it waits for the database. (1 ms was
    // enough for the measures once they were read from maintained counts, and a zero limit
    // fires at the timer's next tick, about a millisecond: so the request waits on four
    // statements in turn, one per level, each a chance for the timer to fire.)
    let edge = api::config::EdgeArgs {
        request_timeout: std::time::Duration::ZERO,
        ..api::config::EdgeArgs::default()
    };
    let app = TestApp::spawn_with_demo_and_edge(backend, edge).await;
    let nested = "{ organizations(kind: SCHOOL, first: 20) { edges { node { code \
        staff(first: 20) { edges { node { employeeNumber evaluations(first: 5) { edges { node { status \
        events(first: 10) { edges { node { kind } } } } } } } } } } } } }";
    let response = app.post_as(Some(app.admin_token()), nested, json!({})).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "2");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "TIMEOUT", "{body:#}");
}

/// Issue 14, point 4: no CORS by default (a page on another origin gets no permission); the
/// configured origins get it, preflight included.
async fn browsers_on_the_configured_origins_only_may_call_the_api(backend: Backend) {
    let preflight = |app: &TestApp, origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let allowed = |response: &reqwest::Response| {
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let closed = TestApp::spawn(backend).await;
    let response = preflight(&closed, "https://dash.example.org").await.unwrap();
    assert_eq!(allowed(&response), None, "no origin by default");
    // A browser's POST from the server's own page (GraphiQL) carries its origin: it is not a
    // cross-origin request, and was refused as one (403) until GraphiQL's browser test met it.
    let own = closed.url("").trim_end_matches('/').to_owned();
    let post = |app: &TestApp, origin: String| {
        app.client
            .post(app.url("/graphql"))
            .header("origin", origin)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
    };
    let response = post(&closed, own.clone()).await.unwrap();
    assert_eq!(response.status(), 200, "same origin");
    assert_eq!(response.json::<Value>().await.unwrap()["data"]["__typename"], "Query");
    let response = post(&closed, "https://dash.example.org".into()).await.unwrap();
    assert_eq!(response.status(), 403, "a cross-origin POST without CORS");
    let response = post(&closed, own.replace("127.0.0.1", "localhost")).await.unwrap();
    assert_eq!(response.status(), 403, "another host is another origin");
    let open = TestApp::spawn_with_cors(backend, &["https://dash.example.org"]).await;
    let response = preflight(&open, "https://dash.example.org").await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(allowed(&response).as_deref(), Some("https://dash.example.org"));
    let response = preflight(&open, "https://elsewhere.example").await.unwrap();
    assert_eq!(allowed(&response), None, "another origin is not let in");
    let response = open
        .client
        .post(open.url("/graphql"))
        .header("origin", "https://dash.example.org")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed(&response).as_deref(), Some("https://dash.example.org"));
}

/// Issue 14, point 6: SIGTERM dropped requests in flight. Now the server stops accepting, lets
/// the request finish, and exits 0.
async fn sigterm_lets_a_request_in_flight_finish_and_the_server_exit_cleanly(backend: Backend) {
    let test_db = crate::helpers::TestDb::new(backend).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = crate::helpers::staffgraph(&test_db, &["serve"])
        .env("STAFFGRAPH_BIND", format!("127.0.0.1:{port}"))
        .env("STAFFGRAPH_JWT_SECRET", crate::helpers::TEST_SECRET)
        .spawn()
        .expect("staffgraph serves");
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if client
            .get(format!("{url}/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the server became ready");
    // A request whose body is still arriving when the signal comes.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let chunks = futures_util::stream::unfold(receiver, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    });
    let body = reqwest::Body::wrap_stream(chunks);
    let request = tokio::spawn(
        client
            .post(format!("{url}/graphql"))
            .header("content-type", "application/json")
            .body(body)
            .send(),
    );
    sender.send(Ok(br#"{"query": "{ __ty"#.to_vec())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sender.send(Ok(br#"pename }"}"#.to_vec())).await.unwrap();
    drop(sender);
    let response = request.await.unwrap().expect("the request in flight is answered");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "Query", "{body:#}");
    let status = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status}");
    // And it no longer accepts.
    assert!(client.get(format!("{url}/health")).send().await.is_err());
}

/// The variable that runs the tests needing Node.js (`.ci/run` sets it, after `npm ci` in
/// `tests/http-audit`).
const NODE_ENV: &str = "STAFFGRAPH_TEST_NODE";

/// Issue 14, point 2: graphql-http's GraphQL-over-HTTP server audit reported 9 warnings (no
/// `application/graphql-response+json`, so no 4xx for request errors; a POST without a content
/// type or as text/plain executed; GET executed mutations). Every audit must now be ok.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphql_over_http_audit_passes_with_no_warning() {
    if std::env::var_os(NODE_ENV).is_none() {
        eprintln!(
            "skipped: the graphql-http audit needs Node.js; set {NODE_ENV}=1 after `npm ci --prefix tests/http-audit`"
        );
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    let output = crate::helpers::node("http-audit", "graphql-http", &["audit.mjs", &app.url("/graphql")], &[]).await;
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}");
    assert!(
        output.status.success(),
        "the audit found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The variable naming the browser for page tests (Debian's `/usr/bin/chromium`).
const BROWSER_ENV: &str = "STAFFGRAPH_TEST_BROWSER";

/// Issue 14, point 3: GraphiQL was a blank "Loading..." without internet (React development
/// builds and a floating `graphiql@4` from a CDN). In headless Chromium with every other
/// origin refused, the page now loads, runs a query and shows its result, asks for nothing
/// elsewhere and logs no error (its Content-Security-Policy would report a file from
/// elsewhere). The screenshot is kept in `target/browser/graphiql.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_a_query_in_headless_chromium_with_no_internet() {
    let Some(chromium) = std::env::var_os(BROWSER_ENV) else {
        eprintln!(
            "skipped: set {BROWSER_ENV}=/usr/bin/chromium (Debian's chromium) after `npm ci --prefix tests/browser`"
        );
        return;
    };
    let app = TestApp::spawn_with_demo(Backend::Sqlite).await;
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let base = app.url("");
    let shot = shots.join("graphiql.png").display().to_string();
    let args = ["graphiql.mjs", base.trim_end_matches('/'), "SFS_COVERAGE", &shot];
    let output = crate::helpers::node("browser", "playwright-core", &args, &[("CHROMIUM", chromium)]).await;
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "GraphiQL did not run the query offline:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&report).expect("the script prints JSON");
    let result = report["result"].as_str().unwrap();
    assert!(
        result.contains("\"planMeasures\""),
        "the result pane shows the response: {result}"
    );
    assert!(
        result.contains("MULTIPLE_MEASURES"),
        "every measure is listed: {result}"
    );
    assert_eq!(report["title"], "staffgraph — GraphiQL");
}

/// The page and its assets: the page names only files of this origin and is held to it by
/// its Content-Security-Policy; the assets are the embedded release files, with ETags that
/// answer 304.
async fn graphiql_is_served_from_the_binary(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(
        policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"),
        "{policy}"
    );
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("https://") && !html.contains("//unpkg") && !html.contains("cdn"),
        "{html}"
    );
    for asset in [
        "/graphiql/graphiql.min.js",
        "/graphiql/graphiql.min.css",
        "/graphiql/react.production.min.js",
        "/graphiql/react-dom.production.min.js",
        "/graphiql/start.js",
    ] {
        assert!(html.contains(asset), "the page loads {asset}");
        let response = app.client.get(app.url(asset)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        let etag = response.headers()["etag"].clone();
        assert!(
            response.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age"),
            "{asset} is cached"
        );
        let again = app
            .client
            .get(app.url(asset))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{asset} revalidates");
    }
    let react = app
        .client
        .get(app.url("/graphiql/react.production.min.js"))
        .send()
        .await
        .unwrap();
    assert!(
        react.text().await.unwrap().contains("react.production.min.js"),
        "the production build"
    );
    let missing = app.client.get(app.url("/graphiql/nothing.js")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

/// The same rules, spelled out where the audit is silent: the response's media type follows
/// `Accept`, a request error is a 400 without `data` for `application/graphql-response+json`
/// and a 200 for `application/json`, an execution error is a 200 with `data`, a POST that is
/// not JSON is 415, a GET mutation 405.
async fn graphql_over_http_status_codes_and_media_types(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let post = |accept: Option<&'static str>, content_type: Option<&'static str>, body: String| {
        let mut request = app.client.post(app.url("/graphql")).body(body);
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };
    let json_body = |query: &str| json!({ "query": query }).to_string();
    let grj = "application/graphql-response+json";
    for (accept, query, status, media, has_data) in [
        (Some(grj), "{ __typename }", 200, grj, true),
        (Some(grj), "{", 400, grj, false),
        (Some(grj), "{ noSuchField }", 400, grj, false),
        (Some("application/json"), "{", 200, "application/json", true),
        (None, "{ noSuchField }", 200, "application/json", true),
        (Some("*/*"), "{ __typename }", 200, "application/json", true),
        // An execution error: a field's, with a path; data is there.
        (Some(grj), r#"{ organization(code: "NONE") { code } }"#, 200, grj, true),
    ] {
        let response = post(accept, Some("application/json"), json_body(query)).await.unwrap();
        assert_eq!(response.status(), status, "{accept:?} {query}");
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with(media), "{accept:?} {query}: {content_type}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body.get("data").is_some(), has_data, "{accept:?} {query}: {body:#}");
    }
    for content_type in [None, Some("text/plain")] {
        let response = post(None, content_type, json_body("{ __typename }")).await.unwrap();
        assert_eq!(response.status(), 415, "{content_type:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "UNSUPPORTED_MEDIA_TYPE");
    }
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "queries may be sent with GET");
}

/// Issue 14, point 5: `/metrics` in Prometheus's format; a request id on every response and in
/// every error; responses compressed when the client asks.
async fn metrics_scrape_and_every_response_carries_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("x-request-id", "dash-42")
        .json(&json!({ "query": "query MetricsProbe { __typename }", "operationName": "MetricsProbe" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "dash-42", "a caller's id is kept");
    // A refused one: its error says which request it was.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("x-request-id", "not a plain id")
        .bearer_auth("nonsense")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "a new id: {id}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str());
    let body = app.graphql("{ noSuchField }", json!({})).await;
    assert!(body["errors"][0]["extensions"]["requestId"].is_string(), "{body:#}");

    let scrape = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(scrape.headers().contains_key("x-request-id"));
    let text = scrape.text().await.unwrap();
    let line = |prefix: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in:\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(line(r#"staffgraph_graphql_requests_total{operation="MetricsProbe",outcome="ok"}"#) >= 1.0);
    assert!(line(r#"staffgraph_graphql_requests_total{operation="unknown",outcome="refused"}"#) >= 1.0);
    assert!(line("staffgraph_graphql_request_duration_seconds_count") >= 1.0);
    assert!(line(r#"staffgraph_db_pool_connections{state="idle"}"#) >= 0.0);
    for queue in ["signed_in", "anonymous", "signed_in_counted", "anonymous_counted"] {
        assert_eq!(
            line(&format!(
                r#"staffgraph_measure_runs{{queue="{queue}",state="waiting"}}"#
            )),
            0.0
        );
    }
    assert!(text.contains("staffgraph_sql_statements_total"), "{text}");
    assert_eq!(
        line(r#"staffgraph_public_requests{state="waiting"}"#),
        0.0,
        "nobody waits in the public's lane"
    );

    let compressed = app
        .client
        .post(app.url("/graphql"))
        .header("accept-encoding", "gzip")
        .json(&json!({ "query": "{ __schema { types { name } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
}

/// GraphQL requires a response's keys in the order of the selection set (typed clients and
/// snapshot tests rely on it), for both media types and every nesting.
async fn keys_come_back_in_the_order_of_the_selection_set(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = "{ zeta: __typename alpha: __typename __schema { queryType { name kind } } }";
    for accept in ["application/json", "application/graphql-response+json"] {
        let text = app
            .client
            .post(app.url("/graphql"))
            .header("accept", accept)
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = |key: &str| {
            text.find(&format!("\"{key}\""))
                .unwrap_or_else(|| panic!("{key} in {text}"))
        };
        assert!(at("zeta") < at("alpha"), "{accept}: {text}");
        assert!(at("alpha") < at("__schema"), "{accept}: {text}");
        assert!(at("name") < at("kind"), "{accept}: {text}");
        assert!(at("data") < at("extensions"), "{accept}: {text}");
    }
}

/// Issue 14, point 2: a non-null field that failed disappeared from `data` instead of its null
/// propagating to the nearest nullable parent (GraphQL §6.4.4), so typed clients failed on a
/// missing key.
async fn a_failed_non_null_field_nulls_its_nearest_nullable_parent(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    // planMeasures is [PlanMeasure!]!, on the root: data itself goes.
    let body = app
        .graphql(
            "{ a: planMeasures(schoolYear: 1800) { code } b: organizations(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(body["data"].is_null(), "{body:#}");
    // sfsResults is [QuestionResult!]! on a nullable staffMember, which ADMIN may not read
    // results of: the staff member goes, the sibling stays.
    let body = app
        .graphql(
            r#"{ staffMember(employeeNumber: "E100001") { employeeNumber sfsResults(schoolYear: 2026) { n } }
                 organizations(first: 1) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    assert_eq!(body["errors"][0]["path"], json!(["staffMember", "sfsResults"]));
    let data = body["data"].as_object().unwrap();
    assert!(
        data.contains_key("staffMember") && data["staffMember"].is_null(),
        "{body:#}"
    );
    assert_eq!(data["organizations"]["totalCount"], 17);
}

/// The principal's school page: their teachers with sections, administrations and evaluations.
const PRINCIPAL_PAGE: &str = "{ organization(code: \"SCH-101\") { name
    staff(filter: { employeeGroup: \"TCH\" }, first: 20) { totalCount nodes { employeeNumber lastName
      sections(schoolYear: 2026, first: 10) { nodes { sectionCode administrations(first: 5) { nodes { status } } } }
      evaluations(filter: { schoolYear: 2026 }, first: 5) { nodes { status } } } } } }";

/// The median of some durations.
fn median(mut times: Vec<std::time::Duration>) -> std::time::Duration {
    times.sort();
    times[times.len() / 2]
}

/// Issue 14, "done when": each attack of the issue — 200 aliases of `planMeasures`, a batch
/// of 500, nested fragment spreads, 200 aliases of `notAdministered(first: 100)`, an 8 MB
/// body — and a crowd of the public asking for the district's measures, sent all at once and
/// again and again, each get their coded answer in bounded time, while a principal's school
/// page, asked meanwhile, keeps about its normal latency: the public's requests take turns in
/// a lane of their own, so they hold at most that share of the machine. (Before the lane,
/// the page went from 34 ms to 233 ms under this load; before the fragments were judged
/// ahead of async-graphql's own recursion check, each spread bomb took 0.8 s of CPU.)
async fn attacks_are_refused_in_bounded_time_while_a_principal_keeps_their_latency(backend: Backend) {
    use std::time::{Duration, Instant};
    let app = std::sync::Arc::new(TestApp::spawn_with_demo(backend).await);
    let principal = app.token(Role::Principal, &["SCH-101"], None);
    let page = |app: std::sync::Arc<TestApp>, token: String| async move {
        let started = Instant::now();
        let body = app.graphql_as(Some(&token), PRINCIPAL_PAGE, json!({})).await;
        assert!(body["errors"].is_null(), "{body:#}");
        assert!(body["data"]["organization"]["staff"]["totalCount"].as_u64().unwrap() > 0);
        started.elapsed()
    };
    page(app.clone(), principal.clone()).await; // warm
    let mut alone = Vec::new();
    for _ in 0..15 {
        alone.push(page(app.clone(), principal.clone()).await);
    }
    let alone = median(alone);

    let aliases = |field: &str, count: usize| {
        let fields: String = (0..count).map(|i| format!("a{i}: {field} ")).collect();
        json!({ "query": format!("{{ {fields} }}") }).to_string()
    };
    let mut bomb = String::from("query { ...F20 }\nfragment F0 on Query { __typename }\n");
    for level in 1..=20 {
        bomb.push_str(&format!(
            "fragment F{level} on Query {{ ...F{} ...F{} }}\n",
            level - 1,
            level - 1
        ));
    }
    let batch: Vec<Value> = (0..500)
        .map(|_| json!({ "query": "{ planMeasures(schoolYear: 2026) { code } }" }))
        .collect();
    let attacks: Vec<(&str, String, &str)> = vec![
        (
            "200 aliases of planMeasures",
            aliases("planMeasures(schoolYear: 2026) { code rate }", 200),
            "TOO_MANY_ALIASES",
        ),
        (
            "30 aliases of planMeasures",
            aliases("planMeasures(schoolYear: 2026) { code rate }", 30),
            "QUERY_TOO_COMPLEX",
        ),
        (
            "a batch of 500",
            serde_json::to_string(&batch).unwrap(),
            "BATCH_TOO_LARGE",
        ),
        ("fragments", json!({ "query": bomb }).to_string(), "QUERY_TOO_LARGE"),
        (
            "200 aliases of notAdministered",
            aliases(
                "sfsCoverage(schoolYear: 2026) { notAdministered(first: 100) { totalCount } }",
                200,
            ),
            "TOO_MANY_ALIASES",
        ),
        (
            "an 8 MB body",
            format!(
                "{{\"query\": \"{{ __typename }}\", \"x\": \"{}\"}}",
                "x".repeat(8 << 20)
            ),
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "the public's measures",
            json!({ "query": "{ planMeasures(schoolYear: 2026) { code rate } }" }).to_string(),
            "",
        ),
    ];
    let deadline = Instant::now() + Duration::from_secs(4);
    let mut attackers = Vec::new();
    for (name, body, code) in attacks {
        for _ in 0..2 {
            let (app, body) = (app.clone(), body.clone());
            attackers.push(tokio::spawn(async move {
                let mut slowest = Duration::ZERO;
                let (mut sent, mut limited) = (0, 0);
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let response = app
                        .client
                        .post(app.url("/graphql"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    let answer: Value = response.json().await.unwrap();
                    slowest = slowest.max(started.elapsed());
                    sent += 1;
                    // Refused for what it is, or — the public's lane and its line full —
                    // told to come back later.
                    let got = codes(&answer);
                    if got == ["RATE_LIMITED"] {
                        limited += 1;
                    } else if code.is_empty() {
                        assert!(answer["errors"].is_null(), "{name}: {answer:#}");
                    } else {
                        assert_eq!(got, [code], "{name}");
                    }
                }
                (name, sent, limited, slowest)
            }));
        }
    }
    // Meanwhile the principal's page, and the public's lane as /metrics shows it.
    let lane = |text: &str, state: &str| -> u64 {
        crate::helpers::metric(text, &format!("staffgraph_public_requests{{state=\"{state}\"}}"))
            .map_or(0, |v| v as u64)
    };
    let (mut most_running, mut most_waiting) = (0, 0);
    let mut attacked = Vec::new();
    while Instant::now() < deadline {
        attacked.push(page(app.clone(), principal.clone()).await);
        let metrics = app.metrics().await;
        most_running = most_running.max(lane(&metrics, "running"));
        most_waiting = most_waiting.max(lane(&metrics, "waiting"));
    }
    let mut slowest_attack = Duration::ZERO;
    for attacker in attackers {
        let (name, sent, limited, slowest) = attacker.await.unwrap();
        println!("{name}: {sent} sent ({limited} RATE_LIMITED), slowest answer {slowest:?}");
        assert!(sent > 0, "{name}");
        if name != "the public's measures" {
            slowest_attack = slowest_attack.max(slowest);
        }
    }
    let under_attack = median(attacked.clone());
    println!(
        "principal page: median {alone:?} alone, {under_attack:?} under attack ({} requests)",
        attacked.len()
    );
    println!("the public's lane: at most {most_running} running, {most_waiting} waiting");
    // What is deterministic: the public ran at most its share at once while the rest of it
    // waited, every attack got its code within a bounded time, and the principal's pages went
    // on being answered meanwhile. The latency itself is measured (printed above) and held
    // only to a loose bound here: the suite runs other tests on the same cores meanwhile.
    let share = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)) as u64;
    assert!(
        most_running <= share,
        "{most_running} anonymous requests ran at once; the lane holds {share}"
    );
    assert!(most_waiting >= 1, "the public's requests waited in their lane");
    assert!(
        attacked.len() >= 5,
        "the principal's pages were answered during the attack: {}",
        attacked.len()
    );
    assert!(
        slowest_attack < Duration::from_secs(5),
        "every refusal within 5 s: {slowest_attack:?}"
    );
    assert!(
        under_attack < alone * 5 + Duration::from_millis(300),
        "the principal's page: {alone:?} alone, {under_attack:?} under attack"
    );
}
