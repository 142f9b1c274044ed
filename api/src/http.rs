//! The HTTP surface (DESIGN.md §5): `/graphql` (POST and GET), GraphiQL at `/`, `/health`
//! (alive) and `/ready` (database reachable). Thin: every request is handed to the schema with
//! a fresh [`RequestContext`].

use crate::auth::token::Keys;
use crate::auth::{Role, Viewer};
use crate::config::{CorsArgs, EdgeArgs};
use crate::error::{ApiError, Refusal};
use crate::graphql::RequestContext;
use crate::schema::AppSchema;
use async_graphql::http::{GraphiQLSource, MultipartOptions};
use async_graphql_poem::GraphQLBatchResponse;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::middleware::{Cors, Tracing};
use poem::web::{Data, Html, Json};
use poem::{EndpointExt, IntoResponse, Route, Server, get, handler, http::StatusCode};
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
    db: DatabaseConnection,
    keys: Keys,
    edge: EdgeArgs,
    /// Set once a shutdown signal arrived.
    draining: Arc<AtomicBool>,
}

/// The viewer of a request: PUBLIC without an `Authorization` header, the token's subject with
/// a valid bearer token, and an UNAUTHENTICATED error for any other header — a bad token is
/// never taken for PUBLIC.
async fn viewer(state: &AppState, request: &poem::Request) -> Result<Viewer, ApiError> {
    let Some(header) = request.headers().get(poem::http::header::AUTHORIZATION) else {
        return Ok(Viewer::public());
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .ok_or_else(|| ApiError::Unauthenticated("the Authorization header must be `Bearer <token>`".into()))?;
    let claims = state.keys.verify(token.trim())?;
    Viewer::resolve(&state.db, claims).await
}

/// A GraphQL-shaped error response outside of execution: a refused token, body or batch, a
/// request stopped at its time limit.
fn error_response(error: ApiError) -> poem::Response {
    let status = match &error {
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden => StatusCode::FORBIDDEN,
        ApiError::Refused { refusal, .. } => match refusal {
            Refusal::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        },
        ApiError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let message = match &error {
        ApiError::Internal(cause) => {
            tracing::error!(error = %cause, "a request failed outside execution");
            "internal error".to_owned()
        }
        other => other.to_string(),
    };
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": error.code() } }] });
    let mut response = Json(body).with_status(status).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(poem::http::header::RETRY_AFTER, 1.into());
    }
    response
}

/// Response header with the number of SQL statements the request ran (for tests and the
/// benchmark harness; the same figure is recorded on the request's span).
pub const STATEMENTS_HEADER: &str = "x-sql-statements";

/// Whether a request carries an upload (`importCsv`'s multipart body).
fn is_upload(http: &poem::Request) -> bool {
    http.content_type()
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The GraphQL request of an HTTP request, read within the limits: a GET's query string; a
/// POST's body up to `max_body_bytes`, or for an upload — ADMIN's only, refused before a
/// byte is read — up to `max_upload_bytes`; a JSON batch of at most `max_batch` operations.
async fn read_request(
    edge: &EdgeArgs,
    http: &poem::Request,
    body: poem::Body,
    viewer: &Viewer,
) -> Result<async_graphql::BatchRequest, ApiError> {
    let too_large = |limit: usize| ApiError::Refused {
        refusal: Refusal::PayloadTooLarge,
        message: format!("the request body is larger than {limit} bytes"),
    };
    let unreadable = |e: &dyn std::fmt::Display| ApiError::bad_input("body", format!("is not a GraphQL request: {e}"));
    let request = if http.method() == poem::http::Method::GET {
        async_graphql::BatchRequest::Single(
            async_graphql::http::parse_query_string(http.uri().query().unwrap_or_default())
                .map_err(|e| unreadable(&e))?,
        )
    } else if is_upload(http) {
        if viewer.role != Role::Admin {
            return Err(ApiError::Forbidden);
        }
        let limit = edge.max_upload_bytes;
        if declared_length(http).is_some_and(|n| n > limit) {
            return Err(too_large(limit));
        }
        let reader = futures_util::io::AsyncReadExt::take(
            futures_util::TryStreamExt::into_async_read(body.into_bytes_stream()),
            limit as u64,
        );
        let options = MultipartOptions::default().max_file_size(limit);
        async_graphql::http::receive_batch_body(http.content_type(), reader, options)
            .await
            .map_err(|e| unreadable(&e))?
    } else {
        let limit = edge.max_body_bytes;
        if declared_length(http).is_some_and(|n| n > limit) {
            return Err(too_large(limit));
        }
        let bytes = body.into_bytes_limit(limit).await.map_err(|e| match e {
            poem::error::ReadBodyError::PayloadTooLarge => too_large(limit),
            other => unreadable(&other),
        })?;
        async_graphql::http::receive_batch_body(http.content_type(), &bytes[..], MultipartOptions::default())
            .await
            .map_err(|e| unreadable(&e))?
    };
    if let async_graphql::BatchRequest::Batch(operations) = &request
        && operations.len() > edge.max_batch
    {
        return Err(ApiError::Refused {
            refusal: Refusal::BatchTooLarge,
            message: format!(
                "the batch holds {} operations; at most {} are accepted",
                operations.len(),
                edge.max_batch
            ),
        });
    }
    Ok(request)
}

/// The body length a request declares, if it does.
fn declared_length(http: &poem::Request) -> Option<usize> {
    http.headers()
        .get(poem::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[handler]
async fn graphql(Data(state): Data<&AppState>, http: &poem::Request, body: poem::Body) -> poem::Response {
    // The token first: nothing of the body is read for a request that will be refused.
    let viewer = match viewer(state, http).await {
        Ok(viewer) => viewer,
        Err(error) => return error_response(error),
    };
    let request = match read_request(&state.edge, http, body, &viewer).await {
        Ok(request) => request,
        Err(error) => return error_response(error),
    };
    let limit = if is_upload(http) {
        state.edge.upload_timeout
    } else {
        state.edge.request_timeout
    };
    let context = RequestContext::new(&state.db, viewer);
    let span = tracing::info_span!("graphql", sql_statements = tracing::field::Empty);
    let running = context.execute(&state.schema, request).instrument(span.clone());
    let Ok(response) = tokio::time::timeout(limit, running).await else {
        span.in_scope(|| tracing::warn!(limit = ?limit, "graphql request stopped at its time limit"));
        return error_response(ApiError::Refused {
            refusal: Refusal::Timeout,
            message: format!("the request took longer than {}", humantime::format_duration(limit)),
        });
    };
    let statements = context.statements();
    span.record("sql_statements", statements);
    span.in_scope(|| tracing::info!(sql_statements = statements, "graphql request"));
    let mut response = GraphQLBatchResponse(response).into_response();
    response.headers_mut().insert(STATEMENTS_HEADER, statements.into());
    response
}

#[handler]
fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("staffgraph")
            .finish(),
    )
}

#[handler]
fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database answers; 503 with a reason otherwise, and while the server drains
/// before it exits. The cause is logged, and the response says only which dependency is down.
#[handler]
async fn ready(Data(state): Data<&AppState>) -> poem::Response {
    if state.draining.load(Ordering::Relaxed) {
        let body = json!({ "status": "unavailable", "reason": "shutting down" });
        return Json(body).with_status(StatusCode::SERVICE_UNAVAILABLE).into_response();
    }
    match state.db.ping().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            let body = json!({ "status": "unavailable", "reason": "database unreachable" });
            Json(body).with_status(StatusCode::SERVICE_UNAVAILABLE).into_response()
        }
    }
}

