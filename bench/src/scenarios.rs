//! The fixed set of realistic requests the harness measures, each with the minimal
//! hand-written SQL that computes the same result (its lower bound), run through sqlx
//! directly.

use crate::sql::{Bind, Pool};
use api::auth::Role;
use api::sql::Dialect;
use chrono::NaiveDate;
use serde_json::{Value, json};

/// The school year every scenario reads (the generated districts' year).
pub const YEAR: i32 = 2026;

/// What the scenarios are about, picked from the database before the run.
#[derive(Debug, Clone)]
pub struct Targets {
    /// The school with the most teachers, and its id.
    pub school: (String, i32),
    /// Its principal's employee number (the PRINCIPAL token's subject).
    pub principal: String,
    /// Its first 100 teachers' ids, as the page lists them.
    pub teachers: Vec<i32>,
    /// A teacher with element ratings this year.
    pub teacher: String,
    /// Global ids of 50 staff members, and their row ids.
    pub staff_ids: Vec<(String, i32)>,
    /// The last day of the school year.
    pub as_of: NaiveDate,
}

/// One request: who sends it, the GraphQL, and the lower bound.
pub struct Scenario {
    /// Its name in the report.
    pub name: &'static str,
    /// Whose token sends it.
    pub role: Role,
    /// The GraphQL document.
    pub query: &'static str,
    /// Its variables.
    pub variables: Value,
    /// The statements of the lower bound, run in order.
    pub sql: Vec<(String, Vec<Bind>)>,
}

/// The teachers of the principal's page: a school's staff in the teacher group, first `$2`.
/// (`CROSS JOIN` fixes the join order for SQLite, which has no statistics to choose by.)
const TEACHERS: &str = "SELECT DISTINCT s.id, s.employee_number, s.first_name, s.last_name FROM assignment a \
     CROSS JOIN staff s CROSS JOIN employee_group g \
     WHERE a.organization_id = $1 AND s.id = a.staff_id AND g.id = s.employee_group_id AND g.code = 'TCH' \
     ORDER BY s.id LIMIT $2";

/// The principal's school page with `first` teachers: as a hand-written handler would, the
/// teachers first, then their sections with administrations and their evaluations by id.
pub fn principal_page(targets: &Targets, first: i32) -> Scenario {
    let ids: Vec<String> = targets
        .teachers
        .iter()
        .take(usize::try_from(first).unwrap_or_default())
        .map(i32::to_string)
        .collect();
    let ids = ids.join(", ");
    Scenario {
        name: "principal school page",
        role: Role::Principal,
        query: "query ($school: String!, $first: Int!) { organization(code: $school) { name
                  staff(filter: { employeeGroup: \"TCH\" }, first: $first) { totalCount nodes {
                    employeeNumber firstName lastName
                    sections(schoolYear: 2026, first: 10) { nodes { sectionCode courseName enrolledCount
                      administrations(first: 5) { nodes { status responseCount } } } }
                    evaluations(filter: { schoolYear: 2026 }, first: 5) { nodes { status rosteredOn } } } } } }",
        variables: json!({ "school": targets.school.0, "first": first }),
        sql: vec![
            (TEACHERS.to_owned(), vec![Bind::Int(targets.school.1), Bind::Int(first)]),
            (
                format!(
                    "SELECT st.staff_id, x.section_code, x.course_name, x.enrolled_count, a.status, a.response_count \
                     FROM section_teacher st CROSS JOIN section x \
                     LEFT JOIN survey_administration a ON a.section_id = x.id AND a.teacher_id = st.staff_id \
                     WHERE st.staff_id IN ({ids}) AND x.id = st.section_id AND x.school_year = {YEAR}"
                ),
                Vec::new(),
            ),
            (
                format!(
                    "SELECT e.evaluatee_id, e.status, e.rostered_on FROM evaluation e \
                     JOIN evaluation_cycle c ON c.id = e.cycle_id WHERE c.school_year = {YEAR} AND e.evaluatee_id IN ({ids})"
                ),
                Vec::new(),
            ),
        ],
    }
}

