//! The one error vocabulary of the API (DESIGN.md §5). Every failure a client can see is an
//! [`ApiError`]; each variant has a stable `extensions.code`. Internal causes (database errors
//! above all) are logged here, with their cause chain, and reach the client only as
//! "internal error".
//!
//! Resolvers return `async_graphql::Result` and convert service errors with
//! `ResultExt::extend()`, never with a bare `?` (which would keep only the message).

use async_graphql::{Enum, Error as GraphQLError, ErrorExtensions, SimpleObject};
use sea_orm::{DbErr, RuntimeErr};
use std::fmt;
use std::sync::Arc;

/// What went wrong, in terms a client can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// No valid credentials where they are needed (HTTP 401).
    #[error("{0}")]
    Unauthenticated(String),
    /// The viewer's role may not do this.
    #[error("not allowed for this viewer")]
    Forbidden,
    /// An argument or input field is invalid; `field` names it.
    #[error("{field}: {message}")]
    BadUserInput { field: String, message: String },
    /// An input with many parts has problems in some of them (an imported file's rows):
    /// BAD_USER_INPUT on `field`, with every problem listed in `extensions.problems`.
    #[error("{field}: {message}")]
    InvalidParts {
        field: String,
        message: String,
        problems: Vec<RowError>,
    },
    /// The record does not exist, or the viewer may not know it exists.
    #[error("{0} not found")]
    NotFound(String),
    /// The write conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// An update named a version of the record that is no longer current: someone else saved
    /// it since it was read. CONFLICT, with `extensions.currentVersion`; read it again, then
    /// retry.
    #[error("{entity} was changed by someone else since version {expected}; it is at version {current} now")]
    Stale {
        entity: String,
        expected: i32,
        current: i32,
    },
    /// A mutation's input was refused, field by field: the mutation's payload lists the
    /// problems as `userErrors` (BAD_USER_INPUT, when it reaches the errors instead).
    #[error("the input was refused: {}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    Rejected(Vec<UserError>),
    /// The request was refused before anything ran: it is larger or costlier than the server
    /// accepts (the limits are in the README).
    #[error("{message}")]
    Refused { refusal: Refusal, message: String },
    /// The database cannot be reached (down, restarting, or every connection busy for longer
    /// than the server waits): worth retrying after `Retry-After`. The cause is logged.
    #[error("the database is unavailable; try again in a few seconds")]
    Unavailable(#[source] Arc<anyhow::Error>),
    /// Anything else. The cause is logged, never sent.
    #[error("internal error")]
    Internal(#[source] Arc<anyhow::Error>),
}

/// The code of [`ApiError::Unavailable`].
const UNAVAILABLE: &str = "UNAVAILABLE";

impl ApiError {
    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::BadUserInput { .. } | Self::InvalidParts { .. } | Self::Rejected(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) | Self::Stale { .. } => "CONFLICT",
            Self::Refused { refusal, .. } => refusal.into(),
            Self::Unavailable(_) => UNAVAILABLE,
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// An internal error with its cause (logged when it reaches a client, never sent).
    pub fn internal(cause: anyhow::Error) -> Self {
        Self::Internal(Arc::new(cause))
    }

    /// Whether an error with `code` passes with time (the database unreachable, a request's
    /// time limit), so that the client is told when to try again.
    pub fn passes_with_time(code: &str) -> bool {
        code == UNAVAILABLE
            || [Refusal::Timeout, Refusal::RateLimited, Refusal::Busy]
                .into_iter()
                .any(|refusal| code == <&str>::from(refusal))
    }

    /// Logs the cause of an error whose cause is not sent (INTERNAL, UNAVAILABLE).
    pub fn log(&self) {
        match self {
            Self::Internal(cause) => tracing::error!(error = format!("{:#}", cause.as_ref()), "internal error"),
            Self::Unavailable(cause) => tracing::warn!(error = format!("{:#}", cause.as_ref()), "database unavailable"),
            _ => {}
        }
    }

    /// A refused input with one problem: `code` on the input field at `field` (a path from the
    /// mutation's argument, e.g. `["input", "responseCount"]`).
    pub fn rejected(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        Self::Rejected(vec![UserError::new(field, code, message)])
    }

    /// Whether this is a unique constraint refusing a write (a natural key taken).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Internal(cause) => cause
                .downcast_ref::<DbErr>()
                .is_some_and(|e| matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))),
            _ => false,
        }
    }

    /// A BAD_USER_INPUT error on `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        if is_unreachable(&error) {
            Self::Unavailable(Arc::new(anyhow::Error::new(error).context("database")))
        } else if is_statement_timeout(&error) {
            Self::Refused {
                refusal: Refusal::Timeout,
                message: "a statement of the request took longer than the request may".into(),
            }
        } else if is_busy(&error) {
            Self::Refused {
                refusal: Refusal::Busy,
                message: "the database is busy with another write (an import?); retry in a moment".into(),
            }
        } else {
            Self::internal(anyhow::Error::new(error).context("database"))
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> GraphQLError {
        self.log();
        GraphQLError::new(self.to_string()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            match self {
                Self::BadUserInput { field, .. } => extensions.set("field", field.as_str()),
                Self::InvalidParts { field, problems, .. } => {
                    extensions.set("field", field.as_str());
                    let problems = serde_json::to_value(problems).unwrap_or_default();
                    extensions.set(
                        "problems",
                        async_graphql::Value::from_json(problems).unwrap_or_default(),
                    );
                }
                Self::Stale { current, .. } => {
                    extensions.set("field", "expectedVersion");
                    extensions.set("currentVersion", *current);
                }
                Self::Rejected(errors) => {
                    if let Some(first) = errors.first() {
                        extensions.set("field", first.field.join("."));
                    }
                }
                _ => {}
            }
        })
    }
}

