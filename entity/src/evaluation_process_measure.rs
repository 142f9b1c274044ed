//! `evaluation_process_measure`: A measure kind an evaluation process uses; two or more make it multiple-measures.

use crate::enums::MeasureKind;
use sea_orm::entity::prelude::*;

/// A measure kind an evaluation process uses; two or more make it multiple-measures.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_process_measure")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The process.
    pub process_id: i32,
    /// The measure kind.
    pub measure: MeasureKind,
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
}

impl Related<super::evaluation_process::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Process.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
