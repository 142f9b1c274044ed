//! Importing and exporting the CSV files of DESIGN.md §5: a hand-written district loads and
//! the measures reflect it; a second import changes nothing; every kind of bad input is
//! refused with its line and reason and leaves the database as it was; an export imports back
//! to the same files; an import killed mid-file leaves nothing of that file; the command line
//! and `importCsv` report the same way; and a chunk costs a few statements, not one per row.

use crate::helpers::{Backend, TestApp, TestDb, error_code, staffgraph};
use crate::on_both_databases;
use api::auth::Role;
use api::import::progress::Quiet;
use api::import::{Actor, FileSummary, ImportError, ImportKind, RowError};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

on_both_databases!(
    a_hand_written_district_loads_and_the_measures_reflect_it,
    a_second_import_reports_every_row_unchanged_and_changes_nothing,
    a_changed_row_is_updated_and_the_rest_unchanged,
    every_kind_of_bad_file_is_refused_with_its_line_and_reason_and_changes_nothing,
    at_most_100_errors_are_listed_and_every_error_is_counted,
    a_row_repeated_in_a_later_chunk_is_refused,
    a_file_costs_a_fixed_number_of_statements_not_one_per_row,
    importing_an_export_reproduces_the_demo_district,
    each_import_appends_an_audit_event_with_actor_counts_and_checksum,
    an_import_killed_mid_file_leaves_nothing_of_that_file,
    the_command_line_refuses_a_bad_file_with_a_non_zero_exit_and_each_error,
    graphql_import_is_for_admin_only_and_reports_like_the_command_line,
    a_clerks_file_with_crlf_padded_keys_and_a_nul_is_reported_line_by_line,
    two_imports_at_once_wait_for_each_other_and_both_load,
    importing_which_groups_a_process_serves_moves_the_processes_versions,
);

/// The hand-written district: every import file, a few rows each.
fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn tester() -> Actor {
    Actor {
        subject: "import-test".to_owned(),
        role: "ADMIN".to_owned(),
    }
}

pub async fn load_fixture(db: &DatabaseConnection) -> Vec<FileSummary> {
    let report = api::import::import_dir(db, &fixture_dir(), &tester(), &mut Quiet)
        .await
        .expect("the fixture directory is readable");
    assert!(report.failed.is_none(), "{:?}", report.failed);
    report.loaded
}

/// Imports `text` as a file of `kind`.
async fn import_text(db: &DatabaseConnection, kind: ImportKind, text: &[u8]) -> Result<FileSummary, ImportError> {
    let source = Box::new(std::io::Cursor::new(text.to_vec()));
    api::import::import_source(db, kind, &kind.file_name(), source, &tester(), &mut Quiet).await
}

/// The errors of a refused import (panics when it was not refused).
fn refused(result: Result<FileSummary, ImportError>) -> (Vec<RowError>, usize) {
    match result {
        Err(ImportError::Refused { errors, total, .. }) => (errors, total),
        other => panic!("expected a refused file, got {other:?}"),
    }
}

/// Every import file as exported now: equal snapshots mean equal district data.
async fn snapshot(db: &DatabaseConnection) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    api::import::export_dir(db, dir.path()).await.unwrap();
    read_dir(dir.path())
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let text = std::fs::read_to_string(entry.path()).unwrap();
            (entry.file_name().to_string_lossy().into_owned(), text)
        })
        .collect()
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn measure(app: &TestApp, code: &str) -> Value {
    let data = app
        .query_ok(
            "query ($code: String!) { planMeasures(schoolYear: 2026, asOf: \"2026-06-30\", codes: [$code]) {
               code numerator denominator rate met } }",
            json!({ "code": code }),
        )
        .await;
    data["planMeasures"][0].clone()
}

