//! The strategic-plan measures against hand-computed values (DESIGN.md §3), each edge case a
//! named test on both databases; the demo district's seven measures; the statement cost of
//! `planMeasures` at 50,000 staff.

use crate::fixtures::{District, YEAR, day};
use crate::helpers::{Backend, TestApp, nodes};
use crate::on_both_databases;
use entity::enums::{AdministrationStatus as Admin, EvaluationStatus as Eval, SectionRole, ServiceType};
use serde_json::{Value, json};

on_both_databases!(
    sfs_coverage_of_exactly_75_percent_is_met_and_74_99_percent_is_not,
    a_teacher_with_two_sections_counts_twice,
    a_co_teachers_section_is_not_counted_for_them,
    a_withdrawn_evaluation_makes_no_classroom_eligible,
    an_administration_with_zero_responses_or_cancelled_does_not_count,
    a_school_with_no_eligible_classrooms_has_denominator_0_and_no_rate,
    a_completion_200_days_before_entry_counts_and_400_days_before_does_not,
    a_completion_on_the_due_date_is_on_time_and_the_day_after_is_late,
    a_second_supervisory_assignment_within_365_days_is_not_a_new_entry,
    an_as_of_date_before_the_due_date_gives_pending,
    a_certificated_group_served_only_by_a_single_measure_process_is_uncovered,
    an_ease_count_of_7_is_suppressed_and_so_is_its_complementary_sibling,
    the_demo_district_reports_all_seven_measures_with_breakdowns,
    the_measure_lists_page_forward_and_filter,
);

/// One measure over `organization` (the district when None).
async fn measure(app: &TestApp, code: &str, organization: Option<&str>, as_of: Option<&str>) -> Value {
    let data = app
        .query_ok(
            "query ($code: String!, $org: String, $asOf: Date) {
               planMeasures(schoolYear: 2026, organization: $org, asOf: $asOf, codes: [$code]) {
                 code numerator denominator rate met target suppressed suppressionReason priorRate change
                 breakdown { organization { code } numerator denominator rate met suppressed suppressionReason } } }",
            json!({ "code": code, "org": organization, "asOf": as_of }),
        )
        .await;
    let measures = data["planMeasures"].as_array().unwrap();
    assert_eq!(measures.len(), 1, "{code}");
    measures[0].clone()
}

fn figures(m: &Value) -> (f64, f64) {
    (m["numerator"].as_f64().unwrap(), m["denominator"].as_f64().unwrap())
}

async fn sfs_coverage_of_exactly_75_percent_is_met_and_74_99_percent_is_not(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let teacher = d.evaluated_teacher(school, Eval::InProgress).await;
    for administered in [true, true, true, false] {
        let section = d.section(school, teacher, SectionRole::TeacherOfRecord, 25).await;
        if administered {
            d.administer(section, teacher, Admin::Administered, 20).await;
        }
    }
    let m = measure(&app, "SFS_COVERAGE", None, None).await;
    assert_eq!(figures(&m), (3.0, 4.0));
    assert_eq!(m["rate"], 0.75);
    assert_eq!(m["met"], true, "exactly 75% meets the target");

    // 7,499 of 10,000 in a second school: 74.99% there, and the district is 7,502 / 10,004.
    let other = d.school("SCH-B").await;
    let teacher = d.evaluated_teacher(other, Eval::InProgress).await;
    crate::bulk::sections_with_administrations(&app.db, other, teacher, d.sfs, 10_000, 7_499).await;
    let m = measure(&app, "SFS_COVERAGE", Some("SCH-B"), None).await;
    assert_eq!(figures(&m), (7499.0, 10000.0));
    assert_eq!(m["met"], false, "74.99% does not meet the target");
    let region = measure(&app, "SFS_COVERAGE", Some("RGN"), None).await;
    let cells: Vec<(String, Value)> = region["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["organization"]["code"].as_str().unwrap().to_owned(), c["met"].clone()))
        .collect();
    assert_eq!(cells, [("SCH-A".into(), json!(true)), ("SCH-B".into(), json!(false))]);
}

async fn a_teacher_with_two_sections_counts_twice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let teacher = d.evaluated_teacher(school, Eval::Rostered).await;
    let first = d.section(school, teacher, SectionRole::TeacherOfRecord, 30).await;
    d.section(school, teacher, SectionRole::TeacherOfRecord, 28).await;
    d.administer(first, teacher, Admin::Administered, 12).await;
    assert_eq!(figures(&measure(&app, "SFS_COVERAGE", None, None).await), (1.0, 2.0));
}

