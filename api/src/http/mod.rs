//! The HTTP surface (DESIGN.md §5): `/graphql` (POST and GET, `graphql.rs`), GraphiQL at `/`
//! (served from the binary, `graphiql.rs`),
//! `/health` (alive) and `/ready` (database reachable, not draining); CORS; the server's
//! start and its graceful stop. Thin: every request is handed to the schema with a fresh
//! request context.

mod graphiql;
mod graphql;
mod lane;
mod ws;

pub use graphql::{READ_AFTER_HEADER, STATEMENTS_HEADER, WRITTEN_HEADER};

use crate::auth::token::Keys;
use crate::config::{CorsArgs, EdgeArgs, LiveArgs};
use crate::db::Pools;
use crate::schema::AppSchema;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::middleware::{Compression, Cors, Tracing};
use poem::web::{Data, Json};
use poem::{Endpoint, EndpointExt, IntoResponse, Route, Server, get, handler, http::StatusCode};
use sea_orm::DatabaseConnection;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Instrument;

/// Shared by every request.
#[derive(Clone)]
struct AppState {
    schema: AppSchema,
    /// The primary and the pool queries read (a replica when configured).
    pools: Pools,
    keys: Keys,
    edge: EdgeArgs,
    /// Where requests without a token wait their turn.
    public: lane::Lane,
    /// The WebSockets open, and their limits.
    sockets: Arc<ws::Sockets>,
    /// Set once a shutdown signal arrived.
    draining: Arc<AtomicBool>,
}

/// The token of an `Authorization` value (`Bearer <token>`, the scheme in either case), from a
/// request's header or a WebSocket's `connection_init`; UNAUTHENTICATED naming `what` for any
/// other value.
fn bearer<'a>(value: Option<&'a str>, what: &str) -> Result<&'a str, crate::error::ApiError> {
    value
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .ok_or_else(|| {
            crate::error::ApiError::Unauthenticated(format!("the Authorization {what} must be `Bearer <token>`"))
        })
}

#[handler]
fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// How long `/ready` waits for the database: a probe with a 1 s timeout gets an answer.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(800);

/// 200 when the database answers (within 0.8 s) — the primary and, when configured, the read
/// replica; 503 with a reason otherwise, and while the server drains before it exits. The
/// cause is logged, and the response says only which dependency is down.
#[handler]
async fn ready(Data(state): Data<&AppState>) -> poem::Response {
    if state.draining.load(Ordering::Relaxed) {
        let body = json!({ "status": "unavailable", "reason": "shutting down" });
        return Json(body).with_status(StatusCode::SERVICE_UNAVAILABLE).into_response();
    }
    // Each database answers within the time, or is named as the one that did not.
    let ping = |db: &'static str, pool: &DatabaseConnection| {
        let pool = pool.clone();
        async move {
            match tokio::time::timeout(READY_WITHIN, pool.ping()).await {
                Ok(Ok(())) => None,
                Ok(Err(error)) => Some((db, error.to_string())),
                Err(_) => Some((
                    db,
                    format!("no answer within {}", humantime::format_duration(READY_WITHIN)),
                )),
            }
        }
    };
    let (primary, replica) = tokio::join!(ping("database unreachable", &state.pools.primary), async {
        match state.pools.has_replica() {
            true => ping("read replica unreachable", &state.pools.reads).await,
            false => None,
        }
    });
    let Some((reason, error)) = primary.or(replica) else {
        return Json(json!({ "status": "ready" })).into_response();
    };
    tracing::warn!(%error, reason, "readiness check failed");
    let body = json!({ "status": "unavailable", "reason": reason });
    Json(body).with_status(StatusCode::SERVICE_UNAVAILABLE).into_response()
}

/// The header carrying a request's id, on every response.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A request's id: the caller's `x-request-id` when it is a plain token of at most 64
/// characters, a new random one otherwise. On the response, in the request's log span and in
/// its errors' `extensions.requestId`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    fn of(request: &poem::Request) -> Self {
        let given = request.header(REQUEST_ID_HEADER).filter(|id| {
            !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        });
        Self(given.map_or_else(|| format!("{:032x}", rand::random::<u128>()), str::to_owned))
    }
}

/// Gives every request its id ([`RequestId`]).
async fn with_request_id<E: Endpoint>(next: E, mut request: poem::Request) -> poem::Result<poem::Response> {
    let id = RequestId::of(&request);
    request.set_data(id.clone());
    let span = tracing::info_span!("request", request_id = %id.0);
    let mut response = next.call(request).instrument(span).await?.into_response();
    if let Ok(value) = poem::http::HeaderValue::from_str(&id.0) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}

/// `/metrics`: Prometheus's text format ([`crate::metrics`]).
#[handler]
fn metrics(Data(state): Data<&AppState>) -> poem::Response {
    let text = crate::metrics::render(
        &state.pools.primary,
        crate::measures::query::queue_state(),
        state.public.state(),
        (state.sockets.open(), crate::live::receivers()),
    );
    poem::Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}

