//! Change events for the subscriptions (issue 19): which schools' data changed, on every API
//! node that shares the database, within a second of the commit.
//!
//! **Where they come from.** On PostgreSQL the database announces them itself, so every
//! write path does — a mutation, an import, a seed, a manual SQL fix — on every node: the
//! statement triggers that already mark the measure counts out of date (migration 000008)
//! also `NOTIFY staffgraph_change` at commit (migration 000012), with the ids of the schools
//! whose survey administrations a statement changed, or `*` for any other measured table
//! (so a training record does not wake the administrations' subscribers).
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

use crate::error::{ApiError, ApiResult, Refusal};
use sea_orm::{DatabaseConnection, DbBackend};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// The PostgreSQL channel the triggers notify.
pub const CHANNEL: &str = "staffgraph_change";

/// The PostgreSQL channel imports report their progress on ([`ImportEvent`] as JSON).
pub const IMPORT_CHANNEL: &str = "staffgraph_import";

/// Events a hub holds for a receiver that has not read them yet; one that falls further
/// behind resyncs.
const BUFFERED: usize = 1024;

/// How often a SQLite hub checks whether another process committed.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The limits of one socket's subscriptions, in its connection data (`http/ws.rs`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The shortest time between two events of one `measureChanged`.
    pub interval: Duration,
    /// The subscriptions running on the socket, and the most it may run.
    running: Arc<AtomicUsize>,
    most: usize,
}

impl Settings {
    /// A socket's: `interval` between measure events, at most `most` subscriptions at once.
    pub fn new(interval: Duration, most: usize) -> Self {
        Self {
            interval,
            running: Arc::default(),
            most,
        }
    }

    /// A place for one more subscription on the socket, held while it runs; RATE_LIMITED
    /// when the socket runs its most.
    pub fn take(&self) -> ApiResult<Slot> {
        let taken = self.running.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < self.most).then_some(n + 1)
        });
        match taken {
            Ok(_) => Ok(Slot(self.running.clone())),
            Err(_) => Err(ApiError::Refused {
                refusal: Refusal::RateLimited,
                message: format!(
                    "this socket runs {} subscriptions, the most it may: complete one first, or open another socket",
                    self.most
                ),
            }),
        }
    }
}

/// A running subscription's place on its socket ([`Settings::take`]), given back when dropped.
pub struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The place of a subscription on its socket, when it runs on one (`settings` is the socket's
/// connection data; none when the schema is executed otherwise).
pub fn slot(settings: Option<&Settings>) -> ApiResult<Option<Slot>> {
    settings.map(Settings::take).transpose()
}

/// What subscribers that want the same reading share: per key, the latest value read and
/// the number of the last change it reflects ([`Receiver::seen`]). A subscriber asking for a
/// value reflecting change N gets the latest if it reflects N or later, else reads it itself
/// while the others wait and then take its value: a thousand subscribers of one school's
/// administrations, or of the district's figures, make one read per change, not a thousand.
/// The key must hold everything the value depends on (the database, the audience, …).
pub struct Shared<T> {
    values: Mutex<HashMap<String, SharedCell<T>>>,
}

type SharedCell<T> = Arc<tokio::sync::Mutex<Option<(u64, Arc<T>)>>>;

/// Keys past which those no subscriber is reading are dropped.
const SHARED_KEPT: usize = 1_000;

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Self {
            values: Mutex::default(),
        }
    }
}

impl<T> Shared<T> {
    /// The value of `key` reflecting at least change `reflects`: the latest read if it does,
    /// else what `read` reads (one reader at a time per key).
    pub async fn get(&self, key: String, reflects: u64, read: impl AsyncFnOnce() -> ApiResult<T>) -> ApiResult<Arc<T>> {
        let cell = {
            let mut values = self.values.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if values.len() > SHARED_KEPT {
                values.retain(|_, cell| Arc::strong_count(cell) > 1);
            }
            values.entry(key).or_default().clone()
        };
        let mut latest = cell.lock().await;
        if let Some((read_at, value)) = latest.as_ref()
            && *read_at >= reflects
        {
            return Ok(value.clone());
        }
        let value = Arc::new(read().await?);
        *latest = Some((reflects, value.clone()));
        Ok(value)
    }
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The survey administrations of these schools (ids).
    Schools(BTreeSet<i32>),
    /// Data the measures read other than survey administrations (PostgreSQL's `*`).
    Data,
    /// Anything, administrations included: what SQLite's poll sees, or what may have been
    /// missed.
    Anything,
}

