//! The training area's writes (issue 15): HR records who completed which course when — one
//! completion, or a batch (a sign-in sheet) that is recorded whole or not at all. The
//! supervisor-training measure reads them at once.

use crate::auth::Viewer;
use crate::auth::policy::{Writes, may_write};
use crate::error::{ApiError, ApiResult, UserError, UserErrorCode};
use crate::measures::definitions::MeasureCode;
use crate::measures::maintained::{self, Touch};
use crate::write::idempotency::{Once, run_once};
use crate::write::rules::Rules;
use crate::write::{amend, reread};
use chrono::NaiveDate;
use entity::enums::CourseCategory;
use entity::{staff, training_completion, training_course, training_requirement};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TryInsertResult};
use std::collections::{HashMap, HashSet};

/// The most completions one batch records.
pub const MAX_BATCH: usize = 500;

/// The longest `source` (the column's width).
const MAX_SOURCE: usize = 32;

/// The GraphQL type the audit names for a course.
const COURSE: &str = "TrainingCourse";

/// Where a completion was recorded when the client does not say.
pub const DEFAULT_SOURCE: &str = "STAFFGRAPH";

/// One completion as the client gave it, and where in the input it came (`["input"]` for a
/// single one, `["input", "completions", "3"]` in a batch).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CompletionInput {
    pub employee_number: String,
    pub course_code: String,
    pub completed_on: NaiveDate,
    pub source: Option<String>,
    #[serde(skip)]
    pub at: Vec<String>,
}

impl CompletionInput {
    fn error(&self, field: &str, code: UserErrorCode, message: String) -> UserError {
        let mut path: Vec<&str> = self.at.iter().map(String::as_str).collect();
        path.push(field);
        UserError::new(&path, code, message)
    }
}