async fn a_hand_written_district_loads_and_the_measures_reflect_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let loaded = load_fixture(&app.db).await;

    let kinds: Vec<ImportKind> = loaded.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, ImportKind::ALL.to_vec(), "every file, in load order");
    for summary in &loaded {
        assert!(summary.rows > 0, "{summary:?}");
        assert_eq!(
            (summary.inserted, summary.updated, summary.unchanged),
            (summary.rows, 0, 0)
        );
    }
    assert_eq!(count(&app.db, "staff").await, 7);
    assert_eq!(count(&app.db, "survey_answer").await, 6);
    assert_eq!(count(&app.db, "survey_response").await, 6);

    // The region was listed after its school: the school still hangs under it.
    let data = app
        .query_ok(
            "{ organization(code: \"NORTH-ES\") { parent { code parent { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["organization"]["parent"]["code"], "R-NORTH");
    assert_eq!(data["organization"]["parent"]["parent"]["code"], "DIST");

    // 3 of the 4 classrooms of evaluated teachers were surveyed (the co-taught one is not
    // counted for its co-teacher).
    let sfs = measure(&app, "SFS_COVERAGE").await;
    assert_eq!(
        (sfs["numerator"].as_f64(), sfs["denominator"].as_f64()),
        (Some(3.0), Some(4.0))
    );
    assert_eq!(sfs["met"], true);
    // The new assistant principal finished PM-101 six weeks after starting.
    let training = measure(&app, "SUPERVISOR_TRAINING").await;
    assert_eq!(
        (training["numerator"].as_f64(), training["denominator"].as_f64()),
        (Some(1.0), Some(1.0))
    );
    // 2 absences of 180 and none are excellent; 10 and 7.5 are not.
    let attendance = measure(&app, "EXCELLENT_ATTENDANCE").await;
    assert_eq!(
        (attendance["numerator"].as_f64(), attendance["denominator"].as_f64()),
        (Some(2.0), Some(4.0))
    );
}

async fn a_second_import_reports_every_row_unchanged_and_changes_nothing(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    let before = snapshot(&db).await;

    let again = load_fixture(&db).await;
    for summary in &again {
        assert_eq!(
            (summary.inserted, summary.updated, summary.unchanged),
            (0, 0, summary.rows),
            "{summary:?}"
        );
    }
    assert_eq!(snapshot(&db).await, before);
    assert_eq!(count(&db, "survey_response").await, 6);
}

async fn a_changed_row_is_updated_and_the_rest_unchanged(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    let staff = std::fs::read_to_string(fixture_dir().join("staff.csv")).unwrap();
    let changed = staff.replace("E002,Ben,Okafor,", "E002,Ben,Okafor-Diaz,") + "E030,Ida,Novak,,CLS,2026-01-05,true\n";

    let summary = import_text(&db, ImportKind::Staff, changed.as_bytes()).await.unwrap();
    assert_eq!(
        (summary.rows, summary.inserted, summary.updated, summary.unchanged),
        (8, 1, 1, 6)
    );
    let snapshot = snapshot(&db).await;
    assert!(snapshot["staff.csv"].contains("E002,Ben,Okafor-Diaz,"));

    // An evaluation changed by an import gets a new version (for optimistic writes).
    let evaluations = std::fs::read_to_string(fixture_dir().join("evaluations.csv")).unwrap();
    let completed = evaluations.replace(
        "EDST,2026,E002,E010,NORTH-ES,IN_PROGRESS,2025-09-15,,",
        "EDST,2026,E002,E010,NORTH-ES,COMPLETE,2025-09-15,Meets Standard Performance,2026-05-01",
    );
    let summary = import_text(&db, ImportKind::Evaluations, completed.as_bytes())
        .await
        .unwrap();
    assert_eq!((summary.updated, summary.unchanged), (1, 4));
    let versions = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT e.version FROM evaluation e JOIN staff s ON s.id = e.evaluatee_id ORDER BY s.employee_number",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<i32>(0).unwrap())
        .collect::<Vec<_>>();
    assert_eq!(versions, vec![1, 2, 1, 1, 1]);
}

/// A bad file: its text (a good row first, so that a partial write would show) and the error
/// expected (line, column, a part of the reason).
struct Case {
    kind: ImportKind,
    text: &'static [u8],
    line: Option<u64>,
    column: Option<&'static str>,
    reason: &'static str,
}

pub const STAFF_HEADER: &str = "employee_number,first_name,last_name,email,employee_group_code,hire_date,active";

