//! Seeding a database with a generated district: the district data of every table in DESIGN.md
//! §2 (reference data comes from the migrations), shaped so that each measure of §3 has
//! something to show (every status, every breakdown, a suppressed cell).
//! [`Shape::DEMO`] is the small, complete district the embedded default serves on first start;
//! tests ask for more schools and the benchmarks for [`Shape::DISTRICT`], DESIGN's scale. The
//! generator is deterministic: the same seed gives the same rows (ChaCha8, fixed dates, no
//! clock). Loading goes through [`crate::sql::bulk`], the import's write path, in one transaction.
//!
//! # Layout
//! One file per area, each an `impl Generator` block adding that area's rows:
//! - `organization`: organizations, employee groups, staff, assignments, sections and their
//!   teachers;
//! - `evaluation`: which processes serve which groups, cycles, evaluations, events, ratings;
//! - `survey`: the Stakeholder Feedback and School Experience surveys and their responses;
//! - `training`: the year's supervisory entries, courses and completions;
//! - `wellness`: EASE reports and attendance;
//! - `shape` (how big a district is), `names` (what names are drawn from), `reference` (ids of
//!   the migrations' reference data);
//! - here: [`generate`], which runs the areas in order, [`DemoData`] and the seed entry points.

mod evaluation;
mod names;
mod organization;
mod reference;
mod shape;
mod survey;
mod training;
mod wellness;

pub use reference::ReferenceIds;
pub use shape::Shape;

/// The generator's names at the path callers have used since it was one file, `seed::demo`.
pub mod demo {
    pub use super::{DEMO_YEAR, DemoData, ReferenceIds, Shape, generate};
}

use crate::error::{ApiError, ApiResult};
use crate::sql::bulk::insert_all;
use chrono::{Days, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityName, TransactionTrait};
use shape::Level;
use std::collections::{BTreeMap, HashMap};

/// The school year the demo covers: 2026 is 2025-26.
pub const DEMO_YEAR: i32 = 2026;

/// Rows written per table, as the generator reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeedReport {
    pub rows: BTreeMap<&'static str, u64>,
}

impl SeedReport {
    pub fn total(&self) -> u64 {
        self.rows.values().sum()
    }
}

/// Why a seed did not run.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "the database already holds district data; seed loads into an empty database (see `staffgraph migrate fresh --yes`)"
    )]
    NotEmpty,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<sea_orm::DbErr> for SeedError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Api(error.into())
    }
}

/// Loads the demo district generated from `seed` into an empty, migrated database, in one
/// transaction, and appends an audit event.
pub async fn seed_demo(db: &DatabaseConnection, seed: u64) -> Result<SeedReport, SeedError> {
    seed_shaped(db, seed, Shape::DEMO).await
}

/// Loads a generated district of `shape` (the demo's generator, more schools) as
/// [`seed_demo`] does.
#[tracing::instrument(skip(db))]
pub async fn seed_shaped(db: &DatabaseConnection, seed: u64, shape: Shape) -> Result<SeedReport, SeedError> {
    if !crate::db::is_empty(db).await? {
        return Err(SeedError::NotEmpty);
    }
    let reference = ReferenceIds::load(db).await?;
    let data = generate(seed, shape, &reference);
    let txn = db.begin().await?;
    let report = data.insert(&txn).await?;
    let after = serde_json::to_value(&report).unwrap_or_default();
    let change = crate::audit::Change {
        action: "SEED",
        entity: "demo",
        entity_id: None,
        row_id: None,
        before: None,
        after: Some(after),
    };
    crate::audit::record(&txn, &crate::audit::Actor::os_user(), change).await?;
    txn.commit().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        crate::sql::bulk::reset_postgres_sequences(db, report.rows.keys().copied()).await?;
    }
    crate::db::analyze(db).await?;
    crate::measures::maintained::refresh(db).await;
    Ok(report)
}

