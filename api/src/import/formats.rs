//! The import files of DESIGN.md §5, one definition each: columns, references, checks, the
//! table written and the query that exports the file again. Everything else about importing
//! (reading, validating, writing, counting) is shared and knows nothing of any one file.

use super::ImportKind;
use super::spec::{Check, Column, FileSpec, Lookup, Skip, Source, Type, WriteTarget};
use entity::enums::{
    AdministrationStatus, CourseCategory, EvaluationStatus, EventKind, EventStatus, OrganizationKind, SectionRole,
    ServiceType, SurveyKind,
};
use sea_orm::{ActiveEnum, Iterable};

fn column(name: &'static str, ty: Type) -> Column {
    Column {
        name,
        ty,
        nullable: false,
    }
}

fn text(name: &'static str) -> Column {
    column(name, Type::Text { max: None })
}

/// Text stored in a column of bounded length.
fn bounded(name: &'static str, max: usize) -> Column {
    column(name, Type::Text { max: Some(max) })
}

fn count(name: &'static str) -> Column {
    column(name, Type::Int { min: 0, max: i32::MAX })
}

fn int(name: &'static str, min: i32, max: i32) -> Column {
    column(name, Type::Int { min, max })
}

fn school_year(name: &'static str) -> Column {
    int(name, 2000, 2100)
}

fn float(name: &'static str) -> Column {
    column(name, Type::Float { min: 0.0 })
}

fn date(name: &'static str) -> Column {
    column(name, Type::Date)
}

fn boolean(name: &'static str) -> Column {
    column(name, Type::Bool)
}

fn one_of<E: ActiveEnum<Value = String> + Iterable>(name: &'static str) -> Column {
    column(name, Type::Enum(E::iter().map(|v| v.to_value()).collect()))
}

fn null(mut column: Column) -> Column {
    column.nullable = true;
    column
}

fn staff(key: &'static str) -> Lookup {
    Lookup::new("staff member", &[key], "JOIN staff t ON t.employee_number = k.c0")
}

fn organization(key: &'static str) -> Lookup {
    Lookup::new("organization", &[key], "JOIN organization t ON t.code = k.c0")
}

fn school(key: &'static str) -> Lookup {
    Lookup::new(
        "school",
        &[key],
        "JOIN organization t ON t.code = k.c0 AND t.kind = 'SCHOOL'",
    )
}

fn process(key: &'static str) -> Lookup {
    Lookup::new(
        "evaluation process",
        &[key],
        "JOIN evaluation_process t ON t.code = k.c0",
    )
}

fn survey(key: &'static str) -> Lookup {
    Lookup::new("survey", &[key], "JOIN survey t ON t.code = k.c0")
}

/// From (process_code, school_year, employee_number) in `k.c0..c2` to the evaluation `e`.
macro_rules! evaluation_joins {
    ($($rest:literal)?) => {
        concat!(
            "JOIN evaluation_process p ON p.code = k.c0 ",
            "JOIN evaluation_cycle c ON c.process_id = p.id AND c.school_year = k.c1 ",
            "JOIN staff s ON s.employee_number = k.c2 ",
            "JOIN evaluation e ON e.cycle_id = c.id AND e.evaluatee_id = s.id ",
            $($rest)?
        )
    };
}

/// The same joins for export: from the evaluation `e` to its process `p`, cycle `c` and
/// evaluatee `s`.
macro_rules! evaluation_names {
    () => {
        "JOIN evaluation_cycle c ON c.id = e.cycle_id JOIN evaluation_process p ON p.id = c.process_id \
         JOIN staff s ON s.id = e.evaluatee_id "
    };
}

use Source::{Column as Col, Lookup as Ref};

/// The format of `kind`'s file, its key columns bounded ([`FileSpec::bounded_keys`]).
pub fn spec(kind: ImportKind) -> FileSpec {
    unbounded(kind).bounded_keys()
}

