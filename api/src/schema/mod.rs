//! The GraphQL schema root: only a list of the areas' parts (`MergedObject`), the node
//! registry (`node`) and the `viewer` query. Building it does no I/O, so the SDL can be
//! exported and checked offline; the database and the request-scoped loaders are attached to
//! each request as a [`RequestContext`](crate::graphql::RequestContext).

pub mod node;
pub mod viewer;

use crate::audit::query::AuditQuery;
use crate::evaluation::mutation::EvaluationMutation;
use crate::evaluation::query::EvaluationQuery;
use crate::framework::query::FrameworkQuery;
use crate::graphql::{Engine, Limits, Pricing};
use crate::import::mutation::ImportMutation;
use crate::import::subscription::ImportSubscription;
use crate::measures::query::MeasuresQuery;
use crate::measures::subscription::MeasuresSubscription;
use crate::org::query::OrgQuery;
use crate::survey::mutation::SurveyMutation;
use crate::survey::query::SurveyQuery;
use crate::survey::subscription::SurveySubscription;
use crate::training::mutation::TrainingMutation;
use crate::training::query::TrainingQuery;
use crate::wellness::query::WellnessQuery;
use crate::{measures, survey, wellness};
use async_graphql::{MergedObject, MergedSubscription, SDLExportOptions, Schema};
use node::NodeQuery;
use viewer::ViewerQuery;

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
    WellnessQuery,
    ViewerQuery,
    AuditQuery,
);

/// The mutation root: one part per area that writes.
#[derive(MergedObject, Default)]
pub struct Mutation(ImportMutation, SurveyMutation, EvaluationMutation, TrainingMutation);

/// The subscription root (over WebSocket at `/graphql/ws`): one part per area that pushes.
#[derive(MergedSubscription, Default)]
pub struct Subscription(SurveySubscription, MeasuresSubscription, ImportSubscription);

/// The schema served at `/graphql` and `/graphql/ws`, with the request rules around it.
pub type AppSchema = Engine<Query, Mutation, Subscription>;

/// Builds the schema with the default limits. No I/O.
pub fn build() -> AppSchema {
    build_with(Limits::DEFAULT)
}

/// Builds the schema with requests held to `limits`. No I/O.
pub fn build_with(limits: Limits) -> AppSchema {
    let weights = measures::query::COSTS
        .iter()
        .chain(survey::query::COSTS)
        .chain(wellness::query::COSTS);
    // No extension at all: with one, async-graphql sends every field through the extension
    // chain (`graphql::engine`). No per-field tracing span either (async-graphql's `Tracing`,
    // about 5% of the CPU under load for spans nothing reads); the request's own span
    // (operation, statements, outcome) stays.
    let schema = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(16)
        .finish();
    Engine::new(schema, Pricing::new(limits, weights))
}

/// The SDL of the schema, fields sorted so that it is stable across builds.
pub fn sdl() -> String {
    build()
        .schema()
        .sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}
