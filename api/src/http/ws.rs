//! `/graphql/ws`: the subscriptions over WebSocket (issue 19), speaking `graphql-transport-ws`
//! and the legacy `graphql-ws` (subscriptions-transport-ws) subprotocols, async-graphql's own
//! implementation of both. The bearer token comes in `connection_init`'s payload
//! (`{"Authorization": "Bearer …"}`, the header's name in any case, or `{"token": "…"}`); no
//! token is PUBLIC, as on HTTP, and a bad one refuses the connection (`4403` on
//! graphql-transport-ws). The viewer is resolved once, as on HTTP, and every subscription of the
//! socket runs with it, through the same services and rules as the matching query. When the
//! token expires the socket is closed with `4401` ("token expired"). A client's `ping` is
//! answered with `pong`; a socket that sends nothing for the keep-alive time is closed.

use super::AppState;
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::graphql::{Counter, RequestContext};
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use futures_util::{SinkExt, StreamExt};
use poem::web::Data;
use poem::web::websocket::{Message, WebSocket};
use poem::{IntoResponse, handler};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A socket that sends nothing (not even a ping) for this long is closed.
const KEEPALIVE: Duration = Duration::from_secs(5 * 60);

/// The close code of graphql-transport-ws for a refused `connection_init`.
const FORBIDDEN: u16 = 4403;

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
    header
        .as_str()
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(|t| Some(t.trim().to_owned()))
        .ok_or_else(|| ApiError::Unauthenticated("the Authorization entry must be `Bearer <token>`".into()))
}

#[handler]
pub(super) async fn subscriptions(
    Data(state): Data<&AppState>,
    http: &poem::Request,
    socket: WebSocket,
) -> poem::Response {
    let protocol = http
        .headers()
        .get(poem::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|protocols| {
            protocols
                .split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        });
    let Some(protocol) = protocol else {
        return poem::Response::builder()
            .status(poem::http::StatusCode::BAD_REQUEST)
            .body("ask for the graphql-transport-ws (or graphql-ws) subprotocol");
    };
    let state = state.clone();
    socket
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(state, socket, protocol))
        .into_response()
}

/// Sockets open now.
static OPEN: AtomicUsize = AtomicUsize::new(0);

/// Sockets open now, for `/metrics`.
pub(super) fn open_sockets() -> usize {
    OPEN.load(Ordering::Relaxed)
}

/// Counts a socket as open while it exists.
struct Open;

impl Open {
    fn new() -> Self {
        OPEN.fetch_add(1, Ordering::Relaxed);
        Self
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        OPEN.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs one socket until either side closes it or its token expires.
async fn serve(state: AppState, socket: poem::web::websocket::WebSocketStream, protocol: WebSocketProtocols) {
    let _open = Open::new();
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
    let expires: Arc<Mutex<Option<SystemTime>>> = Arc::default();
    // Set when connection_init is refused.
    let refused = Arc::new(AtomicBool::new(false));
    let init = {
        let (state, expires, refused) = (state.clone(), expires.clone(), refused.clone());
        move |payload: serde_json::Value| async move {
            let viewer = viewer(&state, &payload, &expires).await.map_err(|e| {
                refused.store(true, Ordering::Relaxed);
                e.log();
                async_graphql::Error::new(e.to_string())
            })?;
            // Subscriptions read the primary: the events come from it, and a replica may not
            // have replayed the write an event announces yet.
            let counter = Counter::over(&state.pools.primary, &state.pools.primary);
            let mut data = async_graphql::Data::default();
            data.insert(RequestContext::counted(counter, viewer));
            Ok(data)
        }
    };
    let mut outgoing = std::pin::pin!(
        async_graphql::http::WebSocket::new(state.schema.clone(), incoming, protocol)
            .on_connection_init(init)
            .keepalive_timeout(KEEPALIVE)
    );
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        let message = tokio::select! {
            message = outgoing.next() => match message {
                Some(WsMessage::Text(text)) => Message::text(text),
                Some(WsMessage::Close(code, reason)) => {
                    // A refused connection_init: graphql-transport-ws's Forbidden.
                    let code = if refused.load(Ordering::Relaxed) { FORBIDDEN } else { code };
                    Message::close_with(code, reason)
                }
                None => break,
            },
            _ = tick.tick() => {
                let expired = expires
                    .lock()
                    .ok()
                    .and_then(|at| *at)
                    .is_some_and(|at| at <= SystemTime::now());
                if !expired {
                    continue;
                }
                let _ = sink.send(Message::close_with(EXPIRED, "token expired")).await;
                break;
            }
        };
        let closing = matches!(message, Message::Close(_));
        if sink.send(message).await.is_err() || closing {
            break;
        }
    }
}

/// The socket's viewer, from the `connection_init` payload; notes when its token expires.
async fn viewer(
    state: &AppState,
    payload: &serde_json::Value,
    expires: &Mutex<Option<SystemTime>>,
) -> Result<Viewer, ApiError> {
    let Some(token) = token_of(payload)? else {
        return Ok(Viewer::public());
    };
    let claims = state.keys.verify(&token)?;
    if let Ok(mut at) = expires.lock() {
        *at = Some(UNIX_EPOCH + Duration::from_secs(claims.exp));
    }
    Viewer::resolve(&state.pools.reads, claims).await
}
