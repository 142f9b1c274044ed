//! `training_completion`: A completed course (Ed-Fi ProfessionalDevelopmentEventAttendance).

use sea_orm::entity::prelude::*;

/// A completed course (Ed-Fi ProfessionalDevelopmentEventAttendance).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "training_completion")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Who completed it.
    pub staff_id: i32,
    /// The course.
    pub course_id: i32,
    /// When.
    pub completed_on: Date,
    /// The system that reported it, e.g. `LMS`.
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::staff::Entity",
        from = "Column::StaffId",
        to = "super::staff::Column::Id",
        on_delete = "Restrict"
    )]
    Staff,
    #[sea_orm(
        belongs_to = "super::training_course::Entity",
        from = "Column::CourseId",
        to = "super::training_course::Column::Id",
        on_delete = "Restrict"
    )]
    Course,
}

impl Related<super::staff::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Staff.def()
    }
}

impl Related<super::training_course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