/// HR's list of supervisors overdue for performance-management training.
pub fn overdue_supervisors(targets: &Targets, dialect: Dialect) -> Scenario {
    let begin_minus = dialect.plus_days("a.begin_date", "-365");
    let due = dialect.plus_days("a.begin_date", "180");
    let start = NaiveDate::from_ymd_opt(YEAR - 1, 7, 1).unwrap_or(targets.as_of);
    Scenario {
        name: "HR overdue supervisors",
        role: Role::Hr,
        query: "query ($asOf: Date!) { supervisorTraining(schoolYear: 2026, asOf: $asOf) {
                  entries(status: OVERDUE, first: 50) { totalCount nodes { position entryDate dueDate daysOverdue
                    staff { employeeNumber firstName lastName } organization { code name } } } } }",
        variables: json!({ "asOf": targets.as_of }),
        sql: vec![(
            format!(
                "SELECT s.employee_number, s.first_name, s.last_name, o.code, o.name, a.job_title, a.begin_date, \
                 COUNT(*) OVER () FROM assignment a JOIN staff s ON s.id = a.staff_id \
                 JOIN organization o ON o.id = a.organization_id \
                 WHERE (a.supervisory OR a.management) AND a.begin_date BETWEEN $1 AND $2 \
                 AND NOT EXISTS (SELECT 1 FROM assignment p WHERE p.staff_id = a.staff_id AND p.id <> a.id \
                   AND (p.supervisory OR p.management) AND p.begin_date <= a.begin_date \
                   AND (p.end_date IS NULL OR p.end_date >= {begin_minus})) \
                 AND NOT EXISTS (SELECT 1 FROM training_completion c JOIN training_course k ON k.id = c.course_id \
                   WHERE c.staff_id = a.staff_id AND k.category = 'PERFORMANCE_MANAGEMENT' \
                   AND c.completed_on >= {begin_minus} AND c.completed_on <= $2) \
                 AND {due} < $2 ORDER BY a.begin_date, a.id LIMIT 50"
            ),
            vec![Bind::Date(start), Bind::Date(targets.as_of)],
        )],
    }
}

/// The district's seven plan measures with their breakdown by region. Its lower bound is the
/// measures' own statements, run without GraphQL (see `crate::harness::measures_lower_bound`).
pub fn district_measures() -> Scenario {
    Scenario {
        name: "district planMeasures",
        role: Role::Analyst,
        query: "{ planMeasures(schoolYear: 2026) { code numerator denominator rate target met priorRate change
                  breakdown { organization { code name } numerator denominator rate met suppressed } } }",
        variables: json!({}),
        sql: Vec::new(),
    }
}

/// A principal's SFS coverage of their school with the first 20 classrooms still to survey.
/// Its lower bound: the school's kept counts (one row group of `measure_count`) and the
/// missing classrooms by hand — pairs of the year with students whose teacher has an
/// evaluation in a process that requires the survey, and no administered survey with a
/// response.
pub fn school_coverage(targets: &Targets) -> Scenario {
    Scenario {
        name: "school sfsCoverage with missing classrooms",
        role: Role::Principal,
        query: "query ($school: String!) { sfsCoverage(schoolYear: 2026, organization: $school) {
                  measure { numerator denominator rate met }
                  notAdministered(first: 20) { totalCount nodes { section { sectionCode } teacher { employeeNumber lastName } } } } }",
        variables: json!({ "school": targets.school.0 }),
        sql: vec![
            (
                "SELECT SUM(CASE WHEN hit_from <= $2 THEN subjects ELSE 0 END), SUM(subjects) FROM measure_count                  WHERE school_year = $3 AND measure = 'SFS_COVERAGE' AND organization_id = $1"
                    .to_owned(),
                vec![Bind::Int(targets.school.1), Bind::Date(targets.as_of), Bind::Int(YEAR)],
            ),
            (
                "SELECT sec.section_code, s.employee_number, s.last_name, COUNT(*) OVER () FROM section_teacher st                  JOIN section sec ON sec.id = st.section_id JOIN staff s ON s.id = st.staff_id                  WHERE sec.school_id = $1 AND sec.school_year = $2 AND st.role = 'TEACHER_OF_RECORD'                  AND sec.enrolled_count > 0                  AND EXISTS (SELECT 1 FROM evaluation e JOIN evaluation_cycle c ON c.id = e.cycle_id                    JOIN evaluation_process p ON p.id = c.process_id WHERE e.evaluatee_id = st.staff_id                    AND c.school_year = $2 AND e.status <> 'WITHDRAWN' AND p.requires_sfs)                  AND NOT EXISTS (SELECT 1 FROM survey_administration sa JOIN survey sv ON sv.id = sa.survey_id                    WHERE sa.section_id = st.section_id AND sa.teacher_id = st.staff_id                    AND sv.kind = 'STAKEHOLDER_FEEDBACK' AND sv.school_year = $2                    AND sa.status = 'ADMINISTERED' AND sa.response_count >= 1)                  ORDER BY st.id LIMIT 20"
                    .to_owned(),
                vec![Bind::Int(targets.school.1), Bind::Int(YEAR)],
            ),
        ],
    }
}

