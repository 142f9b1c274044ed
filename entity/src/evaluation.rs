//! `evaluation`: One person's evaluation in a cycle (Ed-Fi PerformanceEvaluationRating).

use crate::enums::EvaluationStatus;
use sea_orm::entity::prelude::*;

/// One person's evaluation in a cycle (Ed-Fi PerformanceEvaluationRating).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "evaluation")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The cycle.
    pub cycle_id: i32,
    /// Who is evaluated.
    pub evaluatee_id: i32,
    /// Who evaluates, once assigned.
    pub evaluator_id: Option<i32>,
    /// Where the evaluation takes place.
    pub school_id: i32,
    /// ROSTERED, IN_PROGRESS, COMPLETE or WITHDRAWN.
    pub status: EvaluationStatus,
    /// Day the evaluatee was rostered.
    pub rostered_on: Date,
    /// The final (overall-scale) rating level, once complete.
    pub final_rating_id: Option<i32>,
    /// Day the evaluation was completed.
    pub completed_on: Option<Date>,
    /// Optimistic-concurrency version, incremented on every write.
    pub version: i32,
    /// Why it was withdrawn, when it was.
    #[sea_orm(column_type = "Text")]
    pub withdrawn_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::evaluation_cycle::Entity",
        from = "Column::CycleId",
        to = "super::evaluation_cycle::Column::Id",
        on_delete = "Restrict"
    )]
    Cycle,
    #[sea_orm(
        belongs_to = "super::staff::Entity",
        from = "Column::EvaluateeId",
        to = "super::staff::Column::Id",
        on_delete = "Restrict"
    )]
    Evaluatee,
    #[sea_orm(
        belongs_to = "super::staff::Entity",
        from = "Column::EvaluatorId",
        to = "super::staff::Column::Id",
        on_delete = "Restrict"
    )]
    Evaluator,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::SchoolId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    School,
    #[sea_orm(
        belongs_to = "super::rating_level::Entity",
        from = "Column::FinalRatingId",
        to = "super::rating_level::Column::Id",
        on_delete = "Restrict"
    )]
    FinalRating,
}

impl Related<super::evaluation_cycle::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Cycle.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::School.def()
    }
}

impl Related<super::rating_level::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FinalRating.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
