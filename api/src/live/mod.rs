//! Change events for the subscriptions (issue 19): which schools' data changed, on every API
//! node that shares the database, within a second of the commit.
//!
//! **Where they come from.** On PostgreSQL the database announces them itself, so every
//! write path does — a mutation, an import, a seed, a manual SQL fix — on every node: the
//! statement triggers that already mark the measure counts out of date (migration 000008)
//! also `NOTIFY staffgraph_change` at commit (migration 000012), with the ids of the schools
//! whose survey administrations a statement changed, or `*` for any other measured table.
//! Each node keeps one `LISTEN` connection to the primary (notifications are not replicated
//! to standbys) and passes them on. On SQLite, one process writes at a time and there is no
//! NOTIFY: a write announces its schools once it commits ([`announce`]), and a poll of
//! `data_version` (the counter the same triggers bump) every second catches the commits of
//! another process — a `staffgraph import` run from cron beside the server — as `*`. The
//! payload is what changed and where (school ids), never a person's data.
//!
//! **What receives them.** One [`Hub`] per database per process, a bounded broadcast: a
//! sender never waits for a receiver, and a receiver that falls behind is told it lagged
//! ([`Event::Resync`]) and reads the current state again instead of the events it missed.

use sea_orm::{DatabaseConnection, DbBackend};
use std::collections::{BTreeSet, HashMap};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// The PostgreSQL channel the triggers notify.
pub const CHANNEL: &str = "staffgraph_change";

/// Events a hub holds for a receiver that has not read them yet; one that falls further
/// behind resyncs.
const BUFFERED: usize = 1024;

/// How often a SQLite hub checks whether another process committed.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The survey administrations of these schools (ids).
    Schools(BTreeSet<i32>),
    /// Anything: data the measures read, not known to be one school's.
    Anything,
}

impl Change {
    /// Whether the change may concern school `id`'s administrations.
    pub fn touches_school(&self, id: i32) -> bool {
        match self {
            Change::Schools(schools) => schools.contains(&id),
            Change::Anything => true,
        }
    }

    /// A notification's payload: `*`, or school ids separated by commas.
    pub fn parse(payload: &str) -> Self {
        let schools: Option<BTreeSet<i32>> = payload.split(',').map(|id| id.trim().parse().ok()).collect();
        match schools {
            Some(schools) if !schools.is_empty() => Change::Schools(schools),
            _ => Change::Anything,
        }
    }
}

/// What a receiver gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A change committed.
    Changed(Change),
    /// Events were lost (the receiver fell behind, or the database connection that listens
    /// was lost and made again): read the current state again.
    Resync,
}

/// The change events of one database in this process.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Change>,
}

impl Hub {
    /// A receiver of every change of `db`'s database from now on: the database's hub is made
    /// (and its source started: the `LISTEN` connection or the poll) for the first.
    pub fn subscribe(db: &DatabaseConnection) -> Receiver {
        let key = identity(db);
        let mut hubs = hubs();
        if let Some(hub) = hubs.get(&key) {
            return Receiver(hub.sender.subscribe());
        }
        let (sender, receiver) = broadcast::channel(BUFFERED);
        let hub = Hub { sender };
        hubs.insert(key.clone(), hub.clone());
        tokio::spawn(source(db.clone(), hub, key));
        Receiver(receiver)
    }

    /// Whether nobody listens any more: then the hub is dropped and its source ends.
    fn abandoned(&self, key: &str) -> bool {
        let mut hubs = hubs();
        if self.sender.receiver_count() > 0 {
            return false;
        }
        hubs.remove(key);
        true
    }

    fn send(&self, change: Change) {
        // No receiver is no error: nobody is subscribed.
        let _ = self.sender.send(change);
    }
}

/// Receives a hub's events.
pub struct Receiver(broadcast::Receiver<Change>);

