//! `evaluation_event`: An observation, conference or self-assessment of an evaluation (Ed-Fi EvaluationRating).

use crate::enums::{EventKind, EventStatus};
use sea_orm::entity::prelude::*;

/// An observation, conference or self-assessment of an evaluation (Ed-Fi EvaluationRating).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "evaluation_event")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The evaluation.
    pub evaluation_id: i32,
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub occurred_on: Date,
    /// The section observed, for observations.
    pub section_id: Option<i32>,
    /// SCHEDULED, COMPLETE or CANCELLED.
    pub status: EventStatus,
    /// Optimistic-concurrency version, incremented on every write.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::evaluation::Entity",
        from = "Column::EvaluationId",
        to = "super::evaluation::Column::Id",
        on_delete = "Cascade"
    )]
    Evaluation,
    #[sea_orm(
        belongs_to = "super::section::Entity",
        from = "Column::SectionId",
        to = "super::section::Column::Id",
        on_delete = "Restrict"
    )]
    Section,
}

impl Related<super::evaluation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Evaluation.def()
    }
}

impl Related<super::section::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Section.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
