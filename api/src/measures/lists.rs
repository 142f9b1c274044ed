//! The lists people act on, each a keyset page over a measure's subjects: the SFS-eligible
//! classrooms not yet administered (what a principal chases), the supervisory entries with
//! their training status (what HR chases), the certificated groups and their evaluation
//! processes, and EASE by service type. Counts are GROUP BYs; pages are `WHERE key > :after
//! ORDER BY key LIMIT n + 1`.

use super::definitions::{MULTIPLE_MEASURE_PROCESS, sfs_classrooms};
use super::service::{scoped_entries, training_window};
use crate::calendar::SchoolYear;
use crate::error::ApiResult;
use crate::graphql::relay::PageRequest;
use crate::sql::Count;
use crate::sql::tree::TREE;
use crate::sql::{Dialect, Params};
use chrono::NaiveDate;
use sea_orm::{DatabaseConnection, FromQueryResult};
use std::collections::BTreeMap;

/// A page of rows keyed by an integer, and the total.
#[derive(Debug, Clone)]
pub struct KeyedPage<T> {
    pub rows: Vec<(i32, T)>,
    pub has_next_page: bool,
    pub total: u64,
}

/// The first columns of a keyed page's row: the total, and the key (NULL on the one row of
/// an empty page).
#[derive(FromQueryResult)]
struct Keyed {
    total: i64,
    key: Option<i32>,
}

/// Runs a page of `sql` (which selects `key` and the columns of `T`) and counts all its rows,
/// in one statement: `sql` once as `k`, its count beside its page (the page left-joined to
/// the count, so that an empty page still says the total). One round trip and one plan where
/// a count and a page took two; PostgreSQL computes `k` once (a common table expression read
/// twice is materialized).
async fn keyed_page<T: FromQueryResult>(
    db: &DatabaseConnection,
    params: Params,
    sql: &str,
    page: &PageRequest,
) -> ApiResult<KeyedPage<T>> {
    let after = page.cursor.as_ref().map_or(i32::MIN, |cursor| cursor.id);
    let limit = i64::try_from(page.probe()).unwrap_or(i64::MAX);
    let rows = params
        .set("after", after)
        .set("limit", limit)
        .query(
            db,
            &format!(
                "{TREE}, k AS ({sql}) \
                 SELECT c.total AS total, p.* FROM (SELECT CAST(COUNT(*) AS BIGINT) AS total FROM k) c \
                 LEFT JOIN (SELECT * FROM k WHERE k.key > :after ORDER BY k.key LIMIT :limit) p ON 1 = 1 \
                 ORDER BY p.key"
            ),
        )
        .await?;
    let mut total = 0;
    let mut found = Vec::with_capacity(rows.len());
    for row in &rows {
        let keyed = Keyed::from_query_result(row, "")?;
        total = Count { n: keyed.total }.value();
        if let Some(key) = keyed.key {
            found.push((key, T::from_query_result(row, "")?));
        }
    }
    let has_next_page = found.len() as u64 > page.limit;
    found.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    Ok(KeyedPage {
        rows: found,
        has_next_page,
        total,
    })
}

/// An eligible classroom where the SFS has not been administered.
#[derive(Debug, Clone, Copy, FromQueryResult)]
pub struct Classroom {
    pub section_id: i32,
    pub teacher_id: i32,
    pub school_id: i32,
    /// The teacher's evaluation of the year that makes the classroom eligible.
    pub evaluation_id: i32,
}

/// The eligible classrooms of the scope (`:scope`) not yet administered, optionally at one
/// school and only at `only_schools` (a principal's), keyed by their `section_teacher` id.
pub async fn classrooms_not_administered(
    db: &DatabaseConnection,
    scope: i32,
    year: SchoolYear,
    school: Option<i32>,
    only_schools: Option<&[i32]>,
    page: &PageRequest,
) -> ApiResult<KeyedPage<Classroom>> {
    let only_filter = if only_schools.is_some() {
        "AND c.school_id IN (:only)"
    } else {
        ""
    };
    let school_filter = if school.is_some() {
        "AND c.school_id = :school"
    } else {
        ""
    };
    let sql = format!(
        "SELECT c.subject AS key, c.section_id, c.teacher_id, c.school_id, \
         (SELECT MIN(e.id) FROM evaluation e JOIN evaluation_cycle cy ON cy.id = e.cycle_id \
          JOIN evaluation_process p ON p.id = cy.process_id \
          WHERE e.evaluatee_id = c.teacher_id AND cy.school_year = :year AND e.status <> 'WITHDRAWN' AND p.requires_sfs) \
         AS evaluation_id \
         FROM ({}) c WHERE (c.hit_from IS NULL OR c.hit_from > :asof) {school_filter} {only_filter}",
        sfs_classrooms(Dialect::of(db))
    );
    let mut params = Params::new().set("scope", scope).year(year, year.end());
    if let Some(school) = school {
        params = params.set("school", school);
    }
    if let Some(only) = only_schools {
        params = params.set_list("only", only.iter().copied());
    }
    keyed_page(db, params, &sql, page).await
}

/// A supervisory entry and where its training stands.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Entry {
    pub assignment_id: i32,
    pub staff_id: i32,
    pub organization_id: i32,
    pub job_title: String,
    pub begin_date: NaiveDate,
    pub due_date: NaiveDate,
    pub completed_on: Option<NaiveDate>,
    pub status: String,
    pub days_overdue: i64,
}

/// The window and scope of a supervisory-entry list, and the training requirement's days
/// ([`EntryWindow::new`] reads them once for the list and its counts).
#[derive(Debug, Clone, Copy)]
pub struct EntryWindow {
    pub scope: i32,
    pub as_of: NaiveDate,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// (days to complete the training, days a completion before the entry counts).
    training: (i32, i32),
}

