//! Named parameters for hand-written SQL (`:name`), bound, never spliced.

use crate::calendar::SchoolYear;
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, QueryResult, Statement, Value};
use std::collections::BTreeMap;

/// Named parameters for hand-written SQL: `:name` in the text becomes `$n`, bound to the value
/// given for `name`. Values are always bound, never spliced into the text. (The text must not
/// hold a string literal with a colon before a letter.)
#[derive(Debug, Clone, Default)]
pub struct Params(BTreeMap<&'static str, Vec<Value>>);

impl Params {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.0.insert(name, vec![value.into()]);
        self
    }

    /// A list for `IN (:name)`: each value its own parameter. An empty list is `IN (NULL)`,
    /// which matches nothing.
    pub fn set_list(mut self, name: &'static str, values: impl IntoIterator<Item = i32>) -> Self {
        let values: Vec<Value> = values.into_iter().map(Value::from).collect();
        self.0.insert(
            name,
            if values.is_empty() {
                vec![Value::Int(None)]
            } else {
                values
            },
        );
        self
    }

    /// The year, its first and last day and the as-of date: `:year`, `:start`, `:end`, `:asof`.
    pub fn year(self, year: SchoolYear, as_of: NaiveDate) -> Self {
        self.set("year", year.value())
            .set("start", year.start())
            .set("end", year.end())
            .set("asof", as_of)
    }

    /// `sql` with its `:name`s numbered, and the values in that order.
    pub fn statement(&self, backend: DbBackend, sql: &str) -> ApiResult<Statement> {
        let mut text = String::with_capacity(sql.len());
        // Each name's placeholder text, e.g. `$3` or `$4, $5` for a list.
        let mut placed: Vec<(&str, String)> = Vec::new();
        let mut values = Vec::new();
        let mut rest = sql;
        while let Some(at) = rest.find(':') {
            let (before, from) = rest.split_at(at);
            text.push_str(before);
            if from[1..].starts_with(':') {
                // A PostgreSQL cast (`x::int`), not a parameter.
                text.push_str("::");
                rest = &from[2..];
                continue;
            }
            let name_len = from[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(from.len() - 1);
            let name = &from[1..1 + name_len];
            if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                text.push(':');
                rest = &from[1..];
                continue;
            }
            let placeholder = match placed.iter().find(|(n, _)| *n == name) {
                Some((_, placeholder)) => placeholder.clone(),
                None => {
                    let bound = self
                        .0
                        .get(name)
                        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("SQL parameter :{name} not set")))?;
                    let first = values.len() + 1;
                    values.extend(bound.iter().cloned());
                    let placeholder = (first..first + bound.len())
                        .map(|i| format!("${i}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    placed.push((name, placeholder.clone()));
                    placeholder
                }
            };
            text.push_str(&placeholder);
            rest = &from[1 + name_len..];
        }
        text.push_str(rest);
        Ok(Statement::from_sql_and_values(backend, text, values))
    }

    /// Runs `sql` with these parameters.
    pub async fn query(&self, db: &impl ConnectionTrait, sql: &str) -> ApiResult<Vec<QueryResult>> {
        let statement = self.statement(db.get_database_backend(), sql)?;
        Ok(db.query_all_raw(statement).await?)
    }

    /// Runs the write `sql` with these parameters; the rows it changed.
    pub async fn execute(&self, db: &impl ConnectionTrait, sql: &str) -> ApiResult<u64> {
        let statement = self.statement(db.get_database_backend(), sql)?;
        Ok(db.execute_raw(statement).await?.rows_affected())
    }

    /// Runs `sql` with these parameters, each row read as a `T` (its columns by name).
    pub async fn rows<T: FromQueryResult>(&self, db: &impl ConnectionTrait, sql: &str) -> ApiResult<Vec<T>> {
        let rows = self.query(db, sql).await?;
        rows.iter().map(|row| Ok(T::from_query_result(row, "")?)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_parameters_are_numbered_in_order_and_reused() {
        let params = Params::new().set("a", 1).set("b", "x");
        let statement = params
            .statement(DbBackend::Postgres, "SELECT :b, :a, :b, '10:30', x::int FROM t")
            .unwrap();
        assert_eq!(statement.sql, "SELECT $1, $2, $1, '10:30', x::int FROM t");
        assert_eq!(statement.values.unwrap().0.len(), 2);
        assert!(params.statement(DbBackend::Sqlite, "SELECT :missing").is_err());
        let listed = Params::new().set("a", 1).set_list("ids", [7, 8, 9]);
        let statement = listed
            .statement(DbBackend::Postgres, "WHERE x IN (:ids) AND y = :a AND z IN (:ids)")
            .unwrap();
        assert_eq!(
            statement.sql,
            "WHERE x IN ($1, $2, $3) AND y = $4 AND z IN ($1, $2, $3)"
        );
    }
}
