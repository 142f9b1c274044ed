//! Configuration, parsed once from flags and the environment (a flag wins over its variable).
//! Every setting is documented in `staffgraph --help` and in the README's table.

use crate::graphql::Limits;
use clap::{Args, ValueEnum};
use std::net::SocketAddr;

/// The embedded default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://staffgraph.db";

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Which database.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address the server listens on.
    #[arg(long, env = "STAFFGRAPH_BIND", default_value = "127.0.0.1:8000", global = true)]
    pub bind: SocketAddr,

    /// Secret that signs and verifies bearer tokens (HS256). Required on a database named by
    /// DATABASE_URL; on the embedded demo database a random one is made at each start.
    #[arg(long, env = "STAFFGRAPH_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// The longest lifetime a bearer token may have: tokens that expire later than this from
    /// now are refused, and `staffgraph token` mints none.
    #[arg(long, env = "STAFFGRAPH_TOKEN_MAX_TTL", default_value = "36h", value_parser = crate::auth::token::parse_ttl, global = true)]
    pub token_max_ttl: std::time::Duration,

    /// How the process logs.
    #[command(flatten)]
    pub logging: LogArgs,

    /// What one request may ask of the server.
    #[command(flatten)]
    pub edge: EdgeArgs,

    /// Which browser origins may call it.
    #[command(flatten)]
    pub cors: CorsArgs,

    /// The subscriptions' limits.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// The limits of the subscriptions over WebSocket (`/graphql/ws`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Args)]
pub struct LiveArgs {
    /// The shortest time between two events of one `measureChanged` subscription: changes
    /// closer together are folded into one event.
    #[arg(long, env = "STAFFGRAPH_LIVE_INTERVAL", default_value = "1s", value_parser = crate::auth::token::parse_ttl, global = true)]
    pub live_interval: std::time::Duration,

    /// The most WebSockets open at once; one more is refused (HTTP 503, `Retry-After`).
    /// Anonymous sockets may hold half of them.
    #[arg(long, env = "STAFFGRAPH_WS_MAX_SOCKETS", default_value_t = 20_000, global = true)]
    pub ws_max_sockets: usize,

    /// The most WebSockets one signed-in viewer (one token's subject, role and schools) holds
    /// at once; one more is closed at `connection_init` with 4429.
    #[arg(
        long,
        env = "STAFFGRAPH_WS_MAX_SOCKETS_PER_VIEWER",
        default_value_t = 16,
        global = true
    )]
    pub ws_max_sockets_per_viewer: usize,

    /// The most subscriptions one socket runs at once; one more fails with RATE_LIMITED.
    #[arg(long, env = "STAFFGRAPH_WS_MAX_SUBSCRIPTIONS", default_value_t = 32, global = true)]
    pub ws_max_subscriptions: usize,
}

impl Default for LiveArgs {
    /// The defaults of the flags.
    fn default() -> Self {
        Self {
            live_interval: std::time::Duration::from_secs(1),
            ws_max_sockets: 20_000,
            ws_max_sockets_per_viewer: 16,
            ws_max_subscriptions: 32,
        }
    }
}

/// The limits of the HTTP edge (README "Limits"): what a request may cost and how large it
/// may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Args)]
pub struct EdgeArgs {
    /// The highest cost a query may ask for: each object 1, a connection's objects times its
    /// page size, `planMeasures` 2,000 (the cost is in every response's `extensions.cost`).
    #[arg(long, env = "STAFFGRAPH_MAX_QUERY_COST", default_value_t = Limits::DEFAULT.max_cost, global = true)]
    pub max_query_cost: u64,

    /// The most aliased fields in one query.
    #[arg(long, env = "STAFFGRAPH_MAX_ALIASES", default_value_t = Limits::DEFAULT.max_aliases, global = true)]
    pub max_aliases: u64,

    /// The longest query text, in bytes.
    #[arg(long, env = "STAFFGRAPH_MAX_QUERY_BYTES", default_value_t = Limits::DEFAULT.max_query_bytes, global = true)]
    pub max_query_bytes: u64,

