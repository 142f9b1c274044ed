//! The read API over the demo district: every relation, both ways; `node(id:)` for every type;
//! clear errors for malformed and foreign ids.

use crate::helpers::{Backend, TestApp, error_code, nodes};
use crate::on_both_databases;
use entity::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

on_both_databases!(
    organization_tree_resolves_parent_children_staff_and_sections_both_ways,
    staff_relations_lead_back_to_the_same_person,
    an_evaluation_resolves_its_people_school_cycle_events_and_ratings,
    a_framework_rubric_is_browsable_in_rubric_order,
    processes_cycles_and_groups_resolve_both_ways,
    surveys_questions_and_administrations_resolve_both_ways,
    training_courses_and_completions_resolve_both_ways,
    node_round_trips_for_every_type,
    malformed_and_foreign_ids_are_clear_errors,
    natural_key_lookups_find_rows_and_return_null_for_unknown_keys,
);

fn id_of(node: &Value) -> &str {
    node["id"].as_str().unwrap_or_else(|| panic!("no id in {node:#}"))
}

async fn organization_tree_resolves_parent_children_staff_and_sections_both_ways(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            r#"{ organization(code: "RGN-N") { id code kind
                  parent { code kind }
                  children(first: 100) { totalCount edges { node { id code kind parent { id }
                    staff(first: 3) { totalCount edges { node { id
                      assignments(first: 10) { edges { node { organization { id } endDate } } } } } }
                    sections(first: 2, schoolYear: 2026) { totalCount edges { node { schoolYear school { id } } } }
                  } } } } }"#,
            json!({}),
        )
        .await;
    let region = &data["organization"];
    assert_eq!(region["kind"], "REGION");
    assert_eq!(region["parent"], json!({ "code": "DIST", "kind": "DISTRICT" }));
    let schools = nodes(&region["children"]);
    assert_eq!(schools.len(), 6, "region north has 6 schools");
    assert_eq!(region["children"]["totalCount"], 6);
    for school in &schools {
        assert_eq!(school["kind"], "SCHOOL");
        assert_eq!(school["parent"]["id"], region["id"], "a child's parent is the region");
        assert!(school["staff"]["totalCount"].as_u64().unwrap() > 10);
        for person in nodes(&school["staff"]) {
            let placed_here = nodes(&person["assignments"])
                .iter()
                .any(|a| a["organization"]["id"] == school["id"]);
            assert!(placed_here, "a school's staff hold a current assignment there");
        }
        for section in nodes(&school["sections"]) {
            assert_eq!(section["school"]["id"], school["id"]);
            assert_eq!(section["schoolYear"], 2026);
        }
    }
}

async fn staff_relations_lead_back_to_the_same_person(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            r#"{ staff(first: 40, filter: { employeeGroup: "TCH" }) { edges { node { id employeeGroup { code certificated staff(first: 1) { totalCount } }
                  assignments(first: 5) { edges { node { staff { id } } } }
                  sections(first: 5) { edges { node { teachers(first: 5) { edges { node { role staff { id } section { id } } } } } } }
                  evaluations(first: 5) { edges { node { evaluatee { id } } } }
                  trainingCompletions(first: 5) { edges { node { staff { id } } } }
                  surveyAdministrations(first: 5) { edges { node { teacher { id } section { teachers(first: 5) { edges { node { staff { id } } } } } } } }
                } } } }"#,
            json!({}),
        )
        .await;
    let teachers = nodes(&data["staff"]);
    assert_eq!(teachers.len(), 40);
    let tch_total = staff::Entity::find()
        .filter(staff::Column::EmployeeGroupId.eq(1))
        .count(&app.db)
        .await
        .unwrap();
    let (mut sections, mut evaluations, mut administrations) = (0, 0, 0);
    for person in &teachers {
        let me = &person["id"];
        assert_eq!(person["employeeGroup"]["code"], "TCH");
        assert_eq!(person["employeeGroup"]["certificated"], true);
        assert_eq!(person["employeeGroup"]["staff"]["totalCount"], tch_total);
        assert!(nodes(&person["assignments"]).iter().all(|a| a["staff"]["id"] == *me));
        for section in nodes(&person["sections"]) {
            sections += 1;
            let links = nodes(&section["teachers"]);
            assert!(
                links.iter().any(|l| l["staff"]["id"] == *me),
                "the section lists its teacher"
            );
        }
        for evaluation in nodes(&person["evaluations"]) {
            evaluations += 1;
            assert_eq!(evaluation["evaluatee"]["id"], *me);
        }
        assert!(
            nodes(&person["trainingCompletions"])
                .iter()
                .all(|c| c["staff"]["id"] == *me)
        );
        for administration in nodes(&person["surveyAdministrations"]) {
            administrations += 1;
            assert_eq!(administration["teacher"]["id"], *me);
            let teaches = nodes(&administration["section"]["teachers"]);
            assert!(teaches.iter().any(|l| l["staff"]["id"] == *me));
        }
    }
    assert!(
        sections > 0 && evaluations > 0 && administrations > 0,
        "the relations have rows"
    );
}

