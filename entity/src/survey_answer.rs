//! `survey_answer`: One numeric answer of a response (Ed-Fi SurveyQuestionResponse).

use sea_orm::entity::prelude::*;

/// One numeric answer of a response (Ed-Fi SurveyQuestionResponse).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_answer")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The response.
    pub response_id: i32,
    /// The question.
    pub question_id: i32,
    /// The answer on the question's scale.
    pub value: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::survey_response::Entity",
        from = "Column::ResponseId",
        to = "super::survey_response::Column::Id",
        on_delete = "Cascade"
    )]
    Response,
    #[sea_orm(
        belongs_to = "super::survey_question::Entity",
        from = "Column::QuestionId",
        to = "super::survey_question::Column::Id",
        on_delete = "Cascade"
    )]
    Question,
}

impl Related<super::survey_response::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Response.def()
    }
}

impl Related<super::survey_question::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Question.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
