//! Mutations of the survey area: a principal's survey administration, from planning it in
//! every classroom to recording it as given (issue 15). Resolvers parse the input and call
//! [`service`](super::service).

use super::domain::AdministrationChange;
use super::service::{self, NewSurvey, SurveyChange};
use super::types::{AdministrationStatus, Survey, SurveyAdministration, SurveyKind};
use crate::graphql::RequestContext;
use crate::graphql::payload::id_of;
use crate::graphql::scalars::Date;
use crate::payload;
use async_graphql::{Context, ID, InputObject, Object, Result, ResultExt};

/// What `planSurveyAdministrations` plans.
#[derive(InputObject)]
pub struct PlanSurveyAdministrationsInput {
    /// The school's code (one of the principal's schools).
    pub school: String,
    /// The Stakeholder Feedback Survey's code, e.g. `SFS-2026`.
    pub survey: String,
    /// A key of the client's choosing (1 to 255 characters): a retry with the same key and
    /// input answers with the first run's result and writes nothing new.
    pub idempotency_key: Option<String>,
}

payload!(
    /// What `planSurveyAdministrations` planned.
    PlanSurveyAdministrationsPayload {
        survey_administrations: Vec<SurveyAdministration>
    }
);

/// What `updateSurveyAdministration` records; a field left out stays as it is.
#[derive(InputObject)]
pub struct UpdateSurveyAdministrationInput {
    /// The administration's global id.
    pub id: ID,
    /// The `version` the client read; the write is refused (CONFLICT, with the current version)
    /// if someone has saved it since.
    pub expected_version: i32,
    /// The new status: PLANNED → OPEN → ADMINISTERED (or PLANNED → ADMINISTERED, recorded
    /// after the fact); PLANNED or OPEN → CANCELLED. ADMINISTERED and CANCELLED are final.
    pub status: Option<AdministrationStatus>,
    /// The day it was given: with ADMINISTERED only, inside the survey's window, not in the
    /// future.
    pub administered_on: Option<Date>,
    /// Students enrolled when it was given: 0 to 1,000.
    pub enrolled_count: Option<i32>,
    /// Responses received: 0 to the students enrolled.
    pub response_count: Option<i32>,
}

payload!(
    /// The administration as recorded.
    UpdateSurveyAdministrationPayload {
        survey_administration: SurveyAdministration
    }
);

/// What `createSurvey` creates.
#[derive(InputObject)]
pub struct CreateSurveyInput {
    /// Natural key, 1 to 32 characters (surrounding spaces are dropped), e.g. `SFS-2027`.
    pub code: String,
    /// Title, 1 to 200 characters.
    pub title: String,
    /// What it is for: the STAKEHOLDER_FEEDBACK survey of a year is the one the SFS coverage
    /// target counts.
    pub kind: SurveyKind,
    /// Ending year: 2027 is school year 2026-27.
    pub school_year: i32,
    /// First day it may be given, inside the school year.
    pub window_start: Date,
    /// Last day it may be given, inside the school year and not before `windowStart`.
    pub window_end: Date,
    /// Fewest respondents a result is reported for (1 to 1,000,000); smaller groups are
    /// withheld. 10 when left out.
    #[graphql(default = 10)]
    pub min_report_n: i32,
    /// Whether its results are confidential aggregates (no respondent is ever named). True
    /// when left out.
    #[graphql(default = true)]
    pub confidential: bool,
    /// A key of the client's choosing (1 to 255 characters): a retry with the same key and
    /// input answers with the first run's result and writes nothing new.
    pub idempotency_key: Option<String>,
}

payload!(
    /// The survey as created.
    CreateSurveyPayload { survey: Survey }
);

