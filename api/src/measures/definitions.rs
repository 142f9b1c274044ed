//! Each measure of DESIGN.md §3 as SQL: its *subjects* — the rows it counts — each with the
//! breakdown unit it falls in (`unit_id`, from `scope::TREE`), a `subject` key, the day it
//! counts from (`counted_from`) and the day it becomes a hit (`hit_from`, null when it never
//! does). As of a day D a measure counts the subjects with `counted_from <= D`, and its
//! numerator those with `hit_from <= D`: the as-of date is a filter on the subjects, not a
//! part of their definition, so the same rows serve every date — the raw count of a request
//! and the maintained counts (`maintained.rs`) alike. The service counts them with
//! `COUNT(DISTINCT subject)`, so a person placed under two units counts once in the headline;
//! a subject's two days are the same on each of its rows.
//!
//! What counts whatever the date counts from [`Dialect::always`], the earliest date there is.
//!
//! Parameters: `:scope` (the organization), `:year`, `:start`, `:end` (the school year and its
//! first and last day), and for supervisor training `:window` and `:prior_valid`.
//!
//! The dated facts: an administration counts from its `administered_on`, a training
//! completion from its `completed_on`, a supervisory entry from the day its training was
//! completed or, untrained, the day after its due date. Attendance summaries, survey answers,
//! evaluations and EASE reports carry no date of their own: those figures are as of the last
//! load.

use crate::sql::Dialect;

/// The seven plan measures, by code (`plan_measure.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeasureCode {
    SfsCoverage,
    SupervisorTraining,
    MultipleMeasures,
    EaseUsage,
    ExcellentAttendance,
    SesSupportive,
    WellnessPd,
}

impl MeasureCode {
    pub fn parse(code: &str) -> Option<Self> {
        Some(match code {
            "SFS_COVERAGE" => Self::SfsCoverage,
            "SUPERVISOR_TRAINING" => Self::SupervisorTraining,
            "MULTIPLE_MEASURES" => Self::MultipleMeasures,
            "EASE_USAGE" => Self::EaseUsage,
            "EXCELLENT_ATTENDANCE" => Self::ExcellentAttendance,
            "SES_SUPPORTIVE" => Self::SesSupportive,
            "WELLNESS_PD" => Self::WellnessPd,
            _ => return None,
        })
    }

