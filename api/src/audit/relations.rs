//! An object's history: the audit rows about one record, by its row id.

use crate::children_by;

children_by! {
    /// The audit rows about one record (narrowed to one entity by the field that reads it).
    HistoryByRowId: audit_event.row_id, &'static str => history_of
}

/// The audit rows about records of `entity` (a GraphQL type name).
fn history_of(entity: &&'static str) -> sea_orm::sea_query::SelectStatement {
    use entity::audit_event;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
    audit_event::Entity::find()
        .filter(audit_event::Column::Entity.eq(*entity))
        .into_query()
}