/// A teacher's evaluation of the year with its events and element ratings.
pub fn teacher_evaluation(targets: &Targets) -> Scenario {
    Scenario {
        name: "teacher evaluation with ratings",
        role: Role::Admin,
        query: "query ($employee: String!) { staffMember(employeeNumber: $employee) { firstName lastName
                  evaluations(filter: { schoolYear: 2026 }, first: 5) { nodes { status rosteredOn completedOn
                    finalRating { label } evaluator { lastName } school { code }
                    events(first: 10) { nodes { kind occurredOn status section { sectionCode }
                      ratings(first: 30) { nodes { feedback element { code title } ratingLevel { label ordinal } } } } } } } } }",
        variables: json!({ "employee": targets.teacher }),
        sql: vec![(
            format!(
                "SELECT e.status, e.rostered_on, e.completed_on, fr.label, ev.last_name, o.code, v.kind, v.occurred_on, \
                 v.status, x.section_code, r.feedback, el.code, el.title, rl.label, rl.ordinal \
                 FROM staff s JOIN evaluation e ON e.evaluatee_id = s.id \
                 JOIN evaluation_cycle c ON c.id = e.cycle_id AND c.school_year = {YEAR} \
                 LEFT JOIN rating_level fr ON fr.id = e.final_rating_id LEFT JOIN staff ev ON ev.id = e.evaluator_id \
                 JOIN organization o ON o.id = e.school_id LEFT JOIN evaluation_event v ON v.evaluation_id = e.id \
                 LEFT JOIN section x ON x.id = v.section_id LEFT JOIN element_rating r ON r.event_id = v.id \
                 LEFT JOIN framework_element el ON el.id = r.element_id LEFT JOIN rating_level rl ON rl.id = r.rating_level_id \
                 WHERE s.employee_number = $1"
            ),
            vec![Bind::Text(targets.teacher.clone())],
        )],
    }
}

/// Fifty `node(id:)` lookups in one request.
pub fn node_batch(targets: &Targets) -> Scenario {
    let ids: Vec<&str> = targets.staff_ids.iter().map(|(g, _)| g.as_str()).collect();
    let placeholders: Vec<String> = (1..=targets.staff_ids.len()).map(|i| format!("${i}")).collect();
    Scenario {
        name: "batch of 50 node lookups",
        role: Role::Admin,
        query: "query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Staff { employeeNumber firstName lastName active } } }",
        variables: json!({ "ids": ids }),
        sql: vec![(
            format!(
                "SELECT id, employee_number, first_name, last_name, active FROM staff WHERE id IN ({})",
                placeholders.join(", ")
            ),
            targets.staff_ids.iter().map(|(_, id)| Bind::Int(*id)).collect(),
        )],
    }
}

/// Picks the scenarios' targets from the database.
pub async fn targets(pool: &Pool) -> anyhow::Result<Targets> {
    let school = pool
        .row(
            "SELECT o.code, o.id FROM organization o JOIN assignment a ON a.organization_id = o.id \
             JOIN staff s ON s.id = a.staff_id JOIN employee_group g ON g.id = s.employee_group_id \
             WHERE o.kind = 'SCHOOL' AND g.code = 'TCH' GROUP BY o.code, o.id ORDER BY COUNT(*) DESC, o.code LIMIT 1",
            &[],
        )
        .await?;
    let (code, id) = (school.text(0)?, school.int(1)?);
    let principal = pool
        .row(
            "SELECT s.employee_number FROM assignment a JOIN staff s ON s.id = a.staff_id \
             WHERE a.organization_id = $1 AND a.job_title = 'Principal' ORDER BY s.id LIMIT 1",
            &[Bind::Int(id)],
        )
        .await?
        .text(0)?;
    let teacher = pool
        .row(
            &format!(
                "SELECT s.employee_number FROM staff s JOIN evaluation e ON e.evaluatee_id = s.id \
                 JOIN evaluation_cycle c ON c.id = e.cycle_id AND c.school_year = {YEAR} \
                 JOIN evaluation_event v ON v.evaluation_id = e.id JOIN element_rating r ON r.event_id = v.id \
                 ORDER BY s.id LIMIT 1"
            ),
            &[],
        )
        .await?
        .text(0)?;
    let teachers = pool.rows_of_int(TEACHERS, &[Bind::Int(id), Bind::Int(100)]).await?;
    let staff = pool
        .rows_of_int(
            "SELECT id FROM staff WHERE active = $1 ORDER BY id LIMIT 50",
            &[Bind::Bool(true)],
        )
        .await?;
    Ok(Targets {
        school: (code, id),
        principal,
        teachers,
        teacher,
        staff_ids: staff
            .into_iter()
            .map(|id| (api::graphql::relay::encode_id("Staff", id).to_string(), id))
            .collect(),
        as_of: NaiveDate::from_ymd_opt(YEAR, 6, 30).unwrap_or_default(),
    })
}
