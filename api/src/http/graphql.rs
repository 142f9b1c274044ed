//! `/graphql` over HTTP, as the GraphQL-over-HTTP specification asks (graphql-http's server
//! audit passes with no warning; CI runs it): POST `application/json` (and ADMIN's multipart
//! uploads) or GET with the query string; the response as `application/graphql-response+json`
//! when the client accepts it — then a request error (nothing executed: the document does not
//! parse or validate, a variable cannot be coerced, a limit refused it) is a 400 without a
//! `data` entry — and as `application/json` otherwise, always 200. Mutations are POST only
//! (GET: 405). Around that, the edge's limits: the token checked before the body is read, the
//! body's size, the batch's length, the request's time.

use super::{AppState, RequestId};
use crate::auth::{Role, Viewer};
use crate::config::EdgeArgs;
use crate::error::{ApiError, Refusal};
use crate::graphql::RequestContext;
use async_graphql::http::MultipartOptions;
use async_graphql::parser::types::OperationType;
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::web::{Data, Json};
use poem::{IntoResponse, handler};
use serde_json::json;
use tracing::Instrument;

/// The `Retry-After` of a response refused for a reason that passes (a time limit, the
/// database unreachable), in seconds.
const RETRY_AFTER_SECONDS: u32 = 2;

/// The media type of GraphQL responses (GraphQL over HTTP).
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The viewer of a request: PUBLIC without an `Authorization` header, the token's subject with
/// a valid bearer token, and an UNAUTHENTICATED error for any other header — a bad token is
/// never taken for PUBLIC.
async fn viewer(
    state: &AppState,
    db: &sea_orm::DatabaseConnection,
    request: &poem::Request,
) -> Result<Viewer, ApiError> {
    let Some(header) = request.headers().get(poem::http::header::AUTHORIZATION) else {
        return Ok(Viewer::public());
    };
    let token = super::bearer(header.to_str().ok(), "header")?;
    let claims = state.keys.verify(token)?;
    Viewer::resolve(db, claims).await
}

