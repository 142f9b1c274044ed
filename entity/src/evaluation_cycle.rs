//! `evaluation_cycle`: One school year of an evaluation process (Ed-Fi PerformanceEvaluation).

use sea_orm::entity::prelude::*;

/// One school year of an evaluation process (Ed-Fi PerformanceEvaluation).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "evaluation_cycle")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The process.
    pub process_id: i32,
    /// Ending year.
    pub school_year: i32,
    /// Last day to roster an evaluatee.
    pub roster_cutoff: Date,
    /// Final evaluations are due.
    pub final_due_date: Date,
    /// Optimistic-concurrency version, incremented on every write.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::evaluation_process::Entity",
        from = "Column::ProcessId",
        to = "super::evaluation_process::Column::Id",
        on_delete = "Restrict"
    )]
    Process,
}

impl Related<super::evaluation_process::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Process.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
