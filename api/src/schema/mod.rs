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
use crate::graphql::{BatchOnIdle, Limits, PropagateNulls, QueryCost, RefuseNul};
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

/// The schema type served at `/graphql` and `/graphql/ws`.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

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
    let costs = QueryCost::new(limits, weights);
    Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(16)
        // No per-field tracing span (async-graphql's `Tracing`): it looked every field's type
        // up and made a span for each object field, about 5% of the server's CPU under load (perf), for
        // spans nothing reads; the request's own span (operation, statements, outcome) stays.
        .extension(costs)
        .extension(PropagateNulls)
        .extension(RefuseNul)
        .extension(BatchOnIdle)
        .finish()
}

/// The SDL of the schema, fields sorted so that it is stable across builds.
pub fn sdl() -> String {
    build().sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}
