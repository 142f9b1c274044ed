//! `employee_group`: An employee group (bargaining unit / classification family).

use sea_orm::entity::prelude::*;

/// An employee group (bargaining unit / classification family).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "employee_group")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Natural key.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Certificated groups are the denominator of the multiple-measures target (DESIGN.md §3).
    pub certificated: bool,
    /// The bargaining unit that represents the group.
    pub bargaining_unit: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
