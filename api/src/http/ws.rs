//! `/graphql/ws`: the subscriptions over WebSocket (issue 19), speaking `graphql-transport-ws`
//! and the legacy `graphql-ws` (subscriptions-transport-ws) subprotocols, async-graphql's own
//! implementation of both. The bearer token comes in `connection_init`'s payload
//! (`{"Authorization": "Bearer …"}`, the header's name in any case, or `{"token": "…"}`); no
//! token is PUBLIC, as on HTTP, and a bad one refuses the connection (`4403` on
//! graphql-transport-ws). The viewer is resolved once, as on HTTP, and every subscription of the
//! socket runs with it, through the same services and rules as the matching query. When the
//! token expires the socket is closed with `4401` ("token expired"), and one that sends no
//! `connection_init` within 10 s with `4408`. A client's `ping` is answered with `pong`; the
//! server pings a graphql-transport-ws socket every minute (the legacy protocol gets its `ka`)
//! and closes one that sends nothing, not even a pong, for five minutes. Each socket has a
//! writer of its own behind a bounded queue, so that its subscriptions — and the readings
//! they share with other sockets' — never wait on a slow client; a client that lets the queue
//! fill up, or takes 10 s over one message, is let go.

use super::AppState;
use crate::auth::Viewer;
use crate::config::LiveArgs;
use crate::error::{ApiError, Refusal};
use crate::graphql::{Counter, RequestContext};
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use async_graphql_poem::GraphQLProtocol;
use futures_util::{SinkExt, StreamExt};
use poem::web::Data;
use poem::web::websocket::{Message, WebSocket};
use poem::{IntoResponse, handler};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A socket that sends nothing (not even a ping) for this long is closed.
const KEEPALIVE: Duration = Duration::from_secs(5 * 60);

/// The close code of graphql-transport-ws for a refused `connection_init`.
const FORBIDDEN: u16 = 4403;

/// The close code for a viewer who holds the most sockets they may (graphql-transport-ws's
/// "Too many requests").
const TOO_MANY: u16 = 4429;

/// How long one message may take to reach a client's socket before the server lets it go.
const SEND_WITHIN: Duration = Duration::from_secs(10);

/// Messages a socket's writer holds for a client that is slow to take them; one more and the
/// client is let go.
const OUTGOING_QUEUE: usize = 256;

/// How long a socket may stay open without `connection_init` (graphql-transport-ws closes
/// it with 4408).
const INIT_WITHIN: Duration = Duration::from_secs(10);

/// The close code of a socket that never sent `connection_init`.
const INIT_TIMEOUT: u16 = 4408;

/// How often the server pings a quiet socket (graphql-transport-ws's `ping`; the legacy
/// protocol's keep-alive `ka`).
const PING_EVERY: Duration = Duration::from_secs(60);

/// The close code for a token that expired while the socket was open (graphql-transport-ws's
/// "Unauthorized").
const EXPIRED: u16 = 4401;

/// The bearer token of a `connection_init` payload: `Authorization` (any case) as
/// `Bearer …`, or `token`.
fn token_of(payload: &serde_json::Value) -> Result<Option<String>, ApiError> {
    let Some(object) = payload.as_object() else {
        return Ok(None);
    };
    if let Some(token) = object.get("token").and_then(serde_json::Value::as_str) {
        return Ok(Some(token.trim().to_owned()));
    }
    let Some((_, header)) = object.iter().find(|(key, _)| key.eq_ignore_ascii_case("authorization")) else {
        return Ok(None);
    };
    super::bearer(header.as_str(), "entry").map(|t| Some(t.to_owned()))
}

#[handler]
pub(super) async fn subscriptions(
    Data(state): Data<&AppState>,
    protocol: poem::Result<GraphQLProtocol>,
    socket: WebSocket,
) -> poem::Response {
    let Ok(GraphQLProtocol(protocol)) = protocol else {
        return poem::Response::builder()
            .status(poem::http::StatusCode::BAD_REQUEST)
            .body("ask for the graphql-transport-ws (or graphql-ws) subprotocol");
    };
    let Some(open) = state.sockets.enter() else {
        return poem::Response::builder()
            .status(poem::http::StatusCode::SERVICE_UNAVAILABLE)
            .header(poem::http::header::RETRY_AFTER, "5")
            .body("the server holds the most WebSockets it may; try again shortly");
    };
    let state = state.clone();
    socket
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .config(buffers())
        .on_upgrade(move |socket| serve(state, socket, protocol, open))
        .into_response()
}

