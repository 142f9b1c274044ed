//! Connecting to the database: SQLite (the embedded default, a file created when missing, in
//! WAL mode with foreign keys enforced) or PostgreSQL (production). The same migrations and
//! queries run on both.

use crate::config::DatabaseTarget;
use crate::error::{ApiError, ApiResult};
use crate::sql::Params;
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, PaginatorTrait};
use std::time::Duration;

/// How long the batch commands (import, seed, migrate) wait for a pooled connection.
const BATCH_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The limits a pool holds each use of the database to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Each PostgreSQL statement is stopped after this long (the server's request time limit,
    /// so that a stopped request's SQL stops too; SQLite has no such setting, and a stopped
    /// request's statement there ends with its step).
    pub statement_timeout: Option<Duration>,
    /// How long a statement waits for a connection — to be free, or to be made — before it
    /// fails. With the database down, every use of it fails within this time.
    pub acquire_timeout: Duration,
    /// On SQLite, how long a statement waits for another connection's write lock before it
    /// fails with BUSY.
    pub busy_timeout: Duration,
}

impl Bounds {
    /// What the batch commands use: no statement limit, 10 s for a connection, 10 s for
    /// SQLite's write lock.
    pub const BATCH: Bounds = Bounds {
        statement_timeout: None,
        acquire_timeout: BATCH_ACQUIRE_TIMEOUT,
        busy_timeout: BATCH_ACQUIRE_TIMEOUT,
    };

    /// [`Bounds::BATCH`] waiting `busy_timeout` for SQLite's write lock.
    pub fn batch(busy_timeout: Duration) -> Self {
        Self {
            busy_timeout,
            ..Self::BATCH
        }
    }
}

/// Opens a connection pool. Fails with a clear message when the database cannot be reached.
pub async fn connect(target: &DatabaseTarget) -> anyhow::Result<DatabaseConnection> {
    connect_bounded(target, Bounds::BATCH).await
}

/// [`connect`] within `bounds` (the server's).
pub async fn connect_bounded(target: &DatabaseTarget, bounds: Bounds) -> anyhow::Result<DatabaseConnection> {
    open(target, bounds, false)
        .await
        .map_err(|e| unreachable_context(e, target))
}

/// [`connect_bounded`], and while the database cannot be reached (the connection is refused
/// or times out: it is starting, restarting or down), tries again after a pause that doubles
/// from 0.5 s up to 30 s, logging each try. Any other failure (a wrong password, a database
/// that does not exist, a bad URL) ends it at once: waiting would not mend it.
pub async fn connect_waiting(target: &DatabaseTarget, bounds: Bounds) -> anyhow::Result<DatabaseConnection> {
    let mut pause = Duration::from_millis(500);
    for attempt in 1u32.. {
        match open(target, bounds, false).await {
            Ok(db) => {
                if attempt > 1 {
                    tracing::info!(attempt, "the database is reachable");
                }
                return Ok(db);
            }
            Err(error) if crate::error::is_unreachable(&error) => {
                tracing::warn!(
                    attempt,
                    retry_in = %humantime::format_duration(pause),
                    database = %redact(&target.url),
                    error = %error,
                    "the database is not reachable yet; waiting for it"
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(30));
            }
            Err(error) => return Err(unreachable_context(error, target)),
        }
    }
    unreachable!("the attempts are unbounded")
}

fn unreachable_context(error: DbErr, target: &DatabaseTarget) -> anyhow::Error {
    anyhow::Error::new(error).context(format!("cannot connect to the database at {}", redact(&target.url)))
}

/// A pool for rebuilding the schema (`migrate fresh`): on SQLite one connection with foreign
/// keys off, since dropping a table that others reference fails with them on (and a pragma
/// set on one pooled connection does not hold on the next); PostgreSQL as [`connect`].
pub async fn connect_for_rebuild(target: &DatabaseTarget) -> anyhow::Result<DatabaseConnection> {
    open(target, Bounds::BATCH, true)
        .await
        .map_err(|e| unreachable_context(e, target))
}

/// How long a pooled connection may sit unused before it is pinged on its next acquire.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(10);

