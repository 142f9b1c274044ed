//! The SQL toolkit: everything the areas need to write SQL that runs on both databases, in one
//! place. Statements are built with sea-query where they are a select of an entity (the
//! loaders, the lists) and as text with named parameters ([`Params`]) where they are
//! aggregates (the measures); many-row writes go through [`bulk`].
//!
//! - `dialect`: the few expressions that differ between SQLite and PostgreSQL.
//! - `params`: `:name` parameters, always bound.
//! - `tree`: the organization tree — by code, subtrees, scopes with their ancestors.
//! - `bulk`: many rows a statement, the one write path of the seed and the import.
//! - `copy`: a PostgreSQL transaction that can also COPY (the import's set-based path).
//!
//! It depends on `error` and `calendar` only.

pub mod bulk;
pub mod copy;
mod dialect;
mod params;
pub mod tree;

pub use dialect::Dialect;
pub use params::Params;

use chrono::Utc;
use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};

/// A `COUNT(*) AS n` row.
#[derive(Debug, Clone, Copy, sea_orm::FromQueryResult)]
pub struct Count {
    /// The count.
    pub n: i64,
}

impl Count {
    /// The count as a `u64` (a count is never negative).
    pub fn value(self) -> u64 {
        u64::try_from(self.n).unwrap_or_default()
    }
}

/// A row current today (an assignment, a section teacher): not ended before today.
pub fn current(table: &str) -> Condition {
    let today = Utc::now().date_naive();
    Condition::any()
        .add(Expr::col((Alias::new(table), Alias::new("end_date"))).is_null())
        .add(Expr::col((Alias::new(table), Alias::new("end_date"))).gte(today))
}

/// `SELECT id FROM <table of column> WHERE column = value`: a filter on a natural key (a
/// school's code, a process's code) as a sub-select, so the filtered rows join nothing and
/// appear once each.
pub fn ids_where<C: ColumnTrait>(column: C, value: impl Into<sea_orm::Value>) -> SelectStatement {
    let table = column.entity_name();
    Query::select()
        .expr(Expr::col((table.clone(), Alias::new("id"))))
        .from(table)
        .and_where(column.eq(value))
        .to_owned()
}
