//! `plan_measure`: A strategic-plan measure of success (DESIGN.md §3), seeded by a migration.

use crate::enums::TargetComparator;
use sea_orm::entity::prelude::*;

/// A strategic-plan measure of success (DESIGN.md §3), seeded by a migration.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_measure")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Natural key, e.g. `SFS_COVERAGE`.
    pub code: String,
    /// Strategic-plan pillar.
    pub pillar: String,
    /// Priority, `5C` or `5D`.
    pub priority: String,
    /// Title.
    pub title: String,
    /// What it counts.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Target: a rate, or a multiple of the prior year for the year-over-year comparators.
    pub target_value: f64,
    /// How the rate is compared with the target.
    pub comparator: TargetComparator,
    /// Baseline rate, when published.
    pub baseline: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
