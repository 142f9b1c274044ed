//! Maintained measure counts (issue 20): the counted measures' figures read from a small
//! table instead of recomputed from the raw rows on every request.
//!
//! **What is kept.** `measure_count` holds, for every school year built, every counted measure
//! and every organization of the tree, the number of distinct subjects in the organization's
//! subtree, grouped by the day they count from and the day they become a hit
//! (`definitions.rs`). A figure as of any day D over any organization is then a sum over a
//! handful of rows: `Σ subjects` where `counted_from <= D` over `Σ subjects` where
//! `hit_from <= D`. This is exact — not an approximation, nor a cache of the dates asked
//! before — because a subject's two days are the same on every row of it, so it falls in
//! exactly one group of each organization it is under; the counts are made by the very subject
//! SQL the raw count runs, grouped over the organization closure (`sql::tree::CLOSURE`) the
//! public's suppression table already used. Any scope, breakdown, prior year and as-of date is
//! served; the lists (which classrooms, which entries) still read the raw rows, a page at a
//! time.
//!
//! **Fresh.** Every write to a table a measure reads marks the counts out of date in the
//! writing transaction itself, by database triggers (migration 000008): an import, a mutation
//! or a manual SQL fix alike. A read checks, in one statement, that the counts were built from
//! a snapshot that saw every committed write (PostgreSQL: the writers' transaction ids in
//! `data_change`, tested against the build's `pg_snapshot`; SQLite: a version counter); if not,
//! it counts from the raw rows — exact, slower — and starts a rebuild in the background. Every
//! API node sharing the database sees the same state: nothing is remembered in a process.
//!
//! **Rebuilt** after an import or a seed, by the server when a read finds the counts out of
//! date, and by `staffgraph measures rebuild`; `staffgraph measures check` recounts every
//! figure from the raw rows and reports any difference. A rebuild is one transaction (on
//! PostgreSQL at REPEATABLE READ, one at a time under an advisory lock): readers see the old
//! counts or the new, never half.
//!
//! Why this design: a result cache keyed by a data version would be as exact, but every write
//! would cost the next reader a full recomputation (seconds at the district's scale, for each
//! scope and date asked), and the survey window is a stream of writes; per-subject rows would
//! be exact too but sum hundreds of thousands of rows per request. Counts per organization and
//! day are a few thousand rows per measure and year, whatever the district's size.

use super::definitions::{MeasureCode, Of};
use super::service::training_window;
use crate::calendar::SchoolYear;
use crate::error::{ApiError, ApiResult};
use crate::sql::bulk::Sql;
use crate::sql::tree::CLOSURE;
use crate::sql::{Dialect, Params};
use crate::write::{AfterCommit, BeforeCommit, Write};
use chrono::NaiveDate;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, FromQueryResult, IsolationLevel,
    TransactionTrait, Value,
};
use std::collections::{BTreeSet, HashMap};

/// The measures counted from rows, the ones kept here (EASE is read from the vendor's
/// aggregates as it is).
pub const COUNTED: [MeasureCode; 6] = [
    MeasureCode::SfsCoverage,
    MeasureCode::SupervisorTraining,
    MeasureCode::MultipleMeasures,
    MeasureCode::ExcellentAttendance,
    MeasureCode::SesSupportive,
    MeasureCode::WellnessPd,
];

/// The key of PostgreSQL's advisory lock held by a rebuild.
const REBUILD_LOCK: i64 = 0x5347_4d43; // "SGMC"

/// The key of PostgreSQL's advisory lock that puts the writes keeping the counts ([`keep`])
/// one after another (each holds it for the few milliseconds of its end).
const UPKEEP_LOCK: i64 = 0x5347_4d55; // "SGMU"

/// Rows the writes' upkeep may add to `measure_count` before the server folds them into a
/// rebuild (a read sums an organization's rows: a few thousand more cost it nothing).
const UPKEEP_ROWS: i64 = 5_000;

