//! `section`: A class section of a school year (Ed-Fi Section). Only a count of students, never a roster.

use sea_orm::entity::prelude::*;

/// A class section of a school year (Ed-Fi Section). Only a count of students, never a roster.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "section")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The school that offers it.
    pub school_id: i32,
    /// Code unique within school and year.
    pub section_code: String,
    /// Ending year: 2026 is school year 2025-26.
    pub school_year: i32,
    /// Course title.
    pub course_name: String,
    /// Grade band, e.g. `K-5`.
    pub grade_band: Option<String>,
    /// Students enrolled.
    pub enrolled_count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::SchoolId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    School,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::School.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
