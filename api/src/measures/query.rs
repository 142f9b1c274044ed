//! Queries of the measures.

use super::lists::{self, EntryWindow};
use super::service::{MeasureResult, Run};
use super::types::{
    EligibleClassroom, GroupCoverageObject, PlanMeasure, StatusCount, SupervisoryEntry, TrainingStatus,
    classroom_connection, entry_connection,
};
use crate::auth::policy::scope_for;
use crate::auth::{Role, Viewer};
use crate::calendar::SchoolYear;
use crate::error::{ApiError, ApiResult};
use crate::graphql::RequestContext;
use crate::graphql::relay::Page;
use crate::graphql::relay::{PageRequest, Sort};
use crate::graphql::scalars::Date;
use crate::privacy::Audience;
use crate::sql::tree::Scope;
use async_graphql::{Context, Object, Result, ResultExt};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// What the measure fields cost in a request's budget (`graphql::cost`): `planMeasures` runs
/// up to seven measures over the whole district table, each the others one.
pub const COSTS: &[(&str, &str, u64)] = &[
    ("Query", "planMeasures", 2_000),
    ("Query", "sfsCoverage", 400),
    ("Query", "supervisorTraining", 400),
    ("Query", "multipleMeasures", 400),
];

/// Measure queries.
#[derive(Default)]
pub struct MeasuresQuery;

/// `planMeasures` runs computing at once, server-wide, per class of viewer and per kind of run.
/// A run **counted from the raw rows** (the maintained counts out of date, until the rebuild
/// that read started finishes) reads large tables for seconds at district scale; more of them
/// at once only share the same cores, take the pooled connections the cheap requests (a
/// principal's page) need, and multiply the memory of their result sets: two at a time. A run
/// **served from the maintained counts** (`maintained.rs`) sums a few thousand rows in
/// milliseconds: eight at a time, so that a crowd of dashboards is answered at the rate the
/// database can sum, not one run's latency after another. Beyond that, runs wait here in
/// arrival order (the semaphores are fair). Anonymous runs have queues of their own, so that a
/// crowd of the public never delays a principal's or HR's run. A single measure's field
/// (`sfsCoverage`, `supervisorTraining`, …) does not queue behind them.
const CONCURRENT_MEASURE_RUNS: usize = 2;
static MEASURE_RUNS: Semaphore = Semaphore::const_new(CONCURRENT_MEASURE_RUNS);
/// Signed-in runs served from the maintained counts at once.
const CONCURRENT_COUNTED_RUNS: usize = 8;
static COUNTED_RUNS: Semaphore = Semaphore::const_new(CONCURRENT_COUNTED_RUNS);
/// Anonymous `planMeasures` runs computing from the rows at once.
const CONCURRENT_ANONYMOUS_RUNS: usize = 1;
static ANONYMOUS_RUNS: Semaphore = Semaphore::const_new(CONCURRENT_ANONYMOUS_RUNS);
/// Anonymous runs served from the maintained counts at once.
const CONCURRENT_ANONYMOUS_COUNTED_RUNS: usize = 2;
static ANONYMOUS_COUNTED_RUNS: Semaphore = Semaphore::const_new(CONCURRENT_ANONYMOUS_COUNTED_RUNS);

/// The queues: name, semaphore, capacity.
static QUEUES: [(&str, &Semaphore, usize); 4] = [
    ("signed_in", &MEASURE_RUNS, CONCURRENT_MEASURE_RUNS),
    ("anonymous", &ANONYMOUS_RUNS, CONCURRENT_ANONYMOUS_RUNS),
    ("signed_in_counted", &COUNTED_RUNS, CONCURRENT_COUNTED_RUNS),
    (
        "anonymous_counted",
        &ANONYMOUS_COUNTED_RUNS,
        CONCURRENT_ANONYMOUS_COUNTED_RUNS,
    ),
];

/// Runs waiting for a turn, by queue (as [`QUEUES`]).
static WAITING: [AtomicUsize; 4] = [
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
];

