//! Mutations of the evaluation area (issue 15): an evaluator's observations and conferences,
//! the ratings given at them, and the evaluation's status. The evaluator of record and a
//! principal at the evaluation's school write; anyone else's evaluation is NOT_FOUND.

use super::domain::StatusChange;
use super::service::{self, NewCycle, NewEvent, Rating};
use super::types::{
    ElementRating, Evaluation, EvaluationCycle, EvaluationEvent, EvaluationProcess, EvaluationStatus, EventKind,
};
use crate::graphql::RequestContext;
use crate::graphql::payload::id_of;
use crate::graphql::scalars::Date;
use crate::payload;
use async_graphql::{Context, ID, InputObject, Object, Result, ResultExt, SimpleObject};

/// What `scheduleEvaluationEvent` schedules.
#[derive(InputObject)]
pub struct ScheduleEvaluationEventInput {
    /// The evaluation's global id.
    pub evaluation: ID,
    /// What the event is.
    pub kind: EventKind,
    /// The day, inside the cycle's school year.
    pub occurred_on: Date,
    /// The section observed (its global id): one of the evaluation school's sections that year.
    pub section: Option<ID>,
    /// A key of the client's choosing (1 to 255 characters): a retry with the same key and
    /// input answers with the first run's result and writes nothing new.
    pub idempotency_key: Option<String>,
}

payload!(
    /// The event as scheduled.
    ScheduleEvaluationEventPayload {
        evaluation_event: EvaluationEvent
    }
);

/// What `completeEvaluationEvent` records.
#[derive(InputObject)]
pub struct CompleteEvaluationEventInput {
    /// The event's global id.
    pub id: ID,
    /// The event's `version` as the client read it.
    pub expected_version: i32,
    /// The day it took place, when not the day it was scheduled for; not in the future.
    pub occurred_on: Option<Date>,
}

payload!(
    /// The event as completed.
    CompleteEvaluationEventPayload {
        evaluation_event: EvaluationEvent
    }
);

/// One element's rating.
#[derive(InputObject)]
pub struct ElementRatingInput {
    /// The element's code in the evaluation's framework, e.g. `3b2`.
    pub element: String,
    /// A level of the framework's ELEMENT scale, by label: `Ineffective`, `Developing`,
    /// `Effective` or `Highly Effective`.
    pub rating: String,
    /// The evaluator's written feedback (at most 10,000 characters).
    pub feedback: Option<String>,
}

/// What `rateElements` records.
#[derive(InputObject)]
pub struct RateElementsInput {
    /// The completed event's global id.
    pub event: ID,
    /// The event's `version` as the client read it.
    pub expected_version: i32,
    /// The ratings, 1 to 100, each element once: recorded together or not at all.
    pub ratings: Vec<ElementRatingInput>,
}

/// The ratings as recorded, and the event they were given at.
#[derive(SimpleObject)]
pub struct RatedEvent {
    /// The event, at its new version.
    pub evaluation_event: EvaluationEvent,
    /// The ratings written by this mutation.
    pub element_ratings: Vec<ElementRating>,
}

payload!(
    /// What `rateElements` recorded.
    RateElementsPayload { rated: RatedEvent }
);

/// What `updateEvaluationStatus` records.
#[derive(InputObject)]
pub struct UpdateEvaluationStatusInput {
    /// The evaluation's global id.
    pub id: ID,
    /// The evaluation's `version` as the client read it.
    pub expected_version: i32,
    /// The new status: ROSTERED → IN_PROGRESS → COMPLETE; ROSTERED or IN_PROGRESS →
    /// WITHDRAWN.
    pub status: EvaluationStatus,
    /// With COMPLETE: the final rating, a label of the framework's OVERALL scale (`Meets
    /// Standard Performance`, `Below Standard Performance`).
    pub final_rating: Option<String>,
    /// With COMPLETE: the day it was completed (today when left out), from the roster day to
    /// today.
    pub completed_on: Option<Date>,
    /// With WITHDRAWN: why (required, at most 10,000 characters).
    pub reason: Option<String>,
}

