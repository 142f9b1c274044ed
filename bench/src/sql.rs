//! sqlx directly, for the lower bounds: the pool under the server's database, statements with
//! `$n` parameters (both SQLite and PostgreSQL accept them), every row fetched. The statements
//! are the harness's own constants (`AssertSqlSafe`): no outside text reaches them.

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use sea_orm::sqlx::{self, Row};

/// A bound value.
#[derive(Debug, Clone)]
pub enum Bind {
    Int(i32),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
}

/// The sqlx pool of a database.
#[derive(Clone)]
pub enum Pool {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

/// One fetched row, kept as text and integers by position.
pub struct Fetched {
    texts: Vec<Option<String>>,
    ints: Vec<Option<i64>>,
}

impl Fetched {
    pub fn text(&self, i: usize) -> anyhow::Result<String> {
        self.texts
            .get(i)
            .cloned()
            .flatten()
            .ok_or_else(|| anyhow::anyhow!("column {i} is not text"))
    }

    pub fn int(&self, i: usize) -> anyhow::Result<i32> {
        let value = self
            .ints
            .get(i)
            .copied()
            .flatten()
            .ok_or_else(|| anyhow::anyhow!("column {i} is not an integer"))?;
        Ok(i32::try_from(value)?)
    }
}

macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                Bind::Int(v) => query.bind(*v),
                Bind::Text(v) => query.bind(v.clone()),
                Bind::Date(v) => query.bind(*v),
                Bind::Bool(v) => query.bind(*v),
            };
        }
        query
    }};
}

impl Pool {
    pub fn of(db: &DatabaseConnection) -> Self {
        match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => Self::Postgres(db.get_postgres_connection_pool().clone()),
            _ => Self::Sqlite(db.get_sqlite_connection_pool().clone()),
        }
    }

    /// Runs `sql` and fetches every row; returns how many.
    pub async fn fetch(&self, sql: &str, binds: &[Bind]) -> anyhow::Result<usize> {
        Ok(match self {
            Self::Postgres(pool) => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), binds)
                .fetch_all(pool)
                .await?
                .len(),
            Self::Sqlite(pool) => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), binds)
                .fetch_all(pool)
                .await?
                .len(),
        })
    }

    /// The first row of `sql`, its columns read as text or integers.
    pub async fn row(&self, sql: &str, binds: &[Bind]) -> anyhow::Result<Fetched> {
        macro_rules! read {
            ($row:expr) => {{
                let row = $row;
                let width = row.len();
                Fetched {
                    texts: (0..width).map(|i| row.try_get::<String, _>(i).ok()).collect(),
                    ints: (0..width)
                        .map(|i| {
                            row.try_get::<i64, _>(i)
                                .ok()
                                .or_else(|| row.try_get::<i32, _>(i).ok().map(i64::from))
                        })
                        .collect(),
                }
            }};
        }
        Ok(match self {
            Self::Postgres(pool) => read!(
                bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), binds)
                    .fetch_one(pool)
                    .await?
            ),
            Self::Sqlite(pool) => read!(
                bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), binds)
                    .fetch_one(pool)
                    .await?
            ),
        })
    }

    /// The first column of every row of `sql`, as integers.
    pub async fn rows_of_int(&self, sql: &str, binds: &[Bind]) -> anyhow::Result<Vec<i32>> {
        Ok(match self {
            Self::Postgres(pool) => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), binds)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get::<i32, _>(0))
                .collect::<Result<_, _>>()?,
            Self::Sqlite(pool) => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), binds)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get::<i32, _>(0))
                .collect::<Result<_, _>>()?,
        })
    }
}