async fn a_co_teachers_section_is_not_counted_for_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let lead = d.evaluated_teacher(school, Eval::InProgress).await;
    let co = d.evaluated_teacher(school, Eval::InProgress).await;
    let section = d.section(school, lead, SectionRole::TeacherOfRecord, 30).await;
    d.teach(section, co, SectionRole::CoTeacher).await;
    // Even an administration in the co-teacher's name does not make it their classroom.
    d.administer(section, co, Admin::Administered, 10).await;
    assert_eq!(figures(&measure(&app, "SFS_COVERAGE", None, None).await), (0.0, 1.0));
}

async fn a_withdrawn_evaluation_makes_no_classroom_eligible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let withdrawn = d.evaluated_teacher(school, Eval::Withdrawn).await;
    let kept = d.evaluated_teacher(school, Eval::Complete).await;
    d.section(school, withdrawn, SectionRole::TeacherOfRecord, 30).await;
    let section = d.section(school, kept, SectionRole::TeacherOfRecord, 30).await;
    d.administer(section, kept, Admin::Administered, 5).await;
    assert_eq!(figures(&measure(&app, "SFS_COVERAGE", None, None).await), (1.0, 1.0));
}

async fn an_administration_with_zero_responses_or_cancelled_does_not_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let teacher = d.evaluated_teacher(school, Eval::InProgress).await;
    let empty = d.section(school, teacher, SectionRole::TeacherOfRecord, 30).await;
    let cancelled = d.section(school, teacher, SectionRole::TeacherOfRecord, 30).await;
    let open = d.section(school, teacher, SectionRole::TeacherOfRecord, 30).await;
    let given = d.section(school, teacher, SectionRole::TeacherOfRecord, 30).await;
    d.administer(empty, teacher, Admin::Administered, 0).await;
    d.administer(cancelled, teacher, Admin::Cancelled, 18).await;
    d.administer(open, teacher, Admin::Open, 3).await;
    d.administer(given, teacher, Admin::Administered, 1).await;
    assert_eq!(figures(&measure(&app, "SFS_COVERAGE", None, None).await), (1.0, 4.0));

    // The principal's list names the three classrooms still to survey.
    let data = app
        .query_ok(
            r#"{ sfsCoverage(schoolYear: 2026, organization: "SCH-A") { notAdministered(first: 10) { totalCount
                  edges { node { school { code } teacher { id } evaluation { status } } } } } }"#,
            json!({}),
        )
        .await;
    let list = &data["sfsCoverage"]["notAdministered"];
    assert_eq!(list["totalCount"], 3);
    assert!(
        nodes(list)
            .iter()
            .all(|c| c["school"]["code"] == "SCH-A" && c["evaluation"]["status"] == "IN_PROGRESS")
    );
}

async fn a_school_with_no_eligible_classrooms_has_denominator_0_and_no_rate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let busy = d.school("SCH-A").await;
    d.school("SCH-EMPTY").await;
    let teacher = d.evaluated_teacher(busy, Eval::InProgress).await;
    // An empty section (no students) is not eligible either.
    d.section(busy, teacher, SectionRole::TeacherOfRecord, 0).await;
    let section = d.section(busy, teacher, SectionRole::TeacherOfRecord, 22).await;
    d.administer(section, teacher, Admin::Administered, 22).await;

    let m = measure(&app, "SFS_COVERAGE", Some("SCH-EMPTY"), None).await;
    assert_eq!(figures(&m), (0.0, 0.0));
    assert_eq!(m["rate"], Value::Null);
    assert_eq!(m["met"], Value::Null);
    let region = measure(&app, "SFS_COVERAGE", Some("RGN"), None).await;
    assert_eq!(figures(&region), (1.0, 1.0));
    let empty_cell = region["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["organization"]["code"] == "SCH-EMPTY")
        .unwrap()
        .clone();
    assert_eq!(
        (empty_cell["denominator"].as_f64(), &empty_cell["rate"]),
        (Some(0.0), &Value::Null)
    );
}