async fn an_evaluation_resolves_its_people_school_cycle_events_and_ratings(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            r#"{ evaluations(first: 20, filter: { status: COMPLETE }) { edges { node { id status completedOn
                  evaluatee { id } school { kind }
                  evaluator { id evaluationsGiven(first: 100) { edges { node { id } } } }
                  cycle { schoolYear process { code } evaluations(first: 1) { totalCount } }
                  finalRating { scale label }
                  events(first: 5) { totalCount edges { node { id kind evaluation { id }
                    ratings(first: 20) { totalCount edges { node { feedback event { id } element { code } ratingLevel { scale label } } } } } } }
                } } } }"#,
            json!({}),
        )
        .await;
    let evaluations = nodes(&data["evaluations"]);
    assert!(!evaluations.is_empty());
    let mut rated = 0;
    for evaluation in &evaluations {
        assert_eq!(evaluation["status"], "COMPLETE");
        assert!(
            evaluation["completedOn"].is_string(),
            "a complete evaluation has its date"
        );
        assert_eq!(evaluation["finalRating"]["scale"], "OVERALL");
        assert_eq!(evaluation["school"]["kind"], "SCHOOL");
        assert_eq!(evaluation["cycle"]["schoolYear"], 2026);
        assert!(evaluation["cycle"]["evaluations"]["totalCount"].as_u64().unwrap() >= 1);
        if !evaluation["evaluator"].is_null() {
            let given = nodes(&evaluation["evaluator"]["evaluationsGiven"]);
            assert!(
                given.iter().any(|e| e["id"] == evaluation["id"]),
                "the evaluator lists it"
            );
        }
        for event in nodes(&evaluation["events"]) {
            assert_eq!(event["evaluation"]["id"], evaluation["id"]);
            for rating in nodes(&event["ratings"]) {
                rated += 1;
                assert_eq!(rating["event"]["id"], event["id"]);
                assert_eq!(rating["ratingLevel"]["scale"], "ELEMENT");
                assert!(
                    rating["element"]["code"].as_str().unwrap().len() >= 3,
                    "an element code like 3b2"
                );
            }
        }
    }
    assert!(rated > 0, "complete evaluations carry element ratings");
}

