//! Mutations of the training area: HR records training completions (issue 15).

use super::service::{self, CompletionInput, CourseChange, NewCourse};
use super::types::{CourseCategory, TrainingCompletion, TrainingCourse, TrainingRequirement};
use crate::graphql::RequestContext;
use crate::graphql::payload::id_of;
use crate::graphql::scalars::Date;
use crate::payload;
use async_graphql::{Context, ID, InputObject, Object, Result, ResultExt};

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

/// What `createTrainingCourse` creates.
#[derive(InputObject)]
pub struct CreateTrainingCourseInput {
    /// Natural key, 1 to 32 characters (surrounding spaces are dropped), e.g. `PM-101`.
    pub code: String,
    /// Title, 1 to 200 characters.
    pub title: String,
    /// What it is about: PERFORMANCE_MANAGEMENT counts toward SUPERVISOR_TRAINING, WELLNESS
    /// toward WELLNESS_PD.
    pub category: CourseCategory,
    /// Length in hours: more than 0, at most 1,000.
    pub hours: f64,
    /// A key of the client's choosing (1 to 255 characters): a retry with the same key and
    /// input answers with the first run's result and writes nothing new.
    pub idempotency_key: Option<String>,
}

payload!(
    /// The course as created.
    CreateTrainingCoursePayload {
        training_course: TrainingCourse
    }
);

/// What `updateTrainingCourse` changes; a field left out stays as it is.
#[derive(InputObject)]
pub struct UpdateTrainingCourseInput {
    /// The course's global id.
    pub id: ID,
    /// The `version` the client read; the write is refused (CONFLICT, with the current version)
    /// if someone has saved it since.
    pub expected_version: i32,
    /// Title, 1 to 200 characters.
    pub title: Option<String>,
    /// What it is about; its completions move between the measures with it.
    pub category: Option<CourseCategory>,
    /// Length in hours: more than 0, at most 1,000.
    pub hours: Option<f64>,
}

payload!(
    /// The course as changed.
    UpdateTrainingCoursePayload {
        training_course: TrainingCourse
    }
);

/// What `updateTrainingRequirement` changes; a field left out stays as it is.
#[derive(InputObject)]
pub struct UpdateTrainingRequirementInput {
    /// The requirement's global id.
    pub id: ID,
    /// The `version` the client read; the write is refused (CONFLICT, with the current version)
    /// if someone has saved it since.
    pub expected_version: i32,
    /// Days from the start to the due date: 1 to 730.
    pub window_days: Option<i32>,
    /// How many days before the start a completion still counts: 0 to 1,095.
    pub prior_valid_days: Option<i32>,
}

payload!(
    /// The requirement as changed.
    UpdateTrainingRequirementPayload {
        training_requirement: TrainingRequirement
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

    /// Creates a training course. ADMIN.
    async fn create_training_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: CreateTrainingCourseInput,
    ) -> Result<CreateTrainingCoursePayload> {
        let request = RequestContext::of(ctx).extend()?;
        let new = NewCourse {
            code: input.code,
            title: input.title,
            category: input.category.into(),
            hours: input.hours,
        };
        let result = service::create_course(&request.db, &request.viewer, new, input.idempotency_key.as_deref()).await;
        CreateTrainingCoursePayload::settle(result.map(TrainingCourse))
    }

    /// Changes a training course's title, category or length. ADMIN.
    async fn update_training_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: UpdateTrainingCourseInput,
    ) -> Result<UpdateTrainingCoursePayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let id = id_of(&input.id, "TrainingCourse", &["input", "id"])?;
            let change = CourseChange {
                title: input.title,
                category: input.category.map(Into::into),
                hours: input.hours,
            };
            service::update_course(&request.db, &request.viewer, (id, input.expected_version), change).await
        }
        .await;
        UpdateTrainingCoursePayload::settle(result.map(TrainingCourse))
    }

    /// Changes a training requirement's windows (the days to complete it, and how long before
    /// the start a completion counts); SUPERVISOR_TRAINING follows at once. ADMIN.
    async fn update_training_requirement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: UpdateTrainingRequirementInput,
    ) -> Result<UpdateTrainingRequirementPayload> {
        let request = RequestContext::of(ctx).extend()?;
        let result = async {
            let id = id_of(&input.id, "TrainingRequirement", &["input", "id"])?;
            let at = (id, input.expected_version);
            service::update_requirement(
                &request.db,
                &request.viewer,
                at,
                input.window_days,
                input.prior_valid_days,
            )
            .await
        }
        .await;
        UpdateTrainingRequirementPayload::settle(result.map(TrainingRequirement))
    }
}
