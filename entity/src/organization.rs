//! `organization`: An education organization (Ed-Fi EducationOrganization): the district, a region, a school or an office.

use crate::enums::OrganizationKind;
use sea_orm::entity::prelude::*;

/// An education organization (Ed-Fi EducationOrganization): the district, a region, a school or an office.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Natural key, e.g. `SCH-0101`; what imports use.
    pub code: String,
    /// Display name.
    pub name: String,
    /// DISTRICT, REGION, SCHOOL or OFFICE.
    pub kind: OrganizationKind,
    /// The organization above this one; none for the district.
    pub parent_id: Option<i32>,
    /// SENI equity tier of a school, when it has one.
    pub equity_tier: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
