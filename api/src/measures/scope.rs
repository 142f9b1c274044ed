//! What a measure is taken over: a school year, an organization scope and an as-of date
//! (DESIGN.md §3), and the SQL the measures share to express them on SQLite and PostgreSQL.

use super::suppress::{self, Rule, SuppressionReason};
use crate::auth::{Role, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::schema::RequestContext;
use chrono::{Datelike, NaiveDate, Utc};
use entity::enums::OrganizationKind;
use entity::organization;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QueryResult,
    Statement, Value,
};
use std::collections::{BTreeMap, HashMap};

/// A school year, named by its ending year: 2026 is 1 July 2025 to 30 June 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchoolYear(i32);

impl SchoolYear {
    /// Parses a `schoolYear` argument: an ending year from 1990 to 2100.
    pub fn parse(year: i32, field: &str) -> ApiResult<Self> {
        if (1990..=2100).contains(&year) {
            Ok(Self(year))
        } else {
            Err(ApiError::bad_input(
                field,
                "a school year is its ending year, from 1990 to 2100",
            ))
        }
    }

    /// The ending year.
    pub fn value(self) -> i32 {
        self.0
    }

    /// 1 July of the year before.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 - 1, 7, 1).unwrap_or_default()
    }

    /// 30 June.
    pub fn end(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 6, 30).unwrap_or_default()
    }

    /// The year before.
    pub fn prior(self) -> Self {
        Self(self.0 - 1)
    }

    /// The school year a day falls in.
    pub fn of(day: NaiveDate) -> Self {
        Self(if day.month() >= 7 { day.year() + 1 } else { day.year() })
    }

    /// The default as-of date: today, or the year's last day when that is earlier.
    pub fn default_as_of(self) -> NaiveDate {
        Utc::now().date_naive().min(self.end())
    }
}

/// An organization a measure is taken over, and its children (the rows of its breakdown).
#[derive(Debug, Clone)]
pub struct Scope {
    pub organization: organization::Model,
    pub children: Vec<organization::Model>,
    /// From the district down to the parent: each ancestor, its children's ids in code order
    /// (its breakdown) and the child on the way to this scope. A small figure withheld in any
    /// of those breakdowns stays withheld here, or subtracting views at two levels would
    /// reveal it.
    pub ancestors: Vec<Ancestor>,
}

/// An ancestor of a scope and its breakdown.
#[derive(Debug, Clone)]
pub struct Ancestor {
    pub id: i32,
    pub children: Vec<i32>,
    pub toward: i32,
}

impl Scope {
    /// The organization with `code`, or the district when there is none; a code that names
    /// nothing is NOT_FOUND on `field`.
    pub async fn resolve(db: &DatabaseConnection, code: Option<&str>, field: &str) -> ApiResult<Self> {
        let found = match code {
            Some(code) => organization::Entity::find()
                .filter(organization::Column::Code.eq(code))
                .one(db)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("{field} `{code}`")))?,
            None => organization::Entity::find()
                .filter(organization::Column::Kind.eq(OrganizationKind::District))
                .filter(organization::Column::ParentId.is_null())
                .order_by_asc(organization::Column::Id)
                .one(db)
                .await?
                .ok_or_else(|| ApiError::NotFound("the district (the database holds no district)".into()))?,
        };
        let children = organization::Entity::find()
            .filter(organization::Column::ParentId.eq(found.id))
            .order_by_asc(organization::Column::Code)
            .all(db)
            .await?;
        let mut ancestors = Vec::new();
        let (mut toward, mut up) = (found.id, found.parent_id);
        while let Some(parent) = up {
            if ancestors.len() >= 16 {
                break; // A cycle in the tree; the migrations prevent none, imports should.
            }
            let level: Vec<organization::Model> = organization::Entity::find()
                .filter(organization::Column::ParentId.eq(parent))
                .order_by_asc(organization::Column::Code)
                .all(db)
                .await?;
            ancestors.push(Ancestor {
                id: parent,
                children: level.iter().map(|o| o.id).collect(),
                toward,
            });
            toward = parent;
            up = organization::Entity::find_by_id(parent)
                .one(db)
                .await?
                .and_then(|p| p.parent_id);
        }
        ancestors.reverse();
        Ok(Self {
            organization: found,
            children,
            ancestors,
        })
    }
}