impl Receiver {
    /// The next event; none once the hub is gone.
    pub async fn next(&mut self) -> Option<Event> {
        match self.0.recv().await {
            Ok(change) => Some(Event::Changed(change)),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Event::Resync),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next event if one is waiting.
    pub fn try_next(&mut self) -> Option<Event> {
        match self.0.try_recv() {
            Ok(change) => Some(Event::Changed(change)),
            Err(broadcast::error::TryRecvError::Lagged(_)) => Some(Event::Resync),
            Err(_) => None,
        }
    }
}

/// The hubs of this process, by [`identity`]: made by the first subscriber of a database,
/// dropped (and their source stopped) within a second of its last subscriber leaving.
static HUBS: LazyLock<Mutex<HashMap<String, Hub>>> = LazyLock::new(Mutex::default);

fn hubs() -> std::sync::MutexGuard<'static, HashMap<String, Hub>> {
    HUBS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Which database `db` is, without a statement: the SQLite file, or PostgreSQL's host, port and
/// database.
fn identity(db: &DatabaseConnection) -> String {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let options = db.get_postgres_connection_pool().connect_options();
            format!(
                "postgres://{}:{}/{}",
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or_default()
            )
        }
        _ => {
            let options = db.get_sqlite_connection_pool().connect_options();
            let file = options.get_filename();
            let file = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
            format!("sqlite://{}", file.display())
        }
    }
}

/// Announces `change` to this process's subscribers of `db`'s database, once the write that
/// made it has committed. On PostgreSQL the database's own notification does it (for every
/// node), so this is for SQLite.
pub fn announce(db: &DatabaseConnection, change: Change) {
    if db.get_database_backend() == DbBackend::Postgres {
        return;
    }
    let hub = hubs().get(&identity(db)).cloned();
    if let Some(hub) = hub {
        hub.send(change);
    }
}

/// Feeds the hub — PostgreSQL's notifications, or SQLite's poll — until nobody listens.
async fn source(db: DatabaseConnection, hub: Hub, key: String) {
    let mut db = db;
    // Not any request's statements.
    db.set_metric_callback(|_| {});
    match db.get_database_backend() {
        DbBackend::Postgres => listen(&db, &hub, &key).await,
        _ => poll(&db, &hub, &key).await,
    }
}

/// `LISTEN staffgraph_change` on a connection of its own, passing each notification on; a
/// lost connection is made again (with a pause that doubles up to 30 s) and is a resync,
/// since what was notified meanwhile is lost.
async fn listen(db: &DatabaseConnection, hub: &Hub, key: &str) {
    use sea_orm::sqlx::postgres::PgListener;
    let mut pause = Duration::from_millis(500);
    while !hub.abandoned(key) {
        let listener = async {
            let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = match listener.await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot LISTEN for change events; subscriptions wait");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        pause = Duration::from_millis(500);
        loop {
            let Ok(received) = tokio::time::timeout(POLL_EVERY, listener.try_recv()).await else {
                if hub.abandoned(key) {
                    return;
                }
                continue;
            };
            match received {
                Ok(Some(notification)) => hub.send(Change::parse(notification.payload())),
                // The connection was lost and made again: what came meanwhile is unknown.
                Ok(None) => hub.send(Change::Anything),
                Err(error) => {
                    tracing::warn!(%error, "the LISTEN connection for change events failed; reconnecting");
                    hub.send(Change::Anything);
                    break;
                }
            }
        }
    }
}

/// Every second, whether `data_version` moved (another process committed, or this one did):
/// a change of anything when it did.
async fn poll(db: &DatabaseConnection, hub: &Hub, key: &str) {
    use crate::sql::Params;
    #[derive(sea_orm::FromQueryResult)]
    struct Version {
        version: i64,
    }
    let read = async |db: &DatabaseConnection| -> Option<i64> {
        let rows: Vec<Version> = Params::new()
            .rows(db, "SELECT version FROM data_version WHERE id = 1")
            .await
            .ok()?;
        rows.first().map(|v| v.version)
    };
    let mut seen = read(db).await;
    let mut every = tokio::time::interval(POLL_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !hub.abandoned(key) {
        every.tick().await;
        let now = read(db).await;
        if now.is_some() && now != seen {
            seen = now;
            hub.send(Change::Anything);
        }
    }
}

/// The receivers of every hub of this process, for `/metrics`.
pub fn receivers() -> usize {
    hubs().values().map(|hub| hub.sender.receiver_count()).sum()
}
