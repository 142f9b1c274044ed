//! Loading the district's data from the CSV files of DESIGN.md §5, and writing them back.
//!
//! Each file is described once, as data (`formats.rs`): its columns and their types, the rows
//! it references by natural key, the checks across columns, the table it lands in and the
//! query that exports it. The loader is shared by every file:
//!
//! - a thread of its own reads the file (streaming: rows go on in chunks of
//!   [`CHUNK_ROWS`], so memory does not grow with the file), checks the header, parses every
//!   cell once and computes the file's SHA-256;
//! - per chunk, the database side resolves each reference with one statement for the whole
//!   chunk, compares the rows with what is stored (one statement) and writes the new and
//!   changed ones with one multi-row `INSERT … ON CONFLICT … DO UPDATE` — never a statement
//!   per row;
//! - the whole file is one transaction: any error (up to [`MAX_ERRORS`] are listed, each with
//!   the file, line, column and reason) rolls it back, so nothing of a refused or interrupted
//!   file is kept; a loaded file appends an audit event with the counts and the checksum.

mod cell;
mod export;
mod formats;
mod load;
pub mod mutation;
pub mod progress;
mod read;
mod spec;
mod staged;
pub mod subscription;

pub use crate::audit::Actor;
pub use crate::error::RowError;
pub use export::export_dir;
pub use load::{import_dir, import_file, import_source};

use async_graphql::{Enum, SimpleObject};

/// Rows parsed, checked and written together.
pub const CHUNK_ROWS: usize = 1_000;

/// Errors listed for a refused file (the rest are counted).
pub const MAX_ERRORS: usize = 100;

/// The import files, in the order a directory is loaded (each file may refer to the ones
/// before it).
#[derive(
    Enum,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    clap::ValueEnum,
    serde::Serialize,
    strum::VariantArray,
    strum::IntoStaticStr,
)]
#[value(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ImportKind {
    /// organizations.csv: the district, regions, schools and offices.
    Organizations,
    /// employee_groups.csv.
    EmployeeGroups,
    /// staff.csv: the HR roster.
    Staff,
    /// assignments.csv: who works where, in which job.
    Assignments,
    /// sections.csv: class sections with their enrolment counts.
    Sections,
    /// section_teachers.csv: who teaches each section.
    SectionTeachers,
    /// evaluation_process_groups.csv: which employee groups each process serves.
    EvaluationProcessGroups,
    /// evaluation_cycles.csv: a process's yearly cycle.
    EvaluationCycles,
    /// evaluations.csv.
    Evaluations,
    /// evaluation_events.csv: observations, conferences, self-assessments.
    EvaluationEvents,
    /// element_ratings.csv.
    ElementRatings,
    /// surveys.csv.
    Surveys,
    /// survey_questions.csv.
    SurveyQuestions,
    /// survey_administrations.csv: the SFS given in a section by a teacher.
    SurveyAdministrations,
    /// survey_responses.csv: one row per answer.
    SurveyResponses,
    /// training_courses.csv.
    TrainingCourses,
    /// training_completions.csv.
    TrainingCompletions,
    /// ease_reports.csv: the EASE vendor's aggregates.
    EaseReports,
    /// attendance.csv: yearly attendance summaries.
    Attendance,
}

impl ImportKind {
    /// Every kind, in load order (the order of the variants above).
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The file's name without `.csv`, e.g. `employee_groups`: the variant's name in
    /// snake case.
    pub fn stem(self) -> &'static str {
        self.into()
    }

    /// The file's name, e.g. `employee_groups.csv`.
    pub fn file_name(self) -> String {
        format!("{}.csv", self.stem())
    }

    /// The kind a file name stands for.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let stem = name.strip_suffix(".csv")?;
        Self::ALL.iter().copied().find(|kind| kind.stem() == stem)
    }
}

/// What importing one file did.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileSummary {
    /// Which file.
    pub kind: ImportKind,
    /// The file's name as given.
    pub file: String,
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Rows that were not in the database.
    pub inserted: u64,
    /// Rows whose stored values changed.
    pub updated: u64,
    /// Rows already stored exactly so.
    pub unchanged: u64,
    /// SHA-256 of the file's bytes, in hex.
    pub sha256: String,
    /// SQL statements the load sent, the audit event's included (not shown over GraphQL nor
    /// audited: a measure of the loader, the same for a file of ten rows or ten million on
    /// PostgreSQL, one more set per chunk of rows on SQLite).
    #[graphql(skip)]
    #[serde(skip)]
    pub statements: u64,
}

/// Why a file was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has errors; nothing of it was written.
    #[error("{file}: refused with {total} error(s); nothing of it was loaded")]
    Refused {
        file: String,
        /// The first [`MAX_ERRORS`] errors.
        errors: Vec<RowError>,
        /// How many errors were found in all.
        total: usize,
    },
    /// The file could not be read (missing, unreadable).
    #[error("{file}: {reason}")]
    Unreadable { file: String, reason: String },
    /// The database failed; nothing of the file was written.
    #[error(transparent)]
    Api(#[from] crate::error::ApiError),
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Api(error.into())
    }
}
