//! `survey`: A survey of a school year (Ed-Fi Survey).

use crate::enums::SurveyKind;
use sea_orm::entity::prelude::*;

/// A survey of a school year (Ed-Fi Survey).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "survey")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Natural key.
    pub code: String,
    /// Title.
    pub title: String,
    /// STAKEHOLDER_FEEDBACK, SCHOOL_EXPERIENCE or OTHER.
    pub kind: SurveyKind,
    /// Ending year.
    pub school_year: i32,
    /// First day it may be given.
    pub window_start: Date,
    /// Last day it may be given.
    pub window_end: Date,
    /// Fewest respondents a result may be reported for (DESIGN.md §4).
    pub min_report_n: i32,
    /// Results are confidential aggregates.
    pub confidential: bool,
    /// Optimistic-concurrency version, incremented on every write.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