/// What `updateSurvey` changes; a field left out stays as it is. The code, kind and school
/// year do not change: they say which measure counts the survey (create a new one instead).
#[derive(InputObject)]
pub struct UpdateSurveyInput {
    /// The survey's global id.
    pub id: ID,
    /// The `version` the client read; the write is refused (CONFLICT, with the current version)
    /// if someone has saved it since.
    pub expected_version: i32,
    /// Title, 1 to 200 characters.
    pub title: Option<String>,
    /// First day it may be given, inside the school year; no administration may have been
    /// given before it.
    pub window_start: Option<Date>,
    /// Last day it may be given; no administration may have been given after it.
    pub window_end: Option<Date>,
    /// Fewest respondents a result is reported for (1 to 1,000,000).
    pub min_report_n: Option<i32>,
    /// Whether its results are confidential aggregates.
    pub confidential: Option<bool>,
}

payload!(
    /// The survey as changed.
    UpdateSurveyPayload { survey: Survey }
);

/// Survey mutations.
#[derive(Default)]
pub struct SurveyMutation;

#[Object]
impl SurveyMutation {
    /// Plans a Stakeholder Feedback Survey at a school: one PLANNED administration for every
    /// classroom the 75% target counts (a teacher of record with students, evaluated this year
    /// in a process that requires the survey) that has none yet. Lists the administrations it
    /// created (none when every classroom was planned already). PRINCIPAL (their schools) and
    /// ADMIN.
    async fn plan_survey_administrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: PlanSurveyAdministrationsInput,
    ) -> Result<PlanSurveyAdministrationsPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = service::plan_administrations(
            &request.db,
            &request.viewer,
            &input.school,
            &input.survey,
            input.idempotency_key.as_deref(),
        )
        .await;
        PlanSurveyAdministrationsPayload::settle(
            result.map(|rows| rows.into_iter().map(SurveyAdministration).collect()),
        )
    }

    /// Records where an administration stands: its status, the day it was given and its counts
    /// (DESIGN.md §3: an ADMINISTERED administration with at least one response counts toward
    /// the school's SFS coverage at once). PRINCIPAL (their schools' classrooms) and ADMIN.
    async fn update_survey_administration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: UpdateSurveyAdministrationInput,
    ) -> Result<UpdateSurveyAdministrationPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let id = id_of(&input.id, "SurveyAdministration", &["input", "id"])?;
            let change = AdministrationChange {
                status: input.status.map(Into::into),
                administered_on: input.administered_on.map(Into::into),
                enrolled_count: input.enrolled_count,
                response_count: input.response_count,
            };
            service::update_administration(&request.db, &request.viewer, id, input.expected_version, change).await
        }
        .await;
        UpdateSurveyAdministrationPayload::settle(result.map(SurveyAdministration))
    }

    /// Creates a survey of a school year, with its window and reporting floor. ADMIN.
    async fn create_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: CreateSurveyInput,
    ) -> Result<CreateSurveyPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let new = NewSurvey {
            code: input.code,
            title: input.title,
            kind: input.kind.into(),
            school_year: input.school_year,
            window_start: input.window_start.into(),
            window_end: input.window_end.into(),
            min_report_n: input.min_report_n,
            confidential: input.confidential,
        };
        let result = service::create_survey(&request.db, &request.viewer, new, input.idempotency_key.as_deref()).await;
        CreateSurveyPayload::settle(result.map(Survey))
    }

    /// Changes a survey's title, window, reporting floor or confidentiality (the measures and
    /// their suppression follow at once). ADMIN.
    async fn update_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: UpdateSurveyInput,
    ) -> Result<UpdateSurveyPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let id = id_of(&input.id, "Survey", &["input", "id"])?;
            let change = SurveyChange {
                title: input.title,
                window_start: input.window_start.map(Into::into),
                window_end: input.window_end.map(Into::into),
                min_report_n: input.min_report_n,
                confidential: input.confidential,
            };
            service::update_survey(&request.db, &request.viewer, id, input.expected_version, change).await
        }
        .await;
        UpdateSurveyPayload::settle(result.map(Survey))
    }
}