fn cases() -> Vec<Case> {
    vec![
        Case {
            kind: ImportKind::Assignments,
            text: b"employee_number,organization_code,job_title,job_class_code,supervisory,management,begin_date,end_date\n\
                    E001,SOUTH-HS,Coach,3300,false,false,2025-09-01,\n\
                    E999,NORTH-ES,Teacher,2201,false,false,2025-09-01,\n",
            line: Some(3),
            column: Some("employee_number"),
            reason: "no staff member with employee_number 'E999'",
        },
        Case {
            kind: ImportKind::Sections,
            text: b"school_code,section_code,school_year,course_name,grade_band,enrolled_count\n\
                    NORTH-ES,5C,2026,Grade 5,ELEMENTARY,20\n\
                    WEST-MS,6A,2026,Grade 6,MIDDLE,20\n",
            line: Some(3),
            column: Some("school_code"),
            reason: "no school with school_code 'WEST-MS'",
        },
        Case {
            kind: ImportKind::Staff,
            text: b"employee_number,first_name,last_name,email,employee_group_code,hire_date,active\n\
                    E040,Jo,March,,TCH,2025-08-01,true\n\
                    E041,Kim,April,,TCH,2026-13-01,true\n",
            line: Some(3),
            column: Some("hire_date"),
            reason: "'2026-13-01' is not a date (YYYY-MM-DD)",
        },
        Case {
            kind: ImportKind::Evaluations,
            text: b"process_code,school_year,employee_number,evaluator_number,school_code,status,rostered_on,final_rating,completed_on\n\
                    EDST,2026,E002,E010,NORTH-ES,COMPLETE,2025-09-15,Meets Standard Performance,2026-05-01\n\
                    EDST,2026,E003,E011,SOUTH-HS,DONE,2025-09-20,,\n",
            line: Some(3),
            column: Some("status"),
            reason: "'DONE' is not one of ROSTERED, IN_PROGRESS, COMPLETE, WITHDRAWN",
        },
        Case {
            kind: ImportKind::Sections,
            text: b"school_code,section_code,school_year,course_name,grade_band,enrolled_count\n\
                    NORTH-ES,5C,2026,Grade 5,ELEMENTARY,20\n\
                    NORTH-ES,5D,2026,Grade 5,ELEMENTARY,-3\n",
            line: Some(3),
            column: Some("enrolled_count"),
            reason: "-3 is below 0",
        },
        Case {
            kind: ImportKind::SurveyAdministrations,
            text: b"survey_code,school_code,section_code,employee_number,status,administered_on,enrolled_count,response_count\n\
                    SFS-2026,NORTH-ES,4B,E002,ADMINISTERED,2026-02-03,26,26\n\
                    SFS-2026,SOUTH-HS,BIO-02,E004,ADMINISTERED,2026-02-21,30,31\n",
            line: Some(3),
            column: Some("response_count"),
            reason: "31 is more than enrolled_count 30",
        },
        Case {
            kind: ImportKind::Staff,
            text: b"employee_number,first_name,last_name,email,employee_group_code,hire_date,active\n\
                    E050,Lu,One,,TCH,2025-08-01,true\n\
                    E050,Lu,Two,,TCH,2025-08-01,true\n",
            line: Some(3),
            column: None,
            reason: "repeats the employee_number of line 2",
        },
        Case {
            kind: ImportKind::Staff,
            text: b"employee_number,first_name,last_name,email,employee_group_code,hire_date,active\n\
                    E060,Mo,Fine,,TCH,2025-08-01,true\n\
                    E061,Ned,Caf\xe9,,TCH,2025-08-01,true\n",
            line: Some(3),
            column: Some("last_name"),
            reason: "is not valid UTF-8",
        },
        Case {
            kind: ImportKind::Staff,
            text: b"employee_number,first_name,last_name,email,employee_group_code,hire_date,active\n\
                    E070,Oz,Fine,,TCH,2025-08-01,true\n\
                    E071,Pia,Short,TCH,2025-08-01,true\n",
            line: Some(3),
            column: None,
            reason: "has 6 fields where the header has 7",
        },
        Case {
            kind: ImportKind::Staff,
            text: b"employee_number,first_name,last_name,email,employee_group_code,hire_day,active\n\
                    E080,Quinn,Fine,,TCH,2025-08-01,true\n",
            line: Some(1),
            column: Some("hire_day"),
            reason: "is not a column of this file",
        },
        Case {
            kind: ImportKind::Staff,
            text: b"employee_number,first_name,last_name,email,employee_group_code,hire_date,active\n\
                    E090,Ray,Fine,,TCH,2025-08-01,true\n\
                    E091,Sam,Fine,,TCH,2025-08-01,yes\n",
            line: Some(3),
            column: Some("active"),
            reason: "'yes' is not true or false",
        },
        Case {
            kind: ImportKind::Assignments,
            text: b"employee_number,organization_code,job_title,job_class_code,supervisory,management,begin_date,end_date\n\
                    E001,SOUTH-HS,Coach,3300,false,false,2025-09-01,\n\
                    E002,SOUTH-HS,Coach,3300,false,false,2025-09-01,2025-06-30\n",
            line: Some(3),
            column: Some("end_date"),
            reason: "2025-06-30 is before begin_date 2025-09-01",
        },
        Case {
            kind: ImportKind::SurveyResponses,
            text: b"survey_code,response_id,school_code,section_code,employee_number,question_code,value\n\
                    SFS-2026,R-0100,NORTH-ES,4B,E002,CLEAR_EXPLANATIONS,4\n\
                    SFS-2026,R-0101,NORTH-ES,4B,E002,CLEAR_EXPLANATIONS,9\n",
            line: Some(3),
            column: Some("value"),
            reason: "is outside the question's scale 1..4",
        },
        Case {
            kind: ImportKind::SurveyResponses,
            text: b"survey_code,response_id,school_code,section_code,employee_number,question_code,value\n\
                    SES-2026,S-0100,SOUTH-HS,,,SUPPORTIVE_PLACE,4\n\
                    SFS-2026,R-0102,SOUTH-HS,BIO-02,E003,CLEAR_EXPLANATIONS,3\n",
            line: Some(3),
            column: Some("employee_number"),
            reason: "no administration of the survey in that section by that teacher",
        },
        Case {
            kind: ImportKind::ElementRatings,
            text: b"process_code,school_year,employee_number,event_kind,occurred_on,element_code,rating,feedback\n\
                    EDST,2026,E001,FORMAL_OBSERVATION,2026-02-10,2a1,Effective,\n\
                    EDST,2026,E001,FORMAL_OBSERVATION,2026-02-10,9z9,Effective,\n",
            line: Some(3),
            column: Some("element_code"),
            reason: "no element of the process's framework with process_code 'EDST', element_code '9z9'",
        },
        Case {
            kind: ImportKind::EaseReports,
            text: b"period_start,period_end,organization_code,service_type,unique_employees,sessions,eligible_employees\n\
                    2025-07-01,2026-06-30,R-NORTH,ALL,1,1,7\n\
                    2025-07-01,2026-06-30,NORTH-ES,ALL,1,1,4\n",
            line: Some(3),
            column: Some("organization_code"),
            reason: "EASE is reported for the district and regions only",
        },
        Case {
            kind: ImportKind::Organizations,
            text: b"code,name,kind,parent_code,equity_tier\n\
                    EAST-ES,East Elementary,SCHOOL,R-NORTH,\n\
                    DIST,Fixture Unified,DISTRICT,SOUTH-HS,\n",
            line: None,
            column: Some("parent_code"),
            reason: "DIST would be its own ancestor",
        },
    ]
}

