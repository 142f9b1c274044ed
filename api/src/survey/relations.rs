//! The to-many relations of the survey area, named by key.

use super::types::AdministrationFilter;
use crate::children_by;
use crate::sql::ids_where;
use entity::{organization, section, survey, survey_administration};
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

children_by! {
    /// A survey's questions.
    QuestionsBySurveyId: survey_question.survey_id
}

/// Applies an [`AdministrationFilter`] to a select of administrations (sub-selects on
/// natural keys, so each administration appears once).
pub fn filter_administrations(select: &mut SelectStatement, filter: &AdministrationFilter) {
    let column = |c: survey_administration::Column| Expr::col((survey_administration::Entity, c));
    if let Some(code) = &filter.survey {
        select.and_where(
            column(survey_administration::Column::SurveyId).in_subquery(ids_where(survey::Column::Code, code.as_str())),
        );
    }
    if let Some(code) = &filter.school {
        let sections = section::Entity::find()
            .select_only()
            .column(section::Column::Id)
            .filter(section::Column::SchoolId.in_subquery(ids_where(organization::Column::Code, code.as_str())))
            .into_query();
        select.and_where(column(survey_administration::Column::SectionId).in_subquery(sections));
    }
    if let Some(status) = filter.status {
        let status: entity::enums::AdministrationStatus = status.into();
        select.and_where(column(survey_administration::Column::Status).eq(status));
    }
}

fn administrations(filter: &AdministrationFilter) -> SelectStatement {
    let mut select = survey_administration::Entity::find().into_query();
    filter_administrations(&mut select, filter);
    select
}

children_by! {
    /// A survey's administrations.
    AdministrationsBySurveyId: survey_administration.survey_id, AdministrationFilter => administrations
}

children_by! {
    /// The administrations in a section.
    AdministrationsBySectionId: survey_administration.section_id, AdministrationFilter => administrations
}

children_by! {
    /// The administrations in a teacher's classrooms.
    AdministrationsByTeacherId: survey_administration.teacher_id, AdministrationFilter => administrations
}