    /// The code, as `plan_measure.code` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SfsCoverage => "SFS_COVERAGE",
            Self::SupervisorTraining => "SUPERVISOR_TRAINING",
            Self::MultipleMeasures => "MULTIPLE_MEASURES",
            Self::EaseUsage => "EASE_USAGE",
            Self::ExcellentAttendance => "EXCELLENT_ATTENDANCE",
            Self::SesSupportive => "SES_SUPPORTIVE",
            Self::WellnessPd => "WELLNESS_PD",
        }
    }

    /// The subjects of a counted measure; EASE is not counted from rows (vendor aggregates).
    pub fn subjects(self, dialect: Dialect) -> Option<String> {
        self.subjects_of(dialect, Of::Everyone)
    }

    /// The subjects of a counted measure that `of` names: every one, or those of the staff in
    /// `:staff` (a list) — `None` for a measure whose subjects are not a person's (EASE;
    /// MULTIPLE_MEASURES counts employee groups, SES_SUPPORTIVE survey answers).
    pub fn subjects_of(self, dialect: Dialect, of: Of) -> Option<String> {
        let always = dialect.always();
        let only = |column: &str| match of {
            Of::Everyone => String::new(),
            Of::Staff => format!(" AND {column} IN (:staff)"),
        };
        if of == Of::Staff && matches!(self, Self::MultipleMeasures | Self::SesSupportive | Self::EaseUsage) {
            return None;
        }
        let scoped = scoped_staff(of);
        Some(match self {
            Self::SfsCoverage => sfs_classrooms_of(dialect, of, true),
            Self::SupervisorTraining => {
                let untrained = dialect.plus_days("x.due_date", "1");
                let counted_from = dialect.least(&[
                    &untrained,
                    &format!("COALESCE(x.on_time_first, {untrained})"),
                    &format!("COALESCE(x.late_first, {untrained})"),
                ]);
                format!(
                    "SELECT t.unit_id AS unit_id, x.assignment_id AS subject, {counted_from} AS counted_from, \
                     x.on_time_first AS hit_from \
                     FROM ({}) x JOIN tree t ON t.org_id = x.organization_id",
                    entries(dialect, &only("a.staff_id"))
                )
            }
            Self::MultipleMeasures => format!(
                "SELECT ss.unit_id AS unit_id, g.id AS subject, {always} AS counted_from, \
                 CASE WHEN EXISTS ({MULTIPLE_MEASURE_PROCESS} AND pg.employee_group_id = g.id) THEN {always} END AS hit_from \
                 FROM staff s JOIN employee_group g ON g.id = s.employee_group_id \
                 JOIN ({scoped}) ss ON ss.staff_id = s.id \
                 WHERE g.certificated AND s.active"
            ),
            Self::EaseUsage => return None,
            Self::ExcellentAttendance => format!(
                // days_absent / days_expected <= 0.04, exactly: 25 × absent <= expected.
                "SELECT ss.unit_id AS unit_id, att.staff_id AS subject, {always} AS counted_from, \
                 CASE WHEN att.days_absent * 25 <= att.days_expected THEN {always} END AS hit_from \
                 FROM attendance_summary att JOIN ({scoped}) ss ON ss.staff_id = att.staff_id \
                 WHERE att.school_year = :year AND att.days_expected > 0{}",
                only("att.staff_id")
            ),
            Self::SesSupportive => format!(
                "SELECT t.unit_id AS unit_id, ans.id AS subject, {always} AS counted_from, \
                 CASE WHEN ans.value >= q.favorable_from THEN {always} END AS hit_from \
                 FROM survey_answer ans JOIN survey_question q ON q.id = ans.question_id \
                 JOIN survey sv ON sv.id = q.survey_id JOIN survey_response r ON r.id = ans.response_id \
                 JOIN tree t ON t.org_id = r.school_id \
                 WHERE sv.kind = 'SCHOOL_EXPERIENCE' AND sv.school_year = :year AND q.code = 'SUPPORTIVE_PLACE'"
            ),
            Self::WellnessPd => format!(
                "SELECT ss.unit_id AS unit_id, s.id AS subject, {always} AS counted_from, \
                 (SELECT MIN(c.completed_on) FROM training_completion c JOIN training_course k ON k.id = c.course_id \
                   WHERE c.staff_id = s.id AND k.category = 'WELLNESS' AND c.completed_on >= :start AND c.completed_on <= :end) \
                 AS hit_from \
                 FROM staff s JOIN ({scoped}) ss ON ss.staff_id = s.id WHERE s.active{}",
                only("s.id")
            ),
        })
    }
}

/// Which subjects a measure's SQL yields: every one, or those of the staff in the list
/// parameter `:staff` (what a write that changes a few people's rows recounts: `maintained`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    Everyone,
    Staff,
}

/// A scope's staff for a year (DESIGN.md §3: "a school's staff are those whose evaluation or
/// assignment is at that school"): `(staff_id, unit_id)` for every assignment in the subtree
/// that overlaps the year and every evaluation of the year at a school in it; `of` may keep
/// only the staff in `:staff`.
fn scoped_staff(of: Of) -> String {
    let (assignments, evaluations) = match of {
        Of::Everyone => ("", ""),
        Of::Staff => (" AND a.staff_id IN (:staff)", " AND e.evaluatee_id IN (:staff)"),
    };
    format!(
        "SELECT a.staff_id AS staff_id, t.unit_id AS unit_id FROM assignment a \
         JOIN tree t ON t.org_id = a.organization_id \
         WHERE a.begin_date <= :end AND (a.end_date IS NULL OR a.end_date >= :start){assignments} \
         UNION SELECT e.evaluatee_id, t.unit_id FROM evaluation e JOIN evaluation_cycle c ON c.id = e.cycle_id \
         JOIN tree t ON t.org_id = e.school_id WHERE c.school_year = :year{evaluations}"
    )
}

/// The processes of pairs `pg` (process, group) that are multiple-measures (two or more
/// measure kinds) and have a cycle in the year; callers add a condition on `pg`.
pub const MULTIPLE_MEASURE_PROCESS: &str = "SELECT 1 FROM evaluation_process_group pg \
     WHERE (SELECT COUNT(*) FROM evaluation_process_measure m WHERE m.process_id = pg.process_id) >= 2 \
     AND EXISTS (SELECT 1 FROM evaluation_cycle c WHERE c.process_id = pg.process_id AND c.school_year = :year)";

