//! The peer: PostGraphile v4 over the same PostgreSQL database, measured beside staffgraph on
//! the three requests both can answer — the principal's school page, a page of 100 staff with
//! their assignments, and 50 staff looked up by id. PostGraphile is an npm package installed
//! in the harness's own folder (`bench/peer`, `npm ci`); without node and npm the harness says
//! so and leaves the peer out. PostGraphile runs with its defaults and no row-level rules (it
//! sees everything, where staffgraph checks every viewer's scope), and its queries are the
//! nearest its schema allows: equality conditions only, so the principal's page lists the
//! school's first assignments rather than its teachers of the year (the same number of
//! people and the same nesting: sections, their administrations, evaluations).

use crate::harness::{load, ms, token};
use crate::scenarios::Targets;
use api::auth::Role;
use api::auth::token::Keys;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The folder the peer is installed in.
fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peer")
}

/// A running PostGraphile.
pub struct Peer {
    child: std::process::Child,
    pub url: String,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Peer {
    /// Starts PostGraphile on a free loopback port over `database_url`, installing it first
    /// when it is not (`npm ci` in `bench/peer`); why not, when it cannot.
    pub async fn start(database_url: &str) -> Result<Self, String> {
        let dir = folder();
        let binary = dir.join("node_modules/.bin/postgraphile");
        if !binary.exists() {
            let installed = std::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .stdout(std::process::Stdio::null())
                .status();
            match installed {
                Ok(status) if status.success() => {}
                Ok(status) => return Err(format!("`npm ci` in {} failed ({status})", dir.display())),
                Err(error) => return Err(format!("npm is not available ({error})")),
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let child = std::process::Command::new(&binary)
            .args([
                "--connection",
                database_url,
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .args([
                "--disable-default-mutations",
                "--disable-graphiql",
                "--simple-collections",
                "omit",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("PostGraphile did not start: {e}"))?;
        let peer = Self {
            child,
            url: format!("http://127.0.0.1:{port}/graphql"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            let probe = client
                .post(&peer.url)
                .json(&json!({ "query": "{ __typename }" }))
                .send()
                .await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return Ok(peer);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err("PostGraphile did not answer in 30 s".into())
    }
}

/// One request as each server asks it.
struct Shared {
    name: &'static str,
    role: Role,
    ours: (String, Value),
    theirs: (String, Value),
    /// The rows both answers must list as many of: a path to an array in each.
    rows: (&'static [&'static str], &'static [&'static str]),
}

fn shared(targets: &Targets) -> Vec<Shared> {
    let lookups: String = targets
        .staff_ids
        .iter()
        .enumerate()
        .map(|(i, (_, id))| format!("s{i}: staffById(id: {id}) {{ employeeNumber firstName lastName active }} "))
        .collect();
    let ids: Vec<&str> = targets.staff_ids.iter().map(|(id, _)| id.as_str()).collect();
    vec![
        Shared {
            name: "principal school page",
            role: Role::Principal,
            ours: (
                crate::scenarios::principal_page(targets, 50).query.to_owned(),
                json!({ "school": targets.school.0, "first": 50 }),
            ),
            theirs: (
                "query ($school: String!, $first: Int!) { organizationByCode(code: $school) { name
                  assignmentsByOrganizationId(first: $first) { totalCount nodes { staffByStaffId {
                    employeeNumber firstName lastName
                    sectionTeachersByStaffId(first: 10) { nodes { sectionBySectionId { sectionCode courseName enrolledCount
                      surveyAdministrationsBySectionId(first: 5) { nodes { status responseCount } } } } }
                    evaluationsByEvaluateeId(first: 5) { nodes { status rosteredOn } } } } } } }"
                    .to_owned(),
                json!({ "school": targets.school.0, "first": 50 }),
            ),
            rows: (
                &["organization", "staff", "nodes"],
                &["organizationByCode", "assignmentsByOrganizationId", "nodes"],
            ),
        },
        Shared {
            name: "100 staff with assignments",
            role: Role::Hr,
            ours: (
                "{ staff(first: 100) { nodes { employeeNumber firstName lastName
                    assignments(first: 20) { nodes { jobTitle beginDate } } } } }"
                    .to_owned(),
                json!({}),
            ),
            theirs: (
                "{ allStaff(first: 100, orderBy: ID_ASC) { nodes { employeeNumber firstName lastName
                    assignmentsByStaffId(first: 20) { nodes { jobTitle beginDate } } } } }"
                    .to_owned(),
                json!({}),
            ),
            rows: (&["staff", "nodes"], &["allStaff", "nodes"]),
        },
        Shared {
            name: "50 staff by id",
            role: Role::Hr,
            ours: (
                crate::scenarios::node_batch(targets).query.to_owned(),
                json!({ "ids": ids }),
            ),
            theirs: (format!("{{ {lookups}}}"), json!({})),
            rows: (&["nodes"], &[]),
        },
    ]
}