/// A supervisor entering at `school` on `entry` (with no supervisory past), with PM completions
/// on `completions`; returns the status of the entry as of `as_of`.
async fn entry_status(app: &TestApp, d: &District, entry: &str, completions: &[&str], as_of: &str) -> Value {
    let school = d.school(&format!("SCH-{}", entry.replace('-', ""))).await;
    let person = d.person(d.teachers_group, school).await;
    d.assign(person, school, true, day(entry), None).await;
    for on in completions {
        d.complete_pm(person, day(on)).await;
    }
    let data = app
        .query_ok(
            "query ($asOf: Date!, $from: Date!, $to: Date!) { supervisorTraining(schoolYear: 2026, asOf: $asOf, from: $from, to: $to) {
               entries(first: 5) { edges { node { entryDate dueDate completedOn status daysOverdue } } } } }",
            json!({ "asOf": as_of, "from": entry, "to": entry }),
        )
        .await;
    let entries = nodes(&data["supervisorTraining"]["entries"]);
    assert_eq!(entries.len(), 1, "one entry on {entry}");
    entries[0].clone()
}

async fn a_completion_200_days_before_entry_counts_and_400_days_before_does_not(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    // Entry 2025-09-01; 200 days before is 2025-02-13, 400 days before is 2024-07-28.
    let counted = entry_status(&app, &d, "2025-09-01", &["2025-02-13"], "2026-06-30").await;
    assert_eq!(counted["status"], "ON_TIME");
    assert_eq!(counted["completedOn"], "2025-02-13");
    let too_old = entry_status(&app, &d, "2025-09-02", &["2024-07-29"], "2026-06-30").await;
    assert_eq!(too_old["status"], "OVERDUE");
    assert_eq!(too_old["completedOn"], Value::Null);
    // Due 2026-03-01 (entry + 180 days); overdue by 121 days on 30 June.
    assert_eq!(too_old["dueDate"], "2026-03-01");
    assert_eq!(too_old["daysOverdue"], 121);
    let m = measure(&app, "SUPERVISOR_TRAINING", None, Some("2026-06-30")).await;
    assert_eq!(figures(&m), (1.0, 2.0));
}

async fn a_completion_on_the_due_date_is_on_time_and_the_day_after_is_late(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    // Entry 2025-08-01: due 2026-01-28.
    let on_due = entry_status(&app, &d, "2025-08-01", &["2026-01-28"], "2026-06-30").await;
    assert_eq!(
        (on_due["dueDate"].as_str(), on_due["status"].as_str()),
        (Some("2026-01-28"), Some("ON_TIME"))
    );
    let late = entry_status(&app, &d, "2025-08-02", &["2026-01-30"], "2026-06-30").await;
    assert_eq!(late["dueDate"], "2026-01-29");
    assert_eq!(late["status"], "LATE");
    assert_eq!(late["daysOverdue"], 1);
    let m = measure(&app, "SUPERVISOR_TRAINING", None, Some("2026-06-30")).await;
    assert_eq!(figures(&m), (1.0, 2.0), "ON_TIME ÷ (ON_TIME + LATE)");
}

async fn a_second_supervisory_assignment_within_365_days_is_not_a_new_entry(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let other = d.school("SCH-B").await;
    // Supervisor at A from 2024-10-01 to 2025-08-31, then at B from 2025-09-01: not an entry.
    let moved = d.person(d.teachers_group, school).await;
    d.assign(moved, school, true, day("2024-10-01"), Some(day("2025-08-31")))
        .await;
    d.assign(moved, other, true, day("2025-09-01"), None).await;
    // Supervisor until 2024-08-01, again from 2025-09-01 (396 days later): a new entry.
    let returned = d.person(d.teachers_group, school).await;
    d.assign(returned, school, true, day("2022-08-01"), Some(day("2024-08-01")))
        .await;
    d.assign(returned, other, true, day("2025-09-01"), None).await;
    let data = app
        .query_ok(
            r#"{ supervisorTraining(schoolYear: 2026, asOf: "2026-06-30", from: "2025-07-01", to: "2026-06-30") {
                  counts { status count } entries { totalCount edges { node { staff { id } entryDate } } } } }"#,
            json!({}),
        )
        .await;
    let entries = nodes(&data["supervisorTraining"]["entries"]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["entryDate"], "2025-09-01");
    let counts = data["supervisorTraining"]["counts"].as_array().unwrap();
    let overdue = counts.iter().find(|c| c["status"] == "OVERDUE").unwrap();
    assert_eq!(overdue["count"], 1);
}