async fn every_kind_of_bad_file_is_refused_with_its_line_and_reason_and_changes_nothing(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    let before = snapshot(&db).await;
    let audits = count(&db, "audit_event").await;

    for case in cases() {
        let (errors, total) = refused(import_text(&db, case.kind, case.text).await);
        let found = errors.iter().any(|e| {
            e.file == case.kind.file_name()
                && e.line == case.line
                && e.column.as_deref() == case.column
                && e.reason.contains(case.reason)
        });
        assert!(
            found,
            "{:?}: expected {:?}/{:?} '{}' in {errors:#?}",
            case.kind, case.line, case.column, case.reason
        );
        assert!(total >= 1);
        assert_eq!(snapshot(&db).await, before, "{:?} changed the database", case.kind);
    }
    assert_eq!(
        count(&db, "audit_event").await,
        audits,
        "a refused file is not an import"
    );
}

async fn at_most_100_errors_are_listed_and_every_error_is_counted(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    let mut text = format!("{STAFF_HEADER}\n");
    for n in 0..150 {
        text.push_str(&format!("X{n:03},A,B,,TCH,someday,true\n"));
    }
    let (errors, total) = refused(import_text(&db, ImportKind::Staff, text.as_bytes()).await);
    assert_eq!((errors.len(), total), (100, 150));
    assert_eq!(errors[0].line, Some(2));
    assert_eq!(errors[99].line, Some(101));
    assert_eq!(count(&db, "staff").await, 7);
}