    /// The most fields a query selects once its fragments are expanded.
    #[arg(long, env = "STAFFGRAPH_MAX_SELECTIONS", default_value_t = Limits::DEFAULT.max_selections, global = true)]
    pub max_selections: u64,

    /// The most operations in one JSON batch.
    #[arg(long, env = "STAFFGRAPH_MAX_BATCH", default_value_t = 10, global = true)]
    pub max_batch: usize,

    /// The largest request body, in bytes (a JSON query and its variables).
    #[arg(long, env = "STAFFGRAPH_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// The largest upload (`importCsv`'s multipart body), in bytes; ADMIN only, checked
    /// before the body is read.
    #[arg(long, env = "STAFFGRAPH_MAX_UPLOAD_BYTES", default_value_t = 512 * 1024 * 1024, global = true)]
    pub max_upload_bytes: usize,

    /// How long a request may run before it is stopped with TIMEOUT (its SQL too: on
    /// PostgreSQL this is also each statement's `statement_timeout`).
    #[arg(long, env = "STAFFGRAPH_REQUEST_TIMEOUT", default_value = "30s", value_parser = crate::auth::token::parse_ttl, global = true)]
    pub request_timeout: std::time::Duration,

    /// How long an upload (`importCsv`) may run.
    #[arg(long, env = "STAFFGRAPH_UPLOAD_TIMEOUT", default_value = "15m", value_parser = crate::auth::token::parse_ttl, global = true)]
    pub upload_timeout: std::time::Duration,

    /// How many requests without a token run at once (the public's lane; signed-in requests
    /// never wait on it). Default: half the CPUs, at least 1.
    #[arg(long, env = "STAFFGRAPH_ANONYMOUS_CONCURRENCY", default_value_t = default_anonymous_concurrency(), global = true)]
    pub anonymous_concurrency: usize,

    /// How many requests without a token may wait for a turn; one more is refused at once
    /// with RATE_LIMITED (HTTP 429).
    #[arg(long, env = "STAFFGRAPH_ANONYMOUS_QUEUE", default_value_t = 100, global = true)]
    pub anonymous_queue: usize,

    /// How long a request's statement waits for a database connection before the request fails
    /// with UNAVAILABLE and `Retry-After` (with the database down, every request fails this
    /// fast instead of hanging; `/ready` answers within 1 s regardless).
    #[arg(long, env = "STAFFGRAPH_DATABASE_WAIT", default_value = "2s", value_parser = crate::auth::token::parse_ttl, global = true)]
    pub database_wait: std::time::Duration,

    /// On SIGTERM or SIGINT, how long requests in flight may take to finish before the server
    /// exits anyway (it stops accepting at once, and `/ready` answers 503).
    #[arg(long, env = "STAFFGRAPH_SHUTDOWN_GRACE", default_value = "30s", value_parser = crate::auth::token::parse_ttl, global = true)]
    pub shutdown_grace: std::time::Duration,
}

/// Half the machine's CPUs, at least one: the public's share.
fn default_anonymous_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Which other origins may call the API from a browser (CORS). None by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct CorsArgs {
    /// Origins allowed to call `/graphql` from a browser, comma-separated
    /// (`https://dash.example.org`), or `*` for any; none when unset.
    #[arg(long, env = "STAFFGRAPH_CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,
}

impl Default for EdgeArgs {
    /// The defaults of the flags.
    fn default() -> Self {
        Self {
            max_query_cost: Limits::DEFAULT.max_cost,
            max_aliases: Limits::DEFAULT.max_aliases,
            max_query_bytes: Limits::DEFAULT.max_query_bytes,
            max_selections: Limits::DEFAULT.max_selections,
            max_batch: 10,
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 512 * 1024 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            upload_timeout: std::time::Duration::from_secs(15 * 60),
            anonymous_concurrency: default_anonymous_concurrency(),
            anonymous_queue: 100,
            database_wait: std::time::Duration::from_secs(2),
            shutdown_grace: std::time::Duration::from_secs(30),
        }
    }
}

