//! GraphQL types of the survey area.

use super::relations::{AdministrationsBySurveyId, QuestionsBySurveyId};
use crate::graphql::loader::{ChildRelation, children, maybe_one};
use crate::graphql::relay::{Page, PageArgs};
use crate::graphql::relay::{Sort, encode_id};
use crate::graphql::scalars::Date;
use crate::order_by;
use crate::org::types::{Section, Staff};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::{section, staff, survey, survey_administration, survey_question};

/// What a survey is for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::SurveyKind")]
pub enum SurveyKind {
    /// The Stakeholder Feedback Survey: students rate a teacher's classroom (5D target).
    StakeholderFeedback,
    /// The School Experience Survey: staff rate their school (5C target).
    SchoolExperience,
    /// Any other survey.
    Other,
}

/// Where an administration of a survey in a classroom stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::AdministrationStatus")]
pub enum AdministrationStatus {
    /// Scheduled, not yet open.
    Planned,
    /// Open for responses.
    Open,
    /// Given; counts toward coverage when it has at least one response.
    Administered,
    /// Called off; never counts.
    Cancelled,
}

/// Filters of survey administrations.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AdministrationFilter {
    /// Only administrations of the survey with this code.
    pub survey: Option<String>,
    /// Only administrations in sections of the school with this code.
    pub school: Option<String>,
    /// Only administrations in this status.
    pub status: Option<AdministrationStatus>,
}

order_by! {
    /// How to order survey administrations.
    AdministrationOrder, AdministrationOrderField {
        /// By responses received.
        ResponseCount => ("response_count", Int),
        /// By students enrolled.
        EnrolledCount => ("enrolled_count", Int),
    }
}

/// A survey (Ed-Fi Survey) of one school year.
pub struct Survey(pub survey::Model);

/// A survey (Ed-Fi Survey) of one school year.
#[Object]
impl Survey {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("Survey", self.0.id)
    }
    /// Natural key, e.g. `SFS-2026`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What it is for.
    async fn kind(&self) -> SurveyKind {
        self.0.kind.into()
    }
    /// Ending year: 2026 is school year 2025-26.
    async fn school_year(&self) -> i32 {
        self.0.school_year
    }
    /// First day it may be given.
    async fn window_start(&self) -> Date {
        Date(self.0.window_start)
    }
    /// Last day it may be given.
    async fn window_end(&self) -> Date {
        Date(self.0.window_end)
    }
    /// Fewest respondents a result is reported for; smaller groups are suppressed.
    async fn min_report_n(&self) -> i32 {
        self.0.min_report_n
    }
    /// Whether its results are confidential aggregates.
    async fn confidential(&self) -> bool {
        self.0.confidential
    }
    /// The row's version: send it back as `expectedVersion` with `updateSurvey`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Its questions, in order.
    async fn questions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<SurveyQuestion>> {
        children::<QuestionsBySurveyId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            Sort::BY_ID,
            (),
            SurveyQuestion,
        )
        .await
    }
    /// Its administrations in classrooms.
    async fn administrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<AdministrationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<AdministrationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<SurveyAdministration>> {
        administrations_of::<AdministrationsBySurveyId>(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before),
        )
        .await
    }
}

/// A question of a survey (Ed-Fi SurveyQuestion), answered on a numeric scale.
pub struct SurveyQuestion(pub survey_question::Model);

/// A question of a survey (Ed-Fi SurveyQuestion), answered on a numeric scale.
#[Object]
impl SurveyQuestion {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("SurveyQuestion", self.0.id)
    }
    /// Code within the survey, e.g. `SUPPORTIVE_PLACE`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The question as asked.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Lowest answer value.
    async fn scale_min(&self) -> i32 {
        self.0.scale_min
    }
    /// Highest answer value.
    async fn scale_max(&self) -> i32 {
        self.0.scale_max
    }
    /// Lowest answer value counted as favorable.
    async fn favorable_from(&self) -> i32 {
        self.0.favorable_from
    }
    /// The survey.
    async fn survey(&self, ctx: &Context<'_>) -> Result<Option<Survey>> {
        maybe_one::<survey::Entity, _>(ctx, Some(self.0.survey_id), Survey).await
    }
}

/// One administration of a survey in a teacher's classroom: the unit the SFS coverage target
/// counts. Responses are counts only.
pub struct SurveyAdministration(pub survey_administration::Model);

/// One administration of a survey in a teacher's classroom: the unit the SFS coverage target
/// counts. Responses are counts only.
#[Object]
impl SurveyAdministration {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("SurveyAdministration", self.0.id)
    }
    /// Where it stands.
    async fn status(&self) -> AdministrationStatus {
        self.0.status.into()
    }
    /// The day it was given.
    async fn administered_on(&self) -> Option<Date> {
        (self.0.administered_on).map(Date)
    }
    /// Students enrolled when it was given.
    async fn enrolled_count(&self) -> i32 {
        self.0.enrolled_count
    }
    /// Responses received.
    async fn response_count(&self) -> i32 {
        self.0.response_count
    }
    /// Optimistic-concurrency version: pass it back as `expectedVersion` when writing.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The survey.
    async fn survey(&self, ctx: &Context<'_>) -> Result<Option<Survey>> {
        maybe_one::<survey::Entity, _>(ctx, Some(self.0.survey_id), Survey).await
    }
    /// The classroom.
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<Section>> {
        maybe_one::<section::Entity, _>(ctx, Some(self.0.section_id), Section).await
    }
    /// The classroom's results, per question — for its teacher and their evaluator only;
    /// withheld below the survey's minimum report size.
    async fn results(&self, ctx: &Context<'_>) -> Result<Vec<super::results::QuestionResult>> {
        super::query::administration_results(ctx, &self.0).await
    }
    /// The teacher whose classroom it is.
    async fn teacher(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        maybe_one::<staff::Entity, _>(ctx, Some(self.0.teacher_id), Staff).await
    }
}

/// A connection of administrations through relation `R` (a section's, a teacher's): the
/// fields other areas add for surveys.
pub async fn administrations_of<R>(
    ctx: &Context<'_>,
    parent: i32,
    filter: Option<AdministrationFilter>,
    order_by: Option<AdministrationOrder>,
    page: PageArgs,
) -> Result<Page<SurveyAdministration>>
where
    R: ChildRelation<Entity = survey_administration::Entity, Filter = AdministrationFilter>,
{
    let (sort, filter) = (AdministrationOrder::sort(order_by), filter.unwrap_or_default());
    children::<R, _>(ctx, parent, page, sort, filter, SurveyAdministration).await
}
