//! Change events for the subscriptions (`api/src/live`), PostgreSQL only: the statement
//! triggers of migration 000008 also `NOTIFY staffgraph_change` — delivered at commit, to every
//! session listening, on every API node — so that no write path can forget to announce. A
//! statement changing survey administrations notifies the ids of their schools
//! (comma-separated; `*` past what a payload holds); one changing any other measured table
//! notifies `*`. PostgreSQL folds equal notifications of a transaction into one. SQLite has no
//! NOTIFY: the server announces its own writes and polls `data_version` for other processes'.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// The function of migration 000008, as it was.
const MARK_ONLY: &str = "CREATE OR REPLACE FUNCTION staffgraph_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN INSERT INTO data_change (txid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING; \
     RETURN NULL; END $$";

/// Marks the counts out of date and, but for survey administrations (announced by school
/// below), announces a change of anything.
const MARK_AND_ANNOUNCE: &str = "CREATE OR REPLACE FUNCTION staffgraph_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN INSERT INTO data_change (txid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING; \
     IF TG_TABLE_NAME <> 'survey_administration' OR TG_OP = 'TRUNCATE' THEN \
       PERFORM pg_notify('staffgraph_change', '*'); \
     END IF; \
     RETURN NULL; END $$";

/// Announces the schools of the administrations a statement changed (its transition table).
const ANNOUNCE_SCHOOLS: &str = "CREATE OR REPLACE FUNCTION staffgraph_administrations_changed() RETURNS trigger \
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

/// The triggers on survey administrations: (name, event, transition table).
const TRIGGERS: [(&str, &str, &str); 3] = [
    ("survey_administration_insert_announces", "INSERT", "NEW"),
    ("survey_administration_update_announces", "UPDATE", "NEW"),
    ("survey_administration_delete_announces", "DELETE", "OLD"),
];

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
        for (name, event, table) in TRIGGERS {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {name} AFTER {event} ON survey_administration REFERENCING {table} TABLE AS changed \
                 FOR EACH STATEMENT EXECUTE FUNCTION staffgraph_administrations_changed()"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (name, _, _) in TRIGGERS {
            db.execute_unprepared(&format!("DROP TRIGGER {name} ON survey_administration"))
                .await?;
        }
        db.execute_unprepared("DROP FUNCTION staffgraph_administrations_changed()")
            .await?;
        db.execute_unprepared(MARK_ONLY).await?;
        Ok(())
    }
}
