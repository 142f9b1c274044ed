//! GraphQL types of the measures.

use super::lists::{Classroom, Entry, GroupCoverage, KeyedPage};
use super::service::{Figure, MeasureResult};
use crate::evaluation::types::{Evaluation, EvaluationProcess};
use crate::graphql::loader::maybe_one;
use crate::graphql::relay::Page;
use crate::graphql::relay::{ConnectionFields, PageRequest};
use crate::graphql::scalars::Date;
use crate::org::types::{Assignment, EmployeeGroup, Organization, Section, Staff};
use crate::privacy::SuppressionReason;
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Object, OutputType, Result, SimpleObject};
use entity::{assignment, employee_group, evaluation, evaluation_process, organization, section, staff};
use std::sync::Arc;

/// How a measure's target is judged.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TargetComparator")]
pub enum TargetComparator {
    /// The rate is at least the target.
    AtLeast,
    /// The rate is higher than the prior year's.
    AbovePrior,
    /// The rate is at least the target times the prior year's (2.0: double it).
    PriorMultiple,
}

/// The figure every measure, cell and list shows: flattened into its parent's fields.
pub struct FigureFields(pub Figure);

/// The figure every measure, cell and list shows: flattened into its parent's fields.
#[Object]
impl FigureFields {
    /// What is counted toward the target (e.g. administered classrooms); null when withheld.
    async fn numerator(&self) -> Option<i64> {
        self.0.suppressed.is_none().then(|| self.0.numerator.round() as i64)
    }
    /// What it is counted out of (e.g. eligible classrooms); null when withheld. For EASE, the
    /// mean of the eligible employees the year's reports give, to the nearest employee (the
    /// rate divides by the exact mean).
    async fn denominator(&self) -> Option<i64> {
        self.0.suppressed.is_none().then(|| self.0.denominator.round() as i64)
    }
    /// numerator ÷ denominator; null when withheld or when the denominator is 0.
    async fn rate(&self) -> Option<f64> {
        self.0.rate()
    }
    /// Whether the figure is withheld to protect small groups.
    async fn suppressed(&self) -> bool {
        self.0.suppressed.is_some()
    }
    /// Why it is withheld.
    async fn suppression_reason(&self) -> Option<SuppressionReason> {
        self.0.suppressed
    }
}

/// A strategic-plan measure over a scope and school year (DESIGN.md §3).
pub struct PlanMeasure(pub Arc<MeasureResult>);

/// A strategic-plan measure over a scope and school year (DESIGN.md §3).
#[Object]
impl PlanMeasure {
    /// Measure code, e.g. `SFS_COVERAGE`.
    async fn code(&self) -> &str {
        &self.0.definition.code
    }
    /// Strategic-plan priority: `5C` (staff wellness) or `5D` (high performance standards).
    async fn priority(&self) -> &str {
        &self.0.definition.priority
    }
    /// Pillar of the strategic plan.
    async fn pillar(&self) -> &str {
        &self.0.definition.pillar
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.definition.title
    }
    /// What is measured, in a sentence.
    async fn description(&self) -> &str {
        &self.0.definition.description
    }
    /// The school year (ending year).
    async fn school_year(&self) -> i32 {
        self.0.year.value()
    }
    /// The day the figures are as of. For the public, and for a viewer outside their own
    /// scope, this is a published date — the last day of a month of the school year — on or
    /// before the day asked: such figures never move from one day to the next. What is dated
    /// (an administration, a training completion, a supervisor's due date) counts once it has
    /// happened; attendance, survey answers, evaluations and EASE reports are as loaded.
    async fn as_of(&self) -> Date {
        Date(self.0.as_of)
    }
    /// The scope: the district, a region or a school.
    async fn organization(&self) -> Organization {
        Organization(self.0.organization.clone())
    }
    #[graphql(flatten)]
    async fn figure(&self) -> FigureFields {
        FigureFields(self.0.figure)
    }
    /// The target value (a rate, or a multiple of the prior year's rate).
    async fn target(&self) -> f64 {
        self.0.definition.target_value
    }
    /// How the target is judged.
    async fn comparator(&self) -> TargetComparator {
        self.0.definition.comparator.into()
    }
    /// Whether the target is met; null when there is no rate, or when the target is relative
    /// to the prior year and there is no baseline (`noBaseline`).
    async fn met(&self) -> Option<bool> {
        self.0.met()
    }
    /// True when the target is relative to the prior year (above it, or a multiple of it) and
    /// the prior year has no rate above zero to judge against: `met` is then null, never true
    /// at 0 of 0 against 0.
    async fn no_baseline(&self) -> bool {
        self.0.no_baseline()
    }
    /// The prior school year's rate over the same scope.
    async fn prior_rate(&self) -> Option<f64> {
        self.0.prior.rate()
    }
    /// This year's rate minus the prior year's.
    async fn change(&self) -> Option<f64> {
        self.0.change()
    }
    /// The same measure for each child of the scope (a district's regions and offices, a
    /// region's schools), in code order.
    async fn breakdown(&self) -> Vec<MeasureCell> {
        (0..self.0.breakdown.len())
            .map(|index| MeasureCell(self.0.clone(), index))
            .collect()
    }
}

