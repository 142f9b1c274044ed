//! The evaluation area's writes (issue 15): an evaluator — the evaluator of record, or a
//! principal at the evaluation's school — schedules and completes the events of an
//! evaluation, rates rubric elements at a completed event, and moves the evaluation to its
//! end. Each is one transaction with its audit rows ([`Write`]); the rules are in
//! [`domain`](super::domain).

use super::domain::{self, StatusChange};
use crate::auth::Viewer;
use crate::auth::policy::{Writes, may_write};
use crate::calendar::SchoolYear;
use crate::error::{ApiError, ApiResult, UserError, UserErrorCode};
use crate::measures::definitions::MeasureCode;
use crate::measures::maintained::{self, Touch};
use crate::write::idempotency::{Once, run_once};
use crate::write::rules::Rules;
use crate::write::{Write, amend, reread};
use chrono::NaiveDate;
use entity::enums::{EventKind, EventStatus, RatingScale};
use entity::{
    element_rating, employee_group, evaluation, evaluation_cycle, evaluation_event, evaluation_process,
    evaluation_process_group, framework_component, framework_element, framework_standard, rating_level, section,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const EVALUATION: &str = "evaluation";
const EVENT: &str = "evaluation event";

/// The most ratings one `rateElements` records.
pub const MAX_RATINGS: usize = 100;

/// An evaluation with what its rules need: its cycle's school year and its framework.
struct Context {
    evaluation: evaluation::Model,
    year: SchoolYear,
    framework_id: i32,
}

/// Evaluation `id` as the writer sees it (NOT_FOUND otherwise), with its year and framework.
async fn evaluation_in(write: &Write, id: i32) -> ApiResult<Context> {
    let evaluation = write.find::<evaluation::Entity>(id, EVALUATION).await?;
    context_of(write, evaluation).await
}

/// `evaluation` with its cycle's school year and its framework.
async fn context_of(write: &Write, evaluation: evaluation::Model) -> ApiResult<Context> {
    let id = evaluation.id;
    let (school_year, framework_id) = evaluation_cycle::Entity::find_by_id(evaluation.cycle_id)
        .select_only()
        .column(evaluation_cycle::Column::SchoolYear)
        .column(evaluation_process::Column::FrameworkId)
        .join(JoinType::InnerJoin, evaluation_cycle::Relation::Process.def())
        .into_tuple::<(i32, i32)>()
        .one(write.db())
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("evaluation {id} has no cycle")))?;
    Ok(Context {
        evaluation,
        year: SchoolYear::parse(school_year, "schoolYear")?,
        framework_id,
    })
}

fn not_open(field: &[&str], status: entity::enums::EvaluationStatus) -> ApiError {
    ApiError::rejected(
        field,
        UserErrorCode::NotAllowed,
        format!("the evaluation is {status:?}: a closed evaluation takes no more events or ratings"),
    )
}

/// What `scheduleEvaluationEvent` schedules.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewEvent {
    pub evaluation: i32,
    pub kind: EventKind,
    pub occurred_on: NaiveDate,
    pub section: Option<i32>,
}

