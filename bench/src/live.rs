//! The subscriptions at scale (issue 19): how many idle WebSockets the server holds and what
//! they cost it in memory, and how long a change takes from the write to the subscribers at
//! 1,000 of them (`administrationChanged` of the target school, every subscriber told of
//! every write). The administrations recorded are put back and the counts rebuilt, as in
//! `writes`.

use crate::harness::{Stats, ms, token};
use crate::scenarios::Targets;
use crate::sql::Pool;
use crate::writes::{planned, put_back, record};
use api::auth::Role;
use api::auth::token::Keys;
use futures_util::{SinkExt, StreamExt};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Sockets opened at once while filling the server.
const OPENING_AT_ONCE: usize = 64;

/// Opens a graphql-transport-ws socket to `url` as the holder of `token` (PUBLIC without),
/// through `connection_ack`.
async fn open(url: &str, token: Option<&str>) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let payload = token.map_or(
        serde_json::json!({}),
        |t| serde_json::json!({ "Authorization": format!("Bearer {t}") }),
    );
    let init = serde_json::json!({ "type": "connection_init", "payload": payload });
    socket.send(Message::text(init.to_string())).await?;
    let answer = tokio::time::timeout(Duration::from_secs(30), socket.next())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the socket closed before connection_ack"))??;
    anyhow::ensure!(
        answer.to_text().is_ok_and(|t| t.contains("connection_ack")),
        "no connection_ack: {answer:?}"
    );
    Ok(socket)
}

/// The server's resident memory now (Linux: VmRSS), in MiB.
fn resident_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// `idle` sockets opened and held (their memory), then `subscribers` sockets subscribed to the
/// target school's `administrationChanged` and `writes` writes delivered to all of them: the
/// report's section.
#[allow(clippy::too_many_arguments)]
pub async fn held_and_delivered(
    client: &reqwest::Client,
    server: (&str, u32),
    keys: &Keys,
    targets: &Targets,
    db: &sea_orm::DatabaseConnection,
    idle: usize,
    subscribers: usize,
    writes: usize,
) -> anyhow::Result<String> {
    let (base, pid) = server;
    let ws_url = format!("{}/graphql/ws", base.replacen("http://", "ws://", 1));
    let graphql_url = format!("{base}/graphql");
    let mut report = String::from("\n### Subscriptions: sockets held, and a write delivered to 1,000 subscribers\n\n");

    // Idle sockets: connected, acknowledged, subscribed to nothing.
    let before = resident_mib(pid);
    let started = Instant::now();
    let mut held: Vec<Socket> = Vec::with_capacity(idle);
    while held.len() < idle {
        let batch = OPENING_AT_ONCE.min(idle - held.len());
        let opened = futures_util::future::join_all((0..batch).map(|_| open(&ws_url, None))).await;
        for socket in opened {
            held.push(socket?);
        }
    }
    let opening = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = resident_mib(pid);
    match (before, after) {
        (Some(before), Some(after)) => writeln!(
            report,
            "{idle} idle sockets (PUBLIC, connected and acknowledged) opened in {:.1} s and held: the server's \
             resident memory went from {before:.0} to {after:.0} MiB ({:.1} KiB a socket).",
            opening.as_secs_f64(),
            (after - before) * 1024.0 / idle as f64
        )?,
        _ => writeln!(
            report,
            "{idle} idle sockets held (memory not available on this platform)."
        )?,
    }
    drop(held);
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Subscribers of the target school's administrations.
    let pool = Pool::of(db);
    let planned = planned(&pool, targets, writes).await?;
    if planned.is_empty() {
        writeln!(
            report,
            "No administration of {} is still to give: delivery not measured.",
            targets.school.0
        )?;
        return Ok(report);
    }
    let principal = token(keys, Role::Principal, targets)?;
    let subscription = serde_json::json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription ($school: String!, $year: Int!) { administrationChanged(school: $school, schoolYear: $year) { administration { id status } coverage { numerator denominator } } }",
        "variables": { "school": targets.school.0, "year": crate::scenarios::YEAR } } });
    let mut sockets = Vec::with_capacity(subscribers);
    while sockets.len() < subscribers {
        let batch = OPENING_AT_ONCE.min(subscribers - sockets.len());
        let opened = futures_util::future::join_all((0..batch).map(|_| open(&ws_url, Some(&principal)))).await;
        for socket in opened {
            let mut socket = socket?;
            socket.send(Message::text(subscription.to_string())).await?;
            sockets.push(socket);
        }
    }
    // Every subscription's first read done before the first write.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent = Arc::new(std::sync::Mutex::new(Instant::now()));
    let mut readers = Vec::new();
    for socket in sockets {
        let sent = sent.clone();
        readers.push(tokio::spawn(async move {
            let mut socket = socket;
            let mut delays = Vec::new();
            while delays.len() < writes {
                let Ok(Some(Ok(message))) = tokio::time::timeout(Duration::from_secs(30), socket.next()).await else {
                    break;
                };
                if message.to_text().is_ok_and(|t| t.contains("\"next\"")) {
                    let at = *sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    delays.push(at.elapsed());
                }
            }
            delays
        }));
    }
    let mut written = Vec::new();
    for p in &planned {
        if let Ok(mut at) = sent.lock() {
            *at = Instant::now();
        }
        let (elapsed, _) = record(client, &graphql_url, &principal, p).await?;
        written.push(elapsed);
        // Each write's events delivered before the next (the delays are from its request).
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let mut delays = Vec::new();
    let mut short = 0;
    for reader in readers {
        let got = reader.await?;
        short += usize::from(got.len() < planned.len());
        delays.extend(got);
    }
    let events = delays.len();
    let (delays, written) = (
        Stats::of(delays, short, Duration::ZERO),
        Stats::of(written, 0, Duration::ZERO),
    );
    writeln!(
        report,
        "\n{subscribers} sockets of the principal of {} subscribed to `administrationChanged` of the school; \
         {} writes (`updateSurveyAdministration`, {} ms p50 each), {events} events received \
         ({short} subscribers missed one).\n",
        targets.school.0,
        planned.len(),
        ms(written.p50)
    )?;
    writeln!(
        report,
        "| from the write's request to the event at each subscriber | p50 / p95 / p99 ms |\n|---|---|"
    )?;
    writeln!(
        report,
        "| {subscribers} subscribers | {} / {} / {} |",
        ms(delays.p50),
        ms(delays.p95),
        ms(delays.p99)
    )?;
    put_back(&pool, &planned).await?;
    api::measures::maintained::rebuild(db).await?;
    writeln!(report, "\nThe administrations were put back and the counts rebuilt.")?;
    Ok(report)
}