/// `rows` staff rows E100000… (group TCH), after the header.
fn many_staff(rows: usize) -> String {
    let mut text = String::with_capacity(rows * 48 + 100);
    text.push_str(STAFF_HEADER);
    text.push('\n');
    for n in 0..rows {
        text.push_str(&format!("E{:06},First{n},Last{n},,TCH,2020-08-01,true\n", 100_000 + n));
    }
    text
}

async fn a_row_repeated_in_a_later_chunk_is_refused(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    // Line 2 comes back on line 2,502, two chunks later.
    let mut text = many_staff(2_500);
    text.push_str("E100000,Again,Again,,TCH,2020-08-01,true\n");
    let (errors, _) = refused(import_text(&db, ImportKind::Staff, text.as_bytes()).await);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].line, Some(2_502));
    assert!(errors[0].reason.contains("repeats the employee_number"), "{errors:#?}");
    assert_eq!(count(&db, "staff").await, 7);
}

async fn a_file_costs_a_fixed_number_of_statements_not_one_per_row(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    let statements = Arc::new(AtomicU64::new(0));
    let mut counted = db.clone();
    let counter = statements.clone();
    counted.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });

    let summary = import_text(&counted, ImportKind::Staff, many_staff(2_500).as_bytes())
        .await
        .unwrap();
    assert_eq!(summary.inserted, 2_500);
    let again = import_text(&counted, ImportKind::Staff, many_staff(2_500).as_bytes())
        .await
        .unwrap();
    assert_eq!(again.unchanged, 2_500);
    if backend == Backend::Sqlite {
        // 3 chunks of (at most) 1,000 rows: one lookup of the employee group, one comparison
        // and one upsert each; then the audit event. Unchanged, nothing is written.
        assert_eq!((summary.statements, again.statements), (3 * 3 + 1, 3 * 2 + 1));
        // The loader's own count is the connection's.
        assert_eq!(
            statements.load(Ordering::Relaxed),
            summary.statements + again.statements
        );
    } else {
        // The kind's lock, the staging table, COPY, its statistics, the repeats, the lookups
        // with their statistics, the unresolved, the count, the upsert, the table's
        // statistics and the audit event — for 2,500 rows as for 25,000. Unchanged, no
        // upsert and no statistics: nothing is written but the audit event.
        assert_eq!((summary.statements, again.statements), (12, 10));
        for (rows, statements) in [(25, 10), (25_000, 12)] {
            let other = import_text(&counted, ImportKind::Staff, many_staff(rows).as_bytes())
                .await
                .unwrap();
            assert_eq!(other.statements, statements, "{rows} rows: {other:?}");
        }
        // None of them goes through the database handle's statement callback.
        assert_eq!(statements.load(Ordering::Relaxed), 0);
    }
}

async fn importing_an_export_reproduces_the_demo_district(backend: Backend) {
    let demo = TestApp::spawn_with_demo(backend).await;
    let exported = tempfile::tempdir().unwrap();
    let written = api::import::export_dir(&demo.db, exported.path()).await.unwrap();
    assert_eq!(written.len(), 19);
    assert!(written.iter().all(|(_, rows)| *rows > 0), "{written:?}");

    let copy = TestDb::new(backend).await;
    let db = copy.migrated().await;
    let report = api::import::import_dir(&db, exported.path(), &tester(), &mut Quiet)
        .await
        .unwrap();
    assert!(report.failed.is_none(), "{:?}", report.failed);
    for ((kind, rows), summary) in written.iter().zip(&report.loaded) {
        assert_eq!((summary.kind, summary.inserted), (*kind, *rows));
    }
    assert_eq!(snapshot(&db).await, read_dir(exported.path()));
    for table in [
        "organization",
        "staff",
        "assignment",
        "section_teacher",
        "evaluation",
        "element_rating",
        "survey_response",
        "survey_answer",
        "training_completion",
        "ease_report",
        "attendance_summary",
    ] {
        assert_eq!(count(&db, table).await, count(&demo.db, table).await, "{table}");
    }
}