/// Whether the counts of a year (and its prior year) can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readable {
    /// The year asked.
    pub year: bool,
    /// The year before it.
    pub prior: bool,
}

/// Whether the counts are current (built from a snapshot that saw every committed write) and
/// built for `year` and the year before: one statement.
pub async fn readable(db: &impl ConnectionTrait, year: SchoolYear) -> ApiResult<Readable> {
    let current = current_condition(db.get_database_backend());
    let sql = format!(
        "SELECT CASE WHEN {current} THEN 1 ELSE 0 END AS current, \
         (SELECT COUNT(*) FROM measure_build b WHERE b.school_year = :year) AS this_year, \
         (SELECT COUNT(*) FROM measure_build b WHERE b.school_year = :prior) AS prior_year \
         FROM measure_state s WHERE s.id = 1"
    );
    #[derive(FromQueryResult)]
    struct State {
        current: i32,
        this_year: i64,
        prior_year: i64,
    }
    let params = Params::new()
        .set("year", year.value())
        .set("prior", year.prior().value());
    let state: Option<State> = params.rows(db, &sql).await?.into_iter().next();
    Ok(state.map_or_else(Readable::default, |s| Readable {
        year: s.current == 1 && s.this_year > 0,
        prior: s.current == 1 && s.prior_year > 0,
    }))
}

/// The condition on `measure_state s` that the counts are current: built from a snapshot that
/// saw every committed write.
fn current_condition(backend: DbBackend) -> &'static str {
    match backend {
        // Every change the build did not see was kept for this very build by its writer.
        DbBackend::Postgres => {
            "s.built_snapshot IS NOT NULL AND NOT EXISTS (SELECT 1 FROM data_change c \
             WHERE c.txid >= pg_snapshot_xmin(CAST(s.built_snapshot AS pg_snapshot)) \
             AND NOT pg_visible_in_snapshot(c.txid, CAST(s.built_snapshot AS pg_snapshot)) \
             AND c.kept_for IS DISTINCT FROM s.built_snapshot)"
        }
        _ => "s.built_version = (SELECT v.version FROM data_version v WHERE v.id = 1)",
    }
}

/// Whether the counts are current on `db` (one statement).
async fn current(db: &impl ConnectionTrait) -> ApiResult<bool> {
    let sql = format!(
        "SELECT CASE WHEN {} THEN 1 ELSE 0 END AS current FROM measure_state s WHERE s.id = 1",
        current_condition(db.get_database_backend())
    );
    #[derive(FromQueryResult)]
    struct State {
        current: i32,
    }
    let state: Vec<State> = Params::new().rows(db, &sql).await?;
    Ok(state.first().is_some_and(|s| s.current == 1))
}

/// Which organizations' figures a read wants: one, several, or every one.
pub enum Organizations<'a> {
    These(&'a [i32]),
    Every,
}

/// One organization's counts as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct Counts {
    pub organization_id: i32,
    pub numerator: i64,
    pub denominator: i64,
}

/// The kept counts of `code` in `year` as of `as_of` for `organizations` (each over its
/// subtree); organizations with nothing to count have no row.
pub async fn counts(
    db: &impl ConnectionTrait,
    code: MeasureCode,
    year: SchoolYear,
    as_of: chrono::NaiveDate,
    organizations: Organizations<'_>,
) -> ApiResult<Vec<Counts>> {
    let mut params = Params::new()
        .set("year", year.value())
        .set("measure", code.as_str())
        .set("asof", as_of);
    let only = match organizations {
        Organizations::These(ids) => {
            params = params.set_list("orgs", ids.iter().copied());
            "AND m.organization_id IN (:orgs)"
        }
        Organizations::Every => "",
    };
    let sql = format!(
        "SELECT m.organization_id AS organization_id, \
         CAST(SUM(CASE WHEN m.hit_from <= :asof THEN m.subjects ELSE 0 END) AS BIGINT) AS numerator, \
         CAST(SUM(CASE WHEN m.counted_from <= :asof THEN m.subjects ELSE 0 END) AS BIGINT) AS denominator \
         FROM measure_count m WHERE m.school_year = :year AND m.measure = :measure {only} \
         GROUP BY m.organization_id"
    );
    params.rows(db, &sql).await
}

