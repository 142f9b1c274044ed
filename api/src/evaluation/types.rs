//! GraphQL types of the evaluation area.

use super::relations::{
    CyclesByProcessId, EvaluationsByCycleId, EventsByEvaluationId, GroupsByProcessId, MeasuresByProcessId,
    RatingsByEventId,
};
use crate::audit::relations::HistoryByRowId;
use crate::audit::types::AuditEvent;
use crate::framework::types::{Framework, FrameworkElement, RatingLevel};
use crate::graphql::loader::{children, few_children, maybe_one};
use crate::graphql::relay::{Page, PageArgs};
use crate::graphql::relay::{Sort, SortKind, encode_id};
use crate::graphql::scalars::Date;
use crate::order_by;
use crate::org::types::{EmployeeGroup, Organization, Section, Staff};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::{
    element_rating, employee_group, evaluation, evaluation_cycle, evaluation_event, evaluation_process, framework,
    framework_element, organization, rating_level, section, staff,
};

/// Where an evaluation stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::EvaluationStatus")]
pub enum EvaluationStatus {
    /// On the roster; nothing has happened yet.
    Rostered,
    /// Under way.
    InProgress,
    /// Final rating given.
    Complete,
    /// Taken off the roster; excluded from every measure.
    Withdrawn,
}

/// The events of an evaluation.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::EventKind")]
pub enum EventKind {
    /// The evaluatee's self-assessment.
    SelfAssessment,
    /// The initial planning conference.
    InitialPlanning,
    /// An informal growth visit.
    GrowthVisit,
    /// A formal observation, usually of a section.
    FormalObservation,
    /// The final evaluation conference.
    FinalConference,
}

/// Where an evaluation event stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::EventStatus")]
pub enum EventStatus {
    /// Planned.
    Scheduled,
    /// Held.
    Complete,
    /// Called off.
    Cancelled,
}

/// The kinds of evidence an evaluation process uses.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::MeasureKind")]
pub enum MeasureKind {
    /// Classroom or practice observation.
    Observation,
    /// Contribution to student outcomes.
    StudentOutcomes,
    /// Progress on professional goals.
    GoalProgress,
    /// Stakeholder feedback (the SFS for teachers).
    StakeholderFeedback,
    /// Self-assessment.
    SelfAssessment,
}

order_by! {
    /// How to order evaluations.
    EvaluationOrder, EvaluationOrderField {
        /// By the day the evaluatee was put on the roster.
        RosteredOn => ("rostered_on", Date),
    }
}

/// Filters of evaluations.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EvaluationFilter {
    /// Only evaluations of cycles of this school year (ending year).
    pub school_year: Option<i32>,
    /// Only evaluations in the process with this code, e.g. `EDST`.
    pub process: Option<String>,
    /// Only evaluations in this status.
    pub status: Option<EvaluationStatus>,
    /// Only evaluations at the organization with this code.
    pub school: Option<String>,
    /// Only evaluations by the evaluator with this employee number.
    pub evaluator: Option<String>,
}

/// An evaluation process (EDST, EDSNCT, EDSC, EDSSL, PSL, CPM, STULL).
pub struct EvaluationProcess(pub evaluation_process::Model);

