//! The to-many relations of the framework area, named by key. Rubric rows come in rubric
//! order because their ids follow the reference data's order.

use crate::auth::Viewer;
use crate::children_by;
use crate::graphql::loader::ChildRelation;
use entity::enums::RatingScale;
use entity::rating_level;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait};

children_by! {
    /// A framework's standards.
    StandardsByFrameworkId: framework_standard.framework_id
}

children_by! {
    /// A standard's components.
    ComponentsByStandardId: framework_component.standard_id
}

children_by! {
    /// A component's elements.
    ElementsByComponentId: framework_element.component_id
}

/// A framework's rating levels, optionally of one scale.
pub struct LevelsByFrameworkId;

impl ChildRelation for LevelsByFrameworkId {
    type Entity = rating_level::Entity;
    type Filter = Option<RatingScale>;
    const PARENT: (&'static str, &'static str) = ("rating_level", "framework_id");

    fn select(scale: &Self::Filter, _: &Viewer, _: DbBackend) -> SelectStatement {
        let mut select = rating_level::Entity::find();
        if let Some(scale) = scale {
            select = select.filter(rating_level::Column::Scale.eq(*scale));
        }
        select.into_query()
    }
}