impl EntryWindow {
    /// The entries at `scope` beginning from `from` to `to`, as of `as_of`, with the training
    /// requirement read (one statement).
    pub async fn new(
        db: &DatabaseConnection,
        scope: i32,
        as_of: NaiveDate,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ApiResult<Self> {
        Ok(Self {
            scope,
            as_of,
            from,
            to,
            training: training_window(db).await?,
        })
    }

    fn params(&self) -> Params {
        let (window, prior_valid) = self.training;
        Params::new()
            .set("scope", self.scope)
            .set("start", self.from)
            .set("end", self.to)
            .set("asof", self.as_of)
            .set("window", window)
            .set("prior_valid", prior_valid)
    }
}

/// Entries beginning in the window, counted by status.
pub async fn entry_counts(db: &DatabaseConnection, window: EntryWindow) -> ApiResult<BTreeMap<String, u64>> {
    let sql = format!(
        "{TREE} SELECT x.status AS status, CAST(COUNT(*) AS BIGINT) AS n FROM ({}) x GROUP BY x.status",
        scoped_entries(Dialect::of(db), None)
    );
    #[derive(FromQueryResult)]
    struct ByStatus {
        status: String,
        n: i64,
    }
    let rows: Vec<ByStatus> = window.params().rows(db, &sql).await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.status, Count { n: row.n }.value()))
        .collect())
}

/// A page of the entries beginning in the window, optionally of one status, keyed by
/// assignment id.
pub async fn entries(
    db: &DatabaseConnection,
    window: EntryWindow,
    status: Option<&'static str>,
    page: &PageRequest,
) -> ApiResult<KeyedPage<Entry>> {
    let status_filter = if status.is_some() {
        "WHERE x.status = :status"
    } else {
        ""
    };
    let sql = format!(
        "SELECT x.assignment_id AS key, x.* FROM ({}) x {status_filter}",
        scoped_entries(Dialect::of(db), status)
    );
    let mut params = window.params();
    if let Some(status) = status {
        params = params.set("status", status);
    }
    keyed_page(db, params, &sql, page).await
}

/// A certificated group and its evaluation in a year.
#[derive(Debug, Clone, Default)]
pub struct GroupCoverage {
    pub group_id: i32,
    pub active_staff: u64,
    pub evaluated: u64,
    /// (process id, multiple-measures, has a cycle in the year) for each process serving it.
    pub processes: Vec<(i32, bool, bool)>,
}

impl GroupCoverage {
    /// Served by a multiple-measures process with a cycle in the year.
    pub fn covered(&self) -> bool {
        self.processes.iter().any(|(_, multiple, cycle)| *multiple && *cycle)
    }
}

/// Every certificated group, by code: its active staff, how many of them have a non-withdrawn
/// evaluation of the year in a multiple-measures process serving the group, and its processes.
pub async fn group_coverage(db: &DatabaseConnection, year: SchoolYear) -> ApiResult<Vec<GroupCoverage>> {
    let params = Params::new().set("year", year.value());
    #[derive(FromQueryResult)]
    struct GroupRow {
        group_id: i32,
        active_staff: i64,
        evaluated: i64,
    }
    #[derive(FromQueryResult)]
    struct ProcessRow {
        group_id: i32,
        process_id: i32,
        multiple: i32,
        has_cycle: i32,
    }
    let groups: Vec<GroupRow> = params
        .rows(
            db,
            &format!(
                "SELECT g.id AS group_id, \
                 (SELECT CAST(COUNT(*) AS BIGINT) FROM staff s WHERE s.employee_group_id = g.id AND s.active) AS active_staff, \
                 (SELECT CAST(COUNT(*) AS BIGINT) FROM staff s WHERE s.employee_group_id = g.id AND s.active AND EXISTS ( \
                    SELECT 1 FROM evaluation e JOIN evaluation_cycle c ON c.id = e.cycle_id \
                    WHERE e.evaluatee_id = s.id AND e.status <> 'WITHDRAWN' AND c.school_year = :year \
                    AND EXISTS ({MULTIPLE_MEASURE_PROCESS} AND pg.process_id = c.process_id AND pg.employee_group_id = g.id))) \
                 AS evaluated \
                 FROM employee_group g WHERE g.certificated ORDER BY g.code"
            ),
        )
        .await?;
    let processes: Vec<ProcessRow> = params
        .rows(
            db,
            "SELECT pg.employee_group_id AS group_id, pg.process_id AS process_id, \
             CASE WHEN (SELECT COUNT(*) FROM evaluation_process_measure m WHERE m.process_id = pg.process_id) >= 2 \
               THEN 1 ELSE 0 END AS multiple, \
             CASE WHEN EXISTS (SELECT 1 FROM evaluation_cycle c WHERE c.process_id = pg.process_id AND c.school_year = :year) \
               THEN 1 ELSE 0 END AS has_cycle \
             FROM evaluation_process_group pg ORDER BY pg.process_id",
        )
        .await?;
    let mut coverage: Vec<GroupCoverage> = groups
        .into_iter()
        .map(|row| GroupCoverage {
            group_id: row.group_id,
            active_staff: Count { n: row.active_staff }.value(),
            evaluated: Count { n: row.evaluated }.value(),
            processes: Vec::new(),
        })
        .collect();
    for row in processes {
        if let Some(entry) = coverage.iter_mut().find(|g| g.group_id == row.group_id) {
            entry
                .processes
                .push((row.process_id, row.multiple == 1, row.has_cycle == 1));
        }
    }
    Ok(coverage)
}