/// The scopes a viewer may take measures over: the district and its regions for everyone; a
/// school or office for ADMIN, HR, ANALYST and, for their own schools, principals. A principal
/// naming another school gets the answer a code that names nothing gets.
pub fn authorize_scope(viewer: &Viewer, scope: &Scope) -> ApiResult<()> {
    if matches!(
        scope.organization.kind,
        OrganizationKind::District | OrganizationKind::Region
    ) {
        return Ok(());
    }
    match viewer.role {
        Role::Admin | Role::Hr | Role::Analyst => Ok(()),
        Role::Principal if viewer.school_ids.contains(&scope.organization.id) => Ok(()),
        Role::Principal => Err(ApiError::NotFound(format!(
            "organization `{}`",
            scope.organization.code
        ))),
        Role::Employee | Role::Public => Err(ApiError::Forbidden),
    }
}

/// The scope named by `organization`, if the viewer may take measures over it.
pub async fn scope_for(request: &RequestContext, organization: Option<&str>) -> ApiResult<Scope> {
    let scope = Scope::resolve(&request.db, organization, "organization").await?;
    authorize_scope(&request.viewer, &scope)?;
    Ok(scope)
}

impl Scope {
    /// Why this scope's figure is withheld because its cell, or an ancestor's, is withheld in
    /// a breakdown above it; `counts(ancestor)` gives the counts of that ancestor's children.
    pub async fn withheld_above<F, Fut>(&self, rule: Rule, counts: F) -> ApiResult<Option<SuppressionReason>>
    where
        F: Fn(i32) -> Fut,
        Fut: std::future::Future<Output = ApiResult<HashMap<i32, u64>>>,
    {
        let mut by_ancestor = HashMap::new();
        for ancestor in &self.ancestors {
            by_ancestor.insert(ancestor.id, counts(ancestor.id).await?);
        }
        Ok(self.withheld_among(rule, &by_ancestor))
    }

    /// [`withheld_above`](Self::withheld_above) with each ancestor's child counts at hand.
    pub fn withheld_among(
        &self,
        rule: Rule,
        by_ancestor: &HashMap<i32, HashMap<i32, u64>>,
    ) -> Option<SuppressionReason> {
        for ancestor in &self.ancestors {
            let by_child = by_ancestor.get(&ancestor.id)?;
            let cells: Vec<u64> = ancestor
                .children
                .iter()
                .map(|c| by_child.get(c).copied().unwrap_or(0))
                .collect();
            let reasons = suppress::breakdown(rule, &cells);
            let at = ancestor.children.iter().position(|c| *c == ancestor.toward);
            if let Some(reason) = at.and_then(|i| reasons.get(i).copied().flatten()) {
                return Some(reason);
            }
        }
        None
    }
}

/// `tree(org_id, unit_id)`: every organization in the scope's subtree (`:scope` is its id)
/// and the child of the scope it lies under — the unit of the breakdown; NULL for the scope
/// itself. Recursive, so any depth of tree works; both databases run it.
pub const TREE: &str = "WITH RECURSIVE tree(org_id, unit_id) AS (
    SELECT id, CASE WHEN id = :scope THEN NULL ELSE id END FROM organization WHERE id = :scope OR parent_id = :scope
    UNION ALL
    SELECT o.id, t.unit_id FROM organization o JOIN tree t ON o.parent_id = t.org_id WHERE t.org_id <> :scope
)";

/// The SQL that differs between the databases.
#[derive(Debug, Clone, Copy)]
pub struct Dialect(pub DbBackend);

impl Dialect {
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
}

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_years_end_on_30_june() {
        let year = SchoolYear::parse(2026, "schoolYear").unwrap();
        assert_eq!(year.start(), NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
        assert_eq!(year.end(), NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        assert_eq!(SchoolYear::of(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()), year);
        assert_eq!(
            SchoolYear::of(NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()),
            year.prior()
        );
        assert!(SchoolYear::parse(26, "schoolYear").is_err());
    }

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