impl EdgeArgs {
    /// The query limits these settings make.
    pub fn limits(&self) -> Limits {
        Limits {
            max_cost: self.max_query_cost,
            max_aliases: self.max_aliases,
            max_query_bytes: self.max_query_bytes,
            max_selections: self.max_selections,
        }
    }
}

/// The database setting, apart so that `staffgraph-bench` takes it exactly as `staffgraph` does.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE` (created when missing, WAL mode) or
    /// `postgres://USER@HOST:PORT/DB`. Default: the embedded `sqlite://staffgraph.db`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// A PostgreSQL read replica (a streaming standby of DATABASE_URL) for the server's
    /// queries and measure reads; mutations, uploads, a client's read after its own write and
    /// every batch command use DATABASE_URL, the primary. Unset: everything uses the primary.
    #[arg(long, env = "DATABASE_REPLICA_URL", global = true, hide_env_values = true)]
    pub database_replica_url: Option<String>,

    /// On SQLite, how long a write waits for another writer (an import, a mutation) to finish
    /// before it fails with BUSY ("the database is busy … retry"); PostgreSQL writers wait on
    /// row locks instead.
    #[arg(long, env = "STAFFGRAPH_DATABASE_BUSY_TIMEOUT", default_value = "10s", value_parser = crate::auth::token::parse_ttl, global = true)]
    pub database_busy_timeout: std::time::Duration,
}

/// The logging settings (read by `telemetry::init`), apart so that `staffgraph-bench` takes
/// them exactly as `staffgraph` does.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Log filter, in `tracing` EnvFilter syntax (e.g. `info`, `api=debug,sea_orm=warn`).
    #[arg(long, env = "STAFFGRAPH_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "STAFFGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable text.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Which database to use, and whether it is the embedded default (the only database the
/// server ever fills with demo data on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseTarget {
    /// The connection URL (`sqlite://…` or `postgres://…`).
    pub url: String,
    /// Whether this is the embedded `sqlite://staffgraph.db` because no URL was given.
    pub embedded_default: bool,
}

impl DatabaseTarget {
    /// Whether the URL names a SQLite database.
    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }
}

impl DatabaseArgs {
    /// The read replica, when one is named (a blank URL names none); an error when the
    /// primary is not PostgreSQL or the replica names the primary itself.
    pub fn replica(&self) -> anyhow::Result<Option<DatabaseTarget>> {
        let Some(url) = self
            .database_replica_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            return Ok(None);
        };
        let primary = self.target();
        let replica = DatabaseTarget {
            url: url.to_owned(),
            embedded_default: false,
        };
        if primary.is_sqlite() || replica.is_sqlite() {
            anyhow::bail!(
                "DATABASE_REPLICA_URL names a read replica of a PostgreSQL primary: with SQLite there is one \
                 database file and no replica (unset DATABASE_REPLICA_URL)"
            );
        }
        if replica.url == primary.url {
            anyhow::bail!("DATABASE_REPLICA_URL is DATABASE_URL itself: name the standby, or unset it");
        }
        Ok(Some(replica))
    }

    /// The database named by the URL, or the embedded default when none (or a blank one) is
    /// given.
    pub fn target(&self) -> DatabaseTarget {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => DatabaseTarget {
                url: url.trim().to_owned(),
                embedded_default: false,
            },
            _ => DatabaseTarget {
                url: DEFAULT_DATABASE_URL.to_owned(),
                embedded_default: true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        edge: EdgeArgs,
        #[command(flatten)]
        cors: CorsArgs,
        #[command(flatten)]
        live: LiveArgs,
    }

    #[test]
    fn the_edge_defaults_are_the_flags_defaults() {
        let flags = Flags::parse_from(["staffgraph"]);
        assert_eq!(flags.edge, EdgeArgs::default());
        assert_eq!(flags.cors, CorsArgs::default(), "no origin by default");
        assert_eq!(flags.live, LiveArgs::default());
        let flags = Flags::parse_from(["staffgraph", "--cors-origins", "https://a.example,https://b.example"]);
        assert_eq!(flags.cors.cors_origins, ["https://a.example", "https://b.example"]);
    }
}