/// The browser origins allowed to call the API: none unless configured, any for `*`.
fn cors(origins: &[String]) -> Cors {
    let cors = Cors::new()
        .allow_methods([poem::http::Method::GET, poem::http::Method::POST])
        .allow_headers([poem::http::header::AUTHORIZATION, poem::http::header::CONTENT_TYPE])
        .expose_header(STATEMENTS_HEADER)
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

/// What the routes share.
#[derive(Debug, Clone)]
pub struct Settings {
    pub edge: EdgeArgs,
    pub cors: CorsArgs,
}

/// The routes of the server.
fn routes(
    schema: AppSchema,
    db: DatabaseConnection,
    keys: Keys,
    settings: Settings,
    draining: Arc<AtomicBool>,
) -> impl poem::Endpoint {
    Route::new()
        .at("/", get(graphiql))
        .at("/graphql", get(graphql).post(graphql))
        .at("/health", get(health))
        .at("/ready", get(ready))
        .data(AppState {
            schema,
            db,
            keys,
            edge: settings.edge,
            draining,
        })
        .with(cors(&settings.cors.cors_origins))
        .with(Tracing)
}

/// Resolves when the process is asked to stop: SIGTERM (what orchestrators send) or SIGINT
/// (Ctrl-C).
async fn stop_signal() {
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
    db: DatabaseConnection,
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
            db,
            keys,
            settings: Settings {
                edge: EdgeArgs::default(),
                cors: CorsArgs::default(),
            },
        })
    }

    /// Requests are held to the limits of `edge` (the defaults otherwise).
    #[must_use]
    pub fn with_edge(mut self, edge: EdgeArgs) -> Self {
        self.settings.edge = edge;
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
        let draining = Arc::new(AtomicBool::new(false));
        let schema = crate::schema::build_with(self.settings.edge.limits());
        let grace = self.settings.edge.shutdown_grace;
        let app = routes(schema, self.db, self.keys, self.settings, draining.clone());
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
