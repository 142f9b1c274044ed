//! What ADMIN's reference writes and the readable audit need (issue 15):
//! - a `version` on `evaluation_process`: which employee groups a process serves is written by
//!   `setEvaluationProcessGroups`, under optimistic concurrency like every other reference
//!   row; the process's version counts the changes of its groups;
//! - `audit_event.row_id`: the row id of the record an audit row is about (its `entity_id` is
//!   the record's global id, which SQL cannot join on), indexed with the entity, so that an
//!   object's history is one indexed read and follows the object's own visibility. Rows
//!   written before this migration keep it empty (their global id still names the record).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const HISTORY_INDEX: &str = "ix_audit_event_entity_row_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("evaluation_process")
                    .add_column(integer("version").default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("audit_event")
                    .add_column(integer_null("row_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(HISTORY_INDEX)
                    .table("audit_event")
                    .col("entity")
                    .col("row_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(HISTORY_INDEX).table("audit_event").to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("audit_event").drop_column("row_id").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("evaluation_process")
                    .drop_column("version")
                    .to_owned(),
            )
            .await
    }
}