/// The browser origins allowed to call the API: none unless configured, any for `*`.
fn cors(origins: &[String]) -> Cors {
    let cors = Cors::new()
        .allow_methods([poem::http::Method::GET, poem::http::Method::POST])
        .allow_headers([poem::http::header::AUTHORIZATION, poem::http::header::CONTENT_TYPE])
        .allow_header(READ_AFTER_HEADER)
        .expose_header(STATEMENTS_HEADER)
        .expose_header(WRITTEN_HEADER)
        .max_age(600);
    if origins.iter().any(|o| o == "*") {
        cors
    } else if origins.is_empty() {
        // No origin matches: cross-origin browsers get no CORS headers.
        cors.allow_origins_fn(|_| false)
    } else {
        cors.allow_origins(origins.iter().map(String::as_str))
    }
}

/// A browser sends `Origin` on its own page's POSTs too (GraphiQL's, the dashboard's). Such a
/// same-origin request needs no CORS answer, and the CORS layer, which knows only the
/// configured origins, would refuse it: so its `Origin` — equal to the request's own scheme
/// and `Host` — is dropped before that layer.
async fn same_origin_needs_no_cors<E: Endpoint>(next: E, mut request: poem::Request) -> poem::Result<poem::Response> {
    let own = |origin: &str| {
        let host = request
            .headers()
            .get(poem::http::header::HOST)
            .and_then(|h| h.to_str().ok());
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        host.is_some_and(|host| authority.is_some_and(|a| a.eq_ignore_ascii_case(host)))
    };
    let same = request
        .headers()
        .get(poem::http::header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(own);
    if same {
        request.headers_mut().remove(poem::http::header::ORIGIN);
    }
    next.call(request).await.map(IntoResponse::into_response)
}

/// What the routes share.
#[derive(Debug, Clone)]
pub struct Settings {
    pub edge: EdgeArgs,
    pub cors: CorsArgs,
    pub live: LiveArgs,
}

/// The routes of the server.
fn routes(
    schema: AppSchema,
    pools: Pools,
    keys: Keys,
    settings: Settings,
    draining: Arc<AtomicBool>,
) -> impl poem::Endpoint {
    Route::new()
        .at("/", graphiql::page())
        .nest("/graphiql", graphiql::assets())
        .at("/graphql", get(graphql::graphql).post(graphql::graphql))
        .at("/graphql/ws", get(ws::subscriptions))
        .at("/health", get(health))
        .at("/ready", get(ready))
        .at("/metrics", get(metrics))
        .nest("/dashboard", crate::dashboard::routes(pools.clone()))
        .data(AppState {
            schema,
            pools,
            keys,
            edge: settings.edge,
            public: lane::Lane::new(&settings.edge),
            sockets: Arc::new(ws::Sockets::new(settings.live)),
            draining,
        })
        .with(cors(&settings.cors.cors_origins))
        .around(same_origin_needs_no_cors)
        .with(Compression::new())
        .around(with_request_id)
        .with(Tracing)
}

/// Resolves when the process is asked to stop: SIGTERM (what orchestrators send) or SIGINT
/// (Ctrl-C).
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => tracing::info!("SIGTERM: draining"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: draining"),
                }
                return;
            }
            Err(error) => tracing::warn!(%error, "cannot listen for SIGTERM; Ctrl-C only"),
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// A bound server, not yet running: binding first lets tests use port 0 and learn the port.
pub struct Application {
    acceptor: TcpAcceptor,
    address: SocketAddr,
    pools: Pools,
    keys: Keys,
    settings: Settings,
}

impl Application {
    /// Binds `address` (port 0 picks a free port); requests are verified with `keys`.
    pub async fn bind(address: SocketAddr, db: DatabaseConnection, keys: Keys) -> anyhow::Result<Self> {
        let acceptor = TcpListener::bind(address.to_string())
            .into_acceptor()
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))?;
        let address = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .unwrap_or(address);
        Ok(Self {
            acceptor,
            address,
            pools: Pools::single(db),
            keys,
            settings: Settings {
                edge: EdgeArgs::default(),
                cors: CorsArgs::default(),
                live: LiveArgs::default(),
            },
        })
    }

    /// Requests are held to the limits of `edge` (the defaults otherwise).
    #[must_use]
    pub fn with_edge(mut self, edge: EdgeArgs) -> Self {
        self.settings.edge = edge;
        self
    }

    /// Queries read `replica` (a streaming standby of the primary given to [`bind`](Self::bind));
    /// writes and reads after a client's own writes stay on the primary ([`Pools`]).
    #[must_use]
    pub fn with_replica(mut self, replica: DatabaseConnection) -> Self {
        self.pools = Pools::with_replica(self.pools.primary, replica);
        self
    }

    /// Subscriptions are held to the limits of `live` (the defaults otherwise).
    #[must_use]
    pub fn with_live(mut self, live: LiveArgs) -> Self {
        self.settings.live = live;
        self
    }

    /// Browsers on `cors`'s origins may call the API (none otherwise).
    #[must_use]
    pub fn with_cors(mut self, cors: CorsArgs) -> Self {
        self.settings.cors = cors;
        self
    }

    /// The address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGTERM or SIGINT; then stops accepting, answers `/ready` with 503 and
    /// lets requests in flight finish for up to the shutdown grace before returning.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        crate::metrics::install();
        let draining = Arc::new(AtomicBool::new(false));
        let schema = crate::schema::build_with(self.settings.edge.limits());
        let grace = self.settings.edge.shutdown_grace;
        let app = routes(schema, self.pools, self.keys, self.settings, draining.clone());
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(
                app,
                async move {
                    stop_signal().await;
                    draining.store(true, Ordering::Relaxed);
                },
                Some(grace),
            )
            .await
    }
}