/// Each queue's (name, running, waiting) now, for `/metrics`.
pub fn queue_state() -> [(&'static str, usize, usize); 4] {
    std::array::from_fn(|i| {
        let (name, queue, capacity) = QUEUES[i];
        let running = capacity.saturating_sub(queue.available_permits());
        (name, running, WAITING[i].load(Ordering::Relaxed))
    })
}

/// Counts a run as waiting while it exists.
struct Waiting(&'static AtomicUsize);

impl Waiting {
    fn new(counter: &'static AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs the measures `codes` (all seven when empty) once a turn of the viewer's class, and of
/// the run's kind (from the counts or from the rows: one statement tells), is free.
async fn run_in_turn(run: Run<'_>, codes: &[String], anonymous: bool) -> ApiResult<Vec<MeasureResult>> {
    let counted = run.served_from_counts().await?;
    let lane = usize::from(anonymous) + if counted { 2 } else { 0 };
    let (_, queue, _) = QUEUES[lane];
    let waiting = Waiting::new(&WAITING[lane]);
    let _turn = queue
        .acquire()
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("the measure queue is closed: {e}")))?;
    drop(waiting);
    run.plan_measures(codes).await
}

/// What a `planMeasures` asks for.
pub struct Asked<'a> {
    pub year: SchoolYear,
    /// An organization's code; the district when none.
    pub organization: Option<&'a str>,
    /// The day; the year's last day, or today when that is earlier, when none.
    pub as_of: Option<NaiveDate>,
    /// Measure codes; all seven when empty.
    pub codes: &'a [String],
}

/// The plan measures as `viewer` may see them — the scope authorized, the as-of date and the
/// suppression of the viewer's audience — computed in the viewer's turn: `planMeasures`, and
/// the public dashboard with the PUBLIC viewer (so the page shows what PUBLIC's GraphQL does).
pub async fn plan_measures_for(
    db: &DatabaseConnection,
    primary: &DatabaseConnection,
    viewer: &Viewer,
    asked: Asked<'_>,
) -> ApiResult<Vec<MeasureResult>> {
    let year = asked.year;
    let scope = scope_for(db, viewer, asked.organization).await?;
    let audience = Audience::of(viewer, &scope);
    let as_of = audience.as_of(asked.as_of.unwrap_or_else(|| year.default_as_of()));
    let run = Run::new(db, year, as_of, &scope)
        .rebuilding_on(primary)
        .for_public(audience.is_public());
    run_in_turn(run, asked.codes, viewer.role == Role::Public).await
}

/// The one measure `code` over a scope.
pub async fn measure(
    ctx: &Context<'_>,
    code: &str,
    school_year: i32,
    organization: Option<&str>,
) -> Result<(Arc<MeasureResult>, Scope, SchoolYear)> {
    let request = RequestContext::of(ctx).extend()?;
    let year = SchoolYear::parse(school_year, "schoolYear").extend()?;
    let scope = scope_for(&request.db, &request.viewer, organization).await.extend()?;
    let audience = Audience::of(&request.viewer, &scope);
    let as_of = audience.as_of(year.default_as_of());
    let run = Run::new(&request.db, year, as_of, &scope)
        .rebuilding_on(&request.primary)
        .for_public(audience.is_public());
    let result = run
        .plan_measures(&[code.to_owned()])
        .await
        .extend()?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("plan measure {code} missing from the reference data")))
        .extend()?;
    Ok((Arc::new(result), scope, year))
}