/// An evaluation process (EDST, EDSNCT, EDSC, EDSSL, PSL, CPM, STULL).
#[Object]
impl EvaluationProcess {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("EvaluationProcess", self.0.id)
    }
    /// Natural key, e.g. `EDST`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whether its evaluatees must give the Stakeholder Feedback Survey.
    async fn requires_sfs(&self) -> bool {
        self.0.requires_sfs
    }
    /// The row's version, moved by every change of the groups it serves: send it back as
    /// `expectedVersion` with `setEvaluationProcessGroups`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The measure kinds it uses.
    async fn measures(&self, ctx: &Context<'_>) -> Result<Vec<MeasureKind>> {
        let rows = few_children::<MeasuresByProcessId>(ctx, self.0.id, ()).await?;
        Ok(rows.iter().map(|m| m.measure.into()).collect())
    }
    /// Multiple-measures: it uses two or more measure kinds (DESIGN.md §3).
    async fn multiple_measures(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.measures(ctx).await?.len() >= 2)
    }
    /// The framework it rates against.
    async fn framework(&self, ctx: &Context<'_>) -> Result<Option<Framework>> {
        maybe_one::<framework::Entity, _>(ctx, Some(self.0.framework_id), Framework).await
    }
    /// The employee groups it serves (district data, imported).
    async fn employee_groups(&self, ctx: &Context<'_>) -> Result<Vec<EmployeeGroup>> {
        let links = few_children::<GroupsByProcessId>(ctx, self.0.id, ()).await?;
        let groups = futures_util::future::try_join_all(
            links
                .iter()
                .map(|link| maybe_one::<employee_group::Entity, _>(ctx, Some(link.employee_group_id), EmployeeGroup)),
        )
        .await?;
        Ok(groups.into_iter().flatten().collect())
    }
    /// Its yearly cycles, oldest first.
    async fn cycles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<EvaluationCycle>> {
        children::<CyclesByProcessId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            CYCLE_ORDER,
            (),
            EvaluationCycle,
        )
        .await
    }
}

/// Cycles come oldest school year first.
const CYCLE_ORDER: Sort = Sort {
    column: "school_year",
    kind: SortKind::Int,
    descending: false,
};

/// One school year of an evaluation process (Ed-Fi PerformanceEvaluation).
pub struct EvaluationCycle(pub evaluation_cycle::Model);

/// One school year of an evaluation process (Ed-Fi PerformanceEvaluation).
#[Object]
impl EvaluationCycle {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("EvaluationCycle", self.0.id)
    }
    /// Ending year: 2026 is school year 2025-26.
    async fn school_year(&self) -> i32 {
        self.0.school_year
    }
    /// Last day to roster an evaluatee.
    async fn roster_cutoff(&self) -> Date {
        Date(self.0.roster_cutoff)
    }
    /// Final evaluations are due.
    async fn final_due_date(&self) -> Date {
        Date(self.0.final_due_date)
    }
    /// The row's version: send it back as `expectedVersion` with `updateEvaluationCycle`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The process.
    async fn process(&self, ctx: &Context<'_>) -> Result<Option<EvaluationProcess>> {
        maybe_one::<evaluation_process::Entity, _>(ctx, Some(self.0.process_id), EvaluationProcess).await
    }
    /// The evaluations of this cycle.
    async fn evaluations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<EvaluationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<EvaluationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Evaluation>> {
        let (sort, filter) = (EvaluationOrder::sort(order_by), filter.unwrap_or_default());
        children::<EvaluationsByCycleId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            sort,
            filter,
            Evaluation,
        )
        .await
    }
}

/// One person's evaluation in a cycle (Ed-Fi PerformanceEvaluationRating).
pub struct Evaluation(pub evaluation::Model);

