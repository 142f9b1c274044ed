//! `framework_component`: A component of a standard, e.g. `3b`.

use sea_orm::entity::prelude::*;

/// A component of a standard, e.g. `3b`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "framework_component")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The standard.
    pub standard_id: i32,
    /// Code, e.g. `3b`.
    pub code: String,
    /// Title.
    pub title: String,
    /// Position in the rubric.
    pub sort_order: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::framework_standard::Entity",
        from = "Column::StandardId",
        to = "super::framework_standard::Column::Id",
        on_delete = "Cascade"
    )]
    Standard,
}

impl Related<super::framework_standard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Standard.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
