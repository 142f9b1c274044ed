//! The to-many relations of the training area, named by key.

use super::types::CompletionFilter;
use crate::children_by;
use entity::{training_completion, training_course};
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

/// Applies a [`CompletionFilter`] to a select of completions.
pub fn filter_completions(select: &mut SelectStatement, filter: &CompletionFilter) {
    let column = |c: training_completion::Column| Expr::col((training_completion::Entity, c));
    if let Some(category) = filter.category {
        let courses = training_course::Entity::find()
            .select_only()
            .column(training_course::Column::Id)
            .filter(training_course::Column::Category.eq(entity::enums::CourseCategory::from(category)))
            .into_query();
        select.and_where(column(training_completion::Column::CourseId).in_subquery(courses));
    }
    if let Some(from) = filter.from {
        select.and_where(column(training_completion::Column::CompletedOn).gte(from.0));
    }
    if let Some(to) = filter.to {
        select.and_where(column(training_completion::Column::CompletedOn).lte(to.0));
    }
}

fn completions(filter: &CompletionFilter) -> SelectStatement {
    let mut select = training_completion::Entity::find().into_query();
    filter_completions(&mut select, filter);
    select
}

children_by! {
    /// A person's completions.
    CompletionsByStaffId: training_completion.staff_id, CompletionFilter => completions
}

children_by! {
    /// A course's completions.
    CompletionsByCourseId: training_completion.course_id, CompletionFilter => completions
}
