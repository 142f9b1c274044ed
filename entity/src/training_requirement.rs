//! `training_requirement`: A training requirement: who must complete which category, and when.

use crate::enums::{CourseCategory, RequirementTrigger};
use sea_orm::entity::prelude::*;

/// A training requirement: who must complete which category, and when.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "training_requirement")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The course category that satisfies it.
    pub category: CourseCategory,
    /// What triggers it (SUPERVISORY_ENTRY).
    pub applies_to: RequirementTrigger,
    /// Days after the trigger by which it is due.
    pub window_days: i32,
    /// Days before the trigger a completion still counts.
    pub prior_valid_days: i32,
    /// Optimistic-concurrency version, incremented on every write.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
