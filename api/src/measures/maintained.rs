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

use super::definitions::MeasureCode;
use super::service::training_window;
use crate::calendar::SchoolYear;
use crate::error::ApiResult;
use crate::sql::tree::CLOSURE;
use crate::sql::{Dialect, Params};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, IsolationLevel, TransactionTrait};
use std::collections::BTreeSet;

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
    let current = match db.get_database_backend() {
        DbBackend::Postgres => {
            "s.built_snapshot IS NOT NULL AND NOT EXISTS (SELECT 1 FROM data_change c \
             WHERE c.txid >= pg_snapshot_xmin(CAST(s.built_snapshot AS pg_snapshot)) \
             AND NOT pg_visible_in_snapshot(c.txid, CAST(s.built_snapshot AS pg_snapshot)))"
        }
        _ => "s.built_version = (SELECT v.version FROM data_version v WHERE v.id = 1)",
    };
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
    let roots: Vec<i32> = {
        #[derive(FromQueryResult)]
        struct Root {
            id: i32,
        }
        let roots: Vec<Root> = Params::new()
            .rows(&txn, "SELECT id FROM organization WHERE parent_id IS NULL")
            .await?;
        roots.into_iter().map(|r| r.id).collect()
    };
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

/// The school years to build: those with sections, evaluation cycles, surveys or attendance,
/// and the year before each (the prior year every measure reports).
async fn years(db: &impl ConnectionTrait) -> ApiResult<Vec<i32>> {
    #[derive(FromQueryResult)]
    struct Year {
        school_year: i32,
    }
    let rows: Vec<Year> = Params::new()
        .rows(
            db,
            "SELECT school_year FROM section UNION SELECT school_year FROM evaluation_cycle \
             UNION SELECT school_year FROM survey UNION SELECT school_year FROM attendance_summary",
        )
        .await?;
    let years: BTreeSet<i32> = rows
        .iter()
        .flat_map(|r| [r.school_year, r.school_year - 1])
        .filter(|y| (1990..=2100).contains(y))
        .collect();
    Ok(years.into_iter().collect())
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
    #[derive(FromQueryResult)]
    struct Year {
        school_year: i32,
    }
    let built: Vec<Year> = Params::new()
        .rows(db, "SELECT school_year FROM measure_build ORDER BY school_year")
        .await?;
    let mut drifts = Vec::new();
    for year in built {
        let year = SchoolYear::parse(year.school_year, "school_year")?;
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
/// database's counts (another node's rebuild is ruled out by the lock): called by a read that
/// found the counts out of date, and after a mutation commits; neither waits for it.
pub fn rebuild_in_background(db: &DatabaseConnection) {
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
        refresh(&db).await;
        if let Ok(mut set) = REBUILDING.lock() {
            set.remove(&name);
        }
    });
}