/// A socket's buffers, bounded: tungstenite's defaults (128 KiB each way, allocated at once)
/// made an idle socket cost the server 132 KiB, 1.3 GB for 10,000 (the harness). A client's
/// messages are a `subscribe` at most (its query within the edge's size limit) and the
/// server's one event at a time, written at once.
fn buffers() -> poem::web::websocket::WebSocketConfig {
    let mut config = poem::web::websocket::WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_OUTGOING);
    config.max_message_size = Some(MAX_MESSAGE);
    config.max_frame_size = Some(MAX_MESSAGE);
    config
}

/// The largest message a client may send (a `subscribe` with its query).
const MAX_MESSAGE: usize = 1024 * 1024;

/// The most the server holds unsent for a socket (an event is far smaller).
const MAX_OUTGOING: usize = 8 * 1024 * 1024;

/// The WebSockets open on this server, by viewer, held to [`LiveArgs`]' limits.
pub(super) struct Sockets {
    limits: LiveArgs,
    open: AtomicUsize,
    /// Sockets per signed-in viewer (their token's subject, role and schools); the public's
    /// under one key.
    by_viewer: Mutex<HashMap<String, usize>>,
}

/// The key the public's sockets are counted under.
const PUBLIC: &str = "PUBLIC";

impl Sockets {
    pub(super) fn new(limits: LiveArgs) -> Self {
        Self {
            limits,
            open: AtomicUsize::new(0),
            by_viewer: Mutex::default(),
        }
    }

    /// Sockets open now, for `/metrics`.
    pub(super) fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// A socket opening, unless the server holds its most.
    fn enter(self: &Arc<Self>) -> Option<Open> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limits.ws_max_sockets).then_some(n + 1)
            })
            .ok()
            .map(|_| Open {
                sockets: self.clone(),
                viewer: Mutex::new(None),
            })
    }

    /// The most sockets `key` may hold.
    fn most_for(&self, key: &str) -> usize {
        if key == PUBLIC {
            (self.limits.ws_max_sockets / 2).max(1)
        } else {
            self.limits.ws_max_sockets_per_viewer
        }
    }
}

/// An open socket, counted while it exists (and, once its viewer is known, under them).
struct Open {
    sockets: Arc<Sockets>,
    viewer: Mutex<Option<String>>,
}

impl Open {
    /// Whether the socket's viewer is known (its `connection_init` was accepted).
    fn initialised(&self) -> bool {
        self.viewer.lock().is_ok_and(|v| v.is_some())
    }
}

impl Open {
    /// Counts the socket under `key`: refused when the viewer holds their most already.
    fn as_viewer(&self, key: String) -> Result<(), ApiError> {
        let mut by_viewer = self
            .sockets
            .by_viewer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let most = self.sockets.most_for(&key);
        let held = by_viewer.entry(key.clone()).or_default();
        if *held >= most {
            return Err(ApiError::Refused {
                refusal: Refusal::RateLimited,
                message: format!("this viewer holds {most} sockets, the most they may: close one first"),
            });
        }
        *held += 1;
        if let Ok(mut viewer) = self.viewer.lock() {
            *viewer = Some(key);
        }
        Ok(())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.sockets.open.fetch_sub(1, Ordering::AcqRel);
        let key = self.viewer.lock().ok().and_then(|mut v| v.take());
        if let Some(key) = key {
            let mut by_viewer = self
                .sockets
                .by_viewer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(held) = by_viewer.get_mut(&key) {
                *held = held.saturating_sub(1);
                if *held == 0 {
                    by_viewer.remove(&key);
                }
            }
        }
    }
}