/// The kept counts one run of the measures reads, in one statement: for each of `tabled` (the
/// measures whose suppression pattern is computed over the whole table) every organization,
/// for each of `others` the organizations `wanted`; in `year` as of `as_of` and in the year
/// before as of `prior_as_of`. Keyed by measure and whether it is the prior year.
pub async fn counts_of_run(
    db: &impl ConnectionTrait,
    (year, as_of, prior_as_of): (SchoolYear, NaiveDate, NaiveDate),
    tabled: &[MeasureCode],
    others: &[MeasureCode],
    wanted: &[i32],
) -> ApiResult<HashMap<(MeasureCode, bool), Vec<Counts>>> {
    let day = "CASE WHEN m.school_year = :year THEN :asof ELSE :prior_asof END";
    let select = format!(
        "SELECT m.measure AS measure, m.school_year AS school_year, m.organization_id AS organization_id, \
         CAST(SUM(CASE WHEN m.hit_from <= {day} THEN m.subjects ELSE 0 END) AS BIGINT) AS numerator, \
         CAST(SUM(CASE WHEN m.counted_from <= {day} THEN m.subjects ELSE 0 END) AS BIGINT) AS denominator \
         FROM measure_count m WHERE m.school_year IN (:year, :prior)"
    );
    // The codes are the enum's own, never input.
    let codes = |of: &[MeasureCode]| {
        of.iter()
            .map(|c| format!("'{}'", c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let group = "GROUP BY m.measure, m.school_year, m.organization_id";
    let mut parts = Vec::new();
    if !tabled.is_empty() {
        parts.push(format!("{select} AND m.measure IN ({}) {group}", codes(tabled)));
    }
    if !others.is_empty() {
        parts.push(format!(
            "{select} AND m.measure IN ({}) AND m.organization_id IN (:orgs) {group}",
            codes(others)
        ));
    }
    let mut kept: HashMap<(MeasureCode, bool), Vec<Counts>> = HashMap::new();
    if parts.is_empty() {
        return Ok(kept);
    }
    #[derive(FromQueryResult)]
    struct Row {
        measure: String,
        school_year: i32,
        organization_id: i32,
        numerator: i64,
        denominator: i64,
    }
    let rows: Vec<Row> = Params::new()
        .set("year", year.value())
        .set("prior", year.prior().value())
        .set("asof", as_of)
        .set("prior_asof", prior_as_of)
        .set_list("orgs", wanted.iter().copied())
        .rows(db, &parts.join(" UNION ALL "))
        .await?;
    for row in rows {
        let code = MeasureCode::parse(&row.measure)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no measure {}", row.measure)))?;
        kept.entry((code, row.school_year != year.value()))
            .or_default()
            .push(Counts {
                organization_id: row.organization_id,
                numerator: row.numerator,
                denominator: row.denominator,
            });
    }
    Ok(kept)
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rebuilt {
    /// The school years built.
    pub years: Vec<i32>,
    /// Rows of `measure_count` written.
    pub rows: u64,
    /// Whether another rebuild held the lock, so this one did nothing (PostgreSQL).
    pub skipped: bool,
}

/// Recomputes every kept count from the raw rows, in one transaction: every school year with
/// sections, evaluation cycles, surveys or attendance, and the year before each.
#[tracing::instrument(skip_all)]
pub async fn rebuild(db: &DatabaseConnection) -> ApiResult<Rebuilt> {
    let backend = db.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    let txn = if postgres {
        db.begin_with_config(Some(IsolationLevel::RepeatableRead), None).await?
    } else {
        db.begin().await?
    };
    // The snapshot (PostgreSQL) or version (SQLite) the counts are built from: read first, so
    // that it is the one every later statement of the transaction sees.
    let mut state = Params::new();
    if postgres {
        #[derive(FromQueryResult)]
        struct Locked {
            locked: bool,
            snapshot: String,
        }
        let locked: Vec<Locked> = Params::new()
            .set("lock", REBUILD_LOCK)
            .rows(
                &txn,
                "SELECT pg_try_advisory_xact_lock(:lock) AS locked, CAST(pg_current_snapshot() AS TEXT) AS snapshot",
            )
            .await?;
        let Some(locked) = locked.into_iter().next().filter(|l| l.locked) else {
            return Ok(Rebuilt {
                skipped: true,
                ..Rebuilt::default()
            });
        };
        state = state.set("snapshot", locked.snapshot);
    } else {
        #[derive(FromQueryResult)]
        struct Version {
            version: i64,
        }
        let version: Vec<Version> = Params::new()
            .rows(&txn, "SELECT version FROM data_version WHERE id = 1")
            .await?;
        state = state.set("version", version.first().map_or(0, |v| v.version));
    }
    let years = years(&txn).await?;
    let (window, prior_valid) = training_window(&txn).await?;
    let roots = roots(&txn).await?;
    txn.execute_unprepared("DELETE FROM measure_count").await?;
    txn.execute_unprepared("DELETE FROM measure_build").await?;
    let dialect = Dialect(backend);
    let mut rows = 0;
    for &year in &years {
        let year = SchoolYear::parse(year, "school_year")?;
        for code in COUNTED {
            let Some(subjects) = code.subjects(dialect) else {
                continue;
            };
            let sql = format!(
                "{CLOSURE} INSERT INTO measure_count \
                 (school_year, measure, organization_id, counted_from, hit_from, subjects) \
                 SELECT :year, :measure, s.unit_id, s.counted_from, s.hit_from, COUNT(DISTINCT s.subject) \
                 FROM ({subjects}) s GROUP BY s.unit_id, s.counted_from, s.hit_from"
            );
            for &root in &roots {
                let params = Params::new()
                    .year(year, year.end())
                    .set("scope", root)
                    .set("measure", code.as_str())
                    .set("window", window)
                    .set("prior_valid", prior_valid);
                rows += params.execute(&txn, &sql).await?;
            }
        }
        Params::new()
            .set("year", year.value())
            .execute(&txn, "INSERT INTO measure_build (school_year) VALUES (:year)")
            .await?;
    }
    if postgres {
        state
            .execute(
                &txn,
                "UPDATE measure_state SET built_snapshot = :snapshot, built_at = CAST(now() AS TEXT) WHERE id = 1",
            )
            .await?;
        // Writers older than the snapshot's horizon were all visible to it: forget them.
        state
            .execute(
                &txn,
                "DELETE FROM data_change WHERE txid < pg_snapshot_xmin(CAST(:snapshot AS pg_snapshot))",
            )
            .await?;
    } else {
        state
            .execute(
                &txn,
                "UPDATE measure_state SET built_version = :version, built_at = datetime('now') WHERE id = 1",
            )
            .await?;
    }
    txn.commit().await?;
    tracing::info!(years = ?years, rows, "measure counts rebuilt");
    Ok(Rebuilt {
        years,
        rows,
        skipped: false,
    })
}

/// The integers a statement selects as `value`.
async fn integers(db: &impl ConnectionTrait, sql: &str) -> ApiResult<Vec<i32>> {
    #[derive(FromQueryResult)]
    struct Integer {
        value: i32,
    }
    let rows: Vec<Integer> = Params::new().rows(db, sql).await?;
    Ok(rows.into_iter().map(|r| r.value).collect())
}

/// The ids of the organizations at the top of a tree (a district).
async fn roots(db: &impl ConnectionTrait) -> ApiResult<Vec<i32>> {
    integers(
        db,
        "SELECT id AS value FROM organization WHERE parent_id IS NULL ORDER BY id",
    )
    .await
}

/// The school years to build: those with sections, evaluation cycles, surveys or attendance,
/// and the year before each (the prior year every measure reports).
async fn years(db: &impl ConnectionTrait) -> ApiResult<Vec<i32>> {
    let found = integers(
        db,
        "SELECT school_year AS value FROM section UNION SELECT school_year FROM evaluation_cycle \
         UNION SELECT school_year FROM survey UNION SELECT school_year FROM attendance_summary",
    )
    .await?;
    let years: BTreeSet<i32> = found
        .iter()
        .flat_map(|&year| [year, year - 1])
        .filter(|y| (1990..=2100).contains(y))
        .collect();
    Ok(years.into_iter().collect())
}

/// The school years the counts are built for, in order.
async fn built_years(db: &impl ConnectionTrait) -> ApiResult<Vec<i32>> {
    integers(
        db,
        "SELECT school_year AS value FROM measure_build ORDER BY school_year",
    )
    .await
}

/// One figure the maintained counts give differently from the raw rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub year: i32,
    pub measure: &'static str,
    pub organization_id: i32,
    pub as_of: chrono::NaiveDate,
    /// (numerator, denominator) kept.
    pub kept: (i64, i64),
    /// (numerator, denominator) counted from the rows.
    pub counted: (i64, i64),
}

/// Compares every kept figure — each school year built, counted measure and organization, as
/// of each published date of the year (the months' last days) — with the same figure counted
/// from the raw rows; the differences. Reads only: run it against counts that are current.
pub async fn check(db: &DatabaseConnection) -> ApiResult<Vec<Drift>> {
    let mut drifts = Vec::new();
    for year in built_years(db).await? {
        let year = SchoolYear::parse(year, "school_year")?;
        for root in crate::sql::tree::Scope::roots(db).await? {
            for as_of in year.published_dates() {
                let run = super::service::Run::new(db, year, as_of, &root).from_rows();
                for code in COUNTED {
                    let counted = run.every_organization(code).await?;
                    let kept = counts(db, code, year, as_of, Organizations::Every).await?;
                    let kept: std::collections::HashMap<i32, (i64, i64)> = kept
                        .into_iter()
                        .map(|c| (c.organization_id, (c.numerator, c.denominator)))
                        .collect();
                    let ids: BTreeSet<i32> = kept.keys().chain(counted.keys()).copied().collect();
                    for id in ids {
                        let kept = kept.get(&id).copied().unwrap_or_default();
                        let counted = counted
                            .get(&id)
                            .map_or((0, 0), |f| (f.numerator as i64, f.denominator as i64));
                        if kept != counted {
                            drifts.push(Drift {
                                year: year.value(),
                                measure: code.as_str(),
                                organization_id: id,
                                as_of,
                                kept,
                                counted,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(drifts)
}

/// After a bulk write (an import, a seed): rebuilds the counts, so that the next read finds
/// them current. A failure is logged, not returned: the write has committed, and counts out of
/// date are never read (figures are counted from the rows until the next rebuild).
pub async fn refresh(db: &DatabaseConnection) {
    if let Err(error) = rebuild(db).await {
        tracing::warn!(error = %error, "rebuilding the measure counts failed; figures are counted from the rows");
        error.log();
    }
}

/// The databases this process is rebuilding the counts of in the background, by
/// [`identity`].
static REBUILDING: std::sync::Mutex<BTreeSet<String>> = std::sync::Mutex::new(BTreeSet::new());

/// Which database `db` is: its name and port (PostgreSQL) or its file (SQLite).
async fn identity(db: &impl ConnectionTrait) -> ApiResult<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT current_database() || ':' || COALESCE(CAST(inet_server_port() AS TEXT), '') AS name"
        }
        _ => "SELECT file AS name FROM pragma_database_list WHERE name = 'main'",
    };
    #[derive(FromQueryResult)]
    struct Name {
        name: String,
    }
    let names: Vec<Name> = Params::new().rows(db, sql).await?;
    Ok(names.into_iter().next().map_or_else(String::new, |n| n.name))
}

/// Rebuilds on a task of its own, unless this process is already rebuilding the same
/// database's counts (another node's rebuild is ruled out by the lock): called after a
/// mutation commits (folding the upkeep's rows, or after a write the counts were not kept
/// through); it does not wait for it.
pub fn rebuild_in_background(db: &DatabaseConnection) {
    spawn_rebuild(db, false);
}

/// [`rebuild_in_background`] for a read that found the counts out of date — unless they are
/// current on `db` by the time the task runs: a read of a replica that had not yet replayed
/// the primary's last rebuild asks for one the primary no longer needs.
pub fn rebuild_when_stale(db: &DatabaseConnection) {
    spawn_rebuild(db, true);
}

fn spawn_rebuild(db: &DatabaseConnection, only_when_stale: bool) {
    let mut db = db.clone();
    // The handle may be a request's, counting its statements: the rebuild is not the
    // request's work, so this clone counts nothing.
    db.set_metric_callback(|_| {});
    tokio::spawn(async move {
        let Ok(name) = identity(&db).await else {
            return;
        };
        let first = REBUILDING
            .lock()
            .map(|mut set| set.insert(name.clone()))
            .unwrap_or(false);
        if !first {
            return;
        }
        if !(only_when_stale && current(&db).await.unwrap_or(false)) {
            refresh(&db).await;
        }
        if let Ok(mut set) = REBUILDING.lock() {
            set.remove(&name);
        }
    });
}

/// What a write changes of the measures, for [`keep`].
#[derive(Debug, Clone, Default)]
pub struct Touch {
    /// The counted measures whose subjects the write may change; each one whose subjects are
    /// a person's ([`MeasureCode::subjects_of`]).
    pub measures: Vec<MeasureCode>,
    /// The staff whose subjects those are.
    pub staff: Vec<i32>,
    /// The one school year the write can change, when it is known; every year built otherwise.
    pub year: Option<i32>,
}

/// Keeps the counts current through `write`, which changes the rows of the subjects `touch`
/// names and no other: called before the write changes any row, it counts those subjects as
/// they are; at the end of the write's transaction they are counted again and the difference is
/// added to `measure_count` — so the read after the commit is served from the counts, exact,
/// on every node (the write marks its row of `data_change` kept for the build it began with /
/// moves the built version on).
///
/// **Exact under concurrency.** The writes that keep the counts run their upkeep one at a time
/// (PostgreSQL: an advisory lock held from here to the commit; SQLite has one writer). The
/// difference is added as rows of its own (`upkeep = 1`), never by updating a count in place,
/// so a rebuild running beside the write does not wait for it. A rebuild that commits after
/// the write began leaves the counts out of date on PostgreSQL (its snapshot may not have seen
/// the write, whose change was kept for the build before; migration 000013) until the next
/// rebuild, which the next read starts. A write that finds another
/// transaction committed meanwhile a change the counts have not seen (an import, a manual fix),
/// or a rebuild committed, leaves the counts out of date — as if it had not kept them — and the
/// next read rebuilds. Past [`UPKEEP_ROWS`] added rows, the write starts a rebuild, which
/// folds them into counts again.
pub async fn keep(write: &Write, touch: Touch) -> ApiResult<()> {
    let tx = write.db();
    let dialect = Dialect::of(tx);
    if let Some(code) = touch
        .measures
        .iter()
        .find(|c| c.subjects_of(dialect, Of::Staff).is_none())
    {
        return Err(ApiError::internal(anyhow::anyhow!(
            "{code:?}'s subjects are not a person's: a write to them rebuilds the counts"
        )));
    }
    let mark = Mark::read(tx).await?;
    let mut years: Vec<SchoolYear> = Vec::new();
    if !touch.staff.is_empty() && !touch.measures.is_empty() {
        for year in built_years(tx).await? {
            if touch.year.is_none_or(|y| y == year) {
                years.push(SchoolYear::parse(year, "school_year")?);
            }
        }
    }
    let window = if touch.measures.contains(&MeasureCode::SupervisorTraining) && !years.is_empty() {
        training_window(tx).await?
    } else {
        (0, 0)
    };
    let mut upkeep = Upkeep {
        roots: if years.is_empty() { Vec::new() } else { roots(tx).await? },
        touch,
        years,
        window,
        before: HashMap::new(),
        mark,
        db: write.connection().clone(),
    };
    upkeep.before = upkeep.contributions(tx).await?;
    write.before_commit(Box::new(upkeep));
    Ok(())
}

/// A group of `measure_count`: year, measure, organization and the two days.
type Group = (i32, MeasureCode, i32, NaiveDate, Option<NaiveDate>);

/// A write's upkeep of the counts ([`keep`]): the touched subjects' contributions as they were.
struct Upkeep {
    touch: Touch,
    years: Vec<SchoolYear>,
    roots: Vec<i32>,
    window: (i32, i32),
    before: HashMap<Group, i64>,
    mark: Mark,
    db: DatabaseConnection,
}

/// What the counts were built from when the write began, to tell at its end whether they
/// still describe everything committed but the write itself.
enum Mark {
    /// The counts' built snapshot when the upkeep began.
    Postgres { built: Option<String> },
    /// The data version when the write began.
    Sqlite { version: i64 },
}

impl Mark {
    /// Takes the upkeep's turn (PostgreSQL) and reads the mark: one statement.
    async fn read(tx: &DatabaseTransaction) -> ApiResult<Self> {
        if tx.get_database_backend() == DbBackend::Postgres {
            #[derive(FromQueryResult)]
            struct Row {
                built: Option<String>,
            }
            let rows: Vec<Row> = Params::new()
                .set("lock", UPKEEP_LOCK)
                .rows(
                    tx,
                    "SELECT s.built_snapshot AS built \
                     FROM (SELECT pg_advisory_xact_lock(:lock)) l, measure_state s WHERE s.id = 1",
                )
                .await?;
            let row = only_row(rows, "measure_state")?;
            return Ok(Self::Postgres { built: row.built });
        }
        #[derive(FromQueryResult)]
        struct Row {
            version: i64,
        }
        let rows: Vec<Row> = Params::new()
            .rows(tx, "SELECT version FROM data_version WHERE id = 1")
            .await?;
        let row = only_row(rows, "data_version")?;
        Ok(Self::Sqlite { version: row.version })
    }

    /// Marks the counts current with the write in them, unless something else changed
    /// meanwhile (see [`keep`]): one statement.
    async fn settle(&self, tx: &DatabaseTransaction) -> ApiResult<()> {
        match self {
            // The write's change is kept for the build it began with: the counts are current
            // with it while that build is the one read (a rebuild committed since, whose
            // snapshot may not see the write, makes them out of date), and while no other
            // change went unkept (an import's, a manual fix's: their rows stay unkept).
            Self::Postgres { built } => {
                if let Some(built) = built {
                    Params::new()
                        .set("built", built.as_str())
                        .execute(
                            tx,
                            "UPDATE data_change SET kept_for = :built WHERE txid = pg_current_xact_id()",
                        )
                        .await?;
                }
            }
            // Current when the write began (one writer at a time: nothing else has committed).
            Self::Sqlite { version } => {
                Params::new()
                    .set("version", *version)
                    .execute(
                        tx,
                        "UPDATE measure_state SET built_version = (SELECT v.version FROM data_version v WHERE v.id = 1) \
                         WHERE id = 1 AND built_version = :version",
                    )
                    .await?;
            }
        }
        Ok(())
    }
}

/// The one row of a table of one row (`measure_state`, `data_version`).
fn only_row<T>(rows: Vec<T>, table: &str) -> ApiResult<T> {
    rows.into_iter()
        .next()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("{table} has no row")))
}

impl Upkeep {
    /// The touched subjects' contributions to every group: one statement per year and
    /// district, every touched measure in it.
    async fn contributions(&self, tx: &DatabaseTransaction) -> ApiResult<HashMap<Group, i64>> {
        let mut groups = HashMap::new();
        if self.touch.staff.is_empty() {
            return Ok(groups);
        }
        #[derive(FromQueryResult)]
        struct Row {
            measure: String,
            organization_id: i32,
            counted_from: NaiveDate,
            hit_from: Option<NaiveDate>,
            subjects: i64,
        }
        let dialect = Dialect::of(tx);
        let parts: Vec<String> = self
            .touch
            .measures
            .iter()
            .filter_map(|code| {
                let subjects = code.subjects_of(dialect, Of::Staff)?;
                Some(format!(
                    "SELECT '{}' AS measure, s.unit_id AS organization_id, s.counted_from AS counted_from, \
                     s.hit_from AS hit_from, CAST(COUNT(DISTINCT s.subject) AS BIGINT) AS subjects \
                     FROM ({subjects}) s GROUP BY s.unit_id, s.counted_from, s.hit_from",
                    code.as_str()
                ))
            })
            .collect();
        if parts.is_empty() {
            return Ok(groups);
        }
        let sql = format!("{CLOSURE} {}", parts.join(" UNION ALL "));
        for &year in &self.years {
            for &root in &self.roots {
                let rows: Vec<Row> = Params::new()
                    .year(year, year.end())
                    .set("scope", root)
                    .set("window", self.window.0)
                    .set("prior_valid", self.window.1)
                    .set_list("staff", self.touch.staff.iter().copied())
                    .rows(tx, &sql)
                    .await?;
                for row in rows {
                    let code = MeasureCode::parse(&row.measure)
                        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no measure {}", row.measure)))?;
                    let group = (year.value(), code, row.organization_id, row.counted_from, row.hit_from);
                    *groups.entry(group).or_default() += row.subjects;
                }
            }
        }
        Ok(groups)
    }
}

#[async_trait::async_trait]
impl BeforeCommit for Upkeep {
    async fn run(self: Box<Self>, tx: &DatabaseTransaction) -> ApiResult<Option<AfterCommit>> {
        let mut difference = self.contributions(tx).await?;
        for (group, subjects) in &self.before {
            *difference.entry(*group).or_default() -= subjects;
        }
        difference.retain(|_, subjects| *subjects != 0);
        let rows: Vec<Vec<Value>> = difference
            .into_iter()
            .map(|((year, code, organization, counted_from, hit_from), subjects)| {
                vec![
                    Value::Int(Some(year)),
                    Value::String(Some(code.as_str().to_owned())),
                    Value::Int(Some(organization)),
                    Value::ChronoDate(Some(counted_from)),
                    Value::ChronoDate(hit_from),
                    Value::BigInt(Some(subjects)),
                    Value::Int(Some(1)),
                ]
            })
            .collect();
        let added = !rows.is_empty();
        if added {
            let mut sql = Sql::new(tx.get_database_backend());
            sql.push(
                "INSERT INTO measure_count \
                 (school_year, measure, organization_id, counted_from, hit_from, subjects, upkeep) ",
            )
            .relation(rows)?;
            tx.execute_raw(sql.statement()).await?;
        }
        self.mark.settle(tx).await?;
        if !added {
            return Ok(None);
        }
        #[derive(FromQueryResult)]
        struct Added {
            added: i64,
        }
        // The rows the upkeeps added, and on PostgreSQL the changes kept since the build (each
        // read's freshness check passes over them): past the bound, a rebuild folds both away.
        let sql = match tx.get_database_backend() {
            DbBackend::Postgres => {
                "SELECT (SELECT COUNT(*) FROM measure_count WHERE upkeep = 1) \
                 + (SELECT COUNT(*) FROM data_change) AS added"
            }
            _ => "SELECT COUNT(*) AS added FROM measure_count WHERE upkeep = 1",
        };
        let counted: Vec<Added> = Params::new().rows(tx, sql).await?;
        if counted.first().is_none_or(|c| c.added <= UPKEEP_ROWS) {
            return Ok(None);
        }
        let db = self.db;
        Ok(Some(Box::new(move || rebuild_in_background(&db))))
    }
}
