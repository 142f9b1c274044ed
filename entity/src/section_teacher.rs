//! `section_teacher`: A staff member teaching a section (Ed-Fi StaffSectionAssociation).

use crate::enums::SectionRole;
use sea_orm::entity::prelude::*;

/// A staff member teaching a section (Ed-Fi StaffSectionAssociation).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "section_teacher")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The section.
    pub section_id: i32,
    /// The teacher.
    pub staff_id: i32,
    /// TEACHER_OF_RECORD, CO_TEACHER or SUPPORT.
    pub role: SectionRole,
    /// First day teaching it.
    pub begin_date: Option<Date>,
    /// Last day teaching it.
    pub end_date: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::section::Entity",
        from = "Column::SectionId",
        to = "super::section::Column::Id",
        on_delete = "Cascade"
    )]
    Section,
    #[sea_orm(
        belongs_to = "super::staff::Entity",
        from = "Column::StaffId",
        to = "super::staff::Column::Id",
        on_delete = "Restrict"
    )]
    Staff,
}

impl Related<super::section::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Section.def()
    }
}

impl Related<super::staff::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Staff.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
