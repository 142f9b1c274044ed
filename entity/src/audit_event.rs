//! `audit_event`: An append-only record of a write or an import. Nothing updates or deletes these rows.

use sea_orm::entity::prelude::*;

/// An append-only record of a write or an import. Nothing updates or deletes these rows.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// When.
    pub occurred_at: DateTimeUtc,
    /// Who (the token subject, or the OS user on the command line).
    pub actor_subject: String,
    /// The actor's role.
    pub actor_role: String,
    /// What was done, e.g. `IMPORT`, `SEED`.
    pub action: String,
    /// The table or file kind affected.
    pub entity: String,
    /// The row affected, when one.
    pub entity_id: Option<String>,
    /// The row id of the record (with `entity`, what an object's history reads).
    pub row_id: Option<i32>,
    /// The row before, as JSON.
    pub before: Option<Json>,
    /// The row after, or a summary, as JSON.
    pub after: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