impl Change {
    /// Whether the change may concern school `id`'s administrations.
    pub fn touches_school(&self, id: i32) -> bool {
        match self {
            Change::Schools(schools) => schools.contains(&id),
            Change::Data => false,
            Change::Anything => true,
        }
    }

    /// A notification's payload: `*` (data other than administrations), school ids separated
    /// by commas, or `all` (too many schools for a payload, a TRUNCATE): anything but the
    /// first two is taken for a change of anything.
    pub fn parse(payload: &str) -> Self {
        if payload.trim() == "*" {
            return Change::Data;
        }
        let schools: Option<BTreeSet<i32>> = payload.split(',').map(|id| id.trim().parse().ok()).collect();
        match schools {
            Some(schools) if !schools.is_empty() => Change::Schools(schools),
            _ => Change::Anything,
        }
    }
}

/// Where an import of one file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportState {
    /// Reading and loading.
    Running,
    /// Committed.
    Done,
    /// Refused or failed: nothing of the file was kept.
    Failed,
}

/// An import's progress: a file's name and counts, never its rows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportEvent {
    /// The file's name as given.
    pub file: String,
    /// Data rows read so far.
    pub rows_read: u64,
    /// Rows inserted or changed (known once it is done).
    pub rows_written: u64,
    /// Where it stands.
    pub state: ImportState,
}

/// Tells the subscribers of `db`'s database on every node how an import stands: on
/// PostgreSQL a notification on [`IMPORT_CHANNEL`], sent outside the import's transaction (so
/// that it is heard while the import runs), in the order given; on SQLite the process's own
/// subscribers (an import run by another process is never heard on `importProgress`; its
/// commit reaches the other subscriptions through the poll).
pub struct ImportAnnouncer {
    db: DatabaseConnection,
    notifications: Option<tokio::sync::mpsc::UnboundedSender<ImportEvent>>,
    sending: Option<tokio::task::JoinHandle<()>>,
}

impl ImportAnnouncer {
    /// An announcer for imports into `db`.
    pub fn new(db: &DatabaseConnection) -> Self {
        let mut db = db.clone();
        // Not the import's statements.
        db.set_metric_callback(|_| {});
        let mut sending = None;
        let notifications = (db.get_database_backend() == DbBackend::Postgres).then(|| {
            let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<ImportEvent>();
            let db = db.clone();
            sending = Some(tokio::spawn(async move {
                while let Some(event) = receiver.recv().await {
                    let Ok(payload) = serde_json::to_string(&event) else {
                        continue;
                    };
                    let sent = crate::sql::Params::new()
                        .set("channel", IMPORT_CHANNEL)
                        .set("payload", payload)
                        .execute(&db, "SELECT pg_notify(:channel, :payload)")
                        .await;
                    if let Err(error) = sent {
                        tracing::debug!(error = %error, "an import's progress could not be announced");
                    }
                }
            }));
            sender
        });
        Self {
            db,
            notifications,
            sending,
        }
    }

