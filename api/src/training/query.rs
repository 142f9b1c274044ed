//! Queries of the training area.

use super::relations::filter_completions;
use super::types::{
    CompletionFilter, CompletionOrder, CourseCategory, TrainingCompletion, TrainingCourse, TrainingRequirement,
};
use crate::error::ApiError;
use crate::graphql::RequestContext;
use crate::graphql::loader::{by_key, list};
use crate::graphql::relay::Sort;
use crate::graphql::relay::{Page, PageArgs};
use crate::sql::ids_where;
use async_graphql::{Context, Object, Result, ResultExt};
use entity::{staff, training_completion, training_course, training_requirement};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait};

/// Training queries.
#[derive(Default)]
pub struct TrainingQuery;

#[Object]
impl TrainingQuery {
    /// Training courses, optionally of one category.
    async fn training_courses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only courses of this category.")] category: Option<CourseCategory>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<TrainingCourse>> {
        let mut select = training_course::Entity::find();
        if let Some(category) = category {
            select = select.filter(training_course::Column::Category.eq(entity::enums::CourseCategory::from(category)));
        }
        list::<training_course::Entity, _>(
            ctx,
            select.into_query(),
            PageArgs::new(first, after, last, before),
            Sort::BY_ID,
            TrainingCourse,
        )
        .await
    }

    /// The training course with this code, or null.
    async fn training_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Natural key.")] code: String,
    ) -> Result<Option<TrainingCourse>> {
        by_key::<training_course::Entity, _>(ctx, training_course::Column::Code, &code, TrainingCourse).await
    }

    /// The training requirements, e.g. new supervisors' performance-management course within
    /// 180 days.
    async fn training_requirements(&self, ctx: &Context<'_>) -> Result<Vec<TrainingRequirement>> {
        let request = RequestContext::of(ctx).extend()?;
        let rows = training_requirement::Entity::find()
            .order_by_asc(training_requirement::Column::Id)
            .all(&request.db)
            .await
            .map_err(ApiError::from)
            .extend()?;
        Ok(rows.into_iter().map(TrainingRequirement).collect())
    }

    /// Training completions across the district, filtered.
    async fn training_completions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only completions by the staff member with this employee number.")] employee_number: Option<
            String,
        >,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<CompletionFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<CompletionOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<TrainingCompletion>> {
        let mut select = training_completion::Entity::find().into_query();
        filter_completions(&mut select, &filter.unwrap_or_default());
        if let Some(number) = employee_number {
            select.and_where(
                Expr::col((training_completion::Entity, training_completion::Column::StaffId))
                    .in_subquery(ids_where(staff::Column::EmployeeNumber, number)),
            );
        }
        let sort = CompletionOrder::sort(order_by);
        list::<training_completion::Entity, _>(
            ctx,
            select,
            PageArgs::new(first, after, last, before),
            sort,
            TrainingCompletion,
        )
        .await
    }
}
