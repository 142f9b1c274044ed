//! The survey area's writes (issue 15): a principal plans the Stakeholder Feedback Survey in
//! every eligible classroom of their school and records each administration as it is given.
//! Each is one transaction with its audit rows ([`Write`]); the measures read the change at
//! once (their maintained counts are marked out of date by the write itself).

use super::domain::{self, AdministrationChange};
use crate::auth::Viewer;
use crate::auth::policy::{Writes, may_write, may_write_at_school};
use crate::calendar::SchoolYear;
use crate::error::{ApiError, ApiResult, UserError, UserErrorCode};
use crate::measures::definitions::{MeasureCode, sfs_classrooms};
use crate::measures::maintained::{self, Touch};
use crate::sql::tree::by_code;
use crate::sql::{Dialect, Params};
use crate::write::idempotency::{Once, run_once};
use crate::write::rules::Rules;
use crate::write::{amend, reread};
use chrono::NaiveDate;
use entity::enums::{AdministrationStatus, OrganizationKind, SurveyKind};
use entity::{survey, survey_administration};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

/// The GraphQL types the audit names.
const ADMINISTRATION: &str = "SurveyAdministration";
const SURVEY: &str = "Survey";

/// A survey as ADMIN creates it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewSurvey {
    pub code: String,
    pub title: String,
    pub kind: SurveyKind,
    pub school_year: i32,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub min_report_n: i32,
    pub confidential: bool,
}

/// What ADMIN changes on a survey; `None` leaves a field as it is. Its code, kind and school
/// year stay: they say which measure counts its rows (a new survey is created instead).
#[derive(Debug, Clone, Default)]
pub struct SurveyChange {
    pub title: Option<String>,
    pub window_start: Option<NaiveDate>,
    pub window_end: Option<NaiveDate>,
    pub min_report_n: Option<i32>,
    pub confidential: Option<bool>,
}

/// Creates a survey (ADMIN): a code not used by another survey, a title, its kind and
/// school year, its window inside that year and the fewest respondents reported.
#[tracing::instrument(skip_all)]
pub async fn create_survey(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewSurvey,
    key: Option<&str>,
) -> ApiResult<survey::Model> {
    may_write(viewer, Writes::Reference)?;
    let once = Once::new("createSurvey", key, &new)?;
    let mut rules = Rules::new();
    let code = rules.text("code", &new.code, domain::MAX_CODE);
    let year = rules.school_year("schoolYear", new.school_year);
    let window = (new.window_start, new.window_end);
    let title = domain::check_survey(&mut rules, &new.title, year, window, new.min_report_n);
    rules.finish()?;
    let id = run_once(db, viewer, once, async |write| {
        // The year's SFS and School Experience Survey are each the one the measures and their
        // suppression read: a second of either kind in a year is refused.
        if new.kind != SurveyKind::Other {
            let existing = survey::Entity::find()
                .filter(survey::Column::Kind.eq(new.kind))
                .filter(survey::Column::SchoolYear.eq(new.school_year))
                .one(write.db())
                .await?;
            if let Some(existing) = existing {
                return Err(ApiError::rejected(
                    &["input", "kind"],
                    UserErrorCode::Taken,
                    format!(
                        "{} is the {:?} survey of {} already",
                        existing.code, new.kind, new.school_year
                    ),
                ));
            }
        }
        let row = survey::ActiveModel {
            id: NotSet,
            code: Set(code.clone()),
            title: Set(title),
            kind: Set(new.kind),
            school_year: Set(new.school_year),
            window_start: Set(new.window_start),
            window_end: Set(new.window_end),
            min_report_n: Set(new.min_report_n),
            confidential: Set(new.confidential),
            version: Set(1),
        };
        let taken = UserError::new(
            &["input", "code"],
            UserErrorCode::Taken,
            format!("a survey has the code `{code}` already"),
        );
        Ok(write.insert::<survey::Entity>(row, SURVEY, taken).await?.id)
    })
    .await?;
    maintained::rebuild_in_background(db);
    reread::<survey::Entity>(db, id).await
}