/// A GraphQL-shaped error response outside of execution: a refused token, body or batch, a
/// request stopped at its time limit.
fn error_response(error: ApiError, id: &RequestId) -> poem::Response {
    let status = match &error {
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden => StatusCode::FORBIDDEN,
        ApiError::Refused { refusal, .. } => match refusal {
            Refusal::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::Timeout | Refusal::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        },
        ApiError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error.log();
    let message = error.to_string();
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": error.code(), "requestId": id.0 } }] });
    let mut response = Json(body).with_status(status).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, RETRY_AFTER_SECONDS.into());
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

/// Response header with the number of SQL statements the request ran (for tests and the
/// benchmark harness; the same figure is recorded on the request's span).
pub const STATEMENTS_HEADER: &str = "x-sql-statements";

/// Request header naming a write position (a mutation's [`WRITTEN_HEADER`]) this request must
/// read after: with a read replica configured, a request that names one the replica has not
/// replayed yet reads the primary, so a client sees its own writes on any node.
pub const READ_AFTER_HEADER: &str = "x-staffgraph-read-after";

/// Response header of a request that wrote, when a read replica is configured: the primary's
/// write position after it ([`crate::db::WalPosition`]), to send back as
/// [`READ_AFTER_HEADER`].
pub const WRITTEN_HEADER: &str = "x-staffgraph-written";

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
    let request = if http.method() == Method::GET {
        let request = async_graphql::http::parse_query_string(http.uri().query().unwrap_or_default())
            .map_err(|e| unreadable(&e))?;
        if is_mutation(&request) {
            return Err(ApiError::Refused {
                refusal: Refusal::MethodNotAllowed,
                message: "mutations are sent with POST, not GET".into(),
            });
        }
        async_graphql::BatchRequest::Single(request)
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
        if !is_json(http) {
            return Err(ApiError::Refused {
                refusal: Refusal::UnsupportedMediaType,
                message: "send the request as application/json (or an upload as multipart/form-data)".into(),
            });
        }
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
    let operations: Vec<&async_graphql::Request> = match &request {
        async_graphql::BatchRequest::Single(one) => vec![one],
        async_graphql::BatchRequest::Batch(many) => many.iter().collect(),
    };
    if operations.iter().any(|o| o.query.trim().is_empty()) {
        return Err(ApiError::bad_input(
            "query",
            "is missing: a GraphQL request needs a `query` parameter",
        ));
    }
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

/// Whether a request's body is JSON (`application/json`, any parameters).
fn is_json(http: &poem::Request) -> bool {
    http.content_type().is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// Whether the request reads the primary rather than the replica: when it writes, or names
/// ([`READ_AFTER_HEADER`]) a write position the replica has not replayed yet (one statement on
/// the replica). Without a replica, always the one database.
async fn reads_primary(
    state: &AppState,
    http: &poem::Request,
    writes: bool,
    counter: &crate::graphql::Counter,
) -> Result<bool, ApiError> {
    if !state.pools.has_replica() {
        return Ok(false);
    }
    if writes {
        return Ok(true);
    }
    let Some(header) = http.headers().get(READ_AFTER_HEADER) else {
        return Ok(false);
    };
    let position = header
        .to_str()
        .ok()
        .and_then(crate::db::WalPosition::parse)
        .ok_or_else(|| {
            ApiError::bad_input(
                READ_AFTER_HEADER,
                format!(
                    "must be a write position such as `0/16B3748`, as a mutation's `{WRITTEN_HEADER}` header gives"
                ),
            )
        })?;
    Ok(!crate::db::Pools::replayed(counter.db(), &position).await?)
}

/// Whether any operation of the request is a mutation.
fn request_writes(request: &async_graphql::BatchRequest) -> bool {
    match request {
        async_graphql::BatchRequest::Single(one) => is_mutation(one),
        async_graphql::BatchRequest::Batch(many) => many.iter().any(is_mutation),
    }
}

/// Whether the operation a request asks to run is a mutation (a document that does not parse
/// is left to execution to report).
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    document.operations.iter().any(|(name, operation)| {
        let chosen = match (&request.operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            _ => true,
        };
        chosen && operation.node.ty == OperationType::Mutation
    })
}

/// Whether the client accepts `application/graphql-response+json`.
fn accepts_graphql_response(http: &poem::Request) -> bool {
    http.headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let mut parts = t.split(';');
            let essence = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            essence.eq_ignore_ascii_case(GRAPHQL_RESPONSE) && !refused
        })
}