    /// Waits (at most two seconds) until every event announced has been sent: before a
    /// command that imported exits.
    pub async fn flushed(mut self) {
        self.notifications = None;
        if let Some(sending) = self.sending.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), sending).await;
        }
    }

    /// Announces `event`.
    pub fn announce(&self, event: ImportEvent) {
        match &self.notifications {
            Some(sender) => {
                let _ = sender.send(event);
            }
            None => {
                let hub = hubs().get(&identity(&self.db)).cloned();
                if let Some(hub) = hub {
                    let _ = hub.imports.send(event);
                }
            }
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
    /// Each change with its number in the hub's sequence.
    sender: broadcast::Sender<(u64, Change)>,
    imports: broadcast::Sender<ImportEvent>,
}

/// The number of the last change sent by any hub of the process: one sequence for all, so
/// that a hub made again after its last subscriber left never numbers a change below what a
/// [`Shared`] reading already reflects.
static SENT: AtomicU64 = AtomicU64::new(0);

impl Hub {
    /// A receiver of every change of `db`'s database from now on: the database's hub is made
    /// (and its source started: the `LISTEN` connection or the poll) for the first.
    pub fn subscribe(db: &DatabaseConnection) -> Receiver {
        // Subscribed before the number is read, under the hubs' lock: no change falls between
        // the two, and the hub cannot be dropped before its receiver exists.
        let (receiver, seen) = Self::of(db, |hub| {
            let receiver = hub.sender.subscribe();
            (receiver, SENT.load(Ordering::Acquire))
        });
        Receiver { receiver, seen }
    }

    /// A receiver of the progress of every import into `db`'s database from now on.
    pub fn subscribe_imports(db: &DatabaseConnection) -> ImportReceiver {
        ImportReceiver(Self::of(db, |hub| hub.imports.subscribe()))
    }

    /// `then` of the hub of `db`'s database, made (and its source started) if there is none,
    /// under the hubs' lock.
    fn of<T>(db: &DatabaseConnection, then: impl FnOnce(&Hub) -> T) -> T {
        let key = identity(db);
        let mut hubs = hubs();
        if let Some(hub) = hubs.get(&key) {
            return then(hub);
        }
        let hub = Hub {
            sender: broadcast::channel(BUFFERED).0,
            imports: broadcast::channel(BUFFERED).0,
        };
        let value = then(&hub);
        hubs.insert(key.clone(), hub.clone());
        tokio::spawn(source(db.clone(), hub, key));
        value
    }

    /// Whether nobody listens any more: then the hub is dropped and its source ends.
    fn abandoned(&self, key: &str) -> bool {
        let mut hubs = hubs();
        if self.sender.receiver_count() + self.imports.receiver_count() > 0 {
            return false;
        }
        hubs.remove(key);
        true
    }

    fn send(&self, change: Change) {
        // Numbered under the channel's own order: the lock keeps the numbers rising in it.
        let _order = SENDING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let number = SENT.fetch_add(1, Ordering::AcqRel) + 1;
        // No receiver is no error: nobody is subscribed.
        let _ = self.sender.send((number, change));
    }
}

/// Receives a hub's import progress.
pub struct ImportReceiver(broadcast::Receiver<ImportEvent>);

impl ImportReceiver {
    /// The next event; none once the hub is gone. Events missed by falling behind are
    /// skipped: the next one says where the import stands.
    pub async fn next(&mut self) -> Option<ImportEvent> {
        loop {
            match self.0.recv().await {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Serializes the numbering and sending of changes across the hubs of the process.
static SENDING: Mutex<()> = Mutex::new(());

/// Receives a hub's events.
pub struct Receiver {
    receiver: broadcast::Receiver<(u64, Change)>,
    /// The number of the last change this receiver has had (or skipped, resyncing).
    seen: u64,
}

impl Receiver {
    /// The next event; none once the hub is gone.
    pub async fn next(&mut self) -> Option<Event> {
        let received = self.receiver.recv().await;
        self.event(received.map_err(|e| match e {
            broadcast::error::RecvError::Lagged(n) => broadcast::error::TryRecvError::Lagged(n),
            broadcast::error::RecvError::Closed => broadcast::error::TryRecvError::Closed,
        }))
    }

    /// The next event if one is waiting.
    pub fn try_next(&mut self) -> Option<Event> {
        let received = self.receiver.try_recv();
        self.event(received)
    }

    /// The number of the last change this receiver has had: whatever was read after it
    /// (on another subscription too) reflects every change up to it. Subscribers that share
    /// a computation compare it (`measureChanged`'s figures, say).
    pub fn seen(&self) -> u64 {
        self.seen
    }

    fn event(&mut self, received: Result<(u64, Change), broadcast::error::TryRecvError>) -> Option<Event> {
        match received {
            Ok((number, change)) => {
                self.seen = self.seen.max(number);
                Some(Event::Changed(change))
            }
            Err(broadcast::error::TryRecvError::Lagged(_)) => {
                self.seen = SENT.load(Ordering::Acquire);
                Some(Event::Resync)
            }
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
pub fn identity(db: &DatabaseConnection) -> String {
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
            // A lost connection is made again here, explicitly, not inside a receive that a
            // timeout may cancel.
            listener.eager_reconnect(false);
            listener.listen_all([CHANNEL, IMPORT_CHANNEL]).await?;
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
        // Listening from now: whatever committed before it (while the connection was being
        // made, or lost) was not heard, so every subscriber reads again.
        hub.send(Change::Anything);
        loop {
            let Ok(received) = tokio::time::timeout(POLL_EVERY, listener.try_recv()).await else {
                if hub.abandoned(key) {
                    return;
                }
                continue;
            };
            match received {
                Ok(Some(notification)) if notification.channel() == IMPORT_CHANNEL => {
                    if let Ok(event) = serde_json::from_str(notification.payload()) {
                        let _ = hub.imports.send(event);
                    }
                }
                Ok(Some(notification)) => hub.send(Change::parse(notification.payload())),
                // The connection was lost: made again above, then a resync.
                Ok(None) => {
                    tracing::warn!("the LISTEN connection for change events was lost; reconnecting");
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, "the LISTEN connection for change events failed; reconnecting");
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
    // Watching from now: a commit before the first read was not seen by it.
    hub.send(Change::Anything);
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
    hubs()
        .values()
        .map(|hub| hub.sender.receiver_count() + hub.imports.receiver_count())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_schools_other_data_or_anything() {
        assert_eq!(Change::parse("3,17"), Change::Schools(BTreeSet::from([3, 17])));
        assert_eq!(Change::parse("*"), Change::Data);
        assert_eq!(Change::parse(""), Change::Anything);
        assert_eq!(Change::parse("all"), Change::Anything);
        assert_eq!(Change::parse("3,x"), Change::Anything);
        assert!(Change::Schools(BTreeSet::from([3])).touches_school(3));
        assert!(!Change::Schools(BTreeSet::from([3])).touches_school(4));
        assert!(
            !Change::Data.touches_school(3),
            "a training record is no administration"
        );
        assert!(Change::Anything.touches_school(3));
    }

    /// A receiver that falls further behind than the hub holds is told to resync, and counts
    /// every change up to the last sent as seen (what it reads next reflects them all).
    #[tokio::test]
    async fn a_receiver_that_falls_behind_resyncs() {
        let hub = Hub {
            sender: broadcast::channel(4).0,
            imports: broadcast::channel(4).0,
        };
        let mut receiver = Receiver {
            receiver: hub.sender.subscribe(),
            seen: 0,
        };
        hub.send(Change::Data);
        assert_eq!(receiver.next().await, Some(Event::Changed(Change::Data)));
        let first = receiver.seen();
        assert!(first > 0);
        for school in 0..10 {
            hub.send(Change::Schools(BTreeSet::from([school])));
        }
        assert_eq!(receiver.next().await, Some(Event::Resync), "10 changes past a hub of 4");
        // (Other tests' hubs share the sequence: at least the ten sent since.)
        let resynced = receiver.seen();
        assert!(resynced >= first + 10, "{resynced} after {first}");
        // What is still held comes after, without moving `seen` back.
        assert!(matches!(receiver.try_next(), Some(Event::Changed(_))));
        assert_eq!(receiver.seen(), resynced);
    }

    #[tokio::test]
    async fn subscribers_share_a_reading_until_a_later_change_asks_for_a_new_one() {
        let shared: Shared<u32> = Shared::default();
        let reads = AtomicUsize::new(0);
        let read = async || {
            let n = reads.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(u32::try_from(n).unwrap_or_default())
        };
        let key = || "db|school 3".to_owned();
        assert_eq!(*shared.get(key(), 1, read).await.unwrap(), 1);
        assert_eq!(
            *shared.get(key(), 1, read).await.unwrap(),
            1,
            "change 1's reading, shared"
        );
        assert_eq!(
            *shared.get(key(), 0, read).await.unwrap(),
            1,
            "a later reading serves an earlier change"
        );
        assert_eq!(
            *shared.get(key(), 2, read).await.unwrap(),
            2,
            "change 2 needs a reading of its own"
        );
        assert_eq!(
            *shared.get("db|school 4".to_owned(), 2, read).await.unwrap(),
            3,
            "keys share nothing"
        );
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_socket_runs_at_most_its_subscriptions_and_a_finished_one_frees_its_place() {
        let settings = Settings::new(Duration::from_secs(1), 2);
        let first = settings.take().unwrap();
        let _second = settings.take().unwrap();
        let refused = settings.take().map(|_| ()).unwrap_err();
        assert_eq!(refused.code(), "RATE_LIMITED");
        drop(first);
        assert!(settings.take().is_ok(), "a completed subscription gives its place back");
    }
}
