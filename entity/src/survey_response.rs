//! `survey_response`: An anonymous response (Ed-Fi SurveyResponse): no student or staff identity, only the administration (SFS) or the school (School Experience Survey).

use sea_orm::entity::prelude::*;

/// An anonymous response (Ed-Fi SurveyResponse): no student or staff identity, only the administration (SFS) or the school (School Experience Survey).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_response")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The survey.
    pub survey_id: i32,
    /// The vendor's response id, unique within the survey.
    pub response_key: String,
    /// The SFS administration it belongs to.
    pub administration_id: Option<i32>,
    /// The school, for school-level surveys.
    pub school_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::survey::Entity",
        from = "Column::SurveyId",
        to = "super::survey::Column::Id",
        on_delete = "Restrict"
    )]
    Survey,
    #[sea_orm(
        belongs_to = "super::survey_administration::Entity",
        from = "Column::AdministrationId",
        to = "super::survey_administration::Column::Id",
        on_delete = "Cascade"
    )]
    Administration,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::SchoolId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    School,
}

impl Related<super::survey::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Survey.def()
    }
}

impl Related<super::survey_administration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Administration.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::School.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
