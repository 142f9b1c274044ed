//! The request context: what every resolver of one GraphQL request may use.

use super::batch::Batches;
use super::loader::DbLoader;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Keys a batch may hold before it is sent at once. async-graphql's default (1,000) would split
/// `schools(first: 100) { staff(first: 20) }` into two statements; 10,000 parent ids stay well
/// inside SQLite's (32,766) and PostgreSQL's (65,535) bind-parameter limits.
const LOADER_MAX_BATCH: usize = 10_000;

/// What every resolver may use: the viewer, the database (a handle that counts this request's
/// SQL statements) and this request's loader. One per GraphQL request (or subscription), so
/// nothing is cached across requests or viewers.
///
/// Attach it to the request as data (`Request::data(context)`) and execute the request with
/// the [`Engine`](super::Engine), which sends the loader's batches.
#[derive(Clone)]
pub struct RequestContext {
    /// Who is asking.
    pub viewer: Viewer,
    /// The database the request reads, through a handle that counts this request's
    /// statements: the read replica for a query when one is configured, else the primary.
    pub db: DatabaseConnection,
    /// The primary, counting too: what a read's side effect writes (a rebuild of the measure
    /// counts it found out of date) goes there.
    pub primary: DatabaseConnection,
    /// This request's loader: rows by id and pages of children, batched per level.
    pub loader: Arc<DataLoader<DbLoader>>,
    pub(super) batches: Arc<Batches>,
    statements: Arc<AtomicU64>,
}

/// A request's statement counter and the database handle that counts into it, made when the
/// request arrives: resolving its token to a viewer (the staff member, the schools' ids) is
/// the request's work too, and is counted with the rest.
#[derive(Clone)]
pub struct Counter {
    db: DatabaseConnection,
    primary: DatabaseConnection,
    statements: Arc<AtomicU64>,
}

impl Counter {
    /// A counter of a request on one database.
    pub fn new(db: &DatabaseConnection) -> Self {
        Self::over(db, db)
    }

    /// A counter of a request reading `reads` (a replica, or the primary) and writing, if it
    /// does, `primary`.
    pub fn over(reads: &DatabaseConnection, primary: &DatabaseConnection) -> Self {
        let statements = Arc::new(AtomicU64::new(0));
        // The callbacks belong to these clones of the pool handles only: they count this
        // request.
        let counting = |db: &DatabaseConnection| {
            let counter = statements.clone();
            let mut db = db.clone();
            db.set_metric_callback(move |_| {
                counter.fetch_add(1, Ordering::Relaxed);
            });
            db
        };
        Self {
            db: counting(reads),
            primary: counting(primary),
            statements,
        }
    }

    /// This counter, the request reading the primary: a request that writes, or reads after
    /// a write the replica has not replayed.
    #[must_use]
    pub fn on_primary(mut self) -> Self {
        self.db = self.primary.clone();
        self
    }

    /// The counting handle of the database the request reads.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The counting handle of the primary.
    pub fn primary(&self) -> &DatabaseConnection {
        &self.primary
    }

    /// Statements counted so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

impl RequestContext {
    /// A context for one request by `viewer` on `db`.
    pub fn new(db: &DatabaseConnection, viewer: Viewer) -> Self {
        Self::counted(Counter::new(db), viewer)
    }

    /// A context for one request by `viewer`, counting on with `counter` (which counted the
    /// viewer's resolution).
    pub fn counted(counter: Counter, viewer: Viewer) -> Self {
        let Counter {
            db,
            primary,
            statements,
        } = counter;
        // Batches go out when the request waits for them (`batch`), not after a timer.
        let batches = Arc::new(Batches::default());
        let loader = DataLoader::new(
            DbLoader {
                db: db.clone(),
                viewer: viewer.clone(),
            },
            batches.spawner(),
        )
        .delay(Duration::ZERO)
        .max_batch_size(LOADER_MAX_BATCH);
        Self {
            viewer,
            db,
            primary,
            loader: Arc::new(loader),
            batches,
            statements,
        }
    }

    /// SQL statements this request has run so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// The context of the request being resolved.
    pub fn of<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestContext> {
        ctx.data::<RequestContext>()
            .map_err(|_| ApiError::internal(anyhow::anyhow!("request context missing")))
    }
}
