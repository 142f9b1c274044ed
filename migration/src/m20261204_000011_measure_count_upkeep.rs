//! Which rows of `measure_count` a write added while keeping the counts
//! (`api/src/measures/maintained.rs`, `Upkeep`): a write that changes a few people's rows adds
//! the difference it made to their subjects as rows of its own (`upkeep = 1`) instead of
//! updating the counts in place, so that it never waits on, nor breaks, a rebuild running
//! beside it. The partial index counts them cheaply: past a threshold the server folds them
//! into a rebuild.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE measure_count ADD COLUMN upkeep INTEGER NOT NULL DEFAULT 0")
            .await?;
        db.execute_unprepared("CREATE INDEX ix_measure_count_upkeep ON measure_count (upkeep) WHERE upkeep = 1")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX ix_measure_count_upkeep").await?;
        db.execute_unprepared("ALTER TABLE measure_count DROP COLUMN upkeep")
            .await?;
        Ok(())
    }
}