async fn an_as_of_date_before_the_due_date_gives_pending(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    // Entry 2026-03-01, due 2026-08-28; completed 2026-05-10, after the as-of date 2026-04-01.
    let pending = entry_status(&app, &d, "2026-03-01", &["2026-05-10"], "2026-04-01").await;
    assert_eq!(pending["status"], "PENDING");
    assert_eq!(
        pending["completedOn"],
        Value::Null,
        "a completion after the as-of date has not happened yet"
    );
    let m = measure(&app, "SUPERVISOR_TRAINING", None, Some("2026-04-01")).await;
    assert_eq!(
        figures(&m),
        (0.0, 0.0),
        "a pending entry is in neither numerator nor denominator"
    );
    assert_eq!(m["rate"], Value::Null);
}

async fn a_certificated_group_served_only_by_a_single_measure_process_is_uncovered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    d.evaluated_teacher(school, Eval::InProgress).await;
    d.person(d.adult_group, school).await;
    let m = measure(&app, "MULTIPLE_MEASURES", None, None).await;
    assert_eq!(figures(&m), (1.0, 2.0), "TCH covered by EDST, ADT not by STULL");
    assert_eq!(m["met"], false);
    let data = app
        .query_ok(
            "{ multipleMeasures(schoolYear: 2026) { groups { group { code } covered activeStaff evaluated participation
                processes { process { code } multipleMeasures hasCycle } } } }",
            json!({}),
        )
        .await;
    let groups = data["multipleMeasures"]["groups"].as_array().unwrap();
    let adt = groups.iter().find(|g| g["group"]["code"] == "ADT").unwrap();
    assert_eq!(adt["covered"], false);
    assert_eq!(
        adt["processes"],
        json!([{ "process": { "code": "STULL" }, "multipleMeasures": false, "hasCycle": true }])
    );
    let tch = groups.iter().find(|g| g["group"]["code"] == "TCH").unwrap();
    assert_eq!(
        (tch["covered"].clone(), tch["participation"].clone()),
        (json!(true), json!(1.0))
    );
}

async fn an_ease_count_of_7_is_suppressed_and_so_is_its_complementary_sibling(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let second = d.another_region("RGN-2").await;
    d.ease(d.district, ServiceType::All, 207, 600, 4000).await;
    d.ease(d.region, ServiceType::All, 7, 20, 1000).await;
    d.ease(second, ServiceType::All, 200, 580, 3000).await;
    for (service, unique) in [
        (ServiceType::Counseling, 150),
        (ServiceType::Hotline, 7),
        (ServiceType::Telehealth, 50),
    ] {
        d.ease(d.district, service, unique, unique * 3, 4000).await;
    }
    let m = measure(&app, "EASE_USAGE", None, None).await;
    assert_eq!(figures(&m), (207.0, 4000.0));
    let cells: Vec<(&str, &Value, &Value)> = m["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["organization"]["code"].as_str().unwrap(),
                &c["numerator"],
                &c["suppressionReason"],
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("RGN", &Value::Null, &json!("SMALL_COUNT")),
            ("RGN-2", &Value::Null, &json!("COMPLEMENTARY")),
        ],
        "7 is withheld, and 200 with it: 207 − 200 would give it away"
    );
    let data = app
        .query_ok(
            "{ easeUsage(schoolYear: 2026) { byServiceType { serviceType uniqueEmployees suppressionReason } } }",
            json!({}),
        )
        .await;
    let services: Vec<(String, Value, Value)> = data["easeUsage"]["byServiceType"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["serviceType"].as_str().unwrap().to_owned(),
                s["uniqueEmployees"].clone(),
                s["suppressionReason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        services,
        [
            ("ALL".into(), json!(207), Value::Null),
            ("COUNSELING".into(), json!(150), Value::Null),
            ("HOTLINE".into(), Value::Null, json!("SMALL_COUNT")),
            ("TELEHEALTH".into(), Value::Null, json!("COMPLEMENTARY")),
        ]
    );
}

