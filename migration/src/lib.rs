//! staffgraph's database schema as sea-orm migrations, plus the reference data that ships with
//! the code (DESIGN.md §2: the five evaluation frameworks, the evaluation processes, the
//! training requirement and the strategic-plan measures).
//!
//! # Layout
//! - `spec`: a small table-spec helper so every table gets named foreign keys
//!   (`fk_<table>_<column>`), named unique constraints on its natural key (`uq_<table>_…`) and an
//!   index on every foreign key (`ix_<table>_…`), the same way on SQLite and PostgreSQL.
//! - `m20261123_000001_…` to `…_000005_…`: the tables, one migration per domain area.
//! - `m20261123_000006_load_reference_data`: loads the CSV files under `migration/data/`.
//! - `m20261201_000007_index_staff_names`: expression indexes for the staff name search.
//! - `m20261202_000008_maintain_measure_counts`: the maintained measure counts and the triggers
//!   that mark them out of date.
//! - `m20261202_000009_versions_and_idempotency`: row versions and idempotency keys for the
//!   mutations.
//! - `m20261202_000010_process_versions_and_audit_rows`: a version on evaluation processes
//!   (ADMIN sets their employee groups), and the row id of the record an audit row is about
//!   (an object's history).
//! - `m20261204_000011_measure_count_upkeep`: which measure counts a write added while keeping
//!   them current.
//!
//! This crate never imports `entity`: a migration describes the schema as it was on the day it
//! was written, whatever the entities say later.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_organization_tables;
mod m20261123_000002_create_evaluation_tables;
mod m20261123_000003_create_survey_tables;
mod m20261123_000004_create_training_and_wellness_tables;
mod m20261123_000005_create_plan_and_audit_tables;
mod m20261123_000006_load_reference_data;
mod m20261201_000007_index_staff_names;
pub mod m20261202_000008_maintain_measure_counts;
mod m20261202_000009_versions_and_idempotency;
mod m20261202_000010_process_versions_and_audit_rows;
mod m20261204_000011_measure_count_upkeep;
mod m20261204_000012_announce_changes;
mod m20261204_000013_kept_changes;
mod m20261204_000014_announce_all;
pub mod reference;
mod spec;

/// Runs staffgraph's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_organization_tables::Migration),
            Box::new(m20261123_000002_create_evaluation_tables::Migration),
            Box::new(m20261123_000003_create_survey_tables::Migration),
            Box::new(m20261123_000004_create_training_and_wellness_tables::Migration),
            Box::new(m20261123_000005_create_plan_and_audit_tables::Migration),
            Box::new(m20261123_000006_load_reference_data::Migration),
            Box::new(m20261201_000007_index_staff_names::Migration),
            Box::new(m20261202_000008_maintain_measure_counts::Migration),
            Box::new(m20261202_000009_versions_and_idempotency::Migration),
            Box::new(m20261202_000010_process_versions_and_audit_rows::Migration),
            Box::new(m20261204_000011_measure_count_upkeep::Migration),
            Box::new(m20261204_000012_announce_changes::Migration),
            Box::new(m20261204_000013_kept_changes::Migration),
            Box::new(m20261204_000014_announce_all::Migration),
        ]
    }
}