/// The format of `kind`'s file as written.
fn unbounded(kind: ImportKind) -> FileSpec {
    match kind {
        ImportKind::Organizations => FileSpec {
            columns: vec![
                text("code"),
                text("name"),
                one_of::<OrganizationKind>("kind"),
                null(text("parent_code")),
                null(bounded("equity_tier", 16)),
            ],
            lookups: vec![
                Lookup::new("organization", &["parent_code"], "JOIN organization t ON t.code = k.c0")
                    .skip(Skip::IfEmpty("parent_code"))
                    .deferrable(),
            ],
            checks: vec![Check::Differs {
                column: "parent_code",
                other: "code",
            }],
            parent: None,
            table: WriteTarget::new(
                "organization",
                &["code"],
                &[
                    ("code", Col("code")),
                    ("name", Col("name")),
                    ("kind", Col("kind")),
                    ("parent_id", Ref(0)),
                    ("equity_tier", Col("equity_tier")),
                ],
            ),
            row_key: vec!["code"],
            export: "SELECT o.code, o.name, o.kind, p.code, o.equity_tier FROM organization o \
                     LEFT JOIN organization p ON p.id = o.parent_id ORDER BY o.code",
        },
        ImportKind::EmployeeGroups => FileSpec {
            columns: vec![
                text("code"),
                text("name"),
                boolean("certificated"),
                null(text("bargaining_unit")),
            ],
            lookups: vec![],
            checks: vec![],
            parent: None,
            table: WriteTarget::new(
                "employee_group",
                &["code"],
                &[
                    ("code", Col("code")),
                    ("name", Col("name")),
                    ("certificated", Col("certificated")),
                    ("bargaining_unit", Col("bargaining_unit")),
                ],
            ),
            row_key: vec!["code"],
            export: "SELECT code, name, certificated, bargaining_unit FROM employee_group ORDER BY code",
        },
        ImportKind::Staff => FileSpec {
            columns: vec![
                text("employee_number"),
                text("first_name"),
                text("last_name"),
                null(text("email")),
                text("employee_group_code"),
                date("hire_date"),
                boolean("active"),
            ],
            lookups: vec![Lookup::new(
                "employee group",
                &["employee_group_code"],
                "JOIN employee_group t ON t.code = k.c0",
            )],
            checks: vec![],
            parent: None,
            table: WriteTarget::new(
                "staff",
                &["employee_number"],
                &[
                    ("employee_number", Col("employee_number")),
                    ("first_name", Col("first_name")),
                    ("last_name", Col("last_name")),
                    ("email", Col("email")),
                    ("employee_group_id", Ref(0)),
                    ("hire_date", Col("hire_date")),
                    ("active", Col("active")),
                ],
            ),
            row_key: vec!["employee_number"],
            export: "SELECT s.employee_number, s.first_name, s.last_name, s.email, g.code, s.hire_date, s.active \
                     FROM staff s JOIN employee_group g ON g.id = s.employee_group_id ORDER BY s.employee_number",
        },
        ImportKind::Assignments => FileSpec {
            columns: vec![
                text("employee_number"),
                text("organization_code"),
                text("job_title"),
                bounded("job_class_code", 32),
                boolean("supervisory"),
                boolean("management"),
                date("begin_date"),
                null(date("end_date")),
            ],
            lookups: vec![staff("employee_number"), organization("organization_code")],
            checks: vec![Check::NotBefore {
                later: "end_date",
                earlier: "begin_date",
            }],
            parent: None,
            table: WriteTarget::new(
                "assignment",
                &["staff_id", "organization_id", "job_class_code", "begin_date"],
                &[
                    ("staff_id", Ref(0)),
                    ("organization_id", Ref(1)),
                    ("job_title", Col("job_title")),
                    ("job_class_code", Col("job_class_code")),
                    ("supervisory", Col("supervisory")),
                    ("management", Col("management")),
                    ("begin_date", Col("begin_date")),
                    ("end_date", Col("end_date")),
                ],
            ),
            row_key: vec!["employee_number", "organization_code", "job_class_code", "begin_date"],
            export: "SELECT s.employee_number, o.code, a.job_title, a.job_class_code, a.supervisory, a.management, \
                     a.begin_date, a.end_date FROM assignment a JOIN staff s ON s.id = a.staff_id \
                     JOIN organization o ON o.id = a.organization_id \
                     ORDER BY s.employee_number, o.code, a.job_class_code, a.begin_date",
        },
        ImportKind::Sections => FileSpec {
            columns: vec![
                text("school_code"),
                text("section_code"),
                school_year("school_year"),
                text("course_name"),
                null(bounded("grade_band", 16)),
                count("enrolled_count"),
            ],
            lookups: vec![school("school_code")],
            checks: vec![],
            parent: None,
            table: WriteTarget::new(
                "section",
                &["school_id", "school_year", "section_code"],
                &[
                    ("school_id", Ref(0)),
                    ("section_code", Col("section_code")),
                    ("school_year", Col("school_year")),
                    ("course_name", Col("course_name")),
                    ("grade_band", Col("grade_band")),
                    ("enrolled_count", Col("enrolled_count")),
                ],
            ),
            row_key: vec!["school_code", "school_year", "section_code"],
            export: "SELECT o.code, x.section_code, x.school_year, x.course_name, x.grade_band, x.enrolled_count \
                     FROM section x JOIN organization o ON o.id = x.school_id \
                     ORDER BY o.code, x.school_year, x.section_code",
        },
        ImportKind::SectionTeachers => FileSpec {
            columns: vec![
                text("school_code"),
                text("section_code"),
                school_year("school_year"),
                text("employee_number"),
                one_of::<SectionRole>("role"),
                null(date("begin_date")),
                null(date("end_date")),
            ],
            lookups: vec![
                Lookup::new(
                    "section",
                    &["school_code", "school_year", "section_code"],
                    "JOIN organization o ON o.code = k.c0 \
                     JOIN section t ON t.school_id = o.id AND t.school_year = k.c1 AND t.section_code = k.c2",
                ),
                staff("employee_number"),
            ],
            checks: vec![Check::NotBefore {
                later: "end_date",
                earlier: "begin_date",
            }],
            parent: None,
            table: WriteTarget::new(
                "section_teacher",
                &["section_id", "staff_id"],
                &[
                    ("section_id", Ref(0)),
                    ("staff_id", Ref(1)),
                    ("role", Col("role")),
                    ("begin_date", Col("begin_date")),
                    ("end_date", Col("end_date")),
                ],
            ),
            row_key: vec!["school_code", "section_code", "school_year", "employee_number"],
            export: "SELECT o.code, x.section_code, x.school_year, s.employee_number, st.role, st.begin_date, \
                     st.end_date FROM section_teacher st JOIN section x ON x.id = st.section_id \
                     JOIN organization o ON o.id = x.school_id JOIN staff s ON s.id = st.staff_id \
                     ORDER BY o.code, x.school_year, x.section_code, s.employee_number",
        },
        ImportKind::EvaluationProcessGroups => FileSpec {
            columns: vec![text("process_code"), text("employee_group_code")],
            lookups: vec![
                process("process_code"),
                Lookup::new(
                    "employee group",
                    &["employee_group_code"],
                    "JOIN employee_group t ON t.code = k.c0",
                ),
            ],
            checks: vec![],
            parent: None,
            table: WriteTarget::new(
                "evaluation_process_group",
                &["process_id", "employee_group_id"],
                &[("process_id", Ref(0)), ("employee_group_id", Ref(1))],
            ),
            row_key: vec!["process_code", "employee_group_code"],
            export: "SELECT p.code, g.code FROM evaluation_process_group pg \
                     JOIN evaluation_process p ON p.id = pg.process_id \
                     JOIN employee_group g ON g.id = pg.employee_group_id ORDER BY p.code, g.code",
        },
        ImportKind::EvaluationCycles => FileSpec {
            columns: vec![
                text("process_code"),
                school_year("school_year"),
                date("roster_cutoff"),
                date("final_due_date"),
            ],
            lookups: vec![process("process_code")],
            checks: vec![Check::NotBefore {
                later: "final_due_date",
                earlier: "roster_cutoff",
            }],
            parent: None,
            table: WriteTarget::new(
                "evaluation_cycle",
                &["process_id", "school_year"],
                &[
                    ("process_id", Ref(0)),
                    ("school_year", Col("school_year")),
                    ("roster_cutoff", Col("roster_cutoff")),
                    ("final_due_date", Col("final_due_date")),
                ],
            )
            .versioned(),
            row_key: vec!["process_code", "school_year"],
            export: "SELECT p.code, c.school_year, c.roster_cutoff, c.final_due_date FROM evaluation_cycle c \
                     JOIN evaluation_process p ON p.id = c.process_id ORDER BY p.code, c.school_year",
        },
        ImportKind::Evaluations => FileSpec {
            columns: vec![
                text("process_code"),
                school_year("school_year"),
                text("employee_number"),
                null(text("evaluator_number")),
                text("school_code"),
                one_of::<EvaluationStatus>("status"),
                date("rostered_on"),
                null(text("final_rating")),
                null(date("completed_on")),
            ],
            lookups: vec![
                Lookup::new(
                    "evaluation cycle",
                    &["process_code", "school_year"],
                    "JOIN evaluation_process p ON p.code = k.c0 \
                     JOIN evaluation_cycle t ON t.process_id = p.id AND t.school_year = k.c1",
                ),
                staff("employee_number"),
                staff("evaluator_number").skip(Skip::IfEmpty("evaluator_number")),
                organization("school_code"),
                Lookup::new(
                    "overall rating level of the process's framework",
                    &["process_code", "final_rating"],
                    "JOIN evaluation_process p ON p.code = k.c0 \
                     JOIN rating_level t ON t.framework_id = p.framework_id AND t.scale = 'OVERALL' AND t.label = k.c1",
                )
                .skip(Skip::IfEmpty("final_rating")),
            ],
            checks: vec![
                Check::NotBefore {
                    later: "completed_on",
                    earlier: "rostered_on",
                },
                Check::Differs {
                    column: "evaluator_number",
                    other: "employee_number",
                },
            ],
            parent: None,
            table: WriteTarget::new(
                "evaluation",
                &["cycle_id", "evaluatee_id"],
                &[
                    ("cycle_id", Ref(0)),
                    ("evaluatee_id", Ref(1)),
                    ("evaluator_id", Ref(2)),
                    ("school_id", Ref(3)),
                    ("status", Col("status")),
                    ("rostered_on", Col("rostered_on")),
                    ("final_rating_id", Ref(4)),
                    ("completed_on", Col("completed_on")),
                ],
            )
            .versioned(),
            row_key: vec!["process_code", "school_year", "employee_number"],
            export: concat!(
                "SELECT p.code, c.school_year, s.employee_number, ev.employee_number, o.code, e.status, ",
                "e.rostered_on, r.label, e.completed_on FROM evaluation e ",
                evaluation_names!(),
                "LEFT JOIN staff ev ON ev.id = e.evaluator_id JOIN organization o ON o.id = e.school_id ",
                "LEFT JOIN rating_level r ON r.id = e.final_rating_id ",
                "ORDER BY p.code, c.school_year, s.employee_number"
            ),
        },
        ImportKind::EvaluationEvents => FileSpec {
            columns: vec![
                text("process_code"),
                school_year("school_year"),
                text("employee_number"),
                one_of::<EventKind>("kind"),
                date("occurred_on"),
                one_of::<EventStatus>("status"),
                null(text("section_code")),
            ],
            lookups: vec![
                Lookup::new(
                    "evaluation",
                    &["process_code", "school_year", "employee_number"],
                    evaluation_joins!(),
                )
                .select("e.id"),
                Lookup::new(
                    "section at the evaluation's school",
                    &["process_code", "school_year", "employee_number", "section_code"],
                    evaluation_joins!(
                        "JOIN section t ON t.school_id = e.school_id AND t.school_year = c.school_year AND t.section_code = k.c3"
                    ),
                )
                .skip(Skip::IfEmpty("section_code")),
            ],
            checks: vec![],
            parent: None,
            table: WriteTarget::new(
                "evaluation_event",
                &["evaluation_id", "kind", "occurred_on"],
                &[
                    ("evaluation_id", Ref(0)),
                    ("kind", Col("kind")),
                    ("occurred_on", Col("occurred_on")),
                    ("section_id", Ref(1)),
                    ("status", Col("status")),
                ],
            )
            .versioned(),
            row_key: vec!["process_code", "school_year", "employee_number", "kind", "occurred_on"],
            export: concat!(
                "SELECT p.code, c.school_year, s.employee_number, v.kind, v.occurred_on, v.status, x.section_code ",
                "FROM evaluation_event v JOIN evaluation e ON e.id = v.evaluation_id ",
                evaluation_names!(),
                "LEFT JOIN section x ON x.id = v.section_id ",
                "ORDER BY p.code, c.school_year, s.employee_number, v.kind, v.occurred_on"
            ),
        },
        ImportKind::ElementRatings => FileSpec {
            columns: vec![
                text("process_code"),
                school_year("school_year"),
                text("employee_number"),
                one_of::<EventKind>("event_kind"),
                date("occurred_on"),
                text("element_code"),
                text("rating"),
                null(text("feedback")),
            ],
            lookups: vec![
                Lookup::new(
                    "evaluation event",
                    &["process_code", "school_year", "employee_number", "event_kind", "occurred_on"],
                    evaluation_joins!(
                        "JOIN evaluation_event t ON t.evaluation_id = e.id AND t.kind = k.c3 AND t.occurred_on = k.c4"
                    ),
                ),
                Lookup::new(
                    "element of the process's framework",
                    &["process_code", "element_code"],
                    "JOIN evaluation_process p ON p.code = k.c0 \
                     JOIN framework_standard fs ON fs.framework_id = p.framework_id \
                     JOIN framework_component fc ON fc.standard_id = fs.id \
                     JOIN framework_element t ON t.component_id = fc.id AND t.code = k.c1",
                ),
                Lookup::new(
                    "element rating level of the process's framework",
                    &["process_code", "rating"],
                    "JOIN evaluation_process p ON p.code = k.c0 \
                     JOIN rating_level t ON t.framework_id = p.framework_id AND t.scale = 'ELEMENT' AND t.label = k.c1",
                ),
            ],
            checks: vec![],
            parent: None,
            table: WriteTarget::new(
                "element_rating",
                &["event_id", "element_id"],
                &[
                    ("event_id", Ref(0)),
                    ("element_id", Ref(1)),
                    ("rating_level_id", Ref(2)),
                    ("feedback", Col("feedback")),
                ],
            ),
            row_key: vec![
                "process_code",
                "school_year",
                "employee_number",
                "event_kind",
                "occurred_on",
                "element_code",
            ],
            export: concat!(
                "SELECT p.code, c.school_year, s.employee_number, v.kind, v.occurred_on, el.code, r.label, er.feedback ",
                "FROM element_rating er JOIN evaluation_event v ON v.id = er.event_id ",
                "JOIN evaluation e ON e.id = v.evaluation_id ",
                evaluation_names!(),
                "JOIN framework_element el ON el.id = er.element_id JOIN rating_level r ON r.id = er.rating_level_id ",
                "ORDER BY p.code, c.school_year, s.employee_number, v.kind, v.occurred_on, el.code"
            ),
        },
        ImportKind::Surveys => FileSpec {
            columns: vec![
                bounded("code", 32),
                text("title"),
                one_of::<SurveyKind>("kind"),
                school_year("school_year"),
                date("window_start"),
                date("window_end"),
                int("min_report_n", 1, 1_000_000),
                boolean("confidential"),
            ],
            lookups: vec![],
            checks: vec![Check::NotBefore {
                later: "window_end",
                earlier: "window_start",
            }],
            parent: None,
            table: WriteTarget::new(
                "survey",
                &["code"],
                &[
                    ("code", Col("code")),
                    ("title", Col("title")),
                    ("kind", Col("kind")),
                    ("school_year", Col("school_year")),
                    ("window_start", Col("window_start")),
                    ("window_end", Col("window_end")),
                    ("min_report_n", Col("min_report_n")),
                    ("confidential", Col("confidential")),
                ],
            )
            .versioned(),
            row_key: vec!["code"],
            export: "SELECT code, title, kind, school_year, window_start, window_end, min_report_n, confidential \
                     FROM survey ORDER BY code",
        },
        ImportKind::SurveyQuestions => FileSpec {
            columns: vec![
                text("survey_code"),
                bounded("code", 64),
                text("text"),
                int("scale_min", -1000, 1000),
                int("scale_max", -1000, 1000),
                int("favorable_from", -1000, 1000),
            ],
            lookups: vec![survey("survey_code")],
            checks: vec![
                Check::Below {
                    smaller: "scale_min",
                    larger: "scale_max",
                },
                Check::Within {
                    value: "favorable_from",
                    min: "scale_min",
                    max: "scale_max",
                },
            ],
            parent: None,
            table: WriteTarget::new(
                "survey_question",
                &["survey_id", "code"],
                &[
                    ("survey_id", Ref(0)),
                    ("code", Col("code")),
                    ("text", Col("text")),
                    ("scale_min", Col("scale_min")),
                    ("scale_max", Col("scale_max")),
                    ("favorable_from", Col("favorable_from")),
                ],
            ),
            row_key: vec!["survey_code", "code"],
            export: "SELECT v.code, q.code, q.text, q.scale_min, q.scale_max, q.favorable_from \
                     FROM survey_question q JOIN survey v ON v.id = q.survey_id ORDER BY v.code, q.code",
        },
        ImportKind::SurveyAdministrations => FileSpec {
            columns: vec![
                text("survey_code"),
                text("school_code"),
                text("section_code"),
                text("employee_number"),
                one_of::<AdministrationStatus>("status"),
                null(date("administered_on")),
                count("enrolled_count"),
                count("response_count"),
            ],
            lookups: vec![
                survey("survey_code"),
                Lookup::new(
                    "section in the survey's school year at the school",
                    &["survey_code", "school_code", "section_code"],
                    "JOIN survey v ON v.code = k.c0 JOIN organization o ON o.code = k.c1 \
                     JOIN section t ON t.school_id = o.id AND t.school_year = v.school_year AND t.section_code = k.c2",
                ),
                staff("employee_number"),
            ],
            checks: vec![Check::AtMost {
                smaller: "response_count",
                larger: "enrolled_count",
            }],
            parent: None,
            table: WriteTarget::new(
                "survey_administration",
                &["survey_id", "section_id", "teacher_id"],
                &[
                    ("survey_id", Ref(0)),
                    ("section_id", Ref(1)),
                    ("teacher_id", Ref(2)),
                    ("status", Col("status")),
                    ("administered_on", Col("administered_on")),
                    ("enrolled_count", Col("enrolled_count")),
                    ("response_count", Col("response_count")),
                ],
            )
            .versioned(),
            row_key: vec!["survey_code", "school_code", "section_code", "employee_number"],
            export: "SELECT v.code, o.code, x.section_code, s.employee_number, a.status, a.administered_on, \
                     a.enrolled_count, a.response_count FROM survey_administration a \
                     JOIN survey v ON v.id = a.survey_id JOIN section x ON x.id = a.section_id \
                     JOIN organization o ON o.id = x.school_id JOIN staff s ON s.id = a.teacher_id \
                     ORDER BY v.code, o.code, x.section_code, s.employee_number",
        },
        ImportKind::SurveyResponses => FileSpec {
            columns: vec![
                text("survey_code"),
                bounded("response_id", 64),
                text("school_code"),
                null(text("section_code")),
                null(text("employee_number")),
                bounded("question_code", 64),
                int("value", -1000, 1000),
            ],
            lookups: vec![
                survey("survey_code"),
                Lookup::new(
                    "administration of the survey in that section by that teacher",
                    &["survey_code", "school_code", "section_code", "employee_number"],
                    "JOIN survey v ON v.code = k.c0 JOIN organization o ON o.code = k.c1 \
                     JOIN section x ON x.school_id = o.id AND x.school_year = v.school_year AND x.section_code = k.c2 \
                     JOIN staff s ON s.employee_number = k.c3 \
                     JOIN survey_administration t ON t.survey_id = v.id AND t.section_id = x.id AND t.teacher_id = s.id",
                )
                .skip(Skip::IfEmpty("section_code")),
                school("school_code").skip(Skip::IfGiven("section_code")),
                Lookup::new(
                    "question of the survey",
                    &["survey_code", "question_code", "value"],
                    "JOIN survey v ON v.code = k.c0 JOIN survey_question t ON t.survey_id = v.id AND t.code = k.c1",
                )
                .problem(
                    "value",
                    "CASE WHEN k.c2 < t.scale_min OR k.c2 > t.scale_max \
                     THEN 'is outside the question''s scale ' || t.scale_min || '..' || t.scale_max END",
                ),
            ],
            checks: vec![Check::Together("section_code", "employee_number")],
            parent: Some(WriteTarget::new(
                "survey_response",
                &["survey_id", "response_key"],
                &[
                    ("survey_id", Ref(0)),
                    ("response_key", Col("response_id")),
                    ("administration_id", Ref(1)),
                    ("school_id", Ref(2)),
                ],
            )),
            table: WriteTarget::new(
                "survey_answer",
                &["response_id", "question_id"],
                &[
                    ("response_id", Source::Parent),
                    ("question_id", Ref(3)),
                    ("value", Col("value")),
                ],
            ),
            row_key: vec!["survey_code", "response_id", "question_code"],
            export: "SELECT v.code, r.response_key, COALESCE(o.code, ao.code), x.section_code, s.employee_number, \
                     q.code, a.value FROM survey_answer a JOIN survey_response r ON r.id = a.response_id \
                     JOIN survey v ON v.id = r.survey_id JOIN survey_question q ON q.id = a.question_id \
                     LEFT JOIN organization o ON o.id = r.school_id \
                     LEFT JOIN survey_administration ad ON ad.id = r.administration_id \
                     LEFT JOIN section x ON x.id = ad.section_id LEFT JOIN organization ao ON ao.id = x.school_id \
                     LEFT JOIN staff s ON s.id = ad.teacher_id ORDER BY v.code, r.response_key, q.code",
        },
        ImportKind::TrainingCourses => FileSpec {
            columns: vec![
                bounded("code", 32),
                text("title"),
                one_of::<CourseCategory>("category"),
                float("hours"),
            ],
            lookups: vec![],
            checks: vec![],
            parent: None,
            table: WriteTarget::new(
                "training_course",
                &["code"],
                &[
                    ("code", Col("code")),
                    ("title", Col("title")),
                    ("category", Col("category")),
                    ("hours", Col("hours")),
                ],
            )
            .versioned(),
            row_key: vec!["code"],
            export: "SELECT code, title, category, hours FROM training_course ORDER BY code",
        },
        ImportKind::TrainingCompletions => FileSpec {
            columns: vec![
                text("employee_number"),
                text("course_code"),
                date("completed_on"),
                bounded("source", 32),
            ],
            lookups: vec![
                staff("employee_number"),
                Lookup::new("training course", &["course_code"], "JOIN training_course t ON t.code = k.c0"),
            ],
            checks: vec![],
            parent: None,
            table: WriteTarget::new(
                "training_completion",
                &["staff_id", "course_id", "completed_on"],
                &[
                    ("staff_id", Ref(0)),
                    ("course_id", Ref(1)),
                    ("completed_on", Col("completed_on")),
                    ("source", Col("source")),
                ],
            ),
            row_key: vec!["employee_number", "course_code", "completed_on"],
            export: "SELECT s.employee_number, c.code, tc.completed_on, tc.source FROM training_completion tc \
                     JOIN staff s ON s.id = tc.staff_id JOIN training_course c ON c.id = tc.course_id \
                     ORDER BY s.employee_number, c.code, tc.completed_on",
        },
        ImportKind::EaseReports => FileSpec {
            columns: vec![
                date("period_start"),
                date("period_end"),
                text("organization_code"),
                one_of::<ServiceType>("service_type"),
                count("unique_employees"),
                count("sessions"),
                count("eligible_employees"),
            ],
            lookups: vec![organization("organization_code").problem(
                "organization_code",
                "CASE WHEN t.kind NOT IN ('DISTRICT', 'REGION') \
                 THEN 'is a ' || t.kind || ': EASE is reported for the district and regions only' END",
            )],
            checks: vec![
                Check::NotBefore {
                    later: "period_end",
                    earlier: "period_start",
                },
                Check::AtMost {
                    smaller: "unique_employees",
                    larger: "eligible_employees",
                },
            ],
            parent: None,
            table: WriteTarget::new(
                "ease_report",
                &["organization_id", "service_type", "period_start", "period_end"],
                &[
                    ("period_start", Col("period_start")),
                    ("period_end", Col("period_end")),
                    ("organization_id", Ref(0)),
                    ("service_type", Col("service_type")),
                    ("unique_employees", Col("unique_employees")),
                    ("sessions", Col("sessions")),
                    ("eligible_employees", Col("eligible_employees")),
                ],
            ),
            row_key: vec!["organization_code", "service_type", "period_start", "period_end"],
            export: "SELECT r.period_start, r.period_end, o.code, r.service_type, r.unique_employees, r.sessions, \
                     r.eligible_employees FROM ease_report r JOIN organization o ON o.id = r.organization_id \
                     ORDER BY o.code, r.service_type, r.period_start, r.period_end",
        },
        ImportKind::Attendance => FileSpec {
            columns: vec![
                text("employee_number"),
                school_year("school_year"),
                float("days_expected"),
                float("days_absent"),
            ],
            lookups: vec![staff("employee_number")],
            checks: vec![Check::AtMost {
                smaller: "days_absent",
                larger: "days_expected",
            }],
            parent: None,
            table: WriteTarget::new(
                "attendance_summary",
                &["staff_id", "school_year"],
                &[
                    ("staff_id", Ref(0)),
                    ("school_year", Col("school_year")),
                    ("days_expected", Col("days_expected")),
                    ("days_absent", Col("days_absent")),
                ],
            ),
            row_key: vec!["employee_number", "school_year"],
            export: "SELECT s.employee_number, a.school_year, a.days_expected, a.days_absent \
                     FROM attendance_summary a JOIN staff s ON s.id = a.staff_id ORDER BY s.employee_number, a.school_year",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every source names a column of its file or a lookup that exists, every lookup key and
    /// check names a column, and the row key names columns: a typo fails here, not at import.
    #[test]
    fn every_format_refers_only_to_its_own_columns() {
        for &kind in ImportKind::ALL {
            let spec = spec(kind);
            let known = |name: &str| spec.position(name).is_some();
            let tables = spec.parent.iter().chain(std::iter::once(&spec.table));
            for table in tables {
                for key in &table.key {
                    assert!(table.targets.iter().any(|(c, _)| c == key), "{kind:?}: key {key}");
                }
                for (target, source) in &table.targets {
                    match source {
                        Source::Column(name) => assert!(known(name), "{kind:?}: {target} <- {name}"),
                        Source::Lookup(i) => assert!(*i < spec.lookups.len(), "{kind:?}: {target}"),
                        Source::Parent => assert!(spec.parent.is_some(), "{kind:?}: {target}"),
                    }
                }
            }
            for lookup in &spec.lookups {
                for key in &lookup.keys {
                    assert!(known(key), "{kind:?}: lookup key {key}");
                }
                if let Some((column, _)) = lookup.problem {
                    assert!(known(column), "{kind:?}: problem column {column}");
                }
            }
            for key in &spec.row_key {
                assert!(known(key), "{kind:?}: row key {key}");
            }
            assert!(spec.export.starts_with("SELECT"), "{kind:?}");
        }
    }
}