async fn a_framework_rubric_is_browsable_in_rubric_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .query_ok(
            r#"{ frameworks { code }
                framework(code: "TLF") { id code
                  element: ratingLevels(scale: ELEMENT) { totalCount edges { node { ordinal label framework { code } } } }
                  overall: ratingLevels(scale: OVERALL) { totalCount edges { node { label } } }
                  standards(first: 10) { totalCount edges { node { code framework { code }
                    components(first: 10) { edges { node { code standard { code }
                      elements(first: 20) { edges { node { code focus component { code } } } } } } } } } } } }"#,
            json!({}),
        )
        .await;
    let codes: Vec<&str> = data["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CPF", "PSLF", "SCF", "SLF", "TLF"]);
    let tlf = &data["framework"];
    let labels: Vec<String> = nodes(&tlf["element"])
        .iter()
        .map(|l| l["label"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(labels, ["Ineffective", "Developing", "Effective", "Highly Effective"]);
    assert_eq!(tlf["overall"]["totalCount"], 2);
    let standards = nodes(&tlf["standards"]);
    let standard_codes: Vec<&str> = standards.iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert_eq!(
        standard_codes,
        ["1", "2", "3", "4", "5"],
        "five standards in rubric order"
    );
    for standard in &standards {
        assert_eq!(standard["framework"]["code"], "TLF");
        for component in nodes(&standard["components"]) {
            assert_eq!(component["standard"]["code"], standard["code"]);
            assert!(
                component["code"]
                    .as_str()
                    .unwrap()
                    .starts_with(standard["code"].as_str().unwrap())
            );
            for element in nodes(&component["elements"]) {
                assert_eq!(element["component"]["code"], component["code"]);
            }
        }
    }
}

async fn processes_cycles_and_groups_resolve_both_ways(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            r#"{ evaluationProcesses { code requiresSfs multipleMeasures measures framework { code }
                  employeeGroups { code }
                  cycles(first: 10) { edges { node { schoolYear process { code } } } } } }"#,
            json!({}),
        )
        .await;
    let processes = data["evaluationProcesses"].as_array().unwrap();
    assert_eq!(processes.len(), 7);
    let by_code = |code: &str| processes.iter().find(|p| p["code"] == code).unwrap().clone();
    let edst = by_code("EDST");
    assert_eq!(edst["requiresSfs"], true);
    assert_eq!(edst["multipleMeasures"], true);
    assert_eq!(edst["framework"]["code"], "TLF");
    assert_eq!(edst["employeeGroups"], json!([{ "code": "TCH" }]));
    let stull = by_code("STULL");
    assert_eq!(stull["measures"], json!(["OBSERVATION"]));
    assert_eq!(stull["multipleMeasures"], false);
    assert_eq!(stull["employeeGroups"], json!([{ "code": "ADT" }]));
    assert_eq!(by_code("CPM")["employeeGroups"].as_array().unwrap().len(), 2);
    for process in processes {
        for cycle in nodes(&process["cycles"]) {
            assert_eq!(cycle["process"]["code"], process["code"]);
        }
    }
    assert!(!nodes(&edst["cycles"]).is_empty());
}

async fn surveys_questions_and_administrations_resolve_both_ways(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            r#"{ surveys(first: 10) { totalCount edges { node { id code kind schoolYear minReportN confidential
                  questions(first: 50) { totalCount edges { node { code scaleMin scaleMax favorableFrom survey { id } } } }
                  administrations(first: 30) { totalCount edges { node { status responseCount enrolledCount survey { id }
                    section { administrations(first: 10) { edges { node { id } } } } teacher { employeeNumber } } } }
                } } } }"#,
            json!({}),
        )
        .await;
    let surveys = nodes(&data["surveys"]);
    let kinds: Vec<&str> = surveys.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"STAKEHOLDER_FEEDBACK") && kinds.contains(&"SCHOOL_EXPERIENCE"));
    for survey in &surveys {
        for question in nodes(&survey["questions"]) {
            assert_eq!(question["survey"]["id"], survey["id"]);
            let (min, max, from) = (&question["scaleMin"], &question["scaleMax"], &question["favorableFrom"]);
            assert!(min.as_i64() <= from.as_i64() && from.as_i64() <= max.as_i64());
        }
        let stored = survey_administration::Entity::find()
            .filter(survey_administration::Column::SurveyId.eq(decode_row(id_of(survey))))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(survey["administrations"]["totalCount"], stored);
        for administration in nodes(&survey["administrations"]) {
            assert_eq!(administration["survey"]["id"], survey["id"]);
            let in_section = nodes(&administration["section"]["administrations"]);
            assert!(!in_section.is_empty());
            assert!(administration["responseCount"].as_i64() <= administration["enrolledCount"].as_i64());
        }
    }
    let sfs = surveys.iter().find(|s| s["kind"] == "STAKEHOLDER_FEEDBACK").unwrap();
    assert!(sfs["administrations"]["totalCount"].as_u64().unwrap() > 30);
}