async fn open(target: &DatabaseTarget, bounds: Bounds, rebuild: bool) -> Result<DatabaseConnection, DbErr> {
    let statement_timeout = bounds.statement_timeout;
    let busy_timeout = bounds.busy_timeout;
    let mut options = ConnectOptions::new(target.url.clone());
    options
        .sqlx_logging(false)
        .connect_timeout(bounds.acquire_timeout.min(Duration::from_secs(5)))
        .acquire_timeout(bounds.acquire_timeout)
        // A connection is pinged before use only once it has been idle a while (one the
        // server, a proxy or a restart may have dropped meanwhile): pinging on every acquire,
        // sea-orm's default, was a round trip before each of a request's statements.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING);
    if target.is_sqlite() {
        options
            .max_connections(if rebuild { 1 } else { 8 })
            .map_sqlx_sqlite_opts(move |opts| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(!rebuild)
                    .busy_timeout(busy_timeout)
            });
    } else {
        let tcp_port = postgres_tcp_port(&target.url);
        options.max_connections(16).map_sqlx_postgres_pool_opts(move |pool| {
            pool.after_connect(move |connection, _meta| {
                Box::pin(async move {
                    if let Some(port) = tcp_port {
                        nodelay::set_on_sockets_to(port);
                    }
                    // The measures' statements are estimated expensive, so PostgreSQL's JIT
                    // compiles them (about 1 s each) before running them for about as long:
                    // planMeasures took 8.1 s at full size with JIT and 2.8 s without.
                    sea_orm::sqlx::Executor::execute(&mut *connection, "SET jit = off").await?;
                    if let Some(limit) = statement_timeout {
                        sea_orm::sqlx::query("SELECT set_config('statement_timeout', $1, false)")
                            .bind(format!("{}ms", limit.as_millis()))
                            .execute(&mut *connection)
                            .await?;
                    }
                    Ok(())
                })
            })
        });
    }
    Database::connect(options).await
}

/// The server's databases: the primary, which every write uses, and the pool its queries read
/// from — a read replica (a streaming standby, `DATABASE_REPLICA_URL`) when one is named,
/// else the primary again. A request is sent to the primary when it writes (a mutation, an
/// upload) or when its client asks to read after a write of its own the replica has not
/// replayed yet ([`Pools::replayed`]): so a client reads its own writes, whichever node it
/// reaches, and everyone else reads the replica.
#[derive(Debug, Clone)]
pub struct Pools {
    /// Where writes go, and reads when there is no replica.
    pub primary: DatabaseConnection,
    /// Where queries read.
    pub reads: DatabaseConnection,
    replica: bool,
}

impl Pools {
    /// One database for everything.
    pub fn single(db: DatabaseConnection) -> Self {
        Self {
            reads: db.clone(),
            primary: db,
            replica: false,
        }
    }

    /// Writes on `primary`, queries on `replica`.
    pub fn with_replica(primary: DatabaseConnection, replica: DatabaseConnection) -> Self {
        Self {
            primary,
            reads: replica,
            replica: true,
        }
    }

    /// Whether queries read a replica.
    pub fn has_replica(&self) -> bool {
        self.replica
    }

    /// The primary's write position (its WAL's insert position, as `0/16B3748`: past the
    /// commit record even with `synchronous_commit` off) once a write committed:
    /// a read after it that names it ([`Pools::replayed`]) sees the write.
    pub async fn write_position(db: &DatabaseConnection) -> ApiResult<WalPosition> {
        #[derive(FromQueryResult)]
        struct Position {
            position: String,
        }
        let rows: Vec<Position> = Params::new()
            .rows(db, "SELECT CAST(pg_current_wal_insert_lsn() AS TEXT) AS position")
            .await?;
        let position = rows.into_iter().next().map(|p| p.position).unwrap_or_default();
        WalPosition::parse(&position)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no WAL position: {position:?}")))
    }

    /// Whether the replica `db` has replayed the primary's WAL up to `position`: one
    /// statement.
    pub async fn replayed(db: &DatabaseConnection, position: &WalPosition) -> ApiResult<bool> {
        #[derive(FromQueryResult)]
        struct Replayed {
            replayed: bool,
        }
        let rows: Vec<Replayed> = Params::new()
            .set("position", position.0.clone())
            .rows(
                db,
                "SELECT COALESCE(pg_last_wal_replay_lsn() >= CAST(:position AS pg_lsn), FALSE) AS replayed",
            )
            .await?;
        Ok(rows.first().is_some_and(|r| r.replayed))
    }
}

/// A position in PostgreSQL's write-ahead log (`pg_lsn`'s text: two hexadecimal numbers of
/// at most 8 digits, `X/Y`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalPosition(String);

impl WalPosition {
    /// The position `text` names, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        let (high, low) = text.trim().split_once('/')?;
        let hex = |part: &str| (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit());
        (hex(high) && hex(low)).then(|| Self(format!("{high}/{low}").to_ascii_uppercase()))
    }

    /// Its text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Opens the read replica `target` names within `bounds`, waiting for it as
