//! `framework_element`: An element of a component, the unit that is rated, e.g. `3b2`.

use sea_orm::entity::prelude::*;

/// An element of a component, the unit that is rated, e.g. `3b2`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "framework_element")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The component.
    pub component_id: i32,
    /// Code, e.g. `3b2`.
    pub code: String,
    /// Title.
    pub title: String,
    /// Position in the rubric.
    pub sort_order: i32,
    /// A focus element of the framework.
    pub focus: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::framework_component::Entity",
        from = "Column::ComponentId",
        to = "super::framework_component::Column::Id",
        on_delete = "Cascade"
    )]
    Component,
}

impl Related<super::framework_component::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Component.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
