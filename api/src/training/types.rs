//! GraphQL types of the training area.

use super::relations::{CompletionsByCourseId, CompletionsByStaffId};
use crate::graphql::loader::{children, maybe_one};
use crate::graphql::relay::encode_id;
use crate::graphql::relay::{Page, PageArgs};
use crate::graphql::scalars::Date;
use crate::order_by;
use crate::org::types::Staff;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::{staff, training_completion, training_course, training_requirement};

/// What a course is about.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::CourseCategory")]
pub enum CourseCategory {
    /// Performance management: what new supervisors and managers must complete (5D target).
    PerformanceManagement,
    /// Staff wellness (5C target).
    Wellness,
    /// Certification of evaluators.
    EvaluatorCertification,
    /// Anything else.
    Other,
}

/// What starts a training requirement's clock.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::RequirementTrigger")]
pub enum RequirementTrigger {
    /// Entering a supervisory or management assignment after a year without one (DESIGN.md §3
    /// SUPERVISOR_TRAINING).
    SupervisoryEntry,
}

/// Filters of training completions.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CompletionFilter {
    /// Only completions of courses in this category.
    pub category: Option<CourseCategory>,
    /// Only completions on or after this day.
    pub from: Option<Date>,
    /// Only completions on or before this day.
    pub to: Option<Date>,
}

order_by! {
    /// How to order training completions.
    CompletionOrder, CompletionOrderField {
        /// By the day of completion.
        CompletedOn => ("completed_on", Date),
    }
}

/// A training course (Ed-Fi ProfessionalDevelopmentEvent).
pub struct TrainingCourse(pub training_course::Model);

/// A training course (Ed-Fi ProfessionalDevelopmentEvent).
#[Object]
impl TrainingCourse {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("TrainingCourse", self.0.id)
    }
    /// Natural key, e.g. `PM-101`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What it is about.
    async fn category(&self) -> CourseCategory {
        self.0.category.into()
    }
    /// Length in hours.
    async fn hours(&self) -> f64 {
        self.0.hours
    }
    /// The row's version: send it back as `expectedVersion` with `updateTrainingCourse`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Who completed it, and when.
    async fn completions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<CompletionFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<CompletionOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<TrainingCompletion>> {
        let (sort, filter) = (CompletionOrder::sort(order_by), filter.unwrap_or_default());
        children::<CompletionsByCourseId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            sort,
            filter,
            TrainingCompletion,
        )
        .await
    }
}

/// A training requirement: who must complete a course of which category, within how long.
pub struct TrainingRequirement(pub training_requirement::Model);

/// A training requirement: who must complete a course of which category, within how long
/// (DESIGN.md §3 SUPERVISOR_TRAINING).
#[Object]
impl TrainingRequirement {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("TrainingRequirement", self.0.id)
    }
    /// The category of course it asks for.
    async fn category(&self) -> CourseCategory {
        self.0.category.into()
    }
    /// What starts its clock.
    async fn applies_to(&self) -> RequirementTrigger {
        self.0.applies_to.into()
    }
    /// Days from the start (an entry's begin date) to the due date.
    async fn window_days(&self) -> i32 {
        self.0.window_days
    }
    /// How many days before the start a completion still counts.
    async fn prior_valid_days(&self) -> i32 {
        self.0.prior_valid_days
    }
    /// The row's version: send it back as `expectedVersion` with `updateTrainingRequirement`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A completed course (Ed-Fi ProfessionalDevelopmentEventAttendance).
pub struct TrainingCompletion(pub training_completion::Model);

/// A completed course (Ed-Fi ProfessionalDevelopmentEventAttendance).
#[Object]
impl TrainingCompletion {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("TrainingCompletion", self.0.id)
    }
    /// The day it was completed.
    async fn completed_on(&self) -> Date {
        Date(self.0.completed_on)
    }
    /// The system that reported it, e.g. `LMS`.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// Who completed it.
    async fn staff(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        maybe_one::<staff::Entity, _>(ctx, Some(self.0.staff_id), Staff).await
    }
    /// The course.
    async fn course(&self, ctx: &Context<'_>) -> Result<Option<TrainingCourse>> {
        maybe_one::<training_course::Entity, _>(ctx, Some(self.0.course_id), TrainingCourse).await
    }
}

/// A staff member's completions: the field the org area adds to `Staff`.
pub async fn completions_of_staff(
    ctx: &Context<'_>,
    staff: i32,
    filter: Option<CompletionFilter>,
    order_by: Option<CompletionOrder>,
    page: PageArgs,
) -> Result<Page<TrainingCompletion>> {
    let (sort, filter) = (CompletionOrder::sort(order_by), filter.unwrap_or_default());
    children::<CompletionsByStaffId, _>(ctx, staff, page, sort, filter, TrainingCompletion).await
}
