//! The to-many relations of the evaluation area, named by key.

use super::types::EvaluationFilter;
use crate::auth::{Viewer, Visibility};
use crate::children_by;
use crate::sql::ids_where;
use entity::{evaluation, evaluation_cycle, evaluation_process, organization, staff};
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

/// Applies an [`EvaluationFilter`] to a select of evaluations, with sub-selects on natural
/// keys (no joins, so each evaluation appears once). `evaluator` matches only staff `viewer`
/// may see: naming someone else's employee number counts nothing, as for a number that
/// names no one.
pub fn filter_evaluations(select: &mut SelectStatement, filter: &EvaluationFilter, viewer: &Viewer) {
    let column = |c: evaluation::Column| Expr::col((evaluation::Entity, c));
    if filter.school_year.is_some() || filter.process.is_some() {
        let mut cycles = evaluation_cycle::Entity::find()
            .select_only()
            .column(evaluation_cycle::Column::Id);
        if let Some(year) = filter.school_year {
            cycles = cycles.filter(evaluation_cycle::Column::SchoolYear.eq(year));
        }
        if let Some(code) = &filter.process {
            cycles = cycles.filter(
                evaluation_cycle::Column::ProcessId
                    .in_subquery(ids_where(evaluation_process::Column::Code, code.as_str())),
            );
        }
        select.and_where(column(evaluation::Column::CycleId).in_subquery(cycles.into_query()));
    }
    if let Some(status) = filter.status {
        let status: entity::enums::EvaluationStatus = status.into();
        select.and_where(column(evaluation::Column::Status).eq(status));
    }
    if let Some(code) = &filter.school {
        select.and_where(
            column(evaluation::Column::SchoolId).in_subquery(ids_where(organization::Column::Code, code.as_str())),
        );
    }
    if let Some(number) = &filter.evaluator {
        let mut evaluators = ids_where(staff::Column::EmployeeNumber, number.as_str());
        evaluators.cond_where(staff::Entity::visible_to(viewer));
        select.and_where(column(evaluation::Column::EvaluatorId).in_subquery(evaluators));
    }
}

fn evaluations(filter: &EvaluationFilter, viewer: &Viewer) -> SelectStatement {
    let mut select = evaluation::Entity::find().into_query();
    filter_evaluations(&mut select, filter, viewer);
    select
}

children_by! {
    /// Evaluations taking place at an organization.
    EvaluationsBySchoolId: evaluation.school_id, EvaluationFilter => evaluations, as viewer
}

children_by! {
    /// A staff member's own evaluations.
    EvaluationsByEvaluateeId: evaluation.evaluatee_id, EvaluationFilter => evaluations, as viewer
}

children_by! {
    /// An evaluation's events.
    EventsByEvaluationId: evaluation_event.evaluation_id
}

children_by! {
    /// An event's element ratings.
    RatingsByEventId: element_rating.event_id
}

children_by! {
    /// A process's measure kinds.
    MeasuresByProcessId: evaluation_process_measure.process_id
}

children_by! {
    /// A process's yearly cycles.
    CyclesByProcessId: evaluation_cycle.process_id
}

children_by! {
    /// The employee groups a process serves (the link rows).
    GroupsByProcessId: evaluation_process_group.process_id
}

children_by! {
    /// The evaluations of a cycle.
    EvaluationsByCycleId: evaluation.cycle_id, EvaluationFilter => evaluations, as viewer
}

children_by! {
    /// The evaluations a staff member conducts (as evaluator).
    EvaluationsByEvaluatorId: evaluation.evaluator_id, EvaluationFilter => evaluations, as viewer
}
