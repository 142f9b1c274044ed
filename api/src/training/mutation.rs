//! Mutations of the training area: HR records training completions (issue 15).

use super::service::{self, CompletionInput};
use super::types::TrainingCompletion;
use crate::graphql::RequestContext;
use crate::graphql::scalars::Date;
use crate::payload;
use async_graphql::{Context, InputObject, Object, Result, ResultExt};

/// One completion of a training course.
#[derive(InputObject, Clone)]
pub struct TrainingCompletionInput {
    /// The employee number of who completed it.
    pub employee_number: String,
    /// The course's code.
    pub course_code: String,
    /// The day it was completed; not in the future.
    pub completed_on: Date,
    /// Where the record comes from (1 to 32 characters), e.g. the LMS's name; `STAFFGRAPH`
    /// when left out.
    pub source: Option<String>,
}

impl TrainingCompletionInput {
    fn parse(self, at: &[&str]) -> CompletionInput {
        CompletionInput {
            employee_number: self.employee_number,
            course_code: self.course_code,
            completed_on: self.completed_on.into(),
            source: self.source,
            at: at.iter().map(|part| (*part).to_owned()).collect(),
        }
    }
}

/// What `recordTrainingCompletion` records.
#[derive(InputObject)]
pub struct RecordTrainingCompletionInput {
    /// The completion.
    #[graphql(flatten)]
    pub completion: TrainingCompletionInput,
    /// A key of the client's choosing (1 to 255 characters): a retry with the same key and
    /// input answers with the first run's result and writes nothing new.
    pub idempotency_key: Option<String>,
}

/// What `recordTrainingCompletions` records.
#[derive(InputObject)]
pub struct RecordTrainingCompletionsInput {
    /// The completions, 1 to 500: recorded all together, or none when any is refused.
    pub completions: Vec<TrainingCompletionInput>,
    /// A key of the client's choosing (1 to 255 characters): a retry with the same key and
    /// input answers with the first run's result and writes nothing new.
    pub idempotency_key: Option<String>,
}

payload!(
    /// The completion as recorded.
    RecordTrainingCompletionPayload {
        training_completion: TrainingCompletion
    }
);

payload!(
    /// The completions as recorded.
    RecordTrainingCompletionsPayload {
        training_completions: Vec<TrainingCompletion>
    }
);

/// Training mutations.
#[derive(Default)]
pub struct TrainingMutation;

#[Object]
impl TrainingMutation {
    /// Records that a staff member completed a training course (DESIGN.md §3: a
    /// performance-management course completed in time counts toward SUPERVISOR_TRAINING at
    /// once). The same person, course and day cannot be recorded twice. HR and ADMIN.
    async fn record_training_completion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: RecordTrainingCompletionInput,
    ) -> Result<RecordTrainingCompletionPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let completion = input.completion.parse(&["input"]);
        let result = service::record_completions(
            &request.db,
            &request.viewer,
            vec![completion],
            "recordTrainingCompletion",
            input.idempotency_key.as_deref(),
        )
        .await;
        RecordTrainingCompletionPayload::settle(result.and_then(|rows| {
            rows.into_iter()
                .next()
                .map(TrainingCompletion)
                .ok_or_else(|| crate::error::ApiError::internal(anyhow::anyhow!("a recorded completion is missing")))
        }))
    }

    /// Records a batch of completions (a session's sign-in sheet), all or none: when any is
    /// refused, `userErrors` names each refused one by its place in `completions`, and nothing
    /// is recorded. HR and ADMIN.
    async fn record_training_completions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: RecordTrainingCompletionsInput,
    ) -> Result<RecordTrainingCompletionsPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let completions = input
            .completions
            .into_iter()
            .enumerate()
            .map(|(i, completion)| completion.parse(&["input", "completions", &i.to_string()]))
            .collect();
        let result = service::record_completions(
            &request.db,
            &request.viewer,
            completions,
            "recordTrainingCompletions",
            input.idempotency_key.as_deref(),
        )
        .await;
        RecordTrainingCompletionsPayload::settle(result.map(|rows| rows.into_iter().map(TrainingCompletion).collect()))
    }
}