/// Runs one socket until either side closes it or its token expires.
async fn serve(
    state: AppState,
    socket: poem::web::websocket::WebSocketStream,
    protocol: WebSocketProtocols,
    open: Open,
) {
    let open = Arc::new(open);
    let (mut sink, stream) = socket.split();
    let incoming = stream
        .take_while(|message| futures_util::future::ready(message.is_ok()))
        .filter_map(|message| {
            futures_util::future::ready(match message {
                Ok(message) if message.is_text() || message.is_binary() => Some(message.into_bytes()),
                _ => None,
            })
        });
    // Set once the token is verified: when the socket must close.
    let (expires, mut expiry) = tokio::sync::watch::channel::<Option<SystemTime>>(None);
    let expires = Arc::new(expires);
    // The close code of a refused connection_init.
    let refused: Arc<Mutex<Option<u16>>> = Arc::default();
    let init = {
        let (state, expires, refused, open) = (state.clone(), expires.clone(), refused.clone(), open.clone());
        move |payload: serde_json::Value| async move {
            let refuse = |error: ApiError, code: u16| {
                if let Ok(mut refused) = refused.lock() {
                    *refused = Some(code);
                }
                error.log();
                async_graphql::Error::new(error.to_string())
            };
            let (viewer, key) = viewer(&state, &payload, &expires)
                .await
                .map_err(|e| refuse(e, FORBIDDEN))?;
            open.as_viewer(key).map_err(|e| refuse(e, TOO_MANY))?;
            // Subscriptions read the primary: the events come from it, and a replica may not
            // have replayed the write an event announces yet.
            let counter = Counter::over(&state.pools.primary, &state.pools.primary);
            let mut data = async_graphql::Data::default();
            data.insert(RequestContext::counted(counter, viewer));
            data.insert(crate::live::Settings::new(
                state.sockets.limits.live_interval,
                state.sockets.limits.ws_max_subscriptions,
            ));
            Ok(data)
        }
    };
    let legacy = protocol == WebSocketProtocols::SubscriptionsTransportWS;
    let mut outgoing =
        async_graphql::http::WebSocket::new(state.schema.clone(), incoming, protocol).on_connection_init(init);
    if !legacy {
        // graphql-transport-ws clients answer the server's pings: silence means they are gone.
        outgoing = outgoing.keepalive_timeout(KEEPALIVE);
    }
    let mut outgoing = std::pin::pin!(outgoing);
    // The socket's writer, apart: the events are always taken from the subscriptions (a
    // reading shared with other sockets' subscribers never waits on this client), into a
    // bounded queue; a client that lets it fill up is let go.
    let (queue, mut queued) = tokio::sync::mpsc::channel::<Message>(OUTGOING_QUEUE);
    let writer = tokio::spawn(async move {
        while let Some(message) = queued.recv().await {
            let closing = matches!(message, Message::Close(_));
            let sent = tokio::time::timeout(SEND_WITHIN, sink.send(message)).await;
            if !matches!(sent, Ok(Ok(()))) || closing {
                break;
            }
        }
        let _ = sink.close().await;
    });
    // Woken when the token expires (no timer before the token is known, nor a tick a
    // second: ten thousand idle sockets cost no wake-ups).
    let mut deadline = Box::pin(tokio::time::sleep(Duration::MAX / 4));
    let init_by = tokio::time::sleep(INIT_WITHIN);
    tokio::pin!(init_by);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    loop {
        let message = tokio::select! {
            message = outgoing.next() => match message {
                Some(WsMessage::Text(text)) => Message::text(text),
                Some(WsMessage::Close(code, reason)) => {
                    // A refused connection_init: graphql-transport-ws's Forbidden, or too many.
                    let code = refused.lock().ok().and_then(|r| *r).unwrap_or(code);
                    Message::close_with(code, reason)
                }
                None => break,
            },
            Ok(()) = expiry.changed() => {
                if let Some(at) = *expiry.borrow_and_update() {
                    let left = at.duration_since(SystemTime::now()).unwrap_or_default();
                    deadline.as_mut().reset(tokio::time::Instant::now() + left);
                }
                continue;
            }
            () = &mut deadline => Message::close_with(EXPIRED, "token expired"),
            () = &mut init_by, if !open.initialised() => {
                Message::close_with(INIT_TIMEOUT, "connection_init did not come in time")
            }
            _ = ping.tick() => Message::text(if legacy { r#"{"type":"ka"}"# } else { r#"{"type":"ping"}"# }),
        };
        let closing = matches!(message, Message::Close(_));
        if queue.try_send(message).is_err() || closing {
            // A full queue is a client that does not read; a closed one, a client gone.
            break;
        }
    }
    drop(queue);
    let _ = writer.await;
}

/// The socket's viewer and the key its sockets are counted under, from the
/// `connection_init` payload; notes when its token expires.
async fn viewer(
    state: &AppState,
    payload: &serde_json::Value,
    expires: &tokio::sync::watch::Sender<Option<SystemTime>>,
) -> Result<(Viewer, String), ApiError> {
    let Some(token) = token_of(payload)? else {
        return Ok((Viewer::public(), PUBLIC.to_owned()));
    };
    let claims = state.keys.verify(&token)?;
    expires.send_replace(Some(UNIX_EPOCH + Duration::from_secs(claims.exp)));
    let key = format!("{:?}|{:?}|{:?}", claims.role, claims.sub, claims.schools);
    Ok((Viewer::resolve(&state.pools.reads, claims).await?, key))
}
