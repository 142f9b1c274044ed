//! `framework`: An evaluation framework (TLF, SLF, PSLF, CPF, SCF).

use sea_orm::entity::prelude::*;

/// An evaluation framework (TLF, SLF, PSLF, CPF, SCF).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "framework")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Natural key.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Version of the rubric.
    pub version: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
