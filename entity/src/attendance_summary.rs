//! `attendance_summary`: A staff member's attendance over a school year.

use sea_orm::entity::prelude::*;

/// A staff member's attendance over a school year.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attendance_summary")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The staff member.
    pub staff_id: i32,
    /// Ending year.
    pub school_year: i32,
    /// Work days expected.
    pub days_expected: f64,
    /// Days absent.
    pub days_absent: f64,
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
}

impl Related<super::staff::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Staff.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
