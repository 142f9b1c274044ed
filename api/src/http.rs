//! The HTTP surface (DESIGN.md §5): `/graphql` (POST and GET), GraphiQL at `/`, `/health`
//! (alive) and `/ready` (database reachable). Thin: every request is handed to the schema with
//! a fresh [`RequestContext`].

use crate::auth::Viewer;
use crate::auth::token::Keys;
use crate::error::ApiError;
use crate::graphql::{Limits, RequestContext};
use crate::schema::AppSchema;
use async_graphql::http::GraphiQLSource;
use async_graphql_poem::{GraphQLBatchRequest, GraphQLBatchResponse};
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::middleware::Tracing;
use poem::web::{Data, Html, Json};
use poem::{EndpointExt, IntoResponse, Route, Server, get, handler, http::StatusCode};
use sea_orm::DatabaseConnection;
use serde_json::json;
use std::net::SocketAddr;
use tracing::Instrument;

/// Shared by every request.
#[derive(Clone)]
struct AppState {
    schema: AppSchema,
    db: DatabaseConnection,
    keys: Keys,
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

/// A GraphQL-shaped error response outside of execution (a refused token).
fn error_response(error: ApiError) -> poem::Response {
    let status = match error {
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let message = match &error {
        ApiError::Internal(cause) => {
            tracing::error!(error = %cause, "resolving the viewer failed");
            "internal error".to_owned()
        }
        other => other.to_string(),
    };
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": error.code() } }] });
    Json(body).with_status(status).into_response()
}

/// Response header with the number of SQL statements the request ran (for tests and the
/// benchmark harness; the same figure is recorded on the request's span).
pub const STATEMENTS_HEADER: &str = "x-sql-statements";

#[handler]
async fn graphql(Data(state): Data<&AppState>, http: &poem::Request, request: GraphQLBatchRequest) -> poem::Response {
    let viewer = match viewer(state, http).await {
        Ok(viewer) => viewer,
        Err(error) => return error_response(error),
    };
    let context = RequestContext::new(&state.db, viewer);
    let span = tracing::info_span!("graphql", sql_statements = tracing::field::Empty);
    let response = context.execute(&state.schema, request.0).instrument(span.clone()).await;
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

/// 200 when the database answers; 503 with a reason otherwise. The cause is logged, and the
/// response says only which dependency is down.
#[handler]
async fn ready(Data(state): Data<&AppState>) -> poem::Response {
    match state.db.ping().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            let body = json!({ "status": "unavailable", "reason": "database unreachable" });
            Json(body).with_status(StatusCode::SERVICE_UNAVAILABLE).into_response()
        }
    }
}

/// The routes of the server.
pub fn routes(schema: AppSchema, db: DatabaseConnection, keys: Keys) -> impl poem::Endpoint {
    Route::new()
        .at("/", get(graphiql))
        .at("/graphql", get(graphql).post(graphql))
        .at("/health", get(health))
        .at("/ready", get(ready))
        .data(AppState { schema, db, keys })
        .with(Tracing)
}

/// A bound server, not yet running: binding first lets tests use port 0 and learn the port.
pub struct Application {
    acceptor: TcpAcceptor,
    address: SocketAddr,
    db: DatabaseConnection,
    keys: Keys,
    limits: Limits,
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
            limits: Limits::DEFAULT,
        })
    }

    /// Requests are held to `limits` (the defaults otherwise).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until the process is interrupted (Ctrl-C), then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let app = routes(crate::schema::build_with(self.limits), self.db, self.keys);
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(
                app,
                async {
                    let _ = tokio::signal::ctrl_c().await;
                },
                Some(std::time::Duration::from_secs(10)),
            )
            .await
    }
}