/// Whether an error means the database could not be reached — down, restarting, refusing
/// connections, or the connection lost mid-statement — rather than that a statement failed.
/// Such an error is UNAVAILABLE to a client (worth retrying), not INTERNAL.
pub fn is_unreachable(error: &DbErr) -> bool {
    use sea_orm::sqlx::Error;
    let sqlx = match error {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx.as_ref() {
        Error::Io(_) | Error::Tls(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
        // Class 08, connection exception; 57P01–57P05, the server shutting down, crashed,
        // not yet accepting connections, or ending an idle session.
        Error::Database(e) => e
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

/// Whether an error is SQLite's busy or locked (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`,
/// `SQLITE_LOCKED`): another connection held the write lock past the busy timeout.
pub fn is_busy(error: &DbErr) -> bool {
    let sqlx = match error {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    matches!(sqlx.as_ref(), sea_orm::sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("5" | "517" | "6" | "262")))
}

/// Whether an error is PostgreSQL stopping a statement at `statement_timeout` (the request's
/// time limit, so TIMEOUT to a client).
pub fn is_statement_timeout(error: &DbErr) -> bool {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(e.as_ref(), sea_orm::sqlx::Error::Database(db) if db.code().as_deref() == Some("57014"))
        }
        _ => false,
    }
}

/// Which limit refused a request; its `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Refusal {
    /// The query text, or the query with its fragments expanded, is too large.
    QueryTooLarge,
    /// The query would cost more than the limit.
    QueryTooComplex,
    /// The query has more aliases than the limit.
    TooManyAliases,
    /// A JSON batch holds more operations than the limit.
    BatchTooLarge,
    /// The request body is larger than the limit.
    PayloadTooLarge,
    /// The request took longer than the limit and was stopped.
    Timeout,
    /// A POST whose body is neither JSON nor an upload.
    UnsupportedMediaType,
    /// A mutation sent with GET.
    MethodNotAllowed,
    /// Too many requests without a token at once: the public's lane and its line are full.
    RateLimited,
    /// Another write (an import, on SQLite's one writer) held the database for longer than
    /// this one could wait: worth retrying.
    Busy,
}

/// A problem with one field of a mutation's input, for the client to show beside the field
/// (Relay-style payloads list them as `userErrors`; nothing was written).
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserError {
    /// The path to the input field from the mutation's argument, e.g. `["input",
    /// "responseCount"]` or `["input", "completions", "2", "completedOn"]`.
    pub field: Vec<String>,
    /// What is wrong, in words for the person who typed it.
    pub message: String,
    /// What kind of problem it is.
    pub code: UserErrorCode,
}

impl UserError {
    pub fn new(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.iter().map(|part| (*part).to_owned()).collect(),
            message: message.into(),
            code,
        }
    }
}

/// The kinds of problem a mutation's input can have.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserErrorCode {
    /// Not a value the field takes: out of range, outside the allowed dates, inconsistent
    /// with another field.
    Invalid,
    /// Names nothing that exists (or nothing the viewer may see).
    Unknown,
    /// The record's status does not allow this change (e.g. a cancelled administration
    /// cannot be given).
    NotAllowed,
    /// Another record already has this natural key.
    Taken,
    /// The idempotency key was used before, for a different request.
    KeyReused,
}

/// One reason a file was refused: where in the file, and why (an imported file's rows are
/// the one input with many parts).
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// The file's name.
    pub file: String,
    /// The line in the file (1 is the header); absent for a problem of the file as a whole.
    pub line: Option<u64>,
    /// The column, when the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ": column {column}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The result type of services.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_text_never_reaches_the_message() {
        let error = ApiError::from(DbErr::Custom("relation \"staff\" does not exist".into()));
        let graphql = error.extend();
        assert_eq!(graphql.message, "internal error");
        let code = graphql.extensions.and_then(|e| e.get("code").cloned());
        assert_eq!(code, Some(async_graphql::Value::from("INTERNAL")));
    }

    #[test]
    fn bad_input_names_the_field() {
        let graphql = ApiError::bad_input("first", "at most 100").extend();
        let extensions = graphql.extensions.unwrap();
        assert_eq!(extensions.get("field"), Some(&async_graphql::Value::from("first")));
        assert_eq!(
            extensions.get("code"),
            Some(&async_graphql::Value::from("BAD_USER_INPUT"))
        );
    }
}