/// A plan measure for one child of the scope.
pub struct MeasureCell(Arc<MeasureResult>, usize);

/// A plan measure for one child of the scope.
#[Object]
impl MeasureCell {
    /// The child organization.
    async fn organization(&self) -> Option<Organization> {
        self.0.breakdown.get(self.1).map(|(org, _)| Organization(org.clone()))
    }
    #[graphql(flatten)]
    async fn figure(&self) -> FigureFields {
        FigureFields(self.0.breakdown.get(self.1).map(|(_, f)| *f).unwrap_or_default())
    }
    /// Whether the child meets the measure's target.
    async fn met(&self) -> Option<bool> {
        let (_, figure) = self.0.breakdown.get(self.1)?;
        self.0.met_by(figure)
    }
}

/// A connection over a computed list keyed by integers.
fn keyed_connection<T, N: OutputType>(page: &PageRequest, keyed: KeyedPage<T>, wrap: impl Fn(T) -> N) -> Page<N> {
    let mut connection = Connection::with_additional_fields(
        page.cursor.is_some(),
        keyed.has_next_page,
        ConnectionFields {
            total_count: keyed.total,
        },
    );
    connection.edges.extend(
        keyed
            .rows
            .into_iter()
            .map(|(key, row)| Edge::new(crate::graphql::relay::id_cursor(key), wrap(row))),
    );
    Page(connection)
}

/// A classroom eligible for the SFS where it has not been administered: what a principal
/// chases.
pub struct EligibleClassroom(pub Classroom);

/// A classroom eligible for the SFS where it has not been administered: what a principal
/// chases.
#[Object]
impl EligibleClassroom {
    /// The school.
    async fn school(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        maybe_one::<organization::Entity, _>(ctx, Some(self.0.school_id), Organization).await
    }
    /// The section.
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<Section>> {
        maybe_one::<section::Entity, _>(ctx, Some(self.0.section_id), Section).await
    }
    /// The teacher of record.
    async fn teacher(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        maybe_one::<staff::Entity, _>(ctx, Some(self.0.teacher_id), Staff).await
    }
    /// The teacher's evaluation of the year that makes the classroom eligible (its status
    /// is the teacher's evaluation status).
    async fn evaluation(&self, ctx: &Context<'_>) -> Result<Option<Evaluation>> {
        maybe_one::<evaluation::Entity, _>(ctx, Some(self.0.evaluation_id), Evaluation).await
    }
}

/// Builds a connection of classrooms.
pub fn classroom_connection(page: &PageRequest, keyed: KeyedPage<Classroom>) -> Page<EligibleClassroom> {
    keyed_connection(page, keyed, EligibleClassroom)
}

/// Where a supervisory entry's performance-management training stands (DESIGN.md §3).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TrainingStatus {
    /// Completed from `prior_valid_days` before the entry to the due date.
    OnTime,
    /// First completed after the due date.
    Late,
    /// Not completed, and the due date has passed.
    Overdue,
    /// Not completed, not yet due.
    Pending,
}

impl TrainingStatus {
    pub fn sql(self) -> &'static str {
        match self {
            Self::OnTime => "ON_TIME",
            Self::Late => "LATE",
            Self::Overdue => "OVERDUE",
            Self::Pending => "PENDING",
        }
    }

    fn parse(sql: &str) -> Option<Self> {
        [Self::OnTime, Self::Late, Self::Overdue, Self::Pending]
            .into_iter()
            .find(|s| s.sql() == sql)
    }
}

