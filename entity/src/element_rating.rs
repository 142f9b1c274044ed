//! `element_rating`: The rating of one element at an event (Ed-Fi EvaluationElementRating).

use sea_orm::entity::prelude::*;

/// The rating of one element at an event (Ed-Fi EvaluationElementRating).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "element_rating")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The event.
    pub event_id: i32,
    /// The rubric element.
    pub element_id: i32,
    /// The (element-scale) rating level.
    pub rating_level_id: i32,
    /// The evaluator's written feedback.
    #[sea_orm(column_type = "Text")]
    pub feedback: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::evaluation_event::Entity",
        from = "Column::EventId",
        to = "super::evaluation_event::Column::Id",
        on_delete = "Cascade"
    )]
    Event,
    #[sea_orm(
        belongs_to = "super::framework_element::Entity",
        from = "Column::ElementId",
        to = "super::framework_element::Column::Id",
        on_delete = "Restrict"
    )]
    Element,
    #[sea_orm(
        belongs_to = "super::rating_level::Entity",
        from = "Column::RatingLevelId",
        to = "super::rating_level::Column::Id",
        on_delete = "Restrict"
    )]
    RatingLevel,
}

impl Related<super::evaluation_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl Related<super::framework_element::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Element.def()
    }
}

impl Related<super::rating_level::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RatingLevel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