/// Schedules an event of an open evaluation on a day of its cycle's school year, observing one
/// of the evaluation school's sections of that year when a section is given. One event per
/// evaluation, kind and day.
#[tracing::instrument(skip_all, fields(evaluation = event.evaluation))]
pub async fn schedule_event(
    db: &DatabaseConnection,
    viewer: &Viewer,
    event: NewEvent,
    key: Option<&str>,
) -> ApiResult<evaluation_event::Model> {
    may_write(viewer, Writes::Evaluations)?;
    let once = Once::new("scheduleEvaluationEvent", key, &event)?;
    let id: i32 = run_once(db, viewer, once, async |write| {
        let context = evaluation_in(write, event.evaluation).await?;
        if !domain::is_open(context.evaluation.status) {
            return Err(not_open(&["input", "evaluation"], context.evaluation.status));
        }
        let mut errors = Vec::new();
        let (start, end) = (context.year.start(), context.year.end());
        if event.occurred_on < start || event.occurred_on > end {
            errors.push(UserError::new(
                &["input", "occurredOn"],
                UserErrorCode::Invalid,
                format!(
                    "{} is outside the cycle's school year, {start} to {end}",
                    event.occurred_on
                ),
            ));
        }
        if let Some(section) = event.section {
            let found = section::Entity::find_by_id(section)
                .filter(section::Column::SchoolId.eq(context.evaluation.school_id))
                .filter(section::Column::SchoolYear.eq(context.year.value()))
                .one(write.db())
                .await?;
            if found.is_none() {
                errors.push(UserError::new(
                    &["input", "section"],
                    UserErrorCode::Unknown,
                    "no section of the evaluation's school in its school year has this id",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Rejected(errors));
        }
        let row = evaluation_event::ActiveModel {
            id: NotSet,
            evaluation_id: Set(event.evaluation),
            kind: Set(event.kind),
            occurred_on: Set(event.occurred_on),
            section_id: Set(event.section),
            status: Set(EventStatus::Scheduled),
            version: Set(1),
        };
        let created = evaluation_event::Entity::insert(row)
            .exec_with_returning(write.db())
            .await
            .map_err(ApiError::from)
            .map_err(|error| {
                if error.is_unique_violation() {
                    ApiError::rejected(
                        &["input", "occurredOn"],
                        UserErrorCode::Taken,
                        format!(
                            "the evaluation has a {:?} event on {} already",
                            event.kind, event.occurred_on
                        ),
                    )
                } else {
                    error
                }
            })?;
        write
            .audit("CREATE", "EvaluationEvent", created.id, None, Some(&created))
            .await?;
        Ok(created.id)
    })
    .await?;
    evaluation_event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(EVENT.into()))
}

/// An event and its evaluation, as the writer sees them, with the event at `expected`.
async fn event_in(write: &Write, id: i32, expected: i32) -> ApiResult<(evaluation_event::Model, Context)> {
    let event = write.find::<evaluation_event::Entity>(id, EVENT).await?;
    Write::expect_version(EVENT, expected, event.version)?;
    let context = evaluation_in(write, event.evaluation_id).await?;
    Ok((event, context))
}

/// Completes a scheduled event of an open evaluation, on the day it was scheduled or on
/// `occurred_on` (not in the future, inside the cycle's school year).
#[tracing::instrument(skip_all, fields(id))]
pub async fn complete_event(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    expected: i32,
    occurred_on: Option<NaiveDate>,
) -> ApiResult<evaluation_event::Model> {
    may_write(viewer, Writes::Evaluations)?;
    let write = Write::begin(db, viewer).await?;
    let (event, context) = event_in(&write, id, expected).await?;
    if !domain::is_open(context.evaluation.status) {
        return Err(not_open(&["input", "id"], context.evaluation.status));
    }
    let day = occurred_on.unwrap_or(event.occurred_on);
    let year = (context.year.start(), context.year.end());
    domain::complete_event(event.status, day, year, chrono::Utc::now().date_naive()).map_err(ApiError::Rejected)?;
    let changes = evaluation_event::ActiveModel {
        status: Set(EventStatus::Complete),
        occurred_on: Set(day),
        ..Default::default()
    };
    let after = write
        .update::<evaluation_event::Entity>(id, expected, changes, EVENT)
        .await
        .map_err(|error| match error {
            error if error.is_unique_violation() => ApiError::rejected(
                &["input", "occurredOn"],
                UserErrorCode::Taken,
                format!("the evaluation has a {:?} event on {day} already", event.kind),
            ),
            other => other,
        })?;
    write
        .audit("UPDATE", "EvaluationEvent", id, Some(&event), Some(&after))
        .await?;
    write.commit().await?;
    Ok(after)
}

/// One element rating as the client gave it.
#[derive(Debug, Clone)]
pub struct Rating {
    /// The element's code in the framework, e.g. `3b2`.
    pub element: String,
    /// The ELEMENT-scale level's label, e.g. `Effective`.
    pub rating: String,
    pub feedback: Option<String>,
}

/// Rates elements at a completed event of an open evaluation, all or none: each element one
/// of the evaluation's framework, each rating a level of its ELEMENT scale, each element once.
/// An element rated before at this event is re-rated (the audit keeps the old rating). The
/// event's version moves, so two evaluators saving at once cannot both win.
#[tracing::instrument(skip_all, fields(id, ratings = ratings.len()))]
pub async fn rate_elements(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    expected: i32,
    ratings: Vec<Rating>,
) -> ApiResult<(evaluation_event::Model, Vec<element_rating::Model>)> {
    may_write(viewer, Writes::Evaluations)?;
    if ratings.is_empty() || ratings.len() > MAX_RATINGS {
        return Err(ApiError::rejected(
            &["input", "ratings"],
            UserErrorCode::Invalid,
            format!("give 1 to {MAX_RATINGS} ratings"),
        ));
    }
    let write = Write::begin(db, viewer).await?;
    let (event, context) = event_in(&write, id, expected).await?;
    if !domain::is_open(context.evaluation.status) {
        return Err(not_open(&["input", "id"], context.evaluation.status));
    }
    if event.status != EventStatus::Complete {
        return Err(ApiError::rejected(
            &["input", "id"],
            UserErrorCode::NotAllowed,
            format!("ratings are given at a COMPLETE event; this one is {:?}", event.status),
        ));
    }
    let codes: HashSet<&str> = ratings.iter().map(|r| r.element.as_str()).collect();
    let elements: HashMap<String, i32> = framework_element::Entity::find()
        .select_only()
        .column(framework_element::Column::Code)
        .column(framework_element::Column::Id)
        .join(JoinType::InnerJoin, framework_element::Relation::Component.def())
        .join(JoinType::InnerJoin, framework_component::Relation::Standard.def())
        .filter(framework_standard::Column::FrameworkId.eq(context.framework_id))
        .filter(framework_element::Column::Code.is_in(codes))
        .into_tuple::<(String, i32)>()
        .all(write.db())
        .await?
        .into_iter()
        .collect();
    let levels: Vec<(String, i32)> = rating_level::Entity::find()
        .select_only()
        .column(rating_level::Column::Label)
        .column(rating_level::Column::Id)
        .filter(rating_level::Column::FrameworkId.eq(context.framework_id))
        .filter(rating_level::Column::Scale.eq(RatingScale::Element))
        .into_tuple::<(String, i32)>()
        .all(write.db())
        .await?;
    let labels = levels
        .iter()
        .map(|(label, _)| label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (i, rating) in ratings.iter().enumerate() {
        let at = i.to_string();
        let path = |name: &'static str| ["input", "ratings", at.as_str(), name];
        let element = elements.get(&rating.element).copied();
        match element {
            None => errors.push(UserError::new(
                &path("element"),
                UserErrorCode::Unknown,
                format!("the evaluation's framework has no element `{}`", rating.element),
            )),
            Some(element) if !seen.insert(element) => errors.push(UserError::new(
                &path("element"),
                UserErrorCode::Invalid,
                format!("element `{}` is rated twice", rating.element),
            )),
            Some(_) => {}
        }
        let level = levels
            .iter()
            .find(|(label, _)| *label == rating.rating)
            .map(|(_, id)| *id);
        if level.is_none() {
            errors.push(UserError::new(
                &path("rating"),
                UserErrorCode::Unknown,
                format!("`{}` is not a level of the element scale ({labels})", rating.rating),
            ));
        }
        let feedback = rating.feedback.as_deref().map(str::trim).filter(|f| !f.is_empty());
        if feedback.is_some_and(|f| f.chars().count() > domain::MAX_TEXT) {
            errors.push(UserError::new(
                &path("feedback"),
                UserErrorCode::Invalid,
                format!("feedback is at most {} characters", domain::MAX_TEXT),
            ));
        }
        if let (Some(element), Some(level)) = (element, level) {
            rows.push(element_rating::ActiveModel {
                id: NotSet,
                event_id: Set(id),
                element_id: Set(element),
                rating_level_id: Set(level),
                feedback: Set(feedback.map(str::to_owned)),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Rejected(errors));
    }
    let before: HashMap<i32, element_rating::Model> = element_rating::Entity::find()
        .filter(element_rating::Column::EventId.eq(id))
        .filter(element_rating::Column::ElementId.is_in(seen.iter().copied()))
        .all(write.db())
        .await?
        .into_iter()
        .map(|row| (row.element_id, row))
        .collect();
    // The event's version guards the ratings: moving it first means a concurrent save of the
    // same event waits here (or is CONFLICT) instead of mixing its ratings with these.
    let event_after = write
        .update::<evaluation_event::Entity>(id, expected, evaluation_event::ActiveModel::default(), EVENT)
        .await?;
    let upsert = OnConflict::columns([element_rating::Column::EventId, element_rating::Column::ElementId])
        .update_columns([element_rating::Column::RatingLevelId, element_rating::Column::Feedback])
        .to_owned();
    let mut written = element_rating::Entity::insert_many(rows)
        .on_conflict(upsert)
        .exec_with_returning(write.db())
        .await?;
    written.sort_by_key(|row| row.id);
    write
        .audit_all(
            "RATE",
            "ElementRating",
            written
                .iter()
                .map(|row| (row.id, before.get(&row.element_id), Some(row))),
        )
        .await?;
    write.commit().await?;
    Ok((event_after, written))
}

/// Moves evaluation `id`, read at version `expected`, as `change` asks (the rules of
/// [`domain::change_status`]); a final rating is named by its label on the framework's
/// OVERALL scale.
#[tracing::instrument(skip_all, fields(id))]
pub async fn update_status(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    expected: i32,
    mut change: StatusChange,
    final_rating: Option<String>,
) -> ApiResult<evaluation::Model> {
    may_write(viewer, Writes::Evaluations)?;
    let written = amend::<evaluation::Entity, _>(
        db,
        viewer,
        (id, expected),
        (EVALUATION, "Evaluation"),
        async move |write, current| {
            let context = context_of(write, current.clone()).await?;
            // The status decides whether the evaluatee's classrooms are eligible for the SFS.
            maintained::keep(
                write,
                Touch {
                    measures: vec![MeasureCode::SfsCoverage],
                    staff: vec![current.evaluatee_id],
                    year: Some(context.year.value()),
                },
            )
            .await?;
            if let Some(label) = final_rating {
                let level = rating_level::Entity::find()
                    .filter(rating_level::Column::FrameworkId.eq(context.framework_id))
                    .filter(rating_level::Column::Scale.eq(RatingScale::Overall))
                    .filter(rating_level::Column::Label.eq(label.as_str()))
                    .one(write.db())
                    .await?
                    .ok_or_else(|| {
                        ApiError::rejected(
                            &["input", "finalRating"],
                            UserErrorCode::Unknown,
                            format!("`{label}` is not a level of the framework's overall scale"),
                        )
                    })?;
                change.final_rating = Some(level.id);
            }
            let today = chrono::Utc::now().date_naive();
            let new = domain::change_status(current.status, current.rostered_on, change, today)
                .map_err(ApiError::Rejected)?;
            Ok(evaluation::ActiveModel {
                status: Set(new.status),
                final_rating_id: Set(new.final_rating),
                completed_on: Set(new.completed_on),
                withdrawn_reason: Set(new.withdrawn_reason),
                ..Default::default()
            })
        },
    )
    .await?;
    Ok(written)
}

/// A cycle as ADMIN creates it: the process (its code) and the year, with its two days.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewCycle {
    pub process: String,
    pub school_year: i32,
    pub roster_cutoff: NaiveDate,
    pub final_due_date: NaiveDate,
}

/// Creates the cycle of a process for a school year (ADMIN): one per process and year.
#[tracing::instrument(skip_all)]
pub async fn create_cycle(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewCycle,
    key: Option<&str>,
) -> ApiResult<evaluation_cycle::Model> {
    may_write(viewer, Writes::Reference)?;
    let once = Once::new("createEvaluationCycle", key, &new)?;
    let mut rules = Rules::new();
    let year = rules.school_year("schoolYear", new.school_year);
    domain::check_cycle(&mut rules, year, new.roster_cutoff, new.final_due_date);
    rules.finish()?;
    let id = run_once(db, viewer, once, async |write| {
        let code = new.process.trim();
        let process = evaluation_process::Entity::find()
            .filter(evaluation_process::Column::Code.eq(code))
            .one(write.db())
            .await?
            .ok_or_else(|| {
                ApiError::rejected(
                    &["input", "process"],
                    UserErrorCode::Unknown,
                    format!("no evaluation process has the code `{code}`"),
                )
            })?;
        let row = evaluation_cycle::ActiveModel {
            id: NotSet,
            process_id: Set(process.id),
            school_year: Set(new.school_year),
            roster_cutoff: Set(new.roster_cutoff),
            final_due_date: Set(new.final_due_date),
            version: Set(1),
        };
        let taken = UserError::new(
            &["input", "schoolYear"],
            UserErrorCode::Taken,
            format!("{} has a cycle for {} already", process.code, new.school_year),
        );
        Ok(write
            .insert::<evaluation_cycle::Entity>(row, "EvaluationCycle", taken)
            .await?
            .id)
    })
    .await?;
    maintained::rebuild_in_background(db);
    reread::<evaluation_cycle::Entity>(db, id).await
}

/// Moves the days of cycle `id`, read at version `expected` (ADMIN); `None` leaves a day.
#[tracing::instrument(skip_all, fields(id))]
pub async fn update_cycle(
    db: &DatabaseConnection,
    viewer: &Viewer,
    (id, expected): (i32, i32),
    roster_cutoff: Option<NaiveDate>,
    final_due_date: Option<NaiveDate>,
) -> ApiResult<evaluation_cycle::Model> {
    may_write(viewer, Writes::Reference)?;
    let what = ("evaluation cycle", "EvaluationCycle");
    let written = amend::<evaluation_cycle::Entity, _>(db, viewer, (id, expected), what, async |_, current| {
        let mut rules = Rules::sent([
            ("rosterCutoff", roster_cutoff.is_some()),
            ("finalDueDate", final_due_date.is_some()),
        ]);
        let year = SchoolYear::parse(current.school_year, "schoolYear")?;
        let roster_cutoff = roster_cutoff.unwrap_or(current.roster_cutoff);
        let final_due_date = final_due_date.unwrap_or(current.final_due_date);
        domain::check_cycle(&mut rules, Some(year), roster_cutoff, final_due_date);
        rules.finish()?;
        Ok(evaluation_cycle::ActiveModel {
            roster_cutoff: Set(roster_cutoff),
            final_due_date: Set(final_due_date),
            ..Default::default()
        })
    })
    .await?;
    maintained::rebuild_in_background(db);
    Ok(written)
}

/// The most employee groups one process is set to serve.
pub const MAX_GROUPS: usize = 100;

/// A process with the codes of the groups it serves, as its audit rows record it.
#[derive(serde::Serialize)]
struct ProcessGroups<'a> {
    #[serde(flatten)]
    process: &'a evaluation_process::Model,
    employee_groups: Vec<String>,
}

/// Sets which employee groups process `id`, read at version `expected`, serves (ADMIN): the
/// groups named by `groups` (their codes) and no other. The MULTIPLE_MEASURES figures follow
/// at once.
#[tracing::instrument(skip_all, fields(id, groups = groups.len()))]
pub async fn set_process_groups(
    db: &DatabaseConnection,
    viewer: &Viewer,
    (id, expected): (i32, i32),
    groups: &[String],
) -> ApiResult<evaluation_process::Model> {
    const WHAT: &str = "evaluation process";
    may_write(viewer, Writes::Reference)?;
    if groups.len() > MAX_GROUPS {
        return Err(ApiError::rejected(
            &["input", "employeeGroups"],
            UserErrorCode::Invalid,
            format!("at most {MAX_GROUPS} groups"),
        ));
    }
    let wanted: BTreeSet<&str> = groups.iter().map(|code| code.trim()).collect();
    let write = Write::begin(db, viewer).await?;
    let current = write.find::<evaluation_process::Entity>(id, WHAT).await?;
    Write::expect_version(WHAT, expected, current.version)?;
    let found: HashMap<String, i32> = employee_group::Entity::find()
        .filter(employee_group::Column::Code.is_in(wanted.iter().copied()))
        .all(write.db())
        .await?
        .into_iter()
        .map(|group| (group.code, group.id))
        .collect();
    let mut rules = Rules::new();
    for code in wanted.iter().filter(|code| !found.contains_key(**code)) {
        rules.refuse(
            "employeeGroups",
            UserErrorCode::Unknown,
            format!("no employee group has the code `{code}`"),
        );
    }
    rules.finish()?;
    // The versioned update first: it locks the process's row, so a concurrent change of its
    // groups waits here and then meets CONFLICT, never the link table's unique index.
    let after = write
        .update::<evaluation_process::Entity>(id, expected, evaluation_process::ActiveModel::default(), WHAT)
        .await?;
    let before: BTreeMap<String, i32> = evaluation_process_group::Entity::find()
        .filter(evaluation_process_group::Column::ProcessId.eq(id))
        .find_also_related(employee_group::Entity)
        .all(write.db())
        .await?
        .into_iter()
        .filter_map(|(link, group)| group.map(|g| (g.code, link.employee_group_id)))
        .collect();
    let keep: HashSet<i32> = found.values().copied().collect();
    let dropped: Vec<i32> = before.values().copied().filter(|g| !keep.contains(g)).collect();
    if !dropped.is_empty() {
        evaluation_process_group::Entity::delete_many()
            .filter(evaluation_process_group::Column::ProcessId.eq(id))
            .filter(evaluation_process_group::Column::EmployeeGroupId.is_in(dropped))
            .exec(write.db())
            .await?;
    }
    let had: HashSet<i32> = before.values().copied().collect();
    let added: Vec<_> = keep
        .iter()
        .filter(|g| !had.contains(g))
        .map(|&group| evaluation_process_group::ActiveModel {
            id: NotSet,
            process_id: Set(id),
            employee_group_id: Set(group),
        })
        .collect();
    if !added.is_empty() {
        evaluation_process_group::Entity::insert_many(added)
            .exec_without_returning(write.db())
            .await?;
    }
    let (was, now) = (
        ProcessGroups {
            process: &current,
            employee_groups: before.into_keys().collect(),
        },
        ProcessGroups {
            process: &after,
            employee_groups: wanted.iter().map(|code| (*code).to_owned()).collect(),
        },
    );
    write
        .audit("UPDATE", "EvaluationProcess", id, Some(&was), Some(&now))
        .await?;
    write.commit().await?;
    maintained::rebuild_in_background(db);
    Ok(after)
}