#[Object]
impl MeasuresQuery {
    /// The strategic-plan measures of DESIGN.md §3 for a school year over an organization
    /// (the district when omitted), each with its breakdown by the organization's children
    /// and the prior year's rate.
    async fn plan_measures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "School year, by its ending year (2026 is 2025-26).")] school_year: i32,
        #[graphql(desc = "Code of the district, a region or a school; the district when omitted.")]
        organization: Option<String>,
        #[graphql(desc = "Figures as of this day; today, or the year's last day when that is earlier.")] as_of: Option<
            Date,
        >,
        #[graphql(desc = "Only these measure codes, e.g. `SFS_COVERAGE`; all seven when omitted.")] codes: Option<
            Vec<String>,
        >,
    ) -> Result<Vec<PlanMeasure>> {
        let request = RequestContext::of(ctx).extend()?;
        let year = SchoolYear::parse(school_year, "schoolYear").extend()?;
        let asked = Asked {
            year,
            organization: organization.as_deref(),
            as_of: as_of.map(NaiveDate::from),
            codes: &codes.unwrap_or_default(),
        };
        let results = plan_measures_for(&request.db, &request.primary, &request.viewer, asked)
            .await
            .extend()?;
        Ok(results.into_iter().map(|r| PlanMeasure(Arc::new(r))).collect())
    }

    /// SFS coverage (target: the survey given in at least 75% of eligible classrooms), its
    /// breakdown, and the eligible classrooms not yet administered.
    async fn sfs_coverage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "School year, by its ending year.")] school_year: i32,
        #[graphql(desc = "Code of the district, a region or a school; the district when omitted.")]
        organization: Option<String>,
    ) -> Result<SfsCoverage> {
        let (result, scope, year) = measure(ctx, "SFS_COVERAGE", school_year, organization.as_deref()).await?;
        Ok(SfsCoverage { result, scope, year })
    }

    /// Supervisory entries (people hired or promoted into supervisory or management positions)
    /// and their performance-management training: counts by status and the entries, for HR
    /// to chase. Its defaults are every measure field's: the school year asked, as of its last
    /// day or today when that is earlier — so its rate is SUPERVISOR_TRAINING's in
    /// `planMeasures` of the same year and scope.
    async fn supervisor_training(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "School year of the entries, by its ending year (2026 is 2025-26).")] school_year: i32,
        #[graphql(desc = "Statuses as of this day; today, or the year's last day when that is earlier.")] as_of: Option<
            Date,
        >,
        #[graphql(desc = "Entries beginning on or after this day; the first day of the school year when omitted.")]
        from: Option<Date>,
        #[graphql(desc = "Entries beginning on or before this day; the last day of the school year when omitted.")]
        to: Option<Date>,
        #[graphql(desc = "Code of an organization; the district when omitted.")] organization: Option<String>,
    ) -> Result<SupervisorTraining> {
        let request = RequestContext::of(ctx).extend()?;
        request
            .viewer
            .require(&[Role::Admin, Role::Hr, Role::Analyst])
            .extend()?;
        let year = SchoolYear::parse(school_year, "schoolYear").extend()?;
        let as_of = as_of.map_or_else(|| year.default_as_of(), NaiveDate::from);
        let from = from.map_or_else(|| year.start(), NaiveDate::from);
        let to = to.map_or_else(|| year.end(), NaiveDate::from);
        if from > to {
            return Err(ApiError::bad_input("from", "must not be after `to`")).extend();
        }
        let scope = scope_for(&request.db, &request.viewer, organization.as_deref())
            .await
            .extend()?;
        let window = EntryWindow::new(&request.db, scope.organization.id, as_of, from, to)
            .await
            .extend()?;
        Ok(SupervisorTraining {
            window,
            counts: tokio::sync::OnceCell::new(),
        })
    }

    /// Multiple-measures evaluation: each certificated group covered or not and by which
    /// process, and how many of its staff are evaluated.
    async fn multiple_measures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "School year, by its ending year.")] school_year: i32,
    ) -> Result<MultipleMeasures> {
        let request = RequestContext::of(ctx).extend()?;
        request
            .viewer
            .require(&[Role::Admin, Role::Hr, Role::Analyst])
            .extend()?;
        // Per-group figures are district-wide and unsuppressed: for those who see the
        // district from inside only (a principal or an employee sees what the public does,
        // and the public has the plan measure's headline).
        let (result, _, year) = measure(ctx, "MULTIPLE_MEASURES", school_year, None).await?;
        let groups = lists::group_coverage(&request.db, year).await.extend()?;
        Ok(MultipleMeasures { result, groups })
    }
}

/// SFS coverage over a scope.
pub struct SfsCoverage {
    result: Arc<MeasureResult>,
    scope: Scope,
    year: SchoolYear,
}