/// SFS_COVERAGE's eligible classrooms: (section, teacher) pairs — a `section_teacher` row — where
/// the teacher is teacher of record of a section of the year with students, and has a
/// non-withdrawn evaluation of the year in a process that requires the survey. A hit from the
/// day of the pair's first ADMINISTERED administration of the year's SFS with at least one
/// response (one recorded without a date counts from when it was recorded: always).
/// Without `unit_id`: the scope's subtree is a filter (`IN`), which SQLite runs as index
/// lookups (a join on the recursive `tree` took it 5 ms a school: the lists, the planning).
pub fn sfs_classrooms(dialect: Dialect) -> String {
    sfs_classrooms_of(dialect, Of::Everyone, false)
}

/// [`sfs_classrooms`], of every teacher or of those in `:staff`; `placed`, each with the unit
/// of the breakdown it falls in (a join on `tree`), as the measure counts them.
fn sfs_classrooms_of(dialect: Dialect, of: Of, placed: bool) -> String {
    let always = dialect.always();
    let (unit, tree, subtree) = if placed {
        ("t.unit_id AS unit_id, ", " JOIN tree t ON t.org_id = s.school_id", "")
    } else {
        ("", "", " AND s.school_id IN (SELECT org_id FROM tree)")
    };
    let only = match of {
        Of::Everyone => "",
        Of::Staff => " AND st.staff_id IN (:staff)",
    };
    format!(
        "SELECT {unit}st.id AS subject, {always} AS counted_from, \
         (SELECT MIN(COALESCE(sa.administered_on, {always})) FROM survey_administration sa \
           JOIN survey sv ON sv.id = sa.survey_id \
           WHERE sa.section_id = st.section_id AND sa.teacher_id = st.staff_id \
           AND sv.kind = 'STAKEHOLDER_FEEDBACK' AND sv.school_year = :year \
           AND sa.status = 'ADMINISTERED' AND sa.response_count >= 1) AS hit_from, \
         st.section_id AS section_id, st.staff_id AS teacher_id, s.school_id AS school_id \
         FROM section_teacher st JOIN section s ON s.id = st.section_id{tree} \
         WHERE st.role = 'TEACHER_OF_RECORD' AND s.school_year = :year AND s.enrolled_count > 0{only}{subtree} \
         AND EXISTS (SELECT 1 FROM evaluation e JOIN evaluation_cycle c ON c.id = e.cycle_id \
           JOIN evaluation_process p ON p.id = c.process_id \
           WHERE e.evaluatee_id = st.staff_id AND c.school_year = :year AND e.status <> 'WITHDRAWN' AND p.requires_sfs)"
    )
}

/// SUPERVISOR_TRAINING's supervisory entries, whatever the date: assignments with supervisory
/// or management true beginning from `:start` to `:end`, whose holder held no other such
/// assignment in the 365 days before (of two beginning the same day, the first created is the
/// entry). Due date = begin + `:window` days. `on_time_first`: the first performance-management
/// completion from begin − `:prior_valid` days to the due date; `late_first`: the first one
/// after the due date.
/// `only` is a further condition on the assignment `a` (empty for every one).
fn entries(dialect: Dialect, only: &str) -> String {
    let due = dialect.plus_days("a.begin_date", ":window");
    let valid_from = dialect.plus_days("a.begin_date", "-:prior_valid");
    let year_before = dialect.plus_days("a.begin_date", "-365");
    let completion = format!("SELECT MIN(c.completed_on) {COMPLETIONS}");
    format!(
        "SELECT a.id AS assignment_id, a.staff_id AS staff_id, a.organization_id AS organization_id, \
         a.job_title AS job_title, a.begin_date AS begin_date, {due} AS due_date, \
         ({completion} AND c.completed_on >= {valid_from} AND c.completed_on <= {due}) AS on_time_first, \
         ({completion} AND c.completed_on > {due}) AS late_first \
         FROM assignment a \
         WHERE (a.supervisory OR a.management) AND a.begin_date >= :start AND a.begin_date <= :end{only} \
         AND NOT EXISTS (SELECT 1 FROM assignment b WHERE b.staff_id = a.staff_id AND b.id <> a.id \
           AND (b.supervisory OR b.management) \
           AND (b.begin_date < a.begin_date OR (b.begin_date = a.begin_date AND b.id < a.id)) \
           AND (b.end_date IS NULL OR b.end_date >= {year_before}))"
    )
}