async fn each_import_appends_an_audit_event_with_actor_counts_and_checksum(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    let text = std::fs::read(fixture_dir().join("staff.csv")).unwrap();
    let summary = import_text(&db, ImportKind::Staff, &text).await.unwrap();

    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT actor_subject, actor_role, action, entity, after FROM audit_event \
             WHERE action = 'IMPORT' ORDER BY id",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 20, "19 files, then staff.csv again");
    let last = rows.last().unwrap();
    assert_eq!(last.try_get_by_index::<String>(0).unwrap(), "import-test");
    assert_eq!(last.try_get_by_index::<String>(1).unwrap(), "ADMIN");
    assert_eq!(last.try_get_by_index::<String>(3).unwrap(), "staff");
    let after: Value = last.try_get_by_index(4).unwrap();
    assert_eq!(after["unchanged"], 7);
    assert_eq!(after["inserted"], 0);
    assert_eq!(after["sha256"], summary.sha256);
    assert_eq!(summary.sha256.len(), 64);
}

async fn an_import_killed_mid_file_leaves_nothing_of_that_file(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture_dir().join("employee_groups.csv"),
        dir.path().join("employee_groups.csv"),
    )
    .unwrap();
    std::fs::File::create(dir.path().join("staff.csv"))
        .unwrap()
        .write_all(many_staff(200_000).as_bytes())
        .unwrap();

    let mut child = staffgraph(&test_db, &["import", dir.path().to_str().unwrap()])
        .spawn()
        .unwrap();
    // Wait for the first progress line of staff.csv: the file is being written.
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        if line.starts_with("staff.csv: 10000 rows") {
            break;
        }
        seen.push(line);
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the import finished before it was killed: {seen:?}");

    assert_eq!(
        count(&db, "employee_group").await,
        3,
        "the file before it was committed"
    );
    assert_eq!(count(&db, "staff").await, 0, "nothing of the file being written");
    let audits = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT entity FROM audit_event WHERE action = 'IMPORT'",
        ))
        .await
        .unwrap();
    assert_eq!(audits.len(), 1);
}

