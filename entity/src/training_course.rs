//! `training_course`: A training course (Ed-Fi ProfessionalDevelopmentEvent).

use crate::enums::CourseCategory;
use sea_orm::entity::prelude::*;

/// A training course (Ed-Fi ProfessionalDevelopmentEvent).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "training_course")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Natural key.
    pub code: String,
    /// Title.
    pub title: String,
    /// PERFORMANCE_MANAGEMENT, WELLNESS, EVALUATOR_CERTIFICATION or OTHER.
    pub category: CourseCategory,
    /// Length in hours.
    pub hours: f64,
    /// Optimistic-concurrency version, incremented on every write.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
