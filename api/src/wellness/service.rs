//! Database work of the wellness area: the EASE vendor's reports, summed per organization and
//! per service type. EASE is confidential counseling: the district is never told who used it,
//! so these aggregates are all there is (DESIGN.md §2 "Wellness").

use crate::calendar::SchoolYear;
use crate::error::ApiResult;
use crate::measures::service::Figure;
use crate::privacy::{self, Line, Rule, SuppressionReason};
use crate::sql::Params;
use sea_orm::{DatabaseConnection, FromQueryResult, QueryResult};
use std::collections::{BTreeMap, HashMap};

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
    /// The sums of a row of `EASE_TABLE`.
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

/// The year's EASE reports summed per organization and service type, with each
/// organization's parent: the whole published EASE table, district and regions × ALL and
/// each service type.
const EASE_TABLE: &str = "SELECT r.organization_id AS organization_id, o.parent_id AS parent_id, \
     r.service_type AS service_type, \
     CAST(SUM(r.unique_employees) AS BIGINT) AS unique_employees, CAST(SUM(r.sessions) AS BIGINT) AS sessions, \
     CAST(AVG(r.eligible_employees) AS DOUBLE PRECISION) AS eligible_employees \
     FROM ease_report r JOIN organization o ON o.id = r.organization_id \
     WHERE r.period_start >= :start AND r.period_end <= :end \
     GROUP BY r.organization_id, o.parent_id, r.service_type ORDER BY r.organization_id, r.service_type";

/// The service type whose figure is an organization's total.
pub const ALL: &str = "ALL";

/// A year's published EASE table and its one suppression pattern, which every view reads
/// (the plan measure's headline and breakdown, `easeUsage` per service type, at every
/// level), so that no view shows what another withholds.
///
/// Its lines (DESIGN.md §4, cross-classified): each organization's service types add up to
/// its ALL figure, and for each service type (ALL included) the children of an organization
/// add up to the organization's figure. [`privacy::protect`] makes every line safe under the
/// EASE rule (a count from 1 to 10 is withheld; see its docs for the guarantee).
#[derive(Debug, Default)]
pub struct EaseTable {
    cells: HashMap<(i32, String), (EaseRow, Option<SuppressionReason>)>,
}

impl EaseTable {
    /// The table of `year`, read in one statement.
    #[tracing::instrument(skip_all, fields(year = year.value()))]
    pub async fn load(db: &DatabaseConnection, year: SchoolYear) -> ApiResult<Self> {
        #[derive(FromQueryResult)]
        struct Placed {
            parent_id: Option<i32>,
            service_type: String,
        }
        let rows = Params::new()
            .set("start", year.start())
            .set("end", year.end())
            .query(db, EASE_TABLE)
            .await?;
        let mut cells: Vec<(i32, Option<i32>, String, EaseRow)> = Vec::with_capacity(rows.len());
        for row in &rows {
            let placed = Placed::from_query_result(row, "")?;
            let sums = EaseRow::from(row)?;
            cells.push((sums.organization_id, placed.parent_id, placed.service_type, sums));
        }
        let at: HashMap<(i32, &str), usize> = cells
            .iter()
            .enumerate()
            .map(|(i, (org, _, service, _))| ((*org, service.as_str()), i))
            .collect();
        let mut lines = Vec::new();
        // Across service types: an organization's types add up to its ALL.
        let mut by_org: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        // Across organizations: for each (parent, type), the children's cells.
        let mut by_parent: BTreeMap<(i32, &str), Vec<usize>> = BTreeMap::new();
        for (i, (org, parent, service, _)) in cells.iter().enumerate() {
            if service != ALL {
                by_org.entry(*org).or_default().push(i);
            }
            if let Some(parent) = parent {
                by_parent.entry((*parent, service.as_str())).or_default().push(i);
            }
        }
        let rule = Rule::EaseCount;
        let mut counts: Vec<u64> = cells.iter().map(|c| c.3.unique_employees).collect();
        let mut primary: Vec<Option<SuppressionReason>> = cells
            .iter()
            .map(|c| rule.check(c.3.unique_employees).or(rule.check(c.3.sessions)))
            .collect();
        let candidates = by_org
            .into_iter()
            .filter_map(|(org, parts)| Some((*at.get(&(org, ALL))?, parts)))
            .chain(
                by_parent
                    .into_iter()
                    .filter_map(|((parent, service), parts)| Some((*at.get(&(parent, service))?, parts))),
            );
        for (total, mut parts) in candidates {
            // What the total holds beyond its published parts (a district's own staff, in no
            // region) is a part too, never published: subtracting the regions from the
            // district must not give it away.
            let shown: u64 = parts.iter().map(|&i| counts[i]).sum();
            let beyond = counts[total].saturating_sub(shown);
            if beyond > 0 {
                parts.push(counts.len());
                counts.push(beyond);
                primary.push(Some(SuppressionReason::NotReportedAtLevel));
            }
            lines.push(Line {
                total: Some(total),
                parts,
            });
        }
        let mut reasons = privacy::protect(rule, &counts, primary, &lines);
        reasons.truncate(cells.len());
        Ok(Self {
            cells: cells
                .into_iter()
                .zip(reasons)
                .map(|((org, _, service, row), reason)| ((org, service), (row, reason)))
                .collect(),
        })
    }

    /// The utilization of `organization`'s ALL figure, withheld as the table says; not
    /// reported at a level without reports.
    pub fn figure(&self, organization: i32) -> Figure {
        match self.cells.get(&(organization, ALL.to_owned())) {
            None => Figure::withheld(SuppressionReason::NotReportedAtLevel),
            Some((_, Some(reason))) => Figure::withheld(*reason),
            Some((row, None)) => row.utilization(Rule::EaseCount),
        }
    }

    /// `organization`'s rows by service type (ALL first, then by code), each with the reason
    /// it is withheld, if it is.
    pub fn services(&self, organization: i32) -> Vec<(String, EaseRow, Option<SuppressionReason>)> {
        let mut rows: Vec<(String, EaseRow, Option<SuppressionReason>)> = self
            .cells
            .iter()
            .filter(|((org, _), _)| *org == organization)
            .map(|((_, service), (row, reason))| (service.clone(), *row, *reason))
            .collect();
        rows.sort_by(|a, b| (a.0 != ALL, &a.0).cmp(&(b.0 != ALL, &b.0)));
        rows
    }
}
