//! `ease_report`: An aggregate report from the EASE vendor. EASE is confidential counseling: there is never a per-employee row.

use crate::enums::ServiceType;
use sea_orm::entity::prelude::*;

/// An aggregate report from the EASE vendor. EASE is confidential counseling: there is never a per-employee row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ease_report")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// First day covered.
    pub period_start: Date,
    /// Last day covered.
    pub period_end: Date,
    /// The district or region reported on.
    pub organization_id: i32,
    /// ALL, COUNSELING, HOTLINE, TELEHEALTH or WORK_LIFE.
    pub service_type: ServiceType,
    /// Distinct employees who used the service.
    pub unique_employees: i32,
    /// Sessions delivered.
    pub sessions: i32,
    /// Employees eligible for the service.
    pub eligible_employees: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    Organization,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