async fn training_courses_and_completions_resolve_both_ways(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            r#"{ trainingCourses(first: 20) { totalCount edges { node { id code category hours
                  completions(first: 20) { totalCount edges { node { id completedOn source course { id }
                    staff { trainingCompletions(first: 20) { edges { node { id } } } } } } } } } } }"#,
            json!({}),
        )
        .await;
    let courses = nodes(&data["trainingCourses"]);
    assert_eq!(
        courses.len() as u64,
        training_course::Entity::find().count(&app.db).await.unwrap()
    );
    assert!(courses.iter().any(|c| c["category"] == "PERFORMANCE_MANAGEMENT"));
    let mut seen = 0;
    for course in &courses {
        for completion in nodes(&course["completions"]) {
            seen += 1;
            assert_eq!(completion["course"]["id"], course["id"]);
            let theirs = nodes(&completion["staff"]["trainingCompletions"]);
            assert!(
                theirs.iter().any(|c| c["id"] == completion["id"]),
                "the person lists it"
            );
        }
    }
    assert!(seen > 0);
}

/// The row id inside a global id (tests only: clients treat ids as opaque).
fn decode_row(id: &str) -> i32 {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id).unwrap();
    let text = String::from_utf8(text).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

async fn node_round_trips_for_every_type(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    // One object of every Node type, reached through the lists and relations.
    let data = app
        .query_ok(
            r#"{ organizations(first: 1) { edges { node { id } } }
                staff(first: 1) { edges { node { id employeeGroup { id } assignments(first: 1) { edges { node { id } } } } } }
                sections(first: 1) { edges { node { id } } }
                framework(code: "TLF") { id ratingLevels(first: 1) { edges { node { id } } }
                  standards(first: 1) { edges { node { id components(first: 1) { edges { node { id elements(first: 1) { edges { node { id } } } } } } } } } }
                evaluationProcesses { id cycles(first: 1) { edges { node { id } } } }
                evaluations(first: 1, filter: { status: COMPLETE }) { edges { node { id events(first: 5) { edges { node { id ratings(first: 1) { edges { node { id } } } } } } } } }
                surveys(first: 1) { edges { node { id questions(first: 1) { edges { node { id } } } } } }
                surveyAdministrations(first: 1) { edges { node { id } } }
                trainingCourses(first: 1) { edges { node { id } } }
                trainingCompletions(first: 1) { edges { node { id } } } }"#,
            json!({}),
        )
        .await;
    let first = |v: &Value| nodes(v).into_iter().next().unwrap_or_else(|| panic!("empty: {v:#}"));
    let staff = first(&data["staff"]);
    let tlf = &data["framework"];
    let standard = first(&tlf["standards"]);
    let component = first(&standard["components"]);
    let evaluation = first(&data["evaluations"]);
    let event = nodes(&evaluation["events"])
        .into_iter()
        .find(|e| !nodes(&e["ratings"]).is_empty())
        .expect("an event with ratings");
    let survey = first(&data["surveys"]);
    let process = data["evaluationProcesses"][0].clone();
    let expected = [
        ("Organization", first(&data["organizations"])),
        ("Staff", staff.clone()),
        ("EmployeeGroup", staff["employeeGroup"].clone()),
        ("Assignment", first(&staff["assignments"])),
        ("Section", first(&data["sections"])),
        ("Framework", tlf.clone()),
        ("RatingLevel", first(&tlf["ratingLevels"])),
        ("FrameworkStandard", standard.clone()),
        ("FrameworkComponent", component.clone()),
        ("FrameworkElement", first(&component["elements"])),
        ("EvaluationProcess", process.clone()),
        ("EvaluationCycle", first(&process["cycles"])),
        ("Evaluation", evaluation.clone()),
        ("EvaluationEvent", event.clone()),
        ("ElementRating", first(&event["ratings"])),
        ("Survey", survey.clone()),
        ("SurveyQuestion", first(&survey["questions"])),
        ("SurveyAdministration", first(&data["surveyAdministrations"])),
        ("TrainingCourse", first(&data["trainingCourses"])),
        ("TrainingCompletion", first(&data["trainingCompletions"])),
    ];
    for (type_name, object) in &expected {
        let id = id_of(object);
        let found = app
            .query_ok(
                "query ($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            found["node"],
            json!({ "__typename": type_name, "id": id }),
            "{type_name}"
        );
    }
    let ids: Vec<&str> = expected.iter().map(|(_, object)| id_of(object)).collect();
    let all = app
        .query_ok(
            "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": ids }),
        )
        .await;
    let typenames: Vec<&str> = all["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["__typename"].as_str().unwrap())
        .collect();
    let wanted: Vec<&str> = expected.iter().map(|(t, _)| *t).collect();
    assert_eq!(typenames, wanted, "nodes(ids:) answers in the order asked");
}