/// [`connect_waiting`] does, and checks that it is a standby (`pg_is_in_recovery()`): a
/// replica URL naming a primary is refused, since queries there would not see the writes'
/// positions.
pub async fn connect_replica(target: &DatabaseTarget, bounds: Bounds) -> anyhow::Result<DatabaseConnection> {
    let db = connect_waiting(target, bounds).await?;
    #[derive(FromQueryResult)]
    struct Recovery {
        standby: bool,
    }
    let rows: Vec<Recovery> = Params::new()
        .rows(&db, "SELECT pg_is_in_recovery() AS standby")
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "asking the replica at {} whether it is a standby: {e}",
                redact(&target.url)
            )
        })?;
    if !rows.first().is_some_and(|r| r.standby) {
        anyhow::bail!(
            "DATABASE_REPLICA_URL ({}) is not a standby (pg_is_in_recovery() is false): name a streaming \
             replica of DATABASE_URL, or unset it",
            redact(&target.url)
        );
    }
    Ok(db)
}

/// The TCP port a PostgreSQL URL connects to (5432 when it names none); none for a Unix
/// socket.
fn postgres_tcp_port(url: &str) -> Option<u16> {
    use std::str::FromStr;
    let options = sea_orm::sqlx::postgres::PgConnectOptions::from_str(url).ok()?;
    options.get_socket().is_none().then(|| options.get_port())
}

/// sqlx 0.9.0 stopped setting `TCP_NODELAY` on its sockets (transact-rs/sqlx#4335; fixed
/// upstream by #4336, not yet released). Without it, a statement whose message spans several
/// TCP segments (a bulk upsert, an import chunk) waits for the server's delayed ACK, about
/// 40 ms a statement: the demo import took 9.4 s over TCP against 4.7 s with the option set or
/// over a Unix socket. sqlx offers no hook on its socket, so after each new connection this
/// sets the option on every TCP socket of the process whose peer is the database's port (the
/// option is harmless on any other). Remove once sqlx sets it again.
#[cfg(target_os = "linux")]
pub mod nodelay {
    use rustix::net::{getpeername, getsockname, sockopt};
    use rustix::process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open};
    use std::net::SocketAddr;
    use std::os::fd::OwnedFd;
    use std::sync::Once;

    /// Sets `TCP_NODELAY` on the process's TCP sockets connected to `port`; returns how many
    /// now have it. Best effort: a socket that cannot be reached is left as it is, and when
    /// none can be (a kernel before 5.6, a seccomp profile refusing `pidfd_getfd`), a warning
    /// says so once.
    pub fn set_on_sockets_to(port: u16) -> usize {
        let set = tcp_sockets()
            .filter(|(_, _, peer)| peer.port() == port)
            .filter(|(socket, _, _)| sockopt::set_tcp_nodelay(socket, true).is_ok())
            .count();
        if set == 0 {
            static WARNED: Once = Once::new();
            WARNED.call_once(|| {
                tracing::warn!(
                    port,
                    "could not set TCP_NODELAY on the PostgreSQL connections; large statements \
                     will wait for delayed ACKs (a Unix socket URL avoids it)"
                );
            });
        }
        set
    }

    /// The process's TCP sockets with their local and peer addresses, each a duplicate of
    /// the descriptor taken through a pidfd of this process (no unsafe borrowing of raw
    /// descriptors). Only descriptors that are sockets are duplicated: closing a duplicate of
    /// a regular file would drop the process's POSIX locks on it (SQLite's among them).
    pub fn tcp_sockets() -> impl Iterator<Item = (OwnedFd, SocketAddr, SocketAddr)> {
        let pidfd = pidfd_open(getpid(), PidfdFlags::empty()).ok();
        let numbers: Vec<i32> = std::fs::read_dir("/proc/self/fd")
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|entry| {
                        std::fs::read_link(entry.path())
                            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
                    })
                    .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        numbers.into_iter().filter_map(move |number| {
            let socket = pidfd_getfd(pidfd.as_ref()?, number, PidfdGetfdFlags::empty()).ok()?;
            let peer = SocketAddr::try_from(getpeername(&socket).ok()??).ok()?;
            let local = SocketAddr::try_from(getsockname(&socket).ok()?).ok()?;
            Some((socket, local, peer))
        })
    }

    /// Whether `socket` has `TCP_NODELAY` set.
    pub fn is_set(socket: &OwnedFd) -> bool {
        sockopt::tcp_nodelay(socket).unwrap_or(false)
    }
}

#[cfg(not(target_os = "linux"))]
pub mod nodelay {
    /// Elsewhere than Linux the option is left to the driver.
    pub fn set_on_sockets_to(_port: u16) -> usize {
        0
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Begins a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a second writer then waits its busy timeout for the first, instead of failing
/// at once when its deferred transaction, having read, finds it cannot become a writer.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.begin_with_options(options).await
}

/// True when the database holds no district data yet (no organization).
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(entity::organization::Entity::find().count(db).await? == 0)
}

/// Refreshes the planner's statistics after a bulk load (SQLite keeps none until asked, and
/// without them picks poor join orders on large tables).
pub async fn analyze(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(redact("sqlite://staffgraph.db"), "sqlite://staffgraph.db");
    }
}