/// SFS coverage over a scope.
#[Object]
impl SfsCoverage {
    /// The measure: administered ÷ eligible classrooms, with its breakdown.
    async fn measure(&self) -> PlanMeasure {
        PlanMeasure(self.result.clone())
    }
    /// Eligible classrooms where the survey has not been administered, by classroom.
    async fn not_administered(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only classrooms of the school with this code.")] school: Option<String>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
    ) -> Result<Page<EligibleClassroom>> {
        let request = RequestContext::of(ctx).extend()?;
        let viewer = &request.viewer;
        // Classrooms name teachers: ADMIN and HR see all, a principal those of their schools.
        viewer.require(&[Role::Admin, Role::Hr, Role::Principal]).extend()?;
        let only = (viewer.role == Role::Principal).then_some(viewer.school_ids.as_slice());
        let page = PageRequest::parse(first, after.as_deref(), Sort::BY_ID).extend()?;
        let school = match school {
            Some(code) => Some(
                Scope::resolve(&request.db, Some(&code), "school")
                    .await
                    .extend()?
                    .organization
                    .id,
            ),
            None => None,
        };
        let keyed =
            lists::classrooms_not_administered(&request.db, self.scope.organization.id, self.year, school, only, &page)
                .await
                .extend()?;
        Ok(classroom_connection(&page, keyed))
    }
}

/// Supervisory entries in a window and their training.
pub struct SupervisorTraining {
    window: EntryWindow,
    /// The entries counted by status: one statement, run when `counts` or `rate` is first
    /// read (HR's list of the overdue asks for neither).
    counts: tokio::sync::OnceCell<std::collections::BTreeMap<String, u64>>,
}

impl SupervisorTraining {
    /// The entries in each of `statuses`.
    async fn count(&self, ctx: &Context<'_>, statuses: &[TrainingStatus]) -> Result<Vec<u64>> {
        let request = RequestContext::of(ctx).extend()?;
        let counts = self
            .counts
            .get_or_try_init(|| lists::entry_counts(&request.db, self.window))
            .await
            .extend()?;
        Ok(statuses
            .iter()
            .map(|status| counts.get(status.sql()).copied().unwrap_or_default())
            .collect())
    }
}

/// Supervisory entries in a window and their training.
#[Object]
impl SupervisorTraining {
    /// The day statuses are as of.
    async fn as_of(&self) -> Date {
        Date(self.window.as_of)
    }
    /// First entry day counted.
    async fn from(&self) -> Date {
        Date(self.window.from)
    }
    /// Last entry day counted.
    async fn to(&self) -> Date {
        Date(self.window.to)
    }
    /// Entries in each status.
    async fn counts(&self, ctx: &Context<'_>) -> Result<Vec<StatusCount>> {
        let statuses = [
            TrainingStatus::OnTime,
            TrainingStatus::Late,
            TrainingStatus::Overdue,
            TrainingStatus::Pending,
        ];
        let counts = self.count(ctx, &statuses).await?;
        Ok(statuses
            .into_iter()
            .zip(counts)
            .map(|(status, count)| StatusCount { status, count })
            .collect())
    }
    /// ON_TIME ÷ (ON_TIME + LATE + OVERDUE); null when no entry is decided yet.
    async fn rate(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        let counts = self
            .count(
                ctx,
                &[TrainingStatus::OnTime, TrainingStatus::Late, TrainingStatus::Overdue],
            )
            .await?;
        let (on_time, decided) = (counts.first().copied().unwrap_or_default(), counts.iter().sum::<u64>());
        Ok((decided > 0).then(|| on_time as f64 / decided as f64))
    }
    /// The entries, by assignment.
    async fn entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entries in this status.")] status: Option<TrainingStatus>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
    ) -> Result<Page<SupervisoryEntry>> {
        let request = RequestContext::of(ctx).extend()?;
        // The entries name people: HR's list, not an analyst's.
        request.viewer.require(&[Role::Admin, Role::Hr]).extend()?;
        let page = PageRequest::parse(first, after.as_deref(), Sort::BY_ID).extend()?;
        let keyed = lists::entries(&request.db, self.window, status.map(TrainingStatus::sql), &page)
            .await
            .extend()?;
        Ok(entry_connection(&page, keyed))
    }
}

/// Multiple-measures evaluation coverage in a year.
pub struct MultipleMeasures {
    result: Arc<MeasureResult>,
    groups: Vec<lists::GroupCoverage>,
}

/// Multiple-measures evaluation coverage in a year.
#[Object]
impl MultipleMeasures {
    /// The measure: covered ÷ all certificated groups.
    async fn measure(&self) -> PlanMeasure {
        PlanMeasure(self.result.clone())
    }
    /// Every certificated group, by code.
    async fn groups(&self) -> Vec<GroupCoverageObject> {
        self.groups.iter().cloned().map(GroupCoverageObject).collect()
    }
}
