//! A PostgreSQL transaction that can also `COPY … FROM STDIN`, for the import's set-based path.
//!
//! sea-orm's transactions do not expose the driver's COPY, and a temporary staging table
//! lives on one connection: so this transaction holds a pooled sqlx connection of its own,
//! streams rows into it with sqlx's `copy_in_raw`, and runs every other statement — sea-orm
//! [`Statement`]s with their bound values, the audit event's among them — on the same
//! connection through [`ConnectionTrait`]. [`Counted`] counts a load's statements on either
//! database (the database handle's statement callback does not see this connection).

use sea_orm::sqlx::{self, AssertSqlSafe, Postgres};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement,
    TransactionSession,
};
use sea_query_sqlx::SqlxValues;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, mpsc};

/// One PostgreSQL transaction on a connection of the pool, with COPY.
pub struct CopyTransaction {
    connection: Mutex<sqlx::Transaction<'static, Postgres>>,
}

fn connection_error(error: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error)))
}

fn exec_error(error: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(error)))
}

fn query_error(error: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)))
}

/// `statement` with its values bound, not kept prepared: the staging tables are made anew in
/// each transaction, with the columns of the file being loaded, so a statement prepared for
/// one file's tables may not fit the next one's ("cached plan must not change result type").
fn bound(statement: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = statement.values.clone().unwrap_or(sea_orm::Values(Vec::new()));
    sqlx::query_with(AssertSqlSafe(statement.sql.as_str()), SqlxValues(values)).persistent(false)
}

impl CopyTransaction {
    /// Begins a transaction on a connection of `db`'s pool (a PostgreSQL database).
    pub async fn begin(db: &DatabaseConnection) -> Result<Self, DbErr> {
        let transaction = db
            .get_postgres_connection_pool()
            .begin()
            .await
            .map_err(connection_error)?;
        Ok(Self {
            connection: Mutex::new(transaction),
        })
    }

    /// Runs `copy` (a `COPY … FROM STDIN` statement in text format), sending each block of
    /// rows `blocks` gives until its senders are gone; returns the rows copied. (Dropping the
    /// receiver on an error tells the sender to stop.)
    pub async fn copy_in(&self, copy: &str, mut blocks: mpsc::Receiver<Vec<u8>>) -> Result<u64, DbErr> {
        let mut connection = self.connection.lock().await;
        let mut sink = connection.copy_in_raw(copy).await.map_err(exec_error)?;
        while let Some(block) = blocks.recv().await {
            sink.send(block).await.map_err(exec_error)?;
        }
        sink.finish().await.map_err(exec_error)
    }
}

#[async_trait::async_trait]
impl TransactionSession for CopyTransaction {
    async fn commit(self) -> Result<(), DbErr> {
        self.connection.into_inner().commit().await.map_err(exec_error)
    }

    async fn rollback(self) -> Result<(), DbErr> {
        self.connection.into_inner().rollback().await.map_err(exec_error)
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for CopyTransaction {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        let mut connection = self.connection.lock().await;
        let done = bound(&statement).execute(&mut **connection).await.map_err(exec_error)?;
        Ok(done.into())
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let mut connection = self.connection.lock().await;
        let done = sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut **connection)
            .await
            .map_err(exec_error)?;
        Ok(done.into())
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        let mut connection = self.connection.lock().await;
        let row = bound(&statement)
            .fetch_optional(&mut **connection)
            .await
            .map_err(query_error)?;
        Ok(row.map(Into::into))
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut connection = self.connection.lock().await;
        let rows = bound(&statement)
            .fetch_all(&mut **connection)
            .await
            .map_err(query_error)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

/// A connection or transaction that counts the statements run through it.
pub struct Counted<C> {
    inner: C,
    statements: AtomicU64,
}

impl<C> Counted<C> {
    pub fn new(inner: C) -> Self {
        Self {
            inner,
            statements: AtomicU64::new(0),
        }
    }

    /// The statements run so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn into_inner(self) -> C {
        self.inner
    }

    fn count(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }
}

impl Counted<CopyTransaction> {
    /// [`CopyTransaction::copy_in`], counted as one statement.
    pub async fn copy_in(&self, copy: &str, blocks: mpsc::Receiver<Vec<u8>>) -> Result<u64, DbErr> {
        self.count();
        self.inner.copy_in(copy, blocks).await
    }
}

#[async_trait::async_trait]
impl<C: ConnectionTrait + Send> ConnectionTrait for Counted<C> {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        self.count();
        self.inner.execute_raw(statement).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.count();
        self.inner.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.count();
        self.inner.query_one_raw(statement).await
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.count();
        self.inner.query_all_raw(statement).await
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}