/// One person's evaluation in a cycle (Ed-Fi PerformanceEvaluationRating).
#[Object]
impl Evaluation {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("Evaluation", self.0.id)
    }
    /// Where it stands.
    async fn status(&self) -> EvaluationStatus {
        self.0.status.into()
    }
    /// Day the evaluatee was rostered.
    async fn rostered_on(&self) -> Date {
        Date(self.0.rostered_on)
    }
    /// Day it was completed.
    async fn completed_on(&self) -> Option<Date> {
        (self.0.completed_on).map(Date)
    }
    /// Why it was withdrawn, when it was.
    async fn withdrawn_reason(&self) -> Option<&str> {
        self.0.withdrawn_reason.as_deref()
    }
    /// Its own history, oldest first: every change of its status, final rating and dates, by
    /// whom, with the record before and after (the ratings given at its events are not part
    /// of it). For anyone who may see the evaluation.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<AuditEvent>> {
        children::<HistoryByRowId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            Sort::BY_ID,
            "Evaluation",
            AuditEvent,
        )
        .await
    }
    /// Optimistic-concurrency version: pass it back as `expectedVersion` when writing.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The cycle (process and school year).
    async fn cycle(&self, ctx: &Context<'_>) -> Result<Option<EvaluationCycle>> {
        maybe_one::<evaluation_cycle::Entity, _>(ctx, Some(self.0.cycle_id), EvaluationCycle).await
    }
    /// Who is evaluated.
    async fn evaluatee(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        maybe_one::<staff::Entity, _>(ctx, Some(self.0.evaluatee_id), Staff).await
    }
    /// Who evaluates, once assigned.
    async fn evaluator(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        maybe_one::<staff::Entity, _>(ctx, self.0.evaluator_id, Staff).await
    }
    /// Where the evaluation takes place.
    async fn school(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        maybe_one::<organization::Entity, _>(ctx, Some(self.0.school_id), Organization).await
    }
    /// The final (overall-scale) rating, once complete.
    async fn final_rating(&self, ctx: &Context<'_>) -> Result<Option<RatingLevel>> {
        maybe_one::<rating_level::Entity, _>(ctx, self.0.final_rating_id, RatingLevel).await
    }
    /// Its events, in id order.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<EvaluationEvent>> {
        children::<EventsByEvaluationId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            Sort::BY_ID,
            (),
            EvaluationEvent,
        )
        .await
    }
}

/// An observation, conference or self-assessment (Ed-Fi EvaluationRating).
pub struct EvaluationEvent(pub evaluation_event::Model);

/// An observation, conference or self-assessment (Ed-Fi EvaluationRating).
#[Object]
impl EvaluationEvent {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("EvaluationEvent", self.0.id)
    }
    /// What happened.
    async fn kind(&self) -> EventKind {
        self.0.kind.into()
    }
    /// When.
    async fn occurred_on(&self) -> Date {
        Date(self.0.occurred_on)
    }
    /// Where it stands.
    async fn status(&self) -> EventStatus {
        self.0.status.into()
    }
    /// Optimistic-concurrency version: pass it back as `expectedVersion` when writing (rating
    /// elements at the event moves it too).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The evaluation.
    async fn evaluation(&self, ctx: &Context<'_>) -> Result<Option<Evaluation>> {
        maybe_one::<evaluation::Entity, _>(ctx, Some(self.0.evaluation_id), Evaluation).await
    }
    /// The section observed, for observations.
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<Section>> {
        maybe_one::<section::Entity, _>(ctx, self.0.section_id, Section).await
    }
    /// The element ratings given at this event.
    async fn ratings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<ElementRating>> {
        children::<RatingsByEventId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            Sort::BY_ID,
            (),
            ElementRating,
        )
        .await
    }
}

/// The rating of one rubric element at an event (Ed-Fi EvaluationElementRating).
pub struct ElementRating(pub element_rating::Model);

/// The rating of one rubric element at an event (Ed-Fi EvaluationElementRating).
#[Object]
impl ElementRating {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("ElementRating", self.0.id)
    }
    /// The evaluator's written feedback.
    async fn feedback(&self) -> Option<&str> {
        self.0.feedback.as_deref()
    }
    /// The rubric element rated.
    async fn element(&self, ctx: &Context<'_>) -> Result<Option<FrameworkElement>> {
        maybe_one::<framework_element::Entity, _>(ctx, Some(self.0.element_id), FrameworkElement).await
    }
    /// The (element-scale) rating level.
    async fn rating_level(&self, ctx: &Context<'_>) -> Result<Option<RatingLevel>> {
        maybe_one::<rating_level::Entity, _>(ctx, Some(self.0.rating_level_id), RatingLevel).await
    }
    /// The event it was given at.
    async fn event(&self, ctx: &Context<'_>) -> Result<Option<EvaluationEvent>> {
        maybe_one::<evaluation_event::Entity, _>(ctx, Some(self.0.event_id), EvaluationEvent).await
    }
}
