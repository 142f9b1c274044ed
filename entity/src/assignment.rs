//! `assignment`: A position held at an organization (Ed-Fi StaffEducationOrganizationAssignmentAssociation).

use sea_orm::entity::prelude::*;

/// A position held at an organization (Ed-Fi StaffEducationOrganizationAssignmentAssociation).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assignment")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Who holds the position.
    pub staff_id: i32,
    /// Where.
    pub organization_id: i32,
    /// Job title.
    pub job_title: String,
    /// HR job classification code.
    pub job_class_code: String,
    /// Supervises other employees.
    pub supervisory: bool,
    /// A management position.
    pub management: bool,
    /// First day in the position.
    pub begin_date: Date,
    /// Last day, when it has ended.
    pub end_date: Option<Date>,
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
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    Organization,
}

impl Related<super::staff::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Staff.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
