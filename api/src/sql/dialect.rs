//! The SQL that differs between SQLite and PostgreSQL, for hand-written statements.

use sea_orm::{ConnectionTrait, DbBackend};

/// The SQL that differs between the databases.
#[derive(Debug, Clone, Copy)]
pub struct Dialect(pub DbBackend);

impl Dialect {
    /// The dialect of `db`'s backend.
    pub fn of(db: &impl ConnectionTrait) -> Self {
        Self(db.get_database_backend())
    }

    /// `date + days` (days may be negative), as a date.
    pub fn plus_days(self, date: &str, days: &str) -> String {
        match self.0 {
            DbBackend::Postgres => format!("({date} + CAST({days} AS INTEGER))"),
            _ => format!("date({date}, printf('%+d days', {days}))"),
        }
    }

    /// Whole days from `earlier` to `later`.
    pub fn days_between(self, later: &str, earlier: &str) -> String {
        match self.0 {
            DbBackend::Postgres => format!("({later} - {earlier})"),
            _ => format!("CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"),
        }
    }

    /// Appended to a subquery in `FROM`: keeps the planner from merging it into the query
    /// around it (an `OFFSET 0`, which both databases take as "do not flatten"). For a
    /// subquery whose columns the outer query reads several times each: merged, each reading
    /// would be a copy of the column's own subqueries, to plan (and, on a `CASE`, run) apiece.
    pub fn fence(self) -> &'static str {
        match self.0 {
            DbBackend::Postgres => " OFFSET 0",
            _ => " LIMIT -1 OFFSET 0",
        }
    }

    /// The earliest date there is, as a literal: the day a subject that counts whatever the
    /// date counts from (see `measures::definitions`).
    pub fn always(self) -> &'static str {
        match self.0 {
            DbBackend::Postgres => "DATE '0001-01-01'",
            _ => "'0001-01-01'",
        }
    }

    /// The least of some non-null values (PostgreSQL's `LEAST`, SQLite's scalar `MIN`).
    pub fn least(self, values: &[&str]) -> String {
        let function = match self.0 {
            DbBackend::Postgres => "LEAST",
            _ => "MIN",
        };
        format!("{function}({})", values.join(", "))
    }
}