/// Someone hired or promoted into a supervisory or management position, and their training.
pub struct SupervisoryEntry(pub Entry);

/// Someone hired or promoted into a supervisory or management position, and their training.
#[Object]
impl SupervisoryEntry {
    /// The person.
    async fn staff(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        maybe_one::<staff::Entity, _>(ctx, Some(self.0.staff_id), Staff).await
    }
    /// The supervisory or management assignment that makes the entry.
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Option<Assignment>> {
        maybe_one::<assignment::Entity, _>(ctx, Some(self.0.assignment_id), Assignment).await
    }
    /// Where the position is.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        maybe_one::<organization::Entity, _>(ctx, Some(self.0.organization_id), Organization).await
    }
    /// The position's job title.
    async fn position(&self) -> &str {
        &self.0.job_title
    }
    /// The day the person entered the position.
    async fn entry_date(&self) -> Date {
        Date(self.0.begin_date)
    }
    /// Training is due by this day (entry + the requirement's window).
    async fn due_date(&self) -> Date {
        Date(self.0.due_date)
    }
    /// The completion that counts (on time, or the first late one).
    async fn completed_on(&self) -> Option<Date> {
        (self.0.completed_on).map(Date)
    }
    /// Where the training stands as of the list's date.
    async fn status(&self) -> Option<TrainingStatus> {
        TrainingStatus::parse(&self.0.status)
    }
    /// Days past the due date: until the late completion, or until the as-of date while
    /// overdue; 0 otherwise.
    async fn days_overdue(&self) -> i64 {
        self.0.days_overdue
    }
}

/// Builds a connection of entries.
pub fn entry_connection(page: &PageRequest, keyed: KeyedPage<Entry>) -> Page<SupervisoryEntry> {
    keyed_connection(page, keyed, SupervisoryEntry)
}

/// How many supervisory entries are in a status.
#[derive(SimpleObject, Clone, Copy)]
pub struct StatusCount {
    /// The status.
    pub status: TrainingStatus,
    /// Entries in it.
    pub count: u64,
}

/// A process serving a certificated group.
pub struct ProcessCoverage(i32, bool, bool);

/// A process serving a certificated group.
#[Object]
impl ProcessCoverage {
    /// The process.
    async fn process(&self, ctx: &Context<'_>) -> Result<Option<EvaluationProcess>> {
        maybe_one::<evaluation_process::Entity, _>(ctx, Some(self.0), EvaluationProcess).await
    }
    /// It uses two or more measure kinds.
    async fn multiple_measures(&self) -> bool {
        self.1
    }
    /// It has a cycle in the school year.
    async fn has_cycle(&self) -> bool {
        self.2
    }
}

/// A certificated employee group's evaluation coverage in a school year.
pub struct GroupCoverageObject(pub GroupCoverage);

/// A certificated employee group's evaluation coverage in a school year.
#[Object(name = "GroupCoverage")]
impl GroupCoverageObject {
    /// The group.
    async fn group(&self, ctx: &Context<'_>) -> Result<Option<EmployeeGroup>> {
        maybe_one::<employee_group::Entity, _>(ctx, Some(self.0.group_id), EmployeeGroup).await
    }
    /// Served by a multiple-measures process that has a cycle in the year.
    async fn covered(&self) -> bool {
        self.0.covered()
    }
    /// The processes serving the group.
    async fn processes(&self) -> Vec<ProcessCoverage> {
        self.0
            .processes
            .iter()
            .map(|(id, multiple, cycle)| ProcessCoverage(*id, *multiple, *cycle))
            .collect()
    }
    /// Active staff of the group.
    async fn active_staff(&self) -> u64 {
        self.0.active_staff
    }
    /// Of those, staff with a non-withdrawn evaluation of the year in a multiple-measures
    /// process serving the group.
    async fn evaluated(&self) -> u64 {
        self.0.evaluated
    }
    /// evaluated ÷ active staff; null for a group with no active staff.
    async fn participation(&self) -> Option<f64> {
        (self.0.active_staff > 0).then(|| self.0.evaluated as f64 / self.0.active_staff as f64)
    }
}
