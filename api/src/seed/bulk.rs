//! Bulk writes: rows in multi-row INSERT statements of a few hundred rows each (well inside
//! SQLite's and PostgreSQL's bind-parameter limits), never a statement per row.

use crate::error::ApiResult;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Statement};

/// Rows per INSERT statement.
const CHUNK: usize = 500;

/// Inserts `rows` (explicit ids included) in chunks; returns how many were written.
pub async fn insert_all<E, M, C>(db: &C, rows: Vec<M>) -> ApiResult<u64>
where
    E: EntityTrait,
    M: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let total = rows.len() as u64;
    let mut rows = rows.into_iter().map(IntoActiveModel::into_active_model).peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows.by_ref().take(CHUNK).collect();
        E::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(total)
}

/// After rows were inserted with explicit ids, moves PostgreSQL's identity sequences past
/// them so that later inserts get fresh ids.
pub async fn reset_postgres_sequences<C: ConnectionTrait>(
    db: &C,
    tables: impl Iterator<Item = &'static str>,
) -> ApiResult<()> {
    for table in tables {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)"
        );
        db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
            .await?;
    }
    Ok(())
}