payload!(
    /// The evaluation as recorded.
    UpdateEvaluationStatusPayload { evaluation: Evaluation }
);

/// What `createEvaluationCycle` creates.
#[derive(InputObject)]
pub struct CreateEvaluationCycleInput {
    /// The process's code, e.g. `EDST`.
    pub process: String,
    /// Ending year: 2027 is school year 2026-27. One cycle per process and year.
    pub school_year: i32,
    /// Last day to roster an evaluatee, inside the school year.
    pub roster_cutoff: Date,
    /// Final evaluations are due: inside the school year, not before the roster cutoff.
    pub final_due_date: Date,
    /// A key of the client's choosing (1 to 255 characters): a retry with the same key and
    /// input answers with the first run's result and writes nothing new.
    pub idempotency_key: Option<String>,
}

payload!(
    /// The cycle as created.
    CreateEvaluationCyclePayload {
        evaluation_cycle: EvaluationCycle
    }
);

/// What `updateEvaluationCycle` changes; a day left out stays as it is.
#[derive(InputObject)]
pub struct UpdateEvaluationCycleInput {
    /// The cycle's global id.
    pub id: ID,
    /// The `version` the client read; the write is refused (CONFLICT, with the current version)
    /// if someone has saved it since.
    pub expected_version: i32,
    /// Last day to roster an evaluatee, inside the school year.
    pub roster_cutoff: Option<Date>,
    /// Final evaluations are due: inside the school year, not before the roster cutoff.
    pub final_due_date: Option<Date>,
}

payload!(
    /// The cycle as changed.
    UpdateEvaluationCyclePayload {
        evaluation_cycle: EvaluationCycle
    }
);

/// What `setEvaluationProcessGroups` sets.
#[derive(InputObject)]
pub struct SetEvaluationProcessGroupsInput {
    /// The process's global id.
    pub id: ID,
    /// The `version` the client read; the write is refused (CONFLICT, with the current version)
    /// if someone has changed the process's groups since.
    pub expected_version: i32,
    /// The codes of every employee group the process serves (at most 100): the groups not
    /// listed stop being served by it. An empty list leaves it serving none.
    pub employee_groups: Vec<String>,
}

payload!(
    /// The process with the groups it now serves.
    SetEvaluationProcessGroupsPayload {
        evaluation_process: EvaluationProcess
    }
);

/// Evaluation mutations.
#[derive(Default)]
pub struct EvaluationMutation;