async fn the_command_line_refuses_a_bad_file_with_a_non_zero_exit_and_each_error(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new-hires.csv");
    std::fs::write(
        &file,
        format!("{STAFF_HEADER}\nE200,Ty,Fine,,TCH,2025-08-01,true\nE201,Uma,Fine,,XYZ,2025-08-01,true\nE202,Vic,Fine,,TCH,01/08/2025,true\n"),
    )
    .unwrap();

    // A file name that is not an import file's needs --kind.
    let output = staffgraph(&test_db, &["import", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--kind"));

    let output = staffgraph(&test_db, &["import", file.to_str().unwrap(), "--kind", "staff"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .contains("new-hires.csv:3: column employee_group_code: no employee group with employee_group_code 'XYZ'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("new-hires.csv:4: column hire_date: '01/08/2025' is not a date"),
        "{stderr}"
    );
    assert!(
        stderr.contains("refused with 2 error(s); nothing of it was loaded"),
        "{stderr}"
    );
    assert_eq!(count(&db, "staff").await, 7);
}

/// POSTs `importCsv` as a GraphQL multipart request with `text` as the file.
pub async fn upload(app: &TestApp, token: Option<&str>, kind: &str, text: &[u8]) -> Value {
    let operations = json!({
        "query": "mutation ($kind: ImportKind!, $file: Upload!) {
                    importCsv(kind: $kind, file: $file) { kind file rows inserted updated unchanged sha256 } }",
        "variables": { "kind": kind, "file": null },
    });
    let part = reqwest::multipart::Part::bytes(text.to_vec())
        .file_name("upload.csv")
        .mime_str("text/csv")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.file"] }).to_string())
        .part("0", part);
    let mut request = app.client.post(app.url("/graphql")).multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

async fn graphql_import_is_for_admin_only_and_reports_like_the_command_line(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    load_fixture(&app.db).await;
    let new_hire = format!("{STAFF_HEADER}\nE300,Wes,Fine,,TCH,2025-08-01,true\n");

    for role in [Role::Hr, Role::Analyst, Role::Principal] {
        let token = app.token(role, &["NORTH-ES"], Some("E010"));
        let body = upload(&app, Some(&token), "STAFF", new_hire.as_bytes()).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{role:?}: {body:#}");
    }
    let body = upload(&app, None, "STAFF", new_hire.as_bytes()).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "PUBLIC: {body:#}");
    assert_eq!(count(&app.db, "staff").await, 7);

    let admin = app.admin_token().to_owned();
    let body = upload(&app, Some(&admin), "STAFF", new_hire.as_bytes()).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let summary = &body["data"]["importCsv"];
    assert_eq!(summary["kind"], "STAFF");
    assert_eq!(summary["file"], "upload.csv");
    assert_eq!(
        (summary["rows"].as_u64(), summary["inserted"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(count(&app.db, "staff").await, 8);

    let bad = format!("{STAFF_HEADER}\nE301,Xia,Fine,,TCH,2025-08-01,true\nE302,Yan,Fine,,TCH,2025-02-30,true\n");
    let body = upload(&app, Some(&admin), "STAFF", bad.as_bytes()).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(extensions["field"], "file");
    assert_eq!(
        extensions["problems"][0],
        json!({ "file": "upload.csv", "line": 3, "column": "hire_date",
                "reason": "'2025-02-30' is not a date (YYYY-MM-DD)" })
    );
    assert_eq!(count(&app.db, "staff").await, 8, "nothing of the refused file");
}

async fn a_clerks_file_with_crlf_padded_keys_and_a_nul_is_reported_line_by_line(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    let crlf = |text: &str| text.replace("\r\n", "\n").replace('\n', "\r\n");
    // A padded key is the key: the export's own staff, padded and in CRLF, changes nothing.
    let staff = std::fs::read_to_string(fixture_dir().join("staff.csv")).unwrap();
    let padded = crlf(&staff.replace("E002,", " E002 ,"));
    let summary = import_text(&db, ImportKind::Staff, padded.as_bytes()).await.unwrap();
    assert_eq!((summary.inserted, summary.unchanged), (0, 7), "{summary:?}");
    assert_eq!(count(&db, "staff").await, 7);
    // Bad rows on lines 3, 6 and 7 of a CRLF file, the second after a quoted cell across lines
    // 4 and 5 (a date of 5,000 characters, a NUL, a key PostgreSQL could not index): reported
    // on those lines, in order, the same on both databases.
    let long = "9".repeat(5_000);
    let text = crlf(&format!(
        "{STAFF_HEADER}\n\
         E400,Ann,Lee,,TCH,2025-08-01,true\n\
         E401,Bo,Ng,,TCH,{long},true\n\
         E402,\"Cy\nMarie\",Ho,,TCH,2025-08-01,true\n\
         E403,D\0a,Ma,,TCH,2025-08-01,true\n\
         {key},Ed,Ko,,TCH,2025-08-01,true\n",
        key = "E".repeat(3_000)
    ));
    let (errors, total) = refused(import_text(&db, ImportKind::Staff, text.as_bytes()).await);
    let found: Vec<_> = errors.iter().map(|e| (e.line, e.column.as_deref())).collect();
    assert_eq!(
        found,
        [
            (Some(3), Some("hire_date")),
            (Some(6), Some("first_name")),
            (Some(7), Some("employee_number"))
        ],
        "{errors:#?}"
    );
    assert_eq!(total, 3);
    assert!(errors[2].reason.contains("longer than 255"), "{}", errors[2].reason);
    assert!(
        errors[0].reason.len() < 200 && errors[0].reason.contains("5000 characters"),
        "{}",
        errors[0].reason
    );
    assert!(errors[1].reason.contains("NUL"), "{}", errors[1].reason);
    assert_eq!(count(&db, "staff").await, 7, "nothing of the refused file");
}

async fn two_imports_at_once_wait_for_each_other_and_both_load(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    // Two staff files of 5,000 new people each, sent at once on two connections of the pool:
    // the second waits for the first's write lock (SQLite) or its kind's turn (PostgreSQL)
    // instead of failing with "database is locked".
    let first = many_staff(5_000);
    let second = first.replace("\nE1", "\nE2");
    let (a, b) = tokio::join!(
        import_text(&db, ImportKind::Staff, first.as_bytes()),
        import_text(&db, ImportKind::Staff, second.as_bytes())
    );
    let (a, b) = (a.expect("the first import"), b.expect("the second import"));
    assert_eq!((a.inserted, b.inserted), (5_000, 5_000));
    assert_eq!(count(&db, "staff").await, 10_007);
}

/// The versions of the evaluation processes, by code.
async fn process_versions(db: &DatabaseConnection) -> BTreeMap<String, i32> {
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT code, version FROM evaluation_process ORDER BY code",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap()))
    .collect()
}

async fn importing_which_groups_a_process_serves_moves_the_processes_versions(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    // The fixture linked groups to processes: every process moved once from the migration's 1,
    // so an ADMIN edit read before the import is a CONFLICT (setEvaluationProcessGroups).
    let loaded = process_versions(&db).await;
    assert!(loaded.values().all(|v| *v == 2), "{loaded:?}");
    // The same file again changes no link and no version; a new link moves them again.
    let groups = std::fs::read_to_string(fixture_dir().join("evaluation_process_groups.csv")).unwrap();
    import_text(&db, ImportKind::EvaluationProcessGroups, groups.as_bytes())
        .await
        .unwrap();
    assert_eq!(process_versions(&db).await, loaded);
    let more = format!("{groups}STULL,CLS\n");
    let summary = import_text(&db, ImportKind::EvaluationProcessGroups, more.as_bytes())
        .await
        .unwrap();
    assert_eq!(summary.inserted, 1);
    assert!(process_versions(&db).await.values().all(|v| *v == 3));
}

/// SQLite: an import that cannot get the write lock within the busy timeout — another writer
/// holds it — is refused as BUSY with a line saying to retry, in the library, on the command
/// line and over GraphQL (the BUSY code, never INTERNAL); nothing of it is kept, and once the
/// lock is free the same file loads. (PostgreSQL writers wait on row locks instead.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_that_cannot_get_the_write_lock_is_busy_not_internal() {
    use std::time::{Duration, Instant};
    let test_db = TestDb::new(Backend::Sqlite).await;
    let db = test_db.migrated().await;
    load_fixture(&db).await;
    let impatient = test_db
        .connect_bounded(api::db::Bounds::batch(Duration::from_millis(300)))
        .await;
    let new_hire = format!("{STAFF_HEADER}\nE300,Wes,Fine,,TCH,2025-08-01,true\n");
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), &new_hire).unwrap();

    // Another writer holds the write lock (a transaction begun IMMEDIATE).
    let holder = api::db::begin_write(&db).await.unwrap();
    let started = Instant::now();
    let error = import_text(&impatient, ImportKind::Staff, new_hire.as_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            ImportError::Api(api::error::ApiError::Refused {
                refusal: api::error::Refusal::Busy,
                ..
            })
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("busy") && error.to_string().contains("retry"),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited {:?}",
        started.elapsed()
    );

    let output = staffgraph(
        &test_db,
        &["import", &file.path().display().to_string(), "--kind", "staff"],
    )
    .env("STAFFGRAPH_DATABASE_BUSY_TIMEOUT", "300ms")
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.contains("busy") && last.contains("retry"), "{stderr}");
    assert!(!stderr.contains("locked"), "the driver's words: {stderr}");

    let app = TestApp::serve(test_db, impatient).await;
    let body = upload(&app, Some(app.admin_token()), "STAFF", new_hire.as_bytes()).await;
    assert_eq!(error_code(&body), "BUSY", "{body:#}");
    assert_eq!(count(&app.db, "staff").await, 7);

    holder.rollback().await.unwrap();
    let body = upload(&app, Some(app.admin_token()), "STAFF", new_hire.as_bytes()).await;
    assert_eq!(body["data"]["importCsv"]["inserted"], 1, "{body:#}");
    assert_eq!(count(&app.db, "staff").await, 8);
}
