//! Seeding a database with a generated district. `demo` is the small, complete district the
//! embedded default serves on first start; its generator is deterministic (same seed, same
//! rows). Loading goes through [`crate::sql::bulk`], the import's write path, in one transaction.

pub mod demo;

use crate::error::ApiError;
use sea_orm::{DatabaseConnection, DbBackend, TransactionTrait};
use std::collections::BTreeMap;

/// Rows written per table, as the generator reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeedReport {
    pub rows: BTreeMap<&'static str, u64>,
}

impl SeedReport {
    pub fn total(&self) -> u64 {
        self.rows.values().sum()
    }
}

/// Why a seed did not run.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "the database already holds district data; seed loads into an empty database (see `staffgraph migrate fresh --yes`)"
    )]
    NotEmpty,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<sea_orm::DbErr> for SeedError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Api(error.into())
    }
}

/// Loads the demo district generated from `seed` into an empty, migrated database, in one
/// transaction, and appends an audit event.
pub async fn seed_demo(db: &DatabaseConnection, seed: u64) -> Result<SeedReport, SeedError> {
    seed_shaped(db, seed, demo::Shape::DEMO).await
}

/// Loads a generated district of `shape` (the demo's generator, more schools) as
/// [`seed_demo`] does.
#[tracing::instrument(skip(db))]
pub async fn seed_shaped(db: &DatabaseConnection, seed: u64, shape: demo::Shape) -> Result<SeedReport, SeedError> {
    if !crate::db::is_empty(db).await? {
        return Err(SeedError::NotEmpty);
    }
    let reference = demo::ReferenceIds::load(db).await?;
    let data = demo::generate(seed, shape, &reference);
    let txn = db.begin().await?;
    let report = data.insert(&txn).await?;
    let after = serde_json::to_value(&report).unwrap_or_default();
    crate::audit::record(&txn, &crate::audit::Actor::os_user(), "SEED", "demo", None, after).await?;
    txn.commit().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        crate::sql::bulk::reset_postgres_sequences(db, report.rows.keys().copied()).await?;
    }
    crate::db::analyze(db).await?;
    Ok(report)
}