/// Declares [`DemoData`] and its `insert` from one list of (field, entity of its table), so
/// that a table is added in one place. The list's order is the load order: parents first.
macro_rules! tables {
    ($($(#[doc = $doc:literal])* $field:ident: $entity:ident,)*) => {
        /// Every row of a generated district, with ids assigned: one vector per table.
        #[derive(Default)]
        pub struct DemoData {
            $($(#[doc = $doc])* pub $field: Vec<entity::$entity::Model>,)*
        }

        impl DemoData {
            /// Writes every row, parents first, in bulk; returns the rows per table.
            pub async fn insert<C: ConnectionTrait>(self, db: &C) -> ApiResult<SeedReport> {
                let mut report = SeedReport::default();
                $(
                    let written = insert_all::<entity::$entity::Entity, _, _>(db, self.$field).await?;
                    report.rows.insert(entity::$entity::Entity.table_name(), written);
                )*
                Ok(report)
            }
        }
    };
}

tables! {
    /// The district, its regions and offices, then the schools.
    organizations: organization,
    employee_groups: employee_group,
    staff: staff,
    assignments: assignment,
    sections: section,
    section_teachers: section_teacher,
    /// Which evaluation processes serve which employee groups (district data, DESIGN.md §2).
    process_groups: evaluation_process_group,
    cycles: evaluation_cycle,
    evaluations: evaluation,
    events: evaluation_event,
    element_ratings: element_rating,
    surveys: survey,
    questions: survey_question,
    administrations: survey_administration,
    responses: survey_response,
    answers: survey_answer,
    courses: training_course,
    completions: training_completion,
    ease_reports: ease_report,
    attendance: attendance_summary,
}

/// A generated school: what every area after the organization needs to know of it.
struct School {
    /// The school's organization id.
    id: i32,
    /// Elementary, middle or high: sets its classrooms, courses and counselors.
    level: Level,
    /// The organization id of its region.
    region_id: i32,
    /// Its staff by role, to wire sections, evaluations, surveys and training.
    staff: SchoolStaff,
}

/// Staff the generator keeps track of by role, to wire evaluations and sections.
#[derive(Default)]
struct SchoolStaff {
    /// Evaluates most of the school's staff; evaluated by the region's principal supervisor.
    principal: i32,
    /// Evaluates some teachers; evaluated by the principal.
    assistant_principal: i32,
    /// Classroom teachers (teachers of record of the sections), less those promoted this year.
    teachers: Vec<i32>,
    /// Non-classroom teachers (the instructional coach), who support some sections.
    non_classroom: Vec<i32>,
    /// School counselors: one, two at a high school.
    counselors: Vec<i32>,
    /// Classified staff, less those promoted this year.
    classified: Vec<i32>,
}

/// The generator's state: the random stream, the rows so far and the ids areas look up.
struct Generator<'a> {
    rng: ChaCha8Rng,
    shape: Shape,
    reference: &'a ReferenceIds,
    data: DemoData,
    /// Employee group code → id.
    groups: HashMap<&'static str, i32>,
    /// Each teacher's first section as teacher of record (the one observed).
    first_section: HashMap<i32, i32>,
}

/// Generates a district of `shape` from `seed`.
pub fn generate(seed: u64, shape: Shape, reference: &ReferenceIds) -> DemoData {
    let mut generator = Generator {
        rng: ChaCha8Rng::seed_from_u64(seed),
        shape,
        reference,
        data: DemoData::default(),
        groups: HashMap::new(),
        first_section: HashMap::new(),
    };
    generator.run();
    generator.data
}

impl Generator<'_> {
    /// The areas in order. The order is the random stream's: moving a step changes every row
    /// generated after it.
    fn run(&mut self) {
        let year_start = date(DEMO_YEAR - 1, 7, 1);
        self.employee_groups();
        self.process_groups();
        let (mut schools, offices) = self.organizations();
        for school in &mut schools {
            school.staff = self.school_staff(school.id, school.level);
        }
        let central = self.central_staff(&offices);
        self.supervisory_entries(&mut schools, year_start);
        self.courses_and_training(&schools);
        self.sections(&schools);
        self.evaluations(&schools, &central);
        self.surveys(&schools);
        self.ease_reports(&schools);
        self.attendance();
    }
}

/// Appends the row `row` makes from the next id of `rows` and returns that id: every table's
/// ids count from 1 in generation order, so the rows can refer to each other before loading.
fn add_row<M>(rows: &mut Vec<M>, row: impl FnOnce(i32) -> M) -> i32 {
    let id = i32::try_from(rows.len() + 1).unwrap_or(i32::MAX);
    rows.push(row(id));
    id
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn plus(day: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        day.checked_add_days(Days::new(days as u64)).unwrap_or(day)
    } else {
        day.checked_sub_days(Days::new(days.unsigned_abs())).unwrap_or(day)
    }
}
