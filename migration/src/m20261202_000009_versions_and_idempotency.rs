//! What the writes of GraphQL mutations need (issue 15):
//! - a `version` on every row a mutation updates, for optimistic concurrency
//!   (`UPDATE … WHERE id = ? AND version = ?`; `evaluation` has had one from the start);
//! - `evaluation.withdrawn_reason`, why an evaluation was withdrawn;
//! - `idempotency_key`: the result of each create a client sent with an idempotency key, so
//!   that a retry returns it instead of writing again. Unique per subject and key.

use crate::spec::{TableSpec, create_all, drop_all};
use sea_orm_migration::{prelude::*, schema::*};

/// The tables that get a `version`.
const VERSIONED: [&str; 6] = [
    "survey_administration",
    "evaluation_event",
    "survey",
    "evaluation_cycle",
    "training_course",
    "training_requirement",
];

fn tables() -> Vec<TableSpec> {
    vec![
        TableSpec::new("idempotency_key")
            .col(string("actor_subject"))
            .col(string_len("key", 255))
            .col(string_len("operation", 64))
            .col(string_len("request_hash", 64))
            .col(text("result"))
            .col(timestamp_with_time_zone("created_at"))
            .unique(&["actor_subject", "key"]),
    ]
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in VERSIONED {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(integer("version").default(1))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("evaluation")
                    .add_column(text_null("withdrawn_reason"))
                    .to_owned(),
            )
            .await?;
        create_all(manager, &tables()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, &tables()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("evaluation")
                    .drop_column("withdrawn_reason")
                    .to_owned(),
            )
            .await?;
        for table in VERSIONED {
            manager
                .alter_table(Table::alter().table(table).drop_column("version").to_owned())
                .await?;
        }
        Ok(())
    }
}
