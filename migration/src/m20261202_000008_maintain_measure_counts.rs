//! The maintained measure counts (`api/src/measures/maintained.rs`): `measure_count`, for every
//! school year built, measure and organization, the distinct subjects of the organization's
//! subtree by the day they count from and the day they become a hit; `measure_build`, the years
//! built; `measure_state`, what the counts were built from. And what makes every write to a
//! table a measure reads mark them out of date, in the writing transaction itself, so that no
//! write path — an import, a mutation, a manual SQL fix — can forget to:
//! - PostgreSQL: a statement trigger on each such table records the writing transaction's id
//!   in `data_change` (an insert, so concurrent writers never wait on one another); counts are
//!   current while every committed transaction recorded there was visible to the snapshot they
//!   were built from;
//! - SQLite (one writer at a time): a row trigger bumps `data_version.version`; counts are
//!   current while it equals the version they were built from.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// The tables the counted measures read (`api/src/measures/definitions.rs`).
pub const SOURCES: [&str; 20] = [
    "organization",
    "employee_group",
    "staff",
    "assignment",
    "attendance_summary",
    "evaluation_process",
    "evaluation_process_group",
    "evaluation_process_measure",
    "evaluation_cycle",
    "evaluation",
    "section",
    "section_teacher",
    "survey",
    "survey_administration",
    "survey_question",
    "survey_response",
    "survey_answer",
    "training_course",
    "training_completion",
    "training_requirement",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        let bigint = if postgres { "BIGINT" } else { "INTEGER" };
        for sql in [
            format!(
                "CREATE TABLE measure_count (school_year INTEGER NOT NULL, measure VARCHAR(40) NOT NULL, \
                 organization_id INTEGER NOT NULL, counted_from DATE NOT NULL, hit_from DATE NULL, \
                 subjects {bigint} NOT NULL)"
            ),
            "CREATE INDEX ix_measure_count ON measure_count (school_year, measure, organization_id)".to_owned(),
            "CREATE TABLE measure_build (school_year INTEGER NOT NULL PRIMARY KEY)".to_owned(),
            format!(
                "CREATE TABLE measure_state (id INTEGER NOT NULL PRIMARY KEY, built_version {bigint} NULL, \
                 built_snapshot TEXT NULL, built_at TEXT NULL)"
            ),
            "INSERT INTO measure_state (id) VALUES (1)".to_owned(),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        if postgres {
            db.execute_unprepared("CREATE TABLE data_change (txid xid8 NOT NULL PRIMARY KEY)")
                .await?;
            db.execute_unprepared(
                "CREATE OR REPLACE FUNCTION staffgraph_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN INSERT INTO data_change (txid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING; \
                 RETURN NULL; END $$",
            )
            .await?;
            for table in SOURCES {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER \"{table}_changes_measures\" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
                     ON \"{table}\" FOR EACH STATEMENT EXECUTE FUNCTION staffgraph_data_changed()"
                ))
                .await?;
            }
        } else {
            db.execute_unprepared(
                "CREATE TABLE data_version (id INTEGER NOT NULL PRIMARY KEY, version INTEGER NOT NULL)",
            )
            .await?;
            db.execute_unprepared("INSERT INTO data_version (id, version) VALUES (1, 0)")
                .await?;
            for table in SOURCES {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER \"{table}_{}_changes_measures\" AFTER {event} ON \"{table}\" \
                         BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END",
                        event.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for table in SOURCES {
            if postgres {
                db.execute_unprepared(&format!("DROP TRIGGER \"{table}_changes_measures\" ON \"{table}\""))
                    .await?;
            } else {
                for event in ["insert", "update", "delete"] {
                    db.execute_unprepared(&format!("DROP TRIGGER \"{table}_{event}_changes_measures\""))
                        .await?;
                }
            }
        }
        if postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS staffgraph_data_changed()")
                .await?;
            db.execute_unprepared("DROP TABLE data_change").await?;
        } else {
            db.execute_unprepared("DROP TABLE data_version").await?;
        }
        for table in ["measure_state", "measure_build", "measure_count"] {
            db.execute_unprepared(&format!("DROP TABLE {table}")).await?;
        }
        Ok(())
    }
}
