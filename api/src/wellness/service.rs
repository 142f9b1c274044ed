//! Database work of the wellness area: the EASE vendor's reports, summed per organization and
//! per service type. EASE is confidential counseling: the district is never told who used it,
//! so these aggregates are all there is (DESIGN.md §2 "Wellness").

use crate::calendar::SchoolYear;
use crate::error::ApiResult;
use crate::measures::service::Figure;
use crate::privacy::Rule;
use crate::sql::Params;
use sea_orm::{DatabaseConnection, FromQueryResult, QueryResult};

/// EASE reports of the scope, its children and its siblings (`:parent`'s children), summed
/// per organization.
pub const EASE_BY_ORGANIZATION: &str = "SELECT r.organization_id AS organization_id, \
     CAST(SUM(r.unique_employees) AS BIGINT) AS unique_employees, CAST(SUM(r.sessions) AS BIGINT) AS sessions, \
     CAST(AVG(r.eligible_employees) AS DOUBLE PRECISION) AS eligible_employees \
     FROM ease_report r WHERE r.service_type = 'ALL' AND r.period_start >= :start AND r.period_end <= :end \
     AND (r.organization_id = :scope OR r.organization_id IN (SELECT id FROM organization WHERE parent_id = :scope) \
          OR r.organization_id IN (SELECT id FROM organization WHERE parent_id = :parent)) \
     GROUP BY r.organization_id";

/// One organization's EASE figures for a year.
#[derive(Debug, Clone, Copy)]
pub struct EaseRow {
    /// The district or region reported on.
    pub organization_id: i32,
    /// Σ distinct employees who used a service.
    pub unique_employees: u64,
    /// Σ sessions.
    pub sessions: u64,
    /// Mean employees eligible over the reports.
    pub eligible_employees: f64,
}

/// The columns of an EASE sum as the databases return them.
#[derive(FromQueryResult)]
struct EaseSums {
    organization_id: i32,
    unique_employees: i64,
    sessions: i64,
    eligible_employees: f64,
}

impl EaseRow {
    /// The sums of a row of [`EASE_BY_ORGANIZATION`] or [`ease_by_service`].
    pub fn from(row: &QueryResult) -> ApiResult<Self> {
        let sums = EaseSums::from_query_result(row, "")?;
        Ok(Self {
            organization_id: sums.organization_id,
            unique_employees: u64::try_from(sums.unique_employees).unwrap_or_default(),
            sessions: u64::try_from(sums.sessions).unwrap_or_default(),
            eligible_employees: sums.eligible_employees,
        })
    }

    /// Utilization, withheld when a count is small.
    pub fn utilization(&self, rule: Rule) -> Figure {
        match rule.check(self.unique_employees).or(rule.check(self.sessions)) {
            Some(reason) => Figure::withheld(reason),
            None => Figure {
                numerator: self.unique_employees as f64,
                denominator: self.eligible_employees,
                suppressed: None,
            },
        }
    }
}

/// One organization's EASE reports of a year by service type.
pub async fn ease_by_service(
    db: &DatabaseConnection,
    organization: i32,
    year: SchoolYear,
) -> ApiResult<Vec<(String, EaseRow)>> {
    let rows = Params::new()
        .set("org", organization)
        .set("start", year.start())
        .set("end", year.end())
        .query(
            db,
            "SELECT r.service_type AS service_type, r.organization_id AS organization_id, \
             CAST(SUM(r.unique_employees) AS BIGINT) AS unique_employees, CAST(SUM(r.sessions) AS BIGINT) AS sessions, \
             CAST(AVG(r.eligible_employees) AS DOUBLE PRECISION) AS eligible_employees \
             FROM ease_report r WHERE r.organization_id = :org AND r.period_start >= :start AND r.period_end <= :end \
             GROUP BY r.service_type, r.organization_id ORDER BY r.service_type",
        )
        .await?;
    #[derive(FromQueryResult)]
    struct Kind {
        service_type: String,
    }
    rows.iter()
        .map(|row| Ok((Kind::from_query_result(row, "")?.service_type, EaseRow::from(row)?)))
        .collect()
}
