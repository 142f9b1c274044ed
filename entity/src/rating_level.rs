//! `rating_level`: A rating level of a framework on the element or overall scale.

use crate::enums::RatingScale;
use sea_orm::entity::prelude::*;

/// A rating level of a framework on the element or overall scale.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rating_level")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The framework.
    pub framework_id: i32,
    /// ELEMENT or OVERALL.
    pub scale: RatingScale,
    /// Order on the scale, 1 lowest.
    pub ordinal: i32,
    /// Label, e.g. `Effective`; what imports use.
    pub label: String,
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