#[Object]
impl EvaluationMutation {
    /// Schedules an observation, a conference or a self-assessment on an open evaluation.
    /// PRINCIPAL (the evaluator of record, or at the evaluation's school) and ADMIN.
    async fn schedule_evaluation_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: ScheduleEvaluationEventInput,
    ) -> Result<ScheduleEvaluationEventPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let event = NewEvent {
                evaluation: id_of(&input.evaluation, "Evaluation", &["input", "evaluation"])?,
                kind: input.kind.into(),
                occurred_on: input.occurred_on.into(),
                section: input
                    .section
                    .as_ref()
                    .map(|id| id_of(id, "Section", &["input", "section"]))
                    .transpose()?,
            };
            service::schedule_event(&request.db, &request.viewer, event, input.idempotency_key.as_deref()).await
        }
        .await;
        ScheduleEvaluationEventPayload::settle(result.map(EvaluationEvent))
    }

    /// Records that a scheduled event took place. PRINCIPAL (the evaluator of record, or at
    /// the evaluation's school) and ADMIN.
    async fn complete_evaluation_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: CompleteEvaluationEventInput,
    ) -> Result<CompleteEvaluationEventPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let id = id_of(&input.id, "EvaluationEvent", &["input", "id"])?;
            let day = input.occurred_on.map(Into::into);
            service::complete_event(&request.db, &request.viewer, id, input.expected_version, day).await
        }
        .await;
        CompleteEvaluationEventPayload::settle(result.map(EvaluationEvent))
    }

    /// Rates rubric elements, with feedback, at a completed event: all in one transaction.
    /// Re-rating an element replaces its rating (the audit keeps the old one). PRINCIPAL (the
    /// evaluator of record, or at the evaluation's school) and ADMIN.
    async fn rate_elements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: RateElementsInput,
    ) -> Result<RateElementsPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let id = id_of(&input.event, "EvaluationEvent", &["input", "event"])?;
            let ratings = input
                .ratings
                .into_iter()
                .map(|r| Rating {
                    element: r.element,
                    rating: r.rating,
                    feedback: r.feedback,
                })
                .collect();
            service::rate_elements(&request.db, &request.viewer, id, input.expected_version, ratings).await
        }
        .await;
        RateElementsPayload::settle(result.map(|(event, ratings)| RatedEvent {
            evaluation_event: EvaluationEvent(event),
            element_ratings: ratings.into_iter().map(ElementRating).collect(),
        }))
    }

    /// Moves an evaluation on: IN_PROGRESS, COMPLETE with its final rating, or WITHDRAWN with
    /// a reason (DESIGN.md §3: the multiple-measures and SFS figures count it at once).
    /// PRINCIPAL (the evaluator of record, or at the evaluation's school) and ADMIN.
    async fn update_evaluation_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: UpdateEvaluationStatusInput,
    ) -> Result<UpdateEvaluationStatusPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let id = id_of(&input.id, "Evaluation", &["input", "id"])?;
            let change = StatusChange {
                status: Some(input.status.into()),
                final_rating: None,
                completed_on: input.completed_on.map(Into::into),
                reason: input.reason,
            };
            service::update_status(
                &request.db,
                &request.viewer,
                id,
                input.expected_version,
                change,
                input.final_rating,
            )
            .await
        }
        .await;
        UpdateEvaluationStatusPayload::settle(result.map(Evaluation))
    }

    /// Creates the cycle of an evaluation process for a school year: evaluations can then be
    /// rostered in it (and, for a multiple-measures process, it counts toward
    /// MULTIPLE_MEASURES at once). ADMIN.
    async fn create_evaluation_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: CreateEvaluationCycleInput,
    ) -> Result<CreateEvaluationCyclePayload> {
        let request = RequestContext::of(ctx).extend()?;
        let new = NewCycle {
            process: input.process,
            school_year: input.school_year,
            roster_cutoff: input.roster_cutoff.into(),
            final_due_date: input.final_due_date.into(),
        };
        let result = service::create_cycle(&request.db, &request.viewer, new, input.idempotency_key.as_deref()).await;
        CreateEvaluationCyclePayload::settle(result.map(EvaluationCycle))
    }

    /// Moves a cycle's roster cutoff or final due date. ADMIN.
    async fn update_evaluation_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: UpdateEvaluationCycleInput,
    ) -> Result<UpdateEvaluationCyclePayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let id = id_of(&input.id, "EvaluationCycle", &["input", "id"])?;
            let days = (
                input.roster_cutoff.map(Into::into),
                input.final_due_date.map(Into::into),
            );
            service::update_cycle(
                &request.db,
                &request.viewer,
                (id, input.expected_version),
                days.0,
                days.1,
            )
            .await
        }
        .await;
        UpdateEvaluationCyclePayload::settle(result.map(EvaluationCycle))
    }

    /// Sets which employee groups an evaluation process serves (district data, also loaded by
    /// `evaluation_process_groups.csv`); MULTIPLE_MEASURES follows at once. ADMIN.
    async fn set_evaluation_process_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: SetEvaluationProcessGroupsInput,
    ) -> Result<SetEvaluationProcessGroupsPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let id = id_of(&input.id, "EvaluationProcess", &["input", "id"])?;
            let at = (id, input.expected_version);
            service::set_process_groups(&request.db, &request.viewer, at, &input.employee_groups).await
        }
        .await;
        SetEvaluationProcessGroupsPayload::settle(result.map(EvaluationProcess))
    }
}