/// Changes survey `id`, read at version `expected` (ADMIN): its title, window, reporting
/// floor or confidentiality. A window that would leave a given administration outside it is
/// refused (the administrations count only inside the window).
#[tracing::instrument(skip_all, fields(id))]
pub async fn update_survey(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    expected: i32,
    change: SurveyChange,
) -> ApiResult<survey::Model> {
    may_write(viewer, Writes::Reference)?;
    let written = amend::<survey::Entity, _>(
        db,
        viewer,
        (id, expected),
        ("survey", SURVEY),
        async |write, current| {
            let mut rules = Rules::sent([
                ("title", change.title.is_some()),
                ("windowStart", change.window_start.is_some()),
                ("windowEnd", change.window_end.is_some()),
                ("minReportN", change.min_report_n.is_some()),
            ]);
            let year = SchoolYear::parse(current.school_year, "schoolYear")?;
            let start = change.window_start.unwrap_or(current.window_start);
            let end = change.window_end.unwrap_or(current.window_end);
            let min_report_n = change.min_report_n.unwrap_or(current.min_report_n);
            let title = change.title.as_deref().unwrap_or(&current.title);
            let title = domain::check_survey(&mut rules, title, Some(year), (start, end), min_report_n);
            if (start, end) != (current.window_start, current.window_end) {
                use survey_administration::Column as A;
                let outside = survey_administration::Entity::find()
                    .filter(A::SurveyId.eq(id))
                    .filter(A::Status.eq(AdministrationStatus::Administered))
                    .filter(
                        Condition::any()
                            .add(A::AdministeredOn.lt(start))
                            .add(A::AdministeredOn.gt(end)),
                    )
                    .count(write.db())
                    .await?;
                if outside > 0 {
                    rules.refuse(
                        if change.window_start.is_some() {
                            "windowStart"
                        } else {
                            "windowEnd"
                        },
                        UserErrorCode::NotAllowed,
                        format!("{outside} administrations of the survey were given outside {start} to {end}"),
                    );
                }
            }
            rules.finish()?;
            Ok(survey::ActiveModel {
                title: Set(title),
                window_start: Set(start),
                window_end: Set(end),
                min_report_n: Set(min_report_n),
                confidential: Set(change.confidential.unwrap_or(current.confidential)),
                ..Default::default()
            })
        },
    )
    .await?;
    maintained::rebuild_in_background(db);
    Ok(written)
}

/// Plans `survey` (a code) at `school` (a code): one PLANNED administration for every
/// classroom of the school that the SFS coverage measure counts (a teacher of record with
/// students, evaluated that year in a process that requires the survey) and that has none
/// yet. Running it again plans only what is new: it is idempotent without a key; with one, a
/// retry answers with the rows the first run created.
#[tracing::instrument(skip_all)]
pub async fn plan_administrations(
    db: &DatabaseConnection,
    viewer: &Viewer,
    school: &str,
    survey: &str,
    key: Option<&str>,
) -> ApiResult<Vec<survey_administration::Model>> {
    may_write(viewer, Writes::Administrations)?;
    let once = Once::new("planSurveyAdministrations", key, &(school, survey))?;
    let ids: Vec<i32> = run_once(db, viewer, once, async |write| {
        let found = by_code(write.db(), school)
            .await?
            .filter(|o| o.kind == OrganizationKind::School)
            .ok_or_else(|| ApiError::NotFound(format!("school `{school}`")))?;
        may_write_at_school(viewer, found.id, school)?;
        let survey = survey::Entity::find()
            .filter(survey::Column::Code.eq(survey))
            .one(write.db())
            .await?
            .ok_or_else(|| {
                ApiError::rejected(
                    &["input", "survey"],
                    UserErrorCode::Unknown,
                    format!("no survey has the code `{survey}`"),
                )
            })?;
        if survey.kind != SurveyKind::StakeholderFeedback {
            return Err(ApiError::rejected(
                &["input", "survey"],
                UserErrorCode::Invalid,
                format!(
                    "`{}` is not a Stakeholder Feedback Survey, the one given in classrooms",
                    survey.code
                ),
            ));
        }
        // A PLANNED administration is no hit of any measure (SFS_COVERAGE counts ADMINISTERED
        // ones): the counts stay as they are, and current.
        maintained::keep(write, Touch::default()).await?;
        let eligible = sfs_classrooms(Dialect::of(write.db()));
        let sql = format!(
            "WITH tree (unit_id, org_id) AS (SELECT CAST(:school AS INTEGER), CAST(:school AS INTEGER)) \
             INSERT INTO survey_administration \
             (survey_id, section_id, teacher_id, status, administered_on, enrolled_count, response_count, version) \
             SELECT :survey, e.section_id, e.teacher_id, 'PLANNED', NULL, s.enrolled_count, 0, 1 \
             FROM ({eligible}) e JOIN section s ON s.id = e.section_id \
             WHERE NOT EXISTS (SELECT 1 FROM survey_administration a WHERE a.survey_id = :survey \
               AND a.section_id = e.section_id AND a.teacher_id = e.teacher_id) \
             RETURNING *"
        );
        let mut created: Vec<survey_administration::Model> = Params::new()
            .set("school", found.id)
            .set("survey", survey.id)
            .set("year", survey.school_year)
            .rows(write.db(), &sql)
            .await?;
        created.sort_by_key(|row| row.id);
        write
            .audit_all(
                "CREATE",
                ADMINISTRATION,
                created.iter().map(|row| (row.id, None, Some(row))),
            )
            .await?;
        Ok(created.iter().map(|row| row.id).collect())
    })
    .await?;
    Ok(survey_administration::Entity::find()
        .filter(survey_administration::Column::Id.is_in(ids))
        .order_by_asc(survey_administration::Column::Id)
        .all(db)
        .await?)
}

