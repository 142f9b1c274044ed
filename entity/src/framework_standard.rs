//! `framework_standard`: A standard of a framework, e.g. TLF standard 3 "Delivery of Instruction".

use sea_orm::entity::prelude::*;

/// A standard of a framework, e.g. TLF standard 3 "Delivery of Instruction".
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "framework_standard")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The framework.
    pub framework_id: i32,
    /// Code within the framework, e.g. `3`.
    pub code: String,
    /// Title.
    pub title: String,
    /// Position in the rubric.
    pub sort_order: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::framework::Entity",
        from = "Column::FrameworkId",
        to = "super::framework::Column::Id",
        on_delete = "Cascade"
    )]
    Framework,
}

impl Related<super::framework::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Framework.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
