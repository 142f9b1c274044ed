//! `staff`: A district employee (Ed-Fi Staff).

use sea_orm::entity::prelude::*;

/// A district employee (Ed-Fi Staff).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Natural key from the HR system.
    pub employee_number: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// District email address.
    pub email: Option<String>,
    /// The employee group the person belongs to.
    pub employee_group_id: i32,
    /// First day of employment.
    pub hire_date: Date,
    /// Currently employed.
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::employee_group::Entity",
        from = "Column::EmployeeGroupId",
        to = "super::employee_group::Column::Id",
        on_delete = "Restrict"
    )]
    EmployeeGroup,
}

impl Related<super::employee_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EmployeeGroup.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
