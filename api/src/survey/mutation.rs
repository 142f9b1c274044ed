//! Mutations of the survey area: a principal's survey administration, from planning it in
//! every classroom to recording it as given (issue 15). Resolvers parse the input and call
//! [`service`](super::service).

use super::domain::AdministrationChange;
use super::service;
use super::types::{AdministrationStatus, SurveyAdministration};
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
}
