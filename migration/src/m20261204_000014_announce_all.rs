//! PostgreSQL: the change notifications of migration 000012 told "data other than
//! administrations" (`*`) and "anything, administrations included" apart badly: a TRUNCATE of
//! survey administrations, and a statement changing the administrations of more schools than a
//! payload holds, notified `*`, so the administrations' subscribers did not read again. They
//! now notify `all`, which every subscriber takes for a change of anything.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// Migration 000012's function but for TRUNCATE, which a table's own announcement covers now.
const MARK_AND_ANNOUNCE: &str = "CREATE OR REPLACE FUNCTION staffgraph_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN INSERT INTO data_change (txid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING; \
     IF TG_TABLE_NAME <> 'survey_administration' THEN \
       PERFORM pg_notify('staffgraph_change', '*'); \
     ELSIF TG_OP = 'TRUNCATE' THEN \
       PERFORM pg_notify('staffgraph_change', 'all'); \
     END IF; \
     RETURN NULL; END $$";

/// Migration 000012's, as it was.
const MARK_AND_ANNOUNCE_BEFORE: &str = "CREATE OR REPLACE FUNCTION staffgraph_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN INSERT INTO data_change (txid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING; \
     IF TG_TABLE_NAME <> 'survey_administration' OR TG_OP = 'TRUNCATE' THEN \
       PERFORM pg_notify('staffgraph_change', '*'); \
     END IF; \
     RETURN NULL; END $$";

/// The schools of a statement's administrations, or `all` past what a payload holds.
const ANNOUNCE_SCHOOLS: &str = "CREATE OR REPLACE FUNCTION staffgraph_administrations_changed() RETURNS trigger \
     LANGUAGE plpgsql AS $$ \
     DECLARE schools TEXT; \
     BEGIN \
       SELECT string_agg(DISTINCT CAST(s.school_id AS TEXT), ',') INTO schools \
         FROM changed c JOIN section s ON s.id = c.section_id; \
       IF schools IS NOT NULL THEN \
         PERFORM pg_notify('staffgraph_change', CASE WHEN length(schools) > 7000 THEN 'all' ELSE schools END); \
       END IF; \
       RETURN NULL; \
     END $$";

/// Migration 000012's, as it was.
const ANNOUNCE_SCHOOLS_BEFORE: &str = "CREATE OR REPLACE FUNCTION staffgraph_administrations_changed() RETURNS trigger \
     LANGUAGE plpgsql AS $$ \
     DECLARE schools TEXT; \
     BEGIN \
       SELECT string_agg(DISTINCT CAST(s.school_id AS TEXT), ',') INTO schools \
         FROM changed c JOIN section s ON s.id = c.section_id; \
       IF schools IS NOT NULL THEN \
         PERFORM pg_notify('staffgraph_change', CASE WHEN length(schools) > 7000 THEN '*' ELSE schools END); \
       END IF; \
       RETURN NULL; \
     END $$";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(MARK_AND_ANNOUNCE).await?;
        db.execute_unprepared(ANNOUNCE_SCHOOLS).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(MARK_AND_ANNOUNCE_BEFORE).await?;
        db.execute_unprepared(ANNOUNCE_SCHOOLS_BEFORE).await?;
        Ok(())
    }
}
