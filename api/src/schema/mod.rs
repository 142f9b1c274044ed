//! The GraphQL schema: the root is only a list of the areas' parts (`MergedObject`). Building
//! it does no I/O, so the SDL can be exported and checked offline; the database and the
//! request-scoped loaders are attached to each request by [`RequestContext`].

pub mod relay;

use crate::error::{ApiError, ApiResult};
use crate::org::loader::OrganizationById;
use crate::org::query::OrgQuery;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptyMutation, EmptySubscription, MergedObject, SDLExportOptions, Schema};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// The query root: one part per domain area.
#[derive(MergedObject, Default)]
pub struct Query(OrgQuery);

/// The schema type served at `/graphql`.
pub type AppSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema. No I/O.
pub fn build() -> AppSchema {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .limit_depth(16)
        .limit_complexity(20_000)
        .extension(async_graphql::extensions::Tracing)
        .finish()
}

/// The SDL of the schema, fields sorted so that it is stable across builds.
pub fn sdl() -> String {
    build().sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}

/// How long a DataLoader waits for more keys before it sends a batch.
const LOADER_DELAY: Duration = Duration::from_millis(1);

/// The request-scoped loaders: one set per GraphQL request, so nothing is cached across
/// requests or viewers.
pub struct Loaders {
    pub organization_by_id: DataLoader<OrganizationById>,
}

impl Loaders {
    fn new(db: &DatabaseConnection) -> Self {
        Self {
            organization_by_id: DataLoader::new(OrganizationById { db: db.clone() }, tokio::spawn).delay(LOADER_DELAY),
        }
    }
}

/// What every resolver may use: the database and this request's loaders.
#[derive(Clone)]
pub struct RequestContext {
    pub db: DatabaseConnection,
    pub loaders: Arc<Loaders>,
}

impl RequestContext {
    pub fn new(db: DatabaseConnection) -> Self {
        let loaders = Arc::new(Loaders::new(&db));
        Self { db, loaders }
    }

    /// The context of the request being resolved.
    pub fn of<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestContext> {
        ctx.data::<RequestContext>()
            .map_err(|_| ApiError::internal(anyhow::anyhow!("request context missing")))
    }
}