/// Records `completions`, all or none: every one names a staff member and a course that exist,
/// is not in the future, and is not recorded already (the same person, course and day) nor
/// twice in the batch. HR and ADMIN.
#[tracing::instrument(skip_all, fields(completions = completions.len()))]
pub async fn record_completions(
    db: &DatabaseConnection,
    viewer: &Viewer,
    completions: Vec<CompletionInput>,
    operation: &'static str,
    key: Option<&str>,
) -> ApiResult<Vec<training_completion::Model>> {
    may_write(viewer, Writes::Training)?;
    if completions.is_empty() || completions.len() > MAX_BATCH {
        return Err(ApiError::rejected(
            &["input", "completions"],
            UserErrorCode::Invalid,
            format!("a batch holds 1 to {MAX_BATCH} completions"),
        ));
    }
    let once = Once::new(operation, key, &completions)?;
    let ids: Vec<i32> = run_once(db, viewer, once, async |write| {
        let numbers: HashSet<&str> = completions.iter().map(|c| c.employee_number.as_str()).collect();
        let staff: HashMap<String, i32> = staff::Entity::find()
            .select_only()
            .column(staff::Column::EmployeeNumber)
            .column(staff::Column::Id)
            .filter(staff::Column::EmployeeNumber.is_in(numbers))
            .into_tuple::<(String, i32)>()
            .all(write.db())
            .await?
            .into_iter()
            .collect();
        let codes: HashSet<&str> = completions.iter().map(|c| c.course_code.as_str()).collect();
        let courses: HashMap<String, i32> = training_course::Entity::find()
            .select_only()
            .column(training_course::Column::Code)
            .column(training_course::Column::Id)
            .filter(training_course::Column::Code.is_in(codes))
            .into_tuple::<(String, i32)>()
            .all(write.db())
            .await?
            .into_iter()
            .collect();
        let today = chrono::Utc::now().date_naive();
        let mut errors = Vec::new();
        let mut rows = Vec::new();
        let mut keys = Vec::new();
        let mut seen = HashSet::new();
        for completion in &completions {
            let staff_id = staff.get(&completion.employee_number).copied();
            if staff_id.is_none() {
                errors.push(completion.error(
                    "employeeNumber",
                    UserErrorCode::Unknown,
                    format!(
                        "no staff member has the employee number `{}`",
                        completion.employee_number
                    ),
                ));
            }
            let course_id = courses.get(&completion.course_code).copied();
            if course_id.is_none() {
                errors.push(completion.error(
                    "courseCode",
                    UserErrorCode::Unknown,
                    format!("no training course has the code `{}`", completion.course_code),
                ));
            }
            if completion.completed_on > today {
                errors.push(completion.error(
                    "completedOn",
                    UserErrorCode::Invalid,
                    format!("{} is in the future", completion.completed_on),
                ));
            }
            let source = completion.source.as_deref().unwrap_or(DEFAULT_SOURCE).trim();
            if source.is_empty() || source.chars().count() > MAX_SOURCE {
                errors.push(completion.error(
                    "source",
                    UserErrorCode::Invalid,
                    format!("a source is 1 to {MAX_SOURCE} characters"),
                ));
            }
            if let (Some(staff_id), Some(course_id)) = (staff_id, course_id) {
                let key = (staff_id, course_id, completion.completed_on);
                keys.push(key);
                if !seen.insert(key) {
                    errors.push(completion.error(
                        "completedOn",
                        UserErrorCode::Taken,
                        "the batch records this completion twice".into(),
                    ));
                }
                rows.push(training_completion::ActiveModel {
                    id: NotSet,
                    staff_id: Set(staff_id),
                    course_id: Set(course_id),
                    completed_on: Set(completion.completed_on),
                    source: Set(source.to_owned()),
                });
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Rejected(errors));
        }
        // A completion counts for its person's supervisory entries and wellness training.
        let mut people: Vec<i32> = keys.iter().map(|(staff_id, _, _)| *staff_id).collect();
        people.sort_unstable();
        people.dedup();
        maintained::keep(
            write,
            Touch {
                measures: vec![MeasureCode::SupervisorTraining, MeasureCode::WellnessPd],
                staff: people,
                year: None,
            },
        )
        .await?;
        let inserted = training_completion::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([
                training_completion::Column::StaffId,
                training_completion::Column::CourseId,
                training_completion::Column::CompletedOn,
            ])
            .exec_with_returning_many(write.db())
            .await?;
        let inserted = match inserted {
            TryInsertResult::Inserted(rows) => rows,
            TryInsertResult::Conflicted | TryInsertResult::Empty => Vec::new(),
        };
        if inserted.len() < completions.len() {
            // The natural key (person, course, day) refused the rest: they are recorded already.
            let written: HashSet<(i32, i32, NaiveDate)> = inserted
                .iter()
                .map(|row| (row.staff_id, row.course_id, row.completed_on))
                .collect();
            let taken = completions
                .iter()
                .zip(&keys)
                .filter(|(_, key)| !written.contains(key))
                .map(|(c, _)| {
                    c.error(
                        "completedOn",
                        UserErrorCode::Taken,
                        format!(
                            "{} completing {} on {} is recorded already",
                            c.employee_number, c.course_code, c.completed_on
                        ),
                    )
                })
                .collect();
            return Err(ApiError::Rejected(taken));
        }
        write
            .audit_all(
                "CREATE",
                "TrainingCompletion",
                inserted.iter().map(|row| (row.id, None, Some(row))),
            )
            .await?;
        let mut ids: Vec<i32> = inserted.iter().map(|row| row.id).collect();
        ids.sort_unstable();
        Ok(ids)
    })
    .await?;
    Ok(training_completion::Entity::find()
        .filter(training_completion::Column::Id.is_in(ids))
        .order_by_asc(training_completion::Column::Id)
        .all(db)
        .await?)
}

/// The longest course code (the column's width) and title.
const MAX_CODE: usize = 32;
const MAX_TITLE: usize = 200;
/// The longest course, in hours.
pub const MAX_HOURS: f64 = 1_000.0;
/// The longest window to complete a requirement, and how long before its start a completion
/// may lie: two and three years.
pub const MAX_WINDOW_DAYS: i32 = 730;
pub const MAX_PRIOR_VALID_DAYS: i32 = 1_095;

/// A course as ADMIN creates it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewCourse {
    pub code: String,
    pub title: String,
    pub category: CourseCategory,
    pub hours: f64,
}

/// The title and hours of a course, checked; the trimmed title.
fn check_course(rules: &mut Rules, title: &str, hours: f64) -> String {
    let title = rules.text("title", title, MAX_TITLE);
    if !(hours > 0.0 && hours <= MAX_HOURS) {
        rules.refuse(
            "hours",
            UserErrorCode::Invalid,
            format!("is more than 0 and at most {MAX_HOURS}"),
        );
    }
    title
}