/// The performance-management completions of the assignment `a`'s holder (callers add the
/// days they fall on).
const COMPLETIONS: &str = "FROM training_completion c JOIN training_course k ON k.id = c.course_id \
     WHERE c.staff_id = a.staff_id AND k.category = 'PERFORMANCE_MANAGEMENT'";

/// The condition on the assignment `a` of [`entries`] that holds exactly for the entries in
/// `status` as of `:asof` ([`supervisory_entries`]): ON_TIME, a completion from begin −
/// `:prior_valid` days to the due date by `:asof`; LATE, none such but one after the due date
/// by `:asof`; OVERDUE and PENDING, no completion from begin − `:prior_valid` days to `:asof`,
/// the due date passed or not. On the assignment itself, so that the database skips the
/// other entries before working out their completions (HR's overdue list read every entry of
/// the scope to keep a few). Empty for a status it does not know.
fn status_condition(dialect: Dialect, status: &str) -> String {
    let due = dialect.plus_days("a.begin_date", ":window");
    let valid_from = dialect.plus_days("a.begin_date", "-:prior_valid");
    let on_time = format!(
        "EXISTS (SELECT 1 {COMPLETIONS} AND c.completed_on >= {valid_from} AND c.completed_on <= {due} \
         AND c.completed_on <= :asof)"
    );
    let none =
        format!("NOT EXISTS (SELECT 1 {COMPLETIONS} AND c.completed_on >= {valid_from} AND c.completed_on <= :asof)");
    match status {
        "ON_TIME" => format!(" AND {on_time}"),
        "LATE" => format!(
            " AND NOT {on_time} AND EXISTS (SELECT 1 {COMPLETIONS} AND c.completed_on > {due} AND c.completed_on <= :asof)"
        ),
        "OVERDUE" => format!(" AND {due} < :asof AND {none}"),
        "PENDING" => format!(" AND {due} >= :asof AND {none}"),
        _ => String::new(),
    }
}

/// The supervisory entries ([`entries`]) with their status as of `:asof`: ON_TIME once the
/// on-time completion has happened; LATE once the late one has; OVERDUE with neither and the
/// due date passed; PENDING with neither yet, not due. With `status`, only the entries in it
/// ([`status_condition`]); `only` is a further condition on the assignment `a`. The entries
/// are fenced ([`Dialect::fence`]): the status reads each completion several times, and
/// PostgreSQL, merging the levels, planned 21 copies of the two completion subqueries (7 ms
/// of planning for HR's list, before any row was read).
pub fn supervisory_entries(dialect: Dialect, status: Option<&str>, only: &str) -> String {
    let overdue_days = dialect.days_between(":asof", "e.due_date");
    let late_days = dialect.days_between("e.late_on", "e.due_date");
    format!(
        "SELECT e.*, \
         CASE WHEN e.on_time_on IS NOT NULL THEN 'ON_TIME' WHEN e.late_on IS NOT NULL THEN 'LATE' \
              WHEN e.due_date < :asof THEN 'OVERDUE' ELSE 'PENDING' END AS status, \
         COALESCE(e.on_time_on, e.late_on) AS completed_on, \
         CAST(CASE WHEN e.on_time_on IS NOT NULL THEN 0 WHEN e.late_on IS NOT NULL THEN {late_days} \
              WHEN e.due_date < :asof THEN {overdue_days} ELSE 0 END AS BIGINT) AS days_overdue \
         FROM (SELECT x.*, CASE WHEN x.on_time_first <= :asof THEN x.on_time_first END AS on_time_on, \
               CASE WHEN x.late_first <= :asof THEN x.late_first END AS late_on \
               FROM ({}{}) x) e",
        entries(
            dialect,
            &format!(
                "{only}{}",
                status.map_or_else(String::new, |s| status_condition(dialect, s))
            )
        ),
        dialect.fence()
    )
}
