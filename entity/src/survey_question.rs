//! `survey_question`: A question of a survey (Ed-Fi SurveyQuestion).

use sea_orm::entity::prelude::*;

/// A question of a survey (Ed-Fi SurveyQuestion).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_question")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The survey.
    pub survey_id: i32,
    /// Code within the survey, e.g. `SUPPORTIVE_PLACE`.
    pub code: String,
    /// Question text.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// Lowest answer value.
    pub scale_min: i32,
    /// Highest answer value.
    pub scale_max: i32,
    /// Lowest favorable answer value.
    pub favorable_from: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::survey::Entity",
        from = "Column::SurveyId",
        to = "super::survey::Column::Id",
        on_delete = "Cascade"
    )]
    Survey,
}

impl Related<super::survey::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Survey.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
