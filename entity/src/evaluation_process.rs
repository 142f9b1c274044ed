//! `evaluation_process`: An evaluation process (EDST, EDSNCT, EDSC, EDSSL, PSL, CPM, STULL).

use sea_orm::entity::prelude::*;

/// An evaluation process (EDST, EDSNCT, EDSC, EDSSL, PSL, CPM, STULL).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "evaluation_process")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Natural key.
    pub code: String,
    /// Display name.
    pub name: String,
    /// The framework it rates against.
    pub framework_id: i32,
    /// Whether its evaluatees must give the Stakeholder Feedback Survey.
    pub requires_sfs: bool,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::framework::Entity",
        from = "Column::FrameworkId",
        to = "super::framework::Column::Id",
        on_delete = "Restrict"
    )]
    Framework,
}

impl Related<super::framework::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Framework.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