/// Creates a training course (ADMIN): a code no other course has, its title, category and
/// length.
#[tracing::instrument(skip_all)]
pub async fn create_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewCourse,
    key: Option<&str>,
) -> ApiResult<training_course::Model> {
    may_write(viewer, Writes::Reference)?;
    let once = Once::new("createTrainingCourse", key, &new)?;
    let mut rules = Rules::new();
    let code = rules.text("code", &new.code, MAX_CODE);
    let title = check_course(&mut rules, &new.title, new.hours);
    rules.finish()?;
    let id = run_once(db, viewer, once, async |write| {
        let row = training_course::ActiveModel {
            id: NotSet,
            code: Set(code.clone()),
            title: Set(title),
            category: Set(new.category),
            hours: Set(new.hours),
            version: Set(1),
        };
        let taken = UserError::new(
            &["input", "code"],
            UserErrorCode::Taken,
            format!("a training course has the code `{code}` already"),
        );
        Ok(write.insert::<training_course::Entity>(row, COURSE, taken).await?.id)
    })
    .await?;
    maintained::rebuild_in_background(db);
    reread::<training_course::Entity>(db, id).await
}

/// What ADMIN changes on a course; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CourseChange {
    pub title: Option<String>,
    pub category: Option<CourseCategory>,
    pub hours: Option<f64>,
}

/// Changes course `id`, read at version `expected` (ADMIN). A new category moves its
/// completions between the measures at once (PERFORMANCE_MANAGEMENT counts toward
/// SUPERVISOR_TRAINING, WELLNESS toward WELLNESS_PD).
#[tracing::instrument(skip_all, fields(id))]
pub async fn update_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    (id, expected): (i32, i32),
    change: CourseChange,
) -> ApiResult<training_course::Model> {
    may_write(viewer, Writes::Reference)?;
    let written = amend::<training_course::Entity, _>(
        db,
        viewer,
        (id, expected),
        ("training course", COURSE),
        async |_, current| {
            let mut rules = Rules::sent([("title", change.title.is_some()), ("hours", change.hours.is_some())]);
            let hours = change.hours.unwrap_or(current.hours);
            let title = check_course(&mut rules, change.title.as_deref().unwrap_or(&current.title), hours);
            rules.finish()?;
            Ok(training_course::ActiveModel {
                title: Set(title),
                category: Set(change.category.unwrap_or(current.category)),
                hours: Set(hours),
                ..Default::default()
            })
        },
    )
    .await?;
    maintained::rebuild_in_background(db);
    Ok(written)
}

/// Changes the windows of requirement `id`, read at version `expected` (ADMIN): the days to
/// complete it (1 to 730) and how long before the start a completion counts (0 to 1,095).
/// SUPERVISOR_TRAINING's statuses follow at once.
#[tracing::instrument(skip_all, fields(id))]
pub async fn update_requirement(
    db: &DatabaseConnection,
    viewer: &Viewer,
    (id, expected): (i32, i32),
    window_days: Option<i32>,
    prior_valid_days: Option<i32>,
) -> ApiResult<training_requirement::Model> {
    may_write(viewer, Writes::Reference)?;
    let what = ("training requirement", "TrainingRequirement");
    let written = amend::<training_requirement::Entity, _>(db, viewer, (id, expected), what, async |_, current| {
        let mut rules = Rules::sent([
            ("windowDays", window_days.is_some()),
            ("priorValidDays", prior_valid_days.is_some()),
        ]);
        let window_days = window_days.unwrap_or(current.window_days);
        let prior_valid_days = prior_valid_days.unwrap_or(current.prior_valid_days);
        rules.within("windowDays", window_days, 1, MAX_WINDOW_DAYS);
        rules.within("priorValidDays", prior_valid_days, 0, MAX_PRIOR_VALID_DAYS);
        rules.finish()?;
        Ok(training_requirement::ActiveModel {
            window_days: Set(window_days),
            prior_valid_days: Set(prior_valid_days),
            ..Default::default()
        })
    })
    .await?;
    maintained::rebuild_in_background(db);
    Ok(written)
}
