//! Queries of the survey area.

use super::relations::filter_administrations;
use super::results::{self, QuestionResult, Reader};
use super::types::{AdministrationFilter, AdministrationOrder, Survey, SurveyAdministration, SurveyKind};
use crate::auth::Role;
use crate::auth::policy::scope_for;
use crate::error::{ApiError, ApiResult};
use crate::graphql::RequestContext;
use crate::graphql::loader::{by_key, list};
use crate::graphql::relay::Sort;
use crate::graphql::relay::{Page, PageArgs};
use crate::privacy::reads_survey_results;
use async_graphql::ResultExt;
use async_graphql::{Context, Object, Result};
use entity::{evaluation, evaluation_cycle, survey, survey_administration, survey_question};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use std::collections::HashSet;

/// What the survey results cost in a request's budget (`graphql::cost`): each reads the
/// answers of its scope and of the breakdowns above it.
pub const COSTS: &[(&str, &str, u64)] = &[
    ("Query", "surveyResults", 200),
    ("Staff", "sfsResults", 50),
    ("SurveyAdministration", "results", 50),
];

/// Survey queries.
#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// Surveys, filtered.
    async fn surveys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only surveys of this school year (ending year).")] school_year: Option<i32>,
        #[graphql(desc = "Only surveys of this kind.")] kind: Option<SurveyKind>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Survey>> {
        let mut select = survey::Entity::find();
        if let Some(year) = school_year {
            select = select.filter(survey::Column::SchoolYear.eq(year));
        }
        if let Some(kind) = kind {
            select = select.filter(survey::Column::Kind.eq(entity::enums::SurveyKind::from(kind)));
        }
        list::<survey::Entity, _>(
            ctx,
            select.into_query(),
            PageArgs::new(first, after, last, before),
            Sort::BY_ID,
            Survey,
        )
        .await
    }

    /// The survey with this code, or null.
    async fn survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Natural key, e.g. `SFS-2026`.")] code: String,
    ) -> Result<Option<Survey>> {
        by_key::<survey::Entity, _>(ctx, survey::Column::Code, &code, Survey).await
    }

    /// A survey's results per question over an organization (the district when omitted): n,
    /// mean and favorable share, with a breakdown by the organization's children. Groups of
    /// fewer than the survey's minimum report size are withheld, with their complementary
    /// sibling.
    async fn survey_results(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The survey's code, e.g. `SES-2026`.")] survey: String,
        #[graphql(desc = "Code of the district, a region or a school; the district when omitted.")]
        organization: Option<String>,
    ) -> Result<Vec<QuestionResult>> {
        let request = RequestContext::of(ctx).extend()?;
        // Aggregates for the roles that read them; the public has the plan measures, an
        // employee their own results (`sfsResults`).
        request
            .viewer
            .require(&[Role::Admin, Role::Hr, Role::Analyst, Role::Principal])
            .extend()?;
        let found = survey::Entity::find()
            .filter(survey::Column::Code.eq(survey.as_str()))
            .one(&request.db)
            .await
            .map_err(ApiError::from)
            .extend()?
            .ok_or_else(|| ApiError::NotFound(format!("survey `{survey}`")))
            .extend()?;
        let scope = scope_for(&request.db, &request.viewer, organization.as_deref())
            .await
            .extend()?;
        // Survey results are not published (PUBLIC has none), so a principal outside their
        // own schools — the district, a region — is refused, not shown other schools.
        if !reads_survey_results(&request.viewer, &scope) {
            return Err(ApiError::Forbidden).extend();
        }
        let questions = questions_of(request, found.id).await.extend()?;
        results::results(&request.db, &found, &scope, &questions).await.extend()
    }

    /// Survey administrations across the district, filtered.
    async fn survey_administrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<AdministrationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<AdministrationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<SurveyAdministration>> {
        let mut select = survey_administration::Entity::find().into_query();
        filter_administrations(&mut select, &filter.unwrap_or_default());
        let sort = AdministrationOrder::sort(order_by);
        list::<survey_administration::Entity, _>(
            ctx,
            select,
            PageArgs::new(first, after, last, before),
            sort,
            SurveyAdministration,
        )
        .await
    }
}

async fn questions_of(request: &RequestContext, survey: i32) -> ApiResult<Vec<survey_question::Model>> {
    Ok(survey_question::Entity::find()
        .filter(survey_question::Column::SurveyId.eq(survey))
        .order_by_asc(survey_question::Column::Id)
        .all(&request.db)
        .await?)
}

/// The reader of `teacher`'s results of `school_year`; FORBIDDEN unless the viewer is the
/// teacher or evaluates them that year (DESIGN.md §4: a teacher's SFS results are for the
/// teacher and their evaluator only).
async fn reader_of<'a>(request: &'a RequestContext, teacher: i32, school_year: i32) -> ApiResult<Reader<'a>> {
    let Some(me) = request.viewer.staff_id else {
        return Err(ApiError::Forbidden);
    };
    let mut teachers: HashSet<i32> = evaluation::Entity::find()
        .select_only()
        .column(evaluation::Column::EvaluateeId)
        .filter(evaluation::Column::EvaluatorId.eq(me))
        .filter(
            evaluation::Column::CycleId.in_subquery(
                evaluation_cycle::Entity::find()
                    .select_only()
                    .column(evaluation_cycle::Column::Id)
                    .filter(evaluation_cycle::Column::SchoolYear.eq(school_year))
                    .into_query(),
            ),
        )
        .into_tuple::<i32>()
        .all(&request.db)
        .await?
        .into_iter()
        .collect();
    teachers.insert(me);
    if !teachers.contains(&teacher) {
        return Err(ApiError::Forbidden);
    }
    Ok(Reader {
        viewer: &request.viewer,
        teachers,
    })
}

/// A teacher's Stakeholder Feedback Survey results of a school year, per question: for the
/// teacher and their evaluator only, withheld below the survey's minimum.
pub async fn sfs_results_of(ctx: &Context<'_>, teacher: i32, school_year: i32) -> Result<Vec<QuestionResult>> {
    let request = RequestContext::of(ctx).extend()?;
    let reader = reader_of(request, teacher, school_year).await.extend()?;
    let sfs = survey::Entity::find()
        .filter(survey::Column::Kind.eq(entity::enums::SurveyKind::StakeholderFeedback))
        .filter(survey::Column::SchoolYear.eq(school_year))
        .one(&request.db)
        .await
        .map_err(ApiError::from)
        .extend()?;
    let Some(sfs) = sfs else {
        return Ok(Vec::new());
    };
    let questions = questions_of(request, sfs.id).await.extend()?;
    results::teacher_results(&request.db, &sfs, teacher, None, &questions, &reader)
        .await
        .extend()
}

/// One administration's results, per question: for its teacher and their evaluator only.
pub async fn administration_results(
    ctx: &Context<'_>,
    administration: &survey_administration::Model,
) -> Result<Vec<QuestionResult>> {
    let request = RequestContext::of(ctx).extend()?;
    let survey = survey::Entity::find_by_id(administration.survey_id)
        .one(&request.db)
        .await
        .map_err(ApiError::from)
        .extend()?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("administration without its survey")))
        .extend()?;
    let reader = reader_of(request, administration.teacher_id, survey.school_year)
        .await
        .extend()?;
    let questions = questions_of(request, survey.id).await.extend()?;
    results::teacher_results(
        &request.db,
        &survey,
        administration.teacher_id,
        Some(administration.id),
        &questions,
        &reader,
    )
    .await
    .extend()
}
