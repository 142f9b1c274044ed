//! The survey area's writes (issue 15): a principal plans the Stakeholder Feedback Survey in
//! every eligible classroom of their school and records each administration as it is given.
//! Each is one transaction with its audit rows ([`Write`]); the measures read the change at
//! once (their maintained counts are marked out of date by the write itself).

use super::domain::{self, AdministrationChange};
use crate::auth::Viewer;
use crate::auth::policy::{Writes, may_write, may_write_at_school};
use crate::error::{ApiError, ApiResult, UserErrorCode};
use crate::measures::definitions::sfs_classrooms;
use crate::sql::tree::by_code;
use crate::sql::{Dialect, Params};
use crate::write::Write;
use crate::write::idempotency::{Once, run_once};
use entity::enums::{OrganizationKind, SurveyKind};
use entity::{survey, survey_administration};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// The GraphQL type the audit names.
const ADMINISTRATION: &str = "SurveyAdministration";

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
    crate::measures::maintained::rebuild_in_background(db);
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
    let write = Write::begin(db, viewer).await?;
    let current = write.find::<survey_administration::Entity>(id, WHAT).await?;
    Write::expect_version(WHAT, expected, current.version)?;
    let survey = survey::Entity::find_by_id(current.survey_id)
        .one(write.db())
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("administration {id} has no survey")))?;
    let today = chrono::Utc::now().date_naive();
    let recorded = domain::apply(&current, &survey, &change, today).map_err(ApiError::Rejected)?;
    let changes = survey_administration::ActiveModel {
        status: Set(recorded.status),
        administered_on: Set(recorded.administered_on),
        enrolled_count: Set(recorded.enrolled_count),
        response_count: Set(recorded.response_count),
        ..Default::default()
    };
    let after = write
        .update::<survey_administration::Entity>(id, expected, changes, WHAT)
        .await?;
    write
        .audit("UPDATE", ADMINISTRATION, id, Some(&current), Some(&after))
        .await?;
    write.commit().await?;
    crate::measures::maintained::rebuild_in_background(db);
    Ok(after)
}
