//! The Relay `Node` interface: `node(id:)` and `nodes(ids:)` resolve any global id through
//! the request's loader, so a batch of lookups costs one statement per type.

use crate::audit::types::AuditEvent;
use crate::auth::Visibility;
use crate::error::ApiError;
use crate::evaluation::types::{ElementRating, Evaluation, EvaluationCycle, EvaluationEvent, EvaluationProcess};
use crate::framework::types::{Framework, FrameworkComponent, FrameworkElement, FrameworkStandard, RatingLevel};
use crate::graphql::RequestContext;
use crate::graphql::loader::{HasId, Id};
use crate::graphql::relay::decode_id;
use crate::org::types::{Assignment, EmployeeGroup, Organization, Section, Staff};
use crate::survey::types::{Survey, SurveyAdministration, SurveyQuestion};
use crate::training::types::{TrainingCompletion, TrainingCourse, TrainingRequirement};
use async_graphql::{Context, ID, Interface, Object, Result, ResultExt};
use entity::*;
use sea_orm::FromQueryResult;

/// The most ids `nodes(ids:)` takes at once.
pub const MAX_NODES: usize = 100;

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id: opaque; pass it to `node(id:)`."))]
pub enum Node {
    Organization(Organization),
    EmployeeGroup(EmployeeGroup),
    Staff(Staff),
    Assignment(Assignment),
    Section(Section),
    Framework(Framework),
    FrameworkStandard(FrameworkStandard),
    FrameworkComponent(FrameworkComponent),
    FrameworkElement(FrameworkElement),
    RatingLevel(RatingLevel),
    EvaluationProcess(EvaluationProcess),
    EvaluationCycle(EvaluationCycle),
    Evaluation(Evaluation),
    EvaluationEvent(EvaluationEvent),
    ElementRating(ElementRating),
    Survey(Survey),
    SurveyQuestion(SurveyQuestion),
    SurveyAdministration(SurveyAdministration),
    TrainingCourse(TrainingCourse),
    TrainingCompletion(TrainingCompletion),
    TrainingRequirement(TrainingRequirement),
    AuditEvent(AuditEvent),
}

async fn load<E, T>(request: &RequestContext, id: i32, wrap: impl FnOnce(E::Model) -> T) -> Result<Option<Node>>
where
    E: Visibility + Send + Sync + 'static,
    E::Model: HasId + FromQueryResult + Clone + Send + Sync + 'static,
    T: Into<Node>,
{
    let row = request.loader.load_one(Id::<E>::new(id)).await.extend()?;
    Ok(row.map(|row| wrap(row).into()))
}

/// Resolves one global id; `field` names the argument in errors.
async fn resolve(ctx: &Context<'_>, id: &ID, field: &str) -> Result<Option<Node>> {
    let request = RequestContext::of(ctx).extend()?;
    let (type_name, row) = decode_id(id, field).extend()?;
    match type_name.as_str() {
        "Organization" => load::<organization::Entity, _>(request, row, Organization).await,
        "EmployeeGroup" => load::<employee_group::Entity, _>(request, row, EmployeeGroup).await,
        "Staff" => load::<staff::Entity, _>(request, row, Staff).await,
        "Assignment" => load::<assignment::Entity, _>(request, row, Assignment).await,
        "Section" => load::<section::Entity, _>(request, row, Section).await,
        "Framework" => load::<framework::Entity, _>(request, row, Framework).await,
        "FrameworkStandard" => load::<framework_standard::Entity, _>(request, row, FrameworkStandard).await,
        "FrameworkComponent" => load::<framework_component::Entity, _>(request, row, FrameworkComponent).await,
        "FrameworkElement" => load::<framework_element::Entity, _>(request, row, FrameworkElement).await,
        "RatingLevel" => load::<rating_level::Entity, _>(request, row, RatingLevel).await,
        "EvaluationProcess" => load::<evaluation_process::Entity, _>(request, row, EvaluationProcess).await,
        "EvaluationCycle" => load::<evaluation_cycle::Entity, _>(request, row, EvaluationCycle).await,
        "Evaluation" => load::<evaluation::Entity, _>(request, row, Evaluation).await,
        "EvaluationEvent" => load::<evaluation_event::Entity, _>(request, row, EvaluationEvent).await,
        "ElementRating" => load::<element_rating::Entity, _>(request, row, ElementRating).await,
        "Survey" => load::<survey::Entity, _>(request, row, Survey).await,
        "SurveyQuestion" => load::<survey_question::Entity, _>(request, row, SurveyQuestion).await,
        "SurveyAdministration" => load::<survey_administration::Entity, _>(request, row, SurveyAdministration).await,
        "TrainingCourse" => load::<training_course::Entity, _>(request, row, TrainingCourse).await,
        "TrainingCompletion" => load::<training_completion::Entity, _>(request, row, TrainingCompletion).await,
        "TrainingRequirement" => load::<training_requirement::Entity, _>(request, row, TrainingRequirement).await,
        "AuditEvent" => load::<audit_event::Entity, _>(request, row, AuditEvent).await,
        _ => Err(ApiError::bad_input(field, "not a staffgraph id")).extend(),
    }
}

/// `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, or null when there is none (or the viewer may not see it).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id this API returned.")] id: ID,
    ) -> Result<Option<Node>> {
        resolve(ctx, &id, "id").await
    }

    /// The objects with these global ids (at most 100), in the same order; null where there is
    /// none. Lookups are batched: one statement per type.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids this API returned; at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input("ids", format!("at most {MAX_NODES} ids at once"))).extend();
        }
        futures_util::future::try_join_all(ids.iter().map(|id| resolve(ctx, id, "ids"))).await
    }
}
