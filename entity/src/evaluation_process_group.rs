//! `evaluation_process_group`: An employee group an evaluation process serves (district data, imported).

use sea_orm::entity::prelude::*;

/// An employee group an evaluation process serves (district data, imported).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_process_group")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The process.
    pub process_id: i32,
    /// The employee group.
    pub employee_group_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::evaluation_process::Entity",
        from = "Column::ProcessId",
        to = "super::evaluation_process::Column::Id",
        on_delete = "Cascade"
    )]
    Process,
    #[sea_orm(
        belongs_to = "super::employee_group::Entity",
        from = "Column::EmployeeGroupId",
        to = "super::employee_group::Column::Id",
        on_delete = "Cascade"
    )]
    EmployeeGroup,
}

impl Related<super::evaluation_process::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Process.def()
    }
}

impl Related<super::employee_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EmployeeGroup.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
