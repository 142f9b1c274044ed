//! The GraphQL schema: the root is only a list of the areas' parts (`MergedObject`). Building
//! it does no I/O, so the SDL can be exported and checked offline; the database and the
//! request-scoped loaders are attached to each request by [`RequestContext`].

pub mod batch;
pub mod loader;
pub mod node;
pub mod relay;
pub mod scalars;

use crate::auth::Viewer;
use crate::auth::query::ViewerQuery;
use crate::error::{ApiError, ApiResult};
use crate::evaluation::query::EvaluationQuery;
use crate::framework::query::FrameworkQuery;
use crate::import::mutation::ImportMutation;
use crate::measures::query::MeasuresQuery;
use crate::org::query::OrgQuery;
use crate::schema::batch::{Batched, Batches};
use crate::schema::loader::DbLoader;
use crate::schema::node::NodeQuery;
use crate::survey::query::SurveyQuery;
use crate::training::query::TrainingQuery;
use async_graphql::dataloader::DataLoader;
use async_graphql::{BatchRequest, BatchResponse, Context, EmptySubscription, MergedObject, SDLExportOptions, Schema};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The query root: one part per domain area.
#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    OrgQuery,
    FrameworkQuery,
    EvaluationQuery,
    SurveyQuery,
    TrainingQuery,
    MeasuresQuery,
    ViewerQuery,
);

/// The mutation root: one part per area that writes.
#[derive(MergedObject, Default)]
pub struct Mutation(ImportMutation);

/// The schema type served at `/graphql`.
pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema. No I/O.
pub fn build() -> AppSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(16)
        .limit_complexity(20_000)
        .extension(async_graphql::extensions::Tracing)
        .finish()
}

/// The SDL of the schema, fields sorted so that it is stable across builds.
pub fn sdl() -> String {
    build().sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}

/// Keys a batch may hold before it is sent at once. async-graphql's default (1,000) would split
/// `schools(first: 100) { staff(first: 20) }` into two statements; 10,000 parent ids stay well
/// inside SQLite's (32,766) and PostgreSQL's (65,535) bind-parameter limits.
const LOADER_MAX_BATCH: usize = 10_000;

/// What every resolver may use: the viewer, the database (a handle that counts this request's
/// SQL statements) and this request's loader. One per GraphQL request, so nothing is cached
/// across requests or viewers.
#[derive(Clone)]
pub struct RequestContext {
    pub viewer: Viewer,
    pub db: DatabaseConnection,
    pub loader: Arc<DataLoader<DbLoader>>,
    batches: Arc<Batches>,
    statements: Arc<AtomicU64>,
}

impl RequestContext {
    pub fn new(db: &DatabaseConnection, viewer: Viewer) -> Self {
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        let mut db = db.clone();
        // The callback belongs to this clone of the pool handle only: it counts this request.
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
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
            loader: Arc::new(loader),
            batches,
            statements,
        }
    }

    /// Executes a (batch) request with this context: the only way to run one, since the
    /// loader's batches are sent by the execution's [`Batched`] wrapper.
    pub async fn execute(&self, schema: &AppSchema, request: BatchRequest) -> BatchResponse {
        Batched::new(schema.execute_batch(request.data(self.clone())), self.batches.clone()).await
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