async fn malformed_and_foreign_ids_are_clear_errors(backend: Backend) {
    use base64::Engine;
    let app = TestApp::spawn_with_demo(backend).await;
    let encode = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    let node = "query ($id: ID!) { node(id: $id) { id } }";

    for malformed in [
        "not an id",
        "%%%",
        &encode("Staff:abc"),
        &encode("no colon"),
        &encode("Teacher:1"),
    ] {
        let body = app.graphql(node, json!({ "id": malformed })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{malformed}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "id");
        assert_eq!(body["data"]["node"], Value::Null);
    }

    // A well-formed id of a row that does not exist is not an error: it is null.
    let body = app.graphql(node, json!({ "id": encode("Staff:999999") })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["node"], Value::Null);

    // An id of one type is never read as another: the row id of a staff member names no section.
    let staff = app
        .query_ok("{ staff(first: 1) { edges { node { id } } } }", json!({}))
        .await;
    let staff_id = id_of(&nodes(&staff["staff"])[0]).to_owned();
    let found = app
        .query_ok(
            "query ($id: ID!) { node(id: $id) { __typename } }",
            json!({ "id": staff_id }),
        )
        .await;
    assert_eq!(found["node"]["__typename"], "Staff");

    // One bad id in a batch is a clear error naming the argument, and the batch is bounded.
    let body = app
        .graphql(
            "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [staff_id, "garbage"] }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "ids");
    let too_many: Vec<String> = (0..101).map(|i| encode(&format!("Staff:{i}"))).collect();
    let body = app
        .graphql(
            "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": too_many }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("100"));
}

async fn natural_key_lookups_find_rows_and_return_null_for_unknown_keys(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            r#"{ organization(code: "SCH-101") { code kind }
                staffMember(employeeNumber: "E100001") { employeeNumber }
                framework(code: "SLF") { code }
                survey(code: "SFS-2026") { code kind }
                noOrg: organization(code: "NOPE") { code }
                noStaff: staffMember(employeeNumber: "X") { employeeNumber }
                noFramework: framework(code: "NOPE") { code }
                noSurvey: survey(code: "NOPE") { code } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["organization"], json!({ "code": "SCH-101", "kind": "SCHOOL" }));
    assert_eq!(data["staffMember"]["employeeNumber"], "E100001");
    assert_eq!(data["framework"]["code"], "SLF");
    assert_eq!(
        data["survey"],
        json!({ "code": "SFS-2026", "kind": "STAKEHOLDER_FEEDBACK" })
    );
    for missing in ["noOrg", "noStaff", "noFramework", "noSurvey"] {
        assert_eq!(data[missing], Value::Null, "{missing}");
    }
}