/// Records `change` on administration `id`, read at version `expected`: the status (PLANNED →
/// OPEN → ADMINISTERED, or CANCELLED), the day it was given and its counts, under the rules of
/// [`domain::apply`].
#[tracing::instrument(skip_all, fields(id))]
pub async fn update_administration(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    expected: i32,
    change: AdministrationChange,
) -> ApiResult<survey_administration::Model> {
    const WHAT: &str = "survey administration";
    may_write(viewer, Writes::Administrations)?;
    let written = amend::<survey_administration::Entity, _>(
        db,
        viewer,
        (id, expected),
        (WHAT, ADMINISTRATION),
        async |write, current| {
            let survey = survey::Entity::find_by_id(current.survey_id)
                .one(write.db())
                .await?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("administration {id} has no survey")))?;
            maintained::keep(
                write,
                Touch {
                    measures: vec![MeasureCode::SfsCoverage],
                    staff: vec![current.teacher_id],
                    year: Some(survey.school_year),
                },
            )
            .await?;
            let today = chrono::Utc::now().date_naive();
            let recorded = domain::apply(current, &survey, &change, today).map_err(ApiError::Rejected)?;
            Ok(survey_administration::ActiveModel {
                status: Set(recorded.status),
                administered_on: Set(recorded.administered_on),
                enrolled_count: Set(recorded.enrolled_count),
                response_count: Set(recorded.response_count),
                ..Default::default()
            })
        },
    )
    .await?;
    Ok(written)
}

/// The administrations of school `school`'s classrooms for the surveys of `year`, as `viewer`
/// sees them (the read rule of `auth::policy`), in id order: what `administrationChanged`
/// compares after each change.
pub async fn administrations_of_school(
    db: &DatabaseConnection,
    viewer: &Viewer,
    school: i32,
    year: SchoolYear,
) -> ApiResult<Vec<survey_administration::Model>> {
    use crate::auth::Visibility;
    use entity::section;
    use sea_orm::{QuerySelect, QueryTrait};
    let sections = section::Entity::find()
        .select_only()
        .column(section::Column::Id)
        .filter(section::Column::SchoolId.eq(school))
        .into_query();
    let surveys = survey::Entity::find()
        .select_only()
        .column(survey::Column::Id)
        .filter(survey::Column::SchoolYear.eq(year.value()))
        .into_query();
    Ok(survey_administration::Entity::find()
        .filter(survey_administration::Column::SectionId.in_subquery(sections))
        .filter(survey_administration::Column::SurveyId.in_subquery(surveys))
        .filter(survey_administration::Entity::visible_to(viewer))
        .order_by_asc(survey_administration::Column::Id)
        .all(db)
        .await?)
}