async fn the_demo_district_reports_all_seven_measures_with_breakdowns(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let (data, statements) = app
        .query_counted(
            "{ planMeasures(schoolYear: 2026) { code priority rate target met priorRate change
                 breakdown { organization { code kind } numerator denominator } } }",
            json!({}),
        )
        .await;
    let measures = data["planMeasures"].as_array().unwrap();
    let codes: Vec<&str> = measures.iter().map(|m| m["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "SFS_COVERAGE",
            "SUPERVISOR_TRAINING",
            "MULTIPLE_MEASURES",
            "EASE_USAGE",
            "EXCELLENT_ATTENDANCE",
            "SES_SUPPORTIVE",
            "WELLNESS_PD"
        ]
    );
    for m in measures {
        let rate = m["rate"].as_f64().unwrap_or_else(|| panic!("{} has a rate", m["code"]));
        assert!((0.0..=1.0).contains(&rate), "{}", m["code"]);
        assert!(["5C", "5D"].contains(&m["priority"].as_str().unwrap()));
        let regions: Vec<&Value> = m["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["organization"]["kind"] == "REGION")
            .collect();
        assert_eq!(regions.len(), 2, "{}: a cell per region", m["code"]);
    }
    // The SFS breakdown adds up: every eligible classroom is in exactly one region.
    let sfs = &measures[0];
    let sum: f64 = sfs["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["denominator"].as_f64().unwrap())
        .sum();
    assert!(sum > 0.0);
    let headline = app
        .query_ok(
            "{ planMeasures(schoolYear: 2026, codes: [\"SFS_COVERAGE\"]) { denominator } }",
            json!({}),
        )
        .await;
    assert_eq!(headline["planMeasures"][0]["denominator"].as_f64().unwrap(), sum);
    assert!(statements <= 25, "planMeasures costs {statements} statements");
    // HR's list answers with the plan measure's defaults: the same year, as of its last day
    // (today being after it), the same rate.
    let training = app
        .query_ok("{ supervisorTraining(schoolYear: 2026) { asOf rate } }", json!({}))
        .await;
    assert_eq!(training["supervisorTraining"]["asOf"], "2026-06-30");
    assert_eq!(training["supervisorTraining"]["rate"], measures[1]["rate"]);
    assert!(measures[1]["rate"].is_number());
    let _ = YEAR;
}

async fn the_measure_lists_page_forward_and_filter(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    // The classrooms still to survey, three at a time: every one once, as many as the figure says.
    let query = "query ($after: String) { sfsCoverage(schoolYear: 2026, organization: \"RGN-N\") {
        measure { numerator denominator }
        notAdministered(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor }
          edges { node { section { id } teacher { id } school { parent { code } } } } } } }";
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    let expected = loop {
        let data = app.query_ok(query, json!({ "after": after })).await;
        let coverage = &data["sfsCoverage"];
        let expected =
            coverage["measure"]["denominator"].as_f64().unwrap() - coverage["measure"]["numerator"].as_f64().unwrap();
        assert_eq!(coverage["notAdministered"]["totalCount"].as_f64().unwrap(), expected);
        for classroom in nodes(&coverage["notAdministered"]) {
            assert_eq!(classroom["school"]["parent"]["code"], "RGN-N");
            seen.push((classroom["section"]["id"].clone(), classroom["teacher"]["id"].clone()).to_owned());
        }
        let has_next = coverage["notAdministered"]["pageInfo"]["hasNextPage"] == true;
        after = coverage["notAdministered"]["pageInfo"]["endCursor"].clone();
        if !has_next {
            break expected;
        }
    };
    // After the last row: an empty page that still says the total (the page and its count are
    // one statement, the page left-joined to the count).
    let data = app.query_ok(query, json!({ "after": after })).await;
    let beyond = &data["sfsCoverage"]["notAdministered"];
    assert_eq!(nodes(beyond).len(), 0);
    assert_eq!(beyond["totalCount"].as_f64().unwrap(), expected);
    assert_eq!(beyond["pageInfo"]["hasNextPage"], false);
    assert!(expected > 3.0, "more than one page");
    let unique: std::collections::HashSet<String> = seen.iter().map(|p| format!("{p:?}")).collect();
    assert_eq!((seen.len() as f64, unique.len()), (expected, seen.len()));

    // Supervisory entries by status add up to the counts.
    let data = app
        .query_ok(
            r#"{ supervisorTraining(schoolYear: 2026, asOf: "2026-03-01") { counts { status count }
                  onTime: entries(status: ON_TIME, first: 100) { totalCount edges { node { status daysOverdue } } }
                  overdue: entries(status: OVERDUE, first: 100) { totalCount edges { node { status daysOverdue dueDate } } }
                  late: entries(status: LATE, first: 100) { totalCount edges { node { status } } }
                  pending: entries(status: PENDING, first: 100) { totalCount edges { node { status } } }
                  all: entries(first: 100) { totalCount } } }"#,
            json!({}),
        )
        .await;
    let training = &data["supervisorTraining"];
    let count = |status: &str| {
        training["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["status"] == status)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    let total: u64 = ["ON_TIME", "LATE", "OVERDUE", "PENDING"].iter().map(|s| count(s)).sum();
    assert_eq!(training["all"]["totalCount"].as_u64().unwrap(), total);
    // Each status's list — its filter on the assignment itself — holds exactly the entries
    // the counts give it (the counts read every entry and group them).
    for (list, status) in [
        ("onTime", "ON_TIME"),
        ("late", "LATE"),
        ("overdue", "OVERDUE"),
        ("pending", "PENDING"),
    ] {
        assert_eq!(
            training[list]["totalCount"].as_u64().unwrap(),
            count(status),
            "{status}"
        );
        assert!(nodes(&training[list]).iter().all(|e| e["status"] == status), "{status}");
    }
    assert!(
        nodes(&training["onTime"])
            .iter()
            .all(|e| e["status"] == "ON_TIME" && e["daysOverdue"] == 0)
    );
    // The same below the district and at other dates: a region's lists (the scope a filter on
    // the assignment) each hold their status's count, together all of the region's entries,
    // fewer than the district's.
    for (region, as_of) in [("RGN-N", "2026-06-30"), ("RGN-N", "2025-10-15")] {
        let data = app
            .query_ok(
                &format!(
                    r#"{{ supervisorTraining(schoolYear: 2026, asOf: "{as_of}", organization: "{region}") {{
                      counts {{ status count }} all: entries(first: 100) {{ totalCount }}
                      ON_TIME: entries(status: ON_TIME, first: 100) {{ totalCount edges {{ node {{ status }} }} }}
                      LATE: entries(status: LATE, first: 100) {{ totalCount edges {{ node {{ status }} }} }}
                      OVERDUE: entries(status: OVERDUE, first: 100) {{ totalCount edges {{ node {{ status }} }} }}
                      PENDING: entries(status: PENDING, first: 100) {{ totalCount edges {{ node {{ status }} }} }} }} }}"#
                ),
                json!({}),
            )
            .await;
        let scoped = &data["supervisorTraining"];
        let all = scoped["all"]["totalCount"].as_u64().unwrap();
        assert!(
            all > 0 && all < total,
            "{region} {as_of}: {all} of the district's {total}"
        );
        let mut listed = 0;
        for counted in scoped["counts"].as_array().unwrap() {
            let status = counted["status"].as_str().unwrap();
            let list = &scoped[status];
            assert_eq!(list["totalCount"], counted["count"], "{region} {as_of} {status}");
            assert!(nodes(list).iter().all(|e| e["status"] == status));
            listed += list["totalCount"].as_u64().unwrap();
        }
        assert_eq!(listed, all, "{region} {as_of}");
    }
    let overdue = nodes(&training["overdue"]);
    assert_eq!(overdue.len() as u64, count("OVERDUE"));
    assert!(overdue.iter().all(|e| e["status"] == "OVERDUE"
        && e["daysOverdue"].as_i64().unwrap() > 0
        && e["dueDate"].as_str().unwrap() < "2026-03-01"));
    let body = app
        .graphql(
            r#"{ supervisorTraining(schoolYear: 2026, from: "2026-01-01", to: "2025-01-01") { rate } }"#,
            json!({}),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT");
    let body = app
        .graphql(
            r#"{ planMeasures(schoolYear: 2026, organization: "NOPE") { code } }"#,
            json!({}),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&body), "NOT_FOUND");
}
