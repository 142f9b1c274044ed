//! PostgreSQL: a write that kept the measure counts itself (`api/src/measures/maintained.rs`,
//! `keep`) no longer deletes its transaction from `data_change`: it records there which build
//! of the counts it kept them for (`kept_for`, that build's snapshot). The counts are current
//! while every change their build did not see was kept for that very build. Deleting the row
//! lost a write when a rebuild whose snapshot predated it committed after it (the first build,
//! above all: a write that found no counts kept nothing, yet marked itself seen), and the counts
//! then went without it until the next rebuild.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE data_change ADD COLUMN kept_for TEXT NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE data_change DROP COLUMN kept_for")
            .await?;
        Ok(())
    }
}