/// The HTTP response of a GraphQL response: as `application/graphql-response+json` when the
/// client accepts it — a request error then 400, without `data` — else as `application/json`,
/// 200.
fn respond(mut batch: async_graphql::BatchResponse, graphql_response: bool, id: &RequestId) -> poem::Response {
    let responses: Vec<&mut async_graphql::Response> = match &mut batch {
        async_graphql::BatchResponse::Single(one) => vec![one],
        async_graphql::BatchResponse::Batch(many) => many.iter_mut().collect(),
    };
    for response in responses {
        for error in &mut response.errors {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("requestId", id.0.as_str());
        }
    }
    let request_error = match &batch {
        async_graphql::BatchResponse::Single(one) => crate::graphql::is_request_error(one),
        async_graphql::BatchResponse::Batch(_) => false,
    };
    // Serialized straight from the response, so that every object's keys keep the order of
    // the selection set (a detour through serde_json's map would sort them).
    let body = match (&batch, graphql_response && request_error) {
        (async_graphql::BatchResponse::Single(one), true) => serde_json::to_vec(&RequestErrors {
            errors: &one.errors,
            extensions: &one.extensions,
        }),
        _ => serde_json::to_vec(&batch),
    };
    let status = if graphql_response && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let media = if graphql_response {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    match body {
        Ok(body) => poem::Response::builder().status(status).content_type(media).body(body),
        Err(error) => {
            tracing::error!(%error, "a GraphQL response could not be serialized");
            error_response(
                ApiError::internal(anyhow::anyhow!("serializing the response: {error}")),
                id,
            )
        }
    }
}

/// A request error's body: its errors and extensions, no `data`.
#[derive(serde::Serialize)]
struct RequestErrors<'a> {
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

/// Whether an error of the response passes with time (UNAVAILABLE, TIMEOUT): the response
/// then says when to try again.
fn retry_later(batch: &async_graphql::BatchResponse) -> bool {
    let responses: Vec<&async_graphql::Response> = match batch {
        async_graphql::BatchResponse::Single(one) => vec![one],
        async_graphql::BatchResponse::Batch(many) => many.iter().collect(),
    };
    responses.iter().flat_map(|r| &r.errors).any(|error| {
        matches!(
            error.extensions.as_ref().and_then(|e| e.get("code")),
            Some(async_graphql::Value::String(code)) if ApiError::passes_with_time(code)
        )
    })
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
pub(super) async fn graphql(Data(state): Data<&AppState>, http: &poem::Request, body: poem::Body) -> poem::Response {
    let started = std::time::Instant::now();
    let id = http
        .data::<RequestId>()
        .cloned()
        .unwrap_or_else(|| RequestId(String::new()));
    // Every statement of the request is counted, the token's resolution included.
    let counter = crate::graphql::Counter::over(&state.pools.reads, &state.pools.primary);
    let refused = |error: ApiError, outcome: &'static str| {
        crate::metrics::request(
            "unknown",
            outcome,
            started.elapsed().as_secs_f64(),
            counter.statements(),
        );
        error_response(error, &id)
    };
    // The token first: nothing of the body is read for a request that will be refused.
    let viewer = match viewer(state, counter.db(), http).await {
        Ok(viewer) => viewer,
        Err(error) => return refused(error, "refused"),
    };
    // The public waits for a turn of its own lane before anything of its body is read.
    let _turn = if viewer.role == Role::Public {
        match state.public.enter().await {
            Ok(turn) => Some(turn),
            Err(error) => return refused(error, "refused"),
        }
    } else {
        None
    };
    let request = match read_request(&state.edge, http, body, &viewer).await {
        Ok(request) => request,
        Err(error) => return refused(error, "refused"),
    };
    let operation = crate::metrics::operation_label(match &request {
        async_graphql::BatchRequest::Single(one) => one.operation_name.as_deref(),
        async_graphql::BatchRequest::Batch(_) => Some("batch"),
    });
    let limit = if is_upload(http) {
        state.edge.upload_timeout
    } else {
        state.edge.request_timeout
    };
    let writes = state.pools.has_replica() && (is_upload(http) || request_writes(&request));
    let counter = match reads_primary(state, http, writes, &counter).await {
        Ok(true) => counter.on_primary(),
        Ok(false) => counter,
        Err(error) => return refused(error, "refused"),
    };
    let context = RequestContext::counted(counter.clone(), viewer);
    let span = tracing::info_span!("graphql", operation = %operation, sql_statements = tracing::field::Empty);
    let running = state.schema.execute_batch(request, &context).instrument(span.clone());
    let Ok(response) = tokio::time::timeout(limit, running).await else {
        span.in_scope(|| tracing::warn!(limit = ?limit, "graphql request stopped at its time limit"));
        let seconds = started.elapsed().as_secs_f64();
        crate::metrics::request(&operation, "timeout", seconds, context.statements());
        return error_response(
            ApiError::Refused {
                refusal: Refusal::Timeout,
                message: format!("the request took longer than {}", humantime::format_duration(limit)),
            },
            &id,
        );
    };
    let statements = context.statements();
    span.record("sql_statements", statements);
    span.in_scope(|| tracing::info!(sql_statements = statements, "graphql request"));
    let outcome = if response.is_ok() { "ok" } else { "error" };
    crate::metrics::request(&operation, outcome, started.elapsed().as_secs_f64(), statements);
    let retry = retry_later(&response);
    let written = match writes {
        true => crate::db::Pools::write_position(&state.pools.primary).await.ok(),
        false => None,
    };
    let mut response = respond(response, accepts_graphql_response(http), &id);
    response.headers_mut().insert(STATEMENTS_HEADER, statements.into());
    if let Some(value) = written.and_then(|p| HeaderValue::from_str(p.as_str()).ok()) {
        response.headers_mut().insert(WRITTEN_HEADER, value);
    }
    if retry {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, RETRY_AFTER_SECONDS.into());
    }
    response
}
