//! Indexes for the staff name search (`staff(filter: { name: })`): `lower(last_name)` and
//! `lower(first_name)` in code-point order, so that a case-insensitive prefix is a range scan
//! on both databases (PostgreSQL's under the C collation, whatever the database's default).

use sea_orm_migration::prelude::*;

/// The indexed columns and their index names.
const INDEXES: [(&str, &str); 2] = [
    ("ix_staff_last_name_lower", "last_name"),
    ("ix_staff_first_name_lower", "first_name"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, column) in INDEXES {
            let sql = match manager.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    format!("CREATE INDEX \"{name}\" ON \"staff\" ((lower(\"{column}\") COLLATE \"C\"))")
                }
                _ => format!("CREATE INDEX \"{name}\" ON \"staff\" (lower(\"{column}\"))"),
            };
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX \"{name}\"")).await?;
        }
        Ok(())
    }
}