/// How many rows an answer lists at `path` (for the lookups: how many aliases answered).
fn rows(body: &Value, path: &[&str]) -> usize {
    let data = &body["data"];
    if path.is_empty() {
        return data
            .as_object()
            .map_or(0, |o| o.values().filter(|v| !v.is_null()).count());
    }
    path.iter()
        .fold(data, |at, key| &at[*key])
        .as_array()
        .map_or(0, Vec::len)
}

/// Sends `(query, variables)` once; the answer, refused when it has errors.
async fn once(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    (query, variables): &(String, Value),
) -> anyhow::Result<Value> {
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request.send().await?.json().await?;
    anyhow::ensure!(body.get("errors").is_none(), "{body}");
    Ok(body)
}

/// The report's section: each shared request on both servers, at each concurrency; whether
/// staffgraph's throughput is at least 1.5× PostGraphile's on each.
pub async fn compare(
    client: &reqwest::Client,
    ours: &str,
    keys: &Keys,
    targets: &Targets,
    database_url: &str,
    options: &crate::harness::Options,
) -> anyhow::Result<String> {
    let mut report = String::from("\n### Beside PostGraphile v4 (same database, same run)\n\n");
    let peer = match Peer::start(database_url).await {
        Ok(peer) => peer,
        Err(why) => {
            writeln!(report, "PostGraphile not measured: {why}.")?;
            return Ok(report);
        }
    };
    writeln!(
        report,
        "| request | clients | staffgraph p50 / p99 ms | staffgraph req/s | PostGraphile p50 / p99 ms | PostGraphile req/s | throughput ratio | rows (staffgraph / PostGraphile) |"
    )?;
    writeln!(report, "|---|---:|---|---:|---|---:|---:|---|")?;
    let mut ahead = true;
    for request in shared(targets) {
        let token = token(keys, request.role, targets)?;
        let answered = (
            rows(&once(client, ours, Some(&token), &request.ours).await?, request.rows.0),
            rows(&once(client, &peer.url, None, &request.theirs).await?, request.rows.1),
        );
        for &clients in &options.clients {
            let body = |(query, variables): &(String, Value)| json!({ "query": query, "variables": variables });
            let us = load(client, ours, Some(token.clone()), body(&request.ours), clients, options).await?;
            let them = load(client, &peer.url, None, body(&request.theirs), clients, options).await?;
            let ratio = us.per_second / them.per_second.max(1e-9);
            ahead &= ratio >= 1.5;
            writeln!(
                report,
                "| {} (both) | {clients} | {} / {} | {:.0} | {} / {} | {:.0} | {ratio:.2} | {} / {} |",
                request.name,
                ms(us.p50),
                ms(us.p99),
                us.per_second,
                ms(them.p50),
                ms(them.p99),
                them.per_second,
                answered.0,
                answered.1
            )?;
        }
    }
    writeln!(
        report,
        "\nstaffgraph's throughput ≥ 1.5× PostGraphile's on every row: {}.",
        if ahead { "yes" } else { "no (see the ratio column)" }
    )?;
    Ok(report)
}
