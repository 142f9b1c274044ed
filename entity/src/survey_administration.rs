//! `survey_administration`: The Stakeholder Feedback Survey given (or not) in one section by one teacher: the unit the 75% target counts.

use crate::enums::AdministrationStatus;
use sea_orm::entity::prelude::*;

/// The Stakeholder Feedback Survey given (or not) in one section by one teacher: the unit the 75% target counts.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "survey_administration")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The survey.
    pub survey_id: i32,
    /// The section.
    pub section_id: i32,
    /// The teacher.
    pub teacher_id: i32,
    /// PLANNED, OPEN, ADMINISTERED or CANCELLED.
    pub status: AdministrationStatus,
    /// Day it was given.
    pub administered_on: Option<Date>,
    /// Students enrolled when it was given.
    pub enrolled_count: i32,
    /// Responses received.
    pub response_count: i32,
    /// Optimistic-concurrency version, incremented on every write.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::survey::Entity",
        from = "Column::SurveyId",
        to = "super::survey::Column::Id",
        on_delete = "Restrict"
    )]
    Survey,
    #[sea_orm(
        belongs_to = "super::section::Entity",
        from = "Column::SectionId",
        to = "super::section::Column::Id",
        on_delete = "Restrict"
    )]
    Section,
    #[sea_orm(
        belongs_to = "super::staff::Entity",
        from = "Column::TeacherId",
        to = "super::staff::Column::Id",
        on_delete = "Restrict"
    )]
    Teacher,
}

impl Related<super::survey::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Survey.def()
    }
}

impl Related<super::section::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Section.def()
    }
}

impl Related<super::staff::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Teacher.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
